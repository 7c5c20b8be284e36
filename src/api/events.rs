//! The event feed over HTTP (docs/api.md, "Events"); the use case is
//! `service::events`, the schema of each event is in `event_schema`.

use super::error::ApiError;
use super::event_schema::Event;
use super::extract::{ApiQuery, Auth};
use crate::app::AppState;
use crate::domain::events::EVENT_SCHEMA_VERSION;
use crate::domain::time::format_ms;
use crate::service::events::{self, EventQuery};
use crate::store::EventRecord;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_events))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// A previous page's `next_cursor` (default: from the first event).
    pub after: Option<String>,
    /// Comma-separated event types (default: all).
    pub types: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    pub items: Vec<Event>,
    /// Read on with `after=next_cursor`; the same cursor when nothing new came.
    pub next_cursor: String,
}

/// The feed form of a stored event (the webhook body carries the same `data`).
pub fn event_view(e: EventRecord) -> Event {
    Event {
        id: e.event_id,
        event_type: e.event_type,
        created_at: format_ms(e.created_at_ms),
        version: EVENT_SCHEMA_VERSION,
        data: serde_json::from_str(&e.data).unwrap_or_default(),
    }
}

/// The seller's events after a cursor, in the order they happened.
#[utoipa::path(get, path = "/v1/sellers/{seller_id}/events", tag = "events", params(FeedQuery),
    responses((status = 200, body = EventList), (status = 404, body = super::error::Problem),
              (status = 422, body = super::error::Problem)))]
pub async fn list_events(
    State(state): State<AppState>,
    auth: Auth,
    Path(seller_id): Path<String>,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> Result<Json<EventList>, ApiError> {
    let query = EventQuery {
        after: q.after,
        types: q.types,
        limit: q.limit,
    };
    let page = events::list_events(state.ctx(), &auth.0, &seller_id, &query).await?;
    Ok(Json(EventList {
        items: page.items.into_iter().map(event_view).collect(),
        next_cursor: page.next_cursor,
    }))
}
