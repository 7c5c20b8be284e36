//! Keys of every principal over HTTP (docs/api.md, "Keys"; `service::keys`):
//! `POST .../keys` makes one (the key is in that answer only), `GET .../keys` lists
//! the live ones without their secrets, `DELETE .../keys/{key_id}` revokes one.

use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, Caller, roles};
use crate::app::AppState;
use crate::domain::time::format_ms;
use crate::domain::{Principal, Role};
use crate::service::keys;
use crate::store::{KeyPage, KeyRecord};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_operator_key, list_operator_keys))
        .routes(routes!(revoke_operator_key))
        .routes(routes!(create_seller_key, list_seller_keys))
        .routes(routes!(revoke_seller_key))
        .routes(routes!(create_isv_key, list_isv_keys))
        .routes(routes!(revoke_isv_key))
        .routes(routes!(create_courier_key, list_courier_keys))
        .routes(routes!(revoke_courier_key))
        .routes(routes!(create_sorting_center_key, list_sorting_center_keys))
        .routes(routes!(revoke_sorting_center_key))
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"name": "erp-2026-12"})))]
pub struct CreateKeyRequest {
    /// What the key is for, e.g. `erp-2026-12` (1 to 100 characters; default `default`).
    #[schema(min_length = 1, max_length = 100, example = "erp-2026-12")]
    pub name: Option<String>,
}

/// The body of a key creation: JSON, or nothing at all (a key named `default`).
pub struct KeyBody(pub CreateKeyRequest);

impl<S: Send + Sync> FromRequest<S> for KeyBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if req.headers().get(header::CONTENT_TYPE).is_none() {
            let bytes = Bytes::from_request(req, state)
                .await
                .map_err(|e| ApiError::new(e.status(), "invalid_body", e.body_text()))?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(Self(CreateKeyRequest::default()));
            }
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json, or no body",
            ));
        }
        let ApiJson(body) = ApiJson::<CreateKeyRequest>::from_request(req, state).await?;
        Ok(Self(body))
    }
}

/// A new key. `api_key` is shown here once: store it, it cannot be read again.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"id": "AK7Q2M9XK4R1ZT", "name": "erp-2026-12", "api_key": "fm_live_3xAmpLe0nLy0000000000000000000000000000", "created_at": "2026-11-26T02:00:00.000Z"})))]
pub struct CreatedKey {
    #[schema(example = "AK7Q2M9XK4R1ZT")]
    pub id: String,
    pub name: String,
    #[schema(example = "fm_live_3xAmpLe0nLy0000000000000000000000000000")]
    pub api_key: String,
    pub created_at: String,
    /// The sorting center's code (on sorting-center keys only, as before).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sorting_center: Option<String>,
}

/// A live key, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    pub id: String,
    pub name: String,
    /// The key's first characters (`fm_live_` and four more), to tell keys apart;
    /// null for keys without that prefix (an operator token from the environment).
    pub prefix: Option<String>,
    pub created_at: String,
    /// When the key last authenticated a request, to the minute; null if never.
    pub last_used_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"items": [{"id": "AK7Q2M9XK4R1ZT", "name": "default", "prefix": "fm_live_3xAm", "created_at": "2026-11-26T02:00:00.000Z", "last_used_at": "2026-11-26T08:01:00.000Z"}], "next_cursor": null})))]
pub struct KeyList {
    pub items: Vec<KeyView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeysQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

fn key_view(k: KeyRecord) -> KeyView {
    KeyView {
        id: k.key_id,
        name: k.name,
        prefix: k.hint,
        created_at: format_ms(k.created_at_ms),
        last_used_at: k.last_used_at_ms.map(format_ms),
    }
}

fn key_list(page: KeyPage) -> KeyList {
    KeyList {
        items: page.items.into_iter().map(key_view).collect(),
        next_cursor: page.next_cursor,
    }
}

fn owner(role: Role, id: impl Into<String>) -> Principal {
    Principal {
        role,
        id: id.into(),
    }
}

async fn create(
    state: &AppState,
    caller: &Principal,
    owner: &Principal,
    body: CreateKeyRequest,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    let (record, api_key) =
        keys::create_key(state.ctx(), caller, owner, body.name.as_deref()).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            id: record.key_id,
            name: record.name,
            api_key,
            created_at: format_ms(record.created_at_ms),
            sorting_center: (owner.role == Role::SortingCenter).then(|| owner.id.clone()),
        }),
    ))
}

async fn list(
    state: &AppState,
    caller: &Principal,
    owner: &Principal,
    q: KeysQuery,
) -> Result<Json<KeyList>, ApiError> {
    let page = keys::list_keys(state.ctx(), caller, owner, q.limit, q.cursor.as_deref()).await?;
    Ok(Json(key_list(page)))
}

async fn revoke(
    state: &AppState,
    caller: &Principal,
    owner: &Principal,
    key_id: &str,
) -> Result<StatusCode, ApiError> {
    keys::revoke_key(state.ctx(), caller, owner, key_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Create an operator key.
#[utoipa::path(post, path = "/v1/operator/keys", tag = "keys", request_body(content = CreateKeyRequest, description = "optional"),
    responses((status = 201, body = CreatedKey), (status = 403, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn create_operator_key(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::OPERATOR }>,
    KeyBody(body): KeyBody,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    create(&state, &auth.0, &owner(Role::Operator, "operator"), body).await
}

/// The operator's live keys.
#[utoipa::path(get, path = "/v1/operator/keys", tag = "keys", params(KeysQuery),
    responses((status = 200, body = KeyList), (status = 403, body = super::error::Problem)))]
pub async fn list_operator_keys(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::OPERATOR }>,
    ApiQuery(q): ApiQuery<KeysQuery>,
) -> Result<Json<KeyList>, ApiError> {
    list(&state, &auth.0, &owner(Role::Operator, "operator"), q).await
}

/// Revoke an operator key (not the last live one: 409 `last_key`).
#[utoipa::path(delete, path = "/v1/operator/keys/{key_id}", tag = "keys",
    responses((status = 204), (status = 403, body = super::error::Problem),
              (status = 404, body = super::error::Problem), (status = 409, body = super::error::Problem)))]
pub async fn revoke_operator_key(
    State(state): State<AppState>,
    Caller(auth): Caller<{ roles::OPERATOR }>,
    Path(key_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    revoke(&state, &auth.0, &owner(Role::Operator, "operator"), &key_id).await
}

/// The create, list and revoke handlers of one kind of principal.
macro_rules! principal_keys {
    ($role:expr, $roles:expr, $who:literal, $create:ident, $list:ident, $revoke:ident,
     $keys:literal, $key:literal) => {
        #[doc = concat!("Create a key for ", $who, " (the operator, or itself).")]
        #[utoipa::path(post, path = $keys, tag = "keys", request_body(content = CreateKeyRequest, description = "optional"),
            responses((status = 201, body = CreatedKey), (status = 403, body = super::error::Problem),
                      (status = 404, body = super::error::Problem), (status = 422, body = super::error::Problem)))]
        pub async fn $create(
            State(state): State<AppState>,
            Caller(auth): Caller<{ $roles }>,
            Path(id): Path<String>,
            KeyBody(body): KeyBody,
        ) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
            create(&state, &auth.0, &owner($role, id), body).await
        }

        #[doc = concat!("The live keys of ", $who, ", without their secrets.")]
        #[utoipa::path(get, path = $keys, tag = "keys", params(KeysQuery),
            responses((status = 200, body = KeyList), (status = 403, body = super::error::Problem),
                      (status = 404, body = super::error::Problem)))]
        pub async fn $list(
            State(state): State<AppState>,
            Caller(auth): Caller<{ $roles }>,
            Path(id): Path<String>,
            ApiQuery(q): ApiQuery<KeysQuery>,
        ) -> Result<Json<KeyList>, ApiError> {
            list(&state, &auth.0, &owner($role, id), q).await
        }

        #[doc = concat!("Revoke a key of ", $who, ": refused from its next request on every server.")]
        #[utoipa::path(delete, path = $key, tag = "keys",
            responses((status = 204), (status = 403, body = super::error::Problem),
                      (status = 404, body = super::error::Problem)))]
        pub async fn $revoke(
            State(state): State<AppState>,
            Caller(auth): Caller<{ $roles }>,
            Path((id, key_id)): Path<(String, String)>,
        ) -> Result<StatusCode, ApiError> {
            revoke(&state, &auth.0, &owner($role, id), &key_id).await
        }
    };
}

principal_keys!(
    Role::Seller,
    roles::OPERATOR_OR_SELLER,
    "a seller",
    create_seller_key,
    list_seller_keys,
    revoke_seller_key,
    "/v1/sellers/{seller_id}/keys",
    "/v1/sellers/{seller_id}/keys/{key_id}"
);
principal_keys!(
    Role::Isv,
    roles::OPERATOR | roles::ISV,
    "an ISV app",
    create_isv_key,
    list_isv_keys,
    revoke_isv_key,
    "/v1/isvs/{isv_id}/keys",
    "/v1/isvs/{isv_id}/keys/{key_id}"
);
principal_keys!(
    Role::Courier,
    roles::OPERATOR | roles::COURIER,
    "a courier",
    create_courier_key,
    list_courier_keys,
    revoke_courier_key,
    "/v1/couriers/{courier_id}/keys",
    "/v1/couriers/{courier_id}/keys/{key_id}"
);
principal_keys!(
    Role::SortingCenter,
    roles::OPERATOR | roles::SORTING_CENTER,
    "a sorting center",
    create_sorting_center_key,
    list_sorting_center_keys,
    revoke_sorting_center_key,
    "/v1/sorting-centers/{code}/keys",
    "/v1/sorting-centers/{code}/keys/{key_id}"
);
