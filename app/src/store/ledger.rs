//! The receivables ledger: invoices, orders, payments, credit notes, write-offs and
//! reversals, and the reads of what is open at a date.
//!
//! Invariants: posted rows are inserted, never updated (corrections are new rows); each
//! write adjusts the maintained balances and records its domain events in its own
//! transaction; reads that take `as_of` ignore documents dated after it.
use super::*;

#[async_trait]
pub trait LedgerStore: Send + Sync {
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
}

/// The receivables as they stand at a date: what is open, the credit position, a
/// customer's documents. Reads only.
#[async_trait]
pub trait ReceivablesStore: Send + Sync {
    /// The credit check's inputs: the maintained balances (a point lookup) with the
    /// limit and days overdue taken at `as_of`.
    async fn credit_position(
        &self,
        customer_id: i64,
        as_of: NaiveDate,
    ) -> Result<CreditPosition, StoreError>;
    /// Exposure at `as_of` recomputed from the entries alone, ignoring the maintained
    /// balances (bills at risk are never maintained: both read them the same way).
    async fn recomputed_exposure(
        &self,
        customer_id: i64,
        as_of: NaiveDate,
    ) -> Result<Exposure, StoreError>;
    /// Every invoice dated ≤ as_of with its open amount at as_of, within scope.
    async fn open_items(&self, scope: Scope, as_of: NaiveDate)
        -> Result<Vec<OpenItem>, StoreError>;

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
}
