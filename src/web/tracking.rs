//! Tracking lookup by parcel number: the parcel's status, its first scan (backdated
//! to the bag's pickup, or the intake time) with the basis, and every event with when
//! it happened and when firstmile learned it.

use super::i18n::translate;
use super::{Signed, notice, render};
use crate::app::AppState;
use crate::domain::time::format_china;
use crate::service::tracking::track_parcel;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new().route("/web/tracking", get(tracking))
}

#[derive(Debug, Deserialize)]
struct TrackingQuery {
    number: Option<String>,
}

async fn tracking(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<TrackingQuery>,
) -> Response {
    let lang = signed.lang;
    let number = q
        .number
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let (result, error, status) = match &number {
        None => (Value::Null, None, StatusCode::OK),
        Some(n) => match track_parcel(state.ctx(), n).await {
            Ok(view) => (
                json!({
                    "number": view.tracking_number,
                    "status": translate(lang, &format!("status.{}", view.status)),
                    "first_scan": view.first_scan_at_ms.map(format_china),
                    "basis": view.first_scan_basis.map(|b| translate(lang, &format!("basis.{b}"))),
                    "bag_id": view.bag_id,
                    "events": view.events.iter().map(|e| json!({
                        "event": translate(lang, &format!("status.{}", e.event_type)),
                        "at": format_china(e.at_ms),
                        "recorded": format_china(e.recorded_at_ms),
                    })).collect::<Vec<_>>(),
                }),
                None,
                StatusCode::OK,
            ),
            Err(e) => (
                Value::Null,
                notice(lang, "code", Some(e.code())),
                StatusCode::NOT_FOUND,
            ),
        },
    };
    render(
        lang,
        "tracking.html",
        json!({"signed_in": true, "csrf": signed.csrf, "page": "tracking",
               "number": number, "tr": result, "error": error}),
        status,
    )
}
