//! Reads behind the credit reports and the saved report templates, shared by both
//! backends (`report_fns!` expands inside `sqlite.rs` and `postgres.rs` through
//! `impl_store!`).
//!
//! Invariants:
//! - `movement_figures` dates an allocation by `max(allocated_on, invoice_date)`, the
//!   rule `aggregates` uses for `ar_flow`, so opening + movements = closing holds exactly
//!   between two snapshot reads (the store tests check it on both databases). It reads
//!   two index ranges — allocations dated in the period, and the period's invoices
//!   settled before their date — never every allocation.
//! - `template_customers` pages by customer code (keyset), so an export holds one page in
//!   memory however large the book is, and a page costs its own customers' invoices only.
//! - Template specs are parsed whole on the way in (`ReportTemplate::try_from`, by the
//!   caller) and again on the way out, so a spec the code no longer accepts is an error
//!   naming the template, never a report run half-understood.
use app::domain::report::{ReportTemplate, TemplateDraft};

/// A stored spec back to a template, or an error naming it.
pub(crate) fn parse_spec(name: &str, spec: &str) -> Result<ReportTemplate, app::store::StoreError> {
    let draft: TemplateDraft = serde_json::from_str(spec)
        .map_err(|e| app::store::StoreError::Other(format!("report template '{name}': {e}")))?;
    ReportTemplate::try_from(draft).map_err(|errors| {
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        app::store::StoreError::Other(format!("report template '{name}': {}", text.join("; ")))
    })
}

/// Allocations effective in [$1, $2], with the slice's customers `c` (binds $3..$5).
fn allocations_in_period(slice_cond: &str) -> String {
    format!(
        "SELECT a.payment_id, a.credit_note_id, a.write_off_id, a.reversal_id, a.amount_minor \
           FROM allocations a JOIN invoices i ON i.id = a.invoice_id JOIN customers c ON c.id = i.customer_id \
          WHERE a.allocated_on BETWEEN $1 AND $2 AND i.invoice_date <= $2 AND {slice_cond} \
         UNION ALL \
         SELECT a.payment_id, a.credit_note_id, a.write_off_id, a.reversal_id, a.amount_minor \
           FROM invoices i JOIN allocations a ON a.invoice_id = i.id JOIN customers c ON c.id = i.customer_id \
          WHERE i.invoice_date BETWEEN $1 AND $2 AND a.allocated_on < $1 AND {slice_cond}"
    )
}

pub(crate) fn movements_sql(slice: &app::domain::dashboard::Slice) -> (String, String) {
    let cond = crate::store::aggregates::slice_filter(slice, 3);
    let invoiced = format!(
        "SELECT CAST(COALESCE(SUM(i.amount_minor), 0) AS BIGINT) FROM invoices i JOIN customers c ON c.id = i.customer_id \
          WHERE i.invoice_date BETWEEN $1 AND $2 AND {cond}"
    );
    let settled = format!(
        "SELECT CAST(COALESCE(SUM(CASE WHEN reversal_id IS NULL AND payment_id IS NOT NULL THEN amount_minor ELSE 0 END), 0) AS BIGINT) AS payments, \
                CAST(COALESCE(SUM(CASE WHEN reversal_id IS NULL AND credit_note_id IS NOT NULL THEN amount_minor ELSE 0 END), 0) AS BIGINT) AS credit_notes, \
                CAST(COALESCE(SUM(CASE WHEN reversal_id IS NULL AND write_off_id IS NOT NULL THEN amount_minor ELSE 0 END), 0) AS BIGINT) AS write_offs, \
                CAST(COALESCE(-SUM(CASE WHEN reversal_id IS NOT NULL THEN amount_minor ELSE 0 END), 0) AS BIGINT) AS reversals \
           FROM ({}) x",
        allocations_in_period(&cond)
    );
    (invoiced, settled)
}

/// One page of customers (`$1` as_of, `$2` after code, `$3` rep scope, `$4` limit, and
/// with a period `$5`..`$6`) with their open and overdue at as_of.
pub(crate) fn template_page_sql(with_period: bool) -> String {
    let period = if with_period {
        "COALESCE((SELECT CAST(SUM(x.amount_minor) AS BIGINT) FROM invoices x \
                    WHERE x.customer_id = c.id AND x.invoice_date BETWEEN $5 AND $6), 0) AS invoiced_minor, \
         COALESCE((SELECT CAST(SUM(y.amount_minor) AS BIGINT) FROM payments y \
                    WHERE y.customer_id = c.id AND y.received_on BETWEEN $5 AND $6), 0) \
         - COALESCE((SELECT CAST(SUM(y.amount_minor) AS BIGINT) FROM payments y JOIN reversals r ON r.payment_id = y.id \
                    WHERE y.customer_id = c.id AND r.reversed_on BETWEEN $5 AND $6), 0) AS collected_minor"
    } else {
        "CAST(0 AS BIGINT) AS invoiced_minor, CAST(0 AS BIGINT) AS collected_minor"
    };
    format!(
        "WITH page AS ( \
            SELECT id FROM customers WHERE code > $2 AND (CAST($3 AS BIGINT) IS NULL OR sales_rep_id = $3) ORDER BY code LIMIT $4 \
         ), open_inv AS ( \
            SELECT i.customer_id, i.due_date, \
                   b.open_minor + COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a \
                                            WHERE a.invoice_id = i.id AND a.allocated_on > $1), 0) AS open_minor \
              FROM invoices i JOIN invoice_balances b ON b.invoice_id = i.id \
             WHERE i.customer_id IN (SELECT id FROM page) AND i.invoice_date <= $1 \
         ), per_customer AS ( \
            SELECT customer_id, CAST(SUM(open_minor) AS BIGINT) AS open_minor, \
                   CAST(SUM(CASE WHEN due_date < $1 THEN open_minor ELSE 0 END) AS BIGINT) AS overdue_minor, \
                   MIN(CASE WHEN due_date < $1 AND open_minor > 0 THEN due_date END) AS oldest_overdue \
              FROM open_inv GROUP BY customer_id \
         ) \
         SELECT c.code, c.name, c.region, c.industry, u.username, u.display_name AS rep_name, c.grade, c.status, \
                COALESCE(p.open_minor, 0) AS open_minor, COALESCE(p.overdue_minor, 0) AS overdue_minor, p.oldest_overdue, \
                {period} \
           FROM page JOIN customers c ON c.id = page.id \
           LEFT JOIN users u ON u.id = c.sales_rep_id \
           LEFT JOIN per_customer p ON p.customer_id = c.id \
          ORDER BY c.code"
    )
}

macro_rules! report_fns {
    ($db:ty) => {
        async fn movement_figures_in(
            pool: &sqlx::Pool<$db>,
            slice: &app::domain::dashboard::Slice,
            from: chrono::NaiveDate,
            to: chrono::NaiveDate,
        ) -> Result<app::domain::report::MovementFigures, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let (rep, region, grade) = $crate::store::aggregates::slice_binds(slice);
            let (invoiced_sql, settled_sql) = $crate::store::reports::movements_sql(slice);
            let invoiced: i64 = sqlx::query_scalar(&invoiced_sql)
                .bind(from)
                .bind(to)
                .bind(rep)
                .bind(region.clone())
                .bind(grade.clone())
                .fetch_one(pool)
                .await
                .map_err(db)?;
            let r = sqlx::query(&settled_sql).bind(from).bind(to).bind(rep).bind(region).bind(grade).fetch_one(pool).await.map_err(db)?;
            let (dim, key) = slice.dim();
            let cash: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(cash_minor), 0) AS BIGINT) FROM ar_days WHERE dim = $1 AND dim_key = $2 AND day BETWEEN $3 AND $4",
            )
            .bind(dim)
            .bind(key)
            .bind(from)
            .bind(to)
            .fetch_one(pool)
            .await
            .map_err(db)?;
            Ok(app::domain::report::MovementFigures {
                invoiced_minor: invoiced,
                payments_minor: r.try_get("payments").map_err(db)?,
                credit_notes_minor: r.try_get("credit_notes").map_err(db)?,
                write_offs_minor: r.try_get("write_offs").map_err(db)?,
                reversals_minor: r.try_get("reversals").map_err(db)?,
                cash_minor: cash,
            })
        }

        async fn customer_changes_in(
            pool: &sqlx::Pool<$db>,
            slice: &app::domain::dashboard::Slice,
            from: chrono::DateTime<chrono::Utc>,
            to: chrono::DateTime<chrono::Utc>,
            limit: i64,
        ) -> Result<Vec<app::domain::report::AttributeChange>, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let (rep, region, grade) = $crate::store::aggregates::slice_binds(slice);
            let sql = format!(
                "SELECT a.at, a.actor, a.entity_key, a.before, a.after, c.name FROM audit_log a \
                   JOIN customers c ON c.code = a.entity_key \
                  WHERE a.entity = 'customer' AND a.action = 'update' AND a.at >= $1 AND a.at < $2 AND {} \
                  ORDER BY a.id LIMIT $6",
                $crate::store::aggregates::slice_filter(slice, 3)
            );
            let rows = sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .bind(rep)
            .bind(region)
            .bind(grade)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(db)?;
            let mut out = Vec::new();
            for r in rows {
                let at: chrono::DateTime<chrono::Utc> = r.try_get("at").map_err(db)?;
                let before: Option<String> = r.try_get("before").map_err(db)?;
                let after: Option<String> = r.try_get("after").map_err(db)?;
                let (code, name, actor): (String, String, String) =
                    (r.try_get("entity_key").map_err(db)?, r.try_get("name").map_err(db)?, r.try_get("actor").map_err(db)?);
                for (attribute, b, a) in app::domain::report::attribute_changes(before.as_deref().unwrap_or("{}"), after.as_deref().unwrap_or("{}")) {
                    out.push(app::domain::report::AttributeChange {
                        on: app::domain::business_date(at),
                        customer_code: code.clone(),
                        customer_name: name.clone(),
                        attribute,
                        before: b,
                        after: a,
                        actor: actor.clone(),
                    });
                }
            }
            Ok(out)
        }

        async fn template_customers_in(
            pool: &sqlx::Pool<$db>,
            scope: app::domain::auth::Scope,
            as_of: chrono::NaiveDate,
            period: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
            after_code: &str,
            limit: i64,
        ) -> Result<Vec<app::domain::report::TemplateCustomer>, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let sql = $crate::store::reports::template_page_sql(period.is_some());
            let mut q = sqlx::query(&sql).bind(as_of).bind(after_code).bind(scope.rep_id()).bind(limit);
            if let Some((from, to)) = period {
                q = q.bind(from).bind(to);
            }
            let rows = q.fetch_all(pool).await.map_err(db)?;
            rows.iter()
                .map(|r| {
                    let oldest: Option<chrono::NaiveDate> = r.try_get("oldest_overdue").map_err(db)?;
                    Ok(app::domain::report::TemplateCustomer {
                        code: r.try_get("code").map_err(db)?,
                        name: r.try_get("name").map_err(db)?,
                        region: r.try_get("region").map_err(db)?,
                        industry: r.try_get("industry").map_err(db)?,
                        rep_username: r.try_get("username").map_err(db)?,
                        rep_name: r.try_get("rep_name").map_err(db)?,
                        grade: grade_of(r)?,
                        status: status_of(r)?,
                        open_minor: r.try_get("open_minor").map_err(db)?,
                        overdue_minor: r.try_get("overdue_minor").map_err(db)?,
                        max_days_past_due: oldest.map(|d| app::domain::aging::days_past_due(as_of, d)).unwrap_or(0),
                        invoiced_minor: r.try_get("invoiced_minor").map_err(db)?,
                        collected_minor: r.try_get("collected_minor").map_err(db)?,
                    })
                })
                .collect()
        }

        async fn report_templates_in(pool: &sqlx::Pool<$db>) -> Result<Vec<app::domain::report::SavedTemplate>, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let rows = sqlx::query("SELECT id, name, spec FROM report_templates ORDER BY name").fetch_all(pool).await.map_err(db)?;
            rows.iter()
                .map(|r| {
                    let name: String = r.try_get("name").map_err(db)?;
                    let spec: String = r.try_get("spec").map_err(db)?;
                    Ok(app::domain::report::SavedTemplate { id: r.try_get("id").map_err(db)?, template: $crate::store::reports::parse_spec(&name, &spec)? })
                })
                .collect()
        }

        async fn save_report_template_in(
            pool: &sqlx::Pool<$db>,
            keys: &$crate::vault::Keyring,
            id: Option<i64>,
            t: &app::domain::report::ReportTemplate,
            actor: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<i64, app::store::StoreError> {
            let db = $crate::store::db_err;
            let spec = serde_json::to_string(&t.draft()).map_err(|e| app::store::StoreError::Other(e.to_string()))?;
            let (mut tx, mut chain) = begin(pool, keys, actor, now).await?;
            let before: Option<String> = match id {
                None => None,
                Some(id) => Some(
                    sqlx::query_scalar("SELECT spec FROM report_templates WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db)?
                        .ok_or(app::store::StoreError::NotFound)?,
                ),
            };
            let saved: i64 = match id {
                None => sqlx::query_scalar(
                    "INSERT INTO report_templates (name, spec, updated_by, updated_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(t.name())
                .bind(&spec)
                .bind(actor)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?,
                Some(id) => sqlx::query_scalar(
                    "UPDATE report_templates SET name = $2, spec = $3, updated_by = $4, updated_at = $5 WHERE id = $1 RETURNING id",
                )
                .bind(id)
                .bind(t.name())
                .bind(&spec)
                .bind(actor)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?,
            };
            let mut e = app::store::AuditEntry::new("report_template", saved.to_string(), if id.is_some() { "update" } else { "create" });
            e.before = before;
            e.after = Some(spec);
            chain.push(e);
            commit(tx, chain).await?;
            Ok(saved)
        }

        async fn delete_report_template_in(
            pool: &sqlx::Pool<$db>,
            keys: &$crate::vault::Keyring,
            id: i64,
            actor: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), app::store::StoreError> {
            let db = $crate::store::db_err;
            let (mut tx, mut chain) = begin(pool, keys, actor, now).await?;
            let before: String = sqlx::query_scalar("DELETE FROM report_templates WHERE id = $1 RETURNING spec")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .ok_or(app::store::StoreError::NotFound)?;
            let mut e = app::store::AuditEntry::new("report_template", id.to_string(), "delete");
            e.before = Some(before);
            chain.push(e);
            commit(tx, chain).await
        }
    };
}
pub(crate) use report_fns;

/// `app::store::ReportStore` for both backends: period reports and templates. Expanded once
/// per backend by `impl_store!`; the SQL is shared (see `store/mod.rs`).
macro_rules! reports_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::ReportStore for $store {
            async fn movement_figures(
                &self,
                slice: &app::domain::dashboard::Slice,
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
            ) -> Result<app::domain::report::MovementFigures, app::store::StoreError> {
                movement_figures_in(&self.pool, slice, from, to).await
            }

            async fn customer_changes(
                &self,
                slice: &app::domain::dashboard::Slice,
                from: chrono::DateTime<chrono::Utc>,
                to: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> Result<Vec<app::domain::report::AttributeChange>, app::store::StoreError> {
                customer_changes_in(&self.pool, slice, from, to, limit).await
            }

            async fn template_customers(
                &self,
                scope: app::domain::auth::Scope,
                as_of: chrono::NaiveDate,
                period: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
                after_code: &str,
                limit: i64,
            ) -> Result<Vec<app::domain::report::TemplateCustomer>, app::store::StoreError> {
                template_customers_in(&self.pool, scope, as_of, period, after_code, limit).await
            }

            async fn report_templates(
                &self,
            ) -> Result<Vec<app::domain::report::SavedTemplate>, app::store::StoreError> {
                report_templates_in(&self.pool).await
            }

            async fn save_report_template(
                &self,
                id: Option<i64>,
                t: &app::domain::report::ReportTemplate,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, app::store::StoreError> {
                save_report_template_in(&self.pool, &self.keys, id, t, actor, now).await
            }

            async fn delete_report_template(
                &self,
                id: i64,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                delete_report_template_in(&self.pool, &self.keys, id, actor, now).await
            }
        }
    };
}
pub(crate) use reports_impl;
