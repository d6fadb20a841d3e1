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
