//! The outbox worker: delivers the messages rule firings queued, by email (SMTP) or
//! webhook, with retries and backoff, logging every attempt.
//!
//! Invariants:
//! - A message is sent only by the worker whose claim (`claim_outbox`) took it, and its
//!   outcome is recorded by that worker; a claim expires after `CLAIM_SECS`, so a worker
//!   that died mid-send leaves the message to be retried, never lost.
//! - A retryable failure (server down, timeout, 5xx) schedules the next attempt by
//!   `notify::next_attempt`; after `MAX_ATTEMPTS`, or on a permanent failure (a rejected
//!   address, a webhook that no longer exists), the message is `dead` with its reason.
//! - Settings are read at delivery, so fixing the SMTP server or a webhook makes the
//!   pending messages go out at their next attempt.
//!
//! Exactly once holds up to the wire: a crash after the SMTP server or webhook accepted
//! a message but before its outcome was recorded sends it again once the claim
//! expires. That window is one round trip; no protocol here can close it.
use app::domain::notify::{self, Email, SmtpSettings, WebhookMessage, WebhookTarget};
use app::store::{DeliveryOutcome, OutboxMessage, Store, StoreError};
use chrono::{DateTime, Duration, Utc};

/// How long a claim holds a message.
pub const CLAIM_SECS: i64 = 300;
/// Messages per claim.
pub const BATCH: i64 = 50;

/// What one pass delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
    pub dead: usize,
}

async fn smtp_settings(store: &dyn Store) -> Result<Option<SmtpSettings>, String> {
    app::settings::get(store, &app::domain::settings::SMTP)
        .await
        .map_err(|e| e.to_string())
}

async fn webhooks(store: &dyn Store) -> Result<Vec<WebhookTarget>, String> {
    app::settings::get(store, &app::domain::settings::WEBHOOKS)
        .await
        .map_err(|e| e.to_string())
}

/// One attempt at one message.
async fn attempt(
    m: &OutboxMessage,
    smtp: &Result<Option<SmtpSettings>, String>,
    hooks: &Result<Vec<WebhookTarget>, String>,
    client: &reqwest::Client,
    now: DateTime<Utc>,
) -> Result<String, crate::notify::DeliveryError> {
    use crate::notify::DeliveryError::{Permanent, Retryable};
    match m.channel.as_str() {
        "email" => {
            // Missing or broken settings are retried: an admin fixes them and the mail goes.
            let cfg = match smtp {
                Ok(Some(cfg)) => cfg,
                Ok(None) => {
                    return Err(Retryable(
                        "email is not configured (Settings → Notifications)".into(),
                    ))
                }
                Err(e) => return Err(Retryable(e.clone())),
            };
            let email: Email = serde_json::from_str(&m.payload)
                .map_err(|e| Permanent(format!("outbox message {}: {e}", m.id)))?;
            crate::notify::send_email(cfg, &email).await
        }
        "webhook" => {
            let hooks = hooks.as_ref().map_err(|e| Retryable(e.clone()))?;
            let target = hooks
                .iter()
                .find(|t| t.key == m.destination)
                .ok_or_else(|| {
                    Retryable(format!(
                        "webhook '{}' is not configured (Settings → Notifications)",
                        m.destination
                    ))
                })?;
            let msg: WebhookMessage = serde_json::from_str(&m.payload)
                .map_err(|e| Permanent(format!("outbox message {}: {e}", m.id)))?;
            crate::notify::post_webhook(client, target, &msg, now).await
        }
        other => Err(Permanent(format!("unknown channel '{other}'"))),
    }
}

/// Claims the messages due now and tries each once.
pub async fn deliver_due(
    store: &dyn Store,
    client: &reqwest::Client,
    owner: &str,
    now: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
) -> Result<Delivered, StoreError> {
    let mut done = Delivered::default();
    loop {
        let t = now();
        let batch = store
            .claim_outbox(owner, t, t + Duration::seconds(CLAIM_SECS), BATCH)
            .await?;
        if batch.is_empty() {
            return Ok(done);
        }
        let smtp = smtp_settings(store).await;
        let hooks = webhooks(store).await;
        for m in &batch {
            let t = now();
            let outcome = match attempt(m, &smtp, &hooks, client, t).await {
                Ok(detail) => {
                    done.sent += 1;
                    DeliveryOutcome::Sent(detail)
                }
                Err(e) => {
                    let attempts = u32::try_from(m.attempts + 1).unwrap_or(u32::MAX);
                    match (e.is_retryable(), notify::next_attempt(attempts, t)) {
                        (true, Some(retry_at)) => {
                            done.failed += 1;
                            DeliveryOutcome::Failed {
                                reason: e.message().to_string(),
                                retry_at,
                            }
                        }
                        (true, None) => {
                            done.dead += 1;
                            DeliveryOutcome::Dead(format!(
                                "gave up after {attempts} attempts: {}",
                                e.message()
                            ))
                        }
                        (false, _) => {
                            done.dead += 1;
                            DeliveryOutcome::Dead(e.message().to_string())
                        }
                    }
                }
            };
            store.record_delivery(m.id, owner, &outcome, now()).await?;
        }
    }
}
