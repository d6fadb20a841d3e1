//! The rule engine's storage, shared by both backends (`rule_store!` expands inside
//! `sqlite.rs` and `postgres.rs` through `impl_store!`): rules, run leases, firings with
//! their actions, the outbox and its delivery log.
//!
//! Invariants:
//! - A run is the unique (rule, date) row. Only the caller whose insert created it, or
//!   who took over a stale lease, holds it; every page renews the lease under the
//!   ledger's writers' lock (`begin` takes the audit head) and a page whose lease was
//!   lost writes nothing. The run's cursor moves in the same transaction as the page's
//!   firings, so a takeover resumes exactly after the last committed page.
//! - A firing's row, its actions (customer changes with their audit rows, dunning
//!   charges, tasks, in-app notifications) and its outbox messages commit together, and
//!   only for the transaction whose `INSERT … ON CONFLICT (dedupe_key) DO NOTHING`
//!   returned a row. Re-running, resuming or racing therefore acts once per key.
//! - An outbox message is claimed by an `UPDATE` that re-checks the claim, so on
//!   PostgreSQL a second worker blocked on the row lock re-reads it and skips it; on
//!   SQLite writers are serialised anyway. Only the claim's owner records its outcome.
use app::domain::rules::{Rule, RuleDraft};

/// A stored spec back to its draft and rule, or an error naming the rule.
pub(crate) fn parse_rule(id: i64, spec: &str) -> Result<(RuleDraft, Rule), app::store::StoreError> {
    let bad = |e: String| app::store::StoreError::Other(format!("rule {id}: {e}"));
    let draft: RuleDraft = serde_json::from_str(spec).map_err(|e| bad(e.to_string()))?;
    let rule = Rule::try_from(&draft).map_err(|errors| {
        bad(errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "))
    })?;
    Ok((draft, rule))
}

/// The settings row that remembers the shipped rules were installed.
pub(crate) const DEFAULTS_INSTALLED: &str = "rules.defaults_installed";

/// Open items at $1 of one customer ($2), oldest due first.
pub(crate) fn customer_open_items_sql() -> String {
    format!(
        "SELECT x.id, x.number, x.due_date, x.open_minor FROM ({} AND i.customer_id = $2) x WHERE x.open_minor > 0 ORDER BY x.due_date, x.id",
        super::AT_AS_OF
    )
}

/// A queued message's payload.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, app::store::StoreError> {
    serde_json::to_string(v).map_err(|e| app::store::StoreError::Other(e.to_string()))
}

macro_rules! rule_store {
    ($store:ty, $db:ty) => {
        async fn rule_customer(tx: &mut Tx, id: i64) -> Result<Option<app::domain::effects::ActionCustomer>, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let Some(r) = sqlx::query(
                "SELECT id, code, name, sales_rep_id, contact_email, status, dunning_level, risk_level, payment_method FROM customers WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?
            else {
                return Ok(None);
            };
            let bad = |what: &str, v: &str| $crate::store::corrupt(format!("customer {id}: {what} '{v}'"));
            let status: String = r.try_get("status").map_err(db)?;
            let dunning: String = r.try_get("dunning_level").map_err(db)?;
            let risk: String = r.try_get("risk_level").map_err(db)?;
            let payment: String = r.try_get("payment_method").map_err(db)?;
            Ok(Some(app::domain::effects::ActionCustomer {
                id,
                code: r.try_get("code").map_err(db)?,
                name: r.try_get("name").map_err(db)?,
                rep_id: r.try_get("sales_rep_id").map_err(db)?,
                email: r.try_get("contact_email").map_err(db)?,
                status: app::domain::customer::CustomerStatus::parse(&status).map_err(|_| bad("status", &status))?,
                dunning: app::domain::rules::DunningLevel::parse(&dunning).ok_or_else(|| bad("dunning level", &dunning))?,
                risk: app::domain::rules::RiskLevel::parse(&risk).ok_or_else(|| bad("risk level", &risk))?,
                payment: app::domain::rules::PaymentMethod::parse(&payment).ok_or_else(|| bad("payment method", &payment))?,
            }))
        }

        fn facts_customer(r: &DbRow) -> Result<app::domain::rules::CustomerFacts, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let id: i64 = r.try_get("id").map_err(db)?;
            let bad = |what: &str, v: &str| $crate::store::corrupt(format!("customer {id}: {what} '{v}'"));
            let grade: Option<String> = r.try_get("grade").map_err(db)?;
            let status: String = r.try_get("status").map_err(db)?;
            let dunning: String = r.try_get("dunning_level").map_err(db)?;
            let risk: String = r.try_get("risk_level").map_err(db)?;
            let payment: String = r.try_get("payment_method").map_err(db)?;
            Ok(app::domain::rules::CustomerFacts {
                id,
                code: r.try_get("code").map_err(db)?,
                name: r.try_get("name").map_err(db)?,
                rep_id: r.try_get("sales_rep_id").map_err(db)?,
                region: r.try_get("region").map_err(db)?,
                industry: r.try_get("industry").map_err(db)?,
                customer_type: r.try_get("customer_type").map_err(db)?,
                grade: match grade {
                    Some(g) => Some(app::domain::customer::Grade::parse(&g).map_err(|_| bad("grade", &g))?),
                    None => None,
                },
                status: app::domain::customer::CustomerStatus::parse(&status).map_err(|_| bad("status", &status))?,
                dunning: app::domain::rules::DunningLevel::parse(&dunning).ok_or_else(|| bad("dunning level", &dunning))?,
                risk: app::domain::rules::RiskLevel::parse(&risk).ok_or_else(|| bad("risk level", &risk))?,
                payment_method: app::domain::rules::PaymentMethod::parse(&payment).ok_or_else(|| bad("payment method", &payment))?,
                open_minor: 0,
                overdue_minor: 0,
                overdue_count_12m: 0,
            })
        }

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

        async fn queue_message(
            tx: &mut Tx,
            firing_id: i64,
            channel: &str,
            destination: &str,
            payload: String,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), app::store::StoreError> {
            sqlx::query(
                "INSERT INTO outbox (firing_id, channel, destination, payload, status, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)",
            )
            .bind(firing_id)
            .bind(channel)
            .bind(destination)
            .bind(payload)
            .bind(now)
            .execute(&mut **tx)
            .await
            .map_err($crate::store::db_err)?;
            Ok(())
        }

        async fn notify_users(tx: &mut Tx, users: &[i64], topic: &str, ref_id: i64, link: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), app::store::StoreError> {
            for u in users {
                sqlx::query("INSERT INTO notifications (user_id, topic, ref_id, link, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
                    .bind(u)
                    .bind(topic)
                    .bind(ref_id)
                    .bind(link)
                    .bind(now)
                    .execute(&mut **tx)
                    .await
                    .map_err($crate::store::db_err)?;
            }
            Ok(())
        }

        /// The users a recipient list names (the customer's rep, everyone in a role, one user).
        async fn resolve_recipients(
            tx: &mut Tx,
            to: &[app::domain::rules::Recipient],
            rep: Option<i64>,
            roles: &mut std::collections::HashMap<app::domain::auth::Role, Vec<i64>>,
        ) -> Result<Vec<i64>, app::store::StoreError> {
            use app::domain::rules::Recipient;
            let mut out = Vec::new();
            for r in to {
                match r {
                    Recipient::Rep => out.extend(rep),
                    Recipient::User(id) => out.push(*id),
                    Recipient::Role(role) => {
                        if !roles.contains_key(role) {
                            let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE role = $1 ORDER BY id")
                                .bind(role.as_str())
                                .fetch_all(&mut **tx)
                                .await
                                .map_err($crate::store::db_err)?;
                            roles.insert(*role, ids);
                        }
                        out.extend(roles[role].iter().copied());
                    }
                }
            }
            out.sort_unstable();
            out.dedup();
            Ok(out)
        }

        /// The letter's variables: the customer's open items at the firing's date (the
        /// firing's invoice first) and the dunning charges so far.
        async fn letter_context(
            tx: &mut Tx,
            c: &app::domain::effects::ActionCustomer,
            as_of: chrono::NaiveDate,
            invoice_id: Option<i64>,
        ) -> Result<app::domain::rules::LetterContext, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let cny = app::domain::BOOK_CURRENCY;
            let rows = sqlx::query(&$crate::store::rules::customer_open_items_sql()).bind(as_of).bind(c.id).fetch_all(&mut **tx).await.map_err(db)?;
            let mut items = Vec::with_capacity(rows.len());
            for r in &rows {
                let id: i64 = r.try_get("id").map_err(db)?;
                let due: chrono::NaiveDate = r.try_get("due_date").map_err(db)?;
                let item = app::domain::rules::LetterItem {
                    number: r.try_get("number").map_err(db)?,
                    due_date: due,
                    open: app::domain::money::Money::from_minor(r.try_get("open_minor").map_err(db)?, cny),
                    days_overdue: (as_of - due).num_days(),
                };
                if Some(id) == invoice_id {
                    items.insert(0, item);
                } else {
                    items.push(item);
                }
            }
            let charges: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM dunning_charges WHERE customer_id = $1")
                .bind(c.id)
                .fetch_one(&mut **tx)
                .await
                .map_err(db)?;
            Ok(app::domain::rules::LetterContext {
                customer_name: c.name.clone(),
                as_of,
                items,
                charges: app::domain::money::Money::from_minor(charges, cny),
            })
        }

        /// Raises the dunning level: the level's fee, and interest on every overdue open
        /// invoice from where its last interest charge ended (or its due date).
        async fn raise_dunning(
            tx: &mut Tx,
            c: &app::domain::effects::ActionCustomer,
            level: app::domain::rules::DunningLevel,
            firing_id: i64,
            as_of: chrono::NaiveDate,
            terms: &app::domain::rules::DunningTerms,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(app::domain::money::Money, app::domain::money::Money), app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let cny = app::domain::BOOK_CURRENCY;
            let charge = |invoice: Option<i64>, kind: &'static str, from: Option<chrono::NaiveDate>, amount: i64| {
                sqlx::query(
                    "INSERT INTO dunning_charges (customer_id, invoice_id, firing_id, kind, level, from_date, to_date, amount_minor, currency, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(c.id)
                .bind(invoice)
                .bind(firing_id)
                .bind(kind)
                .bind(level.as_str())
                .bind(from)
                .bind(as_of)
                .bind(amount)
                .bind(cny.code())
                .bind(now)
            };
            let fee = terms.fee(level);
            if !fee.is_zero() {
                charge(None, "fee", None, fee.minor()).execute(&mut **tx).await.map_err(db)?;
            }
            let sql = format!(
                "SELECT x.id, x.due_date, x.open_minor, \
                        (SELECT MAX(d.to_date) FROM dunning_charges d WHERE d.invoice_id = x.id AND d.kind = 'interest') AS through \
                   FROM ({} AND i.customer_id = $2) x WHERE x.open_minor > 0 AND x.due_date < $1 AND NOT {} ORDER BY x.id",
                $crate::store::AT_AS_OF,
                $crate::store::collections::disputed_at_sql("x.id"),
            );
            let rows = sqlx::query(&sql).bind(as_of).bind(c.id).fetch_all(&mut **tx).await.map_err(db)?;
            let mut interest = app::domain::money::Money::zero(cny);
            for r in &rows {
                let open = app::domain::money::Money::from_minor(r.try_get("open_minor").map_err(db)?, cny);
                let through: Option<chrono::NaiveDate> = r.try_get("through").map_err(db)?;
                if let Some((from, m)) = app::domain::rules::interest_charge(open, r.try_get("due_date").map_err(db)?, through, as_of, terms.annual_rate) {
                    charge(Some(r.try_get("id").map_err(db)?), "interest", Some(from), m.minor()).execute(&mut **tx).await.map_err(db)?;
                    interest = interest.checked_add(m).map_err(|e| app::store::StoreError::Other(e.to_string()))?;
                }
            }
            Ok((fee, interest))
        }

        /// What applying a firing's effects needs besides the transaction.
        struct EffectCtx<'a> {
            firing_id: i64,
            plan: &'a app::store::FiringPlan,
            customer: Option<&'a app::domain::effects::ActionCustomer>,
            terms: &'a app::domain::rules::DunningTerms,
            now: chrono::DateTime<chrono::Utc>,
        }

        /// Applies one new firing's actions as the domain plans them (`domain::effects`):
        /// reads the facts the plan needs, applies each effect, and returns the log lines
        /// and how many actions could not be done.
        async fn apply_actions(
            tx: &mut Tx,
            chain: &mut $crate::store::ledger::Chain,
            firing_id: i64,
            plan: &app::store::FiringPlan,
            terms: &app::domain::rules::DunningTerms,
            roles: &mut std::collections::HashMap<app::domain::auth::Role, Vec<i64>>,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(Vec<String>, i64), app::store::StoreError> {
            use app::domain::effects;
            let f = &plan.firing;
            let customer = match f.customer_id {
                Some(id) => rule_customer(tx, id).await?,
                None => None,
            };
            let invoice_number: Option<String> = match f.invoice_id {
                Some(id) => sqlx::query_scalar("SELECT number FROM invoices WHERE id = $1").bind(id).fetch_optional(&mut **tx).await.map_err($crate::store::db_err)?,
                None => None,
            };
            let letters = plan.actions.iter().any(|a| matches!(a, app::domain::rules::Action::EmailCustomer { .. }));
            let letter = match &customer {
                Some(c) if letters && app::domain::rules::is_email(&c.email) => Some(letter_context(tx, c, plan.as_of, f.invoice_id).await?),
                _ => None,
            };
            let facts = effects::FiringFacts {
                firing_id,
                firing: f,
                rule_name: &plan.rule_name,
                as_of: plan.as_of,
                customer: customer.as_ref(),
                invoice_number: invoice_number.as_deref(),
                letter: letter.as_ref(),
            };
            let planned = effects::plan(&plan.actions, &facts);
            let ctx = EffectCtx { firing_id, plan, customer: customer.as_ref(), terms, now };
            let mut lines = Vec::with_capacity(planned.effects.len());
            for e in &planned.effects {
                let outcome = apply_effect(tx, chain, e, &ctx, roles).await?;
                lines.push(e.line(outcome));
            }
            if let (Some(c), Some((before, after))) = (customer.as_ref(), planned.customer_audit) {
                let mut e = app::store::AuditEntry::new("customer", c.code.clone(), "update");
                e.before = Some(before);
                e.after = Some(after);
                chain.push(e);
            }
            Ok((lines, planned.failures))
        }

        /// Writes one planned effect; what it found out goes into its log line.
        async fn apply_effect(
            tx: &mut Tx,
            chain: &mut $crate::store::ledger::Chain,
            effect: &app::domain::effects::Effect,
            ctx: &EffectCtx<'_>,
            roles: &mut std::collections::HashMap<app::domain::auth::Role, Vec<i64>>,
        ) -> Result<app::domain::effects::Outcome, app::store::StoreError> {
            use app::domain::effects::{Effect, Outcome};
            let db = $crate::store::db_err;
            let (id, now) = (ctx.firing_id, ctx.now);
            let customer = || ctx.customer.ok_or_else(|| $crate::store::corrupt("a customer effect without a customer"));
            let set = |column: &'static str| format!("UPDATE customers SET {column} = $2 WHERE id = $1");
            match effect {
                Effect::Notify { to, link } => {
                    let users = resolve_recipients(tx, to, None, roles).await?;
                    notify_users(tx, &users, "rule", id, link, now).await?;
                    return Ok(Outcome::Notified(users.len()));
                }
                Effect::Letter { to, email, .. } | Effect::Email { to, email } => {
                    queue_message(tx, id, "email", to, $crate::store::rules::to_json(email)?, now).await?;
                }
                Effect::Webhook { target, message } => {
                    queue_message(tx, id, "webhook", target, $crate::store::rules::to_json(message)?, now).await?;
                }
                Effect::Task { user, role, kind, priority, link, .. } => {
                    let task: i64 = sqlx::query_scalar(
                        "INSERT INTO collection_tasks (customer_id, invoice_id, firing_id, assignee_id, assignee_role, kind, priority, status, due_on, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9) RETURNING id",
                    )
                    .bind(customer()?.id)
                    .bind(ctx.plan.firing.invoice_id)
                    .bind(id)
                    .bind(*user)
                    .bind(role.map(|r| r.as_str()))
                    .bind(kind.as_str())
                    .bind(priority.as_str())
                    .bind(ctx.plan.as_of)
                    .bind(now)
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(db)?;
                    let to: Vec<app::domain::rules::Recipient> = match (user, role) {
                        (Some(u), _) => vec![app::domain::rules::Recipient::User(*u)],
                        (None, Some(r)) => vec![app::domain::rules::Recipient::Role(*r)],
                        (None, None) => vec![],
                    };
                    let users = resolve_recipients(tx, &to, None, roles).await?;
                    notify_users(tx, &users, "task", task, link, now).await?;
                }
                Effect::Status { to, .. } => {
                    let c = customer()?;
                    sqlx::query(&set("status")).bind(c.id).bind(to.as_str()).execute(&mut **tx).await.map_err(db)?;
                    chain.raise(app::domain::events::DomainEvent::status_changed(c.id));
                }
                Effect::Risk { to, .. } => {
                    sqlx::query(&set("risk_level")).bind(customer()?.id).bind(to.as_str()).execute(&mut **tx).await.map_err(db)?;
                }
                Effect::PaymentMethod(m) => {
                    sqlx::query(&set("payment_method")).bind(customer()?.id).bind(m.as_str()).execute(&mut **tx).await.map_err(db)?;
                }
                Effect::Dunning { to, .. } => {
                    let c = customer()?;
                    sqlx::query(&set("dunning_level")).bind(c.id).bind(to.as_str()).execute(&mut **tx).await.map_err(db)?;
                    let (fee, interest) = raise_dunning(tx, c, *to, id, ctx.plan.as_of, ctx.terms, now).await?;
                    return Ok(Outcome::Charged { fee, interest });
                }
                Effect::Failed(_) => {}
            }
            Ok(Outcome::Done)
        }

        #[async_trait::async_trait]
        impl app::store::RuleStore for $store {
            async fn rules(&self) -> Result<Vec<app::store::StoredRule>, app::store::StoreError> {
                use sqlx::Row;
                let db = $crate::store::db_err;
                let rows = sqlx::query("SELECT id, spec, created_on, updated_at FROM rules WHERE archived_at IS NULL ORDER BY id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter()
                    .map(|r| {
                        let id: i64 = r.try_get("id").map_err(db)?;
                        let (draft, rule) = $crate::store::rules::parse_rule(id, &r.try_get::<String, _>("spec").map_err(db)?)?;
                        Ok(app::store::StoredRule {
                            id,
                            draft,
                            rule,
                            created_on: r.try_get("created_on").map_err(db)?,
                            updated_at: r.try_get("updated_at").map_err(db)?,
                        })
                    })
                    .collect()
            }

            async fn save_rule(
                &self,
                id: Option<i64>,
                draft: &app::domain::rules::RuleDraft,
                created_on: chrono::NaiveDate,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, app::store::StoreError> {
                let db = $crate::store::db_err;
                let rule = app::domain::rules::Rule::try_from(draft)
                    .map_err(|e| app::store::StoreError::Conflict(e.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")))?;
                let spec = serde_json::to_string(&rule.to_draft()).map_err(|e| app::store::StoreError::Other(e.to_string()))?;
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
                let (id, before) = match id {
                    None => {
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO rules (name, spec, created_on, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
                        )
                        .bind(&rule.name)
                        .bind(&spec)
                        .bind(created_on)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db)?;
                        (id, None)
                    }
                    Some(id) => {
                        let before: Option<String> = sqlx::query_scalar("SELECT spec FROM rules WHERE id = $1 AND archived_at IS NULL")
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(db)?;
                        let before = before.ok_or(app::store::StoreError::NotFound)?;
                        sqlx::query("UPDATE rules SET name = $2, spec = $3, updated_at = $4 WHERE id = $1")
                            .bind(id)
                            .bind(&rule.name)
                            .bind(&spec)
                            .bind(now)
                            .execute(&mut *tx)
                            .await
                            .map_err(db)?;
                        (id, Some(before))
                    }
                };
                let mut e = app::store::AuditEntry::new("rule", id.to_string(), if before.is_some() { "update" } else { "create" });
                e.before = before;
                e.after = Some(spec);
                chain.push(e);
                commit(tx, chain).await?;
                Ok(id)
            }

            async fn archive_rule(&self, id: i64, actor: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, actor, now).await?;
                let n = sqlx::query("UPDATE rules SET archived_at = $2 WHERE id = $1 AND archived_at IS NULL")
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?
                    .rows_affected();
                if n == 0 {
                    return Err(app::store::StoreError::NotFound);
                }
                chain.push(app::store::AuditEntry::new("rule", id.to_string(), "archive"));
                commit(tx, chain).await
            }

            async fn install_default_rules(
                &self,
                drafts: &[app::domain::rules::RuleDraft],
                on: chrono::NaiveDate,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<usize, app::store::StoreError> {
                let db = $crate::store::db_err;
                let (mut tx, mut chain) = begin(&self.pool, "system", now).await?;
                let done = sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                    .bind($crate::store::rules::DEFAULTS_INSTALLED)
                    .bind(on.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?
                    .rows_affected();
                if done == 0 {
                    return Ok(0);
                }
                for d in drafts {
                    let rule = app::domain::rules::Rule::try_from(d).map_err(|e| app::store::StoreError::Other(format!("shipped rule '{}': {e:?}", d.name)))?;
                    let spec = serde_json::to_string(d).map_err(|e| app::store::StoreError::Other(e.to_string()))?;
                    let id: i64 = sqlx::query_scalar("INSERT INTO rules (name, spec, created_on, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id")
                        .bind(&rule.name)
                        .bind(&spec)
                        .bind(on)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db)?;
                    let mut e = app::store::AuditEntry::new("rule", id.to_string(), "create");
                    e.after = Some(spec);
                    chain.push(e);
                }
                commit(tx, chain).await?;
                Ok(drafts.len())
            }

            async fn rule_customers(
                &self,
                as_of: chrono::NaiveDate,
                only: Option<i64>,
            ) -> Result<Vec<app::domain::rules::CustomerFacts>, app::store::StoreError> {
                use sqlx::Row;
                let db = $crate::store::db_err;
                let filter = if only.is_some() { " WHERE c.id = $1" } else { "" };
                let sql = format!(
                    "SELECT c.id, c.code, c.name, c.sales_rep_id, c.region, c.industry, c.customer_type, c.grade, c.status, \
                            c.dunning_level, c.risk_level, c.payment_method FROM customers c{filter} ORDER BY c.id"
                );
                let mut q = sqlx::query(&sql);
                if let Some(id) = only {
                    q = q.bind(id);
                }
                let mut out: Vec<app::domain::rules::CustomerFacts> =
                    q.fetch_all(&self.pool).await.map_err(db)?.iter().map(facts_customer).collect::<Result<_, _>>()?;
                let index: std::collections::HashMap<i64, usize> = out.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
                // Invoices due in the 12 months before as_of that were not paid by their
                // due date: an index range on the maintained unpaid-at-due amount.
                let only_count = if only.is_some() { " AND customer_id = $3" } else { "" };
                let sql = format!(
                    "SELECT customer_id, COUNT(*) AS n FROM invoice_balances \
                      WHERE unpaid_at_due_minor > 0 AND due_date >= $2 AND due_date < $1{only_count} GROUP BY customer_id"
                );
                let mut q = sqlx::query(&sql).bind(as_of).bind(as_of - chrono::Duration::days(365));
                if let Some(id) = only {
                    q = q.bind(id);
                }
                for r in q.fetch_all(&self.pool).await.map_err(db)? {
                    if let Some(&i) = index.get(&r.try_get::<i64, _>("customer_id").map_err(db)?) {
                        out[i].overdue_count_12m = r.try_get("n").map_err(db)?;
                    }
                }
                Ok(out)
            }

            async fn rule_invoices(
                &self,
                as_of: chrono::NaiveDate,
                after_customer: i64,
                upto_customer: i64,
            ) -> Result<Vec<app::domain::rules::InvoiceFacts>, app::store::StoreError> {
                use sqlx::Row;
                let db = $crate::store::db_err;
                // Open at as_of = open now + what was allocated after as_of: the invoices
                // open now (the open-balance index, by customer), then the allocations
                // after as_of (the allocation-date index; none when as_of is today).
                let mut open: std::collections::BTreeMap<i64, app::domain::rules::InvoiceFacts> = std::collections::BTreeMap::new();
                let now_open = sqlx::query(
                    "SELECT i.id, i.number, i.customer_id, i.due_date, b.open_minor FROM invoice_balances b JOIN invoices i ON i.id = b.invoice_id \
                      WHERE b.open_minor > 0 AND b.customer_id > $2 AND b.customer_id <= $3 AND i.invoice_date <= $1",
                )
                .bind(as_of)
                .bind(after_customer)
                .bind(upto_customer)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                // Asked first, because planners otherwise walk the page's invoices probing
                // allocations — every page, for nothing, when as_of is today.
                let any_later: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM allocations WHERE allocated_on > $1)")
                    .bind(as_of)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db)?;
                let later = if !any_later {
                    Vec::new()
                } else {
                    sqlx::query(
                        "SELECT i.id, i.number, i.customer_id, i.due_date, CAST(SUM(a.amount_minor) AS BIGINT) AS open_minor \
                           FROM allocations a JOIN invoices i ON i.id = a.invoice_id \
                          WHERE a.allocated_on > $1 AND i.customer_id > $2 AND i.customer_id <= $3 AND i.invoice_date <= $1 \
                          GROUP BY i.id, i.number, i.customer_id, i.due_date",
                    )
                    .bind(as_of)
                    .bind(after_customer)
                    .bind(upto_customer)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?
                };
                for r in now_open.iter().chain(&later) {
                    let id: i64 = r.try_get("id").map_err(db)?;
                    let minor: i64 = r.try_get("open_minor").map_err(db)?;
                    match open.get_mut(&id) {
                        Some(f) => f.open_minor += minor,
                        None => {
                            open.insert(
                                id,
                                app::domain::rules::InvoiceFacts {
                                    id,
                                    number: r.try_get("number").map_err(db)?,
                                    customer_id: r.try_get("customer_id").map_err(db)?,
                                    due_date: r.try_get("due_date").map_err(db)?,
                                    open_minor: minor,
                                    disputed: false,
                                },
                            );
                        }
                    }
                }
                // Disputes are few: one read per page, from the page's customers' disputes
                // (their index), marks the page's disputed invoices.
                let disputed: Vec<i64> = sqlx::query_scalar(&format!(
                    "SELECT di.invoice_id FROM disputes d JOIN dispute_invoices di ON di.dispute_id = d.id \
                      WHERE d.customer_id > $2 AND d.customer_id <= $3 AND {}",
                    $crate::store::collections::DISPUTE_OPEN_AT
                ))
                .bind(as_of)
                .bind(after_customer)
                .bind(upto_customer)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                for id in disputed {
                    if let Some(f) = open.get_mut(&id) {
                        f.disputed = true;
                    }
                }
                Ok(open.into_values().filter(|f| f.open_minor > 0).collect())
            }

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
                let (mut tx, mut chain) = begin(&self.pool, "rules", now).await?;
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
                self.rule_run(lease.run_id).await?.ok_or(app::store::StoreError::NotFound)
            }

            async fn rule_runs(&self, limit: i64) -> Result<Vec<app::store::RuleRun>, app::store::StoreError> {
                let sql = format!("{RULE_RUN_SQL} ORDER BY r.id DESC LIMIT $1");
                let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await.map_err($crate::store::db_err)?;
                rows.iter().map(rule_run_of).collect()
            }

            async fn rule_run(&self, id: i64) -> Result<Option<app::store::RuleRun>, app::store::StoreError> {
                let sql = format!("{RULE_RUN_SQL} WHERE r.id = $1");
                let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await.map_err($crate::store::db_err)?;
                row.as_ref().map(rule_run_of).transpose()
            }

            async fn run_firings(&self, run_id: i64, limit: i64) -> Result<Vec<app::store::FiringView>, app::store::StoreError> {
                use sqlx::Row;
                let db = $crate::store::db_err;
                let rows = sqlx::query(
                    "SELECT f.id, f.dedupe_key, f.as_of, f.customer_id, c.name, i.number, f.overdue_minor, f.actions \
                       FROM rule_firings f LEFT JOIN customers c ON c.id = f.customer_id LEFT JOIN invoices i ON i.id = f.invoice_id \
                      WHERE f.run_id = $1 ORDER BY f.id LIMIT $2",
                )
                .bind(run_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                let mut out = Vec::with_capacity(rows.len());
                let mut index = std::collections::HashMap::new();
                for r in &rows {
                    let id: i64 = r.try_get("id").map_err(db)?;
                    let actions: String = r.try_get("actions").map_err(db)?;
                    index.insert(id, out.len());
                    out.push(app::store::FiringView {
                        id,
                        dedupe_key: r.try_get("dedupe_key").map_err(db)?,
                        as_of: r.try_get("as_of").map_err(db)?,
                        customer_id: r.try_get("customer_id").map_err(db)?,
                        customer_name: r.try_get("name").map_err(db)?,
                        invoice_number: r.try_get("number").map_err(db)?,
                        overdue: app::domain::money::Money::from_minor(r.try_get("overdue_minor").map_err(db)?, app::domain::BOOK_CURRENCY),
                        actions: serde_json::from_str(&actions).map_err(|e| $crate::store::corrupt(format!("firing {id} actions: {e}")))?,
                        messages: Vec::new(),
                    });
                }
                let ids: Vec<i64> = index.keys().copied().collect();
                let mut by_message = std::collections::HashMap::new();
                for part in ids.chunks($crate::store::CHUNK) {
                    let mut qb = in_list(
                        "SELECT id, firing_id, channel, destination, payload, status, attempts, next_attempt_at, last_error, sent_at FROM outbox WHERE firing_id IN (",
                        part,
                    );
                    qb.push(" ORDER BY id");
                    for r in qb.build().fetch_all(&self.pool).await.map_err(db)? {
                        let m = outbox_of(&r)?;
                        if let Some(&i) = m.firing_id.and_then(|f| index.get(&f)) {
                            by_message.insert(m.id, (i, out[i].messages.len()));
                            out[i].messages.push((m, Vec::new()));
                        }
                    }
                }
                let message_ids: Vec<i64> = by_message.keys().copied().collect();
                for part in message_ids.chunks($crate::store::CHUNK) {
                    let mut qb = in_list("SELECT outbox_id, attempt, at, outcome, detail FROM delivery_log WHERE outbox_id IN (", part);
                    qb.push(" ORDER BY id");
                    for r in qb.build().fetch_all(&self.pool).await.map_err(db)? {
                        let mid: i64 = r.try_get("outbox_id").map_err(db)?;
                        if let Some(&(i, j)) = by_message.get(&mid) {
                            out[i].messages[j].1.push(app::store::DeliveryAttempt {
                                attempt: r.try_get("attempt").map_err(db)?,
                                at: r.try_get("at").map_err(db)?,
                                outcome: r.try_get("outcome").map_err(db)?,
                                detail: r.try_get("detail").map_err(db)?,
                            });
                        }
                    }
                }
                Ok(out)
            }

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

            async fn dunning_charges(&self, customer_id: i64) -> Result<app::store::DunningSummary, app::store::StoreError> {
                use sqlx::Row;
                let db = $crate::store::db_err;
                let level: Option<String> = sqlx::query_scalar("SELECT dunning_level FROM customers WHERE id = $1")
                    .bind(customer_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                let level = level.ok_or(app::store::StoreError::NotFound)?;
                let level = app::domain::rules::DunningLevel::parse(&level).ok_or_else(|| $crate::store::corrupt(format!("dunning level '{level}'")))?;
                let cny = app::domain::BOOK_CURRENCY;
                let mut s = app::store::DunningSummary { level, fees: app::domain::money::Money::zero(cny), interest: app::domain::money::Money::zero(cny) };
                for r in sqlx::query("SELECT kind, CAST(SUM(amount_minor) AS BIGINT) AS total FROM dunning_charges WHERE customer_id = $1 GROUP BY kind")
                    .bind(customer_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?
                {
                    let m = app::domain::money::Money::from_minor(r.try_get("total").map_err(db)?, cny);
                    match r.try_get::<String, _>("kind").map_err(db)?.as_str() {
                        "fee" => s.fees = m,
                        _ => s.interest = m,
                    }
                }
                Ok(s)
            }
        }
    };
}
pub(crate) use rule_store;
