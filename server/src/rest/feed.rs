//! `GET` lists and single documents for ERP systems: invoices, payments, credit notes
//! and orders, read through `app::store::FeedStore`.
//!
//! Invariants:
//! - a list is one page in posting order; `next_cursor` (opaque) fetches the next, and is
//!   null on the last page, so "everything after my last cursor" is a complete sync;
//! - filters are strict: an unknown field, a bad date, status or cursor is 400 naming
//!   it; an unknown `customer_code` is 404, like a missing document;
//! - the responses are the shapes the writing endpoints answer with (`responses`), so a
//!   document reads back the way it was posted;
//! - a single document carries an `ETag` of its bytes; `If-None-Match` with it is 304.
use super::responses::{
    CreditNote, CreditNotePage, Invoice, InvoicePage, OrderPage, Payment, PaymentPage, PostedOrder,
};
use super::{authorised_query, error, internal, ApiError};
use crate::web::AppState;
use app::domain::customer::CustomerCode;
use app::store::{FeedQuery, InvoiceState, OrderState, PostingState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use utoipa::IntoParams;

/// The filters every list takes.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Only this customer's documents.
    #[param(example = "ERP-1001")]
    pub customer_code: Option<String>,
    /// invoices: `open` or `settled` at `as_of`; payments and credit notes: `posted` or
    /// `reversed`; orders: `approved`, `needs_approval`, `blocked`, `released` or
    /// `cancelled`.
    pub status: Option<String>,
    /// The document's own date (invoice, receipt, issue, order), from this day.
    pub from: Option<NaiveDate>,
    /// … to this day, inclusive.
    pub to: Option<NaiveDate>,
    /// Invoices only: open amounts at this date, and only invoices dated by then.
    /// Default: today (Asia/Shanghai).
    pub as_of: Option<NaiveDate>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u32>,
}

/// `GET /invoices/{number}`: the open amount at a date.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AsOfParams {
    /// Default: today (Asia/Shanghai).
    pub as_of: Option<NaiveDate>,
}

/// A single payment, credit note or order takes no query fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

type Params<Q> = Result<Query<Q>, QueryRejection>;

fn bad(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

/// A state by its wire name, or 400 listing the ones this list knows.
pub(super) fn parse_state<S: DeserializeOwned>(
    status: Option<&str>,
    known: &str,
) -> Result<Option<S>, Response> {
    status
        .map(|s| {
            serde_json::from_value(serde_json::Value::String(s.into()))
                .map_err(|_| bad(format!("status: '{s}' is not one of {known}")))
        })
        .transpose()
}

/// A page's size: 100 unless asked, at most 1000.
pub(super) fn page_limit(limit: Option<u32>) -> Result<i64, Response> {
    let limit = limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(bad("limit: must be between 1 and 1000"));
    }
    Ok(i64::from(limit))
}

/// The cursor is the last document's id, written so that clients treat it as opaque.
pub(super) fn cursor_of(id: i64) -> String {
    format!("c{id}")
}

pub(super) fn parse_cursor(cursor: Option<&str>) -> Result<Option<i64>, Response> {
    cursor
        .map(|c| {
            c.strip_prefix('c')
                .and_then(|id| id.parse::<i64>().ok())
                .filter(|id| *id > 0)
                .ok_or_else(|| bad("cursor: not a next_cursor from this API"))
        })
        .transpose()
}

/// The customer's id for a `customer_code` filter, or 400 (malformed) / 404 (unknown).
async fn customer(state: &AppState, code: Option<&str>) -> Result<Option<i64>, Response> {
    let Some(code) = code else { return Ok(None) };
    let code = CustomerCode::parse(code).map_err(|e| bad(format!("customer_code: {e}")))?;
    match state.store.customer_id_by_code(code.as_str()).await {
        Ok(Some(id)) => Ok(Some(id)),
        Ok(None) => Err(error(
            StatusCode::NOT_FOUND,
            format!("customer_code: no customer '{code}'"),
        )),
        Err(e) => Err(internal("api feed", e)),
    }
}

/// Authenticates (read scope) and turns the list's filters into a store query.
async fn list_query<S: DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    params: Params<FeedParams>,
    known: &str,
    dated_as_of: bool,
) -> Result<FeedQuery<S>, Response> {
    let p = authorised_query(state, headers, params).await?;
    if let (Some(from), Some(to)) = (p.from, p.to) {
        if from > to {
            return Err(bad("from: is after to"));
        }
    }
    if p.as_of.is_some() && !dated_as_of {
        return Err(bad("as_of: only invoices have open amounts at a date"));
    }
    Ok(FeedQuery {
        after: parse_cursor(p.cursor.as_deref())?,
        limit: page_limit(p.limit)?,
        customer_id: customer(state, p.customer_code.as_deref()).await?,
        number: None,
        dated: (p.from, p.to),
        status: parse_state(p.status.as_deref(), known)?,
        as_of: p.as_of.unwrap_or_else(|| today(state)),
    })
}

fn today(state: &AppState) -> NaiveDate {
    app::domain::business_date(state.clock.now())
}

/// One document by its number: the whole book, any state.
fn one<S>(number: String, as_of: NaiveDate) -> FeedQuery<S> {
    FeedQuery {
        after: None,
        limit: 1,
        customer_id: None,
        number: Some(number),
        dated: (None, None),
        status: None,
        as_of,
    }
}

/// A list endpoint: authenticate, parse the filters into `FeedQuery<$state>`, and answer
/// with `$render(state, query)`; its OpenAPI operation is written once, here.
macro_rules! list_endpoint {
    (
        $(#[doc = $doc:literal])*
        $name:ident, $path:tt, $page:ident, state = $state:ty, known = $known:tt,
        as_of = $as_of:tt, $render:ident
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            get, path = $path, tag = "documents", params(FeedParams),
            responses(
                (status = 200, description = "One page in posting order; `next_cursor` is null on the last", body = $page),
                (status = 400, description = "Unknown or malformed query field, status or cursor, or limit out of range", body = ApiError),
                (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
                (status = 403, description = "The key lacks the read scope", body = ApiError),
                (status = 404, description = "No customer with that customer_code", body = ApiError),
                (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
                (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
            ),
            security(("bearer" = [])),
        )]
        pub(crate) async fn $name(
            State(state): State<AppState>,
            headers: HeaderMap,
            params: Params<FeedParams>,
        ) -> Response {
            match list_query::<$state>(&state, &headers, params, $known, $as_of).await {
                Ok(q) => $render(&state, q).await,
                Err(r) => r,
            }
        }
    };
}

/// A single-document endpoint: authenticate, then `$render(state, number, params)`.
macro_rules! one_endpoint {
    (
        $(#[doc = $doc:literal])*
        $name:ident, $path:tt, $body:ident, $params:ty, key = $key:tt, $render:ident
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            get, path = $path, tag = "documents",
            params(
                ($key = String, Path, description = "The document's number"),
                ("If-None-Match" = Option<String>, Header, nullable = false,
                 description = "The ETag of a copy the client holds: 304 with no body while it is still current"),
            ),
            responses(
                (status = 200, description = "The document, with its ETag", body = $body),
                (status = 304, description = "Not modified: If-None-Match named the document's current ETag"),
                (status = 400, description = "Unknown or malformed query field", body = ApiError),
                (status = 401, description = "Missing, invalid, revoked or expired API key", body = ApiError),
                (status = 403, description = "The key lacks the read scope", body = ApiError),
                (status = 404, description = "No such document", body = ApiError),
                (status = 429, description = "The key's rate limit is spent; see Retry-After", body = ApiError),
                (status = 500, description = "Internal error: logged on the server, never detailed to the caller", body = ApiError),
            ),
            security(("bearer" = [])),
        )]
        pub(crate) async fn $name(
            State(state): State<AppState>,
            headers: HeaderMap,
            Path(number): Path<String>,
            params: Params<$params>,
        ) -> Response {
            match authorised_query(&state, &headers, params).await {
                Ok(p) => $render(&state, &headers, number, p).await,
                Err(r) => r,
            }
        }
    };
}

list_endpoint!(
    /// Invoices dated by `as_of`, each with its open amount at that date.
    list_invoices, "/api/v1/invoices", InvoicePage, state = InvoiceState,
    known = "open, settled", as_of = true, invoice_page
);
list_endpoint!(
    /// Payments with what each settled, net of reversals.
    list_payments, "/api/v1/payments", PaymentPage, state = PostingState,
    known = "posted, reversed", as_of = false, payment_page
);
list_endpoint!(
    /// Credit notes, with the invoice each reduces.
    list_credit_notes, "/api/v1/credit-notes", CreditNotePage, state = PostingState,
    known = "posted, reversed", as_of = false, credit_note_page
);
list_endpoint!(
    /// Orders with their credit decision and where they stand now.
    list_orders, "/api/v1/orders", OrderPage, state = OrderState,
    known = "approved, needs_approval, blocked, released, cancelled", as_of = false, order_page
);
one_endpoint!(
    /// One invoice with its open amount at `as_of`.
    get_invoice, "/api/v1/invoices/{number}", Invoice, AsOfParams, key = "number", one_invoice
);
one_endpoint!(
    /// One payment with what it settled, net of any reversal.
    get_payment, "/api/v1/payments/{reference}", Payment, NoParams, key = "reference", one_payment
);
one_endpoint!(
    /// One credit note.
    get_credit_note, "/api/v1/credit-notes/{number}", CreditNote, NoParams, key = "number", one_credit_note
);
one_endpoint!(
    /// One order with its credit decision and where it stands now.
    get_order, "/api/v1/orders/{number}", PostedOrder, NoParams, key = "number", one_order
);

async fn invoice_page(state: &AppState, q: FeedQuery<InvoiceState>) -> Response {
    let read = state.store.invoice_feed(&q).await;
    listed(
        read,
        q.limit,
        |r| r.line.id,
        "invoices",
        |rows, next_cursor| InvoicePage {
            as_of: q.as_of,
            invoices: rows.iter().map(Invoice::from_record).collect(),
            next_cursor,
        },
    )
}

async fn payment_page(state: &AppState, q: FeedQuery<PostingState>) -> Response {
    let read = state.store.payment_feed(&q).await;
    listed(
        read,
        q.limit,
        |r| r.id,
        "payments",
        |rows, next_cursor| PaymentPage {
            payments: rows.iter().map(Payment::from_record).collect(),
            next_cursor,
        },
    )
}

async fn credit_note_page(state: &AppState, q: FeedQuery<PostingState>) -> Response {
    let read = state.store.credit_note_feed(&q).await;
    listed(
        read,
        q.limit,
        |r| r.id,
        "credit notes",
        |rows, next_cursor| CreditNotePage {
            credit_notes: rows.iter().map(CreditNote::from_record).collect(),
            next_cursor,
        },
    )
}

async fn order_page(state: &AppState, q: FeedQuery<OrderState>) -> Response {
    let read = state.store.order_feed(&q).await;
    listed(
        read,
        q.limit,
        |r| r.id,
        "orders",
        |rows, next_cursor| OrderPage {
            orders: rows.iter().map(PostedOrder::from_record).collect(),
            next_cursor,
        },
    )
}

async fn one_invoice(
    state: &AppState,
    headers: &HeaderMap,
    number: String,
    p: AsOfParams,
) -> Response {
    let q = one(number.clone(), p.as_of.unwrap_or_else(|| today(state)));
    single(
        headers,
        state.store.invoice_feed(&q).await,
        Invoice::from_record,
        "invoice",
        &number,
    )
}

async fn one_payment(
    state: &AppState,
    headers: &HeaderMap,
    reference: String,
    _: NoParams,
) -> Response {
    let q = one(reference.clone(), today(state));
    single(
        headers,
        state.store.payment_feed(&q).await,
        Payment::from_record,
        "payment",
        &reference,
    )
}

async fn one_credit_note(
    state: &AppState,
    headers: &HeaderMap,
    number: String,
    _: NoParams,
) -> Response {
    let q = one(number.clone(), today(state));
    single(
        headers,
        state.store.credit_note_feed(&q).await,
        CreditNote::from_record,
        "credit note",
        &number,
    )
}

async fn one_order(state: &AppState, headers: &HeaderMap, number: String, _: NoParams) -> Response {
    let q = one(number.clone(), today(state));
    single(
        headers,
        state.store.order_feed(&q).await,
        PostedOrder::from_record,
        "order",
        &number,
    )
}

/// A list's answer: the page (at most `limit` of the `limit + 1` rows read) rendered by
/// `body` with the cursor after it, if more follow.
pub(super) fn listed<T, B: serde::Serialize>(
    read: Result<Vec<T>, app::store::StoreError>,
    limit: i64,
    id: impl Fn(&T) -> i64,
    what: &str,
    body: impl FnOnce(&[T], Option<String>) -> B,
) -> Response {
    let mut rows = match read {
        Ok(rows) => rows,
        Err(e) => return internal(&format!("api list {what}"), e),
    };
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = more
        .then(|| rows.last().map(|r| cursor_of(id(r))))
        .flatten();
    Json(body(&rows, next)).into_response()
}

/// A single document's answer (`tagged`), or 404 naming what was asked for.
pub(super) fn single<T, B: serde::Serialize>(
    headers: &HeaderMap,
    read: Result<Vec<T>, app::store::StoreError>,
    render: impl Fn(&T) -> B,
    what: &str,
    number: &str,
) -> Response {
    match read.map(|rows| rows.first().map(render)) {
        Ok(Some(doc)) => super::etag::tagged(headers, &doc),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no {what} '{number}'")),
        Err(e) => internal(&format!("api get {what}"), e),
    }
}
