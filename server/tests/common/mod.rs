//! Test helpers: fresh databases (SQLite file, or a new PostgreSQL database when
//! TEST_DATABASE_URL is set) and `spawn_app`, a real server on port 0.
#![allow(dead_code)]
use app::api::Clock;
use app::domain::auth::Role;
use app::store::{NewUser, Store};
use chrono::{DateTime, TimeZone, Utc};
use server::store::{self, DatabaseUrl};
use server::vault::MasterKey;
use server::web::{self, AppState};
use std::sync::Arc;

pub mod erp;
pub mod sinks;

pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// 2026-06-30 10:00 in Shanghai.
pub fn test_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 30, 2, 0, 0).unwrap()
}

/// The tests' master key (a real key, only fixed, so a test can reopen its database).
pub fn test_key() -> MasterKey {
    MasterKey::from_bytes([0x5a; 32])
}

/// A database that lives as long as the value.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/test.db", dir.path().display());
        TestDb {
            url,
            _dir: Some(dir),
            pg_admin: None,
        }
    }

    /// A brand-new PostgreSQL database, or None when TEST_DATABASE_URL is unset.
    pub async fn postgres() -> Option<TestDb> {
        let admin = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|s| !s.is_empty())?;
        let name = format!("creditdesk_test_{}", uuid_like());
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
            .await
            .expect("connect TEST_DATABASE_URL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
        Some(TestDb {
            url: format!("{base}/{name}"),
            _dir: None,
            pg_admin: Some((admin, name)),
        })
    }

    pub async fn store(&self) -> Arc<dyn Store> {
        store::connect(&DatabaseUrl::parse(&self.url).unwrap(), &test_key())
            .await
            .unwrap()
    }

    /// Runs one statement outside the store (to set up a state the store never writes).
    pub async fn exec(&self, sql: &str) {
        if self.url.starts_with("sqlite") {
            let pool = sqlx::SqlitePool::connect(&self.url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        } else {
            let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }

    /// One integer a query answers (a count), read outside the store.
    pub async fn count(&self, sql: &str) -> i64 {
        if self.url.starts_with("sqlite") {
            let pool = sqlx::SqlitePool::connect(&self.url).await.unwrap();
            let n = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            n
        } else {
            let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
            let n = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            n
        }
    }

    /// Drops a PostgreSQL test database (SQLite files go with the temp dir).
    pub async fn drop_db(self) {
        if let Some((admin, name)) = &self.pg_admin {
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(admin)
                .await
                .unwrap();
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
    }
}

/// Every byte the database keeps: the SQLite file, its WAL and shared memory; or, on
/// PostgreSQL, the text of each row `pg_rows` selects (one text column).
pub async fn raw_bytes(db: &TestDb, pg_rows: &str) -> Vec<u8> {
    if let Some(path) = db.url.strip_prefix("sqlite://") {
        let mut bytes = std::fs::read(path).unwrap();
        for suffix in ["-wal", "-shm"] {
            bytes.extend(std::fs::read(format!("{path}{suffix}")).unwrap_or_default());
        }
        return bytes;
    }
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let rows: Vec<(String,)> = sqlx::query_as(pg_rows).fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows.into_iter().flat_map(|(v,)| v.into_bytes()).collect()
}

/// Whether `needle` occurs in `haystack`, byte for byte.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Runs a story on SQLite, then on a fresh PostgreSQL database when TEST_DATABASE_URL
/// is set (dropped afterwards).
pub async fn with_dbs<F, Fut>(test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: std::future::Future<Output = TestDb>,
{
    test(TestDb::sqlite()).await;
    if let Some(pg) = TestDb::postgres().await {
        test(pg).await.drop_db().await;
    }
}

fn uuid_like() -> String {
    use rand::Rng;
    let mut r = rand::thread_rng();
    (0..12)
        .map(|_| char::from(b'a' + r.gen_range(0..26)))
        .collect()
}

pub async fn add_user(store: &dyn Store, username: &str, role: Role, password: &str) -> i64 {
    let user = NewUser {
        username: username.into(),
        display_name: username.to_uppercase(),
        role,
        password_hash: app::session::hash_password(password).unwrap(),
    };
    store.create_user(user, test_now()).await.unwrap()
}

/// A customer `code` in 华南 with a 100,000 CNY limit, net 30.
pub fn new_customer(
    code: &str,
    uscc: Option<&str>,
    rep: Option<i64>,
) -> app::domain::customer::NewCustomer {
    app::domain::customer::NewCustomer {
        code: app::domain::customer::CustomerCode::parse(code).unwrap(),
        name: format!("客户{code}"),
        uscc: uscc.and_then(|u| app::domain::uscc::Uscc::parse(u).ok()),
        region: "华南".into(),
        industry: "设备租赁".into(),
        sales_rep_id: rep,
        contact: app::domain::customer::Contact {
            name: "李".into(),
            phone: "1".into(),
            email: "e@x.cn".into(),
        },
        payment_terms_days: 30,
        credit_limit: app::domain::money::Money::from_minor(
            100_000_00,
            app::domain::money::Currency::CNY,
        ),
        temp_limit: None,
        status: app::domain::customer::CustomerStatus::Normal,
        grade: None,
        group_code: None,
    }
}

/// Inserts `new_customer(code)` with no rep; returns its id.
pub async fn seed_customer(store: &dyn Store, code: &str) -> i64 {
    store
        .insert_customers(&[new_customer(code, None, None)], "test", test_now())
        .await
        .unwrap()[0]
}

/// Reps `rep.a` (password-a) and `rep.b` (password-b), each with one customer (A1, B1);
/// returns the customers' ids.
pub async fn two_reps_with_customers(app: &TestApp) -> (i64, i64) {
    let a = add_user(app.store.as_ref(), "rep.a", Role::SalesRep, "password-a").await;
    let b = add_user(app.store.as_ref(), "rep.b", Role::SalesRep, "password-b").await;
    let ids = app
        .store
        .insert_customers(
            &[
                new_customer("A1", Some("91350100M000100Y43"), Some(a)),
                new_customer("B1", Some("91110000100017643K"), Some(b)),
            ],
            "test",
            test_now(),
        )
        .await
        .unwrap();
    (ids[0], ids[1])
}

pub struct TestApp {
    pub addr: String,
    pub store: Arc<dyn Store>,
    pub db: TestDb,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.addr)
    }

    /// A client with a cookie jar and no redirects followed, like a careful browser.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Calls a server function the way the hydrated client does (form-encoded POST).
    pub async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/sfn/{endpoint}")))
            .header("Origin", &self.addr)
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn login(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        self.call(
            client,
            "login",
            &[("form[username]", username), ("form[password]", password)],
        )
        .await
    }
}

/// A real server on 127.0.0.1:0 over a fresh SQLite database.
pub async fn spawn_app() -> TestApp {
    spawn_app_at("target/site").await
}

/// The same, serving static files from `site_root`.
pub async fn spawn_app_at(site_root: &str) -> TestApp {
    let root = site_root.to_string();
    spawn_app_with(move |cfg| cfg.site_root = root).await
}

/// The same, with the configuration adjusted by `adjust` (secure cookies, hosts…).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut server::config::ServeConfig)) -> TestApp {
    let db = TestDb::sqlite();
    let store = db.store().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut cfg = server::config::ServeConfig {
        bind: addr,
        database: DatabaseUrl::parse(&db.url).unwrap(),
        site_root: "target/site".into(),
        secure_cookies: false,
        allowed_origins: vec![],
        allowed_hosts: vec![],
        session_policy: Default::default(),
    };
    adjust(&mut cfg);
    let state = AppState::new(&cfg, store.clone(), Arc::new(FixedClock(test_now())));
    tokio::spawn(async move { web::serve(listener, state).await.unwrap() });
    TestApp {
        addr: format!("http://{addr}"),
        store,
        db,
    }
}
