//! Cost of one coverage check against the real embedded boundaries:
//! `Regions::embedded().service_area(city, lat, lon)` for a point inside its city, in
//! a remote part, in another city, and outside China. Target: well under 50 µs each.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use firstmile::regions::Regions;

/// (label, city code, lat, lon), GCJ-02.
const CASES: &[(&str, &str, f64, f64)] = &[
    ("inside_shenzhen", "440300", 22.5431, 114.0579),
    ("inside_chongqing", "500100", 29.5628, 106.5516),
    ("remote_hulunbuir", "150700", 52.0, 122.5),
    (
        "other_city_shenzhen_vs_guangzhou",
        "440100",
        22.5431,
        114.0579,
    ),
    ("other_city_yiwu_vs_hangzhou", "330100", 29.3068, 120.0751),
    ("outside_china_tokyo", "440300", 35.68, 139.76),
    ("outside_china_pacific", "310100", 0.0, -150.0),
];

fn service_area(c: &mut Criterion) {
    let regions = Regions::embedded(); // parse once, outside the measurement
    let mut group = c.benchmark_group("service_area");
    for &(label, city, lat, lon) in CASES {
        group.bench_function(label, |b| {
            b.iter(|| regions.service_area(black_box(city), black_box(lat), black_box(lon)))
        });
    }
    group.finish();
    c.bench_function("locate_shenzhen", |b| {
        b.iter(|| regions.locate(black_box(22.5431), black_box(114.0579)))
    });
}

fn embedded_parse(c: &mut Criterion) {
    let sources = firstmile::regions::Sources::embedded();
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.bench_function("parse_embedded", |b| {
        b.iter(|| Regions::from_sources(black_box(&sources)))
    });
    group.finish();
}

criterion_group!(benches, service_area, embedded_parse);
criterion_main!(benches);
