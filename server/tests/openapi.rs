//! The OpenAPI document at `/api/v1/openapi.json`, over real HTTP: it needs no key, is
//! OpenAPI 3, lists every endpoint with its methods and bearer security, every `$ref`
//! resolves, every documented operation is routed, and real requests and responses of
//! every endpoint match the schemas the document gives them (so a field added to the
//! wire but not the document, or a hand-written schema gone stale, fails here).
mod common;

use common::{spawn_app, test_now, TestApp};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const KEY: &str = "cdk_openapi_test";

/// Every endpoint and its methods, as README.md lists them.
const ENDPOINTS: &[(&str, &[&str])] = &[
    ("/api/v1/customers", &["get", "post"]),
    ("/api/v1/customers/{code}", &["get", "patch"]),
    ("/api/v1/customers/{code}/credit", &["get"]),
    ("/api/v1/customer-groups", &["get", "post"]),
    ("/api/v1/customer-groups/{code}", &["patch"]),
    ("/api/v1/invoices", &["get", "post"]),
    ("/api/v1/invoices/{number}", &["get"]),
    ("/api/v1/orders", &["get", "post"]),
    ("/api/v1/orders/{number}", &["get"]),
    ("/api/v1/payments", &["get", "post"]),
    ("/api/v1/payments/{reference}", &["get"]),
    ("/api/v1/credit-notes", &["get", "post"]),
    ("/api/v1/credit-notes/{number}", &["get"]),
    ("/api/v1/bills", &["get", "post"]),
    ("/api/v1/bills/{number}", &["get"]),
    ("/api/v1/bills/{number}/{step}", &["post"]),
    ("/api/v1/credit-checks", &["post"]),
    ("/api/v1/aging", &["get"]),
    ("/api/v1/dashboard", &["get"]),
    ("/api/v1/rule-runs", &["post"]),
];

async fn document(app: &TestApp) -> Value {
    let r = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(r.status(), 200, "the document needs no key");
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(ct.starts_with("application/json"), "content-type {ct}");
    serde_json::from_str(&r.text().await.unwrap()).expect("the document is JSON")
}

fn operations(doc: &Value) -> impl Iterator<Item = (&str, &str, &Value)> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .iter()
                .map(move |(method, op)| (path.as_str(), method.as_str(), op))
        })
}

fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                out.push(r);
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// Whether `v` fits `schema` (the subset of JSON Schema the document uses). Strict about
/// objects: a field the wire carries but the schema does not name is a mismatch.
fn check(doc: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| format!("{at}: foreign $ref {r}"))?;
        return check(doc, &doc["components"]["schemas"][name], v, at);
    }
    if let Some(alternatives) = schema.get("oneOf").and_then(Value::as_array) {
        return match alternatives.iter().any(|s| check(doc, s, v, at).is_ok()) {
            true => Ok(()),
            false => Err(format!("{at}: {v} fits none of {schema}")),
        };
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            t => t.as_str().into_iter().collect(),
        };
        let actual = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_f64() => "number",
            Value::Number(_) => "integer",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        if !types
            .iter()
            .any(|t| *t == actual || (*t == "number" && actual == "integer"))
        {
            return Err(format!("{at}: {v} is {actual}, the schema says {types:?}"));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(v) {
            return Err(format!("{at}: {v} is not one of {values:?}"));
        }
    }
    match v {
        Value::Object(fields) => {
            let empty = serde_json::Map::new();
            let properties = schema
                .get("properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = name.as_str().unwrap();
                if !fields.contains_key(name) {
                    return Err(format!("{at}: required field {name} is missing"));
                }
            }
            for (name, value) in fields {
                let s = properties
                    .get(name)
                    .ok_or_else(|| format!("{at}: field {name} is not in the schema"))?;
                check(doc, s, value, &format!("{at}.{name}"))?;
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| check(doc, &schema["items"], x, &format!("{at}[{i}]"))),
        _ => Ok(()),
    }
}

/// `{code}` → `ERP-1`, and the documents posted below by their numbers.
fn concrete(path: &str) -> String {
    let number = match path {
        p if p.starts_with("/api/v1/orders") => "SO-1",
        p if p.starts_with("/api/v1/credit-notes") => "CN-1",
        p if p.starts_with("/api/v1/bills") => BILL,
        _ => "INV-1",
    };
    path.replace("{code}", "ERP-1")
        .replace("{number}", number)
        .replace("{reference}", "P-1")
        .replace("{step}", "endorse")
}

/// An electronic bill's 30-digit number.
const BILL: &str = "130258100000120260601000000001";

struct Exchange<'a> {
    app: &'a TestApp,
    doc: &'a Value,
    client: reqwest::Client,
}

impl Exchange<'_> {
    /// Sends one request and checks its body and the answer against the operation's
    /// documented request body and response for the status that came back.
    async fn call(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: Option<Value>,
        key: bool,
    ) -> (u16, Value) {
        let op = &self.doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not documented");
        if let Some(b) = &body {
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            check(self.doc, schema, b, &format!("{method} {path} request")).unwrap();
        }
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut req = self
            .client
            .request(m, self.app.url(&format!("{}{query}", concrete(path))));
        if key {
            req = req.bearer_auth(KEY);
        }
        if let Some(b) = &body {
            req = req.json(b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        let response = &op["responses"][status.to_string()];
        assert!(
            response.is_object(),
            "{method} {path} answered {status}, which is not documented: {v}"
        );
        let schema = &response["content"]["application/json"]["schema"];
        check(self.doc, schema, &v, &format!("{method} {path} {status}")).unwrap();
        (status, v)
    }
}

#[tokio::test]
async fn the_document_lists_every_endpoint_with_bearer_security() {
    let app = spawn_app().await;
    let doc = document(&app).await;

    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .map(|(p, m, _)| (p.to_string(), m.to_string()))
        .collect();
    let expected: BTreeSet<(String, String)> = ENDPOINTS
        .iter()
        .flat_map(|(p, ms)| ms.iter().map(|m| (p.to_string(), m.to_string())))
        .collect();
    assert_eq!(documented, expected);

    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (bearer["type"].as_str(), bearer["scheme"].as_str()),
        (Some("http"), Some("bearer")),
        "{bearer}"
    );
    for (path, method, op) in operations(&doc) {
        assert_eq!(op["security"], json!([{ "bearer": [] }]), "{method} {path}");
        assert!(
            op["responses"]["401"].is_object(),
            "{method} {path} documents no 401"
        );
        assert!(
            op["responses"]["500"].is_object(),
            "{method} {path} documents no 500"
        );
        assert!(
            !op["tags"].as_array().unwrap().is_empty(),
            "{method} {path} has no tag"
        );
        // POST /rule-runs is idempotent by its own key, the date, so it takes no header.
        if method == "post" && path != "/api/v1/rule-runs" {
            let params = op["parameters"].as_array().unwrap();
            assert!(
                params
                    .iter()
                    .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"),
                "{method} {path}"
            );
            assert!(
                op["responses"]["422"].is_object(),
                "{method} {path} documents no 422"
            );
            if let Some(created) = op["responses"]["201"].as_object() {
                assert!(
                    created["headers"]["Idempotent-Replayed"].is_object(),
                    "{method} {path}: 201 lacks Idempotent-Replayed"
                );
            }
            assert!(
                op["requestBody"]["content"]["application/json"]["schema"]["$ref"].is_string(),
                "{method} {path}"
            );
        }
        let writes_a_document =
            method == "post" && path != "/api/v1/credit-checks" && path != "/api/v1/rule-runs";
        assert_eq!(
            op["responses"]["409"].is_object(),
            writes_a_document,
            "{method} {path}: 409 iff a number can clash"
        );
    }

    let payment = &doc["components"]["schemas"]["PaymentInput"];
    assert!(
        payment["properties"]["allocations"].is_object(),
        "{payment}"
    );
    assert_eq!(
        payment["additionalProperties"],
        json!(false),
        "bodies are strict: {payment}"
    );
    assert_eq!(
        payment["properties"]["received_on"]["format"], "date",
        "{payment}"
    );
    let required: BTreeSet<&str> = payment["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        required,
        BTreeSet::from(["reference", "customer_code", "received_on", "amount"])
    );

    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {r}"
        );
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_keyed() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let client = reqwest::Client::new();
    for (path, method, _) in operations(&doc) {
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = client
            .request(m, app.url(&concrete(path)))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            401,
            "{method} {path} without a key (404/405 would mean it is not routed)"
        );
    }
    // Routes come only from documented handlers (`rest::api`); anything else under the
    // prefix is a JSON 404, with or without a key.
    for path in [
        "/api/v1",
        "/api/v1/nope",
        "/api/v1/customers/ERP-1/credit/extra",
    ] {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v, json!({"error": "no such endpoint"}), "{path}");
    }
}

#[tokio::test]
async fn real_requests_and_responses_match_the_document() {
    let app = spawn_app().await;
    let id = app
        .store
        .create_api_key("erp", &app::session::token_hash(KEY), test_now())
        .await
        .unwrap();
    let scopes = app::domain::api_keys::ApiScopes::parse("read,ledger:write,credit:write");
    app.store
        .set_api_key_scopes(id, scopes.unwrap())
        .await
        .unwrap();
    let doc = document(&app).await;
    let x = Exchange {
        app: &app,
        doc: &doc,
        client: reqwest::Client::new(),
    };
    let (c, cc, ccr, inv, ord, pay, cn, chk) = (
        "/api/v1/customers",
        "/api/v1/customers/{code}",
        "/api/v1/customers/{code}/credit",
        "/api/v1/invoices",
        "/api/v1/orders",
        "/api/v1/payments",
        "/api/v1/credit-notes",
        "/api/v1/credit-checks",
    );

    let customer = json!({
        "code": "erp-1", "name": "徐工机械经销商", "uscc": "91350100M000100Y43", "region": "华东",
        "contact_email": "ap@example.com", "payment_terms_days": 30, "credit_limit": "100000.00",
        "temp_limit": "5000.00", "temp_limit_expires_on": "2026-12-31",
    });
    assert_eq!(
        x.call("post", c, "", Some(customer.clone()), true).await.0,
        201
    );
    assert_eq!(x.call("post", c, "", Some(customer), true).await.0, 409);
    let (s, v) = x.call("get", cc, "", None, true).await;
    assert_eq!(s, 200);
    assert!(
        v["credit"].is_object(),
        "GET carries the credit summary: {v}"
    );
    assert_eq!(
        x.call(
            "patch",
            cc,
            "",
            Some(json!({"status": "watch", "temp_limit": null})),
            true
        )
        .await
        .0,
        200
    );
    assert_eq!(
        x.call(
            "patch",
            cc,
            "",
            Some(json!({"credit_limit": "1.001"})),
            true
        )
        .await
        .0,
        422
    );

    let invoice = json!({"number": "INV-1", "customer_code": "ERP-1", "invoice_date": "2026-05-01", "amount": "1000.00", "order_ref": "SO-0"});
    assert_eq!(x.call("post", inv, "", Some(invoice), true).await.0, 201);
    let order = json!({"number": "SO-1", "customer_code": "ERP-1", "amount": "500.00", "ordered_on": "2026-06-29"});
    let (s, v) = x.call("post", ord, "", Some(order), true).await;
    assert_eq!(s, 201);
    assert!(v["credit_check"]["reasons"].is_array(), "{v}");
    let payment = json!({
        "reference": "P-1", "customer_code": "ERP-1", "received_on": "2026-06-01", "amount": "600.00",
        "allocations": [{"invoice_number": "INV-1", "amount": "400.00"}],
    });
    let (s, v) = x.call("post", pay, "", Some(payment), true).await;
    assert_eq!(
        (s, v["allocations"].as_array().map(Vec::len)),
        (201, Some(1)),
        "{v}"
    );
    let note = json!({"number": "CN-1", "customer_code": "ERP-1", "issued_on": "2026-06-02", "amount": "100.00", "invoice_number": "INV-1", "reason": "price"});
    assert_eq!(x.call("post", cn, "", Some(note), true).await.0, 201);
    assert_eq!(
        x.call(
            "post",
            chk,
            "",
            Some(json!({"customer_code": "ERP-1", "amount": "10.00"})),
            true
        )
        .await
        .0,
        200
    );
    assert_eq!(
        x.call(
            "post",
            chk,
            "",
            Some(json!({"customer_code": "ERP-1", "amount": "-1"})),
            true
        )
        .await
        .0,
        422
    );

    // A bill taken on account, then endorsed: each answer as documented.
    let bills = "/api/v1/bills";
    let bill = json!({
        "number": BILL, "customer_code": "ERP-1", "kind": "bank", "acceptor": "中国工商银行",
        "face_amount": "50.00", "issued_on": "2026-06-01", "received_on": "2026-06-02",
        "matures_on": "2026-12-01", "allocations": [],
    });
    assert_eq!(x.call("post", bills, "", Some(bill), true).await.0, 201);
    let endorse = json!({"on": "2026-06-03", "endorsee": "某配件供应商"});
    let (s, v) = x
        .call(
            "post",
            "/api/v1/bills/{number}/{step}",
            "",
            Some(endorse),
            true,
        )
        .await;
    assert_eq!((s, &v["status"]), (200, &json!("endorsed")), "{v}");
    let (s, v) = x
        .call("get", "/api/v1/bills/{number}", "", None, true)
        .await;
    assert_eq!((s, &v["status"]), (200, &json!("endorsed")), "{v}");
    let (s, v) = x.call("get", bills, "?status=endorsed", None, true).await;
    assert_eq!(
        (s, v["bills"].as_array().map(Vec::len)),
        (200, Some(1)),
        "{v}"
    );

    assert_eq!(
        x.call("get", ccr, "?as_of=2026-06-30", None, true).await.0,
        200
    );
    let (s, v) = x.call("get", c, "?as_of=2026-06-30", None, true).await;
    assert_eq!(
        (s, v["customers"].as_array().map(Vec::len)),
        (200, Some(1)),
        "{v}"
    );
    assert_eq!(x.call("get", c, "?limit=0", None, true).await.0, 400);
    assert_eq!(
        x.call("get", "/api/v1/aging", "?basis=invoice", None, true)
            .await
            .0,
        200
    );
    assert_eq!(
        x.call("get", "/api/v1/aging", "?customer_code=NOPE", None, true)
            .await
            .0,
        404
    );
    assert_eq!(x.call("get", "/api/v1/aging", "", None, false).await.0, 401);

    // Every document reads back, one at a time and in lists, as documented.
    for (list, one, field) in [
        (inv, "/api/v1/invoices/{number}", "invoices"),
        (pay, "/api/v1/payments/{reference}", "payments"),
        (cn, "/api/v1/credit-notes/{number}", "credit_notes"),
        (ord, "/api/v1/orders/{number}", "orders"),
    ] {
        let (s, v) = x
            .call("get", list, "?customer_code=ERP-1&limit=1", None, true)
            .await;
        assert_eq!(
            (s, v[field].as_array().map(Vec::len)),
            (200, Some(1)),
            "{v}"
        );
        assert_eq!(x.call("get", one, "", None, true).await.0, 200, "{one}");
        assert_eq!(x.call("get", list, "?cursor=x", None, true).await.0, 400);
    }
    let (s, v) = x
        .call(
            "get",
            "/api/v1/invoices/{number}",
            "?as_of=2026-06-30",
            None,
            true,
        )
        .await;
    assert_eq!((s, &v["open_amount"]), (200, &json!("500.00")), "{v}");
}
