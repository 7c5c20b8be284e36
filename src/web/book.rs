//! Booking a pickup: choose the sorting center and date, see the consolidation plan
//! of the seller's registered, unbagged parcels (bags, parcels per bag, weight,
//! envelope, the proven bound and whether the plan is optimal), and book it. The plan
//! and the booking are the use cases' (`service::plans`, `service::handovers`).

use super::{Signed, notice, render, with_error};
use crate::app::AppState;
use crate::service::coverage::list_sorting_centers;
use crate::service::handovers::{Booking, book_handover};
use crate::service::plans::plan_parcels;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new().route("/web/book", get(book_page).post(book))
}

#[derive(Debug, Deserialize)]
struct BookQuery {
    center: Option<String>,
    date: Option<String>,
    error: Option<String>,
}

async fn book_page(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<BookQuery>,
) -> Response {
    let lang = signed.lang;
    let ctx = state.ctx();
    let centers: Vec<Value> = list_sorting_centers(ctx)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.accepts_consolidation)
        .map(|c| {
            json!({"code": c.code, "name": c.name_en,
                        "selected": q.center.as_deref() == Some(c.code.as_str())})
        })
        .collect();
    let date = q
        .date
        .clone()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| ctx.clock.today().to_string());
    let mut error = notice(lang, "code", q.error.as_deref());
    let plan = match q.center.as_deref().filter(|c| !c.is_empty()) {
        None => Value::Null,
        Some(center) => match plan_parcels(ctx, &signed.principal, &signed.seller_id, None).await {
            Ok(plan) => {
                let bags: Vec<Value> = plan
                    .bags
                    .iter()
                    .filter(|b| b.sorting_center == center)
                    .map(|b| json!({"count": b.parcels.len(), "parcels": b.parcels,
                                    "weight_g": b.weight_g,
                                    "envelope": format!("{} × {} × {}", b.envelope_cm[0], b.envelope_cm[1], b.envelope_cm[2])}))
                    .collect();
                json!({"bags": bags, "lower_bound": plan.lower_bound, "optimal": plan.optimal,
                       "unplaceable": plan.unplaceable.iter().map(|u| u.tracking_number.clone()).collect::<Vec<_>>()})
            }
            Err(e) => {
                error = error.or_else(|| notice(lang, "code", Some(e.code())));
                Value::Null
            }
        },
    };
    render(
        lang,
        "book.html",
        json!({"signed_in": true, "csrf": signed.csrf, "page": "book", "centers": centers,
               "center": q.center, "date": date, "plan": plan, "error": error,
               "today": ctx.clock.today().to_string()}),
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
struct BookForm {
    #[serde(default)]
    csrf: String,
    center: String,
    date: String,
}

async fn book(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<BookForm>,
) -> Response {
    if let Some(refused) = signed.check_form(&headers, &form.csrf) {
        return refused;
    }
    let booking = Booking {
        sorting_center: form.center.clone(),
        pickup_date: form.date.clone(),
        bags: None,
        auto_plan: true,
        tracking_numbers: None,
    };
    match book_handover(state.ctx(), &signed.principal, &signed.seller_id, booking).await {
        Ok(view) => Redirect::to(&format!(
            "/web/handovers/{}?done=booked",
            view.handover.handover_id
        ))
        .into_response(),
        Err(e) => with_error(
            &format!("/web/book?center={}&date={}", form.center, form.date),
            e.code(),
        ),
    }
}
