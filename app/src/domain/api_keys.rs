//! What an API key may do, until when, and how fast (ASVS 4.1.3, 13.1.4, 13.2.5).
//!
//! Invariants:
//! - a key carries an explicit set of scopes; every REST endpoint names the one it
//!   needs, and a key without it gets 403 naming the scope;
//! - a revoked key, or one past its expiry, is refused (401) whatever its scopes;
//! - keys made before scopes existed keep what they could do: `read,ledger:write`, plus
//!   `admin` where they had the admin flag (migration 0017);
//! - pure: parsing and the decision; the store keeps the rows, the REST layer asks.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ApiScope {
    /// Read customers, credit, aging and the dashboard; run credit checks.
    Read,
    /// Post documents: customers, invoices, orders, payments, credit notes.
    LedgerWrite,
    /// Change limits and statuses (`PATCH /customers/{code}`).
    CreditWrite,
    /// See sensitive customer fields unmasked.
    PiiRead,
    /// The admin endpoints (`POST /rule-runs`).
    Admin,
}

impl ApiScope {
    pub const ALL: [ApiScope; 5] = [
        ApiScope::Read,
        ApiScope::LedgerWrite,
        ApiScope::CreditWrite,
        ApiScope::PiiRead,
        ApiScope::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::Read => "read",
            ApiScope::LedgerWrite => "ledger:write",
            ApiScope::CreditWrite => "credit:write",
            ApiScope::PiiRead => "pii:read",
            ApiScope::Admin => "admin",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of scopes, stored as their comma-separated names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApiScopes(u8);

/// What a key made before scopes existed may do.
pub const LEGACY_SCOPES: &str = "read,ledger:write";

/// Requests a key may make per minute unless created with another limit (migration 0017).
pub const DEFAULT_RATE_PER_MINUTE: u32 = 6000;

/// A fixed one-minute window of a key's requests: `(minute, count)`. Charges one request
/// at `now`, or says in how many seconds the next minute starts when `limit` is spent.
pub fn charge(window: &mut (i64, u32), limit: u32, now: DateTime<Utc>) -> Result<(), u64> {
    let minute = now.timestamp().div_euclid(60);
    if window.0 != minute {
        *window = (minute, 0);
    }
    if window.1 >= limit {
        return Err((60 - now.timestamp().rem_euclid(60)) as u64);
    }
    window.1 += 1;
    Ok(())
}

impl ApiScopes {
    /// `LEGACY_SCOPES`.
    pub const LEGACY: ApiScopes =
        ApiScopes(1 << ApiScope::Read as u8 | 1 << ApiScope::LedgerWrite as u8);

    /// `"read,ledger:write"`: names separated by commas, at least one; an unknown name
    /// is refused, naming it and the known ones.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut set = ApiScopes(0);
        for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let scope = ApiScope::ALL
                .into_iter()
                .find(|sc| sc.as_str() == name)
                .ok_or_else(|| {
                    let known: Vec<_> = ApiScope::ALL.iter().map(|s| s.as_str()).collect();
                    format!(
                        "scope: unknown scope '{name}' (known: {})",
                        known.join(", ")
                    )
                })?;
            set.0 |= scope.bit();
        }
        if set.0 == 0 {
            return Err("scope: give at least one scope".into());
        }
        Ok(set)
    }

    pub fn insert(&mut self, scope: ApiScope) {
        self.0 |= scope.bit();
    }

    pub fn contains(self, scope: ApiScope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn to_string_list(self) -> String {
        ApiScope::ALL
            .into_iter()
            .filter(|s| self.contains(*s))
            .map(ApiScope::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRefusal {
    Revoked,
    Expired,
    /// Valid, but without this scope (403).
    Missing(ApiScope),
}

impl KeyRefusal {
    pub fn message(&self) -> String {
        match self {
            KeyRefusal::Revoked => "API key revoked".into(),
            KeyRefusal::Expired => "API key expired".into(),
            KeyRefusal::Missing(s) => format!("this API key lacks the '{}' scope", s.as_str()),
        }
    }
}

/// Where a key stands at a time: revoked wins over expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyState {
    Active,
    Expired,
    Revoked,
}

impl KeyState {
    pub fn at(revoked: bool, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        if revoked {
            KeyState::Revoked
        } else if expires_at.is_some_and(|e| e <= now) {
            KeyState::Expired
        } else {
            KeyState::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Expired => "expired",
            KeyState::Revoked => "revoked",
        }
    }
}

/// May a key with these properties call an endpoint needing `needed` at `now`?
pub fn admit(
    scopes: ApiScopes,
    revoked: bool,
    expires_at: Option<DateTime<Utc>>,
    needed: ApiScope,
    now: DateTime<Utc>,
) -> Result<(), KeyRefusal> {
    match KeyState::at(revoked, expires_at, now) {
        KeyState::Revoked => return Err(KeyRefusal::Revoked),
        KeyState::Expired => return Err(KeyRefusal::Expired),
        KeyState::Active => {}
    }
    if !scopes.contains(needed) {
        return Err(KeyRefusal::Missing(needed));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn scopes_parse_by_name_and_print_back_in_order() {
        let s = ApiScopes::parse("ledger:write, read").unwrap();
        assert!(s.contains(ApiScope::Read) && s.contains(ApiScope::LedgerWrite));
        assert!(!s.contains(ApiScope::Admin));
        assert_eq!(s.to_string_list(), "read,ledger:write");
        assert_eq!(ApiScopes::parse(LEGACY_SCOPES), Ok(s));
        assert_eq!(ApiScopes::LEGACY, s);
        let e = ApiScopes::parse("read,write").unwrap_err();
        assert!(e.contains("'write'") && e.contains("credit:write"), "{e}");
        assert!(ApiScopes::parse(" , ").is_err());
    }

    #[test]
    fn a_key_gets_its_limit_per_minute_then_waits_for_the_next() {
        let t = Utc.with_ymd_and_hms(2026, 6, 15, 10, 0, 45).unwrap();
        let mut w = (0, 0);
        assert_eq!(charge(&mut w, 2, t), Ok(()));
        assert_eq!(charge(&mut w, 2, t), Ok(()));
        assert_eq!(charge(&mut w, 2, t), Err(15), "15 s to the next minute");
        assert_eq!(charge(&mut w, 2, t + chrono::Duration::seconds(15)), Ok(()));
    }

    #[test]
    fn a_key_is_refused_when_revoked_expired_or_short_of_the_scope() {
        let now = Utc.with_ymd_and_hms(2026, 6, 15, 10, 0, 0).unwrap();
        let read = ApiScopes::parse("read").unwrap();
        assert_eq!(admit(read, false, None, ApiScope::Read, now), Ok(()));
        assert_eq!(
            admit(read, true, None, ApiScope::Read, now),
            Err(KeyRefusal::Revoked)
        );
        assert_eq!(
            admit(read, false, Some(now), ApiScope::Read, now),
            Err(KeyRefusal::Expired)
        );
        let later = Some(now + chrono::Duration::days(1));
        assert_eq!(
            admit(read, false, later, ApiScope::CreditWrite, now),
            Err(KeyRefusal::Missing(ApiScope::CreditWrite))
        );
        assert!(KeyRefusal::Missing(ApiScope::CreditWrite)
            .message()
            .contains("credit:write"));
    }
}
