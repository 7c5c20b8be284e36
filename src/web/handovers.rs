//! The handover pages: the list with status and date filters and paging, a
//! handover's detail (bags, their parcels, history, documents), cancelling with a
//! confirmation step until pickup, and rescheduling after a failed pickup. Each bag
//! links to its edit page before pickup (`bags.rs`) and to a claim after (`claims.rs`). The use
//! cases decide (`service::handovers`, `service::handover_changes`); refusals come
//! back to the detail page as `?error=<code>`.

use super::i18n::{Lang, translate};
use super::session::CsrfForm;
use super::{Signed, notice, paging, render, with_error};
use crate::app::AppState;
use crate::domain::time::format_china;
use crate::domain::{BagStatus, HandoverStatus};
use crate::service::handover_changes::{cancel_handover, reschedule_handover};
use crate::service::handovers::{HandoverFilter, get_handover, list_handovers};
use crate::store::HandoverView;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/web/handovers", get(list_page))
        .route("/web/handovers/{handover_id}", get(detail_page))
        .route(
            "/web/handovers/{handover_id}/cancel",
            get(confirm_cancel_page).post(cancel),
        )
        .route(
            "/web/handovers/{handover_id}/reschedule",
            axum::routing::post(reschedule),
        )
}

/// How many handovers a list page shows.
const PAGE_SIZE: usize = 20;

/// A handover as the pages show it.
pub fn handover_json(lang: Lang, view: &HandoverView) -> Value {
    let h = &view.handover;
    let bags: Vec<Value> = view
        .bags
        .iter()
        .map(|b| {
            json!({"id": b.bag_id, "status": translate(lang, &format!("status.{}", b.status)),
                   "editable": h.status.before_pickup() && b.status == BagStatus::Open,
                   "claimable": matches!(b.status, BagStatus::PickedUp | BagStatus::Received),
                   "parcels": b.parcels, "count": b.parcels.len(), "weight_g": b.weight_g,
                   "size": format!("{} × {} × {}", b.sides_cm[0], b.sides_cm[1], b.sides_cm[2])})
        })
        .collect();
    let history: Vec<Value> = view
        .history
        .iter()
        .map(|e| {
            json!({"at": format_china(e.at_ms), "action": e.action,
                   "actor": format!("{} {}", e.actor_role.as_str(), e.actor_id),
                   "detail": e.detail})
        })
        .collect();
    json!({
        "id": h.handover_id,
        "status": translate(lang, &format!("status.{}", h.status)),
        "status_code": h.status.as_str(),
        "center": h.sorting_center,
        "date": h.pickup_date,
        "bag_count": view.bags.len(),
        "parcel_count": view.bags.iter().map(|b| b.parcels.len()).sum::<usize>(),
        "booked_at": format_china(h.created_at_ms),
        "cancellable": h.status.before_pickup(),
        "failed": h.status == HandoverStatus::PickupFailed,
        "failure": h.failure_reason.map(|r| translate(lang, &format!("code.{r}"))),
        "documents": h.status != HandoverStatus::Cancelled,
        "bags": bags,
        "history": history,
    })
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    status: Option<String>,
    date: Option<String>,
    cursor: Option<String>,
    error: Option<String>,
}

async fn list_page(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<ListQuery>,
) -> Response {
    let lang = signed.lang;
    let filter = HandoverFilter {
        status: q.status.clone().filter(|s| !s.is_empty()),
        pickup_date: q.date.clone().filter(|d| !d.is_empty()),
        limit: Some(PAGE_SIZE),
        cursor: paging::cursor(q.cursor.as_deref()),
        ..HandoverFilter::default()
    };
    let page = list_handovers(state.ctx(), &signed.principal, &signed.seller_id, &filter).await;
    let list = paging::listing(
        lang,
        page.map(|p| (p.items, p.next_cursor)),
        "/web/handovers",
        &[("status", q.status.as_deref()), ("date", q.date.as_deref())],
    );
    let statuses: Vec<Value> = crate::domain::HandoverStatus::ALL
        .iter()
        .map(|s| {
            json!({"code": s.as_str(), "name": translate(lang, &format!("status.{s}")),
                        "selected": q.status.as_deref() == Some(s.as_str())})
        })
        .collect();
    render(
        lang,
        "handovers.html",
        json!({
            "signed_in": true, "csrf": signed.csrf, "page": "handovers",
            "handovers": list.items.iter().map(|v| handover_json(lang, v)).collect::<Vec<_>>(),
            "statuses": statuses, "date": q.date, "next_url": list.next_url,
            "error": list.error.or_else(|| notice(lang, "code", q.error.as_deref())),
        }),
        StatusCode::OK,
    )
}

#[derive(Debug, Default, Deserialize)]
struct NoticeQuery {
    error: Option<String>,
    done: Option<String>,
}

async fn detail_page(
    State(state): State<AppState>,
    signed: Signed,
    Path(handover_id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    detail(&state, &signed, &handover_id, &q, "handover.html").await
}

async fn confirm_cancel_page(
    State(state): State<AppState>,
    signed: Signed,
    Path(handover_id): Path<String>,
) -> Response {
    detail(
        &state,
        &signed,
        &handover_id,
        &NoticeQuery::default(),
        "confirm_cancel.html",
    )
    .await
}

async fn detail(
    state: &AppState,
    signed: &Signed,
    handover_id: &str,
    q: &NoticeQuery,
    template: &str,
) -> Response {
    let lang = signed.lang;
    match get_handover(
        state.ctx(),
        &signed.principal,
        &signed.seller_id,
        handover_id,
    )
    .await
    {
        Ok(view) => render(
            lang,
            template,
            json!({
                "signed_in": true, "csrf": signed.csrf, "page": "handovers",
                "h": handover_json(lang, &view),
                "today": state.clock.today().to_string(),
                "error": notice(lang, "code", q.error.as_deref()),
                "done": notice(lang, "msg", q.done.as_deref()),
            }),
            StatusCode::OK,
        ),
        Err(e) => {
            let status = if e.code().ends_with("not_found") {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            render(
                lang,
                "message.html",
                json!({"signed_in": true, "csrf": signed.csrf,
                       "error": notice(lang, "code", Some(e.code()))}),
                status,
            )
        }
    }
}

async fn cancel(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(handover_id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = signed.check_form(&headers, &form.csrf) {
        return refused;
    }
    let page = format!("/web/handovers/{handover_id}");
    match cancel_handover(
        state.ctx(),
        &signed.principal,
        &signed.seller_id,
        &handover_id,
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("{page}?done=cancelled")).into_response(),
        Err(e) => with_error(&page, e.code()),
    }
}

#[derive(Debug, Deserialize)]
struct RescheduleForm {
    #[serde(default)]
    csrf: String,
    pickup_date: String,
}

async fn reschedule(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(handover_id): Path<String>,
    Form(form): Form<RescheduleForm>,
) -> Response {
    if let Some(refused) = signed.check_form(&headers, &form.csrf) {
        return refused;
    }
    let page = format!("/web/handovers/{handover_id}");
    match reschedule_handover(
        state.ctx(),
        &signed.principal,
        &signed.seller_id,
        &handover_id,
        &form.pickup_date,
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("{page}?done=rescheduled")).into_response(),
        Err(e) => with_error(&page, e.code()),
    }
}
