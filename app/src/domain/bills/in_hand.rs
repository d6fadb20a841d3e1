//! The cockpit's bills card: what the book holds in acceptance bills at a date.
//!
//! Invariants: a bill is in hand while held and unmatured; "maturing within N days"
//! counts bills in hand maturing after `as_of` and no later than `as_of + N`, so the
//! windows nest (30 ⊆ 60 ⊆ 90 ⊆ in hand); bills endorsed or discounted and not yet
//! matured are out of hand but still the dealer's risk (recourse), shown apart. A bill
//! in another currency than the card's is never summed as if it were in it: its
//! currency is named in `unconverted`, for the card to warn about.
use super::lifecycle::BillState;
use crate::domain::money::{Currency, Money, MoneyError};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// The windows the card shows, in days after `as_of`.
pub const WINDOWS: [u64; 3] = [30, 60, 90];

/// A count of bills and their face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub count: i64,
    pub face: Money,
}

impl Tally {
    fn zero(currency: Currency) -> Tally {
        Tally {
            count: 0,
            face: Money::zero(currency),
        }
    }

    fn add(&mut self, face: Money) -> Result<(), MoneyError> {
        self.count += 1;
        self.face = self.face.checked_add(face)?;
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillsInHand {
    pub held: Tally,
    /// Held bills maturing within each of `WINDOWS`.
    pub maturing: [Tally; 3],
    /// Endorsed or discounted, not yet matured: recourse if the acceptor does not pay.
    pub passed_on: Tally,
    /// Currencies of bills left out of the sums (no conversion yet), each once.
    pub unconverted: Vec<Currency>,
}

/// One bill as the card counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillAt {
    pub state: BillState,
    pub matures_on: NaiveDate,
    pub face: Money,
}

/// The card at `as_of`, in `currency`.
pub fn in_hand(
    as_of: NaiveDate,
    currency: Currency,
    bills: &[BillAt],
) -> Result<BillsInHand, MoneyError> {
    let zero = Tally::zero(currency);
    let mut card = BillsInHand {
        held: zero,
        maturing: [zero; 3],
        passed_on: zero,
        unconverted: Vec::new(),
    };
    for b in bills.iter().filter(|b| b.matures_on > as_of) {
        let other = b.face.currency();
        if other != currency {
            if !card.unconverted.contains(&other) {
                card.unconverted.push(other);
            }
            continue;
        }
        match b.state {
            BillState::Held => {
                card.held.add(b.face)?;
                for (tally, days) in card.maturing.iter_mut().zip(WINDOWS) {
                    if as_of
                        .checked_add_days(Days::new(days))
                        .is_some_and(|end| b.matures_on <= end)
                    {
                        tally.add(b.face)?;
                    }
                }
            }
            BillState::Endorsed | BillState::Discounted => card.passed_on.add(b.face)?,
            BillState::Collected | BillState::Dishonoured => {}
        }
    }
    Ok(card)
}
