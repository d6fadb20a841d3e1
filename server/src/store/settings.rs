//! `app::store::SettingsStore` for both backends: finance's settings. Expanded once per
//! backend by `impl_store!`; the SQL is shared (see `store/mod.rs`).
macro_rules! settings_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::SettingsStore for $store {
            async fn setting(&self, key: &str) -> Result<Option<String>, app::store::StoreError> {
                sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }

            async fn set_setting(&self, key: &str, value: &str, actor: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
                let before: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2")
                    .bind(key)
                    .bind(value)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                let mut e = app::store::AuditEntry::new("setting", key, "update");
                e.before = before.map(|b| app::domain::notify::audit_value(key, &b));
                e.after = Some(app::domain::notify::audit_value(key, value));
                chain.push(e);
                commit(tx, chain).await
            }
        }
    };
}
pub(crate) use settings_impl;
