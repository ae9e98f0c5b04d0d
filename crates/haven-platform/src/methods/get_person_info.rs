//! GetPersonInfo (v1): the person the call is for, and the records they authorized the
//! application on for the avenue of the call (online grants for online calls, offline
//! grants for offline calls).

use haven_wire::methods::get_person_info::GetPersonInfoRequest;
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::error::PlatformError;
use crate::people::{authorized_records, person_info};

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    // The options only add sections this server does not report yet.
    let _options = GetPersonInfoRequest::from_request(request)?;
    let access = call.person.as_ref().ok_or_else(|| {
        PlatformError::AccessDenied(
            "GetPersonInfo needs a person: an online call with a user-auth-token or an offline call with offline-person-id"
                .to_owned(),
        )
    })?;
    let now = state.platform.clock.now();
    let records =
        authorized_records(state, &call.application, &access.person, &access.authorizations, Some(access.avenue), now)
            .await?;
    if records.is_empty() {
        return Err(PlatformError::AccessDenied(format!(
            "the person has not authorized this application for {} access to any record",
            access.avenue.as_str().to_lowercase()
        )));
    }
    Ok(Response::ok(person_info(&access.person, records, access.selected_record_id).to_info()))
}
