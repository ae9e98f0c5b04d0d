//! Authenticating calls made within an application session: the session token must be
//! known and unexpired, `<auth><hmac-data>` must be the HMAC of the exact `<header>` bytes
//! under the session's shared secret, and `<info-hash>` the hash of the exact `<info>`
//! bytes (the header HMAC covers the info hash, so together they bind the whole request).
//! `msg-time` is only checked against a generous window: real clients send stale and even
//! malformed times (python-healthvault puts the month in the minutes).

use haven_domain::application::Application;
use haven_domain::authorization::AppAuthorization;
use haven_domain::ids::RecordId;
use haven_domain::person::Person;
use haven_domain::session::{AppSession, HmacAlgorithm, UserToken};
use haven_domain::thing::AccessAvenue;
use haven_store::Store;
use haven_wire::Request;
use haven_wire::base64_text::decode_base64;
use haven_wire::request::AuthSession;
use time::Duration;

use crate::AppState;
use crate::crypto::{info_hash, token_hash, verify_hmac};
use crate::error::PlatformError;

/// Default for how far a request's `msg-time` may lie from the server's clock.
pub const DEFAULT_MSG_TIME_WINDOW: Duration = Duration::hours(24);

/// A call whose session, HMAC and info hash checked out.
#[derive(Debug)]
pub(crate) struct AuthenticatedCall {
    /// The calling application.
    pub(crate) application: Application,
    /// Its session.
    pub(crate) session: AppSession,
    /// The person the call is made for, if any: online (the person is present, proven by
    /// their user token) or offline (the application acts alone for a person who granted
    /// it offline access; each record's grant is checked by the method).
    pub(crate) person: Option<PersonAccess>,
}

/// The person a call is made for.
#[derive(Debug)]
pub(crate) struct PersonAccess {
    /// The person.
    pub(crate) person: Person,
    /// Online or offline.
    pub(crate) avenue: AccessAvenue,
    /// The record the person selected for the application (online calls).
    pub(crate) selected_record_id: Option<RecordId>,
    /// The person's authorizations of the application in force for this avenue, one per
    /// record (loaded once here; methods read them instead of asking the store again).
    pub(crate) authorizations: Vec<AppAuthorization>,
}

impl PersonAccess {
    /// The authorization in force on `record_id`, if any.
    pub(crate) fn authorization(&self, record_id: RecordId) -> Option<&AppAuthorization> {
        self.authorizations.iter().find(|authorization| authorization.record_id == record_id)
    }
}

/// Checks the session, signatures and time of a call that carries `<auth-session>`.
pub(crate) async fn authenticate(
    state: &AppState,
    request: &Request<'_>,
    auth_session: &AuthSession,
) -> Result<AuthenticatedCall, PlatformError> {
    let store: &dyn Store = state.platform.store.as_ref();
    let now = state.platform.clock.now();
    // The session and the user token are independent lookups: fetch them side by side.
    let user_token = async {
        match &auth_session.user_auth_token {
            Some(user_token) => store.user_token(token_hash(user_token)).await,
            None => Ok(None),
        }
    };
    let (session, user_token) = tokio::join!(store.app_session(token_hash(&auth_session.auth_token)), user_token);
    let session = session?.ok_or(PlatformError::InvalidToken)?;
    if !session.is_active_at(now) {
        return Err(PlatformError::SessionExpired);
    }

    let hmac = request
        .hmac
        .as_ref()
        .ok_or_else(|| PlatformError::BadSignature("a session call needs <auth><hmac-data>".to_owned()))?;
    let algorithm = HmacAlgorithm::parse(&hmac.algorithm)
        .ok_or_else(|| PlatformError::BadSignature(format!("HMAC algorithm {:?} is not supported", hmac.algorithm)))?;
    let mac = decode_base64(&hmac.text)?;
    if !verify_hmac(algorithm, &session.shared_secret, request.header_xml().as_bytes(), &mac) {
        return Err(PlatformError::BadSignature(
            "the HMAC of <header> does not match the session's shared secret".to_owned(),
        ));
    }

    let declared = request
        .header
        .info_hash
        .as_ref()
        .ok_or_else(|| PlatformError::BadSignature("a session call needs <info-hash>".to_owned()))?;
    let info_bytes = request.info_xml().unwrap_or("").as_bytes();
    let expected = info_hash(&declared.algorithm, info_bytes).ok_or_else(|| {
        PlatformError::BadSignature(format!(
            "hash algorithm {:?} is not supported; use SHA256 or SHA1",
            declared.algorithm
        ))
    })?;
    if decode_base64(&declared.text)? != expected {
        return Err(PlatformError::BadSignature("<info-hash> does not match the bytes of <info>".to_owned()));
    }

    if let Some(sent) = request.header.msg_time_parsed()
        && (now - sent).abs() > state.platform.msg_time_window
    {
        return Err(PlatformError::OutOfTime(format!(
            "msg-time is more than {} hours from the server's clock",
            state.platform.msg_time_window.whole_hours()
        )));
    }

    let application = store
        .application(session.application_id)
        .await?
        .ok_or(PlatformError::UnknownApplication(session.application_id))?;
    // Taken out of this instance (`haven app go-live`) after the session began: the session
    // ends with it, as a new sign-in would be refused.
    if !application.supports_instance(&state.platform.instance_id) {
        return Err(PlatformError::ApplicationNotLive(application.id));
    }
    let person = person_access(store, &application, auth_session, user_token?, now).await?;
    Ok(AuthenticatedCall { application, session, person })
}

/// Resolves the person of an online call (user token) or an offline call (person id).
async fn person_access(
    store: &dyn Store,
    application: &Application,
    auth_session: &AuthSession,
    user_token: Option<UserToken>,
    now: time::OffsetDateTime,
) -> Result<Option<PersonAccess>, PlatformError> {
    let (person_id, avenue, selected_record_id) = if auth_session.user_auth_token.is_some() {
        let token = user_token.filter(|token| token.is_active_at(now)).ok_or_else(|| {
            PlatformError::CredentialTokenExpired(
                "the user token has expired or was signed out; sign in again".to_owned(),
            )
        })?;
        if token.application_id != application.id {
            return Err(PlatformError::AccessDenied("the user token was issued to another application".to_owned()));
        }
        (token.person_id, AccessAvenue::Online, token.selected_record_id)
    } else if let Some(person_id) = auth_session.offline_person_id {
        (person_id, AccessAvenue::Offline, None)
    } else {
        return Ok(None);
    };
    // A person is only reachable through an authorization in force for this avenue. An
    // unknown person answers the same as one who never authorized the application, so
    // applications cannot probe which people exist.
    let not_authorized = || {
        PlatformError::AccessDenied(format!(
            "the person has not authorized this application for {} access",
            avenue.as_str().to_lowercase()
        ))
    };
    // Two independent lookups: run them side by side to spare one round trip of latency.
    let (authorizations, person) =
        tokio::join!(store.authorizations_of_person(person_id, application.id), store.person(person_id));
    let mut authorizations = authorizations?;
    authorizations.retain(|authorization| authorization.is_active_at(now) && authorization.granted(avenue).is_some());
    if authorizations.is_empty() {
        return Err(not_authorized());
    }
    let person = person?.ok_or_else(not_authorized)?;
    Ok(Some(PersonAccess { person, avenue, selected_record_id, authorizations }))
}
