//! PutThings (v1, v2): creates things and new versions of existing things in one record,
//! all or nothing. New things need Create permission on their type, updates Update; an
//! update must name the thing's current version stamp. Applications may set only the
//! ReadOnly flag. The keys come back in request order.

use haven_domain::auth_rules::Permissions;
use haven_domain::ids::{ThingId, VersionStamp};
use haven_domain::thing::{AuditAction, Thing, ThingFlags, ThingKey};
use haven_store::{Store, ThingChange};
use haven_wire::methods::put_things::{PutThingsRequest, PutThingsResponse};
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
    let parameters = PutThingsRequest::from_request(request)?;
    if parameters.things.len() > MAX_THINGS_PER_WRITE {
        return Err(PlatformError::TooManyThings(MAX_THINGS_PER_WRITE));
    }
    let access = RecordAccess::resolve(state, request, call).await?;
    let store: &dyn Store = state.platform.store.as_ref();
    let mut changes = Vec::with_capacity(parameters.things.len());
    for submitted in parameters.things {
        if !submitted.inline_blobs.is_empty()
            || !submitted.blob_references.is_empty()
            || !submitted.removed_blobs.is_empty()
        {
            // TODO(#3): store blob bytes (inline and BeginPutBlob streaming).
            return Err(PlatformError::NotImplemented(
                "things with blobs are not supported by this server yet".to_owned(),
            ));
        }
        let mut draft = submitted.draft;
        draft.flags = ThingFlags(draft.flags.0 & ThingFlags::SETTABLE_BY_APPLICATIONS.0);
        let change = match submitted.key {
            None => {
                access.require(draft.type_id, Permissions::CREATE, "create")?;
                let key = ThingKey {
                    id: ThingId::from_uuid(uuid::Uuid::new_v4()),
                    version: VersionStamp::from_uuid(uuid::Uuid::new_v4()),
                };
                ThingChange::Create(Thing::create(access.record.id, key, draft, access.audit(AuditAction::Created))?)
            }
            Some(key) => {
                let current = store
                    .thing(access.record.id, key.id)
                    .await?
                    .filter(|thing| !thing.flags.contains(ThingFlags::PERSONAL))
                    .ok_or_else(|| {
                        PlatformError::InvalidThing(format!("thing {} does not exist in this record", key.id))
                    })?;
                access.require(current.type_id, Permissions::UPDATE, "update")?;
                if current.key.version != key.version {
                    return Err(PlatformError::VersionStampMismatch(format!(
                        "thing {} is at version {}, not {}",
                        key.id, current.key.version, key.version
                    )));
                }
                // Personal and other server-side flags stay as they were.
                draft.flags = ThingFlags((current.flags.0 & !ThingFlags::SETTABLE_BY_APPLICATIONS.0) | draft.flags.0);
                let revised = current.revise(
                    VersionStamp::from_uuid(uuid::Uuid::new_v4()),
                    draft,
                    access.audit(AuditAction::Updated),
                )?;
                ThingChange::Revise { previous: key.version, thing: revised }
            }
        };
        changes.push(change);
    }
    let keys = store.write_things(access.record.id, &changes).await?;
    Ok(Response::ok(PutThingsResponse { keys }.to_response_info()))
}
