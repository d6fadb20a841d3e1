//! Credit scoring on SQLite and (with TEST_DATABASE_URL) PostgreSQL, over a generated
//! book plus one customer whose documents were chosen to be worked out by hand:
//! - the store's histories give that customer's indicators as computed by hand (a
//!   bounced payment, a credit note, a partial payment, documents outside the window);
//!   paging by id returns every customer once;
//! - rescoring writes one score per customer with the active version, sets each grade to
//!   its score's, audits exactly the changes (the credit report's `customer_changes`
//!   sees them) and keeps the cockpit's grade slices equal to the ledger's recomputation;
//! - the monthly run runs once when two schedulers race, and scores nobody twice;
//! - a run a crash left behind is taken over once its lease is stale, resumes after the
//!   last customer it scored, and the crashed worker can no longer write;
//! - the back-test counts add up, agree with a day-by-day recomputation of who went 90+
//!   days past due from the store's point-in-time reads, and two versions compare.
//!
//! Then over HTTP: who may do what, and a bad model's fields named in the refusal.
mod common;

use app::domain::auth::{Role, Scope};
use app::domain::customer::{Contact, CustomerCode, CustomerStatus, Grade, NewCustomer};
use app::domain::dashboard::Slice;
use app::domain::indicators::compute;
use app::domain::money::{Currency, Money};
use app::domain::scoring::{score, ModelDraft, ScoringModel, ThresholdsDraft};
use app::domain::settings::ACTIVE_MODEL;
use app::ledger::{backtest_versions, monthly_rescore, rescore, Rescore};
use app::store::{
    dashboard_figures, CustomerQuery, NewCreditNote, NewInvoice, NewPayment, NewScore,
    PaymentAllocation, Reversible, Store, StoreError, Via,
};
use chrono::{Duration, NaiveDate};
use common::{spawn_app, test_now, TestDb};
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn cny(yuan: i64) -> Money {
    Money::from_minor(yuan * 100, Currency::CNY)
}

fn today() -> NaiveDate {
    d(2026, 6, 30)
}

/// A customer with documents chosen so its indicators at 2026-06-30 can be worked out
/// by hand (see `indicators_match_the_hand_check`).
async fn hand_checked_customer(store: &dyn Store) -> i64 {
    let now = test_now();
    let c = NewCustomer {
        code: CustomerCode::parse("HC-1").unwrap(),
        name: "手算客户有限公司".into(),
        uscc: None,
        region: "华东".into(),
        industry: "建筑施工".into(),
        sales_rep_id: None,
        contact: Contact {
            name: "张伟".into(),
            phone: "13800000000".into(),
            email: "hc@example.cn".into(),
        },
        payment_terms_days: 30,
        credit_limit: cny(100_000),
        temp_limit: None,
        status: CustomerStatus::Normal,
        grade: None,
        group_code: None,
    };
    let id = store.insert_customers(&[c], "test", now).await.unwrap()[0];
    let invoice = |n: &str, date: NaiveDate, due: NaiveDate, yuan: i64| NewInvoice {
        number: n.into(),
        customer_id: id,
        order_ref: None,
        invoice_date: date,
        ship_date: None,
        acceptance_date: None,
        due_date: due,
        amount: cny(yuan),
    };
    store
        .insert_invoices(
            &[
                invoice("HC-0", d(2025, 6, 1), d(2025, 7, 1), 3_000),
                invoice("HC-1", d(2026, 3, 1), d(2026, 3, 31), 10_000),
                invoice("HC-2", d(2026, 4, 1), d(2026, 5, 1), 20_000),
                invoice("HC-3", d(2026, 5, 1), d(2026, 5, 31), 5_000),
                invoice("HC-4", d(2026, 6, 15), d(2026, 7, 15), 8_000),
            ],
            "test",
            now,
        )
        .await
        .unwrap();
    let pay = |r: &str, on: NaiveDate, inv: &str, yuan: i64| NewPayment {
        reference: r.into(),
        customer_id: id,
        received_on: on,
        amount: cny(yuan),
        allocation: PaymentAllocation::Manual(vec![(inv.into(), cny(yuan))]),
    };
    store
        .insert_payments(
            &[
                pay("HC-P0", d(2025, 6, 20), "HC-0", 3_000),
                pay("HC-P1", d(2026, 3, 31), "HC-1", 10_000),
                pay("HC-P2", d(2026, 4, 25), "HC-2", 20_000),
            ],
            "test",
            now,
        )
        .await
        .unwrap();
    store
        .reverse(
            &Reversible::Payment("HC-P2".into()),
            d(2026, 5, 10),
            "bounced",
            "test",
            now,
        )
        .await
        .unwrap();
    store
        .insert_payments(&[pay("HC-P3", d(2026, 5, 21), "HC-2", 20_000)], "test", now)
        .await
        .unwrap();
    let note = NewCreditNote {
        number: "HC-CN1".into(),
        customer_id: id,
        issued_on: d(2026, 5, 15),
        amount: cny(1_000),
        invoice_number: Some("HC-3".into()),
        reason: "price".into(),
    };
    store.insert_credit_note(&note, "test", now).await.unwrap();
    store
        .insert_payments(&[pay("HC-P4", d(2026, 6, 10), "HC-3", 2_000)], "test", now)
        .await
        .unwrap();
    id
}

async fn indicators_match_the_hand_check(store: &dyn Store, id: i64) {
    let page = store
        .scoring_subjects(0, 10, Some(id), today())
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].history.invoices.len(), 5);
    assert_eq!(
        page[0].factors.industry_risk,
        Some(dec("1.1")),
        "the industry's factor from the migration"
    );
    let i = compute(&page[0].history, today()).unwrap();
    // First cooperation 2025-06-01 (HC-0; the customer was created today): 394 days.
    assert_eq!(i.years_of_cooperation, dec("1.08"));
    // HC-0 is dated before the window: 10,000 + 20,000 + 5,000 + 8,000.
    assert_eq!(i.sales_12m, cny(43_000));
    // Payments in the window: P1 10,000 after 30 days (on time), P3 20,000 after 50 days
    // (late; P2 bounced), P4 2,000 after 40 days (late); P0 is before the window.
    // (300,000 + 1,000,000 + 80,000) / 32,000 = 43.125 days; 10,000 / 32,000 on time.
    assert_eq!(i.avg_days_to_pay, Some(dec("43.1")));
    assert_eq!(i.on_time_rate, Some(dec("31.3")));
    // HC-2 paid 20 days late; HC-3 still 2,000 open 30 days after its due date.
    assert_eq!((i.overdue_count_12m, i.max_days_overdue_12m), (2, 30));
    // Open: HC-3 2,000 past due, HC-4 8,000 not yet due.
    assert_eq!(i.overdue_ratio, dec("20.0"));
    // Before the bounce was known (as_of 2026-05-05) HC-2 looked paid on time.
    let earlier = compute(&page[0].history, d(2026, 5, 5)).unwrap();
    assert_eq!(
        (earlier.on_time_rate, earlier.overdue_count_12m),
        (Some(dec("100.0")), 0)
    );
}

async fn all_customer_ids(store: &dyn Store) -> Vec<i64> {
    let mut ids: Vec<i64> = store
        .list_customers(
            &CustomerQuery {
                search: None,
                limit: 10_000,
                offset: 0,
            },
            Scope::All,
            today(),
        )
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    ids.sort_unstable();
    ids
}

async fn grades(store: &dyn Store) -> HashMap<i64, Option<Grade>> {
    store
        .list_customers(
            &CustomerQuery {
                search: None,
                limit: 10_000,
                offset: 0,
            },
            Scope::All,
            today(),
        )
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.grade))
        .collect()
}

async fn grade_slices_equal_the_ledger(store: &dyn Store) {
    let slices: Vec<Slice> = Grade::ALL
        .into_iter()
        .map(|g| Slice::Grade(Some(g)))
        .chain([Slice::Grade(None), Slice::All])
        .collect();
    for as_of in [today(), d(2026, 5, 17), d(2025, 12, 31), d(2025, 3, 3)] {
        for slice in &slices {
            let kept = dashboard_figures(store, slice, as_of, Via::Aggregates)
                .await
                .unwrap();
            let recomputed = dashboard_figures(store, slice, as_of, Via::Ledger)
                .await
                .unwrap();
            assert_eq!(kept, recomputed, "{slice:?} at {as_of}");
        }
    }
}

/// The stricter thresholds of version 1.
fn stricter() -> ScoringModel {
    let mut draft = ModelDraft::from(&ScoringModel::default_model());
    draft.thresholds = ThresholdsDraft {
        a: dec("88"),
        b: dec("74"),
        c: dec("60"),
    };
    ScoringModel::try_from(draft).unwrap()
}

async fn story(store: &dyn Store) {
    let now = test_now();
    let params = server::seed::GenerateParams {
        customers: 30,
        invoices: 900,
        seed: 5,
        anchor: today(),
        unpaid_percent: 10,
    };
    server::seed::generate(store, params, now, &mut |_| {})
        .await
        .unwrap();
    let hc = hand_checked_customer(store).await;
    indicators_match_the_hand_check(store, hc).await;

    // Paging by id: every customer once, in order, a few per page.
    let ids = all_customer_ids(store).await;
    let (mut seen, mut after) = (Vec::new(), 0);
    loop {
        let page = store
            .scoring_subjects(after, 7, None, today())
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = last.customer_id;
        seen.extend(page.iter().map(|s| s.customer_id));
    }
    assert_eq!(seen, ids);

    // Version 1, activated.
    assert_eq!(
        app::ledger::active_model(store).await.unwrap().0,
        0,
        "nothing stored: the built-in default"
    );
    let v1 = store
        .save_model_version(&stricter(), "stricter thresholds", "fin", now)
        .await
        .unwrap();
    let versions = store.model_versions().await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version, v.model.clone()))
            .collect::<Vec<_>>(),
        vec![(v1, stricter())]
    );
    store
        .set_setting(ACTIVE_MODEL.key, &v1.to_string(), "fin", now)
        .await
        .unwrap();
    assert_eq!(
        app::ledger::active_model(store).await.unwrap(),
        (v1, stricter())
    );

    // Rescore everyone: grades follow the scores, exactly the changes are audited.
    let before = grades(store).await;
    let run = rescore(store, Rescore::All, today(), "manual:first", "fin", now)
        .await
        .unwrap()
        .expect("a fresh key is claimed");
    assert_eq!(run.customers, ids.len() as i64);
    assert!(run.finished_at.is_some());
    let after_grades = grades(store).await;
    let mut changed = BTreeSet::new();
    for id in &ids {
        let latest = store
            .latest_score(*id)
            .await
            .unwrap()
            .expect("every customer scored");
        assert_eq!(
            (latest.model_version, latest.as_of, latest.run_id),
            (v1, today(), run.id)
        );
        assert_eq!(
            after_grades[id],
            Some(latest.card.grade),
            "customer {id}: the grade is its score's"
        );
        assert_eq!(
            latest.card.grade,
            stricter().thresholds().grade(latest.card.score)
        );
        if before[id] != after_grades[id] {
            changed.insert(*id);
        }
    }
    assert!(
        !changed.is_empty() && changed.contains(&hc),
        "the generator's guesses and the ungraded customer change"
    );
    assert_eq!(run.changed, changed.len() as i64);
    let hc_card = store.latest_score(hc).await.unwrap().unwrap();
    let hc_expected = score(
        &stricter(),
        &compute(
            &store
                .scoring_subjects(0, 1, Some(hc), today())
                .await
                .unwrap()[0]
                .history,
            today(),
        )
        .unwrap()
        .values(&store.customer_factors(hc).await.unwrap()),
    );
    assert_eq!(
        hc_card.card, hc_expected,
        "the stored card is the hand-checked customer's"
    );
    assert_eq!(hc_card.sales_12m, cny(43_000));
    let changes = store
        .customer_changes(&Slice::All, now, now + Duration::seconds(1), 1_000)
        .await
        .unwrap();
    let grade_changes: Vec<_> = changes.iter().filter(|c| c.attribute == "grade").collect();
    assert_eq!(grade_changes.len(), changed.len(), "{changes:?}");
    let hc_change = grade_changes
        .iter()
        .find(|c| c.customer_code == "HC-1")
        .unwrap();
    assert_eq!(
        (
            hc_change.before.as_str(),
            hc_change.after.as_str(),
            hc_change.actor.as_str()
        ),
        ("-", hc_card.card.grade.as_str(), "fin")
    );
    grade_slices_equal_the_ledger(store).await;
    assert_eq!(store.verify_audit().await.unwrap().first_broken, None);

    // The monthly run: two schedulers at once, one runs. Same model, same day: no change.
    let (a, b) = tokio::join!(monthly_rescore(store, now), monthly_rescore(store, now));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.is_some() as u8 + b.is_some() as u8, 1, "{a:?} {b:?}");
    let monthly = a.or(b).unwrap();
    assert_eq!(
        (monthly.run_key.as_str(), monthly.customers, monthly.changed),
        ("monthly:2026-06", ids.len() as i64, 0)
    );
    assert_eq!(
        monthly_rescore(store, now + Duration::hours(6))
            .await
            .unwrap(),
        None,
        "the month is done"
    );
    for id in &ids {
        assert_eq!(
            store.score_history(*id, 50).await.unwrap().len(),
            2,
            "customer {id}: one score per run"
        );
    }
    let runs = store.scoring_runs(10).await.unwrap();
    assert_eq!(
        runs.iter()
            .filter(|r| r.run_key.starts_with("monthly:"))
            .count(),
        1
    );

    // A crashed run: the first page written, then nothing. Its key is not free while the
    // lease is fresh; once stale, the next caller resumes after the last customer scored.
    let crashed_at = now - Duration::minutes(20);
    let lease = store
        .claim_scoring_run("manual:crashed", "worker-1", crashed_at, crashed_at)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lease.resume_after, 0);
    let first_page = store.scoring_subjects(0, 5, None, today()).await.unwrap();
    let scores: Vec<NewScore> = first_page
        .iter()
        .map(|s| {
            let found = compute(&s.history, today()).unwrap();
            NewScore {
                customer_id: s.customer_id,
                model_version: v1,
                as_of: today(),
                card: score(&stricter(), &found.values(&s.factors)),
                sales_12m: found.sales_12m,
            }
        })
        .collect();
    store
        .record_scores(&lease, &scores, "fin", crashed_at)
        .await
        .unwrap();
    let busy = store
        .claim_scoring_run(
            "manual:crashed",
            "worker-3",
            now,
            crashed_at - Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(busy, None, "the lease is still fresh for this caller");
    let resumed = rescore(store, Rescore::All, today(), "manual:crashed", "fin", now)
        .await
        .unwrap()
        .expect("a stale lease is taken over");
    assert_eq!(
        resumed.customers,
        ids.len() as i64,
        "5 by the crashed worker, the rest after it"
    );
    assert!(
        matches!(
            store.record_scores(&lease, &scores, "fin", now).await,
            Err(StoreError::Conflict(_))
        ),
        "the crashed worker lost its lease"
    );
    assert_eq!(
        rescore(
            store,
            Rescore::All,
            today(),
            "manual:crashed",
            "fin",
            now + Duration::hours(1)
        )
        .await
        .unwrap(),
        None
    );
    for id in &ids {
        assert_eq!(
            store.score_history(*id, 50).await.unwrap().len(),
            3,
            "customer {id}"
        );
    }

    // One customer, on demand.
    let one = rescore(store, Rescore::One(hc), today(), "manual:one", "mgr", now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((one.customers, one.changed), (1, 0));

    backtests(store, v1).await;
}

async fn backtests(store: &dyn Store, v1: i64) {
    let as_of = d(2025, 6, 30);
    let end = app::domain::indicators::outcome_end(as_of);
    let results = backtest_versions(store, &[0, v1], as_of).await.unwrap();
    let (a, b) = (&results[0], &results[1]);
    // The population: customers with an invoice dated on or before as_of (the generated
    // customers, and the hand-checked one, were created today), from the invoice list.
    let q = app::store::InvoiceQuery {
        as_of,
        status: app::domain::invoice::InvoiceStatus::All,
        invoiced_between: (None, Some(as_of)),
        limit: 100_000,
        ..Default::default()
    };
    let population: BTreeSet<i64> = store
        .list_invoices(&q, Scope::All)
        .await
        .unwrap()
        .iter()
        .map(|r| r.customer_id)
        .collect();
    // Who went 90+ days past due in (as_of, end], day by day from point-in-time reads.
    let mut defaulted = BTreeSet::new();
    let mut t = as_of + Duration::days(1);
    while t <= end {
        for item in store.open_items(Scope::All, t).await.unwrap() {
            if item.open.minor() > 0
                && item.due_date + Duration::days(90) <= t
                && population.contains(&item.customer_id)
            {
                defaulted.insert(item.customer_id);
            }
        }
        t += Duration::days(1);
    }
    assert!(
        !defaulted.is_empty() && defaulted.len() < population.len(),
        "the book has both outcomes"
    );
    for r in [a, b] {
        assert_eq!(r.customers as usize, population.len());
        assert_eq!(r.defaults as usize, defaulted.len());
        assert_eq!(
            r.per_grade.iter().map(|g| g.customers).sum::<u32>(),
            r.customers
        );
        assert_eq!(
            r.per_grade.iter().map(|g| g.defaults).sum::<u32>(),
            r.defaults
        );
        let auc = r.auc.expect("both outcomes present");
        assert!(auc >= Decimal::ZERO && auc <= Decimal::ONE, "{auc}");
    }
    // Same scores, stricter cut-offs: the AUC is the same, the grades move down.
    assert_eq!(a.auc, b.auc);
    let share_a = |r: &app::domain::scoring::Backtest| r.per_grade[0].customers;
    assert!(
        share_a(b) <= share_a(a),
        "fewer A grades under stricter thresholds"
    );
    assert_eq!(app::ledger::backtest(store, v1, as_of).await.unwrap(), *b);
    assert!(matches!(
        backtest_versions(store, &[99], as_of).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn scoring_on_sqlite() {
    let db = TestDb::sqlite();
    story(db.store().await.as_ref()).await;
}

#[tokio::test]
async fn scoring_on_postgres() {
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

/// The form fields of a model draft, as the hydrated client sends them.
fn draft_form(draft: &ModelDraft) -> Vec<(String, String)> {
    let mut f = vec![("note".to_string(), "from the test".to_string())];
    for (i, r) in draft.rules.iter().enumerate() {
        f.push((format!("draft[rules][{i}][indicator]"), r.indicator.clone()));
        f.push((format!("draft[rules][{i}][weight]"), r.weight.to_string()));
        f.push((
            format!("draft[rules][{i}][missing_points]"),
            r.missing_points.to_string(),
        ));
        for (j, b) in r.bands.iter().enumerate() {
            f.push((
                format!("draft[rules][{i}][bands][{j}][from]"),
                b.from.to_string(),
            ));
            f.push((
                format!("draft[rules][{i}][bands][{j}][points]"),
                b.points.to_string(),
            ));
        }
    }
    for (k, v) in [
        ("a", &draft.thresholds.a),
        ("b", &draft.thresholds.b),
        ("c", &draft.thresholds.c),
    ] {
        f.push((format!("draft[thresholds][{k}]"), v.to_string()));
    }
    for (i, p) in draft.policies.iter().enumerate() {
        f.push((format!("draft[policies][{i}][grade]"), p.grade.clone()));
        f.push((
            format!("draft[policies][{i}][limit_pct_of_sales]"),
            p.limit_pct_of_sales.to_string(),
        ));
        f.push((
            format!("draft[policies][{i}][limit_cap]"),
            p.limit_cap.to_string(),
        ));
        f.push((
            format!("draft[policies][{i}][terms_days]"),
            p.terms_days.to_string(),
        ));
    }
    f
}

fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn server_functions_authorise_and_validate() {
    let app = spawn_app().await;
    let store = app.store.as_ref();
    let now = test_now();
    let params = server::seed::GenerateParams {
        customers: 6,
        invoices: 120,
        seed: 3,
        anchor: today(),
        unpaid_percent: 0,
    };
    server::seed::generate(store, params, now, &mut |_| {})
        .await
        .unwrap();
    let password = server::seed::DEMO_PASSWORD;
    let rep = store
        .users_by_role(Role::SalesRep)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "li.na")
        .unwrap();
    let customers = store
        .list_customers(
            &CustomerQuery {
                search: None,
                limit: 100,
                offset: 0,
            },
            Scope::All,
            today(),
        )
        .await
        .unwrap();
    let own = customers
        .iter()
        .find(|c| c.sales_rep.as_deref() == Some(rep.display_name.as_str()))
        .expect("li.na has a customer");
    let other = customers
        .iter()
        .find(|c| c.sales_rep.as_deref() != Some(rep.display_name.as_str()))
        .expect("a customer of another rep");
    let (own_id, other_id) = (own.id.to_string(), other.id.to_string());

    // Signed out: nothing.
    let anon = app.client();
    assert!(refusal(app.call(&anon, "scoring_page", &[]).await)
        .await
        .contains("Unauthenticated"));

    // A sales rep reads scores of their own customers only, and changes nothing.
    let li = app.client();
    assert!(app
        .login(&li, "li.na", password)
        .await
        .status()
        .is_success());
    assert!(app
        .call(&li, "scoring_page", &[])
        .await
        .status()
        .is_success());
    assert!(app
        .call(&li, "customer_score", &[("customer_id", &own_id)])
        .await
        .status()
        .is_success());
    assert!(refusal(
        app.call(&li, "customer_score", &[("customer_id", &other_id)])
            .await
    )
    .await
    .contains("NotFound"));
    let good = draft_form(&ModelDraft::from(&ScoringModel::default_model()));
    for (endpoint, form) in [
        ("save_model_version", pairs(&good)),
        ("activate_model_version", vec![("version", "0")]),
        ("rescore_all", vec![]),
        ("rescore_customer", vec![("customer_id", own_id.as_str())]),
        (
            "run_backtest",
            vec![("args[as_of]", "2025-06-30"), ("args[version_a]", "0")],
        ),
        (
            "save_customer_factors",
            vec![
                ("customer_id", own_id.as_str()),
                ("registered_capital", "1000000"),
                ("external_rating", "70"),
            ],
        ),
        (
            "save_industry_risk",
            vec![("industry", "建筑施工"), ("factor", "1.3")],
        ),
    ] {
        assert!(
            refusal(app.call(&li, endpoint, &form).await)
                .await
                .contains("Forbidden"),
            "{endpoint}"
        );
    }

    // A credit manager rescores one customer, nothing more.
    let zhou = app.client();
    assert!(app
        .login(&zhou, "zhou.min", password)
        .await
        .status()
        .is_success());
    let r = app
        .call(&zhou, "rescore_customer", &[("customer_id", &other_id)])
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    assert!(store.latest_score(other.id).await.unwrap().is_some());
    assert!(refusal(app.call(&zhou, "rescore_all", &[]).await)
        .await
        .contains("Forbidden"));

    // Finance: a bad model is refused with every bad field named; a good one is saved,
    // activated and used.
    let fin = app.client();
    assert!(app
        .login(&fin, "liu.fang", password)
        .await
        .status()
        .is_success());
    let mut bad = ModelDraft::from(&ScoringModel::default_model());
    bad.rules[0].weight = dec("15");
    bad.thresholds.b = dec("90");
    bad.policies[1].terms_days = dec("4000");
    let body = refusal(
        app.call(&fin, "save_model_version", &pairs(&draft_form(&bad)))
            .await,
    )
    .await;
    for field in ["weights", "thresholds", "terms_days[B]"] {
        assert!(body.contains(field), "{field} in {body}");
    }
    assert!(
        store.model_versions().await.unwrap().is_empty(),
        "nothing stored"
    );
    let saved = app
        .call(
            &fin,
            "save_model_version",
            &pairs(&draft_form(&ModelDraft::from(&stricter()))),
        )
        .await;
    assert!(saved.status().is_success());
    let version: i64 = saved.json().await.unwrap();
    assert!(refusal(
        app.call(&fin, "activate_model_version", &[("version", "77")])
            .await
    )
    .await
    .contains("no version 77"));
    assert!(app
        .call(
            &fin,
            "activate_model_version",
            &[("version", &version.to_string())]
        )
        .await
        .status()
        .is_success());
    let r = app.call(&fin, "rescore_all", &[]).await;
    assert!(r.status().is_success());
    let run: app::records::ScoringRun = r.json().await.unwrap();
    assert_eq!(run.customers, customers.len() as i64);
    assert_eq!(
        store
            .latest_score(own.id)
            .await
            .unwrap()
            .unwrap()
            .model_version,
        version
    );
    let card: app::api::scoring::CustomerScore = app
        .call(&li, "customer_score", &[("customer_id", &own_id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(card.latest.as_ref().map(|s| s.model_version), Some(version));
    assert!(!card.can_rescore && !card.can_edit_factors);
    assert_eq!(
        card.suggestion.as_ref().map(|s| s.grade),
        card.latest.as_ref().map(|s| s.card.grade)
    );

    // The back-test refuses an as_of whose six months have not passed, and compares two versions.
    let too_late = refusal(
        app.call(
            &fin,
            "run_backtest",
            &[("args[as_of]", "2026-03-01"), ("args[version_a]", "0")],
        )
        .await,
    )
    .await;
    assert!(too_late.contains("as_of"), "{too_late}");
    let v = version.to_string();
    let r = app
        .call(
            &fin,
            "run_backtest",
            &[
                ("args[as_of]", "2025-06-30"),
                ("args[version_a]", "0"),
                ("args[version_b]", &v),
            ],
        )
        .await;
    assert!(r.status().is_success());
    let result: app::api::scoring::BacktestResult = r.json().await.unwrap();
    assert_eq!(result.b.as_ref().map(|b| b.version), Some(version));
    assert_eq!(
        result.a.result.customers,
        result.b.as_ref().unwrap().result.customers
    );

    // Manual factors: parsed and named when wrong; saved, they feed the next score.
    let body = refusal(
        app.call(
            &fin,
            "save_customer_factors",
            &[
                ("customer_id", &own_id),
                ("registered_capital", "-5"),
                ("external_rating", "120"),
            ],
        )
        .await,
    )
    .await;
    assert!(
        body.contains("registered_capital") && body.contains("external_rating"),
        "{body}"
    );
    let ok = app
        .call(
            &fin,
            "save_customer_factors",
            &[
                ("customer_id", &own_id),
                ("registered_capital", "20000000"),
                ("external_rating", "80"),
            ],
        )
        .await;
    assert!(ok.status().is_success());
    let factors = store.customer_factors(own.id).await.unwrap();
    assert_eq!(
        (factors.registered_capital, factors.external_rating),
        (Some(cny(20_000_000)), Some(dec("80")))
    );
    assert!(refusal(
        app.call(
            &fin,
            "save_industry_risk",
            &[("industry", "建筑施工"), ("factor", "0")]
        )
        .await
    )
    .await
    .contains("factor"));
    assert!(app
        .call(
            &fin,
            "save_industry_risk",
            &[("industry", "建筑施工"), ("factor", "1.3")]
        )
        .await
        .status()
        .is_success());
    assert!(store
        .industry_risks()
        .await
        .unwrap()
        .contains(&("建筑施工".to_string(), Some(dec("1.3")))));
}
