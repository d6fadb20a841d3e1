//! Rule runs and the domain events they handle: claiming a (rule, date) lease and
//! applying a page of firings once each (the dedupe key), with the run's cursor moved in
//! the same transaction. See `rules/mod.rs` for the lease and exactly-once invariants.
macro_rules! rule_runs_impl {
    ($store:ty, $db:ty) => {
        fn rule_run_of(r: &DbRow) -> Result<app::store::RuleRun, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            Ok(app::store::RuleRun {
                id: r.try_get("id").map_err(db)?,
                rule_id: r.try_get("rule_id").map_err(db)?,
                rule_name: r.try_get("name").map_err(db)?,
                run_date: r.try_get("run_date").map_err(db)?,
                source: r.try_get("source").map_err(db)?,
                started_at: r.try_get("started_at").map_err(db)?,
                finished_at: r.try_get("finished_at").map_err(db)?,
                evaluated: r.try_get("evaluated").map_err(db)?,
                firings: r.try_get("firings").map_err(db)?,
                failures: r.try_get("failures").map_err(db)?,
                messages_sent: r.try_get("sent").map_err(db)?,
                messages_pending: r.try_get("pending").map_err(db)?,
                messages_dead: r.try_get("dead").map_err(db)?,
            })
        }

        const RULE_RUN_SQL: &str = "SELECT r.id, r.rule_id, u.name, r.run_date, r.source, r.started_at, r.finished_at, r.evaluated, r.firings, r.failures, \
               (SELECT COUNT(*) FROM outbox o JOIN rule_firings f ON f.id = o.firing_id WHERE f.run_id = r.id AND o.status = 'sent') AS sent, \
               (SELECT COUNT(*) FROM outbox o JOIN rule_firings f ON f.id = o.firing_id WHERE f.run_id = r.id AND o.status = 'pending') AS pending, \
               (SELECT COUNT(*) FROM outbox o JOIN rule_firings f ON f.id = o.firing_id WHERE f.run_id = r.id AND o.status = 'dead') AS dead \
             FROM rule_runs r JOIN rules u ON u.id = r.rule_id";


        #[async_trait::async_trait]
        impl app::store::RuleRunStore for $store {
            async fn last_rule_runs(&self) -> Result<std::collections::HashMap<i64, chrono::NaiveDate>, app::store::StoreError> {
                use sqlx::Row;
                let db = $crate::store::db_err;
                let rows = sqlx::query("SELECT rule_id, MAX(run_date) AS last FROM rule_runs GROUP BY rule_id").fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|r| Ok((r.try_get("rule_id").map_err(db)?, r.try_get("last").map_err(db)?))).collect()
            }

            async fn claim_rule_run(
                &self,
                rule_id: i64,
                run_date: chrono::NaiveDate,
                source: &str,
                owner: &str,
                now: chrono::DateTime<chrono::Utc>,
                stale_before: chrono::DateTime<chrono::Utc>,
            ) -> Result<app::store::RunClaim, app::store::StoreError> {
                use sqlx::Row;
                let db = $crate::store::db_err;
                let fresh: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO rule_runs (rule_id, run_date, source, owner, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $5, $5) \
                     ON CONFLICT (rule_id, run_date) DO NOTHING RETURNING id",
                )
                .bind(rule_id)
                .bind(run_date)
                .bind(source)
                .bind(owner)
                .bind(now)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                if let Some(run_id) = fresh {
                    return Ok(app::store::RunClaim::Lease(app::store::RuleLease { run_id, owner: owner.to_string(), cursor: 0 }));
                }
                let taken = sqlx::query(
                    "UPDATE rule_runs SET owner = $3, heartbeat_at = $4 \
                      WHERE rule_id = $1 AND run_date = $2 AND finished_at IS NULL AND heartbeat_at < $5 RETURNING id, cursor",
                )
                .bind(rule_id)
                .bind(run_date)
                .bind(owner)
                .bind(now)
                .bind(stale_before)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                if let Some(r) = taken {
                    return Ok(app::store::RunClaim::Lease(app::store::RuleLease {
                        run_id: r.try_get("id").map_err(db)?,
                        owner: owner.to_string(),
                        cursor: r.try_get("cursor").map_err(db)?,
                    }));
                }
                let sql = format!("{RULE_RUN_SQL} WHERE r.rule_id = $1 AND r.run_date = $2 AND r.finished_at IS NOT NULL");
                match sqlx::query(&sql).bind(rule_id).bind(run_date).fetch_optional(&self.pool).await.map_err(db)? {
                    Some(r) => Ok(app::store::RunClaim::Finished(rule_run_of(&r)?)),
                    None => Ok(app::store::RunClaim::Busy),
                }
            }

            async fn apply_firings(
                &self,
                leases: &[(app::store::RuleLease, app::store::RunProgress)],
                plans: &[app::store::FiringPlan],
                handled: &[i64],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<app::store::Applied, app::store::StoreError> {
                let db = $crate::store::db_err;
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, "rules", now).await?;
                for (l, _) in leases {
                    hold_lease(&mut tx, $crate::store::ledger::RunTable::Rules, l.run_id, &l.owner, now).await?;
                }
                let mut per_run: std::collections::HashMap<i64, app::store::Applied> = std::collections::HashMap::new();
                let terms: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                    .bind(app::domain::rules::DUNNING_SETTING)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
                let terms: app::domain::rules::DunningTerms = match terms {
                    Some(t) => serde_json::from_str(&t).map_err(|e| $crate::store::corrupt(format!("setting {}: {e}", app::domain::rules::DUNNING_SETTING)))?,
                    None => app::domain::rules::DunningTerms::default(),
                };
                let mut roles = std::collections::HashMap::new();
                let mut applied = app::store::Applied::default();
                for plan in plans {
                    let f = &plan.firing;
                    let id: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO rule_firings (dedupe_key, rule_id, run_id, as_of, customer_id, invoice_id, overdue_minor, actions, fired_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, '[]', $8) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
                    )
                    .bind(&f.key)
                    .bind(f.rule_id)
                    .bind(plan.run_id)
                    .bind(plan.as_of)
                    .bind(f.customer_id)
                    .bind(f.invoice_id)
                    .bind(f.overdue_minor)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
                    let Some(id) = id else { continue };
                    chain.cause = Some(f.rule_id);
                    let (lines, failures) = apply_actions(&mut tx, &mut chain, id, plan, &terms, &mut roles, now).await?;
                    chain.cause = None;
                    for a in [&mut applied].into_iter().chain(plan.run_id.map(|r| per_run.entry(r).or_default())) {
                        a.new += 1;
                        a.failures += failures;
                    }
                    sqlx::query("UPDATE rule_firings SET actions = $2 WHERE id = $1")
                        .bind(id)
                        .bind(serde_json::to_string(&lines).map_err(|e| app::store::StoreError::Other(e.to_string()))?)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                }
                for (l, progress) in leases {
                    let a = per_run.get(&l.run_id).copied().unwrap_or_default();
                    sqlx::query(
                        "UPDATE rule_runs SET cursor = $2, evaluated = evaluated + $3, firings = firings + $4, failures = failures + $5 WHERE id = $1",
                    )
                    .bind(l.run_id)
                    .bind(progress.cursor)
                    .bind(progress.evaluated)
                    .bind(a.new)
                    .bind(a.failures)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                }
                for part in handled.chunks($crate::store::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("UPDATE domain_events SET handled_at = ");
                    qb.push_bind(now).push(" WHERE handled_at IS NULL AND id IN (");
                    let mut ids = qb.separated(", ");
                    for id in part {
                        ids.push_bind(*id);
                    }
                    qb.push(")");
                    qb.build().execute(&mut *tx).await.map_err(db)?;
                }
                commit(tx, chain).await?;
                Ok(applied)
            }

            async fn pending_events(&self, after: i64, limit: i64) -> Result<Vec<app::domain::events::RecordedEvent>, app::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, kind, customer_id, invoice_id, subject_id, caused_by_rule FROM domain_events \
                     WHERE handled_at IS NULL AND id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        let kind: String = col(r, "kind")?;
                        Ok(app::domain::events::RecordedEvent {
                            id: col(r, "id")?,
                            event: app::domain::events::DomainEvent {
                                kind: app::domain::rules::EventKind::parse(&kind).ok_or_else(|| $crate::store::corrupt(format!("event kind {kind}")))?,
                                customer_id: col(r, "customer_id")?,
                                invoice_id: col(r, "invoice_id")?,
                                subject_id: col(r, "subject_id")?,
                            },
                            caused_by_rule: col(r, "caused_by_rule")?,
                        })
                    })
                    .collect()
            }

            async fn finish_rule_run(&self, lease: &app::store::RuleLease, now: chrono::DateTime<chrono::Utc>) -> Result<app::store::RuleRun, app::store::StoreError> {
                let n = sqlx::query("UPDATE rule_runs SET finished_at = $3, heartbeat_at = $3 WHERE id = $1 AND owner = $2 AND finished_at IS NULL")
                    .bind(lease.run_id)
                    .bind(&lease.owner)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?
                    .rows_affected();
                if n == 0 {
                    return Err(app::store::StoreError::Conflict(format!("rule run {} is no longer held by this worker", lease.run_id)));
                }
                app::store::RuleHistoryStore::rule_run(self, lease.run_id).await?.ok_or(app::store::StoreError::NotFound)
            }
        }
    };
}
pub(crate) use rule_runs_impl;
