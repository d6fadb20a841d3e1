//! The collections workbench: worklists, a task's page, the offline queue's writes
//! (contacts, promises, disputes), task assignment and escalation, finance's priority
//! weights, the legal dossier and the people's performance.
//!
//! Invariants, and why they hold:
//! - Every function authorises first and denies by default. Working tasks needs
//!   `WorkCollections`; a sales rep reaches only tasks assigned to them or to their role,
//!   or about their own customers (`may_work`). Reassigning, creating tasks for others and
//!   resolving disputes need `ManageCollections`; the weights need `ConfigureFinance`.
//! - Every write from the phone goes through `sync_op`, online or not: the client id makes
//!   a replay answer the first result, and the store reads the task's status in the
//!   writing transaction, so the queue can resend blindly and never writes twice.
//! - The score a worklist shows is computed here from the store's inputs and finance's
//!   current terms, with the same `collections::priority` the phone could run.
use crate::api::rules::{Checked, Person};
use crate::domain::collections::{
    DisputeRow, LogEntry, Op, OpOutcome, OpenInvoice, PromiseRow, Ranked, TaskDraft, TaskFilter,
    TaskRow, Terms, TermsDraft,
};
use crate::domain::customer::CustomerFile;
use crate::error::AppError;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Log lines a task page shows.
pub const LOG_LINES: i64 = 200;
/// Log lines a dossier holds (its whole history, in practice).
pub const DOSSIER_LINES: i64 = 10_000;

/// A worklist: the rows passing the filter, best first, and each filter's count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Worklist {
    pub today: NaiveDate,
    pub filter: TaskFilter,
    /// `mine` or `team`.
    pub scope: String,
    pub rows: Vec<TaskRow>,
    pub counts: Vec<(TaskFilter, i64)>,
    /// The viewer may see the team's (or everyone's) tasks.
    pub may_see_team: bool,
    pub may_manage: bool,
    pub terms: Terms,
    /// People a manager may give a new task to.
    pub people: Vec<Person>,
}

/// An open invoice on the task page, with its days past due (aging colour).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDue {
    pub invoice: OpenInvoice,
    pub days_past_due: i64,
    pub disputed: bool,
}

/// Everything the task page shows, and what it may offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPage {
    pub today: NaiveDate,
    pub task: TaskRow,
    pub customer: CustomerFile,
    pub invoices: Vec<InvoiceDue>,
    pub promises: Vec<PromiseRow>,
    pub disputes: Vec<DisputeRow>,
    pub log: Vec<LogEntry>,
    /// People a manager may reassign to.
    pub people: Vec<Person>,
    pub may_manage: bool,
    pub grace_days: i64,
}

/// What a legal dossier holds (printable page and XLSX).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dossier {
    pub today: NaiveDate,
    pub customer: CustomerFile,
    pub invoices: Vec<InvoiceDue>,
    pub promises: Vec<PromiseRow>,
    pub disputes: Vec<DisputeRow>,
    pub log: Vec<LogEntry>,
}

/// The people's ranking over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Performance {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reps: Vec<Ranked>,
    pub teams: Vec<Ranked>,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::domain::auth::{Permission, Role, User};
    use crate::domain::collections::{Assignee, TaskRow, Terms};
    use crate::store::{Store, TaskQuery};

    /// Finance's terms, or the defaults until finance saves some.
    pub async fn terms(store: &dyn Store) -> Result<Terms, AppError> {
        Ok(crate::settings::get(store, &crate::domain::settings::COLLECTION_TERMS).await?)
    }

    pub fn manages(user: &User) -> bool {
        user.role.allows(Permission::ManageCollections)
    }

    /// A manager works any task; anyone else the tasks that name them, or about a
    /// customer of theirs. A pool (`role:NAME`) counts only for a role that sees every
    /// customer, so a rep never works another rep's customer through one (ASVS 4.2.1).
    pub fn may_work(user: &User, task: &TaskRow, owns_customer: bool) -> bool {
        manages(user)
            || match task.assignee {
                Some(Assignee::User(id)) => id == user.id,
                Some(Assignee::Role(r)) => r == user.role && r.sees_all_customers(),
                None => false,
            }
            || owns_customer
    }

    /// The open or closed task `id` as the user may see it, with the customer's file.
    pub async fn task_for(
        store: &dyn Store,
        user: &User,
        id: i64,
        today: NaiveDate,
    ) -> Result<(TaskRow, CustomerFile), AppError> {
        let q = TaskQuery {
            for_user: None,
            team: None,
            customer_id: None,
            task_id: Some(id),
            open_only: false,
            today,
        };
        let mut rows = store.tasks(&q).await?;
        let task = rows.pop().ok_or(AppError::NotFound)?;
        let customer = store
            .customer_file(task.customer_id, crate::domain::auth::Scope::All)
            .await?
            .ok_or(AppError::NotFound)?;
        // A rep's scope sees the customer only when it is theirs; a second read only then.
        let owns = match user.scope() {
            crate::domain::auth::Scope::All => true,
            scope => store
                .customer_file(task.customer_id, scope)
                .await?
                .is_some(),
        };
        if !may_work(user, &task, owns) {
            tracing::warn!(user = %user.username, task = id, "task not theirs");
            return Err(AppError::Forbidden);
        }
        Ok((task, customer))
    }

    pub async fn invoices_due(
        store: &dyn Store,
        customer_id: i64,
        today: NaiveDate,
    ) -> Result<Vec<InvoiceDue>, AppError> {
        let disputed: Vec<String> = store
            .disputes(customer_id)
            .await?
            .into_iter()
            .filter(|d| {
                crate::domain::collections::dispute_open_on(d.opened_on, d.resolved_on, today)
            })
            .flat_map(|d| d.invoices)
            .collect();
        Ok(store
            .customer_open_invoices(customer_id, today)
            .await?
            .into_iter()
            .map(|i| InvoiceDue {
                days_past_due: (today - i.due_date).num_days().max(0),
                disputed: disputed.contains(&i.number),
                invoice: i,
            })
            .collect())
    }

    /// A customer's dossier, within the user's scope (the page and the XLSX download).
    pub async fn dossier(
        store: &dyn Store,
        user: &User,
        customer_id: i64,
        today: NaiveDate,
    ) -> Result<Dossier, AppError> {
        let customer = store
            .customer_file(customer_id, user.scope())
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Dossier {
            today,
            invoices: invoices_due(store, customer_id, today).await?,
            promises: store.promises(customer_id).await?,
            disputes: store.disputes(customer_id).await?,
            log: store.collection_log(customer_id, DOSSIER_LINES).await?,
            customer,
        })
    }

    /// Whom a manager may give a task to: everyone who works collections.
    pub async fn people(store: &dyn Store) -> Result<Vec<Person>, AppError> {
        Ok(store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| u.role != Role::Admin && u.role.allows(Permission::WorkCollections))
            .map(|u| Person {
                id: u.id,
                name: u.display_name,
                role: u.role,
            })
            .collect())
    }

    /// The reps a sales manager leads.
    pub async fn team_of(store: &dyn Store, manager: &User) -> Result<Vec<i64>, AppError> {
        let mut ids = Vec::new();
        for u in store.list_users().await? {
            if u.role == Role::SalesRep && store.user_manager(u.id).await? == Some(manager.id) {
                ids.push(u.id);
            }
        }
        Ok(ids)
    }
}

#[cfg(feature = "ssr")]
fn today() -> Result<NaiveDate, AppError> {
    Ok(crate::domain::business_date(crate::api::clock()?.now()))
}

/// The viewer's worklist (`scope` `mine`, or `team` for managers: their reps' tasks, or
/// everyone's for finance and credit managers), filtered, best first.
#[server(prefix = "/sfn", endpoint = "worklist")]
pub async fn get_worklist(filter: String, scope: String) -> Result<Worklist, AppError> {
    use crate::domain::auth::{Permission, Role};
    use crate::domain::collections::{passes, priority, sort_worklist};
    let user = crate::api::authorize(Permission::WorkCollections)?;
    let store = crate::api::store()?;
    let today = today()?;
    let filter = TaskFilter::parse(&filter).unwrap_or(TaskFilter::All);
    let may_see_team = ssr::manages(&user);
    let team = may_see_team && scope == "team";
    // Mine: assigned to me or my role. Team: a sales manager's reps (and the manager);
    // finance, credit managers and admins see everyone's.
    let q = crate::store::TaskQuery {
        for_user: (!team || user.role == Role::SalesManager)
            .then_some((user.id, user.role.task_pool())),
        team: if team && user.role == Role::SalesManager {
            Some(ssr::team_of(store.as_ref(), &user).await?)
        } else {
            None
        },
        customer_id: None,
        task_id: None,
        open_only: true,
        today,
    };
    let mut all = store.tasks(&q).await?;
    let terms = ssr::terms(store.as_ref()).await?;
    for row in &mut all {
        row.priority = priority(&row.input, &terms);
    }
    sort_worklist(&mut all);
    let counts = TaskFilter::ALL
        .iter()
        .map(|f| {
            (
                *f,
                all.iter().filter(|r| passes(r, *f, today)).count() as i64,
            )
        })
        .collect();
    let rows = all
        .into_iter()
        .filter(|r| passes(r, filter, today))
        .collect();
    let people = if may_see_team {
        ssr::people(store.as_ref()).await?
    } else {
        Vec::new()
    };
    Ok(Worklist {
        today,
        filter,
        scope: if team { "team".into() } else { "mine".into() },
        rows,
        counts,
        may_see_team,
        may_manage: may_see_team,
        terms,
        people,
    })
}

/// Open tasks assigned to the viewer or their role: the tab bar's badge. Zero for those
/// who do not work collections.
#[server(prefix = "/sfn", endpoint = "open_task_count")]
pub async fn open_task_count() -> Result<i64, AppError> {
    use crate::domain::auth::Permission;
    let Some(user) = crate::api::viewer() else {
        return Err(AppError::Unauthenticated);
    };
    if !user.role.allows(Permission::WorkCollections) {
        return Ok(0);
    }
    Ok(crate::api::store()?
        .open_task_count(user.id, user.role.task_pool())
        .await?)
}

/// A task's page.
#[server(prefix = "/sfn", endpoint = "task_page")]
pub async fn get_task_page(id: i64) -> Result<TaskPage, AppError> {
    use crate::domain::auth::Permission;
    let user = crate::api::authorize(Permission::WorkCollections)?;
    let store = crate::api::store()?;
    let today = today()?;
    let (mut task, customer) = ssr::task_for(store.as_ref(), &user, id, today).await?;
    let terms = ssr::terms(store.as_ref()).await?;
    task.priority = crate::domain::collections::priority(&task.input, &terms);
    let may_manage = ssr::manages(&user);
    let people = if may_manage {
        ssr::people(store.as_ref()).await?
    } else {
        Vec::new()
    };
    Ok(TaskPage {
        today,
        invoices: ssr::invoices_due(store.as_ref(), customer.id, today).await?,
        promises: store.promises(customer.id).await?,
        disputes: store.disputes(customer.id).await?,
        log: store.collection_log(customer.id, LOG_LINES).await?,
        task,
        customer,
        people,
        may_manage,
        grace_days: terms.grace_days,
    })
}

/// One write from the phone's queue (or straight from the page when online): a contact,
/// a promise or a dispute. Applied once per client id.
#[server(prefix = "/sfn", endpoint = "sync_op", input = server_fn::codec::Json)]
pub async fn sync_op(op: Op) -> Result<OpOutcome, AppError> {
    use crate::domain::auth::Permission;
    let user = crate::api::authorize(Permission::WorkCollections)?;
    let store = crate::api::store()?;
    let now = crate::api::clock()?.now();
    let today = crate::domain::business_date(now);
    ssr::task_for(store.as_ref(), &user, op.task_id, today).await?;
    let grace = ssr::terms(store.as_ref()).await?.grace_days;
    Ok(store.apply_op(&op, &user, today, grace, now).await?)
}

/// A task made by hand: managers for anyone, a rep for themself (the assignee is then
/// always the rep).
#[server(prefix = "/sfn", endpoint = "create_task", input = server_fn::codec::Json)]
pub async fn create_task(draft: TaskDraft) -> Result<Checked<i64>, AppError> {
    use crate::domain::auth::Permission;
    use crate::domain::collections::{Assignee, NewTask};
    let user = crate::api::authorize(Permission::WorkCollections)?;
    let store = crate::api::store()?;
    let now = crate::api::clock()?.now();
    let mut task = match NewTask::parse(&draft, crate::domain::business_date(now)) {
        Ok(t) => t,
        Err(errors) => return Ok(Checked::Invalid(errors)),
    };
    let customer = store.customer_file(task.customer_id, user.scope()).await?;
    if customer.is_none() {
        return Ok(Checked::Invalid(vec![
            crate::domain::documents::FieldError::new(
                "customer_id",
                format!("customer {} is not one of yours", draft.customer_id),
            ),
        ]));
    }
    if !ssr::manages(&user) {
        task.assignee = Some(Assignee::User(user.id));
    }
    Ok(Checked::Done(
        store.create_task(&task, &user.username, now).await?,
    ))
}

/// Gives a task to someone else (`user:ID` or `role:NAME`); audited.
#[server(prefix = "/sfn", endpoint = "reassign_task")]
pub async fn reassign_task(id: i64, assignee: String) -> Result<(), AppError> {
    use crate::domain::auth::Permission;
    let user = crate::api::authorize(Permission::ManageCollections)?;
    let to = crate::domain::collections::Assignee::parse(&assignee).ok_or_else(|| {
        AppError::Invalid(format!(
            "assignee: '{assignee}' is not user:ID or role:NAME"
        ))
    })?;
    let store = crate::api::store()?;
    Ok(store
        .reassign_task(id, to, &user.username, crate::api::clock()?.now())
        .await?)
}

/// Closes a task as done (worked) or cancelled.
#[server(prefix = "/sfn", endpoint = "close_task")]
pub async fn close_task(id: i64, status: String, note: String) -> Result<(), AppError> {
    use crate::domain::auth::Permission;
    use crate::domain::collections::TaskStatus;
    let user = crate::api::authorize(Permission::WorkCollections)?;
    let status = match TaskStatus::parse(&status) {
        Some(s @ (TaskStatus::Done | TaskStatus::Cancelled)) => s,
        _ => {
            return Err(AppError::Invalid(format!(
                "status: '{status}' is not done or cancelled"
            )))
        }
    };
    let store = crate::api::store()?;
    let now = crate::api::clock()?.now();
    ssr::task_for(store.as_ref(), &user, id, crate::domain::business_date(now)).await?;
    Ok(store
        .close_task(id, status, note.trim(), &user.username, now)
        .await?)
}

/// Hands a task to legal: closes it and opens a legal task for the credit managers.
#[server(prefix = "/sfn", endpoint = "escalate_task")]
pub async fn escalate_task(id: i64, note: String) -> Result<i64, AppError> {
    use crate::domain::auth::Permission;
    let user = crate::api::authorize(Permission::WorkCollections)?;
    let store = crate::api::store()?;
    let now = crate::api::clock()?.now();
    let today = crate::domain::business_date(now);
    ssr::task_for(store.as_ref(), &user, id, today).await?;
    if note.trim().is_empty() {
        return Err(AppError::Invalid("note: say why this goes to legal".into()));
    }
    Ok(store
        .escalate_task(id, note.trim(), today, &user.username, now)
        .await?)
}

/// Ends a dispute: dunning resumes for its invoices from today.
#[server(prefix = "/sfn", endpoint = "resolve_dispute")]
pub async fn resolve_dispute(id: i64, resolution: String) -> Result<(), AppError> {
    use crate::domain::auth::Permission;
    let user = crate::api::authorize(Permission::ManageCollections)?;
    if resolution.trim().is_empty() {
        return Err(AppError::Invalid(
            "resolution: say how it was resolved".into(),
        ));
    }
    let store = crate::api::store()?;
    let now = crate::api::clock()?.now();
    Ok(store
        .resolve_dispute(
            id,
            resolution.trim(),
            crate::domain::business_date(now),
            &user.username,
            now,
        )
        .await?)
}

/// A customer's collection log (contacts, reminders, promises, disputes, payments,
/// tasks), newest first, for anyone who may see the customer.
#[server(prefix = "/sfn", endpoint = "customer_collection_log")]
pub async fn customer_collection_log(customer_id: i64) -> Result<Vec<LogEntry>, AppError> {
    use crate::domain::auth::Permission;
    let user = crate::api::authorize(Permission::ViewCustomers)?;
    let store = crate::api::store()?;
    store
        .customer_file(customer_id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(store.collection_log(customer_id, LOG_LINES).await?)
}

/// Marks how much a customer matters (`key`, `normal`, `low`): a factor of the score.
#[server(prefix = "/sfn", endpoint = "set_customer_importance")]
pub async fn set_customer_importance(customer_id: i64, importance: String) -> Result<(), AppError> {
    use crate::domain::auth::Permission;
    let user = crate::api::authorize(Permission::ManageCollections)?;
    let importance =
        crate::domain::collections::Importance::parse(&importance).ok_or_else(|| {
            AppError::Invalid(format!(
                "importance: '{importance}' is not one of key, normal, low"
            ))
        })?;
    let store = crate::api::store()?;
    Ok(store
        .set_importance(
            customer_id,
            importance,
            &user.username,
            crate::api::clock()?.now(),
        )
        .await?)
}

/// A customer's legal dossier: open invoices, promises, disputes, the whole log.
#[server(prefix = "/sfn", endpoint = "dossier")]
pub async fn get_dossier(customer_id: i64) -> Result<Dossier, AppError> {
    use crate::domain::auth::Permission;
    let user = crate::api::authorize(Permission::WorkCollections)?;
    ssr::dossier(crate::api::store()?.as_ref(), &user, customer_id, today()?).await
}

/// Finance's weights and grace days, as the form edits them.
#[server(prefix = "/sfn", endpoint = "collection_terms")]
pub async fn collection_terms() -> Result<TermsDraft, AppError> {
    use crate::domain::auth::Permission;
    crate::api::authorize(Permission::WorkCollections)?;
    let terms = ssr::terms(crate::api::store()?.as_ref()).await?;
    Ok(TermsDraft::from(&terms))
}

#[server(prefix = "/sfn", endpoint = "save_collection_terms", input = server_fn::codec::Json)]
pub async fn save_collection_terms(draft: TermsDraft) -> Result<Checked<()>, AppError> {
    use crate::domain::auth::Permission;
    let user = crate::api::authorize(Permission::ConfigureFinance)?;
    let terms = match Terms::try_from(&draft) {
        Ok(t) => t,
        Err(errors) => return Ok(Checked::Invalid(errors)),
    };
    let json = serde_json::to_string(&TermsDraft::from(&terms)).map_err(AppError::internal)?;
    let store = crate::api::store()?;
    store
        .set_setting(
            crate::domain::collections::TERMS_KEY,
            &json,
            &user.username,
            crate::api::clock()?.now(),
        )
        .await?;
    Ok(Checked::Done(()))
}

/// Reps and teams ranked over `from..=to` (defaults: this month to date).
#[server(prefix = "/sfn", endpoint = "collections_performance")]
pub async fn collections_performance(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Performance, AppError> {
    use crate::domain::auth::{Permission, Role};
    use chrono::Datelike;
    let viewer = crate::api::authorize(Permission::ViewCockpit)?;
    let store = crate::api::store()?;
    let to = to.unwrap_or(today()?);
    let from = from.unwrap_or_else(|| to.with_day(1).unwrap_or(to));
    if from > to {
        return Err(AppError::Invalid(format!("from: {from} is after {to}")));
    }
    let mut rows = store.collection_activity(from, to).await?;
    // Collected and due are the cockpit's figures (its maintained aggregates), so the
    // ranking and the cockpit's rep chart agree.
    let figures = crate::store::rep_figures(
        store.as_ref(),
        None,
        from,
        to,
        crate::store::Via::Aggregates,
    )
    .await?;
    let money: std::collections::HashMap<i64, (i64, i64)> =
        crate::domain::dashboard::rep_performance(&figures, from, to, crate::domain::BOOK_CURRENCY)
            .into_iter()
            .map(|p| (p.rep_id, (p.collected.minor(), p.due.minor())))
            .collect();
    for (user, _, activity) in &mut rows {
        let (collected, due) = money.get(&user.id).copied().unwrap_or_default();
        activity.collected_minor = collected;
        activity.due_minor = due;
    }
    let users: std::collections::HashMap<i64, (String, String)> = rows
        .iter()
        .map(|(u, _, _)| (u.id, (u.username.clone(), u.display_name.clone())))
        .collect();
    let own_team = rows
        .iter()
        .find(|(u, _, _)| u.id == viewer.id)
        .and_then(|(_, m, _)| *m);
    let mut reps: Vec<Ranked> = Vec::new();
    let mut teams: std::collections::BTreeMap<i64, crate::domain::collections::Activity> =
        std::collections::BTreeMap::new();
    for (user, manager, activity) in rows {
        if user.role == Role::SalesRep {
            if let Some(m) = manager {
                teams.entry(m).or_default().add(&activity);
            }
            reps.push(Ranked {
                id: user.id,
                username: user.username,
                name: user.display_name,
                activity,
            });
        }
    }
    let mut teams: Vec<Ranked> = teams
        .into_iter()
        .map(|(id, activity)| {
            let (username, name) = users
                .get(&id)
                .cloned()
                .unwrap_or_else(|| (String::new(), format!("#{id}")));
            Ranked {
                id,
                username,
                name,
                activity,
            }
        })
        .collect();
    crate::domain::collections::rank(&mut reps);
    crate::domain::collections::rank(&mut teams);
    // A rep sees their own figures and their team's total, not other reps' (row scope).
    if viewer.role == Role::SalesRep {
        reps.retain(|r| r.id == viewer.id);
        teams.retain(|t| Some(t.id) == own_team);
    }
    Ok(Performance {
        from,
        to,
        reps,
        teams,
    })
}
