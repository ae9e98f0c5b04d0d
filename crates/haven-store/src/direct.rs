//! Direct messaging's message center: addresses unique per instance, messages stored with
//! their attachments in one transaction, and held messages released at most once. A held
//! message is a row of `direct_messages` with no person and a row of `direct_held_messages`;
//! the release checks and sets both under the write lock.

use async_trait::async_trait;
use haven_domain::direct::{
    DirectAddressName, DirectAttachment, DirectAttachmentId, DirectDocumentKind, DirectMessage, DirectMessageId,
    DirectMessageSummary, HeldDirectMessage, HeldRelease, MAX_HELD_ANSWER_ATTEMPTS,
};
use haven_domain::ids::{PersonId, RecordId, ThingId};
use haven_domain::person::EmailAddress;
use haven_domain::session::TokenHash;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{SqlStore, in_write_transaction, on_db};
use crate::error::StoreError;
use crate::persons::is_unique_violation;
use crate::rows::{from_json, instant, micros, to_i64, to_json, to_u64};
use crate::sessions::token_hash;
use crate::{DirectStore, StoreResult};

/// A row of `direct_messages`, in [`MESSAGE_COLUMNS`] order.
#[derive(sqlx::FromRow)]
struct MessageRow {
    id: Uuid,
    person_id: Option<Uuid>,
    sender: String,
    recipients: String,
    subject: String,
    body_text: String,
    received_at: i64,
    read_at: Option<i64>,
}

const MESSAGE_COLUMNS: &str = "id, person_id, sender, recipients, subject, body_text, received_at, read_at";

impl MessageRow {
    fn into_message(self, attachments: Vec<DirectAttachment>) -> Result<DirectMessage, StoreError> {
        let person_id = self
            .person_id
            .ok_or_else(|| StoreError::corrupt(format!("direct message {} has no addressee", self.id)))?;
        Ok(DirectMessage {
            id: DirectMessageId::from_uuid(self.id),
            person_id: PersonId::from_uuid(person_id),
            from: self.sender,
            to: from_json(&self.recipients)?,
            subject: self.subject,
            text: self.body_text,
            received_at: instant(self.received_at)?,
            read_at: self.read_at.map(instant).transpose()?,
            attachments,
        })
    }
}

/// A row of `direct_attachments`, in [`ATTACHMENT_COLUMNS`] order.
#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: Uuid,
    file_name: Option<String>,
    content_type: String,
    document_kind: String,
    size_bytes: i64,
    content: Vec<u8>,
    added_record_id: Option<Uuid>,
    added_thing_id: Option<Uuid>,
    reviewed_at: Option<i64>,
}

const ATTACHMENT_COLUMNS: &str =
    "id, file_name, content_type, document_kind, size_bytes, content, added_record_id, added_thing_id, reviewed_at";

impl TryFrom<AttachmentRow> for DirectAttachment {
    type Error = StoreError;
    fn try_from(row: AttachmentRow) -> Result<Self, StoreError> {
        let added_to_record = match (row.added_record_id, row.added_thing_id) {
            (Some(record_id), Some(thing_id)) => Some((RecordId::from_uuid(record_id), ThingId::from_uuid(thing_id))),
            (None, None) => None,
            _ => return Err(StoreError::corrupt(format!("direct attachment {} is half added to a record", row.id))),
        };
        Ok(DirectAttachment {
            id: DirectAttachmentId::from_uuid(row.id),
            file_name: row.file_name,
            content_type: row.content_type,
            document_kind: DirectDocumentKind::parse(&row.document_kind)
                .ok_or_else(|| StoreError::corrupt(format!("document kind {:?}", row.document_kind)))?,
            content: row.content,
            size_bytes: to_u64(row.size_bytes)?,
            added_to_record,
            reviewed_at: row.reviewed_at.map(instant).transpose()?,
        })
    }
}

/// A row of `direct_held_messages` joined with its message, in [`HELD_COLUMNS`] order.
#[derive(sqlx::FromRow)]
struct HeldRow {
    message_id: Uuid,
    invited_email: String,
    invitation_hash: Vec<u8>,
    question: Option<String>,
    answer_hash: Option<String>,
    held_at: i64,
    expires_at: i64,
    released_person_id: Option<Uuid>,
    released_at: Option<i64>,
    failed_attempts: i64,
    sender: String,
    recipients: String,
    subject: String,
    body_text: String,
}

const HELD_COLUMNS: &str = "h.message_id, h.invited_email, h.invitation_hash, h.question, h.answer_hash, h.held_at, \
     h.expires_at, h.released_person_id, h.released_at, h.failed_attempts, m.sender, m.recipients, m.subject, m.body_text";

impl HeldRow {
    fn into_held(self, attachments: Vec<DirectAttachment>) -> Result<HeldDirectMessage, StoreError> {
        let released = match (self.released_person_id, self.released_at) {
            (Some(person_id), Some(released_at)) => {
                Some(HeldRelease { person_id: PersonId::from_uuid(person_id), released_at: instant(released_at)? })
            }
            (None, None) => None,
            _ => return Err(StoreError::corrupt(format!("held message {} has half a release", self.message_id))),
        };
        Ok(HeldDirectMessage {
            id: DirectMessageId::from_uuid(self.message_id),
            invited_email: EmailAddress::parse(&self.invited_email).map_err(StoreError::corrupt)?,
            invitation_hash: token_hash(self.invitation_hash)?,
            question: self.question,
            answer_hash: self.answer_hash,
            held_at: instant(self.held_at)?,
            expires_at: instant(self.expires_at)?,
            failed_attempts: crate::attempts::attempts(self.failed_attempts)?,
            released,
            from: self.sender,
            to: from_json(&self.recipients)?,
            subject: self.subject,
            text: self.body_text,
            attachments,
        })
    }
}

/// Inside a transaction: inserts a message row (`$person_id` an `Option<Uuid>`) and its
/// attachments, numbered in order.
macro_rules! insert_message {
    ($tx:ident, $id:expr, $person_id:expr, $from:expr, $to:expr, $subject:expr, $text:expr, $received_at:expr,
     $attachments:expr) => {{
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO direct_messages ({MESSAGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )))
        .bind($id.as_uuid())
        .bind($person_id)
        .bind($from)
        .bind(to_json($to)?)
        .bind($subject)
        .bind($text)
        .bind(micros($received_at))
        .bind(None::<i64>)
        .execute(&mut *$tx)
        .await?;
        for (ordinal, attachment) in $attachments.iter().enumerate() {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO direct_attachments (message_id, ordinal, {ATTACHMENT_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            )))
            .bind($id.as_uuid())
            .bind(to_i64(ordinal as u64)?)
            .bind(attachment.id.as_uuid())
            .bind(&attachment.file_name)
            .bind(&attachment.content_type)
            .bind(attachment.document_kind.as_str())
            .bind(to_i64(attachment.size_bytes)?)
            .bind(&attachment.content)
            .bind(attachment.added_to_record.map(|(record_id, _)| record_id.as_uuid()))
            .bind(attachment.added_to_record.map(|(_, thing_id)| thing_id.as_uuid()))
            .bind(attachment.reviewed_at.map(micros))
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

/// Reads a message's attachments, in order, from `$executor`.
macro_rules! attachments_of {
    ($executor:expr, $message_id:expr) => {{
        let rows: Vec<AttachmentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM direct_attachments WHERE message_id = $1 ORDER BY ordinal"
        )))
        .bind($message_id)
        .fetch_all($executor)
        .await?;
        rows.into_iter().map(DirectAttachment::try_from).collect::<Result<Vec<_>, StoreError>>()?
    }};
}

/// A foreign-key failure on insert means the person does not exist.
fn missing_person(error: sqlx::Error, person_id: PersonId) -> StoreError {
    match error {
        sqlx::Error::Database(database_error) if database_error.is_foreign_key_violation() => {
            StoreError::PersonNotFound(person_id)
        }
        other => StoreError::Database(other),
    }
}

#[async_trait]
impl DirectStore for SqlStore {
    async fn assign_direct_address(
        &self,
        person_id: PersonId,
        name: &DirectAddressName,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        on_db!(&self.db, |pool| {
            sqlx::query(
                "INSERT INTO direct_addresses (person_id, local_part, assigned_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (person_id) DO UPDATE SET local_part = excluded.local_part, assigned_at = excluded.assigned_at",
            )
            .bind(person_id.as_uuid())
            .bind(name.as_str())
            .bind(micros(now))
            .execute(pool)
            .await
            .map(|_| ())
            .map_err(|error| {
                if is_unique_violation(&error) {
                    StoreError::DirectAddressTaken
                } else {
                    missing_person(error, person_id)
                }
            })
        })
    }

    async fn direct_address_of_person(&self, person_id: PersonId) -> StoreResult<Option<DirectAddressName>> {
        let local_part: Option<String> = on_db!(&self.db, |pool| {
            sqlx::query_scalar("SELECT local_part FROM direct_addresses WHERE person_id = $1")
                .bind(person_id.as_uuid())
                .fetch_optional(pool)
                .await
        })?;
        local_part.map(|text| DirectAddressName::parse(&text).map_err(StoreError::corrupt)).transpose()
    }

    async fn person_by_direct_address(&self, name: &DirectAddressName) -> StoreResult<Option<PersonId>> {
        let person_id: Option<Uuid> = on_db!(&self.db, |pool| {
            sqlx::query_scalar("SELECT person_id FROM direct_addresses WHERE local_part = $1")
                .bind(name.as_str())
                .fetch_optional(pool)
                .await
        })?;
        Ok(person_id.map(PersonId::from_uuid))
    }

    async fn deliver_direct_message(&self, message: &DirectMessage) -> StoreResult<()> {
        let result: StoreResult<()> = in_write_transaction!(&self.db, |tx, _lock| {
            async {
                let exists: Option<Uuid> = sqlx::query_scalar("SELECT id FROM persons WHERE id = $1")
                    .bind(message.person_id.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    return Err(StoreError::PersonNotFound(message.person_id));
                }
                insert_message!(
                    tx,
                    message.id,
                    Some(message.person_id.as_uuid()),
                    &message.from,
                    &message.to,
                    &message.subject,
                    &message.text,
                    message.received_at,
                    message.attachments
                );
                Ok(())
            }
            .await
        });
        result
    }

    async fn direct_messages_of_person(&self, person_id: PersonId) -> StoreResult<Vec<DirectMessageSummary>> {
        type SummaryRow = (Uuid, String, String, i64, Option<i64>, i64);
        let rows: Vec<SummaryRow> = on_db!(&self.db, |pool| {
            sqlx::query_as(
                "SELECT m.id, m.sender, m.subject, m.received_at, m.read_at, \
                 (SELECT COUNT(*) FROM direct_attachments a WHERE a.message_id = m.id) \
                 FROM direct_messages m WHERE m.person_id = $1 ORDER BY m.received_at DESC, m.id DESC",
            )
            .bind(person_id.as_uuid())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|(id, from, subject, received_at, read_at, attachment_count)| {
                Ok(DirectMessageSummary {
                    id: DirectMessageId::from_uuid(id),
                    from,
                    subject,
                    received_at: instant(received_at)?,
                    read_at: read_at.map(instant).transpose()?,
                    attachment_count: to_u64(attachment_count)?,
                })
            })
            .collect()
    }

    async fn direct_message(&self, person_id: PersonId, id: DirectMessageId) -> StoreResult<Option<DirectMessage>> {
        on_db!(&self.db, |pool| {
            async {
                let row: Option<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {MESSAGE_COLUMNS} FROM direct_messages WHERE id = $1 AND person_id = $2"
                )))
                .bind(id.as_uuid())
                .bind(person_id.as_uuid())
                .fetch_optional(pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let attachments = attachments_of!(pool, id.as_uuid());
                row.into_message(attachments).map(Some)
            }
            .await
        })
    }

    async fn mark_direct_message_read(
        &self,
        person_id: PersonId,
        id: DirectMessageId,
        at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let found = on_db!(&self.db, |pool| {
            sqlx::query("UPDATE direct_messages SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND person_id = $3")
                .bind(micros(at))
                .bind(id.as_uuid())
                .bind(person_id.as_uuid())
                .execute(pool)
                .await
                .map(|result| result.rows_affected())
        })?;
        Ok(found > 0)
    }

    async fn record_direct_attachment_added(
        &self,
        person_id: PersonId,
        attachment_id: DirectAttachmentId,
        record_id: RecordId,
        thing_id: ThingId,
    ) -> StoreResult<bool> {
        let found = on_db!(&self.db, |pool| {
            sqlx::query(
                "UPDATE direct_attachments SET added_record_id = $1, added_thing_id = $2 \
                 WHERE id = $3 AND message_id IN (SELECT id FROM direct_messages WHERE person_id = $4)",
            )
            .bind(record_id.as_uuid())
            .bind(thing_id.as_uuid())
            .bind(attachment_id.as_uuid())
            .bind(person_id.as_uuid())
            .execute(pool)
            .await
            .map(|result| result.rows_affected())
        })?;
        Ok(found > 0)
    }

    async fn claim_direct_attachment_review(
        &self,
        person_id: PersonId,
        attachment_id: DirectAttachmentId,
        at: Option<OffsetDateTime>,
    ) -> StoreResult<bool> {
        // Claiming sets the time only where none is set; releasing clears it.
        let condition = if at.is_some() { "reviewed_at IS NULL" } else { "reviewed_at IS NOT NULL" };
        let changed = on_db!(&self.db, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE direct_attachments SET reviewed_at = $1 \
                 WHERE id = $2 AND {condition} AND message_id IN (SELECT id FROM direct_messages WHERE person_id = $3)"
            )))
            .bind(at.map(micros))
            .bind(attachment_id.as_uuid())
            .bind(person_id.as_uuid())
            .execute(pool)
            .await
            .map(|result| result.rows_affected())
        })?;
        Ok(changed > 0)
    }

    async fn hold_direct_message(&self, held: &HeldDirectMessage) -> StoreResult<()> {
        in_write_transaction!(&self.db, |tx, _lock| {
            async {
                insert_message!(
                    tx,
                    held.id,
                    None::<Uuid>,
                    &held.from,
                    &held.to,
                    &held.subject,
                    &held.text,
                    held.held_at,
                    held.attachments
                );
                sqlx::query(
                    "INSERT INTO direct_held_messages (message_id, invited_email, invitation_hash, question, \
                     answer_hash, held_at, expires_at, released_person_id, released_at, failed_attempts) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(held.id.as_uuid())
                .bind(held.invited_email.as_str())
                .bind(held.invitation_hash.0.to_vec())
                .bind(&held.question)
                .bind(&held.answer_hash)
                .bind(micros(held.held_at))
                .bind(micros(held.expires_at))
                .bind(held.released.map(|release| release.person_id.as_uuid()))
                .bind(held.released.map(|release| micros(release.released_at)))
                .bind(i64::from(held.failed_attempts))
                .execute(&mut *tx)
                .await?;
                Ok(())
            }
            .await
        })
    }

    async fn held_direct_message_by_invitation(
        &self,
        invitation_hash: TokenHash,
    ) -> StoreResult<Option<HeldDirectMessage>> {
        on_db!(&self.db, |pool| {
            async {
                let row: Option<HeldRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {HELD_COLUMNS} FROM direct_held_messages h JOIN direct_messages m ON m.id = h.message_id \
                     WHERE h.invitation_hash = $1"
                )))
                .bind(invitation_hash.0.to_vec())
                .fetch_optional(pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let attachments = attachments_of!(pool, row.message_id);
                row.into_held(attachments).map(Some)
            }
            .await
        })
    }

    async fn release_held_direct_message(
        &self,
        id: DirectMessageId,
        person_id: PersonId,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        in_write_transaction!(&self.db, |tx, _lock| {
            async {
                // The condition is checked by the update itself: a second release waits for
                // the first to commit and then finds the message released.
                let released = sqlx::query(
                    "UPDATE direct_held_messages SET released_person_id = $1, released_at = $2 \
                     WHERE message_id = $3 AND released_at IS NULL AND expires_at > $2 AND failed_attempts < $4",
                )
                .bind(person_id.as_uuid())
                .bind(micros(now))
                .bind(id.as_uuid())
                .bind(i64::from(MAX_HELD_ANSWER_ATTEMPTS))
                .execute(&mut *tx)
                .await
                .map_err(|error| missing_person(error, person_id))?
                .rows_affected();
                if released == 0 {
                    return Ok(false);
                }
                let addressed =
                    sqlx::query("UPDATE direct_messages SET person_id = $1 WHERE id = $2 AND person_id IS NULL")
                        .bind(person_id.as_uuid())
                        .bind(id.as_uuid())
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                if addressed != 1 {
                    return Err(StoreError::corrupt(format!("held message {id} already had an addressee")));
                }
                Ok(true)
            }
            .await
        })
    }

    async fn record_wrong_held_answer(&self, id: DirectMessageId) -> StoreResult<u32> {
        crate::attempts::count_wrong_answer(self, "direct_held_messages", "message_id", id.as_uuid()).await
    }

    async fn delete_expired_held_direct_messages(&self, now: OffsetDateTime) -> StoreResult<u64> {
        // The attachments and the held rows go with their messages (ON DELETE CASCADE).
        let deleted = on_db!(&self.db, |pool| {
            sqlx::query(
                "DELETE FROM direct_messages WHERE person_id IS NULL AND id IN \
                 (SELECT message_id FROM direct_held_messages WHERE released_at IS NULL AND expires_at <= $1)",
            )
            .bind(micros(now))
            .execute(pool)
            .await
            .map(|result| result.rows_affected())
        })?;
        Ok(deleted)
    }
}
