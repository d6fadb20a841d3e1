//! Customer groups (`domain::groups`): open one, list them with their exposure.
//!
//! Invariants: a group code is unique (a taken one is `Conflict`) and never changes;
//! opening a group and changing its name or limit are audited. Membership is part of the credit file: it is set when a customer is opened
//! (`NewCustomer::group_code`) or patched (`CustomerPatch::group`), in the same
//! transaction and audit row as the rest of the file, and only for customers billed in
//! the book currency.
use super::*;
use crate::domain::customer::CustomerCode;
use crate::domain::groups::{GroupPatch, GroupRow, NewGroup};

#[async_trait]
pub trait GroupStore: Send + Sync {
    /// Opens the group and, with `member`, puts that customer in it in the same
    /// transaction (refused by name, writing nothing, if it may not join); returns its id.
    async fn create_group(
        &self,
        group: &NewGroup,
        member: Option<i64>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    /// Changes the group's name or limit, audited with both values; `NotFound` if there
    /// is no such group. Returns the group as it now stands.
    async fn update_group(
        &self,
        code: &CustomerCode,
        patch: &GroupPatch,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<GroupRow, StoreError>;
    /// Every group by code (or `only` that one), with its members' exposure at `as_of`
    /// as the credit check counts it.
    async fn groups(
        &self,
        only: Option<&CustomerCode>,
        as_of: NaiveDate,
    ) -> Result<Vec<GroupRow>, StoreError>;
}
