//! Claims (docs/rules.md, rule 16): open one for an overdue bag (the seller's overdue
//! bags are listed, each with a link that fills the form) or for parcels missing at
//! intake, and see every claim with the operator's decision. `service::claims`
//! decides whether a claim may be opened (`claim_not_allowed`, `claim_exists`); a
//! refusal comes back on this page with its reason and the claim as typed.

use super::i18n::{Lang, translate};
use super::{Signed, flash, notice, paging, refused, render, take_detail, tracking_numbers};
use crate::app::AppState;
use crate::domain::time::format_china;
use crate::service::PageRequest;
use crate::service::claims::{BagFilter, NewClaim, list_bags, list_claims, open_claim};
use crate::store::ClaimRecord;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new().route("/web/claims", get(claims_page).post(create_claim))
}

const DRAFT: &str = "fm_claim";
/// Claims a page shows.
const PAGE_SIZE: usize = 20;

/// The open-a-claim form, as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct ClaimForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    bag_id: String,
    #[serde(default)]
    parcels: String,
    #[serde(default)]
    description: String,
}

#[derive(Debug, Default, Deserialize)]
struct ClaimsQuery {
    /// Fills the form's bag (from an overdue bag's link or a handover's page).
    bag: Option<String>,
    cursor: Option<String>,
    error: Option<String>,
    done: Option<String>,
}

fn claim_json(lang: Lang, c: &ClaimRecord) -> Value {
    json!({"id": c.claim_id, "bag": c.bag_id, "parcels": c.tracking_numbers,
           "description": c.description,
           "basis": translate(lang, &format!("claim.{}", c.basis)),
           "status": translate(lang, &format!("claim.{}", c.status.as_str())),
           "status_code": c.status.as_str(),
           "note": c.decision_note, "opened_at": format_china(c.created_at_ms),
           "decided_at": c.decided_at_ms.map(format_china)})
}

async fn claims_page(
    State(state): State<AppState>,
    signed: Signed,
    jar: CookieJar,
    Query(q): Query<ClaimsQuery>,
) -> Response {
    let lang = signed.lang;
    let ctx = state.ctx();
    let (draft, jar) = flash::take::<ClaimForm>(jar, DRAFT);
    let (detail, jar) = take_detail(jar);
    let page = PageRequest {
        limit: Some(PAGE_SIZE),
        cursor: paging::cursor(q.cursor.as_deref()),
    };
    let claims = list_claims(ctx, &signed.principal, &signed.seller_id, &page).await;
    let list = paging::listing(
        lang,
        claims.map(|p| (p.items, p.next_cursor)),
        "/web/claims",
        &[],
    );
    let overdue = BagFilter {
        status: Some("overdue".into()),
        limit: Some(100),
        cursor: None,
        updated_since: None,
    };
    let overdue: Vec<Value> = list_bags(ctx, &signed.principal, &signed.seller_id, &overdue)
        .await
        .map(|p| p.items)
        .unwrap_or_default()
        .iter()
        .map(|b| {
            json!({"id": b.bag_id, "handover": b.handover_id, "count": b.parcels.len(),
                   "picked_up_at": b.picked_up_at_ms.map(format_china),
                   "due_at": b.picked_up_at_ms.map(|p| format_china(p + b.transit_ms))})
        })
        .collect();
    let mut form = draft.unwrap_or_default();
    if let Some(bag) = q.bag.filter(|b| !b.is_empty()) {
        form.bag_id = bag;
    }
    let page = render(
        lang,
        "claims.html",
        json!({
            "signed_in": true, "csrf": signed.csrf, "page": "claims",
            "claims": list.items.iter().map(|c| claim_json(lang, c)).collect::<Vec<_>>(),
            "next_url": list.next_url, "overdue": overdue, "form": form,
            "error": list.error.or_else(|| notice(lang, "code", q.error.as_deref())),
            "error_detail": detail,
            "done": notice(lang, "msg", q.done.as_deref()),
        }),
        StatusCode::OK,
    );
    (jar, page).into_response()
}

async fn create_claim(
    State(state): State<AppState>,
    signed: Signed,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<ClaimForm>,
) -> Response {
    if let Some(cross_site) = signed.check_form(&headers, &form.csrf) {
        return cross_site;
    }
    let claim = NewClaim {
        bag_id: form.bag_id.trim().to_owned(),
        tracking_numbers: tracking_numbers(&form.parcels),
        description: form.description.clone(),
    };
    match open_claim(state.ctx(), &signed.principal, &signed.seller_id, &claim).await {
        Ok(_) => Redirect::to("/web/claims?done=claim_opened").into_response(),
        Err(e) => {
            let secure = state.settings.web.web_secure_cookies;
            let jar = flash::put(jar, DRAFT, &form, secure).unwrap_or_else(|jar| jar);
            refused(&state, jar, "/web/claims", &e)
        }
    }
}
