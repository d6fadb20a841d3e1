//! Credit applications, their approval trail, delegations and SLA timers, shared by
//! both backends (`approval_fns!` expands inside `sqlite.rs` and `postgres.rs` through
//! `impl_store!`).
//!
//! Invariants:
//! - Every write (submit, decide, resubmit) runs in the ledger's writing transaction
//!   (`begin` takes the audit head first), so two approvers clicking at once are
//!   serialised: the second reads the moved application and is refused, never applied
//!   twice. The final approval's write-back to the customer commits with the decision.
//! - The routed chain lives in `applications.steps` (JSON of `Vec<SnapStep>`), written
//!   once at submission; nothing here reads the policy, so editing it later cannot
//!   change an application in flight.
//! - SLA events are inserted `ON CONFLICT DO NOTHING` against a unique index per
//!   (application, round, step, kind), and only an insert that returned a row
//!   notifies: two ticks or two servers racing record and notify once.
//! - Notifications are keyed on the event's id, so one event reaches a user once.
use app::domain::approval::{Assignee, SnapStep, Status};

pub(crate) fn corrupt_json<T: serde::de::DeserializeOwned>(
    what: &str,
    id: i64,
    json: &str,
) -> Result<T, app::store::StoreError> {
    serde_json::from_str(json)
        .map_err(|e| app::store::StoreError::Other(format!("application {id}: bad {what}: {e}")))
}

pub(crate) fn status_of(s: &str) -> Result<Status, app::store::StoreError> {
    Status::parse(s).ok_or_else(|| crate::store::corrupt(format!("application status '{s}'")))
}

/// The assignees notified when a step starts or times out.
pub(crate) fn step_people(step: &SnapStep, escalated: bool) -> Vec<Assignee> {
    let mut v = vec![step.assignee];
    if escalated {
        v.extend(step.escalate_to);
    }
    v
}

pub(crate) const VIEW_SQL: &str = "SELECT a.id, a.customer_id, c.code AS customer_code, c.name AS customer_name, a.kind, a.amount_minor, a.currency, \
        a.expires_on, a.terms_days, a.reason, a.applicant_id, u.display_name AS applicant_name, a.chain_name, a.steps, a.facts, \
        a.status, a.round, a.current_step, a.step_started_at, a.escalated, a.created_at, a.decided_at, \
        EXISTS (SELECT 1 FROM application_events e WHERE e.application_id = a.id AND e.round = a.round \
                AND e.step = a.current_step AND e.kind = 'reminder') AS reminded \
   FROM applications a JOIN customers c ON c.id = a.customer_id JOIN users u ON u.id = a.applicant_id";

/// Reading an application and moving it along its chain: notices, events, write-back.
macro_rules! application_fns {
    ($db:ty) => {
        fn application_of(r: &DbRow) -> Result<app::store::ApplicationView, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let id: i64 = r.try_get("id").map_err(db)?;
            let kind: String = r.try_get("kind").map_err(db)?;
            let steps: String = r.try_get("steps").map_err(db)?;
            let facts: String = r.try_get("facts").map_err(db)?;
            let terms: Option<i64> = r.try_get("terms_days").map_err(db)?;
            let current: i64 = r.try_get("current_step").map_err(db)?;
            Ok(app::store::ApplicationView {
                id,
                customer_id: r.try_get("customer_id").map_err(db)?,
                customer_code: r.try_get("customer_code").map_err(db)?,
                customer_name: r.try_get("customer_name").map_err(db)?,
                kind: app::domain::approval::RequestKind::parse(&kind).ok_or_else(|| $crate::store::corrupt(format!("application kind '{kind}'")))?,
                amount: app::domain::money::Money::from_minor(r.try_get("amount_minor").map_err(db)?, currency_of(r)?),
                expires_on: r.try_get("expires_on").map_err(db)?,
                terms_days: terms.map(|t| t as u32),
                reason: r.try_get("reason").map_err(db)?,
                applicant_id: r.try_get("applicant_id").map_err(db)?,
                applicant_name: r.try_get("applicant_name").map_err(db)?,
                chain_name: r.try_get("chain_name").map_err(db)?,
                steps: $crate::store::approvals::corrupt_json("steps", id, &steps)?,
                facts: $crate::store::approvals::corrupt_json::<app::domain::approval::Facts>("facts", id, &facts)?,
                status: $crate::store::approvals::status_of(&r.try_get::<String, _>("status").map_err(db)?)?,
                round: r.try_get("round").map_err(db)?,
                current_step: current as u32,
                step_started_at: r.try_get("step_started_at").map_err(db)?,
                reminded: r.try_get("reminded").map_err(db)?,
                escalated: r.try_get("escalated").map_err(db)?,
                created_at: r.try_get("created_at").map_err(db)?,
                decided_at: r.try_get("decided_at").map_err(db)?,
            })
        }

        async fn application_in<'e, E: sqlx::Executor<'e, Database = $db>>(
            ex: E,
            id: i64,
        ) -> Result<Option<app::store::ApplicationView>, app::store::StoreError> {
            let sql = format!("{} WHERE a.id = $1", $crate::store::approvals::VIEW_SQL);
            let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await.map_err($crate::store::db_err)?;
            row.as_ref().map(application_of).transpose()
        }

        /// The user ids an assignee stands for.
        async fn people(tx: &mut Tx, who: &[app::domain::approval::Assignee]) -> Result<Vec<i64>, app::store::StoreError> {
            let mut ids = Vec::new();
            for a in who {
                match a {
                    app::domain::approval::Assignee::User(u) => ids.push(*u),
                    app::domain::approval::Assignee::Role(r) => {
                        let v: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE role = $1 ORDER BY id")
                            .bind(r.as_str())
                            .fetch_all(&mut **tx)
                            .await
                            .map_err($crate::store::db_err)?;
                        ids.extend(v);
                    }
                }
            }
            ids.sort_unstable();
            ids.dedup();
            Ok(ids)
        }

        async fn notify(tx: &mut Tx, users: &[i64], event_id: i64, application_id: i64, now: chrono::DateTime<chrono::Utc>) -> Result<(), app::store::StoreError> {
            let link = format!("/applications/{application_id}");
            for u in users {
                sqlx::query("INSERT INTO notifications (user_id, topic, ref_id, link, created_at) VALUES ($1, 'approval', $2, $3, $4) ON CONFLICT DO NOTHING")
                    .bind(u)
                    .bind(event_id)
                    .bind(&link)
                    .bind(now)
                    .execute(&mut **tx)
                    .await
                    .map_err($crate::store::db_err)?;
            }
            Ok(())
        }

        async fn record_event(
            tx: &mut Tx,
            app: &app::store::ApplicationView,
            kind: &str,
            actor: Option<i64>,
            on_behalf_of: Option<i64>,
            comment: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<i64, app::store::StoreError> {
            sqlx::query_scalar(
                "INSERT INTO application_events (application_id, round, step, kind, actor_id, on_behalf_of, comment, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(app.id)
            .bind(app.round)
            .bind(i64::from(app.current_step))
            .bind(kind)
            .bind(actor)
            .bind(on_behalf_of)
            .bind(comment)
            .bind(now)
            .fetch_one(&mut **tx)
            .await
            .map_err($crate::store::db_err)
        }

        /// Moves an application's status and step (a new step restarts its SLA clock).
        async fn move_application(
            tx: &mut Tx,
            id: i64,
            round: i64,
            status: app::domain::approval::Status,
            step: u32,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), app::store::StoreError> {
            let decided = (status != app::domain::approval::Status::Pending).then_some(now);
            sqlx::query(
                "UPDATE applications SET status = $2, round = $3, current_step = $4, step_started_at = $5, escalated = $6, decided_at = $7 WHERE id = $1",
            )
            .bind(id)
            .bind(status.as_str())
            .bind(round)
            .bind(i64::from(step))
            .bind(now)
            .bind(false)
            .bind(decided)
            .execute(&mut **tx)
            .await
            .map_err($crate::store::db_err)?;
            Ok(())
        }

        fn application_audit(a: &app::store::ApplicationView) -> String {
            serde_json::json!({
                "customer": a.customer_code, "kind": a.kind, "amount": a.amount.amount().to_string(),
                "expires_on": a.expires_on, "terms_days": a.terms_days, "status": a.status,
                "round": a.round, "step": a.current_step, "chain": a.chain_name,
            })
            .to_string()
        }

        /// The final approval's write-back: the limit (or temporary limit and expiry)
        /// and the terms, audited as a customer update.
        async fn write_back(tx: &mut Tx, chain: &mut $crate::store::ledger::Chain, a: &app::store::ApplicationView) -> Result<(), app::store::StoreError> {
            use app::domain::approval::RequestKind;
            let before = customer_file_in(&mut **tx, a.customer_id, app::domain::auth::Scope::All).await?.ok_or(app::store::StoreError::NotFound)?;
            let terms_before: i64 = sqlx::query_scalar("SELECT CAST(payment_terms_days AS BIGINT) FROM customers WHERE id = $1")
                .bind(a.customer_id)
                .fetch_one(&mut **tx)
                .await
                .map_err($crate::store::db_err)?;
            let mut after = before.clone();
            match (a.kind, a.expires_on) {
                (RequestKind::PermanentLimit, _) => after.credit_limit = a.amount,
                (RequestKind::TemporaryLimit, Some(until)) => after.temp_limit = Some((a.amount, until)),
                (RequestKind::Order, _) => return release_order(tx, chain, a).await,
                (RequestKind::TemporaryLimit, None) => return Ok(()),
            }
            let terms_after = a.terms_days.map_or(terms_before, i64::from);
            sqlx::query(
                "UPDATE customers SET credit_limit_minor = $2, temp_limit_minor = $3, temp_limit_expires_on = $4, payment_terms_days = $5 WHERE id = $1",
            )
            .bind(a.customer_id)
            .bind(after.credit_limit.minor())
            .bind(after.temp_limit.map(|(m, _)| m.minor()))
            .bind(after.temp_limit.map(|(_, d)| d))
            .bind(terms_after)
            .execute(&mut **tx)
            .await
            .map_err($crate::store::db_err)?;
            let terms = |f: &app::domain::customer::CustomerFile, days: i64| {
                serde_json::json!({
                    "credit_limit": f.credit_limit.amount().to_string(),
                    "temp_limit": f.temp_limit.map(|(m, _)| m.amount().to_string()),
                    "temp_limit_expires_on": f.temp_limit.map(|(_, d)| d),
                    "payment_terms_days": days,
                    "application": a.id,
                })
                .to_string()
            };
            let mut e = app::store::AuditEntry::new("customer", before.code.as_str(), "update");
            e.before = Some(terms(&before, terms_before));
            e.after = Some(terms(&after, terms_after));
            chain.push(e);
            Ok(())
        }

        /// An order application's final approval: the order is released and from now on
        /// counts toward exposure (what is not invoiced yet), audited.
        async fn release_order(tx: &mut Tx, chain: &mut $crate::store::ledger::Chain, a: &app::store::ApplicationView) -> Result<(), app::store::StoreError> {
            let db = $crate::store::db_err;
            let number: String = sqlx::query_scalar("SELECT o.number FROM orders o JOIN applications a ON a.order_id = o.id WHERE a.id = $1")
                .bind(a.id)
                .fetch_one(&mut **tx)
                .await
                .map_err(db)?;
            sqlx::query("INSERT INTO order_releases (order_id, application_id, released_at) SELECT order_id, id, $2 FROM applications WHERE id = $1")
                .bind(a.id)
                .bind(chain.at)
                .execute(&mut **tx)
                .await
                .map_err(db)?;
            let open = order_open(tx, a.customer_id, &number).await?.map(|(_, open)| open).unwrap_or(0);
            bump(tx, a.customer_id, 0, open, 0).await?;
            let mut e = app::store::AuditEntry::new("order", number, "release");
            e.after = Some(serde_json::json!({"application": a.id, "released": open}).to_string());
            chain.push(e);
            Ok(())
        }
    };
}
pub(crate) use application_fns;

/// Submitting, deciding and resubmitting applications, and the delegations in force.
macro_rules! decision_fns {
    ($db:ty) => {
        async fn submit_application_in(
            pool: &sqlx::Pool<$db>,
            keys: &$crate::vault::Keyring,
            n: &app::store::NewApplication,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<i64, app::store::StoreError> {
            use app::domain::approval::LimitKind;
            let db = $crate::store::db_err;
            let (mut tx, mut chain) = begin(pool, keys, &n.applicant.username, now).await?;
            let r = &n.request;
            // An order's application asks for no limit: no kind of limit, expiry or terms.
            let (kind, expires, terms) = match (n.order_id, r.kind) {
                (Some(_), _) => (app::domain::approval::RequestKind::Order, None, None),
                (None, LimitKind::Temporary { expires_on }) => (r.request_kind(), Some(expires_on), Some(i64::from(r.terms_days))),
                (None, LimitKind::Permanent) => (r.request_kind(), None, Some(i64::from(r.terms_days))),
            };
            let steps = serde_json::to_string(&n.steps).map_err(|e| app::store::StoreError::Other(e.to_string()))?;
            let facts = serde_json::to_string(&n.facts).map_err(|e| app::store::StoreError::Other(e.to_string()))?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO applications (customer_id, kind, amount_minor, currency, expires_on, terms_days, reason, applicant_id, \
                    chain_key, chain_name, steps, facts, status, round, current_step, step_started_at, created_at, order_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', 1, 0, $13, $13, $14) RETURNING id",
            )
            .bind(r.customer_id)
            .bind(kind.as_str())
            .bind(r.amount.minor())
            .bind(r.amount.currency().code())
            .bind(expires)
            .bind(terms)
            .bind(&r.reason)
            .bind(n.applicant.id)
            .bind(&n.chain_key)
            .bind(&n.chain_name)
            .bind(steps)
            .bind(facts)
            .bind(chain.at)
            .bind(n.order_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let view = application_in(&mut *tx, id).await?.ok_or(app::store::StoreError::NotFound)?;
            let event = record_event(&mut tx, &view, "submit", Some(n.applicant.id), None, &r.reason, chain.at).await?;
            let first = $crate::store::approvals::step_people(&view.steps[0], false);
            let to = people(&mut tx, &first).await?;
            notify(&mut tx, &to, event, id, chain.at).await?;
            let mut e = app::store::AuditEntry::new("application", id.to_string(), "submit");
            e.after = Some(application_audit(&view));
            chain.push(e);
            commit(tx, chain).await?;
            Ok(id)
        }

        async fn decide_application_in(
            pool: &sqlx::Pool<$db>,
            keys: &$crate::vault::Keyring,
            id: i64,
            actor: &app::domain::auth::User,
            action: app::domain::approval::Action,
            comment: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<app::store::ApplicationView, app::store::StoreError> {
            use app::domain::approval::{acting_as, advance, Actor, Status};
            let (mut tx, mut chain) = begin(pool, keys, &actor.username, now).await?;
            let before = application_in(&mut *tx, id).await?.ok_or(app::store::StoreError::NotFound)?;
            let step = before.steps.get(before.current_step as usize).ok_or_else(|| $crate::store::corrupt(format!("application {id} step")))?.clone();
            let today = app::domain::business_date(chain.at);
            let delegations = delegations_in(&mut *tx, Some(actor.id), today).await?;
            let me = Actor { user_id: actor.id, role: actor.role };
            // Acting for someone else is recorded: the delegator this step was theirs.
            let Some(on_behalf) = acting_as(&step, before.escalated, me, before.applicant_id, &delegations, today) else {
                return Err(app::store::StoreError::Conflict(app::domain::approval::ApprovalError::NotApprover.to_string()));
            };
            let next = advance(before.status, before.current_step as usize, before.steps.len(), action, comment)
                .map_err(|e| app::store::StoreError::Conflict(e.to_string()))?;
            let event = record_event(&mut tx, &before, action.as_str(), Some(actor.id), on_behalf, comment.trim(), chain.at).await?;
            move_application(&mut tx, id, before.round, next.status, next.step as u32, chain.at).await?;
            let after = application_in(&mut *tx, id).await?.ok_or(app::store::StoreError::NotFound)?;
            if next.final_approval {
                write_back(&mut tx, &mut chain, &after).await?;
            }
            let to = if next.status == Status::Pending {
                let who = $crate::store::approvals::step_people(&after.steps[next.step], false);
                people(&mut tx, &who).await?
            } else {
                let mut who: Vec<app::domain::approval::Assignee> = after.steps.iter().flat_map(|s| s.cc.iter().copied()).collect();
                who.push(app::domain::approval::Assignee::User(after.applicant_id));
                people(&mut tx, &who).await?
            };
            notify(&mut tx, &to, event, id, chain.at).await?;
            let mut e = app::store::AuditEntry::new("application", id.to_string(), action.as_str());
            e.before = Some(application_audit(&before));
            e.after = Some(application_audit(&after));
            chain.push(e);
            commit(tx, chain).await?;
            Ok(after)
        }

        async fn resubmit_application_in(
            pool: &sqlx::Pool<$db>,
            keys: &$crate::vault::Keyring,
            id: i64,
            actor: &app::domain::auth::User,
            comment: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<app::store::ApplicationView, app::store::StoreError> {
            use app::domain::approval::Status;
            let (mut tx, mut chain) = begin(pool, keys, &actor.username, now).await?;
            let before = application_in(&mut *tx, id).await?.ok_or(app::store::StoreError::NotFound)?;
            if before.applicant_id != actor.id {
                return Err(app::store::StoreError::Conflict("only the applicant can resubmit an application".into()));
            }
            if before.status != Status::Returned {
                return Err(app::store::StoreError::Conflict(format!("the application is {}, not returned", before.status.as_str())));
            }
            move_application(&mut tx, id, before.round + 1, Status::Pending, 0, chain.at).await?;
            let after = application_in(&mut *tx, id).await?.ok_or(app::store::StoreError::NotFound)?;
            let event = record_event(&mut tx, &after, "submit", Some(actor.id), None, comment.trim(), chain.at).await?;
            let first = $crate::store::approvals::step_people(&after.steps[0], false);
            let to = people(&mut tx, &first).await?;
            notify(&mut tx, &to, event, id, chain.at).await?;
            let mut e = app::store::AuditEntry::new("application", id.to_string(), "resubmit");
            e.before = Some(application_audit(&before));
            e.after = Some(application_audit(&after));
            chain.push(e);
            commit(tx, chain).await?;
            Ok(after)
        }

        async fn delegations_in<'e, E: sqlx::Executor<'e, Database = $db>>(
            ex: E,
            to_user: Option<i64>,
            from: chrono::NaiveDate,
        ) -> Result<Vec<app::domain::approval::Delegation>, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let rows = sqlx::query(
                "SELECT d.from_user, u.role, d.to_user, d.starts_on, d.ends_on FROM delegations d JOIN users u ON u.id = d.from_user \
                  WHERE (CAST($1 AS BIGINT) IS NULL OR d.to_user = $1) AND d.ends_on >= $2 ORDER BY d.starts_on, d.id",
            )
            .bind(to_user)
            .bind(from)
            .fetch_all(ex)
            .await
            .map_err(db)?;
            rows.iter()
                .map(|r| {
                    let role: String = r.try_get("role").map_err(db)?;
                    Ok(app::domain::approval::Delegation {
                        from: app::domain::approval::Actor {
                            user_id: r.try_get("from_user").map_err(db)?,
                            role: app::domain::auth::Role::parse(&role).map_err($crate::store::corrupt)?,
                        },
                        to_user: r.try_get("to_user").map_err(db)?,
                        starts_on: r.try_get("starts_on").map_err(db)?,
                        ends_on: r.try_get("ends_on").map_err(db)?,
                    })
                })
                .collect()
        }
    };
}
pub(crate) use decision_fns;

/// Attachments and the approval SLA sweep (reminders and escalations).
macro_rules! attachment_fns {
    ($db:ty) => {
        fn attachment_of(r: &DbRow) -> Result<app::domain::approval::Attachment, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let mime: String = r.try_get("content_type").map_err(db)?;
            Ok(app::domain::approval::Attachment {
                id: r.try_get("id").map_err(db)?,
                filename: r.try_get("filename").map_err(db)?,
                kind: app::domain::approval::AttachmentType::from_mime(&mime).ok_or_else(|| $crate::store::corrupt(format!("attachment type '{mime}'")))?,
                size_bytes: r.try_get("size_bytes").map_err(db)?,
                uploaded_by: r.try_get("uploaded_by").map_err(db)?,
                uploaded_at: r.try_get("uploaded_at").map_err(db)?,
            })
        }


        async fn attachments_in(pool: &sqlx::Pool<$db>, application_id: i64) -> Result<Vec<app::domain::approval::Attachment>, app::store::StoreError> {
            let rows = sqlx::query(
                "SELECT t.id, t.filename, t.content_type, t.size_bytes, u.display_name AS uploaded_by, t.uploaded_at \
                   FROM application_attachments t JOIN users u ON u.id = t.uploaded_by WHERE t.application_id = $1 ORDER BY t.id",
            )
            .bind(application_id)
            .fetch_all(pool)
            .await
            .map_err($crate::store::db_err)?;
            rows.iter().map(attachment_of).collect()
        }

        async fn attachment_in(
            pool: &sqlx::Pool<$db>,
            application_id: i64,
            id: i64,
        ) -> Result<Option<(app::domain::approval::Attachment, Vec<u8>)>, app::store::StoreError> {
            use sqlx::Row;
            let row = sqlx::query(
                "SELECT t.id, t.filename, t.content_type, t.size_bytes, u.display_name AS uploaded_by, t.uploaded_at, t.content \
                   FROM application_attachments t JOIN users u ON u.id = t.uploaded_by WHERE t.application_id = $1 AND t.id = $2",
            )
            .bind(application_id)
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err($crate::store::db_err)?;
            row.map(|r| Ok((attachment_of(&r)?, r.try_get("content").map_err($crate::store::db_err)?))).transpose()
        }

        async fn run_sla_in(pool: &sqlx::Pool<$db>, now: chrono::DateTime<chrono::Utc>) -> Result<(usize, usize), app::store::StoreError> {
            use app::domain::approval::SlaEvent;
            let db = $crate::store::db_err;
            let sql = format!("{} WHERE a.status = 'pending' ORDER BY a.id", $crate::store::approvals::VIEW_SQL);
            let pending: Vec<app::store::ApplicationView> =
                sqlx::query(&sql).fetch_all(pool).await.map_err(db)?.iter().map(application_of).collect::<Result<_, _>>()?;
            let (mut reminders, mut escalations) = (0, 0);
            for a in pending {
                let Some(step) = a.steps.get(a.current_step as usize) else { continue };
                // The view already says which of this step's timers were recorded.
                let recorded: Vec<SlaEvent> =
                    [(a.reminded, SlaEvent::Reminder), (a.escalated, SlaEvent::Escalation)].into_iter().filter_map(|(done, e)| done.then_some(e)).collect();
                let due = app::domain::approval::sla_due(a.step_started_at, step.sla_hours, now, &recorded);
                if due.is_empty() {
                    continue;
                }
                let mut tx = pool.begin().await.map_err(db)?;
                for ev in due {
                    // Still at this step? A decision since the read moved it on.
                    let id: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO application_events (application_id, round, step, kind, comment, at) \
                         SELECT id, round, current_step, $4, '', $5 FROM applications \
                          WHERE id = $1 AND status = 'pending' AND round = $2 AND current_step = $3 \
                         ON CONFLICT DO NOTHING RETURNING id",
                    )
                    .bind(a.id)
                    .bind(a.round)
                    .bind(i64::from(a.current_step))
                    .bind(ev.as_str())
                    .bind(ev.due_at(a.step_started_at, step.sla_hours))
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
                    let Some(event) = id else { continue };
                    let who = match ev {
                        SlaEvent::Reminder => {
                            reminders += 1;
                            vec![step.assignee]
                        }
                        SlaEvent::Escalation => {
                            escalations += 1;
                            sqlx::query("UPDATE applications SET escalated = $2 WHERE id = $1").bind(a.id).bind(true).execute(&mut *tx).await.map_err(db)?;
                            $crate::store::approvals::step_people(step, true)
                        }
                    };
                    let to = people(&mut tx, &who).await?;
                    notify(&mut tx, &to, event, a.id, now).await?;
                }
                tx.commit().await.map_err(db)?;
            }
            Ok((reminders, escalations))
        }
    };
}
pub(crate) use attachment_fns;

macro_rules! approval_fns {
    ($db:ty) => {
        $crate::store::approvals::application_fns!($db);
        $crate::store::approvals::decision_fns!($db);
        $crate::store::approvals::attachment_fns!($db);
    };
}
pub(crate) use approval_fns;

/// `app::store::ApprovalStore` for both backends: credit applications and their chains.
/// Expanded once per backend by `impl_store!`; the SQL is shared (see `store/mod.rs`).
macro_rules! approvals_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::ApprovalStore for $store {
            async fn submit_application(&self, a: &app::store::NewApplication, now: chrono::DateTime<chrono::Utc>) -> Result<i64, app::store::StoreError> {
                submit_application_in(&self.pool, &self.keys, a, now).await
            }

            async fn applications(
                &self,
                scope: app::domain::auth::Scope,
                applicant: Option<i64>,
                decided_since: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<app::store::ApplicationView>, app::store::StoreError> {
                let sql = format!(
                    "{} WHERE (a.status = 'pending' OR a.decided_at >= $1) \
                       AND (CAST($2 AS BIGINT) IS NULL OR c.sales_rep_id = $2 OR a.applicant_id = $2) \
                       AND (CAST($3 AS BIGINT) IS NULL OR a.applicant_id = $3) ORDER BY a.id DESC LIMIT 500",
                    $crate::store::approvals::VIEW_SQL
                );
                let rows = sqlx::query(&sql)
                    .bind(decided_since)
                    .bind(scope.rep_id())
                    .bind(applicant)
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                rows.iter().map(application_of).collect()
            }

            async fn application(&self, id: i64) -> Result<Option<app::store::ApplicationView>, app::store::StoreError> {
                application_in(&self.pool, id).await
            }

            async fn application_events(&self, id: i64) -> Result<Vec<app::store::ApplicationEvent>, app::store::StoreError> {
                use sqlx::Row;
                let db = $crate::store::db_err;
                let rows = sqlx::query(
                    "SELECT e.id, e.round, e.step, e.kind, a.display_name AS actor, b.display_name AS on_behalf_of, e.comment, e.at \
                       FROM application_events e LEFT JOIN users a ON a.id = e.actor_id LEFT JOIN users b ON b.id = e.on_behalf_of \
                      WHERE e.application_id = $1 ORDER BY e.id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter()
                    .map(|r| {
                        let step: i64 = r.try_get("step").map_err(db)?;
                        Ok(app::store::ApplicationEvent {
                            id: r.try_get("id").map_err(db)?,
                            round: r.try_get("round").map_err(db)?,
                            step: step as u32,
                            kind: r.try_get("kind").map_err(db)?,
                            actor: r.try_get("actor").map_err(db)?,
                            on_behalf_of: r.try_get("on_behalf_of").map_err(db)?,
                            comment: r.try_get("comment").map_err(db)?,
                            at: r.try_get("at").map_err(db)?,
                        })
                    })
                    .collect()
            }

            async fn decide_application(
                &self,
                id: i64,
                actor: &app::domain::auth::User,
                action: app::domain::approval::Action,
                comment: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<app::store::ApplicationView, app::store::StoreError> {
                decide_application_in(&self.pool, &self.keys, id, actor, action, comment, now).await
            }

            async fn resubmit_application(
                &self,
                id: i64,
                actor: &app::domain::auth::User,
                comment: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<app::store::ApplicationView, app::store::StoreError> {
                resubmit_application_in(&self.pool, &self.keys, id, actor, comment, now).await
            }

            async fn delegations(&self, to_user: Option<i64>, from: chrono::NaiveDate) -> Result<Vec<app::domain::approval::Delegation>, app::store::StoreError> {
                delegations_in(&self.pool, to_user, from).await
            }

            async fn add_delegation(&self, d: &app::domain::approval::Delegation, actor: &str, now: chrono::DateTime<chrono::Utc>) -> Result<i64, app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let id: i64 = sqlx::query_scalar("INSERT INTO delegations (from_user, to_user, starts_on, ends_on, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                    .bind(d.from.user_id)
                    .bind(d.to_user)
                    .bind(d.starts_on)
                    .bind(d.ends_on)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                let mut e = app::store::AuditEntry::new("delegation", id.to_string(), "create");
                e.after = Some($crate::store::rules::to_json(d)?);
                chain.push(e);
                commit(tx, chain).await?;
                Ok(id)
            }

            async fn run_sla(&self, now: chrono::DateTime<chrono::Utc>) -> Result<(usize, usize), app::store::StoreError> {
                run_sla_in(&self.pool, now).await
            }

            async fn add_attachment(
                &self,
                application_id: i64,
                filename: &str,
                kind: app::domain::approval::AttachmentType,
                bytes: &[u8],
                by: &app::domain::auth::User,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, &by.username, now).await?;
                application_in(&mut *tx, application_id).await?.ok_or(app::store::StoreError::NotFound)?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO application_attachments (application_id, filename, content_type, size_bytes, content, uploaded_by, uploaded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(application_id)
                .bind(filename)
                .bind(kind.mime())
                .bind(bytes.len() as i64)
                .bind(bytes)
                .bind(by.id)
                .bind(chain.at)
                .fetch_one(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
                let mut e = app::store::AuditEntry::new("application", application_id.to_string(), "attach");
                e.after = Some(serde_json::json!({"attachment": id, "filename": filename, "type": kind.mime(), "bytes": bytes.len()}).to_string());
                chain.push(e);
                commit(tx, chain).await?;
                Ok(id)
            }

            async fn orders_awaiting_approval(&self, limit: i64) -> Result<Vec<(i64, app::store::NewOrder, String)>, app::store::StoreError> {
                use sqlx::Row;
                let db = $crate::store::db_err;
                let rows = sqlx::query(
                    "SELECT o.id, o.number, o.customer_id, o.ordered_on, o.amount_minor, o.currency, o.reasons FROM orders o \
                      WHERE o.decision = 'needs_approval' AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.order_id = o.id) \
                        AND NOT EXISTS (SELECT 1 FROM order_cancellations x WHERE x.order_id = o.id) ORDER BY o.id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter()
                    .map(|r| {
                        let order = app::store::NewOrder {
                            number: r.try_get("number").map_err(db)?,
                            customer_id: r.try_get("customer_id").map_err(db)?,
                            ordered_on: r.try_get("ordered_on").map_err(db)?,
                            amount: app::domain::money::Money::from_minor(r.try_get("amount_minor").map_err(db)?, currency_of(r)?),
                        };
                        Ok((r.try_get("id").map_err(db)?, order, r.try_get("reasons").map_err(db)?))
                    })
                    .collect()
            }

            async fn attachments(&self, application_id: i64) -> Result<Vec<app::domain::approval::Attachment>, app::store::StoreError> {
                attachments_in(&self.pool, application_id).await
            }

            async fn attachment(&self, application_id: i64, id: i64) -> Result<Option<(app::domain::approval::Attachment, Vec<u8>)>, app::store::StoreError> {
                attachment_in(&self.pool, application_id, id).await
            }
        }
    };
}
pub(crate) use approvals_impl;
