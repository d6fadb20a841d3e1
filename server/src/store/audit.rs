//! `app::store::AuditStore` for both backends: the MAC-chained audit trail, and opening a
//! database's keys (`open_vault`). Expanded once per backend by `impl_store!`; the SQL is
//! shared (see `store/mod.rs`).
//!
//! Threat model: someone who can rewrite the database but does not hold the master key.
//! Each row carries HMAC-SHA256(audit key, previous MAC ‖ content), so a changed row
//! cannot be given a MAC that verifies, nor can any row after it; `verify_audit` names
//! the first row that fails. Cutting rows off the end leaves a chain that verifies, which
//! is what an off-machine checkpoint (`audit_checkpoint`, `audit_mac`) catches. A trail
//! written before the chain was keyed is checked once with its old SHA-256 chain and
//! re-keyed at start; a trail that fails that check stops the server.

/// Walks a chain in id order: accepts rows while each continues the one before it.
pub(crate) struct ChainWalk {
    pub(crate) prev: String,
    pub(crate) next_id: i64,
    pub(crate) rows: u64,
}

impl ChainWalk {
    pub(crate) fn start() -> ChainWalk {
        ChainWalk {
            prev: "0".repeat(64),
            next_id: 1,
            rows: 0,
        }
    }

    /// Whether the row `id`, which says it follows `stored_prev`, does, and carries the
    /// MAC (`stored`) its content gives (`recomputed`).
    pub(crate) fn accept(
        &mut self,
        id: i64,
        stored_prev: &str,
        stored: &str,
        recomputed: &str,
    ) -> bool {
        if id != self.next_id || stored_prev != self.prev || recomputed != stored {
            return false;
        }
        self.prev = stored.to_string();
        self.next_id += 1;
        self.rows += 1;
        true
    }

    /// The first row that is missing or wrong.
    pub(crate) fn broken_at(&self, id: i64) -> i64 {
        self.next_id.min(id)
    }
}

macro_rules! audit_impl {
    ($store:ty, $db:ty) => {
        /// Rows of the chain from id `from` on (a page), each with its stored `prev_hash`.
        async fn chain_page<'e>(
            ex: impl sqlx::Executor<'e, Database = $db>,
            from: i64,
        ) -> Result<Vec<(app::store::AuditRow, String)>, app::store::StoreError> {
            use sqlx::Row;
            let rows = sqlx::query(
                "SELECT id, at, actor, entity, entity_key, action, before, after, prev_hash, hash FROM audit_log \
                 WHERE id >= $1 ORDER BY id LIMIT 5000",
            )
            .bind(from)
            .fetch_all(ex)
            .await
            .map_err($crate::store::db_err)?;
            rows.iter()
                .map(|r| Ok((audit_row(r)?, r.try_get("prev_hash").map_err($crate::store::db_err)?)))
                .collect()
        }

        async fn audit_head_row<'e>(
            ex: impl sqlx::Executor<'e, Database = $db>,
        ) -> Result<(i64, String, i64), app::store::StoreError> {
            use sqlx::Row;
            let head = sqlx::query("SELECT last_id, last_hash, CAST(keyed AS BIGINT) AS keyed FROM audit_head WHERE id = 1")
                .fetch_one(ex)
                .await
                .map_err($crate::store::db_err)?;
            let get = |c: &str| head.try_get::<i64, _>(c).map_err($crate::store::db_err);
            Ok((get("last_id")?, head.try_get("last_hash").map_err($crate::store::db_err)?, get("keyed")?))
        }

        /// Confirms that `keys` is the master key this database was written with (or
        /// records it, on a new database), seals secret settings still in plain text, and
        /// re-keys a trail still chained with plain SHA-256. Called once, at connect.
        async fn open_vault(pool: &sqlx::Pool<$db>, keys: &$crate::vault::Keyring) -> Result<(), String> {
            let err = |e: app::store::StoreError| format!("opening the audit trail: {e}");
            let stored: Option<String> = sqlx::query_scalar("SELECT mac FROM master_key_check WHERE id = 1")
                .fetch_optional(pool)
                .await
                .map_err(|e| err($crate::store::db_err(e)))?;
            match stored {
                Some(mac) => $crate::vault::confirm(keys, &mac)?,
                None => {
                    sqlx::query("INSERT INTO master_key_check (id, mac) VALUES (1, $1)")
                        .bind(keys.check_value())
                        .execute(pool)
                        .await
                        .map_err(|e| err($crate::store::db_err(e)))?;
                }
            }
            let mut tx = pool.begin().await.map_err(|e| err($crate::store::db_err(e)))?;
            reseal_settings(&mut tx, &keys.seal, &keys.seal, true).await?;
            let legacy = audit_head_row(&mut *tx).await.map_err(err)?.2 == 0;
            let rows = if legacy { Some(rechain(&mut tx, &$crate::store::ledger::legacy_chain_hash, keys).await?) } else { None };
            tx.commit().await.map_err(|e| err($crate::store::db_err(e)))?;
            if let Some(rows) = rows {
                tracing::warn!(rows, "audit trail re-keyed: its SHA-256 chain was intact and is now an HMAC chain");
                let (tx, mut chain) = begin(pool, keys, "system", chrono::Utc::now()).await.map_err(err)?;
                let mut e = app::store::AuditEntry::new("audit_trail", "", "keyed");
                e.after = Some(serde_json::json!({ "rows": rows }).to_string());
                chain.push(e);
                commit(tx, chain).await.map_err(err)?;
            }
            Ok(())
        }

        /// Rewrites every row's MAC under `keys`, inside the caller's transaction, after
        /// checking each row against `old` (how the chain was computed until now), and
        /// records `keys` as this database's key. Any row that fails is an error naming
        /// it (the caller then rolls back). Returns the rows re-keyed.
        async fn rechain(
            tx: &mut Tx,
            old: &(dyn Fn(&str, i64, &chrono::DateTime<chrono::Utc>, &str, &app::store::AuditEntry) -> String + Sync),
            keys: &$crate::vault::Keyring,
        ) -> Result<u64, String> {
            let err = |e: app::store::StoreError| format!("re-keying the audit trail: {e}");
            // The head first (as every writer does), then lift the append-only guard for
            // this transaction only (`AUDIT_REWRITE`, from the backend's module).
            for sql in ["UPDATE audit_head SET last_id = last_id WHERE id = 1", AUDIT_REWRITE[0]] {
                sqlx::query(sql).execute(&mut **tx).await.map_err(|e| err($crate::store::db_err(e)))?;
            }
            let mut walk = $crate::store::audit::ChainWalk::start();
            let mut new_prev = walk.prev.clone();
            loop {
                let page = chain_page(&mut **tx, walk.next_id).await.map_err(err)?;
                if page.is_empty() {
                    break;
                }
                for (row, stored_prev) in &page {
                    let was = old(&walk.prev, row.id, &row.at, &row.actor, &row.entry);
                    if !walk.accept(row.id, stored_prev, &row.hash, &was) {
                        return Err(format!(
                            "the audit trail is broken at row {}: nothing was re-keyed (run `creditdesk audit verify`)",
                            walk.broken_at(row.id)
                        ));
                    }
                    let mac = $crate::store::ledger::chain_mac(&keys.audit, &new_prev, row.id, &row.at, &row.actor, &row.entry);
                    sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3")
                        .bind(&new_prev)
                        .bind(&mac)
                        .bind(row.id)
                        .execute(&mut **tx)
                        .await
                        .map_err(|e| err($crate::store::db_err(e)))?;
                    new_prev = mac;
                }
            }
            let (last_id, last_hash, _) = audit_head_row(&mut **tx).await.map_err(err)?;
            if last_id != walk.next_id - 1 || last_hash != walk.prev {
                return Err(format!("the audit trail's head does not match its last row {}: nothing was re-keyed", walk.next_id - 1));
            }
            sqlx::query(AUDIT_REWRITE[1]).execute(&mut **tx).await.map_err(|e| err($crate::store::db_err(e)))?;
            sqlx::query("INSERT INTO master_key_check (id, mac) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET mac = excluded.mac")
                .bind(keys.check_value())
                .execute(&mut **tx)
                .await
                .map_err(|e| err($crate::store::db_err(e)))?;
            sqlx::query("UPDATE audit_head SET last_hash = $1, keyed = 1 WHERE id = 1")
                .bind(&new_prev)
                .execute(&mut **tx)
                .await
                .map_err(|e| err($crate::store::db_err(e)))?;
            Ok(walk.rows)
        }

        impl $store {
            /// Moves everything keyed under this store's master key to `new`'s, in one
            /// transaction: the audit chain's MACs, the sealed settings and customer
            /// fields, and the blind indexes. The work of
            /// `creditdesk keys rotate`; returns the audit rows re-keyed.
            pub async fn rotate_master_key(&self, new: &$crate::vault::Keyring) -> Result<u64, String> {
                let err = |e: sqlx::Error| format!("rotating the master key: {}", $crate::store::db_err(e));
                let old = |prev: &str, id: i64, at: &chrono::DateTime<chrono::Utc>, actor: &str, e: &app::store::AuditEntry| {
                    $crate::store::ledger::chain_mac(&self.keys.audit, prev, id, at, actor, e)
                };
                let mut tx = self.pool.begin().await.map_err(err)?;
                let rows = rechain(&mut tx, &old, new).await?;
                reseal_settings(&mut tx, &self.keys.seal, &new.seal, false).await?;
                reseal_pii(&mut tx, &self.keys, new).await?;
                tx.commit().await.map_err(err)?;
                Ok(rows)
            }
        }

        #[async_trait::async_trait]
        impl app::store::AuditStore for $store {
            async fn audit(&self, at: chrono::DateTime<chrono::Utc>, actor: &str, entry: app::store::AuditEntry) -> Result<(), app::store::StoreError> {
                let (tx, mut chain) = begin(&self.pool, &self.keys, actor, at).await?;
                chain.push(entry);
                commit(tx, chain).await
            }

            async fn audit_many(&self, at: chrono::DateTime<chrono::Utc>, actor: &str, entries: Vec<app::store::AuditEntry>) -> Result<(), app::store::StoreError> {
                let (tx, mut chain) = begin(&self.pool, &self.keys, actor, at).await?;
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
                let mut walk = $crate::store::audit::ChainWalk::start();
                loop {
                    let page = chain_page(&self.pool, walk.next_id).await?;
                    if page.is_empty() {
                        break;
                    }
                    for (row, stored_prev) in &page {
                        let mac = $crate::store::ledger::chain_mac(&self.keys.audit, &walk.prev, row.id, &row.at, &row.actor, &row.entry);
                        if !walk.accept(row.id, stored_prev, &row.hash, &mac) {
                            return Ok(app::store::AuditVerification { rows: walk.rows, first_broken: Some(walk.broken_at(row.id)) });
                        }
                    }
                }
                let (last_id, last_hash, _) = audit_head_row(&self.pool).await?;
                let first_broken = (last_id != walk.next_id - 1 || last_hash != walk.prev).then_some(walk.next_id);
                Ok(app::store::AuditVerification { rows: walk.rows, first_broken })
            }

            async fn audit_checkpoint(&self) -> Result<app::store::AuditCheckpoint, app::store::StoreError> {
                let (id, mac, _) = audit_head_row(&self.pool).await?;
                Ok(app::store::AuditCheckpoint { id, mac })
            }

            async fn audit_mac(&self, id: i64) -> Result<Option<String>, app::store::StoreError> {
                sqlx::query_scalar("SELECT hash FROM audit_log WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }
        }
    };
}
pub(crate) use audit_impl;
