//! The overview: eligibility for free door pickup (average, threshold, window, the
//! days counted), the pickup address's coverage (launch date, or why not), today's
//! pickups, and the slot for the performance charts.

use super::handovers::handover_json;
use super::i18n::translate;
use super::{Signed, render};
use crate::app::AppState;
use crate::service::handovers::{HandoverFilter, list_handovers};
use crate::service::sellers::seller_eligibility;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new().route("/web/overview", get(overview))
}

async fn overview(State(state): State<AppState>, signed: Signed) -> Response {
    let lang = signed.lang;
    let ctx = state.ctx();
    let eligibility = seller_eligibility(ctx, &signed.principal, &signed.seller_id).await;
    let today = ctx.clock.today().to_string();
    let filter = HandoverFilter {
        pickup_date: Some(today.clone()),
        limit: Some(100),
        ..HandoverFilter::default()
    };
    let pickups = list_handovers(ctx, &signed.principal, &signed.seller_id, &filter).await;
    let (eligibility, error) = match eligibility {
        Ok(e) => {
            let reasons: Vec<String> = e
                .reasons
                .iter()
                .map(|r| translate(lang, &format!("code.{r}")))
                .collect();
            let c = &e.coverage;
            (
                json!({
                    "eligible": e.eligible, "average": e.average_daily_orders,
                    "threshold": e.threshold, "window_days": e.window_days,
                    "from": e.window_from, "to": e.window_to, "reasons": reasons,
                    "covered": c.covered, "launch_date": c.launch_date,
                    "why": c.code.as_ref().map(|code| translate(lang, &format!("code.{code}"))),
                    "coverage_detail": c.detail,
                }),
                None,
            )
        }
        Err(e) => (Value::Null, super::notice(lang, "code", Some(e.code()))),
    };
    let pickups: Vec<Value> = pickups
        .map(|p| p.items.iter().map(|v| handover_json(lang, v)).collect())
        .unwrap_or_default();
    render(
        lang,
        "overview.html",
        json!({
            "signed_in": true, "csrf": signed.csrf, "page": "overview",
            "seller_id": signed.seller_id, "e": eligibility, "pickups": pickups,
            "today": today, "error": error,
        }),
        StatusCode::OK,
    )
}
