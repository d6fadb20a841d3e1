//! Collection tasks: the worklist query, creation, reassignment, closing and escalation,
//! each audited in its transaction. A task's status is read in the writing transaction,
//! so a task closed by another writer is a `Conflict`, never closed twice.
macro_rules! task_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::TaskStore for $store {
            async fn tasks(&self, q: &app::store::TaskQuery) -> Result<Vec<app::domain::collections::TaskRow>, app::store::StoreError> {
                use app::domain::collections::{Assignee, Importance, Priority, PriorityInput, TaskRow, TaskStatus};
                let year_ago = q.today - chrono::Duration::days(365);
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT t.id, t.customer_id, c.code, c.name, t.kind, t.priority, t.status, t.due_on, t.assignee_id, t.assignee_role, \
                            COALESCE(u.display_name, t.assignee_role) AS assignee_name, inv.number AS invoice_number, t.note, t.closed_note, \
                            c.grade, c.importance, \
                            (SELECT MIN(i.due_date) FROM invoice_balances b JOIN invoices i ON i.id = b.invoice_id \
                              WHERE b.customer_id = t.customer_id AND b.open_minor > 0) AS oldest_due, \
                            (SELECT CAST(COALESCE(SUM(b.open_minor), 0) AS BIGINT) FROM invoice_balances b JOIN invoices i ON i.id = b.invoice_id \
                              WHERE b.customer_id = t.customer_id AND b.open_minor > 0 AND i.due_date < ",
                );
                qb.push_bind(q.today);
                qb.push(") AS overdue_minor, (SELECT COUNT(*) FROM promises p WHERE p.customer_id = t.customer_id AND p.status = 'broken' AND p.settled_on > ");
                qb.push_bind(year_ago);
                qb.push(
                    ") AS broken, \
                     EXISTS (SELECT 1 FROM promises p WHERE p.customer_id = t.customer_id AND p.status = 'pending') AS pending_promise, \
                     EXISTS (SELECT 1 FROM disputes d WHERE d.customer_id = t.customer_id AND d.resolved_on IS NULL) AS open_dispute \
                     FROM collection_tasks t JOIN customers c ON c.id = t.customer_id \
                     LEFT JOIN users u ON u.id = t.assignee_id LEFT JOIN invoices inv ON inv.id = t.invoice_id WHERE 1 = 1",
                );
                if q.open_only {
                    qb.push(" AND t.status = 'open'");
                }
                if let Some(id) = q.task_id {
                    qb.push(" AND t.id = ").push_bind(id);
                }
                if let Some(id) = q.customer_id {
                    qb.push(" AND t.customer_id = ").push_bind(id);
                }
                if q.for_user.is_some() || q.team.is_some() {
                    qb.push(" AND (1 = 0");
                    if let Some((id, pool)) = q.for_user {
                        qb.push(" OR t.assignee_id = ").push_bind(id);
                        if let Some(role) = pool {
                            qb.push(" OR t.assignee_role = ").push_bind(role.as_str());
                        }
                    }
                    for id in q.team.iter().flatten() {
                        qb.push(" OR t.assignee_id = ").push_bind(*id);
                    }
                    qb.push(")");
                }
                qb.push(" ORDER BY t.due_on, t.id");
                let rows = qb.build().fetch_all(&self.pool).await.map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        let oldest: Option<chrono::NaiveDate> = col(r, "oldest_due")?;
                        let grade: Option<String> = col(r, "grade")?;
                        let role: Option<String> = col(r, "assignee_role")?;
                        let assignee = match (col::<Option<i64>>(r, "assignee_id")?, role.as_deref()) {
                            (Some(id), _) => Some(Assignee::User(id)),
                            (None, Some(role)) => app::domain::auth::Role::parse(role).ok().map(Assignee::Role),
                            (None, None) => None,
                        };
                        Ok(TaskRow {
                            id: col(r, "id")?,
                            customer_id: col(r, "customer_id")?,
                            customer_code: col(r, "code")?,
                            customer_name: col(r, "name")?,
                            kind: app::domain::rules::TaskKind::parse(&text(r, "kind")?).ok_or_else(|| $crate::store::corrupt("task kind"))?,
                            label: app::domain::rules::Priority::parse(&text(r, "priority")?).ok_or_else(|| $crate::store::corrupt("task priority"))?,
                            status: TaskStatus::parse(&text(r, "status")?).ok_or_else(|| $crate::store::corrupt("task status"))?,
                            due_on: col(r, "due_on")?,
                            assignee,
                            assignee_name: col::<Option<String>>(r, "assignee_name")?.unwrap_or_default(),
                            invoice_number: col(r, "invoice_number")?,
                            note: col(r, "note")?,
                            closed_note: col(r, "closed_note")?,
                            input: PriorityInput {
                                days_past_due: oldest.map_or(0, |d| (q.today - d).num_days().max(0)),
                                overdue_minor: col(r, "overdue_minor")?,
                                grade: grade.as_deref().and_then(|g| app::domain::customer::Grade::parse(g).ok()),
                                importance: Importance::parse(&text(r, "importance")?).unwrap_or(Importance::Normal),
                                broken_promises: col(r, "broken")?,
                            },
                            priority: Priority { score: rust_decimal::Decimal::ZERO, parts: Vec::new() },
                            pending_promise: col(r, "pending_promise")?,
                            open_dispute: col(r, "open_dispute")?,
                        })
                    })
                    .collect()
            }

            async fn open_task_count(&self, user_id: i64, pool: Option<app::domain::auth::Role>) -> Result<i64, app::store::StoreError> {
                sqlx::query_scalar("SELECT COUNT(*) FROM collection_tasks WHERE status = 'open' AND (assignee_id = $1 OR assignee_role = $2)")
                    .bind(user_id)
                    .bind(pool.map(|r| r.as_str()))
                    .fetch_one(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }

            async fn create_task(&self, t: &app::domain::collections::NewTask, actor: &str, now: chrono::DateTime<chrono::Utc>) -> Result<i64, app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let rep: Option<Option<i64>> = sqlx::query_scalar("SELECT sales_rep_id FROM customers WHERE id = $1")
                    .bind(t.customer_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                let Some(rep) = rep else { return Err(app::store::StoreError::NotFound) };
                let assignee = t.assignee.unwrap_or(match rep {
                    Some(id) => app::domain::collections::Assignee::User(id),
                    None => app::domain::collections::Assignee::Role(app::domain::auth::Role::SalesManager),
                });
                let (user, role) = split_assignee(assignee);
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO collection_tasks (customer_id, assignee_id, assignee_role, kind, priority, status, due_on, created_at, note, created_by) \
                     VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9) RETURNING id",
                )
                .bind(t.customer_id)
                .bind(user)
                .bind(role)
                .bind(t.kind.as_str())
                .bind(t.label.as_str())
                .bind(t.due_on)
                .bind(now)
                .bind(&t.note)
                .bind(actor)
                .fetch_one(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
                let after = serde_json::json!({"customer_id": t.customer_id, "kind": t.kind, "priority": t.label, "due_on": t.due_on, "assignee": assignee.key(), "note": t.note});
                chain.push(app::store::AuditEntry { after: Some(after.to_string()), ..app::store::AuditEntry::new("collection_task", id.to_string(), "create") });
                commit(tx, chain).await?;
                Ok(id)
            }

            async fn reassign_task(&self, id: i64, to: app::domain::collections::Assignee, actor: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let (status, _, before) = task_state(&mut tx, id).await?;
                if status != app::domain::collections::TaskStatus::Open {
                    return Err(closed(id, status));
                }
                if let app::domain::collections::Assignee::User(uid) = to {
                    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1").bind(uid).fetch_optional(&mut *tx).await.map_err($crate::store::db_err)?;
                    if exists.is_none() {
                        return Err(app::store::StoreError::Conflict(format!("user {uid} does not exist")));
                    }
                }
                let (user, role) = split_assignee(to);
                sqlx::query("UPDATE collection_tasks SET assignee_id = $2, assignee_role = $3 WHERE id = $1")
                    .bind(id)
                    .bind(user)
                    .bind(role)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                chain.push(app::store::AuditEntry {
                    before: Some(serde_json::json!({ "assignee": before }).to_string()),
                    after: Some(serde_json::json!({ "assignee": to.key() }).to_string()),
                    ..app::store::AuditEntry::new("collection_task", id.to_string(), "reassign")
                });
                commit(tx, chain).await
            }

            async fn close_task(&self, id: i64, status: app::domain::collections::TaskStatus, note: &str, actor: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let (current, _, _) = task_state(&mut tx, id).await?;
                if current != app::domain::collections::TaskStatus::Open {
                    return Err(closed(id, current));
                }
                sqlx::query("UPDATE collection_tasks SET status = $2, closed_at = $3, closed_by = $4, closed_note = $5 WHERE id = $1")
                    .bind(id)
                    .bind(status.as_str())
                    .bind(now)
                    .bind(actor)
                    .bind(note)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                chain.push(app::store::AuditEntry {
                    before: Some(serde_json::json!({ "status": "open" }).to_string()),
                    after: Some(serde_json::json!({ "status": status, "note": note }).to_string()),
                    ..app::store::AuditEntry::new("collection_task", id.to_string(), "close")
                });
                commit(tx, chain).await
            }

            async fn escalate_task(&self, id: i64, note: &str, today: chrono::NaiveDate, actor: &str, now: chrono::DateTime<chrono::Utc>) -> Result<i64, app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let (current, customer_id, _) = task_state(&mut tx, id).await?;
                if current != app::domain::collections::TaskStatus::Open {
                    return Err(closed(id, current));
                }
                let legal: i64 = sqlx::query_scalar(
                    "INSERT INTO collection_tasks (customer_id, invoice_id, assignee_role, kind, priority, status, due_on, created_at, note, created_by) \
                     SELECT customer_id, invoice_id, 'credit_manager', 'legal', 'urgent', 'open', $2, $3, $4, $5 FROM collection_tasks WHERE id = $1 RETURNING id",
                )
                .bind(id)
                .bind(today)
                .bind(now)
                .bind(note)
                .bind(actor)
                .fetch_one(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
                let closed_note = format!("escalated to legal task {legal}: {note}");
                sqlx::query("UPDATE collection_tasks SET status = 'done', closed_at = $2, closed_by = $3, closed_note = $4 WHERE id = $1")
                    .bind(id)
                    .bind(now)
                    .bind(actor)
                    .bind(&closed_note)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                chain.push(app::store::AuditEntry {
                    before: Some(serde_json::json!({ "status": "open" }).to_string()),
                    after: Some(serde_json::json!({ "status": "done", "note": closed_note }).to_string()),
                    ..app::store::AuditEntry::new("collection_task", id.to_string(), "escalate")
                });
                let after = serde_json::json!({"customer_id": customer_id, "kind": "legal", "priority": "urgent", "due_on": today, "assignee": "role:credit_manager", "note": note, "escalated_from": id});
                chain.push(app::store::AuditEntry { after: Some(after.to_string()), ..app::store::AuditEntry::new("collection_task", legal.to_string(), "create") });
                commit(tx, chain).await?;
                Ok(legal)
            }
        }
    };
}
pub(crate) use task_impl;
