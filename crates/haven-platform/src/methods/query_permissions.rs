//! QueryPermissions (v1): what the application may do, online and offline, on each type
//! asked about, in the record the call names.

use haven_domain::thing::AccessAvenue;
use haven_wire::methods::query_permissions::{QueryPermissionsRequest, QueryPermissionsResponse, TypePermission};
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
    let parameters = QueryPermissionsRequest::from_request(request)?;
    let access = RecordAccess::resolve(state, request, call).await?;
    let permissions = parameters
        .type_ids
        .into_iter()
        .map(|type_id| TypePermission {
            type_id,
            online: access.permissions_on(AccessAvenue::Online, type_id),
            offline: access.permissions_on(AccessAvenue::Offline, type_id),
        })
        .collect();
    Ok(Response::ok(QueryPermissionsResponse { permissions }.to_info()))
}
