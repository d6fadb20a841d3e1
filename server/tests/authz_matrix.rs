//! ASVS 4.1.1 / 4.1.3 / 4.1.5: every registered server function, called as every role and
//! signed out, against one expected allow/deny table. The table is the specification:
//! a server function missing from it, or listed but no longer registered, fails the test.
//!
//! Allowed means the role check let the call through: any answer but 401 and 403 (an
//! empty database then gives 404s, 422s and empty lists, which is fine: scope and data
//! rules have their own tests). Denied means 401 signed out and 403 signed in. A 400
//! means the test's body did not decode, so the function was never reached: a test bug,
//! reported as such.
mod common;

use app::domain::auth::Role::{self, *};
use common::{add_user, spawn_app, TestApp};

const ALL: &[Role] = &Role::ALL;
const WORK: &[Role] = &[Admin, Finance, CreditManager, SalesManager, SalesRep];
const APPLY: &[Role] = WORK;
const MANAGE: &[Role] = &[Admin, Finance, CreditManager, SalesManager];
const RESCORE: &[Role] = &[Admin, Finance, CreditManager];
const PII: &[Role] = &[Admin, Finance, CreditManager];
const AUDIT: &[Role] = &[Admin, Executive, Finance, CreditManager];
const FIN: &[Role] = &[Admin, Finance];
const ADMIN: &[Role] = &[Admin];

/// Who may call a function.
#[derive(Clone, Copy)]
enum Who {
    /// Anyone, signed out included.
    Public,
    /// Any signed-in user.
    SignedIn,
    Roles(&'static [Role]),
}

#[derive(Clone, Copy)]
enum Body {
    Form(&'static [(&'static str, &'static str)]),
    Json(&'static str),
    /// Multipart: text parts, then a file part `file` with these bytes.
    Multipart(
        &'static [(&'static str, &'static str)],
        &'static str,
        &'static [u8],
    ),
}
use Body::*;

const NONE: Body = Form(&[]);
/// A rule draft, put where a JSON body says `$RULE`.
const RULE: &str = r#"{"name":"matrix rule","enabled":false,"trigger":"daily","at":"08:00","event":"","scope":"invoice","repeat":"once","all":true,"groups":[{"all":true,"predicates":[{"field":"days_past_due","op":"ge","value":"10"}]}],"actions":[{"kind":"notify","to":["role:finance"]}]}"#;

/// (path, body, who). The last `FRESH` rows change sessions: each call gets a new client.
const MATRIX: &[(&str, Body, Who)] = &[
    // Account and sign-in.
    ("/sfn/my_sessions", NONE, Who::SignedIn),
    ("/sfn/demo_notice", NONE, Who::Public),
    ("/sfn/current_user", NONE, Who::Public),
    // Alerts and inbox.
    ("/sfn/alert_settings", NONE, Who::Roles(ALL)),
    (
        "/sfn/save_alert_rules",
        Form(&[
            ("rules[0][kind]", "overdue_rate"),
            ("rules[0][enabled]", "true"),
            ("rules[0][threshold]", "8"),
            ("rules[0][months]", "2"),
            ("rules[1][kind]", "concentration"),
            ("rules[1][enabled]", "true"),
            ("rules[1][threshold]", "20"),
            ("rules[1][months]", "1"),
            ("rules[2][kind]", "over_90"),
            ("rules[2][enabled]", "true"),
            ("rules[2][threshold]", "10"),
            ("rules[2][months]", "1"),
            ("rules[3][kind]", "collection_rate"),
            ("rules[3][enabled]", "true"),
            ("rules[3][threshold]", "80"),
            ("rules[3][months]", "1"),
        ]),
        Who::Roles(FIN),
    ),
    ("/sfn/inbox", NONE, Who::Roles(ALL)),
    ("/sfn/unread_count", NONE, Who::Roles(ALL)),
    ("/sfn/mark_read", NONE, Who::Roles(ALL)),
    ("/sfn/audit", NONE, Who::Roles(AUDIT)),
    ("/sfn/cockpit", NONE, Who::Roles(ALL)),
    // Collections.
    (
        "/sfn/worklist",
        Form(&[("filter", "all"), ("scope", "mine")]),
        Who::Roles(WORK),
    ),
    ("/sfn/open_task_count", NONE, Who::SignedIn),
    ("/sfn/task_page", Form(&[("id", "1")]), Who::Roles(WORK)),
    (
        "/sfn/sync_op",
        Json(
            r#"{"op":{"client_id":"matrix-0001","task_id":1,"body":{"kind":"contact","draft":{"channel":"call","outcome":"reached"}}}}"#,
        ),
        Who::Roles(WORK),
    ),
    (
        "/sfn/create_task",
        Json(
            r#"{"draft":{"customer_id":1,"kind":"call","label":"normal","due_on":"2026-07-01","assignee":"","note":"matrix"}}"#,
        ),
        Who::Roles(WORK),
    ),
    (
        "/sfn/reassign_task",
        Form(&[("id", "1"), ("assignee", "role:credit_manager")]),
        Who::Roles(MANAGE),
    ),
    (
        "/sfn/close_task",
        Form(&[("id", "1"), ("status", "done"), ("note", "matrix")]),
        Who::Roles(WORK),
    ),
    (
        "/sfn/escalate_task",
        Form(&[("id", "1"), ("note", "matrix")]),
        Who::Roles(WORK),
    ),
    (
        "/sfn/resolve_dispute",
        Form(&[("id", "1"), ("resolution", "settled")]),
        Who::Roles(MANAGE),
    ),
    (
        "/sfn/customer_collection_log",
        Form(&[("customer_id", "1")]),
        Who::Roles(ALL),
    ),
    (
        "/sfn/set_customer_importance",
        Form(&[("customer_id", "1"), ("importance", "normal")]),
        Who::Roles(MANAGE),
    ),
    (
        "/sfn/dossier",
        Form(&[("customer_id", "1")]),
        Who::Roles(WORK),
    ),
    ("/sfn/collection_terms", NONE, Who::Roles(WORK)),
    (
        "/sfn/save_collection_terms",
        Json(
            r#"{"draft":{"w_days":"40","w_amount":"25","w_grade":"15","w_importance":"10","w_promises":"10","days_cap":"90","amount_cap":"500000.00","promises_cap":"3","grace_days":"3"}}"#,
        ),
        Who::Roles(FIN),
    ),
    ("/sfn/collections_performance", NONE, Who::Roles(ALL)),
    // Customers, import, ledger.
    ("/sfn/customers", NONE, Who::Roles(ALL)),
    ("/sfn/customer", Form(&[("args[id]", "1")]), Who::Roles(ALL)),
    (
        "/sfn/customer_pii",
        Form(&[("customer_id", "1"), ("reveal", "false")]),
        Who::Roles(ALL),
    ),
    (
        "/sfn/create_customer_group",
        Form(&[
            ("customer_id", "1"),
            ("group[code]", "MX"),
            ("group[name]", "矩阵集团"),
            ("group[limit]", "1"),
        ]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/update_customer_group",
        Form(&[("group_code", "NOPE"), ("group[limit]", "1")]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/set_customer_group",
        Form(&[("customer_id", "1"), ("group_code", "")]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/save_customer_pii",
        Form(&[("customer_id", "1"), ("draft[bank_name]", "工商银行")]),
        Who::Roles(PII),
    ),
    (
        "/sfn/import_upload",
        Multipart(
            &[("kind", "customers")],
            "x.csv",
            b"code,name,uscc,payment_terms_days,credit_limit\n",
        ),
        Who::Roles(FIN),
    ),
    ("/sfn/import_status", Form(&[("id", "1")]), Who::Roles(FIN)),
    (
        "/sfn/payment_context",
        Form(&[("customer_code", "C00001")]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/post_payment",
        Form(&[
            ("input[reference]", "MATRIX-PAY-1"),
            ("input[customer_code]", "C00001"),
            ("input[received_on]", "2026-06-30"),
            ("input[amount]", "1.00"),
        ]),
        Who::Roles(FIN),
    ),
    ("/sfn/ledger_today", NONE, Who::Roles(FIN)),
    ("/sfn/load_bills", NONE, Who::Roles(FIN)),
    (
        "/sfn/set_bank_bills_in_exposure",
        Form(&[("counted", "false")]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/receive_bill",
        Form(&[
            ("input[number]", "130258100000120260115000999999"),
            ("input[customer_code]", "C00001"),
            ("input[kind]", "commercial"),
            ("input[medium]", "electronic"),
            ("input[acceptor]", "matrix"),
            ("input[face_amount]", "1.00"),
            ("input[issued_on]", "2026-06-01"),
            ("input[received_on]", "2026-06-30"),
            ("input[matures_on]", "2026-09-30"),
        ]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/take_bill_step",
        Form(&[
            ("form[number]", "130258100000120260115000999999"),
            ("form[step]", "collect"),
            ("form[on]", "2026-10-01"),
        ]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/post_credit_note",
        Form(&[
            ("input[number]", "MATRIX-CN-1"),
            ("input[customer_code]", "C00001"),
            ("input[issued_on]", "2026-06-30"),
            ("input[amount]", "1.00"),
        ]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/post_write_off",
        Form(&[
            ("form[invoice_number]", "INV-NONE"),
            ("form[written_on]", "2026-06-30"),
            ("form[reason]", "matrix"),
        ]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/post_reversal",
        Form(&[
            ("form[kind]", "payment"),
            ("form[reference]", "MATRIX-PAY-1"),
            ("form[reversed_on]", "2026-06-30"),
            ("form[reason]", "matrix"),
        ]),
        Who::Roles(FIN),
    ),
    // Credit applications.
    ("/sfn/application_form", NONE, Who::Roles(APPLY)),
    (
        "/sfn/submit_application",
        Form(&[
            ("draft[customer_id]", "1"),
            ("draft[kind]", "permanent_limit"),
            ("draft[amount]", "10000.00"),
            ("draft[expires_on]", ""),
            ("draft[terms_days]", "30"),
            ("draft[reason]", "matrix"),
        ]),
        Who::Roles(APPLY),
    ),
    ("/sfn/approval_board", NONE, Who::Roles(ALL)),
    (
        "/sfn/attach_to_application",
        Multipart(&[("application", "1")], "a.pdf", b"%PDF-1.4\n%%EOF\n"),
        Who::Roles(APPLY),
    ),
    ("/sfn/application", Form(&[("id", "1")]), Who::Roles(ALL)),
    (
        "/sfn/decide_application",
        Form(&[
            ("args[id]", "1"),
            ("args[action]", "approve"),
            ("args[comment]", ""),
        ]),
        Who::Roles(ALL),
    ),
    (
        "/sfn/resubmit_application",
        Form(&[("id", "1"), ("comment", "matrix")]),
        Who::Roles(APPLY),
    ),
    ("/sfn/approval_policy", NONE, Who::Roles(ALL)),
    (
        "/sfn/save_approval_policy",
        Json(
            r#"{"draft":{"chains":[{"key":"standard","name":"Standard","steps":[{"approver":{"type":"role","value":"sales_manager"},"sla_hours":24,"escalate_to":null,"cc":[]}]}],"routes":[],"fallback":"standard","adjustments":[]}}"#,
        ),
        Who::Roles(FIN),
    ),
    (
        "/sfn/delegate_approvals",
        Form(&[
            ("args[to_user]", "1"),
            ("args[starts_on]", "2026-07-01"),
            ("args[ends_on]", "2026-07-07"),
        ]),
        Who::Roles(ALL),
    ),
    // Receivables and reports.
    ("/sfn/invoices", NONE, Who::Roles(ALL)),
    ("/sfn/filter_options", NONE, Who::Roles(ALL)),
    ("/sfn/aging", NONE, Who::Roles(ALL)),
    (
        "/sfn/set_aging_edges",
        Form(&[("basis", "due"), ("edges", "0,30,60,90")]),
        Who::Roles(FIN),
    ),
    ("/sfn/credit_report", NONE, Who::Roles(ALL)),
    ("/sfn/report_templates", NONE, Who::Roles(ALL)),
    (
        "/sfn/save_report_template",
        Form(&[
            ("draft[name]", "Matrix"),
            ("draft[columns][0]", "code"),
            ("draft[columns][1]", "name"),
            ("draft[min_days_past_due]", "1"),
            ("draft[period]", "month"),
        ]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/delete_report_template",
        Form(&[("id", "999")]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/run_report_template",
        Form(&[("id", "999")]),
        Who::Roles(ALL),
    ),
    // Rules and notifications.
    ("/sfn/list_rules", NONE, Who::Roles(FIN)),
    ("/sfn/rule_form", NONE, Who::Roles(FIN)),
    (
        "/sfn/save_rule",
        Json(r#"{"id":null,"draft":$RULE}"#),
        Who::Roles(FIN),
    ),
    ("/sfn/archive_rule", Form(&[("id", "999")]), Who::Roles(FIN)),
    (
        "/sfn/preview_rule",
        Json(r#"{"draft":$RULE}"#),
        Who::Roles(FIN),
    ),
    (
        "/sfn/start_rule_backtest",
        Json(r#"{"draft":$RULE}"#),
        Who::Roles(FIN),
    ),
    (
        "/sfn/rule_backtest_progress",
        Form(&[("job", "999")]),
        Who::Roles(FIN),
    ),
    ("/sfn/rule_runs", NONE, Who::Roles(FIN)),
    (
        "/sfn/rule_run_detail",
        Form(&[("id", "999")]),
        Who::Roles(FIN),
    ),
    ("/sfn/dunning_terms", NONE, Who::Roles(FIN)),
    (
        "/sfn/save_dunning_terms",
        Form(&[
            ("terms[friendly_fee]", "0"),
            ("terms[formal_fee]", "200"),
            ("terms[legal_fee]", "1000"),
            ("terms[rate_percent]", "4.35"),
        ]),
        Who::Roles(FIN),
    ),
    ("/sfn/notify_settings", NONE, Who::Roles(ADMIN)),
    (
        "/sfn/save_smtp_settings",
        Json(
            r#"{"smtp":{"host":"smtp.example.com","port":"","tls":"starttls","username":"","password":"","from":"ar@example.com"}}"#,
        ),
        Who::Roles(ADMIN),
    ),
    (
        "/sfn/save_webhooks",
        Json(r#"{"webhooks":[]}"#),
        Who::Roles(ADMIN),
    ),
    // Scoring.
    ("/sfn/scoring_page", NONE, Who::Roles(ALL)),
    (
        "/sfn/save_model_version",
        Form(&[
            ("note", "matrix"),
            ("draft[thresholds][a]", "80"),
            ("draft[thresholds][b]", "60"),
            ("draft[thresholds][c]", "40"),
        ]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/activate_model_version",
        Form(&[("version", "0")]),
        Who::Roles(FIN),
    ),
    ("/sfn/rescore_all", NONE, Who::Roles(FIN)),
    (
        "/sfn/customer_score",
        Form(&[("customer_id", "1")]),
        Who::Roles(ALL),
    ),
    (
        "/sfn/rescore_customer",
        Form(&[("customer_id", "1")]),
        Who::Roles(RESCORE),
    ),
    (
        "/sfn/save_customer_factors",
        Form(&[
            ("customer_id", "1"),
            ("registered_capital", "1000000"),
            ("external_rating", "70"),
        ]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/save_industry_risk",
        Form(&[("industry", "construction"), ("factor", "1.3")]),
        Who::Roles(FIN),
    ),
    (
        "/sfn/run_backtest",
        Form(&[("args[as_of]", "2025-06-30"), ("args[version_a]", "0")]),
        Who::Roles(FIN),
    ),
    // Users and API keys (the ids name no user: the role check comes first).
    ("/sfn/admin_users", NONE, Who::Roles(ADMIN)),
    (
        "/sfn/create_user",
        Form(&[
            ("form[username]", "m.created"),
            ("form[display_name]", ""),
            ("form[role]", "sales_rep"),
            ("form[manager]", ""),
        ]),
        Who::Roles(ADMIN),
    ),
    (
        "/sfn/update_user",
        Form(&[
            ("form[id]", "999"),
            ("form[display_name]", "Matrix"),
            ("form[role]", "sales_rep"),
            ("form[manager]", ""),
        ]),
        Who::Roles(ADMIN),
    ),
    (
        "/sfn/set_user_enabled",
        Form(&[("id", "999"), ("enabled", "false")]),
        Who::Roles(ADMIN),
    ),
    (
        "/sfn/reset_user_password",
        Form(&[("id", "999")]),
        Who::Roles(ADMIN),
    ),
    ("/sfn/admin_api_keys", NONE, Who::Roles(ADMIN)),
    (
        "/sfn/create_api_key",
        Form(&[("form[name]", "matrix"), ("form[read]", "on")]),
        Who::Roles(ADMIN),
    ),
    (
        "/sfn/revoke_api_key",
        Form(&[("name", "no-such-key")]),
        Who::Roles(ADMIN),
    ),
    // Last, each from a fresh client: these sign in, end the caller's session or change
    // its password.
    (
        "/sfn/login",
        Form(&[("form[username]", "m.admin"), ("form[password]", PASSWORD)]),
        Who::Public,
    ),
    ("/sfn/logout", NONE, Who::Public),
    ("/sfn/sign_out_everywhere", NONE, Who::SignedIn),
    (
        "/sfn/change_password",
        Form(&[
            ("form[current]", PASSWORD),
            ("form[new]", "Matrix-Test-Pw-2026x"),
            ("form[confirm]", "Matrix-Test-Pw-2026x"),
        ]),
        Who::SignedIn,
    ),
];

const FRESH: usize = 4;
const PASSWORD: &str = "Matrix-Pass-Phrase-1";

fn username(role: Role) -> String {
    format!("m.{}", role.as_str())
}

async fn signed_in(app: &TestApp, role: Role) -> reqwest::Client {
    let client = app.client();
    let r = app.login(&client, &username(role), PASSWORD).await;
    assert!(
        r.status().is_success(),
        "sign-in as {role:?}: {}",
        r.status()
    );
    client
}

async fn send(app: &TestApp, client: &reqwest::Client, path: &str, body: Body) -> (u16, String) {
    let req = client
        .post(app.url(path))
        .header("Origin", &app.addr)
        .header("Accept", "application/json");
    let req = match body {
        Form(pairs) => req.form(pairs),
        Json(json) => req
            .header("Content-Type", "application/json")
            .body(json.replace("$RULE", RULE)),
        Multipart(parts, name, bytes) => {
            let form = parts
                .iter()
                .fold(reqwest::multipart::Form::new(), |f, (k, v)| f.text(*k, *v))
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name(name),
                );
            req.multipart(form)
        }
    };
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// What is wrong with `status` for `who` calling as `role` (None: signed out), if anything.
fn judge(who: Who, role: Option<Role>, status: u16) -> Option<&'static str> {
    let allowed = match (who, role) {
        (Who::Public, _) => true,
        (Who::SignedIn, r) => r.is_some(),
        (Who::Roles(roles), r) => r.is_some_and(|r| roles.contains(&r)),
    };
    match (allowed, role, status) {
        (_, _, 400) => Some("400: the test's body did not decode (fix the table)"),
        (_, _, 500..) => Some("a server error"),
        (true, _, 401 | 403) => Some("refused, but the table allows it"),
        (true, _, _) => None,
        (false, None, 401) | (false, Some(_), 403) => None,
        (false, None, _) => Some("answered signed out: expected 401"),
        (false, Some(_), _) => Some("answered a role the table denies: expected 403"),
    }
}

#[tokio::test]
async fn asvs_4_1_1_every_server_function_allows_exactly_the_roles_in_the_table() {
    let app = spawn_app().await;
    for role in Role::ALL {
        add_user(app.store.as_ref(), &username(role), role, PASSWORD).await;
    }
    // The table covers exactly what is registered.
    let registered: std::collections::BTreeSet<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    let listed: std::collections::BTreeSet<&str> = MATRIX.iter().map(|(p, _, _)| *p).collect();
    let unlisted: Vec<_> = registered.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&registered).collect();
    assert!(
        unlisted.is_empty(),
        "server functions missing from the matrix: {unlisted:?}"
    );
    assert!(
        gone.is_empty(),
        "matrix rows for functions no longer registered: {gone:?}"
    );
    assert_eq!(listed.len(), MATRIX.len(), "a path is listed twice");

    let mut clients = Vec::new();
    for role in Role::ALL {
        clients.push((Some(role), signed_in(&app, role).await));
    }
    clients.push((None, app.client()));
    let fresh_from = MATRIX.len() - FRESH;
    let mut wrong = Vec::new();
    for (i, (path, body, who)) in MATRIX.iter().enumerate() {
        for (role, client) in &clients {
            let fresh;
            let client = match role {
                _ if i < fresh_from => client,
                Some(r) => {
                    fresh = signed_in(&app, *r).await;
                    &fresh
                }
                None => {
                    fresh = app.client();
                    &fresh
                }
            };
            let (status, text) = send(&app, client, path, *body).await;
            if let Some(why) = judge(*who, *role, status) {
                let short: String = text.chars().take(120).collect();
                wrong.push(format!("{path} as {role:?}: {status} {short}: {why}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
