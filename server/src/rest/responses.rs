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

/// A customer's credit at `as_of`: limits and exposure from the maintained balances,
/// open and overdue from the point-in-time ledger; amounts in the customer's currency.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CreditSummary {
    pub as_of: NaiveDate,
    #[schema(example = "500000.00")]
    pub credit_limit: String,
    /// The temporary limit, while it has not expired at `as_of`.
    pub temp_limit_active: Option<String>,
    /// Open invoices plus approved open orders, less unallocated credits.
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
    pub allocations: Vec<Allocation>,
    #[schema(example = "0.00")]
    pub unallocated: String,
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
