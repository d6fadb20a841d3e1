//! `app::store::Store` for SQLite (default, embedded) and PostgreSQL.
//!
//! Both backends run the same SQL, written in the common subset of the two dialects
//! (`$n` placeholders, `RETURNING`, `CAST(.. AS BIGINT)` around sums because PostgreSQL
//! widens `SUM(bigint)` to numeric). `impl_store!` instantiates it once per backend;
//! what genuinely differs — connection options, pragmas, migrations — lives in
//! `sqlite.rs` and `postgres.rs`. Invariants are those of the `Store` trait; in
//! particular every driver error leaves here as a `StoreError`, never as SQL text.
pub mod postgres;
pub mod sqlite;

use app::store::{Store, StoreError};
use std::sync::Arc;

/// Rows per multi-row INSERT: far below both databases' bind-parameter limits.
pub(crate) const CHUNK: usize = 400;

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
            let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
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
            return StoreError::Conflict(format!("rejected by the ledger's rules: {}", d.constraint().unwrap_or("check")));
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
    let escaped = term.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The trait implementation, shared by both backends. `$store` has a `pool: sqlx::Pool<$db>`.
macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::Store for $store {
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

            async fn api_key(&self, key_hash: &str) -> Result<Option<app::store::ApiKey>, app::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT id, name FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                row.map(|r| {
                    Ok(app::store::ApiKey {
                        id: r.try_get("id").map_err($crate::store::db_err)?,
                        name: r.try_get("name").map_err($crate::store::db_err)?,
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

            async fn audit(&self, at: chrono::DateTime<chrono::Utc>, actor: &str, action: &str, detail: &str) -> Result<(), app::store::StoreError> {
                sqlx::query("INSERT INTO audit_log (at, actor, action, detail) VALUES ($1, $2, $3, $4)")
                    .bind(at)
                    .bind(actor)
                    .bind(action)
                    .bind(detail)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                Ok(())
            }

            async fn insert_customers(
                &self,
                customers: &[app::domain::customer::NewCustomer],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<i64>, app::store::StoreError> {
                use sqlx::Row;
                let mut tx = self.pool.begin().await.map_err($crate::store::db_err)?;
                let mut ids = std::collections::HashMap::new();
                for chunk in customers.chunks($crate::store::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO customers (code, name, uscc, region, industry, sales_rep_id, contact_name, contact_phone, contact_email, \
                         currency, payment_terms_days, credit_limit_minor, temp_limit_minor, temp_limit_expires_on, status, grade, created_at) ",
                    );
                    qb.push_values(chunk, |mut b, c| {
                        b.push_bind(c.code.as_str().to_string())
                            .push_bind(c.name.clone())
                            .push_bind(c.uscc.as_str().to_string())
                            .push_bind(c.region.clone())
                            .push_bind(c.industry.clone())
                            .push_bind(c.sales_rep_id)
                            .push_bind(c.contact.name.clone())
                            .push_bind(c.contact.phone.clone())
                            .push_bind(c.contact.email.clone())
                            .push_bind(c.credit_limit.currency().code())
                            .push_bind(i32::from(c.payment_terms_days))
                            .push_bind(c.credit_limit.minor())
                            .push_bind(c.temp_limit.map(|(m, _)| m.minor()))
                            .push_bind(c.temp_limit.map(|(_, d)| d))
                            .push_bind(c.status.as_str())
                            .push_bind(c.grade.map(|g| g.as_str()))
                            .push_bind(now);
                    });
                    qb.push(" RETURNING id, code");
                    for row in qb.build().fetch_all(&mut *tx).await.map_err($crate::store::db_err)? {
                        let id: i64 = row.try_get("id").map_err($crate::store::db_err)?;
                        let code: String = row.try_get("code").map_err($crate::store::db_err)?;
                        ids.insert(code, id);
                    }
                }
                tx.commit().await.map_err($crate::store::db_err)?;
                customers
                    .iter()
                    .map(|c| ids.get(c.code.as_str()).copied().ok_or_else(|| $crate::store::corrupt("customer id not returned")))
                    .collect()
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
                let rows = sqlx::query(
                    "WITH open_inv AS ( \
                        SELECT i.customer_id, i.due_date, \
                               i.amount_minor - COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a \
                                                          WHERE a.invoice_id = i.id AND a.allocated_on <= $1), 0) AS open_minor \
                        FROM invoices i WHERE i.invoice_date <= $1 \
                     ), per_customer AS ( \
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
                )
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
                .fetch_optional(&self.pool)
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
                    uscc: Uscc::parse(&get_s("uscc")?).map_err($crate::store::corrupt)?,
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

            async fn insert_invoices(
                &self,
                invoices: &[app::store::NewInvoice],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<i64>, app::store::StoreError> {
                use sqlx::Row;
                let mut tx = self.pool.begin().await.map_err($crate::store::db_err)?;
                let mut ids = std::collections::HashMap::new();
                for chunk in invoices.chunks($crate::store::CHUNK) {
                    if let Some(bad) = chunk.iter().find(|i| i.amount.minor() <= 0 || i.due_date < i.invoice_date) {
                        return Err(app::store::StoreError::Conflict(format!(
                            "invoice {}: amount must be positive and due date on or after invoice date",
                            bad.number
                        )));
                    }
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO invoices (number, customer_id, order_ref, invoice_date, due_date, amount_minor, currency, created_at) ",
                    );
                    qb.push_values(chunk, |mut b, i| {
                        b.push_bind(i.number.clone())
                            .push_bind(i.customer_id)
                            .push_bind(i.order_ref.clone())
                            .push_bind(i.invoice_date)
                            .push_bind(i.due_date)
                            .push_bind(i.amount.minor())
                            .push_bind(i.amount.currency().code())
                            .push_bind(now);
                    });
                    qb.push(" RETURNING id, number");
                    for row in qb.build().fetch_all(&mut *tx).await.map_err($crate::store::db_err)? {
                        let id: i64 = row.try_get("id").map_err($crate::store::db_err)?;
                        let number: String = row.try_get("number").map_err($crate::store::db_err)?;
                        ids.insert(number, id);
                    }
                }
                tx.commit().await.map_err($crate::store::db_err)?;
                invoices
                    .iter()
                    .map(|i| ids.get(&i.number).copied().ok_or_else(|| $crate::store::corrupt("invoice id not returned")))
                    .collect()
            }

            async fn insert_payments(
                &self,
                payments: &[app::store::NewPayment],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                use sqlx::Row;
                use std::collections::HashMap;
                let mut tx = self.pool.begin().await.map_err($crate::store::db_err)?;
                for chunk in payments.chunks($crate::store::CHUNK) {
                    // What each touched invoice has open before this chunk, read inside the transaction.
                    let invoice_ids: Vec<i64> = chunk.iter().flat_map(|p| p.allocations.iter().map(|(id, _)| *id)).collect();
                    let mut open: HashMap<i64, (i64, i64)> = HashMap::new(); // id -> (customer, open minor)
                    for ids in invoice_ids.chunks($crate::store::CHUNK) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "SELECT i.id, i.customer_id, i.amount_minor - COALESCE(CAST(SUM(a.amount_minor) AS BIGINT), 0) AS open_minor \
                             FROM invoices i LEFT JOIN allocations a ON a.invoice_id = i.id WHERE i.id IN (",
                        );
                        let mut sep = qb.separated(", ");
                        for id in ids {
                            sep.push_bind(*id);
                        }
                        qb.push(") GROUP BY i.id, i.customer_id, i.amount_minor");
                        for r in qb.build().fetch_all(&mut *tx).await.map_err($crate::store::db_err)? {
                            let id: i64 = r.try_get("id").map_err($crate::store::db_err)?;
                            let customer: i64 = r.try_get("customer_id").map_err($crate::store::db_err)?;
                            let open_minor: i64 = r.try_get("open_minor").map_err($crate::store::db_err)?;
                            open.insert(id, (customer, open_minor));
                        }
                    }
                    for p in chunk {
                        $crate::store::check_allocations(p, &mut open)?;
                    }
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO payments (reference, customer_id, received_on, amount_minor, currency, created_at) ",
                    );
                    qb.push_values(chunk, |mut b, p| {
                        b.push_bind(p.reference.clone())
                            .push_bind(p.customer_id)
                            .push_bind(p.received_on)
                            .push_bind(p.amount.minor())
                            .push_bind(p.amount.currency().code())
                            .push_bind(now);
                    });
                    qb.push(" RETURNING id, reference");
                    let mut ids = HashMap::new();
                    for row in qb.build().fetch_all(&mut *tx).await.map_err($crate::store::db_err)? {
                        let id: i64 = row.try_get("id").map_err($crate::store::db_err)?;
                        let reference: String = row.try_get("reference").map_err($crate::store::db_err)?;
                        ids.insert(reference, id);
                    }
                    let allocs: Vec<(i64, i64, i64, chrono::NaiveDate)> = chunk
                        .iter()
                        .flat_map(|p| {
                            let pid = ids.get(&p.reference).copied().unwrap_or_default();
                            p.allocations.iter().map(move |(inv, m)| (pid, *inv, m.minor(), p.received_on))
                        })
                        .collect();
                    for part in allocs.chunks($crate::store::CHUNK) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO allocations (payment_id, invoice_id, amount_minor, allocated_on, created_at) ",
                        );
                        qb.push_values(part, |mut b, (pid, inv, minor, on)| {
                            b.push_bind(*pid).push_bind(*inv).push_bind(*minor).push_bind(*on).push_bind(now);
                        });
                        qb.build().execute(&mut *tx).await.map_err($crate::store::db_err)?;
                    }
                }
                tx.commit().await.map_err($crate::store::db_err)?;
                Ok(())
            }

            async fn open_items(
                &self,
                scope: app::domain::auth::Scope,
                as_of: chrono::NaiveDate,
            ) -> Result<Vec<app::domain::aging::OpenItem>, app::store::StoreError> {
                use app::domain::money::Money;
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT customer_id, invoice_date, due_date, currency, open_minor FROM ( \
                        SELECT i.customer_id, i.invoice_date, i.due_date, i.currency, \
                               i.amount_minor - COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a \
                                                          WHERE a.invoice_id = i.id AND a.allocated_on <= $1), 0) AS open_minor \
                        FROM invoices i JOIN customers c ON c.id = i.customer_id \
                        WHERE i.invoice_date <= $1 AND (CAST($2 AS BIGINT) IS NULL OR c.sales_rep_id = $2) \
                     ) t WHERE open_minor <> 0",
                )
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
                use app::domain::money::Money;
                use sqlx::Row;
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
                rows.iter()
                    .map(|r| {
                        let currency = currency_of(r)?;
                        Ok(app::domain::invoice::InvoiceLine {
                            id: r.try_get("id").map_err($crate::store::db_err)?,
                            number: r.try_get("number").map_err($crate::store::db_err)?,
                            invoice_date: r.try_get("invoice_date").map_err($crate::store::db_err)?,
                            due_date: r.try_get("due_date").map_err($crate::store::db_err)?,
                            amount: Money::from_minor(r.try_get("amount_minor").map_err($crate::store::db_err)?, currency),
                            open: Money::from_minor(r.try_get("open_minor").map_err($crate::store::db_err)?, currency),
                        })
                    })
                    .collect()
            }
        }

        type DbRow = <$db as sqlx::Database>::Row;

        fn text(row: &DbRow, column: &str) -> Result<String, app::store::StoreError> {
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

        fn grade_of(row: &DbRow) -> Result<Option<app::domain::customer::Grade>, app::store::StoreError> {
            use sqlx::Row;
            let grade: Option<String> = row.try_get("grade").map_err($crate::store::db_err)?;
            grade.map(|g| app::domain::customer::Grade::parse(&g)).transpose().map_err($crate::store::corrupt)
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

/// A payment's allocations must stay within the payment, within each invoice's open
/// amount, and on the payment's own customer. `open` is updated as allocations are
/// accepted, so several payments in one batch cannot together over-allocate.
pub(crate) fn check_allocations(
    p: &app::store::NewPayment,
    open: &mut std::collections::HashMap<i64, (i64, i64)>,
) -> Result<(), StoreError> {
    let total: i64 = p.allocations.iter().map(|(_, m)| m.minor()).sum();
    if p.amount.minor() <= 0 {
        return Err(StoreError::Conflict(format!("payment {}: amount must be positive", p.reference)));
    }
    if total > p.amount.minor() {
        return Err(StoreError::Conflict(format!("payment {}: allocations exceed the payment amount", p.reference)));
    }
    for (invoice, m) in &p.allocations {
        let entry = open
            .get_mut(invoice)
            .ok_or_else(|| StoreError::Conflict(format!("payment {}: invoice {invoice} does not exist", p.reference)))?;
        if entry.0 != p.customer_id {
            return Err(StoreError::Conflict(format!("payment {}: invoice {invoice} belongs to another customer", p.reference)));
        }
        if m.minor() <= 0 || m.minor() > entry.1 {
            return Err(StoreError::Conflict(format!(
                "payment {}: allocation to invoice {invoice} exceeds its open amount",
                p.reference
            )));
        }
        entry.1 -= m.minor();
    }
    Ok(())
}
