//! The server's sign-in guard (server only): the throttle's state, a cap on concurrent
//! password checks, and a queue that writes refusals (failed sign-ins, and permissions
//! refused to signed-in users) to the audit trail in batches.
//!
//! Invariants:
//! - A locked username or address is refused before argon2 runs (`domain::login_throttle`).
//! - Password checks run on the blocking pool, at most `HASHING_SLOTS` at once, so a
//!   burst of sign-ins cannot starve the async workers that serve everything else.
//! - A refusal is audited, but not on the request's path: the queue
//!   writes at most one transaction a second, so guessing cannot stall ledger writes
//!   on the writers' lock. If the queue is full the attempt is counted, and the count is
//!   audited with the next batch: nothing is lost silently.
use crate::domain::login_throttle::Throttle;
use crate::store::{AuditEntry, AuditStore};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Semaphore};

/// Password checks allowed at once: one per core is all argon2 can use anyway.
fn hashing_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Attempts waiting to be audited; more are counted, not queued.
const QUEUE: usize = 10_000;
/// Distinct (entity, username, detail, outcome) rows per batch; the rest are counted.
const BATCH_ROWS: usize = 500;

/// One refused request.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// `session` (a sign-in) or `access` (a permission refused to a signed-in user, or
    /// a REST call refused: the user is then `api:<key name>`).
    pub entity: &'static str,
    pub username: String,
    /// A sign-in's client address, or the permission refused.
    pub detail: String,
    /// `login_failed` (wrong password), `login_locked` (refused while locked) or
    /// `access_denied`.
    pub action: &'static str,
}

impl Refusal {
    /// The name of `detail` in the audit row.
    fn detail_name(&self) -> &'static str {
        if self.entity == "access" {
            "permission"
        } else {
            "address"
        }
    }
}

pub struct LoginGuard {
    throttle: Mutex<Throttle>,
    hashing: Semaphore,
    queue: mpsc::Sender<Refusal>,
    dropped: Arc<AtomicU64>,
}

impl LoginGuard {
    /// Starts the audit queue's writer on the current runtime.
    pub fn start(store: Arc<dyn AuditStore>, clock: Arc<dyn crate::api::Clock>) -> Arc<Self> {
        let (queue, rx) = mpsc::channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        tokio::spawn(write_batches(rx, store, clock, dropped.clone()));
        Arc::new(LoginGuard {
            throttle: Mutex::new(Throttle::default()),
            hashing: Semaphore::new(hashing_slots()),
            queue,
            dropped,
        })
    }

    /// Seconds to wait when the username or the address is locked.
    pub fn locked(&self, username: &str, address: &str, now: DateTime<Utc>) -> Option<u64> {
        self.throttle().locked(username, address, now)
    }

    pub fn failed(&self, username: &str, address: &str, now: DateTime<Utc>) {
        self.throttle().fail(username, address, now);
    }

    pub fn succeeded(&self, username: &str) {
        self.throttle().succeed(username);
    }

    /// Queues an attempt for the audit trail; never waits.
    pub fn audit(&self, refusal: Refusal) {
        if self.queue.try_send(refusal).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Runs `check` (an argon2 verification) on the blocking pool, within the cap.
    pub async fn check_password<F>(&self, check: F) -> bool
    where
        F: FnOnce() -> bool + Send + 'static,
    {
        self.hash_work(check).await.unwrap_or(false)
    }

    /// Runs `work` (argon2 hashing or verification) on the blocking pool, within the
    /// cap; `None` if the pool is gone (shutting down).
    pub async fn hash_work<T, F>(&self, work: F) -> Option<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let _slot = self.hashing.acquire().await.ok()?;
        tokio::task::spawn_blocking(work).await.ok()
    }

    fn throttle(&self) -> std::sync::MutexGuard<'_, Throttle> {
        // The throttle holds no invariant a panicking holder could break half-way.
        self.throttle.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Drains the queue about once a second into one audit transaction per batch: one row
/// per (username, address, outcome) with its attempt count.
async fn write_batches(
    mut rx: mpsc::Receiver<Refusal>,
    store: Arc<dyn AuditStore>,
    clock: Arc<dyn crate::api::Clock>,
    dropped: Arc<AtomicU64>,
) {
    while let Some(first) = rx.recv().await {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let mut counts: BTreeMap<RowKey, u64> = BTreeMap::new();
        let mut overflow = dropped.swap(0, Ordering::Relaxed);
        let mut next = Some(first);
        while let Some(r) = next.take().or_else(|| rx.try_recv().ok()) {
            let key = (r.entity, r.detail_name(), r.username, r.detail, r.action);
            if counts.len() < BATCH_ROWS || counts.contains_key(&key) {
                *counts.entry(key).or_default() += 1;
            } else {
                overflow += 1;
            }
        }
        let entries = batch_entries(counts, overflow);
        if let Err(e) = store.audit_many(clock.now(), "security", entries).await {
            tracing::error!("refusals' audit batch not written: {e}");
        }
    }
}

/// (entity, detail's name, username, detail, action): one audit row each.
type RowKey = (&'static str, &'static str, String, String, &'static str);

fn batch_entries(counts: BTreeMap<RowKey, u64>, overflow: u64) -> Vec<AuditEntry> {
    let mut entries: Vec<AuditEntry> = counts
        .into_iter()
        .map(|((entity, name, username, detail, action), attempts)| {
            let mut e = AuditEntry::new(entity, username, action);
            e.after = Some(serde_json::json!({ name: detail, "attempts": attempts }).to_string());
            e
        })
        .collect();
    if overflow > 0 {
        let mut e = AuditEntry::new("session", "*", "login_unrecorded");
        e.after = Some(serde_json::json!({ "attempts": overflow }).to_string());
        entries.push(e);
    }
    entries
}
