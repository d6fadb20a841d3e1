//! The rule engine's port (implemented in `server/src/store/rules/`): rules, their runs,
//! firings, domain events and the outbox of messages.
use super::*;

/// Rules and the facts they read. Invariants of the rule ports, on top of the `Store`'s:
/// - a run is claimed by inserting its unique (rule, date) row; only the holder of a
///   fresh lease writes, and every write renews the lease under the writers' lock;
/// - a firing is inserted under its unique dedupe key, and only the transaction whose
///   insert created it applies the actions and queues the messages, in that same
///   transaction (the transactional outbox);
/// - an outbox message is claimed by one worker at a time and ends `sent` or `dead`;
///   every attempt is in its delivery log.
#[async_trait]
pub trait RuleStore: Send + Sync {
    /// The rules not archived, oldest first. A stored spec that no longer parses is an
    /// error naming the rule.
    async fn rules(&self) -> Result<Vec<StoredRule>, StoreError>;
    /// Inserts (id None) or replaces a rule's spec, audited. The draft must parse.
    async fn save_rule(
        &self,
        id: Option<i64>,
        draft: &crate::domain::rules::RuleDraft,
        created_on: NaiveDate,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    async fn archive_rule(
        &self,
        id: i64,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Installs the shipped rule set, once per database (a setting remembers it, so
    /// rules finance archived do not come back).
    async fn install_default_rules(
        &self,
        drafts: &[crate::domain::rules::RuleDraft],
        on: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError>;
    /// Every customer (or one) as rules see it at `as_of`, by id, with its overdue count
    /// in 12 months; open and overdue amounts are left 0 (the scan adds them up from
    /// `rule_invoices`).
    async fn rule_customers(
        &self,
        as_of: NaiveDate,
        only: Option<i64>,
    ) -> Result<Vec<crate::domain::rules::CustomerFacts>, StoreError>;
    /// The invoices open at `as_of` of the customers with ids in (`after_customer`,
    /// `upto_customer`], by id.
    async fn rule_invoices(
        &self,
        as_of: NaiveDate,
        after_customer: i64,
        upto_customer: i64,
    ) -> Result<Vec<crate::domain::rules::InvoiceFacts>, StoreError>;
}

/// Rule runs: leases on (rule, date), pages of firings applied once, and the domain
/// events those firings handle.
#[async_trait]
pub trait RuleRunStore: Send + Sync {
    /// Each rule's latest run date (finished or not).
    async fn last_rule_runs(&self) -> Result<HashMap<i64, NaiveDate>, StoreError>;
    async fn claim_rule_run(
        &self,
        rule_id: i64,
        run_date: NaiveDate,
        source: &str,
        owner: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<RunClaim, StoreError>;
    /// Inserts the firings not seen before and applies their actions, records each
    /// run's progress and marks the `handled` domain events handled, in one transaction
    /// (renewing every lease first; none for event firings). Events the actions raise
    /// carry the firing's rule as their cause. Returns how many firings were new and how
    /// many actions could not be done (a customer without an email address).
    async fn apply_firings(
        &self,
        leases: &[(RuleLease, RunProgress)],
        plans: &[FiringPlan],
        handled: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Applied, StoreError>;
    /// Up to `limit` unhandled domain events with ids above `after`, oldest first.
    async fn pending_events(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<crate::domain::events::RecordedEvent>, StoreError>;
    async fn finish_rule_run(
        &self,
        lease: &RuleLease,
        now: DateTime<Utc>,
    ) -> Result<RuleRun, StoreError>;
}

/// What rules did, for the screens.
#[async_trait]
pub trait RuleHistoryStore: Send + Sync {
    async fn rule_runs(&self, limit: i64) -> Result<Vec<RuleRun>, StoreError>;
    async fn rule_run(&self, id: i64) -> Result<Option<RuleRun>, StoreError>;
    /// A run's firings with their outbox messages and delivery logs.
    async fn run_firings(&self, run_id: i64, limit: i64) -> Result<Vec<FiringView>, StoreError>;
    /// A customer's dunning level and the fees and interest charged.
    async fn dunning_charges(&self, customer_id: i64) -> Result<DunningSummary, StoreError>;
}

/// Messages queued by firings, delivered by the outbox worker.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    async fn claim_outbox(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError>;
    /// Records one attempt: sent, failed (retry at `retry_at`) or dead.
    async fn record_delivery(
        &self,
        id: i64,
        owner: &str,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// A run claim's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunClaim {
    /// This caller runs it (resuming after `cursor` when taken over).
    Lease(RuleLease),
    /// Already done: its counts.
    Finished(RuleRun),
    /// Another worker holds a fresh lease.
    Busy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleLease {
    pub run_id: i64,
    pub owner: String,
    /// The last target id already written (0 for none).
    pub cursor: i64,
}

/// Where a page of evaluation got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunProgress {
    pub cursor: i64,
    pub evaluated: i64,
}

/// A firing with what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiringPlan {
    pub firing: crate::domain::rules::Firing,
    /// The run it belongs to (None for an event firing).
    pub run_id: Option<i64>,
    pub rule_name: String,
    pub actions: Vec<crate::domain::rules::Action>,
    pub as_of: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Applied {
    pub new: i64,
    pub failures: i64,
}

/// An attempt's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent(String),
    Failed {
        reason: String,
        retry_at: DateTime<Utc>,
    },
    Dead(String),
}
