//! PostgreSQL, for when one machine is outgrown. Same SQL as SQLite (see `mod.rs`);
//! only connection set-up and migrations differ.
use sqlx::postgres::PgPoolOptions;
use sqlx::{Pool, Postgres};
use std::time::Duration;

pub struct PgStore {
    pub(crate) pool: Pool<Postgres>,
    pub(crate) claim: Option<std::sync::Arc<app::store::Claim>>,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<Self, String> {
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
        Ok(PgStore { pool, claim: None })
    }
}

super::impl_store!(PgStore, Postgres);
