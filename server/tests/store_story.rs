//! One story through the whole `Store` API, run on SQLite and, when TEST_DATABASE_URL
//! is set (as `make test` does), on PostgreSQL: same calls, same answers.
mod common;

use app::domain::aging::{self, Basis, Edges};
use app::domain::auth::{Role, Scope};
use app::domain::credit::{CreditPolicy, Decision, Reason};
use app::domain::customer::{Contact, CustomerCode, CustomerStatus, Grade, NewCustomer};
use app::domain::money::{Currency, Money};
use app::domain::uscc::Uscc;
use app::store::{
    AuditEntry, AuditQuery, CustomerQuery, NewCreditNote, NewInvoice, NewOrder, NewPayment,
    NewWriteOff, PaymentAllocation, Reversible, Store, StoreError,
};
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
        uscc: Some(Uscc::parse(uscc).unwrap()),
        region: "华东".into(),
        industry: "建筑施工".into(),
        sales_rep_id: rep,
        contact: Contact {
            name: "张伟".into(),
            phone: "13800000000".into(),
            email: "a@b.cn".into(),
        },
        payment_terms_days: 30,
        credit_limit: cny(1_000_000),
        temp_limit: Some((cny(200_000), d(7, 31))),
        status: CustomerStatus::Normal,
        grade: Some(Grade::B),
        group_code: None,
    }
}

async fn story(store: &dyn Store) {
    let now = test_now();
    // --- users, sessions, keys, audit
    let rep_a = add_user(store, "rep.a", Role::SalesRep, "password-a").await;
    let rep_b = add_user(store, "rep.b", Role::SalesRep, "password-b").await;
    let dup = store
        .create_user(
            app::store::NewUser {
                username: "rep.a".into(),
                display_name: "x".into(),
                role: Role::Admin,
                password_hash: "x".into(),
            },
            now,
        )
        .await;
    assert!(
        matches!(dup, Err(StoreError::Conflict(ref m)) if m.contains("username")),
        "{dup:?}"
    );
    let creds = store.user_credentials("rep.a").await.unwrap().unwrap();
    assert_eq!(creds.user.role, Role::SalesRep);
    assert!(app::session::verify_password(
        "password-a",
        &creds.password_hash
    ));
    assert!(store.user_credentials("nobody").await.unwrap().is_none());
    assert_eq!(store.users_by_role(Role::SalesRep).await.unwrap().len(), 2);

    sessions_story(store, rep_a, now).await;

    api_keys_story(store, now).await;
    store
        .audit(now, "rep.a", AuditEntry::new("session", "rep.a", "login"))
        .await
        .unwrap();

    // --- customers
    let ids = store
        .insert_customers(
            &[
                customer(
                    "C1",
                    "长沙宏达建设工程有限公司",
                    "91350100M000100Y43",
                    Some(rep_a),
                ),
                customer(
                    "C2",
                    "北京远航矿业有限公司",
                    "91110000100017643K",
                    Some(rep_b),
                ),
            ],
            "test",
            now,
        )
        .await
        .unwrap();
    let (c1, c2) = (ids[0], ids[1]);
    let fresh_uscc = Uscc::with_check_digit("91440300MA5F00000").unwrap();
    let again = store
        .insert_customers(
            &[customer("C1", "x", fresh_uscc.as_str(), None)],
            "test",
            now,
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(ref m)) if m.contains("code")),
        "{again:?}"
    );
    assert_eq!(
        store.count_customers().await.unwrap(),
        2,
        "a failed batch writes nothing"
    );

    let file = store.customer_file(c1, Scope::All).await.unwrap().unwrap();
    assert_eq!(file.uscc.as_ref().unwrap().as_str(), "91350100M000100Y43");
    assert_eq!(file.sales_rep.as_deref(), Some("REP.A"));
    assert_eq!(file.temp_limit, Some((cny(200_000), d(7, 31))));
    assert_eq!(file.effective_limit(d(6, 30)), cny(1_200_000));
    assert!(
        store
            .customer_file(c1, Scope::Rep(rep_b))
            .await
            .unwrap()
            .is_none(),
        "out of scope is invisible"
    );

    // --- ledger: invoices in several buckets at 2026-06-30, and a future-dated one
    let inv = |n: &str, c: i64, date: NaiveDate, due: NaiveDate, yuan: i64| NewInvoice {
        number: n.into(),
        customer_id: c,
        order_ref: None,
        invoice_date: date,
        ship_date: None,
        acceptance_date: None,
        due_date: due,
        amount: cny(yuan),
    };
    let inv_ids = store
        .insert_invoices(
            &[
                inv("I1", c1, d(6, 1), d(7, 1), 100_000), // current
                inv("I2", c1, d(5, 1), d(5, 31), 50_000), // 30 days past due
                inv("I3", c1, d(2, 1), d(3, 1), 80_000),  // 121 days
                inv("I4", c2, d(4, 1), d(5, 1), 10_000),  // 60 days
                inv("I5", c2, d(7, 5), d(8, 4), 999_000), // after as_of: not counted
            ],
            "test",
            now,
        )
        .await
        .unwrap();
    assert_eq!(inv_ids.len(), 5);
    let bad_invoice = store
        .insert_invoices(&[inv("I9", c1, d(6, 2), d(6, 1), 1)], "test", now)
        .await;
    assert!(matches!(bad_invoice, Err(StoreError::Rejected(_))));

    // Partial payment on I3 dated 6-15, full payment of I4 dated 7-02 (after as_of).
    let manual = |lines: &[(&str, i64)]| {
        PaymentAllocation::Manual(
            lines
                .iter()
                .map(|(n, y)| (n.to_string(), cny(*y)))
                .collect(),
        )
    };
    let pay =
        |r: &str, c: i64, on: NaiveDate, yuan: i64, allocation: PaymentAllocation| NewPayment {
            reference: r.into(),
            customer_id: c,
            received_on: on,
            amount: cny(yuan),
            allocation,
        };
    let posted = store
        .insert_payments(
            &[
                pay("P1", c1, d(6, 15), 30_000, manual(&[("I3", 30_000)])),
                pay("P2", c2, d(7, 2), 10_000, manual(&[("I4", 10_000)])),
            ],
            "test",
            now,
        )
        .await
        .unwrap();
    assert_eq!(posted[0].allocations, vec![("I3".to_string(), cny(30_000))]);
    assert_eq!(posted[1].unallocated, cny(0));

    // Over-allocation, foreign invoice and allocations above the payment are refused, and write nothing.
    let rejected =
        |r: Result<Vec<app::store::PostedPayment>, StoreError>, field: &str, text: &str| match r {
            Err(StoreError::Rejected(f)) => {
                assert!(f.field == field && f.message.contains(text), "{f:?}")
            }
            other => panic!("expected a rejection naming {field}, got {other:?}"),
        };
    rejected(
        store
            .insert_payments(
                &[pay("P3", c1, d(6, 20), 60_000, manual(&[("I3", 50_001)]))],
                "test",
                now,
            )
            .await,
        "allocations",
        "exceeds its open amount",
    );
    rejected(
        store
            .insert_payments(
                &[pay("P4", c1, d(6, 20), 1, manual(&[("I4", 1)]))],
                "test",
                now,
            )
            .await,
        "allocations[0].invoice_number",
        "another customer",
    );
    rejected(
        store
            .insert_payments(
                &[pay("P5", c1, d(6, 20), 1, manual(&[("I1", 2)]))],
                "test",
                now,
            )
            .await,
        "allocations",
        "more than the payment",
    );
    rejected(
        store
            .insert_payments(
                &[pay("P6", c1, d(6, 20), 1, manual(&[("NOPE", 1)]))],
                "test",
                now,
            )
            .await,
        "allocations[0].invoice_number",
        "no invoice NOPE",
    );
    let dup_ref = store
        .insert_payments(&[pay("P1", c1, d(6, 20), 1, manual(&[]))], "test", now)
        .await;
    assert!(
        matches!(dup_ref, Err(StoreError::Conflict(ref m)) if m.contains("reference")),
        "{dup_ref:?}"
    );
    // A batch is all-or-nothing: the good first payment of a failing batch is not kept.
    let batch = store
        .insert_payments(
            &[
                pay("P7", c1, d(6, 20), 5, manual(&[("I1", 5)])),
                pay("P8", c1, d(6, 20), 1, manual(&[("I4", 1)])),
            ],
            "test",
            now,
        )
        .await;
    assert!(batch.is_err());
    assert_eq!(
        store
            .open_invoices(c1, d(6, 30))
            .await
            .unwrap()
            .iter()
            .find(|l| l.number == "I1")
            .unwrap()
            .open,
        cny(100_000)
    );

    // --- point-in-time aging at 2026-06-30
    let as_of = d(6, 30);
    let items = store.open_items(Scope::All, as_of).await.unwrap();
    let due = Edges::standard(Basis::Due);
    let s = aging::summarize(as_of, Currency::CNY, &due, &items).unwrap();
    assert_eq!(s.total, cny(100_000 + 50_000 + 50_000 + 10_000));
    let by_key: Vec<(&str, Money)> = s
        .buckets
        .iter()
        .map(|b| (b.key.as_str(), b.amount))
        .collect();
    assert_eq!(
        by_key,
        [
            ("current", cny(100_000)),
            ("1-30", cny(50_000)),
            ("31-60", cny(10_000)),
            ("61-90", cny(0)),
            ("90+", cny(50_000))
        ]
    );
    // On invoice age: I1 is 29 days old, I2 60, I4 90, I3 149.
    let by_age = aging::summarize(
        as_of,
        Currency::CNY,
        &Edges::standard(Basis::Invoice),
        &items,
    )
    .unwrap();
    let by_key: Vec<(&str, Money)> = by_age
        .buckets
        .iter()
        .map(|b| (b.key.as_str(), b.amount))
        .collect();
    assert_eq!(
        by_key,
        [
            ("0-30", cny(100_000)),
            ("31-60", cny(50_000)),
            ("61-90", cny(10_000)),
            ("90+", cny(50_000))
        ]
    );
    assert_eq!(s.customers_overdue, 2);
    // One day later, I4's payment counts and I5 is still in the future.
    let s2 = aging::summarize(
        d(7, 2),
        Currency::CNY,
        &due,
        &store.open_items(Scope::All, d(7, 2)).await.unwrap(),
    )
    .unwrap();
    assert_eq!(s2.total, cny(200_000));
    // Scoped to rep B: only C2's invoice.
    let b_items = store.open_items(Scope::Rep(rep_b), as_of).await.unwrap();
    assert_eq!(
        b_items.iter().map(|i| i.open.minor()).sum::<i64>(),
        cny(10_000).minor()
    );

    let lines = store.open_invoices(c1, as_of).await.unwrap();
    assert_eq!(
        lines.iter().map(|l| l.number.as_str()).collect::<Vec<_>>(),
        ["I3", "I2", "I1"]
    );
    assert_eq!(lines[0].open, cny(50_000));
    assert_eq!(lines[0].amount, cny(80_000));

    // --- the customer list: receivables, scope, search (with LIKE wildcards escaped)
    let all = CustomerQuery {
        search: None,
        limit: 50,
        offset: 0,
    };
    let rows = store.list_customers(&all, Scope::All, as_of).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].code.as_str(), "C1", "most overdue first");
    assert_eq!(rows[0].open, cny(200_000));
    assert_eq!(rows[0].overdue, cny(100_000));
    assert_eq!(rows[0].max_days_past_due, 121);
    assert_eq!(rows[1].max_days_past_due, 60);
    let mine = store
        .list_customers(&all, Scope::Rep(rep_a), as_of)
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|r| r.id).collect::<Vec<_>>(), [c1]);
    let search = |s: &str| CustomerQuery {
        search: Some(s.into()),
        limit: 50,
        offset: 0,
    };
    assert_eq!(
        store
            .list_customers(&search("远航"), Scope::All, as_of)
            .await
            .unwrap()[0]
            .id,
        c2
    );
    assert_eq!(
        store
            .list_customers(&search("c1"), Scope::All, as_of)
            .await
            .unwrap()[0]
            .id,
        c1
    );
    assert_eq!(
        store
            .list_customers(&search("91110000"), Scope::All, as_of)
            .await
            .unwrap()[0]
            .id,
        c2
    );
    assert!(store
        .list_customers(&search("%"), Scope::All, as_of)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .list_customers(&search("远航"), Scope::Rep(rep_a), as_of)
        .await
        .unwrap()
        .is_empty());
    let page2 = CustomerQuery {
        search: None,
        limit: 1,
        offset: 1,
    };
    assert_eq!(
        store
            .list_customers(&page2, Scope::All, as_of)
            .await
            .unwrap()[0]
            .id,
        c2
    );

    ledger_corrections(store, c1, c2).await;
}

/// Orders, credit notes, write-offs and reversals, with the maintained exposure checked
/// against a recomputation after every step.
async fn ledger_corrections(store: &dyn Store, c1: i64, c2: i64) {
    let now = test_now();
    let policy = CreditPolicy::default();
    let agrees = |c: i64| async move {
        let kept = store.credit_position(c, d(6, 30)).await.unwrap().exposure;
        let recomputed = store.recomputed_exposure(c, d(6, 30)).await.unwrap();
        assert_eq!(
            kept, recomputed,
            "maintained exposure of customer {c} drifted"
        );
        kept
    };
    // C1 owes I1 100k + I2 50k + I3 50k = 200k; limit 1.0M + temp 0.2M. I3 is 121 days overdue.
    let e = agrees(c1).await;
    assert_eq!(e.total().unwrap(), cny(200_000));
    let order = |n: &str, c: i64, yuan: i64| NewOrder {
        number: n.into(),
        customer_id: c,
        ordered_on: d(6, 30),
        amount: cny(yuan),
    };
    let (_, check) = store
        .post_order(&order("SO-1", c1, 100_000), policy, "test", now)
        .await
        .unwrap();
    assert_eq!(
        check.decision,
        Decision::NeedsApproval,
        "I3 is more than 90 days overdue"
    );
    assert_eq!(check.reasons, vec![Reason::Overdue]);
    assert_eq!(check.available_before, cny(1_000_000));
    assert_eq!(
        agrees(c1).await.open_orders,
        cny(0),
        "only approved orders count"
    );

    // C2: I4 paid by P2, I5 999k open; limit 1.2M → available 201k.
    let (_, check) = store
        .post_order(&order("SO-2", c2, 150_000), policy, "test", now)
        .await
        .unwrap();
    assert_eq!(
        (check.decision, check.available_after),
        (Decision::Approved, cny(51_000))
    );
    assert_eq!(agrees(c2).await.open_orders, cny(150_000));
    let (_, check) = store
        .post_order(&order("SO-3", c2, 60_000), policy, "test", now)
        .await
        .unwrap();
    assert_eq!(
        (check.decision, check.reasons.clone()),
        (Decision::NeedsApproval, vec![Reason::OverLimit])
    );
    let dup = store
        .post_order(&order("SO-2", c2, 1), policy, "test", now)
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");

    // An invoice for 100k against SO-2 releases 100k of it; a second for 80k releases the last 50k.
    let inv = |n: &str, yuan: i64| NewInvoice {
        number: n.into(),
        customer_id: c2,
        order_ref: Some("SO-2".into()),
        invoice_date: d(6, 30),
        ship_date: Some(d(6, 29)),
        acceptance_date: None,
        due_date: d(7, 30),
        amount: cny(yuan),
    };
    store
        .insert_invoices(&[inv("I6", 100_000)], "test", now)
        .await
        .unwrap();
    assert_eq!(agrees(c2).await.open_orders, cny(50_000));
    store
        .insert_invoices(&[inv("I7", 80_000)], "test", now)
        .await
        .unwrap();
    assert_eq!(agrees(c2).await.open_orders, cny(0));
    // A cancelled order releases what is left of it.
    store
        .post_order(&order("SO-4", c2, 1_000), policy, "test", now)
        .await
        .unwrap();
    store
        .cancel_order("SO-4", d(6, 30), "customer withdrew", "test", now)
        .await
        .unwrap();
    assert_eq!(agrees(c2).await.open_orders, cny(0));
    assert!(matches!(
        store
            .cancel_order("SO-4", d(6, 30), "again", "test", now)
            .await,
        Err(StoreError::Conflict(_))
    ));

    // Credit notes: one reduces I1, one stays as a credit; one above I2's open is refused.
    let note = |n: &str, yuan: i64, invoice: Option<&str>| NewCreditNote {
        number: n.into(),
        customer_id: c1,
        issued_on: d(6, 30),
        amount: cny(yuan),
        invoice_number: invoice.map(str::to_string),
        reason: "price adjustment".into(),
    };
    store
        .insert_credit_note(&note("CN-1", 1_000, Some("I1")), "test", now)
        .await
        .unwrap();
    store
        .insert_credit_note(&note("CN-2", 500, None), "test", now)
        .await
        .unwrap();
    let over = store
        .insert_credit_note(&note("CN-3", 50_001, Some("I2")), "test", now)
        .await;
    assert!(
        matches!(over, Err(StoreError::Rejected(ref f)) if f.field == "amount"),
        "{over:?}"
    );
    let e = agrees(c1).await;
    assert_eq!(
        (e.open_invoices, e.unallocated_credits),
        (cny(199_000), cny(500))
    );

    // A payment of 49,999.40 on I2 leaves 0.60 open: within the 1.00 tolerance, written off.
    let cents = |m: i64| Money::from_minor(m, Currency::CNY);
    let p = NewPayment {
        reference: "P9".into(),
        customer_id: c1,
        received_on: d(6, 30),
        amount: cents(4_999_940),
        allocation: PaymentAllocation::Manual(vec![("I2".into(), cents(4_999_940))]),
    };
    store.insert_payments(&[p], "test", now).await.unwrap();
    let tolerance = cny(1);
    let too_much = store
        .write_off(
            &NewWriteOff {
                invoice_number: "I1".into(),
                written_on: d(6, 30),
                tolerance,
                reason: "rounding".into(),
            },
            "test",
            now,
        )
        .await;
    assert!(
        matches!(too_much, Err(StoreError::Rejected(ref f)) if f.message.contains("tolerance")),
        "{too_much:?}"
    );
    let written = store
        .write_off(
            &NewWriteOff {
                invoice_number: "I2".into(),
                written_on: d(6, 30),
                tolerance,
                reason: "rounding".into(),
            },
            "test",
            now,
        )
        .await
        .unwrap();
    assert_eq!(written, cents(60));
    assert!(
        store
            .open_invoices(c1, d(6, 30))
            .await
            .unwrap()
            .iter()
            .all(|l| l.number != "I2"),
        "I2 is closed"
    );
    agrees(c1).await;

    // FIFO: a 60,000 payment pays I3 (oldest due, 50k open) then 10k of I1.
    let fifo = store
        .insert_payments(
            &[NewPayment {
                reference: "P10".into(),
                customer_id: c1,
                received_on: d(6, 30),
                amount: cny(60_000),
                allocation: PaymentAllocation::Fifo,
            }],
            "test",
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        fifo[0].allocations,
        vec![
            ("I3".to_string(), cny(50_000)),
            ("I1".to_string(), cny(10_000))
        ]
    );
    assert_eq!(agrees(c1).await.open_invoices, cny(89_000));

    // Reversals undo the entry with new rows: the payment's allocations come back open.
    store
        .reverse(
            &Reversible::Payment("P10".into()),
            d(7, 1),
            "bounced",
            "test",
            now,
        )
        .await
        .unwrap();
    let e = agrees(c1).await;
    assert_eq!(e.open_invoices, cny(149_000));
    let again = store
        .reverse(
            &Reversible::Payment("P10".into()),
            d(7, 1),
            "twice",
            "test",
            now,
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let early = store
        .reverse(
            &Reversible::Payment("P9".into()),
            d(6, 1),
            "before",
            "test",
            now,
        )
        .await;
    assert!(
        matches!(early, Err(StoreError::Rejected(ref f)) if f.field == "reversed_on"),
        "{early:?}"
    );
    store
        .reverse(
            &Reversible::WriteOff("I2".into()),
            d(7, 1),
            "wrong",
            "test",
            now,
        )
        .await
        .unwrap();
    store
        .reverse(
            &Reversible::CreditNote("CN-2".into()),
            d(7, 1),
            "wrong",
            "test",
            now,
        )
        .await
        .unwrap();
    let e = agrees(c1).await;
    assert_eq!(
        (e.open_invoices, e.unallocated_credits),
        (cents(14_900_060), cny(0))
    );
    // Point in time: on 6-30 the reversed payment still counted.
    let at_630: i64 = store
        .open_invoices(c1, d(6, 30))
        .await
        .unwrap()
        .iter()
        .map(|l| l.open.minor())
        .sum();
    assert_eq!(at_630, cny(89_000).minor());

    // Every change above is in the audit trail, hash-chained and intact.
    let trail = store
        .audit_trail(&AuditQuery {
            entity: Some("payment".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(trail
        .iter()
        .any(|r| r.entry.entity_key == "P10" && r.entry.action == "reverse"));
    let v = store.verify_audit().await.unwrap();
    assert_eq!(v.first_broken, None);
    assert!(v.rows > 20, "{v:?}");

    ledger_reads(store, c1).await;
    idempotency_claims(store, c1).await;
}

/// What the invoice list, the customer page and the filters read, on the same ledger.
async fn ledger_reads(store: &dyn Store, c1: i64) {
    use app::domain::invoice::{InvoiceSort, InvoiceStatus};
    use app::store::InvoiceQuery;
    let as_of = d(7, 1);
    let q = |status| InvoiceQuery {
        as_of,
        status,
        customer_id: Some(c1),
        limit: 1000,
        ..Default::default()
    };
    let open = store
        .list_invoices(
            &InvoiceQuery {
                sort: InvoiceSort::Open,
                descending: true,
                ..q(InvoiceStatus::Open)
            },
            Scope::All,
        )
        .await
        .unwrap();
    let expected: i64 = store
        .open_invoices(c1, as_of)
        .await
        .unwrap()
        .iter()
        .map(|l| l.open.minor())
        .sum();
    assert_eq!(
        open.iter().map(|r| r.line.open.minor()).sum::<i64>(),
        expected
    );
    assert!(
        open.windows(2)
            .all(|w| w[0].line.open.minor() >= w[1].line.open.minor()),
        "sorted by open, descending"
    );
    let all = store
        .list_invoices(&q(InvoiceStatus::All), Scope::All)
        .await
        .unwrap();
    let paid = store
        .list_invoices(&q(InvoiceStatus::Paid), Scope::All)
        .await
        .unwrap();
    assert_eq!(
        all.len(),
        open.len() + paid.len(),
        "every invoice is open or paid"
    );
    assert!(paid.iter().all(|r| r.line.open.is_zero()));
    let overdue = store
        .list_invoices(&q(InvoiceStatus::Overdue), Scope::All)
        .await
        .unwrap();
    assert!(overdue
        .iter()
        .all(|r| r.line.due_date < as_of && r.line.open.minor() > 0));
    // A date window (what a bucket or "days overdue" becomes) bounds the due dates.
    let window = (Some(d(6, 1)), Some(d(6, 30)));
    let inside = store
        .list_invoices(
            &InvoiceQuery {
                due_between: window,
                ..q(InvoiceStatus::All)
            },
            Scope::All,
        )
        .await
        .unwrap();
    assert!(inside
        .iter()
        .all(|r| r.line.due_date >= d(6, 1) && r.line.due_date <= d(6, 30)));
    assert_eq!(
        inside.len(),
        all.iter()
            .filter(|r| r.line.due_date >= d(6, 1) && r.line.due_date <= d(6, 30))
            .count()
    );
    // Paging never overlaps.
    let page = |offset| InvoiceQuery {
        limit: 2,
        offset,
        sort: InvoiceSort::Number,
        ..q(InvoiceStatus::All)
    };
    let (p1, p2) = (
        store.list_invoices(&page(0), Scope::All).await.unwrap(),
        store.list_invoices(&page(2), Scope::All).await.unwrap(),
    );
    assert!(p1
        .iter()
        .all(|a| p2.iter().all(|b| a.line.number != b.line.number)));
    assert!(
        store
            .list_invoices(&q(InvoiceStatus::All), Scope::Rep(-1))
            .await
            .unwrap()
            .is_empty(),
        "scope filters"
    );

    let payments = store.customer_payments(c1, 50).await.unwrap();
    let p10 = payments
        .iter()
        .find(|p| p.reference == "P10")
        .expect("P10 listed");
    assert!(
        p10.reversed && p10.allocations.is_empty() && p10.unallocated.is_zero(),
        "{p10:?}"
    );
    for p in payments.iter().filter(|p| !p.reversed) {
        let allocated: i64 = p.allocations.iter().map(|(_, m)| m.minor()).sum();
        assert_eq!(allocated + p.unallocated.minor(), p.amount.minor(), "{p:?}");
    }
    let timeline = store.customer_timeline(c1, 100).await.unwrap();
    assert!(
        timeline.windows(2).all(|w| w[0].on >= w[1].on),
        "newest first"
    );
    for kind in [
        "invoice",
        "payment",
        "credit_note",
        "write_off",
        "order",
        "reversal",
    ] {
        assert!(
            timeline.iter().any(|e| e.kind == kind),
            "timeline lacks {kind}"
        );
    }
    // Point in time: the invoice list, the open items and the customer list start from
    // today's balances and add back later allocations; they must agree with the per-invoice
    // recomputation (`open_invoices`) at every date, including before later payments.
    for as_of in [d(3, 15), d(5, 1), d(6, 1), d(6, 15), d(7, 1), d(12, 31)] {
        let recomputed: i64 = store
            .open_invoices(c1, as_of)
            .await
            .unwrap()
            .iter()
            .map(|l| l.open.minor())
            .sum();
        let q = InvoiceQuery {
            as_of,
            status: InvoiceStatus::Open,
            customer_id: Some(c1),
            limit: 1000,
            ..Default::default()
        };
        let listed: i64 = store
            .list_invoices(&q, Scope::All)
            .await
            .unwrap()
            .iter()
            .map(|r| r.line.open.minor())
            .sum();
        let items: i64 = store
            .open_items(Scope::All, as_of)
            .await
            .unwrap()
            .iter()
            .filter(|i| i.customer_id == c1)
            .map(|i| i.open.minor())
            .sum();
        let row = store
            .list_customers(
                &CustomerQuery {
                    search: None,
                    limit: 1000,
                    offset: 0,
                },
                Scope::All,
                as_of,
            )
            .await
            .unwrap();
        let row = row.iter().find(|r| r.id == c1).unwrap().open.minor();
        assert_eq!(
            (listed, items, row),
            (recomputed, recomputed, recomputed),
            "open at {as_of}"
        );
    }
    let regions = store.regions().await.unwrap();
    assert!(
        !regions.is_empty() && regions.windows(2).all(|w| w[0] < w[1]),
        "{regions:?}"
    );
}

/// An Idempotency-Key claim's response commits with the write it answers, or not at all.
async fn idempotency_claims(store: &dyn Store, c1: i64) {
    use app::store::{Claim, StoredResponse, Written};
    use std::sync::Arc;
    let now = test_now();
    let key = store
        .create_api_key("claims", "claims-key-hash", now)
        .await
        .unwrap();
    let claim = |k: &str| {
        Arc::new(Claim::new(
            key,
            k.into(),
            format!("hash-{k}"),
            |w| match w {
                Written::Payments([p]) => {
                    Some((201, format!("{{\"reference\":\"{}\"}}", p.reference)))
                }
                _ => None,
            },
        ))
    };
    let pay = |r: &str, allocation| NewPayment {
        reference: r.into(),
        customer_id: c1,
        received_on: d(7, 2),
        amount: cny(10),
        allocation,
    };
    let references = || async {
        store
            .customer_payments(c1, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.reference)
            .collect::<Vec<_>>()
    };

    let first = claim("k1");
    store
        .claiming(first.clone())
        .insert_payments(&[pay("PC1", PaymentAllocation::Fifo)], "api:claims", now)
        .await
        .unwrap();
    let saved = StoredResponse {
        request_hash: "hash-k1".into(),
        status: 201,
        body: r#"{"reference":"PC1"}"#.into(),
    };
    assert_eq!(
        first.saved(),
        Some(saved.clone()),
        "the committed write reports its saved response"
    );
    assert_eq!(
        store.stored_response(key, "k1").await.unwrap(),
        Some(saved),
        "saved with the write"
    );

    // A refused write saves nothing under its key.
    let refused = claim("k2");
    let bad = PaymentAllocation::Manual(vec![("NO-SUCH-INVOICE".into(), cny(10))]);
    assert!(store
        .claiming(refused.clone())
        .insert_payments(&[pay("PC2", bad)], "api:claims", now)
        .await
        .is_err());
    assert!(refused.saved().is_none() && store.stored_response(key, "k2").await.unwrap().is_none());

    // A key that already has a response refuses the whole write: no second payment.
    let again = store
        .claiming(claim("k1"))
        .insert_payments(&[pay("PC3", PaymentAllocation::Fifo)], "api:claims", now)
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    // A claim with no response for what was written refuses it too.
    let wrong = Arc::new(Claim::new(key, "k4".into(), "hash-k4".into(), |_| None));
    assert!(store
        .claiming(wrong)
        .insert_payments(&[pay("PC4", PaymentAllocation::Fifo)], "api:claims", now)
        .await
        .is_err());
    let refs = references().await;
    assert!(refs.contains(&"PC1".to_string()), "{refs:?}");
    for r in ["PC2", "PC3", "PC4"] {
        assert!(
            !refs.contains(&r.to_string()),
            "{r} must not exist: {refs:?}"
        );
    }
    // Other writes through a claiming handle save nothing unless they answer it.
    assert!(store
        .claiming(claim("k5"))
        .recomputed_exposure(c1, test_now().date_naive())
        .await
        .is_ok());
    assert!(store.stored_response(key, "k5").await.unwrap().is_none());
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
    let params = server::seed::GenerateParams {
        customers: 60,
        invoices: 1_500,
        seed: 9,
        anchor,
        unpaid_percent: 0,
    };
    let mut totals = Vec::new();
    for _ in 0..2 {
        let db = TestDb::sqlite();
        let store = db.store().await;
        let made = server::seed::generate(store.as_ref(), params, test_now(), &mut |_| {})
            .await
            .unwrap();
        assert_eq!((made.customers, made.invoices), (60, 1_500));
        let items = store.open_items(Scope::All, anchor).await.unwrap();
        let s =
            aging::summarize(anchor, Currency::CNY, &Edges::standard(Basis::Due), &items).unwrap();
        for b in &s.buckets {
            assert!(b.amount.minor() > 0, "bucket {} empty", b.key);
        }
        assert_eq!(
            s.buckets.iter().map(|b| b.amount.minor()).sum::<i64>(),
            s.total.minor()
        );
        let uscc_ok = store
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
        assert_eq!(uscc_ok.len(), 60);
        totals.push((s.total, s.overdue, made.payments));
        let again = server::seed::generate(store.as_ref(), params, test_now(), &mut |_| {}).await;
        assert!(again.unwrap_err().contains("already has 60 customers"));
    }
    assert_eq!(totals[0], totals[1], "same seed, same data");
}

/// Sessions: opened, seen, listed, ended (all but one, or by disabling the user) and
/// purged when idle or expired.
async fn sessions_story(
    store: &dyn app::store::Store,
    user: i64,
    now: chrono::DateTime<chrono::Utc>,
) {
    use app::domain::sessions::ABSOLUTE;
    let open = |hash: &str, at| app::store::NewSession {
        token_hash: hash.into(),
        user_id: user,
        created_at: at,
        expires_at: at + ABSOLUTE,
        user_agent: "Chrome/126 Android".into(),
        address: "10.0.0.7".into(),
    };
    store.create_session(&open("h1", now)).await.unwrap();
    store
        .create_session(&open("idle", now - Duration::minutes(40)))
        .await
        .unwrap();
    let s = store.session("h1").await.unwrap().unwrap();
    assert_eq!(
        (s.user.id, s.last_seen_at, s.user_disabled),
        (user, now, false)
    );
    assert_eq!(
        (s.user_agent.as_str(), s.address.as_str()),
        ("Chrome/126 Android", "10.0.0.7")
    );
    store
        .touch_session("h1", now + Duration::minutes(5))
        .await
        .unwrap();
    let listed = store.user_sessions(user).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|s| s.token_hash.as_str())
            .collect::<Vec<_>>(),
        ["h1", "idle"]
    );
    assert_eq!(listed[0].last_seen_at, now + Duration::minutes(5));

    let purged = store
        .purge_sessions(now, now - Duration::minutes(30))
        .await
        .unwrap();
    assert_eq!(purged, 1, "the idle one");
    assert!(store.session("idle").await.unwrap().is_none());
    let later = now + ABSOLUTE + Duration::minutes(1);
    assert_eq!(
        store
            .purge_sessions(later, now - Duration::days(1))
            .await
            .unwrap(),
        1,
        "expired"
    );

    for h in ["a", "b", "c"] {
        store.create_session(&open(h, now)).await.unwrap();
    }
    assert_eq!(store.end_sessions(user, Some("b")).await.unwrap(), 2);
    assert!(store.session("b").await.unwrap().is_some());
    store.set_user_disabled(user, Some(now)).await.unwrap();
    assert!(
        store.session("b").await.unwrap().is_none(),
        "disabling ends every session"
    );
    let name = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.id == user)
        .unwrap()
        .username;
    assert!(
        store.user_credentials(&name).await.unwrap().is_none(),
        "a disabled user cannot sign in"
    );
    store.set_user_disabled(user, None).await.unwrap();
    store.set_password(user, "new-hash").await.unwrap();
    assert_eq!(
        store
            .user_credentials(&name)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "new-hash"
    );
    store.create_session(&open("d", now)).await.unwrap();
    store.delete_session("d").await.unwrap();
    assert!(store.session("d").await.unwrap().is_none());
}

/// API keys: legacy scopes by default, scoped keys, revocation and last use.
async fn api_keys_story(store: &dyn app::store::Store, now: chrono::DateTime<chrono::Utc>) {
    use app::domain::api_keys::{ApiScope, ApiScopes};
    let erp = store.create_api_key("erp", "keyhash", now).await.unwrap();
    let key = store.api_key("keyhash").await.unwrap().unwrap();
    assert_eq!((key.name.as_str(), key.scopes), ("erp", ApiScopes::LEGACY));
    assert_eq!(
        (key.expires_at, key.revoked_at, key.last_used_at),
        (None, None, None)
    );
    assert!(store.api_key("other").await.unwrap().is_none());
    let with_admin = app::domain::api_keys::ApiScopes::parse("read,ledger:write,admin").unwrap();
    store.set_api_key_scopes(erp, with_admin).await.unwrap();
    let scopes = store.api_key("keyhash").await.unwrap().unwrap().scopes;
    assert!(scopes.contains(ApiScope::Admin) && scopes.contains(ApiScope::LedgerWrite));
    let crm = app::store::NewApiKey {
        name: "crm".into(),
        key_hash: "crmhash".into(),
        scopes: ApiScopes::parse("read,pii:read").unwrap(),
        expires_at: Some(now + Duration::days(30)),
        rate_per_minute: 60,
    };
    store.add_api_key(&crm, now).await.unwrap();
    store.touch_api_key(erp, now).await.unwrap();
    store.revoke_api_key("crm", now).await.unwrap();
    assert!(matches!(
        store.revoke_api_key("crm", now).await,
        Err(StoreError::NotFound)
    ));
    let keys = store.api_keys().await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].last_used_at, Some(now));
    assert_eq!(
        (keys[1].revoked_at, keys[1].rate_per_minute),
        (Some(now), 60)
    );
    assert_eq!(keys[1].expires_at, Some(now + Duration::days(30)));
    assert_eq!(keys[1].scopes.to_string_list(), "read,pii:read");
}
