//! The record operation log: one entry per change to a record's things, numbered without
//! gaps, so applications can catch up with `GetRecordOperations`.

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::ids::{RecordId, ThingTypeId};
use crate::thing::{AuditAction, ThingKey};

/// One change to a thing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordOperation {
    /// The record.
    pub record_id: RecordId,
    /// Position in the record's log: the first change is 1, each change adds one.
    pub sequence: u64,
    /// The version the change produced.
    pub thing_key: ThingKey,
    /// The thing's type.
    pub type_id: ThingTypeId,
    /// The version's effective date.
    pub eff_date: PrimitiveDateTime,
    /// Create, update or delete.
    pub action: AuditAction,
    /// When it happened.
    pub timestamp: OffsetDateTime,
}
