//! Notification settings and messages: how CreditDesk reaches people outside the app
//! (e-mail over SMTP, group-chat robots and generic webhooks), as pure data.
//!
//! The senders live in the server (`server::notify`); this module only says what a
//! valid configuration and a deliverable message are, so the settings page can check a
//! form in the browser with exactly the rules the server applies.
//!
//! Invariants, and why they hold:
//! - `SmtpSettings` and `WebhookTarget` exist only through `TryFrom` of their all-string
//!   drafts, which name every bad field at once (`FieldError`, "port: must be 1–65535").
//!   So a sender never meets an empty host, a port of 0, a `from` that is not a mailbox
//!   or a webhook URL that is not http(s).
//! - Passwords and webhook secrets are `Secret`s: no serde derives and a redacting
//!   `Debug`, so they reach neither logs nor the browser by accident. They leave a value
//!   only through `Secret::expose` or `to_draft(keep = true)` (storage), both explicit.
//! - Credentials are never configured to travel unencrypted to another machine: a
//!   username with `tls = none` is accepted only for a loopback host (a local relay).
//! - Webhook keys are unique within the stored list (`parse_webhooks`), so an outbox row
//!   that names a target by key names exactly one.
//! - The retry policy is a pure function of the attempt count (`retry_delay`,
//!   `next_attempt`), bounded by `MAX_ATTEMPTS`, so a failing endpoint is retried a
//!   known number of times on a known schedule and never forever.
use super::documents::FieldError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Settings key under which the SMTP draft (`SmtpSettings::to_draft(true)`) is stored.
pub const NOTIFY_SMTP_SETTING: &str = "notify.smtp";
/// Settings key under which the webhook drafts (`webhooks_to_drafts(.., true)`) are stored.
pub const NOTIFY_WEBHOOKS_SETTING: &str = "notify.webhooks";
/// The settings that hold secrets (a password, signing secrets, robot URLs with their
/// tokens): the store keeps them sealed at rest.
pub const SEALED_SETTINGS: [&str; 2] = [NOTIFY_SMTP_SETTING, NOTIFY_WEBHOOKS_SETTING];

// ---------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------

/// A password or signing secret. Deliberately no serde, no `Display`, and a `Debug`
/// that prints `Secret(***)`: the only way to the text is `expose`, which is easy to
/// search for in review.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for the one place that must use it (signing, SMTP AUTH,
    /// storage).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

// ---------------------------------------------------------------------------------
// Mailboxes
// ---------------------------------------------------------------------------------

/// An e-mail address with an optional display name: `ar@example.com` or
/// `CreditDesk <ar@example.com>`. Deliberately a small subset of RFC 5322 (no comments,
/// no quoted local parts, no IP-literal domains): what a finance team types, checked
/// the same way in the browser and the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mailbox {
    name: Option<String>,
    local: String,
    domain: String,
}

impl Mailbox {
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// The part before the `@`.
    pub fn local(&self) -> &str {
        &self.local
    }
    pub fn domain(&self) -> &str {
        &self.domain
    }
    /// `local@domain`, without the display name.
    pub fn address(&self) -> String {
        format!("{}@{}", self.local, self.domain)
    }
}

impl fmt::Display for Mailbox {
    /// The canonical form `parse_mailbox` reads back: `Name <local@domain>` or the bare
    /// address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{n} <{}@{}>", self.local, self.domain),
            None => write!(f, "{}@{}", self.local, self.domain),
        }
    }
}

/// Why a string is not a mailbox (the settings page shows it after the field name).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{input}' is not an email address ({reason})")]
pub struct MailboxError {
    pub input: String,
    pub reason: &'static str,
}

/// The characters RFC 5322 allows in an unquoted local part besides letters and digits.
const LOCAL_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~.";

/// Parses `addr@domain` or `Display Name <addr@domain>` (the name may be quoted and
/// may be Chinese; the address is ASCII). Surrounding spaces are ignored.
pub fn parse_mailbox(input: &str) -> Result<Mailbox, MailboxError> {
    let err = |reason| MailboxError {
        input: input.to_string(),
        reason,
    };
    let s = input.trim();
    if s.chars().any(char::is_control) {
        return Err(err("contains a control character"));
    }
    let (name, addr) = match s.find('<') {
        Some(open) => {
            let Some(inner) = s[open + 1..].strip_suffix('>') else {
                return Err(err("'<' without a closing '>' at the end"));
            };
            let raw = s[..open].trim();
            let raw = raw
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .unwrap_or(raw)
                .trim();
            if raw.contains(['"', '<', '>']) {
                return Err(err("the name contains a quote or angle bracket"));
            }
            (
                if raw.is_empty() {
                    None
                } else {
                    Some(raw.to_string())
                },
                inner.trim(),
            )
        }
        None if s.contains('>') => return Err(err("'>' without an opening '<'")),
        None => (None, s),
    };
    if addr.is_empty() {
        return Err(err("empty"));
    }
    if addr.len() > 254 {
        return Err(err("longer than 254 characters"));
    }
    let Some((local, domain)) = addr.rsplit_once('@') else {
        return Err(err("no '@'"));
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    if !local_ok {
        return Err(err("the part before '@' must be 1–64 letters, digits or !#$%&'*+-/=?^_`{|}~ with single inner dots"));
    }
    let domain = domain.to_ascii_lowercase();
    if !is_host_name(&domain) || !domain.contains('.') {
        return Err(err(
            "the part after '@' must be a domain such as example.com",
        ));
    }
    Ok(Mailbox {
        name,
        local: local.to_string(),
        domain,
    })
}

/// An ASCII DNS name: dot-separated labels of 1–63 letters, digits and inner hyphens,
/// 253 characters at most. (Internationalised domains are entered in their xn-- form.)
fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// A host an SMTP server may be configured at: a DNS name, an IPv4 address (which is a
/// DNS-shaped string too) or an IPv6 address.
fn is_smtp_host(s: &str) -> bool {
    is_host_name(s) || (s.contains(':') && s.parse::<std::net::Ipv6Addr>().is_ok())
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

// ---------------------------------------------------------------------------------
// SMTP settings
// ---------------------------------------------------------------------------------

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain text; only sensible for a relay on the same machine or network.
    None,
    /// Plain connection upgraded with STARTTLS, which is *required* (no silent downgrade).
    #[serde(rename = "starttls")]
    StartTls,
    /// TLS from the first byte ("SMTPS", "implicit TLS").
    Tls,
}

impl SmtpTls {
    pub const ALL: [SmtpTls; 3] = [SmtpTls::None, SmtpTls::StartTls, SmtpTls::Tls];

    pub fn as_str(self) -> &'static str {
        match self {
            SmtpTls::None => "none",
            SmtpTls::StartTls => "starttls",
            SmtpTls::Tls => "tls",
        }
    }

    pub fn parse(s: &str) -> Option<SmtpTls> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The port used when the form leaves it empty: 25, 587 (submission), 465 (submissions).
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// The SMTP form (or stored JSON) as typed: every field a string, unknown fields
/// rejected so a typo in stored JSON fails loudly instead of being dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpDraft {
    pub host: String,
    /// Empty means the usual port for `tls`.
    pub port: String,
    /// `none`, `starttls` or `tls`.
    pub tls: String,
    /// Empty means no SMTP AUTH.
    pub username: String,
    pub password: String,
    /// A mailbox: `ar@example.com` or `CreditDesk <ar@example.com>`.
    pub from: String,
}

impl SmtpDraft {
    /// For a form that does not show the stored password (`to_draft(false)`): an empty
    /// password with the *same* host and username as stored keeps the stored password.
    /// Changing either needs the password typed again, so a password is never silently
    /// sent to another server or moved to another account.
    pub fn keep_password_of(mut self, stored: Option<&SmtpSettings>) -> SmtpDraft {
        if let Some(s) = stored {
            if self.password.is_empty()
                && !self.username.trim().is_empty()
                && s.username.as_deref() == Some(self.username.trim())
                && s.host.eq_ignore_ascii_case(self.host.trim())
            {
                if let Some(p) = &s.password {
                    self.password = p.expose().to_string();
                }
            }
        }
        self
    }
}

/// A valid SMTP configuration (see the module invariants).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The sender mailbox in canonical form (`Mailbox`'s `Display`).
    pub from: String,
}

impl SmtpSettings {
    /// The draft again: for storage with `keep_password = true`, for the browser with
    /// `false` (the password field comes back empty; see `SmtpDraft::keep_password_of`).
    pub fn to_draft(&self, keep_password: bool) -> SmtpDraft {
        SmtpDraft {
            host: self.host.clone(),
            port: self.port.to_string(),
            tls: self.tls.as_str().to_string(),
            username: self.username.clone().unwrap_or_default(),
            password: match (&self.password, keep_password) {
                (Some(p), true) => p.expose().to_string(),
                _ => String::new(),
            },
            from: self.from.clone(),
        }
    }

    /// The sender as a parsed mailbox (always succeeds: `from` was parsed on the way in).
    pub fn from_mailbox(&self) -> Result<Mailbox, MailboxError> {
        parse_mailbox(&self.from)
    }
}

impl TryFrom<SmtpDraft> for SmtpSettings {
    type Error = Vec<FieldError>;

    fn try_from(d: SmtpDraft) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let host = d.host.trim().to_string();
        if host.is_empty() {
            errors.push(FieldError::new("host", "is empty"));
        } else if !is_smtp_host(&host) {
            errors.push(FieldError::new(
                "host",
                format!("'{host}' is not a host name or IP address"),
            ));
        }
        let tls = SmtpTls::parse(&d.tls);
        if tls.is_none() {
            errors.push(FieldError::new(
                "tls",
                format!("'{}' must be none, starttls or tls", d.tls.trim()),
            ));
        }
        let port = match d.port.trim() {
            "" => tls.map(SmtpTls::default_port),
            p => match p.parse::<u16>() {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    errors.push(FieldError::new("port", "must be 1–65535"));
                    None
                }
            },
        };
        let username = Some(d.username.trim().to_string()).filter(|u| !u.is_empty());
        if username
            .as_ref()
            .is_some_and(|u| u.chars().any(char::is_control))
        {
            errors.push(FieldError::new("username", "contains a control character"));
        }
        // Passwords are taken as typed: spaces may be part of them.
        let password = Some(d.password).filter(|p| !p.is_empty()).map(Secret);
        match (&username, &password) {
            (None, Some(_)) => errors.push(FieldError::new(
                "password",
                "is set but the username is empty",
            )),
            (Some(_), None) => errors.push(FieldError::new(
                "password",
                "is empty; a username needs one",
            )),
            _ => {}
        }
        if username.is_some()
            && tls == Some(SmtpTls::None)
            && !host.is_empty()
            && !is_loopback(&host)
        {
            errors.push(FieldError::new(
                "tls",
                "none would send the password unencrypted; choose starttls or tls",
            ));
        }
        let from = match parse_mailbox(&d.from) {
            Ok(m) => m.to_string(),
            Err(_) => {
                errors.push(FieldError::new("from", "not an email address"));
                String::new()
            }
        };
        match (tls, port) {
            (Some(tls), Some(port)) if errors.is_empty() => Ok(SmtpSettings {
                host,
                port,
                tls,
                username,
                password,
                from,
            }),
            _ => Err(errors),
        }
    }
}

// ---------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------

/// What speaks at the other end of a webhook URL; decides the body and the signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookKind {
    /// CreditDesk's own JSON, HMAC-SHA256 signed in headers when a secret is set.
    Generic,
    /// A DingTalk (钉钉) group robot; the secret is the robot's "加签" secret.
    #[serde(rename = "dingtalk")]
    DingTalk,
    /// A WeCom (企业微信) group robot; the key is in the URL, there is no secret.
    #[serde(rename = "wecom")]
    WeCom,
}

impl WebhookKind {
    pub const ALL: [WebhookKind; 3] = [
        WebhookKind::Generic,
        WebhookKind::DingTalk,
        WebhookKind::WeCom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookKind::Generic => "generic",
            WebhookKind::DingTalk => "dingtalk",
            WebhookKind::WeCom => "wecom",
        }
    }

    pub fn parse(s: &str) -> Option<WebhookKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// One webhook as typed in the settings form or stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookDraft {
    pub key: String,
    /// `generic`, `dingtalk` or `wecom`.
    pub kind: String,
    pub url: String,
    /// Empty means unsigned.
    pub secret: String,
}

impl WebhookDraft {
    /// For a form that does not show stored secrets: an empty secret keeps the secret
    /// stored under the same key *and URL* (a new URL is a new endpoint and needs its
    /// secret typed again). To drop a secret, delete the target and add it anew.
    pub fn keep_secret_of(mut self, stored: &[WebhookTarget]) -> WebhookDraft {
        if self.secret.is_empty() {
            let same = stored
                .iter()
                .find(|t| t.key == self.key.trim() && t.url == self.url.trim());
            if let Some(s) = same.and_then(|t| t.secret.as_ref()) {
                self.secret = s.expose().to_string();
            }
        }
        self
    }
}

/// A valid webhook target (see the module invariants).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    /// Unique short name, `[a-z0-9_-]{1,32}`; outbox rows and error messages use it.
    pub key: String,
    pub kind: WebhookKind,
    /// `http://` or `https://`, no spaces.
    pub url: String,
    pub secret: Option<Secret>,
}

impl WebhookTarget {
    /// The draft again: `keep_secret = true` for storage, `false` for the browser.
    pub fn to_draft(&self, keep_secret: bool) -> WebhookDraft {
        WebhookDraft {
            key: self.key.clone(),
            kind: self.kind.as_str().to_string(),
            url: self.url.clone(),
            secret: match (&self.secret, keep_secret) {
                (Some(s), true) => s.expose().to_string(),
                _ => String::new(),
            },
        }
    }
}

const WEBHOOK_KEY_MAX: usize = 32;
const URL_MAX: usize = 2048;

fn webhook_target(
    d: WebhookDraft,
    prefix: &str,
    errors: &mut Vec<FieldError>,
) -> Option<WebhookTarget> {
    let before = errors.len();
    let key = d.key.trim().to_string();
    let key_ok = !key.is_empty()
        && key.len() <= WEBHOOK_KEY_MAX
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !key_ok {
        errors.push(FieldError::new(
            format!("{prefix}key"),
            format!("'{key}' is not 1–32 of a-z, 0-9, _, -"),
        ));
    }
    let kind = WebhookKind::parse(&d.kind);
    if kind.is_none() {
        errors.push(FieldError::new(
            format!("{prefix}kind"),
            format!("'{}' must be generic, dingtalk or wecom", d.kind.trim()),
        ));
    }
    let url = d.url.trim().to_string();
    if let Err(problem) = check_http_url(&url) {
        errors.push(FieldError::new(format!("{prefix}url"), problem));
    }
    if d.secret.chars().any(char::is_control) {
        errors.push(FieldError::new(
            format!("{prefix}secret"),
            "contains a control character",
        ));
    }
    let secret = Some(d.secret.trim().to_string())
        .filter(|s| !s.is_empty())
        .map(Secret);
    if kind == Some(WebhookKind::WeCom) && secret.is_some() {
        // WeCom robots have no signing; accepting a secret would suggest protection
        // that does not exist.
        errors.push(FieldError::new(
            format!("{prefix}secret"),
            "WeCom robots are not signed; leave it empty",
        ));
    }
    match kind {
        Some(kind) if errors.len() == before => Some(WebhookTarget {
            key,
            kind,
            url,
            secret,
        }),
        _ => None,
    }
}

/// `http(s)://host[...]` with no whitespace or control characters. The server parses
/// it fully before sending; this is the check the form can make without a URL crate.
fn check_http_url(url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("https://") {
        r
    } else if let Some(r) = lower.strip_prefix("http://") {
        r
    } else {
        return Err("must start with http:// or https://".into());
    };
    if url.len() > URL_MAX {
        return Err(format!("is longer than {URL_MAX} characters"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains a space or control character".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() || host.starts_with(':') {
        return Err("has no host".into());
    }
    Ok(())
}

impl TryFrom<WebhookDraft> for WebhookTarget {
    type Error = Vec<FieldError>;

    fn try_from(d: WebhookDraft) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        match webhook_target(d, "", &mut errors) {
            Some(t) => Ok(t),
            None => Err(errors),
        }
    }
}

/// Parses the whole stored/submitted list, naming fields `webhooks[i].field`, and
/// refuses a key used twice (an outbox row names its target by key).
pub fn parse_webhooks(drafts: Vec<WebhookDraft>) -> Result<Vec<WebhookTarget>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut targets = Vec::with_capacity(drafts.len());
    let keys: Vec<String> = drafts.iter().map(|d| d.key.trim().to_string()).collect();
    for (i, d) in drafts.into_iter().enumerate() {
        let prefix = format!("webhooks[{i}].");
        if !keys[i].is_empty() && keys[..i].contains(&keys[i]) {
            errors.push(FieldError::new(
                format!("{prefix}key"),
                format!("'{}' is used by another webhook", keys[i]),
            ));
        }
        if let Some(t) = webhook_target(d, &prefix, &mut errors) {
            targets.push(t);
        }
    }
    if errors.is_empty() {
        Ok(targets)
    } else {
        Err(errors)
    }
}

/// The list as drafts: `keep_secrets = true` for storage, `false` for the browser.
pub fn webhooks_to_drafts(targets: &[WebhookTarget], keep_secrets: bool) -> Vec<WebhookDraft> {
    targets.iter().map(|t| t.to_draft(keep_secrets)).collect()
}

// ---------------------------------------------------------------------------------
// Messages the outbox carries (JSON; field names are stable)
// ---------------------------------------------------------------------------------

/// A plain-text e-mail. `to` holds mailboxes as `parse_mailbox` reads them; the sender
/// checks them again at delivery (a bad one is a permanent failure, not a retry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// A message for a webhook target. `markdown` is the body *without* the title: robots
/// show the title as a heading above it (and DingTalk also in the chat list), generic
/// receivers get the three fields as they are, `data` being the machine-readable facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookMessage {
    pub title: String,
    pub markdown: String,
    #[serde(default)]
    pub data: serde_json::Value,
}

/// A setting's value as the audit trail records it: the SMTP password and webhook
/// secrets are replaced by `***` (set) or left empty (unset), and a webhook URL's query
/// (where DingTalk's `access_token` and WeCom's `key` live) by `?***`, so reading the
/// trail never reveals them. Other settings, and values that are not the expected JSON,
/// pass as they are.
pub fn audit_value(key: &str, value: &str) -> String {
    fn mask(v: &mut serde_json::Value, field: &str) {
        if let Some(s) = v.get_mut(field) {
            if s.as_str().is_some_and(|t| !t.is_empty()) {
                *s = serde_json::Value::String("***".into());
            }
        }
    }
    fn mask_query(v: &mut serde_json::Value) {
        if let Some(url) = v.get_mut("url") {
            if let Some((base, _)) = url.as_str().and_then(|u| u.split_once('?')) {
                *url = serde_json::Value::String(format!("{base}?***"));
            }
        }
    }
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(value) else {
        return value.to_string();
    };
    match key {
        NOTIFY_SMTP_SETTING => mask(&mut v, "password"),
        NOTIFY_WEBHOOKS_SETTING => v.as_array_mut().into_iter().flatten().for_each(|h| {
            mask(h, "secret");
            mask_query(h);
        }),
        _ => return value.to_string(),
    }
    v.to_string()
}

// ---------------------------------------------------------------------------------
// Retry policy
// ---------------------------------------------------------------------------------

/// Delays after the 1st, 2nd, … failed attempt; the last repeats.
///
/// Why this shape: 30 s and 2 min ride out a restarting relay or a dropped connection;
/// 10 and 30 min cover SMTP greylisting (typically 5–15 min) and robot rate limits
/// (DingTalk: 20 messages a minute); then every 2 h, because an outage that long needs
/// a person (a changed password, an expired robot) and hammering does not help.
const RETRY_DELAYS_SECS: [i64; 5] = [30, 2 * 60, 10 * 60, 30 * 60, 2 * 60 * 60];

/// Attempts per message, the first included. 8 attempts span 30 s + 2 min + 10 min +
/// 30 min + 3 × 2 h ≈ 6 h 42 min: a failure at the start of a working day is still
/// retried after someone fixed the settings that afternoon, but a reminder about
/// "today" is not delivered tomorrow, when it would mislead.
pub const MAX_ATTEMPTS: u32 = 8;

/// How long to wait after the `attempt`-th failed attempt (1-based; 0 is treated as 1)
/// before the next one.
pub fn retry_delay(attempt: u32) -> Duration {
    let i = (attempt.max(1) as usize - 1).min(RETRY_DELAYS_SECS.len() - 1);
    Duration::seconds(RETRY_DELAYS_SECS[i])
}

/// When to try again after `attempts_made` attempts that all failed (retryably), the
/// last at `now`; `None` once `MAX_ATTEMPTS` are used up and the message is dead.
pub fn next_attempt(attempts_made: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (attempts_made < MAX_ATTEMPTS).then(|| now + retry_delay(attempts_made))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn smtp_draft() -> SmtpDraft {
        SmtpDraft {
            host: "smtp.example.com".into(),
            port: "587".into(),
            tls: "starttls".into(),
            username: "ar@example.com".into(),
            password: "pa ss".into(),
            from: "CreditDesk <ar@example.com>".into(),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<String> {
        errors.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn mailboxes_scenarios() {
        // (input, Some(canonical form) or None for a rejection)
        let table: &[(&str, Option<&str>)] = &[
            ("ar@example.com", Some("ar@example.com")),
            ("  ar@Example.COM ", Some("ar@example.com")),
            (
                "CreditDesk <ar@example.com>",
                Some("CreditDesk <ar@example.com>"),
            ),
            (
                "\"Credit Desk\" <ar@example.com>",
                Some("Credit Desk <ar@example.com>"),
            ),
            (
                "应收账款 <ar@example.com>",
                Some("应收账款 <ar@example.com>"),
            ),
            ("<ar@example.com>", Some("ar@example.com")),
            (
                "first.last+tag@sub.example.cn",
                Some("first.last+tag@sub.example.cn"),
            ),
            ("", None),
            ("ar", None),
            ("ar@", None),
            ("@example.com", None),
            ("ar@localhost", None),
            ("ar@exa mple.com", None),
            ("a r@example.com", None),
            (".ar@example.com", None),
            ("a..r@example.com", None),
            ("ar@-example.com", None),
            ("ar@example..com", None),
            ("CreditDesk <ar@example.com", None),
            ("CreditDesk ar@example.com>", None),
            ("Cre\"dit <ar@example.com>", None),
            ("ar@example.com\r\nBcc: x@example.com", None),
            ("张三@example.com", None),
        ];
        for (input, want) in table {
            let got = parse_mailbox(input).map(|m| m.to_string()).ok();
            assert_eq!(got.as_deref(), *want, "input {input:?}");
        }
        let m = parse_mailbox("CreditDesk <ar@example.com>").unwrap();
        assert_eq!(
            (m.name(), m.local(), m.domain(), m.address().as_str()),
            (Some("CreditDesk"), "ar", "example.com", "ar@example.com")
        );
        assert!(parse_mailbox("ar")
            .unwrap_err()
            .to_string()
            .contains("no '@'"));
    }

    #[test]
    fn a_valid_smtp_draft_parses_and_round_trips_through_storage() {
        let s = SmtpSettings::try_from(smtp_draft()).unwrap();
        assert_eq!(s.host, "smtp.example.com");
        assert_eq!(s.port, 587);
        assert_eq!(s.tls, SmtpTls::StartTls);
        assert_eq!(s.username.as_deref(), Some("ar@example.com"));
        assert_eq!(s.password.as_ref().map(Secret::expose), Some("pa ss"));
        assert_eq!(s.to_draft(true), smtp_draft());
        let json = serde_json::to_string(&s.to_draft(true)).unwrap();
        let back: SmtpDraft = serde_json::from_str(&json).unwrap();
        assert_eq!(SmtpSettings::try_from(back).unwrap(), s);
    }

    #[test]
    fn the_password_reaches_neither_debug_nor_the_browser_draft() {
        let s = SmtpSettings::try_from(smtp_draft()).unwrap();
        let debug = format!("{s:?}");
        assert!(!debug.contains("pa ss"), "{debug}");
        assert!(debug.contains("Secret(***)"), "{debug}");
        let browser = s.to_draft(false);
        assert_eq!(browser.password, "");
        assert!(!serde_json::to_string(&browser).unwrap().contains("pa ss"));
    }

    #[test]
    fn an_empty_password_keeps_the_stored_one_only_for_the_same_host_and_username() {
        let stored = SmtpSettings::try_from(smtp_draft()).unwrap();
        let same = stored.to_draft(false).keep_password_of(Some(&stored));
        assert_eq!(same.password, "pa ss");
        let other = SmtpDraft {
            username: "ap@example.com".into(),
            ..stored.to_draft(false)
        };
        assert_eq!(other.keep_password_of(Some(&stored)).password, "");
        let moved = SmtpDraft {
            host: "smtp.elsewhere.example".into(),
            ..stored.to_draft(false)
        };
        assert_eq!(moved.keep_password_of(Some(&stored)).password, "");
        let typed = SmtpDraft {
            password: "new".into(),
            ..stored.to_draft(false)
        };
        assert_eq!(typed.keep_password_of(Some(&stored)).password, "new");
        assert_eq!(stored.to_draft(false).keep_password_of(None).password, "");
    }

    #[test]
    fn smtp_draft_scenarios() {
        // (change to the valid draft, expected errors: empty = valid)
        type Change = fn(&mut SmtpDraft);
        let table: &[(&str, Change, &[&str])] = &[
            ("valid", |_| {}, &[]),
            (
                "empty port takes the mode's default",
                |d| d.port = " ".into(),
                &[],
            ),
            (
                "port 0",
                |d| d.port = "0".into(),
                &["port: must be 1–65535"],
            ),
            (
                "port too big",
                |d| d.port = "65536".into(),
                &["port: must be 1–65535"],
            ),
            (
                "port not a number",
                |d| d.port = "smtp".into(),
                &["port: must be 1–65535"],
            ),
            ("empty host", |d| d.host = "".into(), &["host: is empty"]),
            (
                "host with a space",
                |d| d.host = "smtp example.com".into(),
                &["host: 'smtp example.com' is not a host name or IP address"],
            ),
            (
                "unknown tls",
                |d| d.tls = "ssl".into(),
                &["tls: 'ssl' must be none, starttls or tls"],
            ),
            ("tls in capitals", |d| d.tls = "TLS".into(), &[]),
            (
                "bad from",
                |d| d.from = "accounts receivable".into(),
                &["from: not an email address"],
            ),
            (
                "password without username",
                |d| d.username = "".into(),
                &["password: is set but the username is empty"],
            ),
            (
                "username without password",
                |d| d.password = "".into(),
                &["password: is empty; a username needs one"],
            ),
            (
                "no credentials at all",
                |d| {
                    d.username = "".into();
                    d.password = "".into();
                },
                &[],
            ),
            (
                "credentials in clear to a remote host",
                |d| d.tls = "none".into(),
                &["tls: none would send the password unencrypted; choose starttls or tls"],
            ),
            (
                "credentials in clear to a loopback relay",
                |d| {
                    d.tls = "none".into();
                    d.host = "127.0.0.1".into();
                },
                &[],
            ),
            (
                "ipv6 loopback",
                |d| {
                    d.tls = "none".into();
                    d.host = "::1".into();
                },
                &[],
            ),
            (
                "every field wrong at once",
                |d| {
                    d.host = "".into();
                    d.port = "0".into();
                    d.tls = "x".into();
                    d.from = "".into();
                    d.username = "".into();
                },
                &[
                    "host: is empty",
                    "tls: 'x' must be none, starttls or tls",
                    "port: must be 1–65535",
                    "password: is set but the username is empty",
                    "from: not an email address",
                ],
            ),
        ];
        for (name, change, want) in table {
            let mut d = smtp_draft();
            change(&mut d);
            let got = SmtpSettings::try_from(d)
                .err()
                .map(|e| fields(&e))
                .unwrap_or_default();
            assert_eq!(
                got,
                want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "scenario: {name}"
            );
        }
    }

    #[test]
    fn empty_ports_default_per_mode() {
        for (tls, port) in [("none", 25), ("starttls", 587), ("tls", 465)] {
            let d = SmtpDraft {
                port: "".into(),
                tls: tls.into(),
                username: "".into(),
                password: "".into(),
                ..smtp_draft()
            };
            assert_eq!(SmtpSettings::try_from(d).unwrap().port, port, "{tls}");
        }
    }

    #[test]
    fn unknown_fields_in_stored_json_are_refused() {
        let err = serde_json::from_str::<SmtpDraft>(r#"{"host":"h","prot":"25"}"#).unwrap_err();
        assert!(err.to_string().contains("prot"), "{err}");
        let err = serde_json::from_str::<WebhookDraft>(r#"{"key":"k","secrte":"x"}"#).unwrap_err();
        assert!(err.to_string().contains("secrte"), "{err}");
    }

    fn hook(key: &str, kind: &str, url: &str, secret: &str) -> WebhookDraft {
        WebhookDraft {
            key: key.into(),
            kind: kind.into(),
            url: url.into(),
            secret: secret.into(),
        }
    }

    #[test]
    fn webhook_draft_scenarios() {
        let ding = "https://oapi.dingtalk.com/robot/send?access_token=abc";
        let table: &[(WebhookDraft, &[&str])] = &[
            (
                hook(
                    "erp",
                    "generic",
                    "https://erp.example.com/hooks/cd",
                    "s3cret",
                ),
                &[],
            ),
            (hook("ding", "DingTalk", ding, "SEC123"), &[]),
            (
                hook(
                    "wx",
                    "wecom",
                    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                    "",
                ),
                &[],
            ),
            (hook("local", "generic", "http://127.0.0.1:8080/x", ""), &[]),
            (
                hook("", "generic", "https://e.com", ""),
                &["key: '' is not 1–32 of a-z, 0-9, _, -"],
            ),
            (
                hook("Ding", "generic", "https://e.com", ""),
                &["key: 'Ding' is not 1–32 of a-z, 0-9, _, -"],
            ),
            (
                hook(&"k".repeat(33), "generic", "https://e.com", ""),
                &["key: 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk' is not 1–32 of a-z, 0-9, _, -"],
            ),
            (
                hook("k", "slack", "https://e.com", ""),
                &["kind: 'slack' must be generic, dingtalk or wecom"],
            ),
            (
                hook("k", "generic", "ftp://e.com", ""),
                &["url: must start with http:// or https://"],
            ),
            (hook("k", "generic", "https://", ""), &["url: has no host"]),
            (
                hook("k", "generic", "https://e.com/a b", ""),
                &["url: contains a space or control character"],
            ),
            (
                hook("k", "wecom", "https://e.com", "x"),
                &["secret: WeCom robots are not signed; leave it empty"],
            ),
            (
                hook("K K", "", "", ""),
                &[
                    "key: 'K K' is not 1–32 of a-z, 0-9, _, -",
                    "kind: '' must be generic, dingtalk or wecom",
                    "url: must start with http:// or https://",
                ],
            ),
        ];
        for (draft, want) in table {
            let got = WebhookTarget::try_from(draft.clone())
                .err()
                .map(|e| fields(&e))
                .unwrap_or_default();
            assert_eq!(
                got,
                want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "draft: {draft:?}"
            );
        }
        let t = WebhookTarget::try_from(hook("ding", "dingtalk", ding, "SEC123")).unwrap();
        assert_eq!(t.kind, WebhookKind::DingTalk);
        assert!(!format!("{t:?}").contains("SEC123"));
        assert_eq!(t.to_draft(true), hook("ding", "dingtalk", ding, "SEC123"));
        assert_eq!(t.to_draft(false).secret, "");
    }

    #[test]
    fn the_webhook_list_names_fields_by_index_and_refuses_duplicate_keys() {
        let list = vec![
            hook("a", "generic", "https://a.example.com", ""),
            hook("b", "wecom", "https://b.example.com", ""),
            hook("a", "generic", "https://c.example.com", ""),
            hook("d", "generic", "nope", ""),
        ];
        let errors = parse_webhooks(list).unwrap_err();
        assert_eq!(
            fields(&errors),
            vec![
                "webhooks[2].key: 'a' is used by another webhook",
                "webhooks[3].url: must start with http:// or https://"
            ]
        );
        let ok = parse_webhooks(vec![
            hook("a", "generic", "https://a.example.com", "s"),
            hook("b", "dingtalk", "https://b.example.com", ""),
        ])
        .unwrap();
        assert_eq!(
            ok.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        // Storage round trip through JSON.
        let json = serde_json::to_string(&webhooks_to_drafts(&ok, true)).unwrap();
        assert_eq!(
            parse_webhooks(serde_json::from_str(&json).unwrap()).unwrap(),
            ok
        );
        assert!(parse_webhooks(vec![]).unwrap().is_empty());
    }

    #[test]
    fn an_empty_secret_keeps_the_stored_one_for_the_same_key_and_url() {
        let stored =
            parse_webhooks(vec![hook("a", "generic", "https://a.example.com", "s")]).unwrap();
        let same = hook("a", "generic", "https://a.example.com", "").keep_secret_of(&stored);
        assert_eq!(same.secret, "s");
        assert_eq!(
            hook("a", "generic", "https://moved.example.com", "")
                .keep_secret_of(&stored)
                .secret,
            ""
        );
        assert_eq!(
            hook("b", "generic", "https://a.example.com", "")
                .keep_secret_of(&stored)
                .secret,
            ""
        );
        assert_eq!(
            hook("a", "generic", "https://a.example.com", "t")
                .keep_secret_of(&stored)
                .secret,
            "t"
        );
    }

    #[test]
    fn messages_have_stable_json_field_names() {
        let e = Email {
            to: vec!["ar@example.com".into()],
            subject: "逾期提醒".into(),
            body: "正文".into(),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"to": ["ar@example.com"], "subject": "逾期提醒", "body": "正文"})
        );
        let m: WebhookMessage =
            serde_json::from_str(r#"{"title":"t","markdown":"**m**"}"#).unwrap();
        assert_eq!(m.data, serde_json::Value::Null);
        assert_eq!(
            serde_json::to_value(WebhookMessage {
                data: serde_json::json!({"n": 1}),
                ..m
            })
            .unwrap(),
            serde_json::json!({"title": "t", "markdown": "**m**", "data": {"n": 1}})
        );
        assert_eq!(serde_json::to_value(SmtpTls::StartTls).unwrap(), "starttls");
        assert_eq!(
            serde_json::to_value(WebhookKind::DingTalk).unwrap(),
            "dingtalk"
        );
        assert_eq!(serde_json::to_value(WebhookKind::WeCom).unwrap(), "wecom");
    }

    #[test]
    fn retry_delay_scenarios() {
        let table: &[(u32, i64)] = &[
            (0, 30),
            (1, 30),
            (2, 120),
            (3, 600),
            (4, 1800),
            (5, 7200),
            (6, 7200),
            (7, 7200),
            (100, 7200),
            (u32::MAX, 7200),
        ];
        for (attempt, secs) in table {
            assert_eq!(
                retry_delay(*attempt),
                Duration::seconds(*secs),
                "attempt {attempt}"
            );
        }
        // Delays never shrink, so a failing endpoint is never hit faster over time.
        for a in 1..50 {
            assert!(retry_delay(a + 1) >= retry_delay(a));
        }
    }

    #[test]
    fn next_attempt_stops_after_max_attempts() {
        let now = Utc.with_ymd_and_hms(2026, 6, 30, 2, 0, 0).unwrap();
        assert_eq!(next_attempt(1, now), Some(now + Duration::seconds(30)));
        assert_eq!(
            next_attempt(MAX_ATTEMPTS - 1, now),
            Some(now + Duration::hours(2))
        );
        assert_eq!(next_attempt(MAX_ATTEMPTS, now), None);
        assert_eq!(next_attempt(MAX_ATTEMPTS + 1, now), None);
        // The documented span: the sum of the waits between the 8 attempts.
        let total: Duration = (1..MAX_ATTEMPTS).map(retry_delay).sum();
        assert_eq!(total, Duration::seconds(30 + 120 + 600 + 1800 + 3 * 7200));
    }

    #[test]
    fn the_audit_trail_never_holds_a_password_or_secret() {
        let smtp = r#"{"host":"smtp.example.com","port":"587","tls":"starttls","username":"ar","password":"hunter2","from":"ar@example.com"}"#;
        let a = audit_value(NOTIFY_SMTP_SETTING, smtp);
        assert!(
            !a.contains("hunter2")
                && a.contains("\"password\":\"***\"")
                && a.contains("smtp.example.com"),
            "{a}"
        );
        let hooks = r#"[{"key":"ops","kind":"generic","url":"https://h.example.com/x","secret":"s3cret"},{"key":"wc","kind":"wecom","url":"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6","secret":""}]"#;
        let h = audit_value(NOTIFY_WEBHOOKS_SETTING, hooks);
        assert!(
            !h.contains("s3cret") && h.contains("***") && h.contains("\"secret\":\"\""),
            "{h}"
        );
        assert!(
            !h.contains("693a91f6")
                && h.contains("webhook/send?***")
                && h.contains("h.example.com/x\""),
            "{h}"
        );
        assert_eq!(audit_value("aging.edges.due", "[30,60]"), "[30,60]");
    }
}
