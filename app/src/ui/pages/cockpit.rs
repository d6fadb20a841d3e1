//! The executive cockpit: headline KPIs and the aging distribution at an as_of date.
//! The figures render on the server; the chart is drawn on a canvas after hydration
//! from the same server-function data, with an exact table beside it for both.
use crate::api::cockpit::{get_cockpit, CockpitArgs};
use crate::domain::aging::AgingSummary;
use crate::i18n::*;
use crate::ui::chart::AgingChart;
use crate::ui::format::{bucket_label, money_compact, ErrorNotice};
use chrono::NaiveDate;
use leptos::prelude::*;
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

#[component]
fn Figures(summary: AgingSummary) -> impl IntoView {
    let i18n = use_i18n();
    let rate = summary.overdue_rate_pct.map(|r| format!("{r}%")).unwrap_or_else(|| "—".into());
    let rate_tone = match summary.overdue_rate_pct {
        Some(r) if r > rust_decimal::Decimal::from(8) => "tone-red",
        Some(r) if r > rust_decimal::Decimal::from(3) => "tone-amber",
        _ => "tone-green",
    };
    let total = summary.total;
    let overdue = summary.overdue;
    let rows = summary
        .buckets
        .iter()
        .map(|b| {
            let share = crate::domain::money::percent(b.amount, total).map(|p| format!("{p}%")).unwrap_or_else(|| "—".into());
            let light = b.light.css();
            let key = b.key.clone();
            view! {
                <tr data-bucket=b.key.clone()>
                    <td>
                        <span class=format!("dot {light}")></span>
                        {move || bucket_label(i18n, &key)}
                    </td>
                    <td class="num">{b.amount.display()}</td>
                    <td class="num">{b.invoices}</td>
                    <td class="num">{share}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
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
                value=rate
                tone=rate_tone
                testid="kpi-rate"
            />
            <Kpi
                label=Signal::derive(move || t_string!(i18n, cockpit.open_invoices).to_string())
                tip=Signal::derive(move || t_string!(i18n, cockpit.open_invoices_tip).to_string())
                value=summary.open_invoices.to_string()
                testid="kpi-invoices"
            />
            <Kpi
                label=Signal::derive(move || t_string!(i18n, cockpit.customers_overdue).to_string())
                tip=Signal::derive(move || t_string!(i18n, cockpit.customers_overdue_tip).to_string())
                value=summary.customers_overdue.to_string()
                testid="kpi-customers-overdue"
            />
        </section>
        <section class="card chart-card">
            <h2>{t!(i18n, cockpit.aging_title)}</h2>
            <div class="chart-layout">
                <AgingChart summary=summary.clone() />
                <table class="table compact aging-table" data-testid="aging-table">
                    <thead>
                        <tr>
                            <th>{t!(i18n, cockpit.bucket)}</th>
                            <th class="num">{t!(i18n, cockpit.amount)}</th>
                            <th class="num">{t!(i18n, cockpit.invoices)}</th>
                            <th class="num">{t!(i18n, cockpit.share)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
pub fn CockpitPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let as_of = move || query.read().get("as_of").and_then(|s| s.parse::<NaiveDate>().ok());
    let data = Resource::new(as_of, |as_of| get_cockpit(CockpitArgs { as_of }));
    let shown_date = move || {
        data.get()
            .and_then(|r| r.ok())
            .map(|s| s.as_of.to_string())
            .or_else(|| as_of().map(|d| d.to_string()))
            .unwrap_or_default()
    };
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, cockpit.title)}</h1>
                <Form method="GET" action="" attr:class="as-of-form">
                    <label class="inline-field">
                        <span>{t!(i18n, cockpit.as_of)}</span>
                        <input type="date" name="as_of" prop:value=shown_date data-testid="as-of" />
                    </label>
                    <button type="submit" class="btn">{t!(i18n, cockpit.apply)}</button>
                </Form>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(summary) => view! { <Figures summary /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
