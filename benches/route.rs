//! The courier's route (`firstmile::domain::route::order_stops`) at 10, 50, 100, 200
//! and 500 stops scattered over Shenzhen, and how long the routes are.
//!
//! Before the timings, one line per size compares the route's length with, where it
//! can be computed, the exact optimum (Held-Karp, up to 13 stops), else with the best
//! of a long search (100 perturbation rounds per stop and 20 restarts' worth of time)
//! and with the minimum spanning tree, a lower bound on any path through the stops.
//!
//! `cargo bench --bench route -- --warm-up-time 1 --measurement-time 3`

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use firstmile::domain::route::{distance_m, held_karp, order_stops, path_length};
use firstmile::domain::route_search::search_rounds;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Duration;

const SIZES: [usize; 5] = [10, 50, 100, 200, 500];

/// Stops over Shenzhen: a third in a few dense districts, the rest spread out.
fn stops(n: usize, seed: u64) -> Vec<(f64, f64)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let districts = [(22.54, 114.05), (22.55, 113.93), (22.72, 114.25)];
    (0..n)
        .map(|i| {
            if i % 3 == 0 {
                let (lat, lon) = districts[i % districts.len()];
                (
                    lat + rng.gen_range(-0.02..0.02),
                    lon + rng.gen_range(-0.02..0.02),
                )
            } else {
                (rng.gen_range(22.45..22.80), rng.gen_range(113.80..114.40))
            }
        })
        .collect()
}

/// Length of a minimum spanning tree (Prim, O(n^2)): no path through all stops is
/// shorter.
fn spanning_tree_m(points: &[(f64, f64)]) -> f64 {
    let n = points.len();
    let mut best = vec![f64::INFINITY; n];
    let mut done = vec![false; n];
    best[0] = 0.0;
    let mut total = 0.0;
    for _ in 0..n {
        let Some(v) = (0..n)
            .filter(|&v| !done[v])
            .min_by(|&a, &b| best[a].total_cmp(&best[b]))
        else {
            break;
        };
        done[v] = true;
        total += best[v];
        for w in 0..n {
            if !done[w] {
                best[w] = best[w].min(distance_m(points[v], points[w]));
            }
        }
    }
    total
}

fn report_quality() {
    for n in [10, 13, 50, 100, 200, 500] {
        let mut route = 0.0;
        let mut reference = 0.0;
        let mut mst = 0.0;
        let seeds = 0..5u64;
        for seed in seeds.clone() {
            let points = stops(n, seed);
            route += path_length(&points, &order_stops(&points));
            reference += if n <= 13 {
                path_length(&points, &held_karp(&points))
            } else {
                let long = search_rounds(&points, 100 * n, Duration::from_secs(20));
                path_length(&points, &long)
            };
            mst += spanning_tree_m(&points);
        }
        let k = seeds.end as f64;
        let what = if n <= 13 { "optimum" } else { "long search" };
        eprintln!(
            "route quality, {n} stops (mean of {k} sets): route {:.1} km, {what} {:.1} km (+{:.2}%), spanning tree {:.1} km (route/tree {:.3})",
            route / k / 1000.0,
            reference / k / 1000.0,
            (route / reference - 1.0) * 100.0,
            mst / k / 1000.0,
            route / mst,
        );
    }
}

fn route(c: &mut Criterion) {
    report_quality();
    let mut group = c.benchmark_group("courier_route");
    for n in SIZES {
        let points = stops(n, 42);
        group.bench_with_input(BenchmarkId::from_parameter(n), &points, |b, p| {
            b.iter(|| order_stops(p));
        });
    }
    group.finish();
}

criterion_group!(benches, route);
criterion_main!(benches);
