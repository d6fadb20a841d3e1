//! REST API for ERP/CRM systems under /api/v1, authenticated by API key
//! (`Authorization: Bearer <key>`). Keys are created with `creditdesk api-key create`;
//! only their SHA-256 is stored. Unknown query fields are rejected, not ignored, so
//! an integration's typo fails loudly. Money is a decimal string ("1234.50") next to
//! its currency; dates are YYYY-MM-DD. The API describes itself as OpenAPI 3 at
//! `/api/v1/openapi.json` (no key needed), generated from these handlers and types.
use crate::web::AppState;
use app::domain::aging::{self, Basis, Edges, OpenItem};
use app::domain::api_keys::{self, ApiScope, KeyRefusal};
use app::domain::auth::Scope;
use app::domain::customer::{CustomerCode, CustomerRow};
use app::domain::money::Currency;
use app::domain::BOOK_CURRENCY;
use app::store::{ApiKey, CustomerQuery};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

mod documents;
mod etag;
mod feed;
mod openapi;
mod responses;
mod rule_runs;

pub use openapi::ApiDoc;

/// The API's routes and its OpenAPI document, built together: each route is added with
/// `routes!` from its handler's `#[utoipa::path]`, so a route cannot be served without
/// being documented, and the document cannot list a path that is not routed. The one
/// exception is the document itself.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(list_customers, documents::create_customer))
        .routes(routes!(documents::get_customer, documents::patch_customer))
        .routes(routes!(documents::get_credit))
        .routes(routes!(documents::list_groups, documents::create_group))
        .routes(routes!(documents::patch_group))
        .routes(routes!(feed::list_invoices, documents::create_invoice))
        .routes(routes!(feed::get_invoice))
        .routes(routes!(feed::list_orders, documents::create_order))
        .routes(routes!(feed::get_order))
        .routes(routes!(feed::list_payments, documents::create_payment))
        .routes(routes!(feed::get_payment))
        .routes(routes!(
            feed::list_credit_notes,
            documents::create_credit_note
        ))
        .routes(routes!(feed::get_credit_note))
        .routes(routes!(
            documents::bills::list_bills,
            documents::bills::create_bill
        ))
        .routes(routes!(documents::bills::get_bill))
        .routes(routes!(documents::bills::take_step))
        .routes(routes!(documents::credit_check))
        .routes(routes!(aging))
        .routes(routes!(dashboard))
        .routes(routes!(rule_runs::run_rules))
}

/// Everything under `/api/v1`: the documented routes, the document, and a JSON 404.
pub fn router() -> Router<AppState> {
    let (routes, _) = api().split_for_parts();
    routes
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1", any(not_found))
        .route("/api/v1/{*rest}", any(not_found))
}

/// Every error but 422: what went wrong, in a sentence.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    #[schema(example = "invalid or revoked API key")]
    pub error: String,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(ApiError {
            error: message.into(),
        }),
    )
        .into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such endpoint")
}

/// Each key's requests in the current minute, against its `rate_per_minute`.
#[derive(Default)]
pub struct KeyLimiter(std::sync::Mutex<std::collections::HashMap<i64, (i64, u32)>>);

impl KeyLimiter {
    fn charge(&self, key: &ApiKey, now: chrono::DateTime<chrono::Utc>) -> Result<(), u64> {
        let mut windows = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let window = windows.entry(key.id).or_default();
        app::domain::api_keys::charge(window, key.rate_per_minute, now)
    }
}

/// The calling system's key if it may call an endpoint needing `needed`: 401 for a
/// missing, unknown, revoked or expired key, 403 naming a missing scope, 429 with
/// `Retry-After` past the key's rate. Its last-used time moves on once a minute.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    needed: ApiScope,
) -> Result<ApiKey, Response> {
    let secret = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let Some(secret) = secret else {
        let message = "missing API key (Authorization: Bearer <key>)";
        return Err(refuse(
            state,
            None,
            StatusCode::UNAUTHORIZED,
            message.into(),
        ));
    };
    let key = match state.store.api_key(&app::session::token_hash(secret)).await {
        Ok(Some(k)) => k,
        Ok(None) => {
            let message = "invalid API key".into();
            return Err(refuse(state, None, StatusCode::UNAUTHORIZED, message));
        }
        Err(e) => return Err(internal("api key lookup", e)),
    };
    let now = state.clock.now();
    let revoked = key.revoked_at.is_some();
    if let Err(refusal) = api_keys::admit(key.scopes, revoked, key.expires_at, needed, now) {
        let status = match refusal {
            KeyRefusal::Missing(_) => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        };
        return Err(refuse(state, Some(&key.name), status, refusal.message()));
    }
    if let Err(secs) = state.api_limiter.charge(&key, now) {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate limit reached for this API key",
        );
        r.headers_mut().insert(header::RETRY_AFTER, secs.into());
        return Err(r);
    }
    if key
        .last_used_at
        .is_none_or(|t| app::domain::sessions::needs_touch(t, now))
    {
        if let Err(e) = state.store.touch_api_key(key.id, now).await {
            tracing::warn!("recording an API key's use failed: {e}");
        }
    }
    Ok(key)
}

/// Every endpoint's first step: a valid key, then a strictly parsed query (400 naming
/// the field otherwise).
async fn authorised_query<Q>(
    state: &AppState,
    headers: &HeaderMap,
    query: Result<Query<Q>, QueryRejection>,
) -> Result<Q, Response> {
    authenticate(state, headers, ApiScope::Read).await?;
    query
        .map(|Query(q)| q)
        .map_err(|e| error(StatusCode::BAD_REQUEST, e.body_text()))
}

/// A refused call, answered with `message` and audited as `access_denied` under
/// `api:<key name>` (batched, off the request's path, like refused sign-ins).
fn refuse(state: &AppState, key: Option<&str>, status: StatusCode, message: String) -> Response {
    tracing::warn!(key = key.unwrap_or("-"), %message, "API call refused");
    state.login_guard.audit(app::login_guard::Refusal {
        entity: "access",
        username: format!("api:{}", key.unwrap_or("unknown key")),
        detail: message.clone(),
        action: "access_denied",
    });
    error(status, message)
}

/// Logs the details; the caller sees only that something failed on our side.
fn internal(context: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!("{context}: {e}");
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomerListQuery {
    /// Search text.
    pub q: Option<String>,
    /// Default: today (Asia/Shanghai).
    pub as_of: Option<NaiveDate>,
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u32>,
    #[param(default = 0)]
    pub offset: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerList {
    pub as_of: NaiveDate,
    #[schema(value_type = Vec<openapi::CustomerRowSchema>)]
    pub customers: Vec<CustomerRow>,
}

/// Customers with their open and overdue amounts at `as_of`.
#[utoipa::path(
    get,
    path = "/api/v1/customers",
    tag = "customers",
    params(CustomerListQuery),
    responses(
        (status = 200, description = "One page of customers", body = CustomerList),
        (status = 400, description = "Unknown or malformed query field, or limit out of range", body = ApiError),
        (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
        (status = 403, description = "The key lacks this endpoint's scope", body = ApiError),
        (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
        (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
    ),
    security(("bearer" = [])),
)]
async fn list_customers(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<CustomerListQuery>, QueryRejection>,
) -> Response {
    let q = match authorised_query(&state, &headers, query).await {
        Ok(q) => q,
        Err(r) => return r,
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return error(StatusCode::BAD_REQUEST, "limit: must be between 1 and 1000");
    }
    let as_of = q
        .as_of
        .unwrap_or_else(|| app::domain::business_date(state.clock.now()));
    let query = CustomerQuery {
        search: q.q,
        limit: i64::from(limit),
        offset: i64::from(q.offset.unwrap_or(0)),
    };
    match state.store.list_customers(&query, Scope::All, as_of).await {
        Ok(customers) => Json(CustomerList { as_of, customers }).into_response(),
        Err(e) => internal("api list customers", e),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgingQuery {
    /// Default: today (Asia/Shanghai).
    pub as_of: Option<NaiveDate>,
    /// Default: `due`.
    #[param(value_type = Option<openapi::BasisSchema>)]
    pub basis: Option<Basis>,
    /// One customer's aging; default: the whole book.
    #[param(example = "ERP-1001")]
    pub customer_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgingBucket {
    /// The bucket's key, such as `current` or `1-30`.
    pub key: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "1234.50")]
    pub amount: rust_decimal::Decimal,
}

/// Aging in the book currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgingReport {
    pub as_of: NaiveDate,
    #[schema(value_type = openapi::BasisSchema)]
    pub basis: Basis,
    #[schema(value_type = openapi::CurrencySchema)]
    pub currency: Currency,
    pub buckets: Vec<AgingBucket>,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "250000.00")]
    pub total_open: rust_decimal::Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "40000.00")]
    pub overdue_amount: rust_decimal::Decimal,
}

/// Point-in-time aging of the whole book or one customer.
///
/// The buckets are the standard edges of the basis.
#[utoipa::path(
    get,
    path = "/api/v1/aging",
    tag = "reports",
    params(AgingQuery),
    responses(
        (status = 200, description = "The aging summary", body = AgingReport),
        (status = 400, description = "Unknown or malformed query field", body = ApiError),
        (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
        (status = 403, description = "The key lacks this endpoint's scope", body = ApiError),
        (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
        (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
        (status = 404, description = "No customer with that code", body = ApiError),
    ),
    security(("bearer" = [])),
)]
async fn aging(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<AgingQuery>, QueryRejection>,
) -> Response {
    let q = match authorised_query(&state, &headers, query).await {
        Ok(q) => q,
        Err(r) => return r,
    };
    let as_of = q
        .as_of
        .unwrap_or_else(|| app::domain::business_date(state.clock.now()));
    let edges = Edges::standard(q.basis.unwrap_or(Basis::Due));
    let items = match &q.customer_code {
        Some(code) => customer_open_items(&state, code, as_of).await,
        None => state
            .store
            .open_items(Scope::All, as_of)
            .await
            .map_err(|e| internal("api aging", e)),
    };
    let summary = match items.and_then(|items| {
        aging::summarize(as_of, BOOK_CURRENCY, &edges, &items).map_err(|e| internal("api aging", e))
    }) {
        Ok(s) => s,
        Err(r) => return r,
    };
    Json(AgingReport {
        as_of,
        basis: summary.basis,
        currency: BOOK_CURRENCY,
        buckets: summary
            .buckets
            .into_iter()
            .map(|b| AgingBucket {
                key: b.key,
                amount: b.amount.amount(),
            })
            .collect(),
        total_open: summary.total.amount(),
        overdue_amount: summary.overdue.amount(),
    })
    .into_response()
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// Default: today (Asia/Shanghai).
    pub as_of: Option<NaiveDate>,
    /// At most one of rep (a user id), region and grade (A–D, or `-` for ungraded).
    pub rep: Option<String>,
    pub region: Option<String>,
    pub grade: Option<String>,
}

/// The executive cockpit as JSON, for BI tools and checks.
///
/// Every KPI (open, overdue, overdue rate, collected this month, collection rate, DSO by
/// countback over 3 months, best possible DSO, ADD, CEI, customer counts), the aging
/// buckets on finance's edges, the grade mix, the top 10 overdue customers, rep
/// collection performance, the 12-month trend, the portfolio alerts that trip and the
/// alert rules they were evaluated with.
/// Money is `{"amount": "decimal string", "currency": "CNY"}`; rates are percent strings.
#[utoipa::path(
    get,
    path = "/api/v1/dashboard",
    tag = "reports",
    params(DashboardQuery),
    responses(
        (status = 200, description = "The cockpit's figures", body = Object),
        (status = 400, description = "Unknown or malformed query field", body = ApiError),
        (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
        (status = 403, description = "The key lacks this endpoint's scope", body = ApiError),
        (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
        (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn dashboard(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Response {
    let q = match authorised_query(&state, &headers, query).await {
        Ok(q) => q,
        Err(r) => return r,
    };
    let slice = match app::domain::dashboard::Slice::parse(
        q.rep.as_deref(),
        q.region.as_deref(),
        q.grade.as_deref(),
    ) {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let as_of = q
        .as_of
        .unwrap_or_else(|| app::domain::business_date(state.clock.now()));
    match app::ledger::dashboard(state.store.as_ref(), slice, as_of).await {
        Ok(d) => Json(d).into_response(),
        Err(e) => internal("api dashboard", e),
    }
}

/// One customer's open items at `as_of`, or the 400/404/500 that says why not.
async fn customer_open_items(
    state: &AppState,
    code: &str,
    as_of: NaiveDate,
) -> Result<Vec<OpenItem>, Response> {
    let code = CustomerCode::parse(code)
        .map_err(|e| error(StatusCode::BAD_REQUEST, format!("customer_code: {e}")))?;
    let id = state
        .store
        .customer_id_by_code(code.as_str())
        .await
        .map_err(|e| internal("api aging", e))?
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                format!("customer_code: no customer '{code}'"),
            )
        })?;
    let lines = state
        .store
        .open_invoices(id, as_of)
        .await
        .map_err(|e| internal("api aging", e))?;
    Ok(lines.iter().map(|l| l.open_item(id)).collect())
}
