//! The ledger's writing transactions, shared by both backends (`ledger_fns!` expands
//! inside `sqlite.rs` and `postgres.rs` through `impl_store!`).
//!
//! Every write follows one shape, which is what makes the ledger hard to corrupt:
//! 1. `begin` opens a transaction whose *first* statement updates the audit chain's
//!    head row. That takes the database's write lock (SQLite) or the head's row lock
//!    (PostgreSQL) before anything is read, so writers are serialised and every read
//!    below sees the latest committed balances — no lost updates, no over-allocation
//!    between two concurrent payments, no SQLite "busy snapshot" upgrade failures.
//! 2. The documents are checked against the current state (open amounts, tolerance,
//!    customer) and inserted; the derived balances are adjusted by the same amounts.
//! 3. `commit` applies what the write moved to the cockpit's aggregates
//!    (`store::aggregates`), appends the MAC-chained audit rows (`chain_mac`), moves the head, saves the
//!    Idempotency-Key response the write answered (if a `Claim` asked for one), and
//!    commits: an API write and its stored response exist together or not at all.
//!
//! Any error returns before commit, and dropping the transaction rolls everything back.

/// The audit chain being extended inside one transaction.
pub(crate) struct Chain {
    last_id: i64,
    last_hash: String,
    /// The keyring's audit MAC (`vault::Keyring::audit`), keyed once per store.
    mac: crate::vault::HmacSha256,
    pub(crate) at: chrono::DateTime<chrono::Utc>,
    pub(crate) actor: String,
    pub(crate) rows: Vec<ChainRow>,
    /// The idempotency claim this transaction answers, with its response (`answer`).
    pub(crate) answer: Option<(
        std::sync::Arc<app::store::Claim>,
        app::store::StoredResponse,
    )>,
    /// What the write moved in the cockpit's aggregates, applied by `commit`.
    pub(crate) moves: crate::store::aggregates::Moves,
    /// The domain events the write caused, recorded by `commit` with it.
    pub(crate) events: Vec<(app::domain::events::DomainEvent, Option<i64>)>,
    /// The rule whose actions are being applied: the cause of the events they raise.
    pub(crate) cause: Option<i64>,
}

pub(crate) struct ChainRow {
    pub id: i64,
    pub entry: app::store::AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

impl Chain {
    pub(crate) fn new(
        last_id: i64,
        last_hash: String,
        mac: &crate::vault::HmacSha256,
        at: chrono::DateTime<chrono::Utc>,
        actor: &str,
    ) -> Chain {
        use chrono::SubsecRound;
        // Both databases keep microseconds; hashing the stored precision keeps verify exact.
        Chain {
            last_id,
            last_hash,
            mac: mac.clone(),
            at: at.trunc_subsecs(6),
            actor: actor.to_string(),
            rows: Vec::new(),
            answer: None,
            moves: Default::default(),
            events: Vec::new(),
            cause: None,
        }
    }

    /// Renders `claim`'s response to what this transaction wrote; `commit` saves it
    /// with the write. No claim, nothing to do.
    pub(crate) fn answer(
        &mut self,
        claim: Option<&std::sync::Arc<app::store::Claim>>,
        written: app::store::Written<'_>,
    ) -> Result<(), app::store::StoreError> {
        let Some(claim) = claim else { return Ok(()) };
        let (status, body) = (claim.respond)(written).ok_or_else(|| {
            app::store::StoreError::Other(
                "the idempotency claim has no response for this write".into(),
            )
        })?;
        let response = app::store::StoredResponse {
            request_hash: claim.request_hash.clone(),
            status,
            body,
        };
        self.answer = Some((claim.clone(), response));
        Ok(())
    }

    /// Records a domain event of this write (see `domain::events`).
    pub(crate) fn raise(&mut self, event: app::domain::events::DomainEvent) {
        self.events.push((event, self.cause));
    }

    pub(crate) fn push(&mut self, entry: app::store::AuditEntry) {
        let id = self.last_id + 1;
        let hash = chain_mac(
            &self.mac,
            &self.last_hash,
            id,
            &self.at,
            &self.actor,
            &entry,
        );
        let prev_hash = std::mem::replace(&mut self.last_hash, hash.clone());
        self.last_id = id;
        self.rows.push(ChainRow {
            id,
            entry,
            prev_hash,
            hash,
        });
    }
}

/// HMAC-SHA256, under the keyring's audit key, over the previous MAC and the row's
/// canonical content: without the key nobody can recompute a changed row's MAC, nor any
/// after it.
pub fn chain_mac(
    mac: &crate::vault::HmacSha256,
    prev: &str,
    id: i64,
    at: &chrono::DateTime<chrono::Utc>,
    actor: &str,
    e: &app::store::AuditEntry,
) -> String {
    use hmac::Mac;
    let mut m = mac.clone();
    chain_parts(prev, id, at, actor, e, |b| m.update(b));
    hex::encode(m.finalize().into_bytes())
}

/// The plain SHA-256 chain of databases written before the chain was keyed: read only to
/// check such a trail once before it is re-keyed (`audit::rekey_legacy`).
pub fn legacy_chain_hash(
    prev: &str,
    id: i64,
    at: &chrono::DateTime<chrono::Utc>,
    actor: &str,
    e: &app::store::AuditEntry,
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    chain_parts(prev, id, at, actor, e, |b| h.update(b));
    hex::encode(h.finalize())
}

/// Feeds the row's fields, each length-prefixed so that no choice of contents can collide
/// with another split of the same bytes.
fn chain_parts(
    prev: &str,
    id: i64,
    at: &chrono::DateTime<chrono::Utc>,
    actor: &str,
    e: &app::store::AuditEntry,
    mut feed: impl FnMut(&[u8]),
) {
    let at = at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    for part in [
        prev,
        &id.to_string(),
        &at,
        actor,
        &e.entity,
        &e.entity_key,
        &e.action,
        e.before.as_deref().unwrap_or("\u{0}"),
        e.after.as_deref().unwrap_or("\u{0}"),
    ] {
        feed(&(part.len() as u64).to_be_bytes());
        feed(part.as_bytes());
    }
}

/// A credit-side document that settles invoices through `allocations`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Payment,
    CreditNote,
    WriteOff,
}

impl Source {
    /// Its column in `allocations` and `reversals`.
    pub(crate) fn column(self) -> &'static str {
        match self {
            Source::Payment => "payment_id",
            Source::CreditNote => "credit_note_id",
            Source::WriteOff => "write_off_id",
        }
    }

    /// Its name in the audit trail.
    pub(crate) fn entity(self) -> &'static str {
        match self {
            Source::Payment => "payment",
            Source::CreditNote => "credit_note",
            Source::WriteOff => "write_off",
        }
    }

    /// Finds the document to reverse: id, customer, amount, date and whether it is
    /// already reversed. A write-off is named by its invoice (the latest one on it).
    pub(crate) fn reversible(doc: &app::store::Reversible) -> (Source, &'static str, &str) {
        use app::store::Reversible;
        match doc {
            Reversible::Payment(r) => (
                Source::Payment,
                "SELECT d.id, d.customer_id, d.amount_minor, d.received_on AS doc_date, \
                        EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = d.id) AS reversed \
                 FROM payments d WHERE d.reference = $1",
                r,
            ),
            Reversible::CreditNote(n) => (
                Source::CreditNote,
                "SELECT d.id, d.customer_id, d.amount_minor, d.issued_on AS doc_date, \
                        EXISTS (SELECT 1 FROM reversals r WHERE r.credit_note_id = d.id) AS reversed \
                 FROM credit_notes d WHERE d.number = $1",
                n,
            ),
            Reversible::WriteOff(invoice) => (
                Source::WriteOff,
                "SELECT d.id, i.customer_id, d.amount_minor, d.written_on AS doc_date, \
                        EXISTS (SELECT 1 FROM reversals r WHERE r.write_off_id = d.id) AS reversed \
                 FROM write_offs d JOIN invoices i ON i.id = d.invoice_id WHERE i.number = $1 ORDER BY d.id DESC LIMIT 1",
                invoice,
            ),
        }
    }
}

/// `settings::BANK_BILLS_IN_EXPOSURE`, or its default when the stored value no longer
/// parses (the credit check keeps working).
pub(crate) async fn bank_bills_in_exposure(
    store: &dyn app::store::SettingsStore,
) -> Result<bool, app::store::StoreError> {
    let setting = &app::domain::settings::BANK_BILLS_IN_EXPOSURE;
    app::settings::get_or_default(store, setting).await
}

/// `position_of`'s row for customer $1 at $2, bank bills counted when $3: the maintained
/// balances, the oldest open due date, and the group's limit and members' exposure.
pub(crate) fn position_sql() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use super::bills::at_risk;
        format!(
            "SELECT c.status, c.payment_method, c.currency, c.credit_limit_minor, c.temp_limit_minor, c.temp_limit_expires_on, \
                    b.open_invoices_minor, b.open_orders_minor, b.unallocated_minor, {} AS bills_minor, \
                    (SELECT MIN(ib.due_date) FROM invoice_balances ib WHERE ib.customer_id = c.id AND ib.open_minor > 0) AS oldest_due, \
                    g.limit_minor AS group_limit_minor, \
                    (SELECT CAST(SUM(gb.open_invoices_minor + gb.open_orders_minor - gb.unallocated_minor) AS BIGINT) \
                       FROM customers gc JOIN customer_balances gb ON gb.customer_id = gc.id WHERE gc.group_id = c.group_id) + {} AS group_exposure_minor \
             FROM customers c JOIN customer_balances b ON b.customer_id = c.id \
             LEFT JOIN customer_groups g ON g.id = c.group_id WHERE c.id = $1",
            at_risk("c.id"),
            at_risk("SELECT gc.id FROM customers gc WHERE gc.group_id = c.group_id"),
        )
    });
    &SQL
}

pub(crate) fn rejected(field: &str, message: impl Into<String>) -> app::store::StoreError {
    app::store::StoreError::Rejected(app::domain::documents::FieldError::new(field, message))
}

/// The run tables whose rows are leases (owner, heartbeat_at, finished_at).
#[derive(Debug, Clone, Copy)]
pub(crate) enum RunTable {
    Scoring,
    Rules,
}

impl RunTable {
    pub(crate) fn renew_sql(self) -> &'static str {
        match self {
            RunTable::Scoring => "UPDATE scoring_runs SET heartbeat_at = $3 WHERE id = $1 AND owner = $2 AND finished_at IS NULL",
            RunTable::Rules => "UPDATE rule_runs SET heartbeat_at = $3 WHERE id = $1 AND owner = $2 AND finished_at IS NULL",
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            RunTable::Scoring => "scoring run",
            RunTable::Rules => "rule run",
        }
    }
}

/// The unit of work (begin, commit, lease) and the reads every posting makes in it.
macro_rules! ledger_unit_fns {
    ($db:ty) => {
        type Tx = sqlx::Transaction<'static, $db>;
        $crate::store::aggregates::aggregate_fns!($db);

        /// Opens a writing transaction, taking the audit head first (see module docs).
        async fn begin(
            pool: &sqlx::Pool<$db>,
            keys: &$crate::vault::Keyring,
            actor: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(Tx, $crate::store::ledger::Chain), app::store::StoreError> {
            use sqlx::Row;
            let mut tx = pool.begin().await.map_err($crate::store::db_err)?;
            let row = sqlx::query("UPDATE audit_head SET last_id = last_id WHERE id = 1 RETURNING last_id, last_hash")
                .fetch_one(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
            let chain = $crate::store::ledger::Chain::new(
                row.try_get("last_id").map_err($crate::store::db_err)?,
                row.try_get("last_hash").map_err($crate::store::db_err)?,
                &keys.audit,
                now,
                actor,
            );
            Ok((tx, chain))
        }

        /// Renews a run's lease inside a writing transaction (the scoring run or rule
        /// run `id`, held by `owner`); a lease taken over or finished is `Conflict`, so a
        /// worker that lost it writes nothing.
        async fn hold_lease(
            tx: &mut Tx,
            table: $crate::store::ledger::RunTable,
            id: i64,
            owner: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), app::store::StoreError> {
            let held = sqlx::query(table.renew_sql())
                .bind(id)
                .bind(owner)
                .bind(now)
                .execute(&mut **tx)
                .await
                .map_err($crate::store::db_err)?
                .rows_affected();
            if held == 1 {
                Ok(())
            } else {
                Err(app::store::StoreError::Conflict(format!("{} {id} is no longer held by this worker", table.noun())))
            }
        }

        /// Appends the chain's rows, moves the head, commits.
        async fn commit(mut tx: Tx, mut chain: $crate::store::ledger::Chain) -> Result<(), app::store::StoreError> {
            apply_moves(&mut tx, &mut chain.moves).await?;
            for part in chain.rows.chunks($crate::store::CHUNK / 2) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO audit_log (id, at, actor, entity, entity_key, action, before, after, prev_hash, hash) ",
                );
                qb.push_values(part, |mut b, r| {
                    b.push_bind(r.id)
                        .push_bind(chain.at)
                        .push_bind(chain.actor.clone())
                        .push_bind(r.entry.entity.clone())
                        .push_bind(r.entry.entity_key.clone())
                        .push_bind(r.entry.action.clone())
                        .push_bind(r.entry.before.clone())
                        .push_bind(r.entry.after.clone())
                        .push_bind(r.prev_hash.clone())
                        .push_bind(r.hash.clone());
                });
                qb.build().execute(&mut *tx).await.map_err($crate::store::db_err)?;
            }
            if let Some(last) = chain.rows.last() {
                sqlx::query("UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1")
                    .bind(last.id)
                    .bind(&last.hash)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
            }
            for part in chain.events.chunks($crate::store::CHUNK / 2) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO domain_events (kind, customer_id, invoice_id, subject_id, caused_by_rule, occurred_at) ",
                );
                qb.push_values(part, |mut b, (e, cause)| {
                    b.push_bind(e.kind.as_str())
                        .push_bind(e.customer_id)
                        .push_bind(e.invoice_id)
                        .push_bind(e.subject_id)
                        .push_bind(*cause)
                        .push_bind(chain.at);
                });
                qb.build().execute(&mut *tx).await.map_err($crate::store::db_err)?;
            }
            if let Some((claim, response)) = &chain.answer {
                sqlx::query(
                    "INSERT INTO idempotency_keys (api_key_id, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(claim.api_key_id)
                .bind(&claim.key)
                .bind(&response.request_hash)
                .bind(i32::from(response.status))
                .bind(&response.body)
                .bind(chain.at)
                .execute(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
            }
            tx.commit().await.map_err($crate::store::db_err)?;
            if let Some((claim, response)) = chain.answer {
                claim.committed(response);
            }
            Ok(())
        }

        /// Adds deltas (minor units) to a customer's maintained balances.
        async fn bump(tx: &mut Tx, customer: i64, invoices: i64, orders: i64, unallocated: i64) -> Result<(), app::store::StoreError> {
            if invoices == 0 && orders == 0 && unallocated == 0 {
                return Ok(());
            }
            let n = sqlx::query(
                "UPDATE customer_balances SET open_invoices_minor = open_invoices_minor + $2, \
                 open_orders_minor = open_orders_minor + $3, unallocated_minor = unallocated_minor + $4 WHERE customer_id = $1",
            )
            .bind(customer)
            .bind(invoices)
            .bind(orders)
            .bind(unallocated)
            .execute(&mut **tx)
            .await
            .map_err($crate::store::db_err)?
            .rows_affected();
            if n != 1 {
                return Err($crate::store::ledger::rejected("customer_code", "no such customer"));
            }
            Ok(())
        }

        /// Writes one allocation row from `source` (negative when it belongs to a
        /// reversal) and moves the invoice's maintained open amount by the opposite, and
        /// its amount unpaid at the due date when the allocation is dated by then.
        #[allow(clippy::too_many_arguments)]
        async fn settle(
            tx: &mut Tx,
            chain: &mut $crate::store::ledger::Chain,
            source: $crate::store::ledger::Source,
            source_id: i64,
            reversal: Option<i64>,
            invoice: i64,
            amount_minor: i64,
            on: chrono::NaiveDate,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), app::store::StoreError> {
            sqlx::query(&format!(
                "INSERT INTO allocations ({}, reversal_id, invoice_id, amount_minor, allocated_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                source.column()
            ))
            .bind(source_id)
            .bind(reversal)
            .bind(invoice)
            .bind(amount_minor)
            .bind(on)
            .bind(now)
            .execute(&mut **tx)
            .await
            .map_err($crate::store::db_err)?;
            let row = sqlx::query(
                "UPDATE invoice_balances SET open_minor = open_minor - $2, \
                        unpaid_at_due_minor = unpaid_at_due_minor - CASE WHEN $3 <= due_date THEN $2 ELSE 0 END \
                  WHERE invoice_id = $1 RETURNING customer_id, due_date",
            )
                .bind(invoice)
                .bind(amount_minor)
                .bind(on)
                .fetch_one(&mut **tx)
                .await
                .map_err($crate::store::db_err)?;
            use sqlx::Row;
            let customer: i64 = row.try_get("customer_id").map_err($crate::store::db_err)?;
            let due: chrono::NaiveDate = row.try_get("due_date").map_err($crate::store::db_err)?;
            chain.moves.allocation(customer, invoice, on, due, amount_minor);
            Ok(())
        }

        /// An invoice by number with what is open on it now.
        async fn invoice_by_number(tx: &mut Tx, number: &str) -> Result<Option<OpenRow>, app::store::StoreError> {
            let row = sqlx::query(
                "SELECT i.id, i.number, i.customer_id, i.invoice_date, i.due_date, i.currency, b.open_minor \
                 FROM invoices i JOIN invoice_balances b ON b.invoice_id = i.id WHERE i.number = $1",
            )
            .bind(number)
            .fetch_optional(&mut **tx)
            .await
            .map_err($crate::store::db_err)?;
            row.map(|r| open_row(&r)).transpose()
        }

        struct OpenRow {
            id: i64,
            customer_id: i64,
            invoice: app::domain::allocation::OpenInvoice,
        }

        fn open_row(r: &DbRow) -> Result<OpenRow, app::store::StoreError> {
            use sqlx::Row;
            let currency = currency_of(r)?;
            let id: i64 = r.try_get("id").map_err($crate::store::db_err)?;
            Ok(OpenRow {
                id,
                customer_id: r.try_get("customer_id").map_err($crate::store::db_err)?,
                invoice: app::domain::allocation::OpenInvoice {
                    id,
                    number: r.try_get("number").map_err($crate::store::db_err)?,
                    invoice_date: r.try_get("invoice_date").map_err($crate::store::db_err)?,
                    due_date: r.try_get("due_date").map_err($crate::store::db_err)?,
                    open: app::domain::money::Money::from_minor(r.try_get("open_minor").map_err($crate::store::db_err)?, currency),
                },
            })
        }

        /// What an approved, uncancelled order still adds to exposure: its amount less
        /// what has been invoiced against it, never below zero. None for other orders.
        async fn order_open(tx: &mut Tx, customer: i64, number: &str) -> Result<Option<(i64, i64)>, app::store::StoreError> {
            use sqlx::Row;
            let row = sqlx::query(
                "SELECT o.id, o.amount_minor - COALESCE((SELECT CAST(SUM(i.amount_minor) AS BIGINT) FROM invoices i \
                                                         WHERE i.order_ref = o.number AND i.customer_id = o.customer_id), 0) AS open_minor \
                 FROM orders o WHERE o.number = $1 AND o.customer_id = $2 AND (o.decision = 'approved' OR EXISTS (SELECT 1 FROM order_releases r WHERE r.order_id = o.id)) \
                   AND NOT EXISTS (SELECT 1 FROM order_cancellations x WHERE x.order_id = o.id)",
            )
            .bind(number)
            .bind(customer)
            .fetch_optional(&mut **tx)
            .await
            .map_err($crate::store::db_err)?;
            row.map(|r| {
                let id: i64 = r.try_get("id").map_err($crate::store::db_err)?;
                let open: i64 = r.try_get("open_minor").map_err($crate::store::db_err)?;
                Ok((id, open.max(0)))
            })
            .transpose()
        }
    };
}
pub(crate) use ledger_unit_fns;

/// Posting documents: customers, invoices (with their events) and payments.
macro_rules! ledger_posting_fns {
    ($db:ty) => {

        async fn insert_customers_tx(
            tx: &mut Tx,
            chain: &mut $crate::store::ledger::Chain,
            customers: &[app::domain::customer::NewCustomer],
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<Vec<i64>, app::store::StoreError> {
            use sqlx::Row;
            let mut groups = std::collections::HashMap::new();
            for c in customers {
                if let Some(code) = c.group_code.as_ref().filter(|g| !groups.contains_key(*g)) {
                    let id = group_for(tx, code, c.credit_limit.currency()).await?;
                    groups.insert(code.clone(), id);
                }
            }
            let mut ids = std::collections::HashMap::new();
            for chunk in customers.chunks($crate::store::CHUNK) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO customers (code, name, uscc, region, industry, sales_rep_id, contact_name, contact_phone, contact_email, \
                     currency, payment_terms_days, credit_limit_minor, temp_limit_minor, temp_limit_expires_on, status, grade, created_at, group_id) ",
                );
                qb.push_values(chunk, |mut b, c| {
                    b.push_bind(c.code.as_str().to_string())
                        .push_bind(c.name.clone())
                        .push_bind(c.uscc.as_ref().map(|u| u.as_str().to_string()))
                        .push_bind(c.region.clone())
                        .push_bind(c.industry.clone())
                        .push_bind(c.sales_rep_id)
                        .push_bind(c.contact.name.clone())
                        .push_bind(c.contact.phone.clone())
                        .push_bind(c.contact.email.clone())
                        .push_bind(c.credit_limit.currency().code())
                        .push_bind(i32::from(c.payment_terms_days))
                        .push_bind(c.credit_limit.minor())
                        .push_bind(c.temp_limit.map(|(m, _)| m.minor()))
                        .push_bind(c.temp_limit.map(|(_, d)| d))
                        .push_bind(c.status.as_str())
                        .push_bind(c.grade.map(|g| g.as_str()))
                        .push_bind(now)
                        .push_bind(c.group_code.as_ref().map(|g| groups[g]));
                });
                qb.push(" RETURNING id, code");
                let mut new_ids = Vec::new();
                for row in qb.build().fetch_all(&mut **tx).await.map_err($crate::store::db_err)? {
                    let id: i64 = row.try_get("id").map_err($crate::store::db_err)?;
                    let code: String = row.try_get("code").map_err($crate::store::db_err)?;
                    ids.insert(code, id);
                    new_ids.push(id);
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO customer_balances (customer_id, open_invoices_minor, open_orders_minor, unallocated_minor) ",
                );
                qb.push_values(&new_ids, |mut b, id| {
                    b.push_bind(*id).push_bind(0i64).push_bind(0i64).push_bind(0i64);
                });
                qb.build().execute(&mut **tx).await.map_err($crate::store::db_err)?;
            }
            for c in customers {
                let mut e = app::store::AuditEntry::new("customer", c.code.as_str(), "create");
                e.after = Some(serde_json::to_string(c).map_err($crate::store::corrupt)?);
                chain.push(e);
            }
            customers
                .iter()
                .map(|c| ids.get(c.code.as_str()).copied().ok_or_else(|| $crate::store::corrupt("customer id not returned")))
                .collect()
        }

        async fn insert_invoices_tx(
            tx: &mut Tx,
            chain: &mut $crate::store::ledger::Chain,
            invoices: &[app::store::NewInvoice],
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<Vec<i64>, app::store::StoreError> {
            use sqlx::Row;
            use std::collections::HashMap;
            if let Some(bad) = invoices.iter().find(|i| i.amount.minor() <= 0 || i.due_date < i.invoice_date) {
                return Err($crate::store::ledger::rejected(
                    "amount",
                    format!("invoice {}: amount must be positive and due date on or after invoice date", bad.number),
                ));
            }
            // Invoices against an approved order release its open part (read before inserting).
            let mut by_order: HashMap<(i64, &str), i64> = HashMap::new();
            for i in invoices {
                if let Some(r) = &i.order_ref {
                    *by_order.entry((i.customer_id, r.as_str())).or_default() += i.amount.minor();
                }
            }
            let mut deltas: HashMap<i64, (i64, i64)> = HashMap::new(); // customer -> (invoices, orders)
            let refs: Vec<&str> = by_order.keys().map(|(_, r)| *r).collect::<std::collections::HashSet<_>>().into_iter().collect();
            let mut ordered = std::collections::HashSet::new();
            for part in refs.chunks($crate::store::CHUNK) {
                let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT number FROM orders WHERE number IN (");
                let mut sep = qb.separated(", ");
                for r in part {
                    sep.push_bind(r.to_string());
                }
                qb.push(")");
                for row in qb.build().fetch_all(&mut **tx).await.map_err($crate::store::db_err)? {
                    ordered.insert(row.try_get::<String, _>("number").map_err($crate::store::db_err)?);
                }
            }
            for ((customer, number), invoiced) in by_order.iter().filter(|((_, n), _)| ordered.contains(*n)) {
                if let Some((_, open)) = order_open(tx, *customer, number).await? {
                    deltas.entry(*customer).or_default().1 -= open.min(*invoiced);
                }
            }
            let mut ids = HashMap::new();
            for chunk in invoices.chunks($crate::store::CHUNK) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO invoices (number, customer_id, order_ref, invoice_date, ship_date, acceptance_date, due_date, \
                     amount_minor, currency, created_at) ",
                );
                qb.push_values(chunk, |mut b, i| {
                    b.push_bind(i.number.clone())
                        .push_bind(i.customer_id)
                        .push_bind(i.order_ref.clone())
                        .push_bind(i.invoice_date)
                        .push_bind(i.ship_date)
                        .push_bind(i.acceptance_date)
                        .push_bind(i.due_date)
                        .push_bind(i.amount.minor())
                        .push_bind(i.amount.currency().code())
                        .push_bind(now);
                });
                qb.push(" RETURNING id, number");
                for row in qb.build().fetch_all(&mut **tx).await.map_err($crate::store::db_err)? {
                    let id: i64 = row.try_get("id").map_err($crate::store::db_err)?;
                    let number: String = row.try_get("number").map_err($crate::store::db_err)?;
                    ids.insert(number, id);
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO invoice_balances (invoice_id, customer_id, due_date, open_minor, unpaid_at_due_minor) ",
                );
                qb.push_values(chunk, |mut b, i| {
                    b.push_bind(ids.get(&i.number).copied().unwrap_or_default())
                        .push_bind(i.customer_id)
                        .push_bind(i.due_date)
                        .push_bind(i.amount.minor())
                        .push_bind(i.amount.minor());
                });
                qb.build().execute(&mut **tx).await.map_err($crate::store::db_err)?;
            }
            for i in invoices {
                deltas.entry(i.customer_id).or_default().0 += i.amount.minor();
                chain.moves.invoice(i.customer_id, i.invoice_date, i.due_date, i.amount.minor());
                let mut e = app::store::AuditEntry::new("invoice", i.number.clone(), "post");
                e.after = Some(
                    serde_json::json!({
                        "customer_id": i.customer_id, "amount": i.amount.amount().to_string(), "currency": i.amount.currency().code(),
                        "invoice_date": i.invoice_date, "due_date": i.due_date, "order_ref": i.order_ref,
                        "ship_date": i.ship_date, "acceptance_date": i.acceptance_date,
                    })
                    .to_string(),
                );
                chain.push(e);
            }
            for (customer, (inv, ord)) in deltas {
                bump(tx, customer, inv, ord, 0).await?;
            }
            let ids: Vec<i64> = invoices
                .iter()
                .map(|i| ids.get(&i.number).copied().ok_or_else(|| $crate::store::corrupt("invoice id not returned")))
                .collect::<Result<_, _>>()?;
            invoice_events(tx, chain, invoices, &ids).await?;
            Ok(ids)
        }

        /// Records `invoice_created` for the invoices just inserted, with them. Under the
        /// writers' lock their ids are consecutive, and then one INSERT … SELECT over the
        /// range records them all (a bulk import binds three values, not six per invoice);
        /// otherwise each goes through the unit of work.
        async fn invoice_events(
            tx: &mut Tx,
            chain: &mut $crate::store::ledger::Chain,
            invoices: &[app::store::NewInvoice],
            ids: &[i64],
        ) -> Result<(), app::store::StoreError> {
            use app::domain::events::DomainEvent;
            let (Some(lo), Some(hi)) = (ids.iter().min(), ids.iter().max()) else { return Ok(()) };
            if hi - lo + 1 != ids.len() as i64 {
                for (i, id) in invoices.iter().zip(ids) {
                    chain.raise(DomainEvent::invoice_created(i.customer_id, *id));
                }
                return Ok(());
            }
            sqlx::query(
                "INSERT INTO domain_events (kind, customer_id, invoice_id, subject_id, caused_by_rule, occurred_at) \
                 SELECT $1, customer_id, id, id, CAST($2 AS BIGINT), $3 FROM invoices WHERE id >= $4 AND id <= $5 ORDER BY id",
            )
            .bind(app::domain::rules::EventKind::InvoiceCreated.as_str())
            .bind(chain.cause)
            .bind(chain.at)
            .bind(lo)
            .bind(hi)
            .execute(&mut **tx)
            .await
            .map_err($crate::store::db_err)?;
            Ok(())
        }

        async fn insert_payment_tx(
            tx: &mut Tx,
            chain: &mut $crate::store::ledger::Chain,
            p: &app::store::NewPayment,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<app::store::PostedPayment, app::store::StoreError> {
            use app::domain::allocation;
            use app::store::PaymentAllocation;
            let reject = |e: allocation::AllocationError| $crate::store::ledger::rejected("allocations", e.to_string());
            // FIFO reads every open invoice of the customer; a manual allocation only its own.
            let (open, plan) = match &p.allocation {
                PaymentAllocation::Fifo => {
                    let open: Vec<allocation::OpenInvoice> = sqlx::query(
                        "SELECT i.id, i.number, i.customer_id, i.invoice_date, i.due_date, i.currency, b.open_minor \
                         FROM invoice_balances b JOIN invoices i ON i.id = b.invoice_id \
                         WHERE b.customer_id = $1 AND b.open_minor > 0",
                    )
                    .bind(p.customer_id)
                    .fetch_all(&mut **tx)
                    .await
                    .map_err($crate::store::db_err)?
                    .iter()
                    .map(|r| open_row(r).map(|o| o.invoice))
                    .collect::<Result<_, _>>()?;
                    let plan = allocation::fifo(p.amount, &open).map_err(reject)?;
                    (open, plan)
                }
                PaymentAllocation::Manual(lines) => {
                    let mut open = Vec::with_capacity(lines.len());
                    let mut requested = Vec::with_capacity(lines.len());
                    for (i, (number, amount)) in lines.iter().enumerate() {
                        let field = format!("allocations[{i}].invoice_number");
                        let inv = match invoice_by_number(tx, number).await? {
                            None => return Err($crate::store::ledger::rejected(&field, format!("no invoice {number}"))),
                            Some(r) if r.customer_id != p.customer_id => {
                                return Err($crate::store::ledger::rejected(&field, format!("invoice {number} belongs to another customer")))
                            }
                            Some(r) => r.invoice,
                        };
                        requested.push((inv.id, *amount));
                        if !open.iter().any(|o: &allocation::OpenInvoice| o.id == inv.id) {
                            open.push(inv);
                        }
                    }
                    let plan = allocation::manual(p.amount, &open, &requested).map_err(reject)?;
                    (open, plan)
                }
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO payments (reference, customer_id, received_on, amount_minor, currency, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&p.reference)
            .bind(p.customer_id)
            .bind(p.received_on)
            .bind(p.amount.minor())
            .bind(p.amount.currency().code())
            .bind(now)
            .fetch_one(&mut **tx)
            .await
            .map_err($crate::store::db_err)?;
            let mut allocated = 0i64;
            let mut lines = Vec::with_capacity(plan.lines.len());
            for (invoice, amount) in &plan.lines {
                settle(tx, chain, $crate::store::ledger::Source::Payment, id, None, *invoice, amount.minor(), p.received_on, now).await?;
                allocated += amount.minor();
                let number = open.iter().find(|o| o.id == *invoice).map(|o| o.number.clone()).unwrap_or_default();
                lines.push((number, *amount));
            }
            bump(tx, p.customer_id, -allocated, 0, plan.unallocated.minor()).await?;
            chain.moves.cash(p.customer_id, p.received_on, p.amount.minor());
            let posted = app::store::PostedPayment { id, reference: p.reference.clone(), allocations: lines, unallocated: plan.unallocated };
            let mut e = app::store::AuditEntry::new("payment", p.reference.clone(), "post");
            e.after = Some(
                serde_json::json!({
                    "customer_id": p.customer_id, "received_on": p.received_on, "amount": p.amount.amount().to_string(),
                    "currency": p.amount.currency().code(),
                    "allocations": posted.allocations.iter().map(|(n, m)| serde_json::json!([n, m.amount().to_string()])).collect::<Vec<_>>(),
                    "unallocated": posted.unallocated.amount().to_string(),
                })
                .to_string(),
            );
            chain.push(e);
            chain.raise(app::domain::events::DomainEvent::payment_posted(p.customer_id, id));
            Ok(posted)
        }
    };
}
pub(crate) use ledger_posting_fns;

/// The credit position from the balances, and reversing a posted document.
macro_rules! ledger_reversal_fns {
    ($db:ty) => {

        /// The credit position from the maintained balances and the bills at risk: one
        /// row, read by index. `bank_bills`: `settings::BANK_BILLS_IN_EXPOSURE`.
        async fn position_of<'e, E: sqlx::Executor<'e, Database = $db>>(
            ex: E,
            customer: i64,
            as_of: chrono::NaiveDate,
            bank_bills: bool,
        ) -> Result<app::domain::credit::CreditPosition, app::store::StoreError> {
            use app::domain::money::Money;
            use sqlx::Row;
            let r = sqlx::query($crate::store::ledger::position_sql())
            .bind(customer)
            .bind(as_of)
            .bind(bank_bills)
            .fetch_optional(ex)
            .await
            .map_err($crate::store::db_err)?
            .ok_or(app::store::StoreError::NotFound)?;
            let cur = currency_of(&r)?;
            let m = |col: &str| -> Result<Money, app::store::StoreError> {
                Ok(Money::from_minor(r.try_get::<i64, _>(col).map_err($crate::store::db_err)?, cur))
            };
            let limit = m("credit_limit_minor")?;
            let temp: Option<i64> = r.try_get("temp_limit_minor").map_err($crate::store::db_err)?;
            let until: Option<chrono::NaiveDate> = r.try_get("temp_limit_expires_on").map_err($crate::store::db_err)?;
            let temp = temp.zip(until).map(|(t, u)| (Money::from_minor(t, cur), u));
            let effective_limit = app::domain::customer::effective_limit(limit, temp, as_of).map_err($crate::store::corrupt)?;
            let oldest: Option<chrono::NaiveDate> = r.try_get("oldest_due").map_err($crate::store::db_err)?;
            let group_limit: Option<i64> = r.try_get("group_limit_minor").map_err($crate::store::db_err)?;
            let group_exposure: Option<i64> = r.try_get("group_exposure_minor").map_err($crate::store::db_err)?;
            // Members share the customer's currency (`group_for` admits no other).
            let group = group_limit.map(|l| app::domain::credit::GroupPosition {
                limit: Money::from_minor(l, cur),
                exposure: Money::from_minor(group_exposure.unwrap_or(0), cur),
            });
            Ok(app::domain::credit::CreditPosition {
                status: status_of(&r)?,
                effective_limit,
                exposure: app::domain::credit::Exposure {
                    open_invoices: m("open_invoices_minor")?,
                    open_orders: m("open_orders_minor")?,
                    unallocated_credits: m("unallocated_minor")?,
                    unmatured_bills: m("bills_minor")?,
                },
                max_days_past_due: oldest.map(|d| app::domain::aging::days_past_due(as_of, d).max(0)).unwrap_or(0),
                prepayment_required: payment_method_of(&r)? == app::domain::rules::PaymentMethod::Prepayment,
                group,
            })
        }

        /// Reverses a payment, credit note or write-off: its allocations are undone by
        /// negative rows dated `on`, and what it left unallocated leaves the credits.
        async fn reverse_tx(
            tx: &mut Tx,
            chain: &mut $crate::store::ledger::Chain,
            doc: &app::store::Reversible,
            on: chrono::NaiveDate,
            reason: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), app::store::StoreError> {
            use sqlx::Row;
            let (source, find, number) = $crate::store::ledger::Source::reversible(doc);
            let column = source.column();
            let row = sqlx::query(find)
                .bind(number)
                .fetch_optional(&mut **tx)
                .await
                .map_err($crate::store::db_err)?
                .ok_or_else(|| $crate::store::ledger::rejected("number", format!("no {} {number} to reverse", source.entity())))?;
            let id: i64 = row.try_get("id").map_err($crate::store::db_err)?;
            let customer: i64 = row.try_get("customer_id").map_err($crate::store::db_err)?;
            let amount: i64 = row.try_get("amount_minor").map_err($crate::store::db_err)?;
            let date: chrono::NaiveDate = row.try_get("doc_date").map_err($crate::store::db_err)?;
            if row.try_get::<bool, _>("reversed").map_err($crate::store::db_err)? {
                return Err(app::store::StoreError::Conflict(format!("{} {number} is already reversed", source.entity())));
            }
            if on < date {
                return Err($crate::store::ledger::rejected("reversed_on", format!("is before the document's date {date}")));
            }
            let rev: i64 = sqlx::query_scalar(&format!(
                "INSERT INTO reversals ({column}, reversed_on, reason, created_at) VALUES ($1, $2, $3, $4) RETURNING id"
            ))
            .bind(id)
            .bind(on)
            .bind(reason)
            .bind(now)
            .fetch_one(&mut **tx)
            .await
            .map_err($crate::store::db_err)?;
            let nets = sqlx::query(&format!(
                "SELECT invoice_id, CAST(SUM(amount_minor) AS BIGINT) AS net FROM allocations WHERE {column} = $1 \
                 GROUP BY invoice_id ORDER BY invoice_id"
            ))
            .bind(id)
            .fetch_all(&mut **tx)
            .await
            .map_err($crate::store::db_err)?;
            let mut restored = 0i64;
            for n in nets {
                let invoice: i64 = n.try_get("invoice_id").map_err($crate::store::db_err)?;
                let net: i64 = n.try_get("net").map_err($crate::store::db_err)?;
                if net > 0 {
                    settle(tx, chain, source, id, Some(rev), invoice, -net, on, now).await?;
                    restored += net;
                }
            }
            if source == $crate::store::ledger::Source::Payment {
                chain.moves.cash(customer, on, -amount);
            }
            // A write-off allocates all of itself, so its remainder is zero.
            bump(tx, customer, restored, 0, -(amount - restored)).await?;
            let mut e = app::store::AuditEntry::new(source.entity(), number, "reverse");
            e.after = Some(serde_json::json!({"reversed_on": on, "reason": reason, "restored_to_invoices": restored}).to_string());
            chain.push(e);
            Ok(())
        }
    };
}
pub(crate) use ledger_reversal_fns;

macro_rules! ledger_fns {
    ($db:ty) => {
        $crate::store::ledger::ledger_unit_fns!($db);
        $crate::store::ledger::ledger_posting_fns!($db);
        $crate::store::ledger::ledger_reversal_fns!($db);
    };
}
pub(crate) use ledger_fns;

/// `app::store::LedgerStore` for both backends: the ledger's writes. Expanded once per
/// backend by `impl_store!`; the SQL is shared (see `store/mod.rs`).
macro_rules! ledger_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl app::store::LedgerStore for $store {
            async fn insert_invoices(
                &self,
                invoices: &[app::store::NewInvoice],
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<i64>, app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let ids = insert_invoices_tx(&mut tx, &mut chain, invoices, now).await?;
                chain.answer(self.claim.as_ref(), app::store::Written::Invoices(invoices))?;
                commit(tx, chain).await?;
                Ok(ids)
            }

            async fn insert_payments(
                &self,
                payments: &[app::store::NewPayment],
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<app::store::PostedPayment>, app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let mut posted = Vec::with_capacity(payments.len());
                for p in payments {
                    if p.amount.minor() <= 0 {
                        return Err($crate::store::ledger::rejected("amount", format!("payment {}: must be more than zero", p.reference)));
                    }
                    posted.push(insert_payment_tx(&mut tx, &mut chain, p, now).await?);
                }
                chain.answer(self.claim.as_ref(), app::store::Written::Payments(&posted))?;
                commit(tx, chain).await?;
                Ok(posted)
            }

            async fn post_order(
                &self,
                o: &app::store::NewOrder,
                policy: app::domain::credit::CreditPolicy,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(i64, app::domain::credit::CreditCheck), app::store::StoreError> {
                use app::domain::credit::Decision;
                let bank_bills = $crate::store::ledger::bank_bills_in_exposure(self).await?;
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let position = position_of(&mut *tx, o.customer_id, o.ordered_on, bank_bills).await?;
                let check = app::domain::credit::check(&position, o.amount, policy)
                    .map_err(|e| $crate::store::ledger::rejected("amount", e.to_string()))?;
                let reasons: Vec<&str> = check.reasons.iter().map(|r| r.as_str()).collect();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO orders (number, customer_id, ordered_on, amount_minor, currency, decision, reasons, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(&o.number)
                .bind(o.customer_id)
                .bind(o.ordered_on)
                .bind(o.amount.minor())
                .bind(o.amount.currency().code())
                .bind(check.decision.as_str())
                .bind(reasons.join(","))
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
                if check.decision == Decision::Approved {
                    // Invoices may have arrived with this order's number before the order itself.
                    let open = order_open(&mut tx, o.customer_id, &o.number).await?.map(|(_, open)| open).unwrap_or(0);
                    bump(&mut tx, o.customer_id, 0, open, 0).await?;
                }
                let mut e = app::store::AuditEntry::new("order", o.number.clone(), "post");
                e.after = Some(
                    serde_json::json!({
                        "customer_id": o.customer_id, "ordered_on": o.ordered_on, "amount": o.amount.amount().to_string(),
                        "currency": o.amount.currency().code(), "decision": check.decision, "reasons": check.reasons,
                    })
                    .to_string(),
                );
                chain.push(e);
                chain.answer(self.claim.as_ref(), app::store::Written::Order(o, &check))?;
                commit(tx, chain).await?;
                Ok((id, check))
            }

            async fn cancel_order(
                &self,
                number: &str,
                on: chrono::NaiveDate,
                reason: &str,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                use sqlx::Row;
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let row = sqlx::query(
                    "SELECT o.id, o.customer_id, o.ordered_on, EXISTS (SELECT 1 FROM order_cancellations x WHERE x.order_id = o.id) AS cancelled \
                     FROM orders o WHERE o.number = $1",
                )
                .bind(number)
                .fetch_optional(&mut *tx)
                .await
                .map_err($crate::store::db_err)?
                .ok_or_else(|| $crate::store::ledger::rejected("number", format!("no order {number}")))?;
                let id: i64 = row.try_get("id").map_err($crate::store::db_err)?;
                let customer: i64 = row.try_get("customer_id").map_err($crate::store::db_err)?;
                let ordered_on: chrono::NaiveDate = row.try_get("ordered_on").map_err($crate::store::db_err)?;
                if row.try_get::<bool, _>("cancelled").map_err($crate::store::db_err)? {
                    return Err(app::store::StoreError::Conflict(format!("order {number} is already cancelled")));
                }
                if on < ordered_on {
                    return Err($crate::store::ledger::rejected("cancelled_on", format!("is before the order date {ordered_on}")));
                }
                let open = order_open(&mut tx, customer, number).await?.map(|(_, open)| open).unwrap_or(0);
                sqlx::query("INSERT INTO order_cancellations (order_id, cancelled_on, reason, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(on)
                    .bind(reason)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                bump(&mut tx, customer, 0, -open, 0).await?;
                let mut e = app::store::AuditEntry::new("order", number, "cancel");
                e.after = Some(serde_json::json!({"cancelled_on": on, "reason": reason, "released": open}).to_string());
                chain.push(e);
                commit(tx, chain).await
            }

            async fn insert_credit_note(
                &self,
                n: &app::store::NewCreditNote,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, app::store::StoreError> {
                use $crate::store::ledger::rejected;
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let target = match &n.invoice_number {
                    None => None,
                    Some(number) => {
                        let inv = invoice_by_number(&mut tx, number)
                            .await?
                            .ok_or_else(|| rejected("invoice_number", format!("no invoice {number}")))?;
                        if inv.customer_id != n.customer_id {
                            return Err(rejected("invoice_number", format!("invoice {number} belongs to another customer")));
                        }
                        if n.amount.minor() > inv.invoice.open.minor() {
                            return Err(rejected(
                                "amount",
                                format!("{} exceeds what is open on invoice {number} ({})", n.amount.display(), inv.invoice.open.display()),
                            ));
                        }
                        Some(inv.id)
                    }
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO credit_notes (number, customer_id, issued_on, amount_minor, currency, invoice_id, reason, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(&n.number)
                .bind(n.customer_id)
                .bind(n.issued_on)
                .bind(n.amount.minor())
                .bind(n.amount.currency().code())
                .bind(target)
                .bind(&n.reason)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
                match target {
                    Some(invoice) => {
                        settle(&mut tx, &mut chain, $crate::store::ledger::Source::CreditNote, id, None, invoice, n.amount.minor(), n.issued_on, now).await?;
                        bump(&mut tx, n.customer_id, -n.amount.minor(), 0, 0).await?;
                    }
                    None => bump(&mut tx, n.customer_id, 0, 0, n.amount.minor()).await?,
                }
                let mut e = app::store::AuditEntry::new("credit_note", n.number.clone(), "post");
                e.after = Some(
                    serde_json::json!({
                        "customer_id": n.customer_id, "issued_on": n.issued_on, "amount": n.amount.amount().to_string(),
                        "invoice_number": n.invoice_number, "reason": n.reason,
                    })
                    .to_string(),
                );
                chain.push(e);
                chain.answer(self.claim.as_ref(), app::store::Written::CreditNote(n))?;
                commit(tx, chain).await?;
                Ok(id)
            }

            async fn write_off(
                &self,
                w: &app::store::NewWriteOff,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<app::domain::money::Money, app::store::StoreError> {
                use $crate::store::ledger::rejected;
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                let inv = invoice_by_number(&mut tx, &w.invoice_number)
                    .await?
                    .ok_or_else(|| rejected("invoice_number", format!("no invoice {}", w.invoice_number)))?;
                let open = inv.invoice.open;
                if open.is_zero() {
                    return Err(rejected("invoice_number", format!("invoice {} has nothing open", w.invoice_number)));
                }
                if open.currency() != w.tolerance.currency() || open.minor() > w.tolerance.minor() {
                    return Err(rejected(
                        "invoice_number",
                        format!("open amount {} exceeds the write-off tolerance {}", open.display(), w.tolerance.display()),
                    ));
                }
                if w.written_on < inv.invoice.invoice_date {
                    return Err(rejected("written_on", "is before the invoice date"));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO write_offs (invoice_id, written_on, amount_minor, currency, reason, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(inv.id)
                .bind(w.written_on)
                .bind(open.minor())
                .bind(open.currency().code())
                .bind(&w.reason)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err($crate::store::db_err)?;
                settle(&mut tx, &mut chain, $crate::store::ledger::Source::WriteOff, id, None, inv.id, open.minor(), w.written_on, now).await?;
                bump(&mut tx, inv.customer_id, -open.minor(), 0, 0).await?;
                let mut e = app::store::AuditEntry::new("write_off", w.invoice_number.clone(), "post");
                e.after = Some(serde_json::json!({"written_on": w.written_on, "amount": open.amount().to_string(), "reason": w.reason}).to_string());
                chain.push(e);
                commit(tx, chain).await?;
                Ok(open)
            }

            async fn reverse(
                &self,
                doc: &app::store::Reversible,
                on: chrono::NaiveDate,
                reason: &str,
                actor: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), app::store::StoreError> {
                let (mut tx, mut chain) = begin(&self.pool, &self.keys, actor, now).await?;
                if let app::store::Reversible::Payment(reference) = doc {
                    // A bill's payment is undone by the bill's dishonour, which keeps the
                    // bill's own state true (`take_bill_step`), never on its own.
                    let bill: Option<i64> = sqlx::query_scalar(
                        "SELECT b.id FROM bills b JOIN payments p ON p.id = b.payment_id WHERE p.reference = $1",
                    )
                    .bind(reference)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err($crate::store::db_err)?;
                    if bill.is_some() {
                        return Err($crate::store::ledger::rejected(
                            "number",
                            format!("payment {reference} is acceptance bill {reference}: record the bill's dishonour instead"),
                        ));
                    }
                }
                reverse_tx(&mut tx, &mut chain, doc, on, reason, now).await?;
                commit(tx, chain).await
            }
        }
    };
}
pub(crate) use ledger_impl;
