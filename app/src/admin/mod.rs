//! User administration, shared by the admin page's server functions and the CLI
//! (`creditdesk user create`); API keys are in `keys`.
//!
//! Invariants, and why they hold:
//! - **Audited, without secrets.** Every change writes an audit row under the acting
//!   admin (`cli` from the command line) naming the user, with the changed fields; a
//!   password or its hash never appears.
//! - **An install keeps a way in.** Nobody disables themselves or takes away their own
//!   admin role, and the last enabled admin can be neither disabled nor demoted.
//! - **Reporting lines stay a tree.** A manager is another, enabled user who does not
//!   report (directly or not) to the user: the approval chain's "applicant's manager"
//!   step walks these lines.
//! - **Temporary passwords are shown once.** `temporary_password` makes one; only its
//!   hash is stored, and a reset ends every session of the user.
pub mod keys;

use crate::domain::auth::Role;
use crate::error::AppError;
use crate::store::{AuditEntry, NewUser, Store, UserAccount, UserProfile};
use chrono::{DateTime, Utc};

/// A temporary password: 16 characters in four groups, from an alphabet without look-alike
/// characters (about 90 bits), e.g. `k7Qm-x2Rd-...`.
pub fn temporary_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let chars: Vec<char> = (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Creates the user (the username must be free) and reports to `manager_id`, if given.
pub async fn create_user(
    store: &dyn Store,
    user: NewUser,
    manager_id: Option<i64>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    if store.user_id_by_username(&user.username).await?.is_some() {
        return Err(AppError::Invalid(format!(
            "username: '{}' already exists",
            user.username
        )));
    }
    if let Some(m) = manager_id {
        check_manager(&store.user_accounts().await?, None, m)?;
    }
    let (username, role) = (user.username.clone(), user.role);
    let id = store.create_user(user, now).await?;
    if manager_id.is_some() {
        store.set_user_manager(id, manager_id).await?;
    }
    let after = serde_json::json!({ "role": role.as_str(), "manager_id": manager_id });
    let entry = AuditEntry {
        after: Some(after.to_string()),
        ..AuditEntry::new("user", username, "create")
    };
    store.audit(now, actor, entry).await?;
    Ok(id)
}

/// Changes the user's name, role and manager; audited with before and after, in the
/// same transaction.
pub async fn update_user(
    store: &dyn Store,
    id: i64,
    change: UserProfile,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let accounts = store.user_accounts().await?;
    let target = find(&accounts, id)?;
    let display_name = change.display_name.trim().to_string();
    if display_name.is_empty() || display_name.chars().count() > 64 {
        return Err(AppError::Invalid(
            "display_name: must be 1 to 64 characters".into(),
        ));
    }
    if target.user.role == Role::Admin && change.role != Role::Admin {
        keep_an_admin(&accounts, target, actor, "role")?;
    }
    if let Some(m) = change.manager_id {
        check_manager(&accounts, Some(id), m)?;
    }
    let change = UserProfile {
        display_name,
        ..change
    };
    let entry = AuditEntry {
        before: Some(account_json(
            &target.user.display_name,
            target.user.role,
            target.manager_id,
        )),
        after: Some(account_json(
            &change.display_name,
            change.role,
            change.manager_id,
        )),
        ..AuditEntry::new("user", target.user.username.as_str(), "update")
    };
    store
        .set_user_profile(id, &change, (now, actor, entry))
        .await?;
    Ok(())
}

/// Disables the user (ending their sessions) or enables them again.
pub async fn set_enabled(
    store: &dyn Store,
    id: i64,
    enabled: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let accounts = store.user_accounts().await?;
    let target = find(&accounts, id)?;
    if !enabled {
        keep_an_admin(&accounts, target, actor, "enabled")?;
    }
    store
        .set_user_disabled(id, (!enabled).then_some(now))
        .await?;
    let action = if enabled { "enable" } else { "disable" };
    let entry = AuditEntry::new("user", target.user.username.as_str(), action);
    store.audit(now, actor, entry).await?;
    Ok(())
}

/// Sets a new password hash (a reset by an admin) and ends every session of the user;
/// returns their username.
pub async fn reset_password(
    store: &dyn Store,
    id: i64,
    password_hash: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let accounts = store.user_accounts().await?;
    let username = find(&accounts, id)?.user.username.clone();
    store.set_password(id, password_hash).await?;
    let ended = store.end_sessions(id, None).await?;
    let entry = AuditEntry {
        after: Some(format!("{{\"sessions_ended\":{ended}}}")),
        ..AuditEntry::new("user", username.as_str(), "password_reset")
    };
    store.audit(now, actor, entry).await?;
    Ok(username)
}

fn find(accounts: &[UserAccount], id: i64) -> Result<&UserAccount, AppError> {
    accounts
        .iter()
        .find(|a| a.user.id == id)
        .ok_or(AppError::NotFound)
}

fn account_json(display_name: &str, role: Role, manager_id: Option<i64>) -> String {
    serde_json::json!({
        "display_name": display_name, "role": role.as_str(), "manager_id": manager_id,
    })
    .to_string()
}

/// Refuses to take `target` out of the enabled admins when that would leave none, or
/// when the actor is doing it to themselves (`field` names the form field).
fn keep_an_admin(
    accounts: &[UserAccount],
    target: &UserAccount,
    actor: &str,
    field: &str,
) -> Result<(), AppError> {
    if target.user.username == actor {
        return Err(AppError::Invalid(format!(
            "{field}: you cannot do this to your own account; ask another admin"
        )));
    }
    let admins = accounts
        .iter()
        .filter(|a| a.user.role == Role::Admin && a.disabled_at.is_none())
        .count();
    let is_live_admin = target.user.role == Role::Admin && target.disabled_at.is_none();
    if is_live_admin && admins <= 1 {
        return Err(AppError::Invalid(format!(
            "{field}: '{}' is the last enabled admin",
            target.user.username
        )));
    }
    Ok(())
}

/// A manager must exist, be enabled, differ from the user and not report to them.
fn check_manager(
    accounts: &[UserAccount],
    user: Option<i64>,
    manager: i64,
) -> Result<(), AppError> {
    let bad = |why: &str| Err(AppError::Invalid(format!("manager: {why}")));
    let Some(m) = accounts.iter().find(|a| a.user.id == manager) else {
        return bad("no such user");
    };
    if m.disabled_at.is_some() {
        return bad("that user is disabled");
    }
    // Walk up from the proposed manager: meeting the user means a loop.
    let mut at = Some(manager);
    for _ in 0..=accounts.len() {
        match at {
            Some(id) if Some(id) == user => {
                return bad("a user cannot report to themselves or to someone who reports to them")
            }
            Some(id) => {
                at = accounts
                    .iter()
                    .find(|a| a.user.id == id)
                    .and_then(|a| a.manager_id)
            }
            None => return Ok(()),
        }
    }
    bad("the reporting lines already loop")
}
