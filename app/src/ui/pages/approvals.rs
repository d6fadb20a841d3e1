//! Credit applications: the rep's form (phone first), the approval board (drag a card
//! to Approved or Rejected, with the mouse or a finger; buttons too), an application's
//! page with its snapshotted chain and full trail, and finance's chain designer.
//!
//! Every decision goes through one confirm dialog that asks for the comment, so a
//! drag never decides by accident and reject/return always say why. The server
//! re-checks everything (`api::approvals`); the page only offers what the card says
//! the viewer may do.
use crate::api::approvals::{
    get_application, get_application_form, get_board, get_policy, ApplicationPage as PageData,
    Board, Card, DecideApplication, DecisionArgs, ResubmitApplication, SavePolicy,
    SubmitApplication,
};
use crate::domain::approval::{
    Action, Adjust, Adjustment, Approver, Chain, Column, Condition, PolicyDraft, RequestDraft,
    RequestKind, Route, Status, Step,
};
use crate::domain::auth::{Role, User};
use crate::domain::customer::{CustomerStatus, Grade};
use crate::i18n::*;
use crate::ui::dnd::{DragArea, Drop};
use crate::ui::format::{role_label, status_label, when, ErrorNotice};
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

/// A trail event's kind in the reader's language.
pub fn event_label(i18n: I18nContext<Locale>, kind: &str) -> String {
    match kind {
        "submit" => t_string!(i18n, approvals.ev_submit),
        "approve" => t_string!(i18n, approvals.ev_approve),
        "reject" => t_string!(i18n, approvals.ev_reject),
        "return" => t_string!(i18n, approvals.ev_return),
        "reminder" => t_string!(i18n, approvals.ev_reminder),
        "escalation" => t_string!(i18n, approvals.ev_escalation),
        other => return other.to_string(),
    }
    .to_string()
}

fn kind_label(i18n: I18nContext<Locale>, k: RequestKind) -> String {
    match k {
        RequestKind::PermanentLimit => t_string!(i18n, approvals.kind_permanent),
        RequestKind::TemporaryLimit => t_string!(i18n, approvals.kind_temporary),
        RequestKind::Order => t_string!(i18n, approvals.kind_order),
    }
    .to_string()
}

fn status_text(i18n: I18nContext<Locale>, s: Status) -> String {
    match s {
        Status::Pending => t_string!(i18n, approvals.st_pending),
        Status::Approved => t_string!(i18n, approvals.st_approved),
        Status::Rejected => t_string!(i18n, approvals.st_rejected),
        Status::Returned => t_string!(i18n, approvals.st_returned),
    }
    .to_string()
}

fn column_title(i18n: I18nContext<Locale>, c: Column) -> String {
    match c {
        Column::WaitingForMe => t_string!(i18n, approvals.col_mine),
        Column::InProgress => t_string!(i18n, approvals.col_progress),
        Column::Approved => t_string!(i18n, approvals.col_approved),
        Column::RejectedReturned => t_string!(i18n, approvals.col_rejected),
    }
    .to_string()
}

fn action_label(i18n: I18nContext<Locale>, a: Action) -> String {
    match a {
        Action::Approve => t_string!(i18n, approvals.approve),
        Action::Reject => t_string!(i18n, approvals.reject),
        Action::Return => t_string!(i18n, approvals.return_),
    }
    .to_string()
}

/// "role:finance" (how the server names a role assignee) in words.
fn assignee_text(i18n: I18nContext<Locale>, label: &str) -> String {
    match label
        .strip_prefix("role:")
        .and_then(|r| Role::parse(r).ok())
    {
        Some(r) => role_label(i18n, r),
        None => label.to_string(),
    }
}

// ---------------------------------------------------------------- the rep's form

#[component]
pub fn ApplicationNewPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let chosen = move || query.with(|q| q.get("customer").and_then(|c| c.parse::<i64>().ok()));
    let data = Resource::new(chosen, get_application_form);
    view! {
        <div class="page narrow-page">
            <header class="page-head">
                <h1>{t!(i18n, approvals.new_title)}</h1>
                <A href="/approvals" attr:class="btn btn-ghost">{t!(i18n, approvals.board_title)}</A>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(form) => view! { <ApplicationFormView form /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ApplicationFormView(form: crate::api::approvals::ApplicationForm) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let chosen_id = form.chosen.as_ref().map(|c| c.customer.id);
    let options = form
        .customers
        .iter()
        .map(|c| {
            let selected = Some(c.id) == chosen_id;
            view! { <option value=c.id.to_string() selected=selected>{format!("{} · {}", c.code, c.name)}</option> }
        })
        .collect_view();
    let nav = navigate.clone();
    let pick = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        nav(
            &format!("/applications/new?customer={v}"),
            Default::default(),
        );
    };
    let kind = RwSignal::new("permanent_limit".to_string());
    let amount = RwSignal::new(
        form.chosen
            .as_ref()
            .and_then(|c| c.suggested_limit)
            .map(|m| m.amount().to_string())
            .unwrap_or_default(),
    );
    let expires = RwSignal::new((form.today + chrono::Duration::days(90)).to_string());
    let terms = RwSignal::new(
        form.chosen
            .as_ref()
            .map_or(30, |c| c.suggested_terms_days.unwrap_or(c.terms_days))
            .to_string(),
    );
    let reason = RwSignal::new(String::new());
    let submit = ServerAction::<SubmitApplication>::new();
    Effect::new(move |_| {
        if let Some(Ok(id)) = submit.value().get() {
            navigate(&format!("/applications/{id}"), Default::default());
        }
    });
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(customer_id) = chosen_id else { return };
        submit.dispatch(SubmitApplication {
            draft: RequestDraft {
                customer_id,
                kind: kind.get_untracked(),
                amount: amount.get_untracked(),
                expires_on: expires.get_untracked(),
                terms_days: terms.get_untracked(),
                reason: reason.get_untracked(),
            },
        });
    };
    let snapshot = form.chosen.clone().map(|c| {
        let grade = c.grade.map_or("—".to_string(), |g| g.as_str().to_string());
        let score = c.score.map_or("—".to_string(), |s| s.to_string());
        let suggested = c.suggested_limit.map_or("—".to_string(), |m| m.display());
        let temp = c.temp_limit.map(|(m, d)| format!("{} → {d}", m.display()));
        let status = c.status;
        view! {
            <section class="card credit-snapshot" data-testid="credit-snapshot">
                <h2>{c.customer.name.clone()}</h2>
                <dl class="facts">
                    <div><dt>{t!(i18n, approvals.score)}</dt><dd data-testid="snap-score">{score}</dd></div>
                    <div><dt>{t!(i18n, approvals.grade)}</dt><dd data-testid="snap-grade"><span class=format!("grade grade-{grade}")>{grade.clone()}</span></dd></div>
                    <div><dt>{t!(i18n, approvals.status)}</dt><dd>{move || status_label(i18n, status)}</dd></div>
                    <div><dt>{t!(i18n, approvals.suggested)}</dt><dd class="num" data-testid="snap-suggested">{suggested}</dd></div>
                    <div><dt>{t!(i18n, approvals.current_limit)}</dt><dd class="num">{c.credit_limit.display()}</dd></div>
                    {temp.map(|t| view! { <div><dt>{t!(i18n, approvals.temp_limit)}</dt><dd class="num">{t}</dd></div> })}
                    <div><dt>{t!(i18n, approvals.exposure)}</dt><dd class="num" data-testid="snap-exposure">{c.exposure.display()}</dd></div>
                    <div><dt>{t!(i18n, approvals.available)}</dt><dd class=if c.available.is_negative() { "num bad" } else { "num" } data-testid="snap-available">{c.available.display()}</dd></div>
                    <div><dt>{t!(i18n, approvals.terms)}</dt><dd class="num">{c.terms_days}</dd></div>
                </dl>
            </section>
        }
    });
    view! {
        <form class="card form-stack" on:submit=send data-testid="application-form">
            <label class="field">
                <span>{t!(i18n, approvals.customer)}</span>
                <select on:change=pick data-testid="app-customer" required>
                    <option value="" selected=chosen_id.is_none() disabled>{t!(i18n, approvals.choose_customer)}</option>
                    {options}
                </select>
            </label>
            {snapshot}
            <div class="field">
                <span>{t!(i18n, approvals.kind)}</span>
                <div class="segmented seg-group" role="radiogroup" data-testid="app-kind">
                    <label class="seg">
                        <input type="radio" name="kind" value="permanent_limit" prop:checked=move || kind.get() == "permanent_limit" on:change=move |_| kind.set("permanent_limit".into()) />
                        <span>{t!(i18n, approvals.kind_permanent)}</span>
                    </label>
                    <label class="seg">
                        <input type="radio" name="kind" value="temporary_limit" prop:checked=move || kind.get() == "temporary_limit" on:change=move |_| kind.set("temporary_limit".into()) data-testid="app-kind-temporary" />
                        <span>{t!(i18n, approvals.kind_temporary)}</span>
                    </label>
                </div>
            </div>
            <label class="field">
                <span>{t!(i18n, approvals.amount)}</span>
                <input inputmode="decimal" required prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev)) data-testid="app-amount" />
            </label>
            <Show when=move || kind.get() == "temporary_limit">
                <label class="field">
                    <span>{t!(i18n, approvals.expires_on)}</span>
                    <input type="date" prop:value=move || expires.get() on:input=move |ev| expires.set(event_target_value(&ev)) data-testid="app-expires" />
                </label>
            </Show>
            <label class="field">
                <span>{t!(i18n, approvals.terms)}</span>
                <input inputmode="numeric" prop:value=move || terms.get() on:input=move |ev| terms.set(event_target_value(&ev)) data-testid="app-terms" />
            </label>
            <label class="field">
                <span>{t!(i18n, approvals.reason)}</span>
                <textarea rows="4" required prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) data-testid="app-reason"></textarea>
            </label>
            {move || submit.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorNotice error /> })}
            <div class="form-actions">
                <button type="submit" class="btn btn-primary btn-block" disabled=move || chosen_id.is_none() || submit.pending().get() data-testid="app-submit">
                    {t!(i18n, approvals.submit)}
                </button>
            </div>
        </form>
    }
}

// ---------------------------------------------------------------- deciding

/// The decision being confirmed: (application id, action).
type Pending = RwSignal<Option<(i64, Action)>>;

/// The one dialog every decision goes through: the comment, then confirm.
#[component]
fn ConfirmDecision(pending: Pending, decide: ServerAction<DecideApplication>) -> impl IntoView {
    let i18n = use_i18n();
    let comment = RwSignal::new(String::new());
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((id, action)) = pending.get_untracked() else {
            return;
        };
        decide.dispatch(DecideApplication {
            args: DecisionArgs {
                id,
                action: action.as_str().to_string(),
                comment: comment.get_untracked(),
            },
        });
    };
    // Close once the decision went through; keep it open to show a refusal.
    Effect::new(move |_| {
        if let Some(Ok(_)) = decide.value().get() {
            pending.set(None);
            comment.set(String::new());
        }
    });
    let needs_comment = move || pending.get().is_some_and(|(_, a)| a != Action::Approve);
    view! {
        <Show when=move || pending.get().is_some()>
            <div class="modal-backdrop" on:click=move |_| pending.set(None)></div>
            <form class="modal card" role="dialog" aria-modal="true" on:submit=confirm data-testid="decision-dialog">
                <h2>{move || pending.get().map(|(id, a)| format!("{} · #{id}", action_label(i18n, a)))}</h2>
                <label class="field">
                    <span>{move || if needs_comment() { t_string!(i18n, approvals.comment_required) } else { t_string!(i18n, approvals.comment_optional) }}</span>
                    <textarea rows="3" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev)) data-testid="decision-comment"></textarea>
                </label>
                {move || decide.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorNotice error /> })}
                <div class="form-actions">
                    <button type="button" class="btn btn-ghost" on:click=move |_| pending.set(None)>{t!(i18n, approvals.cancel)}</button>
                    <button
                        type="submit"
                        class=move || if pending.get().is_some_and(|(_, a)| a == Action::Approve) { "btn btn-primary" } else { "btn btn-danger" }
                        disabled=move || decide.pending().get() || (needs_comment() && comment.with(|c| c.trim().is_empty()))
                        data-testid="decision-confirm"
                    >
                        {t!(i18n, approvals.confirm)}
                    </button>
                </div>
            </form>
        </Show>
    }
}

/// Approve / return / reject buttons for a card the viewer may decide.
fn decision_buttons(i18n: I18nContext<Locale>, id: i64, pending: Pending) -> impl IntoView {
    let ask = move |a: Action| move |_| pending.set(Some((id, a)));
    view! {
        <div class="decision-buttons">
            <button type="button" class="btn btn-primary" on:click=ask(Action::Approve) data-testid="btn-approve">{t!(i18n, approvals.approve)}</button>
            <button type="button" class="btn" on:click=ask(Action::Return) data-testid="btn-return">{t!(i18n, approvals.return_)}</button>
            <button type="button" class="btn btn-danger" on:click=ask(Action::Reject) data-testid="btn-reject">{t!(i18n, approvals.reject)}</button>
        </div>
    }
}

// ---------------------------------------------------------------- the board

fn card_view(
    i18n: I18nContext<Locale>,
    c: Card,
    pending: Pending,
    now: chrono::DateTime<chrono::Utc>,
) -> impl IntoView {
    let a = c.application;
    let id = a.id;
    let overdue = a.status == Status::Pending && c.sla_due_at <= now;
    let sla = (a.status == Status::Pending).then(|| {
        let due = when(c.sla_due_at);
        let class = if overdue || a.escalated { "sla bad" } else if a.reminded { "sla warn" } else { "sla" };
        view! {
            <div class=class data-testid="card-sla">
                {move || t_string!(i18n, approvals.sla_due, at = due.clone()).to_string()}
                {a.reminded.then(|| view! { <span class="badge warn">{t!(i18n, approvals.reminded)}</span> })}
                {a.escalated.then(|| view! { <span class="badge bad">{t!(i18n, approvals.escalated)}</span> })}
            </div>
        }
    });
    let waiting = c.waiting_for.clone();
    let step_text = move || {
        t_string!(
            i18n,
            approvals.step_of,
            n = a.current_step + 1,
            total = a.steps.len(),
            who = assignee_text(i18n, &waiting)
        )
        .to_string()
    };
    let kind = a.kind;
    let status = a.status;
    // Only a card the viewer may decide can be dragged.
    let drag = c.mine.then(|| id.to_string());
    view! {
        <article class=if c.mine { "kcard mine" } else { "kcard" } data-drag=drag data-drag-kind="card" data-testid="kcard" data-id=id.to_string()>
            <header>
                <A href=format!("/applications/{id}") attr:class="kcard-title">{format!("#{id} {}", a.customer_name)}</A>
                <span class=format!("badge st-{}", status.as_str())>{move || status_text(i18n, status)}</span>
            </header>
            <div class="kcard-amount num">{a.amount.display()}</div>
            <div class="muted small">{move || kind_label(i18n, kind)} " · " {a.applicant_name.clone()}</div>
            {(status == Status::Pending).then(|| view! { <div class="small">{step_text}</div> })}
            {sla}
            {c.mine.then(|| decision_buttons(i18n, id, pending))}
        </article>
    }
}

#[component]
pub fn BoardPage() -> impl IntoView {
    let i18n = use_i18n();
    let decide = ServerAction::<DecideApplication>::new();
    let data = Resource::new(move || decide.version().get(), |_| get_board());
    let pending: Pending = RwSignal::new(None);
    let on_drop = Callback::new(move |d: Drop| {
        let Ok(id) = d.item.parse::<i64>() else {
            return;
        };
        let action = Column::ALL
            .into_iter()
            .find(|c| c.as_str() == d.zone)
            .and_then(Column::drop_action);
        if let Some(a) = action {
            pending.set(Some((id, a)));
        }
    });
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, approvals.board_title)}</h1>
                <div class="head-actions">
                    <A href="/approvals/policy" attr:class="btn btn-ghost">{t!(i18n, approvals.policy_title)}</A>
                    <A href="/applications/new" attr:class="btn btn-primary" attr:data-testid="new-application">{t!(i18n, approvals.new_title)}</A>
                </div>
            </header>
            <p class="muted small">{t!(i18n, approvals.board_hint)}</p>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let board: Board = match data.await {
                        Ok(b) => b,
                        Err(error) => return view! { <ErrorNotice error /> }.into_any(),
                    };
                    let now = board.now;
                    let columns = Column::ALL
                        .into_iter()
                        .map(|col| {
                            let cards: Vec<Card> = board.cards.iter().filter(|c| c.column == col).cloned().collect();
                            let n = cards.len();
                            let droppable = col.drop_action().is_some();
                            let list = cards.into_iter().map(|c| card_view(i18n, c, pending, now)).collect_view();
                            view! {
                                <section
                                    class=format!("kcol kcol-{}", col.as_str())
                                    data-drop=droppable.then(|| col.as_str())
                                    data-accept="card"
                                    data-testid=format!("col-{}", col.as_str())
                                >
                                    <h2>{move || column_title(i18n, col)} <span class="count">{n}</span></h2>
                                    <div class="kcol-cards">{list}</div>
                                </section>
                            }
                        })
                        .collect_view();
                    let away = away_view(i18n, &board);
                    view! {
                        {away}
                        <DragArea on_drop>
                            <div class="kanban" data-testid="board">{columns}</div>
                            // On a phone the decision columns are far below: while a card is
                            // dragged these two targets float at the bottom of the screen.
                            <div class="drop-dock" aria-hidden="true">
                                <div class="dock-zone approve" data-drop="approved" data-accept="card" data-testid="dock-approve">{t!(i18n, approvals.drop_approve)}</div>
                                <div class="dock-zone reject" data-drop="rejected_returned" data-accept="card" data-testid="dock-reject">{t!(i18n, approvals.drop_reject)}</div>
                            </div>
                        </DragArea>
                    }
                    .into_any()
                })}
            </Transition>
            <ConfirmDecision pending decide />
        </div>
    }
}

/// "While I am away": hand one's approvals to a colleague for some days, and the
/// delegations in force for or by the viewer.
fn away_view(i18n: I18nContext<Locale>, board: &Board) -> impl IntoView {
    let delegate = ServerAction::<crate::api::approvals::DelegateApprovals>::new();
    let today = crate::domain::business_date(board.now);
    let (to, from_day, until) = (
        RwSignal::new(String::new()),
        RwSignal::new(today.to_string()),
        RwSignal::new((today + chrono::Duration::days(7)).to_string()),
    );
    let options = board
        .colleagues
        .iter()
        .map(|u| view! { <option value=u.id.to_string()>{u.display_name.clone()}</option> })
        .collect_view();
    let rows = board
        .delegations
        .iter()
        .cloned()
        .map(|(f, t, a, b)| view! { <li data-testid="delegation">{move || t_string!(i18n, approvals.delegation_row, from = f.clone(), to = t.clone(), start = a.to_string(), end = b.to_string()).to_string()}</li> })
        .collect_view();
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(to_user) = to.get_untracked().parse::<i64>() else {
            return;
        };
        delegate.dispatch(crate::api::approvals::DelegateApprovals {
            args: crate::api::approvals::DelegationArgs {
                to_user,
                starts_on: from_day.get_untracked(),
                ends_on: until.get_untracked(),
            },
        });
    };
    view! {
        <details class="card away" data-testid="away">
            <summary>{t!(i18n, approvals.away_title)}</summary>
            <ul class="small">{rows}</ul>
            <form class="away-form" on:submit=send>
                <label class="field"><span>{t!(i18n, approvals.away_to)}</span>
                    <select required on:change=move |ev| to.set(event_target_value(&ev)) data-testid="away-to">
                        <option value="" selected>{t!(i18n, approvals.choose_person)}</option>
                        {options}
                    </select>
                </label>
                <label class="field"><span>{t!(i18n, approvals.away_from)}</span>
                    <input type="date" prop:value=move || from_day.get() on:input=move |ev| from_day.set(event_target_value(&ev)) /></label>
                <label class="field"><span>{t!(i18n, approvals.away_until)}</span>
                    <input type="date" prop:value=move || until.get() on:input=move |ev| until.set(event_target_value(&ev)) /></label>
                <button type="submit" class="btn" disabled=move || delegate.pending().get() data-testid="away-save">{t!(i18n, approvals.away_save)}</button>
            </form>
            {move || delegate.value().get().map(|r| match r {
                Ok(_) => view! { <p class="notice notice-ok" data-testid="away-saved">{t!(i18n, approvals.away_saved)}</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </details>
    }
}

// ---------------------------------------------------------------- one application

#[component]
pub fn ApplicationDetailPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let decide = ServerAction::<DecideApplication>::new();
    let resubmit = ServerAction::<ResubmitApplication>::new();
    let uploaded = RwSignal::new(0u32);
    let data = Resource::new(
        move || {
            (
                id(),
                decide.version().get(),
                resubmit.version().get(),
                uploaded.get(),
            )
        },
        |(id, ..)| get_application(id),
    );
    let pending: Pending = RwSignal::new(None);
    view! {
        <div class="page narrow-page">
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => detail(i18n, page, pending, resubmit, uploaded).into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
            <ConfirmDecision pending decide />
        </div>
    }
}

fn detail(
    i18n: I18nContext<Locale>,
    page: PageData,
    pending: Pending,
    resubmit: ServerAction<ResubmitApplication>,
    uploaded: RwSignal<u32>,
) -> impl IntoView {
    let PageData {
        card,
        events,
        step_labels,
        can_resubmit,
        attachments,
        can_attach,
    } = page;
    let a = card.application.clone();
    let (id, kind, status) = (a.id, a.kind, a.status);
    let steps = step_labels
        .into_iter()
        .enumerate()
        .map(|(i, (who, esc, cc))| {
            let state = if status == Status::Approved || (i as u32) < a.current_step {
                "done"
            } else if i as u32 == a.current_step && status == Status::Pending {
                "current"
            } else if i as u32 == a.current_step {
                "stopped"
            } else {
                "todo"
            };
            let sla = a.steps[i].sla_hours;
            view! {
                <li class=format!("chain-step {state}") data-testid="snap-step">
                    <strong>{move || assignee_text(i18n, &who)}</strong>
                    <span class="muted small">{move || t_string!(i18n, approvals.sla_hours_n, n = sla).to_string()}</span>
                    {esc.map(|e| view! { <span class="muted small">{move || format!("⤴ {}", assignee_text(i18n, &e))}</span> })}
                    {(!cc.is_empty()).then(|| view! { <span class="muted small">{move || format!("CC {}", cc.iter().map(|c| assignee_text(i18n, c)).collect::<Vec<_>>().join(", "))}</span> })}
                </li>
            }
        })
        .collect_view();
    let trail = events
        .into_iter()
        .map(|e| {
            let kind = e.kind.clone();
            let class = format!("tl-item tl-{kind}");
            let who = match (&e.actor, &e.on_behalf_of) {
                (Some(a), Some(b)) => format!("{a} ({b})"),
                (Some(a), None) => a.clone(),
                _ => String::new(),
            };
            view! {
                <li class=class data-testid="trail-item">
                    <div class="tl-head">
                        <strong>{move || event_label(i18n, &kind)}</strong>
                        <span class="muted small">{when(e.at)}</span>
                    </div>
                    <div class="small">{who} {(e.round > 1).then(|| format!(" · R{}", e.round))} {format!(" · {}", e.step + 1)}</div>
                    {(!e.comment.is_empty()).then(|| view! { <p class="tl-comment">{e.comment.clone()}</p> })}
                </li>
            }
        })
        .collect_view();
    let resubmit_comment = RwSignal::new(String::new());
    let f = a.facts.clone();
    let grade = f.grade.map_or("—", Grade::as_str);
    let fstatus = f.status;
    view! {
        <header class="page-head">
            <h1>{format!("#{id} {}", a.customer_name)}</h1>
            <span class=format!("badge st-{}", status.as_str()) data-testid="app-status">{move || status_text(i18n, status)}</span>
        </header>
        <section class="card">
            <dl class="facts">
                <div><dt>{t!(i18n, approvals.kind)}</dt><dd>{move || kind_label(i18n, kind)}</dd></div>
                <div><dt>{t!(i18n, approvals.amount)}</dt><dd class="num strong">{a.amount.display()}</dd></div>
                {a.expires_on.map(|d| view! { <div><dt>{t!(i18n, approvals.expires_on)}</dt><dd>{d.to_string()}</dd></div> })}
                {a.terms_days.map(|t| view! { <div><dt>{t!(i18n, approvals.terms)}</dt><dd class="num">{t}</dd></div> })}
                <div><dt>{t!(i18n, approvals.current_limit)}</dt><dd class="num">{f.current_limit.display()}</dd></div>
                <div><dt>{t!(i18n, approvals.grade)}</dt><dd>{grade}</dd></div>
                <div><dt>{t!(i18n, approvals.status)}</dt><dd>{move || status_label(i18n, fstatus)}</dd></div>
                <div><dt>{t!(i18n, approvals.applicant)}</dt><dd>{a.applicant_name.clone()}</dd></div>
                <div><dt>{t!(i18n, approvals.chain)}</dt><dd>{a.chain_name.clone()}</dd></div>
            </dl>
            <p class="reason">{a.reason.clone()}</p>
            <A href=format!("/customers/{}", a.customer_id) attr:class="btn btn-ghost">{t!(i18n, approvals.open_customer)}</A>
        </section>
        <section class="card">
            <h2>{t!(i18n, approvals.chain)}</h2>
            <ol class="chain-steps" data-testid="snap-steps">{steps}</ol>
            {card.mine.then(|| decision_buttons(i18n, id, pending))}
            {can_resubmit.then(|| view! {
                <form class="form-stack" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    resubmit.dispatch(ResubmitApplication { id, comment: resubmit_comment.get_untracked() });
                }>
                    <label class="field">
                        <span>{t!(i18n, approvals.resubmit_comment)}</span>
                        <textarea rows="2" prop:value=move || resubmit_comment.get() on:input=move |ev| resubmit_comment.set(event_target_value(&ev))></textarea>
                    </label>
                    {move || resubmit.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorNotice error /> })}
                    <button type="submit" class="btn btn-primary" data-testid="resubmit">{t!(i18n, approvals.resubmit)}</button>
                </form>
            })}
        </section>
        <Attachments application=id attachments can_attach uploaded />
        <section class="card">
            <h2>{t!(i18n, approvals.trail)}</h2>
            <ol class="trail" data-testid="trail">{trail}</ol>
        </section>
    }
}

/// An application's documents: download links, and for the applicant an upload (a PDF
/// or an image, checked by the server by its content and size).
#[component]
fn Attachments(
    application: i64,
    attachments: Vec<crate::domain::approval::Attachment>,
    can_attach: bool,
    uploaded: RwSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    let upload = leptos::prelude::Action::new_local(|data: &leptos::web_sys::FormData| {
        crate::api::approvals::attach_to_application(data.clone().into())
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = upload.value().get() {
            uploaded.update(|n| *n += 1);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        use leptos::wasm_bindgen::JsCast;
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlFormElement>().ok())
        else {
            return;
        };
        if let Ok(data) = leptos::web_sys::FormData::new_with_form(&form) {
            upload.dispatch_local(data);
        }
    };
    let empty = attachments.is_empty();
    let rows = attachments
        .into_iter()
        .map(|a| {
            let kb = (a.size_bytes + 1023) / 1024;
            view! {
                <li data-testid="attachment">
                    <a href=format!("/export/attachment/{application}/{}", a.id) rel="external" download>{a.filename.clone()}</a>
                    <span class="muted small">{format!(" {} · {kb} KB · {} · {}", a.kind.mime(), a.uploaded_by, when(a.uploaded_at))}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" data-testid="attachments">
            <h2>{t!(i18n, approvals.attachments)}</h2>
            {empty.then(|| view! { <p class="muted small">{t!(i18n, approvals.no_attachments)}</p> })}
            <ul class="attachments">{rows}</ul>
            {can_attach.then(|| view! {
                <form class="attach-form" on:submit=on_submit data-testid="attach-form">
                    <input type="hidden" name="application" value=application.to_string() />
                    <input type="file" name="file" accept="application/pdf,image/png,image/jpeg" required data-testid="attach-file" />
                    <button type="submit" class="btn" disabled=move || upload.pending().get() data-testid="attach-submit">{t!(i18n, approvals.attach)}</button>
                    <span class="muted small">{t!(i18n, approvals.attach_hint)}</span>
                </form>
                {move || upload.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorNotice error /> })}
            })}
        </section>
    }
}

// ---------------------------------------------------------------- the designer

/// A palette chip or a step's approver, as a drag id: `role:finance`, `user:7`, `manager`.
fn approver_key(a: Approver) -> String {
    match a {
        Approver::Role(r) => format!("role:{}", r.as_str()),
        Approver::User(u) => format!("user:{u}"),
        Approver::Manager => "manager".into(),
    }
}

fn approver_of(key: &str) -> Option<Approver> {
    match key.split_once(':') {
        Some(("role", r)) => Role::parse(r).ok().map(Approver::Role),
        Some(("user", u)) => u.parse().ok().map(Approver::User),
        None if key == "manager" => Some(Approver::Manager),
        _ => None,
    }
}

fn approver_text(i18n: I18nContext<Locale>, a: Approver, users: &[User]) -> String {
    match a {
        Approver::Role(r) => role_label(i18n, r),
        Approver::User(id) => users
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| format!("#{id}"), |u| u.display_name.clone()),
        Approver::Manager => t_string!(i18n, approvals.manager).to_string(),
    }
}

/// Applies a drop to the draft. Zones: `steps:C` (a step moved, or a chip dropped to
/// add a step, at `index` of chain C), `approver:C:I`, `escalate:C:I`, `cc:C:I`.
fn apply_drop(d: &mut PolicyDraft, drop: &Drop) {
    let mut zone = drop.zone.split(':');
    let (what, chain) = (zone.next().unwrap_or(""), zone.next().unwrap_or(""));
    let step_i: Option<usize> = zone.next().and_then(|s| s.parse().ok());
    let chip = drop.item.strip_prefix("chip:").and_then(approver_of);
    // A moved step: `step:C:I`.
    let moved = drop
        .item
        .strip_prefix("step:")
        .and_then(|s| s.split_once(':'))
        .and_then(|(c, i)| Some((c.to_string(), i.parse::<usize>().ok()?)));
    let Some(target) = d.chains.iter().position(|c| c.key == chain) else {
        return;
    };
    match (what, chip, moved, step_i) {
        ("steps", Some(a), _, _) => {
            let at = drop.index.min(d.chains[target].steps.len());
            d.chains[target].steps.insert(
                at,
                Step {
                    approver: a,
                    sla_hours: 24,
                    escalate_to: None,
                    cc: vec![],
                },
            );
        }
        ("steps", None, Some((from_chain, from)), _) => {
            let Some(src) = d.chains.iter().position(|c| c.key == from_chain) else {
                return;
            };
            if from >= d.chains[src].steps.len() {
                return;
            }
            let step = d.chains[src].steps.remove(from);
            let at = drop.index.min(d.chains[target].steps.len());
            d.chains[target].steps.insert(at, step);
        }
        ("approver", Some(a), _, Some(i)) => {
            if let Some(s) = d.chains[target].steps.get_mut(i) {
                s.approver = a;
            }
        }
        ("escalate", Some(a), _, Some(i)) => {
            if let Some(s) = d.chains[target].steps.get_mut(i) {
                s.escalate_to = Some(a);
            }
        }
        ("cc", Some(a), _, Some(i)) => {
            if let Some(s) = d.chains[target].steps.get_mut(i) {
                if !s.cc.contains(&a) {
                    s.cc.push(a);
                }
            }
        }
        _ => {}
    }
}

#[component]
pub fn PolicyPage() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SavePolicy>::new();
    let data = Resource::new(move || save.version().get(), |_| get_policy());
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, approvals.policy_title)}</h1>
                <A href="/approvals" attr:class="btn btn-ghost">{t!(i18n, approvals.board_title)}</A>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(p) => view! { <Designer page=p save /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Designer(
    page: crate::api::approvals::PolicyPage,
    save: ServerAction<SavePolicy>,
) -> impl IntoView {
    let i18n = use_i18n();
    let can = page.can_edit;
    let users = StoredValue::new(page.users);
    let draft = RwSignal::new(page.draft);
    let saved = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            saved.set(true);
        }
    });
    let on_drop = Callback::new(move |drop: Drop| {
        if can {
            saved.set(false);
            draft.update(|d| apply_drop(d, &drop));
        }
    });
    let chip = move |a: Approver| {
        let key = approver_key(a);
        let label = move || users.with_value(|u| approver_text(i18n, a, u));
        view! { <span class="chip" data-drag=format!("chip:{key}") data-drag-kind="chip" data-testid=format!("chip-{key}")>{label}</span> }
    };
    let roles = Role::ALL
        .into_iter()
        .map(|r| chip(Approver::Role(r)))
        .collect_view();
    let people = users.with_value(|u| {
        u.iter()
            .filter(|u| u.role != Role::SalesRep)
            .map(|u| chip(Approver::User(u.id)))
            .collect_view()
    });
    let chains = move || {
        draft.with(|d| {
            d.chains
                .iter()
                .enumerate()
                .map(|(ci, c)| chain_view(i18n, draft, users, ci, c.clone(), can, saved))
                .collect_view()
        })
    };
    let add_chain = move |_| {
        draft.update(|d| {
            let n = d.chains.len() + 1;
            d.chains.push(Chain {
                key: format!("chain_{n}"),
                name: format!("Chain {n}"),
                steps: vec![Step {
                    approver: Approver::Role(Role::Finance),
                    sla_hours: 24,
                    escalate_to: None,
                    cc: vec![],
                }],
            })
        });
        saved.set(false);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SavePolicy {
            draft: draft.get_untracked(),
        });
    };
    view! {
        <DragArea on_drop>
            <div class="designer">
                {can.then(|| view! {
                    <aside class="card palette" data-testid="palette">
                        <h2>{t!(i18n, approvals.palette)}</h2>
                        <p class="muted small">{t!(i18n, approvals.palette_hint)}</p>
                        <div class="chips">{roles}{chip(Approver::Manager)}</div>
                        <h3>{t!(i18n, approvals.people)}</h3>
                        <div class="chips">{people}</div>
                    </aside>
                })}
                <form class="designer-main" on:submit=submit>
                    <div class="chains" data-testid="chains">{chains}</div>
                    {can.then(|| view! { <button type="button" class="btn" on:click=add_chain data-testid="add-chain">{t!(i18n, approvals.add_chain)}</button> })}
                    <RoutesEditor draft can saved />
                    {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorNotice error /> })}
                    <Show when=move || saved.get()><p class="notice notice-ok" data-testid="policy-saved">{t!(i18n, approvals.saved)}</p></Show>
                    {can.then(|| view! {
                        <div class="form-actions">
                            <button type="submit" class="btn btn-primary" disabled=move || save.pending().get() data-testid="save-policy">{t!(i18n, approvals.save_policy)}</button>
                        </div>
                    })}
                </form>
            </div>
        </DragArea>
    }
}

fn chain_view(
    i18n: I18nContext<Locale>,
    draft: RwSignal<PolicyDraft>,
    users: StoredValue<Vec<User>>,
    ci: usize,
    c: Chain,
    can: bool,
    saved: RwSignal<bool>,
) -> impl IntoView {
    let key = c.key.clone();
    let edit = move |f: Box<dyn Fn(&mut Chain)>| {
        saved.set(false);
        draft.update(|d| {
            if let Some(c) = d.chains.get_mut(ci) {
                f(c)
            }
        })
    };
    let steps = c
        .steps
        .iter()
        .enumerate()
        .map(|(si, s)| {
            let n = c.steps.len();
            let s = s.clone();
            let who = users.with_value(|u| approver_text(i18n, s.approver, u));
            let esc = s.escalate_to.map(|e| users.with_value(|u| approver_text(i18n, e, u)));
            let cc = users.with_value(|u| s.cc.iter().map(|a| approver_text(i18n, *a, u)).collect::<Vec<_>>().join(", "));
            let mv = move |delta: isize| {
                move |_| {
                    edit(Box::new(move |c: &mut Chain| {
                        let to = si as isize + delta;
                        if to >= 0 && (to as usize) < c.steps.len() {
                            c.steps.swap(si, to as usize);
                        }
                    }))
                }
            };
            view! {
                <li class="step-row" data-drag=format!("step:{}:{si}", c.key) data-drag-kind="step" data-testid="step-row" data-approver=approver_key(s.approver)>
                    {can.then(|| view! { <span class="handle" data-drag-handle aria-hidden="true">"⋮⋮"</span> })}
                    <span class="step-n">{si + 1}</span>
                    <div class="step-body">
                        <div class="slot" data-drop=format!("approver:{}:{si}", c.key) data-accept="chip">
                            <span class="chip solid">{who}</span>
                        </div>
                        <label class="inline small">
                            {t!(i18n, approvals.sla_hours)}
                            <input
                                class="sla-input"
                                inputmode="numeric"
                                prop:value=s.sla_hours.to_string()
                                disabled=!can
                                on:change=move |ev| {
                                    let v = event_target_value(&ev).trim().parse::<u32>().unwrap_or(0);
                                    edit(Box::new(move |c: &mut Chain| c.steps[si].sla_hours = v));
                                }
                            />
                        </label>
                        <div class="slot small" data-drop=format!("escalate:{}:{si}", c.key) data-accept="chip">
                            {t!(i18n, approvals.escalate_to)} " "
                            <span class="chip">{esc.unwrap_or_else(|| "—".into())}</span>
                        </div>
                        <div class="slot small" data-drop=format!("cc:{}:{si}", c.key) data-accept="chip">
                            "CC " <span class="chip">{if cc.is_empty() { "—".to_string() } else { cc }}</span>
                        </div>
                    </div>
                    {can.then(|| view! {
                        <div class="step-buttons">
                            <button type="button" class="btn btn-icon" disabled=si == 0 on:click=mv(-1) aria-label=move || t_string!(i18n, approvals.move_up) data-testid="step-up">"↑"</button>
                            <button type="button" class="btn btn-icon" disabled=si + 1 == n on:click=mv(1) aria-label=move || t_string!(i18n, approvals.move_down) data-testid="step-down">"↓"</button>
                            <button type="button" class="btn btn-icon" on:click=move |_| edit(Box::new(move |c: &mut Chain| { c.steps.remove(si); })) aria-label=move || t_string!(i18n, approvals.remove)>"×"</button>
                        </div>
                    })}
                </li>
            }
        })
        .collect_view();
    let remove_chain = move |_| {
        saved.set(false);
        draft.update(|d| {
            d.chains.remove(ci);
        })
    };
    view! {
        <section class="card chain" data-testid=format!("chain-{key}")>
            <header class="chain-head">
                <input class="chain-name" prop:value=c.name.clone() disabled=!can aria-label=move || t_string!(i18n, approvals.chain_name)
                    on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |c: &mut Chain| c.name = v.clone())); } />
                <code class="muted small">{c.key.clone()}</code>
                {can.then(|| view! { <button type="button" class="btn btn-ghost btn-icon" on:click=remove_chain aria-label=move || t_string!(i18n, approvals.remove)>"×"</button> })}
            </header>
            <ol class="steps" data-drop=format!("steps:{key}") data-accept="step chip" data-testid="steps">{steps}</ol>
        </section>
    }
}

// ---------------------------------------------------------------- routes and adjustments

/// A condition as the editor shows it: (field, text).
fn condition_parts(c: &Condition) -> (&'static str, String) {
    let list = |v: Vec<&str>| v.join(", ");
    match c {
        Condition::AmountOver(x) => ("amount_over", x.to_string()),
        Condition::AmountAtMost(x) => ("amount_at_most", x.to_string()),
        Condition::IncreaseOver(x) => ("increase_over", x.to_string()),
        Condition::GradeIn(g) => ("grade_in", list(g.iter().map(|g| g.as_str()).collect())),
        Condition::StatusIn(s) => ("status_in", list(s.iter().map(|s| s.as_str()).collect())),
        Condition::RegionIn(r) => ("region_in", r.join(", ")),
        Condition::KindIs(k) => ("kind_is", k.as_str().to_string()),
    }
}

/// The editor's (field, text) back to a condition; unparsable parts are dropped, and
/// the server names whatever is then empty or wrong.
fn condition_of(field: &str, text: &str) -> Condition {
    let items = || {
        text.split([',', '，'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let num = || text.trim().parse().unwrap_or_default();
    match field {
        "amount_at_most" => Condition::AmountAtMost(num()),
        "increase_over" => Condition::IncreaseOver(num()),
        "grade_in" => Condition::GradeIn(
            items()
                .filter_map(|g| Grade::parse(&g.to_uppercase()).ok())
                .collect(),
        ),
        "status_in" => Condition::StatusIn(
            items()
                .filter_map(|s| CustomerStatus::parse(s).ok())
                .collect(),
        ),
        "region_in" => Condition::RegionIn(items().map(str::to_string).collect()),
        "kind_is" => Condition::KindIs(
            RequestKind::parse(text.trim()).unwrap_or(RequestKind::PermanentLimit),
        ),
        _ => Condition::AmountOver(num()),
    }
}

const FIELDS: [&str; 7] = [
    "amount_over",
    "amount_at_most",
    "increase_over",
    "grade_in",
    "status_in",
    "region_in",
    "kind_is",
];

fn field_label(i18n: I18nContext<Locale>, f: &str) -> String {
    match f {
        "amount_over" => t_string!(i18n, approvals.f_amount_over),
        "amount_at_most" => t_string!(i18n, approvals.f_amount_at_most),
        "increase_over" => t_string!(i18n, approvals.f_increase_over),
        "grade_in" => t_string!(i18n, approvals.f_grade_in),
        "status_in" => t_string!(i18n, approvals.f_status_in),
        "region_in" => t_string!(i18n, approvals.f_region_in),
        _ => t_string!(i18n, approvals.f_kind_is),
    }
    .to_string()
}

/// One row's conditions, edited in place through `get`/`set` on the row.
fn conditions_view(
    i18n: I18nContext<Locale>,
    when: Vec<Condition>,
    can: bool,
    set: impl Fn(Vec<Condition>) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let all = StoredValue::new(when.clone());
    let rows = when
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (field, text) = condition_parts(c);
            let options = FIELDS
                .iter()
                .map(|f| view! { <option value=*f selected=*f == field>{move || field_label(i18n, f)}</option> })
                .collect_view();
            let (set1, set2, set3) = (set.clone(), set.clone(), set.clone());
            let field_s = field.to_string();
            let text_s = text.clone();
            view! {
                <span class="cond">
                    <select disabled=!can on:change=move |ev| {
                        let f = event_target_value(&ev);
                        let mut v = all.get_value();
                        v[i] = condition_of(&f, &text_s);
                        set1(v);
                    }>{options}</select>
                    <input class="cond-value" prop:value=text.clone() disabled=!can on:change=move |ev| {
                        let t = event_target_value(&ev);
                        let mut v = all.get_value();
                        v[i] = condition_of(&field_s, &t);
                        set2(v);
                    } />
                    {can.then(|| view! { <button type="button" class="btn btn-icon btn-ghost" on:click=move |_| { let mut v = all.get_value(); v.remove(i); set3(v); }>"×"</button> })}
                </span>
            }
        })
        .collect_view();
    let add = move |_| {
        let mut v = all.get_value();
        v.push(Condition::AmountOver(Default::default()));
        set(v);
    };
    view! {
        <div class="conds">
            {if when.is_empty() { Some(view! { <span class="muted small">{t!(i18n, approvals.always)}</span> }) } else { None }}
            {rows}
            {can.then(|| view! { <button type="button" class="btn btn-ghost small" on:click=add>{t!(i18n, approvals.add_condition)}</button> })}
        </div>
    }
}

#[component]
fn RoutesEditor(draft: RwSignal<PolicyDraft>, can: bool, saved: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let edit = move |f: Box<dyn Fn(&mut PolicyDraft)>| {
        saved.set(false);
        draft.update(|d| f(d));
    };
    let chain_options = move |selected: String| {
        draft.with(|d| d.chains.iter().map(|c| view! { <option value=c.key.clone() selected=c.key == selected>{c.name.clone()}</option> }).collect_view())
    };
    let routes = move || {
        let d = draft.get();
        d.routes
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let set = move |v: Vec<Condition>| edit(Box::new(move |d: &mut PolicyDraft| d.routes[i].when = v.clone()));
                view! {
                    <tr data-testid="route-row">
                        <td>{conditions_view(i18n, r.when.clone(), can, set)}</td>
                        <td>
                            <select disabled=!can on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |d: &mut PolicyDraft| d.routes[i].chain = v.clone())); }>
                                {chain_options(r.chain.clone())}
                            </select>
                        </td>
                        <td>{can.then(|| view! { <button type="button" class="btn btn-icon btn-ghost" on:click=move |_| edit(Box::new(move |d: &mut PolicyDraft| { d.routes.remove(i); }))>"×"</button> })}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let adjustments = move || {
        let d = draft.get();
        d.adjustments
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let set = move |v: Vec<Condition>| edit(Box::new(move |d: &mut PolicyDraft| d.adjustments[i].when = v.clone()));
                let (is_skip, role, at) = match &a.then {
                    Adjust::Skip { role } => (true, *role, 0),
                    Adjust::Insert { at, step } => (false, match step.approver { Approver::Role(r) => r, _ => Role::Executive }, *at),
                };
                let roles = Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == role>{move || role_label(i18n, r)}</option> }).collect_view();
                let set_then = move |skip: bool, role: Role, at: u32| {
                    edit(Box::new(move |d: &mut PolicyDraft| {
                        d.adjustments[i].then = if skip {
                            Adjust::Skip { role }
                        } else {
                            Adjust::Insert { at, step: Step { approver: Approver::Role(role), sla_hours: 24, escalate_to: None, cc: vec![] } }
                        }
                    }))
                };
                view! {
                    <tr data-testid="adjust-row">
                        <td>{conditions_view(i18n, a.when.clone(), can, set)}</td>
                        <td class="adjust-then">
                            <select disabled=!can on:change=move |ev| set_then(event_target_value(&ev) == "skip", role, at)>
                                <option value="insert" selected=!is_skip>{t!(i18n, approvals.insert)}</option>
                                <option value="skip" selected=is_skip>{t!(i18n, approvals.skip)}</option>
                            </select>
                            <select disabled=!can on:change=move |ev| set_then(is_skip, Role::parse(&event_target_value(&ev)).unwrap_or(role), at)>{roles}</select>
                            {(!is_skip).then(|| view! {
                                <label class="inline small">{t!(i18n, approvals.at_position)}
                                    <input class="sla-input" inputmode="numeric" prop:value=(at.min(99) + 1).to_string() disabled=!can
                                        on:change=move |ev| set_then(false, role, event_target_value(&ev).trim().parse::<u32>().unwrap_or(1).saturating_sub(1)) />
                                </label>
                            })}
                        </td>
                        <td>{can.then(|| view! { <button type="button" class="btn btn-icon btn-ghost" on:click=move |_| edit(Box::new(move |d: &mut PolicyDraft| { d.adjustments.remove(i); }))>"×"</button> })}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let fallback = move || draft.with(|d| d.fallback.clone());
    view! {
        <section class="card" data-testid="routes">
            <h2>{t!(i18n, approvals.routes)}</h2>
            <p class="muted small">{t!(i18n, approvals.routes_hint)}</p>
            <div class="table-scroll">
                <table class="table compact">
                    <thead><tr><th>{t!(i18n, approvals.when)}</th><th>{t!(i18n, approvals.use_chain)}</th><th></th></tr></thead>
                    <tbody>{routes}</tbody>
                </table>
            </div>
            {can.then(|| view! {
                <button type="button" class="btn btn-ghost" on:click=move |_| edit(Box::new(|d: &mut PolicyDraft| {
                    let chain = d.fallback.clone();
                    d.routes.push(Route { when: vec![Condition::AmountOver(Default::default())], chain });
                }))>{t!(i18n, approvals.add_route)}</button>
            })}
            <label class="field inline">
                <span>{t!(i18n, approvals.otherwise)}</span>
                <select disabled=!can on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |d: &mut PolicyDraft| d.fallback = v.clone())); }>
                    {move || chain_options(fallback())}
                </select>
            </label>
            <h2>{t!(i18n, approvals.adjustments)}</h2>
            <div class="table-scroll">
                <table class="table compact">
                    <thead><tr><th>{t!(i18n, approvals.when)}</th><th>{t!(i18n, approvals.then)}</th><th></th></tr></thead>
                    <tbody>{adjustments}</tbody>
                </table>
            </div>
            {can.then(|| view! {
                <button type="button" class="btn btn-ghost" on:click=move |_| edit(Box::new(|d: &mut PolicyDraft| {
                    d.adjustments.push(Adjustment { when: vec![Condition::AmountOver(Default::default())], then: Adjust::Skip { role: Role::CreditManager } });
                }))>{t!(i18n, approvals.add_adjustment)}</button>
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> PolicyDraft {
        crate::domain::approval::Policy::default_policy()
            .draft()
            .clone()
    }

    fn approvers(d: &PolicyDraft, chain: usize) -> Vec<Approver> {
        d.chains[chain].steps.iter().map(|s| s.approver).collect()
    }

    #[test]
    fn drops_reorder_steps_and_place_chips() {
        let mut d = draft();
        // "large" is SM, CM, FIN: move finance (index 2) to the front.
        apply_drop(
            &mut d,
            &Drop {
                item: "step:large:2".into(),
                kind: Some("step".into()),
                zone: "steps:large".into(),
                index: 0,
            },
        );
        assert_eq!(
            approvers(&d, 1),
            [
                Approver::Role(Role::Finance),
                Approver::Role(Role::SalesManager),
                Approver::Role(Role::CreditManager)
            ]
        );
        // A chip dropped between steps adds one there.
        apply_drop(
            &mut d,
            &Drop {
                item: "chip:user:7".into(),
                kind: Some("chip".into()),
                zone: "steps:large".into(),
                index: 1,
            },
        );
        assert_eq!(approvers(&d, 1)[1], Approver::User(7));
        // On a step's approver, escalation and CC slots.
        apply_drop(
            &mut d,
            &Drop {
                item: "chip:manager".into(),
                kind: Some("chip".into()),
                zone: "approver:standard:0".into(),
                index: 0,
            },
        );
        apply_drop(
            &mut d,
            &Drop {
                item: "chip:role:executive".into(),
                kind: Some("chip".into()),
                zone: "escalate:standard:0".into(),
                index: 0,
            },
        );
        apply_drop(
            &mut d,
            &Drop {
                item: "chip:role:finance".into(),
                kind: Some("chip".into()),
                zone: "cc:standard:0".into(),
                index: 0,
            },
        );
        apply_drop(
            &mut d,
            &Drop {
                item: "chip:role:finance".into(),
                kind: Some("chip".into()),
                zone: "cc:standard:0".into(),
                index: 0,
            },
        );
        let s = &d.chains[0].steps[0];
        assert_eq!(
            (s.approver, s.escalate_to, s.cc.clone()),
            (
                Approver::Manager,
                Some(Approver::Role(Role::Executive)),
                vec![Approver::Role(Role::Finance)]
            )
        );
        // A step moved to another chain, and nonsense ignored.
        apply_drop(
            &mut d,
            &Drop {
                item: "step:standard:1".into(),
                kind: Some("step".into()),
                zone: "steps:large".into(),
                index: 99,
            },
        );
        assert_eq!(d.chains[0].steps.len(), 1);
        assert_eq!(d.chains[1].steps.len(), 5);
        let before = d.clone();
        apply_drop(
            &mut d,
            &Drop {
                item: "step:nope:9".into(),
                kind: None,
                zone: "steps:large".into(),
                index: 0,
            },
        );
        apply_drop(
            &mut d,
            &Drop {
                item: "chip:role:pope".into(),
                kind: None,
                zone: "approver:large:0".into(),
                index: 0,
            },
        );
        assert_eq!(d, before);
    }

    #[test]
    fn conditions_round_trip_through_the_editor() {
        for c in [
            Condition::AmountOver(50_000.into()),
            Condition::IncreaseOver(20.into()),
            Condition::GradeIn(vec![Grade::A, Grade::B]),
            Condition::StatusIn(vec![CustomerStatus::Watch]),
            Condition::RegionIn(vec!["East".into(), "华北".into()]),
            Condition::KindIs(RequestKind::TemporaryLimit),
        ] {
            let (f, t) = condition_parts(&c);
            assert_eq!(condition_of(f, &t), c);
        }
    }
}
