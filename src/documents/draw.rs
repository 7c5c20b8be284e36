//! Drawing primitives shared by the PDF renderers: text in a face, filled and stroked
//! rectangles, and the two symbologies. Coordinates are PDF points from the top-left
//! corner (krilla's convention), y growing downwards; text is placed by its baseline.
//!
//! Barcodes are encoded by `barcoders` (Code 128) and `qrcode`, then drawn as filled
//! rectangles: one per bar (adjacent dark modules merged) and one per run of dark QR
//! modules in a row, so a bar never shows a seam at any zoom.

use super::DocumentError;
use super::fonts::Face;
use barcoders::sym::code128::Code128;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::TextDirection;
use qrcode::{Color, EcLevel, QrCode};

/// Points per millimetre.
pub(crate) const MM: f32 = 72.0 / 25.4;

/// Draws `text` with its baseline at (`x`, `y`), after making it printable.
pub(crate) fn text(s: &mut Surface<'_>, face: &Face, size: f32, x: f32, y: f32, text: &str) {
    let printable = face.printable(text);
    if printable.trim().is_empty() {
        return;
    }
    s.draw_text(
        Point::from_xy(x, y),
        face.font.clone(),
        size,
        &printable,
        false,
        TextDirection::Auto,
    );
}

/// Draws `text` ending at `right`.
pub(crate) fn text_right(
    s: &mut Surface<'_>,
    face: &Face,
    size: f32,
    right: f32,
    y: f32,
    value: &str,
) {
    let width = face.width(&face.printable(value), size);
    text(s, face, size, right - width, y, value);
}

/// Draws `text` centred on `center`.
pub(crate) fn text_center(
    s: &mut Surface<'_>,
    face: &Face,
    size: f32,
    center: f32,
    y: f32,
    value: &str,
) {
    let width = face.width(&face.printable(value), size);
    text(s, face, size, center - width / 2.0, y, value);
}

/// Fills rectangles `(x, y, w, h)` in black, as one path.
pub(crate) fn fill_rects(
    s: &mut Surface<'_>,
    rects: impl IntoIterator<Item = (f32, f32, f32, f32)>,
) {
    let mut pb = PathBuilder::new();
    for (x, y, w, h) in rects {
        if let Some(r) = Rect::from_xywh(x, y, w, h) {
            pb.push_rect(r);
        }
    }
    if let Some(path) = pb.finish() {
        s.set_fill(Some(Fill::default()));
        s.set_stroke(None);
        s.draw_path(&path);
    }
}

/// Strokes the outline of a rectangle.
pub(crate) fn stroke_rect(s: &mut Surface<'_>, x: f32, y: f32, w: f32, h: f32, width: f32) {
    let mut pb = PathBuilder::new();
    if let Some(r) = Rect::from_xywh(x, y, w, h) {
        pb.push_rect(r);
    }
    if let Some(path) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(Stroke {
            width,
            ..Stroke::default()
        }));
        s.draw_path(&path);
        s.set_stroke(None);
        s.set_fill(Some(Fill::default()));
    }
}

/// A horizontal rule from `x1` to `x2`.
pub(crate) fn hline(s: &mut Surface<'_>, x1: f32, x2: f32, y: f32, width: f32) {
    fill_rects(s, [(x1, y - width / 2.0, x2 - x1, width)]);
}

/// The modules (1 dark, 0 light) of a Code 128 symbol of `data` in code set B, start,
/// check and stop characters included, quiet zones excluded.
pub(crate) fn code128_modules(data: &str) -> Result<Vec<u8>, DocumentError> {
    if data.is_empty() || !data.chars().all(|c| (' '..='~').contains(&c)) {
        return Err(DocumentError::Barcode(
            data.into(),
            "code set B takes printable ASCII only".into(),
        ));
    }
    Code128::new(format!("\u{0181}{data}"))
        .map(|c| c.encode())
        .map_err(|e| DocumentError::Barcode(data.into(), e.to_string()))
}

/// Draws Code 128 modules from (`x`, `y`), each `module` points wide, `height` tall.
pub(crate) fn draw_code128(
    s: &mut Surface<'_>,
    modules: &[u8],
    x: f32,
    y: f32,
    module: f32,
    height: f32,
) {
    let mut bars = Vec::new();
    let mut i = 0;
    while i < modules.len() {
        if modules[i] == 1 {
            let start = i;
            while i < modules.len() && modules[i] == 1 {
                i += 1;
            }
            bars.push((
                x + start as f32 * module,
                y,
                (i - start) as f32 * module,
                height,
            ));
        } else {
            i += 1;
        }
    }
    fill_rects(s, bars);
}

/// A QR code of `data` (error correction M): its width in modules and its modules row
/// by row (true = dark), quiet zone excluded.
pub(crate) fn qr_modules(data: &str) -> Result<(usize, Vec<bool>), DocumentError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| DocumentError::Barcode(data.into(), e.to_string()))?;
    let width = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Ok((width, dark))
}

/// Draws a QR code from (`x`, `y`), each module `module` points square.
pub(crate) fn draw_qr(s: &mut Surface<'_>, qr: &(usize, Vec<bool>), x: f32, y: f32, module: f32) {
    let (width, dark) = qr;
    let mut runs = Vec::new();
    for (row, cells) in dark.chunks(*width).enumerate() {
        let mut col = 0;
        while col < cells.len() {
            if cells[col] {
                let start = col;
                while col < cells.len() && cells[col] {
                    col += 1;
                }
                runs.push((
                    x + start as f32 * module,
                    y + row as f32 * module,
                    (col - start) as f32 * module,
                    module,
                ));
            } else {
                col += 1;
            }
        }
    }
    fill_rects(s, runs);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bag_id_encodes_to_start_data_check_and_stop_modules() {
        let modules = code128_modules("MBABCDEFGHJKLM").unwrap();
        // start + 14 characters + check, 11 modules each, and a 13-module stop.
        assert_eq!(modules.len(), 16 * 11 + 13);
        assert_eq!(&modules[..2], &[1, 1]);
    }

    #[test]
    fn text_outside_code_set_b_is_refused_not_mangled() {
        assert!(code128_modules("深圳").is_err());
        assert!(code128_modules("").is_err());
    }

    #[test]
    fn a_bag_id_fits_a_version_1_qr_code() {
        let (width, dark) = qr_modules("MBABCDEFGHJKLM").unwrap();
        assert_eq!(width, 21);
        assert_eq!(dark.len(), 21 * 21);
    }
}
