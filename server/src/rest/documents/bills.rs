//! `POST /api/v1/bills` (receive an acceptance bill: it settles invoices as a payment
//! does), `POST /api/v1/bills/{number}/{step}` (endorse, discount, collect, dishonour),
//! `GET /api/v1/bills` (a cursor page, by state and maturity) and
//! `GET /api/v1/bills/{number}` (one, with an ETag). See
//! `app::domain::bills` for what is checked and `app::store::BillStore` for what a
//! step writes.
use super::*;
use crate::rest::openapi::CurrencySchema;
use crate::rest::responses::{allocations, Allocation};
use app::domain::bills::lifecycle::{BillState, Step, StepInput};
use app::domain::bills::{BillInput, BillKind, Medium};
use app::domain::money::Currency;
use app::store::{BillQuery, BillRecord};
use utoipa::ToSchema;

/// A bill as it stands.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Bill {
    #[schema(example = "130258100000120260115000123456")]
    pub number: String,
    #[schema(value_type = String, example = "ERP-1001")]
    pub customer_code: CustomerCode,
    pub kind: BillKind,
    pub medium: Medium,
    pub acceptor: String,
    #[schema(example = "500000.00")]
    pub face_amount: String,
    #[schema(value_type = CurrencySchema)]
    pub currency: Currency,
    pub issued_on: NaiveDate,
    pub received_on: NaiveDate,
    pub matures_on: NaiveDate,
    pub status: BillState,
    /// The date of the receipt or of the last step.
    pub status_on: NaiveDate,
    /// Only in the answer to receiving it: the invoices it settled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocations: Option<Vec<Allocation>>,
}

impl Bill {
    fn from_record(b: &BillRecord) -> Bill {
        Bill {
            number: b.number.clone(),
            customer_code: b.customer_code.clone(),
            kind: b.kind,
            medium: b.medium,
            acceptor: b.acceptor.clone(),
            face_amount: money(b.face),
            currency: b.face.currency(),
            issued_on: b.issued_on,
            received_on: b.received_on,
            matures_on: b.matures_on,
            status: b.state,
            status_on: b.last_on,
            allocations: None,
        }
    }
}

/// A page of bills in receipt order.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BillPage {
    pub bills: Vec<Bill>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

fn received_body(b: &BillRecord, p: &PostedPayment) -> Outcome {
    let bill = Bill {
        allocations: Some(allocations(&p.allocations)),
        ..Bill::from_record(b)
    };
    outcome(StatusCode::CREATED, bill)
}

post_endpoint!(
    /// Receive an acceptance bill (应收票据) from a customer.
    ///
    /// It settles invoices as a payment does: FIFO without `allocations`, else exactly
    /// those. Its number is also the reference of the payment it posts.
    create_bill, "/api/v1/bills", create_bill_outcome, scope = LedgerWrite,
    tag = "documents", request_body = BillInput,
    responses(
        (status = 201, description = "The bill, held, with the invoices it settled", body = Bill,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))),
        (status = 409, description = "The bill number (or a payment reference) exists", body = ApiError),
    )
);

async fn create_bill_outcome(w: &Writer<'_>, key: &ApiKey, body: &[u8]) -> Outcome {
    let bill = match parse_input(body, BillInput::parse) {
        Ok(b) => b,
        Err(o) => return o,
    };
    let store = w.store(move |written| match written {
        Written::Bill(b, p) => Some(received_body(b, p)),
        _ => None,
    });
    match ledger::receive_bill(store.as_ref(), &bill, &actor(key), w.state.clock.now()).await {
        Ok((b, p)) => received_body(&b, &p),
        Err(e) => failed("api receive bill", e),
    }
}

/// The path of a bill's step (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(crate) struct StepPath {
    /// The bill number.
    number: String,
    /// `endorse`, `discount`, `collect` or `dishonour`.
    step: String,
}

/// Take a bill's next step: endorse it to a supplier (`endorsee`), discount it at a bank
/// (`bank`, `interest`), collect it at maturity, or record its dishonour (`reason`).
///
/// A dishonour reverses the bill's settlements with correcting entries: the invoices it
/// paid are open again with their own due dates, so overdue again if those have passed.
#[utoipa::path(
    post,
    path = "/api/v1/bills/{number}/{step}",
    tag = "documents",
    params(
        StepPath,
        ("Idempotency-Key" = Option<String>, Header, nullable = false,
         description = "As on every POST: a replay returns the first response with no second effect"),
    ),
    request_body = StepInput,
    responses(
        (status = 200, description = "The bill after the step", body = Bill),
        (status = 400, description = "Malformed JSON", body = ApiError),
        (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
        (status = 403, description = "The key lacks this endpoint's scope", body = ApiError),
        (status = 404, description = "No such bill, or no such step", body = ApiError),
        (status = 409, description = "The bill's state does not allow the step", body = ApiError),
        (status = 422, description = "A bad or misplaced field, or a date the bill's dates forbid, named", body = ValidationErrors),
        (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
        (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn take_step(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((number, step)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let key = match authenticate(&state, &headers, ApiScope::LedgerWrite).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let path = format!("/api/v1/bills/{number}/{step}");
    let (k, b) = (&key, &body[..]);
    idempotent(
        &state,
        &key,
        &Method::POST,
        &path,
        &headers,
        &body,
        |w| async move {
            let outcome = step_outcome(&w, k, &number, &step, b).await;
            (outcome, w.saved())
        },
    )
    .await
}

async fn step_outcome(
    w: &Writer<'_>,
    key: &ApiKey,
    number: &str,
    step: &str,
    body: &[u8],
) -> Outcome {
    let Ok(step) = serde_json::from_value::<Step>(Value::String(step.into())) else {
        let known = "endorse, discount, collect or dishonour";
        return api_error(
            StatusCode::NOT_FOUND,
            format!("no bill step '{step}'; use {known}"),
        );
    };
    let taken = match parse_input(body, |i: &StepInput| i.parse(step)) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let stepped = |b: &BillRecord| outcome(StatusCode::OK, Bill::from_record(b));
    let store = w.store(move |written| match written {
        Written::BillStep(b) => Some(stepped(b)),
        _ => None,
    });
    match ledger::take_bill_step(
        store.as_ref(),
        number,
        &taken,
        &actor(key),
        w.state.clock.now(),
    )
    .await
    {
        Ok(b) => stepped(&b),
        Err(LedgerError::Store(app::store::StoreError::NotFound)) => {
            api_error(StatusCode::NOT_FOUND, format!("no bill '{number}'"))
        }
        Err(e) => failed("api bill step", e),
    }
}

/// The filters of the bill list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct BillParams {
    /// `held`, `endorsed`, `discounted`, `collected` or `dishonoured`.
    status: Option<String>,
    /// Only bills maturing before this day.
    matures_before: Option<NaiveDate>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
}

/// The `{number}` of a bill's URL (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(crate) struct BillPath {
    /// The bill number.
    number: String,
}

/// One bill as the list shows it, with an ETag (`If-None-Match` with it is 304).
#[utoipa::path(
    get,
    path = "/api/v1/bills/{number}",
    tag = "documents",
    params(
        BillPath,
        ("If-None-Match" = Option<String>, Header, nullable = false,
         description = "The ETag of a copy the client holds: 304 with no body while it is still current"),
    ),
    responses(
        (status = 200, description = "The bill, with its ETag", body = Bill),
        (status = 304, description = "Not modified: If-None-Match named the bill's current ETag"),
        (status = 400, description = "A query field (this read takes none)", body = ApiError),
        (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
        (status = 403, description = "The key lacks the read scope", body = ApiError),
        (status = 404, description = "No such bill", body = ApiError),
        (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
        (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn get_bill(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(number): Path<String>,
    params: Result<Query<crate::rest::feed::NoParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Err(r) = crate::rest::authorised_query(&state, &headers, params).await {
        return r;
    }
    let q = BillQuery {
        number: Some(number.clone()),
        limit: 1,
        ..Default::default()
    };
    let read = state.store.bills(&q).await;
    crate::rest::feed::single(&headers, read, Bill::from_record, "bill", &number)
}

/// List bills in receipt order, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/bills",
    tag = "documents",
    params(BillParams),
    responses(
        (status = 200, description = "One page; `next_cursor` is null on the last", body = BillPage),
        (status = 400, description = "Unknown or malformed query field, status or cursor, or limit out of range", body = ApiError),
        (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
        (status = 403, description = "The key lacks the read scope", body = ApiError),
        (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
        (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list_bills(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<BillParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let p = match crate::rest::authorised_query(&state, &headers, params).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    use crate::rest::feed::{listed, page_limit, parse_cursor, parse_state};
    let known = "held, endorsed, discounted, collected, dishonoured";
    let (limit, status, after) = match (
        page_limit(p.limit),
        parse_state(p.status.as_deref(), known),
        parse_cursor(p.cursor.as_deref()),
    ) {
        (Ok(l), Ok(s), Ok(a)) => (l, s, a),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return r,
    };
    let q = BillQuery {
        after,
        limit: limit + 1,
        status,
        matures_before: p.matures_before,
        ..Default::default()
    };
    listed(
        state.store.bills(&q).await,
        limit,
        |b| b.id,
        "bills",
        |rows, next_cursor| BillPage {
            bills: rows.iter().map(Bill::from_record).collect(),
            next_cursor,
        },
    )
}
