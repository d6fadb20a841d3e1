//! Portfolio alert history and the in-app inbox, on SQLite and (with TEST_DATABASE_URL)
//! PostgreSQL: an episode opens once and notifies each recipient once, however often
//! the same state is recorded and even when two evaluations race; it closes when its
//! kind stops tripping and a later trip opens a new one; a user only ever sees and marks
//! their own items; and finance's rules, evaluated over a generated book, raise exactly
//! the alert they were set to.
mod common;

use app::domain::alerts::{default_rules, Alert, AlertKind, RULES_SETTING};
use app::domain::auth::Role;
use app::domain::inbox::Topic;
use app::store::Store;
use chrono::NaiveDate;
use common::{add_user, test_now, TestDb};
use rust_decimal::Decimal;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

fn alert(kind: AlertKind) -> Alert {
    Alert {
        kind,
        figure: Decimal::new(253, 1),
        threshold: Decimal::from(20),
        subject: "C001".into(),
    }
}

async fn story(store: &dyn Store) {
    let now = test_now();
    let exec = add_user(store, "exec", Role::Executive, "pw-exec-123").await;
    let fin = add_user(store, "fin", Role::Finance, "pw-fin-1234").await;
    let rep = add_user(store, "rep", Role::SalesRep, "pw-rep-1234").await;
    let both = [exec, fin];

    let two = [alert(AlertKind::Concentration), alert(AlertKind::Over90)];
    assert_eq!(
        store
            .record_alerts(d(5, 1), &two, &both, now)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .record_alerts(d(5, 2), &two, &both, now)
            .await
            .unwrap(),
        0,
        "still tripping: no new episode"
    );
    assert_eq!(store.unread_count(exec).await.unwrap(), 2);
    assert_eq!(store.unread_count(fin).await.unwrap(), 2);
    assert!(
        store.inbox(rep, 10).await.unwrap().is_empty(),
        "not a recipient"
    );
    let items = store.inbox(exec, 10).await.unwrap();
    let Topic::Alert(first) = &items[1].topic else {
        panic!("an alert, not {:?}", items[1].topic)
    };
    assert_eq!(
        (
            first.kind,
            first.raised_on,
            first.figure,
            first.subject.as_str()
        ),
        (
            AlertKind::Concentration,
            d(5, 1),
            Decimal::new(253, 1),
            "C001"
        )
    );
    assert_eq!(items[1].link, "/?as_of=2026-05-01");

    // 90+ stops tripping on 5 May, and trips again on 9 May: a second episode.
    assert_eq!(
        store
            .record_alerts(d(5, 5), &two[..1], &both, now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .record_alerts(d(5, 9), &two, &both, now)
            .await
            .unwrap(),
        1
    );
    let history = store.alert_history(10).await.unwrap();
    let over90: Vec<_> = history
        .iter()
        .filter(|e| e.kind == AlertKind::Over90)
        .map(|e| (e.raised_on, e.cleared_on))
        .collect();
    assert_eq!(over90, vec![(d(5, 9), None), (d(5, 1), Some(d(5, 5)))]);
    assert_eq!(store.unread_count(exec).await.unwrap(), 3);

    // Two evaluations racing to open the same episode notify once.
    let three = [
        alert(AlertKind::Concentration),
        alert(AlertKind::Over90),
        alert(AlertKind::CollectionRate),
    ];
    let (a, b) = tokio::join!(
        store.record_alerts(d(5, 10), &three, &both, now),
        store.record_alerts(d(5, 10), &three, &both, now)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(store.unread_count(exec).await.unwrap(), 4);

    // Only one's own items can be marked read.
    let newest = store.inbox(exec, 10).await.unwrap()[0].id;
    assert_eq!(store.mark_read(rep, Some(newest), now).await.unwrap(), 0);
    assert_eq!(store.mark_read(fin, Some(newest), now).await.unwrap(), 0);
    assert_eq!(store.mark_read(exec, Some(newest), now).await.unwrap(), 1);
    assert!(store.inbox(exec, 10).await.unwrap()[0].read);
    assert_eq!(store.unread_count(exec).await.unwrap(), 3);
    assert_eq!(store.mark_read(exec, None, now).await.unwrap(), 3);
    assert_eq!(store.unread_count(exec).await.unwrap(), 0);
    assert_eq!(
        store.unread_count(fin).await.unwrap(),
        4,
        "finance's items are untouched"
    );

    // Finance's rules over a real book: everything off clears every episode; then only
    // concentration at 0.01 % raises exactly that, about the largest customer.
    let anchor = d(6, 30);
    let params = server::seed::GenerateParams {
        customers: 20,
        invoices: 300,
        seed: 9,
        anchor,
        unpaid_percent: 20,
    };
    server::seed::generate(store, params, now, &mut |_| {})
        .await
        .unwrap();
    let mut rules = default_rules();
    rules.iter_mut().for_each(|r| r.enabled = false);
    store
        .set_setting(
            RULES_SETTING,
            &serde_json::to_string(&rules).unwrap(),
            "fin",
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        app::ledger::evaluate_alerts(store, anchor, now)
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .alert_history(20)
            .await
            .unwrap()
            .iter()
            .all(|e| e.cleared_on.is_some()),
        "all cleared"
    );
    rules[1].enabled = true;
    rules[1].threshold = "0.01".parse().unwrap();
    store
        .set_setting(
            RULES_SETTING,
            &serde_json::to_string(&rules).unwrap(),
            "fin",
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        app::ledger::evaluate_alerts(store, anchor, now)
            .await
            .unwrap(),
        1
    );
    let open: Vec<_> = store
        .alert_history(20)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.cleared_on.is_none())
        .collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].kind, AlertKind::Concentration);
    assert!(
        open[0].figure > Decimal::new(1, 2) && open[0].subject.starts_with('C'),
        "{:?}",
        open[0]
    );
    assert_eq!(
        store.unread_count(exec).await.unwrap(),
        1,
        "executives hear of it"
    );
    assert_eq!(
        app::ledger::evaluate_alerts(store, anchor, now)
            .await
            .unwrap(),
        0,
        "and only once"
    );
}

#[tokio::test]
async fn alert_history_and_inbox_on_sqlite() {
    let db = TestDb::sqlite();
    story(db.store().await.as_ref()).await;
}

#[tokio::test]
async fn alert_history_and_inbox_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("TEST_DATABASE_URL unset: PostgreSQL story skipped (make test sets it)");
        return;
    };
    story(db.store().await.as_ref()).await;
    db.drop_db().await;
}
