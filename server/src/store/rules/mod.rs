//! The rule engine's storage, shared by both backends (`rule_store!` expands inside
//! `sqlite.rs` and `postgres.rs` through `impl_store!`): rules, run leases, firings with
//! their actions, the outbox and its delivery log; one file per concern below.
//!
//! Invariants:
//! - A run is the unique (rule, date) row. Only the caller whose insert created it, or
//!   who took over a stale lease, holds it; every page renews the lease under the
//!   ledger's writers' lock (`begin` takes the audit head) and a page whose lease was
//!   lost writes nothing. The run's cursor moves in the same transaction as the page's
//!   firings, so a takeover resumes exactly after the last committed page.
//! - A firing's row, its actions (customer changes with their audit rows, dunning
//!   charges, tasks, in-app notifications) and its outbox messages commit together, and
//!   only for the transaction whose `INSERT … ON CONFLICT (dedupe_key) DO NOTHING`
//!   returned a row. Re-running, resuming or racing therefore acts once per key.
//! - An outbox message is claimed by an `UPDATE` that re-checks the claim, so on
//!   PostgreSQL a second worker blocked on the row lock re-reads it and skips it; on
//!   SQLite writers are serialised anyway. Only the claim's owner records its outcome.
use app::domain::rules::{Rule, RuleDraft};

/// A stored spec back to its draft and rule, or an error naming the rule.
pub(crate) fn parse_rule(id: i64, spec: &str) -> Result<(RuleDraft, Rule), app::store::StoreError> {
    let bad = |e: String| app::store::StoreError::Other(format!("rule {id}: {e}"));
    let draft: RuleDraft = serde_json::from_str(spec).map_err(|e| bad(e.to_string()))?;
    let rule = Rule::try_from(&draft).map_err(|errors| {
        bad(errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "))
    })?;
    Ok((draft, rule))
}

/// The settings row that remembers the shipped rules were installed.
pub(crate) const DEFAULTS_INSTALLED: &str = "rules.defaults_installed";

/// Open items at $1 of one customer ($2), oldest due first.
pub(crate) fn customer_open_items_sql() -> String {
    format!(
        "SELECT x.id, x.number, x.due_date, x.open_minor FROM ({} AND i.customer_id = $2) x WHERE x.open_minor > 0 ORDER BY x.due_date, x.id",
        super::AT_AS_OF
    )
}

/// A queued message's payload.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, app::store::StoreError> {
    serde_json::to_string(v).map_err(|e| app::store::StoreError::Other(e.to_string()))
}

pub mod defs;
pub mod effects;
pub mod history;
pub mod messages;
pub mod outbox;
pub mod runs;

/// Every rule-engine port for one backend.
macro_rules! rule_store {
    ($store:ty, $db:ty) => {
        $crate::store::rules::messages::rule_message_fns!($db);
        $crate::store::rules::effects::rule_effect_fns!($db);
        $crate::store::rules::defs::rule_defs_impl!($store, $db);
        $crate::store::rules::runs::rule_runs_impl!($store, $db);
        $crate::store::rules::history::rule_history_impl!($store, $db);
        $crate::store::rules::outbox::outbox_impl!($store, $db);
    };
}
pub(crate) use rule_store;
