//! Quality and speed report for the consolidation planner: a Markdown table per family
//! and size (bags, proven lower bound, ratio, whether proven optimal, the FFD baseline
//! and the target-count construction alone, orders split, time), with every planned bag
//! re-checked by `validate_bag`. Also writes a generated instance as CSV, for timing the
//! `firstmile plan` CLI, and checks a plan JSON (from any build of the CLI) against its
//! CSV: bags, this build's lower bound, orders split, validity.
//!
//! ```text
//! cargo run --release --example plan_report                      # full table
//! cargo run --release --example plan_report -- --sizes 1000,10000 --families heavy,dense
//! cargo run --release --example plan_report -- --csv mixed 100000 [SZX,YIW] [seed] > x.csv
//! cargo run --release --example plan_report -- --check x.csv plan.json
//! ```

use firstmile::planner::generator::{Family, generate};
use firstmile::planner::{
    PlanConfig, PlanParcel, baseline, csv_input, deal, lower_bound, plan, validate_bag,
};
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
    if args.first().map(String::as_str) == Some("--check") {
        match check_json(&args[1..]) {
            Ok(line) => println!("{line}"),
            Err(e) => {
                eprintln!("plan_report --check: {e}");
                std::process::exit(2);
            }
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
        "| family | parcels | centers | bags | lower bound | bags/bound | optimal | FFD bags | deal bags | orders split | plan ms | FFD ms | deal ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|");
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
                let t = Instant::now();
                let d = deal::target_count(&parcels, &config);
                let deal_ms = t.elapsed().as_secs_f64() * 1e3;
                let ok = check(&parcels, &p, &config)
                    && check(&parcels, &b, &config)
                    && check(&parcels, &d, &config);
                let lb = p.lower_bound.max(1) as f64;
                println!(
                    "| {} | {} | {} | {} | {} | {:.3} | {} | {} | {} | {} | {:.1} | {:.1} | {:.1} |{}",
                    family.name(),
                    n,
                    centers.len(),
                    p.bags.len(),
                    p.lower_bound,
                    p.bags.len() as f64 / lb,
                    if p.optimal { "yes" } else { "" },
                    b.bags.len(),
                    d.bags.len(),
                    p.orders_split,
                    plan_ms,
                    ffd_ms,
                    deal_ms,
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

/// `--check CSV JSON`: "bags B bound L orders_split S valid|INVALID" for a plan JSON
/// of the CSV's parcels, with this build's lower bound.
fn check_json(args: &[String]) -> Result<String, String> {
    let (Some(csv), Some(json)) = (args.first(), args.get(1)) else {
        return Err("arguments: FILE.csv PLAN.json".into());
    };
    let codes = firstmile::regions::embedded_sorting_center_codes();
    let centers: Vec<&str> = codes.iter().map(String::as_str).collect();
    let raw = std::fs::read(csv).map_err(|e| e.to_string())?;
    let parcels = csv_input::read_parcels(raw.as_slice(), &centers).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(json).map_err(|e| e.to_string())?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let by_tn: HashMap<&str, &PlanParcel> = parcels
        .iter()
        .map(|x| (x.tracking_number.as_str(), x))
        .collect();
    let config = PlanConfig::default();
    let bags = v["bags"].as_array().ok_or("no bags")?;
    let mut seen = 0usize;
    let mut ok = true;
    let mut bag_of: HashMap<&str, usize> = HashMap::new();
    let mut split: HashMap<&str, bool> = HashMap::new();
    for (b, bag) in bags.iter().enumerate() {
        let names: Vec<&str> = bag["parcels"]
            .as_array()
            .map(|a| a.iter().filter_map(|t| t.as_str()).collect())
            .unwrap_or_default();
        let ps: Vec<&PlanParcel> = names.iter().filter_map(|t| by_tn.get(t).copied()).collect();
        let env: Vec<f64> = bag["envelope_cm"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
            .unwrap_or_default();
        ok &= ps.len() == names.len()
            && env.len() == 3
            && validate_bag(&ps, [env[0], env[1], env[2]], &config).is_ok();
        seen += ps.len();
        for p in ps {
            if let Some(o) = p.order_id.as_deref() {
                let first = *bag_of.entry(o).or_insert(b);
                *split.entry(o).or_default() |= first != b;
            }
        }
    }
    let unplaceable = v["unplaceable"].as_array().map_or(0, Vec::len);
    ok &= seen + unplaceable == parcels.len();
    Ok(format!(
        "bags {} bound {} orders_split {} {}",
        bags.len(),
        lower_bound(&parcels, &config),
        split.values().filter(|s| **s).count(),
        if ok { "valid" } else { "INVALID" }
    ))
}

fn write_csv(args: &[String]) -> Result<(), String> {
    let family = args
        .first()
        .and_then(|f| Family::from_name(f))
        .ok_or("first argument: small|light|heavy|bulky|dense|mixed")?;
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
