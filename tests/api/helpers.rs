//! The test app: a real firstmile server on a random port, on a fresh database
//! (a SQLite temp file, or `CREATE DATABASE test_<random>` on the PostgreSQL server
//! named by `FIRSTMILE_TEST_POSTGRES_URL`), with a settable clock, and an HTTP client.
//!
//! Every test is written once as `async fn name(app: TestApp)` and run on both
//! databases by `both!(name, ...)`. Without `FIRSTMILE_TEST_POSTGRES_URL` the
//! PostgreSQL runs are skipped, unless `FIRSTMILE_REQUIRE_POSTGRES=1`, when they fail.

#![allow(dead_code)]

use chrono::{DateTime, Days, Utc};
use firstmile::app::{AppState, serve};
use firstmile::config::{OpsArgs, RuleArgs, ServeArgs, WebhookArgs};
use firstmile::domain::Clock;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

pub const OPERATOR: &str = "test-operator-token";
/// The test clock's start: 10:00 in China on 2026-11-26.
pub const START: &str = "2026-11-26T02:00:00Z";
/// A point in central Shenzhen (Futian), GCJ-02.
pub const SHENZHEN: (f64, f64) = (22.5431, 114.0579);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Clock,
    pub state: AppState,
    pub database_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    cleanup: Cleanup,
}

enum Cleanup {
    /// A second server on another's database: nothing to clean.
    Shared,
    File(tempfile_path::TempPath),
    Database {
        admin_url: String,
        name: String,
    },
}

mod tempfile_path {
    /// A temp file path removed (with its WAL files) on drop.
    pub struct TempPath(pub std::path::PathBuf);
    impl Drop for TempPath {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = self.0.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        Utc::now().timestamp_micros() % 1_000_000
    )
}

/// Runs one test on one backend.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(app) = TestApp::spawn(backend, RuleArgs::default()).await else {
        return;
    };
    test(app).await;
}

impl TestApp {
    /// Starts a server, or returns None when PostgreSQL is not configured (and not
    /// required).
    pub async fn spawn(backend: Backend, rules: RuleArgs) -> Option<TestApp> {
        Self::spawn_with(backend, rules, OpsArgs::default()).await
    }

    /// Starts a server with these limits and metrics settings.
    pub async fn spawn_with(backend: Backend, rules: RuleArgs, ops: OpsArgs) -> Option<TestApp> {
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{}.db", unique("firstmile_test")));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (url, Cleanup::File(tempfile_path::TempPath(path)))
            }
            Backend::Postgres => {
                let Ok(admin_url) = std::env::var("FIRSTMILE_TEST_POSTGRES_URL") else {
                    if std::env::var("FIRSTMILE_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                        panic!(
                            "FIRSTMILE_REQUIRE_POSTGRES=1 but FIRSTMILE_TEST_POSTGRES_URL is not set"
                        );
                    }
                    eprintln!("skipped on PostgreSQL: FIRSTMILE_TEST_POSTGRES_URL is not set");
                    return None;
                };
                let name = unique("test").to_lowercase();
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| {
                        panic!("PostgreSQL at FIRSTMILE_TEST_POSTGRES_URL is unreachable: {e}")
                    });
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .expect("create the test database");
                let url = with_database(&admin_url, &name);
                (url, Cleanup::Database { admin_url, name })
            }
        };
        let start: DateTime<Utc> = START.parse().expect("start time");
        Some(Self::start(url, Clock::fixed(start), rules, ops, cleanup).await)
    }

    /// A second server on this one's database, sharing its clock: two stateless
    /// servers behind a load balancer.
    pub async fn another_server(&self) -> TestApp {
        self.another_server_with_operator_token(Some(OPERATOR))
            .await
    }

    /// A second server on this one's database, started with `FIRSTMILE_OPERATOR_TOKEN`
    /// set to `token` (or unset).
    pub async fn another_server_with_operator_token(&self, token: Option<&str>) -> TestApp {
        Self::start_with(
            self.database_url.clone(),
            self.clock.clone(),
            RuleArgs::default(),
            OpsArgs::default(),
            Cleanup::Shared,
            token,
        )
        .await
    }

    async fn start(
        url: String,
        clock: Clock,
        rules: RuleArgs,
        ops: OpsArgs,
        cleanup: Cleanup,
    ) -> TestApp {
        Self::start_with(url, clock, rules, ops, cleanup, Some(OPERATOR)).await
    }

    async fn start_with(
        url: String,
        clock: Clock,
        rules: RuleArgs,
        ops: OpsArgs,
        cleanup: Cleanup,
        operator_token: Option<&str>,
    ) -> TestApp {
        let args = ServeArgs {
            listen: "127.0.0.1:0".parse().expect("address"),
            database_url: url.clone(),
            operator_token: operator_token.map(str::to_owned),
            db_max_connections: 8,
            db_scan_writers: firstmile::store::DEFAULT_SCAN_WRITERS,
            sqlite: Default::default(),
            body_limit_bytes: 2 * 1024 * 1024,
            log_format: "text".into(),
            idempotency_ttl_hours: 24,
            idempotency_sweep_seconds: 1,
            rules,
            web: Default::default(),
            ops,
            webhooks: test_webhooks(),
        };
        let state = firstmile::cli::prepare_state(&args, clock.clone())
            .await
            .expect("prepare the app state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server_state = state.clone();
        let server = tokio::spawn(async move {
            let _ = serve(listener, server_state, async {
                let _ = rx.await;
            })
            .await;
        });
        TestApp {
            base,
            client: reqwest::Client::new(),
            clock,
            state,
            database_url: url,
            shutdown: Some(tx),
            server: Some(server),
            cleanup,
        }
    }

    /// Stops this server at once (its webhook worker too, mid-delivery or not),
    /// keeping the database for another server.
    pub fn kill(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
        self.shutdown.take();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Today in China, on the test clock, as `YYYY-MM-DD`.
    pub fn today(&self) -> String {
        self.clock.today().to_string()
    }

    /// Moves the test clock forward.
    pub fn advance_hours(&self, hours: i64) {
        self.clock.set_ms(self.clock.now_ms() + hours * 3_600_000);
    }

    /// The test clock's now, RFC 3339.
    pub fn now(&self) -> String {
        firstmile::domain::time::format_ms(self.clock.now_ms())
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("send the request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PUT, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(
        &self,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.send(reqwest::Method::DELETE, path, Some(token), body)
            .await
    }

    /// A seller in central Shenzhen, eligible (60 orders a day for 30 days).
    pub async fn seller(&self) -> Seller {
        self.seller_at("440000", "440300", SHENZHEN, 60).await
    }

    /// A seller at an address, with `daily_orders` on each of the 30 days before today.
    pub async fn seller_at(
        &self,
        province: &str,
        city: &str,
        point: (f64, f64),
        daily_orders: i64,
    ) -> Seller {
        let (status, body) = self
            .post(
                "/v1/sellers",
                OPERATOR,
                json!({"name": "Test Seller", "pickup_address": {"province": province, "city": city,
                       "street": "1 Test Road", "lat": point.0, "lon": point.1}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let seller = Seller {
            id: body["id"].as_str().expect("id").to_owned(),
            token: body["api_key"].as_str().expect("api_key").to_owned(),
        };
        if daily_orders > 0 {
            self.set_daily_orders(&seller, 30, daily_orders).await;
        }
        seller
    }

    /// Sets `orders` on each of the `days` days before today.
    pub async fn set_daily_orders(&self, seller: &Seller, days: u64, orders: i64) {
        let today = self.clock.today();
        let days: Vec<Value> = (1..=days)
            .map(|n| json!({"date": (today - Days::new(n)).to_string(), "orders": orders}))
            .collect();
        let (status, body) = self
            .put(
                &format!("/v1/sellers/{}/order-volumes", seller.id),
                OPERATOR,
                json!({"days": days}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// Registers parcels (all to SZX) and asserts every one was registered.
    pub async fn register(&self, seller: &Seller, parcels: &[Value]) {
        let (status, body) = self
            .post(
                &format!("/v1/sellers/{}/parcels", seller.id),
                &seller.token,
                json!({"parcels": parcels}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["rejected"], 0, "{body}");
    }

    /// Registers `n` small parcels of `weight_g` with tracking numbers `{prefix}0001...`.
    pub async fn register_many(
        &self,
        seller: &Seller,
        prefix: &str,
        n: usize,
        weight_g: i64,
    ) -> Vec<String> {
        let parcels: Vec<Value> = (1..=n)
            .map(|i| parcel(&format!("{prefix}{i:04}"), weight_g))
            .collect();
        for chunk in parcels.chunks(1000) {
            self.register(seller, chunk).await;
        }
        (1..=n).map(|i| format!("{prefix}{i:04}")).collect()
    }

    /// Books a handover of one bag (60x50x40 cm) to SZX for today.
    pub async fn book(&self, seller: &Seller, parcels: &[String]) -> Value {
        let (status, body) = self.try_book(seller, parcels, [60.0, 50.0, 40.0]).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    pub async fn try_book(
        &self,
        seller: &Seller,
        parcels: &[String],
        sides: [f64; 3],
    ) -> (StatusCode, Value) {
        self.post(
            &format!("/v1/sellers/{}/handovers", seller.id),
            &seller.token,
            json!({"sorting_center": "SZX", "pickup_date": self.today(),
                   "bags": [{"parcels": parcels, "length_cm": sides[0], "width_cm": sides[1], "height_cm": sides[2]}]}),
        )
        .await
    }

    /// The seller cancels a handover.
    pub async fn cancel(&self, seller: &Seller, handover_id: &str) -> (StatusCode, Value) {
        self.post(
            &format!("/v1/sellers/{}/handovers/{handover_id}/cancel", seller.id),
            &seller.token,
            json!({}),
        )
        .await
    }

    /// A seller's handover as the seller sees it.
    pub async fn handover(&self, seller: &Seller, handover_id: &str) -> Value {
        let (status, body) = self
            .get(
                &format!("/v1/sellers/{}/handovers/{handover_id}", seller.id),
                &seller.token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// How many handovers the seller's list holds (its first page).
    pub async fn handover_count(&self, seller: &Seller) -> usize {
        let (status, list) = self
            .get(
                &format!("/v1/sellers/{}/handovers", seller.id),
                &seller.token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        list["items"].as_array().map_or(0, Vec::len)
    }

    /// A courier serving Shenzhen.
    pub async fn courier(&self) -> String {
        self.courier_for(&["440300"]).await
    }

    pub async fn courier_for(&self, cities: &[&str]) -> String {
        let (status, body) = self
            .post(
                "/v1/couriers",
                OPERATOR,
                json!({"name": "Courier", "cities": cities}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["api_key"].as_str().expect("api_key").to_owned()
    }

    /// A key for a sorting center.
    pub async fn sorting_center(&self, code: &str) -> String {
        let (status, body) = self
            .post(
                &format!("/v1/sorting-centers/{code}/keys"),
                OPERATOR,
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["api_key"].as_str().expect("api_key").to_owned()
    }

    /// Posts one scan event and returns its result.
    pub async fn scan(&self, token: &str, event: Value) -> Value {
        let (status, body) = self
            .post("/v1/scans", token, json!({"events": [event]}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["results"][0].clone()
    }

    pub async fn pick_up(&self, courier: &str, bag_id: &str, at: &str, weight_g: i64) -> Value {
        self.scan(
            courier,
            json!({"event_id": unique("ev"), "type": "picked_up", "bag_id": bag_id, "occurred_at": at,
                   "measured_weight_g": weight_g}),
        )
        .await
    }

    pub async fn receive(&self, center: &str, bag_id: &str, at: &str, found: &[&str]) -> Value {
        self.scan(
            center,
            json!({"event_id": unique("ev"), "type": "received", "bag_id": bag_id, "occurred_at": at,
                   "parcels_found": found}),
        )
        .await
    }
}

impl Drop for TestApp {
    /// Stops the server; drops a PostgreSQL test database (forcing its connections).
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if let Cleanup::Database { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            let dropper = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut admin)
                                .await;
                    }
                });
            });
            let _ = dropper.join();
        }
    }
}

/// Webhooks in tests: local receivers over http, the worker looking often.
pub fn test_webhooks() -> WebhookArgs {
    WebhookArgs {
        allow_http: true,
        allow_private: true,
        worker: true,
        poll_ms: 50,
        timeout_ms: 2_000,
    }
}

/// A seller's id and token.
#[derive(Clone, Debug)]
pub struct Seller {
    pub id: String,
    pub token: String,
}

/// A small parcel to SZX.
pub fn parcel(tracking_number: &str, weight_g: i64) -> Value {
    json!({"tracking_number": tracking_number, "order_id": format!("O-{tracking_number}"), "weight_g": weight_g,
           "length_cm": 20.0, "width_cm": 15.0, "height_cm": 10.0, "sorting_center": "SZX"})
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match base.rfind('/') {
        Some(i) if base[..i].contains("//") && i > base.find("//").unwrap_or(0) + 1 => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Runs each named `async fn(TestApp)` on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::helpers::run($crate::helpers::Backend::Sqlite, super::$name).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::helpers::run($crate::helpers::Backend::Postgres, super::$name).await;
                }
            }
        )*
    };
}
