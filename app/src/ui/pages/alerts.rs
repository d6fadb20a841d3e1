//! Portfolio alerts: finance's rules (editable by finance, read-only for others) with
//! the history of every episode, and each user's inbox with what the alerts told them.
//! Saving the rules evaluates them at once on the server, so the cockpit, the history
//! and the inbox change together.
use crate::api::alerts::{get_alert_settings, get_inbox, MarkRead, SaveAlertRules};
use crate::domain::alerts::{AlertEpisode, AlertKind, AlertRule};
use crate::domain::inbox::Topic;
use crate::i18n::*;
use crate::ui::format::ErrorNotice;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;
use rust_decimal::Decimal;

/// An inbox line's title or text, rendered in the reader's language.
type Text = Box<dyn Fn() -> String + Send + Sync>;

/// The alert's name in the reader's language.
pub fn alert_title(i18n: I18nContext<Locale>, kind: AlertKind) -> String {
    match kind {
        AlertKind::OverdueRate => t_string!(i18n, cockpit.alert_overdue_rate).to_string(),
        AlertKind::Concentration => t_string!(i18n, cockpit.alert_concentration).to_string(),
        AlertKind::Over90 => t_string!(i18n, cockpit.alert_over_90).to_string(),
        AlertKind::CollectionRate => t_string!(i18n, cockpit.alert_collection_rate).to_string(),
    }
}

/// "figure 25.3% · threshold 20% · C001"
fn figures(i18n: I18nContext<Locale>, e: &AlertEpisode) -> String {
    let subject = if e.subject.is_empty() {
        String::new()
    } else {
        format!(" · {}", e.subject)
    };
    format!(
        "{} {}% · {} {}%{subject}",
        t_string!(i18n, cockpit.figure),
        e.figure.round_dp(2),
        t_string!(i18n, cockpit.threshold),
        e.threshold
    )
}

#[component]
fn RuleRow(rule: AlertRule, edit: RwSignal<Vec<AlertRule>>, i: usize, can: bool) -> impl IntoView {
    let i18n = use_i18n();
    let kind = rule.kind;
    let set = move |f: Box<dyn Fn(&mut AlertRule)>| edit.update(|rules| f(&mut rules[i]));
    let direction = if kind.fires_above() { ">" } else { "<" };
    view! {
        <tr data-rule=kind.as_str()>
            <td>
                <label class="toggle">
                    <input
                        type="checkbox"
                        prop:checked=rule.enabled
                        disabled=!can
                        on:change=move |ev| { let on = event_target_checked(&ev); set(Box::new(move |r| r.enabled = on)) }
                        data-testid=format!("rule-enabled-{}", kind.as_str())
                    />
                    {move || alert_title(i18n, kind)}
                </label>
            </td>
            <td class="num">
                <span class="muted">{direction} " "</span>
                <input
                    class="input-narrow"
                    type="number"
                    inputmode="decimal"
                    step="0.01"
                    min="0.01"
                    max="100"
                    prop:value=rule.threshold.to_string()
                    disabled=!can
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        if let Ok(v) = text.trim().parse::<Decimal>() { set(Box::new(move |r| r.threshold = v)) }
                    }
                    data-testid=format!("rule-threshold-{}", kind.as_str())
                />
                " %"
            </td>
            <td class="num">
                {(kind == AlertKind::OverdueRate).then(|| view! {
                    <input
                        class="input-narrow"
                        type="number"
                        inputmode="numeric"
                        min="1"
                        max="12"
                        prop:value=rule.months.to_string()
                        disabled=!can
                        on:input=move |ev| {
                            if let Ok(v) = event_target_value(&ev).trim().parse::<u8>() { set(Box::new(move |r| r.months = v)) }
                        }
                        data-testid="rule-months"
                    />
                })}
            </td>
        </tr>
    }
}

#[component]
pub fn AlertsPage() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveAlertRules>::new();
    let data = Resource::new(move || save.version().get(), |_| get_alert_settings());
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, alerts.title)}</h1>
                <A href="/inbox" attr:class="btn">{t!(i18n, inbox.title)}</A>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let s = match data.await {
                        Ok(s) => s,
                        Err(error) => return view! { <ErrorNotice error /> }.into_any(),
                    };
                    let can = s.can_configure;
                    let edit = RwSignal::new(s.rules.clone());
                    let rows = s.rules.iter().cloned().enumerate().map(|(i, rule)| view! { <RuleRow rule edit i can /> }).collect_view();
                    let empty = s.history.is_empty();
                    let history = s
                        .history
                        .into_iter()
                        .map(|e| {
                            let kind = e.kind;
                            let text = { let e = e.clone(); move || figures(i18n, &e) };
                            let active = e.cleared_on.is_none();
                            view! {
                                <tr data-testid="alert-episode" data-kind=kind.as_str() data-active=active.to_string()>
                                    <td>
                                        <span class=if active { "pill red" } else { "pill green" }>
                                            {move || if active { t_string!(i18n, alerts.active).to_string() } else { t_string!(i18n, alerts.cleared).to_string() }}
                                        </span>
                                    </td>
                                    <td>{move || alert_title(i18n, kind)}<div class="muted small">{text}</div></td>
                                    <td class="nowrap"><A href=format!("/?as_of={}", e.raised_on)>{e.raised_on.to_string()}</A></td>
                                    <td class="nowrap">{e.cleared_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }
                        })
                        .collect_view();
                    let submit = move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        save.dispatch(SaveAlertRules { rules: edit.get_untracked() });
                    };
                    view! {
                        <form class="card" on:submit=submit data-testid="alert-rules">
                            <h2>{t!(i18n, alerts.rules)}</h2>
                            <p class="muted small">{t!(i18n, alerts.rules_hint)}</p>
                            <div class="table-scroll">
                                <table class="table compact">
                                    <thead><tr>
                                        <th>{t!(i18n, alerts.rule)}</th>
                                        <th class="num">{t!(i18n, cockpit.threshold)}</th>
                                        <th class="num">{t!(i18n, alerts.months)}</th>
                                    </tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                            {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorNotice error /> })}
                            {can.then(|| view! {
                                <div class="form-actions">
                                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get() data-testid="save-rules">
                                        {t!(i18n, alerts.save)}
                                    </button>
                                </div>
                            })}
                        </form>
                        <section class="card" data-testid="alert-history">
                            <h2>{t!(i18n, alerts.history)}</h2>
                            {empty.then(|| view! { <p class="muted">{t!(i18n, alerts.no_history)}</p> })}
                            <div class="table-scroll">
                                <table class="table compact">
                                    <thead><tr>
                                        <th>{t!(i18n, alerts.state)}</th>
                                        <th>{t!(i18n, alerts.rule)}</th>
                                        <th>{t!(i18n, alerts.raised_on)}</th>
                                        <th>{t!(i18n, alerts.cleared_on)}</th>
                                    </tr></thead>
                                    <tbody>{history}</tbody>
                                </table>
                            </div>
                        </section>
                    }
                    .into_any()
                })}
            </Transition>
        </div>
    }
}

#[component]
pub fn InboxPage() -> impl IntoView {
    let i18n = use_i18n();
    let mark = ServerAction::<MarkRead>::new();
    let data = Resource::new(move || mark.version().get(), |_| get_inbox());
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, inbox.title)}</h1>
                <button type="button" class="btn" on:click=move |_| { mark.dispatch(MarkRead { id: None }); } data-testid="mark-all-read">
                    {t!(i18n, inbox.mark_all)}
                </button>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let inbox = match data.await {
                        Ok(i) => i,
                        Err(error) => return view! { <ErrorNotice error /> }.into_any(),
                    };
                    if inbox.items.is_empty() {
                        return view! { <p class="card muted" data-testid="inbox-empty">{t!(i18n, inbox.empty)}</p> }.into_any();
                    }
                    let items = inbox
                        .items
                        .into_iter()
                        .map(|item| {
                            let (title, text): (Text, Text) = match item.topic {
                                Topic::Alert(e) => {
                                    let kind = e.kind;
                                    (Box::new(move || alert_title(i18n, kind)), Box::new(move || figures(i18n, &e)))
                                }
                                Topic::Approval { application_id, customer_name, event } => (
                                    Box::new(move || super::approvals::event_label(i18n, &event)),
                                    Box::new(move || format!("#{application_id} · {customer_name}")),
                                ),
                                Topic::Rule { rule_name, customer_name, invoice_number, .. } => {
                                    let text = customer_name.into_iter().chain(invoice_number).collect::<Vec<_>>().join(" · ");
                                    (Box::new(move || rule_name.clone()), Box::new(move || text.clone()))
                                }
                                Topic::Task { customer_name, kind, priority, .. } => (
                                    Box::new(move || format!("{} · {kind}", t_string!(i18n, rules.task_title))),
                                    Box::new(move || format!("{customer_name} · {priority}")),
                                ),
                            };
                            let id = item.id;
                            let when = item.created_at.with_timezone(&crate::domain::BUSINESS_TZ).format("%Y-%m-%d %H:%M").to_string();
                            view! {
                                <li class=if item.read { "inbox-item" } else { "inbox-item unread" } data-testid="inbox-item" data-read=item.read.to_string()>
                                    <div class="inbox-main">
                                        <strong>{title}</strong>
                                        <div class="small">{text}</div>
                                        <div class="muted small">{when}</div>
                                    </div>
                                    <div class="inbox-actions">
                                        <A href=item.link.clone() attr:class="btn">{t!(i18n, inbox.open)}</A>
                                        {(!item.read).then(|| view! {
                                            <button type="button" class="btn btn-ghost" on:click=move |_| { mark.dispatch(MarkRead { id: Some(id) }); } data-testid="mark-read">
                                                {t!(i18n, inbox.mark_read)}
                                            </button>
                                        })}
                                    </div>
                                </li>
                            }
                        })
                        .collect_view();
                    view! { <ul class="card inbox" data-testid="inbox">{items}</ul> }.into_any()
                })}
            </Transition>
        </div>
    }
}
