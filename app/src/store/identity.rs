//! Users, their sessions and reporting lines, and API keys.
//!
//! Invariants: passwords, session tokens and API keys are stored only as hashes; a
//! disabled user's credentials are not found, and disabling a user ends their sessions.
//! Whether a session still holds is `domain::sessions`' decision (`app::session::resume`).
use super::*;

/// What an admin may change about a user, all at once (`set_user_profile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    pub display_name: String,
    pub role: Role,
    pub manager_id: Option<i64>,
}

#[async_trait]
pub trait IdentityStore: Send + Sync {
    async fn create_user(&self, user: NewUser, now: DateTime<Utc>) -> Result<i64, StoreError>;
    /// The user's credentials, unless the user is unknown or disabled.
    async fn user_credentials(&self, username: &str)
        -> Result<Option<UserCredentials>, StoreError>;
    async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<(), StoreError>;
    /// Disables (`Some(at)`, ending every session of the user) or re-enables (`None`).
    async fn set_user_disabled(
        &self,
        user_id: i64,
        at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError>;
    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError>;
    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// The user's sessions, most recently seen first (ended ones may still be listed
    /// until purged; callers filter with `domain::sessions`).
    async fn user_sessions(&self, user_id: i64) -> Result<Vec<SessionRecord>, StoreError>;
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
    /// Ends every session of the user but `keep`; returns how many ended.
    async fn end_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<u64, StoreError>;
    /// Deletes sessions past their expiry at `now` or last seen before `idle_before`.
    async fn purge_sessions(
        &self,
        now: DateTime<Utc>,
        idle_before: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    async fn add_api_key(&self, key: &NewApiKey, now: DateTime<Utc>) -> Result<i64, StoreError>;
    /// A key with the legacy scopes (`read,ledger:write`), no expiry, the default rate.
    async fn create_api_key(
        &self,
        name: &str,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let key = NewApiKey {
            name: name.into(),
            key_hash: key_hash.into(),
            scopes: crate::domain::api_keys::ApiScopes::LEGACY,
            expires_at: None,
            rate_per_minute: crate::domain::api_keys::DEFAULT_RATE_PER_MINUTE,
        };
        self.add_api_key(&key, now).await
    }
    /// The key with this hash, revoked and expired ones included (so the refusal can
    /// say which).
    async fn api_key(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError>;
    async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;
    async fn set_api_key_scopes(
        &self,
        id: i64,
        scopes: crate::domain::api_keys::ApiScopes,
    ) -> Result<(), StoreError>;
    /// Revokes the live key of that name (NotFound if none).
    async fn revoke_api_key(&self, name: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    async fn touch_api_key(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError>;
    async fn users_by_role(&self, role: Role) -> Result<Vec<User>, StoreError>;
    async fn user_id_by_username(&self, username: &str) -> Result<Option<i64>, StoreError>;

    /// Every user, by id (the chain designer's user chips).
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;
    /// Every user with what the admin page shows: manager, disabled, created.
    async fn user_accounts(&self) -> Result<Vec<UserAccount>, StoreError>;
    /// Sets the user's name, role and manager and appends `entry` to the audit trail
    /// under `actor`, in one transaction.
    async fn set_user_profile(
        &self,
        user_id: i64,
        profile: &UserProfile,
        audit: (DateTime<Utc>, &str, AuditEntry),
    ) -> Result<(), StoreError>;
    async fn user_manager(&self, user_id: i64) -> Result<Option<i64>, StoreError>;
    async fn set_user_manager(
        &self,
        user_id: i64,
        manager_id: Option<i64>,
    ) -> Result<(), StoreError>;
}
