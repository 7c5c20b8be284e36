//! A courier's pickup route: the order in which to visit the day's pickup addresses,
//! as a short open path over great-circle distances. Up to [`EXACT_LIMIT`] stops the
//! path is optimal (Held-Karp dynamic programming); beyond, nearest neighbour from
//! every start, improved by 2-opt, which is close to optimal at a courier's scale.

use geo::{Distance, Haversine, Point};

/// Stops up to which the route is exactly optimal.
pub const EXACT_LIMIT: usize = 10;

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
    let n = points.len();
    if n <= 2 {
        return (0..n).collect();
    }
    if n <= EXACT_LIMIT {
        return held_karp(points);
    }
    (0..n)
        .map(|start| two_opt(points, nearest_neighbour(points, start)))
        .min_by(|a, b| path_length(points, a).total_cmp(&path_length(points, b)))
        .unwrap_or_else(|| (0..n).collect())
}

/// Exact shortest open path by dynamic programming over subsets: O(2^n n^2).
fn held_karp(points: &[(f64, f64)]) -> Vec<usize> {
    let n = points.len();
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
                let c = here + distance_m(points[last], points[next]);
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

fn nearest_neighbour(points: &[(f64, f64)], start: usize) -> Vec<usize> {
    let mut left: Vec<usize> = (0..points.len()).filter(|&i| i != start).collect();
    let mut order = vec![start];
    while !left.is_empty() {
        let here = points[order[order.len() - 1]];
        let (k, _) = left
            .iter()
            .enumerate()
            .min_by(|a, b| {
                distance_m(here, points[*a.1]).total_cmp(&distance_m(here, points[*b.1]))
            })
            .unwrap_or((0, &0));
        order.push(left.swap_remove(k));
    }
    order
}

/// Reverses segments while that shortens the open path.
fn two_opt(points: &[(f64, f64)], mut order: Vec<usize>) -> Vec<usize> {
    let n = order.len();
    let mut improved = true;
    while improved {
        improved = false;
        for i in 0..n - 1 {
            for j in i + 1..n {
                let before = path_length(points, &order);
                order[i..=j].reverse();
                if path_length(points, &order) + 1e-6 < before {
                    improved = true;
                } else {
                    order[i..=j].reverse();
                }
            }
        }
    }
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

    #[test]
    fn the_route_is_optimal_on_small_sets() {
        let points = [
            (22.54, 114.05),
            (22.60, 113.90),
            (22.70, 114.20),
            (22.52, 113.93),
            (22.65, 114.02),
            (22.58, 114.25),
        ];
        let best = permutations(points.len())
            .iter()
            .map(|p| path_length(&points, p))
            .fold(f64::INFINITY, f64::min);
        let order = order_stops(&points);
        assert!((path_length(&points, &order) - best).abs() < 1e-6);
    }

    #[test]
    fn large_routes_visit_every_stop_once() {
        let points: Vec<(f64, f64)> = (0..25)
            .map(|i| {
                (
                    22.0 + f64::from(i % 5) * 0.1,
                    113.0 + f64::from(i / 5) * 0.1,
                )
            })
            .collect();
        let mut order = order_stops(&points);
        order.sort_unstable();
        assert_eq!(order, (0..25).collect::<Vec<_>>());
    }
}
