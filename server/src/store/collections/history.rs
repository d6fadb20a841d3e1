//! A customer's collection history (open invoices, promises, disputes, the log) and the
//! people's activity, read for the screens.
macro_rules! collection_history_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::CollectionHistoryStore for $store {
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
pub(crate) use collection_history_impl;
