//! Extractors whose rejections speak our error envelope: [`ApiJson`] (content type,
//! size, syntax, types, then `validator` rules, each with its own status and field
//! paths), [`ApiQuery`], and [`Auth`] (bearer token to [`Principal`]).

use super::error::{ApiError, FieldError};
use crate::app::AppState;
use crate::domain::{Principal, Role};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

/// A JSON body, parsed and validated.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !json_type {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e {
            BytesRejection::FailedToBufferBody(_)
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the request body is larger than this service accepts",
                )
            }
            other => ApiError::new(other.status(), "invalid_body", other.body_text()),
        })?;
        let value = parse_json::<T>(&bytes)?;
        value.validate().map_err(validation_error)?;
        Ok(Self(value))
    }
}

/// Parses JSON, telling malformed JSON (400) from well-formed JSON of the wrong shape
/// (422, with the path of the field at fault); the rules are in [`super::strict_json`].
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    super::strict_json::parse_body(bytes)
}

/// A 422 listing every field the `validator` rules refused.
pub fn validation_error(errors: ValidationErrors) -> ApiError {
    let mut fields = Vec::new();
    flatten(&errors, String::new(), &mut fields);
    let detail = fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join("; ");
    let mut api = ApiError::unprocessable("validation_failed", detail);
    api.errors = fields;
    api
}

fn flatten(errors: &ValidationErrors, prefix: String, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    out.push(FieldError {
                        field: path.clone(),
                        code: e.code.to_string(),
                        message: e.message.as_ref().map_or_else(
                            || format!("fails the rule {}", e.code),
                            ToString::to_string,
                        ),
                    });
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten(inner, path, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    flatten(inner, format!("{path}[{i}]"), out);
                }
            }
        }
    }
}

/// Query parameters, parsed with our error envelope. A parameter the route does not
/// take never reaches it: the layer `contract::refuse_undeclared_query` refuses it
/// (400 `unknown_query_parameter`) from the operation's parameters in the document,
/// which utoipa derives from these same structs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded_from_str(query).map(Self)
    }
}

fn serde_urlencoded_from_str<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    use super::strict_json::{CONTROL_MESSAGE, has_control_character};
    if let Some((name, _)) = form_urlencoded::parse(query.as_bytes())
        .find(|(k, v)| has_control_character(k) || has_control_character(v))
    {
        return Err(ApiError::invalid_field(
            &name,
            "control_character",
            CONTROL_MESSAGE,
        ));
    }
    let parsed: Result<T, _> = serde_urlencoded::from_str(query);
    parsed.map_err(|e| {
        ApiError::unprocessable(
            "invalid_query",
            format!("Failed to deserialize query string: {e}"),
        )
    })
}

/// 400 `unknown_query_parameter`, with one entry per name the route does not take.
pub fn unknown_query_parameters(unknown: Vec<String>) -> ApiError {
    let mut api = ApiError::new(
        StatusCode::BAD_REQUEST,
        "unknown_query_parameter",
        format!("this route takes no query parameter {}", unknown.join(", ")),
    );
    api.errors = unknown
        .into_iter()
        .map(|field| FieldError {
            message: format!("{field} is not a parameter of this route"),
            field,
            code: "unknown".into(),
        })
        .collect();
    api
}

/// Where [`Auth`] leaves the caller it found, for the request log (the observing
/// middleware puts an empty one in every request).
#[derive(Clone, Debug, Default)]
pub struct CallerSlot(pub std::sync::Arc<std::sync::OnceLock<Principal>>);

fn note_caller(parts: &Parts, principal: &Principal) {
    if let Some(slot) = parts.extensions.get::<CallerSlot>() {
        let _ = slot.0.set(principal.clone());
    }
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            note_caller(parts, p);
            return Ok(Self(p.clone()));
        }
        let token = bearer_token(parts).ok_or_else(ApiError::unauthorized)?;
        let principal = crate::service::keys::authenticate(state.ctx(), token)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        note_caller(parts, &principal);
        parts.extensions.insert(principal.clone());
        Ok(Self(principal))
    }
}

/// The bearer token of a request, if it has one.
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

impl Auth {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role], what: &str) -> Result<&Principal, ApiError> {
        if roles.contains(&self.0.role) {
            Ok(&self.0)
        } else {
            Err(ApiError::forbidden(what))
        }
    }
}

/// Role sets for [`Caller`], as bit masks.
pub mod roles {
    pub const OPERATOR: u8 = 1;
    pub const SELLER: u8 = 2;
    pub const ISV: u8 = 4;
    pub const COURIER: u8 = 8;
    pub const SORTING_CENTER: u8 = 16;
    /// Who may call seller-scoped routes (tenancy is checked after).
    pub const SELLER_SIDE: u8 = OPERATOR | SELLER | ISV;
    pub const OPERATOR_OR_SELLER: u8 = OPERATOR | SELLER;
    pub const SCANNERS: u8 = COURIER | SORTING_CENTER;
}

/// An authenticated caller whose role is in `ROLES`: checked before the body is read,
/// so a role that may never call a route gets 403 whatever it sends.
#[derive(Debug, Clone)]
pub struct Caller<const ROLES: u8>(pub Auth);

impl<const ROLES: u8> FromRequestParts<AppState> for Caller<ROLES> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_request_parts(parts, state).await?;
        let bit = match auth.0.role {
            Role::Operator => roles::OPERATOR,
            Role::Seller => roles::SELLER,
            Role::Isv => roles::ISV,
            Role::Courier => roles::COURIER,
            Role::SortingCenter => roles::SORTING_CENTER,
        };
        if ROLES & bit == 0 {
            return Err(ApiError::forbidden("call this route"));
        }
        Ok(Self(auth))
    }
}
