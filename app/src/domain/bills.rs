//! Acceptance bills receivable (应收票据): a customer pays with a bank's or a company's
//! promise to pay on a maturity date, not with cash.
//!
//! Invariants, and why they hold:
//! - **A bill is parsed once.** [`BillInput::parse`] checks every field and names each
//!   problem: the number's form (30 digits electronic, 16 paper), a positive face
//!   amount, `issued_on ≤ received_on < matures_on`, and a term within the medium's
//!   legal maximum (one year electronic, six months paper). Nothing else makes a
//!   [`NewBill`].
//! - **Receiving settles like a payment.** The bill's allocations are a payment's
//!   ([`AllocationRequest`]: FIFO, or the invoices given, never more than the face).
//! - **The lifecycle only moves forward** ([`lifecycle`]): held → endorsed, discounted
//!   or collected; held, endorsed or discounted → dishonoured (the holder has recourse
//!   against the customer until the acceptor pays). Each step is dated on or after the
//!   one before.
use super::customer::CustomerCode;
use super::documents::{
    allocation_request, amount, customer_code, date, required_text, AllocationInput,
    AllocationRequest, Errors, FieldError,
};
use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub mod in_hand;
pub mod lifecycle;

/// Who accepted the bill: a bank (银行承兑汇票) or a company (商业承兑汇票).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BillKind {
    Bank,
    Commercial,
}

/// Electronic (ECDS, 30-digit numbers) or paper (16-digit numbers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Medium {
    #[default]
    Electronic,
    Paper,
}

impl BillKind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            BillKind::Bank => "bank",
            BillKind::Commercial => "commercial",
        }
    }
}

impl Medium {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Medium::Electronic => "electronic",
            Medium::Paper => "paper",
        }
    }

    fn digits(self) -> usize {
        match self {
            Medium::Electronic => 30,
            Medium::Paper => 16,
        }
    }

    /// The longest term from issue to maturity.
    fn max_term(self) -> Months {
        match self {
            Medium::Electronic => Months::new(12),
            Medium::Paper => Months::new(6),
        }
    }
}

/// `POST /api/v1/bills`: amounts as decimal strings in the book currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BillInput {
    #[cfg_attr(feature = "ssr", schema(example = "130258100000120260115000123456"))]
    pub number: String,
    #[cfg_attr(feature = "ssr", schema(example = "ERP-1001"))]
    pub customer_code: String,
    pub kind: BillKind,
    /// Default: electronic.
    #[serde(default)]
    pub medium: Medium,
    #[cfg_attr(feature = "ssr", schema(example = "中国工商银行长沙分行"))]
    pub acceptor: String,
    #[cfg_attr(feature = "ssr", schema(example = "500000.00"))]
    pub face_amount: String,
    #[cfg_attr(feature = "ssr", schema(format = Date, example = "2026-01-15"))]
    pub issued_on: String,
    #[cfg_attr(feature = "ssr", schema(format = Date, example = "2026-01-20"))]
    pub received_on: String,
    #[cfg_attr(feature = "ssr", schema(format = Date, example = "2026-07-15"))]
    pub matures_on: String,
    /// Absent: FIFO. Present (even empty): exactly these, the rest stays a credit.
    pub allocations: Option<Vec<AllocationInput>>,
}

/// A bill ready to be received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewBill {
    pub number: String,
    pub customer_code: CustomerCode,
    pub kind: BillKind,
    pub medium: Medium,
    pub acceptor: String,
    pub face_amount: Decimal,
    pub issued_on: NaiveDate,
    pub received_on: NaiveDate,
    pub matures_on: NaiveDate,
    pub allocation: AllocationRequest,
}

impl BillInput {
    /// Every problem at once, each naming its field.
    pub fn parse(&self) -> Result<NewBill, Vec<FieldError>> {
        let mut e = Errors::default();
        let number = e.take(bill_number(&self.number, self.medium));
        let code = e.take(customer_code("customer_code", &self.customer_code));
        let acceptor = e.take(required_text("acceptor", &self.acceptor, 200));
        let face = e.take(amount("face_amount", &self.face_amount, false));
        let issued = e.take(date("issued_on", &self.issued_on));
        let received = e.take(date("received_on", &self.received_on));
        let matures = e.take(date("matures_on", &self.matures_on));
        if let (Some(i), Some(r), Some(m)) = (issued, received, matures) {
            e.take(dates_in_order(i, r, m, self.medium));
        }
        let allocation = allocation_request(&mut e, &self.allocations, face, "face amount");
        e.finish(|| NewBill {
            number: number.unwrap(),
            customer_code: code.unwrap(),
            kind: self.kind,
            medium: self.medium,
            acceptor: acceptor.unwrap(),
            face_amount: face.unwrap(),
            issued_on: issued.unwrap(),
            received_on: received.unwrap(),
            matures_on: matures.unwrap(),
            allocation,
        })
    }
}

/// The bill number as printed, spaces removed: only digits, as many as the medium has.
fn bill_number(s: &str, medium: Medium) -> Result<String, FieldError> {
    let n: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let want = medium.digits();
    if n.len() != want || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new(
            "number",
            format!(
                "'{}' is not a {} bill number: {want} digits",
                s.trim(),
                medium.as_str()
            ),
        ));
    }
    Ok(n)
}

fn dates_in_order(
    issued: NaiveDate,
    received: NaiveDate,
    matures: NaiveDate,
    medium: Medium,
) -> Result<(), FieldError> {
    if received < issued {
        return Err(FieldError::new(
            "received_on",
            "is before the bill was issued",
        ));
    }
    if matures <= received {
        return Err(FieldError::new(
            "matures_on",
            "must be after the bill was received",
        ));
    }
    if issued
        .checked_add_months(medium.max_term())
        .is_none_or(|latest| matures > latest)
    {
        let months = medium.max_term().as_u32();
        return Err(FieldError::new(
            "matures_on",
            format!(
                "is more than {months} months after issue, the longest a {} bill may run",
                medium.as_str()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
