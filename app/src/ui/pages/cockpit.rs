//! The executive cockpit at an as_of date, for the whole book or one slice (rep, region
//! or grade): alerts, KPIs with their one-sentence definitions, aging, top overdue,
//! grade mix, rep performance and the 12-month trend. The figures render on the server
//! (so the page works before hydration); the chart is drawn on a canvas after hydration
//! from the same data, with an exact table beside it. Every row links to the invoices
//! or customer behind it.
use super::cockpit_charts::{self as charts, slice_query};
use crate::api::cockpit::{get_cockpit, CockpitArgs};
use crate::api::receivables::filter_options;
use crate::domain::alerts::Alert;
use crate::domain::dashboard::Dashboard;
use crate::i18n::*;
use crate::ui::chart::ChartCanvas;
use crate::ui::format::{bucket_label, money_compact, ErrorNotice};
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
fn Kpi(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] tip: Signal<String>,
    #[prop(into)] value: Signal<String>,
    #[prop(optional)] exact: Option<String>,
    #[prop(optional)] tone: &'static str,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <div class=format!("kpi {tone}") data-testid=testid>
            <div class="kpi-label">
                {label}
                <span class="tip" tabindex="0" title=tip aria-label=tip>"?"</span>
            </div>
            <div class="kpi-value" title=exact.clone().unwrap_or_default()>{value}</div>
            {exact.map(|e| view! { <div class="kpi-exact">{e}</div> })}
        </div>
    }
}

fn pct(p: Option<rust_decimal::Decimal>) -> String {
    p.map(|r| format!("{r}%")).unwrap_or_else(|| "—".into())
}

fn days(p: Option<rust_decimal::Decimal>) -> String {
    p.map(|r| r.to_string()).unwrap_or_else(|| "—".into())
}

#[component]
fn Alerts(alerts: Vec<Alert>) -> impl IntoView {
    let i18n = use_i18n();
    if alerts.is_empty() {
        return ().into_any();
    }
    let items = alerts
        .into_iter()
        .map(|a| {
            let kind = a.kind;
            let title = move || super::alerts::alert_title(i18n, kind);
            view! {
                <li class="alert-item" data-alert=kind.as_str()>
                    <strong>{title}</strong>
                    <span class="alert-figures">
                        {move || t_string!(i18n, cockpit.figure)} " " {format!("{}%", a.figure)} " · "
                        {move || t_string!(i18n, cockpit.threshold)} " " {format!("{}%", a.threshold)}
                        {(!a.subject.is_empty()).then(|| format!(" · {}", a.subject))}
                    </span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card alerts" role="alert" data-testid="alerts">
            <div class="card-head">
                <h2>{t!(i18n, cockpit.alerts_title)}</h2>
                <a href="/alerts" class="small">{t!(i18n, cockpit.alert_settings)}</a>
            </div>
            <ul>{items}</ul>
        </section>
    }
    .into_any()
}

/// The aging table's rows: each bucket with its light, amount and share, linked to the
/// open invoices behind it (the cockpit and the credit report show the same rows).
pub fn aging_rows(i18n: I18nContext<Locale>, d: &Dashboard) -> impl IntoView {
    let (as_of, total, filter) = (d.as_of, d.kpis.open, slice_query(d));
    d.aging
        .iter()
        .map(|b| {
            let share = crate::domain::money::percent(b.amount, total)
                .map(|p| format!("{p}%"))
                .unwrap_or_else(|| "—".into());
            let light = b.light.css();
            let key = b.key.clone();
            let href = format!(
                "/invoices?status=open&basis=due&bucket={}&as_of={as_of}{filter}",
                b.key
            );
            view! {
                <tr data-bucket=b.key.clone()>
                    <td>
                        <span class=format!("dot {light}")></span>
                        <a href=href>{move || bucket_label(i18n, &key)}</a>
                    </td>
                    <td class="num">{b.amount.display()}</td>
                    <td class="num">{share}</td>
                </tr>
            }
        })
        .collect_view()
}

/// The top overdue customers' rows, each linked to its customer page.
pub fn top_overdue_rows(d: &Dashboard) -> impl IntoView {
    d.top_overdue
        .iter()
        .map(|c| {
            view! {
                <tr>
                    <td><a href=format!("/customers/{}", c.customer_id)>{c.name.clone()}</a><div class="muted small">{c.code.clone()}</div></td>
                    <td class="num">{c.overdue.display()}</td>
                    <td class="num">{c.max_days_overdue}</td>
                </tr>
            }
        })
        .collect_view()
}

#[component]
fn Figures(dashboard: Dashboard) -> impl IntoView {
    let i18n = use_i18n();
    let d = dashboard;
    let k = d.kpis.clone();
    let rate_tone = match k.overdue_rate_pct {
        Some(r) if r > rust_decimal::Decimal::from(8) => "tone-red",
        Some(r) if r > rust_decimal::Decimal::from(3) => "tone-amber",
        _ => "tone-green",
    };
    let (total, overdue, collected) = (k.open, k.overdue, k.collected_this_month);
    let as_of = d.as_of;
    let filter = slice_query(&d);
    // The charts re-derive from the data when the language (or the split) changes.
    let shared = StoredValue::new(d.clone());
    let by_region = RwSignal::new(false);
    let can_split = d.aging.iter().any(|b| b.regions.len() > 1);
    let chart = move |f: fn(I18nContext<Locale>, &Dashboard) -> crate::ui::chart::scene::Chart| {
        Signal::derive(move || shared.with_value(|d| f(i18n, d)))
    };
    let aging_chart =
        Signal::derive(move || shared.with_value(|d| charts::aging(i18n, d, by_region.get())));
    let rows = aging_rows(i18n, &d);
    let grades = d
        .grades
        .iter()
        .map(|g| {
            let share = crate::domain::money::percent(g.open, total)
                .map(|p| format!("{p}%"))
                .unwrap_or_else(|| "—".into());
            let grade = g.grade.clone();
            let label = move || {
                if grade == "-" {
                    t_string!(i18n, cockpit.ungraded).to_string()
                } else {
                    grade.clone()
                }
            };
            let href = format!(
                "/invoices?status=open&as_of={as_of}&grade={}",
                crate::url::percent_encode(&g.grade)
            );
            view! {
                <tr data-grade=g.grade.clone()>
                    <td><a href=href>{label}</a></td>
                    <td class="num">{g.customers}</td>
                    <td class="num">{g.open.display()}</td>
                    <td class="num">{share}</td>
                </tr>
            }
        })
        .collect_view();
    let top = top_overdue_rows(&d);
    let reps_empty = d.reps.is_empty();
    let reps = d
        .reps
        .iter()
        .map(|r| {
            let href = format!(
                "/invoices?status=overdue&as_of={as_of}&rep={}",
                crate::url::percent_encode(&r.username)
            );
            view! {
                <tr>
                    <td><a href=href>{r.name.clone()}</a></td>
                    <td class="num">{r.collected.display()}</td>
                    <td class="num">{r.due.display()}</td>
                    <td class="num">{pct(r.collection_rate_pct)}</td>
                </tr>
            }
        })
        .collect_view();
    let trend = d
        .trend
        .iter()
        .map(|p| {
            let href = format!("/invoices?status=overdue&as_of={}{filter}", p.date);
            view! {
                <tr>
                    <td><a href=href>{p.date.format("%Y-%m").to_string()}</a></td>
                    <td class="num">{money_compact(i18n, p.open)}</td>
                    <td class="num">{money_compact(i18n, p.overdue)}</td>
                    <td class="num">{pct(p.overdue_rate_pct)}</td>
                    <td class="num">{money_compact(i18n, p.new_overdue)}</td>
                    <td class="num">{money_compact(i18n, p.collected)}</td>
                    <td class="num">{pct(p.collection_rate_pct)}</td>
                </tr>
            }
        })
        .collect_view();
    let kpi = |label: fn(I18nContext<Locale>) -> String, tip: fn(I18nContext<Locale>) -> String| {
        (
            Signal::derive(move || label(i18n)),
            Signal::derive(move || tip(i18n)),
        )
    };
    let (collected_l, collected_t) = kpi(
        |i| t_string!(i, cockpit.collected).to_string(),
        |i| t_string!(i, cockpit.collected_tip).to_string(),
    );
    let (crate_l, crate_t) = kpi(
        |i| t_string!(i, cockpit.collection_rate).to_string(),
        |i| t_string!(i, cockpit.collection_rate_tip).to_string(),
    );
    let (dso_l, dso_t) = kpi(
        |i| t_string!(i, cockpit.dso).to_string(),
        |i| t_string!(i, cockpit.dso_tip).to_string(),
    );
    let (best_l, best_t) = kpi(
        |i| t_string!(i, cockpit.best_dso).to_string(),
        |i| t_string!(i, cockpit.best_dso_tip).to_string(),
    );
    let (add_l, add_t) = kpi(
        |i| t_string!(i, cockpit.add).to_string(),
        |i| t_string!(i, cockpit.add_tip).to_string(),
    );
    let (cei_l, cei_t) = kpi(
        |i| t_string!(i, cockpit.cei).to_string(),
        |i| t_string!(i, cockpit.cei_tip).to_string(),
    );
    let alerts = view! { <Alerts alerts=d.alerts.clone() /> }.into_any();
    let kpis = view! {
        <section class="kpis">
            <Kpi
                label=Signal::derive(move || t_string!(i18n, cockpit.total_ar).to_string())
                tip=Signal::derive(move || t_string!(i18n, cockpit.total_ar_tip).to_string())
                value=Signal::derive(move || money_compact(i18n, total))
                exact=total.display()
                testid="kpi-total"
            />
            <Kpi
                label=Signal::derive(move || t_string!(i18n, cockpit.overdue).to_string())
                tip=Signal::derive(move || t_string!(i18n, cockpit.overdue_tip).to_string())
                value=Signal::derive(move || money_compact(i18n, overdue))
                exact=overdue.display()
                tone="tone-amber"
                testid="kpi-overdue"
            />
            <Kpi
                label=Signal::derive(move || t_string!(i18n, cockpit.overdue_rate).to_string())
                tip=Signal::derive(move || t_string!(i18n, cockpit.overdue_rate_tip).to_string())
                value=pct(k.overdue_rate_pct)
                tone=rate_tone
                testid="kpi-rate"
            />
            <Kpi label=collected_l tip=collected_t value=Signal::derive(move || money_compact(i18n, collected)) exact=collected.display() testid="kpi-collected" />
            <Kpi label=crate_l tip=crate_t value=pct(k.collection_rate_pct) testid="kpi-collection-rate" />
            <Kpi
                label=Signal::derive(move || t_string!(i18n, cockpit.customers_overdue).to_string())
                tip=Signal::derive(move || t_string!(i18n, cockpit.customers_overdue_tip).to_string())
                value=k.customers_overdue.to_string()
                testid="kpi-customers-overdue"
            />
            <Kpi label=dso_l tip=dso_t value=days(k.dso_days) testid="kpi-dso" />
            <Kpi label=best_l tip=best_t value=days(k.best_possible_dso_days) testid="kpi-best-dso" />
            <Kpi label=add_l tip=add_t value=days(k.add_days) testid="kpi-add" />
            <Kpi label=cei_l tip=cei_t value=pct(k.cei_pct) testid="kpi-cei" />
        </section>
    }
    .into_any();
    let aging = view! {
        <section class="card chart-card">
            <div class="card-head">
                <h2>{t!(i18n, cockpit.aging_title)}</h2>
                {can_split.then(|| view! {
                    <label class="toggle">
                        <input type="checkbox" prop:checked=by_region on:change=move |ev| by_region.set(event_target_checked(&ev)) data-testid="split-region" />
                        {t!(i18n, cockpit.split_by_region)}
                    </label>
                })}
            </div>
            <div class="chart-layout">
                <ChartCanvas chart=aging_chart label=Signal::derive(move || t_string!(i18n, cockpit.aging_chart_label).to_string()) testid="aging-chart" />
                <table class="table compact aging-table" data-testid="aging-table">
                    <thead>
                        <tr>
                            <th>{t!(i18n, cockpit.bucket)}</th>
                            <th class="num">{t!(i18n, cockpit.amount)}</th>
                            <th class="num">{t!(i18n, cockpit.share)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any();
    let part0 = view! {
            <section class="card" data-testid="top-overdue">
                <h2>{t!(i18n, cockpit.top_title)}</h2>
                <ChartCanvas chart=chart(charts::top_overdue) label=Signal::derive(move || t_string!(i18n, cockpit.top_title).to_string()) testid="top-chart" />
                <table class="table compact">
                    <thead><tr>
                        <th>{t!(i18n, cockpit.customer)}</th>
                        <th class="num">{t!(i18n, cockpit.overdue_amount)}</th>
                        <th class="num">{t!(i18n, cockpit.max_days)}</th>
                    </tr></thead>
                    <tbody>{top}</tbody>
                </table>
            </section>
    }
    .into_any();
    let part1 = view! {
            <section class="card" data-testid="grade-mix">
                <h2>{t!(i18n, cockpit.grades_title)}</h2>
                <ChartCanvas chart=chart(charts::grades) label=Signal::derive(move || t_string!(i18n, cockpit.grades_title).to_string()) testid="grade-chart" />
                <table class="table compact">
                    <thead><tr>
                        <th>{t!(i18n, cockpit.grade)}</th>
                        <th class="num">{t!(i18n, cockpit.customers)}</th>
                        <th class="num">{t!(i18n, cockpit.open)}</th>
                        <th class="num">{t!(i18n, cockpit.share)}</th>
                    </tr></thead>
                    <tbody>{grades}</tbody>
                </table>
            </section>
    }
    .into_any();
    let part2 = view! {
            <section class="card" data-testid="rep-performance">
                <h2>{t!(i18n, cockpit.reps_title)}</h2>
                {reps_empty.then(|| view! { <p class="muted">{t!(i18n, cockpit.no_split)}</p> })}
                {(!reps_empty).then(|| view! { <ChartCanvas chart=chart(charts::reps) label=Signal::derive(move || t_string!(i18n, cockpit.reps_title).to_string()) testid="rep-chart" /> })}
                <table class="table compact">
                    <thead><tr>
                        <th>{t!(i18n, cockpit.rep)}</th>
                        <th class="num">{t!(i18n, cockpit.collected_col)}</th>
                        <th class="num">{t!(i18n, cockpit.due)}</th>
                        <th class="num">{t!(i18n, cockpit.rate)}</th>
                    </tr></thead>
                    <tbody>{reps}</tbody>
                </table>
            </section>
    }
    .into_any();
    let part3 = view! {
            <section class="card wide" data-testid="trend">
                <h2>{t!(i18n, cockpit.trend_title)}</h2>
                <ChartCanvas chart=chart(charts::trend) label=Signal::derive(move || t_string!(i18n, cockpit.trend_title).to_string()) testid="trend-chart" />
                <div class="table-scroll">
                    <table class="table compact">
                        <thead><tr>
                            <th>{t!(i18n, cockpit.month)}</th>
                            <th class="num">{t!(i18n, cockpit.open)}</th>
                            <th class="num">{t!(i18n, cockpit.overdue)}</th>
                            <th class="num">{t!(i18n, cockpit.overdue_rate)}</th>
                            <th class="num">{t!(i18n, cockpit.new_overdue)}</th>
                            <th class="num">{t!(i18n, cockpit.collected_col)}</th>
                            <th class="num">{t!(i18n, cockpit.collection_rate)}</th>
                        </tr></thead>
                        <tbody>{trend}</tbody>
                    </table>
                </div>
            </section>
    }
    .into_any();
    let part4 = view! {
            <section class="card" data-testid="collection-trend">
                <h2>{t!(i18n, cockpit.collection_title)}</h2>
                <ChartCanvas chart=chart(charts::collection_rate) label=Signal::derive(move || t_string!(i18n, cockpit.collection_title).to_string()) testid="collection-chart" />
            </section>
    }
    .into_any();
    let bills = d.bills.map(|b| view! { <BillsCard bills=b /> });
    view! {
        {alerts}
        {kpis}
        {aging}
        <div class="cockpit-grid">
            {part0}
            {part1}
            {part2}
            {part4}
            {bills}
            {part3}
        </div>
    }
}

/// Acceptance bills in hand, those maturing within 30, 60 and 90 days, and those passed
/// on with recourse (`domain::bills::in_hand`).
#[component]
fn BillsCard(bills: crate::domain::bills::in_hand::BillsInHand) -> impl IntoView {
    use crate::domain::bills::in_hand::{Tally, WINDOWS};
    let i18n = use_i18n();
    let row = |label: Signal<String>, t: Tally, testid: &'static str| {
        view! {
            <tr data-testid=testid>
                <td>{label}</td>
                <td class="num">{t.count}</td>
                <td class="num">{t.face.display()}</td>
            </tr>
        }
    };
    let within = bills
        .maturing
        .iter()
        .zip(WINDOWS)
        .map(|(t, days)| {
            let label = Signal::derive(move || {
                t_string!(i18n, cockpit.bills_within, days = days).to_string()
            });
            row(label, *t, "bills-maturing")
        })
        .collect_view();
    let unconverted = (!bills.unconverted.is_empty()).then(|| {
        let codes = bills.unconverted.iter().map(|c| c.code()).collect::<Vec<_>>().join(", ");
        view! { <p class="notice notice-warn small">{move || t_string!(i18n, cockpit.bills_unconverted, currencies = codes.clone()).to_string()}</p> }
    });
    view! {
        <section class="card" data-testid="bills-card">
            <h2>{t!(i18n, cockpit.bills_title)}</h2>
            <table class="table compact">
                <thead><tr>
                    <th></th>
                    <th class="num">{t!(i18n, cockpit.bills_count)}</th>
                    <th class="num">{t!(i18n, cockpit.bills_face)}</th>
                </tr></thead>
                <tbody>
                    {row(Signal::derive(move || t_string!(i18n, cockpit.bills_in_hand).to_string()), bills.held, "bills-held")}
                    {within}
                    {row(Signal::derive(move || t_string!(i18n, cockpit.bills_passed_on).to_string()), bills.passed_on, "bills-passed-on")}
                </tbody>
            </table>
            {unconverted}
        </section>
    }
}

/// The rep, region and grade selects of a slice (one filter at a time; the server
/// refuses two), showing what the query string asks for.
#[component]
pub fn SliceSelects(choices: crate::api::receivables::FilterChoices) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let selected =
        move |k: &'static str, v: String| move || query.read().get(k).is_some_and(|s| s == v);
    let reps = choices
        .reps
        .into_iter()
        .map(|(u, n)| {
            let sel = selected("rep", u.clone());
            view! { <option value=u selected=sel>{n}</option> }
        })
        .collect_view();
    let regions = choices
        .regions
        .into_iter()
        .map(|r| {
            let sel = selected("region", r.clone());
            let label = r.clone();
            view! { <option value=r selected=sel>{label}</option> }
        })
        .collect_view();
    let grades = ["A", "B", "C", "D", "-"].map(|g| view! { <option value=g selected=selected("grade", g.to_string())>{if g == "-" { t_string!(i18n, cockpit.ungraded).to_string() } else { g.to_string() }}</option> });
    view! {
        <label class="inline-field" title=move || t_string!(i18n, cockpit.one_filter)>
            <span>{t!(i18n, cockpit.rep)}</span>
            <select name="rep" data-testid="filter-rep"><option value="">{t!(i18n, cockpit.all)}</option>{reps}</select>
        </label>
        <label class="inline-field" title=move || t_string!(i18n, cockpit.one_filter)>
            <span>{t!(i18n, cockpit.region)}</span>
            <select name="region" data-testid="filter-region"><option value="">{t!(i18n, cockpit.all)}</option>{regions}</select>
        </label>
        <label class="inline-field" title=move || t_string!(i18n, cockpit.one_filter)>
            <span>{t!(i18n, cockpit.grade)}</span>
            <select name="grade" data-testid="filter-grade"><option value="">{t!(i18n, cockpit.all)}</option>{grades}</select>
        </label>
    }
}

#[component]
pub fn CockpitPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let text = move |k: &str| query.read().get(k).filter(|s| !s.is_empty());
    let args = move || CockpitArgs {
        as_of: text("as_of").and_then(|s| s.parse::<NaiveDate>().ok()),
        rep: text("rep"),
        region: text("region"),
        grade: text("grade"),
    };
    let data = Resource::new(args, get_cockpit);
    let choices = Resource::new(|| (), |_| filter_options());
    let shown_date = move || {
        data.get()
            .and_then(|r| r.ok())
            .map(|s| s.as_of.to_string())
            .or_else(|| args().as_of.map(|d| d.to_string()))
            .unwrap_or_default()
    };
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, cockpit.title)}</h1>
                <a href="/alerts" class="btn btn-ghost head-link" data-testid="alert-settings-link">{t!(i18n, cockpit.alert_settings)}</a>
                <a href="/reports" class="btn btn-ghost head-link" data-testid="reports-link">{t!(i18n, nav.reports)}</a>
                <Form method="GET" action="" attr:class="as-of-form cockpit-filters">
                    <label class="inline-field">
                        <span>{t!(i18n, cockpit.as_of)}</span>
                        <input type="date" name="as_of" prop:value=shown_date data-testid="as-of" />
                    </label>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move { view! { <SliceSelects choices=choices.await.unwrap_or_default() /> } })}
                    </Transition>
                    <button type="submit" class="btn">{t!(i18n, cockpit.apply)}</button>
                </Form>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(dashboard) => view! { <Figures dashboard /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
