//! Credit applications, the approval board and finance's approval policy.
//!
//! Every function authorises first: applying needs `ApplyForCredit` and the customer
//! within the caller's scope; the board and application pages need `ViewApplications`
//! (a sales rep sees their own customers' and their own applications); deciding is
//! checked per step by the store (`approval::may_act` under the writers' lock); the
//! policy designer needs `ConfigureFinance`.
use crate::domain::approval::{Column, PolicyDraft, RequestDraft};
use crate::domain::auth::User;
use crate::domain::customer::{CustomerStatus, Grade};
use crate::domain::money::Money;
use crate::error::AppError;
use crate::records::{ApplicationEvent, ApplicationView};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A customer the applicant may choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerChoice {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// What the form shows about the chosen customer before the rep asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditSnapshot {
    pub customer: CustomerChoice,
    pub status: CustomerStatus,
    pub grade: Option<Grade>,
    /// The latest score (0–100), when the customer has been scored.
    pub score: Option<rust_decimal::Decimal>,
    /// What the active scoring model suggests for the customer's grade.
    pub suggested_limit: Option<Money>,
    pub suggested_terms_days: Option<u32>,
    pub credit_limit: Money,
    pub temp_limit: Option<(Money, chrono::NaiveDate)>,
    pub terms_days: u32,
    pub exposure: Money,
    pub available: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationForm {
    pub customers: Vec<CustomerChoice>,
    pub chosen: Option<CreditSnapshot>,
    pub today: chrono::NaiveDate,
}

#[cfg(feature = "ssr")]
async fn snapshot(
    store: &dyn crate::store::Store,
    user: &User,
    id: i64,
    today: chrono::NaiveDate,
) -> Result<CreditSnapshot, AppError> {
    let file = store
        .customer_file(id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let position = store.credit_position(id, today).await?;
    let exposure = position.exposure.total().map_err(AppError::internal)?;
    let available = position
        .effective_limit
        .checked_sub(exposure)
        .map_err(AppError::internal)?;
    let suggestion = crate::api::scoring::suggestion(store, id).await?;
    Ok(CreditSnapshot {
        customer: CustomerChoice {
            id,
            code: file.code.as_str().to_string(),
            name: file.name.clone(),
        },
        status: file.status,
        grade: file.grade,
        score: suggestion.as_ref().map(|s| s.score),
        suggested_limit: suggestion.as_ref().map(|s| s.limit),
        suggested_terms_days: suggestion.as_ref().map(|s| s.terms_days),
        credit_limit: file.credit_limit,
        temp_limit: file.temp_limit,
        terms_days: u32::from(file.payment_terms_days),
        exposure,
        available,
    })
}

#[server(prefix = "/sfn", endpoint = "application_form")]
pub async fn get_application_form(customer_id: Option<i64>) -> Result<ApplicationForm, AppError> {
    use crate::domain::auth::Permission;
    use crate::store::CustomerQuery;
    let user = super::authorize(Permission::ApplyForCredit)?;
    let store = super::store()?;
    let today = crate::domain::business_date(super::clock()?.now());
    let q = CustomerQuery {
        search: None,
        limit: 2000,
        offset: 0,
    };
    let customers = store
        .list_customers(&q, user.scope(), today)
        .await?
        .into_iter()
        .map(|c| CustomerChoice {
            id: c.id,
            code: c.code.as_str().to_string(),
            name: c.name,
        })
        .collect();
    let chosen = match customer_id {
        Some(id) => Some(snapshot(store.as_ref(), &user, id, today).await?),
        None => None,
    };
    Ok(ApplicationForm {
        customers,
        chosen,
        today,
    })
}

#[server(prefix = "/sfn", endpoint = "submit_application")]
pub async fn submit_application(draft: RequestDraft) -> Result<i64, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ApplyForCredit)?;
    let store = super::store()?;
    Ok(
        crate::ledger::apply_for_credit(store.as_ref(), &user, &draft, super::clock()?.now())
            .await?,
    )
}

/// A card on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub application: ApplicationView,
    pub column: Column,
    /// The viewer may decide the current step now.
    pub mine: bool,
    /// Who the current step waits for, in words.
    pub waiting_for: String,
    pub sla_due_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    pub cards: Vec<Card>,
    pub can_apply: bool,
    /// The server's clock, so "past its SLA" agrees between SSR and hydration.
    pub now: chrono::DateTime<chrono::Utc>,
    /// Who the viewer can delegate to (same or higher role), and the delegations naming the
    /// viewer or made by them that have not ended: (from, to, starts, ends).
    pub colleagues: Vec<User>,
    pub delegations: Vec<(String, String, chrono::NaiveDate, chrono::NaiveDate)>,
}

/// Names an assignee: a user by display name, a role by its key (the UI translates).
#[cfg(feature = "ssr")]
fn assignee_label(a: crate::domain::approval::Assignee, users: &[User]) -> String {
    use crate::domain::approval::Assignee;
    match a {
        Assignee::Role(r) => format!("role:{}", r.as_str()),
        Assignee::User(id) => users
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| format!("#{id}"), |u| u.display_name.clone()),
    }
}

#[cfg(feature = "ssr")]
fn card(
    app: ApplicationView,
    user: &User,
    users: &[User],
    delegations: &[crate::domain::approval::Delegation],
    today: chrono::NaiveDate,
) -> Card {
    use crate::domain::approval::{may_act, Actor, SlaEvent, Status};
    let step: Option<&crate::domain::approval::SnapStep> = app.steps.get(app.current_step as usize);
    let mine = app.status == Status::Pending
        && step.is_some_and(|s| {
            may_act(
                s,
                app.escalated,
                Actor {
                    user_id: user.id,
                    role: user.role,
                },
                app.applicant_id,
                delegations,
                today,
            )
        });
    let waiting_for = step
        .map(|s| assignee_label(s.assignee, users))
        .unwrap_or_default();
    let sla_due_at =
        SlaEvent::Escalation.due_at(app.step_started_at, step.map_or(0, |s| s.sla_hours));
    Card {
        column: Column::of(app.status, mine),
        mine,
        waiting_for,
        sla_due_at,
        application: app,
    }
}

#[server(prefix = "/sfn", endpoint = "approval_board")]
pub async fn get_board() -> Result<Board, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ViewApplications)?;
    let store = super::store()?;
    let now = super::clock()?.now();
    let today = crate::domain::business_date(now);
    let (apps, users, all) = futures::try_join!(
        store.applications(user.scope(), None, now - chrono::Duration::days(30)),
        store.list_users(),
        store.delegations(None, today),
    )?;
    // One read: the delegations the viewer acts under, and those listed for them.
    let (to_me, by_me): (Vec<_>, Vec<_>) = all
        .into_iter()
        .filter(|d| d.to_user == user.id || d.from.user_id == user.id)
        .partition(|d| d.to_user == user.id);
    let cards = apps
        .into_iter()
        .map(|a| card(a, &user, &users, &to_me, today))
        .collect();
    let name = |id: i64| {
        users
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| format!("#{id}"), |u| u.display_name.clone())
    };
    let shown = to_me
        .iter()
        .chain(&by_me)
        .map(|d| {
            (
                name(d.from.user_id),
                name(d.to_user),
                d.starts_on,
                d.ends_on,
            )
        })
        .collect();
    // Only those who may act for the viewer (same or higher role) are offered as deputies.
    let colleagues = users
        .iter()
        .filter(|u| u.id != user.id && u.role.may_stand_in_for(user.role))
        .cloned()
        .collect();
    Ok(Board {
        cards,
        can_apply: user.role.allows(Permission::ApplyForCredit),
        now,
        colleagues,
        delegations: shown,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationPage {
    pub card: Card,
    pub events: Vec<ApplicationEvent>,
    /// Each snapshotted step's approver, escalation target and CC, in words.
    pub step_labels: Vec<(String, Option<String>, Vec<String>)>,
    pub can_resubmit: bool,
    pub attachments: Vec<crate::domain::approval::Attachment>,
    pub can_attach: bool,
}

/// The applicant adds documents while the application is open (pending or returned).
#[cfg(feature = "ssr")]
fn may_attach(user: &User, app: &ApplicationView) -> bool {
    use crate::domain::approval::Status;
    app.applicant_id == user.id && matches!(app.status, Status::Pending | Status::Returned)
}

/// Fields: `application` (its id), then `file` (a PDF, PNG or JPEG of at most 5 MB,
/// judged by its content). Returns the attachment's id.
#[server(prefix = "/sfn", endpoint = "attach_to_application", input = server_fn::codec::MultipartFormData)]
pub async fn attach_to_application(data: server_fn::codec::MultipartData) -> Result<i64, AppError> {
    use crate::domain::approval::{AttachmentType, MAX_ATTACHMENT_BYTES};
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ApplyForCredit)?;
    let mut form = data
        .into_inner()
        .ok_or_else(|| AppError::internal("multipart body missing"))?;
    let bad = |m: &str| AppError::Invalid(m.to_string());
    let (mut application, mut file) = (None, None);
    while let Some(mut field) = form
        .next_field()
        .await
        .map_err(|_| bad("the upload is not a valid multipart form"))?
    {
        match field.name() {
            Some("application") => {
                let text = field
                    .text()
                    .await
                    .map_err(|_| bad("application: unreadable"))?;
                application = Some(
                    text.trim()
                        .parse::<i64>()
                        .map_err(|_| bad("application: not an id"))?,
                );
            }
            Some("file") => {
                let name = field.file_name().unwrap_or("").trim().to_string();
                let mut bytes = Vec::new();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|_| bad("file: the upload was interrupted"))?
                {
                    // Refuse at the limit, before reading the rest of an oversized upload.
                    if bytes.len() + chunk.len() > MAX_ATTACHMENT_BYTES {
                        return Err(AppError::Invalid(format!(
                            "{name}: more than the {} MB limit",
                            MAX_ATTACHMENT_BYTES >> 20
                        )));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    let id = application.ok_or_else(|| bad("application: missing"))?;
    let (name, bytes) = file
        .filter(|(n, _)| !n.is_empty())
        .ok_or_else(|| bad("file: choose a PDF or an image"))?;
    if name.chars().count() > 200 {
        return Err(bad("file: the name is longer than 200 characters"));
    }
    let kind = AttachmentType::sniff(&name, &bytes).map_err(AppError::Invalid)?;
    let store = super::store()?;
    let app = visible_application(store.as_ref(), &user, id).await?;
    if !may_attach(&user, &app) {
        return Err(AppError::Forbidden);
    }
    Ok(store
        .add_attachment(id, &name, kind, &bytes, &user, super::clock()?.now())
        .await?)
}

/// An application the user may see: a sales rep sees those about their customers and
/// those they filed; everyone else with the board sees all. Anything else is not found.
#[cfg(feature = "ssr")]
pub async fn visible_application(
    store: &dyn crate::store::Store,
    user: &User,
    id: i64,
) -> Result<ApplicationView, AppError> {
    let app = store.application(id).await?.ok_or(AppError::NotFound)?;
    if user.role == crate::domain::auth::Role::SalesRep
        && app.applicant_id != user.id
        && store
            .customer_file(app.customer_id, user.scope())
            .await?
            .is_none()
    {
        return Err(AppError::NotFound);
    }
    Ok(app)
}

#[server(prefix = "/sfn", endpoint = "application")]
pub async fn get_application(id: i64) -> Result<ApplicationPage, AppError> {
    use crate::domain::approval::Status;
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ViewApplications)?;
    let store = super::store()?;
    let now = super::clock()?.now();
    let today = crate::domain::business_date(now);
    let app = visible_application(store.as_ref(), &user, id).await?;
    let (events, users, delegations, attachments) = futures::try_join!(
        store.application_events(id),
        store.list_users(),
        store.delegations(Some(user.id), today),
        store.attachments(id)
    )?;
    let step_labels = app
        .steps
        .iter()
        .map(|s| {
            (
                assignee_label(s.assignee, &users),
                s.escalate_to.map(|e| assignee_label(e, &users)),
                s.cc.iter().map(|c| assignee_label(*c, &users)).collect(),
            )
        })
        .collect();
    let can_resubmit = app.status == Status::Returned && app.applicant_id == user.id;
    let can_attach = may_attach(&user, &app);
    Ok(ApplicationPage {
        card: card(app, &user, &users, &delegations, today),
        events,
        step_labels,
        can_resubmit,
        attachments,
        can_attach,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionArgs {
    pub id: i64,
    /// approve, reject or return.
    pub action: String,
    #[serde(default)]
    pub comment: String,
}

#[server(prefix = "/sfn", endpoint = "decide_application")]
pub async fn decide_application(args: DecisionArgs) -> Result<ApplicationView, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ViewApplications)?;
    let action = crate::domain::approval::Action::parse(args.action.trim()).ok_or_else(|| {
        AppError::Invalid(format!(
            "action: '{}' is not approve, reject or return",
            args.action
        ))
    })?;
    if args.comment.chars().count() > 2000 {
        return Err(AppError::Invalid("comment: at most 2000 characters".into()));
    }
    let store = super::store()?;
    let now = super::clock()?.now();
    Ok(store
        .decide_application(args.id, &user, action, &args.comment, now)
        .await?)
}

#[server(prefix = "/sfn", endpoint = "resubmit_application")]
pub async fn resubmit_application(id: i64, comment: String) -> Result<ApplicationView, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ApplyForCredit)?;
    let store = super::store()?;
    Ok(store
        .resubmit_application(id, &user, &comment, super::clock()?.now())
        .await?)
}

/// The designer's data: the policy and the chips it can drag in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyPage {
    pub draft: PolicyDraft,
    pub users: Vec<User>,
    pub can_edit: bool,
}

#[server(prefix = "/sfn", endpoint = "approval_policy")]
pub async fn get_policy() -> Result<PolicyPage, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ViewApplications)?;
    let store = super::store()?;
    let (policy, users) = futures::try_join!(
        crate::ledger::approval_policy(store.as_ref()),
        store.list_users()
    )?;
    Ok(PolicyPage {
        draft: policy.draft().clone(),
        users,
        can_edit: user.role.allows(Permission::ConfigureFinance),
    })
}

/// JSON in: a policy is nested, tagged data that form encoding cannot carry.
#[server(prefix = "/sfn", endpoint = "save_approval_policy", input = server_fn::codec::Json)]
pub async fn save_policy(draft: PolicyDraft) -> Result<(), AppError> {
    use crate::domain::approval::Policy;
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ConfigureFinance)?;
    let policy = Policy::try_from(draft).map_err(AppError::fields)?;
    let store = super::store()?;
    let users = store.list_users().await?;
    // A step naming a user who does not exist would wait forever.
    for c in &policy.draft().chains {
        for s in &c.steps {
            for a in std::iter::once(s.approver)
                .chain(s.escalate_to)
                .chain(s.cc.iter().copied())
            {
                if let crate::domain::approval::Approver::User(id) = a {
                    if !users.iter().any(|u| u.id == id) {
                        return Err(AppError::Invalid(format!(
                            "chains[{}]: user #{id} does not exist",
                            c.key
                        )));
                    }
                }
            }
        }
    }
    let json = serde_json::to_string(policy.draft()).map_err(AppError::internal)?;
    store
        .set_setting(
            crate::domain::approval::POLICY_SETTING,
            &json,
            &user.username,
            super::clock()?.now(),
        )
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegationArgs {
    pub to_user: i64,
    pub starts_on: String,
    pub ends_on: String,
}

/// "While I am away": the caller delegates their approvals to another user.
#[server(prefix = "/sfn", endpoint = "delegate_approvals")]
pub async fn delegate_approvals(args: DelegationArgs) -> Result<i64, AppError> {
    use crate::domain::approval::{Actor, Delegation};
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ViewApplications)?;
    let date = |field: &str, s: &str| {
        chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::Invalid(format!("{field}: '{s}' is not a date (YYYY-MM-DD)")))
    };
    let (starts_on, ends_on) = (
        date("starts_on", &args.starts_on)?,
        date("ends_on", &args.ends_on)?,
    );
    let store = super::store()?;
    let to = store
        .list_users()
        .await?
        .into_iter()
        .find(|u| u.id == args.to_user)
        .ok_or_else(|| {
            AppError::Invalid(format!("to_user: user #{} does not exist", args.to_user))
        })?;
    let actor = |u: &crate::domain::auth::User| Actor {
        user_id: u.id,
        role: u.role,
    };
    let now = super::clock()?.now();
    let today = crate::domain::business_date(now);
    let d = Delegation::new(actor(&user), actor(&to), starts_on, ends_on, today)
        .map_err(|e| AppError::fields([e]))?;
    Ok(store.add_delegation(&d, &user.username, now).await?)
}
