//! The seven ledger indicators of one customer at an `as_of` date, and the back-test's
//! outcome: did the customer go 90+ days past due in the six months after it.
//!
//! Input is the customer's whole history as plain data (`LedgerHistory`); everything is
//! computed point in time, from the documents dated on or before the date considered, so
//! scoring a past date never sees what happened later and a back-test is fair.
//!
//! Definitions (the window W is the 365 days ending at as_of: as_of − 365 < d ≤ as_of):
//! - **first cooperation** = the earlier of the customer's creation date and its first
//!   invoice date. A customer whose first cooperation is after as_of was no customer then:
//!   `compute` returns `None` and it is neither scored nor back-tested at that date.
//! - **years_of_cooperation** = days from first cooperation to as_of / 365, two decimals.
//! - **sales_12m** = Σ amounts of the invoices dated in W, in the customer's currency.
//! - **settlements known at D**: the allocation rows dated ≤ D of one source document
//!   (a payment, credit note or write-off) on one invoice, netted. A reversal is a negative
//!   row of the same document, so a document reversed by D settles nothing; otherwise it
//!   settled its net amount on the date of its first row, or on the invoice date when that
//!   is later (a payment received before its invoice was dated is on time, in 0 days).
//! - **avg_days_to_pay** = the amount-weighted mean of (settlement date − invoice date)
//!   over the payments known at as_of and dated in W, one decimal; `None` without any.
//! - **on_time_rate** = the share of that paid amount settled on or before the invoice's
//!   due date, in percent with one decimal (paid on the due date is on time); `None`
//!   without any payment.
//! - **overdue_count_12m** = the invoices falling due in W before as_of (due < as_of; on
//!   the due date itself nothing is late yet) that the settlements known at as_of had not
//!   fully settled by the end of their due date. A bounced payment (reversed by as_of)
//!   therefore never made its invoice on time.
//! - **max_days_overdue_12m** = over those invoices, the days from the due date to the
//!   date the known settlements fully settled it, or to as_of while it is still open; the
//!   largest, 0 without any.
//! - **overdue_ratio** = open past due (due < as_of) / open at as_of × 100, one decimal,
//!   0 when nothing is open. Open at D = amount − Σ rows dated ≤ D of invoices dated ≤ D,
//!   as the ledger's point-in-time reads compute it.
//! - **defaulted** (the back-test's outcome for as_of): some invoice was ≥ 90 days past
//!   due and still open at a date t in (as_of, as_of + 6 months]. Open at t only rises at
//!   a reversal row, so it is enough to look at the first such t of each invoice,
//!   max(due + 90, as_of + 1), and at its reversal dates up to the window's end.
//!
//! Invariants, and why they hold:
//! - 0 ≤ on_time_rate ≤ 100: the on-time amount is a part of the paid amount, both sums of
//!   positive nets. 0 ≤ overdue_ratio ≤ 100: each invoice's open amount is clamped at 0
//!   (back-dated documents can make a past date's rows exceed an invoice) and the past-due
//!   open is a part of the open. The property tests check both on arbitrary histories.
//! - Every ratio is exact integer arithmetic rounded once, half away from zero, with
//!   `i128` sums that cannot overflow for any `i64` amounts; no `f64` anywhere.
//! - The manual indicators (registered capital, industry risk, external rating) are not
//!   versioned: a back-test uses today's values for them, and says so on the page.
use super::money::{Currency, Money};
use super::scoring::{Indicator, IndicatorValues};
use chrono::{Duration, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The trailing window of the "12 months" indicators, in days.
pub const WINDOW_DAYS: i64 = 365;
/// Days past due from which an invoice counts as a default in the back-test.
pub const DEFAULT_DAYS_PAST_DUE: i64 = 90;
/// How long after as_of the back-test watches for a default.
pub const OUTCOME_MONTHS: u32 = 6;

/// Which kind of document settled an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettlementKind {
    Payment,
    CreditNote,
    WriteOff,
}

/// One allocation row: `amount_minor` is positive, or negative for a reversal's row;
/// `source` is the settling document's id within its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub on: NaiveDate,
    pub amount_minor: i64,
    pub kind: SettlementKind,
    pub source: i64,
}

/// An invoice with every allocation row against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceHistory {
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    pub amount_minor: i64,
    pub settlements: Vec<Settlement>,
}

/// A customer's ledger as the indicators read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerHistory {
    /// The business date the customer was created on.
    pub created_on: NaiveDate,
    /// The currency of every amount below.
    pub currency: Currency,
    pub invoices: Vec<InvoiceHistory>,
}

/// The seven ledger indicators at one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerIndicators {
    pub years_of_cooperation: Decimal,
    pub sales_12m: Money,
    pub avg_days_to_pay: Option<Decimal>,
    pub on_time_rate: Option<Decimal>,
    pub overdue_count_12m: u32,
    pub max_days_overdue_12m: i64,
    pub overdue_ratio: Decimal,
}

/// The three indicators finance maintains by hand; `None` is unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualFactors {
    pub registered_capital: Option<Money>,
    pub industry_risk: Option<Decimal>,
    pub external_rating: Option<Decimal>,
}

/// The earlier of the creation date and the first invoice's date.
pub fn first_cooperation(h: &LedgerHistory) -> NaiveDate {
    h.invoices
        .iter()
        .map(|i| i.invoice_date)
        .min()
        .map_or(h.created_on, |d| d.min(h.created_on))
}

/// The last day the back-test watches after `as_of` (six calendar months later; the 31st
/// becomes the month's last day).
pub fn outcome_end(as_of: NaiveDate) -> NaiveDate {
    as_of
        .checked_add_months(Months::new(OUTCOME_MONTHS))
        .unwrap_or(NaiveDate::MAX)
}

fn in_window(d: NaiveDate, as_of: NaiveDate) -> bool {
    d <= as_of && d > as_of - Duration::days(WINDOW_DAYS)
}

/// `num / den` to `dp` decimals, rounded half away from zero, exactly; `None` when
/// `den` is not positive or the result does not fit.
fn ratio(num: i128, den: i128, dp: u32) -> Option<Decimal> {
    if den <= 0 {
        return None;
    }
    let scaled = num.checked_mul(10i128.pow(dp))?.checked_mul(2)?;
    let q = if scaled >= 0 {
        (scaled + den) / (2 * den)
    } else {
        -((-scaled + den) / (2 * den))
    };
    Decimal::try_from_i128_with_scale(q, dp).ok()
}

/// A settlement as known at a date: its effective date, net amount and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Known {
    on: NaiveDate,
    amount_minor: i64,
    kind: SettlementKind,
}

/// The invoice's settlements known at `d`, by effective date (see the module docs).
fn known_at(inv: &InvoiceHistory, d: NaiveDate) -> Vec<Known> {
    let mut docs: BTreeMap<(SettlementKind, i64), (i128, Option<NaiveDate>)> = BTreeMap::new();
    for s in inv.settlements.iter().filter(|s| s.on <= d) {
        let e = docs.entry((s.kind, s.source)).or_insert((0, None));
        e.0 += i128::from(s.amount_minor);
        if s.amount_minor > 0 {
            e.1 = Some(e.1.map_or(s.on, |first| first.min(s.on)));
        }
    }
    let mut out: Vec<Known> = docs
        .into_iter()
        .filter_map(|((kind, _), (net, first))| {
            let on = first?.max(inv.invoice_date);
            (net > 0).then(|| Known {
                on,
                amount_minor: i64::try_from(net).unwrap_or(i64::MAX),
                kind,
            })
        })
        .collect();
    out.sort_by_key(|k| k.on);
    out
}

/// The ledger's open amount at `t`: 0 before the invoice is dated, never below 0.
fn open_at(inv: &InvoiceHistory, t: NaiveDate) -> i128 {
    if inv.invoice_date > t {
        return 0;
    }
    let settled: i128 = inv
        .settlements
        .iter()
        .filter(|s| s.on <= t)
        .map(|s| i128::from(s.amount_minor))
        .sum();
    (i128::from(inv.amount_minor) - settled).max(0)
}

/// The date the known settlements fully settled the invoice, if they did.
fn settled_on(inv: &InvoiceHistory, known: &[Known]) -> Option<NaiveDate> {
    let mut left = i128::from(inv.amount_minor);
    for k in known {
        left -= i128::from(k.amount_minor);
        if left <= 0 {
            return Some(k.on);
        }
    }
    None
}

/// The seven ledger indicators at `as_of`, or `None` when the customer's cooperation
/// had not started by then.
pub fn compute(h: &LedgerHistory, as_of: NaiveDate) -> Option<LedgerIndicators> {
    let first = first_cooperation(h);
    if first > as_of {
        return None;
    }
    let dated: Vec<&InvoiceHistory> = h
        .invoices
        .iter()
        .filter(|i| i.invoice_date <= as_of)
        .collect();

    let sales_minor: i128 = dated
        .iter()
        .filter(|i| in_window(i.invoice_date, as_of))
        .map(|i| i128::from(i.amount_minor))
        .sum();

    let (mut paid, mut paid_days, mut on_time) = (0i128, 0i128, 0i128);
    let (mut overdue_count, mut max_days) = (0u32, 0i64);
    let (mut open, mut past_due) = (0i128, 0i128);
    for inv in &dated {
        let known = known_at(inv, as_of);
        for k in known
            .iter()
            .filter(|k| k.kind == SettlementKind::Payment && in_window(k.on, as_of))
        {
            let amount = i128::from(k.amount_minor);
            paid += amount;
            paid_days += amount * i128::from((k.on - inv.invoice_date).num_days());
            if k.on <= inv.due_date {
                on_time += amount;
            }
        }
        if in_window(inv.due_date, as_of) && inv.due_date < as_of {
            let settled = settled_on(inv, &known);
            if settled.is_none_or(|on| on > inv.due_date) {
                overdue_count += 1;
                let until = settled.map_or(as_of, |on| on.min(as_of));
                max_days = max_days.max((until - inv.due_date).num_days());
            }
        }
        let o = open_at(inv, as_of);
        open += o;
        if inv.due_date < as_of {
            past_due += o;
        }
    }

    let days = (as_of - first).num_days();
    Some(LedgerIndicators {
        years_of_cooperation: ratio(i128::from(days), 365, 2).unwrap_or(Decimal::ZERO),
        sales_12m: Money::from_minor(i64::try_from(sales_minor).unwrap_or(i64::MAX), h.currency),
        avg_days_to_pay: ratio(paid_days, paid, 1),
        on_time_rate: ratio(on_time * 100, paid, 1),
        overdue_count_12m: overdue_count,
        max_days_overdue_12m: max_days,
        overdue_ratio: ratio(past_due * 100, open, 1).unwrap_or(Decimal::new(0, 1)),
    })
}

/// Whether some invoice was ≥ 90 days past due and open at a date in
/// (as_of, as_of + 6 months], from the documents dated on or before that date.
pub fn defaulted(h: &LedgerHistory, as_of: NaiveDate) -> bool {
    let end = outcome_end(as_of);
    let after = as_of + Duration::days(1);
    h.invoices.iter().any(|inv| {
        let start = (inv.due_date + Duration::days(DEFAULT_DAYS_PAST_DUE)).max(after);
        if start > end {
            return false;
        }
        let reopened = inv
            .settlements
            .iter()
            .filter(|s| s.amount_minor < 0 && s.on > start && s.on <= end)
            .map(|s| s.on);
        std::iter::once(start)
            .chain(reopened)
            .any(|t| open_at(inv, t) > 0)
    })
}

impl LedgerIndicators {
    /// The values the scoring model reads, with the manual factors. Sales in another
    /// currency than the book's cannot be banded in yuan, so they are then unknown.
    pub fn values(&self, manual: &ManualFactors) -> IndicatorValues {
        let mut v = IndicatorValues::new()
            .with(Indicator::YearsOfCooperation, self.years_of_cooperation)
            .with(
                Indicator::OverdueCount12m,
                Decimal::from(self.overdue_count_12m),
            )
            .with(
                Indicator::MaxDaysOverdue12m,
                Decimal::from(self.max_days_overdue_12m),
            )
            .with(Indicator::OverdueRatio, self.overdue_ratio);
        if self.sales_12m.currency() == super::BOOK_CURRENCY {
            v.set(Indicator::Sales12m, self.sales_12m.amount());
        }
        let optional = [
            (Indicator::AvgDaysToPay, self.avg_days_to_pay),
            (Indicator::OnTimeRate, self.on_time_rate),
            (
                Indicator::RegisteredCapital,
                manual
                    .registered_capital
                    .filter(|m| m.currency() == super::BOOK_CURRENCY)
                    .map(|m| m.amount()),
            ),
            (Indicator::IndustryRisk, manual.industry_risk),
            (Indicator::ExternalRating, manual.external_rating),
        ];
        for (indicator, value) in optional {
            if let Some(value) = value {
                v.set(indicator, value);
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::from_str(s).unwrap()
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn pay(on: &str, yuan: i64, source: i64) -> Settlement {
        Settlement {
            on: d(on),
            amount_minor: yuan * 100,
            kind: SettlementKind::Payment,
            source,
        }
    }

    fn credit(on: &str, yuan: i64, source: i64) -> Settlement {
        Settlement {
            on: d(on),
            amount_minor: yuan * 100,
            kind: SettlementKind::CreditNote,
            source,
        }
    }

    fn inv(date: &str, due: &str, yuan: i64, settlements: Vec<Settlement>) -> InvoiceHistory {
        InvoiceHistory {
            invoice_date: d(date),
            due_date: d(due),
            amount_minor: yuan * 100,
            settlements,
        }
    }

    fn history(invoices: Vec<InvoiceHistory>) -> LedgerHistory {
        LedgerHistory {
            created_on: d("2020-01-01"),
            currency: Currency::CNY,
            invoices,
        }
    }

    const AS_OF: &str = "2026-06-30";

    fn at(invoices: Vec<InvoiceHistory>) -> LedgerIndicators {
        compute(&history(invoices), d(AS_OF)).expect("cooperation started")
    }

    #[test]
    fn cooperation_starts_at_the_earlier_of_creation_and_first_invoice() {
        let mut h = history(vec![inv("2024-06-30", "2024-07-30", 100, vec![])]);
        h.created_on = d("2030-01-01");
        assert_eq!(first_cooperation(&h), d("2024-06-30"));
        // 730 days / 365 = 2.00.
        assert_eq!(
            compute(&h, d("2026-06-30")).unwrap().years_of_cooperation,
            dec("2.00")
        );
        h.created_on = d("2025-06-30");
        assert_eq!(
            compute(&h, d("2026-06-30")).unwrap().years_of_cooperation,
            dec("2.00"),
            "the invoice is earlier"
        );
        h.created_on = d("2020-01-01");
        // 2020-01-01 → 2026-06-30 is 2372 days: 6.4986… → 6.50.
        assert_eq!(
            compute(&h, d("2026-06-30")).unwrap().years_of_cooperation,
            dec("6.50")
        );
        // Before any cooperation the customer is not scored at all.
        let mut later = history(vec![inv("2026-07-01", "2026-07-31", 100, vec![])]);
        later.created_on = d("2026-07-05");
        assert_eq!(compute(&later, d("2026-06-30")), None);
        assert!(compute(&later, d("2026-07-01")).is_some());
    }

    #[test]
    fn sales_count_the_invoices_dated_in_the_365_day_window() {
        // as_of 2026-06-30: the window is 2025-06-30 (exclusive) .. 2026-06-30 (inclusive).
        let table = [
            ("2025-06-30", false),
            ("2025-07-01", true),
            ("2026-06-30", true),
            ("2026-07-01", false),
        ];
        for (date, counted) in table {
            let i = at(vec![
                inv("2025-01-01", "2025-02-01", 7, vec![]),
                inv(date, "2026-12-31", 1_000, vec![]),
            ]);
            let want = if counted { 1_000 } else { 0 };
            assert_eq!(
                i.sales_12m,
                Money::from_minor(want * 100, Currency::CNY),
                "invoice dated {date}"
            );
        }
    }

    #[test]
    fn payment_timing_scenarios() {
        // (case, settlements of an invoice dated 2026-05-01 due 2026-05-31 for 1,000,
        //  avg days to pay, on-time rate, overdue count, max days overdue)
        type Case = (
            &'static str,
            Vec<Settlement>,
            Option<&'static str>,
            Option<&'static str>,
            u32,
            i64,
        );
        let table: Vec<Case> = vec![
            (
                "paid on the due date is on time",
                vec![pay("2026-05-31", 1_000, 1)],
                Some("30.0"),
                Some("100.0"),
                0,
                0,
            ),
            (
                "one day late",
                vec![pay("2026-06-01", 1_000, 1)],
                Some("31.0"),
                Some("0.0"),
                1,
                1,
            ),
            (
                "partial on time, rest 10 days late",
                vec![pay("2026-05-21", 400, 1), pay("2026-06-10", 600, 2)],
                Some("32.0"),
                Some("40.0"),
                1,
                10,
            ),
            (
                "partial and still open at as_of",
                vec![pay("2026-05-31", 400, 1)],
                Some("30.0"),
                Some("100.0"),
                1,
                30,
            ),
            ("nothing paid", vec![], None, None, 1, 30),
            (
                "a credit note closes it on time: no payment to time",
                vec![credit("2026-05-10", 1_000, 1)],
                None,
                None,
                0,
                0,
            ),
            (
                "credit note for part, payment late",
                vec![credit("2026-05-10", 300, 1), pay("2026-06-05", 700, 1)],
                Some("35.0"),
                Some("0.0"),
                1,
                5,
            ),
            (
                "a bounced payment: paid on time, reversed later, paid again 20 days late",
                vec![
                    pay("2026-05-30", 1_000, 1),
                    pay("2026-06-04", -1_000, 1),
                    pay("2026-06-20", 1_000, 2),
                ],
                Some("50.0"),
                Some("0.0"),
                1,
                20,
            ),
            (
                "a bounced payment not yet paid again: open until as_of",
                vec![pay("2026-05-30", 1_000, 1), pay("2026-06-04", -1_000, 1)],
                None,
                None,
                1,
                30,
            ),
            (
                "paid before the invoice date: on time, 0 days",
                vec![pay("2026-04-20", 1_000, 1)],
                Some("0.0"),
                Some("100.0"),
                0,
                0,
            ),
        ];
        for (case, settlements, avg, rate, count, max) in table {
            let i = at(vec![inv("2026-05-01", "2026-05-31", 1_000, settlements)]);
            assert_eq!(i.avg_days_to_pay, avg.map(dec), "{case}: avg days");
            assert_eq!(i.on_time_rate, rate.map(dec), "{case}: on-time rate");
            assert_eq!(i.overdue_count_12m, count, "{case}: overdue count");
            assert_eq!(i.max_days_overdue_12m, max, "{case}: max days overdue");
        }
    }

    #[test]
    fn a_reversal_after_as_of_is_not_known_at_as_of() {
        let settlements = vec![pay("2026-05-30", 1_000, 1), pay("2026-07-04", -1_000, 1)];
        let i = at(vec![inv("2026-05-01", "2026-05-31", 1_000, settlements)]);
        assert_eq!(
            (i.on_time_rate, i.overdue_count_12m, i.overdue_ratio),
            (Some(dec("100.0")), 0, dec("0.0"))
        );
    }

    #[test]
    fn overdue_window_edges() {
        // Unpaid invoices by due date: counted when as_of − 365 < due < as_of.
        let table = [
            ("2025-06-30", false),
            ("2025-07-01", true),
            ("2026-06-29", true),
            ("2026-06-30", false),
        ];
        for (due, counted) in table {
            let i = at(vec![inv("2025-06-01", due, 500, vec![])]);
            assert_eq!(i.overdue_count_12m, u32::from(counted), "due {due}");
            let days = if counted {
                (d(AS_OF) - d(due)).num_days()
            } else {
                0
            };
            assert_eq!(i.max_days_overdue_12m, days, "due {due}");
        }
        // Payments time by their own date: one dated before the window does not count.
        let i = at(vec![inv(
            "2025-05-01",
            "2025-05-31",
            100,
            vec![pay("2025-06-30", 100, 1)],
        )]);
        assert_eq!(i.on_time_rate, None);
        let i = at(vec![inv(
            "2025-05-01",
            "2025-05-31",
            100,
            vec![pay("2025-07-01", 100, 1)],
        )]);
        assert_eq!(
            (i.on_time_rate, i.avg_days_to_pay),
            (Some(dec("0.0")), Some(dec("61.0")))
        );
    }

    #[test]
    fn amounts_weight_the_average_and_the_rate() {
        let i = at(vec![
            inv(
                "2026-03-01",
                "2026-03-31",
                3_000,
                vec![pay("2026-03-11", 3_000, 1)],
            ), // 10 days, on time
            inv(
                "2026-04-01",
                "2026-04-30",
                1_000,
                vec![pay("2026-05-21", 1_000, 2)],
            ), // 50 days, late
        ]);
        // (3000 × 10 + 1000 × 50) / 4000 = 20.0 days; 3000 / 4000 on time.
        assert_eq!(
            (i.avg_days_to_pay, i.on_time_rate),
            (Some(dec("20.0")), Some(dec("75.0")))
        );
        // 1 of 3 → 33.3 (rounded half away from zero), 2 of 3 → 66.7.
        let i = at(vec![
            inv(
                "2026-03-01",
                "2026-03-31",
                100,
                vec![pay("2026-03-31", 100, 1)],
            ),
            inv(
                "2026-03-01",
                "2026-03-31",
                100,
                vec![pay("2026-04-01", 100, 2)],
            ),
            inv(
                "2026-03-01",
                "2026-03-31",
                100,
                vec![pay("2026-04-01", 100, 3)],
            ),
        ]);
        assert_eq!(i.on_time_rate, Some(dec("33.3")));
    }

    #[test]
    fn overdue_ratio_scenarios() {
        // (invoices, ratio): open past due / open at as_of.
        let table = [
            (vec![], "0.0"),
            (vec![inv("2026-06-01", "2026-06-30", 100, vec![])], "0.0"),
            (vec![inv("2026-05-01", "2026-06-29", 100, vec![])], "100.0"),
            (
                vec![
                    inv("2026-05-01", "2026-06-29", 100, vec![]),
                    inv("2026-06-01", "2026-07-01", 300, vec![]),
                ],
                "25.0",
            ),
            (
                vec![inv(
                    "2026-05-01",
                    "2026-06-29",
                    100,
                    vec![pay("2026-06-30", 100, 1)],
                )],
                "0.0",
            ),
            (
                vec![
                    inv(
                        "2026-05-01",
                        "2026-06-29",
                        100,
                        vec![pay("2026-06-30", 60, 1)],
                    ),
                    inv("2026-06-01", "2026-07-01", 60, vec![]),
                ],
                "40.0",
            ),
            // Documents dated after as_of do not exist yet.
            (
                vec![
                    inv(
                        "2026-05-01",
                        "2026-06-29",
                        100,
                        vec![pay("2026-07-01", 100, 1)],
                    ),
                    inv("2026-07-01", "2026-08-01", 900, vec![]),
                ],
                "100.0",
            ),
        ];
        for (k, (invoices, ratio)) in table.into_iter().enumerate() {
            assert_eq!(at(invoices).overdue_ratio, dec(ratio), "case {k}");
        }
    }

    #[test]
    fn default_outcome_edges() {
        // Unpaid invoice due 2026-01-01: 90 days past due on 2026-04-01.
        let unpaid = |due: &str, settlements: Vec<Settlement>| {
            history(vec![inv("2025-05-01", due, 100, settlements)])
        };
        // (case, history, as_of, defaulted)
        let table = [
            (
                "90 days reached inside the window",
                unpaid("2026-01-01", vec![]),
                "2026-01-01",
                true,
            ),
            (
                "90 days reached on the window's last day",
                unpaid("2026-01-01", vec![]),
                "2025-10-01",
                true,
            ),
            (
                "90 days reached the day after the window",
                unpaid("2026-01-02", vec![]),
                "2025-10-01",
                false,
            ),
            (
                "already 90+ before as_of and still open",
                unpaid("2025-06-01", vec![]),
                "2026-01-01",
                true,
            ),
            (
                "paid on day 89",
                unpaid("2026-01-01", vec![pay("2026-03-31", 100, 1)]),
                "2026-01-01",
                false,
            ),
            (
                "paid on day 90: a payment dated that day counts",
                unpaid("2026-01-01", vec![pay("2026-04-01", 100, 1)]),
                "2026-01-01",
                false,
            ),
            (
                "paid on day 91: open on day 90",
                unpaid("2026-01-01", vec![pay("2026-04-02", 100, 1)]),
                "2026-01-01",
                true,
            ),
            (
                "an old invoice paid on as_of",
                unpaid("2025-06-01", vec![pay("2026-01-01", 100, 1)]),
                "2026-01-01",
                false,
            ),
            (
                "an old invoice paid on as_of + 1",
                unpaid("2025-06-01", vec![pay("2026-01-02", 100, 1)]),
                "2026-01-01",
                false,
            ),
            (
                "an old invoice paid on as_of + 2: open on as_of + 1",
                unpaid("2025-06-01", vec![pay("2026-01-03", 100, 1)]),
                "2026-01-01",
                true,
            ),
            (
                "paid in time, then the payment bounced inside the window",
                unpaid(
                    "2026-01-01",
                    vec![pay("2026-02-01", 100, 1), pay("2026-05-01", -100, 1)],
                ),
                "2026-01-01",
                true,
            ),
            (
                "bounced after the window's end",
                unpaid(
                    "2026-01-01",
                    vec![pay("2026-02-01", 100, 1), pay("2026-07-02", -100, 1)],
                ),
                "2026-01-01",
                false,
            ),
            (
                "an invoice dated after as_of can default too",
                history(vec![inv("2026-01-05", "2026-01-20", 100, vec![])]),
                "2026-01-01",
                true,
            ),
        ];
        for (case, h, as_of, want) in table {
            assert_eq!(defaulted(&h, d(as_of)), want, "{case}");
        }
        assert_eq!(outcome_end(d("2025-08-31")), d("2026-02-28"));
    }

    #[test]
    fn values_carry_the_manual_factors_and_leave_foreign_sales_unknown() {
        let i = at(vec![inv(
            "2026-05-01",
            "2026-05-31",
            1_000,
            vec![pay("2026-05-31", 1_000, 1)],
        )]);
        let manual = ManualFactors {
            registered_capital: Some(Money::from_minor(500_000_000, Currency::CNY)),
            industry_risk: Some(dec("1.2")),
            external_rating: None,
        };
        let v = i.values(&manual);
        assert_eq!(v.get(Indicator::Sales12m), Some(dec("1000.00")));
        assert_eq!(v.get(Indicator::OnTimeRate), Some(dec("100.0")));
        assert_eq!(v.get(Indicator::RegisteredCapital), Some(dec("5000000.00")));
        assert_eq!(v.get(Indicator::IndustryRisk), Some(dec("1.2")));
        assert_eq!(v.get(Indicator::ExternalRating), None);
        assert_eq!(v.iter().count(), 9);
        let mut usd = history(vec![inv("2026-05-01", "2026-05-31", 1_000, vec![])]);
        usd.currency = Currency::USD;
        assert_eq!(
            compute(&usd, d(AS_OF))
                .unwrap()
                .values(&ManualFactors::default())
                .get(Indicator::Sales12m),
            None
        );
    }

    #[test]
    fn ratios_round_half_away_from_zero() {
        assert_eq!(ratio(1, 3, 1), Some(dec("0.3")));
        assert_eq!(ratio(5, 100, 1), Some(dec("0.1")));
        assert_eq!(ratio(-5, 100, 1), Some(dec("-0.1")));
        assert_eq!(ratio(2372, 365, 2), Some(dec("6.50")));
        assert_eq!(ratio(1, 0, 1), None);
    }

    // ----- property tests ----------------------------------------------------------------

    fn arb_history() -> impl Strategy<Value = LedgerHistory> {
        let base = d("2025-01-01");
        let settlement = (0i64..600, -200_000i64..200_000, 0u8..3, 0i64..4).prop_map(
            move |(day, minor, kind, source)| Settlement {
                on: base + Duration::days(day),
                amount_minor: if minor == 0 { 1 } else { minor },
                kind: [
                    SettlementKind::Payment,
                    SettlementKind::CreditNote,
                    SettlementKind::WriteOff,
                ][kind as usize],
                source,
            },
        );
        let invoice = (
            0i64..600,
            0i64..120,
            1i64..200_000,
            proptest::collection::vec(settlement, 0..6),
        )
            .prop_map(
                move |(day, terms, amount_minor, settlements)| InvoiceHistory {
                    invoice_date: base + Duration::days(day),
                    due_date: base + Duration::days(day + terms),
                    amount_minor,
                    settlements,
                },
            );
        (0i64..600, proptest::collection::vec(invoice, 0..12)).prop_map(
            move |(created, invoices)| LedgerHistory {
                created_on: base + Duration::days(created),
                currency: Currency::CNY,
                invoices,
            },
        )
    }

    proptest! {
        #[test]
        fn rates_and_ratios_stay_within_0_and_100(h in arb_history(), day in 0i64..700) {
            let as_of = d("2025-01-01") + Duration::days(day);
            match compute(&h, as_of) {
                None => prop_assert!(first_cooperation(&h) > as_of),
                Some(i) => {
                    let hundred = Decimal::ONE_HUNDRED;
                    if let Some(r) = i.on_time_rate {
                        prop_assert!(r >= Decimal::ZERO && r <= hundred, "on-time {}", r);
                    }
                    prop_assert!(i.overdue_ratio >= Decimal::ZERO && i.overdue_ratio <= hundred, "ratio {}", i.overdue_ratio);
                    prop_assert_eq!(i.on_time_rate.is_some(), i.avg_days_to_pay.is_some());
                    if let Some(days) = i.avg_days_to_pay {
                        prop_assert!(days >= Decimal::ZERO);
                    }
                    prop_assert!(i.years_of_cooperation >= Decimal::ZERO);
                    prop_assert!(i.max_days_overdue_12m >= 0 && i.max_days_overdue_12m < WINDOW_DAYS);
                    prop_assert!(i.overdue_count_12m as usize <= h.invoices.len());
                    prop_assert_eq!(i.overdue_count_12m > 0, i.max_days_overdue_12m > 0, "an overdue invoice is at least a day late");
                }
            }
        }

        #[test]
        fn paying_everything_clears_the_ratio_and_paying_by_day_89_never_defaults(h in arb_history(), day in 0i64..700) {
            // Without reversal rows, each invoice paid in full on day 89 past due (or on
            // as_of, when that is earlier): nothing is open past due at as_of, and no
            // invoice is ever 90 days past due and open.
            let as_of = d("2025-01-01") + Duration::days(day);
            let mut paid = h.clone();
            for inv in &mut paid.invoices {
                inv.settlements.retain(|s| s.amount_minor > 0);
                let on = (inv.due_date + Duration::days(DEFAULT_DAYS_PAST_DUE - 1)).min(as_of.max(inv.invoice_date));
                inv.settlements.push(Settlement { on, amount_minor: inv.amount_minor, kind: SettlementKind::Payment, source: 99 });
            }
            if let Some(i) = compute(&paid, as_of) {
                prop_assert_eq!(i.overdue_ratio, Decimal::new(0, 1));
            }
            prop_assert!(!defaulted(&paid, as_of));
            prop_assert!(!defaulted(&paid, as_of - Duration::days(200)));
        }
    }
}
