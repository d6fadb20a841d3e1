//! The phone's offline write queue: every contact, promise and dispute a rep records is
//! first written to IndexedDB (database `creditdesk`, store `ops`, key = the op's
//! client id), shown at once with its state, and sent with `sync_op` whenever the
//! browser is online.
//!
//! Invariants, and why they hold:
//! - **Nothing is lost**: a record is written to IndexedDB before it is sent, and it
//!   leaves the queue only as `Synced` (the server has it), or when the rep discards a
//!   `Conflict` or an error. A network failure leaves it `Queued`.
//! - **Each op is applied once**: its client id (a UUID v4 made here) goes with every
//!   send, and the server answers a repeat with the first write (`Replayed`, which counts
//!   as synced). In this tab one sender runs at a time (`FLUSHING`), in creation order,
//!   so an op is not even sent twice concurrently; resending after a lost answer is safe.
//! - **A conflict is shown, never dropped**: `Conflict` stays on the list until the rep
//!   keeps it on the customer's log (resent with `keep_if_closed`, same client id: the
//!   server wrote nothing for a conflict) or discards it.
//! - **A write goes with the session that made it**: each record names its user; the
//!   queue shows and sends only the signed-in user's records, so on a shared phone one
//!   rep's unsent writes are never sent under (or shown to) the next rep; they wait for
//!   their author to sign in again.
//! - Browser APIs are touched only after hydration (`provide_queue`'s effect, event
//!   handlers); the server renders an empty list and an online page.
//!
//! The decisions (`settle`, `send_order`, `uuid_v4`) are pure and unit-tested; the
//! browser glue around them is thin.
// The sender runs in the browser; the server build only compiles (and tests) it.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]
use super::I18n;
use crate::domain::collections::{Op, OpBody, OpOutcome, TaskStatus};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a queued write stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpState {
    Queued,
    Synced,
    Conflict,
    Invalid,
}

impl OpState {
    pub fn as_str(self) -> &'static str {
        match self {
            OpState::Queued => "queued",
            OpState::Synced => "synced",
            OpState::Conflict => "conflict",
            OpState::Invalid => "invalid",
        }
    }
}

/// One record of the `ops` store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedOp {
    pub client_id: String,
    /// The username that recorded it; only their session sends it.
    #[serde(default)]
    pub user: String,
    pub op: Op,
    pub state: OpState,
    /// The server's messages when `Invalid`.
    #[serde(default)]
    pub error: Option<String>,
    /// The task's status when `Conflict`.
    #[serde(default)]
    pub closed: Option<TaskStatus>,
    /// Milliseconds since the epoch when recorded, strictly increasing in one tab: the
    /// send order.
    pub created: f64,
}

/// What the sender does after one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The record changed: store it and go on with the next.
    Continue,
    /// The network (or the session) is gone: keep it queued and stop for now.
    Stop,
}

/// Applies the server's answer to a record.
pub fn settle(rec: &mut QueuedOp, answer: Result<OpOutcome, AppError>) -> Next {
    match answer {
        Ok(OpOutcome::Applied { .. } | OpOutcome::Replayed { .. }) => {
            rec.state = OpState::Synced;
            rec.error = None;
            rec.closed = None;
        }
        Ok(OpOutcome::Conflict { status }) => {
            rec.state = OpState::Conflict;
            rec.closed = Some(status);
        }
        Ok(OpOutcome::Invalid(errors)) => {
            rec.state = OpState::Invalid;
            rec.error = Some(
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        // Offline, a dropped connection, or a session that ran out: the same op goes
        // again later (the server dedupes it if it did arrive).
        Err(AppError::Request(_) | AppError::Unauthenticated) => return Next::Stop,
        Err(e) => {
            rec.state = OpState::Invalid;
            rec.error = Some(e.to_string());
        }
    }
    Next::Continue
}

/// The client ids of `user`'s queued records, oldest first.
pub fn send_order(records: &[QueuedOp], user: &str) -> Vec<String> {
    let mut queued: Vec<&QueuedOp> = records
        .iter()
        .filter(|r| r.state == OpState::Queued && r.user == user)
        .collect();
    queued.sort_by(|a, b| {
        a.created
            .total_cmp(&b.created)
            .then_with(|| a.client_id.cmp(&b.client_id))
    });
    queued.into_iter().map(|r| r.client_id.clone()).collect()
}

/// A UUID version 4 (RFC 9562) from 16 random bytes: 36 characters of hex and '-', a
/// valid `ClientId`.
pub fn uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The queue as the pages see it.
#[derive(Clone, Copy)]
pub struct Queue {
    /// The `ops` store's records (mirrored; IndexedDB is the truth across reloads).
    pub records: RwSignal<Vec<QueuedOp>>,
    /// `navigator.onLine`, kept current by the window's online/offline events.
    pub online: RwSignal<bool>,
    /// Counts syncs; pages that show a log refetch when it moves.
    pub synced: RwSignal<u64>,
    /// After hydration, once the signed-in user is known: the queue works (forms are
    /// enabled).
    pub live: RwSignal<bool>,
    /// The signed-in username (empty until known).
    pub me: RwSignal<String>,
}

impl Queue {
    /// Whether a record is the signed-in user's (tracked).
    pub fn mine(&self, r: &QueuedOp) -> bool {
        self.me.with(|me| !me.is_empty() && r.user == *me)
    }
}

/// The signed-in user as the app shell reads it once.
pub type Viewer = OnceResource<Result<Option<crate::domain::auth::User>, AppError>>;

/// The queue of this page, provided by the app shell (pages outside it get an idle one).
pub fn use_queue() -> Queue {
    use_context::<Queue>().unwrap_or_else(|| {
        let q = idle();
        provide_context(q);
        q
    })
}

fn idle() -> Queue {
    Queue {
        records: RwSignal::new(Vec::new()),
        online: RwSignal::new(true),
        synced: RwSignal::new(0),
        live: RwSignal::new(false),
        me: RwSignal::new(String::new()),
    }
}

/// Creates the queue, and after hydration: learns who is signed in, reads IndexedDB,
/// follows online/offline, and sends what is queued now and whenever the network
/// returns.
pub fn provide_queue(viewer: Viewer) -> Queue {
    let q = idle();
    provide_context(q);
    #[cfg(feature = "hydrate")]
    browser::start(q, viewer);
    #[cfg(not(feature = "hydrate"))]
    let _ = viewer;
    q
}

/// Records a write: into IndexedDB, onto the list, then sent if online.
pub fn enqueue(q: Queue, op: Op) {
    #[cfg(feature = "hydrate")]
    {
        let user = q.me.get_untracked();
        if user.is_empty() {
            return;
        }
        let rec = QueuedOp {
            client_id: op.client_id.to_string(),
            user,
            op,
            state: OpState::Queued,
            error: None,
            closed: None,
            created: browser::stamp(),
        };
        q.records.update(|r| r.push(rec.clone()));
        leptos::task::spawn_local(async move {
            if let Err(e) = browser::idb::put(&rec).await {
                leptos::logging::warn!("offline queue: {e}");
            }
            browser::flush(q);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (q, op);
}

/// A fresh client id for one write.
pub fn client_id() -> crate::domain::collections::ClientId {
    #[cfg(feature = "hydrate")]
    let bytes = browser::random_bytes();
    #[cfg(not(feature = "hydrate"))]
    let bytes = [0u8; 16];
    crate::domain::collections::ClientId::parse(&uuid_v4(bytes)).expect("a UUID is a client id")
}

/// Changes one record (by client id) in IndexedDB and on the list, then flushes.
fn update(q: Queue, client_id: String, change: impl FnOnce(&mut QueuedOp) + 'static) {
    let Some(mut rec) = q
        .records
        .with_untracked(|r| r.iter().find(|r| r.client_id == client_id).cloned())
    else {
        return;
    };
    change(&mut rec);
    q.records.update(|r| {
        if let Some(x) = r.iter_mut().find(|x| x.client_id == client_id) {
            *x = rec.clone();
        }
    });
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        if let Err(e) = browser::idb::put(&rec).await {
            leptos::logging::warn!("offline queue: {e}");
        }
        browser::flush(q);
    });
}

/// The rep keeps a conflicting write on the customer's log although its task is closed.
pub fn keep(q: Queue, client_id: String) {
    update(q, client_id, |r| {
        r.op.keep_if_closed = true;
        r.state = OpState::Queued;
        r.closed = None;
    });
}

/// Sends a failed write again.
pub fn retry(q: Queue, client_id: String) {
    update(q, client_id, |r| {
        r.state = OpState::Queued;
        r.error = None;
    });
}

/// Drops a conflicting or failed write.
pub fn discard(q: Queue, client_id: String) {
    q.records.update(|r| r.retain(|x| x.client_id != client_id));
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        if let Err(e) = browser::idb::delete(&client_id).await {
            leptos::logging::warn!("offline queue: {e}");
        }
    });
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::{send_order, settle, Next, OpState, Queue};
    use leptos::prelude::*;
    use std::cell::Cell;
    use web_sys::js_sys;

    thread_local! {
        static FLUSHING: Cell<bool> = const { Cell::new(false) };
        static AGAIN: Cell<bool> = const { Cell::new(false) };
        static LAST_STAMP: Cell<f64> = const { Cell::new(0.0) };
    }

    /// Synced records older than this leave the list on the next load.
    const KEEP_SYNCED_MS: f64 = 24.0 * 3600.0 * 1000.0;

    pub fn on_line() -> bool {
        web_sys::window()
            .map(|w| w.navigator().on_line())
            .unwrap_or(true)
    }

    /// Now in ms, strictly after the previous stamp of this tab.
    pub fn stamp() -> f64 {
        let now = js_sys::Date::now();
        LAST_STAMP.with(|l| {
            let t = if now > l.get() { now } else { l.get() + 1.0 };
            l.set(t);
            t
        })
    }

    pub fn random_bytes() -> [u8; 16] {
        let mut b = [0u8; 16];
        let ok = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .is_some_and(|c| c.get_random_values_with_u8_array(&mut b).is_ok());
        if !ok {
            for x in &mut b {
                *x = (js_sys::Math::random() * 256.0) as u8;
            }
        }
        b
    }

    pub fn start(q: Queue, viewer: super::Viewer) {
        let online = window_event_listener(leptos::ev::online, move |_| {
            q.online.set(true);
            flush(q);
        });
        let offline = window_event_listener(leptos::ev::offline, move |_| q.online.set(false));
        on_cleanup(move || {
            online.remove();
            offline.remove();
        });
        Effect::new(move |_| {
            q.online.set(on_line());
            leptos::task::spawn_local(async move {
                let me = viewer
                    .await
                    .ok()
                    .flatten()
                    .map(|u| u.username)
                    .unwrap_or_default();
                q.me.set(me.clone());
                q.live.set(!me.is_empty());
                match idb::all().await {
                    Ok(mut all) => {
                        let cutoff = js_sys::Date::now() - KEEP_SYNCED_MS;
                        for old in all
                            .iter()
                            .filter(|r| r.state == OpState::Synced && r.created < cutoff)
                        {
                            let _ = idb::delete(&old.client_id).await;
                        }
                        all.retain(|r| !(r.state == OpState::Synced && r.created < cutoff));
                        all.sort_by(|a, b| a.created.total_cmp(&b.created));
                        // Anything recorded while IndexedDB was being read stays too.
                        q.records.update(|r| {
                            let fresh: Vec<_> = r
                                .drain(..)
                                .filter(|x| !all.iter().any(|a| a.client_id == x.client_id))
                                .collect();
                            all.extend(fresh);
                            *r = all;
                        });
                    }
                    Err(e) => leptos::logging::warn!("offline queue: {e}"),
                }
                flush(q);
            });
        });
    }

    /// Sends every queued record, oldest first, if online; one sender at a time (a call
    /// while it runs makes it go round once more).
    pub fn flush(q: Queue) {
        if FLUSHING.get() {
            AGAIN.set(true);
            return;
        }
        FLUSHING.set(true);
        leptos::task::spawn_local(async move {
            loop {
                AGAIN.set(false);
                send_all(q).await;
                if !AGAIN.get() {
                    break;
                }
            }
            FLUSHING.set(false);
        });
    }

    async fn send_all(q: Queue) {
        let me = q.me.get_untracked();
        for id in send_order(&q.records.get_untracked(), &me) {
            if !on_line() {
                q.online.set(false);
                return;
            }
            let Some(mut rec) = q.records.with_untracked(|r| {
                r.iter()
                    .find(|r| r.client_id == id && r.state == OpState::Queued)
                    .cloned()
            }) else {
                continue;
            };
            let answer = crate::api::collections::sync_op(rec.op.clone()).await;
            if settle(&mut rec, answer) == Next::Stop {
                return;
            }
            if let Err(e) = idb::put(&rec).await {
                leptos::logging::warn!("offline queue: {e}");
            }
            let synced = rec.state == OpState::Synced;
            q.records.update(|r| {
                if let Some(x) = r.iter_mut().find(|x| x.client_id == rec.client_id) {
                    *x = rec;
                }
            });
            if synced {
                q.synced.update(|n| *n += 1);
            }
        }
    }

    /// IndexedDB, one request per transaction (so no transaction outlives an await).
    pub mod idb {
        use super::super::QueuedOp;
        use std::cell::RefCell;
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::{JsCast, JsValue};
        use web_sys::js_sys;
        use web_sys::{
            IdbDatabase, IdbObjectStoreParameters, IdbOpenDbRequest, IdbRequest, IdbTransaction,
            IdbTransactionMode,
        };

        const DB: &str = "creditdesk";
        const STORE: &str = "ops";
        const VERSION: u32 = 1;

        thread_local! {
            static OPEN: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
        }

        fn js(e: JsValue) -> String {
            e.as_string().unwrap_or_else(|| format!("{e:?}"))
        }

        /// Resolves on the request's success with its result.
        async fn request(req: &IdbRequest) -> Result<JsValue, String> {
            let promise = js_sys::Promise::new(&mut |resolve, reject| {
                let r = req.clone();
                let ok = Closure::once_into_js(move || {
                    let _ =
                        resolve.call1(&JsValue::NULL, &r.result().unwrap_or(JsValue::UNDEFINED));
                });
                let bad = Closure::once_into_js(move || {
                    let _ = reject.call1(
                        &JsValue::NULL,
                        &JsValue::from_str("IndexedDB request failed"),
                    );
                });
                req.set_onsuccess(Some(ok.unchecked_ref()));
                req.set_onerror(Some(bad.unchecked_ref()));
            });
            wasm_bindgen_futures::JsFuture::from(promise)
                .await
                .map_err(js)
        }

        /// Resolves when the transaction has committed.
        async fn committed(tx: &IdbTransaction) -> Result<(), String> {
            let promise = js_sys::Promise::new(&mut |resolve, reject| {
                let ok = Closure::once_into_js(move || {
                    let _ = resolve.call0(&JsValue::NULL);
                });
                let reject2 = reject.clone();
                let bad = Closure::once_into_js(move || {
                    let _ = reject.call1(
                        &JsValue::NULL,
                        &JsValue::from_str("IndexedDB transaction failed"),
                    );
                });
                let aborted = Closure::once_into_js(move || {
                    let _ = reject2.call1(
                        &JsValue::NULL,
                        &JsValue::from_str("IndexedDB transaction aborted"),
                    );
                });
                tx.set_oncomplete(Some(ok.unchecked_ref()));
                tx.set_onerror(Some(bad.unchecked_ref()));
                tx.set_onabort(Some(aborted.unchecked_ref()));
            });
            wasm_bindgen_futures::JsFuture::from(promise)
                .await
                .map(|_| ())
                .map_err(js)
        }

        async fn db() -> Result<IdbDatabase, String> {
            if let Some(db) = OPEN.with(|o| o.borrow().clone()) {
                return Ok(db);
            }
            let factory = web_sys::window()
                .ok_or("no window")?
                .indexed_db()
                .map_err(js)?
                .ok_or("no IndexedDB")?;
            let req: IdbOpenDbRequest = factory.open_with_u32(DB, VERSION).map_err(js)?;
            let upgrade = Closure::<dyn FnMut(web_sys::IdbVersionChangeEvent)>::new(
                move |ev: web_sys::IdbVersionChangeEvent| {
                    let Some(req) = ev
                        .target()
                        .and_then(|t| t.dyn_into::<IdbOpenDbRequest>().ok())
                    else {
                        return;
                    };
                    if let Ok(db) = req.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
                        let params = IdbObjectStoreParameters::new();
                        params.set_key_path(&JsValue::from_str("client_id"));
                        let _ = db.create_object_store_with_optional_parameters(STORE, &params);
                    }
                },
            );
            req.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
            let opened = request(&req).await;
            drop(upgrade);
            let db: IdbDatabase = opened?.dyn_into().map_err(js)?;
            OPEN.with(|o| *o.borrow_mut() = Some(db.clone()));
            Ok(db)
        }

        pub async fn put(rec: &QueuedOp) -> Result<(), String> {
            let db = db().await?;
            let tx = db
                .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
                .map_err(js)?;
            let value =
                js_sys::JSON::parse(&serde_json::to_string(rec).map_err(|e| e.to_string())?)
                    .map_err(js)?;
            tx.object_store(STORE)
                .map_err(js)?
                .put(&value)
                .map_err(js)?;
            committed(&tx).await
        }

        pub async fn delete(client_id: &str) -> Result<(), String> {
            let db = db().await?;
            let tx = db
                .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
                .map_err(js)?;
            tx.object_store(STORE)
                .map_err(js)?
                .delete(&JsValue::from_str(client_id))
                .map_err(js)?;
            committed(&tx).await
        }

        /// Every record; one that no longer parses (an older shape) is skipped.
        pub async fn all() -> Result<Vec<QueuedOp>, String> {
            let db = db().await?;
            let tx = db
                .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readonly)
                .map_err(js)?;
            let req = tx.object_store(STORE).map_err(js)?.get_all().map_err(js)?;
            let value = request(&req).await?;
            let array: js_sys::Array = value.dyn_into().map_err(js)?;
            Ok(array
                .iter()
                .filter_map(|v| js_sys::JSON::stringify(&v).ok().and_then(|s| s.as_string()))
                .filter_map(|s| serde_json::from_str::<QueuedOp>(&s).ok())
                .collect())
        }
    }
}

// ------------------------------------------------------------------ views

fn state_label(i18n: I18n, s: OpState) -> String {
    match s {
        OpState::Queued => t_string!(i18n, collections.st_queued),
        OpState::Synced => t_string!(i18n, collections.st_synced),
        OpState::Conflict => t_string!(i18n, collections.st_conflict),
        OpState::Invalid => t_string!(i18n, collections.st_error),
    }
    .to_string()
}

/// One line saying what a queued write is.
fn summary(i18n: I18n, body: &OpBody) -> String {
    use crate::domain::collections::{Channel, DisputeCategory, Outcome};
    match body {
        OpBody::Contact(c) => {
            let ch = Channel::parse(&c.channel)
                .map(|c| super::channel_label(i18n, c))
                .unwrap_or_else(|| c.channel.clone());
            let oc = Outcome::parse(&c.outcome)
                .map(|o| super::outcome_label(i18n, o))
                .unwrap_or_else(|| c.outcome.clone());
            let notes = if c.notes.trim().is_empty() {
                String::new()
            } else {
                format!(" · {}", c.notes.trim())
            };
            format!("{ch} · {oc}{notes}")
        }
        OpBody::Promise(p) => t_string!(
            i18n,
            collections.op_promise,
            amount = p.amount.trim().to_string(),
            date = p.due_on.clone()
        )
        .to_string(),
        OpBody::Dispute(d) => {
            let cat = DisputeCategory::parse(&d.category)
                .map(|c| super::category_label(i18n, c))
                .unwrap_or_else(|| d.category.clone());
            format!("{cat} · {}", d.reason.trim())
        }
    }
}

fn kind_title(i18n: I18n, body: &OpBody) -> String {
    match body {
        OpBody::Contact(_) => t_string!(i18n, collections.lk_contact),
        OpBody::Promise(_) => t_string!(i18n, collections.lk_promise),
        OpBody::Dispute(_) => t_string!(i18n, collections.lk_dispute),
    }
    .to_string()
}

/// The "Pending sync" list: this task's queued writes with their state, and a way out of
/// a conflict or an error. Empty (and absent) until the queue is read after hydration.
#[component]
pub fn PendingList(task_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let q = use_queue();
    let mine = Memo::new(move |_| {
        q.records.with(|r| {
            r.iter()
                .filter(|x| x.op.task_id == task_id && q.mine(x))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let item = move |r: QueuedOp| {
        let id = r.client_id.clone();
        let (id_keep, id_discard, id_retry) = (id.clone(), id.clone(), id.clone());
        let state = r.state;
        let detail = match state {
            OpState::Conflict => {
                let status = r
                    .closed
                    .map(|s| super::task_status_label(i18n, s))
                    .unwrap_or_default();
                Some(t_string!(i18n, collections.conflict_hint, status = status).to_string())
            }
            OpState::Invalid => r.error.clone(),
            OpState::Queued => Some(t_string!(i18n, collections.queued_hint).to_string()),
            OpState::Synced => None,
        };
        view! {
            <li class=format!("pending-op op-{}", state.as_str()) data-testid="pending-op" data-state=state.as_str() data-client-id=id.clone()>
                <div class="pending-head">
                    <span class="pending-kind">{kind_title(i18n, &r.op.body)}</span>
                    <span class=format!("badge op-chip op-chip-{}", state.as_str()) data-testid="op-state">{state_label(i18n, state)}</span>
                </div>
                <p class="pending-text">{summary(i18n, &r.op.body)}</p>
                {detail.map(|d| view! { <p class="pending-detail small">{d}</p> })}
                {(state == OpState::Conflict).then(|| view! {
                    <div class="pending-actions">
                        <button type="button" class="btn btn-primary" data-testid="op-keep" on:click=move |_| keep(q, id_keep.clone())>{t!(i18n, collections.keep_on_log)}</button>
                        <button type="button" class="btn" data-testid="op-discard" on:click=move |_| discard(q, id_discard.clone())>{t!(i18n, collections.discard)}</button>
                    </div>
                })}
                {(state == OpState::Invalid).then(|| {
                    let id_discard = id.clone();
                    view! {
                        <div class="pending-actions">
                            <button type="button" class="btn" data-testid="op-retry" on:click=move |_| retry(q, id_retry.clone())>{t!(i18n, collections.retry)}</button>
                            <button type="button" class="btn" data-testid="op-discard" on:click=move |_| discard(q, id_discard.clone())>{t!(i18n, collections.discard)}</button>
                        </div>
                    }
                })}
            </li>
        }
    };
    view! {
        <Show when=move || !mine.with(|m| m.is_empty())>
            <section class="card pending-card" data-testid="pending-list">
                <h2>{t!(i18n, collections.pending_title)}</h2>
                <ul class="pending-list">
                    <For each=move || mine.get() key=|r| (r.client_id.clone(), r.state, r.op.keep_if_closed) children=item />
                </ul>
            </section>
        </Show>
    }
}

/// Shown while the browser is offline: writes still work, they wait in the queue.
#[component]
pub fn OfflineBanner() -> impl IntoView {
    let i18n = use_i18n();
    let q = use_queue();
    let waiting = move || {
        q.records.with(|r| {
            r.iter()
                .filter(|x| x.state == OpState::Queued && q.mine(x))
                .count()
        })
    };
    view! {
        <Show when=move || !q.online.get()>
            <div class="offline-banner" role="status" data-testid="offline-banner">
                <strong>{t!(i18n, collections.offline_title)}</strong>
                <span>{move || t_string!(i18n, collections.offline_hint, n = waiting()).to_string()}</span>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::collections::{ClientId, ContactDraft};
    use crate::domain::documents::FieldError;

    fn rec(id: &str, created: f64, state: OpState) -> QueuedOp {
        QueuedOp {
            client_id: id.into(),
            user: "li.na".into(),
            op: Op {
                client_id: ClientId::parse(&format!("{id}-0000000")).unwrap(),
                task_id: 1,
                body: OpBody::Contact(ContactDraft {
                    channel: "call".into(),
                    outcome: "reached".into(),
                    notes: String::new(),
                    next_action_on: String::new(),
                }),
                keep_if_closed: false,
            },
            state,
            error: None,
            closed: None,
            created,
        }
    }

    #[test]
    fn only_the_users_queued_records_are_sent_oldest_first() {
        let mut other = rec("f", 1.0, OpState::Queued);
        other.user = "wang.qiang".into();
        let records = vec![
            rec("c", 30.0, OpState::Queued),
            rec("a", 10.0, OpState::Synced),
            rec("b", 20.0, OpState::Queued),
            rec("d", 5.0, OpState::Conflict),
            rec("e", 20.0, OpState::Queued),
            other,
        ];
        assert_eq!(send_order(&records, "li.na"), vec!["b", "e", "c"]);
        // Another rep's writes wait for their own session.
        assert_eq!(send_order(&records, "wang.qiang"), vec!["f"]);
        assert!(send_order(&records, "").is_empty());
    }

    #[test]
    fn answers_move_a_record_to_its_state() {
        let cases: Vec<(Result<OpOutcome, AppError>, OpState, Next)> = vec![
            (
                Ok(OpOutcome::Applied { id: 7 }),
                OpState::Synced,
                Next::Continue,
            ),
            (
                Ok(OpOutcome::Replayed { id: 7 }),
                OpState::Synced,
                Next::Continue,
            ),
            (
                Ok(OpOutcome::Conflict {
                    status: TaskStatus::Done,
                }),
                OpState::Conflict,
                Next::Continue,
            ),
            (
                Ok(OpOutcome::Invalid(vec![FieldError::new(
                    "amount",
                    "must be more than zero",
                )])),
                OpState::Invalid,
                Next::Continue,
            ),
            (
                Err(AppError::Request("offline".into())),
                OpState::Queued,
                Next::Stop,
            ),
            (Err(AppError::Unauthenticated), OpState::Queued, Next::Stop),
            (Err(AppError::Forbidden), OpState::Invalid, Next::Continue),
        ];
        for (answer, state, next) in cases {
            let mut r = rec("x", 1.0, OpState::Queued);
            let label = format!("{answer:?}");
            assert_eq!(settle(&mut r, answer), next, "{label}");
            assert_eq!(r.state, state, "{label}");
        }
        let mut r = rec("x", 1.0, OpState::Queued);
        settle(
            &mut r,
            Ok(OpOutcome::Conflict {
                status: TaskStatus::Cancelled,
            }),
        );
        assert_eq!(r.closed, Some(TaskStatus::Cancelled));
        let mut r = rec("x", 1.0, OpState::Queued);
        settle(
            &mut r,
            Ok(OpOutcome::Invalid(vec![FieldError::new(
                "amount",
                "must be more than zero",
            )])),
        );
        assert!(
            r.error.as_deref().is_some_and(|e| e.contains("amount")),
            "{:?}",
            r.error
        );
    }

    #[test]
    fn uuids_are_version_4_client_ids() {
        for bytes in [[0u8; 16], [0xff; 16], [0x5a; 16]] {
            let u = uuid_v4(bytes);
            assert_eq!(u.len(), 36);
            assert_eq!(&u[14..15], "4", "{u}");
            assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
            assert!(ClientId::parse(&u).is_ok(), "{u}");
        }
        assert_ne!(uuid_v4([1; 16]), uuid_v4([2; 16]));
    }

    #[test]
    fn a_record_survives_the_json_round_trip_through_indexeddb() {
        let mut r = rec("abc", 1_700_000_000_123.0, OpState::Conflict);
        r.closed = Some(TaskStatus::Done);
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"client_id\":\"abc\""), "{json}");
        assert_eq!(serde_json::from_str::<QueuedOp>(&json).unwrap(), r);
    }
}
