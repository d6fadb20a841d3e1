//! Acceptance bills on SQLite and (with TEST_DATABASE_URL) PostgreSQL, then over REST:
//! - a received bill settles invoices FIFO, as a payment does;
//! - its lifecycle only moves forward, dated in order, and a refused step writes nothing;
//! - a dishonoured bill reopens the invoices it paid with their own due dates, so they
//!   are overdue again, and the reopening dates from the dishonour;
//! - the list filters by state and maturity; bad input is named, never a 500.
mod common;

use app::domain::bills::lifecycle::{BillState, Step, StepInput};
use app::domain::bills::{BillInput, BillKind, Medium};
use app::domain::money::{Currency, Money};
use app::ledger::LedgerError;
use app::store::{BillQuery, FeedQuery, InvoiceState, NewInvoice, Reversible, Store, StoreError};
use chrono::NaiveDate;
use common::{new_customer, spawn_app, test_now, with_dbs};
use serde_json::json;

const NUMBER: &str = "130258100000120260115000123456";

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn cny(yuan: i64) -> Money {
    Money::from_minor(yuan * 100, Currency::CNY)
}

/// Customer A with invoices I1 (due 31 Jan, 300) and I2 (due 28 Feb, 500).
async fn book(store: &dyn Store) {
    let a = store
        .insert_customers(&[new_customer("A", None, None)], "fin", test_now())
        .await
        .unwrap()[0];
    let invoice = |number: &str, m, yuan| NewInvoice {
        number: number.into(),
        customer_id: a,
        order_ref: None,
        invoice_date: day(1, 1),
        ship_date: None,
        acceptance_date: None,
        due_date: day(m, 28) + chrono::Days::new(if m == 1 { 3 } else { 0 }),
        amount: cny(yuan),
    };
    store
        .insert_invoices(
            &[invoice("I1", 1, 300), invoice("I2", 2, 500)],
            "fin",
            test_now(),
        )
        .await
        .unwrap();
}

fn bill(face: &str) -> BillInput {
    BillInput {
        number: NUMBER.into(),
        customer_code: "A".into(),
        kind: BillKind::Commercial,
        medium: Medium::Electronic,
        acceptor: "某工程局集团有限公司".into(),
        face_amount: face.into(),
        issued_on: "2026-01-10".into(),
        received_on: "2026-01-20".into(),
        matures_on: "2026-07-10".into(),
        allocations: None,
    }
}

/// Each invoice's (open, days past due) at `as_of`.
async fn invoices_at(store: &dyn Store, as_of: NaiveDate) -> Vec<(String, i64, i64)> {
    let q = FeedQuery::<InvoiceState> {
        after: None,
        limit: 10,
        customer_id: None,
        number: None,
        dated: (None, None),
        status: None,
        as_of,
    };
    let rows = store.invoice_feed(&q).await.unwrap();
    rows.iter()
        .map(|r| {
            (
                r.line.number.clone(),
                r.line.open.minor() / 100,
                r.line.days_past_due(as_of),
            )
        })
        .collect()
}

async fn step(
    store: &dyn Store,
    step: Step,
    on: &str,
    extra: StepInput,
) -> Result<BillState, LedgerError> {
    let taken = StepInput {
        on: on.into(),
        ..extra
    }
    .parse(step)
    .unwrap();
    app::ledger::take_bill_step(store, NUMBER, &taken, "fin", test_now())
        .await
        .map(|b| b.state)
}

/// Refused for its date, named `on`.
fn assert_refused_on(r: Result<BillState, LedgerError>) {
    let e = r.unwrap_err();
    assert!(
        matches!(&e, LedgerError::Store(StoreError::Rejected(f)) if f.field == "on"),
        "{e:?}"
    );
}

async fn story(store: &dyn Store) {
    book(store).await;
    let (b, paid) =
        app::ledger::receive_bill(store, &bill("600").parse().unwrap(), "fin", test_now())
            .await
            .unwrap();
    assert_eq!(
        (b.state, b.last_on, b.face),
        (BillState::Held, day(1, 20), cny(600))
    );
    assert_eq!(
        paid.allocations,
        [("I1".to_string(), cny(300)), ("I2".to_string(), cny(300))],
        "FIFO by due date"
    );
    assert_eq!(
        invoices_at(store, day(3, 15)).await,
        [("I1".into(), 0, 43), ("I2".into(), 200, 15)]
    );

    // Refused steps are named and write nothing.
    let early = step(store, Step::Collect, "2026-07-09", StepInput::default()).await;
    assert_refused_on(early);
    let endorse = StepInput {
        endorsee: Some("长沙某配件公司".into()),
        ..Default::default()
    };
    assert_eq!(
        step(store, Step::Endorse, "2026-03-01", endorse.clone())
            .await
            .unwrap(),
        BillState::Endorsed
    );
    let again = step(store, Step::Endorse, "2026-03-02", endorse)
        .await
        .unwrap_err();
    assert!(
        matches!(again, LedgerError::Store(StoreError::Conflict(_))),
        "{again:?}"
    );
    let before = step(store, Step::Dishonour, "2026-02-28", StepInput::default()).await;
    assert_refused_on(before);

    // The bill's payment is not reversed on its own: only the bill's dishonour undoes it.
    let alone = store
        .reverse(
            &Reversible::Payment(NUMBER.into()),
            day(7, 11),
            "bounced",
            "fin",
            test_now(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&alone, StoreError::Rejected(f) if f.field == "number"),
        "{alone:?}"
    );

    // The endorsee is refused payment at maturity and claims from the dealer: the
    // invoices are open again from that day, on their own due dates.
    let reason = StepInput {
        reason: Some("承兑人账户余额不足".into()),
        ..Default::default()
    };
    assert_eq!(
        step(store, Step::Dishonour, "2026-07-11", reason)
            .await
            .unwrap(),
        BillState::Dishonoured
    );
    assert_eq!(
        invoices_at(store, day(7, 15)).await,
        [("I1".into(), 300, 165), ("I2".into(), 500, 137)],
        "overdue again"
    );
    assert_eq!(
        invoices_at(store, day(7, 10)).await[1].1,
        200,
        "settled until the dishonour"
    );

    let q = |status, matures_before| BillQuery {
        limit: 10,
        status,
        matures_before,
        ..Default::default()
    };
    assert_eq!(
        store
            .bills(&q(Some(BillState::Dishonoured), None))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .bills(&q(Some(BillState::Held), None))
        .await
        .unwrap()
        .is_empty());
    assert!(
        store
            .bills(&q(None, Some(day(7, 10))))
            .await
            .unwrap()
            .is_empty(),
        "matures on 10 July, not before"
    );
    assert_eq!(
        store.bills(&q(None, Some(day(7, 11)))).await.unwrap()[0].last_on,
        day(7, 11)
    );
}

#[tokio::test]
async fn a_dishonoured_bill_reopens_its_invoices_as_overdue_on_both_databases() {
    with_dbs(|db| async move {
        story(db.store().await.as_ref()).await;
        db
    })
    .await;
}

#[tokio::test]
async fn bills_over_the_api() {
    let app = spawn_app().await;
    book(app.store.as_ref()).await;
    let erp = app.erp("read,ledger:write").await;
    let mut body = serde_json::to_value(bill("600")).unwrap();
    body["number"] = json!("12345");
    body["matures_on"] = json!("2027-03-01");
    let (s, v) = erp.post("/api/v1/bills", body).await;
    let fields: Vec<_> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!((s, fields), (422, vec!["number", "matures_on"]), "{v}");

    let (s, v) = erp
        .post("/api/v1/bills", serde_json::to_value(bill("600")).unwrap())
        .await;
    assert_eq!(
        (s, &v["status"], &v["allocations"][1]["amount"]),
        (201, &json!("held"), &json!("300.00")),
        "{v}"
    );
    let (s, _) = erp
        .post("/api/v1/bills", serde_json::to_value(bill("600")).unwrap())
        .await;
    assert_eq!(s, 409, "the number is taken");

    let path = format!("/api/v1/bills/{NUMBER}");
    let (s, v) = erp
        .post(
            &format!("{path}/endorse"),
            json!({"on": "2026-03-01", "bank": "x"}),
        )
        .await;
    let fields: Vec<_> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!((s, fields), (422, vec!["endorsee", "bank"]), "{v}");
    let (s, v) = erp
        .post(
            &format!("{path}/discount"),
            json!({"on": "2026-03-01", "bank": "招商银行", "interest": "2.50"}),
        )
        .await;
    assert_eq!(
        (s, &v["status"], &v["status_on"]),
        (200, &json!("discounted"), &json!("2026-03-01")),
        "{v}"
    );
    let (s, v) = erp
        .post(&format!("{path}/collect"), json!({"on": "2026-07-10"}))
        .await;
    assert_eq!(s, 409, "a discounted bill is the bank's to collect: {v}");
    let (s, _) = erp
        .post(&format!("{path}/bounce"), json!({"on": "2026-07-10"}))
        .await;
    assert_eq!(s, 404);
    let (s, _) = erp
        .post("/api/v1/bills/999/collect", json!({"on": "2026-07-10"}))
        .await;
    assert_eq!(s, 404);
    // A retried step with its Idempotency-Key is answered as the first time, not 409.
    let dishonour = json!({"on": "2026-07-11"});
    let url = format!("{path}/dishonour");
    for replay in [false, true] {
        let (s, v, replayed) = erp
            .send(reqwest::Method::POST, &url, Some(&dishonour), Some("d-1"))
            .await;
        assert_eq!(
            (s, &v["status"], replayed),
            (200, &json!("dishonoured"), replay),
            "{v}"
        );
    }

    let (s, v) = erp
        .get("/api/v1/bills?status=dishonoured&matures_before=2026-08-01")
        .await;
    assert_eq!(
        (s, &v["bills"][0]["number"], &v["next_cursor"]),
        (200, &json!(NUMBER), &json!(null)),
        "{v}"
    );
    let (s, v) = erp.get(&path).await;
    assert_eq!(
        (s, &v["status_on"], &v["face_amount"]),
        (200, &json!("2026-07-11"), &json!("600.00")),
        "{v}"
    );
    let (s, _) = erp
        .get("/api/v1/bills/130258100000120260115000999999")
        .await;
    assert_eq!(s, 404);
    let (s, v) = erp.get("/api/v1/bills?status=lost").await;
    assert_eq!(s, 400, "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("status:"),
        "{v}"
    );
    let (s, v) = erp.get("/api/v1/invoices/I1?as_of=2026-07-15").await;
    assert_eq!((s, &v["open_amount"]), (200, &json!("300.00")), "{v}");
}
