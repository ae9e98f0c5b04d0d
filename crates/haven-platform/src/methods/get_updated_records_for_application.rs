//! GetUpdatedRecordsForApplication (v1, v2): the records the application holds an
//! authorization in force on, each with the person who gave it, that changed at or after
//! `update-date` (all of them without one). A record's update date is the time of the latest
//! entry in its operation log, or its creation when it has none; only a logged change at or
//! after `update-date` counts as an update. Version 1 names each record once.

use haven_domain::record::Record;
use haven_store::Store;
use haven_wire::methods::get_updated_records_for_application::{
    GetUpdatedRecordsRequest, GetUpdatedRecordsResponse, UpdatedRecord,
};
use haven_wire::{Request, Response};
use time::OffsetDateTime;

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::error::PlatformError;

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = GetUpdatedRecordsRequest::from_request(request)?;
    let store: &dyn Store = state.platform.store.as_ref();
    let now = state.platform.clock.now();
    let mut records: Vec<UpdatedRecord> = Vec::new();
    for authorization in store.authorizations_for_application(call.application.id).await? {
        if !authorization.is_active_at(now) {
            continue;
        }
        if parameters.version == 1 && records.iter().any(|record| record.record_id == authorization.record_id) {
            continue;
        }
        let member = store.record_member(authorization.record_id, authorization.person_id).await?;
        if !member.is_some_and(|member| member.is_active_at(now)) {
            continue;
        }
        let Some(record) = store.record(authorization.record_id).await? else { continue };
        let last_change = last_change(store, &record).await?;
        let updated = match (parameters.update_date, last_change) {
            (None, _) => true,
            (Some(since), Some(changed)) => changed >= since,
            (Some(_), None) => false,
        };
        if updated {
            records.push(UpdatedRecord {
                record_id: record.id,
                update_date: last_change.unwrap_or(record.created_at),
                person_id: authorization.person_id,
                latest_operation_sequence: Some(record.latest_operation_sequence),
            });
        }
    }
    Ok(Response::ok(GetUpdatedRecordsResponse { records }.to_info(parameters.version)))
}

/// When the record's things last changed: the time of the latest entry in its operation log.
/// Entries are numbered in the order they were written, so the latest is the last one.
async fn last_change(store: &dyn Store, record: &Record) -> Result<Option<OffsetDateTime>, PlatformError> {
    if record.latest_operation_sequence == 0 {
        return Ok(None);
    }
    let latest = store.record_operations(record.id, record.latest_operation_sequence - 1, 1).await?;
    Ok(latest.first().map(|operation| operation.timestamp))
}
