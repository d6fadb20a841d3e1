//! `app::store::FeedStore` for both backends: documents a page at a time, in posting
//! (id) order after a cursor. Expanded once per backend by `impl_store!`; the SQL is
//! shared. Every filter is a bound parameter that is NULL when absent; the only
//! fragments spliced into SQL come from the state enums, never from a caller's text.

/// `$2`…`$6` of every feed: cursor, customer, number, and the document date's range on
/// `{date}`; `$7` is the page size plus one.
macro_rules! feed_filter {
    ($alias:literal, $number:literal, $date:literal) => {
        concat!(
            " ($2 IS NULL OR ",
            $alias,
            ".id > $2) AND ($3 IS NULL OR ",
            $alias,
            ".customer_id = $3) \
              AND ($4 IS NULL OR ",
            $alias,
            ".",
            $number,
            " = $4) \
              AND ($5 IS NULL OR ",
            $alias,
            ".",
            $date,
            " >= $5) AND ($6 IS NULL OR ",
            $alias,
            ".",
            $date,
            " <= $6) "
        )
    };
}
pub(crate) use feed_filter;

macro_rules! feed_impl {
    ($store:ty, $db:ty) => {
        /// The query with a feed's common parameters bound ($1 = as_of, then the filter).
        fn feed_query<'q, S>(
            sql: &'q str,
            q: &'q app::store::FeedQuery<S>,
        ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>> {
            sqlx::query(sql)
                .bind(q.as_of)
                .bind(q.after)
                .bind(q.customer_id)
                .bind(q.number.as_deref())
                .bind(q.dated.0)
                .bind(q.dated.1)
                .bind(q.limit + 1)
        }

        #[async_trait::async_trait]
        impl app::store::FeedStore for $store {
            async fn invoice_feed(
                &self,
                q: &app::store::FeedQuery<app::store::InvoiceState>,
            ) -> Result<Vec<app::store::InvoiceRecord>, app::store::StoreError> {
                use app::store::InvoiceState::*;
                let state = match q.status {
                    None => "1 = 1",
                    Some(Open) => "o.open_minor > 0",
                    Some(Settled) => "o.open_minor = 0",
                };
                // The point-in-time open amount is the ledger's one definition (AT_AS_OF).
                let sql = format!(
                    "SELECT o.*, c.code, x.order_ref, x.ship_date, x.acceptance_date \
                     FROM ({} AND {}) o JOIN invoices x ON x.id = o.id JOIN customers c ON c.id = o.customer_id \
                     WHERE {state} ORDER BY o.id LIMIT $7",
                    $crate::store::AT_AS_OF,
                    $crate::store::feed::feed_filter!("i", "number", "invoice_date")
                );
                let rows = feed_query(&sql, q).fetch_all(&self.pool).await.map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(app::store::InvoiceRecord {
                            customer_code: code_of(r)?,
                            line: invoice_line(r)?,
                            order_ref: col(r, "order_ref")?,
                            ship_date: col(r, "ship_date")?,
                            acceptance_date: col(r, "acceptance_date")?,
                        })
                    })
                    .collect()
            }

            async fn payment_feed(
                &self,
                q: &app::store::FeedQuery<app::store::PostingState>,
            ) -> Result<Vec<app::store::PaymentRecord>, app::store::StoreError> {
                let reversed = "EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id)";
                let state = $crate::store::feed::posting_state(q.status, reversed);
                let sql = format!(
                    "SELECT p.id, p.reference, p.customer_id, c.code, p.received_on, p.amount_minor, p.currency, {reversed} AS reversed \
                     FROM payments p JOIN customers c ON c.id = p.customer_id \
                     WHERE $1 IS NOT NULL AND {} AND {state} ORDER BY p.id LIMIT $7",
                    $crate::store::feed::feed_filter!("p", "reference", "received_on")
                );
                let payments = feed_query(&sql, q).fetch_all(&self.pool).await.map_err($crate::store::db_err)?;
                let ids: Vec<i64> = payments.iter().map(|p| col(p, "id")).collect::<Result<_, _>>()?;
                let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
                    return Ok(Vec::new());
                };
                // Net lines per (payment, invoice) over the page's id range (the payment
                // index), kept only for the page's payments by `payment_lines`.
                let lines = sqlx::query(
                    "SELECT a.payment_id, i.number, CAST(SUM(a.amount_minor) AS BIGINT) AS amount_minor \
                     FROM allocations a JOIN invoices i ON i.id = a.invoice_id \
                     WHERE a.payment_id BETWEEN $1 AND $2 GROUP BY a.payment_id, i.number HAVING SUM(a.amount_minor) <> 0 \
                     ORDER BY a.payment_id, i.number",
                )
                .bind(first)
                .bind(last)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::db_err)?;
                let codes = payments.iter().map(code_of).collect::<Result<Vec<_>, _>>()?;
                Ok(payment_lines(&payments, &lines)?
                    .into_iter()
                    .zip(codes)
                    .map(|((id, line), customer_code)| app::store::PaymentRecord { id, customer_code, line })
                    .collect())
            }

            async fn credit_note_feed(
                &self,
                q: &app::store::FeedQuery<app::store::PostingState>,
            ) -> Result<Vec<app::store::CreditNoteRecord>, app::store::StoreError> {
                use app::domain::money::Money;
                let reversed = "EXISTS (SELECT 1 FROM reversals r WHERE r.credit_note_id = n.id)";
                let state = $crate::store::feed::posting_state(q.status, reversed);
                let sql = format!(
                    "SELECT n.id, n.number, n.customer_id, c.code, n.issued_on, n.amount_minor, n.currency, n.reason, \
                            i.number AS invoice_number, {reversed} AS reversed \
                     FROM credit_notes n JOIN customers c ON c.id = n.customer_id LEFT JOIN invoices i ON i.id = n.invoice_id \
                     WHERE $1 IS NOT NULL AND {} AND {state} ORDER BY n.id LIMIT $7",
                    $crate::store::feed::feed_filter!("n", "number", "issued_on")
                );
                let rows = feed_query(&sql, q).fetch_all(&self.pool).await.map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(app::store::CreditNoteRecord {
                            id: col(r, "id")?,
                            customer_code: code_of(r)?,
                            number: col(r, "number")?,
                            issued_on: col(r, "issued_on")?,
                            amount: Money::from_minor(col(r, "amount_minor")?, currency_of(r)?),
                            invoice_number: col(r, "invoice_number")?,
                            reason: col(r, "reason")?,
                            reversed: col(r, "reversed")?,
                        })
                    })
                    .collect()
            }

            async fn order_feed(
                &self,
                q: &app::store::FeedQuery<app::store::OrderState>,
            ) -> Result<Vec<app::store::OrderRecord>, app::store::StoreError> {
                use app::domain::money::Money;
                let sql = format!(
                    "SELECT * FROM ( \
                        SELECT o.id, o.number, o.customer_id, c.code, o.ordered_on, o.amount_minor, o.currency, o.decision, o.reasons, \
                               CASE WHEN EXISTS (SELECT 1 FROM order_cancellations x WHERE x.order_id = o.id) THEN 'cancelled' \
                                    WHEN EXISTS (SELECT 1 FROM order_releases r WHERE r.order_id = o.id) THEN 'released' \
                                    ELSE o.decision END AS state \
                        FROM orders o JOIN customers c ON c.id = o.customer_id \
                        WHERE $1 IS NOT NULL AND {} \
                     ) t WHERE (CAST($8 AS TEXT) IS NULL OR state = $8) ORDER BY id LIMIT $7",
                    $crate::store::feed::feed_filter!("o", "number", "ordered_on")
                );
                let state = q.status.map(|s| s.as_str());
                let rows = feed_query(&sql, q).bind(state).fetch_all(&self.pool).await.map_err($crate::store::db_err)?;
                rows.iter()
                    .map(|r| {
                        let reasons: String = col(r, "reasons")?;
                        Ok(app::store::OrderRecord {
                            id: col(r, "id")?,
                            customer_code: code_of(r)?,
                            number: col(r, "number")?,
                            ordered_on: col(r, "ordered_on")?,
                            amount: Money::from_minor(col(r, "amount_minor")?, currency_of(r)?),
                            decision: $crate::store::feed::wire(&col::<String>(r, "decision")?)?,
                            reasons: reasons.split(',').filter(|s| !s.is_empty()).map($crate::store::feed::wire).collect::<Result<_, _>>()?,
                            state: $crate::store::feed::wire(&col::<String>(r, "state")?)?,
                        })
                    })
                    .collect()
            }
        }
    };
}
pub(crate) use feed_impl;

/// The SQL condition for a posting state, given the condition that it was reversed.
pub(crate) fn posting_state(state: Option<app::store::PostingState>, reversed: &str) -> String {
    match state {
        None => "1 = 1".into(),
        Some(app::store::PostingState::Posted) => format!("NOT {reversed}"),
        Some(app::store::PostingState::Reversed) => reversed.into(),
    }
}

/// A stored enum name (`approved`, `over_limit`) as its type, by its serde name.
pub(crate) fn wire<T: serde::de::DeserializeOwned>(
    name: &str,
) -> Result<T, app::store::StoreError> {
    serde_json::from_value(serde_json::Value::String(name.into())).map_err(super::corrupt)
}
