//! Criterion benchmarks of the consolidation planner, the FFD baseline and the
//! target-count construction alone (`deal`), per generated family and size (1,000 /
//! 10,000 / 100,000 parcels, and 20,000 for the count-bound `light` family), with one
//! and with two sorting centers. Instances are generated once, outside the timed loop.
//!
//! `cargo bench --bench planner -- 'plan/mixed'` runs a subset; the 100,000-parcel
//! cases use a small sample count to keep a full run within minutes on two cores.

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use firstmile::planner::generator::{Family, generate};
use firstmile::planner::{PlanConfig, baseline, deal, plan};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let config = PlanConfig::default();
    for (name, centers) in [("1sc", &["SZX"][..]), ("2sc", &["SZX", "YIW"][..])] {
        for family in Family::ALL {
            let mut g = c.benchmark_group(format!("{}/{}", family.name(), name));
            g.sampling_mode(SamplingMode::Flat);
            let sizes: &[usize] = if family == Family::LightDay {
                &[1_000, 10_000, 20_000, 100_000]
            } else {
                &[1_000, 10_000, 100_000]
            };
            for &n in sizes {
                let parcels = generate(family, n, centers, 42);
                if n >= 100_000 {
                    g.sample_size(10).measurement_time(Duration::from_secs(8));
                } else {
                    g.sample_size(20).measurement_time(Duration::from_secs(3));
                }
                g.bench_with_input(BenchmarkId::new("plan", n), &parcels, |b, ps| {
                    b.iter(|| black_box(plan(ps, &config)))
                });
                g.bench_with_input(BenchmarkId::new("ffd", n), &parcels, |b, ps| {
                    b.iter(|| black_box(baseline::first_fit_decreasing(ps, &config)))
                });
                g.bench_with_input(BenchmarkId::new("deal", n), &parcels, |b, ps| {
                    b.iter(|| black_box(deal::target_count(ps, &config)))
                });
            }
            g.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
