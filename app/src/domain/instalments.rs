//! Instalment schedules (分期): an invoice's amount split into an optional down payment
//! and instalments, each with its own due date, as machines are sold.
//!
//! Invariants, held by construction (a [`Schedule`] is only made by [`Schedule::parse`],
//! [`Schedule::build`] or [`Schedule::single`]):
//! - at least one instalment and at most [`MAX_INSTALMENTS`];
//! - every amount positive and in the invoice's currency;
//! - due dates strictly increasing (so none repeats) and none before the invoice date;
//! - the amounts add up to the invoice amount exactly, in minor units.
//!
//! An invoice without a schedule has one instalment, its amount on its due date, so
//! every reader can treat all invoices alike. Money paid on an invoice settles its
//! instalments oldest due first ([`Schedule::open_amounts`]), which is how aging,
//! dunning and overdue counts see them one by one.
use super::aging::OpenItem;
use super::money::{Currency, Money};
use chrono::{Months, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest schedule accepted: ten years of monthly instalments plus a down payment.
pub const MAX_INSTALMENTS: usize = 121;

/// One due date and what falls due on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    pub due_date: NaiveDate,
    pub amount: Money,
}

/// An invoice's instalments in due-date order (see the module's invariants).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule(Vec<Instalment>);

/// Why rows are not a schedule. Row numbers count from 1, as a person reads a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleError {
    Empty,
    TooMany(usize),
    NotPositive {
        row: usize,
    },
    WrongCurrency {
        row: usize,
        expected: Currency,
    },
    BeforeInvoice {
        row: usize,
    },
    NotAfterPrevious {
        row: usize,
    },
    /// The rows add up to `got`, not to the invoice's `expected`.
    Sum {
        expected: Money,
        got: Money,
    },
    /// A plan's own fields: the down payment outside 0–100 % or finer than 0.01 %,
    /// or no instalments after it.
    Plan(&'static str),
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ScheduleError::*;
        match self {
            Empty => write!(f, "a schedule needs at least one instalment"),
            TooMany(n) => write!(f, "{n} instalments; at most {MAX_INSTALMENTS}"),
            NotPositive { row } => write!(f, "row {row}: the amount must be positive"),
            WrongCurrency { row, expected } => {
                write!(
                    f,
                    "row {row}: the amount must be in {expected}, the invoice's currency"
                )
            }
            BeforeInvoice { row } => write!(f, "row {row}: due before the invoice date"),
            NotAfterPrevious { row } => {
                write!(
                    f,
                    "row {row}: due dates must increase (each after the one before)"
                )
            }
            Sum { expected, got } => write!(
                f,
                "the instalments add up to {}, not the invoice's {}",
                got.display(),
                expected.display()
            ),
            Plan(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for ScheduleError {}

impl Schedule {
    /// The one instalment of an invoice without a schedule.
    pub fn single(amount: Money, due_date: NaiveDate) -> Schedule {
        Schedule(vec![Instalment { due_date, amount }])
    }

    /// Checks rows entered or imported for an invoice of `amount` dated `invoice_date`.
    pub fn parse(
        rows: Vec<Instalment>,
        amount: Money,
        invoice_date: NaiveDate,
    ) -> Result<Schedule, ScheduleError> {
        if rows.is_empty() {
            return Err(ScheduleError::Empty);
        }
        if rows.len() > MAX_INSTALMENTS {
            return Err(ScheduleError::TooMany(rows.len()));
        }
        let currency = amount.currency();
        let mut total = 0i64;
        for (i, r) in rows.iter().enumerate() {
            let row = i + 1;
            if r.amount.currency() != currency {
                return Err(ScheduleError::WrongCurrency {
                    row,
                    expected: currency,
                });
            }
            if r.amount.minor() <= 0 {
                return Err(ScheduleError::NotPositive { row });
            }
            if r.due_date < invoice_date {
                return Err(ScheduleError::BeforeInvoice { row });
            }
            if i > 0 && r.due_date <= rows[i - 1].due_date {
                return Err(ScheduleError::NotAfterPrevious { row });
            }
            total = total.saturating_add(r.amount.minor());
        }
        if total != amount.minor() {
            let got = Money::from_minor(total, currency);
            return Err(ScheduleError::Sum {
                expected: amount,
                got,
            });
        }
        Ok(Schedule(rows))
    }

    /// The schedule a [`Plan`] makes for an invoice of `amount` dated `invoice_date`:
    /// the down payment (rounded half away from zero to the minor unit) due on the
    /// invoice date, then `count` equal instalments a period apart from `first_due`, the
    /// last one taking the rounding remainder so the sum is exact.
    pub fn build(
        plan: &Plan,
        amount: Money,
        invoice_date: NaiveDate,
    ) -> Result<Schedule, ScheduleError> {
        let currency = amount.currency();
        let total = amount.minor();
        let down = plan.down_payment_minor(total)?;
        let rows_wanted = plan.count as usize + usize::from(down > 0);
        if rows_wanted > MAX_INSTALMENTS {
            return Err(ScheduleError::TooMany(rows_wanted));
        }
        let count = i64::from(plan.count);
        let rest = total - down;
        if count == 0 || rest < count {
            return Err(ScheduleError::Plan(
                "the instalments after the down payment must each be at least one minor unit",
            ));
        }
        let mut rows = Vec::with_capacity(rows_wanted);
        if down > 0 {
            rows.push(Instalment {
                due_date: invoice_date,
                amount: Money::from_minor(down, currency),
            });
        }
        let each = rest / count;
        for k in 0..count {
            let share = if k == count - 1 {
                rest - each * (count - 1)
            } else {
                each
            };
            let due_date = plan
                .due(k as u32)
                .ok_or(ScheduleError::Plan("a due date is out of range"))?;
            rows.push(Instalment {
                due_date,
                amount: Money::from_minor(share, currency),
            });
        }
        Schedule::parse(rows, amount, invoice_date)
    }

    pub fn instalments(&self) -> &[Instalment] {
        &self.0
    }

    /// The last due date: the invoice's own due date.
    pub fn final_due(&self) -> NaiveDate {
        self.0
            .last()
            .map(|i| i.due_date)
            .expect("a schedule is never empty")
    }

    /// Each instalment's open amount once `settled` has been paid on the invoice,
    /// oldest due first (FIFO by due date). `settled` is clamped to 0..=invoice amount.
    pub fn open_amounts(&self, settled: Money) -> Vec<Money> {
        let mut left = settled.minor().max(0);
        self.0
            .iter()
            .map(|i| {
                let paid = left.min(i.amount.minor());
                left -= paid;
                Money::from_minor(i.amount.minor() - paid, i.amount.currency())
            })
            .collect()
    }

    /// The invoice's aging inputs: one item per instalment still open, each on its own
    /// due date, after `settled` has been paid.
    pub fn open_items(
        &self,
        customer_id: i64,
        invoice_date: NaiveDate,
        settled: Money,
    ) -> Vec<OpenItem> {
        self.0
            .iter()
            .zip(self.open_amounts(settled))
            .filter(|(_, open)| !open.is_zero())
            .map(|(i, open)| OpenItem {
                customer_id,
                invoice_date,
                due_date: i.due_date,
                open,
            })
            .collect()
    }
}

/// How often instalments fall due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Monthly,
    Quarterly,
}

impl Period {
    fn months(self) -> u32 {
        match self {
            Period::Monthly => 1,
            Period::Quarterly => 3,
        }
    }
}

/// What the schedule builder asks for: down payment %, count, period, first due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Percent of the invoice, 0–100, at most two decimals (30 or 12.5).
    pub down_payment_pct: Decimal,
    /// Instalments after the down payment.
    pub count: u32,
    pub period: Period,
    pub first_due: NaiveDate,
}

impl Plan {
    fn down_payment_minor(&self, total: i64) -> Result<i64, ScheduleError> {
        let pct = self.down_payment_pct;
        if pct < Decimal::ZERO || pct > Decimal::ONE_HUNDRED || pct.normalize().scale() > 2 {
            return Err(ScheduleError::Plan(
                "the down payment is a percent from 0 to 100 with at most two decimals",
            ));
        }
        let down = (Decimal::from(total) * pct / Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
        i64::try_from(down).map_err(|_| ScheduleError::Plan("the down payment is out of range"))
    }

    /// The k-th instalment's due date (0 = `first_due`), a whole number of periods on:
    /// the 31st falls on a shorter month's last day and returns to the 31st after.
    fn due(&self, k: u32) -> Option<NaiveDate> {
        self.first_due
            .checked_add_months(Months::new(k.checked_mul(self.period.months())?))
    }
}

#[cfg(test)]
mod tests;
