//! `/tasks/:id`: one task, worked on a phone. The customer and the task at the top with
//! one-tap call and e-mail, the rep's forms (queued, so they work offline), the pending
//! writes, the open invoices in their aging colours, the score's parts, promises,
//! disputes, the task's actions, and the customer's collection log.
//!
//! Invariants, and why they hold:
//! - The page's data is one `get_task_page` answer (offline: the copy `offline` kept),
//!   refetched after every sync (the queue's `synced` counter is part of the resource's
//!   source) and after every action, so the log always shows what the server holds; the
//!   forms keep their state across the refetch (`forms::Forms`).
//! - The score shown is the server's, with its parts: the parts' points add up to it
//!   (`collections::priority`), and each part shows its input, weight and share.
//! - On a phone the sections stack in working order (CSS `order`); on a desktop they sit
//!   in two columns. Nothing is wider than the screen.
use super::forms::{FinishActions, Forms, ResolveForm, WorkForms};
use super::queue::{use_queue, PendingList};
use super::{
    aging_band, aging_label, category_label, exact, factor_label, kind_label, label_label,
    log_icon, log_kind_label, log_line, money, part_input, points, pool_label,
    promise_status_label, task_status_label, I18n,
};
use crate::api::collections::{InvoiceDue, TaskPage as Page};
use crate::domain::collections::{Assignee, DisputeRow, LogEntry, PromiseRow, TaskRow, TaskStatus};
use crate::i18n::*;
use crate::ui::format::{status_label, ErrorNotice};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

pub(crate) fn assignee_text(i18n: I18n, row: &TaskRow) -> String {
    match row.assignee {
        Some(Assignee::Role(r)) => pool_label(i18n, r),
        Some(Assignee::User(_)) => row.assignee_name.clone(),
        None => t_string!(i18n, collections.unassigned).to_string(),
    }
}

/// "Due today", "3 days overdue" or "Due 2026-03-09".
pub(crate) fn due_text(
    i18n: I18n,
    row: &TaskRow,
    today: chrono::NaiveDate,
) -> (String, &'static str) {
    let late = (today - row.due_on).num_days();
    if late == 0 {
        (
            t_string!(i18n, collections.due_today).to_string(),
            "due-today",
        )
    } else if late > 0 {
        (
            t_string!(i18n, collections.task_late, n = late).to_string(),
            "due-late",
        )
    } else {
        (
            t_string!(i18n, collections.due_on, date = row.due_on.to_string()).to_string(),
            "due-later",
        )
    }
}

fn summary_card(i18n: I18n, p: Page) -> AnyView {
    let c = p.customer;
    let t = p.task;
    let phone: String = c
        .contact
        .phone
        .chars()
        .filter(|ch| ch.is_ascii_digit() || *ch == '+')
        .collect();
    let email = c.contact.email.trim().to_string();
    let due_class = due_text(i18n, &t, p.today).1;
    let (row, today) = (t.clone(), p.today);
    let due = move || due_text(i18n, &row, today).0;
    let row = t.clone();
    let assignee = move || assignee_text(i18n, &row);
    let grade = c
        .grade
        .map(|g| g.as_str().to_string())
        .unwrap_or_else(|| "-".into());
    let status = c.status;
    let task_status = t.status;
    let kind = t.kind;
    let label = t.label;
    let contact_name = c.contact.name.clone();
    let call = (!phone.is_empty()).then(|| {
        let shown = c.contact.phone.clone();
        view! {
            <a class="btn btn-primary contact-btn" href=format!("tel:{phone}") data-testid="call-btn">
                <span aria-hidden="true">"☎"</span>
                <span>{t!(i18n, collections.call)}" "<span class="mono">{shown}</span></span>
            </a>
        }
    });
    let mail = (!email.is_empty()).then(|| {
        view! {
            <a class="btn contact-btn" href=format!("mailto:{email}") data-testid="mail-btn">
                <span aria-hidden="true">"✉"</span>
                <span>{t!(i18n, collections.email)}</span>
            </a>
        }
    });
    view! {
        <section class="card task-summary" data-testid="task-summary">
            <div class="summary-top">
                <div class="summary-who">
                    <h1 data-testid="task-customer"><A href=format!("/customers/{}", c.id)>{c.name.clone()}</A></h1>
                    <div class="chips">
                        <span class="mono small">{c.code.as_str().to_string()}</span>
                        <span class=format!("grade grade-{grade}")>{grade.clone()}</span>
                        <span class=format!("badge status-{}", status.as_str())>{move || status_label(i18n, status)}</span>
                        {c.sales_rep.clone().map(|r| view! { <span class="chip">{t!(i18n, collections.rep)}": "{r}</span> })}
                    </div>
                </div>
                <div class="score-pill" data-testid="task-score" title=move || t_string!(i18n, collections.score)>
                    <span class="score-num">{points(t.priority.score)}</span>
                    <span class="score-cap">{t!(i18n, collections.score)}</span>
                </div>
            </div>
            <p class="task-line">
                <span class="strong">{move || kind_label(i18n, kind)}</span>
                <span class=format!("badge label-{}", label.as_str())>{move || label_label(i18n, label)}</span>
                <span class=due_class>{due}</span>
                <span class="muted">{t!(i18n, collections.assigned_to)}" "{assignee}</span>
                {(task_status != TaskStatus::Open).then(|| view! {
                    <span class="badge chip" data-testid="task-status">{move || task_status_label(i18n, task_status)}</span>
                })}
            </p>
            {(!t.note.is_empty()).then(|| view! { <p class="task-note small">{t.note.clone()}</p> })}
            {t.closed_note.clone().filter(|n| !n.is_empty()).map(|n| view! { <p class="task-note small muted">{n}</p> })}
            <div class="contact-line">
                <span class="muted small">{t!(i18n, collections.contact)}": "{contact_name}</span>
                <div class="contact-buttons">{call}{mail}</div>
            </div>
        </section>
    }
    .into_any()
}

fn invoices_card(i18n: I18n, invoices: &[InvoiceDue]) -> AnyView {
    let open: i64 = invoices.iter().map(|i| i.invoice.open_minor).sum();
    let overdue: i64 = invoices
        .iter()
        .filter(|i| i.days_past_due > 0)
        .map(|i| i.invoice.open_minor)
        .sum();
    let rows = invoices
        .iter()
        .map(|i| {
            let band = aging_band(i.days_past_due);
            let days = i.days_past_due;
            let number = i.invoice.number.clone();
            let number_attr = number.clone();
            view! {
                <li class=format!("inv age-{band}") data-testid="invoice" data-number=number_attr data-band=band>
                    <span class="inv-no mono">{number}</span>
                    <span class="inv-amt num">{money(i.invoice.open_minor).display()}</span>
                    <span class="inv-due small">
                        <span class="muted">{t!(i18n, collections.due)}" "{i.invoice.due_date.to_string()}</span>
                        <span class=format!("age-text age-{band}")>{move || aging_label(i18n, days)}</span>
                    </span>
                    {i.disputed.then(|| view! { <span class="badge bad" data-testid="invoice-disputed">{t!(i18n, collections.disputed)}</span> })}
                </li>
            }
        })
        .collect_view();
    let legend = [0usize, 1, 2, 3, 4]
        .map(|b| {
            let text = move || match b {
                0 => t_string!(i18n, collections.not_due).to_string(),
                1 => "1–30".to_string(),
                2 => "31–60".to_string(),
                3 => "61–90".to_string(),
                _ => "90+".to_string(),
            };
            view! { <span class="legend-item"><span class=format!("age-dot age-{b}")></span>{text}</span> }
        })
        .into_iter()
        .collect_view();
    view! {
        <section class="card invoices-card" data-testid="invoices-card">
            <div class="section-head">
                <h2>{t!(i18n, collections.open_invoices)}</h2>
                <span class="small muted">
                    {t!(i18n, collections.open_total)}" "<strong class="num">{money(open).display()}</strong>
                    " · "{t!(i18n, collections.overdue_total)}" "<strong class="num text-red">{money(overdue).display()}</strong>
                </span>
            </div>
            {if invoices.is_empty() {
                view! { <p class="empty">{t!(i18n, collections.no_open_invoices)}</p> }.into_any()
            } else {
                view! { <ul class="inv-list" data-testid="invoice-list">{rows}</ul> }.into_any()
            }}
            <div class="aging-legend small muted">{legend}</div>
        </section>
    }
    .into_any()
}

fn score_card(i18n: I18n, t: &TaskRow) -> AnyView {
    let rows = t
        .priority
        .parts
        .iter()
        .map(|part| {
            let factor = part.factor;
            let input = part.input.clone();
            let share = format!("{:.0}%", (part.fraction * rust_decimal::Decimal::from(100)).round_dp(0));
            view! {
                <tr data-testid=format!("part-{}", factor.as_str())>
                    <td>
                        <span class="strong">{move || factor_label(i18n, factor)}</span>
                        <span class="part-input muted small">{move || part_input(i18n, factor, &input)}</span>
                    </td>
                    <td class="num">{share}</td>
                    <td class="num">{points(part.weight)}</td>
                    <td class="num strong" data-testid="part-points">{exact(part.points)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card score-card" data-testid="score-card">
            <h2>{t!(i18n, collections.score_title)}</h2>
            <p class="muted small">{t!(i18n, collections.score_hint)}</p>
            <table class="table compact score-table" data-testid="score-table">
                <thead>
                    <tr>
                        <th>{t!(i18n, collections.factor)}</th>
                        <th class="num">{t!(i18n, collections.share)}</th>
                        <th class="num">{t!(i18n, collections.weight)}</th>
                        <th class="num">{t!(i18n, collections.points)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr class="total-row">
                        <td colspan="3">{t!(i18n, collections.score)}</td>
                        <td class="num" data-testid="score-total">{exact(t.priority.score)}</td>
                    </tr>
                </tfoot>
            </table>
        </section>
    }
    .into_any()
}

pub(crate) fn promise_items(i18n: I18n, promises: &[PromiseRow]) -> AnyView {
    if promises.is_empty() {
        return view! { <p class="muted small">{t!(i18n, collections.no_promises)}</p> }.into_any();
    }
    promises
        .iter()
        .map(|p| {
            let status = p.status;
            let deadline = p.due_on + chrono::Duration::days(p.grace_days.max(0));
            view! {
                <li class="promise" data-testid="promise" data-status=status.as_str()>
                    <div class="item-head">
                        <strong class="num">{p.amount.display()}</strong>
                        <span class=format!("badge ps-{}", status.as_str())>{move || promise_status_label(i18n, status)}</span>
                    </div>
                    <p class="small">
                        {t!(i18n, collections.promised_by, date = p.due_on.to_string())}
                        " · "<span class="muted">{t!(i18n, collections.deadline, date = deadline.to_string())}</span>
                    </p>
                    <p class="small muted">
                        <span class="mono">{p.invoices.join(", ")}</span>
                        " · "{p.made_on.to_string()}" · "{p.by.clone()}
                        {p.settled_on.map(|d| format!(" · {d}"))}
                    </p>
                </li>
            }
        })
        .collect_view()
        .into_any()
}

pub(crate) fn dispute_items(
    i18n: I18n,
    disputes: &[DisputeRow],
    manage: Option<RwSignal<u64>>,
) -> AnyView {
    if disputes.is_empty() {
        return view! { <p class="muted small">{t!(i18n, collections.no_disputes)}</p> }.into_any();
    }
    disputes
        .iter()
        .map(|d| {
            let cat = d.category;
            let open = d.resolved_on.is_none();
            let id = d.id;
            view! {
                <li class="dispute" data-testid="dispute" data-open=open.to_string()>
                    <div class="item-head">
                        <strong>{move || category_label(i18n, cat)}</strong>
                        {if open {
                            view! { <span class="badge bad">{t!(i18n, collections.dispute_open)}</span> }.into_any()
                        } else {
                            view! { <span class="badge status-normal">{t!(i18n, collections.dispute_resolved)}</span> }.into_any()
                        }}
                    </div>
                    <p class="small">{d.reason.clone()}</p>
                    <p class="small muted">
                        <span class="mono">{d.invoices.join(", ")}</span>" · "{d.opened_on.to_string()}" · "{d.by.clone()}
                    </p>
                    {d.resolved_on.map(|r| view! { <p class="small">{t!(i18n, collections.resolved_on, date = r.to_string())}": "{d.resolution.clone().unwrap_or_default()}</p> })}
                    {manage.filter(|_| open).map(|reload| view! { <ResolveForm dispute_id=id reload /> })}
                </li>
            }
        })
        .collect_view()
        .into_any()
}

/// Log lines shown before "Show all": a phone page stays short; the dossier has them all.
const LOG_FIRST: usize = 20;

fn log_item(i18n: I18n, e: &LogEntry) -> impl IntoView {
    let kind = e.detail.kind();
    view! {
        <li class=format!("clog-item lk-{kind}") data-testid="log-entry" data-kind=kind>
            <span class="clog-icon" aria-hidden="true">{log_icon(kind)}</span>
            <div class="clog-body">
                <div class="clog-head">
                    <strong>{move || log_kind_label(i18n, kind)}</strong>
                    <span class="muted small">{if e.who.is_empty() { e.on.to_string() } else { format!("{} · {}", e.on, e.who) }}</span>
                    {e.amount.map(|m| view! { <span class="num clog-amt">{m.display()}</span> })}
                </div>
                {(!e.detail.text().is_empty()).then(|| {
                    let detail = e.detail.clone();
                    view! { <p class="clog-text">{move || log_line(i18n, &detail)}</p> }
                })}
            </div>
        </li>
    }
}

pub(crate) fn log_items(i18n: I18n, log: &[LogEntry]) -> AnyView {
    if log.is_empty() {
        return view! { <p class="muted small" data-testid="log-empty">{t!(i18n, collections.log_empty)}</p> }.into_any();
    }
    let first = log
        .iter()
        .take(LOG_FIRST)
        .map(|e| log_item(i18n, e))
        .collect_view();
    let rest = (log.len() > LOG_FIRST).then(|| {
        let n = log.len();
        let more = log
            .iter()
            .skip(LOG_FIRST)
            .map(|e| log_item(i18n, e))
            .collect_view();
        view! {
            <details class="log-more" data-testid="log-more">
                <summary>{t!(i18n, collections.log_more, n = n)}</summary>
                <ol class="clog">{more}</ol>
            </details>
        }
    });
    view! {
        <ol class="clog" data-testid="collection-log">{first}</ol>
        {rest}
    }
    .into_any()
}

/// A manager marks how much the customer matters (a factor of the score); the page
/// reloads with the new score.
#[component]
fn ImportanceForm(
    customer_id: i64,
    current: crate::domain::collections::Importance,
    reload: RwSignal<u64>,
) -> impl IntoView {
    use crate::domain::collections::{Factor, Importance};
    let i18n = use_i18n();
    let save = ServerAction::<crate::api::collections::SetCustomerImportance>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            reload.update(|n| *n += 1);
        }
    });
    let options = Importance::ALL
        .iter()
        .map(|i| {
            let key = i.as_str();
            view! { <option value=key selected=*i == current>{move || part_input(i18n, Factor::Importance, key)}</option> }
        })
        .collect_view();
    view! {
        <section class="card importance-card" data-testid="importance-form">
            <label class="field">
                <span>{move || factor_label(i18n, Factor::Importance)}</span>
                <select data-testid="importance" on:change=move |ev| {
                    save.dispatch(crate::api::collections::SetCustomerImportance { customer_id, importance: event_target_value(&ev) });
                }>{options}</select>
            </label>
            {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorNotice error /> })}
        </section>
    }
}

fn task_view(i18n: I18n, p: Page, forms: Forms, reload: RwSignal<u64>) -> AnyView {
    let id = p.task.id;
    let summary = summary_card(i18n, p.clone());
    let invoices = invoices_card(i18n, &p.invoices);
    let score = score_card(i18n, &p.task);
    let importance = p.may_manage.then(|| view! { <ImportanceForm customer_id=p.customer.id current=p.task.input.importance reload /> });
    let promises = promise_items(i18n, &p.promises);
    let disputes = dispute_items(i18n, &p.disputes, p.may_manage.then_some(reload));
    let log = log_items(i18n, &p.log);
    let work = view! { <WorkForms forms page=p.clone() /> }.into_any();
    let finish = view! { <FinishActions forms page=p.clone() reload /> }.into_any();
    view! {
        <A href="/tasks" attr:class="back" attr:data-testid="back-to-tasks">{t!(i18n, collections.back)}</A>
        <div class="task-layout">
            <div class="task-col">
                <div class="o-summary">{summary}</div>
                <div class="o-work">{work}</div>
                <div class="o-pending"><PendingList task_id=id /></div>
                <div class="o-finish">{finish}</div>
            </div>
            <div class="task-col">
                <div class="o-invoices">{invoices}</div>
                <div class="o-score">{score}{importance}</div>
                <section class="card o-promises" data-testid="promises-card">
                    <h2>{t!(i18n, collections.promises)}</h2>
                    <ul class="item-list">{promises}</ul>
                </section>
                <section class="card o-disputes" data-testid="disputes-card">
                    <h2>{t!(i18n, collections.disputes)}</h2>
                    <ul class="item-list">{disputes}</ul>
                </section>
                <section class="card o-log" data-testid="log-card">
                    <div class="section-head">
                        <h2>{t!(i18n, collections.log_title)}</h2>
                        <A href=format!("/tasks/{id}/dossier") attr:class="btn btn-small" attr:data-testid="dossier-link">{t!(i18n, collections.dossier)}</A>
                    </div>
                    {log}
                </section>
            </div>
        </div>
    }
    .into_any()
}

/// `/tasks/:id`.
#[component]
pub fn TaskPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let q = use_queue();
    let reload = RwSignal::new(0u64);
    let forms = Forms::new();
    // Another task opened in the same page: its forms start empty.
    Effect::new(move |prev: Option<i64>| {
        let cur = id();
        if prev.is_some_and(|p| p != cur) {
            forms.reset();
        }
        cur
    });
    let page = Resource::new(
        move || (id(), reload.get(), q.synced.get()),
        |(id, _, _)| super::offline::task_page(id),
    );
    view! {
        <div class="page task-page">
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => task_view(i18n, p, forms, reload),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
