//! GetApplicationSettings (v1): what the application keeps for the person of the call, its
//! settings XML and the record the person selected; an empty answer when nothing is kept.

use haven_store::Store;
use haven_wire::methods::get_application_settings::{ApplicationSettings, GetApplicationSettingsRequest};
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::error::PlatformError;
use crate::people::person_of;

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    GetApplicationSettingsRequest::from_request(request)?;
    let access = person_of(call, "GetApplicationSettings")?;
    let store: &dyn Store = state.platform.store.as_ref();
    let settings = store
        .application_settings(access.person.id, call.application.id)
        .await?
        .map(|stored| ApplicationSettings::from_stored(&stored))
        .unwrap_or_default();
    Ok(Response::ok(settings.to_info()))
}
