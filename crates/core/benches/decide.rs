//! Micro-benchmarks of what the core does for every webhook: parsing the request, checking the key and a
//! signature, mapping fields, deriving logins, and whole decisions (`test` without the network; `update` and `add` against the
//! in-process sandbox CRM over loopback). `cargo bench -p wpf-webhooks-core`; figures in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::hint::black_box;
use wpf_sandbox::{Person, Sandbox};
use wpf_webhooks_core::request::parse_body;
use wpf_webhooks_core::{auth, crm, decide, fields, login, signature, Decision, RawRequest, Site};

const KEY: &str = "bench-key-Zq8xV3mN7pL2rT9kW4yB6cD1fG5hJ0s";

/// What Customer.io's "Send and receive data" step sends.
const CUSTOMERIO_BODY: &str = r#"{"email": "jane@example.com"}"#;

/// A Customerly `user_tagged` webhook carrying the whole contact, as Customerly sends it.
fn customerly_body() -> String {
    json!({
        "type": "user_tagged",
        "app_id": "sandbox-app",
        "data": {"user": {"data": {
            "email": "jane@example.com", "name": "Jane Doe", "user_id": "u-17", "crmhero_user_id": 5000001,
            "attributes": {"first_name": "Jane", "last_name": "Doe", "plan": "pro", "seats": 3},
            "tags": ["onboarding", "vip"], "created_at": 1_700_000_000, "last_update": 1_700_000_500
        }}}
    })
    .to_string()
}

fn request(query: &str, body: &str) -> RawRequest {
    let headers = BTreeMap::from([
        ("content-type".to_string(), "application/json".to_string()),
        ("user-agent".to_string(), "Customer.io Webhooks".to_string()),
        ("x-cio-delivery-id".to_string(), "dlv-01HZX3J8K9".to_string()),
    ]);
    RawRequest { query: query.to_string(), body: body.as_bytes().to_vec(), headers }
}

fn site(settings: Value) -> Site {
    Site::from_value(&json!({
        "settings": settings,
        "roles": {
            "administrator": {"name": "Administrator", "capabilities": {"manage_options": true}},
            "subscriber": {"name": "Subscriber", "capabilities": {"read": true}},
        },
        "default_role": "subscriber",
    }))
}

fn parsing(c: &mut Criterion) {
    let raw = request(&format!("wpf_action=add&access_key={KEY}&send_notification=true&role=customer"), "");
    c.bench_function("RawRequest::param", |b| b.iter(|| black_box(&raw).param("wpf_action")));
    c.bench_function("RawRequest::access_key", |b| b.iter(|| black_box(&raw).access_key()));
    c.bench_function("parse_body/customerio", |b| b.iter(|| parse_body(black_box(CUSTOMERIO_BODY.as_bytes()))));
    let customerly = customerly_body();
    c.bench_function("parse_body/customerly", |b| b.iter(|| parse_body(black_box(customerly.as_bytes()))));
    c.bench_function("auth::key_matches", |b| {
        b.iter(|| auth::key_matches(Some(black_box(KEY.as_bytes())), black_box(KEY.as_bytes())))
    });
}

fn planning(c: &mut Criterion) {
    let field_map: Vec<(String, String)> = [("first_name", "first_name"), ("last_name", "last_name"), ("plan", "plan")]
        .iter()
        .map(|(w, c)| (w.to_string(), c.to_string()))
        .collect();
    let contact: Map<String, Value> = serde_json::from_value(json!({
        "email": "jane@example.com",
        "attributes": {"first_name": "Jane", "last_name": "Doe", "plan": "pro", "seats": "3"}
    }))
    .unwrap_or_default();
    c.bench_function("fields::map", |b| {
        b.iter(|| fields::map(black_box(&field_map), black_box(&contact), &crm::SLUGS))
    });
    c.bench_function("login::logins", |b| b.iter(|| login::logins(black_box("Jane.Doe+news@example.com"), None)));

    let test = request(&format!("wpf_action=test&access_key={KEY}"), CUSTOMERIO_BODY);
    let offline = site(json!({"access_key": KEY}));
    c.bench_function("decide/test", |b| b.iter(|| decide(black_box(&test), &offline)));

    let signing = site(json!({"crm": "customerio", "access_key": KEY, "customerio_signing_key": SIGNING_KEY}));
    let signed = signed(test.clone());
    let now = signed.headers["x-cio-timestamp"].parse().unwrap_or_default();
    assert_eq!(signature::check(&signed.headers, &signed.body, &signing.settings, now).status(), "verified");
    c.bench_function("signature::check/customerio", |b| {
        b.iter(|| signature::check(black_box(&signed.headers), black_box(&signed.body), &signing.settings, now))
    });
    c.bench_function("decide/test (signed, Customer.io)", |b| b.iter(|| decide(black_box(&signed), &signing)));
}

const SIGNING_KEY: &str = "bench-signing-key-0123456789";

/// The request signed now as Customer.io signs it.
fn signed(mut raw: RawRequest) -> RawRequest {
    use hmac::{Hmac, KeyInit, Mac};
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(SIGNING_KEY.as_bytes()).expect("any key length");
    mac.update(format!("v0:{now}:").as_bytes());
    mac.update(&raw.body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    raw.headers.insert("x-cio-timestamp".into(), now.to_string());
    raw.headers.insert("x-cio-signature".into(), hex);
    raw
}

/// Whole decisions with the CRM reads over loopback to the in-process sandbox (0 ms latency): what the
/// extension adds to a webhook besides WordPress.
fn against_sandbox(c: &mut Criterion) {
    let Ok(sandbox) = Sandbox::start("127.0.0.1:0") else {
        panic!("cannot start the sandbox CRM on loopback");
    };
    let mut settings = sandbox.settings("customerio");
    settings["access_key"] = json!(KEY);
    settings["return_password_field"] = json!("wp_password");
    let online = site(settings);
    sandbox.put_person(Person::new("bench@example.com").attr("first_name", "Ben").segments([json!(1), json!("42")]));
    let body = json!({"email": "bench@example.com"}).to_string();
    for action in ["update_tags", "update", "add"] {
        let raw = request(&format!("wpf_action={action}&access_key={KEY}"), &body);
        assert!(matches!(decide(&raw, &online), Decision::Apply(_)), "{action} against the sandbox did not plan");
        c.bench_function(&format!("decide/{action} (sandbox, 0 ms)"), |b| {
            // The sandbox records every request: empty its log outside the measured part.
            b.iter_batched(|| sandbox.clear_requests(), |()| decide(&raw, &online), BatchSize::SmallInput)
        });
    }
}

criterion_group!(benches, parsing, planning, against_sandbox);
criterion_main!(benches);
