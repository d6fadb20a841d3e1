//! API keys for ERP and CRM systems: created and revoked from the admin page and from
//! `creditdesk api-key create | revoke`.
//!
//! Invariants: a key's secret is returned once and only its SHA-256 is stored; every
//! creation and revocation is audited under the acting admin (`cli` from the command
//! line) with the key's name and scopes, never its secret.
use crate::domain::api_keys::{ApiScope, ApiScopes, DEFAULT_RATE_PER_MINUTE};
use crate::error::AppError;
use crate::store::{AuditEntry, NewApiKey, Store};
use chrono::{DateTime, Duration, Utc};

/// What a new key is asked for; errors name these fields.
pub struct KeyRequest<'a> {
    pub name: &'a str,
    /// Comma-separated scope names (`ApiScopes::parse`).
    pub scopes: &'a str,
    /// Adds the `admin` scope (the CLI flag from before scopes existed).
    pub admin: bool,
    pub expires_in_days: Option<u32>,
    pub rate_per_minute: Option<u32>,
}

/// Creates the key and returns its secret, which is never shown again.
pub async fn create(
    store: &dyn Store,
    req: KeyRequest<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AppError::Invalid("name: must be 1 to 64 characters".into()));
    }
    let mut scopes = ApiScopes::parse(req.scopes).map_err(AppError::Invalid)?;
    if req.admin {
        scopes.insert(ApiScope::Admin);
    }
    if req.expires_in_days == Some(0) {
        return Err(AppError::Invalid(
            "expires-in-days: must be at least 1".into(),
        ));
    }
    if req.rate_per_minute == Some(0) {
        return Err(AppError::Invalid(
            "rate-per-minute: must be at least 1".into(),
        ));
    }
    // Names are never reused, revoked keys' included: the audit trail names keys.
    if store.api_keys().await?.iter().any(|k| k.name == name) {
        return Err(AppError::Invalid(format!(
            "name: a key named '{name}' exists (names are never reused)"
        )));
    }
    let secret = format!("cdk_{}", crate::session::new_token());
    let key = NewApiKey {
        name: name.into(),
        key_hash: crate::session::token_hash(&secret),
        scopes,
        expires_at: req
            .expires_in_days
            .map(|d| now + Duration::days(i64::from(d))),
        rate_per_minute: req.rate_per_minute.unwrap_or(DEFAULT_RATE_PER_MINUTE),
    };
    store.add_api_key(&key, now).await?;
    let after = serde_json::json!({
        "scopes": scopes.to_string_list(),
        "expires_at": key.expires_at,
        "rate_per_minute": key.rate_per_minute,
    });
    let entry = AuditEntry {
        after: Some(after.to_string()),
        ..AuditEntry::new("api_key", name, "create")
    };
    store.audit(now, actor, entry).await?;
    Ok(secret)
}

/// Revokes the live key of that name: it gets 401 from now on.
pub async fn revoke(
    store: &dyn Store,
    name: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    store.revoke_api_key(name, now).await.map_err(|e| match e {
        crate::store::StoreError::NotFound => {
            AppError::Invalid(format!("name: no active API key named '{name}'"))
        }
        other => other.into(),
    })?;
    store
        .audit(now, actor, AuditEntry::new("api_key", name, "revoke"))
        .await?;
    Ok(())
}
