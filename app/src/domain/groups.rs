//! Customer groups (集团): the project companies of one contractor group buy against one
//! real risk, so the group carries a limit of its own beside each member's.
//!
//! Invariants, and why they hold:
//! - **One currency.** A group's limit is in the book currency and only customers billed
//!   in it may join (the store refuses the others by name), so the group's exposure is a
//!   plain sum of its members' and never mixes currencies.
//! - **Codes are business keys.** A group code follows the customer-code rules (1–32 of
//!   `A-Z 0-9 - _ .`, upper-cased), is unique and never renamed: ERP systems send it.
//! - **The lower availability binds.** The credit check takes the lower of the customer's
//!   and the group's available credit (`domain::credit::check`), with its own reason
//!   `group_over_limit`, so a sales rep sees which limit stopped the order.
use super::customer::CustomerCode;
use super::documents::{customer_code, money, required_text, Errors, FieldError};
use super::money::Money;
use serde::{Deserialize, Serialize};

/// `POST /api/v1/customer-groups`; money as a decimal string in the book currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    #[cfg_attr(feature = "ssr", schema(example = "ZJ-GROUP"))]
    pub code: String,
    #[cfg_attr(feature = "ssr", schema(example = "中建某局集团"))]
    pub name: String,
    #[cfg_attr(feature = "ssr", schema(example = "3000000.00"))]
    pub limit: String,
}

/// A group ready to be opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewGroup {
    pub code: CustomerCode,
    pub name: String,
    pub limit: Money,
}

impl GroupInput {
    /// Every problem at once, each naming its field.
    pub fn parse(&self) -> Result<NewGroup, Vec<FieldError>> {
        let mut e = Errors::default();
        let code = e.take(customer_code("code", &self.code));
        let name = e.take(required_text("name", &self.name, 200));
        let limit = e.take(money("limit", &self.limit, super::BOOK_CURRENCY, true));
        e.finish(|| NewGroup {
            code: code.unwrap(),
            name: name.unwrap(),
            limit: limit.unwrap(),
        })
    }
}

/// `PATCH /api/v1/customer-groups/{code}`: only the fields sent change; the code never does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupPatchInput {
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(example = "中建某局集团"))]
    pub name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(example = "4000000.00"))]
    pub limit: Option<String>,
}

/// A change to a group's name or limit, at least one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPatch {
    pub name: Option<String>,
    pub limit: Option<Money>,
}

impl GroupPatchInput {
    /// Every problem at once, each naming its field; a patch that changes nothing is
    /// refused (naming `limit`), so an integration's empty body does not pass silently.
    pub fn parse(&self) -> Result<GroupPatch, Vec<FieldError>> {
        let mut e = Errors::default();
        let name = e.take(
            self.name
                .as_deref()
                .map(|n| required_text("name", n, 200))
                .transpose(),
        );
        let limit = e.take(
            self.limit
                .as_deref()
                .map(|l| money("limit", l, super::BOOK_CURRENCY, true))
                .transpose(),
        );
        if self.name.is_none() && self.limit.is_none() {
            e.0.push(FieldError::new("limit", "send a new limit or name"));
        }
        e.finish(|| GroupPatch {
            name: name.unwrap(),
            limit: limit.unwrap(),
        })
    }
}

/// A group as lists show it: its limit, its members' exposure today, and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRow {
    pub code: CustomerCode,
    pub name: String,
    pub limit: Money,
    /// The members' exposure summed (open invoices + open approved orders − credits).
    pub exposure: Money,
    pub members: i64,
}

impl GroupRow {
    /// Limit minus exposure (negative when over); both are in the book currency.
    pub fn available(&self) -> Money {
        Money::from_minor(
            self.limit.minor() - self.exposure.minor(),
            self.limit.currency(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_parses_or_names_every_bad_field() {
        let ok = GroupInput {
            code: " zj-1 ".into(),
            name: "中建某局集团".into(),
            limit: "3000000".into(),
        };
        let g = ok.parse().unwrap();
        assert_eq!((g.code.as_str(), g.limit.minor()), ("ZJ-1", 300_000_000));
        let bad = GroupInput {
            code: "a b".into(),
            name: " ".into(),
            limit: "-1".into(),
        };
        let fields: Vec<String> = bad
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["code", "name", "limit"]);
    }

    #[test]
    fn a_patch_changes_what_it_names_and_refuses_nothing_or_bad() {
        let limit = GroupPatchInput {
            limit: Some("4000000.50".into()),
            ..Default::default()
        };
        let p = limit.parse().unwrap();
        assert_eq!(
            (p.name, p.limit.map(|m| m.minor())),
            (None, Some(400_000_050))
        );
        let field = |i: GroupPatchInput| i.parse().unwrap_err()[0].field.clone();
        assert_eq!(field(GroupPatchInput::default()), "limit");
        let bad = GroupPatchInput {
            name: Some(" ".into()),
            limit: Some("1.001".into()),
        };
        let fields: Vec<String> = bad
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "limit"]);
    }
}
