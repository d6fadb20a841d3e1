//! The persistence ports, one small trait per feature (identity, audit, idempotency,
//! settings, inbox, customers, groups, document feeds, ledger, cockpit, reports, approvals, scoring, rules,
//! collections), each in its own file. `Store` is all of them together: the wiring hands
//! out one `Arc<dyn Store>`, and a service that needs less asks for less (`&dyn Store`
//! coerces to any port), so it can be tested against a small fake of that port.
//! `server/src/store/` implements them for SQLite and PostgreSQL.
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
use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::collections::HashMap;

mod approvals;
mod audit;
mod bills;
mod cockpit;
mod collections;
mod customers;
mod feed;
mod groups;
mod idempotency;
mod identity;
mod inbox;
mod ledger;
mod pii;
mod reports;
mod rules;
mod scoring;
mod settings;

pub use crate::records::*;
pub use approvals::ApprovalStore;
pub use audit::AuditStore;
pub use bills::{BillQuery, BillStore, ReceivedBill};
pub use cockpit::CockpitStore;
pub use collections::*;
pub use customers::CustomerStore;
pub use feed::*;
pub use groups::GroupStore;
pub use idempotency::IdempotencyStore;
pub use identity::{IdentityStore, UserProfile};
pub use inbox::InboxStore;
pub use ledger::{LedgerStore, ReceivablesStore};
pub use pii::PiiStore;
pub use reports::ReportStore;
pub use rules::*;
pub use scoring::ScoringStore;
pub use settings::SettingsStore;

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

/// A session being opened at sign-in (the token itself is never stored).
pub struct NewSession {
    pub token_hash: String,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The browser's `User-Agent`, cut to 256 characters, for the sessions list.
    pub user_agent: String,
    pub address: String,
}

/// A stored session with its user; `domain::sessions` decides whether it still holds.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user: User,
    pub user_disabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: String,
    pub address: String,
}

pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

/// A user as the admin page lists them.
#[derive(Debug, Clone)]
pub struct UserAccount {
    pub user: User,
    pub manager_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
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

/// The head of the audit trail at one moment, to keep off the machine: a later trail that
/// no longer has this row with this MAC was cut or rewritten.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditCheckpoint {
    pub id: i64,
    pub mac: String,
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
    Group(&'a crate::domain::groups::NewGroup),
    Bill(&'a BillRecord, &'a PostedPayment),
    BillStep(&'a BillRecord),
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
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub scopes: crate::domain::api_keys::ApiScopes,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub rate_per_minute: u32,
}

/// A key being created (only the secret's hash is stored).
pub struct NewApiKey {
    pub name: String,
    pub key_hash: String,
    pub scopes: crate::domain::api_keys::ApiScopes,
    pub expires_at: Option<DateTime<Utc>>,
    pub rate_per_minute: u32,
}

/// Every port together: what the wiring hands out (`Arc<dyn Store>`). Services ask for
/// the ports they use; `&dyn Store` coerces to any of them.
#[async_trait]
pub trait Store:
    IdentityStore
    + AuditStore
    + IdempotencyStore
    + SettingsStore
    + InboxStore
    + CustomerStore
    + GroupStore
    + BillStore
    + FeedStore
    + PiiStore
    + LedgerStore
    + ReceivablesStore
    + CockpitStore
    + ReportStore
    + ApprovalStore
    + ScoringStore
    + RuleStore
    + RuleRunStore
    + RuleHistoryStore
    + OutboxStore
    + TaskStore
    + CollectionStore
    + CollectionHistoryStore
    + Send
    + Sync
    + 'static
{
    /// The same store, except that its document writes (customers, invoices, orders,
    /// payments, credit notes) also save `claim`'s response in their transaction; a
    /// key already saved refuses the write with `Conflict`.
    fn claiming(&self, claim: std::sync::Arc<Claim>) -> std::sync::Arc<dyn Store>;
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
