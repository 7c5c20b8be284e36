//! Seller-center sessions (docs/rules.md, rule 18). Signing in checks an API key
//! once and issues a random session id; only its hash is stored, with an idle and an
//! absolute expiry (configuration), and signing out revokes it. The key itself never
//! leaves the sign-in request. A seller key acts for its own seller; an ISV key picks
//! one of the sellers that granted it.

use super::sellers::seller_scope;
use super::{Ctx, ServiceError, ServiceResult};
use crate::domain::{Principal, Role};
use crate::store::{NewWebSession, WebSessionRecord};
use rand::Rng;
use rand::distributions::Alphanumeric;

/// A new session: the id for the cookie (shown once) and what it acts as.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub session_id: String,
    pub session: WebSessionRecord,
}

fn random(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// `sign_in`: a seller or ISV key opens a session; any other key, or none, is
/// refused with `invalid_key` (which one is never said).
pub async fn sign_in(ctx: Ctx<'_>, api_key: &str) -> ServiceResult<SignedIn> {
    let key = api_key.trim();
    let refused = || ServiceError::rule("invalid_key", "that is not a seller or ISV API key");
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(refused());
    }
    let principal = ctx
        .store
        .get_principal_by_token(key)
        .await?
        .filter(|p| matches!(p.role, Role::Seller | Role::Isv))
        .ok_or_else(refused)?;
    let seller_id = (principal.role == Role::Seller).then(|| principal.id.clone());
    let session_id = random(43);
    let csrf_token = random(32);
    let now_ms = ctx.clock.now_ms();
    let max_ms = i64::from(ctx.settings.web.web_session_max_hours) * 3_600_000;
    ctx.store
        .insert_web_session(&NewWebSession {
            session_id: &session_id,
            principal: &principal,
            seller_id: seller_id.as_deref(),
            csrf_token: &csrf_token,
            now_ms,
            expires_at_ms: now_ms + max_ms,
        })
        .await?;
    tracing::info!(
        actor.role = principal.role.as_str(),
        "seller center: signed in"
    );
    Ok(SignedIn {
        session_id,
        session: WebSessionRecord {
            principal,
            seller_id,
            csrf_token,
        },
    })
}

/// `current_session`: the live session with this id (its idle expiry slid), if any.
pub async fn current_session(
    ctx: Ctx<'_>,
    session_id: &str,
) -> ServiceResult<Option<WebSessionRecord>> {
    let idle_ms = i64::from(ctx.settings.web.web_session_idle_minutes) * 60_000;
    Ok(ctx
        .store
        .touch_web_session(session_id, ctx.clock.now_ms(), idle_ms)
        .await?)
}

/// `sign_out`: revokes the session.
pub async fn sign_out(ctx: Ctx<'_>, session_id: &str) -> ServiceResult<()> {
    Ok(ctx
        .store
        .revoke_web_session(session_id, ctx.clock.now_ms())
        .await?)
}

/// `sellers_to_pick`: the sellers an ISV may act for (those that granted it).
pub async fn sellers_to_pick(
    ctx: Ctx<'_>,
    caller: &Principal,
) -> ServiceResult<Vec<(String, String)>> {
    if caller.role != Role::Isv {
        return Ok(Vec::new());
    }
    Ok(ctx.store.list_granting_sellers(&caller.id).await?)
}

/// `pick_seller`: an ISV session acts for a seller that granted it (tenancy as on
/// the API: another seller is `seller_not_found`).
pub async fn pick_seller(
    ctx: Ctx<'_>,
    session_id: &str,
    caller: &Principal,
    seller_id: &str,
) -> ServiceResult<()> {
    seller_scope(ctx, caller, seller_id).await?;
    Ok(ctx
        .store
        .set_web_session_seller(session_id, seller_id)
        .await?)
}
