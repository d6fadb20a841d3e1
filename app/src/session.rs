//! Password hashing and session tokens (server only).
//!
//! Invariants:
//! - passwords are stored only as argon2id PHC strings;
//! - session tokens are 256 random bits; the database stores only their SHA-256, so a
//!   leaked table cannot be replayed as cookies;
//! - the session cookie is HttpOnly and SameSite=Lax; served over TLS it is Secure and
//!   named with the `__Host-` prefix, so no subdomain and no plain-HTTP page can set or
//!   shadow it (ASVS 3.4.4);
//! - a session holds only while `domain::sessions` says so, and only for an enabled user
//!   (`resume`).
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use http::HeaderValue;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "creditdesk_session";
pub const SECURE_SESSION_COOKIE: &str = "__Host-creditdesk_session";

/// The cookie's name: only the `__Host-` one is read when cookies are secure.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// Whether to mark cookies `Secure` (set when the public URL is https).
#[derive(Clone, Copy, Debug)]
pub struct CookieSecurity(pub bool);

pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Does the work of a verification against a throwaway hash.
pub fn burn_password_check(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default());
    let _ = verify_password(password, phc);
}

/// A fresh random secret, hex-encoded (sessions and API keys).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let name = cookie_name(secure);
    let flag = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{flag}"
    ))
    .expect("hex token is a valid header value")
}

pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    cookie(
        token,
        crate::domain::sessions::ABSOLUTE.num_seconds(),
        secure,
    )
}

pub fn clear_cookie(secure: bool) -> HeaderValue {
    cookie("", 0, secure)
}

/// The session token from a `Cookie` header, if any.
pub fn token_from_cookie_header(header: &str, secure: bool) -> Option<String> {
    let name = cookie_name(secure);
    header
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// The signed-in user of this token, if its session still holds at `now`; the
/// session's last-seen time moves on (at most once a minute). A session that ended is
/// deleted on sight.
pub async fn resume(
    store: &dyn crate::store::Store,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
    policy: crate::domain::sessions::SessionPolicy,
) -> Result<Option<crate::domain::auth::User>, crate::store::StoreError> {
    let hash = token_hash(token);
    let Some(s) = store.session(&hash).await? else {
        return Ok(None);
    };
    if s.user_disabled || !policy.alive(s.expires_at, s.last_seen_at, now) {
        store.delete_session(&hash).await?;
        return Ok(None);
    }
    if crate::domain::sessions::needs_touch(s.last_seen_at, now) {
        store.touch_session(&hash, now).await?;
    }
    Ok(Some(s.user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_round_trip() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn cookie_is_httponly_samesite_and_parsed_back() {
        let c = session_cookie("abc", false);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && !c.contains("Secure"));
        assert!(session_cookie("abc", true)
            .to_str()
            .unwrap()
            .ends_with("; Secure"));
        assert_eq!(
            token_from_cookie_header("a=1; creditdesk_session=abc; b=2", false).as_deref(),
            Some("abc")
        );
        assert_eq!(token_from_cookie_header("creditdesk_session=", false), None);
    }

    #[test]
    fn a_secure_cookie_is_host_prefixed_and_only_that_name_is_read() {
        let c = session_cookie("abc", true);
        let c = c.to_str().unwrap();
        assert!(c.starts_with("__Host-creditdesk_session=abc; Path=/;") && !c.contains("Domain"));
        let planted = "creditdesk_session=planted; __Host-creditdesk_session=real";
        assert_eq!(
            token_from_cookie_header(planted, true).as_deref(),
            Some("real")
        );
        assert_eq!(
            token_from_cookie_header("creditdesk_session=planted", true),
            None
        );
    }
}
