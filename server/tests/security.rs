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
