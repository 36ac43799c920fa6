//! The incoming request, as the shim passes it through: query string, headers, body.
//!
//! Input layout (so that seeds stay readable): the bytes up to the first `\n` are the query string, the next
//! line is the `X-WPF-Access-Key` header (absent when empty), the next line is one more header written
//! `name:value` (absent when it has no `:`), and everything after is the body. Missing lines are empty.
//!
//! Covered: `RawRequest::{param, access_key, delivery_key}`, `request::{Action::parse, check_size,
//! parse_body, Flags::from_request, is_email}`, `auth::key_matches`, `webhook::Site::from_value` and
//! `RawRequest::stored` (what the queue keeps) and `LogRequest::of` (what the log keeps) with the header's key as
//! the credential and the other header's line as the Return Password field, `webhook::decide` with sites whose settings name no CRM (so every decision ends, at the latest, at
//! `not_configured`, before any network I/O), one with a fixed key the input does not know and one with the
//! header's key, and `signature::check` on the input's headers with the header's key as every signing secret, and
//! on the body signed here (its own HMAC, not the core's code) as Customer.io and as Standard Webhooks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::collections::BTreeMap;
use wpf_webhooks_core::auth::key_matches;
use wpf_webhooks_core::log_request::{self, LogRequest};
use wpf_webhooks_core::redact::{Secrets, MIN_CREDENTIAL_LEN, REDACTED};
use wpf_webhooks_core::request::{self, Action, Flags, ACCESS_KEY_HEADER, MAX_BODY_BYTES, MAX_JSON_DEPTH};
use wpf_webhooks_core::settings::{flag, scalar_text, Settings};
use wpf_webhooks_core::signature::{self, Verdict};
use wpf_webhooks_core::{decide, Code, Decision, RawRequest, Site};

/// A key no input is expected to guess: decisions against it must stop at `forbidden` (or earlier).
const FIXED_KEY: &str = "fuzz-fixed-key-7b0e5f0c2d1a4e6b9c8d7f6e5a4b3c2d";

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == b'\n');
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let key_header = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let other_header = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let body = parts.next().unwrap_or_default().to_vec();

    let mut headers = BTreeMap::new();
    if !key_header.is_empty() {
        headers.insert(ACCESS_KEY_HEADER.to_string(), key_header.clone());
    }
    if let Some((name, value)) = other_header.split_once(':') {
        // The shim lower-cases header names.
        headers.insert(name.trim().to_ascii_lowercase(), value.to_string());
    }
    let raw = RawRequest { query, body, headers };

    // Query parameters.
    for name in ["access_key", "access_key[]", "wpf_action", "role", "contact_id", "send_notification", ""] {
        let _ = raw.param(name);
    }
    let key = raw.access_key();
    match raw.param("access_key") {
        Some(p) => assert_eq!(key.as_deref(), Some(p.as_bytes()), "the query's key wins"),
        None => {
            assert_eq!(key.as_deref(), raw.headers.get(ACCESS_KEY_HEADER).map(String::as_bytes), "else the header's")
        }
    }
    if let Some(d) = raw.delivery_key() {
        assert!(d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{d}");
    }

    // The action.
    let action_param = raw.param("wpf_action");
    match Action::parse(action_param.as_deref()) {
        Ok(action) => {
            assert_eq!(Action::parse(Some(action.as_str())), Ok(action), "as_str round-trips");
            assert_eq!(Action::parse(Some(&action.as_str().to_ascii_uppercase())), Ok(action), "case-insensitive");
        }
        Err(f) => assert_eq!(f.code, Code::BadRequest),
    }

    // Size and body.
    assert_eq!(request::check_size(&raw.body).is_ok(), raw.body.len() <= MAX_BODY_BYTES);
    match request::parse_body(&raw.body) {
        Ok(map) => {
            assert!(std::str::from_utf8(&raw.body).is_ok(), "accepted bodies are UTF-8");
            assert!(depth(&Value::Object(map)) <= MAX_JSON_DEPTH, "accepted bodies are at most 64 deep");
        }
        Err(f) => assert_eq!(f.code, Code::BadRequest),
    }

    // What the queue would store: a JSON object without a secret key or a credential anywhere.
    if let Ok(map) = request::parse_body(&raw.body) {
        let settings = Settings {
            access_key: key_header.clone(),
            return_password_field: other_header.clone(),
            ..Settings::default()
        };
        let secrets = Secrets::of(&settings);
        let stored = raw.stored(&map, &secrets);
        let body = request::parse_body(&stored.body).expect("the stored body is a JSON object");
        assert_no_secret(&Value::Object(body), &secrets);
        assert!(stored.headers.values().all(|v| !secrets.holds_credential(v)));
        assert_eq!(stored.access_key(), None, "the stored request has no key");
    }

    // What the log would keep: no credential in a query or body key, a text or a header value (the header names
    // are the allow-list's), the access key header only as present.
    let secrets = Secrets::of(&Settings {
        access_key: key_header.clone(),
        return_password_field: other_header.clone(),
        ..Settings::default()
    });
    let log = LogRequest::of(&raw, "POST", &secrets);
    assert_eq!(log.body_bytes, raw.body.len());
    let signing_headers: Vec<&str> =
        signature::schemes().flat_map(|s| [s.signature_header, s.timestamp_header]).collect();
    assert!(log
        .headers
        .keys()
        .all(|h| log_request::HEADERS.contains(&h.as_str()) || signing_headers.contains(&h.as_str())));
    assert!(log.headers.get(ACCESS_KEY_HEADER).is_none_or(|v| v == REDACTED));
    for s in signature::schemes() {
        assert!(log.headers.get(s.signature_header).is_none_or(|v| v == REDACTED), "a signature is kept as present");
    }
    if log.body_truncated {
        assert!(log.body.as_str().is_some_and(|b| b.len() <= log_request::BODY_EXCERPT_BYTES));
    }
    // A credential that could be spelled across a `[redacted]` it sits beside, or by JSON escaping, is not checked.
    let plain =
        |c: &str| !c.contains(['[', ']', '\\', '"']) && !REDACTED.contains(c) && !c.chars().any(char::is_control);
    if key_header.trim().len() >= MIN_CREDENTIAL_LEN && plain(&key_header) && plain(key_header.trim()) {
        let texts = [log.query.clone(), log.body.clone()];
        for text in texts.iter().flat_map(strings).chain(log.headers.values().cloned()) {
            assert!(!secrets.holds_credential(&text), "{text:?} is logged");
        }
    }

    // URL flags.
    let flags = Flags::from_request(&raw);
    assert_eq!(flags.send_notification, raw.param("send_notification").is_some_and(|v| flag(&v)));
    if let Some(role) = &flags.role {
        assert!(!role.trim().is_empty());
    }
    if let Some(c) = &flags.contact_id {
        assert!(!c.is_empty() && c.trim() == c);
        check_email(c);
    }
    for s in [&raw.query, &key_header, &other_header] {
        check_email(s);
    }
    check_email(&String::from_utf8_lossy(&raw.body));

    // The key comparison.
    if let Some(k) = &key {
        assert_eq!(key_matches(Some(k), k), !k.is_empty(), "a non-empty key matches itself");
        assert!(!key_matches(Some(k), FIXED_KEY.as_bytes()) || k == FIXED_KEY.as_bytes());
        assert!(!key_matches(Some(k), key_header.as_bytes()) || k == key_header.as_bytes());
    }
    assert!(!key_matches(None, key_header.as_bytes()));

    signatures(&raw, &key_header);

    // Whole decisions, against sites that name no CRM: no decision may go further than `not_configured`. No
    // signing secret is set (the signature's own checks are above, at a fixed time), so none is refused.
    let body_value: Value = serde_json::from_slice(&raw.body).unwrap_or(Value::Null);
    let mut fixed = Site::from_value(&body_value);
    fixed.settings.crm = String::new();
    fixed.settings.access_key = FIXED_KEY.to_string();
    fixed.settings.crm_settings.insert("customerio_signing_key".into(), String::new());
    fixed.settings.standard_webhooks_secret = String::new();
    let size_ok = raw.body.len() <= MAX_BODY_BYTES;
    let fixed_code = respond_code(&decide(&raw, &fixed));
    if !size_ok {
        assert_eq!(fixed_code, Code::PayloadTooLarge);
    } else if key.as_deref() != Some(FIXED_KEY.as_bytes()) {
        assert_eq!(fixed_code, Code::Forbidden);
    }

    let mut own = fixed.clone();
    own.settings.access_key = key_header.clone();
    let own_code = respond_code(&decide(&raw, &own));
    if !size_ok {
        assert_eq!(own_code, Code::PayloadTooLarge);
    } else if !key_matches(key.as_deref(), key_header.as_bytes()) {
        assert_eq!(own_code, Code::Forbidden);
    } else {
        let want = match (Action::parse(action_param.as_deref()), request::parse_body(&raw.body)) {
            (Err(_), _) | (_, Err(_)) => Code::BadRequest,
            (Ok(Action::Test), Ok(_)) => Code::Ok,
            (Ok(_), Ok(_)) => Code::NotConfigured,
        };
        assert_eq!(own_code, want, "checks in the contract's order");
    }
});

/// A fixed "now" for the signature checks, so that no check depends on the clock.
const NOW: i64 = 1_700_000_000;

/// The signature check on the input as it is, with the header's key as every secret (set or not, required or not),
/// and on the body signed here in each scheme with that key (its base64 for Standard Webhooks): verified, and
/// refused once the body, the time or the signed id changes.
fn signatures(raw: &RawRequest, key: &str) {
    // The header's key as Customer.io's signing key, and its bytes in base64 as the Standard Webhooks secret.
    let sw_secret = format!("whsec_{}", base64::Engine::encode(&base64::prelude::BASE64_STANDARD, key.as_bytes()));
    let settings = |cio: &str, sw: &str, require: bool| {
        Settings::from_value(&serde_json::json!({
            "crm": "customerio", "customerio_signing_key": cio, "standard_webhooks_secret": sw,
            "require_signature": require,
        }))
    };
    let none = signature::check(&raw.headers, &raw.body, &settings("", "", true), NOW);
    assert!(!matches!(none, Verdict::Refused { .. }), "no secret, nothing refused: {none:?}");
    for require in [false, true] {
        let set = settings(key, key, require);
        let verdict = signature::check(&raw.headers, &raw.body, &set, NOW);
        if let Verdict::Verified(name) = verdict {
            let scheme = signature::schemes().find(|s| s.name == name).expect("a scheme");
            assert!(raw.headers.contains_key(scheme.signature_header));
        }
        if require && signature::required(&set) {
            assert!(matches!(verdict, Verdict::Verified(_) | Verdict::Refused { .. }), "{verdict:?}");
        }
    }

    let set = settings(key, &sw_secret, true);
    let cio_key = set.secret("customerio_signing_key").to_string();
    if !cio_key.is_empty() {
        let ts = NOW.to_string();
        let mut headers = BTreeMap::new();
        headers.insert("x-cio-timestamp".to_string(), ts.clone());
        let hex: String = hmac(cio_key.as_bytes(), &[b"v0:", ts.as_bytes(), b":", &raw.body].concat())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        headers.insert("x-cio-signature".to_string(), hex);
        assert_eq!(signature::check(&headers, &raw.body, &set, NOW), Verdict::Verified("customerio"));
        assert_eq!(signature::check(&headers, &raw.body, &set, NOW + 300), Verdict::Verified("customerio"));
        assert_eq!(signature::check(&headers, &raw.body, &set, NOW + 301).status(), "refused");
        let mut changed = raw.body.clone();
        changed.push(b' ');
        assert_eq!(signature::check(&headers, &changed, &set, NOW).status(), "refused");
    }
    if let Ok(secret) = (signature::STANDARD_WEBHOOKS.key)(set.secret("standard_webhooks_secret")) {
        let (id, ts) = ("msg_fuzz", NOW.to_string());
        let mac = hmac(&secret, &[id.as_bytes(), b".", ts.as_bytes(), b".", &raw.body].concat());
        let encoded = base64::Engine::encode(&base64::prelude::BASE64_STANDARD, mac);
        let mut headers = BTreeMap::new();
        headers.insert("webhook-id".to_string(), id.to_string());
        headers.insert("webhook-timestamp".to_string(), ts);
        headers.insert("webhook-signature".to_string(), format!("v1a,x v1,{encoded}"));
        assert_eq!(signature::check(&headers, &raw.body, &set, NOW), Verdict::Verified("standard_webhooks"));
        headers.insert("webhook-id".to_string(), "msg_other".to_string());
        assert_eq!(signature::check(&headers, &raw.body, &set, NOW).status(), "refused");
    }
}

/// HMAC-SHA256, computed here with the `hmac` crate directly.
fn hmac(key: &[u8], content: &[u8]) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(content);
    mac.finalize().into_bytes().to_vec()
}

/// The code of a decision that must be an answer (no CRM is configured, so no plan can be made).
fn respond_code(decision: &Decision) -> Code {
    let value = decision.to_value();
    match decision {
        Decision::Respond(f) => {
            assert_eq!(value["status"], f.code.status());
            assert!(!f.message.is_empty());
            f.code
        }
        Decision::Queue(queued) => panic!("queued without a configured CRM: {queued:?}"),
        Decision::Apply(plan) => panic!("a plan without a configured CRM: {plan:?}"),
    }
}

/// `is_email` on arbitrary text, and what an accepted email must look like.
fn check_email(s: &str) {
    if request::is_email(s) {
        assert!(s.is_ascii() && (6..=100).contains(&s.len()) && s.matches('@').count() == 1, "{s:?}");
        assert!(request::is_email(&s.to_ascii_uppercase()), "case-insensitive: {s:?}");
    }
}

/// Neither a secret key nor a credential in a value, at any depth.
fn assert_no_secret(value: &Value, secrets: &Secrets) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                for (k, item) in map {
                    assert!(!secrets.is_secret_key(k) && !secrets.holds_credential(k), "{k:?} is stored");
                    stack.push(item);
                }
            }
            Value::Array(items) => stack.extend(items),
            scalar => assert!(!scalar_text(scalar).is_some_and(|t| secrets.holds_credential(&t)), "{scalar} is stored"),
        }
    }
}

/// Every key and scalar of a value, as text.
fn strings(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                out.extend(map.keys().cloned());
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            scalar => out.extend(scalar_text(scalar)),
        }
    }
    out
}

/// Nesting depth (a scalar is 0), counted by recursion: the oracle is written another way than the iterative
/// count in `request.rs` it checks, so a slip in that count cannot repeat here. Recursing is safe on what it is
/// given, accepted bodies: serde_json refuses a document nested deeper than 128.
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => items.iter().map(|i| 1 + depth(i)).max().unwrap_or(0),
        Value::Object(map) => map.values().map(|i| 1 + depth(i)).max().unwrap_or(0),
        _ => 0,
    }
}
