//! NewApplicationCreationInfo (v1): an installed copy of a SODA application gets an identity
//! of its own. Anonymous: the header's `<app-id>` names the SODA master. The Platform
//! creates a child application of the master (inheriting its name, rules, method groups and
//! instances) with a fresh secret, and an app-creation token stored only as a hash; the
//! child cannot sign in until a person completes CREATEAPPLICATION in the Shell with that
//! token (`SodaStore::complete_soda_creation`).

use haven_domain::application::SodaSecret;
use haven_domain::ids::ApplicationId;
use haven_domain::soda::{SodaCreation, SodaError, child_application};
use haven_store::Store;
use haven_wire::methods::new_application_creation_info::{
    NewApplicationCreationInfo, NewApplicationCreationInfoRequest,
};
use haven_wire::request::Caller;
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::crypto::{SHARED_SECRET_BYTES, new_token, random_bytes};
use crate::error::PlatformError;

/// Creates the child of the master named in the header (or, within a session, of the
/// session's application) and answers its id, secret and app-creation token.
pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: Option<&AuthenticatedCall>,
) -> Result<Response, PlatformError> {
    NewApplicationCreationInfoRequest::from_request(request)?;
    // The .NET SDK calls it anonymously; a master that happens to hold a session may too.
    let master_id = match (&request.header.caller, call) {
        (Some(Caller::Application(app_id)), _) => *app_id,
        (_, Some(call)) => call.application.id,
        _ => return Err(PlatformError::MissingApplication),
    };
    let store: &dyn Store = state.platform.store.as_ref();
    let master = store.application(master_id).await?.ok_or(PlatformError::UnknownApplication(master_id))?;
    if !master.supports_instance(&state.platform.instance_id) {
        return Err(PlatformError::ApplicationNotLive(master_id));
    }
    let now = state.platform.clock.now();
    let secret = random_bytes(SHARED_SECRET_BYTES)?;
    let child_id = ApplicationId::from_uuid(uuid::Uuid::new_v4());
    let child =
        child_application(&master, child_id, SodaSecret::new(secret.clone()), now).map_err(|error| match error {
            SodaError::NotSoda(_) | SodaError::NotMaster(_) => PlatformError::NotSodaMaster(error),
        })?;
    let (app_token, token_hash) = new_token()?;
    let creation = SodaCreation::start(token_hash, child_id, master_id, now);
    store.create_soda_child(&child, &creation).await?;
    tracing::info!(master = %master_id, child = %child_id, "SODA application instance created, pending its creation in the Shell");
    let answer = NewApplicationCreationInfo { app_id: child_id, shared_secret: secret, app_token };
    Ok(Response::ok(answer.to_info()))
}
