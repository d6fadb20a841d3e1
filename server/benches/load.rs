//! The ledger issue's load benchmarks, on `generate --customers 50000 --invoices 1000000`
//! (sizes: BENCH_CUSTOMERS, BENCH_INVOICES):
//! - 100k-row invoice imports (BENCH_IMPORT_ROWS) from CSV and from XLSX, timed per phase;
//! - credit-check latency (p50/p99) at a fixed rate (BENCH_RATE requests/s, BENCH_SECONDS)
//!   measured by `oha` against the real HTTP API, first alone, then while a 100k-row
//!   import runs in the same server.
//!
//! `make bench` (which installs oha). Numbers are printed; nothing asserts a time.
mod common;

use common::{data_set, env_usize, ms};
use server::import::{self, Kind};
use server::tabular::{self, Cell, Format};
use server::web::{self, AppState};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEY: &str = "cdk_bench_load";

/// `rows` invoices over the generated customers (C00001…), numbered `prefix`-n.
fn invoice_file(format: Format, prefix: &str, rows: usize, customers: usize) -> Vec<u8> {
    let (columns, _) = Kind::Invoices.columns();
    let anchor = common::anchor();
    let data = (0..rows).map(|i| {
        let day = anchor - chrono::Duration::days((i % 90) as i64);
        let mut row = vec![Cell::Empty; columns.len()];
        for (c, name) in columns.iter().enumerate() {
            row[c] = match *name {
                "number" => Cell::Text(format!("{prefix}-{i:07}")),
                "customer_code" => Cell::Text(format!("C{:05}", 1 + (i * 7919) % customers)),
                "invoice_date" => Cell::Date(day),
                "amount" => Cell::Money(rust_decimal::Decimal::new(
                    10_000 + (i as i64 * 7_919) % 5_000_000,
                    2,
                )),
                "order_ref" => Cell::Text(format!("{prefix}-SO-{i:07}")),
                _ => Cell::Empty,
            };
        }
        row
    });
    tabular::write(format, "invoices", columns, data).unwrap()
}

/// Imports a file, printing the time of each phase and the total.
async fn timed_import(state: &AppState, name: &str, bytes: &[u8]) -> Duration {
    let started = Instant::now();
    let phases = std::sync::Mutex::new(Vec::new());
    let n = import::import_reporting(
        state.store.as_ref(),
        Kind::Invoices,
        name,
        bytes,
        "bench",
        chrono::Utc::now(),
        &|p| {
            phases
                .lock()
                .unwrap()
                .push((format!("{p:?}"), started.elapsed()))
        },
    )
    .await
    .unwrap_or_else(|e| panic!("import {name}: {e:?}"));
    let total = started.elapsed();
    let phases = phases.into_inner().unwrap();
    let split: Vec<String> = phases
        .iter()
        .enumerate()
        .map(|(i, (p, at))| {
            let end = phases.get(i + 1).map(|(_, t)| *t).unwrap_or(total);
            let label = p.split([' ', '{', '(']).next().unwrap_or(p).to_lowercase();
            format!("{label} {:.1} s", (end - *at).as_secs_f64())
        })
        .collect();
    println!(
        "import {n} invoices from {name} ({:.1} MB): {:.1} s = {:.0} rows/s  [{}]",
        bytes.len() as f64 / 1e6,
        total.as_secs_f64(),
        n as f64 / total.as_secs_f64(),
        split.join(", ")
    );
    total
}

/// Starts oha at a fixed rate against the credit-check endpoint; its stdout is the JSON summary.
fn oha(base: &str, rate: usize, seconds: usize) -> std::process::Child {
    let body = r#"{"customer_code":"C00042","amount":"50000.00"}"#;
    std::process::Command::new(std::env::var("OHA").unwrap_or_else(|_| "oha".into()))
        .args([
            "--no-tui",
            "--output-format",
            "json",
            "-q",
            &rate.to_string(),
            "-z",
            &format!("{seconds}s"),
            "-c",
            "16",
        ])
        .args([
            "--latency-correction",
            "-m",
            "POST",
            "-T",
            "application/json",
            "-d",
            body,
        ])
        .args(["-H", &format!("Authorization: Bearer {KEY}")])
        .arg(format!("{base}/api/v1/credit-checks"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("oha is not installed: `make bench` installs it (cargo install oha)")
}

fn summarize(label: &str, out: std::process::Output) {
    assert!(
        out.status.success(),
        "oha failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("oha JSON");
    let p = &v["latencyPercentiles"];
    let s = |x: &serde_json::Value| x.as_f64().unwrap_or(f64::NAN) * 1000.0;
    let codes = &v["statusCodeDistribution"];
    println!(
        "credit check {label:<34} p50 {:>7.2} ms  p99 {:>7.2} ms  p99.9 {:>7.2} ms  max {:>8.2} ms  {:.0} req/s  status {codes}",
        s(&p["p50"]),
        s(&p["p99"]),
        s(&p["p99.9"]),
        s(&v["summary"]["slowest"]),
        v["summary"]["requestsPerSec"].as_f64().unwrap_or(f64::NAN),
    );
}

fn main() {
    let customers = env_usize("BENCH_CUSTOMERS", 50_000);
    let invoices = env_usize("BENCH_INVOICES", 1_000_000);
    let rows = env_usize("BENCH_IMPORT_ROWS", 100_000);
    let rate = env_usize("BENCH_RATE", 200);
    let seconds = env_usize("BENCH_SECONDS", 30);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let url = data_set(customers, invoices, "load").await;
        let store = common::open(&url).await;
        // Unthrottled: the load test measures the server, not the key's rate limit.
        let key = app::store::NewApiKey {
            name: "bench".into(),
            key_hash: app::session::token_hash(KEY),
            scopes: app::domain::api_keys::ApiScopes::LEGACY,
            expires_at: None,
            rate_per_minute: u32::MAX,
        };
        store.add_api_key(&key, chrono::Utc::now()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cfg = server::config::ServeConfig {
            bind: addr,
            database: url,
            site_root: "target/site".into(),
            secure_cookies: false,
            allowed_origins: vec![],
            allowed_hosts: vec![],
        session_policy: Default::default(),
        };
        let state = AppState::new(&cfg, store, Arc::new(server::SystemClock));
        tokio::spawn(web::serve(listener, state.clone()));
        let base = format!("http://{addr}");

        let t = Instant::now();
        let csv = invoice_file(Format::Csv, "BC", rows, customers);
        let xlsx = invoice_file(Format::Xlsx, "BX", rows, customers);
        let during = invoice_file(Format::Csv, "BL", rows, customers);
        println!("wrote three {rows}-row invoice files in {:.1} s", t.elapsed().as_secs_f64());

        timed_import(&state, "invoices.csv", &csv).await;
        timed_import(&state, "invoices.xlsx", &xlsx).await;

        let alone = oha(&base, rate, seconds);
        let out = tokio::task::spawn_blocking(move || alone.wait_with_output().unwrap()).await.unwrap();
        summarize(&format!("at {rate}/s, {seconds} s, alone:"), out);

        // The import starts once oha is running and must end before it does.
        let busy = oha(&base, rate, seconds);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let took = timed_import(&state, "during-load.csv", &during).await;
        let out = tokio::task::spawn_blocking(move || busy.wait_with_output().unwrap()).await.unwrap();
        if took + Duration::from_secs(2) > Duration::from_secs(seconds as u64) {
            println!("  (the import outlasted oha's {seconds} s: raise BENCH_SECONDS to cover it all)");
        }
        summarize(&format!("at {rate}/s, {seconds} s, during import:"), out);
        println!("(oha's latency correction is on: times include waiting behind a stalled request; total {:.0} ms)", ms(t.elapsed()));
    });
}
