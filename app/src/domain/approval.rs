//! Credit applications and the approval chains they travel through.
//!
//! Finance designs a `Policy` in the UI: named chains (ordered steps, each with an
//! approver, an SLA, an escalation target and CC recipients), routes that pick a chain
//! from the request's facts, and adjustments that insert or skip steps.
//!
//! Invariants, and why they hold:
//! - A `Policy` exists only through `Policy::try_from(PolicyDraft)`, which names every
//!   bad field at once: chain keys are unique, every route names a chain that exists,
//!   every chain has 1–8 steps and every SLA is 1–720 hours. So routing never meets a
//!   dangling name.
//! - `route` is a pure function of the policy and the facts: the first route whose
//!   conditions all hold picks the chain (else the fallback), then every adjustment
//!   whose conditions hold is applied in order. The result is *snapshotted* onto the
//!   application at submission (`resolve` turns "the applicant's manager" into a user),
//!   so editing the policy later never changes an application in flight.
//! - An application moves only through `advance`: approve moves to the next step or,
//!   at the last, to `Approved`; reject and return end the round. Nothing moves a
//!   decided application.
//! - Who may act is `may_act`: the step's assignee, the escalation target once the SLA
//!   has passed, or someone a delegating assignee named for today. Nobody else, not
//!   even an admin (deny by default).
//! - SLA marks are at 80% (reminder) and 100% (escalation) of the step's hours from
//!   when the step started; `sla_due` reports each at most once given what was already
//!   recorded, and the store records each under a unique key, so a scheduler that runs
//!   twice (or on two servers) still reminds and escalates once.
use super::auth::Role;
use super::customer::{CustomerStatus, Grade};
use super::documents::FieldError;
use super::money::{Currency, Money};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Who a step waits for, as designed: a role, one user, or the applicant's manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Approver {
    Role(Role),
    User(i64),
    Manager,
}

/// Who a step waits for once routed: the manager is resolved to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Assignee {
    Role(Role),
    User(i64),
}

/// One step of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub approver: Approver,
    pub sla_hours: u32,
    /// Who may also act (and is told) once the SLA has passed.
    pub escalate_to: Option<Approver>,
    /// Told of the outcome, never asked to act.
    #[serde(default)]
    pub cc: Vec<Approver>,
}

/// An ordered list of steps, known by a key that routes refer to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chain {
    pub key: String,
    pub name: String,
    pub steps: Vec<Step>,
}

/// What is being asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    PermanentLimit,
    TemporaryLimit,
    /// An order the credit check sent to approval (`needs_approval`).
    Order,
}

impl RequestKind {
    pub const ALL: [RequestKind; 3] = [
        RequestKind::PermanentLimit,
        RequestKind::TemporaryLimit,
        RequestKind::Order,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::PermanentLimit => "permanent_limit",
            RequestKind::TemporaryLimit => "temporary_limit",
            RequestKind::Order => "order",
        }
    }

    pub fn parse(s: &str) -> Option<RequestKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A routing predicate over the request's facts. Amounts are in the book currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum Condition {
    AmountOver(#[serde(with = "rust_decimal::serde::str")] Decimal),
    AmountAtMost(#[serde(with = "rust_decimal::serde::str")] Decimal),
    /// The requested limit is more than this % above the current one (any request
    /// from a zero limit counts as above every %).
    IncreaseOver(#[serde(with = "rust_decimal::serde::str")] Decimal),
    /// An ungraded customer matches no `GradeIn`.
    GradeIn(Vec<Grade>),
    StatusIn(Vec<CustomerStatus>),
    RegionIn(Vec<String>),
    KindIs(RequestKind),
}

/// The facts a routing decision reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub kind: RequestKind,
    /// The limit requested (or the order's amount).
    pub amount: Money,
    /// The customer's permanent limit now.
    pub current_limit: Money,
    pub grade: Option<Grade>,
    pub status: CustomerStatus,
    pub region: String,
}

impl Facts {
    /// (requested − current) / current × 100, or None from a zero limit.
    pub fn increase_pct(&self) -> Option<Decimal> {
        if self.current_limit.is_zero() {
            return None;
        }
        Some(
            (self.amount.amount() - self.current_limit.amount()) * Decimal::ONE_HUNDRED
                / self.current_limit.amount(),
        )
    }
}

impl Condition {
    pub fn holds(&self, f: &Facts) -> bool {
        match self {
            Condition::AmountOver(x) => f.amount.amount() > *x,
            Condition::AmountAtMost(x) => f.amount.amount() <= *x,
            Condition::IncreaseOver(p) => f.increase_pct().is_none_or(|i| i > *p),
            Condition::GradeIn(gs) => f.grade.is_some_and(|g| gs.contains(&g)),
            Condition::StatusIn(ss) => ss.contains(&f.status),
            Condition::RegionIn(rs) => rs.iter().any(|r| r == &f.region),
            Condition::KindIs(k) => f.kind == *k,
        }
    }
}

/// Picks a chain when all its conditions hold (no conditions: always).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub when: Vec<Condition>,
    pub chain: String,
}

/// A change to the routed chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Adjust {
    /// Insert a step at a 0-based position (past the end appends).
    Insert { at: u32, step: Step },
    /// Drop every step whose approver is this role.
    Skip { role: Role },
}

/// Applied to the chosen chain when all its conditions hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    pub when: Vec<Condition>,
    pub then: Adjust,
}

/// What finance edits in the designer; becomes a `Policy` only through `try_from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PolicyDraft {
    pub chains: Vec<Chain>,
    #[serde(default)]
    pub routes: Vec<Route>,
    pub fallback: String,
    #[serde(default)]
    pub adjustments: Vec<Adjustment>,
}

/// A checked routing policy (see the module header for what "checked" means).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy(PolicyDraft);

/// Finance's routing policy setting (JSON of `PolicyDraft`).
pub const POLICY_SETTING: &str = "approval.policy";

pub const MAX_STEPS: usize = 8;
pub const MAX_SLA_HOURS: u32 = 720;

fn check_step(field: &str, s: &Step, errors: &mut Vec<FieldError>) {
    if s.sla_hours == 0 || s.sla_hours > MAX_SLA_HOURS {
        errors.push(FieldError::new(
            format!("{field}.sla_hours"),
            format!("{} is not 1 to {MAX_SLA_HOURS} hours", s.sla_hours),
        ));
    }
    if s.escalate_to == Some(s.approver) {
        errors.push(FieldError::new(
            format!("{field}.escalate_to"),
            "escalates to the step's own approver",
        ));
    }
}

fn check_conditions(field: &str, when: &[Condition], errors: &mut Vec<FieldError>) {
    for (i, c) in when.iter().enumerate() {
        let bad = match c {
            Condition::AmountOver(x) | Condition::AmountAtMost(x) | Condition::IncreaseOver(x) => {
                x.is_sign_negative()
            }
            Condition::GradeIn(v) => v.is_empty(),
            Condition::StatusIn(v) => v.is_empty(),
            Condition::RegionIn(v) => v.is_empty() || v.iter().any(|r| r.trim().is_empty()),
            Condition::KindIs(_) => false,
        };
        if bad {
            errors.push(FieldError::new(
                format!("{field}.when[{i}]"),
                "needs a non-negative number or at least one value",
            ));
        }
    }
}

impl TryFrom<PolicyDraft> for Policy {
    type Error = Vec<FieldError>;

    fn try_from(d: PolicyDraft) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        if d.chains.is_empty() {
            errors.push(FieldError::new(
                "chains",
                "a policy needs at least one chain",
            ));
        }
        for (i, c) in d.chains.iter().enumerate() {
            let f = format!("chains[{i}]");
            let key_ok = !c.key.is_empty()
                && c.key.len() <= 32
                && c.key
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
            if !key_ok {
                errors.push(FieldError::new(
                    format!("{f}.key"),
                    format!("'{}' is not 1–32 of a-z, 0-9, _", c.key),
                ));
            }
            if d.chains[..i].iter().any(|o| o.key == c.key) {
                errors.push(FieldError::new(
                    format!("{f}.key"),
                    format!("'{}' is used by another chain", c.key),
                ));
            }
            if c.name.trim().is_empty() {
                errors.push(FieldError::new(format!("{f}.name"), "is empty"));
            }
            if c.steps.is_empty() || c.steps.len() > MAX_STEPS {
                errors.push(FieldError::new(
                    format!("{f}.steps"),
                    format!("has {} steps; a chain has 1 to {MAX_STEPS}", c.steps.len()),
                ));
            }
            for (j, s) in c.steps.iter().enumerate() {
                check_step(&format!("{f}.steps[{j}]"), s, &mut errors);
            }
        }
        let known = |k: &str| d.chains.iter().any(|c| c.key == k);
        if !known(&d.fallback) {
            errors.push(FieldError::new(
                "fallback",
                format!("names no chain: '{}'", d.fallback),
            ));
        }
        for (i, r) in d.routes.iter().enumerate() {
            if !known(&r.chain) {
                errors.push(FieldError::new(
                    format!("routes[{i}].chain"),
                    format!("names no chain: '{}'", r.chain),
                ));
            }
            check_conditions(&format!("routes[{i}]"), &r.when, &mut errors);
        }
        for (i, a) in d.adjustments.iter().enumerate() {
            check_conditions(&format!("adjustments[{i}]"), &a.when, &mut errors);
            if let Adjust::Insert { step, .. } = &a.then {
                check_step(&format!("adjustments[{i}].step"), step, &mut errors);
            }
        }
        if errors.is_empty() {
            Ok(Policy(d))
        } else {
            Err(errors)
        }
    }
}

fn step(approver: Approver, sla_hours: u32, escalate_to: Option<Approver>) -> Step {
    Step {
        approver,
        sla_hours,
        escalate_to,
        cc: Vec::new(),
    }
}

impl Policy {
    pub fn draft(&self) -> &PolicyDraft {
        &self.0
    }

    pub fn chain(&self, key: &str) -> Option<&Chain> {
        self.0.chains.iter().find(|c| c.key == key)
    }

    /// The policy shipped before finance changes anything (from the source documents):
    /// up to 50,000 sales manager → finance; above, sales manager → credit manager →
    /// finance; above 500,000 an executive is added at the end.
    pub fn default_policy() -> Policy {
        use Approver::Role as R;
        let sm = step(R(Role::SalesManager), 24, Some(R(Role::CreditManager)));
        let cm = step(R(Role::CreditManager), 24, Some(R(Role::Executive)));
        let fin = Step {
            cc: vec![Approver::Manager],
            ..step(R(Role::Finance), 24, Some(R(Role::Executive)))
        };
        let exec = step(R(Role::Executive), 48, None);
        let draft = PolicyDraft {
            chains: vec![
                Chain {
                    key: "standard".into(),
                    name: "标准审批".into(),
                    steps: vec![sm.clone(), fin.clone()],
                },
                Chain {
                    key: "large".into(),
                    name: "大额审批".into(),
                    steps: vec![sm, cm, fin],
                },
            ],
            routes: vec![Route {
                when: vec![Condition::AmountOver(Decimal::from(50_000))],
                chain: "large".into(),
            }],
            fallback: "standard".into(),
            adjustments: vec![Adjustment {
                when: vec![Condition::AmountOver(Decimal::from(500_000))],
                then: Adjust::Insert {
                    at: MAX_STEPS as u32,
                    step: exec,
                },
            }],
        };
        Policy::try_from(draft).expect("the default policy is valid")
    }

    /// The chain these facts take, with the adjustments applied. Errors when the
    /// adjustments skipped every step (a request must have an approver).
    pub fn route(&self, f: &Facts) -> Result<Routed, RouteError> {
        let p = &self.0;
        let key = p
            .routes
            .iter()
            .find(|r| r.when.iter().all(|c| c.holds(f)))
            .map_or(p.fallback.as_str(), |r| r.chain.as_str());
        let chain = self
            .chain(key)
            .expect("a checked policy's routes name existing chains");
        let mut steps = chain.steps.clone();
        for a in p
            .adjustments
            .iter()
            .filter(|a| a.when.iter().all(|c| c.holds(f)))
        {
            match &a.then {
                Adjust::Insert { at, step } => {
                    let at = (*at as usize).min(steps.len());
                    steps.insert(at, step.clone());
                }
                Adjust::Skip { role } => steps.retain(|s| s.approver != Approver::Role(*role)),
            }
        }
        if steps.is_empty() {
            return Err(RouteError::NoSteps {
                chain: chain.key.clone(),
            });
        }
        Ok(Routed {
            chain: chain.key.clone(),
            chain_name: chain.name.clone(),
            steps,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error(
        "routing left chain '{chain}' with no step: the policy's adjustments skip every approver"
    )]
    NoSteps { chain: String },
}

/// A routed chain, before the manager is resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routed {
    pub chain: String,
    pub chain_name: String,
    pub steps: Vec<Step>,
}

/// One step as snapshotted onto an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapStep {
    pub assignee: Assignee,
    pub sla_hours: u32,
    pub escalate_to: Option<Assignee>,
    pub cc: Vec<Assignee>,
}

impl Routed {
    /// The snapshot: "the applicant's manager" becomes that user, or the sales
    /// manager role when the applicant has none.
    pub fn resolve(&self, manager: Option<i64>) -> Vec<SnapStep> {
        let one = |a: Approver| match a {
            Approver::Role(r) => Assignee::Role(r),
            Approver::User(u) => Assignee::User(u),
            Approver::Manager => manager.map_or(Assignee::Role(Role::SalesManager), Assignee::User),
        };
        self.steps
            .iter()
            .map(|s| SnapStep {
                assignee: one(s.approver),
                sla_hours: s.sla_hours,
                escalate_to: s.escalate_to.map(one),
                cc: s.cc.iter().copied().map(one).collect(),
            })
            .collect()
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Approved,
    Rejected,
    /// Sent back to the applicant for changes; resubmitting starts a new round.
    Returned,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Pending,
        Status::Approved,
        Status::Rejected,
        Status::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// An approver's decision on the current step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Approve,
    Reject,
    Return,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Approve, Action::Reject, Action::Return];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Return => "return",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    #[error("the application is already {0:?} and cannot change")]
    Decided(Status),
    #[error("you are not an approver of this step")]
    NotApprover,
    #[error("a comment is required to {0}")]
    CommentRequired(&'static str),
}

/// The result of an action: the application's new status and current step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advance {
    pub status: Status,
    pub step: usize,
    /// The last step approved: write the decision back to the customer.
    pub final_approval: bool,
}

/// Applies an action to an application at `step` of `steps`. Rejecting and returning
/// need a comment (the applicant must learn why); approving may be silent.
pub fn advance(
    status: Status,
    step: usize,
    steps: usize,
    action: Action,
    comment: &str,
) -> Result<Advance, ApprovalError> {
    if status != Status::Pending {
        return Err(ApprovalError::Decided(status));
    }
    let commented = !comment.trim().is_empty();
    Ok(match action {
        Action::Approve if step + 1 >= steps => Advance {
            status: Status::Approved,
            step,
            final_approval: true,
        },
        Action::Approve => Advance {
            status: Status::Pending,
            step: step + 1,
            final_approval: false,
        },
        Action::Reject if !commented => return Err(ApprovalError::CommentRequired("reject")),
        Action::Return if !commented => return Err(ApprovalError::CommentRequired("return")),
        Action::Reject => Advance {
            status: Status::Rejected,
            step,
            final_approval: false,
        },
        Action::Return => Advance {
            status: Status::Returned,
            step,
            final_approval: false,
        },
    })
}

/// Someone who might act on a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
}

impl Assignee {
    pub fn covers(self, a: Actor) -> bool {
        match self {
            Assignee::Role(r) => a.role == r,
            Assignee::User(u) => a.user_id == u,
        }
    }
}

/// "While I am away, `to_user` acts for me", for whole business days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    pub from: Actor,
    pub to_user: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// The longest delegation, in days: an absence; anything longer is a change of roles.
pub const MAX_DELEGATION_DAYS: i64 = 30;

impl Delegation {
    /// A delegation that keeps the separation of duties: to someone else who holds the
    /// delegator's role or a higher one (`Role::may_stand_in_for`), starting today or
    /// later, for at most `MAX_DELEGATION_DAYS` days. Errors name the field.
    pub fn new(
        from: Actor,
        to: Actor,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<Delegation, FieldError> {
        let days = (ends_on - starts_on).num_days() + 1;
        if to.user_id == from.user_id {
            Err(FieldError::new(
                "to_user",
                "you cannot delegate to yourself",
            ))
        } else if !to.role.may_stand_in_for(from.role) {
            Err(FieldError::new(
                "to_user",
                format!(
                    "a {} cannot act for a {}: choose someone of the same or a higher role",
                    to.role.as_str(),
                    from.role.as_str()
                ),
            ))
        } else if starts_on < today {
            Err(FieldError::new("starts_on", "is in the past"))
        } else if days < 1 {
            Err(FieldError::new("ends_on", "is before starts_on"))
        } else if days > MAX_DELEGATION_DAYS {
            Err(FieldError::new(
                "ends_on",
                format!("a delegation lasts at most {MAX_DELEGATION_DAYS} days, not {days}"),
            ))
        } else {
            Ok(Delegation {
                from,
                to_user: to.user_id,
                starts_on,
                ends_on,
            })
        }
    }

    pub fn active(&self, on: NaiveDate) -> bool {
        self.starts_on <= on && on <= self.ends_on
    }
}

/// Whether `actor` may decide `step` on `today`: as its assignee, as the escalation
/// target once escalated, or for someone who delegated to them for today.
///
/// Nobody decides their own application (`applicant`), neither directly nor through a
/// delegation from themself; a step assigned to the applicant by name goes to its
/// escalation target at once.
pub fn may_act(
    step: &SnapStep,
    escalated: bool,
    actor: Actor,
    applicant: i64,
    delegations: &[Delegation],
    today: NaiveDate,
) -> bool {
    acting_as(step, escalated, actor, applicant, delegations, today).is_some()
}

/// How `actor` may decide `step` (see `may_act`): `Some(None)` in their own right,
/// `Some(Some(user))` for `user`, who delegated to them, `None` not at all.
pub fn acting_as(
    step: &SnapStep,
    escalated: bool,
    actor: Actor,
    applicant: i64,
    delegations: &[Delegation],
    today: NaiveDate,
) -> Option<Option<i64>> {
    if actor.user_id == applicant {
        return None;
    }
    let to_escalation = escalated || step.assignee == Assignee::User(applicant);
    let covers = |a: Actor| {
        step.assignee.covers(a) || (to_escalation && step.escalate_to.is_some_and(|e| e.covers(a)))
    };
    if covers(actor) {
        return Some(None);
    }
    delegations
        .iter()
        .find(|d| {
            d.to_user == actor.user_id
                && d.from.user_id != applicant
                && d.active(today)
                && covers(d.from)
        })
        .map(|d| Some(d.from.user_id))
}

/// A timer on the current step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SlaEvent {
    /// 80% of the SLA has passed: remind the assignee.
    Reminder,
    /// The SLA passed: hand the step to the escalation target too.
    Escalation,
}

impl SlaEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaEvent::Reminder => "reminder",
            SlaEvent::Escalation => "escalation",
        }
    }

    pub fn parse(s: &str) -> Option<SlaEvent> {
        [SlaEvent::Reminder, SlaEvent::Escalation]
            .into_iter()
            .find(|e| e.as_str() == s)
    }

    /// When it falls due for a step started at `started` with this SLA.
    pub fn due_at(self, started: DateTime<Utc>, sla_hours: u32) -> DateTime<Utc> {
        let minutes = i64::from(sla_hours) * 60;
        match self {
            SlaEvent::Reminder => started + Duration::minutes(minutes * 4 / 5),
            SlaEvent::Escalation => started + Duration::minutes(minutes),
        }
    }
}

/// The SLA events due at `now` that were not recorded yet, in time order. A step
/// found long overdue gets both (the reminder is still owed to the assignee).
pub fn sla_due(
    started: DateTime<Utc>,
    sla_hours: u32,
    now: DateTime<Utc>,
    recorded: &[SlaEvent],
) -> Vec<SlaEvent> {
    [SlaEvent::Reminder, SlaEvent::Escalation]
        .into_iter()
        .filter(|e| !recorded.contains(e) && e.due_at(started, sla_hours) <= now)
        .collect()
}

/// A column of the approval board, as one user sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    WaitingForMe,
    InProgress,
    Approved,
    RejectedReturned,
}

impl Column {
    pub const ALL: [Column; 4] = [
        Column::WaitingForMe,
        Column::InProgress,
        Column::Approved,
        Column::RejectedReturned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Column::WaitingForMe => "waiting_for_me",
            Column::InProgress => "in_progress",
            Column::Approved => "approved",
            Column::RejectedReturned => "rejected_returned",
        }
    }

    pub fn of(status: Status, mine: bool) -> Column {
        match status {
            Status::Pending if mine => Column::WaitingForMe,
            Status::Pending => Column::InProgress,
            Status::Approved => Column::Approved,
            Status::Rejected | Status::Returned => Column::RejectedReturned,
        }
    }

    /// The action a card dropped on this column asks for (None: not a decision).
    pub fn drop_action(self) -> Option<Action> {
        match self {
            Column::Approved => Some(Action::Approve),
            Column::RejectedReturned => Some(Action::Reject),
            Column::WaitingForMe | Column::InProgress => None,
        }
    }
}

/// A limit application as the rep's form sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDraft {
    pub customer_id: i64,
    /// `permanent_limit` or `temporary_limit`.
    pub kind: String,
    pub amount: String,
    #[serde(default)]
    pub expires_on: String,
    pub terms_days: String,
    pub reason: String,
}

/// The kind of limit asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LimitKind {
    Permanent,
    Temporary { expires_on: NaiveDate },
}

/// A checked limit application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitRequest {
    pub customer_id: i64,
    pub kind: LimitKind,
    pub amount: Money,
    pub terms_days: u32,
    pub reason: String,
}

pub const MAX_TEMP_DAYS: i64 = 366;
pub const MAX_REASON_CHARS: usize = 2000;

impl LimitRequest {
    pub fn request_kind(&self) -> RequestKind {
        match self.kind {
            LimitKind::Permanent => RequestKind::PermanentLimit,
            LimitKind::Temporary { .. } => RequestKind::TemporaryLimit,
        }
    }

    /// Parses the form, naming every bad field. A temporary limit expires after today
    /// and within a year; terms are 0–365 days; the reason is required.
    pub fn parse(
        d: &RequestDraft,
        currency: Currency,
        today: NaiveDate,
    ) -> Result<LimitRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let amount = match Money::parse(d.amount.trim(), currency) {
            Ok(m) if m.is_negative() || m.is_zero() => {
                errors.push(FieldError::new("amount", "must be more than zero"));
                None
            }
            Ok(m) => Some(m),
            Err(e) => {
                errors.push(FieldError::new("amount", e.to_string()));
                None
            }
        };
        let kind = match d.kind.as_str() {
            "permanent_limit" => Some(LimitKind::Permanent),
            "temporary_limit" => match NaiveDate::parse_from_str(d.expires_on.trim(), "%Y-%m-%d") {
                Ok(e) if e <= today => {
                    errors.push(FieldError::new(
                        "expires_on",
                        format!("{e} is not after today ({today})"),
                    ));
                    None
                }
                Ok(e) if (e - today).num_days() > MAX_TEMP_DAYS => {
                    errors.push(FieldError::new(
                        "expires_on",
                        format!("{e} is more than a year away"),
                    ));
                    None
                }
                Ok(e) => Some(LimitKind::Temporary { expires_on: e }),
                Err(_) => {
                    errors.push(FieldError::new(
                        "expires_on",
                        "a temporary limit needs an expiry date (YYYY-MM-DD)",
                    ));
                    None
                }
            },
            other => {
                errors.push(FieldError::new(
                    "kind",
                    format!("'{other}' is not permanent_limit or temporary_limit"),
                ));
                None
            }
        };
        let terms = match d.terms_days.trim().parse::<u32>() {
            Ok(t) if t <= 365 => Some(t),
            _ => {
                errors.push(FieldError::new(
                    "terms_days",
                    format!("'{}' is not 0 to 365 days", d.terms_days.trim()),
                ));
                None
            }
        };
        let reason = d.reason.trim();
        if reason.is_empty() {
            errors.push(FieldError::new(
                "reason",
                "say why the customer needs this limit",
            ));
        } else if reason.chars().count() > MAX_REASON_CHARS {
            errors.push(FieldError::new(
                "reason",
                format!("is longer than {MAX_REASON_CHARS} characters"),
            ));
        }
        if d.customer_id <= 0 {
            errors.push(FieldError::new("customer_id", "choose a customer"));
        }
        match (amount, kind, terms, errors.is_empty()) {
            (Some(amount), Some(kind), Some(terms_days), true) => Ok(LimitRequest {
                customer_id: d.customer_id,
                kind,
                amount,
                terms_days,
                reason: reason.to_string(),
            }),
            _ => Err(errors),
        }
    }
}

/// The largest attachment accepted (a scanned contract or a few photos).
pub const MAX_ATTACHMENT_BYTES: usize = 5 << 20;

/// What an attachment may be. Judged by the file's first bytes, never by its name or
/// the browser's claim, so a renamed executable is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttachmentType {
    Pdf,
    Png,
    Jpeg,
}

impl AttachmentType {
    pub fn mime(self) -> &'static str {
        match self {
            AttachmentType::Pdf => "application/pdf",
            AttachmentType::Png => "image/png",
            AttachmentType::Jpeg => "image/jpeg",
        }
    }

    pub fn from_mime(s: &str) -> Option<AttachmentType> {
        [
            AttachmentType::Pdf,
            AttachmentType::Png,
            AttachmentType::Jpeg,
        ]
        .into_iter()
        .find(|t| t.mime() == s)
    }

    /// Checks an upload: not empty, within the size limit, and a PDF, PNG or JPEG by
    /// its content. The error names the file and the problem.
    pub fn sniff(filename: &str, bytes: &[u8]) -> Result<AttachmentType, String> {
        if bytes.is_empty() {
            return Err(format!("{filename}: the file is empty"));
        }
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(format!(
                "{filename}: {} bytes is more than the {} MB limit",
                bytes.len(),
                MAX_ATTACHMENT_BYTES >> 20
            ));
        }
        if bytes.starts_with(b"%PDF-") {
            Ok(AttachmentType::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Ok(AttachmentType::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Ok(AttachmentType::Jpeg)
        } else {
            Err(format!("{filename}: not a PDF, PNG or JPEG file"))
        }
    }
}

/// An attachment as listed on an application (its bytes are downloaded separately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: i64,
    pub filename: String,
    pub kind: AttachmentType,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn cny(x: i64) -> Money {
        Money::from_minor(x * 100, Currency::CNY)
    }

    fn facts(amount: i64, current: i64, grade: Option<Grade>) -> Facts {
        Facts {
            kind: RequestKind::PermanentLimit,
            amount: cny(amount),
            current_limit: cny(current),
            grade,
            status: CustomerStatus::Normal,
            region: "East".into(),
        }
    }

    fn roles(steps: &[Step]) -> Vec<Approver> {
        steps.iter().map(|s| s.approver).collect()
    }

    use Approver::Role as R;
    const SM: Approver = R(Role::SalesManager);
    const CM: Approver = R(Role::CreditManager);
    const FIN: Approver = R(Role::Finance);
    const EX: Approver = R(Role::Executive);

    #[test]
    fn default_policy_routes_by_amount_at_the_boundaries() {
        let p = Policy::default_policy();
        // (requested, expected chain, expected approvers)
        let table: &[(i64, &str, &[Approver])] = &[
            (1, "standard", &[SM, FIN]),
            (50_000, "standard", &[SM, FIN]),
            (50_001, "large", &[SM, CM, FIN]),
            (500_000, "large", &[SM, CM, FIN]),
            (500_001, "large", &[SM, CM, FIN, EX]),
            (5_000_000, "large", &[SM, CM, FIN, EX]),
        ];
        for (amount, chain, want) in table {
            let r = p.route(&facts(*amount, 0, Some(Grade::B))).unwrap();
            assert_eq!(
                (r.chain.as_str(), roles(&r.steps)),
                (*chain, want.to_vec()),
                "amount {amount}"
            );
        }
        // 50,000.01 is over the line.
        let mut f = facts(0, 0, None);
        f.amount = Money::from_minor(5_000_001, Currency::CNY);
        assert_eq!(p.route(&f).unwrap().chain, "large");
    }

    /// A policy with grade and increase conditions, and skips and inserts.
    fn custom() -> Policy {
        let d = PolicyDraft {
            chains: vec![
                Chain {
                    key: "fast".into(),
                    name: "Fast".into(),
                    steps: vec![step(SM, 8, None)],
                },
                Chain {
                    key: "full".into(),
                    name: "Full".into(),
                    steps: vec![step(SM, 24, None), step(CM, 24, None), step(FIN, 24, None)],
                },
            ],
            routes: vec![
                Route {
                    when: vec![
                        Condition::GradeIn(vec![Grade::A]),
                        Condition::IncreaseOver(Decimal::from(20)),
                    ],
                    chain: "full".into(),
                },
                Route {
                    when: vec![Condition::GradeIn(vec![Grade::A])],
                    chain: "fast".into(),
                },
            ],
            fallback: "full".into(),
            adjustments: vec![
                Adjustment {
                    when: vec![Condition::GradeIn(vec![Grade::B])],
                    then: Adjust::Skip {
                        role: Role::CreditManager,
                    },
                },
                Adjustment {
                    when: vec![Condition::StatusIn(vec![CustomerStatus::Watch])],
                    then: Adjust::Insert {
                        at: 0,
                        step: step(EX, 4, None),
                    },
                },
                Adjustment {
                    when: vec![Condition::RegionIn(vec!["West".into()])],
                    then: Adjust::Insert {
                        at: 1,
                        step: step(Approver::Manager, 4, None),
                    },
                },
            ],
        };
        Policy::try_from(d).unwrap()
    }

    #[test]
    fn conditions_pick_chains_and_adjustments_insert_and_skip() {
        let p = custom();
        let watch = |mut f: Facts| {
            f.status = CustomerStatus::Watch;
            f
        };
        let west = |mut f: Facts| {
            f.region = "West".into();
            f
        };
        // (facts, chain, approvers)
        let table: Vec<(&str, Facts, &str, Vec<Approver>)> = vec![
            (
                "A, +20% exactly: not over, fast",
                facts(120, 100, Some(Grade::A)),
                "fast",
                vec![SM],
            ),
            (
                "A, +21%: full",
                facts(121, 100, Some(Grade::A)),
                "full",
                vec![SM, CM, FIN],
            ),
            (
                "A from zero: every increase",
                facts(10, 0, Some(Grade::A)),
                "full",
                vec![SM, CM, FIN],
            ),
            (
                "B: credit manager skipped",
                facts(500, 100, Some(Grade::B)),
                "full",
                vec![SM, FIN],
            ),
            (
                "ungraded: fallback, nothing skipped",
                facts(500, 100, None),
                "full",
                vec![SM, CM, FIN],
            ),
            (
                "watch: executive first",
                watch(facts(100, 100, Some(Grade::A))),
                "fast",
                vec![EX, SM],
            ),
            (
                "B on watch in the west: skip, insert, insert",
                west(watch(facts(500, 100, Some(Grade::B)))),
                "full",
                vec![EX, Approver::Manager, SM, FIN],
            ),
        ];
        for (name, f, chain, want) in table {
            let r = p.route(&f).unwrap();
            assert_eq!((r.chain.as_str(), roles(&r.steps)), (chain, want), "{name}");
        }
    }

    #[test]
    fn skipping_every_step_is_a_routing_error() {
        let mut d = custom().draft().clone();
        d.adjustments.push(Adjustment {
            when: vec![],
            then: Adjust::Skip {
                role: Role::SalesManager,
            },
        });
        let p = Policy::try_from(d).unwrap();
        assert_eq!(
            p.route(&facts(100, 100, Some(Grade::A))),
            Err(RouteError::NoSteps {
                chain: "fast".into()
            })
        );
    }

    #[test]
    fn a_bad_policy_names_every_problem() {
        let d = PolicyDraft {
            chains: vec![
                Chain {
                    key: "x".into(),
                    name: "".into(),
                    steps: vec![],
                },
                Chain {
                    key: "x".into(),
                    name: "Two".into(),
                    steps: vec![Step {
                        escalate_to: Some(SM),
                        ..step(SM, 0, None)
                    }],
                },
            ],
            routes: vec![Route {
                when: vec![Condition::GradeIn(vec![])],
                chain: "nope".into(),
            }],
            fallback: "gone".into(),
            adjustments: vec![],
        };
        let fields: Vec<String> = Policy::try_from(d)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "chains[0].name",
                "chains[0].steps",
                "chains[1].key",
                "chains[1].steps[0].sla_hours",
                "chains[1].steps[0].escalate_to",
                "fallback",
                "routes[0].chain",
                "routes[0].when[0]"
            ]
        );
    }

    #[test]
    fn the_manager_resolves_to_the_applicants_manager_or_the_role() {
        let routed = Routed {
            chain: "c".into(),
            chain_name: "C".into(),
            steps: vec![Step {
                cc: vec![Approver::Manager],
                ..step(Approver::Manager, 8, Some(Approver::User(9)))
            }],
        };
        let with = routed.resolve(Some(7));
        assert_eq!(with[0].assignee, Assignee::User(7));
        assert_eq!(with[0].escalate_to, Some(Assignee::User(9)));
        assert_eq!(with[0].cc, vec![Assignee::User(7)]);
        assert_eq!(
            routed.resolve(None)[0].assignee,
            Assignee::Role(Role::SalesManager)
        );
    }

    #[test]
    fn actions_advance_through_the_steps() {
        use Action::*;
        use Status::*;
        // (status, step, steps, action, comment) → Ok((status, step, final)) or error
        type Outcome = Result<(Status, usize, bool), ApprovalError>;
        let table: &[(Status, usize, usize, Action, &str, Outcome)] = &[
            (Pending, 0, 3, Approve, "", Ok((Pending, 1, false))),
            (Pending, 2, 3, Approve, "ok", Ok((Approved, 2, true))),
            (Pending, 0, 1, Approve, "", Ok((Approved, 0, true))),
            (Pending, 1, 3, Reject, "too risky", Ok((Rejected, 1, false))),
            (
                Pending,
                1,
                3,
                Return,
                "add the contract",
                Ok((Returned, 1, false)),
            ),
            (
                Pending,
                1,
                3,
                Reject,
                "  ",
                Err(ApprovalError::CommentRequired("reject")),
            ),
            (
                Pending,
                1,
                3,
                Return,
                "",
                Err(ApprovalError::CommentRequired("return")),
            ),
            (
                Approved,
                2,
                3,
                Approve,
                "",
                Err(ApprovalError::Decided(Approved)),
            ),
            (
                Rejected,
                0,
                3,
                Approve,
                "",
                Err(ApprovalError::Decided(Rejected)),
            ),
        ];
        for (status, step, steps, action, comment, want) in table {
            let got = advance(*status, *step, *steps, *action, comment)
                .map(|a| (a.status, a.step, a.final_approval));
            assert_eq!(&got, want, "{status:?} step {step}/{steps} {action:?}");
        }
    }

    #[test]
    fn who_may_act() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let s = SnapStep {
            assignee: Assignee::Role(Role::SalesManager),
            sla_hours: 24,
            escalate_to: Some(Assignee::User(50)),
            cc: vec![],
        };
        let sm = Actor {
            user_id: 10,
            role: Role::SalesManager,
        };
        let boss = Actor {
            user_id: 50,
            role: Role::Executive,
        };
        let admin = Actor {
            user_id: 1,
            role: Role::Admin,
        };
        let deputy = Actor {
            user_id: 11,
            role: Role::SalesRep,
        };
        let away = Delegation {
            from: sm,
            to_user: 11,
            starts_on: day,
            ends_on: day + Duration::days(2),
        };
        // (actor, escalated, delegations, day, may act)
        let table = [
            (sm, false, vec![], day, true),
            (boss, false, vec![], day, false),
            (boss, true, vec![], day, true),
            (admin, true, vec![], day, false),
            (deputy, false, vec![], day, false),
            (deputy, false, vec![away], day, true),
            (deputy, false, vec![away], day + Duration::days(2), true),
            (deputy, false, vec![away], day + Duration::days(3), false),
            (deputy, false, vec![away], day - Duration::days(1), false),
        ];
        for (i, (actor, escalated, dels, on, want)) in table.into_iter().enumerate() {
            assert_eq!(
                may_act(&s, escalated, actor, 99, &dels, on),
                want,
                "row {i}"
            );
        }
        // The applicant never decides their own application, nor does their deputy.
        assert!(!may_act(&s, false, sm, sm.user_id, &[], day));
        assert!(!may_act(&s, false, deputy, sm.user_id, &[away], day));
        // A step that names the applicant goes to its escalation target at once.
        let own = SnapStep {
            assignee: Assignee::User(10),
            ..s.clone()
        };
        assert!(may_act(&own, false, boss, 10, &[], day));
    }

    #[test]
    fn delegations_keep_the_separation_of_duties() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let actor = |user_id, role| Actor { user_id, role };
        let (cm, exec, rep) = (
            actor(1, Role::CreditManager),
            actor(2, Role::Executive),
            actor(3, Role::SalesRep),
        );
        let d = |from, to, days: i64| {
            Delegation::new(from, to, today, today + Duration::days(days - 1), today)
                .map_err(|e| e.field)
        };
        assert!(d(cm, exec, 30).is_ok(), "up the hierarchy, 30 days");
        assert!(d(cm, actor(4, Role::CreditManager), 1).is_ok(), "same role");
        assert_eq!(d(cm, rep, 1), Err("to_user".into()), "down the hierarchy");
        assert_eq!(d(cm, actor(5, Role::Admin), 1), Err("to_user".into()));
        assert_eq!(d(cm, cm, 1), Err("to_user".into()), "to oneself");
        assert_eq!(d(cm, exec, 31), Err("ends_on".into()), "over 30 days");
        let past = Delegation::new(cm, exec, today - Duration::days(1), today, today);
        assert_eq!(past.map_err(|e| e.field), Err("starts_on".into()));
    }

    #[test]
    fn sla_marks_fall_at_80_and_100_percent_once() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap();
        let h = |m: i64| t0 + Duration::minutes(m);
        use SlaEvent::*;
        // 10-hour SLA: reminder at 8 h, escalation at 10 h.
        let table: &[(DateTime<Utc>, &[SlaEvent], &[SlaEvent])] = &[
            (h(0), &[], &[]),
            (h(8 * 60 - 1), &[], &[]),
            (h(8 * 60), &[], &[Reminder]),
            (h(8 * 60), &[Reminder], &[]),
            (h(10 * 60 - 1), &[Reminder], &[]),
            (h(10 * 60), &[Reminder], &[Escalation]),
            (h(10 * 60), &[], &[Reminder, Escalation]),
            (h(99 * 60), &[Reminder, Escalation], &[]),
        ];
        for (now, recorded, want) in table {
            assert_eq!(
                sla_due(t0, 10, *now, recorded),
                want.to_vec(),
                "at {now} with {recorded:?}"
            );
        }
        // A 1-hour SLA reminds at 48 minutes.
        assert_eq!(Reminder.due_at(t0, 1), h(48));
    }

    #[test]
    fn board_columns_and_drops() {
        assert_eq!(Column::of(Status::Pending, true), Column::WaitingForMe);
        assert_eq!(Column::of(Status::Pending, false), Column::InProgress);
        assert_eq!(
            Column::of(Status::Returned, false),
            Column::RejectedReturned
        );
        assert_eq!(Column::Approved.drop_action(), Some(Action::Approve));
        assert_eq!(Column::RejectedReturned.drop_action(), Some(Action::Reject));
        assert_eq!(Column::InProgress.drop_action(), None);
    }

    #[test]
    fn limit_requests_parse_and_name_bad_fields() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let ok = RequestDraft {
            customer_id: 3,
            kind: "temporary_limit".into(),
            amount: "80000.00".into(),
            expires_on: "2027-01-31".into(),
            terms_days: "60".into(),
            reason: "Peak season order from the Jinan site".into(),
        };
        let r = LimitRequest::parse(&ok, Currency::CNY, today).unwrap();
        assert_eq!(
            r.kind,
            LimitKind::Temporary {
                expires_on: NaiveDate::from_ymd_opt(2027, 1, 31).unwrap()
            }
        );
        assert_eq!(r.amount, cny(80_000));
        assert_eq!(r.request_kind(), RequestKind::TemporaryLimit);

        let bad = |f: &dyn Fn(&mut RequestDraft)| {
            let mut d = ok.clone();
            f(&mut d);
            LimitRequest::parse(&d, Currency::CNY, today)
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(bad(&|d| d.amount = "0".into()), ["amount"]);
        assert_eq!(bad(&|d| d.amount = "1.234".into()), ["amount"]);
        assert_eq!(bad(&|d| d.expires_on = "2026-11-02".into()), ["expires_on"]);
        assert_eq!(bad(&|d| d.expires_on = "2027-11-04".into()), ["expires_on"]);
        assert_eq!(bad(&|d| d.expires_on = "".into()), ["expires_on"]);
        assert_eq!(bad(&|d| d.kind = "forever".into()), ["kind"]);
        assert_eq!(bad(&|d| d.terms_days = "366".into()), ["terms_days"]);
        assert_eq!(
            bad(&|d| {
                d.reason = " ".into();
                d.customer_id = 0;
                d.amount = "x".into();
            }),
            ["amount", "reason", "customer_id"]
        );
        // A permanent limit ignores the expiry field.
        let perm = RequestDraft {
            kind: "permanent_limit".into(),
            expires_on: "nonsense".into(),
            ..ok.clone()
        };
        assert_eq!(
            LimitRequest::parse(&perm, Currency::CNY, today)
                .unwrap()
                .kind,
            LimitKind::Permanent
        );
    }

    #[test]
    fn attachments_are_judged_by_their_bytes() {
        let png = b"\x89PNG\r\n\x1a\nrest";
        let table: &[(&str, &[u8], Result<AttachmentType, &str>)] = &[
            ("a.pdf", b"%PDF-1.7 ...", Ok(AttachmentType::Pdf)),
            ("a.png", png, Ok(AttachmentType::Png)),
            (
                "a.jpg",
                &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0],
                Ok(AttachmentType::Jpeg),
            ),
            (
                "contract.pdf",
                b"MZ\x90\x00 this is an exe",
                Err("contract.pdf: not a PDF, PNG or JPEG file"),
            ),
            ("empty.pdf", b"", Err("empty.pdf: the file is empty")),
        ];
        for (name, bytes, want) in table {
            assert_eq!(
                AttachmentType::sniff(name, bytes),
                (*want).map_err(str::to_string),
                "{name}"
            );
        }
        let big = vec![b'%'; MAX_ATTACHMENT_BYTES + 1];
        assert!(AttachmentType::sniff("big.pdf", &big)
            .unwrap_err()
            .contains("5 MB"));
        let at_limit = [b"%PDF-".as_slice(), &vec![0; MAX_ATTACHMENT_BYTES - 5]].concat();
        assert_eq!(
            AttachmentType::sniff("max.pdf", &at_limit),
            Ok(AttachmentType::Pdf)
        );
        assert_eq!(
            AttachmentType::from_mime("image/png"),
            Some(AttachmentType::Png)
        );
    }

    #[test]
    fn policies_round_trip_through_json() {
        let p = custom();
        let json = serde_json::to_string(p.draft()).unwrap();
        let back: PolicyDraft = serde_json::from_str(&json).unwrap();
        assert_eq!(Policy::try_from(back).unwrap(), p);
    }
}
