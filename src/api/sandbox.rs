//! The sandbox over HTTP (docs/api.md, "Sandbox"): a test-mode seller makes firstmile
//! play the courier and the sorting center for one of its handovers. The flow and its
//! rules are the use case's (`service::sandbox`); this handler only maps JSON.

use super::dto::{HandoverResponse, handover_response};
use super::error::ApiError;
use super::extract::{ApiJson, Caller, roles};
use crate::app::AppState;
use crate::domain::ScanType;
use crate::service::sandbox::{self, Simulation};
use crate::store::ScanResult;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(simulate_handover))
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateRequest {
    /// `pickup_failed`, `picked_up`, `received`: one or more, each once, in this
    /// order (`["picked_up", "received"]`, `["pickup_failed"]`, `["received"]` for a
    /// bag that arrives with no pickup reported).
    #[validate(length(max = 3))]
    pub steps: Vec<String>,
    /// With `pickup_failed`: `seller_absent`, `not_ready`, `address_not_found`,
    /// `bag_over_limits` or `other`.
    pub reason: Option<String>,
    /// With `received`: registered parcels of the handover the sorting center does not
    /// find.
    #[serde(default)]
    #[validate(length(max = 5000))]
    pub missing: Vec<String>,
    /// With `received`: parcels found in the handover's first bag that are not
    /// registered in it.
    #[serde(default)]
    #[validate(length(max = 5000))]
    pub unregistered: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimulatedStep {
    /// `pickup_failed`, `picked_up` or `received`.
    #[schema(value_type = String)]
    pub step: ScanType,
    /// One scan result per bag of the handover, as `POST /v1/scans` answers them.
    pub results: Vec<ScanResult>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimulateResponse {
    /// The steps run, in order; a step with a refused scan is the last one run.
    pub steps: Vec<SimulatedStep>,
    /// The handover after the simulation.
    pub handover: HandoverResponse,
}

/// Simulate the courier and the sorting center for a test-mode seller's handover.
///
/// Only for sellers created with `"test_mode": true` (409 `not_test_mode` otherwise).
/// Each step runs as the scans a courier (`courier:sandbox`) or the destination
/// sorting center would post, through the same code, so the handover, its history,
/// the events and the webhooks are those of a real pickup or intake.
#[utoipa::path(post, path = "/v1/sellers/{seller_id}/handovers/{handover_id}/simulate", tag = "sandbox",
    request_body = SimulateRequest,
    responses((status = 200, body = SimulateResponse), (status = 404, body = super::error::Problem),
              (status = 409, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
pub async fn simulate_handover(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::SELLER_SIDE }>,
    Path((seller_id, handover_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<SimulateRequest>,
) -> Result<Json<SimulateResponse>, ApiError> {
    let sim = Simulation {
        steps: body.steps,
        reason: body.reason,
        missing: body.missing,
        unregistered: body.unregistered,
    };
    let done =
        sandbox::simulate_handover(state.ctx(), &auth.0, &seller_id, &handover_id, &sim).await?;
    Ok(Json(SimulateResponse {
        steps: done
            .steps
            .into_iter()
            .map(|s| SimulatedStep {
                step: s.step,
                results: s.results,
            })
            .collect(),
        handover: handover_response(done.handover),
    }))
}
