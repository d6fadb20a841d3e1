//! The rule engine end to end, on SQLite and (with TEST_DATABASE_URL) PostgreSQL:
//! the shipped rules at their day boundaries, exactly once (rerun, a crash mid-run with
//! takeover, two instances at once, catch-up), events, the outbox against a real SMTP
//! sink and HTTP receiver, and the admin endpoint.
mod common;

use app::domain::auth::Role;
use app::domain::customer::{Contact, CustomerCode, CustomerStatus, Grade, NewCustomer};
use app::domain::money::{Currency, Money};
use app::domain::notify::{SmtpDraft, WebhookDraft, NOTIFY_SMTP_SETTING, NOTIFY_WEBHOOKS_SETTING};
use app::domain::rules::{
    default_rules, ActionDraft, DunningLevel, GroupDraft, PredicateDraft, RuleDraft,
};
use app::engine::{self, RunLimits};
use app::store::{NewInvoice, Store};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::sinks::{free_port, HttpReceiver, SmtpSink};
use common::{add_user, test_now, with_dbs, TestDb};
use std::collections::BTreeSet;
use std::sync::Arc;

fn cny(yuan: i64) -> Money {
    Money::from_minor(yuan * 100, Currency::CNY)
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The run date: test_now() is 2026-06-30 10:00 in Shanghai.
fn today() -> NaiveDate {
    d("2026-06-30")
}

fn customer(code: &str, rep: i64, email: &str) -> NewCustomer {
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
            email: email.into(),
        },
        payment_terms_days: 30,
        credit_limit: cny(1_000_000),
        temp_limit: None,
        status: CustomerStatus::Normal,
        grade: Some(Grade::B),
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

struct Book {
    store: Arc<dyn Store>,
    rep: i64,
    fin: i64,
    exec: i64,
    cm: i64,
    customer: i64,
}

/// One customer with an invoice at each boundary of the shipped rules, plus a quiet one.
async fn book(db: &TestDb) -> Book {
    let store = db.store().await;
    let rep = add_user(store.as_ref(), "rep", Role::SalesRep, "pw-123456789").await;
    let fin = add_user(store.as_ref(), "fin", Role::Finance, "pw-123456789").await;
    let exec = add_user(store.as_ref(), "exec", Role::Executive, "pw-123456789").await;
    let cm = add_user(store.as_ref(), "cm", Role::CreditManager, "pw-123456789").await;
    add_user(store.as_ref(), "sm", Role::SalesManager, "pw-123456789").await;
    let ids = store
        .insert_customers(
            &[
                customer("C001", rep, "ap@c001.cn"),
                customer("C002", rep, ""),
            ],
            "test",
            test_now(),
        )
        .await
        .unwrap();
    let c = ids[0];
    let days = [
        ("INV-B3", -3),
        ("INV-B2", -2),
        ("INV-D1", 1),
        ("INV-D2", 2),
        ("INV-D3", 3),
        ("INV-D7", 7),
        ("INV-D15", 15),
        ("INV-D16", 16),
        ("INV-D30", 30),
        ("INV-D31", 31),
    ];
    let invoices: Vec<NewInvoice> = days
        .iter()
        .map(|(n, dpd)| invoice(n, c, *dpd, 10_000))
        .collect();
    store
        .insert_invoices(&invoices, "test", test_now())
        .await
        .unwrap();
    store
        .insert_invoices(&[invoice("INV-X1", ids[1], 1, 5_000)], "test", test_now())
        .await
        .unwrap();
    store
        .install_default_rules(&default_rules(), today() - Duration::days(60), test_now())
        .await
        .unwrap();
    Book {
        store,
        rep,
        fin,
        exec,
        cm,
        customer: c,
    }
}

fn now_fn(t: DateTime<Utc>) -> impl Fn() -> DateTime<Utc> + Send + Sync {
    move || t
}

/// Runs one statement on the test database, whichever it is.
/// (rule name's first word, invoice number or customer name) of every firing, and the
/// number of messages queued, read through the store.
async fn firings(store: &dyn Store) -> (BTreeSet<(String, String)>, usize) {
    let mut out = BTreeSet::new();
    let mut messages = 0;
    for run in store.rule_runs(1000).await.unwrap() {
        for f in store.run_firings(run.id, 100_000).await.unwrap() {
            let name = run.rule_name.split(' ').next().unwrap().to_string();
            assert!(
                out.insert((
                    name,
                    f.invoice_number.or(f.customer_name).unwrap_or_default()
                )),
                "a target fired twice"
            );
            messages += f.messages.len();
        }
    }
    (out, messages)
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

const DAY_ONE: &[(&str, &str)] = &[
    ("到期前3天提醒", "INV-B3"),
    ("逾期1天友好提醒", "INV-D1"),
    ("逾期1天友好提醒", "INV-X1"),
    ("逾期3天催收", "INV-D3"),
    ("逾期7天电话催收", "INV-D7"),
    ("逾期15天关注", "INV-D15"),
    ("逾期30天冻结", "INV-D30"),
    // 8 invoices went overdue in the last 12 months (more than 3).
    ("12个月逾期超3次", "客户 C001"),
    // 80,000 overdue (8 invoices × 10,000) is above 50,000.
    ("客户逾期超5万", "客户 C001"),
];

#[tokio::test]
async fn shipped_rules_fire_on_their_day_and_act_once() {
    with_dbs(|db| async move {
        let b = book(&db).await;
        let now = now_fn(test_now());
        let outcomes = engine::run_date(b.store.as_ref(), today(), "admin", "w1", &now, RunLimits::default()).await.unwrap();
        assert_eq!(outcomes.len(), 9);
        assert!(outcomes.iter().all(|o| o.status == "ran"), "{outcomes:?}");

        // The day boundaries: 3 before, days 1/3/7/15/30 fire; 2 before, 2, 16, 31 do not.
        let (fired, messages) = firings(b.store.as_ref()).await;
        assert_eq!(fired, set(DAY_ONE));

        // The actions: in-app notices, tasks, the customer's status and dunning, emails.
        let inbox = |u: i64| {
            let s = b.store.clone();
            async move { s.inbox(u, 50).await.unwrap().len() }
        };
        assert_eq!(inbox(b.rep).await, 3, "3 days before, 3 days overdue, and the call task");
        assert_eq!(inbox(b.fin).await, 2, "3 days overdue + 30 days");
        assert_eq!(inbox(b.exec).await, 2, "30 days + the customer above 50,000");
        assert_eq!(inbox(b.cm).await, 1, "the advanced task at 15 days");
        assert_eq!(db.count("SELECT COUNT(*) FROM collection_tasks").await, 2);
        let file = b.store.customer_file(b.customer, app::domain::auth::Scope::All).await.unwrap().unwrap();
        assert_eq!(file.status, CustomerStatus::Frozen, "30 days freezes; 15 days' watch does not lower it");
        assert_eq!(db.count("SELECT COUNT(*) FROM customers WHERE risk_level = 'high'").await, 1);
        let dunning = b.store.dunning_charges(b.customer).await.unwrap();
        assert_eq!(dunning.level, DunningLevel::Formal);
        assert_eq!(dunning.fees, cny(200), "the formal level's fee; the friendly level's is 0");
        // Interest at 6% on each overdue 10,000 from its due date to today, charged when
        // the first level was reached; the second level, the same day, adds nothing.
        let expected: i64 = [1i64, 2, 3, 7, 15, 16, 30, 31]
            .iter()
            .map(|dpd| app::domain::rules::interest(cny(10_000), rust_decimal::Decimal::new(6, 2), today() - Duration::days(*dpd), today()).minor())
            .sum();
        assert_eq!(dunning.interest.minor(), expected);
        // Emails: the friendly letters for INV-D1 and INV-D3 and the formal one for
        // INV-D15, all to C001; C002 has no address, so its letter is a counted failure.
        assert_eq!(messages, 3);
        assert_eq!(db.count("SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND destination = 'ap@c001.cn'").await, 3);
        let failures: i64 = outcomes.iter().filter_map(|o| o.run.as_ref()).map(|r| r.failures).sum();
        assert_eq!(failures, 1);

        // Rerun: every run is already done, nothing new.
        let again = engine::run_date(b.store.as_ref(), today(), "admin", "w2", &now, RunLimits::default()).await.unwrap();
        assert!(again.iter().all(|o| o.status == "already_done"), "{again:?}");

        // A restart that lost every run's progress re-evaluates the whole day, and the
        // dedupe keys let nothing act twice.
        db.exec("UPDATE rule_runs SET finished_at = NULL, cursor = 0, heartbeat_at = '2000-01-01T00:00:00+00:00'").await;
        let redo = engine::run_date(b.store.as_ref(), today(), "admin", "w3", &now, RunLimits::default()).await.unwrap();
        assert!(redo.iter().all(|o| o.status == "ran"), "{redo:?}");
        // The one new firing is not a repeat: customer rules read the customer as it is
        // now, and the first run made C001 high risk, which requires prepayment.
        let mut redone = set(DAY_ONE);
        redone.insert(("高风险须预付".to_string(), "客户 C001".to_string()));
        assert_eq!(firings(b.store.as_ref()).await, (redone, 3));
        assert_eq!(inbox(b.rep).await, 3);
        assert_eq!(b.store.dunning_charges(b.customer).await.unwrap(), dunning);

        // The next day: day 3 for INV-D2, and a new month for the monthly executive notice.
        let later = now_fn(test_now() + Duration::days(1));
        let next = engine::run_date(b.store.as_ref(), today() + Duration::days(1), "admin", "w1", &later, RunLimits::default()).await.unwrap();
        let fired_next: i64 = next.iter().filter_map(|o| o.run.as_ref()).map(|r| r.firings).sum();
        assert_eq!(fired_next, 2);
        assert_eq!(db.count("SELECT COUNT(*) FROM customers WHERE payment_method = 'prepayment'").await, 1);
        assert!(b.store.verify_audit().await.unwrap().first_broken.is_none());
        db
    })
    .await;
}

#[tokio::test]
async fn a_crashed_run_is_taken_over_and_resumes_after_its_cursor() {
    with_dbs(|db| async move {
        let b = book(&db).await;
        // 40 more customers with an invoice exactly 1 day overdue; pages of 5 customers.
        let more: Vec<NewCustomer> = (0..40)
            .map(|i| customer(&format!("M{i:02}"), b.rep, &format!("ap@m{i:02}.cn")))
            .collect();
        let ids = b
            .store
            .insert_customers(&more, "test", test_now())
            .await
            .unwrap();
        let invoices: Vec<NewInvoice> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| invoice(&format!("INV-M{i:02}"), *id, 1, 100))
            .collect();
        b.store
            .insert_invoices(&invoices, "test", test_now())
            .await
            .unwrap();
        let limits = |crash| RunLimits {
            page_size: 5,
            crash_after_pages: crash,
        };
        let t0 = test_now();
        let dead = engine::run_date(
            b.store.as_ref(),
            today(),
            "schedule",
            "dead",
            &now_fn(t0),
            limits(Some(3)),
        )
        .await
        .unwrap();
        assert!(dead.is_empty(), "the crashed worker finished nothing");
        let done_before: i64 = db.count("SELECT COUNT(*) FROM rule_firings").await;
        assert!(done_before > 0, "three pages were committed");
        // Another worker while the lease is fresh: busy.
        let busy = engine::run_date(
            b.store.as_ref(),
            today(),
            "schedule",
            "w2",
            &now_fn(t0 + Duration::seconds(30)),
            limits(None),
        )
        .await
        .unwrap();
        assert!(busy.iter().all(|o| o.status == "busy"), "{busy:?}");
        // Once stale, it is taken over and resumes after the cursor.
        let t1 = t0 + Duration::seconds(engine::LEASE_STALE_SECS + 1);
        let resumed = engine::run_date(
            b.store.as_ref(),
            today(),
            "schedule",
            "w2",
            &now_fn(t1),
            limits(None),
        )
        .await
        .unwrap();
        assert!(resumed.iter().all(|o| o.status == "ran"), "{resumed:?}");
        let (fired, messages) = firings(b.store.as_ref()).await;
        let mut want = set(DAY_ONE);
        want.extend((0..40).map(|i| ("逾期1天友好提醒".to_string(), format!("INV-M{i:02}"))));
        assert_eq!(fired, want, "every target once");
        // Each new customer got its friendly letter; C001's D1, D3 and D15 theirs.
        assert_eq!(messages, 40 + 3);
        // Each invoice was evaluated once across the two workers: 51 open invoices.
        let invoice_runs = resumed
            .iter()
            .filter_map(|o| o.run.as_ref())
            .filter(|r| r.rule_name.starts_with("逾期1天"))
            .map(|r| r.evaluated)
            .sum::<i64>();
        assert_eq!(invoice_runs, 51);
        db
    })
    .await;
}

#[tokio::test]
async fn two_instances_racing_run_each_rule_once() {
    with_dbs(|db| async move {
        let b = book(&db).await;
        let other = db.store().await; // a second server: its own pool on the same database
        let now = now_fn(test_now());
        let limits = RunLimits {
            page_size: 3,
            crash_after_pages: None,
        };
        let (one, two) = tokio::join!(
            engine::run_date(
                b.store.as_ref(),
                today(),
                "schedule",
                "server-a",
                &now,
                limits
            ),
            engine::run_date(
                other.as_ref(),
                today(),
                "schedule",
                "server-b",
                &now,
                limits
            ),
        );
        let (one, two) = (one.unwrap(), two.unwrap());
        let ran = one.iter().chain(&two).filter(|o| o.status == "ran").count();
        assert_eq!(
            ran, 9,
            "each rule ran on exactly one server: {one:?} {two:?}"
        );
        assert_eq!(db.count("SELECT COUNT(*) FROM rule_runs").await, 9);
        assert_eq!(firings(b.store.as_ref()).await, (set(DAY_ONE), 3));
        assert_eq!(b.store.inbox(b.rep, 50).await.unwrap().len(), 3);
        db
    })
    .await;
}

#[tokio::test]
async fn the_scheduler_catches_up_missed_days_once() {
    with_dbs(|db| async move {
        let b = book(&db).await;
        // The rules have never run; created 60 days ago, so the catch-up is capped.
        let now = now_fn(test_now());
        let first = engine::run_due(b.store.as_ref(), "w1", &now).await.unwrap();
        let dates: BTreeSet<NaiveDate> = first
            .iter()
            .filter_map(|o| o.run.as_ref())
            .map(|r| r.run_date)
            .collect();
        assert_eq!(dates.len() as i64, app::domain::rules::MAX_CATCH_UP_DAYS);
        assert_eq!(
            dates.last(),
            Some(&today()),
            "10:00 is past the rules' 08:00"
        );
        // Each invoice's day passed during the catch-up: INV-D31 hit day 30 yesterday.
        let (fired, _) = firings(b.store.as_ref()).await;
        assert!(
            fired.contains(&("逾期30天冻结".to_string(), "INV-D31".to_string())),
            "{fired:?}"
        );
        assert!(fired.contains(&("逾期1天友好提醒".to_string(), "INV-D2".to_string())));
        let again = engine::run_due(b.store.as_ref(), "w1", &now).await.unwrap();
        assert!(again.is_empty(), "nothing left to run today");
        db
    })
    .await;
}

fn notify_finance_on_payment() -> RuleDraft {
    RuleDraft {
        name: "Payment received".into(),
        enabled: true,
        trigger: "event".into(),
        at: String::new(),
        event: "payment_posted".into(),
        scope: "customer".into(),
        repeat: "once".into(),
        all: true,
        groups: vec![GroupDraft {
            all: true,
            predicates: vec![PredicateDraft {
                field: "status".into(),
                op: "not_in".into(),
                value: "blacklisted".into(),
            }],
        }],
        actions: vec![ActionDraft {
            kind: "notify".into(),
            to: vec!["role:finance".into()],
            ..ActionDraft::default()
        }],
    }
}

#[tokio::test]
async fn event_rules_fire_once_per_event() {
    with_dbs(|db| async move {
        let b = book(&db).await;
        b.store.save_rule(None, &notify_finance_on_payment(), today(), "fin", test_now()).await.unwrap();
        for reference in ["PAY-1", "PAY-2"] {
            let draft = app::domain::documents::PaymentDraft {
                reference: reference.into(),
                customer_code: CustomerCode::parse("C001").unwrap(),
                received_on: today(),
                amount: rust_decimal::Decimal::new(1000, 0),
                allocation: app::domain::documents::AllocationRequest::Fifo,
            };
            app::ledger::post_payment(b.store.as_ref(), &draft, "erp", test_now()).await.unwrap();
        }
        assert_eq!(b.store.inbox(b.fin, 50).await.unwrap().len(), 2, "one notice per payment");
        // A payment dated on or before due dates: the maintained unpaid-at-due amounts
        // (what the overdue count reads) equal their recomputation from allocations.
        let big = app::domain::documents::PaymentDraft {
            reference: "PAY-3".into(),
            customer_code: CustomerCode::parse("C001").unwrap(),
            received_on: today(),
            amount: rust_decimal::Decimal::new(200_000, 0),
            allocation: app::domain::documents::AllocationRequest::Fifo,
        };
        app::ledger::post_payment(b.store.as_ref(), &big, "erp", test_now()).await.unwrap();
        let drift = "SELECT COUNT(*) FROM invoice_balances b JOIN invoices i ON i.id = b.invoice_id \
                      WHERE b.unpaid_at_due_minor <> i.amount_minor - COALESCE((SELECT SUM(a.amount_minor) FROM allocations a \
                                                      WHERE a.invoice_id = i.id AND a.allocated_on <= i.due_date), 0)";
        assert_eq!(db.count(drift).await, 0);
        assert_eq!(db.count("SELECT COUNT(*) FROM invoice_balances WHERE unpaid_at_due_minor = 0").await, 2, "INV-B3 and INV-B2 were paid by their due date");
        // Point in time: yesterday, before today's payments, every invoice was open in full.
        let yesterday = b.store.rule_invoices(today() - Duration::days(1), 0, i64::MAX).await.unwrap();
        assert_eq!(yesterday.len(), 11);
        assert_eq!(yesterday.iter().map(|i| i.open_minor).sum::<i64>(), cny(105_000).minor());
        assert!(b.store.rule_invoices(today(), 0, i64::MAX).await.unwrap().iter().all(|i| i.number == "INV-X1"), "C001 is paid up today");
        // The same events again fire nothing: as if a drain had died before marking them.
        db.exec("UPDATE domain_events SET handled_at = NULL").await;
        let again = app::events::handle_events(b.store.as_ref(), test_now(), None).await.unwrap();
        assert_eq!(again.events as i64, db.count("SELECT COUNT(*) FROM domain_events").await);
        assert_eq!(again.firings, 0);
        db
    })
    .await;
}

fn with_webhook(mut d: RuleDraft) -> RuleDraft {
    d.actions.push(ActionDraft {
        kind: "webhook".into(),
        target: "ops".into(),
        lang: "en".into(),
        ..ActionDraft::default()
    });
    d
}

#[tokio::test]
async fn outbox_retries_until_the_mail_server_and_the_webhook_come_back() {
    let db = TestDb::sqlite();
    let b = book(&db).await;
    // The 30-day rule also calls the "ops" webhook.
    let rules = b.store.rules().await.unwrap();
    let thirty = rules
        .iter()
        .find(|r| r.rule.name.starts_with("逾期30天"))
        .unwrap();
    b.store
        .save_rule(
            Some(thirty.id),
            &with_webhook(thirty.draft.clone()),
            thirty.created_on,
            "fin",
            test_now(),
        )
        .await
        .unwrap();
    let port = free_port();
    let smtp = SmtpDraft {
        host: "127.0.0.1".into(),
        port: port.to_string(),
        tls: "none".into(),
        from: "AR <ar@creditdesk.example.com>".into(),
        ..SmtpDraft::default()
    };
    b.store
        .set_setting(
            NOTIFY_SMTP_SETTING,
            &serde_json::to_string(&smtp).unwrap(),
            "admin",
            test_now(),
        )
        .await
        .unwrap();
    let receiver = HttpReceiver::start(vec![(500, "busy".into()), (200, "ok".into())]).await;
    let hook = WebhookDraft {
        key: "ops".into(),
        kind: "generic".into(),
        url: receiver.url("/hook"),
        secret: "s3cret".into(),
    };
    b.store
        .set_setting(
            NOTIFY_WEBHOOKS_SETTING,
            &serde_json::to_string(&vec![hook]).unwrap(),
            "admin",
            test_now(),
        )
        .await
        .unwrap();
    engine::run_date(
        b.store.as_ref(),
        today(),
        "admin",
        "w1",
        &now_fn(test_now()),
        RunLimits::default(),
    )
    .await
    .unwrap();

    // The mail server is down and the webhook answers 500: every message fails, kept.
    let client = server::notify::webhook_client().unwrap();
    let t0 = test_now();
    let first = server::outbox::deliver_due(b.store.as_ref(), &client, "w1", &now_fn(t0))
        .await
        .unwrap();
    assert_eq!((first.sent, first.failed, first.dead), (0, 4, 0));
    let reasons: Vec<String> = {
        let runs = b.store.rule_runs(100).await.unwrap();
        let mut r = Vec::new();
        for run in runs {
            for f in b.store.run_firings(run.id, 100).await.unwrap() {
                for (m, log) in f.messages {
                    assert_eq!(m.status, "pending");
                    assert_eq!(log.len(), 1);
                    r.push(log[0].detail.clone());
                }
            }
        }
        r
    };
    assert!(
        reasons
            .iter()
            .any(|r| r.contains(&format!("127.0.0.1:{port}"))),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r.contains("500")), "{reasons:?}");
    // Not due again yet: nothing is tried.
    let early = server::outbox::deliver_due(
        b.store.as_ref(),
        &client,
        "w1",
        &now_fn(t0 + Duration::seconds(5)),
    )
    .await
    .unwrap();
    assert_eq!(early, server::outbox::Delivered::default());

    // Both come back; at the retry time everything goes, once.
    let sink = SmtpSink::start_on(port).await;
    let t1 = t0 + app::domain::notify::retry_delay(1) + Duration::seconds(1);
    let second = server::outbox::deliver_due(b.store.as_ref(), &client, "w1", &now_fn(t1))
        .await
        .unwrap();
    assert_eq!((second.sent, second.failed, second.dead), (4, 0, 0));
    let mails = sink.wait_for(3).await;
    assert_eq!(mails.len(), 3);
    assert!(mails.iter().all(|m| m.to == vec!["ap@c001.cn".to_string()]));
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("正式催款函") && m.body.contains("INV-D15")),
        "{mails:?}"
    );
    let hits = receiver.requests();
    assert_eq!(hits.len(), 2, "500 then 200");
    let last = &hits[1];
    let ts = last.header("X-CreditDesk-Timestamp").unwrap().to_string();
    assert!(server::notify::verify_signature(
        "s3cret",
        &ts,
        &last.body,
        last.header("X-CreditDesk-Signature").unwrap()
    ));
    assert!(
        last.json()["markdown"]
            .as_str()
            .unwrap()
            .contains("INV-D30"),
        "{}",
        last.json()
    );
    let third = server::outbox::deliver_due(
        b.store.as_ref(),
        &client,
        "w1",
        &now_fn(t1 + Duration::hours(3)),
    )
    .await
    .unwrap();
    assert_eq!(
        third,
        server::outbox::Delivered::default(),
        "nothing is sent twice"
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM delivery_log WHERE outcome = 'failed'")
            .await,
        4
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM delivery_log WHERE outcome = 'sent'")
            .await,
        4
    );
    assert_eq!(sink.messages().len(), 3);
}

#[tokio::test]
async fn the_admin_endpoint_runs_a_date_once_for_admin_keys() {
    let app = common::spawn_app().await;
    let b = book(&app.db).await;
    let store = &b.store;
    let plain = store
        .create_api_key("erp", &app::session::token_hash("plain-key"), test_now())
        .await
        .unwrap();
    assert!(plain > 0);
    let admin = store
        .create_api_key("ops", &app::session::token_hash("admin-key"), test_now())
        .await
        .unwrap();
    let with_admin = app::domain::api_keys::ApiScopes::parse("read,ledger:write,admin").unwrap();
    store.set_api_key_scopes(admin, with_admin).await.unwrap();
    let client = reqwest::Client::new();
    let post = |key: Option<&'static str>, body: &'static str| {
        let mut r = client
            .post(app.url("/api/v1/rule-runs"))
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(k) = key {
            r = r.bearer_auth(k);
        }
        r.send()
    };
    assert_eq!(
        post(None, r#"{"as_of":"2026-06-30"}"#)
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        post(Some("plain-key"), r#"{"as_of":"2026-06-30"}"#)
            .await
            .unwrap()
            .status(),
        403
    );
    let bad = post(Some("admin-key"), r#"{"as_of":"2026-06-30","force":true}"#)
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "force", "{body}");
    assert_eq!(
        post(Some("admin-key"), r#"{"as_of":"2026-02-30"}"#)
            .await
            .unwrap()
            .status(),
        422
    );
    assert_eq!(
        post(Some("admin-key"), r#"{"as_of":"#)
            .await
            .unwrap()
            .status(),
        400
    );

    let first: serde_json::Value = post(Some("admin-key"), r#"{"as_of":"2026-06-30"}"#)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["firings"], DAY_ONE.len() as i64);
    assert!(first["rules"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == "ran"));
    let again: serde_json::Value = post(Some("admin-key"), r#"{"as_of":"2026-06-30"}"#)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["firings"], first["firings"], "the same counts");
    assert_eq!(again["evaluated"], first["evaluated"]);
    assert!(again["rules"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == "already_done"));
    assert_eq!(
        app.db.count("SELECT COUNT(*) FROM rule_firings").await,
        DAY_ONE.len() as i64
    );
}
