//! Allocating a payment (or an unallocated credit) to open invoices.
//!
//! Invariants, property-tested below, for both automatic and manual allocation:
//! - Σ lines + unallocated = the payment, exactly;
//! - every line is > 0 and ≤ that invoice's open amount, so open stays ≥ 0;
//! - FIFO never pays a later invoice while an earlier one (by due date, then invoice
//!   date, then number) is still open.
//!
//! The remainder is not lost: it stays on the customer as an unallocated credit.
use super::money::{Money, MoneyError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An invoice that can receive money, with what is still open on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenInvoice {
    pub id: i64,
    pub number: String,
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    pub open: Money,
}

/// How a payment is spread over invoices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// (invoice id, amount), each amount > 0.
    pub lines: Vec<(i64, Money)>,
    /// What stays on the customer as a credit.
    pub unallocated: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    #[error("payment amount must be positive")]
    NonPositivePayment,
    #[error("allocation to invoice {0} must be positive")]
    NonPositiveLine(String),
    #[error("invoice {0} is not open for this customer")]
    UnknownInvoice(i64),
    #[error("invoice {0} is allocated twice")]
    DuplicateInvoice(String),
    #[error("allocation of {amount} to invoice {number} exceeds its open amount {open}")]
    ExceedsOpen {
        number: String,
        amount: String,
        open: String,
    },
    #[error("allocations total {total}, more than the payment {payment}")]
    ExceedsPayment { total: String, payment: String },
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// FIFO order: due date, then invoice date, then number.
fn fifo_order(invoices: &[OpenInvoice]) -> Vec<&OpenInvoice> {
    let mut sorted: Vec<&OpenInvoice> = invoices.iter().filter(|i| i.open.minor() > 0).collect();
    sorted.sort_by(|a, b| {
        (a.due_date, a.invoice_date, &a.number).cmp(&(b.due_date, b.invoice_date, &b.number))
    });
    sorted
}

/// Spends `payment` on the oldest-due invoices first.
pub fn fifo(payment: Money, invoices: &[OpenInvoice]) -> Result<Allocation, AllocationError> {
    if payment.minor() <= 0 {
        return Err(AllocationError::NonPositivePayment);
    }
    let mut left = payment;
    let mut lines = Vec::new();
    for inv in fifo_order(invoices) {
        if left.is_zero() {
            break;
        }
        let take = if inv.open.minor() <= left.minor() {
            inv.open
        } else {
            left
        };
        left = left.checked_sub(take)?;
        lines.push((inv.id, take));
    }
    Ok(Allocation {
        lines,
        unallocated: left,
    })
}

/// Checks a user's or an ERP's own allocation against the open invoices.
pub fn manual(
    payment: Money,
    invoices: &[OpenInvoice],
    requested: &[(i64, Money)],
) -> Result<Allocation, AllocationError> {
    if payment.minor() <= 0 {
        return Err(AllocationError::NonPositivePayment);
    }
    let mut seen = std::collections::HashSet::new();
    let mut total = Money::zero(payment.currency());
    for (id, amount) in requested {
        let inv = invoices
            .iter()
            .find(|i| i.id == *id)
            .ok_or(AllocationError::UnknownInvoice(*id))?;
        if !seen.insert(*id) {
            return Err(AllocationError::DuplicateInvoice(inv.number.clone()));
        }
        if amount.minor() <= 0 {
            return Err(AllocationError::NonPositiveLine(inv.number.clone()));
        }
        if amount.currency() != inv.open.currency() || amount.minor() > inv.open.minor() {
            return Err(AllocationError::ExceedsOpen {
                number: inv.number.clone(),
                amount: amount.display(),
                open: inv.open.display(),
            });
        }
        total = total.checked_add(*amount)?;
    }
    if total.minor() > payment.minor() {
        return Err(AllocationError::ExceedsPayment {
            total: total.display(),
            payment: payment.display(),
        });
    }
    Ok(Allocation {
        lines: requested.to_vec(),
        unallocated: payment.checked_sub(total)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;
    use proptest::prelude::*;

    /// Applies an allocation to the open amounts, as the store does in its transaction.
    fn apply(invoices: &mut [OpenInvoice], allocation: &Allocation) -> Result<(), AllocationError> {
        for (id, amount) in &allocation.lines {
            let inv = invoices
                .iter_mut()
                .find(|i| i.id == *id)
                .ok_or(AllocationError::UnknownInvoice(*id))?;
            inv.open = inv.open.checked_sub(*amount)?;
        }
        Ok(())
    }

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    fn inv(id: i64, number: &str, due: (u32, u32), open: i64) -> OpenInvoice {
        let due = NaiveDate::from_ymd_opt(2026, due.0, due.1).unwrap();
        OpenInvoice {
            id,
            number: number.into(),
            invoice_date: due - chrono::Duration::days(30),
            due_date: due,
            open: cny(open),
        }
    }

    #[test]
    fn fifo_pays_the_oldest_due_first_and_keeps_the_rest_as_credit() {
        let invoices = [
            inv(1, "B", (3, 1), 500),
            inv(2, "A", (2, 1), 300),
            inv(3, "C", (3, 1), 200),
            inv(4, "Z", (1, 1), 0),
        ];
        // Same due date: invoice date ties too, so the number decides (B before C).
        let a = fifo(cny(900), &invoices).unwrap();
        assert_eq!(a.lines, vec![(2, cny(300)), (1, cny(500)), (3, cny(100))]);
        assert_eq!(a.unallocated, cny(0));
        let a = fifo(cny(1_200), &invoices).unwrap();
        assert_eq!(a.unallocated, cny(200));
        assert_eq!(
            fifo(cny(0), &invoices),
            Err(AllocationError::NonPositivePayment)
        );
    }

    #[test]
    fn manual_allocation_is_checked_line_by_line() {
        let invoices = [inv(1, "I-1", (3, 1), 500), inv(2, "I-2", (2, 1), 300)];
        let ok = manual(cny(600), &invoices, &[(1, cny(500)), (2, cny(50))]).unwrap();
        assert_eq!(ok.unallocated, cny(50));
        let over = manual(cny(600), &invoices, &[(2, cny(301))]).unwrap_err();
        assert!(
            over.to_string().contains("I-2")
                && over.to_string().contains("exceeds its open amount"),
            "{over}"
        );
        assert_eq!(
            manual(cny(100), &invoices, &[(1, cny(60)), (2, cny(60))]),
            Err(AllocationError::ExceedsPayment {
                total: "¥1.20".into(),
                payment: "¥1.00".into()
            })
        );
        assert_eq!(
            manual(cny(100), &invoices, &[(9, cny(1))]),
            Err(AllocationError::UnknownInvoice(9))
        );
        assert_eq!(
            manual(cny(100), &invoices, &[(1, cny(1)), (1, cny(1))]),
            Err(AllocationError::DuplicateInvoice("I-1".into()))
        );
        assert_eq!(
            manual(cny(100), &invoices, &[(1, cny(0))]),
            Err(AllocationError::NonPositiveLine("I-1".into()))
        );
    }

    fn invoices_strategy() -> impl Strategy<Value = Vec<OpenInvoice>> {
        proptest::collection::vec((1u32..=12, 1u32..=28, 0i64..1_000_000), 0..30).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (m, d, open))| inv(i as i64 + 1, &format!("N{i:03}"), (m, d), open))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn fifo_conserves_money_and_never_over_allocates(invoices in invoices_strategy(), pay in 1i64..20_000_000) {
            let a = fifo(cny(pay), &invoices).unwrap();
            let allocated: i64 = a.lines.iter().map(|(_, m)| m.minor()).sum();
            prop_assert_eq!(allocated + a.unallocated.minor(), pay);
            prop_assert!(a.unallocated.minor() >= 0);
            let mut after = invoices.clone();
            apply(&mut after, &a).unwrap();
            prop_assert!(after.iter().all(|i| i.open.minor() >= 0));
            prop_assert!(a.lines.iter().all(|(_, m)| m.minor() > 0));
            // FIFO: any invoice left open must come after every invoice that received money,
            // unless the money ran out on it.
            let order: Vec<i64> = fifo_order(&invoices).iter().map(|i| i.id).collect();
            let paid: Vec<i64> = a.lines.iter().map(|(id, _)| *id).collect();
            prop_assert_eq!(&order[..paid.len()], &paid[..]);
            if a.unallocated.minor() > 0 {
                prop_assert!(after.iter().all(|i| i.open.minor() == 0));
            }
        }

        #[test]
        fn accepted_manual_allocations_keep_every_invoice_non_negative(
            invoices in invoices_strategy(),
            picks in proptest::collection::vec((0usize..30, 1i64..1_200_000), 0..10),
            pay in 1i64..5_000_000,
        ) {
            let mut requested: Vec<(i64, Money)> = Vec::new();
            for (idx, amount) in picks {
                if let Some(i) = invoices.get(idx) {
                    if requested.iter().all(|(id, _)| *id != i.id) {
                        requested.push((i.id, cny(amount)));
                    }
                }
            }
            match manual(cny(pay), &invoices, &requested) {
                Ok(a) => {
                    let allocated: i64 = a.lines.iter().map(|(_, m)| m.minor()).sum();
                    prop_assert_eq!(allocated + a.unallocated.minor(), pay);
                    let mut after = invoices.clone();
                    apply(&mut after, &a).unwrap();
                    prop_assert!(after.iter().all(|i| i.open.minor() >= 0));
                }
                Err(_) => {
                    // Refused only when some line is over its invoice or the total is over the payment.
                    let over_line = requested.iter().any(|(id, m)| {
                        invoices.iter().find(|i| i.id == *id).is_some_and(|i| m.minor() > i.open.minor())
                    });
                    let total: i64 = requested.iter().map(|(_, m)| m.minor()).sum();
                    prop_assert!(over_line || total > pay);
                }
            }
        }
    }
}
