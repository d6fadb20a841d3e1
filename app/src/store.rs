//! The persistence port. `server/src/store/` implements it for SQLite and PostgreSQL;
//! server functions and endpoints only ever see `Arc<dyn Store>`.
//!
//! Invariants every implementation keeps:
//! - money is stored as integer minor units plus a currency code;
//! - posted ledger rows (invoices, payments, allocations) are inserted, never updated;
//! - reads that take a `Scope` never return rows outside it;
//! - reads that take `as_of` ignore documents dated after it (point in time);
//! - driver errors are mapped to `StoreError` here, so SQL never reaches a caller.
use crate::domain::aging::OpenItem;
use crate::domain::auth::{Role, Scope, User};
use crate::domain::customer::{CustomerFile, CustomerRow, NewCustomer};
use crate::domain::invoice::InvoiceLine;
use crate::domain::money::Money;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or state conflict, with a message fit for the user.
    #[error("{0}")]
    Conflict(String),
    /// Anything else (connection, driver, corrupt row). Logged, never shown.
    #[error("storage error: {0}")]
    Other(String),
}

/// A user row with its password hash, for login only.
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
}

pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

/// An invoice as posted (the ledger's debit side).
#[derive(Debug, Clone)]
pub struct NewInvoice {
    pub number: String,
    pub customer_id: i64,
    pub order_ref: Option<String>,
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    pub amount: Money,
}

/// A payment received, with the invoices it settles.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub reference: String,
    pub customer_id: i64,
    pub received_on: NaiveDate,
    pub amount: Money,
    /// (invoice id, amount); Σ ≤ payment amount, each ≤ the invoice's open amount.
    pub allocations: Vec<(i64, Money)>,
}

#[derive(Debug, Clone, Default)]
pub struct CustomerQuery {
    /// Matches code, name or USCC, case-insensitively.
    pub search: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// An API key record (the secret is only ever stored hashed).
pub struct ApiKey {
    pub id: i64,
    pub name: String,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    // --- users and sessions
    async fn create_user(&self, user: NewUser, now: DateTime<Utc>) -> Result<i64, StoreError>;
    async fn user_credentials(&self, username: &str) -> Result<Option<UserCredentials>, StoreError>;
    async fn create_session(&self, token_hash: &str, user_id: i64, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> Result<(), StoreError>;
    /// The session's user, if the session exists and has not expired at `now`.
    async fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>, StoreError>;
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
    async fn create_api_key(&self, name: &str, key_hash: &str, now: DateTime<Utc>) -> Result<i64, StoreError>;
    async fn api_key(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError>;
    async fn users_by_role(&self, role: Role) -> Result<Vec<User>, StoreError>;
    async fn audit(&self, at: DateTime<Utc>, actor: &str, action: &str, detail: &str) -> Result<(), StoreError>;

    // --- customers
    async fn insert_customers(&self, customers: &[NewCustomer], now: DateTime<Utc>) -> Result<Vec<i64>, StoreError>;
    async fn count_customers(&self) -> Result<i64, StoreError>;
    async fn customer_id_by_code(&self, code: &str) -> Result<Option<i64>, StoreError>;
    async fn list_customers(&self, q: &CustomerQuery, scope: Scope, as_of: NaiveDate) -> Result<Vec<CustomerRow>, StoreError>;
    async fn customer_file(&self, id: i64, scope: Scope) -> Result<Option<CustomerFile>, StoreError>;

    // --- ledger
    async fn insert_invoices(&self, invoices: &[NewInvoice], now: DateTime<Utc>) -> Result<Vec<i64>, StoreError>;
    async fn insert_payments(&self, payments: &[NewPayment], now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Every invoice dated ≤ as_of with its open amount at as_of, within scope.
    async fn open_items(&self, scope: Scope, as_of: NaiveDate) -> Result<Vec<OpenItem>, StoreError>;
    /// One customer's invoices dated ≤ as_of that are still open at as_of, oldest due first.
    async fn open_invoices(&self, customer_id: i64, as_of: NaiveDate) -> Result<Vec<InvoiceLine>, StoreError>;
}
