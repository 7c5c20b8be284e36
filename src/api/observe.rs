//! One log line and two metrics per request: method, route template, status,
//! numeric `latency_ms`, the problem `code` of an error, and the caller's role and id
//! when it authenticated (docs/api.md, "Operations"). The request's span (with its
//! request id) wraps every other line logged while it runs.

use super::error::ProblemCode;
use super::extract::CallerSlot;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

pub async fn layer(mut request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let request_id = request
        .headers()
        .get(crate::app::REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let slot = CallerSlot::default();
    request.extensions_mut().insert(slot.clone());
    let span =
        tracing::info_span!("request", method = %method, route = %route, request.id = %request_id);
    let response = next.run(request).instrument(span.clone()).await;
    let elapsed = start.elapsed();
    let status = response.status().as_u16();
    crate::metrics::http_request(method.as_str(), &route, status, elapsed.as_secs_f64());
    let code = response
        .extensions()
        .get::<ProblemCode>()
        .map_or("", |c| c.0.as_str());
    let caller = slot.0.get();
    let role = caller.map_or("", |p| p.role.as_str());
    let caller_id = caller.map_or("", |p| p.id.as_str());
    let latency_ms = (elapsed.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
    let _entered = span.enter();
    tracing::info!(
        status,
        latency_ms,
        code,
        caller.role = role,
        caller.id = caller_id,
        "request"
    );
    response
}
