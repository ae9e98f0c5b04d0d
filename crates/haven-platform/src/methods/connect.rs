//! Patient Connect's methods in the ConnectPackage group (protocol notes, section 13):
//! CreateConnectRequest, GetAuthorizedConnectRequests, DeletePendingConnectRequest and
//! UpdateExternalId (v1), application calls about the calling application's own requests.
//! A master reads its children's validations too, and may call GetAuthorizedConnectRequests
//! with the Master group alone (protocol notes, section 18). Also what DOPU's methods share
//! with them: identity codes and the checks of the clinic's texts.
//!
//! Statuses: an empty question is INVALID_VERIFICATION_QUESTION (72) and an empty answer
//! INVALID_VERIFICATION_ANSWER (73), as HealthVault documents; a text over the domain's
//! `MAX_CONNECT_TEXT_CHARS` is INVALID_XML, as the wire's own ceiling is. A live request with
//! the same external id is DUPLICATE_CONNECT_REQUEST_FOUND (79). Anything that names no
//! request of the application (an unknown external id, a malformed or unknown code) is
//! INVALID_IDENTITY_CODE (74, "there is no connect request corresponding to the given code"):
//! HealthVault documents no "not found" status of its own for these methods.
//!
//! The answer and the code are secrets: neither is logged, and the store keeps only their
//! hashes (the answer as an Argon2id PHC string of its normalized form, which the Shell
//! verifies).

use argon2::{Argon2, PasswordHasher};
use haven_domain::application::{Application, MethodGroup};
use haven_domain::connect::{
    ConnectRequest, ConnectRequestId, ConnectTextError, IdentityCode, MAX_CONNECT_TEXT_CHARS, check_connect_texts,
    normalized_answer,
};
use haven_domain::ids::ApplicationId;
use haven_store::ConnectLookup;
use haven_wire::methods::connect_fields::ConnectItemSelector;
use haven_wire::methods::create_connect_request::{CreateConnectRequestRequest, CreateConnectRequestResponse};
use haven_wire::methods::delete_pending_connect_request::DeletePendingConnectRequestRequest;
use haven_wire::methods::get_authorized_connect_requests::{
    AuthorizedConnectRequest, GetAuthorizedConnectRequestsRequest, GetAuthorizedConnectRequestsResponse,
};
use haven_wire::methods::update_external_id::UpdateExternalIdRequest;
use haven_wire::{Request, Response};
use time::OffsetDateTime;

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::crypto::random_bytes;
use crate::error::PlatformError;

/// CreateConnectRequest: stores a new request and answers its identity code.
pub(crate) async fn create_request(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = CreateConnectRequestRequest::from_request(request)?;
    check_texts(&parameters.friendly_name, &parameters.question, Some(&parameters.answer), &parameters.external_id)?;
    let code = new_identity_code()?;
    let answer_hash = hash_answer(normalized_answer(&parameters.answer)).await?;
    let now = state.platform.clock.now();
    let connect_request = ConnectRequest {
        id: ConnectRequestId::from_uuid(uuid::Uuid::new_v4()),
        application_id: call.application.id,
        code_hash: code.hash(),
        friendly_name: parameters.friendly_name,
        question: parameters.question,
        answer_hash,
        external_id: parameters.external_id,
        created_at: now,
        failed_attempts: 0,
        last_validated_at: None,
    };
    state.platform.store.create_connect_request(&connect_request, now).await?;
    tracing::info!(application = %call.application.id, connect_request = %connect_request.id, "connect request created");
    Ok(Response::ok(CreateConnectRequestResponse { identity_code: code.as_str().to_owned() }.to_info()))
}

/// GetAuthorizedConnectRequests: the validations of the application's requests (and, for a
/// master, of its children's) since the date asked, or all those still kept.
pub(crate) async fn authorized_requests(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = GetAuthorizedConnectRequestsRequest::from_request(request)?;
    let application_ids = readable_applications(state, &call.application).await?;
    let since = parameters.since.unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let now = state.platform.clock.now();
    let validations = state.platform.store.connect_validations(&application_ids, since, now).await?;
    let connect_requests = validations
        .into_iter()
        .map(|validation| AuthorizedConnectRequest {
            person_id: validation.person_id,
            record_id: validation.record_id,
            app_specific_record_id: None,
            application_id: validation.application_id,
            external_id: validation.external_id,
        })
        .collect();
    Ok(Response::ok(GetAuthorizedConnectRequestsResponse { connect_requests }.to_info()))
}

/// The applications whose connect requests `application` may read: itself and, when it is
/// a master (protocol notes, section 18), the children it provisioned in this instance.
async fn readable_applications(
    state: &AppState,
    application: &Application,
) -> Result<Vec<ApplicationId>, PlatformError> {
    let mut application_ids = vec![application.id];
    if application.may_call(MethodGroup::Master) {
        let children = state.platform.store.applications().await?;
        application_ids
            .extend(children.iter().filter(|child| child.master_id == Some(application.id)).map(|child| child.id));
    }
    Ok(application_ids)
}

/// DeletePendingConnectRequest: deletes the application's request with this external id,
/// whatever its status, and its validations. None is INVALID_IDENTITY_CODE (74).
pub(crate) async fn delete_request(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = DeletePendingConnectRequestRequest::from_request(request)?;
    let lookup = ConnectLookup::ExternalId(&parameters.external_id);
    if !state.platform.store.delete_connect_request(call.application.id, lookup).await? {
        return Err(PlatformError::InvalidIdentityCode(
            "the application has no connect request with this external id".to_owned(),
        ));
    }
    tracing::info!(application = %call.application.id, "connect request deleted");
    Ok(Response::ok_without_info())
}

/// UpdateExternalId: gives the application's request (or, if no request matches, its
/// packages not yet picked up) found by code or by external id a new external id. Nothing
/// found is INVALID_IDENTITY_CODE (74); a live request already holding the new id is
/// DUPLICATE_CONNECT_REQUEST_FOUND (79).
pub(crate) async fn update_external_id(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = UpdateExternalIdRequest::from_request(request)?;
    check_external_id(&parameters.new_external_id)?;
    let lookup = connect_lookup(&parameters.item)?;
    let changed = state
        .platform
        .store
        .update_connect_external_id(call.application.id, lookup, &parameters.new_external_id)
        .await?;
    if changed == 0 {
        return Err(PlatformError::InvalidIdentityCode(
            "the application has no connect request or pending package with this identity code or external id"
                .to_owned(),
        ));
    }
    tracing::info!(application = %call.application.id, changed, "connect external id updated");
    Ok(Response::ok_without_info())
}

/// A new identity code from 128 bits of the operating system's randomness.
pub(crate) fn new_identity_code() -> Result<IdentityCode, PlatformError> {
    let mut random = [0_u8; 16];
    let drawn = random_bytes(16)?;
    random.copy_from_slice(&drawn);
    Ok(IdentityCode::from_random(random))
}

/// An identity code as an application sent it; a malformed one names nothing
/// (INVALID_IDENTITY_CODE). The message never repeats the code.
pub(crate) fn parse_identity_code(text: &str) -> Result<IdentityCode, PlatformError> {
    IdentityCode::parse(text).map_err(|error| PlatformError::InvalidIdentityCode(error.to_string()))
}

/// Where the store finds the item an application names by identity code or external id.
pub(crate) fn connect_lookup(item: &ConnectItemSelector) -> Result<ConnectLookup<'_>, PlatformError> {
    Ok(match item {
        ConnectItemSelector::IdentityCode(text) => ConnectLookup::Code(parse_identity_code(text)?.hash()),
        ConnectItemSelector::ExternalId(external_id) => ConnectLookup::ExternalId(external_id),
    })
}

/// Checks the clinic's texts (the answer only for a connect request: a package's never
/// reaches the server) with the domain's rules.
pub(crate) fn check_texts(
    friendly_name: &str,
    question: &str,
    answer: Option<&str>,
    external_id: &str,
) -> Result<(), PlatformError> {
    check_connect_texts(friendly_name, question, answer, external_id).map_err(|error| match error {
        ConnectTextError::EmptyQuestion => PlatformError::InvalidVerificationQuestion(error.to_string()),
        ConnectTextError::EmptyAnswer => PlatformError::InvalidVerificationAnswer(error.to_string()),
        ConnectTextError::EmptyExternalId | ConnectTextError::EmptyFriendlyName | ConnectTextError::TooLong { .. } => {
            PlatformError::InvalidConnectText(error.to_string())
        }
    })
}

/// Checks a new external id on its own (UpdateExternalId): not blank (the wire saw to that)
/// and within the domain's length.
fn check_external_id(external_id: &str) -> Result<(), PlatformError> {
    if external_id.chars().count() > MAX_CONNECT_TEXT_CHARS {
        return Err(PlatformError::InvalidConnectText(format!(
            "the new external id is longer than {MAX_CONNECT_TEXT_CHARS} characters"
        )));
    }
    Ok(())
}

/// The Argon2id PHC string of a normalized answer, made as the Shell's `password::hash` makes
/// one (the argon2 crate's default cost, on the blocking pool) so that the Shell's
/// `password::verify` checks it.
async fn hash_answer(normalized_answer: String) -> Result<String, PlatformError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(normalized_answer.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| PlatformError::AnswerHashing(error.to_string()))
    })
    .await
    .map_err(|error| PlatformError::AnswerHashing(format!("the hashing task failed: {error}")))?
}
