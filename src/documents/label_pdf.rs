//! Bag labels as PDF: one 100 x 150 mm page (the 4 x 6 in thermal label) per bag.
//!
//! Top to bottom: the destination sorting center in large type (code and Chinese
//! name, English below), the seller, pickup city, pickup date and handover id, then
//! bag n of m with its parcel count and declared weight, the Code 128 barcode of the
//! bag id with the id in clear under it, and a QR code of the bag id.
//!
//! Sizing: the Code 128 module is 0.42 mm (16.5 mil) and the bars 26 mm tall, which a
//! general-purpose handheld imager reads from arm's length (0.3 to 0.6 m); quiet
//! zones are 10 modules each side. A longer id gets narrower modules so the symbol
//! always fits the label's width. Every label says its fields in Chinese first with
//! an English subtitle, like the handover list.

use super::draw::{
    MM, code128_modules, draw_code128, draw_qr, hline, qr_modules, text, text_center,
};
use super::fonts::{Faces, faces};
use super::{BagInfo, DocumentError, HandoverDocument, kilograms, size_cm};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::{Document, SerializeSettings};

/// Label width and height, millimetres.
pub const LABEL_MM: (f32, f32) = (100.0, 150.0);
/// Widest Code 128 module, millimetres.
const MODULE_MM: f32 = 0.42;
/// Code 128 quiet zone each side, in modules.
const QUIET_MODULES: f32 = 10.0;
const MARGIN: f32 = 4.0 * MM;

/// A PDF document settings shared by the renderers: compressed, untagged (the
/// documents are printed, not read aloud; tagging 60,000 rows costs memory).
pub(crate) fn new_document(title: String) -> Document {
    let mut document = Document::new_with(SerializeSettings {
        enable_tagging: false,
        ..SerializeSettings::default()
    });
    document.set_metadata(
        krilla::metadata::Metadata::new()
            .title(title)
            .creator("firstmile".into())
            .language("zh-CN".into()),
    );
    document
}

/// Every bag's label, in bag order, one a page; `only` picks one bag by id.
pub fn render_labels_pdf(
    doc: &HandoverDocument,
    only: Option<&str>,
) -> Result<Vec<u8>, DocumentError> {
    let faces = faces()?;
    let title = match only {
        Some(id) => format!("Bag label {id}"),
        None => format!("Bag labels {}", doc.handover_id),
    };
    let mut document = new_document(title);
    let settings = PageSettings::from_wh(LABEL_MM.0 * MM, LABEL_MM.1 * MM)
        .ok_or_else(|| DocumentError::Pdf("label size".into()))?;
    for (i, bag) in doc.bags.iter().enumerate() {
        if only.is_some_and(|id| id != bag.bag_id) {
            continue;
        }
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        draw_label(&mut surface, faces, doc, i, bag)?;
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| DocumentError::Pdf(format!("{e:?}")))
}

/// A small caption above a value: Chinese, then English.
fn caption(s: &mut Surface<'_>, faces: &Faces, x: f32, y: f32, zh: &str, en: &str) {
    text(s, &faces.regular, 7.0, x, y, &format!("{zh} {en}"));
}

fn draw_label(
    s: &mut Surface<'_>,
    faces: &Faces,
    doc: &HandoverDocument,
    index: usize,
    bag: &BagInfo,
) -> Result<(), DocumentError> {
    let width = LABEL_MM.0 * MM;
    let right = width - MARGIN;
    let inner = right - MARGIN;
    let center = &doc.sorting_center;

    // Destination: the code as large as the band allows, the Chinese name beside it.
    caption(s, faces, MARGIN, 8.0 * MM, "目的分拨中心", "Destination");
    let code_size = 50.0;
    text(s, &faces.bold, code_size, MARGIN, 24.0 * MM, &center.code);
    let name_x = MARGIN + faces.bold.width(&center.code, code_size) + 4.0 * MM;
    let name_room = right - name_x;
    let zh = faces.bold.printable(&center.name);
    let zh_size = (name_room / faces.bold.width(&zh, 1.0).max(1.0)).clamp(10.0, 22.0);
    let zh_fit = faces.bold.fit(&zh, zh_size, name_room);
    text(s, &faces.bold, zh_size, name_x, 17.5 * MM, &zh_fit);
    let en = faces.regular.fit(&center.name_en, 9.0, name_room);
    text(s, &faces.regular, 9.0, name_x, 24.0 * MM, &en);
    hline(s, MARGIN, right, 29.0 * MM, 2.0);

    // Seller, pickup city and date, handover.
    caption(s, faces, MARGIN, 34.0 * MM, "寄件人", "Seller");
    let seller = faces.bold.fit(&doc.seller.name, 13.0, inner);
    text(s, &faces.bold, 13.0, MARGIN, 40.0 * MM, &seller);
    let half = MARGIN + inner * 0.55;
    caption(s, faces, MARGIN, 46.0 * MM, "揽收城市", "Pickup city");
    let city = format!("{} {}", doc.pickup_city.name, doc.pickup_city.name_en);
    let city = faces.regular.fit(&city, 11.0, half - MARGIN - 2.0 * MM);
    text(s, &faces.regular, 11.0, MARGIN, 51.5 * MM, &city);
    caption(s, faces, half, 46.0 * MM, "揽收日期", "Pickup date");
    text(s, &faces.regular, 11.0, half, 51.5 * MM, &doc.pickup_date);
    caption(s, faces, MARGIN, 57.0 * MM, "交接单", "Handover");
    text(s, &faces.regular, 11.0, MARGIN, 62.5 * MM, &doc.handover_id);
    hline(s, MARGIN, right, 66.0 * MM, 1.0);

    // Bag n of m, parcels, declared weight.
    caption(s, faces, MARGIN, 71.0 * MM, "袋", "Bag");
    let n_of_m = format!("{} / {}", index + 1, doc.bags.len());
    text(s, &faces.bold, 24.0, MARGIN, 81.0 * MM, &n_of_m);
    let col2 = MARGIN + inner * 0.36;
    caption(s, faces, col2, 71.0 * MM, "件数", "Parcels");
    text(
        s,
        &faces.bold,
        18.0,
        col2,
        80.0 * MM,
        &bag.parcels.len().to_string(),
    );
    let col3 = MARGIN + inner * 0.62;
    caption(s, faces, col3, 71.0 * MM, "申报重量", "Declared weight");
    let weight = format!("{} kg", kilograms(bag.weight_g));
    text(s, &faces.bold, 14.0, col3, 79.5 * MM, &weight);
    hline(s, MARGIN, right, 85.0 * MM, 1.0);

    // Code 128 of the bag id, centred, with the id in clear under it.
    let modules = code128_modules(&bag.bag_id)?;
    let total = modules.len() as f32 + 2.0 * QUIET_MODULES;
    let module = (MODULE_MM * MM).min(inner / total);
    let bar_x = (width - modules.len() as f32 * module) / 2.0;
    draw_code128(s, &modules, bar_x, 89.0 * MM, module, 26.0 * MM);
    text_center(s, &faces.bold, 16.0, width / 2.0, 122.0 * MM, &bag.bag_id);
    hline(s, MARGIN, right, 125.5 * MM, 1.0);

    // QR code of the bag id at the bottom right; the size and a reminder beside it.
    let qr = qr_modules(&bag.bag_id)?;
    let qr_module = 19.0 * MM / qr.0 as f32;
    let qr_x = right - 19.0 * MM;
    draw_qr(s, &qr, qr_x, 129.0 * MM, qr_module);
    caption(s, faces, MARGIN, 131.0 * MM, "申报尺寸", "Declared size");
    text(
        s,
        &faces.regular,
        10.0,
        MARGIN,
        136.0 * MM,
        &format!("{} cm", size_cm(bag.sides_cm)),
    );
    caption(s, faces, MARGIN, 142.0 * MM, "袋号", "Bag id");
    text(s, &faces.regular, 9.0, MARGIN, 146.0 * MM, &bag.bag_id);
    Ok(())
}
