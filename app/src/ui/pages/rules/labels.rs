//! The rule engine's closed lists in the reader's language. Every code the domain
//! knows has a label here; an unknown code (a newer server) shows as itself.
use crate::domain::auth::Role;
use crate::domain::customer::CustomerStatus;
use crate::domain::rules::{
    DunningLevel, EventKind, Field, Lang, Letter, Op, PaymentMethod, Priority, Repeat, RiskLevel,
    Scope, TaskKind, Trigger,
};
use crate::i18n::*;
use crate::ui::format::{role_label, status_label};
use leptos_i18n::I18nContext;

pub type I18n = I18nContext<Locale>;

pub fn scope(i18n: I18n, s: Scope) -> String {
    match s {
        Scope::Invoice => t_string!(i18n, rules.scope_invoice),
        Scope::Customer => t_string!(i18n, rules.scope_customer),
        Scope::Portfolio => t_string!(i18n, rules.scope_portfolio),
    }
    .to_string()
}

pub fn event(i18n: I18n, e: EventKind) -> String {
    match e {
        EventKind::InvoiceCreated => t_string!(i18n, rules.ev_invoice_created),
        EventKind::PaymentPosted => t_string!(i18n, rules.ev_payment_posted),
        EventKind::PromiseBroken => t_string!(i18n, rules.ev_promise_broken),
        EventKind::StatusChanged => t_string!(i18n, rules.ev_status_changed),
        EventKind::GradeChanged => t_string!(i18n, rules.ev_grade_changed),
        EventKind::BillDishonoured => t_string!(i18n, rules.ev_bill_dishonoured),
    }
    .to_string()
}

pub fn trigger(i18n: I18n, t: Trigger) -> String {
    match t {
        Trigger::Daily { at } => {
            t_string!(i18n, rules.daily_at, at = at.format("%H:%M").to_string()).to_string()
        }
        Trigger::Event { kind } => {
            t_string!(i18n, rules.on_event, event = event(i18n, kind)).to_string()
        }
    }
}

pub fn repeat(i18n: I18n, r: Repeat) -> String {
    match r {
        Repeat::Once => t_string!(i18n, rules.rep_once),
        Repeat::Daily => t_string!(i18n, rules.rep_daily),
        Repeat::Weekly => t_string!(i18n, rules.rep_weekly),
        Repeat::Monthly => t_string!(i18n, rules.rep_monthly),
    }
    .to_string()
}

pub fn field(i18n: I18n, f: Field) -> String {
    match f {
        Field::DaysToDue => t_string!(i18n, rules.fd_days_to_due),
        Field::DaysPastDue => t_string!(i18n, rules.fd_days_past_due),
        Field::OpenAmount => t_string!(i18n, rules.fd_open_amount),
        Field::CustomerOverdue => t_string!(i18n, rules.fd_customer_overdue),
        Field::OverdueCount12m => t_string!(i18n, rules.fd_overdue_count_12m),
        Field::Grade => t_string!(i18n, rules.fd_grade),
        Field::Status => t_string!(i18n, rules.fd_status),
        Field::Region => t_string!(i18n, rules.fd_region),
        Field::Industry => t_string!(i18n, rules.fd_industry),
        Field::CustomerType => t_string!(i18n, rules.fd_customer_type),
        Field::DunningLevel => t_string!(i18n, rules.fd_dunning_level),
        Field::RiskLevel => t_string!(i18n, rules.fd_risk_level),
        Field::PaymentMethod => t_string!(i18n, rules.fd_payment_method),
        Field::PortfolioOverdue => t_string!(i18n, rules.fd_portfolio_overdue),
        Field::OverdueCustomers => t_string!(i18n, rules.fd_overdue_customers),
    }
    .to_string()
}

pub fn op(i18n: I18n, o: Op) -> String {
    match o {
        Op::Eq => t_string!(i18n, rules.op_eq),
        Op::Ne => t_string!(i18n, rules.op_ne),
        Op::Lt => t_string!(i18n, rules.op_lt),
        Op::Le => t_string!(i18n, rules.op_le),
        Op::Gt => t_string!(i18n, rules.op_gt),
        Op::Ge => t_string!(i18n, rules.op_ge),
        Op::In => t_string!(i18n, rules.op_in),
        Op::NotIn => t_string!(i18n, rules.op_not_in),
    }
    .to_string()
}

pub fn dunning_level(i18n: I18n, l: DunningLevel) -> String {
    match l {
        DunningLevel::None => t_string!(i18n, rules.dl_none),
        DunningLevel::Friendly => t_string!(i18n, rules.dl_friendly),
        DunningLevel::Formal => t_string!(i18n, rules.dl_formal),
        DunningLevel::Legal => t_string!(i18n, rules.dl_legal),
    }
    .to_string()
}

pub fn risk(i18n: I18n, r: RiskLevel) -> String {
    match r {
        RiskLevel::Low => t_string!(i18n, rules.risk_low),
        RiskLevel::Medium => t_string!(i18n, rules.risk_medium),
        RiskLevel::High => t_string!(i18n, rules.risk_high),
    }
    .to_string()
}

pub fn payment_method(i18n: I18n, p: PaymentMethod) -> String {
    match p {
        PaymentMethod::Credit => t_string!(i18n, rules.pm_credit),
        PaymentMethod::Prepayment => t_string!(i18n, rules.pm_prepayment),
    }
    .to_string()
}

/// A value of a choice field (`Field::choices`) in words.
pub fn choice(i18n: I18n, f: Field, v: &str) -> String {
    match f {
        Field::Grade if v == "-" => t_string!(i18n, rules.grade_none).to_string(),
        Field::Status => CustomerStatus::parse(v)
            .map(|s| status_label(i18n, s))
            .unwrap_or_else(|_| v.to_string()),
        Field::DunningLevel => DunningLevel::parse(v)
            .map(|l| dunning_level(i18n, l))
            .unwrap_or_else(|| v.to_string()),
        Field::RiskLevel => RiskLevel::parse(v)
            .map(|l| risk(i18n, l))
            .unwrap_or_else(|| v.to_string()),
        Field::PaymentMethod => PaymentMethod::parse(v)
            .map(|p| payment_method(i18n, p))
            .unwrap_or_else(|| v.to_string()),
        _ => v.to_string(),
    }
}

pub fn action_kind(i18n: I18n, k: &str) -> String {
    match k {
        "notify" => t_string!(i18n, rules.ak_notify),
        "email_customer" => t_string!(i18n, rules.ak_email_customer),
        "email_internal" => t_string!(i18n, rules.ak_email_internal),
        "webhook" => t_string!(i18n, rules.ak_webhook),
        "create_task" => t_string!(i18n, rules.ak_create_task),
        "set_status" => t_string!(i18n, rules.ak_set_status),
        "set_risk" => t_string!(i18n, rules.ak_set_risk),
        "require_prepayment" => t_string!(i18n, rules.ak_require_prepayment),
        "raise_dunning" => t_string!(i18n, rules.ak_raise_dunning),
        "freeze_credit" => t_string!(i18n, rules.ak_freeze_credit),
        "unfreeze_credit" => t_string!(i18n, rules.ak_unfreeze_credit),
        other => return other.to_string(),
    }
    .to_string()
}

pub fn letter(i18n: I18n, l: Letter) -> String {
    match l {
        Letter::Reminder => t_string!(i18n, rules.lt_reminder),
        Letter::Friendly => t_string!(i18n, rules.lt_friendly),
        Letter::Formal => t_string!(i18n, rules.lt_formal),
        Letter::Legal => t_string!(i18n, rules.lt_legal),
    }
    .to_string()
}

pub fn lang(i18n: I18n, l: Lang) -> String {
    match l {
        Lang::ZhCn => t_string!(i18n, rules.lang_zh),
        Lang::En => t_string!(i18n, rules.lang_en),
    }
    .to_string()
}

pub fn task_kind(i18n: I18n, k: TaskKind) -> String {
    match k {
        TaskKind::Call => t_string!(i18n, rules.tk_call),
        TaskKind::Visit => t_string!(i18n, rules.tk_visit),
        TaskKind::Advanced => t_string!(i18n, rules.tk_advanced),
        TaskKind::Legal => t_string!(i18n, rules.tk_legal),
    }
    .to_string()
}

pub fn priority(i18n: I18n, p: Priority) -> String {
    match p {
        Priority::Low => t_string!(i18n, rules.pr_low),
        Priority::Normal => t_string!(i18n, rules.pr_normal),
        Priority::High => t_string!(i18n, rules.pr_high),
        Priority::Urgent => t_string!(i18n, rules.pr_urgent),
    }
    .to_string()
}

/// A recipient code (`rep`, `role:finance`, `user:12`) in words; people by name.
pub fn recipient(i18n: I18n, code: &str, people: &[crate::api::rules::Person]) -> String {
    if code == "rep" {
        return t_string!(i18n, rules.rep).to_string();
    }
    if let Some(r) = code.strip_prefix("role:").and_then(|r| Role::parse(r).ok()) {
        return role_label(i18n, r);
    }
    if let Some(id) = code
        .strip_prefix("user:")
        .and_then(|id| id.parse::<i64>().ok())
    {
        if let Some(p) = people.iter().find(|p| p.id == id) {
            return p.name.clone();
        }
    }
    code.to_string()
}

/// How a run was started.
pub fn source(i18n: I18n, s: &str) -> String {
    match s {
        "schedule" => t_string!(i18n, rules.src_schedule),
        "catch_up" => t_string!(i18n, rules.src_catch_up),
        "manual" | "admin" => t_string!(i18n, rules.src_manual),
        other => return other.to_string(),
    }
    .to_string()
}

pub fn message_status(i18n: I18n, s: &str) -> String {
    match s {
        "pending" => t_string!(i18n, rules.ms_pending),
        "sent" => t_string!(i18n, rules.ms_sent),
        "dead" => t_string!(i18n, rules.ms_dead),
        other => return other.to_string(),
    }
    .to_string()
}

pub fn channel(i18n: I18n, c: &str) -> String {
    match c {
        "email" => t_string!(i18n, rules.ch_email),
        "webhook" => t_string!(i18n, rules.ch_webhook),
        other => return other.to_string(),
    }
    .to_string()
}

/// A delivery attempt's outcome (`sent`, `failed`, `dead`).
pub fn attempt_outcome(i18n: I18n, o: &str) -> String {
    match o {
        "sent" => t_string!(i18n, rules.ms_sent),
        "failed" => t_string!(i18n, rules.ao_failed),
        "dead" => t_string!(i18n, rules.ms_dead),
        other => return other.to_string(),
    }
    .to_string()
}

/// Where a field error points, in words: "Group 1 · condition 2 · Value".
pub fn error_place(i18n: I18n, path: &str) -> String {
    let mut parts = Vec::new();
    for seg in path.split('.') {
        let (name, index) = match seg.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (seg, None),
        };
        let n = index.map(|i| (i + 1).to_string()).unwrap_or_default();
        let text = match (name, index) {
            ("groups", Some(_)) => t_string!(i18n, rules.where_group, n = n).to_string(),
            ("predicates", Some(_)) => t_string!(i18n, rules.where_condition, n = n).to_string(),
            ("actions", Some(_)) => t_string!(i18n, rules.where_action, n = n).to_string(),
            ("webhooks", Some(_)) => t_string!(i18n, rules.where_webhook, n = n).to_string(),
            ("groups", None) => t_string!(i18n, rules.conditions).to_string(),
            ("actions", None) => t_string!(i18n, rules.actions).to_string(),
            ("name", _) => t_string!(i18n, rules.name).to_string(),
            ("scope", _) => t_string!(i18n, rules.scope).to_string(),
            ("trigger", _) => t_string!(i18n, rules.trigger).to_string(),
            ("at", _) => t_string!(i18n, rules.at).to_string(),
            ("event", _) => t_string!(i18n, rules.event).to_string(),
            ("repeat", _) => t_string!(i18n, rules.repeat).to_string(),
            ("field", _) => t_string!(i18n, rules.field).to_string(),
            ("op", _) => t_string!(i18n, rules.op).to_string(),
            ("value", _) => t_string!(i18n, rules.value).to_string(),
            ("kind", _) => t_string!(i18n, rules.action_kind).to_string(),
            ("to", _) => t_string!(i18n, rules.recipients).to_string(),
            ("letter", _) => t_string!(i18n, rules.letter).to_string(),
            ("target", _) => t_string!(i18n, rules.webhook).to_string(),
            ("task_kind", _) => t_string!(i18n, rules.task_kind).to_string(),
            ("priority", _) => t_string!(i18n, rules.priority).to_string(),
            ("status", _) => t_string!(i18n, rules.status).to_string(),
            ("level", _) => t_string!(i18n, rules.level).to_string(),
            (other, _) => other.to_string(),
        };
        parts.push(text);
    }
    parts.join(" · ")
}
