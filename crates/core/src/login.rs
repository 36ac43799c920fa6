//! The username of a new user (CONTRACT §2 `add`): the email, unless `field_map` supplies one; when that login
//! is not valid as it stands, a predictable fallback derived from the email.

use sha2::{Digest, Sha256};

/// WordPress's limit for `user_login`.
pub const MAX_LOGIN: usize = 60;
/// How much of the sanitised email the fallback keeps before its hash suffix.
const FALLBACK_PREFIX: usize = 50;

/// The logins to try for a new user, in order: `primary` (when it is valid as it stands), then `fallback`,
/// then `fallback-2`, `fallback-3`, … — WordPress says which are taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logins {
    pub primary: Option<String>,
    pub fallback: String,
}

/// Derives the logins for a contact's email and an optional login the CRM supplied.
pub fn logins(email: &str, mapped: Option<&str>) -> Logins {
    let wanted = mapped.unwrap_or(email);
    let primary = (sanitize_strict(wanted) == wanted && !wanted.is_empty() && wanted.len() <= MAX_LOGIN)
        .then(|| wanted.to_string());
    Logins { primary, fallback: fallback(email) }
}

/// `sanitize(lower(email))` cut to 50 characters, `-`, and the first 8 hex digits of SHA-256 of the lower-cased
/// email: unique per email, the same on every retry, never longer than 59 characters.
pub fn fallback(email: &str) -> String {
    let lower = email.to_lowercase();
    let digest = Sha256::digest(lower.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let base: String = sanitize_strict(&lower).chars().take(FALLBACK_PREFIX).collect();
    let base = base.trim_end();
    if base.is_empty() {
        format!("user-{hex}")
    } else {
        format!("{base}-{hex}")
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
        assert_eq!(l.fallback, fallback("jane.doe@example.com"));
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
    fn the_fallback_is_predictable_short_and_valid() {
        let f = fallback("Jane+News@Example.com");
        assert_eq!(f, fallback("jane+news@example.com"), "case-insensitive");
        assert!(f.starts_with("janenews@example.com-"), "{f}");
        assert_eq!(f.len(), "janenews@example.com-".len() + 8);
        assert_eq!(sanitize_strict(&f), f);
        let long = fallback(&format!("{}@example.com", "b".repeat(200)));
        assert!(long.len() <= 59, "{}", long.len());
        assert_eq!(sanitize_strict(&long), long);
        assert_ne!(fallback("x@example.com"), fallback("y@example.com"));
    }

    #[test]
    fn an_email_with_nothing_left_after_sanitising_still_gets_a_login() {
        let f = fallback("ééé");
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
