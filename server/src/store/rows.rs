//! Row readers shared by every port's implementation: typed columns, and the rows
//! several ports read (an invoice line, a credit file, an audit row, a user).
macro_rules! row_fns {
    ($db:ty) => {
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
                "SELECT c.*, u.display_name AS rep, g.code AS group_code FROM customers c LEFT JOIN users u ON u.id = c.sales_rep_id \
                 LEFT JOIN customer_groups g ON g.id = c.group_id \
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
                group_code: r
                    .try_get::<Option<String>, _>("group_code")
                    .map_err($crate::store::db_err)?
                    .map(|g| app::domain::customer::CustomerCode::parse(&g))
                    .transpose()
                    .map_err($crate::store::corrupt)?,
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

        fn api_key_from_row(row: &DbRow) -> Result<app::store::ApiKey, app::store::StoreError> {
            use sqlx::Row;
            let get = |e: sqlx::Error| $crate::store::db_err(e);
            let scopes: String = row.try_get("scopes").map_err(get)?;
            let rate: i32 = row.try_get("rate_per_minute").map_err(get)?;
            Ok(app::store::ApiKey {
                id: row.try_get("id").map_err(get)?,
                name: row.try_get("name").map_err(get)?,
                scopes: app::domain::api_keys::ApiScopes::parse(&scopes).map_err($crate::store::corrupt)?,
                created_at: row.try_get("created_at").map_err(get)?,
                expires_at: row.try_get("expires_at").map_err(get)?,
                revoked_at: row.try_get("revoked_at").map_err(get)?,
                last_used_at: row.try_get("last_used_at").map_err(get)?,
                rate_per_minute: u32::try_from(rate).map_err($crate::store::corrupt)?,
            })
        }

        fn session_from_row(row: &DbRow) -> Result<app::store::SessionRecord, app::store::StoreError> {
            use sqlx::Row;
            let get = |e: sqlx::Error| $crate::store::db_err(e);
            Ok(app::store::SessionRecord {
                token_hash: row.try_get("token_hash").map_err(get)?,
                user: user_from_row(row)?,
                user_disabled: row.try_get("user_disabled").map_err(get)?,
                created_at: row.try_get("created_at").map_err(get)?,
                last_seen_at: row.try_get("last_seen_at").map_err(get)?,
                expires_at: row.try_get("expires_at").map_err(get)?,
                user_agent: row.try_get("user_agent").map_err(get)?,
                address: row.try_get("address").map_err(get)?,
            })
        }
    };
}
pub(crate) use row_fns;
