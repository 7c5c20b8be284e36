//! Webhook endpoints over HTTP (docs/api.md, "Webhooks"): create (the secret is shown
//! once), list, delete, rotate the secret, read the delivery log, replay. The use
//! cases are `service::webhooks`.

use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, Auth};
use crate::app::AppState;
use crate::domain::DeliveryStatus;
use crate::domain::time::format_ms;
use crate::service::webhooks::{self, WebhookWithSecret};
use crate::store::{AttemptRecord, WebhookRecord};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_webhook, list_webhooks))
        .routes(routes!(delete_webhook))
        .routes(routes!(rotate_secret))
        .routes(routes!(list_deliveries))
        .routes(routes!(replay))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"url": "https://erp.example.com/firstmile/webhooks", "event_types": ["handover.booked", "bag.picked_up"]})))]
pub struct CreateWebhookRequest {
    /// An https URL on a public address.
    #[validate(length(min = 8, max = 2000))]
    #[schema(min_length = 8, max_length = 2000)]
    pub url: String,
    /// Event types to send (empty or left out: all).
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(value_type = Vec<crate::domain::EventType>)]
    #[schema(max_items = 20)]
    pub event_types: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    pub id: String,
    pub url: String,
    /// Empty: every type.
    #[schema(value_type = Vec<crate::domain::EventType>)]
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub created_at: String,
    pub disabled_at: Option<String>,
    /// `whsec_` and base64: shown only when created or rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn webhook_response(w: WebhookRecord, secret: Option<String>) -> WebhookResponse {
    WebhookResponse {
        id: w.webhook_id,
        url: w.url,
        event_types: w.event_types,
        enabled: w.enabled,
        created_at: format_ms(w.created_at_ms),
        disabled_at: w.disabled_at_ms.map(format_ms),
        secret,
    }
}

fn with_secret(w: WebhookWithSecret) -> WebhookResponse {
    webhook_response(w.webhook, Some(w.secret))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookResponse>,
}

/// Subscribe an endpoint to the seller's events; the answer shows its secret once.
#[utoipa::path(post, path = "/v1/sellers/{seller_id}/webhooks", tag = "webhooks", request_body = CreateWebhookRequest,
    responses((status = 201, body = WebhookResponse), (status = 404, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn create_webhook(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
    ApiJson(body): ApiJson<CreateWebhookRequest>,
) -> Result<(StatusCode, Json<WebhookResponse>), ApiError> {
    let made = webhooks::create_webhook(
        state.ctx(),
        &auth.0,
        &seller_id,
        &body.url,
        &body.event_types,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(with_secret(made))))
}

/// The seller's endpoints (without secrets).
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/webhooks", tag = "webhooks",
    responses((status = 200, body = WebhookList), (status = 404, body = super::error::Problem)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
) -> Result<Json<WebhookList>, ApiError> {
    let items = webhooks::list_webhooks(state.ctx(), &auth.0, &seller_id).await?;
    Ok(Json(WebhookList {
        items: items
            .into_iter()
            .map(|w| webhook_response(w, None))
            .collect(),
    }))
}

/// Remove an endpoint; its pending deliveries are dropped.
#[utoipa::path(delete, path = "/v1/sellers/{seller_id}/webhooks/{webhook_id}", tag = "webhooks",
    responses((status = 204), (status = 404, body = super::error::Problem)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    auth: Auth,
    Path((seller_id, webhook_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    webhooks::delete_webhook(state.ctx(), &auth.0, &seller_id, &webhook_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new secret, shown once; the previous one keeps signing for 24 hours.
#[utoipa::path(post, path = "/v1/sellers/{seller_id}/webhooks/{webhook_id}/rotate-secret", tag = "webhooks",
    responses((status = 200, body = WebhookResponse), (status = 404, body = super::error::Problem)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    auth: Auth,
    Path((seller_id, webhook_id)): Path<(String, String)>,
) -> Result<Json<WebhookResponse>, ApiError> {
    let rotated =
        webhooks::rotate_webhook_secret(state.ctx(), &auth.0, &seller_id, &webhook_id).await?;
    Ok(Json(with_secret(rotated)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Most attempts, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptResponse {
    pub event_id: String,
    pub event_type: String,
    /// 1 for the first attempt of a delivery.
    pub attempt: i64,
    pub at: String,
    pub ok: bool,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
    /// The delivery now: `pending` (a retry is scheduled), `delivered` or `failed`.
    pub delivery_status: DeliveryStatus,
}

fn attempt_response(a: AttemptRecord) -> AttemptResponse {
    AttemptResponse {
        event_id: a.event_id,
        event_type: a.event_type,
        attempt: a.attempt,
        at: format_ms(a.at_ms),
        ok: a.ok,
        status_code: a.status_code,
        latency_ms: a.latency_ms,
        error: a.error,
        delivery_status: a.delivery_status,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptList {
    pub items: Vec<AttemptResponse>,
}

/// The delivery log: every attempt, newest first.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/webhooks/{webhook_id}/deliveries", tag = "webhooks",
    params(LogQuery), responses((status = 200, body = AttemptList), (status = 404, body = super::error::Problem)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    auth: Auth,
    Path((seller_id, webhook_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Json<AttemptList>, ApiError> {
    let items =
        webhooks::list_attempts(state.ctx(), &auth.0, &seller_id, &webhook_id, q.limit).await?;
    Ok(Json(AttemptList {
        items: items.into_iter().map(attempt_response).collect(),
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ReplayRequest {
    /// Send this event again.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub event_id: Option<String>,
    /// Or: send again every failed delivery of events since this time (RFC 3339).
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    #[schema(format = DateTime)]
    pub since: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayResponse {
    /// How many deliveries were scheduled again.
    pub scheduled: u64,
}

/// Send one event again, or every failed one since a time.
#[utoipa::path(post, path = "/v1/sellers/{seller_id}/webhooks/{webhook_id}/replay", tag = "webhooks",
    request_body = ReplayRequest,
    responses((status = 202, body = ReplayResponse), (status = 404, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn replay(
    State(state): State<AppState>,
    auth: Auth,
    Path((seller_id, webhook_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ReplayRequest>,
) -> Result<(StatusCode, Json<ReplayResponse>), ApiError> {
    let scheduled = webhooks::replay(
        state.ctx(),
        &auth.0,
        &seller_id,
        &webhook_id,
        body.event_id.as_deref(),
        body.since.as_deref(),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(ReplayResponse { scheduled })))
}
