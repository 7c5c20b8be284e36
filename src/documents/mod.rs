//! Printed documents of a handover: the bag labels (PDF, one 100 x 150 mm label a page,
//! and ZPL II for thermal printers) and the A4 handover list (交接清单) that the courier
//! and the seller sign at pickup.
//!
//! Pure rendering: this module takes the plain structs below, filled by
//! `service::documents`, and returns bytes. No database, no HTTP. Barcodes and QR codes
//! come from `barcoders` and `qrcode` and are drawn as vector rectangles, so they stay
//! sharp at any printer resolution; PDFs are written with `krilla`, which embeds only
//! the glyphs used from the Noto Sans SC subsets shipped in `fonts/` (see
//! `fonts/README.md`). A character the subsets lack prints as the fallback glyph
//! [`fonts::FALLBACK`], never as an error.

mod draw;
pub mod fonts;
pub mod handover_list;
pub mod label_pdf;
pub mod label_zpl;
pub mod plots;
pub mod sample;
pub mod zpl;

#[cfg(test)]
mod scan_tests;

pub use handover_list::render_handover_list;
pub use label_pdf::render_labels_pdf;
pub use label_zpl::render_labels_zpl;

/// The seller as printed on the documents.
#[derive(Clone, Debug, PartialEq)]
pub struct SellerInfo {
    pub id: String,
    pub name: String,
    /// The pickup address on one line, in Chinese order (province, city, district,
    /// street).
    pub address: String,
    /// A phone number or contact person, when the seller gave one; otherwise the
    /// handover list leaves a line to write it in.
    pub contact: Option<String>,
}

/// A place name in Chinese with its English (pinyin) form.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceName {
    pub code: String,
    pub name: String,
    pub name_en: String,
}

/// One bag of the handover, as it stands now (edits before pickup included).
#[derive(Clone, Debug, PartialEq)]
pub struct BagInfo {
    pub bag_id: String,
    /// Tracking numbers of the parcels in the bag.
    pub parcels: Vec<String>,
    /// Sum of the parcels' declared weights.
    pub weight_g: i64,
    /// Declared outer size: length, width, height.
    pub sides_cm: [f64; 3],
}

/// Everything the documents of one handover print.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoverDocument {
    pub handover_id: String,
    /// `YYYY-MM-DD`, a day in China.
    pub pickup_date: String,
    pub seller: SellerInfo,
    /// The pickup city (code, Chinese and English name).
    pub pickup_city: PlaceName,
    /// The destination sorting center (code, e.g. `SZX`, and names).
    pub sorting_center: PlaceName,
    /// The bags in label order: "bag n of m" counts from 1 in this order.
    pub bags: Vec<BagInfo>,
}

impl HandoverDocument {
    /// Parcels over all bags.
    pub fn parcel_count(&self) -> usize {
        self.bags.iter().map(|b| b.parcels.len()).sum()
    }

    /// Declared weight over all bags, grams.
    pub fn weight_g(&self) -> i64 {
        self.bags.iter().map(|b| b.weight_g).sum()
    }
}

/// A rendering failure. Input text never causes one (unknown characters print as the
/// fallback glyph); what is left is a value no barcode can encode or a PDF writer error.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("cannot encode {0:?} as a barcode: {1}")]
    Barcode(String, String),
    #[error("PDF writer: {0}")]
    Pdf(String),
}

/// Grams as kilograms with three decimals: `18400` -> `18.400`.
pub fn kilograms(weight_g: i64) -> String {
    let sign = if weight_g < 0 { "-" } else { "" };
    let g = weight_g.unsigned_abs();
    format!("{sign}{}.{:03}", g / 1000, g % 1000)
}

/// A declared size: `60 x 40 x 35`.
pub fn size_cm(sides: [f64; 3]) -> String {
    let side = |v: f64| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    };
    format!(
        "{} x {} x {}",
        side(sides[0]),
        side(sides[1]),
        side(sides[2])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_print_as_kilograms_with_grams() {
        assert_eq!(kilograms(18_400), "18.400");
        assert_eq!(kilograms(5), "0.005");
        assert_eq!(kilograms(0), "0.000");
    }

    #[test]
    fn sizes_print_without_needless_decimals() {
        assert_eq!(size_cm([60.0, 40.0, 35.5]), "60 x 40 x 35.5");
    }
}
