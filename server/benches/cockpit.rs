//! The cockpit on `creditdesk generate --customers 50000 --invoices 4000000
//! --unpaid-percent 12` (about 1M open), SQLite, in one run:
//! - `GET /api/v1/dashboard`'s work (`ledger::dashboard`: aggregates + build), p50/p95,
//!   for the whole book and one region, at the last entry's date and 107 days before
//!   (a slow case stops after 20 s of runs);
//! - the credit report of the last complete month and of a past week (`ledger::credit_report`);
//! - the same figures recomputed by GROUP BY over the ledger tables (`Via::Ledger`),
//!   checked equal to the aggregates' figures;
//! - DuckDB over the same rows exported to CSV (`benches/cockpit_duckdb.py`), the
//!   physical-limit reference for a columnar scan, when `python3 -c "import duckdb"` works.
//!
//! Sizes: BENCH_CUSTOMERS, BENCH_INVOICES, BENCH_UNPAID; runs: BENCH_RUNS; BENCH_SKIP_NAIVE=1
//! leaves out the naive and DuckDB references.
mod common;

use app::domain::dashboard::Slice;
use app::store::{dashboard_figures, Via};
use common::{anchor, env_usize, ms, report};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let customers = env_usize("BENCH_CUSTOMERS", 50_000);
    let invoices = env_usize("BENCH_INVOICES", 4_000_000);
    let unpaid = env_usize("BENCH_UNPAID", 12) as u8;
    let runs = env_usize("BENCH_RUNS", 50);
    let url = common::generated_in_place(customers, invoices, unpaid).await;
    let started = Instant::now();
    let store = common::open(&url).await;
    println!(
        "open + migrate (first open backfills the aggregates): {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let as_of = anchor();
    let open: i64 = store
        .open_by_due("all", Some(""), &[as_of], Via::Aggregates)
        .await
        .unwrap()[0]
        .iter()
        .map(|(_, _, m)| m)
        .sum();
    println!(
        "{customers} customers, {invoices} invoices; open AR at {as_of}: {} CNY",
        open / 100
    );

    let past = as_of - chrono::Duration::days(107);
    println!("past as_of: {past}");
    for (name, slice, date) in [
        (
            "dashboard, whole book, as_of = last entry",
            Slice::All,
            as_of,
        ),
        (
            "dashboard, one region, as_of = last entry",
            Slice::Region("华东".into()),
            as_of,
        ),
        (
            "dashboard, whole book, as_of mid-month past",
            Slice::All,
            past,
        ),
        (
            "dashboard, one region, as_of mid-month past",
            Slice::Region("华东".into()),
            past,
        ),
    ] {
        let mut samples = Vec::with_capacity(runs);
        let case = Instant::now();
        // A slow case stops after 20 s (at least 3 runs), so one run of the bench stays short.
        while samples.len() < runs
            && (samples.len() < 3 || case.elapsed() < Duration::from_secs(20))
        {
            let t = Instant::now();
            let d = app::ledger::dashboard(store.as_ref(), slice.clone(), date)
                .await
                .unwrap();
            samples.push(t.elapsed());
            assert_eq!(d.trend.len(), 12);
        }
        report(name, samples);
    }

    // Credit reports: two dashboards (the period's end and the one before) plus the
    // period's movements; a month's ends are month ends, a week's fall mid-month.
    let month =
        app::domain::report::Period::containing(app::domain::report::PeriodKind::Month, as_of)
            .previous();
    let week = app::domain::report::Period::containing(app::domain::report::PeriodKind::Week, past);
    for (name, period) in [
        ("credit report, last complete month, whole book", month),
        ("credit report, a past week, whole book", week),
    ] {
        let mut samples = Vec::with_capacity(runs);
        let case = Instant::now();
        while samples.len() < runs
            && (samples.len() < 3 || case.elapsed() < Duration::from_secs(20))
        {
            let t = Instant::now();
            let r = app::ledger::credit_report(store.as_ref(), Slice::All, period, as_of)
                .await
                .unwrap();
            samples.push(t.elapsed());
            assert_eq!(r.movements.unexplained_minor(), 0);
        }
        report(name, samples);
    }

    // The naive reference takes minutes on the full set; BENCH_SKIP_NAIVE=1 leaves it
    // (and DuckDB) out while iterating on the cases above.
    if std::env::var("BENCH_SKIP_NAIVE").is_ok_and(|v| v == "1") {
        return;
    }
    // The naive reference: every figure by GROUP BY over invoices and allocations.
    let t = Instant::now();
    let kept = dashboard_figures(store.as_ref(), &Slice::All, as_of, Via::Aggregates)
        .await
        .unwrap();
    let fast = t.elapsed();
    let t = Instant::now();
    let naive = dashboard_figures(store.as_ref(), &Slice::All, as_of, Via::Ledger)
        .await
        .unwrap();
    let slow = t.elapsed();
    assert_eq!(kept, naive, "the aggregates and the ledger disagree");
    report("figures (no build), aggregates, whole book", vec![fast]);
    report("same figures, naive GROUP BY over the ledger", vec![slow]);
    println!(
        "naive / aggregates: {:.0}x (same figures, checked equal)",
        ms(slow) / ms(fast.max(Duration::from_micros(1)))
    );

    let db_path = match &url {
        server::store::DatabaseUrl::Sqlite(u) => u.trim_start_matches("sqlite://").to_string(),
        _ => unreachable!(),
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/cockpit_duckdb.py");
    match std::process::Command::new("python3")
        .arg(script)
        .arg(&db_path)
        .arg(as_of.to_string())
        .status()
    {
        Ok(s) if s.success() => {}
        other => println!(
            "DuckDB reference skipped ({other:?}); `python3 -m pip install duckdb` enables it"
        ),
    }
}
