//! firstmile: first-mile pickup and consolidation for cross-border sellers.
//!
//! Sellers (through their ERP, an ISV tool acting for them, or web pages) register
//! parcels, get a consolidation plan that packs them into master bags, and book a
//! handover of those bags for door pickup. Couriers post pickup scans, sorting centers
//! post intake scans, and at intake every registered parcel's first scan is backdated
//! to its bag's pickup.
//!
//! Layers point one way, and nothing below a layer knows the one above it:
//! - [`api`] (axum handlers: extract, authorise, map errors) and [`web`] (the
//!   seller-center pages) call
//! - [`service`], the use cases: one function per user task, owning the order of the
//!   checks and the transactions, knowing nothing of HTTP; it uses
//! - [`store`] (all SQL, SQLite or PostgreSQL), [`planner`] (pure bin packing),
//!   [`regions`] (embedded region data) and [`documents`] (labels and handover lists
//!   rendered from plain structs), which rest on
//! - [`domain`]: pure types and rules (ids, statuses, bag limits, time, routes).
//!
//! The rules are numbered in `docs/rules.md`; the contract's conventions are in
//! `docs/api.md`.

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
pub mod web;
pub mod webhooks;
