//! What every request passes before it reaches a handler, and what every response
//! carries on its way out.
//!
//! - `host_check`: the `Host` must be one this server answers to (`AllowedHosts`), so a
//!   rebinding DNS name cannot make a browser treat CreditDesk as its own origin, and the
//!   same-host test of `origin_check` can trust the header.
//! - `origin_check`: a state-changing request (not GET/HEAD/OPTIONS) that a browser marks
//!   as cross-site, or whose `Origin` is neither this host nor an allowed origin, is
//!   refused (Leptos does not check, see leptos #3786). Requests with neither header are
//!   not from a browser, so they carry no ambient cookies worth forging.
//! - `body_limit`: request bodies are capped (`MAX_BODY_BYTES`; the two uploads, imports
//!   and approval attachments, more than their own limits), answered 413 past it.
//! - `security_headers`: nosniff, a same-origin referrer, a minimal Permissions-Policy,
//!   HSTS when cookies are secure, a CSP on every response (pages set their own, with
//!   the nonce; see `app::csp`), and `no-store` on everything but the hashed `/pkg` files,
//!   so no page, export or API answer stays in a shared or back-button cache.
use crate::web::AppState;
use app::api::import::MAX_UPLOAD_BYTES;
use app::domain::approval::MAX_ATTACHMENT_BYTES;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// Every request body but an import upload.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The `Host` values this server answers to.
#[derive(Debug, Clone)]
pub struct AllowedHosts {
    names: Vec<String>,
    /// Bound to every interface: any IP literal on this port is a direct visit.
    any_ip_on_port: Option<u16>,
}

impl AllowedHosts {
    /// The bind address (with `localhost` for loopback), the allowed origins' hosts, and
    /// `extra` (`CREDITDESK_ALLOWED_HOSTS`).
    pub fn new(bind: SocketAddr, origins: &[String], extra: &[String]) -> Self {
        let port = bind.port();
        let mut names = vec![bind.to_string()];
        if bind.ip().is_loopback() || bind.ip().is_unspecified() {
            names.push(format!("localhost:{port}"));
        }
        names.extend(
            origins
                .iter()
                .filter_map(|o| origin_authority(o).map(str::to_string)),
        );
        names.extend(extra.iter().cloned());
        for n in &mut names {
            n.make_ascii_lowercase();
        }
        AllowedHosts {
            names,
            any_ip_on_port: bind.ip().is_unspecified().then_some(port),
        }
    }

    pub fn allows(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        if self
            .names
            .iter()
            .any(|n| n == &host || n.strip_suffix(":80").or(n.strip_suffix(":443")) == Some(&host))
        {
            return true;
        }
        self.any_ip_on_port
            .is_some_and(|port| host.parse::<SocketAddr>().is_ok_and(|a| a.port() == port))
    }
}

pub(crate) fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        format!("{{\"error\":\"{message}\"}}"),
    )
        .into_response()
}

/// The host[:port] of an origin URL (`https://a.example:8443` -> `a.example:8443`).
pub(crate) fn origin_authority(origin: &str) -> Option<&str> {
    origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'))
}

fn request_host(req: &Request) -> Option<&str> {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
}

pub async fn host_check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // A health probe names whatever address it was given; the answer reveals nothing.
    if req.uri().path() == "/healthz" {
        return next.run(req).await;
    }
    match request_host(&req) {
        Some(host) if state.allowed_hosts.allows(host) => next.run(req).await,
        host => {
            tracing::warn!(
                host = host.unwrap_or(""),
                "request for an unknown host refused"
            );
            refuse(
                StatusCode::BAD_REQUEST,
                "unknown host: add it to CREDITDESK_ALLOWED_HOSTS",
            )
        }
    }
}

pub async fn origin_check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return refuse(StatusCode::FORBIDDEN, "cross-site request refused");
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("null");
        let host = request_host(&req).unwrap_or("");
        let same_host = origin_authority(origin).is_some_and(|a| a.eq_ignore_ascii_case(host));
        let allowed = state
            .allowed_origins
            .iter()
            .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin));
        if !(same_host || allowed) {
            tracing::warn!(origin, host, path = %req.uri().path(), "foreign-origin POST refused");
            return refuse(StatusCode::FORBIDDEN, "foreign origin refused");
        }
    }
    next.run(req).await
}

/// The cap on this request's body. Uploads get more than their function's own limit,
/// so the function answers a too-big file with its own message naming the file and
/// the limit; only absurd bodies meet this cap.
fn body_cap(path: &str) -> usize {
    match path {
        "/sfn/import_upload" => MAX_UPLOAD_BYTES + (1 << 20),
        "/sfn/attach_to_application" => 2 * MAX_ATTACHMENT_BYTES,
        _ => MAX_BODY_BYTES,
    }
}

pub async fn body_limit(req: Request, next: Next) -> Response {
    let cap = body_cap(req.uri().path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > cap) {
        return too_large(cap);
    }
    // A body without a length (chunked) is cut off at the cap while it is read.
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, cap));
    let res = next.run(Request::from_parts(parts, body)).await;
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(cap);
    }
    res
}

fn too_large(cap: usize) -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("request body larger than {} MB", cap >> 20),
    )
}

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cacheable = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
        ),
    ];
    for (name, value) in fixed {
        h.insert(name, HeaderValue::from_static(value));
    }
    if state.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(app::csp::NOT_A_PAGE),
        );
    }
    if !cacheable {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_authority_reads_host_and_port() {
        assert_eq!(
            origin_authority("http://127.0.0.1:3000"),
            Some("127.0.0.1:3000")
        );
        assert_eq!(origin_authority("null"), None);
    }

    #[test]
    fn loopback_binds_answer_to_their_address_and_localhost_only() {
        let hosts = AllowedHosts::new("127.0.0.1:3000".parse().unwrap(), &[], &[]);
        assert!(hosts.allows("127.0.0.1:3000"));
        assert!(hosts.allows("LOCALHOST:3000"));
        assert!(!hosts.allows("evil.example:3000"));
        assert!(!hosts.allows("127.0.0.1:3001"));
    }

    #[test]
    fn public_names_come_from_the_origins_and_the_extra_list() {
        let hosts = AllowedHosts::new(
            "0.0.0.0:8080".parse().unwrap(),
            &["https://credit.example.cn".into()],
            &["erp-gw.internal:8080".into()],
        );
        assert!(hosts.allows("credit.example.cn"));
        assert!(hosts.allows("erp-gw.internal:8080"));
        assert!(hosts.allows("10.1.2.3:8080"), "a direct visit by IP");
        assert!(!hosts.allows("10.1.2.3:9090"));
        assert!(!hosts.allows("rebound.attacker.example:8080"));
    }

    #[test]
    fn only_the_upload_gets_the_upload_cap() {
        assert_eq!(body_cap("/sfn/login"), MAX_BODY_BYTES);
        assert!(body_cap("/sfn/import_upload") > MAX_UPLOAD_BYTES);
        assert!(body_cap("/sfn/attach_to_application") > MAX_ATTACHMENT_BYTES);
    }
}
