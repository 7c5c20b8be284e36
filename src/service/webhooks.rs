//! Webhook endpoints, the delivery log and replays (docs/api.md, "Webhooks"): a
//! seller, a granted ISV or the operator manages them. Delivery itself is the
//! worker's (`crate::webhooks`).

use super::events::parse_types;
use super::sellers::seller_scope;
use super::{Ctx, ServiceError, ServiceResult, page_limit};
use crate::domain::signing::new_secret;
use crate::domain::time::parse_rfc3339;
use crate::domain::{EventType, Principal};
use crate::store::{AttemptRecord, WebhookRecord};
use crate::webhooks::client::{UrlRefusal, check_url};

/// How long a replaced secret keeps signing after a rotation.
pub const OLD_SECRET_VALID_MS: i64 = 24 * 3_600_000;

/// Most endpoints per seller.
const MAX_ENDPOINTS: usize = 10;

/// An endpoint with its secret, shown once (at creation and at rotation).
#[derive(Clone, Debug)]
pub struct WebhookWithSecret {
    pub webhook: WebhookRecord,
    pub secret: String,
}

/// `create_webhook`: checks the URL (https, public unless allowed) and the types.
pub async fn create_webhook(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    url: &str,
    event_types: &[String],
) -> ServiceResult<WebhookWithSecret> {
    seller_scope(ctx, caller, seller_id).await?;
    let types: Vec<EventType> = parse_types(Some(&event_types.join(",")))?;
    let url = check_url(url, ctx.settings.webhooks.policy())
        .await
        .map_err(|UrlRefusal(code, message)| ServiceError::field("url", code, message))?;
    if ctx.store.list_webhooks(seller_id).await?.len() >= MAX_ENDPOINTS {
        return Err(ServiceError::rule(
            "too_many_webhooks",
            format!("a seller has at most {MAX_ENDPOINTS} webhook endpoints"),
        ));
    }
    let names: Vec<String> = types.iter().map(|t| t.as_str().to_owned()).collect();
    let secret = new_secret();
    let webhook = ctx
        .store
        .insert_webhook(seller_id, url.as_str(), &names, &secret, ctx.clock.now_ms())
        .await?;
    Ok(WebhookWithSecret { webhook, secret })
}

pub async fn list_webhooks(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
) -> ServiceResult<Vec<WebhookRecord>> {
    seller_scope(ctx, caller, seller_id).await?;
    Ok(ctx.store.list_webhooks(seller_id).await?)
}

pub async fn delete_webhook(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    webhook_id: &str,
) -> ServiceResult<()> {
    seller_scope(ctx, caller, seller_id).await?;
    Ok(ctx
        .store
        .delete_webhook(seller_id, webhook_id, ctx.clock.now_ms())
        .await?)
}

/// `rotate_webhook_secret`: a new secret; the old one signs too for 24 hours. A
/// disabled endpoint is enabled again.
pub async fn rotate_webhook_secret(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    webhook_id: &str,
) -> ServiceResult<WebhookWithSecret> {
    seller_scope(ctx, caller, seller_id).await?;
    let secret = new_secret();
    let until = ctx.clock.now_ms() + OLD_SECRET_VALID_MS;
    let webhook = ctx
        .store
        .rotate_webhook_secret(seller_id, webhook_id, &secret, until)
        .await?;
    Ok(WebhookWithSecret { webhook, secret })
}

/// The endpoint's delivery log, newest first.
pub async fn list_attempts(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    webhook_id: &str,
    limit: Option<usize>,
) -> ServiceResult<Vec<AttemptRecord>> {
    seller_scope(ctx, caller, seller_id).await?;
    let limit = page_limit(limit)?;
    Ok(ctx
        .store
        .list_attempts(seller_id, webhook_id, limit)
        .await?)
}

/// `replay`: one event again, or every failed delivery of events since a time.
pub async fn replay(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    webhook_id: &str,
    event_id: Option<&str>,
    since: Option<&str>,
) -> ServiceResult<u64> {
    seller_scope(ctx, caller, seller_id).await?;
    let since_ms = match (event_id, since) {
        (Some(_), None) => None,
        (None, Some(raw)) => Some(parse_rfc3339(raw).ok_or_else(|| {
            ServiceError::field("since", "invalid_time", "since is an RFC 3339 time")
        })?),
        _ => {
            return Err(ServiceError::field(
                "event_id",
                "replay_target",
                "give either event_id or since",
            ));
        }
    };
    Ok(ctx
        .store
        .replay_deliveries(
            seller_id,
            webhook_id,
            event_id,
            since_ms,
            ctx.clock.now_ms(),
        )
        .await?)
}
