//! Acceptance bills on SQLite and (with TEST_DATABASE_URL) PostgreSQL, then over REST:
//! - a received bill settles invoices FIFO, as a payment does;
//! - its lifecycle only moves forward, dated in order, and a refused step writes nothing;
//! - a dishonoured bill reopens the invoices it paid with their own due dates, so they
//!   are overdue again, and the reopening dates from the dishonour;
//! - a held, endorsed or discounted bill counts in exposure until it matures (bank bills
//!   by the setting), in the customer's and the group's, always equal to the exposure
//!   recomputed from the entries; a dishonour moves it back to the invoices;
//! - the list filters by state and maturity; bad input is named, never a 500.
mod common;

use app::domain::bills::lifecycle::{BillState, Step, StepInput};
use app::domain::bills::{BillInput, BillKind, Medium};
use app::domain::customer::CustomerCode;
use app::domain::groups::NewGroup;
use app::domain::money::{Currency, Money};
use app::ledger::LedgerError;
use app::store::{
    BillQuery, FeedQuery, InvoiceState, NewInvoice, NewPayment, PaymentAllocation, Reversible,
    Store, StoreError,
};
use chrono::NaiveDate;
use common::{new_customer, spawn_app, test_now, with_dbs};
use serde_json::json;

const NUMBER: &str = "130258100000120260115000123456";
/// A paper bank acceptance bill.
const PAPER: &str = "1025810012345678";

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
    number: &str,
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
    app::ledger::take_bill_step(store, number, &taken, "fin", test_now())
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
    let early = step(
        store,
        NUMBER,
        Step::Collect,
        "2026-07-09",
        StepInput::default(),
    )
    .await;
    assert_refused_on(early);
    let endorse = StepInput {
        endorsee: Some("长沙某配件公司".into()),
        ..Default::default()
    };
    assert_eq!(
        step(store, NUMBER, Step::Endorse, "2026-03-01", endorse.clone())
            .await
            .unwrap(),
        BillState::Endorsed
    );
    let again = step(store, NUMBER, Step::Endorse, "2026-03-02", endorse)
        .await
        .unwrap_err();
    assert!(
        matches!(again, LedgerError::Store(StoreError::Conflict(_))),
        "{again:?}"
    );
    let before = step(
        store,
        NUMBER,
        Step::Dishonour,
        "2026-02-28",
        StepInput::default(),
    )
    .await;
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
        step(store, NUMBER, Step::Dishonour, "2026-07-11", reason)
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

/// The bills at risk (yuan) at `as_of`, with bank bills counted or not. The customer's
/// exposure always equals its recomputation from the entries, and the group's (A is its
/// only member) equals the customer's.
async fn at_risk(store: &dyn Store, as_of: NaiveDate, bank: bool) -> i64 {
    let a = store.customer_id_by_code("A").await.unwrap().unwrap();
    let setting = app::domain::settings::BANK_BILLS_IN_EXPOSURE.key;
    store
        .set_setting(setting, &bank.to_string(), "fin", test_now())
        .await
        .unwrap();
    let exposure = store.credit_position(a, as_of).await.unwrap().exposure;
    let recomputed = store.recomputed_exposure(a, as_of).await.unwrap();
    assert_eq!(exposure, recomputed, "maintained = recomputed at {as_of}");
    let group = store.groups(None, as_of).await.unwrap().pop().unwrap();
    assert_eq!(Ok(group.exposure), exposure.total(), "group at {as_of}");
    exposure.unmatured_bills.minor() / 100
}

/// Each row's (as_of, bank bills counted) -> bills at risk (yuan).
async fn check_table(store: &dyn Store, phase: &str, rows: &[((u32, u32), bool, i64)]) {
    for &((m, d), bank, want) in rows {
        let got = at_risk(store, day(m, d), bank).await;
        assert_eq!(got, want, "{phase}, {m}/{d} bank bills {bank}");
    }
}

/// The whole book's cockpit bills card at `as_of`.
async fn cockpit_bills(
    store: &dyn Store,
    as_of: NaiveDate,
) -> app::domain::bills::in_hand::BillsInHand {
    let all = app::domain::dashboard::Slice::All;
    let d = app::ledger::dashboard(store, all, as_of).await.unwrap();
    d.bills
        .expect("the whole book's cockpit has the bills card")
}

/// A commercial bill of 600 (matures 10 July) and a bank bill of 100 (30 June) settle
/// 700 of A's 800; the table gives the bills at risk by date and setting, before and
/// after the commercial bill is endorsed and the bank bill discounted.
async fn exposure_story(store: &dyn Store) {
    book(store).await;
    let a = store.customer_id_by_code("A").await.unwrap().unwrap();
    let group = NewGroup {
        code: CustomerCode::parse("G").unwrap(),
        name: "某工程集团".into(),
        limit: cny(10_000),
    };
    store
        .create_group(&group, Some(a), "fin", test_now())
        .await
        .unwrap();
    let bank = BillInput {
        number: PAPER.into(),
        kind: BillKind::Bank,
        medium: Medium::Paper,
        matures_on: "2026-06-30".into(),
        ..bill("100")
    };
    for b in [bill("600"), bank] {
        app::ledger::receive_bill(store, &b.parse().unwrap(), "fin", test_now())
            .await
            .unwrap();
    }
    // (as_of, bank bills counted) -> bills at risk, while both are held.
    let held = [
        ((3, 1), false, 600),
        ((3, 1), true, 700),
        ((6, 30), true, 600),
        ((7, 10), false, 0),
    ];
    check_table(store, "held", &held).await;
    // The cockpit's card on 1 June: 100 matures within 30 days, 600 within 60.
    let card = cockpit_bills(store, day(6, 1)).await;
    assert_eq!(card.held.face, cny(700));
    let within: Vec<Money> = card.maturing.iter().map(|t| t.face).collect();
    assert_eq!(within, [cny(100), cny(700), cny(700)]);
    let endorse = StepInput {
        endorsee: Some("长沙某配件公司".into()),
        ..Default::default()
    };
    step(store, NUMBER, Step::Endorse, "2026-03-01", endorse)
        .await
        .unwrap();
    let discount = StepInput {
        bank: Some("某银行长沙分行".into()),
        interest: Some("1.20".into()),
        ..Default::default()
    };
    step(store, PAPER, Step::Discount, "2026-03-02", discount)
        .await
        .unwrap();
    // Recourse: endorsed and discounted bills count until they mature, then leave.
    let passed_on = [
        ((7, 9), false, 600),
        ((7, 10), false, 0),
        ((6, 29), true, 700),
        ((6, 30), true, 600),
    ];
    check_table(store, "passed on", &passed_on).await;
    let card = cockpit_bills(store, day(6, 1)).await;
    assert_eq!((card.held.count, card.passed_on.face), (0, cny(700)));
    let region = app::domain::dashboard::Slice::Region("华南".into());
    let sliced = app::ledger::dashboard(store, region, day(6, 1))
        .await
        .unwrap();
    assert_eq!(sliced.bills, None, "bills are the whole book's");
    // Dishonoured: the bill leaves exposure and its invoices come back instead.
    step(
        store,
        NUMBER,
        Step::Dishonour,
        "2026-07-11",
        StepInput::default(),
    )
    .await
    .unwrap();
    assert_eq!(at_risk(store, day(3, 1), false).await, 0);
    let position = store.credit_position(a, day(7, 11)).await.unwrap();
    assert_eq!(position.exposure.open_invoices, cny(700));
    // Paid again in cash: balances equal their recomputation, nothing left open.
    let cash = NewPayment {
        reference: "CASH-1".into(),
        customer_id: a,
        received_on: day(7, 20),
        amount: cny(700),
        allocation: PaymentAllocation::Fifo,
    };
    store
        .insert_payments(&[cash], "fin", test_now())
        .await
        .unwrap();
    assert_eq!(at_risk(store, day(7, 20), true).await, 0);
    let position = store.credit_position(a, day(7, 20)).await.unwrap();
    assert_eq!(position.exposure.total(), Ok(cny(0)));
}

#[tokio::test]
async fn bills_count_in_exposure_until_they_mature_on_both_databases() {
    with_dbs(|db| async move {
        exposure_story(db.store().await.as_ref()).await;
        db
    })
    .await;
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
