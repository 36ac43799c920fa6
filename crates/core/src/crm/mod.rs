//! The CRMs. Each one is a file here that implements [`Crm`] and describes itself in a [`Descriptor`]: adding a
//! CRM is its file, its `pub mod` line and its descriptor in [`ALL`] (with its sandbox and conformance fixtures).

pub mod customerio;
pub mod customerly;

use crate::error::{Code, Outcome};
use crate::http::Deadline;
use crate::request::is_email;
use crate::settings::Settings;
use serde_json::{Map, Value};

/// Every supported CRM, in the order the settings page offers them.
pub const ALL: [&Descriptor; 2] = [&customerio::DESCRIPTOR, &customerly::DESCRIPTOR];

/// WP Fusion's slugs of every supported CRM: user meta `{slug}_contact_id` and `{slug}_tags`.
pub const SLUGS: [&str; ALL.len()] = {
    let mut slugs = [""; ALL.len()];
    let mut i = 0;
    while i < ALL.len() {
        slugs[i] = ALL[i].slug;
        i += 1;
    }
    slugs
};

/// What [`from_settings`] says when no CRM is chosen.
pub const NO_CRM: &str = "no CRM is chosen in the settings";

/// The schemes a base-URL override may have ([`base_url`]); it must name a host too.
pub const URL_SCHEMES: [&str; 2] = ["http", "https"];

/// What a CRM says of itself: all that the settings, the settings page, WP Fusion's import and the user meta
/// need to know of it (exported to the shim by `contract.rs`).
pub struct Descriptor {
    /// Its value of the setting `crm`.
    pub crm: &'static str,
    /// Its name, as the settings page shows it.
    pub name: &'static str,
    /// WP Fusion's slug for it: user meta `{slug}_contact_id` and `{slug}_tags`, and WP Fusion's value of its
    /// own `crm` option (the import).
    pub slug: &'static str,
    /// Its settings in the option `wpf_webhooks_settings`, in the order the settings page shows them.
    pub settings: &'static [CrmSetting],
    /// The setting it cannot work without.
    pub required: &'static str,
    /// What [`from_settings`] says when that setting is empty.
    pub not_configured: &'static str,
    /// How to point the CRM at the site, for the settings page.
    pub webhook_help: &'static str,
    /// A webhook body the CRM sends (JSON), for the settings page.
    pub example_body: &'static str,
    /// How it signs its webhooks, if it does: the secret is among its settings, a [`Kind::Secret`].
    pub signature: Option<&'static crate::signature::Scheme>,
    /// Its client, from the settings ([`from_settings`] checks `required` first).
    pub open: fn(&Settings) -> Result<Box<dyn Crm + Sync>, Outcome>,
}

/// One setting of a CRM. Its key is the key in the option, and by convention starts with the CRM's value of
/// `crm` and `_`.
pub struct CrmSetting {
    pub key: &'static str,
    pub kind: Kind,
    /// Its label on the settings page.
    pub label: &'static str,
    /// A line of help under it ('' = none).
    pub help: &'static str,
    /// The key of WP Fusion's option `wpf_options` holding the same value, for the import.
    pub wpf_option: Option<&'static str>,
}

/// What a CRM setting holds, and so how it is read, shown and checked.
pub enum Kind {
    /// A credential: stored, never shown back, logged or queued; an empty input keeps the saved value.
    Secret,
    /// One of these values (value, label); the first is the default, and stands for anything else.
    Choice(&'static [(&'static str, &'static str)]),
    /// An API base-URL override: empty for the official endpoint, else an http(s) URL ([`base_url`]); on a
    /// multisite network only a network administrator sets it.
    BaseUrl,
}

impl CrmSetting {
    /// The default value: the first choice, else empty.
    pub fn default_value(&self) -> &'static str {
        match self.kind {
            Kind::Choice(options) => options.first().map_or("", |(value, _)| value),
            Kind::Secret | Kind::BaseUrl => "",
        }
    }

    /// A stored value as the core reads it: trimmed; a choice in lower case, and the default when it is none of
    /// the values.
    pub fn read(&self, stored: &str) -> String {
        let value = stored.trim();
        match self.kind {
            Kind::Choice(options) => {
                let value = value.to_ascii_lowercase();
                if options.iter().any(|(v, _)| *v == value) {
                    value
                } else {
                    self.default_value().to_string()
                }
            }
            Kind::Secret | Kind::BaseUrl => value.to_string(),
        }
    }
}

/// The descriptor of the CRM a value of the setting `crm` names.
pub fn descriptor(crm: &str) -> Option<&'static Descriptor> {
    ALL.iter().copied().find(|d| d.crm == crm)
}

/// Who a webhook is about, as its sender identified them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactRef {
    Email(String),
    /// A CRM identifier other than the email; `id_type` is the CRM's name for its kind.
    Id {
        id_type: &'static str,
        value: String,
    },
}

/// A contact as loaded from the CRM.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// The email as the CRM returns it: the contact id WP Fusion stores.
    pub email: String,
    /// The contact's values for field mapping: top-level keys, and `attributes`.
    pub data: Map<String, Value>,
    /// The contact's tags (Customer.io: segment ids; Customerly: tag names), as strings; `None` when the CRM
    /// did not say, so the stored tags are left alone.
    pub tags: Option<Vec<String>>,
    /// Whether [`Crm::write_field`] may write to this contact (a Customerly lead has no user record to write).
    pub writable: bool,
}

/// What a webhook needs loaded besides the tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub fields: bool,
}

/// One CRM's API, as the webhook handler uses it.
pub trait Crm {
    /// WP Fusion's slug for this CRM.
    fn slug(&self) -> &'static str;

    /// Finds the contact identifier in the webhook body, else in the `contact_id` URL parameter.
    fn identify(&self, body: &Map<String, Value>, contact_id: Option<&str>) -> Result<ContactRef, Outcome>;

    /// Loads the contact's tags, and its fields when `need.fields`; the body is the webhook's, for CRMs that
    /// send the contact with it. Callers use [`load`], which checks the email returned.
    fn load(
        &self,
        who: &ContactRef,
        body: &Map<String, Value>,
        need: Need,
        deadline: Deadline,
    ) -> Result<Contact, Outcome>;

    /// Writes one value to one field of an existing contact.
    fn write_field(&self, email: &str, field: &str, value: &str, deadline: Deadline) -> Result<(), Outcome>;

    /// Checks the credentials with harmless reads; says what works, or precisely what does not.
    fn check(&self, deadline: Deadline) -> Result<String, Outcome>;
}

/// Loads the contact `who` names through `crm`, and checks the email the CRM returned: a valid address
/// ([`is_email`]) and, when the sender named an email, that same one in any ASCII case (as PHP's `strtolower`
/// and WordPress's collations compare them); else `crm_error`, so that a CRM's answer never links a webhook to
/// another person's account. The email is kept as the CRM spells it: that is the contact id (CONTRACT §5).
pub fn load(
    crm: &dyn Crm,
    who: &ContactRef,
    body: &Map<String, Value>,
    need: Need,
    deadline: Deadline,
) -> Result<Contact, Outcome> {
    let contact = crm.load(who, body, need, deadline)?;
    if !is_email(&contact.email) {
        return Err(Outcome::new(Code::CrmError, "the CRM returned the contact with an invalid email address"));
    }
    if let ContactRef::Email(named) = who {
        if !contact.email.eq_ignore_ascii_case(named) {
            return Err(Outcome::new(
                Code::CrmError,
                "the CRM returned a contact with another email address than the webhook named",
            ));
        }
    }
    Ok(contact)
}

/// The CRM the settings name, or `not_configured` when none is chosen, it is unknown, or the setting it needs
/// is empty.
pub fn from_settings(settings: &Settings) -> Result<Box<dyn Crm + Sync>, Outcome> {
    let d = match settings.crm.as_str() {
        "" => return Err(Outcome::new(Code::NotConfigured, NO_CRM)),
        crm => descriptor(crm)
            .ok_or_else(|| Outcome::new(Code::NotConfigured, "the CRM in the settings is not supported"))?,
    };
    if settings.crm_setting(d.required).is_empty() {
        return Err(Outcome::new(Code::NotConfigured, d.not_configured));
    }
    (d.open)(settings)
}

/// A checked base URL: an override when set, else the official endpoint. No trailing slash.
pub(crate) fn base_url(setting_name: &str, override_url: &str, official: &str) -> Result<String, Outcome> {
    let chosen = if override_url.is_empty() { official } else { override_url };
    match url::Url::parse(chosen) {
        Ok(u) if URL_SCHEMES.contains(&u.scheme()) && u.host().is_some() => {
            Ok(chosen.trim_end_matches('/').to_string())
        }
        _ => Err(Outcome::new(Code::NotConfigured, format!("{setting_name} is not an http(s) URL"))),
    }
}

/// A path segment, percent-encoded whole (an email's `@` and `+` included). An empty text, `.` and `..` are
/// refused (`bad_request`): they would name the parent path, or another one, of the CRM's API.
pub(crate) fn segment(s: &str) -> Result<String, Outcome> {
    if matches!(s, "" | "." | "..") {
        return Err(Outcome::bad_request("a contact id cannot be empty, \".\" or \"..\""));
    }
    Ok(url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20"))
}

/// A text value from a JSON body: a non-blank string, or a number written out.
pub(crate) fn body_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An email from the sender, checked.
pub(crate) fn checked_email(email: String) -> Result<ContactRef, Outcome> {
    if is_email(&email) {
        Ok(ContactRef::Email(email))
    } else {
        Err(Outcome::bad_request("the contact's email is not a valid email address"))
    }
}

/// CONTRACT §2, "The CRM is the source of truth": adds to a contact loaded from the CRM's API the keys of a
/// webhook body's copy that the record does not carry at all, at the top level and within `attributes`, where the
/// copy has them. A field is looked up at either level (see `fields::map`), so a key the record has at either
/// level, even empty or null, is never added at the other: a body can neither choose tags or fields the CRM has
/// nor make them go missing.
pub(crate) fn fill_absent(record: &mut Map<String, Value>, copy: &Map<String, Value>) {
    let carried = |record: &Map<String, Value>, key: &str| {
        record.contains_key(key)
            || record.get("attributes").and_then(Value::as_object).is_some_and(|a| a.contains_key(key))
    };
    for (key, value) in copy {
        if key == "attributes" {
            continue;
        }
        if !carried(record, key) {
            record.insert(key.clone(), value.clone());
        }
    }
    let Some(theirs) = copy.get("attributes").and_then(Value::as_object) else {
        return;
    };
    let absent: Map<String, Value> =
        theirs.iter().filter(|(k, _)| !carried(record, k)).map(|(k, v)| (k.clone(), v.clone())).collect();
    match record.get_mut("attributes") {
        Some(Value::Object(mine)) => mine.extend(absent),
        Some(_) => {}
        None if !absent.is_empty() => {
            record.insert("attributes".into(), Value::Object(absent));
        }
        None => {}
    }
}

/// A CRM id from the sender, checked to be usable as a path segment.
pub(crate) fn checked_id(id_type: &'static str, value: String) -> Result<ContactRef, Outcome> {
    segment(&value)?;
    Ok(ContactRef::Id { id_type, value })
}

/// A list of tag ids or names as strings; numbers are written out, anything else is skipped.
pub(crate) fn tag_strings<'a>(items: impl IntoIterator<Item = &'a Value>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .filter(|t| seen.insert(t.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(base_url("x", "", "https://api.customer.io/v1/").as_deref(), Ok("https://api.customer.io/v1"));
        assert_eq!(base_url("x", "http://127.0.0.1:1/p", "https://a").as_deref(), Ok("http://127.0.0.1:1/p"));
        for bad in ["ftp://x", "not a url", "file:///etc/passwd", "http://"] {
            assert_eq!(base_url("x", bad, "https://a").map_err(|f| f.code), Err(Code::NotConfigured), "{bad}");
        }
    }

    #[test]
    fn segments_are_fully_encoded() {
        assert_eq!(segment("jane+news@example.com").as_deref(), Ok("jane%2Bnews%40example.com"));
        assert_eq!(segment("a b/c?d#e").as_deref(), Ok("a%20b%2Fc%3Fd%23e"));
        assert_eq!(segment("...").as_deref(), Ok("..."));
        for bad in ["", ".", ".."] {
            assert_eq!(segment(bad).map_err(|f| f.code), Err(Code::BadRequest), "{bad:?}");
        }
    }

    #[test]
    fn tags_are_strings() {
        let v = json!([1, "42", null, "", {"id": 3}, 7.5, "vip", "1"]);
        assert_eq!(tag_strings(v.as_array().into_iter().flatten()), vec!["1", "42", "7.5", "vip"]);
    }

    #[test]
    fn a_copy_fills_only_what_the_record_lacks() {
        let mut record = json!({"email": "a@b.co", "name": "", "tags": null, "attributes": {"plan": "pro"}})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let copy = json!({"email": "x@y.co", "name": "Forged", "tags": ["t"], "seats": 2, "plan": "top-level",
                          "attributes": {"plan": "free", "city": "Rome", "name": "nested", "email": "n@y.co"}});
        fill_absent(&mut record, copy.as_object().expect("object"));
        assert_eq!(
            Value::Object(record),
            json!({"email": "a@b.co", "name": "", "tags": null, "seats": 2, "attributes": {"plan": "pro", "city": "Rome"}})
        );
        let mut bare = Map::new();
        fill_absent(&mut bare, json!({"attributes": {"x": 1}}).as_object().expect("object"));
        assert_eq!(Value::Object(bare), json!({"attributes": {"x": 1}}));
    }

    #[test]
    fn each_crm_needs_its_required_setting() {
        for d in ALL {
            let s = Settings::from_value(&json!({"crm": d.crm}));
            let outcome = from_settings(&s).err().expect("not configured");
            assert_eq!((outcome.code, outcome.message.as_str()), (Code::NotConfigured, d.not_configured), "{}", d.crm);
            let s = Settings::from_value(&json!({"crm": d.crm, d.required: "set"}));
            assert!(from_settings(&s).is_ok(), "{} with {}", d.crm, d.required);
        }
        let outcome = from_settings(&Settings::default()).err().expect("not configured");
        assert_eq!(outcome.message, NO_CRM);
    }

    #[test]
    fn each_crm_describes_itself_consistently() {
        let mut keys = std::collections::BTreeSet::new();
        for d in ALL {
            assert_eq!(SLUGS.iter().filter(|s| **s == d.slug).count(), 1, "{}", d.slug);
            assert!(d.settings.iter().any(|s| s.key == d.required && matches!(s.kind, Kind::Secret)), "{}", d.crm);
            assert!(serde_json::from_str::<Map<String, Value>>(d.example_body).is_ok(), "{}", d.crm);
            for s in d.settings {
                assert!(s.key.starts_with(&format!("{}_", d.crm)), "{}", s.key);
                assert!(keys.insert(s.key), "{} is described twice", s.key);
                assert!(!s.label.is_empty(), "{}", s.key);
            }
        }
    }

    #[test]
    fn a_choice_reads_as_one_of_its_values() {
        let region = customerio::DESCRIPTOR.settings.iter().find(|s| s.key == "customerio_region").expect("region");
        assert_eq!(region.default_value(), "us");
        assert_eq!(region.read(" EU "), "eu");
        assert_eq!(region.read("mars"), "us");
        assert_eq!(region.read(""), "us");
    }

    #[test]
    fn unknown_or_missing_crm_is_not_configured() {
        for crm in ["", "hubspot"] {
            let s = Settings { crm: crm.into(), ..Settings::default() };
            assert_eq!(from_settings(&s).err().map(|f| f.code), Some(Code::NotConfigured));
        }
    }
}
