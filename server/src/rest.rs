//! REST API for ERP/CRM systems under /api/v1, authenticated by API key
//! (`Authorization: Bearer <key>`). Keys are created with `creditdesk api-key create`;
//! only their SHA-256 is stored. Unknown query fields are rejected, not ignored, so
//! an integration's typo fails loudly. Money is a decimal string with its currency.
use crate::web::AppState;
use app::domain::customer::CustomerRow;
use app::store::CustomerQuery;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new().route("/customers", get(list_customers)).fallback(not_found)
}

#[derive(Debug, Serialize)]
pub struct ApiError {
    pub error: String,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(ApiError { error: message.into() })).into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such endpoint")
}

/// The calling system's key name, or a 401 response.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<String, Response> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "missing API key (Authorization: Bearer <key>)"))?;
    match state.store.api_key(&app::session::token_hash(key)).await {
        Ok(Some(k)) => Ok(k.name),
        Ok(None) => Err(error(StatusCode::UNAUTHORIZED, "invalid or revoked API key")),
        Err(e) => {
            tracing::error!("api key lookup: {e}");
            Err(error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerListQuery {
    pub q: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct CustomerList {
    pub as_of: NaiveDate,
    pub customers: Vec<CustomerRow>,
}

async fn list_customers(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<CustomerListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Err(r) = authenticate(&state, &headers).await {
        return r;
    }
    let Query(q) = match query {
        Ok(q) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return error(StatusCode::BAD_REQUEST, "limit: must be between 1 and 1000");
    }
    let as_of = q.as_of.unwrap_or_else(|| app::domain::business_date(state.clock.now()));
    let query = CustomerQuery { search: q.q, limit: i64::from(limit), offset: i64::from(q.offset.unwrap_or(0)) };
    match state.store.list_customers(&query, app::domain::auth::Scope::All, as_of).await {
        Ok(customers) => Json(CustomerList { as_of, customers }).into_response(),
        Err(e) => {
            tracing::error!("api list customers: {e}");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}
