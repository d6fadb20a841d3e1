//! Document feeds for ERP systems, on SQLite and (with TEST_DATABASE_URL) PostgreSQL,
//! then over the REST API:
//! - pages follow posting order after a cursor, with no document skipped or repeated,
//!   even when one is posted between two pages;
//! - an invoice's open amount is the one at `as_of`, and invoices dated later are left
//!   out; a reversed payment settles nothing; an order's state follows its release or
//!   cancellation;
//! - filters by customer, state, dates and number;
//! - a bad cursor, status, date order, unknown field or `as_of` where it means nothing is
//!   400 naming it; an unknown customer or document is 404.
mod common;

use app::domain::money::{Currency, Money};
use app::store::{
    FeedQuery, InvoiceState, NewCreditNote, NewInvoice, NewOrder, NewPayment, OrderState,
    PaymentAllocation, PostingState, Reversible, Store,
};
use chrono::NaiveDate;
use common::{new_customer, spawn_app, test_now, with_dbs};
use serde_json::json;

fn cny(yuan: i64) -> Money {
    Money::from_minor(yuan * 100, Currency::CNY)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, d).unwrap()
}

fn invoice(number: &str, customer_id: i64, d: u32, yuan: i64) -> NewInvoice {
    NewInvoice {
        number: number.into(),
        customer_id,
        order_ref: None,
        invoice_date: day(d),
        ship_date: None,
        acceptance_date: None,
        due_date: day(d) + chrono::Days::new(10),
        amount: cny(yuan),
    }
}

fn query<S>(as_of: NaiveDate, limit: i64) -> FeedQuery<S> {
    FeedQuery {
        after: None,
        limit,
        customer_id: None,
        number: None,
        dated: (None, None),
        status: None,
        as_of,
    }
}

/// Customers A and B: invoices A1 (1 June, 1,000), B1 (2 June), A2 (3 June, 500), A3
/// (20 June); P1 pays A1 on 10 June, P2 (on account) is reversed; CN1 reduces A2;
/// orders: one approved, one over the limit (needs approval) and then cancelled.
async fn book(store: &dyn Store) -> (i64, i64) {
    let ids = store
        .insert_customers(
            &[new_customer("A", None, None), new_customer("B", None, None)],
            "fin",
            test_now(),
        )
        .await
        .unwrap();
    let (a, b) = (ids[0], ids[1]);
    let invoices = [
        invoice("A1", a, 1, 1_000),
        invoice("B1", b, 2, 700),
        invoice("A2", a, 3, 500),
        invoice("A3", a, 20, 300),
    ];
    store
        .insert_invoices(&invoices, "fin", test_now())
        .await
        .unwrap();
    let pay = |reference: &str, d, yuan, allocation| NewPayment {
        reference: reference.into(),
        customer_id: a,
        received_on: day(d),
        amount: cny(yuan),
        allocation,
    };
    let a1 = PaymentAllocation::Manual(vec![("A1".into(), cny(1_000))]);
    let payments = [
        pay("P1", 10, 1_000, a1),
        pay("P2", 11, 50, PaymentAllocation::Manual(vec![])),
    ];
    store
        .insert_payments(&payments, "fin", test_now())
        .await
        .unwrap();
    store
        .reverse(
            &Reversible::Payment("P2".into()),
            day(12),
            "bounced",
            "fin",
            test_now(),
        )
        .await
        .unwrap();
    let note = NewCreditNote {
        number: "CN1".into(),
        customer_id: a,
        issued_on: day(4),
        amount: cny(100),
        invoice_number: Some("A2".into()),
        reason: "price".into(),
    };
    store
        .insert_credit_note(&note, "fin", test_now())
        .await
        .unwrap();
    let order = |number: &str, yuan| NewOrder {
        number: number.into(),
        customer_id: b,
        ordered_on: day(5),
        amount: cny(yuan),
    };
    let policy = Default::default();
    for o in [order("SO1", 1_000), order("SO2", 10_000_000)] {
        store
            .post_order(&o, policy, "rep", test_now())
            .await
            .unwrap();
    }
    store
        .cancel_order("SO2", day(6), "customer withdrew", "rep", test_now())
        .await
        .unwrap();
    (a, b)
}

async fn story(store: &dyn Store) {
    let (a, _) = book(store).await;
    // Pages of two in posting order; A4 is posted between the pages and comes last.
    let first = store.invoice_feed(&query(day(30), 2)).await.unwrap();
    assert_eq!(numbers(&first), ["A1", "B1", "A2"], "limit + 1 read");
    store
        .insert_invoices(&[invoice("A4", a, 21, 10)], "fin", test_now())
        .await
        .unwrap();
    let next = FeedQuery {
        after: Some(first[1].line.id),
        ..query(day(30), 2)
    };
    let second = store.invoice_feed(&next).await.unwrap();
    assert_eq!(numbers(&second), ["A2", "A3", "A4"]);

    // Open amounts at a date; invoices dated after it are not there yet.
    let open_at = |d, status| FeedQuery {
        customer_id: Some(a),
        status,
        ..query(day(d), 10)
    };
    let on_5th = store.invoice_feed(&open_at(5, None)).await.unwrap();
    let opens: Vec<_> = on_5th
        .iter()
        .map(|r| (r.line.number.as_str(), r.line.open))
        .collect();
    assert_eq!(opens, [("A1", cny(1_000)), ("A2", cny(400))]);
    let settled = store
        .invoice_feed(&open_at(15, Some(InvoiceState::Settled)))
        .await
        .unwrap();
    assert_eq!(numbers(&settled), ["A1"]);
    let open = store
        .invoice_feed(&open_at(30, Some(InvoiceState::Open)))
        .await
        .unwrap();
    assert_eq!(numbers(&open), ["A2", "A3", "A4"]);
    let dated = FeedQuery {
        dated: (Some(day(2)), Some(day(20))),
        ..query(day(30), 10)
    };
    assert_eq!(
        numbers(&store.invoice_feed(&dated).await.unwrap()),
        ["B1", "A2", "A3"]
    );
    let one = FeedQuery {
        number: Some("A2".into()),
        ..query(day(30), 1)
    };
    let a2 = store.invoice_feed(&one).await.unwrap();
    assert_eq!((a2.len(), a2[0].customer_code.as_str()), (1, "A"));

    // Payments: net allocations; the reversed one settles nothing and is filtered so.
    let payments = store.payment_feed(&query(day(30), 10)).await.unwrap();
    let shown: Vec<_> = payments
        .iter()
        .map(|p| {
            (
                p.line.reference.as_str(),
                p.line.allocations.clone(),
                p.line.unallocated,
                p.line.reversed,
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("P1", vec![("A1".to_string(), cny(1_000))], cny(0), false),
            ("P2", vec![], cny(0), true),
        ]
    );
    let reversed = FeedQuery {
        status: Some(PostingState::Reversed),
        ..query(day(30), 10)
    };
    let reversed = store.payment_feed(&reversed).await.unwrap();
    assert_eq!(
        reversed
            .iter()
            .map(|p| p.line.reference.as_str())
            .collect::<Vec<_>>(),
        ["P2"]
    );

    let notes = store.credit_note_feed(&query(day(30), 10)).await.unwrap();
    assert_eq!(
        notes
            .iter()
            .map(|n| (n.number.as_str(), n.invoice_number.as_deref(), n.reversed))
            .collect::<Vec<_>>(),
        [("CN1", Some("A2"), false)]
    );

    // Orders: the decision when posted, and where each stands now.
    let orders = store.order_feed(&query(day(30), 10)).await.unwrap();
    let states: Vec<_> = orders
        .iter()
        .map(|o| (o.number.as_str(), o.decision.as_str(), o.state))
        .collect();
    assert_eq!(
        states,
        [
            ("SO1", "approved", OrderState::Approved),
            ("SO2", "needs_approval", OrderState::Cancelled)
        ]
    );
    assert_eq!(
        orders[1]
            .reasons
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>(),
        ["over_limit"]
    );
    let cancelled = FeedQuery {
        status: Some(OrderState::Cancelled),
        ..query(day(30), 10)
    };
    assert_eq!(store.order_feed(&cancelled).await.unwrap().len(), 1);
}

fn numbers(rows: &[app::store::InvoiceRecord]) -> Vec<&str> {
    rows.iter().map(|r| r.line.number.as_str()).collect()
}

#[tokio::test]
async fn documents_page_in_posting_order_with_their_state_at_a_date_on_both_databases() {
    with_dbs(|db| async move {
        story(db.store().await.as_ref()).await;
        db
    })
    .await;
}

#[tokio::test]
async fn documents_over_the_api() {
    let app = spawn_app().await;
    let erp = app.erp("read").await;
    book(app.store.as_ref()).await;

    // A client pages with next_cursor until it is null, and sees each invoice once.
    let mut seen = Vec::new();
    let mut path = "/api/v1/invoices?limit=2".to_string();
    loop {
        let (s, v) = erp.get(&path).await;
        assert_eq!(s, 200, "{v}");
        seen.extend(
            v["invoices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["number"].clone()),
        );
        match v["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/invoices?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, [json!("A1"), json!("B1"), json!("A2"), json!("A3")]);

    let (s, v) = erp.get("/api/v1/invoices/A1?as_of=2026-06-05").await;
    assert_eq!(
        (s, &v["open_amount"], &v["customer_code"]),
        (200, &json!("1000.00"), &json!("A")),
        "{v}"
    );
    let (s, v) = erp.get("/api/v1/invoices/A1?as_of=2026-06-15").await;
    assert_eq!((s, &v["open_amount"]), (200, &json!("0.00")), "{v}");
    let (s, v) = erp
        .get("/api/v1/invoices?customer_code=B&status=open&from=2026-06-01&to=2026-06-30")
        .await;
    assert_eq!(
        (s, v["invoices"].as_array().map(Vec::len)),
        (200, Some(1)),
        "{v}"
    );

    let (s, v) = erp.get("/api/v1/payments/P2").await;
    assert_eq!(
        (s, &v["reversed"], &v["currency"], &v["allocations"]),
        (200, &json!(true), &json!("CNY"), &json!([])),
        "{v}"
    );
    let (s, v) = erp.get("/api/v1/payments?status=posted").await;
    assert_eq!(
        (
            s,
            v["payments"][0]["allocations"][0]["invoice_number"].as_str()
        ),
        (200, Some("A1")),
        "{v}"
    );
    let (s, v) = erp.get("/api/v1/credit-notes?customer_code=A").await;
    assert_eq!(
        (s, v["credit_notes"][0]["invoice_number"].as_str()),
        (200, Some("A2")),
        "{v}"
    );
    let (s, v) = erp.get("/api/v1/orders/SO2").await;
    assert_eq!(
        (s, &v["status"], &v["decision"]),
        (200, &json!("cancelled"), &json!("needs_approval")),
        "{v}"
    );

    // A poller re-reads only what changed: the ETag holds while the document does, for
    // a document and for a customer (whose credit position the payment below changes).
    let read = |path: &'static str, tag: Option<&str>| {
        let mut r = erp.request(reqwest::Method::GET, path);
        if let Some(t) = tag {
            r = r.header("If-None-Match", t);
        }
        r.send()
    };
    let (invoice, customer) = (
        "/api/v1/invoices/A2?as_of=2026-06-30",
        "/api/v1/customers/A",
    );
    let mut tags = Vec::new();
    for path in [invoice, customer] {
        let first = read(path, None).await.unwrap();
        let tag = first.headers()["etag"].to_str().unwrap().to_string();
        let again = read(path, Some(&tag)).await.unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), tag);
        assert!(again.text().await.unwrap().is_empty(), "304 has no body");
        tags.push(tag);
    }
    let pay = NewPayment {
        reference: "P3".into(),
        customer_id: app.store.customer_id_by_code("A").await.unwrap().unwrap(),
        received_on: day(25),
        amount: cny(100),
        allocation: PaymentAllocation::Manual(vec![("A2".into(), cny(100))]),
    };
    app.store
        .insert_payments(&[pay], "fin", test_now())
        .await
        .unwrap();
    for (path, tag) in [invoice, customer].into_iter().zip(&tags) {
        let changed = read(path, Some(tag)).await.unwrap();
        assert_eq!(
            changed.status(),
            200,
            "{path}: the open amount changed, so the tag did"
        );
        assert_ne!(changed.headers()["etag"].to_str().unwrap(), tag);
    }
    let (_, v) = erp.get(invoice).await;
    assert_eq!(v["open_amount"], json!("300.00"), "{v}");

    // Bad input is named, never a 500; unknown things are 404.
    let refusals = [
        ("/api/v1/invoices?cursor=abc", 400, "cursor"),
        ("/api/v1/invoices?status=paid", 400, "status"),
        (
            "/api/v1/invoices?from=2026-06-30&to=2026-06-01",
            400,
            "from",
        ),
        ("/api/v1/invoices?limit=0", 400, "limit"),
        ("/api/v1/invoices?colour=red", 400, "colour"),
        ("/api/v1/payments?as_of=2026-06-30", 400, "as_of"),
        ("/api/v1/orders/SO1?x=1", 400, "x"),
        ("/api/v1/invoices?customer_code=NOPE", 404, "NOPE"),
        ("/api/v1/invoices/NOPE", 404, "NOPE"),
        ("/api/v1/credit-notes/NOPE", 404, "NOPE"),
    ];
    for (path, status, names) in refusals {
        let (s, v) = erp.get(path).await;
        let message = v["error"].as_str().unwrap_or_default();
        assert_eq!(s, status, "{path}: {v}");
        assert!(message.contains(names), "{path}: {message}");
    }
    let (s, _) = reqwest::Client::new()
        .get(app.url("/api/v1/invoices"))
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(s, 401, "a list needs a key");
}
