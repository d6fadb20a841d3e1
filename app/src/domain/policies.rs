//! Credit policies (信用政策): finance sets terms and tolerances per customer type (the
//! file's industry), region and product category, and each order meets the most
//! specific policy that matches it.
//!
//! Invariants, and why they hold:
//! - **Exactly one default.** A [`Policies`] set is only made by [`Policies::parse`],
//!   which requires one policy matching everything (no dimension set), so every order
//!   meets a policy and the credit check never lacks one.
//! - **No two policies for the same cell.** Keys are unique once trimmed and
//!   case-folded, so the winner is never a matter of list order.
//! - **The most specific wins, by a fixed precedence.** A policy scores 4 for a product
//!   category, 2 for a customer type and 1 for a region; every set of dimensions has its
//!   own score, so among matching policies one scores highest: the category a machine
//!   is sold in outweighs who buys it, which outweighs where.
use super::credit::CreditPolicy;
use super::documents::{required_text, Errors, FieldError};
use super::money::Money;
use serde::{Deserialize, Serialize};

/// What a breach of the policy does to an order: refuse it, or hold it for release on
/// the approval board.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OnBreach {
    Block,
    #[default]
    Hold,
}

/// The cell a policy applies to; `None` matches any value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PolicyKey {
    pub industry: Option<String>,
    pub region: Option<String>,
    pub product_category: Option<String>,
}

/// One policy as finance entered it, before [`PolicyInput::parse`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    #[cfg_attr(feature = "ssr", schema(example = "挖掘机·华中"))]
    pub name: String,
    /// Empty: any customer type.
    #[serde(default)]
    pub industry: String,
    /// Empty: any region.
    #[serde(default)]
    pub region: String,
    /// Empty: any product category.
    #[serde(default)]
    pub product_category: String,
    #[cfg_attr(feature = "ssr", schema(example = "60"))]
    pub terms_days: String,
    #[cfg_attr(feature = "ssr", schema(example = "30"))]
    pub block_overdue_days: String,
    #[cfg_attr(feature = "ssr", schema(example = "50"))]
    pub max_temp_limit_pct: String,
    #[serde(default)]
    pub on_breach: OnBreach,
}

/// A checked policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    pub key: PolicyKey,
    /// Default payment terms for new invoices.
    pub terms_days: u16,
    /// An invoice more than this many days past due is a breach.
    pub block_overdue_days: u16,
    /// The largest temporary limit, as a percent of the permanent one.
    pub max_temp_limit_pct: u16,
    pub on_breach: OnBreach,
}

/// Whole numbers from `min` to `max`, the field named.
fn whole(field: &str, s: &str, min: u16, max: u16) -> Result<u16, FieldError> {
    s.trim()
        .parse::<u16>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!("'{}' is not a whole number from {min} to {max}", s.trim()),
            )
        })
}

fn dimension(s: &str) -> Option<String> {
    Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl PolicyInput {
    /// Every problem at once, each naming its field.
    pub fn parse(&self) -> Result<Policy, Vec<FieldError>> {
        let mut e = Errors::default();
        let name = e.take(required_text("name", &self.name, 100));
        let terms = e.take(whole("terms_days", &self.terms_days, 0, 365));
        let overdue = e.take(whole(
            "block_overdue_days",
            &self.block_overdue_days,
            0,
            365,
        ));
        let temp = e.take(whole(
            "max_temp_limit_pct",
            &self.max_temp_limit_pct,
            0,
            300,
        ));
        e.finish(|| Policy {
            name: name.unwrap(),
            key: PolicyKey {
                industry: dimension(&self.industry),
                region: dimension(&self.region),
                product_category: dimension(&self.product_category),
            },
            terms_days: terms.unwrap(),
            block_overdue_days: overdue.unwrap(),
            max_temp_limit_pct: temp.unwrap(),
            on_breach: self.on_breach,
        })
    }
}

/// Who is ordering what: the order's side of the match.
#[derive(Debug, Clone, Copy)]
pub struct OrderContext<'a> {
    pub industry: &'a str,
    pub region: &'a str,
    pub product_category: Option<&'a str>,
}

fn same(want: &Option<String>, have: Option<&str>) -> bool {
    want.as_deref()
        .is_none_or(|w| have.is_some_and(|h| w.trim().to_lowercase() == h.trim().to_lowercase()))
}

impl Policy {
    fn matches(&self, o: &OrderContext) -> bool {
        same(&self.key.product_category, o.product_category)
            && same(&self.key.industry, Some(o.industry))
            && same(&self.key.region, Some(o.region))
    }

    /// 4 for a category, 2 for a customer type, 1 for a region (see the module).
    pub fn specificity(&self) -> u8 {
        let k = &self.key;
        4 * u8::from(k.product_category.is_some())
            + 2 * u8::from(k.industry.is_some())
            + u8::from(k.region.is_some())
    }

    /// The credit check's tolerance under this policy.
    pub fn credit_policy(&self) -> CreditPolicy {
        CreditPolicy {
            overdue_days: i64::from(self.block_overdue_days),
        }
    }

    /// Whether a temporary limit of `temp` beside a permanent `limit` is within policy.
    pub fn allows_temp_limit(&self, limit: Money, temp: Money) -> bool {
        i128::from(temp.minor()) * 100
            <= i128::from(limit.minor()) * i128::from(self.max_temp_limit_pct)
    }

    fn folded_key(&self) -> [Option<String>; 3] {
        let fold = |d: &Option<String>| d.as_ref().map(|s| s.trim().to_lowercase());
        [
            fold(&self.key.industry),
            fold(&self.key.region),
            fold(&self.key.product_category),
        ]
    }
}

/// The book's policies: one default and any number of more specific ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policies(Vec<Policy>);

impl Policies {
    /// Refuses a set without exactly one default, or with two policies for one cell,
    /// naming the row (`policies[i]`).
    pub fn parse(list: Vec<Policy>) -> Result<Policies, Vec<FieldError>> {
        let mut e = Errors::default();
        let defaults = list.iter().filter(|p| p.specificity() == 0).count();
        if defaults != 1 {
            e.0.push(FieldError::new(
                "policies",
                format!("needs exactly one default policy (no type, region or category), found {defaults}"),
            ));
        }
        for (i, p) in list.iter().enumerate() {
            if let Some(j) = list[..i]
                .iter()
                .position(|q| q.folded_key() == p.folded_key())
            {
                e.0.push(FieldError::new(
                    format!("policies[{i}]"),
                    format!(
                        "'{}' applies to the same customers and products as '{}'",
                        p.name, list[j].name
                    ),
                ));
            }
        }
        e.finish(|| Policies(list))
    }

    pub fn all(&self) -> &[Policy] {
        &self.0
    }

    /// The most specific policy matching the order (the default when nothing else does).
    pub fn for_order(&self, order: &OrderContext) -> &Policy {
        self.0
            .iter()
            .filter(|p| p.matches(order))
            .max_by_key(|p| p.specificity())
            .expect("a parsed set always has a default, which matches every order")
    }
}

#[cfg(test)]
mod tests;
