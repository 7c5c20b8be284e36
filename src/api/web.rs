//! The seller-center pages (docs/rules.md, rule 18): a seller signs in with its API key
//! and manages its handovers in a browser: the list, with each handover's status, bags
//! and times in China time (Asia/Shanghai), and a Cancel button until the pickup is
//! reported. Server-rendered HTML, no script: the pages call the same use cases as the
//! API (`service::handovers`, `service::handover_changes`).
//!
//! The session cookie holds the seller's key, `HttpOnly` and `SameSite=Strict` (a
//! cross-site form cannot post with it), scoped to `/web`.

use crate::app::AppState;
use crate::domain::time::format_china;
use crate::domain::{HandoverStatus, Principal, Role};
use crate::service::ServiceError;
use crate::service::handover_changes::cancel_handover;
use crate::service::handovers::{HandoverFilter, list_handovers};
use crate::store::HandoverView;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

const COOKIE: &str = "fm_session";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/web", get(home))
        .route("/web/login", post(login))
        .route("/web/logout", post(logout))
        .route("/web/handovers", get(handovers_page))
        .route("/web/handovers/{handover_id}/cancel", post(cancel))
}

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} · firstmile</title>\
         <style>body{{font-family:sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse;width:100%}}\
         td,th{{border-bottom:1px solid #ddd;padding:.4em;text-align:left}}.error{{color:#b00}}</style></head>\
         <body><h1>{}</h1>{body}</body></html>",
        esc(title),
        esc(title)
    ))
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
    cookies
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The signed-in seller, if the session holds a seller key.
pub(crate) async fn seller_of(state: &AppState, headers: &HeaderMap) -> Option<Principal> {
    let token = session_token(headers)?;
    let principal = crate::service::keys::authenticate(state.ctx(), &token)
        .await
        .ok()??;
    (principal.role == Role::Seller).then_some(principal)
}

fn login_form(error: Option<&str>) -> Html<String> {
    let error = error.map_or(String::new(), |e| {
        format!("<p class=\"error\">{}</p>", esc(e))
    });
    page(
        "Seller center",
        &format!(
            "{error}<form method=\"post\" action=\"/web/login\"><label>API key \
             <input name=\"api_key\" type=\"password\" size=\"60\" required></label> \
             <button>Sign in</button></form>"
        ),
    )
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match seller_of(&state, &headers).await {
        Some(_) => Redirect::to("/web/handovers").into_response(),
        None => login_form(None).into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    api_key: String,
}

async fn login(State(state): State<AppState>, Form(form): Form<LoginForm>) -> Response {
    let token = form.api_key.trim();
    let valid = token.bytes().all(|b| b.is_ascii_graphic())
        && matches!(crate::service::keys::authenticate(state.ctx(), token).await, Ok(Some(p)) if p.role == Role::Seller);
    if !valid {
        return (
            StatusCode::UNAUTHORIZED,
            login_form(Some("That is not a seller API key.")),
        )
            .into_response();
    }
    let mut response = Redirect::to("/web/handovers").into_response();
    let cookie = format!("{COOKIE}={token}; Path=/web; HttpOnly; SameSite=Strict");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn logout() -> Response {
    let mut response = Redirect::to("/web").into_response();
    let cookie = format!("{COOKIE}=; Path=/web; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn row(view: &HandoverView) -> String {
    let h = &view.handover;
    let parcels: usize = view.bags.iter().map(|b| b.parcels.len()).sum();
    let action = if h.status.before_pickup() {
        format!(
            "<form method=\"post\" action=\"/web/handovers/{}/cancel\"><button>Cancel</button></form>",
            esc(&h.handover_id)
        )
    } else {
        String::new()
    };
    // Labels and the handover list, for every handover that still goes ahead.
    let documents = if h.status == HandoverStatus::Cancelled {
        String::new()
    } else {
        let id = esc(&h.handover_id);
        format!(
            "<a href=\"/web/handovers/{id}/labels?format=pdf\">Labels (PDF)</a> · \
             <a href=\"/web/handovers/{id}/labels?format=zpl\">Labels (ZPL)</a> · \
             <a href=\"/web/handovers/{id}/handover-list\">Handover list</a>"
        )
    };
    format!(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{documents}</td><td>{action}</td></tr>",
        esc(&h.handover_id),
        esc(h.status.as_str()),
        esc(&h.sorting_center),
        esc(&h.pickup_date),
        view.bags.len(),
        parcels,
        format_china(h.created_at_ms),
    )
}

/// How many handovers the list page shows.
const PAGE_SIZE: usize = 200;

async fn render_list(state: &AppState, seller: &Principal, message: Option<&str>) -> Response {
    let filter = HandoverFilter {
        limit: Some(PAGE_SIZE),
        ..HandoverFilter::default()
    };
    let page_items = match list_handovers(state.ctx(), seller, &seller.id, &filter).await {
        Ok(p) => p.items,
        Err(e) => {
            tracing::error!(error = %e, "seller center: list handovers");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                page("Handovers", "<p class=\"error\">Try again shortly.</p>"),
            )
                .into_response();
        }
    };
    let rows: String = page_items.iter().map(row).collect();
    let message = message.map_or(String::new(), |m| {
        format!("<p class=\"error\">{}</p>", esc(m))
    });
    page(
        "Handovers",
        &format!(
            "{message}<p>Times are China time (Asia/Shanghai).</p><table><tr><th>Handover</th><th>Status</th>\
             <th>Sorting center</th><th>Pickup date</th><th>Bags</th><th>Parcels</th><th>Booked at</th><th>Documents</th><th></th></tr>\
             {rows}</table><form method=\"post\" action=\"/web/logout\"><button>Sign out</button></form>"
        ),
    )
    .into_response()
}

async fn handovers_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match seller_of(&state, &headers).await {
        Some(seller) => render_list(&state, &seller, None).await,
        None => Redirect::to("/web").into_response(),
    }
}

async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(handover_id): Path<String>,
) -> Response {
    let Some(seller) = seller_of(&state, &headers).await else {
        return Redirect::to("/web").into_response();
    };
    match cancel_handover(state.ctx(), &seller, &seller.id, &handover_id).await {
        Ok(_) => Redirect::to("/web/handovers").into_response(),
        Err(ServiceError::Conflict(_, _)) => {
            let message = format!(
                "Handover {handover_id} can no longer be cancelled: the courier has picked it up."
            );
            let mut response = render_list(&state, &seller, Some(&message)).await;
            *response.status_mut() = StatusCode::CONFLICT;
            response
        }
        Err(ServiceError::NotFound(_, _)) => {
            let mut response = render_list(&state, &seller, Some("No such handover.")).await;
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "seller center: cancel");
            render_list(&state, &seller, Some("Something went wrong; try again.")).await
        }
    }
}
