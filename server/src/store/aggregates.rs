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
//!
//! A slice is the whole book (`all`) or one value of the customer's rep, region or grade,
//! taken when the row is written. The only attribute writes today (status, limits) do not
//! touch slices; a future grade/rep/region change must move the customer's open amounts
//! between slices as flows dated on the change, in the same transaction.
use chrono::{Datelike, NaiveDate};
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

/// The last day of `d`'s month.
pub fn month_end(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).expect("first of a month") - chrono::Duration::days(1)
}

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
}

impl Moves {
    pub(crate) fn is_empty(&self) -> bool {
        self.open.is_empty() && self.days.is_empty()
    }

    pub(crate) fn invoice(&mut self, customer: i64, invoice_date: NaiveDate, due_date: NaiveDate, amount_minor: i64) {
        *self.open.entry((customer, invoice_date, due_date)).or_default() += amount_minor;
        self.days.entry((customer, invoice_date)).or_default().0 += amount_minor;
        self.days.entry((customer, due_date)).or_default().1 += amount_minor;
    }

    /// An allocation of `amount_minor` (negative for a reversal's row) dated `on`.
    pub(crate) fn allocation(&mut self, customer: i64, on: NaiveDate, due_date: NaiveDate, amount_minor: i64) {
        *self.open.entry((customer, on, due_date)).or_default() -= amount_minor;
    }

    /// Cash received (negative when a payment is reversed).
    pub(crate) fn cash(&mut self, customer: i64, on: NaiveDate, amount_minor: i64) {
        self.days.entry((customer, on)).or_default().2 += amount_minor;
    }

    pub(crate) fn customers(&self) -> Vec<i64> {
        let set: BTreeSet<i64> = self.open.keys().map(|k| k.0).chain(self.days.keys().map(|k| k.0)).collect();
        set.into_iter().collect()
    }

    /// Customers whose open invoices changed (their oldest open due date may have moved).
    pub(crate) fn open_customers(&self) -> Vec<i64> {
        let set: BTreeSet<i64> = self.open.keys().map(|k| k.0).collect();
        set.into_iter().collect()
    }

    /// The open-AR flows per slice, given each customer's slices; zero sums dropped.
    pub(crate) fn sliced_flows(&self, slices_of: &HashMap<i64, [SliceKey; 4]>) -> HashMap<(SliceKey, NaiveDate, NaiveDate), i64> {
        let mut out: HashMap<(SliceKey, NaiveDate, NaiveDate), i64> = HashMap::new();
        for ((customer, eff, due), minor) in &self.open {
            for s in slices_of.get(customer).into_iter().flatten() {
                *out.entry((s.clone(), *eff, *due)).or_default() += minor;
            }
        }
        out.retain(|_, m| *m != 0);
        out
    }

    /// The day figures per slice; all-zero rows dropped.
    pub(crate) fn sliced_days(&self, slices_of: &HashMap<i64, [SliceKey; 4]>) -> HashMap<(SliceKey, NaiveDate), (i64, i64, i64)> {
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

macro_rules! aggregate_fns {
    ($db:ty) => {
        /// Applies `moves` to the aggregates inside the write's transaction (see
        /// `store::aggregates`).
        async fn apply_moves(tx: &mut Tx, moves: &$crate::store::aggregates::Moves) -> Result<(), app::store::StoreError> {
            use $crate::store::aggregates::{month_ends, slices, snapshot_changes, SliceKey};
            use sqlx::Row;
            use std::collections::HashMap;
            if moves.is_empty() {
                return Ok(());
            }
            let db = $crate::store::db_err;
            let mut slices_of: HashMap<i64, [SliceKey; 4]> = HashMap::new();
            for part in moves.customers().chunks($crate::store::CHUNK) {
                let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT id, sales_rep_id, region, grade FROM customers WHERE id IN (");
                let mut sep = qb.separated(", ");
                for id in part {
                    sep.push_bind(*id);
                }
                qb.push(")");
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
                // A new month end starts as the previous one: open AR carries over.
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
                    sqlx::query("INSERT INTO ar_months (month_end) VALUES ($1)").bind(*m).execute(&mut **tx).await.map_err(db)?;
                    prev = Some(*m);
                }
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
                let snaps: Vec<_> = snapshot_changes(&flows, &months).into_iter().collect();
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
                for part in moves.open_customers().chunks($crate::store::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "UPDATE customer_balances SET oldest_due = (SELECT MIN(b.due_date) FROM invoice_balances b \
                         WHERE b.customer_id = customer_balances.customer_id AND b.open_minor > 0) WHERE customer_id IN (",
                    );
                    let mut sep = qb.separated(", ");
                    for id in part {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    qb.build().execute(&mut **tx).await.map_err(db)?;
                }
            }

            let days: Vec<_> = moves.sliced_days(&slices_of).into_iter().collect();
            for part in days.chunks($crate::store::CHUNK / 6 * 4) {
                let mut qb = sqlx::QueryBuilder::<$db>::new("INSERT INTO ar_days (dim, dim_key, day, sales_minor, due_minor, cash_minor) ");
                qb.push_values(part, |mut b, (((dim, key), day), (s, d, c))| {
                    b.push_bind(*dim).push_bind(key.clone()).push_bind(*day).push_bind(*s).push_bind(*d).push_bind(*c);
                });
                qb.push(
                    " ON CONFLICT (dim, dim_key, day) DO UPDATE SET sales_minor = ar_days.sales_minor + excluded.sales_minor, \
                     due_minor = ar_days.due_minor + excluded.due_minor, cash_minor = ar_days.cash_minor + excluded.cash_minor",
                );
                qb.build().execute(&mut **tx).await.map_err(db)?;
            }
            Ok(())
        }
    };
}
pub(crate) use aggregate_fns;

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
        assert_eq!(month_ends(d("2025-11-30"), d("2026-02-01")), vec![d("2025-11-30"), d("2025-12-31"), d("2026-01-31"), d("2026-02-28")]);
        assert!(month_ends(d("2026-03-01"), d("2026-02-01")).is_empty());
    }

    #[test]
    fn a_flow_counts_in_every_snapshot_on_or_after_its_date() {
        let months = month_ends(d("2026-01-01"), d("2026-04-01"));
        let slice: SliceKey = ("all", String::new());
        let flows = HashMap::from([((slice.clone(), d("2026-02-28"), d("2026-03-15")), 500), ((slice.clone(), d("2026-03-01"), d("2026-03-15")), -200)]);
        let snaps = snapshot_changes(&flows, &months);
        assert_eq!(snaps.get(&(slice.clone(), d("2026-01-31"), d("2026-03-15"))), None);
        assert_eq!(snaps[&(slice.clone(), d("2026-02-28"), d("2026-03-15"))], 500);
        assert_eq!(snaps[&(slice.clone(), d("2026-03-31"), d("2026-03-15"))], 300);
        assert_eq!(snaps[&(slice, d("2026-04-30"), d("2026-03-15"))], 300);
    }

    #[test]
    fn moves_slice_by_customer_and_drop_what_cancels() {
        let mut m = Moves::default();
        m.invoice(1, d("2026-01-05"), d("2026-02-04"), 1_000);
        m.allocation(1, d("2026-01-05"), d("2026-02-04"), 1_000);
        m.allocation(2, d("2026-01-06"), d("2026-02-01"), 300);
        m.cash(2, d("2026-01-06"), 300);
        let of = HashMap::from([(1, slices(Some(7), "华东", Some("A"))), (2, slices(None, "华北", None))]);
        let flows = m.sliced_flows(&of);
        assert_eq!(flows.len(), 4, "customer 1's invoice and payment cancel; customer 2 counts in 4 slices");
        assert_eq!(flows[&(("rep", String::new()), d("2026-01-06"), d("2026-02-01"))], -300);
        let days = m.sliced_days(&of);
        assert_eq!(days[&(("rep", "7".into()), d("2026-01-05"))], (1_000, 0, 0));
        assert_eq!(days[&(("grade", String::new()), d("2026-01-06"))], (0, 0, 300));
        assert_eq!(m.open_customers(), vec![1, 2]);
    }
}
