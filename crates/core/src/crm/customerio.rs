//! Customer.io: reads through the App API (Bearer app key), writes through the Track API (Basic site id and
//! key). Tags are the ids of the segments a person belongs to. See CRM-REFERENCE.md.

use super::{
    base_url, body_text, checked_email, checked_id, segment, tag_strings, Contact, ContactRef, Crm, CrmSetting,
    Descriptor, Kind, Need,
};
use crate::error::{Code, Outcome};
use crate::http::{agent, join, refused, with_retries, Deadline, Reply, Verdict};
use crate::settings::Settings;
use crate::signature::{header, unix_time, Scheme, Signed};
use serde_json::{json, Map, Value};
use ureq::Agent;

/// Customer.io as the settings, the shim and WP Fusion's import know it.
pub const DESCRIPTOR: Descriptor = Descriptor {
    crm: "customerio",
    name: "Customer.io",
    slug: "customer-io",
    settings: &[
        CrmSetting {
            key: "customerio_app_key",
            kind: Kind::Secret,
            label: "Customer.io App API key",
            help: "Reads contacts and the segments they are in (their tags).",
            wpf_option: Some("customer-io_api_key"),
        },
        CrmSetting {
            key: "customerio_site_id",
            kind: Kind::Secret,
            label: "Customer.io Track API site id",
            help: "With the Track API key, writes a generated password to the contact (Return Password).",
            wpf_option: Some("customer-io_site_id"),
        },
        CrmSetting {
            key: "customerio_track_key",
            kind: Kind::Secret,
            label: "Customer.io Track API key",
            help: "",
            wpf_option: Some("customer-io_tracking_api_key"),
        },
        CrmSetting {
            key: "customerio_region",
            kind: Kind::Choice(&[(US, "US"), (EU, "EU")]),
            label: "Customer.io region",
            help: "The data centre of the workspace; Test connection tells a wrong one.",
            wpf_option: Some("customer-io_region"),
        },
        CrmSetting {
            key: "customerio_signing_key",
            kind: Kind::Secret,
            label: "Customer.io webhook signing key",
            help: "Proves that a webhook comes from your workspace. In Customer.io: Settings › Workspace Settings › \
                   API & webhook credentials › Webhook Signing Key.",
            wpf_option: None,
        },
        CrmSetting {
            key: "customerio_app_url",
            kind: Kind::BaseUrl,
            label: "Customer.io App API base URL",
            help: "Empty: the region's official endpoint. Set for a proxy or a test CRM; it ends with the API version \
                   path, like https://api.customer.io/v1.",
            wpf_option: None,
        },
        CrmSetting {
            key: "customerio_track_url",
            kind: Kind::BaseUrl,
            label: "Customer.io Track API base URL",
            help: "Empty: the region's official endpoint. Set for a proxy or a test CRM; it ends with the API version \
                   path, like https://track.customer.io/api/v1.",
            wpf_option: None,
        },
    ],
    required: "customerio_app_key",
    not_configured: "the Customer.io App API key is not set",
    webhook_help: "In a Customer.io journey: add \"Send and receive data\", method POST, paste a URL, header \
                   Content-Type: application/json, and this body:",
    example_body: r#"{"email": "{{customer.email}}"}"#,
    signature: Some(&SIGNATURE),
    open: |s| Ok(Box::new(CustomerIo::from_settings(s)?)),
};

/// How Customer.io signs its journey webhooks (CRM-REFERENCE.md): `X-CIO-Signature` is the lower-case hex
/// HMAC-SHA256 of `v0:{X-CIO-Timestamp}:{body}`, keyed with the workspace's Webhook Signing Key.
pub const SIGNATURE: Scheme = Scheme {
    name: "customerio",
    label: "Customer.io",
    secret_setting: "customerio_signing_key",
    signature_header: "x-cio-signature",
    timestamp_header: "x-cio-timestamp",
    // Customer.io signs no delivery id (X-CIO-Delivery-Id is outside the signature).
    delivery_header: None,
    key: |secret| Ok(secret.as_bytes().to_vec()),
    offered: |headers, body| {
        let at = header(headers, "x-cio-timestamp")?.ok_or("it has no x-cio-timestamp")?;
        let timestamp = unix_time(at)?;
        let given = header(headers, "x-cio-signature")?.unwrap_or_default();
        // Lower case only, as Customer.io sends it: one spelling per signature, so a replay cannot respell one.
        let lower = given.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let signature = hex::decode(given)
            .ok()
            .filter(|s| lower && s.len() == 32)
            .ok_or("its x-cio-signature is not 64 lower-case hex digits")?;
        Ok(Signed { content: [b"v0:", at.as_bytes(), b":", body].concat(), timestamp, signatures: vec![signature] })
    },
};

/// The values of the setting `customerio_region`.
const US: &str = "us";
const EU: &str = "eu";

/// A Customer.io workspace's API credentials and endpoints.
pub struct CustomerIo {
    app_url: String,
    track_url: String,
    app_key: String,
    site_id: String,
    track_key: String,
    /// The configured region (`us`, `eu`), when the endpoints are the official ones (not overridden).
    official_region: Option<&'static str>,
    agent: Agent,
}

impl CustomerIo {
    pub fn from_settings(s: &Settings) -> Result<CustomerIo, Outcome> {
        let (region, app, track) = match s.crm_setting("customerio_region") {
            EU => (EU, "https://api-eu.customer.io/v1", "https://track-eu.customer.io/api/v1"),
            _ => (US, "https://api.customer.io/v1", "https://track.customer.io/api/v1"),
        };
        let (app_url, track_url) = (s.crm_setting("customerio_app_url"), s.crm_setting("customerio_track_url"));
        Ok(CustomerIo {
            app_url: base_url("customerio_app_url", app_url, app)?,
            track_url: base_url("customerio_track_url", track_url, track)?,
            app_key: s.crm_setting("customerio_app_key").to_string(),
            site_id: s.crm_setting("customerio_site_id").to_string(),
            track_key: s.crm_setting("customerio_track_key").to_string(),
            official_region: (app_url.is_empty() && track_url.is_empty()).then_some(region),
            agent: agent(&s.proxy)?,
        })
    }

    /// `GET {app}/segments`: does the App API take the key?
    fn check_app(&self, deadline: Deadline) -> Result<(), Outcome> {
        let url = format!("{}/segments", self.app_url);
        let auth = format!("Bearer {}", self.app_key);
        with_retries(
            &self.agent,
            "checking the App API key",
            deadline,
            |agent, left| {
                agent.get(&url).header("Authorization", &auth).config().timeout_global(Some(left)).build().call()
            },
            |reply| match reply.status {
                200 => Verdict::Done(()),
                _ => judge_failure("checking the App API key", &reply),
            },
        )
    }

    /// `GET {track}/accounts/region`: do the Track API credentials work, and in which region is the workspace?
    fn track_region(&self, deadline: Deadline) -> Result<String, Outcome> {
        let url = format!("{}/accounts/region", self.track_url);
        let auth = crate::http::basic_auth(&self.site_id, &self.track_key);
        let doing = "checking the Track API credentials";
        with_retries(
            &self.agent,
            doing,
            deadline,
            |agent, left| {
                agent.get(&url).header("Authorization", &auth).config().timeout_global(Some(left)).build().call()
            },
            |reply| match reply.status {
                200 => match serde_json::from_str::<Value>(&reply.body).ok().and_then(|v| v.get("region").cloned()) {
                    Some(Value::String(region)) => Verdict::Done(region),
                    _ => Verdict::Fail(Outcome::new(Code::CrmError, "Customer.io sent an unexpected answer")),
                },
                401 | 403 => Verdict::Fail(Outcome::new(
                    Code::CrmError,
                    "Customer.io rejected the Track API site id or key (Return Password needs them)",
                )),
                _ => judge_failure(doing, &reply),
            },
        )
    }

    /// `GET {app}/customers/{id}/{what}?id_type=…`, judged by `parse`.
    fn read<T>(
        &self,
        who: &ContactRef,
        what: &str,
        deadline: Deadline,
        parse: impl Fn(Value) -> Option<T>,
    ) -> Result<T, Outcome> {
        let (id_type, id) = match who {
            ContactRef::Email(e) => ("email", e.as_str()),
            ContactRef::Id { id_type, value } => (*id_type, value.as_str()),
        };
        let url = format!("{}/customers/{}/{what}?id_type={id_type}", self.app_url, segment(id)?);
        let auth = format!("Bearer {}", self.app_key);
        let doing = format!("loading the contact's {what}");
        with_retries(
            &self.agent,
            &doing,
            deadline,
            |agent, left| {
                agent
                    .get(&url)
                    .header("Authorization", &auth)
                    .header("Accept", "application/json")
                    .config()
                    .timeout_global(Some(left))
                    .build()
                    .call()
            },
            |reply| match reply.status {
                200 => match serde_json::from_str(&reply.body).ok().and_then(&parse) {
                    Some(v) => Verdict::Done(v),
                    None => Verdict::Fail(Outcome::new(
                        Code::CrmError,
                        format!("Customer.io sent an unexpected answer while {doing}"),
                    )),
                },
                _ => judge_failure(&doing, &reply),
            },
        )
    }

    fn segments(&self, who: &ContactRef, deadline: Deadline) -> Result<Vec<String>, Outcome> {
        self.read(who, "segments", deadline, |v| {
            let list = v.get("segments")?.as_array()?;
            Some(tag_strings(list.iter().filter_map(|s| s.get("id"))))
        })
    }

    fn attributes(&self, who: &ContactRef, deadline: Deadline) -> Result<Map<String, Value>, Outcome> {
        self.read(who, "attributes", deadline, |mut v| match v.get_mut("customer")?.take() {
            Value::Object(customer) => Some(customer),
            _ => None,
        })
    }
}

/// A non-200 answer: 404 is "no such person", 401/403 bad key or wrong region, 429 and 5xx are retried.
fn judge_failure<T>(doing: &str, reply: &Reply) -> Verdict<T> {
    match reply.status {
        404 => Verdict::Fail(Outcome::new(Code::ContactNotFound, "Customer.io has no such person")),
        401 | 403 => Verdict::Fail(Outcome::new(
            Code::CrmError,
            format!("Customer.io rejected the credentials while {doing} (check the API key and the region)"),
        )),
        429 | 500 | 502 | 503 | 504 => {
            Verdict::Retry { why: format!("HTTP {}", reply.status), retry_after: reply.retry_after }
        }
        _ => Verdict::Fail(refused(doing, reply)),
    }
}

impl Crm for CustomerIo {
    fn slug(&self) -> &'static str {
        DESCRIPTOR.slug
    }

    /// `{"email": …}`, else `{"id": …}` / `{"cio_id": …}`, else the `contact_id` parameter (an email or an id).
    /// An id of `.` or `..` is refused: it would walk the App API's paths.
    fn identify(&self, body: &Map<String, Value>, contact_id: Option<&str>) -> Result<ContactRef, Outcome> {
        if let Some(email) = body_text(body.get("email")) {
            return checked_email(email);
        }
        if let Some(id) = body_text(body.get("cio_id")) {
            return checked_id("cio_id", id);
        }
        if let Some(id) = body_text(body.get("id")) {
            return checked_id("id", id);
        }
        match contact_id {
            Some(c) if c.contains('@') => checked_email(c.to_string()),
            Some(c) => checked_id("id", c.to_string()),
            None => Err(Outcome::bad_request(
                "no contact identifier: send {\"email\": \"{{customer.email}}\"} or a contact_id parameter",
            )),
        }
    }

    /// Segments alone for `update_tags` by email; otherwise segments and attributes at once.
    fn load(
        &self,
        who: &ContactRef,
        _body: &Map<String, Value>,
        need: Need,
        deadline: Deadline,
    ) -> Result<Contact, Outcome> {
        if let (ContactRef::Email(email), false) = (who, need.fields) {
            let tags = self.segments(who, deadline)?;
            return Ok(Contact { email: email.clone(), data: Map::new(), tags: Some(tags), writable: true });
        }
        let (tags, data) = join(|| self.segments(who, deadline), || self.attributes(who, deadline));
        let data = data?;
        let tags = tags?;
        let email = data
            .get("identifiers")
            .and_then(|i| i.get("email"))
            .or_else(|| data.get("attributes").and_then(|a| a.get("email")))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| match who {
                ContactRef::Email(e) => Some(e.clone()),
                ContactRef::Id { .. } => None,
            })
            .filter(|e| !e.is_empty())
            .ok_or_else(|| Outcome::new(Code::ContactNotFound, "the Customer.io person has no email address"))?;
        Ok(Contact { email, data, tags: Some(tags), writable: true })
    }

    /// The App API key, then (when set) the Track API credentials and the workspace's region, which also tells a
    /// wrong region from a wrong key.
    fn check(&self, deadline: Deadline) -> Result<String, Outcome> {
        let app = self.check_app(deadline);
        let has_track = !self.site_id.is_empty() && !self.track_key.is_empty();
        let track = has_track.then(|| self.track_region(deadline));
        if let (Some(Ok(actual)), Some(configured)) = (&track, self.official_region) {
            if actual != configured {
                return Err(Outcome::new(
                    Code::CrmError,
                    format!(
                        "wrong region: the workspace is in the {} region, the settings say {}",
                        actual.to_uppercase(),
                        configured.to_uppercase()
                    ),
                ));
            }
        }
        app?;
        match track {
            Some(Ok(region)) => Ok(format!(
                "Connected to Customer.io: the App API key and the Track API credentials work (workspace region {}).",
                region.to_uppercase()
            )),
            Some(Err(failure)) => Err(failure),
            None => Ok("Connected to Customer.io: the App API key works. The Track API site id and key are not set, so Return Password is off.".into()),
        }
    }

    /// `PUT {track}/customers/{email}` with `_update: true`, so a person is never created by it. The Track API
    /// answers 200 with an empty body.
    fn write_field(&self, email: &str, field: &str, value: &str, deadline: Deadline) -> Result<(), Outcome> {
        if self.site_id.is_empty() || self.track_key.is_empty() {
            return Err(Outcome::new(
                Code::NotConfigured,
                "writing to Customer.io needs the Track API site id and API key",
            ));
        }
        let url = format!("{}/customers/{}", self.track_url, segment(email)?);
        let auth = crate::http::basic_auth(&self.site_id, &self.track_key);
        let body = json!({ field: value, "_update": true }).to_string();
        let doing = "writing the contact's field";
        with_retries(
            &self.agent,
            doing,
            deadline,
            |agent, left| {
                agent
                    .put(&url)
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .config()
                    .timeout_global(Some(left))
                    .build()
                    .send(body.as_str())
            },
            |reply| match reply.status {
                200 | 201 | 204 => Verdict::Done(()),
                _ => judge_failure(doing, &reply),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::SYNC_BUDGET;
    use std::time::{Duration, Instant};
    use wpf_sandbox::{Fault, FaultAction, Sandbox, StatusFault};

    fn settings(sb: &Sandbox) -> Settings {
        Settings::from_value(&sb.settings("customerio"))
    }

    fn client(sb: &Sandbox) -> CustomerIo {
        CustomerIo::from_settings(&settings(sb)).expect("configured")
    }

    fn email(e: &str) -> ContactRef {
        ContactRef::Email(e.into())
    }

    fn load(c: &CustomerIo, who: &ContactRef, fields: bool) -> Result<Contact, Outcome> {
        c.load(who, &Map::new(), Need { fields }, Deadline::after(SYNC_BUDGET))
    }

    #[test]
    fn identifies_by_email_then_ids_then_parameter() {
        let c =
            CustomerIo::from_settings(&Settings::from_value(&json!({"customerio_app_key": "k"}))).expect("configured");
        let body = |v: Value| v.as_object().cloned().unwrap_or_default();
        assert_eq!(c.identify(&body(json!({"email": " a@b.co ", "id": "x"})), None), Ok(email("a@b.co")));
        assert_eq!(
            c.identify(&body(json!({"cio_id": "abc"})), None),
            Ok(ContactRef::Id { id_type: "cio_id", value: "abc".into() })
        );
        assert_eq!(
            c.identify(&body(json!({"id": 1001})), None),
            Ok(ContactRef::Id { id_type: "id", value: "1001".into() })
        );
        assert_eq!(c.identify(&body(json!({"email": ""})), Some("p@q.co")), Ok(email("p@q.co")));
        assert_eq!(
            c.identify(&Map::new(), Some("cust-9")),
            Ok(ContactRef::Id { id_type: "id", value: "cust-9".into() })
        );
        for bad in [json!({}), json!({"email": "not-an-email"}), json!({"email": ["a@b.co"]})] {
            assert_eq!(c.identify(&body(bad.clone()), None).map_err(|f| f.code), Err(Code::BadRequest), "{bad}");
        }
    }

    #[test]
    fn dot_ids_are_refused_before_they_reach_a_url_path() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let c = client(&sb);
        let body = |v: Value| v.as_object().cloned().unwrap_or_default();
        for dots in [".", ".."] {
            for (b, param) in [(json!({"id": dots}), None), (json!({"cio_id": dots}), None), (json!({}), Some(dots))] {
                let err = c.identify(&body(b.clone()), param).unwrap_err();
                assert_eq!(err.code, Code::BadRequest, "{b} {param:?}");
                assert!(err.message.contains("cannot be"), "{}", err.message);
            }
            for id_type in ["id", "cio_id"] {
                let who = ContactRef::Id { id_type, value: dots.into() };
                for fields in [false, true] {
                    assert_eq!(load(&c, &who, fields).map_err(|f| f.code), Err(Code::BadRequest), "{dots} {id_type}");
                }
            }
        }
        assert!(sb.requests().is_empty(), "no call reached the CRM: {:?}", sb.requests());
        let who = ContactRef::Id { id_type: "id", value: "...".into() };
        assert_eq!(load(&c, &who, false).map_err(|f| f.code), Err(Code::ContactNotFound), "three dots are a name");
    }

    #[test]
    fn loads_tags_and_fields_in_parallel() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        sb.set_latency_ms(150);
        let started = Instant::now();
        let contact = load(&client(&sb), &email("JANE@example.com"), true).expect("loaded");
        assert!(started.elapsed() < Duration::from_millis(290), "two reads overlapped: {:?}", started.elapsed());
        assert_eq!(contact.email, "jane@example.com", "the email as the CRM stores it");
        assert_eq!(contact.tags, Some(vec!["1".into(), "42".into()]), "numeric and string segment ids, as strings");
        assert_eq!(contact.data["attributes"]["first_name"], "Jane");
        let reqs = sb.requests();
        assert_eq!(reqs.len(), 2);
        assert!(reqs
            .iter()
            .all(|r| r.headers.get("authorization").map(String::as_str)
                == Some(&format!("Bearer {}", wpf_sandbox::APP_KEY))));
        assert!(reqs.iter().all(|r| r.query == "id_type=email"));
        let (a, b) = (&reqs[0], &reqs[1]);
        let (a_end, b_end) = (a.finished_ms.unwrap_or(f64::MAX), b.finished_ms.unwrap_or(f64::MAX));
        assert!(a.started_ms < b_end && b.started_ms < a_end, "overlap in time");
    }

    #[test]
    fn update_tags_by_email_reads_segments_only() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let contact = load(&client(&sb), &email("john.smith@example.com"), false).expect("loaded");
        assert_eq!(contact.tags, Some(vec!["7".into()]));
        assert_eq!(contact.email, "john.smith@example.com");
        let paths: Vec<String> = sb.requests().into_iter().map(|r| r.path).collect();
        assert_eq!(paths.len(), 1);
        assert!(paths[0].ends_with("/segments"), "{paths:?}");
    }

    #[test]
    fn an_id_resolves_to_the_email() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let who = ContactRef::Id { id_type: "id", value: "cust-1001".into() };
        let contact = load(&client(&sb), &who, false).expect("loaded");
        assert_eq!(contact.email, "id-only@example.com");
        assert_eq!(contact.tags, Some(vec![]));
    }

    /// The contact through [`crate::crm::load`], which checks the email the CRM returned.
    fn checked(c: &CustomerIo, who: &ContactRef) -> Result<Contact, Outcome> {
        crate::crm::load(c, who, &Map::new(), Need { fields: true }, Deadline::after(SYNC_BUDGET))
    }

    fn answer_with_email(sb: &Sandbox, email: &str) {
        let customer = json!({"customer": {"id": "cust-1001", "identifiers": {"email": email, "id": "cust-1001"},
                                           "attributes": {"email": email, "first_name": "Eve"}}});
        sb.add_fault(Fault::new(StatusFault::new(200).body(customer.to_string())).path_contains("/attributes"));
    }

    #[test]
    fn an_email_the_crm_returns_must_be_valid() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let by_id = ContactRef::Id { id_type: "id", value: "cust-1001".into() };
        for bad in ["not-an-email", "eve@example.com\n", "eve@localhost", "a b@example.com", "eve@example.com@x.co"] {
            answer_with_email(&sb, bad);
            let err = checked(&client(&sb), &by_id).unwrap_err();
            assert_eq!(err.code, Code::CrmError, "{bad:?}");
            assert!(!err.message.contains("eve") && !err.message.contains("not-an"), "{}", err.message);
        }
    }

    #[test]
    fn the_crm_must_return_the_email_the_sender_named() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        answer_with_email(&sb, "mallory@example.com");
        let err = checked(&client(&sb), &email("jane@example.com")).unwrap_err();
        assert_eq!(err.code, Code::CrmError);
        assert!(err.message.contains("another email"), "{}", err.message);
        assert!(!err.message.contains("mallory") && !err.message.contains("jane"), "{}", err.message);
        answer_with_email(&sb, "jane@example.com.evil.co");
        assert_eq!(checked(&client(&sb), &email("jane@example.com")).map_err(|f| f.code), Err(Code::CrmError));
    }

    #[test]
    fn the_same_email_in_another_case_is_the_same_contact() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        sb.put_person(wpf_sandbox::Person::new("Mixed.Case@Example.COM").attr("first_name", "Max"));
        let contact = checked(&client(&sb), &email("mixed.case@example.com")).expect("linked");
        assert_eq!(contact.email, "Mixed.Case@Example.COM", "stored as the CRM returns it (CONTRACT §5)");
        let by_id = ContactRef::Id {
            id_type: "cio_id",
            value: contact.data["identifiers"]["cio_id"].as_str().unwrap_or("").into(),
        };
        assert_eq!(checked(&client(&sb), &by_id).map(|c| c.email).as_deref(), Ok("Mixed.Case@Example.COM"));
    }

    #[test]
    fn unknown_person_is_contact_not_found() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        for fields in [false, true] {
            let err = load(&client(&sb), &email("nobody@example.com"), fields).unwrap_err();
            assert_eq!(err.code, Code::ContactNotFound);
        }
    }

    #[test]
    fn bad_key_and_wrong_region_are_crm_errors_without_retry() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let mut s = settings(&sb);
        s.crm_settings.insert("customerio_app_key".into(), "wrong".into());
        let err = load(&CustomerIo::from_settings(&s).expect("c"), &email("jane@example.com"), false).unwrap_err();
        assert_eq!(err.code, Code::CrmError);
        assert!(!err.message.contains("wrong"), "no secret in messages");
        let mut s = settings(&sb);
        let eu = s.crm_setting("customerio_app_url").replace("/us/", "/eu/");
        s.crm_settings.insert("customerio_app_url".into(), eu);
        let err = load(&CustomerIo::from_settings(&s).expect("c"), &email("jane@example.com"), false).unwrap_err();
        assert_eq!(err.code, Code::CrmError);
        assert!(err.message.contains("region"), "{}", err.message);
        assert_eq!(sb.requests().len(), 2, "one attempt each");
    }

    #[test]
    fn transient_failures_are_retried() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        sb.add_fault(Fault::new(FaultAction::status(503)).path_contains("/segments").times(1));
        sb.add_fault(Fault::new(FaultAction::status(500)).path_contains("/segments").times(1));
        let contact = load(&client(&sb), &email("jane@example.com"), false).expect("third attempt works");
        assert_eq!(contact.tags, Some(vec!["1".into(), "42".into()]));
        assert_eq!(sb.requests().len(), 3);
    }

    #[test]
    fn rate_limits_honour_retry_after_within_the_deadline() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        sb.add_fault(Fault::new(StatusFault::new(429).header("Retry-After", "1")).path_contains("/segments").times(1));
        let started = Instant::now();
        load(&client(&sb), &email("jane@example.com"), false).expect("second attempt works");
        assert!(started.elapsed() >= Duration::from_secs(1), "waited as asked");

        sb.add_fault(Fault::new(StatusFault::new(429).header("Retry-After", "60")).path_contains("/segments"));
        let started = Instant::now();
        let err = load(&client(&sb), &email("jane@example.com"), false).unwrap_err();
        assert_eq!(err.code, Code::CrmUnavailable);
        assert_eq!(err.retry_after, Some(60), "the CRM's own Retry-After is passed on");
        assert!(started.elapsed() < Duration::from_secs(1), "no point waiting past the deadline");
    }

    #[test]
    fn a_crm_retry_after_over_an_hour_is_capped() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        sb.add_fault(Fault::new(StatusFault::new(429).header("Retry-After", "86400")).path_contains("/segments"));
        let started = Instant::now();
        let err = load(&client(&sb), &email("jane@example.com"), false).unwrap_err();
        assert_eq!(err.code, Code::CrmUnavailable);
        assert_eq!(err.retry_after, Some(crate::http::MAX_RETRY_AFTER), "a day is cut to an hour");
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    }

    #[test]
    fn persistent_5xx_is_unavailable_with_default_retry_after() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        sb.add_fault(Fault::new(FaultAction::status(502)));
        let err = load(&client(&sb), &email("jane@example.com"), false).unwrap_err();
        assert_eq!(err.code, Code::CrmUnavailable);
        assert_eq!(err.retry_after, Some(crate::http::DEFAULT_RETRY_AFTER));
        assert_eq!(sb.requests().len(), crate::http::MAX_ATTEMPTS as usize);
    }

    #[test]
    fn a_stalled_crm_cannot_hold_the_webhook_past_its_deadline() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        sb.add_fault(Fault::new(FaultAction::Delay(10_000)));
        let started = Instant::now();
        let err = client(&sb)
            .load(
                &email("jane@example.com"),
                &Map::new(),
                Need { fields: true },
                Deadline::after(Duration::from_millis(800)),
            )
            .unwrap_err();
        assert_eq!(err.code, Code::CrmUnavailable);
        assert!(started.elapsed() < Duration::from_millis(1100), "{:?}", started.elapsed());
    }

    #[test]
    fn malformed_and_wrong_typed_answers_are_crm_errors() {
        for action in [FaultAction::Malformed, FaultAction::WrongType] {
            let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
            sb.add_fault(Fault::new(action.clone()));
            let err = load(&client(&sb), &email("jane@example.com"), true).unwrap_err();
            assert_eq!(err.code, Code::CrmError, "{action:?}");
        }
    }

    #[test]
    fn a_reset_or_truncated_answer_is_retried_then_unavailable() {
        for action in [FaultAction::Reset, FaultAction::Truncate] {
            let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
            sb.add_fault(Fault::new(action.clone()).times(1));
            let contact = load(&client(&sb), &email("jane@example.com"), false).expect("the retry works");
            assert_eq!(contact.tags, Some(vec!["1".into(), "42".into()]), "{action:?}");
            assert_eq!(sb.requests().len(), 2, "{action:?}");

            sb.add_fault(Fault::new(action.clone()));
            let err = load(&client(&sb), &email("jane@example.com"), false).unwrap_err();
            assert_eq!(err.code, Code::CrmUnavailable, "{action:?}");
            assert_eq!(sb.requests().len(), 2 + crate::http::MAX_ATTEMPTS as usize, "{action:?}");
        }
    }

    #[test]
    fn huge_answers_are_refused_not_swallowed() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        sb.add_fault(Fault::new(FaultAction::Huge(4 * 1024 * 1024)));
        let err = load(&client(&sb), &email("jane@example.com"), false).unwrap_err();
        assert_eq!(err.code, Code::CrmError);
        assert_eq!(sb.requests().len(), 1, "not retried");
    }

    #[test]
    fn writes_a_field_with_update_only() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        client(&sb)
            .write_field("jane@example.com", "wp_password", "pw-123", Deadline::after(SYNC_BUDGET))
            .expect("written");
        let reqs = sb.requests();
        assert_eq!(reqs.len(), 1);
        let r = &reqs[0];
        assert_eq!(r.method, "PUT");
        assert!(r.path.ends_with("/customers/jane@example.com"), "{}", r.path);
        let body: Value = serde_json::from_str(&r.body).expect("json");
        assert_eq!(body, json!({"wp_password": "pw-123", "_update": true}));
        assert!(r.headers.get("authorization").is_some_and(|a| a.starts_with("Basic ")));
    }

    #[test]
    fn a_write_without_track_credentials_is_not_configured() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let mut s = settings(&sb);
        s.crm_settings.insert("customerio_track_key".into(), String::new());
        let err = CustomerIo::from_settings(&s)
            .expect("reads still work")
            .write_field("jane@example.com", "f", "v", Deadline::after(SYNC_BUDGET))
            .unwrap_err();
        assert_eq!(err.code, Code::NotConfigured);
        assert!(sb.requests().is_empty());
    }

    fn check(sb: &Sandbox, tweak: impl FnOnce(&mut Settings)) -> Result<String, Outcome> {
        let mut s = settings(sb);
        tweak(&mut s);
        CustomerIo::from_settings(&s).expect("configured").check(Deadline::after(Duration::from_secs(2)))
    }

    #[test]
    fn the_connection_check_tells_what_is_wrong() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let ok = check(&sb, |_| {}).expect("works");
        assert!(ok.contains("App API key and the Track API credentials work"), "{ok}");
        let no_track = check(&sb, |s| {
            s.crm_settings.insert("customerio_track_key".into(), String::new());
        })
        .expect("reads work");
        assert!(no_track.contains("Return Password is off"), "{no_track}");
        let bad_app = check(&sb, |s| {
            s.crm_settings.insert("customerio_app_key".into(), "wrong".into());
        })
        .unwrap_err();
        assert!(bad_app.message.contains("check the API key and the region"), "{}", bad_app.message);
        let bad_track = check(&sb, |s| {
            s.crm_settings.insert("customerio_track_key".into(), "wrong".into());
        })
        .unwrap_err();
        assert!(bad_track.message.contains("Track API site id or key"), "{}", bad_track.message);
        let unreachable = check(&sb, |s| {
            s.crm_settings.insert("customerio_app_url".into(), "http://127.0.0.1:9/v1".into());
        })
        .unwrap_err();
        assert_eq!(unreachable.code, Code::CrmUnavailable);
        assert!(unreachable.message.contains("connection"), "{}", unreachable.message);
        sb.add_fault(Fault::new(FaultAction::Delay(5_000)).path_contains("/segments"));
        let slow = check(&sb, |_| {}).unwrap_err();
        assert!(slow.message.contains("timed out"), "{}", slow.message);
    }

    #[test]
    fn a_wrong_region_is_named_when_the_endpoints_are_official() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let mut client = client(&sb);
        client.official_region = Some(EU);
        let err = client.check(Deadline::after(Duration::from_secs(2))).unwrap_err();
        assert!(err.message.contains("the workspace is in the US region, the settings say EU"), "{}", err.message);
    }

    #[test]
    fn kept_alive_connections_are_reused_across_calls() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        load(&client(&sb), &email("jane@example.com"), false).expect("first");
        load(&client(&sb), &email("jane@example.com"), false).expect("second");
        let reqs = sb.requests();
        assert_eq!(reqs[0].connection, reqs[1].connection);
    }
}
