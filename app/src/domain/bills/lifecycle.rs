//! Where a received bill stands, and what it still puts at risk.
//!
//! Invariants:
//! - **Forward only, dated in order.** [`BillState::apply`] accepts a step only from a
//!   state that allows it and only dated on or after the bill's receipt and its last
//!   step; collected and dishonoured bills are final.
//! - **Recourse until maturity.** An endorsed or discounted bill has left the dealer's
//!   hands but not its risk: if the acceptor does not pay, the endorsee or the bank
//!   claims from the dealer. So held, endorsed and discounted bills count in exposure
//!   until maturity (commercial bills always, bank bills when the book says so), and
//!   none counts once matured or dishonoured (a dishonour reopens the invoices, which
//!   count as receivables again instead). The store applies this in the credit
//!   position (`server::store::bills::at_risk`), where it is tested on both databases.
use crate::domain::money::Money;
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// A bill's state after its last step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BillState {
    Held,
    /// Passed to a supplier (背书转让).
    Endorsed,
    /// Sold to a bank before maturity (贴现).
    Discounted,
    /// Paid by the acceptor at maturity (托收).
    Collected,
    /// Refused by the acceptor (拒付): its settlements are reversed.
    Dishonoured,
}

/// One lifecycle step, as `POST /api/v1/bills/{number}/{step}` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Endorse,
    Discount,
    Collect,
    Dishonour,
}

/// Why a step is refused; the message names the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// The step is not possible from this state.
    NotFrom(BillState, Step),
    /// Dated before the bill was received or before its last step.
    TooEarly { on: NaiveDate, earliest: NaiveDate },
    /// Endorsing or discounting needs an unmatured bill; collecting a matured one.
    Maturity { step: Step, matures_on: NaiveDate },
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::NotFrom(state, step) => {
                write!(
                    f,
                    "a {} bill cannot be {}",
                    state.as_str(),
                    step.done().as_str()
                )
            }
            StepError::TooEarly { on, earliest } => {
                write!(
                    f,
                    "{on} is before {earliest}, the bill's receipt or its last step"
                )
            }
            StepError::Maturity {
                step: Step::Collect,
                matures_on,
            } => {
                write!(
                    f,
                    "the bill matures on {matures_on}; it cannot be collected before"
                )
            }
            StepError::Maturity { step, matures_on } => {
                write!(
                    f,
                    "the bill matured on {matures_on}; it can no longer be {}",
                    step.done().as_str()
                )
            }
        }
    }
}

impl std::error::Error for StepError {}

impl Step {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Endorse => "endorse",
            Step::Discount => "discount",
            Step::Collect => "collect",
            Step::Dishonour => "dishonour",
        }
    }

    /// The state the step leads to.
    pub fn done(self) -> BillState {
        match self {
            Step::Endorse => BillState::Endorsed,
            Step::Discount => BillState::Discounted,
            Step::Collect => BillState::Collected,
            Step::Dishonour => BillState::Dishonoured,
        }
    }
}

/// The dates a step is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dates {
    pub matures_on: NaiveDate,
    /// The receipt, or the last step's date.
    pub last_on: NaiveDate,
}

impl BillState {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            BillState::Held => "held",
            BillState::Endorsed => "endorsed",
            BillState::Discounted => "discounted",
            BillState::Collected => "collected",
            BillState::Dishonoured => "dishonoured",
        }
    }

    /// The steps this state allows (whatever their dates): a held bill may go any way;
    /// one passed on may still be dishonoured (recourse); a final one, none.
    pub fn next_steps(self) -> &'static [Step] {
        match self {
            BillState::Held => &[
                Step::Endorse,
                Step::Discount,
                Step::Collect,
                Step::Dishonour,
            ],
            BillState::Endorsed | BillState::Discounted => &[Step::Dishonour],
            BillState::Collected | BillState::Dishonoured => &[],
        }
    }

    /// The state after `step` on `on`, or why it may not happen.
    pub fn apply(self, step: Step, on: NaiveDate, dates: Dates) -> Result<BillState, StepError> {
        if !self.next_steps().contains(&step) {
            return Err(StepError::NotFrom(self, step));
        }
        if on < dates.last_on {
            return Err(StepError::TooEarly {
                on,
                earliest: dates.last_on,
            });
        }
        let matured = on >= dates.matures_on;
        let timely = match step {
            Step::Endorse | Step::Discount => !matured,
            Step::Collect => matured,
            Step::Dishonour => true,
        };
        if !timely {
            return Err(StepError::Maturity {
                step,
                matures_on: dates.matures_on,
            });
        }
        Ok(step.done())
    }
}

/// The interest a bank keeps when it discounts `face` on `on`: the annual `rate_pct`
/// over the days left to maturity on a 360-day year (the Chinese bill market's
/// convention), rounded half away from zero to the minor unit.
pub fn discount_interest(
    face: Money,
    rate_pct: Decimal,
    on: NaiveDate,
    matures_on: NaiveDate,
) -> Money {
    let days = Decimal::from((matures_on - on).num_days().max(0));
    let minor =
        Decimal::from(face.minor()) * rate_pct / Decimal::ONE_HUNDRED * days / Decimal::from(360);
    let rounded = minor.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    Money::from_minor(i64::try_from(rounded).unwrap_or(i64::MAX), face.currency())
}

/// `POST /api/v1/bills/{number}/{step}`: the date, and what the step names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    #[cfg_attr(feature = "ssr", schema(format = Date, example = "2026-03-01"))]
    pub on: String,
    /// Endorse only: the supplier the bill is passed to.
    pub endorsee: Option<String>,
    /// Discount only: the discounting bank.
    pub bank: Option<String>,
    /// Discount only: the interest the bank kept, a decimal amount.
    pub interest: Option<String>,
    /// Dishonour only (optional): the acceptor's stated reason.
    pub reason: Option<String>,
}

/// A step ready to be taken: `counterparty` is the endorsee or the bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakenStep {
    pub step: Step,
    pub on: NaiveDate,
    pub counterparty: Option<String>,
    pub interest: Option<Decimal>,
    pub note: Option<String>,
}

impl StepInput {
    /// Every problem at once; a field the step does not take is named, not ignored.
    pub fn parse(
        &self,
        step: Step,
    ) -> Result<TakenStep, Vec<crate::domain::documents::FieldError>> {
        use crate::domain::documents::{amount, date, required_text, Errors, FieldError};
        let mut e = Errors::default();
        let on = e.take(date("on", &self.on));
        let needs = |field: &str, value: &Option<String>, wanted: bool, e: &mut Errors| match (
            wanted, value,
        ) {
            (true, v) => e.take(required_text(field, v.as_deref().unwrap_or(""), 200)),
            (false, None) => None,
            (false, Some(_)) => {
                e.0.push(FieldError::new(
                    field,
                    format!("is not part of a {} step", step.done().as_str()),
                ));
                None
            }
        };
        let endorsee = needs("endorsee", &self.endorsee, step == Step::Endorse, &mut e);
        let bank = needs("bank", &self.bank, step == Step::Discount, &mut e);
        let interest = needs("interest", &self.interest, step == Step::Discount, &mut e)
            .and_then(|s| e.take(amount("interest", &s, true)));
        let note = self
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        if note.is_some() && step != Step::Dishonour {
            e.0.push(FieldError::new("reason", "only a dishonour takes a reason"));
        }
        e.finish(|| TakenStep {
            step,
            on: on.unwrap(),
            counterparty: endorsee.or(bank),
            interest,
            note,
        })
    }
}
