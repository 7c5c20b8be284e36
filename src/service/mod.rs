//! The use-case layer: one function per thing a user does (book a handover, cancel
//! it, register parcels, post scans, open a claim, ...). The HTTP handlers, the
//! seller-center pages and any other way in (a simulator, an order feed, event
//! producers) call these functions, so every rule is written once, here or below.
//!
//! Each use case takes:
//! - a [`Ctx`]: the store, the business settings and the clock, borrowed from the
//!   running service ([`crate::app::AppState::ctx`]) or built directly in tests;
//! - the caller, a [`Principal`](crate::domain::Principal), whose role and tenancy the
//!   use case checks itself (docs/api.md, "Auth and tenancy");
//! - typed input. Raw values whose refusal has its own place in the order of the
//!   checks (a pickup date is checked after the sorting center, for instance) are
//!   parsed inside the use case, at that place.
//!
//! It returns domain or store records, or a [`ServiceError`] carrying a stable
//! snake_case code. It owns the order of the checks and the transaction boundaries
//! (each store call it makes is one transaction) and knows nothing of HTTP: the API
//! maps a [`ServiceError`] to a status and a problem document in `api/error.rs`.
//!
//! The rules are numbered in docs/rules.md; each function cites the ones it applies.

pub mod address;
pub mod claims;
pub mod coverage;
pub mod documents;
mod error;
pub mod events;
pub mod first_scan;
pub mod handover_changes;
pub mod handovers;
pub mod keys;
pub mod orders;
pub mod parcels;
pub mod partners;
pub mod performance;
pub mod plans;
pub mod plots;
pub mod retention;
pub mod route_cache;
pub mod sandbox;
pub mod scans;
pub mod sellers;
pub mod tracking;
pub mod web_sessions;
pub mod webhooks;

pub use error::{ServiceError, ServiceResult};

use crate::config::Settings;
use crate::domain::{Clock, Principal, Role};
use crate::store::Store;

/// What a use case reaches: the store, the rules in force and the clock.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub settings: &'a Settings,
    pub clock: &'a Clock,
}

impl<'a> Ctx<'a> {
    pub fn new(store: &'a Store, settings: &'a Settings, clock: &'a Clock) -> Self {
        Self {
            store,
            settings,
            clock,
        }
    }
}

/// Refuses (`forbidden`) a caller whose role is not one of `roles`; `what` completes
/// "this token's role may not ...".
pub fn require<'p>(
    caller: &'p Principal,
    roles: &[Role],
    what: &str,
) -> ServiceResult<&'p Principal> {
    if roles.contains(&caller.role) {
        Ok(caller)
    } else {
        Err(ServiceError::Forbidden(what.to_owned()))
    }
}

/// A list filter's value in its vocabulary. An unknown value is refused (422, code
/// `invalid` on `field`) with the allowed values, never taken as "matches nothing"
/// (docs/api.md, "Paging and filters").
pub fn filter_value<T>(field: &str, raw: Option<&str>, allowed: &[&str]) -> ServiceResult<Option<T>>
where
    T: for<'a> TryFrom<&'a str>,
{
    raw.map(|r| {
        T::try_from(r).map_err(|_| {
            ServiceError::field(
                field,
                "invalid",
                format!("{r:?} is not one of: {}", allowed.join(", ")),
            )
        })
    })
    .transpose()
}

/// A list's `updated_since` (RFC 3339): only rows changed at or after that time
/// (docs/api.md, "Paging and filters"). A value that is not RFC 3339 is refused (422,
/// code `invalid_time` on `updated_since`), never ignored; so is an empty one.
pub fn updated_since(raw: Option<&str>) -> ServiceResult<Option<i64>> {
    match raw.map(str::trim) {
        None => Ok(None),
        Some(r) => crate::domain::time::parse_rfc3339(r)
            .map(Some)
            .ok_or_else(|| {
                ServiceError::field(
                    "updated_since",
                    "invalid_time",
                    "use RFC 3339, e.g. 2026-11-26T08:00:00Z",
                )
            }),
    }
}

/// One page of a list and the cursor of the next (None on the last page).
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Which page of a list: its size (see [`page_limit`]) and where it starts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageRequest {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// A list page size: 50 by default, 1 to 500 (docs/api.md, "Paging and filters").
pub fn page_limit(limit: Option<usize>) -> ServiceResult<usize> {
    match limit {
        None => Ok(50),
        Some(n) if (1..=500).contains(&n) => Ok(n),
        Some(_) => Err(ServiceError::field(
            "limit",
            "out_of_range",
            "limit is from 1 to 500",
        )),
    }
}

/// Serialises a date as `YYYY-MM-DD` (chrono's serde support is not compiled in).
pub(crate) fn date_text<S: serde::Serializer>(
    date: &chrono::NaiveDate,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(date)
}
