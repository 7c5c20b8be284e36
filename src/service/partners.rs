//! The people and programs around a seller, as the operator sets them up (ISV apps,
//! courier accounts, sorting-center keys), the courier's day (its pickups in its
//! cities, as a short route), and a sorting center's intake discrepancies
//! (docs/rules.md, rules 12, 14 and 15).

use super::{Ctx, ServiceError, ServiceResult, require};
use crate::domain::route::{distance_m, order_stops};
use crate::domain::{Principal, Role, new_id};
use crate::regions::Regions;
use crate::store::{Discrepancies, HandoverView, new_token};
use chrono::NaiveDate;

/// A new account and its one-time API key.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub api_key: String,
    /// A courier's cities (codes).
    pub cities: Option<Vec<String>>,
}

/// `create_isv` (operator): registers an ISV app.
pub async fn create_isv(ctx: Ctx<'_>, caller: &Principal, name: &str) -> ServiceResult<Account> {
    require(caller, &[Role::Operator], "create ISV apps")?;
    let id = new_id("IS");
    let token = new_token(Role::Isv);
    ctx.store
        .insert_isv(&id, name.trim(), &token, ctx.clock.now_ms())
        .await?;
    Ok(Account {
        id,
        name: name.to_owned(),
        api_key: token,
        cities: None,
    })
}

/// `create_courier` (operator): a courier account serving cities given by code or
/// Chinese name.
pub async fn create_courier(
    ctx: Ctx<'_>,
    caller: &Principal,
    name: &str,
    cities: &[String],
) -> ServiceResult<Account> {
    require(caller, &[Role::Operator], "create couriers")?;
    let regions = Regions::embedded();
    let mut codes = Vec::with_capacity(cities.len());
    for (i, raw) in cities.iter().enumerate() {
        let city = regions.city(raw).ok_or_else(|| {
            ServiceError::field(
                format!("cities[{i}]"),
                "unknown_city",
                format!("no city {raw:?}"),
            )
        })?;
        if !codes.contains(&city.code) {
            codes.push(city.code.clone());
        }
    }
    let id = new_id("CR");
    let token = new_token(Role::Courier);
    ctx.store
        .insert_courier(&id, name.trim(), &codes, &token, ctx.clock.now_ms())
        .await?;
    Ok(Account {
        id,
        name: name.to_owned(),
        api_key: token,
        cities: Some(codes),
    })
}

/// `issue_sorting_center_key` (operator): a new API key for a sorting center.
pub async fn issue_sorting_center_key(
    ctx: Ctx<'_>,
    caller: &Principal,
    code: &str,
) -> ServiceResult<String> {
    require(caller, &[Role::Operator], "issue sorting-center keys")?;
    let token = new_token(Role::SortingCenter);
    ctx.store
        .insert_sorting_center_key(code, &token, ctx.clock.now_ms())
        .await?;
    Ok(token)
}

/// One stop of a courier's route.
#[derive(Clone, Debug, PartialEq)]
pub struct Stop {
    pub view: HandoverView,
    /// Great-circle distance from the previous stop, metres (0 for the first).
    pub leg_m: f64,
}

/// A courier's day: the stops in route order and the route's length in metres.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub date: NaiveDate,
    pub stops: Vec<Stop>,
    pub length_m: f64,
}

/// `courier_pickups`: the courier's pickups on a date (default today), in route order.
pub async fn courier_pickups(
    ctx: Ctx<'_>,
    caller: &Principal,
    date: Option<&str>,
) -> ServiceResult<Route> {
    let courier = require(caller, &[Role::Courier], "list courier pickups")?;
    let date = super::coverage::date_or_today(ctx, date, "date")?;
    let cities = ctx.store.list_courier_cities(&courier.id).await?;
    let handovers = ctx.store.list_pickups(&date.to_string(), &cities).await?;
    let points: Vec<(f64, f64)> = handovers
        .iter()
        .map(|h| (h.handover.address.lat, h.handover.address.lon))
        .collect();
    let order = order_stops(&points);
    let mut slots: Vec<Option<HandoverView>> = handovers.into_iter().map(Some).collect();
    let mut stops = Vec::with_capacity(order.len());
    let mut length_m = 0.0;
    let mut previous: Option<(f64, f64)> = None;
    for &i in &order {
        let Some(view) = slots[i].take() else {
            continue;
        };
        let leg_m = previous.map_or(0.0, |p| distance_m(p, points[i]));
        length_m += leg_m;
        previous = Some(points[i]);
        stops.push(Stop { view, leg_m });
    }
    Ok(Route {
        date,
        stops,
        length_m,
    })
}

/// `intake_discrepancies`: missing and unregistered parcels found at a day's intakes,
/// for the sorting center itself or the operator.
pub async fn intake_discrepancies(
    ctx: Ctx<'_>,
    caller: &Principal,
    code: &str,
    date: Option<&str>,
) -> ServiceResult<(NaiveDate, Discrepancies)> {
    let caller = require(
        caller,
        &[Role::Operator, Role::SortingCenter],
        "read intake discrepancies",
    )?;
    if caller.role == Role::SortingCenter && caller.id != code {
        return Err(ServiceError::NotFound(
            "sorting_center_not_found",
            format!("no sorting center {code} for this key"),
        ));
    }
    let date = super::coverage::date_or_today(ctx, date, "date")?;
    let from_ms = date
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        .unwrap_or_default();
    let report = ctx
        .store
        .list_discrepancies(code, from_ms, from_ms + 24 * 3_600_000)
        .await?;
    Ok((date, report))
}
