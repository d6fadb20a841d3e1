//! A customer's sensitive fields through the UI: shown masked to everyone who may see
//! the customer, unmasked on request to `Permission::ReadPii` (each such read audited),
//! and changed only by those who may read them.
//!
//! Invariants: every function authorises, then resolves the customer within the
//! caller's scope (out of scope is 404, exactly like absent); an unmasked view leaves
//! the server only after its audit row is written.
use crate::api::rules::Checked;
use crate::domain::pii::{PiiDraft, PiiView};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the customer page's card shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiiPanel {
    pub view: PiiView,
    /// The viewer may unmask and edit (`Permission::ReadPii`).
    pub can_reveal: bool,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::store::{AuditEntry, Store};

    /// The customer's fields as `reader` may see them; `unmasked` reads are audited
    /// (under `reader`, naming the customer) before they are returned.
    pub async fn view(
        store: &dyn Store,
        customer_id: i64,
        code: &str,
        unmasked: bool,
        reader: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<PiiView, AppError> {
        let pii = store.customer_pii(customer_id).await?;
        if unmasked && !pii.is_empty() {
            store
                .audit(now, reader, AuditEntry::new("customer", code, "read_pii"))
                .await?;
        }
        Ok(pii.view(unmasked))
    }
}

/// The customer's sensitive fields: masked, or with `reveal` unmasked (ReadPii only).
#[server(prefix = "/sfn", endpoint = "customer_pii")]
pub async fn customer_pii(customer_id: i64, reveal: bool) -> Result<PiiPanel, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ViewCustomers)?;
    let can_reveal = user.role.allows(Permission::ReadPii);
    if reveal && !can_reveal {
        return Err(AppError::Forbidden);
    }
    let store = super::store()?;
    let file = store
        .customer_file(customer_id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let now = super::clock()?.now();
    let view = ssr::view(
        store.as_ref(),
        file.id,
        file.code.as_str(),
        reveal,
        &user.username,
        now,
    )
    .await?;
    Ok(PiiPanel { view, can_reveal })
}

/// Replaces the customer's sensitive fields (ReadPii: who may not read them may not set
/// them either). A bad field comes back as `Invalid`, each error naming its field.
#[server(prefix = "/sfn", endpoint = "save_customer_pii")]
pub async fn save_customer_pii(customer_id: i64, draft: PiiDraft) -> Result<Checked<()>, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ReadPii)?;
    let pii = match draft.parse() {
        Ok(p) => p,
        Err(errors) => return Ok(Checked::Invalid(errors)),
    };
    let store = super::store()?;
    store
        .customer_file(customer_id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let now = super::clock()?.now();
    store
        .set_customer_pii(customer_id, &pii, &user.username, now)
        .await?;
    Ok(Checked::Done(()))
}
