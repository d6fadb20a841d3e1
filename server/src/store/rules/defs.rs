//! The rules themselves and the facts they read: saving and archiving specs (audited),
//! the shipped set installed once, and the customers and open invoices as rules see
//! them at a date. Reads only what was posted up to that date.
macro_rules! rule_defs_impl {
    ($store:ty, $db:ty) => {
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
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
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
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
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
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, "system", now).await?;
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
        }
    };
}
pub(crate) use rule_defs_impl;
