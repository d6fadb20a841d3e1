//! The task page's forms. The rep's three writes (contact, promise, dispute) are checked
//! here with the same domain parsers the server uses (`Contact::parse`, `Promise::parse`,
//! `Dispute::parse`, pure, so they run offline), then handed to the offline queue; the
//! task's own actions (done, escalate, reassign, resolve a dispute) need the network and
//! say so while offline.
//!
//! Invariants, and why they hold:
//! - A form's state lives in `Forms`, created once per page, not in the views: the page's
//!   data is refetched after every sync and its sections re-render, but what the rep is
//!   typing, and which form is open, survive.
//! - A draft that fails the local parse is not queued; each message shows under its
//!   field. A draft that passes is queued exactly once (one client id per submit), and
//!   its fields are cleared, so a second tap records a second write only on purpose.
//! - A task already closed when the page loaded sends its writes with `keep_if_closed`
//!   (the page says so); a task closed meanwhile comes back as a conflict to resolve.
use super::queue::{client_id, enqueue, use_queue, OpState};
use super::{
    category_label, channel_label, field_msg, has_error, money, outcome_label, pool_label, I18n,
};
use crate::api::collections::{CloseTask, EscalateTask, InvoiceDue, ReassignTask, TaskPage};
use crate::domain::auth::Role;
use crate::domain::collections::{
    Channel, Contact, ContactDraft, Dispute, DisputeCategory, DisputeDraft, Op, OpBody,
    OpenInvoice, Outcome, Promise, PromiseDraft, TaskStatus,
};
use crate::domain::documents::FieldError;
use crate::i18n::*;
use crate::ui::format::{role_label, ErrorNotice};
use leptos::prelude::*;
use leptos_router::components::A;

type Errors = RwSignal<Vec<FieldError>>;

/// Which of the rep's forms is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Contact,
    Promise,
    Dispute,
}

/// Which of the task's actions is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Done,
    Escalate,
    Reassign,
}

/// Every input of the task page, kept across re-renders of its sections.
#[derive(Clone, Copy)]
pub struct Forms {
    pub tab: RwSignal<Tab>,
    pub finish: RwSignal<Option<Finish>>,
    channel: RwSignal<String>,
    outcome: RwSignal<String>,
    notes: RwSignal<String>,
    next_on: RwSignal<String>,
    c_errors: Errors,
    p_due: RwSignal<String>,
    p_amount: RwSignal<String>,
    /// The amount follows the chosen invoices until the rep types one.
    p_auto: RwSignal<bool>,
    p_invoices: RwSignal<Vec<i64>>,
    p_notes: RwSignal<String>,
    p_errors: Errors,
    d_category: RwSignal<String>,
    d_reason: RwSignal<String>,
    d_invoices: RwSignal<Vec<i64>>,
    d_errors: Errors,
    /// What was just queued, by client id (the confirmation under the form follows
    /// that write's state).
    pub queued: RwSignal<Option<(Tab, String)>>,
    close_note: RwSignal<String>,
    esc_note: RwSignal<String>,
    assignee: RwSignal<String>,
    /// The legal task an escalation opened.
    pub escalated: RwSignal<Option<i64>>,
}

impl Forms {
    pub fn new() -> Forms {
        Forms {
            tab: RwSignal::new(Tab::Contact),
            finish: RwSignal::new(None),
            channel: RwSignal::new(Channel::Call.as_str().into()),
            outcome: RwSignal::new(String::new()),
            notes: RwSignal::new(String::new()),
            next_on: RwSignal::new(String::new()),
            c_errors: RwSignal::new(Vec::new()),
            p_due: RwSignal::new(String::new()),
            p_amount: RwSignal::new(String::new()),
            p_auto: RwSignal::new(true),
            p_invoices: RwSignal::new(Vec::new()),
            p_notes: RwSignal::new(String::new()),
            p_errors: RwSignal::new(Vec::new()),
            d_category: RwSignal::new(String::new()),
            d_reason: RwSignal::new(String::new()),
            d_invoices: RwSignal::new(Vec::new()),
            d_errors: RwSignal::new(Vec::new()),
            queued: RwSignal::new(None),
            close_note: RwSignal::new(String::new()),
            esc_note: RwSignal::new(String::new()),
            assignee: RwSignal::new(String::new()),
            escalated: RwSignal::new(None),
        }
    }

    /// Back to empty forms (another task was opened).
    pub fn reset(&self) {
        self.tab.set(Tab::Contact);
        self.finish.set(None);
        self.channel.set(Channel::Call.as_str().into());
        for s in [
            self.outcome,
            self.notes,
            self.next_on,
            self.p_due,
            self.p_amount,
            self.p_notes,
            self.d_category,
            self.d_reason,
            self.close_note,
            self.esc_note,
            self.assignee,
        ] {
            s.set(String::new());
        }
        self.p_auto.set(true);
        self.p_invoices.set(Vec::new());
        self.d_invoices.set(Vec::new());
        for e in [self.c_errors, self.p_errors, self.d_errors] {
            e.set(Vec::new());
        }
        self.queued.set(None);
        self.escalated.set(None);
    }
}

fn open_of(invoices: &[InvoiceDue]) -> Vec<OpenInvoice> {
    invoices.iter().map(|i| i.invoice.clone()).collect()
}

/// A set of big radio buttons (one choice), phone-sized.
fn options<T: Copy + Send + Sync + 'static>(
    name: &'static str,
    all: &'static [T],
    value: RwSignal<String>,
    code: fn(T) -> &'static str,
    label: impl Fn(T) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    all.iter()
        .map(|&v| {
            let c = code(v);
            view! {
                <label class="opt" data-testid=format!("{name}-{c}")>
                    <input type="radio" name=name value=c prop:checked=move || value.get() == c on:change=move |_| value.set(c.to_string()) />
                    <span>{move || label(v)}</span>
                </label>
            }
        })
        .collect_view()
}

/// Checkboxes over the customer's open invoices.
fn invoice_checks(
    i18n: I18n,
    name: &'static str,
    invoices: &[InvoiceDue],
    chosen: RwSignal<Vec<i64>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> AnyView {
    if invoices.is_empty() {
        return view! { <p class="muted small">{t!(i18n, collections.no_open_invoices)}</p> }
            .into_any();
    }
    invoices
        .iter()
        .map(|i| {
            let id = i.invoice.id;
            let number = i.invoice.number.clone();
            let open = money(i.invoice.open_minor).display();
            let band = super::aging_band(i.days_past_due);
            let days = i.days_past_due;
            let testid = format!("{name}-inv-{number}");
            view! {
                <label class="inv-check" data-testid=testid>
                    <input type="checkbox" value=id prop:checked=move || chosen.with(|c| c.contains(&id))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|c| {
                                c.retain(|x| *x != id);
                                if on { c.push(id); }
                            });
                            on_change();
                        } />
                    <span class=format!("age-dot age-{band}") aria-hidden="true"></span>
                    <span class="inv-check-text">
                        <span class="mono">{number}</span>
                        <span class="muted small">{move || super::aging_label(i18n, days)}</span>
                    </span>
                    <span class="num">{open}</span>
                </label>
            }
        })
        .collect_view()
        .into_any()
}

fn tab_button(i18n: I18n, forms: Forms, tab: Tab, testid: &'static str) -> impl IntoView {
    let label = move || match tab {
        Tab::Contact => t_string!(i18n, collections.tab_contact).to_string(),
        Tab::Promise => t_string!(i18n, collections.tab_promise).to_string(),
        Tab::Dispute => t_string!(i18n, collections.tab_dispute).to_string(),
    };
    view! {
        <button type="button" role="tab" class="tab" class:active=move || forms.tab.get() == tab
            aria-selected=move || if forms.tab.get() == tab { "true" } else { "false" }
            data-testid=testid on:click=move |_| { forms.tab.set(tab); forms.queued.set(None); }>
            {label}
        </button>
    }
}

/// The rep's three writes, each queued (and synced when online).
#[component]
pub fn WorkForms(forms: Forms, page: TaskPage) -> impl IntoView {
    let i18n = use_i18n();
    let q = use_queue();
    let task_id = page.task.id;
    let today = page.today;
    let keep_if_closed = page.task.status != TaskStatus::Open;
    let open = StoredValue::new(open_of(&page.invoices));
    let queued_note = move |tab: Tab| {
        move || {
            let (t, id) = forms.queued.get()?;
            if t != tab {
                return None;
            }
            let state = q
                .records
                .with(|r| r.iter().find(|x| x.client_id == id).map(|x| x.state))?;
            let (text, class) = match state {
                OpState::Queued if q.online.get() => (
                    t_string!(i18n, collections.saved_online).to_string(),
                    "notice-ok",
                ),
                OpState::Queued => (
                    t_string!(i18n, collections.saved_offline).to_string(),
                    "notice-warn",
                ),
                OpState::Synced => (
                    t_string!(i18n, collections.saved_synced).to_string(),
                    "notice-ok",
                ),
                OpState::Conflict | OpState::Invalid => (
                    t_string!(i18n, collections.saved_problem).to_string(),
                    "notice-error",
                ),
            };
            Some(
                view! { <p class=format!("notice {class} notice-line") data-testid="op-queued" data-state=state.as_str()>{text}</p> },
            )
        }
    };
    let send = move |body: OpBody, tab: Tab| {
        let id = client_id();
        forms.queued.set(Some((tab, id.to_string())));
        enqueue(
            q,
            Op {
                client_id: id,
                task_id,
                body,
                keep_if_closed,
            },
        );
    };

    let f = forms;
    let submit_contact = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = ContactDraft {
            channel: f.channel.get_untracked(),
            outcome: f.outcome.get_untracked(),
            notes: f.notes.get_untracked(),
            next_action_on: f.next_on.get_untracked(),
        };
        match Contact::parse(&draft, today) {
            Err(e) => f.c_errors.set(e),
            Ok(_) => {
                f.c_errors.set(Vec::new());
                send(OpBody::Contact(draft), Tab::Contact);
                f.outcome.set(String::new());
                f.notes.set(String::new());
                f.next_on.set(String::new());
            }
        }
    };
    let submit_promise = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = PromiseDraft {
            due_on: f.p_due.get_untracked(),
            amount: f.p_amount.get_untracked(),
            invoice_ids: f.p_invoices.get_untracked(),
            notes: f.p_notes.get_untracked(),
        };
        match open.with_value(|o| Promise::parse(&draft, today, o)) {
            Err(e) => f.p_errors.set(e),
            Ok(_) => {
                f.p_errors.set(Vec::new());
                send(OpBody::Promise(draft), Tab::Promise);
                f.p_due.set(String::new());
                f.p_amount.set(String::new());
                f.p_auto.set(true);
                f.p_invoices.set(Vec::new());
                f.p_notes.set(String::new());
            }
        }
    };
    let submit_dispute = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = DisputeDraft {
            category: f.d_category.get_untracked(),
            reason: f.d_reason.get_untracked(),
            invoice_ids: f.d_invoices.get_untracked(),
        };
        match open.with_value(|o| Dispute::parse(&draft, o)) {
            Err(e) => f.d_errors.set(e),
            Ok(_) => {
                f.d_errors.set(Vec::new());
                send(OpBody::Dispute(draft), Tab::Dispute);
                f.d_category.set(String::new());
                f.d_reason.set(String::new());
                f.d_invoices.set(Vec::new());
            }
        }
    };
    // The promised amount follows the chosen invoices' open total until typed over.
    let open_for_sum = open;
    let resum = move || {
        if f.p_auto.get_untracked() {
            let chosen = f.p_invoices.get_untracked();
            let sum: i64 = open_for_sum.with_value(|o| {
                o.iter()
                    .filter(|i| chosen.contains(&i.id))
                    .map(|i| i.open_minor)
                    .sum()
            });
            f.p_amount.set(if sum > 0 {
                money(sum).amount().to_string()
            } else {
                String::new()
            });
        }
    };

    let contact_form = view! {
        <form class="work-form" on:submit=submit_contact novalidate data-testid="contact-form">
            <fieldset class="field opts" class:invalid=move || has_error(f.c_errors, "channel")>
                <legend>{t!(i18n, collections.channel)}</legend>
                <div class="opt-group">{options("channel", Channel::ALL, f.channel, Channel::as_str, move |c| channel_label(i18n, c))}</div>
                {field_msg(f.c_errors, "channel")}
            </fieldset>
            <fieldset class="field opts">
                <legend>{t!(i18n, collections.outcome)}</legend>
                <div class="opt-group">{options("outcome", Outcome::ALL, f.outcome, Outcome::as_str, move |o| outcome_label(i18n, o))}</div>
                {field_msg(f.c_errors, "outcome")}
            </fieldset>
            <label class="field">
                <span>{t!(i18n, collections.notes)}</span>
                <textarea rows="3" prop:value=move || f.notes.get() on:input=move |ev| f.notes.set(event_target_value(&ev)) data-testid="contact-notes"></textarea>
                {field_msg(f.c_errors, "notes")}
            </label>
            <label class="field">
                <span>{t!(i18n, collections.next_action)}</span>
                <input type="date" min=today.to_string() prop:value=move || f.next_on.get() on:input=move |ev| f.next_on.set(event_target_value(&ev)) data-testid="contact-next" />
                {field_msg(f.c_errors, "next_action_on")}
            </label>
            <button type="submit" class="btn btn-primary btn-block" data-testid="contact-save">{t!(i18n, collections.save_contact)}</button>
            {queued_note(Tab::Contact)}
        </form>
    }
    .into_any();

    let promise_checks = invoice_checks(i18n, "promise", &page.invoices, f.p_invoices, resum);
    let promise_form = view! {
        <form class="work-form" on:submit=submit_promise novalidate data-testid="promise-form">
            <fieldset class="field">
                <legend>{t!(i18n, collections.invoices)}</legend>
                <div class="inv-checks">{promise_checks}</div>
                {field_msg(f.p_errors, "invoice_ids")}
            </fieldset>
            <div class="form-pair">
                <label class="field">
                    <span>{t!(i18n, collections.promise_date)}</span>
                    <input type="date" min=today.to_string() prop:value=move || f.p_due.get() on:input=move |ev| f.p_due.set(event_target_value(&ev))
                        class:invalid=move || has_error(f.p_errors, "due_on") data-testid="promise-date" />
                    {field_msg(f.p_errors, "due_on")}
                </label>
                <label class="field">
                    <span>{t!(i18n, collections.amount)}</span>
                    <input type="text" inputmode="decimal" class="amount-input" prop:value=move || f.p_amount.get()
                        on:input=move |ev| { f.p_auto.set(false); f.p_amount.set(event_target_value(&ev)); }
                        class:invalid=move || has_error(f.p_errors, "amount") data-testid="promise-amount" />
                    {field_msg(f.p_errors, "amount")}
                </label>
            </div>
            <p class="muted small">{t!(i18n, collections.promise_hint, n = page.grace_days)}</p>
            <label class="field">
                <span>{t!(i18n, collections.notes)}</span>
                <textarea rows="2" prop:value=move || f.p_notes.get() on:input=move |ev| f.p_notes.set(event_target_value(&ev)) data-testid="promise-notes"></textarea>
            </label>
            <button type="submit" class="btn btn-primary btn-block" data-testid="promise-save">{t!(i18n, collections.save_promise)}</button>
            {queued_note(Tab::Promise)}
        </form>
    }
    .into_any();

    let dispute_checks = invoice_checks(i18n, "dispute", &page.invoices, f.d_invoices, || ());
    let categories = move || {
        let cur = f.d_category.get();
        DisputeCategory::ALL
            .iter()
            .map(|c| view! { <option value=c.as_str() selected=cur == c.as_str()>{category_label(i18n, *c)}</option> })
            .collect_view()
    };
    let dispute_form = view! {
        <form class="work-form" on:submit=submit_dispute novalidate data-testid="dispute-form">
            <label class="field">
                <span>{t!(i18n, collections.category)}</span>
                <select on:change=move |ev| f.d_category.set(event_target_value(&ev)) prop:value=move || f.d_category.get() data-testid="dispute-category">
                    <option value="">{t!(i18n, collections.choose)}</option>
                    {categories}
                </select>
                {field_msg(f.d_errors, "category")}
            </label>
            <label class="field">
                <span>{t!(i18n, collections.reason)}</span>
                <textarea rows="3" prop:value=move || f.d_reason.get() on:input=move |ev| f.d_reason.set(event_target_value(&ev)) data-testid="dispute-reason"></textarea>
                {field_msg(f.d_errors, "reason")}
            </label>
            <fieldset class="field">
                <legend>{t!(i18n, collections.invoices)}</legend>
                <div class="inv-checks">{dispute_checks}</div>
                {field_msg(f.d_errors, "invoice_ids")}
            </fieldset>
            <p class="muted small">{t!(i18n, collections.dispute_hint)}</p>
            <button type="submit" class="btn btn-primary btn-block" data-testid="dispute-save">{t!(i18n, collections.save_dispute)}</button>
            {queued_note(Tab::Dispute)}
        </form>
    }
    .into_any();

    view! {
        <section class="card work-card" data-testid="work-card">
            <div class="tabs" role="tablist">
                {tab_button(i18n, forms, Tab::Contact, "tab-contact")}
                {tab_button(i18n, forms, Tab::Promise, "tab-promise")}
                {tab_button(i18n, forms, Tab::Dispute, "tab-dispute")}
            </div>
            {keep_if_closed.then(|| view! { <p class="notice notice-warn small" data-testid="closed-keep">{t!(i18n, collections.closed_keep)}</p> })}
            // Until hydration the forms cannot queue anything: disabled, and until then
            // (for good, with JavaScript off) a line says why. Not a <noscript>: its
            // content is text to a browser running scripts, which hydration cannot match.
            <p class="muted small no-js-only">{t!(i18n, collections.needs_js)}</p>
            <fieldset class="bare" disabled=move || !q.live.get()>
                <div class:hidden=move || forms.tab.get() != Tab::Contact>{contact_form}</div>
                <div class:hidden=move || forms.tab.get() != Tab::Promise>{promise_form}</div>
                <div class:hidden=move || forms.tab.get() != Tab::Dispute>{dispute_form}</div>
            </fieldset>
        </section>
    }
}

/// The task's own actions: mark done, escalate to legal, and (managers) reassign. They
/// need the network.
#[component]
pub fn FinishActions(forms: Forms, page: TaskPage, reload: RwSignal<u64>) -> impl IntoView {
    let i18n = use_i18n();
    let q = use_queue();
    let id = page.task.id;
    let close = ServerAction::<CloseTask>::new();
    let escalate = ServerAction::<EscalateTask>::new();
    let reassign = ServerAction::<ReassignTask>::new();
    let f = forms;
    Effect::new(move |_| {
        if let Some(Ok(())) = close.value().get() {
            f.finish.set(None);
            f.close_note.set(String::new());
            reload.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(legal)) = escalate.value().get() {
            f.escalated.set(Some(legal));
            f.finish.set(None);
            f.esc_note.set(String::new());
            reload.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = reassign.value().get() {
            f.finish.set(None);
            reload.update(|n| *n += 1);
        }
    });
    let offline = move || !q.online.get();
    let errors = move || {
        let a = close.value().get().and_then(|r| r.err());
        let b = escalate.value().get().and_then(|r| r.err());
        let c = reassign.value().get().and_then(|r| r.err());
        a.or(b).or(c).map(|error| view! { <ErrorNotice error /> })
    };
    let open_task = page.task.status == TaskStatus::Open;
    let may_manage = page.may_manage;
    let current = page.task.assignee.map(|a| a.key()).unwrap_or_default();
    let people = page.people.clone();
    // (value, person's name or none for a pool, role); worded when shown, so a language
    // switch rewords them.
    let assignee_options = {
        let mut opts: Vec<(String, Option<String>, Role)> = people
            .iter()
            .map(|p| (format!("user:{}", p.id), Some(p.name.clone()), p.role))
            .collect();
        for r in [Role::CreditManager, Role::SalesManager] {
            opts.push((format!("role:{}", r.as_str()), None, r));
        }
        StoredValue::new(opts)
    };
    let options_view = move || {
        let current = f.assignee.get_untracked();
        assignee_options.with_value(|o| {
            o.iter()
                .map(|(v, name, role)| {
                    let sel = *v == current;
                    let label = match name {
                        Some(n) => format!("{n} · {}", role_label(i18n, *role)),
                        None => pool_label(i18n, *role),
                    };
                    view! { <option value=v.clone() selected=sel>{label}</option> }
                })
                .collect_view()
        })
    };
    if f.assignee.get_untracked().is_empty() {
        f.assignee.set(current);
    }
    let pick = move |which: Finish| {
        move |_| {
            f.finish
                .update(|x| *x = if *x == Some(which) { None } else { Some(which) });
        }
    };
    let escalated = move || {
        f.escalated.get().map(|legal| {
            view! {
                <div class="notice notice-ok" data-testid="escalated">
                    <strong>{t!(i18n, collections.escalated, id = legal)}</strong>
                    <span class="actions">
                        <A href=format!("/tasks/{id}/dossier") attr:class="btn btn-small" attr:data-testid="to-dossier">{t!(i18n, collections.open_dossier)}</A>
                        <A href=format!("/tasks/{legal}") attr:class="btn btn-small">{t!(i18n, collections.open_legal_task)}</A>
                    </span>
                </div>
            }
        })
    };
    view! {
        <section class="card finish-card" data-testid="finish-card">
            <h2>{t!(i18n, collections.task_actions)}</h2>
            {escalated}
            {(!open_task).then(|| view! { <p class="muted small">{t!(i18n, collections.task_closed_hint)}</p> })}
            {open_task.then(|| view! {
                <Show when=offline>
                    <p class="notice notice-warn small" data-testid="needs-network">{t!(i18n, collections.needs_network)}</p>
                </Show>
                <div class="finish-buttons">
                    <button type="button" class="btn" class:active=move || f.finish.get() == Some(Finish::Done) on:click=pick(Finish::Done) data-testid="finish-done">{t!(i18n, collections.mark_done)}</button>
                    <button type="button" class="btn" class:active=move || f.finish.get() == Some(Finish::Escalate) on:click=pick(Finish::Escalate) data-testid="finish-escalate">{t!(i18n, collections.escalate)}</button>
                    {may_manage.then(|| view! {
                        <button type="button" class="btn" class:active=move || f.finish.get() == Some(Finish::Reassign) on:click=pick(Finish::Reassign) data-testid="finish-reassign">{t!(i18n, collections.reassign)}</button>
                    })}
                </div>
                <Show when=move || f.finish.get() == Some(Finish::Done)>
                    <form class="work-form" data-testid="done-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        close.dispatch(CloseTask { id, status: TaskStatus::Done.as_str().into(), note: f.close_note.get_untracked() });
                    }>
                        <label class="field">
                            <span>{t!(i18n, collections.close_note)}</span>
                            <textarea rows="2" prop:value=move || f.close_note.get() on:input=move |ev| f.close_note.set(event_target_value(&ev)) data-testid="done-note"></textarea>
                        </label>
                        <button type="submit" class="btn btn-primary btn-block" disabled=move || offline() || close.pending().get() data-testid="done-save">{t!(i18n, collections.mark_done)}</button>
                    </form>
                </Show>
                <Show when=move || f.finish.get() == Some(Finish::Escalate)>
                    <form class="work-form" data-testid="escalate-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        escalate.dispatch(EscalateTask { id, note: f.esc_note.get_untracked() });
                    }>
                        <p class="muted small">{t!(i18n, collections.escalate_hint)}</p>
                        <label class="field">
                            <span>{t!(i18n, collections.escalate_note)}</span>
                            <textarea rows="3" prop:value=move || f.esc_note.get() on:input=move |ev| f.esc_note.set(event_target_value(&ev)) data-testid="escalate-note"></textarea>
                        </label>
                        <button type="submit" class="btn btn-danger btn-block" disabled=move || offline() || escalate.pending().get() data-testid="escalate-save">{t!(i18n, collections.escalate)}</button>
                    </form>
                </Show>
            })}
            {(open_task && may_manage).then(|| view! {
                <Show when=move || f.finish.get() == Some(Finish::Reassign)>
                    <form class="work-form" data-testid="reassign-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        reassign.dispatch(ReassignTask { id, assignee: f.assignee.get_untracked() });
                    }>
                        <label class="field">
                            <span>{t!(i18n, collections.assignee)}</span>
                            <select on:change=move |ev| f.assignee.set(event_target_value(&ev)) data-testid="reassign-to">{options_view}</select>
                        </label>
                        <button type="submit" class="btn btn-primary btn-block" disabled=move || offline() || reassign.pending().get() data-testid="reassign-save">{t!(i18n, collections.reassign)}</button>
                    </form>
                </Show>
            })}
            {errors}
        </section>
    }
}

/// A manager ends an open dispute (dunning resumes for its invoices).
#[component]
pub fn ResolveForm(dispute_id: i64, reload: RwSignal<u64>) -> impl IntoView {
    let i18n = use_i18n();
    let q = use_queue();
    let resolve = ServerAction::<crate::api::collections::ResolveDispute>::new();
    let text = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(())) = resolve.value().get() {
            reload.update(|n| *n += 1);
        }
    });
    view! {
        <form class="inline-form resolve-form" data-testid=format!("resolve-{dispute_id}") on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            resolve.dispatch(crate::api::collections::ResolveDispute { id: dispute_id, resolution: text.get_untracked() });
        }>
            <input type="text" placeholder=move || t_string!(i18n, collections.resolution) prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev)) data-testid="resolution" />
            <button type="submit" class="btn" disabled=move || !q.live.get() || !q.online.get() || resolve.pending().get() data-testid="resolve-save">{t!(i18n, collections.resolve)}</button>
            {move || resolve.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorNotice error /> })}
        </form>
    }
}
