//! One error envelope everywhere: `application/problem+json` with a stable `code`
//! (docs/api.md, "Errors"). Handlers return [`ApiError`]; the use cases' errors (each
//! kind to its status), store errors and axum's own rejections are mapped here; [`problem_layer`] adds the request id to every problem body, turns the
//! router's bare 404/405 into problems, and logs each 5xx cause once, never showing it.

use crate::service::ServiceError;
use crate::store::StoreError;
use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::borrow::Cow;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The `code` of a problem response, left in its extensions for the request log.
#[derive(Clone, Debug)]
pub struct ProblemCode(pub String);

/// A field-level problem.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's path in the request, e.g. `parcels[2].weight_g`.
    pub field: String,
    pub code: String,
    pub message: String,
}

/// An RFC 9457 problem: what every error response carries.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable snake_case code that clients branch on.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The request's id (also in the `x-request-id` header), for support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An error a handler returns.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Seconds for a `Retry-After` header (on 503 and 409 answers a client may retry).
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// With a `Retry-After` of `seconds`.
    pub fn retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is required (Authorization: Bearer <token>)",
        )
    }

    pub fn forbidden(what: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this token's role may not {what}"),
        )
    }

    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// 422 for a rule or a value the request breaks.
    pub fn unprocessable(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }

    /// 422 naming the field at fault.
    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut err = Self::unprocessable("validation_failed", format!("{field}: {message}"));
        err.errors.push(FieldError {
            field: field.into(),
            code: code.into(),
            message,
        });
        err
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "something went wrong on our side; retry later, quoting the request id",
        )
    }

    fn problem(&self) -> Problem {
        Problem {
            type_: format!("/problems/{}", self.code),
            title: super::codes::title(&self.code)
                .unwrap_or_else(|| self.status.canonical_reason().unwrap_or("Error"))
                .to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            errors: self.errors.clone(),
            request_id: None,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(code, detail) => Self::not_found(code, detail),
            StoreError::Conflict(code, detail) => Self::conflict(code, detail),
            StoreError::Invalid(code, detail) => Self::unprocessable(code, detail),
            other if crate::store::is_retryable(&other) => {
                tracing::error!(error = %other, "transaction conflict after every retry");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "transaction_conflict",
                    "the change met concurrent changes of the same records; retry shortly",
                )
                .retry_after(1)
            }
            StoreError::Database(e) if matches!(e, sqlx::Error::PoolTimedOut) => {
                tracing::error!(error = %e, "database pool timed out");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "service_unavailable",
                    "the service is busy; retry shortly",
                )
            }
            other => {
                tracing::error!(error = %other, "store error");
                Self::internal()
            }
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Forbidden(what) => Self::forbidden(&what),
            ServiceError::NotFound(code, detail) => Self::not_found(code, detail),
            ServiceError::Conflict(code, detail) => Self::conflict(code, detail),
            ServiceError::Rule(code, detail) => Self::unprocessable(code, detail),
            ServiceError::Field {
                field,
                code,
                message,
            } => Self::invalid_field(&field, &code, message),
            ServiceError::Store(e) => e.into(),
            ServiceError::Internal(cause) => {
                tracing::error!(error = %cause, "internal error");
                Self::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.problem())).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Normalises every error response into a problem carrying the request id.
pub async fn problem_layer(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(crate::app::REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return response;
    }
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_page {
        // The seller-center pages answer people in HTML, errors included.
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let (parts, body) = response.into_parts();
    let mut problem: serde_json::Value = if is_problem {
        let bytes = to_bytes(body, 1024 * 1024).await.unwrap_or_default();
        serde_json::from_slice(&bytes).unwrap_or_else(|_| serde_json::json!({}))
    } else {
        // Something outside our handlers answered (no route, wrong method, ...).
        let code = match status {
            StatusCode::NOT_FOUND => "route_not_found",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::TOO_MANY_REQUESTS => "rate_limited",
            StatusCode::SERVICE_UNAVAILABLE => "service_unavailable",
            _ => "request_failed",
        };
        serde_json::to_value(
            ApiError::new(status, code, status.canonical_reason().unwrap_or("error")).problem(),
        )
        .unwrap_or_default()
    };
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), "request failed");
    }
    let code = problem
        .get("code")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("request_failed")
        .to_owned();
    if let (Some(obj), Some(id)) = (problem.as_object_mut(), request_id) {
        obj.insert("request_id".into(), serde_json::Value::String(id));
    }
    let mut response = Response::from_parts(parts, Body::from(problem.to_string()));
    response.extensions_mut().insert(ProblemCode(code));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}
