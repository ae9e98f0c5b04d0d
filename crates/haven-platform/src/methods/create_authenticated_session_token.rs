//! CreateAuthenticatedSessionToken (v1, v2): an application proves its identity with its
//! certificate and starts a session. v1 sessions use the secret the client chose; v2
//! sessions get a secret from the server. Requests are anonymous (no HMAC yet: there is no
//! session), so the signature over `<content>` is the whole proof: by the certificate's
//! key, or (v2 `hmacSig`, SODA application instances) an HMAC keyed by the secret
//! NewApplicationCreationInfo issued, accepted once a person completed the instance's
//! creation in the Shell.

use haven_domain::application::{Application, Thumbprint};
use haven_domain::authorization::RecordAuthAction;
use haven_domain::session::{AppSession, HmacAlgorithm, SIGNING_TIME_TOLERANCE};
use haven_store::Store;
use haven_wire::date_time::parse_date_time;
use haven_wire::methods::create_authenticated_session_token::{
    ContentSignature, SessionContent, SessionTokenRequest, SessionTokenResponse,
};
use haven_wire::request::Caller;
use haven_wire::{Request, Response};

use crate::AppState;
use crate::crypto::{SHARED_SECRET_BYTES, new_token, random_bytes, verify_hmac, verify_rsa_sha1};
use crate::error::PlatformError;

pub(crate) async fn handle(state: &AppState, request: &Request<'_>) -> Result<Response, PlatformError> {
    let parameters = SessionTokenRequest::from_request(request)?;
    let app_id = parameters.app_id;
    let header_agrees = match &request.header.caller {
        Some(Caller::Application(header_app_id)) => *header_app_id == app_id,
        // Some clients send no app-id in the header of this anonymous call.
        None => true,
        Some(Caller::Session(_)) => false,
    };
    if !header_agrees || parameters.content.app_id() != app_id {
        return Err(PlatformError::MismatchedApplication);
    }
    let store: &dyn Store = state.platform.store.as_ref();
    let application = store.application(app_id).await?.ok_or(PlatformError::UnknownApplication(app_id))?;
    if !application.supports_instance(&state.platform.instance_id) {
        return Err(PlatformError::ApplicationNotLive(app_id));
    }
    verify_signature(&application, &parameters)?;
    if application.soda_secret.is_some()
        && let Some(creation) = store.soda_creation_of_application(app_id).await?
        && !creation.is_completed()
    {
        return Err(PlatformError::SodaInstancePending(app_id));
    }
    let algorithm = HmacAlgorithm::parse(parameters.content.hmac_algorithm()).ok_or_else(|| {
        PlatformError::BadSignature(format!(
            "HMAC algorithm {:?} is not supported; use HMACSHA256 or HMACSHA1",
            parameters.content.hmac_algorithm()
        ))
    })?;
    let now = state.platform.clock.now();
    let shared_secret = match &parameters.content {
        SessionContent::Version1 { shared_secret, .. } => {
            if shared_secret.is_empty() {
                return Err(PlatformError::BadSignature("the shared secret is empty".to_owned()));
            }
            shared_secret.clone()
        }
        SessionContent::Version2 { signing_time, .. } => {
            let signed_at = parse_date_time(signing_time)
                .ok_or_else(|| PlatformError::OutOfTime(format!("signing-time {signing_time:?} is not a date-time")))?;
            if (now - signed_at).abs() > SIGNING_TIME_TOLERANCE {
                return Err(PlatformError::OutOfTime(format!(
                    "signing-time {signing_time} is more than {} hours from the server's clock",
                    SIGNING_TIME_TOLERANCE.whole_hours()
                )));
            }
            random_bytes(SHARED_SECRET_BYTES)?
        }
    };
    let (token, token_hash) = new_token()?;
    let version = parameters.version;
    let session = AppSession::start(token_hash, app_id, shared_secret, algorithm, now);
    store.create_app_session(&session).await?;
    let response = SessionTokenResponse {
        version,
        app_id,
        record_auth_action: RecordAuthAction::NoActionRequired,
        token,
        shared_secret: (version >= 2).then(|| session.shared_secret.clone()),
    };
    Ok(Response::ok(response.to_info()))
}

fn verify_signature(application: &Application, parameters: &SessionTokenRequest<'_>) -> Result<(), PlatformError> {
    match &parameters.signature {
        ContentSignature::Certificate(signature) => {
            let thumbprint =
                Thumbprint::parse(&signature.thumbprint).map_err(|_| PlatformError::UnknownCertificate {
                    application_id: application.id,
                    thumbprint: signature.thumbprint.clone(),
                })?;
            let certificate = application.certificate(&thumbprint).ok_or_else(|| {
                PlatformError::UnknownCertificate { application_id: application.id, thumbprint: thumbprint.to_string() }
            })?;
            let sha1_rsa = signature.digest_method.eq_ignore_ascii_case("SHA1")
                && signature.signature_method.eq_ignore_ascii_case("RSA-SHA1");
            if !sha1_rsa {
                return Err(PlatformError::BadSignature(format!(
                    "signature method {}/{} is not supported; use RSA-SHA1 with SHA1",
                    signature.signature_method, signature.digest_method
                )));
            }
            if verify_rsa_sha1(&certificate.der, parameters.content_xml.as_bytes(), &signature.signature) {
                Ok(())
            } else {
                Err(PlatformError::BadSignature(
                    "the signature over <content> does not verify with the application's certificate".to_owned(),
                ))
            }
        }
        ContentSignature::Hmac { algorithm, value } => {
            let secret = application.soda_secret.as_ref().ok_or_else(|| {
                PlatformError::BadSignature(format!(
                    "application {} has no shared secret: hmacSig is for SODA application instances (from NewApplicationCreationInfo); sign <content> with the certificate's key",
                    application.id
                ))
            })?;
            let algorithm = HmacAlgorithm::parse(algorithm).ok_or_else(|| {
                PlatformError::BadSignature(format!(
                    "hmacSig algorithm {algorithm:?} is not supported; use HMACSHA256 or HMACSHA1"
                ))
            })?;
            if verify_hmac(algorithm, secret.as_bytes(), parameters.content_xml.as_bytes(), value) {
                Ok(())
            } else {
                Err(PlatformError::BadSignature(
                    "the hmacSig over <content> does not verify with the application's shared secret".to_owned(),
                ))
            }
        }
    }
}
