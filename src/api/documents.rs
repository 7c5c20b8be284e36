//! The printed documents of a handover over HTTP: every bag's label, one bag's label,
//! and the handover list (the seller center serves the same through `web::documents`).
//!
//! Labels come as PDF (`application/pdf`, one 100 x 150 mm page a bag) or ZPL II
//! (`application/zpl`, UTF-8, one `^XA ... ^XZ` format a bag), chosen by
//! `?format=pdf|zpl`, else by the `Accept` header, else PDF. The handover list is A4
//! PDF only. Rendering runs on the blocking pool: a 200-bag list takes a CPU for a
//! moment and must not stall the request loop. Who may fetch what is decided in
//! `service::documents`.

use super::error::ApiError;
use super::extract::{ApiQuery, Auth};
use crate::app::AppState;
use crate::documents::{
    DocumentError, HandoverDocument, render_handover_list, render_labels_pdf, render_labels_zpl,
};
use crate::service::documents::handover_document;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub const PDF: &str = "application/pdf";
pub const ZPL: &str = "application/zpl";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_labels))
        .routes(routes!(get_bag_label))
        .routes(routes!(get_handover_list))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// `pdf` or `zpl` (labels only); overrides the `Accept` header.
    pub format: Option<String>,
}

/// A document format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Zpl,
}

/// The format of a request: the `format` query parameter, else the best match of the
/// `Accept` header among `allowed`, else the first allowed.
pub fn negotiate(
    query: Option<&str>,
    headers: &HeaderMap,
    allowed: &[Format],
) -> Result<Format, ApiError> {
    let named = |name: &str| match name.trim().to_ascii_lowercase().as_str() {
        "pdf" => Some(Format::Pdf),
        "zpl" => Some(Format::Zpl),
        _ => None,
    };
    if let Some(q) = query {
        return named(q).filter(|f| allowed.contains(f)).ok_or_else(|| {
            let choices = if allowed.contains(&Format::Zpl) {
                "pdf or zpl"
            } else {
                "pdf"
            };
            ApiError::invalid_field("format", "unsupported_format", format!("use {choices}"))
        });
    }
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(allowed[0]);
    };
    let mut best: Option<(f32, Format)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let format = match media.as_str() {
            PDF => Some(Format::Pdf),
            ZPL | "application/x-zpl" => Some(Format::Zpl),
            "*/*" | "application/*" => Some(allowed[0]),
            _ => None,
        };
        if let Some(f) = format.filter(|f| allowed.contains(f))
            && quality > 0.0
            && best.is_none_or(|(q, _)| quality > q)
        {
            best = Some((quality, f));
        }
    }
    best.map(|(_, f)| f).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "this document is served as application/pdf (labels also as application/zpl)",
        )
    })
}

fn render_failed(err: DocumentError) -> ApiError {
    tracing::error!(error = %err, "document rendering failed");
    ApiError::internal()
}

/// Renders off the request loop.
async fn render<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, DocumentError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "document rendering panicked");
            ApiError::internal()
        })?
        .map_err(render_failed)
}

fn file_response(media: &'static str, filename: &str, body: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    let content_type = if media == ZPL {
        "application/zpl; charset=utf-8"
    } else {
        media
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    // Bags change until pickup: never serve a stale label.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

/// Labels of `doc` (one bag with `only`) in `format`.
pub(crate) async fn labels_response(
    doc: HandoverDocument,
    only: Option<String>,
    format: Format,
) -> Result<Response, ApiError> {
    if let Some(id) = &only
        && !doc.bags.iter().any(|b| &b.bag_id == id)
    {
        return Err(ApiError::not_found(
            "bag_not_found",
            format!("no bag {id} in handover {}", doc.handover_id),
        ));
    }
    let stem = only
        .clone()
        .unwrap_or_else(|| format!("labels-{}", doc.handover_id));
    match format {
        Format::Pdf => {
            let pdf = render(move || render_labels_pdf(&doc, only.as_deref())).await?;
            Ok(file_response(PDF, &format!("{stem}.pdf"), pdf))
        }
        Format::Zpl => {
            let zpl = render_labels_zpl(&doc, only.as_deref());
            Ok(file_response(ZPL, &format!("{stem}.zpl"), zpl.into_bytes()))
        }
    }
}

pub(crate) async fn list_response(doc: HandoverDocument) -> Result<Response, ApiError> {
    let filename = format!("handover-list-{}.pdf", doc.handover_id);
    let pdf = render(move || render_handover_list(&doc)).await?;
    Ok(file_response(PDF, &filename, pdf))
}

/// Every bag's label, in bag order (PDF: one page a bag; ZPL: one format a bag).
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/handovers/{handover_id}/labels", tag = "documents",
    params(DocumentQuery),
    responses((status = 200, description = "The labels", content(([u8] = "application/pdf"), (String = "application/zpl"))),
              (status = 404, body = super::error::Problem), (status = 406, body = super::error::Problem),
              (status = 409, description = "`handover_cancelled`", body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn get_labels(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path((seller_id, handover_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> Result<Response, ApiError> {
    let format = negotiate(q.format.as_deref(), &headers, &[Format::Pdf, Format::Zpl])?;
    let doc = handover_document(&state.store, &auth.0, &seller_id, &handover_id).await?;
    labels_response(doc, None, format).await
}

/// One bag's label.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/handovers/{handover_id}/bags/{bag_id}/label", tag = "documents",
    params(DocumentQuery),
    responses((status = 200, description = "The label", content(([u8] = "application/pdf"), (String = "application/zpl"))),
              (status = 404, body = super::error::Problem), (status = 406, body = super::error::Problem),
              (status = 409, description = "`handover_cancelled`", body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn get_bag_label(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path((seller_id, handover_id, bag_id)): Path<(String, String, String)>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> Result<Response, ApiError> {
    let format = negotiate(q.format.as_deref(), &headers, &[Format::Pdf, Format::Zpl])?;
    let doc = handover_document(&state.store, &auth.0, &seller_id, &handover_id).await?;
    labels_response(doc, Some(bag_id), format).await
}

/// The handover list (交接清单), A4 PDF, for the courier and the seller to sign.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/handovers/{handover_id}/handover-list", tag = "documents",
    params(DocumentQuery),
    responses((status = 200, description = "The handover list", content(([u8] = "application/pdf"))),
              (status = 404, body = super::error::Problem), (status = 406, body = super::error::Problem),
              (status = 409, description = "`handover_cancelled`", body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn get_handover_list(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path((seller_id, handover_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> Result<Response, ApiError> {
    negotiate(q.format.as_deref(), &headers, &[Format::Pdf])?;
    let doc = handover_document(&state.store, &auth.0, &seller_id, &handover_id).await?;
    list_response(doc).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn the_query_wins_over_accept_and_accept_over_the_default() {
        let both = [Format::Pdf, Format::Zpl];
        assert_eq!(
            negotiate(None, &HeaderMap::new(), &both).unwrap(),
            Format::Pdf
        );
        assert_eq!(
            negotiate(None, &accept("application/zpl"), &both).unwrap(),
            Format::Zpl
        );
        assert_eq!(
            negotiate(Some("pdf"), &accept("application/zpl"), &both).unwrap(),
            Format::Pdf
        );
        assert_eq!(
            negotiate(
                None,
                &accept("application/pdf;q=0.5, application/zpl"),
                &both
            )
            .unwrap(),
            Format::Zpl
        );
        assert_eq!(negotiate(None, &accept("*/*"), &both).unwrap(), Format::Pdf);
    }

    #[test]
    fn unknown_formats_are_refused_with_their_codes() {
        let both = [Format::Pdf, Format::Zpl];
        let e = negotiate(Some("png"), &HeaderMap::new(), &both).unwrap_err();
        assert_eq!(e.errors[0].code, "unsupported_format");
        let e = negotiate(None, &accept("image/png"), &both).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_ref()),
            (StatusCode::NOT_ACCEPTABLE, "not_acceptable")
        );
        assert!(negotiate(Some("zpl"), &HeaderMap::new(), &[Format::Pdf]).is_err());
        assert!(negotiate(None, &accept("application/zpl"), &[Format::Pdf]).is_err());
    }
}
