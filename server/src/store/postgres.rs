//! PostgreSQL, for when one machine is outgrown. Same SQL as SQLite (see `mod.rs`);
//! only connection set-up and migrations differ.
use sqlx::postgres::PgPoolOptions;
use sqlx::{Pool, Postgres};
use std::time::Duration;

pub struct PgStore {
    pub(crate) pool: Pool<Postgres>,
    pub(crate) claim: Option<std::sync::Arc<app::store::Claim>>,
    pub(crate) keys: std::sync::Arc<crate::vault::Keyring>,
}

impl PgStore {
    pub async fn connect(
        url: &str,
        keys: std::sync::Arc<crate::vault::Keyring>,
    ) -> Result<Self, String> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
        sqlx::migrate!("../migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| format!("migrating PostgreSQL: {e}"))?;
        open_vault(&pool, &keys).await?;
        Ok(PgStore {
            pool,
            claim: None,
            keys,
        })
    }
}

/// Lifts, then restores, the audit trail's append-only guard inside the one transaction
/// that re-keys it (`store::audit`'s `rechain`); PostgreSQL's ALTER TABLE is transactional.
const AUDIT_REWRITE: [&str; 2] = [
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only",
];

super::impl_store!(PgStore, Postgres);
