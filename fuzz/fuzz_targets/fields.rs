//! Field mapping: which CRM values end up in which WordPress fields.
//!
//! The input is a contact as JSON. The field map is derived from it: every top-level and `attributes` key
//! mapped to itself, the contact's own `field_map` member read through `Settings::from_value` (as the site's
//! option would be), and a fixed list of protected and special WordPress fields. Every line of the input,
//! and every key, also goes to `fields::forbidden_reason`.
//!
//! Invariants: a mapped field is never a forbidden one, nor `user_login` / `user_pass` (kept apart); every
//! mapped value comes from a mapping; core fields and meta are kept apart; `forbidden_reason` keeps the rules of
//! `check_forbidden`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use wpf_webhooks_core::crm::SLUGS;
use wpf_webhooks_core::fields::{self, forbidden_reason, CORE_FIELDS};
use wpf_webhooks_core::settings::Settings;

/// WordPress fields a mapping may name: the special ones, and some that must always be refused.
const FIXED: [(&str, &str); 10] = [
    ("user_login", "login"),
    ("user_pass", "password"),
    ("first_name", "first_name"),
    ("role", "role"),
    ("wp_capabilities", "capabilities"),
    ("wp_user_level", "level"),
    ("user_email", "email"),
    ("customer-io_tags", "tags"),
    ("customerly_contact_id", "id"),
    ("ID", "id"),
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_forbidden(&text);
    for line in text.lines() {
        check_forbidden(line);
    }

    let Ok(Value::Object(contact)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let mut field_map: Vec<(String, String)> = FIXED.iter().map(|(w, c)| (w.to_string(), c.to_string())).collect();
    let attributes = contact.get("attributes").and_then(Value::as_object);
    for key in contact.keys().chain(attributes.into_iter().flat_map(Map::keys)) {
        check_forbidden(key);
        field_map.push((key.clone(), key.clone()));
    }
    field_map.extend(Settings::from_value(&Value::Object(contact.clone())).field_map);

    let mapped = fields::map(&field_map, &contact, &SLUGS);
    assert_eq!(mapped, fields::map(&field_map, &contact, &SLUGS), "deterministic");
    assert_eq!(fields::map(&[], &contact, &SLUGS), fields::Mapped::default(), "no map, nothing mapped");

    for (wp, value) in mapped.core.iter().chain(&mapped.meta) {
        assert_eq!(forbidden_reason(wp, &SLUGS), None, "a forbidden field was mapped: {wp:?}");
        assert!(!matches!(wp.as_str(), "user_login" | "user_pass"), "{wp}");
        assert!(
            field_map.iter().any(|(w, c)| w == wp && found(&contact, c).as_deref() == Some(value.as_str())),
            "{wp:?} = {value:?} comes from no mapping"
        );
    }
    for wp in mapped.core.keys() {
        assert!(CORE_FIELDS.contains(&wp.as_str()), "{wp}");
    }
    for wp in mapped.meta.keys() {
        assert!(!CORE_FIELDS.contains(&wp.as_str()), "{wp}");
    }
    for (special, value) in [("user_login", &mapped.login), ("user_pass", &mapped.password)] {
        if let Some(v) = value {
            assert!(field_map.iter().any(|(w, c)| w == special && found(&contact, c).as_deref() == Some(v.as_str())));
        }
    }
});

/// `forbidden_reason` on arbitrary text, and the rules it must keep: a name refused in lower case is refused in any
/// case, and a special or core field (`user_pass`, `first_name`, …) in any case but its own is refused; every
/// name with a character other than ASCII letters, digits, `_` and `-` (which the database's collation could fold
/// into a protected key), every private (`_…`) and every protected key refused (the list may grow, never shrink).
fn check_forbidden(wp: &str) {
    let reason = forbidden_reason(wp, &SLUGS);
    let lower = wp.to_ascii_lowercase();
    if forbidden_reason(&lower, &SLUGS).is_some() {
        assert!(reason.is_some(), "{wp:?} is refused in lower case");
    }
    let special = ["user_login", "user_pass"].iter().chain(&CORE_FIELDS).any(|f| *f == lower);
    let must = wp.is_empty()
        || wp.len() > 255
        || !wp.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        || wp.starts_with('_')
        || (special && lower != wp)
        || ["role", "roles", "id", "meta_input", "user_email", "user_activation_key", "session_tokens", "locale"]
            .contains(&lower.as_str())
        || lower.ends_with("capabilities")
        || lower.ends_with("user_level")
        || SLUGS.iter().any(|s| lower == format!("{s}_contact_id") || lower == format!("{s}_tags"));
    if must {
        assert!(reason.is_some(), "{wp:?} must be refused");
    }
}

/// The value a mapping of `crm` may take: the top-level value (unless an object), else the `attributes` one,
/// as text; blank counts as missing.
fn found(contact: &Map<String, Value>, crm: &str) -> Option<String> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        _ => None,
    };
    let top = contact.get(crm).filter(|v| !v.is_object()).and_then(text);
    let value = top.or_else(|| contact.get("attributes").and_then(|a| a.get(crm)).and_then(text))?;
    (!value.trim().is_empty()).then_some(value)
}
