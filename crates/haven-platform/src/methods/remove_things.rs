//! RemoveThings (v1): deletes things of one record, all or nothing. Each key must be the
//! thing's current version and the application must have Delete permission on its type.
//! A deletion is a new version in state Deleted; history is kept. The removal is logged in
//! the record's access history.

use haven_domain::access_log::AccessKind;
use haven_domain::auth_rules::Permissions;
use haven_domain::ids::VersionStamp;
use haven_domain::thing::{AuditAction, ThingFlags};
use haven_store::{Store, ThingChange};
use haven_wire::methods::remove_things::RemoveThingsRequest;
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::error::PlatformError;
use crate::limits::MAX_THINGS_PER_WRITE;
use crate::record_access::RecordAccess;

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = RemoveThingsRequest::from_request(request)?;
    if parameters.keys.len() > MAX_THINGS_PER_WRITE {
        return Err(PlatformError::TooManyThings(MAX_THINGS_PER_WRITE));
    }
    let access = RecordAccess::resolve(state, request, call).await?;
    let store: &dyn Store = state.platform.store.as_ref();
    let mut changes = Vec::with_capacity(parameters.keys.len());
    for key in parameters.keys {
        let current = store
            .thing(access.record.id, key.id)
            .await?
            .filter(|thing| !thing.flags.contains(ThingFlags::PERSONAL))
            .ok_or_else(|| PlatformError::InvalidThing(format!("thing {} does not exist in this record", key.id)))?;
        access.require(current.type_id, Permissions::DELETE, "delete")?;
        if current.key.version != key.version {
            return Err(PlatformError::VersionStampMismatch(format!(
                "thing {} is at version {}, not {}",
                key.id, current.key.version, key.version
            )));
        }
        let deleted =
            current.delete(VersionStamp::from_uuid(uuid::Uuid::new_v4()), access.audit(AuditAction::Deleted))?;
        changes.push(ThingChange::Revise { previous: key.version, thing: deleted });
    }
    store.write_things(access.record.id, &changes).await?;
    let types = changes.iter().map(|change| change.thing().type_id);
    access.log(state, AccessKind::Write, "RemoveThings", types, changes.len()).await;
    Ok(Response::ok_without_info())
}
