//! A handover's documents from its page: every bag's label (PDF or ZPL) and the
//! handover list, for the seller the session acts for. Who may fetch what is
//! `service::documents`; the bytes are made as for the API.

use super::{Signed, notice, render};
use crate::api::documents::{Format, labels_response, list_response, negotiate};
use crate::api::error::ApiError;
use crate::app::AppState;
use crate::service::documents::handover_document;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/web/handovers/{handover_id}/labels", get(labels))
        .route(
            "/web/handovers/{handover_id}/handover-list",
            get(handover_list),
        )
}

#[derive(Debug, Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

fn refusal(signed: &Signed, status: StatusCode, code: &str) -> Response {
    render(
        signed.lang,
        "message.html",
        json!({"signed_in": true, "csrf": signed.csrf,
               "error": notice(signed.lang, "code", Some(code))}),
        status,
    )
}

async fn labels(
    State(state): State<AppState>,
    signed: Signed,
    Path(handover_id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Response {
    let format = match negotiate(
        q.format.as_deref(),
        &HeaderMap::new(),
        &[Format::Pdf, Format::Zpl],
    ) {
        Ok(f) => f,
        Err(e) => return refusal(&signed, e.status, &e.code),
    };
    match handover_document(
        &state.store,
        &signed.principal,
        &signed.seller_id,
        &handover_id,
    )
    .await
    {
        Ok(doc) => labels_response(doc, None, format).await,
        Err(e) => Err(ApiError::from(e)),
    }
    .unwrap_or_else(|e| refusal(&signed, e.status, &e.code))
}

async fn handover_list(
    State(state): State<AppState>,
    signed: Signed,
    Path(handover_id): Path<String>,
) -> Response {
    match handover_document(
        &state.store,
        &signed.principal,
        &signed.seller_id,
        &handover_id,
    )
    .await
    {
        Ok(doc) => list_response(doc).await,
        Err(e) => Err(ApiError::from(e)),
    }
    .unwrap_or_else(|e| refusal(&signed, e.status, &e.code))
}
