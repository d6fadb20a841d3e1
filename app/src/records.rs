//! Records the store returns that also cross the wire to the browser (server-function
//! results), so they compile on both sides; `crate::store` re-exports them.
//!
//! Invariant: plain data, no behaviour beyond construction; money is `Money`.
use crate::domain::money::Money;
use chrono::{DateTime, NaiveDate, Utc};

/// What a posted payment settled.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PostedPayment {
    pub id: i64,
    pub reference: String,
    /// (invoice number, amount)
    pub allocations: Vec<(String, Money)>,
    pub unallocated: Money,
}

/// A posted credit-side document that can be undone by a reversing entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Reversible {
    Payment(String),
    CreditNote(String),
    /// A write-off, by the invoice number it closed.
    WriteOff(String),
}

/// One audit row to append (the store adds time, actor and the hash chain).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    pub entity: String,
    pub entity_key: String,
    pub action: String,
    /// JSON, or None for a creation.
    pub before: Option<String>,
    /// JSON, or None for a deletion.
    pub after: Option<String>,
}

impl AuditEntry {
    pub fn new(entity: &str, key: impl Into<String>, action: &str) -> Self {
        AuditEntry {
            entity: entity.into(),
            entity_key: key.into(),
            action: action.into(),
            before: None,
            after: None,
        }
    }
}

/// An audit row as read back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub entry: AuditEntry,
    pub hash: String,
}

/// A payment with what it settled, as the customer page shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaymentLine {
    pub reference: String,
    pub received_on: NaiveDate,
    pub amount: Money,
    /// Net (invoice number, amount) after any reversal.
    pub allocations: Vec<(String, Money)>,
    pub unallocated: Money,
    pub reversed: bool,
}

/// One dated ledger event of a customer, for its timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimelineEvent {
    pub on: NaiveDate,
    /// `invoice`, `payment`, `credit_note`, `write_off`, `order`, `reversal`.
    pub kind: String,
    pub reference: String,
    pub amount: Money,
}

/// A credit application as the board, the detail page and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApplicationView {
    pub id: i64,
    pub customer_id: i64,
    pub customer_code: String,
    pub customer_name: String,
    pub kind: crate::domain::approval::RequestKind,
    pub amount: Money,
    pub expires_on: Option<NaiveDate>,
    pub terms_days: Option<u32>,
    pub reason: String,
    pub applicant_id: i64,
    pub applicant_name: String,
    pub chain_name: String,
    /// The chain as snapshotted at submission.
    pub steps: Vec<crate::domain::approval::SnapStep>,
    /// The facts routing read at submission (amount, current limit, grade, status, region).
    pub facts: crate::domain::approval::Facts,
    pub status: crate::domain::approval::Status,
    pub round: i64,
    pub current_step: u32,
    pub step_started_at: DateTime<Utc>,
    pub reminded: bool,
    pub escalated: bool,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// One entry of an application's trail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApplicationEvent {
    pub id: i64,
    pub round: i64,
    pub step: u32,
    /// `submit`, `approve`, `reject`, `return`, `reminder` or `escalation`.
    pub kind: String,
    pub actor: Option<String>,
    /// The absent approver a delegate acted for.
    pub on_behalf_of: Option<String>,
    pub comment: String,
    pub at: DateTime<Utc>,
}

// ---- credit scoring (server/src/store/scoring.rs)

/// A scoring model version. Version 0 is the built-in default model, never stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModelVersion {
    pub version: i64,
    pub note: String,
    pub created_by: String,
    /// None for the built-in default.
    pub created_at: Option<DateTime<Utc>>,
    pub model: crate::domain::scoring::ScoringModel,
}

/// A customer's stored score: the scorecard with its per-indicator lines, the model
/// version that made it, and the sales the suggested limit is a share of.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredScore {
    pub customer_id: i64,
    pub model_version: i64,
    pub as_of: NaiveDate,
    pub card: crate::domain::scoring::Scorecard,
    pub sales_12m: Money,
    pub scored_at: DateTime<Utc>,
    pub run_id: i64,
}

/// One point of a customer's score history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScorePoint {
    pub as_of: NaiveDate,
    pub score: rust_decimal::Decimal,
    pub grade: crate::domain::customer::Grade,
    pub model_version: i64,
}

/// A scoring run: its key (`monthly:2026-11`, `manual:<uuid>`), customers scored and
/// grades changed so far, and when it finished.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScoringRun {
    pub id: i64,
    pub run_key: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub customers: i64,
    pub changed: i64,
}

// ---- the rule engine

/// A rule as stored: its id, the draft finance edits, and the parsed rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredRule {
    pub id: i64,
    pub draft: crate::domain::rules::RuleDraft,
    pub rule: crate::domain::rules::Rule,
    pub created_on: NaiveDate,
    pub updated_at: DateTime<Utc>,
}

/// One rule run: when, how long, how much, and what became of its messages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuleRun {
    pub id: i64,
    pub rule_id: i64,
    pub rule_name: String,
    pub run_date: NaiveDate,
    pub source: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub evaluated: i64,
    pub firings: i64,
    pub failures: i64,
    pub messages_sent: i64,
    pub messages_pending: i64,
    pub messages_dead: i64,
}

/// A queued message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub firing_id: Option<i64>,
    /// `email` or `webhook`.
    pub channel: String,
    /// The address, or the webhook's key.
    pub destination: String,
    /// JSON of `notify::Email` or `notify::WebhookMessage`.
    pub payload: String,
    /// `pending`, `sent` or `dead`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeliveryAttempt {
    pub attempt: i64,
    pub at: DateTime<Utc>,
    pub outcome: String,
    pub detail: String,
}

/// A firing as the run history shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FiringView {
    pub id: i64,
    pub dedupe_key: String,
    pub as_of: NaiveDate,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub invoice_number: Option<String>,
    pub overdue: crate::domain::money::Money,
    /// What the firing did, one line per action.
    pub actions: Vec<String>,
    pub messages: Vec<(OutboxMessage, Vec<DeliveryAttempt>)>,
}

/// A customer's dunning state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DunningSummary {
    pub level: crate::domain::rules::DunningLevel,
    pub fees: crate::domain::money::Money,
    pub interest: crate::domain::money::Money,
}

/// A bill as it stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BillRecord {
    pub id: i64,
    pub number: String,
    pub customer_id: i64,
    pub customer_code: crate::domain::customer::CustomerCode,
    pub kind: crate::domain::bills::BillKind,
    pub medium: crate::domain::bills::Medium,
    pub acceptor: String,
    pub face: Money,
    pub issued_on: NaiveDate,
    pub received_on: NaiveDate,
    pub matures_on: NaiveDate,
    pub state: crate::domain::bills::lifecycle::BillState,
    /// The receipt's date, or the last step's.
    pub last_on: NaiveDate,
    /// How many lifecycle steps it has taken (the next is numbered `steps + 1`).
    pub steps: i64,
}
