//! A package's things: read from the decrypted XML and checked against the domain before the
//! person chooses a record, then turned into the pickup the store writes: each thing created
//! anew in the chosen record, with the clinic's application as its source, and each blob
//! (inline in the things, or streamed to the Platform beforehand and decrypted here with the
//! package's key) stored whole with its `SHA256Block` hash.
//!
//! Choices where the documentation is silent: a thing's `thing-id` in a package is ignored
//! (every thing is new in the record); only the flags an application may set are kept; a
//! streamed blob's URL is matched by its `blob-ref-token` alone, and only among the package's
//! own uploads; the hash a streamed blob's `hash-info` carries is not checked, since
//! HealthVault never said whether it covers the encrypted or the plain bytes (ours is computed
//! from the plain bytes); a blob with neither data nor URL adds nothing.

use haven_domain::blob::{BLOB_HASH_ALGORITHM, MAX_BLOB_BYTES, sha256_block};
use haven_domain::connect::ConnectPackage;
use haven_domain::ids::{BlobId, PersonId, RecordId, ThingId, VersionStamp};
use haven_domain::session::TokenHash;
use haven_domain::thing::{AccessAvenue, Audit, AuditAction, BlobRef, Thing, ThingFlags, ThingKey};
use haven_domain::thing_type;
use haven_package::PackageKey;
use haven_store::{NewBlob, PackagePickup, ThingChange};
use haven_wire::base64_text::encode_base64;
use haven_wire::thing_xml::{SubmittedThing, parse_submitted_things};
use time::OffsetDateTime;

use crate::ShellState;
use crate::error::ShellError;

/// Why a package's contents cannot be picked up, in words for the person (who answered the
/// question, so the details are theirs to see). Never logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContentProblem(pub(crate) String);

/// What stopped a pickup from being built.
#[derive(Debug)]
pub(crate) enum BuildError {
    /// The contents are not acceptable.
    Contents(ContentProblem),
    /// Storage or the blocking pool failed.
    Shell(ShellError),
}

impl From<ShellError> for BuildError {
    fn from(error: ShellError) -> Self {
        Self::Shell(error)
    }
}

impl From<haven_store::StoreError> for BuildError {
    fn from(error: haven_store::StoreError) -> Self {
        Self::Shell(error.into())
    }
}

/// Reads the decrypted things and checks each: a known type whose data is valid for it, blob
/// names unique in the thing, inline blobs within the size limit and matching any hash sent.
pub(crate) fn read_things(things_xml: &str) -> Result<Vec<SubmittedThing>, ContentProblem> {
    let things = parse_submitted_things(things_xml)
        .map_err(|error| ContentProblem(format!("Its contents cannot be read: {error}.")))?;
    for (index, thing) in things.iter().enumerate() {
        check_thing(index + 1, thing)?;
    }
    Ok(things)
}

fn check_thing(number: usize, thing: &SubmittedThing) -> Result<(), ContentProblem> {
    let type_id = thing.draft.type_id;
    let thing_type = thing_type::by_id(type_id)
        .ok_or_else(|| ContentProblem(format!("Item {number} is of a kind Haven does not know (type {type_id}).")))?;
    thing_type
        .validate(&thing.draft.data_xml)
        .map_err(|error| ContentProblem(format!("Item {number} ({}) is not valid: {error}.", thing_type.name)))?;
    let mut names: Vec<&str> = Vec::new();
    let all_names =
        thing.inline_blobs.iter().map(|blob| &blob.name).chain(thing.blob_references.iter().map(|blob| &blob.name));
    for name in all_names {
        if names.contains(&name.as_str()) {
            return Err(ContentProblem(format!("Item {number} has two attachments named {name:?}.")));
        }
        names.push(name);
    }
    for blob in &thing.inline_blobs {
        if blob.bytes.len() as u64 > MAX_BLOB_BYTES {
            return Err(ContentProblem(format!("An attachment of item {number} is larger than Haven accepts.")));
        }
        if let Some(sent) = &blob.hash
            && sent.algorithm.eq_ignore_ascii_case(BLOB_HASH_ALGORITHM)
            && sent.value.trim() != encode_base64(&sha256_block(&blob.bytes))
        {
            return Err(ContentProblem(format!(
                "An attachment of item {number} is damaged (its hash does not match)."
            )));
        }
    }
    Ok(())
}

/// The kinds of things in a package and how many of each, by name.
pub(crate) fn summary(things: &[SubmittedThing]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for thing in things {
        let name = thing_type::by_id(thing.draft.type_id)
            .map_or_else(|| thing.draft.type_id.to_string(), |thing_type| thing_type.name.to_owned());
        match counts.iter_mut().find(|(known, _)| *known == name) {
            Some((_, count)) => *count += 1,
            None => counts.push((name, 1)),
        }
    }
    counts.sort();
    counts
}

/// What the pickup of `package` into `record_id` by `person_id` at `now` writes: the checked
/// things created anew, with the clinic's application as their source, and their blobs.
pub(crate) async fn build_pickup(
    state: &ShellState,
    package: &ConnectPackage,
    key: &PackageKey,
    things: Vec<SubmittedThing>,
    record_id: RecordId,
    person_id: PersonId,
    now: OffsetDateTime,
) -> Result<PackagePickup, BuildError> {
    let audit = Audit {
        timestamp: now,
        application_id: Some(package.application_id),
        person_id: Some(person_id),
        access_avenue: AccessAvenue::Online,
        action: AuditAction::Created,
    };
    let mut blobs = Vec::new();
    let mut changes = Vec::with_capacity(things.len());
    for (index, thing) in things.into_iter().enumerate() {
        let number = index + 1;
        check_thing(number, &thing).map_err(BuildError::Contents)?;
        let mut refs = Vec::new();
        let new_blob = || NewBlob {
            id: BlobId::from_uuid(uuid::Uuid::new_v4()),
            record_id,
            application_id: Some(package.application_id),
            created_at: now,
        };
        for inline in thing.inline_blobs {
            let blob = new_blob();
            let hash = sha256_block(&inline.bytes);
            refs.push(BlobRef::with_sha256_block(
                &inline.name,
                &inline.content_type,
                inline.bytes.len() as u64,
                &hash,
                blob.id,
            ));
            blobs.push((blob, inline.bytes, hash));
        }
        for reference in thing.blob_references {
            let missing = || {
                BuildError::Contents(ContentProblem(format!(
                    "Item {number} names an attachment that is not part of this package."
                )))
            };
            let token = token_of_url(&reference.url).ok_or_else(missing)?;
            let encrypted =
                state.store.package_blob_content(package.id, TokenHash::of_token(&token)).await?.ok_or_else(missing)?;
            let key = key.clone();
            let decrypted = tokio::task::spawn_blocking(move || key.decrypt_blob(&encrypted))
                .await
                .map_err(|error| ShellError::Internal(format!("the decryption task failed: {error}")))?
                .map_err(|_| {
                    BuildError::Contents(ContentProblem(format!("An attachment of item {number} is damaged.")))
                })?;
            if decrypted.len() as u64 > MAX_BLOB_BYTES {
                return Err(BuildError::Contents(ContentProblem(format!(
                    "An attachment of item {number} is larger than Haven accepts."
                ))));
            }
            let blob = new_blob();
            let hash = sha256_block(&decrypted);
            refs.push(BlobRef::with_sha256_block(
                &reference.name,
                &reference.content_type,
                decrypted.len() as u64,
                &hash,
                blob.id,
            ));
            blobs.push((blob, decrypted, hash));
        }
        let mut draft = thing.draft;
        draft.flags = ThingFlags(draft.flags.0 & ThingFlags::SETTABLE_BY_APPLICATIONS.0);
        draft.blobs = refs;
        let thing_key = ThingKey {
            id: ThingId::from_uuid(uuid::Uuid::new_v4()),
            version: VersionStamp::from_uuid(uuid::Uuid::new_v4()),
        };
        let created = Thing::create(record_id, thing_key, draft, audit)
            .map_err(|error| BuildError::Contents(ContentProblem(format!("Item {number} is not valid: {error}."))))?;
        changes.push(ThingChange::Create(created));
    }
    Ok(PackagePickup { record_id, blobs, changes, picked_up_at: now })
}

/// The upload token of a streamed blob's URL (its `blob-ref-token` parameter), as the
/// Platform's BeginPutConnectPackageBlob wrote it. Only the package's own uploads are
/// searched with it, so the rest of the URL does not matter.
fn token_of_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    parsed.query_pairs().find(|(name, _)| name == "blob-ref-token").map(|(_, value)| value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEIGHT: &str = "<thing><type-id>3d34d87e-7fc1-4153-800f-f56592cb0d17</type-id><data-xml><weight>\
        <when><date><y>2006</y><m>12</m><d>22</d></date></when><value><kg>125</kg></value></weight></data-xml></thing>";

    #[test]
    fn things_are_checked_and_counted_by_kind() {
        let things = read_things(&format!("{WEIGHT}{WEIGHT}")).unwrap();
        assert_eq!(summary(&things), vec![("Weight".to_owned(), 2)]);
    }

    #[test]
    fn unknown_kinds_and_invalid_data_are_named() {
        let unknown = WEIGHT.replace("3d34d87e-7fc1-4153-800f-f56592cb0d17", "00000000-0000-0000-0000-0000000000aa");
        let problem = read_things(&format!("{WEIGHT}{unknown}")).unwrap_err();
        assert!(problem.0.contains("Item 2 is of a kind Haven does not know"), "{problem:?}");
        let invalid = WEIGHT.replace("<kg>125</kg>", "<kg>heavy</kg>");
        let problem = read_things(&invalid).unwrap_err();
        assert!(problem.0.starts_with("Item 1 (Weight) is not valid"), "{problem:?}");
        assert!(read_things("<not-a-thing/>").unwrap_err().0.starts_with("Its contents cannot be read"));
    }

    #[test]
    fn tokens_are_read_from_upload_urls() {
        assert_eq!(
            token_of_url("https://platform.example/streaming/wildcatblob.ashx?blob-ref-token=abc%2Bd").as_deref(),
            Some("abc+d")
        );
        assert_eq!(token_of_url("not a url"), None);
        assert_eq!(token_of_url("https://platform.example/streaming/wildcatblob.ashx"), None);
    }
}
