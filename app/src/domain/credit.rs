//! Exposure, available credit and the credit check on an order.
//!
//! Exposure = open invoices + open approved orders + acceptance bills still at risk −
//! unallocated credits. A bill received settles invoices, but until it matures its
//! acceptor may still refuse it, and a dishonour reopens them (`domain::bills`): so a
//! held, endorsed or discounted bill counts until its maturity date, commercial bills
//! always and bank bills when finance says so (`settings::BANK_BILLS_IN_EXPOSURE`).
//! Available = effective limit (limit + active temporary limit) − exposure, or the
//! group's limit − its members' exposure when that is lower (`domain::groups`).
//!
//! The check's outcome is the most severe that applies: `blocked` (frozen or
//! blacklisted customer, or one a collection rule put on prepayment) over `needs_approval` (over the available credit, or an
//! invoice more than the policy's days overdue) over `approved`. Every reason that
//! applies is reported, in a stable order, so ERP systems can act on codes.
use super::customer::CustomerStatus;
use super::money::{Money, MoneyError};
use serde::{Deserialize, Serialize};

/// What the customer owes and has been promised, at one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposure {
    pub open_invoices: Money,
    pub open_orders: Money,
    pub unallocated_credits: Money,
    /// The face of received bills not yet matured, collected or dishonoured.
    pub unmatured_bills: Money,
}

impl Exposure {
    pub fn total(&self) -> Result<Money, MoneyError> {
        self.open_invoices
            .checked_add(self.open_orders)?
            .checked_add(self.unmatured_bills)?
            .checked_sub(self.unallocated_credits)
    }
}

/// Configured by finance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditPolicy {
    /// An invoice more than this many days past due sends orders to approval.
    pub overdue_days: i64,
}

impl Default for CreditPolicy {
    fn default() -> Self {
        CreditPolicy { overdue_days: 90 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approved,
    NeedsApproval,
    Blocked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    CustomerFrozen,
    CustomerBlacklisted,
    OverLimit,
    /// The order would take the customer's group over the group's limit.
    GroupOverLimit,
    Overdue,
    /// A collection rule set the customer to prepayment: no order ships on credit.
    PrepaymentRequired,
}

impl Decision {
    /// The wire and database name (as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::NeedsApproval => "needs_approval",
            Decision::Blocked => "blocked",
        }
    }
}

impl Reason {
    /// The wire and database name (as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::CustomerFrozen => "customer_frozen",
            Reason::CustomerBlacklisted => "customer_blacklisted",
            Reason::OverLimit => "over_limit",
            Reason::GroupOverLimit => "group_over_limit",
            Reason::Overdue => "overdue",
            Reason::PrepaymentRequired => "prepayment_required",
        }
    }

    fn decision(self) -> Decision {
        match self {
            Reason::CustomerFrozen | Reason::CustomerBlacklisted | Reason::PrepaymentRequired => {
                Decision::Blocked
            }
            Reason::OverLimit | Reason::GroupOverLimit | Reason::Overdue => Decision::NeedsApproval,
        }
    }
}

/// The answer to "may we ship this order on credit?"
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditCheck {
    pub decision: Decision,
    pub reasons: Vec<Reason>,
    pub available_before: Money,
    pub available_after: Money,
}

/// Everything the check needs about the customer, at the as_of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditPosition {
    pub status: CustomerStatus,
    /// Limit plus the temporary limit when still active.
    pub effective_limit: Money,
    pub exposure: Exposure,
    /// The oldest open invoice's days past due (0 when nothing is overdue).
    pub max_days_past_due: i64,
    /// New orders must be prepaid (set by a collection rule).
    pub prepayment_required: bool,
    /// The customer's group, when it belongs to one.
    pub group: Option<GroupPosition>,
}

/// A group's limit and its members' exposure (the customer's own included), in the
/// book currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupPosition {
    pub limit: Money,
    pub exposure: Money,
}

pub fn check(
    position: &CreditPosition,
    order: Money,
    policy: CreditPolicy,
) -> Result<CreditCheck, MoneyError> {
    let own_before = position
        .effective_limit
        .checked_sub(position.exposure.total()?)?;
    let group_before = position
        .group
        .map(|g| g.limit.checked_sub(g.exposure))
        .transpose()?;
    let available_before = match group_before {
        Some(g) if g.checked_sub(own_before)?.is_negative() => g,
        _ => own_before,
    };
    let available_after = available_before.checked_sub(order)?;
    let mut reasons = Vec::new();
    match position.status {
        CustomerStatus::Frozen => reasons.push(Reason::CustomerFrozen),
        CustomerStatus::Blacklisted => reasons.push(Reason::CustomerBlacklisted),
        CustomerStatus::Normal | CustomerStatus::Watch => {}
    }
    if own_before.checked_sub(order)?.is_negative() {
        reasons.push(Reason::OverLimit);
    }
    if let Some(g) = group_before {
        if g.checked_sub(order)?.is_negative() {
            reasons.push(Reason::GroupOverLimit);
        }
    }
    if position.max_days_past_due > policy.overdue_days {
        reasons.push(Reason::Overdue);
    }
    if position.prepayment_required {
        reasons.push(Reason::PrepaymentRequired);
    }
    let decision = reasons
        .iter()
        .map(|r| r.decision())
        .max()
        .unwrap_or(Decision::Approved);
    Ok(CreditCheck {
        decision,
        reasons,
        available_before,
        available_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;
    use proptest::prelude::*;

    #[test]
    fn database_names_are_the_wire_names() {
        for r in [
            Reason::CustomerFrozen,
            Reason::CustomerBlacklisted,
            Reason::OverLimit,
            Reason::GroupOverLimit,
            Reason::Overdue,
            Reason::PrepaymentRequired,
        ] {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        for d in [
            Decision::Approved,
            Decision::NeedsApproval,
            Decision::Blocked,
        ] {
            assert_eq!(serde_json::to_value(d).unwrap(), d.as_str());
        }
    }

    fn cny(yuan: i64) -> Money {
        Money::from_minor(yuan * 100, Currency::CNY)
    }

    #[test]
    fn a_bill_at_risk_counts_like_the_invoice_it_settled() {
        let mut p = position(CustomerStatus::Normal, 1_000, 400, 100, 50, 0);
        p.exposure.unmatured_bills = cny(300);
        assert_eq!(p.exposure.total(), Ok(cny(750)));
        let c = check(&p, cny(300), CreditPolicy::default()).unwrap();
        assert_eq!(
            (c.decision, c.available_before),
            (Decision::NeedsApproval, cny(250))
        );
        assert_eq!(c.reasons, vec![Reason::OverLimit]);
    }

    fn position(
        status: CustomerStatus,
        limit: i64,
        invoices: i64,
        orders: i64,
        credits: i64,
        dpd: i64,
    ) -> CreditPosition {
        CreditPosition {
            status,
            effective_limit: cny(limit),
            exposure: Exposure {
                open_invoices: cny(invoices),
                open_orders: cny(orders),
                unallocated_credits: cny(credits),
                unmatured_bills: cny(0),
            },
            max_days_past_due: dpd,
            prepayment_required: false,
            group: None,
        }
    }

    #[test]
    fn scenario_table() {
        use CustomerStatus::*;
        use Decision::*;
        use Reason::*;
        // (status, limit, invoices, orders, credits, max dpd, order) -> (decision, reasons, before, after)
        let table = [
            (
                (Normal, 1000, 400, 100, 0, 0, 500),
                (Approved, vec![], 500, 0),
            ),
            (
                (Normal, 1000, 400, 100, 0, 0, 501),
                (NeedsApproval, vec![OverLimit], 500, -1),
            ),
            (
                (Normal, 1000, 400, 100, 50, 0, 550),
                (Approved, vec![], 550, 0),
            ),
            (
                (Watch, 1000, 0, 0, 0, 90, 10),
                (Approved, vec![], 1000, 990),
            ),
            (
                (Normal, 1000, 0, 0, 0, 91, 10),
                (NeedsApproval, vec![Overdue], 1000, 990),
            ),
            (
                (Frozen, 1000, 0, 0, 0, 0, 1),
                (Blocked, vec![CustomerFrozen], 1000, 999),
            ),
            (
                (Blacklisted, 0, 0, 0, 0, 200, 5),
                (
                    Blocked,
                    vec![CustomerBlacklisted, OverLimit, Overdue],
                    0,
                    -5,
                ),
            ),
        ];
        for ((status, limit, inv, ord, cred, dpd, order), (decision, reasons, before, after)) in
            table
        {
            let c = check(
                &position(status, limit, inv, ord, cred, dpd),
                cny(order),
                CreditPolicy::default(),
            )
            .unwrap();
            assert_eq!(c.decision, decision, "{status:?} order {order}");
            assert_eq!(c.reasons, reasons, "{status:?} order {order}");
            assert_eq!(
                (c.available_before, c.available_after),
                (cny(before), cny(after))
            );
        }
        // A customer on prepayment: blocked even well within the limit.
        let prepay = CreditPosition {
            prepayment_required: true,
            ..position(Normal, 1000, 0, 0, 0, 0)
        };
        let c = check(&prepay, cny(1), CreditPolicy::default()).unwrap();
        assert_eq!((c.decision, c.reasons), (Blocked, vec![PrepaymentRequired]));
    }

    #[test]
    fn the_lower_of_the_customer_and_the_group_availability_binds() {
        use Decision::*;
        use Reason::*;
        let in_group = |group_limit: i64, group_exposure: i64| CreditPosition {
            group: Some(GroupPosition {
                limit: cny(group_limit),
                exposure: cny(group_exposure),
            }),
            ..position(CustomerStatus::Normal, 1000, 400, 0, 0, 0)
        };
        // (group limit, group exposure, order) -> (decision, reasons, before, after);
        // the customer alone has 600 available.
        let table = [
            ((5000, 1000, 600), (Approved, vec![], 600, 0)),
            ((5000, 4700, 300), (Approved, vec![], 300, 0)),
            (
                (5000, 4700, 301),
                (NeedsApproval, vec![GroupOverLimit], 300, -1),
            ),
            (
                (5000, 4700, 601),
                (NeedsApproval, vec![OverLimit, GroupOverLimit], 300, -301),
            ),
            ((5000, 1000, 601), (NeedsApproval, vec![OverLimit], 600, -1)),
            (
                (0, 400, 1),
                (NeedsApproval, vec![GroupOverLimit], -400, -401),
            ),
        ];
        for ((limit, exposure, order), (decision, reasons, before, after)) in table {
            let c = check(
                &in_group(limit, exposure),
                cny(order),
                CreditPolicy::default(),
            )
            .unwrap();
            assert_eq!(
                (c.decision, c.reasons, c.available_before, c.available_after),
                (decision, reasons, cny(before), cny(after)),
                "group {limit}/{exposure}, order {order}"
            );
        }
    }

    #[test]
    fn reasons_serialise_as_the_documented_codes() {
        let codes: Vec<String> = [
            Reason::CustomerFrozen,
            Reason::CustomerBlacklisted,
            Reason::OverLimit,
            Reason::Overdue,
        ]
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
        assert_eq!(
            codes,
            [
                "\"customer_frozen\"",
                "\"customer_blacklisted\"",
                "\"over_limit\"",
                "\"overdue\""
            ]
        );
        assert_eq!(
            serde_json::to_string(&Decision::NeedsApproval).unwrap(),
            "\"needs_approval\""
        );
    }

    proptest! {
        #[test]
        fn approval_is_exactly_within_available_for_a_healthy_customer(
            limit in 0i64..10_000_000, inv in 0i64..5_000_000, ord in 0i64..5_000_000, cred in 0i64..1_000_000, order in 1i64..10_000_000,
        ) {
            let p = position(CustomerStatus::Normal, limit, inv, ord, cred, 0);
            let c = check(&p, cny(order), CreditPolicy::default()).unwrap();
            prop_assert_eq!(c.available_before.minor() - c.available_after.minor(), cny(order).minor());
            prop_assert_eq!(c.decision == Decision::Approved, order <= limit - inv - ord + cred);
        }

        #[test]
        fn a_group_member_is_approved_exactly_within_the_lower_availability(
            limit in 0i64..10_000_000, inv in 0i64..5_000_000, group_limit in 0i64..20_000_000,
            others in 0i64..10_000_000, order in 1i64..10_000_000,
        ) {
            let p = CreditPosition {
                group: Some(GroupPosition { limit: cny(group_limit), exposure: cny(inv + others) }),
                ..position(CustomerStatus::Normal, limit, inv, 0, 0, 0)
            };
            let c = check(&p, cny(order), CreditPolicy::default()).unwrap();
            let (own, group) = (limit - inv, group_limit - inv - others);
            prop_assert_eq!(c.available_before, cny(own.min(group)));
            prop_assert_eq!(c.decision == Decision::Approved, order <= own.min(group));
            prop_assert_eq!(c.reasons.contains(&Reason::GroupOverLimit), order > group);
            prop_assert_eq!(c.reasons.contains(&Reason::OverLimit), order > own);
        }
    }
}
