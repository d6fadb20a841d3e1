//! The cockpit's figures: open AR, overdue, overdue rate and the aging buckets.
use crate::domain::aging::AgingSummary;
use crate::error::AppError;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CockpitArgs {
    /// Defaults to today in the business timezone.
    pub as_of: Option<NaiveDate>,
}

#[server(prefix = "/sfn", endpoint = "cockpit")]
pub async fn get_cockpit(#[server(default)] args: CockpitArgs) -> Result<AgingSummary, AppError> {
    use crate::domain::{aging, auth::Permission, business_date, BOOK_CURRENCY};

    let user = super::authorize(Permission::ViewCockpit)?;
    let as_of = match args.as_of {
        Some(d) => d,
        None => business_date(super::clock()?.now()),
    };
    let items = super::store()?.open_items(user.scope(), as_of).await?;
    aging::summarize(as_of, BOOK_CURRENCY, &aging::Edges::standard(aging::Basis::Due), &items).map_err(AppError::internal)
}
