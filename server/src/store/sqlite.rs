//! SQLite, the default: one file, WAL journal, `synchronous=FULL` so that a committed
//! ledger write survives power loss, foreign keys on, and a busy timeout so concurrent
//! writers queue instead of failing.
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    pub(crate) pool: Pool<Sqlite>,
    pub(crate) claim: Option<std::sync::Arc<app::store::Claim>>,
    pub(crate) keys: std::sync::Arc<crate::vault::Keyring>,
}

impl SqliteStore {
    pub async fn connect(
        url: &str,
        keys: std::sync::Arc<crate::vault::Keyring>,
    ) -> Result<Self, String> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| format!("DATABASE_URL: {e}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = opts
            .get_filename()
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create database directory {}: {e}", dir.display()))?;
        }
        // An in-memory database exists per connection: keep exactly one.
        let max = if url.contains(":memory:") { 1 } else { 8 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .connect_with(opts)
            .await
            .map_err(|e| format!("cannot open SQLite database {url}: {e}"))?;
        sqlx::migrate!("../migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| format!("migrating SQLite: {e}"))?;
        open_vault(&pool, &keys).await?;
        Ok(SqliteStore {
            pool,
            claim: None,
            keys,
        })
    }
}

/// Lifts, then restores, the audit trail's append-only guard inside the one transaction
/// that re-keys it (`store::audit`'s `rechain`); SQLite's DDL is transactional.
const AUDIT_REWRITE: [&str; 2] = [
    "DROP TRIGGER IF EXISTS audit_log_append_only_u",
    "CREATE TRIGGER audit_log_append_only_u BEFORE UPDATE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log are append-only'); END",
];

super::impl_store!(SqliteStore, Sqlite);
