//! `creditdesk api-key create | list | revoke`: API keys for ERP/CRM systems.
//!
//! Invariants: a key's secret is printed once and only its SHA-256 is stored; every
//! creation and revocation is audited (actor `cli`) with the key's name and scopes,
//! never its secret.
use app::domain::api_keys::{ApiScope, ApiScopes, DEFAULT_RATE_PER_MINUTE};
use app::store::{AuditEntry, NewApiKey, Store};
use chrono::{DateTime, Duration, Utc};

/// What `api-key create` was asked for.
pub struct KeyRequest<'a> {
    pub name: &'a str,
    pub scopes: &'a str,
    /// Adds the `admin` scope (the flag from before scopes existed).
    pub admin: bool,
    pub expires_in_days: Option<u32>,
    pub rate_per_minute: Option<u32>,
}

/// Creates the key and returns its secret.
pub async fn create(
    store: &dyn Store,
    req: KeyRequest<'_>,
    now: DateTime<Utc>,
) -> Result<String, String> {
    let name = req.name.trim();
    if name.is_empty() || name.len() > 64 {
        return Err("--name: must be 1 to 64 characters".into());
    }
    let mut scopes = ApiScopes::parse(req.scopes).map_err(|e| format!("--{e}"))?;
    if req.admin {
        scopes.insert(ApiScope::Admin);
    }
    if req.expires_in_days == Some(0) || req.rate_per_minute == Some(0) {
        return Err("--expires-in-days and --rate-per-minute: must be at least 1".into());
    }
    let secret = format!("cdk_{}", app::session::new_token());
    let key = NewApiKey {
        name: name.into(),
        key_hash: app::session::token_hash(&secret),
        scopes,
        expires_at: req
            .expires_in_days
            .map(|d| now + Duration::days(i64::from(d))),
        rate_per_minute: req.rate_per_minute.unwrap_or(DEFAULT_RATE_PER_MINUTE),
    };
    store
        .add_api_key(&key, now)
        .await
        .map_err(|e| e.to_string())?;
    let after = serde_json::json!({
        "scopes": scopes.to_string_list(),
        "expires_at": key.expires_at,
        "rate_per_minute": key.rate_per_minute,
    });
    let entry = AuditEntry {
        after: Some(after.to_string()),
        ..AuditEntry::new("api_key", name, "create")
    };
    store
        .audit(now, "cli", entry)
        .await
        .map_err(|e| e.to_string())?;
    Ok(secret)
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
        let state = match (k.revoked_at, k.expires_at) {
            (Some(_), _) => "revoked",
            (None, Some(e)) if e <= now => "expired",
            _ => "active",
        };
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
    store.revoke_api_key(name, now).await.map_err(|e| match e {
        app::store::StoreError::NotFound => format!("--name: no active API key named '{name}'"),
        other => other.to_string(),
    })?;
    let entry = AuditEntry::new("api_key", name, "revoke");
    store
        .audit(now, "cli", entry)
        .await
        .map_err(|e| e.to_string())
}
