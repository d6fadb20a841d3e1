//! Collection rules, for finance: `/rules` (the rules, the dunning terms and the run
//! history), `/rules/new` and `/rules/:id` (the builder), `/rules/runs/:id` (what one
//! run did, message by message) and `/settings/notifications` (the admin's SMTP and
//! webhooks).
//!
//! Tables turn into stacked cards on a phone (`table responsive` with `data-label`s),
//! so no page scrolls sideways; everything renders on the server first.
mod builder;
mod labels;
mod run;
mod settings;

pub use builder::RuleBuilderPage;
pub use run::RunPage;
pub use settings::NotificationSettingsPage;

use crate::api::rules::{
    get_dunning_terms, list_rules, rule_runs, Checked, DunningForm, SaveDunningTerms,
};
use crate::domain::documents::FieldError;
use crate::i18n::*;
use crate::records::{RuleRun, StoredRule};
use crate::ui::format::{when, ErrorNotice};
use labels::I18n;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// A run's length: "850 ms", "12.4 s", "3 min 05 s"; a dash while it runs.
pub(crate) fn duration(run: &RuleRun) -> String {
    let Some(end) = run.finished_at else {
        return "—".into();
    };
    let ms = (end - run.started_at).num_milliseconds().max(0);
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{}.{} s", ms / 1000, (ms % 1000) / 100)
    } else {
        format!("{} min {:02} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// The server's messages for one named field of a small form.
pub(crate) fn form_msg(errors: RwSignal<Vec<FieldError>>, path: &'static str) -> impl IntoView {
    move || {
        let msgs: Vec<String> = errors.with(|e| {
            e.iter()
                .filter(|e| e.field == path)
                .map(|e| e.message.clone())
                .collect()
        });
        (!msgs.is_empty()).then(|| view! { <p class="field-error" data-testid=format!("err-{path}")>{msgs.join(" · ")}</p> })
    }
}

fn rules_table(i18n: I18n, rules: Vec<StoredRule>, saved: Option<i64>) -> AnyView {
    if rules.is_empty() {
        return view! { <p class="empty" data-testid="no-rules">{t!(i18n, rules.no_rules)}</p> }
            .into_any();
    }
    let rows = rules
        .into_iter()
        .map(|r| {
            let (id, rule) = (r.id, r.rule);
            let (trigger, scope, repeat) = (rule.trigger, rule.scope, rule.repeat);
            let on = rule.enabled;
            view! {
                <tr data-testid=format!("rule-row-{id}") class:just-saved=saved == Some(id)>
                    <td class="name-cell"><A href=format!("/rules/{id}") attr:data-testid="rule-name-link">{rule.name}</A></td>
                    <td data-label=move || t_string!(i18n, rules.col_trigger)>{move || labels::trigger(i18n, trigger)}</td>
                    <td data-label=move || t_string!(i18n, rules.col_scope)>{move || labels::scope(i18n, scope)}</td>
                    <td data-label=move || t_string!(i18n, rules.col_repeat)>{move || labels::repeat(i18n, repeat)}</td>
                    <td data-label=move || t_string!(i18n, rules.col_enabled)>
                        <span class=if on { "badge status-normal" } else { "badge chip" }>
                            {move || if on { t_string!(i18n, rules.enabled).to_string() } else { t_string!(i18n, rules.disabled).to_string() }}
                        </span>
                    </td>
                    <td class="row-link">
                        <A href=format!("/rules/{id}") attr:class="btn btn-small" attr:data-testid=format!("edit-rule-{id}")>{t!(i18n, rules.edit)}</A>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table responsive rules-table" data-testid="rules-table">
                <thead>
                    <tr>
                        <th>{t!(i18n, rules.col_name)}</th>
                        <th>{t!(i18n, rules.col_trigger)}</th>
                        <th>{t!(i18n, rules.col_scope)}</th>
                        <th>{t!(i18n, rules.col_repeat)}</th>
                        <th>{t!(i18n, rules.col_enabled)}</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn runs_table(i18n: I18n, runs: Vec<RuleRun>) -> AnyView {
    if runs.is_empty() {
        return view! { <p class="empty" data-testid="no-runs">{t!(i18n, rules.no_runs)}</p> }
            .into_any();
    }
    let rows = runs
        .into_iter()
        .map(|r| {
            let id = r.id;
            let dur = duration(&r);
            let failures = r.failures;
            let dead = r.messages_dead;
            let pending = r.messages_pending;
            view! {
                <tr data-testid=format!("run-row-{id}")>
                    <td class="name-cell">
                        <A href=format!("/rules/runs/{id}") attr:data-testid=format!("run-link-{id}")>{r.rule_name}</A>
                    </td>
                    <td class="nowrap" data-label=move || t_string!(i18n, rules.col_started)>{when(r.started_at)}</td>
                    <td class="nowrap" data-label=move || t_string!(i18n, rules.col_run_date)>{r.run_date.to_string()}</td>
                    <td class="num" data-label=move || t_string!(i18n, rules.col_duration)>{dur}</td>
                    <td class="num" data-label=move || t_string!(i18n, rules.col_evaluated)>{r.evaluated}</td>
                    <td class="num strong" data-label=move || t_string!(i18n, rules.col_firings)>{r.firings}</td>
                    <td class="num" class:text-red={failures > 0} data-label=move || t_string!(i18n, rules.col_failures)>{failures}</td>
                    <td class="num" data-label=move || t_string!(i18n, rules.col_sent)>{r.messages_sent}</td>
                    <td class="num" class:text-amber={pending > 0} data-label=move || t_string!(i18n, rules.col_pending)>{pending}</td>
                    <td class="num" class:text-red={dead > 0} data-label=move || t_string!(i18n, rules.col_dead)>{dead}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table compact responsive runs-history" data-testid="runs-table">
                <thead>
                    <tr>
                        <th>{t!(i18n, rules.col_rule)}</th>
                        <th>{t!(i18n, rules.col_started)}</th>
                        <th>{t!(i18n, rules.col_run_date)}</th>
                        <th class="num">{t!(i18n, rules.col_duration)}</th>
                        <th class="num">{t!(i18n, rules.col_evaluated)}</th>
                        <th class="num">{t!(i18n, rules.col_firings)}</th>
                        <th class="num">{t!(i18n, rules.col_failures)}</th>
                        <th class="num">{t!(i18n, rules.col_sent)}</th>
                        <th class="num">{t!(i18n, rules.col_pending)}</th>
                        <th class="num">{t!(i18n, rules.col_dead)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Finance's dunning fees and interest rate, charged when a rule raises a customer's
/// dunning level.
#[component]
fn DunningTerms(terms: DunningForm) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveDunningTerms>::new();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let saved = RwSignal::new(false);
    let f = [
        terms.friendly_fee,
        terms.formal_fee,
        terms.legal_fee,
        terms.rate_percent,
    ]
    .map(RwSignal::new);
    Effect::new(move |_| match save.value().get() {
        Some(Ok(Checked::Done(t))) => {
            errors.set(Vec::new());
            saved.set(true);
            for (s, v) in f
                .iter()
                .zip([t.friendly_fee, t.formal_fee, t.legal_fee, t.rate_percent])
            {
                s.set(v);
            }
        }
        Some(Ok(Checked::Invalid(e))) => {
            saved.set(false);
            errors.set(e);
        }
        _ => saved.set(false),
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let [a, b, c, d] = f.map(|s| s.get_untracked());
        save.dispatch(SaveDunningTerms {
            terms: DunningForm {
                friendly_fee: a,
                formal_fee: b,
                legal_fee: c,
                rate_percent: d,
            },
        });
    };
    let input = move |k: usize, path: &'static str, mode: &'static str| {
        let s = f[k];
        view! {
            <input type="text" inputmode=mode class="amount-input" value=s.get_untracked() prop:value=move || s.get()
                class:invalid=move || errors.with(|e| e.iter().any(|e| e.field == path))
                on:input=move |ev| { saved.set(false); s.set(event_target_value(&ev)); } data-testid=format!("dunning-{path}") />
        }
    };
    view! {
        <section class="card" data-testid="dunning-terms">
            <h2>{t!(i18n, rules.dunning_title)}</h2>
            <p class="muted small">{t!(i18n, rules.dunning_hint)}</p>
            <form class="dunning-form" on:submit=submit novalidate>
                <label class="field"><span>{t!(i18n, rules.friendly_fee)}</span>{input(0, "friendly_fee", "decimal")}{form_msg(errors, "friendly_fee")}</label>
                <label class="field"><span>{t!(i18n, rules.formal_fee)}</span>{input(1, "formal_fee", "decimal")}{form_msg(errors, "formal_fee")}</label>
                <label class="field"><span>{t!(i18n, rules.legal_fee)}</span>{input(2, "legal_fee", "decimal")}{form_msg(errors, "legal_fee")}</label>
                <label class="field"><span>{t!(i18n, rules.annual_rate)}</span>{input(3, "annual_rate", "decimal")}{form_msg(errors, "annual_rate")}</label>
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get() data-testid="save-dunning">{t!(i18n, rules.save_terms)}</button>
            </form>
            {move || match save.value().get() {
                Some(Err(error)) => Some(view! { <ErrorNotice error /> }.into_any()),
                _ => None,
            }}
            <Show when=move || saved.get()>
                <p class="notice notice-ok" data-testid="dunning-saved">{t!(i18n, rules.terms_saved)}</p>
            </Show>
        </section>
    }
}

/// `/rules`: the rules, the dunning terms and the run history.
#[component]
pub fn RulesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let saved = move || {
        query
            .read()
            .get("saved")
            .and_then(|s| s.parse::<i64>().ok())
    };
    let archived = move || query.read().get("archived").is_some();
    let rules = Resource::new(|| (), |_| list_rules());
    let runs = Resource::new(|| (), |_| rule_runs());
    let terms = Resource::new(|| (), |_| get_dunning_terms());
    let is_admin = Resource::new(|| (), |_| crate::api::auth::current_user());
    let settings_link = move || {
        Suspend::new(async move {
            let admin =
                matches!(is_admin.await, Ok(Some(u)) if u.role == crate::domain::auth::Role::Admin);
            admin.then(|| view! { <A href="/settings/notifications" attr:class="btn" attr:data-testid="to-notify-settings">{t!(i18n, rules.notify_settings)}</A> })
        })
    };
    view! {
        <div class="page rules-page">
            <header class="page-head">
                <h1>{t!(i18n, rules.title)}</h1>
                <div class="head-actions">
                    <Transition>{settings_link}</Transition>
                    <A href="/rules/new" attr:class="btn btn-primary" attr:data-testid="new-rule">{t!(i18n, rules.new_rule)}</A>
                </div>
            </header>
            {move || saved().map(|_| view! { <p class="notice notice-ok notice-line" data-testid="rule-saved">{t!(i18n, rules.saved_notice)}</p> })}
            {move || archived().then(|| view! { <p class="notice notice-ok notice-line" data-testid="rule-archived">{t!(i18n, rules.archived_notice)}</p> })}
            <section class="card" data-testid="rules-card">
                <h2>{t!(i18n, rules.rules_list)}</h2>
                <p class="muted small">{t!(i18n, rules.rules_hint)}</p>
                <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                    {move || Suspend::new(async move {
                        match rules.await {
                            Ok(list) => rules_table(i18n, list, saved()),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <Transition>
                {move || Suspend::new(async move {
                    match terms.await {
                        Ok(terms) => view! { <DunningTerms terms /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
            <section class="card" data-testid="runs-card">
                <h2>{t!(i18n, rules.runs)}</h2>
                <p class="muted small">{t!(i18n, rules.runs_hint)}</p>
                <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                    {move || Suspend::new(async move {
                        match runs.await {
                            Ok(list) => runs_table(i18n, list),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn run(ms: i64) -> RuleRun {
        let start = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
        RuleRun {
            id: 1,
            rule_id: 1,
            rule_name: "r".into(),
            run_date: start.date_naive(),
            source: "schedule".into(),
            started_at: start,
            finished_at: (ms >= 0).then(|| start + chrono::Duration::milliseconds(ms)),
            evaluated: 0,
            firings: 0,
            failures: 0,
            messages_sent: 0,
            messages_pending: 0,
            messages_dead: 0,
        }
    }

    #[test]
    fn durations_read_in_the_unit_that_fits() {
        assert_eq!(duration(&run(850)), "850 ms");
        assert_eq!(duration(&run(12_480)), "12.4 s");
        assert_eq!(duration(&run(185_000)), "3 min 05 s");
        assert_eq!(duration(&run(-1)), "—");
    }
}
