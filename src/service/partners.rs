//! The people and programs around a seller, as the operator sets them up (ISV apps,
//! courier accounts), the courier's day (its pickups in its
//! cities, as a short route), and a sorting center's intake discrepancies
//! (docs/rules.md, rules 12, 14 and 15).

use super::{Ctx, PageRequest, ServiceError, ServiceResult, page_limit, require};
use crate::domain::route::distance_m;
use crate::domain::{KeyMode, Principal, Role, mint_token, new_id};
use crate::regions::Regions;
use crate::store::{Discrepancies, HandoverRecord, HandoverView};
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
    let token = mint_token(KeyMode::Live);
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
    let token = mint_token(KeyMode::Live);
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

/// One stop of a courier's route.
#[derive(Clone, Debug, PartialEq)]
pub struct Stop {
    pub view: HandoverView,
    /// Great-circle distance from the previous stop, metres (0 for the first).
    pub leg_m: f64,
}

/// A page of a courier's day: its stops in route order (the first one's position on
/// the route is `first_sequence`), the whole route's length in metres, and the cursor
/// of the next page.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub date: NaiveDate,
    pub stops: Vec<Stop>,
    pub first_sequence: usize,
    pub length_m: f64,
    pub next_cursor: Option<String>,
}

/// `courier_pickups`: a page of the courier's pickups on a date (default today), in
/// route order. The route is planned over the whole day; a page is a stretch of it,
/// and its cursor names the date and the position reached.
pub async fn courier_pickups(
    ctx: Ctx<'_>,
    caller: &Principal,
    date: Option<&str>,
    page: &PageRequest,
) -> ServiceResult<Route> {
    let courier = require(caller, &[Role::Courier], "list courier pickups")?;
    let date = super::coverage::date_or_today(ctx, date, "date")?;
    let limit = page_limit(page.limit)?;
    let skip = match page.cursor.as_deref() {
        None => 0,
        Some(c) => match crate::store::decode_cursor(c)? {
            (done, day) if day == date.to_string() && done >= 0 => {
                usize::try_from(done).unwrap_or(usize::MAX)
            }
            _ => {
                return Err(ServiceError::rule(
                    "invalid_cursor",
                    "the cursor is not one this service issued for this date",
                ));
            }
        },
    };
    let cities = ctx.store.list_courier_cities(&courier.id).await?;
    let handovers = ctx.store.list_pickups(&date.to_string(), &cities).await?;
    let points: Vec<(f64, f64)> = handovers
        .iter()
        .map(|h| (h.address.lat, h.address.lon))
        .collect();
    let keyed: Vec<(&str, (f64, f64))> = handovers
        .iter()
        .zip(&points)
        .map(|(h, p)| (h.handover_id.as_str(), *p))
        .collect();
    let order = super::route_cache::route_order(&keyed);
    // The whole day's route gives the length; only the page's stops get their bags.
    let mut legs = Vec::with_capacity(order.len());
    let mut length_m = 0.0;
    let mut previous: Option<(f64, f64)> = None;
    for &i in order.iter() {
        let leg_m = previous.map_or(0.0, |p| distance_m(p, points[i]));
        length_m += leg_m;
        previous = Some(points[i]);
        legs.push((i, leg_m));
    }
    let total = legs.len();
    let mut slots: Vec<Option<HandoverRecord>> = handovers.into_iter().map(Some).collect();
    let (records, page_legs): (Vec<HandoverRecord>, Vec<f64>) = legs
        .into_iter()
        .skip(skip)
        .take(limit)
        .filter_map(|(i, leg_m)| slots[i].take().map(|record| (record, leg_m)))
        .unzip();
    // `attach_bags` keeps the order it is given: the page's stops stay in route order.
    let views = ctx.store.attach_bags(records).await?;
    let stops: Vec<Stop> = views
        .into_iter()
        .zip(page_legs)
        .map(|(view, leg_m)| Stop { view, leg_m })
        .collect();
    let reached = skip.saturating_add(stops.len());
    let next_cursor = (reached < total).then(|| {
        crate::store::encode_cursor(
            i64::try_from(reached).unwrap_or(i64::MAX),
            &date.to_string(),
        )
    });
    Ok(Route {
        date,
        stops,
        first_sequence: skip + 1,
        length_m,
        next_cursor,
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
    let unknown = || {
        ServiceError::NotFound(
            "sorting_center_not_found",
            format!("no sorting center {code} for this key"),
        )
    };
    if caller.role == Role::SortingCenter && caller.id != code {
        return Err(unknown());
    }
    // The operator asking for a center that does not exist gets 404, not an empty
    // report that looks like a quiet day.
    if ctx.store.get_sorting_center(code).await?.is_none() {
        return Err(unknown());
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
