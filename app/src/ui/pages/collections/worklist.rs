//! `/tasks`: the worklist, best first. Filter chips (with counts) and the Mine/Team
//! switch are plain links (`?filter=…&scope=…`), so they work before hydration and with
//! JavaScript off; each row is one big tap target to the task. The formula behind the
//! score is one tap away, with finance's current weights; a "New task" form creates a
//! task by hand (managers for anyone, a rep for themself).
//!
//! Invariants: the rows and counts are the server's (`get_worklist` scores and sorts
//! them with finance's terms), shown in its order; nothing here re-sorts or re-scores.
use super::queue::{use_queue, OpState};
use super::task::{assignee_text, due_text};
use super::{field_msg, filter_label, kind_label, label_label, money, points, pool_label, I18n};
use crate::api::collections::{get_worklist, CreateTask, Worklist};
use crate::api::customers::{list_customers, CustomerListArgs};
use crate::api::rules::Checked;
use crate::domain::auth::Role;
use crate::domain::collections::{
    grade_fraction, importance_fraction, Importance, TaskDraft, TaskFilter, TaskRow, Terms,
};
use crate::domain::customer::Grade;
use crate::domain::documents::FieldError;
use crate::domain::rules::{Priority, TaskKind};
use crate::i18n::*;
use crate::ui::format::ErrorNotice;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use rust_decimal::Decimal;

fn row_view(i18n: I18n, r: TaskRow, today: NaiveDate, team: bool) -> impl IntoView {
    let due_class = due_text(i18n, &r, today).1;
    let row = r.clone();
    let due = move || due_text(i18n, &row, today).0;
    let kind = r.kind;
    let label = r.label;
    let overdue = r.input.overdue_minor;
    let days = r.input.days_past_due;
    let row = r.clone();
    let who = team.then_some(move || assignee_text(i18n, &row));
    view! {
        <li>
            <A href=format!("/tasks/{}", r.id) attr:class="task-row" attr:data-testid="task-row" attr:data-task-id=r.id.to_string()>
                <span class="task-score" data-testid="row-score">{points(r.priority.score)}</span>
                <span class="task-main">
                    <span class="task-customer">{r.customer_name.clone()}</span>
                    <span class="task-meta small">
                        <span class="strong">{move || kind_label(i18n, kind)}</span>
                        <span class=format!("badge label-{}", label.as_str())>{move || label_label(i18n, label)}</span>
                        <span class=due_class>{due}</span>
                    </span>
                    <span class="task-figs small">
                        {(overdue > 0).then(|| view! { <span class="text-red num">{t!(i18n, collections.overdue_amount, amount = money(overdue).display())}</span> })}
                        {(days > 0).then(|| view! { <span class="muted">{t!(i18n, collections.days_late, n = days)}</span> })}
                        {(overdue <= 0).then(|| view! { <span class="muted">{t!(i18n, collections.nothing_overdue)}</span> })}
                    </span>
                    <span class="task-chips">
                        {r.pending_promise.then(|| view! { <span class="badge ps-pending" data-testid="chip-promise">{t!(i18n, collections.chip_promise)}</span> })}
                        {r.open_dispute.then(|| view! { <span class="badge bad" data-testid="chip-dispute">{t!(i18n, collections.chip_dispute)}</span> })}
                        {who.map(|w| view! { <span class="chip">{w}</span> })}
                    </span>
                </span>
                <span class="chev" aria-hidden="true">"›"</span>
            </A>
        </li>
    }
}

/// The score's formula with finance's current weights and caps.
fn formula(i18n: I18n, t: &Terms) -> AnyView {
    let frac = |d: Decimal| format!("{}", d.round_dp(2).normalize());
    let ungraded = t_string!(i18n, cockpit.ungraded).to_string();
    let grades = [
        Some(Grade::A),
        Some(Grade::B),
        Some(Grade::C),
        Some(Grade::D),
        None,
    ]
    .map(|g| {
        format!(
            "{} {}",
            g.map(|g| g.as_str().to_string())
                .unwrap_or_else(|| ungraded.clone()),
            frac(grade_fraction(g))
        )
    })
    .join(" · ");
    let importance = Importance::ALL
        .iter()
        .map(|i| {
            format!(
                "{} {}",
                super::part_input(
                    i18n,
                    crate::domain::collections::Factor::Importance,
                    i.as_str()
                ),
                frac(importance_fraction(*i))
            )
        })
        .collect::<Vec<_>>()
        .join(" · ");
    let total: Decimal = t.w_days + t.w_amount + t.w_grade + t.w_importance + t.w_promises;
    let rows = [
        (t_string!(i18n, collections.f_days).to_string(), t_string!(i18n, collections.fx_days, cap = t.days_cap).to_string(), t.w_days),
        (t_string!(i18n, collections.f_amount).to_string(), t_string!(i18n, collections.fx_amount, cap = money(t.amount_cap_minor).display()).to_string(), t.w_amount),
        (t_string!(i18n, collections.f_grade).to_string(), grades, t.w_grade),
        (t_string!(i18n, collections.f_importance).to_string(), importance, t.w_importance),
        (t_string!(i18n, collections.f_promises).to_string(), t_string!(i18n, collections.fx_promises, cap = t.promises_cap).to_string(), t.w_promises),
    ]
    .into_iter()
    .map(|(f, how, w)| view! { <tr><td class="strong">{f}</td><td class="small">{how}</td><td class="num">{points(w)}</td></tr> })
    .collect_view();
    view! {
        <details class="card formula" data-testid="formula">
            <summary>{t!(i18n, collections.formula_title)}</summary>
            <p class="small">{t!(i18n, collections.formula_text, max = points(total))}</p>
            <table class="table compact formula-table">
                <thead><tr><th>{t!(i18n, collections.factor)}</th><th>{t!(i18n, collections.fraction)}</th><th class="num">{t!(i18n, collections.weight)}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <p class="muted small">{t!(i18n, collections.grace_note, n = t.grace_days)}</p>
        </details>
    }
    .into_any()
}

fn worklist_view(i18n: I18n, w: Worklist) -> AnyView {
    let scope = w.scope.clone();
    let team = scope == "team";
    let chips = w
        .counts
        .clone()
        .into_iter()
        .map(|(f, n)| {
            let href = format!("/tasks?filter={}&scope={}", f.as_str(), scope);
            let active = f == w.filter;
            view! {
                <A href=href attr:class=if active { "filter-chip active" } else { "filter-chip" } attr:data-testid=format!("filter-{}", f.as_str()) attr:aria-current=active.then_some("true")>
                    <span>{move || filter_label(i18n, f)}</span>
                    <span class="count" data-testid="filter-count">{n}</span>
                </A>
            }
        })
        .collect_view();
    let scope_switch = w.may_see_team.then(|| {
        let f = w.filter.as_str();
        view! {
            <div class="segmented scope-switch" data-testid="scope-switch">
                <A href=format!("/tasks?filter={f}&scope=mine") attr:class=if team { "seg-link" } else { "seg-link active" } attr:data-testid="scope-mine">{t!(i18n, collections.mine)}</A>
                <A href=format!("/tasks?filter={f}&scope=team") attr:class=if team { "seg-link active" } else { "seg-link" } attr:data-testid="scope-team">{t!(i18n, collections.team)}</A>
            </div>
        }
    });
    let today = w.today;
    let empty = w.rows.is_empty();
    let rows = w
        .rows
        .into_iter()
        .map(|r| row_view(i18n, r, today, team))
        .collect_view();
    view! {
        <div class="worklist-bar">
            <nav class="filter-chips" data-testid="filter-chips">{chips}</nav>
            {scope_switch}
        </div>
        {if empty {
            view! { <p class="card empty" data-testid="no-tasks">{t!(i18n, collections.no_tasks)}</p> }.into_any()
        } else {
            view! { <ul class="task-list" data-testid="task-list">{rows}</ul> }.into_any()
        }}
        {formula(i18n, &w.terms)}
        <NewTaskForm today may_manage=w.may_manage people=w.people />
    }
    .into_any()
}

/// A task made by hand: the customer (searched by name or code), kind, label, due date
/// and, for managers, who works it.
#[component]
fn NewTaskForm(
    today: NaiveDate,
    may_manage: bool,
    people: Vec<crate::api::rules::Person>,
) -> impl IntoView {
    let i18n = use_i18n();
    let q = use_queue();
    let create = ServerAction::<CreateTask>::new();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let search = RwSignal::new(String::new());
    let customer = RwSignal::new(None::<(i64, String)>);
    let kind = RwSignal::new(TaskKind::Call.as_str().to_string());
    let label = RwSignal::new(Priority::Normal.as_str().to_string());
    let due = RwSignal::new(today.to_string());
    let assignee = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let found = LocalResource::new(move || {
        let s = search.get();
        async move {
            if s.trim().chars().count() < 1 {
                return Vec::new();
            }
            list_customers(CustomerListArgs {
                search: Some(s),
                page: None,
            })
            .await
            .map(|p| {
                p.rows
                    .into_iter()
                    .take(6)
                    .map(|r| (r.id, format!("{} · {}", r.name, r.code.as_str())))
                    .collect()
            })
            .unwrap_or_default()
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| match create.value().get() {
        Some(Ok(Checked::Done(id))) => navigate(&format!("/tasks/{id}"), Default::default()),
        Some(Ok(Checked::Invalid(e))) => errors.set(e),
        _ => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((customer_id, _)) = customer.get_untracked() else {
            errors.set(vec![FieldError::new(
                "customer_id",
                t_string!(i18n, collections.choose_customer).to_string(),
            )]);
            return;
        };
        create.dispatch(CreateTask {
            draft: TaskDraft {
                customer_id,
                kind: kind.get_untracked(),
                label: label.get_untracked(),
                due_on: due.get_untracked(),
                assignee: assignee.get_untracked(),
                note: note.get_untracked(),
            },
        });
    };
    let kinds = move || {
        TaskKind::ALL.iter().map(|k| view! { <option value=k.as_str() selected=kind.get_untracked() == k.as_str()>{kind_label(i18n, *k)}</option> }).collect_view()
    };
    let labels = move || {
        Priority::ALL.iter().map(|p| view! { <option value=p.as_str() selected=label.get_untracked() == p.as_str()>{label_label(i18n, *p)}</option> }).collect_view()
    };
    let results = move || {
        let list = found.get().unwrap_or_default();
        (customer.get().is_none() && !list.is_empty()).then(|| {
            list.into_iter()
                .map(|(id, text)| {
                    let t2 = text.clone();
                    view! {
                        <li><button type="button" class="pick" data-testid="customer-pick" on:click=move |_| { customer.set(Some((id, t2.clone()))); errors.update(|e| e.retain(|e| e.field != "customer_id")); }>{text}</button></li>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <details class="card new-task" data-testid="new-task">
            <summary>{t!(i18n, collections.new_task)}</summary>
            <form class="work-form" on:submit=submit novalidate>
                <fieldset class="bare" disabled=move || !q.live.get()>
                    <div class="field">
                        <span>{t!(i18n, collections.customer)}</span>
                        {move || match customer.get() {
                            Some((_, text)) => view! {
                                <div class="picked">
                                    <strong data-testid="picked-customer">{text}</strong>
                                    <button type="button" class="btn btn-small" on:click=move |_| { customer.set(None); search.set(String::new()); }>{t!(i18n, collections.change)}</button>
                                </div>
                            }.into_any(),
                            None => view! {
                                <input type="search" placeholder=move || t_string!(i18n, collections.customer_search) prop:value=move || search.get()
                                    on:input=move |ev| search.set(event_target_value(&ev)) data-testid="new-task-customer" />
                            }.into_any(),
                        }}
                        <ul class="pick-list">
                            <Transition>{results}</Transition>
                        </ul>
                        {field_msg(errors, "customer_id")}
                    </div>
                    <div class="form-pair">
                        <label class="field">
                            <span>{t!(i18n, collections.kind)}</span>
                            <select on:change=move |ev| kind.set(event_target_value(&ev)) data-testid="new-task-kind">{kinds}</select>
                            {field_msg(errors, "kind")}
                        </label>
                        <label class="field">
                            <span>{t!(i18n, collections.label)}</span>
                            <select on:change=move |ev| label.set(event_target_value(&ev)) data-testid="new-task-label">{labels}</select>
                            {field_msg(errors, "label")}
                        </label>
                    </div>
                    <div class="form-pair">
                        <label class="field">
                            <span>{t!(i18n, collections.due_date)}</span>
                            <input type="date" prop:value=move || due.get() on:input=move |ev| due.set(event_target_value(&ev)) data-testid="new-task-due" />
                            {field_msg(errors, "due_on")}
                        </label>
                        {may_manage.then(|| view! {
                            <label class="field">
                                <span>{t!(i18n, collections.assignee)}</span>
                                <select on:change=move |ev| assignee.set(event_target_value(&ev)) data-testid="new-task-assignee">
                                    <option value="">{t!(i18n, collections.customers_rep)}</option>
                                    {[Role::CreditManager, Role::SalesManager].map(|r| view! { <option value=format!("role:{}", r.as_str())>{pool_label(i18n, r)}</option> }).into_iter().collect_view()}
                                    {people.iter().map(|p| view! { <option value=format!("user:{}", p.id)>{p.name.clone()}</option> }).collect_view()}
                                </select>
                                {field_msg(errors, "assignee")}
                            </label>
                        })}
                    </div>
                    <label class="field">
                        <span>{t!(i18n, collections.notes)}</span>
                        <textarea rows="2" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev)) data-testid="new-task-note"></textarea>
                        {field_msg(errors, "note")}
                    </label>
                    <button type="submit" class="btn btn-primary btn-block" disabled=move || create.pending().get() data-testid="new-task-save">{t!(i18n, collections.create_task)}</button>
                </fieldset>
                {move || create.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorNotice error /> })}
            </form>
        </details>
    }
}

/// `/tasks`.
#[component]
pub fn WorklistPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let q = use_queue();
    let filter = move || {
        query
            .read()
            .get("filter")
            .and_then(|f| TaskFilter::parse(&f))
            .unwrap_or(TaskFilter::All)
            .as_str()
            .to_string()
    };
    let scope = move || {
        if query.read().get("scope").as_deref() == Some("team") {
            "team".to_string()
        } else {
            "mine".to_string()
        }
    };
    let list = Resource::new(
        move || (filter(), scope(), q.synced.get()),
        |(f, s, _)| get_worklist(f, s),
    );
    // In the browser: keep the top tasks' pages, so they open offline too.
    Effect::new(move |_| {
        if let Some(Ok(w)) = list.get() {
            super::offline::prefetch(w.rows.iter().map(|r| r.id));
        }
    });
    let waiting = move || {
        q.records.with(|r| {
            r.iter()
                .filter(|x| x.state != OpState::Synced && q.mine(x))
                .count()
        })
    };
    view! {
        <div class="page tasks-page">
            <header class="page-head">
                <h1>
                    {move || if scope() == "team" {
                        t_string!(i18n, collections.worklist_team).to_string()
                    } else {
                        t_string!(i18n, collections.worklist_title).to_string()
                    }}
                </h1>
                <Show when=move || { waiting() > 0 }>
                    <span class="badge warn" data-testid="waiting-ops">{move || t_string!(i18n, collections.waiting_ops, n = waiting()).to_string()}</span>
                </Show>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(w) => worklist_view(i18n, w),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
