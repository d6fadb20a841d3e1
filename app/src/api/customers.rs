//! The customer list (search) and the customer page.
use crate::domain::aging::AgingSummary;
use crate::domain::credit::Exposure;
use crate::domain::customer::{CustomerFile, CustomerRow};
use crate::domain::invoice::InvoiceLine;
use crate::domain::money::Money;
use crate::error::AppError;
use crate::records::{AuditRow, PaymentLine, TimelineEvent};
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows per page of the customer list.
pub const PAGE_SIZE: u32 = 50;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CustomerListArgs {
    pub search: Option<String>,
    /// Zero-based page.
    pub page: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CustomerPage {
    pub as_of: NaiveDate,
    pub rows: Vec<CustomerRow>,
    pub page: u32,
    pub has_more: bool,
}

#[server(prefix = "/sfn", endpoint = "customers")]
pub async fn list_customers(
    #[server(default)] args: CustomerListArgs,
) -> Result<CustomerPage, AppError> {
    use crate::domain::{auth::Permission, business_date};
    use crate::store::CustomerQuery;

    let user = super::authorize(Permission::ViewCustomers)?;
    let search = args
        .search
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if search.as_ref().is_some_and(|s| s.chars().count() > 100) {
        return Err(AppError::Invalid("search: at most 100 characters".into()));
    }
    let page = args.page.unwrap_or(0).min(10_000);
    let as_of = business_date(super::clock()?.now());
    let q = CustomerQuery {
        search,
        limit: i64::from(PAGE_SIZE) + 1,
        offset: i64::from(page * PAGE_SIZE),
    };
    let mut rows = super::store()?
        .list_customers(&q, user.scope(), as_of)
        .await?;
    let has_more = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    Ok(CustomerPage {
        as_of,
        rows,
        page,
        has_more,
    })
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CustomerArgs {
    pub id: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CustomerDetail {
    pub file: CustomerFile,
    pub aging: AgingSummary,
    pub open_invoices: Vec<InvoiceLine>,
    pub effective_limit: Money,
    /// The credit check's figures: open invoices + open approved orders − credits.
    pub exposure: Exposure,
    pub available: Money,
    pub payments: Vec<PaymentLine>,
    pub timeline: Vec<TimelineEvent>,
    /// The customer file's own audit rows (empty when the user may not read the audit).
    pub audit: Vec<AuditRow>,
    /// Whether the user may post payments, credit notes and write-offs.
    pub can_post: bool,
    /// The sensitive fields, masked (showing them in full is `api::pii::customer_pii`).
    pub pii: crate::api::pii::PiiPanel,
    /// The customer's group (集团), with its limit and members' exposure.
    pub group: Option<crate::domain::groups::GroupRow>,
    /// Every group, when the user may move the customer between groups (else empty).
    pub group_options: Vec<crate::domain::groups::GroupRow>,
}

#[server(prefix = "/sfn", endpoint = "customer")]
pub async fn get_customer(args: CustomerArgs) -> Result<CustomerDetail, AppError> {
    use crate::domain::aging::{self, OpenItem};
    use crate::domain::{auth::Permission, business_date, BOOK_CURRENCY};

    let user = super::authorize(Permission::ViewCustomers)?;
    let store = super::store()?;
    let as_of = business_date(super::clock()?.now());
    // Out of scope looks exactly like absent: a rep cannot probe for other reps' customers.
    let file = store
        .customer_file(args.id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let open_invoices = store.open_invoices(file.id, as_of).await?;
    let items: Vec<OpenItem> = open_invoices.iter().map(|i| i.open_item(file.id)).collect();
    let aging = aging::summarize(
        as_of,
        BOOK_CURRENCY,
        &aging::Edges::standard(aging::Basis::Due),
        &items,
    )
    .map_err(AppError::internal)?;
    let position = store.credit_position(file.id, as_of).await?;
    // What an order would be checked against: the lower of its own and its group's.
    let nothing = Money::zero(position.effective_limit.currency());
    let available = crate::domain::credit::check(&position, nothing, Default::default())
        .map_err(AppError::internal)?
        .available_before;
    let can_group = user.role.allows(Permission::ConfigureFinance);
    let group_options = match can_group {
        true => store.groups(None, as_of).await?,
        false => Vec::new(),
    };
    let group = match (&file.group_code, can_group) {
        (Some(code), true) => group_options.iter().find(|g| &g.code == code).cloned(),
        (Some(code), false) => store.groups(Some(code), as_of).await?.pop(),
        (None, _) => None,
    };
    let payments = store.customer_payments(file.id, 20).await?;
    let timeline = store.customer_timeline(file.id, 30).await?;
    let audit = if user.role.allows(Permission::ViewAudit) {
        let q = crate::store::AuditQuery {
            entity: Some("customer".into()),
            entity_key: Some(file.code.to_string()),
            limit: 20,
            ..Default::default()
        };
        store.audit_trail(&q).await?
    } else {
        Vec::new()
    };
    let pii = crate::api::pii::PiiPanel {
        view: store.customer_pii(file.id).await?.view(false),
        can_reveal: user.role.allows(Permission::ReadPii),
    };
    Ok(CustomerDetail {
        pii,
        group,
        group_options,
        effective_limit: position.effective_limit,
        exposure: position.exposure,
        available,
        file,
        aging,
        open_invoices,
        payments,
        timeline,
        audit,
        can_post: user.role.allows(Permission::PostLedger),
    })
}
