//! The cockpit's maintained aggregates equal a recomputation over the whole ledger after
//! random writes — generated invoices and payments, back-dated payments, reversals, credit
//! notes, invoices dated before the first month and after the last — on SQLite and, when
//! TEST_DATABASE_URL is set, PostgreSQL. Every figure the cockpit reads is compared, for
//! every slice, at dates before, inside and after the data.
mod common;

use app::domain::auth::Scope;
use app::domain::customer::Grade;
use app::domain::dashboard::Slice;
use app::domain::money::{Currency, Money};
use app::store::{
    dashboard_figures, CustomerQuery, NewCreditNote, NewInvoice, NewPayment, PaymentAllocation,
    Reversible, Store, Via,
};
use chrono::{Duration, NaiveDate};
use common::{test_now, TestDb};
use rand::{rngs::StdRng, Rng, SeedableRng};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

async fn random_writes(store: &dyn Store, rng: &mut StdRng) {
    let anchor = d(2026, 6, 30);
    let now = test_now();
    let params = server::seed::GenerateParams {
        customers: 30,
        invoices: 900,
        seed: 5,
        anchor,
        unpaid_percent: 10,
    };
    server::seed::generate(store, params, now, &mut |_| {})
        .await
        .unwrap();
    let customers = store
        .list_customers(
            &CustomerQuery {
                search: None,
                limit: 100,
                offset: 0,
            },
            Scope::All,
            anchor,
        )
        .await
        .unwrap();
    let cny = |minor: i64| Money::from_minor(minor, Currency::CNY);
    for k in 0..40 {
        let c = &customers[rng.gen_range(0..customers.len())];
        match k % 4 {
            // A back-dated FIFO payment (it corrects every month end after its date).
            0 => {
                let on = anchor - Duration::days(rng.gen_range(0..400));
                let p = NewPayment {
                    reference: format!("RW-P{k}"),
                    customer_id: c.id,
                    received_on: on,
                    amount: cny(rng.gen_range(1..50_000) * 100),
                    allocation: PaymentAllocation::Fifo,
                };
                store.insert_payments(&[p], "test", now).await.unwrap();
            }
            // Reverse one of the customer's payments, on or after its date.
            1 => {
                let payments = store.customer_payments(c.id, 50).await.unwrap();
                if let Some(p) = payments.iter().find(|p| !p.reversed) {
                    let on = p.received_on + Duration::days(rng.gen_range(0..90));
                    store
                        .reverse(
                            &Reversible::Payment(p.reference.clone()),
                            on,
                            "bounced",
                            "test",
                            now,
                        )
                        .await
                        .unwrap();
                }
            }
            // A credit note on one of the customer's open invoices.
            2 => {
                let open = store.open_invoices(c.id, anchor).await.unwrap();
                if let Some(inv) = open.first() {
                    let note = NewCreditNote {
                        number: format!("RW-CN{k}"),
                        customer_id: c.id,
                        issued_on: anchor - Duration::days(rng.gen_range(0..60)),
                        amount: cny((inv.open.minor() / 2).max(1)),
                        invoice_number: Some(inv.number.clone()),
                        reason: "price".into(),
                    };
                    store.insert_credit_note(&note, "test", now).await.unwrap();
                }
            }
            // Invoices outside the months so far: before the first and after the last.
            _ => {
                let date = if k % 8 == 3 {
                    d(2024, 9, 15)
                } else {
                    d(2026, 9, 10)
                };
                let inv = NewInvoice {
                    number: format!("RW-I{k}"),
                    customer_id: c.id,
                    order_ref: None,
                    invoice_date: date,
                    ship_date: None,
                    acceptance_date: None,
                    due_date: date + Duration::days(30),
                    amount: cny(rng.gen_range(1..90_000) * 100),
                };
                store.insert_invoices(&[inv], "test", now).await.unwrap();
            }
        }
    }
    // A payment received before the invoice it settles is dated.
    let c = &customers[0];
    let inv = NewInvoice {
        number: "RW-LATE".into(),
        customer_id: c.id,
        order_ref: None,
        invoice_date: d(2026, 6, 20),
        ship_date: None,
        acceptance_date: None,
        due_date: d(2026, 7, 20),
        amount: cny(1_000_000),
    };
    store.insert_invoices(&[inv], "test", now).await.unwrap();
    let p = NewPayment {
        reference: "RW-EARLY".into(),
        customer_id: c.id,
        received_on: d(2026, 6, 10),
        amount: cny(400_000),
        allocation: PaymentAllocation::Manual(vec![("RW-LATE".into(), cny(400_000))]),
    };
    store.insert_payments(&[p], "test", now).await.unwrap();
}

async fn aggregates_equal_the_ledger(store: &dyn Store) {
    let mut rng = StdRng::seed_from_u64(11);
    random_writes(store, &mut rng).await;
    let reps = store
        .users_by_role(app::domain::auth::Role::SalesRep)
        .await
        .unwrap();
    let regions = store.regions().await.unwrap();
    let slices = [
        Slice::All,
        Slice::Rep(reps[0].id),
        Slice::Region(regions[0].clone()),
        Slice::Grade(Some(Grade::B)),
        Slice::Grade(None),
        Slice::Region("nowhere".into()),
    ];
    let mut dates = vec![
        d(2024, 9, 14),
        d(2025, 2, 28),
        d(2026, 6, 15),
        d(2026, 6, 30),
        d(2026, 9, 9),
        d(2027, 1, 31),
    ];
    for _ in 0..4 {
        dates.push(d(2025, 1, 1) + Duration::days(rng.gen_range(0..600)));
    }
    let mut non_empty = 0;
    for as_of in &dates {
        for slice in &slices {
            let kept = dashboard_figures(store, slice, *as_of, Via::Aggregates)
                .await
                .unwrap();
            let recomputed = dashboard_figures(store, slice, *as_of, Via::Ledger)
                .await
                .unwrap();
            assert_eq!(kept, recomputed, "{slice:?} at {as_of}");
            non_empty += kept.open_at.iter().filter(|b| !b.is_empty()).count();
        }
    }
    assert!(
        non_empty > 100,
        "the comparison saw data ({non_empty} non-empty dates)"
    );
    // The last write shows at once: a payment today moves the cockpit.
    let today = d(2027, 1, 31);
    let before = dashboard_figures(store, &Slice::All, today, Via::Aggregates)
        .await
        .unwrap();
    let open = |f: &app::domain::dashboard::Figures| {
        f.open_at
            .last()
            .unwrap()
            .iter()
            .map(|(_, m)| m)
            .sum::<i64>()
    };
    let c = store
        .list_customers(
            &CustomerQuery {
                search: None,
                limit: 1,
                offset: 0,
            },
            Scope::All,
            today,
        )
        .await
        .unwrap()
        .remove(0);
    let p = NewPayment {
        reference: "RW-TODAY".into(),
        customer_id: c.id,
        received_on: today,
        amount: Money::from_minor(12_345, Currency::CNY),
        allocation: PaymentAllocation::Fifo,
    };
    store
        .insert_payments(&[p], "test", test_now())
        .await
        .unwrap();
    let after = dashboard_figures(store, &Slice::All, today, Via::Aggregates)
        .await
        .unwrap();
    assert_eq!(open(&before) - open(&after), 12_345.min(c.open.minor()));
    assert_eq!(
        after,
        dashboard_figures(store, &Slice::All, today, Via::Ledger)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn aggregates_equal_the_ledger_on_sqlite() {
    let db = TestDb::sqlite();
    aggregates_equal_the_ledger(db.store().await.as_ref()).await;
}

#[tokio::test]
async fn aggregates_equal_the_ledger_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("TEST_DATABASE_URL unset: PostgreSQL comparison skipped (make test sets it)");
        return;
    };
    aggregates_equal_the_ledger(db.store().await.as_ref()).await;
    db.drop_db().await;
}

/// Migration 0007 backfills each customer's month-end rows from a ledger that already
/// has data: after wiping them and running its backfill again, past dates read the same
/// as the ledger recomputation.
async fn backfill_matches(db: &TestDb, backfill: &str) {
    let store = db.store().await;
    let mut rng = StdRng::seed_from_u64(7);
    random_writes(store.as_ref(), &mut rng).await;
    let sql = backfill
        .split("WITH flows")
        .nth(1)
        .map(|rest| format!("WITH flows{rest}"))
        .unwrap();
    if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::query("DELETE FROM cust_snap")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::raw_sql(&sql).execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query("DELETE FROM cust_snap")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::raw_sql(&sql).execute(&pool).await.unwrap();
    }
    for as_of in [
        d(2025, 3, 17),
        d(2025, 12, 31),
        d(2026, 6, 15),
        d(2026, 8, 1),
    ] {
        let kept = dashboard_figures(store.as_ref(), &Slice::All, as_of, Via::Aggregates)
            .await
            .unwrap();
        let recomputed = dashboard_figures(store.as_ref(), &Slice::All, as_of, Via::Ledger)
            .await
            .unwrap();
        assert_eq!(kept.overdue, recomputed.overdue, "at {as_of}");
        assert!(kept.overdue.count > 0, "at {as_of}");
    }
}

#[tokio::test]
async fn customer_month_end_backfill_on_sqlite() {
    let db = TestDb::sqlite();
    backfill_matches(
        &db,
        include_str!("../../migrations/sqlite/0007_customer_month_ends.sql"),
    )
    .await;
}

#[tokio::test]
async fn customer_month_end_backfill_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("TEST_DATABASE_URL unset: PostgreSQL backfill test skipped (make test sets it)");
        return;
    };
    backfill_matches(
        &db,
        include_str!("../../migrations/postgres/0007_customer_month_ends.sql"),
    )
    .await;
    db.drop_db().await;
}
