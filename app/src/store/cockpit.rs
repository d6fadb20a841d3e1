//! The cockpit's reads, from the maintained aggregates (or the ledger, as reference).
use super::*;

#[async_trait]
pub trait CockpitStore: Send + Sync {
    /// Open AR by due date at each of `at`, as (slice key, due date, minor) per date, for
    /// one key of `dim` ("all", "rep", "region", "grade") or, with `key` None, every key.
    async fn open_by_due(
        &self,
        dim: &str,
        key: Option<&str>,
        at: &[NaiveDate],
        via: Via,
    ) -> Result<Vec<Vec<(String, NaiveDate, i64)>>, StoreError>;
    /// Per-day sales, amounts falling due and cash from `from` through `to`, per key.
    async fn day_figures(
        &self,
        dim: &str,
        key: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
        via: Via,
    ) -> Result<Vec<(String, DayFigures)>, StoreError>;
    /// Customers per grade and status within the slice.
    async fn customer_mix(
        &self,
        slice: &Slice,
    ) -> Result<Vec<(Option<Grade>, CustomerStatus, i64)>, StoreError>;
    /// Customers overdue at `as_of` within the slice: the count, the `top` largest, and
    /// the customer with the most open AR.
    async fn overdue_customers(
        &self,
        slice: &Slice,
        as_of: NaiveDate,
        top: usize,
        via: Via,
    ) -> Result<OverdueCustomers, StoreError>;
}
