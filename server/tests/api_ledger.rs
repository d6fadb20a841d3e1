//! The ERP API's writing endpoints, over real HTTP against a real server and database:
//! status codes, error bodies naming fields, idempotency, and that a refused request
//! writes nothing.
mod common;

use common::{spawn_app, test_now};
use reqwest::Method;
use serde_json::{json, Value};

fn first_error_field(v: &Value) -> &str {
    v["errors"][0]["field"].as_str().unwrap_or("<none>")
}

#[tokio::test]
async fn customers_invoices_orders_payments_and_credit_over_the_api() {
    let app = spawn_app().await;
    let api = app.erp("read,ledger:write,credit:write").await;

    // --- customers
    let customer = json!({
        "code": "erp-1", "name": "徐工机械经销商", "uscc": "91350100M000100Y43", "region": "华东",
        "payment_terms_days": 30, "credit_limit": "100000.00",
    });
    let (s, v) = api.post("/api/v1/customers", customer.clone()).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        (v["code"].as_str(), v["credit_limit"].as_str()),
        (Some("ERP-1"), Some("100000.00"))
    );
    let (s, v) = api.post("/api/v1/customers", customer.clone()).await;
    assert_eq!(s, 409, "duplicate code: {v}");
    let mut bad = customer.clone();
    bad["code"] = json!("ERP-2");
    bad["uscc"] = json!("91350100M000100Y44");
    let (s, v) = api.post("/api/v1/customers", bad).await;
    assert_eq!((s, first_error_field(&v)), (422, "uscc"), "{v}");
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("check digit"));
    // Whole numbers are JSON numbers (text is still accepted); a fraction is named.
    let mut numeric = customer.clone();
    numeric["code"] = json!("ERP-NUM");
    numeric["uscc"] = Value::Null;
    numeric["payment_terms_days"] = json!(30.5);
    let (s, v) = api.post("/api/v1/customers", numeric.clone()).await;
    assert_eq!(
        (s, first_error_field(&v)),
        (422, "payment_terms_days"),
        "{v}"
    );
    numeric["payment_terms_days"] = json!(45);
    let (s, v) = api.post("/api/v1/customers", numeric).await;
    assert_eq!((s, &v["payment_terms_days"]), (201, &json!(45)), "{v}");
    let mut unknown = customer.clone();
    unknown["creditlimit"] = json!("1");
    let (s, v) = api.post("/api/v1/customers", unknown).await;
    assert_eq!((s, first_error_field(&v)), (422, "creditlimit"), "{v}");
    let raw = api
        .request(Method::POST, "/api/v1/customers")
        .header("content-type", "application/json")
        .body("{\"code\":")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let unauth = api
        .client
        .post(app.url("/api/v1/invoices"))
        .json(&customer)
        .send()
        .await
        .unwrap();
    assert_eq!(unauth.status(), 401);
    assert_eq!(
        app.store.count_customers().await.unwrap(),
        2,
        "refused requests wrote nothing (ERP-1 and ERP-NUM only)"
    );

    // --- invoices: a missing due date is invoice date + terms
    let (s, v) = api
        .post("/api/v1/invoices", json!({"number": "INV-1", "customer_code": "ERP-1", "invoice_date": "2026-03-01", "amount": "60000.00"}))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["due_date"], "2026-03-31");
    let (s, v) = api
        .post("/api/v1/invoices", json!({"number": "INV-2", "customer_code": "ERP-1", "invoice_date": "2026-06-01", "due_date": "2026-07-01", "amount": "30000.005"}))
        .await;
    assert_eq!((s, first_error_field(&v)), (422, "amount"), "{v}");
    let (s, v) = api
        .post("/api/v1/invoices", json!({"number": "INV-2", "customer_code": "NOBODY", "invoice_date": "2026-06-01", "amount": "1"}))
        .await;
    assert_eq!((s, first_error_field(&v)), (422, "customer_code"), "{v}");
    let (s, _) = api
        .post("/api/v1/invoices", json!({"number": "INV-2", "customer_code": "ERP-1", "invoice_date": "2026-06-01", "due_date": "2026-07-01", "amount": "30000"}))
        .await;
    assert_eq!(s, 201);
    let (s, _) = api
        .post("/api/v1/invoices", json!({"number": "INV-2", "customer_code": "ERP-1", "invoice_date": "2026-06-01", "amount": "1"}))
        .await;
    assert_eq!(s, 409, "re-posting a number changes nothing");

    // --- credit: 90,000 open; INV-1 is 91 days overdue at 2026-06-30
    let (s, v) = api
        .get("/api/v1/customers/ERP-1/credit?as_of=2026-06-30")
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (
            v["exposure"].as_str(),
            v["available"].as_str(),
            v["overdue_amount"].as_str()
        ),
        (Some("90000.00"), Some("10000.00"), Some("60000.00"))
    );
    let (s, v) = api
        .post(
            "/api/v1/credit-checks",
            json!({"customer_code": "ERP-1", "amount": "20000", "as_of": "2026-06-30"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["decision"], "needs_approval");
    assert_eq!(v["reasons"], json!(["over_limit", "overdue"]));
    assert_eq!(
        (
            v["available_before"].as_str(),
            v["available_after"].as_str()
        ),
        (Some("10000.00"), Some("-10000.00"))
    );

    // --- payments: FIFO pays INV-1 first; manual over-allocation is refused
    let (s, v) = api
        .post("/api/v1/payments", json!({"reference": "BANK-1", "customer_code": "ERP-1", "received_on": "2026-06-30", "amount": "70000"}))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        v["allocations"],
        json!([{"invoice_number": "INV-1", "amount": "60000.00"}, {"invoice_number": "INV-2", "amount": "10000.00"}])
    );
    assert_eq!(v["unallocated"], "0.00");
    let over = json!({"reference": "BANK-2", "customer_code": "ERP-1", "received_on": "2026-06-30", "amount": "30000",
                      "allocations": [{"invoice_number": "INV-2", "amount": "20000.01"}]});
    let (s, v) = api.post("/api/v1/payments", over).await;
    assert_eq!((s, first_error_field(&v)), (422, "allocations"), "{v}");
    let (s, v) = api.post("/api/v1/payments", json!({"reference": "BANK-3", "customer_code": "ERP-1", "received_on": "2026-06-30", "amount": "-5"})).await;
    assert_eq!((s, first_error_field(&v)), (422, "amount"), "{v}");

    // --- idempotency: a replay returns the first answer and posts nothing twice
    let pay = json!({"reference": "BANK-4", "customer_code": "ERP-1", "received_on": "2026-06-30", "amount": "25000",
                     "allocations": [{"invoice_number": "INV-2", "amount": "20000"}]});
    let (s1, v1, r1) = api
        .send(Method::POST, "/api/v1/payments", Some(&pay), Some("k-1"))
        .await;
    let (s2, v2, r2) = api
        .send(Method::POST, "/api/v1/payments", Some(&pay), Some("k-1"))
        .await;
    assert_eq!((s1, s2, r1, r2), (201, 201, false, true));
    assert_eq!(v1, v2);
    assert_eq!(v1["unallocated"], "5000.00");
    let mut other = pay.clone();
    other["amount"] = json!("1");
    let (s, v, _) = api
        .send(Method::POST, "/api/v1/payments", Some(&other), Some("k-1"))
        .await;
    assert_eq!((s, first_error_field(&v)), (422, "Idempotency-Key"), "{v}");

    // --- orders: exposure is 0 open − 5,000 credit; a 100,000 order is approved and counts
    let (s, v) = api.post("/api/v1/orders", json!({"number": "SO-1", "customer_code": "ERP-1", "amount": "100000", "ordered_on": "2026-06-30"})).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["credit_check"]["decision"], "approved");
    assert_eq!(v["credit_check"]["available_before"], "105000.00");
    let (_, v) = api.get("/api/v1/customers/ERP-1").await;
    assert_eq!(v["credit"]["exposure"], "95000.00", "{v}");

    // --- credit notes: against an invoice of another customer is refused
    let (s, v) = api
        .post("/api/v1/credit-notes", json!({"number": "CN-1", "customer_code": "ERP-1", "issued_on": "2026-06-30", "amount": "10", "invoice_number": "NOPE"}))
        .await;
    assert_eq!((s, first_error_field(&v)), (422, "invoice_number"), "{v}");
    let (s, _) = api.post("/api/v1/credit-notes", json!({"number": "CN-1", "customer_code": "ERP-1", "issued_on": "2026-06-30", "amount": "1000"})).await;
    assert_eq!(s, 201);

    // --- PATCH: freezing blocks orders; the change is audited
    let (s, v, _) = api
        .send(
            Method::PATCH,
            "/api/v1/customers/ERP-1",
            Some(&json!({"status": "frozen"})),
            None,
        )
        .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("frozen")), "{v}");
    let (s, v, _) = api
        .send(
            Method::PATCH,
            "/api/v1/customers/ERP-1",
            Some(&json!({"status": "closed"})),
            None,
        )
        .await;
    assert_eq!((s, first_error_field(&v)), (422, "status"), "{v}");
    let (_, v) = api
        .post(
            "/api/v1/credit-checks",
            json!({"customer_code": "ERP-1", "amount": "1"}),
        )
        .await;
    assert_eq!(
        (v["decision"].as_str(), v["reasons"][0].as_str()),
        (Some("blocked"), Some("customer_frozen"))
    );
    let (s, _) = api.get("/api/v1/customers/NOBODY/credit").await;
    assert_eq!(s, 404);

    let trail = app
        .store
        .audit_trail(&app::store::AuditQuery {
            entity: Some("customer".into()),
            entity_key: Some("ERP-1".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(trail[0].actor, "api:erp");
    assert_eq!(trail[0].entry.action, "update");
    assert!(
        trail[0].entry.before.as_deref().unwrap().contains("normal")
            && trail[0].entry.after.as_deref().unwrap().contains("frozen")
    );
    assert_eq!(app.store.verify_audit().await.unwrap().first_broken, None);
    let id = app
        .store
        .customer_id_by_code("ERP-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.store
            .credit_position(id, test_now().date_naive())
            .await
            .unwrap()
            .exposure,
        app.store
            .recomputed_exposure(id, test_now().date_naive())
            .await
            .unwrap()
    );
}

/// Every document POST replays its first answer under its key, and concurrent requests
/// with one key all get that answer while the document is posted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_document_post_is_idempotent_even_when_concurrent() {
    let app = spawn_app().await;
    let api = app.erp("read,ledger:write,credit:write").await;
    let posts = [
        (
            "/api/v1/customers",
            json!({"code": "IDEM-1", "name": "幂等客户", "payment_terms_days": "30", "credit_limit": "50000"}),
        ),
        (
            "/api/v1/invoices",
            json!({"number": "IDEM-INV", "customer_code": "IDEM-1", "invoice_date": "2026-06-01", "amount": "1000"}),
        ),
        (
            "/api/v1/orders",
            json!({"number": "IDEM-SO", "customer_code": "IDEM-1", "ordered_on": "2026-06-02", "amount": "2000"}),
        ),
        (
            "/api/v1/credit-notes",
            json!({"number": "IDEM-CN", "customer_code": "IDEM-1", "issued_on": "2026-06-03", "amount": "100", "invoice_number": "IDEM-INV"}),
        ),
    ];
    for (i, (path, body)) in posts.iter().enumerate() {
        let key = format!("idem-{i}");
        let (s1, v1, r1) = api.send(Method::POST, path, Some(body), Some(&key)).await;
        let (s2, v2, r2) = api.send(Method::POST, path, Some(body), Some(&key)).await;
        assert_eq!(
            (s1, s2, r1, r2),
            (201, 201, false, true),
            "{path}: {v1} / {v2}"
        );
        assert_eq!(v1, v2, "{path}");
    }

    // Eight at once, one key, one body.
    let pay = json!({"reference": "IDEM-PAY", "customer_code": "IDEM-1", "received_on": "2026-06-30", "amount": "300"});
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (client, url, pay) = (api.client.clone(), app.url("/api/v1/payments"), pay.clone());
            let key = api.key.clone();
            tokio::spawn(async move {
                let r = client
                    .post(url)
                    .bearer_auth(key)
                    .header("Idempotency-Key", "idem-pay")
                    .json(&pay)
                    .send()
                    .await
                    .unwrap();
                let (status, replayed) = (
                    r.status().as_u16(),
                    r.headers().contains_key("idempotent-replayed"),
                );
                (status, r.json::<Value>().await.unwrap(), replayed)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let fresh: Vec<_> = answers
        .iter()
        .filter(|(_, _, replayed)| !replayed)
        .collect();
    assert_eq!(fresh.len(), 1, "exactly one request ran: {answers:?}");
    for (s, v, _) in &answers {
        assert_eq!(
            (*s, v),
            (201, &fresh[0].1),
            "every request got the first answer"
        );
    }
    let payments = app
        .store
        .customer_payments(
            app.store
                .customer_id_by_code("IDEM-1")
                .await
                .unwrap()
                .unwrap(),
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        payments
            .iter()
            .filter(|p| p.reference == "IDEM-PAY")
            .count(),
        1,
        "posted once"
    );
}
