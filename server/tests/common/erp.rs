//! An ERP system as the REST API sees it: an API key with the scopes a test chooses,
//! made in the store, and JSON requests that carry it as a bearer token. Every test of
//! the API talks through this one client, so a body that is not JSON shows up as a
//! string rather than a panic in the helper.
use super::{test_now, TestApp};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};

static KEYS: AtomicU32 = AtomicU32::new(0);

pub struct Erp<'a> {
    pub app: &'a TestApp,
    /// The key's secret, for a test that builds its own request (`request`).
    pub key: String,
    pub client: reqwest::Client,
}

/// A status, the body (JSON, else its text as a string) and whether the answer was an
/// idempotent replay.
pub type Answer = (u16, Value, bool);

impl TestApp {
    /// A new API key with `scopes` ("read,ledger:write", …) and a client that uses it.
    pub async fn erp(&self, scopes: &str) -> Erp<'_> {
        let key = format!("cdk_test_{}", KEYS.fetch_add(1, Ordering::Relaxed));
        let hash = app::session::token_hash(&key);
        let id = self
            .store
            .create_api_key("erp", &hash, test_now())
            .await
            .unwrap();
        let scopes = app::domain::api_keys::ApiScopes::parse(scopes).unwrap();
        self.store.set_api_key_scopes(id, scopes).await.unwrap();
        Erp {
            app: self,
            key,
            client: reqwest::Client::new(),
        }
    }
}

impl Erp<'_> {
    /// A request to `path` carrying the key, to add headers or a raw body to.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.app.url(path))
            .bearer_auth(&self.key)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        idem: Option<&str>,
    ) -> Answer {
        let mut req = self.request(method, path);
        if let Some(b) = body {
            req = req.json(b);
        }
        if let Some(k) = idem {
            req = req.header("Idempotency-Key", k);
        }
        answer(req).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let (s, v, _) = self.send(Method::GET, path, None, None).await;
        (s, v)
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let (s, v, _) = self.send(Method::POST, path, Some(&body), None).await;
        (s, v)
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        let (s, v, _) = self.send(Method::PATCH, path, Some(&body), None).await;
        (s, v)
    }
}

/// Sends `req` and reads its answer.
pub async fn answer(req: RequestBuilder) -> Answer {
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let replayed = r.headers().contains_key("idempotent-replayed");
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body, replayed)
}
