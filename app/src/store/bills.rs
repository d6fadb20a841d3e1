//! Acceptance bills (`domain::bills`): receive one, take its lifecycle steps, list them.
//!
//! Invariants: a received bill is a payment (reference = the bill number) and its bill
//! row, written in one transaction, so it settles invoices exactly as a payment does;
//! steps are appended, never edited, and a bill's state is its last step's; a dishonour
//! reverses the bill's payment in the step's transaction, so the invoices it settled
//! are open again, on their own due dates, from the dishonour's date. Every write is
//! audited.
use super::*;
use crate::domain::bills::lifecycle::{BillState, TakenStep};
use crate::domain::bills::NewBill;

/// A bill with its payment resolved (customer, currency, allocation).
#[derive(Debug, Clone)]
pub struct ReceivedBill {
    pub bill: NewBill,
    pub payment: NewPayment,
}

/// Which bills a list shows, a page at a time in receipt (id) order.
#[derive(Debug, Clone, Default)]
pub struct BillQuery {
    pub after: Option<i64>,
    pub limit: i64,
    pub customer_id: Option<i64>,
    pub number: Option<String>,
    pub status: Option<BillState>,
    /// Only bills maturing before this date.
    pub matures_before: Option<NaiveDate>,
    /// Only bills maturing after this date.
    pub matures_after: Option<NaiveDate>,
}

#[async_trait]
pub trait BillStore: Send + Sync {
    /// Posts the bill's payment and records the bill; a taken number is `Conflict`.
    async fn receive_bill(
        &self,
        bill: &ReceivedBill,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(BillRecord, PostedPayment), StoreError>;
    /// Takes a lifecycle step (refused by name if the bill's state or dates forbid it);
    /// `NotFound` if there is no such bill.
    async fn take_bill_step(
        &self,
        number: &str,
        step: &TakenStep,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<BillRecord, StoreError>;
    async fn bills(&self, q: &BillQuery) -> Result<Vec<BillRecord>, StoreError>;
}
