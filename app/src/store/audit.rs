//! The audit trail: hash-chained rows every write appends in its own transaction.
//!
//! Invariant: each row hashes the previous row's hash and its own content, so
//! `verify_audit` finds any row changed, removed or inserted out of order.
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
}
