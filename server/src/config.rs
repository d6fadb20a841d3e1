//! Configuration from flags and environment. Everything is parsed up front, so a bad
//! value stops start-up with one line naming it, before anything listens or writes.
use crate::store::DatabaseUrl;
use std::net::SocketAddr;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/creditdesk.db";
/// Where the master key is kept when CREDITDESK_MASTER_KEY is unset (see `vault`).
pub const DEFAULT_MASTER_KEY_FILE: &str = "data/master.key";
pub const DEFAULT_BIND: &str = "127.0.0.1:3000";

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub bind: SocketAddr,
    pub database: DatabaseUrl,
    /// Directory holding the compiled client (`pkg/`), produced by cargo-leptos.
    pub site_root: String,
    /// Mark session cookies `Secure` (set when served behind HTTPS).
    pub secure_cookies: bool,
    /// Extra origins allowed to POST (besides the request's own host), e.g. a public URL.
    pub allowed_origins: Vec<String>,
    /// Extra `Host` names this server answers to (besides the bind address and the
    /// allowed origins' hosts), e.g. an internal gateway name.
    pub allowed_hosts: Vec<String>,
    /// When idle sessions end (`CREDITDESK_SESSION_IDLE_MINUTES`).
    pub session_policy: app::domain::sessions::SessionPolicy,
}

/// A comma-separated list, blanks dropped.
pub fn parse_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

pub fn parse_bind(s: &str) -> Result<SocketAddr, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("CREDITDESK_BIND: '{s}' is not an address like 127.0.0.1:3000"))
}

pub fn parse_bool(name: &str, s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(format!("{name}: '{s}' is not a boolean (true/false)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_the_setting() {
        assert!(parse_bind("nonsense")
            .unwrap_err()
            .starts_with("CREDITDESK_BIND"));
        assert_eq!(parse_bind("0.0.0.0:8080").unwrap().port(), 8080);
        assert!(parse_bool("CREDITDESK_SECURE_COOKIES", "maybe").is_err());
        assert!(DatabaseUrl::parse("mysql://x")
            .unwrap_err()
            .contains("unsupported scheme 'mysql'"));
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse(DEFAULT_DATABASE_URL),
            Ok(DatabaseUrl::Sqlite(_))
        ));
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }
}
