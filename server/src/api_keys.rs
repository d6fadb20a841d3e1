//! `creditdesk api-key create | list | revoke`: API keys for ERP/CRM systems.
//!
//! The work is `app::admin::keys` (shared with the admin page), audited as `cli`; this
//! module words its errors for the command line and formats the list.
use app::domain::api_keys::KeyState;
use app::error::AppError;
use app::store::Store;
use chrono::{DateTime, Utc};

pub use app::admin::keys::KeyRequest;

/// A service error as the command line shows it: the field as its `--flag`.
fn flag(e: AppError) -> String {
    match e {
        AppError::Invalid(m) => format!("--{m}"),
        other => other.to_string(),
    }
}

/// Creates the key (audited as `cli`) and returns its secret.
pub async fn create(
    store: &dyn Store,
    req: KeyRequest<'_>,
    now: DateTime<Utc>,
) -> Result<String, String> {
    app::admin::keys::create(store, req, "cli", now)
        .await
        .map_err(flag)
}

/// One line per key: name, scopes, state, last use.
pub async fn list(store: &dyn Store, now: DateTime<Utc>) -> Result<String, String> {
    let keys = store.api_keys().await.map_err(|e| e.to_string())?;
    let day = |t: Option<DateTime<Utc>>| {
        t.map_or("-".to_string(), |t| t.format("%Y-%m-%d %H:%M").to_string())
    };
    let mut out = format!(
        "{:<24} {:<44} {:<8} {:<17} {}\n",
        "NAME", "SCOPES", "STATE", "LAST USED", "EXPIRES"
    );
    for k in keys {
        let state = KeyState::at(k.revoked_at.is_some(), k.expires_at, now).as_str();
        out.push_str(&format!(
            "{:<24} {:<44} {:<8} {:<17} {}\n",
            k.name,
            k.scopes.to_string_list(),
            state,
            day(k.last_used_at),
            day(k.expires_at)
        ));
    }
    Ok(out)
}

pub async fn revoke(store: &dyn Store, name: &str, now: DateTime<Utc>) -> Result<(), String> {
    app::admin::keys::revoke(store, name, "cli", now)
        .await
        .map_err(flag)
}
