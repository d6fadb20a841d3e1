//! Credit scoring's storage, shared by both backends (`scoring_fns!` expands inside
//! `sqlite.rs` and `postgres.rs` through `impl_store!`): model versions, the customers'
//! ledger histories scoring reads, runs, scores, grade changes and the manual factors.
//!
//! Invariants:
//! - Model specs are parsed whole on the way in (`ScoringModel::try_from`, by the caller)
//!   and again on the way out, so a stored version the code no longer accepts is an error
//!   naming it, never a model applied half-understood. Versions are only ever added.
//! - A run is claimed by inserting its unique key; only the inserting caller gets a lease.
//!   Every page it records first renews the lease under the ledger's writers' lock (`begin`
//!   takes the audit head), and a page whose lease was taken over writes nothing. A run
//!   left unfinished is taken over only once its lease is stale, and resumes after the
//!   last customer it scored. With the unique (run, customer) index, each customer is
//!   scored at most once per run whoever writes the page.
//! - A grade change commits with its score, its audit row (`customer` / `update`,
//!   `{"grade": …}` before and after, which the credit report's `customer_changes` reads)
//!   and the move of the customer's history between the cockpit's grade slices
//!   (`regrade`), or not at all.
//! - `scoring_subjects` pages by customer id and reads a page's invoices and allocations
//!   by the id range, so a run over the whole book holds one page in memory.
use app::domain::scoring::{ModelDraft, ScoringModel};
use rust_decimal::Decimal;
use std::str::FromStr;

/// A stored spec back to a model, or an error naming its version.
pub(crate) fn parse_model(
    version: i64,
    spec: &str,
) -> Result<ScoringModel, app::store::StoreError> {
    let bad =
        |e: String| app::store::StoreError::Other(format!("scoring model version {version}: {e}"));
    let draft: ModelDraft = serde_json::from_str(spec).map_err(|e| bad(e.to_string()))?;
    ScoringModel::try_from(draft).map_err(|errors| {
        bad(errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "))
    })
}

/// A decimal kept as text, or an error naming the column.
pub(crate) fn decimal(what: &str, text: &str) -> Result<Decimal, app::store::StoreError> {
    Decimal::from_str(text.trim())
        .map_err(|_| crate::store::corrupt(format!("{what} '{text}' is not a decimal")))
}

/// The settling document of an allocation row (exactly one of the three ids is set).
pub(crate) fn settlement_source(
    payment: Option<i64>,
    credit_note: Option<i64>,
    write_off: Option<i64>,
) -> Result<(app::domain::indicators::SettlementKind, i64), app::store::StoreError> {
    use app::domain::indicators::SettlementKind;
    match (payment, credit_note, write_off) {
        (Some(id), None, None) => Ok((SettlementKind::Payment, id)),
        (None, Some(id), None) => Ok((SettlementKind::CreditNote, id)),
        (None, None, Some(id)) => Ok((SettlementKind::WriteOff, id)),
        _ => Err(crate::store::corrupt(
            "an allocation without exactly one source document",
        )),
    }
}

/// The audit text of a customer's manual factors.
pub(crate) fn factors_json(capital_minor: Option<i64>, rating: Option<&str>) -> String {
    let capital = capital_minor.map(|m| {
        app::domain::money::Money::from_minor(m, app::domain::BOOK_CURRENCY)
            .amount()
            .to_string()
    });
    serde_json::json!({ "registered_capital": capital, "external_rating": rating }).to_string()
}

/// Scoring runs: the subjects, model versions, the run lease and the scores recorded.
macro_rules! scoring_run_fns {
    ($db:ty) => {
        async fn scoring_subjects_in(
            pool: &sqlx::Pool<$db>,
            after_id: i64,
            limit: i64,
            only: Option<i64>,
            upto: chrono::NaiveDate,
        ) -> Result<Vec<app::store::ScoringSubject>, app::store::StoreError> {
            use app::domain::indicators::{InvoiceHistory, LedgerHistory, Settlement};
            use std::collections::HashMap;
            let db = $crate::store::db_err;
            let customers = sqlx::query(
                "SELECT c.id, c.code, c.grade, c.currency, c.created_at, f.registered_capital_minor, f.external_rating, r.factor \
                   FROM customers c LEFT JOIN customer_factors f ON f.customer_id = c.id \
                   LEFT JOIN industry_risk r ON r.industry = c.industry \
                  WHERE c.id > $1 AND (CAST($2 AS BIGINT) IS NULL OR c.id = $2) ORDER BY c.id LIMIT $3",
            )
            .bind(after_id)
            .bind(only)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(db)?;
            let mut out = Vec::with_capacity(customers.len());
            let mut index: HashMap<i64, usize> = HashMap::new();
            for r in &customers {
                let id: i64 = col(r, "id")?;
                let created: chrono::DateTime<chrono::Utc> = col(r, "created_at")?;
                index.insert(id, out.len());
                out.push(app::store::ScoringSubject {
                    customer_id: id,
                    code: col(r, "code")?,
                    grade: grade_of(r)?,
                    history: LedgerHistory { created_on: app::domain::business_date(created), currency: currency_of(r)?, invoices: Vec::new() },
                    factors: factors_of(r)?,
                });
            }
            let (Some(first), Some(last)) = (out.first().map(|s| s.customer_id), out.last().map(|s| s.customer_id)) else {
                return Ok(out);
            };
            // The page is every customer with an id in (first − 1, last]: read by that range.
            let lo = first - 1;
            let invoices = sqlx::query(
                "SELECT id, customer_id, invoice_date, due_date, amount_minor FROM invoices \
                  WHERE customer_id > $1 AND customer_id <= $2 AND invoice_date <= $3 ORDER BY customer_id, invoice_date, id",
            )
            .bind(lo)
            .bind(last)
            .bind(upto)
            .fetch_all(pool)
            .await
            .map_err(db)?;
            let mut at: HashMap<i64, (usize, usize)> = HashMap::with_capacity(invoices.len());
            for r in &invoices {
                let Some(&c) = index.get(&col::<i64>(r, "customer_id")?) else { continue };
                let list = &mut out[c].history.invoices;
                at.insert(col(r, "id")?, (c, list.len()));
                list.push(InvoiceHistory {
                    invoice_date: col(r, "invoice_date")?,
                    due_date: col(r, "due_date")?,
                    amount_minor: col(r, "amount_minor")?,
                    settlements: Vec::new(),
                });
            }
            let rows = sqlx::query(
                "SELECT a.invoice_id, a.allocated_on, a.amount_minor, a.payment_id, a.credit_note_id, a.write_off_id \
                   FROM allocations a JOIN invoices i ON i.id = a.invoice_id \
                  WHERE i.customer_id > $1 AND i.customer_id <= $2 AND i.invoice_date <= $3 AND a.allocated_on <= $3 ORDER BY a.id",
            )
            .bind(lo)
            .bind(last)
            .bind(upto)
            .fetch_all(pool)
            .await
            .map_err(db)?;
            for r in &rows {
                let Some(&(c, i)) = at.get(&col::<i64>(r, "invoice_id")?) else { continue };
                let (kind, source) = $crate::store::scoring::settlement_source(col(r, "payment_id")?, col(r, "credit_note_id")?, col(r, "write_off_id")?)?;
                out[c].history.invoices[i].settlements.push(Settlement { on: col(r, "allocated_on")?, amount_minor: col(r, "amount_minor")?, kind, source });
            }
            Ok(out)
        }

        async fn model_versions_in(pool: &sqlx::Pool<$db>) -> Result<Vec<app::records::ModelVersion>, app::store::StoreError> {
            let rows = sqlx::query("SELECT version, spec, note, created_by, created_at FROM scoring_models ORDER BY version")
                .fetch_all(pool)
                .await
                .map_err($crate::store::db_err)?;
            rows.iter()
                .map(|r| {
                    let version: i64 = col(r, "version")?;
                    Ok(app::records::ModelVersion {
                        version,
                        note: col(r, "note")?,
                        created_by: col(r, "created_by")?,
                        created_at: Some(col(r, "created_at")?),
                        model: $crate::store::scoring::parse_model(version, &text(r, "spec")?)?,
                    })
                })
                .collect()
        }

        async fn save_model_version_in(
            pool: &sqlx::Pool<$db>,
            keys: &$crate::vault::Keyring,
            model: &app::domain::scoring::ScoringModel,
            note: &str,
            actor: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<i64, app::store::StoreError> {
            let spec = serde_json::to_string(model).map_err(|e| app::store::StoreError::Other(e.to_string()))?;
            let (mut tx, mut chain) = begin(pool, keys, actor, now).await?;
            let version: i64 = sqlx::query_scalar(
                "INSERT INTO scoring_models (spec, note, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING version",
            )
            .bind(&spec)
            .bind(note)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err($crate::store::db_err)?;
            let mut e = app::store::AuditEntry::new("scoring_model", version.to_string(), "create");
            e.after = Some(spec);
            chain.push(e);
            commit(tx, chain).await?;
            Ok(version)
        }

        async fn claim_scoring_run_in(
            pool: &sqlx::Pool<$db>,
            run_key: &str,
            owner: &str,
            now: chrono::DateTime<chrono::Utc>,
            stale_before: chrono::DateTime<chrono::Utc>,
        ) -> Result<Option<app::store::RunLease>, app::store::StoreError> {
            let db = $crate::store::db_err;
            let lease = |id: i64, resume_after: i64| app::store::RunLease { id, owner: owner.to_string(), resume_after };
            let fresh: Option<i64> = sqlx::query_scalar(
                "INSERT INTO scoring_runs (run_key, owner, started_at, heartbeat_at) VALUES ($1, $2, $3, $3) \
                 ON CONFLICT (run_key) DO NOTHING RETURNING id",
            )
            .bind(run_key)
            .bind(owner)
            .bind(now)
            .fetch_optional(pool)
            .await
            .map_err(db)?;
            if let Some(id) = fresh {
                return Ok(Some(lease(id, 0)));
            }
            let taken: Option<i64> = sqlx::query_scalar(
                "UPDATE scoring_runs SET owner = $2, heartbeat_at = $3 \
                  WHERE run_key = $1 AND finished_at IS NULL AND heartbeat_at < $4 RETURNING id",
            )
            .bind(run_key)
            .bind(owner)
            .bind(now)
            .bind(stale_before)
            .fetch_optional(pool)
            .await
            .map_err(db)?;
            let Some(id) = taken else { return Ok(None) };
            let resume_after: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(MAX(customer_id), 0) AS BIGINT) FROM credit_scores WHERE run_id = $1")
                .bind(id)
                .fetch_one(pool)
                .await
                .map_err(db)?;
            Ok(Some(lease(id, resume_after)))
        }

        async fn record_scores_in(
            pool: &sqlx::Pool<$db>,
            keys: &$crate::vault::Keyring,
            lease: &app::store::RunLease,
            scores: &[app::store::NewScore],
            actor: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<u64, app::store::StoreError> {
            use sqlx::Row;
            use std::collections::{HashMap, HashSet};
            let db = $crate::store::db_err;
            let (mut tx, mut chain) = begin(pool, keys, actor, now).await?;
            hold_lease(&mut tx, $crate::store::ledger::RunTable::Scoring, lease.id, &lease.owner, now).await?;
            let mut inserted: HashSet<i64> = HashSet::new();
            for part in scores.chunks($crate::store::CHUNK / 10) {
                let mut lines = Vec::with_capacity(part.len());
                for s in part {
                    lines.push(serde_json::to_string(&s.card.lines).map_err(|e| app::store::StoreError::Other(e.to_string()))?);
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO credit_scores (customer_id, model_version, as_of, score, grade, lines, sales_12m_minor, currency, scored_at, run_id) ",
                );
                qb.push_values(part.iter().zip(lines), |mut b, (s, lines)| {
                    b.push_bind(s.customer_id)
                        .push_bind(s.model_version)
                        .push_bind(s.as_of)
                        .push_bind(s.card.score.to_string())
                        .push_bind(s.card.grade.as_str())
                        .push_bind(lines)
                        .push_bind(s.sales_12m.minor())
                        .push_bind(s.sales_12m.currency().code())
                        .push_bind(now)
                        .push_bind(lease.id);
                });
                qb.push(" ON CONFLICT (run_id, customer_id) DO NOTHING RETURNING customer_id");
                for r in qb.build().fetch_all(&mut *tx).await.map_err(db)? {
                    inserted.insert(r.try_get("customer_id").map_err(db)?);
                }
            }
            // Current grades, read under the writers' lock.
            let ids: Vec<i64> = inserted.iter().copied().collect();
            let mut current: HashMap<i64, (String, Option<String>)> = HashMap::new();
            for part in ids.chunks($crate::store::CHUNK) {
                for r in in_list("SELECT id, code, grade FROM customers WHERE id IN (", part).build().fetch_all(&mut *tx).await.map_err(db)? {
                    current.insert(r.try_get("id").map_err(db)?, (r.try_get("code").map_err(db)?, r.try_get("grade").map_err(db)?));
                }
            }
            let mut changes: HashMap<i64, (Option<String>, Option<String>)> = HashMap::new();
            for s in scores.iter().filter(|s| inserted.contains(&s.customer_id)) {
                let Some((code, was)) = current.get(&s.customer_id) else { continue };
                let now_grade = s.card.grade.as_str();
                if was.as_deref() == Some(now_grade) {
                    continue;
                }
                sqlx::query("UPDATE customers SET grade = $2 WHERE id = $1")
                    .bind(s.customer_id)
                    .bind(now_grade)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                let mut e = app::store::AuditEntry::new("customer", code.as_str(), "update");
                e.before = Some(serde_json::json!({ "grade": was }).to_string());
                e.after = Some(serde_json::json!({ "grade": now_grade }).to_string());
                chain.push(e);
                chain.raise(app::domain::events::DomainEvent::grade_changed(s.customer_id));
                changes.insert(s.customer_id, (was.clone(), Some(now_grade.to_string())));
            }
            regrade(&mut tx, &changes).await?;
            sqlx::query("UPDATE scoring_runs SET customers = customers + $2, changed = changed + $3 WHERE id = $1")
                .bind(lease.id)
                .bind(inserted.len() as i64)
                .bind(changes.len() as i64)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            commit(tx, chain).await?;
            Ok(changes.len() as u64)
        }
    };
}
pub(crate) use scoring_run_fns;

/// Runs, scores and their history, manual factors and industry risks.
macro_rules! score_read_fns {
    ($db:ty) => {
        fn scoring_run_of(r: &DbRow) -> Result<app::records::ScoringRun, app::store::StoreError> {
            Ok(app::records::ScoringRun {
                id: col(r, "id")?,
                run_key: col(r, "run_key")?,
                started_at: col(r, "started_at")?,
                finished_at: col(r, "finished_at")?,
                customers: col(r, "customers")?,
                changed: col(r, "changed")?,
            })
        }

        async fn finish_scoring_run_in(
            pool: &sqlx::Pool<$db>,
            lease: &app::store::RunLease,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<app::records::ScoringRun, app::store::StoreError> {
            let row = sqlx::query(
                "UPDATE scoring_runs SET finished_at = $3, heartbeat_at = $3 WHERE id = $1 AND owner = $2 AND finished_at IS NULL \
                 RETURNING id, run_key, started_at, finished_at, customers, changed",
            )
            .bind(lease.id)
            .bind(&lease.owner)
            .bind(now)
            .fetch_optional(pool)
            .await
            .map_err($crate::store::db_err)?;
            match row {
                Some(r) => scoring_run_of(&r),
                None => Err(app::store::StoreError::Conflict(format!("scoring run {} is no longer held by this worker", lease.id))),
            }
        }

        async fn scoring_runs_in(pool: &sqlx::Pool<$db>, limit: i64) -> Result<Vec<app::records::ScoringRun>, app::store::StoreError> {
            let rows = sqlx::query("SELECT id, run_key, started_at, finished_at, customers, changed FROM scoring_runs ORDER BY id DESC LIMIT $1")
                .bind(limit)
                .fetch_all(pool)
                .await
                .map_err($crate::store::db_err)?;
            rows.iter().map(scoring_run_of).collect()
        }

        fn score_grade(r: &DbRow) -> Result<app::domain::customer::Grade, app::store::StoreError> {
            grade_of(r)?.ok_or_else(|| $crate::store::corrupt("a credit score without a grade"))
        }

        async fn latest_score_in(pool: &sqlx::Pool<$db>, customer_id: i64) -> Result<Option<app::records::StoredScore>, app::store::StoreError> {
            let row = sqlx::query(
                "SELECT customer_id, model_version, as_of, score, grade, lines, sales_12m_minor, currency, scored_at, run_id \
                   FROM credit_scores WHERE customer_id = $1 ORDER BY id DESC LIMIT 1",
            )
            .bind(customer_id)
            .fetch_optional(pool)
            .await
            .map_err($crate::store::db_err)?;
            let Some(r) = row else { return Ok(None) };
            let lines: String = col(&r, "lines")?;
            Ok(Some(app::records::StoredScore {
                customer_id: col(&r, "customer_id")?,
                model_version: col(&r, "model_version")?,
                as_of: col(&r, "as_of")?,
                card: app::domain::scoring::Scorecard {
                    score: $crate::store::scoring::decimal("score", &text(&r, "score")?)?,
                    grade: score_grade(&r)?,
                    lines: serde_json::from_str(&lines).map_err(|e| $crate::store::corrupt(format!("score lines: {e}")))?,
                },
                sales_12m: app::domain::money::Money::from_minor(col(&r, "sales_12m_minor")?, currency_of(&r)?),
                scored_at: col(&r, "scored_at")?,
                run_id: col(&r, "run_id")?,
            }))
        }

        async fn score_history_in(pool: &sqlx::Pool<$db>, customer_id: i64, limit: i64) -> Result<Vec<app::records::ScorePoint>, app::store::StoreError> {
            let rows = sqlx::query("SELECT as_of, score, grade, model_version FROM credit_scores WHERE customer_id = $1 ORDER BY id DESC LIMIT $2")
                .bind(customer_id)
                .bind(limit)
                .fetch_all(pool)
                .await
                .map_err($crate::store::db_err)?;
            let mut out = rows
                .iter()
                .map(|r| {
                    Ok(app::records::ScorePoint {
                        as_of: col(r, "as_of")?,
                        score: $crate::store::scoring::decimal("score", &text(r, "score")?)?,
                        grade: score_grade(r)?,
                        model_version: col(r, "model_version")?,
                    })
                })
                .collect::<Result<Vec<_>, app::store::StoreError>>()?;
            out.reverse();
            Ok(out)
        }

        /// The manual factors of a row with `registered_capital_minor`, `external_rating`
        /// and the industry's `factor`.
        fn factors_of(r: &DbRow) -> Result<app::domain::indicators::ManualFactors, app::store::StoreError> {
            let capital: Option<i64> = col(r, "registered_capital_minor")?;
            let rating: Option<String> = col(r, "external_rating")?;
            let factor: Option<String> = col(r, "factor")?;
            Ok(app::domain::indicators::ManualFactors {
                registered_capital: capital.map(|m| app::domain::money::Money::from_minor(m, app::domain::BOOK_CURRENCY)),
                industry_risk: factor.map(|f| $crate::store::scoring::decimal("industry risk factor", &f)).transpose()?,
                external_rating: rating.map(|x| $crate::store::scoring::decimal("external rating", &x)).transpose()?,
            })
        }

        async fn customer_factors_in(pool: &sqlx::Pool<$db>, customer_id: i64) -> Result<app::domain::indicators::ManualFactors, app::store::StoreError> {
            let row = sqlx::query(
                "SELECT f.registered_capital_minor, f.external_rating, r.factor FROM customers c \
                   LEFT JOIN customer_factors f ON f.customer_id = c.id LEFT JOIN industry_risk r ON r.industry = c.industry WHERE c.id = $1",
            )
            .bind(customer_id)
            .fetch_optional(pool)
            .await
            .map_err($crate::store::db_err)?;
            factors_of(&row.ok_or(app::store::StoreError::NotFound)?)
        }

        async fn set_customer_factors_in(
            pool: &sqlx::Pool<$db>,
            keys: &$crate::vault::Keyring,
            customer_id: i64,
            capital: Option<app::domain::money::Money>,
            rating: Option<rust_decimal::Decimal>,
            actor: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            if capital.is_some_and(|m| m.currency() != app::domain::BOOK_CURRENCY || m.is_negative()) {
                let message = format!("must be zero or more in {}", app::domain::BOOK_CURRENCY.code());
                return Err(app::store::StoreError::Rejected(app::domain::documents::FieldError::new("registered_capital", message)));
            }
            let (mut tx, mut chain) = begin(pool, keys, actor, now).await?;
            let code: String = sqlx::query_scalar("SELECT code FROM customers WHERE id = $1")
                .bind(customer_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .ok_or(app::store::StoreError::NotFound)?;
            let before = sqlx::query("SELECT registered_capital_minor, external_rating FROM customer_factors WHERE customer_id = $1")
                .bind(customer_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            let before = match before {
                Some(r) => $crate::store::scoring::factors_json(r.try_get("registered_capital_minor").map_err(db)?, r.try_get::<Option<String>, _>("external_rating").map_err(db)?.as_deref()),
                None => $crate::store::scoring::factors_json(None, None),
            };
            let rating = rating.map(|r| r.normalize().to_string());
            sqlx::query(
                "INSERT INTO customer_factors (customer_id, registered_capital_minor, external_rating) VALUES ($1, $2, $3) \
                 ON CONFLICT (customer_id) DO UPDATE SET registered_capital_minor = $2, external_rating = $3",
            )
            .bind(customer_id)
            .bind(capital.map(|m| m.minor()))
            .bind(rating.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            let mut e = app::store::AuditEntry::new("customer_factors", code, "update");
            e.before = Some(before);
            e.after = Some($crate::store::scoring::factors_json(capital.map(|m| m.minor()), rating.as_deref()));
            chain.push(e);
            commit(tx, chain).await
        }

        async fn industry_risks_in(pool: &sqlx::Pool<$db>) -> Result<Vec<(String, Option<rust_decimal::Decimal>)>, app::store::StoreError> {
            let rows = sqlx::query(
                "SELECT k.industry, r.factor FROM (SELECT industry FROM customers UNION SELECT industry FROM industry_risk) k \
                   LEFT JOIN industry_risk r ON r.industry = k.industry ORDER BY k.industry",
            )
            .fetch_all(pool)
            .await
            .map_err($crate::store::db_err)?;
            rows.iter()
                .map(|r| {
                    let factor: Option<String> = col(r, "factor")?;
                    Ok((col(r, "industry")?, factor.map(|f| $crate::store::scoring::decimal("industry risk factor", &f)).transpose()?))
                })
                .collect()
        }

        async fn set_industry_risk_in(
            pool: &sqlx::Pool<$db>,
            keys: &$crate::vault::Keyring,
            industry: &str,
            factor: rust_decimal::Decimal,
            actor: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), app::store::StoreError> {
            let db = $crate::store::db_err;
            let (mut tx, mut chain) = begin(pool, keys, actor, now).await?;
            let before: Option<String> = sqlx::query_scalar("SELECT factor FROM industry_risk WHERE industry = $1")
                .bind(industry)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            let factor = factor.normalize().to_string();
            sqlx::query("INSERT INTO industry_risk (industry, factor) VALUES ($1, $2) ON CONFLICT (industry) DO UPDATE SET factor = $2")
                .bind(industry)
                .bind(&factor)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let mut e = app::store::AuditEntry::new("industry_risk", industry, "update");
            e.before = before;
            e.after = Some(factor);
            chain.push(e);
            commit(tx, chain).await
        }
    };
}
pub(crate) use score_read_fns;

macro_rules! scoring_fns {
    ($db:ty) => {
        $crate::store::scoring::scoring_run_fns!($db);
        $crate::store::scoring::score_read_fns!($db);
    };
}
pub(crate) use scoring_fns;

/// `app::store::ScoringStore` for both backends: credit scoring. Expanded once per backend
/// by `impl_store!`; the SQL is shared (see `store/mod.rs`).
macro_rules! scoring_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::ScoringStore for $store {
            // --- credit scoring (server/src/store/scoring.rs)
            async fn scoring_subjects(
                &self,
                after_id: i64,
                limit: i64,
                only: Option<i64>,
                upto: chrono::NaiveDate,
            ) -> Result<Vec<app::store::ScoringSubject>, app::store::StoreError> {
                scoring_subjects_in(&self.pool, after_id, limit, only, upto).await
            }

            async fn model_versions(
                &self,
            ) -> Result<Vec<app::records::ModelVersion>, app::store::StoreError> {
                model_versions_in(&self.pool).await
            }

            async fn save_model_version(
                &self,
                model: &app::domain::scoring::ScoringModel,
                note: &str,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, app::store::StoreError> {
                save_model_version_in(&self.pool, &self.keys, model, note, actor, now).await
            }

            async fn claim_scoring_run(
                &self,
                run_key: &str,
                owner: &str,
                now: chrono::DateTime<chrono::Utc>,
                stale_before: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<app::store::RunLease>, app::store::StoreError> {
                claim_scoring_run_in(&self.pool, run_key, owner, now, stale_before).await
            }

            async fn record_scores(
                &self,
                lease: &app::store::RunLease,
                scores: &[app::store::NewScore],
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, app::store::StoreError> {
                record_scores_in(&self.pool, &self.keys, lease, scores, actor, now).await
            }

            async fn finish_scoring_run(
                &self,
                lease: &app::store::RunLease,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<app::records::ScoringRun, app::store::StoreError> {
                finish_scoring_run_in(&self.pool, lease, now).await
            }

            async fn scoring_runs(
                &self,
                limit: i64,
            ) -> Result<Vec<app::records::ScoringRun>, app::store::StoreError> {
                scoring_runs_in(&self.pool, limit).await
            }

            async fn latest_score(
                &self,
                customer_id: i64,
            ) -> Result<Option<app::records::StoredScore>, app::store::StoreError> {
                latest_score_in(&self.pool, customer_id).await
            }

            async fn score_history(
                &self,
                customer_id: i64,
                limit: i64,
            ) -> Result<Vec<app::records::ScorePoint>, app::store::StoreError> {
                score_history_in(&self.pool, customer_id, limit).await
            }

            async fn customer_factors(
                &self,
                customer_id: i64,
            ) -> Result<app::domain::indicators::ManualFactors, app::store::StoreError> {
                customer_factors_in(&self.pool, customer_id).await
            }

            async fn set_customer_factors(
                &self,
                customer_id: i64,
                registered_capital: Option<app::domain::money::Money>,
                external_rating: Option<rust_decimal::Decimal>,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                set_customer_factors_in(
                    &self.pool,
                    &self.keys,
                    customer_id,
                    registered_capital,
                    external_rating,
                    actor,
                    now,
                )
                .await
            }

            async fn industry_risks(
                &self,
            ) -> Result<Vec<(String, Option<rust_decimal::Decimal>)>, app::store::StoreError> {
                industry_risks_in(&self.pool).await
            }

            async fn set_industry_risk(
                &self,
                industry: &str,
                factor: rust_decimal::Decimal,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                set_industry_risk_in(&self.pool, &self.keys, industry, factor, actor, now).await
            }
        }
    };
}
pub(crate) use scoring_impl;
