//! Collections: the sales reps' tasks, their priority score, contacts, promises to pay,
//! disputes, and the offline write queue's operations. Pure, so the phone computes the
//! same score and the same promise state as the server.
//!
//! Invariants, and why they hold:
//! - **The priority score is explainable**: `priority` returns every part (factor, its
//!   input, the fraction of its cap reached, the weight, the points), and the score is
//!   exactly the sum of the parts' points. Each fraction lies in [0, 1], so the score lies
//!   in [0, Σ weights]; finance's weights are parsed whole (`TermsDraft` → `Terms`), never
//!   negative, and sum to more than zero.
//! - **A promise is settled once, by dates**: kept on the first day the payments
//!   allocated to its invoices since it was made reach its amount, if that day is at or
//!   before the promise date plus the grace days; broken on the day after that deadline
//!   otherwise. Payments after the deadline do not un-break it (a broken promise has
//!   already raised its rule event). The state at a date never depends on later data.
//! - **A dispute pauses dunning** for its invoices from the day it is opened until the day
//!   it is resolved (exclusive): `dispute_open_on` is the one test, used by the rule scan
//!   (through `InvoiceFacts::disputed`) and by the interest charge.
//! - **Offline writes apply once**: each carries a client id (`ClientId`) generated on the
//!   phone; the server stores it under a unique index and answers a repeat with the first
//!   result. A write for a task closed meanwhile is a `Conflict` unless the rep chose to
//!   keep it on the customer; it is never dropped silently.
//! - Money stays integer minor units here (one currency, the book's); ratios are
//!   `Decimal`, never `f64`.
use super::customer::Grade;
use super::documents::FieldError;
use super::money::Money;
use super::rules::named_enum;
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

mod log;
pub use log::{LogDetail, LogEntry};

/// Settings key of finance's collection terms (weights and grace days).
pub const TERMS_KEY: &str = "collections.terms";
/// How far ahead a promise or a next action may be dated.
pub const MAX_AHEAD_DAYS: i64 = 180;
/// Longest notes and reasons kept.
pub const MAX_TEXT: usize = 2000;

named_enum!(
    /// How a contact was made.
    Channel { Call = "call", Visit = "visit", Message = "message" }
);

named_enum!(
    /// What came of a contact.
    Outcome { Reached = "reached", NoAnswer = "no_answer", Promised = "promised", Disputed = "disputed", Refused = "refused" }
);

named_enum!(
    /// A task's life: open until done (worked, or escalated: a legal task took over) or
    /// cancelled.
    TaskStatus { Open = "open", Done = "done", Cancelled = "cancelled" }
);

named_enum!(
    /// How much a customer matters to the dealer, set on the customer file.
    Importance { Key = "key", Normal = "normal", Low = "low" }
);

named_enum!(
    /// A promise's state.
    PromiseStatus { Pending = "pending", Kept = "kept", Broken = "broken" }
);

named_enum!(
    /// What a dispute is about.
    DisputeCategory { Quality = "quality", Delivery = "delivery", Price = "price", Quantity = "quantity", Other = "other" }
);

named_enum!(
    /// The worklist's quick filters.
    TaskFilter { All = "all", DueToday = "due_today", Overdue = "overdue", Promised = "promised", Disputed = "disputed" }
);

named_enum!(
    /// The parts of the priority score.
    Factor { DaysPastDue = "days_past_due", OpenAmount = "open_amount", Grade = "grade", Importance = "importance", BrokenPromises = "broken_promises" }
);

// ---------------------------------------------------------------------------------
// Finance's terms
// ---------------------------------------------------------------------------------

/// Finance's collection terms: the weight (points at full) of each factor, the caps
/// at which a factor is full, and the grace days a promise gets after its date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub w_days: Decimal,
    pub w_amount: Decimal,
    pub w_grade: Decimal,
    pub w_importance: Decimal,
    pub w_promises: Decimal,
    /// Days past due at which that factor is full.
    pub days_cap: i64,
    /// Overdue amount (minor units) at which that factor is full.
    pub amount_cap_minor: i64,
    /// Broken promises (12 months) at which that factor is full.
    pub promises_cap: i64,
    pub grace_days: i64,
}

impl Default for Terms {
    /// 40 / 25 / 15 / 10 / 10 points: lateness first, then size, then who the customer is.
    fn default() -> Self {
        Terms {
            w_days: Decimal::from(40),
            w_amount: Decimal::from(25),
            w_grade: Decimal::from(15),
            w_importance: Decimal::from(10),
            w_promises: Decimal::from(10),
            days_cap: 90,
            amount_cap_minor: 50_000_000,
            promises_cap: 3,
            grace_days: 3,
        }
    }
}

/// The terms as the settings form sends them: all text, parsed whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsDraft {
    pub w_days: String,
    pub w_amount: String,
    pub w_grade: String,
    pub w_importance: String,
    pub w_promises: String,
    pub days_cap: String,
    pub amount_cap: String,
    pub promises_cap: String,
    pub grace_days: String,
}

impl From<&Terms> for TermsDraft {
    fn from(t: &Terms) -> Self {
        TermsDraft {
            w_days: t.w_days.to_string(),
            w_amount: t.w_amount.to_string(),
            w_grade: t.w_grade.to_string(),
            w_importance: t.w_importance.to_string(),
            w_promises: t.w_promises.to_string(),
            days_cap: t.days_cap.to_string(),
            amount_cap: Money::from_minor(t.amount_cap_minor, super::BOOK_CURRENCY)
                .amount()
                .to_string(),
            promises_cap: t.promises_cap.to_string(),
            grace_days: t.grace_days.to_string(),
        }
    }
}

impl TryFrom<&TermsDraft> for Terms {
    type Error = Vec<FieldError>;

    fn try_from(d: &TermsDraft) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let mut weight = |field: &str, text: &str| -> Decimal {
            match text.trim().parse::<Decimal>() {
                Ok(w) if w >= Decimal::ZERO && w <= Decimal::from(1000) && w.scale() <= 2 => w,
                Ok(_) => {
                    errors.push(FieldError::new(
                        field,
                        format!("'{text}' must be between 0 and 1000 with at most 2 decimals"),
                    ));
                    Decimal::ZERO
                }
                Err(_) => {
                    errors.push(FieldError::new(field, format!("'{text}' is not a number")));
                    Decimal::ZERO
                }
            }
        };
        let (w_days, w_amount, w_grade, w_importance, w_promises) = (
            weight("w_days", &d.w_days),
            weight("w_amount", &d.w_amount),
            weight("w_grade", &d.w_grade),
            weight("w_importance", &d.w_importance),
            weight("w_promises", &d.w_promises),
        );
        let mut whole = |field: &str, text: &str, lo: i64, hi: i64| -> i64 {
            match text.trim().parse::<i64>() {
                Ok(n) if (lo..=hi).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new(
                        field,
                        format!("'{text}' must be a whole number from {lo} to {hi}"),
                    ));
                    lo
                }
            }
        };
        let days_cap = whole("days_cap", &d.days_cap, 1, 3650);
        let promises_cap = whole("promises_cap", &d.promises_cap, 1, 100);
        let grace_days = whole("grace_days", &d.grace_days, 0, 60);
        let amount_cap_minor = match Money::parse(&d.amount_cap, super::BOOK_CURRENCY) {
            Ok(m) if m.minor() > 0 => m.minor(),
            Ok(_) => {
                errors.push(FieldError::new("amount_cap", "must be more than zero"));
                1
            }
            Err(e) => {
                errors.push(FieldError::new("amount_cap", e.to_string()));
                1
            }
        };
        if errors.is_empty()
            && w_days + w_amount + w_grade + w_importance + w_promises == Decimal::ZERO
        {
            errors.push(FieldError::new(
                "w_days",
                "at least one weight must be more than zero",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Terms {
            w_days,
            w_amount,
            w_grade,
            w_importance,
            w_promises,
            days_cap,
            amount_cap_minor,
            promises_cap,
            grace_days,
        })
    }
}

// ---------------------------------------------------------------------------------
// Priority score
// ---------------------------------------------------------------------------------

/// What the score of one task looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityInput {
    /// The oldest open invoice's days past due (0 when none is overdue).
    pub days_past_due: i64,
    pub overdue_minor: i64,
    pub grade: Option<Grade>,
    pub importance: Importance,
    /// Promises broken in the last 12 months.
    pub broken_promises: i64,
}

/// One part of a score: `points = weight × fraction`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorePart {
    pub factor: Factor,
    /// The input as shown next to the part ("45", "120000.00", "C", "key", "2").
    pub input: String,
    /// How much of the factor's cap the input reaches, in [0, 1].
    pub fraction: Decimal,
    pub weight: Decimal,
    pub points: Decimal,
}

/// A task's priority: the score and its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priority {
    pub score: Decimal,
    pub parts: Vec<ScorePart>,
}

fn capped(value: i64, cap: i64) -> Decimal {
    if cap <= 0 {
        return Decimal::ZERO;
    }
    Decimal::from(value.clamp(0, cap)) / Decimal::from(cap)
}

/// The grade's share of its weight: D is the riskiest. An ungraded customer sits in the
/// middle, neither trusted nor condemned.
pub fn grade_fraction(grade: Option<Grade>) -> Decimal {
    match grade {
        Some(Grade::A) => Decimal::ZERO,
        Some(Grade::B) => Decimal::new(1, 0) / Decimal::from(3),
        Some(Grade::C) => Decimal::new(2, 0) / Decimal::from(3),
        Some(Grade::D) => Decimal::ONE,
        None => Decimal::new(5, 1),
    }
}

pub fn importance_fraction(i: Importance) -> Decimal {
    match i {
        Importance::Key => Decimal::ONE,
        Importance::Normal => Decimal::new(5, 1),
        Importance::Low => Decimal::ZERO,
    }
}

/// The score: Σ weight × fraction over the five factors, each part rounded to 0.01
/// (so the parts shown add up to the score shown).
pub fn priority(input: &PriorityInput, t: &Terms) -> Priority {
    let part = |factor: Factor, input: String, fraction: Decimal, weight: Decimal| {
        let points = (weight * fraction).round_dp(2);
        ScorePart {
            factor,
            input,
            fraction: fraction.round_dp(4),
            weight,
            points,
        }
    };
    let parts = vec![
        part(
            Factor::DaysPastDue,
            input.days_past_due.max(0).to_string(),
            capped(input.days_past_due, t.days_cap),
            t.w_days,
        ),
        part(
            Factor::OpenAmount,
            Money::from_minor(input.overdue_minor.max(0), super::BOOK_CURRENCY).display(),
            capped(input.overdue_minor, t.amount_cap_minor),
            t.w_amount,
        ),
        part(
            Factor::Grade,
            input
                .grade
                .map_or("-".to_string(), |g| g.as_str().to_string()),
            grade_fraction(input.grade),
            t.w_grade,
        ),
        part(
            Factor::Importance,
            input.importance.to_string(),
            importance_fraction(input.importance),
            t.w_importance,
        ),
        part(
            Factor::BrokenPromises,
            input.broken_promises.max(0).to_string(),
            capped(input.broken_promises, t.promises_cap),
            t.w_promises,
        ),
    ];
    Priority {
        score: parts.iter().map(|p| p.points).sum(),
        parts,
    }
}

// ---------------------------------------------------------------------------------
// Contacts, promises, disputes
// ---------------------------------------------------------------------------------

/// A contact as the phone sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactDraft {
    pub channel: String,
    pub outcome: String,
    #[serde(default)]
    pub notes: String,
    /// Next action date, `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub next_action_on: String,
}

/// A logged contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub channel: Channel,
    pub outcome: Outcome,
    pub notes: String,
    pub next_action_on: Option<NaiveDate>,
}

fn text(field: &str, s: &str, required: bool, errors: &mut Vec<FieldError>) -> String {
    let s = s.trim();
    if required && s.is_empty() {
        errors.push(FieldError::new(field, "is required"));
    } else if s.chars().count() > MAX_TEXT {
        errors.push(FieldError::new(
            field,
            format!("is longer than {MAX_TEXT} characters"),
        ));
    }
    s.to_string()
}

/// A date from today up to `MAX_AHEAD_DAYS` ahead.
fn ahead(
    field: &str,
    s: &str,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) if d < today => {
            errors.push(FieldError::new(field, format!("{d} is in the past")));
            None
        }
        Ok(d) if d > today + Duration::days(MAX_AHEAD_DAYS) => {
            errors.push(FieldError::new(
                field,
                format!("{d} is more than {MAX_AHEAD_DAYS} days ahead"),
            ));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                format!("'{s}' is not a date (YYYY-MM-DD)"),
            ));
            None
        }
    }
}

impl Contact {
    /// Parses a contact logged on `today` (the business date it was recorded).
    pub fn parse(d: &ContactDraft, today: NaiveDate) -> Result<Contact, Vec<FieldError>> {
        let mut errors = Vec::new();
        let channel = Channel::parse(&d.channel);
        if channel.is_none() {
            errors.push(FieldError::new(
                "channel",
                format!("'{}' is not one of call, visit, message", d.channel),
            ));
        }
        let outcome = Outcome::parse(&d.outcome);
        if outcome.is_none() {
            errors.push(FieldError::new(
                "outcome",
                format!(
                    "'{}' is not one of reached, no_answer, promised, disputed, refused",
                    d.outcome
                ),
            ));
        }
        let notes = text("notes", &d.notes, false, &mut errors);
        let next_action_on = if d.next_action_on.trim().is_empty() {
            None
        } else {
            ahead("next_action_on", &d.next_action_on, today, &mut errors)
        };
        match (channel, outcome) {
            (Some(channel), Some(outcome)) if errors.is_empty() => Ok(Contact {
                channel,
                outcome,
                notes,
                next_action_on,
            }),
            _ => Err(errors),
        }
    }
}

/// One of the customer's open invoices, as a promise or a dispute may name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenInvoice {
    pub id: i64,
    pub number: String,
    pub due_date: NaiveDate,
    pub open_minor: i64,
}

fn invoices_of(ids: &[i64], open: &[OpenInvoice], errors: &mut Vec<FieldError>) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    if ids.is_empty() {
        errors.push(FieldError::new(
            "invoice_ids",
            "choose at least one open invoice",
        ));
    }
    for id in ids {
        if !open.iter().any(|o| o.id == *id) {
            errors.push(FieldError::new(
                "invoice_ids",
                format!("invoice {id} is not an open invoice of this customer"),
            ));
        } else if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

/// A promise to pay as the phone sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromiseDraft {
    pub due_on: String,
    pub amount: String,
    pub invoice_ids: Vec<i64>,
    #[serde(default)]
    pub notes: String,
}

/// A promise to pay `amount` by `due_on` over some open invoices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promise {
    pub made_on: NaiveDate,
    pub due_on: NaiveDate,
    pub amount: Money,
    pub invoice_ids: Vec<i64>,
    pub notes: String,
}

impl Promise {
    /// Parses a promise made on `today` over the customer's `open` invoices: a date from
    /// today on, an amount above zero and at most what those invoices still owe.
    pub fn parse(
        d: &PromiseDraft,
        today: NaiveDate,
        open: &[OpenInvoice],
    ) -> Result<Promise, Vec<FieldError>> {
        let mut errors = Vec::new();
        let due_on = ahead("due_on", &d.due_on, today, &mut errors);
        let invoice_ids = invoices_of(&d.invoice_ids, open, &mut errors);
        let owed: i64 = open
            .iter()
            .filter(|o| invoice_ids.contains(&o.id))
            .map(|o| o.open_minor)
            .sum();
        let amount = match Money::parse(&d.amount, super::BOOK_CURRENCY) {
            Ok(m) if m.minor() <= 0 => {
                errors.push(FieldError::new("amount", "must be more than zero"));
                None
            }
            Ok(m) if !invoice_ids.is_empty() && m.minor() > owed => {
                let owed = Money::from_minor(owed, super::BOOK_CURRENCY).display();
                errors.push(FieldError::new(
                    "amount",
                    format!(
                        "{} is more than the {owed} the chosen invoices owe",
                        m.display()
                    ),
                ));
                None
            }
            Ok(m) => Some(m),
            Err(e) => {
                errors.push(FieldError::new("amount", e.to_string()));
                None
            }
        };
        let notes = text("notes", &d.notes, false, &mut errors);
        match (due_on, amount) {
            (Some(due_on), Some(amount)) if errors.is_empty() => Ok(Promise {
                made_on: today,
                due_on,
                amount,
                invoice_ids,
                notes,
            }),
            _ => Err(errors),
        }
    }

    /// The last day a payment keeps the promise.
    pub fn deadline(&self, grace_days: i64) -> NaiveDate {
        self.due_on + Duration::days(grace_days.max(0))
    }
}

/// A promise's state at a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PromiseState {
    Pending,
    Kept { on: NaiveDate },
    Broken { on: NaiveDate },
}

impl PromiseState {
    pub fn status(self) -> PromiseStatus {
        match self {
            PromiseState::Pending => PromiseStatus::Pending,
            PromiseState::Kept { .. } => PromiseStatus::Kept,
            PromiseState::Broken { .. } => PromiseStatus::Broken,
        }
    }
}

/// Kept or broken at `as_of`, from the payments allocated to the promise's invoices
/// (`(allocation date, minor units)`, any order). Only allocations from the day the
/// promise was made through its deadline count.
pub fn promise_state(
    p: &Promise,
    allocations: &[(NaiveDate, i64)],
    grace_days: i64,
    as_of: NaiveDate,
) -> PromiseState {
    let deadline = p.deadline(grace_days);
    let mut dated: Vec<(NaiveDate, i64)> = allocations
        .iter()
        .copied()
        .filter(|(d, _)| *d >= p.made_on && *d <= deadline && *d <= as_of)
        .collect();
    dated.sort();
    let mut paid = 0i64;
    for (d, m) in dated {
        paid += m;
        if paid >= p.amount.minor() {
            return PromiseState::Kept { on: d };
        }
    }
    if as_of > deadline {
        PromiseState::Broken {
            on: deadline + Duration::days(1),
        }
    } else {
        PromiseState::Pending
    }
}

/// A dispute as the phone sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisputeDraft {
    pub category: String,
    pub reason: String,
    pub invoice_ids: Vec<i64>,
}

/// A dispute over some open invoices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    pub category: DisputeCategory,
    pub reason: String,
    pub invoice_ids: Vec<i64>,
}

impl Dispute {
    pub fn parse(d: &DisputeDraft, open: &[OpenInvoice]) -> Result<Dispute, Vec<FieldError>> {
        let mut errors = Vec::new();
        let category = DisputeCategory::parse(&d.category);
        if category.is_none() {
            errors.push(FieldError::new(
                "category",
                format!(
                    "'{}' is not one of quality, delivery, price, quantity, other",
                    d.category
                ),
            ));
        }
        let reason = text("reason", &d.reason, true, &mut errors);
        let invoice_ids = invoices_of(&d.invoice_ids, open, &mut errors);
        match category {
            Some(category) if errors.is_empty() => Ok(Dispute {
                category,
                reason,
                invoice_ids,
            }),
            _ => Err(errors),
        }
    }
}

/// Whether a dispute opened on `opened_on` (and resolved on `resolved_on`, if it was)
/// pauses dunning on `on`: from the opening day until the day before resolution.
pub fn dispute_open_on(
    opened_on: NaiveDate,
    resolved_on: Option<NaiveDate>,
    on: NaiveDate,
) -> bool {
    opened_on <= on && resolved_on.is_none_or(|r| on < r)
}

// ---------------------------------------------------------------------------------
// Offline operations
// ---------------------------------------------------------------------------------

/// An id the phone generates for one write, so a replay is recognised: 8 to 64 of
/// a-z, A-Z, 0-9 and '-'.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(s: &str) -> Result<ClientId, FieldError> {
        let ok =
            (8..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if ok {
            Ok(ClientId(s.to_string()))
        } else {
            Err(FieldError::new(
                "client_id",
                format!("'{s}' is not 8 to 64 letters, digits or '-'"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        ClientId::parse(&s).map_err(|e| e.message)
    }
}

impl From<ClientId> for String {
    fn from(c: ClientId) -> String {
        c.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What one queued write does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "draft", rename_all = "snake_case")]
pub enum OpBody {
    Contact(ContactDraft),
    Promise(PromiseDraft),
    Dispute(DisputeDraft),
}

impl OpBody {
    pub fn kind(&self) -> &'static str {
        match self {
            OpBody::Contact(_) => "contact",
            OpBody::Promise(_) => "promise",
            OpBody::Dispute(_) => "dispute",
        }
    }
}

/// One write from the phone's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Op {
    pub client_id: ClientId,
    pub task_id: i64,
    pub body: OpBody,
    /// The rep saw the conflict and chose to keep the write on the customer's log
    /// although its task is closed.
    #[serde(default)]
    pub keep_if_closed: bool,
}

/// The server's answer to one queued write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpOutcome {
    /// Written now; the id of the contact, promise or dispute.
    Applied { id: i64 },
    /// This client id was written before: the first write's id, nothing written now.
    Replayed { id: i64 },
    /// The task was closed meanwhile: nothing written; the rep keeps it on the customer
    /// or discards it.
    Conflict { status: TaskStatus },
    /// Refused: every problem named.
    Invalid(Vec<FieldError>),
}

/// Whether a write may go to a task in `status`.
pub fn admit(status: TaskStatus, keep_if_closed: bool) -> Result<(), OpOutcome> {
    if status == TaskStatus::Open || keep_if_closed {
        Ok(())
    } else {
        Err(OpOutcome::Conflict { status })
    }
}

// ---------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------

/// Who works a task: a person, or anyone of a role (the pool).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Assignee {
    User(i64),
    Role(super::auth::Role),
}

impl Assignee {
    /// `user:ID` or `role:NAME`, as the forms send it. Only a role that sees every
    /// customer is a pool (`Role::sees_all_customers`): `role:sales_rep` is not an
    /// assignee.
    pub fn parse(s: &str) -> Option<Assignee> {
        let (kind, value) = s.trim().split_once(':')?;
        match kind {
            "user" => value.parse().ok().map(Assignee::User),
            "role" => super::auth::Role::parse(value)
                .ok()
                .filter(|r| r.sees_all_customers())
                .map(Assignee::Role),
            _ => None,
        }
    }

    pub fn key(&self) -> String {
        match self {
            Assignee::User(id) => format!("user:{id}"),
            Assignee::Role(r) => format!("role:{}", r.as_str()),
        }
    }
}

/// A task made by hand (a manager, finance, or a rep for themself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDraft {
    pub customer_id: i64,
    pub kind: String,
    pub label: String,
    pub due_on: String,
    /// `user:ID`, `role:NAME`, or empty for the customer's rep.
    #[serde(default)]
    pub assignee: String,
    #[serde(default)]
    pub note: String,
}

/// A parsed manual task; `assignee` None means the customer's rep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTask {
    pub customer_id: i64,
    pub kind: super::rules::TaskKind,
    pub label: super::rules::Priority,
    pub due_on: NaiveDate,
    pub assignee: Option<Assignee>,
    pub note: String,
}

impl NewTask {
    pub fn parse(d: &TaskDraft, today: NaiveDate) -> Result<NewTask, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = super::rules::TaskKind::parse(&d.kind);
        if kind.is_none() {
            errors.push(FieldError::new(
                "kind",
                format!("'{}' is not one of call, visit, advanced, legal", d.kind),
            ));
        }
        let label = super::rules::Priority::parse(&d.label);
        if label.is_none() {
            errors.push(FieldError::new(
                "label",
                format!("'{}' is not one of low, normal, high, urgent", d.label),
            ));
        }
        let due_on = ahead("due_on", &d.due_on, today, &mut errors);
        let assignee = if d.assignee.trim().is_empty() {
            None
        } else {
            let a = Assignee::parse(&d.assignee);
            if a.is_none() {
                errors.push(FieldError::new(
                    "assignee",
                    format!(
                        "'{}' is not user:ID or role:NAME of a role that sees every customer",
                        d.assignee
                    ),
                ));
            }
            a
        };
        let note = text("note", &d.note, false, &mut errors);
        match (kind, label, due_on) {
            (Some(kind), Some(label), Some(due_on)) if errors.is_empty() => Ok(NewTask {
                customer_id: d.customer_id,
                kind,
                label,
                due_on,
                assignee,
                note,
            }),
            _ => Err(errors),
        }
    }
}

/// A promise as the task page and the dossier list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseRow {
    pub id: i64,
    pub made_on: NaiveDate,
    pub due_on: NaiveDate,
    pub grace_days: i64,
    pub amount: Money,
    pub invoices: Vec<String>,
    pub status: PromiseStatus,
    pub settled_on: Option<NaiveDate>,
    pub by: String,
}

/// A dispute as the task page and the dossier list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeRow {
    pub id: i64,
    pub category: DisputeCategory,
    pub reason: String,
    pub invoices: Vec<String>,
    pub opened_on: NaiveDate,
    pub resolved_on: Option<NaiveDate>,
    pub resolution: Option<String>,
    pub by: String,
}

/// A pending promise with what the promise check needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPromise {
    pub id: i64,
    pub customer_id: i64,
    pub first_invoice: Option<i64>,
    pub promise: Promise,
    pub grace_days: i64,
    /// Allocations to the promise's invoices dated from the day it was made.
    pub allocations: Vec<(NaiveDate, i64)>,
}

// ---------------------------------------------------------------------------------
// Rows the pages show
// ---------------------------------------------------------------------------------

/// One task on a worklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRow {
    pub id: i64,
    pub customer_id: i64,
    pub customer_code: String,
    pub customer_name: String,
    pub kind: super::rules::TaskKind,
    pub label: super::rules::Priority,
    pub status: TaskStatus,
    pub due_on: NaiveDate,
    pub assignee: Option<Assignee>,
    /// The person's name, or the role's key for a pool.
    pub assignee_name: String,
    pub invoice_number: Option<String>,
    pub note: String,
    pub closed_note: Option<String>,
    pub input: PriorityInput,
    pub priority: Priority,
    pub pending_promise: bool,
    pub open_dispute: bool,
}

/// Whether a row passes a filter on `today`.
pub fn passes(row: &TaskRow, filter: TaskFilter, today: NaiveDate) -> bool {
    match filter {
        TaskFilter::All => true,
        TaskFilter::DueToday => row.due_on == today,
        TaskFilter::Overdue => row.due_on < today,
        TaskFilter::Promised => row.pending_promise,
        TaskFilter::Disputed => row.open_dispute,
    }
}

/// Highest score first; ties by the earlier due date, then the task id.
pub fn sort_worklist(rows: &mut [TaskRow]) {
    rows.sort_by(|a, b| {
        b.priority
            .score
            .cmp(&a.priority.score)
            .then(a.due_on.cmp(&b.due_on))
            .then(a.id.cmp(&b.id))
    });
}

// ---------------------------------------------------------------------------------
// Performance of people
// ---------------------------------------------------------------------------------

/// What one rep (or a team, summed) did in a period: counts and sums only, so teams
/// add up and every rate is derived once, from sums.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub tasks_done: i64,
    pub contacts: i64,
    pub promises_made: i64,
    pub promises_kept: i64,
    pub promises_broken: i64,
    /// Cash received from the rep's customers in the period (the cockpit's figure).
    pub collected_minor: i64,
    /// Overdue at the period's start + falling due in it (the cockpit's figure).
    pub due_minor: i64,
    /// Σ days from invoice date to payment × amount, over the payments allocated in the
    /// period, and Σ amount: the average days to collect.
    pub day_weighted_minor: i128,
    pub day_base_minor: i64,
}

impl Activity {
    pub fn add(&mut self, o: &Activity) {
        self.tasks_done += o.tasks_done;
        self.contacts += o.contacts;
        self.promises_made += o.promises_made;
        self.promises_kept += o.promises_kept;
        self.promises_broken += o.promises_broken;
        self.collected_minor += o.collected_minor;
        self.due_minor += o.due_minor;
        self.day_weighted_minor += o.day_weighted_minor;
        self.day_base_minor += o.day_base_minor;
    }

    /// Kept ÷ settled promises, in percent (none settled: none).
    pub fn kept_rate_pct(&self) -> Option<Decimal> {
        let settled = self.promises_kept + self.promises_broken;
        (settled > 0)
            .then(|| (Decimal::from(self.promises_kept * 100) / Decimal::from(settled)).round_dp(1))
    }

    /// Collected ÷ due, in percent.
    pub fn collection_rate_pct(&self) -> Option<Decimal> {
        (self.due_minor > 0).then(|| {
            (Decimal::from(self.collected_minor) * Decimal::from(100)
                / Decimal::from(self.due_minor))
            .round_dp(1)
        })
    }

    /// Amount-weighted average days from invoice to payment.
    pub fn avg_days_to_collect(&self) -> Option<Decimal> {
        (self.day_base_minor > 0).then(|| {
            (Decimal::from_i128_with_scale(self.day_weighted_minor, 0)
                / Decimal::from(self.day_base_minor))
            .round_dp(1)
        })
    }
}

/// A person's (or team's) line in the ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    pub id: i64,
    /// The person's (a team's manager's) username: the invoice list filters by it.
    pub username: String,
    pub name: String,
    pub activity: Activity,
}

/// Ranks by collection rate, then amount collected, then name: who turns due money
/// into cash best comes first; nobody with nothing due outranks someone with a rate.
pub fn rank(rows: &mut [Ranked]) {
    rows.sort_by(|a, b| {
        let ra = a.activity.collection_rate_pct();
        let rb = b.activity.collection_rate_pct();
        rb.cmp(&ra)
            .then(b.activity.collected_minor.cmp(&a.activity.collected_minor))
            .then(a.name.cmp(&b.name))
    });
}

#[cfg(test)]
mod tests;
