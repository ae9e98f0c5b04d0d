//! SetApplicationSettings (v1): stores the application's settings XML for the person of the
//! call, and the record they selected for it. What the request leaves out stays as it was;
//! an empty `app-settings` clears the settings. A selected record must be one the person
//! authorized the application on.

use haven_domain::application::PersonApplicationSettings;
use haven_store::Store;
use haven_wire::methods::set_application_settings::SetApplicationSettingsRequest;
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::error::PlatformError;
use crate::people::{authorized_records, person_of};

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = SetApplicationSettingsRequest::from_request(request)?;
    let access = person_of(call, "SetApplicationSettings")?;
    let store: &dyn Store = state.platform.store.as_ref();
    let now = state.platform.clock.now();
    if let Some(record_id) = parameters.selected_record_id {
        let authorization = access.authorization(record_id).cloned();
        let authorized = authorized_records(
            state,
            &call.application,
            &access.person,
            authorization.as_slice(),
            Some(access.avenue),
            now,
        )
        .await?;
        if authorized.is_empty() {
            return Err(PlatformError::AccessDenied(format!(
                "selected-record-id {record_id} is not a record the person has authorized this application on"
            )));
        }
    }
    let stored = store.application_settings(access.person.id, call.application.id).await?;
    let settings_xml = match parameters.app_settings_xml {
        None => stored.as_ref().and_then(|stored| stored.settings_xml.clone()),
        Some(xml) if xml.trim().is_empty() => None,
        Some(xml) => Some(xml),
    };
    let selected_record_id =
        parameters.selected_record_id.or_else(|| stored.as_ref().and_then(|stored| stored.selected_record_id));
    store
        .put_application_settings(&PersonApplicationSettings {
            person_id: access.person.id,
            application_id: call.application.id,
            settings_xml,
            selected_record_id,
            updated_at: now,
        })
        .await?;
    Ok(Response::ok_without_info())
}
