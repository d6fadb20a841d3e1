//! The admin page's user and key administration against a real server (issue 21, ASVS
//! 4.1.3 and 7.2.2): only the admin may do it, every change is audited under their name
//! without a secret in it, and nobody can lock the installation out of itself.
mod common;

use app::domain::auth::Role;
use app::store::AuditQuery;
use common::{add_user, spawn_app, TestApp};

const PASSWORD: &str = "admin-password-2026";

/// Whether the client's session still holds (a server function that needs one).
async fn signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    app.call(client, "my_sessions", &[]).await.status() == 200
}

async fn as_user(app: &TestApp, username: &str, password: &str) -> reqwest::Client {
    let client = app.client();
    let r = app.login(&client, username, password).await;
    assert!(
        r.status().is_success(),
        "sign-in as {username}: {}",
        r.status()
    );
    client
}

/// The `secret` of an `Issued` answer.
async fn secret(r: reqwest::Response) -> String {
    assert_eq!(r.status(), 200);
    let issued: serde_json::Value = r.json().await.unwrap();
    issued["secret"].as_str().unwrap().to_string()
}

async fn audit_actions(app: &TestApp, entity: &str) -> Vec<(String, String, String)> {
    let query = AuditQuery {
        entity: Some(entity.into()),
        limit: 100,
        ..Default::default()
    };
    let rows = app.store.audit_trail(&query).await.unwrap();
    rows.into_iter()
        .map(|r| {
            let text = format!("{:?}{:?}", r.entry.before, r.entry.after);
            (r.entry.action, r.actor, text)
        })
        .collect()
}

#[tokio::test]
async fn asvs_4_1_3_an_admin_creates_edits_resets_and_disables_users_audited() {
    let app = spawn_app().await;
    let boss = add_user(app.store.as_ref(), "boss", Role::Admin, PASSWORD).await;
    let admin = as_user(&app, "boss", PASSWORD).await;

    let form = [
        ("form[username]", "Wu.Lei"),
        ("form[display_name]", "吴磊"),
        ("form[role]", "sales_rep"),
        ("form[manager]", ""),
    ];
    let first = secret(app.call(&admin, "create_user", &form).await).await;
    assert_eq!(first.len(), 19, "four groups of four: {first}");
    let taken = app.call(&admin, "create_user", &form).await;
    assert_eq!(taken.status(), 422);
    assert!(taken
        .text()
        .await
        .unwrap()
        .contains("username: 'wu.lei' already exists"));
    let wu = app
        .store
        .user_id_by_username("wu.lei")
        .await
        .unwrap()
        .unwrap();
    let rep = as_user(&app, "wu.lei", &first).await;

    let edit = |manager: i64| {
        let (id, manager) = (wu.to_string(), manager.to_string());
        let (app, admin) = (&app, &admin);
        async move {
            let form = [
                ("form[id]", id.as_str()),
                ("form[display_name]", "吴磊 (North)"),
                ("form[role]", "sales_manager"),
                ("form[manager]", manager.as_str()),
            ];
            app.call(admin, "update_user", &form).await
        }
    };
    assert_eq!(edit(boss).await.status(), 200);
    let accounts = app.store.user_accounts().await.unwrap();
    let row = accounts.iter().find(|a| a.user.id == wu).unwrap();
    assert_eq!(
        (row.user.role, row.manager_id),
        (Role::SalesManager, Some(boss))
    );
    assert_eq!(row.user.display_name, "吴磊 (North)");
    let self_managed = edit(wu).await;
    assert_eq!(self_managed.status(), 422);
    assert!(self_managed.text().await.unwrap().contains("manager:"));

    let id = wu.to_string();
    let second = secret(
        app.call(&admin, "reset_user_password", &[("id", &id)])
            .await,
    )
    .await;
    assert!(
        !signed_in(&app, &rep).await,
        "a reset ends the user's sessions"
    );
    assert_eq!(
        app.login(&app.client(), "wu.lei", &first).await.status(),
        401
    );
    let rep = as_user(&app, "wu.lei", &second).await;

    let off = [("id", id.as_str()), ("enabled", "false")];
    assert_eq!(
        app.call(&admin, "set_user_enabled", &off).await.status(),
        200
    );
    assert!(
        !signed_in(&app, &rep).await,
        "disabling ends the user's sessions"
    );
    assert_eq!(
        app.login(&app.client(), "wu.lei", &second).await.status(),
        401
    );
    let on = [("id", id.as_str()), ("enabled", "true")];
    assert_eq!(
        app.call(&admin, "set_user_enabled", &on).await.status(),
        200
    );
    let rep = as_user(&app, "wu.lei", &second).await;

    // Not for anyone else: the rep is refused, and nothing changed.
    let refused = app
        .call(&rep, "reset_user_password", &[("id", &boss.to_string())])
        .await;
    assert_eq!(refused.status(), 403);
    as_user(&app, "boss", PASSWORD).await;

    let trail = audit_actions(&app, "user").await;
    for action in ["create", "update", "password_reset", "disable", "enable"] {
        assert!(
            trail
                .iter()
                .any(|(a, actor, _)| a == action && actor == "boss"),
            "{action} audited under the admin: {trail:?}"
        );
    }
    assert!(
        trail
            .iter()
            .all(|(_, _, text)| !text.contains(&first) && !text.contains(&second)),
        "no password in the audit trail"
    );
}

#[tokio::test]
async fn asvs_4_1_3_an_admin_cannot_lock_the_installation_out() {
    let app = spawn_app().await;
    let boss = add_user(app.store.as_ref(), "boss", Role::Admin, PASSWORD).await;
    let admin = as_user(&app, "boss", PASSWORD).await;
    let id = boss.to_string();
    let disable_self = app
        .call(
            &admin,
            "set_user_enabled",
            &[("id", &id), ("enabled", "false")],
        )
        .await;
    assert_eq!(disable_self.status(), 422);
    assert!(disable_self
        .text()
        .await
        .unwrap()
        .contains("your own account"));
    let demote_self = [
        ("form[id]", id.as_str()),
        ("form[display_name]", "Boss"),
        ("form[role]", "finance"),
        ("form[manager]", ""),
    ];
    assert_eq!(
        app.call(&admin, "update_user", &demote_self).await.status(),
        422
    );

    // The CLI acts as nobody in particular: it still may not remove the last admin.
    let last =
        app::admin::set_enabled(app.store.as_ref(), boss, false, "cli", common::test_now()).await;
    assert!(
        format!("{last:?}").contains("last enabled admin"),
        "{last:?}"
    );
    assert!(signed_in(&app, &admin).await);
}

#[tokio::test]
async fn asvs_13_1_4_an_admin_issues_and_revokes_api_keys_from_the_page() {
    let app = spawn_app().await;
    add_user(app.store.as_ref(), "boss", Role::Admin, PASSWORD).await;
    let admin = as_user(&app, "boss", PASSWORD).await;
    let form = [
        ("form[name]", "crm"),
        ("form[read]", "on"),
        ("form[expires_in_days]", "90"),
    ];
    let key = secret(app.call(&admin, "create_api_key", &form).await).await;
    assert!(key.starts_with("cdk_"));
    let get = |path: &'static str| {
        let key = key.clone();
        let app = &app;
        async move {
            reqwest::Client::new()
                .get(app.url(path))
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(get("/api/v1/customers").await, 200);
    let listed: serde_json::Value = app
        .call(&admin, "admin_api_keys", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["scopes"], "read");
    assert_eq!(listed[0]["state"], "Active");
    assert!(
        !listed.to_string().contains(&key),
        "the secret is never listed"
    );

    let reused = app.call(&admin, "create_api_key", &form).await;
    assert_eq!(reused.status(), 422);
    let no_scope = app
        .call(&admin, "create_api_key", &[("form[name]", "empty")])
        .await;
    assert!(no_scope
        .text()
        .await
        .unwrap()
        .contains("scope: give at least one scope"));

    assert_eq!(
        app.call(&admin, "revoke_api_key", &[("name", "crm")])
            .await
            .status(),
        200
    );
    assert_eq!(get("/api/v1/customers").await, 401);
    // The refused call is audited too, in a batch about a second later.
    let refused = loop {
        let rows = audit_actions(&app, "access").await;
        if !rows.is_empty() {
            break rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(refused[0].0, "access_denied");
    assert!(refused[0].2.contains("API key revoked"), "{refused:?}");
    let trail = audit_actions(&app, "api_key").await;
    assert!(trail
        .iter()
        .any(|(a, actor, _)| a == "create" && actor == "boss"));
    assert!(trail
        .iter()
        .any(|(a, actor, _)| a == "revoke" && actor == "boss"));
    assert!(trail.iter().all(|(_, _, text)| !text.contains(&key)));
}
