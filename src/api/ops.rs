//! Pages for operators and client developers: `/metrics` (Prometheus text, operator
//! token; also served without one on `FIRSTMILE_METRICS_LISTEN`), `/problems` and
//! `/problems/{code}` (what each error code means: the problems' `type` points here),
//! and `/docs`, the interactive API reference (Swagger UI, its assets inside the
//! binary, reading `/openapi.json`).

use super::codes::{CODES, Code, lookup};
use super::error::ApiError;
use super::extract::{Caller, roles};
use crate::app::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// The pages outside the API document.
pub fn pages() -> Router<AppState> {
    let docs = utoipa_swagger_ui::SwaggerUi::new("/docs")
        .config(utoipa_swagger_ui::Config::from("/openapi.json"));
    Router::new()
        .route("/problems", get(problems))
        .route("/problems/{code}", get(problem))
        .merge(docs)
}

/// The Prometheus text exposition, with the database pools measured now.
pub fn render_metrics(state: &AppState) -> Response {
    for (pool, open, idle, max) in state.store.pool_usage() {
        crate::metrics::db_pool(pool, open, idle, max);
    }
    (
        [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
        crate::metrics::render(),
    )
        .into_response()
}

/// Metrics in the Prometheus text format (operator only).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", content_type = "text/plain", body = String)))]
pub async fn metrics(
    _caller: Caller<{ roles::OPERATOR }>,
    State(state): State<AppState>,
) -> Response {
    render_metrics(&state)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn entry(c: &Code) -> String {
    let status = if c.status == 0 {
        "scan event result (the request answers 200)".to_owned()
    } else {
        format!("HTTP {}", c.status)
    };
    format!(
        "<section id=\"{code}\"><h2><a href=\"/problems/{code}\"><code>{code}</code></a></h2>\
         <p><strong>{title}</strong>: {status}</p><p>{meaning}</p></section>\n",
        code = c.code,
        title = escape(c.title),
        meaning = escape(c.meaning),
    )
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}}</style>\
         </head><body><h1>{title}</h1>{body}<p><a href=\"/problems\">All codes</a> · \
         <a href=\"/docs/\">API reference</a></p></body></html>"
    ))
}

async fn problems() -> Html<String> {
    let body: String = CODES.iter().map(entry).collect();
    page(
        "firstmile error codes",
        &format!(
            "<p>Every error is <code>application/problem+json</code> whose <code>type</code> is \
             <code>/problems/{{code}}</code>; clients branch on <code>code</code>.</p>{body}"
        ),
    )
}

async fn problem(Path(code): Path<String>) -> Result<Html<String>, ApiError> {
    let c = lookup(&code)
        .ok_or_else(|| ApiError::not_found("route_not_found", format!("no error code {code}")))?;
    Ok(page(&format!("firstmile: {}", c.code), &entry(c)))
}
