//! The cockpit's maintained aggregates (migration 0003): what a ledger write moved,
//! collected while the write runs (`Moves`) and applied by `commit` in the same
//! transaction, so the cockpit reflects the last write and reads O(open state).
//!
//! Invariants, checked against a naive recomputation by the store story on both
//! databases after random writes:
//! - `ar_flow` holds, per slice, effective date and due date, the sum of +invoice amount
//!   (on its invoice date) and -allocation (on its allocation date; reversal rows are
//!   negative allocations, so they add back). Open AR at D by due date = Σ flows ≤ D.
//! - `ar_months` is contiguous from the month of the earliest flow to the month of the
//!   latest; `ar_snap` at a month end = Σ flows dated on or before it. A write first
//!   extends the months to cover its dates (a new month copies the previous snapshot),
//!   then adds its flows to every snapshot on or after their date — so a back-dated
//!   payment corrects every later month end, and nothing is ever recomputed from history.
//! - `ar_days` holds per slice and day: credit sales (invoice date), amounts falling due
//!   (due date) and cash (payment received date; a payment reversal subtracts on its date).
//! - `customer_balances.oldest_due` = the customer's oldest due date with an open amount.
//! - `ar_oldest` (migration 0004) counts, per slice and day, the customers whose
//!   `oldest_due` is that day: it moves with `oldest_due`, in the same transaction, so
//!   customers overdue at D = Σ counts before D.
//! - `cust_snap` (migration 0007) holds each customer's open and overdue AR at every month
//!   end M: Σ flows dated ≤ M, and of those the ones due before M. A flow adds to every
//!   month end on or after its date, to the overdue ones after its due date. A new month
//!   end M' after the last L carries L's rows over, and its overdue gains what fell due in
//!   [L, M') — read from the ledger, less this write's own flows, which are added after.
//!   Overdue customers at a past date D are then one month end's rows plus the documents
//!   dated or falling due in less than a month (`read_overdue_customers`).
//!
//! Reads fetch few rows: the snapshots and tail flows come back as one text of
//! "due amount" pairs per key (`pairs_agg`), since the driver's per-row cost dominates.
//!
//! A slice is the whole book (`all`) or one value of the customer's rep, region or grade:
//! the customer's current one, as the ledger's reference reads (`Via::Ledger`) take it.
//! Status and limit writes do not touch slices. A grade change (scoring,
//! `store::scoring`) moves the customer's whole history — flows, snapshots, day figures
//! and its oldest-due count — from the old grade's slice to the new one in the change's
//! own transaction (`regrade`), so the grade slices still equal the reference at every
//! date. A future rep or region change must do the same.
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};

/// A slice dimension and its key, as stored.
pub(crate) type SliceKey = (&'static str, String);

/// The slices a customer's rows count in: everything, its rep, its region, its grade.
pub(crate) fn slices(rep: Option<i64>, region: &str, grade: Option<&str>) -> [SliceKey; 4] {
    [
        ("all", String::new()),
        ("rep", rep.map(|r| r.to_string()).unwrap_or_default()),
        ("region", region.to_string()),
        ("grade", grade.unwrap_or_default().to_string()),
    ]
}

pub use app::domain::dashboard::month_end;

/// The month ends from `from`'s month through `to`'s, ascending.
pub fn month_ends(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut m = month_end(from);
    while m <= month_end(to) {
        out.push(m);
        m = month_end(m + chrono::Duration::days(1));
    }
    out
}

/// What one transaction moved, per customer, before slicing.
#[derive(Default)]
pub(crate) struct Moves {
    /// (customer, effective date, due date) -> change of open AR.
    pub open: HashMap<(i64, NaiveDate, NaiveDate), i64>,
    /// (customer, day) -> (sales, falling due, cash).
    pub days: HashMap<(i64, NaiveDate), (i64, i64, i64)>,
    /// Allocations until their invoice dates are known: (customer, invoice, date, due, amount).
    pub allocations: Vec<(i64, i64, NaiveDate, NaiveDate, i64)>,
}

impl Moves {
    pub(crate) fn is_empty(&self) -> bool {
        self.open.is_empty() && self.days.is_empty() && self.allocations.is_empty()
    }

    pub(crate) fn invoice(
        &mut self,
        customer: i64,
        invoice_date: NaiveDate,
        due_date: NaiveDate,
        amount_minor: i64,
    ) {
        *self
            .open
            .entry((customer, invoice_date, due_date))
            .or_default() += amount_minor;
        self.days.entry((customer, invoice_date)).or_default().0 += amount_minor;
        self.days.entry((customer, due_date)).or_default().1 += amount_minor;
    }

    /// An allocation of `amount_minor` (negative for a reversal's row) dated `on`.
    pub(crate) fn allocation(
        &mut self,
        customer: i64,
        invoice: i64,
        on: NaiveDate,
        due_date: NaiveDate,
        amount_minor: i64,
    ) {
        self.allocations
            .push((customer, invoice, on, due_date, amount_minor));
    }

    /// The invoices whose dates `resolve` needs.
    pub(crate) fn allocated_invoices(&self) -> Vec<i64> {
        let set: BTreeSet<i64> = self.allocations.iter().map(|a| a.1).collect();
        set.into_iter().collect()
    }

    /// Turns allocations into open-AR flows. An allocation counts from its date, or from
    /// its invoice's date when it is earlier (a payment received before the invoice was
    /// dated): an invoice is open AR only from its date, as in the point-in-time reads.
    pub(crate) fn resolve(&mut self, invoice_dates: &HashMap<i64, NaiveDate>) {
        for (customer, invoice, on, due, minor) in std::mem::take(&mut self.allocations) {
            let eff = invoice_dates.get(&invoice).map_or(on, |d| on.max(*d));
            *self.open.entry((customer, eff, due)).or_default() -= minor;
        }
    }

    /// Cash received (negative when a payment is reversed).
    pub(crate) fn cash(&mut self, customer: i64, on: NaiveDate, amount_minor: i64) {
        self.days.entry((customer, on)).or_default().2 += amount_minor;
    }

    pub(crate) fn customers(&self) -> Vec<i64> {
        let set: BTreeSet<i64> = self
            .open
            .keys()
            .map(|k| k.0)
            .chain(self.days.keys().map(|k| k.0))
            .collect();
        set.into_iter().collect()
    }

    /// Customers whose open invoices changed (their oldest open due date may have moved).
    pub(crate) fn open_customers(&self) -> Vec<i64> {
        let set: BTreeSet<i64> = self.open.keys().map(|k| k.0).collect();
        set.into_iter().collect()
    }

    /// The open-AR flows per slice, given each customer's slices; zero sums dropped.
    pub(crate) fn sliced_flows(
        &self,
        slices_of: &HashMap<i64, [SliceKey; 4]>,
    ) -> HashMap<(SliceKey, NaiveDate, NaiveDate), i64> {
        let mut out: HashMap<(SliceKey, NaiveDate, NaiveDate), i64> = HashMap::new();
        for ((customer, eff, due), minor) in &self.open {
            for s in slices_of.get(customer).into_iter().flatten() {
                *out.entry((s.clone(), *eff, *due)).or_default() += minor;
            }
        }
        out.retain(|_, m| *m != 0);
        out
    }

    /// The flows and day figures that move customers between grade slices: each one's
    /// moves leave the old grade's key (the first of `grades`; None is ungraded, key '')
    /// and join the new one's. Zero sums dropped.
    #[allow(clippy::type_complexity)]
    pub(crate) fn regraded(
        &self,
        grades: &HashMap<i64, (Option<String>, Option<String>)>,
    ) -> (
        HashMap<(SliceKey, NaiveDate, NaiveDate), i64>,
        HashMap<(SliceKey, NaiveDate), (i64, i64, i64)>,
    ) {
        let key = |g: &Option<String>| -> SliceKey { ("grade", g.clone().unwrap_or_default()) };
        let mut flows: HashMap<(SliceKey, NaiveDate, NaiveDate), i64> = HashMap::new();
        for ((customer, eff, due), minor) in &self.open {
            if let Some((from, to)) = grades.get(customer) {
                *flows.entry((key(from), *eff, *due)).or_default() -= minor;
                *flows.entry((key(to), *eff, *due)).or_default() += minor;
            }
        }
        flows.retain(|_, m| *m != 0);
        let mut days: HashMap<(SliceKey, NaiveDate), (i64, i64, i64)> = HashMap::new();
        for ((customer, day), (s, d, c)) in &self.days {
            if let Some((from, to)) = grades.get(customer) {
                let out = days.entry((key(from), *day)).or_default();
                *out = (out.0 - s, out.1 - d, out.2 - c);
                let into = days.entry((key(to), *day)).or_default();
                *into = (into.0 + s, into.1 + d, into.2 + c);
            }
        }
        days.retain(|_, v| *v != (0, 0, 0));
        (flows, days)
    }

    /// The day figures per slice; all-zero rows dropped.
    pub(crate) fn sliced_days(
        &self,
        slices_of: &HashMap<i64, [SliceKey; 4]>,
    ) -> HashMap<(SliceKey, NaiveDate), (i64, i64, i64)> {
        let mut out: HashMap<(SliceKey, NaiveDate), (i64, i64, i64)> = HashMap::new();
        for ((customer, day), (s, d, c)) in &self.days {
            for k in slices_of.get(customer).into_iter().flatten() {
                let e = out.entry((k.clone(), *day)).or_default();
                e.0 += s;
                e.1 += d;
                e.2 += c;
            }
        }
        out.retain(|_, v| *v != (0, 0, 0));
        out
    }
}

/// The snapshot rows a set of flows changes: each flow counts in every month end on or
/// after its date (`months` ascending).
pub(crate) fn snapshot_changes(
    flows: &HashMap<(SliceKey, NaiveDate, NaiveDate), i64>,
    months: &[NaiveDate],
) -> HashMap<(SliceKey, NaiveDate, NaiveDate), i64> {
    let mut out: HashMap<(SliceKey, NaiveDate, NaiveDate), i64> = HashMap::new();
    for ((slice, eff, due), minor) in flows {
        let first = months.partition_point(|m| m < eff);
        for m in &months[first..] {
            *out.entry((slice.clone(), *m, *due)).or_default() += minor;
        }
    }
    out.retain(|_, m| *m != 0);
    out
}

/// The per-customer month-end rows a set of flows changes, (customer, month end) ->
/// (open, overdue): each flow counts in every month end on or after its date, and as
/// overdue in those after its due date (`months` ascending).
pub(crate) fn customer_snapshot_changes(
    flows: &HashMap<(i64, NaiveDate, NaiveDate), i64>,
    months: &[NaiveDate],
) -> HashMap<(i64, NaiveDate), (i64, i64)> {
    let mut out: HashMap<(i64, NaiveDate), (i64, i64)> = HashMap::new();
    for ((customer, eff, due), minor) in flows {
        let first = months.partition_point(|m| m < eff);
        for m in &months[first..] {
            let e = out.entry((*customer, *m)).or_default();
            e.0 += minor;
            if due < m {
                e.1 += minor;
            }
        }
    }
    out.retain(|_, v| *v != (0, 0));
    out
}

/// This write's own flows dated on or before `carried` and falling due in [from, to), per
/// customer: what a new month end's overdue must not take from the ledger, because the
/// write's flows are added to every month end afterwards.
pub(crate) fn own_due_in(
    flows: &HashMap<(i64, NaiveDate, NaiveDate), i64>,
    carried: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
) -> HashMap<i64, i64> {
    let mut out: HashMap<i64, i64> = HashMap::new();
    for ((customer, eff, due), minor) in flows {
        if *eff <= carried && *due >= from && *due < to {
            *out.entry(*customer).or_default() += minor;
        }
    }
    out
}

/// Applies a write's aggregate moves (balances, counts, month-end rows) in its transaction.
macro_rules! aggregate_move_fns {
    ($db:ty) => {
        /// `head` followed by the bound ids and a closing parenthesis: `… IN (` + ids + `)`.
        fn in_list(head: &'static str, ids: &[i64]) -> sqlx::QueryBuilder<'static, $db> {
            let mut qb = sqlx::QueryBuilder::<$db>::new(head);
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            qb.push(")");
            qb
        }

        /// Applies `moves` to the aggregates inside the write's transaction (see
        /// `store::aggregates`).
        async fn apply_moves(tx: &mut Tx, moves: &mut $crate::store::aggregates::Moves) -> Result<(), app::store::StoreError> {
            use $crate::store::aggregates::{month_ends, slices, SliceKey};
            use sqlx::Row;
            use std::collections::HashMap;
            if moves.is_empty() {
                return Ok(());
            }
            let db = $crate::store::db_err;
            let mut invoice_dates = HashMap::new();
            for part in moves.allocated_invoices().chunks($crate::store::CHUNK) {
                for r in in_list("SELECT id, invoice_date FROM invoices WHERE id IN (", part).build().fetch_all(&mut **tx).await.map_err(db)? {
                    invoice_dates.insert(r.try_get::<i64, _>("id").map_err(db)?, r.try_get::<chrono::NaiveDate, _>("invoice_date").map_err(db)?);
                }
            }
            moves.resolve(&invoice_dates);
            let mut slices_of: HashMap<i64, [SliceKey; 4]> = HashMap::new();
            for part in moves.customers().chunks($crate::store::CHUNK) {
                let mut qb = in_list("SELECT id, sales_rep_id, region, grade FROM customers WHERE id IN (", part);
                for r in qb.build().fetch_all(&mut **tx).await.map_err(db)? {
                    let region: String = r.try_get("region").map_err(db)?;
                    let grade: Option<String> = r.try_get("grade").map_err(db)?;
                    slices_of.insert(r.try_get("id").map_err(db)?, slices(r.try_get("sales_rep_id").map_err(db)?, &region, grade.as_deref()));
                }
            }

            let flows = moves.sliced_flows(&slices_of);
            if !flows.is_empty() {
                // Extend the contiguous month ends to cover every flow's date first.
                let lo = flows.keys().map(|k| k.1).min().expect("non-empty");
                let hi = flows.keys().map(|k| k.1).max().expect("non-empty");
                let row = sqlx::query("SELECT MIN(month_end) AS first, MAX(month_end) AS last FROM ar_months")
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(db)?;
                let first: Option<chrono::NaiveDate> = row.try_get("first").map_err(db)?;
                let last: Option<chrono::NaiveDate> = row.try_get("last").map_err(db)?;
                let (before, after) = match (first, last) {
                    (Some(f), Some(l)) => (
                        month_ends(lo, f).into_iter().filter(|m| *m < f).collect::<Vec<_>>(),
                        month_ends(l, hi).into_iter().filter(|m| *m > l).collect::<Vec<_>>(),
                    ),
                    _ => (month_ends(lo, hi), Vec::new()),
                };
                // Months before the first snapshot start empty: nothing was open then.
                for m in &before {
                    sqlx::query("INSERT INTO ar_months (month_end) VALUES ($1)").bind(*m).execute(&mut **tx).await.map_err(db)?;
                }
                // A new month end starts as the previous one: open AR carries over. A
                // customer's overdue also gains what fell due since (as it stood before this
                // write: the ledger already holds the write's documents, so their flows are
                // taken out here and added with every other flow below).
                let mut prev = last;
                for m in &after {
                    sqlx::query(
                        "INSERT INTO ar_snap (dim, dim_key, month_end, due_date, open_minor) \
                         SELECT dim, dim_key, $1, due_date, open_minor FROM ar_snap WHERE month_end = $2 AND open_minor <> 0",
                    )
                    .bind(*m)
                    .bind(prev)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
                    if let (Some(p), Some(l)) = (prev, last) {
                        sqlx::query(
                            "INSERT INTO cust_snap (month_end, customer_id, open_minor, overdue_minor) \
                             SELECT $1, customer_id, open_minor, overdue_minor FROM cust_snap WHERE month_end = $2 AND open_minor <> 0",
                        )
                        .bind(*m)
                        .bind(p)
                        .execute(&mut **tx)
                        .await
                        .map_err(db)?;
                        let mut fell_due: HashMap<i64, i64> = HashMap::new();
                        let rows = sqlx::query(
                            "SELECT i.customer_id, CAST(SUM(i.amount_minor - COALESCE((SELECT SUM(a.amount_minor) FROM allocations a \
                                     WHERE a.invoice_id = i.id AND a.allocated_on <= $3), 0)) AS BIGINT) AS due_minor \
                             FROM invoices i WHERE i.due_date >= $1 AND i.due_date < $2 AND i.invoice_date <= $3 GROUP BY i.customer_id",
                        )
                        .bind(p)
                        .bind(*m)
                        .bind(l)
                        .fetch_all(&mut **tx)
                        .await
                        .map_err(db)?;
                        for r in rows {
                            fell_due.insert(r.try_get("customer_id").map_err(db)?, r.try_get("due_minor").map_err(db)?);
                        }
                        for (c, own) in $crate::store::aggregates::own_due_in(&moves.open, l, p, *m) {
                            *fell_due.entry(c).or_default() -= own;
                        }
                        fell_due.retain(|_, v| *v != 0);
                        let fell_due: Vec<_> = fell_due.into_iter().collect();
                        for part in fell_due.chunks($crate::store::CHUNK) {
                            let mut qb = sqlx::QueryBuilder::<$db>::new("INSERT INTO cust_snap (month_end, customer_id, open_minor, overdue_minor) ");
                            qb.push_values(part, |mut b, (c, minor)| {
                                b.push_bind(*m).push_bind(*c).push_bind(0i64).push_bind(*minor);
                            });
                            qb.push(" ON CONFLICT (month_end, customer_id) DO UPDATE SET overdue_minor = cust_snap.overdue_minor + excluded.overdue_minor");
                            qb.build().execute(&mut **tx).await.map_err(db)?;
                        }
                    }
                    sqlx::query("INSERT INTO ar_months (month_end) VALUES ($1)").bind(*m).execute(&mut **tx).await.map_err(db)?;
                    prev = Some(*m);
                }
                let months = upsert_flows(tx, &flows, lo).await?;
                let rows: Vec<_> = $crate::store::aggregates::customer_snapshot_changes(&moves.open, &months).into_iter().collect();
                for part in rows.chunks($crate::store::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("INSERT INTO cust_snap (month_end, customer_id, open_minor, overdue_minor) ");
                    qb.push_values(part, |mut b, ((c, month), (open, overdue))| {
                        b.push_bind(*month).push_bind(*c).push_bind(*open).push_bind(*overdue);
                    });
                    qb.push(
                        " ON CONFLICT (month_end, customer_id) DO UPDATE SET open_minor = cust_snap.open_minor + excluded.open_minor, \
                         overdue_minor = cust_snap.overdue_minor + excluded.overdue_minor",
                    );
                    qb.build().execute(&mut **tx).await.map_err(db)?;
                }
                // Each customer whose oldest open due date moves leaves its old day's count in
                // ar_oldest and joins the new one's, in each of its slices.
                let mut oldest: HashMap<(SliceKey, chrono::NaiveDate), i64> = HashMap::new();
                for part in moves.open_customers().chunks($crate::store::CHUNK) {
                    let mut was: HashMap<i64, Option<chrono::NaiveDate>> = HashMap::new();
                    for r in in_list("SELECT customer_id, oldest_due FROM customer_balances WHERE customer_id IN (", part)
                        .build()
                        .fetch_all(&mut **tx)
                        .await
                        .map_err(db)?
                    {
                        was.insert(r.try_get("customer_id").map_err(db)?, r.try_get("oldest_due").map_err(db)?);
                    }
                    let mut qb = in_list(
                        "UPDATE customer_balances SET oldest_due = (SELECT MIN(b.due_date) FROM invoice_balances b \
                         WHERE b.customer_id = customer_balances.customer_id AND b.open_minor > 0) WHERE customer_id IN (",
                        part,
                    );
                    qb.push(" RETURNING customer_id, oldest_due");
                    for r in qb.build().fetch_all(&mut **tx).await.map_err(db)? {
                        let id: i64 = r.try_get("customer_id").map_err(db)?;
                        let now: Option<chrono::NaiveDate> = r.try_get("oldest_due").map_err(db)?;
                        let before = was.get(&id).copied().flatten();
                        if before == now {
                            continue;
                        }
                        for s in slices_of.get(&id).into_iter().flatten() {
                            if let Some(d) = before {
                                *oldest.entry((s.clone(), d)).or_default() -= 1;
                            }
                            if let Some(d) = now {
                                *oldest.entry((s.clone(), d)).or_default() += 1;
                            }
                        }
                    }
                }
                upsert_oldest(tx, oldest).await?;
            }

            upsert_days(tx, moves.sliced_days(&slices_of)).await?;
            Ok(())
        }

    };
}
pub(crate) use aggregate_move_fns;

/// Upserts of flows, oldest-open and per-day rows, and regrading.
macro_rules! aggregate_upsert_fns {
    ($db:ty) => {
        /// Adds open-AR flows to `ar_flow` and to every month-end snapshot on or after
        /// their dates (the months must already cover them, and do from `lo` on);
        /// returns those month ends, ascending.
        async fn upsert_flows(
            tx: &mut Tx,
            flows: &std::collections::HashMap<($crate::store::aggregates::SliceKey, chrono::NaiveDate, chrono::NaiveDate), i64>,
            lo: chrono::NaiveDate,
        ) -> Result<Vec<chrono::NaiveDate>, app::store::StoreError> {
            let db = $crate::store::db_err;
            let months: Vec<chrono::NaiveDate> = sqlx::query_scalar("SELECT month_end FROM ar_months WHERE month_end >= $1 ORDER BY month_end")
                .bind(lo)
                .fetch_all(&mut **tx)
                .await
                .map_err(db)?;
            let flow_rows: Vec<_> = flows.iter().collect();
            for part in flow_rows.chunks($crate::store::CHUNK / 5 * 4) {
                let mut qb = sqlx::QueryBuilder::<$db>::new("INSERT INTO ar_flow (dim, dim_key, eff_date, due_date, open_minor) ");
                qb.push_values(part, |mut b, (((dim, key), eff, due), minor)| {
                    b.push_bind(*dim).push_bind(key.clone()).push_bind(*eff).push_bind(*due).push_bind(**minor);
                });
                qb.push(
                    " ON CONFLICT (dim, dim_key, eff_date, due_date) DO UPDATE SET open_minor = ar_flow.open_minor + excluded.open_minor",
                );
                qb.build().execute(&mut **tx).await.map_err(db)?;
            }
            let snaps: Vec<_> = $crate::store::aggregates::snapshot_changes(flows, &months).into_iter().collect();
            for part in snaps.chunks($crate::store::CHUNK / 5 * 4) {
                let mut qb = sqlx::QueryBuilder::<$db>::new("INSERT INTO ar_snap (dim, dim_key, month_end, due_date, open_minor) ");
                qb.push_values(part, |mut b, (((dim, key), month, due), minor)| {
                    b.push_bind(*dim).push_bind(key.clone()).push_bind(*month).push_bind(*due).push_bind(*minor);
                });
                qb.push(
                    " ON CONFLICT (dim, month_end, dim_key, due_date) DO UPDATE SET open_minor = ar_snap.open_minor + excluded.open_minor",
                );
                qb.build().execute(&mut **tx).await.map_err(db)?;
            }
            Ok(months)
        }

        /// Adds to the per-slice counts of customers by oldest open due date.
        async fn upsert_oldest(
            tx: &mut Tx,
            mut oldest: std::collections::HashMap<($crate::store::aggregates::SliceKey, chrono::NaiveDate), i64>,
        ) -> Result<(), app::store::StoreError> {
            oldest.retain(|_, n| *n != 0);
            let oldest: Vec<_> = oldest.into_iter().collect();
            for part in oldest.chunks($crate::store::CHUNK) {
                let mut qb = sqlx::QueryBuilder::<$db>::new("INSERT INTO ar_oldest (dim, dim_key, oldest_due, customers) ");
                qb.push_values(part, |mut b, (((dim, key), day), n)| {
                    b.push_bind(*dim).push_bind(key.clone()).push_bind(*day).push_bind(*n);
                });
                qb.push(" ON CONFLICT (dim, dim_key, oldest_due) DO UPDATE SET customers = ar_oldest.customers + excluded.customers");
                qb.build().execute(&mut **tx).await.map_err($crate::store::db_err)?;
            }
            Ok(())
        }

        /// Adds to the per-slice day figures (sales, falling due, cash). A day that nets to
        /// nothing is deleted, as the ledger's reference has no row for it (a customer that
        /// left a grade, a payment reversed the day it was received).
        async fn upsert_days(
            tx: &mut Tx,
            days: std::collections::HashMap<($crate::store::aggregates::SliceKey, chrono::NaiveDate), (i64, i64, i64)>,
        ) -> Result<(), app::store::StoreError> {
            let mut touched: std::collections::HashMap<$crate::store::aggregates::SliceKey, (chrono::NaiveDate, chrono::NaiveDate)> =
                std::collections::HashMap::new();
            for (key, day) in days.keys() {
                let span = touched.entry(key.clone()).or_insert((*day, *day));
                *span = (span.0.min(*day), span.1.max(*day));
            }
            let days: Vec<_> = days.into_iter().collect();
            for part in days.chunks($crate::store::CHUNK / 6 * 4) {
                let mut qb = sqlx::QueryBuilder::<$db>::new("INSERT INTO ar_days (dim, dim_key, day, sales_minor, due_minor, cash_minor) ");
                qb.push_values(part, |mut b, (((dim, key), day), (s, d, c))| {
                    b.push_bind(*dim).push_bind(key.clone()).push_bind(*day).push_bind(*s).push_bind(*d).push_bind(*c);
                });
                qb.push(
                    " ON CONFLICT (dim, dim_key, day) DO UPDATE SET sales_minor = ar_days.sales_minor + excluded.sales_minor, \
                     due_minor = ar_days.due_minor + excluded.due_minor, cash_minor = ar_days.cash_minor + excluded.cash_minor",
                );
                qb.build().execute(&mut **tx).await.map_err($crate::store::db_err)?;
            }
            for ((dim, key), (from, to)) in touched {
                sqlx::query(
                    "DELETE FROM ar_days WHERE dim = $1 AND dim_key = $2 AND day >= $3 AND day <= $4 \
                     AND sales_minor = 0 AND due_minor = 0 AND cash_minor = 0",
                )
                .bind(dim)
                .bind(key)
                .bind(from)
                .bind(to)
                .execute(&mut **tx)
                .await
                .map_err($crate::store::db_err)?;
            }
            Ok(())
        }

        /// Moves customers between grade slices inside a writing transaction, after their
        /// `customers.grade` changed from the first grade to the second of `changes`: each
        /// one's whole history (its ledger documents, as `apply_moves` sliced them when
        /// they were written) leaves the old grade's flows, snapshots and day figures and
        /// joins the new grade's, and its oldest-due count moves with it. So a grade slice
        /// always holds its customers' current grade, as the ledger's reference reads do.
        async fn regrade(
            tx: &mut Tx,
            changes: &std::collections::HashMap<i64, (Option<String>, Option<String>)>,
        ) -> Result<(), app::store::StoreError> {
            use sqlx::Row;
            use std::collections::HashMap;
            if changes.is_empty() {
                return Ok(());
            }
            let db = $crate::store::db_err;
            let ids: Vec<i64> = changes.keys().copied().collect();
            let mut moves = $crate::store::aggregates::Moves::default();
            let mut invoice_dates = HashMap::new();
            for part in ids.chunks($crate::store::CHUNK) {
                for r in in_list("SELECT customer_id, invoice_date, due_date, amount_minor FROM invoices WHERE customer_id IN (", part)
                    .build()
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(db)?
                {
                    moves.invoice(r.try_get("customer_id").map_err(db)?, r.try_get("invoice_date").map_err(db)?, r.try_get("due_date").map_err(db)?, r.try_get("amount_minor").map_err(db)?);
                }
                let allocations = in_list(
                    "SELECT i.customer_id, i.id, i.invoice_date, i.due_date, a.allocated_on, a.amount_minor FROM allocations a \
                     JOIN invoices i ON i.id = a.invoice_id WHERE i.customer_id IN (",
                    part,
                );
                for r in { allocations }.build().fetch_all(&mut **tx).await.map_err(db)? {
                    let invoice: i64 = r.try_get("id").map_err(db)?;
                    invoice_dates.insert(invoice, r.try_get::<chrono::NaiveDate, _>("invoice_date").map_err(db)?);
                    moves.allocation(
                        r.try_get("customer_id").map_err(db)?,
                        invoice,
                        r.try_get("allocated_on").map_err(db)?,
                        r.try_get("due_date").map_err(db)?,
                        r.try_get("amount_minor").map_err(db)?,
                    );
                }
                let cash = in_list(
                    "SELECT p.customer_id, p.received_on AS day, p.amount_minor FROM payments p WHERE p.customer_id IN (",
                    part,
                );
                for r in { cash }.build().fetch_all(&mut **tx).await.map_err(db)? {
                    moves.cash(r.try_get("customer_id").map_err(db)?, r.try_get("day").map_err(db)?, r.try_get("amount_minor").map_err(db)?);
                }
                let bounced = in_list(
                    "SELECT p.customer_id, r.reversed_on AS day, p.amount_minor FROM reversals r JOIN payments p ON p.id = r.payment_id \
                     WHERE p.customer_id IN (",
                    part,
                );
                for r in { bounced }.build().fetch_all(&mut **tx).await.map_err(db)? {
                    let minor: i64 = r.try_get("amount_minor").map_err(db)?;
                    moves.cash(r.try_get("customer_id").map_err(db)?, r.try_get("day").map_err(db)?, -minor);
                }
            }
            moves.resolve(&invoice_dates);
            let (flows, days) = moves.regraded(changes);
            if let Some(lo) = flows.keys().map(|k| k.1).min() {
                upsert_flows(tx, &flows, lo).await?;
            }
            let mut oldest: HashMap<($crate::store::aggregates::SliceKey, chrono::NaiveDate), i64> = HashMap::new();
            for part in ids.chunks($crate::store::CHUNK) {
                let mut qb = in_list("SELECT customer_id, oldest_due FROM customer_balances WHERE customer_id IN (", part);
                qb.push(" AND oldest_due IS NOT NULL");
                for r in qb.build().fetch_all(&mut **tx).await.map_err(db)? {
                    let id: i64 = r.try_get("customer_id").map_err(db)?;
                    let due: chrono::NaiveDate = r.try_get("oldest_due").map_err(db)?;
                    if let Some((from, to)) = changes.get(&id) {
                        *oldest.entry((("grade", from.clone().unwrap_or_default()), due)).or_default() -= 1;
                        *oldest.entry((("grade", to.clone().unwrap_or_default()), due)).or_default() += 1;
                    }
                }
            }
            upsert_oldest(tx, oldest).await?;
            upsert_days(tx, days).await
        }
    };
}
pub(crate) use aggregate_upsert_fns;

macro_rules! aggregate_fns {
    ($db:ty) => {
        $crate::store::aggregates::aggregate_move_fns!($db);
        $crate::store::aggregates::aggregate_upsert_fns!($db);
    };
}
pub(crate) use aggregate_fns;

/// The slice's condition on customers `c`, with its (rep, region, grade) binds at
/// `$first`, `$first + 1`, `$first + 2` (see `slice_binds`). Only the slice's own
/// attribute is compared, as a plain equality, so the database can use that attribute's
/// index; the other two binds are absent and only checked to be.
pub(crate) fn slice_filter(slice: &app::domain::dashboard::Slice, first: usize) -> String {
    use app::domain::dashboard::Slice;
    let (rep, region, grade) = (first, first + 1, first + 2);
    let absent = |n: usize, ty: &str| format!("CAST(${n} AS {ty}) IS NULL");
    match slice {
        Slice::All => format!(
            "{} AND {} AND {}",
            absent(rep, "BIGINT"),
            absent(region, "TEXT"),
            absent(grade, "TEXT")
        ),
        Slice::Rep(_) => format!(
            "c.sales_rep_id = ${rep} AND {} AND {}",
            absent(region, "TEXT"),
            absent(grade, "TEXT")
        ),
        Slice::Region(_) => format!(
            "c.region = ${region} AND {} AND {}",
            absent(rep, "BIGINT"),
            absent(grade, "TEXT")
        ),
        Slice::Grade(Some(_)) => format!(
            "c.grade = ${grade} AND {} AND {}",
            absent(rep, "BIGINT"),
            absent(region, "TEXT")
        ),
        Slice::Grade(None) => {
            format!(
                "c.grade IS NULL AND CAST(${grade} AS TEXT) = '-' AND {} AND {}",
                absent(rep, "BIGINT"),
                absent(region, "TEXT")
            )
        }
    }
}

/// An aggregate of "due_date amount" pairs joined by ',' (`parse_pairs` reads it): one
/// text per group instead of a row per due date, because fetching a row through the
/// driver costs more than the database spends finding it (a cockpit reads ~7,000).
pub(crate) fn pairs_agg(database: &str, amount: &str) -> String {
    let f = if database == "PostgreSQL" {
        "string_agg"
    } else {
        "group_concat"
    };
    format!("{f}(CAST(due_date AS TEXT) || ' ' || CAST({amount} AS TEXT), ',')")
}

/// The pairs of `pairs_agg`.
pub(crate) fn parse_pairs(text: &str) -> Result<Vec<(NaiveDate, i64)>, app::store::StoreError> {
    let bad = || crate::store::corrupt(format!("aggregate pairs: {text:.60}"));
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (d, m) = p.split_once(' ').ok_or_else(bad)?;
            Ok((
                NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| bad())?,
                m.parse().map_err(|_| bad())?,
            ))
        })
        .collect()
}

/// `dim_key = $n` when one key is asked for, else a check that the bind is absent (all
/// keys): the one-key form lets the database seek on the (dim, dim_key, …) keys.
pub(crate) fn key_filter(key: Option<&str>, n: usize) -> String {
    match key {
        Some(_) => format!("dim_key = ${n}"),
        None => format!("CAST(${n} AS TEXT) IS NULL"),
    }
}

/// The binds of `slice_filter`; an ungraded slice is grade '-'.
pub(crate) fn slice_binds(
    slice: &app::domain::dashboard::Slice,
) -> (Option<i64>, Option<String>, Option<String>) {
    use app::domain::dashboard::Slice;
    match slice {
        Slice::All => (None, None, None),
        Slice::Rep(id) => (Some(*id), None, None),
        Slice::Region(r) => (None, Some(r.clone()), None),
        Slice::Grade(g) => (
            None,
            None,
            Some(g.map(|g| g.as_str()).unwrap_or("-").to_string()),
        ),
    }
}

/// Keeps the `top` largest overdue customers while candidates arrive by open AR, largest
/// first: once `top` are kept and the smallest kept overdue is at least the next
/// candidate's whole open AR, no later candidate can enter, and the search stops.
pub(crate) struct TopOverdue {
    top: usize,
    kept: Vec<app::domain::dashboard::OverdueCustomer>,
}

impl TopOverdue {
    pub(crate) fn new(top: usize) -> Self {
        TopOverdue {
            top,
            kept: Vec::new(),
        }
    }

    pub(crate) fn done_before(&self, next_open_minor: i64) -> bool {
        self.kept.len() >= self.top
            && self
                .kept
                .last()
                .is_some_and(|c| c.overdue.minor() >= next_open_minor)
    }

    pub(crate) fn offer(&mut self, c: app::domain::dashboard::OverdueCustomer) {
        self.kept.push(c);
        self.kept.sort_by(|a, b| {
            b.overdue
                .minor()
                .cmp(&a.overdue.minor())
                .then_with(|| a.code.cmp(&b.code))
        });
        self.kept.truncate(self.top);
    }

    pub(crate) fn into_vec(self) -> Vec<app::domain::dashboard::OverdueCustomer> {
        self.kept
    }
}

/// One customer's open and overdue AR at a date, as a point-in-time read sums them.
pub(crate) struct AtDate {
    pub customer_id: i64,
    pub code: String,
    pub name: String,
    pub open_minor: i64,
    pub overdue_minor: i64,
    /// The oldest overdue due date, when the read has it.
    pub oldest_overdue: Option<NaiveDate>,
}

/// Overdue customers from every customer's figures at `as_of`: how many, the `top`
/// largest (ties by code), and the one with the most open AR (ties by code).
pub(crate) fn tally(
    rows: impl IntoIterator<Item = AtDate>,
    as_of: NaiveDate,
    top: usize,
) -> app::domain::dashboard::OverdueCustomers {
    use app::domain::dashboard::{OverdueCustomer, OverdueCustomers};
    let mut out = OverdueCustomers::default();
    let mut kept = TopOverdue::new(top);
    for r in rows {
        if r.open_minor > 0
            && out
                .largest_open
                .as_ref()
                .is_none_or(|(c, m)| r.open_minor > *m || (r.open_minor == *m && r.code < *c))
        {
            out.largest_open = Some((r.code.clone(), r.open_minor));
        }
        if r.overdue_minor > 0 {
            out.count += 1;
            kept.offer(OverdueCustomer {
                customer_id: r.customer_id,
                code: r.code,
                name: r.name,
                overdue: app::domain::money::Money::from_minor(
                    r.overdue_minor,
                    app::domain::BOOK_CURRENCY,
                ),
                max_days_overdue: r
                    .oldest_overdue
                    .map(|d| app::domain::aging::days_past_due(as_of, d))
                    .unwrap_or(0),
            });
        }
    }
    out.top = kept.into_vec();
    out
}

/// Open AR by due date and overdue customers from the month-end snapshots.
macro_rules! aggregate_month_reads {
    ($db:ty) => {
        /// Open AR by due date at each of `at`, per key of `dim` (one key or all): each
        /// date's month snapshot less the flows dated after it in that month. One query
        /// reads every snapshot needed, and one more per date that is not a month end.
        async fn read_open_by_due(
            pool: &sqlx::Pool<$db>,
            dim: &str,
            key: Option<&str>,
            at: &[chrono::NaiveDate],
        ) -> Result<Vec<Vec<(String, chrono::NaiveDate, i64)>>, app::store::StoreError> {
            use sqlx::Row;
            use std::collections::{BTreeMap, BTreeSet, HashMap};
            type Open = BTreeMap<(String, chrono::NaiveDate), i64>;
            let db = $crate::store::db_err;
            let months = read_months(pool).await?;
            let (Some(first), Some(last)) = months else { return Ok(vec![Vec::new(); at.len()]) };
            // The snapshot each date reads: its month's end, or the last one after the data;
            // none before the first month (nothing was open).
            let snap_of = |d: chrono::NaiveDate| {
                let end = $crate::store::aggregates::month_end(d);
                (end >= first).then(|| end.min(last))
            };
            let snaps: BTreeSet<chrono::NaiveDate> = at.iter().filter_map(|d| snap_of(*d)).collect();
            let mut by_month: HashMap<chrono::NaiveDate, Open> = HashMap::new();
            if !snaps.is_empty() {
                let list: Vec<String> = (0..snaps.len()).map(|i| format!("${}", i + 3)).collect();
                let sql = format!(
                    "SELECT month_end, dim_key, {} AS pairs FROM ar_snap WHERE dim = $1 AND {} AND month_end IN ({}) \
                     GROUP BY month_end, dim_key",
                    $crate::store::aggregates::pairs_agg(<$db as sqlx::Database>::NAME, "open_minor"),
                    $crate::store::aggregates::key_filter(key, 2),
                    list.join(", ")
                );
                let mut q = sqlx::query(&sql).bind(dim).bind(key);
                for m in &snaps {
                    q = q.bind(*m);
                }
                for r in q.fetch_all(pool).await.map_err(db)? {
                    let open = by_month.entry(r.try_get("month_end").map_err(db)?).or_default();
                    let k: String = r.try_get("dim_key").map_err(db)?;
                    for (due, m) in $crate::store::aggregates::parse_pairs(&r.try_get::<String, _>("pairs").map_err(db)?)? {
                        *open.entry((k.clone(), due)).or_default() += m;
                    }
                }
            }
            let tail_sql = format!(
                "SELECT dim_key, {} AS pairs FROM (SELECT dim_key, due_date, CAST(SUM(open_minor) AS BIGINT) AS m FROM ar_flow \
                 WHERE dim = $1 AND {} AND eff_date > $3 AND eff_date <= $4 GROUP BY dim_key, due_date) t GROUP BY dim_key",
                $crate::store::aggregates::pairs_agg(<$db as sqlx::Database>::NAME, "m"),
                $crate::store::aggregates::key_filter(key, 2)
            );
            let mut out = Vec::with_capacity(at.len());
            for d in at {
                let Some(snap) = snap_of(*d) else {
                    out.push(Vec::new());
                    continue;
                };
                let mut open = by_month.get(&snap).cloned().unwrap_or_default();
                if *d < snap {
                    let rows = sqlx::query(&tail_sql).bind(dim).bind(key).bind(*d).bind(snap).fetch_all(pool).await.map_err(db)?;
                    for r in rows {
                        let k: String = r.try_get("dim_key").map_err(db)?;
                        for (due, m) in $crate::store::aggregates::parse_pairs(&r.try_get::<String, _>("pairs").map_err(db)?)? {
                            *open.entry((k.clone(), due)).or_default() -= m;
                        }
                    }
                }
                out.push(open.into_iter().filter(|(_, m)| *m != 0).map(|((k, d), m)| (k, d, m)).collect());
            }
            Ok(out)
        }

        async fn read_months(pool: &sqlx::Pool<$db>) -> Result<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>), app::store::StoreError> {
            use sqlx::Row;
            let r = sqlx::query("SELECT MIN(month_end) AS first, MAX(month_end) AS last FROM ar_months")
                .fetch_one(pool)
                .await
                .map_err($crate::store::db_err)?;
            Ok((r.try_get("first").map_err($crate::store::db_err)?, r.try_get("last").map_err($crate::store::db_err)?))
        }

        /// Overdue customers at `as_of`. When nothing is dated after as_of, the maintained
        /// balances answer (count: the oldest-due index; top: largest open first, stopping
        /// early, see `TopOverdue`); otherwise the customers' month-end rows do
        /// (`month_end_overdue`).
        async fn read_overdue_customers(
            pool: &sqlx::Pool<$db>,
            slice: &app::domain::dashboard::Slice,
            as_of: chrono::NaiveDate,
            top: usize,
        ) -> Result<app::domain::dashboard::OverdueCustomers, app::store::StoreError> {
            use app::domain::dashboard::{OverdueCustomer, OverdueCustomers};
            use app::domain::money::Money;
            use sqlx::Row;
            let db = $crate::store::db_err;
            let cur = app::domain::BOOK_CURRENCY;
            let latest: Option<chrono::NaiveDate> =
                sqlx::query_scalar("SELECT MAX(eff_date) FROM ar_flow WHERE dim = 'all'").fetch_one(pool).await.map_err(db)?;
            let days = |due: chrono::NaiveDate| app::domain::aging::days_past_due(as_of, due);
            if latest.is_none_or(|l| l <= as_of) {
                let (rep, region, grade) = $crate::store::aggregates::slice_binds(slice);
                // Overdue customers: a range over the slice's per-day counts of oldest open due.
                let (dim, key) = slice.dim();
                let count: i64 = sqlx::query_scalar(
                    "SELECT CAST(COALESCE(SUM(customers), 0) AS BIGINT) FROM ar_oldest WHERE dim = $1 AND dim_key = $2 AND oldest_due < $3",
                )
                .bind(dim)
                .bind(key)
                .bind(as_of)
                .fetch_one(pool)
                .await
                .map_err(db)?;
                let largest = sqlx::query(&format!(
                    "SELECT c.code, b.open_invoices_minor FROM customer_balances b CROSS JOIN customers c \
                     WHERE c.id = b.customer_id AND b.open_invoices_minor > 0 AND {} ORDER BY b.open_invoices_minor DESC, c.code LIMIT 1",
                    $crate::store::aggregates::slice_filter(slice, 1)
                ))
                .bind(rep)
                .bind(region.as_deref())
                .bind(grade.as_deref())
                .fetch_optional(pool)
                .await
                .map_err(db)?;
                let largest_open = match largest {
                    Some(r) => Some((r.try_get("code").map_err(db)?, r.try_get("open_invoices_minor").map_err(db)?)),
                    None => None,
                };
                // Candidates by open AR, a page at a time, each with its overdue summed in the
                // same query (one round trip per page, not per customer). The page is cut
                // first, so the sums run for its rows only; its order is the open-AR index's
                // (amount, id), so the database walks that index instead of sorting. CROSS
                // JOIN keeps SQLite on that walk for a slice too (filtering the slice's
                // customers as it goes) instead of sorting the slice's customers per page.
                let page_sql = format!(
                    "SELECT p.*, (SELECT CAST(COALESCE(SUM(ib.open_minor), 0) AS BIGINT) FROM invoice_balances ib \
                      WHERE ib.customer_id = p.id AND ib.open_minor > 0 AND ib.due_date < $1) AS overdue FROM ( \
                     SELECT c.id, c.code, c.name, b.open_invoices_minor, b.oldest_due \
                     FROM customer_balances b CROSS JOIN customers c WHERE c.id = b.customer_id AND b.oldest_due < $1 AND {} \
                     ORDER BY b.open_invoices_minor DESC, b.customer_id DESC LIMIT $5 OFFSET $6) p \
                     ORDER BY p.open_invoices_minor DESC, p.id DESC",
                    $crate::store::aggregates::slice_filter(slice, 2)
                );
                let mut kept = $crate::store::aggregates::TopOverdue::new(top);
                let page = 32i64;
                let mut offset = 0i64;
                'pages: loop {
                    let rows = sqlx::query(&page_sql)
                        .bind(as_of)
                        .bind(rep)
                        .bind(region.as_deref())
                        .bind(grade.as_deref())
                        .bind(page)
                        .bind(offset)
                        .fetch_all(pool)
                        .await
                        .map_err(db)?;
                    for r in &rows {
                        if kept.done_before(r.try_get("open_invoices_minor").map_err(db)?) {
                            break 'pages;
                        }
                        let oldest: chrono::NaiveDate = r.try_get("oldest_due").map_err(db)?;
                        kept.offer(OverdueCustomer {
                            customer_id: r.try_get("id").map_err(db)?,
                            code: r.try_get("code").map_err(db)?,
                            name: r.try_get("name").map_err(db)?,
                            overdue: Money::from_minor(r.try_get("overdue").map_err(db)?, cur),
                            max_days_overdue: days(oldest),
                        });
                    }
                    if (rows.len() as i64) < page {
                        break;
                    }
                    offset += page;
                }
                return Ok(OverdueCustomers { count, top: kept.into_vec(), largest_open });
            }
            month_end_overdue(pool, slice, as_of, top).await
        }

        /// Overdue customers at a past `as_of` from the customers' month-end rows (`cust_snap`)
        /// at P, the last month end on or before as_of, plus what happened after P: the
        /// documents dated in (P, as_of] and the invoices falling due in [P, as_of). The
        /// ten largest then get their oldest overdue due date from their own invoices.
        async fn month_end_overdue(
            pool: &sqlx::Pool<$db>,
            slice: &app::domain::dashboard::Slice,
            as_of: chrono::NaiveDate,
            top: usize,
        ) -> Result<app::domain::dashboard::OverdueCustomers, app::store::StoreError> {
            let db = $crate::store::db_err;
            let stored: Option<chrono::NaiveDate> =
                sqlx::query_scalar("SELECT MAX(month_end) FROM ar_months WHERE month_end <= $1").bind(as_of).fetch_one(pool).await.map_err(db)?;
            // No month end yet: as_of is in the ledger's first month, so nothing is older.
            let p = stored.unwrap_or_else(|| chrono::Datelike::with_day(&as_of, 1).and_then(|d| d.pred_opt()).unwrap_or(as_of));
            let sql = format!(
                "WITH parts AS ( \
                    SELECT customer_id, open_minor AS o, overdue_minor AS v FROM cust_snap WHERE month_end = $2 \
                    UNION ALL \
                    SELECT i.customer_id, -a.amount_minor, CASE WHEN i.due_date < $1 THEN -a.amount_minor ELSE 0 END \
                      FROM allocations a JOIN invoices i ON i.id = a.invoice_id \
                     WHERE a.allocated_on > $2 AND a.allocated_on <= $1 AND i.invoice_date <= $1 \
                    UNION ALL \
                    SELECT i.customer_id, -a.amount_minor, CASE WHEN i.due_date < $1 THEN -a.amount_minor ELSE 0 END \
                      FROM invoices i JOIN allocations a ON a.invoice_id = i.id \
                     WHERE i.invoice_date > $2 AND i.invoice_date <= $1 AND a.allocated_on <= $2 \
                    UNION ALL \
                    SELECT customer_id, amount_minor, CASE WHEN due_date < $1 THEN amount_minor ELSE 0 END \
                      FROM invoices WHERE invoice_date > $2 AND invoice_date <= $1 \
                    UNION ALL \
                    SELECT i.customer_id, 0, i.amount_minor - COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a \
                                                   WHERE a.invoice_id = i.id AND a.allocated_on <= $2), 0) \
                      FROM invoices i WHERE i.due_date >= $2 AND i.due_date < $1 AND i.invoice_date <= $2 \
                 ), per AS ( \
                    SELECT customer_id, CAST(SUM(o) AS BIGINT) AS open, CAST(SUM(v) AS BIGINT) AS overdue FROM parts GROUP BY customer_id \
                 ) \
                 SELECT per.customer_id, c.code, c.name, per.open, per.overdue FROM per JOIN customers c ON c.id = per.customer_id \
                 WHERE per.open <> 0 AND {}",
                $crate::store::aggregates::slice_filter(slice, 3)
            );
            let (rep, region, grade) = $crate::store::aggregates::slice_binds(slice);
            let rows = sqlx::query(&sql).bind(as_of).bind(p).bind(rep).bind(region).bind(grade).fetch_all(pool).await.map_err(db)?;
            let rows = rows.iter().map(|r| at_date_of(r, false)).collect::<Result<Vec<_>, _>>()?;
            let mut out = $crate::store::aggregates::tally(rows, as_of, top);
            for c in &mut out.top {
                let oldest: Option<chrono::NaiveDate> = sqlx::query_scalar(
                    "SELECT MIN(i.due_date) FROM invoices i WHERE i.customer_id = $1 AND i.due_date < $2 AND i.invoice_date <= $2 \
                     AND i.amount_minor > COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a \
                                                   WHERE a.invoice_id = i.id AND a.allocated_on <= $2), 0)",
                )
                .bind(c.customer_id)
                .bind(as_of)
                .fetch_one(pool)
                .await
                .map_err(db)?;
                c.max_days_overdue = oldest.map(|d| app::domain::aging::days_past_due(as_of, d)).unwrap_or(0);
            }
            Ok(out)
        }

    };
}
pub(crate) use aggregate_month_reads;

/// Point-in-time reads straight from the ledger, for dates the snapshots do not serve.
macro_rules! aggregate_point_reads {
    ($db:ty) => {
        /// A row of a point-in-time read (`customer_id, code, name, open, overdue`, and
        /// `oldest` when `with_oldest`).
        fn at_date_of(r: &<$db as sqlx::Database>::Row, with_oldest: bool) -> Result<$crate::store::aggregates::AtDate, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            Ok($crate::store::aggregates::AtDate {
                customer_id: r.try_get("customer_id").map_err(db)?,
                code: r.try_get("code").map_err(db)?,
                name: r.try_get("name").map_err(db)?,
                open_minor: r.try_get("open").map_err(db)?,
                overdue_minor: r.try_get("overdue").map_err(db)?,
                oldest_overdue: if with_oldest { r.try_get("oldest").map_err(db)? } else { None },
            })
        }

        /// Overdue customers at `as_of` from `source`, a query of invoices with their
        /// `open_minor` at $1 (point in time).
        async fn point_in_time_overdue(
            pool: &sqlx::Pool<$db>,
            slice: &app::domain::dashboard::Slice,
            as_of: chrono::NaiveDate,
            top: usize,
            source: &str,
        ) -> Result<app::domain::dashboard::OverdueCustomers, app::store::StoreError> {
            let db = $crate::store::db_err;
            let sql = format!(
                "SELECT o.customer_id, c.code, c.name, CAST(SUM(o.open_minor) AS BIGINT) AS open, \
                 CAST(SUM(CASE WHEN o.due_date < $1 THEN o.open_minor ELSE 0 END) AS BIGINT) AS overdue, \
                 MIN(CASE WHEN o.due_date < $1 THEN o.due_date END) AS oldest \
                 FROM ({source}) o JOIN customers c ON c.id = o.customer_id WHERE o.open_minor <> 0 AND {} \
                 GROUP BY o.customer_id, c.code, c.name",
                $crate::store::aggregates::slice_filter(slice, 2)
            );
            let (rep, region, grade) = $crate::store::aggregates::slice_binds(slice);
            let rows = sqlx::query(&sql).bind(as_of).bind(rep).bind(region).bind(grade).fetch_all(pool).await.map_err(db)?;
            let rows = rows.iter().map(|r| at_date_of(r, true)).collect::<Result<Vec<_>, _>>()?;
            Ok($crate::store::aggregates::tally(rows, as_of, top))
        }

        /// The slice key expression of `dim` over customers `c` (as the aggregates store it).
        fn key_expr(dim: &str) -> Result<&'static str, app::store::StoreError> {
            Ok(match dim {
                "all" => "''",
                "rep" => "COALESCE(CAST(c.sales_rep_id AS TEXT), '')",
                "region" => "c.region",
                "grade" => "COALESCE(c.grade, '')",
                other => return Err(app::store::StoreError::Other(format!("no slice dimension {other}"))),
            })
        }

        /// The reference for `read_open_by_due`: every invoice dated ≤ `at`, less its
        /// allocations dated ≤ `at`, grouped — a scan of the whole ledger.
        async fn ledger_open_by_due(
            pool: &sqlx::Pool<$db>,
            dim: &str,
            key: Option<&str>,
            at: chrono::NaiveDate,
        ) -> Result<Vec<(String, chrono::NaiveDate, i64)>, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let k = key_expr(dim)?;
            let rows = sqlx::query(&format!(
                "SELECT {k} AS dim_key, i.due_date, CAST(SUM(i.amount_minor - COALESCE((SELECT SUM(a.amount_minor) FROM allocations a \
                 WHERE a.invoice_id = i.id AND a.allocated_on <= $1), 0)) AS BIGINT) AS m \
                 FROM invoices i JOIN customers c ON c.id = i.customer_id \
                 WHERE i.invoice_date <= $1 AND (CAST($2 AS TEXT) IS NULL OR {k} = $2) GROUP BY 1, 2"
            ))
            .bind(at)
            .bind(key)
            .fetch_all(pool)
            .await
            .map_err(db)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let m: i64 = r.try_get("m").map_err(db)?;
                if m != 0 {
                    out.push((r.try_get("dim_key").map_err(db)?, r.try_get("due_date").map_err(db)?, m));
                }
            }
            out.sort();
            Ok(out)
        }

        /// The reference for `ar_days`: invoices, payments and payment reversals grouped by day.
        async fn ledger_day_figures(
            pool: &sqlx::Pool<$db>,
            dim: &str,
            key: Option<&str>,
            from: chrono::NaiveDate,
            to: chrono::NaiveDate,
        ) -> Result<Vec<(String, app::domain::dashboard::DayFigures)>, app::store::StoreError> {
            use sqlx::Row;
            let db = $crate::store::db_err;
            let k = key_expr(dim)?;
            let rows = sqlx::query(&format!(
                "SELECT x.k AS dim_key, x.day, CAST(SUM(x.s) AS BIGINT) AS s, CAST(SUM(x.d) AS BIGINT) AS d, CAST(SUM(x.c) AS BIGINT) AS c FROM ( \
                   SELECT {k} AS k, i.invoice_date AS day, i.amount_minor AS s, 0 AS d, 0 AS c FROM invoices i JOIN customers c ON c.id = i.customer_id \
                   UNION ALL SELECT {k}, i.due_date, 0, i.amount_minor, 0 FROM invoices i JOIN customers c ON c.id = i.customer_id \
                   UNION ALL SELECT {k}, p.received_on, 0, 0, p.amount_minor FROM payments p JOIN customers c ON c.id = p.customer_id \
                   UNION ALL SELECT {k}, r.reversed_on, 0, 0, -p.amount_minor FROM reversals r JOIN payments p ON p.id = r.payment_id \
                     JOIN customers c ON c.id = p.customer_id \
                 ) x WHERE x.day >= $1 AND x.day <= $2 AND (CAST($3 AS TEXT) IS NULL OR x.k = $3) GROUP BY x.k, x.day ORDER BY x.k, x.day"
            ))
            .bind(from)
            .bind(to)
            .bind(key)
            .fetch_all(pool)
            .await
            .map_err(db)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let f = app::domain::dashboard::DayFigures {
                    day: r.try_get("day").map_err(db)?,
                    sales_minor: r.try_get("s").map_err(db)?,
                    due_minor: r.try_get("d").map_err(db)?,
                    cash_minor: r.try_get("c").map_err(db)?,
                };
                if (f.sales_minor, f.due_minor, f.cash_minor) != (0, 0, 0) {
                    out.push((r.try_get("dim_key").map_err(db)?, f));
                }
            }
            Ok(out)
        }

        /// The reference for `read_overdue_customers`: per customer from every invoice.
        async fn ledger_overdue_customers(
            pool: &sqlx::Pool<$db>,
            slice: &app::domain::dashboard::Slice,
            as_of: chrono::NaiveDate,
            top: usize,
        ) -> Result<app::domain::dashboard::OverdueCustomers, app::store::StoreError> {
            let source = "SELECT i.customer_id, i.due_date, i.amount_minor - COALESCE((SELECT CAST(SUM(a.amount_minor) AS BIGINT) \
                          FROM allocations a WHERE a.invoice_id = i.id AND a.allocated_on <= $1), 0) AS open_minor \
                          FROM invoices i WHERE i.invoice_date <= $1";
            point_in_time_overdue(pool, slice, as_of, top, source).await
        }
    };
}
pub(crate) use aggregate_point_reads;

macro_rules! aggregate_reads {
    ($db:ty) => {
        $crate::store::aggregates::aggregate_month_reads!($db);
        $crate::store::aggregates::aggregate_point_reads!($db);
    };
}
pub(crate) use aggregate_reads;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn month_ends_cover_both_ends_and_leap_years() {
        assert_eq!(month_end(d("2024-02-10")), d("2024-02-29"));
        assert_eq!(month_end(d("2026-12-31")), d("2026-12-31"));
        assert_eq!(
            month_ends(d("2025-11-30"), d("2026-02-01")),
            vec![
                d("2025-11-30"),
                d("2025-12-31"),
                d("2026-01-31"),
                d("2026-02-28")
            ]
        );
        assert!(month_ends(d("2026-03-01"), d("2026-02-01")).is_empty());
    }

    #[test]
    fn a_flow_counts_in_every_snapshot_on_or_after_its_date() {
        let months = month_ends(d("2026-01-01"), d("2026-04-01"));
        let slice: SliceKey = ("all", String::new());
        let flows = HashMap::from([
            ((slice.clone(), d("2026-02-28"), d("2026-03-15")), 500),
            ((slice.clone(), d("2026-03-01"), d("2026-03-15")), -200),
        ]);
        let snaps = snapshot_changes(&flows, &months);
        assert_eq!(
            snaps.get(&(slice.clone(), d("2026-01-31"), d("2026-03-15"))),
            None
        );
        assert_eq!(
            snaps[&(slice.clone(), d("2026-02-28"), d("2026-03-15"))],
            500
        );
        assert_eq!(
            snaps[&(slice.clone(), d("2026-03-31"), d("2026-03-15"))],
            300
        );
        assert_eq!(snaps[&(slice, d("2026-04-30"), d("2026-03-15"))], 300);
    }

    #[test]
    fn a_customer_flow_is_open_from_its_date_and_overdue_after_its_due_date() {
        let months = month_ends(d("2026-01-01"), d("2026-04-01"));
        // Invoiced 20 Jan, due 28 Feb; 300 paid on 5 March.
        let flows = HashMap::from([
            ((7, d("2026-01-20"), d("2026-02-28")), 1_000),
            ((7, d("2026-03-05"), d("2026-02-28")), -300),
        ]);
        let rows = customer_snapshot_changes(&flows, &months);
        assert_eq!(rows[&(7, d("2026-01-31"))], (1_000, 0));
        assert_eq!(
            rows[&(7, d("2026-02-28"))],
            (1_000, 0),
            "due on the month end itself: not yet overdue"
        );
        assert_eq!(rows[&(7, d("2026-03-31"))], (700, 700));
        assert_eq!(rows[&(7, d("2026-04-30"))], (700, 700));
        // What a new month end must not take twice: this write's flows carried and due in the window.
        assert_eq!(
            own_due_in(&flows, d("2026-03-31"), d("2026-02-28"), d("2026-03-31")),
            HashMap::from([(7, 700)])
        );
        assert!(own_due_in(&flows, d("2026-02-28"), d("2026-03-31"), d("2026-04-30")).is_empty());
    }

    #[test]
    fn a_regrade_moves_a_customers_history_from_the_old_grade_key_to_the_new() {
        let mut m = Moves::default();
        m.invoice(1, d("2026-01-05"), d("2026-02-04"), 1_000);
        m.allocation(1, 10, d("2026-01-20"), d("2026-02-04"), 400);
        m.cash(1, d("2026-01-20"), 400);
        m.invoice(2, d("2026-01-05"), d("2026-02-04"), 99);
        m.resolve(&HashMap::from([(10, d("2026-01-05"))]));
        let grades = HashMap::from([(1, (Some("B".to_string()), None))]);
        let (flows, days) = m.regraded(&grades);
        let b: SliceKey = ("grade", "B".into());
        let ungraded: SliceKey = ("grade", String::new());
        assert_eq!(flows.len(), 4, "customer 2 did not change grade");
        assert_eq!(
            flows[&(b.clone(), d("2026-01-05"), d("2026-02-04"))],
            -1_000
        );
        assert_eq!(
            flows[&(ungraded.clone(), d("2026-01-20"), d("2026-02-04"))],
            -400
        );
        assert_eq!(
            flows.values().sum::<i64>(),
            0,
            "what leaves one key joins the other"
        );
        assert_eq!(days[&(b, d("2026-01-20"))], (0, 0, -400));
        assert_eq!(days[&(ungraded, d("2026-02-04"))], (0, 1_000, 0));
    }

    #[test]
    fn moves_slice_by_customer_and_drop_what_cancels() {
        let mut m = Moves::default();
        m.invoice(1, d("2026-01-05"), d("2026-02-04"), 1_000);
        m.allocation(1, 10, d("2026-01-05"), d("2026-02-04"), 1_000);
        m.allocation(2, 20, d("2026-01-03"), d("2026-02-01"), 300);
        // Paid on the 3rd for an invoice dated the 6th: it counts from the 6th.
        m.resolve(&HashMap::from([
            (10, d("2026-01-05")),
            (20, d("2026-01-06")),
        ]));
        m.cash(2, d("2026-01-06"), 300);
        let of = HashMap::from([
            (1, slices(Some(7), "华东", Some("A"))),
            (2, slices(None, "华北", None)),
        ]);
        let flows = m.sliced_flows(&of);
        assert_eq!(
            flows.len(),
            4,
            "customer 1's invoice and payment cancel; customer 2 counts in 4 slices"
        );
        assert_eq!(
            flows[&(("rep", String::new()), d("2026-01-06"), d("2026-02-01"))],
            -300
        );
        let days = m.sliced_days(&of);
        assert_eq!(days[&(("rep", "7".into()), d("2026-01-05"))], (1_000, 0, 0));
        assert_eq!(
            days[&(("grade", String::new()), d("2026-01-06"))],
            (0, 0, 300)
        );
        assert_eq!(m.open_customers(), vec![1, 2]);
    }
}
