//! The cockpit's six charts as data: each turns the `Dashboard` (and the reader's
//! language) into a `scene::Chart`, with the exact amounts in every tooltip and the
//! link to the rows behind every bar, segment, slice and point. The links are the same
//! invoice-list filters as the tables', so a chart and its table drill to the same rows.
//! `ranking` (people or teams, collected against due) is shared with the collections
//! page, so the cockpit's rep chart and that page's rankings cannot drift apart.
use crate::domain::alerts::AlertKind;
use crate::domain::dashboard::{Dashboard, Slice};
use crate::domain::money::{percent, Money};
use crate::i18n::*;
use crate::ui::chart::scene::*;
use crate::ui::format::{bucket_label, is_chinese, money_compact};
use crate::url::percent_encode as enc;
use chrono::Datelike;
use leptos_i18n::I18nContext;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

type I18n = I18nContext<Locale>;

/// Money in the axis' unit (万 in Chinese, thousands in English), for drawing only.
fn units(i18n: I18n, m: Money) -> f64 {
    let divisor = if is_chinese(i18n) { 10_000.0 } else { 1_000.0 };
    m.amount().to_f64().unwrap_or(0.0) / divisor
}

fn pct_text(p: Option<Decimal>) -> String {
    p.map(|r| format!("{}%", r.round_dp(1)))
        .unwrap_or_else(|| "—".into())
}

fn share(part: Money, whole: Money) -> String {
    percent(part, whole)
        .map(|p| format!(" ({}%)", p.round_dp(1)))
        .unwrap_or_default()
}

/// The drill-down's slice part of an invoice-list URL (`&region=…` and so on).
pub fn slice_query(d: &Dashboard) -> String {
    match &d.slice {
        Slice::Region(r) => format!("&region={}", enc(r)),
        Slice::Grade(g) => format!("&grade={}", g.map(|g| g.as_str()).unwrap_or("-")),
        Slice::Rep(id) => d
            .reps
            .iter()
            .find(|r| r.rep_id == *id)
            .map(|r| format!("&rep={}", enc(&r.username)))
            .unwrap_or_default(),
        Slice::All => String::new(),
    }
}

fn light_colour(light: crate::domain::aging::Light) -> Rgb {
    use crate::domain::aging::Light;
    match light {
        Light::Green => GREEN,
        Light::Amber => AMBER,
        Light::Red => RED,
    }
}

/// `c` lightened towards white by `t` in 0..1 (region shades within a bucket).
fn tint((r, g, b): Rgb, t: f64) -> Rgb {
    let mix = |c: u8| (f64::from(c) + (255.0 - f64::from(c)) * t).round() as u8;
    (mix(r), mix(g), mix(b))
}

/// 1. Aging: a bar per bucket in its traffic-light colour, or stacked by region.
pub fn aging(i18n: I18n, d: &Dashboard, by_region: bool) -> Chart {
    let total = d.kpis.open;
    let filter = slice_query(d);
    let regions: Vec<String> = d
        .aging
        .first()
        .map(|b| b.regions.iter().map(|(r, _)| r.clone()).collect())
        .unwrap_or_default();
    let shade = |i: usize| {
        if regions.len() < 2 {
            0.0
        } else {
            0.65 * i as f64 / (regions.len() - 1) as f64
        }
    };
    let columns = d
        .aging
        .iter()
        .map(|b| {
            let label = bucket_label(i18n, &b.key);
            let href = format!(
                "/invoices?status=open&basis=due&bucket={}&as_of={}{filter}",
                enc(&b.key),
                d.as_of
            );
            let stack = if by_region && !b.regions.is_empty() {
                b.regions
                    .iter()
                    .enumerate()
                    .map(|(i, (region, m))| {
                        let tip =
                            format!("{label} · {region}\n{}{}", m.display(), share(*m, b.amount));
                        let href = format!("{href}&region={}", enc(region));
                        (
                            tint(light_colour(b.light), shade(i)),
                            Datum {
                                value: units(i18n, *m),
                                tip,
                                href: Some(href),
                            },
                        )
                    })
                    .collect()
            } else {
                let tip = format!("{label}\n{}{}", b.amount.display(), share(b.amount, total));
                vec![(
                    light_colour(b.light),
                    Datum {
                        value: units(i18n, b.amount),
                        tip,
                        href: Some(href),
                    },
                )]
            };
            Column {
                label: if b.key == crate::domain::aging::CURRENT {
                    label
                } else {
                    b.key.clone()
                },
                groups: vec![stack],
            }
        })
        .collect();
    let legend = if by_region {
        regions
            .iter()
            .enumerate()
            .map(|(i, r)| (tint((75, 85, 99), shade(i)), r.clone()))
            .collect()
    } else {
        vec![]
    };
    Chart::Columns(Columns {
        columns,
        unit: t_string!(i18n, cockpit.unit).to_string(),
        line: None,
        legend,
    })
}

pub fn grade_colour(grade: &str) -> Rgb {
    match grade {
        "A" => GREEN,
        "B" => BLUE,
        "C" => AMBER,
        "D" => RED,
        _ => GREY,
    }
}

/// 2. Grade mix: two donuts, customers by count and open AR by amount.
pub fn grades(i18n: I18n, d: &Dashboard) -> Chart {
    // A grade slice already is one grade; its link names only that.
    let filter = if matches!(d.slice, Slice::Grade(_)) {
        String::new()
    } else {
        slice_query(d)
    };
    let name = |g: &str| {
        if g == "-" {
            t_string!(i18n, cockpit.ungraded).to_string()
        } else {
            g.to_string()
        }
    };
    let href = |g: &str| {
        Some(format!(
            "/invoices?status=open&as_of={}&grade={}{filter}",
            d.as_of,
            enc(g)
        ))
    };
    let customers: i64 = d.grades.iter().map(|g| g.customers).sum();
    let by_count = d
        .grades
        .iter()
        .map(|g| {
            let pct = if customers > 0 {
                format!(" ({:.1}%)", g.customers as f64 * 100.0 / customers as f64)
            } else {
                String::new()
            };
            let tip = format!(
                "{}\n{} {}{pct}",
                name(&g.grade),
                g.customers,
                t_string!(i18n, cockpit.customers)
            );
            (
                grade_colour(&g.grade),
                Datum {
                    value: g.customers as f64,
                    tip,
                    href: href(&g.grade),
                },
            )
        })
        .collect();
    let by_amount = d
        .grades
        .iter()
        .map(|g| {
            let tip = format!(
                "{}\n{}{}",
                name(&g.grade),
                g.open.display(),
                share(g.open, d.kpis.open)
            );
            (
                grade_colour(&g.grade),
                Datum {
                    value: units(i18n, g.open),
                    tip,
                    href: href(&g.grade),
                },
            )
        })
        .collect();
    Chart::Donuts(Donuts {
        donuts: vec![
            Donut {
                title: t_string!(i18n, cockpit.by_count).to_string(),
                centre: customers.to_string(),
                slices: by_count,
            },
            Donut {
                title: t_string!(i18n, cockpit.by_amount).to_string(),
                centre: money_compact(i18n, d.kpis.open),
                slices: by_amount,
            },
        ],
        legend: d
            .grades
            .iter()
            .map(|g| (grade_colour(&g.grade), name(&g.grade)))
            .collect(),
    })
}

/// 3. Top 10 overdue: horizontal bars of overdue amount, noted with max days overdue.
pub fn top_overdue(i18n: I18n, d: &Dashboard) -> Chart {
    let rows = d
        .top_overdue
        .iter()
        .map(|c| {
            let days = t_string!(i18n, cockpit.days_short, n = c.max_days_overdue).to_string();
            let tip = format!(
                "{} ({})\n{}{}\n{}: {}",
                c.name,
                c.code,
                c.overdue.display(),
                share(c.overdue, d.kpis.overdue),
                t_string!(i18n, cockpit.max_days),
                c.max_days_overdue
            );
            let href = format!(
                "/invoices?status=overdue&as_of={}&customer={}",
                d.as_of,
                enc(&c.code)
            );
            Row {
                label: c.name.clone(),
                bars: vec![(
                    RED,
                    Datum {
                        value: units(i18n, c.overdue),
                        tip,
                        href: Some(href),
                    },
                )],
                note: days,
            }
        })
        .collect();
    Chart::Rows(Rows {
        rows,
        unit: t_string!(i18n, cockpit.unit).to_string(),
        legend: vec![],
    })
}

/// One person (or team) in a ranking chart: what they collected against what fell due,
/// and the rate between the two (already computed, exactly, by the domain).
pub struct RankRow {
    pub name: String,
    pub collected: Money,
    pub due: Money,
    pub rate_pct: Option<Decimal>,
    /// Where a tap on the bars goes (the rows behind them), if anywhere.
    pub href: Option<String>,
}

/// A ranking: one row per person or team in the given order (best first), collected
/// (green) beside due (light blue), noted with the collection rate. The cockpit's rep
/// chart and the collections page's rep and team charts are all this chart.
pub fn ranking(i18n: I18n, rows: &[RankRow]) -> Chart {
    let (collected, due) = (
        t_string!(i18n, cockpit.collected_col).to_string(),
        t_string!(i18n, cockpit.due).to_string(),
    );
    let rows = rows
        .iter()
        .enumerate()
        .map(|(rank, r)| {
            let tip = format!(
                "#{} {}\n{collected}: {}\n{due}: {}\n{}: {}",
                rank + 1,
                r.name,
                r.collected.display(),
                r.due.display(),
                t_string!(i18n, cockpit.rate),
                pct_text(r.rate_pct)
            );
            Row {
                label: format!("{}. {}", rank + 1, r.name),
                bars: vec![
                    (
                        GREEN,
                        Datum {
                            value: units(i18n, r.collected),
                            tip: tip.clone(),
                            href: r.href.clone(),
                        },
                    ),
                    (
                        SKY,
                        Datum {
                            value: units(i18n, r.due),
                            tip,
                            href: r.href.clone(),
                        },
                    ),
                ],
                note: pct_text(r.rate_pct),
            }
        })
        .collect();
    Chart::Rows(Rows {
        rows,
        unit: t_string!(i18n, cockpit.unit).to_string(),
        legend: vec![(GREEN, collected), (SKY, due)],
    })
}

/// 4. Rep performance: collected vs due this month per rep, ranked by collection rate.
pub fn reps(i18n: I18n, d: &Dashboard) -> Chart {
    let rows: Vec<RankRow> = d
        .reps
        .iter()
        .map(|r| RankRow {
            name: r.name.clone(),
            collected: r.collected,
            due: r.due,
            rate_pct: r.collection_rate_pct,
            href: Some(format!(
                "/invoices?status=overdue&as_of={}&rep={}",
                d.as_of,
                enc(&r.username)
            )),
        })
        .collect();
    ranking(i18n, &rows)
}

fn threshold(d: &Dashboard, kind: AlertKind) -> Option<(f64, String)> {
    d.rules
        .iter()
        .find(|r| r.kind == kind && r.enabled)
        .map(|r| {
            (
                r.threshold.to_f64().unwrap_or(0.0),
                format!("{}%", r.threshold),
            )
        })
}

/// 5. The 12-month trend: month-end overdue and new overdue, with the overdue rate.
pub fn trend(i18n: I18n, d: &Dashboard) -> Chart {
    let filter = slice_query(d);
    let (overdue, new_overdue, rate) = (
        t_string!(i18n, cockpit.overdue).to_string(),
        t_string!(i18n, cockpit.new_overdue).to_string(),
        t_string!(i18n, cockpit.overdue_rate).to_string(),
    );
    let mut points = Vec::new();
    let columns = d
        .trend
        .iter()
        .map(|p| {
            let month = p.date.format("%Y-%m").to_string();
            let href = Some(format!("/invoices?status=overdue&as_of={}{filter}", p.date));
            let tip = format!(
                "{month} ({})\n{overdue}: {}\n{new_overdue}: {}\n{rate}: {}",
                p.date,
                p.overdue.display(),
                p.new_overdue.display(),
                pct_text(p.overdue_rate_pct)
            );
            points.push(p.overdue_rate_pct.map(|r| Datum {
                value: r.to_f64().unwrap_or(0.0),
                tip: tip.clone(),
                href: href.clone(),
            }));
            Column {
                label: p.date.format("%y-%m").to_string(),
                groups: vec![
                    vec![(
                        RED,
                        Datum {
                            value: units(i18n, p.overdue),
                            tip: tip.clone(),
                            href: href.clone(),
                        },
                    )],
                    vec![(
                        ORANGE,
                        Datum {
                            value: units(i18n, p.new_overdue),
                            tip,
                            href,
                        },
                    )],
                ],
            }
        })
        .collect();
    let threshold =
        threshold(d, AlertKind::OverdueRate).map(|(t, text)| (t, format!("{rate} {text}")));
    Chart::Columns(Columns {
        columns,
        unit: t_string!(i18n, cockpit.unit).to_string(),
        line: Some(Line {
            colour: BLUE,
            points,
            threshold,
        }),
        legend: vec![(RED, overdue), (ORANGE, new_overdue), (BLUE, rate)],
    })
}

/// Chart 6: collection rate by month, against the alert's threshold. A point drills to
/// the invoices that fell due in that month.
pub fn collection_rate(i18n: I18n, d: &Dashboard) -> Chart {
    let filter = slice_query(d);
    let rate = t_string!(i18n, cockpit.collection_rate).to_string();
    let collected = t_string!(i18n, cockpit.collected_col).to_string();
    let mut points = Vec::new();
    let columns = d
        .trend
        .iter()
        .map(|p| {
            let month = p.date.format("%Y-%m").to_string();
            // Due from the 1st through the point's date (a month end, or as_of).
            let days = i64::from(p.date.day());
            let href = Some(format!(
                "/invoices?status=all&as_of={}&min_overdue=0&max_overdue={}{filter}",
                p.date,
                days - 1
            ));
            let tip = format!(
                "{month}\n{rate}: {}\n{collected}: {}",
                pct_text(p.collection_rate_pct),
                p.collected.display()
            );
            points.push(p.collection_rate_pct.map(|r| Datum {
                value: r.to_f64().unwrap_or(0.0),
                tip,
                href,
            }));
            Column {
                label: p.date.format("%y-%m").to_string(),
                groups: vec![],
            }
        })
        .collect();
    let threshold = threshold(d, AlertKind::CollectionRate)
        .map(|(t, text)| (t, format!("{} {text}", t_string!(i18n, cockpit.threshold))));
    Chart::Columns(Columns {
        columns,
        unit: String::new(),
        line: Some(Line {
            colour: TEAL,
            points,
            threshold,
        }),
        legend: vec![(TEAL, rate)],
    })
}
