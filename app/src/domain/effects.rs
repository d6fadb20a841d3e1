//! What a rule firing does: its actions planned into effects, from the facts the store
//! read for it. The store only applies the effects it is given (inserts, updates,
//! queued messages); every decision is here.
//!
//! Invariants:
//! - Customer changes only tighten (`rules::status_after`, a higher dunning level, the
//!   prepayment requirement), so two rules firing in either order leave the same state.
//! - An action that cannot be done (a customer action on a portfolio firing, a letter to
//!   a customer without a valid email) is skipped or counted as a failure, never an
//!   error: the other actions of the firing still happen.
//! - The firing's log lines and the customer's audit before/after are built here, so
//!   both databases write the same text.
use super::auth::Role;
use super::customer::CustomerStatus;
use super::money::Money;
use super::notify::{Email, WebhookMessage};
use super::rules::{
    self, Action, DunningLevel, Lang, Letter, LetterContext, PaymentMethod, Priority, Recipient,
    RiskLevel, TaskKind,
};
use chrono::NaiveDate;

/// The customer a firing is about, as its actions see and change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionCustomer {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub rep_id: Option<i64>,
    pub email: String,
    pub status: CustomerStatus,
    pub dunning: DunningLevel,
    pub risk: RiskLevel,
    pub payment: PaymentMethod,
}

/// What the store read for one new firing.
#[derive(Debug, Clone, Copy)]
pub struct FiringFacts<'a> {
    pub firing_id: i64,
    pub firing: &'a rules::Firing,
    pub rule_name: &'a str,
    pub as_of: NaiveDate,
    pub customer: Option<&'a ActionCustomer>,
    pub invoice_number: Option<&'a str>,
    /// The customer's open items for a letter (read only when a letter can go out).
    pub letter: Option<&'a LetterContext>,
}

/// One thing to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// In-app notices to these recipients (`rep` already resolved to a user).
    Notify {
        to: Vec<Recipient>,
        link: String,
    },
    /// A letter to the customer's contact email.
    Letter {
        letter: Letter,
        to: String,
        email: Email,
    },
    /// An internal email to fixed addresses.
    Email {
        to: String,
        email: Email,
    },
    Webhook {
        target: String,
        message: WebhookMessage,
    },
    /// A task for a user or a role, with a notice to them.
    Task {
        user: Option<i64>,
        role: Option<Role>,
        code: String,
        kind: TaskKind,
        priority: Priority,
        link: String,
    },
    Status {
        from: CustomerStatus,
        to: CustomerStatus,
    },
    Risk {
        from: RiskLevel,
        to: RiskLevel,
    },
    PaymentMethod(PaymentMethod),
    /// Charges the level's fee and the interest accrued; the store reads the invoices.
    Dunning {
        from: DunningLevel,
        to: DunningLevel,
    },
    /// An action that could not be done: it writes only its log line.
    Failed(String),
}

/// What applying an effect found out, for its log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// How many users the notice reached.
    Notified(usize),
    Charged {
        fee: Money,
        interest: Money,
    },
}

impl Effect {
    /// The firing's log line for this effect, once applied.
    pub fn line(&self, outcome: Outcome) -> String {
        match (self, outcome) {
            (Effect::Notify { .. }, Outcome::Notified(n)) => format!("notify: {n} user(s)"),
            (Effect::Notify { to, .. }, _) => format!("notify: {} recipient(s)", to.len()),
            (Effect::Letter { letter, to, .. }, _) => {
                format!("email_customer: {letter} letter to {to}")
            }
            (Effect::Email { to, .. }, _) => format!("email_internal: {to}"),
            (Effect::Webhook { target, .. }, _) => format!("webhook: {target}"),
            (
                Effect::Task {
                    code,
                    kind,
                    priority,
                    ..
                },
                _,
            ) => {
                format!("create_task: {kind} ({priority}) for {code}")
            }
            (Effect::Status { from, to }, _) => {
                format!("status: {} → {}", from.as_str(), to.as_str())
            }
            (Effect::Risk { from, to }, _) => format!("risk: {from} → {to}"),
            (Effect::PaymentMethod(m), _) => format!("payment method: {m}"),
            (Effect::Dunning { from, to }, Outcome::Charged { fee, interest }) => format!(
                "dunning: {from} → {to}, fee {}, interest {}",
                fee.display(),
                interest.display()
            ),
            (Effect::Dunning { from, to }, _) => format!("dunning: {from} → {to}"),
            (Effect::Failed(line), _) => line.clone(),
        }
    }
}

/// A firing's plan: the effects in action order, how many actions could not be done,
/// and the customer's audit before/after if the plan changes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub effects: Vec<Effect>,
    pub failures: i64,
    pub customer_audit: Option<(String, String)>,
}

/// Plans `actions` for one firing.
pub fn plan(actions: &[Action], f: &FiringFacts) -> Plan {
    let mut p = Plan::default();
    let mut customer = f.customer.cloned();
    for action in actions {
        if let Some(e) = plan_one(action, f, customer.as_mut()) {
            p.failures += i64::from(matches!(e, Effect::Failed(_)));
            p.effects.push(e);
        }
    }
    if let (Some(before), Some(after)) = (f.customer, &customer) {
        if state(before) != state(after) {
            p.customer_audit = Some((state_json(before), state_json(after)));
        }
    }
    p
}

fn plan_one(action: &Action, f: &FiringFacts, c: Option<&mut ActionCustomer>) -> Option<Effect> {
    let link = link(f);
    Some(match (action, c) {
        (Action::Notify { to }, c) => Effect::Notify {
            to: resolve(to, c.and_then(|c| c.rep_id)),
            link,
        },
        (Action::EmailCustomer { letter, lang }, Some(c)) => match f.letter {
            Some(ctx) if rules::is_email(&c.email) => {
                let text = rules::render_letter(*letter, *lang, ctx);
                let to = c.email.trim().to_string();
                let email = Email {
                    to: vec![to.clone()],
                    subject: text.subject,
                    body: text.body,
                };
                Effect::Letter {
                    letter: *letter,
                    to,
                    email,
                }
            }
            _ => no_email(),
        },
        (Action::EmailCustomer { .. }, None) => no_email(),
        (Action::EmailInternal { to, lang }, _) => {
            let text = summary(f, *lang);
            let email = Email {
                to: to.clone(),
                subject: text.clone(),
                body: format!("{text}\n\n{link}\n"),
            };
            Effect::Email {
                to: to.join(", "),
                email,
            }
        }
        (Action::Webhook { target, lang }, c) => Effect::Webhook {
            target: target.clone(),
            message: webhook(f, c.as_deref(), *lang),
        },
        (
            Action::CreateTask {
                assignee,
                kind,
                priority,
            },
            Some(c),
        ) => {
            let (user, role) = match assignee {
                Recipient::Rep => (c.rep_id, c.rep_id.is_none().then_some(Role::SalesManager)),
                Recipient::User(id) => (Some(*id), None),
                // Reps see only their own customers: a rep pool goes to this one's rep.
                Recipient::Role(r) if !r.sees_all_customers() => {
                    (c.rep_id, c.rep_id.is_none().then_some(Role::SalesManager))
                }
                Recipient::Role(r) => (None, Some(*r)),
            };
            Effect::Task {
                user,
                role,
                code: assignee.code(),
                kind: *kind,
                priority: *priority,
                link,
            }
        }
        (Action::SetStatus { .. } | Action::FreezeCredit | Action::UnfreezeCredit, Some(c)) => {
            let to = rules::status_after(c.status, action)?;
            let from = std::mem::replace(&mut c.status, to);
            Effect::Status { from, to }
        }
        (Action::SetRisk { level }, Some(c)) if c.risk != *level => Effect::Risk {
            from: std::mem::replace(&mut c.risk, *level),
            to: *level,
        },
        (Action::RequirePrepayment, Some(c)) if c.payment != PaymentMethod::Prepayment => {
            c.payment = PaymentMethod::Prepayment;
            Effect::PaymentMethod(PaymentMethod::Prepayment)
        }
        (Action::RaiseDunning { level }, Some(c)) if *level > c.dunning => Effect::Dunning {
            from: std::mem::replace(&mut c.dunning, *level),
            to: *level,
        },
        // A customer action without a customer, or one that changes nothing.
        _ => return None,
    })
}

fn no_email() -> Effect {
    Effect::Failed("email_customer: not sent, the customer has no valid contact email".to_string())
}

/// `rep` becomes the customer's rep (or nobody); the others stay as they are.
fn resolve(to: &[Recipient], rep: Option<i64>) -> Vec<Recipient> {
    to.iter()
        .filter_map(|r| match r {
            Recipient::Rep => rep.map(Recipient::User),
            other => Some(other.clone()),
        })
        .collect()
}

fn link(f: &FiringFacts) -> String {
    match f.firing.customer_id {
        Some(id) => format!("/customers/{id}"),
        None => "/rules/runs".to_string(),
    }
}

fn overdue(f: &FiringFacts) -> Money {
    Money::from_minor(f.firing.overdue_minor, super::BOOK_CURRENCY)
}

fn summary(f: &FiringFacts, lang: Lang) -> String {
    let who = f.customer.map(|c| c.name.as_str());
    rules::firing_summary(f.rule_name, who, f.invoice_number, overdue(f), lang)
}

fn webhook(f: &FiringFacts, c: Option<&ActionCustomer>, lang: Lang) -> WebhookMessage {
    let date = if lang == Lang::ZhCn { "日期" } else { "Date" };
    WebhookMessage {
        title: f.rule_name.to_string(),
        markdown: format!("{}\n\n- {date}: {}\n", summary(f, lang), f.as_of),
        data: serde_json::json!({
            "firing_id": f.firing_id, "rule_id": f.firing.rule_id, "dedupe_key": f.firing.key,
            "as_of": f.as_of, "customer": c.map(|c| c.code.clone()), "invoice": f.invoice_number,
            "overdue": overdue(f).amount().to_string(),
        }),
    }
}

type State = (CustomerStatus, DunningLevel, RiskLevel, PaymentMethod);

fn state(c: &ActionCustomer) -> State {
    (c.status, c.dunning, c.risk, c.payment)
}

fn state_json(c: &ActionCustomer) -> String {
    let (status, dunning, risk, payment) = state(c);
    serde_json::json!({ "status": status, "dunning_level": dunning, "risk_level": risk, "payment_method": payment })
        .to_string()
}

#[cfg(test)]
mod tests;
