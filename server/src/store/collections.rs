//! The collections workbench's storage, shared by both backends (`collection_store!`
//! expands inside `sqlite.rs` and `postgres.rs` through `impl_store!`): tasks, contacts,
//! promises, disputes, the customer's collection log and the people's activity.
//!
//! Invariants:
//! - A phone's write (contact, promise, dispute) is inserted with its client id under a
//!   UNIQUE index, `ON CONFLICT (client_id) DO NOTHING`; the transaction that did not
//!   insert answers `Replayed` with the first write's id. So the offline queue may resend
//!   after a lost answer and the write still lands once.
//! - The task's status and the customer's open invoices are read inside the writing
//!   transaction, which holds the ledger's writers' lock (`begin` takes the audit head):
//!   a task closed, or an invoice paid, by another writer is seen, never raced.
//! - Task changes (creation, reassignment, closing, escalation), promises settling and
//!   disputes resolving write audit rows in the same transaction.
//! - A promise leaves `pending` by an UPDATE guarded on `status = 'pending'`; only the
//!   caller whose update hit the row is told so, and only it raises the event.

/// True when invoice `invoice` (a column) is under a dispute open at $1 — the SQL of
/// `collections::dispute_open_on`, for the rule scan and the interest charge.
pub(crate) fn disputed_at_sql(invoice: &str) -> String {
    format!("EXISTS (SELECT 1 FROM dispute_invoices di JOIN disputes d ON d.id = di.dispute_id WHERE di.invoice_id = {invoice} AND {DISPUTE_OPEN_AT})")
}

/// Dispute `d` is open at $1.
pub(crate) const DISPUTE_OPEN_AT: &str =
    "d.opened_on <= $1 AND (d.resolved_on IS NULL OR d.resolved_on > $1)";

/// A promise's or dispute's invoice numbers, by its id.
pub(crate) type Numbers = std::collections::HashMap<i64, Vec<String>>;

macro_rules! collection_store {
    ($store:ty, $db:ty) => {
        /// The open items of a customer at `on`, inside a writing transaction.
        async fn open_invoices_in(tx: &mut Tx, customer_id: i64, on: chrono::NaiveDate) -> Result<Vec<app::domain::collections::OpenInvoice>, app::store::StoreError> {
            let rows = sqlx::query(&$crate::store::rules::customer_open_items_sql())
                .bind(on)
                .bind(customer_id)
                .fetch_all(&mut **tx)
                .await
                .map_err($crate::store::db_err)?;
            rows.iter()
                .map(|r| Ok(app::domain::collections::OpenInvoice { id: col(r, "id")?, number: col(r, "number")?, due_date: col(r, "due_date")?, open_minor: col(r, "open_minor")? }))
                .collect()
        }

        /// A task's status, customer and assignee, read for a change.
        async fn task_state(tx: &mut Tx, id: i64) -> Result<(app::domain::collections::TaskStatus, i64, String), app::store::StoreError> {
            let r = sqlx::query("SELECT status, customer_id, assignee_id, assignee_role FROM collection_tasks WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await
                .map_err($crate::store::db_err)?
                .ok_or(app::store::StoreError::NotFound)?;
            let status = app::domain::collections::TaskStatus::parse(&text(&r, "status")?).ok_or_else(|| $crate::store::corrupt("task status"))?;
            Ok((status, col(&r, "customer_id")?, assignee_key(col(&r, "assignee_id")?, col(&r, "assignee_role")?)))
        }

        fn assignee_key(id: Option<i64>, role: Option<String>) -> String {
            match (id, role) {
                (Some(id), _) => format!("user:{id}"),
                (None, Some(r)) => format!("role:{r}"),
                (None, None) => String::new(),
            }
        }

        fn split_assignee(a: app::domain::collections::Assignee) -> (Option<i64>, Option<&'static str>) {
            match a {
                app::domain::collections::Assignee::User(id) => (Some(id), None),
                app::domain::collections::Assignee::Role(r) => (None, Some(r.as_str())),
            }
        }

        fn closed(id: i64, status: app::domain::collections::TaskStatus) -> app::store::StoreError {
            app::store::StoreError::Conflict(format!("task {id} is already {status}"))
        }

        /// Invoice numbers of the promises (`promise_invoices`) or disputes (`dispute_invoices`) of a customer.
        async fn numbers_of(pool: &sqlx::Pool<$db>, link: &str, owner: &str, customer_id: i64) -> Result<$crate::store::collections::Numbers, app::store::StoreError> {
            let sql = format!(
                "SELECT l.{owner}_id AS owner, i.number FROM {link} l JOIN invoices i ON i.id = l.invoice_id \
                  WHERE i.customer_id = $1 ORDER BY i.due_date, i.id"
            );
            let rows = sqlx::query(&sql).bind(customer_id).fetch_all(pool).await.map_err($crate::store::db_err)?;
            let mut out = $crate::store::collections::Numbers::new();
            for r in &rows {
                out.entry(col(r, "owner")?).or_default().push(col(r, "number")?);
            }
            Ok(out)
        }

        /// The first write's id under a client id (after an insert that did nothing).
        async fn first_write(tx: &mut Tx, exists_sql: &str, client_id: &str) -> Result<i64, app::store::StoreError> {
            sqlx::query_scalar(exists_sql).bind(client_id).fetch_one(&mut **tx).await.map_err($crate::store::db_err)
        }

        #[async_trait::async_trait]
        impl app::store::CollectionStore for $store {
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
                    if let Some((id, role)) = q.for_user {
                        qb.push(" OR t.assignee_id = ").push_bind(id).push(" OR t.assignee_role = ").push_bind(role.as_str());
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

            async fn open_task_count(&self, user_id: i64, role: app::domain::auth::Role) -> Result<i64, app::store::StoreError> {
                sqlx::query_scalar("SELECT COUNT(*) FROM collection_tasks WHERE status = 'open' AND (assignee_id = $1 OR assignee_role = $2)")
                    .bind(user_id)
                    .bind(role.as_str())
                    .fetch_one(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }

            async fn create_task(&self, t: &app::domain::collections::NewTask, actor: &str, now: chrono::DateTime<chrono::Utc>) -> Result<i64, app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
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
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
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
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
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
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
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
                let (mut tx, mut chain) = begin(&self.pool, &user.username, now).await?;
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
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
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
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
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

            async fn customer_open_invoices(&self, customer_id: i64, as_of: chrono::NaiveDate) -> Result<Vec<app::domain::collections::OpenInvoice>, app::store::StoreError> {
                let mut tx = self.pool.begin().await.map_err($crate::store::db_err)?;
                let out = open_invoices_in(&mut tx, customer_id, as_of).await?;
                tx.rollback().await.map_err($crate::store::db_err)?;
                Ok(out)
            }

            async fn promises(&self, customer_id: i64) -> Result<Vec<app::domain::collections::PromiseRow>, app::store::StoreError> {
                let mut numbers = numbers_of(&self.pool, "promise_invoices", "promise", customer_id).await?;
                let rows = sqlx::query(
                    "SELECT p.id, p.made_on, p.due_on, p.grace_days, p.amount_minor, p.currency, p.status, p.settled_on, u.display_name \
                       FROM promises p JOIN users u ON u.id = p.user_id WHERE p.customer_id = $1 ORDER BY p.id DESC",
                )
                .bind(customer_id)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        let id: i64 = col(r, "id")?;
                        Ok(app::domain::collections::PromiseRow {
                            id,
                            made_on: col(r, "made_on")?,
                            due_on: col(r, "due_on")?,
                            grace_days: col::<i64>(r, "grace_days")?,
                            amount: app::domain::money::Money::from_minor(col(r, "amount_minor")?, currency_of(r)?),
                            invoices: numbers.remove(&id).unwrap_or_default(),
                            status: app::domain::collections::PromiseStatus::parse(&text(r, "status")?).ok_or_else(|| $crate::store::corrupt("promise status"))?,
                            settled_on: col(r, "settled_on")?,
                            by: col(r, "display_name")?,
                        })
                    })
                    .collect()
            }

            async fn disputes(&self, customer_id: i64) -> Result<Vec<app::domain::collections::DisputeRow>, app::store::StoreError> {
                let mut numbers = numbers_of(&self.pool, "dispute_invoices", "dispute", customer_id).await?;
                let rows = sqlx::query(
                    "SELECT d.id, d.category, d.reason, d.opened_on, d.resolved_on, d.resolution, u.display_name \
                       FROM disputes d JOIN users u ON u.id = d.user_id WHERE d.customer_id = $1 ORDER BY d.id DESC",
                )
                .bind(customer_id)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        let id: i64 = col(r, "id")?;
                        Ok(app::domain::collections::DisputeRow {
                            id,
                            category: app::domain::collections::DisputeCategory::parse(&text(r, "category")?).ok_or_else(|| $crate::store::corrupt("dispute category"))?,
                            reason: col(r, "reason")?,
                            invoices: numbers.remove(&id).unwrap_or_default(),
                            opened_on: col(r, "opened_on")?,
                            resolved_on: col(r, "resolved_on")?,
                            resolution: col(r, "resolution")?,
                            by: col(r, "display_name")?,
                        })
                    })
                    .collect()
            }

            async fn collection_log(&self, customer_id: i64, limit: i64) -> Result<Vec<app::domain::collections::LogEntry>, app::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT on_date, kind, who, f1, f2, f3, f4, amount_minor, currency, seq FROM ( \
                        SELECT k.contacted_on AS on_date, 'contact' AS kind, u.display_name AS who, k.channel AS f1, k.outcome AS f2, k.notes AS f3, \
                               CAST(NULL AS TEXT) AS f4, CAST(NULL AS BIGINT) AS amount_minor, CAST(NULL AS TEXT) AS currency, k.id AS seq \
                          FROM collection_contacts k JOIN users u ON u.id = k.user_id WHERE k.customer_id = $1 \
                        UNION ALL SELECT p.made_on, 'promise', u.display_name, CAST(p.due_on AS TEXT), p.notes, CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
                               p.amount_minor, p.currency, p.id FROM promises p JOIN users u ON u.id = p.user_id WHERE p.customer_id = $1 \
                        UNION ALL SELECT p.settled_on, 'promise_' || p.status, '', CAST(p.due_on AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
                               p.amount_minor, p.currency, p.id FROM promises p WHERE p.customer_id = $1 AND p.settled_on IS NOT NULL \
                        UNION ALL SELECT d.opened_on, 'dispute', u.display_name, d.category, d.reason, CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
                               CAST(NULL AS BIGINT), CAST(NULL AS TEXT), d.id FROM disputes d JOIN users u ON u.id = d.user_id WHERE d.customer_id = $1 \
                        UNION ALL SELECT d.resolved_on, 'dispute_resolved', COALESCE(d.resolved_by, ''), d.resolution, CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
                               CAST(NULL AS TEXT), CAST(NULL AS BIGINT), CAST(NULL AS TEXT), d.id FROM disputes d WHERE d.customer_id = $1 AND d.resolved_on IS NOT NULL \
                        UNION ALL SELECT f.as_of, 'reminder', r.name, f.actions, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), f.overdue_minor, \
                               CAST(NULL AS TEXT), f.id FROM rule_firings f JOIN rules r ON r.id = f.rule_id WHERE f.customer_id = $1 \
                        UNION ALL SELECT y.received_on, 'payment', '', y.reference, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), y.amount_minor, \
                               y.currency, y.id FROM payments y WHERE y.customer_id = $1 \
                        UNION ALL SELECT t.due_on, 'task', t.created_by, t.kind, t.status, t.note, t.closed_note, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), t.id \
                          FROM collection_tasks t WHERE t.customer_id = $1 \
                     ) x ORDER BY on_date DESC, seq DESC LIMIT $2",
                )
                .bind(customer_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                let book = app::domain::BOOK_CURRENCY;
                rows.iter()
                    .map(|r| {
                        let currency = match col::<Option<String>>(r, "currency")? {
                            Some(c) => app::domain::money::Currency::parse(&c).map_err($crate::store::corrupt)?,
                            None => book,
                        };
                        let kind: String = col(r, "kind")?;
                        let fields = [col(r, "f1")?, col(r, "f2")?, col(r, "f3")?, col(r, "f4")?];
                        Ok(app::domain::collections::LogEntry {
                            on: col(r, "on_date")?,
                            who: col(r, "who")?,
                            detail: app::domain::collections::LogDetail::from_columns(&kind, fields).map_err($crate::store::corrupt)?,
                            amount: col::<Option<i64>>(r, "amount_minor")?.map(|m| app::domain::money::Money::from_minor(m, currency)),
                            seq: col(r, "seq")?,
                        })
                    })
                    .collect()
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
                let (mut tx, mut chain) = begin(&self.pool, "system", now).await?;
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

            async fn collection_activity(
                &self,
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
            ) -> Result<Vec<(app::domain::auth::User, Option<i64>, app::domain::collections::Activity)>, app::store::StoreError> {
                use std::collections::HashMap;
                let db = $crate::store::db_err;
                let users = sqlx::query("SELECT id, username, display_name, role, manager_id FROM users WHERE role IN ('sales_rep', 'sales_manager') ORDER BY id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                let mut acts: HashMap<i64, app::domain::collections::Activity> = HashMap::new();
                // Closing times are instants; the period is business days (Asia/Shanghai).
                let start = app::domain::business_start(from);
                let end = app::domain::business_start(to + chrono::Duration::days(1));
                let queries: [(&str, bool); 5] = [
                    ("SELECT u.id AS uid, COUNT(*) AS n FROM collection_tasks t JOIN users u ON u.username = t.closed_by WHERE t.status = 'done' AND t.closed_at >= $1 AND t.closed_at < $2 GROUP BY u.id", true),
                    ("SELECT user_id AS uid, COUNT(*) AS n FROM collection_contacts WHERE contacted_on >= $1 AND contacted_on <= $2 GROUP BY user_id", false),
                    ("SELECT user_id AS uid, COUNT(*) AS n FROM promises WHERE made_on >= $1 AND made_on <= $2 GROUP BY user_id", false),
                    ("SELECT user_id AS uid, COUNT(*) AS n FROM promises WHERE status = 'kept' AND settled_on >= $1 AND settled_on <= $2 GROUP BY user_id", false),
                    ("SELECT user_id AS uid, COUNT(*) AS n FROM promises WHERE status = 'broken' AND settled_on >= $1 AND settled_on <= $2 GROUP BY user_id", false),
                ];
                for (i, (sql, instants)) in queries.into_iter().enumerate() {
                    let q = sqlx::query(sql);
                    let q = if instants { q.bind(start).bind(end) } else { q.bind(from).bind(to) };
                    for r in q.fetch_all(&self.pool).await.map_err(db)? {
                        let a = acts.entry(col(&r, "uid")?).or_default();
                        let n: i64 = col(&r, "n")?;
                        match i {
                            0 => a.tasks_done = n,
                            1 => a.contacts = n,
                            2 => a.promises_made = n,
                            3 => a.promises_kept = n,
                            _ => a.promises_broken = n,
                        }
                    }
                }
                // Days to collect: the payments allocated in the period to the rep's
                // customers' invoices, weighted by amount (the cockpit's aggregates carry the
                // cash and due figures, not the invoice dates).
                let paid = sqlx::query(
                    "SELECT c.sales_rep_id AS uid, a.allocated_on, i.invoice_date, CAST(SUM(a.amount_minor) AS BIGINT) AS amount_minor \
                       FROM allocations a JOIN invoices i ON i.id = a.invoice_id JOIN customers c ON c.id = i.customer_id \
                      WHERE a.payment_id IS NOT NULL AND a.allocated_on >= $1 AND a.allocated_on <= $2 AND c.sales_rep_id IS NOT NULL \
                      GROUP BY c.sales_rep_id, a.allocated_on, i.invoice_date",
                )
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                for r in &paid {
                    let a = acts.entry(col(r, "uid")?).or_default();
                    let m: i64 = col(r, "amount_minor")?;
                    let on: chrono::NaiveDate = col(r, "allocated_on")?;
                    let invoiced: chrono::NaiveDate = col(r, "invoice_date")?;
                    a.day_base_minor += m;
                    a.day_weighted_minor += i128::from((on - invoiced).num_days().max(0)) * i128::from(m);
                }
                users
                    .iter()
                    .map(|r| {
                        let user = user_from_row(r)?;
                        let manager: Option<i64> = col(r, "manager_id")?;
                        let activity = acts.remove(&user.id).unwrap_or_default();
                        Ok((user, manager, activity))
                    })
                    .collect()
            }
        }
    };
}
pub(crate) use collection_store;
