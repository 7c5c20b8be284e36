//! `POST /v1/scans`: couriers post pickups and pickup failures, sorting centers post
//! intakes. A malformed event fails the whole request (422, with the event's path);
//! a well-formed event the rules refuse gets its own result, beside the others.

use super::error::ApiError;
use super::extract::{ApiJson, Caller, roles};
use crate::app::AppState;
use crate::domain::ScanType;
use crate::domain::time::parse_rfc3339;
use crate::service::address::check_coordinates;
use crate::service::scans;
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
#[serde(deny_unknown_fields)]
pub struct ScanEventInput {
    /// The client's unique id for this event; a repeat is acknowledged again.
    #[validate(length(min = 1, max = 100))]
    pub event_id: String,
    /// `picked_up`, `pickup_failed` (couriers) or `received` (sorting centers).
    #[serde(rename = "type")]
    pub event_type: String,
    #[validate(length(min = 1, max = 64))]
    pub bag_id: String,
    /// RFC 3339 time of the scan.
    pub occurred_at: String,
    /// `picked_up`: the bag's weight on the courier's scale, grams.
    /// Greater than zero (rule 23: refused per event otherwise).
    #[validate(range(max = 10_000_000))]
    pub measured_weight_g: Option<i64>,
    /// `picked_up`: measured sides, centimetres (all three or none).
    pub length_cm: Option<f64>,
    pub width_cm: Option<f64>,
    pub height_cm: Option<f64>,
    /// `picked_up`: where the courier was (GCJ-02).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// `pickup_failed`: `seller_absent`, `not_ready`, `address_not_found`,
    /// `bag_over_limits` or `other`.
    pub reason: Option<String>,
    /// `received`: tracking numbers scanned out of the bag.
    #[validate(length(max = 5000))]
    pub parcels_found: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScansRequest {
    #[validate(length(min = 1, max = 1000), nested)]
    pub events: Vec<ScanEventInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScansResponse {
    pub accepted: usize,
    pub rejected: usize,
    pub results: Vec<ScanResult>,
}

fn parse_event(i: usize, e: ScanEventInput) -> Result<ScanEvent, ApiError> {
    let field = |name: &str| format!("events[{i}].{name}");
    let occurred_at_ms = parse_rfc3339(&e.occurred_at).ok_or_else(|| {
        ApiError::invalid_field(
            &field("occurred_at"),
            "invalid_time",
            "use RFC 3339, e.g. 2026-11-26T08:00:00Z",
        )
    })?;
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
            if let (Some(lat), Some(lon)) = (e.lat, e.lon) {
                check_coordinates(lat, lon, &format!("events[{i}]"))?;
            }
            ScanKind::PickedUp {
                measured_weight_g,
                measured_sides_cm,
            }
        }
        ScanType::PickupFailed => ScanKind::PickupFailed {
            reason: e.reason.ok_or_else(|| {
                ApiError::invalid_field(
                    &field("reason"),
                    "required",
                    "a pickup failure carries a reason",
                )
            })?,
        },
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
    let events = body
        .events
        .into_iter()
        .enumerate()
        .map(|(i, e)| parse_event(i, e))
        .collect::<Result<Vec<_>, _>>()?;
    let results = scans::apply_scans(state.ctx(), &auth.0, &events).await?;
    let accepted = results.iter().filter(|r| r.accepted).count();
    Ok(Json(ScansResponse {
        accepted,
        rejected: results.len() - accepted,
        results,
    }))
}
