//! Writing the record's access history: every method that reads or writes a record's things
//! (and every blob download) adds one entry once it has succeeded. Methods log through
//! `RecordAccess::log` (`record_access.rs`), which knows the application, the person, the
//! avenue and the record; blob downloads through [`log_access`] directly, as the reader the
//! download URL was handed to.
//!
//! A failure to write the entry never fails the call: by then a write is committed (failing
//! would make the client retry what already happened) and a read's answer is complete. The
//! history records accesses; it does not gate them. The failure is logged with ids only.

use haven_domain::access_log::RecordAccess as AccessLogEntry;
use haven_store::Store;

/// Adds `entry` to its record's access history, or logs a warning (ids only) if the store
/// cannot.
pub(crate) async fn log_access(store: &dyn Store, entry: &AccessLogEntry) {
    if let Err(error) = store.log_record_access(entry).await {
        tracing::warn!(
            access = %entry.id,
            record = %entry.record_id,
            application = ?entry.application_id,
            person = ?entry.person_id,
            operation = %entry.operation,
            %error,
            "the record's access history could not be written; the call was answered anyway"
        );
    }
}
