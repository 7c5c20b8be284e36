//! Identifiers. Ours are random, prefixed and URL-safe; the client's tracking numbers
//! are parsed once at the edge into [`TrackingNumber`], after which they are trusted.

use rand::Rng;
use std::fmt;

/// Crockford base32 without ambiguous letters: easy to read off a bag label.
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new random id: `prefix` followed by 12 base32 characters (60 bits).
pub fn new_id(prefix: &str) -> String {
    let mut rng = rand::thread_rng();
    let mut id = String::with_capacity(prefix.len() + 12);
    id.push_str(prefix);
    for _ in 0..12 {
        id.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    id
}

/// Whether `raw` is one of our ids with `prefix` (as [`new_id`] makes them).
pub fn is_our_id(prefix: &str, raw: &str) -> bool {
    raw.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == 12 && rest.bytes().all(|b| ALPHABET.contains(&b)))
}

/// A parcel's tracking number: 4 to 40 characters of `A-Z a-z 0-9 - _`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackingNumber(String);

impl TrackingNumber {
    /// Parses a tracking number, refusing anything a label printer or URL would mangle.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let len = raw.len();
        if !(4..=40).contains(&len) {
            return Err("a tracking number has 4 to 40 characters");
        }
        if !raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err("a tracking number holds only letters, digits, '-' and '_'");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for TrackingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_differ() {
        let a = new_id("MB");
        assert!(a.starts_with("MB") && a.len() == 14);
        assert_ne!(a, new_id("MB"));
    }

    #[test]
    fn tracking_numbers_are_checked() {
        assert!(TrackingNumber::parse("LZ0001").is_ok());
        assert!(TrackingNumber::parse("LZ1").is_err());
        assert!(TrackingNumber::parse("LZ 0001").is_err());
        assert!(TrackingNumber::parse(&"A".repeat(41)).is_err());
    }
}
