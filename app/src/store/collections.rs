//! The collections workbench's port (implemented in `server/src/store/collections/`).
use super::*;

/// Which tasks a worklist reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskQuery {
    /// Open tasks assigned to this user or to their role (None: everyone's).
    pub for_user: Option<(i64, Option<Role>)>,
    /// Only these assignees' tasks (a sales manager's team), besides `for_user`.
    pub team: Option<Vec<i64>>,
    pub customer_id: Option<i64>,
    pub task_id: Option<i64>,
    pub open_only: bool,
    /// The business date the priority inputs are read at.
    pub today: NaiveDate,
}

/// The collections workbench's tasks. The guarantees below hold for all three
/// collections ports (tasks, what reps record, history).
///
/// Guarantees every implementation keeps:
/// - `apply_op` writes a contact, promise or dispute at most once per client id: a
///   replay answers `Replayed` with the first write's id. The task's status is read in
///   the writing transaction, so a write for a task closed meanwhile is a `Conflict`
///   (unless the op says to keep it), never written to a closed task silently.
/// - A promise and a dispute are checked against the customer's open invoices read in
///   that same transaction.
/// - Reassigning, closing and escalating a task write audit rows with the task.
/// - `settle_promise` moves a promise out of `pending` once; only the call that did it
///   gets `true` (so only it raises the broken-promise event).
#[async_trait]
pub trait TaskStore: Send + Sync {
    async fn tasks(
        &self,
        q: &TaskQuery,
    ) -> Result<Vec<crate::domain::collections::TaskRow>, StoreError>;
    /// Open tasks assigned to the user or to `pool` (their role, when it is a pool; the
    /// tab bar's count).
    async fn open_task_count(&self, user_id: i64, pool: Option<Role>) -> Result<i64, StoreError>;
    async fn create_task(
        &self,
        t: &crate::domain::collections::NewTask,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    async fn reassign_task(
        &self,
        id: i64,
        to: crate::domain::collections::Assignee,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Closes an open task (done or cancelled) with a note; a closed task is `Conflict`.
    async fn close_task(
        &self,
        id: i64,
        status: crate::domain::collections::TaskStatus,
        note: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Closes the task as escalated and opens a legal task for the credit managers on the
    /// same customer; returns the legal task's id.
    async fn escalate_task(
        &self,
        id: i64,
        note: &str,
        today: NaiveDate,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
}

/// What reps record on a customer (contacts, promises, disputes, importance) and the
/// promises settling.
#[async_trait]
pub trait CollectionStore: Send + Sync {
    async fn apply_op(
        &self,
        op: &crate::domain::collections::Op,
        user: &User,
        today: NaiveDate,
        grace_days: i64,
        now: DateTime<Utc>,
    ) -> Result<crate::domain::collections::OpOutcome, StoreError>;
    /// How much a customer matters to the dealer (a factor of the tasks' score); audited.
    async fn set_importance(
        &self,
        customer_id: i64,
        importance: crate::domain::collections::Importance,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn resolve_dispute(
        &self,
        id: i64,
        resolution: &str,
        on: NaiveDate,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Pending promises with ids above `after_id`, by id.
    async fn pending_promises(
        &self,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<crate::domain::collections::PendingPromise>, StoreError>;
    async fn settle_promise(
        &self,
        id: i64,
        state: crate::domain::collections::PromiseState,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// A customer's collection history and the people's activity, for the screens.
#[async_trait]
pub trait CollectionHistoryStore: Send + Sync {
    async fn customer_open_invoices(
        &self,
        customer_id: i64,
        as_of: NaiveDate,
    ) -> Result<Vec<crate::domain::collections::OpenInvoice>, StoreError>;
    async fn promises(
        &self,
        customer_id: i64,
    ) -> Result<Vec<crate::domain::collections::PromiseRow>, StoreError>;
    async fn disputes(
        &self,
        customer_id: i64,
    ) -> Result<Vec<crate::domain::collections::DisputeRow>, StoreError>;
    /// Every contact, reminder, promise, dispute, payment and task of a customer, newest first.
    async fn collection_log(
        &self,
        customer_id: i64,
        limit: i64,
    ) -> Result<Vec<crate::domain::collections::LogEntry>, StoreError>;
    /// Each sales user's activity from `from` through `to`, with their manager: task,
    /// contact and promise counts and the days to collect. The cash and due figures are
    /// the cockpit's (`rep_figures`), filled in by the caller.
    async fn collection_activity(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(User, Option<i64>, crate::domain::collections::Activity)>, StoreError>;
}
