//! Portfolio alerts and the inbox: finance's rules (read by anyone with the cockpit,
//! changed only with `ConfigureFinance`), the alert history, and each user's own inbox.
//! Every function authorises first; the inbox functions only ever touch the caller's
//! own items (the user id comes from the session, never from the request).
use crate::domain::alerts::{AlertEpisode, AlertRule};
use crate::domain::inbox::InboxItem;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSettings {
    pub rules: Vec<AlertRule>,
    /// Newest first.
    pub history: Vec<AlertEpisode>,
    pub can_configure: bool,
}

#[server(prefix = "/sfn", endpoint = "alert_settings")]
pub async fn get_alert_settings() -> Result<AlertSettings, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ViewCockpit)?;
    let store = super::store()?;
    // The alerts are about the whole book: a viewer scoped to their own customers (a
    // rep) sees the rules, not the book's alert history.
    let history = match user.scope() {
        crate::domain::auth::Scope::All => store.alert_history(100).await?,
        _ => Vec::new(),
    };
    Ok(AlertSettings {
        rules: crate::ledger::alert_rules(store.as_ref()).await?,
        history,
        can_configure: user.role.allows(Permission::ConfigureFinance),
    })
}

/// Saves finance's rules (audited as a setting change) and evaluates them at once, so
/// the cockpit, the history and the inbox reflect them without waiting for the tick.
#[server(prefix = "/sfn", endpoint = "save_alert_rules")]
pub async fn save_alert_rules(rules: Vec<AlertRule>) -> Result<(), AppError> {
    use crate::domain::{alerts, auth::Permission, business_date};
    let user = super::authorize(Permission::ConfigureFinance)?;
    let rules = alerts::parse_rules(rules).map_err(AppError::Invalid)?;
    let store = super::store()?;
    let now = super::clock()?.now();
    let value = serde_json::to_string(&rules).map_err(AppError::internal)?;
    store
        .set_setting(alerts::RULES_SETTING, &value, &user.username, now)
        .await?;
    crate::ledger::evaluate_alerts(store.as_ref(), business_date(now), now).await?;
    Ok(())
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
    pub unread: i64,
}

#[server(prefix = "/sfn", endpoint = "inbox")]
pub async fn get_inbox() -> Result<Inbox, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ViewCockpit)?;
    let store = super::store()?;
    Ok(Inbox {
        items: store.inbox(user.id, 100).await?,
        unread: store.unread_count(user.id).await?,
    })
}

#[server(prefix = "/sfn", endpoint = "unread_count")]
pub async fn unread_count() -> Result<i64, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ViewCockpit)?;
    Ok(super::store()?.unread_count(user.id).await?)
}

/// Marks one of the caller's items read (`id`), or all of them.
#[server(prefix = "/sfn", endpoint = "mark_read")]
pub async fn mark_read(id: Option<i64>) -> Result<u64, AppError> {
    use crate::domain::auth::Permission;
    let user = super::authorize(Permission::ViewCockpit)?;
    let store = super::store()?;
    Ok(store.mark_read(user.id, id, super::clock()?.now()).await?)
}
