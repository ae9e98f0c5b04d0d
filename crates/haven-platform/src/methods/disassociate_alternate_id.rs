//! DisassociateAlternateId (v1): removes the application's alternate id from the person and
//! record of the call; ALTERNATE_ID_NOT_FOUND if the application has no such id for them.

use haven_store::Store;
use haven_wire::methods::disassociate_alternate_id::DisassociateAlternateIdRequest;
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
    let parameters = DisassociateAlternateIdRequest::from_request(request)?;
    let access = RecordAccess::resolve(state, request, call).await?;
    let store: &dyn Store = state.platform.store.as_ref();
    let removed = store
        .disassociate_alternate_id(
            call.application.id,
            &parameters.alternate_id,
            access.person.person.id,
            access.record.id,
        )
        .await?;
    if !removed {
        return Err(PlatformError::AlternateIdNotFound(format!(
            "the application has not associated this alternate id with record {}",
            access.record.id
        )));
    }
    Ok(Response::ok_without_info())
}
