//! firstmile: first-mile pickup and consolidation for cross-border sellers.
//!
//! Sellers (through their ERP, an ISV tool acting for them, or web pages) register
//! parcels, get a consolidation plan that packs them into master bags, and book a
//! handover of those bags for door pickup. Couriers post pickup scans, sorting centers
//! post intake scans, and at intake every registered parcel's first scan is backdated
//! to its bag's pickup.
//!
//! Layers point one way: [`api`] (axum) -> [`service`] (use cases) -> [`store`] (sqlx,
//! SQLite or PostgreSQL), [`planner`] and [`regions`] -> [`domain`] (pure types and
//! rules); [`documents`] renders labels and handover lists from plain structs.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod documents;
pub mod domain;
pub mod metrics;
pub mod planner;
pub mod regions;
pub mod service;
pub mod store;
pub mod telemetry;
