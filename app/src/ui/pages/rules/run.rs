//! `/rules/runs/:id`: one run — when, how long, how many — then each firing with what
//! it did and, per message, where it went, where it stands and every delivery attempt.
use super::duration;
use super::labels::{self, I18n};
use crate::api::rules::{rule_run_detail, RunDetail, RUN_FIRINGS};
use crate::i18n::*;
use crate::records::{DeliveryAttempt, FiringView, OutboxMessage};
use crate::ui::format::{when, ErrorNotice};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

fn status_class(s: &str) -> &'static str {
    match s {
        "sent" => "badge st-approved",
        "dead" => "badge st-rejected",
        _ => "badge st-pending",
    }
}

fn message_view(i18n: I18n, m: OutboxMessage, attempts: Vec<DeliveryAttempt>) -> impl IntoView {
    let id = m.id;
    let (status, channel) = (m.status.clone(), m.channel.clone());
    let next = (m.status == "pending").then(|| when(m.next_attempt_at));
    let n_attempts = attempts.len();
    let log = attempts
        .into_iter()
        .map(|a| {
            let outcome = a.outcome.clone();
            view! {
                <li class=format!("attempt attempt-{}", a.outcome)>
                    <span class="mono small">"#"{a.attempt}</span>
                    <span class="small nowrap">{when(a.at)}</span>
                    <span class="strong small">{move || labels::attempt_outcome(i18n, &outcome)}</span>
                    <span class="small attempt-detail">{a.detail}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="message" data-testid=format!("message-{id}")>
            <div class="message-head">
                <span class="chip">{move || labels::channel(i18n, &channel)}</span>
                <span class="mono small message-dest">{m.destination.clone()}</span>
                <span class=status_class(&m.status) data-testid="message-status">{move || labels::message_status(i18n, &status)}</span>
            </div>
            <div class="message-facts small muted">
                <span>{move || t_string!(i18n, rules.attempts_n, n = m.attempts).to_string()}</span>
                {m.sent_at.map(|t| view! { <span>{move || t_string!(i18n, rules.sent_at, at = when(t)).to_string()}</span> })}
                {next.map(|t| view! { <span>{move || t_string!(i18n, rules.next_attempt, at = t.clone()).to_string()}</span> })}
            </div>
            {m.last_error.map(|e| view! { <p class="message-error small" data-testid="message-error">{e}</p> })}
            {(n_attempts > 0).then(|| view! {
                <details class="delivery-log">
                    <summary class="small">{t!(i18n, rules.delivery_log)}</summary>
                    <ul class="attempts">{log}</ul>
                </details>
            })}
        </div>
    }
}

fn firing_row(i18n: I18n, f: FiringView) -> impl IntoView {
    let target = match (f.customer_id, f.customer_name) {
        (Some(id), Some(name)) => {
            view! { <A href=format!("/customers/{id}")>{name}</A> }.into_any()
        }
        (_, Some(name)) => name.into_any(),
        _ => view! { <span>{t!(i18n, rules.portfolio)}</span> }.into_any(),
    };
    let actions = f
        .actions
        .into_iter()
        .map(|a| view! { <li>{a}</li> })
        .collect_view();
    let has_messages = !f.messages.is_empty();
    let messages = f
        .messages
        .into_iter()
        .map(|(m, a)| message_view(i18n, m, a))
        .collect_view();
    view! {
        <tr data-testid=format!("firing-{}", f.id)>
            <td class="name-cell">
                {target}
                {f.invoice_number.map(|n| view! { <span class="mono small muted target-invoice">{n}</span> })}
            </td>
            <td class="num" data-label=move || t_string!(i18n, rules.col_overdue)>{f.overdue.display()}</td>
            <td class="actions-cell" data-label=move || t_string!(i18n, rules.col_actions)><ul class="done-actions">{actions}</ul></td>
            <td class="messages-cell" data-label=move || t_string!(i18n, rules.col_messages)>
                {if has_messages { messages.into_any() } else { view! { <span class="muted small">{t!(i18n, rules.no_messages)}</span> }.into_any() }}
            </td>
        </tr>
    }
}

fn run_view(i18n: I18n, d: RunDetail) -> impl IntoView {
    let RunDetail {
        run,
        firings,
        truncated,
    } = d;
    let dur = duration(&run);
    let source = run.source.clone();
    let finished = run.finished_at.map(when);
    let empty = firings.is_empty();
    let rows = firings
        .into_iter()
        .map(|f| firing_row(i18n, f))
        .collect_view();
    let fact = |label: String, value: String, testid: &'static str| {
        view! { <div><dt>{label}</dt><dd data-testid=testid>{value}</dd></div> }
    };
    let rule_link = view! { <A href=format!("/rules/{}", run.rule_id)>{run.rule_name.clone()}</A> };
    view! {
        <header class="page-head">
            <div>
                <A href="/rules" attr:class="back">{"← "}{t!(i18n, rules.back)}</A>
                <h1 data-testid="run-title">{move || t_string!(i18n, rules.run_title, id = run.id).to_string()}</h1>
                <div class="chips"><span class="chip">{rule_link}</span><span class="chip">{run.run_date.to_string()}</span></div>
            </div>
        </header>
        <section class="card" data-testid="run-facts">
            <dl class="facts run-facts">
                {move || fact(t_string!(i18n, rules.source).to_string(), labels::source(i18n, &source), "run-source")}
                {fact(t_string!(i18n, rules.col_started).to_string(), when(run.started_at), "run-started")}
                {move || fact(t_string!(i18n, rules.finished).to_string(), finished.clone().unwrap_or_else(|| t_string!(i18n, rules.running).to_string()), "run-finished")}
                {fact(t_string!(i18n, rules.col_duration).to_string(), dur.clone(), "run-duration")}
                {fact(t_string!(i18n, rules.col_evaluated).to_string(), run.evaluated.to_string(), "run-evaluated")}
                {fact(t_string!(i18n, rules.col_firings).to_string(), run.firings.to_string(), "run-firing-count")}
                {fact(t_string!(i18n, rules.col_failures).to_string(), run.failures.to_string(), "run-failures")}
                {move || fact(
                    t_string!(i18n, rules.col_messages).to_string(),
                    t_string!(i18n, rules.messages_summary, sent = run.messages_sent, pending = run.messages_pending, dead = run.messages_dead).to_string(),
                    "run-messages",
                )}
            </dl>
        </section>
        <section class="card" data-testid="run-firings">
            <h2>{t!(i18n, rules.firings_title)}</h2>
            {if empty {
                view! { <p class="empty">{t!(i18n, rules.no_firings)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table compact responsive firings-table" data-testid="firings-table">
                            <thead>
                                <tr>
                                    <th>{t!(i18n, rules.col_target)}</th>
                                    <th class="num">{t!(i18n, rules.col_overdue)}</th>
                                    <th>{t!(i18n, rules.col_actions)}</th>
                                    <th>{t!(i18n, rules.col_messages)}</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {truncated.then(|| view! { <p class="muted small">{move || t_string!(i18n, rules.firings_truncated, n = RUN_FIRINGS).to_string()}</p> })}
        </section>
    }
}

#[component]
pub fn RunPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(id, rule_run_detail);
    view! {
        <div class="page rules-page">
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => run_view(i18n, d).into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
