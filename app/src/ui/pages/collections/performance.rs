//! `/collections`: how the people collect, per rep and per team, over a period (this
//! month by default), as ranking charts and a table; and, for finance, the priority
//! score's weights with the formula they feed.
//!
//! Invariants, and why they hold:
//! - The ranking is the server's (`collections::rank`), drawn in its order by the one
//!   ranking chart builder the cockpit uses too (`cockpit_charts::ranking`); every rate
//!   comes from `Activity`'s own helpers, computed once from sums, never here.
//! - The period is a plain GET form (`?from=…&to=…`), so the page works without
//!   JavaScript; the charts beside their tables only add a picture.
//! - The weights form sends text and shows each of the server's messages under its
//!   field (`Terms::try_from` parses the draft whole); it is shown only to those who may
//!   configure finance (the server refuses everyone else anyway).
use super::{field_msg, has_error, money, I18n};
use crate::api::collections::{
    collection_terms, collections_performance, Performance, SaveCollectionTerms,
};
use crate::api::rules::Checked;
use crate::domain::auth::Permission;
use crate::domain::collections::{Ranked, TermsDraft};
use crate::domain::documents::FieldError;
use crate::i18n::*;
use crate::ui::chart::ChartCanvas;
use crate::ui::format::ErrorNotice;
use crate::ui::pages::cockpit_charts::{ranking, RankRow};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use rust_decimal::Decimal;

fn pct(p: Option<Decimal>) -> String {
    p.map(|r| format!("{r}%")).unwrap_or_else(|| "—".into())
}

/// The chart's rows; a rep's bars open their customers' overdue invoices (as the
/// cockpit's do), a team's have no such list.
fn rank_rows(rows: &[Ranked], link_to: Option<chrono::NaiveDate>) -> Vec<RankRow> {
    rows.iter()
        .map(|r| RankRow {
            name: r.name.clone(),
            collected: money(r.activity.collected_minor),
            due: money(r.activity.due_minor),
            rate_pct: r.activity.collection_rate_pct(),
            href: link_to.filter(|_| !r.username.is_empty()).map(|to| {
                format!(
                    "/invoices?status=overdue&as_of={to}&rep={}",
                    crate::url::percent_encode(&r.username)
                )
            }),
        })
        .collect()
}

fn table(i18n: I18n, rows: &[Ranked], testid: &'static str) -> AnyView {
    let body = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let a = &r.activity;
            let days = a.avg_days_to_collect().map(|d| d.to_string()).unwrap_or_else(|| "—".into());
            view! {
                <tr data-testid="perf-row">
                    <td class="name-cell"><span><span class="rank">{format!("{}. ", i + 1)}</span>{r.name.clone()}</span></td>
                    <td class="num" data-label=move || t_string!(i18n, collections.col_tasks_done)>{a.tasks_done}</td>
                    <td class="num" data-label=move || t_string!(i18n, collections.col_contacts)>{a.contacts}</td>
                    <td class="num" data-label=move || t_string!(i18n, collections.col_promises)>{a.promises_made}</td>
                    <td class="num" data-label=move || t_string!(i18n, collections.col_kept_rate)>{pct(a.kept_rate_pct())}</td>
                    <td class="num" data-label=move || t_string!(i18n, collections.col_collected)>{money(a.collected_minor).display()}</td>
                    <td class="num strong" data-label=move || t_string!(i18n, collections.col_rate)>{pct(a.collection_rate_pct())}</td>
                    <td class="num" data-label=move || t_string!(i18n, collections.col_days)>{days}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table compact responsive perf-table" data-testid=testid>
                <thead>
                    <tr>
                        <th>{t!(i18n, collections.col_name)}</th>
                        <th class="num">{t!(i18n, collections.col_tasks_done)}</th>
                        <th class="num">{t!(i18n, collections.col_contacts)}</th>
                        <th class="num">{t!(i18n, collections.col_promises)}</th>
                        <th class="num">{t!(i18n, collections.col_kept_rate)}</th>
                        <th class="num">{t!(i18n, collections.col_collected)}</th>
                        <th class="num">{t!(i18n, collections.col_rate)}</th>
                        <th class="num">{t!(i18n, collections.col_days)}</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn ranking_card(
    i18n: I18n,
    title: String,
    rows: Vec<Ranked>,
    link_to: Option<chrono::NaiveDate>,
    chart_id: &'static str,
    table_id: &'static str,
) -> AnyView {
    if rows.is_empty() {
        return view! {
            <section class="card">
                <h2>{title}</h2>
                <p class="empty">{t!(i18n, collections.no_activity)}</p>
            </section>
        }
        .into_any();
    }
    let stored = StoredValue::new(rows);
    let chart =
        Signal::derive(move || stored.with_value(|r| ranking(i18n, &rank_rows(r, link_to))));
    let label = title.clone();
    let table = stored.with_value(|r| table(i18n, r, table_id));
    view! {
        <section class="card" data-testid=format!("{chart_id}-card")>
            <h2>{title}</h2>
            <ChartCanvas chart label=Signal::derive(move || label.clone()) testid=chart_id />
            {table}
        </section>
    }
    .into_any()
}

fn performance_view(i18n: I18n, p: Performance) -> AnyView {
    let reps = ranking_card(
        i18n,
        t_string!(i18n, collections.reps_title).to_string(),
        p.reps,
        Some(p.to),
        "rank-reps",
        "perf-reps",
    );
    let teams = ranking_card(
        i18n,
        t_string!(i18n, collections.teams_title).to_string(),
        p.teams,
        None,
        "rank-teams",
        "perf-teams",
    );
    // The period as a plain GET form, showing the period the figures are for.
    view! {
        <form class="card period-form" method="get" action="/collections" data-testid="perf-period">
            <label class="field"><span>{t!(i18n, collections.from)}</span><input type="date" name="from" value=p.from.to_string() data-testid="perf-from" /></label>
            <label class="field"><span>{t!(i18n, collections.to)}</span><input type="date" name="to" value=p.to.to_string() data-testid="perf-to" /></label>
            <button type="submit" class="btn">{t!(i18n, collections.show)}</button>
        </form>
        {reps}
        {teams}
    }
    .into_any()
}

/// Finance's weights, caps and grace days.
#[component]
fn TermsForm(draft: TermsDraft) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveCollectionTerms>::new();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let saved = RwSignal::new(false);
    let f = [
        draft.w_days,
        draft.w_amount,
        draft.w_grade,
        draft.w_importance,
        draft.w_promises,
        draft.days_cap,
        draft.amount_cap,
        draft.promises_cap,
        draft.grace_days,
    ]
    .map(RwSignal::new);
    Effect::new(move |_| match save.value().get() {
        Some(Ok(Checked::Done(()))) => {
            errors.set(Vec::new());
            saved.set(true);
        }
        Some(Ok(Checked::Invalid(e))) => {
            saved.set(false);
            errors.set(e);
        }
        _ => saved.set(false),
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let [w_days, w_amount, w_grade, w_importance, w_promises, days_cap, amount_cap, promises_cap, grace_days] =
            f.map(|s| s.get_untracked());
        save.dispatch(SaveCollectionTerms {
            draft: TermsDraft {
                w_days,
                w_amount,
                w_grade,
                w_importance,
                w_promises,
                days_cap,
                amount_cap,
                promises_cap,
                grace_days,
            },
        });
    };
    // The most a task can score: the weights' sum (as typed; the server checks them).
    let max = move || {
        let sum: Option<Decimal> = f[..5]
            .iter()
            .map(|s| s.with(|t| t.trim().parse::<Decimal>().ok()))
            .sum();
        sum.map(super::points).unwrap_or_else(|| "—".into())
    };
    let input = move |k: usize, path: &'static str| {
        let s = f[k];
        view! {
            <input type="text" inputmode="decimal" class="amount-input" prop:value=move || s.get()
                class:invalid=move || has_error(errors, path)
                on:input=move |ev| { saved.set(false); s.set(event_target_value(&ev)); } data-testid=format!("terms-{path}") />
        }
    };
    let field = move |k: usize, path: &'static str, label: String| {
        view! { <label class="field"><span>{label}</span>{input(k, path)}{field_msg(errors, path)}</label> }
    };
    view! {
        <section class="card terms-card" data-testid="terms-card">
            <h2>{t!(i18n, collections.terms_title)}</h2>
            <p class="formula-line" data-testid="terms-formula">
                {t!(i18n, collections.terms_formula)}" "<strong data-testid="terms-max">{max}</strong>
            </p>
            <form class="terms-form" on:submit=submit novalidate>
                <h3>{t!(i18n, collections.weights)}</h3>
                <div class="terms-grid">
                    {field(0, "w_days", t_string!(i18n, collections.f_days).to_string())}
                    {field(1, "w_amount", t_string!(i18n, collections.f_amount).to_string())}
                    {field(2, "w_grade", t_string!(i18n, collections.f_grade).to_string())}
                    {field(3, "w_importance", t_string!(i18n, collections.f_importance).to_string())}
                    {field(4, "w_promises", t_string!(i18n, collections.f_promises).to_string())}
                </div>
                <h3>{t!(i18n, collections.caps)}</h3>
                <div class="terms-grid">
                    {field(5, "days_cap", t_string!(i18n, collections.days_cap).to_string())}
                    {field(6, "amount_cap", t_string!(i18n, collections.amount_cap).to_string())}
                    {field(7, "promises_cap", t_string!(i18n, collections.promises_cap).to_string())}
                    {field(8, "grace_days", t_string!(i18n, collections.grace_days).to_string())}
                </div>
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get() data-testid="terms-save">{t!(i18n, collections.save_terms)}</button>
            </form>
            {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorNotice error /> })}
            <Show when=move || saved.get()>
                <p class="notice notice-ok" data-testid="terms-saved">{t!(i18n, collections.terms_saved)}</p>
            </Show>
        </section>
    }
}

/// `/collections`.
#[component]
pub fn PerformancePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let date = move |k: &str| {
        query
            .read()
            .get(k)
            .and_then(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
    };
    let perf = Resource::new(
        move || (date("from"), date("to")),
        |(from, to)| collections_performance(from, to),
    );
    let terms = Resource::new(
        || (),
        |_| async move {
            let me = crate::api::auth::current_user().await.ok().flatten();
            if me.is_some_and(|u| u.role.allows(Permission::ConfigureFinance)) {
                collection_terms().await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    view! {
        <div class="page perf-page">
            <header class="page-head">
                <h1>{t!(i18n, collections.perf_title)}</h1>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match perf.await {
                        Ok(p) => performance_view(i18n, p),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
            <Transition>
                {move || Suspend::new(async move {
                    match terms.await {
                        Ok(Some(draft)) => view! { <TermsForm draft /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
