//! The audit trail: MAC-chained rows every write appends in its own transaction.
//!
//! Invariants: each row carries a MAC, under a key derived from the master key, of the
//! previous row's MAC and its own content, so `verify_audit` finds any row changed,
//! removed or inserted out of order, even by someone who recomputed plain hashes; a
//! checkpoint (`audit_checkpoint`) kept elsewhere proves later that no row was cut off
//! the end (`audit_mac` at its id must still match).
use super::*;

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn audit(
        &self,
        at: DateTime<Utc>,
        actor: &str,
        entry: AuditEntry,
    ) -> Result<(), StoreError>;
    /// Appends `entries` in one transaction, all under `actor` at `at`.
    async fn audit_many(
        &self,
        at: DateTime<Utc>,
        actor: &str,
        entries: Vec<AuditEntry>,
    ) -> Result<(), StoreError>;
    async fn audit_trail(&self, q: &AuditQuery) -> Result<Vec<AuditRow>, StoreError>;
    async fn verify_audit(&self) -> Result<AuditVerification, StoreError>;
    /// The trail's head: its last row's id and MAC.
    async fn audit_checkpoint(&self) -> Result<AuditCheckpoint, StoreError>;
    /// The stored MAC of row `id`, if the row exists.
    async fn audit_mac(&self, id: i64) -> Result<Option<String>, StoreError>;
}
