//! `app::store::Store` for SQLite (default, embedded) and PostgreSQL.
//!
//! Both backends run the same SQL, written in the common subset of the two dialects
//! (`$n` placeholders, `RETURNING`, `CAST(.. AS BIGINT)` around sums because PostgreSQL
//! widens `SUM(bigint)` to numeric). `impl_store!` instantiates it once per backend;
//! what genuinely differs — connection options, pragmas, migrations — lives in
//! `sqlite.rs` and `postgres.rs`. Invariants are those of the `Store` trait; in
//! particular every driver error leaves here as a `StoreError`, never as SQL text.
pub mod aggregates;
pub mod approvals;
pub mod audit;
pub mod bills;
pub mod cockpit;
pub mod collections;
pub mod customers;
pub mod feed;
pub mod groups;
pub mod handle;
pub mod idempotency;
pub mod identity;
pub mod inbox;
pub mod ledger;
pub mod pii;
pub mod postgres;
pub mod receivables;
pub mod reports;
pub mod rows;
pub mod rules;
pub mod scoring;
pub mod settings;
pub mod sqlite;

use crate::vault::{Keyring, MasterKey};
use app::store::{Store, StoreError};
use std::sync::Arc;

/// Rows per multi-row INSERT: far below both databases' bind-parameter limits.
pub(crate) const CHUNK: usize = 400;

/// Invoices dated ≤ $1 with `open_minor` at $1 (point in time): the maintained open
/// amount now plus whatever was allocated after $1. Columns: id, number, customer_id,
/// invoice_date, due_date, amount_minor, currency, open_minor.
pub(crate) const AT_AS_OF: &str = "SELECT i.id, i.number, i.customer_id, i.invoice_date, i.due_date, i.amount_minor, i.currency, \
       b.open_minor + COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a \
                                WHERE a.invoice_id = i.id AND a.allocated_on > $1), 0) AS open_minor \
     FROM invoices i JOIN invoice_balances b ON b.invoice_id = i.id WHERE i.invoice_date <= $1";

/// Narrows `AT_AS_OF` to the invoices that can be open at $1: those open now (the
/// open-balance index) and those with an allocation after $1 (the allocation-date
/// index). Reads of open items then cost O(open + tail), not O(every invoice posted).
pub(crate) const MAYBE_OPEN: &str =
    " AND i.id IN (SELECT invoice_id FROM invoice_balances WHERE open_minor > 0 \
                     UNION SELECT invoice_id FROM allocations WHERE allocated_on > $1)";

/// Where the data lives, parsed from a URL: `sqlite://path` or `postgres://…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("sqlite:") {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            if path.is_empty() {
                return Err("DATABASE_URL: sqlite URL has no file path (example: sqlite://data/creditdesk.db)".into());
            }
            Ok(DatabaseUrl::Sqlite(url.to_string()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(url.to_string()))
        } else {
            let scheme = url.split(':').next().unwrap_or("");
            Err(format!(
                "DATABASE_URL: unsupported scheme '{scheme}' (use sqlite://PATH or postgres://USER:PASS@HOST/DB)"
            ))
        }
    }
}

/// Opens (creating a SQLite file if needed), migrates, and opens the keys `master`
/// derives (refused when the database was written under another master key).
pub async fn connect(url: &DatabaseUrl, master: &MasterKey) -> Result<Arc<dyn Store>, String> {
    let keys = Arc::new(Keyring::derive(master));
    match url {
        DatabaseUrl::Sqlite(u) => Ok(Arc::new(sqlite::SqliteStore::connect(u, keys).await?)),
        DatabaseUrl::Postgres(u) => Ok(Arc::new(postgres::PgStore::connect(u, keys).await?)),
    }
}

/// Re-keys the database at `url` from `old` to `new` (see `vault::rotate`); returns the
/// audit rows re-keyed.
pub async fn rotate_master_key(
    url: &DatabaseUrl,
    old: &MasterKey,
    new: &MasterKey,
) -> Result<u64, String> {
    let (old, new) = (Arc::new(Keyring::derive(old)), Keyring::derive(new));
    match url {
        DatabaseUrl::Sqlite(u) => {
            sqlite::SqliteStore::connect(u, old)
                .await?
                .rotate_master_key(&new)
                .await
        }
        DatabaseUrl::Postgres(u) => {
            postgres::PgStore::connect(u, old)
                .await?
                .rotate_master_key(&new)
                .await
        }
    }
}

/// Maps a driver error: uniqueness and check violations become `Conflict` with the
/// offending column or constraint named; the rest is `Other` (logged, never shown).
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            // SQLite: "UNIQUE constraint failed: customers.code"; PostgreSQL: constraint "customers_code_key".
            let what = d
                .constraint()
                .map(|c| c.trim_end_matches("_key").replacen('_', ".", 1))
                .or_else(|| d.message().split("failed: ").nth(1).map(str::to_string))
                .unwrap_or_else(|| "a unique field".into());
            return StoreError::Conflict(format!("already exists: {what}"));
        }
        if d.is_check_violation() {
            return StoreError::Conflict(format!(
                "rejected by the ledger's rules: {}",
                d.constraint().unwrap_or("check")
            ));
        }
    }
    if matches!(e, sqlx::Error::RowNotFound) {
        return StoreError::NotFound;
    }
    StoreError::Other(e.to_string())
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("corrupt row: {what}"))
}

/// `%term%` for LIKE, with the wildcards in the user's text escaped (ESCAPE '\').
pub(crate) fn like_pattern(term: &str) -> String {
    let escaped = term
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Every port's implementation for one backend: the shared helpers, then one `impl` per
/// port, each in its feature's file. `$store` has a `pool: sqlx::Pool<$db>` and a
/// `claim: Option<Arc<Claim>>` (set only on the handles `Store::claiming` returns).
macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        $crate::store::ledger::ledger_fns!($db);
        $crate::store::aggregates::aggregate_reads!($db);
        $crate::store::inbox::inbox_fns!($db);
        $crate::store::reports::report_fns!($db);
        $crate::store::approvals::approval_fns!($db);
        $crate::store::scoring::scoring_fns!($db);
        $crate::store::rules::rule_store!($store, $db);
        $crate::store::collections::collection_store!($store, $db);
        $crate::store::rows::row_fns!($db);
        $crate::store::identity::identity_impl!($store, $db);
        $crate::store::audit::audit_impl!($store, $db);
        $crate::store::idempotency::idempotency_impl!($store, $db);
        $crate::store::handle::handle_impl!($store, $db);
        $crate::store::settings::settings_impl!($store, $db);
        $crate::store::inbox::inbox_impl!($store, $db);
        $crate::store::customers::customers_impl!($store, $db);
        $crate::store::groups::groups_impl!($store, $db);
        $crate::store::bills::bills_impl!($store, $db);
        $crate::store::feed::feed_impl!($store, $db);
        $crate::store::pii::pii_impl!($store, $db);
        $crate::store::ledger::ledger_impl!($store, $db);
        $crate::store::receivables::receivables_impl!($store, $db);
        $crate::store::cockpit::cockpit_impl!($store, $db);
        $crate::store::reports::reports_impl!($store, $db);
        $crate::store::approvals::approvals_impl!($store, $db);
        $crate::store::scoring::scoring_impl!($store, $db);
    };
}
pub(crate) use impl_store;
