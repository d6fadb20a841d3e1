//! `app::store::CustomerStore` for both backends: credit files. Expanded once per backend
//! by `impl_store!`; the SQL is shared (see `store/mod.rs`).
macro_rules! customers_impl {
    ($store:ty, $db:ty) => {
        /// Applies `patch` to customer `id` with its audit row (and a status event), in
        /// the caller's transaction; a group is resolved by `group_for`.
        async fn patch_customer_tx(
            tx: &mut Tx,
            chain: &mut $crate::store::ledger::Chain,
            id: i64,
            patch: &app::domain::documents::CustomerPatch,
        ) -> Result<app::domain::customer::CustomerFile, app::store::StoreError> {
            let before = customer_file_in(&mut **tx, id, app::domain::auth::Scope::All).await?.ok_or(app::store::StoreError::NotFound)?;
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
            if let Some(g) = &patch.group {
                after.group_code = g.clone();
            }
            let group_id = match &after.group_code {
                Some(code) => Some(group_for(tx, code, after.credit_limit.currency()).await?),
                None => None,
            };
            sqlx::query(
                "UPDATE customers SET status = $2, credit_limit_minor = $3, temp_limit_minor = $4, temp_limit_expires_on = $5, \
                 group_id = $6 WHERE id = $1",
            )
            .bind(id)
            .bind(after.status.as_str())
            .bind(after.credit_limit.minor())
            .bind(after.temp_limit.map(|(m, _)| m.minor()))
            .bind(after.temp_limit.map(|(_, d)| d))
            .bind(group_id)
            .execute(&mut **tx)
            .await
            .map_err($crate::store::db_err)?;
            let terms = |f: &app::domain::customer::CustomerFile| {
                serde_json::json!({
                    "status": f.status, "credit_limit": f.credit_limit.amount().to_string(),
                    "temp_limit": f.temp_limit.map(|(m, _)| m.amount().to_string()),
                    "temp_limit_expires_on": f.temp_limit.map(|(_, d)| d),
                    "group_code": f.group_code,
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
            Ok(after)
        }

        #[async_trait::async_trait]
        impl app::store::CustomerStore for $store {
            async fn insert_customers(
                &self,
                customers: &[app::domain::customer::NewCustomer],
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<i64>, app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
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
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let after = patch_customer_tx(&mut tx, &mut chain, id, patch).await?;
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
    };
}
pub(crate) use customers_impl;
