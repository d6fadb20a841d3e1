//! The customer credit file.
//!
//! Invariants: a `CustomerCode` is 1–32 characters of `A-Z 0-9 - _ .` (upper case), so it
//! is safe in URLs, file names and ERP keys; a customer's status and grade are closed
//! enums, so a typo in the database or on the wire is an error, not a new state.
use super::money::Money;
use super::uscc::Uscc;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerError {
    #[error("customer code must be 1 to 32 characters, got {0}")]
    CodeLength(usize),
    #[error("customer code contains '{0}'; use letters, digits, '-', '_' or '.'")]
    CodeCharacter(char),
    #[error("unknown customer status '{0}' (normal, watch, frozen, blacklisted)")]
    Status(String),
    #[error("unknown credit grade '{0}' (A, B, C, D)")]
    Grade(String),
}

/// The customer's unique business key, as ERP systems know it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(try_from = "String", into = "String")]
pub struct CustomerCode(String);

impl CustomerCode {
    pub fn parse(input: &str) -> Result<Self, CustomerError> {
        let s = input.trim().to_ascii_uppercase();
        let n = s.chars().count();
        if n == 0 || n > 32 {
            return Err(CustomerError::CodeLength(n));
        }
        if let Some(bad) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(CustomerError::CodeCharacter(bad));
        }
        Ok(CustomerCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CustomerCode {
    type Error = CustomerError;
    fn try_from(s: String) -> Result<Self, CustomerError> {
        CustomerCode::parse(&s)
    }
}

impl From<CustomerCode> for String {
    fn from(c: CustomerCode) -> String {
        c.0
    }
}

impl fmt::Display for CustomerCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where the customer stands; `frozen` and `blacklisted` block new orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerStatus {
    Normal,
    Watch,
    Frozen,
    Blacklisted,
}

impl CustomerStatus {
    pub const ALL: [CustomerStatus; 4] = [
        CustomerStatus::Normal,
        CustomerStatus::Watch,
        CustomerStatus::Frozen,
        CustomerStatus::Blacklisted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CustomerStatus::Normal => "normal",
            CustomerStatus::Watch => "watch",
            CustomerStatus::Frozen => "frozen",
            CustomerStatus::Blacklisted => "blacklisted",
        }
    }

    pub fn parse(s: &str) -> Result<Self, CustomerError> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| CustomerError::Status(s.to_string()))
    }
}

/// Credit grade from scoring: A is best. A customer not yet scored has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Grade {
    A,
    B,
    C,
    D,
}

impl Grade {
    pub const ALL: [Grade; 4] = [Grade::A, Grade::B, Grade::C, Grade::D];

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }

    pub fn parse(s: &str) -> Result<Self, CustomerError> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| CustomerError::Grade(s.to_string()))
    }
}

/// A contact person at the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
    pub email: String,
}

/// What it takes to open a credit file; ids and timestamps come from the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCustomer {
    pub code: CustomerCode,
    pub name: String,
    pub uscc: Option<Uscc>,
    pub region: String,
    pub industry: String,
    pub sales_rep_id: Option<i64>,
    pub contact: Contact,
    pub payment_terms_days: u16,
    pub credit_limit: Money,
    pub temp_limit: Option<(Money, NaiveDate)>,
    pub status: CustomerStatus,
    pub grade: Option<Grade>,
    /// The customer group (`domain::groups`) it buys under, by code.
    pub group_code: Option<CustomerCode>,
}

/// One line of the customer list, with its receivables at the list's as_of date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub code: CustomerCode,
    pub name: String,
    pub region: String,
    pub industry: String,
    pub sales_rep: Option<String>,
    pub status: CustomerStatus,
    pub grade: Option<Grade>,
    pub open: Money,
    pub overdue: Money,
    pub max_days_past_due: i64,
}

/// The credit file as the customer page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFile {
    pub id: i64,
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
    pub status: CustomerStatus,
    pub grade: Option<Grade>,
    pub group_code: Option<CustomerCode>,
}

/// The temporary limit in force at `as_of`: it counts while `as_of` ≤ its expiry. The
/// one place this rule lives (the credit position, the customer file and the REST
/// credit summary all ask here).
pub fn active_temp_limit(temp: Option<(Money, NaiveDate)>, as_of: NaiveDate) -> Option<Money> {
    temp.filter(|(_, expires)| as_of <= *expires)
        .map(|(m, _)| m)
}

/// The limit in force at `as_of`: the credit limit plus the active temporary limit.
pub fn effective_limit(
    limit: Money,
    temp: Option<(Money, NaiveDate)>,
    as_of: NaiveDate,
) -> Result<Money, crate::domain::money::MoneyError> {
    match active_temp_limit(temp, as_of) {
        Some(extra) => limit.checked_add(extra),
        None => Ok(limit),
    }
}

impl CustomerFile {
    /// `effective_limit` of this file (the plain limit should the sum overflow).
    pub fn effective_limit(&self, as_of: NaiveDate) -> Money {
        effective_limit(self.credit_limit, self.temp_limit, as_of).unwrap_or(self.credit_limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;

    #[test]
    fn codes_are_normalised_and_checked() {
        assert_eq!(CustomerCode::parse(" c-0001 ").unwrap().as_str(), "C-0001");
        assert_eq!(CustomerCode::parse(""), Err(CustomerError::CodeLength(0)));
        assert_eq!(
            CustomerCode::parse("C 1"),
            Err(CustomerError::CodeCharacter(' '))
        );
        assert!(CustomerCode::parse(&"X".repeat(33)).is_err());
    }

    #[test]
    fn status_and_grade_round_trip_and_reject_unknowns() {
        for s in CustomerStatus::ALL {
            assert_eq!(CustomerStatus::parse(s.as_str()), Ok(s));
        }
        assert!(CustomerStatus::parse("closed").is_err());
        assert_eq!(Grade::parse("B"), Ok(Grade::B));
        assert!(Grade::parse("E").is_err());
    }

    #[test]
    fn temporary_limit_counts_through_its_expiry_day_only() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let file = CustomerFile {
            id: 1,
            code: CustomerCode::parse("C1").unwrap(),
            name: "x".into(),
            uscc: Uscc::parse("91350100M000100Y43").ok(),
            region: String::new(),
            industry: String::new(),
            sales_rep: None,
            contact: Contact {
                name: String::new(),
                phone: String::new(),
                email: String::new(),
            },
            payment_terms_days: 30,
            credit_limit: Money::from_minor(100_00, Currency::CNY),
            temp_limit: Some((Money::from_minor(50_00, Currency::CNY), day(10))),
            status: CustomerStatus::Normal,
            grade: None,
            group_code: None,
        };
        assert_eq!(file.effective_limit(day(10)).minor(), 150_00);
        assert_eq!(file.effective_limit(day(11)).minor(), 100_00);
    }
}
