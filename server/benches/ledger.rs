//! Ledger read benchmarks on a generated SQLite data set (see `common`).
//!
//! `cargo bench -p server --bench ledger` — sizes via BENCH_CUSTOMERS / BENCH_INVOICES
//! (default 50,000 / 1,000,000). Prints the median and p95 of repeated runs; no
//! assertion on time.
mod common;

use app::domain::aging;
use app::domain::auth::Scope;
use app::domain::invoice::{InvoiceSort, InvoiceStatus};
use app::domain::money::Currency;
use app::store::{CustomerQuery, InvoiceQuery};
use common::{data_set, env_usize, report};
use std::time::Instant;

fn main() {
    let customers = env_usize("BENCH_CUSTOMERS", 50_000);
    let invoices = env_usize("BENCH_INVOICES", 1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let url = data_set(customers, invoices, "ledger").await;
        let store = common::open(&url).await;
        let anchor = common::anchor();
        let now = chrono::Utc::now();

        // The invoice list's first page, as /invoices asks for it.
        for (label, status, sort, descending, as_of) in [
            (
                "invoice list: open, by due date",
                InvoiceStatus::Open,
                InvoiceSort::DueDate,
                false,
                anchor,
            ),
            (
                "invoice list: overdue, by open desc",
                InvoiceStatus::Overdue,
                InvoiceSort::Open,
                true,
                anchor,
            ),
            (
                "invoice list: all, by number",
                InvoiceStatus::All,
                InvoiceSort::Number,
                false,
                anchor,
            ),
            (
                "invoice list: open, 6 months back",
                InvoiceStatus::Open,
                InvoiceSort::DueDate,
                false,
                anchor - chrono::Duration::days(182),
            ),
        ] {
            let mut samples = Vec::new();
            for _ in 0..7 {
                let t = Instant::now();
                let q = InvoiceQuery {
                    as_of,
                    status,
                    sort,
                    descending,
                    limit: 51,
                    ..Default::default()
                };
                std::hint::black_box(store.list_invoices(&q, Scope::All).await.unwrap());
                samples.push(t.elapsed());
            }
            report(label, samples);
        }

        let mut samples = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            let items = store.open_items(Scope::All, anchor).await.unwrap();
            let s = aging::summarize(
                anchor,
                Currency::CNY,
                &aging::Edges::standard(aging::Basis::Due),
                &items,
            )
            .unwrap();
            std::hint::black_box(s);
            samples.push(t.elapsed());
        }
        report("cockpit aging (open_items + summarize)", samples);

        let mut samples = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            let q = CustomerQuery {
                search: None,
                limit: 51,
                offset: 0,
            };
            std::hint::black_box(store.list_customers(&q, Scope::All, anchor).await.unwrap());
            samples.push(t.elapsed());
        }
        report("customer list, first page", samples);

        let mut samples = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            let q = CustomerQuery {
                search: Some("长沙".into()),
                limit: 51,
                offset: 0,
            };
            std::hint::black_box(store.list_customers(&q, Scope::All, anchor).await.unwrap());
            samples.push(t.elapsed());
        }
        report("customer search '长沙'", samples);

        // The credit check's read: the maintained balances, one row per customer.
        let ids: Vec<i64> = store
            .list_customers(
                &CustomerQuery {
                    search: None,
                    limit: 1000,
                    offset: 0,
                },
                Scope::All,
                anchor,
            )
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        let mut samples = Vec::new();
        for i in 0..2_000 {
            let t = Instant::now();
            std::hint::black_box(
                store
                    .credit_position(ids[i % ids.len()], anchor)
                    .await
                    .unwrap(),
            );
            samples.push(t.elapsed());
        }
        report("credit position (point lookup)", samples);

        // A CSV import of 10,000 payments, allocated FIFO, in one transaction.
        let codes: Vec<String> = store
            .list_customers(
                &CustomerQuery {
                    search: None,
                    limit: 1000,
                    offset: 0,
                },
                Scope::All,
                anchor,
            )
            .await
            .unwrap()
            .iter()
            .map(|c| c.code.to_string())
            .collect();
        let mut csv = String::from("reference,customer_code,received_on,amount\n");
        for i in 0..10_000 {
            csv.push_str(&format!(
                "BENCH-{i},{},2026-06-30,1234.56\n",
                codes[i % codes.len()]
            ));
        }
        let t = Instant::now();
        let n = server::import::import(
            store.as_ref(),
            server::import::Kind::Payments,
            "p.csv",
            csv.as_bytes(),
            "bench",
            now,
        )
        .await
        .unwrap();
        println!(
            "import {n} payments from CSV (FIFO)                 {:>9.2} s",
            t.elapsed().as_secs_f64()
        );
    });
}
