//! File downloads for signed-in users: the aging report as CSV or XLSX, the import
//! templates, the credit report as a workbook, and saved report templates' runs. The
//! aging report and the template runs stream (`stream_file`: a page of customers at a
//! time) however large the book is.
//!
//! Invariants: deny by default — every handler checks the session's user and permission
//! itself (401 signed out, 403 not allowed); reads stay within the user's scope; CSV
//! text cannot be run as a formula by a spreadsheet (see `tabular::write`); every file
//! served is audited first (who, which path and query), and a download whose audit row
//! cannot be written is not served; a refusal is audited as `access_denied`.
use crate::stream_file::{self, PagedRows};
use crate::tabular::{self, Cell, Format};
use crate::web::AppState;
use app::api::import::ImportKind;
use app::api::Viewer;
use app::domain::aging::{self, Basis};
use app::domain::auth::{Permission, User};
use app::domain::{business_date, BOOK_CURRENCY};
use app::store::CustomerQuery;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use chrono::NaiveDate;

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/aging/{file}", get(aging_file))
        .route("/template/{file}", get(template_file))
        .route("/report/{file}", get(report_file))
        .route("/custom/{id}/{file}", get(custom_file))
        .route("/attachment/{application}/{id}", get(attachment_file))
        .route("/dossier/{file}", get(dossier_file))
        .layer(axum::middleware::from_fn_with_state(state, audit_downloads))
}

/// Audits each download served (a 2xx) under its user, naming what was asked for, and
/// queues each refusal to a signed-in user (a 403) like a server function's.
async fn audit_downloads(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let user = req
        .extensions()
        .get::<Viewer>()
        .and_then(|v| v.0.as_ref())
        .map(|u| u.username.clone());
    let what = match req.extensions().get::<axum::extract::OriginalUri>() {
        Some(original) => original.0.to_string(),
        None => req.uri().to_string(),
    };
    let response = next.run(req).await;
    let Some(user) = user else { return response };
    if response.status() == StatusCode::FORBIDDEN {
        state.login_guard.audit(app::login_guard::Refusal {
            entity: "access",
            username: user,
            detail: what,
            action: "access_denied",
        });
        return response;
    }
    if !response.status().is_success() {
        return response;
    }
    let entry = app::store::AuditEntry::new("export", what, "download");
    match state.store.audit(state.clock.now(), &user, entry).await {
        Ok(()) => response,
        Err(e) => {
            let id = app::error::AppError::internal(format!("download audit: {e}"));
            plain(StatusCode::INTERNAL_SERVER_ERROR, &id.to_string())
        }
    }
}

fn plain(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_string(),
    )
        .into_response()
}

fn allowed(viewer: &Viewer, p: Permission) -> Result<&User, Response> {
    match &viewer.0 {
        None => Err(plain(StatusCode::UNAUTHORIZED, "sign in first")),
        Some(u) if u.role.allows(p) => Ok(u),
        Some(_) => Err(plain(
            StatusCode::FORBIDDEN,
            "you do not have permission for this",
        )),
    }
}

fn download(file_name: &str, format: Format, body: impl IntoResponse) -> Response {
    let mime = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `(stem, format)` of a requested `name.csv` / `name.xlsx`.
fn split_file(file: &str) -> Result<(&str, Format), Response> {
    let format = Format::from_file_name(file).map_err(|m| plain(StatusCode::NOT_FOUND, &m))?;
    Ok((
        file.rsplit_once('.').map(|(stem, _)| stem).unwrap_or(file),
        format,
    ))
}

#[derive(serde::Deserialize)]
pub struct AgingParams {
    as_of: Option<NaiveDate>,
    basis: Option<String>,
}

/// `GET /export/aging/aging.xlsx?as_of=&basis=`: one row per customer with its open
/// amount in each bucket, then a total row equal to the report's bucket totals.
async fn aging_file(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(file): Path<String>,
    Query(p): Query<AgingParams>,
) -> Response {
    let user = match allowed(&viewer, Permission::ViewReceivables) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let format = match split_file(&file) {
        Ok((_, f)) => f,
        Err(r) => return r,
    };
    let basis = match p.basis.as_deref().map(Basis::parse) {
        None => Basis::Due,
        Some(Some(b)) => b,
        Some(None) => {
            return plain(
                StatusCode::UNPROCESSABLE_ENTITY,
                "basis: use due or invoice",
            )
        }
    };
    let as_of = p.as_of.unwrap_or_else(|| business_date(state.clock.now()));
    let rows = match AgingRows::new(state.store.as_ref(), user, as_of, basis).await {
        Ok(rows) => rows,
        Err(e) => return internal(e),
    };
    let name = format!(
        "aging-{as_of}-{}.{}",
        basis.as_str(),
        file.rsplit('.').next().unwrap_or("csv")
    );
    let body = stream_file::body(format, rows, state.store.clone());
    download(&name, format, body)
}

/// Customers listed per page of the aging export.
const AGING_PAGE: i64 = 500;

/// The aging export's rows: one per customer with open items (in the list's order), a
/// page of customers at a time, then a total row equal to the report's bucket totals.
struct AgingRows {
    per_customer: std::collections::BTreeMap<i64, Vec<i64>>,
    keys: Vec<String>,
    totals: Vec<i64>,
    scope: app::domain::auth::Scope,
    as_of: NaiveDate,
    basis: Basis,
    offset: i64,
    done: bool,
}

impl AgingRows {
    /// Everything that can fail before the first byte: the edges and the open items.
    async fn new(
        store: &dyn app::store::Store,
        user: &User,
        as_of: NaiveDate,
        basis: Basis,
    ) -> Result<AgingRows, String> {
        let edges = app::ledger::aging_edges(store, basis)
            .await
            .map_err(|e| e.to_string())?;
        let items = store
            .open_items(user.scope(), as_of)
            .await
            .map_err(|e| e.to_string())?;
        Ok(AgingRows {
            per_customer: aging::by_customer(as_of, &edges, &items),
            keys: (0..edges.bucket_count()).map(|i| edges.key(i)).collect(),
            totals: vec![0; edges.bucket_count()],
            scope: user.scope(),
            as_of,
            basis,
            offset: 0,
            done: false,
        })
    }
}

fn book_money(minor: i64) -> Cell {
    Cell::Money(app::domain::money::Money::from_minor(minor, BOOK_CURRENCY).amount())
}

#[async_trait::async_trait]
impl PagedRows for AgingRows {
    const SHEET: &'static str = "aging";

    fn headers(&self) -> Vec<String> {
        let fixed = ["customer_code", "customer_name", "region", "sales_rep"];
        let mut headers: Vec<String> = fixed.iter().map(|h| h.to_string()).collect();
        headers.extend(self.keys.iter().cloned());
        headers.push("total".into());
        headers
    }

    async fn next_rows(
        &mut self,
        store: &dyn app::store::Store,
    ) -> Result<Option<Vec<Vec<Cell>>>, String> {
        if self.done {
            return Ok(None);
        }
        let q = CustomerQuery {
            search: None,
            limit: AGING_PAGE,
            offset: self.offset,
        };
        let page = store
            .list_customers(&q, self.scope, self.as_of)
            .await
            .map_err(|e| e.to_string())?;
        self.offset += page.len() as i64;
        self.done = (page.len() as i64) < AGING_PAGE;
        let mut rows = Vec::new();
        for c in &page {
            let Some(buckets) = self.per_customer.get(&c.id) else {
                continue;
            };
            let mut row = vec![
                Cell::Text(c.code.to_string()),
                Cell::Text(c.name.clone()),
                Cell::Text(c.region.clone()),
                Cell::Text(c.sales_rep.clone().unwrap_or_default()),
            ];
            for (i, m) in buckets.iter().enumerate() {
                self.totals[i] += m;
                row.push(book_money(*m));
            }
            row.push(book_money(buckets.iter().sum()));
            rows.push(row);
        }
        Ok(Some(rows))
    }

    fn total(&self) -> Vec<Cell> {
        let mut row = vec![
            Cell::Text("TOTAL".into()),
            Cell::Text(format!(
                "as of {}, {} basis",
                self.as_of,
                self.basis.as_str()
            )),
            Cell::Empty,
            Cell::Empty,
        ];
        row.extend(self.totals.iter().map(|m| book_money(*m)));
        row.push(book_money(self.totals.iter().sum()));
        row
    }
}

/// `GET /export/template/invoices.xlsx`: an empty file with the import's header row.
async fn template_file(Extension(viewer): Extension<Viewer>, Path(file): Path<String>) -> Response {
    if let Err(r) = allowed(&viewer, Permission::ImportData) {
        return r;
    }
    let kind = match split_file(&file).map(|(stem, _)| ImportKind::parse(stem)) {
        Ok(Ok(k)) => k,
        Ok(Err(m)) => return plain(StatusCode::NOT_FOUND, &m),
        Err(r) => return r,
    };
    match crate::import::template(kind, &file) {
        Ok(bytes) => download(
            &format!("creditdesk-{file}"),
            split_file(&file).map(|(_, f)| f).unwrap_or(Format::Csv),
            bytes,
        ),
        Err(m) => plain(StatusCode::NOT_FOUND, &m),
    }
}

/// `GET /export/attachment/{application}/{id}`: an application's attachment, to whoever
/// may see the application. Served with its checked type, as a download, and with
/// `nosniff`, so a browser never runs it as anything else.
async fn attachment_file(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((application, id)): Path<(i64, i64)>,
) -> Response {
    let user = match allowed(&viewer, Permission::ViewApplications) {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    if let Err(e) =
        app::api::approvals::visible_application(state.store.as_ref(), &user, application).await
    {
        return app_error(e);
    }
    match state.store.attachment(application, id).await {
        Ok(Some((a, bytes))) => (
            [
                (header::CONTENT_TYPE, a.kind.mime().to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"attachment-{id}\"; filename*=UTF-8''{}",
                        app::url::percent_encode(&a.filename)
                    ),
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => plain(StatusCode::NOT_FOUND, "no such attachment"),
        Err(e) => internal(e),
    }
}

fn internal(e: impl std::fmt::Display) -> Response {
    let id = app::error::AppError::internal(e);
    plain(StatusCode::INTERNAL_SERVER_ERROR, &id.to_string())
}

/// A refusal the caller can fix, with its message; anything else is logged with a
/// correlation id and answered without detail.
fn app_error(e: app::error::AppError) -> Response {
    use app::error::AppError;
    match e {
        AppError::Invalid(m) => plain(StatusCode::UNPROCESSABLE_ENTITY, &m),
        AppError::NotFound => plain(StatusCode::NOT_FOUND, "not found"),
        AppError::Unauthenticated => plain(StatusCode::UNAUTHORIZED, "sign in first"),
        AppError::Forbidden => plain(StatusCode::FORBIDDEN, "you do not have permission for this"),
        other => plain(StatusCode::INTERNAL_SERVER_ERROR, &other.to_string()),
    }
}

fn value_cell(v: &app::domain::report::Value) -> Cell {
    use app::domain::report::Value;
    match v {
        Value::Text(t) => Cell::Text(t.clone()),
        Value::Money(m) => Cell::Money(m.amount()),
        Value::Int(n) => Cell::Int(*n),
        Value::Pct(p) => p.map(Cell::Money).unwrap_or(Cell::Empty),
    }
}

fn figure_cell(f: &app::domain::report::Figure) -> Cell {
    use app::domain::report::Figure;
    match f {
        Figure::Money(m) => Cell::Money(m.amount()),
        Figure::Number(n) => n.map(Cell::Money).unwrap_or(Cell::Empty),
        Figure::Count(n) => Cell::Int(*n),
    }
}

#[derive(serde::Deserialize)]
pub struct ReportParams {
    kind: Option<String>,
    period: Option<String>,
    rep: Option<String>,
    region: Option<String>,
    grade: Option<String>,
}

/// `GET /export/report/credit-report.xlsx?period=2026-11&region=…`: the credit report as
/// a workbook, one sheet per section (KPIs, movements, aging, top overdue, reps, trend,
/// changes), money as numbers.
async fn report_file(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(file): Path<String>,
    Query(p): Query<ReportParams>,
) -> Response {
    let user = match allowed(&viewer, Permission::ViewCockpit) {
        Ok(u) => u,
        Err(r) => return r,
    };
    if !matches!(split_file(&file), Ok((_, Format::Xlsx))) {
        return plain(
            StatusCode::NOT_FOUND,
            "the credit report downloads as .xlsx",
        );
    }
    let today = business_date(state.clock.now());
    let period =
        match app::api::reports::chosen_period(p.kind.as_deref(), p.period.as_deref(), today) {
            Ok(p) if p.start() <= today => p,
            Ok(p) => {
                return plain(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &format!("period: {} has not started yet", p.key()),
                )
            }
            Err(m) => return plain(StatusCode::UNPROCESSABLE_ENTITY, &m),
        };
    let store = state.store.as_ref();
    let slice = match app::api::cockpit::slice_for(user, store, &p.rep, &p.region, &p.grade).await {
        Ok(s) => s,
        Err(e) => return app_error(e),
    };
    let report = match app::ledger::credit_report(store, slice, period, today).await {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    match report_workbook(&report) {
        Ok(bytes) => download(
            &format!("credit-report-{}.xlsx", period.key()),
            Format::Xlsx,
            bytes,
        ),
        Err(e) => internal(e),
    }
}

fn report_workbook(r: &app::domain::report::CreditReport) -> Result<Vec<u8>, String> {
    let money = |m: app::domain::money::Money| Cell::Money(m.amount());
    let text = |s: &str| Cell::Text(s.to_string());
    let heads = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let pct = |p: Option<rust_decimal::Decimal>| p.map(Cell::Money).unwrap_or(Cell::Empty);
    let mv = &r.movements;
    let d = &r.end;
    let sheets = vec![
        (
            "kpis".to_string(),
            heads(&["kpi", "start", "end", "change"]),
            r.kpis
                .iter()
                .map(|k| {
                    vec![
                        text(&k.key),
                        figure_cell(&k.start),
                        figure_cell(&k.end),
                        figure_cell(&k.change),
                    ]
                })
                .collect(),
        ),
        (
            "movements".to_string(),
            heads(&["line", "amount"]),
            vec![
                vec![text("opening"), money(mv.opening)],
                vec![text("invoiced"), money(mv.invoiced)],
                vec![text("payments"), money(mv.payments)],
                vec![text("credit_notes"), money(mv.credit_notes)],
                vec![text("write_offs"), money(mv.write_offs)],
                vec![text("reversals"), money(mv.reversals)],
                vec![text("closing"), money(mv.closing)],
                vec![text("cash_received"), money(mv.cash_received)],
            ],
        ),
        (
            "aging".to_string(),
            heads(&["bucket", "amount", "share_pct"]),
            d.aging
                .iter()
                .map(|b| {
                    vec![
                        text(&b.key),
                        money(b.amount),
                        pct(app::domain::money::percent(b.amount, d.kpis.open)),
                    ]
                })
                .collect(),
        ),
        (
            "top_overdue".to_string(),
            heads(&[
                "customer_code",
                "customer_name",
                "overdue",
                "max_days_overdue",
            ]),
            d.top_overdue
                .iter()
                .map(|c| {
                    vec![
                        text(&c.code),
                        text(&c.name),
                        money(c.overdue),
                        Cell::Int(c.max_days_overdue),
                    ]
                })
                .collect(),
        ),
        (
            "reps".to_string(),
            heads(&["rep", "collected", "due", "collection_rate_pct"]),
            r.reps
                .iter()
                .map(|p| {
                    vec![
                        text(&p.name),
                        money(p.collected),
                        money(p.due),
                        pct(p.collection_rate_pct),
                    ]
                })
                .collect(),
        ),
        (
            "trend".to_string(),
            heads(&[
                "month_end",
                "open",
                "overdue",
                "overdue_rate_pct",
                "new_overdue",
                "collected",
                "collection_rate_pct",
            ]),
            d.trend
                .iter()
                .map(|m| {
                    vec![
                        Cell::Date(m.date),
                        money(m.open),
                        money(m.overdue),
                        pct(m.overdue_rate_pct),
                        money(m.new_overdue),
                        money(m.collected),
                        pct(m.collection_rate_pct),
                    ]
                })
                .collect(),
        ),
        (
            "changes".to_string(),
            heads(&[
                "date",
                "customer_code",
                "customer_name",
                "attribute",
                "before",
                "after",
                "by",
            ]),
            r.changes
                .iter()
                .map(|c| {
                    vec![
                        Cell::Date(c.on),
                        text(&c.customer_code),
                        text(&c.customer_name),
                        text(&c.attribute),
                        text(&c.before),
                        text(&c.after),
                        text(&c.actor),
                    ]
                })
                .collect(),
        ),
    ];
    tabular::write_xlsx_sheets(sheets)
}

/// A customer's legal dossier as a workbook (`/export/dossier/{customer_id}.xlsx`): open
/// invoices, promises, disputes and the whole collection log, for those who work
/// collections, within their scope.
async fn dossier_file(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(file): Path<String>,
) -> Response {
    let user = match allowed(&viewer, Permission::WorkCollections) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let customer_id = match split_file(&file) {
        Ok((stem, Format::Xlsx)) => match stem.parse::<i64>() {
            Ok(id) => id,
            Err(_) => return plain(StatusCode::NOT_FOUND, "no such customer"),
        },
        _ => return plain(StatusCode::NOT_FOUND, "the dossier downloads as .xlsx"),
    };
    let today = business_date(state.clock.now());
    let d =
        match app::api::collections::ssr::dossier(state.store.as_ref(), user, customer_id, today)
            .await
        {
            Ok(d) => d,
            Err(e) => return app_error(e),
        };
    match dossier_workbook(&d) {
        Ok(bytes) => download(
            &format!("dossier-{}-{today}.xlsx", d.customer.code.as_str()),
            Format::Xlsx,
            bytes,
        ),
        Err(e) => internal(e),
    }
}

fn dossier_workbook(d: &app::api::collections::Dossier) -> Result<Vec<u8>, String> {
    let money = |m: app::domain::money::Money| Cell::Money(m.amount());
    let text = |s: &str| Cell::Text(s.to_string());
    let heads = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let date = |d: Option<NaiveDate>| d.map(Cell::Date).unwrap_or(Cell::Empty);
    let c = &d.customer;
    let sheets = vec![
        (
            "customer".to_string(),
            heads(&["field", "value"]),
            vec![
                vec![text("code"), text(c.code.as_str())],
                vec![text("name"), text(&c.name)],
                vec![
                    text("uscc"),
                    text(c.uscc.as_ref().map_or("", |u| u.as_str())),
                ],
                vec![text("contact"), text(&c.contact.name)],
                vec![text("phone"), text(&c.contact.phone)],
                vec![text("email"), text(&c.contact.email)],
                vec![text("credit_limit"), money(c.credit_limit)],
                vec![text("status"), text(c.status.as_str())],
                vec![text("as_of"), Cell::Date(d.today)],
            ],
        ),
        (
            "invoices".to_string(),
            heads(&["number", "due_date", "days_past_due", "open", "disputed"]),
            d.invoices
                .iter()
                .map(|i| {
                    let open =
                        app::domain::money::Money::from_minor(i.invoice.open_minor, BOOK_CURRENCY);
                    vec![
                        text(&i.invoice.number),
                        Cell::Date(i.invoice.due_date),
                        Cell::Int(i.days_past_due),
                        money(open),
                        text(if i.disputed { "yes" } else { "" }),
                    ]
                })
                .collect(),
        ),
        (
            "promises".to_string(),
            heads(&[
                "made_on",
                "due_on",
                "grace_days",
                "amount",
                "invoices",
                "status",
                "settled_on",
                "by",
            ]),
            d.promises
                .iter()
                .map(|p| {
                    vec![
                        Cell::Date(p.made_on),
                        Cell::Date(p.due_on),
                        Cell::Int(p.grace_days),
                        money(p.amount),
                        text(&p.invoices.join(", ")),
                        text(p.status.as_str()),
                        date(p.settled_on),
                        text(&p.by),
                    ]
                })
                .collect(),
        ),
        (
            "disputes".to_string(),
            heads(&[
                "opened_on",
                "category",
                "reason",
                "invoices",
                "resolved_on",
                "resolution",
                "by",
            ]),
            d.disputes
                .iter()
                .map(|x| {
                    vec![
                        Cell::Date(x.opened_on),
                        text(x.category.as_str()),
                        text(&x.reason),
                        text(&x.invoices.join(", ")),
                        date(x.resolved_on),
                        text(x.resolution.as_deref().unwrap_or("")),
                        text(&x.by),
                    ]
                })
                .collect(),
        ),
        (
            "log".to_string(),
            heads(&["date", "kind", "who", "detail", "amount"]),
            d.log
                .iter()
                .map(|l| {
                    vec![
                        Cell::Date(l.on),
                        text(l.detail.kind()),
                        text(&l.who),
                        text(&l.detail.text()),
                        l.amount.map(money).unwrap_or(Cell::Empty),
                    ]
                })
                .collect(),
        ),
    ];
    tabular::write_xlsx_sheets(sheets)
}

#[derive(serde::Deserialize)]
pub struct CustomParams {
    period: Option<String>,
}

/// `GET /export/custom/{id}/{name}.csv|.xlsx?period=`: every row of a saved template's
/// run, streamed (`stream_file`).
async fn custom_file(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, file)): Path<(i64, String)>,
    Query(p): Query<CustomParams>,
) -> Response {
    let user = match allowed(&viewer, Permission::ViewReceivables) {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    let format = match split_file(&file) {
        Ok((_, f)) => f,
        Err(r) => return r,
    };
    let saved = match state.store.report_templates().await {
        Ok(all) => match all.into_iter().find(|t| t.id == id) {
            Some(t) => t,
            None => return plain(StatusCode::NOT_FOUND, "no such report template"),
        },
        Err(e) => return internal(e),
    };
    let today = business_date(state.clock.now());
    let period = match app::api::reports::chosen_period(
        Some(saved.template.period().as_str()),
        p.period.as_deref(),
        today,
    ) {
        Ok(p) => p,
        Err(m) => return plain(StatusCode::UNPROCESSABLE_ENTITY, &m),
    };
    let run = app::ledger::TemplateRun::new(saved.template.clone(), user.scope(), period, today);
    let body = stream_file::body(format, TemplateRows(run), state.store.clone());
    let ext = file.rsplit('.').next().unwrap_or("csv");
    let name = format!(
        "{}-{}.{ext}",
        file.rsplit_once('.').map(|(s, _)| s).unwrap_or("report"),
        period.key()
    );
    let mime = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    (
        // A template's name is the user's (often Chinese): RFC 6266's filename* carries it,
        // the plain filename an ASCII stand-in for old clients.
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"report-{id}-{}.{ext}\"; filename*=UTF-8''{}",
                    period.key(),
                    app::url::percent_encode(&name)
                ),
            ),
        ],
        body,
    )
        .into_response()
}

/// A saved template's run as streamed rows.
struct TemplateRows(app::ledger::TemplateRun);

#[async_trait::async_trait]
impl PagedRows for TemplateRows {
    const SHEET: &'static str = "report";

    fn headers(&self) -> Vec<String> {
        self.0.headers()
    }

    async fn next_rows(
        &mut self,
        store: &dyn app::store::Store,
    ) -> Result<Option<Vec<Vec<Cell>>>, String> {
        let rows = self.0.next_rows(store).await.map_err(|e| e.to_string())?;
        Ok(rows.map(|rows| {
            rows.iter()
                .map(|r| r.iter().map(value_cell).collect())
                .collect()
        }))
    }

    fn total(&self) -> Vec<Cell> {
        self.0.total().iter().map(value_cell).collect()
    }
}
