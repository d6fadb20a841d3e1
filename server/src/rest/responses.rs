//! The JSON bodies the writing endpoints answer with. Handlers serialise these structs
//! and `openapi.rs` derives the schemas from them, so the document cannot describe a
//! field the wire does not carry.
//!
//! Invariants:
//! - one struct per shape: no handler builds a body with `json!`;
//! - money is the decimal string of the amount ("1234.50"), next to its currency where
//!   the body names one; dates are YYYY-MM-DD.
use super::openapi::{
    CurrencySchema, CustomerStatusSchema, DecisionSchema, GradeSchema, ReasonSchema,
};
use app::domain::credit::{CreditCheck, Decision, Reason};
use app::domain::customer::{CustomerCode, CustomerFile, CustomerStatus, Grade};
use app::domain::documents::FieldError;
use app::domain::money::{Currency, Money};
use app::domain::uscc::Uscc;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

pub(crate) fn money(m: Money) -> String {
    m.amount().to_string()
}

/// 422: every problem with the body, each naming its field.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ValidationErrors {
    pub errors: Vec<FieldError>,
}

/// A customer as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Customer {
    #[schema(value_type = String, example = "ERP-1001")]
    pub code: CustomerCode,
    pub name: String,
    /// Unified Social Credit Code.
    #[schema(value_type = Option<String>, example = "91350100M000100Y43")]
    pub uscc: Option<Uscc>,
    pub region: String,
    pub industry: String,
    /// The sales rep's username.
    pub sales_rep: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    #[schema(value_type = CurrencySchema)]
    pub currency: Currency,
    pub payment_terms_days: u16,
    #[schema(example = "500000.00")]
    pub credit_limit: String,
    #[schema(example = "100000.00")]
    pub temp_limit: Option<String>,
    pub temp_limit_expires_on: Option<NaiveDate>,
    #[schema(value_type = CustomerStatusSchema)]
    pub status: CustomerStatus,
    #[schema(value_type = Option<GradeSchema>)]
    pub grade: Option<Grade>,
    /// The customer group it buys under.
    #[schema(value_type = Option<String>, example = "ZJ-GROUP")]
    pub group_code: Option<CustomerCode>,
    /// Only on `GET /customers/{code}`: the credit summary today.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub credit: Option<CreditSummary>,
    /// Only on `GET /customers/{code}`: the legal representative and bank account,
    /// masked unless the key has the `pii:read` scope (then each read is audited).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub pii: Option<app::domain::pii::PiiView>,
}

impl Customer {
    pub fn new(f: &CustomerFile, credit: Option<CreditSummary>) -> Self {
        Customer {
            code: f.code.clone(),
            name: f.name.clone(),
            uscc: f.uscc.clone(),
            region: f.region.clone(),
            industry: f.industry.clone(),
            sales_rep: f.sales_rep.clone(),
            contact_name: f.contact.name.clone(),
            contact_phone: f.contact.phone.clone(),
            contact_email: f.contact.email.clone(),
            currency: f.credit_limit.currency(),
            payment_terms_days: f.payment_terms_days,
            credit_limit: money(f.credit_limit),
            temp_limit: f.temp_limit.map(|(m, _)| money(m)),
            temp_limit_expires_on: f.temp_limit.map(|(_, d)| d),
            status: f.status,
            grade: f.grade,
            group_code: f.group_code.clone(),
            credit,
            pii: None,
        }
    }
}

/// A customer's credit at `as_of`: limits and exposure from the maintained balances
/// and the bills at risk,
/// open and overdue from the point-in-time ledger; amounts in the customer's currency.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CreditSummary {
    pub as_of: NaiveDate,
    #[schema(example = "500000.00")]
    pub credit_limit: String,
    /// The temporary limit, while it has not expired at `as_of`.
    pub temp_limit_active: Option<String>,
    /// Open invoices plus approved open orders plus bills still at risk, less
    /// unallocated credits.
    #[schema(example = "120000.00")]
    pub exposure: String,
    /// Effective limit minus exposure (negative when over the limit).
    #[schema(example = "380000.00")]
    pub available: String,
    #[schema(example = "100000.00")]
    pub open_amount: String,
    #[schema(example = "0.00")]
    pub overdue_amount: String,
    #[schema(value_type = CustomerStatusSchema)]
    pub status: CustomerStatus,
    #[schema(value_type = Option<GradeSchema>)]
    pub grade: Option<Grade>,
}

/// A posted invoice.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Invoice {
    #[schema(example = "INV-2026-0001")]
    pub number: String,
    #[schema(value_type = String, example = "ERP-1001")]
    pub customer_code: CustomerCode,
    pub invoice_date: NaiveDate,
    /// As sent, or the invoice date plus the customer's payment terms.
    pub due_date: NaiveDate,
    #[schema(example = "1234.50")]
    pub amount: String,
    #[schema(value_type = CurrencySchema)]
    pub currency: Currency,
    #[schema(example = "1234.50")]
    pub open_amount: String,
    pub order_ref: Option<String>,
    pub ship_date: Option<NaiveDate>,
    pub acceptance_date: Option<NaiveDate>,
}

impl Invoice {
    pub fn from_record(i: &app::store::InvoiceRecord) -> Self {
        Invoice {
            number: i.line.number.clone(),
            customer_code: i.customer_code.clone(),
            invoice_date: i.line.invoice_date,
            due_date: i.line.due_date,
            amount: money(i.line.amount),
            currency: i.line.amount.currency(),
            open_amount: money(i.line.open),
            order_ref: i.order_ref.clone(),
            ship_date: i.ship_date,
            acceptance_date: i.acceptance_date,
        }
    }
}

/// The outcome of a credit check; `available_*` are in the customer's currency.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CreditCheckResult {
    #[schema(value_type = DecisionSchema)]
    pub decision: Decision,
    #[schema(value_type = Vec<ReasonSchema>)]
    pub reasons: Vec<Reason>,
    #[schema(example = "380000.00")]
    pub available_before: String,
    #[schema(example = "378765.50")]
    pub available_after: String,
}

impl From<&CreditCheck> for CreditCheckResult {
    fn from(c: &CreditCheck) -> Self {
        CreditCheckResult {
            decision: c.decision,
            reasons: c.reasons.clone(),
            available_before: money(c.available_before),
            available_after: money(c.available_after),
        }
    }
}

/// A posted order; only `approved` orders count toward exposure.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Order {
    #[schema(example = "SO-2026-0001")]
    pub number: String,
    #[schema(value_type = String, example = "ERP-1001")]
    pub customer_code: CustomerCode,
    pub ordered_on: NaiveDate,
    #[schema(example = "1234.50")]
    pub amount: String,
    #[schema(value_type = CurrencySchema)]
    pub currency: Currency,
    pub credit_check: CreditCheckResult,
}

/// What part of a payment settled one invoice.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Allocation {
    #[schema(example = "INV-2026-0001")]
    pub invoice_number: String,
    #[schema(example = "1234.50")]
    pub amount: String,
}

/// A posted payment and what it settled; the rest stays a credit on the account.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Payment {
    #[schema(example = "BANK-20260215-001")]
    pub reference: String,
    #[schema(value_type = String, example = "ERP-1001")]
    pub customer_code: CustomerCode,
    pub received_on: NaiveDate,
    #[schema(example = "1234.50")]
    pub amount: String,
    #[schema(value_type = CurrencySchema)]
    pub currency: Currency,
    /// Net of any reversal: a reversed payment settles nothing.
    pub allocations: Vec<Allocation>,
    #[schema(example = "0.00")]
    pub unallocated: String,
    /// Undone by a reversal (a correcting entry; the payment itself stays on record).
    pub reversed: bool,
}

impl Payment {
    pub fn from_record(p: &app::store::PaymentRecord) -> Self {
        Payment {
            reference: p.line.reference.clone(),
            customer_code: p.customer_code.clone(),
            received_on: p.line.received_on,
            amount: money(p.line.amount),
            currency: p.line.amount.currency(),
            allocations: allocations(&p.line.allocations),
            unallocated: money(p.line.unallocated),
            reversed: p.line.reversed,
        }
    }
}

/// (invoice number, amount) pairs as the API shows them.
pub(crate) fn allocations(lines: &[(String, Money)]) -> Vec<Allocation> {
    lines
        .iter()
        .map(|(n, m)| Allocation {
            invoice_number: n.clone(),
            amount: money(*m),
        })
        .collect()
}

/// A posted credit note.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CreditNote {
    #[schema(example = "CN-2026-0001")]
    pub number: String,
    #[schema(value_type = String, example = "ERP-1001")]
    pub customer_code: CustomerCode,
    pub issued_on: NaiveDate,
    #[schema(example = "200.00")]
    pub amount: String,
    #[schema(value_type = CurrencySchema)]
    pub currency: Currency,
    /// The invoice it reduces; null leaves an unallocated credit.
    pub invoice_number: Option<String>,
    pub reason: String,
    /// Undone by a reversal.
    pub reversed: bool,
}

impl CreditNote {
    pub fn from_record(n: &app::store::CreditNoteRecord) -> Self {
        CreditNote {
            number: n.number.clone(),
            customer_code: n.customer_code.clone(),
            issued_on: n.issued_on,
            amount: money(n.amount),
            currency: n.amount.currency(),
            invoice_number: n.invoice_number.clone(),
            reason: n.reason.clone(),
            reversed: n.reversed,
        }
    }
}

/// A customer group with its limit and its members' exposure today (book currency).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Group {
    #[schema(value_type = String, example = "ZJ-GROUP")]
    pub code: CustomerCode,
    pub name: String,
    #[schema(value_type = CurrencySchema)]
    pub currency: Currency,
    #[schema(example = "3000000.00")]
    pub limit: String,
    /// The members' open invoices and approved open orders, less their credits.
    #[schema(example = "1250000.00")]
    pub exposure: String,
    /// Limit minus exposure (negative when over).
    #[schema(example = "1750000.00")]
    pub available: String,
    pub members: i64,
}

impl Group {
    pub fn new(g: &app::domain::groups::GroupRow) -> Self {
        Group {
            code: g.code.clone(),
            name: g.name.clone(),
            currency: g.limit.currency(),
            limit: money(g.limit),
            exposure: money(g.exposure),
            available: money(g.available()),
            members: g.members,
        }
    }
}

/// `GET /api/v1/customer-groups`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct GroupList {
    pub groups: Vec<Group>,
}

/// An order as the lists show it: its credit decision when it was posted, and where it
/// stands now (released by an approved application, or cancelled).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PostedOrder {
    #[schema(example = "SO-2026-0001")]
    pub number: String,
    #[schema(value_type = String, example = "ERP-1001")]
    pub customer_code: CustomerCode,
    pub ordered_on: NaiveDate,
    #[schema(example = "1234.50")]
    pub amount: String,
    #[schema(value_type = CurrencySchema)]
    pub currency: Currency,
    #[schema(value_type = DecisionSchema)]
    pub decision: Decision,
    #[schema(value_type = Vec<ReasonSchema>)]
    pub reasons: Vec<Reason>,
    /// `approved`, `needs_approval`, `blocked`, `released` or `cancelled`.
    #[schema(value_type = String, example = "approved")]
    pub status: app::store::OrderState,
}

impl PostedOrder {
    pub fn from_record(o: &app::store::OrderRecord) -> Self {
        PostedOrder {
            number: o.number.clone(),
            customer_code: o.customer_code.clone(),
            ordered_on: o.ordered_on,
            amount: money(o.amount),
            currency: o.amount.currency(),
            decision: o.decision,
            reasons: o.reasons.clone(),
            status: o.state,
        }
    }
}

/// `GET /api/v1/invoices`: one page.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InvoicePage {
    /// The date the open amounts are taken at.
    pub as_of: NaiveDate,
    pub invoices: Vec<Invoice>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/payments`: one page.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PaymentPage {
    pub payments: Vec<Payment>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/credit-notes`: one page.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CreditNotePage {
    pub credit_notes: Vec<CreditNote>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/orders`: one page.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OrderPage {
    pub orders: Vec<PostedOrder>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}
