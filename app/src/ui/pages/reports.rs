//! Credit reports and custom report templates.
//!
//! `/reports` is the weekly, monthly or quarterly credit report: KPIs against the end of
//! the previous period, the roll-forward of open AR, aging, top overdue, reps' collection
//! in the period, the trend and the grade and status changes. It renders whole on the
//! server, prints cleanly (the stylesheet's print rules drop the navigation and forms and
//! keep tables from splitting), and downloads as a workbook.
//!
//! `/reports/templates` lists finance's saved templates and, for finance, the designer:
//! plain forms (`ActionForm`), so they work before hydration. `/reports/templates/:id`
//! runs one for a period and shows its first rows, with CSV and XLSX downloads that
//! stream every row.
use super::cockpit::{aging_rows, top_overdue_rows, SliceSelects};
use super::cockpit_charts as charts;
use crate::api::receivables::filter_options;
use crate::api::reports::{
    get_credit_report, list_report_templates, run_report_template, DeleteReportTemplate,
    ReportArgs, SaveReportTemplate,
};
use crate::domain::report::{
    Column, CreditReport, Figure, GroupBy, PeriodKind, SavedTemplate, TemplateDraft,
};
use crate::i18n::*;
use crate::ui::chart::ChartCanvas;
use crate::ui::format::{money_compact, status_label, ErrorNotice};
use crate::url::percent_encode as enc;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

type I18n = I18nContext<Locale>;

fn kind_title(i18n: I18n, k: PeriodKind) -> String {
    match k {
        PeriodKind::Week => t_string!(i18n, report.title_week).to_string(),
        PeriodKind::Month => t_string!(i18n, report.title_month).to_string(),
        PeriodKind::Quarter => t_string!(i18n, report.title_quarter).to_string(),
    }
}

fn kind_label(i18n: I18n, k: PeriodKind) -> String {
    match k {
        PeriodKind::Week => t_string!(i18n, report.kind_week).to_string(),
        PeriodKind::Month => t_string!(i18n, report.kind_month).to_string(),
        PeriodKind::Quarter => t_string!(i18n, report.kind_quarter).to_string(),
    }
}

fn kpi_label(i18n: I18n, key: &str) -> String {
    match key {
        "total_ar" => t_string!(i18n, cockpit.total_ar).to_string(),
        "overdue" => t_string!(i18n, cockpit.overdue).to_string(),
        "overdue_rate" => format!("{} %", t_string!(i18n, cockpit.overdue_rate)),
        "dso" => t_string!(i18n, cockpit.dso).to_string(),
        "best_dso" => t_string!(i18n, cockpit.best_dso).to_string(),
        "add" => t_string!(i18n, cockpit.add).to_string(),
        "cei" => format!("{} %", t_string!(i18n, cockpit.cei)),
        "customers_overdue" => t_string!(i18n, cockpit.customers_overdue).to_string(),
        other => other.to_string(),
    }
}

fn kpi_tip(i18n: I18n, key: &str) -> String {
    match key {
        "total_ar" => t_string!(i18n, cockpit.total_ar_tip).to_string(),
        "overdue" => t_string!(i18n, cockpit.overdue_tip).to_string(),
        "overdue_rate" => t_string!(i18n, cockpit.overdue_rate_tip).to_string(),
        "dso" => t_string!(i18n, cockpit.dso_tip).to_string(),
        "best_dso" => t_string!(i18n, cockpit.best_dso_tip).to_string(),
        "add" => t_string!(i18n, cockpit.add_tip).to_string(),
        "cei" => t_string!(i18n, cockpit.cei_tip).to_string(),
        "customers_overdue" => t_string!(i18n, cockpit.customers_overdue_tip).to_string(),
        _ => String::new(),
    }
}

/// A template column's (or a group row's leading columns') header.
pub fn column_label(i18n: I18n, key: &str) -> String {
    match key {
        "code" => t_string!(i18n, report.col_code).to_string(),
        "name" => t_string!(i18n, report.col_name).to_string(),
        "region" => t_string!(i18n, report.col_region).to_string(),
        "industry" => t_string!(i18n, report.col_industry).to_string(),
        "rep" => t_string!(i18n, report.col_rep).to_string(),
        "grade" => t_string!(i18n, report.col_grade).to_string(),
        "status" => t_string!(i18n, report.col_status).to_string(),
        "open" => t_string!(i18n, report.col_open).to_string(),
        "current" => t_string!(i18n, report.col_current).to_string(),
        "overdue" => t_string!(i18n, report.col_overdue).to_string(),
        "overdue_rate" => t_string!(i18n, report.col_overdue_rate).to_string(),
        "max_days_past_due" => t_string!(i18n, report.col_max_days_past_due).to_string(),
        "invoiced_in_period" => t_string!(i18n, report.col_invoiced_in_period).to_string(),
        "collected_in_period" => t_string!(i18n, report.col_collected_in_period).to_string(),
        "customers" => t_string!(i18n, report.customers_col).to_string(),
        other => other.to_string(),
    }
}

/// The tone of a KPI's change: good news green, bad news red.
fn change_tone(k: &crate::domain::report::KpiDelta) -> &'static str {
    let up = k.change.is_positive();
    let down = k.change.is_negative();
    match (up, down, k.higher_is_better) {
        (true, _, true) | (_, true, false) => "tone-green",
        (true, _, false) | (_, true, true) => "tone-red",
        _ => "",
    }
}

/// The period picker: recent weeks, months and quarters.
#[component]
fn PeriodSelect(choices: Vec<(PeriodKind, Vec<String>)>, selected: String) -> impl IntoView {
    let i18n = use_i18n();
    let groups = choices
        .into_iter()
        .map(|(k, keys)| {
            let label = move || match k {
                PeriodKind::Week => t_string!(i18n, report.weeks).to_string(),
                PeriodKind::Month => t_string!(i18n, report.months).to_string(),
                PeriodKind::Quarter => t_string!(i18n, report.quarters).to_string(),
            };
            let options = keys
                .into_iter()
                .map(|key| {
                    let sel = key == selected;
                    view! { <option value=key.clone() selected=sel>{key.clone()}</option> }
                })
                .collect_view();
            view! { <optgroup label=label>{options}</optgroup> }
        })
        .collect_view();
    view! {
        <label class="inline-field">
            <span>{t!(i18n, report.period)}</span>
            <select name="period" data-testid="report-period">{groups}</select>
        </label>
    }
}

#[component]
fn Report(report: CreditReport, query: String) -> impl IntoView {
    let i18n = use_i18n();
    let r = report;
    let d = r.end.clone();
    let as_of = r.as_of;
    let shared = StoredValue::new(d.clone());
    let chart = move |f: fn(
        I18n,
        &crate::domain::dashboard::Dashboard,
    ) -> crate::ui::chart::scene::Chart| {
        Signal::derive(move || shared.with_value(|d| f(i18n, d)))
    };
    let aging_chart = Signal::derive(move || shared.with_value(|d| charts::aging(i18n, d, false)));
    let kind = r.period.kind();
    let kpis = r
        .kpis
        .iter()
        .map(|k| {
            let key = k.key.clone();
            let tip_key = k.key.clone();
            let tone = change_tone(k);
            // Money in 万/亿 (or K/M) so the table fits a phone; the exact amount on hover.
            let cell = move |f: Figure, signed: bool| {
                let exact = if signed { f.signed() } else { f.display() };
                let text = exact.clone();
                let shown = move || match &f {
                    Figure::Money(m) => format!("{}{}", if signed && f.is_positive() { "+" } else { "" }, money_compact(i18n, *m)),
                    _ => text.clone(),
                };
                (shown, exact)
            };
            let (start, start_exact) = cell(k.start.clone(), false);
            let (end, end_exact) = cell(k.end.clone(), false);
            let (change, change_exact) = cell(k.change.clone(), true);
            view! {
                <tr data-kpi=k.key.clone()>
                    <td>{move || kpi_label(i18n, &key)} <span class="tip no-print" tabindex="0" title=move || kpi_tip(i18n, &tip_key)>"?"</span></td>
                    <td class="num nowrap" title=start_exact>{start}</td>
                    <td class="num nowrap" title=end_exact>{end}</td>
                    <td class=format!("num nowrap {tone}") title=change_exact>{change}</td>
                </tr>
            }
        })
        .collect_view();
    let m = r.movements.clone();
    let unexplained = m.unexplained_minor();
    let line =
        |label: String, amount: crate::domain::money::Money, testid: &'static str, strong: bool| {
            view! {
                <tr data-testid=testid class:total-row=strong>
                    <td>{label}</td>
                    <td class="num">{amount.display()}</td>
                </tr>
            }
        };
    let movements = view! {
        {line(t_string!(i18n, report.opening).to_string(), m.opening, "mv-opening", true)}
        {line(t_string!(i18n, report.invoiced).to_string(), m.invoiced, "mv-invoiced", false)}
        {line(t_string!(i18n, report.payments).to_string(), m.payments, "mv-payments", false)}
        {line(t_string!(i18n, report.credit_notes).to_string(), m.credit_notes, "mv-credit-notes", false)}
        {line(t_string!(i18n, report.write_offs).to_string(), m.write_offs, "mv-write-offs", false)}
        {line(t_string!(i18n, report.reversals).to_string(), m.reversals, "mv-reversals", false)}
        {line(t_string!(i18n, report.closing).to_string(), m.closing, "mv-closing", true)}
    };
    let aging_rows = aging_rows(i18n, &d);
    let top = top_overdue_rows(&d);
    let reps = r
        .reps
        .iter()
        .map(|p| {
            view! {
                <tr>
                    <td>{p.name.clone()}</td>
                    <td class="num">{p.collected.display()}</td>
                    <td class="num">{p.due.display()}</td>
                    <td class="num">{p.collection_rate_pct.map(|r| format!("{r}%")).unwrap_or_else(|| "—".into())}</td>
                </tr>
            }
        })
        .collect_view();
    let reps_empty = r.reps.is_empty();
    let changes_empty = r.changes.is_empty();
    let changes = r
        .changes
        .iter()
        .map(|c| {
            let attr = c.attribute.clone();
            let (before, after) = (c.before.clone(), c.after.clone());
            let value = move |v: &str| match (attr.as_str(), crate::domain::customer::CustomerStatus::parse(v)) {
                ("status", Ok(s)) => status_label(i18n, s),
                _ => v.to_string(),
            };
            let attr_label = if c.attribute == "grade" { t_string!(i18n, report.attr_grade).to_string() } else { t_string!(i18n, report.attr_status).to_string() };
            view! {
                <tr>
                    <td>{c.on.to_string()}</td>
                    <td>{c.customer_name.clone()}<div class="muted small">{c.customer_code.clone()}</div></td>
                    <td>{attr_label}</td>
                    <td>{value(&before)}</td>
                    <td>{value(&after)}</td>
                    <td>{c.actor.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let title = kind_title(i18n, kind);
    let status = if r.complete {
        t_string!(i18n, report.complete).to_string()
    } else {
        t_string!(i18n, report.running).to_string()
    };
    let header = view! {
        <header class="report-head card">
                <div>
                    <h2 data-testid="report-title">{title} " · " {r.period.key()}</h2>
                    <p class="muted">
                        {r.period.start().to_string()} " – " {r.period.end().to_string()} " · "
                        {t!(i18n, report.as_of)} " " <span data-testid="report-as-of">{as_of.to_string()}</span> " · " {status}
                    </p>
                </div>
                <div class="report-actions no-print">
                    <button type="button" class="btn btn-ghost" on:click=|_| print_page() data-testid="report-print">{t!(i18n, report.print)}</button>
                    <a class="btn" href=format!("/export/report/credit-report.xlsx?{query}") data-testid="report-xlsx" download>{t!(i18n, report.download_xlsx)}</a>
                </div>
            </header>
    }
    .into_any();
    let section0 = view! {
        <section class="card" data-testid="report-kpis">
                    <h2>{t!(i18n, report.kpis_title)}</h2>
                    <table class="table compact">
                        <thead><tr>
                            <th>{t!(i18n, report.kpi)}</th>
                            <th class="num">{t!(i18n, report.start)}</th>
                            <th class="num">{t!(i18n, report.end)}</th>
                            <th class="num">{t!(i18n, report.change)}</th>
                        </tr></thead>
                        <tbody>{kpis}</tbody>
                    </table>
                </section>
    }
    .into_any();
    let section1 = view! {
        <section class="card" data-testid="report-movements" data-unexplained=unexplained.to_string()>
                    <h2>{t!(i18n, report.movements_title)}</h2>
                    <table class="table compact">
                        <tbody>{movements}</tbody>
                    </table>
                    <p class="muted small">{t!(i18n, report.cash_received)} ": " <strong data-testid="mv-cash">{m.cash_received.display()}</strong></p>
                    {(unexplained != 0).then(|| view! {
                        <p class="notice notice-error">{t!(i18n, report.unexplained)} ": " {crate::domain::money::Money::from_minor(unexplained, m.closing.currency()).display()}</p>
                    })}
                </section>
    }
    .into_any();
    let section2 = view! {
        <section class="card chart-card" data-testid="report-aging">
                    <h2>{t!(i18n, report.aging_title)}</h2>
                    <ChartCanvas chart=aging_chart label=Signal::derive(move || t_string!(i18n, report.aging_title).to_string()) testid="report-aging-chart" />
                    <table class="table compact">
                        <thead><tr>
                            <th>{t!(i18n, cockpit.bucket)}</th>
                            <th class="num">{t!(i18n, cockpit.amount)}</th>
                            <th class="num">{t!(i18n, cockpit.share)}</th>
                        </tr></thead>
                        <tbody>{aging_rows}</tbody>
                    </table>
                </section>
    }
    .into_any();
    let section3 = view! {
        <section class="card" data-testid="report-top">
                    <h2>{t!(i18n, report.top_title)}</h2>
                    <ChartCanvas chart=chart(charts::top_overdue) label=Signal::derive(move || t_string!(i18n, report.top_title).to_string()) testid="report-top-chart" />
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
    let section4 = view! {
        <section class="card" data-testid="report-reps">
                    <h2>{t!(i18n, report.reps_title)}</h2>
                    {reps_empty.then(|| view! { <p class="muted">{t!(i18n, cockpit.no_split)}</p> })}
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
    let section5 = view! {
        <section class="card" data-testid="report-changes">
                    <h2>{t!(i18n, report.changes_title)}</h2>
                    {if changes_empty {
                        view! { <p class="muted">{t!(i18n, report.no_changes)}</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-scroll">
                                <table class="table compact">
                                    <thead><tr>
                                        <th>{t!(i18n, report.date)}</th>
                                        <th>{t!(i18n, cockpit.customer)}</th>
                                        <th>{t!(i18n, report.attribute)}</th>
                                        <th>{t!(i18n, report.before)}</th>
                                        <th>{t!(i18n, report.after)}</th>
                                        <th>{t!(i18n, report.by)}</th>
                                    </tr></thead>
                                    <tbody>{changes}</tbody>
                                </table>
                            </div>
                        }
                        .into_any()
                    }}
                </section>
    }
    .into_any();
    let section6 = view! {
        <section class="card wide" data-testid="report-trend">
                    <h2>{t!(i18n, report.trend_title)}</h2>
                    <ChartCanvas chart=chart(charts::trend) label=Signal::derive(move || t_string!(i18n, report.trend_title).to_string()) testid="report-trend-chart" />
                </section>
    }
    .into_any();
    view! {
        <article class="report" data-testid="credit-report" data-period=r.period.key()>
            {header}
            <div class="report-grid">
                {section0}
                {section1}
                {section2}
                {section3}
                {section4}
                {section5}
                {section6}
            </div>
        </article>
    }
}

#[component]
pub fn CreditReportPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let text = move |k: &str| query.read().get(k).filter(|s| !s.is_empty());
    let args = move || ReportArgs {
        kind: text("kind"),
        period: text("period"),
        rep: text("rep"),
        region: text("region"),
        grade: text("grade"),
    };
    let data = Resource::new(args, get_credit_report);
    let choices = Resource::new(|| (), |_| filter_options());
    view! {
        <div class="page">
            <header class="page-head no-print">
                <h1>{t!(i18n, nav.reports)}</h1>
                <a href="/reports/templates" class="btn btn-ghost head-link" data-testid="templates-link">{t!(i18n, report.templates_link)}</a>
                <Form method="GET" action="" attr:class="as-of-form cockpit-filters">
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let page = data.await.ok();
                            let c = choices.await.unwrap_or_default();
                            let periods = page.map(|p| view! { <PeriodSelect choices=p.choices selected=p.report.period.key() /> });
                            view! {
                                {periods}
                                <SliceSelects choices=c />
                            }
                        })}
                    </Transition>
                    <button type="submit" class="btn" data-testid="report-show">{t!(i18n, report.show)}</button>
                </Form>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => {
                            let a = args();
                            let mut q = format!("period={}", page.report.period.key());
                            for (k, v) in [("rep", a.rep), ("region", a.region), ("grade", a.grade)] {
                                if let Some(v) = v {
                                    q.push_str(&format!("&{k}={}", enc(&v)));
                                }
                            }
                            view! { <Report report=page.report query=q /> }.into_any()
                        }
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// The designer: a new template, or the one being edited.
#[component]
fn TemplateForm(
    editing: Option<SavedTemplate>,
    save: ServerAction<SaveReportTemplate>,
) -> impl IntoView {
    let i18n = use_i18n();
    let choices = Resource::new(|| (), |_| filter_options());
    let id = editing.as_ref().map(|t| t.id);
    let d = editing
        .map(|t| t.template.draft())
        .unwrap_or_else(|| TemplateDraft {
            columns: [
                "code",
                "name",
                "region",
                "open",
                "overdue",
                "max_days_past_due",
            ]
            .map(String::from)
            .to_vec(),
            period: "month".into(),
            ..Default::default()
        });
    let columns = Column::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let key = c.as_str();
            let checked = d.columns.iter().any(|k| k == key);
            view! {
                <label class="check">
                    <input type="checkbox" name=format!("draft[columns][{i}]") value=key checked=checked data-testid=format!("col-{key}") />
                    {move || column_label(i18n, key)}
                </label>
            }
        })
        .collect_view();
    let group_options = GroupBy::ALL
        .iter()
        .map(|g| {
            let key = g.as_str();
            view! { <option value=key selected=d.group_by == key>{move || column_label(i18n, key)}</option> }
        })
        .collect_view();
    let period_options = PeriodKind::ALL
        .iter()
        .map(|k| view! { <option value=k.as_str() selected=d.period == k.as_str()>{move || kind_label(i18n, *k)}</option> })
        .collect_view();
    let status_options = crate::domain::customer::CustomerStatus::ALL
        .iter()
        .map(|s| view! { <option value=s.as_str() selected=d.status == s.as_str()>{move || status_label(i18n, *s)}</option> })
        .collect_view();
    let (region, rep, grade) = (d.region.clone(), d.rep.clone(), d.grade.clone());
    let filters = move || {
        let (region, rep, grade) = (region.clone(), rep.clone(), grade.clone());
        Suspend::new(async move {
            let c = choices.await.unwrap_or_default();
            let regions = c
                .regions
                .into_iter()
                .map(|r| {
                    let sel = r == region;
                    view! { <option value=r.clone() selected=sel>{r.clone()}</option> }
                })
                .collect_view();
            let reps = c
                .reps
                .into_iter()
                .map(|(u, n)| {
                    let sel = u == rep;
                    view! { <option value=u selected=sel>{n}</option> }
                })
                .collect_view();
            let grades = ["A", "B", "C", "D", "-"].map(|g| view! { <option value=g selected=grade == g>{if g == "-" { t_string!(i18n, cockpit.ungraded).to_string() } else { g.to_string() }}</option> });
            view! {
                <label class="field">
                    <span>{t!(i18n, cockpit.region)}</span>
                    <select name="draft[region]" data-testid="tpl-region"><option value="">{t!(i18n, report.any)}</option>{regions}</select>
                </label>
                <label class="field">
                    <span>{t!(i18n, cockpit.rep)}</span>
                    <select name="draft[rep]" data-testid="tpl-rep"><option value="">{t!(i18n, report.any)}</option>{reps}</select>
                </label>
                <label class="field">
                    <span>{t!(i18n, cockpit.grade)}</span>
                    <select name="draft[grade]" data-testid="tpl-grade"><option value="">{t!(i18n, report.any)}</option>{grades}</select>
                </label>
            }
        })
    };
    let saved_id = move || save.value().get().and_then(|r| r.ok());
    let error = move || save.value().get().and_then(|r| r.err());
    view! {
        <ActionForm action=save attr:class="card stack template-form" attr:data-testid="template-form">
            <h2>{if id.is_some() { t!(i18n, report.template_edit).into_any() } else { t!(i18n, report.template_new).into_any() }}</h2>
            {id.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
            <label class="field">
                <span>{t!(i18n, report.name)}</span>
                <input type="text" name="draft[name]" value=d.name.clone() maxlength="60" required data-testid="tpl-name" />
            </label>
            <fieldset class="field">
                <legend>{t!(i18n, report.columns)}</legend>
                <div class="check-grid">{columns}</div>
            </fieldset>
            <fieldset class="field">
                <legend>{t!(i18n, report.filters)}</legend>
                <div class="form-grid">
                    <Transition fallback=|| ()>{filters}</Transition>
                    <label class="field">
                        <span>{t!(i18n, report.status)}</span>
                        <select name="draft[status]" data-testid="tpl-status"><option value="">{t!(i18n, report.any)}</option>{status_options}</select>
                    </label>
                    <label class="field">
                        <span>{t!(i18n, report.min_days)}</span>
                        <input type="number" name="draft[min_days_past_due]" min="1" max="3650" inputmode="numeric" value=d.min_days_past_due.clone() data-testid="tpl-min-days" />
                    </label>
                </div>
            </fieldset>
            <div class="form-grid">
                <label class="field">
                    <span>{t!(i18n, report.group_by)}</span>
                    <select name="draft[group_by]" data-testid="tpl-group"><option value="">{t!(i18n, report.no_group)}</option>{group_options}</select>
                </label>
                <label class="field">
                    <span>{t!(i18n, report.period_kind)}</span>
                    <select name="draft[period]" data-testid="tpl-period">{period_options}</select>
                </label>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn" data-testid="tpl-save">{t!(i18n, report.save)}</button>
                {move || saved_id().map(|id| view! {
                    <span class="notice notice-ok" data-testid="tpl-saved">{t!(i18n, report.saved)} " " <a href=format!("/reports/templates/{id}")>{t!(i18n, report.run)}</a></span>
                })}
            </div>
            {move || error().map(|error| view! { <div data-testid="tpl-error"><ErrorNotice error /></div> })}
        </ActionForm>
    }
}

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let save = ServerAction::<SaveReportTemplate>::new();
    let delete = ServerAction::<DeleteReportTemplate>::new();
    // Re-read after a successful save (a refused one keeps the form as typed) or a delete.
    let data = Resource::new(
        move || {
            (
                save.value().get().and_then(|r| r.ok()),
                delete.version().get(),
            )
        },
        |_| list_report_templates(),
    );
    let editing = move || query.read().get("edit").and_then(|s| s.parse::<i64>().ok());
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, report.templates_title)}</h1>
                <a href="/reports" class="btn btn-ghost head-link">{t!(i18n, report.credit_report_link)}</a>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let page = match data.await {
                        Ok(p) => p,
                        Err(error) => return view! { <ErrorNotice error /> }.into_any(),
                    };
                    let can = page.can_edit;
                    let edit = editing().and_then(|id| page.templates.iter().find(|t| t.id == id).cloned());
                    let rows = page
                        .templates
                        .iter()
                        .map(|t| {
                            let tp = &t.template;
                            let cols = tp.columns().iter().map(|c| c.as_str()).collect::<Vec<_>>();
                            let cols_label = move || cols.iter().map(|c| column_label(i18n, c)).collect::<Vec<_>>().join(", ");
                            let group = tp.group_by().map(|g| g.as_str());
                            let kind = tp.period();
                            let id = t.id;
                            view! {
                                <tr data-template=tp.name().to_string()>
                                    <td><a href=format!("/reports/templates/{id}") data-testid="tpl-run">{tp.name().to_string()}</a></td>
                                    <td>{move || kind_label(i18n, kind)}</td>
                                    <td>{move || group.map(|g| column_label(i18n, g)).unwrap_or_else(|| "—".into())}</td>
                                    <td class="small">{cols_label}</td>
                                    <td class="row-actions">
                                        <a class="btn btn-small" href=format!("/reports/templates/{id}")>{t!(i18n, report.run)}</a>
                                        {can.then(|| view! {
                                            <a class="btn btn-small btn-ghost" href=format!("/reports/templates?edit={id}")>{t!(i18n, report.edit)}</a>
                                            <ActionForm action=delete attr:class="inline-form">
                                                <input type="hidden" name="id" value=id.to_string() />
                                                <button type="submit" class="btn btn-small btn-ghost danger" data-testid="tpl-delete">{t!(i18n, report.delete)}</button>
                                            </ActionForm>
                                        })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view();
                    let empty = page.templates.is_empty();
                    view! {
                        <section class="card" data-testid="templates">
                            {empty.then(|| view! { <p class="muted">{t!(i18n, report.no_templates)}</p> })}
                            <div class="table-scroll" class:hidden=empty>
                                <table class="table compact">
                                    <thead><tr>
                                        <th>{t!(i18n, report.name)}</th>
                                        <th>{t!(i18n, report.period_kind)}</th>
                                        <th>{t!(i18n, report.group_by)}</th>
                                        <th>{t!(i18n, report.columns)}</th>
                                        <th></th>
                                    </tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                        </section>
                        {if can {
                            view! { <TemplateForm editing=edit save /> }.into_any()
                        } else {
                            view! { <p class="muted">{t!(i18n, report.only_finance)}</p> }.into_any()
                        }}
                    }
                    .into_any()
                })}
            </Transition>
        </div>
    }
}

#[component]
pub fn TemplateRunPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let args = move || {
        let id = params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0);
        let period = query.read().get("period").filter(|s| !s.is_empty());
        (id, period)
    };
    let data = Resource::new(args, |(id, period)| run_report_template(id, period));
    view! {
        <div class="page">
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let p = match data.await {
                        Ok(p) => p,
                        Err(error) => return view! { <a href="/reports/templates">{t!(i18n, report.back)}</a> <ErrorNotice error /> }.into_any(),
                    };
                    let id = p.template.id;
                    let kind = p.template.template.period();
                    let choices = vec![(kind, p.periods.clone())];
                    let headers = p.headers.clone();
                    let nums: Vec<bool> = headers.iter().map(|h| Column::parse(h).is_some_and(|c| c.is_summable()) || h == "customers").collect();
                    let head = headers.iter().zip(nums.iter()).map(|(h, n)| { let h = h.clone(); view! { <th class:num=*n>{move || column_label(i18n, &h)}</th> } }).collect_view();
                    let cell_row = |r: Vec<String>, nums: Vec<bool>| r.into_iter().zip(nums).map(|(v, n)| view! { <td class:num=n>{v}</td> }).collect_view();
                    let rows = p.rows.iter().map(|r| view! { <tr>{cell_row(r.clone(), nums.clone())}</tr> }).collect_view();
                    // The files say TOTAL; the page says it in the reader's language.
                    let total_cells: Vec<String> = p.total.iter().map(|v| if v == "TOTAL" { t_string!(i18n, report.total).to_string() } else { v.clone() }).collect();
                    let total = view! { <tr class="total-row" data-testid="tpl-total">{cell_row(total_cells, nums.clone())}</tr> };
                    let name = p.template.template.name().to_string();
                    let period = p.period.clone();
                    let picked = period.clone();
                    let (csv, xlsx) = {
                        let file = |ext: &str| format!("/export/custom/{id}/{}.{ext}?period={period}", enc(&name.replace(['/', '\\', '"'], "-")));
                        (file("csv"), file("xlsx"))
                    };
                    view! {
                        <header class="page-head">
                            <h1 data-testid="tpl-title">{name.clone()}</h1>
                            <a href="/reports/templates" class="btn btn-ghost head-link">{t!(i18n, report.back)}</a>
                            <Form method="GET" action="" attr:class="as-of-form">
                                <PeriodSelect choices=choices.clone() selected=picked.clone() />
                                <button type="submit" class="btn">{t!(i18n, report.show)}</button>
                            </Form>
                        </header>
                        <section class="card" data-testid="tpl-result" data-rows=p.row_count.to_string()>
                            <div class="card-head">
                                <p class="muted">
                                    {move || kind_label(i18n, kind)} " " {period.clone()} " · " {t!(i18n, report.as_of)} " " {p.as_of.to_string()}
                                    " · " {t!(i18n, report.rows)} " " <span data-testid="tpl-row-count">{p.row_count}</span>
                                </p>
                                <div class="report-actions">
                                    <a class="btn btn-ghost" href=csv data-testid="tpl-csv" download>{t!(i18n, report.download_csv)}</a>
                                    <a class="btn" href=xlsx data-testid="tpl-xlsx" download>{t!(i18n, report.download_xlsx)}</a>
                                </div>
                            </div>
                            <div class="table-scroll">
                                <table class="table compact nowrap-cells" data-testid="tpl-table">
                                    <thead><tr>{head}</tr></thead>
                                    <tbody>{rows}{total}</tbody>
                                </table>
                            </div>
                            {(p.row_count as usize > p.rows.len()).then(|| view! { <p class="muted small">{t!(i18n, report.rows_note)}</p> })}
                        </section>
                    }
                    .into_any()
                })}
            </Transition>
        </div>
    }
}

/// The browser's print dialog (a handler, not an inline `onclick`: the CSP forbids those).
fn print_page() {
    if let Err(e) = window().print() {
        leptos::logging::warn!("print failed: {e:?}");
    }
}
