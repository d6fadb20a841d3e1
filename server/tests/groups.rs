//! Customer groups (集团), on SQLite and (with TEST_DATABASE_URL) PostgreSQL, then over the
//! REST API:
//! - the credit check takes the lower of the customer's and the group's availability,
//!   the group's counting every member's exposure, with its own reason;
//! - orders posted through the store are checked the same way, inside their transaction;
//! - leaving the group frees the customer from the group's limit; membership changes are
//!   audited with the credit file;
//! - an unknown group, or a customer in another currency, is refused naming `group_code`
//!   and nothing is written (not even a group opened for that customer); a taken group
//!   code is 409.
mod common;

use app::domain::credit::{check, CreditPolicy, Decision, Reason};
use app::domain::customer::CustomerCode;
use app::domain::documents::CustomerPatch;
use app::domain::groups::NewGroup;
use app::domain::money::{Currency, Money};
use app::store::{NewInvoice, NewOrder, Store, StoreError};
use chrono::NaiveDate;
use common::{new_customer, spawn_app, test_now, with_dbs};
use serde_json::json;

fn cny(yuan: i64) -> Money {
    Money::from_minor(yuan * 100, Currency::CNY)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, d).unwrap()
}

fn code(s: &str) -> CustomerCode {
    CustomerCode::parse(s).unwrap()
}

/// Group ZJ (limit 150,000) with members A and B (100,000 each); A owes 80,000.
async fn book(store: &dyn Store) -> (i64, i64) {
    let group = NewGroup {
        code: code("ZJ"),
        name: "中建某局集团".into(),
        limit: cny(150_000),
    };
    store
        .create_group(&group, None, "fin", test_now())
        .await
        .unwrap();
    let member = |c: &str| app::domain::customer::NewCustomer {
        group_code: Some(code("ZJ")),
        ..new_customer(c, None, None)
    };
    let ids = store
        .insert_customers(&[member("A"), member("B")], "fin", test_now())
        .await
        .unwrap();
    let invoice = NewInvoice {
        number: "INV-A1".into(),
        customer_id: ids[0],
        order_ref: None,
        invoice_date: day(1),
        ship_date: None,
        acceptance_date: None,
        due_date: day(30),
        amount: cny(80_000),
    };
    store
        .insert_invoices(&[invoice], "fin", test_now())
        .await
        .unwrap();
    (ids[0], ids[1])
}

async fn checked(store: &dyn Store, customer: i64, yuan: i64) -> (Decision, Vec<Reason>, Money) {
    let position = store.credit_position(customer, day(15)).await.unwrap();
    let c = check(&position, cny(yuan), CreditPolicy::default()).unwrap();
    (c.decision, c.reasons, c.available_before)
}

async fn story(store: &dyn Store) {
    use Decision::*;
    use Reason::*;
    let (a, b) = book(store).await;
    // B alone has 100,000 available; the group has 150,000 − 80,000 = 70,000.
    let table = [
        (b, 70_000, (Approved, vec![], cny(70_000))),
        (
            b,
            70_001,
            (NeedsApproval, vec![GroupOverLimit], cny(70_000)),
        ),
        (
            b,
            100_001,
            (NeedsApproval, vec![OverLimit, GroupOverLimit], cny(70_000)),
        ),
        // A's own 20,000 binds before the group's 70,000.
        (a, 20_001, (NeedsApproval, vec![OverLimit], cny(20_000))),
    ];
    for (customer, yuan, want) in table {
        assert_eq!(
            checked(store, customer, yuan).await,
            want,
            "{customer}: {yuan}"
        );
    }
    let groups = store.groups(None, test_now().date_naive()).await.unwrap();
    assert_eq!(
        groups
            .iter()
            .map(|g| (g.code.as_str(), g.exposure, g.members, g.available()))
            .collect::<Vec<_>>(),
        [("ZJ", cny(80_000), 2, cny(70_000))]
    );

    // An approved order of B's counts toward the group, checked inside its transaction.
    let order = |n: &str, yuan| NewOrder {
        number: n.into(),
        customer_id: b,
        ordered_on: day(15),
        amount: cny(yuan),
    };
    let policy = CreditPolicy::default();
    let (_, c) = store
        .post_order(&order("SO-B1", 50_000), policy, "t", test_now())
        .await
        .unwrap();
    assert_eq!(c.decision, Approved);
    let (_, c) = store
        .post_order(&order("SO-B2", 30_000), policy, "t", test_now())
        .await
        .unwrap();
    assert_eq!(
        (c.decision, c.reasons),
        (NeedsApproval, vec![GroupOverLimit])
    );
    assert_eq!(
        checked(store, a, 1).await.2,
        cny(20_000),
        "A's own limit still binds"
    );
    assert_eq!(
        checked(store, a, 20_001).await.1,
        vec![OverLimit, GroupOverLimit]
    );

    // B leaves the group: only its own limit counts; the change is audited.
    let leave = CustomerPatch {
        group: Some(None),
        ..Default::default()
    };
    let file = store
        .update_customer(b, &leave, "fin", test_now())
        .await
        .unwrap();
    assert_eq!(file.group_code, None);
    assert_eq!(
        checked(store, b, 50_000).await,
        (Approved, vec![], cny(50_000))
    );
    let rejoin = CustomerPatch {
        group: Some(Some(code("NOPE"))),
        ..Default::default()
    };
    match store.update_customer(b, &rejoin, "fin", test_now()).await {
        Err(StoreError::Rejected(f)) => assert_eq!(f.field, "group_code", "{f}"),
        other => panic!("{other:?}"),
    }
    let file = store
        .customer_file(b, app::domain::auth::Scope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(file.group_code, None, "the refused patch wrote nothing");

    // A group opened for a customer it cannot take (another currency) is not opened.
    let usd = app::domain::customer::NewCustomer {
        credit_limit: Money::from_minor(1_000_00, Currency::USD),
        ..new_customer("U", None, None)
    };
    let u = store
        .insert_customers(&[usd], "fin", test_now())
        .await
        .unwrap()[0];
    let zt = NewGroup {
        code: code("ZT"),
        name: "中铁某局集团".into(),
        limit: cny(60_000),
    };
    match store.create_group(&zt, Some(u), "fin", test_now()).await {
        Err(StoreError::Rejected(f)) => assert_eq!(f.field, "group_code", "{f}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store
            .groups(None, test_now().date_naive())
            .await
            .unwrap()
            .len(),
        1,
        "no group ZT was left"
    );
    assert!(store
        .groups(Some(&code("ZT")), test_now().date_naive())
        .await
        .unwrap()
        .is_empty());
    store
        .create_group(&zt, Some(b), "fin", test_now())
        .await
        .unwrap();
    let only = store
        .groups(Some(&code("ZT")), test_now().date_naive())
        .await
        .unwrap();
    assert_eq!(
        only.iter()
            .map(|g| (g.code.as_str(), g.members))
            .collect::<Vec<_>>(),
        [("ZT", 1)]
    );
    assert_eq!(
        checked(store, b, 1).await.2,
        cny(10_000),
        "opened and joined in one step: 60,000 less B's approved 50,000"
    );
    let lower = app::domain::groups::GroupPatch {
        name: None,
        limit: Some(cny(55_000)),
    };
    let row = store
        .update_group(&code("ZT"), &lower, "fin", test_now())
        .await
        .unwrap();
    assert_eq!(
        (row.name.as_str(), row.available()),
        ("中铁某局集团", cny(5_000))
    );
    assert_eq!(
        checked(store, b, 5_001).await.1,
        vec![Reason::GroupOverLimit]
    );
    match store
        .update_group(&code("NOPE"), &lower, "fin", test_now())
        .await
    {
        Err(StoreError::NotFound) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_lower_of_the_customer_and_the_group_limit_binds_on_both_databases() {
    with_dbs(|db| async move {
        story(db.store().await.as_ref()).await;
        db
    })
    .await;
}

#[tokio::test]
async fn groups_over_the_api() {
    let app = spawn_app().await;
    let erp = app.erp("read,ledger:write,credit:write").await;

    let (s, v) = erp
        .post(
            "/api/v1/customer-groups",
            json!({"code": "zj", "name": "中建某局", "limit": "150000"}),
        )
        .await;
    assert_eq!(
        (s, &v["code"], &v["available"]),
        (201, &json!("ZJ"), &json!("150000.00")),
        "{v}"
    );
    let (s, _) = erp
        .post(
            "/api/v1/customer-groups",
            json!({"code": "ZJ", "name": "again", "limit": "1"}),
        )
        .await;
    assert_eq!(s, 409);
    let (s, v) = erp
        .post(
            "/api/v1/customer-groups",
            json!({"code": "a b", "name": "", "limit": "-1"}),
        )
        .await;
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!((s, fields), (422, vec!["code", "name", "limit"]), "{v}");

    let customer = |c: &str, group: &str, currency: &str| {
        json!({"code": c, "name": c, "payment_terms_days": 30, "credit_limit": "100000",
               "currency": currency, "group_code": group})
    };
    let (s, v) = erp
        .post("/api/v1/customers", customer("A", "ZJ", "CNY"))
        .await;
    assert_eq!((s, &v["group_code"]), (201, &json!("ZJ")), "{v}");
    let (s, v) = erp
        .post("/api/v1/customers", customer("X", "NOPE", "CNY"))
        .await;
    assert_eq!(
        (s, &v["errors"][0]["field"]),
        (422, &json!("group_code")),
        "{v}"
    );
    let (s, v) = erp
        .post("/api/v1/customers", customer("U", "ZJ", "USD"))
        .await;
    assert_eq!(
        (s, &v["errors"][0]["field"]),
        (422, &json!("group_code")),
        "{v}"
    );
    assert_eq!(
        app.store.count_customers().await.unwrap(),
        1,
        "refusals wrote nothing"
    );

    let (s, v) = erp.post("/api/v1/invoices", json!({"number": "I-1", "customer_code": "A", "invoice_date": "2026-06-01", "amount": "90000"})).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = erp
        .post("/api/v1/customers", customer("B", "ZJ", "CNY"))
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = erp
        .post(
            "/api/v1/credit-checks",
            json!({"customer_code": "B", "amount": "60001"}),
        )
        .await;
    assert_eq!(
        (s, &v["decision"], &v["reasons"]),
        (200, &json!("needs_approval"), &json!(["group_over_limit"])),
        "{v}"
    );

    let (_, v) = erp.get("/api/v1/customer-groups").await;
    assert_eq!(
        (&v["groups"][0]["exposure"], &v["groups"][0]["members"]),
        (&json!("90000.00"), &json!(2)),
        "{v}"
    );

    // Raising the group's limit lets B's order through at once; the change is audited.
    let (s, v) = erp
        .patch("/api/v1/customer-groups/zj", json!({"limit": "160000"}))
        .await;
    assert_eq!(
        (s, &v["limit"], &v["available"]),
        (200, &json!("160000.00"), &json!("70000.00")),
        "{v}"
    );
    let (s, v) = erp
        .post(
            "/api/v1/credit-checks",
            json!({"customer_code": "B", "amount": "60001"}),
        )
        .await;
    assert_eq!((s, &v["decision"]), (200, &json!("approved")), "{v}");
    let trail = app
        .store
        .audit_trail(&app::store::AuditQuery {
            entity: Some("customer_group".into()),
            entity_key: Some("ZJ".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let update = &trail
        .iter()
        .find(|r| r.entry.action == "update")
        .expect("the change is audited")
        .entry;
    assert!(
        update.before.as_deref().unwrap_or("").contains("15000000"),
        "{update:?}"
    );
    assert!(
        update.after.as_deref().unwrap_or("").contains("16000000"),
        "{update:?}"
    );

    let (s, v) = erp
        .patch("/api/v1/customer-groups/NOPE", json!({"limit": "1"}))
        .await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = erp.patch("/api/v1/customer-groups/ZJ", json!({})).await;
    assert_eq!((s, &v["errors"][0]["field"]), (422, &json!("limit")), "{v}");
    let (s, v) = erp
        .patch("/api/v1/customer-groups/ZJ", json!({"code": "ZK"}))
        .await;
    assert_eq!((s, &v["errors"][0]["field"]), (422, &json!("code")), "{v}");
}
