//! `/tasks/:id/dossier`: the legal dossier of the task's customer, for print (`@media
//! print` hides the app's chrome) and as an XLSX download (`/export/dossier/{id}.xlsx`,
//! served by the server). It lists the open invoices, the reminders sent, the promises,
//! the disputes and the whole collection log.
//!
//! Invariants: everything is the server's `get_dossier` answer as of its `today`, the
//! same figures the XLSX holds; every table has a `<tbody>`; the page is complete
//! without JavaScript (only the Print button needs it, and is hidden without it).
use super::{
    aging_band, aging_label, category_label, log_kind_label, log_line, money, promise_status_label,
    I18n,
};
use crate::api::collections::{get_dossier, get_task_page, Dossier};
use crate::domain::collections::LogEntry;
use crate::i18n::*;
use crate::ui::format::{status_label, ErrorNotice};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

fn log_table(i18n: I18n, log: &[LogEntry], testid: &'static str) -> AnyView {
    if log.is_empty() {
        return view! { <p class="muted small">{t!(i18n, collections.log_empty)}</p> }.into_any();
    }
    let rows = log
        .iter()
        .map(|e| {
            let kind = e.detail.kind();
            let detail = e.detail.clone();
            view! {
                <tr data-testid="dossier-log-row" data-kind=kind>
                    <td class="name-cell nowrap">{e.on.to_string()}" · "{move || log_kind_label(i18n, kind)}</td>
                    <td data-label=move || t_string!(i18n, collections.who)>{e.who.clone()}</td>
                    <td class="num" data-label=move || t_string!(i18n, collections.amount)>{e.amount.map(|m| m.display()).unwrap_or_default()}</td>
                    <td class="wrap" data-label=move || t_string!(i18n, collections.details)>{move || log_line(i18n, &detail)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table compact responsive dossier-table" data-testid=testid>
                <thead>
                    <tr>
                        <th>{t!(i18n, collections.date)}" · "{t!(i18n, collections.what)}</th>
                        <th>{t!(i18n, collections.who)}</th>
                        <th class="num">{t!(i18n, collections.amount)}</th>
                        <th>{t!(i18n, collections.details)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn dossier_view(i18n: I18n, d: Dossier, task_id: i64) -> AnyView {
    let c = &d.customer;
    let status = c.status;
    let total: i64 = d.invoices.iter().map(|i| i.invoice.open_minor).sum();
    let overdue: i64 = d
        .invoices
        .iter()
        .filter(|i| i.days_past_due > 0)
        .map(|i| i.invoice.open_minor)
        .sum();
    let invoices = d
        .invoices
        .iter()
        .map(|i| {
            let band = aging_band(i.days_past_due);
            let days = i.days_past_due;
            view! {
                <tr data-testid="dossier-invoice">
                    <td class="name-cell mono nowrap"><span><span class=format!("age-dot age-{band}")></span>{i.invoice.number.clone()}</span></td>
                    <td class="nowrap" data-label=move || t_string!(i18n, collections.due)>{i.invoice.due_date.to_string()}</td>
                    <td class="nowrap" data-label=move || t_string!(i18n, collections.aging)><span class=format!("age-text age-{band}")>{move || aging_label(i18n, days)}</span></td>
                    <td class="num" data-label=move || t_string!(i18n, collections.open_amount)>{money(i.invoice.open_minor).display()}</td>
                    <td>{i.disputed.then(|| view! { <span class="badge bad">{t!(i18n, collections.disputed)}</span> })}</td>
                </tr>
            }
        })
        .collect_view();
    let promises = d
        .promises
        .iter()
        .map(|p| {
            let s = p.status;
            view! {
                <tr data-testid="dossier-promise">
                    <td class="name-cell nowrap">{p.made_on.to_string()}" · "{p.amount.display()}</td>
                    <td class="nowrap" data-label=move || t_string!(i18n, collections.promise_date)>{p.due_on.to_string()}</td>
                    <td class="nowrap" data-label=move || t_string!(i18n, collections.status)>{move || promise_status_label(i18n, s)}{p.settled_on.map(|d| format!(" ({d})"))}</td>
                    <td class="mono wrap" data-label=move || t_string!(i18n, collections.invoices)>{p.invoices.join(", ")}</td>
                    <td data-label=move || t_string!(i18n, collections.who)>{p.by.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let disputes = d
        .disputes
        .iter()
        .map(|x| {
            let cat = x.category;
            view! {
                <tr data-testid="dossier-dispute">
                    <td class="name-cell nowrap">{x.opened_on.to_string()}" · "{move || category_label(i18n, cat)}</td>
                    <td class="wrap" data-label=move || t_string!(i18n, collections.reason)>{x.reason.clone()}</td>
                    <td class="mono wrap" data-label=move || t_string!(i18n, collections.invoices)>{x.invoices.join(", ")}</td>
                    <td class="wrap" data-label=move || t_string!(i18n, collections.resolution)>{x.resolved_on.map(|r| format!("{r}: {}", x.resolution.clone().unwrap_or_default())).unwrap_or_else(|| "—".into())}</td>
                </tr>
            }
        })
        .collect_view();
    let reminders: Vec<LogEntry> = d
        .log
        .iter()
        .filter(|e| e.detail.kind() == "reminder")
        .cloned()
        .collect();
    let xlsx = format!("/export/dossier/{}.xlsx", c.id);
    view! {
        <header class="page-head dossier-head">
            <div>
                <A href=format!("/tasks/{task_id}") attr:class="back no-print">{t!(i18n, collections.back_to_task)}</A>
                <h1 data-testid="dossier-title">{t!(i18n, collections.dossier_title, name = c.name.clone())}</h1>
                <p class="muted small">{t!(i18n, collections.as_of, date = d.today.to_string())}</p>
            </div>
            <div class="head-actions no-print">
                <button type="button" class="btn js-only" on:click=move |_| {
                    #[cfg(feature = "hydrate")]
                    if let Some(w) = web_sys::window() {
                        let _ = w.print();
                    }
                } data-testid="print">{t!(i18n, collections.print)}</button>
                <a class="btn btn-primary" href=xlsx rel="external" download="" data-testid="dossier-xlsx">{t!(i18n, collections.download_xlsx)}</a>
            </div>
        </header>
        <section class="card">
            <dl class="facts dossier-facts">
                <div class="wide"><dt>{t!(i18n, collections.customer)}</dt><dd>{c.name.clone()}" "<span class="mono small">{c.code.as_str().to_string()}</span></dd></div>
                <div><dt>{t!(i18n, collections.uscc)}</dt><dd class="mono">{c.uscc.as_ref().map(|u| u.as_str().to_string()).unwrap_or_else(|| "—".into())}</dd></div>
                <div><dt>{t!(i18n, collections.status)}</dt><dd>{move || status_label(i18n, status)}" · "{c.grade.map(|g| g.as_str()).unwrap_or("-")}</dd></div>
                <div><dt>{t!(i18n, collections.rep)}</dt><dd>{c.sales_rep.clone().unwrap_or_else(|| "—".into())}</dd></div>
                <div class="wide"><dt>{t!(i18n, collections.contact)}</dt><dd>{format!("{} {} {}", c.contact.name, c.contact.phone, c.contact.email)}</dd></div>
                <div class="wide"><dt>{t!(i18n, collections.open_total)}</dt><dd class="num strong">{money(total).display()}" · "<span class="text-red">{t!(i18n, collections.overdue_amount, amount = money(overdue).display())}</span></dd></div>
            </dl>
        </section>
        <section class="card">
            <h2>{t!(i18n, collections.open_invoices)}</h2>
            <div class="table-wrap">
                <table class="table compact responsive dossier-table" data-testid="dossier-invoices">
                    <thead><tr>
                        <th>{t!(i18n, collections.invoice)}</th>
                        <th>{t!(i18n, collections.due)}</th>
                        <th>{t!(i18n, collections.aging)}</th>
                        <th class="num">{t!(i18n, collections.open_amount)}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>{invoices}</tbody>
                    <tfoot><tr class="total-row"><td colspan="3">{t!(i18n, collections.total)}</td><td class="num" data-testid="dossier-total">{money(total).display()}</td><td></td></tr></tfoot>
                </table>
            </div>
        </section>
        <section class="card">
            <h2>{t!(i18n, collections.reminders)}</h2>
            {log_table(i18n, &reminders, "dossier-reminders")}
        </section>
        <section class="card">
            <h2>{t!(i18n, collections.promises)}</h2>
            {if d.promises.is_empty() {
                view! { <p class="muted small">{t!(i18n, collections.no_promises)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table compact responsive dossier-table" data-testid="dossier-promises">
                            <thead><tr>
                                <th>{t!(i18n, collections.made_on)}" · "{t!(i18n, collections.amount)}</th>
                                <th>{t!(i18n, collections.promise_date)}</th>
                                <th>{t!(i18n, collections.status)}</th>
                                <th>{t!(i18n, collections.invoices)}</th>
                                <th>{t!(i18n, collections.who)}</th>
                            </tr></thead>
                            <tbody>{promises}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{t!(i18n, collections.disputes)}</h2>
            {if d.disputes.is_empty() {
                view! { <p class="muted small">{t!(i18n, collections.no_disputes)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table compact responsive dossier-table" data-testid="dossier-disputes">
                            <thead><tr>
                                <th>{t!(i18n, collections.opened_on)}" · "{t!(i18n, collections.category)}</th>
                                <th>{t!(i18n, collections.reason)}</th>
                                <th>{t!(i18n, collections.invoices)}</th>
                                <th>{t!(i18n, collections.resolution)}</th>
                            </tr></thead>
                            <tbody>{disputes}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{t!(i18n, collections.log_title)}</h2>
            {log_table(i18n, &d.log, "dossier-log")}
        </section>
    }
    .into_any()
}

/// `/tasks/:id/dossier`: the task's customer's dossier.
#[component]
pub fn DossierPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let dossier = Resource::new(id, |id| async move {
        let page = get_task_page(id).await?;
        get_dossier(page.customer.id).await
    });
    view! {
        <div class="page dossier-page">
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match dossier.await {
                        Ok(d) => dossier_view(i18n, d, id()),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
