//! The signed-in user's own account: their sessions, a password change, and signing
//! out everywhere (ASVS 3.3.3, 3.3.4, 2.1.6).
//!
//! Invariants: every function serves only the caller's own account (no user id is
//! taken from the request); a password change needs the current password, is
//! throttled like a sign-in, and ends every other session of the user; signing out
//! everywhere ends them all, this one included. All three are audited.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One of the user's sessions, as its owner sees it (never its token or hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub opened_at: chrono::DateTime<chrono::Utc>,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
    /// "Chrome · Android" (`domain::sessions::device_label`).
    pub device: String,
    pub address: String,
    /// The session this request came from.
    pub current: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

#[cfg(feature = "ssr")]
fn signed_in() -> Result<(crate::domain::auth::User, String), AppError> {
    let user = super::viewer().ok_or(AppError::Unauthenticated)?;
    let token = super::request_extension::<super::SessionToken>()
        .and_then(|t| t.0)
        .ok_or(AppError::Unauthenticated)?;
    Ok((user, crate::session::token_hash(&token)))
}

/// The caller's live sessions, most recently used first.
#[server(prefix = "/sfn", endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<Vec<SessionView>, AppError> {
    use crate::domain::sessions::device_label;
    let (user, current) = signed_in()?;
    let now = super::clock()?.now();
    let policy = super::session_policy();
    let sessions = super::store()?.user_sessions(user.id).await?;
    Ok(sessions
        .into_iter()
        .filter(|s| policy.alive(s.expires_at, s.last_seen_at, now))
        .map(|s| SessionView {
            opened_at: s.created_at,
            last_seen_at: s.last_seen_at,
            device: device_label(&s.user_agent),
            address: s.address,
            current: s.token_hash == current,
        })
        .collect())
}

#[server(prefix = "/sfn", endpoint = "change_password")]
pub async fn change_password(form: PasswordChange) -> Result<(), AppError> {
    use crate::domain::auth::NewPassword;
    use crate::store::AuditEntry;
    let (user, current) = signed_in()?;
    let (store, guard) = (super::store()?, super::login_guard()?);
    let (now, address) = (super::clock()?.now(), super::client_address());
    if let Some(secs) = guard.locked(&user.username, &address, now) {
        return Err(AppError::TooManyAttempts(secs));
    }
    let new = NewPassword::parse(&form.new)
        .map_err(|e| AppError::Invalid(format!("new password: {e}")))?;
    if form.new != form.confirm {
        return Err(AppError::Invalid(
            "confirm: does not match the new password".into(),
        ));
    }
    let verified = super::auth::verified_user(store.as_ref(), &guard, &user.username, form.current);
    if verified.await?.is_none() {
        guard.failed(&user.username, &address, now);
        return Err(AppError::Invalid("current password: wrong password".into()));
    }
    let plain = new.expose().to_string();
    let hash = guard
        .hash_work(move || crate::session::hash_password(&plain))
        .await
        .ok_or_else(|| AppError::internal("hashing pool closed"))?
        .map_err(AppError::internal)?;
    store.set_password(user.id, &hash).await?;
    let ended = store.end_sessions(user.id, Some(&current)).await?;
    let entry = AuditEntry {
        after: Some(format!("{{\"other_sessions_ended\":{ended}}}")),
        ..AuditEntry::new("user", user.username.as_str(), "password_changed")
    };
    store.audit(now, &user.username, entry).await?;
    Ok(())
}

/// Ends every session of the caller, this one too, and goes to the sign-in page.
#[server(prefix = "/sfn", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use crate::store::AuditEntry;
    let (user, _) = signed_in()?;
    let store = super::store()?;
    let ended = store.end_sessions(user.id, None).await?;
    let entry = AuditEntry {
        after: Some(format!("{{\"sessions_ended\":{ended}}}")),
        ..AuditEntry::new("session", user.username.as_str(), "logout_everywhere")
    };
    store
        .audit(super::clock()?.now(), &user.username, entry)
        .await?;
    let clear = crate::session::clear_cookie(super::secure_cookies());
    super::response()?.insert_header(http::header::SET_COOKIE, clear);
    leptos_axum::redirect("/login");
    Ok(())
}
