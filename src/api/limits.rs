//! Limits that keep one client, or a crowd, from taking the service down (docs/api.md,
//! "Limits"): a rate per bearer token and per client IP (`tower_governor`), a stricter
//! rate of failed authentications per IP (`governor`: past it, a 401 becomes a 429),
//! load shedding past a number of requests in flight (`tower`'s global concurrency
//! limit under `load_shed`: 503 `overloaded` at once, never a queue) and a request
//! timeout (503 `request_timeout`). Refusals are problems with `Retry-After`.

use super::error::ApiError;
use crate::config::OpsArgs;
use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_governor::GovernorError;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::{KeyExtractor, SmartIpKeyExtractor};

/// The client's IP: the peer's, or the first forwarded one when configured to trust
/// the load balancer's headers.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp {
    pub trust_forwarded: bool,
}

impl ClientIp {
    pub fn of<T>(self, req: &axum::http::Request<T>) -> IpAddr {
        let forwarded = self
            .trust_forwarded
            .then(|| SmartIpKeyExtractor.extract(req).ok())
            .flatten();
        forwarded
            .or_else(|| {
                req.extensions()
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|c| c.0.ip())
            })
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;

    fn extract<T>(&self, req: &axum::http::Request<T>) -> Result<IpAddr, GovernorError> {
        Ok(self.of(req))
    }
}

/// The bearer token (hashed), or the client IP for a request without one.
#[derive(Clone, Copy, Debug)]
pub struct BearerKey(pub ClientIp);

impl KeyExtractor for BearerKey {
    type Key = u64;

    fn extract<T>(&self, req: &axum::http::Request<T>) -> Result<u64, GovernorError> {
        let mut h = DefaultHasher::new();
        match req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            Some(token) => ("key", token).hash(&mut h),
            None => ("ip", self.0.of(req)).hash(&mut h),
        }
        Ok(h.finish())
    }
}

/// A 429 problem with `Retry-After` in whole seconds (at least 1).
pub fn too_many(wait: Duration, limit: &'static str) -> Response {
    crate::metrics::limited(limit);
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many requests; retry in {} s", secs.max(1)),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
    response
}

fn unavailable(code: &'static str, detail: &str) -> Response {
    let mut response = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, detail).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

fn governor_error(limit: &'static str) -> impl Fn(GovernorError) -> Response + Clone {
    move |err| match err {
        GovernorError::TooManyRequests { wait_time, .. } => {
            too_many(Duration::from_secs(wait_time), limit)
        }
        other => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            other.to_string(),
        )
        .into_response(),
    }
}

/// The failed-authentication limiter.
#[derive(Debug)]
pub struct AuthFailures {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    ip: ClientIp,
}

async fn auth_failures(
    State(state): State<Arc<AuthFailures>>,
    request: Request,
    next: Next,
) -> Response {
    let ip = state.ip.of(&request);
    let response = next.run(request).await;
    if response.status() != StatusCode::UNAUTHORIZED {
        return response;
    }
    match state.limiter.check_key(&ip) {
        Ok(()) => response,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            too_many(wait, "auth_failures")
        }
    }
}

async fn shed_or_timeout(err: tower::BoxError) -> Response {
    if err.is::<tower::load_shed::error::Overloaded>() {
        crate::metrics::limited("concurrency");
        unavailable(
            "overloaded",
            "the server is at its limit of requests in flight; retry shortly",
        )
    } else if err.is::<tower::timeout::error::Elapsed>() {
        crate::metrics::limited("timeout");
        unavailable(
            "request_timeout",
            "the request took longer than this server allows",
        )
    } else {
        tracing::error!(error = %err, "middleware error");
        ApiError::internal().into_response()
    }
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

/// Wraps every route of `router` in the configured limits.
pub fn apply<S: Clone + Send + Sync + 'static>(router: Router<S>, ops: &OpsArgs) -> Router<S> {
    let ip = ClientIp {
        trust_forwarded: ops.trust_forwarded_for,
    };
    let timeout = match ops.request_timeout_ms {
        0 => Duration::MAX,
        ms => Duration::from_millis(ms),
    };
    let in_flight = match ops.max_concurrent_requests {
        0 => tokio::sync::Semaphore::MAX_PERMITS,
        n => n,
    };
    let mut router = router.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(shed_or_timeout))
            .load_shed()
            .layer(GlobalConcurrencyLimitLayer::new(in_flight))
            .timeout(timeout),
    );
    if ops.rate_per_key > 0 {
        let config = GovernorConfigBuilder::default()
            .period(Duration::from_secs(1) / ops.rate_per_key)
            .burst_size(ops.rate_per_key_burst.max(1))
            .key_extractor(BearerKey(ip))
            .finish()
            .map(Arc::new);
        if let Some(config) = config {
            spawn_sweep(config.limiter().clone());
            router =
                router.layer(GovernorLayer::new(config).error_handler(governor_error("per_key")));
        }
    }
    if ops.rate_per_ip > 0 {
        let config = GovernorConfigBuilder::default()
            .period(Duration::from_secs(1) / ops.rate_per_ip)
            .burst_size(ops.rate_per_ip_burst.max(1))
            .key_extractor(ip)
            .finish()
            .map(Arc::new);
        if let Some(config) = config {
            spawn_sweep(config.limiter().clone());
            router =
                router.layer(GovernorLayer::new(config).error_handler(governor_error("per_ip")));
        }
    }
    if ops.auth_failures_per_minute > 0 {
        let quota = Quota::per_minute(nonzero(ops.auth_failures_per_minute))
            .allow_burst(nonzero(ops.auth_failures_burst));
        let state = Arc::new(AuthFailures {
            limiter: DefaultKeyedRateLimiter::keyed(quota),
            ip,
        });
        let sweep = state.clone();
        spawn_task(move || sweep.limiter.retain_recent());
        router = router.layer(axum::middleware::from_fn_with_state(state, auth_failures));
    }
    router
}

fn spawn_sweep<K: Clone + Eq + Hash + Send + Sync + 'static>(
    limiter: Arc<DefaultKeyedRateLimiter<K>>,
) {
    spawn_task(move || limiter.retain_recent());
}

/// Forgets idle keys once a minute, so the limiters' memory stays bounded (only when
/// a Tokio runtime runs: always, when serving).
fn spawn_task(sweep: impl Fn() + Send + 'static) {
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        rt.spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                sweep();
            }
        });
    }
}
