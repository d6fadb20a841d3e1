//! Strong ETags on single-resource reads, so an ERP that polls re-reads only what
//! changed. The tag is a hash of the exact response bytes: it changes with anything the
//! body shows (an open amount, `as_of`, a credit position) and with nothing else.
use super::internal;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// The document as JSON with a strong `ETag` (a hash of exactly these bytes, so an
/// invoice's tag changes with its open amount and with `as_of`). A request whose
/// `If-None-Match` names that tag, or `*`, gets 304 and no body: a poller re-reads only
/// what changed.
pub(super) fn tagged<B: serde::Serialize>(headers: &HeaderMap, doc: &B) -> Response {
    use sha2::{Digest, Sha256};
    let body = match serde_json::to_vec(doc) {
        Ok(b) => b,
        Err(e) => return internal("api etag", e),
    };
    let tag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
    let held = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.trim_start_matches("W/") == tag)
        });
    let mut response = match held {
        true => StatusCode::NOT_MODIFIED.into_response(),
        false => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
    };
    if let Ok(value) = header::HeaderValue::from_str(&tag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}
