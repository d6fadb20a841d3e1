//! Alert history and the in-app inbox, shared by both backends (`inbox_fns!` expands
//! inside `sqlite.rs` and `postgres.rs` through `impl_store!`).
//!
//! Recording an evaluation reads the open episodes without a lock and returns at once
//! when nothing changed, which is the usual case, so an evaluation is not a write. When
//! something did change, every statement of the transaction is a write (SQLite takes its
//! lock at the first one and never has to upgrade a read). Opening an episode is
//! `ON CONFLICT DO NOTHING` against the one-open-episode-per-kind index, and only the
//! evaluation whose insert returned a row notifies, so racing evaluations notify once.
use app::domain::alerts::AlertKind;

pub(crate) fn kind_of(s: &str) -> Result<AlertKind, app::store::StoreError> {
    AlertKind::ALL
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| {
            app::store::StoreError::Other(format!("unknown alert kind '{s}' in alert_episodes"))
        })
}

pub(crate) fn decimal(s: &str) -> Result<rust_decimal::Decimal, app::store::StoreError> {
    s.parse()
        .map_err(|_| app::store::StoreError::Other(format!("bad decimal '{s}' in alert_episodes")))
}

pub(crate) const EPISODE_COLUMNS: &str =
    "e.id AS episode_id, e.kind, e.raised_on, e.figure, e.threshold, e.subject, e.cleared_on";

macro_rules! inbox_fns {
    ($db:ty) => {
        fn episode_of(r: &<$db as sqlx::Database>::Row) -> Result<app::domain::alerts::AlertEpisode, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            Ok(app::domain::alerts::AlertEpisode {
                id: r.try_get("episode_id").map_err(db)?,
                kind: $crate::store::inbox::kind_of(&r.try_get::<String, _>("kind").map_err(db)?)?,
                raised_on: r.try_get("raised_on").map_err(db)?,
                figure: $crate::store::inbox::decimal(&r.try_get::<String, _>("figure").map_err(db)?)?,
                threshold: $crate::store::inbox::decimal(&r.try_get::<String, _>("threshold").map_err(db)?)?,
                subject: r.try_get("subject").map_err(db)?,
                cleared_on: r.try_get("cleared_on").map_err(db)?,
            })
        }

        async fn record_alerts_in(
            pool: &sqlx::Pool<$db>,
            as_of: chrono::NaiveDate,
            alerts: &[app::domain::alerts::Alert],
            recipients: &[i64],
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<usize, app::store::StoreError> {
            let db = $crate::store::db_err;
            let open: Vec<String> =
                sqlx::query_scalar("SELECT kind FROM alert_episodes WHERE cleared_on IS NULL").fetch_all(pool).await.map_err(db)?;
            let open = open.iter().map(|k| $crate::store::inbox::kind_of(k)).collect::<Result<Vec<_>, _>>()?;
            let (raised, cleared) = app::domain::alerts::transitions(&open, alerts);
            if raised.is_empty() && cleared.is_empty() {
                return Ok(0);
            }
            let mut tx = pool.begin().await.map_err(db)?;
            let mut opened = 0;
            for a in raised {
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO alert_episodes (kind, raised_on, figure, threshold, subject, raised_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(a.kind.as_str())
                .bind(as_of)
                .bind(a.figure.to_string())
                .bind(a.threshold.to_string())
                .bind(&a.subject)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
                let Some(id) = id else { continue };
                opened += 1;
                let link = app::domain::inbox::alert_link(as_of);
                for user in recipients {
                    sqlx::query(
                        "INSERT INTO notifications (user_id, topic, ref_id, link, created_at) VALUES ($1, 'alert', $2, $3, $4) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(user)
                    .bind(id)
                    .bind(&link)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                }
            }
            for kind in cleared {
                sqlx::query("UPDATE alert_episodes SET cleared_on = $1 WHERE kind = $2 AND cleared_on IS NULL")
                    .bind(as_of)
                    .bind(kind.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            tx.commit().await.map_err(db)?;
            Ok(opened)
        }

        async fn alert_history_in(pool: &sqlx::Pool<$db>, limit: i64) -> Result<Vec<app::domain::alerts::AlertEpisode>, app::store::StoreError> {
            let sql = format!("SELECT {} FROM alert_episodes e ORDER BY e.raised_on DESC, e.id DESC LIMIT $1", $crate::store::inbox::EPISODE_COLUMNS);
            let rows = sqlx::query(&sql).bind(limit).fetch_all(pool).await.map_err($crate::store::db_err)?;
            rows.iter().map(episode_of).collect()
        }

        async fn inbox_in(pool: &sqlx::Pool<$db>, user_id: i64, limit: i64) -> Result<Vec<app::domain::inbox::InboxItem>, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let sql = format!(
                "SELECT n.id, n.created_at, n.read_at IS NOT NULL AS is_read, n.link, {} \
                 FROM notifications n JOIN alert_episodes e ON n.topic = 'alert' AND e.id = n.ref_id \
                 WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2",
                $crate::store::inbox::EPISODE_COLUMNS
            );
            let rows = sqlx::query(&sql).bind(user_id).bind(limit).fetch_all(pool).await.map_err(db)?;
            let item = |r: &DbRow, topic| -> Result<app::domain::inbox::InboxItem, app::store::StoreError> {
                Ok(app::domain::inbox::InboxItem {
                    id: r.try_get("id").map_err(db)?,
                    created_at: r.try_get("created_at").map_err(db)?,
                    read: r.try_get("is_read").map_err(db)?,
                    link: r.try_get("link").map_err(db)?,
                    topic,
                })
            };
            let mut items = rows.iter().map(|r| item(r, app::domain::inbox::Topic::Alert(episode_of(r)?))).collect::<Result<Vec<_>, _>>()?;
            let approvals = sqlx::query(
                "SELECT n.id, n.created_at, n.read_at IS NOT NULL AS is_read, n.link, e.kind, e.application_id, c.name \
                   FROM notifications n JOIN application_events e ON n.topic = 'approval' AND e.id = n.ref_id \
                   JOIN applications a ON a.id = e.application_id JOIN customers c ON c.id = a.customer_id \
                  WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2",
            )
            .bind(user_id)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(db)?;
            for r in &approvals {
                let topic = app::domain::inbox::Topic::Approval {
                    application_id: r.try_get("application_id").map_err(db)?,
                    customer_name: r.try_get("name").map_err(db)?,
                    event: r.try_get("kind").map_err(db)?,
                };
                items.push(item(r, topic)?);
            }
            let fired = sqlx::query(
                "SELECT n.id, n.created_at, n.read_at IS NOT NULL AS is_read, n.link, f.id AS firing_id, r.name AS rule_name, \
                        c.name AS customer_name, i.number \
                   FROM notifications n JOIN rule_firings f ON n.topic = 'rule' AND f.id = n.ref_id JOIN rules r ON r.id = f.rule_id \
                   LEFT JOIN customers c ON c.id = f.customer_id LEFT JOIN invoices i ON i.id = f.invoice_id \
                  WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2",
            )
            .bind(user_id)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(db)?;
            for r in &fired {
                let topic = app::domain::inbox::Topic::Rule {
                    firing_id: r.try_get("firing_id").map_err(db)?,
                    rule_name: r.try_get("rule_name").map_err(db)?,
                    customer_name: r.try_get("customer_name").map_err(db)?,
                    invoice_number: r.try_get("number").map_err(db)?,
                };
                items.push(item(r, topic)?);
            }
            let tasks = sqlx::query(
                "SELECT n.id, n.created_at, n.read_at IS NOT NULL AS is_read, n.link, t.id AS task_id, c.name, t.kind, t.priority \
                   FROM notifications n JOIN collection_tasks t ON n.topic = 'task' AND t.id = n.ref_id JOIN customers c ON c.id = t.customer_id \
                  WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2",
            )
            .bind(user_id)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(db)?;
            for r in &tasks {
                let topic = app::domain::inbox::Topic::Task {
                    task_id: r.try_get("task_id").map_err(db)?,
                    customer_name: r.try_get("name").map_err(db)?,
                    kind: r.try_get("kind").map_err(db)?,
                    priority: r.try_get("priority").map_err(db)?,
                };
                items.push(item(r, topic)?);
            }
            items.sort_by(|a, b| b.id.cmp(&a.id));
            items.truncate(usize::try_from(limit).unwrap_or(0));
            Ok(items)
        }
    };
}
pub(crate) use inbox_fns;

/// `app::store::InboxStore` for both backends: alert episodes and the in-app inbox.
/// Expanded once per backend by `impl_store!`; the SQL is shared (see `store/mod.rs`).
macro_rules! inbox_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::InboxStore for $store {
            async fn record_alerts(
                &self,
                as_of: chrono::NaiveDate,
                alerts: &[app::domain::alerts::Alert],
                recipients: &[i64],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<usize, app::store::StoreError> {
                record_alerts_in(&self.pool, as_of, alerts, recipients, now).await
            }

            async fn alert_history(&self, limit: i64) -> Result<Vec<app::domain::alerts::AlertEpisode>, app::store::StoreError> {
                alert_history_in(&self.pool, limit).await
            }

            async fn inbox(&self, user_id: i64, limit: i64) -> Result<Vec<app::domain::inbox::InboxItem>, app::store::StoreError> {
                inbox_in(&self.pool, user_id, limit).await
            }

            async fn unread_count(&self, user_id: i64) -> Result<i64, app::store::StoreError> {
                sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
                    .bind(user_id)
                    .fetch_one(&self.pool)
                    .await
                    .map_err($crate::store::db_err)
            }

            async fn mark_read(&self, user_id: i64, id: Option<i64>, now: chrono::DateTime<chrono::Utc>) -> Result<u64, app::store::StoreError> {
                let r = sqlx::query(
                    "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND (CAST($3 AS BIGINT) IS NULL OR id = $3)",
                )
                .bind(now)
                .bind(user_id)
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                Ok(r.rows_affected())
            }
        }
    };
}
pub(crate) use inbox_impl;
