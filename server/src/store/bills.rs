//! `app::store::BillStore` for both backends: acceptance bills. Expanded once per
//! backend by `impl_store!`; the SQL is shared. A bill's payment goes through the
//! ledger's own `insert_payment_tx`, and a dishonour through its `reverse_tx`, so a bill
//! settles and unsettles invoices exactly as a payment and its reversal do.

/// Bills with their face (the payment's amount), their last step (state and date, else
/// held on receipt) and how many steps they have taken.
pub(crate) const BILLS: &str = "SELECT b.id, b.number, b.customer_id, c.code, b.kind, b.medium, b.acceptor, \
       p.amount_minor, p.currency, b.issued_on, b.received_on, b.matures_on, \
       CASE s.step WHEN 'endorse' THEN 'endorsed' WHEN 'discount' THEN 'discounted' \
            WHEN 'collect' THEN 'collected' WHEN 'dishonour' THEN 'dishonoured' ELSE 'held' END AS state, \
       COALESCE(s.taken_on, b.received_on) AS last_on, COALESCE(s.seq, 0) AS steps \
     FROM bills b JOIN payments p ON p.id = b.payment_id JOIN customers c ON c.id = b.customer_id \
     LEFT JOIN bill_steps s ON s.bill_id = b.id \
          AND s.seq = (SELECT MAX(l.seq) FROM bill_steps l WHERE l.bill_id = b.id)";

/// The face of the bills of the customers `members` (an SQL list or subquery) still at
/// risk at $2 (`domain::bills::lifecycle`): neither collected nor dishonoured, maturing
/// after $2, and commercial, or bank when $3 (`settings::BANK_BILLS_IN_EXPOSURE`) is true.
pub(crate) fn at_risk(members: &str) -> String {
    format!(
        "COALESCE((SELECT CAST(SUM(p.amount_minor) AS BIGINT) FROM bills x JOIN payments p ON p.id = x.payment_id \
         WHERE x.customer_id IN ({members}) AND x.matures_on > $2 AND (x.kind = 'commercial' OR $3) \
         AND NOT EXISTS (SELECT 1 FROM bill_steps s WHERE s.bill_id = x.id AND s.step IN ('collect', 'dishonour'))), 0)"
    )
}

/// `BILLS` filtered by a `BillQuery` ($1 cursor, $2 customer, $3 number, $4 state,
/// $5 matures before, $7 matures after) and cut at $6 rows.
pub(crate) fn bills_sql() -> String {
    format!(
        "SELECT * FROM ({BILLS}) t WHERE ($1 IS NULL OR id > $1) AND ($2 IS NULL OR customer_id = $2) \
         AND (CAST($3 AS TEXT) IS NULL OR number = $3) AND (CAST($4 AS TEXT) IS NULL OR state = $4) \
         AND ($5 IS NULL OR matures_on < $5) AND ($7 IS NULL OR matures_on > $7) ORDER BY id LIMIT $6"
    )
}

macro_rules! bills_impl {
    ($store:ty, $db:ty) => {
        async fn read_bills<'e, E>(exec: E, q: &app::store::BillQuery) -> Result<Vec<app::store::BillRecord>, app::store::StoreError>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            use $crate::store::feed::wire;
            let sql = $crate::store::bills::bills_sql();
            let rows = sqlx::query(&sql)
                .bind(q.after)
                .bind(q.customer_id)
                .bind(q.number.as_deref())
                .bind(q.status.map(|s| s.as_str()))
                .bind(q.matures_before)
                .bind(q.limit)
                .bind(q.matures_after)
                .fetch_all(exec)
                .await
                .map_err($crate::store::db_err)?;
            rows.iter()
                .map(|r| {
                    Ok(app::store::BillRecord {
                        id: col(r, "id")?,
                        number: col(r, "number")?,
                        customer_id: col(r, "customer_id")?,
                        customer_code: code_of(r)?,
                        kind: wire(&col::<String>(r, "kind")?)?,
                        medium: wire(&col::<String>(r, "medium")?)?,
                        acceptor: col(r, "acceptor")?,
                        face: app::domain::money::Money::from_minor(col(r, "amount_minor")?, currency_of(r)?),
                        issued_on: col(r, "issued_on")?,
                        received_on: col(r, "received_on")?,
                        matures_on: col(r, "matures_on")?,
                        state: wire(&col::<String>(r, "state")?)?,
                        last_on: col(r, "last_on")?,
                        steps: col(r, "steps")?,
                    })
                })
                .collect()
        }

        /// The bill `number` inside `tx`.
        async fn bill_in(tx: &mut Tx, number: &str) -> Result<app::store::BillRecord, app::store::StoreError> {
            let q = app::store::BillQuery { number: Some(number.to_string()), limit: 1, ..Default::default() };
            read_bills(&mut **tx, &q).await?.pop().ok_or(app::store::StoreError::NotFound)
        }

        #[async_trait::async_trait]
        impl app::store::BillStore for $store {
            async fn receive_bill(
                &self,
                b: &app::store::ReceivedBill,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(app::store::BillRecord, app::store::PostedPayment), app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let posted = insert_payment_tx(&mut tx, &mut chain, &b.payment, now).await?;
                let n = &b.bill;
                sqlx::query(
                    "INSERT INTO bills (number, payment_id, customer_id, kind, medium, acceptor, issued_on, received_on, matures_on, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&n.number)
                .bind(posted.id)
                .bind(b.payment.customer_id)
                .bind(n.kind.as_str())
                .bind(n.medium.as_str())
                .bind(&n.acceptor)
                .bind(n.issued_on)
                .bind(n.received_on)
                .bind(n.matures_on)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
                let mut e = app::store::AuditEntry::new("bill", &n.number, "receive");
                e.after = Some(serde_json::to_string(n).map_err($crate::store::corrupt)?);
                chain.push(e);
                let record = bill_in(&mut tx, &n.number).await?;
                chain.answer(self.claim.as_ref(), app::store::Written::Bill(&record, &posted))?;
                commit(tx, chain).await?;
                Ok((record, posted))
            }

            async fn take_bill_step(
                &self,
                number: &str,
                step: &app::domain::bills::lifecycle::TakenStep,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<app::store::BillRecord, app::store::StoreError> {
                use app::domain::bills::lifecycle::{Dates, Step, StepError};
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let bill = bill_in(&mut tx, number).await?;
                let dates = Dates { matures_on: bill.matures_on, last_on: bill.last_on };
                let state = bill.state.apply(step.step, step.on, dates).map_err(|e| match e {
                    StepError::NotFrom(..) => app::store::StoreError::Conflict(e.to_string()),
                    _ => $crate::store::ledger::rejected("on", e.to_string()),
                })?;
                let interest = step
                    .interest
                    .map(|i| app::domain::money::Money::new(i, bill.face.currency()))
                    .transpose()
                    .map_err(|e| $crate::store::ledger::rejected("interest", e.to_string()))?;
                if interest.is_some_and(|i| i.minor() >= bill.face.minor()) {
                    return Err($crate::store::ledger::rejected("interest", "must be less than the bill's face amount"));
                }
                sqlx::query(
                    "INSERT INTO bill_steps (bill_id, seq, step, taken_on, counterparty, interest_minor, note, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(bill.id)
                .bind(bill.steps + 1)
                .bind(step.step.as_str())
                .bind(step.on)
                .bind(step.counterparty.as_deref())
                .bind(interest.map(|i| i.minor()))
                .bind(step.note.as_deref())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
                if step.step == Step::Dishonour {
                    let why = format!("bill {number} dishonoured{}", step.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default());
                    reverse_tx(&mut tx, &mut chain, &app::store::Reversible::Payment(number.to_string()), step.on, &why, now).await?;
                    chain.raise(app::domain::events::DomainEvent::bill_dishonoured(bill.customer_id, bill.id));
                }
                let mut e = app::store::AuditEntry::new("bill", number, step.step.as_str());
                e.before = Some(serde_json::to_string(&bill.state).map_err($crate::store::corrupt)?);
                e.after = Some(serde_json::to_string(step).map_err($crate::store::corrupt)?);
                chain.push(e);
                let record = app::store::BillRecord { state, last_on: step.on, steps: bill.steps + 1, ..bill };
                chain.answer(self.claim.as_ref(), app::store::Written::BillStep(&record))?;
                commit(tx, chain).await?;
                Ok(record)
            }

            async fn bills(&self, q: &app::store::BillQuery) -> Result<Vec<app::store::BillRecord>, app::store::StoreError> {
                read_bills(&self.pool, q).await
            }
        }
    };
}
pub(crate) use bills_impl;
