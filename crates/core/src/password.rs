//! Secrets made here: generated user passwords and access keys, straight from the operating system's CSPRNG.
//!
//! `SysRng` keeps no state in the process, so nothing is shared between php-fpm workers forked from one master.

use rand::distr::{Alphanumeric, SampleString};
use rand::rand_core::UnwrapErr;
use rand::rngs::SysRng;

/// Length of a generated password: 24 characters of 62 ≈ 142 bits.
pub const PASSWORD_LENGTH: usize = 24;

/// Length of a generated access key: 40 characters of 62 ≈ 238 bits, URL-safe as it stands.
pub const ACCESS_KEY_LENGTH: usize = 40;

/// A new password for a WordPress user: letters and digits only, so it survives e-mail templates and URLs.
pub fn generate_password() -> String {
    Alphanumeric.sample_string(&mut UnwrapErr(SysRng), PASSWORD_LENGTH)
}

/// A new access key for the webhook URLs.
pub fn generate_access_key() -> String {
    Alphanumeric.sample_string(&mut UnwrapErr(SysRng), ACCESS_KEY_LENGTH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn passwords_are_long_alphanumeric_and_distinct() {
        let passwords: HashSet<String> = (0..1000).map(|_| generate_password()).collect();
        assert_eq!(passwords.len(), 1000);
        for p in &passwords {
            assert_eq!(p.len(), PASSWORD_LENGTH);
            assert!(p.bytes().all(|b| b.is_ascii_alphanumeric()), "{p}");
        }
    }

    #[test]
    fn passwords_use_the_whole_alphabet() {
        let seen: HashSet<u8> = (0..200).flat_map(|_| generate_password().into_bytes()).collect();
        assert_eq!(seen.len(), 62, "4800 characters should cover all 62 symbols");
    }

    #[test]
    fn access_keys_carry_at_least_128_bits() {
        let key = generate_access_key();
        assert!(key.len() >= 32);
        let bits = key.len() as f64 * 62f64.log2();
        assert!(bits >= 128.0, "{bits}");
        assert_ne!(key, generate_access_key());
    }
}
