//! The running service: shared state, the router with its middleware, and `serve`
//! with graceful shutdown (in-flight requests finish on SIGTERM or Ctrl-C).

use crate::api;
pub use crate::config::Settings;
use crate::domain::{Clock, new_id};
use crate::service::Ctx;
use crate::store::Store;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::HeaderName;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

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

/// The whole HTTP surface with its middleware: request ids, a span per request,
/// problem+json for every error, a body limit, idempotency keys.
pub fn build_router(state: AppState) -> Router {
    let body_limit = state.settings.body_limit_bytes;
    api::router(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state,
            api::idempotency::layer,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeId))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                    let path = req
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", MatchedPath::as_str);
                    let id = req
                        .headers()
                        .get(REQUEST_ID_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!("request", method = %req.method(), path, request.id = id)
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO))
                .on_failure(DefaultOnFailure::new().level(Level::ERROR)))
                .layer(axum::middleware::from_fn(api::error::problem_layer))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER)),
        )
}

/// Serves until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The webhook worker lives as long as this server: dropped with it, even when
    // the server's task is aborted.
    let _worker = state.settings.webhooks.worker.then(|| {
        AbortOnDrop(tokio::spawn(crate::webhooks::run(
            state.store.clone(),
            state.clock.clone(),
            state.settings.webhooks.worker_config(),
        )))
    });
    axum::serve(listener, build_router(state))
        .with_graceful_shutdown(shutdown)
        .await
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
