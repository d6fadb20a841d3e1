//! The scheduler: periodic jobs run inside the server process.
//!
//! Exactly once comes from the database, not from this loop: every job records what it
//! did under a unique key (an alert episode per kind, an SLA event per application,
//! round, step and kind) and notifies only for rows its own insert created. So a tick
//! that runs twice, a restart mid-tick, or two servers on one PostgreSQL never remind,
//! escalate or notify twice; a failed tick is logged and simply retried at the next.
use app::api::Clock;
use app::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// How often each job runs (0 seconds turns a job off).
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub alerts: Duration,
    pub sla: Duration,
    /// How often the monthly rescoring checks whether this month's run is due.
    pub scoring: Duration,
    /// How often daily collection rules check for due (and missed) dates.
    pub rules: Duration,
    /// How often the outbox worker delivers queued emails and webhooks.
    pub outbox: Duration,
    /// How often recorded domain events are handed to the event rules (what a single
    /// write did not drain itself: an import's, a rescoring's).
    pub events: Duration,
    /// Ended sessions are purged every `SESSION_PURGE_EVERY` under this policy.
    pub sessions: app::domain::sessions::SessionPolicy,
}

pub const SESSION_PURGE_EVERY: Duration = Duration::from_secs(600);
/// The audit trail's head goes to the log at start and then daily: a log shipped off the
/// machine holds checkpoints that `creditdesk audit verify --checkpoint` can check.
pub const AUDIT_CHECKPOINT_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Starts every job that has an interval on the current tokio runtime.
pub fn start(store: Arc<dyn Store>, clock: Arc<dyn Clock>, schedule: Schedule) {
    if !schedule.alerts.is_zero() {
        spawn_every(schedule.alerts, store.clone(), clock.clone(), alerts);
    }
    if !schedule.sla.is_zero() {
        spawn_every(schedule.sla, store.clone(), clock.clone(), sla);
    }
    if !schedule.scoring.is_zero() {
        spawn_every(schedule.scoring, store.clone(), clock.clone(), scoring);
    }
    if !schedule.rules.is_zero() {
        spawn_every(schedule.rules, store.clone(), clock.clone(), rules);
    }
    if !schedule.outbox.is_zero() {
        spawn_every(schedule.outbox, store.clone(), clock.clone(), outbox);
    }
    if !schedule.events.is_zero() {
        spawn_every(schedule.events, store.clone(), clock.clone(), events);
    }
    spawn_every(
        AUDIT_CHECKPOINT_EVERY,
        store.clone(),
        clock.clone(),
        log_checkpoint,
    );
    let policy = schedule.sessions;
    spawn_every(SESSION_PURGE_EVERY, store, clock, move |store, clock| {
        purge_sessions(store, clock, policy)
    });
}

/// Deletes sessions that ended (expired, or idle past the policy): the table holds only
/// live sessions, and a stolen token of an ended one is gone, not merely refused.
async fn purge_sessions(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    policy: app::domain::sessions::SessionPolicy,
) {
    let now = clock.now();
    match store.purge_sessions(now, policy.idle_before(now)).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(purged = n, "ended sessions purged"),
        Err(e) => tracing::warn!(error = %e, "session purge failed"),
    }
}

async fn log_checkpoint(store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    match crate::audit_tools::checkpoint(store.as_ref(), clock.now()).await {
        Ok(line) => tracing::info!(checkpoint = %line, "audit checkpoint"),
        Err(e) => tracing::warn!(error = %e, "audit checkpoint failed"),
    }
}

fn spawn_every<F, Fut>(every: Duration, store: Arc<dyn Store>, clock: Arc<dyn Clock>, job: F)
where
    F: Fn(Arc<dyn Store>, Arc<dyn Clock>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            job(store.clone(), clock.clone()).await;
        }
    });
}

/// Evaluates the whole book's portfolio alerts, so an alert reaches the inbox even
/// when nobody opens the cockpit.
async fn alerts(store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    let now = clock.now();
    match app::ledger::evaluate_alerts(store.as_ref(), app::domain::business_date(now), now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(opened = n, "portfolio alerts raised"),
        Err(e) => tracing::warn!(error = %e, "portfolio alert evaluation failed"),
    }
}

/// Records the approval SLA reminders (80%) and escalations (100%) now due, and files
/// the approval item of any held order that has none yet.
async fn sla(store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    match app::ledger::file_missing_order_approvals(store.as_ref(), clock.now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(filed = n, "order approvals filed by the scheduler"),
        Err(e) => tracing::warn!(error = ?e, "filing held orders' approvals failed"),
    }
    match store.run_sla(clock.now()).await {
        Ok((0, 0)) => {}
        Ok((reminders, escalations)) => {
            tracing::info!(reminders, escalations, "approval SLA timers fired")
        }
        Err(e) => tracing::warn!(error = %e, "approval SLA run failed"),
    }
}

/// The monthly credit rescoring: the first tick of a business month scores every
/// customer with the active model; the month's run key (`monthly:YYYY-MM`) is claimed
/// once in the database, so later ticks, a restart or a second server find it taken and
/// do nothing.
async fn scoring(store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    match app::ledger::monthly_rescore(store.as_ref(), clock.now()).await {
        Ok(None) => {}
        Ok(Some(run)) => {
            tracing::info!(run = %run.run_key, customers = run.customers, changed = run.changed, "monthly credit rescoring done")
        }
        Err(e) => tracing::warn!(error = %e, "monthly credit rescoring failed"),
    }
}

/// This process's name in leases and claims: unique per process, so a restarted server
/// does not mistake a dead predecessor's lease for its own.
fn worker_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()))
}

/// Runs the daily collection rules for every date now due, catching up days the server
/// was down for. Each (rule, date) is claimed in the database, so a second server or a
/// tick that overlaps a long run skips it.
async fn rules(store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    let now = || clock.now();
    match app::engine::run_due(store.as_ref(), worker_id(), &now).await {
        Ok(runs) => {
            for r in runs.iter().filter(|r| r.status == "ran") {
                if let Some(run) = &r.run {
                    tracing::info!(rule = %r.rule_name, date = %run.run_date, evaluated = run.evaluated, firings = run.firings, "rule run finished");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "rule run failed"),
    }
    // Promises are judged on the same tick: a broken one raises its rule event.
    match app::engine::check_promises(store.as_ref(), clock.now()).await {
        Ok(s) if s.kept + s.broken > 0 => {
            tracing::info!(kept = s.kept, broken = s.broken, "promises settled")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "promise check failed"),
    }
}

/// Hands every recorded domain event to the event rules, a page at a time
/// (`app::events`): each page's firings and its handled mark commit together.
async fn events(store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    match app::events::handle_events(store.as_ref(), clock.now(), None).await {
        Ok(d) if d.events == 0 => {}
        Ok(d) => tracing::info!(
            events = d.events,
            firings = d.firings,
            "domain events handled"
        ),
        Err(e) => tracing::warn!(error = %e, "handling domain events failed"),
    }
}

/// Delivers the queued emails and webhooks that are due.
async fn outbox(store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    let client = CLIENT.get_or_init(|| crate::notify::webhook_client().unwrap_or_default());
    let now = || clock.now();
    match crate::outbox::deliver_due(store.as_ref(), client, worker_id(), &now).await {
        Ok(d) if d == crate::outbox::Delivered::default() => {}
        Ok(d) => tracing::info!(
            sent = d.sent,
            failed = d.failed,
            dead = d.dead,
            "outbox delivered"
        ),
        Err(e) => tracing::warn!(error = %e, "outbox delivery failed"),
    }
}
