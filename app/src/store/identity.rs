//! Users, their sessions and reporting lines, and API keys.
//!
//! Invariants: passwords, session tokens and API keys are stored only as hashes; a session
//! past its expiry or a disabled user signs nobody in.
use super::*;

#[async_trait]
pub trait IdentityStore: Send + Sync {
    async fn create_user(&self, user: NewUser, now: DateTime<Utc>) -> Result<i64, StoreError>;
    async fn user_credentials(&self, username: &str)
        -> Result<Option<UserCredentials>, StoreError>;
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The session's user, if the session exists and has not expired at `now`.
    async fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError>;
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
    async fn create_api_key(
        &self,
        name: &str,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    async fn api_key(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError>;
    /// Lets a key call the admin endpoints.
    async fn grant_api_key_admin(&self, id: i64) -> Result<(), StoreError>;
    async fn users_by_role(&self, role: Role) -> Result<Vec<User>, StoreError>;
    async fn user_id_by_username(&self, username: &str) -> Result<Option<i64>, StoreError>;

    /// Every user, by id (the chain designer's user chips).
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;
    async fn user_manager(&self, user_id: i64) -> Result<Option<i64>, StoreError>;
    async fn set_user_manager(
        &self,
        user_id: i64,
        manager_id: Option<i64>,
    ) -> Result<(), StoreError>;
}
