//! Quality and speed report for the consolidation planner: a Markdown table per family
//! and size (bags, proven lower bound, ratio, the FFD baseline, orders split, time),
//! with every planned bag re-checked by `validate_bag`. Also writes a generated
//! instance as CSV, for timing the `firstmile plan` CLI.
//!
//! ```text
//! cargo run --release --example plan_report                      # full table
//! cargo run --release --example plan_report -- --sizes 1000,10000 --families heavy,dense
//! cargo run --release --example plan_report -- --csv mixed 100000 [SZX,YIW] [seed] > x.csv
//! ```

use firstmile::planner::generator::{Family, generate};
use firstmile::planner::{PlanConfig, PlanParcel, baseline, plan, validate_bag};
use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--csv") {
        if let Err(e) = write_csv(&args[1..]) {
            eprintln!("plan_report --csv: {e}");
            std::process::exit(2);
        }
        return;
    }
    let mut sizes = vec![1_000usize, 10_000, 100_000];
    let mut families: Vec<Family> = Family::ALL.to_vec();
    let mut seed = 42u64;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().map(String::as_str).unwrap_or("");
        match a.as_str() {
            "--sizes" => sizes = v.split(',').filter_map(|s| s.parse().ok()).collect(),
            "--families" => families = v.split(',').filter_map(Family::from_name).collect(),
            "--seed" => seed = v.parse().unwrap_or(seed),
            _ => {
                eprintln!("unknown argument {a}");
                std::process::exit(2);
            }
        }
    }
    let config = PlanConfig::default();
    println!(
        "| family | parcels | centers | bags | lower bound | bags/bound | FFD bags | FFD/bound | orders split | plan ms | FFD ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &family in &families {
        for &n in &sizes {
            for centers in [&["SZX"][..], &["SZX", "YIW"][..]] {
                let parcels = generate(family, n, centers, seed);
                let t = Instant::now();
                let p = plan(&parcels, &config);
                let plan_ms = t.elapsed().as_secs_f64() * 1e3;
                let t = Instant::now();
                let b = baseline::first_fit_decreasing(&parcels, &config);
                let ffd_ms = t.elapsed().as_secs_f64() * 1e3;
                let ok = check(&parcels, &p, &config) && check(&parcels, &b, &config);
                let lb = p.lower_bound.max(1) as f64;
                println!(
                    "| {} | {} | {} | {} | {} | {:.3} | {} | {:.3} | {} | {:.1} | {:.1} |{}",
                    family.name(),
                    n,
                    centers.len(),
                    p.bags.len(),
                    p.lower_bound,
                    p.bags.len() as f64 / lb,
                    b.bags.len(),
                    b.bags.len() as f64 / lb,
                    p.orders_split(&parcels),
                    plan_ms,
                    ffd_ms,
                    if ok { "" } else { " INVALID" }
                );
            }
        }
    }
}

/// Every parcel exactly once, every bag valid.
fn check(parcels: &[PlanParcel], p: &firstmile::planner::Plan, config: &PlanConfig) -> bool {
    let by_tn: HashMap<&str, &PlanParcel> = parcels
        .iter()
        .map(|x| (x.tracking_number.as_str(), x))
        .collect();
    let mut seen = 0usize;
    for bag in &p.bags {
        let ps: Vec<&PlanParcel> = bag
            .parcels
            .iter()
            .filter_map(|t| by_tn.get(t.as_str()).copied())
            .collect();
        if ps.len() != bag.parcels.len() || validate_bag(&ps, bag.envelope_cm, config).is_err() {
            return false;
        }
        seen += ps.len();
    }
    seen + p.unplaceable.len() == parcels.len()
}

fn write_csv(args: &[String]) -> Result<(), String> {
    let family = args
        .first()
        .and_then(|f| Family::from_name(f))
        .ok_or("first argument: small|heavy|bulky|dense|mixed")?;
    let n: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .ok_or("second argument: number of parcels")?;
    let centers: Vec<&str> = args
        .get(2)
        .map(|s| s.split(',').collect())
        .unwrap_or_else(|| vec!["SZX"]);
    let seed: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(42);
    let parcels = generate(family, n, &centers, seed);
    let out = std::io::stdout();
    let mut w = std::io::BufWriter::new(out.lock());
    let io = |e: std::io::Error| e.to_string();
    writeln!(
        w,
        "tracking_number,order_id,weight_g,length_cm,width_cm,height_cm,sorting_center"
    )
    .map_err(io)?;
    for p in &parcels {
        writeln!(
            w,
            "{},{},{},{},{},{},{}",
            p.tracking_number,
            p.order_id.as_deref().unwrap_or(""),
            p.weight_g,
            p.length_cm,
            p.width_cm,
            p.height_cm,
            p.sorting_center
        )
        .map_err(io)?;
    }
    w.flush().map_err(io)
}
