//! The `Idempotency-Key` middleware (docs/api.md, "Idempotency"): on a POST carrying the header, the
//! request's hash is claimed under the caller's key before the handler runs; the
//! response is saved and replayed for a repeat; a different body under the same key is
//! a 422 `idempotency_key_reused`. A 5xx releases the key so the client can retry.
//!
//! A repeat that finds the first request still running waits for it, polling the
//! store (which every server shares) for at most [`IN_FLIGHT_WAIT`], and then replays
//! its response: a client retrying on a timeout, or sending twice at once, gets the
//! one answer. Only past the wait is it 409 `idempotency_request_in_flight`, with
//! `Retry-After`.

use super::error::ApiError;
use super::extract::bearer_token;
use crate::app::AppState;
use crate::domain::Role;
use crate::store::IdempotencyClaim;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

pub const HEADER: &str = "idempotency-key";

/// How long a repeat waits for the first request with its key to finish.
pub const IN_FLIGHT_WAIT: Duration = Duration::from_secs(5);

pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_owned))
    else {
        return next.run(request).await;
    };
    match run(state, key.ok(), request, next).await {
        Ok(response) | Err(response) => response,
    }
}

async fn run(
    state: AppState,
    key: Option<String>,
    request: Request,
    next: Next,
) -> Result<Response, Response> {
    let key = key
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::invalid_field(
                HEADER,
                "invalid",
                "an Idempotency-Key has 1 to 255 visible characters",
            )
            .into_response()
        })?;
    let (mut parts, body) = request.into_parts();
    let Some(token) = bearer_token(&parts).map(str::to_owned) else {
        return Err(ApiError::unauthorized().into_response());
    };
    let principal = crate::service::keys::authenticate(state.ctx(), &token)
        .await
        .map_err(|e| ApiError::from(e).into_response())?
        .ok_or_else(|| ApiError::unauthorized().into_response())?;
    let bytes = to_bytes(body, state.settings.body_limit_bytes)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large",
            )
            .into_response()
        })?;
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(parts.uri.path().as_bytes());
    hasher.update(b"\n");
    hasher.update(&bytes);
    let request_hash = hex::encode(hasher.finalize());
    let owner = principal.key();
    let waiting_since = Instant::now();
    let mut poll = Duration::from_millis(20);
    let claim = loop {
        let claim = state
            .store
            .claim_idempotency_key(&owner, &key, &request_hash, state.clock.now_ms())
            .await
            .map_err(|e| ApiError::from(e).into_response())?;
        if claim != IdempotencyClaim::InFlight || waiting_since.elapsed() >= IN_FLIGHT_WAIT {
            break claim;
        }
        // The first request may end with a response (replayed next time round) or
        // with a 5xx that releases the key (claimed next time round).
        tokio::time::sleep(poll).await;
        poll = (poll * 2).min(Duration::from_millis(200));
    };
    match claim {
        IdempotencyClaim::Replay { status, body } => {
            // A revoked ISV loses access at once, replays included.
            let seller = parts.uri.path().strip_prefix("/v1/sellers/");
            if let (Role::Isv, Some(seller_id)) = (principal.role, seller) {
                let seller_id = seller_id.split('/').next().unwrap_or_default();
                state
                    .store
                    .authorize_seller(&principal, seller_id)
                    .await
                    .map_err(|e| ApiError::from(e).into_response())?;
            }
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let content_type = if status.is_success() {
                "application/json"
            } else {
                super::error::PROBLEM_JSON
            };
            let mut response = (status, body).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(response)
        }
        IdempotencyClaim::Mismatch => Err(ApiError::unprocessable(
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request",
        )
        .into_response()),
        IdempotencyClaim::InFlight => Err(ApiError::conflict(
            "idempotency_request_in_flight",
            "a request with this Idempotency-Key is still being handled; retry shortly",
        )
        .retry_after(1)
        .into_response()),
        IdempotencyClaim::Claimed => {
            parts.extensions.insert(principal);
            let response = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            let (parts, body) = response.into_parts();
            let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
            let saved = if parts.status.is_server_error() {
                state.store.release_idempotency_key(&owner, &key).await
            } else {
                let text = String::from_utf8_lossy(&body);
                state
                    .store
                    .save_idempotent_response(&owner, &key, parts.status.as_u16(), &text)
                    .await
            };
            if let Err(e) = saved {
                tracing::error!(error = %e, "could not save an idempotent response");
            }
            Ok(Response::from_parts(parts, Body::from(body)))
        }
    }
}
