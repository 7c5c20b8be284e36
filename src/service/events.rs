//! `list_events`: a seller's event feed, for an ERP that polls (docs/api.md,
//! "Events"). The cursor is the last event's number; a feed read with it returns
//! what came after, in the order the changes committed.

use super::sellers::seller_scope;
use super::{Ctx, ServiceError, ServiceResult, page_limit};
use crate::domain::{EventType, Principal};
use crate::store::EventRecord;

/// A page of events and the cursor to read on from (the same cursor when nothing
/// new has come: poll again with it).
#[derive(Clone, Debug)]
pub struct EventPage {
    pub items: Vec<EventRecord>,
    pub next_cursor: String,
}

/// What a feed read asks for.
#[derive(Clone, Debug, Default)]
pub struct EventQuery {
    pub after: Option<String>,
    /// Comma-separated event types.
    pub types: Option<String>,
    pub limit: Option<usize>,
}

pub async fn list_events(
    ctx: Ctx<'_>,
    caller: &Principal,
    seller_id: &str,
    query: &EventQuery,
) -> ServiceResult<EventPage> {
    seller_scope(ctx, caller, seller_id).await?;
    let after = match query.after.as_deref() {
        None | Some("") => 0,
        Some(raw) => raw.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ServiceError::field(
                "after",
                "invalid_cursor",
                "after is a next_cursor from this feed",
            )
        })?,
    };
    let types = parse_types(query.types.as_deref())?;
    let limit = page_limit(query.limit)?;
    let items = ctx
        .store
        .list_events(seller_id, after, &types, limit)
        .await?;
    let next_cursor = items.last().map_or(after, |e| e.seq).to_string();
    Ok(EventPage { items, next_cursor })
}

/// A comma-separated list of event types; empty means every type.
pub fn parse_types(raw: Option<&str>) -> ServiceResult<Vec<EventType>> {
    raw.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|t| {
            EventType::try_from(t).map_err(|_| {
                let names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
                ServiceError::field(
                    "types",
                    "invalid_event_type",
                    format!("{t} is not an event type; one of {}", names.join(", ")),
                )
            })
        })
        .collect()
}
