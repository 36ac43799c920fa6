//! The username of a new user (CONTRACT §2 `add`): the email, unless `field_map` supplies one; when that login
//! is not valid as it stands, a predictable fallback derived from the email.

use crate::settings::UsernameFormat;
use sha2::{Digest, Sha256};

/// WordPress's limit for `user_login`.
pub const MAX_LOGIN: usize = 60;
/// How much of the sanitised email the first fallback keeps before its hash suffix.
const FALLBACK_PREFIX: usize = 50;
/// How many fallback logins are tried: the fallback, then `-2` … `-10`. Past them the webhook fails with
/// `internal_error` rather than searching on: only logins taken on purpose can exhaust them.
pub const FALLBACKS: usize = 10;

/// The logins to try for a new user, in order: `primary` (when it is valid as it stands), then each of
/// `fallbacks` — WordPress says which are taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logins {
    pub primary: Option<String>,
    pub fallbacks: Vec<String>,
}

impl Logins {
    /// Every candidate, in the order they are tried.
    pub fn candidates(&self) -> Vec<String> {
        self.primary.iter().chain(&self.fallbacks).cloned().collect()
    }
}

/// The logins of a new user whose login is made by a username format (CONTRACT §4 `username_format`), unless the
/// CRM field mapped to `user_login` gave one: `email`, the email; `flname`, the mapped first and last names joined
/// as the CRM gives them (trimmed); `fnamenum`, the first name and a random number from 1 to 99 999. A name the
/// format needs that is empty leaves no primary login, and so does a login WordPress would alter or one made of
/// names that holds an `@` (it could be someone else's email): then the email's fallbacks, as for any login.
pub fn for_format(
    format: UsernameFormat,
    email: &str,
    mapped: Option<&str>,
    first: Option<&str>,
    last: Option<&str>,
) -> Logins {
    let name = |n: Option<&str>| n.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    let wanted = match (mapped, format) {
        (Some(login), _) => Some(login.to_string()),
        (None, UsernameFormat::Email) => Some(email.to_string()),
        (None, UsernameFormat::FlName) => name(first).zip(name(last)).map(|(f, l)| format!("{f}{l}")),
        (None, UsernameFormat::FNameNum) => name(first).map(|f| format!("{f}{}", rand::random_range(1..=99_999u32))),
    };
    match wanted {
        // Names joined into an address could make a login that is someone else's email.
        Some(login) if mapped.is_none() && format != UsernameFormat::Email && login.contains('@') => {
            Logins { primary: None, ..logins(email, None) }
        }
        Some(login) => logins(email, Some(&login)),
        None => Logins { primary: None, ..logins(email, None) },
    }
}

/// Derives the logins for a contact's email and an optional login the CRM supplied.
pub fn logins(email: &str, mapped: Option<&str>) -> Logins {
    let wanted = mapped.unwrap_or(email);
    let primary = (sanitize_strict(wanted) == wanted && !wanted.is_empty() && wanted.len() <= MAX_LOGIN)
        .then(|| wanted.to_string());
    Logins { primary, fallbacks: (1..=FALLBACKS).map(|n| fallback(email, n)).collect() }
}

/// The `n`th fallback login (from 1): `sanitize(lower(email))`, `-`, the first 8 hex digits of SHA-256 of the
/// lower-cased email, and from the second on `-n`; the sanitised email is cut (to 50 characters for the first)
/// so that the whole is never longer than WordPress's 60. Unique per email, the same on every retry.
pub fn fallback(email: &str, n: usize) -> String {
    let lower = email.to_lowercase();
    let digest = Sha256::digest(lower.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let suffix = if n > 1 { format!("-{hex}-{n}") } else { format!("-{hex}") };
    let room = FALLBACK_PREFIX.min(MAX_LOGIN - suffix.len());
    let base: String = sanitize_strict(&lower).chars().take(room).collect();
    let base = base.trim_end();
    if base.is_empty() {
        format!("user{suffix}")
    } else {
        format!("{base}{suffix}")
    }
}

/// WordPress's `sanitize_user($login, true)` for the characters it keeps: tags, `%XX` octets and `&…;`
/// entities removed, then only `a-z A-Z 0-9 space _ . - @` kept, trimmed, inner white space collapsed.
/// (WordPress transliterates accented letters first; this drops them, which only ever makes a login that
/// WordPress accepts unchanged.)
pub fn sanitize_strict(login: &str) -> String {
    let without_tags = strip_tags(login);
    let without_octets = strip_octets(&without_tags);
    let without_entities = strip_entities(&without_octets);
    let kept: String = without_entities
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '.' | '-' | '@'))
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match (c, in_tag) {
            ('<', _) => in_tag = true,
            ('>', true) => in_tag = false,
            (c, false) => out.push(c),
            _ => {}
        }
    }
    out
}

fn strip_octets(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn strip_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match after.char_indices().skip(1).find(|(_, c)| *c == ';') {
            Some((semi, _)) => rest = &after[semi + 1..],
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_email_is_its_own_login() {
        let l = logins("Jane.Doe@Example.com", None);
        assert_eq!(l.primary.as_deref(), Some("Jane.Doe@Example.com"));
        assert_eq!(l.fallbacks[0], fallback("jane.doe@example.com", 1));
        assert_eq!(l.fallbacks.len(), FALLBACKS);
        assert_eq!(l.candidates()[0], "Jane.Doe@Example.com");
    }

    #[test]
    fn a_mapped_login_wins_when_valid() {
        assert_eq!(logins("a@b.co", Some("jane_d")).primary.as_deref(), Some("jane_d"));
        assert_eq!(logins("a@b.co", Some("jane d!")).primary, None);
    }

    #[test]
    fn emails_wordpress_would_alter_get_no_primary() {
        for email in ["jane+news@example.com", "josé@example.com", "a%41b@example.com", "<b>x</b>@example.com"] {
            assert_eq!(logins(email, None).primary, None, "{email}");
        }
        let long = format!("{}@example.com", "a".repeat(60));
        assert_eq!(logins(&long, None).primary, None);
    }

    #[test]
    fn a_username_format_makes_the_primary_login_from_the_mapped_names() {
        let email = "jane@example.com";
        let of = |format, mapped, first, last| for_format(format, email, mapped, first, last);
        assert_eq!(of(UsernameFormat::Email, None, Some("Jane"), Some("Doe")).primary.as_deref(), Some(email));
        assert_eq!(of(UsernameFormat::FlName, None, Some("Jane"), Some("Doe")).primary.as_deref(), Some("JaneDoe"));
        assert_eq!(
            of(UsernameFormat::FlName, None, Some(" Mary Ann "), Some("Smith")).primary.as_deref(),
            Some("Mary AnnSmith")
        );
        for _ in 0..200 {
            let login = of(UsernameFormat::FNameNum, None, Some("Jane"), None).primary.expect("a login");
            let n: u32 = login.strip_prefix("Jane").and_then(|n| n.parse().ok()).expect("Jane and a number");
            assert!((1..=99_999).contains(&n), "{login}");
        }
        assert_eq!(
            of(UsernameFormat::FlName, Some("jd_login"), Some("Jane"), Some("Doe")).primary.as_deref(),
            Some("jd_login"),
            "a mapped user_login wins"
        );
        for (format, first, last) in [
            (UsernameFormat::FlName, Some("Jane"), None),
            (UsernameFormat::FlName, None, Some("Doe")),
            (UsernameFormat::FlName, Some("  "), Some("Doe")),
            (UsernameFormat::FNameNum, None, Some("Doe")),
            (UsernameFormat::FlName, Some("José"), Some("García")),
        ] {
            let l = of(format, None, first, last);
            assert_eq!(l.primary, None, "empty or invalid: {format:?} {first:?} {last:?}");
            assert_eq!(l.fallbacks, logins(email, None).fallbacks, "the email's fallbacks, as for any login");
        }
        let address = of(UsernameFormat::FlName, None, Some("ceo@example"), Some(".com"));
        assert_eq!(address.primary, None, "names that spell an email make no login");
        let long = "a".repeat(40);
        assert_eq!(of(UsernameFormat::FlName, None, Some(&long), Some(&long)).primary, None, "over 60 characters");
    }

    #[test]
    fn the_fallback_is_predictable_short_and_valid() {
        let f = fallback("Jane+News@Example.com", 1);
        assert_eq!(f, fallback("jane+news@example.com", 1), "case-insensitive");
        assert!(f.starts_with("janenews@example.com-"), "{f}");
        assert_eq!(f.len(), "janenews@example.com-".len() + 8);
        assert_eq!(sanitize_strict(&f), f);
        let long = fallback(&format!("{}@example.com", "b".repeat(200)), 1);
        assert!(long.len() <= 59, "{}", long.len());
        assert_eq!(sanitize_strict(&long), long);
        assert_ne!(fallback("x@example.com", 1), fallback("y@example.com", 1));
    }

    #[test]
    fn every_fallback_of_a_long_email_fits_in_60_characters_and_they_differ() {
        let email = format!("{}@example.com", "b".repeat(64));
        let hex = &fallback(&email, 1)[51..];
        let all = logins(&email, None).fallbacks;
        assert_eq!(all[0], format!("{}-{hex}", "b".repeat(50)));
        assert_eq!(all[1], format!("{}-{hex}-2", "b".repeat(49)));
        assert_eq!(all[9], format!("{}-{hex}-10", "b".repeat(48)));
        for login in &all {
            assert!(login.len() <= MAX_LOGIN, "{login}");
            assert_eq!(&sanitize_strict(login), login);
        }
        let unique: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(unique.len(), FALLBACKS);
        assert_eq!(fallback("a@b.co", 3), format!("a@b.co-{}-3", &fallback("a@b.co", 1)[7..]));
    }

    #[test]
    fn an_email_with_nothing_left_after_sanitising_still_gets_a_login() {
        let f = fallback("ééé", 1);
        assert!(f.starts_with("user-") && f.len() == 13, "{f}");
    }

    #[test]
    fn sanitizing_matches_wordpress_on_ascii() {
        let cases = [
            ("john.smith@example.com", "john.smith@example.com"),
            ("John  Smith", "John Smith"),
            ("  x  ", "x"),
            ("a&amp;b", "ab"),
            ("a&b", "ab"),
            ("a%20b", "ab"),
            ("a%2", "a2"),
            ("<b>x</b>y", "xy"),
            ("o'brien", "obrien"),
            ("tab\there", "tabhere"),
        ];
        for (input, want) in cases {
            assert_eq!(sanitize_strict(input), want, "{input:?}");
        }
    }
}
