//! GetAlternateIds (v1): the alternate ids the application associated with the person and
//! record of the call, oldest first; possibly none.

use haven_store::Store;
use haven_wire::methods::get_alternate_ids::{GetAlternateIdsRequest, GetAlternateIdsResponse};
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::error::PlatformError;
use crate::record_access::RecordAccess;

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    GetAlternateIdsRequest::from_request(request)?;
    let access = RecordAccess::resolve(state, request, call).await?;
    let store: &dyn Store = state.platform.store.as_ref();
    let alternate_ids = store.alternate_ids(call.application.id, access.person.person.id, access.record.id).await?;
    Ok(Response::ok(GetAlternateIdsResponse { alternate_ids }.to_info()))
}
