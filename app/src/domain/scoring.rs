//! Credit scoring: indicator values → points → a weighted score → a grade → a suggested
//! limit and terms; and the back-test that tells finance whether the grades separate
//! customers who went on to default from those who did not.
//!
//! Invariants, and why they hold:
//! - A `ScoringModel` is only made by `TryFrom<ModelDraft>` (its fields are private and its
//!   `Deserialize` goes through the draft), which names every bad field at once. So in every
//!   model: each indicator is scored at most once; weights are in (0, 100] with at most two
//!   decimals and add up to exactly 100; each rule has at least one band, its bands' `from`
//!   strictly increase and every `points` and `missing_points` is a whole number 0–100;
//!   thresholds satisfy 100 ≥ A > B > C ≥ 0; there is exactly one policy per grade, with a
//!   share of sales 0–100 %, a cap in the book currency that is zero or more, and terms of
//!   0–3650 days.
//! - A value earns the points of the band with the largest `from` ≤ value (a value equal to
//!   `from` is inside that band), 0 below every band, `missing_points` when unknown. The
//!   lookup is a binary search over strictly increasing `from`s, so it is unambiguous, and
//!   raising a value never moves it to an earlier band: points follow the bands' direction.
//! - 0 ≤ score ≤ 100: a line contributes weight × points / 100 with points ≤ 100, so it lies
//!   in [0, weight], and the weights add up to 100. All of it is exact `Decimal` arithmetic
//!   (weights have ≤ 2 decimals, points are whole), and the score is rounded once, at the
//!   end, to one decimal half-up; the grade is read from that rounded score, so the number
//!   on the page and the grade next to it always agree (84.95 shows as 85.0 and is an A).
//! - A suggested limit is whole yuan, rounded down, never negative and never above the
//!   grade's cap: the policy's share of sales is a ceiling, never exceeded by rounding.
//! - The back-test's AUC is the Mann–Whitney U statistic over pos × neg computed from
//!   integer (doubled) rank sums with mid-ranks for ties, and rounded half-up to three
//!   decimals from the exact fraction; the property tests pin it to a brute-force pair
//!   count. Default rates and the monotonicity check use exact integer ratios too.
//!
//! No `f64` anywhere: money is `Money`, scores, weights, rates and values are `Decimal`.
use super::customer::Grade;
use super::documents::FieldError;
use super::money::Money;
use super::BOOK_CURRENCY;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One problem with one field of a [`ModelDraft`], e.g. `weights: add up to 90, must add up to 100`.
pub type ModelError = FieldError;

// ---------------------------------------------------------------------------------------
// Indicators and their values
// ---------------------------------------------------------------------------------------

/// What a customer is scored on. The first seven are computed from the ledger; the last
/// three are maintained by hand on the credit file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// Whole and fractional years since the first invoice.
    YearsOfCooperation,
    /// Invoiced sales over the trailing twelve months, in the book currency.
    #[serde(rename = "sales_12m")]
    Sales12m,
    /// Average days from invoice to payment.
    AvgDaysToPay,
    /// Share of invoices paid by their due date, 0–100.
    OnTimeRate,
    /// Invoices that went overdue in the trailing twelve months.
    #[serde(rename = "overdue_count_12m")]
    OverdueCount12m,
    /// The most days any invoice was overdue in the trailing twelve months.
    #[serde(rename = "max_days_overdue_12m")]
    MaxDaysOverdue12m,
    /// Overdue share of the open receivables, 0–100.
    OverdueRatio,
    /// Registered capital, in the book currency.
    RegisteredCapital,
    /// The industry's risk factor; higher is riskier (typically 0.8–1.5).
    IndustryRisk,
    /// An external (bureau) rating, 0–100.
    ExternalRating,
}

impl Indicator {
    /// Every indicator, in the order the scoring page lists them.
    pub const ALL: [Indicator; 10] = [
        Indicator::YearsOfCooperation,
        Indicator::Sales12m,
        Indicator::AvgDaysToPay,
        Indicator::OnTimeRate,
        Indicator::OverdueCount12m,
        Indicator::MaxDaysOverdue12m,
        Indicator::OverdueRatio,
        Indicator::RegisteredCapital,
        Indicator::IndustryRisk,
        Indicator::ExternalRating,
    ];

    /// The wire and database name (as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::YearsOfCooperation => "years_of_cooperation",
            Indicator::Sales12m => "sales_12m",
            Indicator::AvgDaysToPay => "avg_days_to_pay",
            Indicator::OnTimeRate => "on_time_rate",
            Indicator::OverdueCount12m => "overdue_count_12m",
            Indicator::MaxDaysOverdue12m => "max_days_overdue_12m",
            Indicator::OverdueRatio => "overdue_ratio",
            Indicator::RegisteredCapital => "registered_capital",
            Indicator::IndustryRisk => "industry_risk",
            Indicator::ExternalRating => "external_rating",
        }
    }

    /// The indicator named by its wire name (surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.as_str() == s.trim())
    }

    /// Computed from the ledger (true) or maintained by hand (false).
    pub fn computed(self) -> bool {
        !matches!(
            self,
            Indicator::RegisteredCapital | Indicator::IndustryRisk | Indicator::ExternalRating
        )
    }

    /// The unit the value is expressed in, for labels.
    pub fn unit(self) -> &'static str {
        match self {
            Indicator::YearsOfCooperation => "years",
            Indicator::Sales12m | Indicator::RegisteredCapital => BOOK_CURRENCY.code(),
            Indicator::AvgDaysToPay | Indicator::MaxDaysOverdue12m => "days",
            Indicator::OnTimeRate | Indicator::OverdueRatio => "%",
            Indicator::OverdueCount12m => "count",
            Indicator::IndustryRisk => "factor",
            Indicator::ExternalRating => "rating",
        }
    }

    /// The largest value the indicator can take, for the 0–100 ones.
    fn max_value(self) -> Option<Decimal> {
        match self {
            Indicator::OnTimeRate | Indicator::OverdueRatio | Indicator::ExternalRating => {
                Some(Decimal::ONE_HUNDRED)
            }
            _ => None,
        }
    }
}

/// One customer's indicator values; an indicator without a value is unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IndicatorValues(BTreeMap<Indicator, Decimal>);

impl IndicatorValues {
    /// No value known.
    pub fn new() -> Self {
        IndicatorValues::default()
    }

    /// The value, or `None` when unknown.
    pub fn get(&self, indicator: Indicator) -> Option<Decimal> {
        self.0.get(&indicator).copied()
    }

    /// Sets (or replaces) a value.
    pub fn set(&mut self, indicator: Indicator, value: Decimal) {
        self.0.insert(indicator, value);
    }

    /// Makes a value unknown again.
    pub fn clear(&mut self, indicator: Indicator) {
        self.0.remove(&indicator);
    }

    /// Builder form of [`IndicatorValues::set`].
    pub fn with(mut self, indicator: Indicator, value: Decimal) -> Self {
        self.set(indicator, value);
        self
    }

    /// The known values, in indicator order.
    pub fn iter(&self) -> impl Iterator<Item = (Indicator, Decimal)> + '_ {
        self.0.iter().map(|(i, v)| (*i, *v))
    }
}

impl FromIterator<(Indicator, Decimal)> for IndicatorValues {
    fn from_iter<T: IntoIterator<Item = (Indicator, Decimal)>>(iter: T) -> Self {
        IndicatorValues(iter.into_iter().collect())
    }
}

// ---------------------------------------------------------------------------------------
// Rules, thresholds, policies
// ---------------------------------------------------------------------------------------

/// "A value ≥ `from` earns `points`" (0–100), up to the next band's `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub from: Decimal,
    pub points: u32,
}

/// How one indicator is scored. Inside a [`ScoringModel`] the bands strictly increase by
/// `from`, points are 0–100 and the weight is a percentage of the score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorRule {
    pub indicator: Indicator,
    /// Percent of the score, > 0; a model's weights add up to 100.
    pub weight: Decimal,
    /// Strictly ascending by `from`. For "lower is better" indicators the points decrease.
    pub bands: Vec<Band>,
    /// What an unknown value earns.
    pub missing_points: u32,
}

impl IndicatorRule {
    /// The points of a known value: the band with the largest `from` ≤ value, 0 below all.
    pub fn band_points(&self, value: Decimal) -> u32 {
        match self.bands.partition_point(|b| b.from <= value) {
            0 => 0,
            n => self.bands[n - 1].points,
        }
    }

    /// The points of a value that may be unknown.
    pub fn points(&self, value: Option<Decimal>) -> u32 {
        value.map_or(self.missing_points, |v| self.band_points(v))
    }
}

/// Score cut-offs: ≥ a → A, ≥ b → B, ≥ c → C, else D; always 100 ≥ a > b > c ≥ 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ThresholdsWire")]
pub struct GradeThresholds {
    a: u32,
    b: u32,
    c: u32,
}

#[derive(Deserialize)]
struct ThresholdsWire {
    a: u32,
    b: u32,
    c: u32,
}

impl TryFrom<ThresholdsWire> for GradeThresholds {
    type Error = String;
    fn try_from(w: ThresholdsWire) -> Result<Self, String> {
        GradeThresholds::new(w.a, w.b, w.c).map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

impl Default for GradeThresholds {
    fn default() -> Self {
        GradeThresholds {
            a: 85,
            b: 70,
            c: 55,
        }
    }
}

impl GradeThresholds {
    /// Checks 100 ≥ a > b > c ≥ 0, reporting every violated inequality.
    pub fn new(a: u32, b: u32, c: u32) -> Result<Self, Vec<ModelError>> {
        let errors = threshold_order(a, b, c);
        if errors.is_empty() {
            Ok(GradeThresholds { a, b, c })
        } else {
            Err(errors)
        }
    }

    /// The lowest score graded A.
    pub fn a(&self) -> u32 {
        self.a
    }

    /// The lowest score graded B.
    pub fn b(&self) -> u32 {
        self.b
    }

    /// The lowest score graded C; anything lower is D.
    pub fn c(&self) -> u32 {
        self.c
    }

    /// The grade of a score (the boundary belongs to the better grade: 85 is an A at a = 85).
    pub fn grade(&self, score: Decimal) -> Grade {
        if score >= Decimal::from(self.a) {
            Grade::A
        } else if score >= Decimal::from(self.b) {
            Grade::B
        } else if score >= Decimal::from(self.c) {
            Grade::C
        } else {
            Grade::D
        }
    }
}

fn threshold_order(a: u32, b: u32, c: u32) -> Vec<ModelError> {
    let mut errors = Vec::new();
    if a > 100 {
        errors.push(FieldError::new(
            "thresholds",
            format!("A ({a}) must be at most 100"),
        ));
    }
    if a <= b {
        errors.push(FieldError::new(
            "thresholds",
            format!("A ({a}) must be above B ({b})"),
        ));
    }
    if b <= c {
        errors.push(FieldError::new(
            "thresholds",
            format!("B ({b}) must be above C ({c})"),
        ));
    }
    errors
}

/// What a grade earns: a limit as a share of trailing-12-month sales, capped, and terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradePolicy {
    pub grade: Grade,
    /// Percent of trailing-12-month sales, 0–100.
    pub limit_pct_of_sales: Decimal,
    /// The most the suggestion can be, in the book currency.
    pub limit_cap: Money,
    /// Payment terms in days; 0 means cash or prepayment.
    pub terms_days: u32,
}

// ---------------------------------------------------------------------------------------
// The model and its draft
// ---------------------------------------------------------------------------------------

/// A validated scoring model; only [`TryFrom<ModelDraft>`] (or deserialising a draft) makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoringModel {
    rules: Vec<IndicatorRule>,
    thresholds: GradeThresholds,
    /// In grade order A, B, C, D.
    policies: [GradePolicy; 4],
}

/// A band as a form or JSON body sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandDraft {
    #[serde(with = "rust_decimal::serde::str")]
    pub from: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub points: Decimal,
}

/// A rule as a form or JSON body sends it: the indicator by name, numbers as decimal strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDraft {
    pub indicator: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub weight: Decimal,
    #[serde(default)]
    pub bands: Vec<BandDraft>,
    #[serde(with = "rust_decimal::serde::str")]
    pub missing_points: Decimal,
}

/// The grade cut-offs as a form or JSON body sends them (defaults 85/70/55).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsDraft {
    #[serde(with = "rust_decimal::serde::str")]
    pub a: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub b: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub c: Decimal,
}

impl Default for ThresholdsDraft {
    fn default() -> Self {
        let t = GradeThresholds::default();
        ThresholdsDraft {
            a: t.a.into(),
            b: t.b.into(),
            c: t.c.into(),
        }
    }
}

/// A grade policy as a form or JSON body sends it; the cap is an amount in the book currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDraft {
    pub grade: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub limit_pct_of_sales: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub limit_cap: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub terms_days: Decimal,
}

/// A scoring model as the editor or a JSON body sends it, before it is parsed; also the
/// stored and wire form of a [`ScoringModel`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelDraft {
    #[serde(default)]
    pub rules: Vec<RuleDraft>,
    #[serde(default)]
    pub thresholds: ThresholdsDraft,
    #[serde(default)]
    pub policies: Vec<PolicyDraft>,
}

/// A whole number in 0..=max, or `None`.
fn whole(d: Decimal, max: u32) -> Option<u32> {
    if d.fract().is_zero() && d >= Decimal::ZERO && d <= Decimal::from(max) {
        d.to_u32()
    } else {
        None
    }
}

/// At most two decimals (weights, shares of sales, cap amounts).
fn two_decimals(d: Decimal) -> bool {
    d.normalize().scale() <= 2
}

impl TryFrom<ModelDraft> for ScoringModel {
    type Error = Vec<ModelError>;

    fn try_from(d: ModelDraft) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();

        // Rules.
        if d.rules.is_empty() {
            errors.push(FieldError::new("rules", "score at least one indicator"));
        }
        let mut rules = Vec::with_capacity(d.rules.len());
        let mut first_rule: BTreeMap<Indicator, usize> = BTreeMap::new();
        let mut weight_sum = Decimal::ZERO;
        for (i, r) in d.rules.iter().enumerate() {
            let name = r.indicator.trim();
            let key = if name.is_empty() {
                format!("#{}", i + 1)
            } else {
                name.to_string()
            };
            let indicator = match Indicator::parse(name) {
                None => {
                    let known: Vec<&str> = Indicator::ALL.iter().map(|i| i.as_str()).collect();
                    errors.push(FieldError::new(
                        format!("rules[{i}]"),
                        format!(
                            "'{name}' is not an indicator; use one of {}",
                            known.join(", ")
                        ),
                    ));
                    None
                }
                Some(ind) => match first_rule.get(&ind) {
                    Some(first) => {
                        errors.push(FieldError::new(
                            format!("rules[{i}]"),
                            format!("{name} is already scored by rules[{first}]; score each indicator once"),
                        ));
                        None
                    }
                    None => {
                        first_rule.insert(ind, i);
                        Some(ind)
                    }
                },
            };

            weight_sum = weight_sum.checked_add(r.weight).unwrap_or(Decimal::MAX);
            let weight_ok = r.weight > Decimal::ZERO
                && r.weight <= Decimal::ONE_HUNDRED
                && two_decimals(r.weight);
            if !weight_ok {
                errors.push(FieldError::new(
                    format!("weight[{key}]"),
                    format!(
                        "must be more than 0 and at most 100 with at most 2 decimals, got {}",
                        r.weight
                    ),
                ));
            }

            let missing_points = whole(r.missing_points, 100);
            if missing_points.is_none() {
                errors.push(FieldError::new(
                    format!("missing_points[{key}]"),
                    format!(
                        "must be a whole number from 0 to 100, got {}",
                        r.missing_points
                    ),
                ));
            }

            let mut bands = Vec::with_capacity(r.bands.len());
            let mut bands_ok = true;
            if r.bands.is_empty() {
                bands_ok = false;
                errors.push(FieldError::new(
                    format!("bands[{key}]"),
                    "add at least one band",
                ));
            }
            for pair in r.bands.windows(2) {
                if pair[1].from <= pair[0].from {
                    bands_ok = false;
                    errors.push(FieldError::new(
                        format!("bands[{key}]"),
                        format!(
                            "thresholds must strictly increase, {} is followed by {}",
                            pair[0].from, pair[1].from
                        ),
                    ));
                }
            }
            let max = indicator.and_then(Indicator::max_value);
            for (j, b) in r.bands.iter().enumerate() {
                if b.from < Decimal::ZERO || max.is_some_and(|m| b.from > m) {
                    bands_ok = false;
                    let range =
                        max.map_or_else(|| "0 or more".to_string(), |m| format!("from 0 to {m}"));
                    errors.push(FieldError::new(
                        format!("bands[{key}][{j}].from"),
                        format!("must be {range}, got {}", b.from),
                    ));
                }
                match whole(b.points, 100) {
                    Some(points) => bands.push(Band {
                        from: b.from,
                        points,
                    }),
                    None => {
                        bands_ok = false;
                        errors.push(FieldError::new(
                            format!("bands[{key}][{j}].points"),
                            format!("must be a whole number from 0 to 100, got {}", b.points),
                        ));
                    }
                }
            }

            if let (Some(indicator), true, Some(missing_points), true) =
                (indicator, weight_ok, missing_points, bands_ok)
            {
                rules.push(IndicatorRule {
                    indicator,
                    weight: r.weight,
                    bands,
                    missing_points,
                });
            }
        }
        if !d.rules.is_empty() && weight_sum != Decimal::ONE_HUNDRED {
            errors.push(FieldError::new(
                "weights",
                format!("add up to {}, must add up to 100", weight_sum.normalize()),
            ));
        }

        // Thresholds.
        let t = &d.thresholds;
        let parsed: Vec<Option<u32>> = [("A", t.a), ("B", t.b), ("C", t.c)]
            .into_iter()
            .map(|(g, v)| {
                let w = whole(v, 100);
                if w.is_none() {
                    errors.push(FieldError::new(
                        "thresholds",
                        format!("{g} must be a whole number from 0 to 100, got {v}"),
                    ));
                }
                w
            })
            .collect();
        let thresholds = match parsed[..] {
            [Some(a), Some(b), Some(c)] => GradeThresholds::new(a, b, c)
                .map_err(|e| errors.extend(e))
                .ok(),
            _ => None,
        };

        // Policies, one per grade.
        let mut policies: [Option<GradePolicy>; 4] = [None; 4];
        let mut seen = [false; 4];
        for (i, p) in d.policies.iter().enumerate() {
            let g = p.grade.trim();
            let grade = match Grade::parse(g) {
                Ok(grade) => grade,
                Err(_) => {
                    errors.push(FieldError::new(
                        format!("policies[{i}]"),
                        format!("'{g}' is not a grade; use A, B, C or D"),
                    ));
                    continue;
                }
            };
            let slot = grade_index(grade);
            if seen[slot] {
                errors.push(FieldError::new(
                    format!("policies[{i}]"),
                    format!("grade {g} has two policies; keep one"),
                ));
                continue;
            }
            seen[slot] = true;
            let pct = p.limit_pct_of_sales;
            let pct_ok = pct >= Decimal::ZERO && pct <= Decimal::ONE_HUNDRED && two_decimals(pct);
            if !pct_ok {
                errors.push(FieldError::new(
                    format!("limit_pct_of_sales[{g}]"),
                    format!(
                        "must be a percentage from 0 to 100 with at most 2 decimals, got {pct}"
                    ),
                ));
            }
            let cap = if p.limit_cap < Decimal::ZERO {
                errors.push(FieldError::new(
                    format!("limit_cap[{g}]"),
                    format!("must be zero or more, got {}", p.limit_cap),
                ));
                None
            } else {
                Money::new(p.limit_cap, BOOK_CURRENCY)
                    .map_err(|e| {
                        errors.push(FieldError::new(format!("limit_cap[{g}]"), e.to_string()))
                    })
                    .ok()
            };
            let terms = whole(p.terms_days, 3650);
            if terms.is_none() {
                errors.push(FieldError::new(
                    format!("terms_days[{g}]"),
                    format!(
                        "must be a whole number of days from 0 to 3650, got {}",
                        p.terms_days
                    ),
                ));
            }
            if let (true, Some(limit_cap), Some(terms_days)) = (pct_ok, cap, terms) {
                policies[slot] = Some(GradePolicy {
                    grade,
                    limit_pct_of_sales: pct,
                    limit_cap,
                    terms_days,
                });
            }
        }
        for grade in Grade::ALL {
            if !seen[grade_index(grade)] {
                errors.push(FieldError::new(
                    "policies",
                    format!("no policy for grade {}", grade.as_str()),
                ));
            }
        }

        match (thresholds, policies) {
            (Some(thresholds), [Some(a), Some(b), Some(c), Some(d)]) if errors.is_empty() => {
                Ok(ScoringModel {
                    rules,
                    thresholds,
                    policies: [a, b, c, d],
                })
            }
            _ => Err(errors),
        }
    }
}

impl From<&ScoringModel> for ModelDraft {
    fn from(m: &ScoringModel) -> Self {
        ModelDraft {
            rules: m
                .rules
                .iter()
                .map(|r| RuleDraft {
                    indicator: r.indicator.as_str().to_string(),
                    weight: r.weight,
                    bands: r
                        .bands
                        .iter()
                        .map(|b| BandDraft {
                            from: b.from,
                            points: b.points.into(),
                        })
                        .collect(),
                    missing_points: r.missing_points.into(),
                })
                .collect(),
            thresholds: ThresholdsDraft {
                a: m.thresholds.a.into(),
                b: m.thresholds.b.into(),
                c: m.thresholds.c.into(),
            },
            policies: m
                .policies
                .iter()
                .map(|p| PolicyDraft {
                    grade: p.grade.as_str().to_string(),
                    limit_pct_of_sales: p.limit_pct_of_sales,
                    limit_cap: p.limit_cap.amount(),
                    terms_days: p.terms_days.into(),
                })
                .collect(),
        }
    }
}

/// The wire form is the draft; reading one parses it, so no invalid model is ever deserialised.
impl Serialize for ScoringModel {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ModelDraft::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ScoringModel {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let draft = ModelDraft::deserialize(deserializer)?;
        ScoringModel::try_from(draft).map_err(|errors| {
            serde::de::Error::custom(
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
    }
}

fn grade_index(g: Grade) -> usize {
    match g {
        Grade::A => 0,
        Grade::B => 1,
        Grade::C => 2,
        Grade::D => 3,
    }
}

impl ScoringModel {
    /// The shipped default: all ten indicators, weights adding up to 100, thresholds
    /// 85/70/55, limits A 30 % of sales up to ¥5,000,000 on 90 days, B 20 % up to
    /// ¥2,000,000 on 60 days, C 10 % up to ¥500,000 on 30 days, D cash (0 %, 0 days).
    pub fn default_model() -> ScoringModel {
        use Indicator::*;
        let rule = |indicator: Indicator, weight: i64, bands: &[(i64, u32, u32)], missing: u32| {
            RuleDraft {
                indicator: indicator.as_str().to_string(),
                weight: Decimal::from(weight),
                bands: bands
                    .iter()
                    .map(|&(m, scale, points)| BandDraft {
                        from: Decimal::new(m, scale),
                        points: points.into(),
                    })
                    .collect(),
                missing_points: missing.into(),
            }
        };
        // (from mantissa, from scale, points): (12, 1, 50) is "from 1.2 → 50".
        let rules = vec![
            rule(
                YearsOfCooperation,
                10,
                &[(0, 0, 20), (1, 0, 50), (3, 0, 75), (5, 0, 100)],
                20,
            ),
            rule(
                Sales12m,
                10,
                &[
                    (0, 0, 0),
                    (100_000, 0, 30),
                    (1_000_000, 0, 60),
                    (5_000_000, 0, 80),
                    (20_000_000, 0, 100),
                ],
                0,
            ),
            rule(
                AvgDaysToPay,
                15,
                &[
                    (0, 0, 100),
                    (30, 0, 80),
                    (60, 0, 50),
                    (90, 0, 20),
                    (120, 0, 0),
                ],
                50,
            ),
            rule(
                OnTimeRate,
                15,
                &[(0, 0, 0), (60, 0, 40), (80, 0, 70), (95, 0, 100)],
                50,
            ),
            rule(
                OverdueCount12m,
                10,
                &[(0, 0, 100), (1, 0, 80), (3, 0, 50), (6, 0, 20), (10, 0, 0)],
                50,
            ),
            rule(
                MaxDaysOverdue12m,
                10,
                &[
                    (0, 0, 100),
                    (1, 0, 80),
                    (31, 0, 50),
                    (61, 0, 20),
                    (91, 0, 0),
                ],
                50,
            ),
            rule(
                OverdueRatio,
                10,
                &[
                    (0, 0, 100),
                    (5, 0, 80),
                    (15, 0, 50),
                    (30, 0, 20),
                    (50, 0, 0),
                ],
                50,
            ),
            rule(
                RegisteredCapital,
                5,
                &[
                    (0, 0, 20),
                    (1_000_000, 0, 50),
                    (10_000_000, 0, 80),
                    (50_000_000, 0, 100),
                ],
                30,
            ),
            rule(
                IndustryRisk,
                5,
                &[
                    (0, 0, 100),
                    (10, 1, 75),
                    (12, 1, 50),
                    (14, 1, 20),
                    (16, 1, 0),
                ],
                50,
            ),
            rule(
                ExternalRating,
                10,
                &[
                    (0, 0, 0),
                    (40, 0, 30),
                    (60, 0, 60),
                    (75, 0, 80),
                    (90, 0, 100),
                ],
                40,
            ),
        ];
        let policy = |grade: Grade, pct: i64, cap: i64, terms: u32| PolicyDraft {
            grade: grade.as_str().to_string(),
            limit_pct_of_sales: Decimal::from(pct),
            limit_cap: Decimal::from(cap),
            terms_days: terms.into(),
        };
        let draft = ModelDraft {
            rules,
            thresholds: ThresholdsDraft::default(),
            policies: vec![
                policy(Grade::A, 30, 5_000_000, 90),
                policy(Grade::B, 20, 2_000_000, 60),
                policy(Grade::C, 10, 500_000, 30),
                policy(Grade::D, 0, 0, 0),
            ],
        };
        ScoringModel::try_from(draft).expect("the shipped default model is valid (tested)")
    }

    /// The rules, in the model's order (the scorecard's line order).
    pub fn rules(&self) -> &[IndicatorRule] {
        &self.rules
    }

    /// The rule of one indicator, when the model scores it.
    pub fn rule(&self, indicator: Indicator) -> Option<&IndicatorRule> {
        self.rules.iter().find(|r| r.indicator == indicator)
    }

    /// The grade cut-offs.
    pub fn thresholds(&self) -> GradeThresholds {
        self.thresholds
    }

    /// The four policies, in grade order A, B, C, D.
    pub fn policies(&self) -> &[GradePolicy; 4] {
        &self.policies
    }

    /// The policy of one grade.
    pub fn policy(&self, grade: Grade) -> &GradePolicy {
        &self.policies[grade_index(grade)]
    }

    /// min(sales × share / 100 rounded down to whole yuan, cap), never negative. Sales in
    /// another currency than the cap's cannot be compared with it, so the suggestion is then
    /// zero (fail closed): convert to the book currency first.
    pub fn suggested_limit(&self, grade: Grade, sales_12m: Money) -> Money {
        let policy = self.policy(grade);
        let cap = policy.limit_cap;
        if sales_12m.currency() != cap.currency() {
            return Money::zero(sales_12m.currency());
        }
        // ≤ |sales| × 100 / 100, so it fits wherever the sales did.
        let share = (sales_12m.amount().max(Decimal::ZERO) * policy.limit_pct_of_sales
            / Decimal::ONE_HUNDRED)
            .floor();
        match Money::new(share, cap.currency()) {
            Ok(limit) if limit.minor() < cap.minor() => limit,
            _ => cap,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Scoring
// ---------------------------------------------------------------------------------------

/// One indicator's part of a score: the explanation finance reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreLine {
    pub indicator: Indicator,
    /// `None` when unknown (then `points` are the rule's missing points).
    pub value: Option<Decimal>,
    pub points: u32,
    /// Percent of the score.
    pub weight: Decimal,
    /// weight × points / 100, exact (unrounded).
    pub contribution: Decimal,
}

/// A customer's score under a model, with the lines that explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scorecard {
    /// 0–100, Σ contributions rounded half-up to one decimal.
    pub score: Decimal,
    /// The grade of the rounded score.
    pub grade: Grade,
    /// In the model's rule order.
    pub lines: Vec<ScoreLine>,
}

/// Rounds a non-negative score to one decimal, half-up, always showing that decimal.
fn round_score(sum: Decimal) -> Decimal {
    let mut s = sum.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    s.rescale(1);
    s
}

/// Scores a customer's values. Values of indicators the model does not score are ignored.
pub fn score(model: &ScoringModel, values: &IndicatorValues) -> Scorecard {
    let lines: Vec<ScoreLine> = model
        .rules
        .iter()
        .map(|rule| {
            let value = values.get(rule.indicator);
            let points = rule.points(value);
            ScoreLine {
                indicator: rule.indicator,
                value,
                points,
                weight: rule.weight,
                contribution: rule.weight * Decimal::from(points) / Decimal::ONE_HUNDRED,
            }
        })
        .collect();
    let score = round_score(lines.iter().map(|l| l.contribution).sum());
    Scorecard {
        score,
        grade: model.thresholds.grade(score),
        lines,
    }
}

// ---------------------------------------------------------------------------------------
// Back-test
// ---------------------------------------------------------------------------------------

/// One customer scored at an as_of date and what happened next: `defaulted` means 90+ days
/// overdue within six months after the as_of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub score: Decimal,
    pub grade: Grade,
    pub defaulted: bool,
}

/// One grade's row of the back-test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeOutcome {
    pub grade: Grade,
    pub customers: u32,
    pub defaults: u32,
    /// Percent, one decimal (half-up); `None` when the grade has no customers.
    pub default_rate: Option<Decimal>,
}

/// How well a model's scores and grades separated later defaulters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backtest {
    /// Always four rows, A, B, C, D.
    pub per_grade: Vec<GradeOutcome>,
    /// The default rate never decreases from A to D, over the grades that have customers
    /// (compared exactly, not after rounding).
    pub monotonic: bool,
    /// P(a non-defaulter scored higher than a defaulter), ties ½, three decimals; `None`
    /// without both defaulters and non-defaulters.
    pub auc: Option<Decimal>,
    pub customers: u32,
    pub defaults: u32,
}

/// num / den rounded half-up to `scale` decimals, exactly (den > 0, result fits in i64).
fn ratio(num: u128, den: u128, scale: u32) -> Decimal {
    let unit = 10u128.pow(scale);
    let q = (2 * num * unit + den) / (2 * den);
    Decimal::new(i64::try_from(q).unwrap_or(i64::MAX), scale)
}

/// 2U (the Mann–Whitney statistic of the non-defaulters, doubled to stay whole) and the
/// number of (non-defaulter, defaulter) pairs; `None` when either group is empty.
fn mann_whitney_2u(outcomes: &[Outcome]) -> Option<(u128, u128)> {
    let mut scored: Vec<(Decimal, bool)> =
        outcomes.iter().map(|o| (o.score, o.defaulted)).collect();
    scored.sort_unstable_by_key(|s| s.0);
    let pos = scored.iter().filter(|s| s.1).count() as u128;
    let neg = scored.len() as u128 - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    // Ranks 1..=n by ascending score; a tie group at positions i..j shares the mid-rank
    // (i + 1 + j) / 2, so twice the rank is the whole number i + 1 + j.
    let mut twice_rank_sum = 0u128;
    let mut i = 0;
    while i < scored.len() {
        let j = i + scored[i..]
            .iter()
            .take_while(|s| s.0 == scored[i].0)
            .count();
        let negs = scored[i..j].iter().filter(|s| !s.1).count() as u128;
        twice_rank_sum += (i + 1 + j) as u128 * negs;
        i = j;
    }
    Some((twice_rank_sum - neg * (neg + 1), pos * neg))
}

/// Counts per grade, exact default rates, monotonicity and the AUC of the scores.
pub fn backtest(outcomes: &[Outcome]) -> Backtest {
    let mut counts = [(0u32, 0u32); 4];
    for o in outcomes {
        let c = &mut counts[grade_index(o.grade)];
        c.0 = c.0.saturating_add(1);
        if o.defaulted {
            c.1 = c.1.saturating_add(1);
        }
    }
    let per_grade: Vec<GradeOutcome> = Grade::ALL
        .into_iter()
        .map(|grade| {
            let (customers, defaults) = counts[grade_index(grade)];
            let default_rate = (customers > 0)
                .then(|| ratio(u128::from(defaults) * 100, u128::from(customers), 1));
            GradeOutcome {
                grade,
                customers,
                defaults,
                default_rate,
            }
        })
        .collect();
    let populated: Vec<&GradeOutcome> = per_grade.iter().filter(|g| g.customers > 0).collect();
    // d1/c1 ≤ d2/c2 ⇔ d1·c2 ≤ d2·c1 for positive c: no rounding in the comparison.
    let monotonic = populated.windows(2).all(|w| {
        u64::from(w[0].defaults) * u64::from(w[1].customers)
            <= u64::from(w[1].defaults) * u64::from(w[0].customers)
    });
    let auc = mann_whitney_2u(outcomes).map(|(twice_u, pairs)| ratio(twice_u, 2 * pairs, 3));
    Backtest {
        customers: per_grade
            .iter()
            .fold(0u32, |s, g| s.saturating_add(g.customers)),
        defaults: per_grade
            .iter()
            .fold(0u32, |s, g| s.saturating_add(g.defaults)),
        per_grade,
        monotonic,
        auc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn cny(yuan: i64) -> Money {
        Money::from_minor(yuan * 100, Currency::CNY)
    }

    fn rule(bands: &[(&str, u32)], missing_points: u32) -> IndicatorRule {
        IndicatorRule {
            indicator: Indicator::AvgDaysToPay,
            weight: Decimal::ONE_HUNDRED,
            bands: bands
                .iter()
                .map(|&(from, points)| Band {
                    from: dec(from),
                    points,
                })
                .collect(),
            missing_points,
        }
    }

    #[test]
    fn indicator_names_are_the_wire_names_and_parse_back() {
        for i in Indicator::ALL {
            assert_eq!(serde_json::to_value(i).unwrap(), i.as_str());
            assert_eq!(Indicator::parse(i.as_str()), Some(i));
        }
        assert_eq!(Indicator::parse(" sales_12m "), Some(Indicator::Sales12m));
        assert_eq!(Indicator::parse("sales12m"), None);
        let computed: Vec<bool> = Indicator::ALL.iter().map(|i| i.computed()).collect();
        assert_eq!(
            computed,
            [true, true, true, true, true, true, true, false, false, false]
        );
        let units: Vec<&str> = Indicator::ALL.iter().map(|i| i.unit()).collect();
        assert_eq!(
            units,
            ["years", "CNY", "days", "%", "count", "days", "%", "CNY", "factor", "rating"]
        );
    }

    #[test]
    fn indicator_values_get_set_and_travel_as_a_map() {
        let mut v = IndicatorValues::new().with(Indicator::OnTimeRate, dec("92.5"));
        v.set(Indicator::Sales12m, dec("1200000"));
        assert_eq!(v.get(Indicator::OnTimeRate), Some(dec("92.5")));
        assert_eq!(v.get(Indicator::ExternalRating), None);
        v.clear(Indicator::OnTimeRate);
        assert_eq!(v.get(Indicator::OnTimeRate), None);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#"{"sales_12m":"1200000"}"#);
        assert_eq!(serde_json::from_str::<IndicatorValues>(&json).unwrap(), v);
    }

    #[test]
    fn band_lookup_scenarios() {
        let days = rule(&[("0", 100), ("15", 80), ("45", 40), ("90", 0)], 33);
        // (value, points): a value equal to `from` is inside the band; just below falls back.
        let table = [
            (Some("-0.01"), 0),
            (Some("0"), 100),
            (Some("14.99"), 100),
            (Some("15"), 80),
            (Some("15.00"), 80),
            (Some("44.999"), 80),
            (Some("45"), 40),
            (Some("89"), 40),
            (Some("90"), 0),
            (Some("10000"), 0),
            (None, 33),
        ];
        for (value, points) in table {
            assert_eq!(days.points(value.map(dec)), points, "value {value:?}");
        }
        let years = rule(&[("1", 50), ("3", 75), ("5", 100)], 20);
        for (value, points) in [
            ("0.99", 0),
            ("1", 50),
            ("2.99", 50),
            ("3", 75),
            ("4.999", 75),
            ("5", 100),
            ("40", 100),
        ] {
            assert_eq!(years.band_points(dec(value)), points, "value {value}");
        }
    }

    #[test]
    fn grade_thresholds_at_their_boundaries() {
        let t = GradeThresholds::default();
        assert_eq!((t.a(), t.b(), t.c()), (85, 70, 55));
        let table = [
            ("100", Grade::A),
            ("85", Grade::A),
            ("85.0", Grade::A),
            ("84.9", Grade::B),
            ("70", Grade::B),
            ("69.9", Grade::C),
            ("55", Grade::C),
            ("54.9", Grade::D),
            ("0", Grade::D),
        ];
        for (score, grade) in table {
            assert_eq!(t.grade(dec(score)), grade, "score {score}");
        }
        assert!(GradeThresholds::new(100, 99, 0).is_ok());
        let errors: Vec<String> = GradeThresholds::new(101, 101, 120)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            errors,
            [
                "thresholds: A (101) must be at most 100",
                "thresholds: A (101) must be above B (101)",
                "thresholds: B (101) must be above C (120)"
            ]
        );
        assert!(serde_json::from_str::<GradeThresholds>(r#"{"a":80,"b":85,"c":10}"#).is_err());
        assert_eq!(
            serde_json::from_str::<GradeThresholds>(r#"{"a":85,"b":70,"c":55}"#).unwrap(),
            t
        );
    }

    #[test]
    fn score_is_the_rounded_sum_and_rounding_happens_once() {
        let draft = ModelDraft {
            rules: vec![
                RuleDraft {
                    indicator: "on_time_rate".into(),
                    weight: dec("95"),
                    bands: vec![BandDraft {
                        from: dec("0"),
                        points: dec("87"),
                    }],
                    missing_points: dec("0"),
                },
                RuleDraft {
                    indicator: "external_rating".into(),
                    weight: dec("5"),
                    bands: vec![
                        BandDraft {
                            from: dec("0"),
                            points: dec("0"),
                        },
                        BandDraft {
                            from: dec("50"),
                            points: dec("102"),
                        },
                    ],
                    missing_points: dec("0"),
                },
            ],
            ..ModelDraft::from(&ScoringModel::default_model())
        };
        let errors = ScoringModel::try_from(draft.clone()).unwrap_err();
        assert_eq!(
            errors,
            [FieldError::new(
                "bands[external_rating][1].points",
                "must be a whole number from 0 to 100, got 102"
            )]
        );
        let mut draft = draft;
        draft.rules[1].bands[1].points = dec("46");
        let m = ScoringModel::try_from(draft).unwrap();
        // 95 × 87 / 100 = 82.65, 5 × 46 / 100 = 2.3: exactly 84.95, shown as 85.0 and graded
        // from that rounded score, so an A (the unrounded sum would have been a B).
        let card = score(
            &m,
            &IndicatorValues::new()
                .with(Indicator::OnTimeRate, dec("1"))
                .with(Indicator::ExternalRating, dec("50")),
        );
        assert_eq!(
            card.lines
                .iter()
                .map(|l| l.contribution)
                .collect::<Vec<_>>(),
            [dec("82.65"), dec("2.3")]
        );
        assert_eq!(
            card.lines.iter().map(|l| l.points).collect::<Vec<_>>(),
            [87, 46]
        );
        assert_eq!(card.score.to_string(), "85.0");
        assert_eq!(card.grade, Grade::A);
        // Unknown rating earns its missing points (0): 82.65 rounds half-up to 82.7 (banker's
        // rounding would give 82.6).
        let card = score(
            &m,
            &IndicatorValues::new().with(Indicator::OnTimeRate, dec("1")),
        );
        assert_eq!((card.lines[1].value, card.lines[1].points), (None, 0));
        assert_eq!(card.score.to_string(), "82.7");
        assert_eq!(card.grade, Grade::B);
    }

    #[test]
    fn default_model_scores_a_good_and_an_unknown_customer() {
        let m = ScoringModel::default_model();
        assert_eq!(m.rules().len(), 10);
        assert_eq!(
            m.rules().iter().map(|r| r.weight).sum::<Decimal>(),
            Decimal::ONE_HUNDRED
        );
        assert_eq!(
            m.rules().iter().map(|r| r.indicator).collect::<Vec<_>>(),
            Indicator::ALL
        );
        let good = IndicatorValues::new()
            .with(Indicator::YearsOfCooperation, dec("6"))
            .with(Indicator::Sales12m, dec("25000000"))
            .with(Indicator::AvgDaysToPay, dec("25"))
            .with(Indicator::OnTimeRate, dec("97"))
            .with(Indicator::OverdueCount12m, dec("0"))
            .with(Indicator::MaxDaysOverdue12m, dec("0"))
            .with(Indicator::OverdueRatio, dec("0"))
            .with(Indicator::RegisteredCapital, dec("60000000"))
            .with(Indicator::IndustryRisk, dec("0.9"))
            .with(Indicator::ExternalRating, dec("92"));
        let card = score(&m, &good);
        assert_eq!(card.score, dec("100.0"));
        assert_eq!(card.grade, Grade::A);
        let mut slower = good.clone();
        slower.set(Indicator::AvgDaysToPay, dec("30")); // 80 points × 15 % = 12 instead of 15
        assert_eq!(score(&m, &slower).score, dec("97.0"));
        let unknown = score(&m, &IndicatorValues::new());
        // Σ weight × missing / 100 = 2 + 0 + 7.5 + 7.5 + 5 + 5 + 5 + 1.5 + 2.5 + 4 = 40.0
        assert_eq!(unknown.score.to_string(), "40.0");
        assert_eq!(unknown.grade, Grade::D);
        assert!(unknown.lines.iter().all(|l| l.value.is_none()));
    }

    #[test]
    fn suggested_limit_rounds_down_to_whole_yuan_and_respects_the_cap() {
        let m = ScoringModel::default_model();
        // (grade, trailing-12-month sales, expected limit)
        let table = [
            (Grade::A, "1000000.00", "300000.00"),
            (Grade::A, "1234567.89", "370370.00"), // 370,370.367 → 370,370
            (Grade::B, "3.33", "0.00"),            // 0.666 → 0
            (Grade::B, "5.00", "1.00"),            // exactly 1
            (Grade::A, "20000000.00", "5000000.00"), // 6,000,000 capped at 5,000,000
            (Grade::B, "10000000.00", "2000000.00"), // exactly the cap
            (Grade::C, "9999999.99", "500000.00"),
            (Grade::C, "4999999.99", "499999.00"), // 499,999.999 → 499,999
            (Grade::D, "100000000.00", "0.00"),
            (Grade::A, "-500000.00", "0.00"), // net credit notes: never negative
            (Grade::A, "0", "0"),
        ];
        for (grade, sales, limit) in table {
            let got = m.suggested_limit(grade, Money::parse(sales, Currency::CNY).unwrap());
            assert_eq!(
                got,
                Money::parse(limit, Currency::CNY).unwrap(),
                "{grade:?} sales {sales}"
            );
        }
        assert_eq!(
            m.suggested_limit(Grade::A, Money::from_minor(100_000, Currency::USD)),
            Money::zero(Currency::USD)
        );
        assert_eq!(m.policy(Grade::D).terms_days, 0);
        assert_eq!(m.policy(Grade::A).terms_days, 90);
        assert_eq!(m.policy(Grade::B).limit_cap, cny(2_000_000));
    }

    #[test]
    fn default_model_parses_and_round_trips_through_its_draft_and_json() {
        let m = ScoringModel::default_model();
        let draft = ModelDraft::from(&m);
        assert_eq!(ScoringModel::try_from(draft.clone()).unwrap(), m);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(
            json,
            serde_json::to_string(&draft).unwrap(),
            "the wire form is the draft"
        );
        assert!(json.contains(r#""limit_cap":"5000000.00""#), "{json}");
        assert!(json.contains(r#"{"from":"1.2","points":"50"}"#), "{json}");
        assert_eq!(serde_json::from_str::<ScoringModel>(&json).unwrap(), m);
        let bad = json.replacen(r#""weight":"10""#, r#""weight":"11""#, 1);
        let err = serde_json::from_str::<ScoringModel>(&bad)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("weights: add up to 101, must add up to 100"),
            "{err}"
        );
        // A policy order in the draft does not matter; the model keeps A..D.
        let mut shuffled = draft;
        shuffled.policies.reverse();
        assert_eq!(ScoringModel::try_from(shuffled).unwrap(), m);
    }

    #[test]
    fn drafts_name_every_bad_field_at_once() {
        let mut d = ModelDraft::from(&ScoringModel::default_model());
        d.rules[0].weight = dec("0"); // years: 10 → 0, and the sum becomes 90
        d.rules[3].bands = vec![
            BandDraft {
                from: dec("0"),
                points: dec("0"),
            },
            BandDraft {
                from: dec("80"),
                points: dec("70"),
            },
            BandDraft {
                from: dec("60"),
                points: dec("40"),
            },
            BandDraft {
                from: dec("101"),
                points: dec("100.5"),
            },
        ];
        d.rules[4].missing_points = dec("-1");
        d.rules[5].indicator = "on_time_rate".into();
        d.rules[6].indicator = "colour".into();
        d.rules[7].bands.clear();
        d.thresholds = ThresholdsDraft {
            a: dec("80"),
            b: dec("85"),
            c: dec("55.5"),
        };
        d.policies[1].grade = "A".into();
        d.policies[2].limit_pct_of_sales = dec("120");
        d.policies[2].limit_cap = dec("100.001");
        d.policies[3].terms_days = dec("7.5");
        let errors: Vec<String> = ScoringModel::try_from(d)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect();
        let want = [
            "weight[years_of_cooperation]: must be more than 0",
            "bands[on_time_rate]: thresholds must strictly increase, 80 is followed by 60",
            "bands[on_time_rate][3].from: must be from 0 to 100, got 101",
            "bands[on_time_rate][3].points: must be a whole number from 0 to 100, got 100.5",
            "missing_points[overdue_count_12m]: must be a whole number from 0 to 100, got -1",
            "rules[5]: on_time_rate is already scored by rules[3]",
            "rules[6]: 'colour' is not an indicator",
            "bands[registered_capital]: add at least one band",
            "weights: add up to 90, must add up to 100",
            "thresholds: C must be a whole number from 0 to 100, got 55.5",
            "policies[1]: grade A has two policies",
            "limit_pct_of_sales[C]: must be a percentage from 0 to 100",
            "limit_cap[C]: amount 100.001 has more than 2 decimal places",
            "terms_days[D]: must be a whole number of days from 0 to 3650, got 7.5",
            "policies: no policy for grade B",
        ];
        for w in want {
            assert!(
                errors.iter().any(|e| e.starts_with(w)),
                "{w:?} missing from {errors:#?}"
            );
        }
        assert_eq!(errors.len(), want.len(), "{errors:#?}");

        // Threshold order is checked once each value is a whole number.
        let mut d = ModelDraft::from(&ScoringModel::default_model());
        d.thresholds = ThresholdsDraft {
            a: dec("80"),
            b: dec("85"),
            c: dec("85"),
        };
        let errors: Vec<String> = ScoringModel::try_from(d)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            errors,
            [
                "thresholds: A (80) must be above B (85)",
                "thresholds: B (85) must be above C (85)"
            ]
        );

        let errors = ScoringModel::try_from(ModelDraft::default()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["rules", "policies", "policies", "policies", "policies"]
        );

        let err = serde_json::from_str::<ModelDraft>(r#"{"rules":[],"colour":"red"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }

    #[test]
    fn a_model_may_score_a_subset_of_indicators() {
        let mut d = ModelDraft::from(&ScoringModel::default_model());
        d.rules.truncate(2);
        d.rules[0].weight = dec("12.5");
        d.rules[1].weight = dec("87.5");
        let m = ScoringModel::try_from(d).unwrap();
        assert!(m.rule(Indicator::OnTimeRate).is_none());
        let card = score(
            &m,
            &IndicatorValues::new().with(Indicator::OnTimeRate, dec("100")),
        );
        assert_eq!(
            card.lines.len(),
            2,
            "values of unscored indicators are ignored"
        );
    }

    fn outcome(score: &str, grade: Grade, defaulted: bool) -> Outcome {
        Outcome {
            score: dec(score),
            grade,
            defaulted,
        }
    }

    #[test]
    fn backtest_scenarios() {
        let outcomes = [
            outcome("90", Grade::A, false),
            outcome("88", Grade::A, false),
            outcome("86", Grade::A, false),
            outcome("75", Grade::B, false),
            outcome("72", Grade::B, true),
            outcome("60", Grade::C, false),
            outcome("60", Grade::C, true),
            outcome("40", Grade::D, true),
        ];
        let b = backtest(&outcomes);
        assert_eq!((b.customers, b.defaults), (8, 3));
        let rates: Vec<Option<Decimal>> = b.per_grade.iter().map(|g| g.default_rate).collect();
        assert_eq!(
            rates,
            [
                Some(dec("0.0")),
                Some(dec("50.0")),
                Some(dec("50.0")),
                Some(dec("100.0"))
            ]
        );
        assert!(b.monotonic, "equal rates do not break monotonicity");
        // 5 non-defaulters × 3 defaulters = 15 pairs. 90, 88 and 86 beat all three (9); 75
        // beats 72, 60 and 40 (3); 60 loses to 72, ties 60 (½) and beats 40: 1.5. 13.5 / 15.
        assert_eq!(b.auc, Some(dec("0.900")));

        // A rate that goes down from B to C is not monotonic; an empty grade is skipped.
        let b = backtest(&[
            outcome("90", Grade::A, false),
            outcome("70", Grade::B, true),
            outcome("71", Grade::B, false),
            outcome("50", Grade::D, false),
        ]);
        assert_eq!(
            b.per_grade[2],
            GradeOutcome {
                grade: Grade::C,
                customers: 0,
                defaults: 0,
                default_rate: None
            }
        );
        assert!(!b.monotonic);
        assert_eq!(b.auc, Some(dec("0.667"))); // 2 of 3 non-defaulters beat 70: 2/3 → 0.667

        // Rates 1/3 and 333/1000 both show as 33.3 %, but the second is lower: not monotonic.
        let mut close = vec![
            outcome("80", Grade::B, true),
            outcome("80", Grade::B, false),
            outcome("80", Grade::B, false),
        ];
        close.extend((0..1000).map(|i| outcome("50", Grade::C, i < 333)));
        let b = backtest(&close);
        assert_eq!(b.per_grade[1].default_rate, b.per_grade[2].default_rate);
        assert!(!b.monotonic);

        let empty = backtest(&[]);
        assert_eq!(empty.per_grade.len(), 4);
        assert!(empty.monotonic);
        assert_eq!((empty.auc, empty.customers, empty.defaults), (None, 0, 0));
        assert_eq!(backtest(&[outcome("50", Grade::C, true)]).auc, None);
        assert_eq!(backtest(&[outcome("50", Grade::C, false)]).auc, None);
        assert_eq!(
            backtest(&[
                outcome("50", Grade::C, false),
                outcome("50.0", Grade::C, true)
            ])
            .auc,
            Some(dec("0.500"))
        );
    }

    #[test]
    fn scorecards_and_backtests_travel_as_json() {
        let card = score(
            &ScoringModel::default_model(),
            &IndicatorValues::new().with(Indicator::OnTimeRate, dec("81")),
        );
        let back: Scorecard = serde_json::from_str(&serde_json::to_string(&card).unwrap()).unwrap();
        assert_eq!(back, card);
        let b = backtest(&[
            outcome("80", Grade::B, false),
            outcome("20", Grade::D, true),
        ]);
        let back: Backtest = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        assert_eq!(back, b);
    }

    // ----- property tests ----------------------------------------------------------------

    /// 0: points in any order, 1: non-decreasing, 2: non-increasing.
    fn arb_bands(shape: u8) -> impl Strategy<Value = Vec<BandDraft>> {
        (
            proptest::collection::btree_set(0i64..=10_000, 1..6),
            proptest::collection::vec(0u32..=100, 6),
        )
            .prop_map(move |(froms, mut points)| {
                points.truncate(froms.len());
                match shape {
                    1 => points.sort_unstable(),
                    2 => points.sort_unstable_by(|a, b| b.cmp(a)),
                    _ => {}
                }
                froms
                    .into_iter()
                    .zip(points)
                    .map(|(f, p)| BandDraft {
                        from: Decimal::new(f, 2),
                        points: p.into(),
                    })
                    .collect()
            })
    }

    fn arb_draft() -> impl Strategy<Value = ModelDraft> {
        let indicators =
            proptest::sample::subsequence(Indicator::ALL.to_vec(), 1..=10).prop_shuffle();
        let rules = indicators.prop_flat_map(|inds| {
            let n = inds.len();
            // n − 1 distinct cuts in (0, 10000) split 100.00 into n positive weights.
            let cuts = proptest::collection::btree_set(1i64..10_000, n - 1);
            let per_rule = proptest::collection::vec(
                (0u8..3)
                    .prop_flat_map(arb_bands)
                    .prop_flat_map(|b| (Just(b), 0u32..=100)),
                n,
            );
            (Just(inds), cuts, per_rule).prop_map(|(inds, cuts, per_rule)| {
                let mut bounds: Vec<i64> = vec![0];
                bounds.extend(cuts);
                bounds.push(10_000);
                inds.into_iter()
                    .zip(bounds.windows(2).map(|w| w[1] - w[0]))
                    .zip(per_rule)
                    .map(|((ind, w), (bands, missing))| RuleDraft {
                        indicator: ind.as_str().to_string(),
                        weight: Decimal::new(w, 2),
                        bands,
                        missing_points: missing.into(),
                    })
                    .collect::<Vec<_>>()
            })
        });
        let thresholds = proptest::collection::btree_set(0u32..=100, 3).prop_map(|t| {
            let v: Vec<u32> = t.into_iter().collect();
            ThresholdsDraft {
                a: v[2].into(),
                b: v[1].into(),
                c: v[0].into(),
            }
        });
        let policies =
            proptest::collection::vec((0i64..=10_000, 0i64..=100_000_000_000, 0u32..=3650), 4)
                .prop_map(|ps| {
                    Grade::ALL
                        .into_iter()
                        .zip(ps)
                        .map(|(g, (pct, cap, terms))| PolicyDraft {
                            grade: g.as_str().to_string(),
                            limit_pct_of_sales: Decimal::new(pct, 2),
                            limit_cap: Decimal::new(cap, 2),
                            terms_days: terms.into(),
                        })
                        .collect::<Vec<_>>()
                });
        (rules, thresholds, policies).prop_map(|(rules, thresholds, policies)| ModelDraft {
            rules,
            thresholds,
            policies,
        })
    }

    fn arb_model() -> impl Strategy<Value = ScoringModel> {
        arb_draft()
            .prop_map(|d| ScoringModel::try_from(d).expect("the strategy only makes valid drafts"))
    }

    fn arb_values() -> impl Strategy<Value = IndicatorValues> {
        proptest::collection::vec(proptest::option::of(-1_000i64..=12_000), 10).prop_map(|vs| {
            Indicator::ALL
                .into_iter()
                .zip(vs)
                .filter_map(|(i, v)| v.map(|v| (i, Decimal::new(v, 2))))
                .collect()
        })
    }

    fn arb_outcomes() -> impl Strategy<Value = Vec<Outcome>> {
        // Few distinct scores, so ties are common.
        proptest::collection::vec((0i64..=40, 0usize..4, any::<bool>()), 0..120).prop_map(|v| {
            v.into_iter()
                .map(|(s, g, defaulted)| Outcome {
                    score: Decimal::new(s * 25, 1),
                    grade: Grade::ALL[g],
                    defaulted,
                })
                .collect()
        })
    }

    fn brute_force_2u(outcomes: &[Outcome]) -> u128 {
        let mut twice = 0u128;
        for n in outcomes.iter().filter(|o| !o.defaulted) {
            for p in outcomes.iter().filter(|o| o.defaulted) {
                twice += match n.score.cmp(&p.score) {
                    std::cmp::Ordering::Greater => 2,
                    std::cmp::Ordering::Equal => 1,
                    std::cmp::Ordering::Less => 0,
                };
            }
        }
        twice
    }

    fn is_monotone(bands: &[Band], up: bool) -> bool {
        bands.windows(2).all(|w| {
            if up {
                w[0].points <= w[1].points
            } else {
                w[0].points >= w[1].points
            }
        })
    }

    proptest! {
        #[test]
        fn score_is_within_0_and_100_and_is_the_rounded_sum(m in arb_model(), values in arb_values()) {
            let card = score(&m, &values);
            prop_assert!(card.score >= Decimal::ZERO && card.score <= Decimal::ONE_HUNDRED, "{}", card.score);
            let sum: Decimal = card.lines.iter().map(|l| l.contribution).sum();
            prop_assert_eq!(card.score, sum.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero));
            prop_assert_eq!(card.grade, m.thresholds().grade(card.score));
            prop_assert_eq!(card.lines.iter().map(|l| l.indicator).collect::<Vec<_>>(),
                m.rules().iter().map(|r| r.indicator).collect::<Vec<_>>());
            for (line, rule) in card.lines.iter().zip(m.rules()) {
                prop_assert_eq!(line.contribution, line.weight * Decimal::from(line.points) / Decimal::ONE_HUNDRED);
                prop_assert_eq!(line.value, values.get(rule.indicator));
            }
        }

        #[test]
        fn points_are_a_bands_points_zero_or_missing(m in arb_model(), values in arb_values()) {
            for line in score(&m, &values).lines {
                let rule = m.rule(line.indicator).unwrap();
                prop_assert!(line.points <= 100);
                match line.value {
                    None => prop_assert_eq!(line.points, rule.missing_points),
                    Some(_) => prop_assert!(line.points == 0 || rule.bands.iter().any(|b| b.points == line.points)),
                }
            }
        }

        #[test]
        fn raising_a_value_follows_the_bands_direction(
            m in arb_model(), values in arb_values(), k in 0usize..10, raise in 0i64..=5_000,
        ) {
            let rule = &m.rules()[k % m.rules().len()];
            let base = values.get(rule.indicator).unwrap_or(Decimal::ZERO);
            let before = values.clone().with(rule.indicator, base);
            let after = values.with(rule.indicator, base + Decimal::new(raise, 2));
            let (b, a) = (score(&m, &before), score(&m, &after));
            let line = |c: &Scorecard| c.lines.iter().find(|l| l.indicator == rule.indicator).unwrap().points;
            if is_monotone(&rule.bands, true) {
                prop_assert!(line(&a) >= line(&b));
                prop_assert!(a.score >= b.score, "the other lines are unchanged");
            }
            // Falling bands: only from the first band up (below it every value earns 0).
            if is_monotone(&rule.bands, false) && base >= rule.bands[0].from {
                prop_assert!(line(&a) <= line(&b));
                prop_assert!(a.score <= b.score);
            }
        }

        #[test]
        fn drafts_round_trip(m in arb_model()) {
            prop_assert_eq!(ScoringModel::try_from(ModelDraft::from(&m)).unwrap(), m.clone());
            let json = serde_json::to_string(&m).unwrap();
            prop_assert_eq!(serde_json::from_str::<ScoringModel>(&json).unwrap(), m);
        }

        #[test]
        fn suggested_limit_is_whole_yuan_within_cap(m in arb_model(), g in 0usize..4, sales in -100_000_000i64..=10_000_000_000_000) {
            let grade = Grade::ALL[g];
            let limit = m.suggested_limit(grade, Money::from_minor(sales, Currency::CNY));
            let p = m.policy(grade);
            prop_assert!(!limit.is_negative());
            prop_assert!(limit.minor() <= p.limit_cap.minor());
            prop_assert!(limit.minor() % 100 == 0 || limit == p.limit_cap);
            prop_assert!(Decimal::from(limit.minor()) <= Decimal::from(sales.max(0)) * p.limit_pct_of_sales / Decimal::ONE_HUNDRED);
        }

        #[test]
        fn auc_matches_the_brute_force_pair_count(outcomes in arb_outcomes()) {
            let b = backtest(&outcomes);
            let pos = outcomes.iter().filter(|o| o.defaulted).count() as u128;
            let neg = outcomes.len() as u128 - pos;
            match mann_whitney_2u(&outcomes) {
                None => prop_assert!(pos == 0 || neg == 0),
                Some((twice_u, pairs)) => {
                    prop_assert_eq!(pairs, pos * neg);
                    prop_assert_eq!(twice_u, brute_force_2u(&outcomes));
                    let auc = b.auc.unwrap();
                    prop_assert!(auc >= Decimal::ZERO && auc <= Decimal::ONE);
                    let exact = Decimal::from(twice_u as u64) / Decimal::from((2 * pairs) as u64);
                    prop_assert_eq!(auc, exact.round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero));
                }
            }
            prop_assert_eq!(b.auc.is_none(), pos == 0 || neg == 0);
        }

        #[test]
        fn per_grade_counts_add_up(outcomes in arb_outcomes()) {
            let b = backtest(&outcomes);
            prop_assert_eq!(b.per_grade.iter().map(|g| g.grade).collect::<Vec<_>>(), Grade::ALL.to_vec());
            prop_assert_eq!(b.per_grade.iter().map(|g| g.customers).sum::<u32>(), b.customers);
            prop_assert_eq!(b.per_grade.iter().map(|g| g.defaults).sum::<u32>(), b.defaults);
            prop_assert_eq!(b.customers as usize, outcomes.len());
            prop_assert_eq!(b.defaults as usize, outcomes.iter().filter(|o| o.defaulted).count());
            for g in &b.per_grade {
                prop_assert_eq!(g.default_rate.is_none(), g.customers == 0);
                if let Some(r) = g.default_rate {
                    prop_assert!(r >= Decimal::ZERO && r <= Decimal::ONE_HUNDRED);
                }
            }
        }

        #[test]
        fn separated_outcomes_have_auc_one_and_reversed_zero(
            low in proptest::collection::vec(0i64..500, 1..40), high in proptest::collection::vec(501i64..=1000, 1..40),
        ) {
            let mk = |v: &[i64], defaulted: bool| -> Vec<Outcome> {
                v.iter().map(|&s| Outcome { score: Decimal::new(s, 1), grade: Grade::C, defaulted }).collect()
            };
            let separated = [mk(&high, false), mk(&low, true)].concat();
            prop_assert_eq!(backtest(&separated).auc, Some(Decimal::ONE));
            let reversed = [mk(&high, true), mk(&low, false)].concat();
            prop_assert_eq!(backtest(&reversed).auc, Some(Decimal::ZERO));
        }
    }
}
