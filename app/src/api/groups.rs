//! Customer groups from the customer page (`Permission::ConfigureFinance`): open a group
//! with its limit, move a customer into a group or out of it. The store keeps the
//! invariants (`app::store::GroupStore`); a refusal comes back as `Checked::Invalid`
//! naming the field, for the form to show.
use crate::api::rules::Checked;
use crate::domain::groups::{GroupInput, GroupPatchInput};
use crate::error::AppError;
use leptos::prelude::*;

/// Opens the group and puts the customer in it.
#[server(prefix = "/sfn", endpoint = "create_customer_group")]
pub async fn create_customer_group(
    customer_id: i64,
    group: GroupInput,
) -> Result<Checked<()>, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ConfigureFinance)?;
    let group = match group.parse() {
        Ok(g) => g,
        Err(errors) => return Ok(Checked::Invalid(errors)),
    };
    let (store, now) = (super::store()?, super::clock()?.now());
    store
        .customer_file(customer_id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let opened = store.create_group(&group, Some(customer_id), &user.username, now);
    Ok(match ssr::refused(opened.await)? {
        Ok(_) => Checked::Done(()),
        Err(refusal) => refusal,
    })
}

/// Changes the group's limit or name (blank fields are left as they are).
#[server(prefix = "/sfn", endpoint = "update_customer_group")]
pub async fn update_customer_group(
    group_code: String,
    group: GroupPatchInput,
) -> Result<Checked<()>, AppError> {
    use crate::domain::auth::Permission;
    use crate::domain::customer::CustomerCode;
    let user = super::authorize(Permission::ConfigureFinance)?;
    let code = CustomerCode::parse(&group_code).map_err(|_| AppError::NotFound)?;
    let blank = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
    let input = GroupPatchInput {
        name: blank(group.name),
        limit: blank(group.limit),
    };
    let patch = match input.parse() {
        Ok(p) => p,
        Err(errors) => return Ok(Checked::Invalid(errors)),
    };
    let (store, now) = (super::store()?, super::clock()?.now());
    let updated = store.update_group(&code, &patch, &user.username, now);
    Ok(match ssr::refused(updated.await)? {
        Ok(_) => Checked::Done(()),
        Err(refusal) => refusal,
    })
}

/// Moves the customer into the group `group_code`, or out of any group when it is blank.
#[server(prefix = "/sfn", endpoint = "set_customer_group")]
pub async fn set_customer_group(
    customer_id: i64,
    group_code: String,
) -> Result<Checked<()>, AppError> {
    use crate::domain::auth::Permission;
    use crate::domain::customer::CustomerCode;
    use crate::domain::documents::FieldError;
    let user = super::authorize(Permission::ConfigureFinance)?;
    let code = match group_code.trim() {
        "" => None,
        code => match CustomerCode::parse(code) {
            Ok(c) => Some(c),
            Err(e) => {
                return Ok(Checked::Invalid(vec![FieldError::new(
                    "group_code",
                    e.to_string(),
                )]))
            }
        },
    };
    let (store, now) = (super::store()?, super::clock()?.now());
    ssr::join(store.as_ref(), customer_id, code, &user.username, now).await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::domain::customer::CustomerCode;
    use crate::domain::documents::{CustomerPatch, FieldError};
    use crate::store::{Store, StoreError};

    /// A store refusal the user can mend (a taken code, an unknown group, another
    /// currency) as `Invalid`; any other error stays an error.
    pub fn refused<T>(r: Result<T, StoreError>) -> Result<Result<T, Checked<()>>, AppError> {
        match r {
            Ok(v) => Ok(Ok(v)),
            Err(StoreError::Rejected(f)) => Ok(Err(Checked::Invalid(vec![f]))),
            Err(StoreError::Conflict(m)) => {
                Ok(Err(Checked::Invalid(vec![FieldError::new("code", m)])))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn join(
        store: &dyn Store,
        customer_id: i64,
        group: Option<CustomerCode>,
        actor: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Checked<()>, AppError> {
        let patch = CustomerPatch {
            group: Some(group),
            ..Default::default()
        };
        Ok(
            match refused(store.update_customer(customer_id, &patch, actor, now).await)? {
                Ok(_) => Checked::Done(()),
                Err(refusal) => refusal,
            },
        )
    }
}
