//! Document feeds for systems (`GET /api/v1/invoices`, `/payments`, `/credit-notes`,
//! `/orders` and one document of each): every posted document of a kind, in posting
//! order, a page at a time after a cursor.
//!
//! Invariants, and why they hold:
//! - **Pages never skip or repeat.** A page is keyed by the document's id (its posting
//!   order), never by an offset, so a document posted while a client pages shows up on a
//!   later page, once. An ERP syncing with "everything after my last cursor" misses none.
//! - **Facts at a date.** An invoice's open amount is the point-in-time ledger's at
//!   `as_of` (invoices dated after it are not listed); a payment's allocations are net of
//!   any reversal, as on the customer page.
//! - **A state is derived, never stored.** Open or settled, posted or reversed, and an
//!   order's released or cancelled come from the ledger rows that make them so.
//! - Reads only; the whole book (API keys are not rep-scoped).
use super::*;
use crate::domain::credit::{Decision, Reason};
use crate::domain::customer::CustomerCode;
use crate::domain::invoice::InvoiceLine;
use serde::{Deserialize, Serialize};

/// Which documents, and which page of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedQuery<S> {
    /// The cursor: only documents posted after the one with this id.
    pub after: Option<i64>,
    /// At most this many (the store reads one more to know whether a page follows).
    pub limit: i64,
    pub customer_id: Option<i64>,
    /// One document by its number (payments: reference).
    pub number: Option<String>,
    /// The document's own date (invoice, receipt, issue, order date), inclusive.
    pub dated: (Option<NaiveDate>, Option<NaiveDate>),
    pub status: Option<S>,
    /// Open amounts at this date (invoices).
    pub as_of: NaiveDate,
}

/// An invoice at `as_of`: open while anything is left on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceState {
    Open,
    Settled,
}

/// A payment or credit note: posted, or undone by a reversal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostingState {
    Posted,
    Reversed,
}

/// Where an order stands: its credit decision, unless an approved application released
/// it or it was cancelled since (cancellation wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    Approved,
    NeedsApproval,
    Blocked,
    Released,
    Cancelled,
}

impl OrderState {
    /// The wire name, as the order feed's SQL computes it.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Approved => "approved",
            OrderState::NeedsApproval => "needs_approval",
            OrderState::Blocked => "blocked",
            OrderState::Released => "released",
            OrderState::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRecord {
    pub customer_code: CustomerCode,
    /// Amount, due date and the open amount at the query's `as_of`.
    pub line: InvoiceLine,
    pub order_ref: Option<String>,
    pub ship_date: Option<NaiveDate>,
    pub acceptance_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub id: i64,
    pub customer_code: CustomerCode,
    pub line: PaymentLine,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditNoteRecord {
    pub id: i64,
    pub customer_code: CustomerCode,
    pub number: String,
    pub issued_on: NaiveDate,
    pub amount: Money,
    pub invoice_number: Option<String>,
    pub reason: String,
    pub reversed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    pub id: i64,
    pub customer_code: CustomerCode,
    pub number: String,
    pub ordered_on: NaiveDate,
    pub amount: Money,
    pub decision: Decision,
    pub reasons: Vec<Reason>,
    pub state: OrderState,
}

#[async_trait]
pub trait FeedStore: Send + Sync {
    async fn invoice_feed(
        &self,
        q: &FeedQuery<InvoiceState>,
    ) -> Result<Vec<InvoiceRecord>, StoreError>;
    async fn payment_feed(
        &self,
        q: &FeedQuery<PostingState>,
    ) -> Result<Vec<PaymentRecord>, StoreError>;
    async fn credit_note_feed(
        &self,
        q: &FeedQuery<PostingState>,
    ) -> Result<Vec<CreditNoteRecord>, StoreError>;
    async fn order_feed(&self, q: &FeedQuery<OrderState>) -> Result<Vec<OrderRecord>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::OrderState::{self, *};

    #[test]
    fn order_states_filter_by_their_wire_names() {
        let all: [OrderState; 5] = [Approved, NeedsApproval, Blocked, Released, Cancelled];
        for s in all {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
