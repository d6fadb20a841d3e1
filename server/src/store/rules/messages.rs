//! What a firing's effects read and queue: the customer they act on, the recipients a
//! rule names, the letter's context, in-app notices and outbox messages. Everything
//! runs in the firing's transaction.
macro_rules! rule_message_fns {
    ($db:ty) => {
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
    };
}
pub(crate) use rule_message_fns;
