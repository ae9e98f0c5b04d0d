//! `haven clinic connect-request`: create a Patient Connect request, list the validated ones,
//! delete a pending one.

use anyhow::Context;
use haven_wire::StatusCode;
use haven_wire::methods::create_connect_request::CreateConnectRequestRequest;
use haven_wire::methods::get_authorized_connect_requests::AuthorizedConnectRequest;
use serde::Serialize;

use super::{ClinicInstance, ConnectRequestCommand};

/// The Shell target where a person redeems a connect request's code.
const CONNECT_TARGET: &str = "CONNECT";

/// Runs a connect-request command.
pub(super) async fn run(command: ConnectRequestCommand) -> anyhow::Result<()> {
    match command {
        ConnectRequestCommand::Create { application, instance, secret } => {
            secret.check()?;
            let instance = ClinicInstance::resolve(&application, &instance).await?;
            let request = CreateConnectRequestRequest {
                friendly_name: secret.friendly_name,
                question: secret.question,
                answer: secret.answer,
                external_id: secret.external_id.clone(),
                call_back_url: None,
            };
            let code = instance.connection.create_connect_request(&request).await.map_err(|error| {
                let hint = match error.status() {
                    Some(StatusCode::DUPLICATE_CONNECT_REQUEST_FOUND) => format!(
                        " (`haven clinic connect-request delete --external-id {:?}` deletes the pending one)",
                        secret.external_id
                    ),
                    _ => String::new(),
                };
                anyhow::Error::new(error)
                    .context(format!("CreateConnectRequest in {} failed{hint}", instance.describe()))
            })?;
            println!("instance={}", instance.id);
            println!("identity-code={code}");
            println!("url={}", instance.redeem_url(CONNECT_TARGET, &code));
            Ok(())
        }
        ConnectRequestCommand::List { application, instance, since, json } => {
            let instance = ClinicInstance::resolve(&application, &instance).await?;
            let requests = instance
                .connection
                .authorized_connect_requests(since)
                .await
                .with_context(|| format!("GetAuthorizedConnectRequests in {} failed", instance.describe()))?;
            if json {
                let listed: Vec<ListedRequest<'_>> = requests.iter().map(ListedRequest::from).collect();
                println!("{}", serde_json::to_string_pretty(&listed)?);
            } else {
                for request in &requests {
                    println!(
                        "{}\t{}\t{}\t{}",
                        request.external_id, request.person_id, request.record_id, request.application_id
                    );
                }
                eprintln!("{} validated connect request(s) in {}", requests.len(), instance.describe());
            }
            Ok(())
        }
        ConnectRequestCommand::Delete { application, instance, external_id } => {
            let instance = ClinicInstance::resolve(&application, &instance).await?;
            instance
                .connection
                .delete_pending_connect_request(&external_id)
                .await
                .with_context(|| format!("DeletePendingConnectRequest in {} failed", instance.describe()))?;
            println!("deleted the pending connect request with external id {external_id:?} in {}", instance.describe());
            Ok(())
        }
    }
}

/// A validated connect request as `--json` lists it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct ListedRequest<'request> {
    external_id: &'request str,
    person_id: String,
    record_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_specific_record_id: Option<&'request str>,
    app_id: String,
}

impl<'request> From<&'request AuthorizedConnectRequest> for ListedRequest<'request> {
    fn from(request: &'request AuthorizedConnectRequest) -> Self {
        Self {
            external_id: &request.external_id,
            person_id: request.person_id.to_string(),
            record_id: request.record_id.to_string(),
            app_specific_record_id: request.app_specific_record_id.as_deref(),
            app_id: request.application_id.to_string(),
        }
    }
}
