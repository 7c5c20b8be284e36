//! A small typed writer for ZPL II, the command language of Zebra-type thermal
//! printers. A [`ZplLabel`] is one `^XA ... ^XZ` format; each method writes one
//! field (`^FO` origin, then the field's command and `^FD ... ^FS` data), so the
//! commands, their parameter order and the escaping live here and nowhere else.
//!
//! Text is UTF-8 (`^CI28`). Field data is always written under `^FH` with `_` as the
//! escape character, and `^`, `~` and `_` are sent as hex (`_5E`, `_7E`, `_5F`), so no
//! value (a seller's name, say) can end a field or inject a command.

use std::fmt::Write;

/// Printer dots: at 203 dpi, 8 dots a millimetre.
pub type Dots = u32;

/// Dots per inch of the labels we write (the common 8 dots/mm printhead).
pub const DPI: Dots = 203;

/// A font for a text field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZplFont {
    /// `^A0`: the scalable font every Zebra printer has (Latin only).
    Scalable { height: Dots, width: Dots },
    /// `^A1`, mapped by `^CW` to the CJK TrueType font [`CJK_FONT`] stored on the
    /// printer; square glyphs of `height` dots.
    Cjk { height: Dots },
}

/// Where a printer keeps the CJK font that Chinese fields use (`^CW1,...`). Load
/// `fonts/NotoSansSC-Regular.subset.ttf` there once (see the README).
pub const CJK_FONT: &str = "E:NOTOSANSSC.TTF";

/// One label format being written.
#[derive(Debug)]
pub struct ZplLabel {
    out: String,
}

/// Writes `value` as field data: `^FH_^FD...^FS`, escaping the command prefixes.
fn field_data(out: &mut String, value: &str) {
    out.push_str("^FH_^FD");
    for c in value.chars() {
        match c {
            '^' => out.push_str("_5E"),
            '~' => out.push_str("_7E"),
            '_' => out.push_str("_5F"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push_str("^FS\n");
}

impl ZplLabel {
    /// Starts a format for a label `width` x `height` dots: UTF-8, print width, label
    /// length, home at the top-left corner, and the CJK font as font `1`.
    pub fn new(width: Dots, height: Dots) -> Self {
        let mut out = String::with_capacity(2048);
        let _ = writeln!(out, "^XA\n^CI28\n^PW{width}\n^LL{height}\n^LH0,0");
        let _ = writeln!(out, "^CW1,{CJK_FONT}");
        Self { out }
    }

    fn origin(&mut self, x: Dots, y: Dots) {
        let _ = write!(self.out, "^FO{x},{y}");
    }

    /// A line of text with its top-left corner at (`x`, `y`).
    pub fn text(&mut self, x: Dots, y: Dots, font: ZplFont, value: &str) {
        self.origin(x, y);
        match font {
            ZplFont::Scalable { height, width } => {
                let _ = write!(self.out, "^A0N,{height},{width}");
            }
            ZplFont::Cjk { height } => {
                let _ = write!(self.out, "^A1N,{height},{height}");
            }
        }
        field_data(&mut self.out, value);
    }

    /// A line of text centred in a block `width` dots wide starting at `x`.
    pub fn text_centered(&mut self, x: Dots, y: Dots, width: Dots, font: ZplFont, value: &str) {
        self.origin(x, y);
        match font {
            ZplFont::Scalable { height, width } => {
                let _ = write!(self.out, "^A0N,{height},{width}");
            }
            ZplFont::Cjk { height } => {
                let _ = write!(self.out, "^A1N,{height},{height}");
            }
        }
        let _ = write!(self.out, "^FB{width},1,0,C,0");
        field_data(&mut self.out, value);
    }

    /// A Code 128 barcode (`^BC`, no interpretation line: the label prints the id in
    /// larger type itself) of `module` dots a narrow bar and `height` dots tall.
    pub fn code128(&mut self, x: Dots, y: Dots, module: Dots, height: Dots, data: &str) {
        self.origin(x, y);
        let _ = write!(self.out, "^BY{module},3,{height}^BCN,{height},N,N,N");
        field_data(&mut self.out, data);
    }

    /// A QR code (`^BQ`, model 2) of `magnification` dots a module; error correction
    /// M, automatic data mode.
    pub fn qr(&mut self, x: Dots, y: Dots, magnification: Dots, data: &str) {
        self.origin(x, y);
        let _ = write!(self.out, "^BQN,2,{magnification}");
        field_data(&mut self.out, &format!("MA,{data}"));
    }

    /// A filled rule (`^GB`) `width` x `height` dots.
    pub fn rule(&mut self, x: Dots, y: Dots, width: Dots, height: Dots) {
        self.origin(x, y);
        let thickness = width.min(height).max(1);
        let _ = writeln!(self.out, "^GB{width},{height},{thickness}^FS");
    }

    /// Ends the format (`^XZ`) and returns its text.
    pub fn finish(mut self) -> String {
        self.out.push_str("^XZ\n");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_data_cannot_inject_commands() {
        let mut label = ZplLabel::new(812, 1218);
        label.text(10, 10, ZplFont::Cjk { height: 30 }, "A^XZ~JA_b\n深圳");
        let zpl = label.finish();
        assert!(zpl.contains("^FH_^FDA_5EXZ_7EJA_5Fb 深圳^FS"));
        assert_eq!(zpl.matches("^XZ").count(), 1);
    }

    #[test]
    fn a_format_starts_utf8_and_ends_once() {
        let zpl = ZplLabel::new(812, 1218).finish();
        assert!(zpl.starts_with("^XA\n^CI28\n^PW812\n^LL1218\n"));
        assert!(zpl.ends_with("^XZ\n"));
    }
}
