//! A courier's pickup route: the order in which to visit the day's pickup addresses,
//! as a short open path (it may start and end anywhere) over great-circle distances.
//!
//! Up to [`EXACT_LIMIT`] stops the path is optimal (Held-Karp dynamic programming,
//! O(2^n n^2), under a millisecond at that size). Beyond, [`route_search`](super::route_search)
//! builds a path from greedy edges over each stop's nearest neighbours and improves it
//! with 2-opt and Or-opt moves limited to those neighbours, then with a fixed number of
//! perturbation rounds: O(n log n) per round, a few milliseconds at 500 stops. The
//! search is deterministic (a fixed seed, a fixed number of rounds) so every server
//! computes the same route for the same stops; a wall-clock budget
//! ([`SEARCH_BUDGET`]) only guards against an overloaded machine.

use super::route_search;
use geo::{Distance, Haversine, Point};
use std::time::Duration;

/// Stops up to which the route is exactly optimal.
pub const EXACT_LIMIT: usize = 12;

/// At most this long is spent improving a route beyond [`EXACT_LIMIT`] stops.
pub const SEARCH_BUDGET: Duration = Duration::from_millis(30);

/// Great-circle distance in metres between two (lat, lon) points.
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    Haversine.distance(Point::new(a.1, a.0), Point::new(b.1, b.0))
}

/// Length of an open path visiting `points` in `order`.
pub fn path_length(points: &[(f64, f64)], order: &[usize]) -> f64 {
    order
        .windows(2)
        .map(|w| distance_m(points[w[0]], points[w[1]]))
        .sum()
}

/// The visiting order (indices into `points`) of a short open path through them all.
pub fn order_stops(points: &[(f64, f64)]) -> Vec<usize> {
    order_stops_within(points, SEARCH_BUDGET)
}

/// [`order_stops`] with an explicit improvement budget (benchmarks compare budgets).
pub fn order_stops_within(points: &[(f64, f64)], budget: Duration) -> Vec<usize> {
    let n = points.len();
    if n <= 2 {
        return (0..n).collect();
    }
    if n <= EXACT_LIMIT {
        return held_karp(points);
    }
    route_search::search(points, budget)
}

/// Exact shortest open path by dynamic programming over subsets: O(2^n n^2). Callers
/// keep `n` small (at most about 16: the tables hold 2^n n entries).
pub fn held_karp(points: &[(f64, f64)]) -> Vec<usize> {
    let n = points.len();
    if n <= 1 {
        return (0..n).collect();
    }
    let dist: Vec<f64> = (0..n * n)
        .map(|k| distance_m(points[k / n], points[k % n]))
        .collect();
    let full = 1usize << n;
    let mut cost = vec![f64::INFINITY; full * n];
    let mut parent = vec![usize::MAX; full * n];
    for i in 0..n {
        cost[(1 << i) * n + i] = 0.0;
    }
    for set in 1..full {
        for last in 0..n {
            let here = cost[set * n + last];
            if set & (1 << last) == 0 || !here.is_finite() {
                continue;
            }
            for next in 0..n {
                if set & (1 << next) != 0 {
                    continue;
                }
                let to = set | (1 << next);
                let c = here + dist[last * n + next];
                if c < cost[to * n + next] {
                    cost[to * n + next] = c;
                    parent[to * n + next] = last;
                }
            }
        }
    }
    let all = full - 1;
    let mut last = (0..n)
        .min_by(|&a, &b| cost[all * n + a].total_cmp(&cost[all * n + b]))
        .unwrap_or(0);
    let mut set = all;
    let mut order = Vec::with_capacity(n);
    while last != usize::MAX {
        order.push(last);
        let prev = parent[set * n + last];
        set &= !(1 << last);
        last = prev;
    }
    order.reverse();
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permutations(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for p in permutations(n - 1) {
            for k in 0..=p.len() {
                let mut q = p.clone();
                q.insert(k, n - 1);
                out.push(q);
            }
        }
        out
    }

    /// Stops scattered over Shenzhen by a small deterministic generator.
    pub(crate) fn scattered(n: usize, seed: u64) -> Vec<(f64, f64)> {
        let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut next = move || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            f64::from(u32::try_from(s >> 40).unwrap_or(0)) / f64::from(1u32 << 24)
        };
        (0..n)
            .map(|_| (22.45 + 0.3 * next(), 113.8 + 0.5 * next()))
            .collect()
    }

    #[test]
    fn the_route_is_optimal_on_small_sets() {
        for seed in 0..5 {
            let points = scattered(7, seed);
            let best = permutations(points.len())
                .iter()
                .map(|p| path_length(&points, p))
                .fold(f64::INFINITY, f64::min);
            let order = order_stops(&points);
            assert!((path_length(&points, &order) - best).abs() < 1e-6);
        }
    }

    #[test]
    fn large_routes_visit_every_stop_once() {
        for n in [13, 25, 100, 600] {
            let points = scattered(n, 7);
            let mut order = order_stops(&points);
            order.sort_unstable();
            assert_eq!(order, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn the_search_is_close_to_the_optimum_where_it_is_known() {
        // 13 stops: beyond the exact limit, still within Held-Karp's reach.
        for seed in 0..10 {
            let points = scattered(13, seed);
            let best = path_length(&points, &held_karp(&points));
            let found = path_length(&points, &route_search::search(&points, SEARCH_BUDGET));
            assert!(found <= best * 1.02 + 1e-6, "{found} vs {best}");
        }
    }

    #[test]
    fn five_hundred_stops_route_well_within_the_budget() {
        let points = scattered(500, 3);
        let started = std::time::Instant::now();
        let order = order_stops(&points);
        // Debug builds are several times slower than release; the release figure is in
        // BENCHMARKS.md. This guards against a return to super-quadratic search.
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(order.len(), 500);
    }

    #[test]
    fn the_same_stops_give_the_same_route() {
        // With time to spare the search runs its fixed number of rounds, so every
        // server answers the same route (only an overloaded machine cuts it short).
        let points = scattered(200, 11);
        let ample = Duration::from_secs(20);
        assert_eq!(
            order_stops_within(&points, ample),
            order_stops_within(&points, ample)
        );
    }

    #[test]
    fn coincident_and_collinear_stops_are_routed() {
        let mut points = vec![(22.5, 114.0); 20];
        points.extend((0..20).map(|i| (22.5, 114.0 + f64::from(i) * 0.01)));
        let mut order = order_stops(&points);
        let length = path_length(&points, &order);
        assert!((length - distance_m((22.5, 114.0), (22.5, 114.19))).abs() < 1.0);
        order.sort_unstable();
        assert_eq!(order, (0..40).collect::<Vec<_>>());
    }
}
