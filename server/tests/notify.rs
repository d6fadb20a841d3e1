//! Delivery against real receivers: an aiosmtpd SMTP server in a child process and an
//! axum HTTP server in the test process (`common::sinks`). Each test arranges a
//! receiver, delivers once, and asserts what arrived and how failures are classified.
mod common;

use app::domain::notify::{
    Email, SmtpDraft, SmtpSettings, WebhookDraft, WebhookMessage, WebhookTarget,
};
use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use common::sinks::{free_port, HttpReceiver, SmtpSink};
use hmac::{Hmac, Mac};
use server::notify::{
    post_webhook, post_webhook_within, send_email, send_email_within, verify_signature,
    webhook_client, DeliveryError,
};
use sha2::Sha256;
use std::time::Duration;

fn smtp(port: u16) -> SmtpSettings {
    SmtpSettings::try_from(SmtpDraft {
        host: "127.0.0.1".into(),
        port: port.to_string(),
        tls: "none".into(),
        from: "应收账款 <ar@creditdesk.example.com>".into(),
        ..SmtpDraft::default()
    })
    .unwrap()
}

fn email(to: &[&str]) -> Email {
    Email {
        to: to.iter().map(|s| s.to_string()).collect(),
        subject: "逾期提醒：福州示例贸易有限公司 3 张发票".into(),
        body: "您好，\n\n客户 福州示例贸易有限公司 有 3 张发票逾期，合计 ¥128,000.50。\n请跟进催收。\n".into(),
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 30, 2, 0, 0).unwrap()
}

fn target(key: &str, kind: &str, url: String, secret: &str) -> WebhookTarget {
    WebhookTarget::try_from(WebhookDraft {
        key: key.into(),
        kind: kind.into(),
        url,
        secret: secret.into(),
    })
    .unwrap()
}

fn message() -> WebhookMessage {
    WebhookMessage {
        title: "额度预警".into(),
        markdown: "客户 **A 公司** 额度使用率 96%".into(),
        data: serde_json::json!({"customer": "C001", "utilisation_pct": "96"}),
    }
}

fn retryable(r: Result<String, DeliveryError>) -> String {
    match r {
        Err(DeliveryError::Retryable(m)) => m,
        other => panic!("expected a retryable error, got {other:?}"),
    }
}

fn permanent(r: Result<String, DeliveryError>) -> String {
    match r {
        Err(DeliveryError::Permanent(m)) => m,
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

/// HMAC-SHA256, computed here independently of the code under test.
fn hmac(key: &str, data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

// ---------------------------------------------------------------------------------
// SMTP
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn an_email_with_chinese_subject_and_body_arrives_intact() {
    let sink = SmtpSink::start().await;
    let mail = email(&["张三 <zhangsan@example.com>", "finance@example.com"]);

    let detail = send_email(&smtp(sink.port), &mail).await.unwrap();

    assert!(
        detail.starts_with(&format!("smtp 127.0.0.1:{}: 250", sink.port)),
        "{detail}"
    );
    let got = sink.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.envelope_from, "ar@creditdesk.example.com");
    assert_eq!(m.to, vec!["zhangsan@example.com", "finance@example.com"]);
    assert_eq!(m.header_from, "应收账款 <ar@creditdesk.example.com>");
    assert_eq!(
        m.header_to,
        "张三 <zhangsan@example.com>, finance@example.com"
    );
    assert_eq!(m.subject, mail.subject);
    assert_eq!(m.body, mail.body);
    assert_eq!(m.content_type, "text/plain");
    assert_eq!(m.login, None);
}

#[tokio::test]
async fn a_subject_cannot_inject_headers() {
    let sink = SmtpSink::start().await;
    let mail = Email {
        subject: "提醒\r\nBcc: thief@example.com".into(),
        ..email(&["ar@example.com"])
    };

    send_email(&smtp(sink.port), &mail).await.unwrap();

    let m = &sink.wait_for(1).await[0];
    assert_eq!(m.to, vec!["ar@example.com"], "no Bcc recipient was added");
    assert_eq!(m.subject, "提醒  Bcc: thief@example.com");
}

#[tokio::test]
async fn smtp_auth_uses_the_configured_login_and_a_wrong_password_is_permanent() {
    let sink = SmtpSink::start_with_auth("ar-bot", "pa55 word").await;
    let with = |password: &str| {
        SmtpSettings::try_from(SmtpDraft {
            username: "ar-bot".into(),
            password: password.into(),
            ..smtp(sink.port).to_draft(true)
        })
        .unwrap()
    };

    send_email(&with("pa55 word"), &email(&["ar@example.com"]))
        .await
        .unwrap();
    let refused = permanent(send_email(&with("not-it"), &email(&["ar@example.com"])).await);

    let got = sink.wait_for(1).await;
    assert_eq!(got[0].login.as_deref(), Some("ar-bot"));
    assert!(
        refused.contains(&format!("smtp 127.0.0.1:{}", sink.port)) && refused.contains("535"),
        "{refused}"
    );
    assert!(
        !refused.contains("not-it"),
        "the password leaked: {refused}"
    );
    assert_eq!(
        sink.messages().len(),
        1,
        "the refused attempt delivered nothing"
    );
}

#[tokio::test]
async fn smtp_down_is_retryable_and_names_host_and_port_then_delivers_once_up() {
    let port = free_port();

    let down = retryable(send_email(&smtp(port), &email(&["ar@example.com"])).await);
    assert!(down.contains(&format!("smtp 127.0.0.1:{port}")), "{down}");
    assert!(down.contains("connection refused"), "{down}");

    // The outbox's retry, once the server is back on the same port.
    let sink = SmtpSink::start_on(port).await;
    send_email(&smtp(port), &email(&["ar@example.com"]))
        .await
        .unwrap();
    assert_eq!(sink.wait_for(1).await[0].to, vec!["ar@example.com"]);
}

#[tokio::test]
async fn smtp_5xx_is_permanent_and_4xx_is_retryable() {
    let sink = SmtpSink::start().await;

    let rejected =
        permanent(send_email(&smtp(sink.port), &email(&["reject-me@example.com"])).await);
    let deferred = retryable(send_email(&smtp(sink.port), &email(&["defer-me@example.com"])).await);

    assert!(
        rejected.contains("550") && rejected.contains("mailbox unavailable"),
        "{rejected}"
    );
    assert!(
        deferred.contains("451") && deferred.contains("try again later"),
        "{deferred}"
    );
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_bad_recipient_is_permanent_and_nothing_is_sent() {
    let sink = SmtpSink::start().await;

    let bad = permanent(
        send_email(
            &smtp(sink.port),
            &email(&["ar@example.com", "not an address"]),
        )
        .await,
    );
    let none = permanent(send_email(&smtp(sink.port), &email(&[])).await);

    assert!(
        bad.contains("recipient") && bad.contains("'not an address'"),
        "{bad}"
    );
    assert!(none.contains("no recipients"), "{none}");
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn required_starttls_on_a_server_without_it_is_permanent() {
    let sink = SmtpSink::start().await;
    let cfg = SmtpSettings::try_from(SmtpDraft {
        tls: "starttls".into(),
        ..smtp(sink.port).to_draft(true)
    })
    .unwrap();

    let err = permanent(send_email(&cfg, &email(&["ar@example.com"])).await);

    assert!(err.contains("STARTTLS"), "{err}");
    assert!(sink.messages().is_empty(), "nothing travelled in clear");
}

#[tokio::test]
async fn implicit_tls_to_a_plain_server_fails_retryably_without_sending() {
    // Exercises the rustls set-up for real: the handshake starts and fails cleanly.
    let sink = SmtpSink::start().await;
    let cfg = SmtpSettings::try_from(SmtpDraft {
        tls: "tls".into(),
        ..smtp(sink.port).to_draft(true)
    })
    .unwrap();

    let err = retryable(
        send_email_within(&cfg, &email(&["ar@example.com"]), Duration::from_secs(5)).await,
    );

    assert!(
        err.starts_with(&format!("smtp 127.0.0.1:{}: ", sink.port)),
        "{err}"
    );
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_silent_smtp_server_times_out_as_retryable() {
    // Accepts connections and never says hello.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });

    let err = retryable(
        send_email_within(
            &smtp(port),
            &email(&["ar@example.com"]),
            Duration::from_millis(300),
        )
        .await,
    );

    assert!(
        err.contains(&format!("smtp 127.0.0.1:{port}")) && err.contains("timed out"),
        "{err}"
    );
    held.abort();
}

// ---------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_generic_webhook_is_signed_and_the_signature_verifies_only_with_the_secret() {
    let receiver = HttpReceiver::start(vec![(200, "thanks".into())]).await;
    let t = target(
        "erp",
        "generic",
        receiver.url("/hooks/creditdesk"),
        "s3cret",
    );

    let detail = post_webhook(&webhook_client().unwrap(), &t, &message(), now())
        .await
        .unwrap();

    assert_eq!(detail, "webhook erp: HTTP 200");
    let reqs = receiver.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(
        (r.method.as_str(), r.path_and_query.as_str()),
        ("POST", "/hooks/creditdesk")
    );
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(
        r.json(),
        serde_json::json!({"title": "额度预警", "markdown": "客户 **A 公司** 额度使用率 96%",
                           "data": {"customer": "C001", "utilisation_pct": "96"}})
    );
    let ts = r.header("x-creditdesk-timestamp").unwrap();
    assert_eq!(ts, now().timestamp().to_string());
    let sig = r.header("x-creditdesk-signature").unwrap();
    assert!(verify_signature("s3cret", ts, &r.body, sig));
    assert!(!verify_signature("wrong", ts, &r.body, sig));
    // The scheme as documented, recomputed here.
    let expected = format!(
        "sha256={}",
        hex::encode(hmac(
            "s3cret",
            &format!("{ts}.{}", String::from_utf8_lossy(&r.body))
        ))
    );
    assert_eq!(sig, expected);
}

#[tokio::test]
async fn an_unsigned_generic_webhook_carries_no_signature_headers() {
    let receiver = HttpReceiver::start(vec![]).await;
    let t = target("erp", "generic", receiver.url("/h?x=1"), "");

    post_webhook(&webhook_client().unwrap(), &t, &message(), now())
        .await
        .unwrap();

    let r = &receiver.requests()[0];
    assert_eq!(r.path_and_query, "/h?x=1");
    assert_eq!(r.header("x-creditdesk-signature"), None);
    assert_eq!(r.header("x-creditdesk-timestamp"), None);
}

#[tokio::test]
async fn a_signed_dingtalk_robot_gets_timestamp_and_sign_in_the_url_and_markdown() {
    let receiver = HttpReceiver::start(vec![(200, r#"{"errcode":0,"errmsg":"ok"}"#.into())]).await;
    let secret = "SEC0123456789abcdef";
    let t = target(
        "ding",
        "dingtalk",
        receiver.url("/robot/send?access_token=tok123"),
        secret,
    );

    let detail = post_webhook(&webhook_client().unwrap(), &t, &message(), now())
        .await
        .unwrap();

    assert_eq!(detail, "webhook ding: errcode 0 (ok)");
    let r = &receiver.requests()[0];
    assert_eq!(r.path(), "/robot/send");
    let ms = now().timestamp_millis();
    assert_eq!(r.query_param("access_token").as_deref(), Some("tok123"));
    assert_eq!(r.query_param("timestamp"), Some(ms.to_string()));
    let expected_sign =
        base64::engine::general_purpose::STANDARD.encode(hmac(secret, &format!("{ms}\n{secret}")));
    assert_eq!(r.query_param("sign"), Some(expected_sign));
    assert_eq!(
        r.json(),
        serde_json::json!({"msgtype": "markdown", "markdown": {
            "title": "额度预警", "text": "### 额度预警\n\n客户 **A 公司** 额度使用率 96%"}})
    );
}

#[tokio::test]
async fn a_dingtalk_errcode_is_a_failure_even_with_http_200() {
    let receiver = HttpReceiver::start(vec![
        (
            200,
            r#"{"errcode":310000,"errmsg":"sign not match"}"#.into(),
        ),
        (200, r#"{"errcode":130101,"errmsg":"send too fast"}"#.into()),
    ])
    .await;
    let t = target(
        "ding",
        "dingtalk",
        receiver.url("/robot/send?access_token=tok123"),
        "SECx",
    );
    let client = webhook_client().unwrap();

    let sign_error = permanent(post_webhook(&client, &t, &message(), now()).await);
    let too_fast = retryable(post_webhook(&client, &t, &message(), now()).await);

    assert_eq!(
        sign_error,
        "webhook ding: DingTalk errcode 310000: sign not match"
    );
    assert_eq!(
        too_fast,
        "webhook ding: DingTalk errcode 130101: send too fast"
    );
}

#[tokio::test]
async fn a_wecom_robot_gets_markdown_content_and_its_errcode_decides() {
    let receiver = HttpReceiver::start(vec![
        (200, r#"{"errcode":0,"errmsg":"ok"}"#.into()),
        (
            200,
            r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#.into(),
        ),
    ])
    .await;
    let t = target(
        "wx",
        "wecom",
        receiver.url("/cgi-bin/webhook/send?key=k-1"),
        "",
    );
    let client = webhook_client().unwrap();

    let ok = post_webhook(&client, &t, &message(), now()).await.unwrap();
    let bad = permanent(post_webhook(&client, &t, &message(), now()).await);

    assert_eq!(ok, "webhook wx: errcode 0 (ok)");
    assert_eq!(bad, "webhook wx: WeCom errcode 93000: invalid webhook url");
    let r = &receiver.requests()[0];
    assert_eq!(r.path_and_query, "/cgi-bin/webhook/send?key=k-1");
    assert_eq!(
        r.json(),
        serde_json::json!({"msgtype": "markdown", "markdown": {"content": "### 额度预警\n\n客户 **A 公司** 额度使用率 96%"}})
    );
}

#[tokio::test]
async fn http_status_classes_decide_retryable_or_permanent() {
    let receiver = HttpReceiver::start(vec![
        (500, "database busy".into()),
        (200, "ok".into()),
        (429, "".into()),
        (408, "".into()),
        (400, "bad payload".into()),
        (404, "".into()),
        (302, "".into()),
    ])
    .await;
    let t = target("erp", "generic", receiver.url("/h"), "");
    let client = webhook_client().unwrap();
    let msg = message();
    let post = || post_webhook(&client, &t, &msg, now());

    assert_eq!(
        retryable(post().await),
        "webhook erp: HTTP 500: database busy"
    );
    assert_eq!(
        post().await.unwrap(),
        "webhook erp: HTTP 200",
        "the retry after a 500 succeeds"
    );
    assert_eq!(retryable(post().await), "webhook erp: HTTP 429");
    assert_eq!(retryable(post().await), "webhook erp: HTTP 408");
    assert_eq!(
        permanent(post().await),
        "webhook erp: HTTP 400: bad payload"
    );
    assert_eq!(permanent(post().await), "webhook erp: HTTP 404");
    let redirect = permanent(post().await);
    assert!(redirect.starts_with("webhook erp: HTTP 302"), "{redirect}");
    assert_eq!(
        receiver.requests().len(),
        7,
        "the redirect was not followed"
    );
}

#[tokio::test]
async fn webhook_failures_name_the_key_and_never_the_url_token_or_secret() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/robot/send?access_token=tok-secret-123");
    let t = target("ding", "dingtalk", url, "SECabc");

    let err = retryable(post_webhook(&webhook_client().unwrap(), &t, &message(), now()).await);

    assert!(err.starts_with("webhook ding: "), "{err}");
    assert!(err.contains("connection refused"), "{err}");
    for leak in ["tok-secret-123", "SECabc", "sign=", "127.0.0.1"] {
        assert!(!err.contains(leak), "'{leak}' leaked into: {err}");
    }
}

#[tokio::test]
async fn https_to_a_plain_http_server_fails_retryably() {
    // Exercises reqwest's rustls set-up for real: the handshake starts and fails cleanly.
    let receiver = HttpReceiver::start(vec![]).await;
    let t = target("erp", "generic", format!("https://{}/h", receiver.addr), "");

    let err = retryable(post_webhook(&webhook_client().unwrap(), &t, &message(), now()).await);

    assert!(err.starts_with("webhook erp: "), "{err}");
    assert!(
        receiver.requests().is_empty(),
        "no HTTP request got through"
    );
}

#[tokio::test]
async fn a_silent_webhook_times_out_as_retryable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let t = target("erp", "generic", format!("http://{addr}/h"), "");

    let err = retryable(
        post_webhook_within(
            &webhook_client().unwrap(),
            &t,
            &message(),
            now(),
            Duration::from_millis(300),
        )
        .await,
    );

    assert_eq!(err, "webhook erp: timed out after 300 ms");
    held.abort();
}
