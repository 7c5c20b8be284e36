//! firstmile's integration tests: one binary, a real server on a real database per
//! test, talked to over HTTP. Each module pins down the rules of docs/rules.md and the
//! conventions of docs/api.md it names, on SQLite and on PostgreSQL.

mod helpers;

mod batches;
mod binary;
mod browser;
mod browser_more;
mod changes;
mod contract;
mod contract_limits;
mod coverage;
mod docs_page;
mod documents;
mod errors;
mod events;
mod keys;
mod lifecycle;
mod lists;
mod ops;
mod orders;
mod parcel_list;
mod partners;
mod performance;
mod plans;
mod receiver;
mod retention;
mod robust;
mod sandbox;
mod schema_check;
mod usecases;
mod web;
