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
pub mod collections;
pub mod inbox;
pub mod ledger;
pub mod postgres;
pub mod reports;
pub mod rules;
pub mod scoring;
pub mod sqlite;

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

/// Opens (creating a SQLite file if needed) and migrates.
pub async fn connect(url: &DatabaseUrl) -> Result<Arc<dyn Store>, String> {
    match url {
        DatabaseUrl::Sqlite(u) => Ok(Arc::new(sqlite::SqliteStore::connect(u).await?)),
        DatabaseUrl::Postgres(u) => Ok(Arc::new(postgres::PgStore::connect(u).await?)),
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

/// The trait implementation, shared by both backends. `$store` has a `pool: sqlx::Pool<$db>`
/// and a `claim: Option<Arc<Claim>>` (set only on the handles `Store::claiming` returns).
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

        #[async_trait::async_trait]
        impl app::store::IdentityStore for $store {
            async fn create_user(&self, u: app::store::NewUser, now: chrono::DateTime<chrono::Utc>) -> Result<i64, app::store::StoreError> {
                sqlx::query_scalar::<_, i64>(
                    "INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&u.username)
                .bind(&u.display_name)
                .bind(u.role.as_str())
                .bind(&u.password_hash)
                .bind(now)
                .fetch_one(&self.pool)
                .await
                .map_err($crate::store::db_err)
            }

            async fn user_credentials(&self, username: &str) -> Result<Option<app::store::UserCredentials>, app::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT id, username, display_name, role, password_hash FROM users WHERE username = $1")
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                let Some(row) = row else { return Ok(None) };
                let user = user_from_row(&row)?;
                let password_hash: String = row.try_get("password_hash").map_err($crate::store::db_err)?;
                Ok(Some(app::store::UserCredentials { user, password_hash }))
            }

            async fn create_session(
                &self,
                token_hash: &str,
                user_id: i64,
                now: chrono::DateTime<chrono::Utc>,
                expires_at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash)
                    .bind(user_id)
                    .bind(now)
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                Ok(())
            }

            async fn session_user(
                &self,
                token_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<app::domain::auth::User>, app::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT u.id, u.username, u.display_name, u.role, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                let Some(row) = row else { return Ok(None) };
                let expires_at: chrono::DateTime<chrono::Utc> = row.try_get("expires_at").map_err($crate::store::db_err)?;
                if expires_at <= now {
                    return Ok(None);
                }
                Ok(Some(user_from_row(&row)?))
            }

            async fn delete_session(&self, token_hash: &str) -> Result<(), app::store::StoreError> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                Ok(())
            }

            async fn create_api_key(&self, name: &str, key_hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<i64, app::store::StoreError> {
                sqlx::query_scalar::<_, i64>("INSERT INTO api_keys (name, key_hash, created_at) VALUES ($1, $2, $3) RETURNING id")
                    .bind(name)
                    .bind(key_hash)
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }

            async fn grant_api_key_admin(&self, id: i64) -> Result<(), app::store::StoreError> {
                sqlx::query("UPDATE api_keys SET admin = $2 WHERE id = $1").bind(id).bind(true).execute(&self.pool).await.map_err($crate::store::db_err)?;
                Ok(())
            }

            async fn api_key(&self, key_hash: &str) -> Result<Option<app::store::ApiKey>, app::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT id, name, admin FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                row.map(|r| {
                    Ok(app::store::ApiKey {
                        id: r.try_get("id").map_err($crate::store::db_err)?,
                        name: r.try_get("name").map_err($crate::store::db_err)?,
                        admin: r.try_get("admin").map_err($crate::store::db_err)?,
                    })
                })
                .transpose()
            }

            async fn users_by_role(&self, role: app::domain::auth::Role) -> Result<Vec<app::domain::auth::User>, app::store::StoreError> {
                let rows = sqlx::query("SELECT id, username, display_name, role FROM users WHERE role = $1 ORDER BY id")
                    .bind(role.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                rows.iter().map(user_from_row).collect()
            }

            async fn user_id_by_username(&self, username: &str) -> Result<Option<i64>, app::store::StoreError> {
                sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = $1")
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }

            async fn list_users(&self) -> Result<Vec<app::domain::auth::User>, app::store::StoreError> {
                let rows = sqlx::query("SELECT id, username, display_name, role FROM users ORDER BY id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                rows.iter().map(user_from_row).collect()
            }

            async fn user_manager(&self, user_id: i64) -> Result<Option<i64>, app::store::StoreError> {
                let m: Option<Option<i64>> = sqlx::query_scalar("SELECT manager_id FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                m.ok_or(app::store::StoreError::NotFound)
            }

            async fn set_user_manager(&self, user_id: i64, manager_id: Option<i64>) -> Result<(), app::store::StoreError> {
                let n = sqlx::query("UPDATE users SET manager_id = $2 WHERE id = $1")
                    .bind(user_id)
                    .bind(manager_id)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?
                    .rows_affected();
                if n == 1 { Ok(()) } else { Err(app::store::StoreError::NotFound) }
            }
        }

        #[async_trait::async_trait]
        impl app::store::AuditStore for $store {
            async fn audit(&self, at: chrono::DateTime<chrono::Utc>, actor: &str, entry: app::store::AuditEntry) -> Result<(), app::store::StoreError> {
                let (tx, mut chain) = begin(&self.pool, actor, at).await?;
                chain.push(entry);
                commit(tx, chain).await
            }

            async fn audit_trail(&self, q: &app::store::AuditQuery) -> Result<Vec<app::store::AuditRow>, app::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, at, actor, entity, entity_key, action, before, after, hash FROM audit_log \
                     WHERE (CAST($1 AS TEXT) IS NULL OR entity = $1) AND (CAST($2 AS TEXT) IS NULL OR entity_key = $2) \
                       AND (CAST($3 AS TEXT) IS NULL OR actor = $3) AND (CAST($4 AS BIGINT) IS NULL OR id < $4) \
                     ORDER BY id DESC LIMIT $5",
                )
                .bind(q.entity.as_deref())
                .bind(q.entity_key.as_deref())
                .bind(q.actor.as_deref())
                .bind(q.before_id)
                .bind(q.limit)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                rows.iter().map(audit_row).collect()
            }

            async fn verify_audit(&self) -> Result<app::store::AuditVerification, app::store::StoreError> {
                use sqlx::Row;
                let mut prev = "0".repeat(64);
                let mut expected_id = 1i64;
                let mut rows_seen = 0u64;
                loop {
                    let page = sqlx::query(
                        "SELECT id, at, actor, entity, entity_key, action, before, after, prev_hash, hash FROM audit_log \
                         WHERE id >= $1 ORDER BY id LIMIT 5000",
                    )
                    .bind(expected_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                    if page.is_empty() {
                        break;
                    }
                    for r in &page {
                        let row = audit_row(r)?;
                        let stored_prev: String = r.try_get("prev_hash").map_err($crate::store::db_err)?;
                        let recomputed = $crate::store::ledger::chain_hash(&prev, row.id, &row.at, &row.actor, &row.entry);
                        if row.id != expected_id || stored_prev != prev || recomputed != row.hash {
                            return Ok(app::store::AuditVerification { rows: rows_seen, first_broken: Some(expected_id.min(row.id)) });
                        }
                        prev = row.hash;
                        expected_id += 1;
                        rows_seen += 1;
                    }
                }
                let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                let last_id: i64 = head.try_get("last_id").map_err($crate::store::db_err)?;
                let last_hash: String = head.try_get("last_hash").map_err($crate::store::db_err)?;
                let first_broken = (last_id != expected_id - 1 || last_hash != prev).then_some(expected_id);
                Ok(app::store::AuditVerification { rows: rows_seen, first_broken })
            }
        }

        #[async_trait::async_trait]
        impl app::store::IdempotencyStore for $store {
            async fn stored_response(&self, api_key_id: i64, key: &str) -> Result<Option<app::store::StoredResponse>, app::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT request_hash, status, body FROM idempotency_keys WHERE api_key_id = $1 AND key = $2")
                    .bind(api_key_id)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                row.map(|r| {
                    let status: i32 = r.try_get("status").map_err($crate::store::db_err)?;
                    Ok(app::store::StoredResponse {
                        request_hash: r.try_get("request_hash").map_err($crate::store::db_err)?,
                        status: u16::try_from(status).map_err($crate::store::corrupt)?,
                        body: r.try_get("body").map_err($crate::store::db_err)?,
                    })
                })
                .transpose()
            }

            async fn store_response(
                &self,
                api_key_id: i64,
                key: &str,
                response: &app::store::StoredResponse,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, app::store::StoreError> {
                let n = sqlx::query(
                    "INSERT INTO idempotency_keys (api_key_id, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (api_key_id, key) DO NOTHING",
                )
                .bind(api_key_id)
                .bind(key)
                .bind(&response.request_hash)
                .bind(i32::from(response.status))
                .bind(&response.body)
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err($crate::store::db_err)?
                .rows_affected();
                Ok(n == 1)
            }
        }

        #[async_trait::async_trait]
        impl app::store::Store for $store {
            fn claiming(&self, claim: std::sync::Arc<app::store::Claim>) -> std::sync::Arc<dyn app::store::Store> {
                std::sync::Arc::new(Self { pool: self.pool.clone(), claim: Some(claim) })
            }
        }

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

        #[async_trait::async_trait]
        impl app::store::InboxStore for $store {
            async fn record_alerts(
                &self,
                as_of: chrono::NaiveDate,
                alerts: &[app::domain::alerts::Alert],
                recipients: &[i64],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<usize, app::store::StoreError> {
                record_alerts_in(&self.pool, as_of, alerts, recipients, now).await
            }

            async fn alert_history(&self, limit: i64) -> Result<Vec<app::domain::alerts::AlertEpisode>, app::store::StoreError> {
                alert_history_in(&self.pool, limit).await
            }

            async fn inbox(&self, user_id: i64, limit: i64) -> Result<Vec<app::domain::inbox::InboxItem>, app::store::StoreError> {
                inbox_in(&self.pool, user_id, limit).await
            }

            async fn unread_count(&self, user_id: i64) -> Result<i64, app::store::StoreError> {
                sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
                    .bind(user_id)
                    .fetch_one(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }

            async fn mark_read(&self, user_id: i64, id: Option<i64>, now: chrono::DateTime<chrono::Utc>) -> Result<u64, app::store::StoreError> {
                let r = sqlx::query(
                    "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND (CAST($3 AS BIGINT) IS NULL OR id = $3)",
                )
                .bind(now)
                .bind(user_id)
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                Ok(r.rows_affected())
            }
        }

        #[async_trait::async_trait]
        impl app::store::CustomerStore for $store {
            async fn insert_customers(
                &self,
                customers: &[app::domain::customer::NewCustomer],
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<i64>, app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
                let ids = insert_customers_tx(&mut tx, &mut chain, customers, now).await?;
                if let (Some(claim), [id]) = (&self.claim, ids.as_slice()) {
                    let file = customer_file_in(&mut *tx, *id, app::domain::auth::Scope::All).await?.ok_or(app::store::StoreError::NotFound)?;
                    chain.answer(Some(claim), app::store::Written::Customer(&file))?;
                }
                commit(tx, chain).await?;
                Ok(ids)
            }

            async fn update_customer(
                &self,
                id: i64,
                patch: &app::domain::documents::CustomerPatch,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<app::domain::customer::CustomerFile, app::store::StoreError> {
                // Read under the writers' lock, so a concurrent PATCH cannot be overwritten.
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
                let before = customer_file_in(&mut *tx, id, app::domain::auth::Scope::All).await?.ok_or(app::store::StoreError::NotFound)?;
                let mut after = before.clone();
                if let Some(s) = patch.status {
                    after.status = s;
                }
                if let Some(l) = patch.credit_limit {
                    after.credit_limit = l;
                }
                if let Some(t) = patch.temp_limit {
                    after.temp_limit = t;
                }
                sqlx::query(
                    "UPDATE customers SET status = $2, credit_limit_minor = $3, temp_limit_minor = $4, temp_limit_expires_on = $5 WHERE id = $1",
                )
                .bind(id)
                .bind(after.status.as_str())
                .bind(after.credit_limit.minor())
                .bind(after.temp_limit.map(|(m, _)| m.minor()))
                .bind(after.temp_limit.map(|(_, d)| d))
                .execute(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
                let terms = |f: &app::domain::customer::CustomerFile| {
                    serde_json::json!({
                        "status": f.status, "credit_limit": f.credit_limit.amount().to_string(),
                        "temp_limit": f.temp_limit.map(|(m, _)| m.amount().to_string()),
                        "temp_limit_expires_on": f.temp_limit.map(|(_, d)| d),
                    })
                    .to_string()
                };
                let mut e = app::store::AuditEntry::new("customer", before.code.as_str(), "update");
                e.before = Some(terms(&before));
                e.after = Some(terms(&after));
                chain.push(e);
                if after.status != before.status {
                    chain.raise(app::domain::events::DomainEvent::status_changed(id));
                }
                commit(tx, chain).await?;
                Ok(after)
            }

            async fn customers_by_code(
                &self,
                codes: &[String],
            ) -> Result<std::collections::HashMap<String, app::store::CustomerRef>, app::store::StoreError> {
                use sqlx::Row;
                let mut out = std::collections::HashMap::new();
                for part in codes.chunks($crate::store::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT id, code, currency, payment_terms_days FROM customers WHERE code IN (");
                    let mut sep = qb.separated(", ");
                    for c in part {
                        sep.push_bind(c.clone());
                    }
                    qb.push(")");
                    for r in qb.build().fetch_all(&self.pool).await.map_err($crate::store::db_err)? {
                        let terms: i32 = r.try_get("payment_terms_days").map_err($crate::store::db_err)?;
                        out.insert(
                            text(&r, "code")?,
                            app::store::CustomerRef {
                                id: r.try_get("id").map_err($crate::store::db_err)?,
                                currency: currency_of(&r)?,
                                payment_terms_days: u16::try_from(terms).map_err($crate::store::corrupt)?,
                            },
                        );
                    }
                }
                Ok(out)
            }

            async fn count_customers(&self) -> Result<i64, app::store::StoreError> {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM customers")
                    .fetch_one(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }

            async fn customer_id_by_code(&self, code: &str) -> Result<Option<i64>, app::store::StoreError> {
                sqlx::query_scalar::<_, i64>("SELECT id FROM customers WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }

            async fn list_customers(
                &self,
                q: &app::store::CustomerQuery,
                scope: app::domain::auth::Scope,
                as_of: chrono::NaiveDate,
            ) -> Result<Vec<app::domain::customer::CustomerRow>, app::store::StoreError> {
                use app::domain::customer::CustomerRow;
                use app::domain::money::Money;
                use sqlx::Row;
                let sql = format!(
                    "WITH open_inv AS ({}{}), per_customer AS ( \
                        SELECT customer_id, CAST(SUM(open_minor) AS BIGINT) AS open_minor, \
                               CAST(SUM(CASE WHEN due_date < $1 THEN open_minor ELSE 0 END) AS BIGINT) AS overdue_minor, \
                               MIN(CASE WHEN due_date < $1 AND open_minor > 0 THEN due_date END) AS oldest_overdue \
                        FROM open_inv GROUP BY customer_id \
                     ) \
                     SELECT c.id, c.code, c.name, c.region, c.industry, u.display_name AS rep, c.status, c.grade, c.currency, \
                            COALESCE(p.open_minor, 0) AS open_minor, COALESCE(p.overdue_minor, 0) AS overdue_minor, p.oldest_overdue \
                     FROM customers c \
                     LEFT JOIN users u ON u.id = c.sales_rep_id \
                     LEFT JOIN per_customer p ON p.customer_id = c.id \
                     WHERE (CAST($2 AS BIGINT) IS NULL OR c.sales_rep_id = $2) \
                       AND (CAST($3 AS TEXT) IS NULL OR LOWER(c.name) LIKE $3 ESCAPE '\\' \
                            OR LOWER(c.code) LIKE $3 ESCAPE '\\' OR LOWER(c.uscc) LIKE $3 ESCAPE '\\') \
                     ORDER BY COALESCE(p.overdue_minor, 0) DESC, c.code \
                     LIMIT $4 OFFSET $5",
                    $crate::store::AT_AS_OF,
                    $crate::store::MAYBE_OPEN
                );
                let rows = sqlx::query(&sql)
                .bind(as_of)
                .bind(scope.rep_id())
                .bind(q.search.as_deref().map($crate::store::like_pattern))
                .bind(q.limit)
                .bind(q.offset)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        let currency = currency_of(r)?;
                        let oldest: Option<chrono::NaiveDate> = r.try_get("oldest_overdue").map_err($crate::store::db_err)?;
                        Ok(CustomerRow {
                            id: r.try_get("id").map_err($crate::store::db_err)?,
                            code: code_of(r)?,
                            name: r.try_get("name").map_err($crate::store::db_err)?,
                            region: r.try_get("region").map_err($crate::store::db_err)?,
                            industry: r.try_get("industry").map_err($crate::store::db_err)?,
                            sales_rep: r.try_get("rep").map_err($crate::store::db_err)?,
                            status: status_of(r)?,
                            grade: grade_of(r)?,
                            open: Money::from_minor(r.try_get("open_minor").map_err($crate::store::db_err)?, currency),
                            overdue: Money::from_minor(r.try_get("overdue_minor").map_err($crate::store::db_err)?, currency),
                            max_days_past_due: oldest.map(|d| app::domain::aging::days_past_due(as_of, d)).unwrap_or(0),
                        })
                    })
                    .collect()
            }

            async fn customer_file(
                &self,
                id: i64,
                scope: app::domain::auth::Scope,
            ) -> Result<Option<app::domain::customer::CustomerFile>, app::store::StoreError> {
                customer_file_in(&self.pool, id, scope).await
            }

            async fn regions(&self) -> Result<Vec<String>, app::store::StoreError> {
                sqlx::query_scalar("SELECT DISTINCT region FROM customers WHERE region <> '' ORDER BY region")
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }
        }

        #[async_trait::async_trait]
        impl app::store::LedgerStore for $store {
            async fn insert_invoices(
                &self,
                invoices: &[app::store::NewInvoice],
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<i64>, app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
                let ids = insert_invoices_tx(&mut tx, &mut chain, invoices, now).await?;
                chain.answer(self.claim.as_ref(), app::store::Written::Invoices(invoices))?;
                commit(tx, chain).await?;
                Ok(ids)
            }

            async fn insert_payments(
                &self,
                payments: &[app::store::NewPayment],
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<app::store::PostedPayment>, app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
                let mut posted = Vec::with_capacity(payments.len());
                for p in payments {
                    if p.amount.minor() <= 0 {
                        return Err($crate::store::ledger::rejected("amount", format!("payment {}: must be more than zero", p.reference)));
                    }
                    posted.push(insert_payment_tx(&mut tx, &mut chain, p, now).await?);
                }
                chain.answer(self.claim.as_ref(), app::store::Written::Payments(&posted))?;
                commit(tx, chain).await?;
                Ok(posted)
            }

            async fn post_order(
                &self,
                o: &app::store::NewOrder,
                policy: app::domain::credit::CreditPolicy,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(i64, app::domain::credit::CreditCheck), app::store::StoreError> {
                use app::domain::credit::Decision;
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
                let position = position_of(&mut *tx, o.customer_id, o.ordered_on).await?;
                let check = app::domain::credit::check(&position, o.amount, policy)
                    .map_err(|e| $crate::store::ledger::rejected("amount", e.to_string()))?;
                let reasons: Vec<&str> = check.reasons.iter().map(|r| r.as_str()).collect();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO orders (number, customer_id, ordered_on, amount_minor, currency, decision, reasons, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(&o.number)
                .bind(o.customer_id)
                .bind(o.ordered_on)
                .bind(o.amount.minor())
                .bind(o.amount.currency().code())
                .bind(check.decision.as_str())
                .bind(reasons.join(","))
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
                if check.decision == Decision::Approved {
                    // Invoices may have arrived with this order's number before the order itself.
                    let open = order_open(&mut tx, o.customer_id, &o.number).await?.map(|(_, open)| open).unwrap_or(0);
                    bump(&mut tx, o.customer_id, 0, open, 0).await?;
                }
                let mut e = app::store::AuditEntry::new("order", o.number.clone(), "post");
                e.after = Some(
                    serde_json::json!({
                        "customer_id": o.customer_id, "ordered_on": o.ordered_on, "amount": o.amount.amount().to_string(),
                        "currency": o.amount.currency().code(), "decision": check.decision, "reasons": check.reasons,
                    })
                    .to_string(),
                );
                chain.push(e);
                chain.answer(self.claim.as_ref(), app::store::Written::Order(o, &check))?;
                commit(tx, chain).await?;
                Ok((id, check))
            }

            async fn cancel_order(
                &self,
                number: &str,
                on: chrono::NaiveDate,
                reason: &str,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                use sqlx::Row;
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
                let row = sqlx::query(
                    "SELECT o.id, o.customer_id, o.ordered_on, EXISTS (SELECT 1 FROM order_cancellations x WHERE x.order_id = o.id) AS cancelled \
                     FROM orders o WHERE o.number = $1",
                )
                .bind(number)
                .fetch_optional(&mut *tx)
                .await
                .map_err($crate::store::db_err)?
                .ok_or_else(|| $crate::store::ledger::rejected("number", format!("no order {number}")))?;
                let id: i64 = row.try_get("id").map_err($crate::store::db_err)?;
                let customer: i64 = row.try_get("customer_id").map_err($crate::store::db_err)?;
                let ordered_on: chrono::NaiveDate = row.try_get("ordered_on").map_err($crate::store::db_err)?;
                if row.try_get::<bool, _>("cancelled").map_err($crate::store::db_err)? {
                    return Err(app::store::StoreError::Conflict(format!("order {number} is already cancelled")));
                }
                if on < ordered_on {
                    return Err($crate::store::ledger::rejected("cancelled_on", format!("is before the order date {ordered_on}")));
                }
                let open = order_open(&mut tx, customer, number).await?.map(|(_, open)| open).unwrap_or(0);
                sqlx::query("INSERT INTO order_cancellations (order_id, cancelled_on, reason, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(on)
                    .bind(reason)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                bump(&mut tx, customer, 0, -open, 0).await?;
                let mut e = app::store::AuditEntry::new("order", number, "cancel");
                e.after = Some(serde_json::json!({"cancelled_on": on, "reason": reason, "released": open}).to_string());
                chain.push(e);
                commit(tx, chain).await
            }

            async fn insert_credit_note(
                &self,
                n: &app::store::NewCreditNote,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, app::store::StoreError> {
                use $crate::store::ledger::rejected;
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
                let target = match &n.invoice_number {
                    None => None,
                    Some(number) => {
                        let inv = invoice_by_number(&mut tx, number)
                            .await?
                            .ok_or_else(|| rejected("invoice_number", format!("no invoice {number}")))?;
                        if inv.customer_id != n.customer_id {
                            return Err(rejected("invoice_number", format!("invoice {number} belongs to another customer")));
                        }
                        if n.amount.minor() > inv.invoice.open.minor() {
                            return Err(rejected(
                                "amount",
                                format!("{} exceeds what is open on invoice {number} ({})", n.amount.display(), inv.invoice.open.display()),
                            ));
                        }
                        Some(inv.id)
                    }
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO credit_notes (number, customer_id, issued_on, amount_minor, currency, invoice_id, reason, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(&n.number)
                .bind(n.customer_id)
                .bind(n.issued_on)
                .bind(n.amount.minor())
                .bind(n.amount.currency().code())
                .bind(target)
                .bind(&n.reason)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
                match target {
                    Some(invoice) => {
                        settle(&mut tx, &mut chain, $crate::store::ledger::Source::CreditNote, id, None, invoice, n.amount.minor(), n.issued_on, now).await?;
                        bump(&mut tx, n.customer_id, -n.amount.minor(), 0, 0).await?;
                    }
                    None => bump(&mut tx, n.customer_id, 0, 0, n.amount.minor()).await?,
                }
                let mut e = app::store::AuditEntry::new("credit_note", n.number.clone(), "post");
                e.after = Some(
                    serde_json::json!({
                        "customer_id": n.customer_id, "issued_on": n.issued_on, "amount": n.amount.amount().to_string(),
                        "invoice_number": n.invoice_number, "reason": n.reason,
                    })
                    .to_string(),
                );
                chain.push(e);
                chain.answer(self.claim.as_ref(), app::store::Written::CreditNote(n))?;
                commit(tx, chain).await?;
                Ok(id)
            }

            async fn write_off(
                &self,
                w: &app::store::NewWriteOff,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<app::domain::money::Money, app::store::StoreError> {
                use $crate::store::ledger::rejected;
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
                let inv = invoice_by_number(&mut tx, &w.invoice_number)
                    .await?
                    .ok_or_else(|| rejected("invoice_number", format!("no invoice {}", w.invoice_number)))?;
                let open = inv.invoice.open;
                if open.is_zero() {
                    return Err(rejected("invoice_number", format!("invoice {} has nothing open", w.invoice_number)));
                }
                if open.currency() != w.tolerance.currency() || open.minor() > w.tolerance.minor() {
                    return Err(rejected(
                        "invoice_number",
                        format!("open amount {} exceeds the write-off tolerance {}", open.display(), w.tolerance.display()),
                    ));
                }
                if w.written_on < inv.invoice.invoice_date {
                    return Err(rejected("written_on", "is before the invoice date"));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO write_offs (invoice_id, written_on, amount_minor, currency, reason, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(inv.id)
                .bind(w.written_on)
                .bind(open.minor())
                .bind(open.currency().code())
                .bind(&w.reason)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
                settle(&mut tx, &mut chain, $crate::store::ledger::Source::WriteOff, id, None, inv.id, open.minor(), w.written_on, now).await?;
                bump(&mut tx, inv.customer_id, -open.minor(), 0, 0).await?;
                let mut e = app::store::AuditEntry::new("write_off", w.invoice_number.clone(), "post");
                e.after = Some(serde_json::json!({"written_on": w.written_on, "amount": open.amount().to_string(), "reason": w.reason}).to_string());
                chain.push(e);
                commit(tx, chain).await?;
                Ok(open)
            }

            async fn reverse(
                &self,
                doc: &app::store::Reversible,
                on: chrono::NaiveDate,
                reason: &str,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
                reverse_tx(&mut tx, &mut chain, doc, on, reason, now).await?;
                commit(tx, chain).await
            }

            async fn credit_position(
                &self,
                customer_id: i64,
                as_of: chrono::NaiveDate,
            ) -> Result<app::domain::credit::CreditPosition, app::store::StoreError> {
                position_of(&self.pool, customer_id, as_of).await
            }

            async fn recomputed_exposure(&self, customer_id: i64) -> Result<app::domain::credit::Exposure, app::store::StoreError> {
                use app::domain::money::Money;
                use sqlx::Row;
                let r = sqlx::query(
                    "SELECT c.currency, \
                       COALESCE((SELECT CAST(SUM(amount_minor) AS BIGINT) FROM invoices WHERE customer_id = c.id), 0) \
                     - COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a JOIN invoices i ON i.id = a.invoice_id \
                                 WHERE i.customer_id = c.id), 0) AS open_invoices, \
                       COALESCE((SELECT CAST(SUM(CASE WHEN o.amount_minor > o.invoiced THEN o.amount_minor - o.invoiced ELSE 0 END) AS BIGINT) FROM ( \
                           SELECT o.amount_minor, COALESCE((SELECT CAST(SUM(i.amount_minor) AS BIGINT) FROM invoices i \
                                                            WHERE i.order_ref = o.number AND i.customer_id = o.customer_id), 0) AS invoiced \
                           FROM orders o WHERE o.customer_id = c.id AND (o.decision = 'approved' OR EXISTS (SELECT 1 FROM order_releases r WHERE r.order_id = o.id)) \
                             AND NOT EXISTS (SELECT 1 FROM order_cancellations x WHERE x.order_id = o.id)) o), 0) AS open_orders, \
                       COALESCE((SELECT CAST(SUM(amount_minor) AS BIGINT) FROM payments p WHERE p.customer_id = c.id \
                                 AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id)), 0) \
                     + COALESCE((SELECT CAST(SUM(amount_minor) AS BIGINT) FROM credit_notes n WHERE n.customer_id = c.id \
                                 AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.credit_note_id = n.id)), 0) \
                     - COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a JOIN invoices i ON i.id = a.invoice_id \
                                 WHERE i.customer_id = c.id AND (a.payment_id IS NOT NULL OR a.credit_note_id IS NOT NULL)), 0) AS unallocated \
                     FROM customers c WHERE c.id = $1",
                )
                .bind(customer_id)
                .fetch_optional(&self.pool)
                .await
                .map_err($crate::store::db_err)?
                .ok_or(app::store::StoreError::NotFound)?;
                let cur = currency_of(&r)?;
                let m = |col: &str| -> Result<Money, app::store::StoreError> {
                    Ok(Money::from_minor(r.try_get::<i64, _>(col).map_err($crate::store::db_err)?, cur))
                };
                Ok(app::domain::credit::Exposure {
                    open_invoices: m("open_invoices")?,
                    open_orders: m("open_orders")?,
                    unallocated_credits: m("unallocated")?,
                })
            }

            async fn open_items(
                &self,
                scope: app::domain::auth::Scope,
                as_of: chrono::NaiveDate,
            ) -> Result<Vec<app::domain::aging::OpenItem>, app::store::StoreError> {
                use app::domain::money::Money;
                use sqlx::Row;
                let sql = format!(
                    "SELECT o.customer_id, o.invoice_date, o.due_date, o.currency, o.open_minor FROM ({}{}) o \
                     JOIN customers c ON c.id = o.customer_id \
                     WHERE o.open_minor <> 0 AND (CAST($2 AS BIGINT) IS NULL OR c.sales_rep_id = $2)",
                    $crate::store::AT_AS_OF,
                    $crate::store::MAYBE_OPEN
                );
                let rows = sqlx::query(&sql)
                .bind(as_of)
                .bind(scope.rep_id())
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        let currency = currency_of(r)?;
                        Ok(app::domain::aging::OpenItem {
                            customer_id: r.try_get("customer_id").map_err($crate::store::db_err)?,
                            invoice_date: r.try_get("invoice_date").map_err($crate::store::db_err)?,
                            due_date: r.try_get("due_date").map_err($crate::store::db_err)?,
                            open: Money::from_minor(r.try_get("open_minor").map_err($crate::store::db_err)?, currency),
                        })
                    })
                    .collect()
            }

            async fn open_invoices(
                &self,
                customer_id: i64,
                as_of: chrono::NaiveDate,
            ) -> Result<Vec<app::domain::invoice::InvoiceLine>, app::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, number, invoice_date, due_date, amount_minor, currency, open_minor FROM ( \
                        SELECT i.id, i.number, i.invoice_date, i.due_date, i.amount_minor, i.currency, \
                               i.amount_minor - COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a \
                                                          WHERE a.invoice_id = i.id AND a.allocated_on <= $2), 0) AS open_minor \
                        FROM invoices i WHERE i.customer_id = $1 AND i.invoice_date <= $2 \
                     ) t WHERE open_minor <> 0 ORDER BY due_date, number",
                )
                .bind(customer_id)
                .bind(as_of)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                rows.iter().map(invoice_line).collect()
            }

            async fn list_invoices(
                &self,
                q: &app::store::InvoiceQuery,
                scope: app::domain::auth::Scope,
            ) -> Result<Vec<app::domain::invoice::InvoiceRow>, app::store::StoreError> {
                use app::domain::invoice::{InvoiceRow, InvoiceSort, InvoiceStatus};
                // Every fragment comes from an enum, never from user text. Open and
                // overdue lists need only the invoices that can be open at as_of.
                let (status, narrow) = match q.status {
                    InvoiceStatus::Open => ("open_minor > 0", $crate::store::MAYBE_OPEN),
                    InvoiceStatus::Overdue => ("open_minor > 0 AND due_date < $1", $crate::store::MAYBE_OPEN),
                    InvoiceStatus::Paid => ("open_minor = 0", ""),
                    InvoiceStatus::All => ("1 = 1", ""),
                };
                let column = match q.sort {
                    InvoiceSort::DueDate => "due_date",
                    InvoiceSort::InvoiceDate => "invoice_date",
                    InvoiceSort::Number => "number",
                    InvoiceSort::Customer => "code",
                    InvoiceSort::Amount => "amount_minor",
                    InvoiceSort::Open => "open_minor",
                };
                let dir = if q.descending { "DESC" } else { "ASC" };
                let sql = format!(
                    "SELECT * FROM ( \
                        SELECT o.*, c.code, c.name, c.region, u.display_name AS rep \
                        FROM ({}{narrow}) o JOIN customers c ON c.id = o.customer_id LEFT JOIN users u ON u.id = c.sales_rep_id \
                        WHERE ($2 IS NULL OR c.sales_rep_id = $2) AND ($3 IS NULL OR c.sales_rep_id = $3) \
                          AND ($4 IS NULL OR o.customer_id = $4) AND ($5 IS NULL OR c.region = $5) \
                          AND ($6 IS NULL OR o.due_date >= $6) AND ($7 IS NULL OR o.due_date <= $7) \
                          AND ($8 IS NULL OR o.invoice_date >= $8) AND ($9 IS NULL OR o.invoice_date <= $9) \
                          AND ($12 IS NULL OR COALESCE(c.grade, '-') = $12) \
                     ) t WHERE {status} ORDER BY {column} {dir}, number {dir} LIMIT $10 OFFSET $11",
                    $crate::store::AT_AS_OF
                );
                let rows = sqlx::query(&sql)
                    .bind(q.as_of)
                    .bind(scope.rep_id())
                    .bind(q.rep_id)
                    .bind(q.customer_id)
                    .bind(q.region.as_deref())
                    .bind(q.due_between.0)
                    .bind(q.due_between.1)
                    .bind(q.invoiced_between.0)
                    .bind(q.invoiced_between.1)
                    .bind(q.limit)
                    .bind(q.offset)
                    .bind(q.grade.as_deref())
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(InvoiceRow {
                            line: invoice_line(r)?,
                            customer_id: col(r, "customer_id")?,
                            customer_code: col(r, "code")?,
                            customer_name: col(r, "name")?,
                            region: col(r, "region")?,
                            sales_rep: col(r, "rep")?,
                        })
                    })
                    .collect()
            }

            async fn customer_payments(
                &self,
                customer_id: i64,
                limit: i64,
            ) -> Result<Vec<app::store::PaymentLine>, app::store::StoreError> {
                use app::domain::money::Money;
                let payments = sqlx::query(
                    "SELECT p.id, p.reference, p.received_on, p.amount_minor, p.currency, \
                            EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id) AS reversed \
                     FROM payments p WHERE p.customer_id = $1 ORDER BY p.received_on DESC, p.id DESC LIMIT $2",
                )
                .bind(customer_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                // Net lines per (payment, invoice): a reversal's negative rows cancel its own.
                let lines = sqlx::query(
                    "SELECT a.payment_id, i.number, CAST(SUM(a.amount_minor) AS BIGINT) AS amount_minor \
                     FROM allocations a JOIN invoices i ON i.id = a.invoice_id JOIN payments p ON p.id = a.payment_id \
                     WHERE p.customer_id = $1 GROUP BY a.payment_id, i.number HAVING SUM(a.amount_minor) <> 0 \
                     ORDER BY a.payment_id, i.number",
                )
                .bind(customer_id)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                let mut by_payment: std::collections::HashMap<i64, Vec<(String, i64)>> = std::collections::HashMap::new();
                for l in &lines {
                    by_payment.entry(col(l, "payment_id")?).or_default().push((col(l, "number")?, col(l, "amount_minor")?));
                }
                payments
                    .iter()
                    .map(|p| {
                        let currency = currency_of(p)?;
                        let id: i64 = col(p, "id")?;
                        let reversed: bool = col(p, "reversed")?;
                        let amount: i64 = col(p, "amount_minor")?;
                        let allocations: Vec<(String, Money)> = by_payment
                            .remove(&id)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(n, m)| (n, Money::from_minor(m, currency)))
                            .collect();
                        let allocated: i64 = allocations.iter().map(|(_, m)| m.minor()).sum();
                        let unallocated = if reversed { 0 } else { amount - allocated };
                        Ok(app::store::PaymentLine {
                            reference: col(p, "reference")?,
                            received_on: col(p, "received_on")?,
                            amount: Money::from_minor(amount, currency),
                            allocations,
                            unallocated: Money::from_minor(unallocated, currency),
                            reversed,
                        })
                    })
                    .collect()
            }

            async fn customer_timeline(
                &self,
                customer_id: i64,
                limit: i64,
            ) -> Result<Vec<app::store::TimelineEvent>, app::store::StoreError> {
                use app::domain::money::Money;
                let rows = sqlx::query(
                    "SELECT on_date, kind, reference, amount_minor, currency FROM ( \
                        SELECT invoice_date AS on_date, 'invoice' AS kind, number AS reference, amount_minor, currency, id \
                          FROM invoices WHERE customer_id = $1 \
                        UNION ALL SELECT received_on, 'payment', reference, amount_minor, currency, id FROM payments WHERE customer_id = $1 \
                        UNION ALL SELECT issued_on, 'credit_note', number, amount_minor, currency, id FROM credit_notes WHERE customer_id = $1 \
                        UNION ALL SELECT ordered_on, 'order', number, amount_minor, currency, id FROM orders WHERE customer_id = $1 \
                        UNION ALL SELECT w.written_on, 'write_off', i.number, w.amount_minor, w.currency, w.id \
                          FROM write_offs w JOIN invoices i ON i.id = w.invoice_id WHERE i.customer_id = $1 \
                        UNION ALL SELECT r.reversed_on, 'reversal', COALESCE(p.reference, cn.number, wi.number), \
                               COALESCE(p.amount_minor, cn.amount_minor, w.amount_minor), COALESCE(p.currency, cn.currency, w.currency), r.id \
                          FROM reversals r LEFT JOIN payments p ON p.id = r.payment_id \
                          LEFT JOIN credit_notes cn ON cn.id = r.credit_note_id \
                          LEFT JOIN write_offs w ON w.id = r.write_off_id LEFT JOIN invoices wi ON wi.id = w.invoice_id \
                          WHERE COALESCE(p.customer_id, cn.customer_id, wi.customer_id) = $1 \
                     ) t ORDER BY on_date DESC, kind, id DESC LIMIT $2",
                )
                .bind(customer_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(app::store::TimelineEvent {
                            on: col(r, "on_date")?,
                            kind: col(r, "kind")?,
                            reference: col(r, "reference")?,
                            amount: Money::from_minor(col(r, "amount_minor")?, currency_of(r)?),
                        })
                    })
                    .collect()
            }
        }

        #[async_trait::async_trait]
        impl app::store::CockpitStore for $store {
            async fn open_by_due(
                &self,
                dim: &str,
                key: Option<&str>,
                at: &[chrono::NaiveDate],
                via: app::store::Via,
            ) -> Result<Vec<Vec<(String, chrono::NaiveDate, i64)>>, app::store::StoreError> {
                if via == app::store::Via::Aggregates {
                    return read_open_by_due(&self.pool, dim, key, at).await;
                }
                let mut out = Vec::with_capacity(at.len());
                for d in at {
                    out.push(ledger_open_by_due(&self.pool, dim, key, *d).await?);
                }
                Ok(out)
            }

            async fn day_figures(
                &self,
                dim: &str,
                key: Option<&str>,
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
                via: app::store::Via,
            ) -> Result<Vec<(String, app::domain::dashboard::DayFigures)>, app::store::StoreError> {
                use sqlx::Row;
                if via == app::store::Via::Ledger {
                    return ledger_day_figures(&self.pool, dim, key, from, to).await;
                }
                let db = $crate::store::db_err;
                let rows = sqlx::query(&format!(
                    "SELECT dim_key, day, sales_minor, due_minor, cash_minor FROM ar_days \
                     WHERE dim = $1 AND {} AND day >= $3 AND day <= $4 ORDER BY dim_key, day",
                    $crate::store::aggregates::key_filter(key, 2)
                ))
                .bind(dim)
                .bind(key)
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get("dim_key").map_err(db)?,
                            app::domain::dashboard::DayFigures {
                                day: r.try_get("day").map_err(db)?,
                                sales_minor: r.try_get("sales_minor").map_err(db)?,
                                due_minor: r.try_get("due_minor").map_err(db)?,
                                cash_minor: r.try_get("cash_minor").map_err(db)?,
                            },
                        ))
                    })
                    .collect()
            }

            async fn customer_mix(
                &self,
                slice: &app::domain::dashboard::Slice,
            ) -> Result<Vec<(Option<app::domain::customer::Grade>, app::domain::customer::CustomerStatus, i64)>, app::store::StoreError> {
                use app::domain::customer::{CustomerStatus, Grade};
                use sqlx::Row;
                let db = $crate::store::db_err;
                let (rep, region, grade) = $crate::store::aggregates::slice_binds(slice);
                sqlx::query(&format!(
                    "SELECT c.grade, c.status, COUNT(*) AS n FROM customers c WHERE {} GROUP BY c.grade, c.status ORDER BY c.grade, c.status",
                    $crate::store::aggregates::slice_filter(slice, 1)
                ))
                .bind(rep)
                .bind(region)
                .bind(grade)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?
                .iter()
                .map(|r| {
                    let grade: Option<String> = r.try_get("grade").map_err(db)?;
                    let status: String = r.try_get("status").map_err(db)?;
                    Ok((
                        grade.map(|g| Grade::parse(&g)).transpose().map_err(|e| $crate::store::corrupt(&e.to_string()))?,
                        CustomerStatus::parse(&status).map_err(|e| $crate::store::corrupt(&e.to_string()))?,
                        r.try_get("n").map_err(db)?,
                    ))
                })
                .collect()
            }

            async fn overdue_customers(
                &self,
                slice: &app::domain::dashboard::Slice,
                as_of: chrono::NaiveDate,
                top: usize,
                via: app::store::Via,
            ) -> Result<app::domain::dashboard::OverdueCustomers, app::store::StoreError> {
                match via {
                    app::store::Via::Aggregates => read_overdue_customers(&self.pool, slice, as_of, top).await,
                    app::store::Via::Ledger => ledger_overdue_customers(&self.pool, slice, as_of, top).await,
                }
            }
        }

        #[async_trait::async_trait]
        impl app::store::ReportStore for $store {
            async fn movement_figures(
                &self,
                slice: &app::domain::dashboard::Slice,
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
            ) -> Result<app::domain::report::MovementFigures, app::store::StoreError> {
                movement_figures_in(&self.pool, slice, from, to).await
            }

            async fn customer_changes(
                &self,
                slice: &app::domain::dashboard::Slice,
                from: chrono::DateTime<chrono::Utc>,
                to: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> Result<Vec<app::domain::report::AttributeChange>, app::store::StoreError> {
                customer_changes_in(&self.pool, slice, from, to, limit).await
            }

            async fn template_customers(
                &self,
                scope: app::domain::auth::Scope,
                as_of: chrono::NaiveDate,
                period: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
                after_code: &str,
                limit: i64,
            ) -> Result<Vec<app::domain::report::TemplateCustomer>, app::store::StoreError> {
                template_customers_in(&self.pool, scope, as_of, period, after_code, limit).await
            }

            async fn report_templates(&self) -> Result<Vec<app::domain::report::SavedTemplate>, app::store::StoreError> {
                report_templates_in(&self.pool).await
            }

            async fn save_report_template(
                &self,
                id: Option<i64>,
                t: &app::domain::report::ReportTemplate,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, app::store::StoreError> {
                save_report_template_in(&self.pool, id, t, actor, now).await
            }

            async fn delete_report_template(&self, id: i64, actor: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), app::store::StoreError> {
                delete_report_template_in(&self.pool, id, actor, now).await
            }
        }

        #[async_trait::async_trait]
        impl app::store::ApprovalStore for $store {
            async fn submit_application(&self, a: &app::store::NewApplication, now: chrono::DateTime<chrono::Utc>) -> Result<i64, app::store::StoreError> {
                submit_application_in(&self.pool, a, now).await
            }

            async fn applications(
                &self,
                scope: app::domain::auth::Scope,
                applicant: Option<i64>,
                decided_since: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<app::store::ApplicationView>, app::store::StoreError> {
                let sql = format!(
                    "{} WHERE (a.status = 'pending' OR a.decided_at >= $1) \
                       AND (CAST($2 AS BIGINT) IS NULL OR c.sales_rep_id = $2 OR a.applicant_id = $2) \
                       AND (CAST($3 AS BIGINT) IS NULL OR a.applicant_id = $3) ORDER BY a.id DESC LIMIT 500",
                    $crate::store::approvals::VIEW_SQL
                );
                let rows = sqlx::query(&sql)
                    .bind(decided_since)
                    .bind(scope.rep_id())
                    .bind(applicant)
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                rows.iter().map(application_of).collect()
            }

            async fn application(&self, id: i64) -> Result<Option<app::store::ApplicationView>, app::store::StoreError> {
                application_in(&self.pool, id).await
            }

            async fn application_events(&self, id: i64) -> Result<Vec<app::store::ApplicationEvent>, app::store::StoreError> {
                use sqlx::Row;
                let db = $crate::store::db_err;
                let rows = sqlx::query(
                    "SELECT e.id, e.round, e.step, e.kind, a.display_name AS actor, b.display_name AS on_behalf_of, e.comment, e.at \
                       FROM application_events e LEFT JOIN users a ON a.id = e.actor_id LEFT JOIN users b ON b.id = e.on_behalf_of \
                      WHERE e.application_id = $1 ORDER BY e.id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter()
                    .map(|r| {
                        let step: i64 = r.try_get("step").map_err(db)?;
                        Ok(app::store::ApplicationEvent {
                            id: r.try_get("id").map_err(db)?,
                            round: r.try_get("round").map_err(db)?,
                            step: step as u32,
                            kind: r.try_get("kind").map_err(db)?,
                            actor: r.try_get("actor").map_err(db)?,
                            on_behalf_of: r.try_get("on_behalf_of").map_err(db)?,
                            comment: r.try_get("comment").map_err(db)?,
                            at: r.try_get("at").map_err(db)?,
                        })
                    })
                    .collect()
            }

            async fn decide_application(
                &self,
                id: i64,
                actor: &app::domain::auth::User,
                action: app::domain::approval::Action,
                comment: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<app::store::ApplicationView, app::store::StoreError> {
                decide_application_in(&self.pool, id, actor, action, comment, now).await
            }

            async fn resubmit_application(
                &self,
                id: i64,
                actor: &app::domain::auth::User,
                comment: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<app::store::ApplicationView, app::store::StoreError> {
                resubmit_application_in(&self.pool, id, actor, comment, now).await
            }

            async fn delegations(&self, to_user: Option<i64>, from: chrono::NaiveDate) -> Result<Vec<app::domain::approval::Delegation>, app::store::StoreError> {
                delegations_in(&self.pool, to_user, from).await
            }

            async fn add_delegation(&self, d: &app::domain::approval::Delegation, now: chrono::DateTime<chrono::Utc>) -> Result<i64, app::store::StoreError> {
                sqlx::query_scalar("INSERT INTO delegations (from_user, to_user, starts_on, ends_on, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                    .bind(d.from.user_id)
                    .bind(d.to_user)
                    .bind(d.starts_on)
                    .bind(d.ends_on)
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }

            async fn run_sla(&self, now: chrono::DateTime<chrono::Utc>) -> Result<(usize, usize), app::store::StoreError> {
                run_sla_in(&self.pool, now).await
            }

            async fn add_attachment(
                &self,
                application_id: i64,
                filename: &str,
                kind: app::domain::approval::AttachmentType,
                bytes: &[u8],
                by: &app::domain::auth::User,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, app::store::StoreError> {
                add_attachment_in(&self.pool, application_id, filename, kind, bytes, by, now).await
            }

            async fn orders_awaiting_approval(&self, limit: i64) -> Result<Vec<(i64, app::store::NewOrder, String)>, app::store::StoreError> {
                use sqlx::Row;
                let db = $crate::store::db_err;
                let rows = sqlx::query(
                    "SELECT o.id, o.number, o.customer_id, o.ordered_on, o.amount_minor, o.currency, o.reasons FROM orders o \
                      WHERE o.decision = 'needs_approval' AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.order_id = o.id) \
                        AND NOT EXISTS (SELECT 1 FROM order_cancellations x WHERE x.order_id = o.id) ORDER BY o.id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter()
                    .map(|r| {
                        let order = app::store::NewOrder {
                            number: r.try_get("number").map_err(db)?,
                            customer_id: r.try_get("customer_id").map_err(db)?,
                            ordered_on: r.try_get("ordered_on").map_err(db)?,
                            amount: app::domain::money::Money::from_minor(r.try_get("amount_minor").map_err(db)?, currency_of(r)?),
                        };
                        Ok((r.try_get("id").map_err(db)?, order, r.try_get("reasons").map_err(db)?))
                    })
                    .collect()
            }

            async fn attachments(&self, application_id: i64) -> Result<Vec<app::domain::approval::Attachment>, app::store::StoreError> {
                attachments_in(&self.pool, application_id).await
            }

            async fn attachment(&self, application_id: i64, id: i64) -> Result<Option<(app::domain::approval::Attachment, Vec<u8>)>, app::store::StoreError> {
                attachment_in(&self.pool, application_id, id).await
            }
        }

        #[async_trait::async_trait]
        impl app::store::ScoringStore for $store {
            // --- credit scoring (server/src/store/scoring.rs)
            async fn scoring_subjects(
                &self,
                after_id: i64,
                limit: i64,
                only: Option<i64>,
                upto: chrono::NaiveDate,
            ) -> Result<Vec<app::store::ScoringSubject>, app::store::StoreError> {
                scoring_subjects_in(&self.pool, after_id, limit, only, upto).await
            }

            async fn model_versions(&self) -> Result<Vec<app::records::ModelVersion>, app::store::StoreError> {
                model_versions_in(&self.pool).await
            }

            async fn save_model_version(
                &self,
                model: &app::domain::scoring::ScoringModel,
                note: &str,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, app::store::StoreError> {
                save_model_version_in(&self.pool, model, note, actor, now).await
            }

            async fn claim_scoring_run(
                &self,
                run_key: &str,
                owner: &str,
                now: chrono::DateTime<chrono::Utc>,
                stale_before: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<app::store::RunLease>, app::store::StoreError> {
                claim_scoring_run_in(&self.pool, run_key, owner, now, stale_before).await
            }

            async fn record_scores(
                &self,
                lease: &app::store::RunLease,
                scores: &[app::store::NewScore],
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, app::store::StoreError> {
                record_scores_in(&self.pool, lease, scores, actor, now).await
            }

            async fn finish_scoring_run(&self, lease: &app::store::RunLease, now: chrono::DateTime<chrono::Utc>) -> Result<app::records::ScoringRun, app::store::StoreError> {
                finish_scoring_run_in(&self.pool, lease, now).await
            }

            async fn scoring_runs(&self, limit: i64) -> Result<Vec<app::records::ScoringRun>, app::store::StoreError> {
                scoring_runs_in(&self.pool, limit).await
            }

            async fn latest_score(&self, customer_id: i64) -> Result<Option<app::records::StoredScore>, app::store::StoreError> {
                latest_score_in(&self.pool, customer_id).await
            }

            async fn score_history(&self, customer_id: i64, limit: i64) -> Result<Vec<app::records::ScorePoint>, app::store::StoreError> {
                score_history_in(&self.pool, customer_id, limit).await
            }

            async fn customer_factors(&self, customer_id: i64) -> Result<app::domain::indicators::ManualFactors, app::store::StoreError> {
                customer_factors_in(&self.pool, customer_id).await
            }

            async fn set_customer_factors(
                &self,
                customer_id: i64,
                registered_capital: Option<app::domain::money::Money>,
                external_rating: Option<rust_decimal::Decimal>,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                set_customer_factors_in(&self.pool, customer_id, registered_capital, external_rating, actor, now).await
            }

            async fn industry_risks(&self) -> Result<Vec<(String, Option<rust_decimal::Decimal>)>, app::store::StoreError> {
                industry_risks_in(&self.pool).await
            }

            async fn set_industry_risk(
                &self,
                industry: &str,
                factor: rust_decimal::Decimal,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                set_industry_risk_in(&self.pool, industry, factor, actor, now).await
            }
        }

        type DbRow = <$db as sqlx::Database>::Row;

        fn text(row: &DbRow, column: &str) -> Result<String, app::store::StoreError> {
            col(row, column)
        }

        /// An invoice with its open amount (columns id, number, invoice_date, due_date,
        /// amount_minor, open_minor, currency).
        fn invoice_line(r: &DbRow) -> Result<app::domain::invoice::InvoiceLine, app::store::StoreError> {
            use app::domain::money::Money;
            let currency = currency_of(r)?;
            Ok(app::domain::invoice::InvoiceLine {
                id: col(r, "id")?,
                number: col(r, "number")?,
                invoice_date: col(r, "invoice_date")?,
                due_date: col(r, "due_date")?,
                amount: Money::from_minor(col(r, "amount_minor")?, currency),
                open: Money::from_minor(col(r, "open_minor")?, currency),
            })
        }

        /// One typed column of a row.
        fn col<'r, T>(row: &'r DbRow, column: &str) -> Result<T, app::store::StoreError>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            use sqlx::Row;
            row.try_get(column).map_err($crate::store::db_err)
        }

        fn currency_of(row: &DbRow) -> Result<app::domain::money::Currency, app::store::StoreError> {
            app::domain::money::Currency::parse(&text(row, "currency")?).map_err($crate::store::corrupt)
        }

        fn code_of(row: &DbRow) -> Result<app::domain::customer::CustomerCode, app::store::StoreError> {
            app::domain::customer::CustomerCode::parse(&text(row, "code")?).map_err($crate::store::corrupt)
        }

        fn status_of(row: &DbRow) -> Result<app::domain::customer::CustomerStatus, app::store::StoreError> {
            app::domain::customer::CustomerStatus::parse(&text(row, "status")?).map_err($crate::store::corrupt)
        }

        fn payment_method_of(row: &DbRow) -> Result<app::domain::rules::PaymentMethod, app::store::StoreError> {
            let method = text(row, "payment_method")?;
            app::domain::rules::PaymentMethod::parse(&method).ok_or_else(|| $crate::store::corrupt(format!("payment method {method}")))
        }

        fn grade_of(row: &DbRow) -> Result<Option<app::domain::customer::Grade>, app::store::StoreError> {
            use sqlx::Row;
            let grade: Option<String> = row.try_get("grade").map_err($crate::store::db_err)?;
            grade.map(|g| app::domain::customer::Grade::parse(&g)).transpose().map_err($crate::store::corrupt)
        }

        /// A credit file, read through `ex` (the pool, or a writing transaction).
        async fn customer_file_in<'e, E: sqlx::Executor<'e, Database = $db>>(
            ex: E,
            id: i64,
            scope: app::domain::auth::Scope,
        ) -> Result<Option<app::domain::customer::CustomerFile>, app::store::StoreError> {
            use app::domain::customer::{Contact, CustomerFile};
            use app::domain::money::Money;
            use app::domain::uscc::Uscc;
            use sqlx::Row;
            let row = sqlx::query(
                "SELECT c.*, u.display_name AS rep FROM customers c LEFT JOIN users u ON u.id = c.sales_rep_id \
                 WHERE c.id = $1 AND (CAST($2 AS BIGINT) IS NULL OR c.sales_rep_id = $2)",
            )
            .bind(id)
            .bind(scope.rep_id())
            .fetch_optional(ex)
            .await
            .map_err($crate::store::db_err)?;
            let Some(r) = row else { return Ok(None) };
            let get_s = |c: &str| text(&r, c);
            let currency = currency_of(&r)?;
            let temp_minor: Option<i64> = r.try_get("temp_limit_minor").map_err($crate::store::db_err)?;
            let temp_until: Option<chrono::NaiveDate> = r.try_get("temp_limit_expires_on").map_err($crate::store::db_err)?;
            let terms: i32 = r.try_get("payment_terms_days").map_err($crate::store::db_err)?;
            Ok(Some(CustomerFile {
                id: r.try_get("id").map_err($crate::store::db_err)?,
                code: code_of(&r)?,
                name: get_s("name")?,
                uscc: r
                    .try_get::<Option<String>, _>("uscc")
                    .map_err($crate::store::db_err)?
                    .map(|u| Uscc::parse(u.trim()))
                    .transpose()
                    .map_err($crate::store::corrupt)?,
                region: get_s("region")?,
                industry: get_s("industry")?,
                sales_rep: r.try_get("rep").map_err($crate::store::db_err)?,
                contact: Contact { name: get_s("contact_name")?, phone: get_s("contact_phone")?, email: get_s("contact_email")? },
                payment_terms_days: u16::try_from(terms).map_err($crate::store::corrupt)?,
                credit_limit: Money::from_minor(r.try_get("credit_limit_minor").map_err($crate::store::db_err)?, currency),
                temp_limit: temp_minor.zip(temp_until).map(|(m, d)| (Money::from_minor(m, currency), d)),
                status: status_of(&r)?,
                grade: grade_of(&r)?,
            }))
        }

        fn audit_row(r: &DbRow) -> Result<app::store::AuditRow, app::store::StoreError> {
            use sqlx::Row;
            let get = |c: &str| -> Result<String, app::store::StoreError> { r.try_get(c).map_err($crate::store::db_err) };
            let opt = |c: &str| -> Result<Option<String>, app::store::StoreError> { r.try_get(c).map_err($crate::store::db_err) };
            Ok(app::store::AuditRow {
                id: r.try_get("id").map_err($crate::store::db_err)?,
                at: r.try_get("at").map_err($crate::store::db_err)?,
                actor: get("actor")?,
                entry: app::store::AuditEntry {
                    entity: get("entity")?,
                    entity_key: get("entity_key")?,
                    action: get("action")?,
                    before: opt("before")?,
                    after: opt("after")?,
                },
                hash: get("hash")?,
            })
        }

        fn user_from_row(row: &DbRow) -> Result<app::domain::auth::User, app::store::StoreError> {
            use sqlx::Row;
            let role: String = row.try_get("role").map_err($crate::store::db_err)?;
            Ok(app::domain::auth::User {
                id: row.try_get("id").map_err($crate::store::db_err)?,
                username: row.try_get("username").map_err($crate::store::db_err)?,
                display_name: row.try_get("display_name").map_err($crate::store::db_err)?,
                role: app::domain::auth::Role::parse(&role).map_err($crate::store::corrupt)?,
            })
        }
    };
}
pub(crate) use impl_store;
