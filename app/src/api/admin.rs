//! The admin page's server functions: users (create, edit, disable, reset password)
//! and API keys (create, revoke). ASVS 4.1.3 / 7.2.2: admin only, every change audited.
//!
//! Invariants: each function authorises first (`ManageUsers` / `ManageApiKeys`, the
//! admin's alone), parses its form into domain types, then calls `crate::admin`, which
//! audits under the admin's name. A temporary password or a key's secret is returned
//! once, by the call that made it, and never read back.
use crate::domain::api_keys::KeyState;
use crate::domain::auth::Role;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A user as the admin page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub manager_id: Option<i64>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// The admin looking at the page (who cannot disable or demote themselves).
    pub is_me: bool,
}

/// An API key as the admin page lists it (never its secret or hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRow {
    pub name: String,
    pub scopes: String,
    pub state: KeyState,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub rate_per_minute: u32,
}

/// A secret made by the call that returns it: a temporary password or a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issued {
    /// The user or key it belongs to.
    pub name: String,
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewUserForm {
    pub username: String,
    pub display_name: String,
    pub role: String,
    /// A user id, or empty for none.
    #[serde(default)]
    pub manager: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserEditForm {
    pub id: i64,
    pub display_name: String,
    pub role: String,
    #[serde(default)]
    pub manager: String,
}

/// A checkbox per scope: present ("on") when ticked.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KeyForm {
    pub name: String,
    #[serde(default)]
    pub read: Option<String>,
    #[serde(default)]
    pub ledger_write: Option<String>,
    #[serde(default)]
    pub credit_write: Option<String>,
    #[serde(default)]
    pub pii_read: Option<String>,
    #[serde(default)]
    pub admin: Option<String>,
    /// Days until it stops working, or empty for never.
    #[serde(default)]
    pub expires_in_days: String,
}

impl KeyForm {
    /// The ticked scopes as `ApiScopes::parse` reads them.
    pub fn scope_list(&self) -> String {
        [
            (&self.read, "read"),
            (&self.ledger_write, "ledger:write"),
            (&self.credit_write, "credit:write"),
            (&self.pii_read, "pii:read"),
            (&self.admin, "admin"),
        ]
        .into_iter()
        .filter(|(ticked, _)| ticked.is_some())
        .map(|(_, name)| name)
        .collect::<Vec<_>>()
        .join(",")
    }
}

#[cfg(feature = "ssr")]
mod parse {
    use super::*;

    pub fn role(s: &str) -> Result<Role, AppError> {
        Role::parse(s).map_err(|e| AppError::Invalid(format!("role: {e}")))
    }

    pub fn manager(s: &str) -> Result<Option<i64>, AppError> {
        match s.trim() {
            "" => Ok(None),
            id => id
                .parse()
                .map(Some)
                .map_err(|_| AppError::Invalid(format!("manager: '{id}' is not a user id"))),
        }
    }

    pub fn days(s: &str) -> Result<Option<u32>, AppError> {
        match s.trim() {
            "" => Ok(None),
            d => d.parse().map(Some).map_err(|_| {
                AppError::Invalid(format!(
                    "expires-in-days: '{d}' is not a whole number of days"
                ))
            }),
        }
    }

    /// A temporary password, hashed on the blocking pool.
    pub async fn temporary_password() -> Result<(String, String), AppError> {
        let password = crate::admin::temporary_password();
        let plain = password.clone();
        let hash = crate::api::login_guard()?
            .hash_work(move || crate::session::hash_password(&plain))
            .await
            .ok_or_else(|| AppError::internal("hashing pool closed"))?
            .map_err(AppError::internal)?;
        Ok((password, hash))
    }
}

/// Every user, by username.
#[server(prefix = "/sfn", endpoint = "admin_users")]
pub async fn admin_users() -> Result<Vec<UserRow>, AppError> {
    use crate::domain::auth::Permission;
    let me = super::authorize(Permission::ManageUsers)?;
    let accounts = super::store()?.user_accounts().await?;
    Ok(accounts
        .into_iter()
        .map(|a| UserRow {
            is_me: a.user.id == me.id,
            id: a.user.id,
            username: a.user.username,
            display_name: a.user.display_name,
            role: a.user.role,
            manager_id: a.manager_id,
            disabled: a.disabled_at.is_some(),
            created_at: a.created_at,
        })
        .collect())
}

/// Creates a user with a temporary password, returned this once.
#[server(prefix = "/sfn", endpoint = "create_user")]
pub async fn create_user(form: NewUserForm) -> Result<Issued, AppError> {
    use crate::domain::auth::{Permission, Username};
    let me = super::authorize(Permission::ManageUsers)?;
    let username =
        Username::parse(&form.username).map_err(|e| AppError::Invalid(format!("username: {e}")))?;
    let (role, manager) = (parse::role(&form.role)?, parse::manager(&form.manager)?);
    let (password, password_hash) = parse::temporary_password().await?;
    let display_name = match form.display_name.trim() {
        "" => username.as_str().to_string(),
        name => name.to_string(),
    };
    let user = crate::store::NewUser {
        username: username.as_str().to_string(),
        display_name,
        role,
        password_hash,
    };
    let (store, now) = (super::store()?, super::clock()?.now());
    crate::admin::create_user(store.as_ref(), user, manager, &me.username, now).await?;
    Ok(Issued {
        name: username.as_str().to_string(),
        secret: password,
    })
}

#[server(prefix = "/sfn", endpoint = "update_user")]
pub async fn update_user(form: UserEditForm) -> Result<(), AppError> {
    use crate::domain::auth::Permission;
    let me = super::authorize(Permission::ManageUsers)?;
    let change = crate::store::UserProfile {
        display_name: form.display_name,
        role: parse::role(&form.role)?,
        manager_id: parse::manager(&form.manager)?,
    };
    let (store, now) = (super::store()?, super::clock()?.now());
    crate::admin::update_user(store.as_ref(), form.id, change, &me.username, now).await
}

/// Disables (ending their sessions) or enables a user.
#[server(prefix = "/sfn", endpoint = "set_user_enabled")]
pub async fn set_user_enabled(id: i64, enabled: bool) -> Result<(), AppError> {
    use crate::domain::auth::Permission;
    let me = super::authorize(Permission::ManageUsers)?;
    let (store, now) = (super::store()?, super::clock()?.now());
    crate::admin::set_enabled(store.as_ref(), id, enabled, &me.username, now).await
}

/// Gives the user a new temporary password (returned this once) and ends their sessions.
#[server(prefix = "/sfn", endpoint = "reset_user_password")]
pub async fn reset_user_password(id: i64) -> Result<Issued, AppError> {
    use crate::domain::auth::Permission;
    let me = super::authorize(Permission::ManageUsers)?;
    let store = super::store()?;
    let (password, hash) = parse::temporary_password().await?;
    let now = super::clock()?.now();
    let name = crate::admin::reset_password(store.as_ref(), id, &hash, &me.username, now).await?;
    Ok(Issued {
        name,
        secret: password,
    })
}

/// Every API key, live ones first.
#[server(prefix = "/sfn", endpoint = "admin_api_keys")]
pub async fn admin_api_keys() -> Result<Vec<KeyRow>, AppError> {
    use crate::domain::auth::Permission;
    super::authorize(Permission::ManageApiKeys)?;
    let now = super::clock()?.now();
    let mut rows: Vec<KeyRow> = super::store()?
        .api_keys()
        .await?
        .into_iter()
        .map(|k| KeyRow {
            state: KeyState::at(k.revoked_at.is_some(), k.expires_at, now),
            name: k.name,
            scopes: k.scopes.to_string_list(),
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            expires_at: k.expires_at,
            rate_per_minute: k.rate_per_minute,
        })
        .collect();
    rows.sort_by_key(|k| k.state != KeyState::Active);
    Ok(rows)
}

/// Creates a key; its secret is returned this once.
#[server(prefix = "/sfn", endpoint = "create_api_key")]
pub async fn create_api_key(form: KeyForm) -> Result<Issued, AppError> {
    use crate::domain::auth::Permission;
    let me = super::authorize(Permission::ManageApiKeys)?;
    let scopes = form.scope_list();
    let request = crate::admin::keys::KeyRequest {
        name: &form.name,
        scopes: &scopes,
        admin: false,
        expires_in_days: parse::days(&form.expires_in_days)?,
        rate_per_minute: None,
    };
    let (store, now) = (super::store()?, super::clock()?.now());
    let secret = crate::admin::keys::create(store.as_ref(), request, &me.username, now).await?;
    Ok(Issued {
        name: form.name.trim().to_string(),
        secret,
    })
}

#[server(prefix = "/sfn", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(name: String) -> Result<(), AppError> {
    use crate::domain::auth::Permission;
    let me = super::authorize(Permission::ManageApiKeys)?;
    let (store, now) = (super::store()?, super::clock()?.now());
    crate::admin::keys::revoke(store.as_ref(), &name, &me.username, now).await
}
