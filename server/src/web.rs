//! The HTTP surface: SSR pages, server functions, static files, REST and health.
//!
//! Layers, outermost first:
//! 0. compression of dynamic responses (`assets`; `/pkg` files go out precompressed and
//!    cached, see there).
//! 1. `guards`: security headers on every response; then the Host allow-list, the body
//!    limit and the cross-origin refusal on every request.
//! 2. `session_layer` resolves the session cookie to a `Viewer`, and the socket's peer
//!    to a `ClientAddress` (the login throttle's key), for everything below.
//! 3. `server_fn_status` gives server-function errors their true HTTP status.
//! 4. `page_guard` sends signed-out page requests to /login (server functions and the
//!    REST API authorise themselves: deny by default in every one).
use crate::config::ServeConfig;
use crate::guards::{self, AllowedHosts};
use app::api::import::Importer;
use app::api::{ClientAddress, Clock, SessionToken, Viewer};
use app::domain::sessions::SessionPolicy;
use app::session::{self, CookieSecurity};
use app::store::Store;
use axum::extract::{FromRef, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub secure_cookies: bool,
    pub allowed_origins: Arc<Vec<String>>,
    pub allowed_hosts: Arc<AllowedHosts>,
    pub session_policy: SessionPolicy,
    pub api_limiter: Arc<crate::rest::KeyLimiter>,
    /// The sign-in throttle and the queue that audits refusals (started with the state,
    /// so it needs a tokio runtime).
    pub login_guard: Arc<app::login_guard::LoginGuard>,
}

impl AppState {
    pub fn new(cfg: &ServeConfig, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        AppState {
            leptos_options: leptos_options(cfg),
            login_guard: app::login_guard::LoginGuard::start(store.clone(), clock.clone()),
            store,
            clock,
            secure_cookies: cfg.secure_cookies,
            allowed_origins: Arc::new(cfg.allowed_origins.clone()),
            allowed_hosts: Arc::new(AllowedHosts::new(
                cfg.bind,
                &cfg.allowed_origins,
                &cfg.allowed_hosts,
            )),
            session_policy: cfg.session_policy,
            api_limiter: Default::default(),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

pub fn leptos_options(cfg: &ServeConfig) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("creditdesk")
        .site_root(cfg.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(cfg.bind)
        .hash_files(crate::assets::hashed_build())
        .build()
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let importer: Arc<dyn Importer> = Arc::new(crate::import::Jobs::new(
        state.store.clone(),
        state.clock.clone(),
    ));
    let guard = state.login_guard.clone();
    let context = {
        let (store, clock, secure, policy) = (
            state.store.clone(),
            state.clock.clone(),
            state.secure_cookies,
            state.session_policy,
        );
        move || {
            provide_context(store.clone());
            provide_context(clock.clone());
            provide_context(importer.clone());
            provide_context(guard.clone());
            provide_context(CookieSecurity(secure));
            provide_context(policy);
        }
    };
    let shell = {
        let options = state.leptos_options.clone();
        move || app::shell(options.clone())
    };
    let hashed = state.leptos_options.hash_files;
    let pkg = tower::ServiceBuilder::new()
        .layer(middleware::from_fn(move |req, next| {
            crate::assets::cache_headers(hashed, req, next)
        }))
        .service(crate::assets::pkg_service(&state.leptos_options.site_root));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/locale", post(crate::locale::switch))
        .nest_service("/pkg", pkg)
        .merge(crate::rest::router())
        .nest("/export", crate::export::router(state.clone()))
        .leptos_routes_with_context(&state, routes, context, shell)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        .layer(middleware::from_fn(page_guard))
        .layer(middleware::from_fn(server_fn_status))
        .layer(middleware::from_fn_with_state(state.clone(), session_layer))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guards::origin_check,
        ))
        .layer(middleware::from_fn(guards::body_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guards::host_check,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guards::security_headers,
        ))
        .layer(crate::assets::compression())
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.count_customers().await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!("health check: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn session_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Static assets need no user: skip the database round trip for them.
    if req.uri().path().starts_with("/pkg/") {
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| session::token_from_cookie_header(h, state.secure_cookies));
    let user = match &token {
        Some(t) => {
            let now = state.clock.now();
            session::resume(state.store.as_ref(), t, now, state.session_policy)
                .await
                .unwrap_or_else(|e| {
                    tracing::error!("session lookup failed: {e}");
                    None
                })
        }
        None => None,
    };
    let address = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    req.extensions_mut().insert(ClientAddress(address));
    req.extensions_mut().insert(Viewer(user));
    req.extensions_mut().insert(SessionToken(token));
    next.run(req).await
}

/// Leptos answers every server-function error with 500. This puts the truth back: the
/// error's own status (401, 403, 404, 422, 429; 500 only for `Internal`), and
/// `Retry-After` on a refused sign-in. Only error answers (marked `serverfnerror`) are
/// read, and only up to 64 KiB.
async fn server_fn_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (parts, axum::body::Body::empty()).into_response();
    };
    if let Ok(error) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(parts.status);
        if let app::error::AppError::TooManyAttempts(secs) = error {
            parts.headers.insert(header::RETRY_AFTER, secs.into());
        }
    }
    (parts, axum::body::Body::from(bytes)).into_response()
}

/// Paths that are not pages: assets, health, the APIs. Everything else is a page.
fn is_page(path: &str) -> bool {
    !(path.starts_with("/pkg/")
        || path.starts_with("/sfn/")
        || path.starts_with("/api/")
        || path.starts_with("/export/")
        || path == "/healthz"
        || path == "/locale"
        || path == "/favicon.ico")
}

async fn page_guard(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if req.method() != Method::GET || !is_page(&path) {
        return next.run(req).await;
    }
    let signed_in = req
        .extensions()
        .get::<Viewer>()
        .is_some_and(|v| v.0.is_some());
    match (path.as_str(), signed_in) {
        ("/login", true) => Redirect::to("/").into_response(),
        ("/login", false) => next.run(req).await,
        (_, false) => {
            let target = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            Redirect::to(&format!("/login?next={}", app::url::percent_encode(target)))
                .into_response()
        }
        (_, true) => next.run(req).await,
    }
}

/// Serves until Ctrl-C / SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths() {
        assert!(is_page("/customers/3"));
        assert!(!is_page("/pkg/creditdesk.wasm"));
    }
}
