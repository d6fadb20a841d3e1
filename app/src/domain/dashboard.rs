//! The executive cockpit's figures at one as_of date, built from the store's maintained
//! aggregates (`Figures`: open AR by due date at a few dates, and per-day sales, amounts
//! falling due and cash), so every number below is O(open state) to read.
//!
//! Definitions (the KPIs are in `kpi`; the UI shows each as one sentence):
//! - Overdue = open with days past due ≥ 1 (due date before the date); current = the rest.
//! - A trend month ends at its month end, or at as_of for as_of's own month. Its *new
//!   overdue* is what fell due from the previous month end up to the day before its end
//!   and was still open at its end; its collection rate is cash received in the month ÷
//!   (overdue at its start + falling due in the month up to its end).
//! - "The month" for the collection-rate alert is the last complete month: as_of's month
//!   if as_of is its last day, else the month before.
//!
//! Invariants (tested below): the aging buckets add up to open AR; region splits add up
//! to their bucket; overdue + current = open; the figures are exact integers of minor
//! units turned into `Money` once.
use crate::domain::aging::{days_past_due, Edges, Light};
use crate::domain::alerts::{self, Alert, AlertRule, PortfolioFigures};
use crate::domain::customer::{CustomerStatus, Grade};
use crate::domain::kpi::{self, SalesPeriod};
use crate::domain::money::{Currency, Money};
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which part of the book the cockpit shows. The aggregates are kept per single
/// attribute, so one filter applies at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slice {
    #[default]
    All,
    Rep(i64),
    Region(String),
    /// `None`: customers without a grade yet.
    Grade(Option<Grade>),
}

impl Slice {
    /// The stored dimension and key (`store::aggregates`).
    pub fn dim(&self) -> (&'static str, String) {
        match self {
            Slice::All => ("all", String::new()),
            Slice::Rep(id) => ("rep", id.to_string()),
            Slice::Region(r) => ("region", r.clone()),
            Slice::Grade(g) => (
                "grade",
                g.map(|g| g.as_str().to_string()).unwrap_or_default(),
            ),
        }
    }

    /// From the query string's `rep`, `region` and `grade` (at most one; `grade=-` is
    /// "no grade"). Errors name the parameter.
    pub fn parse(
        rep: Option<&str>,
        region: Option<&str>,
        grade: Option<&str>,
    ) -> Result<Slice, String> {
        let given = [rep, region, grade]
            .iter()
            .filter(|v| v.is_some_and(|s| !s.is_empty()))
            .count();
        if given > 1 {
            return Err("filter by one of rep, region or grade at a time".into());
        }
        if let Some(r) = rep.filter(|s| !s.is_empty()) {
            return r
                .parse()
                .map(Slice::Rep)
                .map_err(|_| format!("rep: '{r}' is not a user id"));
        }
        if let Some(r) = region.filter(|s| !s.is_empty()) {
            return Ok(Slice::Region(r.trim().to_string()));
        }
        match grade.filter(|s| !s.is_empty()) {
            Some("-") => Ok(Slice::Grade(None)),
            Some(g) => Grade::parse(g)
                .map(|g| Slice::Grade(Some(g)))
                .map_err(|e| format!("grade: {e}")),
            None => Ok(Slice::All),
        }
    }
}

/// Open AR by due date: (due date, minor units).
pub type ByDue = Vec<(NaiveDate, i64)>;

/// One day of the per-day aggregates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFigures {
    pub day: NaiveDate,
    pub sales_minor: i64,
    pub due_minor: i64,
    pub cash_minor: i64,
}

/// A customer with overdue AR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueCustomer {
    pub customer_id: i64,
    pub code: String,
    pub name: String,
    pub overdue: Money,
    pub max_days_overdue: i64,
}

/// Overdue customers at as_of: how many, the largest ten, and the customer with the most
/// open AR (for the concentration alert).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueCustomers {
    pub count: i64,
    pub top: Vec<OverdueCustomer>,
    pub largest_open: Option<(String, i64)>,
}

/// One rep's open AR by due date the day before a range, and the range's days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepFigures {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub start_open: ByDue,
    pub days: Vec<DayFigures>,
}

/// What the store reads for one cockpit (see `dates_needed`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub as_of: NaiveDate,
    /// Open by due date at each of `dates_needed(as_of)`, in that order.
    pub open_at: Vec<ByDue>,
    /// Day figures from `days_from(as_of)` through as_of.
    pub days: Vec<DayFigures>,
    /// Open at as_of by due date per region / grade key ('' = no grade); empty when the
    /// slice cannot be split that way.
    pub regions: Vec<(String, ByDue)>,
    pub grades: Vec<(String, ByDue)>,
    pub reps: Vec<RepFigures>,
    pub customers: Vec<(Option<Grade>, CustomerStatus, i64)>,
    pub overdue: OverdueCustomers,
}

/// The dates open AR is read at, oldest first: the 12 month ends before as_of's month,
/// then as_of (which is its own month's end when it is the last day).
pub fn dates_needed(as_of: NaiveDate) -> Vec<NaiveDate> {
    let first = first_of_month(as_of);
    let mut out: Vec<NaiveDate> = (1..=12)
        .rev()
        .map(|k| month_end(first.checked_sub_months(Months::new(k)).unwrap_or(first)))
        .collect();
    out.push(as_of);
    out
}

/// The first day the day figures are needed from: 12 months before as_of's month
/// (the trend's first month), which also covers the countback's 3 months.
pub fn days_from(as_of: NaiveDate) -> NaiveDate {
    first_of_month(as_of)
        .checked_sub_months(Months::new(11))
        .unwrap_or(as_of)
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The last day of `d`'s month.
pub fn month_end(d: NaiveDate) -> NaiveDate {
    first_of_month(d)
        .checked_add_months(Months::new(1))
        .and_then(|n| n.pred_opt())
        .unwrap_or(d)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kpis {
    pub open: Money,
    pub overdue: Money,
    pub current: Money,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub overdue_rate_pct: Option<Decimal>,
    pub collected_this_month: Money,
    /// The as_of month so far.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub collection_rate_pct: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub dso_days: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub best_possible_dso_days: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub add_days: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub cei_pct: Option<Decimal>,
    pub customers_overdue: i64,
    /// Customers per grade ('-' = not graded) and per status.
    pub customers_by_grade: Vec<(String, i64)>,
    pub customers_by_status: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub key: String,
    pub light: Light,
    pub amount: Money,
    /// (region, amount) when the slice splits by region.
    pub regions: Vec<(String, Money)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeShare {
    /// "A".."D", or "-" for ungraded.
    pub grade: String,
    pub customers: i64,
    pub open: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepPerformance {
    pub rep_id: i64,
    pub username: String,
    pub name: String,
    pub collected: Money,
    /// Overdue at the start of the month + falling due in it so far.
    pub due: Money,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub collection_rate_pct: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthPoint {
    /// The month end, or as_of for as_of's month.
    pub date: NaiveDate,
    pub open: Money,
    pub overdue: Money,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub overdue_rate_pct: Option<Decimal>,
    pub new_overdue: Money,
    pub collected: Money,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub collection_rate_pct: Option<Decimal>,
}

/// Everything the cockpit and `GET /api/v1/dashboard` show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub as_of: NaiveDate,
    pub slice: Slice,
    pub kpis: Kpis,
    pub aging: Vec<Bucket>,
    pub grades: Vec<GradeShare>,
    pub top_overdue: Vec<OverdueCustomer>,
    /// Ranked by collection rate, best first.
    pub reps: Vec<RepPerformance>,
    /// 12 months, oldest first; the last is as_of's month so far.
    pub trend: Vec<MonthPoint>,
    pub alerts: Vec<Alert>,
    /// The rules the alerts were evaluated with (charts draw their thresholds).
    pub rules: Vec<AlertRule>,
    /// The acceptance bills card: the whole book's only (`None` for a slice, whose
    /// bills are not kept by slice).
    pub bills: Option<super::bills::in_hand::BillsInHand>,
}

fn sum_where(by_due: &ByDue, keep: impl Fn(NaiveDate) -> bool) -> i64 {
    by_due
        .iter()
        .filter(|(d, _)| keep(*d))
        .map(|(_, m)| m)
        .sum()
}

fn days_sum(days: &[DayFigures], from: NaiveDate, to: NaiveDate) -> DayFigures {
    days.iter().filter(|d| d.day >= from && d.day <= to).fold(
        DayFigures {
            day: from,
            ..Default::default()
        },
        |mut acc, d| {
            acc.sales_minor += d.sales_minor;
            acc.due_minor += d.due_minor;
            acc.cash_minor += d.cash_minor;
            acc
        },
    )
}

/// Ages `by_due` at `as_of` into `edges`' buckets (due basis).
fn bucketed(as_of: NaiveDate, edges: &Edges, by_due: &ByDue) -> Vec<i64> {
    let mut out = vec![0i64; edges.bucket_count()];
    for (due, minor) in by_due {
        out[edges.index_of(days_past_due(as_of, *due))] += minor;
    }
    out
}

/// One month of the trend: open and overdue at `end`, new overdue since `prev_end`, and
/// the collection rate from `start_open` (open at `prev_end`).
fn month_point(
    end: NaiveDate,
    prev_end: NaiveDate,
    open: &ByDue,
    start_open: &ByDue,
    days: &[DayFigures],
    cur: Currency,
) -> MonthPoint {
    let open_minor = sum_where(open, |_| true);
    let overdue_minor = sum_where(open, |d| d < end);
    let month = days_sum(days, prev_end + chrono::Duration::days(1), end);
    let start_overdue = sum_where(start_open, |d| d <= prev_end);
    MonthPoint {
        date: end,
        open: Money::from_minor(open_minor, cur),
        overdue: Money::from_minor(overdue_minor, cur),
        overdue_rate_pct: kpi::overdue_rate(overdue_minor, open_minor),
        new_overdue: Money::from_minor(sum_where(open, |d| d >= prev_end && d < end), cur),
        collected: Money::from_minor(month.cash_minor, cur),
        collection_rate_pct: kpi::collection_rate(month.cash_minor, start_overdue, month.due_minor),
    }
}

/// Each rep's collection from `from` through `to`: cash received ÷ (overdue at the start,
/// from `start_open` read at the day before `from`, + falling due in the range), ranked
/// best first. The cockpit uses as_of's month; a credit report uses its period.
pub fn rep_performance(
    reps: &[RepFigures],
    from: NaiveDate,
    to: NaiveDate,
    cur: Currency,
) -> Vec<RepPerformance> {
    let before = from.pred_opt().unwrap_or(from);
    let mut out: Vec<RepPerformance> = reps
        .iter()
        .map(|r| {
            let m = days_sum(&r.days, from, to);
            let due = sum_where(&r.start_open, |d| d <= before) + m.due_minor;
            RepPerformance {
                rep_id: r.id,
                username: r.username.clone(),
                name: r.name.clone(),
                collected: Money::from_minor(m.cash_minor, cur),
                due: Money::from_minor(due, cur),
                collection_rate_pct: kpi::rate(m.cash_minor, due),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.collection_rate_pct
            .cmp(&a.collection_rate_pct)
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

/// Builds the cockpit from what the store read. `edges` are finance's due-basis buckets.
pub fn build(
    f: &Figures,
    slice: Slice,
    edges: &Edges,
    rules: &[AlertRule],
    cur: Currency,
) -> Dashboard {
    let as_of = f.as_of;
    let dates = dates_needed(as_of);
    let empty = ByDue::new();
    let open_at = |i: usize| f.open_at.get(i).unwrap_or(&empty);
    let now = open_at(dates.len() - 1);
    let money = |m: i64| Money::from_minor(m, cur);

    // Trend: month i ends at dates[i] and starts after dates[i-1] (the first month's start is
    // the month end before it, which is not read: its new-overdue and rate use what is known).
    let mut trend = Vec::with_capacity(12);
    for i in 1..dates.len() {
        trend.push(month_point(
            dates[i],
            dates[i - 1],
            open_at(i),
            open_at(i - 1),
            &f.days,
            cur,
        ));
    }

    let open_minor = sum_where(now, |_| true);
    let overdue_minor = sum_where(now, |d| d < as_of);
    let current_minor = open_minor - overdue_minor;
    let this_month = trend.last().cloned();
    let periods: [SalesPeriod; 3] =
        kpi::countback_periods(as_of).map(|(first_day, last_day)| SalesPeriod {
            first_day,
            last_day,
            sales_minor: days_sum(&f.days, first_day, last_day).sales_minor,
        });
    let dso = kpi::dso_countback(open_minor, &periods);
    let best = kpi::best_possible_dso(current_minor, &periods);
    // CEI: AR at the end of the month before the 3 months (dates has it 3 places before as_of).
    let beginning = sum_where(open_at(dates.len() - 4), |_| true);
    let sales_3m: i64 = periods.iter().map(|p| p.sales_minor).sum();

    let mut by_grade: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
    for (g, s, n) in &f.customers {
        *by_grade
            .entry(
                g.map(|g| g.as_str().to_string())
                    .unwrap_or_else(|| "-".into()),
            )
            .or_default() += n;
        *by_status.entry(s.as_str().to_string()).or_default() += n;
    }

    let totals = bucketed(as_of, edges, now);
    let region_buckets: Vec<(String, Vec<i64>)> = f
        .regions
        .iter()
        .map(|(r, b)| (r.clone(), bucketed(as_of, edges, b)))
        .collect();
    let aging = totals
        .iter()
        .enumerate()
        .map(|(i, m)| Bucket {
            key: edges.key(i),
            light: edges.light(i),
            amount: money(*m),
            regions: region_buckets
                .iter()
                .map(|(r, b)| (r.clone(), money(b[i])))
                .collect(),
        })
        .collect();

    let grades = f
        .grades
        .iter()
        .map(|(g, b)| {
            let grade = if g.is_empty() {
                "-".to_string()
            } else {
                g.clone()
            };
            GradeShare {
                customers: by_grade.get(&grade).copied().unwrap_or(0),
                grade,
                open: money(sum_where(b, |_| true)),
            }
        })
        .filter(|g| g.customers > 0 || !g.open.is_zero())
        .collect();

    let reps = rep_performance(&f.reps, first_of_month(as_of), as_of, cur);

    // Alerts: month ends newest first (as_of counts when it is one); the last complete month.
    let month_ends: Vec<(NaiveDate, Option<Decimal>)> = trend
        .iter()
        .rev()
        .filter(|p| p.date == month_end(p.date))
        .map(|p| (p.date, p.overdue_rate_pct))
        .collect();
    let complete = trend.iter().rev().find(|p| p.date == month_end(p.date));
    let portfolio = PortfolioFigures {
        open_minor,
        over_90_minor: sum_where(now, |d| days_past_due(as_of, d) > 90),
        largest: f.overdue.largest_open.clone(),
        month_end_overdue_rates: month_ends,
        collection_rate: complete.and_then(|p| p.collection_rate_pct),
    };

    Dashboard {
        as_of,
        slice,
        kpis: Kpis {
            open: money(open_minor),
            overdue: money(overdue_minor),
            current: money(current_minor),
            overdue_rate_pct: kpi::overdue_rate(overdue_minor, open_minor),
            collected_this_month: this_month
                .as_ref()
                .map(|p| p.collected)
                .unwrap_or_else(|| money(0)),
            collection_rate_pct: this_month.and_then(|p| p.collection_rate_pct),
            dso_days: dso,
            best_possible_dso_days: best,
            add_days: kpi::add(dso, best),
            cei_pct: kpi::cei(beginning, sales_3m, open_minor, current_minor),
            customers_overdue: f.overdue.count,
            customers_by_grade: by_grade.into_iter().collect(),
            customers_by_status: by_status.into_iter().collect(),
        },
        aging,
        grades,
        top_overdue: f.overdue.top.clone(),
        reps,
        trend,
        alerts: alerts::evaluate(rules, &portfolio),
        rules: rules.to_vec(),
        bills: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::aging::Basis;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn slices_parse_one_filter_and_name_the_bad_one() {
        assert_eq!(Slice::parse(None, None, None), Ok(Slice::All));
        assert_eq!(Slice::parse(Some("7"), Some(""), None), Ok(Slice::Rep(7)));
        assert_eq!(Slice::parse(None, None, Some("-")), Ok(Slice::Grade(None)));
        assert_eq!(
            Slice::parse(None, None, Some("B")),
            Ok(Slice::Grade(Some(Grade::B)))
        );
        assert!(Slice::parse(Some("x"), None, None)
            .unwrap_err()
            .starts_with("rep:"));
        assert!(Slice::parse(None, None, Some("Z"))
            .unwrap_err()
            .starts_with("grade:"));
        assert!(Slice::parse(Some("1"), Some("华东"), None)
            .unwrap_err()
            .contains("one of"));
        assert_eq!(Slice::Grade(None).dim(), ("grade", String::new()));
    }

    #[test]
    fn dates_cover_twelve_month_ends_then_as_of() {
        let dates = dates_needed(d("2026-03-15"));
        assert_eq!(dates.len(), 13);
        assert_eq!(dates[0], d("2025-03-31"));
        assert_eq!(dates[11], d("2026-02-28"));
        assert_eq!(dates[12], d("2026-03-15"));
        assert_eq!(days_from(d("2026-03-15")), d("2025-04-01"));
    }

    #[test]
    fn the_cockpit_adds_up() {
        let as_of = d("2026-03-31");
        let dates = dates_needed(as_of);
        // Open at as_of: 1000 due long ago (120 days), 500 due 10 days ago, 300 not yet due.
        let now: ByDue = vec![
            (d("2025-12-01"), 1_000),
            (d("2026-03-21"), 500),
            (d("2026-04-10"), 300),
        ];
        let mut open_at = vec![ByDue::new(); dates.len()];
        open_at[11] = vec![(d("2025-12-01"), 1_000), (d("2026-02-28"), 400)]; // Feb month end
        open_at[12] = now.clone();
        let days = vec![
            DayFigures {
                day: d("2026-03-05"),
                sales_minor: 800,
                due_minor: 0,
                cash_minor: 400,
            },
            DayFigures {
                day: d("2026-03-21"),
                sales_minor: 0,
                due_minor: 500,
                cash_minor: 0,
            },
        ];
        let f = Figures {
            as_of,
            open_at,
            days,
            regions: vec![
                ("华东".into(), vec![(d("2025-12-01"), 1_000)]),
                (
                    "华北".into(),
                    vec![(d("2026-03-21"), 500), (d("2026-04-10"), 300)],
                ),
            ],
            grades: vec![
                ("A".into(), vec![(d("2026-04-10"), 300)]),
                (String::new(), vec![(d("2025-12-01"), 1_500)]),
            ],
            reps: vec![],
            customers: vec![
                (Some(Grade::A), CustomerStatus::Normal, 2),
                (None, CustomerStatus::Watch, 1),
            ],
            overdue: OverdueCustomers {
                count: 2,
                top: vec![],
                largest_open: Some(("C1".into(), 1_000)),
            },
        };
        let dash = build(
            &f,
            Slice::All,
            &Edges::standard(Basis::Due),
            &alerts::default_rules(),
            Currency::CNY,
        );
        let k = &dash.kpis;
        assert_eq!(k.open.minor(), 1_800);
        assert_eq!(k.overdue.minor(), 1_500);
        assert_eq!(k.current.minor(), 300);
        assert_eq!(
            dash.aging.iter().map(|b| b.amount.minor()).sum::<i64>(),
            1_800
        );
        for b in &dash.aging {
            assert_eq!(
                b.regions.iter().map(|(_, m)| m.minor()).sum::<i64>(),
                b.amount.minor(),
                "{}",
                b.key
            );
        }
        // March: cash 400 ÷ (overdue at Feb end, due ≤ Feb 28: 1400 + falling due 500) = 21.1 %.
        let march = dash.trend.last().unwrap();
        assert_eq!(march.date, as_of);
        assert_eq!(march.collection_rate_pct, Some("21.1".parse().unwrap()));
        assert_eq!(
            march.new_overdue.minor(),
            500,
            "due from Feb 28 to Mar 30 and still open"
        );
        assert_eq!(k.collected_this_month.minor(), 400);
        assert_eq!(dash.trend.len(), 12);
        assert_eq!(
            dash.grades
                .iter()
                .find(|g| g.grade == "-")
                .unwrap()
                .customers,
            1
        );
        // Concentration 1000/1800 > 20 %, 90+ is 1000/1800 > 10 %, March rate < 80 %.
        let kinds: Vec<_> = dash.alerts.iter().map(|a| a.kind).collect();
        assert!(kinds.contains(&alerts::AlertKind::Concentration));
        assert!(kinds.contains(&alerts::AlertKind::Over90));
        assert!(kinds.contains(&alerts::AlertKind::CollectionRate));
        assert!(
            kinds.contains(&alerts::AlertKind::OverdueRate),
            "71 % at February's end, 83 % at March's"
        );
    }
}
