//! Crash safety: the real `creditdesk` binary is killed with SIGKILL in the middle of
//! its work — once during a large CSV import, once while eight API clients are posting
//! payments — and the database is then reopened, on SQLite (a WAL file, as the app
//! configures it) and on PostgreSQL when TEST_DATABASE_URL is set.
//!
//! Why: every ledger write is meant to be one transaction that carries its derived
//! balances and its audit rows, and an import is meant to be all or nothing. Unit tests
//! cannot show that; only killing a process that really holds an open transaction can.
//! What the tests prove after each kill:
//! - nothing committed is lost: earlier imports, and every payment the server answered
//!   201, are there with exactly the allocations it reported;
//! - nothing half-written remains: none of the killed import's rows or audit rows
//!   exist, no payment exists without its allocations, balances and audit row, and no
//!   refused request left anything behind;
//! - the invariants hold: maintained balances equal a recomputation from the entries,
//!   no invoice is over-allocated, every document has exactly one audit row, the audit
//!   head is the chain's last row and `creditdesk audit verify` passes;
//! - the work can resume: the same import re-run completes with every row exactly once,
//!   and the restarted server answers /healthz and posts new payments.
//!
//! The kill is not timed by a guess: the test watches the database until the child is
//! provably inside its write transaction (1 MiB of uncommitted rows already on disk:
//! the SQLite WAL file, or the PostgreSQL `invoices` heap under the child's row lock,
//! has grown that much), then kills it and checks it died of the signal. An import that
//! finishes first is retried with twice the rows; the test fails if it never catches
//! one.
//!
//! After the restart, every request the kill cut off is retried with its
//! Idempotency-Key, as an ERP would: one that had committed is replayed (201, marked
//! `Idempotent-Replayed`), never posted twice, because its response committed with it.
mod common;

use app::domain::customer::{Contact, CustomerCode, CustomerStatus, NewCustomer};
use app::domain::money::{Currency, Money};
use app::store::NewInvoice;
use chrono::NaiveDate;
use common::{test_now, TestDb};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SIGKILL: i32 = 9;
/// Uncommitted data the child must have written before it is killed.
const MID_TRANSACTION_BYTES: i64 = 1 << 20;
const API_KEY: &str = "cdk_crash_test_key";

// ------------------------------------------------------------------------------------
// Processes
// ------------------------------------------------------------------------------------

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_creditdesk"));
    c.env("CREDITDESK_LOG", "warn")
        .env_remove("DATABASE_URL")
        .env(
            "CREDITDESK_MASTER_KEY",
            "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=",
        );
    c
}

/// A child `creditdesk` whose stderr goes to a file; killed if the test panics.
struct Proc {
    child: Child,
    log: PathBuf,
}

impl Proc {
    fn spawn(mut cmd: Command, log: PathBuf) -> Proc {
        let err = std::fs::File::create(&log).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .unwrap();
        Proc { child, log }
    }

    /// SIGKILL (what `Child::kill` sends on unix), then reap.
    fn sigkill(&mut self) -> ExitStatus {
        self.child.kill().unwrap();
        self.child.wait().unwrap()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a short `creditdesk` command to completion off the async workers.
async fn run(url: &str, args: &[&str]) -> std::process::Output {
    let (url, args) = (
        url.to_string(),
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    );
    tokio::task::spawn_blocking(move || {
        bin()
            .args(&args)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

async fn run_ok(url: &str, args: &[&str]) -> String {
    let out = run(url, args).await;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "creditdesk {args:?} failed: {stderr}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

fn assert_killed(status: ExitStatus, what: &str) {
    assert_eq!(
        status.signal(),
        Some(SIGKILL),
        "{what} must die of SIGKILL, not exit by itself: {status:?}"
    );
}

// ------------------------------------------------------------------------------------
// Raw SQL on either backend (the invariants need tables the Store does not expose)
// ------------------------------------------------------------------------------------

enum Raw {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

impl Raw {
    async fn open(url: &str) -> Raw {
        if url.starts_with("sqlite:") {
            Raw::Sqlite(sqlx::SqlitePool::connect(url).await.unwrap())
        } else {
            Raw::Pg(sqlx::PgPool::connect(url).await.unwrap())
        }
    }

    /// The first column of every row, as integers.
    async fn ints(&self, sql: &str) -> Vec<i64> {
        let rows: Vec<(i64,)> = match self {
            Raw::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await,
            Raw::Pg(p) => sqlx::query_as(sql).fetch_all(p).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.into_iter().map(|r| r.0).collect()
    }

    async fn int(&self, sql: &str) -> i64 {
        self.ints(sql)
            .await
            .first()
            .copied()
            .unwrap_or_else(|| panic!("{sql}: no row"))
    }

    async fn triples(&self, sql: &str) -> Vec<(String, String, i64)> {
        match self {
            Raw::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await,
            Raw::Pg(p) => sqlx::query_as(sql).fetch_all(p).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    async fn close(self) {
        match self {
            Raw::Sqlite(p) => p.close().await,
            Raw::Pg(p) => p.close().await,
        }
    }
}

/// Every invariant the ledger promises after any crash; panics naming the first broken one.
async fn assert_ledger_consistent(db: &TestDb, raw: &Raw) {
    const MUST_BE_ZERO: &[(&str, &str)] = &[
        ("invoices without a balance row", "SELECT COUNT(*) FROM invoices i WHERE NOT EXISTS (SELECT 1 FROM invoice_balances b WHERE b.invoice_id = i.id)"),
        ("invoice balances under the wrong customer", "SELECT COUNT(*) FROM invoice_balances b JOIN invoices i ON i.id = b.invoice_id WHERE b.customer_id <> i.customer_id"),
        (
            "invoices whose open amount is not amount − allocations",
            "SELECT COUNT(*) FROM invoices i JOIN invoice_balances b ON b.invoice_id = i.id \
             WHERE b.open_minor <> i.amount_minor - COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a WHERE a.invoice_id = i.id), 0)",
        ),
        ("over-allocated invoices or negative open amounts", "SELECT COUNT(*) FROM invoices i JOIN invoice_balances b ON b.invoice_id = i.id WHERE b.open_minor < 0 OR b.open_minor > i.amount_minor"),
        (
            "payments allocating more than their amount",
            "SELECT COUNT(*) FROM payments p WHERE COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a WHERE a.payment_id = p.id), 0) > p.amount_minor",
        ),
        ("allocations to another customer's invoice", "SELECT COUNT(*) FROM allocations a JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id WHERE p.customer_id <> i.customer_id"),
        ("customers without a balance row", "SELECT COUNT(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM customer_balances b WHERE b.customer_id = c.id)"),
        (
            "customers without exactly one audit row",
            "SELECT COUNT(*) FROM customers c WHERE (SELECT COUNT(*) FROM audit_log l WHERE l.entity = 'customer' AND l.action = 'create' AND l.entity_key = c.code) <> 1",
        ),
        (
            "invoices without exactly one audit row",
            "SELECT COUNT(*) FROM invoices i WHERE (SELECT COUNT(*) FROM audit_log l WHERE l.entity = 'invoice' AND l.action = 'post' AND l.entity_key = i.number) <> 1",
        ),
        (
            "payments without exactly one audit row",
            "SELECT COUNT(*) FROM payments p WHERE (SELECT COUNT(*) FROM audit_log l WHERE l.entity = 'payment' AND l.action = 'post' AND l.entity_key = p.reference) <> 1",
        ),
        (
            "audit rows of documents that do not exist",
            "SELECT COUNT(*) FROM audit_log l WHERE \
               (l.entity = 'customer' AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.code = l.entity_key)) \
            OR (l.entity = 'invoice' AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.number = l.entity_key)) \
            OR (l.entity = 'payment' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.reference = l.entity_key))",
        ),
        (
            "audit head not on the chain's last row",
            "SELECT COUNT(*) FROM audit_head h WHERE h.last_id <> (SELECT COALESCE(MAX(id), 0) FROM audit_log) \
             OR h.last_id <> (SELECT COUNT(*) FROM audit_log) \
             OR h.last_hash <> COALESCE((SELECT l.hash FROM audit_log l WHERE l.id = h.last_id), h.last_hash)",
        ),
    ];
    for (what, sql) in MUST_BE_ZERO {
        assert_eq!(raw.int(sql).await, 0, "{what}");
    }
    if let Raw::Sqlite(p) = raw {
        let check: (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(p)
            .await
            .unwrap();
        assert_eq!(check.0, "ok", "SQLite integrity_check");
        assert!(
            sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(p)
                .await
                .unwrap()
                .is_empty(),
            "SQLite foreign_key_check"
        );
    }
    // Through the Store, as the app reads them: maintained balances = recomputation.
    let store = db.store().await;
    let far = NaiveDate::from_ymd_opt(2100, 1, 1).unwrap();
    for id in raw.ints("SELECT id FROM customers ORDER BY id").await {
        let kept = store.credit_position(id, far).await.unwrap().exposure;
        assert_eq!(
            kept,
            store.recomputed_exposure(id, far).await.unwrap(),
            "customer {id}: maintained balances vs entries"
        );
    }
    let v = store.verify_audit().await.unwrap();
    assert_eq!(v.first_broken, None, "audit chain");
    assert_eq!(
        v.rows as i64,
        raw.int("SELECT COUNT(*) FROM audit_log").await
    );
}

// ------------------------------------------------------------------------------------
// 1. SIGKILL during an import
// ------------------------------------------------------------------------------------

/// What the database shows of the child's open write transaction.
enum Watch {
    /// Size of the SQLite WAL file.
    Wal(PathBuf),
    /// Size of the PostgreSQL `invoices` heap, and whether another backend holds a row lock on it.
    PgHeap,
}

impl Watch {
    fn for_db(url: &str) -> Watch {
        match url.strip_prefix("sqlite://") {
            Some(path) => Watch::Wal(PathBuf::from(format!("{path}-wal"))),
            None => Watch::PgHeap,
        }
    }

    /// Bytes written so far (WAL or heap) and whether someone else is mid-write on invoices.
    async fn sample(&self, raw: &Raw) -> (i64, bool) {
        match self {
            // Only a writer grows the WAL; frames of an open transaction land there when
            // its page cache spills, long before the commit frame.
            Watch::Wal(p) => (
                std::fs::metadata(p).map(|m| m.len() as i64).unwrap_or(0),
                true,
            ),
            Watch::PgHeap => {
                let size = raw.int("SELECT pg_relation_size('invoices')").await;
                let locked = raw
                    .int(
                        "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
                         WHERE c.relname = 'invoices' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid() \
                           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                    )
                    .await;
                (size, locked > 0)
            }
        }
    }
}

const CUSTOMERS: usize = 20;

fn invoices_csv(prefix: &str, rows: usize) -> (String, i64) {
    let mut s = String::from("number,customer_code,invoice_date,amount\n");
    let mut total = 0i64;
    for i in 0..rows {
        let minor = (100 + (i * 7919) % 9000) as i64 * 100 + (i % 100) as i64;
        total += minor;
        s.push_str(&format!(
            "{prefix}{i:06},C-{:02},2026-03-{:02},{}.{:02}\n",
            i % CUSTOMERS,
            1 + i % 28,
            minor / 100,
            minor % 100
        ));
    }
    (s, total)
}

async fn import_crash(db: &TestDb) {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    let file = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_string()
    };

    // Committed before the crash: customers, 200 invoices and 50 FIFO payments.
    let mut customers = String::from("code,name,uscc,payment_terms_days,credit_limit\n");
    for c in 0..CUSTOMERS {
        customers.push_str(&format!("C-{c:02},经销商{c},,30,5000000\n"));
    }
    run_ok(
        &url,
        &["import", "customers", &file("customers.csv", &customers)],
    )
    .await;
    let (pre, pre_total) = invoices_csv("PRE-", 200);
    run_ok(&url, &["import", "invoices", &file("pre.csv", &pre)]).await;
    let mut pays = String::from("reference,customer_code,received_on,amount\n");
    for p in 0..50 {
        pays.push_str(&format!(
            "BANK-{p},C-{:02},2026-04-01,{}.50\n",
            p % CUSTOMERS,
            3_000 + p * 10
        ));
    }
    run_ok(&url, &["import", "payments", &file("pays.csv", &pays)]).await;

    let raw = Raw::open(&url).await;
    assert_ledger_consistent(db, &raw).await;
    let committed_allocations = raw.int("SELECT COUNT(*) FROM allocations").await;
    assert!(committed_allocations > 0);
    let watch = Watch::for_db(&url);

    // Import ever larger files until one is caught inside its write transaction.
    let mut rows = 30_000;
    let mut caught = None;
    for attempt in 0..3 {
        let prefix = format!("BIG{attempt}-");
        let (csv, total) = invoices_csv(&prefix, rows);
        let path = file(&format!("{prefix}invoices.csv"), &csv);
        let (base, _) = watch.sample(&raw).await;
        let mut cmd = bin();
        cmd.args(["import", "invoices", &path])
            .env("DATABASE_URL", &url);
        let mut child = Proc::spawn(cmd, dir.path().join(format!("{prefix}import.log")));
        let spawned = Instant::now();
        let mut grown = 0;
        let outcome = loop {
            if let Some(status) = child.child.try_wait().unwrap() {
                break Err(status);
            }
            let (size, writing) = watch.sample(&raw).await;
            grown = size - base;
            if writing && grown >= MID_TRANSACTION_BYTES {
                break Ok(child.sigkill());
            }
            assert!(
                spawned.elapsed() < Duration::from_secs(120),
                "import of {rows} rows neither finished nor wrote 1 MiB in 120 s"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        match outcome {
            Ok(status) => {
                assert_killed(status, "the import");
                eprintln!(
                    "crash: import of {rows} rows killed after {} ms with {} KiB uncommitted",
                    spawned.elapsed().as_millis(),
                    grown / 1024
                );
                caught = Some((prefix, path, rows, total));
                break;
            }
            Err(status) => {
                // Too quick to catch: it must at least have completed, and completely.
                assert!(
                    status.success(),
                    "import exited by itself with {status:?}: {}",
                    child.log()
                );
                assert_eq!(
                    raw.int(&format!(
                        "SELECT COUNT(*) FROM invoices WHERE number LIKE '{prefix}%'"
                    ))
                    .await,
                    rows as i64
                );
                eprintln!("crash: import of {rows} rows finished before it could be killed; retrying with {}", rows * 2);
                rows *= 2;
            }
        }
    }
    let Some((prefix, path, rows, total)) = caught else {
        panic!("no import was caught inside its transaction, up to {rows} rows: the test proved nothing");
    };

    // Reopen: recovery must leave exactly the committed state.
    let verify = run_ok(&url, &["audit", "verify"]).await;
    assert!(verify.contains("intact"), "{verify}");
    let like = |what: &str| format!("SELECT COUNT(*) FROM {what} '{prefix}%'");
    assert_eq!(
        raw.int(&like("invoices WHERE number LIKE")).await,
        0,
        "no invoice of the killed import"
    );
    assert_eq!(
        raw.int(&like(
            "invoice_balances b JOIN invoices i ON i.id = b.invoice_id WHERE i.number LIKE"
        ))
        .await,
        0
    );
    assert_eq!(
        raw.int(&like(
            "audit_log WHERE entity = 'invoice' AND entity_key LIKE"
        ))
        .await,
        0,
        "no audit row of the killed import"
    );
    assert_eq!(
        raw.int("SELECT COUNT(*) FROM invoices WHERE number LIKE 'PRE-%'")
            .await,
        200,
        "earlier import intact"
    );
    assert_eq!(
        raw.int("SELECT CAST(SUM(amount_minor) AS BIGINT) FROM invoices WHERE number LIKE 'PRE-%'")
            .await,
        pre_total
    );
    assert_eq!(
        raw.int("SELECT COUNT(*) FROM payments").await,
        50,
        "earlier payments intact"
    );
    assert_eq!(
        raw.int("SELECT COUNT(*) FROM allocations").await,
        committed_allocations
    );
    assert_ledger_consistent(db, &raw).await;

    // The same file again, to completion: every row exactly once.
    let out = run_ok(&url, &["import", "invoices", &path]).await;
    assert!(out.contains(&format!("imported {rows} rows")), "{out}");
    assert_eq!(
        raw.int(&like("invoices WHERE number LIKE")).await,
        rows as i64
    );
    assert_eq!(
        raw.int(&format!(
            "SELECT COUNT(DISTINCT number) FROM invoices WHERE number LIKE '{prefix}%'"
        ))
        .await,
        rows as i64
    );
    assert_eq!(
        raw.int(&format!(
            "SELECT CAST(SUM(amount_minor) AS BIGINT) FROM invoices WHERE number LIKE '{prefix}%'"
        ))
        .await,
        total
    );
    assert_eq!(
        raw.int(&like(
            "audit_log WHERE entity = 'invoice' AND entity_key LIKE"
        ))
        .await,
        rows as i64
    );
    assert_ledger_consistent(db, &raw).await;
    // And the whole book: what is open is what was invoiced less what the payments settled.
    let invoiced = raw
        .int("SELECT CAST(SUM(amount_minor) AS BIGINT) FROM invoices")
        .await;
    let settled = raw
        .int("SELECT CAST(SUM(amount_minor) AS BIGINT) FROM allocations")
        .await;
    assert_eq!(
        raw.int("SELECT CAST(SUM(open_invoices_minor) AS BIGINT) FROM customer_balances")
            .await,
        invoiced - settled
    );
    raw.close().await;
    eprintln!(
        "crash: import test on {} took {:.1} s",
        backend(&url),
        started.elapsed().as_secs_f64()
    );
}

fn backend(url: &str) -> &'static str {
    if url.starts_with("sqlite:") {
        "SQLite"
    } else {
        "PostgreSQL"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_import_on_sqlite() {
    import_crash(&TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_import_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("TEST_DATABASE_URL unset: PostgreSQL import crash skipped (make test sets it)");
        return;
    };
    import_crash(&db).await;
    db.drop_db().await;
}

// ------------------------------------------------------------------------------------
// 2. SIGKILL while payments are being posted over the API
// ------------------------------------------------------------------------------------

fn yuan(yuan: i64) -> Money {
    Money::from_minor(yuan * 100, Currency::CNY)
}

/// "1234.50" → 123450.
fn minor(v: &Value) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    let d: rust_decimal::Decimal = v
        .as_str()
        .unwrap_or_else(|| panic!("money string: {v}"))
        .parse()
        .unwrap();
    let cents = d * rust_decimal::Decimal::from(100);
    assert!(cents.fract().is_zero(), "{v}: more than two decimals");
    cents.to_i64().unwrap()
}

/// `creditdesk serve` on a free port, answering /healthz.
async fn serve(url: &str, dir: &Path, name: &str) -> (Proc, String) {
    for attempt in 0..3 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut cmd = bin();
        cmd.args(["serve", "--bind", &addr, "--database-url", url]);
        let mut server = Proc::spawn(cmd, dir.join(format!("{name}-{attempt}.log")));
        let base = format!("http://{addr}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                eprintln!(
                    "crash: server exited at start ({status:?}), trying another port: {}",
                    server.log()
                );
                break;
            }
            if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
                assert_eq!(r.status(), 200, "/healthz");
                return (server, base);
            }
            assert!(
                Instant::now() < deadline,
                "server did not answer /healthz in 60 s: {}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    panic!("could not start the server");
}

#[derive(Default)]
struct Outcomes {
    /// 201s: reference → response body.
    acked: HashMap<String, Value>,
    /// Answered with another status: reference → (status, body). These must leave no trace.
    refused: HashMap<String, (u16, String)>,
    /// No complete answer (the server died): reference → request body.
    in_doubt: HashMap<String, Value>,
}

const PAY_CUSTOMERS: usize = 4;
const CLIENTS: usize = 8;
const PER_CLIENT: usize = 60;
/// The server is killed once this many payments were acknowledged (of 480).
const KILL_AFTER_ACKS: usize = 120;

/// Client `k`'s `j`th payment: FIFO mostly, every 7th a manual 150.00 on the customer's
/// first invoice (refused once that invoice is settled).
fn payment(k: usize, j: usize) -> (String, Value) {
    let reference = format!("PAY-{k}-{j:03}");
    let c = (k + j) % PAY_CUSTOMERS;
    let amount = format!("{}.{:02}", 300 + (k * 61 + j * 37) % 600, j % 100);
    let mut body = json!({"reference": reference, "customer_code": format!("P-{c}"), "received_on": "2026-06-30", "amount": amount});
    if j % 7 == 3 {
        body["allocations"] =
            json!([{"invoice_number": format!("INV-{c}-00"), "amount": "150.00"}]);
    }
    (reference, body)
}

/// Status, whether it is marked `Idempotent-Replayed`, and body.
async fn post_payment(
    http: &reqwest::Client,
    base: &str,
    reference: &str,
    body: &Value,
) -> Result<(u16, bool, String), reqwest::Error> {
    let r = http
        .post(format!("{base}/api/v1/payments"))
        .bearer_auth(API_KEY)
        .header("Idempotency-Key", reference)
        .json(body)
        .send()
        .await?;
    let status = r.status().as_u16();
    let replayed = r
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    Ok((status, replayed, r.text().await?))
}

async fn client(base: String, k: usize, out: Arc<Mutex<Outcomes>>, acks: Arc<AtomicUsize>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    for j in 0..PER_CLIENT {
        let (reference, body) = payment(k, j);
        match post_payment(&http, &base, &reference, &body).await {
            Ok((201, _, text)) => {
                out.lock()
                    .unwrap()
                    .acked
                    .insert(reference, serde_json::from_str(&text).unwrap());
                acks.fetch_add(1, Ordering::SeqCst);
            }
            Ok((status, _, text)) => {
                out.lock()
                    .unwrap()
                    .refused
                    .insert(reference, (status, text));
            }
            Err(_) => {
                // The server is gone; this request may or may not have been committed.
                out.lock().unwrap().in_doubt.insert(reference, body);
                return;
            }
        }
    }
}

/// (reference → amount, reference → invoice number → allocated), as stored.
async fn stored_payments(
    raw: &Raw,
) -> (HashMap<String, i64>, HashMap<String, BTreeMap<String, i64>>) {
    let amounts = raw
        .triples("SELECT reference, currency, amount_minor FROM payments")
        .await;
    let mut allocations: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    for (reference, invoice, amount) in raw
        .triples("SELECT p.reference, i.number, a.amount_minor FROM allocations a JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id")
        .await
    {
        *allocations.entry(reference).or_default().entry(invoice).or_default() += amount;
    }
    (
        amounts.into_iter().map(|(r, _, a)| (r, a)).collect(),
        allocations,
    )
}

/// A stored payment matches what the server answered: amount, allocations, remainder.
fn assert_matches_answer(
    reference: &str,
    answer: &Value,
    amounts: &HashMap<String, i64>,
    allocations: &HashMap<String, BTreeMap<String, i64>>,
) {
    let amount = *amounts.get(reference).unwrap_or_else(|| {
        panic!("{reference} was acknowledged with 201 but is not in the database")
    });
    assert_eq!(amount, minor(&answer["amount"]), "{reference}: amount");
    let told: BTreeMap<String, i64> = answer["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["invoice_number"].as_str().unwrap().to_string(),
                minor(&a["amount"]),
            )
        })
        .collect();
    let stored = allocations.get(reference).cloned().unwrap_or_default();
    assert_eq!(stored, told, "{reference}: allocations as answered");
    assert_eq!(
        amount - stored.values().sum::<i64>(),
        minor(&answer["unallocated"]),
        "{reference}: unallocated as answered"
    );
}

async fn payments_crash(db: &TestDb) {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();

    // 4 customers with 10 invoices of 2,000.00 each: 80,000 open, less than the
    // acknowledged payments will bring, so some become unallocated credit.
    {
        let store = db.store().await;
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let customers: Vec<NewCustomer> = (0..PAY_CUSTOMERS)
            .map(|c| NewCustomer {
                code: CustomerCode::parse(&format!("P-{c}")).unwrap(),
                name: format!("付款客户{c}"),
                uscc: None,
                region: String::new(),
                industry: String::new(),
                sales_rep_id: None,
                contact: Contact {
                    name: String::new(),
                    phone: String::new(),
                    email: String::new(),
                },
                payment_terms_days: 30,
                credit_limit: yuan(10_000_000),
                temp_limit: None,
                status: CustomerStatus::Normal,
                grade: None,
                group_code: None,
            })
            .collect();
        let ids = store
            .insert_customers(&customers, "test", test_now())
            .await
            .unwrap();
        let invoices: Vec<NewInvoice> = ids
            .iter()
            .enumerate()
            .flat_map(|(c, id)| {
                (0..10).map(move |i| NewInvoice {
                    number: format!("INV-{c}-{i:02}"),
                    customer_id: *id,
                    order_ref: None,
                    invoice_date: d(1, 1 + i as u32),
                    ship_date: None,
                    acceptance_date: None,
                    due_date: d(2, 1 + i as u32),
                    amount: yuan(2_000),
                })
            })
            .collect();
        store
            .insert_invoices(&invoices, "test", test_now())
            .await
            .unwrap();
        store
            .create_api_key("erp", &app::session::token_hash(API_KEY), test_now())
            .await
            .unwrap();
    }

    let (mut server, base) = serve(&url, dir.path(), "first").await;
    let out = Arc::new(Mutex::new(Outcomes::default()));
    let acks = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|k| tokio::spawn(client(base.clone(), k, out.clone(), acks.clone())))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while acks.load(Ordering::SeqCst) < KILL_AFTER_ACKS {
        assert!(
            clients.iter().any(|c| !c.is_finished()),
            "clients stopped before {KILL_AFTER_ACKS} payments were acknowledged: {}",
            server.log()
        );
        assert!(
            Instant::now() < deadline,
            "{KILL_AFTER_ACKS} payments not acknowledged in 120 s"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let status = server.sigkill();
    assert_killed(status, "the server");
    for c in clients {
        c.await.unwrap();
    }
    let out = std::mem::take(&mut *out.lock().unwrap());
    let total = CLIENTS * PER_CLIENT;
    eprintln!(
        "crash: server killed with {} payments acknowledged, {} refused, {} in doubt, {} never sent",
        out.acked.len(),
        out.refused.len(),
        out.in_doubt.len(),
        total - out.acked.len() - out.refused.len() - out.in_doubt.len()
    );
    assert!(
        out.acked.len() >= KILL_AFTER_ACKS && out.acked.len() + out.refused.len() < total,
        "killed mid-stream"
    );
    assert!(
        (1..=CLIENTS).contains(&out.in_doubt.len()),
        "the kill cut requests off"
    );
    for (reference, (status, body)) in &out.refused {
        assert_eq!(
            *status, 422,
            "{reference}: only over-allocations may be refused: {body}"
        );
    }
    assert!(out.refused.len() < out.acked.len());

    // Restart on the same database.
    let (_server, base) = serve(&url, dir.path(), "restarted").await;
    let raw = Raw::open(&url).await;
    let (amounts, allocations) = stored_payments(&raw).await;
    for (reference, answer) in &out.acked {
        assert_matches_answer(reference, answer, &amounts, &allocations);
    }
    for reference in out.refused.keys() {
        assert!(
            !amounts.contains_key(reference),
            "{reference} was refused but exists"
        );
    }
    for reference in amounts.keys() {
        assert!(
            out.acked.contains_key(reference) || out.in_doubt.contains_key(reference),
            "{reference} exists but was never acknowledged nor in flight"
        );
    }
    let in_doubt_committed = out
        .in_doubt
        .keys()
        .filter(|r| amounts.contains_key(*r))
        .count();
    eprintln!(
        "crash: {in_doubt_committed} of {} in-flight payments had committed",
        out.in_doubt.len()
    );
    assert_ledger_consistent(db, &raw).await;
    let verify = run_ok(&url, &["audit", "verify"]).await;
    assert!(verify.contains("intact"), "{verify}");

    // The restarted server works: health first.
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // An ERP whose request died with the server retries it with the same Idempotency-Key:
    // a payment that had committed is answered as before (201), never posted twice; one
    // that had not is posted now (or refused) as if for the first time.
    let (mut replayed, mut posted_now) = (0, 0);
    for (reference, body) in &out.in_doubt {
        let had_committed = amounts.contains_key(reference);
        let (status, was_replayed, text) =
            post_payment(&http, &base, reference, body).await.unwrap();
        let (amounts, allocations) = stored_payments(&raw).await;
        match status {
            201 if was_replayed == had_committed => {
                assert_matches_answer(reference, &serde_json::from_str(&text).unwrap(), &amounts, &allocations);
                if had_committed {
                    replayed += 1;
                } else {
                    posted_now += 1;
                }
            }
            422 if !had_committed => assert!(!amounts.contains_key(reference), "{reference} refused on retry but exists"),
            _ => panic!(
                "retrying {reference} (committed before the kill: {had_committed}) with its Idempotency-Key answered {status} \
                 (replayed: {was_replayed}): {text}"
            ),
        }
    }
    eprintln!("crash: retries: {replayed} replayed, {posted_now} posted now");

    // A new payment posts and settles.
    let fresh = json!({"reference": "PAY-AFTER", "customer_code": "P-0", "received_on": "2026-06-30", "amount": "1234.56"});
    let (status, _, text) = post_payment(&http, &base, "PAY-AFTER", &fresh)
        .await
        .unwrap();
    assert_eq!(status, 201, "{text}");
    let (amounts, allocations) = stored_payments(&raw).await;
    assert_matches_answer(
        "PAY-AFTER",
        &serde_json::from_str(&text).unwrap(),
        &amounts,
        &allocations,
    );
    assert_eq!(
        amounts.len(),
        out.acked.len() + in_doubt_committed + posted_now + 1,
        "each payment exactly once"
    );
    assert_ledger_consistent(db, &raw).await;
    raw.close().await;
    eprintln!(
        "crash: payments test on {} took {:.1} s",
        backend(&url),
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_payments_on_sqlite() {
    payments_crash(&TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_payments_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("TEST_DATABASE_URL unset: PostgreSQL payments crash skipped (make test sets it)");
        return;
    };
    payments_crash(&db).await;
    db.drop_db().await;
}
