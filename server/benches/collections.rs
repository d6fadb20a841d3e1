//! The collections workbench on `creditdesk generate --customers 50000 --invoices 4000000
//! --unpaid-percent 12` (about 1M open invoices), SQLite:
//! - a rep's worklist read with its priority inputs (`tasks`), and the tab bar's count,
//!   with BENCH_TASKS open tasks spread over the overdue customers of the three reps;
//! - phone writes through `apply_op`: contacts, their replays (the offline queue
//!   resending), promises (each checked against the customer's open invoices);
//! - the promise check over every pending promise, 30 days later (all broken: each
//!   raises its rule event);
//! - the performance page's month: every sales user's counts and days to collect, and
//!   the cockpit's collected and due figures (twice: cold, then warm).
//!
//! Sizes: BENCH_CUSTOMERS, BENCH_INVOICES, BENCH_UNPAID, BENCH_TASKS, BENCH_OPS. Nothing
//! asserts a time; the collection tables are cleared first so the bench can be repeated.
mod common;

use app::domain::collections::{ClientId, ContactDraft, Op, OpBody, OpOutcome, PromiseDraft};
use app::store::TaskQuery;
use chrono::Datelike;
use common::{anchor, env_usize, ms};
use std::time::Instant;

#[tokio::main]
async fn main() {
    let customers = env_usize("BENCH_CUSTOMERS", 50_000);
    let invoices = env_usize("BENCH_INVOICES", 4_000_000);
    let unpaid = env_usize("BENCH_UNPAID", 12) as u8;
    let tasks = env_usize("BENCH_TASKS", 20_000) as i64;
    let ops = env_usize("BENCH_OPS", 1_000);
    let url = common::generated_in_place(customers, invoices, unpaid).await;
    let store = common::open(&url).await;
    let server::store::DatabaseUrl::Sqlite(sqlite_url) = &url else {
        panic!("the bench data set is SQLite")
    };
    let pool = sqlx::SqlitePool::connect(sqlite_url).await.unwrap();
    for table in [
        "collection_contacts",
        "promise_invoices",
        "promises",
        "dispute_invoices",
        "disputes",
        "collection_tasks",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&pool)
            .await
            .unwrap();
    }
    let as_of = anchor();
    let now = app::domain::business_start(as_of) + chrono::Duration::hours(10);
    // One open task per overdue customer (most overdue first), up to BENCH_TASKS, for the
    // customer's rep: set up in one statement, as rules would have made them.
    sqlx::query(
        "INSERT INTO collection_tasks (customer_id, assignee_id, kind, priority, status, due_on, created_at, note, created_by) \
         SELECT c.id, c.sales_rep_id, 'call', 'high', 'open', $1, $2, '', 'bench' FROM customers c \
          WHERE c.sales_rep_id IS NOT NULL AND EXISTS (SELECT 1 FROM invoice_balances b JOIN invoices i ON i.id = b.invoice_id \
                                                      WHERE b.customer_id = c.id AND b.open_minor > 0 AND i.due_date < $1) \
          ORDER BY c.id LIMIT $3",
    )
    .bind(as_of)
    .bind(now)
    .bind(tasks)
    .execute(&pool)
    .await
    .unwrap();
    let made: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM collection_tasks")
        .fetch_one(&pool)
        .await
        .unwrap();
    let reps = store
        .users_by_role(app::domain::auth::Role::SalesRep)
        .await
        .unwrap();
    let rep = reps.first().expect("the data set has reps").clone();
    println!(
        "{customers} customers, {invoices} invoices; {made} open tasks over {} reps, as_of {as_of}",
        reps.len()
    );

    let q = TaskQuery {
        for_user: Some((rep.id, None)),
        team: None,
        customer_id: None,
        task_id: None,
        open_only: true,
        today: as_of,
    };
    for i in 0..3 {
        let t = Instant::now();
        let rows = store.tasks(&q).await.unwrap();
        let terms = app::domain::collections::Terms::default();
        let mut rows = rows;
        for r in &mut rows {
            r.priority = app::domain::collections::priority(&r.input, &terms);
        }
        app::domain::collections::sort_worklist(&mut rows);
        println!(
            "worklist #{i} of {}: {} tasks read, scored and sorted in {:.1} ms",
            rep.username,
            rows.len(),
            ms(t.elapsed())
        );
    }
    let t = Instant::now();
    let n = store.open_task_count(rep.id, None).await.unwrap();
    println!("tab bar count ({n}) in {:.2} ms", ms(t.elapsed()));
    let mine = store.tasks(&q).await.unwrap();
    let t = Instant::now();
    store
        .tasks(&TaskQuery {
            task_id: mine.first().map(|r| r.id),
            for_user: None,
            open_only: false,
            ..q.clone()
        })
        .await
        .unwrap();
    println!(
        "one task's row (the task page) in {:.2} ms",
        ms(t.elapsed())
    );

    let targets: Vec<i64> = mine.iter().map(|r| r.id).take(ops).collect();
    let contact = |i: usize, task: i64| Op {
        client_id: ClientId::parse(&format!("bench-contact-{i:08}")).unwrap(),
        task_id: task,
        body: OpBody::Contact(ContactDraft {
            channel: "call".into(),
            outcome: "no_answer".into(),
            notes: "下午再打".into(),
            next_action_on: String::new(),
        }),
        keep_if_closed: false,
    };
    let t = Instant::now();
    for (i, task) in targets.iter().enumerate() {
        let out = store
            .apply_op(&contact(i, *task), &rep, as_of, 3, now)
            .await
            .unwrap();
        assert!(matches!(out, OpOutcome::Applied { .. }), "{out:?}");
    }
    let took = t.elapsed();
    println!(
        "{} contacts applied in {:.2} s ({:.2} ms each)",
        targets.len(),
        took.as_secs_f64(),
        ms(took) / targets.len().max(1) as f64
    );
    let t = Instant::now();
    for (i, task) in targets.iter().enumerate() {
        let out = store
            .apply_op(&contact(i, *task), &rep, as_of, 3, now)
            .await
            .unwrap();
        assert!(matches!(out, OpOutcome::Replayed { .. }), "{out:?}");
    }
    let took = t.elapsed();
    println!(
        "{} replays answered in {:.2} s ({:.2} ms each), nothing written",
        targets.len(),
        took.as_secs_f64(),
        ms(took) / targets.len().max(1) as f64
    );

    // A promise on each task's oldest open invoice, for one yuan.
    let t = Instant::now();
    let mut promised = 0;
    for (i, row) in mine.iter().take(ops).enumerate() {
        let open = store
            .customer_open_invoices(row.customer_id, as_of)
            .await
            .unwrap();
        let Some(inv) = open.first() else { continue };
        let op = Op {
            client_id: ClientId::parse(&format!("bench-promise-{i:08}")).unwrap(),
            task_id: row.id,
            body: OpBody::Promise(PromiseDraft {
                due_on: as_of.to_string(),
                amount: "1".into(),
                invoice_ids: vec![inv.id],
                notes: String::new(),
            }),
            keep_if_closed: false,
        };
        if matches!(
            store.apply_op(&op, &rep, as_of, 3, now).await.unwrap(),
            OpOutcome::Applied { .. }
        ) {
            promised += 1;
        }
    }
    let took = t.elapsed();
    println!("{promised} promises applied (open invoices read, then checked and written) in {:.2} s ({:.2} ms each)", took.as_secs_f64(), ms(took) / promised.max(1) as f64);

    let t = Instant::now();
    let check = app::engine::check_promises(store.as_ref(), now + chrono::Duration::days(30))
        .await
        .unwrap();
    println!(
        "promise check 30 days later: {} kept, {} broken in {:.2} s",
        check.kept,
        check.broken,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let again = app::engine::check_promises(store.as_ref(), now + chrono::Duration::days(31))
        .await
        .unwrap();
    println!(
        "promise check the next day: {} kept, {} broken in {:.1} ms",
        again.kept,
        again.broken,
        ms(t.elapsed())
    );

    let month = as_of.with_day(1).unwrap_or(as_of);
    for i in 0..2 {
        let t = Instant::now();
        let activity = store.collection_activity(month, as_of).await.unwrap();
        let counted = t.elapsed();
        let figures = app::store::rep_figures(
            store.as_ref(),
            None,
            month,
            as_of,
            app::store::Via::Aggregates,
        )
        .await
        .unwrap();
        let ranked = app::domain::dashboard::rep_performance(
            &figures,
            month,
            as_of,
            app::domain::BOOK_CURRENCY,
        );
        let collected: i64 = ranked.iter().map(|r| r.collected.minor()).sum();
        let paid: i64 = activity.iter().map(|(_, _, a)| a.day_base_minor).sum();
        println!(
            "performance #{i} for {month}..{as_of}: activity of {} sales users (payments weighed for days to collect: {}) in {:.2} s, \
             collected and due from the aggregates ({} reps, collected {}) in {:.2} s",
            activity.len(),
            app::domain::money::Money::from_minor(paid, app::domain::BOOK_CURRENCY).display(),
            counted.as_secs_f64(),
            ranked.len(),
            app::domain::money::Money::from_minor(collected, app::domain::BOOK_CURRENCY).display(),
            (t.elapsed() - counted).as_secs_f64()
        );
    }
}
