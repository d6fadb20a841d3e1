//! Portfolio alert episodes and the in-app inbox.
//!
//! Invariant: an alert kind has at most one open episode, and each recipient is notified
//! once per episode.
use super::*;

#[async_trait]
pub trait InboxStore: Send + Sync {
    /// Records one whole-book evaluation at `as_of`: opens an episode (and notifies each
    /// of `recipients` once) for every alert not already open, and closes open episodes
    /// whose kind no longer trips. Returns the number of episodes opened.
    async fn record_alerts(
        &self,
        as_of: NaiveDate,
        alerts: &[Alert],
        recipients: &[i64],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError>;
    /// Newest first.
    async fn alert_history(&self, limit: i64) -> Result<Vec<AlertEpisode>, StoreError>;
    /// The user's own items, newest first.
    async fn inbox(&self, user_id: i64, limit: i64) -> Result<Vec<InboxItem>, StoreError>;
    async fn unread_count(&self, user_id: i64) -> Result<i64, StoreError>;
    /// Marks one of the user's items read, or all of them; returns how many changed.
    async fn mark_read(
        &self,
        user_id: i64,
        id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}
