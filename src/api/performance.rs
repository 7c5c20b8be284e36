//! A seller's performance over HTTP (docs/rules.md, rules 21 and 22): the daily store
//! cancellation rate with vacation decisions and a forecast, the first-scan SLA and
//! its at-risk list, the two seller-center plots as SVG, and the operator's list of
//! stores in or near vacation mode. The use cases are `service::performance`,
//! `service::first_scan` and `service::plots`.

use super::error::ApiError;
use super::extract::{ApiQuery, Auth};
use crate::app::AppState;
use crate::documents::plots::PlotWords;
use crate::domain::time::format_ms;
use crate::service::first_scan::{self, FirstScanDay};
use crate::service::performance::{self, Performance, StoreVacation};
use crate::service::plots;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_performance))
        .routes(routes!(list_vacations))
        .routes(routes!(get_first_scan_sla))
        .routes(routes!(list_first_scan_at_risk))
        .routes(routes!(cancellation_rate_svg))
        .routes(routes!(first_scan_lead_time_svg))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day, `YYYY-MM-DD` (default: 29 days before `to`).
    #[param(format = Date, example = "2026-11-26")]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`, not after today (default: today in China).
    #[param(format = Date, example = "2026-11-26")]
    pub to: Option<String>,
}

/// A seller's store cancellation rate, vacation decisions and tomorrow's forecast.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/performance", tag = "sellers", params(RangeQuery),
    responses((status = 200, body = Performance), (status = 404, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn get_performance(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> Result<Json<Performance>, ApiError> {
    let perf = performance::get_performance(
        state.ctx(),
        &auth.0,
        &seller_id,
        q.from.as_deref(),
        q.to.as_deref(),
    )
    .await?;
    Ok(Json(perf))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// `YYYY-MM-DD`, not after today (default: today in China).
    #[param(format = Date, example = "2026-11-26")]
    pub date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VacationList {
    pub date: String,
    pub items: Vec<StoreVacation>,
    pub next_cursor: Option<String>,
}

/// The stores in, or at risk of, vacation mode on a day (operator).
#[utoipa::path(get, path = "/v1/performance/vacations", tag = "operator", params(DateQuery),
    responses((status = 200, body = VacationList), (status = 403, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn list_vacations(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> Result<Json<VacationList>, ApiError> {
    let ctx = state.ctx();
    let items = performance::list_vacations(ctx, &auth.0, q.date.as_deref()).await?;
    let date = q.date.unwrap_or_else(|| ctx.clock.today().to_string());
    Ok(Json(VacationList {
        date,
        items,
        next_cursor: None,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FirstScanSla {
    pub seller_id: String,
    /// One entry per China day of the first scan and sorting center with parcels online.
    pub days: Vec<FirstScanDay>,
}

/// A seller's first-scan SLA per day and sorting center.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/first-scan-sla", tag = "sellers", params(RangeQuery),
    responses((status = 200, body = FirstScanSla), (status = 404, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn get_first_scan_sla(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> Result<Json<FirstScanSla>, ApiError> {
    let days = first_scan::get_first_scan_sla(
        state.ctx(),
        &auth.0,
        &seller_id,
        q.from.as_deref(),
        q.to.as_deref(),
    )
    .await?;
    Ok(Json(FirstScanSla { seller_id, days }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingParcelItem {
    pub tracking_number: String,
    pub bag_id: String,
    pub sorting_center: String,
    /// RTS, or the registration when no RTS was given.
    pub rts_at: String,
    pub hours_waiting: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AtRiskList {
    pub items: Vec<WaitingParcelItem>,
    pub next_cursor: Option<String>,
}

/// Bagged parcels still without a first scan past the configured hours, oldest first.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/first-scan-sla/at-risk", tag = "sellers", params(LimitQuery),
    responses((status = 200, body = AtRiskList), (status = 404, body = super::error::Problem)))]
pub async fn list_first_scan_at_risk(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
    ApiQuery(q): ApiQuery<LimitQuery>,
) -> Result<Json<AtRiskList>, ApiError> {
    let ctx = state.ctx();
    let now = ctx.clock.now_ms();
    let list = first_scan::list_first_scan_at_risk(ctx, &auth.0, &seller_id, q.limit).await?;
    Ok(Json(AtRiskList {
        items: list
            .into_iter()
            .map(|p| WaitingParcelItem {
                hours_waiting: (now - p.start_ms) as f64 / 3_600_000.0,
                tracking_number: p.tracking_number,
                bag_id: p.bag_id,
                sorting_center: p.sorting_center,
                rts_at: format_ms(p.start_ms),
            })
            .collect(),
        next_cursor: None,
    }))
}

fn svg(body: String) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml")], body).into_response()
}

/// The daily cancellation rate of the last 30 days against the threshold, vacation shaded (SVG).
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/performance/cancellation-rate.svg", tag = "sellers",
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = super::error::Problem)))]
pub async fn cancellation_rate_svg(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(svg(plots::cancellation_rate_svg(
        state.ctx(),
        &auth.0,
        &seller_id,
        &PlotWords::english(),
    )
    .await?))
}

/// The median first-scan lead time of the last 30 days, with and without backdating (SVG).
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/performance/first-scan-lead-time.svg", tag = "sellers",
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = super::error::Problem)))]
pub async fn first_scan_lead_time_svg(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(svg(plots::first_scan_lead_time_svg(
        state.ctx(),
        &auth.0,
        &seller_id,
        &PlotWords::english(),
    )
    .await?))
}
