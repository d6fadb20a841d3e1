//! `app::store::AuditStore` for both backends: the hash-chained audit trail. Expanded once
//! per backend by `impl_store!`; the SQL is shared (see `store/mod.rs`).
macro_rules! audit_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::AuditStore for $store {
            async fn audit(&self, at: chrono::DateTime<chrono::Utc>, actor: &str, entry: app::store::AuditEntry) -> Result<(), app::store::StoreError> {
                let (tx, mut chain) = begin(&self.pool, actor, at).await?;
                chain.push(entry);
                commit(tx, chain).await
            }

            async fn audit_many(&self, at: chrono::DateTime<chrono::Utc>, actor: &str, entries: Vec<app::store::AuditEntry>) -> Result<(), app::store::StoreError> {
                let (tx, mut chain) = begin(&self.pool, actor, at).await?;
                entries.into_iter().for_each(|e| chain.push(e));
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
    };
}
pub(crate) use audit_impl;
