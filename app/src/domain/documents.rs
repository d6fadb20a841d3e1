//! Ledger documents as they arrive from outside — REST bodies, import rows, forms — and
//! their parsing into typed drafts ("parse, don't validate").
//!
//! Invariants:
//! - every `*Input` rejects unknown fields, so an integration's typo fails loudly;
//! - money and dates travel as strings ("1234.50", "2026-06-30") and are parsed here with
//!   the field's name in every message, so JSON, CSV and XLSX report the same errors;
//! - `parse` collects every problem of a document, not just the first;
//! - a draft is well-formed on its own; what needs the database (does the customer
//!   exist, is the number free, is the invoice open) is checked by the store, inside
//!   the writing transaction.
use super::customer::{Contact, CustomerCode, CustomerStatus};
use super::money::{Currency, Money};
use super::uscc::Uscc;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// One problem with one field, as the API's 422 body and the import report show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    #[cfg_attr(feature = "ssr", schema(example = "credit_limit"))]
    pub field: String,
    #[cfg_attr(
        feature = "ssr",
        schema(example = "1.001 has more than 2 decimal places")
    )]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Collects field errors while a document is parsed.
#[derive(Default)]
pub(crate) struct Errors(pub(crate) Vec<FieldError>);

impl Errors {
    pub(crate) fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        r.map_err(|e| self.0.push(e)).ok()
    }
    pub(crate) fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self.0)
        }
    }
}

/// Document numbers (invoice, order, payment reference, credit note): 1–64 printable
/// characters, no surrounding spaces.
pub fn document_number(field: &str, s: &str) -> Result<String, FieldError> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 64 || t.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must be 1 to 64 printable characters",
        ));
    }
    Ok(t.to_string())
}

pub fn date(field: &str, s: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, format!("'{s}' is not a date; use YYYY-MM-DD")))
}

fn opt_date(field: &str, s: &Option<String>) -> Result<Option<NaiveDate>, FieldError> {
    s.as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| date(field, s))
        .transpose()
}

/// A decimal amount with at most 2 decimal places (every booked currency's minor unit).
/// `allow_zero` is for limits; document amounts must be positive.
pub fn amount(field: &str, s: &str, allow_zero: bool) -> Result<Decimal, FieldError> {
    let t = s.trim().replace(',', "");
    let plain = t
        .strip_prefix('-')
        .unwrap_or(&t)
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.');
    let d = Decimal::from_str(&t)
        .ok()
        .filter(|_| plain)
        .ok_or(())
        .map_err(|_| {
            FieldError::new(
                field,
                format!("'{s}' is not a decimal amount such as 1234.50"),
            )
        })?;
    if d.normalize().scale() > 2 {
        return Err(FieldError::new(
            field,
            format!("{s} has more than 2 decimal places"),
        ));
    }
    if d.is_sign_negative() && !d.is_zero() || (!allow_zero && d.is_zero()) {
        let want = if allow_zero {
            "zero or more"
        } else {
            "more than zero"
        };
        return Err(FieldError::new(field, format!("must be {want}, got {s}")));
    }
    // 10^15 minor units is far beyond any receivable and far within i64.
    if d >= Decimal::from(10_000_000_000_000i64) {
        return Err(FieldError::new(field, "is too large"));
    }
    Ok(d.round_dp(2))
}

pub(crate) fn money(
    field: &str,
    s: &str,
    currency: Currency,
    allow_zero: bool,
) -> Result<Money, FieldError> {
    Money::new(amount(field, s, allow_zero)?, currency)
        .map_err(|e| FieldError::new(field, e.to_string()))
}

fn currency(s: &Option<String>) -> Result<Option<Currency>, FieldError> {
    s.as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|c| Currency::parse(c).map_err(|e| FieldError::new("currency", e.to_string())))
        .transpose()
}

pub(crate) fn customer_code(field: &str, s: &str) -> Result<CustomerCode, FieldError> {
    CustomerCode::parse(s).map_err(|e| FieldError::new(field, e.to_string()))
}

fn text(s: &Option<String>) -> String {
    s.as_deref().unwrap_or("").trim().to_string()
}

pub(crate) fn required_text(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(t.to_string())
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `POST /api/v1/customers`, a customers import row, the new-customer form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    #[cfg_attr(feature = "ssr", schema(example = "ERP-1001"))]
    pub code: String,
    #[cfg_attr(feature = "ssr", schema(example = "徐工机械经销商"))]
    pub name: String,
    #[cfg_attr(feature = "ssr", schema(example = "91350100M000100Y43"))]
    pub uscc: Option<String>,
    #[cfg_attr(feature = "ssr", schema(example = "华东"))]
    pub region: Option<String>,
    pub industry: Option<String>,
    /// The sales rep's username.
    pub sales_rep: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    #[cfg_attr(feature = "ssr", schema(example = "CNY"))]
    pub currency: Option<String>,
    #[serde(deserialize_with = "number_or_text")]
    #[cfg_attr(feature = "ssr", schema(value_type = u16, example = 30))]
    pub payment_terms_days: String,
    #[cfg_attr(feature = "ssr", schema(example = "500000.00"))]
    pub credit_limit: String,
    #[cfg_attr(feature = "ssr", schema(example = "100000.00"))]
    pub temp_limit: Option<String>,
    #[cfg_attr(feature = "ssr", schema(format = Date, example = "2026-12-31"))]
    pub temp_limit_expires_on: Option<String>,
    /// The customer group it buys under (`POST /api/v1/customer-groups`).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(example = "ZJ-GROUP"))]
    pub group_code: Option<String>,
}

impl CustomerInput {
    pub const COLUMNS: &'static [&'static str] = &[
        "code",
        "name",
        "uscc",
        "region",
        "industry",
        "sales_rep",
        "contact_name",
        "contact_phone",
        "contact_email",
        "currency",
        "payment_terms_days",
        "credit_limit",
        "temp_limit",
        "temp_limit_expires_on",
        "group_code",
    ];
    pub const REQUIRED: &'static [&'static str] =
        &["code", "name", "payment_terms_days", "credit_limit"];
}

/// A customer ready to be opened, except for the rep's username → id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerDraft {
    pub code: CustomerCode,
    pub name: String,
    pub uscc: Option<Uscc>,
    pub region: String,
    pub industry: String,
    pub sales_rep: Option<String>,
    pub contact: Contact,
    pub payment_terms_days: u16,
    pub credit_limit: Money,
    pub temp_limit: Option<(Money, NaiveDate)>,
    pub group_code: Option<CustomerCode>,
}

pub fn payment_terms(s: &str) -> Result<u16, FieldError> {
    s.trim()
        .parse::<u16>()
        .ok()
        .filter(|d| *d <= 3650)
        .ok_or_else(|| {
            FieldError::new(
                "payment_terms_days",
                format!("'{s}' is not a whole number of days from 0 to 3650"),
            )
        })
}

/// A temporary limit needs both its amount and its expiry, or neither.
fn temp_limit(
    amount_s: &Option<String>,
    expires_s: &Option<String>,
    cur: Currency,
    e: &mut Errors,
) -> Option<Option<(Money, NaiveDate)>> {
    match (non_empty(amount_s), non_empty(expires_s)) {
        (None, None) => Some(None),
        (Some(a), Some(d)) => {
            let m = e.take(money("temp_limit", a, cur, false));
            let d = e.take(date("temp_limit_expires_on", d));
            Some(m.zip(d))
        }
        (Some(_), None) => {
            e.0.push(FieldError::new(
                "temp_limit_expires_on",
                "is required with a temporary limit",
            ));
            None
        }
        (None, Some(_)) => {
            e.0.push(FieldError::new(
                "temp_limit",
                "is required with an expiry date",
            ));
            None
        }
    }
}

impl CustomerInput {
    pub fn parse(&self) -> Result<CustomerDraft, Vec<FieldError>> {
        let mut e = Errors::default();
        let code = e.take(customer_code("code", &self.code));
        let name = e.take(required_text("name", &self.name, 200));
        let uscc = e.take(
            non_empty(&self.uscc)
                .map(|u| Uscc::parse(u).map_err(|x| FieldError::new("uscc", x.to_string())))
                .transpose(),
        );
        let cur = e
            .take(currency(&self.currency))
            .flatten()
            .unwrap_or(super::BOOK_CURRENCY);
        let terms = e.take(payment_terms(&self.payment_terms_days));
        let limit = e.take(money("credit_limit", &self.credit_limit, cur, true));
        let temp = temp_limit(&self.temp_limit, &self.temp_limit_expires_on, cur, &mut e);
        let group = e.take(group_code(&self.group_code));
        let email = text(&self.contact_email);
        if !email.is_empty() && (!email.contains('@') || email.contains(char::is_whitespace)) {
            e.0.push(FieldError::new(
                "contact_email",
                format!("'{email}' is not an email address"),
            ));
        }
        e.finish(|| CustomerDraft {
            code: code.unwrap(),
            name: name.unwrap(),
            uscc: uscc.unwrap(),
            region: text(&self.region),
            industry: text(&self.industry),
            sales_rep: non_empty(&self.sales_rep).map(str::to_string),
            contact: Contact {
                name: text(&self.contact_name),
                phone: text(&self.contact_phone),
                email,
            },
            payment_terms_days: terms.unwrap(),
            credit_limit: limit.unwrap(),
            temp_limit: temp.unwrap(),
            group_code: group.unwrap(),
        })
    }
}

/// `PATCH /api/v1/customers/{code}`: only what is present changes. `temp_limit: null`
/// (with or without its expiry) removes the temporary limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerPatchInput {
    #[cfg_attr(feature = "ssr", schema(example = "watch"))]
    pub status: Option<String>,
    #[cfg_attr(feature = "ssr", schema(example = "800000.00"))]
    pub credit_limit: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>, example = "100000.00"))]
    pub temp_limit: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>, format = Date, example = "2026-12-31"))]
    pub temp_limit_expires_on: Option<Option<String>>,
    /// Moves the customer into that group; `null` takes it out of its group.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>, example = "ZJ-GROUP"))]
    pub group_code: Option<Option<String>>,
}

/// An optional group code: blank is none.
fn group_code(s: &Option<String>) -> Result<Option<CustomerCode>, FieldError> {
    non_empty(s)
        .map(|g| customer_code("group_code", g))
        .transpose()
}

/// A whole-number field arrives as a JSON number (`30`, what an ERP developer sends) or as
/// text (`"30"`, what imports, forms and older clients send). Either is kept as text for
/// the field's own parser, which names the field in any refusal: `30.5` or `-3` is
/// refused there, as the same text in a file would be.
fn number_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number or its text")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(Visitor)
}

/// Tells `"field": null` (Some(None)) from an absent field (None).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A change to a credit file's terms; money in the customer's currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPatch {
    pub status: Option<CustomerStatus>,
    pub credit_limit: Option<Money>,
    /// Some(None) removes the temporary limit.
    pub temp_limit: Option<Option<(Money, NaiveDate)>>,
    /// Some(None) takes the customer out of its group.
    pub group: Option<Option<CustomerCode>>,
}

impl CustomerPatchInput {
    pub fn parse(&self, cur: Currency) -> Result<CustomerPatch, Vec<FieldError>> {
        let mut e = Errors::default();
        let status = e.take(
            self.status
                .as_deref()
                .map(|s| {
                    CustomerStatus::parse(s.trim())
                        .map_err(|x| FieldError::new("status", x.to_string()))
                })
                .transpose(),
        );
        let limit = e.take(
            self.credit_limit
                .as_deref()
                .map(|s| money("credit_limit", s, cur, true))
                .transpose(),
        );
        let temp = match (&self.temp_limit, &self.temp_limit_expires_on) {
            (None, None) => Some(None),
            (Some(None), _) => Some(Some(None)),
            (a, d) => temp_limit(&a.clone().flatten(), &d.clone().flatten(), cur, &mut e).map(Some),
        };
        let group = e.take(self.group_code.as_ref().map(group_code).transpose());
        if self.status.is_none()
            && self.credit_limit.is_none()
            && self.temp_limit.is_none()
            && self.temp_limit_expires_on.is_none()
            && self.group_code.is_none()
        {
            e.0.push(FieldError::new(
                "",
                "nothing to change; send status, credit_limit, temp_limit or group_code",
            ));
        }
        e.finish(|| CustomerPatch {
            status: status.unwrap(),
            credit_limit: limit.unwrap(),
            temp_limit: temp.unwrap(),
            group: group.unwrap(),
        })
    }
}

/// `POST /api/v1/invoices` and the invoices import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InvoiceInput {
    #[cfg_attr(feature = "ssr", schema(example = "INV-2026-0001"))]
    pub number: String,
    #[cfg_attr(feature = "ssr", schema(example = "ERP-1001"))]
    pub customer_code: String,
    #[cfg_attr(feature = "ssr", schema(format = Date, example = "2026-01-31"))]
    pub invoice_date: String,
    #[cfg_attr(feature = "ssr", schema(format = Date, example = "2026-03-02"))]
    pub due_date: Option<String>,
    #[cfg_attr(feature = "ssr", schema(example = "1234.50"))]
    pub amount: String,
    #[cfg_attr(feature = "ssr", schema(example = "CNY"))]
    pub currency: Option<String>,
    #[cfg_attr(feature = "ssr", schema(example = "SO-2026-0001"))]
    pub order_ref: Option<String>,
    #[cfg_attr(feature = "ssr", schema(format = Date, example = "2026-01-30"))]
    pub ship_date: Option<String>,
    #[cfg_attr(feature = "ssr", schema(format = Date, example = "2026-01-31"))]
    pub acceptance_date: Option<String>,
}

impl InvoiceInput {
    pub const COLUMNS: &'static [&'static str] = &[
        "number",
        "customer_code",
        "invoice_date",
        "due_date",
        "amount",
        "currency",
        "order_ref",
        "ship_date",
        "acceptance_date",
    ];
    pub const REQUIRED: &'static [&'static str] =
        &["number", "customer_code", "invoice_date", "amount"];
}

/// An invoice before its customer is looked up: the amount's currency and a missing
/// due date (invoice date + the customer's terms) come from the credit file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDraft {
    pub number: String,
    pub customer_code: CustomerCode,
    pub invoice_date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub amount: Decimal,
    pub currency: Option<Currency>,
    pub order_ref: Option<String>,
    pub ship_date: Option<NaiveDate>,
    pub acceptance_date: Option<NaiveDate>,
}

impl InvoiceInput {
    pub fn parse(&self) -> Result<InvoiceDraft, Vec<FieldError>> {
        let mut e = Errors::default();
        let number = e.take(document_number("number", &self.number));
        let code = e.take(customer_code("customer_code", &self.customer_code));
        let invoice_date = e.take(date("invoice_date", &self.invoice_date));
        let due_date = e.take(opt_date("due_date", &self.due_date));
        let amount = e.take(amount("amount", &self.amount, false));
        let cur = e.take(currency(&self.currency));
        let order_ref = e.take(
            non_empty(&self.order_ref)
                .map(|s| document_number("order_ref", s))
                .transpose(),
        );
        let ship_date = e.take(opt_date("ship_date", &self.ship_date));
        let acceptance_date = e.take(opt_date("acceptance_date", &self.acceptance_date));
        if let (Some(i), Some(Some(d))) = (invoice_date, due_date) {
            if d < i {
                e.0.push(FieldError::new("due_date", "is before the invoice date"));
            }
        }
        e.finish(|| InvoiceDraft {
            number: number.unwrap(),
            customer_code: code.unwrap(),
            invoice_date: invoice_date.unwrap(),
            due_date: due_date.unwrap(),
            amount: amount.unwrap(),
            currency: cur.unwrap(),
            order_ref: order_ref.unwrap(),
            ship_date: ship_date.unwrap(),
            acceptance_date: acceptance_date.unwrap(),
        })
    }
}

/// `POST /api/v1/orders`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    #[cfg_attr(feature = "ssr", schema(example = "SO-2026-0001"))]
    pub number: String,
    #[cfg_attr(feature = "ssr", schema(example = "ERP-1001"))]
    pub customer_code: String,
    #[cfg_attr(feature = "ssr", schema(example = "1234.50"))]
    pub amount: String,
    #[cfg_attr(feature = "ssr", schema(format = Date, example = "2026-01-31"))]
    pub ordered_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDraft {
    pub number: String,
    pub customer_code: CustomerCode,
    pub amount: Decimal,
    pub ordered_on: NaiveDate,
}

impl OrderInput {
    pub fn parse(&self) -> Result<OrderDraft, Vec<FieldError>> {
        let mut e = Errors::default();
        let number = e.take(document_number("number", &self.number));
        let code = e.take(customer_code("customer_code", &self.customer_code));
        let amount = e.take(amount("amount", &self.amount, false));
        let on = e.take(date("ordered_on", &self.ordered_on));
        e.finish(|| OrderDraft {
            number: number.unwrap(),
            customer_code: code.unwrap(),
            amount: amount.unwrap(),
            ordered_on: on.unwrap(),
        })
    }
}

/// One requested allocation of a payment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AllocationInput {
    #[cfg_attr(feature = "ssr", schema(example = "INV-2026-0001"))]
    pub invoice_number: String,
    #[cfg_attr(feature = "ssr", schema(example = "1234.50"))]
    pub amount: String,
}

/// `POST /api/v1/payments` and the payments import (which has no allocation columns:
/// imported payments are allocated FIFO).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    #[cfg_attr(feature = "ssr", schema(example = "BANK-20260215-001"))]
    pub reference: String,
    #[cfg_attr(feature = "ssr", schema(example = "ERP-1001"))]
    pub customer_code: String,
    #[cfg_attr(feature = "ssr", schema(format = Date, example = "2026-02-15"))]
    pub received_on: String,
    #[cfg_attr(feature = "ssr", schema(example = "1234.50"))]
    pub amount: String,
    /// Absent: FIFO. Present (even empty): exactly these, the rest stays a credit.
    pub allocations: Option<Vec<AllocationInput>>,
}

impl PaymentInput {
    pub const COLUMNS: &'static [&'static str] =
        &["reference", "customer_code", "received_on", "amount"];
    pub const REQUIRED: &'static [&'static str] =
        &["reference", "customer_code", "received_on", "amount"];
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AllocationRequest {
    Fifo,
    /// (invoice number, amount)
    Manual(Vec<(String, Decimal)>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentDraft {
    pub reference: String,
    pub customer_code: CustomerCode,
    pub received_on: NaiveDate,
    pub amount: Decimal,
    pub allocation: AllocationRequest,
}

impl PaymentInput {
    pub fn parse(&self) -> Result<PaymentDraft, Vec<FieldError>> {
        let mut e = Errors::default();
        let reference = e.take(document_number("reference", &self.reference));
        let code = e.take(customer_code("customer_code", &self.customer_code));
        let on = e.take(date("received_on", &self.received_on));
        let total = e.take(amount("amount", &self.amount, false));
        let allocation = allocation_request(&mut e, &self.allocations, total, "payment");
        e.finish(|| PaymentDraft {
            reference: reference.unwrap(),
            customer_code: code.unwrap(),
            received_on: on.unwrap(),
            amount: total.unwrap(),
            allocation,
        })
    }
}

/// A payment's or a bill's allocations: FIFO when absent, else the invoices given, each
/// named once and together no more than `total` (the `what`'s amount).
pub(crate) fn allocation_request(
    e: &mut Errors,
    lines: &Option<Vec<AllocationInput>>,
    total: Option<Decimal>,
    what: &str,
) -> AllocationRequest {
    let Some(lines) = lines else {
        return AllocationRequest::Fifo;
    };
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let field = |name: &str| format!("allocations[{i}].{name}");
        let n = e.take(document_number(&field("invoice_number"), &l.invoice_number));
        let a = e.take(amount(&field("amount"), &l.amount, false));
        if let (Some(n), Some(a)) = (n, a) {
            if out.iter().any(|(m, _)| *m == n) {
                e.0.push(FieldError::new(
                    field("invoice_number"),
                    format!("invoice {n} appears twice"),
                ));
            }
            out.push((n, a));
        }
    }
    let sum: Decimal = out.iter().map(|(_, a)| *a).sum();
    if let Some(t) = total.filter(|t| sum > *t) {
        e.0.push(FieldError::new(
            "allocations",
            format!("allocations total {sum}, more than the {what} {t}"),
        ));
    }
    AllocationRequest::Manual(out)
}

/// `POST /api/v1/credit-notes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreditNoteInput {
    #[cfg_attr(feature = "ssr", schema(example = "CN-2026-0001"))]
    pub number: String,
    #[cfg_attr(feature = "ssr", schema(example = "ERP-1001"))]
    pub customer_code: String,
    #[cfg_attr(feature = "ssr", schema(format = Date, example = "2026-02-10"))]
    pub issued_on: String,
    #[cfg_attr(feature = "ssr", schema(example = "200.00"))]
    pub amount: String,
    #[cfg_attr(feature = "ssr", schema(example = "INV-2026-0001"))]
    pub invoice_number: Option<String>,
    #[cfg_attr(feature = "ssr", schema(example = "price adjustment"))]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNoteDraft {
    pub number: String,
    pub customer_code: CustomerCode,
    pub issued_on: NaiveDate,
    pub amount: Decimal,
    /// Reduce this invoice; None leaves the note as an unallocated credit.
    pub invoice_number: Option<String>,
    pub reason: String,
}

impl CreditNoteInput {
    pub fn parse(&self) -> Result<CreditNoteDraft, Vec<FieldError>> {
        let mut e = Errors::default();
        let number = e.take(document_number("number", &self.number));
        let code = e.take(customer_code("customer_code", &self.customer_code));
        let on = e.take(date("issued_on", &self.issued_on));
        let amount = e.take(amount("amount", &self.amount, false));
        let invoice = e.take(
            non_empty(&self.invoice_number)
                .map(|s| document_number("invoice_number", s))
                .transpose(),
        );
        e.finish(|| CreditNoteDraft {
            number: number.unwrap(),
            customer_code: code.unwrap(),
            issued_on: on.unwrap(),
            amount: amount.unwrap(),
            invoice_number: invoice.unwrap(),
            reason: text(&self.reason),
        })
    }
}

/// `POST /api/v1/credit-checks` (no side effects).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreditCheckInput {
    #[cfg_attr(feature = "ssr", schema(example = "ERP-1001"))]
    pub customer_code: String,
    #[cfg_attr(feature = "ssr", schema(example = "1234.50"))]
    pub amount: String,
    #[cfg_attr(feature = "ssr", schema(format = Date, example = "2026-01-31"))]
    pub as_of: Option<String>,
}

impl CreditCheckInput {
    pub fn parse(&self) -> Result<(CustomerCode, Decimal, Option<NaiveDate>), Vec<FieldError>> {
        let mut e = Errors::default();
        let code = e.take(customer_code("customer_code", &self.customer_code));
        let amount = e.take(amount("amount", &self.amount, false));
        let as_of = e.take(opt_date("as_of", &self.as_of));
        e.finish(|| (code.unwrap(), amount.unwrap(), as_of.unwrap()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer() -> CustomerInput {
        CustomerInput {
            code: "c-1".into(),
            name: "三一重工".into(),
            uscc: Some("91350100M000100Y43".into()),
            payment_terms_days: "30".into(),
            credit_limit: "500000.00".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_customer_parses_with_book_currency_defaults() {
        let d = customer().parse().unwrap();
        assert_eq!(d.code.as_str(), "C-1");
        assert_eq!(d.credit_limit.minor(), 50_000_000);
        assert_eq!(d.credit_limit.currency(), Currency::CNY);
        assert_eq!(d.temp_limit, None);
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let mut c = customer();
        c.uscc = Some("91350100M000100Y44".into());
        c.credit_limit = "1.001".into();
        c.payment_terms_days = "-3".into();
        c.temp_limit = Some("100".into());
        let errs = c.parse().unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "uscc",
                "payment_terms_days",
                "credit_limit",
                "temp_limit_expires_on"
            ]
        );
        assert!(
            errs[0].message.contains("check digit"),
            "{}",
            errs[0].message
        );
    }

    #[test]
    fn amounts_are_exact_positive_and_at_most_two_decimals() {
        assert_eq!(
            amount("amount", "1,234.5", false).unwrap().to_string(),
            "1234.5"
        );
        assert_eq!(
            amount("amount", "0.10", false).unwrap(),
            Decimal::new(10, 2)
        );
        assert!(amount("amount", "0", false).is_err());
        assert!(amount("amount", "0", true).is_ok());
        assert!(amount("amount", "-1", true).is_err());
        assert!(amount("amount", "1.005", false)
            .unwrap_err()
            .message
            .contains("2 decimal"));
        assert!(
            amount("amount", "1.500", false).is_ok(),
            "trailing zeros are not precision"
        );
        assert!(amount("amount", "abc", false)
            .unwrap_err()
            .message
            .contains("not a decimal"));
        assert!(amount("amount", "1e3", false).is_err());
    }

    #[test]
    fn dates_must_be_iso() {
        assert!(date("d", "2026-02-29").is_err());
        assert!(date("d", "2026/01/01")
            .unwrap_err()
            .message
            .contains("YYYY-MM-DD"));
        assert_eq!(
            date("d", " 2026-01-31 ").unwrap(),
            NaiveDate::from_ymd_opt(2026, 1, 31).unwrap()
        );
    }

    #[test]
    fn invoice_due_date_may_not_precede_invoice_date() {
        let i = InvoiceInput {
            number: "INV-1".into(),
            customer_code: "C1".into(),
            invoice_date: "2026-03-10".into(),
            due_date: Some("2026-03-09".into()),
            amount: "10".into(),
            ..Default::default()
        };
        assert_eq!(i.parse().unwrap_err()[0].field, "due_date");
    }

    #[test]
    fn payment_allocations_are_checked_against_the_payment() {
        let p = PaymentInput {
            reference: "P1".into(),
            customer_code: "C1".into(),
            received_on: "2026-03-10".into(),
            amount: "100".into(),
            allocations: Some(vec![
                AllocationInput {
                    invoice_number: "A".into(),
                    amount: "60".into(),
                },
                AllocationInput {
                    invoice_number: "A".into(),
                    amount: "50".into(),
                },
            ]),
        };
        let errs = p.parse().unwrap_err();
        assert!(errs
            .iter()
            .any(|e| e.field == "allocations[1].invoice_number"));
        assert!(errs
            .iter()
            .any(|e| e.field == "allocations" && e.message.contains("more than the payment")));
    }

    #[test]
    fn unknown_fields_are_rejected_on_the_wire() {
        let err = serde_json::from_str::<OrderInput>(r#"{"number":"O1","customer_code":"C1","amount":"1","ordered_on":"2026-01-01","amout":"2"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("amout"));
    }

    #[test]
    fn patch_tells_null_from_absent() {
        let p: CustomerPatchInput = serde_json::from_str(r#"{"temp_limit":null}"#).unwrap();
        assert_eq!(p.parse(Currency::CNY).unwrap().temp_limit, Some(None));
        let p: CustomerPatchInput = serde_json::from_str(r#"{"status":"frozen"}"#).unwrap();
        let patch = p.parse(Currency::CNY).unwrap();
        assert_eq!(patch.temp_limit, None);
        assert_eq!(patch.status, Some(CustomerStatus::Frozen));
        let p: CustomerPatchInput = serde_json::from_str(r#"{}"#).unwrap();
        assert!(p.parse(Currency::CNY).is_err());
    }
}
