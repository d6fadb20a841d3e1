//! The cockpit's KPIs, each with one exact definition, computed from figures the
//! store supplies (money in minor units of the book currency, dates as given).
//!
//! Definitions (the UI shows each as a one-sentence tooltip):
//! - **Overdue rate** = overdue open AR (due-date basis, days past due ≥ 1) ÷ total open AR.
//! - **Collection rate (回款率) of a month** = cash received in the month ÷ (overdue open
//!   AR at the start of the month + invoices falling due in the month).
//! - **DSO, countback over 3 months.** Start from open AR at as_of; walk the months newest
//!   first (the month of as_of counts its days up to as_of), subtracting each month's
//!   credit sales and adding its days while AR covers them; in the month AR no longer
//!   covers, or in the third month whatever remains, add (remaining AR ÷ that month's
//!   sales) × its days.
//! - **Best possible DSO** = current (not yet due) AR ÷ the 3 months' sales × their days.
//! - **ADD** (average days delinquent) = DSO − best possible DSO.
//! - **CEI over 3 months** = (beginning AR + sales/3 − ending total AR) ÷ (beginning AR +
//!   sales/3 − ending current AR) × 100.
//!
//! Invariants (tested below): every ratio is `None` rather than a division by zero;
//! results are exact decimals rounded once, at the end, to 1 decimal (days, percent);
//! DSO and best possible DSO grow with AR; DSO never exceeds the days of the 3 months
//! while AR ≤ their sales.
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One month of the countback, newest first: its credit sales and how many of its days
/// count (the as_of month counts up to as_of).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesPeriod {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub sales_minor: i64,
}

impl SalesPeriod {
    pub fn days(&self) -> i64 {
        (self.last_day - self.first_day).num_days() + 1
    }
}

/// The countback's 3 periods ending at `as_of`, newest first, without their sales:
/// the 1st of as_of's month through as_of, then the two calendar months before it.
pub fn countback_periods(as_of: NaiveDate) -> [(NaiveDate, NaiveDate); 3] {
    let first = as_of.with_day(1).unwrap_or(as_of);
    let month = |back: u32| {
        let start = first.checked_sub_months(Months::new(back)).unwrap_or(first);
        let end = start
            .checked_add_months(Months::new(1))
            .map(|d| d.pred_opt().unwrap_or(d))
            .unwrap_or(start);
        (start, end)
    };
    [(first, as_of), month(1), month(2)]
}

fn round1(d: Decimal) -> Decimal {
    d.round_dp(1)
}

/// `part ÷ whole × 100`, to 1 decimal; `None` when `whole` is not positive.
pub fn rate(part_minor: i64, whole_minor: i64) -> Option<Decimal> {
    (whole_minor > 0).then(|| {
        round1(Decimal::from(part_minor) * Decimal::ONE_HUNDRED / Decimal::from(whole_minor))
    })
}

/// Overdue ÷ total open AR, in percent.
pub fn overdue_rate(overdue_minor: i64, open_minor: i64) -> Option<Decimal> {
    rate(overdue_minor, open_minor)
}

/// Cash received in a month ÷ (overdue at its start + falling due in it), in percent.
pub fn collection_rate(
    collected_minor: i64,
    overdue_at_start_minor: i64,
    falling_due_minor: i64,
) -> Option<Decimal> {
    rate(collected_minor, overdue_at_start_minor + falling_due_minor)
}

/// DSO by the countback method, in days (1 decimal). `None` when there is AR but the
/// month that would have to absorb it had no sales.
pub fn dso_countback(open_minor: i64, periods: &[SalesPeriod; 3]) -> Option<Decimal> {
    if open_minor <= 0 {
        return Some(Decimal::ZERO);
    }
    let mut remaining = Decimal::from(open_minor);
    let mut days = Decimal::ZERO;
    for (i, p) in periods.iter().enumerate() {
        let sales = Decimal::from(p.sales_minor);
        let last = i == periods.len() - 1;
        if !last && remaining >= sales {
            days += Decimal::from(p.days());
            remaining -= sales;
            if remaining.is_zero() {
                break;
            }
        } else {
            if sales <= Decimal::ZERO {
                return None;
            }
            days += remaining / sales * Decimal::from(p.days());
            break;
        }
    }
    Some(round1(days))
}

/// Current (not yet due) AR ÷ the 3 months' sales × their days. `None` without sales.
pub fn best_possible_dso(current_minor: i64, periods: &[SalesPeriod; 3]) -> Option<Decimal> {
    let sales: i64 = periods.iter().map(|p| p.sales_minor).sum();
    let days: i64 = periods.iter().map(SalesPeriod::days).sum();
    (sales > 0).then(|| {
        round1(Decimal::from(current_minor.max(0)) / Decimal::from(sales) * Decimal::from(days))
    })
}

/// Average days delinquent: DSO − best possible DSO.
pub fn add(dso: Option<Decimal>, best: Option<Decimal>) -> Option<Decimal> {
    Some(dso? - best?)
}

/// Collection effectiveness index over 3 months, in percent (1 decimal).
pub fn cei(
    beginning_minor: i64,
    sales_3m_minor: i64,
    ending_total_minor: i64,
    ending_current_minor: i64,
) -> Option<Decimal> {
    let base = Decimal::from(beginning_minor) + Decimal::from(sales_3m_minor) / Decimal::from(3);
    let denominator = base - Decimal::from(ending_current_minor);
    (denominator > Decimal::ZERO).then(|| {
        round1((base - Decimal::from(ending_total_minor)) / denominator * Decimal::ONE_HUNDRED)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn periods(as_of: NaiveDate, sales: [i64; 3]) -> [SalesPeriod; 3] {
        let p = countback_periods(as_of);
        std::array::from_fn(|i| SalesPeriod {
            first_day: p[i].0,
            last_day: p[i].1,
            sales_minor: sales[i],
        })
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_the_month_to_date_then_two_whole_months() {
        let p = countback_periods(d(2026, 3, 15));
        assert_eq!(
            p,
            [
                (d(2026, 3, 1), d(2026, 3, 15)),
                (d(2026, 2, 1), d(2026, 2, 28)),
                (d(2026, 1, 1), d(2026, 1, 31))
            ]
        );
        let p = countback_periods(d(2024, 3, 31));
        assert_eq!(p[1], (d(2024, 2, 1), d(2024, 2, 29)), "leap February");
        assert_eq!(
            countback_periods(d(2026, 1, 10))[2],
            (d(2025, 11, 1), d(2025, 11, 30)),
            "across the year"
        );
    }

    #[test]
    fn countback_worked_example() {
        // As of 31 March: sales Mar 100,000, Feb 80,000, Jan 120,000 (yuan); AR 230,000.
        // March covered (31 days, 130,000 left), February covered (28 days, 50,000 left),
        // January: 50,000 / 120,000 × 31 = 12.9166… → 71.9 days.
        let p = periods(d(2026, 3, 31), [10_000_000, 8_000_000, 12_000_000]);
        assert_eq!(dso_countback(23_000_000, &p), Some(dec("71.9")));
        // AR inside the newest month: 50,000 / 100,000 × 31 = 15.5.
        assert_eq!(dso_countback(5_000_000, &p), Some(dec("15.5")));
        // Exactly the newest month's sales: its days, nothing more.
        assert_eq!(dso_countback(10_000_000, &p), Some(dec("31")));
        assert_eq!(dso_countback(0, &p), Some(Decimal::ZERO));
        // More AR than 3 months of sales: the third month takes a fraction above 1.
        // 31 + 28 + (420,000 − 180,000) / 120,000 × 31 = 121.
        assert_eq!(dso_countback(42_000_000, &p), Some(dec("121")));
    }

    #[test]
    fn best_possible_dso_add_and_cei() {
        let p = periods(d(2026, 3, 31), [10_000_000, 8_000_000, 12_000_000]);
        // Current AR 100,000 ÷ 300,000 × 90 days = 30.0.
        assert_eq!(best_possible_dso(10_000_000, &p), Some(dec("30")));
        assert_eq!(add(Some(dec("71.9")), Some(dec("30"))), Some(dec("41.9")));
        assert_eq!(add(None, Some(dec("30"))), None);
        // CEI: begin 200,000; sales 300,000 (÷3 = 100,000); end total 230,000, current 100,000:
        // (300,000 − 230,000) ÷ (300,000 − 100,000) = 35.0 %.
        assert_eq!(
            cei(20_000_000, 30_000_000, 23_000_000, 10_000_000),
            Some(dec("35"))
        );
        assert_eq!(cei(0, 0, 0, 0), None);
    }

    #[test]
    fn rates_guard_division_by_zero() {
        assert_eq!(overdue_rate(5, 0), None);
        assert_eq!(overdue_rate(1, 3), Some(dec("33.3")));
        assert_eq!(collection_rate(80, 60, 40), Some(dec("80")));
        assert_eq!(collection_rate(10, 0, 0), None);
        let p = periods(d(2026, 3, 31), [0, 0, 0]);
        assert_eq!(
            dso_countback(100, &p),
            None,
            "AR with no sales has no finite DSO"
        );
        assert_eq!(best_possible_dso(100, &p), None);
    }

    proptest! {
        #[test]
        fn dso_is_monotonic_in_ar_and_bounded_by_the_periods(
            s in proptest::array::uniform3(1i64..50_000_000),
            a in 0i64..200_000_000,
            b in 0i64..200_000_000,
            day in 1u32..=28,
        ) {
            let p = periods(d(2026, 5, day), s);
            let (lo, hi) = (a.min(b), a.max(b));
            let (dlo, dhi) = (dso_countback(lo, &p).unwrap(), dso_countback(hi, &p).unwrap());
            prop_assert!(dlo <= dhi, "DSO({lo}) = {dlo} > DSO({hi}) = {dhi}");
            let total_days: i64 = p.iter().map(SalesPeriod::days).sum();
            if hi <= s.iter().sum::<i64>() {
                prop_assert!(dhi <= Decimal::from(total_days));
            }
            // Best possible DSO grows with current AR too.
            prop_assert!(best_possible_dso(lo, &p).unwrap() <= best_possible_dso(hi, &p).unwrap());
        }
    }
}
