//! What reps record (contacts, promises, disputes, importance) and the promises
//! settling. Phone writes land once per client id; see `collections/mod.rs`.
macro_rules! collection_ops_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::CollectionStore for $store {
            async fn apply_op(
                &self,
                op: &app::domain::collections::Op,
                user: &app::domain::auth::User,
                today: chrono::NaiveDate,
                grace_days: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<app::domain::collections::OpOutcome, app::store::StoreError> {
                use app::domain::collections::{admit, Contact, Dispute, OpBody, OpOutcome, Promise};
                let (table, owner) = match &op.body {
                    OpBody::Contact(_) => ("collection_contacts", "contact"),
                    OpBody::Promise(_) => ("promises", "promise"),
                    OpBody::Dispute(_) => ("disputes", "dispute"),
                };
                let exists_sql = format!("SELECT id FROM {table} WHERE client_id = $1");
                // A replay is answered before anything else: its task may be closed by now.
                let first: Option<i64> = sqlx::query_scalar(&exists_sql).bind(op.client_id.as_str()).fetch_optional(&self.pool).await.map_err($crate::store::db_err)?;
                if let Some(id) = first {
                    return Ok(OpOutcome::Replayed { id });
                }
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, &user.username, now).await?;
                let (status, customer_id, _) = task_state(&mut tx, op.task_id).await?;
                if let Err(conflict) = admit(status, op.keep_if_closed) {
                    return Ok(conflict);
                }
                let cid = op.client_id.as_str();
                let written = match &op.body {
                    OpBody::Contact(d) => {
                        let c = match Contact::parse(d, today) {
                            Ok(c) => c,
                            Err(errors) => return Ok(OpOutcome::Invalid(errors)),
                        };
                        let after = serde_json::to_string(&c).map_err(|e| app::store::StoreError::Other(e.to_string()))?;
                        let r: Option<i64> = sqlx::query_scalar(
                            "INSERT INTO collection_contacts (client_id, customer_id, task_id, user_id, channel, outcome, notes, next_action_on, contacted_on, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (client_id) DO NOTHING RETURNING id",
                        )
                        .bind(cid)
                        .bind(customer_id)
                        .bind(op.task_id)
                        .bind(user.id)
                        .bind(c.channel.as_str())
                        .bind(c.outcome.as_str())
                        .bind(&c.notes)
                        .bind(c.next_action_on)
                        .bind(today)
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err($crate::store::db_err)?;
                        (r, after)
                    }
                    OpBody::Promise(d) => {
                        let open = open_invoices_in(&mut tx, customer_id, today).await?;
                        let p = match Promise::parse(d, today, &open) {
                            Ok(p) => p,
                            Err(errors) => return Ok(OpOutcome::Invalid(errors)),
                        };
                        let after = serde_json::to_string(&p).map_err(|e| app::store::StoreError::Other(e.to_string()))?;
                        let r: Option<i64> = sqlx::query_scalar(
                            "INSERT INTO promises (client_id, customer_id, task_id, user_id, made_on, due_on, grace_days, amount_minor, currency, notes, status, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11) ON CONFLICT (client_id) DO NOTHING RETURNING id",
                        )
                        .bind(cid)
                        .bind(customer_id)
                        .bind(op.task_id)
                        .bind(user.id)
                        .bind(p.made_on)
                        .bind(p.due_on)
                        .bind(grace_days)
                        .bind(p.amount.minor())
                        .bind(p.amount.currency().code())
                        .bind(&p.notes)
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err($crate::store::db_err)?;
                        if let Some(id) = r {
                            for inv in &p.invoice_ids {
                                sqlx::query("INSERT INTO promise_invoices (promise_id, invoice_id) VALUES ($1, $2)").bind(id).bind(*inv).execute(&mut *tx).await.map_err($crate::store::db_err)?;
                            }
                        }
                        (r, after)
                    }
                    OpBody::Dispute(d) => {
                        let open = open_invoices_in(&mut tx, customer_id, today).await?;
                        let dispute = match Dispute::parse(d, &open) {
                            Ok(x) => x,
                            Err(errors) => return Ok(OpOutcome::Invalid(errors)),
                        };
                        let after = serde_json::to_string(&dispute).map_err(|e| app::store::StoreError::Other(e.to_string()))?;
                        let r: Option<i64> = sqlx::query_scalar(
                            "INSERT INTO disputes (client_id, customer_id, task_id, user_id, category, reason, opened_on, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (client_id) DO NOTHING RETURNING id",
                        )
                        .bind(cid)
                        .bind(customer_id)
                        .bind(op.task_id)
                        .bind(user.id)
                        .bind(dispute.category.as_str())
                        .bind(&dispute.reason)
                        .bind(today)
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err($crate::store::db_err)?;
                        if let Some(id) = r {
                            for inv in &dispute.invoice_ids {
                                sqlx::query("INSERT INTO dispute_invoices (dispute_id, invoice_id) VALUES ($1, $2)").bind(id).bind(*inv).execute(&mut *tx).await.map_err($crate::store::db_err)?;
                            }
                        }
                        (r, after)
                    }
                };
                match written {
                    (Some(id), after) => {
                        chain.push(app::store::AuditEntry { after: Some(after), ..app::store::AuditEntry::new(owner, id.to_string(), "create") });
                        commit(tx, chain).await?;
                        Ok(OpOutcome::Applied { id })
                    }
                    // Another request with this client id committed first.
                    (None, _) => Ok(OpOutcome::Replayed { id: first_write(&mut tx, &exists_sql, cid).await? }),
                }
            }

            async fn set_importance(&self, customer_id: i64, importance: app::domain::collections::Importance, actor: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let before: String = sqlx::query_scalar("SELECT importance FROM customers WHERE id = $1")
                    .bind(customer_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?
                    .ok_or(app::store::StoreError::NotFound)?;
                sqlx::query("UPDATE customers SET importance = $2 WHERE id = $1").bind(customer_id).bind(importance.as_str()).execute(&mut *tx).await.map_err($crate::store::db_err)?;
                chain.push(app::store::AuditEntry {
                    before: Some(serde_json::json!({ "importance": before }).to_string()),
                    after: Some(serde_json::json!({ "importance": importance }).to_string()),
                    ..app::store::AuditEntry::new("customer", customer_id.to_string(), "set_importance")
                });
                commit(tx, chain).await
            }

            async fn resolve_dispute(&self, id: i64, resolution: &str, on: chrono::NaiveDate, actor: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let resolved: Option<Option<chrono::NaiveDate>> = sqlx::query_scalar("SELECT resolved_on FROM disputes WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                match resolved {
                    None => return Err(app::store::StoreError::NotFound),
                    Some(Some(d)) => return Err(app::store::StoreError::Conflict(format!("dispute {id} was resolved on {d}"))),
                    Some(None) => {}
                }
                sqlx::query("UPDATE disputes SET resolved_on = $2, resolution = $3, resolved_by = $4 WHERE id = $1")
                    .bind(id)
                    .bind(on)
                    .bind(resolution)
                    .bind(actor)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                chain.push(app::store::AuditEntry {
                    after: Some(serde_json::json!({ "resolved_on": on, "resolution": resolution }).to_string()),
                    ..app::store::AuditEntry::new("dispute", id.to_string(), "resolve")
                });
                commit(tx, chain).await
            }

            async fn pending_promises(&self, after_id: i64, limit: i64) -> Result<Vec<app::domain::collections::PendingPromise>, app::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, customer_id, made_on, due_on, grace_days, amount_minor, currency, notes FROM promises \
                      WHERE status = 'pending' AND id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                let Some(last) = rows.last() else { return Ok(Vec::new()) };
                let last: i64 = col(last, "id")?;
                // The page's invoices and payments in one read each (ids after_id..=last), not per promise.
                let links = sqlx::query(
                    "SELECT pi.promise_id, pi.invoice_id FROM promises p JOIN promise_invoices pi ON pi.promise_id = p.id \
                      WHERE p.status = 'pending' AND p.id > $1 AND p.id <= $2 ORDER BY pi.promise_id, pi.invoice_id",
                )
                .bind(after_id)
                .bind(last)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                let paid = sqlx::query(
                    "SELECT pi.promise_id, a.allocated_on, CAST(SUM(a.amount_minor) AS BIGINT) AS amount_minor \
                       FROM promises p JOIN promise_invoices pi ON pi.promise_id = p.id JOIN allocations a ON a.invoice_id = pi.invoice_id \
                      WHERE p.status = 'pending' AND p.id > $1 AND p.id <= $2 AND a.payment_id IS NOT NULL AND a.allocated_on >= p.made_on \
                      GROUP BY pi.promise_id, a.allocated_on",
                )
                .bind(after_id)
                .bind(last)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                let mut invoices: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
                for r in &links {
                    invoices.entry(col(r, "promise_id")?).or_default().push(col(r, "invoice_id")?);
                }
                let mut allocations: std::collections::HashMap<i64, Vec<(chrono::NaiveDate, i64)>> = std::collections::HashMap::new();
                for r in &paid {
                    allocations.entry(col(r, "promise_id")?).or_default().push((col(r, "allocated_on")?, col(r, "amount_minor")?));
                }
                rows.iter()
                    .map(|r| {
                        let id: i64 = col(r, "id")?;
                        let invoice_ids = invoices.remove(&id).unwrap_or_default();
                        Ok(app::domain::collections::PendingPromise {
                            id,
                            customer_id: col(r, "customer_id")?,
                            first_invoice: invoice_ids.first().copied(),
                            promise: app::domain::collections::Promise {
                                made_on: col(r, "made_on")?,
                                due_on: col(r, "due_on")?,
                                amount: app::domain::money::Money::from_minor(col(r, "amount_minor")?, currency_of(r)?),
                                invoice_ids,
                                notes: col(r, "notes")?,
                            },
                            grace_days: col::<i64>(r, "grace_days")?,
                            allocations: allocations.remove(&id).unwrap_or_default(),
                        })
                    })
                    .collect()
            }

            async fn settle_promise(&self, id: i64, state: app::domain::collections::PromiseState, now: chrono::DateTime<chrono::Utc>) -> Result<bool, app::store::StoreError> {
                use app::domain::collections::PromiseState;
                let on = match state {
                    PromiseState::Pending => return Ok(false),
                    PromiseState::Kept { on } | PromiseState::Broken { on } => on,
                };
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, "system", now).await?;
                let hit = sqlx::query("UPDATE promises SET status = $2, settled_on = $3 WHERE id = $1 AND status = 'pending'")
                    .bind(id)
                    .bind(state.status().as_str())
                    .bind(on)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?
                    .rows_affected()
                    == 1;
                if !hit {
                    tx.rollback().await.map_err($crate::store::db_err)?;
                    return Ok(false);
                }
                if let PromiseState::Broken { .. } = state {
                    let customer: i64 = sqlx::query_scalar("SELECT customer_id FROM promises WHERE id = $1").bind(id).fetch_one(&mut *tx).await.map_err($crate::store::db_err)?;
                    let first: Option<i64> = sqlx::query_scalar("SELECT MIN(invoice_id) FROM promise_invoices WHERE promise_id = $1").bind(id).fetch_one(&mut *tx).await.map_err($crate::store::db_err)?;
                    chain.raise(app::domain::events::DomainEvent::promise_broken(customer, first, id));
                }
                chain.push(app::store::AuditEntry {
                    before: Some(serde_json::json!({ "status": "pending" }).to_string()),
                    after: Some(serde_json::json!({ "status": state.status(), "settled_on": on }).to_string()),
                    ..app::store::AuditEntry::new("promise", id.to_string(), "settle")
                });
                commit(tx, chain).await?;
                Ok(true)
            }
        }
    };
}
pub(crate) use collection_ops_impl;
