//! Editing a bag before pickup (docs/rules.md, rule 9), from its handover's page: the
//! bag's parcels with a box to tick those to take out, and a box of tracking numbers
//! to add. `service::handover_changes::edit_bag` decides, limits included; after the
//! pickup it refuses (`already_picked_up`) and the reason comes back on this page.

use super::handovers::handover_json;
use super::{Signed, notice, notice_in, refused, render, take_detail, tracking_numbers};
use crate::app::AppState;
use crate::domain::BagStatus;
use crate::service::handover_changes::{BagRef, edit_bag};
use crate::service::handovers::get_handover;
use crate::store::BagEdit;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/web/handovers/{handover_id}/bags/{bag_id}", get(bag_page))
        .route(
            "/web/handovers/{handover_id}/bags/{bag_id}/add",
            post(add_parcels),
        )
        .route(
            "/web/handovers/{handover_id}/bags/{bag_id}/remove",
            post(remove_parcels),
        )
}

#[derive(Debug, Default, Deserialize)]
struct NoticeQuery {
    error: Option<String>,
    done: Option<String>,
}

async fn bag_page(
    State(state): State<AppState>,
    signed: Signed,
    jar: CookieJar,
    Path((handover_id, bag_id)): Path<(String, String)>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let lang = signed.lang;
    let (detail, jar) = take_detail(jar);
    let view = get_handover(
        state.ctx(),
        &signed.principal,
        &signed.seller_id,
        &handover_id,
    )
    .await;
    let found = view.as_ref().ok().and_then(|v| {
        let bag = v.bags.iter().find(|b| b.bag_id == bag_id)?;
        Some((v, bag))
    });
    let page = match found {
        Some((view, bag)) => render(
            lang,
            "bag.html",
            json!({
                "signed_in": true, "csrf": signed.csrf, "page": "handovers",
                "h": handover_json(lang, view),
                "bag": {"id": bag.bag_id, "parcels": bag.parcels, "count": bag.parcels.len(),
                        "weight_g": bag.weight_g,
                        "status": super::i18n::translate(lang, &format!("status.{}", bag.status)),
                        "size": format!("{} × {} × {}", bag.sides_cm[0], bag.sides_cm[1], bag.sides_cm[2])},
                "editable": view.handover.status.before_pickup() && bag.status == BagStatus::Open,
                "error": notice_in(lang, &["be", "code"], q.error.as_deref()),
                "error_detail": detail,
                "done": notice(lang, "msg", q.done.as_deref()),
            }),
            StatusCode::OK,
        ),
        None => {
            let code = match &view {
                Err(e) => e.code(),
                Ok(_) => "bag_not_found",
            };
            render(
                lang,
                "message.html",
                json!({"signed_in": true, "csrf": signed.csrf,
                       "error": notice(lang, "code", Some(code))}),
                StatusCode::NOT_FOUND,
            )
        }
    };
    (jar, page).into_response()
}

/// Adds or takes out parcels, then back to the bag's page with what happened.
async fn change(
    state: &AppState,
    signed: &Signed,
    jar: CookieJar,
    ids: (String, String),
    edit: BagEdit,
    parcels: Vec<String>,
) -> Response {
    let (handover_id, bag_id) = ids;
    let page = format!("/web/handovers/{handover_id}/bags/{bag_id}");
    let bag = BagRef {
        seller_id: &signed.seller_id,
        handover_id: &handover_id,
        bag_id: &bag_id,
    };
    match edit_bag(state.ctx(), &signed.principal, bag, edit, &parcels).await {
        Ok(_) => {
            let done = match edit {
                BagEdit::Add => "parcels_added",
                BagEdit::Remove => "parcels_removed",
            };
            Redirect::to(&format!("{page}?done={done}")).into_response()
        }
        Err(e) => refused(state, jar, &page, &e),
    }
}

#[derive(Debug, Deserialize)]
struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    parcels: String,
}

async fn add_parcels(
    State(state): State<AppState>,
    signed: Signed,
    jar: CookieJar,
    headers: HeaderMap,
    Path(ids): Path<(String, String)>,
    Form(form): Form<AddForm>,
) -> Response {
    if let Some(cross_site) = signed.check_form(&headers, &form.csrf) {
        return cross_site;
    }
    let parcels = tracking_numbers(&form.parcels);
    change(&state, &signed, jar, ids, BagEdit::Add, parcels).await
}

/// The remove form: `csrf`, and one `remove` field a ticked parcel.
async fn remove_parcels(
    State(state): State<AppState>,
    signed: Signed,
    jar: CookieJar,
    headers: HeaderMap,
    Path(ids): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    if let Some(cross_site) = signed.check_form(&headers, csrf) {
        return cross_site;
    }
    let parcels: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "remove")
        .map(|(_, v)| v.clone())
        .collect();
    change(&state, &signed, jar, ids, BagEdit::Remove, parcels).await
}
