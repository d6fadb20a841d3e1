//! The HTTP surface end to end against a real server: sign-in, sessions, permissions,
//! origin checks, pages and the REST API.
mod common;

use app::domain::auth::Role;
use app::domain::money::{Currency, Money};
use common::{add_user, spawn_app, test_now, two_reps_with_customers};

fn set_cookie(resp: &reqwest::Response) -> String {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn health_answers() {
    let app = spawn_app().await;
    let r = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn wrong_password_is_refused_without_a_cookie() {
    let app = spawn_app().await;
    add_user(app.store.as_ref(), "fin", Role::Finance, "right-password").await;
    let client = app.client();
    for (user, pass) in [
        ("fin", "wrong-password"),
        ("nobody", "whatever"),
        ("BAD USER", "x"),
    ] {
        let r = app.login(&client, user, pass).await;
        assert!(!r.status().is_success(), "{user}");
        assert!(set_cookie(&r).is_empty(), "no session cookie for {user}");
        let body = r.text().await.unwrap();
        assert!(body.contains("BadCredentials"), "{body}");
    }
    // Still signed out.
    let r = app.call(&client, "current_user", &[]).await;
    assert_eq!(r.text().await.unwrap(), "null");
}

#[tokio::test]
async fn login_issues_a_fresh_httponly_cookie_and_logout_kills_it() {
    let app = spawn_app().await;
    add_user(app.store.as_ref(), "fin", Role::Finance, "right-password").await;
    let client = app.client();

    let first = app.login(&client, "fin", "right-password").await;
    assert!(
        first.status().is_success() || first.status().is_redirection(),
        "{}",
        first.status()
    );
    let cookie1 = set_cookie(&first);
    assert!(
        cookie1.contains("creditdesk_session=")
            && cookie1.contains("HttpOnly")
            && cookie1.contains("SameSite=Lax"),
        "{cookie1}"
    );
    let who = app
        .call(&client, "current_user", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(who.contains("\"username\":\"fin\""), "{who}");

    // Signing in again (same browser) rotates: the old token stops working.
    let token1 = cookie1
        .split("creditdesk_session=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let second = app.login(&client, "fin", "right-password").await;
    let token2 = set_cookie(&second)
        .split("creditdesk_session=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(token1, token2);
    let stale = reqwest::Client::new()
        .post(app.url("/sfn/current_user"))
        .header("Cookie", format!("creditdesk_session={token1}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stale.text().await.unwrap(),
        "null",
        "the pre-login session was destroyed"
    );

    // Logout invalidates server-side, not just in the browser.
    let out = app.call(&client, "logout", &[]).await;
    assert!(set_cookie(&out).contains("Max-Age=0"));
    let replay = reqwest::Client::new()
        .post(app.url("/sfn/current_user"))
        .header("Cookie", format!("creditdesk_session={token2}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.text().await.unwrap(), "null");
}

#[tokio::test]
async fn server_functions_deny_by_default() {
    let app = spawn_app().await;
    let client = app.client();
    for endpoint in ["cockpit", "customers", "customer"] {
        let r = app.call(&client, endpoint, &[("args[id]", "1")]).await;
        assert!(!r.status().is_success(), "{endpoint}");
        let body = r.text().await.unwrap();
        assert!(body.contains("Unauthenticated"), "{endpoint}: {body}");
    }
}

#[tokio::test]
async fn a_sales_rep_sees_only_their_customers() {
    let app = spawn_app().await;
    let (a1, b1) = two_reps_with_customers(&app).await;
    let client = app.client();
    app.login(&client, "rep.a", "password-a").await;

    // No arguments at all is what the browser sends for the unfiltered first page.
    let list = app
        .call(&client, "customers", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("\"A1\"") && !list.contains("\"B1\""),
        "{list}"
    );
    let own = app
        .call(&client, "customer", &[("args[id]", &a1.to_string())])
        .await;
    assert!(own.status().is_success(), "{}", own.text().await.unwrap());
    let other = app
        .call(&client, "customer", &[("args[id]", &b1.to_string())])
        .await;
    assert!(!other.status().is_success());
    assert!(other.text().await.unwrap().contains("NotFound"));
    let cockpit = app.call(&client, "cockpit", &[]).await;
    assert!(
        cockpit.status().is_success(),
        "{}",
        cockpit.text().await.unwrap()
    );
}

#[tokio::test]
async fn foreign_origin_posts_are_refused_before_anything_runs() {
    let app = spawn_app().await;
    add_user(app.store.as_ref(), "fin", Role::Finance, "right-password").await;
    let client = app.client();
    let form = [
        ("form[username]", "fin"),
        ("form[password]", "right-password"),
    ];
    let foreign = client
        .post(app.url("/sfn/login"))
        .header("Origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    assert!(set_cookie(&foreign).is_empty());
    assert!(foreign
        .text()
        .await
        .unwrap()
        .contains("foreign origin refused"));
    let null_origin = client
        .post(app.url("/sfn/login"))
        .header("Origin", "null")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(null_origin.status(), 403);
    let cross_site = client
        .post(app.url("/sfn/login"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    let same = client
        .post(app.url("/sfn/login"))
        .header("Origin", &app.addr)
        .header("Sec-Fetch-Site", "same-origin")
        .header("Accept", "application/json")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(same.status().is_success(), "{}", same.status());
}

#[tokio::test]
async fn pages_need_a_session_and_render_on_the_server() {
    let app = spawn_app().await;
    add_user(
        app.store.as_ref(),
        "exec",
        Role::Executive,
        "right-password",
    )
    .await;
    let client = app.client();
    let r = client.get(app.url("/customers?q=1")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fcustomers%3Fq%3D1");
    let login_page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login_page.contains("name=\"form[password]\""));

    app.login(&client, "exec", "right-password").await;
    let html = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-testid=\"kpi-total\""),
        "cockpit KPIs are in the server HTML"
    );
    assert!(
        html.contains("¥0.00"),
        "an empty ledger shows zero, exactly"
    );
    let missing = client.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_rest_api_needs_a_key_and_rejects_unknown_fields() {
    let app = spawn_app().await;
    two_reps_with_customers(&app).await;
    let secret = "cdk_test_secret";
    app.store
        .create_api_key("erp", &app::session::token_hash(secret), test_now())
        .await
        .unwrap();
    let client = reqwest::Client::new();

    let none = client
        .get(app.url("/api/v1/customers"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    let wrong = client
        .get(app.url("/api/v1/customers"))
        .bearer_auth("cdk_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    let ok = client
        .get(app.url("/api/v1/customers?q=A1"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(body["customers"].as_array().unwrap().len(), 1);
    assert_eq!(
        body["customers"][0]["open"],
        serde_json::json!({"amount": "0.00", "currency": "CNY"})
    );

    let typo = client
        .get(app.url("/api/v1/customers?qq=A1"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(typo.status(), 400);
    assert!(typo.text().await.unwrap().contains("unknown field `qq`"));
    let bad_limit = client
        .get(app.url("/api/v1/customers?limit=0"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_limit.status(), 400);
}

#[tokio::test]
async fn the_aging_endpoint_ages_point_in_time_on_either_basis() {
    use app::store::{NewInvoice, NewPayment, PaymentAllocation};
    use chrono::NaiveDate;
    let app = spawn_app().await;
    let (a1, b1) = two_reps_with_customers(&app).await;
    let secret = "cdk_aging";
    app.store
        .create_api_key("erp", &app::session::token_hash(secret), test_now())
        .await
        .unwrap();
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let cny = |minor| Money::from_minor(minor, Currency::CNY);
    let inv = |n: &str, c, date, due, minor| NewInvoice {
        number: n.into(),
        customer_id: c,
        order_ref: None,
        invoice_date: date,
        ship_date: None,
        acceptance_date: None,
        due_date: due,
        amount: cny(minor),
    };
    app.store
        .insert_invoices(
            &[
                inv("A-1", a1, d(6, 1), d(7, 1), 100_000), // current at 6-30, 29 days old
                inv("A-2", a1, d(3, 1), d(3, 31), 20_050), // 91 days past due, 121 days old
                inv("B-1", b1, d(5, 20), d(6, 19), 7_525), // 11 days past due, 41 days old
            ],
            "test",
            test_now(),
        )
        .await
        .unwrap();
    // Half of A-2 paid on 7-01: after 6-30, so it does not count at 6-30.
    app.store
        .insert_payments(
            &[NewPayment {
                reference: "P-1".into(),
                customer_id: a1,
                received_on: d(7, 1),
                amount: cny(10_000),
                allocation: PaymentAllocation::Manual(vec![("A-2".into(), cny(10_000))]),
            }],
            "test",
            test_now(),
        )
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let get = |q: &str| {
        client
            .get(app.url(&format!("/api/v1/aging?{q}")))
            .bearer_auth(secret)
            .send()
    };

    let due: serde_json::Value = get("as_of=2026-06-30").await.unwrap().json().await.unwrap();
    assert_eq!(due["basis"], "due");
    assert_eq!(due["total_open"], "1275.75");
    assert_eq!(due["overdue_amount"], "275.75");
    let keys: Vec<(&str, &str)> = due["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["key"].as_str().unwrap(), b["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(
        keys,
        [
            ("current", "1000.00"),
            ("1-30", "75.25"),
            ("31-60", "0.00"),
            ("61-90", "0.00"),
            ("90+", "200.50")
        ]
    );

    let by_age: serde_json::Value = get("as_of=2026-06-30&basis=invoice")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: Vec<(&str, &str)> = by_age["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["key"].as_str().unwrap(), b["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(
        keys,
        [
            ("0-30", "1000.00"),
            ("31-60", "75.25"),
            ("61-90", "0.00"),
            ("90+", "200.50")
        ]
    );

    let one: serde_json::Value = get("as_of=2026-07-01&customer_code=a1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        one["total_open"], "1100.50",
        "the 7-01 payment counts from 7-01, and only A1's invoices"
    );

    let unknown = get("customer_code=NOPE").await.unwrap();
    assert_eq!(unknown.status(), 404);
    assert!(unknown.text().await.unwrap().contains("no customer 'NOPE'"));
    for bad in ["basis=weekly", "as_of=2026-13-01", "bucket=1"] {
        let r = get(bad).await.unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
    let no_key = client.get(app.url("/api/v1/aging")).send().await.unwrap();
    assert_eq!(no_key.status(), 401);

    // The dashboard says the same from the maintained aggregates, money as decimal strings.
    let dash = |q: &str| {
        client
            .get(app.url(&format!("/api/v1/dashboard?{q}")))
            .bearer_auth(secret)
            .send()
    };
    let d: serde_json::Value = dash("as_of=2026-06-30")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["kpis"]["open"]["amount"], "1275.75");
    assert_eq!(d["kpis"]["overdue"]["amount"], "275.75");
    assert_eq!(d["kpis"]["overdue_rate_pct"], "21.6");
    assert_eq!(d["kpis"]["customers_overdue"], 2);
    let buckets: Vec<(&str, &str)> = d["aging"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["key"].as_str().unwrap(),
                b["amount"]["amount"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        buckets,
        [
            ("current", "1000.00"),
            ("1-30", "75.25"),
            ("31-60", "0.00"),
            ("61-90", "0.00"),
            ("90+", "200.50")
        ]
    );
    assert_eq!(d["top_overdue"][0]["code"], "A1");
    assert_eq!(d["top_overdue"][0]["overdue"]["amount"], "200.50");
    assert_eq!(d["top_overdue"][0]["max_days_overdue"], 91);
    assert_eq!(d["trend"].as_array().unwrap().len(), 12);
    let kinds: Vec<&str> = d["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"concentration") && kinds.contains(&"over_90"),
        "{kinds:?}"
    );
    let later: serde_json::Value = dash("as_of=2026-07-01")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        later["kpis"]["collected_this_month"]["amount"], "100.00",
        "P-1 on 7-01"
    );
    for bad in ["grade=Z", "rep=1&region=x", "as_of=yesterday", "colour=red"] {
        let r = dash(bad).await.unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
    assert_eq!(
        client
            .get(app.url("/api/v1/dashboard"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}
