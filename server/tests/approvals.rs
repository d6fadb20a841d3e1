//! Credit applications through their approval chains, on SQLite and (with
//! TEST_DATABASE_URL) PostgreSQL:
//! - routing by amount picks the chain, and the snapshot is what the application
//!   follows: a policy edited afterwards changes new applications only;
//! - only the step's approver (or a delegate, or the escalation target once the SLA
//!   passed) may act; reject and return need a comment; a decided application is final;
//! - the final approval writes the limit (or temporary limit and expiry) and terms
//!   back to the customer in the same transaction, audited;
//! - SLA reminders (80%) and escalations (100%) under an injected clock, each recorded
//!   and notified exactly once, also when two schedulers race;
//! - a returned application is resubmitted by its applicant into a new round.
//!
//! Then over HTTP: the server functions' authorisation and validation.
mod common;

use app::domain::approval::Approver;
use app::domain::approval::{
    Action, Actor, Chain, Delegation, LimitKind, Policy, PolicyDraft, RequestDraft, RequestKind,
    Status, Step,
};
use app::domain::auth::{Role, Scope, User};
use app::domain::credit::{CreditPolicy, Decision};
use app::domain::customer::{Contact, CustomerCode, CustomerStatus, Grade, NewCustomer};
use app::domain::inbox::Topic;
use app::domain::money::{Currency, Money};
use app::store::{AuditQuery, NewOrder, Store, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::{add_user, spawn_app, test_now, TestDb};

fn cny(yuan: i64) -> Money {
    Money::from_minor(yuan * 100, Currency::CNY)
}

fn customer(code: &str, rep: i64) -> NewCustomer {
    NewCustomer {
        code: CustomerCode::parse(code).unwrap(),
        name: format!("Customer {code}"),
        uscc: None,
        region: "East".into(),
        industry: "Construction".into(),
        sales_rep_id: Some(rep),
        contact: Contact {
            name: "Zhang".into(),
            phone: "13800000000".into(),
            email: "a@b.cn".into(),
        },
        payment_terms_days: 30,
        credit_limit: cny(100_000),
        temp_limit: None,
        status: CustomerStatus::Normal,
        grade: Some(Grade::B),
        group_code: None,
    }
}

struct People {
    rep: User,
    sm: User,
    cm: User,
    fin: User,
    exec: User,
    deputy: User,
}

async fn user(store: &dyn Store, name: &str, role: Role) -> User {
    let id = add_user(store, name, role, "password-123").await;
    User {
        id,
        username: name.into(),
        display_name: name.to_uppercase(),
        role,
    }
}

async fn people(store: &dyn Store) -> People {
    let sm = user(store, "mgr.s", Role::SalesManager).await;
    let rep = user(store, "rep", Role::SalesRep).await;
    store.set_user_manager(rep.id, Some(sm.id)).await.unwrap();
    People {
        cm: user(store, "mgr.c", Role::CreditManager).await,
        fin: user(store, "fin.a", Role::Finance).await,
        exec: user(store, "exec.a", Role::Executive).await,
        deputy: user(store, "deputy", Role::SalesRep).await,
        rep,
        sm,
    }
}

/// Files an application as the server function does, under `policy` (saved first).
async fn apply(
    store: &dyn Store,
    policy: &Policy,
    applicant: &User,
    customer_id: i64,
    kind: LimitKind,
    yuan: i64,
    now: DateTime<Utc>,
) -> i64 {
    let json = serde_json::to_string(policy.draft()).unwrap();
    store
        .set_setting(app::domain::approval::POLICY_SETTING, &json, "fin.a", now)
        .await
        .unwrap();
    let (kind, expires_on) = match kind {
        LimitKind::Permanent => ("permanent_limit", String::new()),
        LimitKind::Temporary { expires_on } => ("temporary_limit", expires_on.to_string()),
    };
    let draft = RequestDraft {
        customer_id,
        kind: kind.into(),
        amount: format!("{yuan}.00"),
        expires_on,
        terms_days: "45".into(),
        reason: "season".into(),
    };
    app::ledger::apply_for_credit(store, applicant, &draft, now)
        .await
        .unwrap()
}

async fn approval_events(store: &dyn Store, user: &User) -> Vec<(i64, String)> {
    store
        .inbox(user.id, 100)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|i| match i.topic {
            Topic::Approval {
                application_id,
                event,
                ..
            } => Some((application_id, event)),
            Topic::Alert(_) | Topic::Rule { .. } | Topic::Task { .. } => None,
        })
        .collect()
}

fn refused(r: Result<app::store::ApplicationView, StoreError>) -> String {
    match r {
        Err(StoreError::Conflict(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn story(store: &dyn Store) {
    let t0 = test_now();
    let p = people(store).await;
    let ids = store
        .insert_customers(
            &[customer("C-1", p.rep.id), customer("C-2", p.rep.id)],
            "test",
            t0,
        )
        .await
        .unwrap();
    let (c1, c2) = (ids[0], ids[1]);
    let policy = Policy::default_policy();

    // --- a large permanent limit walks sales manager → credit manager → finance
    let big = apply(store, &policy, &p.rep, c1, LimitKind::Permanent, 80_000, t0).await;
    let a = store.application(big).await.unwrap().unwrap();
    assert_eq!(
        (
            a.status,
            a.current_step,
            a.steps.len(),
            a.chain_name.as_str()
        ),
        (Status::Pending, 0, 3, "大额审批")
    );
    assert_eq!(
        approval_events(store, &p.sm).await,
        vec![(big, "submit".to_string())],
        "the first approver is told"
    );
    assert!(
        approval_events(store, &p.cm).await.is_empty(),
        "later approvers are not told yet"
    );
    // Nobody but the step's approver may act, not the applicant, not finance.
    for who in [&p.rep, &p.fin, &p.exec] {
        assert!(refused(
            store
                .decide_application(big, who, Action::Approve, "", t0)
                .await
        )
        .contains("not an approver"));
    }
    let a = store
        .decide_application(big, &p.sm, Action::Approve, "ok", t0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!((a.status, a.current_step), (Status::Pending, 1));
    assert_eq!(
        a.step_started_at,
        t0 + Duration::hours(1),
        "the next step's SLA starts now"
    );
    assert!(
        refused(
            store
                .decide_application(big, &p.sm, Action::Approve, "", t0)
                .await
        )
        .contains("not an approver"),
        "no second approval"
    );
    store
        .decide_application(big, &p.cm, Action::Approve, "", t0 + Duration::hours(2))
        .await
        .unwrap();
    let file = store.customer_file(c1, Scope::All).await.unwrap().unwrap();
    assert_eq!(
        file.credit_limit,
        cny(100_000),
        "nothing is written back before the last step"
    );
    let a = store
        .decide_application(
            big,
            &p.fin,
            Action::Approve,
            "approved",
            t0 + Duration::hours(3),
        )
        .await
        .unwrap();
    assert_eq!(a.status, Status::Approved);
    let file = store.customer_file(c1, Scope::All).await.unwrap().unwrap();
    assert_eq!(
        (file.credit_limit, file.payment_terms_days),
        (cny(80_000), 45),
        "the final approval wrote the limit and terms"
    );
    let trail = store
        .audit_trail(&AuditQuery {
            entity: Some("customer".into()),
            entity_key: Some("C-1".into()),
            actor: None,
            before_id: None,
            limit: 50,
        })
        .await
        .unwrap();
    let update = trail
        .iter()
        .find(|r| r.entry.action == "update")
        .expect("the write-back is audited");
    assert!(
        update
            .entry
            .after
            .as_deref()
            .unwrap()
            .contains("\"credit_limit\":\"80000.00\""),
        "{:?}",
        update.entry.after
    );
    assert_eq!(
        approval_events(store, &p.rep).await,
        vec![(big, "approve".to_string())],
        "the applicant hears the outcome"
    );
    assert_eq!(
        approval_events(store, &p.sm).await.len(),
        2,
        "the manager is CC'd on finance's step"
    );
    assert!(
        refused(
            store
                .decide_application(big, &p.fin, Action::Approve, "", t0)
                .await
        )
        .contains("already"),
        "decided is final"
    );
    let kinds: Vec<String> = store
        .application_events(big)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["submit", "approve", "approve", "approve"]);

    // --- snapshot isolation: the policy changes, the application in flight does not
    let small = apply(
        store,
        &policy,
        &p.rep,
        c2,
        LimitKind::Temporary {
            expires_on: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
        },
        30_000,
        t0,
    )
    .await;
    let only_exec = PolicyDraft {
        chains: vec![Chain {
            key: "standard".into(),
            name: "Exec only".into(),
            steps: vec![Step {
                approver: Approver::Role(Role::Executive),
                sla_hours: 8,
                escalate_to: None,
                cc: vec![],
            }],
        }],
        routes: vec![],
        fallback: "standard".into(),
        adjustments: vec![],
    };
    let edited = Policy::try_from(only_exec).unwrap();
    let later = apply(store, &edited, &p.rep, c2, LimitKind::Permanent, 30_000, t0).await;
    let (s, l) = (
        store.application(small).await.unwrap().unwrap(),
        store.application(later).await.unwrap().unwrap(),
    );
    assert_eq!(
        (s.chain_name.as_str(), s.steps.len()),
        ("标准审批", 2),
        "the application in flight keeps its chain"
    );
    assert_eq!((l.chain_name.as_str(), l.steps.len()), ("Exec only", 1));
    // The manager resolved to the rep's manager at submission: "sm" as a user.
    assert!(s.steps[0].assignee.covers(Actor {
        user_id: p.sm.id,
        role: Role::SalesManager
    }));

    // --- SLA: 24 h on the manager's step; reminder at 19.2 h, escalation at 24 h
    let at = |minutes: i64| t0 + Duration::minutes(minutes);
    // `later`'s 8 h executive step is long past: its reminder and escalation, once.
    assert_eq!(
        store.run_sla(at(19 * 60 + 11)).await.unwrap(),
        (1, 1),
        "only `later` is due before 80% of `small`"
    );
    // Two schedulers race at `small`'s reminder mark: one of them records it.
    let (x, y) = tokio::join!(
        store.run_sla(at(19 * 60 + 12)),
        store.run_sla(at(19 * 60 + 12))
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(
        (x.0 + y.0, x.1 + y.1),
        (1, 0),
        "one reminder between the two"
    );
    let events = |id| async move {
        store
            .application_events(id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(events(small).await, ["submit", "reminder"]);
    assert_eq!(
        events(later).await,
        ["submit", "reminder", "escalation"],
        "an 8 h step found 19 h late gets both"
    );
    assert_eq!(
        store.run_sla(at(19 * 60 + 13)).await.unwrap(),
        (0, 0),
        "a rerun records nothing"
    );
    assert_eq!(
        approval_events(store, &p.sm)
            .await
            .iter()
            .filter(|(id, e)| *id == small && e == "reminder")
            .count(),
        1
    );
    // The credit manager may not act before the escalation…
    assert!(refused(
        store
            .decide_application(small, &p.cm, Action::Approve, "", at(20 * 60))
            .await
    )
    .contains("not an approver"));
    let (x, y) = tokio::join!(store.run_sla(at(24 * 60)), store.run_sla(at(24 * 60)));
    assert_eq!(x.unwrap().1 + y.unwrap().1, 1, "one escalation");
    let s = store.application(small).await.unwrap().unwrap();
    assert!(s.escalated && s.reminded);
    assert_eq!(
        approval_events(store, &p.cm)
            .await
            .iter()
            .filter(|(id, e)| *id == small && e == "escalation")
            .count(),
        1
    );
    // …and may after it, on the manager's behalf.
    let s = store
        .decide_application(small, &p.cm, Action::Approve, "covering", at(24 * 60 + 5))
        .await
        .unwrap();
    assert_eq!(
        (s.status, s.current_step, s.escalated, s.reminded),
        (Status::Pending, 1, false, false),
        "the next step starts fresh"
    );

    // --- reject and return need a comment; return → resubmit → new round
    assert!(refused(
        store
            .decide_application(small, &p.fin, Action::Return, " ", at(24 * 60 + 6))
            .await
    )
    .contains("comment"));
    let s = store
        .decide_application(
            small,
            &p.fin,
            Action::Return,
            "attach the contract",
            at(24 * 60 + 6),
        )
        .await
        .unwrap();
    assert_eq!(s.status, Status::Returned);
    assert!(
        matches!(
            store
                .resubmit_application(small, &p.sm, "", at(24 * 60 + 7))
                .await,
            Err(StoreError::Conflict(_))
        ),
        "only the applicant resubmits"
    );
    let s = store
        .resubmit_application(small, &p.rep, "contract attached", at(24 * 60 + 8))
        .await
        .unwrap();
    assert_eq!((s.status, s.round, s.current_step), (Status::Pending, 2, 0));

    // --- delegation: the manager is away, the deputy acts for them (recorded)
    let today = app::domain::business_date(at(24 * 60 + 9));
    let away = Delegation {
        from: Actor {
            user_id: p.sm.id,
            role: Role::SalesManager,
        },
        to_user: p.deputy.id,
        starts_on: today,
        ends_on: today,
    };
    store
        .add_delegation(&away, "test", at(24 * 60 + 9))
        .await
        .unwrap();
    store
        .decide_application(
            small,
            &p.deputy,
            Action::Approve,
            "for SM",
            at(24 * 60 + 10),
        )
        .await
        .unwrap();
    let last = store
        .application_events(small)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (last.actor.as_deref(), last.on_behalf_of.as_deref()),
        (Some("DEPUTY"), Some("MGR.S"))
    );
    let s = store
        .decide_application(small, &p.fin, Action::Approve, "", at(24 * 60 + 11))
        .await
        .unwrap();
    assert_eq!(s.status, Status::Approved);
    let file = store.customer_file(c2, Scope::All).await.unwrap().unwrap();
    assert_eq!(
        file.temp_limit,
        Some((cny(30_000), NaiveDate::from_ymd_opt(2026, 9, 30).unwrap())),
        "the temporary limit and expiry"
    );
    assert_eq!(
        file.credit_limit,
        cny(100_000),
        "a temporary limit leaves the permanent one"
    );

    // --- reject
    let l = store
        .decide_application(later, &p.exec, Action::Reject, "too much", at(24 * 60 + 12))
        .await
        .unwrap();
    assert_eq!(l.status, Status::Rejected);
    assert_eq!(
        store
            .customer_file(c2, Scope::All)
            .await
            .unwrap()
            .unwrap()
            .credit_limit,
        cny(100_000),
        "a rejection writes nothing"
    );

    // --- an over-limit order goes to approval through the same engine; the final
    // approval releases it into exposure
    let json = serde_json::to_string(Policy::default_policy().draft()).unwrap();
    store
        .set_setting(app::domain::approval::POLICY_SETTING, &json, "fin.a", t0)
        .await
        .unwrap();
    let order = NewOrder {
        number: "SO-9".into(),
        customer_id: c1,
        ordered_on: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
        amount: cny(150_000),
    };
    let (order_id, check) = store
        .post_order(&order, CreditPolicy::default(), "erp", at(24 * 60 + 13))
        .await
        .unwrap();
    assert_eq!(check.decision, Decision::NeedsApproval);
    let item =
        app::ledger::file_order_approval(store, order_id, &order, "over_limit", at(24 * 60 + 13))
            .await
            .unwrap();
    // A second held order whose filing never happened is filed by the scheduler's sweep, once.
    let lost = NewOrder {
        number: "SO-10".into(),
        amount: cny(900_000),
        ..order.clone()
    };
    let (lost_id, _) = store
        .post_order(&lost, CreditPolicy::default(), "erp", at(24 * 60 + 13))
        .await
        .unwrap();
    assert_eq!(
        store
            .orders_awaiting_approval(10)
            .await
            .unwrap()
            .iter()
            .map(|(id, ..)| *id)
            .collect::<Vec<_>>(),
        vec![lost_id]
    );
    let (x, y) = tokio::join!(
        app::ledger::file_missing_order_approvals(store, at(24 * 60 + 13)),
        app::ledger::file_missing_order_approvals(store, at(24 * 60 + 13))
    );
    assert_eq!(x.unwrap() + y.unwrap(), 1, "filed once between two sweeps");
    assert!(store.orders_awaiting_approval(10).await.unwrap().is_empty());
    assert_eq!(
        app::ledger::file_missing_order_approvals(store, at(24 * 60 + 14))
            .await
            .unwrap(),
        0
    );
    let o = store.application(item).await.unwrap().unwrap();
    assert_eq!(
        (o.kind, o.applicant_id, o.steps.len(), o.terms_days),
        (RequestKind::Order, p.rep.id, 3, None),
        "filed for the rep, routed on 150,000"
    );
    let orders_now = |when| async move {
        store
            .credit_position(c1, when)
            .await
            .unwrap()
            .exposure
            .open_orders
    };
    let day = NaiveDate::from_ymd_opt(2026, 7, 2).unwrap();
    assert_eq!(
        orders_now(day).await,
        cny(0),
        "a held order does not count yet"
    );
    for who in [&p.sm, &p.cm, &p.fin] {
        store
            .decide_application(item, who, Action::Approve, "", at(24 * 60 + 14))
            .await
            .unwrap();
    }
    assert_eq!(
        orders_now(day).await,
        cny(150_000),
        "released into exposure"
    );
    assert_eq!(
        store.recomputed_exposure(c1, day).await.unwrap(),
        store.credit_position(c1, day).await.unwrap().exposure,
        "maintained = recomputed"
    );
    assert_eq!(
        store
            .customer_file(c1, Scope::All)
            .await
            .unwrap()
            .unwrap()
            .credit_limit,
        cny(80_000),
        "an order approval changes no limit"
    );
    store
        .cancel_order("SO-9", day, "customer withdrew", "erp", at(24 * 60 + 15))
        .await
        .unwrap();
    assert_eq!(
        orders_now(day).await,
        cny(0),
        "a cancelled released order leaves exposure"
    );

    // --- the board's read: pending and recently decided, a rep sees their own
    let all = store
        .applications(Scope::All, None, t0 - Duration::days(30))
        .await
        .unwrap();
    assert_eq!(all.len(), 5, "big, small, later and the two order items");
    assert_eq!(
        all[2..].iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![later, small, big]
    );
    let none = store
        .applications(Scope::Rep(p.deputy.id), None, t0 - Duration::days(30))
        .await
        .unwrap();
    assert!(none.is_empty(), "another rep sees nothing");
    let audit = store.verify_audit().await.unwrap();
    assert_eq!(
        audit.first_broken, None,
        "the audit chain still verifies: {audit:?}"
    );
}

#[tokio::test]
async fn approvals_on_sqlite() {
    let db = TestDb::sqlite();
    story(db.store().await.as_ref()).await;
}

#[tokio::test]
async fn approvals_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    story(db.store().await.as_ref()).await;
    db.drop_db().await;
}

/// A server function's refusal: not a success, and the body that says why.
async fn refusal(r: reqwest::Response) -> String {
    assert!(
        !r.status().is_success(),
        "expected a refusal, got {}",
        r.status()
    );
    r.text().await.unwrap()
}

#[tokio::test]
async fn server_functions_authorise_and_validate() {
    let app = spawn_app().await;
    let store = app.store.as_ref();
    let p = people(store).await;
    let other = user(store, "other", Role::SalesRep).await;
    let ids = store
        .insert_customers(&[customer("C-9", p.rep.id)], "test", test_now())
        .await
        .unwrap();
    let cid = ids[0].to_string();
    let rep = app.client();
    app.login(&rep, "rep", "password-123").await;
    let form = |amount: &'static str, kind: &'static str| {
        vec![
            ("draft[customer_id]", cid.clone()),
            ("draft[kind]", kind.to_string()),
            ("draft[amount]", amount.to_string()),
            ("draft[expires_on]", String::new()),
            ("draft[terms_days]", "30".to_string()),
            ("draft[reason]", "new excavators".to_string()),
        ]
    };
    let send = |c: reqwest::Client, f: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(&c, "submit_application", &f).await
        }
    };
    // Bad fields are named, nothing is written.
    let body = refusal(send(rep.clone(), form("-5", "temporary_limit")).await).await;
    assert!(
        body.contains("amount: must be more than zero") && body.contains("expires_on"),
        "{body}"
    );
    assert!(store
        .applications(Scope::All, None, test_now())
        .await
        .unwrap()
        .is_empty());
    // A good one is routed by the default policy.
    let r = send(rep.clone(), form("60000", "permanent_limit")).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let a = store
        .applications(Scope::All, None, test_now())
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (a.chain_name.as_str(), a.steps.len(), a.applicant_id),
        ("大额审批", 3, p.rep.id)
    );
    // Another rep cannot apply for, see or decide this customer's application.
    let o = app.client();
    app.login(&o, "other", "password-123").await;
    assert!(
        refusal(send(o.clone(), form("60000", "permanent_limit")).await)
            .await
            .contains("NotFound")
    );
    assert!(refusal(
        app.call(&o, "application", &[("id", &a.id.to_string())])
            .await
    )
    .await
    .contains("NotFound"));
    let _ = other;
    // The sales manager approves over HTTP; an unknown action is named.
    let sm = app.client();
    app.login(&sm, "mgr.s", "password-123").await;
    let id = a.id.to_string();
    let body = refusal(
        app.call(
            &sm,
            "decide_application",
            &[
                ("args[id]", &id),
                ("args[action]", "bless"),
                ("args[comment]", ""),
            ],
        )
        .await,
    )
    .await;
    assert!(body.contains("'bless' is not approve"), "{body}");
    let r = app
        .call(
            &sm,
            "decide_application",
            &[
                ("args[id]", &id),
                ("args[action]", "approve"),
                ("args[comment]", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    // The rep cannot: not an approver of the step.
    let body = refusal(
        app.call(
            &rep,
            "decide_application",
            &[
                ("args[id]", &id),
                ("args[action]", "approve"),
                ("args[comment]", ""),
            ],
        )
        .await,
    )
    .await;
    assert!(body.contains("not an approver"), "{body}");
    // Documents: the applicant uploads a PDF; a renamed executable and an oversized file
    // are refused by name; the manager downloads it; another rep cannot.
    let upload = |c: reqwest::Client, name: &'static str, bytes: Vec<u8>| {
        let (url, origin, app_id) = (
            app.url("/sfn/attach_to_application"),
            app.addr.clone(),
            a.id.to_string(),
        );
        async move {
            let form = reqwest::multipart::Form::new()
                .text("application", app_id)
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name(name),
                );
            c.post(url)
                .header("Origin", origin)
                .header("Accept", "application/json")
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let pdf = b"%PDF-1.4 contract".to_vec();
    let r = upload(rep.clone(), "合同.pdf", pdf.clone()).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let body = refusal(upload(rep.clone(), "合同.pdf", b"MZ\x90\x00".to_vec()).await).await;
    assert!(
        body.contains("合同.pdf: not a PDF, PNG or JPEG file"),
        "{body}"
    );
    let body = refusal(
        upload(
            rep.clone(),
            "big.pdf",
            [b"%PDF-".as_slice(), &vec![0u8; 6 << 20]].concat(),
        )
        .await,
    )
    .await;
    assert!(body.contains("5 MB"), "{body}");
    let body = refusal(upload(sm.clone(), "x.pdf", pdf.clone()).await).await;
    assert!(
        body.contains("Forbidden"),
        "only the applicant attaches: {body}"
    );
    let list = store.attachments(a.id).await.unwrap();
    assert_eq!(
        (list.len(), list[0].filename.as_str(), list[0].size_bytes),
        (1, "合同.pdf", pdf.len() as i64)
    );
    let file = sm
        .get(app.url(&format!("/export/attachment/{}/{}", a.id, list[0].id)))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert_eq!(file.bytes().await.unwrap().to_vec(), pdf);
    assert_eq!(
        o.get(app.url(&format!("/export/attachment/{}/{}", a.id, list[0].id)))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // Only finance configures the policy: the manager's page is read-only, a save is refused.
    let page = app
        .call(&sm, "approval_policy", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("\"can_edit\":false") && page.contains("\"standard\""),
        "{page}"
    );
    refusal(
        app.call(
            &sm,
            "save_approval_policy",
            &[("draft[fallback]", "standard")],
        )
        .await,
    )
    .await;
    assert_eq!(
        store
            .setting(app::domain::approval::POLICY_SETTING)
            .await
            .unwrap(),
        None,
        "nothing saved"
    );
    // Anonymous callers are refused.
    assert!(
        refusal(app.call(&app.client(), "approval_board", &[]).await)
            .await
            .contains("Unauthenticated")
    );
    app.db.drop_db().await;
}
