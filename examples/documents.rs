//! Renders the documents of a made-up handover to files, and times them: the bag
//! labels (PDF and ZPL) and the handover list. Used for the sample label in `docs/`
//! and for the handover-list figures in BENCHMARKS.md:
//!
//! ```sh
//! cargo build --release --example documents
//! /usr/bin/time -v target/release/examples/documents --bags 200 --parcels 300 --out /tmp/docs
//! ```

use firstmile::documents::sample::sample_document;
use firstmile::documents::{render_handover_list, render_labels_pdf, render_labels_zpl};
use std::path::PathBuf;
use std::time::Instant;

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_owned())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let bags: usize = arg(&args, "--bags", "3").parse()?;
    let parcels: usize = arg(&args, "--parcels", "40").parse()?;
    let out = PathBuf::from(arg(&args, "--out", "."));
    let list_only = args.iter().any(|a| a == "--list-only");
    std::fs::create_dir_all(&out)?;
    let doc = sample_document(bags, parcels);

    let started = Instant::now();
    let list = render_handover_list(&doc)?;
    let list_ms = started.elapsed().as_secs_f64() * 1000.0;
    std::fs::write(out.join("handover-list.pdf"), &list)?;
    println!(
        "handover list: {bags} bags x {parcels} parcels, {} bytes, {list_ms:.0} ms",
        list.len()
    );
    if !list_only {
        let started = Instant::now();
        let labels = render_labels_pdf(&doc, None)?;
        let labels_ms = started.elapsed().as_secs_f64() * 1000.0;
        std::fs::write(out.join("labels.pdf"), &labels)?;
        std::fs::write(out.join("labels.zpl"), render_labels_zpl(&doc, None))?;
        println!(
            "labels: {bags} pages, {} bytes, {labels_ms:.0} ms",
            labels.len()
        );
    }
    Ok(())
}
