//! The invoice list and the aging report, both point in time at an `as_of` date, plus
//! finance's bucket edges.
//!
//! Invariants: reads stay within the user's scope (a sales rep sees only their
//! customers); a bucket is always interpreted on the edges finance configured for its
//! basis, so a drill-down lists exactly the invoices the report counted in that bucket.
use crate::domain::aging::{AgingSummary, Basis};
use crate::domain::invoice::{InvoiceRow, InvoiceSort, InvoiceStatus};
use crate::error::AppError;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const INVOICE_PAGE_SIZE: u32 = 50;

/// The invoice list's filters; every field is optional and mirrors the page's URL.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct InvoiceFilters {
    pub as_of: Option<NaiveDate>,
    pub status: Option<InvoiceStatus>,
    /// A bucket key (`31-60`…) on `basis` (default due).
    pub bucket: Option<String>,
    pub basis: Option<Basis>,
    /// Sales rep username.
    pub rep: Option<String>,
    pub region: Option<String>,
    /// A grade letter, or `-` for ungraded customers.
    pub grade: Option<String>,
    pub customer: Option<String>,
    /// Days past due, inclusive.
    pub min_overdue: Option<i64>,
    pub max_overdue: Option<i64>,
    pub sort: Option<InvoiceSort>,
    pub desc: Option<bool>,
    /// Zero-based.
    pub page: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InvoicePage {
    pub as_of: NaiveDate,
    pub rows: Vec<InvoiceRow>,
    pub page: u32,
    pub has_more: bool,
}

/// Choices for the filter dropdowns.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FilterChoices {
    /// (username, display name)
    pub reps: Vec<(String, String)>,
    pub regions: Vec<String>,
    /// Bucket keys per basis, on the configured edges.
    pub due_buckets: Vec<String>,
    pub invoice_buckets: Vec<String>,
}

#[server(prefix = "/sfn", endpoint = "invoices")]
pub async fn list_invoices(#[server(default)] f: InvoiceFilters) -> Result<InvoicePage, AppError> {
    use crate::domain::aging::dates_aged;
    use crate::domain::{auth::Permission, business_date};
    use crate::store::InvoiceQuery;

    let user = super::authorize(Permission::ViewReceivables)?;
    let store = super::store()?;
    let as_of = f.as_of.unwrap_or(business_date(super::clock()?.now()));
    let page = f.page.unwrap_or(0).min(20_000);
    let mut q = InvoiceQuery {
        as_of,
        status: f.status.unwrap_or_default(),
        sort: f.sort.unwrap_or_default(),
        descending: f.desc.unwrap_or(false),
        limit: i64::from(INVOICE_PAGE_SIZE) + 1,
        offset: i64::from(page) * i64::from(INVOICE_PAGE_SIZE),
        region: f.region.filter(|r| !r.trim().is_empty()),
        grade: match f.grade.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(g @ ("A" | "B" | "C" | "D" | "-")) => Some(g.to_string()),
            Some(other) => {
                return Err(AppError::Invalid(format!(
                    "grade: '{other}' is not A, B, C, D or - (ungraded)"
                )))
            }
        },
        ..Default::default()
    };
    if let Some(rep) = f.rep.filter(|r| !r.is_empty()) {
        // An unknown rep matches nothing rather than everything.
        q.rep_id = Some(store.user_id_by_username(&rep).await?.unwrap_or(-1));
    }
    if let Some(code) = f.customer.filter(|c| !c.trim().is_empty()) {
        q.customer_id = Some(store.customer_id_by_code(code.trim()).await?.unwrap_or(-1));
    }
    if f.min_overdue.is_some() || f.max_overdue.is_some() {
        if let (Some(lo), Some(hi)) = (f.min_overdue, f.max_overdue) {
            if lo > hi {
                return Err(AppError::Invalid(
                    "max_overdue: must be at least min_overdue".into(),
                ));
            }
        }
        q.due_between = dates_aged(as_of, f.min_overdue, f.max_overdue);
    }
    if let Some(key) = f.bucket.filter(|b| !b.is_empty()) {
        let basis = f.basis.unwrap_or(Basis::Due);
        let edges = crate::ledger::aging_edges(store.as_ref(), basis).await?;
        let i = edges
            .position(&key)
            .ok_or_else(|| AppError::Invalid(format!("bucket: no bucket '{key}' on this basis")))?;
        let (lo, hi) = edges.day_range(i);
        let range = dates_aged(as_of, lo, hi);
        match basis {
            Basis::Due => q.due_between = intersect(q.due_between, range),
            Basis::Invoice => q.invoiced_between = range,
        }
    }
    let mut rows = store.list_invoices(&q, user.scope()).await?;
    let has_more = rows.len() > INVOICE_PAGE_SIZE as usize;
    rows.truncate(INVOICE_PAGE_SIZE as usize);
    Ok(InvoicePage {
        as_of,
        rows,
        page,
        has_more,
    })
}

/// Both date ranges at once (inclusive bounds; `None` unbounded).
#[cfg(feature = "ssr")]
fn intersect(
    a: (Option<NaiveDate>, Option<NaiveDate>),
    b: (Option<NaiveDate>, Option<NaiveDate>),
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let lo = match (a.0, b.0) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    let hi = match (a.1, b.1) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    (lo, hi)
}

#[server(prefix = "/sfn", endpoint = "filter_options")]
pub async fn filter_options() -> Result<FilterChoices, AppError> {
    use crate::domain::auth::{Permission, Role};
    let user = super::authorize(Permission::ViewReceivables)?;
    let store = super::store()?;
    let reps = if user.role == Role::SalesRep {
        Vec::new()
    } else {
        store
            .users_by_role(Role::SalesRep)
            .await?
            .into_iter()
            .map(|u| (u.username, u.display_name))
            .collect()
    };
    let keys = |e: crate::domain::aging::Edges| (0..e.bucket_count()).map(|i| e.key(i)).collect();
    Ok(FilterChoices {
        reps,
        regions: store.regions().await?,
        due_buckets: keys(crate::ledger::aging_edges(store.as_ref(), Basis::Due).await?),
        invoice_buckets: keys(crate::ledger::aging_edges(store.as_ref(), Basis::Invoice).await?),
    })
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AgingArgs {
    pub as_of: Option<NaiveDate>,
    pub basis: Option<Basis>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AgingView {
    pub summary: AgingSummary,
    /// The configured edges of this basis, as finance types them.
    pub edges: String,
    /// Whether this user may change the edges.
    pub can_configure: bool,
}

#[server(prefix = "/sfn", endpoint = "aging")]
pub async fn aging_report(#[server(default)] args: AgingArgs) -> Result<AgingView, AppError> {
    use crate::domain::{aging, auth::Permission, business_date, BOOK_CURRENCY};
    let user = super::authorize(Permission::ViewReceivables)?;
    let store = super::store()?;
    let as_of = args.as_of.unwrap_or(business_date(super::clock()?.now()));
    let edges =
        crate::ledger::aging_edges(store.as_ref(), args.basis.unwrap_or(Basis::Due)).await?;
    let items = store.open_items(user.scope(), as_of).await?;
    let summary =
        aging::summarize(as_of, BOOK_CURRENCY, &edges, &items).map_err(AppError::internal)?;
    Ok(AgingView {
        summary,
        edges: edges
            .upper()
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        can_configure: user.role.allows(Permission::ConfigureFinance),
    })
}

/// Finance changes the bucket edges of one basis (audited as a setting change).
#[server(prefix = "/sfn", endpoint = "set_aging_edges")]
pub async fn set_aging_edges(basis: Basis, edges: String) -> Result<(), AppError> {
    use crate::domain::{aging::Edges, auth::Permission};
    let user = super::authorize(Permission::ConfigureFinance)?;
    let parsed =
        Edges::parse_list(basis, &edges).map_err(|e| AppError::Invalid(format!("edges: {e}")))?;
    let value = parsed
        .upper()
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let store = super::store()?;
    store
        .set_setting(
            crate::domain::settings::aging_edges(basis).key,
            &value,
            &user.username,
            super::clock()?.now(),
        )
        .await?;
    Ok(())
}
