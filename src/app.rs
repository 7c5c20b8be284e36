//! The running service: shared state, the router with its middleware, and `serve`
//! with graceful shutdown (in-flight requests finish on SIGTERM or Ctrl-C).

use crate::api;
pub use crate::config::Settings;
use crate::domain::{Clock, new_id};
use crate::service::Ctx;
use crate::store::Store;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub clock: Clock,
}

impl AppState {
    /// The use cases' view of the state (see [`crate::service`]).
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx::new(&self.store, &self.settings, &self.clock)
    }
}

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone, Copy, Debug)]
struct MakeId;

impl MakeRequestId for MakeId {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        new_id("RQ").parse().ok().map(RequestId::new)
    }
}

/// The whole HTTP surface with its middleware, outermost first: request ids, the
/// request log and metrics, problem+json for every error, the limits (see
/// [`api::limits`]), a body limit, idempotency keys.
pub fn build_router(state: AppState) -> Router {
    let body_limit = state.settings.body_limit_bytes;
    // The recorder is installed before the first request is counted.
    crate::metrics::handle();
    let ops = state.settings.ops.clone();
    let router = api::router(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state,
            api::idempotency::layer,
        ))
        .layer(axum::middleware::from_fn(api::strict_json::path_layer))
        .layer(DefaultBodyLimit::max(body_limit));
    api::limits::apply(router, &ops).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeId))
            .layer(axum::middleware::from_fn(api::observe::layer))
            .layer(axum::middleware::from_fn(api::error::problem_layer))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER)),
    )
}

/// Serves until `shutdown` completes, then lets in-flight requests finish. Beside the
/// requests, sweeps expired idempotency records.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The webhook worker and the idempotency sweep live as long as this server:
    // dropped with it, even when the server's task is aborted.
    let _worker = state.settings.webhooks.worker.then(|| {
        AbortOnDrop(tokio::spawn(crate::webhooks::run(
            state.store.clone(),
            state.clock.clone(),
            state.settings.webhooks.worker_config(),
        )))
    });
    let _sweeper = AbortOnDrop(tokio::spawn(sweep_idempotency(state.clone())));
    // The peer address reaches handlers (the seller center limits sign-ins by it).
    let app = build_router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves `/metrics` alone, without a token (for `FIRSTMILE_METRICS_LISTEN`: a
/// port only the Prometheus scraper reaches).
pub async fn serve_metrics(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route(
            "/metrics",
            axum::routing::get(
                |axum::extract::State(state): axum::extract::State<AppState>| async move {
                    api::ops::render_metrics(&state)
                },
            ),
        )
        .with_state(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Every `idempotency_sweep_every`, deletes the idempotency records older than
/// `idempotency_ttl_ms` by the state's clock (a test's clock moves it). Each server
/// sweeps; a sweep is one DELETE by age, so several servers sweeping is harmless.
async fn sweep_idempotency(state: AppState) {
    let mut every = tokio::time::interval(state.settings.idempotency_sweep_every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let cutoff = state
            .clock
            .now_ms()
            .saturating_sub(state.settings.idempotency_ttl_ms);
        match state.store.delete_idempotency_before(cutoff).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "expired idempotency records swept"),
            Err(e) => tracing::warn!(error = %e, "idempotency sweep failed"),
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
