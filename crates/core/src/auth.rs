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
    fn an_empty_configured_key_matches_nothing() {
        assert!(!key_matches(Some(b""), b""));
        assert!(!key_matches(None, b""));
    }
}
