//! Who may do what on the record a call names: the person of the call must still have
//! access to the record, and must have authorized the calling application on it for the
//! call's avenue (online or offline). Effective permissions per thing type are the
//! intersection the domain computes. A `RecordAccess` is also who the call's access history
//! entry names ([`RecordAccess::log`]).

use haven_domain::access_log::{AccessKind, Accessor, RecordAccess as AccessLogEntry, RecordAccessId};
use haven_domain::auth_rules::Permissions;
use haven_domain::authorization::{AppAuthorization, effective_permissions};
use haven_domain::ids::{RecordId, ThingTypeId};
use haven_domain::record::{Record, RecordMember};
use haven_domain::thing::{AccessAvenue, Audit, AuditAction};
use haven_domain::thing_type;
use haven_store::Store;
use haven_wire::Request;

use crate::AppState;
use crate::auth::{AuthenticatedCall, PersonAccess};
use crate::error::PlatformError;

/// A call's verified access to one record.
#[derive(Debug)]
pub(crate) struct RecordAccess<'call> {
    /// The call.
    pub(crate) call: &'call AuthenticatedCall,
    /// The person of the call.
    pub(crate) person: &'call PersonAccess,
    /// The record.
    pub(crate) record: Record,
    /// The person's access to it.
    pub(crate) member: RecordMember,
    /// What the person granted the application on it.
    pub(crate) authorization: AppAuthorization,
    /// When the call is being served.
    pub(crate) now: time::OffsetDateTime,
}

impl<'call> RecordAccess<'call> {
    /// Resolves the record of a record-scoped call: the header's `record-id`, or for online
    /// calls the record the person selected. Refuses when the person or the application
    /// has no (longer any) access to it.
    pub(crate) async fn resolve(
        state: &AppState,
        request: &Request<'_>,
        call: &'call AuthenticatedCall,
    ) -> Result<Self, PlatformError> {
        let person = call.person.as_ref().ok_or_else(|| {
            PlatformError::AccessDenied(
                "this method needs a person: an online call with a user-auth-token or an offline call with offline-person-id"
                    .to_owned(),
            )
        })?;
        let record_id: RecordId =
            request.header.record_id.or(person.selected_record_id).ok_or_else(|| {
                PlatformError::InvalidRecord("the request names no record (header record-id)".to_owned())
            })?;
        let store: &dyn Store = state.platform.store.as_ref();
        let now = state.platform.clock.now();
        let denied = || {
            PlatformError::AccessDenied(format!(
                "the application has no {} access to record {record_id}",
                person.avenue.as_str().to_lowercase()
            ))
        };
        let authorization = person.authorization(record_id).cloned().ok_or_else(denied)?;
        // Two independent lookups: run them side by side to spare one round trip of latency.
        let (member, record) = tokio::join!(store.record_member(record_id, person.person.id), store.record(record_id));
        let member = member?.filter(|member| member.is_active_at(now)).ok_or_else(denied)?;
        let record =
            record?.ok_or_else(|| PlatformError::InvalidRecord(format!("record {record_id} does not exist")))?;
        Ok(Self { call, person, record, member, authorization, now })
    }

    /// What the application may do to things of `type_id` in this record, on this call's
    /// avenue.
    pub(crate) fn permissions(&self, type_id: ThingTypeId) -> Permissions {
        self.permissions_on(self.person.avenue, type_id)
    }

    /// What the application may do to things of `type_id` in this record on `avenue`.
    pub(crate) fn permissions_on(&self, avenue: AccessAvenue, type_id: ThingTypeId) -> Permissions {
        effective_permissions(&self.call.application, &self.authorization, &self.member, avenue, type_id, self.now)
    }

    /// Fails unless the application has `needed` on `type_id`.
    pub(crate) fn require(&self, type_id: ThingTypeId, needed: Permissions, verb: &str) -> Result<(), PlatformError> {
        if self.permissions(type_id).contains(needed) {
            Ok(())
        } else {
            let type_name =
                thing_type::by_id(type_id).map_or_else(|| type_id.to_string(), |thing_type| thing_type.name.to_owned());
            Err(PlatformError::AccessDenied(format!(
                "the application may not {verb} {type_name} things in this record"
            )))
        }
    }

    /// Whether the application may create or update things of at least one type here: what a
    /// blob upload needs, since a blob is only ever attached to a thing it writes.
    pub(crate) fn may_write_any_type(&self) -> bool {
        thing_type::all().iter().any(|thing_type| {
            let permissions = self.permissions(thing_type.id);
            permissions.contains(Permissions::CREATE) || permissions.contains(Permissions::UPDATE)
        })
    }

    /// Every registered type the application may read here.
    pub(crate) fn readable_types(&self) -> Vec<ThingTypeId> {
        thing_type::all()
            .iter()
            .map(|thing_type| thing_type.id)
            .filter(|type_id| self.permissions(*type_id).contains(Permissions::READ))
            .collect()
    }

    /// Who this call is, as the access history names it: the application, online for the
    /// person of its user token or offline for the person the call named.
    pub(crate) fn accessor(&self) -> Accessor {
        let application_id = self.call.application.id;
        let person_id = self.person.person.id;
        match self.person.avenue {
            AccessAvenue::Online => Accessor::OnlineApplication { application_id, person_id },
            AccessAvenue::Offline => Accessor::OfflineApplication { application_id, person_id: Some(person_id) },
        }
    }

    /// Adds this call's entry to the record's access history: `operation` (the method name)
    /// read or wrote `thing_count` things of `type_ids`. Call it once the method has
    /// succeeded, just before answering. The entry goes to the state's `AccessLogWriter`,
    /// which writes it in a batch off the request path, so a read costs no write transaction;
    /// a failure to write it is logged by the writer (ids only), never returned: a write is
    /// committed by then and a read's answer complete, and the history records accesses
    /// rather than gating them. Blob downloads hand their entry to the writer the same way.
    pub(crate) async fn log(
        &self,
        state: &AppState,
        kind: AccessKind,
        operation: &'static str,
        type_ids: impl IntoIterator<Item = ThingTypeId>,
        thing_count: usize,
    ) {
        let entry = AccessLogEntry::new(
            RecordAccessId::from_uuid(uuid::Uuid::new_v4()),
            self.record.id,
            self.now,
            self.accessor(),
            kind,
            operation,
        )
        .with_things(type_ids, u32::try_from(thing_count).unwrap_or(u32::MAX));
        state.platform.access_log.log(entry).await;
    }

    /// The audit of a write made by this call.
    pub(crate) fn audit(&self, action: AuditAction) -> Audit {
        Audit {
            timestamp: self.now,
            application_id: Some(self.call.application.id),
            person_id: Some(self.person.person.id),
            access_avenue: self.person.avenue,
            action,
        }
    }
}
