//! Tracking over HTTP (docs/rules.md, rule 17): anyone holding a tracking number, with
//! any valid token, sees its logistics timeline and nothing of the seller.

use super::error::ApiError;
use super::extract::Auth;
use crate::app::AppState;
use crate::domain::time::format_ms;
use crate::domain::{FirstScanBasis, TrackingEventType, TrackingStatus};
use crate::service::tracking::track_parcel;
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_tracking))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackingEventResponse {
    #[serde(rename = "type")]
    pub event_type: TrackingEventType,
    /// When it happened (UTC).
    pub at: String,
    /// When firstmile learned it (UTC).
    pub recorded_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackingResponse {
    pub tracking_number: String,
    pub status: TrackingStatus,
    pub first_scan_at: Option<String>,
    /// `bag_pickup` (backdated to the bag's pickup), `intake`, or null before intake.
    pub first_scan_basis: Option<FirstScanBasis>,
    pub bag_id: Option<String>,
    pub events: Vec<TrackingEventResponse>,
}

/// A parcel's timeline.
#[utoipa::path(get, path = "/v1/tracking/{tracking_number}", tag = "tracking",
    responses((status = 200, body = TrackingResponse), (status = 401, body = super::error::Problem),
              (status = 404, body = super::error::Problem)))]
pub async fn get_tracking(
    State(state): State<AppState>,
    _auth: Auth,
    Path(tracking_number): Path<String>,
) -> Result<Json<TrackingResponse>, ApiError> {
    let view = track_parcel(state.ctx(), &tracking_number).await?;
    Ok(Json(TrackingResponse {
        tracking_number: view.tracking_number,
        status: view.status,
        first_scan_at: view.first_scan_at_ms.map(format_ms),
        first_scan_basis: view.first_scan_basis,
        bag_id: view.bag_id,
        events: view
            .events
            .into_iter()
            .map(|e| TrackingEventResponse {
                event_type: e.event_type,
                at: format_ms(e.at_ms),
                recorded_at: format_ms(e.recorded_at_ms),
            })
            .collect(),
    }))
}
