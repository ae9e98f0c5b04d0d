//! GetRecordOperations (v1): the changes to the things of the record of the call after a
//! sequence number, oldest first, at most `MAX_RECORD_OPERATIONS_PER_CALL`, with the
//! record's latest sequence number. The application must be able to read some thing type in
//! the record; changes to types it may not read are left out. The record's access history
//! gets one Read naming the types and things of the changes returned.

use std::collections::HashSet;

use haven_domain::access_log::AccessKind;
use haven_domain::auth_rules::Permissions;
use haven_store::Store;
use haven_wire::methods::get_record_operations::{GetRecordOperationsRequest, GetRecordOperationsResponse};
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::error::PlatformError;
use crate::limits::MAX_RECORD_OPERATIONS_PER_CALL;
use crate::record_access::RecordAccess;

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = GetRecordOperationsRequest::from_request(request)?;
    let access = RecordAccess::resolve(state, request, call).await?;
    if access.readable_types().is_empty() {
        return Err(PlatformError::AccessDenied(
            "the application may not read any thing type in this record".to_owned(),
        ));
    }
    let store: &dyn Store = state.platform.store.as_ref();
    let most = MAX_RECORD_OPERATIONS_PER_CALL as usize;
    let mut operations = Vec::new();
    let mut after = parameters.since_sequence;
    // Read on past changes the application may not see, so that a full answer holds the most
    // allowed and a short one means the client has caught up.
    loop {
        let page = store.record_operations(access.record.id, after, MAX_RECORD_OPERATIONS_PER_CALL).await?;
        let Some(last) = page.last() else { break };
        after = last.sequence;
        let exhausted = page.len() < most;
        operations.extend(
            page.into_iter().filter(|operation| access.permissions(operation.type_id).contains(Permissions::READ)),
        );
        if exhausted || operations.len() >= most {
            break;
        }
    }
    operations.truncate(most);
    // Changes written since the record was read are reported too, so the latest covers them.
    let latest =
        operations.last().map_or(0, |operation| operation.sequence).max(access.record.latest_operation_sequence);
    let answer = Response::ok(GetRecordOperationsResponse::new(latest, &operations).to_info());
    let things: HashSet<_> = operations.iter().map(|operation| operation.thing_key.id).collect();
    let types = operations.iter().map(|operation| operation.type_id);
    access.log(state, AccessKind::Read, "GetRecordOperations", types, things.len()).await;
    Ok(answer)
}
