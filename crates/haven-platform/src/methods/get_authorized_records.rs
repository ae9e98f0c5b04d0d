//! GetAuthorizedRecords (v1): the records among those asked for that the person of the call
//! authorized the application on, for the call's avenue. Records that do not exist or are not
//! authorized are skipped without an error, as HealthVault does.

use haven_wire::methods::get_authorized_records::{GetAuthorizedRecordsRequest, GetAuthorizedRecordsResponse};
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
    let parameters = GetAuthorizedRecordsRequest::from_request(request)?;
    let access = person_of(call, "GetAuthorizedRecords")?;
    let now = state.platform.clock.now();
    let mut authorizations = access.authorizations.clone();
    // One authorization per record (the store keys them by person, record and application);
    // answer in request order.
    authorizations.retain(|authorization| parameters.record_ids.contains(&authorization.record_id));
    authorizations.sort_by_key(|authorization| {
        parameters.record_ids.iter().position(|record_id| *record_id == authorization.record_id)
    });
    let records =
        authorized_records(state, &call.application, &access.person, &authorizations, Some(access.avenue), now).await?;
    Ok(Response::ok(GetAuthorizedRecordsResponse { records }.to_info()))
}
