//! The daily rule run on `creditdesk generate --customers 50000 --invoices 4000000
//! --unpaid-percent 12` (about 1M open invoices), SQLite:
//! - evaluation alone: the shipped rules over the book at the data set's last date, in
//!   one scan (`engine::dry_run`, nothing written);
//! - the full run with its writes (`engine::run_date`: firings, actions, outbox), after
//!   clearing earlier runs' rule tables so the bench can be repeated;
//! - a restart that lost every run's progress re-evaluating the same day: the new
//!   firings and outbox messages it makes (must be 0);
//! - the peak resident memory of the process (VmHWM).
//!
//! Sizes: BENCH_CUSTOMERS, BENCH_INVOICES, BENCH_UNPAID. Nothing asserts a time.
mod common;

use common::{anchor, env_usize};
use std::time::Instant;

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

#[tokio::main]
async fn main() {
    let customers = env_usize("BENCH_CUSTOMERS", 50_000);
    let invoices = env_usize("BENCH_INVOICES", 4_000_000);
    let unpaid = env_usize("BENCH_UNPAID", 12) as u8;
    let url = common::generated_in_place(customers, invoices, unpaid).await;
    let store = common::open(&url).await;
    let server::store::DatabaseUrl::Sqlite(sqlite_url) = &url else {
        panic!("the bench data set is SQLite")
    };
    let pool = sqlx::SqlitePool::connect(sqlite_url).await.unwrap();
    for table in [
        "delivery_log",
        "outbox",
        "dunning_charges",
        "collection_contacts",
        "promise_invoices",
        "promises",
        "dispute_invoices",
        "disputes",
        "collection_tasks",
        "rule_firings",
        "rule_runs",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM notifications WHERE topic IN ('rule', 'task')")
        .execute(&pool)
        .await
        .unwrap();
    let as_of = anchor();
    let now = chrono::Utc::now();
    store
        .install_default_rules(
            &app::domain::rules::default_rules(),
            as_of - chrono::Duration::days(1),
            now,
        )
        .await
        .unwrap();
    let rules = store.rules().await.unwrap();
    let daily: Vec<(i64, &app::domain::rules::Rule)> = rules
        .iter()
        .filter(|r| r.rule.enabled && r.rule.is_daily())
        .map(|r| (r.id, &r.rule))
        .collect();
    println!(
        "{customers} customers, {invoices} invoices, {} daily rules, as_of {as_of}",
        daily.len()
    );
    println!("peak RSS before: {:.0} MB", peak_rss_mb());

    for i in 0..3 {
        let t = Instant::now();
        let (evaluated, firings) = app::engine::dry_run(store.as_ref(), &daily, as_of)
            .await
            .unwrap();
        println!("evaluation #{i}: {evaluated} targets (open invoices + customers), {firings} firings in {:.2} s", t.elapsed().as_secs_f64());
    }
    println!("peak RSS after evaluation: {:.0} MB", peak_rss_mb());

    let clock = || chrono::Utc::now();
    let t = Instant::now();
    let runs = app::engine::run_date(
        store.as_ref(),
        as_of,
        "admin",
        "bench",
        &clock,
        app::engine::RunLimits::default(),
    )
    .await
    .unwrap();
    let firings: i64 = runs
        .iter()
        .filter_map(|o| o.run.as_ref())
        .map(|r| r.firings)
        .sum();
    let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    println!(
        "full run with writes: {firings} firings, {outbox} outbox messages in {:.2} s",
        t.elapsed().as_secs_f64()
    );

    sqlx::query("UPDATE rule_runs SET finished_at = NULL, cursor = 0, heartbeat_at = '2000-01-01T00:00:00+00:00'").execute(&pool).await.unwrap();
    let t = Instant::now();
    let rerun = app::engine::run_date(
        store.as_ref(),
        as_of,
        "admin",
        "bench-restart",
        &clock,
        app::engine::RunLimits::default(),
    )
    .await
    .unwrap();
    let again: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    let all_firings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rule_firings")
        .fetch_one(&pool)
        .await
        .unwrap();
    println!(
        "rerun of the same day from scratch: {} runs, {} new firings, {} new outbox messages in {:.2} s",
        rerun.len(),
        all_firings - firings,
        again - outbox,
        t.elapsed().as_secs_f64()
    );
    println!("peak RSS at the end: {:.0} MB", peak_rss_mb());
}
