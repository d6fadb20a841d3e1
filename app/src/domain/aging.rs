//! Receivables aging at any `as_of` date (due-date basis).
//!
//! Invariants, property-tested below:
//! - every open item falls in exactly one bucket, so Σ buckets = total open AR;
//! - overdue = Σ of the buckets past due (days past due ≥ 1) ≤ total;
//! - the result depends only on the items and `as_of`, never on the wall clock.
//!
//! Bucket edges: `current` ≤ 0 days past due, then 1-30, 31-60, 61-90, 90+.
//! Day 30 is in 1-30, day 31 in 31-60, day 90 in 61-90, day 91 in 90+.
use super::money::{percent, Currency, Money};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A due-date-basis aging bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Current,
    Days1To30,
    Days31To60,
    Days61To90,
    Over90,
}

/// Traffic-light colour of a bucket: green current, amber 1-60, red beyond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Amber,
    Red,
}

impl Light {
    pub fn css(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Amber => "amber",
            Light::Red => "red",
        }
    }
}

impl Bucket {
    pub const ALL: [Bucket; 5] = [Bucket::Current, Bucket::Days1To30, Bucket::Days31To60, Bucket::Days61To90, Bucket::Over90];

    pub fn for_days_past_due(days: i64) -> Bucket {
        match days {
            i64::MIN..=0 => Bucket::Current,
            1..=30 => Bucket::Days1To30,
            31..=60 => Bucket::Days31To60,
            61..=90 => Bucket::Days61To90,
            _ => Bucket::Over90,
        }
    }

    /// Stable machine label, also the i18n-independent chart axis key.
    pub fn label(self) -> &'static str {
        match self {
            Bucket::Current => "current",
            Bucket::Days1To30 => "1-30",
            Bucket::Days31To60 => "31-60",
            Bucket::Days61To90 => "61-90",
            Bucket::Over90 => "90+",
        }
    }

    pub fn light(self) -> Light {
        match self {
            Bucket::Current => Light::Green,
            Bucket::Days1To30 | Bucket::Days31To60 => Light::Amber,
            Bucket::Days61To90 | Bucket::Over90 => Light::Red,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Days past due at `as_of`; negative while the invoice is not yet due.
pub fn days_past_due(as_of: NaiveDate, due: NaiveDate) -> i64 {
    (as_of - due).num_days()
}

/// One invoice's open amount at the as_of date (already point-in-time: only
/// allocations dated on or before as_of have been subtracted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenItem {
    pub customer_id: i64,
    pub due_date: NaiveDate,
    pub open: Money,
}

/// The total of one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketTotal {
    pub bucket: Bucket,
    pub amount: Money,
    pub invoices: u32,
}

/// The portfolio's aging and headline figures at one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgingSummary {
    pub as_of: NaiveDate,
    pub buckets: Vec<BucketTotal>,
    pub total: Money,
    pub overdue: Money,
    /// Overdue ÷ total open, in percent with two decimals; `None` when nothing is open.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub overdue_rate_pct: Option<Decimal>,
    pub open_invoices: u32,
    pub customers_overdue: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgingError {
    #[error("open item in {found} in a {expected} aging")]
    Currency { found: Currency, expected: Currency },
    #[error("aging total overflows")]
    Overflow,
}

/// Ages open items at `as_of`. Items with nothing open (fully settled) are skipped;
/// a negative open amount (an over-allocation) is impossible by the ledger's invariant
/// and is kept as-is so that it shows rather than hides.
pub fn summarize(as_of: NaiveDate, currency: Currency, items: &[OpenItem]) -> Result<AgingSummary, AgingError> {
    let mut minor = [0i64; 5];
    let mut counts = [0u32; 5];
    let mut overdue_customers = std::collections::BTreeSet::new();
    for item in items {
        if item.open.currency() != currency {
            return Err(AgingError::Currency { found: item.open.currency(), expected: currency });
        }
        if item.open.is_zero() {
            continue;
        }
        let b = Bucket::for_days_past_due(days_past_due(as_of, item.due_date));
        minor[b.index()] = minor[b.index()].checked_add(item.open.minor()).ok_or(AgingError::Overflow)?;
        counts[b.index()] += 1;
        if b != Bucket::Current {
            overdue_customers.insert(item.customer_id);
        }
    }
    let total_minor = minor.iter().try_fold(0i64, |acc, m| acc.checked_add(*m)).ok_or(AgingError::Overflow)?;
    let overdue_minor = total_minor - minor[Bucket::Current.index()];
    let total = Money::from_minor(total_minor, currency);
    let overdue = Money::from_minor(overdue_minor, currency);
    Ok(AgingSummary {
        as_of,
        buckets: Bucket::ALL
            .iter()
            .map(|&b| BucketTotal { bucket: b, amount: Money::from_minor(minor[b.index()], currency), invoices: counts[b.index()] })
            .collect(),
        total,
        overdue,
        overdue_rate_pct: percent(overdue, total),
        open_invoices: counts.iter().sum(),
        customers_overdue: overdue_customers.len() as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn bucket_edges_follow_the_spec() {
        let table = [
            (-5, Bucket::Current),
            (0, Bucket::Current),
            (1, Bucket::Days1To30),
            (30, Bucket::Days1To30),
            (31, Bucket::Days31To60),
            (60, Bucket::Days31To60),
            (61, Bucket::Days61To90),
            (90, Bucket::Days61To90),
            (91, Bucket::Over90),
            (4000, Bucket::Over90),
        ];
        for (days, bucket) in table {
            assert_eq!(Bucket::for_days_past_due(days), bucket, "day {days}");
        }
    }

    #[test]
    fn lights_are_green_amber_red() {
        assert_eq!(Bucket::Current.light(), Light::Green);
        assert_eq!(Bucket::Days31To60.light(), Light::Amber);
        assert_eq!(Bucket::Days61To90.light(), Light::Red);
    }

    #[test]
    fn summary_of_a_small_portfolio() {
        let as_of = d(2026, 6, 30);
        let item = |c, due, minor| OpenItem { customer_id: c, due_date: due, open: Money::from_minor(minor, Currency::CNY) };
        let items = [
            item(1, d(2026, 7, 15), 100_00), // current
            item(1, d(2026, 6, 29), 50_00),  // 1 day
            item(2, d(2026, 3, 31), 25_00),  // 91 days
            item(3, d(2026, 6, 1), 0),       // settled: ignored
        ];
        let s = summarize(as_of, Currency::CNY, &items).unwrap();
        assert_eq!(s.total.minor(), 175_00);
        assert_eq!(s.overdue.minor(), 75_00);
        assert_eq!(s.buckets[Bucket::Over90.index()].amount.minor(), 25_00);
        assert_eq!(s.open_invoices, 3);
        assert_eq!(s.customers_overdue, 2);
        assert_eq!(s.overdue_rate_pct.unwrap().to_string(), "42.86");
    }

    #[test]
    fn empty_portfolio_has_no_rate() {
        let s = summarize(d(2026, 1, 1), Currency::CNY, &[]).unwrap();
        assert_eq!(s.overdue_rate_pct, None);
        assert!(s.total.is_zero());
    }

    #[test]
    fn foreign_currency_items_are_refused() {
        let items = [OpenItem { customer_id: 1, due_date: d(2026, 1, 1), open: Money::from_minor(1, Currency::USD) }];
        assert!(matches!(summarize(d(2026, 1, 1), Currency::CNY, &items), Err(AgingError::Currency { .. })));
    }

    proptest! {
        #[test]
        fn buckets_sum_to_total_and_overdue_never_exceeds_it(
            raw in proptest::collection::vec((0i64..50, -200i64..400, 0i64..10_000_000_00), 0..200),
            as_of_offset in 0i64..365,
        ) {
            let as_of = d(2026, 1, 1) + chrono::Duration::days(as_of_offset);
            let items: Vec<OpenItem> = raw.iter().map(|&(c, off, minor)| OpenItem {
                customer_id: c,
                due_date: as_of + chrono::Duration::days(off),
                open: Money::from_minor(minor, Currency::CNY),
            }).collect();
            let s = summarize(as_of, Currency::CNY, &items).unwrap();
            let sum: i64 = s.buckets.iter().map(|b| b.amount.minor()).sum();
            prop_assert_eq!(sum, s.total.minor());
            prop_assert_eq!(sum, items.iter().map(|i| i.open.minor()).sum::<i64>());
            prop_assert!(s.overdue.minor() <= s.total.minor());
            let past_due: i64 = items.iter().filter(|i| days_past_due(as_of, i.due_date) >= 1).map(|i| i.open.minor()).sum();
            prop_assert_eq!(s.overdue.minor(), past_due);
        }
    }
}
