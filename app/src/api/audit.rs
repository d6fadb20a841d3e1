//! The audit trail, newest first, filtered by entity, key and actor.
//!
//! Invariant: only roles with `ViewAudit` read it; it is read-only here (the log is
//! append-only in the database and hash-chained).
use crate::error::AppError;
use crate::records::AuditRow;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const AUDIT_PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditFilters {
    pub entity: Option<String>,
    pub key: Option<String>,
    pub actor: Option<String>,
    /// Show rows older than this id (the next page).
    pub before: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// The `before` of the next page, when there is one.
    pub next: Option<i64>,
}

#[server(prefix = "/sfn", endpoint = "audit")]
pub async fn audit_trail(#[server(default)] f: AuditFilters) -> Result<AuditPage, AppError> {
    use crate::domain::auth::Permission;
    use crate::store::AuditQuery;
    super::authorize(Permission::ViewAudit)?;
    let clean = |s: Option<String>| {
        s.map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty() && s.len() <= 100)
    };
    let q = AuditQuery {
        entity: clean(f.entity),
        entity_key: clean(f.key),
        actor: clean(f.actor),
        before_id: f.before,
        limit: AUDIT_PAGE_SIZE + 1,
    };
    let mut rows = super::store()?.audit_trail(&q).await?;
    let more = rows.len() > AUDIT_PAGE_SIZE as usize;
    rows.truncate(AUDIT_PAGE_SIZE as usize);
    let next = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(AuditPage { rows, next })
}
