//! Read the documents back as a loading dock would: `pdftoppm` (poppler-utils)
//! rasterises the PDF, `zbarimg` (zbar-tools) decodes its barcodes, `pdftotext`
//! extracts its text. Without the tools the tests are skipped, except under CI
//! (`CI` set), where they fail: `.ci/run` installs the tools.

use super::sample::sample_document;
use super::{render_handover_list, render_labels_pdf};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether `tool` runs; panics under CI when it does not.
fn have(tool: &str) -> bool {
    let runs = Command::new(tool)
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty() || !o.stdout.is_empty());
    if !runs {
        if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
            panic!("{tool} is required under CI (apt-get install poppler-utils zbar-tools)");
        }
        eprintln!("skipped: {tool} is not installed");
    }
    runs
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("firstmile-docs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Renders page `page` of `pdf` at `dpi` and returns the PNG's path.
fn rasterise_at(pdf: &Path, page: usize, dpi: u32) -> PathBuf {
    let prefix = pdf.with_file_name(format!("page-{page}-{dpi}"));
    let status = Command::new("pdftoppm")
        .args([
            "-r",
            "200",
            "-png",
            "-singlefile",
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
        ])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    prefix.with_extension("png")
}

fn rasterise(pdf: &Path, page: usize) -> PathBuf {
    rasterise_at(pdf, page, 200)
}

/// Every symbol zbarimg finds in `png`, as `TYPE:data` lines.
fn decode(png: &Path) -> Vec<String> {
    let out = Command::new("zbarimg").arg("-q").arg(png).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn both_barcodes_of_every_pdf_label_read_back_the_bag_id() {
    if !(have("pdftoppm") && have("zbarimg")) {
        return;
    }
    let dir = scratch("labels");
    let doc = sample_document(3, 40);
    let pdf = dir.join("labels.pdf");
    std::fs::write(&pdf, render_labels_pdf(&doc, None).unwrap()).unwrap();
    for (i, bag) in doc.bags.iter().enumerate() {
        let symbols = decode(&rasterise(&pdf, i + 1));
        assert!(
            symbols.contains(&format!("CODE-128:{}", bag.bag_id)),
            "{symbols:?}"
        );
        assert!(
            symbols.contains(&format!("QR-Code:{}", bag.bag_id)),
            "{symbols:?}"
        );
        assert_eq!(symbols.len(), 2, "{symbols:?}");
    }
    // A coarse capture (100 dpi, 1.65 pixels a bar module), as a handheld imager
    // gets from arm's length, still reads the Code 128.
    let coarse = decode(&rasterise_at(&pdf, 1, 100));
    assert!(
        coarse.contains(&format!("CODE-128:{}", doc.bags[0].bag_id)),
        "{coarse:?}"
    );
    let text = pdf_text(&pdf);
    assert!(text.contains("深圳分拨中心"));
    assert!(text.contains("SZX"));
    assert_eq!(text.matches('\u{c}').count(), 3, "one page a label");
}

#[test]
fn the_handover_list_barcode_reads_back_the_handover_id() {
    if !(have("pdftoppm") && have("zbarimg")) {
        return;
    }
    let dir = scratch("list-barcode");
    let doc = sample_document(2, 10);
    let pdf = dir.join("list.pdf");
    std::fs::write(&pdf, render_handover_list(&doc).unwrap()).unwrap();
    let symbols = decode(&rasterise(&pdf, 1));
    assert_eq!(symbols, vec![format!("CODE-128:{}", doc.handover_id)]);
}

#[test]
fn the_handover_list_text_has_every_bag_every_tracking_number_and_page_numbers() {
    if !have("pdftotext") {
        return;
    }
    let dir = scratch("list-text");
    let doc = sample_document(12, 300);
    let pdf = dir.join("list.pdf");
    std::fs::write(&pdf, render_handover_list(&doc).unwrap()).unwrap();
    let text = pdf_text(&pdf);
    let words: HashSet<&str> = text.split_whitespace().collect();
    for bag in &doc.bags {
        assert!(
            words.contains(bag.bag_id.as_str()),
            "{} missing",
            bag.bag_id
        );
        for t in &bag.parcels {
            assert!(words.contains(t.as_str()), "{t} missing");
        }
    }
    assert!(text.contains("深圳分拨中心"));
    assert!(text.contains("交接清单"));
    assert!(text.contains(&doc.seller.name));
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() > 5);
    for (i, page) in pages.iter().enumerate() {
        let footer = format!("Page {} of {}", i + 1, pages.len());
        assert!(page.contains(&footer), "page {} lacks {footer:?}", i + 1);
    }
    assert!(pages[pages.len() - 1].contains("签名"));
}

#[test]
fn a_character_the_font_lacks_prints_as_the_fallback_glyph_and_never_fails() {
    if !have("pdftotext") {
        return;
    }
    let dir = scratch("fallback");
    let mut doc = sample_document(1, 3);
    // U+20BB7 (outside the subset) and a control character.
    doc.seller.name = "\u{20BB7}野家\u{7}商行".into();
    let list = dir.join("list.pdf");
    std::fs::write(&list, render_handover_list(&doc).unwrap()).unwrap();
    assert!(pdf_text(&list).contains("□野家 商行"));
    let label = dir.join("label.pdf");
    std::fs::write(&label, render_labels_pdf(&doc, None).unwrap()).unwrap();
    assert!(pdf_text(&label).contains("□野家 商行"));
}
