//! A connection to one instance's Platform as one application.

use haven_domain::country::CountryCode;
use haven_domain::ids::{ApplicationId, PersonId, RecordId, ThingTypeId};
use haven_domain::thing::{ThingDraft, ThingKey};
use haven_wire::base64_text::encode_base64;
use haven_wire::date_time::format_date_time;
use haven_wire::instance::ServiceInstance;
use haven_wire::methods::add_application::{AddApplicationRequest, AddApplicationResponse, ApplicationFields};
use haven_wire::methods::create_authenticated_session_token::SessionTokenResponse;
use haven_wire::methods::get_person_info::PersonInfo;
use haven_wire::methods::get_service_definition::{self, GetServiceDefinitionRequest, ServiceDefinition};
use haven_wire::methods::get_things::{
    GetThingsRequest, GetThingsResponse, ThingFilter, ThingFormat, ThingSection, ThingTarget, ThingsGroupRequest,
};
use haven_wire::methods::new_application_creation_info::{
    self, NewApplicationCreationInfo, NewApplicationCreationInfoRequest,
};
use haven_wire::methods::put_things::{PutThingsRequest, PutThingsResponse};
use haven_wire::methods::remove_things::RemoveThingsRequest;
use haven_wire::methods::select_instance::{self, PreferredLocation, SelectInstanceRequest, SelectInstanceResponse};
use haven_wire::methods::update_application::UpdateApplicationRequest;
use haven_wire::request::{RequestCaller, RequestHeader, write_request};
use haven_wire::thing_xml::{SubmittedThing, WireThing};
use haven_wire::{StatusCode, parse_response};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::sync::Mutex;
use url::Url;

use crate::credentials::{ApplicationCredentials, Proof, sign_sha1};
use crate::error::SdkError;
use crate::soda::SodaInstance;

/// The client's version string sent in every header.
const CLIENT_VERSION: &str = concat!("haven-sdk/", env!("CARGO_PKG_VERSION"));

/// How long a request stays valid (`msg-ttl`), as the .NET SDK sends.
const MESSAGE_TTL_SECONDS: u32 = 1800;

/// For whom a call is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallAs {
    /// The application alone (GetServiceDefinition, GetAuthorizedPeople...).
    Application,
    /// A person who is present, by the user token (wctoken) the Shell gave the application.
    Online(String),
    /// A person who granted offline access.
    Offline(PersonId),
}

#[derive(Clone)]
struct Session {
    token: String,
    secret: Vec<u8>,
}

/// A connection to a Platform as one application. Cheap to share behind an `Arc`; the
/// session is created on first use and renewed when the server says it expired.
pub struct Connection {
    client: reqwest::Client,
    wildcat_url: Url,
    credentials: ApplicationCredentials,
    session: Mutex<Option<Session>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Connection")
            .field("wildcat_url", &self.wildcat_url.as_str())
            .field("application_id", &self.credentials.application_id)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A connection to the Platform whose root URL is `platform_url` (e.g.
    /// `http://127.0.0.1:8111/`; the method endpoint is `platform/wildcat.ashx` below it).
    pub fn new(platform_url: Url, credentials: ApplicationCredentials) -> Result<Self, SdkError> {
        let wildcat_url = platform_url
            .join("platform/wildcat.ashx")
            .map_err(|error| SdkError::Credentials(format!("platform URL {platform_url}: {error}")))?;
        Self::with_method_url(wildcat_url, credentials)
    }

    /// A connection to the XML method endpoint itself (e.g.
    /// `https://platform.example/platform/wildcat.ashx`), as GetServiceDefinition and
    /// SelectInstance report an instance's `platform-url`.
    pub fn with_method_url(method_url: Url, credentials: ApplicationCredentials) -> Result<Self, SdkError> {
        // reqwest is built without a default TLS provider; install ring once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        Ok(Self { client, wildcat_url: method_url, credentials, session: Mutex::new(None) })
    }

    /// The XML method endpoint this connection posts to.
    pub fn method_url(&self) -> &Url {
        &self.wildcat_url
    }

    /// The application this connection signs in as.
    pub fn credentials(&self) -> &ApplicationCredentials {
        &self.credentials
    }

    async fn post(&self, body: String) -> Result<String, SdkError> {
        let response =
            self.client.post(self.wildcat_url.clone()).header("Content-Type", "text/xml").body(body).send().await?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(SdkError::HttpStatus(response.status().as_u16()));
        }
        Ok(response.text().await?)
    }

    /// Sends an envelope and returns the inner XML of its `wc:info` (empty if none).
    async fn exchange(&self, body: String) -> Result<String, SdkError> {
        let text = self.post(body).await?;
        let response = parse_response(&text)?;
        if !response.status.is_ok() {
            return Err(SdkError::Status {
                status: response.status,
                message: response.error_message.map(|message| message.to_string()).unwrap_or_default(),
            });
        }
        Ok(response.info.map(|info| info.inner_xml.to_owned()).unwrap_or_default())
    }

    fn header(
        &self,
        method: &str,
        version: u32,
        record_id: Option<RecordId>,
        caller: RequestCaller,
        info_xml: Option<&str>,
    ) -> RequestHeader {
        RequestHeader {
            method: method.to_owned(),
            method_version: version,
            record_id,
            caller,
            msg_time: format_date_time(OffsetDateTime::now_utc()),
            msg_ttl: MESSAGE_TTL_SECONDS,
            version: CLIENT_VERSION.to_owned(),
            info_hash: info_xml.map(|info| ("SHA256".to_owned(), encode_base64(&Sha256::digest(info.as_bytes())))),
        }
    }

    /// Calls an anonymous method (no session).
    pub async fn call_anonymous(&self, method: &str, version: u32, info_xml: &str) -> Result<String, SdkError> {
        let header =
            self.header(method, version, None, RequestCaller::Application(self.credentials.application_id), None);
        self.exchange(write_request(None, &header.to_xml(), info_xml)).await
    }

    /// NewApplicationCreationInfo (anonymous, as the SODA master of these credentials): a
    /// new instance of the application. It can sign in once a person completes its creation
    /// in the Shell with [`SodaInstance::app_token`].
    pub async fn new_application_creation_info(&self) -> Result<SodaInstance, SdkError> {
        let inner = self
            .call_anonymous(new_application_creation_info::METHOD, 1, &NewApplicationCreationInfoRequest.to_info_xml())
            .await?;
        Ok(NewApplicationCreationInfo::parse_info_xml(&inner)?.into())
    }

    async fn authenticate(&self) -> Result<Session, SdkError> {
        let app_id = self.credentials.application_id;
        let content = format!(
            "<content><app-id>{app_id}</app-id><hmac>HMACSHA256</hmac><signing-time>{}</signing-time></content>",
            format_date_time(OffsetDateTime::now_utc())
        );
        let signature = match self.credentials.proof() {
            Proof::Certificate { private_key, thumbprint } => {
                let signature = encode_base64(&sign_sha1(private_key, content.as_bytes())?);
                format!(r#"<sig digestMethod="SHA1" sigMethod="RSA-SHA1" thumbprint="{thumbprint}">{signature}</sig>"#)
            }
            Proof::SodaInstance { shared_secret } => {
                let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(shared_secret)
                    .map_err(|_| SdkError::Credentials("the shared secret cannot key an HMAC".to_owned()))?;
                mac.update(content.as_bytes());
                format!(r#"<hmacSig algName="HMACSHA256">{}</hmacSig>"#, encode_base64(&mac.finalize().into_bytes()))
            }
            Proof::SodaMaster => {
                return Err(SdkError::Credentials(format!(
                    "application {app_id} is a SODA master: it makes anonymous calls only; sign in as an instance from new_application_creation_info"
                )));
            }
        };
        let info = format!(
            r#"<info><auth-info><app-id>{app_id}</app-id><credential><appserver2>{signature}{content}</appserver2></credential></auth-info></info>"#
        );
        let inner = self.call_anonymous("CreateAuthenticatedSessionToken", 2, &info).await?;
        let response = SessionTokenResponse::parse_info_xml(2, &inner)?;
        let secret = response.shared_secret.ok_or(SdkError::MissingInfo("CreateAuthenticatedSessionToken"))?;
        Ok(Session { token: response.token, secret })
    }

    async fn session(&self, renew: bool) -> Result<Session, SdkError> {
        let mut current = self.session.lock().await;
        if renew || current.is_none() {
            *current = Some(self.authenticate().await?);
        }
        current.clone().ok_or(SdkError::MissingInfo("CreateAuthenticatedSessionToken"))
    }

    /// Calls a method within the application's session, for `call_as`, about `record_id`;
    /// returns the inner XML of the answer's `wc:info`. An expired session is renewed and
    /// the call made once more.
    pub async fn call(
        &self,
        method: &str,
        version: u32,
        call_as: &CallAs,
        record_id: Option<RecordId>,
        info_xml: &str,
    ) -> Result<String, SdkError> {
        let mut renew = false;
        loop {
            let session = self.session(renew).await?;
            let caller = match call_as {
                CallAs::Application => RequestCaller::Session { auth_token: session.token.clone() },
                CallAs::Online(user_token) => {
                    RequestCaller::Online { auth_token: session.token.clone(), user_auth_token: user_token.clone() }
                }
                CallAs::Offline(person_id) => {
                    RequestCaller::Offline { auth_token: session.token.clone(), person_id: *person_id }
                }
            };
            let header_xml = self.header(method, version, record_id, caller, Some(info_xml)).to_xml();
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&session.secret)
                .map_err(|_| SdkError::Credentials("the session secret cannot key an HMAC".to_owned()))?;
            mac.update(header_xml.as_bytes());
            let hmac = encode_base64(&mac.finalize().into_bytes());
            let body = write_request(Some(("HMACSHA256", &hmac)), &header_xml, info_xml);
            match self.exchange(body).await {
                Err(SdkError::Status { status, .. })
                    if !renew
                        && (status == StatusCode::AUTHENTICATED_SESSION_TOKEN_EXPIRED
                            || status == StatusCode::INVALID_TOKEN) =>
                {
                    renew = true;
                }
                other => return other,
            }
        }
    }

    /// GetServiceDefinition v2 (anonymous): the instance's URLs, methods and the topology.
    pub async fn service_definition(&self) -> Result<ServiceDefinition, SdkError> {
        self.get_service_definition(None).await?.ok_or(SdkError::MissingInfo("GetServiceDefinition"))
    }

    /// GetServiceDefinition v2 (anonymous) with `updated-date`: the definition if it changed
    /// after `since` (give the `updated_date` of the definition you hold), `None` if not, in
    /// which case the Platform answered with an empty info and sent nothing else.
    pub async fn service_definition_changed_since(
        &self,
        since: OffsetDateTime,
    ) -> Result<Option<ServiceDefinition>, SdkError> {
        self.get_service_definition(Some(since)).await
    }

    async fn get_service_definition(
        &self,
        updated_date: Option<OffsetDateTime>,
    ) -> Result<Option<ServiceDefinition>, SdkError> {
        let request = GetServiceDefinitionRequest { version: 2, updated_date, response_sections: None };
        let inner = self.call_anonymous(get_service_definition::METHOD, 2, &request.to_info_xml()).await?;
        Ok(ServiceDefinition::parse_info_xml(&inner)?)
    }

    /// SelectInstance v1 (anonymous): the instance where a new account from `country` (and
    /// optionally its ISO 3166-2 `state_province`, at most 3 characters) belongs, or `None`
    /// when no instance supports that country.
    pub async fn select_instance(
        &self,
        country: CountryCode,
        state_province: Option<&str>,
    ) -> Result<Option<ServiceInstance>, SdkError> {
        let request = SelectInstanceRequest {
            preferred_location: PreferredLocation { country, state_province: state_province.map(str::to_owned) },
        };
        let inner = self.call_anonymous(select_instance::METHOD, 1, &request.to_info_xml()).await?;
        Ok(SelectInstanceResponse::parse_info_xml(&inner)?.selected_instance)
    }

    /// GetPersonInfo: the person and the records they authorized this application on.
    pub async fn person_info(&self, call_as: &CallAs) -> Result<PersonInfo, SdkError> {
        let inner = self.call("GetPersonInfo", 1, call_as, None, "<info/>").await?;
        Ok(PersonInfo::parse_info_xml(&inner)?)
    }

    /// GetThings v3 with the given groups.
    pub async fn get_things(
        &self,
        call_as: &CallAs,
        record_id: RecordId,
        groups: Vec<ThingsGroupRequest>,
    ) -> Result<GetThingsResponse, SdkError> {
        let request = GetThingsRequest { version: 3, groups };
        let inner = self.call("GetThings", 3, call_as, Some(record_id), &request.to_info_xml()).await?;
        Ok(GetThingsResponse::parse_info_xml(&inner)?)
    }

    /// Every current thing of one type in the record, newest effective date first, paging
    /// through the keys the server returns beyond its per-group limit.
    pub async fn things_of_type(
        &self,
        call_as: &CallAs,
        record_id: RecordId,
        type_id: ThingTypeId,
    ) -> Result<Vec<WireThing>, SdkError> {
        let format = ThingFormat {
            sections: vec![ThingSection::Core, ThingSection::Audits],
            xml: vec![String::new()],
            ..ThingFormat::default()
        };
        let first = ThingsGroupRequest {
            filters: vec![ThingFilter { type_ids: vec![type_id], ..ThingFilter::default() }],
            format: format.clone(),
            ..ThingsGroupRequest::default()
        };
        let mut answer = self.get_things(call_as, record_id, vec![first]).await?;
        let Some(mut group) = answer.groups.pop() else { return Ok(Vec::new()) };
        let mut things = std::mem::take(&mut group.things);
        let mut pending: Vec<ThingKey> = group.unprocessed.iter().map(|unprocessed| unprocessed.key).collect();
        while !pending.is_empty() {
            let page = ThingsGroupRequest {
                target: ThingTarget::Keys(pending.clone()),
                format: format.clone(),
                ..ThingsGroupRequest::default()
            };
            let mut answer = self.get_things(call_as, record_id, vec![page]).await?;
            let Some(group) = answer.groups.pop() else { break };
            if group.things.is_empty() {
                break;
            }
            let fetched: Vec<ThingKey> = group.things.iter().map(|thing| thing.key).collect();
            pending.retain(|key| !fetched.contains(key));
            things.extend(group.things);
        }
        Ok(things)
    }

    /// PutThings v2: creates (`key` None) or updates things; returns their new keys in order.
    pub async fn put_things(
        &self,
        call_as: &CallAs,
        record_id: RecordId,
        things: Vec<(Option<ThingKey>, ThingDraft)>,
    ) -> Result<Vec<ThingKey>, SdkError> {
        let things = things
            .into_iter()
            .map(|(key, draft)| SubmittedThing {
                key,
                draft,
                inline_blobs: Vec::new(),
                blob_references: Vec::new(),
                removed_blobs: Vec::new(),
            })
            .collect();
        let request = PutThingsRequest { version: 2, things };
        let inner = self.call("PutThings", 2, call_as, Some(record_id), &request.to_info_xml()).await?;
        Ok(PutThingsResponse::parse_info_xml(&inner)?.keys)
    }

    /// RemoveThings: deletes the things at these (current) versions.
    pub async fn remove_things(
        &self,
        call_as: &CallAs,
        record_id: RecordId,
        keys: Vec<ThingKey>,
    ) -> Result<(), SdkError> {
        let request = RemoveThingsRequest { keys };
        self.call("RemoveThings", 1, call_as, Some(record_id), &request.to_info_xml()).await?;
        Ok(())
    }

    /// AddApplication v1 (a master application, by itself): creates a child application in
    /// this connection's instance from `fields` and returns its id.
    pub async fn add_application(&self, fields: ApplicationFields) -> Result<ApplicationId, SdkError> {
        let request = AddApplicationRequest { version: 1, fields };
        let inner = self.call("AddApplication", 1, &CallAs::Application, None, &request.to_info_xml()).await?;
        Ok(AddApplicationResponse::parse_info_xml(&inner)?.id)
    }

    /// UpdateApplication v1 (a master application, by itself): changes what `fields` gives
    /// of its child `child_id` in this connection's instance.
    pub async fn update_application(&self, child_id: ApplicationId, fields: ApplicationFields) -> Result<(), SdkError> {
        let request = UpdateApplicationRequest { version: 1, id: child_id, fields };
        self.call("UpdateApplication", 1, &CallAs::Application, None, &request.to_info_xml()).await?;
        Ok(())
    }
}
