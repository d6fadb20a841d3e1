//! The aging report: as-of date and basis in the URL (a GET form, so it works before
//! hydration), bucket totals with traffic lights, each bucket drilling into the invoice
//! list behind it, exports to XLSX and CSV, and finance's bucket edges.
use crate::api::receivables::{aging_report, AgingArgs, AgingView, SetAgingEdges};
use crate::domain::aging::Basis;
use crate::i18n::*;
use crate::ui::format::{bucket_label, money_compact, ErrorNotice};
use crate::url::percent_encode;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

#[component]
fn EdgesEditor(basis: Basis, edges: String, saved: ServerAction<SetAgingEdges>) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(edges);
    let save = move |_| {
        saved.dispatch(SetAgingEdges {
            basis,
            edges: text.get_untracked(),
        });
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, aging.edges_title)}</h2>
            <p class="muted small">{t!(i18n, aging.edges_help)}</p>
            <div class="inline-form">
                <input
                    class="edges-input"
                    data-testid="edges-input"
                    aria-label=move || t_string!(i18n, aging.edges_title)
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                />
                <button type="button" class="btn" data-testid="edges-save" on:click=save prop:disabled=move || saved.pending().get()>
                    {t!(i18n, aging.save)}
                </button>
            </div>
            {move || saved.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorNotice error /> })}
        </section>
    }
}

#[component]
fn Report(view_: AgingView, saved: ServerAction<SetAgingEdges>) -> impl IntoView {
    let i18n = use_i18n();
    let AgingView {
        summary,
        edges,
        can_configure,
    } = view_;
    let as_of = summary.as_of;
    let basis = summary.basis;
    let total = summary.total;
    let max = summary
        .buckets
        .iter()
        .map(|b| b.amount.minor())
        .max()
        .unwrap_or(0)
        .max(1);
    let rows = summary
        .buckets
        .iter()
        .map(|b| {
            let share = crate::domain::money::percent(b.amount, total).map(|p| format!("{p}%")).unwrap_or_else(|| "—".into());
            let width = format!("width: {:.1}%", b.amount.minor() as f64 * 100.0 / max as f64);
            let light = b.light.css();
            let key = b.key.clone();
            let href = format!("/invoices?as_of={as_of}&basis={}&bucket={}&status=open", basis.as_str(), percent_encode(&b.key));
            view! {
                <tr data-bucket=b.key.clone() data-testid="bucket-row">
                    <td data-label=move || t_string!(i18n, cockpit.bucket)>
                        <A href=href attr:class="bucket-link">
                            <span class=format!("dot {light}")></span>
                            {move || bucket_label(i18n, &key)}
                        </A>
                    </td>
                    <td class="num strong" data-label=move || t_string!(i18n, cockpit.amount)>{b.amount.display()}</td>
                    <td class="num" data-label=move || t_string!(i18n, cockpit.invoices)>{b.invoices}</td>
                    <td class="num" data-label=move || t_string!(i18n, cockpit.share)>{share}</td>
                    <td class="bar-cell" aria-hidden="true">
                        <span class=format!("bar {light}") style=width></span>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let export = |ext: &str| {
        format!(
            "/export/aging/aging.{ext}?as_of={as_of}&basis={}",
            basis.as_str()
        )
    };
    let overdue = summary.overdue;
    let rate = summary
        .overdue_rate_pct
        .map(|r| format!("{r}%"))
        .unwrap_or_else(|| "—".into());
    view! {
        <section class="kpis">
            <div class="kpi" data-testid="aging-total">
                <div class="kpi-label">{t!(i18n, cockpit.total_ar)}</div>
                <div class="kpi-value">{move || money_compact(i18n, total)}</div>
                <div class="kpi-exact">{total.display()}</div>
            </div>
            <div class="kpi tone-amber">
                <div class="kpi-label">{t!(i18n, cockpit.overdue)}</div>
                <div class="kpi-value">{move || money_compact(i18n, overdue)}</div>
                <div class="kpi-exact">{overdue.display()} " · " {rate}</div>
            </div>
        </section>
        <section class="card">
            <div class="section-head">
                <h2>{t!(i18n, aging.buckets)}</h2>
                <div class="actions">
                    <a class="btn" href=export("xlsx") rel="external" download data-testid="export-xlsx">"XLSX"</a>
                    <a class="btn" href=export("csv") rel="external" download data-testid="export-csv">"CSV"</a>
                </div>
            </div>
            <div class="table-wrap">
                <table class="table responsive aging-report" data-testid="aging-report">
                    <thead>
                        <tr>
                            <th>{t!(i18n, cockpit.bucket)}</th>
                            <th class="num">{t!(i18n, cockpit.amount)}</th>
                            <th class="num">{t!(i18n, cockpit.invoices)}</th>
                            <th class="num">{t!(i18n, cockpit.share)}</th>
                            <th class="bar-cell"></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                    <tfoot>
                        <tr>
                            <td class="strong">{t!(i18n, aging.total)}</td>
                            <td class="num strong" data-testid="aging-sum">{total.display()}</td>
                            <td class="num">{summary.open_invoices}</td>
                            <td class="num">"100%"</td>
                            <td></td>
                        </tr>
                    </tfoot>
                </table>
            </div>
            <p class="muted small">{t!(i18n, aging.drill_hint)}</p>
        </section>
        {can_configure.then(|| view! { <EdgesEditor basis edges saved /> })}
    }
}

#[component]
pub fn AgingPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let args = move || {
        let q = query.read();
        AgingArgs {
            as_of: q.get("as_of").and_then(|s| s.parse::<NaiveDate>().ok()),
            basis: q.get("basis").and_then(|b| Basis::parse(&b)),
        }
    };
    let saved = ServerAction::<SetAgingEdges>::new();
    // A successful save re-reads the report with the new edges; a refused one leaves
    // the page (and what finance typed) as it is.
    let reloads = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Ok(())) = saved.value().get() {
            reloads.update(|n| *n += 1);
        }
    });
    let data = Resource::new(move || (args(), reloads.get()), |(a, _)| aging_report(a));
    let shown_date = move || {
        args()
            .as_of
            .map(|d| d.to_string())
            .or_else(|| {
                data.get()
                    .and_then(|r| r.ok())
                    .map(|v| v.summary.as_of.to_string())
            })
            .unwrap_or_default()
    };
    let basis = move || args().basis.unwrap_or(Basis::Due);
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, aging.title)}</h1>
                <Form method="GET" action="" attr:class="as-of-form">
                    <label class="inline-field">
                        <span>{t!(i18n, cockpit.as_of)}</span>
                        <input type="date" name="as_of" prop:value=shown_date data-testid="aging-as-of" />
                    </label>
                    <label class="inline-field">
                        <span>{t!(i18n, aging.basis)}</span>
                        <select name="basis" data-testid="aging-basis">
                            <option value="due" selected=move || basis() == Basis::Due>{t!(i18n, aging.basis_due)}</option>
                            <option value="invoice" selected=move || basis() == Basis::Invoice>{t!(i18n, aging.basis_invoice)}</option>
                        </select>
                    </label>
                    <button type="submit" class="btn" data-testid="aging-apply">{t!(i18n, cockpit.apply)}</button>
                </Form>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(view_) => view! { <Report view_ saved /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
