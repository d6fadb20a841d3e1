//! Receivables aging at any `as_of` date, on two bases with configurable bucket edges.
//!
//! - Due-date basis (the default): days = as_of − due date. Standard edges 0/30/60/90
//!   give `current` (≤ 0), `1-30`, `31-60`, `61-90`, `90+`: day 30 is in 1-30, day 31 in
//!   31-60, day 90 in 61-90, day 91 in 90+.
//! - Invoice-date basis: days = as_of − invoice date. Standard edges 30/60/90 give
//!   `0-30`, `31-60`, `61-90`, `90+`.
//!
//! Invariants, property-tested below for any valid edges:
//! - every open item falls in exactly one bucket, so Σ buckets = total open AR;
//! - overdue (always on the due date: days past due ≥ 1) ≤ total, whatever the basis;
//! - the result depends only on the items, the edges and `as_of`, never on the clock.
use super::money::{percent, Currency, Money};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What the days of an item are counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Days past the due date.
    Due,
    /// Days since the invoice date.
    Invoice,
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

    /// The light of a number of days past due.
    pub fn for_days(days: i64) -> Light {
        match days {
            i64::MIN..=0 => Light::Green,
            1..=60 => Light::Amber,
            _ => Light::Red,
        }
    }
}

/// Key of the due-date bucket of items not yet past due.
pub const CURRENT: &str = "current";

/// Bucket edges: inclusive upper bounds in days, strictly increasing, followed by one
/// open-ended bucket. Private fields: only `new` and `standard` build them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "EdgesWire")]
pub struct Edges {
    basis: Basis,
    upper: Vec<i64>,
}

#[derive(Deserialize)]
struct EdgesWire {
    basis: Basis,
    upper: Vec<i64>,
}

impl TryFrom<EdgesWire> for Edges {
    type Error = AgingError;
    fn try_from(w: EdgesWire) -> Result<Self, AgingError> {
        Edges::new(w.basis, w.upper)
    }
}

impl Edges {
    pub const MAX_EDGES: usize = 10;

    pub fn new(basis: Basis, upper: Vec<i64>) -> Result<Self, AgingError> {
        if upper.is_empty() || upper.len() > Self::MAX_EDGES {
            return Err(AgingError::Edges(format!(
                "give 1 to {} bucket edges",
                Self::MAX_EDGES
            )));
        }
        if upper[0] < 0 || upper.iter().any(|&e| e > 3650) {
            return Err(AgingError::Edges(
                "edges must be between 0 and 3650 days".into(),
            ));
        }
        if upper.windows(2).any(|w| w[0] >= w[1]) {
            return Err(AgingError::Edges(
                "edges must be strictly increasing".into(),
            ));
        }
        Ok(Edges { basis, upper })
    }

    /// The edges finance starts from: 0/30/60/90 on due date, 30/60/90 on invoice date.
    pub fn standard(basis: Basis) -> Self {
        let upper = match basis {
            Basis::Due => vec![0, 30, 60, 90],
            Basis::Invoice => vec![30, 60, 90],
        };
        Edges { basis, upper }
    }

    /// Edges typed by finance as a comma-separated list of days, such as `0, 30, 60, 90`.
    pub fn parse_list(basis: Basis, text: &str) -> Result<Self, AgingError> {
        let upper = text
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                t.parse::<i64>()
                    .map_err(|_| AgingError::Edges(format!("'{t}' is not a whole number of days")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Edges::new(basis, upper)
    }

    pub fn basis(&self) -> Basis {
        self.basis
    }

    /// The inclusive upper bounds, in days, before the open-ended last bucket.
    pub fn upper(&self) -> &[i64] {
        &self.upper
    }

    /// The index of the bucket whose key is `key`.
    pub fn position(&self, key: &str) -> Option<usize> {
        (0..self.bucket_count()).find(|&i| self.key(i) == key)
    }

    /// Bucket `i`'s days on this basis, both ends inclusive; `None` is unbounded (the
    /// first bucket also holds everything younger, the last everything older).
    pub fn day_range(&self, i: usize) -> (Option<i64>, Option<i64>) {
        let lower = if i == 0 {
            None
        } else {
            self.upper.get(i - 1).map(|e| e + 1)
        };
        (lower, self.upper.get(i).copied())
    }

    pub fn bucket_count(&self) -> usize {
        self.upper.len() + 1
    }

    /// The bucket of an item that is `days` old on this basis.
    pub fn index_of(&self, days: i64) -> usize {
        self.upper
            .iter()
            .position(|&e| days <= e)
            .unwrap_or(self.upper.len())
    }

    /// The days counted for an item on this basis.
    pub fn days(&self, as_of: NaiveDate, invoice_date: NaiveDate, due_date: NaiveDate) -> i64 {
        match self.basis {
            Basis::Due => days_past_due(as_of, due_date),
            Basis::Invoice => (as_of - invoice_date).num_days(),
        }
    }

    /// Stable key of bucket `i`: `current`, `1-30`, `0-30`, `90+`…
    pub fn key(&self, i: usize) -> String {
        let lower = if i == 0 {
            None
        } else {
            Some(self.upper[i - 1] + 1)
        };
        match (lower, self.upper.get(i)) {
            (None, Some(0)) if self.basis == Basis::Due => CURRENT.into(),
            (None, Some(hi)) if self.basis == Basis::Due => format!("≤{hi}"),
            (None, Some(hi)) => format!("0-{hi}"),
            (Some(lo), Some(hi)) => format!("{lo}-{hi}"),
            (Some(lo), None) => format!("{}+", lo - 1),
            (None, None) => unreachable!("edges are never empty"),
        }
    }

    /// Traffic light of bucket `i`, by the first day it holds: the first bucket (current,
    /// or the youngest invoices) is green, the others follow `Light::for_days`.
    pub fn light(&self, i: usize) -> Light {
        if i == 0 {
            Light::Green
        } else {
            Light::for_days(self.upper[i - 1] + 1)
        }
    }
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Due => "due",
            Basis::Invoice => "invoice",
        }
    }

    pub fn parse(s: &str) -> Option<Basis> {
        [Basis::Due, Basis::Invoice]
            .into_iter()
            .find(|b| b.as_str() == s)
    }
}

/// The dates whose age at `as_of` (as_of − date, in days) lies within `[min, max]`:
/// `(earliest, latest)`, both inclusive, `None` where unbounded. This turns a bucket or
/// an "overdue days" filter into a date range an index can serve.
pub fn dates_aged(
    as_of: NaiveDate,
    min: Option<i64>,
    max: Option<i64>,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let back = |days: i64| as_of.checked_sub_signed(chrono::Duration::days(days));
    (max.and_then(back), min.and_then(back))
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
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    pub open: Money,
}

/// The total of one bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketTotal {
    /// `current`, `1-30`, … (see `Edges::key`); the UI localises it.
    pub key: String,
    pub light: Light,
    pub amount: Money,
    pub invoices: u32,
}

/// The portfolio's aging and headline figures at one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgingSummary {
    pub as_of: NaiveDate,
    pub basis: Basis,
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
    #[error("aging buckets: {0}")]
    Edges(String),
}

/// Each customer's open amount per bucket, in minor units, for the per-customer aging
/// (the rows of the export); the same bucketing as `summarize`, so the rows add up to
/// its totals.
pub fn by_customer(
    as_of: NaiveDate,
    edges: &Edges,
    items: &[OpenItem],
) -> std::collections::BTreeMap<i64, Vec<i64>> {
    let mut out: std::collections::BTreeMap<i64, Vec<i64>> = std::collections::BTreeMap::new();
    for item in items.iter().filter(|i| !i.open.is_zero()) {
        let row = out
            .entry(item.customer_id)
            .or_insert_with(|| vec![0; edges.bucket_count()]);
        row[edges.index_of(edges.days(as_of, item.invoice_date, item.due_date))] +=
            item.open.minor();
    }
    out
}

/// Ages open items at `as_of` into the buckets of `edges`. Items with nothing open are
/// skipped; overdue is always counted on the due date, whatever the basis.
pub fn summarize(
    as_of: NaiveDate,
    currency: Currency,
    edges: &Edges,
    items: &[OpenItem],
) -> Result<AgingSummary, AgingError> {
    let n = edges.bucket_count();
    let mut minor = vec![0i64; n];
    let mut counts = vec![0u32; n];
    let mut overdue_minor = 0i64;
    let mut overdue_customers = std::collections::BTreeSet::new();
    for item in items {
        if item.open.currency() != currency {
            return Err(AgingError::Currency {
                found: item.open.currency(),
                expected: currency,
            });
        }
        if item.open.is_zero() {
            continue;
        }
        let i = edges.index_of(edges.days(as_of, item.invoice_date, item.due_date));
        minor[i] = minor[i]
            .checked_add(item.open.minor())
            .ok_or(AgingError::Overflow)?;
        counts[i] += 1;
        if days_past_due(as_of, item.due_date) >= 1 {
            overdue_minor = overdue_minor
                .checked_add(item.open.minor())
                .ok_or(AgingError::Overflow)?;
            overdue_customers.insert(item.customer_id);
        }
    }
    let total_minor = minor
        .iter()
        .try_fold(0i64, |acc, m| acc.checked_add(*m))
        .ok_or(AgingError::Overflow)?;
    let total = Money::from_minor(total_minor, currency);
    let overdue = Money::from_minor(overdue_minor, currency);
    Ok(AgingSummary {
        as_of,
        basis: edges.basis(),
        buckets: (0..n)
            .map(|i| BucketTotal {
                key: edges.key(i),
                light: edges.light(i),
                amount: Money::from_minor(minor[i], currency),
                invoices: counts[i],
            })
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
    #[test]
    fn bucket_day_ranges_turn_into_date_ranges_that_agree_with_index_of() {
        let as_of = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        for basis in [Basis::Due, Basis::Invoice] {
            let e = Edges::standard(basis);
            for i in 0..e.bucket_count() {
                let (min, max) = e.day_range(i);
                let (earliest, latest) = dates_aged(as_of, min, max);
                for days in -40..200i64 {
                    let date = as_of - chrono::Duration::days(days);
                    let in_range =
                        earliest.is_none_or(|d| date >= d) && latest.is_none_or(|d| date <= d);
                    assert_eq!(
                        in_range,
                        e.index_of(days) == i,
                        "{basis:?} bucket {i} day {days}"
                    );
                }
                assert_eq!(e.position(&e.key(i)), Some(i));
            }
        }
        assert_eq!(
            Edges::standard(Basis::Due).day_range(1),
            (Some(1), Some(30))
        );
        assert_eq!(Edges::standard(Basis::Due).day_range(4), (Some(91), None));
    }

    #[test]
    fn per_customer_rows_add_up_to_the_summary() {
        let as_of = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let item = |customer_id, days_ago: i64, minor| OpenItem {
            customer_id,
            invoice_date: as_of - chrono::Duration::days(days_ago + 30),
            due_date: as_of - chrono::Duration::days(days_ago),
            open: Money::from_minor(minor, Currency::CNY),
        };
        let items = [
            item(1, 5, 100),
            item(1, 45, 250),
            item(2, -3, 70),
            item(2, 120, 1),
            item(3, 10, 0),
        ];
        let edges = Edges::standard(Basis::Due);
        let rows = by_customer(as_of, &edges, &items);
        assert_eq!(rows[&1], vec![0, 100, 250, 0, 0]);
        assert_eq!(rows[&2], vec![70, 0, 0, 0, 1]);
        assert!(!rows.contains_key(&3), "nothing open, no row");
        let summary = summarize(as_of, Currency::CNY, &edges, &items).unwrap();
        for (b, total) in summary.buckets.iter().enumerate() {
            assert_eq!(
                rows.values().map(|r| r[b]).sum::<i64>(),
                total.amount.minor()
            );
        }
    }

    #[test]
    fn finance_types_edges_as_a_list() {
        let e = Edges::parse_list(Basis::Due, " 0, 15,45 ,90,180").unwrap();
        assert_eq!(e.upper(), &[0, 15, 45, 90, 180]);
        assert_eq!(e.key(5), "180+");
        assert!(Edges::parse_list(Basis::Due, "0, 30, x")
            .unwrap_err()
            .to_string()
            .contains("'x'"));
        assert!(Edges::parse_list(Basis::Due, "30, 10")
            .unwrap_err()
            .to_string()
            .contains("increasing"));
        assert!(Edges::parse_list(Basis::Due, "").is_err());
        assert_eq!(Basis::parse("invoice"), Some(Basis::Invoice));
        assert_eq!(Basis::parse("x"), None);
    }

    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn due_date_bucket_edges_follow_the_spec() {
        let e = Edges::standard(Basis::Due);
        let table = [
            (-5, "current"),
            (0, "current"),
            (1, "1-30"),
            (30, "1-30"),
            (31, "31-60"),
            (60, "31-60"),
            (61, "61-90"),
            (90, "61-90"),
            (91, "90+"),
            (4000, "90+"),
        ];
        for (days, key) in table {
            assert_eq!(e.key(e.index_of(days)), key, "day {days}");
        }
    }

    #[test]
    fn invoice_date_buckets_and_custom_edges() {
        let e = Edges::standard(Basis::Invoice);
        let keys: Vec<String> = (0..e.bucket_count()).map(|i| e.key(i)).collect();
        assert_eq!(keys, ["0-30", "31-60", "61-90", "90+"]);
        assert_eq!(e.key(e.index_of(0)), "0-30");
        assert_eq!(e.key(e.index_of(31)), "31-60");
        let custom = Edges::new(Basis::Due, vec![0, 15, 45, 180]).unwrap();
        let keys: Vec<String> = (0..custom.bucket_count()).map(|i| custom.key(i)).collect();
        assert_eq!(keys, ["current", "1-15", "16-45", "46-180", "180+"]);
        assert_eq!(Edges::new(Basis::Due, vec![7, 30]).unwrap().key(0), "≤7");
    }

    #[test]
    fn bad_edges_are_refused_with_the_reason() {
        assert!(Edges::new(Basis::Due, vec![])
            .unwrap_err()
            .to_string()
            .contains("1 to 10"));
        assert!(Edges::new(Basis::Due, vec![0, 30, 30])
            .unwrap_err()
            .to_string()
            .contains("strictly increasing"));
        assert!(Edges::new(Basis::Invoice, vec![-1])
            .unwrap_err()
            .to_string()
            .contains("between 0 and 3650"));
        let wire: Result<Edges, _> = serde_json::from_str(r#"{"basis":"due","upper":[60,30]}"#);
        assert!(wire.is_err());
    }

    #[test]
    fn lights_are_green_amber_red() {
        let e = Edges::standard(Basis::Due);
        let lights: Vec<Light> = (0..5).map(|i| e.light(i)).collect();
        assert_eq!(
            lights,
            [
                Light::Green,
                Light::Amber,
                Light::Amber,
                Light::Red,
                Light::Red
            ]
        );
    }

    fn item(c: i64, invoiced: NaiveDate, due: NaiveDate, minor: i64) -> OpenItem {
        OpenItem {
            customer_id: c,
            invoice_date: invoiced,
            due_date: due,
            open: Money::from_minor(minor, Currency::CNY),
        }
    }

    #[test]
    fn summary_of_a_small_portfolio_on_both_bases() {
        let as_of = d(2026, 6, 30);
        let items = [
            item(1, d(2026, 6, 15), d(2026, 7, 15), 100_00), // current; 15 days old
            item(1, d(2026, 5, 30), d(2026, 6, 29), 50_00),  // 1 day past due; 31 days old
            item(2, d(2026, 1, 30), d(2026, 3, 31), 25_00),  // 91 days past due; 151 days old
            item(3, d(2026, 5, 1), d(2026, 6, 1), 0),        // settled: ignored
        ];
        let s = summarize(as_of, Currency::CNY, &Edges::standard(Basis::Due), &items).unwrap();
        assert_eq!(s.total.minor(), 175_00);
        assert_eq!(s.overdue.minor(), 75_00);
        assert_eq!(
            (s.buckets[4].key.as_str(), s.buckets[4].amount.minor()),
            ("90+", 25_00)
        );
        assert_eq!(s.open_invoices, 3);
        assert_eq!(s.customers_overdue, 2);
        assert_eq!(s.overdue_rate_pct.unwrap().to_string(), "42.86");

        let by_age = summarize(
            as_of,
            Currency::CNY,
            &Edges::standard(Basis::Invoice),
            &items,
        )
        .unwrap();
        let amounts: Vec<(String, i64)> = by_age
            .buckets
            .iter()
            .map(|b| (b.key.clone(), b.amount.minor()))
            .collect();
        assert_eq!(
            amounts,
            [
                ("0-30".into(), 100_00),
                ("31-60".into(), 50_00),
                ("61-90".into(), 0),
                ("90+".into(), 25_00)
            ]
        );
        assert_eq!(
            by_age.overdue, s.overdue,
            "overdue is a due-date notion on every basis"
        );
    }

    #[test]
    fn empty_portfolio_has_no_rate() {
        let s = summarize(
            d(2026, 1, 1),
            Currency::CNY,
            &Edges::standard(Basis::Due),
            &[],
        )
        .unwrap();
        assert_eq!(s.overdue_rate_pct, None);
        assert!(s.total.is_zero());
    }

    #[test]
    fn foreign_currency_items_are_refused() {
        let items = [OpenItem {
            customer_id: 1,
            invoice_date: d(2026, 1, 1),
            due_date: d(2026, 1, 1),
            open: Money::from_minor(1, Currency::USD),
        }];
        let r = summarize(
            d(2026, 1, 1),
            Currency::CNY,
            &Edges::standard(Basis::Due),
            &items,
        );
        assert!(matches!(r, Err(AgingError::Currency { .. })));
    }

    proptest! {
        #[test]
        fn buckets_sum_to_total_and_overdue_never_exceeds_it(
            raw in proptest::collection::vec((0i64..50, 0i64..400, -200i64..400, 0i64..10_000_000_00), 0..200),
            as_of_offset in 0i64..365,
            mut upper in proptest::collection::btree_set(0i64..400, 1..6),
            invoice_basis in any::<bool>(),
        ) {
            let as_of = d(2026, 1, 1) + chrono::Duration::days(as_of_offset);
            let basis = if invoice_basis { Basis::Invoice } else { Basis::Due };
            let edges = Edges::new(basis, std::mem::take(&mut upper).into_iter().collect()).unwrap();
            let items: Vec<OpenItem> = raw.iter().map(|&(c, age, off, minor)| {
                let invoiced = as_of - chrono::Duration::days(age);
                item(c, invoiced, as_of + chrono::Duration::days(off), minor)
            }).collect();
            let s = summarize(as_of, Currency::CNY, &edges, &items).unwrap();
            prop_assert_eq!(s.buckets.len(), edges.bucket_count());
            let sum: i64 = s.buckets.iter().map(|b| b.amount.minor()).sum();
            prop_assert_eq!(sum, s.total.minor());
            prop_assert_eq!(sum, items.iter().map(|i| i.open.minor()).sum::<i64>());
            prop_assert!(s.overdue.minor() <= s.total.minor());
            let past_due: i64 = items.iter().filter(|i| days_past_due(as_of, i.due_date) >= 1).map(|i| i.open.minor()).sum();
            prop_assert_eq!(s.overdue.minor(), past_due);
        }
    }
}
