//! Reads planning input CSV (docs/api.md and the `plan` command's format, docs/rules.md rule 10): header
//! `tracking_number,weight_g,length_cm,width_cm,height_cm,sorting_center` with an
//! optional `order_id` column, columns in any order, extra columns ignored.
//!
//! Key decision: the first bad row stops the read with an error that names its line
//! (as a text editor counts them, the header being line 1), the column and the value,
//! so a seller can fix the file; nothing is guessed or silently skipped.

use super::PlanParcel;
use super::items::FastMap;
use std::collections::HashMap;
use thiserror::Error;

/// What is wrong with a planning CSV, and on which line.
#[derive(Debug, Error, PartialEq)]
pub enum CsvInputError {
    /// The file cannot be read as CSV (bad quoting, invalid UTF-8, I/O).
    #[error("line {line}: malformed CSV: {message}")]
    Malformed { line: u64, message: String },
    /// The header lacks a required column.
    #[error("line 1: missing column {column}")]
    MissingColumn { column: &'static str },
    /// The header names a column twice.
    #[error("line 1: column {column} appears twice")]
    DuplicateColumn { column: String },
    /// A row has no value for a required column.
    #[error("line {line}: missing value for {column}")]
    MissingValue { line: u64, column: &'static str },
    /// A value is not a number (weights: not a whole number of grams).
    #[error("line {line}: {column} is not a valid number: {value:?}")]
    NotANumber {
        line: u64,
        column: &'static str,
        value: String,
    },
    /// A size or weight is zero or negative.
    #[error("line {line}: {column} must be greater than zero, got {value:?}")]
    NotPositive {
        line: u64,
        column: &'static str,
        value: String,
    },
    /// The sorting center is not one of the known codes.
    #[error("line {line}: unknown sorting center {value:?}")]
    UnknownSortingCenter { line: u64, value: String },
    /// The tracking number already appeared on an earlier line.
    #[error("line {line}: duplicate tracking number {value:?} (first on line {first_line})")]
    DuplicateTrackingNumber {
        line: u64,
        value: String,
        first_line: u64,
    },
}

const REQUIRED: [&str; 6] = [
    "tracking_number",
    "weight_g",
    "length_cm",
    "width_cm",
    "height_cm",
    "sorting_center",
];

/// Reads parcels from CSV. `known_sorting_centers` lists the accepted codes (matched
/// ignoring case, stored as listed); an empty list accepts any non-empty code.
pub fn read_parcels<R: std::io::Read>(
    r: R,
    known_sorting_centers: &[&str],
) -> Result<Vec<PlanParcel>, CsvInputError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(r);
    let malformed = |e: csv::Error| CsvInputError::Malformed {
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    };
    let header = rdr.headers().map_err(malformed)?.clone();
    let mut col: HashMap<String, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let name = h.trim_start_matches('\u{feff}').to_ascii_lowercase();
        if col.insert(name.clone(), i).is_some() {
            return Err(CsvInputError::DuplicateColumn { column: name });
        }
    }
    let mut idx = [0usize; 6];
    for (k, name) in REQUIRED.iter().enumerate() {
        idx[k] = *col
            .get(*name)
            .ok_or(CsvInputError::MissingColumn { column: name })?;
    }
    let order_col = col.get("order_id").copied();
    let mut lines: Vec<u64> = Vec::new();
    let mut out = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(malformed(e)),
        }
        let line = rec.position().map_or(0, |p| p.line());
        if rec.iter().all(|f| f.is_empty()) {
            continue; // blank line
        }
        let field = |k: usize| -> Result<&str, CsvInputError> {
            match rec.get(idx[k]) {
                Some(v) if !v.is_empty() => Ok(v),
                _ => Err(CsvInputError::MissingValue {
                    line,
                    column: REQUIRED[k],
                }),
            }
        };
        let tracking = field(0)?.to_string();
        let weight_g = parse_weight(field(1)?, line)?;
        let length_cm = parse_size(field(2)?, line, REQUIRED[2])?;
        let width_cm = parse_size(field(3)?, line, REQUIRED[3])?;
        let height_cm = parse_size(field(4)?, line, REQUIRED[4])?;
        let sc_raw = field(5)?;
        let sorting_center = if known_sorting_centers.is_empty() {
            sc_raw.to_string()
        } else {
            known_sorting_centers
                .iter()
                .find(|k| k.eq_ignore_ascii_case(sc_raw))
                .map(|k| k.to_string())
                .ok_or_else(|| CsvInputError::UnknownSortingCenter {
                    line,
                    value: sc_raw.to_string(),
                })?
        };
        let order_id = order_col
            .and_then(|c| rec.get(c))
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        lines.push(line);
        out.push(PlanParcel {
            tracking_number: tracking,
            order_id,
            weight_g,
            length_cm,
            width_cm,
            height_cm,
            sorting_center,
        });
    }
    // Duplicates are found after reading, by borrowed key and a fast hash: no copy of
    // 100,000 tracking numbers.
    let mut seen: FastMap<&str, u64> = FastMap::default();
    seen.reserve(out.len());
    for (p, &line) in out.iter().zip(&lines) {
        if let Some(&first_line) = seen.get(p.tracking_number.as_str()) {
            return Err(CsvInputError::DuplicateTrackingNumber {
                line,
                value: p.tracking_number.clone(),
                first_line,
            });
        }
        seen.insert(&p.tracking_number, line);
    }
    Ok(out)
}

fn parse_size(v: &str, line: u64, column: &'static str) -> Result<f64, CsvInputError> {
    let x: f64 = v.parse().map_err(|_| CsvInputError::NotANumber {
        line,
        column,
        value: v.to_string(),
    })?;
    if !x.is_finite() {
        return Err(CsvInputError::NotANumber {
            line,
            column,
            value: v.to_string(),
        });
    }
    if x <= 0.0 {
        return Err(CsvInputError::NotPositive {
            line,
            column,
            value: v.to_string(),
        });
    }
    Ok(x)
}

/// Whole grams; `1500.0` is accepted, `1500.5` is not.
fn parse_weight(v: &str, line: u64) -> Result<u32, CsvInputError> {
    let column = "weight_g";
    let nan = || CsvInputError::NotANumber {
        line,
        column,
        value: v.to_string(),
    };
    let x: f64 = match v.parse::<u32>() {
        Ok(g) => f64::from(g),
        Err(_) => v.parse().map_err(|_| nan())?,
    };
    if !x.is_finite() || x.fract() != 0.0 {
        return Err(nan());
    }
    if x <= 0.0 {
        return Err(CsvInputError::NotPositive {
            line,
            column,
            value: v.to_string(),
        });
    }
    if x > f64::from(u32::MAX) {
        return Err(nan());
    }
    Ok(x as u32)
}
