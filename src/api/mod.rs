//! The HTTP API, v1 (conventions in docs/api.md). One file per resource, each exporting `router()`; the
//! routes are collected with `utoipa-axum`, so the OpenAPI 3.1 document served at
//! `/openapi.json` is generated from the same code that serves the requests.

pub mod codes;
pub mod contract;
pub mod coverage;
pub mod coverage_edits;
pub mod documents;
pub mod dto;
pub mod error;
pub mod event_schema;
pub mod events;
pub mod extract;
pub mod handovers;
pub mod health;
pub mod idempotency;
pub mod keys;
pub mod limits;
pub mod observe;
pub mod ops;
pub mod orders;
pub mod parcels;
pub mod partners;
pub mod performance;
pub mod plans;
pub mod sandbox;
pub mod scans;
pub mod sellers;
pub mod strict_json;
pub mod tracking;
pub mod transit;
pub mod vocab;
pub mod webhooks;

use crate::app::AppState;
use axum::Router;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "firstmile",
        description = "First-mile pickup and consolidation for cross-border sellers in mainland China. \
            JSON in and out; times RFC 3339 in UTC; dates YYYY-MM-DD (China days); weights in integer grams; \
            sizes in centimetres; coordinates GCJ-02 (the system of Chinese map apps). Errors are \
            application/problem+json with a stable `code`."
    ),
    modifiers(&BearerAuth, &Vocabularies),
    components(schemas(
        event_schema::EventHandoverBooked, event_schema::EventHandoverCancelled,
        event_schema::EventHandoverRescheduled, event_schema::EventBagPickedUp,
        event_schema::EventBagPickupFailed, event_schema::EventBagReceived,
        event_schema::EventBagOverdue, event_schema::EventParcelFirstScan,
        event_schema::EventParcelMissing, event_schema::EventParcelVoided,
        event_schema::EventClaimOpened,
        event_schema::EventClaimDecided, event_schema::EventWebhookDisabled
    )),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// Puts every vocabulary of [`vocab`] in the components, also those only query
/// parameters name.
struct Vocabularies;

impl Modify for Vocabularies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.schemas.extend(vocab::schemas());
            components.schemas.insert(
                "BagFilter".into(),
                <vocab::BagFilterName as utoipa::PartialSchema>::schema(),
            );
        }
    }
}

/// All routes, with `/openapi.json`.
pub fn router(state: AppState) -> Router {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(sellers::router())
        .merge(parcels::router())
        .merge(orders::router())
        .merge(performance::router())
        .merge(plans::router())
        .merge(handovers::router())
        .merge(documents::router())
        .merge(scans::router())
        .merge(sandbox::router())
        .merge(events::router())
        .merge(webhooks::router())
        .merge(tracking::router())
        .merge(coverage::router())
        .merge(coverage_edits::router())
        .merge(partners::router())
        .merge(keys::router())
        .merge(transit::router())
        .merge(ops::router())
        .split_for_parts();
    // Serialised once; every request gets the same bytes.
    let mut value = serde_json::to_value(&openapi).unwrap_or_default();
    contract::finish(&mut value);
    let declared = std::sync::Arc::new(contract::DeclaredQueries::from_document(&value));
    let document = axum::body::Bytes::from(serde_json::to_vec_pretty(&value).unwrap_or_default());
    router
        .route_layer(axum::middleware::from_fn_with_state(
            declared,
            contract::refuse_undeclared_query,
        ))
        .merge(crate::web::router(&state))
        .merge(ops::pages())
        .route(
            "/openapi.json",
            get(move || async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    document.clone(),
                )
            }),
        )
        .with_state(state)
}
