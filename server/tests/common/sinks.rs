//! Real receivers for notification tests: an SMTP server (Python's aiosmtpd, Debian
//! package `python3-aiosmtpd`, installed by `.ci/setup.sh test`) and an HTTP receiver
//! (axum, in the test process). Nothing here imitates the code under test: mail goes
//! over real SMTP and is decoded by Python's `email` package, webhooks over real HTTP.
//!
//! - `SmtpSink::start()` / `start_on(port)`: a server on 127.0.0.1 that stores each
//!   message as JSON in a temp dir; `messages()` reads them back, `wait_for(n)` polls
//!   with a deadline. Recipients whose local part starts with `reject` get `550`, with
//!   `defer` get `451` (to test the classification of SMTP replies).
//!   `start_with_auth(user, password)` also offers AUTH PLAIN/LOGIN over plain text.
//!   The child is killed on drop, and exits by itself if the test process dies
//!   (its stdin closes).
//! - `free_port()`: a port nothing listens on (yet), for "SMTP down, then up".
//! - `HttpReceiver::start(vec![(500, "busy"), (200, "{\"errcode\":0}")])`: answers the
//!   i-th request with the i-th response (the last repeats; none means 200 ""), and
//!   records every request.
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a sink may take to come up, and a mailbox to fill, on a busy 2-core machine.
const DEADLINE: Duration = Duration::from_secs(20);

const SMTP_SINK_PY: &str = r#"
import email, email.policy, json, os, sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, outdir = int(sys.argv[1]), sys.argv[2]
user, password = os.environ.get("SINK_USER"), os.environ.get("SINK_PASSWORD")

class Handler:
    def __init__(self):
        self.n = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("defer"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain",))
        record = {
            "envelope_from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "header_from": str(msg["from"] or ""),
            "header_to": str(msg["to"] or ""),
            "subject": str(msg["subject"] or ""),
            "body": part.get_content().replace("\r\n", "\n") if part is not None else "",
            "content_type": msg.get_content_type(),
            "login": session.auth_data if session.authenticated else None,
        }
        with self.lock:
            self.n += 1
            name = "%06d.json" % self.n
        tmp = os.path.join(outdir, name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.replace(tmp, os.path.join(outdir, name))
        return "250 OK stored as %s" % name

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login.decode() == user and auth_data.password.decode() == password)
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)

kwargs = {}
if user:
    kwargs = {"authenticator": authenticator, "auth_require_tls": False}
controller = Controller(Handler(), hostname="127.0.0.1", port=port, **kwargs)
controller.start()
print("ready", flush=True)
sys.stdin.read()  # returns at EOF: the test dropped the sink or died
controller.stop()
"#;

/// One message as the SMTP sink received and decoded it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReceivedMail {
    /// MAIL FROM.
    pub envelope_from: String,
    /// The accepted RCPT TO addresses.
    pub to: Vec<String>,
    /// The From and To headers, decoded (RFC 2047 names in clear).
    pub header_from: String,
    pub header_to: String,
    /// Decoded subject.
    pub subject: String,
    /// The decoded text/plain body, LF line ends.
    pub body: String,
    pub content_type: String,
    /// The AUTH login used, if any.
    pub login: Option<String>,
}

/// A port on 127.0.0.1 that nothing listened on a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn python() -> String {
    // Debian's package installs into the system Python, which a pyenv shim on PATH hides.
    std::env::var("CREDITDESK_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| {
            if Path::new("/usr/bin/python3").exists() {
                "/usr/bin/python3".into()
            } else {
                "python3".into()
            }
        })
}

/// A real SMTP server on 127.0.0.1 (see the module header).
pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        Self::launch(free_port(), None).await
    }

    /// On a chosen port, e.g. one a delivery already failed on (`free_port()`).
    pub async fn start_on(port: u16) -> SmtpSink {
        Self::launch(port, None).await
    }

    /// Offers AUTH PLAIN/LOGIN (without TLS) and accepts only this login.
    pub async fn start_with_auth(user: &str, password: &str) -> SmtpSink {
        Self::launch(free_port(), Some((user, password))).await
    }

    async fn launch(port: u16, auth: Option<(&str, &str)>) -> SmtpSink {
        let dir = tempfile::tempdir().unwrap();
        let mail = dir.path().join("mail");
        std::fs::create_dir(&mail).unwrap();
        let script = dir.path().join("smtp_sink.py");
        std::fs::write(&script, SMTP_SINK_PY).unwrap();
        let stdout = std::fs::File::create(dir.path().join("stdout")).unwrap();
        let stderr = std::fs::File::create(dir.path().join("stderr")).unwrap();
        let mut cmd = Command::new(python());
        cmd.arg(&script).arg(port.to_string()).arg(&mail);
        cmd.stdin(Stdio::piped()).stdout(stdout).stderr(stderr);
        if let Some((user, password)) = auth {
            cmd.env("SINK_USER", user).env("SINK_PASSWORD", password);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python()));
        let stdin = child.stdin.take();
        let mut sink = SmtpSink {
            port,
            dir,
            child,
            stdin,
        };
        sink.wait_ready().await;
        sink
    }

    async fn wait_ready(&mut self) {
        let started = Instant::now();
        loop {
            let out = std::fs::read_to_string(self.dir.path().join("stdout")).unwrap_or_default();
            if out.lines().any(|l| l == "ready")
                && tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                    .await
                    .is_ok()
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "SMTP sink on port {} exited ({status}); is python3-aiosmtpd installed (.ci/setup.sh test)?\n{}",
                    self.port,
                    self.stderr()
                );
            }
            if started.elapsed() > DEADLINE {
                panic!(
                    "SMTP sink on port {} not ready after {DEADLINE:?}\n{}",
                    self.port,
                    self.stderr()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr")).unwrap_or_default()
    }

    fn mail_dir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Every message received so far, in arrival order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.mail_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    /// Waits (polling, with a deadline) until at least `n` messages arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<ReceivedMail> {
        let started = Instant::now();
        loop {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            if started.elapsed() > DEADLINE {
                panic!(
                    "SMTP sink got {} of {n} messages in {DEADLINE:?}: {got:?}\n{}",
                    got.len(),
                    self.stderr()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request as the HTTP receiver saw it.
#[derive(Debug, Clone)]
pub struct ReceivedRequest {
    pub method: String,
    /// Path and query exactly as sent, e.g. `/robot/send?access_token=t&timestamp=…`.
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl ReceivedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn path(&self) -> &str {
        self.path_and_query.split('?').next().unwrap_or("")
    }

    /// The decoded query parameters, in order.
    pub fn query(&self) -> Vec<(String, String)> {
        let url = reqwest::Url::parse(&format!("http://receiver{}", self.path_and_query)).unwrap();
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

#[derive(Default)]
struct Recorded {
    requests: Vec<ReceivedRequest>,
}

/// A real HTTP server on 127.0.0.1 that records requests and answers from a script.
pub struct HttpReceiver {
    pub addr: SocketAddr,
    recorded: Arc<Mutex<Recorded>>,
    task: tokio::task::JoinHandle<()>,
}

impl HttpReceiver {
    pub async fn start(responses: Vec<(u16, String)>) -> HttpReceiver {
        let recorded = Arc::new(Mutex::new(Recorded::default()));
        let responses = Arc::new(responses);
        let rec = recorded.clone();
        let handler = move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let rec = rec.clone();
            let responses = responses.clone();
            async move {
                let mut r = rec.lock().unwrap();
                let i = r.requests.len();
                r.requests.push(ReceivedRequest {
                    method: method.to_string(),
                    path_and_query: uri
                        .path_and_query()
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                    headers,
                    body: body.to_vec(),
                });
                let (status, body) = responses
                    .get(i)
                    .or(responses.last())
                    .cloned()
                    .unwrap_or((200, String::new()));
                let content_type = if body.trim_start().starts_with('{') {
                    "application/json"
                } else {
                    "text/plain; charset=utf-8"
                };
                let mut response = axum::response::Response::new(axum::body::Body::from(body));
                *response.status_mut() = StatusCode::from_u16(status).unwrap();
                response.headers_mut().insert(
                    axum::http::header::CONTENT_TYPE,
                    content_type.parse().unwrap(),
                );
                if (300..400).contains(&status) {
                    response
                        .headers_mut()
                        .insert(axum::http::header::LOCATION, "/moved".parse().unwrap());
                }
                response
            }
        };
        let app = axum::Router::new().fallback(handler);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        HttpReceiver {
            addr,
            recorded,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.recorded.lock().unwrap().requests.clone()
    }
}

impl Drop for HttpReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
