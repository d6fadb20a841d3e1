//! Credit applications, their approval chains, delegations, SLA timers and attachments.
//!
//! Invariant: a decision applies only to the application's current round and step, under
//! the writers' lock, so two approvers cannot both move one step.
use super::*;

#[async_trait]
pub trait ApprovalStore: Send + Sync {
    /// Inserts a pending application at its first step, with its `submit` event, and
    /// notifies the first step's approvers; audited.
    async fn submit_application(
        &self,
        a: &NewApplication,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    /// Applications, newest first: pending ones, and those decided on or after
    /// `decided_since`; a `Scope::Rep` sees its customers' and its own applications.
    async fn applications(
        &self,
        scope: Scope,
        applicant: Option<i64>,
        decided_since: DateTime<Utc>,
    ) -> Result<Vec<ApplicationView>, StoreError>;
    async fn application(&self, id: i64) -> Result<Option<ApplicationView>, StoreError>;
    async fn application_events(&self, id: i64) -> Result<Vec<ApplicationEvent>, StoreError>;
    /// Applies `action` to the current step under the writers' lock: checks the
    /// actor may act (as assignee, escalation target or delegate), records the event,
    /// moves the application, and on the final approval writes the limit, expiry and
    /// terms back to the customer in the same transaction (audited). Notifies the next
    /// approvers, or the applicant and the CC recipients when decided.
    async fn decide_application(
        &self,
        id: i64,
        actor: &User,
        action: Action,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<ApplicationView, StoreError>;
    /// A returned application goes back to its first step, in a new round, with the
    /// same snapshotted chain. Only its applicant may resubmit.
    async fn resubmit_application(
        &self,
        id: i64,
        actor: &User,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<ApplicationView, StoreError>;
    /// Delegations naming `to_user` (or all, with None) that end on or after `from`.
    async fn delegations(
        &self,
        to_user: Option<i64>,
        from: NaiveDate,
    ) -> Result<Vec<Delegation>, StoreError>;
    /// Records a delegation, audited under `actor`.
    async fn add_delegation(
        &self,
        d: &Delegation,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    /// Records the SLA reminders and escalations due at `now` on pending applications,
    /// each at most once (unique per application, round, step and kind), notifying only
    /// for the rows this call inserted. Returns (reminders, escalations) recorded.
    async fn run_sla(&self, now: DateTime<Utc>) -> Result<(usize, usize), StoreError>;
    /// Stores a checked attachment on an application; audited.
    /// Orders held for approval (`needs_approval`, not cancelled) that have no
    /// application yet, oldest first: (id, the order, its check's reasons).
    async fn orders_awaiting_approval(
        &self,
        limit: i64,
    ) -> Result<Vec<(i64, NewOrder, String)>, StoreError>;
    async fn add_attachment(
        &self,
        application_id: i64,
        filename: &str,
        kind: crate::domain::approval::AttachmentType,
        bytes: &[u8],
        by: &User,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    async fn attachments(
        &self,
        application_id: i64,
    ) -> Result<Vec<crate::domain::approval::Attachment>, StoreError>;
    /// One attachment of an application, with its bytes.
    async fn attachment(
        &self,
        application_id: i64,
        id: i64,
    ) -> Result<Option<(crate::domain::approval::Attachment, Vec<u8>)>, StoreError>;
}
