//! The collection rule engine: what finance configures, and what one evaluation decides.
//!
//! A rule is a trigger (daily at a time in the business timezone, or an event), a scope
//! (invoices, customers or the portfolio), AND/OR groups of predicates over named fields,
//! and a list of actions. Finance edits a `RuleDraft` (strings, as a form sends them);
//! `Rule::try_from` parses it whole and names every problem at once, so a stored rule is
//! always one the engine understands. There is no free-text code anywhere.
//!
//! Invariants:
//! - Evaluation is a pure function of the rule, the facts and the `as_of` date, so the
//!   scheduled run, the dry-run preview and the back-test agree by construction.
//! - A predicate only names fields its scope has (`Field::scopes`): an invoice field on a
//!   customer rule is refused when the draft is parsed, never silently false at run time.
//! - Every firing has a dedupe key — rule, target, and the level or period — and the
//!   store keeps one firing per key. Re-running a day, resuming a crashed run or two
//!   servers evaluating at once therefore cannot act or send twice.
//! - Rules only tighten: `SetStatus` never lowers a customer's status and `RaiseDunning`
//!   never lowers the dunning level. Relaxing is explicit (`UnfreezeCredit`) or manual, so
//!   two rules firing in either order leave the same state.
//! - Dunning interest is outstanding × rate × days / 365, rounded half away from zero to
//!   the minor unit, and charged per invoice over disjoint date ranges, so charges never
//!   overlap and are kept after the principal is paid.
use super::auth::Role;
use super::customer::{CustomerStatus, Grade};
use super::documents::FieldError;
use super::money::{Currency, Money};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where the enabled rule set and each rule's spec live: the `rules` table; this is the
/// settings key of the dunning fees and interest rate.
pub const DUNNING_SETTING: &str = "rules.dunning";

/// How far back the scheduler catches up after downtime, in days.
pub const MAX_CATCH_UP_DAYS: i64 = 31;

macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s.trim())
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
pub(crate) use named_enum;

named_enum!(
    /// What a rule looks at; each firing is about one such target.
    Scope { Invoice = "invoice", Customer = "customer", Portfolio = "portfolio" }
);

named_enum!(
    /// Things that happen in the ledger and may trigger event rules.
    EventKind {
        InvoiceCreated = "invoice_created",
        PaymentPosted = "payment_posted",
        PromiseBroken = "promise_broken",
        StatusChanged = "status_changed",
        GradeChanged = "grade_changed",
        BillDishonoured = "bill_dishonoured",
    }
);

named_enum!(
    /// How often one target may fire the same rule: the period part of the dedupe key.
    Repeat { Once = "once", Daily = "daily", Weekly = "weekly", Monthly = "monthly" }
);

named_enum!(
    /// Dunning stages, in order of severity; each has its letter.
    DunningLevel { None = "none", Friendly = "friendly", Formal = "formal", Legal = "legal" }
);

named_enum!(
    RiskLevel { Low = "low", Medium = "medium", High = "high" }
);

named_enum!(
    /// How new orders are paid: on credit, or prepayment first.
    PaymentMethod { Credit = "credit", Prepayment = "prepayment" }
);

named_enum!(
    TaskKind { Call = "call", Visit = "visit", Advanced = "advanced", Legal = "legal" }
);

named_enum!(
    Priority { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" }
);

named_enum!(
    /// Letters to the customer: a reminder before the due date, then one per dunning level.
    Letter { Reminder = "reminder", Friendly = "friendly", Formal = "formal", Legal = "legal" }
);

named_enum!(
    Lang { ZhCn = "zh-CN", En = "en" }
);

named_enum!(
    /// The named facts conditions can test.
    Field {
        DaysToDue = "days_to_due",
        DaysPastDue = "days_past_due",
        OpenAmount = "open_amount",
        CustomerOverdue = "customer_overdue",
        OverdueCount12m = "overdue_count_12m",
        Grade = "grade",
        Status = "status",
        Region = "region",
        Industry = "industry",
        CustomerType = "customer_type",
        DunningLevel = "dunning_level",
        RiskLevel = "risk_level",
        PaymentMethod = "payment_method",
        PortfolioOverdue = "portfolio_overdue",
        OverdueCustomers = "overdue_customers",
    }
);

named_enum!(
    Op { Eq = "eq", Ne = "ne", Lt = "lt", Le = "le", Gt = "gt", Ge = "ge", In = "in", NotIn = "not_in" }
);

/// What kind of value a field holds, which decides its operators and how a value parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// Whole days (may be negative: days to due after the due date).
    Days,
    Count,
    Amount,
    /// One of a closed list (`Field::choices`).
    Choice,
    /// Free text compared exactly (region, industry, customer type).
    Text,
}

impl Field {
    pub fn kind(self) -> ValueKind {
        use Field::*;
        match self {
            DaysToDue | DaysPastDue => ValueKind::Days,
            OverdueCount12m | OverdueCustomers => ValueKind::Count,
            OpenAmount | CustomerOverdue | PortfolioOverdue => ValueKind::Amount,
            Grade | Status | DunningLevel | RiskLevel | PaymentMethod => ValueKind::Choice,
            Region | Industry | CustomerType => ValueKind::Text,
        }
    }

    /// The scopes whose targets have this field.
    pub fn scopes(self) -> &'static [Scope] {
        use Field::*;
        match self {
            DaysToDue | DaysPastDue | OpenAmount => &[Scope::Invoice],
            PortfolioOverdue | OverdueCustomers => &[Scope::Portfolio],
            _ => &[Scope::Invoice, Scope::Customer],
        }
    }

    /// The allowed values of a choice field (`-` is "not graded").
    pub fn choices(self) -> Vec<&'static str> {
        match self {
            Field::Grade => vec!["A", "B", "C", "D", "-"],
            Field::Status => CustomerStatus::ALL.iter().map(|s| s.as_str()).collect(),
            Field::DunningLevel => DunningLevel::ALL.iter().map(|s| s.as_str()).collect(),
            Field::RiskLevel => RiskLevel::ALL.iter().map(|s| s.as_str()).collect(),
            Field::PaymentMethod => PaymentMethod::ALL.iter().map(|s| s.as_str()).collect(),
            _ => vec![],
        }
    }

    pub fn ops(self) -> &'static [Op] {
        match self.kind() {
            ValueKind::Days | ValueKind::Count | ValueKind::Amount => {
                &[Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge]
            }
            ValueKind::Choice | ValueKind::Text => &[Op::In, Op::NotIn],
        }
    }
}

/// A parsed predicate value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Value {
    Number(i64),
    Amount(Money),
    Texts(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Predicate {
    pub field: Field,
    pub op: Op,
    pub value: Value,
}

/// Predicates combined with AND (`all`) or OR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub all: bool,
    pub predicates: Vec<Predicate>,
}

/// Who an internal notification or task goes to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Recipient {
    /// The customer's sales rep.
    Rep,
    Role(Role),
    User(i64),
}

impl Recipient {
    pub fn parse(s: &str) -> Option<Recipient> {
        let s = s.trim();
        if s == "rep" {
            return Some(Recipient::Rep);
        }
        if let Some(r) = s.strip_prefix("role:") {
            return Role::parse(r).ok().map(Recipient::Role);
        }
        s.strip_prefix("user:")
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0)
            .map(Recipient::User)
    }

    pub fn code(&self) -> String {
        match self {
            Recipient::Rep => "rep".into(),
            Recipient::Role(r) => format!("role:{}", r.as_str()),
            Recipient::User(id) => format!("user:{id}"),
        }
    }
}

/// What a firing does. All effects of one firing commit together with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// In-app notification (the bell).
    Notify {
        to: Vec<Recipient>,
    },
    /// A letter to the customer's contact email, through the outbox.
    EmailCustomer {
        letter: Letter,
        lang: Lang,
    },
    /// An internal email to fixed addresses, through the outbox.
    EmailInternal {
        to: Vec<String>,
        lang: Lang,
    },
    /// A configured webhook (generic, DingTalk or WeCom), through the outbox.
    Webhook {
        target: String,
        lang: Lang,
    },
    CreateTask {
        assignee: Recipient,
        kind: TaskKind,
        priority: Priority,
    },
    /// Raises the customer's status to at least this one.
    SetStatus {
        status: CustomerStatus,
    },
    SetRisk {
        level: RiskLevel,
    },
    RequirePrepayment,
    /// Raises the dunning level to at least this one, charging the level's fee and the
    /// interest accrued on the overdue invoices.
    RaiseDunning {
        level: DunningLevel,
    },
    FreezeCredit,
    UnfreezeCredit,
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Notify { .. } => "notify",
            Action::EmailCustomer { .. } => "email_customer",
            Action::EmailInternal { .. } => "email_internal",
            Action::Webhook { .. } => "webhook",
            Action::CreateTask { .. } => "create_task",
            Action::SetStatus { .. } => "set_status",
            Action::SetRisk { .. } => "set_risk",
            Action::RequirePrepayment => "require_prepayment",
            Action::RaiseDunning { .. } => "raise_dunning",
            Action::FreezeCredit => "freeze_credit",
            Action::UnfreezeCredit => "unfreeze_credit",
        }
    }

    /// Actions that change a customer, which a portfolio rule has none of.
    fn needs_customer(&self) -> bool {
        !matches!(
            self,
            Action::Notify { .. } | Action::EmailInternal { .. } | Action::Webhook { .. }
        )
    }
}

pub const ACTION_KINDS: [&str; 11] = [
    "notify",
    "email_customer",
    "email_internal",
    "webhook",
    "create_task",
    "set_status",
    "set_risk",
    "require_prepayment",
    "raise_dunning",
    "freeze_credit",
    "unfreeze_credit",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Trigger {
    /// Every day at this local time (business timezone).
    Daily {
        at: NaiveTime,
    },
    Event {
        kind: EventKind,
    },
}

/// A parsed, runnable rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub enabled: bool,
    pub trigger: Trigger,
    pub scope: Scope,
    pub repeat: Repeat,
    /// Groups combined with AND (`true`) or OR.
    pub all: bool,
    pub groups: Vec<Group>,
    pub actions: Vec<Action>,
}

// ---------------------------------------------------------------------------------
// Drafts: what the builder edits and the store keeps.
// ---------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredicateDraft {
    pub field: String,
    pub op: String,
    /// A number, an amount ("50000.00"), or choices separated by commas.
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDraft {
    pub all: bool,
    pub predicates: Vec<PredicateDraft>,
}

/// One action as the builder's row holds it: `kind` picks which other fields count.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActionDraft {
    pub kind: String,
    /// Recipients (`rep`, `role:finance`, `user:12`), or email addresses for `email_internal`.
    pub to: Vec<String>,
    pub letter: String,
    pub lang: String,
    pub target: String,
    pub task_kind: String,
    pub priority: String,
    pub status: String,
    pub level: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDraft {
    pub name: String,
    pub enabled: bool,
    /// `daily` or `event`.
    pub trigger: String,
    /// HH:MM for a daily rule.
    pub at: String,
    /// An `EventKind` for an event rule.
    pub event: String,
    pub scope: String,
    pub repeat: String,
    pub all: bool,
    pub groups: Vec<GroupDraft>,
    pub actions: Vec<ActionDraft>,
}

impl Default for Trigger {
    fn default() -> Self {
        Trigger::Daily {
            at: NaiveTime::from_hms_opt(8, 0, 0).expect("08:00 is a time"),
        }
    }
}

fn parse_amount(s: &str) -> Result<Money, String> {
    let d = Decimal::from_str(s.trim().replace(',', "").as_str())
        .map_err(|_| format!("'{s}' is not an amount"))?;
    if d.is_sign_negative() {
        return Err(format!("'{s}' must not be negative"));
    }
    Money::new(d, Currency::CNY).map_err(|e| e.to_string())
}

fn parse_predicate(
    scope: Scope,
    d: &PredicateDraft,
    path: &str,
    e: &mut Vec<FieldError>,
) -> Option<Predicate> {
    let Some(field) = Field::parse(&d.field) else {
        e.push(FieldError::new(
            format!("{path}.field"),
            format!("unknown field '{}'", d.field),
        ));
        return None;
    };
    if !field.scopes().contains(&scope) {
        e.push(FieldError::new(
            format!("{path}.field"),
            format!("{field} is not a field of a {scope} rule"),
        ));
        return None;
    }
    let Some(op) = Op::parse(&d.op).filter(|op| field.ops().contains(op)) else {
        let allowed: Vec<&str> = field.ops().iter().map(|o| o.as_str()).collect();
        e.push(FieldError::new(
            format!("{path}.op"),
            format!(
                "'{}' is not an operator for {field} (use {})",
                d.op,
                allowed.join(", ")
            ),
        ));
        return None;
    };
    let raw = d.value.trim();
    let value = match field.kind() {
        ValueKind::Days | ValueKind::Count => match raw.parse::<i64>() {
            Ok(n) if field.kind() == ValueKind::Count && n < 0 => {
                Err(format!("{field} must be 0 or more"))
            }
            Ok(n) if n.abs() > 36_500 => Err(format!("{n} is out of range")),
            Ok(n) => Ok(Value::Number(n)),
            Err(_) => Err(format!("'{raw}' is not a whole number")),
        },
        ValueKind::Amount => parse_amount(raw).map(Value::Amount),
        ValueKind::Choice | ValueKind::Text => {
            let items: Vec<String> = raw
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if items.is_empty() {
                Err("choose at least one value".to_string())
            } else if field.kind() == ValueKind::Choice {
                let allowed = field.choices();
                match items.iter().find(|v| !allowed.contains(&v.as_str())) {
                    Some(bad) => Err(format!(
                        "'{bad}' is not a {field} (use {})",
                        allowed.join(", ")
                    )),
                    None => Ok(Value::Texts(items)),
                }
            } else {
                Ok(Value::Texts(items))
            }
        }
    };
    match value {
        Ok(value) => Some(Predicate { field, op, value }),
        Err(m) => {
            e.push(FieldError::new(format!("{path}.value"), m));
            None
        }
    }
}

fn parse_recipients(
    to: &[String],
    path: &str,
    scope: Scope,
    e: &mut Vec<FieldError>,
) -> Vec<Recipient> {
    let mut out = Vec::new();
    for r in to.iter().filter(|s| !s.trim().is_empty()) {
        match Recipient::parse(r) {
            Some(Recipient::Rep) if scope == Scope::Portfolio => e.push(FieldError::new(
                path,
                "a portfolio rule has no customer, so no rep to notify",
            )),
            Some(x) if !out.contains(&x) => out.push(x),
            Some(_) => {}
            None => e.push(FieldError::new(
                path,
                format!("'{r}' is not a recipient (rep, role:NAME or user:ID)"),
            )),
        }
    }
    if out.is_empty() {
        e.push(FieldError::new(path, "choose at least one recipient"));
    }
    out
}

fn parse_lang(s: &str) -> Lang {
    Lang::parse(s).unwrap_or(Lang::ZhCn)
}

/// A plausible mailbox: one `@`, a dotted domain, no spaces.
pub fn is_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

fn parse_action(
    scope: Scope,
    d: &ActionDraft,
    path: &str,
    e: &mut Vec<FieldError>,
) -> Option<Action> {
    let before = e.len();
    let bad = |e: &mut Vec<FieldError>, f: &str, m: String| {
        e.push(FieldError::new(format!("{path}.{f}"), m))
    };
    let action = match d.kind.trim() {
        "notify" => Action::Notify {
            to: parse_recipients(&d.to, &format!("{path}.to"), scope, e),
        },
        "email_customer" => {
            let letter = Letter::parse(&d.letter);
            if letter.is_none() {
                bad(
                    e,
                    "letter",
                    format!(
                        "'{}' is not a letter (reminder, friendly, formal, legal)",
                        d.letter
                    ),
                );
            }
            Action::EmailCustomer {
                letter: letter.unwrap_or(Letter::Reminder),
                lang: parse_lang(&d.lang),
            }
        }
        "email_internal" => {
            let to: Vec<String> =
                d.to.iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            if to.is_empty() {
                bad(e, "to", "give at least one email address".into());
            }
            for a in to.iter().filter(|a| !is_email(a)) {
                bad(e, "to", format!("'{a}' is not an email address"));
            }
            Action::EmailInternal {
                to,
                lang: parse_lang(&d.lang),
            }
        }
        "webhook" => {
            let t = d.target.trim();
            if t.is_empty() {
                bad(e, "target", "choose a webhook".into());
            }
            Action::Webhook {
                target: t.to_string(),
                lang: parse_lang(&d.lang),
            }
        }
        "create_task" => {
            let to = parse_recipients(&d.to, &format!("{path}.to"), scope, e);
            if to.len() > 1 {
                bad(e, "to", "a task has one assignee".into());
            }
            let kind = TaskKind::parse(&d.task_kind);
            if kind.is_none() {
                bad(
                    e,
                    "task_kind",
                    format!(
                        "'{}' is not a task kind (call, visit, advanced, legal)",
                        d.task_kind
                    ),
                );
            }
            let priority = Priority::parse(&d.priority);
            if priority.is_none() {
                bad(
                    e,
                    "priority",
                    format!(
                        "'{}' is not a priority (low, normal, high, urgent)",
                        d.priority
                    ),
                );
            }
            Action::CreateTask {
                assignee: to.into_iter().next().unwrap_or(Recipient::Rep),
                kind: kind.unwrap_or(TaskKind::Call),
                priority: priority.unwrap_or(Priority::Normal),
            }
        }
        "set_status" => match CustomerStatus::parse(d.status.trim()) {
            Ok(s) if s != CustomerStatus::Normal => Action::SetStatus { status: s },
            _ => {
                bad(
                    e,
                    "status",
                    format!(
                        "'{}' is not a status a rule may set (watch, frozen, blacklisted)",
                        d.status
                    ),
                );
                return None;
            }
        },
        "set_risk" => match RiskLevel::parse(&d.level) {
            Some(level) => Action::SetRisk { level },
            None => {
                bad(
                    e,
                    "level",
                    format!("'{}' is not a risk level (low, medium, high)", d.level),
                );
                return None;
            }
        },
        "raise_dunning" => match DunningLevel::parse(&d.level).filter(|l| *l != DunningLevel::None)
        {
            Some(level) => Action::RaiseDunning { level },
            None => {
                bad(
                    e,
                    "level",
                    format!(
                        "'{}' is not a dunning level (friendly, formal, legal)",
                        d.level
                    ),
                );
                return None;
            }
        },
        "require_prepayment" => Action::RequirePrepayment,
        "freeze_credit" => Action::FreezeCredit,
        "unfreeze_credit" => Action::UnfreezeCredit,
        other => {
            bad(
                e,
                "kind",
                format!("unknown action '{other}' (use {})", ACTION_KINDS.join(", ")),
            );
            return None;
        }
    };
    if scope == Scope::Portfolio && action.needs_customer() {
        bad(
            e,
            "kind",
            format!(
                "{} needs a customer; a portfolio rule can notify, email or call a webhook",
                action.kind()
            ),
        );
    }
    (e.len() == before).then_some(action)
}

impl TryFrom<&RuleDraft> for Rule {
    type Error = Vec<FieldError>;

    fn try_from(d: &RuleDraft) -> Result<Rule, Vec<FieldError>> {
        let mut e = Vec::new();
        let name = d.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 80 {
            e.push(FieldError::new(
                "name",
                "give the rule a name of 1–80 characters",
            ));
        }
        let scope = Scope::parse(&d.scope);
        if scope.is_none() {
            e.push(FieldError::new(
                "scope",
                format!(
                    "'{}' is not a scope (invoice, customer, portfolio)",
                    d.scope
                ),
            ));
        }
        let scope = scope.unwrap_or(Scope::Invoice);
        let trigger = match d.trigger.trim() {
            "daily" => match NaiveTime::parse_from_str(d.at.trim(), "%H:%M") {
                Ok(at) => Trigger::Daily { at },
                Err(_) => {
                    e.push(FieldError::new(
                        "at",
                        format!("'{}' is not a time of day (HH:MM)", d.at),
                    ));
                    Trigger::default()
                }
            },
            "event" => match EventKind::parse(&d.event) {
                Some(kind) => {
                    let fits = match kind {
                        EventKind::InvoiceCreated => scope == Scope::Invoice,
                        _ => scope == Scope::Customer,
                    };
                    if !fits {
                        let want = if kind == EventKind::InvoiceCreated {
                            "invoice"
                        } else {
                            "customer"
                        };
                        e.push(FieldError::new(
                            "scope",
                            format!("the {kind} event is about one {want}: use the {want} scope"),
                        ));
                    }
                    Trigger::Event { kind }
                }
                None => {
                    let all: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                    e.push(FieldError::new(
                        "event",
                        format!("'{}' is not an event ({})", d.event, all.join(", ")),
                    ));
                    Trigger::default()
                }
            },
            other => {
                e.push(FieldError::new(
                    "trigger",
                    format!("'{other}' is not a trigger (daily, event)"),
                ));
                Trigger::default()
            }
        };
        let repeat = Repeat::parse(&d.repeat).unwrap_or_else(|| {
            e.push(FieldError::new(
                "repeat",
                format!(
                    "'{}' is not a repeat (once, daily, weekly, monthly)",
                    d.repeat
                ),
            ));
            Repeat::Once
        });
        let mut groups = Vec::new();
        for (gi, g) in d.groups.iter().enumerate() {
            let mut predicates = Vec::new();
            for (pi, p) in g.predicates.iter().enumerate() {
                if let Some(p) =
                    parse_predicate(scope, p, &format!("groups[{gi}].predicates[{pi}]"), &mut e)
                {
                    predicates.push(p);
                }
            }
            if g.predicates.is_empty() {
                e.push(FieldError::new(
                    format!("groups[{gi}]"),
                    "a condition group needs at least one condition",
                ));
            }
            groups.push(Group {
                all: g.all,
                predicates,
            });
        }
        if groups.is_empty()
            && scope != Scope::Portfolio
            && matches!(trigger, Trigger::Daily { .. })
        {
            e.push(FieldError::new(
                "groups",
                "a daily rule needs at least one condition, or it fires for every target",
            ));
        }
        let mut actions = Vec::new();
        for (ai, a) in d.actions.iter().enumerate() {
            if let Some(a) = parse_action(scope, a, &format!("actions[{ai}]"), &mut e) {
                actions.push(a);
            }
        }
        if d.actions.is_empty() {
            e.push(FieldError::new("actions", "add at least one action"));
        }
        if e.is_empty() {
            Ok(Rule {
                name,
                enabled: d.enabled,
                trigger,
                scope,
                repeat,
                all: d.all,
                groups,
                actions,
            })
        } else {
            Err(e)
        }
    }
}

impl Rule {
    /// The draft that parses back to this rule (what the builder loads).
    pub fn to_draft(&self) -> RuleDraft {
        let (trigger, at, event) = match self.trigger {
            Trigger::Daily { at } => ("daily", at.format("%H:%M").to_string(), String::new()),
            Trigger::Event { kind } => ("event", String::new(), kind.as_str().to_string()),
        };
        RuleDraft {
            name: self.name.clone(),
            enabled: self.enabled,
            trigger: trigger.into(),
            at,
            event,
            scope: self.scope.as_str().into(),
            repeat: self.repeat.as_str().into(),
            all: self.all,
            groups: self
                .groups
                .iter()
                .map(|g| GroupDraft {
                    all: g.all,
                    predicates: g
                        .predicates
                        .iter()
                        .map(|p| PredicateDraft {
                            field: p.field.as_str().into(),
                            op: p.op.as_str().into(),
                            value: match &p.value {
                                Value::Number(n) => n.to_string(),
                                Value::Amount(m) => m.amount().to_string(),
                                Value::Texts(t) => t.join(", "),
                            },
                        })
                        .collect(),
                })
                .collect(),
            actions: self.actions.iter().map(action_draft).collect(),
        }
    }

    pub fn is_daily(&self) -> bool {
        matches!(self.trigger, Trigger::Daily { .. })
    }

    /// Whether the conditions hold for these facts. No groups means always.
    pub fn matches(&self, f: &Facts) -> bool {
        let group = |g: &Group| {
            if g.all {
                g.predicates.iter().all(|p| p.holds(f))
            } else {
                g.predicates.iter().any(|p| p.holds(f))
            }
        };
        if self.groups.is_empty() {
            true
        } else if self.all {
            self.groups.iter().all(group)
        } else {
            self.groups.iter().any(group)
        }
    }

    /// The dunning level this rule raises to, if any (part of the dedupe key).
    pub fn raises_to(&self) -> Option<DunningLevel> {
        self.actions
            .iter()
            .filter_map(|a| {
                if let Action::RaiseDunning { level } = a {
                    Some(*level)
                } else {
                    None
                }
            })
            .max()
    }

    /// The dedupe key of this rule firing for a target on a date: rule, target, and the
    /// level raised to or the repeat period.
    pub fn dedupe_key(
        &self,
        rule_id: i64,
        target: TargetRef,
        as_of: NaiveDate,
        event_ref: Option<i64>,
    ) -> String {
        let period = match (event_ref, self.repeat) {
            (Some(r), _) => format!("event-{r}"),
            (None, Repeat::Once) => "once".to_string(),
            (None, Repeat::Daily) => as_of.to_string(),
            (None, Repeat::Weekly) => {
                let w = as_of.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            (None, Repeat::Monthly) => format!("{}-{:02}", as_of.year(), as_of.month()),
        };
        let level = self
            .raises_to()
            .map(|l| format!(":{l}"))
            .unwrap_or_default();
        format!("r{rule_id}:{}:{period}{level}", target.code())
    }
}

fn action_draft(a: &Action) -> ActionDraft {
    let mut d = ActionDraft {
        kind: a.kind().into(),
        ..ActionDraft::default()
    };
    match a {
        Action::Notify { to } => d.to = to.iter().map(Recipient::code).collect(),
        Action::EmailCustomer { letter, lang } => {
            d.letter = letter.as_str().into();
            d.lang = lang.as_str().into();
        }
        Action::EmailInternal { to, lang } => {
            d.to = to.clone();
            d.lang = lang.as_str().into();
        }
        Action::Webhook { target, lang } => {
            d.target = target.clone();
            d.lang = lang.as_str().into();
        }
        Action::CreateTask {
            assignee,
            kind,
            priority,
        } => {
            d.to = vec![assignee.code()];
            d.task_kind = kind.as_str().into();
            d.priority = priority.as_str().into();
        }
        Action::SetStatus { status } => d.status = status.as_str().into(),
        Action::SetRisk { level } => d.level = level.as_str().into(),
        Action::RaiseDunning { level } => d.level = level.as_str().into(),
        Action::RequirePrepayment | Action::FreezeCredit | Action::UnfreezeCredit => {}
    }
    d
}

// ---------------------------------------------------------------------------------
// Facts and evaluation
// ---------------------------------------------------------------------------------

/// One customer as rules see it at a date (amounts in minor units of the book currency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFacts {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub rep_id: Option<i64>,
    pub region: String,
    pub industry: String,
    pub customer_type: String,
    pub grade: Option<Grade>,
    pub status: CustomerStatus,
    pub dunning: DunningLevel,
    pub risk: RiskLevel,
    pub payment_method: PaymentMethod,
    pub open_minor: i64,
    pub overdue_minor: i64,
    /// Invoices due in the 12 months before the date that were not settled by their due date.
    pub overdue_count_12m: i64,
}

/// One open invoice at a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceFacts {
    pub id: i64,
    pub number: String,
    pub customer_id: i64,
    pub due_date: NaiveDate,
    pub open_minor: i64,
    /// Under an open dispute at the date: invoice rules (dunning, reminders, tasks) pause
    /// for it (`collections::dispute_open_on`).
    #[serde(default)]
    pub disputed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PortfolioFacts {
    pub overdue_minor: i64,
    pub overdue_customers: i64,
}

/// The facts one evaluation reads.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub as_of: NaiveDate,
    pub invoice: Option<&'a InvoiceFacts>,
    pub customer: Option<&'a CustomerFacts>,
    pub portfolio: Option<&'a PortfolioFacts>,
}

/// Which target a firing is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TargetRef {
    Invoice(i64),
    Customer(i64),
    Portfolio,
}

impl TargetRef {
    pub fn code(self) -> String {
        match self {
            TargetRef::Invoice(id) => format!("i{id}"),
            TargetRef::Customer(id) => format!("c{id}"),
            TargetRef::Portfolio => "p".to_string(),
        }
    }
}

enum Fact<'a> {
    Number(i64),
    Text(&'a str),
    Missing,
}

impl Predicate {
    fn fact<'a>(&self, f: &Facts<'a>) -> Fact<'a> {
        use Field::*;
        let c = f.customer;
        let inv = f.invoice;
        match self.field {
            DaysToDue => inv.map_or(Fact::Missing, |i| {
                Fact::Number((i.due_date - f.as_of).num_days())
            }),
            DaysPastDue => inv.map_or(Fact::Missing, |i| {
                Fact::Number((f.as_of - i.due_date).num_days())
            }),
            OpenAmount => inv.map_or(Fact::Missing, |i| Fact::Number(i.open_minor)),
            CustomerOverdue => c.map_or(Fact::Missing, |c| Fact::Number(c.overdue_minor)),
            OverdueCount12m => c.map_or(Fact::Missing, |c| Fact::Number(c.overdue_count_12m)),
            Grade => c.map_or(Fact::Missing, |c| {
                Fact::Text(c.grade.map_or("-", |g| g.as_str()))
            }),
            Status => c.map_or(Fact::Missing, |c| Fact::Text(c.status.as_str())),
            Region => c.map_or(Fact::Missing, |c| Fact::Text(&c.region)),
            Industry => c.map_or(Fact::Missing, |c| Fact::Text(&c.industry)),
            CustomerType => c.map_or(Fact::Missing, |c| Fact::Text(&c.customer_type)),
            DunningLevel => c.map_or(Fact::Missing, |c| Fact::Text(c.dunning.as_str())),
            RiskLevel => c.map_or(Fact::Missing, |c| Fact::Text(c.risk.as_str())),
            PaymentMethod => c.map_or(Fact::Missing, |c| Fact::Text(c.payment_method.as_str())),
            PortfolioOverdue => f
                .portfolio
                .map_or(Fact::Missing, |p| Fact::Number(p.overdue_minor)),
            OverdueCustomers => f
                .portfolio
                .map_or(Fact::Missing, |p| Fact::Number(p.overdue_customers)),
        }
    }

    /// Whether the predicate holds; a missing fact never holds.
    pub fn holds(&self, f: &Facts) -> bool {
        let want = match &self.value {
            Value::Number(n) => Some(*n),
            Value::Amount(m) => Some(m.minor()),
            Value::Texts(_) => None,
        };
        match (self.fact(f), want, &self.value) {
            (Fact::Number(have), Some(want), _) => match self.op {
                Op::Eq => have == want,
                Op::Ne => have != want,
                Op::Lt => have < want,
                Op::Le => have <= want,
                Op::Gt => have > want,
                Op::Ge => have >= want,
                Op::In | Op::NotIn => false,
            },
            (Fact::Text(have), None, Value::Texts(set)) => {
                let inside = set.iter().any(|v| v == have);
                match self.op {
                    Op::In => inside,
                    Op::NotIn => !inside,
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

/// A decision to fire: the rule, the target and its dedupe key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firing {
    pub rule_id: i64,
    pub key: String,
    pub target: TargetRef,
    pub customer_id: Option<i64>,
    pub invoice_id: Option<i64>,
    /// The overdue amount the firing covers: the invoice's when overdue, else the
    /// customer's, else the portfolio's (what the back-test adds up).
    pub overdue_minor: i64,
}

/// Evaluates one rule against one target's facts.
pub fn evaluate(
    rule_id: i64,
    rule: &Rule,
    facts: &Facts,
    event_ref: Option<i64>,
) -> Option<Firing> {
    if !rule.matches(facts) {
        return None;
    }
    let (target, customer_id, invoice_id, overdue_minor) = match rule.scope {
        Scope::Invoice => {
            let i = facts.invoice.filter(|i| !i.disputed)?;
            let overdue = if i.due_date < facts.as_of {
                i.open_minor
            } else {
                0
            };
            (
                TargetRef::Invoice(i.id),
                Some(i.customer_id),
                Some(i.id),
                overdue,
            )
        }
        Scope::Customer => {
            let c = facts.customer?;
            (TargetRef::Customer(c.id), Some(c.id), None, c.overdue_minor)
        }
        Scope::Portfolio => (
            TargetRef::Portfolio,
            None,
            None,
            facts.portfolio.map_or(0, |p| p.overdue_minor),
        ),
    };
    Some(Firing {
        rule_id,
        key: rule.dedupe_key(rule_id, target, facts.as_of, event_ref),
        target,
        customer_id,
        invoice_id,
        overdue_minor,
    })
}

/// The status a rule's status action leaves: rules only tighten (normal < watch <
/// frozen < blacklisted), and unfreezing only lifts a freeze. `None` when unchanged.
pub fn status_after(current: CustomerStatus, action: &Action) -> Option<CustomerStatus> {
    let rank = |s: CustomerStatus| {
        CustomerStatus::ALL
            .iter()
            .position(|x| *x == s)
            .unwrap_or(0)
    };
    let next = match action {
        Action::SetStatus { status } if rank(*status) > rank(current) => *status,
        Action::FreezeCredit if rank(CustomerStatus::Frozen) > rank(current) => {
            CustomerStatus::Frozen
        }
        Action::UnfreezeCredit if current == CustomerStatus::Frozen => CustomerStatus::Normal,
        _ => return None,
    };
    Some(next)
}

// ---------------------------------------------------------------------------------
// Scheduling
// ---------------------------------------------------------------------------------

/// The dates a daily rule still has to run for, oldest first: every day after the last
/// one it ran (or since it was created) up to today, today only once its time has come,
/// and never more than `MAX_CATCH_UP_DAYS` back.
pub fn due_dates(
    at: NaiveTime,
    created_on: NaiveDate,
    last_run: Option<NaiveDate>,
    now_local: NaiveDateTime,
) -> Vec<NaiveDate> {
    let today = now_local.date();
    let last_due = if now_local.time() >= at {
        today
    } else {
        today - Duration::days(1)
    };
    let mut from = last_run
        .map_or(created_on, |d| d + Duration::days(1))
        .max(created_on);
    from = from.max(last_due - Duration::days(MAX_CATCH_UP_DAYS - 1));
    let mut out = Vec::new();
    let mut d = from;
    while d <= last_due {
        out.push(d);
        d += Duration::days(1);
    }
    out
}

// ---------------------------------------------------------------------------------
// Dunning: fees and interest
// ---------------------------------------------------------------------------------

/// Finance's dunning terms: a fee per level reached and the annual interest rate on
/// overdue principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DunningTerms {
    #[serde(with = "rust_decimal::serde::str")]
    pub friendly_fee: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub formal_fee: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub legal_fee: Decimal,
    /// Annual, as a fraction (0.0435 = 4.35%).
    #[serde(with = "rust_decimal::serde::str")]
    pub annual_rate: Decimal,
}

impl Default for DunningTerms {
    fn default() -> Self {
        DunningTerms {
            friendly_fee: Decimal::ZERO,
            formal_fee: Decimal::new(200, 0),
            legal_fee: Decimal::new(1000, 0),
            annual_rate: Decimal::new(6, 2),
        }
    }
}

impl DunningTerms {
    pub fn fee(&self, level: DunningLevel) -> Money {
        let d = match level {
            DunningLevel::None => Decimal::ZERO,
            DunningLevel::Friendly => self.friendly_fee,
            DunningLevel::Formal => self.formal_fee,
            DunningLevel::Legal => self.legal_fee,
        };
        Money::new(d.round_dp(2), Currency::CNY).unwrap_or_else(|_| Money::zero(Currency::CNY))
    }

    /// Parses finance's form; every bad field is named.
    pub fn parse(
        friendly: &str,
        formal: &str,
        legal: &str,
        rate_percent: &str,
    ) -> Result<DunningTerms, Vec<FieldError>> {
        let mut e = Vec::new();
        let mut fee = |name: &str, s: &str| match parse_amount(s) {
            Ok(m) => m.amount(),
            Err(m) => {
                e.push(FieldError::new(name, m));
                Decimal::ZERO
            }
        };
        let (friendly_fee, formal_fee, legal_fee) = (
            fee("friendly_fee", friendly),
            fee("formal_fee", formal),
            fee("legal_fee", legal),
        );
        let rate = match Decimal::from_str(rate_percent.trim()) {
            Ok(r) if r >= Decimal::ZERO && r <= Decimal::new(36, 0) => r / Decimal::ONE_HUNDRED,
            _ => {
                e.push(FieldError::new(
                    "annual_rate",
                    format!("'{rate_percent}' is not a rate between 0 and 36 (%)"),
                ));
                Decimal::ZERO
            }
        };
        if e.is_empty() {
            Ok(DunningTerms {
                friendly_fee,
                formal_fee,
                legal_fee,
                annual_rate: rate,
            })
        } else {
            Err(e)
        }
    }
}

/// Interest on `outstanding` over the days after `from` up to and including `to`:
/// outstanding × rate × days / 365, rounded half away from zero to the minor unit.
/// Zero when `to` is not after `from`.
pub fn interest(outstanding: Money, annual_rate: Decimal, from: NaiveDate, to: NaiveDate) -> Money {
    let days = (to - from).num_days().max(0);
    let raw = outstanding.amount() * annual_rate * Decimal::from(days) / Decimal::from(365);
    let rounded = raw.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    Money::new(rounded, outstanding.currency())
        .unwrap_or_else(|_| Money::zero(outstanding.currency()))
}

/// The interest charge on one overdue invoice when dunning is raised on `on`: from the
/// end of its last charge (or its due date) to `on`. `None` when nothing accrued.
pub fn interest_charge(
    open: Money,
    due_date: NaiveDate,
    charged_through: Option<NaiveDate>,
    on: NaiveDate,
    annual_rate: Decimal,
) -> Option<(NaiveDate, Money)> {
    let from = charged_through.unwrap_or(due_date).max(due_date);
    let m = interest(open, annual_rate, from, on);
    (on > from && !m.is_zero()).then_some((from, m))
}

// ---------------------------------------------------------------------------------
// The shipped rule set
// ---------------------------------------------------------------------------------

fn pred(field: &str, op: &str, value: &str) -> PredicateDraft {
    PredicateDraft {
        field: field.into(),
        op: op.into(),
        value: value.into(),
    }
}

fn act(kind: &str) -> ActionDraft {
    ActionDraft {
        kind: kind.into(),
        ..ActionDraft::default()
    }
}

fn to(kind: &str, to: &[&str]) -> ActionDraft {
    ActionDraft {
        to: to.iter().map(|s| s.to_string()).collect(),
        ..act(kind)
    }
}

fn letter(l: &str) -> ActionDraft {
    ActionDraft {
        letter: l.into(),
        lang: "zh-CN".into(),
        ..act("email_customer")
    }
}

fn level(kind: &str, level: &str) -> ActionDraft {
    ActionDraft {
        level: level.into(),
        ..act(kind)
    }
}

fn task(who: &str, kind: &str, priority: &str) -> ActionDraft {
    ActionDraft {
        task_kind: kind.into(),
        priority: priority.into(),
        ..to("create_task", &[who])
    }
}

fn daily(
    name: &str,
    scope: &str,
    repeat: &str,
    preds: Vec<PredicateDraft>,
    actions: Vec<ActionDraft>,
) -> RuleDraft {
    RuleDraft {
        name: name.into(),
        enabled: true,
        trigger: "daily".into(),
        at: "08:00".into(),
        event: String::new(),
        scope: scope.into(),
        repeat: repeat.into(),
        all: true,
        groups: vec![GroupDraft {
            all: true,
            predicates: preds,
        }],
        actions,
    }
}

/// The rule set CreditDesk ships (from the source documents), editable like any other.
/// Invoice rules key on the exact day, so each fires once per invoice; customer rules
/// test the state they change, so they fire on the change and not again.
pub fn default_rules() -> Vec<RuleDraft> {
    let dpd = |n: &str| vec![pred("days_past_due", "eq", n)];
    vec![
        daily(
            "到期前3天提醒 · Due in 3 days",
            "invoice",
            "once",
            vec![pred("days_to_due", "eq", "3")],
            vec![to("notify", &["rep"])],
        ),
        daily(
            "逾期1天友好提醒 · 1 day overdue",
            "invoice",
            "once",
            dpd("1"),
            vec![letter("friendly"), level("raise_dunning", "friendly")],
        ),
        daily(
            "逾期3天催收 · 3 days overdue",
            "invoice",
            "once",
            dpd("3"),
            vec![letter("friendly"), to("notify", &["rep", "role:finance"])],
        ),
        daily(
            "逾期7天电话催收 · 7 days overdue",
            "invoice",
            "once",
            dpd("7"),
            vec![task("rep", "call", "normal")],
        ),
        daily(
            "逾期15天关注 · 15 days overdue",
            "invoice",
            "once",
            dpd("15"),
            vec![
                ActionDraft {
                    status: "watch".into(),
                    ..act("set_status")
                },
                task("role:credit_manager", "advanced", "high"),
                letter("formal"),
                level("raise_dunning", "formal"),
            ],
        ),
        daily(
            "逾期30天冻结 · 30 days overdue",
            "invoice",
            "once",
            dpd("30"),
            vec![
                act("freeze_credit"),
                to("notify", &["role:finance", "role:executive"]),
            ],
        ),
        daily(
            "12个月逾期超3次 · Over 3 overdue events in 12 months",
            "customer",
            "daily",
            vec![
                pred("overdue_count_12m", "gt", "3"),
                pred("risk_level", "not_in", "high"),
            ],
            vec![
                level("set_risk", "high"),
                to("notify", &["role:sales_manager"]),
            ],
        ),
        daily(
            "客户逾期超5万 · Customer overdue above 50,000",
            "customer",
            "monthly",
            vec![pred("customer_overdue", "gt", "50000")],
            vec![to("notify", &["role:executive"])],
        ),
        daily(
            "高风险须预付 · High risk: prepayment",
            "customer",
            "daily",
            vec![
                pred("risk_level", "in", "high"),
                pred("payment_method", "in", "credit"),
            ],
            vec![act("require_prepayment")],
        ),
        // A promise to pay broken (the promise check raises the event): the rep and the
        // sales managers hear of it, the credit manager gets an advanced task.
        RuleDraft {
            trigger: "event".into(),
            at: String::new(),
            event: EventKind::PromiseBroken.as_str().into(),
            ..daily(
                "承诺未兑现 · Promise to pay broken",
                "customer",
                "once",
                vec![pred("status", "not_in", "blacklisted")],
                vec![
                    to("notify", &["rep", "role:sales_manager"]),
                    task("role:credit_manager", "advanced", "high"),
                ],
            )
        },
        // An acceptance bill dishonoured (its invoices are open again): finance and the
        // rep hear of it, the customer is watched, the credit manager follows it up.
        RuleDraft {
            trigger: "event".into(),
            at: String::new(),
            event: EventKind::BillDishonoured.as_str().into(),
            ..daily(
                "承兑汇票拒付 · Acceptance bill dishonoured",
                "customer",
                "once",
                vec![pred("status", "not_in", "blacklisted")],
                vec![
                    to("notify", &["rep", "role:finance"]),
                    ActionDraft {
                        status: "watch".into(),
                        ..act("set_status")
                    },
                    task("role:credit_manager", "advanced", "urgent"),
                ],
            )
        },
    ]
}

// ---------------------------------------------------------------------------------
// Letters
// ---------------------------------------------------------------------------------

/// One open item listed in a letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterItem {
    pub number: String,
    pub due_date: NaiveDate,
    pub open: Money,
    pub days_overdue: i64,
}

/// What a letter's variables are filled from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterContext {
    pub customer_name: String,
    pub as_of: NaiveDate,
    /// The invoice the firing is about first, then the customer's other open items.
    pub items: Vec<LetterItem>,
    /// Fees and interest charged and not waived.
    pub charges: Money,
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedLetter {
    pub subject: String,
    pub body: String,
}

/// Fills a letter's template. The variables — customer name, invoice numbers, amounts,
/// days overdue and the list of open items — come from the context only.
pub fn render_letter(letter: Letter, lang: Lang, c: &LetterContext) -> RenderedLetter {
    let total = c.items.iter().fold(Money::zero(Currency::CNY), |s, i| {
        s.checked_add(i.open).unwrap_or(s)
    });
    let overdue = c
        .items
        .iter()
        .filter(|i| i.days_overdue > 0)
        .fold(Money::zero(Currency::CNY), |s, i| {
            s.checked_add(i.open).unwrap_or(s)
        });
    let max_days = c
        .items
        .iter()
        .map(|i| i.days_overdue)
        .max()
        .unwrap_or(0)
        .max(0);
    let numbers: Vec<&str> = c.items.iter().map(|i| i.number.as_str()).collect();
    let numbers = numbers.join(", ");
    let zh = lang == Lang::ZhCn;
    let list: String = c
        .items
        .iter()
        .map(|i| {
            if zh {
                format!(
                    "  - {}  到期 {}  未付 {}  逾期 {} 天\n",
                    i.number,
                    i.due_date,
                    i.open.display(),
                    i.days_overdue.max(0)
                )
            } else {
                format!(
                    "  - {}  due {}  open {}  {} days overdue\n",
                    i.number,
                    i.due_date,
                    i.open.display(),
                    i.days_overdue.max(0)
                )
            }
        })
        .collect();
    let charges = if c.charges.is_zero() {
        String::new()
    } else if zh {
        format!("\n另已产生催收费用及逾期利息 {}。\n", c.charges.display())
    } else {
        format!(
            "\nDunning fees and overdue interest charged so far: {}.\n",
            c.charges.display()
        )
    };
    let (subject, opening, closing) = match (letter, zh) {
        (Letter::Reminder, true) => (
            format!("付款提醒：发票 {numbers} 即将到期"),
            format!("{} 您好：\n\n以下发票即将到期，请安排付款，共计 {}：\n", c.customer_name, total.display()),
            "如已付款，请忽略本提醒。谢谢合作！".to_string(),
        ),
        (Letter::Reminder, false) => (
            format!("Payment reminder: invoice {numbers} falls due soon"),
            format!("Dear {},\n\nThe following invoices fall due soon, {} in total:\n", c.customer_name, total.display()),
            "If you have already paid, please disregard this reminder. Thank you.".to_string(),
        ),
        (Letter::Friendly, true) => (
            format!("友好提醒：发票 {numbers} 已逾期"),
            format!("{} 您好：\n\n截至 {}，贵司有 {} 已逾期（最长 {} 天）。请尽快安排付款：\n", c.customer_name, c.as_of, overdue.display(), max_days),
            "如有疑问请联系您的客户经理。谢谢！".to_string(),
        ),
        (Letter::Friendly, false) => (
            format!("Friendly reminder: invoice {numbers} is overdue"),
            format!("Dear {},\n\nAs of {}, {} is overdue (up to {} days). Please arrange payment soon:\n", c.customer_name, c.as_of, overdue.display(), max_days),
            "If you have any questions, please contact your account manager. Thank you.".to_string(),
        ),
        (Letter::Formal, true) => (
            format!("正式催款函：逾期金额 {}", overdue.display()),
            format!("{}：\n\n截至 {}，贵司逾期应付款项 {}，最长逾期 {} 天。请于收到本函后 7 日内付清下列款项：\n", c.customer_name, c.as_of, overdue.display(), max_days),
            "逾期未付，我司将暂停信用额度并按合同计收逾期利息。".to_string(),
        ),
        (Letter::Formal, false) => (
            format!("Formal demand for payment: {} overdue", overdue.display()),
            format!("To {},\n\nAs of {}, {} is overdue, the oldest by {} days. Please pay the items below within 7 days of this letter:\n", c.customer_name, c.as_of, overdue.display(), max_days),
            "Failing payment, your credit line will be suspended and contractual overdue interest charged.".to_string(),
        ),
        (Letter::Legal, true) => (
            format!("律师函预告：逾期金额 {}", overdue.display()),
            format!("{}：\n\n截至 {}，贵司仍有逾期款项 {}（最长 {} 天），经多次催收未果：\n", c.customer_name, c.as_of, overdue.display(), max_days),
            "如 5 日内仍未付款，我司将委托律师依法追讨，由此产生的费用由贵司承担。".to_string(),
        ),
        (Letter::Legal, false) => (
            format!("Notice before legal action: {} overdue", overdue.display()),
            format!("To {},\n\nAs of {}, {} remains overdue (up to {} days) despite our reminders:\n", c.customer_name, c.as_of, overdue.display(), max_days),
            "Unless paid within 5 days, we will instruct counsel to recover the debt, at your cost.".to_string(),
        ),
    };
    RenderedLetter {
        subject,
        body: format!("{opening}\n{list}{charges}\n{closing}\n"),
    }
}

/// The plain-text line an internal email, webhook or notification uses for a firing.
pub fn firing_summary(
    rule_name: &str,
    customer: Option<&str>,
    invoice: Option<&str>,
    overdue: Money,
    lang: Lang,
) -> String {
    let who = match (customer, invoice) {
        (Some(c), Some(i)) => format!("{c} · {i}"),
        (Some(c), None) => c.to_string(),
        _ => match lang {
            Lang::ZhCn => "全部客户".to_string(),
            Lang::En => "portfolio".to_string(),
        },
    };
    match lang {
        Lang::ZhCn => format!("规则「{rule_name}」触发：{who}，逾期 {}", overdue.display()),
        Lang::En => format!(
            "Rule \"{rule_name}\" fired: {who}, overdue {}",
            overdue.display()
        ),
    }
}

#[cfg(test)]
pub(crate) mod tests;
