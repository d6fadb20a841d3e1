//! The outbox: messages queued by firings in their transaction, claimed by one worker
//! at a time (an `UPDATE` that re-checks the claim) and ended `sent` or `dead`, with
//! every attempt in the delivery log.
macro_rules! outbox_impl {
    ($store:ty, $db:ty) => {
        fn outbox_of(r: &DbRow) -> Result<app::store::OutboxMessage, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            Ok(app::store::OutboxMessage {
                id: r.try_get("id").map_err(db)?,
                firing_id: r.try_get("firing_id").map_err(db)?,
                channel: r.try_get("channel").map_err(db)?,
                destination: r.try_get("destination").map_err(db)?,
                payload: r.try_get("payload").map_err(db)?,
                status: r.try_get("status").map_err(db)?,
                attempts: r.try_get("attempts").map_err(db)?,
                next_attempt_at: r.try_get("next_attempt_at").map_err(db)?,
                last_error: r.try_get("last_error").map_err(db)?,
                sent_at: r.try_get("sent_at").map_err(db)?,
            })
        }

        const OUTBOX_COLUMNS: &str = "id, firing_id, channel, destination, payload, status, attempts, next_attempt_at, last_error, sent_at";

        #[async_trait::async_trait]
        impl app::store::OutboxStore for $store {
            async fn claim_outbox(
                &self,
                owner: &str,
                now: chrono::DateTime<chrono::Utc>,
                until: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> Result<Vec<app::store::OutboxMessage>, app::store::StoreError> {
                let sql = format!(
                    "UPDATE outbox SET claimed_by = $1, claimed_until = $3 \
                      WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
                                      AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT $4) \
                        AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < $2) \
                  RETURNING {OUTBOX_COLUMNS}"
                );
                let rows = sqlx::query(&sql).bind(owner).bind(now).bind(until).bind(limit).fetch_all(&self.pool).await.map_err($crate::store::db_err)?;
                let mut out = rows.iter().map(outbox_of).collect::<Result<Vec<_>, _>>()?;
                out.sort_by_key(|m| m.id);
                Ok(out)
            }

            async fn record_delivery(
                &self,
                id: i64,
                owner: &str,
                outcome: &app::store::DeliveryOutcome,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                use app::store::DeliveryOutcome;
                let db = $crate::store::db_err;
                let mut tx = self.pool.begin().await.map_err(db)?;
                let (status, next, error, sent_at, log, detail) = match outcome {
                    DeliveryOutcome::Sent(d) => ("sent", now, None, Some(now), "sent", d.clone()),
                    DeliveryOutcome::Failed { reason, retry_at } => ("pending", *retry_at, Some(reason.clone()), None, "failed", reason.clone()),
                    DeliveryOutcome::Dead(reason) => ("dead", now, Some(reason.clone()), None, "dead", reason.clone()),
                };
                let attempt: Option<i64> = sqlx::query_scalar(
                    "UPDATE outbox SET status = $3, attempts = attempts + 1, next_attempt_at = $4, last_error = $5, sent_at = $6, \
                            claimed_by = NULL, claimed_until = NULL \
                      WHERE id = $1 AND claimed_by = $2 AND status = 'pending' RETURNING attempts",
                )
                .bind(id)
                .bind(owner)
                .bind(status)
                .bind(next)
                .bind(error)
                .bind(sent_at)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
                let Some(attempt) = attempt else {
                    return Err(app::store::StoreError::Conflict(format!("outbox message {id} is not claimed by {owner}")));
                };
                sqlx::query("INSERT INTO delivery_log (outbox_id, attempt, at, outcome, detail) VALUES ($1, $2, $3, $4, $5)")
                    .bind(id)
                    .bind(attempt)
                    .bind(now)
                    .bind(log)
                    .bind(detail)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                tx.commit().await.map_err(db)?;
                Ok(())
            }
        }
    };
}
pub(crate) use outbox_impl;
