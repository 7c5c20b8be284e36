//! Use cases: what the service does, between the HTTP layer (`api`) and the store.

pub mod documents;
