//! Sellers: the operator creates them, a seller grants ISVs the right to act for it,
//! reports daily order volumes, and asks whether it is eligible for free door pickup
//! (docs/rules.md, rules 4, 5 and 12). Tenancy for every seller-scoped use case is
//! decided here, by [`seller_scope`].

use super::address::{AddressInput, resolve_address};
use super::coverage::{CoverageCheck, seller_coverage};
use super::{Ctx, Page, PageRequest, ServiceError, ServiceResult, page_limit, require};
use crate::domain::eligibility::window;
use crate::domain::time::parse_date;
use crate::domain::{KeyMode, Principal, Role, mint_token, new_id};
use crate::store::SellerRecord;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

/// Resolves a seller the caller acts for: couriers and sorting centers may never act
/// for sellers (`forbidden`); a seller reaches only itself and an ISV only the sellers
/// that granted it (`seller_not_found` otherwise, so others' ids are not revealed).
pub async fn seller_scope(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
) -> ServiceResult<SellerRecord> {
    require(
        caller,
        &[Role::Operator, Role::Seller, Role::Isv],
        "act for sellers",
    )?;
    Ok(ctx.store.authorize_seller(caller, seller_id).await?)
}

/// A new seller.
#[derive(Clone, Debug)]
pub struct NewSeller {
    pub name: String,
    pub pickup_address: AddressInput,
    /// A test-mode seller for the sandbox (docs/api.md, "Sandbox").
    pub test_mode: bool,
}

/// `create_seller` (operator): the seller and its API key, shown once.
pub async fn create_seller(
    ctx: Ctx<'_>,
    caller: &Principal,
    input: &NewSeller,
) -> ServiceResult<(SellerRecord, String)> {
    require(caller, &[Role::Operator], "create sellers")?;
    let address = resolve_address(&input.pickup_address, "pickup_address")?;
    let seller = SellerRecord {
        seller_id: new_id("SL"),
        name: input.name.trim().to_owned(),
        address,
        created_at_ms: ctx.clock.now_ms(),
        test_mode: input.test_mode,
    };
    let token = mint_token(KeyMode::for_seller(input.test_mode));
    ctx.store.insert_seller(&seller, &token).await?;
    Ok((seller, token))
}

/// `get_seller`: a seller's profile.
pub async fn get_seller(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
) -> ServiceResult<SellerRecord> {
    seller_scope(ctx, caller, seller_id).await
}

/// One day's order count as reported.
#[derive(Clone, Debug, PartialEq)]
pub struct DayOrders {
    /// `YYYY-MM-DD`, a day in China.
    pub date: String,
    pub orders: i64,
}

/// `report_order_volumes` (operator or the seller itself): saves the days given;
/// returns how many.
pub async fn report_order_volumes(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    days: &[DayOrders],
) -> ServiceResult<usize> {
    require(
        caller,
        &[Role::Operator, Role::Seller],
        "report order volumes",
    )?;
    seller_scope(ctx, caller, seller_id).await?;
    let mut parsed = Vec::with_capacity(days.len());
    for (i, d) in days.iter().enumerate() {
        let date = parse_date(&d.date).ok_or_else(|| {
            ServiceError::field(format!("days[{i}].date"), "invalid_date", "use YYYY-MM-DD")
        })?;
        // One request gives each day once: two counts for a day cannot both be right
        // (and the databases would not agree on which one wins).
        if let Some(first) = parsed.iter().position(|(seen, _)| *seen == date) {
            return Err(ServiceError::field(
                format!("days[{i}].date"),
                "duplicate_date",
                format!("{date} is given twice in this request (also days[{first}])"),
            ));
        }
        parsed.push((date, d.orders));
    }
    ctx.store.put_order_volumes(seller_id, &parsed).await?;
    Ok(parsed.len())
}

// A seller's eligibility for free door pickup (a plain comment: the API document's
// schema has no description of its own).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = EligibilityResponse)]
pub struct Eligibility {
    pub eligible: bool,
    pub average_daily_orders: f64,
    pub threshold: f64,
    pub window_days: u32,
    /// First and last day of the window (China dates, both included).
    pub window_from: String,
    pub window_to: String,
    /// Door-pickup coverage of the seller's pickup address today.
    pub coverage: CoverageCheck,
    /// Why not eligible: `below_order_threshold` and any coverage code.
    pub reasons: Vec<String>,
}

impl Eligibility {
    /// Whether the order volume alone falls short (rule 5).
    pub fn below_threshold(&self) -> bool {
        self.reasons.iter().any(|r| r == BELOW_ORDER_THRESHOLD)
    }
}

/// The reason code of a seller under the order threshold.
pub const BELOW_ORDER_THRESHOLD: &str = "below_order_threshold";

/// `seller_eligibility`: whether the seller qualifies for free door pickup today
/// (rules 4 and 5).
pub async fn seller_eligibility(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
) -> ServiceResult<Eligibility> {
    let seller = seller_scope(ctx, caller, seller_id).await?;
    eligibility_on(ctx, &seller, ctx.clock.today()).await
}

/// The eligibility of a seller for a pickup on `date`, measured on today's figures.
pub async fn eligibility_on(
    ctx: Ctx<'_>,
    seller: &SellerRecord,
    date: NaiveDate,
) -> ServiceResult<Eligibility> {
    let rule = ctx.settings.eligibility;
    let today = ctx.clock.today();
    let (first, last) = window(today, rule.window_days);
    let days = ctx
        .store
        .list_order_volumes(&seller.seller_id, first, last)
        .await?;
    let average = rule.average(today, &days);
    let coverage = seller_coverage(ctx, seller, date).await?;
    let mut reasons = Vec::new();
    if !rule.is_eligible(average) {
        reasons.push(BELOW_ORDER_THRESHOLD.to_owned());
    }
    if let Some(code) = &coverage.code {
        reasons.push(code.clone());
    }
    Ok(Eligibility {
        eligible: reasons.is_empty(),
        average_daily_orders: (average * 100.0).round() / 100.0,
        threshold: rule.threshold,
        window_days: rule.window_days,
        window_from: first.to_string(),
        window_to: last.to_string(),
        coverage,
        reasons,
    })
}

/// A seller's grant to an ISV.
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    pub isv_id: String,
    pub isv_name: String,
    pub granted_at_ms: i64,
}

fn require_seller_itself(caller: &Principal) -> ServiceResult<&Principal> {
    require(
        caller,
        &[Role::Operator, Role::Seller],
        "manage a seller's ISV grants",
    )
}

/// `grant_isv`: the seller (or the operator) lets an ISV act for the seller.
pub async fn grant_isv(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    isv_id: &str,
) -> ServiceResult<Grant> {
    seller_scope(ctx, caller, seller_id).await?;
    require_seller_itself(caller)?;
    let now = ctx.clock.now_ms();
    ctx.store.insert_grant(seller_id, isv_id, now).await?;
    let (name, at) = ctx
        .store
        .get_grant(seller_id, isv_id)
        .await?
        .unwrap_or((String::new(), now));
    Ok(Grant {
        isv_id: isv_id.to_owned(),
        isv_name: name,
        granted_at_ms: at,
    })
}

/// `list_grants`: a page of the ISVs a seller has authorised, oldest first.
pub async fn list_grants(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    page: &PageRequest,
) -> ServiceResult<Page<Grant>> {
    seller_scope(ctx, caller, seller_id).await?;
    let limit = page_limit(page.limit)?;
    let (grants, next_cursor) = ctx
        .store
        .list_grants(seller_id, limit, page.cursor.as_deref())
        .await?;
    Ok(Page {
        items: grants
            .into_iter()
            .map(|(isv_id, isv_name, granted_at_ms)| Grant {
                isv_id,
                isv_name,
                granted_at_ms,
            })
            .collect(),
        next_cursor,
    })
}

/// `revoke_grant`: the ISV loses access at once.
pub async fn revoke_grant(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    isv_id: &str,
) -> ServiceResult<()> {
    seller_scope(ctx, caller, seller_id).await?;
    require_seller_itself(caller)?;
    if ctx.store.delete_grant(seller_id, isv_id).await? {
        Ok(())
    } else {
        Err(ServiceError::NotFound(
            "grant_not_found",
            format!("seller {seller_id} has not granted {isv_id}"),
        ))
    }
}
