//! `POST /api/v1/rule-runs`: runs every enabled daily collection rule for one date, for
//! an admin API key. Idempotent per date: each (rule, date) run is claimed once in the
//! database, so a repeat returns the first run's counts and fires nothing new.
use super::{authenticate, error, internal, ApiError};
use crate::web::AppState;
use app::domain::api_keys::ApiScope;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleRunInput {
    /// The business date to evaluate the rules at.
    #[schema(value_type = String, format = Date, example = "2026-11-29")]
    pub as_of: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleRunCounts {
    pub rule_id: i64,
    pub rule: String,
    /// `ran` (by this call), `already_done` (an earlier run's counts) or `busy` (another
    /// worker is running it now).
    #[schema(example = "ran")]
    pub status: String,
    pub evaluated: i64,
    pub firings: i64,
    pub failures: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleRunReport {
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    pub evaluated: i64,
    pub firings: i64,
    pub failures: i64,
    pub rules: Vec<RuleRunCounts>,
}

#[utoipa::path(
    post,
    path = "/api/v1/rule-runs",
    tag = "rules",
    request_body = RuleRunInput,
    responses(
        (status = 200, description = "Every enabled daily rule's run for the date", body = RuleRunReport),
        (status = 400, description = "Malformed JSON", body = ApiError),
        (status = 422, description = "A bad date or an unknown field, named", body = super::responses::ValidationErrors),
        (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
        (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
        (status = 403, description = "The key lacks the admin scope", body = ApiError),
        (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn run_rules(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let key = match authenticate(&state, &headers, ApiScope::Admin).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let input: RuleRunInput = match serde_json::from_slice(&body) {
        Ok(i) => i,
        // A well-formed body with a bad or unknown field is 422 naming it, as elsewhere.
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            let message = e.to_string();
            let field = message
                .split('`')
                .nth(1)
                .filter(|_| message.contains("field"))
                .unwrap_or("as_of")
                .to_string();
            let errors = super::responses::ValidationErrors {
                errors: vec![app::domain::documents::FieldError::new(field, message)],
            };
            return (StatusCode::UNPROCESSABLE_ENTITY, Json(errors)).into_response();
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("malformed JSON: {e}")),
    };
    let clock = state.clock.clone();
    let now = move || clock.now();
    let owner = format!("api:{}", key.name);
    match app::engine::run_date(
        state.store.as_ref(),
        input.as_of,
        "admin",
        &owner,
        &now,
        app::engine::RunLimits::default(),
    )
    .await
    {
        Ok(outcomes) => {
            let rules: Vec<RuleRunCounts> = outcomes
                .into_iter()
                .map(|o| RuleRunCounts {
                    rule_id: o.rule_id,
                    rule: o.rule_name,
                    status: o.status,
                    evaluated: o.run.as_ref().map_or(0, |r| r.evaluated),
                    firings: o.run.as_ref().map_or(0, |r| r.firings),
                    failures: o.run.as_ref().map_or(0, |r| r.failures),
                })
                .collect();
            let report = RuleRunReport {
                as_of: input.as_of,
                evaluated: rules.iter().map(|r| r.evaluated).sum(),
                firings: rules.iter().map(|r| r.firings).sum(),
                failures: rules.iter().map(|r| r.failures).sum(),
                rules,
            };
            Json(report).into_response()
        }
        Err(e) => internal("api rule run", e),
    }
}
