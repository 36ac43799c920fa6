//! What the core reads from JSON it did not write: webhook bodies of both CRMs, the settings option, the
//! site's roles.
//!
//! Input layout: the first line is the `contact_id` URL parameter (trimmed; absent when blank), the rest is
//! the body. The body goes through `request::parse_body` (as `webhook::decide` does) to
//! `CustomerIo::identify` and `Customerly::identify`, with clients built by `from_settings` from dummy
//! credentials and the unroutable `http://127.0.0.1:9`; `identify` makes no network call, and no target
//! calls `load`, `write_field` or `check`. The same bytes, as any JSON value, go to `Settings::from_value`,
//! `Roles::from_value` and `Site::from_value` (whole, and their `settings` / `roles` members), then to
//! `crm::from_settings` (which only builds a client) and `roles::decide`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use wpf_webhooks_core::crm::customerio::CustomerIo;
use wpf_webhooks_core::crm::customerly::Customerly;
use wpf_webhooks_core::crm::{self, ContactRef, Crm};
use wpf_webhooks_core::request::{self, is_email};
use wpf_webhooks_core::roles::{self, Roles, WARN_DEFAULT_ROLE_NOT_ALLOWED, WARN_ROLE_NOT_ALLOWED};
use wpf_webhooks_core::settings::Settings;
use wpf_webhooks_core::{Code, Site};

const NOWHERE: &str = "http://127.0.0.1:9";

fuzz_target!(|data: &[u8]| {
    let (first, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let contact_id = String::from_utf8_lossy(first).trim().to_string();
    let contact_id = (!contact_id.is_empty()).then_some(contact_id);

    let dummy = Settings::from_value(&serde_json::json!({
        "customerio_app_key": "fuzz-app-key",
        "customerio_site_id": "fuzz-site",
        "customerio_track_key": "fuzz-track-key",
        "customerio_app_url": NOWHERE,
        "customerio_track_url": NOWHERE,
        "customerly_token": "fuzz-token",
        "customerly_api_url": NOWHERE,
    }));
    let cio = CustomerIo::from_settings(&dummy).expect("dummy Customer.io settings are complete");
    let cly = Customerly::from_settings(&dummy).expect("dummy Customerly settings are complete");

    // Webhook bodies.
    let parsed = request::parse_body(body);
    let map = parsed.clone().unwrap_or_default();
    check_customerio(&cio, &map, contact_id.as_deref());
    check_customerly(&cly, &map, contact_id.as_deref());
    if let Ok(map) = &parsed {
        // The Customerly shape, whatever the body was: the contact nested at data.user.data.
        let nested = serde_json::json!({"type": "user_tagged", "data": {"user": {"data": map}}});
        check_customerly(&cly, nested.as_object().expect("an object"), contact_id.as_deref());
    }

    // Settings, roles and site, from any JSON value (PHP hands over whatever the option holds).
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    for v in [&value, &value["settings"]] {
        let settings = Settings::from_value(v);
        check_settings(&settings);
        // `from_settings` only builds a client (it checks the URLs); identify on it is offline too.
        match crm::from_settings(&settings) {
            Ok(client) => {
                assert!(matches!(settings.crm.as_str(), "customerio" | "customerly"), "{}", settings.crm);
                assert!(crm::SLUGS.contains(&client.slug()));
                let _ = client.identify(&map, contact_id.as_deref());
            }
            Err(f) => assert_eq!(f.code, Code::NotConfigured),
        }
    }
    let site = Site::from_value(&value);
    check_settings(&site.settings);
    for v in [&value, &value["roles"]] {
        let roles = Roles::from_value(v);
        let requested = contact_id.as_deref().or_else(|| value["role"].as_str());
        check_roles(&roles, requested, &site.settings, &site.default_role);
        check_roles(&site.roles, requested, &site.settings, &site.default_role);
    }
});

fn check_customerio(c: &CustomerIo, body: &Map<String, Value>, contact_id: Option<&str>) {
    let got = c.identify(body, contact_id);
    assert_eq!(got, c.identify(body, contact_id), "deterministic");
    match &got {
        Ok(ContactRef::Email(e)) => assert!(is_email(e), "{e:?}"),
        Ok(ContactRef::Id { id_type, value }) => {
            assert!(matches!(*id_type, "id" | "cio_id"), "{id_type}");
            assert!(!value.is_empty() && value.trim() == value, "{value:?}");
        }
        Err(f) => assert_eq!(f.code, Code::BadRequest),
    }
    // A non-blank string under "email" decides alone.
    if let Some(Value::String(e)) = body.get("email") {
        if !e.trim().is_empty() {
            let want = if is_email(e.trim()) { Some(ContactRef::Email(e.trim().to_string())) } else { None };
            assert_eq!(got.ok(), want, "{e:?}");
        }
    }
}

fn check_customerly(c: &Customerly, body: &Map<String, Value>, contact_id: Option<&str>) {
    let got = c.identify(body, contact_id);
    assert_eq!(got, c.identify(body, contact_id), "deterministic");
    match &got {
        Ok(ContactRef::Email(e)) => assert!(is_email(e), "{e:?}"),
        Ok(other) => panic!("Customerly contacts are identified by email, got {other:?}"),
        Err(f) => assert_eq!(f.code, Code::BadRequest),
    }
    // The embedded contact's email, when it is a non-blank string, decides alone.
    let embedded =
        body.get("data").and_then(|d| d.get("user")).and_then(|u| u.get("data")).and_then(|c| c.get("email"));
    if let Some(Value::String(e)) = embedded {
        if !e.trim().is_empty() {
            let want = if is_email(e.trim()) { Some(ContactRef::Email(e.trim().to_string())) } else { None };
            assert_eq!(got.ok(), want, "{e:?}");
        }
    }
}

fn check_settings(s: &Settings) {
    assert_eq!(s.crm, s.crm.trim().to_ascii_lowercase());
    for (wp, crm) in &s.field_map {
        assert!(!wp.is_empty() && wp.trim() == wp && !crm.is_empty() && crm.trim() == crm, "{wp:?} {crm:?}");
    }
    for r in &s.allowed_roles {
        assert!(!r.is_empty() && r.trim() == r, "{r:?}");
    }
    for t in s.crm_settings.values().chain([&s.return_password_field, &s.default_role]) {
        assert_eq!(t.trim(), t.as_str());
    }
    assert_eq!(s.crm_settings.len(), wpf_webhooks_core::crm::ALL.iter().map(|d| d.settings.len()).sum::<usize>());
}

/// A new user's role is a role of the site, never a privileged one; a requested role is only granted when
/// it is allowed.
fn check_roles(roles: &Roles, requested: Option<&str>, s: &Settings, site_default: &str) {
    let d = roles::decide(roles, requested, &s.allowed_roles, &s.default_role, site_default);
    assert!(d.warnings.iter().all(|w| [WARN_ROLE_NOT_ALLOWED, WARN_DEFAULT_ROLE_NOT_ALLOWED].contains(w)));
    if let Some(slug) = &d.role {
        let role = roles.0.iter().find(|r| &r.slug == slug).expect("the chosen role exists");
        assert!(!role.is_privileged(), "privileged role handed out: {role:?}");
    }
    if requested.is_some_and(|r| !r.trim().is_empty()) && !d.warnings.contains(&WARN_ROLE_NOT_ALLOWED) {
        let slug = d.role.as_ref().expect("a granted role");
        assert!(s.allowed_roles.contains(slug), "{slug} is not in allowed_roles {:?}", s.allowed_roles);
    }
}
