//! What rules did, for the screens: runs, their firings with messages and delivery
//! logs, and a customer's dunning level with the fees and interest charged.
macro_rules! rule_history_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::RuleHistoryStore for $store {
            async fn rule_runs(&self, limit: i64) -> Result<Vec<app::store::RuleRun>, app::store::StoreError> {
                let sql = format!("{RULE_RUN_SQL} ORDER BY r.id DESC LIMIT $1");
                let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await.map_err($crate::store::db_err)?;
                rows.iter().map(rule_run_of).collect()
            }

            async fn rule_run(&self, id: i64) -> Result<Option<app::store::RuleRun>, app::store::StoreError> {
                let sql = format!("{RULE_RUN_SQL} WHERE r.id = $1");
                let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err($crate::store::db_err)?;
                row.as_ref().map(rule_run_of).transpose()
            }

            async fn run_firings(&self, run_id: i64, limit: i64) -> Result<Vec<app::store::FiringView>, app::store::StoreError> {
                use sqlx::Row;
                let db = $crate::store::db_err;
                let rows = sqlx::query(
                    "SELECT f.id, f.dedupe_key, f.as_of, f.customer_id, c.name, i.number, f.overdue_minor, f.actions \
                       FROM rule_firings f LEFT JOIN customers c ON c.id = f.customer_id LEFT JOIN invoices i ON i.id = f.invoice_id \
                      WHERE f.run_id = $1 ORDER BY f.id LIMIT $2",
                )
                .bind(run_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                let mut out = Vec::with_capacity(rows.len());
                let mut index = std::collections::HashMap::new();
                for r in &rows {
                    let id: i64 = r.try_get("id").map_err(db)?;
                    let actions: String = r.try_get("actions").map_err(db)?;
                    index.insert(id, out.len());
                    out.push(app::store::FiringView {
                        id,
                        dedupe_key: r.try_get("dedupe_key").map_err(db)?,
                        as_of: r.try_get("as_of").map_err(db)?,
                        customer_id: r.try_get("customer_id").map_err(db)?,
                        customer_name: r.try_get("name").map_err(db)?,
                        invoice_number: r.try_get("number").map_err(db)?,
                        overdue: app::domain::money::Money::from_minor(r.try_get("overdue_minor").map_err(db)?, app::domain::BOOK_CURRENCY),
                        actions: serde_json::from_str(&actions).map_err(|e| $crate::store::corrupt(format!("firing {id} actions: {e}")))?,
                        messages: Vec::new(),
                    });
                }
                let ids: Vec<i64> = index.keys().copied().collect();
                let mut by_message = std::collections::HashMap::new();
                for part in ids.chunks($crate::store::CHUNK) {
                    let mut qb = in_list(
                        "SELECT id, firing_id, channel, destination, payload, status, attempts, next_attempt_at, last_error, sent_at FROM outbox WHERE firing_id IN (",
                        part,
                    );
                    qb.push(" ORDER BY id");
                    for r in qb.build().fetch_all(&self.pool).await.map_err(db)? {
                        let m = outbox_of(&r)?;
                        if let Some(&i) = m.firing_id.and_then(|f| index.get(&f)) {
                            by_message.insert(m.id, (i, out[i].messages.len()));
                            out[i].messages.push((m, Vec::new()));
                        }
                    }
                }
                let message_ids: Vec<i64> = by_message.keys().copied().collect();
                for part in message_ids.chunks($crate::store::CHUNK) {
                    let mut qb = in_list("SELECT outbox_id, attempt, at, outcome, detail FROM delivery_log WHERE outbox_id IN (", part);
                    qb.push(" ORDER BY id");
                    for r in qb.build().fetch_all(&self.pool).await.map_err(db)? {
                        let mid: i64 = r.try_get("outbox_id").map_err(db)?;
                        if let Some(&(i, j)) = by_message.get(&mid) {
                            out[i].messages[j].1.push(app::store::DeliveryAttempt {
                                attempt: r.try_get("attempt").map_err(db)?,
                                at: r.try_get("at").map_err(db)?,
                                outcome: r.try_get("outcome").map_err(db)?,
                                detail: r.try_get("detail").map_err(db)?,
                            });
                        }
                    }
                }
                Ok(out)
            }
            async fn dunning_charges(&self, customer_id: i64) -> Result<app::store::DunningSummary, app::store::StoreError> {
                use sqlx::Row;
                let db = $crate::store::db_err;
                let level: Option<String> = sqlx::query_scalar("SELECT dunning_level FROM customers WHERE id = $1")
                    .bind(customer_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                let level = level.ok_or(app::store::StoreError::NotFound)?;
                let level = app::domain::rules::DunningLevel::parse(&level).ok_or_else(|| $crate::store::corrupt(format!("dunning level '{level}'")))?;
                let cny = app::domain::BOOK_CURRENCY;
                let mut s = app::store::DunningSummary { level, fees: app::domain::money::Money::zero(cny), interest: app::domain::money::Money::zero(cny) };
                for r in sqlx::query("SELECT kind, CAST(SUM(amount_minor) AS BIGINT) AS total FROM dunning_charges WHERE customer_id = $1 GROUP BY kind")
                    .bind(customer_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?
                {
                    let m = app::domain::money::Money::from_minor(r.try_get("total").map_err(db)?, cny);
                    match r.try_get::<String, _>("kind").map_err(db)?.as_str() {
                        "fee" => s.fees = m,
                        _ => s.interest = m,
                    }
                }
                Ok(s)
            }
        }
    };
}
pub(crate) use rule_history_impl;
