//! Notification delivery: one attempt to hand one message to an SMTP server or a
//! webhook, and a verdict the outbox worker can act on.
//!
//! Invariants, and why they hold:
//! - Every attempt ends within its timeout (`SMTP_TIMEOUT`, `WEBHOOK_TIMEOUT`): the whole
//!   attempt runs under `tokio::time::timeout` (SMTP) or reqwest's request timeout
//!   (webhooks), so a silent server cannot stall the worker.
//! - Every failure is classified, and the class means one thing: `Permanent` when
//!   sending the same message with the same settings cannot succeed (an SMTP 5xx reply,
//!   an address or URL that does not parse, an HTTP 4xx other than 408/429, a robot's
//!   known configuration error); `Retryable` for everything that may pass later
//!   (connection failures, timeouts, TLS trouble, SMTP 4xx, HTTP 5xx/408/429, unknown
//!   robot errors). Unknown cases are retryable on purpose: `MAX_ATTEMPTS` bounds the
//!   cost of a useless retry, while a wrong "permanent" loses a notification.
//! - No error or success text carries a password, secret, signature or URL: messages
//!   are built here from the host:port or the target's key, and reqwest errors are
//!   stripped of their URL (which holds robot tokens and DingTalk signs) first.
//! - Webhooks are never redirected (`webhook_client`): a redirect would turn a signed
//!   POST into a GET elsewhere, so a 3xx is reported as a permanent misconfiguration.
//!
//! Signing (documented for receivers of `generic` webhooks): with a secret set, each
//! POST carries `X-CreditDesk-Timestamp: <unix seconds>` and `X-CreditDesk-Signature:
//! sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. A receiver recomputes it
//! over the raw body bytes (`verify_signature` does) and should also refuse timestamps
//! more than a few minutes old, which stops replays.
use app::domain::notify::{
    parse_mailbox, Email, Mailbox, SmtpSettings, SmtpTls, WebhookKind, WebhookMessage,
    WebhookTarget,
};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::json;
use sha2::Sha256;
use std::time::Duration;

/// The longest one SMTP delivery may take, connection and TLS included.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest one webhook POST may take, connection and answer included.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// WeCom refuses markdown content above 4096 bytes (errcode 40058), so longer text is
/// cut (at a character boundary, with "…") rather than failing the whole message.
const WECOM_CONTENT_MAX_BYTES: usize = 4096;
/// How much of a failing answer's body an error quotes.
const ANSWER_SNIPPET_CHARS: usize = 200;

/// DingTalk errcodes that retrying cannot fix: 310000 security settings not met (sign,
/// keyword or IP allow-list), 300001 / 300005 / 400101 bad or unknown access token,
/// 400102 robot disabled. Anything else (-1 busy, 130101 too many messages a minute,
/// unknown codes) is retryable.
const DINGTALK_PERMANENT: &[i64] = &[310000, 300001, 300005, 400101, 400102];
/// WeCom errcodes that retrying cannot fix: 93000 invalid webhook URL / key, 40008
/// invalid message type, 40058 invalid parameter, 44004 empty content. Anything else
/// (-1 busy, 45009 rate limit, unknown codes) is retryable.
const WECOM_PERMANENT: &[i64] = &[93000, 40008, 40058, 44004];

/// Why one delivery attempt failed. The text names where (`smtp host:port`, `webhook
/// <key>`) and what, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// May succeed later: schedule another attempt (`app::domain::notify::next_attempt`).
    #[error("{0}")]
    Retryable(String),
    /// Cannot succeed with this message and these settings: stop retrying.
    #[error("{0}")]
    Permanent(String),
}

impl DeliveryError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, DeliveryError::Retryable(_))
    }

    pub fn message(&self) -> &str {
        match self {
            DeliveryError::Retryable(m) | DeliveryError::Permanent(m) => m,
        }
    }
}

// ---------------------------------------------------------------------------------
// E-mail
// ---------------------------------------------------------------------------------

/// Sends one plain-text e-mail within `SMTP_TIMEOUT`; on success returns the server's
/// final reply (e.g. `smtp mail.example.com:587: 250 OK queued as 1234`).
pub async fn send_email(cfg: &SmtpSettings, email: &Email) -> Result<String, DeliveryError> {
    send_email_within(cfg, email, SMTP_TIMEOUT).await
}

/// `send_email` with another timeout (a "send a test mail" button may want a shorter one).
pub async fn send_email_within(
    cfg: &SmtpSettings,
    email: &Email,
    timeout: Duration,
) -> Result<String, DeliveryError> {
    let place = smtp_place(cfg);
    let permanent = |what: String| DeliveryError::Permanent(format!("{place}: {what}"));
    let from = parse_mailbox(&cfg.from)
        .map_err(|e| permanent(format!("from {e}")))
        .and_then(|m| lettre_mailbox(&m).map_err(|e| permanent(format!("from {e}"))))?;
    if email.to.is_empty() {
        return Err(permanent("the email has no recipients".into()));
    }
    let mut builder = Message::builder()
        .from(from)
        .subject(one_line(&email.subject))
        .header(ContentType::TEXT_PLAIN);
    for to in &email.to {
        let m = parse_mailbox(to).map_err(|e| permanent(format!("recipient {e}")))?;
        builder = builder.to(lettre_mailbox(&m).map_err(|e| permanent(format!("recipient {e}")))?);
    }
    let message = builder
        .body(email.body.clone())
        .map_err(|e| permanent(format!("cannot build the message: {e}")))?;

    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.as_str())
        .port(cfg.port)
        .timeout(Some(timeout));
    let tls =
        || TlsParameters::new(cfg.host.clone()).map_err(|e| permanent(format!("TLS set-up: {e}")));
    transport = match cfg.tls {
        SmtpTls::None => transport,
        SmtpTls::StartTls => transport.tls(Tls::Required(tls()?)),
        SmtpTls::Tls => transport.tls(Tls::Wrapper(tls()?)),
    };
    if let (Some(user), Some(password)) = (&cfg.username, &cfg.password) {
        transport = transport.credentials(Credentials::new(
            user.clone(),
            password.expose().to_string(),
        ));
    }
    let transport = transport.build();

    match tokio::time::timeout(timeout, transport.send(message)).await {
        Err(_) => Err(DeliveryError::Retryable(format!(
            "{place}: timed out after {}",
            secs(timeout)
        ))),
        Ok(Err(e)) => Err(classify_smtp(&place, &e)),
        Ok(Ok(reply)) => {
            let text: Vec<&str> = reply.message().collect();
            Ok(format!("{place}: {} {}", reply.code(), text.join(" "))
                .trim_end()
                .to_string())
        }
    }
}

fn smtp_place(cfg: &SmtpSettings) -> String {
    if cfg.host.contains(':') {
        format!("smtp [{}]:{}", cfg.host, cfg.port)
    } else {
        format!("smtp {}:{}", cfg.host, cfg.port)
    }
}

fn lettre_mailbox(m: &Mailbox) -> Result<lettre::message::Mailbox, String> {
    let address = lettre::Address::new(m.local(), m.domain())
        .map_err(|e| format!("'{}' is not an email address ({e})", m.address()))?;
    Ok(lettre::message::Mailbox::new(
        m.name().map(str::to_string),
        address,
    ))
}

/// A subject is one header line: line breaks and other control characters become
/// spaces, so a message's text can never add headers.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// SMTP reply classes decide first (RFC 5321: 4xx transient, 5xx permanent); then
/// lettre's client errors, which are deterministic for given settings (no STARTTLS
/// offered, no usable AUTH mechanism), are permanent; network, TLS and garbled replies
/// are retryable.
fn classify_smtp(place: &str, e: &lettre::transport::smtp::Error) -> DeliveryError {
    if e.is_permanent() {
        DeliveryError::Permanent(format!("{place}: rejected: {}", smtp_reply_text(e)))
    } else if e.is_transient() {
        DeliveryError::Retryable(format!("{place}: deferred: {}", smtp_reply_text(e)))
    } else if e.is_timeout() {
        DeliveryError::Retryable(format!("{place}: timed out"))
    } else if e.is_client() {
        // "internal client error: STARTTLS is not supported…": the source says it all.
        let why = std::error::Error::source(e).map_or_else(|| e.to_string(), |s| s.to_string());
        DeliveryError::Permanent(format!("{place}: {why}"))
    } else {
        DeliveryError::Retryable(format!("{place}: {}", cause(e)))
    }
}

/// `550 mailbox unavailable` from lettre's `permanent error (550): mailbox unavailable`.
fn smtp_reply_text(e: &lettre::transport::smtp::Error) -> String {
    let text = e.to_string();
    let detail = text.split_once("): ").map(|(_, d)| d).unwrap_or("");
    match e.status() {
        Some(code) => format!("{code} {detail}").trim_end().to_string(),
        None => text,
    }
}

/// The most useful words of an error chain: a network I/O error's kind ("connection
/// refused") when there is one, else the innermost error's text (e.g. a TLS alert).
fn cause(e: &(dyn std::error::Error + 'static)) -> String {
    use std::io::ErrorKind::*;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            let kind = io.kind();
            if matches!(
                kind,
                ConnectionRefused
                    | ConnectionReset
                    | ConnectionAborted
                    | NotConnected
                    | AddrNotAvailable
                    | BrokenPipe
                    | TimedOut
                    | HostUnreachable
                    | NetworkUnreachable
            ) {
                return kind.to_string();
            }
        }
        source = err.source();
    }
    // Wrappers repeat or merely label their source ("Connection error: …", "error
    // sending request"): the innermost error is the specific one.
    let mut innermost = e;
    while let Some(next) = innermost.source() {
        innermost = next;
    }
    innermost.to_string()
}

fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

// ---------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------

/// The client webhooks should be posted with: no redirects (see the module header),
/// `WEBHOOK_TIMEOUT` on connect and on the whole request, a CreditDesk user agent.
/// Build it once and share it: it pools connections.
pub fn webhook_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .user_agent(concat!("CreditDesk/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(WEBHOOK_TIMEOUT)
        .timeout(WEBHOOK_TIMEOUT)
        .build()
}

/// Posts one message to one target within `WEBHOOK_TIMEOUT`; `now` is the signing
/// time (the injected clock, so tests can recompute signatures). On success returns a
/// short detail such as `webhook erp: HTTP 200` or `webhook ding: errcode 0 (ok)`.
pub async fn post_webhook(
    client: &reqwest::Client,
    target: &WebhookTarget,
    msg: &WebhookMessage,
    now: DateTime<Utc>,
) -> Result<String, DeliveryError> {
    post_webhook_within(client, target, msg, now, WEBHOOK_TIMEOUT).await
}

/// `post_webhook` with another timeout.
pub async fn post_webhook_within(
    client: &reqwest::Client,
    target: &WebhookTarget,
    msg: &WebhookMessage,
    now: DateTime<Utc>,
    timeout: Duration,
) -> Result<String, DeliveryError> {
    let place = format!("webhook {}", target.key);
    let mut url = reqwest::Url::parse(&target.url)
        .map_err(|e| DeliveryError::Permanent(format!("{place}: the URL does not parse ({e})")))?;
    let secret = target.secret.as_ref().map(|s| s.expose());
    let mut headers: Vec<(&str, String)> = Vec::new();
    let body = match target.kind {
        WebhookKind::Generic => {
            let body =
                json!({"title": msg.title, "markdown": msg.markdown, "data": msg.data}).to_string();
            if let Some(secret) = secret {
                let timestamp = now.timestamp().to_string();
                headers.push((
                    "X-CreditDesk-Signature",
                    generic_signature(secret, &timestamp, body.as_bytes()),
                ));
                headers.push(("X-CreditDesk-Timestamp", timestamp));
            }
            body
        }
        WebhookKind::DingTalk => {
            if let Some(secret) = secret {
                // DingTalk's "加签": timestamp in ms and base64(HMAC-SHA256(secret,
                // "<ms>\n<secret>")) as query parameters (form-encoded by the Url).
                let ms = now.timestamp_millis();
                url.query_pairs_mut()
                    .append_pair("timestamp", &ms.to_string())
                    .append_pair("sign", &dingtalk_sign(secret, ms));
            }
            json!({"msgtype": "markdown", "markdown": {"title": msg.title, "text": robot_text(msg)}}).to_string()
        }
        WebhookKind::WeCom => {
            let content = truncate_utf8(&robot_text(msg), WECOM_CONTENT_MAX_BYTES);
            json!({"msgtype": "markdown", "markdown": {"content": content}}).to_string()
        }
    };
    let mut request = client
        .post(url)
        .timeout(timeout)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request
        .send()
        .await
        .map_err(|e| reqwest_failure(&place, e, timeout))?;
    let status = response.status();
    let answer = response
        .text()
        .await
        .map_err(|e| reqwest_failure(&place, e, timeout))?;
    if !status.is_success() {
        let text = format!("{place}: HTTP {}{}", status.as_u16(), snippet(&answer));
        return Err(match status.as_u16() {
            408 | 429 | 500..=599 => DeliveryError::Retryable(text),
            300..=399 => DeliveryError::Permanent(format!(
                "{text} (webhooks are not redirected; fix the URL)"
            )),
            _ => DeliveryError::Permanent(text),
        });
    }
    match target.kind {
        WebhookKind::Generic => Ok(format!("{place}: HTTP {}", status.as_u16())),
        WebhookKind::DingTalk => robot_verdict(&place, "DingTalk", &answer, DINGTALK_PERMANENT),
        WebhookKind::WeCom => robot_verdict(&place, "WeCom", &answer, WECOM_PERMANENT),
    }
}

/// What a robot shows: the title as a heading, then the markdown.
fn robot_text(msg: &WebhookMessage) -> String {
    if msg.title.trim().is_empty() {
        msg.markdown.clone()
    } else {
        format!("### {}\n\n{}", one_line(&msg.title), msg.markdown)
    }
}

/// Robots answer HTTP 200 with `{"errcode":0,"errmsg":"ok"}`; a non-zero errcode is
/// a failure even under HTTP 200.
fn robot_verdict(
    place: &str,
    robot: &str,
    answer: &str,
    permanent: &[i64],
) -> Result<String, DeliveryError> {
    let parsed: Option<serde_json::Value> = serde_json::from_str(answer).ok();
    let errcode = parsed
        .as_ref()
        .and_then(|v| v.get("errcode"))
        .and_then(|c| c.as_i64());
    let errmsg = parsed
        .as_ref()
        .and_then(|v| v.get("errmsg"))
        .and_then(|m| m.as_str())
        .unwrap_or("");
    match errcode {
        Some(0) => Ok(format!("{place}: errcode 0 ({errmsg})")),
        Some(code) => {
            let text = format!("{place}: {robot} errcode {code}: {}", one_line(errmsg));
            Err(if permanent.contains(&code) {
                DeliveryError::Permanent(text)
            } else {
                DeliveryError::Retryable(text)
            })
        }
        // Not a robot's answer (a proxy page, a wrong URL): retryable, bounded by MAX_ATTEMPTS.
        None => Err(DeliveryError::Retryable(format!(
            "{place}: HTTP 200 without a {robot} errcode{}",
            snippet(answer)
        ))),
    }
}

/// Transport failures: timeouts and connection trouble are retryable, a request that
/// could not even be built is permanent. The URL is stripped first (tokens, signs).
fn reqwest_failure(place: &str, e: reqwest::Error, timeout: Duration) -> DeliveryError {
    let e = e.without_url();
    if e.is_timeout() {
        DeliveryError::Retryable(format!("{place}: timed out after {}", secs(timeout)))
    } else if e.is_builder() {
        DeliveryError::Permanent(format!("{place}: {}", cause(&e)))
    } else {
        DeliveryError::Retryable(format!("{place}: {}", cause(&e)))
    }
}

/// `": <first 200 characters>"` of an answer, on one line, or nothing for an empty one.
fn snippet(answer: &str) -> String {
    let t = one_line(answer.trim());
    if t.is_empty() {
        return String::new();
    }
    let mut s: String = t.chars().take(ANSWER_SNIPPET_CHARS).collect();
    if t.chars().count() > ANSWER_SNIPPET_CHARS {
        s.push('…');
    }
    format!(": {s}")
}

/// At most `max` bytes, cut at a character boundary with "…" when cut.
fn truncate_utf8(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let ellipsis = "…";
    let mut end = max - ellipsis.len();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ellipsis}", &s[..end])
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac
}

/// The generic scheme's header value: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn generic_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let signed = [timestamp.as_bytes(), b".", body].concat();
    format!(
        "sha256={}",
        hex::encode(
            hmac_sha256(secret.as_bytes(), &signed)
                .finalize()
                .into_bytes()
        )
    )
}

/// Checks an `X-CreditDesk-Signature` header against the timestamp header and the raw
/// body, in constant time. Receivers should also refuse old timestamps (replays).
pub fn verify_signature(secret: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    let Some(tag) = header
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    let signed = [timestamp.as_bytes(), b".", body].concat();
    hmac_sha256(secret.as_bytes(), &signed)
        .verify_slice(&tag)
        .is_ok()
}

fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mac = hmac_sha256(
        secret.as_bytes(),
        format!("{timestamp_ms}\n{secret}").as_bytes(),
    );
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_with_the_same_secret_timestamp_and_body() {
        let sig = generic_signature("s3cret", "1782784800", b"{\"a\":1}");
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64, "{sig}");
        assert!(verify_signature("s3cret", "1782784800", b"{\"a\":1}", &sig));
        assert!(!verify_signature("other", "1782784800", b"{\"a\":1}", &sig));
        assert!(!verify_signature(
            "s3cret",
            "1782784801",
            b"{\"a\":1}",
            &sig
        ));
        assert!(!verify_signature(
            "s3cret",
            "1782784800",
            b"{\"a\":2}",
            &sig
        ));
        assert!(!verify_signature(
            "s3cret",
            "1782784800",
            b"{\"a\":1}",
            "sha256=zz"
        ));
        assert!(!verify_signature(
            "s3cret",
            "1782784800",
            b"{\"a\":1}",
            &sig.replace("sha256=", "sha1=")
        ));
    }

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate_utf8("abc", 3), "abc");
        let long = "逾期".repeat(2000); // 12000 bytes
        let cut = truncate_utf8(&long, WECOM_CONTENT_MAX_BYTES);
        assert!(cut.len() <= WECOM_CONTENT_MAX_BYTES, "{}", cut.len());
        assert!(cut.ends_with('…'));
        assert!(long.starts_with(cut.trim_end_matches('…')));
    }

    #[test]
    fn subjects_and_snippets_stay_on_one_line() {
        assert_eq!(one_line("a\r\nBcc: x@example.com"), "a  Bcc: x@example.com");
        assert_eq!(snippet(""), "");
        assert_eq!(snippet(" busy\n"), ": busy");
        assert_eq!(
            snippet(&"x".repeat(300)).chars().count(),
            2 + ANSWER_SNIPPET_CHARS + 1
        );
    }

    #[test]
    fn robot_answers_are_judged_by_errcode() {
        assert_eq!(
            robot_verdict(
                "webhook d",
                "DingTalk",
                r#"{"errcode":0,"errmsg":"ok"}"#,
                DINGTALK_PERMANENT
            ),
            Ok("webhook d: errcode 0 (ok)".into())
        );
        assert_eq!(
            robot_verdict(
                "webhook d",
                "DingTalk",
                r#"{"errcode":310000,"errmsg":"sign not match"}"#,
                DINGTALK_PERMANENT
            ),
            Err(DeliveryError::Permanent(
                "webhook d: DingTalk errcode 310000: sign not match".into()
            ))
        );
        assert_eq!(
            robot_verdict(
                "webhook d",
                "DingTalk",
                r#"{"errcode":130101,"errmsg":"send too fast"}"#,
                DINGTALK_PERMANENT
            ),
            Err(DeliveryError::Retryable(
                "webhook d: DingTalk errcode 130101: send too fast".into()
            ))
        );
        assert!(
            robot_verdict("webhook w", "WeCom", "<html>", WECOM_PERMANENT)
                .unwrap_err()
                .is_retryable()
        );
        assert!(!robot_verdict(
            "webhook w",
            "WeCom",
            r#"{"errcode":93000}"#,
            WECOM_PERMANENT
        )
        .unwrap_err()
        .is_retryable());
    }
}
