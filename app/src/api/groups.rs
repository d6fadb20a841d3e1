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
    ssr::in_scope(store.as_ref(), customer_id, &user).await?;
    ssr::checked(
        store
            .create_group(&group, Some(customer_id), &user.username, now)
            .await,
    )
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
    ssr::checked(store.update_group(&code, &patch, &user.username, now).await)
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
    ssr::in_scope(store.as_ref(), customer_id, &user).await?;
    let patch = crate::domain::documents::CustomerPatch {
        group: Some(code),
        ..Default::default()
    };
    ssr::checked(
        store
            .update_customer(customer_id, &patch, &user.username, now)
            .await,
    )
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::domain::auth::User;
    use crate::domain::documents::FieldError;
    use crate::store::{Store, StoreError};

    /// The customer, if the user may see it; out of scope looks exactly like absent.
    pub async fn in_scope(
        store: &dyn Store,
        customer_id: i64,
        user: &User,
    ) -> Result<(), AppError> {
        store
            .customer_file(customer_id, user.scope())
            .await?
            .map(|_| ())
            .ok_or(AppError::NotFound)
    }

    /// Done, or a store refusal the user can mend (a taken code, an unknown group,
    /// another currency) as `Invalid` naming its field; any other error stays an error.
    pub fn checked<T>(r: Result<T, StoreError>) -> Result<Checked<()>, AppError> {
        match r {
            Ok(_) => Ok(Checked::Done(())),
            Err(StoreError::Rejected(f)) => Ok(Checked::Invalid(vec![f])),
            Err(StoreError::Conflict(m)) => Ok(Checked::Invalid(vec![FieldError::new("code", m)])),
            Err(e) => Err(e.into()),
        }
    }
}
