//! Transit and claims (docs/rules.md, rule 16): a seller's bags, overdue ones
//! included, and the claims a seller opens for an overdue bag or for parcels missing
//! at intake, which only the operator decides.

use super::sellers::seller_scope;
use super::{
    Ctx, Page, PageRequest, ServiceError, ServiceResult, filter_value, page_limit, require,
};
use crate::domain::{BagSelector, Principal, Role};
use crate::store::{BagPage, ClaimRecord};

/// Which page of a seller's bags.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BagFilter {
    pub status: Option<String>,
    /// Only bags changed at or after this time (RFC 3339).
    pub updated_since: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// `list_bags`: the seller's bags, oldest first.
pub async fn list_bags(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    filter: &BagFilter,
) -> ServiceResult<BagPage> {
    seller_scope(ctx, caller, seller_id).await?;
    let allowed = BagSelector::names();
    let selector: Option<BagSelector> = filter_value("status", filter.status.as_deref(), &allowed)?;
    let limit = page_limit(filter.limit)?;
    let updated_since_ms = super::updated_since(filter.updated_since.as_deref())?;
    Ok(ctx
        .store
        .list_bags(
            seller_id,
            selector,
            updated_since_ms,
            ctx.clock.now_ms(),
            limit,
            filter.cursor.as_deref(),
        )
        .await?)
}

/// The longest description of a claim, in characters.
pub const MAX_DESCRIPTION: usize = 2000;

/// A claim as a seller opens it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewClaim {
    pub bag_id: String,
    /// The parcels claimed for; empty for the whole bag, which must be overdue.
    pub tracking_numbers: Vec<String>,
    pub description: String,
}

/// `open_claim`: for an overdue bag, or for parcels missing at intake.
pub async fn open_claim(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    claim: &NewClaim,
) -> ServiceResult<ClaimRecord> {
    seller_scope(ctx, caller, seller_id).await?;
    let length = claim.description.trim().chars().count();
    if !(1..=MAX_DESCRIPTION).contains(&length) {
        return Err(ServiceError::field(
            "description",
            "length",
            format!("say what happened, in 1 to {MAX_DESCRIPTION} characters"),
        ));
    }
    Ok(ctx
        .store
        .insert_claim(
            seller_id,
            &claim.bag_id,
            &claim.tracking_numbers,
            &claim.description,
            ctx.clock.now_ms(),
        )
        .await?)
}

/// `list_claims`: a page of the seller's claims, newest first.
pub async fn list_claims(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    page: &PageRequest,
) -> ServiceResult<Page<ClaimRecord>> {
    seller_scope(ctx, caller, seller_id).await?;
    let limit = page_limit(page.limit)?;
    let (items, next_cursor) = ctx
        .store
        .list_claims(seller_id, limit, page.cursor.as_deref())
        .await?;
    Ok(Page { items, next_cursor })
}

/// `decide_claim` (operator): accepts or rejects an open claim, once.
pub async fn decide_claim(
    ctx: Ctx<'_>,
    caller: &Principal,
    claim_id: &str,
    accepted: bool,
    note: &str,
) -> ServiceResult<ClaimRecord> {
    require(caller, &[Role::Operator], "decide claims")?;
    Ok(ctx
        .store
        .decide_claim(claim_id, accepted, note, ctx.clock.now_ms())
        .await?)
}
