//! `app::store::SettingsStore` for both backends: finance's settings. Expanded once per
//! backend by `impl_store!`; the SQL is shared (see `store/mod.rs`).
//!
//! Invariant: the settings that hold secrets (`notify::SEALED_SETTINGS`) are sealed at
//! rest under the keyring (`vault::seal`), the setting's key as associated data; readers
//! get plain text, and the audit trail gets `notify::audit_value`'s masked form.
macro_rules! settings_impl {
    ($store:ty, $db:ty) => {
        fn is_sealed_setting(key: &str) -> bool {
            app::domain::notify::SEALED_SETTINGS.contains(&key)
        }

        /// Seals the secret settings under `new`: sealed ones are opened with `old` first
        /// (a key rotation); plain ones (written before sealing existed) are sealed
        /// whatever `old` is. Inside the caller's transaction.
        async fn reseal_settings(
            tx: &mut Tx,
            old: &$crate::vault::Sealer,
            new: &$crate::vault::Sealer,
            only_plain: bool,
        ) -> Result<(), String> {
            use sqlx::Row;
            let err = |e: sqlx::Error| format!("sealing the settings: {}", $crate::store::db_err(e));
            for key in app::domain::notify::SEALED_SETTINGS {
                let Some(row) = sqlx::query("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(err)?
                else {
                    continue;
                };
                let stored: String = row.try_get("value").map_err(err)?;
                if only_plain && $crate::vault::Sealer::is_sealed(&stored) {
                    continue;
                }
                let plain = old.reveal(&stored, key).map_err(|e| format!("setting {key}: {e}"))?;
                sqlx::query("UPDATE settings SET value = $1 WHERE key = $2")
                    .bind(new.seal(&plain, key))
                    .bind(key)
                    .execute(&mut **tx)
                    .await
                    .map_err(err)?;
            }
            Ok(())
        }

        #[async_trait::async_trait]
        impl app::store::SettingsStore for $store {
            async fn setting(&self, key: &str) -> Result<Option<String>, app::store::StoreError> {
                let stored = sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                stored.map(|v| self.reveal_setting(key, v)).transpose()
            }

            async fn set_setting(&self, key: &str, value: &str, actor: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let before: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                let before = before.map(|b| self.reveal_setting(key, b)).transpose()?;
                let stored = if is_sealed_setting(key) { self.keys.seal.seal(value, key) } else { value.to_string() };
                sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2")
                    .bind(key)
                    .bind(stored)
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

        impl $store {
            fn reveal_setting(&self, key: &str, stored: String) -> Result<String, app::store::StoreError> {
                if !is_sealed_setting(key) {
                    return Ok(stored);
                }
                self.keys
                    .seal
                    .reveal(&stored, key)
                    .map_err(|e| app::store::StoreError::Other(format!("setting {key}: {e}")))
            }
        }
    };
}
pub(crate) use settings_impl;
