//! The writing half of the ERP API: customers, invoices, orders, payments, credit notes
//! and credit checks.
//!
//! Invariants:
//! - a body is parsed strictly (unknown fields, over-precise or negative amounts and bad
//!   dates are refused with 422 `{"errors":[{"field","message"}]}`; malformed JSON is
//!   400) before anything touches the database;
//! - every write is one store transaction with its audit rows, the actor being the API
//!   key's name;
//! - with an `Idempotency-Key`, the first response is stored and replayed verbatim; the
//!   same key on a different request is 422. A write's response is saved in the write's
//!   own transaction (`Writer`), so no crash can separate them. Without a key, document
//!   numbers are the guard: re-posting a number is 409 and changes nothing;
//! - every body is one of the structs in `responses` (or `ApiError`), and every handler
//!   carries its `#[utoipa::path]`, so `/api/v1/openapi.json` describes what runs.
use super::responses::{
    allocations, money, CreditCheckResult, CreditNote, CreditSummary, Customer, Group, GroupList,
    Invoice, Order, Payment, ValidationErrors,
};
use super::{authenticate, error, internal, ApiError};
use crate::web::AppState;
use app::domain::api_keys::ApiScope;
use app::domain::credit::CreditCheck;
use app::domain::credit::CreditPolicy;
use app::domain::customer::{CustomerCode, CustomerFile};
use app::domain::documents::PaymentDraft;
use app::domain::documents::{
    CreditCheckInput, CreditNoteInput, CustomerInput, CustomerPatchInput, FieldError, InvoiceInput,
    OrderInput, PaymentInput,
};
use app::domain::groups::{GroupInput, GroupPatchInput, GroupRow, NewGroup};
use app::domain::money::Money;
use app::ledger::{self, LedgerError};
use app::store::{
    ApiKey, Claim, NewCreditNote, NewInvoice, NewOrder, PostedPayment, Store, StoreError,
    StoredResponse, Written,
};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A handler's outcome before it becomes an HTTP response (so it can be stored).
type Outcome = (StatusCode, Value);

/// A response struct as an outcome (a 500 in the unreachable case it does not serialise).
fn outcome(status: StatusCode, body: impl Serialize) -> Outcome {
    serde_json::to_value(body)
        .map(|v| (status, v))
        .unwrap_or_else(|e| {
            tracing::error!("api response body: {e}");
            let body = ApiError {
                error: "internal error".into(),
            };
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                serde_json::to_value(body).unwrap_or_default(),
            )
        })
}

fn api_error(status: StatusCode, message: impl Into<String>) -> Outcome {
    outcome(
        status,
        ApiError {
            error: message.into(),
        },
    )
}

fn errors(list: impl IntoIterator<Item = FieldError>) -> Outcome {
    outcome(
        StatusCode::UNPROCESSABLE_ENTITY,
        ValidationErrors {
            errors: list.into_iter().collect(),
        },
    )
}

fn failed(context: &str, e: LedgerError) -> Outcome {
    match e {
        LedgerError::Invalid(list) => errors(list.into_iter().map(|(_, f)| f)),
        LedgerError::Store(StoreError::Rejected(f)) => errors([f]),
        LedgerError::Store(StoreError::Conflict(m)) => api_error(StatusCode::CONFLICT, m),
        LedgerError::Store(StoreError::NotFound) => api_error(StatusCode::NOT_FOUND, "not found"),
        LedgerError::Store(StoreError::Other(m)) => {
            tracing::error!("{context}: {m}");
            api_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

/// Strict JSON: syntax errors are 400; unknown, missing or mistyped fields are 422
/// naming the field.
fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, Outcome> {
    serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        let msg = e.to_string();
        match e.classify() {
            Category::Data => {
                let field = msg
                    .split('`')
                    .nth(1)
                    .filter(|_| msg.contains("field"))
                    .unwrap_or("body")
                    .to_string();
                errors([FieldError::new(field, msg)])
            }
            _ => api_error(StatusCode::BAD_REQUEST, format!("malformed JSON: {msg}")),
        }
    })
}

/// Strict JSON, then the document's own parse: the draft, or the 400/422 outcome.
fn parse_input<I: DeserializeOwned, D>(
    body: &[u8],
    parse: impl Fn(&I) -> Result<D, Vec<FieldError>>,
) -> Result<D, Outcome> {
    let input: I = parse_body(body)?;
    parse(&input).map_err(errors)
}

fn actor(key: &ApiKey) -> String {
    format!("api:{}", key.name)
}

/// The credit policy finance configured (`credit.overdue_days`), or the default.
pub(crate) async fn policy(state: &AppState) -> CreditPolicy {
    let policy = app::domain::settings::CREDIT_POLICY;
    app::settings::get_or_default(state.store.as_ref(), &policy)
        .await
        .unwrap_or_else(|_| CreditPolicy::default())
}

/// Where a handler writes. Without an `Idempotency-Key`, the plain store. With one, a
/// store whose document write also saves, in its own transaction, the response the
/// handler renders for it (`Store::claiming`): a crash can then never leave a write
/// without its stored response, which a retry would otherwise meet as a 409.
struct Writer<'a> {
    state: &'a AppState,
    /// (API key id, Idempotency-Key, request hash)
    idem: Option<(i64, String, String)>,
    claim: std::sync::OnceLock<Arc<Claim>>,
}

impl Writer<'_> {
    fn store(
        &self,
        render: impl Fn(Written<'_>) -> Option<Outcome> + Send + Sync + 'static,
    ) -> Arc<dyn Store> {
        let Some((api_key_id, key, hash)) = &self.idem else {
            return self.state.store.clone();
        };
        let claim = Arc::new(Claim::new(
            *api_key_id,
            key.clone(),
            hash.clone(),
            move |w| render(w).map(|(status, value)| (status.as_u16(), value.to_string())),
        ));
        let _ = self.claim.set(claim.clone());
        self.state.store.claiming(claim)
    }

    /// The response the handler's write saved with itself, if it wrote.
    fn saved(&self) -> Option<StoredResponse> {
        self.claim.get().and_then(|c| c.saved())
    }
}

/// Runs `handler` at most once per (API key, Idempotency-Key).
async fn idempotent<'a, F, Fut>(
    state: &'a AppState,
    key: &ApiKey,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    handler: F,
) -> Response
where
    F: FnOnce(Writer<'a>) -> Fut,
    Fut: std::future::Future<Output = (Outcome, Option<StoredResponse>)>,
{
    let Some(raw) = headers.get("idempotency-key") else {
        let writer = Writer {
            state,
            idem: None,
            claim: Default::default(),
        };
        return respond(handler(writer).await.0);
    };
    let idem = match raw.to_str().map(str::trim) {
        Ok(k) if !k.is_empty() && k.len() <= 255 => k.to_string(),
        _ => {
            return respond(errors([FieldError::new(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )]))
        }
    };
    let mut h = Sha256::new();
    h.update(method.as_str().as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(body);
    let request_hash = hex::encode(h.finalize());
    let replay = |stored: StoredResponse| -> Response {
        if stored.request_hash != request_hash {
            return respond(errors([FieldError::new(
                "Idempotency-Key",
                "was already used with a different request",
            )]));
        }
        let mut r = verbatim(stored);
        r.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
        r
    };
    match state.store.stored_response(key.id, &idem).await {
        Ok(Some(stored)) => return replay(stored),
        Ok(None) => {}
        Err(e) => return internal("idempotency lookup", e),
    }
    let writer = Writer {
        state,
        idem: Some((key.id, idem.clone(), request_hash.clone())),
        claim: Default::default(),
    };
    let ((status, value), saved) = handler(writer).await;
    if let Some(first) = saved {
        // The write committed with this response: it is the first answer.
        return verbatim(first);
    }
    if status.is_server_error() {
        return respond((status, value));
    }
    // Nothing was written (a refusal): save the answer unless a concurrent request with
    // the same key got there first, in which case answer as it did.
    let stored = StoredResponse {
        request_hash: request_hash.clone(),
        status: status.as_u16(),
        body: value.to_string(),
    };
    match state
        .store
        .store_response(key.id, &idem, &stored, state.clock.now())
        .await
    {
        Ok(true) => respond((status, value)),
        Ok(false) => match state.store.stored_response(key.id, &idem).await {
            Ok(Some(first)) => replay(first),
            Ok(None) => respond((status, value)),
            Err(e) => internal("idempotency lookup", e),
        },
        Err(e) => internal("idempotency store", e),
    }
}

/// A stored response, byte for byte.
fn verbatim(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    (status, [("content-type", "application/json")], stored.body).into_response()
}

fn respond((status, value): Outcome) -> Response {
    (status, axum::Json(value)).into_response()
}

/// Authenticates, then runs a POST body through `idempotent`. `$path` is both the
/// documented path and part of the idempotency hash; the responses every POST shares
/// (400, 401, 422) and the `Idempotency-Key` header are documented here.
macro_rules! post_endpoint {
    (
        $(#[doc = $doc:literal])*
        $name:ident, $path:tt, $handler:ident, scope = $scope:ident,
        tag = $tag:tt, request_body = $input:ident,
        responses($($response:tt)*)
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            post,
            path = $path,
            tag = $tag,
            request_body = $input,
            params((
                "Idempotency-Key" = Option<String>, Header, nullable = false,
                description = "1 to 255 visible ASCII characters. A replay returns the first response, marked \
                    `Idempotent-Replayed: true`, with no second effect; the same key with a different request is 422."
            )),
            responses(
                $($response)*
                (status = 400, description = "Malformed JSON", body = ApiError),
                (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
                (status = 403, description = "The key lacks this endpoint's scope", body = ApiError),
                (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
                (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
                (status = 422, description = "Unknown, missing or bad fields, each named", body = ValidationErrors),
            ),
            security(("bearer" = [])),
        )]
        pub(crate) async fn $name(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
            let key = match authenticate(&state, &headers, ApiScope::$scope).await {
                Ok(k) => k,
                Err(r) => return r,
            };
            let (k, b) = (&key, &body[..]);
            idempotent(&state, &key, &Method::POST, $path, &headers, &body, |w| async move {
                let outcome = $handler(&w, k, b).await;
                (outcome, w.saved())
            })
            .await
        }
    };
}

post_endpoint!(
    /// Open a credit file.
    create_customer, "/api/v1/customers", create_customer_outcome, scope = LedgerWrite,
    tag = "customers", request_body = CustomerInput,
    responses(
        (status = 201, description = "The new customer", body = Customer,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 409, description = "The code is taken", body = ApiError),
    )
);
post_endpoint!(
    /// Open a customer group (集团) with a limit of its own, in the book currency.
    ///
    /// Customers join with `group_code` (on create or PATCH); a credit check then takes the
    /// lower of the customer's and the group's available credit (reason `group_over_limit`).
    create_group, "/api/v1/customer-groups", create_group_outcome, scope = CreditWrite,
    tag = "customers", request_body = GroupInput,
    responses(
        (status = 201, description = "The new group", body = Group,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 409, description = "The code is taken", body = ApiError),
    )
);
post_endpoint!(
    /// Post an invoice.
    ///
    /// Without `due_date`, it is the invoice date plus the customer's payment terms.
    create_invoice, "/api/v1/invoices", create_invoice_outcome, scope = LedgerWrite,
    tag = "documents", request_body = InvoiceInput,
    responses(
        (status = 201, description = "The posted invoice", body = Invoice,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 409, description = "The invoice number exists", body = ApiError),
    )
);
post_endpoint!(
    /// Post an order; its credit check is stored with it.
    ///
    /// Only `approved` orders count toward the customer's exposure.
    create_order, "/api/v1/orders", create_order_outcome, scope = LedgerWrite,
    tag = "documents", request_body = OrderInput,
    responses(
        (status = 201, description = "The posted order and its credit check", body = Order,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 409, description = "The order number exists", body = ApiError),
    )
);
post_endpoint!(
    /// Post a payment.
    ///
    /// Without `allocations` it settles open invoices FIFO by due date; with them (even
    /// empty), exactly those. What is left stays a credit on the account.
    create_payment, "/api/v1/payments", create_payment_outcome, scope = LedgerWrite,
    tag = "documents", request_body = PaymentInput,
    responses(
        (status = 201, description = "The posted payment and what it settled", body = Payment,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 409, description = "The payment reference exists", body = ApiError),
    )
);
post_endpoint!(
    /// Post a credit note, reducing one invoice or as an unallocated credit.
    create_credit_note, "/api/v1/credit-notes", create_credit_note_outcome, scope = LedgerWrite,
    tag = "documents", request_body = CreditNoteInput,
    responses(
        (status = 201, description = "The posted credit note", body = CreditNote,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 409, description = "The credit note number exists", body = ApiError),
    )
);
post_endpoint!(
    /// Check an amount against a customer's credit, as an order would be; writes nothing.
    credit_check, "/api/v1/credit-checks", credit_check_outcome, scope = Read,
    tag = "credit", request_body = CreditCheckInput,
    responses(
        (status = 200, description = "The decision", body = CreditCheckResult),
    )
);

/// The credit summary of one customer at `as_of`: limits and exposure from the
/// maintained balances, open and overdue from the point-in-time ledger.
async fn credit_summary(
    state: &AppState,
    f: &CustomerFile,
    as_of: NaiveDate,
) -> Result<CreditSummary, StoreError> {
    let position = state.store.credit_position(f.id, as_of).await?;
    let lines = state.store.open_invoices(f.id, as_of).await?;
    let cur = f.credit_limit.currency();
    let sum = |pred: &dyn Fn(&app::domain::invoice::InvoiceLine) -> bool| {
        Money::from_minor(
            lines
                .iter()
                .filter(|l| pred(l))
                .map(|l| l.open.minor())
                .sum(),
            cur,
        )
    };
    let exposure = position
        .exposure
        .total()
        .map_err(|e| StoreError::Other(e.to_string()))?;
    let available = position
        .effective_limit
        .checked_sub(exposure)
        .map_err(|e| StoreError::Other(e.to_string()))?;
    Ok(CreditSummary {
        as_of,
        credit_limit: money(f.credit_limit),
        temp_limit_active: app::domain::customer::active_temp_limit(f.temp_limit, as_of).map(money),
        exposure: money(exposure),
        available: money(available),
        open_amount: money(sum(&|_| true)),
        overdue_amount: money(sum(&|l| l.days_past_due(as_of) > 0)),
        status: f.status,
        grade: f.grade,
    })
}

async fn file_by_code(state: &AppState, code: &str) -> Result<CustomerFile, Response> {
    let not_found = || error(StatusCode::NOT_FOUND, format!("no customer '{code}'"));
    let code = CustomerCode::parse(code).map_err(|_| not_found())?;
    let id = match state.store.customer_id_by_code(code.as_str()).await {
        Ok(Some(id)) => id,
        Ok(None) => return Err(not_found()),
        Err(e) => return Err(internal("api customer", e)),
    };
    match state
        .store
        .customer_file(id, app::domain::auth::Scope::All)
        .await
    {
        Ok(Some(f)) => Ok(f),
        Ok(None) => Err(not_found()),
        Err(e) => Err(internal("api customer", e)),
    }
}

fn today(state: &AppState) -> NaiveDate {
    app::domain::business_date(state.clock.now())
}

/// One customer, with its credit summary today.
#[utoipa::path(
    get,
    path = "/api/v1/customers/{code}",
    tag = "customers",
    params(
        CodePath,
        ("If-None-Match" = Option<String>, Header, nullable = false,
         description = "The ETag of a copy the client holds: 304 with no body while it is still current"),
    ),
    responses(
        (status = 200, description = "The customer with `credit`, with its ETag", body = Customer),
        (status = 304, description = "Not modified: If-None-Match named the customer's current ETag"),
        (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
        (status = 403, description = "The key lacks this endpoint's scope", body = ApiError),
        (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
        (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
        (status = 404, description = "No such customer", body = ApiError),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn get_customer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let key = match authenticate(&state, &headers, ApiScope::Read).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let f = match file_by_code(&state, &code).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let credit = match credit_summary(&state, &f, today(&state)).await {
        Ok(c) => c,
        Err(e) => return internal("api customer credit", e),
    };
    let unmasked = key.scopes.contains(ApiScope::PiiRead);
    let (reader, now) = (actor(&key), state.clock.now());
    let store = state.store.as_ref();
    match app::api::pii::ssr::view(store, f.id, f.code.as_str(), unmasked, &reader, now).await {
        Ok(pii) => {
            let customer = Customer {
                pii: Some(pii),
                ..Customer::new(&f, Some(credit))
            };
            super::etag::tagged(&headers, &customer)
        }
        Err(e) => internal("api customer pii", e),
    }
}

/// The `{code}` of the customer URLs (documentation only: handlers take `Path<String>`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(crate) struct CodePath {
    /// The customer code (case-insensitive).
    #[param(example = "ERP-1001")]
    code: String,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AsOfQuery {
    /// Default: today (Asia/Shanghai).
    as_of: Option<NaiveDate>,
}

/// A customer's credit position at `as_of`.
#[utoipa::path(
    get,
    path = "/api/v1/customers/{code}/credit",
    tag = "credit",
    params(CodePath, AsOfQuery),
    responses(
        (status = 200, description = "The credit summary", body = CreditSummary),
        (status = 400, description = "Unknown or malformed query field", body = ApiError),
        (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
        (status = 403, description = "The key lacks this endpoint's scope", body = ApiError),
        (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
        (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
        (status = 404, description = "No such customer", body = ApiError),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn get_credit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    query: Result<Query<AsOfQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match super::authorised_query(&state, &headers, query).await {
        Ok(q) => q,
        Err(r) => return r,
    };
    let f = match file_by_code(&state, &code).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    match credit_summary(&state, &f, q.as_of.unwrap_or_else(|| today(&state))).await {
        Ok(c) => axum::Json(c).into_response(),
        Err(e) => internal("api customer credit", e),
    }
}

/// Change a customer's status or limits (audited); only the fields sent change.
///
/// `temp_limit: null` removes the temporary limit; a new one needs its expiry.
#[utoipa::path(
    patch,
    path = "/api/v1/customers/{code}",
    tag = "customers",
    params(CodePath),
    request_body = CustomerPatchInput,
    responses(
        (status = 200, description = "The updated customer", body = Customer),
        (status = 400, description = "Malformed JSON", body = ApiError),
        (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
        (status = 403, description = "The key lacks this endpoint's scope", body = ApiError),
        (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
        (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
        (status = 404, description = "No such customer", body = ApiError),
        (status = 422, description = "Unknown or bad fields, each named", body = ValidationErrors),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn patch_customer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    let key = match authenticate(&state, &headers, ApiScope::CreditWrite).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let f = match file_by_code(&state, &code).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let input: CustomerPatchInput = match parse_body(&body) {
        Ok(i) => i,
        Err(o) => return respond(o),
    };
    let patch = match input.parse(f.credit_limit.currency()) {
        Ok(p) => p,
        Err(list) => return respond(errors(list)),
    };
    match state
        .store
        .update_customer(f.id, &patch, &actor(&key), state.clock.now())
        .await
    {
        Ok(updated) => {
            app::events::after_write(state.store.as_ref(), state.clock.now()).await;
            axum::Json(Customer::new(&updated, None)).into_response()
        }
        Err(e) => respond(failed("api patch customer", e.into())),
    }
}

/// The `{code}` of a customer group's URL (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(crate) struct GroupCodePath {
    /// The group code (case-insensitive).
    #[param(example = "ZJ-GROUP")]
    code: String,
}

/// Change a customer group's limit or name (audited); the code never changes. Members'
/// credit checks meet the new limit at once.
#[utoipa::path(
    patch,
    path = "/api/v1/customer-groups/{code}",
    tag = "customers",
    params(GroupCodePath),
    request_body = GroupPatchInput,
    responses(
        (status = 200, description = "The group as it now stands", body = Group),
        (status = 400, description = "Malformed JSON", body = ApiError),
        (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
        (status = 403, description = "The key lacks the credit:write scope", body = ApiError),
        (status = 404, description = "No such group", body = ApiError),
        (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
        (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
        (status = 422, description = "Unknown or bad fields, each named, or nothing to change", body = ValidationErrors),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn patch_group(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    let key = match authenticate(&state, &headers, ApiScope::CreditWrite).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let missing = || {
        respond(api_error(
            StatusCode::NOT_FOUND,
            format!("no customer group '{code}'"),
        ))
    };
    let Ok(group) = CustomerCode::parse(&code) else {
        return missing();
    };
    let patch = match parse_input(&body, GroupPatchInput::parse) {
        Ok(p) => p,
        Err(o) => return respond(o),
    };
    let now = state.clock.now();
    match state
        .store
        .update_group(&group, &patch, &actor(&key), now)
        .await
    {
        Ok(row) => axum::Json(Group::new(&row)).into_response(),
        Err(StoreError::NotFound) => missing(),
        Err(e) => respond(failed("api patch group", e.into())),
    }
}

async fn create_group_outcome(w: &Writer<'_>, key: &ApiKey, body: &[u8]) -> Outcome {
    let group = match parse_input(body, GroupInput::parse) {
        Ok(g) => g,
        Err(o) => return o,
    };
    let render = |g: &NewGroup| {
        let row = GroupRow {
            code: g.code.clone(),
            name: g.name.clone(),
            limit: g.limit,
            exposure: Money::zero(g.limit.currency()),
            members: 0,
        };
        outcome(StatusCode::CREATED, Group::new(&row))
    };
    let store = w.store(move |written| match written {
        Written::Group(g) => Some(render(g)),
        _ => None,
    });
    match store
        .create_group(&group, None, &actor(key), w.state.clock.now())
        .await
    {
        Ok(_) => render(&group),
        Err(e) => failed("api create group", e.into()),
    }
}

/// Every customer group with its limit, members' exposure and availability today.
#[utoipa::path(
    get, path = "/api/v1/customer-groups", tag = "customers",
    responses(
        (status = 200, description = "The groups, by code", body = GroupList),
        (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
        (status = 403, description = "The key lacks the read scope", body = ApiError),
        (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_groups(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = authenticate(&state, &headers, ApiScope::Read).await {
        return r;
    }
    let today = app::domain::business_date(state.clock.now());
    match state.store.groups(None, today).await {
        Ok(groups) => axum::Json(GroupList {
            groups: groups.iter().map(Group::new).collect(),
        })
        .into_response(),
        Err(e) => internal("api list groups", e),
    }
}

async fn create_customer_outcome(w: &Writer<'_>, key: &ApiKey, body: &[u8]) -> Outcome {
    let draft = match parse_input(body, CustomerInput::parse) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let render = |f: &CustomerFile| outcome(StatusCode::CREATED, Customer::new(f, None));
    let store = w.store(move |written| match written {
        Written::Customer(f) => Some(render(f)),
        _ => None,
    });
    let result = async {
        let new = ledger::resolve_customers(store.as_ref(), std::slice::from_ref(&draft)).await?;
        let ids = store
            .insert_customers(&new, &actor(key), w.state.clock.now())
            .await?;
        let file = store
            .customer_file(ids[0], app::domain::auth::Scope::All)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok::<_, LedgerError>(file)
    }
    .await;
    match result {
        Ok(f) => render(&f),
        Err(e) => failed("api create customer", e),
    }
}

fn invoice_body(code: &CustomerCode, i: &NewInvoice) -> Outcome {
    outcome(
        StatusCode::CREATED,
        Invoice {
            number: i.number.clone(),
            customer_code: code.clone(),
            invoice_date: i.invoice_date,
            due_date: i.due_date,
            amount: money(i.amount),
            currency: i.amount.currency(),
            open_amount: money(i.amount),
            order_ref: i.order_ref.clone(),
            ship_date: i.ship_date,
            acceptance_date: i.acceptance_date,
        },
    )
}

async fn create_invoice_outcome(w: &Writer<'_>, key: &ApiKey, body: &[u8]) -> Outcome {
    let draft = match parse_input(body, InvoiceInput::parse) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let code = draft.customer_code.clone();
    let store = w.store(move |written| match written {
        Written::Invoices([i]) => Some(invoice_body(&code, i)),
        _ => None,
    });
    let result = async {
        let new = ledger::resolve_invoices(store.as_ref(), std::slice::from_ref(&draft)).await?;
        store
            .insert_invoices(&new, &actor(key), w.state.clock.now())
            .await?;
        app::events::after_write(store.as_ref(), w.state.clock.now()).await;
        Ok::<_, LedgerError>(new)
    }
    .await;
    match result {
        Ok(new) => match new.as_slice() {
            [i] => invoice_body(&draft.customer_code, i),
            _ => failed(
                "api create invoice",
                LedgerError::Store(StoreError::Other("not one invoice resolved".into())),
            ),
        },
        Err(e) => failed("api create invoice", e),
    }
}

fn order_body(code: &CustomerCode, o: &NewOrder, check: &CreditCheck) -> Outcome {
    outcome(
        StatusCode::CREATED,
        Order {
            number: o.number.clone(),
            customer_code: code.clone(),
            ordered_on: o.ordered_on,
            amount: money(o.amount),
            currency: o.amount.currency(),
            credit_check: CreditCheckResult::from(check),
        },
    )
}

async fn create_order_outcome(w: &Writer<'_>, key: &ApiKey, body: &[u8]) -> Outcome {
    let draft = match parse_input(body, OrderInput::parse) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let code = draft.customer_code.clone();
    let store = w.store(move |written| match written {
        Written::Order(o, check) => Some(order_body(&code, o, check)),
        _ => None,
    });
    let policy = policy(w.state).await;
    let result = async {
        let order = ledger::resolve_order(store.as_ref(), &draft).await?;
        let (id, check) = store.post_order(&order, policy, &actor(key), w.state.clock.now()).await?;
        if check.decision == app::domain::credit::Decision::NeedsApproval {
            // The order is posted either way; its approval item goes to the approval board.
            let reasons: Vec<&str> = check.reasons.iter().map(|r| r.as_str()).collect();
            let filed = ledger::file_order_approval(w.state.store.as_ref(), id, &order, &reasons.join(","), w.state.clock.now()).await;
            if let Err(e) = filed {
                // The order stands; the scheduler files its approval item at its next run.
                tracing::warn!(order = %order.number, error = ?e, "filing the order's approval failed; the scheduler will retry");
            }
        }
        Ok::<_, LedgerError>((order, check))
    }
    .await;
    match result {
        Ok((o, check)) => order_body(&draft.customer_code, &o, &check),
        Err(e) => failed("api create order", e),
    }
}

fn payment_body(draft: &PaymentDraft, p: &PostedPayment) -> Outcome {
    outcome(
        StatusCode::CREATED,
        Payment {
            reference: p.reference.clone(),
            customer_code: draft.customer_code.clone(),
            received_on: draft.received_on,
            amount: format!("{:.2}", draft.amount),
            currency: p.unallocated.currency(),
            allocations: allocations(&p.allocations),
            unallocated: money(p.unallocated),
            reversed: false,
        },
    )
}

async fn create_payment_outcome(w: &Writer<'_>, key: &ApiKey, body: &[u8]) -> Outcome {
    let draft = match parse_input(body, PaymentInput::parse) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let d = draft.clone();
    let store = w.store(move |written| match written {
        Written::Payments([p]) => Some(payment_body(&d, p)),
        _ => None,
    });
    match ledger::post_payment(store.as_ref(), &draft, &actor(key), w.state.clock.now()).await {
        Ok(p) => payment_body(&draft, &p),
        Err(e) => failed("api create payment", e),
    }
}

fn credit_note_body(code: &CustomerCode, n: &NewCreditNote) -> Outcome {
    outcome(
        StatusCode::CREATED,
        CreditNote {
            number: n.number.clone(),
            customer_code: code.clone(),
            issued_on: n.issued_on,
            amount: money(n.amount),
            currency: n.amount.currency(),
            invoice_number: n.invoice_number.clone(),
            reason: n.reason.clone(),
            reversed: false,
        },
    )
}

async fn create_credit_note_outcome(w: &Writer<'_>, key: &ApiKey, body: &[u8]) -> Outcome {
    let draft = match parse_input(body, CreditNoteInput::parse) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let code = draft.customer_code.clone();
    let store = w.store(move |written| match written {
        Written::CreditNote(n) => Some(credit_note_body(&code, n)),
        _ => None,
    });
    match ledger::post_credit_note(store.as_ref(), &draft, &actor(key), w.state.clock.now()).await {
        Ok(n) => credit_note_body(&draft.customer_code, &n),
        Err(e) => failed("api create credit note", e),
    }
}

/// No side effects: the same check an order gets, on the maintained balances.
async fn credit_check_outcome(w: &Writer<'_>, _key: &ApiKey, body: &[u8]) -> Outcome {
    let state = w.state;
    let (code, amount, as_of) = match parse_input(body, CreditCheckInput::parse) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let as_of = as_of.unwrap_or_else(|| today(state));
    let policy = policy(state).await;
    let store = state.store.as_ref();
    let result = async {
        let known = store.customers_by_code(&[code.to_string()]).await?;
        let c = known
            .get(code.as_str())
            .ok_or_else(|| LedgerError::one("customer_code", format!("no customer {code}")))?;
        let amount = Money::new(amount, c.currency)
            .map_err(|e| LedgerError::one("amount", e.to_string()))?;
        let position = store.credit_position(c.id, as_of).await?;
        app::domain::credit::check(&position, amount, policy)
            .map_err(|e| LedgerError::one("amount", e.to_string()))
    }
    .await;
    match result {
        Ok(check) => outcome(StatusCode::OK, CreditCheckResult::from(&check)),
        Err(e) => failed("api credit check", e),
    }
}

pub(crate) mod bills;
