//! Portfolio threshold alerts: which of finance's rules the portfolio trips, with the
//! figures that tripped them.
//!
//! Defaults (finance edits them): overdue rate > 8 % at two consecutive month-ends; one
//! customer > 20 % of open AR; the 90+ bucket > 10 % of open AR; the month's collection
//! rate < 80 %.
//!
//! Invariants (tested below): thresholds are strict (a figure equal to its threshold
//! does not trip); a missing figure (no AR, no month-ends yet) never trips; a disabled
//! rule never trips; evaluation is pure, so the cockpit, the history and a test agree.
//! Finance's rules are only stored once `parse_rules` accepted them: every kind exactly
//! once, a threshold in (0, 100] %, and 1–12 month-ends. An alert's history is a list of
//! episodes: one opens when a kind starts tripping (and notifies once), it stays open
//! while the kind keeps tripping, and it closes on the first evaluation that does not.
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Overdue rate above the threshold at `months` consecutive month-ends.
    OverdueRate,
    /// One customer's share of open AR above the threshold.
    Concentration,
    /// The 90+ bucket's share of open AR above the threshold.
    #[serde(rename = "over_90")]
    Over90,
    /// The month's collection rate below the threshold.
    CollectionRate,
}

impl AlertKind {
    pub const ALL: [AlertKind; 4] = [
        AlertKind::OverdueRate,
        AlertKind::Concentration,
        AlertKind::Over90,
        AlertKind::CollectionRate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::OverdueRate => "overdue_rate",
            AlertKind::Concentration => "concentration",
            AlertKind::Over90 => "over_90",
            AlertKind::CollectionRate => "collection_rate",
        }
    }

    /// Whether the alert fires above (true) or below (false) its threshold.
    pub fn fires_above(self) -> bool {
        !matches!(self, AlertKind::CollectionRate)
    }
}

/// One rule as finance configures it. `threshold` is a percentage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    pub kind: AlertKind,
    pub enabled: bool,
    pub threshold: Decimal,
    /// Consecutive month-ends required (overdue rate only; 1 elsewhere).
    pub months: u8,
}

/// The setting finance's rules are saved under (a JSON list of `AlertRule`).
pub const RULES_SETTING: &str = "alerts.rules";

pub fn default_rules() -> Vec<AlertRule> {
    let rule = |kind, pct: i64, months| AlertRule {
        kind,
        enabled: true,
        threshold: Decimal::from(pct),
        months,
    };
    vec![
        rule(AlertKind::OverdueRate, 8, 2),
        rule(AlertKind::Concentration, 20, 1),
        rule(AlertKind::Over90, 10, 1),
        rule(AlertKind::CollectionRate, 80, 1),
    ]
}

/// What the rules are evaluated on, all at one as_of.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioFigures {
    pub open_minor: i64,
    pub over_90_minor: i64,
    /// The customer with the most open AR: (code, open).
    pub largest: Option<(String, i64)>,
    /// Overdue rate (percent) at past month-ends, newest first.
    pub month_end_overdue_rates: Vec<(NaiveDate, Option<Decimal>)>,
    /// The as_of month's collection rate (percent), if it has a denominator.
    pub collection_rate: Option<Decimal>,
}

/// Finance's rules as submitted, checked: the error names the rule and the field.
pub fn parse_rules(rules: Vec<AlertRule>) -> Result<Vec<AlertRule>, String> {
    let mut out = Vec::with_capacity(AlertKind::ALL.len());
    for kind in AlertKind::ALL {
        let mut of_kind = rules.iter().filter(|r| r.kind == kind);
        let rule = of_kind
            .next()
            .ok_or_else(|| format!("{}: rule missing", kind.as_str()))?;
        if of_kind.next().is_some() {
            return Err(format!("{}: given twice", kind.as_str()));
        }
        if rule.threshold <= Decimal::ZERO || rule.threshold > Decimal::ONE_HUNDRED {
            return Err(format!(
                "{}.threshold: {} is not a percentage above 0 and at most 100",
                kind.as_str(),
                rule.threshold
            ));
        }
        let months = if kind == AlertKind::OverdueRate {
            rule.months
        } else {
            1
        };
        if !(1..=12).contains(&months) {
            return Err(format!(
                "{}.months: {} is not between 1 and 12",
                kind.as_str(),
                rule.months
            ));
        }
        out.push(AlertRule {
            kind,
            enabled: rule.enabled,
            threshold: rule.threshold.normalize(),
            months,
        });
    }
    Ok(out)
}

/// One stretch of time an alert kind kept tripping (for the whole book).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertEpisode {
    pub id: i64,
    pub kind: AlertKind,
    /// The business date it first tripped, and the figures then.
    pub raised_on: NaiveDate,
    pub figure: Decimal,
    pub threshold: Decimal,
    pub subject: String,
    /// The first business date it no longer tripped; `None` while active.
    pub cleared_on: Option<NaiveDate>,
}

/// What an evaluation changes in the history, given the kinds of the open episodes:
/// the alerts that open a new episode, and the open kinds that cleared.
pub fn transitions<'a>(open: &[AlertKind], now: &'a [Alert]) -> (Vec<&'a Alert>, Vec<AlertKind>) {
    let raised = now.iter().filter(|a| !open.contains(&a.kind)).collect();
    let cleared = open
        .iter()
        .copied()
        .filter(|k| !now.iter().any(|a| a.kind == *k))
        .collect();
    (raised, cleared)
}

/// A tripped rule and the figure that tripped it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub figure: Decimal,
    pub threshold: Decimal,
    /// What the figure is about: a customer code, or the month-ends it held at.
    pub subject: String,
}

/// `part ÷ whole × 100`, exact (compared unrounded, so 20.0001 % trips a 20 % rule).
fn share(part_minor: i64, whole_minor: i64) -> Option<Decimal> {
    (whole_minor > 0)
        .then(|| Decimal::from(part_minor) * Decimal::ONE_HUNDRED / Decimal::from(whole_minor))
}

pub fn evaluate(rules: &[AlertRule], f: &PortfolioFigures) -> Vec<Alert> {
    let mut out = Vec::new();
    for r in rules.iter().filter(|r| r.enabled) {
        let trips = |x: Decimal| {
            if r.kind.fires_above() {
                x > r.threshold
            } else {
                x < r.threshold
            }
        };
        let found = match r.kind {
            AlertKind::OverdueRate => {
                let n = usize::from(r.months.max(1));
                let run: Vec<_> = f.month_end_overdue_rates.iter().take(n).collect();
                let all = run.len() == n && run.iter().all(|(_, x)| x.is_some_and(trips));
                all.then(|| {
                    let figure = run.iter().filter_map(|(_, x)| *x).min().unwrap_or_default();
                    let months: Vec<String> = run
                        .iter()
                        .map(|(d, _)| d.format("%Y-%m").to_string())
                        .collect();
                    (figure, months.join(", "))
                })
            }
            AlertKind::Concentration => f.largest.as_ref().and_then(|(code, open)| {
                share(*open, f.open_minor)
                    .filter(|x| trips(*x))
                    .map(|x| (x, code.clone()))
            }),
            AlertKind::Over90 => share(f.over_90_minor, f.open_minor)
                .filter(|x| trips(*x))
                .map(|x| (x, "90+".to_string())),
            AlertKind::CollectionRate => f
                .collection_rate
                .filter(|x| trips(*x))
                .map(|x| (x, String::new())),
        };
        if let Some((figure, subject)) = found {
            out.push(Alert {
                kind: r.kind,
                figure: figure.round_dp(4).normalize(),
                threshold: r.threshold,
                subject,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn healthy() -> PortfolioFigures {
        PortfolioFigures {
            open_minor: 1_000_000,
            over_90_minor: 100_000,
            largest: Some(("C1".into(), 200_000)),
            month_end_overdue_rates: vec![(d(5, 31), Some(dec("8"))), (d(4, 30), Some(dec("9")))],
            collection_rate: Some(dec("80")),
        }
    }

    #[test]
    fn figures_equal_to_their_thresholds_do_not_trip() {
        assert_eq!(evaluate(&default_rules(), &healthy()), vec![]);
    }

    #[test]
    fn each_rule_trips_just_past_its_threshold() {
        let rules = default_rules();
        let mut f = healthy();
        f.month_end_overdue_rates[0].1 = Some(dec("8.1"));
        f.largest = Some(("C1".into(), 200_001));
        f.over_90_minor = 100_001;
        f.collection_rate = Some(dec("79.9"));
        let got = evaluate(&rules, &f);
        let kinds: Vec<_> = got.iter().map(|a| a.kind).collect();
        assert_eq!(kinds, AlertKind::ALL.to_vec(), "{got:?}");
        assert_eq!(got[0].subject, "2026-05, 2026-04");
        assert_eq!(
            got[0].figure,
            dec("8.1"),
            "the weaker of the two month-ends"
        );
        assert_eq!(got[1].subject, "C1");
        assert_eq!(got[3].figure, dec("79.9"));
    }

    #[test]
    fn overdue_rate_needs_consecutive_month_ends() {
        let rules = default_rules();
        let mut f = healthy();
        f.month_end_overdue_rates = vec![(d(5, 31), Some(dec("12"))), (d(4, 30), Some(dec("7")))];
        assert!(
            evaluate(&rules, &f).is_empty(),
            "one month-end is not enough"
        );
        f.month_end_overdue_rates.truncate(1);
        assert!(evaluate(&rules, &f).is_empty(), "no history, no alert");
    }

    #[test]
    fn rules_are_parsed_whole_or_refused_with_the_field() {
        let ok = parse_rules(default_rules()).unwrap();
        assert_eq!(ok, default_rules());
        let mut r = default_rules();
        r.pop();
        assert_eq!(parse_rules(r).unwrap_err(), "collection_rate: rule missing");
        let mut r = default_rules();
        r.push(r[0].clone());
        assert_eq!(parse_rules(r).unwrap_err(), "overdue_rate: given twice");
        let mut r = default_rules();
        r[1].threshold = dec("0");
        assert!(parse_rules(r)
            .unwrap_err()
            .starts_with("concentration.threshold: 0 "));
        let mut r = default_rules();
        r[2].threshold = dec("100.5");
        assert!(parse_rules(r).unwrap_err().starts_with("over_90.threshold"));
        let mut r = default_rules();
        r[0].months = 0;
        assert_eq!(
            parse_rules(r).unwrap_err(),
            "overdue_rate.months: 0 is not between 1 and 12"
        );
        // Months only mean something for the overdue rate; elsewhere they are 1.
        let mut r = default_rules();
        r[3].months = 9;
        assert_eq!(parse_rules(r).unwrap()[3].months, 1);
    }

    #[test]
    fn an_episode_opens_once_and_closes_when_the_kind_stops_tripping() {
        let alert = |kind| Alert {
            kind,
            figure: dec("30"),
            threshold: dec("20"),
            subject: String::new(),
        };
        let now = vec![alert(AlertKind::Concentration), alert(AlertKind::Over90)];
        let (raised, cleared) = transitions(&[], &now);
        assert_eq!(raised.len(), 2);
        assert!(cleared.is_empty());
        // Still tripping: nothing new, nothing cleared (no second notification).
        let (raised, cleared) = transitions(&[AlertKind::Concentration, AlertKind::Over90], &now);
        assert!(raised.is_empty() && cleared.is_empty());
        let (raised, cleared) =
            transitions(&[AlertKind::Concentration, AlertKind::Over90], &now[..1]);
        assert!(raised.is_empty());
        assert_eq!(cleared, vec![AlertKind::Over90]);
    }

    #[test]
    fn missing_figures_and_disabled_rules_never_trip() {
        let mut rules = default_rules();
        let empty = PortfolioFigures::default();
        assert!(evaluate(&rules, &empty).is_empty());
        let mut f = healthy();
        f.collection_rate = Some(dec("10"));
        rules[3].enabled = false;
        assert!(evaluate(&rules, &f).is_empty());
    }
}
