//! Customerly: one API (`https://api.customerly.io/v1`) with an access token, sent both as `Authorization:
//! Bearer` and as the older `Authentication: AccessToken:` header. Contacts are users or leads, found by email;
//! tags are tag names. Customerly reports some errors in the body of a 2xx answer, and bad credentials as HTTP
//! 500. Its webhooks carry a copy of the contact at `data.user.data`: the contact is read from the API all the
//! same, and the copy only fills what the API record lacks. See CRM-REFERENCE.md.

use super::{base_url, body_text, checked_email, Contact, ContactRef, Crm, CrmSetting, Descriptor, Kind, Need};
use crate::error::{Code, Outcome};
use crate::http::{agent, refused, with_retries, Deadline, Reply, Verdict};
use crate::settings::Settings;
use serde_json::{json, Map, Value};
use ureq::Agent;

/// Customerly as the settings, the shim and WP Fusion's import know it.
pub const DESCRIPTOR: Descriptor = Descriptor {
    crm: "customerly",
    name: "Customerly",
    slug: "customerly",
    settings: &[
        CrmSetting {
            key: "customerly_token",
            kind: Kind::Secret,
            label: "Customerly API token",
            help: "Reads users, leads and their tags, and writes a generated password (Return Password).",
            wpf_option: Some("customerly_key"),
        },
        CrmSetting {
            key: "customerly_api_url",
            kind: Kind::BaseUrl,
            label: "Customerly API base URL",
            help: "Empty: the official endpoint. Set for a proxy or a test CRM; it ends with the API version path, \
                   like https://api.customerly.io/v1.",
            wpf_option: None,
        },
    ],
    required: "customerly_token",
    not_configured: "the Customerly API token is not set",
    webhook_help: "In Customerly: Settings → Webhooks → new webhook, choose the events (e.g. contact tagged, \
                   contact details updated) and paste a URL. Customerly sends its own JSON body, for example:",
    example_body: r#"{"type": "user_tagged", "data": {"user": {"data": {"email": "jane@example.com"}}}}"#,
    signature: None,
    open: |s| Ok(Box::new(Customerly::from_settings(s)?)),
};

/// Where a Customerly webhook carries the contact.
const EMBEDDED_CONTACT: &str = "/data/user/data";

/// A Customerly project's API token and endpoint.
pub struct Customerly {
    api_url: String,
    token: String,
    agent: Agent,
}

/// What one lookup found.
enum Lookup {
    Found(Map<String, Value>),
    Missing,
}

impl Customerly {
    pub fn from_settings(s: &Settings) -> Result<Customerly, Outcome> {
        Ok(Customerly {
            api_url: base_url(
                "customerly_api_url",
                s.crm_setting("customerly_api_url"),
                "https://api.customerly.io/v1",
            )?,
            token: s.crm_setting("customerly_token").to_string(),
            agent: agent(&s.proxy)?,
        })
    }

    /// `GET {api}/{kind}?email=…` for `users` or `leads`.
    fn lookup(&self, kind: &str, email: &str, deadline: Deadline) -> Result<Lookup, Outcome> {
        let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("email", email).finish();
        let url = format!("{}/{kind}?{query}", self.api_url);
        let doing = format!("loading the contact from {kind}");
        with_retries(
            &self.agent,
            &doing,
            deadline,
            |agent, left| {
                self.authorized(agent.get(&url))
                    .header("Accept", "application/json")
                    .config()
                    .timeout_global(Some(left))
                    .build()
                    .call()
            },
            |reply| match judge(&doing, &reply) {
                Judged::Ok(v) => match v.get("data") {
                    Some(Value::Object(data)) => Verdict::Done(Lookup::Found(data.clone())),
                    _ => Verdict::Fail(unexpected(&doing)),
                },
                Judged::Missing => Verdict::Done(Lookup::Missing),
                Judged::Other(verdict) => verdict,
            },
        )
    }

    fn authorized<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        request
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Authentication", &format!("AccessToken: {}", self.token))
    }

    /// The contact by email: as a user, else as a lead (which cannot take written fields).
    fn fetch(&self, email: &str, deadline: Deadline) -> Result<(Map<String, Value>, bool), Outcome> {
        if let Lookup::Found(user) = self.lookup("users", email, deadline)? {
            return Ok((user, true));
        }
        match self.lookup("leads", email, deadline)? {
            Lookup::Found(lead) => Ok((lead, false)),
            Lookup::Missing => Err(Outcome::new(Code::ContactNotFound, "Customerly has no such user or lead")),
        }
    }
}

/// A Customerly answer, read: its JSON, "no such contact", or what to do about a failure.
enum Judged<T> {
    Ok(Value),
    Missing,
    Other(Verdict<T>),
}

/// Customerly's answers: an `error` object can come with any status; "doesn't exist" means not found; bad
/// credentials come as HTTP 500 and are never retried; 429 and other 5xx are.
fn judge<T>(doing: &str, reply: &Reply) -> Judged<T> {
    let body: Option<Value> = serde_json::from_str(&reply.body).ok();
    let error = body.as_ref().and_then(|b| b.get("error")).map(|e| {
        e.get("message").and_then(Value::as_str).or_else(|| e.as_str()).unwrap_or_default().to_ascii_lowercase()
    });
    let missing = error.as_deref().is_some_and(|m| m.contains("doesn't exist") || m.contains("does not exist"));
    let credentials =
        error.as_deref().is_some_and(|m| m.contains("access token") || m.contains("header authorization"));
    match (reply.status, body) {
        (_, _) if credentials || matches!(reply.status, 401 | 403) => Judged::Other(Verdict::Fail(Outcome::new(
            Code::CrmError,
            format!("Customerly rejected the API token while {doing}"),
        ))),
        (200..=299 | 404, _) if missing => Judged::Missing,
        (404, _) => Judged::Missing,
        (429 | 500 | 502 | 503 | 504, _) => {
            Judged::Other(Verdict::Retry { why: format!("HTTP {}", reply.status), retry_after: reply.retry_after })
        }
        (200..=299, Some(_)) if error.is_some() => Judged::Other(Verdict::Fail(refused(doing, reply))),
        (200..=299, Some(v)) => Judged::Ok(v),
        (200..=299, None) => Judged::Other(Verdict::Fail(unexpected(doing))),
        _ => Judged::Other(Verdict::Fail(refused(doing, reply))),
    }
}

fn unexpected(doing: &str) -> Outcome {
    Outcome::new(Code::CrmError, format!("Customerly sent an unexpected answer while {doing}"))
}

/// Tags as Customerly may give them: names, or objects with a `name`. `None` when there is no list.
fn tags(contact: &Map<String, Value>) -> Option<Vec<String>> {
    let list = contact.get("tags")?.as_array()?;
    let names = list.iter().map(|t| t.get("name").unwrap_or(t));
    Some(super::tag_strings(names))
}

impl Crm for Customerly {
    fn slug(&self) -> &'static str {
        DESCRIPTOR.slug
    }

    /// The webhook's `data.user.data.email`, else a top-level `email`, else the `contact_id` parameter.
    fn identify(&self, body: &Map<String, Value>, contact_id: Option<&str>) -> Result<ContactRef, Outcome> {
        let embedded = Value::Object(body.clone());
        let email = body_text(embedded.pointer(&format!("{EMBEDDED_CONTACT}/email")))
            .or_else(|| body_text(body.get("email")))
            .or_else(|| contact_id.map(str::to_string));
        match email {
            Some(e) => checked_email(e),
            None => Err(Outcome::bad_request(
                "no contact identifier: Customerly's webhook carries it at data.user.data.email",
            )),
        }
    }

    /// The contact as the API has it (as a user, else as a lead); the webhook's copy at `data.user.data` only
    /// fills what the API record does not carry at all (CONTRACT §2).
    fn load(
        &self,
        who: &ContactRef,
        body: &Map<String, Value>,
        _need: Need,
        deadline: Deadline,
    ) -> Result<Contact, Outcome> {
        let ContactRef::Email(email) = who else {
            return Err(Outcome::bad_request("Customerly contacts are identified by email"));
        };
        let (mut record, is_user) = self.fetch(email, deadline)?;
        let whole = Value::Object(body.clone());
        let copy = whole
            .pointer(EMBEDDED_CONTACT)
            .and_then(Value::as_object)
            .filter(|c| c.get("email").and_then(Value::as_str).is_some_and(|e| e.eq_ignore_ascii_case(email)));
        if let Some(copy) = copy {
            super::fill_absent(&mut record, copy);
        }
        let email = record.get("email").and_then(Value::as_str).unwrap_or(email).to_string();
        Ok(Contact { email, tags: tags(&record), data: record, writable: is_user })
    }

    /// `GET {api}/tags`: does the API take the token?
    fn check(&self, deadline: Deadline) -> Result<String, Outcome> {
        let url = format!("{}/tags", self.api_url);
        let doing = "checking the API token";
        with_retries(
            &self.agent,
            doing,
            deadline,
            |agent, left| self.authorized(agent.get(&url)).config().timeout_global(Some(left)).build().call(),
            |reply| match judge(doing, &reply) {
                Judged::Ok(_) => Verdict::Done("Connected to Customerly: the API token works.".to_string()),
                Judged::Missing => Verdict::Fail(unexpected(doing)),
                Judged::Other(verdict) => verdict,
            },
        )
    }

    /// `POST {api}/users` with the attribute. That call creates a user for an unknown email, so it is only made
    /// for a contact loaded as a user (see [`Contact::writable`]).
    fn write_field(&self, email: &str, field: &str, value: &str, deadline: Deadline) -> Result<(), Outcome> {
        let url = format!("{}/users", self.api_url);
        let body = json!({ "users": [{ "email": email, "attributes": { field: value } }] }).to_string();
        let doing = "writing the contact's field";
        with_retries(
            &self.agent,
            doing,
            deadline,
            |agent, left| {
                self.authorized(agent.post(&url))
                    .header("Content-Type", "application/json")
                    .config()
                    .timeout_global(Some(left))
                    .build()
                    .send(body.as_str())
            },
            |reply| match judge(doing, &reply) {
                Judged::Ok(_) => Verdict::Done(()),
                Judged::Missing => Verdict::Fail(Outcome::new(Code::ContactNotFound, "Customerly has no such user")),
                Judged::Other(verdict) => verdict,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::SYNC_BUDGET;
    use wpf_sandbox::{Fault, Sandbox, StatusFault};

    fn client(sb: &Sandbox) -> Customerly {
        let s = Settings::from_value(&sb.settings("customerly"));
        Customerly::from_settings(&s).expect("configured")
    }

    fn object(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn webhook(contact: Value) -> Map<String, Value> {
        object(json!({"type": "user_tagged", "data": {"user": {"data": contact}}}))
    }

    fn load(c: &Customerly, body: &Map<String, Value>, fields: bool) -> Result<Contact, Outcome> {
        let who = c.identify(body, None)?;
        c.load(&who, body, Need { fields }, Deadline::after(SYNC_BUDGET))
    }

    #[test]
    fn identifies_by_the_embedded_email_then_top_level_then_parameter() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let c = client(&sb);
        let email = |e: &str| Ok(ContactRef::Email(e.into()));
        assert_eq!(c.identify(&webhook(json!({"email": "a@b.co"})), Some("x@y.co")), email("a@b.co"));
        assert_eq!(c.identify(&object(json!({"email": "c@d.co"})), None), email("c@d.co"));
        assert_eq!(c.identify(&Map::new(), Some("p@q.co")), email("p@q.co"));
        for (body, param) in [(json!({}), None), (json!({"data": {"user": {}}}), None), (json!({}), Some("12345"))] {
            assert_eq!(c.identify(&object(body), param).map_err(|f| f.code), Err(Code::BadRequest));
        }
    }

    #[test]
    fn a_bare_webhook_loads_the_user_with_both_auth_headers() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let contact = load(&client(&sb), &webhook(json!({"email": "JANE@example.com"})), true).expect("loaded");
        assert_eq!(contact.email, "jane@example.com");
        assert_eq!(contact.tags, Some(vec!["onboarding".into(), "vip".into()]));
        assert_eq!(contact.data["attributes"]["first_name"], "Jane");
        assert!(contact.writable);
        let r = &sb.requests()[0];
        let token = wpf_sandbox::CUSTOMERLY_TOKEN;
        assert_eq!(r.header("authorization"), Some(format!("Bearer {token}").as_str()));
        assert_eq!(r.header("authentication"), Some(format!("AccessToken: {token}").as_str()));
        assert_eq!(r.query_param("email").as_deref(), Some("JANE@example.com"));
    }

    #[test]
    fn a_full_webhook_is_read_from_the_api_and_fills_only_what_the_api_lacks() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let body = webhook(json!({"email": "jane@example.com", "name": "Forged Name",
                                  "attributes": {"first_name": "Forged", "seats": 3}, "tags": ["forged"],
                                  "nickname": "only-in-body"}));
        let contact = load(&client(&sb), &body, true).expect("loaded");
        assert_eq!(contact.tags, Some(vec!["onboarding".into(), "vip".into()]), "the API's tags");
        assert_eq!(contact.data["attributes"]["first_name"], "Jane", "the API's value wins");
        assert_eq!(contact.data["name"], "Jane Doe");
        assert_eq!(contact.data["attributes"]["seats"], 3, "an attribute the API does not carry is filled");
        assert_eq!(contact.data["nickname"], "only-in-body", "so is a key the API record lacks");
        assert_eq!(sb.requests().len(), 1, "one lookup: the contact is a user");
    }

    #[test]
    fn tags_come_from_the_body_only_when_the_api_record_has_no_tag_list() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let without_tags = r#"{"data":{"email":"jane@example.com","attributes":{"first_name":"Jane"}}}"#;
        sb.add_fault(Fault::new(StatusFault::new(200).body(without_tags)).times(1));
        let body = webhook(json!({"email": "jane@example.com", "tags": ["from-body"]}));
        let contact = load(&client(&sb), &body, false).expect("loaded");
        assert_eq!(contact.tags, Some(vec!["from-body".into()]));
        let contact = load(&client(&sb), &body, false).expect("loaded");
        assert_eq!(contact.tags, Some(vec!["onboarding".into(), "vip".into()]), "an API tag list, even empty, wins");
    }

    #[test]
    fn a_lead_stays_a_lead_whatever_the_body_says() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let body = webhook(json!({"email": "lead@example.com", "name": "Lee", "attributes": {}, "tags": ["x"]}));
        let contact = load(&client(&sb), &body, true).expect("loaded");
        assert!(!contact.writable, "writable is the API's word");
        assert_eq!(contact.tags, Some(vec!["prospect".into()]));
    }

    #[test]
    fn a_contact_without_any_tag_list_leaves_tags_alone() {
        assert_eq!(tags(&object(json!({"email": "a@b.co"}))), None);
        assert_eq!(tags(&object(json!({"tags": []}))), Some(vec![]));
    }

    #[test]
    fn a_lead_is_found_but_cannot_take_fields() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let contact = load(&client(&sb), &webhook(json!({"email": "lead@example.com"})), true).expect("loaded");
        assert!(!contact.writable);
        assert_eq!(contact.tags, Some(vec!["prospect".into()]));
        let paths: Vec<String> = sb.requests().into_iter().map(|r| r.path).collect();
        assert!(paths[0].ends_with("/users") && paths[1].ends_with("/leads"), "{paths:?}");
    }

    #[test]
    fn doesnt_exist_in_a_200_is_not_found() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        let err = load(&client(&sb), &webhook(json!({"email": "nobody@example.com"})), true).unwrap_err();
        assert_eq!(err.code, Code::ContactNotFound);
    }

    #[test]
    fn credential_errors_sent_as_500_are_not_retried() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        sb.set_config(wpf_sandbox::ConfigUpdate::default().customerly_token("rotated"));
        let err = load(&client(&sb), &webhook(json!({"email": "jane@example.com"})), true).unwrap_err();
        assert_eq!(err.code, Code::CrmError);
        assert!(!err.message.contains(wpf_sandbox::CUSTOMERLY_TOKEN));
        assert_eq!(sb.requests().len(), 1);
    }

    #[test]
    fn other_500s_are_retried() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        sb.add_fault(
            Fault::new(StatusFault::new(500).body(r#"{"error":{"message":"Internal error","code":500}}"#)).times(2),
        );
        let contact = load(&client(&sb), &webhook(json!({"email": "jane@example.com"})), true).expect("third try");
        assert_eq!(contact.email, "jane@example.com");
        assert_eq!(sb.requests().len(), 3);
    }

    #[test]
    fn an_error_in_a_200_is_a_crm_error() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        sb.add_fault(Fault::new(
            StatusFault::new(200).body(r#"{"error":{"message":"Plan limit reached","code":402}}"#),
        ));
        let err = load(&client(&sb), &webhook(json!({"email": "jane@example.com"})), true).unwrap_err();
        assert_eq!(err.code, Code::CrmError);
    }

    #[test]
    fn the_connection_check_names_a_rejected_token() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        assert!(client(&sb).check(Deadline::after(SYNC_BUDGET)).expect("works").contains("token works"));
        sb.set_config(wpf_sandbox::ConfigUpdate::default().customerly_token("rotated"));
        let err = client(&sb).check(Deadline::after(SYNC_BUDGET)).unwrap_err();
        assert!(err.message.contains("rejected the API token"), "{}", err.message);
    }

    #[test]
    fn writes_an_attribute_with_post_users() {
        let sb = Sandbox::start("127.0.0.1:0").expect("sandbox");
        client(&sb)
            .write_field("jane@example.com", "wp_password", "pw-1", Deadline::after(SYNC_BUDGET))
            .expect("written");
        let r = &sb.requests()[0];
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.json(),
            Some(json!({"users": [{"email": "jane@example.com", "attributes": {"wp_password": "pw-1"}}]}))
        );
        let stored = sb.customerly_contact("jane@example.com").expect("jane");
        assert_eq!(stored.attributes.get("wp_password"), Some(&json!("pw-1")));
    }
}
