//! Bag labels as ZPL II for a 4 x 6 in label at 203 dpi (812 x 1218 dots), one
//! `^XA ... ^XZ` format per bag, laid out like the PDF label.
//!
//! The printer draws the barcodes itself (`^BC` Code 128, narrow bar 3 dots =
//! 0.375 mm, 200 dots = 25 mm tall; `^BQ` QR), so they are as sharp as its printhead.
//! Codes, ids, dates and numbers use the built-in font and print on any printer;
//! Chinese names use the CJK font the format maps to `^A1` (see `zpl::CJK_FONT`).

use super::zpl::{Dots, ZplFont, ZplLabel};
use super::{BagInfo, HandoverDocument, kilograms, size_cm};

/// Label width and height in dots (4 x 6 in at 203 dpi).
pub const LABEL_DOTS: (Dots, Dots) = (812, 1218);
const MARGIN: Dots = 32;
/// Narrow bar of the Code 128 symbol, dots.
const MODULE: Dots = 3;

/// Every bag's label, in bag order; `only` picks one bag by id.
pub fn render_labels_zpl(doc: &HandoverDocument, only: Option<&str>) -> String {
    doc.bags
        .iter()
        .enumerate()
        .filter(|(_, b)| only.is_none_or(|id| id == b.bag_id))
        .map(|(i, bag)| label(doc, i, bag))
        .collect()
}

/// `value` cut to `max` characters (with "..." when cut).
fn cut(value: &str, max: usize) -> String {
    if value.chars().count() <= max {
        value.to_owned()
    } else {
        let mut out: String = value.chars().take(max.saturating_sub(3)).collect();
        out.push_str("...");
        out
    }
}

fn caption(l: &mut ZplLabel, x: Dots, y: Dots, text: &str) {
    l.text(x, y, ZplFont::Cjk { height: 22 }, text);
}

fn label(doc: &HandoverDocument, index: usize, bag: &BagInfo) -> String {
    let (width, height) = LABEL_DOTS;
    let inner = width - 2 * MARGIN;
    let mut l = ZplLabel::new(width, height);
    let center = &doc.sorting_center;

    caption(&mut l, MARGIN, 24, "目的分拨中心 Destination");
    let code = cut(&center.code, 5);
    let code_width = 110;
    l.text(
        MARGIN,
        56,
        ZplFont::Scalable {
            height: 150,
            width: code_width,
        },
        &code,
    );
    let name_x = MARGIN + code_width * code.chars().count() as Dots + 24;
    let room = width - MARGIN - name_x;
    let zh_height = (room / center.name.chars().count().max(1) as Dots).clamp(24, 64);
    let zh = cut(&center.name, (room / zh_height) as usize);
    l.text(name_x, 70, ZplFont::Cjk { height: zh_height }, &zh);
    let en = cut(&center.name_en, (room / 16) as usize);
    l.text(
        name_x,
        160,
        ZplFont::Scalable {
            height: 28,
            width: 16,
        },
        &en,
    );
    l.rule(MARGIN, 228, inner, 4);

    caption(&mut l, MARGIN, 248, "寄件人 Seller");
    l.text(
        MARGIN,
        280,
        ZplFont::Cjk { height: 40 },
        &cut(&doc.seller.name, (inner / 40) as usize),
    );
    caption(&mut l, MARGIN, 340, "揽收城市 Pickup city");
    let city = format!("{} {}", doc.pickup_city.name, doc.pickup_city.name_en);
    l.text(MARGIN, 370, ZplFont::Cjk { height: 32 }, &cut(&city, 12));
    caption(&mut l, 450, 340, "揽收日期 Pickup date");
    l.text(
        450,
        370,
        ZplFont::Scalable {
            height: 34,
            width: 24,
        },
        &doc.pickup_date,
    );
    caption(&mut l, MARGIN, 420, "交接单 Handover");
    l.text(
        MARGIN,
        450,
        ZplFont::Scalable {
            height: 34,
            width: 24,
        },
        &doc.handover_id,
    );
    l.rule(MARGIN, 500, inner, 2);

    caption(&mut l, MARGIN, 516, "袋 Bag");
    let n_of_m = format!("{}/{}", index + 1, doc.bags.len());
    l.text(
        MARGIN,
        550,
        ZplFont::Scalable {
            height: 80,
            width: 36,
        },
        &n_of_m,
    );
    caption(&mut l, 320, 516, "件数 Parcels");
    l.text(
        320,
        556,
        ZplFont::Scalable {
            height: 64,
            width: 36,
        },
        &bag.parcels.len().to_string(),
    );
    caption(&mut l, 500, 516, "申报重量 Declared weight");
    let weight = format!("{} kg", kilograms(bag.weight_g));
    l.text(
        500,
        566,
        ZplFont::Scalable {
            height: 48,
            width: 24,
        },
        &weight,
    );
    l.rule(MARGIN, 660, inner, 2);

    // 11 modules a character plus start, check and stop (13) and a 10-module quiet
    // zone each side; a long id gets 2-dot bars.
    let symbol = |module: Dots| module * (11 * (bag.bag_id.len() as Dots + 2) + 13);
    let module = if symbol(MODULE) + 20 * MODULE <= inner {
        MODULE
    } else {
        2
    };
    let bar_x = (width.saturating_sub(symbol(module))) / 2;
    l.code128(bar_x, 690, module, 200, &bag.bag_id);
    l.text_centered(
        0,
        910,
        width,
        ZplFont::Scalable {
            height: 48,
            width: 30,
        },
        &bag.bag_id,
    );
    l.rule(MARGIN, 980, inner, 2);

    l.qr(width - MARGIN - 6 * 25, 1000, 6, &bag.bag_id);
    caption(&mut l, MARGIN, 1010, "申报尺寸 Declared size");
    let size = format!("{} cm", size_cm(bag.sides_cm));
    l.text(
        MARGIN,
        1040,
        ZplFont::Scalable {
            height: 34,
            width: 22,
        },
        &size,
    );
    caption(&mut l, MARGIN, 1100, "袋号 Bag id");
    l.text(
        MARGIN,
        1130,
        ZplFont::Scalable {
            height: 30,
            width: 20,
        },
        &bag.bag_id,
    );
    l.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::sample::sample_document;

    /// The numbers after a command up to the next `^`: `^FO12,34` -> [12, 34].
    fn params(field: &str, command: &str) -> Option<Vec<u32>> {
        let rest = &field[field.find(command)? + command.len()..];
        let end = rest.find('^').unwrap_or(rest.len());
        Some(
            rest[..end]
                .split(',')
                .filter_map(|p| p.trim().parse().ok())
                .collect(),
        )
    }

    fn field_data(field: &str) -> &str {
        let start = field.find("^FD").map_or(0, |i| i + 3);
        let end = field[start..]
            .find("^FS")
            .map_or(field.len(), |i| start + i);
        &field[start..end]
    }

    #[test]
    fn each_bag_gets_one_format_with_its_code128_and_qr_fields() {
        let doc = sample_document(3, 4);
        let zpl = render_labels_zpl(&doc, None);
        let formats: Vec<&str> = zpl.split_inclusive("^XZ\n").collect();
        assert_eq!(formats.len(), 3);
        for (format, bag) in formats.iter().zip(&doc.bags) {
            assert!(format.starts_with("^XA\n"), "{format}");
            assert!(format.ends_with("^XZ\n"));
            assert_eq!(format.matches("^XA").count(), 1);
            let fields: Vec<&str> = format.split("^FO").skip(1).collect();
            let code128: Vec<&&str> = fields.iter().filter(|f| f.contains("^BC")).collect();
            assert_eq!(code128.len(), 1);
            assert_eq!(field_data(code128[0]), bag.bag_id);
            let qr: Vec<&&str> = fields.iter().filter(|f| f.contains("^BQ")).collect();
            assert_eq!(qr.len(), 1);
            assert_eq!(field_data(qr[0]), format!("MA,{}", bag.bag_id));
            assert!(format.contains(&doc.handover_id));
        }
        assert!(render_labels_zpl(&doc, Some(&doc.bags[1].bag_id)).contains(&doc.bags[1].bag_id));
        assert_eq!(render_labels_zpl(&doc, Some("MBNONE")), "");
    }

    #[test]
    fn every_field_stays_inside_a_4_by_6_inch_label_at_203_dpi() {
        let (w, h) = (4 * 203, 6 * 203);
        let mut doc = sample_document(2, 300);
        doc.seller.name = "深圳市一个名字非常非常长的跨境电商贸易有限公司第二分公司".into();
        for format in render_labels_zpl(&doc, None).split_inclusive("^XZ\n") {
            for field in format.split("^FO").skip(1) {
                let origin = params(field, "").unwrap_or_default();
                let (x, y) = (origin[0], origin[1]);
                let data = field_data(field);
                let (fw, fh) = if let Some(by) = params(field, "^BY") {
                    // Code 128: 11 modules a character, start and check, 13-module stop.
                    (by[0] * (11 * (data.len() as u32 + 2) + 13), by[2])
                } else if let Some(bq) = params(field, "^BQ") {
                    // A version 1 or 2 symbol (21 or 25 modules) for these short ids.
                    (bq[1] * 25, bq[1] * 25)
                } else if let Some(gb) = params(field, "^GB") {
                    (gb[0], gb[1])
                } else if let Some(fb) = params(field, "^FB") {
                    (fb[0], params(field, "^A0N").map_or(0, |a| a[0]))
                } else if let Some(a) = params(field, "^A0N") {
                    (a[1] * data.chars().count() as u32, a[0])
                } else if let Some(a) = params(field, "^A1N") {
                    // Square CJK glyphs; Latin letters are at most 0.6 em wide.
                    let em: f64 = data
                        .chars()
                        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
                        .sum();
                    ((em * f64::from(a[0])).ceil() as u32, a[0])
                } else {
                    panic!("unknown field {field}");
                };
                assert!(x + fw <= w, "field too wide: {field} ({x} + {fw})");
                assert!(y + fh <= h, "field too low: {field} ({y} + {fh})");
            }
        }
    }
}
