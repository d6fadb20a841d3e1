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
        OpenItem { customer_id, invoice_date: self.invoice_date, due_date: self.due_date, open: self.open }
    }
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
        assert_eq!(default_due_date(d, 30), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert_eq!(default_due_date(d, 0), d);
    }
}
