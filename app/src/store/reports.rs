//! Period reports and saved report templates.
//!
//! Invariant: a period's roll-forward balances (opening + movements = closing).
use super::*;

#[async_trait]
pub trait ReportStore: Send + Sync {
    /// What moved open AR from `from` through `to` within the slice, from the ledger's
    /// documents (allocations dated by `max(allocated_on, invoice_date)`, as the
    /// aggregates do), plus the cash received from the per-day aggregates.
    async fn movement_figures(
        &self,
        slice: &Slice,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<MovementFigures, StoreError>;
    /// Grade and status changes of the slice's customers, audited in `[from, to)`,
    /// oldest first, at most `limit` audit rows.
    async fn customer_changes(
        &self,
        slice: &Slice,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<AttributeChange>, StoreError>;
    /// One page of customers within scope, ordered by code after `after_code`, with open
    /// and overdue at `as_of` and (when `period` is given) invoiced and collected in it.
    async fn template_customers(
        &self,
        scope: Scope,
        as_of: NaiveDate,
        period: Option<(NaiveDate, NaiveDate)>,
        after_code: &str,
        limit: i64,
    ) -> Result<Vec<TemplateCustomer>, StoreError>;
    /// Saved templates by name. A stored spec that no longer parses is an error naming it.
    async fn report_templates(&self) -> Result<Vec<SavedTemplate>, StoreError>;
    /// Creates (`id` None) or replaces a template, audited; a taken name is `Conflict`.
    async fn save_report_template(
        &self,
        id: Option<i64>,
        t: &ReportTemplate,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    async fn delete_report_template(
        &self,
        id: i64,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}
