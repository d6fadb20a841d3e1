//! A customer's sensitive fields (`domain::pii`), sealed at rest.
//!
//! Invariants: the store keeps each value sealed (AES-256-GCM, a fresh nonce per value,
//! the column as associated data) and the bank account also as a keyed blind index
//! (HMAC), so an account can be looked up exactly without being stored in clear; a
//! change is audited with the masked values only. Reads return clear values: masking and
//! the audit of unmasked reads are the caller's (`api::pii`, the REST API).
use super::*;
use crate::domain::pii::{BankAccount, CustomerPii};

#[async_trait]
pub trait PiiStore: Send + Sync {
    /// Replaces the customer's sensitive fields (NotFound for an unknown customer).
    async fn set_customer_pii(
        &self,
        customer_id: i64,
        pii: &CustomerPii,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The customer's fields in clear (all `None` when never set; NotFound for an
    /// unknown customer).
    async fn customer_pii(&self, customer_id: i64) -> Result<CustomerPii, StoreError>;
    /// The customers whose bank account is exactly `account`.
    async fn customers_with_bank_account(
        &self,
        account: &BankAccount,
    ) -> Result<Vec<i64>, StoreError>;
}
