//! `POST /v1/scans`: couriers post pickups and pickup failures, sorting centers post
//! intakes. A malformed event fails the whole request (422, with the event's path);
//! a well-formed event the rules refuse gets its own result, beside the others.

use super::error::ApiError;
use super::extract::{ApiJson, Caller, roles};
use crate::app::AppState;
use crate::domain::time::parse_rfc3339;
use crate::domain::{PickupFailureReason, ScanType};
use crate::service::address::check_coordinates;
use crate::service::scans::{self, check_not_future};
use crate::store::{ScanEvent, ScanKind, ScanResult};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_scans))
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
pub struct ScanEventInput {
    /// The client's unique id for this event; a repeat is acknowledged again.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub event_id: String,
    /// `picked_up`, `pickup_failed` (couriers) or `received` (sorting centers).
    #[serde(rename = "type")]
    #[schema(value_type = ScanType)]
    pub event_type: String,
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub bag_id: String,
    /// RFC 3339 time of the scan.
    #[schema(format = DateTime, example = "2026-11-26T08:00:00Z")]
    pub occurred_at: String,
    /// `picked_up`: the bag's weight on the courier's scale, grams.
    #[validate(range(min = 0, max = 10_000_000))]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub measured_weight_g: Option<i64>,
    /// `picked_up`: measured sides, centimetres (all three or none).
    #[validate(range(exclusive_min = 0.0, max = 500.0))]
    #[schema(exclusive_minimum = 0.0, maximum = 500.0)]
    pub length_cm: Option<f64>,
    #[validate(range(exclusive_min = 0.0, max = 500.0))]
    #[schema(exclusive_minimum = 0.0, maximum = 500.0)]
    pub width_cm: Option<f64>,
    #[validate(range(exclusive_min = 0.0, max = 500.0))]
    #[schema(exclusive_minimum = 0.0, maximum = 500.0)]
    pub height_cm: Option<f64>,
    /// `picked_up`: where the courier was (GCJ-02).
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub lat: Option<f64>,
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub lon: Option<f64>,
    /// `pickup_failed`: `seller_absent`, `not_ready`, `address_not_found`,
    /// `bag_over_limits` or `other`.
    #[schema(value_type = Option<PickupFailureReason>)]
    pub reason: Option<String>,
    /// `received`: tracking numbers scanned out of the bag.
    #[validate(length(max = 5000))]
    #[schema(max_items = 5000)]
    pub parcels_found: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[schema(examples(json!({"events": [{"event_id": "pickup-1", "type": "picked_up", "bag_id": "MB4K2R9XQ7M1ZT", "occurred_at": "2026-11-26T01:30:00Z", "measured_weight_g": 1650, "lat": 22.5431, "lon": 114.0579}]})))]
pub struct ScansRequest {
    #[validate(length(min = 1, max = 1000), nested)]
    #[schema(min_items = 1, max_items = 1000)]
    pub events: Vec<ScanEventInput>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"accepted": 1, "rejected": 1, "results": [{"event_id": "pickup-1", "accepted": true, "duplicate": false, "code": "picked_up"}, {"event_id": "pickup-2", "accepted": false, "duplicate": false, "code": "bag_not_found", "message": "no bag MB0000000000ZZ"}]})))]
pub struct ScansResponse {
    pub accepted: usize,
    pub rejected: usize,
    pub results: Vec<ScanResult>,
}

fn parse_event(i: usize, e: ScanEventInput, now_ms: i64) -> Result<ScanEvent, ApiError> {
    let field = |name: &str| format!("events[{i}].{name}");
    let occurred_at_ms = parse_rfc3339(&e.occurred_at).ok_or_else(|| {
        ApiError::invalid_field(
            &field("occurred_at"),
            "invalid_time",
            "use RFC 3339, e.g. 2026-11-26T08:00:00Z",
        )
    })?;
    check_not_future(&field("occurred_at"), occurred_at_ms, now_ms)?;
    let scan_type = ScanType::try_from(e.event_type.as_str()).map_err(|_| {
        ApiError::invalid_field(
            &field("type"),
            "unknown_event_type",
            format!(
                "{:?} is not picked_up, pickup_failed or received",
                e.event_type
            ),
        )
    })?;
    // Each coordinate given is checked, whatever the event's type.
    if e.lat.is_some() || e.lon.is_some() {
        check_coordinates(
            e.lat.unwrap_or_default(),
            e.lon.unwrap_or_default(),
            &format!("events[{i}]"),
        )?;
    }
    let kind = match scan_type {
        ScanType::PickedUp => {
            let measured_weight_g = e.measured_weight_g.ok_or_else(|| {
                ApiError::invalid_field(
                    &field("measured_weight_g"),
                    "required",
                    "a pickup carries the measured weight",
                )
            })?;
            let measured_sides_cm = match (e.length_cm, e.width_cm, e.height_cm) {
                (Some(l), Some(w), Some(h)) => Some([l, w, h]),
                (None, None, None) => None,
                _ => {
                    return Err(ApiError::invalid_field(
                        &field("length_cm"),
                        "required",
                        "give all three sides or none",
                    ));
                }
            };
            ScanKind::PickedUp {
                measured_weight_g,
                measured_sides_cm,
            }
        }
        ScanType::PickupFailed => {
            let raw = e.reason.ok_or_else(|| {
                ApiError::invalid_field(
                    &field("reason"),
                    "required",
                    "a pickup failure carries a reason",
                )
            })?;
            let reason = PickupFailureReason::try_from(raw.as_str()).map_err(|_| {
                let names: Vec<&str> = PickupFailureReason::ALL
                    .iter()
                    .map(|r| r.as_str())
                    .collect();
                ApiError::invalid_field(
                    &field("reason"),
                    "invalid_reason",
                    format!("{raw:?} is not one of {}", names.join(", ")),
                )
            })?;
            ScanKind::PickupFailed { reason }
        }
        ScanType::Received => ScanKind::Received {
            parcels_found: e.parcels_found.ok_or_else(|| {
                ApiError::invalid_field(
                    &field("parcels_found"),
                    "required",
                    "an intake lists the parcels found in the bag",
                )
            })?,
        },
    };
    Ok(ScanEvent {
        event_id: e.event_id,
        bag_id: e.bag_id,
        occurred_at_ms,
        kind,
    })
}

/// Post scan events; one result per event, in order.
#[utoipa::path(post, path = "/v1/scans", tag = "scans", request_body = ScansRequest,
    responses((status = 200, body = ScansResponse), (status = 401, body = super::error::Problem),
              (status = 403, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
pub async fn post_scans(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::SCANNERS }>,
    ApiJson(body): ApiJson<ScansRequest>,
) -> Result<Json<ScansResponse>, ApiError> {
    let now_ms = state.clock.now_ms();
    let events = body
        .events
        .into_iter()
        .enumerate()
        .map(|(i, e)| parse_event(i, e, now_ms))
        .collect::<Result<Vec<_>, _>>()?;
    let results = scans::apply_scans(state.ctx(), &auth.0, &events).await?;
    let accepted = results.iter().filter(|r| r.accepted).count();
    Ok(Json(ScansResponse {
        accepted,
        rejected: results.len() - accepted,
        results,
    }))
}
