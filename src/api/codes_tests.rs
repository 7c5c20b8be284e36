//! The registry matches the source: every code passed to an error constructor is
//! registered, and every registered code is emitted somewhere.

use super::{CODES, lookup};
use crate::domain::{BagLimitError, PickupFailureReason};
use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read a source file");
            out.push((path.display().to_string(), text));
        }
    }
}

fn all_sources() -> Vec<(String, String)> {
    let mut out = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out.retain(|(path, _)| !path.ends_with("codes.rs") && !path.ends_with("codes_tests.rs"));
    out
}

#[test]
fn every_emitted_code_is_registered() {
    // The first string literal given to a constructor of a refusal (problems) or of a
    // scan result's code.
    let constructor = regex::Regex::new(
        r#"(?:ServiceError::rule|ServiceError::Rule|::NotFound|::Conflict|::Invalid|ApiError::new|ApiError::not_found|ApiError::conflict|ApiError::unprocessable|Self::not_found|Self::conflict|Self::unprocessable|Self::new|unavailable|refuse|reject)\(\s*(?:StatusCode::[A-Z_]+,\s*)?"([a-z][a-z0-9_]*)""#,
    )
    .expect("regex");
    let mut missing = Vec::new();
    let mut found = 0;
    for (path, text) in all_sources() {
        for cap in constructor.captures_iter(&text) {
            found += 1;
            if lookup(&cap[1]).is_none() {
                missing.push(format!("{} in {path}", &cap[1]));
            }
        }
    }
    let limits = [
        BagLimitError::TooManyParcels { parcels: 2, max: 1 },
        BagLimitError::TooHeavy {
            weight_g: 2,
            max_g: 1,
        },
        BagLimitError::SideTooLong {
            side_cm: 2.0,
            max_cm: 1.0,
        },
        BagLimitError::DimensionsSumTooLarge {
            sum_cm: 2.0,
            max_cm: 1.0,
        },
        BagLimitError::InvalidSize,
    ];
    for e in limits {
        if lookup(e.code()).is_none() {
            missing.push(e.code().to_owned());
        }
    }
    // Codes chosen in a `match` before the constructor (`("courier_not_found", ...)`);
    // the pickup failure reason `address_not_found` is a value, not a code.
    let not_found = regex::Regex::new(r#""([a-z][a-z0-9_]*_not_found)""#).expect("regex");
    for (path, text) in all_sources() {
        for cap in not_found.captures_iter(&text) {
            let reason = PickupFailureReason::try_from(&cap[1]).is_ok();
            if !reason && lookup(&cap[1]).is_none() {
                missing.push(format!("{} in {path}", &cap[1]));
            }
        }
    }
    assert!(found > 30, "the pattern finds the constructors ({found})");
    assert!(
        missing.is_empty(),
        "codes missing from the registry: {missing:?}"
    );
}

#[test]
fn every_registered_code_is_emitted_and_listed_once() {
    let text: String = all_sources().into_iter().map(|(_, t)| t).collect();
    for (i, code) in CODES.iter().enumerate() {
        assert!(
            text.contains(&format!("\"{}\"", code.code)),
            "{} is registered but never emitted",
            code.code
        );
        assert!(
            CODES[..i].iter().all(|c| c.code != code.code),
            "{} is registered twice",
            code.code
        );
    }
}
