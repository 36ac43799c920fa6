//! Ring 1: the behaviour every CRM must show, written once and run against each CRM's sandbox. A CRM takes
//! part by implementing [`Fixture`] (settings, payload shapes, seeding, what its writes look like) and one
//! `conformance!` line; its quirks are tested in its own module.

use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wpf_sandbox::{ConfigUpdate, CustomerlyContact, Fault, Person, RecordedRequest, Sandbox, StatusFault};
use wpf_webhooks_core::{decide, decide_queued, return_password, webhook::Plan, Code, Decision, RawRequest, Site};

const KEY: &str = "conformance-key-0123456789-0123456789-abc";
const FIELD: &str = "wp_password";

/// What a CRM supplies to the suite.
trait Fixture {
    /// WP Fusion's slug.
    const SLUG: &'static str;
    /// Settings that select this CRM on the sandbox.
    fn settings(&self, sb: &Sandbox) -> Value;
    /// The body of this CRM's webhook about a contact (`email` as the sender wrote it).
    fn body(&self, sb: &Sandbox, email: &str) -> String;
    /// A webhook body about `email` that also carries its own copy of the contact (`copy`: name, attributes,
    /// tags, any other key), where this CRM's webhooks carry a copy, else beside the identifier.
    fn body_with_copy(&self, email: &str, copy: Value) -> String;
    /// Puts a contact in the sandbox with these attributes and tags (tags in the CRM's own form).
    fn seed(&self, sb: &Sandbox, email: &str, attributes: &[(&str, &str)], tags: &[&str]);
    /// A set of tags in this CRM's form.
    fn tags(&self) -> Vec<&'static str>;
    /// The value a recorded request wrote to `field`, if it is a field write.
    fn written(&self, request: &RecordedRequest, field: &str) -> Option<String>;
    /// Makes the CRM refuse the configured credentials, for reads and writes.
    fn revoke_credentials(&self, sb: &Sandbox);
}

struct CustomerIo;

impl Fixture for CustomerIo {
    const SLUG: &'static str = "customer-io";

    fn settings(&self, sb: &Sandbox) -> Value {
        sb.settings("customerio")
    }

    fn body(&self, _sb: &Sandbox, email: &str) -> String {
        json!({ "email": email }).to_string()
    }

    fn body_with_copy(&self, email: &str, mut copy: Value) -> String {
        copy["email"] = json!(email);
        copy["segments"] = copy["tags"].clone();
        copy.to_string()
    }

    /// The first segment id as a JSON number, the others as strings: the App API returns both.
    fn seed(&self, sb: &Sandbox, email: &str, attributes: &[(&str, &str)], tags: &[&str]) {
        let segments = tags.iter().enumerate().map(|(i, t)| match (i, t.parse::<u64>()) {
            (0, Ok(n)) => json!(n),
            _ => json!(t),
        });
        let person = attributes.iter().fold(Person::new(email), |p, (k, v)| p.attr(*k, *v)).segments(segments);
        sb.put_person(person);
    }

    fn tags(&self) -> Vec<&'static str> {
        vec!["11", "42"]
    }

    fn written(&self, r: &RecordedRequest, field: &str) -> Option<String> {
        let body: Value = (r.method == "PUT" && r.path.contains("/track/")).then(|| r.json()).flatten()?;
        body.get(field)?.as_str().map(str::to_string)
    }

    fn revoke_credentials(&self, sb: &Sandbox) {
        sb.set_config(ConfigUpdate::default().app_key("rotated").track_key("rotated"));
    }
}

/// Customerly, with webhooks that carry only the contact's email: everything comes from the API.
struct Customerly;

impl Fixture for Customerly {
    const SLUG: &'static str = "customerly";

    fn settings(&self, sb: &Sandbox) -> Value {
        sb.settings("customerly")
    }

    fn body(&self, _sb: &Sandbox, email: &str) -> String {
        json!({ "type": "user_tagged", "data": { "user": { "data": { "email": email } } } }).to_string()
    }

    fn body_with_copy(&self, email: &str, mut copy: Value) -> String {
        copy["email"] = json!(email);
        json!({ "type": "user_tagged", "data": { "user": { "data": copy } } }).to_string()
    }

    fn seed(&self, sb: &Sandbox, email: &str, attributes: &[(&str, &str)], tags: &[&str]) {
        let contact = attributes.iter().fold(CustomerlyContact::user(email), |c, (k, v)| c.attr(*k, json!(v)));
        sb.put_customerly_contact(contact.tags(tags.iter().copied()));
    }

    fn tags(&self) -> Vec<&'static str> {
        vec!["onboarding", "vip"]
    }

    fn written(&self, r: &RecordedRequest, field: &str) -> Option<String> {
        let body: Value =
            (r.method == "POST" && r.path.ends_with("/customerly/v1/users")).then(|| r.json()).flatten()?;
        body.pointer(&format!("/users/0/attributes/{field}"))?.as_str().map(str::to_string)
    }

    fn revoke_credentials(&self, sb: &Sandbox) {
        sb.set_config(ConfigUpdate::default().customerly_token("rotated"));
    }
}

/// Customerly, with webhooks that carry a copy of the whole contact, as its webhooks do (read from the API all the
/// same).
struct CustomerlyEmbedded;

impl Fixture for CustomerlyEmbedded {
    const SLUG: &'static str = "customerly";

    fn settings(&self, sb: &Sandbox) -> Value {
        Customerly.settings(sb)
    }

    fn body(&self, sb: &Sandbox, email: &str) -> String {
        let Some(c) = sb.customerly_contact(email) else {
            return Customerly.body(sb, email);
        };
        let embedded = json!({ "email": c.email, "name": c.name, "attributes": c.attributes, "tags": c.tags });
        json!({ "type": "user_tagged", "data": { "user": { "data": embedded } } }).to_string()
    }

    fn body_with_copy(&self, email: &str, copy: Value) -> String {
        Customerly.body_with_copy(email, copy)
    }

    fn seed(&self, sb: &Sandbox, email: &str, attributes: &[(&str, &str)], tags: &[&str]) {
        Customerly.seed(sb, email, attributes, tags);
    }

    fn tags(&self) -> Vec<&'static str> {
        Customerly.tags()
    }

    fn written(&self, r: &RecordedRequest, field: &str) -> Option<String> {
        Customerly.written(r, field)
    }

    fn revoke_credentials(&self, sb: &Sandbox) {
        Customerly.revoke_credentials(sb);
    }
}

/// The site as the shim describes it, pointed at this CRM's sandbox.
fn site<F: Fixture>(f: &F, sb: &Sandbox, extra: Value) -> Site {
    let mut settings = f.settings(sb);
    for (k, v) in [("access_key", json!(KEY)), ("return_password_field", json!(FIELD))] {
        settings[k] = v;
    }
    if let (Some(s), Some(extra)) = (settings.as_object_mut(), extra.as_object()) {
        s.extend(extra.clone());
    }
    Site::from_value(&json!({
        "settings": settings,
        "roles": {
            "administrator": {"name": "Administrator", "capabilities": {"manage_options": true}},
            "customer": {"name": "Customer", "capabilities": {"read": true}},
            "subscriber": {"name": "Subscriber", "capabilities": {"read": true}},
        },
        "default_role": "subscriber",
        "started_at": now(),
    }))
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

fn request<F: Fixture>(f: &F, sb: &Sandbox, query: &str, email: &str) -> RawRequest {
    RawRequest {
        query: format!("access_key={KEY}&{query}"),
        body: f.body(sb, email).into_bytes(),
        ..Default::default()
    }
}

fn plan(d: Decision) -> Box<Plan> {
    match d {
        Decision::Apply(plan) => plan,
        Decision::Queue(q) => panic!("expected a plan, got queued for {}", q.contact),
        Decision::Respond(f) => panic!("expected a plan, got {f}"),
    }
}

fn code(d: &Decision) -> Code {
    match d {
        Decision::Apply(_) => panic!("expected an answer, got a plan"),
        Decision::Queue(_) => Code::Queued,
        Decision::Respond(f) => f.code,
    }
}

fn seeded<F: Fixture>(f: &F) -> Sandbox {
    let sb = Sandbox::start_empty("127.0.0.1:0").expect("sandbox");
    f.seed(&sb, "ada@example.com", &[("first_name", "Ada"), ("last_name", "Lovelace"), ("plan", "pro")], &f.tags());
    sb
}

fn add_plans_a_new_user_with_its_crm_data<F: Fixture>(f: &F) {
    let sb = seeded(f);
    let s = site(f, &sb, json!({"field_map": {"first_name": "first_name", "last_name": "last_name", "plan": "plan"}}));
    let p = plan(decide(&request(f, &sb, "wpf_action=add&send_notification=true", "ADA@example.com"), &s));
    assert_eq!(p.slug, F::SLUG);
    assert_eq!(p.email, "ada@example.com", "the email as the CRM has it");
    assert_eq!(p.tags, Some(f.tags().into_iter().map(String::from).collect()));
    assert_eq!(p.fields.core.get("first_name").map(String::as_str), Some("Ada"));
    assert_eq!(p.fields.core.get("last_name").map(String::as_str), Some("Lovelace"));
    assert_eq!(p.fields.meta.get("plan").map(String::as_str), Some("pro"));
    let create = p.create.expect("add plans a user");
    assert_eq!(create.logins.primary.as_deref(), Some("ada@example.com"));
    assert_eq!(create.password.len(), 24);
    assert_eq!(create.return_password_field.as_deref(), Some(FIELD));
    assert_eq!(create.role.as_deref(), Some("subscriber"));
    assert!(create.notify);
    assert!(create.warnings.is_empty());
}

fn async_is_queued_without_the_crm_then_planned_alike<F: Fixture>(f: &F) {
    let sb = seeded(f);
    let s = site(f, &sb, json!({"field_map": {"first_name": "first_name", "plan": "plan"}}));
    let sent = request(f, &sb, "wpf_action=add&async=true&role=subscriber", "ADA@example.com");
    let Decision::Queue(queued) = decide(&sent, &s) else { panic!("async=true is queued") };
    assert!(sb.requests().is_empty(), "nothing asked of the CRM before 202");
    assert_eq!(queued.request.access_key(), None, "the stored request keeps no key");
    let later = plan(decide_queued(&queued.request, &s));
    let now = plan(decide(&request(f, &sb, "wpf_action=add&role=subscriber", "ADA@example.com"), &s));
    assert_eq!((later.email.as_str(), &later.tags, &later.fields), (now.email.as_str(), &now.tags, &now.fields));
    assert_eq!(later.create.map(|c| c.role), now.create.map(|c| c.role));
    assert_eq!(code(&decide(&queued.request, &s)), Code::Forbidden, "a stored request is no sender's");
}

/// CONTRACT §2 "The CRM is the source of truth": a body's own copy of tags or fields never overrides the CRM's
/// record (wherever the copy puts a field: at its top level or under its attributes), a copy that lacks a field the
/// CRM has does not make it go missing, and a new user's password and login never come from the copy.
fn the_crm_not_the_body_decides_tags_and_fields<F: Fixture>(f: &F) {
    let sb = seeded(f);
    let map = json!({"first_name": "first_name", "last_name": "last_name", "plan": "plan", "user_pass": "wp_pw",
                     "user_login": "username"});
    let s = site(f, &sb, json!({ "field_map": map }));
    let crm_tags: Vec<String> = f.tags().into_iter().map(String::from).collect();
    let forged = f.body_with_copy(
        "ada@example.com",
        json!({"name": "Mallory Forged", "attributes": {"first_name": "Mallory", "plan": "free-forever"},
               "tags": ["forged-tag", "999"]}),
    );
    let forged_top = f.body_with_copy(
        "ada@example.com",
        json!({"first_name": "Mallory", "last_name": "Forged", "plan": "free-forever", "wp_pw": "Chosen-By-Sender-1",
               "username": "mallory", "tags": ["forged-tag"], "attributes": {"wp_pw": "Chosen-By-Sender-2"}}),
    );
    let name_only = f.body_with_copy("ada@example.com", json!({"name": "Ada Lovelace", "attributes": {}, "tags": []}));
    for (action, body) in [
        ("add", &forged),
        ("add", &forged_top),
        ("update", &forged),
        ("update", &forged_top),
        ("update_tags", &forged),
        ("update", &name_only),
    ] {
        let raw = RawRequest {
            query: format!("access_key={KEY}&wpf_action={action}"),
            body: body.clone().into_bytes(),
            ..Default::default()
        };
        let p = plan(decide(&raw, &s));
        assert_eq!(p.tags.as_ref(), Some(&crm_tags), "{action} {body}");
        if action != "update_tags" {
            assert_eq!(p.fields.core.get("first_name").map(String::as_str), Some("Ada"), "{action} {body}");
            assert_eq!(p.fields.core.get("last_name").map(String::as_str), Some("Lovelace"), "{action} {body}");
            assert_eq!(p.fields.meta.get("plan").map(String::as_str), Some("pro"), "{action} {body}");
        }
        if let Some(create) = &p.create {
            assert!(!create.password.contains("Chosen-By-Sender"), "the CRM has no wp_pw: a generated password");
            assert_eq!(create.return_password_field.as_deref(), Some(FIELD), "{body}");
            assert_eq!(create.logins.primary.as_deref(), Some("ada@example.com"), "{body}");
        }
    }
}

fn update_tags_plans_tags_and_no_fields<F: Fixture>(f: &F) {
    let sb = seeded(f);
    let p = plan(decide(&request(f, &sb, "wpf_action=update_tags", "ada@example.com"), &site(f, &sb, json!({}))));
    assert_eq!(p.tags, Some(f.tags().into_iter().map(String::from).collect()));
    assert!(p.fields.core.is_empty() && p.fields.meta.is_empty());
    assert!(p.create.is_none());
}

fn update_maps_fields_and_never_protected_ones<F: Fixture>(f: &F) {
    let sb = seeded(f);
    let s = site(f, &sb, json!({"field_map": {"first_name": "first_name", "role": "plan", "wp_capabilities": "plan"}}));
    let p = plan(decide(&request(f, &sb, "wpf_action=update_user", "ada@example.com"), &s));
    assert_eq!(p.fields.core.get("first_name").map(String::as_str), Some("Ada"));
    assert_eq!(p.fields.core.len() + p.fields.meta.len(), 1, "{:?}", p.fields);
}

fn privileged_roles_are_refused<F: Fixture>(f: &F) {
    let sb = seeded(f);
    let s = site(f, &sb, json!({"allowed_roles": ["subscriber", "customer", "administrator"]}));
    let p = plan(decide(&request(f, &sb, "wpf_action=add&role=Administrator", "ada@example.com"), &s));
    let create = p.create.expect("create");
    assert_eq!(create.role.as_deref(), Some("subscriber"));
    assert_eq!(create.warnings, vec!["role_not_allowed"]);
    let p = plan(decide(&request(f, &sb, "wpf_action=add&role=customer", "ada@example.com"), &s));
    assert_eq!(p.create.and_then(|c| c.role).as_deref(), Some("customer"));
}

fn the_password_is_written_to_the_contact<F: Fixture>(f: &F) {
    let sb = seeded(f);
    return_password(&site(f, &sb, json!({})), "ada@example.com", FIELD, "Generated-Pass-1").expect("written");
    let writes: Vec<String> = sb.requests().iter().filter_map(|r| f.written(r, FIELD)).collect();
    assert_eq!(writes, vec!["Generated-Pass-1"]);
}

fn a_refused_write_is_a_crm_error<F: Fixture>(f: &F) {
    let sb = seeded(f);
    f.revoke_credentials(&sb);
    let err = return_password(&site(f, &sb, json!({})), "ada@example.com", FIELD, "Generated-Pass-1").unwrap_err();
    assert_eq!(err.code, Code::CrmError);
    assert!(!err.to_string().contains("Generated-Pass-1"));
}

fn an_unknown_contact_is_not_found<F: Fixture>(f: &F) {
    let sb = seeded(f);
    let d = decide(&request(f, &sb, "wpf_action=add", "nobody@example.com"), &site(f, &sb, json!({})));
    assert_eq!(code(&d), Code::ContactNotFound);
}

fn revoked_credentials_are_a_crm_error_not_retried<F: Fixture>(f: &F) {
    let sb = seeded(f);
    f.revoke_credentials(&sb);
    let d = decide(&request(f, &sb, "wpf_action=add", "nobody@example.com"), &site(f, &sb, json!({})));
    assert_eq!(code(&d), Code::CrmError);
    assert!(sb.requests().len() <= 2, "one attempt per read: {}", sb.requests().len());
}

fn an_outage_is_unavailable_with_the_crm_retry_after<F: Fixture>(f: &F) {
    let sb = seeded(f);
    sb.add_fault(Fault::new(StatusFault::new(429).header("Retry-After", "120")));
    let s = site(f, &sb, json!({}));
    let failure = match decide(&request(f, &sb, "wpf_action=add", "ada@example.com"), &s) {
        Decision::Respond(failure) => failure,
        Decision::Queue(q) => panic!("queued without async, for {}", q.contact),
        // The webhook carried all it needed: the CRM is first called for the password.
        Decision::Apply(_) => return_password(&s, "ada@example.com", FIELD, "x").expect_err("the write fails too"),
    };
    assert_eq!((failure.code, failure.retry_after), (Code::CrmUnavailable, Some(120)));
}

fn a_stalled_crm_cannot_hold_the_webhook<F: Fixture>(f: &F) {
    let sb = seeded(f);
    sb.add_fault(Fault::new(wpf_sandbox::FaultAction::delay(Duration::from_secs(10))));
    let mut s = site(f, &sb, json!({}));
    s.started_at = now() - 2.9;
    let started = Instant::now();
    let Decision::Respond(failure) = decide(&request(f, &sb, "wpf_action=add", "nobody@example.com"), &s) else {
        panic!("a stalled CRM gives an answer, not a plan");
    };
    assert_eq!(failure.code, Code::CrmUnavailable);
    assert!(started.elapsed() < Duration::from_millis(900), "{:?}", started.elapsed());
}

fn a_body_without_contact_is_a_bad_request<F: Fixture>(f: &F) {
    let sb = seeded(f);
    for body in ["{}", r#"{"data":{}}"#, r#"{"email":"not-an-email"}"#] {
        let raw =
            RawRequest { query: format!("access_key={KEY}&wpf_action=add"), body: body.into(), ..Default::default() };
        assert_eq!(code(&decide(&raw, &site(f, &sb, json!({})))), Code::BadRequest, "{body}");
    }
}

fn missing_credentials_are_not_configured<F: Fixture>(f: &F) {
    let sb = seeded(f);
    let s = site(f, &sb, json!({"customerio_app_key": "", "customerly_token": ""}));
    assert_eq!(code(&decide(&request(f, &sb, "wpf_action=update", "ada@example.com"), &s)), Code::NotConfigured);
    assert!(sb.requests().is_empty());
}

macro_rules! conformance {
    ($crm:ident, $fixture:expr) => {
        mod $crm {
            use super::*;
            conformance!(@tests $fixture;
                add_plans_a_new_user_with_its_crm_data, async_is_queued_without_the_crm_then_planned_alike,
                the_crm_not_the_body_decides_tags_and_fields,
                update_tags_plans_tags_and_no_fields,
                update_maps_fields_and_never_protected_ones, privileged_roles_are_refused,
                the_password_is_written_to_the_contact, a_refused_write_is_a_crm_error,
                an_unknown_contact_is_not_found, revoked_credentials_are_a_crm_error_not_retried,
                an_outage_is_unavailable_with_the_crm_retry_after, a_stalled_crm_cannot_hold_the_webhook,
                a_body_without_contact_is_a_bad_request, missing_credentials_are_not_configured);
        }
    };
    (@tests $fixture:expr; $($scenario:ident),*) => {
        $(#[test] fn $scenario() { super::$scenario(&$fixture) })*
    };
}

conformance!(customerio, CustomerIo);
conformance!(customerly, Customerly);
conformance!(customerly_embedded, CustomerlyEmbedded);
