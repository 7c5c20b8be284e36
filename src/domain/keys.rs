//! API keys (docs/api.md, "Keys"): what a key looks like and how it is kept.
//!
//! A key is `fm_live_` or `fm_test_` and 40 random letters and digits (about 238
//! bits): the fixed prefix lets secret scanners find leaked keys, and says at a glance
//! whether a key acts on live or test data. Only a SHA-256 hash of a key is stored; the
//! key itself is shown once, when it is made.

use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};

/// Whether a key acts on live data or on a test-mode seller's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMode {
    Live,
    Test,
}

impl KeyMode {
    /// The prefix every key of this mode starts with.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Live => "fm_live_",
            Self::Test => "fm_test_",
        }
    }

    /// The mode of a seller's keys: test for a test-mode (sandbox) seller.
    pub fn for_seller(test_mode: bool) -> Self {
        if test_mode { Self::Test } else { Self::Live }
    }

    /// The mode a key's prefix names, if any.
    pub fn of(token: &str) -> Option<Self> {
        [Self::Live, Self::Test]
            .into_iter()
            .find(|m| token.starts_with(m.prefix()))
    }
}

/// Random characters after the prefix.
pub const SECRET_LEN: usize = 40;

/// How long a key's `last_used_at` may lag: it is written at most once this often per
/// key, so authenticating a request is a read, not a write.
pub const LAST_USED_GRANULARITY_MS: i64 = 60_000;

/// A new random key of `mode`.
pub fn mint_token(mode: KeyMode) -> String {
    let secret: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(SECRET_LEN)
        .map(char::from)
        .collect();
    format!("{}{secret}", mode.prefix())
}

/// The stored form of a key.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// What a key's listing shows of it: its prefix and first four secret characters,
/// enough to tell keys apart, far too little to use. None for a key without our
/// prefix (an operator token chosen in the environment), which may be short.
pub fn token_hint(token: &str) -> Option<String> {
    let mode = KeyMode::of(token)?;
    (token.len() >= mode.prefix().len() + SECRET_LEN)
        .then(|| token.chars().take(mode.prefix().len() + 4).collect())
}

/// A key name: 1 to 100 characters once trimmed.
pub fn check_key_name(name: &str) -> Result<&str, &'static str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err("a key name has 1 to 100 characters");
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_their_mode_and_differ() {
        let live = mint_token(KeyMode::Live);
        let test = mint_token(KeyMode::Test);
        assert!(live.starts_with("fm_live_") && live.len() == 8 + SECRET_LEN);
        assert_eq!(KeyMode::of(&test), Some(KeyMode::Test));
        assert_eq!(KeyMode::of("op-secret"), None);
        assert_ne!(live, mint_token(KeyMode::Live));
        assert_ne!(hash_token(&live), hash_token(&test));
        assert_eq!(token_hint(&live).as_deref(), Some(&live[..12]));
        assert_eq!(token_hint("fm_live_abcd"), None);
        assert_eq!(token_hint("op-secret"), None);
    }

    #[test]
    fn names_are_bounded() {
        assert_eq!(check_key_name("  ci  "), Ok("ci"));
        assert!(check_key_name(" ").is_err());
        assert!(check_key_name(&"x".repeat(101)).is_err());
    }
}
