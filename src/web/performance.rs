//! The performance page (docs/rules.md, rules 21 and 22): the store cancellation rate
//! of today's check against the threshold, whether the store is in vacation mode and
//! until when, tomorrow's forecast, the first-scan SLA of the last 30 days and the
//! parcels at risk, with the two plots. The plots are the API's SVGs
//! (`service::plots`), served here for the session and written in the page's
//! language, so the page needs no API key and no asset from elsewhere.

use super::i18n::{Lang, translate};
use super::{Signed, notice, render};
use crate::app::AppState;
use crate::documents::plots::PlotWords;
use crate::domain::time::format_china;
use crate::service::ServiceResult;
use crate::service::first_scan::{get_first_scan_sla, list_first_scan_at_risk};
use crate::service::performance::{Performance, get_performance};
use crate::service::plots::{cancellation_rate_svg, first_scan_lead_time_svg};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/web/performance", get(performance_page))
        .route(
            "/web/performance/cancellation-rate.svg",
            get(cancellation_rate),
        )
        .route(
            "/web/performance/first-scan-lead-time.svg",
            get(first_scan_lead_time),
        )
}

/// Parcels at risk a page lists.
const AT_RISK_SHOWN: usize = 20;

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

fn hours(h: f64) -> String {
    format!("{h:.1}")
}

/// Today's check, the vacation state and tomorrow's forecast, in words.
fn performance_json(lang: Lang, perf: &Performance) -> Value {
    let today = perf.days.last();
    let ongoing = perf.vacation_periods.iter().find(|p| p.ongoing);
    let forecast = &perf.forecast;
    let to_exceed = match forecast.cancellations_to_exceed {
        Some(0) => translate(lang, "pf.over_already"),
        Some(n) => n.to_string(),
        None => translate(lang, "pf.none_would"),
    };
    json!({
        "threshold": percent(perf.threshold),
        "rate": today.map(|d| percent(d.cancellation_rate)),
        "orders": today.map(|d| d.orders),
        "cancelled_buyer": today.map(|d| d.cancelled_buyer),
        "cancelled_late_intake": today.map(|d| d.cancelled_late_intake),
        "in_vacation": today.is_some_and(|d| d.in_vacation),
        "reason": today.map(|d| translate(lang, &format!("reason.{}", d.reason))),
        "vacation_until": ongoing.map(|p| p.to.to_string()),
        "periods": perf.vacation_periods.iter()
            .map(|p| json!({"from": p.from.to_string(), "to": p.to.to_string(), "ongoing": p.ongoing}))
            .collect::<Vec<_>>(),
        "forecast": {"date": forecast.date.to_string(), "rate": percent(forecast.cancellation_rate),
                     "orders": forecast.orders, "to_exceed": to_exceed},
    })
}

async fn performance_page(State(state): State<AppState>, signed: Signed) -> Response {
    let lang = signed.lang;
    let ctx = state.ctx();
    let (who, seller) = (&signed.principal, signed.seller_id.as_str());
    let perf = get_performance(ctx, who, seller, None, None).await;
    let sla = get_first_scan_sla(ctx, who, seller, None, None).await;
    let now = ctx.clock.now_ms();
    let at_risk = list_first_scan_at_risk(ctx, who, seller, Some(AT_RISK_SHOWN)).await;
    let error = [
        perf.as_ref().err(),
        sla.as_ref().err(),
        at_risk.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    .next()
    .and_then(|e| notice(lang, "code", Some(e.code())));
    let sla: Vec<Value> = sla
        .unwrap_or_default()
        .iter()
        .rev()
        .map(|d| {
            json!({"date": d.date.to_string(), "center": d.sorting_center, "online": d.online,
                   "median": hours(d.median_to_first_scan_h), "p90": hours(d.p90_to_first_scan_h),
                   "median_intake": hours(d.median_to_intake_h), "p90_intake": hours(d.p90_to_intake_h),
                   "gained": hours(d.hours_gained), "backdated": percent(d.share_backdated),
                   "at_intake": percent(d.share_at_intake)})
        })
        .collect();
    let at_risk: Vec<Value> = at_risk
        .unwrap_or_default()
        .iter()
        .map(|p| {
            json!({"number": p.tracking_number, "bag": p.bag_id, "center": p.sorting_center,
                   "since": format_china(p.start_ms),
                   "hours": hours((now - p.start_ms) as f64 / 3_600_000.0)})
        })
        .collect();
    render(
        lang,
        "performance.html",
        json!({
            "signed_in": true, "csrf": signed.csrf, "page": "performance",
            "p": perf.ok().map(|p| performance_json(lang, &p)),
            "sla": sla, "at_risk": at_risk, "error": error,
            "at_risk_hours": ctx.settings.rules.first_scan_at_risk_hours,
        }),
        StatusCode::OK,
    )
}

/// An SVG plot for the session's seller; a refusal is a bare status (an `<img>` shows
/// its `alt` text).
fn svg(plot: ServiceResult<String>) -> Response {
    match plot {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "private, max-age=60"),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            let status = if e.code().ends_with("not_found") {
                StatusCode::NOT_FOUND
            } else {
                tracing::error!(error = %e, "seller center: plot");
                StatusCode::INTERNAL_SERVER_ERROR
            };
            status.into_response()
        }
    }
}

/// The plots' words in the page's language.
fn plot_words(lang: Lang) -> PlotWords {
    let t = |key: &str| translate(lang, key);
    PlotWords {
        rate_caption: t("plot.rate_caption"),
        vacation: t("plot.vacation"),
        threshold: t("plot.threshold"),
        daily_rate: t("plot.daily_rate"),
        lead_caption: t("plot.lead_caption"),
        without_backdating: t("plot.without_backdating"),
        with_backdating: t("plot.with_backdating"),
    }
}

async fn cancellation_rate(State(state): State<AppState>, signed: Signed) -> Response {
    let words = plot_words(signed.lang);
    svg(cancellation_rate_svg(state.ctx(), &signed.principal, &signed.seller_id, &words).await)
}

async fn first_scan_lead_time(State(state): State<AppState>, signed: Signed) -> Response {
    let words = plot_words(signed.lang);
    let plot = first_scan_lead_time_svg(state.ctx(), &signed.principal, &signed.seller_id, &words);
    svg(plot.await)
}
