//! The collections workbench end to end, on SQLite and (with TEST_DATABASE_URL)
//! PostgreSQL: tasks and their assignment, the phone's writes applied once per client id,
//! conflicts on closed tasks, promises settled once (a broken one raising its rule
//! event), disputes pausing and resuming the invoice rules, escalation, the collection
//! log and the people's activity; then authorisation over HTTP.
mod common;

use app::domain::auth::{Role, User};
use app::domain::collections::{
    Assignee, ClientId, ContactDraft, DisputeDraft, Importance, NewTask, Op, OpBody, OpOutcome,
    PromiseDraft, PromiseStatus, TaskStatus,
};
use app::domain::customer::{Contact, CustomerCode, CustomerStatus, Grade, NewCustomer};
use app::domain::money::{Currency, Money};
use app::domain::rules::{ActionDraft, GroupDraft, PredicateDraft, Priority, RuleDraft, TaskKind};
use app::engine::{self, RunLimits};
use app::store::{AuditQuery, NewInvoice, Store, TaskQuery};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::{add_user, spawn_app, test_now, with_dbs, TestDb};
use std::sync::Arc;

fn cny(yuan: i64) -> Money {
    Money::from_minor(yuan * 100, Currency::CNY)
}

/// test_now() is 2026-06-30 10:00 in Shanghai.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
}

fn customer(code: &str, rep: i64) -> NewCustomer {
    NewCustomer {
        code: CustomerCode::parse(code).unwrap(),
        name: format!("客户 {code}"),
        uscc: None,
        region: "华东".into(),
        industry: "建筑施工".into(),
        sales_rep_id: Some(rep),
        contact: Contact {
            name: "张".into(),
            phone: "13800000000".into(),
            email: format!("ap@{}.cn", code.to_lowercase()),
        },
        payment_terms_days: 30,
        credit_limit: cny(1_000_000),
        temp_limit: None,
        status: CustomerStatus::Normal,
        grade: Some(Grade::C),
        group_code: None,
    }
}

fn invoice(number: &str, customer_id: i64, days_past_due: i64, yuan: i64) -> NewInvoice {
    let due = today() - Duration::days(days_past_due);
    NewInvoice {
        number: number.into(),
        customer_id,
        order_ref: None,
        invoice_date: due - Duration::days(30),
        ship_date: None,
        acceptance_date: None,
        due_date: due,
        amount: cny(yuan),
    }
}

struct Desk {
    store: Arc<dyn Store>,
    rep: User,
    rep2: User,
    cm: User,
    fin: i64,
    c1: i64,
    /// INV-20 (20 days past due, 30,000), INV-5 (5 days, 20,000), INV-N (not due, 10,000).
    inv: [i64; 3],
}

async fn user(store: &dyn Store, name: &str, role: Role) -> User {
    let id = add_user(store, name, role, "pw-123456789").await;
    User {
        id,
        username: name.into(),
        display_name: name.to_uppercase(),
        role,
    }
}

async fn desk(db: &TestDb) -> Desk {
    let store = db.store().await;
    let s = store.as_ref();
    let rep = user(s, "rep", Role::SalesRep).await;
    let rep2 = user(s, "rep2", Role::SalesRep).await;
    let cm = user(s, "cm", Role::CreditManager).await;
    let fin = user(s, "fin", Role::Finance).await.id;
    let ids = store
        .insert_customers(
            &[customer("C001", rep.id), customer("C002", rep2.id)],
            "test",
            test_now(),
        )
        .await
        .unwrap();
    let inv = store
        .insert_invoices(
            &[
                invoice("INV-20", ids[0], 20, 30_000),
                invoice("INV-5", ids[0], 5, 20_000),
                invoice("INV-N", ids[0], -10, 10_000),
                invoice("INV-O", ids[1], 3, 5_000),
            ],
            "test",
            test_now(),
        )
        .await
        .unwrap();
    Desk {
        store,
        rep,
        rep2,
        cm,
        fin,
        c1: ids[0],
        inv: [inv[0], inv[1], inv[2]],
    }
}

fn task(customer_id: i64, assignee: Option<Assignee>) -> NewTask {
    NewTask {
        customer_id,
        kind: TaskKind::Call,
        label: Priority::High,
        due_on: today(),
        assignee,
        note: "跟进".into(),
    }
}

fn op(id: &str, task_id: i64, body: OpBody) -> Op {
    Op {
        client_id: ClientId::parse(id).unwrap(),
        task_id,
        body,
        keep_if_closed: false,
    }
}

fn call(outcome: &str, notes: &str) -> OpBody {
    OpBody::Contact(ContactDraft {
        channel: "call".into(),
        outcome: outcome.into(),
        notes: notes.into(),
        next_action_on: String::new(),
    })
}

fn mine(u: &User) -> TaskQuery {
    TaskQuery {
        for_user: Some((u.id, u.role.task_pool())),
        team: None,
        customer_id: None,
        task_id: None,
        open_only: true,
        today: today(),
    }
}

/// A daily invoice rule: 1 day or more past due → notify finance, once per invoice.
fn overdue_rule() -> RuleDraft {
    RuleDraft {
        name: "Overdue notice".into(),
        enabled: true,
        trigger: "daily".into(),
        at: "08:00".into(),
        event: String::new(),
        scope: "invoice".into(),
        repeat: "once".into(),
        all: true,
        groups: vec![GroupDraft {
            all: true,
            predicates: vec![PredicateDraft {
                field: "days_past_due".into(),
                op: "ge".into(),
                value: "1".into(),
            }],
        }],
        actions: vec![ActionDraft {
            kind: "notify".into(),
            to: vec!["role:finance".into()],
            ..ActionDraft::default()
        }],
    }
}

fn now_fn(t: DateTime<Utc>) -> impl Fn() -> DateTime<Utc> + Send + Sync {
    move || t
}

#[tokio::test]
async fn a_reps_loop_writes_once_and_closed_tasks_conflict() {
    with_dbs(|db| async move {
        let d = desk(&db).await;
        let s = d.store.as_ref();
        let now = test_now();
        // A manual task goes to the customer's rep by default.
        let t1 = s.create_task(&task(d.c1, None), "sm", now).await.unwrap();
        let rows = s.tasks(&mine(&d.rep)).await.unwrap();
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [t1]);
        let r = &rows[0];
        assert_eq!(r.assignee, Some(Assignee::User(d.rep.id)));
        assert_eq!(
            (r.input.days_past_due, r.input.overdue_minor, r.input.grade),
            (20, 50_000_00, Some(Grade::C))
        );
        assert_eq!(
            (
                s.open_task_count(d.rep.id, None).await.unwrap(),
                s.open_task_count(d.rep2.id, None).await.unwrap()
            ),
            (1, 0)
        );
        assert_eq!(r.input.importance, Importance::Normal);
        s.set_importance(d.c1, Importance::Key, "sm", now)
            .await
            .unwrap();
        assert_eq!(
            s.tasks(&mine(&d.rep)).await.unwrap()[0].input.importance,
            Importance::Key,
            "the score reads the new importance"
        );

        // A contact, then the same write again (the queue resent after a lost answer).
        let contact = op("contact-0001", t1, call("no_answer", "下午再打"));
        let first = s.apply_op(&contact, &d.rep, today(), 3, now).await.unwrap();
        let OpOutcome::Applied { id } = first else {
            panic!("{first:?}")
        };
        assert_eq!(
            s.apply_op(&contact, &d.rep, today(), 3, now).await.unwrap(),
            OpOutcome::Replayed { id }
        );
        let log = s.collection_log(d.c1, 100).await.unwrap();
        assert_eq!(
            log.iter().filter(|l| l.detail.kind() == "contact").count(),
            1,
            "{log:?}"
        );
        assert!(log.iter().any(|l| l.detail.kind() == "contact"
            && l.detail.text() == "call · no_answer · 下午再打"
            && l.who == "REP"));

        // Promises are checked against the open invoices, inside the write.
        let promise = |id: &str, amount: &str, invoices: Vec<i64>| {
            op(
                id,
                t1,
                OpBody::Promise(PromiseDraft {
                    due_on: (today() + Duration::days(5)).to_string(),
                    amount: amount.into(),
                    invoice_ids: invoices,
                    notes: String::new(),
                }),
            )
        };
        match s
            .apply_op(
                &promise("promise-0001", "50000.01", vec![d.inv[0], d.inv[1]]),
                &d.rep,
                today(),
                3,
                now,
            )
            .await
            .unwrap()
        {
            OpOutcome::Invalid(e) => assert_eq!(
                e[0].message,
                "¥50,000.01 is more than the ¥50,000.00 the chosen invoices owe"
            ),
            other => panic!("{other:?}"),
        }
        let OpOutcome::Applied { id: p1 } = s
            .apply_op(
                &promise("promise-0002", "30000", vec![d.inv[0]]),
                &d.rep,
                today(),
                3,
                now,
            )
            .await
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(
            s.apply_op(
                &promise("promise-0002", "30000", vec![d.inv[0]]),
                &d.rep,
                today(),
                3,
                now
            )
            .await
            .unwrap(),
            OpOutcome::Replayed { id: p1 }
        );
        let promises = s.promises(d.c1).await.unwrap();
        assert_eq!(promises.len(), 1);
        assert_eq!(
            (
                promises[0].amount,
                promises[0].status,
                promises[0].grace_days,
                promises[0].invoices.clone()
            ),
            (
                cny(30_000),
                PromiseStatus::Pending,
                3,
                vec!["INV-20".to_string()]
            )
        );
        assert!(s.tasks(&mine(&d.rep)).await.unwrap()[0].pending_promise);

        // Reassignment is audited; the task moves between worklists.
        s.reassign_task(t1, Assignee::User(d.rep2.id), "sm", now)
            .await
            .unwrap();
        assert!(s.tasks(&mine(&d.rep)).await.unwrap().is_empty());
        assert_eq!(s.tasks(&mine(&d.rep2)).await.unwrap()[0].id, t1);
        let audit = s
            .audit_trail(&AuditQuery {
                entity: Some("collection_task".into()),
                entity_key: Some(t1.to_string()),
                actor: None,
                before_id: None,
                limit: 10,
            })
            .await
            .unwrap();
        let reassign = audit
            .iter()
            .find(|a| a.entry.action == "reassign")
            .expect("a reassign row");
        assert!(
            reassign
                .entry
                .before
                .as_deref()
                .unwrap()
                .contains(&format!("user:{}", d.rep.id))
                && reassign
                    .entry
                    .after
                    .as_deref()
                    .unwrap()
                    .contains(&format!("user:{}", d.rep2.id))
        );
        assert!(
            s.reassign_task(t1, Assignee::User(9_999), "sm", now)
                .await
                .is_err(),
            "no such user"
        );

        // Closed meanwhile: a queued write is a conflict, written only if the rep keeps it.
        s.close_task(t1, TaskStatus::Done, "客户已回款", "rep2", now)
            .await
            .unwrap();
        let late = op("contact-0002", t1, call("reached", "确认付款"));
        assert_eq!(
            s.apply_op(&late, &d.rep, today(), 3, now).await.unwrap(),
            OpOutcome::Conflict {
                status: TaskStatus::Done
            }
        );
        assert_eq!(
            s.collection_log(d.c1, 100)
                .await
                .unwrap()
                .iter()
                .filter(|l| l.detail.kind() == "contact")
                .count(),
            1,
            "nothing written on conflict"
        );
        let kept = s
            .apply_op(
                &Op {
                    keep_if_closed: true,
                    ..late.clone()
                },
                &d.rep,
                today(),
                3,
                now,
            )
            .await
            .unwrap();
        assert!(matches!(kept, OpOutcome::Applied { .. }), "{kept:?}");
        assert_eq!(
            s.collection_log(d.c1, 100)
                .await
                .unwrap()
                .iter()
                .filter(|l| l.detail.kind() == "contact")
                .count(),
            2
        );
        assert!(
            s.close_task(t1, TaskStatus::Done, "", "rep2", now)
                .await
                .is_err(),
            "closing twice is a conflict"
        );

        // Escalation closes the task and opens a legal task for the credit managers.
        let t2 = s
            .create_task(&task(d.c1, Some(Assignee::User(d.rep.id))), "sm", now)
            .await
            .unwrap();
        let legal = s
            .escalate_task(t2, "多次承诺未兑现", today(), "rep", now)
            .await
            .unwrap();
        let cm_rows = s.tasks(&mine(&d.cm)).await.unwrap();
        assert_eq!(
            cm_rows
                .iter()
                .map(|r| (r.id, r.kind, r.label))
                .collect::<Vec<_>>(),
            [(legal, TaskKind::Legal, Priority::Urgent)]
        );
        let closed = s
            .tasks(&TaskQuery {
                task_id: Some(t2),
                open_only: false,
                for_user: None,
                ..mine(&d.rep)
            })
            .await
            .unwrap();
        assert_eq!(closed[0].status, TaskStatus::Done);
        assert!(closed[0]
            .closed_note
            .as_deref()
            .unwrap()
            .starts_with(&format!("escalated to legal task {legal}")));

        // Activity: the rep's contacts and promise; rep2 closed one task.
        let act = s.collection_activity(today(), today()).await.unwrap();
        let of = |u: &User| act.iter().find(|(x, _, _)| x.id == u.id).unwrap().2.clone();
        assert_eq!(
            (
                of(&d.rep).contacts,
                of(&d.rep).promises_made,
                of(&d.rep2).tasks_done
            ),
            (2, 1, 1)
        );
        assert_eq!(
            s.verify_audit().await.unwrap().first_broken,
            None,
            "audit chain intact"
        );
        db
    })
    .await;
}

#[tokio::test]
async fn a_dispute_pauses_the_invoice_rules_until_resolved() {
    with_dbs(|db| async move {
        let d = desk(&db).await;
        let s = d.store.as_ref();
        let t = s
            .create_task(&task(d.c1, None), "sm", test_now())
            .await
            .unwrap();
        let dispute = op(
            "dispute-0001",
            t,
            OpBody::Dispute(DisputeDraft {
                category: "quality".into(),
                reason: "液压泵漏油".into(),
                invoice_ids: vec![d.inv[1]],
            }),
        );
        let OpOutcome::Applied { id } = s
            .apply_op(&dispute, &d.rep, today(), 3, test_now())
            .await
            .unwrap()
        else {
            panic!()
        };
        assert!(s.tasks(&mine(&d.rep)).await.unwrap()[0].open_dispute);
        s.save_rule(None, &overdue_rule(), today(), "fin", test_now())
            .await
            .unwrap();
        // Today: INV-20 (and C002's INV-O) fire; the disputed INV-5 waits.
        engine::run_date(
            s,
            today(),
            "admin",
            "w",
            &now_fn(test_now()),
            RunLimits::default(),
        )
        .await
        .unwrap();
        let noticed = |inbox: Vec<app::domain::inbox::InboxItem>| {
            inbox
                .into_iter()
                .filter_map(|i| match i.topic {
                    app::domain::inbox::Topic::Rule { invoice_number, .. } => invoice_number,
                    _ => None,
                })
                .collect::<std::collections::BTreeSet<_>>()
        };
        assert_eq!(
            noticed(s.inbox(d.fin, 50).await.unwrap()),
            ["INV-20", "INV-O"].map(String::from).into()
        );
        // Resolved today: from tomorrow on, the rule sees INV-5 again.
        s.resolve_dispute(id, "更换液压泵，客户同意付款", today(), "cm", test_now())
            .await
            .unwrap();
        assert!(
            s.resolve_dispute(id, "again", today(), "cm", test_now())
                .await
                .is_err(),
            "resolved once"
        );
        let tomorrow = test_now() + Duration::days(1);
        engine::run_date(
            s,
            today() + Duration::days(1),
            "admin",
            "w",
            &now_fn(tomorrow),
            RunLimits::default(),
        )
        .await
        .unwrap();
        assert_eq!(
            noticed(s.inbox(d.fin, 50).await.unwrap()),
            ["INV-20", "INV-5", "INV-O"].map(String::from).into()
        );
        let log = s.collection_log(d.c1, 100).await.unwrap();
        assert!(log
            .iter()
            .any(|l| l.detail.kind() == "dispute" && l.detail.text() == "quality · 液压泵漏油"));
        assert!(log
            .iter()
            .any(|l| l.detail.kind() == "dispute_resolved" && l.who == "cm"));
        assert!(
            log.iter()
                .any(|l| l.detail.kind() == "reminder" && l.detail.text().contains("notify")),
            "{log:?}"
        );
        db
    })
    .await;
}

#[tokio::test]
async fn promises_settle_once_and_a_broken_one_raises_its_event() {
    with_dbs(|db| async move {
        let d = desk(&db).await;
        let s = d.store.as_ref();
        let now = test_now();
        let broken_rule = RuleDraft {
            name: "Promise broken".into(),
            trigger: "event".into(),
            at: String::new(),
            event: "promise_broken".into(),
            scope: "customer".into(),
            groups: vec![GroupDraft { all: true, predicates: vec![PredicateDraft { field: "status".into(), op: "not_in".into(), value: "blacklisted".into() }] }],
            ..overdue_rule()
        };
        s.save_rule(None, &broken_rule, today(), "fin", now).await.unwrap();
        let t = s.create_task(&task(d.c1, None), "sm", now).await.unwrap();
        let promise = |id: &str, inv: i64, yuan: &str| {
            op(id, t, OpBody::Promise(PromiseDraft { due_on: today().to_string(), amount: yuan.into(), invoice_ids: vec![inv], notes: String::new() }))
        };
        // A: 10,000 on INV-20, paid today. B: 5,000 on INV-5, never paid. Grace 3 days.
        s.apply_op(&promise("promise-000a", d.inv[0], "10000"), &d.rep, today(), 3, now).await.unwrap();
        s.apply_op(&promise("promise-000b", d.inv[1], "5000"), &d.rep, today(), 3, now).await.unwrap();
        let pay = app::domain::documents::PaymentDraft {
            reference: "PAY-1".into(),
            customer_code: CustomerCode::parse("C001").unwrap(),
            received_on: today(),
            amount: rust_decimal::Decimal::new(10_000, 0),
            allocation: app::domain::documents::AllocationRequest::Fifo,
        };
        app::ledger::post_payment(s, &pay, "erp", now).await.unwrap();
        let check = engine::check_promises(s, now).await.unwrap();
        assert_eq!((check.kept, check.broken), (1, 0), "A kept today; B within its grace");
        // On the last grace day B is still pending; the day after, broken.
        assert_eq!(engine::check_promises(s, now + Duration::days(3)).await.unwrap(), Default::default());
        let check = engine::check_promises(s, now + Duration::days(4)).await.unwrap();
        assert_eq!((check.kept, check.broken), (0, 1));
        let states: Vec<(PromiseStatus, Option<NaiveDate>)> = s.promises(d.c1).await.unwrap().iter().map(|p| (p.status, p.settled_on)).collect();
        assert_eq!(states, [(PromiseStatus::Broken, Some(today() + Duration::days(4))), (PromiseStatus::Kept, Some(today()))]);
        let notices = s.inbox(d.fin, 50).await.unwrap();
        let broken_notices = notices.iter().filter(|n| matches!(&n.topic, app::domain::inbox::Topic::Rule { rule_name, .. } if rule_name == "Promise broken")).count();
        assert_eq!(broken_notices, 1, "{notices:?}");
        // Settled promises are never judged again, and the event fires once.
        assert_eq!(engine::check_promises(s, now + Duration::days(9)).await.unwrap(), Default::default());
        assert_eq!(s.inbox(d.fin, 50).await.unwrap().len(), notices.len());
        let row = s.tasks(&mine(&d.rep)).await.unwrap().remove(0);
        assert_eq!(row.input.broken_promises, 1, "the score sees the broken promise");
        db
    })
    .await;
}

async fn refusal(r: reqwest::Response) -> String {
    assert!(
        !r.status().is_success(),
        "expected a refusal, got {}",
        r.status()
    );
    r.text().await.unwrap()
}

/// Calls a JSON-encoded server function.
async fn call_json(
    app: &common::TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    client
        .post(app.url(&format!("/sfn/{endpoint}")))
        .header("Origin", &app.addr)
        .header("Accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_workbench_over_http_is_authorised_per_task() {
    let app = spawn_app().await;
    let s = app.store.as_ref();
    let rep = user(s, "li.na", Role::SalesRep).await;
    let other = user(s, "wang.qiang", Role::SalesRep).await;
    user(s, "chen.jie", Role::Executive).await;
    let ids = s
        .insert_customers(
            &[customer("C001", rep.id), customer("C002", other.id)],
            "test",
            test_now(),
        )
        .await
        .unwrap();
    s.insert_invoices(
        &[
            invoice("INV-1", ids[0], 9, 1_000),
            invoice("INV-2", ids[1], 9, 1_000),
        ],
        "test",
        test_now(),
    )
    .await
    .unwrap();
    let mine = s
        .create_task(&task(ids[0], None), "sm", test_now())
        .await
        .unwrap();
    let theirs = s
        .create_task(&task(ids[1], None), "sm", test_now())
        .await
        .unwrap();
    let client = app.client();
    assert_eq!(
        app.login(&client, "li.na", "pw-123456789").await.status(),
        200
    );

    // The worklist holds the rep's task only, scored.
    let r = app
        .call(&client, "worklist", &[("filter", "all"), ("scope", "mine")])
        .await;
    assert_eq!(r.status(), 200);
    let list: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        list["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [mine]
    );
    assert!(
        list["rows"][0]["priority"]["score"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
            > 0.0
    );

    let body = |task: i64, extra: Option<(&str, serde_json::Value)>| {
        let mut op = serde_json::json!({"client_id": format!("web-{task}-0001"), "task_id": task, "body": {"kind": "contact", "draft": {"channel": "call", "outcome": "reached"}}});
        if let Some((k, v)) = extra {
            op[k] = v;
        }
        serde_json::json!({ "op": op })
    };
    let r = call_json(&app, &client, "sync_op", body(mine, None)).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Applied"));
    // Another rep's task: refused, nothing written.
    assert_eq!(
        refusal(call_json(&app, &client, "sync_op", body(theirs, None)).await).await,
        "\"Forbidden\""
    );
    assert!(s
        .collection_log(ids[1], 10)
        .await
        .unwrap()
        .iter()
        .all(|l| l.detail.kind() != "contact"));
    // A task on the rep's own customer, though pooled to the credit managers: theirs to work.
    let pooled = s
        .create_task(
            &task(ids[0], Some(Assignee::Role(Role::CreditManager))),
            "sm",
            test_now(),
        )
        .await
        .unwrap();
    let mut pooled_op = body(pooled, None);
    pooled_op["op"]["client_id"] = serde_json::json!("web-pooled-0001");
    let r = call_json(&app, &client, "sync_op", pooled_op).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    // An unknown field is refused by name.
    let r = call_json(
        &app,
        &client,
        "sync_op",
        body(mine, Some(("force", serde_json::json!(true)))),
    )
    .await;
    let text = r.text().await.unwrap();
    assert!(text.contains("force"), "{text}");
    // Reassigning needs a manager.
    let r = app
        .call(
            &client,
            "reassign_task",
            &[
                ("id", &mine.to_string()),
                ("assignee", &format!("user:{}", other.id)),
            ],
        )
        .await;
    assert_eq!(refusal(r).await, "\"Forbidden\"");
    // The dossier downloads as a workbook for the rep's own customer only.
    let r = client
        .get(app.url(&format!("/export/dossier/{}.xlsx", ids[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.bytes().await.unwrap().starts_with(b"PK"),
        "an XLSX (zip) file"
    );
    assert_eq!(
        client
            .get(app.url(&format!("/export/dossier/{}.xlsx", ids[1])))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // The ranking: the rep's contact counted, collected and due from the cockpit's figures.
    let r = app.call(&client, "collections_performance", &[]).await;
    assert_eq!(r.status(), 200);
    let p: serde_json::Value = r.json().await.unwrap();
    let me = p["reps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"].as_i64() == Some(rep.id))
        .expect("the rep is ranked")
        .clone();
    assert_eq!(
        me["activity"]["contacts"], 2,
        "the own task and the pooled one"
    );
    assert_eq!(
        me["activity"]["due_minor"], 1_000_00,
        "INV-1, overdue at the month's start"
    );
    // An executive does not work tasks.
    let exec = app.client();
    app.login(&exec, "chen.jie", "pw-123456789").await;
    assert_eq!(
        refusal(
            app.call(&exec, "worklist", &[("filter", "all"), ("scope", "mine")])
                .await
        )
        .await,
        "\"Forbidden\""
    );
}
