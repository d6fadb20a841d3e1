//! Credit reports and saved report templates, on SQLite and (with TEST_DATABASE_URL)
//! PostgreSQL, over a generated book with back-dated payments, reversals, credit notes
//! and a status change:
//! - every period's roll-forward balances (opening + movements = closing), its opening
//!   and closing equal a recomputation over the whole ledger, and its cash equals the
//!   ledger's per-day cash;
//! - audited status changes land in the period they were made in, and only there;
//! - a template run, read a few customers per page, keeps exactly the customers its
//!   filters match; its open column adds up to the cockpit's open AR, its period columns
//!   to the report's movements, and its groups to the ungrouped rows;
//! - templates are stored parsed, a taken name is refused, a sales rep's run is their own.
//!
//! Then over HTTP: the template designer's server functions, the streamed CSV and XLSX
//! downloads, the credit report workbook, and who may do what.
mod common;

use app::domain::auth::{Role, Scope};
use app::domain::customer::CustomerStatus;
use app::domain::dashboard::Slice;
use app::domain::documents::CustomerPatch;
use app::domain::money::{Currency, Money};
use app::domain::report::{Period, PeriodKind, ReportTemplate, TemplateDraft, Value};
use app::ledger::TemplateRun;
use app::store::{
    dashboard_figures, CustomerQuery, NewCreditNote, NewPayment, PaymentAllocation, Reversible,
    Store, StoreError, Via,
};
use chrono::{Duration, NaiveDate};
use common::{spawn_app, test_now, TestDb};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const TODAY: (i32, u32, u32) = (2026, 6, 30);

async fn book(store: &dyn Store) {
    let (y, m, dd) = TODAY;
    let anchor = d(y, m, dd);
    let now = test_now();
    let params = server::seed::GenerateParams {
        customers: 23,
        invoices: 700,
        seed: 11,
        anchor,
        unpaid_percent: 15,
    };
    server::seed::generate(store, params, now, &mut |_| {})
        .await
        .unwrap();
    let customers = store
        .list_customers(
            &CustomerQuery {
                search: None,
                limit: 100,
                offset: 0,
            },
            Scope::All,
            anchor,
        )
        .await
        .unwrap();
    let cny = |minor: i64| Money::from_minor(minor, Currency::CNY);
    for (k, c) in customers.iter().enumerate().take(12) {
        // A back-dated FIFO payment, and every third one reversed a little later.
        let reference = format!("RP-{k}");
        let on = anchor - Duration::days(9 * k as i64 + 3);
        let p = NewPayment {
            reference: reference.clone(),
            customer_id: c.id,
            received_on: on,
            amount: cny(1_234_500 + k as i64),
            allocation: PaymentAllocation::Fifo,
        };
        store.insert_payments(&[p], "test", now).await.unwrap();
        if k % 3 == 0 {
            store
                .reverse(
                    &Reversible::Payment(reference),
                    on + Duration::days(4),
                    "bounced",
                    "test",
                    now,
                )
                .await
                .unwrap();
        }
        // A credit note on an invoice dated before the period it is issued in.
        if k % 4 == 1 {
            if let Some(inv) = store.open_invoices(c.id, anchor).await.unwrap().first() {
                let note = NewCreditNote {
                    number: format!("RCN-{k}"),
                    customer_id: c.id,
                    issued_on: anchor - Duration::days(20),
                    amount: cny((inv.open.minor() / 3).max(1)),
                    invoice_number: Some(inv.number.clone()),
                    reason: "price".into(),
                };
                store.insert_credit_note(&note, "test", now).await.unwrap();
            }
        }
    }
    // Audited on test_now (30 June): the June report shows it, May's does not.
    let frozen = CustomerPatch {
        status: Some(CustomerStatus::Frozen),
        ..Default::default()
    };
    store
        .update_customer(customers[0].id, &frozen, "fin", now)
        .await
        .unwrap();
}

fn draft(name: &str, columns: &[&str], group_by: &str, min_days: &str) -> TemplateDraft {
    TemplateDraft {
        name: name.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        group_by: group_by.into(),
        min_days_past_due: min_days.into(),
        period: "month".into(),
        ..Default::default()
    }
}

fn money_at(row: &[Value], i: usize) -> i64 {
    match &row[i] {
        Value::Money(m) => m.minor(),
        other => panic!("column {i} is not money: {other:?}"),
    }
}

/// Runs a template to the end, 7 customers a page: (rows, total row).
async fn run(
    store: &dyn Store,
    t: &ReportTemplate,
    scope: Scope,
    period: Period,
) -> (Vec<Vec<Value>>, Vec<Value>) {
    let (y, m, dd) = TODAY;
    let mut r = TemplateRun::new(t.clone(), scope, period, d(y, m, dd)).page_size(7);
    let mut rows = Vec::new();
    while let Some(page) = r.next_rows(store).await.unwrap() {
        rows.extend(page);
    }
    (rows, r.total())
}

async fn story(store: &dyn Store) {
    book(store).await;
    let (y, m, dd) = TODAY;
    let today = d(y, m, dd);
    let regions = store.regions().await.unwrap();
    let slices = [Slice::All, Slice::Region(regions[0].clone())];
    let mut periods: Vec<Period> = Period::recent(PeriodKind::Month, today, 7);
    periods.extend(Period::recent(PeriodKind::Week, today, 3));
    periods.extend(Period::recent(PeriodKind::Quarter, today, 2));

    for slice in &slices {
        for period in &periods {
            let r = app::ledger::credit_report(store, slice.clone(), *period, today)
                .await
                .unwrap();
            let mv = &r.movements;
            let what = format!("{slice:?} {}", period.key());
            assert_eq!(mv.unexplained_minor(), 0, "{what}: {mv:?}");
            // Opening and closing, recomputed from the ledger alone.
            let before = period.start().pred_opt().unwrap();
            let ledger_open = |at: NaiveDate| async move {
                let f = dashboard_figures(store, slice, at, Via::Ledger)
                    .await
                    .unwrap();
                f.open_at
                    .last()
                    .unwrap()
                    .iter()
                    .map(|(_, m)| m)
                    .sum::<i64>()
            };
            assert_eq!(
                mv.opening.minor(),
                ledger_open(before).await,
                "{what} opening"
            );
            assert_eq!(
                mv.closing.minor(),
                ledger_open(r.as_of).await,
                "{what} closing"
            );
            let (dim, key) = slice.dim();
            let days = store
                .day_figures(dim, Some(&key), period.start(), r.as_of, Via::Ledger)
                .await
                .unwrap();
            assert_eq!(
                mv.cash_received.minor(),
                days.iter().map(|(_, f)| f.cash_minor).sum::<i64>(),
                "{what} cash"
            );
            assert_eq!(
                mv.invoiced.minor(),
                days.iter().map(|(_, f)| f.sales_minor).sum::<i64>(),
                "{what} invoiced"
            );
            assert_eq!(r.as_of, period.end().min(today));
        }
    }
    let june = Period::parse("2026-06").unwrap();
    let may = Period::parse("2026-05").unwrap();
    let june_report = app::ledger::credit_report(store, Slice::All, june, today)
        .await
        .unwrap();
    assert!(
        june_report.movements.payments.minor() > 0 && june_report.movements.reversals.minor() > 0,
        "{:?}",
        june_report.movements
    );
    assert_eq!(june_report.changes.len(), 1, "{:?}", june_report.changes);
    let change = &june_report.changes[0];
    assert_eq!(
        (
            change.attribute.as_str(),
            change.after.as_str(),
            change.actor.as_str()
        ),
        ("status", "frozen", "fin")
    );
    assert_ne!(change.before, "frozen");
    assert!(app::ledger::credit_report(store, Slice::All, may, today)
        .await
        .unwrap()
        .changes
        .is_empty());
    assert_eq!(
        june_report
            .kpis
            .iter()
            .find(|k| k.key == "total_ar")
            .unwrap()
            .end,
        app::domain::report::Figure::Money(june_report.movements.closing)
    );

    // Templates: stored parsed; a taken name is refused.
    let now = test_now();
    let every = ReportTemplate::try_from(draft(
        "Every customer",
        &[
            "code",
            "region",
            "open",
            "overdue",
            "invoiced_in_period",
            "collected_in_period",
        ],
        "",
        "",
    ))
    .unwrap();
    let overdue = ReportTemplate::try_from(draft(
        "Overdue by region",
        &["open", "overdue", "overdue_rate", "max_days_past_due"],
        "region",
        "1",
    ))
    .unwrap();
    let every_id = store
        .save_report_template(None, &every, "fin", now)
        .await
        .unwrap();
    let overdue_id = store
        .save_report_template(None, &overdue, "fin", now)
        .await
        .unwrap();
    assert!(matches!(
        store.save_report_template(None, &every, "fin", now).await,
        Err(StoreError::Conflict(_))
    ));
    let saved = store.report_templates().await.unwrap();
    assert_eq!(
        saved
            .iter()
            .map(|t| (t.id, t.template.clone()))
            .collect::<Vec<_>>(),
        vec![(every_id, every.clone()), (overdue_id, overdue.clone())]
    );

    // Every customer, a few per page: one row each; open adds up to the cockpit's open
    // AR, and the period columns to the report's movements.
    let customers = store.count_customers().await.unwrap();
    let (rows, total) = run(store, &every, Scope::All, june).await;
    assert_eq!(rows.len() as i64, customers);
    let mut codes: Vec<String> = rows
        .iter()
        .map(|r| match &r[0] {
            Value::Text(t) => t.clone(),
            _ => unreachable!(),
        })
        .collect();
    let sorted = {
        let mut s = codes.clone();
        s.sort();
        s
    };
    assert_eq!(codes, sorted, "pages come in code order");
    codes.dedup();
    assert_eq!(
        codes.len() as i64,
        customers,
        "no customer twice across page boundaries"
    );
    let open_sum: i64 = rows.iter().map(|r| money_at(r, 2)).sum();
    assert_eq!(open_sum, june_report.end.kpis.open.minor());
    assert_eq!(money_at(&total, 2), open_sum);
    assert_eq!(
        rows.iter().map(|r| money_at(r, 4)).sum::<i64>(),
        june_report.movements.invoiced.minor()
    );
    assert_eq!(
        rows.iter().map(|r| money_at(r, 5)).sum::<i64>(),
        june_report.movements.cash_received.minor()
    );

    // Grouped by region, overdue customers only: each group equals its region's
    // overdue customers in the ungrouped run; the count column counts them.
    let (groups, gtotal) = run(store, &overdue, Scope::All, june).await;
    for g in &groups {
        let Value::Text(region) = &g[0] else {
            unreachable!()
        };
        let members: Vec<&Vec<Value>> = rows
            .iter()
            .filter(|r| r[1] == Value::Text(region.clone()) && money_at(r, 3) > 0)
            .collect();
        assert_eq!(g[1], Value::Int(members.len() as i64), "{region}");
        assert_eq!(
            money_at(g, 2),
            members.iter().map(|r| money_at(r, 2)).sum::<i64>(),
            "{region} open"
        );
        assert_eq!(
            money_at(g, 3),
            members.iter().map(|r| money_at(r, 3)).sum::<i64>(),
            "{region} overdue"
        );
    }
    assert_eq!(
        money_at(&gtotal, 3),
        june_report.end.kpis.overdue.minor(),
        "the overdue total is the cockpit's"
    );
    assert_eq!(
        gtotal[1],
        Value::Int(june_report.end.kpis.customers_overdue)
    );

    // A sales rep's run holds only their own customers.
    let rep = store.users_by_role(Role::SalesRep).await.unwrap().remove(0);
    let (mine, _) = run(store, &every, Scope::Rep(rep.id), june).await;
    let own = store
        .list_customers(
            &CustomerQuery {
                search: None,
                limit: 1000,
                offset: 0,
            },
            Scope::Rep(rep.id),
            today,
        )
        .await
        .unwrap();
    assert_eq!(mine.len(), own.len());
    assert!(!own.is_empty() && own.len() < customers as usize);

    store
        .delete_report_template(every_id, "fin", now)
        .await
        .unwrap();
    assert!(matches!(
        store.delete_report_template(every_id, "fin", now).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.report_templates().await.unwrap().len(), 1);
}

#[tokio::test]
async fn credit_reports_and_templates_on_sqlite() {
    let db = TestDb::sqlite();
    story(db.store().await.as_ref()).await;
}

#[tokio::test]
async fn credit_reports_and_templates_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("TEST_DATABASE_URL unset: PostgreSQL story skipped (make test sets it)");
        return;
    };
    story(db.store().await.as_ref()).await;
    db.drop_db().await;
}

/// The sheets of an .xlsx download: name → rows of cell texts.
fn sheets(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<Vec<String>>> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names = book.sheet_names().to_vec();
    names
        .into_iter()
        .map(|n| {
            let range = book.worksheet_range(&n).unwrap();
            (
                n,
                range
                    .rows()
                    .map(|r| r.iter().map(|c| c.to_string()).collect())
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn templates_and_downloads_over_http() {
    let app = spawn_app().await;
    book(app.store.as_ref()).await;
    let fin = app.client();
    assert!(app
        .login(&fin, "liu.fang", "demo1234")
        .await
        .status()
        .is_success());

    // The designer's form: a bad draft names every bad field and saves nothing.
    let bad = app
        .call(
            &fin,
            "save_report_template",
            &[
                ("draft[name]", ""),
                ("draft[columns][3]", "colour"),
                ("draft[period]", "year"),
            ],
        )
        .await;
    assert!(
        bad.status().is_client_error() || bad.status().is_server_error(),
        "{}",
        bad.status()
    );
    let text = bad.text().await.unwrap();
    for want in ["name:", "'colour' is not a column", "period:"] {
        assert!(text.contains(want), "{want} in {text}");
    }
    assert!(app.store.report_templates().await.unwrap().is_empty());
    let form = [
        ("draft[name]", "Overdue customers"),
        ("draft[columns][0]", "code"),
        ("draft[columns][1]", "name"),
        ("draft[columns][7]", "open"),
        ("draft[columns][9]", "overdue"),
        ("draft[min_days_past_due]", "1"),
        ("draft[period]", "month"),
    ];
    let saved = app.call(&fin, "save_report_template", &form).await;
    assert!(
        saved.status().is_success(),
        "{}",
        saved.text().await.unwrap()
    );
    let id: i64 = saved.json().await.unwrap();
    let stored = &app.store.report_templates().await.unwrap()[0];
    assert_eq!((stored.id, stored.template.columns().len()), (id, 4));

    // The CSV streams every overdue customer and a total row.
    let expected = app
        .store
        .list_customers(
            &CustomerQuery {
                search: None,
                limit: 1000,
                offset: 0,
            },
            Scope::All,
            d(2026, 6, 30),
        )
        .await
        .unwrap();
    let overdue: Vec<_> = expected.iter().filter(|c| c.overdue.minor() > 0).collect();
    let csv = fin
        .get(app.url(&format!("/export/custom/{id}/overdue.csv?period=2026-06")))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let disposition = csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains(&format!("filename=\"report-{id}-2026-06.csv\""))
            && disposition.contains("filename*=UTF-8''overdue-2026-06.csv"),
        "{disposition}"
    );
    let body = csv.text().await.unwrap();
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "code,name,open,overdue");
    assert_eq!(
        lines.len(),
        overdue.len() + 2,
        "header, one line per overdue customer, total"
    );
    let total_overdue: rust_decimal::Decimal = overdue.iter().map(|c| c.overdue.amount()).sum();
    assert!(
        lines.last().unwrap().starts_with("TOTAL,")
            && lines
                .last()
                .unwrap()
                .ends_with(&format!(",{total_overdue}")),
        "{}",
        lines.last().unwrap()
    );

    // The XLSX has the same rows.
    let xlsx = fin
        .get(app.url(&format!("/export/custom/{id}/overdue.xlsx?period=2026-06")))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let book = sheets(&xlsx.bytes().await.unwrap());
    let rows = &book["report"];
    assert_eq!(rows.len(), overdue.len() + 2);
    assert_eq!(
        rows[1][0],
        overdue.iter().map(|c| c.code.to_string()).min().unwrap(),
        "first by code"
    );

    // The credit report workbook: its roll-forward as numbers.
    let report = fin
        .get(app.url("/export/report/credit-report.xlsx?period=2026-06"))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
    let book = sheets(&report.bytes().await.unwrap());
    for s in [
        "kpis",
        "movements",
        "aging",
        "top_overdue",
        "reps",
        "trend",
        "changes",
    ] {
        assert!(book.contains_key(s), "sheet {s}");
    }
    let r = app::ledger::credit_report(
        app.store.as_ref(),
        Slice::All,
        Period::parse("2026-06").unwrap(),
        d(2026, 6, 30),
    )
    .await
    .unwrap();
    let closing = &book["movements"]
        .iter()
        .find(|row| row[0] == "closing")
        .unwrap()[1];
    assert_eq!(
        closing.parse::<f64>().unwrap(),
        r.movements
            .closing
            .amount()
            .to_string()
            .parse::<f64>()
            .unwrap()
    );
    assert_eq!(
        book["changes"].len(),
        2,
        "the header and the one status change"
    );

    // Bad requests say what is wrong; nothing leaks.
    let bad = fin
        .get(app.url("/export/report/credit-report.xlsx?period=2026-13"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("2026-13"));
    let future = fin
        .get(app.url("/export/report/credit-report.xlsx?period=2027-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(future.status(), 422);
    assert_eq!(
        fin.get(app.url("/export/custom/999/x.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // Who may do what: signed out nothing; a sales rep runs templates on their own
    // customers but cannot change them.
    let anon = app.client();
    assert_eq!(
        anon.get(app.url(&format!("/export/custom/{id}/x.csv")))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        anon.get(app.url("/export/report/credit-report.xlsx"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let rep = app.client();
    assert!(app
        .login(&rep, "li.na", "demo1234")
        .await
        .status()
        .is_success());
    let denied = app.call(&rep, "save_report_template", &form).await;
    assert!(!denied.status().is_success());
    assert!(!app
        .call(&rep, "delete_report_template", &[("id", &id.to_string())])
        .await
        .status()
        .is_success());
    let li = app
        .store
        .user_id_by_username("li.na")
        .await
        .unwrap()
        .unwrap();
    let own = expected_for(&app, li).await;
    let body = rep
        .get(app.url(&format!("/export/custom/{id}/mine.csv?period=2026-06")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body.lines().count(), own + 2, "{body}");
    assert_eq!(
        app.store.report_templates().await.unwrap().len(),
        1,
        "the rep changed nothing"
    );
}

/// A rep's overdue customers at the test date.
async fn expected_for(app: &common::TestApp, rep: i64) -> usize {
    let rows = app
        .store
        .list_customers(
            &CustomerQuery {
                search: None,
                limit: 1000,
                offset: 0,
            },
            Scope::Rep(rep),
            d(2026, 6, 30),
        )
        .await
        .unwrap();
    rows.iter().filter(|c| c.overdue.minor() > 0).count()
}

/// The aging export streams a page of customers at a time: over several pages, every
/// customer with open items has its row once, and the total row is the open book.
#[tokio::test]
async fn the_aging_export_streams_every_customer_and_adds_up() {
    let app = spawn_app().await;
    let as_of = d(2026, 6, 30);
    let params = server::seed::GenerateParams {
        customers: 1_200,
        invoices: 2_400,
        seed: 5,
        anchor: as_of,
        unpaid_percent: 40,
    };
    server::seed::generate(app.store.as_ref(), params, test_now(), &mut |_| {})
        .await
        .unwrap();
    let items = app.store.open_items(Scope::All, as_of).await.unwrap();
    let debtors: std::collections::BTreeSet<i64> = items.iter().map(|i| i.customer_id).collect();
    let open: i64 = items.iter().map(|i| i.open.minor()).sum();
    assert!(
        debtors.len() > 500,
        "more debtors than one page of 500 customers: {}",
        debtors.len()
    );

    let fin = app.client();
    assert!(app
        .login(&fin, "liu.fang", "demo1234")
        .await
        .status()
        .is_success());
    let url = |ext: &str| {
        app.url(&format!(
            "/export/aging/aging.{ext}?as_of=2026-06-30&basis=due"
        ))
    };
    let csv = fin
        .get(url("csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines.len(),
        debtors.len() + 2,
        "header, one row per debtor, total"
    );
    let codes: std::collections::BTreeSet<&str> = lines[1..lines.len() - 1]
        .iter()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(codes.len(), debtors.len(), "no customer twice");
    let minor = |cell: &str| {
        let mut m: rust_decimal::Decimal = cell.trim_matches('"').parse().unwrap();
        m.rescale(2);
        i64::try_from(m.mantissa()).unwrap()
    };
    let last = |line: &str| minor(line.rsplit(',').next().unwrap());
    let rows: i64 = lines[1..lines.len() - 1].iter().map(|l| last(l)).sum();
    let total = lines.last().unwrap();
    assert!(total.starts_with("TOTAL,"), "{total}");
    assert_eq!(
        (rows, last(total)),
        (open, open),
        "rows and total are the open book"
    );

    let xlsx = fin
        .get(url("xlsx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let sheet = &sheets(&xlsx)["aging"];
    assert_eq!(sheet.len(), lines.len());
    assert_eq!(sheet.last().unwrap()[0], "TOTAL");
}
