//! The courier's day route, computed once per set of stops (docs/rules.md, rule 14).
//!
//! Key decision: the cache is keyed on the stops themselves (each handover's id and
//! coordinates, in the order the store lists them), read from the database on every
//! request, rather than on a counter that the change transactions bump. A booking,
//! cancel or reschedule that changes a courier's day changes that list, so it can
//! never be answered from a stale route, on this server or on any other sharing the
//! database; and no booking has to take a lock on a per-city counter row. The route
//! search is deterministic, so the same stops always give the same route: caching
//! only saves its CPU (up to its 30 ms budget a call).

use crate::domain::route::order_stops;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Routes kept at most; past it the cache starts again (days change daily).
const CAPACITY: usize = 1024;

type Routes = Mutex<HashMap<[u8; 32], Arc<Vec<usize>>>>;

fn routes() -> &'static Routes {
    static ROUTES: OnceLock<Routes> = OnceLock::new();
    ROUTES.get_or_init(Routes::default)
}

/// The visiting order (indices into `stops`) of the route through `stops`, each an
/// id and its (lat, lon).
pub fn route_order(stops: &[(&str, (f64, f64))]) -> Arc<Vec<usize>> {
    let mut hasher = Sha256::new();
    for (id, (lat, lon)) in stops {
        hasher.update(id.as_bytes());
        hasher.update([0]);
        hasher.update(lat.to_bits().to_le_bytes());
        hasher.update(lon.to_bits().to_le_bytes());
    }
    let key: [u8; 32] = hasher.finalize().into();
    if let Some(order) = routes().lock().ok().and_then(|m| m.get(&key).cloned()) {
        return order;
    }
    let points: Vec<(f64, f64)> = stops.iter().map(|(_, p)| *p).collect();
    let order = Arc::new(order_stops(&points));
    if let Ok(mut map) = routes().lock() {
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(key, Arc::clone(&order));
    }
    order
}
