//! AssociateAlternateId (v1): links one of the application's own ids to the person and
//! record of the call. The id must not be in use by the application already (for any
//! record), and a record holds at most `MAX_ALTERNATE_IDS_PER_RECORD` of one application's ids.

use haven_store::Store;
use haven_wire::methods::associate_alternate_id::AssociateAlternateIdRequest;
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
    let parameters = AssociateAlternateIdRequest::from_request(request)?;
    let access = RecordAccess::resolve(state, request, call).await?;
    let store: &dyn Store = state.platform.store.as_ref();
    store
        .associate_alternate_id(
            call.application.id,
            &parameters.alternate_id,
            access.person.person.id,
            access.record.id,
            access.now,
        )
        .await?;
    Ok(Response::ok_without_info())
}
