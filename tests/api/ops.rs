//! Operations (docs/api.md, "Limits" and "Operations"): `/metrics` parses as the
//! Prometheus text format and moves with the requests; rate limits answer 429 with
//! `Retry-After`; the timeout and load shedding answer 503; the metrics listen address
//! needs no token; every problem `type` resolves to its page.

use crate::both;
use crate::helpers::{Backend, OPERATOR, TestApp, parcel};
use firstmile::config::{OpsArgs, RuleArgs};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn scrape(text: &str) -> prometheus_parse::Scrape {
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
        .expect("the metrics parse as the Prometheus text format")
}

/// The sum of a counter's samples whose labels include `labels`.
fn counter(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
            prometheus_parse::Value::Gauge(v) => v,
            _ => 0.0,
        })
        .sum()
}

/// A series' value read from the raw text: prometheus-parse skips samples whose label
/// values hold braces, as route templates do (`{seller_id}`).
fn raw_value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .filter(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

pub(crate) async fn metrics_text(app: &TestApp) -> String {
    let resp = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(OPERATOR)
        .send()
        .await
        .expect("GET /metrics");
    resp.text().await.expect("body")
}

async fn metrics(app: &TestApp) -> prometheus_parse::Scrape {
    let resp = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(OPERATOR)
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(resp.status(), StatusCode::OK);
    let content_type = resp.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    scrape(&resp.text().await.expect("body"))
}

async fn metrics_move_with_requests(app: TestApp) {
    let (status, body) = app.send(reqwest::Method::GET, "/metrics", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let seller = app.seller().await;
    let (status, _) = app.get("/metrics", &seller.token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let before = metrics(&app).await;
    let before_text = metrics_text(&app).await;
    for _ in 0..3 {
        app.send(reqwest::Method::GET, "/healthz", None, None).await;
    }
    app.register(&seller, &[parcel("MT0001", 500), parcel("MT0002", 400)])
        .await;
    let handover = app.book(&seller, &["MT0001".into()]).await;
    let bag = handover["bags"][0]["id"].as_str().expect("bag").to_owned();
    let courier = app.courier().await;
    let result = app.pick_up(&courier, &bag, &app.now(), 500).await;
    assert_eq!(result["accepted"], true, "{result}");
    let other = app.book(&seller, &["MT0002".into()]).await;
    let (status, _) = app.cancel(&seller, other["id"].as_str().expect("id")).await;
    assert_eq!(status, StatusCode::OK);
    app.send(
        reqwest::Method::GET,
        "/v1/coverage/check",
        Some("bad-token"),
        None,
    )
    .await;
    let after = metrics(&app).await;
    let after_text = metrics_text(&app).await;

    let healthz = [("route", "/healthz"), ("status", "200"), ("method", "GET")];
    let name = "firstmile_http_requests_total";
    assert!(counter(&after, name, &healthz) >= counter(&before, name, &healthz) + 3.0);
    let booked = [
        ("route", "/v1/sellers/{seller_id}/handovers"),
        ("status", "201"),
    ];
    assert!(
        raw_value(&after_text, name, &booked) >= raw_value(&before_text, name, &booked) + 2.0,
        "{after_text}"
    );
    let refused = [("status", "401")];
    assert!(counter(&after, name, &refused) > counter(&before, name, &refused));
    for (metric, labels) in [
        ("firstmile_handovers_booked_total", vec![]),
        ("firstmile_handovers_cancelled_total", vec![]),
        (
            "firstmile_scan_events_total",
            vec![("type", "picked_up"), ("code", "picked_up")],
        ),
    ] {
        assert!(
            counter(&after, metric, &labels) > counter(&before, metric, &labels),
            "{metric} did not move"
        );
    }
    let latency = after
        .samples
        .iter()
        .find(|s| s.metric == "firstmile_http_request_duration_seconds")
        .expect("a latency histogram");
    assert!(
        matches!(latency.value, prometheus_parse::Value::Histogram(_)),
        "{latency:?}"
    );
    assert!(
        after
            .samples
            .iter()
            .any(|s| s.metric == "firstmile_db_pool_connections"),
        "pool usage is exposed"
    );
}

both!(metrics_move_with_requests);

async fn sqlite_with(ops: OpsArgs) -> TestApp {
    TestApp::spawn_with(Backend::Sqlite, RuleArgs::default(), ops)
        .await
        .expect("a SQLite server")
}

fn retry_after(resp: &reqwest::Response) -> u64 {
    resp.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a numeric Retry-After")
}

async fn problem(resp: reqwest::Response) -> Value {
    let content_type = resp.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    resp.json().await.expect("a problem body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_per_key_is_429_with_retry_after() {
    let app = sqlite_with(OpsArgs {
        rate_per_key: 1,
        rate_per_key_burst: 3,
        ..OpsArgs::default()
    })
    .await;
    let mut last = None;
    for _ in 0..4 {
        let resp = app
            .client
            .get(app.url("/v1/sorting-centers"))
            .bearer_auth(OPERATOR)
            .send()
            .await
            .expect("send");
        last = Some(resp);
    }
    let resp = last.expect("a response");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&resp) >= 1);
    let body = problem(resp).await;
    assert_eq!(body["code"], "rate_limited", "{body}");
    assert!(body["request_id"].is_string(), "{body}");
    // Another token is not held back by this one's rate.
    let (status, _) = app.send(reqwest::Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_authentications_are_limited_per_ip() {
    let app = sqlite_with(OpsArgs {
        auth_failures_per_minute: 1,
        auth_failures_burst: 5,
        ..OpsArgs::default()
    })
    .await;
    let mut statuses = Vec::new();
    let mut limited = None;
    for i in 0..8 {
        let resp = app
            .client
            .get(app.url("/v1/sorting-centers"))
            .bearer_auth(format!("guess-{i}"))
            .send()
            .await
            .expect("send");
        statuses.push(resp.status().as_u16());
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(resp);
        }
    }
    assert_eq!(&statuses[..5], &[401; 5], "{statuses:?}");
    assert_eq!(&statuses[5..], &[429; 3], "{statuses:?}");
    let resp = limited.expect("a 429");
    assert!(retry_after(&resp) >= 1);
    assert_eq!(problem(resp).await["code"], "rate_limited");
}

async fn register_big(
    app: &TestApp,
    token: &str,
    seller_id: &str,
    prefix: &str,
) -> reqwest::Response {
    post_big(
        app.client.clone(),
        app.url(&format!("/v1/sellers/{seller_id}/parcels")),
        token.to_owned(),
        prefix.to_owned(),
    )
    .await
    .expect("send")
}

/// Posts 300 parcels. A request the server sheds may be answered before its body is
/// sent in full, so the client can see the connection close mid-body instead of the
/// 503: that is `Err`.
async fn post_big(
    client: reqwest::Client,
    url: String,
    token: String,
    prefix: String,
) -> Result<reqwest::Response, reqwest::Error> {
    let parcels: Vec<Value> = (0..300)
        .map(|i| parcel(&format!("{prefix}{i:04}"), 100))
        .collect();
    client
        .post(url)
        .bearer_auth(token)
        .json(&json!({"parcels": parcels}))
        .send()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_request_times_out_with_503() {
    let app = sqlite_with(OpsArgs {
        request_timeout_ms: 1,
        ..OpsArgs::default()
    })
    .await;
    // The seller is made on a second server without the timeout, on the same database.
    let setup = app.another_server().await;
    let seller = setup.seller().await;
    let resp = register_big(&app, &seller.token, &seller.id, "TO").await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after(&resp) >= 1);
    assert_eq!(problem(resp).await["code"], "request_timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_is_shed_with_503_past_the_concurrency_limit() {
    let app = sqlite_with(OpsArgs {
        max_concurrent_requests: 1,
        ..OpsArgs::default()
    })
    .await;
    let setup = app.another_server().await;
    let seller = setup.seller().await;
    let url = app.url(&format!("/v1/sellers/{}/parcels", seller.id));
    let requests = [
        "LA", "LB", "LC", "LD", "LE", "LF", "LG", "LH", "LI", "LJ", "LK", "LL",
    ]
    .map(|prefix| {
        post_big(
            app.client.clone(),
            url.clone(),
            seller.token.clone(),
            prefix.into(),
        )
    });
    let responses = futures_join(requests.into()).await;
    let mut ok = 0;
    let mut shed = 0;
    for resp in responses {
        let resp = match resp {
            Ok(resp) => resp,
            // Shed before the server read the body: refused at once all the same.
            Err(e) if e.is_request() => {
                shed += 1;
                continue;
            }
            Err(e) => panic!("send: {e}"),
        };
        match resp.status() {
            StatusCode::OK => ok += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(retry_after(&resp) >= 1);
                assert_eq!(problem(resp).await["code"], "overloaded");
                shed += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(ok >= 1, "some requests are served");
    assert!(shed >= 1, "some requests are shed at once, not queued");
}

async fn futures_join<
    F: std::future::Future<Output = Result<reqwest::Response, reqwest::Error>> + Send + 'static,
>(
    futures: Vec<F>,
) -> Vec<Result<reqwest::Response, reqwest::Error>> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("join"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_listen_address_needs_no_token() {
    let app = sqlite_with(OpsArgs::default()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(firstmile::app::serve_metrics(
        listener,
        app.state.clone(),
        async {
            let _ = rx.await;
        },
    ));
    app.send(reqwest::Method::GET, "/healthz", None, None).await;
    let resp = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::OK);
    let parsed = scrape(&resp.text().await.expect("body"));
    assert!(
        counter(
            &parsed,
            "firstmile_http_requests_total",
            &[("route", "/healthz")]
        ) >= 1.0
    );
    let other = reqwest::get(format!("http://{addr}/v1/sorting-centers"))
        .await
        .expect("GET");
    assert_eq!(
        other.status(),
        StatusCode::NOT_FOUND,
        "only /metrics is served there"
    );
    let _ = tx.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_problem_type_resolves_to_its_page() {
    let app = sqlite_with(OpsArgs::default()).await;
    let (status, body) = app
        .send(reqwest::Method::GET, "/v1/sorting-centers", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let type_uri = body["type"].as_str().expect("type").to_owned();
    assert_eq!(type_uri, "/problems/unauthorized");
    let (_, doc) = app
        .send(reqwest::Method::GET, "/openapi.json", None, None)
        .await;
    let codes = doc["components"]["schemas"]["Problem"]["properties"]["code"]["enum"]
        .as_array()
        .expect("the code enum")
        .clone();
    assert!(codes.len() > 40, "{codes:?}");
    for code in codes {
        let code = code.as_str().expect("a code");
        let resp = app
            .client
            .get(app.url(&format!("/problems/{code}")))
            .send()
            .await
            .expect("GET");
        assert_eq!(resp.status(), StatusCode::OK, "{code}");
        assert!(resp.text().await.unwrap_or_default().contains(code));
    }
    let resp = app
        .client
        .get(app.url("/problems/no_such_code"))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}
