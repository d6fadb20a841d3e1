//! The rule builder (`/rules/new`, `/rules/:id`): everything is chosen from lists — the
//! trigger, the scope, each condition's field (only the scope's), operator (only the
//! field's) and value (choices as checkboxes), each action's kind and what it needs.
//!
//! The form keeps one signal per input and builds a `RuleDraft` from them on demand, so
//! typing re-renders nothing but the field typed in. The server parses the draft whole
//! (`Rule::try_from`) and answers with every problem's field path; each message is shown
//! next to its input and summarised at the top. Preview and back-test send the same
//! draft and never write; their results are cleared as soon as the draft changes, so
//! what is shown always belongs to what is on screen.
use super::labels::{self, I18n};
use crate::api::rules::{
    get_rule_form, rule_backtest_progress, start_rule_backtest, ArchiveRule, BacktestProgress,
    Checked, PreviewRule, RuleForm, RulePreview, SaveRule,
};
use crate::domain::auth::Role;
use crate::domain::customer::CustomerStatus;
use crate::domain::documents::FieldError;
use crate::domain::rules::{
    ActionDraft, DunningLevel, EventKind, Field, GroupDraft, Lang, Letter, PredicateDraft,
    Priority, Repeat, RiskLevel, RuleDraft, Scope, TaskKind, ValueKind, ACTION_KINDS,
};
use crate::i18n::*;
use crate::ui::format::ErrorNotice;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

// ------------------------------------------------------------------ form state

#[derive(Clone, Copy)]
struct PredRow {
    key: u64,
    field: RwSignal<String>,
    op: RwSignal<String>,
    value: RwSignal<String>,
}

#[derive(Clone, Copy)]
struct GroupRow {
    key: u64,
    all: RwSignal<bool>,
    preds: RwSignal<Vec<PredRow>>,
}

#[derive(Clone, Copy)]
struct ActionRow {
    key: u64,
    kind: RwSignal<String>,
    /// Recipient codes (notify), or the one assignee (create_task).
    to: RwSignal<Vec<String>>,
    /// Addresses as typed (email_internal).
    emails: RwSignal<String>,
    letter: RwSignal<String>,
    lang: RwSignal<String>,
    target: RwSignal<String>,
    task_kind: RwSignal<String>,
    priority: RwSignal<String>,
    status: RwSignal<String>,
    level: RwSignal<String>,
}

#[derive(Clone, Copy)]
struct Form {
    name: RwSignal<String>,
    enabled: RwSignal<bool>,
    trigger: RwSignal<String>,
    at: RwSignal<String>,
    event: RwSignal<String>,
    scope: RwSignal<String>,
    repeat: RwSignal<String>,
    all: RwSignal<bool>,
    groups: RwSignal<Vec<GroupRow>>,
    actions: RwSignal<Vec<ActionRow>>,
    next: StoredValue<u64>,
}

/// Splits typed addresses on commas, semicolons (either width) and spaces.
fn split_list(text: &str) -> Vec<String> {
    text.split([',', ';', '，', '；', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl Form {
    fn new(d: &RuleDraft) -> Form {
        let f = Form {
            name: RwSignal::new(d.name.clone()),
            enabled: RwSignal::new(d.enabled),
            trigger: RwSignal::new(if d.trigger.is_empty() {
                "daily".into()
            } else {
                d.trigger.clone()
            }),
            at: RwSignal::new(d.at.clone()),
            event: RwSignal::new(if d.event.is_empty() {
                EventKind::ALL[0].as_str().into()
            } else {
                d.event.clone()
            }),
            scope: RwSignal::new(d.scope.clone()),
            repeat: RwSignal::new(d.repeat.clone()),
            all: RwSignal::new(d.all),
            groups: RwSignal::new(Vec::new()),
            actions: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        };
        f.groups.set(d.groups.iter().map(|g| f.group(g)).collect());
        f.actions
            .set(d.actions.iter().map(|a| f.action(a)).collect());
        f
    }

    fn key(&self) -> u64 {
        let k = self.next.get_value();
        self.next.set_value(k + 1);
        k
    }

    fn pred(&self, p: &PredicateDraft) -> PredRow {
        PredRow {
            key: self.key(),
            field: RwSignal::new(p.field.clone()),
            op: RwSignal::new(p.op.clone()),
            value: RwSignal::new(p.value.clone()),
        }
    }

    fn group(&self, g: &GroupDraft) -> GroupRow {
        GroupRow {
            key: self.key(),
            all: RwSignal::new(g.all),
            preds: RwSignal::new(g.predicates.iter().map(|p| self.pred(p)).collect()),
        }
    }

    fn action(&self, a: &ActionDraft) -> ActionRow {
        let emails = if a.kind == "email_internal" {
            a.to.join(", ")
        } else {
            String::new()
        };
        ActionRow {
            key: self.key(),
            kind: RwSignal::new(a.kind.clone()),
            to: RwSignal::new(if a.kind == "email_internal" {
                Vec::new()
            } else {
                a.to.clone()
            }),
            emails: RwSignal::new(emails),
            letter: RwSignal::new(a.letter.clone()),
            lang: RwSignal::new(if a.lang.is_empty() {
                Lang::ZhCn.as_str().into()
            } else {
                a.lang.clone()
            }),
            target: RwSignal::new(a.target.clone()),
            task_kind: RwSignal::new(a.task_kind.clone()),
            priority: RwSignal::new(a.priority.clone()),
            status: RwSignal::new(a.status.clone()),
            level: RwSignal::new(a.level.clone()),
        }
    }

    fn scope_value(&self) -> Scope {
        Scope::parse(&self.scope.get()).unwrap_or(Scope::Invoice)
    }

    /// The draft the inputs spell (tracked: an effect reading it re-runs on any edit).
    fn draft(&self) -> RuleDraft {
        let groups = self
            .groups
            .get()
            .iter()
            .map(|g| GroupDraft {
                all: g.all.get(),
                predicates: g
                    .preds
                    .get()
                    .iter()
                    .map(|p| PredicateDraft {
                        field: p.field.get(),
                        op: p.op.get(),
                        value: p.value.get(),
                    })
                    .collect(),
            })
            .collect();
        let actions = self
            .actions
            .get()
            .iter()
            .map(|a| {
                let kind = a.kind.get();
                let to = if kind == "email_internal" {
                    split_list(&a.emails.get())
                } else {
                    a.to.get()
                };
                ActionDraft {
                    to,
                    letter: a.letter.get(),
                    lang: a.lang.get(),
                    target: a.target.get(),
                    task_kind: a.task_kind.get(),
                    priority: a.priority.get(),
                    status: a.status.get(),
                    level: a.level.get(),
                    kind,
                }
            })
            .collect();
        let daily = self.trigger.get() == "daily";
        RuleDraft {
            name: self.name.get(),
            enabled: self.enabled.get(),
            trigger: self.trigger.get(),
            at: if daily { self.at.get() } else { String::new() },
            event: if daily {
                String::new()
            } else {
                self.event.get()
            },
            scope: self.scope.get(),
            repeat: self.repeat.get(),
            all: self.all.get(),
            groups,
            actions,
        }
    }

    /// A new scope: conditions on fields the scope lacks restart on its first field.
    fn set_scope(&self, s: String) {
        self.scope.set(s);
        let scope = self.scope_value();
        let first = Field::ALL
            .iter()
            .copied()
            .find(|f| f.scopes().contains(&scope))
            .unwrap_or(Field::DaysPastDue);
        for g in self.groups.get_untracked() {
            for p in g.preds.get_untracked() {
                let ok = Field::parse(&p.field.get_untracked())
                    .is_some_and(|f| f.scopes().contains(&scope));
                if !ok {
                    set_field(p, first.as_str().to_string());
                }
            }
        }
    }

    fn add_pred(&self, g: GroupRow) {
        let scope = Scope::parse(&self.scope.get_untracked()).unwrap_or(Scope::Invoice);
        let field = Field::ALL
            .iter()
            .copied()
            .find(|f| f.scopes().contains(&scope))
            .unwrap_or(Field::DaysPastDue);
        let row = self.pred(&PredicateDraft {
            field: field.as_str().into(),
            op: field.ops()[0].as_str().into(),
            value: String::new(),
        });
        g.preds.update(|v| v.push(row));
    }

    fn add_group(&self) {
        let g = self.group(&GroupDraft {
            all: true,
            predicates: Vec::new(),
        });
        self.add_pred(g);
        self.groups.update(|v| v.push(g));
    }

    fn add_action(&self) {
        let a = self.action(&ActionDraft::default());
        set_kind(a, "notify".into(), None);
        self.actions.update(|v| v.push(a));
    }
}

/// A new field: the operator stays when the field allows it, the value when its kind
/// is the same.
fn set_field(p: PredRow, field: String) {
    let old = Field::parse(&p.field.get_untracked());
    p.field.set(field);
    let Some(f) = Field::parse(&p.field.get_untracked()) else {
        return;
    };
    if !f.ops().iter().any(|o| o.as_str() == p.op.get_untracked()) {
        p.op.set(f.ops()[0].as_str().into());
    }
    if old.map(Field::kind) != Some(f.kind()) || f.kind() == ValueKind::Choice {
        p.value.set(String::new());
    }
}

/// A new action kind starts from that kind's usual choices.
fn set_kind(a: ActionRow, kind: String, first_webhook: Option<String>) {
    a.letter.set(Letter::Friendly.as_str().into());
    a.lang.set(Lang::ZhCn.as_str().into());
    a.task_kind.set(TaskKind::Call.as_str().into());
    a.priority.set(Priority::Normal.as_str().into());
    a.status.set(CustomerStatus::Watch.as_str().into());
    a.level.set(match kind.as_str() {
        "set_risk" => RiskLevel::High.as_str().into(),
        "raise_dunning" => DunningLevel::Friendly.as_str().into(),
        _ => String::new(),
    });
    a.target.set(first_webhook.unwrap_or_default());
    a.emails.set(String::new());
    a.to.set(if kind == "create_task" {
        vec!["rep".into()]
    } else {
        Vec::new()
    });
    a.kind.set(kind);
}

// ------------------------------------------------------------------ small views

type Errors = RwSignal<Vec<FieldError>>;

fn has_error(errors: Errors, path: &str) -> bool {
    errors.with(|e| e.iter().any(|e| e.field == path))
}

/// The server's messages for one field path, right under the input.
fn field_msg(errors: Errors, path: impl Fn() -> String + Send + Sync + 'static) -> impl IntoView {
    move || {
        let p = path();
        let msgs: Vec<String> = errors.with(|e| {
            e.iter()
                .filter(|e| e.field == p)
                .map(|e| e.message.clone())
                .collect()
        });
        (!msgs.is_empty()).then(|| view! { <p class="field-error" data-testid=format!("err-{p}")>{msgs.join(" · ")}</p> })
    }
}

/// A select whose options are recomputed with its value, so a value set by code (a
/// reset) always shows.
fn select_of<F, C>(
    current: RwSignal<String>,
    items: F,
    on_change: C,
    testid: impl Fn() -> String + Send + Sync + 'static,
    label: impl Fn() -> String + Send + Sync + 'static,
) -> impl IntoView
where
    F: Fn() -> Vec<(String, String)> + Send + Sync + 'static,
    C: Fn(String) + 'static,
{
    view! {
        <select data-testid=testid aria-label=label on:change=move |ev| on_change(event_target_value(&ev))>
            {move || {
                let cur = current.get();
                items()
                    .into_iter()
                    .map(|(v, l)| {
                        let sel = v == cur;
                        view! { <option value=v selected=sel>{l}</option> }
                    })
                    .collect_view()
            }}
        </select>
    }
}

fn enum_items<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: impl Fn(T) -> String,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (code(*v).to_string(), label(*v)))
        .collect()
}

/// Everyone a notification or task can go to: the rep, each role, and any person a
/// stored rule already names.
fn recipient_codes(extra: &[String]) -> Vec<String> {
    let mut codes: Vec<String> = std::iter::once("rep".to_string())
        .chain(Role::ALL.iter().map(|r| format!("role:{}", r.as_str())))
        .collect();
    for c in extra {
        if !codes.contains(c) {
            codes.push(c.clone());
        }
    }
    codes
}

// ------------------------------------------------------------------ conditions

fn value_editor(
    i18n: I18n,
    p: PredRow,
    errors: Errors,
    path: impl Fn() -> String + Send + Sync + Copy + 'static,
) -> impl IntoView {
    move || {
        let field = Field::parse(&p.field.get());
        let invalid = move || has_error(errors, &format!("{}.value", path()));
        let testid = move || format!("{}-value", path());
        match field.map(|f| (f, f.kind())) {
            Some((f, ValueKind::Choice)) => {
                let boxes = f
                    .choices()
                    .into_iter()
                    .map(|c| {
                        let code = c.to_string();
                        let checked = move || split_list(&p.value.get()).contains(&c.to_string());
                        let toggle = move |ev: leptos::ev::Event| {
                            let on = event_target_checked(&ev);
                            let mut chosen = split_list(&p.value.get_untracked());
                            chosen.retain(|x| x != c);
                            if on {
                                chosen.push(c.to_string());
                            }
                            // Keep the field's own order, so the same choice reads the same.
                            let order = f.choices();
                            chosen.sort_by_key(|x| order.iter().position(|o| o == x).unwrap_or(usize::MAX));
                            p.value.set(chosen.join(","));
                        };
                        let initially = split_list(&p.value.get_untracked()).contains(&code);
                        view! {
                            <label class="choice">
                                <input type="checkbox" value=code.clone() checked=initially prop:checked=checked on:change=toggle
                                    data-testid=move || format!("{}-{}", testid(), c) />
                                <span>{move || labels::choice(i18n, f, c)}</span>
                            </label>
                        }
                    })
                    .collect_view();
                view! { <div class="choices" class:invalid=invalid data-testid=testid>{boxes}</div> }.into_any()
            }
            Some((_, kind)) => {
                let (mode, unit, placeholder) = match kind {
                    ValueKind::Days => (
                        "numeric",
                        t_string!(i18n, rules.unit_days).to_string(),
                        String::new(),
                    ),
                    ValueKind::Count => ("numeric", String::new(), String::new()),
                    ValueKind::Amount => ("decimal", "CNY".to_string(), "50000".to_string()),
                    _ => (
                        "text",
                        String::new(),
                        t_string!(i18n, rules.text_hint).to_string(),
                    ),
                };
                view! {
                    <span class="value-box">
                        <input type="text" inputmode=mode class="value-input" class:invalid=invalid placeholder=placeholder
                            value=p.value.get_untracked() prop:value=move || p.value.get()
                            on:input=move |ev| p.value.set(event_target_value(&ev))
                            aria-label=move || t_string!(i18n, rules.value) data-testid=testid />
                        {(!unit.is_empty()).then(|| view! { <span class="unit muted small">{unit}</span> })}
                    </span>
                }
                .into_any()
            }
            None => ().into_any(),
        }
    }
}

fn pred_view(
    i18n: I18n,
    form: Form,
    g: GroupRow,
    gpos: Signal<usize>,
    p: PredRow,
    errors: Errors,
) -> impl IntoView {
    let ppos = Signal::derive(move || {
        g.preds
            .with(|v| v.iter().position(|x| x.key == p.key).unwrap_or(0))
    });
    let path = move || format!("groups[{}].predicates[{}]", gpos.get(), ppos.get());
    let fields = move || {
        let scope = form.scope_value();
        Field::ALL
            .iter()
            .filter(|f| f.scopes().contains(&scope))
            .map(|f| (f.as_str().to_string(), labels::field(i18n, *f)))
            .collect::<Vec<_>>()
    };
    let ops = move || match Field::parse(&p.field.get()) {
        Some(f) => f
            .ops()
            .iter()
            .map(|o| (o.as_str().to_string(), labels::op(i18n, *o)))
            .collect(),
        None => Vec::new(),
    };
    let remove = move |_| g.preds.update(|v| v.retain(|x| x.key != p.key));
    view! {
        <div class="cond-row" data-testid=move || format!("cond-{}-{}", gpos.get(), ppos.get())>
            <div class="cond-field">
                {select_of(p.field, fields, move |v| set_field(p, v), move || format!("{}-field", path()), move || t_string!(i18n, rules.field).to_string())}
                {field_msg(errors, move || format!("{}.field", path()))}
            </div>
            <div class="cond-op">
                {select_of(p.op, ops, move |v| p.op.set(v), move || format!("{}-op", path()), move || t_string!(i18n, rules.op).to_string())}
                {field_msg(errors, move || format!("{}.op", path()))}
            </div>
            <div class="cond-val">
                {value_editor(i18n, p, errors, path)}
                {field_msg(errors, move || format!("{}.value", path()))}
            </div>
            <button type="button" class="btn-ghost icon-btn cond-remove" on:click=remove
                aria-label=move || t_string!(i18n, rules.remove_condition) data-testid=move || format!("{}-remove", path())>"×"</button>
        </div>
    }
}

fn group_view(i18n: I18n, form: Form, g: GroupRow, errors: Errors) -> impl IntoView {
    let gpos = Signal::derive(move || {
        form.groups
            .with(|v| v.iter().position(|x| x.key == g.key).unwrap_or(0))
    });
    let all_value = RwSignal::new(if g.all.get_untracked() {
        "all".to_string()
    } else {
        "any".to_string()
    });
    let all_items = move || {
        vec![
            (
                "all".to_string(),
                t_string!(i18n, rules.group_all).to_string(),
            ),
            (
                "any".to_string(),
                t_string!(i18n, rules.group_any).to_string(),
            ),
        ]
    };
    let remove = move |_| form.groups.update(|v| v.retain(|x| x.key != g.key));
    let joiner = move || {
        (gpos.get() > 0).then(|| {
            view! { <div class="group-joiner"><span>{move || if form.all.get() { t_string!(i18n, rules.and).to_string() } else { t_string!(i18n, rules.or).to_string() }}</span></div> }
        })
    };
    view! {
        {joiner}
        <section class="rule-group" data-testid=move || format!("group-{}", gpos.get())>
            <header class="rule-group-head">
                <span class="strong">{move || t_string!(i18n, rules.group_n, n = gpos.get() + 1).to_string()}</span>
                <label class="inline small muted">
                    {t!(i18n, rules.group_match)}
                    {select_of(all_value, all_items, move |v| { g.all.set(v == "all"); all_value.set(v); }, move || format!("group-{}-all", gpos.get()), move || t_string!(i18n, rules.group_match).to_string())}
                </label>
                <button type="button" class="btn-ghost icon-btn" on:click=remove aria-label=move || t_string!(i18n, rules.remove_group)
                    data-testid=move || format!("group-{}-remove", gpos.get())>"×"</button>
            </header>
            {field_msg(errors, move || format!("groups[{}]", gpos.get()))}
            <div class="cond-rows">
                <For each=move || g.preds.get() key=|p| p.key children=move |p| pred_view(i18n, form, g, gpos, p, errors) />
            </div>
            <button type="button" class="btn btn-small" on:click=move |_| form.add_pred(g) data-testid=move || format!("group-{}-add", gpos.get())>
                {t!(i18n, rules.add_condition)}
            </button>
        </section>
    }
}

// ------------------------------------------------------------------ actions

fn action_view(
    i18n: I18n,
    form: Form,
    a: ActionRow,
    errors: Errors,
    webhooks: StoredValue<Vec<String>>,
    people: StoredValue<Vec<crate::api::rules::Person>>,
) -> impl IntoView {
    let pos = Signal::derive(move || {
        form.actions
            .with(|v| v.iter().position(|x| x.key == a.key).unwrap_or(0))
    });
    let path = move || format!("actions[{}]", pos.get());
    let kinds = move || {
        ACTION_KINDS
            .iter()
            .map(|k| (k.to_string(), labels::action_kind(i18n, k)))
            .collect::<Vec<_>>()
    };
    let first_hook = move || webhooks.with_value(|w| w.first().cloned());
    let remove = move |_| form.actions.update(|v| v.retain(|x| x.key != a.key));
    let fld = move |name: &'static str| move || format!("{}.{name}", path());
    let tid = move |name: &'static str| move || format!("{}-{name}", path());
    let lang_items = move || enum_items(Lang::ALL, Lang::as_str, |l| labels::lang(i18n, l));
    let lang_select = move || {
        view! {
            <label class="field">
                <span>{t!(i18n, rules.lang)}</span>
                {select_of(a.lang, lang_items, move |v| a.lang.set(v), tid("lang"), move || t_string!(i18n, rules.lang).to_string())}
            </label>
        }
    };
    let details = move || {
        let kind = a.kind.get();
        match kind.as_str() {
            "notify" => {
                let extra = a.to.get_untracked();
                let boxes = recipient_codes(&extra)
                    .into_iter()
                    .map(|code| {
                        let c2 = code.clone();
                        let c3 = code.clone();
                        let initially = extra.contains(&code);
                        let label = people.with_value(|p| labels::recipient(i18n, &code, p));
                        let toggle = move |ev: leptos::ev::Event| {
                            let on = event_target_checked(&ev);
                            a.to.update(|v| {
                                v.retain(|x| *x != c2);
                                if on {
                                    v.push(c2.clone());
                                }
                            });
                        };
                        let tid = format!("{}-to-{}", path(), code.replace(':', "-"));
                        view! {
                            <label class="check">
                                <input type="checkbox" checked=initially prop:checked=move || a.to.with(|v| v.contains(&c3)) on:change=toggle data-testid=tid />
                                <span>{label}</span>
                            </label>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="field wide">
                        <span>{t!(i18n, rules.recipients)}</span>
                        <div class="check-grid recipients" data-testid=tid("to")>{boxes}</div>
                        {field_msg(errors, fld("to"))}
                    </div>
                }
                .into_any()
            }
            "create_task" => {
                let assignees = move || {
                    let current = a.to.get();
                    let mut codes = recipient_codes(&current);
                    people.with_value(|ps| {
                        for p in ps {
                            let c = format!("user:{}", p.id);
                            if !codes.contains(&c) {
                                codes.push(c);
                            }
                        }
                        codes.iter().map(|c| (c.clone(), labels::recipient(i18n, c, ps))).collect::<Vec<_>>()
                    })
                };
                let assignee = RwSignal::new(a.to.get_untracked().first().cloned().unwrap_or_default());
                let tasks = move || enum_items(TaskKind::ALL, TaskKind::as_str, |k| labels::task_kind(i18n, k));
                let prios = move || enum_items(Priority::ALL, Priority::as_str, |p| labels::priority(i18n, p));
                view! {
                    <label class="field">
                        <span>{t!(i18n, rules.assignee)}</span>
                        {select_of(assignee, assignees, move |v| { a.to.set(vec![v.clone()]); assignee.set(v); }, tid("to"), move || t_string!(i18n, rules.assignee).to_string())}
                        {field_msg(errors, fld("to"))}
                    </label>
                    <label class="field">
                        <span>{t!(i18n, rules.task_kind)}</span>
                        {select_of(a.task_kind, tasks, move |v| a.task_kind.set(v), tid("task_kind"), move || t_string!(i18n, rules.task_kind).to_string())}
                        {field_msg(errors, fld("task_kind"))}
                    </label>
                    <label class="field">
                        <span>{t!(i18n, rules.priority)}</span>
                        {select_of(a.priority, prios, move |v| a.priority.set(v), tid("priority"), move || t_string!(i18n, rules.priority).to_string())}
                        {field_msg(errors, fld("priority"))}
                    </label>
                }
                .into_any()
            }
            "email_customer" => {
                let letters = move || enum_items(Letter::ALL, Letter::as_str, |l| labels::letter(i18n, l));
                view! {
                    <label class="field">
                        <span>{t!(i18n, rules.letter)}</span>
                        {select_of(a.letter, letters, move |v| a.letter.set(v), tid("letter"), move || t_string!(i18n, rules.letter).to_string())}
                        {field_msg(errors, fld("letter"))}
                    </label>
                    {lang_select()}
                }
                .into_any()
            }
            "email_internal" => view! {
                <label class="field wide">
                    <span>{t!(i18n, rules.emails)}</span>
                    <input type="text" inputmode="email" value=a.emails.get_untracked() prop:value=move || a.emails.get()
                        class:invalid=move || has_error(errors, &fld("to")())
                        placeholder=move || t_string!(i18n, rules.emails_placeholder) on:input=move |ev| a.emails.set(event_target_value(&ev)) data-testid=tid("emails") />
                    {field_msg(errors, fld("to"))}
                </label>
                {lang_select()}
            }
            .into_any(),
            "webhook" => {
                let hooks = move || {
                    let mut keys = webhooks.get_value();
                    let current = a.target.get();
                    if !current.is_empty() && !keys.contains(&current) {
                        keys.insert(0, current);
                    }
                    if keys.is_empty() {
                        return vec![(String::new(), t_string!(i18n, rules.no_webhooks).to_string())];
                    }
                    keys.into_iter().map(|k| (k.clone(), k)).collect()
                };
                view! {
                    <label class="field">
                        <span>{t!(i18n, rules.webhook)}</span>
                        {select_of(a.target, hooks, move |v| a.target.set(v), tid("target"), move || t_string!(i18n, rules.webhook).to_string())}
                        {field_msg(errors, fld("target"))}
                    </label>
                    {lang_select()}
                }
                .into_any()
            }
            "set_status" => {
                let statuses = move || {
                    CustomerStatus::ALL
                        .iter()
                        .filter(|s| **s != CustomerStatus::Normal)
                        .map(|s| (s.as_str().to_string(), crate::ui::format::status_label(i18n, *s)))
                        .collect::<Vec<_>>()
                };
                view! {
                    <label class="field">
                        <span>{t!(i18n, rules.status)}</span>
                        {select_of(a.status, statuses, move |v| a.status.set(v), tid("status"), move || t_string!(i18n, rules.status).to_string())}
                        {field_msg(errors, fld("status"))}
                    </label>
                }
                .into_any()
            }
            "set_risk" | "raise_dunning" => {
                let levels = move || {
                    if a.kind.get() == "set_risk" {
                        enum_items(RiskLevel::ALL, RiskLevel::as_str, |l| labels::risk(i18n, l))
                    } else {
                        DunningLevel::ALL.iter().filter(|l| **l != DunningLevel::None).map(|l| (l.as_str().to_string(), labels::dunning_level(i18n, *l))).collect()
                    }
                };
                view! {
                    <label class="field">
                        <span>{t!(i18n, rules.level)}</span>
                        {select_of(a.level, levels, move |v| a.level.set(v), tid("level"), move || t_string!(i18n, rules.level).to_string())}
                        {field_msg(errors, fld("level"))}
                    </label>
                }
                .into_any()
            }
            _ => view! { <p class="muted small wide">{t!(i18n, rules.no_settings)}</p> }.into_any(),
        }
    };
    view! {
        <section class="rule-action" data-testid=move || format!("action-{}", pos.get())>
            <header class="rule-action-head">
                <span class="step-n">{move || pos.get() + 1}</span>
                <div class="action-kind">
                    {select_of(a.kind, kinds, move |v| set_kind(a, v, first_hook()), tid("kind"), move || t_string!(i18n, rules.action_kind).to_string())}
                </div>
                <button type="button" class="btn-ghost icon-btn" on:click=remove aria-label=move || t_string!(i18n, rules.remove_action) data-testid=tid("remove")>"×"</button>
            </header>
            {field_msg(errors, fld("kind"))}
            <div class="action-fields">{details}</div>
        </section>
    }
}

// ------------------------------------------------------------------ results

fn preview_view(i18n: I18n, p: RulePreview) -> impl IntoView {
    let shown = p.targets.len();
    let (date, n) = (p.as_of.to_string(), p.count);
    let rows = p
        .targets
        .into_iter()
        .map(|t| {
            let customer = match (t.customer_id, t.customer_name) {
                (Some(id), Some(name)) => view! { <A href=format!("/customers/{id}")>{name}</A> }.into_any(),
                (_, Some(name)) => name.into_any(),
                _ => view! { <span class="muted">{t!(i18n, rules.portfolio)}</span> }.into_any(),
            };
            view! {
                <tr>
                    <td class="name-cell">{customer}</td>
                    <td class="mono nowrap" data-label=move || t_string!(i18n, rules.col_invoice)>{t.invoice_number.unwrap_or_else(|| "—".into())}</td>
                    <td class="num" data-label=move || t_string!(i18n, rules.col_overdue)>{t.overdue.display()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="preview-result" data-testid="preview-result">
            <p class="preview ok" data-testid="preview-count">{move || t_string!(i18n, rules.preview_count, date = date.clone(), n = n).to_string()}</p>
            {(shown > 0).then(|| view! {
                <div class="result-scroll">
                    <table class="table compact responsive preview-table" data-testid="preview-table">
                        <thead>
                            <tr>
                                <th>{t!(i18n, rules.col_customer)}</th>
                                <th>{t!(i18n, rules.col_invoice)}</th>
                                <th class="num">{t!(i18n, rules.col_overdue)}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            })}
            {(n > shown as i64).then(|| view! { <p class="muted small">{move || t_string!(i18n, rules.preview_more, shown = shown).to_string()}</p> })}
        </div>
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Bt {
    Idle,
    Starting,
    Running(BacktestProgress),
    Failed(crate::error::AppError),
}

fn backtest_view(i18n: I18n, state: Bt) -> AnyView {
    match state {
        Bt::Idle => ().into_any(),
        Bt::Failed(error) => view! { <ErrorNotice error /> }.into_any(),
        Bt::Starting | Bt::Running(_) => {
            let p = match &state {
                Bt::Running(p) => p.clone(),
                _ => BacktestProgress {
                    done: 0,
                    total: 0,
                    result: None,
                    error: None,
                },
            };
            let pct = p.percent();
            let tone = if p.result.is_some() {
                "job-ok"
            } else if p.error.is_some() {
                "job-bad"
            } else {
                "job-running"
            };
            let (done, total) = (p.done, p.total);
            let status = match (&p.result, &p.error) {
                (_, Some(e)) => e.clone(),
                (Some(r), _) => t_string!(
                    i18n,
                    rules.bt_window,
                    from = r.from.to_string(),
                    to = r.to.to_string()
                )
                .to_string(),
                _ if total == 0 => t_string!(i18n, rules.bt_starting).to_string(),
                _ => t_string!(i18n, rules.bt_running, done = done, total = total).to_string(),
            };
            let figures = p.result.map(|r| {
                view! {
                    <div class="bt-figures" data-testid="backtest-result">
                        <div><span class="muted small">{t!(i18n, rules.bt_firings)}</span><strong data-testid="bt-firings">{r.firings}</strong></div>
                        <div><span class="muted small">{t!(i18n, rules.bt_customers)}</span><strong data-testid="bt-customers">{r.customers}</strong></div>
                        <div title=r.overdue.display()>
                            <span class="muted small">{t!(i18n, rules.bt_overdue)}</span>
                            <strong data-testid="bt-overdue">{move || crate::ui::format::money_compact(i18n, r.overdue)}</strong>
                            <span class="muted small exact">{r.overdue.display()}</span>
                        </div>
                    </div>
                }
            });
            view! {
                <div class=format!("bt-progress {tone}")>
                    <div class="bt-bar-line">
                        <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=pct data-testid="backtest-progress">
                            <span style=format!("width: {pct}%")></span>
                        </div>
                        <span class="bt-percent strong" data-testid="backtest-percent">{format!("{pct}%")}</span>
                    </div>
                    <p class="muted small" data-testid="backtest-status">{status}</p>
                    {figures}
                </div>
            }
            .into_any()
        }
    }
}

// ------------------------------------------------------------------ the builder

#[component]
fn Builder(form_data: RuleForm) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let RuleForm {
        id,
        draft,
        webhooks,
        people,
        can_configure_notify,
        ..
    } = form_data;
    let form = Form::new(&draft);
    let webhooks = StoredValue::new(webhooks);
    let people = StoredValue::new(people);
    let errors: Errors = RwSignal::new(Vec::new());
    let save = ServerAction::<SaveRule>::new();
    let archive = ServerAction::<ArchiveRule>::new();
    let preview = ServerAction::<PreviewRule>::new();
    let preview_out = RwSignal::new(None::<RulePreview>);
    let bt = RwSignal::new(Bt::Idle);
    let bt_gen = StoredValue::new(0u64);
    let confirm_archive = RwSignal::new(false);
    // The answer of the last request decides which messages show.
    let failure = RwSignal::new(None::<crate::error::AppError>);

    let nav = navigate.clone();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(Checked::Done(saved))) => {
            errors.set(Vec::new());
            nav(&format!("/rules?saved={saved}"), Default::default());
        }
        Some(Ok(Checked::Invalid(e))) => errors.set(e),
        Some(Err(e)) => failure.set(Some(e)),
        None => {}
    });
    let nav = navigate.clone();
    Effect::new(move |_| match archive.value().get() {
        Some(Ok(())) => nav("/rules?archived=1", Default::default()),
        Some(Err(e)) => failure.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match preview.value().get() {
        Some(Ok(Checked::Done(p))) => {
            errors.set(Vec::new());
            preview_out.set(Some(p));
        }
        Some(Ok(Checked::Invalid(e))) => errors.set(e),
        Some(Err(e)) => failure.set(Some(e)),
        None => {}
    });
    // Results belong to the draft they were computed for: any edit clears them and
    // abandons a back-test being polled.
    Effect::new(move |prev: Option<RuleDraft>| {
        let d = form.draft();
        if prev.is_some_and(|p| p != d) {
            preview_out.set(None);
            bt_gen.update_value(|g| *g += 1);
            bt.set(Bt::Idle);
        }
        d
    });
    // Bring the summary into view when the server refuses, wherever the button was.
    Effect::new(move |_| {
        if errors.with(|e| !e.is_empty()) {
            if let Some(el) = document().get_element_by_id("rule-errors") {
                el.scroll_into_view();
            }
        }
    });

    let run_backtest = move |_| {
        failure.set(None);
        bt_gen.update_value(|g| *g += 1);
        let mine = bt_gen.get_value();
        let draft = untrack(move || form.draft());
        bt.set(Bt::Starting);
        leptos::task::spawn_local(async move {
            let job = match start_rule_backtest(draft).await {
                Ok(Checked::Done(job)) => {
                    errors.set(Vec::new());
                    job
                }
                Ok(Checked::Invalid(e)) => {
                    errors.set(e);
                    bt.set(Bt::Idle);
                    return;
                }
                Err(e) => {
                    bt.set(Bt::Failed(e));
                    return;
                }
            };
            loop {
                // Stop when the page is gone or the draft changed since.
                if bt_gen.try_get_value() != Some(mine) {
                    return;
                }
                match rule_backtest_progress(job.clone()).await {
                    Ok(p) => {
                        let finished = p.finished();
                        if bt_gen.try_get_value() != Some(mine)
                            || bt.try_set(Bt::Running(p)).is_some()
                        {
                            return;
                        }
                        if finished {
                            return;
                        }
                    }
                    Err(e) => {
                        bt.try_set(Bt::Failed(e));
                        return;
                    }
                }
                #[cfg(feature = "hydrate")]
                gloo_timers::future::TimeoutFuture::new(400).await;
            }
        });
    };
    let run_preview = move |_| {
        failure.set(None);
        preview_out.set(None);
        preview.dispatch(PreviewRule {
            draft: untrack(move || form.draft()),
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        save.dispatch(SaveRule {
            id,
            draft: untrack(move || form.draft()),
        });
    };

    // -------- basics
    let scopes = move || enum_items(Scope::ALL, Scope::as_str, |s| labels::scope(i18n, s));
    let events = move || {
        enum_items(EventKind::ALL, EventKind::as_str, |e| {
            labels::event(i18n, e)
        })
    };
    let repeats = move || enum_items(Repeat::ALL, Repeat::as_str, |r| labels::repeat(i18n, r));
    let match_value = RwSignal::new(if form.all.get_untracked() {
        "all".to_string()
    } else {
        "any".to_string()
    });
    let match_items = move || {
        vec![
            (
                "all".to_string(),
                t_string!(i18n, rules.match_all).to_string(),
            ),
            (
                "any".to_string(),
                t_string!(i18n, rules.match_any).to_string(),
            ),
        ]
    };
    let daily = move || form.trigger.get() == "daily";
    let set_event = move |v: String| {
        let invoice = v == EventKind::InvoiceCreated.as_str();
        form.event.set(v);
        form.set_scope(if invoice {
            "invoice".into()
        } else {
            "customer".into()
        });
    };
    let basics = view! {
        <section class="card rule-card" data-testid="rule-basics">
            <h2>{t!(i18n, rules.basics)}</h2>
            <div class="rule-basics">
                <label class="field wide">
                    <span>{t!(i18n, rules.name)}</span>
                    <input type="text" maxlength="80" value=form.name.get_untracked() prop:value=move || form.name.get()
                        class:invalid=move || has_error(errors, "name")
                        placeholder=move || t_string!(i18n, rules.name_placeholder) on:input=move |ev| form.name.set(event_target_value(&ev)) data-testid="rule-name" />
                    {field_msg(errors, || "name".to_string())}
                </label>
                <div class="field">
                    <span>{t!(i18n, rules.trigger)}</span>
                    <div class="segmented seg-group" role="radiogroup" data-testid="rule-trigger">
                        <label class="seg">
                            <input type="radio" name="trigger" value="daily" checked={form.trigger.get_untracked() == "daily"} prop:checked=daily on:change=move |_| form.trigger.set("daily".into()) data-testid="rule-trigger-daily" />
                            <span>{t!(i18n, rules.trigger_daily)}</span>
                        </label>
                        <label class="seg">
                            <input type="radio" name="trigger" value="event" checked={form.trigger.get_untracked() != "daily"} prop:checked=move || !daily() on:change=move |_| set_event(form.event.get_untracked()) data-testid="rule-trigger-event" />
                            <span>{t!(i18n, rules.trigger_event)}</span>
                        </label>
                    </div>
                    {field_msg(errors, || "trigger".to_string())}
                </div>
                {move || if daily() {
                    view! {
                        <label class="field">
                            <span>{t!(i18n, rules.at)}</span>
                            <input type="time" value=form.at.get_untracked() prop:value=move || form.at.get() class:invalid=move || has_error(errors, "at")
                                on:input=move |ev| form.at.set(event_target_value(&ev)) on:change=move |ev| form.at.set(event_target_value(&ev)) data-testid="rule-at" />
                            {field_msg(errors, || "at".to_string())}
                        </label>
                    }.into_any()
                } else {
                    view! {
                        <label class="field">
                            <span>{t!(i18n, rules.event)}</span>
                            {select_of(form.event, events, set_event, || "rule-event".to_string(), move || t_string!(i18n, rules.event).to_string())}
                            {field_msg(errors, || "event".to_string())}
                        </label>
                    }.into_any()
                }}
                <label class="field">
                    <span>{t!(i18n, rules.scope)}</span>
                    {select_of(form.scope, scopes, move |v| form.set_scope(v), || "rule-scope".to_string(), move || t_string!(i18n, rules.scope).to_string())}
                    {field_msg(errors, || "scope".to_string())}
                </label>
                <label class="field">
                    <span>{t!(i18n, rules.repeat)}</span>
                    {select_of(form.repeat, repeats, move |v| form.repeat.set(v), || "rule-repeat".to_string(), move || t_string!(i18n, rules.repeat).to_string())}
                    {field_msg(errors, || "repeat".to_string())}
                </label>
                <label class="toggle rule-enabled">
                    <input type="checkbox" checked=form.enabled.get_untracked() prop:checked=move || form.enabled.get()
                        on:change=move |ev| form.enabled.set(event_target_checked(&ev)) data-testid="rule-enabled" />
                    <span>{t!(i18n, rules.enabled_label)}</span>
                </label>
            </div>
        </section>
    };

    // -------- conditions
    let conditions = view! {
        <section class="card rule-card" data-testid="rule-conditions">
            <div class="card-head">
                <h2>{t!(i18n, rules.conditions)}</h2>
                <label class="inline small">
                    {t!(i18n, rules.fire_when)}
                    {select_of(match_value, match_items, move |v| { form.all.set(v == "all"); match_value.set(v); }, || "rule-match".to_string(), move || t_string!(i18n, rules.fire_when).to_string())}
                </label>
            </div>
            <p class="muted small">{t!(i18n, rules.conditions_hint)}</p>
            {field_msg(errors, || "groups".to_string())}
            <div class="rule-groups">
                <For each=move || form.groups.get() key=|g| g.key children=move |g| group_view(i18n, form, g, errors) />
            </div>
            <Show when=move || form.groups.with(Vec::is_empty)>
                <p class="muted small">{t!(i18n, rules.no_conditions)}</p>
            </Show>
            <button type="button" class="btn" on:click=move |_| form.add_group() data-testid="add-group">{t!(i18n, rules.add_group)}</button>
        </section>
    };

    // -------- actions
    let actions = view! {
        <section class="card rule-card" data-testid="rule-actions">
            <h2>{t!(i18n, rules.actions)}</h2>
            <p class="muted small">{t!(i18n, rules.actions_hint)}</p>
            {field_msg(errors, || "actions".to_string())}
            <div class="rule-actions">
                <For each=move || form.actions.get() key=|a| a.key children=move |a| action_view(i18n, form, a, errors, webhooks, people) />
            </div>
            <button type="button" class="btn" on:click=move |_| form.add_action() data-testid="add-action">{t!(i18n, rules.add_action)}</button>
            {(!can_configure_notify && webhooks.with_value(Vec::is_empty)).then(|| view! { <p class="muted small">{t!(i18n, rules.webhooks_by_admin)}</p> })}
        </section>
    };

    // -------- summary of refusals
    let summary = move || {
        let list = errors.get();
        (!list.is_empty()).then(|| {
            let items = list
                .into_iter()
                .map(|e| view! { <li><span class="strong">{labels::error_place(i18n, &e.field)}</span>": "{e.message}</li> })
                .collect_view();
            view! {
                <div id="rule-errors" class="notice notice-error score-errors" role="alert" data-testid="rule-errors">
                    <strong>{t!(i18n, rules.fix_these)}</strong>
                    <ul>{items}</ul>
                </div>
            }
        })
    };

    let archive_button = id.map(|rid| {
        view! {
            <Show when=move || !confirm_archive.get() fallback=move || view! {
                <div class="archive-confirm" data-testid="archive-confirm">
                    <span class="small">{t!(i18n, rules.archive_confirm)}</span>
                    <button type="button" class="btn btn-danger" disabled=move || archive.pending().get()
                        on:click=move |_| { archive.dispatch(ArchiveRule { id: rid }); } data-testid="rule-archive-yes">{t!(i18n, rules.archive_yes)}</button>
                    <button type="button" class="btn btn-ghost" on:click=move |_| confirm_archive.set(false)>{t!(i18n, rules.cancel)}</button>
                </div>
            }>
                <button type="button" class="btn btn-danger" on:click=move |_| confirm_archive.set(true) data-testid="rule-archive">{t!(i18n, rules.archive)}</button>
            </Show>
        }
    });

    let busy_bt = move || {
        matches!(bt.get(), Bt::Starting) || matches!(bt.get(), Bt::Running(ref p) if !p.finished())
    };
    let try_it = view! {
        <section class="card rule-card try-card" data-testid="rule-try">
            <h2>{t!(i18n, rules.try_title)}</h2>
            <p class="muted small">{t!(i18n, rules.try_hint)}</p>
            <div class="try-buttons">
                <button type="button" class="btn" on:click=run_preview disabled=move || preview.pending().get() data-testid="rule-preview">
                    {move || if preview.pending().get() { t_string!(i18n, rules.previewing).to_string() } else { t_string!(i18n, rules.preview).to_string() }}
                </button>
                <button type="button" class="btn" on:click=run_backtest disabled=busy_bt data-testid="rule-backtest">{t!(i18n, rules.backtest)}</button>
            </div>
            {move || preview_out.get().map(|p| preview_view(i18n, p))}
            <div class="bt-box">
                <Show when=move || bt.get() != Bt::Idle>
                    <h3>{t!(i18n, rules.backtest_title)}</h3>
                    <p class="muted small">{t!(i18n, rules.backtest_hint)}</p>
                </Show>
                {move || backtest_view(i18n, bt.get())}
            </div>
        </section>
    };

    view! {
        {summary}
        {move || failure.get().map(|error| view! { <ErrorNotice error /> })}
        <form class="rule-layout" on:submit=submit novalidate data-testid="rule-builder">
            <div class="rule-main">
                {basics}
                {conditions}
                {actions}
                <div class="rule-save">
                    {archive_button}
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get() data-testid="rule-save">
                        {move || if save.pending().get() { t_string!(i18n, rules.saving).to_string() } else { t_string!(i18n, rules.save).to_string() }}
                    </button>
                </div>
            </div>
            <aside class="rule-side">{try_it}</aside>
        </form>
    }
}

/// `/rules/new` and `/rules/:id`.
#[component]
pub fn RuleBuilderPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok());
    let data = Resource::new(id, get_rule_form);
    view! {
        <div class="page rules-page">
            <header class="page-head">
                <div>
                    <A href="/rules" attr:class="back">{"← "}{t!(i18n, rules.back)}</A>
                    <h1>{move || if id().is_some() { t_string!(i18n, rules.edit_title).to_string() } else { t_string!(i18n, rules.new_title).to_string() }}</h1>
                </div>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(form_data) => view! { <Builder form_data /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_addresses_split_on_any_separator() {
        assert_eq!(
            split_list("a@x.cn, b@x.cn；c@x.cn  d@x.cn"),
            ["a@x.cn", "b@x.cn", "c@x.cn", "d@x.cn"]
        );
        assert!(split_list(" , ").is_empty());
    }

    #[test]
    fn recipients_offer_the_rep_every_role_and_named_people() {
        let codes = recipient_codes(&["user:7".to_string(), "rep".to_string()]);
        assert_eq!(codes[0], "rep");
        assert!(codes.contains(&"role:finance".to_string()));
        assert_eq!(codes.iter().filter(|c| *c == "rep").count(), 1);
        assert_eq!(codes.last().map(String::as_str), Some("user:7"));
    }
}
