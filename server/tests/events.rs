//! Domain events end to end, on SQLite and (with TEST_DATABASE_URL) PostgreSQL: every
//! path that changes something a rule can listen to records its event in the same
//! transaction, and the event rules fire once per event:
//! - a rescoring that changes a grade raises `grade_changed`;
//! - an import records `invoice_created` and `payment_posted` without evaluating rules,
//!   and the events job then fires the rules once, however often it runs;
//! - a status a rule sets raises `status_changed`, which other rules see and the rule
//!   that set it does not (no loop);
//! - a dishonoured acceptance bill raises `bill_dishonoured`, and the shipped rule on it
//!   fires once: finance is told and the customer watched.
mod common;

use app::domain::auth::Role;
use app::domain::customer::{Contact, CustomerCode, CustomerStatus, NewCustomer};
use app::domain::documents::CustomerPatch;
use app::domain::money::{Currency, Money};
use app::domain::rules::{ActionDraft, GroupDraft, PredicateDraft, RuleDraft};
use app::store::{NewInvoice, Store};
use chrono::{Duration, NaiveDate};
use common::{add_user, test_now, with_dbs, TestDb};
use std::sync::Arc;

fn today() -> NaiveDate {
    app::domain::business_date(test_now())
}

struct Book {
    store: Arc<dyn Store>,
    fin: i64,
    customer: i64,
}

/// A finance user and one ungraded customer with an invoice from 90 days ago.
async fn book(db: &TestDb) -> Book {
    let store = db.store().await;
    let fin = add_user(store.as_ref(), "fin", Role::Finance, "pw-123456789").await;
    let c = NewCustomer {
        code: CustomerCode::parse("EV-1").unwrap(),
        name: "事件客户有限公司".into(),
        uscc: None,
        region: "华东".into(),
        industry: "建筑施工".into(),
        sales_rep_id: None,
        contact: Contact {
            name: "王芳".into(),
            phone: "13900000000".into(),
            email: "ap@ev1.cn".into(),
        },
        payment_terms_days: 30,
        credit_limit: Money::from_minor(50_000_000, Currency::CNY),
        temp_limit: None,
        status: CustomerStatus::Normal,
        grade: None,
        group_code: None,
    };
    let customer = store
        .insert_customers(&[c], "test", test_now())
        .await
        .unwrap()[0];
    let old = today() - Duration::days(90);
    let invoice = NewInvoice {
        number: "EV-INV-0".into(),
        customer_id: customer,
        order_ref: None,
        invoice_date: old,
        ship_date: None,
        acceptance_date: None,
        due_date: old + Duration::days(30),
        amount: Money::from_minor(1_000_000, Currency::CNY),
    };
    store
        .insert_invoices(&[invoice], "test", test_now())
        .await
        .unwrap();
    // What setting up recorded is not what the tests look at.
    app::events::handle_events(store.as_ref(), test_now(), None)
        .await
        .unwrap();
    Book {
        store,
        fin,
        customer,
    }
}

/// An enabled event rule on customers that are not blacklisted.
fn event_rule(name: &str, event: &str, scope: &str, actions: Vec<ActionDraft>) -> RuleDraft {
    RuleDraft {
        name: name.into(),
        enabled: true,
        trigger: "event".into(),
        at: String::new(),
        event: event.into(),
        scope: scope.into(),
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
        actions,
    }
}

fn notify_finance() -> ActionDraft {
    ActionDraft {
        kind: "notify".into(),
        to: vec!["role:finance".into()],
        ..ActionDraft::default()
    }
}

async fn save(store: &dyn Store, draft: RuleDraft) -> i64 {
    let on = today() - Duration::days(1);
    store
        .save_rule(None, &draft, on, "fin", test_now())
        .await
        .unwrap()
}

async fn firings_of(db: &TestDb, rule: i64) -> i64 {
    db.count(&format!(
        "SELECT COUNT(*) FROM rule_firings WHERE rule_id = {rule}"
    ))
    .await
}

async fn events_of(db: &TestDb, kind: &str) -> i64 {
    db.count(&format!(
        "SELECT COUNT(*) FROM domain_events WHERE kind = '{kind}'"
    ))
    .await
}

#[tokio::test]
async fn a_grade_changed_rule_fires_once_after_a_rescore_changes_a_grade() {
    with_dbs(|db| async move {
        let b = book(&db).await;
        let rule = save(
            b.store.as_ref(),
            event_rule(
                "评级变化",
                "grade_changed",
                "customer",
                vec![notify_finance()],
            ),
        )
        .await;
        let one = app::ledger::Rescore::One(b.customer);
        app::ledger::rescore(
            b.store.as_ref(),
            one,
            today(),
            "manual:1",
            "fin",
            test_now(),
        )
        .await
        .unwrap();
        let graded = b
            .store
            .customer_file(b.customer, app::domain::auth::Scope::All)
            .await
            .unwrap()
            .unwrap();
        assert!(graded.grade.is_some(), "the rescoring graded the customer");
        assert_eq!(events_of(&db, "grade_changed").await, 1);
        assert_eq!(
            firings_of(&db, rule).await,
            1,
            "the rescoring's own drain fired the rule"
        );
        assert_eq!(b.store.inbox(b.fin, 10).await.unwrap().len(), 1);
        // The same grade again is no change: no event, no firing.
        app::ledger::rescore(
            b.store.as_ref(),
            one,
            today(),
            "manual:2",
            "fin",
            test_now(),
        )
        .await
        .unwrap();
        app::events::handle_events(b.store.as_ref(), test_now(), None)
            .await
            .unwrap();
        assert_eq!(events_of(&db, "grade_changed").await, 1);
        assert_eq!(firings_of(&db, rule).await, 1);
        db
    })
    .await;
}

#[tokio::test]
async fn imported_invoices_and_payments_raise_their_events_and_rules_fire_once() {
    with_dbs(|db| async move {
        let b = book(&db).await;
        let on_invoice = save(b.store.as_ref(), event_rule("新发票", "invoice_created", "invoice", vec![notify_finance()])).await;
        let on_payment = save(b.store.as_ref(), event_rule("收到回款", "payment_posted", "customer", vec![notify_finance()])).await;
        let (kind, day) = (server::import::Kind::Invoices, today());
        let invoices = format!("number,customer_code,invoice_date,amount\nEV-INV-1,EV-1,{day},100.00\nEV-INV-2,EV-1,{day},200.00\n");
        assert_eq!(server::import::import(b.store.as_ref(), kind, "i.csv", invoices.as_bytes(), "fin", test_now()).await.unwrap(), 2);
        let payments = format!("reference,customer_code,received_on,amount\nEV-PAY-1,EV-1,{day},50.00\n");
        let kind = server::import::Kind::Payments;
        assert_eq!(server::import::import(b.store.as_ref(), kind, "p.csv", payments.as_bytes(), "fin", test_now()).await.unwrap(), 1);
        // The import recorded its events in its transaction and evaluated no rule.
        assert_eq!(events_of(&db, "invoice_created").await, 1 + 2);
        assert_eq!(events_of(&db, "payment_posted").await, 1);
        assert_eq!(db.count("SELECT COUNT(*) FROM domain_events WHERE handled_at IS NULL").await, 3);
        assert_eq!(firings_of(&db, on_invoice).await + firings_of(&db, on_payment).await, 0);
        // The events job, twice (a second server, or the next tick): once per event.
        let first = app::events::handle_events(b.store.as_ref(), test_now(), None).await.unwrap();
        let second = app::events::handle_events(b.store.as_ref(), test_now(), None).await.unwrap();
        assert_eq!((first.events, first.firings, second.events), (3, 3, 0));
        assert_eq!(firings_of(&db, on_invoice).await, 2);
        assert_eq!(firings_of(&db, on_payment).await, 1);
        assert_eq!(b.store.inbox(b.fin, 10).await.unwrap().len(), 3);
        db
    })
    .await;
}

#[tokio::test]
async fn a_status_set_by_a_rule_raises_status_changed_without_looping() {
    with_dbs(|db| async move {
        let b = book(&db).await;
        let freeze = ActionDraft {
            kind: "set_status".into(),
            status: "frozen".into(),
            ..ActionDraft::default()
        };
        let freezer = save(
            b.store.as_ref(),
            event_rule("关注即冻结", "status_changed", "customer", vec![freeze]),
        )
        .await;
        let watcher = save(
            b.store.as_ref(),
            event_rule(
                "状态变化通知",
                "status_changed",
                "customer",
                vec![notify_finance()],
            ),
        )
        .await;
        let watch = CustomerPatch {
            status: Some(CustomerStatus::Watch),
            ..Default::default()
        };
        b.store
            .update_customer(b.customer, &watch, "cm", test_now())
            .await
            .unwrap();
        app::events::handle_events(b.store.as_ref(), test_now(), None)
            .await
            .unwrap();
        let file = b
            .store
            .customer_file(b.customer, app::domain::auth::Scope::All)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            file.status,
            CustomerStatus::Frozen,
            "the rule froze the customer"
        );
        // Two changes (watch by hand, frozen by the rule), each an event, all handled.
        assert_eq!(events_of(&db, "status_changed").await, 2);
        assert_eq!(
            db.count(&format!(
                "SELECT COUNT(*) FROM domain_events WHERE caused_by_rule = {freezer}"
            ))
            .await,
            1
        );
        assert_eq!(
            db.count("SELECT COUNT(*) FROM domain_events WHERE handled_at IS NULL")
                .await,
            0
        );
        // The freezer fired on the manual change only; the watcher saw both changes.
        assert_eq!(firings_of(&db, freezer).await, 1);
        assert_eq!(firings_of(&db, watcher).await, 2);
        assert_eq!(b.store.inbox(b.fin, 10).await.unwrap().len(), 2);
        db
    })
    .await;
}

#[tokio::test]
async fn a_dishonoured_bill_raises_its_event_and_the_shipped_rule_fires_once() {
    use app::domain::bills::lifecycle::{Step, StepInput};
    use app::domain::bills::{BillInput, BillKind, Medium};
    with_dbs(|db| async move {
        let b = book(&db).await;
        let shipped: Vec<RuleDraft> = app::domain::rules::default_rules()
            .into_iter()
            .filter(|r| r.event == "bill_dishonoured")
            .collect();
        let rule = save(b.store.as_ref(), shipped[0].clone()).await;
        let day = |offset: i64| (today() + Duration::days(offset)).to_string();
        let bill = BillInput {
            number: "230258100000120260115000654321".into(),
            customer_code: "EV-1".into(),
            kind: BillKind::Commercial,
            medium: Medium::Electronic,
            acceptor: "某建设集团有限公司".into(),
            face_amount: "10000.00".into(),
            issued_on: day(-20),
            received_on: day(-10),
            matures_on: day(30),
            allocations: None,
        };
        let store = b.store.as_ref();
        app::ledger::receive_bill(store, &bill.parse().unwrap(), "fin", test_now())
            .await
            .unwrap();
        app::events::handle_events(store, test_now(), None)
            .await
            .unwrap();
        assert_eq!(events_of(&db, "bill_dishonoured").await, 0);
        let on = StepInput {
            on: day(0),
            ..Default::default()
        };
        let taken = on.parse(Step::Dishonour).unwrap();
        app::ledger::take_bill_step(store, &bill.number, &taken, "fin", test_now())
            .await
            .unwrap();
        assert_eq!(events_of(&db, "bill_dishonoured").await, 1);
        for _ in 0..2 {
            app::events::handle_events(store, test_now(), None)
                .await
                .unwrap();
        }
        assert_eq!(firings_of(&db, rule).await, 1, "once per event");
        let file = store
            .customer_file(b.customer, app::domain::auth::Scope::All)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(file.status, CustomerStatus::Watch);
        assert_eq!(store.inbox(b.fin, 10).await.unwrap().len(), 1);
        db
    })
    .await;
}
