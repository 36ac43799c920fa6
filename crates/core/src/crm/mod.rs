//! The CRMs. Each one is a file here implementing [`Crm`]; [`from_settings`] picks the configured one.

pub mod customerio;
pub mod customerly;

use crate::error::{Code, Outcome};
use crate::http::Deadline;
use crate::request::is_email;
use crate::settings::Settings;
use serde_json::{Map, Value};

/// WP Fusion's slugs of every supported CRM: user meta `{slug}_contact_id` and `{slug}_tags`.
pub const SLUGS: [&str; 2] = [customerio::SLUG, customerly::SLUG];

/// Every supported CRM: its value of the setting `crm`, and the setting it cannot work without with what is
/// said when that is empty ([`from_settings`]'s `not_configured`).
pub const REQUIRED: [(&str, (&str, &str)); 2] =
    [(customerio::CRM, customerio::REQUIRED), (customerly::CRM, customerly::REQUIRED)];

/// What [`from_settings`] says when no CRM is chosen.
pub const NO_CRM: &str = "no CRM is chosen in the settings";

/// The schemes a base-URL override may have ([`base_url`]); it must name a host too.
pub const URL_SCHEMES: [&str; 2] = ["http", "https"];

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

/// The CRM the settings name, or `not_configured`.
pub fn from_settings(settings: &Settings) -> Result<Box<dyn Crm + Sync>, Outcome> {
    match settings.crm.as_str() {
        customerio::CRM => Ok(Box::new(customerio::CustomerIo::from_settings(settings)?)),
        customerly::CRM => Ok(Box::new(customerly::Customerly::from_settings(settings)?)),
        "" => Err(Outcome::new(Code::NotConfigured, NO_CRM)),
        _ => Err(Outcome::new(Code::NotConfigured, "the CRM in the settings is not supported")),
    }
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
        for (crm, (setting, message)) in REQUIRED {
            let s = Settings::from_value(&json!({"crm": crm}));
            let failure = from_settings(&s).err().expect("not configured");
            assert_eq!((failure.code, failure.message.as_str()), (Code::NotConfigured, message), "{crm}");
            let s = Settings::from_value(&json!({"crm": crm, setting: "set"}));
            assert!(from_settings(&s).is_ok(), "{crm} with {setting}");
        }
        let failure = from_settings(&Settings::default()).err().expect("not configured");
        assert_eq!(failure.message, NO_CRM);
    }

    #[test]
    fn unknown_or_missing_crm_is_not_configured() {
        for crm in ["", "hubspot"] {
            let s = Settings { crm: crm.into(), ..Settings::default() };
            assert_eq!(from_settings(&s).err().map(|f| f.code), Some(Code::NotConfigured));
        }
    }
}
