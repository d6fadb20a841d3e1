//! Security tests against a real server, each named after the OWASP ASVS 4.0.3 item it
//! checks (issue 21). The login throttle's arithmetic is unit-tested in
//! `app::domain::login_throttle`, the password policy in `app::domain::auth`.
mod common;

use app::domain::auth::Role;
use app::domain::collections::{Assignee, NewTask};
use app::domain::rules::{Priority, TaskKind};
use app::store::AuditQuery;
use common::{add_user, spawn_app, test_now, two_reps_with_customers, TestApp};

async fn wrong_logins(app: &TestApp, username: &str, n: usize) {
    let client = app.client();
    for _ in 0..n {
        let r = app.login(&client, username, "not-the-password").await;
        assert_eq!(r.status(), 401, "a wrong password is 401");
    }
}

#[tokio::test]
async fn asvs_2_2_1_a_username_is_locked_after_ten_failures_even_for_the_right_password() {
    let app = spawn_app().await;
    add_user(app.store.as_ref(), "fin", Role::Finance, "right-password-1").await;
    wrong_logins(&app, "fin", 10).await;

    let client = app.client();
    let r = app.login(&client, "fin", "right-password-1").await;
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        retry,
        15 * 60,
        "locked for 15 minutes from the tenth failure"
    );
    assert!(
        r.headers().get("set-cookie").is_none(),
        "no session while locked"
    );
    assert!(r.text().await.unwrap().contains("TooManyAttempts"));
    // Another username from the same address is not locked by these ten.
    add_user(
        app.store.as_ref(),
        "exec",
        Role::Executive,
        "right-password-2",
    )
    .await;
    let other = app.login(&client, "exec", "right-password-2").await;
    assert!(other.status().is_success(), "{}", other.status());
}

#[tokio::test]
async fn asvs_2_2_1_an_address_is_locked_after_fifty_failures_across_usernames() {
    let app = spawn_app().await;
    add_user(app.store.as_ref(), "fin", Role::Finance, "right-password-1").await;
    for i in 0..10 {
        wrong_logins(&app, &format!("guess{i}"), 5).await;
    }
    let r = app.login(&app.client(), "fin", "right-password-1").await;
    assert_eq!(r.status(), 429, "the address is locked for every username");
    assert!(r.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn asvs_7_2_1_failed_and_refused_logins_are_audited_in_batches() {
    let app = spawn_app().await;
    wrong_logins(&app, "mallory", 10).await;
    for _ in 0..2 {
        let r = app
            .login(&app.client(), "mallory", "not-the-password")
            .await;
        assert_eq!(r.status(), 429);
    }
    let trail = loop {
        let rows = app
            .store
            .audit_trail(&AuditQuery {
                entity: Some("session".into()),
                entity_key: Some("mallory".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let attempts: u64 = rows
            .iter()
            .filter_map(|r| r.entry.after.as_deref())
            .map(|a| {
                serde_json::from_str::<serde_json::Value>(a).unwrap()["attempts"]
                    .as_u64()
                    .unwrap()
            })
            .sum();
        if attempts == 12 {
            break rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let actions: Vec<&str> = trail.iter().map(|r| r.entry.action.as_str()).collect();
    assert!(actions.contains(&"login_failed"), "{actions:?}");
    assert!(
        actions.contains(&"login_locked"),
        "{actions:?}: the two refused while locked"
    );
    assert!(
        trail.len() < 12,
        "one row per batch and outcome, not one per attempt"
    );
    assert!(trail[0]
        .entry
        .after
        .as_deref()
        .unwrap()
        .contains("127.0.0.1"));
}

#[tokio::test]
async fn asvs_13_2_2_server_function_errors_carry_their_true_status() {
    let app = spawn_app().await;
    let (_, b1) = two_reps_with_customers(&app).await;
    let signed_out = app.call(&app.client(), "cockpit", &[]).await;
    assert_eq!(signed_out.status(), 401);

    let client = app.client();
    app.login(&client, "rep.a", "password-a").await;
    let forbidden = app.call(&client, "audit", &[]).await;
    assert_eq!(
        forbidden.status(),
        403,
        "a rep may not read the audit trail"
    );
    let other = app
        .call(&client, "customer", &[("args[id]", &b1.to_string())])
        .await;
    assert_eq!(
        other.status(),
        404,
        "another rep's customer does not exist for this one"
    );
    let bad = app
        .call(&client, "task_page", &[("id", "not-a-number")])
        .await;
    assert_eq!(
        bad.status(),
        400,
        "an undecodable request is the caller's error"
    );
}

#[tokio::test]
async fn asvs_4_2_1_a_rep_cannot_work_another_reps_customer_through_a_pooled_task() {
    let app = spawn_app().await;
    let (_, b1) = two_reps_with_customers(&app).await;
    // A task pooled to the reps' role, as the old rule builder could make.
    let task = NewTask {
        customer_id: b1,
        kind: TaskKind::Call,
        label: Priority::High,
        due_on: test_now().date_naive(),
        assignee: Some(Assignee::Role(Role::SalesRep)),
        note: String::new(),
    };
    let id = app
        .store
        .create_task(&task, "test", test_now())
        .await
        .unwrap();

    let client = app.client();
    app.login(&client, "rep.a", "password-a").await;
    let page = app
        .call(&client, "task_page", &[("id", &id.to_string())])
        .await;
    assert_eq!(page.status(), 403, "{}", page.text().await.unwrap());
    let list = app
        .call(&client, "worklist", &[("filter", "all"), ("scope", "mine")])
        .await;
    assert!(list.status().is_success());
    let list = list.text().await.unwrap();
    assert!(!list.contains("\"B1\""), "not in rep.a's worklist: {list}");
    assert_eq!(
        app.call(&client, "open_task_count", &[])
            .await
            .text()
            .await
            .unwrap(),
        "0"
    );

    let owner = app.client();
    app.login(&owner, "rep.b", "password-b").await;
    let page = app
        .call(&owner, "task_page", &[("id", &id.to_string())])
        .await;
    assert!(
        page.status().is_success(),
        "the customer's own rep still works it"
    );
    assert!(app::domain::collections::Assignee::parse("role:sales_rep").is_none());
}

#[tokio::test]
async fn asvs_5_1_5_sign_in_never_redirects_off_site() {
    let app = spawn_app().await;
    add_user(app.store.as_ref(), "fin", Role::Finance, "right-password-1").await;
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/a\u{1}b",
    ] {
        let r = app
            .client()
            .post(app.url("/sfn/login"))
            .header("Origin", &app.addr)
            .header("Accept", "text/html")
            .form(&[
                ("form[username]", "fin"),
                ("form[password]", "right-password-1"),
                ("form[next]", next),
            ])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "{next:?}: {}", r.status());
        assert_eq!(r.headers()["location"], "/", "{next:?}");
    }
}

#[tokio::test]
async fn asvs_2_5_4_no_default_accounts_unless_demo_data_was_asked_for() {
    let app = spawn_app().await;
    let users = app.store.list_users().await.unwrap();
    assert!(
        users.is_empty(),
        "a plain start creates no accounts: {users:?}"
    );
    let client = app.client();
    let login_page = || async {
        let r = client.get(app.url("/login")).send().await.unwrap();
        r.text().await.unwrap()
    };
    assert!(!login_page().await.contains("demo-notice"));
    let notice = app.call(&client, "demo_notice", &[]).await;
    assert_eq!(notice.text().await.unwrap(), "false");

    let demo = app::domain::settings::DEMO_DATA.key;
    app.store
        .set_setting(demo, "true", "seed-demo", test_now())
        .await
        .unwrap();
    assert!(
        login_page().await.contains("demo1234"),
        "the login page says demo data"
    );
}

#[tokio::test]
async fn asvs_4_1_3_nobody_approves_their_own_application() {
    let app = spawn_app().await;
    let (a1, _) = two_reps_with_customers(&app).await;
    let store = app.store.as_ref();
    let user = |id, name: &str, role| app::domain::auth::User {
        id,
        username: name.into(),
        display_name: name.into(),
        role,
    };
    let sm = user(
        add_user(store, "mgr.s", Role::SalesManager, "pw-123456789").await,
        "mgr.s",
        Role::SalesManager,
    );
    let sm2 = user(
        add_user(store, "mgr.t", Role::SalesManager, "pw-123456789").await,
        "mgr.t",
        Role::SalesManager,
    );
    // The default policy's first step falls to the sales managers' role: mgr.s's own.
    let draft = app::domain::approval::RequestDraft {
        customer_id: a1,
        kind: "permanent_limit".into(),
        amount: "150000.00".into(),
        expires_on: String::new(),
        terms_days: "45".into(),
        reason: "season".into(),
    };
    let id = app::ledger::apply_for_credit(store, &sm, &draft, test_now())
        .await
        .unwrap();
    let approve = app::domain::approval::Action::Approve;
    let own = store
        .decide_application(id, &sm, approve, "ok", test_now())
        .await;
    assert!(
        matches!(own, Err(app::store::StoreError::Conflict(_))),
        "{own:?}"
    );
    // A deputy of the applicant does not approve for them either.
    let away = app::domain::approval::Delegation::new(
        app::domain::approval::Actor {
            user_id: sm.id,
            role: sm.role,
        },
        app::domain::approval::Actor {
            user_id: sm2.id,
            role: sm2.role,
        },
        test_now().date_naive(),
        test_now().date_naive(),
        test_now().date_naive(),
    )
    .unwrap();
    store
        .add_delegation(&away, "mgr.s", test_now())
        .await
        .unwrap();
    let peer = store
        .decide_application(id, &sm2, approve, "ok", test_now())
        .await
        .unwrap();
    assert_eq!(
        peer.current_step, 1,
        "another sales manager approves in their own right"
    );
}

#[tokio::test]
async fn asvs_4_1_3_delegations_go_up_the_hierarchy_for_at_most_thirty_days_and_are_audited() {
    let app = spawn_app().await;
    let (_, _) = two_reps_with_customers(&app).await;
    let store = app.store.as_ref();
    add_user(store, "mgr.c", Role::CreditManager, "pw-123456789").await;
    let exec = add_user(store, "exec.a", Role::Executive, "pw-123456789").await;
    let rep = store.user_id_by_username("rep.a").await.unwrap().unwrap();
    let client = app.client();
    app.login(&client, "mgr.c", "pw-123456789").await;
    let today = app::domain::business_date(test_now());
    let day = |d: i64| (today + chrono::Duration::days(d)).to_string();
    let down = delegate(&app, &client, rep, &day(0), &day(1)).await;
    assert_eq!(down.status(), 422);
    assert!(down.text().await.unwrap().contains("to_user"));
    let long = delegate(&app, &client, exec, &day(0), &day(30)).await;
    assert_eq!(long.status(), 422, "31 days");
    let ok = delegate(&app, &client, exec, &day(0), &day(29)).await;
    assert!(ok.status().is_success(), "{}", ok.text().await.unwrap());
    let trail = store
        .audit_trail(&AuditQuery {
            entity: Some("delegation".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((trail.len(), trail[0].actor.as_str()), (1, "mgr.c"));
}

async fn delegate(
    app: &TestApp,
    client: &reqwest::Client,
    to: i64,
    starts: &str,
    ends: &str,
) -> reqwest::Response {
    let to = to.to_string();
    let args = [
        ("args[to_user]", to.as_str()),
        ("args[starts_on]", starts),
        ("args[ends_on]", ends),
    ];
    app.call(client, "delegate_approvals", &args).await
}

/// The headers every response carries, whatever it is.
fn assert_hardened(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["referrer-policy"], "same-origin", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert!(
        h["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("camera=()"),
        "{what}"
    );
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("'unsafe-eval'") && !csp.contains("script-src 'self' 'unsafe-inline'"));
}

#[tokio::test]
async fn asvs_14_4_every_response_carries_the_security_headers_and_no_store() {
    let app = spawn_app().await;
    add_user(app.store.as_ref(), "fin", Role::Finance, "right-password-1").await;
    let client = app.client();
    let login_page = client.get(app.url("/login")).send().await.unwrap();
    assert_hardened(&login_page, "/login");
    assert!(login_page
        .headers()
        .get("strict-transport-security")
        .is_none());
    app.login(&client, "fin", "right-password-1").await;
    for path in [
        "/",
        "/customers",
        "/export/aging/aging.csv",
        "/api/v1/customers",
    ] {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert_hardened(&r, path);
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
        // Read to the end, as a browser would: an export streams from a blocking task
        // that the test's runtime would otherwise wait on at shutdown.
        r.bytes().await.unwrap();
    }
    let pkg = client
        .get(app.url("/pkg/creditdesk.css"))
        .send()
        .await
        .unwrap();
    assert_ne!(
        pkg.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
}

#[tokio::test]
async fn asvs_14_4_3_a_page_allows_only_the_inline_scripts_carrying_its_own_nonce() {
    let app = spawn_app().await;
    add_user(app.store.as_ref(), "fin", Role::Finance, "right-password-1").await;
    let client = app.client();
    app.login(&client, "fin", "right-password-1").await;
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let r = client.get(app.url("/customers")).send().await.unwrap();
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .expect("a page policy names a nonce")
            .to_string();
        assert!(nonce.len() >= 22, "128 bits or more: {nonce}");
        let html = r.text().await.unwrap();
        // An empty script never runs, so CSP never judges it (leptos_i18n leaves one).
        let inline: Vec<&str> = html
            .split("<script")
            .skip(1)
            .filter(|rest| !rest.starts_with("></script>"))
            .map(|rest| rest.split('>').next().unwrap_or(""))
            .collect();
        assert!(inline.len() > 1, "the page hydrates");
        for tag in inline {
            assert!(
                tag.contains(&format!(" nonce=\"{nonce}\"")),
                "<script{tag}>"
            );
        }
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a fresh nonce per response");
}

#[tokio::test]
async fn asvs_14_4_5_hsts_is_sent_when_cookies_are_secure() {
    let app = common::spawn_app_with(|cfg| cfg.secure_cookies = true).await;
    let r = app.client().get(app.url("/login")).send().await.unwrap();
    let hsts = r.headers()["strict-transport-security"].to_str().unwrap();
    assert!(hsts.starts_with("max-age=31536000"), "{hsts}");
}

#[tokio::test]
async fn asvs_14_5_a_request_for_an_unknown_host_is_refused() {
    let app =
        common::spawn_app_with(|cfg| cfg.allowed_hosts = vec!["credit.example.cn".into()]).await;
    let get = |host: &'static str| {
        app.client()
            .get(app.url("/login"))
            .header("Host", host)
            .send()
    };
    let rebound = get("rebound.attacker.example").await.unwrap();
    assert_eq!(rebound.status(), 400);
    assert!(rebound.text().await.unwrap().contains("unknown host"));
    assert_eq!(get("credit.example.cn").await.unwrap().status(), 200);
    assert_eq!(
        app.client()
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn asvs_13_1_3_a_body_over_the_limit_is_refused_with_413() {
    let app = spawn_app().await;
    let big = "x".repeat(server::guards::MAX_BODY_BYTES + 1);
    let r = app
        .client()
        .post(app.url("/sfn/login"))
        .header("Origin", &app.addr)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("form[username]={big}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(r.text().await.unwrap().contains("larger than 2 MB"));
}

#[tokio::test]
async fn asvs_11_1_4_one_import_at_a_time_per_user() {
    use app::api::import::{ImportKind, Importer};
    let app = spawn_app().await;
    let clock = std::sync::Arc::new(common::FixedClock(test_now()));
    let jobs = server::import::Jobs::new(app.store.clone(), clock);
    let file = || b"code,name\n".to_vec();
    let start = |who: &str| jobs.start(ImportKind::Customers, "c.csv".into(), file(), who.into());
    // On this single-threaded runtime the first job cannot run before the next call.
    let first = start("fin").expect("the first import starts");
    let refused = start("fin").unwrap_err();
    assert_eq!(refused.status(), 409);
    assert!(refused.to_string().contains("still running"), "{refused}");
    assert!(start("ann").is_ok(), "another user is not held up");
    while !jobs.status(&first, "fin").unwrap().phase.is_finished() {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(start("fin").is_ok(), "once it ends, the next may start");
}

/// Whether `client` is still signed in (a page answers instead of sending it to /login).
async fn signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    let r = client.get(app.url("/customers")).send().await.unwrap();
    !r.status().is_redirection()
}

async fn signed_in_client(app: &TestApp, username: &str, password: &str) -> reqwest::Client {
    let client = app.client();
    let r = app.login(&client, username, password).await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    assert!(signed_in(app, &client).await);
    client
}

#[tokio::test]
async fn asvs_3_3_2_a_session_idle_for_thirty_minutes_ends() {
    let app = spawn_app().await;
    let fin = add_user(app.store.as_ref(), "fin", Role::Finance, "right-password-1").await;
    let client = signed_in_client(&app, "fin", "right-password-1").await;
    let session = app.store.user_sessions(fin).await.unwrap().remove(0);
    let quiet_since = test_now() - chrono::Duration::minutes(31);
    app.store
        .touch_session(&session.token_hash, quiet_since)
        .await
        .unwrap();
    assert!(
        !signed_in(&app, &client).await,
        "idle 31 minutes: signed out"
    );
    assert!(
        app.store
            .session(&session.token_hash)
            .await
            .unwrap()
            .is_none(),
        "and deleted"
    );
}

#[tokio::test]
async fn asvs_3_4_4_a_secure_session_cookie_is_host_prefixed() {
    let app = common::spawn_app_with(|cfg| cfg.secure_cookies = true).await;
    add_user(app.store.as_ref(), "fin", Role::Finance, "right-password-1").await;
    let r = app.login(&app.client(), "fin", "right-password-1").await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-creditdesk_session="), "{cookie}");
    assert!(
        cookie.contains("; Path=/;") && cookie.contains("; Secure") && !cookie.contains("Domain")
    );
}

#[tokio::test]
async fn asvs_3_3_4_changing_the_password_ends_the_other_sessions() {
    let app = spawn_app().await;
    add_user(app.store.as_ref(), "fin", Role::Finance, "right-password-1").await;
    let (phone, laptop) = (
        signed_in_client(&app, "fin", "right-password-1").await,
        signed_in_client(&app, "fin", "right-password-1").await,
    );
    let listed = app.call(&laptop, "my_sessions", &[]).await;
    let listed: Vec<serde_json::Value> = listed.json().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().filter(|s| s["current"] == true).count(), 1);
    let change = |current: &'static str, new: &'static str| {
        let form = [
            ("form[current]", current),
            ("form[new]", new),
            ("form[confirm]", new),
        ];
        let (app, laptop) = (&app, &laptop);
        async move { app.call(laptop, "change_password", &form).await }
    };
    let wrong = change("not-my-password", "a-long-new-secret-9").await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("current password"));
    let weak = change("right-password-1", "password1234").await;
    assert_eq!(weak.status(), 422);
    assert!(weak.text().await.unwrap().contains("new password"));
    assert!(
        signed_in(&app, &phone).await,
        "a refused change ends nothing"
    );
    assert_eq!(
        change("right-password-1", "a-long-new-secret-9")
            .await
            .status(),
        200
    );
    assert!(signed_in(&app, &laptop).await, "this session stays");
    assert!(!signed_in(&app, &phone).await, "the other one ended");
    assert_eq!(
        app.login(&app.client(), "fin", "right-password-1")
            .await
            .status(),
        401
    );
    signed_in_client(&app, "fin", "a-long-new-secret-9").await;
    let query = AuditQuery {
        entity: Some("user".into()),
        limit: 10,
        ..Default::default()
    };
    let rows = app.store.audit_trail(&query).await.unwrap();
    assert!(rows
        .iter()
        .any(|r| r.entry.action == "password_changed" && r.actor == "fin"));
}

#[tokio::test]
async fn asvs_3_3_3_signing_out_everywhere_ends_every_session() {
    let app = spawn_app().await;
    add_user(app.store.as_ref(), "fin", Role::Finance, "right-password-1").await;
    let (phone, laptop) = (
        signed_in_client(&app, "fin", "right-password-1").await,
        signed_in_client(&app, "fin", "right-password-1").await,
    );
    app.call(&laptop, "sign_out_everywhere", &[]).await;
    assert!(!signed_in(&app, &laptop).await && !signed_in(&app, &phone).await);
}

#[tokio::test]
async fn asvs_8_3_disabling_a_user_ends_their_sessions_and_sign_in() {
    let app = spawn_app().await;
    let fin = add_user(app.store.as_ref(), "fin", Role::Finance, "right-password-1").await;
    let client = signed_in_client(&app, "fin", "right-password-1").await;
    app.store
        .set_user_disabled(fin, Some(test_now()))
        .await
        .unwrap();
    assert!(!signed_in(&app, &client).await);
    assert_eq!(
        app.login(&app.client(), "fin", "right-password-1")
            .await
            .status(),
        401
    );
}

/// A key made the way `creditdesk api-key create` makes it, at `at`.
async fn key(
    app: &TestApp,
    name: &str,
    scope: &str,
    days: Option<u32>,
    rate: Option<u32>,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    let request = server::api_keys::KeyRequest {
        name,
        scopes: scope,
        admin: false,
        expires_in_days: days,
        rate_per_minute: rate,
    };
    server::api_keys::create(app.store.as_ref(), request, at)
        .await
        .unwrap()
}

#[tokio::test]
async fn asvs_13_1_4_api_keys_are_scoped_expire_and_can_be_revoked() {
    let app = spawn_app().await;
    let now = test_now();
    let reader = key(&app, "bi", "read", None, None, now).await;
    let writer = key(&app, "erp", "read,ledger:write", None, None, now).await;
    let lapsed = key(
        &app,
        "old",
        "read",
        Some(1),
        None,
        now - chrono::Duration::days(2),
    )
    .await;
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str, secret: &str| {
        client
            .request(method, app.url(path))
            .bearer_auth(secret)
            .json(&serde_json::json!({}))
            .send()
    };
    use reqwest::Method;
    assert_eq!(
        call(Method::GET, "/api/v1/customers", &reader)
            .await
            .unwrap()
            .status(),
        200
    );
    let refused = call(Method::POST, "/api/v1/invoices", &reader)
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("'ledger:write' scope"));
    assert_eq!(
        call(Method::POST, "/api/v1/invoices", &writer)
            .await
            .unwrap()
            .status(),
        422,
        "admitted, then the empty body is refused"
    );
    let patch = call(Method::PATCH, "/api/v1/customers/C001", &writer)
        .await
        .unwrap();
    assert_eq!(patch.status(), 403, "limits and statuses need credit:write");
    assert!(patch.text().await.unwrap().contains("credit:write"));
    let expired = call(Method::GET, "/api/v1/customers", &lapsed)
        .await
        .unwrap();
    assert_eq!(expired.status(), 401);
    assert!(expired.text().await.unwrap().contains("expired"));
    server::api_keys::revoke(app.store.as_ref(), "bi", now)
        .await
        .unwrap();
    let revoked = call(Method::GET, "/api/v1/customers", &reader)
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);
    assert!(revoked.text().await.unwrap().contains("revoked"));
    let keys = app.store.api_keys().await.unwrap();
    let erp = keys.iter().find(|k| k.name == "erp").unwrap();
    assert_eq!(erp.last_used_at, Some(now), "last use recorded");
}

#[tokio::test]
async fn asvs_11_1_4_a_key_past_its_rate_gets_429_with_retry_after() {
    let app = spawn_app().await;
    let secret = key(&app, "bursty", "read", None, Some(3), test_now()).await;
    let client = reqwest::Client::new();
    let get = || {
        client
            .get(app.url("/api/v1/customers"))
            .bearer_auth(&secret)
            .send()
    };
    for _ in 0..3 {
        assert_eq!(get().await.unwrap().status(), 200);
    }
    let limited = get().await.unwrap();
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}

#[tokio::test]
async fn asvs_4_2_1_collection_performance_and_alert_history_are_scoped_to_a_rep() {
    let app = spawn_app().await;
    two_reps_with_customers(&app).await;
    add_user(app.store.as_ref(), "boss", Role::Admin, "password-boss").await;
    app.db
        .exec(
            "INSERT INTO alert_episodes (kind, raised_on, figure, threshold, subject, raised_at) \
             VALUES ('concentration', '2026-06-30', '0.62', '0.2', '客户A1', '2026-06-30T02:00:00Z')",
        )
        .await;
    let reps_in = |body: &serde_json::Value| -> Vec<String> {
        body["reps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["username"].as_str().unwrap().to_string())
            .collect()
    };
    let history_len = |body: &serde_json::Value| body["history"].as_array().unwrap().len();
    let admin = signed_in_client(&app, "boss", "password-boss").await;
    let all: serde_json::Value = app
        .call(&admin, "collections_performance", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(reps_in(&all).contains(&"rep.b".to_string()), "{all}");
    let settings: serde_json::Value = app
        .call(&admin, "alert_settings", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history_len(&settings), 1);

    let rep = signed_in_client(&app, "rep.a", "password-a").await;
    let own: serde_json::Value = app
        .call(&rep, "collections_performance", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        reps_in(&own).iter().all(|u| u == "rep.a"),
        "a rep sees only their own row: {own}"
    );
    let settings: serde_json::Value = app
        .call(&rep, "alert_settings", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        history_len(&settings),
        0,
        "the book's alert history is not a rep's: {settings}"
    );
}

#[tokio::test]
async fn asvs_7_1_3_a_refused_permission_and_every_download_are_audited() {
    let app = spawn_app().await;
    two_reps_with_customers(&app).await;
    let rep = signed_in_client(&app, "rep.a", "password-a").await;
    assert_eq!(app.call(&rep, "audit", &[]).await.status(), 403);
    let query = |entity: &str| AuditQuery {
        entity: Some(entity.into()),
        limit: 10,
        ..Default::default()
    };
    // Refusals are written in batches, about a second later.
    let denied = loop {
        let rows = app.store.audit_trail(&query("access")).await.unwrap();
        if !rows.is_empty() {
            break rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(
        (
            denied[0].entry.entity_key.as_str(),
            denied[0].entry.action.as_str()
        ),
        ("rep.a", "access_denied")
    );
    assert!(denied[0]
        .entry
        .after
        .as_deref()
        .unwrap()
        .contains("ViewAudit"));

    let csv = rep
        .get(app.url("/export/aging/aging.csv?basis=due"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    csv.bytes().await.unwrap();
    let refused = rep
        .get(app.url("/export/template/customers.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let downloads = app.store.audit_trail(&query("export")).await.unwrap();
    let taken: Vec<(&str, &str)> = downloads
        .iter()
        .map(|r| (r.actor.as_str(), r.entry.entity_key.as_str()))
        .collect();
    assert_eq!(
        taken,
        [("rep.a", "/export/aging/aging.csv?basis=due")],
        "a refused download is not a download"
    );
    let denied = loop {
        let rows = app.store.audit_trail(&query("access")).await.unwrap();
        if rows.len() == 2 {
            break rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(denied[0]
        .entry
        .after
        .as_deref()
        .unwrap()
        .contains("/export/template/customers.csv"));
}
