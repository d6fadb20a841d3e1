//! The collections workbench's storage, shared by both backends (`collection_store!`
//! expands inside `sqlite.rs` and `postgres.rs` through `impl_store!`; one file per port): tasks, contacts,
//! promises, disputes, the customer's collection log and the people's activity.
//!
//! Invariants:
//! - A phone's write (contact, promise, dispute) is inserted with its client id under a
//!   UNIQUE index, `ON CONFLICT (client_id) DO NOTHING`; the transaction that did not
//!   insert answers `Replayed` with the first write's id. So the offline queue may resend
//!   after a lost answer and the write still lands once.
//! - The task's status and the customer's open invoices are read inside the writing
//!   transaction, which holds the ledger's writers' lock (`begin` takes the audit head):
//!   a task closed, or an invoice paid, by another writer is seen, never raced.
//! - Task changes (creation, reassignment, closing, escalation), promises settling and
//!   disputes resolving write audit rows in the same transaction.
//! - A promise leaves `pending` by an UPDATE guarded on `status = 'pending'`; only the
//!   caller whose update hit the row is told so, and only it raises the event.

/// True when invoice `invoice` (a column) is under a dispute open at $1 — the SQL of
/// `collections::dispute_open_on`, for the rule scan and the interest charge.
pub(crate) fn disputed_at_sql(invoice: &str) -> String {
    format!("EXISTS (SELECT 1 FROM dispute_invoices di JOIN disputes d ON d.id = di.dispute_id WHERE di.invoice_id = {invoice} AND {DISPUTE_OPEN_AT})")
}

/// Dispute `d` is open at $1.
pub(crate) const DISPUTE_OPEN_AT: &str =
    "d.opened_on <= $1 AND (d.resolved_on IS NULL OR d.resolved_on > $1)";

/// A promise's or dispute's invoice numbers, by its id.
pub(crate) type Numbers = std::collections::HashMap<i64, Vec<String>>;

pub mod history;
pub mod ops;
pub mod tasks;

/// The shared helpers, then every collections port, for one backend.
macro_rules! collection_store {
    ($store:ty, $db:ty) => {
        /// The open items of a customer at `on`, inside a writing transaction.
        async fn open_invoices_in(tx: &mut Tx, customer_id: i64, on: chrono::NaiveDate) -> Result<Vec<app::domain::collections::OpenInvoice>, app::store::StoreError> {
            let rows = sqlx::query(&$crate::store::rules::customer_open_items_sql())
                .bind(on)
                .bind(customer_id)
                .fetch_all(&mut **tx)
                .await
                .map_err($crate::store::db_err)?;
            rows.iter()
                .map(|r| Ok(app::domain::collections::OpenInvoice { id: col(r, "id")?, number: col(r, "number")?, due_date: col(r, "due_date")?, open_minor: col(r, "open_minor")? }))
                .collect()
        }

        /// A task's status, customer and assignee, read for a change.
        async fn task_state(tx: &mut Tx, id: i64) -> Result<(app::domain::collections::TaskStatus, i64, String), app::store::StoreError> {
            let r = sqlx::query("SELECT status, customer_id, assignee_id, assignee_role FROM collection_tasks WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await
                .map_err($crate::store::db_err)?
                .ok_or(app::store::StoreError::NotFound)?;
            let status = app::domain::collections::TaskStatus::parse(&text(&r, "status")?).ok_or_else(|| $crate::store::corrupt("task status"))?;
            Ok((status, col(&r, "customer_id")?, assignee_key(col(&r, "assignee_id")?, col(&r, "assignee_role")?)))
        }

        fn assignee_key(id: Option<i64>, role: Option<String>) -> String {
            match (id, role) {
                (Some(id), _) => format!("user:{id}"),
                (None, Some(r)) => format!("role:{r}"),
                (None, None) => String::new(),
            }
        }

        fn split_assignee(a: app::domain::collections::Assignee) -> (Option<i64>, Option<&'static str>) {
            match a {
                app::domain::collections::Assignee::User(id) => (Some(id), None),
                app::domain::collections::Assignee::Role(r) => (None, Some(r.as_str())),
            }
        }

        fn closed(id: i64, status: app::domain::collections::TaskStatus) -> app::store::StoreError {
            app::store::StoreError::Conflict(format!("task {id} is already {status}"))
        }

        /// Invoice numbers of the promises (`promise_invoices`) or disputes (`dispute_invoices`) of a customer.
        async fn numbers_of(pool: &sqlx::Pool<$db>, link: &str, owner: &str, customer_id: i64) -> Result<$crate::store::collections::Numbers, app::store::StoreError> {
            let sql = format!(
                "SELECT l.{owner}_id AS owner, i.number FROM {link} l JOIN invoices i ON i.id = l.invoice_id \
                  WHERE i.customer_id = $1 ORDER BY i.due_date, i.id"
            );
            let rows = sqlx::query(&sql).bind(customer_id).fetch_all(pool).await.map_err($crate::store::db_err)?;
            let mut out = $crate::store::collections::Numbers::new();
            for r in &rows {
                out.entry(col(r, "owner")?).or_default().push(col(r, "number")?);
            }
            Ok(out)
        }

        /// The first write's id under a client id (after an insert that did nothing).
        async fn first_write(tx: &mut Tx, exists_sql: &str, client_id: &str) -> Result<i64, app::store::StoreError> {
            sqlx::query_scalar(exists_sql).bind(client_id).fetch_one(&mut **tx).await.map_err($crate::store::db_err)
        }

        $crate::store::collections::tasks::task_impl!($store, $db);
        $crate::store::collections::ops::collection_ops_impl!($store, $db);
        $crate::store::collections::history::collection_history_impl!($store, $db);
    };
}
pub(crate) use collection_store;
