//! The executive cockpit's server function: the dashboard (`domain::dashboard`) from
//! the maintained aggregates, authorised, and confined to the user's scope — a sales
//! rep's cockpit is always their own slice, whatever the query asks.
use crate::domain::dashboard::Dashboard;
use crate::error::AppError;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CockpitArgs {
    /// Defaults to today in the business timezone.
    pub as_of: Option<NaiveDate>,
    /// At most one filter: a rep's username, a region, or a grade (`-` = ungraded).
    pub rep: Option<String>,
    pub region: Option<String>,
    pub grade: Option<String>,
}

#[server(prefix = "/sfn", endpoint = "cockpit")]
pub async fn get_cockpit(#[server(default)] args: CockpitArgs) -> Result<Dashboard, AppError> {
    use crate::domain::auth::Permission;
    use crate::domain::business_date;

    let user = super::authorize(Permission::ViewCockpit)?;
    let store = super::store()?;
    let as_of = match args.as_of {
        Some(d) => d,
        None => business_date(super::clock()?.now()),
    };
    let slice = slice_for(&user, store.as_ref(), &args.rep, &args.region, &args.grade).await?;
    Ok(crate::ledger::dashboard(store.as_ref(), slice, as_of).await?)
}

/// The slice a user may see: a sales rep always their own; anyone else the one filter
/// asked for (a rep by username, a region, or a grade).
#[cfg(feature = "ssr")]
pub async fn slice_for(
    user: &crate::domain::auth::User,
    store: &dyn crate::store::Store,
    rep: &Option<String>,
    region: &Option<String>,
    grade: &Option<String>,
) -> Result<crate::domain::dashboard::Slice, AppError> {
    use crate::domain::auth::{Role, Scope};
    use crate::domain::dashboard::Slice;
    let rep_id = match rep.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(name) => {
            let reps = store.users_by_role(Role::SalesRep).await?;
            let rep = reps
                .iter()
                .find(|u| u.username == name)
                .ok_or_else(|| AppError::Invalid(format!("rep: no sales rep '{name}'")))?;
            Some(rep.id.to_string())
        }
    };
    Ok(match user.scope() {
        Scope::Rep(id) => Slice::Rep(id),
        Scope::All => Slice::parse(rep_id.as_deref(), region.as_deref(), grade.as_deref())
            .map_err(AppError::Invalid)?,
    })
}
