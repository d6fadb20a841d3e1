//! The adapter for `domain::effects`: applies a new firing's planned effects in its
//! transaction (customer changes, dunning charges with interest, tasks, messages) and
//! raises `StatusChanged` for a status it writes.
macro_rules! rule_effect_fns {
    ($db:ty) => {
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
    };
}
pub(crate) use rule_effect_fns;
