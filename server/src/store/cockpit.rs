//! `app::store::CockpitStore` for both backends: the cockpit's reads. Expanded once per
//! backend by `impl_store!`; the SQL is shared (see `store/mod.rs`).
macro_rules! cockpit_impl {
    ($store:ty, $db:ty) => {
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
    };
}
pub(crate) use cockpit_impl;
