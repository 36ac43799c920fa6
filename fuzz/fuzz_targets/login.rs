//! A new user's login: `login::logins`, `login::for_format`, `login::fallback`, `login::sanitize_strict`.
//!
//! Input layout: the text up to the first `\n` is the contact's email; what follows, when there is a `\n`,
//! is the login the CRM supplied through `field_map` (absent without a `\n`). Invalid UTF-8 is replaced,
//! as PHP's strings reach the core as Rust strings.
//!
//! Invariants: every fallback is non-empty, at most 60 bytes (`login::MAX_LOGIN`; the first at most 59), its own
//! sanitised self, has `-` and 8 lower-case hex digits (then `-n` from the second on), is the same for the email in
//! any case, and the `login::FALLBACKS` of them all differ; the primary login, when there is one,
//! is non-empty, at most 60 bytes (`login::MAX_LOGIN`) and its own sanitised self, and is the wanted login
//! exactly when that login is all of these; `sanitize_strict` keeps only `a-z A-Z 0-9 space _ . - @`, with
//! no leading, trailing or doubled space, and is idempotent; under every username format the fallbacks are the
//! email's, a primary login is valid as it stands, `fnamenum`'s is the first name and 1 to 99 999, and without a
//! first name only `email` has one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wpf_webhooks_core::login::{fallback, for_format, logins, sanitize_strict, FALLBACKS, MAX_LOGIN};
use wpf_webhooks_core::settings::UsernameFormat;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (email, mapped) = match text.split_once('\n') {
        Some((e, m)) => (e, Some(m)),
        None => (text.as_ref(), None),
    };

    for s in [text.as_ref(), email].into_iter().chain(mapped) {
        check_sanitized(s, &sanitize_strict(s));
    }

    let f = fallback(email, 1);
    assert!(!f.is_empty() && f.len() <= 59, "{f:?} ({} bytes)", f.len());
    assert_eq!(sanitize_strict(&f), f, "the fallback is valid as it stands");
    let (base, hex) = f.split_at(f.len() - 9);
    assert!(!base.is_empty(), "{f:?}");
    assert!(
        hex.starts_with('-') && hex[1..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{f:?}"
    );
    for variant in [email.to_ascii_uppercase(), email.to_ascii_lowercase(), email.to_lowercase()] {
        assert_eq!(fallback(&variant, 1), f, "case-insensitive: {email:?} vs {variant:?}");
    }
    let all = logins(email, None).fallbacks;
    assert_eq!(all.len(), FALLBACKS);
    for (i, login) in all.iter().enumerate().skip(1) {
        assert!(login.len() <= MAX_LOGIN && sanitize_strict(login) == *login, "{login:?}");
        assert!(login.ends_with(&format!("{}-{}", hex, i + 1)), "{login:?} after {f:?}");
    }
    assert_eq!(all.iter().collect::<std::collections::HashSet<_>>().len(), FALLBACKS, "{all:?}");

    for wanted_by_crm in [None, mapped] {
        let l = logins(email, wanted_by_crm);
        assert_eq!(l.fallbacks[0], f);
        let wanted = wanted_by_crm.unwrap_or(email);
        let valid = !wanted.is_empty() && wanted.len() <= MAX_LOGIN && sanitize_strict(wanted) == wanted;
        assert_eq!(l.primary.as_deref(), valid.then_some(wanted), "{wanted:?}");
        if let Some(p) = &l.primary {
            assert!(!p.is_empty() && p.len() <= MAX_LOGIN && sanitize_strict(p) == *p, "{p:?}");
        }
    }

    // Username formats, with the CRM's login (if any) as the first name and the email as the last.
    let first = mapped.map(|m| m.split(' ').next().unwrap_or_default());
    for format in UsernameFormat::ALL.map(|(f, _, _)| f) {
        let l = for_format(format, email, None, first, Some(email));
        assert_eq!(l.fallbacks, all, "the email's fallbacks whatever the format");
        if let Some(p) = &l.primary {
            assert!(!p.is_empty() && p.len() <= MAX_LOGIN && sanitize_strict(p) == *p, "{format:?}: {p:?}");
        }
        let name = first.map(str::trim).filter(|f| !f.is_empty());
        if format == UsernameFormat::FNameNum {
            if let Some(p) = &l.primary {
                let n = p.strip_prefix(name.unwrap_or_default()).and_then(|n| n.parse::<u32>().ok());
                assert!(n.is_some_and(|n| (1..=99_999).contains(&n)), "{p:?}");
            }
        }
        if name.is_none() && format != UsernameFormat::Email {
            assert_eq!(l.primary, None, "no first name, no {format:?} login");
        }
        if let Some(m) = mapped {
            let wins = for_format(format, email, Some(m), first, Some(email)).primary;
            assert_eq!(wins, logins(email, Some(m)).primary, "a mapped login wins");
        }
    }
});

fn check_sanitized(input: &str, out: &str) {
    assert!(
        out.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '.' | '-' | '@')),
        "{input:?} -> {out:?}"
    );
    assert!(!out.starts_with(' ') && !out.ends_with(' ') && !out.contains("  "), "{input:?} -> {out:?}");
    assert!(out.len() <= input.len(), "{input:?} -> {out:?}");
    assert_eq!(sanitize_strict(out), out, "idempotent: {input:?}");
}
