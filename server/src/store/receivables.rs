//! `app::store::ReceivablesStore` for both backends: the receivables at a date. Expanded
//! once per backend by `impl_store!`; the SQL is shared (see `store/mod.rs`).
macro_rules! receivables_impl {
    ($store:ty, $db:ty) => {
        /// Payments (id, reference, received_on, amount_minor, currency, reversed) with
        /// their net allocations (payment_id, number, amount_minor; reversals already
        /// summed in), in the payments' order, each with its id.
        fn payment_lines(
            payments: &[DbRow],
            allocations: &[DbRow],
        ) -> Result<Vec<(i64, app::store::PaymentLine)>, app::store::StoreError> {
            use app::domain::money::Money;
            let mut by_payment: std::collections::HashMap<i64, Vec<(String, i64)>> = std::collections::HashMap::new();
            for l in allocations {
                by_payment.entry(col(l, "payment_id")?).or_default().push((col(l, "number")?, col(l, "amount_minor")?));
            }
            payments
                .iter()
                .map(|p| {
                    let currency = currency_of(p)?;
                    let id: i64 = col(p, "id")?;
                    let reversed: bool = col(p, "reversed")?;
                    let amount: i64 = col(p, "amount_minor")?;
                    let allocations: Vec<(String, Money)> = by_payment
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(n, m)| (n, Money::from_minor(m, currency)))
                        .collect();
                    let allocated: i64 = allocations.iter().map(|(_, m)| m.minor()).sum();
                    let unallocated = if reversed { 0 } else { amount - allocated };
                    let line = app::store::PaymentLine {
                        reference: col(p, "reference")?,
                        received_on: col(p, "received_on")?,
                        amount: Money::from_minor(amount, currency),
                        allocations,
                        unallocated: Money::from_minor(unallocated, currency),
                        reversed,
                    };
                    Ok((id, line))
                })
                .collect()
        }

        #[async_trait::async_trait]
        impl app::store::ReceivablesStore for $store {
            async fn credit_position(
                &self,
                customer_id: i64,
                as_of: chrono::NaiveDate,
            ) -> Result<app::domain::credit::CreditPosition, app::store::StoreError> {
                let bank_bills = $crate::store::ledger::bank_bills_in_exposure(self).await?;
                position_of(&self.pool, customer_id, as_of, bank_bills).await
            }

            async fn recomputed_exposure(
                &self,
                customer_id: i64,
                as_of: chrono::NaiveDate,
            ) -> Result<app::domain::credit::Exposure, app::store::StoreError> {
                use app::domain::money::Money;
                use sqlx::Row;
                let bank_bills = $crate::store::ledger::bank_bills_in_exposure(self).await?;
                let sql = format!(
                    "SELECT c.currency, {} AS bills, \
                       COALESCE((SELECT CAST(SUM(amount_minor) AS BIGINT) FROM invoices WHERE customer_id = c.id), 0) \
                     - COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a JOIN invoices i ON i.id = a.invoice_id \
                                 WHERE i.customer_id = c.id), 0) AS open_invoices, \
                       COALESCE((SELECT CAST(SUM(CASE WHEN o.amount_minor > o.invoiced THEN o.amount_minor - o.invoiced ELSE 0 END) AS BIGINT) FROM ( \
                           SELECT o.amount_minor, COALESCE((SELECT CAST(SUM(i.amount_minor) AS BIGINT) FROM invoices i \
                                                            WHERE i.order_ref = o.number AND i.customer_id = o.customer_id), 0) AS invoiced \
                           FROM orders o WHERE o.customer_id = c.id AND (o.decision = 'approved' OR EXISTS (SELECT 1 FROM order_releases r WHERE r.order_id = o.id)) \
                             AND NOT EXISTS (SELECT 1 FROM order_cancellations x WHERE x.order_id = o.id)) o), 0) AS open_orders, \
                       COALESCE((SELECT CAST(SUM(amount_minor) AS BIGINT) FROM payments p WHERE p.customer_id = c.id \
                                 AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id)), 0) \
                     + COALESCE((SELECT CAST(SUM(amount_minor) AS BIGINT) FROM credit_notes n WHERE n.customer_id = c.id \
                                 AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.credit_note_id = n.id)), 0) \
                     - COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a JOIN invoices i ON i.id = a.invoice_id \
                                 WHERE i.customer_id = c.id AND (a.payment_id IS NOT NULL OR a.credit_note_id IS NOT NULL)), 0) AS unallocated \
                     FROM customers c WHERE c.id = $1",
                    $crate::store::bills::at_risk("c.id")
                );
                let r = sqlx::query(&sql)
                .bind(customer_id)
                .bind(as_of)
                .bind(bank_bills)
                .fetch_optional(&self.pool)
                .await
                .map_err($crate::store::db_err)?
                .ok_or(app::store::StoreError::NotFound)?;
                let cur = currency_of(&r)?;
                let m = |col: &str| -> Result<Money, app::store::StoreError> {
                    Ok(Money::from_minor(r.try_get::<i64, _>(col).map_err($crate::store::db_err)?, cur))
                };
                Ok(app::domain::credit::Exposure {
                    open_invoices: m("open_invoices")?,
                    open_orders: m("open_orders")?,
                    unallocated_credits: m("unallocated")?,
                    unmatured_bills: m("bills")?,
                })
            }

            async fn open_items(
                &self,
                scope: app::domain::auth::Scope,
                as_of: chrono::NaiveDate,
            ) -> Result<Vec<app::domain::aging::OpenItem>, app::store::StoreError> {
                use app::domain::money::Money;
                use sqlx::Row;
                let sql = format!(
                    "SELECT o.customer_id, o.invoice_date, o.due_date, o.currency, o.open_minor FROM ({}{}) o \
                     JOIN customers c ON c.id = o.customer_id \
                     WHERE o.open_minor <> 0 AND (CAST($2 AS BIGINT) IS NULL OR c.sales_rep_id = $2)",
                    $crate::store::AT_AS_OF,
                    $crate::store::MAYBE_OPEN
                );
                let rows = sqlx::query(&sql)
                .bind(as_of)
                .bind(scope.rep_id())
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        let currency = currency_of(r)?;
                        Ok(app::domain::aging::OpenItem {
                            customer_id: r.try_get("customer_id").map_err($crate::store::db_err)?,
                            invoice_date: r.try_get("invoice_date").map_err($crate::store::db_err)?,
                            due_date: r.try_get("due_date").map_err($crate::store::db_err)?,
                            open: Money::from_minor(r.try_get("open_minor").map_err($crate::store::db_err)?, currency),
                        })
                    })
                    .collect()
            }

            async fn open_invoices(
                &self,
                customer_id: i64,
                as_of: chrono::NaiveDate,
            ) -> Result<Vec<app::domain::invoice::InvoiceLine>, app::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, number, invoice_date, due_date, amount_minor, currency, open_minor FROM ( \
                        SELECT i.id, i.number, i.invoice_date, i.due_date, i.amount_minor, i.currency, \
                               i.amount_minor - COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a \
                                                          WHERE a.invoice_id = i.id AND a.allocated_on <= $2), 0) AS open_minor \
                        FROM invoices i WHERE i.customer_id = $1 AND i.invoice_date <= $2 \
                     ) t WHERE open_minor <> 0 ORDER BY due_date, number",
                )
                .bind(customer_id)
                .bind(as_of)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                rows.iter().map(invoice_line).collect()
            }

            async fn list_invoices(
                &self,
                q: &app::store::InvoiceQuery,
                scope: app::domain::auth::Scope,
            ) -> Result<Vec<app::domain::invoice::InvoiceRow>, app::store::StoreError> {
                use app::domain::invoice::{InvoiceRow, InvoiceSort, InvoiceStatus};
                // Every fragment comes from an enum, never from user text. Open and
                // overdue lists need only the invoices that can be open at as_of.
                let (status, narrow) = match q.status {
                    InvoiceStatus::Open => ("open_minor > 0", $crate::store::MAYBE_OPEN),
                    InvoiceStatus::Overdue => ("open_minor > 0 AND due_date < $1", $crate::store::MAYBE_OPEN),
                    InvoiceStatus::Paid => ("open_minor = 0", ""),
                    InvoiceStatus::All => ("1 = 1", ""),
                };
                let column = match q.sort {
                    InvoiceSort::DueDate => "due_date",
                    InvoiceSort::InvoiceDate => "invoice_date",
                    InvoiceSort::Number => "number",
                    InvoiceSort::Customer => "code",
                    InvoiceSort::Amount => "amount_minor",
                    InvoiceSort::Open => "open_minor",
                };
                let dir = if q.descending { "DESC" } else { "ASC" };
                let sql = format!(
                    "SELECT * FROM ( \
                        SELECT o.*, c.code, c.name, c.region, u.display_name AS rep \
                        FROM ({}{narrow}) o JOIN customers c ON c.id = o.customer_id LEFT JOIN users u ON u.id = c.sales_rep_id \
                        WHERE ($2 IS NULL OR c.sales_rep_id = $2) AND ($3 IS NULL OR c.sales_rep_id = $3) \
                          AND ($4 IS NULL OR o.customer_id = $4) AND ($5 IS NULL OR c.region = $5) \
                          AND ($6 IS NULL OR o.due_date >= $6) AND ($7 IS NULL OR o.due_date <= $7) \
                          AND ($8 IS NULL OR o.invoice_date >= $8) AND ($9 IS NULL OR o.invoice_date <= $9) \
                          AND ($12 IS NULL OR COALESCE(c.grade, '-') = $12) \
                     ) t WHERE {status} ORDER BY {column} {dir}, number {dir} LIMIT $10 OFFSET $11",
                    $crate::store::AT_AS_OF
                );
                let rows = sqlx::query(&sql)
                    .bind(q.as_of)
                    .bind(scope.rep_id())
                    .bind(q.rep_id)
                    .bind(q.customer_id)
                    .bind(q.region.as_deref())
                    .bind(q.due_between.0)
                    .bind(q.due_between.1)
                    .bind(q.invoiced_between.0)
                    .bind(q.invoiced_between.1)
                    .bind(q.limit)
                    .bind(q.offset)
                    .bind(q.grade.as_deref())
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(InvoiceRow {
                            line: invoice_line(r)?,
                            customer_id: col(r, "customer_id")?,
                            customer_code: col(r, "code")?,
                            customer_name: col(r, "name")?,
                            region: col(r, "region")?,
                            sales_rep: col(r, "rep")?,
                        })
                    })
                    .collect()
            }

            async fn customer_payments(
                &self,
                customer_id: i64,
                limit: i64,
            ) -> Result<Vec<app::store::PaymentLine>, app::store::StoreError> {
                let payments = sqlx::query(
                    "SELECT p.id, p.reference, p.received_on, p.amount_minor, p.currency, \
                            EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id) AS reversed \
                     FROM payments p WHERE p.customer_id = $1 ORDER BY p.received_on DESC, p.id DESC LIMIT $2",
                )
                .bind(customer_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                // Net lines per (payment, invoice): a reversal's negative rows cancel its own.
                let lines = sqlx::query(
                    "SELECT a.payment_id, i.number, CAST(SUM(a.amount_minor) AS BIGINT) AS amount_minor \
                     FROM allocations a JOIN invoices i ON i.id = a.invoice_id JOIN payments p ON p.id = a.payment_id \
                     WHERE p.customer_id = $1 GROUP BY a.payment_id, i.number HAVING SUM(a.amount_minor) <> 0 \
                     ORDER BY a.payment_id, i.number",
                )
                .bind(customer_id)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                Ok(payment_lines(&payments, &lines)?.into_iter().map(|(_, line)| line).collect())
            }

            async fn customer_timeline(
                &self,
                customer_id: i64,
                limit: i64,
            ) -> Result<Vec<app::store::TimelineEvent>, app::store::StoreError> {
                use app::domain::money::Money;
                let rows = sqlx::query(
                    "SELECT on_date, kind, reference, amount_minor, currency FROM ( \
                        SELECT invoice_date AS on_date, 'invoice' AS kind, number AS reference, amount_minor, currency, id \
                          FROM invoices WHERE customer_id = $1 \
                        UNION ALL SELECT received_on, 'payment', reference, amount_minor, currency, id FROM payments WHERE customer_id = $1 \
                        UNION ALL SELECT issued_on, 'credit_note', number, amount_minor, currency, id FROM credit_notes WHERE customer_id = $1 \
                        UNION ALL SELECT ordered_on, 'order', number, amount_minor, currency, id FROM orders WHERE customer_id = $1 \
                        UNION ALL SELECT w.written_on, 'write_off', i.number, w.amount_minor, w.currency, w.id \
                          FROM write_offs w JOIN invoices i ON i.id = w.invoice_id WHERE i.customer_id = $1 \
                        UNION ALL SELECT r.reversed_on, 'reversal', COALESCE(p.reference, cn.number, wi.number), \
                               COALESCE(p.amount_minor, cn.amount_minor, w.amount_minor), COALESCE(p.currency, cn.currency, w.currency), r.id \
                          FROM reversals r LEFT JOIN payments p ON p.id = r.payment_id \
                          LEFT JOIN credit_notes cn ON cn.id = r.credit_note_id \
                          LEFT JOIN write_offs w ON w.id = r.write_off_id LEFT JOIN invoices wi ON wi.id = w.invoice_id \
                          WHERE COALESCE(p.customer_id, cn.customer_id, wi.customer_id) = $1 \
                     ) t ORDER BY on_date DESC, kind, id DESC LIMIT $2",
                )
                .bind(customer_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(app::store::TimelineEvent {
                            on: col(r, "on_date")?,
                            kind: col(r, "kind")?,
                            reference: col(r, "reference")?,
                            amount: Money::from_minor(col(r, "amount_minor")?, currency_of(r)?),
                        })
                    })
                    .collect()
            }
        }
    };
}
pub(crate) use receivables_impl;
