//! The order feed over HTTP: `PUT /v1/sellers/{seller_id}/orders`, up to 1,000 updates
//! a batch (docs/rules.md, rule 20; the use case is `service::orders`).

use super::error::ApiError;
use super::extract::{ApiJson, Auth};
use crate::app::AppState;
use crate::domain::{CancelReason, OrderStatus};
use crate::service::orders::{self, OrderUpdateInput};
use crate::store::ParcelEffect;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(put_orders))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct OrderUpdateItem {
    #[schema(min_length = 1, max_length = 64)]
    pub order_id: String,
    /// RFC 3339; the order's day is this time's day in China (UTC+8).
    #[schema(format = DateTime, example = "2026-11-26T08:00:00Z")]
    pub created_at: String,
    #[schema(example = "valid")]
    pub status: OrderStatus,
    /// Only with `cancelled` (default `other`): buyer, late_intake, seller, invalid, other.
    #[serde(default)]
    pub cancel_reason: Option<CancelReason>,
    /// Only with `cancelled`; default: when firstmile learns it.
    #[serde(default)]
    #[schema(format = DateTime, example = "2026-11-26T08:00:00Z")]
    pub cancelled_at: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[schema(examples(json!({"orders": [{"order_id": "A-1", "created_at": "2026-11-25T09:30:00Z", "status": "valid"}, {"order_id": "A-2", "created_at": "2026-11-25T10:00:00Z", "status": "cancelled", "cancel_reason": "buyer", "cancelled_at": "2026-11-25T12:00:00Z"}]})))]
pub struct PutOrdersRequest {
    /// 1 to 1,000 updates.
    #[schema(min_items = 1, max_items = 1000)]
    pub orders: Vec<OrderUpdateItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderResult {
    pub order_id: String,
    /// `applied`, `unchanged` (a repeat) or `superseded` (the order already has a
    /// status of higher precedence).
    pub outcome: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParcelEffectItem {
    pub tracking_number: String,
    pub order_id: String,
    pub bag_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PutOrdersResponse {
    pub results: Vec<OrderResult>,
    /// Parcels of orders that became invalid or cancelled, taken out of their open
    /// bag (`bag_id`: the bag they left) or out of the unbagged pool.
    pub parcels_removed: Vec<ParcelEffectItem>,
    /// Parcels of such orders in bags already picked up: flagged `order_cancelled`
    /// for the sorting center to hold.
    pub parcels_flagged: Vec<ParcelEffectItem>,
}

fn effect(e: ParcelEffect) -> ParcelEffectItem {
    ParcelEffectItem {
        tracking_number: e.tracking_number,
        order_id: e.order_id,
        bag_id: e.bag_id,
    }
}

/// Report order updates (the seller's ERP, an ISV it granted, or the operator).
#[utoipa::path(put, path = "/v1/sellers/{seller_id}/orders", tag = "sellers", request_body = PutOrdersRequest,
    responses((status = 200, body = PutOrdersResponse), (status = 404, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn put_orders(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
    ApiJson(body): ApiJson<PutOrdersRequest>,
) -> Result<Json<PutOrdersResponse>, ApiError> {
    let updates: Vec<OrderUpdateInput> = body
        .orders
        .into_iter()
        .map(|o| OrderUpdateInput {
            order_id: o.order_id,
            created_at: o.created_at,
            status: o.status,
            cancel_reason: o.cancel_reason,
            cancelled_at: o.cancelled_at,
        })
        .collect();
    let batch = orders::put_orders(state.ctx(), &auth.0, &seller_id, &updates).await?;
    Ok(Json(PutOrdersResponse {
        results: batch
            .outcomes
            .into_iter()
            .map(|(order_id, outcome)| OrderResult {
                order_id,
                outcome: outcome.as_str().to_owned(),
            })
            .collect(),
        parcels_removed: batch.parcels_removed.into_iter().map(effect).collect(),
        parcels_flagged: batch.parcels_flagged.into_iter().map(effect).collect(),
    }))
}
