//! The embedded Noto Sans SC subsets (made by `fonts/build/build_fonts.py`; licence in
//! `fonts/OFL.txt`) and what the renderers need from them: coverage, text widths and
//! the fallback for characters the subsets lack.
//!
//! Key decision: text is made printable *before* it reaches the PDF writer. Every
//! character the face has no glyph for becomes [`FALLBACK`] (□, which the subsets
//! always carry), so a seller's rare name character shows as a visible box in place of
//! an invisible `.notdef`, and nothing about the input can fail a document.

use super::DocumentError;
use krilla::text::Font;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};
use std::borrow::Cow;
use std::sync::OnceLock;

/// Printed in place of a character the font lacks: U+25A1 WHITE SQUARE.
pub const FALLBACK: char = '\u{25A1}';

static REGULAR_TTF: &[u8] = include_bytes!("../../fonts/NotoSansSC-Regular.subset.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../fonts/NotoSansSC-Bold.subset.ttf");

/// One face: the PDF writer's font and the metrics to lay text out with.
pub struct Face {
    pub(crate) font: Font,
    skrifa: FontRef<'static>,
    /// Advance widths of ASCII characters in em (the hot path: tracking numbers).
    ascii_advance: [f32; 128],
    units_per_em: f32,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face").finish_non_exhaustive()
    }
}

/// The regular and the bold face.
#[derive(Debug)]
pub struct Faces {
    pub regular: Face,
    pub bold: Face,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Option<Self> {
        let skrifa = FontRef::new(bytes).ok()?;
        let font = Font::new(bytes.into(), 0)?;
        let units_per_em = f32::from(
            skrifa
                .metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        let mut face = Self {
            font,
            skrifa,
            ascii_advance: [0.0; 128],
            units_per_em,
        };
        for c in 0..128u8 {
            face.ascii_advance[usize::from(c)] = face.advance_em(char::from(c)).unwrap_or(0.0);
        }
        Some(face)
    }

    fn advance_em(&self, c: char) -> Option<f32> {
        let gid = self.skrifa.charmap().map(c)?;
        let metrics = self
            .skrifa
            .glyph_metrics(Size::unscaled(), LocationRef::default());
        Some(metrics.advance_width(gid)? / self.units_per_em)
    }

    /// Whether the face has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.skrifa.charmap().map(c).is_some()
    }

    /// `text` as it will print: control characters become spaces, and characters the
    /// face lacks become [`FALLBACK`].
    pub fn printable<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let fine =
            |c: char| (c.is_ascii_graphic() || c == ' ') || (!c.is_control() && self.covers(c));
        if text.chars().all(fine) {
            return Cow::Borrowed(text);
        }
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if c.is_control() {
                        ' '
                    } else if fine(c) {
                        c
                    } else {
                        FALLBACK
                    }
                })
                .collect(),
        )
    }

    /// The width of printable `text` at `size` points (no kerning: a safe upper bound
    /// for layout).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let em: f32 = text
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    self.ascii_advance[c as usize]
                } else {
                    self.advance_em(c)
                        .or_else(|| self.advance_em(FALLBACK))
                        .unwrap_or(1.0)
                }
            })
            .sum();
        em * size
    }

    /// `text` shortened with an ellipsis so that it fits `max_width` points.
    pub fn fit<'a>(&self, text: &'a str, size: f32, max_width: f32) -> Cow<'a, str> {
        if self.width(text, size) <= max_width {
            return Cow::Borrowed(text);
        }
        let ellipsis = self.width("...", size);
        let mut out = String::new();
        let mut used = 0.0;
        for c in text.chars() {
            let w = self.width(c.encode_utf8(&mut [0; 4]), size);
            if used + w + ellipsis > max_width {
                break;
            }
            used += w;
            out.push(c);
        }
        out.push_str("...");
        Cow::Owned(out)
    }
}

/// The embedded faces, parsed once.
pub fn faces() -> Result<&'static Faces, DocumentError> {
    static FACES: OnceLock<Option<Faces>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            Some(Faces {
                regular: Face::load(REGULAR_TTF)?,
                bold: Face::load(BOLD_TTF)?,
            })
        })
        .as_ref()
        .ok_or_else(|| DocumentError::Pdf("the embedded font does not parse".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regions::Regions;

    #[test]
    fn the_subsets_cover_every_region_and_sorting_center_name() {
        let faces = faces().unwrap();
        let regions = Regions::embedded();
        let mut names: Vec<String> = Vec::new();
        for p in regions.provinces() {
            names.push(p.name.clone());
            names.extend(p.cities.iter().map(|c| c.name.clone()));
        }
        names.extend(
            [
                "深圳分拨中心",
                "义乌分拨中心",
                "大陆海运仓",
                "香港分拨中心",
                "韩国分拨中心",
            ]
            .map(String::from),
        );
        for name in &names {
            for face in [&faces.regular, &faces.bold] {
                assert!(
                    name.chars().all(|c| face.covers(c)),
                    "{name} is not covered"
                );
            }
        }
        assert!(names.len() > 360);
    }

    #[test]
    fn characters_the_subset_lacks_print_as_the_fallback_glyph() {
        let faces = faces().unwrap();
        // U+20BB7 is outside GB 2312 and outside the subset.
        assert!(!faces.regular.covers('\u{20BB7}'));
        assert!(faces.regular.covers(FALLBACK));
        assert_eq!(faces.regular.printable("\u{20BB7}野家\n"), "□野家 ");
        assert_eq!(faces.regular.printable("深圳 SZX"), "深圳 SZX");
    }

    #[test]
    fn long_text_is_cut_to_fit() {
        let faces = faces().unwrap();
        let fitted = faces
            .regular
            .fit("深圳市南山区科技园南区高新南一道", 12.0, 60.0);
        assert!(fitted.ends_with("..."));
        assert!(faces.regular.width(&fitted, 12.0) <= 60.0);
    }
}
