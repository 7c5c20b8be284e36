//! Key lifecycle (docs/api.md, "Keys"): every principal (the operator, a seller, an
//! ISV, a courier, a sorting center) holds named keys; it or the operator makes, lists
//! and revokes them. Zero-downtime rotation is: make a new key, switch to it, revoke
//! the old one. Every request is authenticated against the database, with no cache.

use super::{Ctx, ServiceError, ServiceResult, page_limit};
use crate::domain::keys::check_key_name;
use crate::domain::{KeyMode, Principal, Role, mint_token};
use crate::store::{KeyPage, KeyRecord, NewKey};

/// The principal of a bearer token, if it names a live key. Records the key's use
/// (at most once a minute, see [`crate::domain::keys::LAST_USED_GRANULARITY_MS`]).
pub async fn authenticate(ctx: Ctx<'_>, token: &str) -> ServiceResult<Option<Principal>> {
    Ok(ctx.store.authenticate(token, ctx.clock.now_ms()).await?)
}

/// The mode of the keys made for `owner`: [`KeyMode::Test`] for a test-mode seller
/// (the sandbox), [`KeyMode::Live`] for every other principal.
pub async fn key_mode_for(ctx: Ctx<'_>, owner: &Principal) -> ServiceResult<KeyMode> {
    if owner.role != Role::Seller {
        return Ok(KeyMode::Live);
    }
    let test_mode = ctx
        .store
        .get_seller(&owner.id)
        .await?
        .is_some_and(|s| s.test_mode);
    Ok(KeyMode::for_seller(test_mode))
}

fn not_found(owner: &Principal) -> ServiceError {
    let (code, what) = match owner.role {
        Role::Operator => ("route_not_found", "operator"),
        Role::Seller => ("seller_not_found", "seller"),
        Role::Isv => ("isv_not_found", "ISV"),
        Role::Courier => ("courier_not_found", "courier"),
        Role::SortingCenter => ("sorting_center_not_found", "sorting center"),
    };
    ServiceError::NotFound(code, format!("no {what} {}", owner.id))
}

/// Who may manage `owner`'s keys: the operator, or `owner` itself. Another principal
/// of the same kind gets `*_not_found` (its ids are not confirmed); any other kind
/// `forbidden`.
async fn key_owner(ctx: Ctx<'_>, caller: &Principal, owner: &Principal) -> ServiceResult<()> {
    match caller.role {
        Role::Operator => {
            if ctx.store.principal_exists(owner).await? {
                Ok(())
            } else {
                Err(not_found(owner))
            }
        }
        role if role == owner.role => {
            if caller.id == owner.id {
                Ok(())
            } else {
                Err(not_found(owner))
            }
        }
        _ => Err(ServiceError::Forbidden(format!(
            "manage keys of a {}",
            owner.role.as_str()
        ))),
    }
}

/// `create_key`: a new key for `owner`, named `name` (default `default`); the record
/// and the key itself, which is shown once.
pub async fn create_key(
    ctx: Ctx<'_>,
    caller: &Principal,
    owner: &Principal,
    name: Option<&str>,
) -> ServiceResult<(KeyRecord, String)> {
    let name = check_key_name(name.unwrap_or("default"))
        .map_err(|m| ServiceError::field("name", "length", m))?;
    key_owner(ctx, caller, owner).await?;
    let token = mint_token(key_mode_for(ctx, owner).await?);
    let record = ctx
        .store
        .insert_key(&NewKey {
            principal: owner,
            name,
            token: &token,
            now_ms: ctx.clock.now_ms(),
        })
        .await?;
    tracing::info!(key.id = %record.key_id, key.role = owner.role.as_str(), key.owner = %owner.id, "key created");
    Ok((record, token))
}

/// `list_keys`: `owner`'s live keys, oldest first, without their secrets.
pub async fn list_keys(
    ctx: Ctx<'_>,
    caller: &Principal,
    owner: &Principal,
    limit: Option<usize>,
    cursor: Option<&str>,
) -> ServiceResult<KeyPage> {
    let limit = page_limit(limit)?;
    key_owner(ctx, caller, owner).await?;
    Ok(ctx.store.list_keys(owner, limit, cursor).await?)
}

/// `revoke_key`: every server refuses the key from its next request. The operator's
/// last live key cannot be revoked (`last_key`), so the service is never left
/// without one.
pub async fn revoke_key(
    ctx: Ctx<'_>,
    caller: &Principal,
    owner: &Principal,
    key_id: &str,
) -> ServiceResult<()> {
    key_owner(ctx, caller, owner).await?;
    ctx.store
        .revoke_key(
            owner,
            key_id,
            owner.role == Role::Operator,
            ctx.clock.now_ms(),
        )
        .await?;
    tracing::info!(key.id = %key_id, key.role = owner.role.as_str(), key.owner = %owner.id, "key revoked");
    Ok(())
}
