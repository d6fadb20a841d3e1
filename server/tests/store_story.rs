//! One story through the whole `Store` API, run on SQLite and, when TEST_DATABASE_URL
//! is set (as `make test` does), on PostgreSQL: same calls, same answers.
mod common;

use app::domain::aging::{self, Basis, Edges};
use app::domain::auth::{Role, Scope};
use app::domain::customer::{Contact, CustomerCode, CustomerStatus, Grade, NewCustomer};
use app::domain::money::{Currency, Money};
use app::domain::uscc::Uscc;
use app::store::{CustomerQuery, NewInvoice, NewPayment, Store, StoreError};
use chrono::{Duration, NaiveDate};
use common::{add_user, test_now, TestDb};

fn cny(yuan: i64) -> Money {
    Money::from_minor(yuan * 100, Currency::CNY)
}

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

fn customer(code: &str, name: &str, uscc: &str, rep: Option<i64>) -> NewCustomer {
    NewCustomer {
        code: CustomerCode::parse(code).unwrap(),
        name: name.into(),
        uscc: Uscc::parse(uscc).unwrap(),
        region: "华东".into(),
        industry: "建筑施工".into(),
        sales_rep_id: rep,
        contact: Contact { name: "张伟".into(), phone: "13800000000".into(), email: "a@b.cn".into() },
        payment_terms_days: 30,
        credit_limit: cny(1_000_000),
        temp_limit: Some((cny(200_000), d(7, 31))),
        status: CustomerStatus::Normal,
        grade: Some(Grade::B),
    }
}

async fn story(store: &dyn Store) {
    let now = test_now();
    // --- users, sessions, keys, audit
    let rep_a = add_user(store, "rep.a", Role::SalesRep, "password-a").await;
    let rep_b = add_user(store, "rep.b", Role::SalesRep, "password-b").await;
    let dup = store
        .create_user(
            app::store::NewUser { username: "rep.a".into(), display_name: "x".into(), role: Role::Admin, password_hash: "x".into() },
            now,
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(ref m)) if m.contains("username")), "{dup:?}");
    let creds = store.user_credentials("rep.a").await.unwrap().unwrap();
    assert_eq!(creds.user.role, Role::SalesRep);
    assert!(app::session::verify_password("password-a", &creds.password_hash));
    assert!(store.user_credentials("nobody").await.unwrap().is_none());
    assert_eq!(store.users_by_role(Role::SalesRep).await.unwrap().len(), 2);

    store.create_session("h1", rep_a, now, now + Duration::hours(1)).await.unwrap();
    assert_eq!(store.session_user("h1", now).await.unwrap().unwrap().id, rep_a);
    assert!(store.session_user("h1", now + Duration::hours(2)).await.unwrap().is_none(), "expired");
    store.delete_session("h1").await.unwrap();
    assert!(store.session_user("h1", now).await.unwrap().is_none(), "deleted");

    store.create_api_key("erp", "keyhash", now).await.unwrap();
    assert_eq!(store.api_key("keyhash").await.unwrap().unwrap().name, "erp");
    assert!(store.api_key("other").await.unwrap().is_none());
    store.audit(now, "rep.a", "login", "").await.unwrap();

    // --- customers
    let ids = store
        .insert_customers(
            &[
                customer("C1", "长沙宏达建设工程有限公司", "91350100M000100Y43", Some(rep_a)),
                customer("C2", "北京远航矿业有限公司", "91110000100017643K", Some(rep_b)),
            ],
            now,
        )
        .await
        .unwrap();
    let (c1, c2) = (ids[0], ids[1]);
    let fresh_uscc = Uscc::with_check_digit("91440300MA5F00000").unwrap();
    let again = store.insert_customers(&[customer("C1", "x", fresh_uscc.as_str(), None)], now).await;
    assert!(matches!(again, Err(StoreError::Conflict(ref m)) if m.contains("code")), "{again:?}");
    assert_eq!(store.count_customers().await.unwrap(), 2, "a failed batch writes nothing");

    let file = store.customer_file(c1, Scope::All).await.unwrap().unwrap();
    assert_eq!(file.uscc.as_str(), "91350100M000100Y43");
    assert_eq!(file.sales_rep.as_deref(), Some("REP.A"));
    assert_eq!(file.temp_limit, Some((cny(200_000), d(7, 31))));
    assert_eq!(file.effective_limit(d(6, 30)), cny(1_200_000));
    assert!(store.customer_file(c1, Scope::Rep(rep_b)).await.unwrap().is_none(), "out of scope is invisible");

    // --- ledger: invoices in several buckets at 2026-06-30, and a future-dated one
    let inv = |n: &str, c: i64, date: NaiveDate, due: NaiveDate, yuan: i64| NewInvoice {
        number: n.into(),
        customer_id: c,
        order_ref: None,
        invoice_date: date,
        due_date: due,
        amount: cny(yuan),
    };
    let inv_ids = store
        .insert_invoices(
            &[
                inv("I1", c1, d(6, 1), d(7, 1), 100_000),  // current
                inv("I2", c1, d(5, 1), d(5, 31), 50_000),  // 30 days past due
                inv("I3", c1, d(2, 1), d(3, 1), 80_000),   // 121 days
                inv("I4", c2, d(4, 1), d(5, 1), 10_000),   // 60 days
                inv("I5", c2, d(7, 5), d(8, 4), 999_000),  // after as_of: not counted
            ],
            now,
        )
        .await
        .unwrap();
    let bad_invoice = store.insert_invoices(&[inv("I9", c1, d(6, 2), d(6, 1), 1)], now).await;
    assert!(matches!(bad_invoice, Err(StoreError::Conflict(_))));

    // Partial payment on I3 dated 6-15, full payment of I4 dated 7-02 (after as_of).
    store
        .insert_payments(
            &[
                NewPayment { reference: "P1".into(), customer_id: c1, received_on: d(6, 15), amount: cny(30_000), allocations: vec![(inv_ids[2], cny(30_000))] },
                NewPayment { reference: "P2".into(), customer_id: c2, received_on: d(7, 2), amount: cny(10_000), allocations: vec![(inv_ids[3], cny(10_000))] },
            ],
            now,
        )
        .await
        .unwrap();

    // Over-allocation, foreign invoice and allocations above the payment are refused, and write nothing.
    let over = store
        .insert_payments(&[NewPayment { reference: "P3".into(), customer_id: c1, received_on: d(6, 20), amount: cny(60_000), allocations: vec![(inv_ids[2], cny(50_001))] }], now)
        .await;
    assert!(matches!(over, Err(StoreError::Conflict(ref m)) if m.contains("exceeds its open amount")), "{over:?}");
    let foreign = store
        .insert_payments(&[NewPayment { reference: "P4".into(), customer_id: c1, received_on: d(6, 20), amount: cny(1), allocations: vec![(inv_ids[3], cny(1))] }], now)
        .await;
    assert!(matches!(foreign, Err(StoreError::Conflict(ref m)) if m.contains("another customer")), "{foreign:?}");
    let above = store
        .insert_payments(&[NewPayment { reference: "P5".into(), customer_id: c1, received_on: d(6, 20), amount: cny(1), allocations: vec![(inv_ids[0], cny(2))] }], now)
        .await;
    assert!(matches!(above, Err(StoreError::Conflict(ref m)) if m.contains("exceed the payment")), "{above:?}");
    let dup_ref = store
        .insert_payments(&[NewPayment { reference: "P1".into(), customer_id: c1, received_on: d(6, 20), amount: cny(1), allocations: vec![] }], now)
        .await;
    assert!(matches!(dup_ref, Err(StoreError::Conflict(_))), "{dup_ref:?}");

    // --- point-in-time aging at 2026-06-30
    let as_of = d(6, 30);
    let items = store.open_items(Scope::All, as_of).await.unwrap();
    let due = Edges::standard(Basis::Due);
    let s = aging::summarize(as_of, Currency::CNY, &due, &items).unwrap();
    assert_eq!(s.total, cny(100_000 + 50_000 + 50_000 + 10_000));
    let by_key: Vec<(&str, Money)> = s.buckets.iter().map(|b| (b.key.as_str(), b.amount)).collect();
    assert_eq!(by_key, [("current", cny(100_000)), ("1-30", cny(50_000)), ("31-60", cny(10_000)), ("61-90", cny(0)), ("90+", cny(50_000))]);
    // On invoice age: I1 is 29 days old, I2 60, I4 90, I3 149.
    let by_age = aging::summarize(as_of, Currency::CNY, &Edges::standard(Basis::Invoice), &items).unwrap();
    let by_key: Vec<(&str, Money)> = by_age.buckets.iter().map(|b| (b.key.as_str(), b.amount)).collect();
    assert_eq!(by_key, [("0-30", cny(100_000)), ("31-60", cny(50_000)), ("61-90", cny(10_000)), ("90+", cny(50_000))]);
    assert_eq!(s.customers_overdue, 2);
    // One day later, I4's payment counts and I5 is still in the future.
    let s2 = aging::summarize(d(7, 2), Currency::CNY, &due, &store.open_items(Scope::All, d(7, 2)).await.unwrap()).unwrap();
    assert_eq!(s2.total, cny(200_000));
    // Scoped to rep B: only C2's invoice.
    let b_items = store.open_items(Scope::Rep(rep_b), as_of).await.unwrap();
    assert_eq!(b_items.iter().map(|i| i.open.minor()).sum::<i64>(), cny(10_000).minor());

    let lines = store.open_invoices(c1, as_of).await.unwrap();
    assert_eq!(lines.iter().map(|l| l.number.as_str()).collect::<Vec<_>>(), ["I3", "I2", "I1"]);
    assert_eq!(lines[0].open, cny(50_000));
    assert_eq!(lines[0].amount, cny(80_000));

    // --- the customer list: receivables, scope, search (with LIKE wildcards escaped)
    let all = CustomerQuery { search: None, limit: 50, offset: 0 };
    let rows = store.list_customers(&all, Scope::All, as_of).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].code.as_str(), "C1", "most overdue first");
    assert_eq!(rows[0].open, cny(200_000));
    assert_eq!(rows[0].overdue, cny(100_000));
    assert_eq!(rows[0].max_days_past_due, 121);
    assert_eq!(rows[1].max_days_past_due, 60);
    let mine = store.list_customers(&all, Scope::Rep(rep_a), as_of).await.unwrap();
    assert_eq!(mine.iter().map(|r| r.id).collect::<Vec<_>>(), [c1]);
    let search = |s: &str| CustomerQuery { search: Some(s.into()), limit: 50, offset: 0 };
    assert_eq!(store.list_customers(&search("远航"), Scope::All, as_of).await.unwrap()[0].id, c2);
    assert_eq!(store.list_customers(&search("c1"), Scope::All, as_of).await.unwrap()[0].id, c1);
    assert_eq!(store.list_customers(&search("91110000"), Scope::All, as_of).await.unwrap()[0].id, c2);
    assert!(store.list_customers(&search("%"), Scope::All, as_of).await.unwrap().is_empty());
    assert!(store.list_customers(&search("远航"), Scope::Rep(rep_a), as_of).await.unwrap().is_empty());
    let page2 = CustomerQuery { search: None, limit: 1, offset: 1 };
    assert_eq!(store.list_customers(&page2, Scope::All, as_of).await.unwrap()[0].id, c2);
}

#[tokio::test]
async fn store_story_on_sqlite() {
    let db = TestDb::sqlite();
    story(db.store().await.as_ref()).await;
}

#[tokio::test]
async fn store_story_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("TEST_DATABASE_URL unset: PostgreSQL story skipped (make test sets it)");
        return;
    };
    story(db.store().await.as_ref()).await;
    db.drop_db().await;
}

/// The demo generator fills every bucket, is deterministic, and keeps Σ buckets = total.
#[tokio::test]
async fn demo_data_is_deterministic_and_covers_every_bucket() {
    let anchor = d(6, 30);
    let params = server::seed::GenerateParams { customers: 60, invoices: 1_500, seed: 9, anchor };
    let mut totals = Vec::new();
    for _ in 0..2 {
        let db = TestDb::sqlite();
        let store = db.store().await;
        let made = server::seed::generate(store.as_ref(), params, test_now(), &mut |_| {}).await.unwrap();
        assert_eq!((made.customers, made.invoices), (60, 1_500));
        let items = store.open_items(Scope::All, anchor).await.unwrap();
        let s = aging::summarize(anchor, Currency::CNY, &Edges::standard(Basis::Due), &items).unwrap();
        for b in &s.buckets {
            assert!(b.amount.minor() > 0, "bucket {} empty", b.key);
        }
        assert_eq!(s.buckets.iter().map(|b| b.amount.minor()).sum::<i64>(), s.total.minor());
        let uscc_ok = store.list_customers(&CustomerQuery { search: None, limit: 100, offset: 0 }, Scope::All, anchor).await.unwrap();
        assert_eq!(uscc_ok.len(), 60);
        totals.push((s.total, s.overdue, made.payments));
        let again = server::seed::generate(store.as_ref(), params, test_now(), &mut |_| {}).await;
        assert!(again.unwrap_err().contains("already has 60 customers"));
    }
    assert_eq!(totals[0], totals[1], "same seed, same data");
}
