//! The persistence port. `server/src/store/` implements it for SQLite and PostgreSQL;
//! server functions and endpoints only ever see `Arc<dyn Store>`.
//!
//! Invariants every implementation keeps:
//! - money is stored as integer minor units plus a currency code;
//! - posted ledger rows (invoices, orders, payments, credit notes, write-offs,
//!   reversals, allocations) are inserted, never updated; corrections are new rows;
//! - every write runs in one transaction that also updates the derived balances
//!   (`customer_balances`, `invoice_balances`) and appends its hash-chained audit rows,
//!   so a crash leaves either all of it or none of it;
//! - reads that take a `Scope` never return rows outside it;
//! - reads that take `as_of` ignore documents dated after it (point in time);
//! - driver errors are mapped to `StoreError` here, so SQL never reaches a caller.
use crate::domain::aging::OpenItem;
use crate::domain::alerts::{Alert, AlertEpisode};
use crate::domain::approval::{Action, Delegation};
use crate::domain::auth::{Role, Scope, User};
use crate::domain::credit::{CreditCheck, CreditPolicy, CreditPosition, Exposure};
use crate::domain::customer::{CustomerFile, CustomerRow, CustomerStatus, Grade, NewCustomer};
use crate::domain::dashboard::{DayFigures, Figures, OverdueCustomers, Slice};
use crate::domain::documents::CustomerPatch;
use crate::domain::inbox::InboxItem;
use crate::domain::invoice::{InvoiceLine, InvoiceRow, InvoiceSort, InvoiceStatus};
use crate::domain::money::Money;
use crate::domain::report::{
    AttributeChange, MovementFigures, ReportTemplate, SavedTemplate, TemplateCustomer,
};
pub use crate::records::*;
use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or state conflict, with a message fit for the user.
    #[error("{0}")]
    Conflict(String),
    /// The document is well-formed but the ledger refuses it (unknown invoice,
    /// over-allocation, write-off above tolerance…); names the field.
    #[error("{0}")]
    Rejected(crate::domain::documents::FieldError),
    /// Anything else (connection, driver, corrupt row). Logged, never shown.
    #[error("storage error: {0}")]
    Other(String),
}

/// A user row with its password hash, for login only.
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
}

pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

/// An invoice as posted (the ledger's debit side).
#[derive(Debug, Clone)]
pub struct NewInvoice {
    pub number: String,
    pub customer_id: i64,
    pub order_ref: Option<String>,
    pub invoice_date: NaiveDate,
    pub ship_date: Option<NaiveDate>,
    pub acceptance_date: Option<NaiveDate>,
    pub due_date: NaiveDate,
    pub amount: Money,
}

/// How a payment is spread: FIFO over the customer's open invoices at posting time,
/// or exactly the given (invoice number, amount) lines. The rest stays a credit.
#[derive(Debug, Clone)]
pub enum PaymentAllocation {
    Fifo,
    Manual(Vec<(String, Money)>),
}

/// A payment received.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub reference: String,
    pub customer_id: i64,
    pub received_on: NaiveDate,
    pub amount: Money,
    pub allocation: PaymentAllocation,
}

#[derive(Debug, Clone)]
pub struct NewOrder {
    pub number: String,
    pub customer_id: i64,
    pub ordered_on: NaiveDate,
    pub amount: Money,
}

#[derive(Debug, Clone)]
pub struct NewCreditNote {
    pub number: String,
    pub customer_id: i64,
    pub issued_on: NaiveDate,
    pub amount: Money,
    /// Reduce this invoice (of the same customer); None: an unallocated credit.
    pub invoice_number: Option<String>,
    pub reason: String,
}

/// Closes an invoice's last open amount when it is at most `tolerance`.
#[derive(Debug, Clone)]
pub struct NewWriteOff {
    pub invoice_number: String,
    pub written_on: NaiveDate,
    pub tolerance: Money,
    pub reason: String,
}

/// What resolving a customer code needs to turn a draft into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRef {
    pub id: i64,
    pub currency: crate::domain::money::Currency,
    pub payment_terms_days: u16,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditQuery {
    pub entity: Option<String>,
    pub entity_key: Option<String>,
    pub actor: Option<String>,
    /// Rows with id < before (paging backwards from the newest).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// The result of walking the whole hash chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditVerification {
    pub rows: u64,
    /// The first row whose stored hash does not match its content and predecessor.
    pub first_broken: Option<i64>,
}

/// A stored response to an idempotent POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

/// What an idempotent write recorded, handed to its claim's `respond` inside the
/// write's transaction.
pub enum Written<'a> {
    Customer(&'a CustomerFile),
    Invoices(&'a [NewInvoice]),
    Order(&'a NewOrder, &'a CreditCheck),
    Payments(&'a [PostedPayment]),
    CreditNote(&'a NewCreditNote),
}

/// Renders the response (status, body) for what was written; `None` refuses the write.
pub type Respond = dyn Fn(Written<'_>) -> Option<(u16, String)> + Send + Sync;

/// An `Idempotency-Key` whose response must commit with the write it answers: if the
/// write commits, so does its response, and a retry after a crash replays it instead
/// of colliding with the write's own document number.
pub struct Claim {
    pub api_key_id: i64,
    pub key: String,
    pub request_hash: String,
    pub respond: Box<Respond>,
    saved: std::sync::Mutex<Option<StoredResponse>>,
}

impl Claim {
    pub fn new(
        api_key_id: i64,
        key: String,
        request_hash: String,
        respond: impl Fn(Written<'_>) -> Option<(u16, String)> + Send + Sync + 'static,
    ) -> Self {
        Claim {
            api_key_id,
            key,
            request_hash,
            respond: Box::new(respond),
            saved: std::sync::Mutex::new(None),
        }
    }

    /// The response a committed write saved under this claim, if one did.
    pub fn saved(&self) -> Option<StoredResponse> {
        self.saved.lock().ok().and_then(|s| s.clone())
    }

    /// Called by a store once the write that saved `response` has committed.
    pub fn committed(&self, response: StoredResponse) {
        if let Ok(mut s) = self.saved.lock() {
            *s = Some(response);
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CustomerQuery {
    /// Matches code, name or USCC, case-insensitively.
    pub search: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Filters, order and page of the invoice list. Date ranges are inclusive; the caller
/// turns buckets and "days overdue" into them with `aging::dates_aged`.
#[derive(Debug, Clone, Default)]
pub struct InvoiceQuery {
    pub as_of: NaiveDate,
    pub status: InvoiceStatus,
    pub customer_id: Option<i64>,
    /// Only customers of this sales rep (user id).
    pub rep_id: Option<i64>,
    pub region: Option<String>,
    /// A grade letter, or `-` for ungraded customers.
    pub grade: Option<String>,
    pub due_between: (Option<NaiveDate>, Option<NaiveDate>),
    pub invoiced_between: (Option<NaiveDate>, Option<NaiveDate>),
    pub sort: InvoiceSort,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

/// An API key record (the secret is only ever stored hashed).
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// May call the admin endpoints (`POST /api/v1/rule-runs`).
    pub admin: bool,
}

#[async_trait]
pub trait Store: RuleStore + CollectionStore + Send + Sync + 'static {
    // --- users and sessions
    async fn create_user(&self, user: NewUser, now: DateTime<Utc>) -> Result<i64, StoreError>;
    async fn user_credentials(&self, username: &str)
        -> Result<Option<UserCredentials>, StoreError>;
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The session's user, if the session exists and has not expired at `now`.
    async fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError>;
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
    async fn create_api_key(
        &self,
        name: &str,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    async fn api_key(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError>;
    /// Lets a key call the admin endpoints.
    async fn grant_api_key_admin(&self, id: i64) -> Result<(), StoreError>;
    async fn users_by_role(&self, role: Role) -> Result<Vec<User>, StoreError>;
    async fn user_id_by_username(&self, username: &str) -> Result<Option<i64>, StoreError>;

    // --- audit (hash-chained; ledger writes append their own rows in their transaction)
    async fn audit(
        &self,
        at: DateTime<Utc>,
        actor: &str,
        entry: AuditEntry,
    ) -> Result<(), StoreError>;
    async fn audit_trail(&self, q: &AuditQuery) -> Result<Vec<AuditRow>, StoreError>;
    async fn verify_audit(&self) -> Result<AuditVerification, StoreError>;

    // --- API idempotency
    async fn stored_response(
        &self,
        api_key_id: i64,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError>;
    /// Saves the first response for a key; false when one was already saved.
    async fn store_response(
        &self,
        api_key_id: i64,
        key: &str,
        response: &StoredResponse,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// The same store, except that its document writes (customers, invoices, orders,
    /// payments, credit notes) also save `claim`'s response in their transaction; a
    /// key already saved refuses the write with `Conflict`.
    fn claiming(&self, claim: std::sync::Arc<Claim>) -> std::sync::Arc<dyn Store>;

    // --- settings (JSON values; finance edits them)
    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn set_setting(
        &self,
        key: &str,
        value: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    // --- portfolio alert history and the in-app inbox
    /// Records one whole-book evaluation at `as_of`: opens an episode (and notifies each
    /// of `recipients` once) for every alert not already open, and closes open episodes
    /// whose kind no longer trips. Returns the number of episodes opened.
    async fn record_alerts(
        &self,
        as_of: NaiveDate,
        alerts: &[Alert],
        recipients: &[i64],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError>;
    /// Newest first.
    async fn alert_history(&self, limit: i64) -> Result<Vec<AlertEpisode>, StoreError>;
    /// The user's own items, newest first.
    async fn inbox(&self, user_id: i64, limit: i64) -> Result<Vec<InboxItem>, StoreError>;
    async fn unread_count(&self, user_id: i64) -> Result<i64, StoreError>;
    /// Marks one of the user's items read, or all of them; returns how many changed.
    async fn mark_read(
        &self,
        user_id: i64,
        id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    // --- customers
    async fn insert_customers(
        &self,
        customers: &[NewCustomer],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, StoreError>;
    async fn update_customer(
        &self,
        id: i64,
        patch: &CustomerPatch,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<CustomerFile, StoreError>;
    async fn count_customers(&self) -> Result<i64, StoreError>;
    async fn customer_id_by_code(&self, code: &str) -> Result<Option<i64>, StoreError>;
    /// The distinct customer regions, sorted.
    async fn regions(&self) -> Result<Vec<String>, StoreError>;
    /// The known customers among `codes`, by code.
    async fn customers_by_code(
        &self,
        codes: &[String],
    ) -> Result<HashMap<String, CustomerRef>, StoreError>;
    async fn list_customers(
        &self,
        q: &CustomerQuery,
        scope: Scope,
        as_of: NaiveDate,
    ) -> Result<Vec<CustomerRow>, StoreError>;
    async fn customer_file(
        &self,
        id: i64,
        scope: Scope,
    ) -> Result<Option<CustomerFile>, StoreError>;

    // --- ledger writes: one transaction each, balances and audit rows included
    async fn insert_invoices(
        &self,
        invoices: &[NewInvoice],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, StoreError>;
    async fn insert_payments(
        &self,
        payments: &[NewPayment],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<PostedPayment>, StoreError>;
    /// Checks credit against the maintained exposure and records the order with the
    /// decision, in one transaction; only an approved order adds to exposure.
    async fn post_order(
        &self,
        order: &NewOrder,
        policy: CreditPolicy,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(i64, CreditCheck), StoreError>;
    async fn cancel_order(
        &self,
        number: &str,
        on: NaiveDate,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn insert_credit_note(
        &self,
        note: &NewCreditNote,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    async fn write_off(
        &self,
        w: &NewWriteOff,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Money, StoreError>;
    async fn reverse(
        &self,
        doc: &Reversible,
        on: NaiveDate,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    // --- ledger reads
    /// The credit check's inputs: the maintained balances (a point lookup) with the
    /// limit and days overdue taken at `as_of`.
    async fn credit_position(
        &self,
        customer_id: i64,
        as_of: NaiveDate,
    ) -> Result<CreditPosition, StoreError>;
    /// Exposure recomputed from the entries alone, ignoring the maintained balances.
    async fn recomputed_exposure(&self, customer_id: i64) -> Result<Exposure, StoreError>;
    /// Every invoice dated ≤ as_of with its open amount at as_of, within scope.
    async fn open_items(&self, scope: Scope, as_of: NaiveDate)
        -> Result<Vec<OpenItem>, StoreError>;
    // --- the cockpit's maintained aggregates (server/src/store/aggregates.rs)
    /// Open AR by due date at each of `at`, as (slice key, due date, minor) per date, for
    /// one key of `dim` ("all", "rep", "region", "grade") or, with `key` None, every key.
    async fn open_by_due(
        &self,
        dim: &str,
        key: Option<&str>,
        at: &[NaiveDate],
        via: Via,
    ) -> Result<Vec<Vec<(String, NaiveDate, i64)>>, StoreError>;
    /// Per-day sales, amounts falling due and cash from `from` through `to`, per key.
    async fn day_figures(
        &self,
        dim: &str,
        key: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
        via: Via,
    ) -> Result<Vec<(String, DayFigures)>, StoreError>;
    /// Customers per grade and status within the slice.
    async fn customer_mix(
        &self,
        slice: &Slice,
    ) -> Result<Vec<(Option<Grade>, CustomerStatus, i64)>, StoreError>;
    /// Customers overdue at `as_of` within the slice: the count, the `top` largest, and
    /// the customer with the most open AR.
    async fn overdue_customers(
        &self,
        slice: &Slice,
        as_of: NaiveDate,
        top: usize,
        via: Via,
    ) -> Result<OverdueCustomers, StoreError>;

    /// One customer's invoices dated ≤ as_of that are still open at as_of, oldest due first.
    async fn open_invoices(
        &self,
        customer_id: i64,
        as_of: NaiveDate,
    ) -> Result<Vec<InvoiceLine>, StoreError>;
    /// Invoices dated ≤ as_of with their open amount at as_of, filtered, within scope.
    async fn list_invoices(
        &self,
        q: &InvoiceQuery,
        scope: Scope,
    ) -> Result<Vec<InvoiceRow>, StoreError>;
    /// A customer's newest payments with their net allocations.
    async fn customer_payments(
        &self,
        customer_id: i64,
        limit: i64,
    ) -> Result<Vec<PaymentLine>, StoreError>;
    /// A customer's newest ledger events (documents and reversals), newest first.
    async fn customer_timeline(
        &self,
        customer_id: i64,
        limit: i64,
    ) -> Result<Vec<TimelineEvent>, StoreError>;

    // --- credit reports and saved templates (server/src/store/reports.rs)
    /// What moved open AR from `from` through `to` within the slice, from the ledger's
    /// documents (allocations dated by `max(allocated_on, invoice_date)`, as the
    /// aggregates do), plus the cash received from the per-day aggregates.
    async fn movement_figures(
        &self,
        slice: &Slice,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<MovementFigures, StoreError>;
    /// Grade and status changes of the slice's customers, audited in `[from, to)`,
    /// oldest first, at most `limit` audit rows.
    async fn customer_changes(
        &self,
        slice: &Slice,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<AttributeChange>, StoreError>;
    /// One page of customers within scope, ordered by code after `after_code`, with open
    /// and overdue at `as_of` and (when `period` is given) invoiced and collected in it.
    async fn template_customers(
        &self,
        scope: Scope,
        as_of: NaiveDate,
        period: Option<(NaiveDate, NaiveDate)>,
        after_code: &str,
        limit: i64,
    ) -> Result<Vec<TemplateCustomer>, StoreError>;
    /// Saved templates by name. A stored spec that no longer parses is an error naming it.
    async fn report_templates(&self) -> Result<Vec<SavedTemplate>, StoreError>;
    /// Creates (`id` None) or replaces a template, audited; a taken name is `Conflict`.
    async fn save_report_template(
        &self,
        id: Option<i64>,
        t: &ReportTemplate,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    async fn delete_report_template(
        &self,
        id: i64,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    // --- credit applications and approvals (server/src/store/approvals.rs)
    /// Every user, by id (the chain designer's user chips).
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;
    async fn user_manager(&self, user_id: i64) -> Result<Option<i64>, StoreError>;
    async fn set_user_manager(
        &self,
        user_id: i64,
        manager_id: Option<i64>,
    ) -> Result<(), StoreError>;
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
    async fn add_delegation(&self, d: &Delegation, now: DateTime<Utc>) -> Result<i64, StoreError>;
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

    // --- credit scoring (server/src/store/scoring.rs)
    /// One page of customers in id order after `after_id` (or just `only`), each with its
    /// ledger history dated ≤ `upto` (invoices with every allocation row) and its manual
    /// factors. Paging by id keeps a run over the whole book in bounded memory.
    async fn scoring_subjects(
        &self,
        after_id: i64,
        limit: i64,
        only: Option<i64>,
        upto: NaiveDate,
    ) -> Result<Vec<ScoringSubject>, StoreError>;
    /// The stored model versions, oldest first. A spec that no longer parses is an error
    /// naming its version.
    async fn model_versions(&self) -> Result<Vec<crate::records::ModelVersion>, StoreError>;
    /// Stores a parsed model as the next version, audited; returns the version.
    async fn save_model_version(
        &self,
        model: &crate::domain::scoring::ScoringModel,
        note: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    /// Claims the run `run_key` for `owner`: a new run, or the takeover of an unfinished
    /// one whose lease was last renewed before `stale_before`. None when it is finished
    /// or another caller holds it: only the claimer runs it.
    async fn claim_scoring_run(
        &self,
        run_key: &str,
        owner: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<Option<RunLease>, StoreError>;
    /// Records scores under the run's lease in one transaction: each customer's score at
    /// most once per run, `customers.grade` where it changed (audited as a customer
    /// update with `{"grade": …}`, and the customer's open AR moved between the cockpit's
    /// grade slices), the lease renewed and the run's counts. Returns the grades changed;
    /// a lost lease is `Conflict` and writes nothing.
    async fn record_scores(
        &self,
        lease: &RunLease,
        scores: &[NewScore],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Marks the run finished under its lease.
    async fn finish_scoring_run(
        &self,
        lease: &RunLease,
        now: DateTime<Utc>,
    ) -> Result<crate::records::ScoringRun, StoreError>;
    /// The newest runs first.
    async fn scoring_runs(&self, limit: i64)
        -> Result<Vec<crate::records::ScoringRun>, StoreError>;
    async fn latest_score(
        &self,
        customer_id: i64,
    ) -> Result<Option<crate::records::StoredScore>, StoreError>;
    /// The customer's latest `limit` scores, oldest first.
    async fn score_history(
        &self,
        customer_id: i64,
        limit: i64,
    ) -> Result<Vec<crate::records::ScorePoint>, StoreError>;
    /// The customer's manual factors, with its industry's risk factor.
    async fn customer_factors(
        &self,
        customer_id: i64,
    ) -> Result<crate::domain::indicators::ManualFactors, StoreError>;
    /// Sets (None clears) a customer's registered capital and external rating, audited.
    async fn set_customer_factors(
        &self,
        customer_id: i64,
        registered_capital: Option<Money>,
        external_rating: Option<rust_decimal::Decimal>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Every industry customers are in or a factor is set for, by name, with its risk
    /// factor (None: not set, the indicator is unknown for its customers).
    async fn industry_risks(
        &self,
    ) -> Result<Vec<(String, Option<rust_decimal::Decimal>)>, StoreError>;
    /// Sets one industry's risk factor, audited.
    async fn set_industry_risk(
        &self,
        industry: &str,
        factor: rust_decimal::Decimal,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// What `submit_application` stores: the checked request, who asked, the routed chain
/// snapshotted for this application and the facts routing read.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub request: crate::domain::approval::LimitRequest,
    /// An order the credit check sent to approval: the application releases it.
    pub order_id: Option<i64>,
    pub applicant: User,
    pub chain_key: String,
    pub chain_name: String,
    pub steps: Vec<crate::domain::approval::SnapStep>,
    pub facts: crate::domain::approval::Facts,
}

/// Where the cockpit's reads come from: the maintained aggregates (what the app uses), or
/// a recomputation over the whole ledger (the reference tests and benchmarks compare with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Aggregates,
    Ledger,
}

/// Reads everything `dashboard::build` needs for `slice` at `as_of` from the maintained
/// aggregates; a split the slice cannot make (say, regions within one rep) stays empty.
pub async fn dashboard_figures(
    store: &dyn Store,
    slice: &Slice,
    as_of: NaiveDate,
    via: Via,
) -> Result<Figures, StoreError> {
    use crate::domain::dashboard::{dates_needed, days_from, ByDue};
    let (dim, key) = slice.dim();
    let dates = dates_needed(as_of);
    let per_key = |rows: Vec<(String, NaiveDate, i64)>| -> Vec<(String, ByDue)> {
        let mut out: std::collections::BTreeMap<String, ByDue> = std::collections::BTreeMap::new();
        for (k, d, m) in rows {
            out.entry(k).or_default().push((d, m));
        }
        out.into_iter().collect()
    };
    let split = |want: &'static str| -> Option<Option<&str>> {
        match dim {
            "all" => Some(None),
            d if d == want => Some(Some(key.as_str())),
            _ => None,
        }
    };
    // One key's split at as_of, or nothing when the slice cannot be split that way.
    let split_at = |want: &'static str| async move {
        match split(want) {
            Some(k) => Ok(per_key(
                store
                    .open_by_due(want, k, &[as_of], via)
                    .await?
                    .pop()
                    .unwrap_or_default(),
            )),
            None => Ok::<_, StoreError>(Vec::new()),
        }
    };
    let reps = async {
        match split("rep") {
            Some(k) => rep_figures(store, k, as_of.with_day(1).unwrap_or(as_of), as_of, via).await,
            None => Ok(Vec::new()),
        }
    };
    // The reads are independent: the database answers them side by side (a pool of
    // connections), so the cockpit waits for the slowest, not for their sum.
    let (open_at, days, regions, grades, reps, customers, overdue) = futures::try_join!(
        store.open_by_due(dim, Some(&key), &dates, via),
        store.day_figures(dim, Some(&key), days_from(as_of), as_of, via),
        split_at("region"),
        split_at("grade"),
        reps,
        store.customer_mix(slice),
        store.overdue_customers(slice, as_of, 10, via),
    )?;
    Ok(Figures {
        as_of,
        open_at: open_at
            .into_iter()
            .map(|rows| rows.into_iter().map(|(_, d, m)| (d, m)).collect())
            .collect(),
        days: days.into_iter().map(|(_, d)| d).collect(),
        regions,
        grades,
        reps,
        customers,
        overdue,
    })
}

/// Each rep's (or, with `key`, one rep's) open AR by due date on the day before `from`,
/// and their day figures from `from` through `to` (`dashboard::rep_performance`).
pub async fn rep_figures(
    store: &dyn Store,
    key: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    via: Via,
) -> Result<Vec<crate::domain::dashboard::RepFigures>, StoreError> {
    use crate::domain::dashboard::{ByDue, RepFigures};
    use std::collections::BTreeMap;
    let before = [from.pred_opt().unwrap_or(from)];
    let (open, day_rows, users) = futures::try_join!(
        store.open_by_due("rep", key, &before, via),
        store.day_figures("rep", key, from, to, via),
        store.users_by_role(Role::SalesRep)
    )?;
    let mut start: BTreeMap<String, ByDue> = BTreeMap::new();
    for (k, d, m) in open.into_iter().next().unwrap_or_default() {
        start.entry(k).or_default().push((d, m));
    }
    let mut days: BTreeMap<String, Vec<DayFigures>> = BTreeMap::new();
    for (k, d) in day_rows {
        days.entry(k).or_default().push(d);
    }
    let users: HashMap<i64, crate::domain::auth::User> =
        users.into_iter().map(|u| (u.id, u)).collect();
    let mut keys: Vec<String> = start.keys().chain(days.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for k in keys {
        let Ok(id) = k.parse::<i64>() else { continue }; // '' = customers without a rep
        let (username, name) = users
            .get(&id)
            .map(|u| (u.username.clone(), u.display_name.clone()))
            .unwrap_or_else(|| (String::new(), format!("#{id}")));
        out.push(RepFigures {
            id,
            username,
            name,
            start_open: start.remove(&k).unwrap_or_default(),
            days: days.remove(&k).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// One customer as scoring reads it (`Store::scoring_subjects`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoringSubject {
    pub customer_id: i64,
    pub code: String,
    pub grade: Option<Grade>,
    pub history: crate::domain::indicators::LedgerHistory,
    pub factors: crate::domain::indicators::ManualFactors,
}

/// A claimed scoring run: its id, the lease's owner, and the last customer id the run
/// already scored (0 for none), after which a takeover resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLease {
    pub id: i64,
    pub owner: String,
    pub resume_after: i64,
}

/// A score to record (`Store::record_scores`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScore {
    pub customer_id: i64,
    pub model_version: i64,
    pub as_of: NaiveDate,
    pub card: crate::domain::scoring::Scorecard,
    pub sales_12m: Money,
}

// ---- the rule engine (server/src/store/rules.rs)

/// Rules, their runs, firings and the outbox. Invariants, on top of the `Store`'s:
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
    async fn rule_runs(&self, limit: i64) -> Result<Vec<RuleRun>, StoreError>;
    async fn rule_run(&self, id: i64) -> Result<Option<RuleRun>, StoreError>;
    /// A run's firings with their outbox messages and delivery logs.
    async fn run_firings(&self, run_id: i64, limit: i64) -> Result<Vec<FiringView>, StoreError>;
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
    /// A customer's dunning level and the fees and interest charged.
    async fn dunning_charges(&self, customer_id: i64) -> Result<DunningSummary, StoreError>;
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

/// Which tasks a worklist reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskQuery {
    /// Open tasks assigned to this user or to their role (None: everyone's).
    pub for_user: Option<(i64, Role)>,
    /// Only these assignees' tasks (a sales manager's team), besides `for_user`.
    pub team: Option<Vec<i64>>,
    pub customer_id: Option<i64>,
    pub task_id: Option<i64>,
    pub open_only: bool,
    /// The business date the priority inputs are read at.
    pub today: NaiveDate,
}

/// The collections workbench's storage: tasks, contacts, promises, disputes, and the
/// figures behind the people's ranking.
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
pub trait CollectionStore: Send + Sync {
    async fn tasks(
        &self,
        q: &TaskQuery,
    ) -> Result<Vec<crate::domain::collections::TaskRow>, StoreError>;
    /// Open tasks assigned to the user or their role (the tab bar's count).
    async fn open_task_count(&self, user_id: i64, role: Role) -> Result<i64, StoreError>;
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
    /// Each sales user's activity from `from` through `to`, with their manager: task,
    /// contact and promise counts and the days to collect. The cash and due figures are
    /// the cockpit's (`rep_figures`), filled in by the caller.
    async fn collection_activity(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(User, Option<i64>, crate::domain::collections::Activity)>, StoreError>;
}
