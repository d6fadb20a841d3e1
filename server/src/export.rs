//! File downloads for signed-in users: the aging report as CSV or XLSX, and the import
//! templates.
//!
//! Invariants: deny by default — every handler checks the session's user and permission
//! itself (401 signed out, 403 not allowed); reads stay within the user's scope; CSV
//! text cannot be run as a formula by a spreadsheet (see `tabular::write`).
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

pub fn router() -> Router<AppState> {
    Router::new().route("/aging/{file}", get(aging_file)).route("/template/{file}", get(template_file))
}

fn plain(status: StatusCode, message: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message.to_string()).into_response()
}

fn allowed(viewer: &Viewer, p: Permission) -> Result<&User, Response> {
    match &viewer.0 {
        None => Err(plain(StatusCode::UNAUTHORIZED, "sign in first")),
        Some(u) if u.role.allows(p) => Ok(u),
        Some(_) => Err(plain(StatusCode::FORBIDDEN, "you do not have permission for this")),
    }
}

fn download(file_name: &str, format: Format, bytes: Vec<u8>) -> Response {
    let mime = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    (
        [(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\""))],
        bytes,
    )
        .into_response()
}

/// `(stem, format)` of a requested `name.csv` / `name.xlsx`.
fn split_file(file: &str) -> Result<(&str, Format), Response> {
    let format = Format::from_file_name(file).map_err(|m| plain(StatusCode::NOT_FOUND, &m))?;
    Ok((file.rsplit_once('.').map(|(stem, _)| stem).unwrap_or(file), format))
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
        Some(None) => return plain(StatusCode::UNPROCESSABLE_ENTITY, "basis: use due or invoice"),
    };
    let as_of = p.as_of.unwrap_or_else(|| business_date(state.clock.now()));
    match aging_rows(&state, user, as_of, basis, format).await {
        Ok(bytes) => download(&format!("aging-{as_of}-{}.{}", basis.as_str(), file.rsplit('.').next().unwrap_or("csv")), format, bytes),
        Err(e) => {
            let id = app::error::AppError::internal(e);
            plain(StatusCode::INTERNAL_SERVER_ERROR, &id.to_string())
        }
    }
}

async fn aging_rows(state: &AppState, user: &User, as_of: NaiveDate, basis: Basis, format: Format) -> Result<Vec<u8>, String> {
    let store = state.store.as_ref();
    let edges = app::ledger::aging_edges(store, basis).await.map_err(|e| e.to_string())?;
    let items = store.open_items(user.scope(), as_of).await.map_err(|e| e.to_string())?;
    let per_customer = aging::by_customer(as_of, &edges, &items);
    let q = CustomerQuery { search: None, limit: i64::MAX, offset: 0 };
    let customers = store.list_customers(&q, user.scope(), as_of).await.map_err(|e| e.to_string())?;
    let keys: Vec<String> = (0..edges.bucket_count()).map(|i| edges.key(i)).collect();
    let mut headers: Vec<&str> = vec!["customer_code", "customer_name", "region", "sales_rep"];
    headers.extend(keys.iter().map(String::as_str));
    headers.push("total");
    let money = |minor: i64| Cell::Money(app::domain::money::Money::from_minor(minor, BOOK_CURRENCY).amount());
    let mut totals = vec![0i64; edges.bucket_count()];
    let mut rows = Vec::with_capacity(per_customer.len() + 1);
    for c in &customers {
        let Some(buckets) = per_customer.get(&c.id) else { continue };
        let mut row = vec![
            Cell::Text(c.code.to_string()),
            Cell::Text(c.name.clone()),
            Cell::Text(c.region.clone()),
            Cell::Text(c.sales_rep.clone().unwrap_or_default()),
        ];
        for (i, m) in buckets.iter().enumerate() {
            totals[i] += m;
            row.push(money(*m));
        }
        row.push(money(buckets.iter().sum()));
        rows.push(row);
    }
    let mut total_row = vec![Cell::Text("TOTAL".into()), Cell::Text(format!("as of {as_of}, {} basis", basis.as_str())), Cell::Empty, Cell::Empty];
    total_row.extend(totals.iter().map(|m| money(*m)));
    total_row.push(money(totals.iter().sum()));
    rows.push(total_row);
    tabular::write(format, "aging", &headers, rows)
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
        Ok(bytes) => download(&format!("creditdesk-{file}"), split_file(&file).map(|(_, f)| f).unwrap_or(Format::Csv), bytes),
        Err(m) => plain(StatusCode::NOT_FOUND, &m),
    }
}
