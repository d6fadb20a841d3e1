//! Who may do what.
//!
//! Invariants: permissions are granted by an explicit table (`Role::allows`); anything
//! not listed is denied. A `sales_rep` only ever reads through `Scope::Rep`, so every
//! query that takes a scope filters to the customers assigned to that rep.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Executive,
    Finance,
    CreditManager,
    SalesManager,
    SalesRep,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role '{0}' (admin, executive, finance, credit_manager, sales_manager, sales_rep)")]
pub struct UnknownRole(pub String);

impl Role {
    /// Where the role sits in the approval hierarchy (rep < sales manager < credit
    /// manager < executive); finance and admin sit outside it.
    fn approval_rank(self) -> Option<u8> {
        match self {
            Role::SalesRep => Some(0),
            Role::SalesManager => Some(1),
            Role::CreditManager => Some(2),
            Role::Executive => Some(3),
            Role::Finance | Role::Admin => None,
        }
    }

    /// Whether someone of this role may act for someone of `other` (a delegation): the
    /// same role, or a higher one in the approval hierarchy.
    pub fn may_stand_in_for(self, other: Role) -> bool {
        self == other
            || matches!((self.approval_rank(), other.approval_rank()), (Some(a), Some(b)) if a > b)
    }

    /// Whether this role reads every customer; a sales rep reads only their own. Only
    /// such roles can take a pooled task (`role:NAME`): a pool of reps would let any
    /// rep work another rep's customer.
    pub fn sees_all_customers(self) -> bool {
        self != Role::SalesRep
    }

    /// The pool this role's members work tasks from, if it may have one.
    pub fn task_pool(self) -> Option<Role> {
        self.sees_all_customers().then_some(self)
    }

    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Executive,
        Role::Finance,
        Role::CreditManager,
        Role::SalesManager,
        Role::SalesRep,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Executive => "executive",
            Role::Finance => "finance",
            Role::CreditManager => "credit_manager",
            Role::SalesManager => "sales_manager",
            Role::SalesRep => "sales_rep",
        }
    }

    pub fn parse(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }

    /// The deny-by-default permission table.
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match p {
            ViewCockpit | ViewCustomers | ViewReceivables => true,
            PostLedger | ImportData | ConfigureFinance => matches!(self, Admin | Finance),
            ViewAudit => matches!(self, Admin | Finance | Executive | CreditManager),
            ManageUsers | ManageApiKeys => self == Admin,
            // Whether a user may decide a given step is `approval::may_act`, per step.
            ViewApplications => true,
            ApplyForCredit => matches!(
                self,
                Admin | Finance | CreditManager | SalesManager | SalesRep
            ),
            RescoreCustomer | ReadPii => matches!(self, Admin | Finance | CreditManager),
            WorkCollections => self != Executive,
            ManageCollections => matches!(self, Admin | Finance | CreditManager | SalesManager),
        }
    }
}

/// Something a server function or endpoint needs before it does anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    ViewCockpit,
    ViewCustomers,
    /// Invoice list and aging report (within the user's scope).
    ViewReceivables,
    /// Payments, credit notes, write-offs and reversals.
    PostLedger,
    /// Bulk import of customers, invoices and payments.
    ImportData,
    ViewAudit,
    /// Finance settings such as the aging bucket edges.
    ConfigureFinance,
    ManageUsers,
    ManageApiKeys,
    /// The approval board and application pages (a sales rep sees their own).
    ViewApplications,
    /// Submitting credit-limit applications.
    ApplyForCredit,
    /// Rescoring one customer on demand (the whole book, the model, the back-test and the
    /// manual factors are `ConfigureFinance`).
    RescoreCustomer,
    /// A customer's sensitive fields unmasked (`domain::pii`); every such read is audited.
    ReadPii,
    /// Work collection tasks: log contacts, promises, disputes; escalate.
    WorkCollections,
    /// Create tasks for others, reassign them, resolve disputes, see the team's tasks.
    ManageCollections,
}

/// The signed-in user as the UI and server functions see it (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl User {
    /// Which customers this user's reads cover.
    pub fn scope(&self) -> Scope {
        if self.role.sees_all_customers() {
            Scope::All
        } else {
            Scope::Rep(self.id)
        }
    }
}

/// The set of customers a read may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    All,
    /// Only customers whose assigned sales rep is this user id.
    Rep(i64),
}

impl Scope {
    /// The rep filter as an optional id, the shape SQL wants.
    pub fn rep_id(self) -> Option<i64> {
        match self {
            Scope::All => None,
            Scope::Rep(id) => Some(id),
        }
    }
}

/// A username: 3–32 of `a-z 0-9 . _ -`, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("username must be 3 to 32 characters of a-z, 0-9, '.', '_' or '-'")]
    Username,
    #[error("password must be 12 to 128 characters")]
    PasswordLength,
    #[error("password is too common: choose one that is not on lists of leaked passwords")]
    PasswordCommon,
}

impl Username {
    pub fn parse(s: &str) -> Result<Self, CredentialError> {
        let s = s.trim().to_ascii_lowercase();
        let ok = (3..=32).contains(&s.len())
            && s.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            });
        if ok {
            Ok(Username(s))
        } else {
            Err(CredentialError::Username)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password (ASVS 2.1.1, 2.1.2, 2.1.7): 12 to 128 characters, any characters
/// (spaces and CJK included, nothing stripped), and not a common password. No serde:
/// it must never be echoed back.
pub struct NewPassword(String);

/// Lowercased, most common first; `#` lines are comments. Only the server calls
/// `NewPassword::parse`, so the list never reaches the browser's WASM.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

impl NewPassword {
    pub fn parse(s: &str) -> Result<Self, CredentialError> {
        if !(12..=128).contains(&s.chars().count()) {
            return Err(CredentialError::PasswordLength);
        }
        if is_common(s) {
            return Err(CredentialError::PasswordCommon);
        }
        Ok(NewPassword(s.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// On the list as typed, or once trailing digits and symbols are taken off
/// (`Password2026!` is `password`), or one character repeated.
fn is_common(s: &str) -> bool {
    let lower = s.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let mut chars = lower.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return true;
    }
    COMMON_PASSWORDS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l == lower || (stem.len() >= 4 && l == stem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admin_manages_users_and_keys() {
        for r in Role::ALL {
            assert_eq!(r.allows(Permission::ManageUsers), r == Role::Admin, "{r:?}");
            assert_eq!(
                r.allows(Permission::ManageApiKeys),
                r == Role::Admin,
                "{r:?}"
            );
            assert!(r.allows(Permission::ViewCustomers));
            assert_eq!(
                r.allows(Permission::PostLedger),
                matches!(r, Role::Admin | Role::Finance),
                "{r:?}"
            );
            assert_eq!(
                r.allows(Permission::ImportData),
                matches!(r, Role::Admin | Role::Finance),
                "{r:?}"
            );
        }
        assert!(!Role::SalesRep.allows(Permission::ViewAudit));
    }

    #[test]
    fn finance_and_credit_managers_rescore_a_customer_only_finance_configures_scoring() {
        for r in Role::ALL {
            assert_eq!(
                r.allows(Permission::RescoreCustomer),
                matches!(r, Role::Admin | Role::Finance | Role::CreditManager),
                "{r:?}"
            );
            assert_eq!(
                r.allows(Permission::ConfigureFinance),
                matches!(r, Role::Admin | Role::Finance),
                "{r:?}"
            );
        }
    }

    #[test]
    fn sales_reps_are_scoped_to_their_customers() {
        let u = |role| User {
            id: 7,
            username: "x".into(),
            display_name: "x".into(),
            role,
        };
        assert_eq!(u(Role::SalesRep).scope(), Scope::Rep(7));
        assert_eq!(u(Role::SalesManager).scope(), Scope::All);
    }

    #[test]
    fn roles_and_credentials_parse() {
        assert_eq!(Role::parse("credit_manager"), Ok(Role::CreditManager));
        assert!(Role::parse("root")
            .unwrap_err()
            .to_string()
            .contains("root"));
        assert_eq!(Username::parse(" Li.Na ").unwrap().as_str(), "li.na");
        assert!(Username::parse("a b").is_err());
        assert!(NewPassword::parse("short").is_err());
    }

    #[test]
    fn new_passwords_are_long_and_not_common() {
        let refused = |s: &str| NewPassword::parse(s).err();
        assert_eq!(
            refused("elevenchars"),
            Some(CredentialError::PasswordLength)
        );
        assert_eq!(
            refused(&"x".repeat(129)),
            Some(CredentialError::PasswordLength)
        );
        assert_eq!(
            refused("qwerty123456"),
            Some(CredentialError::PasswordCommon)
        );
        assert_eq!(
            refused("Password2026!"),
            Some(CredentialError::PasswordCommon)
        );
        assert_eq!(
            refused("FOOTBALL1234567"),
            Some(CredentialError::PasswordCommon)
        );
        assert_eq!(
            refused("aaaaaaaaaaaaaa"),
            Some(CredentialError::PasswordCommon)
        );
        assert!(NewPassword::parse("tractor ledger 挖掘机 7").is_ok());
        assert!(NewPassword::parse("correct horse battery").is_ok());
    }
}
