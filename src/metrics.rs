//! Prometheus metrics through the `metrics` facade: one process-wide recorder
//! (`metrics-exporter-prometheus`), the names of every series, and the few functions
//! that record them. The HTTP layer renders it at `/metrics` (and on
//! `FIRSTMILE_METRICS_LISTEN`); the use cases record what happened to the domain.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Requests by `method`, `route` (the route template, `unmatched` for none) and `status`.
pub const HTTP_REQUESTS: &str = "firstmile_http_requests_total";
/// Request latency in seconds, same labels.
pub const HTTP_DURATION: &str = "firstmile_http_request_duration_seconds";
/// Scan events by `type` and result `code` (`accepted`, `duplicate` or the refusal code).
pub const SCAN_EVENTS: &str = "firstmile_scan_events_total";
pub const HANDOVERS_BOOKED: &str = "firstmile_handovers_booked_total";
pub const HANDOVERS_CANCELLED: &str = "firstmile_handovers_cancelled_total";
/// Webhook deliveries by `result`: recorded through [`webhook_delivery`].
pub const WEBHOOK_DELIVERIES: &str = "firstmile_webhook_deliveries_total";
/// Connections of each database pool (`pool` = `writer` or `reader`), by `state`.
pub const DB_POOL_CONNECTIONS: &str = "firstmile_db_pool_connections";
pub const DB_POOL_MAX: &str = "firstmile_db_pool_max_connections";
/// Requests refused by a limit, by `limit` (`per_key`, `per_ip`, `auth_failures`,
/// `timeout`, `concurrency`).
pub const LIMITED: &str = "firstmile_requests_limited_total";
/// Scan requests, and the transactions they were applied in (several requests of one
/// poster that queue for a writer share one: `store/scan_groups.rs`).
pub const SCAN_REQUESTS: &str = "firstmile_scan_requests_total";
pub const SCAN_TRANSACTIONS: &str = "firstmile_scan_transactions_total";
/// Transactions run again after a deadlock or serialisation failure, by `operation`.
pub const DB_RETRIES: &str = "firstmile_db_transaction_retries_total";

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use (every server of a process, as in
/// the tests, shares it).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), LATENCY_BUCKETS)
            .expect("non-empty buckets")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be global (an embedding program's): ours then
        // renders nothing but stays usable.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// The text exposition of every series.
pub fn render() -> String {
    let handle = handle();
    handle.run_upkeep();
    handle.render()
}

pub fn http_request(method: &str, route: &str, status: u16, seconds: f64) {
    let labels = [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(HTTP_DURATION, &labels).record(seconds);
}

pub fn scan_event(event_type: &str, code: &str) {
    metrics::counter!(SCAN_EVENTS, "type" => event_type.to_owned(), "code" => code.to_owned())
        .increment(1);
}

/// One scan transaction that applied `requests` requests.
pub fn scan_transaction(requests: usize) {
    metrics::counter!(SCAN_REQUESTS).increment(requests as u64);
    metrics::counter!(SCAN_TRANSACTIONS).increment(1);
}

pub fn db_retry(operation: &'static str) {
    metrics::counter!(DB_RETRIES, "operation" => operation).increment(1);
}

pub fn handover_booked() {
    metrics::counter!(HANDOVERS_BOOKED).increment(1);
}

pub fn handover_cancelled() {
    metrics::counter!(HANDOVERS_CANCELLED).increment(1);
}

/// The hook for webhook deliveries (`result`: `delivered`, `failed`, `gave_up`).
pub fn webhook_delivery(result: &str) {
    metrics::counter!(WEBHOOK_DELIVERIES, "result" => result.to_owned()).increment(1);
}

pub fn limited(limit: &'static str) {
    metrics::counter!(LIMITED, "limit" => limit).increment(1);
}

/// A pool's size now: connections open and idle, and its maximum.
pub fn db_pool(pool: &'static str, open: u32, idle: usize, max: u32) {
    let busy = f64::from(open) - idle as f64;
    metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => pool, "state" => "busy").set(busy.max(0.0));
    metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => pool, "state" => "idle").set(idle as f64);
    metrics::gauge!(DB_POOL_MAX, "pool" => pool).set(f64::from(max));
}
