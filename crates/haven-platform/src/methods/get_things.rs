//! GetThings (v1, v2, v3): the things of one record that each group selects, limited to
//! the types the application may read and never including Personal things. The first
//! `max-full` matches come back whole; the rest as keys for the client to page through.
//! The record's access history gets one Read naming the things returned whole (keys alone
//! are logged when the client asks for them).

use std::collections::HashMap;

use haven_domain::access_log::AccessKind;
use haven_domain::ids::ThingTypeId;
use haven_domain::thing::{Thing, ThingFlags, ThingQuery, ThingState};
use haven_store::Store;
use haven_wire::methods::get_things::BlobFormat;
use haven_wire::methods::get_things::{
    GetThingsRequest, GroupResponse, ThingTarget, ThingsGroupRequest, UnprocessedThingKey,
};
use haven_wire::thing_xml::{BlobData, BlobPayloadEntry, EffectivePermissions, ThingNameTable, ThingOutput};
use haven_wire::{Request, Response};

use crate::AppState;
use crate::auth::AuthenticatedCall;
use crate::blobs::read_url;
use crate::error::PlatformError;
use crate::limits::{MAX_FULL_THINGS_PER_GROUP, MAX_GET_THINGS_GROUPS, MAX_PARTIAL_THINGS_PER_GROUP};
use crate::record_access::RecordAccess;

pub(crate) async fn handle(
    state: &AppState,
    request: &Request<'_>,
    call: &AuthenticatedCall,
) -> Result<Response, PlatformError> {
    let parameters = GetThingsRequest::from_request(request)?;
    if parameters.groups.len() > MAX_GET_THINGS_GROUPS {
        return Err(PlatformError::TooManyGroups(MAX_GET_THINGS_GROUPS));
    }
    let access = RecordAccess::resolve(state, request, call).await?;
    let store: &dyn Store = state.platform.store.as_ref();
    let mut matches_per_group = Vec::with_capacity(parameters.groups.len());
    for group in &parameters.groups {
        matches_per_group.push(select(store, &access, group).await?);
    }
    let names = names(store, &access, matches_per_group.iter().flat_map(|(things, _)| things.iter())).await?;
    let mut responses: Vec<GroupResponse<'_>> = Vec::with_capacity(parameters.groups.len());
    let mut returned_types = Vec::new();
    for (group, (things, filtered)) in parameters.groups.iter().zip(&matches_per_group) {
        let full = group.max_full.unwrap_or(MAX_FULL_THINGS_PER_GROUP).min(MAX_FULL_THINGS_PER_GROUP) as usize;
        let mut response = GroupResponse::for_request(group);
        response.filtered = *filtered;
        for thing in things.iter().take(full) {
            let blobs = if response.sections.blob_payload {
                blob_payload(state, &access, group, thing).await?
            } else {
                Vec::new()
            };
            returned_types.push(thing.type_id);
            response.things.push(ThingOutput {
                thing,
                effective_permissions: Some(EffectivePermissions {
                    permissions: access.permissions(thing.type_id),
                    immutable: thing.flags.contains(ThingFlags::READ_ONLY),
                }),
                blobs,
            });
        }
        response.unprocessed = things.iter().skip(full).map(UnprocessedThingKey::of).collect();
        responses.push(response);
    }
    let answer = Response::ok(parameters.respond(&responses, &names));
    let returned = returned_types.len();
    access.log(state, AccessKind::Read, "GetThings", returned_types, returned).await;
    Ok(answer)
}

/// The things one group selects that the application may read, newest effective date
/// first, at most `max` (and at most what can be returned whole or as keys); and whether
/// anything was left out for lack of permission.
async fn select(
    store: &dyn Store,
    access: &RecordAccess<'_>,
    group: &ThingsGroupRequest,
) -> Result<(Vec<Thing>, bool), PlatformError> {
    if group.xpaths().next().is_some() {
        // TODO(#3): evaluate xpath filters over data-xml.
        return Err(PlatformError::InvalidFilter("xpath filters are not supported by this server yet".to_owned()));
    }
    let Some(mut query) = group.query() else {
        // The group's filters contradict each other: nothing can match.
        return Ok((Vec::new(), false));
    };
    if query.states.iter().any(|state| *state != ThingState::Active) {
        return Err(PlatformError::AccessDenied("applications may only read active things".to_owned()));
    }
    let readable = access.readable_types();
    let mut filtered = false;
    if query.type_ids.is_empty() {
        query.type_ids = readable;
    } else {
        let asked = query.type_ids.len();
        query.type_ids.retain(|type_id| readable.contains(type_id));
        if query.type_ids.is_empty() {
            return Err(PlatformError::AccessDenied(
                "the application may not read the thing types asked for".to_owned(),
            ));
        }
        filtered = query.type_ids.len() < asked;
    }
    query.exclude_flags = ThingFlags::PERSONAL;
    let most = MAX_FULL_THINGS_PER_GROUP + MAX_PARTIAL_THINGS_PER_GROUP;
    query.limit = Some(query.limit.map_or(most, |limit| limit.min(most)));
    let things = match &group.target {
        ThingTarget::Keys(keys) => versions(store, access, keys, &query).await?,
        ThingTarget::Filtered | ThingTarget::Ids(_) | ThingTarget::ClientThingIds(_) => {
            store.query_things(access.record.id, &query).await?
        }
    };
    Ok((things, filtered))
}

/// Specific versions (how clients page through unprocessed keys), with the query's type
/// and flag limits applied.
async fn versions(
    store: &dyn Store,
    access: &RecordAccess<'_>,
    keys: &[haven_domain::thing::ThingKey],
    query: &ThingQuery,
) -> Result<Vec<Thing>, PlatformError> {
    let limit = query.limit.map_or(usize::MAX, |limit| limit as usize);
    let readable = |type_id: &ThingTypeId| query.type_ids.contains(type_id);
    Ok(store
        .thing_versions(access.record.id, keys)
        .await?
        .into_iter()
        .filter(|thing| {
            readable(&thing.type_id) && !thing.flags.contains(ThingFlags::PERSONAL) && thing.state == ThingState::Active
        })
        .take(limit)
        .collect())
}

/// The names of the applications and people in the things' audits. The calling application
/// and person are already loaded, and most audits name them, so they seed the table.
async fn names(
    store: &dyn Store,
    access: &RecordAccess<'_>,
    things: impl Iterator<Item = &Thing>,
) -> Result<ThingNameTable, PlatformError> {
    let mut table =
        ThingNameTable { applications: HashMap::new(), persons: HashMap::new(), shell_application_id: None };
    let application = &access.call.application;
    table.applications.insert(application.id, application.name.clone());
    table.persons.insert(access.person.person.id, access.person.person.full_name());
    for thing in things {
        for audit in [&thing.created, &thing.updated] {
            if let Some(application_id) = audit.application_id
                && !table.applications.contains_key(&application_id)
                && let Some(application) = store.application(application_id).await?
            {
                table.applications.insert(application_id, application.name);
            }
            if let Some(person_id) = audit.person_id
                && !table.persons.contains_key(&person_id)
                && let Some(person) = store.person(person_id).await?
            {
                table.persons.insert(person_id, person.full_name());
            }
        }
    }
    Ok(table)
}

/// The blob payload of a thing as the group asks: information only, the bytes inline, or a
/// download URL (the default), handed to this call's application and person; only the named
/// blobs when names are given.
async fn blob_payload(
    state: &AppState,
    access: &RecordAccess<'_>,
    group: &ThingsGroupRequest,
    thing: &Thing,
) -> Result<Vec<BlobPayloadEntry>, PlatformError> {
    let request = group.format.blob_payload_request.as_ref();
    let format = request.map_or(BlobFormat::Streamed, |request| request.format);
    let mut entries = Vec::new();
    for blob in &thing.blobs {
        if request.is_some_and(|request| !request.blob_names.is_empty() && !request.blob_names.contains(&blob.name)) {
            continue;
        }
        let data = match format {
            BlobFormat::Information => BlobData::Information,
            BlobFormat::Inline => BlobData::Inline(state.platform.store.blob_content(blob.blob_id).await?),
            BlobFormat::Streamed => BlobData::Url(read_url(state, blob.blob_id, access.accessor()).await?),
        };
        entries.push(BlobPayloadEntry::from_blob(blob, data));
    }
    Ok(entries)
}
