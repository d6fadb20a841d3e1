//! Ledger read benchmarks on a generated SQLite data set.
//!
//! `cargo bench -p server` — sizes via BENCH_CUSTOMERS / BENCH_INVOICES (default 2,000 /
//! 100,000). Prints the median and p95 of repeated runs; no assertion on time.
use app::domain::aging;
use app::domain::auth::Scope;
use app::domain::money::Currency;
use app::store::CustomerQuery;
use chrono::NaiveDate;
use server::seed::{generate, GenerateParams};
use server::store::{connect, DatabaseUrl};
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let median = samples[samples.len() / 2];
    let p95 = samples[(samples.len() * 95 / 100).min(samples.len() - 1)];
    println!("{name:<44} median {:>9.2} ms   p95 {:>9.2} ms   (n={})", ms(median), ms(p95), samples.len());
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let customers = env_usize("BENCH_CUSTOMERS", 2_000);
    let invoices = env_usize("BENCH_INVOICES", 100_000);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(&format!("sqlite://{}/bench.db", dir.path().display())).unwrap();
        let store = connect(&url).await.unwrap();
        let anchor = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let now = chrono::Utc::now();
        let started = Instant::now();
        let made = generate(store.as_ref(), GenerateParams { customers, invoices, seed: 1, anchor }, now, &mut |_| {})
            .await
            .unwrap();
        let secs = started.elapsed().as_secs_f64();
        println!(
            "generate {} customers, {} invoices, {} payments: {secs:.1} s ({:.0} invoices/s incl. payments)",
            made.customers,
            made.invoices,
            made.payments,
            made.invoices as f64 / secs
        );

        let mut samples = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            let items = store.open_items(Scope::All, anchor).await.unwrap();
            let s = aging::summarize(anchor, Currency::CNY, &aging::Edges::standard(aging::Basis::Due), &items).unwrap();
            std::hint::black_box(s);
            samples.push(t.elapsed());
        }
        report("cockpit aging (open_items + summarize)", samples);

        let mut samples = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            let q = CustomerQuery { search: None, limit: 51, offset: 0 };
            std::hint::black_box(store.list_customers(&q, Scope::All, anchor).await.unwrap());
            samples.push(t.elapsed());
        }
        report("customer list, first page", samples);

        let mut samples = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            let q = CustomerQuery { search: Some("长沙".into()), limit: 51, offset: 0 };
            std::hint::black_box(store.list_customers(&q, Scope::All, anchor).await.unwrap());
            samples.push(t.elapsed());
        }
        report("customer search '长沙'", samples);

        // The credit check's read: the maintained balances, one row per customer.
        let ids: Vec<i64> = store
            .list_customers(&CustomerQuery { search: None, limit: 1000, offset: 0 }, Scope::All, anchor)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        let mut samples = Vec::new();
        for i in 0..2_000 {
            let t = Instant::now();
            std::hint::black_box(store.credit_position(ids[i % ids.len()], anchor).await.unwrap());
            samples.push(t.elapsed());
        }
        report("credit position (point lookup)", samples);

        // A CSV import of 10,000 payments, allocated FIFO, in one transaction.
        let codes: Vec<String> = store
            .list_customers(&CustomerQuery { search: None, limit: 1000, offset: 0 }, Scope::All, anchor)
            .await
            .unwrap()
            .iter()
            .map(|c| c.code.to_string())
            .collect();
        let mut csv = String::from("reference,customer_code,received_on,amount\n");
        for i in 0..10_000 {
            csv.push_str(&format!("BENCH-{i},{},2026-06-30,1234.56\n", codes[i % codes.len()]));
        }
        let t = Instant::now();
        let n = server::import::import(store.as_ref(), server::import::Kind::Payments, "p.csv", csv.as_bytes(), "bench", now)
            .await
            .unwrap();
        println!("import {n} payments from CSV (FIFO)                 {:>9.2} s", t.elapsed().as_secs_f64());
    });
}
