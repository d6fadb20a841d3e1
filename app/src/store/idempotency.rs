//! Idempotency-Key responses of the REST API.
//!
//! Invariant: a response is saved in the transaction of the write it answers
//! (`Store::claiming`), so a retried request gets the first answer or nothing was written.
use super::*;

#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    async fn stored_response(
        &self,
        api_key_id: i64,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError>;
    /// Saves the first response for a key; false when one was already saved.
    async fn store_response(
        &self,
        api_key_id: i64,
        key: &str,
        response: &StoredResponse,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}
