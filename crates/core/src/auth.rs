//! The access key check.
//!
//! Both sides are hashed with SHA-256 and the digests compared in constant time, so neither the content nor
//! the length of the configured key leaks through timing. The comparison is byte for byte: no trimming, no
//! case folding, no Unicode normalisation.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// True when `given` is exactly the configured key. An empty configured key matches nothing.
pub fn key_matches(given: Option<&[u8]>, expected: &[u8]) -> bool {
    let Some(given) = given else {
        return false;
    };
    let same = Sha256::digest(given).ct_eq(&Sha256::digest(expected));
    bool::from(same) && !expected.is_empty()
}

/// Estimated strength in bits of a key, from its length and the classes of characters it uses: what the
/// settings page and Site Health compare with 128 bits to flag a weak (e.g. imported) key.
pub fn key_strength_bits(key: &str) -> f64 {
    let bytes = key.as_bytes();
    let has = |class: fn(&u8) -> bool| bytes.iter().any(class);
    let alphabet = u32::from(has(u8::is_ascii_lowercase)) * 26
        + u32::from(has(u8::is_ascii_uppercase)) * 26
        + u32::from(has(u8::is_ascii_digit)) * 10
        + u32::from(bytes.iter().any(|b| !b.is_ascii_alphanumeric())) * 4;
    if alphabet == 0 {
        return 0.0;
    }
    key.chars().count() as f64 * f64::from(alphabet).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"k3yK3yk3yK3yk3yK3yk3yK3yk3yK3yk3yK";

    #[test]
    fn only_the_exact_key_matches() {
        assert!(key_matches(Some(KEY), KEY));
        let mut padded = KEY.to_vec();
        padded.push(b' ');
        let mut with_nul = KEY.to_vec();
        with_nul.insert(3, 0);
        let upper = KEY.to_ascii_uppercase();
        for wrong in [&b""[..], &KEY[1..], &padded, &with_nul, &upper, b"x"] {
            assert!(!key_matches(Some(wrong), KEY), "{:?}", String::from_utf8_lossy(wrong));
        }
        assert!(!key_matches(None, KEY));
    }

    #[test]
    fn strength_reflects_length_and_alphabet() {
        assert!(key_strength_bits("a1b2c3d4") < 64.0, "WP Fusion's 8 hex characters are weak");
        assert!(key_strength_bits(&crate::password::generate_access_key()) >= 128.0);
        assert!(key_strength_bits("0123456789abcdef0123456789abcdef") >= 128.0, "32 hex digits are enough");
        assert_eq!(key_strength_bits(""), 0.0);
    }

    #[test]
    fn an_empty_configured_key_matches_nothing() {
        assert!(!key_matches(Some(b""), b""));
        assert!(!key_matches(None, b""));
    }
}
