//! Server functions, one area per file. Each is thin: it authorises first (deny by
//! default), turns its typed args into domain types, then calls the domain and the
//! `Store`. All are POST (the server refuses foreign-origin POSTs before they run).
pub mod account;
pub mod admin;
pub mod alerts;
pub mod approvals;
pub mod audit;
pub mod auth;
pub mod bills;
pub mod cockpit;
pub mod collections;
pub mod customers;
pub mod groups;
pub mod import;
pub mod ledger;
pub mod pii;
pub mod receivables;
pub mod reports;
pub mod rules;
pub mod scoring;

#[cfg(feature = "ssr")]
pub use ctx::*;

#[cfg(feature = "ssr")]
mod ctx {
    use crate::domain::auth::{Permission, User};
    use crate::error::AppError;
    use crate::store::Store;
    use chrono::{DateTime, Utc};
    use leptos::prelude::use_context;
    use std::sync::Arc;

    /// The wall clock, injected so tests and demos can pin "now".
    pub trait Clock: Send + Sync + 'static {
        fn now(&self) -> DateTime<Utc>;
    }

    /// Set by the server's session middleware on every request: the signed-in user, if any.
    #[derive(Clone, Debug)]
    pub struct Viewer(pub Option<User>);

    /// The raw session token the request carried (needed to rotate it at login and
    /// to delete it at logout).
    #[derive(Clone, Debug)]
    pub struct SessionToken(pub Option<String>);

    pub fn store() -> Result<Arc<dyn Store>, AppError> {
        use_context::<Arc<dyn Store>>()
            .ok_or_else(|| AppError::internal("Store missing from context"))
    }

    pub fn clock() -> Result<Arc<dyn Clock>, AppError> {
        use_context::<Arc<dyn Clock>>()
            .ok_or_else(|| AppError::internal("Clock missing from context"))
    }

    /// Headers and status of the response being built (cookies, redirects).
    pub fn response() -> Result<leptos_axum::ResponseOptions, AppError> {
        use_context::<leptos_axum::ResponseOptions>()
            .ok_or_else(|| AppError::internal("ResponseOptions missing from context"))
    }

    /// Whether to mark cookies `Secure` (configured by the server).
    pub fn secure_cookies() -> bool {
        use_context::<crate::session::CookieSecurity>().is_some_and(|c| c.0)
    }

    pub fn request_extension<T: Clone + Send + Sync + 'static>() -> Option<T> {
        use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<T>().cloned())
    }

    /// The sign-in guard (throttle, hashing cap, failed-login audit queue).
    pub fn login_guard() -> Result<Arc<crate::login_guard::LoginGuard>, AppError> {
        use_context::<Arc<crate::login_guard::LoginGuard>>()
            .ok_or_else(|| AppError::internal("LoginGuard missing from context"))
    }

    /// The client's address as the server's socket saw it (set by the session layer).
    #[derive(Clone, Debug)]
    pub struct ClientAddress(pub String);

    pub fn client_address() -> String {
        request_extension::<ClientAddress>().map_or_else(|| "unknown".into(), |a| a.0)
    }

    /// The browser's `User-Agent`, at most 256 characters (the sessions list shows it).
    pub fn user_agent() -> String {
        use_context::<http::request::Parts>()
            .and_then(|p| {
                let ua = p.headers.get(http::header::USER_AGENT)?.to_str().ok()?;
                Some(ua.chars().take(256).collect())
            })
            .unwrap_or_default()
    }

    /// When idle sessions end (configured by the server).
    pub fn session_policy() -> crate::domain::sessions::SessionPolicy {
        use_context().unwrap_or_default()
    }

    pub fn viewer() -> Option<User> {
        request_extension::<Viewer>().and_then(|v| v.0)
    }

    /// The first line of every server function: who is asking, and may they? A refusal
    /// is audited (in batches, off the request's path: `LoginGuard::audit`).
    pub fn authorize(permission: Permission) -> Result<User, AppError> {
        let user = viewer().ok_or(AppError::Unauthenticated)?;
        if !user.role.allows(permission) {
            tracing::warn!(user = %user.username, ?permission, "permission denied");
            if let Ok(guard) = login_guard() {
                guard.audit(crate::login_guard::Refusal {
                    entity: "access",
                    username: user.username.clone(),
                    detail: format!("{permission:?}"),
                    action: "access_denied",
                });
            }
            return Err(AppError::Forbidden);
        }
        Ok(user)
    }
}
