//! PutThings (v1, v2): creates things and new versions of existing things in one record,
//! all or nothing. New things need Create permission on their type, updates Update; an
//! update must name the thing's current version stamp. Applications may set only the
//! ReadOnly flag. The keys come back in request order. The write is logged in the record's
//! access history.

use haven_domain::access_log::AccessKind;
use haven_domain::auth_rules::Permissions;
use haven_domain::blob::{BLOB_HASH_ALGORITHM, MAX_BLOB_BYTES};
use haven_domain::ids::BlobId;
use haven_domain::ids::{ThingId, VersionStamp};
use haven_domain::thing::{AuditAction, BlobHash, BlobRef, Thing, ThingFlags, ThingKey};
use haven_store::{NewBlob, Store, ThingChange};
use haven_wire::base64_text::encode_base64;
use haven_wire::methods::put_things::{PutThingsRequest, PutThingsResponse};
use haven_wire::thing_xml::SubmittedThing;
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::blobs::token_of_url;
use crate::error::PlatformError;
use crate::limits::MAX_THINGS_PER_WRITE;
use crate::record_access::RecordAccess;
use haven_domain::blob::sha256_block;

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
    // Every thing's permission is checked before any inline blob is stored, so a refused
    // write leaves no blob behind.
    for submitted in &parameters.things {
        match submitted.key {
            None => access.require(submitted.draft.type_id, Permissions::CREATE, "create")?,
            Some(key) => {
                if let Some(current) = store.thing(access.record.id, key.id).await? {
                    access.require(current.type_id, Permissions::UPDATE, "update")?;
                }
            }
        }
    }
    let mut changes = Vec::with_capacity(parameters.things.len());
    for submitted in parameters.things {
        let new_blobs = resolve_blobs(state, &access, &submitted).await?;
        let mut draft = submitted.draft;
        draft.flags = ThingFlags(draft.flags.0 & ThingFlags::SETTABLE_BY_APPLICATIONS.0);
        let change = match submitted.key {
            None => {
                access.require(draft.type_id, Permissions::CREATE, "create")?;
                let key = ThingKey {
                    id: ThingId::from_uuid(uuid::Uuid::new_v4()),
                    version: VersionStamp::from_uuid(uuid::Uuid::new_v4()),
                };
                draft.blobs = new_blobs;
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
                // Blobs not named stay; named ones are replaced or removed.
                let mut blobs: Vec<BlobRef> = current
                    .blobs
                    .iter()
                    .filter(|blob| {
                        !submitted.removed_blobs.contains(&blob.name)
                            && !new_blobs.iter().any(|new| new.name == blob.name)
                    })
                    .cloned()
                    .collect();
                blobs.extend(new_blobs);
                draft.blobs = blobs;
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
    let types = changes.iter().map(|change| change.thing().type_id);
    access.log(state, AccessKind::Write, "PutThings", types, changes.len()).await;
    Ok(Response::ok(PutThingsResponse { keys }.to_response_info()))
}

/// The blobs a submitted thing brings: inline ones are stored now; streamed ones must be
/// complete uploads of this record by this application. A hash the client sends must match
/// the content. Blob names must be unique within the thing.
async fn resolve_blobs(
    state: &AppState,
    access: &RecordAccess<'_>,
    submitted: &SubmittedThing,
) -> Result<Vec<BlobRef>, PlatformError> {
    let store: &dyn Store = state.platform.store.as_ref();
    let mut blobs: Vec<BlobRef> = Vec::new();
    let duplicate = |name: &str| PlatformError::InvalidThing(format!("the thing names blob {name:?} twice"));
    for inline in &submitted.inline_blobs {
        if blobs.iter().any(|blob| blob.name == inline.name) {
            return Err(duplicate(&inline.name));
        }
        if inline.bytes.len() as u64 > MAX_BLOB_BYTES {
            return Err(PlatformError::InvalidThing(format!(
                "blob {:?} is larger than {MAX_BLOB_BYTES} bytes",
                inline.name
            )));
        }
        let hash = sha256_block(&inline.bytes);
        check_hash(&inline.name, inline.hash.as_ref(), &hash)?;
        let blob = NewBlob {
            id: BlobId::from_uuid(uuid::Uuid::new_v4()),
            record_id: access.record.id,
            application_id: Some(access.call.application.id),
            created_at: access.now,
        };
        store.create_complete_blob(&blob, &inline.bytes, &hash).await?;
        blobs.push(BlobRef::with_sha256_block(
            &inline.name,
            &inline.content_type,
            inline.bytes.len() as u64,
            &hash,
            blob.id,
        ));
    }
    for reference in &submitted.blob_references {
        if blobs.iter().any(|blob| blob.name == reference.name) {
            return Err(duplicate(&reference.name));
        }
        let unknown = || {
            PlatformError::InvalidThing(format!(
                "blob {:?}: the blob-ref-url is not an upload of this record",
                reference.name
            ))
        };
        let token = token_of_url(state, &reference.url).ok_or_else(unknown)?;
        let stored = store
            .blob_for_upload(crate::crypto::token_hash(&token))
            .await?
            .filter(|stored| {
                stored.record_id == access.record.id && stored.application_id == Some(access.call.application.id)
            })
            .filter(|stored| stored.upload_expires_at.is_some_and(|expires_at| access.now < expires_at))
            .ok_or_else(unknown)?;
        let hash = match (&stored.hash, stored.complete) {
            (Some(hash), true) => hash.clone(),
            _ => {
                return Err(PlatformError::InvalidThing(format!(
                    "blob {:?} is not complete: send the last chunk with x-hv-blob-complete: 1",
                    reference.name
                )));
            }
        };
        check_hash(&reference.name, reference.hash.as_ref(), &hash)?;
        blobs.push(BlobRef::with_sha256_block(
            &reference.name,
            &reference.content_type,
            stored.length,
            &hash,
            stored.id,
        ));
    }
    Ok(blobs)
}

fn check_hash(name: &str, sent: Option<&BlobHash>, computed: &[u8]) -> Result<(), PlatformError> {
    match sent {
        Some(sent)
            if sent.algorithm.eq_ignore_ascii_case(BLOB_HASH_ALGORITHM)
                && sent.value.trim() != encode_base64(computed) =>
        {
            Err(PlatformError::InvalidThing(format!("blob {name:?}: the hash sent does not match the content")))
        }
        _ => Ok(()),
    }
}
