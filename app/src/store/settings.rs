//! Finance's settings: JSON values by key, each change audited.
use super::*;

#[async_trait]
pub trait SettingsStore: Send + Sync {
    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn set_setting(
        &self,
        key: &str,
        value: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}
