//! Invoices as the UI reads them. Posting rules (due date from terms, allocation
//! limits) arrive with the ledger; this is the read side the customer page needs.
use super::aging::{days_past_due, Light, OpenItem};
use super::money::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An open invoice at an as_of date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub id: i64,
    pub number: String,
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    pub amount: Money,
    pub open: Money,
}

impl InvoiceLine {
    /// Days past due at `as_of` (negative while not yet due).
    pub fn days_past_due(&self, as_of: NaiveDate) -> i64 {
        days_past_due(as_of, self.due_date)
    }

    pub fn light(&self, as_of: NaiveDate) -> Light {
        Light::for_days(self.days_past_due(as_of))
    }

    /// The line as an aging input.
    pub fn open_item(&self, customer_id: i64) -> OpenItem {
        OpenItem {
            customer_id,
            invoice_date: self.invoice_date,
            due_date: self.due_date,
            open: self.open,
        }
    }
}

/// Which invoices a list shows, by their open amount at the as_of date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Anything still open (the default).
    #[default]
    Open,
    /// Open and at least one day past due.
    Overdue,
    /// Fully settled.
    Paid,
    All,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 4] = [
        InvoiceStatus::Open,
        InvoiceStatus::Overdue,
        InvoiceStatus::Paid,
        InvoiceStatus::All,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Open => "open",
            InvoiceStatus::Overdue => "overdue",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The column an invoice list is ordered by; ties always break on the number, so
/// pages never overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceSort {
    #[default]
    DueDate,
    InvoiceDate,
    Number,
    Customer,
    Amount,
    Open,
}

impl InvoiceSort {
    pub const ALL: [InvoiceSort; 6] = [
        InvoiceSort::DueDate,
        InvoiceSort::InvoiceDate,
        InvoiceSort::Number,
        InvoiceSort::Customer,
        InvoiceSort::Amount,
        InvoiceSort::Open,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceSort::DueDate => "due_date",
            InvoiceSort::InvoiceDate => "invoice_date",
            InvoiceSort::Number => "number",
            InvoiceSort::Customer => "customer",
            InvoiceSort::Amount => "amount",
            InvoiceSort::Open => "open",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// One row of the invoice list: the invoice, its customer and its open amount at as_of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceRow {
    pub line: InvoiceLine,
    pub customer_id: i64,
    pub customer_code: String,
    pub customer_name: String,
    pub region: String,
    pub sales_rep: Option<String>,
}

/// Due date when the invoice carries none: invoice date plus the customer's terms.
pub fn default_due_date(invoice_date: NaiveDate, payment_terms_days: u16) -> NaiveDate {
    invoice_date + chrono::Duration::days(i64::from(payment_terms_days))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_due_date_is_invoice_date_plus_terms() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        assert_eq!(
            default_due_date(d, 30),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
        );
        assert_eq!(default_due_date(d, 0), d);
    }
}
