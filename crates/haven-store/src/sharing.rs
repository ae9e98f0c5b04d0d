//! Record sharing: invitations found by the hash of their link token, accepted at most once,
//! and members removed with the applications they authorized. Acceptance and removal each
//! run in one transaction that re-checks, under the write lock, what the caller saw: the
//! invitation's status, the person's membership, the record's custodians.

use async_trait::async_trait;
use haven_domain::ids::{PersonId, RecordId};
use haven_domain::person::EmailAddress;
use haven_domain::record::{RecordMember, Relationship};
use haven_domain::session::TokenHash;
use haven_domain::sharing::{InvitationStatus, MAX_INVITATION_ATTEMPTS, SharingInvitation, SharingInvitationId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;
use crate::db::{SqlStore, in_write_transaction, on_db};
use crate::error::StoreError;
use crate::records::{MEMBER_COLUMNS, UPSERT_MEMBER, is_foreign_key_violation, upsert_member};
use crate::rows::{MemberRow, from_json, instant, micros, to_json};
use crate::sessions::token_hash;

/// Record sharing (`sharing.rs`): invitations to a record and the removal of its members.
/// Invitations are found by the hash of their link token and listed per record; the code's
/// hash is the caller's to compare ([`SharingInvitation::code_matches`]), and wrong codes are
/// counted here.
#[async_trait]
pub trait SharingStore: Send + Sync {
    /// Stores a new invitation. Fails with [`StoreError::MissingReference`] if its record or
    /// grantor does not exist.
    async fn create_sharing_invitation(&self, invitation: &SharingInvitation) -> StoreResult<()>;
    /// The invitation whose link token hashes to `link_hash` (any status; the caller decides).
    async fn sharing_invitation_by_link(&self, link_hash: TokenHash) -> StoreResult<Option<SharingInvitation>>;
    /// Every invitation to a record, whatever its status, newest first.
    async fn sharing_invitations_of_record(&self, record_id: RecordId) -> StoreResult<Vec<SharingInvitation>>;
    /// Counts one wrong code, atomically; returns the count after it (0 if there is no such
    /// invitation). At [`MAX_INVITATION_ATTEMPTS`] the invitation is locked.
    async fn record_wrong_sharing_code(&self, id: SharingInvitationId) -> StoreResult<u32>;
    /// Revokes the record's invitation if it is pending at `now`; `false` otherwise (accepted,
    /// revoked, locked, expired, or not the record's), and then nothing changes.
    async fn revoke_sharing_invitation(
        &self,
        record_id: RecordId,
        id: SharingInvitationId,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Accepts an invitation in one transaction: with the invitation locked, only if it is
    /// pending at `now` and `member` is of its record ([`StoreError::SharingInvitationUnavailable`]
    /// otherwise), and only if `member.person_id` has no access in force to the record
    /// ([`StoreError::AlreadyMember`]; an expired membership is replaced), it stores `member`
    /// (normally [`SharingInvitation::new_member`]) and marks the invitation accepted. Of two
    /// concurrent acceptances, one wins.
    async fn accept_sharing_invitation(
        &self,
        id: SharingInvitationId,
        member: &RecordMember,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Removes a person's access to a record and, in the same transaction, every
    /// authorization they gave applications on it, so those applications lose access at
    /// once; `false` if the person is not a member. Refuses with [`StoreError::LastCustodian`]
    /// (removing nothing) when the person is the record's last custodian in force at `now`.
    async fn remove_record_member(
        &self,
        record_id: RecordId,
        person_id: PersonId,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
}

/// A row of `sharing_invitations`, in [`INVITATION_COLUMNS`] order.
#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: Uuid,
    record_id: Uuid,
    grantor_id: Uuid,
    invitee_email: String,
    invitee_name: String,
    relationship: i32,
    access: String,
    access_expires_at: Option<i64>,
    link_hash: Vec<u8>,
    code_hash: Vec<u8>,
    created_at: i64,
    expires_at: i64,
    failed_attempts: i64,
    accepted_person_id: Option<Uuid>,
    accepted_at: Option<i64>,
    revoked_at: Option<i64>,
}

const INVITATION_COLUMNS: &str = "id, record_id, grantor_id, invitee_email, invitee_name, relationship, access, \
     access_expires_at, link_hash, code_hash, created_at, expires_at, failed_attempts, accepted_person_id, \
     accepted_at, revoked_at";

impl TryFrom<InvitationRow> for SharingInvitation {
    type Error = StoreError;
    fn try_from(row: InvitationRow) -> Result<Self, StoreError> {
        let accepted = match (row.accepted_person_id, row.accepted_at) {
            (Some(person_id), Some(accepted_at)) => Some((PersonId::from_uuid(person_id), instant(accepted_at)?)),
            (None, None) => None,
            _ => return Err(StoreError::corrupt(format!("sharing invitation {} is half accepted", row.id))),
        };
        Ok(SharingInvitation {
            id: SharingInvitationId::from_uuid(row.id),
            record_id: RecordId::from_uuid(row.record_id),
            grantor_id: PersonId::from_uuid(row.grantor_id),
            invitee_email: EmailAddress::parse(&row.invitee_email).map_err(StoreError::corrupt)?,
            invitee_name: row.invitee_name,
            relationship: Relationship(row.relationship),
            access: from_json(&row.access)?,
            access_expires_at: row.access_expires_at.map(instant).transpose()?,
            link_hash: token_hash(row.link_hash)?,
            code_hash: token_hash(row.code_hash)?,
            created_at: instant(row.created_at)?,
            expires_at: instant(row.expires_at)?,
            failed_attempts: crate::attempts::attempts(row.failed_attempts)?,
            accepted,
            revoked_at: row.revoked_at.map(instant).transpose()?,
        })
    }
}

#[async_trait]
impl SharingStore for SqlStore {
    async fn create_sharing_invitation(&self, invitation: &SharingInvitation) -> StoreResult<()> {
        let access = to_json(&invitation.access)?;
        let result = on_db!(&self.db, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO sharing_invitations ({INVITATION_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
            )))
            .bind(invitation.id.as_uuid())
            .bind(invitation.record_id.as_uuid())
            .bind(invitation.grantor_id.as_uuid())
            .bind(invitation.invitee_email.as_str())
            .bind(&invitation.invitee_name)
            .bind(invitation.relationship.0)
            .bind(&access)
            .bind(invitation.access_expires_at.map(micros))
            .bind(invitation.link_hash.0.to_vec())
            .bind(invitation.code_hash.0.to_vec())
            .bind(micros(invitation.created_at))
            .bind(micros(invitation.expires_at))
            .bind(i64::from(invitation.failed_attempts))
            .bind(invitation.accepted.map(|(person_id, _)| person_id.as_uuid()))
            .bind(invitation.accepted.map(|(_, accepted_at)| micros(accepted_at)))
            .bind(invitation.revoked_at.map(micros))
            .execute(pool)
            .await
            .map(|_| ())
        });
        match result {
            Err(error) if is_foreign_key_violation(&error) => Err(StoreError::MissingReference(format!(
                "record {} or person {} does not exist",
                invitation.record_id, invitation.grantor_id
            ))),
            other => other.map_err(StoreError::from),
        }
    }

    async fn sharing_invitation_by_link(&self, link_hash: TokenHash) -> StoreResult<Option<SharingInvitation>> {
        let row: Option<InvitationRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {INVITATION_COLUMNS} FROM sharing_invitations WHERE link_hash = $1"
            )))
            .bind(link_hash.0.to_vec())
            .fetch_optional(pool)
            .await
        })?;
        row.map(SharingInvitation::try_from).transpose()
    }

    async fn sharing_invitations_of_record(&self, record_id: RecordId) -> StoreResult<Vec<SharingInvitation>> {
        let rows: Vec<InvitationRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {INVITATION_COLUMNS} FROM sharing_invitations WHERE record_id = $1 \
                 ORDER BY created_at DESC, id"
            )))
            .bind(record_id.as_uuid())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(SharingInvitation::try_from).collect()
    }

    async fn record_wrong_sharing_code(&self, id: SharingInvitationId) -> StoreResult<u32> {
        crate::attempts::count_wrong_answer(self, "sharing_invitations", "id", id.as_uuid()).await
    }

    async fn revoke_sharing_invitation(
        &self,
        record_id: RecordId,
        id: SharingInvitationId,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        // The condition is the domain's Pending status, checked by the update itself.
        let revoked = on_db!(&self.db, |pool| {
            sqlx::query(
                "UPDATE sharing_invitations SET revoked_at = $1 \
                 WHERE record_id = $2 AND id = $3 AND accepted_at IS NULL AND revoked_at IS NULL \
                 AND failed_attempts < $4 AND expires_at > $1 \
                 AND (access_expires_at IS NULL OR access_expires_at > $1)",
            )
            .bind(micros(now))
            .bind(record_id.as_uuid())
            .bind(id.as_uuid())
            .bind(i64::from(MAX_INVITATION_ATTEMPTS))
            .execute(pool)
            .await
            .map(|result| result.rows_affected())
        })?;
        Ok(revoked > 0)
    }

    async fn accept_sharing_invitation(
        &self,
        id: SharingInvitationId,
        member: &RecordMember,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        in_write_transaction!(&self.db, |tx, lock| {
            async {
                let row: Option<InvitationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {INVITATION_COLUMNS} FROM sharing_invitations WHERE id = $1{lock}"
                )))
                .bind(id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
                let invitation = row
                    .map(SharingInvitation::try_from)
                    .transpose()?
                    .ok_or(StoreError::SharingInvitationUnavailable)?;
                if invitation.status_at(now) != InvitationStatus::Pending || invitation.record_id != member.record_id {
                    return Err(StoreError::SharingInvitationUnavailable);
                }
                // The upsert replaces only a membership that has ended, so the check and the
                // write are one statement: a concurrent acceptance by the same person waits
                // for this one and then finds the membership in force.
                let inserted = upsert_member!(
                    member,
                    sqlx::AssertSqlSafe(format!(
                        "{UPSERT_MEMBER} WHERE record_members.expires_at IS NOT NULL AND record_members.expires_at <= $8"
                    ))
                )
                .bind(micros(now))
                .execute(&mut *tx)
                .await
                .map_err(|error| match error {
                    error if is_foreign_key_violation(&error) => StoreError::PersonNotFound(member.person_id),
                    error => StoreError::Database(error),
                })?
                .rows_affected();
                if inserted == 0 {
                    return Err(StoreError::AlreadyMember);
                }
                sqlx::query("UPDATE sharing_invitations SET accepted_person_id = $1, accepted_at = $2 WHERE id = $3")
                    .bind(member.person_id.as_uuid())
                    .bind(micros(now))
                    .bind(id.as_uuid())
                    .execute(&mut *tx)
                    .await?;
                Ok(())
            }
            .await
        })
    }

    async fn remove_record_member(
        &self,
        record_id: RecordId,
        person_id: PersonId,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        in_write_transaction!(&self.db, |tx, lock| {
            async {
                // Every member row of the record is locked, so two removals of the last two
                // custodians cannot both see the other one still there.
                let rows: Vec<MemberRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {MEMBER_COLUMNS} FROM record_members WHERE record_id = $1{lock}"
                )))
                .bind(record_id.as_uuid())
                .fetch_all(&mut *tx)
                .await?;
                let members = rows.into_iter().map(RecordMember::try_from).collect::<Result<Vec<_>, _>>()?;
                let Some(leaving) = members.iter().find(|member| member.person_id == person_id) else {
                    return Ok(false);
                };
                let custodian_in_force = |member: &RecordMember| member.is_custodian && member.is_active_at(now);
                let others_remain =
                    members.iter().any(|member| member.person_id != person_id && custodian_in_force(member));
                if custodian_in_force(leaving) && !others_remain {
                    return Err(StoreError::LastCustodian);
                }
                sqlx::query("DELETE FROM app_authorizations WHERE record_id = $1 AND person_id = $2")
                    .bind(record_id.as_uuid())
                    .bind(person_id.as_uuid())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM record_members WHERE record_id = $1 AND person_id = $2")
                    .bind(record_id.as_uuid())
                    .bind(person_id.as_uuid())
                    .execute(&mut *tx)
                    .await?;
                Ok(true)
            }
            .await
        })
    }
}
