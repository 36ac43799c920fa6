//! One webhook, decided: either a final answer, or a plan of what WordPress must do (CONTRACT §2).
//!
//! The core does everything that needs no WordPress data: checks, CRM reads, role and field policy, the
//! password. The shim applies the plan under a per-contact lock, where it learns whether the user exists.

use crate::crm::{self, ContactRef, Need};
use crate::error::{Code, Outcome};
use crate::fields::{self, Mapped};
use crate::http::{Deadline, SYNC_BUDGET};
use crate::log_request::{LogRequest, QUEUE_METHOD};
use crate::login::{self, Logins};
use crate::password::generate_password;
use crate::redact::{Secrets, REDACTED};
use crate::request::{self, Action, Flags, RawRequest, STORED_DELIVERY_KEY};
use crate::roles::{self, Roles};
use crate::settings::Settings;
use crate::signature::{self, Verdict};
use serde_json::{Map, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long the CRM work of a queued webhook may take: the background worker answers no sender.
pub const BACKGROUND_BUDGET: Duration = Duration::from_secs(10);

/// What the site tells the core about itself for one webhook.
#[derive(Debug, Clone, Default)]
pub struct Site {
    pub settings: Settings,
    pub roles: Roles,
    /// WordPress's `default_role` option.
    pub default_role: String,
    /// When the request reached PHP (`REQUEST_TIME_FLOAT`), so the CRM deadline counts WordPress's start-up.
    pub started_at: f64,
    /// Work for the queue's background worker: the CRM gets [`BACKGROUND_BUDGET`] instead of the sender's.
    pub background: bool,
    /// A staging copy of the site (CONTRACT §2 "Staging copies"): the CRM is read as on the real site, but nothing
    /// is written to it.
    pub staging: bool,
}

impl Site {
    /// Reads `{settings, roles, default_role, started_at, background, staging, proxy}` as the shim sends them.
    pub fn from_value(value: &Value) -> Site {
        Site {
            settings: Settings {
                proxy: value.get("proxy").and_then(Value::as_str).unwrap_or_default().trim().to_string(),
                ..Settings::from_value(value.get("settings").unwrap_or(&Value::Null))
            },
            roles: Roles::from_value(value.get("roles").unwrap_or(&Value::Null)),
            default_role: value.get("default_role").and_then(Value::as_str).unwrap_or("subscriber").to_string(),
            started_at: value.get("started_at").and_then(Value::as_f64).unwrap_or(0.0),
            background: value.get("background").is_some_and(crate::settings::truthy),
            staging: value.get("staging").is_some_and(crate::settings::truthy),
        }
    }

    fn deadline(&self) -> Deadline {
        if self.background {
            Deadline::after(BACKGROUND_BUDGET)
        } else {
            Deadline::from_request_start(self.started_at, SYNC_BUDGET)
        }
    }
}

/// A new user's data, for when the plan finds no existing user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub logins: Logins,
    pub password: String,
    /// The CRM field to write a generated password to before the user is created.
    pub return_password_field: Option<String>,
    pub role: Option<String>,
    /// Warnings for the answer when the user is created.
    pub warnings: Vec<&'static str>,
    /// The role's own warnings (a part of `warnings`): the answer's when, on a multisite network, a user of other
    /// sites only joins this one with `role` instead.
    pub role_warnings: Vec<&'static str>,
    pub notify: bool,
}

/// What WordPress must do for a webhook that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub action: Action,
    pub delivery_key: Option<String>,
    pub slug: &'static str,
    /// The contact id to store: the email as the CRM returns it.
    pub email: String,
    /// `None` when the CRM did not say: the stored tags stay as they are.
    pub tags: Option<Vec<String>>,
    /// Mapped fields; empty for `update_tags`.
    pub fields: Mapped,
    /// Present for `add`: used only when no user is linked to the contact.
    pub create: Option<NewUser>,
}

/// A webhook accepted for the queue (`async`), checked as far as it can be without the CRM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub action: Action,
    pub delivery_key: Option<String>,
    /// Who it is about, as the sender named them (an email or a CRM id), for the log.
    pub contact: String,
    /// What to store and later hand to [`decide_queued`]: the request without its access key, passwords or
    /// credentials ([`RawRequest::stored`]).
    pub request: RawRequest,
}

/// The decision for one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Respond(Outcome),
    /// Store the webhook and answer `202 queued`.
    Queue(Box<Queued>),
    Apply(Box<Plan>),
}

/// Where a webhook comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Its sender, now: the key is checked and `async` honoured.
    Sender,
    /// The queue: it was checked when it arrived, and its stored copy has no key.
    Queue,
}

/// Decides a webhook from its sender, checking in the contract's order: size, key, signature, shape,
/// configuration, then either queues it (`async`) or asks the CRM.
pub fn decide(raw: &RawRequest, site: &Site) -> Decision {
    decided(raw, site, Origin::Sender).0
}

/// Decides a webhook taken from the queue (the request [`Queued`] gave to store): no key or signature check (both
/// were made when it arrived), never queued again, and the CRM gets the background budget.
pub fn decide_queued(raw: &RawRequest, site: &Site) -> Decision {
    let site = Site { background: true, ..site.clone() };
    decided(raw, &site, Origin::Queue).0
}

/// What `wpf_handle_webhook()` answers: the wire form of [`decide`]'s decision with `log_request`, the request as
/// the log may keep it (CONTRACT §6), `method` being the HTTP request's; once the access key was accepted,
/// `log_request` holds the signature check's [verdict](Verdict::to_value) as `signature` (a request without it is
/// only counted).
pub fn answer(raw: &RawRequest, method: &str, site: &Site) -> Value {
    let (decision, verdict) = decided(raw, site, Origin::Sender);
    let mut value = logged(&decision, raw, method, site);
    if let Some(verdict) = verdict {
        value["log_request"]["signature"] = verdict.to_value();
    }
    value
}

/// What `wpf_handle_queued()` answers: the wire form of [`decide_queued`]'s decision with `log_request`, the
/// stored request as the log may keep it, its method [`QUEUE_METHOD`].
pub fn answer_queued(raw: &RawRequest, site: &Site) -> Value {
    logged(&decide_queued(raw, site), raw, QUEUE_METHOD, site)
}

fn logged(decision: &Decision, raw: &RawRequest, method: &str, site: &Site) -> Value {
    let mut value = decision.to_value();
    value["log_request"] = LogRequest::of(raw, method, &Secrets::of(&site.settings)).to_value();
    value
}

/// The decision, and the signature check's verdict once a sender's key was accepted.
fn decided(raw: &RawRequest, site: &Site, origin: Origin) -> (Decision, Option<Verdict>) {
    let (admitted, verdict, delivery) = match origin {
        Origin::Sender => {
            let (admitted, verdict) = admitted(raw, site);
            let delivery = verdict.as_ref().and_then(|v| signature::delivery_key(v, raw));
            (admitted, verdict, delivery)
        }
        Origin::Queue => (request::check_size(&raw.body), None, stored_delivery_key(raw)),
    };
    (admitted.and_then(|()| checked(raw, site, origin, delivery)).unwrap_or_else(Decision::Respond), verdict)
}

/// The delivery key a queued webhook's stored copy keeps ([`STORED_DELIVERY_KEY`], decided when it arrived); a copy
/// stored before it was kept there is known by its delivery headers.
fn stored_delivery_key(stored: &RawRequest) -> Option<String> {
    match stored.headers.get(STORED_DELIVERY_KEY) {
        Some(key) if key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()) => Some(key.clone()),
        _ => stored.delivery_key(),
    }
}

/// The answer to a refused key or signature: the same for both (the code's own message), so that it tells a caller
/// nothing of which check failed (the log says, through the verdict).
fn forbidden() -> Outcome {
    Outcome::new(Code::Forbidden, Code::Forbidden.message())
}

/// A sender's webhook through the checks that come before its content: size, key, then signature (CONTRACT §2).
fn admitted(raw: &RawRequest, site: &Site) -> (Result<(), Outcome>, Option<Verdict>) {
    if let Err(too_large) = request::check_size(&raw.body) {
        return (Err(too_large), None);
    }
    if !crate::auth::key_matches(raw.access_key().as_deref(), site.settings.access_key.as_bytes()) {
        return (Err(forbidden()), None);
    }
    let now =
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let verdict = signature::check(&raw.headers, &raw.body, &site.settings, now);
    let admitted = match verdict {
        Verdict::Refused { .. } => Err(forbidden()),
        _ => Ok(()),
    };
    (admitted, Some(verdict))
}

/// The checks of a webhook's content (shape, configuration, contact), then its decision, which names the
/// delivery by `delivery` (see [`signature::delivery_key`]).
fn checked(raw: &RawRequest, site: &Site, origin: Origin, delivery: Option<String>) -> Result<Decision, Outcome> {
    let action = Action::parse(raw.param("wpf_action").as_deref())?;
    let body = request::parse_body(&raw.body)?;
    if action == Action::Test {
        return Ok(Decision::Respond(Outcome::new(Code::Ok, "the access key is valid")));
    }
    let flags = Flags::from_request(raw);
    let crm = crm::from_settings(&site.settings)?;
    let who = crm.identify(&body, flags.contact_id.as_deref())?;
    let secrets = Secrets::of(&site.settings);
    let named = match &who {
        ContactRef::Email(email) => email,
        ContactRef::Id { value, .. } => value,
    };
    let named = if secrets.holds_credential(named) { REDACTED.to_string() } else { named.clone() };
    if origin == Origin::Sender && (flags.queue || site.settings.queue_all) {
        let mut request = raw.stored(&body, &secrets);
        if let Some(key) = &delivery {
            request.headers.insert(STORED_DELIVERY_KEY.into(), key.clone());
        }
        return Ok(Decision::Queue(Box::new(Queued { action, delivery_key: delivery, contact: named, request })));
    }
    let need = Need { fields: action != Action::UpdateTags };
    let contact = crm::load(&*crm, &who, &copyable(body, &site.settings), need, site.deadline())
        .map_err(|outcome| outcome.about(&named))?;
    let fields =
        if need.fields { fields::map(&site.settings.field_map, &contact.data, &crm::SLUGS) } else { Mapped::default() };
    let create = (action == Action::Add).then(|| new_user(site, &flags, &contact, &fields));
    Ok(Decision::Apply(Box::new(Plan {
        action,
        delivery_key: delivery,
        slug: crm.slug(),
        email: contact.email,
        tags: contact.tags,
        fields,
        create,
    })))
}

/// What a CRM may take from a webhook body once the contact is identified: the body without what a queued copy
/// would lose (its secrets, the Return Password field, the field mapped to `user_pass`: see [`Secrets`]) and without
/// the field mapped to `user_login` — and, when the username format makes the login from the names, without the
/// fields mapped to `first_name` and `last_name` — so a body's copy of the contact can never choose a new user's
/// password or login, and a webhook is planned alike whether it was queued or not.
fn copyable(body: Map<String, Value>, settings: &crate::settings::Settings) -> Map<String, Value> {
    let mut secrets = Secrets::of(settings);
    let mut login_sources = vec!["user_login"];
    if settings.username_format != crate::settings::UsernameFormat::Email {
        login_sources.extend(["first_name", "last_name"]);
    }
    for field in login_sources {
        if let Some(source) = fields::source_of(&settings.field_map, field) {
            secrets = secrets.and_field(source);
        }
    }
    let mut value = Value::Object(body);
    secrets.strip(&mut value);
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Warning: the password was generated but the CRM contact cannot take it (a Customerly lead).
pub const WARN_PASSWORD_NOT_RETURNED: &str = "password_not_returned";

/// Warning: the password was generated but not written to the CRM, as this is a staging copy of the site.
pub const WARN_STAGING_MODE: &str = "staging_mode";

fn new_user(site: &Site, flags: &Flags, contact: &crm::Contact, fields: &Mapped) -> NewUser {
    let s = &site.settings;
    let decision =
        roles::decide(&site.roles, flags.role.as_deref(), &s.allowed_roles, &s.default_role, &site.default_role);
    let (password, generated) = match &fields.password {
        Some(p) => (p.clone(), false),
        None => (generate_password(), true),
    };
    let mut warnings = decision.warnings.clone();
    let wanted = generated && s.return_password && !s.return_password_field.is_empty();
    if wanted && !contact.writable {
        warnings.push(WARN_PASSWORD_NOT_RETURNED);
    } else if wanted && site.staging {
        warnings.push(WARN_STAGING_MODE);
    }
    let return_field = (wanted && contact.writable && !site.staging).then(|| s.return_password_field.clone());
    NewUser {
        logins: login::for_format(
            s.username_format,
            &contact.email,
            fields.login.as_deref(),
            fields.core.get("first_name").map(String::as_str),
            fields.core.get("last_name").map(String::as_str),
        ),
        password,
        return_password_field: return_field,
        role: decision.role,
        warnings,
        role_warnings: decision.warnings,
        notify: flags.send_notification || s.send_welcome_email,
    }
}

/// Writes a generated password to the contact's Return Password field, before the user is created; never from a
/// staging copy.
pub fn return_password(site: &Site, email: &str, field: &str, password: &str) -> Result<(), Outcome> {
    if site.staging {
        return Err(Outcome::new(
            Code::InternalError,
            "This is a staging copy of the site: nothing is written to the CRM.",
        ));
    }
    let crm = crm::from_settings(&site.settings)?;
    crm.write_field(email, field, password, site.deadline())
}

/// The time an administrator waits for "Test connection".
pub const CHECK_BUDGET: std::time::Duration = std::time::Duration::from_secs(5);

/// Checks the configured CRM's credentials (the settings page's "Test connection").
pub fn test_connection(site: &Site) -> Result<String, Outcome> {
    crm::from_settings(&site.settings)?.check(Deadline::after(CHECK_BUDGET))
}

/// The decision as the shim reads it (`wpf_handle_webhook()`'s answer): one JSON object whose `kind` says which.
/// The structs below are that object's shapes, one per kind; they borrow from the decision.
mod wire {
    use super::{Decision, Outcome, Plan, Queued};
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    #[serde(tag = "kind", rename_all = "lowercase")]
    pub(super) enum Wire<'a> {
        Respond(Answer<'a>),
        Queue(ToQueue<'a>),
        Apply(ToApply<'a>),
    }

    /// A final answer: the contract's status and code, a message, the `Retry-After` seconds when there are, and
    /// the contact as the request named it once it was identified (for the log; null before).
    #[derive(Serialize)]
    pub(super) struct Answer<'a> {
        status: u16,
        code: &'static str,
        message: &'a str,
        retry_after: Option<u64>,
        contact: Option<&'a str>,
    }

    /// A webhook to store: what to log, and the request to hand back to `wpf_handle_queued()`.
    #[derive(Serialize)]
    pub(super) struct ToQueue<'a> {
        action: &'static str,
        delivery_key: Option<&'a str>,
        contact: &'a str,
        request: StoredRequest<'a>,
    }

    #[derive(Serialize)]
    pub(super) struct StoredRequest<'a> {
        query: &'a str,
        body: String,
        headers: &'a BTreeMap<String, String>,
    }

    /// What WordPress must do: find (or, for `add`, create) the contact's user and write these.
    #[derive(Serialize)]
    pub(super) struct ToApply<'a> {
        action: &'static str,
        delivery_key: Option<&'a str>,
        slug: &'static str,
        email: &'a str,
        tags: Option<&'a [String]>,
        core: &'a BTreeMap<String, String>,
        meta: &'a BTreeMap<String, String>,
        create: Option<Create<'a>>,
    }

    /// A new user, for when no user is linked to the contact.
    #[derive(Serialize)]
    pub(super) struct Create<'a> {
        logins: Vec<String>,
        password: &'a str,
        return_password_field: Option<&'a str>,
        role: Option<&'a str>,
        warnings: &'a [&'static str],
        role_warnings: &'a [&'static str],
        notify: bool,
    }

    impl<'a> From<&'a Outcome> for Wire<'a> {
        fn from(f: &'a Outcome) -> Self {
            Wire::Respond(Answer {
                status: f.code.status(),
                code: f.code.as_str(),
                message: &f.message,
                retry_after: f.retry_after,
                contact: f.contact.as_deref(),
            })
        }
    }

    impl<'a> From<&'a Queued> for Wire<'a> {
        fn from(q: &'a Queued) -> Self {
            Wire::Queue(ToQueue {
                action: q.action.as_str(),
                delivery_key: q.delivery_key.as_deref(),
                contact: &q.contact,
                request: StoredRequest {
                    query: &q.request.query,
                    body: String::from_utf8_lossy(&q.request.body).into_owned(),
                    headers: &q.request.headers,
                },
            })
        }
    }

    impl<'a> From<&'a Plan> for Wire<'a> {
        fn from(p: &'a Plan) -> Self {
            Wire::Apply(ToApply {
                action: p.action.as_str(),
                delivery_key: p.delivery_key.as_deref(),
                slug: p.slug,
                email: &p.email,
                tags: p.tags.as_deref(),
                core: &p.fields.core,
                meta: &p.fields.meta,
                create: p.create.as_ref().map(|c| Create {
                    logins: c.logins.candidates(),
                    password: &c.password,
                    return_password_field: c.return_password_field.as_deref(),
                    role: c.role.as_deref(),
                    warnings: &c.warnings,
                    role_warnings: &c.role_warnings,
                    notify: c.notify,
                }),
            })
        }
    }

    impl<'a> From<&'a Decision> for Wire<'a> {
        fn from(d: &'a Decision) -> Self {
            match d {
                Decision::Respond(f) => f.into(),
                Decision::Queue(q) => q.as_ref().into(),
                Decision::Apply(p) => p.as_ref().into(),
            }
        }
    }
}

/// The wire form of anything that is one (a decision, an answer, a plan, a queued webhook).
fn to_wire<'a>(wire: impl Into<wire::Wire<'a>>) -> Value {
    serde_json::to_value(wire.into()).unwrap_or(Value::Null)
}

impl Outcome {
    /// The answer as the shim reads it.
    pub fn to_value(&self) -> Value {
        to_wire(self)
    }
}

impl Plan {
    /// The plan as the shim reads it.
    pub fn to_value(&self) -> Value {
        to_wire(self)
    }
}

impl Queued {
    /// The queued webhook as the shim reads it: what to store, and what to log.
    pub fn to_value(&self) -> Value {
        to_wire(self)
    }
}

impl Decision {
    pub fn to_value(&self) -> Value {
        to_wire(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wpf_sandbox::{Fault, FaultAction, Sandbox};

    const KEY: &str = "test-key-0123456789-0123456789-0123456789";

    fn site(sb: &Sandbox) -> Site {
        site_of(sb, "customerio")
    }

    /// A site whose CRM is `crm`, on the sandbox.
    fn site_of(sb: &Sandbox, crm: &str) -> Site {
        let mut settings = sb.settings(crm);
        settings["access_key"] = json!(KEY);
        settings["field_map"] = json!({"first_name": "first_name", "last_name": "last_name", "plan": "plan"});
        settings["return_password_field"] = json!("wp_password");
        settings["allowed_roles"] = json!(["subscriber", "customer"]);
        Site::from_value(&json!({
            "settings": settings,
            "roles": {
                "administrator": {"name": "Administrator", "capabilities": {"manage_options": true}},
                "customer": {"name": "Customer", "capabilities": {"read": true}},
                "subscriber": {"name": "Subscriber", "capabilities": {"read": true}},
            },
            "default_role": "subscriber",
            "started_at": 0.0,
        }))
    }

    fn customerly_site(sb: &Sandbox) -> Site {
        site_of(sb, "customerly")
    }

    fn raw(query: &str, body: &str) -> RawRequest {
        RawRequest { query: query.into(), body: body.as_bytes().to_vec(), ..Default::default() }
    }

    fn code(d: &Decision) -> Code {
        match d {
            Decision::Respond(f) => f.code,
            Decision::Queue(_) => Code::Queued,
            Decision::Apply(_) => Code::Updated,
        }
    }

    #[test]
    fn checks_come_in_the_contract_order() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let s = site(&sb);
        let big = "x".repeat(request::MAX_BODY_BYTES + 1);
        let q = |rest: &str| format!("access_key={KEY}&{rest}");
        let cases = [
            (raw("wpf_action=nope&access_key=wrong", &big), Code::PayloadTooLarge),
            (raw("wpf_action=nope&access_key=wrong", "{"), Code::Forbidden),
            (raw("wpf_action=add", "{}"), Code::Forbidden),
            (raw(&q("wpf_action=nope"), "{"), Code::BadRequest),
            (raw(&q("wpf_action=add"), "{"), Code::BadRequest),
            (raw(&q("wpf_action=test"), ""), Code::Ok),
            (raw(&q("wpf_action=add"), "{}"), Code::BadRequest),
            (raw(&q("wpf_action=add"), r#"{"email":"nobody@example.com"}"#), Code::ContactNotFound),
        ];
        for (r, want) in cases {
            assert_eq!(code(&decide(&r, &s)), want, "{} {}", r.query, String::from_utf8_lossy(&r.body).len());
        }
        let mut unconfigured = s.clone();
        unconfigured.settings.crm_settings.insert("customerio_app_key".into(), String::new());
        assert_eq!(code(&decide(&raw(&q("wpf_action=add"), "{}"), &unconfigured)), Code::NotConfigured);
        assert_eq!(code(&decide(&raw(&q("wpf_action=test"), ""), &unconfigured)), Code::Ok, "test needs only the key");
    }

    #[test]
    fn the_key_may_come_in_a_header() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let mut r = raw("wpf_action=test", "");
        r.headers.insert("x-wpf-access-key".into(), KEY.into());
        assert_eq!(code(&decide(&r, &site(&sb))), Code::Ok);
    }

    #[test]
    fn add_plans_a_user_with_role_password_and_return_field() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let r = raw(
            &format!("wpf_action=ADD&access_key={KEY}&role=Customer&send_notification=yes"),
            r#"{"email":"Jane@Example.com"}"#,
        );
        let Decision::Apply(plan) = decide(&r, &site(&sb)) else { panic!("expected a plan") };
        assert_eq!(plan.action, Action::Add);
        assert_eq!(plan.slug, "customer-io");
        assert_eq!(plan.email, "jane@example.com");
        assert_eq!(plan.tags, Some(vec!["1".into(), "42".into()]));
        assert_eq!(plan.fields.core.get("first_name").map(String::as_str), Some("Jane"));
        assert_eq!(plan.fields.meta.get("plan").map(String::as_str), Some("pro"));
        let create = plan.create.as_ref().expect("create");
        assert_eq!(create.role.as_deref(), Some("customer"));
        assert!(create.warnings.is_empty());
        assert!(create.notify);
        assert_eq!(create.password.len(), crate::password::PASSWORD_LENGTH);
        assert_eq!(create.return_password_field.as_deref(), Some("wp_password"));
        assert_eq!(create.logins.primary.as_deref(), Some("jane@example.com"));
        let v = plan.to_value();
        assert_eq!(v["kind"], "apply");
        assert_eq!(v["create"]["role"], "customer");
    }

    #[test]
    fn a_username_format_names_the_new_user_from_the_crms_names() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let mut s = site(&sb);
        let r = raw(&format!("wpf_action=add&access_key={KEY}"), r#"{"email":"jane@example.com"}"#);
        let primary = |s: &Site| match decide(&r, s) {
            Decision::Apply(plan) => plan.create.expect("create").logins.primary,
            other => panic!("expected a plan: {other:?}"),
        };
        s.settings.username_format = crate::settings::UsernameFormat::FlName;
        assert_eq!(primary(&s).as_deref(), Some("JaneDoe"), "the sandbox's Jane Doe");
        s.settings.field_map.retain(|(wp, _)| wp != "last_name");
        assert_eq!(primary(&s), None, "no mapped last name: the email's fallbacks");
        s.settings.username_format = crate::settings::UsernameFormat::FNameNum;
        assert!(primary(&s).is_some_and(|l| l.starts_with("Jane") && l.len() > 4));
    }

    #[test]
    fn a_mapped_password_is_not_returned_and_admin_is_refused() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let mut s = site(&sb);
        s.settings.field_map.push(("user_pass".into(), "plan".into()));
        let r = raw(&format!("wpf_action=add&access_key={KEY}&role=administrator"), r#"{"email":"jane@example.com"}"#);
        let Decision::Apply(plan) = decide(&r, &s) else { panic!("expected a plan") };
        let create = plan.create.expect("create");
        assert_eq!(create.password, "pro");
        assert_eq!(create.return_password_field, None);
        assert_eq!(create.role.as_deref(), Some("subscriber"));
        assert_eq!(create.warnings, vec![roles::WARN_ROLE_NOT_ALLOWED]);
    }

    #[test]
    fn a_customerly_lead_gets_no_password_write_and_a_warning() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let s = customerly_site(&sb);
        let r = raw(
            &format!("wpf_action=add&access_key={KEY}"),
            r#"{"data":{"user":{"data":{"email":"lead@example.com"}}}}"#,
        );
        let Decision::Apply(plan) = decide(&r, &s) else { panic!("expected a plan") };
        assert_eq!(plan.slug, "customerly");
        let create = plan.create.expect("create");
        assert_eq!(create.return_password_field, None, "POST /users would create a user out of the lead");
        assert_eq!(create.warnings, vec![WARN_PASSWORD_NOT_RETURNED]);
    }

    #[test]
    fn a_staging_copy_writes_no_password_to_the_crm() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let mut s = site(&sb);
        s.staging = true;
        let r = raw(&format!("wpf_action=add&access_key={KEY}&role=customer"), r#"{"email":"jane@example.com"}"#);
        let Decision::Apply(plan) = decide(&r, &s) else { panic!("expected a plan") };
        let create = plan.create.expect("create");
        assert_eq!(create.return_password_field, None);
        assert_eq!(create.warnings, vec![WARN_STAGING_MODE]);
        assert_eq!(create.role.as_deref(), Some("customer"), "reads and the rest of the plan as on the real site");
        assert_eq!(plan.fields.core.get("first_name").map(String::as_str), Some("Jane"));
        assert!(
            matches!(return_password(&s, "jane@example.com", "wp_password", "pw"), Err(o) if o.code == Code::InternalError),
            "nor can the shim make one"
        );
        assert!(sb.requests().iter().all(|r| r.method == "GET"), "no CRM write: {:?}", sb.requests());
        let staging = Site::from_value(&json!({"staging": true}));
        assert!(staging.staging);
        assert!(!Site::from_value(&json!({})).staging);
    }

    #[test]
    fn joining_this_site_takes_the_roles_warnings_only() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let mut s = site(&sb);
        s.staging = true;
        let r = raw(&format!("wpf_action=add&access_key={KEY}&role=administrator"), r#"{"email":"jane@example.com"}"#);
        let Decision::Apply(plan) = decide(&r, &s) else { panic!("expected a plan") };
        let create = plan.create.as_ref().expect("create");
        assert_eq!(create.warnings, vec![roles::WARN_ROLE_NOT_ALLOWED, WARN_STAGING_MODE]);
        assert_eq!(create.role_warnings, vec![roles::WARN_ROLE_NOT_ALLOWED]);
        assert_eq!(plan.to_value()["create"]["role_warnings"], json!(["role_not_allowed"]));
    }

    #[test]
    fn a_bodys_copy_of_the_names_cannot_choose_a_new_users_login() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        sb.put_customerly_contact(
            wpf_sandbox::CustomerlyContact::user("grace@example.com").attr("first_name", json!("Grace")),
        );
        let mut s = customerly_site(&sb);
        s.settings.username_format = crate::settings::UsernameFormat::FlName;
        let body =
            json!({"data": {"user": {"data": {"email": "grace@example.com", "attributes": {"last_name": "Min"}}}}});
        let r = raw(&format!("wpf_action=add&access_key={KEY}"), &body.to_string());
        let Decision::Apply(plan) = decide(&r, &s) else { panic!("expected a plan") };
        assert_eq!(plan.create.expect("create").logins.primary, None, "the CRM has no last name: the fallbacks");
        assert_eq!(plan.fields.core.get("last_name"), None, "nor is the copy's written");
    }

    #[test]
    fn async_queues_after_the_checks_without_calling_the_crm() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let s = site(&sb);
        let mut r = raw(
            &format!("wpf_action=add&access_key={KEY}&async=true&role=customer"),
            r#"{"email":"Jane@Example.com"}"#,
        );
        r.headers.insert("x-cio-delivery-id".into(), "dlv-9".into());
        r.headers.insert("x-wpf-access-key".into(), KEY.into());
        let Decision::Queue(q) = decide(&r, &s) else { panic!("expected to queue") };
        assert!(sb.requests().is_empty(), "queued before any CRM call");
        assert_eq!((q.action, q.contact.as_str()), (Action::Add, "Jane@Example.com"));
        assert_eq!(q.delivery_key, r.delivery_key());
        let stored = q.to_value().to_string();
        assert!(!stored.contains(KEY), "the stored request holds no key: {stored}");
        assert_eq!(q.to_value()["kind"], "queue");

        for (query, body, want) in [
            ("wpf_action=add&access_key=wrong&async=1".to_string(), "{}", Code::Forbidden),
            (format!("wpf_action=add&access_key={KEY}&async=1"), "{", Code::BadRequest),
            (format!("wpf_action=add&access_key={KEY}&async=1"), "{}", Code::BadRequest),
            (format!("wpf_action=test&access_key={KEY}&async=1"), "", Code::Ok),
            (
                format!("wpf_action=update&access_key={KEY}&async=0"),
                r#"{"email":"nobody@example.com"}"#,
                Code::ContactNotFound,
            ),
        ] {
            assert_eq!(code(&decide(&raw(&query, body), &s)), want, "{query} {body}");
        }
        let mut all = s.clone();
        all.settings.queue_all = true;
        let plain = raw(&format!("wpf_action=update&access_key={KEY}"), r#"{"cio_id":"c-1"}"#);
        let Decision::Queue(q) = decide(&plain, &all) else { panic!("the async setting queues every webhook") };
        assert_eq!(q.contact, "c-1");
    }

    #[test]
    fn an_answer_after_the_contact_was_identified_names_it_for_the_log() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let s = site(&sb);
        let named = |query: &str, body: &str| answer(&raw(query, body), "POST", &s)["contact"].clone();
        let update = format!("wpf_action=update&access_key={KEY}");
        assert_eq!(
            named(&update, r#"{"email":"Nobody@Example.com"}"#),
            "Nobody@Example.com",
            "as the request named it"
        );
        assert_eq!(named(&format!("{update}&contact_id=c-404"), ""), "c-404");
        assert_eq!(named(&update, "{}"), Value::Null, "none named");
        assert_eq!(
            named("wpf_action=update&access_key=wrong", r#"{"email":"a@example.com"}"#),
            Value::Null,
            "the key first"
        );
        assert_eq!(named(&update, &format!(r#"{{"email":"{KEY}@example.com"}}"#)), json!(crate::redact::REDACTED));
        let Decision::Respond(outcome) = decide(&raw(&update, r#"{"email":"nobody@example.com"}"#), &s) else {
            panic!("expected an answer")
        };
        assert_eq!((outcome.code, outcome.contact.as_deref()), (Code::ContactNotFound, Some("nobody@example.com")));
    }

    /// `X-CIO-Timestamp` and `X-CIO-Signature` for a body, signed now with `key`, `age` seconds ago.
    fn cio_signed(r: &mut RawRequest, key: &str, age: i64) {
        use hmac::{Hmac, KeyInit, Mac};
        let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs() as i64;
        let ts = (now - age).to_string();
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key.as_bytes()).expect("key");
        mac.update(format!("v0:{ts}:").as_bytes());
        mac.update(&r.body);
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        r.headers.insert("x-cio-timestamp".into(), ts);
        r.headers.insert("x-cio-signature".into(), hex);
    }

    #[test]
    fn a_refused_signature_is_answered_as_a_wrong_key_before_any_crm_call_or_queueing() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let mut s = site(&sb);
        s.settings.crm_settings.insert("customerio_signing_key".into(), "signing-key-1".into());
        s.settings.queue_all = true;
        let body = r#"{"email":"jane@example.com"}"#;
        let query = format!("wpf_action=add&access_key={KEY}");
        let wrong_key = answer(&raw("wpf_action=add&access_key=nope", body), "POST", &s);
        assert_eq!(wrong_key["log_request"].get("signature"), None, "no verdict before the key is accepted");

        let mut good = raw(&query, body);
        cio_signed(&mut good, "signing-key-1", 0);
        let a = answer(&good, "POST", &s);
        assert_eq!(
            (a["kind"].as_str(), a["log_request"]["signature"]["status"].as_str()),
            (Some("queue"), Some("verified"))
        );
        assert_eq!(a["log_request"]["signature"]["scheme"], "customerio");

        let mut bad = Vec::new();
        for (key, age) in [("another-key", 0), ("signing-key-1", 301), ("signing-key-1", -301)] {
            let mut r = raw(&query, body);
            cio_signed(&mut r, key, age);
            bad.push(r);
        }
        let mut garbled = good.clone();
        garbled.headers.insert("x-cio-signature".into(), "not hex".into());
        bad.push(garbled);
        let mut required = s.clone();
        required.settings.require_signature = true;
        let mut sync = s.clone();
        sync.settings.queue_all = false;
        let mut sync_required = required.clone();
        sync_required.settings.queue_all = false;
        let unsigned = raw(&query, body);
        let cases = bad.iter().flat_map(|r| [(r, &s), (r, &sync)]);
        for (r, site) in cases.chain([(&unsigned, &required), (&unsigned, &sync_required)]) {
            let a = answer(r, "POST", site);
            assert_eq!((a["kind"].as_str(), a["status"].as_u64()), (Some("respond"), Some(403)), "{:?}", r.headers);
            assert_eq!(a["message"], wrong_key["message"], "the answer does not say which check failed");
            assert_eq!(a["log_request"]["signature"]["status"], "refused");
            assert!(a["log_request"]["signature"]["reason"].as_str().is_some_and(|r| !r.is_empty()));
            if let Some(signature) = r.headers.get("x-cio-signature") {
                assert!(!a["log_request"]["headers"].to_string().contains(signature.as_str()), "kept as present only");
            }
        }
        assert!(sb.requests().is_empty(), "no CRM call for a refused signature, queued or not");
        assert!(matches!(decide(&good, &sync), Decision::Apply(_)) && !sb.requests().is_empty(), "the good one calls");

        let unsigned = answer(&unsigned, "POST", &s);
        assert_eq!(
            (unsigned["kind"].as_str(), unsigned["log_request"]["signature"]["status"].as_str()),
            (Some("queue"), Some("unsigned"))
        );
        let Decision::Queue(q) = decide(&good, &required) else { panic!("a verified webhook is queued") };
        assert!(!q.request.headers.keys().any(|h| h.contains("signature")), "{:?}", q.request.headers);
        assert!(matches!(decide_queued(&q.request, &required), Decision::Apply(_)), "checked once, on arrival");
        assert_eq!(answer_queued(&q.request, &required)["log_request"].get("signature"), None);
    }

    /// `webhook-id`, `webhook-timestamp` and `webhook-signature` for a body, signed now with `secret`'s bytes.
    fn standard_signed(r: &mut RawRequest, secret: &[u8], id: &str) {
        use base64::prelude::{Engine, BASE64_STANDARD};
        use hmac::{Hmac, KeyInit, Mac};
        let ts = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs().to_string();
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret).expect("key");
        mac.update(format!("{id}.{ts}.").as_bytes());
        mac.update(&r.body);
        let signature = BASE64_STANDARD.encode(mac.finalize().into_bytes());
        r.headers.insert("webhook-id".into(), id.into());
        r.headers.insert("webhook-timestamp".into(), ts);
        r.headers.insert("webhook-signature".into(), format!("v1,{signature}"));
    }

    #[test]
    fn a_verified_webhook_is_known_by_what_its_signature_covers_not_by_headers_it_does_not() {
        use base64::prelude::{Engine, BASE64_STANDARD};
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let mut s = site(&sb);
        let secret = b"standard-webhooks-secret-24b";
        s.settings.standard_webhooks_secret = format!("whsec_{}", BASE64_STANDARD.encode(secret));
        s.settings.crm_settings.insert("customerio_signing_key".into(), "signing-key-1".into());
        let query = format!("wpf_action=update&access_key={KEY}");
        let body = r#"{"email":"jane@example.com"}"#;
        let key = |r: &RawRequest, site: &Site| match decide(r, site) {
            Decision::Apply(plan) => plan.delivery_key,
            other => panic!("expected a plan: {other:?}"),
        };

        let mut sw = raw(&query, body);
        standard_signed(&mut sw, secret, "msg_1");
        let mut sw_more = sw.clone();
        sw_more.headers.insert("x-cio-delivery-id".into(), "another-delivery".into());
        assert_eq!(key(&sw, &s), key(&sw_more, &s), "an unsigned delivery id cannot make a replay new");
        let unsigned_same_id = raw(&query, body);
        let mut unsigned_same_id = unsigned_same_id;
        unsigned_same_id.headers.insert("webhook-id".into(), "msg_1".into());
        assert_ne!(key(&unsigned_same_id, &s), key(&sw, &s), "an unsigned request cannot take a signed delivery's id");

        let mut cio = raw(&query, body);
        cio.headers.insert("x-cio-delivery-id".into(), "dlv-1".into());
        cio_signed(&mut cio, "signing-key-1", 0);
        let mut retry = cio.clone();
        cio_signed(&mut retry, "signing-key-1", 1);
        assert_eq!(key(&retry, &s), key(&cio, &s), "Customer.io signs no delivery id: a retry signed anew is the same");
        let mut next_step = cio.clone();
        next_step.headers.insert("x-cio-delivery-id".into(), "dlv-2".into());
        assert_ne!(
            key(&next_step, &s),
            key(&cio, &s),
            "one body signed in the same second by two steps: two deliveries"
        );

        let mut queued = s.clone();
        queued.settings.queue_all = true;
        let Decision::Queue(q) = decide(&sw_more, &queued) else { panic!("expected to queue") };
        assert_eq!(q.delivery_key, key(&sw, &s));
        let Decision::Apply(later) = decide_queued(&q.request, &s) else { panic!("expected a plan") };
        assert_eq!(later.delivery_key, q.delivery_key, "the job keeps the key its webhook arrived with");
        let mut forged = raw(&query, body);
        forged.headers.insert(STORED_DELIVERY_KEY.into(), "0".repeat(64));
        assert_ne!(key(&forged, &s), Some("0".repeat(64)), "a sender cannot name the stored key");
    }

    #[test]
    fn a_queued_webhook_is_decided_later_without_its_key() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let mut s = site(&sb);
        s.settings.queue_all = true;
        let r =
            raw(&format!("wpf_action=add&access_key={KEY}&async=1&role=customer"), r#"{"email":"jane@example.com"}"#);
        let Decision::Queue(q) = decide(&r, &s) else { panic!("expected to queue") };
        assert_eq!(code(&decide(&q.request, &s)), Code::Forbidden, "the stored copy cannot pass as a sender's");
        let Decision::Apply(plan) = decide_queued(&q.request, &s) else { panic!("expected a plan") };
        assert_eq!(plan.email, "jane@example.com");
        assert_eq!(plan.create.expect("create").role.as_deref(), Some("customer"));
        assert!(!sb.requests().is_empty());
        let bad = raw("wpf_action=add", "{");
        assert_eq!(code(&decide_queued(&bad, &s)), Code::BadRequest);
    }

    #[test]
    fn a_queued_body_holds_no_password_and_no_credential() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let mut s = customerly_site(&sb);
        s.settings.return_password_field = "wp_code".into();
        s.settings.field_map =
            vec![("user_pass".into(), "chosen_word".into()), ("plan_name".into(), "plan_name".into())];
        // A credential of a CRM not chosen now is a credential all the same.
        s.settings.crm_settings.insert("customerio_app_key".into(), wpf_sandbox::APP_KEY.into());
        let token = wpf_sandbox::CUSTOMERLY_TOKEN;
        let body = json!({
            "type": "user_tagged",
            "access_key": KEY,
            "data": {"user": {"data": {
                "email": "jane@example.com",
                "attributes": {
                    "WP_Code": "returned-pw-1", "Chosen_Word": "mapped-pw-2", "password": "plain-pw-3",
                    "api_key": "api-key-4", "plan_name": "gold", "note": format!("the token is {token}"),
                },
                "auth": {"nested": "auth-5"},
                "list": ["kept", format!("x{KEY}x"), {"client_secret": "secret-6"}],
                "seats": wpf_sandbox::APP_KEY,
            }}},
        });
        let secrets = ["returned-pw-1", "mapped-pw-2", "plain-pw-3", "api-key-4", "auth-5", "secret-6", KEY, token];
        let mut r =
            raw(&format!("wpf_action=add&access_key={KEY}&async=1&role=customer&password=pw-7"), &body.to_string());
        r.headers.insert("x-cio-delivery-id".into(), "dlv-1".into());
        let Decision::Queue(q) = decide(&r, &s) else { panic!("expected to queue") };
        let stored = q.to_value().to_string();
        for secret in secrets.iter().copied().chain(["pw-7", wpf_sandbox::APP_KEY]) {
            assert!(!stored.contains(secret), "{secret} is stored: {stored}");
        }
        let kept: Value = serde_json::from_slice(&q.request.body).expect("the stored body is JSON");
        let contact = &kept["data"]["user"]["data"];
        assert_eq!(contact["email"], "jane@example.com", "{kept}");
        assert_eq!(contact["attributes"]["plan_name"], "gold");
        assert_eq!(contact["list"], json!(["kept", {}]), "secret items go, the rest stays");
        for gone in ["WP_Code", "Chosen_Word", "password", "api_key", "note"] {
            assert!(contact["attributes"].get(gone).is_none(), "{gone} is kept: {kept}");
        }
        assert_eq!((kept["type"].as_str(), kept.get("access_key")), (Some("user_tagged"), None));
        assert_eq!(q.request.param("role").as_deref(), Some("customer"));
        assert_eq!(q.request.delivery_key(), r.delivery_key());

        let Decision::Apply(plan) = decide_queued(&q.request, &s) else { panic!("the stored body still plans") };
        assert_eq!(plan.email, "jane@example.com");
        assert_eq!(plan.delivery_key, r.delivery_key());
        assert_eq!(plan.fields.meta.get("plan_name").map(String::as_str), Some("gold"), "the copy still fills in");
        let create = plan.create.expect("create");
        assert_eq!(create.role.as_deref(), Some("customer"));
        assert_eq!(create.password.len(), crate::password::PASSWORD_LENGTH, "the body's password was not kept");

        let by_id =
            raw(&format!("wpf_action=update&access_key={KEY}&async=1"), &json!({"id": format!("x{KEY}")}).to_string());
        let Decision::Queue(q) = decide(&by_id, &site(&sb)) else { panic!("expected to queue") };
        assert_eq!((q.contact.as_str(), q.request.body.as_slice()), (crate::redact::REDACTED, &b"{}"[..]));
    }

    #[test]
    fn background_work_gets_its_own_budget() {
        let started_long_ago = Site { started_at: 1.0e9, ..Site::default() };
        assert!(started_long_ago.deadline().remaining() <= SYNC_BUDGET);
        let background = Site { background: true, ..started_long_ago };
        assert!(background.deadline().remaining() > SYNC_BUDGET);
        assert!(Site::from_value(&json!({"background": true})).background);
    }

    #[test]
    fn update_tags_plans_tags_only() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let mut r = raw(&format!("wpf_action=update_tags&access_key={KEY}"), r#"{"email":"john.smith@example.com"}"#);
        r.headers.insert("x-cio-delivery-id".into(), "dlv-1".into());
        let Decision::Apply(plan) = decide(&r, &site(&sb)) else { panic!("expected a plan") };
        assert_eq!(plan.tags, Some(vec!["7".into()]));
        assert_eq!(plan.fields, Mapped::default());
        assert!(plan.create.is_none());
        assert!(plan.delivery_key.is_some());
    }

    #[test]
    fn crm_failures_become_answers() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        sb.add_fault(Fault::new(FaultAction::status(503)));
        let r = raw(&format!("wpf_action=update&access_key={KEY}"), r#"{"email":"jane@example.com"}"#);
        let d = decide(&r, &site(&sb));
        assert_eq!(code(&d), Code::CrmUnavailable);
        let v = d.to_value();
        assert_eq!(v["status"], 503);
        assert_eq!(v["retry_after"], 30);
    }

    #[test]
    fn return_password_writes_through_the_track_api() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        return_password(&site(&sb), "jane@example.com", "wp_password", "secret-pw").expect("written");
        assert_eq!(sb.requests()[0].method, "PUT");
        sb.add_fault(Fault::new(FaultAction::status(401)));
        let err = return_password(&site(&sb), "jane@example.com", "wp_password", "secret-pw").unwrap_err();
        assert_eq!(err.code, Code::CrmError);
        assert!(!err.to_string().contains("secret-pw"));
    }

    #[test]
    fn every_decision_carries_the_request_as_the_log_keeps_it() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let s = site(&sb);
        let body = r#"{"email":"jane@example.com","wp_password":"returned-pw","password":"pw"}"#;
        let mut queued = s.clone();
        queued.settings.queue_all = true;
        let cases = [
            (&s, format!("wpf_action=bogus&access_key={KEY}"), "respond"),
            (&s, format!("wpf_action=add&access_key={KEY}"), "apply"),
            (&queued, format!("wpf_action=add&access_key={KEY}"), "queue"),
        ];
        for (site, query, kind) in cases {
            let mut r = raw(&query, body);
            r.headers.insert("x-wpf-access-key".into(), KEY.into());
            let answer = answer(&r, "post", site);
            assert_eq!(answer["kind"], kind);
            let log = &answer["log_request"];
            assert_eq!(log["method"], "POST", "{kind}");
            assert_eq!(log["query"]["access_key"], REDACTED, "{kind}");
            assert_eq!(log["headers"]["x-wpf-access-key"], REDACTED, "{kind}");
            assert_eq!(
                log["body"],
                json!({"email": "jane@example.com", "wp_password": REDACTED, "password": REDACTED})
            );
            assert_eq!(log["body_bytes"], body.len());
            assert!(!answer.to_string().contains(KEY), "{answer}");
        }
        let Decision::Queue(q) = decide(&raw(&format!("wpf_action=add&access_key={KEY}"), body), &queued) else {
            panic!("expected to queue")
        };
        let later = answer_queued(&q.request, &s);
        assert_eq!(later["kind"], "apply");
        assert_eq!(later["log_request"]["method"], QUEUE_METHOD);
        assert_eq!(later["log_request"]["query"], json!({"wpf_action": "add"}));
        assert_eq!(later["log_request"]["body"], json!({"email": "jane@example.com"}));
    }

    #[test]
    fn no_answer_carries_a_secret() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let s = site(&sb);
        let bodies = ["", "{", r#"{"email":"nobody@example.com"}"#, r#"{"email":"x"}"#];
        for action in ["add", "update", "test", "bogus"] {
            for body in bodies {
                for key in [KEY, "WrongKeyZZZ"] {
                    let d = decide(&raw(&format!("wpf_action={action}&access_key={key}"), body), &s);
                    if let Decision::Respond(f) = &d {
                        // `contact` is for the log, never in the sender's answer (the shim's Response has no such
                        // field): the rest holds no contact data, and neither holds a key.
                        let mut answer = f.to_value();
                        let named = answer.as_object_mut().and_then(|a| a.remove("contact")).unwrap_or_default();
                        let text = answer.to_string();
                        for secret in [KEY, wpf_sandbox::APP_KEY, wpf_sandbox::TRACK_KEY, "WrongKeyZZZ", "nobody@"] {
                            assert!(!text.contains(secret), "{text} contains {secret}");
                        }
                        for secret in [KEY, wpf_sandbox::APP_KEY, wpf_sandbox::TRACK_KEY, "WrongKeyZZZ"] {
                            assert!(!named.to_string().contains(secret), "{named} contains {secret}");
                        }
                    }
                }
            }
        }
    }
}
