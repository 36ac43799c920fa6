//! Customer.io's data (people, segments, region and the default seed) and every CRM's credentials.

use std::collections::hash_map::RandomState;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::customerly::CUSTOMERLY_TOKEN;

/// Default App API key (`Authorization: Bearer sandbox-app-key`).
pub const APP_KEY: &str = "sandbox-app-key";
/// Default Track API site id (the user name of the Track API's HTTP Basic auth).
pub const SITE_ID: &str = "sandbox-site-id";
/// Default Track API key (the password of the Track API's HTTP Basic auth).
pub const TRACK_KEY: &str = "sandbox-track-key";
/// Default key that signs the webhooks the sandbox sends as Customer.io (`X-CIO-Signature`).
pub const CIO_SIGNING_KEY: &str = "sandbox-cio-signing-key";
/// Default secret that signs the webhooks the sandbox sends as a Standard Webhooks sender: `whsec_` and the
/// base64 of 32 bytes (`wpf-sandbox-standard-webhooks-32`).
pub const STANDARD_WEBHOOKS_SECRET: &str = "whsec_d3BmLXNhbmRib3gtc3RhbmRhcmQtd2ViaG9va3MtMzI=";

/// Creation time given to the seeded people and contacts (2023-11-14T22:13:20Z).
pub(crate) const SEED_CREATED_AT: u64 = 1_700_000_000;

/// A Customer.io data centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// `api.customer.io` / `track.customer.io`.
    #[default]
    Us,
    /// `api-eu.customer.io` / `track-eu.customer.io`.
    Eu,
}

impl Region {
    /// The region's name as used in URLs and JSON: `"us"` or `"eu"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
        }
    }

    /// Parses `"us"` or `"eu"` (exactly, as they appear in the sandbox's paths).
    pub fn parse(name: &str) -> Option<Region> {
        match name {
            "us" => Some(Region::Us),
            "eu" => Some(Region::Eu),
            _ => None,
        }
    }

    /// The real Track API host of this region, as `GET /accounts/region` reports it.
    pub fn track_url(self) -> &'static str {
        match self {
            Region::Us => "https://track.customer.io",
            Region::Eu => "https://track-eu.customer.io",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every fake CRM's credentials, the secrets that sign the webhooks the sandbox sends, and the Customer.io
/// workspace's region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The region the workspace lives in; the other region answers 401.
    pub region: Region,
    /// App API key.
    pub app_key: String,
    /// Track API site id.
    pub site_id: String,
    /// Track API key.
    pub track_key: String,
    /// Customerly's API access token (defaults to [`CUSTOMERLY_TOKEN`] when absent from JSON).
    #[serde(default = "default_customerly_token")]
    pub customerly_token: String,
    /// Key of Customer.io's webhook signatures (defaults to [`CIO_SIGNING_KEY`] when absent from JSON).
    #[serde(default = "default_cio_signing_key")]
    pub cio_signing_key: String,
    /// Standard Webhooks signing secret, `whsec_` and base64 (defaults to [`STANDARD_WEBHOOKS_SECRET`] when
    /// absent from JSON).
    #[serde(default = "default_standard_webhooks_secret")]
    pub standard_webhooks_secret: String,
}

fn default_customerly_token() -> String {
    CUSTOMERLY_TOKEN.to_owned()
}

fn default_cio_signing_key() -> String {
    CIO_SIGNING_KEY.to_owned()
}

fn default_standard_webhooks_secret() -> String {
    STANDARD_WEBHOOKS_SECRET.to_owned()
}

impl Default for Config {
    fn default() -> Self {
        Config {
            region: Region::Us,
            app_key: APP_KEY.to_owned(),
            site_id: SITE_ID.to_owned(),
            track_key: TRACK_KEY.to_owned(),
            customerly_token: default_customerly_token(),
            cio_signing_key: default_cio_signing_key(),
            standard_webhooks_secret: default_standard_webhooks_secret(),
        }
    }
}

/// A partial change to [`Config`]: fields left `None` keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigUpdate {
    /// New region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    /// New App API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_key: Option<String>,
    /// New Track API site id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_id: Option<String>,
    /// New Track API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_key: Option<String>,
    /// New Customerly access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customerly_token: Option<String>,
    /// New key of Customer.io's webhook signatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cio_signing_key: Option<String>,
    /// New Standard Webhooks signing secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_webhooks_secret: Option<String>,
}

impl ConfigUpdate {
    /// Sets the region.
    #[must_use]
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Sets the App API key.
    #[must_use]
    pub fn app_key(mut self, key: impl Into<String>) -> Self {
        self.app_key = Some(key.into());
        self
    }

    /// Sets the Track API site id.
    #[must_use]
    pub fn site_id(mut self, site_id: impl Into<String>) -> Self {
        self.site_id = Some(site_id.into());
        self
    }

    /// Sets the Track API key.
    #[must_use]
    pub fn track_key(mut self, key: impl Into<String>) -> Self {
        self.track_key = Some(key.into());
        self
    }

    /// Sets the Customerly access token.
    #[must_use]
    pub fn customerly_token(mut self, token: impl Into<String>) -> Self {
        self.customerly_token = Some(token.into());
        self
    }

    /// Sets the key of Customer.io's webhook signatures.
    #[must_use]
    pub fn cio_signing_key(mut self, key: impl Into<String>) -> Self {
        self.cio_signing_key = Some(key.into());
        self
    }

    /// Sets the Standard Webhooks signing secret.
    #[must_use]
    pub fn standard_webhooks_secret(mut self, secret: impl Into<String>) -> Self {
        self.standard_webhooks_secret = Some(secret.into());
        self
    }

    /// Applies the set fields to `config`.
    pub(crate) fn apply(self, config: &mut Config) {
        if let Some(region) = self.region {
            config.region = region;
        }
        if let Some(key) = self.app_key {
            config.app_key = key;
        }
        if let Some(site_id) = self.site_id {
            config.site_id = site_id;
        }
        if let Some(key) = self.track_key {
            config.track_key = key;
        }
        if let Some(token) = self.customerly_token {
            config.customerly_token = token;
        }
        if let Some(key) = self.cio_signing_key {
            config.cio_signing_key = key;
        }
        if let Some(secret) = self.standard_webhooks_secret {
            config.standard_webhooks_secret = secret;
        }
    }
}

/// People made on demand (`PUT /_sandbox/auto_people`), for load tests that need a new contact per request:
/// an App API lookup by email of an unknown address ending with `email_suffix` (any case) first stores a person
/// with that email, these attributes (string values) and these segments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoPeople {
    pub email_suffix: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub segments: Vec<Value>,
}

impl AutoPeople {
    /// Whether an unknown `email` is to be made: it ends with the suffix and has something before it.
    pub fn matches(&self, email: &str) -> bool {
        let (email, suffix) = (email.to_ascii_lowercase(), self.email_suffix.to_ascii_lowercase());
        email.len() > suffix.len() && email.ends_with(&suffix)
    }
}

/// A person (customer) in the workspace.
///
/// JSON: `{"email", "id", "cio_id", "attributes": {…}, "segments": […], "created_at"}`. On input only
/// `email` is required; attribute values may be any JSON scalar and are stored as strings, like the real API
/// returns them. An empty `cio_id` (or `created_at` of 0) is filled in when the person is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// Email address, as stored (lookups ignore case).
    pub email: String,
    /// The customer's own id, if any.
    #[serde(default)]
    pub id: Option<String>,
    /// Customer.io's id; generated as `cio_` + hex when empty.
    #[serde(default)]
    pub cio_id: String,
    /// Attribute values, all strings.
    #[serde(default, deserialize_with = "string_map")]
    pub attributes: BTreeMap<String, String>,
    /// Ids of the segments the person belongs to, each a JSON number or string.
    #[serde(default)]
    pub segments: Vec<Value>,
    /// Creation time, UNIX seconds; reported under `timestamps` by the App API.
    #[serde(default)]
    pub created_at: u64,
}

impl Person {
    /// A person with this email and nothing else.
    #[must_use]
    pub fn new(email: impl Into<String>) -> Self {
        Person {
            email: email.into(),
            id: None,
            cio_id: String::new(),
            attributes: BTreeMap::new(),
            segments: Vec::new(),
            created_at: 0,
        }
    }

    /// Sets the customer's own id.
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets Customer.io's id.
    #[must_use]
    pub fn cio_id(mut self, cio_id: impl Into<String>) -> Self {
        self.cio_id = cio_id.into();
        self
    }

    /// Sets one attribute.
    #[must_use]
    pub fn attr(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.insert(name.into(), value.into());
        self
    }

    /// Replaces the segment memberships; ids keep their JSON type (`json!(1)`, `json!("42")`, `1`, `"42"`).
    pub fn segments<I>(mut self, ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Value>,
    {
        self.segments = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Whether `email` is this person's email, ignoring ASCII case.
    pub(crate) fn has_email(&self, email: &str) -> bool {
        !email.is_empty() && self.email.eq_ignore_ascii_case(email)
    }
}

/// How a segment gets its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SegmentType {
    /// Members follow rules.
    #[default]
    Dynamic,
    /// Members are added and removed through the API.
    Manual,
}

impl SegmentType {
    /// `"dynamic"` or `"manual"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentType::Dynamic => "dynamic",
            SegmentType::Manual => "manual",
        }
    }
}

/// A segment. JSON: `{"id": 1 | "42", "name", "type": "dynamic" | "manual"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// The id, kept in the JSON type it was given (number or string).
    pub id: Value,
    /// Display name.
    pub name: String,
    /// Dynamic or manual.
    #[serde(rename = "type", default)]
    pub kind: SegmentType,
}

impl Segment {
    /// A dynamic segment; `id` keeps its JSON type (`1` stays a number, `"42"` a string).
    #[must_use]
    pub fn new(id: impl Into<Value>, name: impl Into<String>) -> Self {
        Segment { id: id.into(), name: name.into(), kind: SegmentType::Dynamic }
    }

    /// Sets the segment's type.
    #[must_use]
    pub fn kind(mut self, kind: SegmentType) -> Self {
        self.kind = kind;
        self
    }
}

/// The text form of a segment id (`1` and `"1"` are the same segment), or `None` when the value is neither
/// a number nor a string.
pub(crate) fn segment_key(id: &Value) -> Option<String> {
    match id {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// The string Customer.io would store for an attribute value; `None` for `null` (which removes it).
pub(crate) fn attribute_string(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// Deserializes an attribute map whose values may be any JSON, storing them as strings; `null` values are
/// dropped.
fn string_map<'de, D>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: Deserializer<'de>,
{
    let raw = BTreeMap::<String, Value>::deserialize(deserializer)?;
    Ok(raw.into_iter().filter_map(|(name, value)| attribute_string(&value).map(|v| (name, v))).collect())
}

/// A fresh `cio_` id: 16 hex digits, unique within the process.
pub(crate) fn new_cio_id() -> String {
    new_id("cio_")
}

/// A fresh id: the prefix and 16 hex digits, unique within the process (a counter, hashed with random keys).
pub(crate) fn new_id(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!("{prefix}{:016x}", hasher.finish())
}

/// The default seed's segments: `1` Customers, `7` Newsletter, `"42"` VIP (a string id).
pub(crate) fn seed_segments() -> Vec<Segment> {
    vec![
        Segment::new(1, "Customers"),
        Segment::new(7, "Newsletter").kind(SegmentType::Manual),
        Segment::new("42", "VIP"),
    ]
}

/// The default seed's people: `jane@example.com`, `John.Smith@Example.com`, `id-only@example.com`.
pub(crate) fn seed_people() -> Vec<Person> {
    let mut people = vec![
        Person::new("jane@example.com")
            .cio_id("cio_5eed000000000001")
            .attr("first_name", "Jane")
            .attr("last_name", "Doe")
            .attr("plan", "pro")
            .segments([Value::from(1), Value::from("42")]),
        Person::new("John.Smith@Example.com")
            .cio_id("cio_5eed000000000002")
            .attr("first_name", "John")
            .attr("last_name", "Smith")
            .segments([7]),
        Person::new("id-only@example.com").id("cust-1001").cio_id("cio_5eed000000000003").attr("first_name", "Ida"),
    ];
    for person in &mut people {
        person.created_at = SEED_CREATED_AT;
    }
    people
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn person_json_accepts_scalars_and_fills_defaults() {
        let person: Person = serde_json::from_value(json!({
            "email": "a@b.c",
            "attributes": {"age": 42, "vip": true, "name": "A", "gone": null},
            "segments": [1, "42"]
        }))
        .unwrap();
        assert_eq!(person.id, None);
        assert_eq!(person.cio_id, "");
        assert_eq!(person.attributes["age"], "42");
        assert_eq!(person.attributes["vip"], "true");
        assert!(!person.attributes.contains_key("gone"));
        assert_eq!(person.segments, vec![json!(1), json!("42")]);
    }

    #[test]
    fn builders_keep_segment_id_types() {
        let person = Person::new("a@b.c").attr("first_name", "A").segments([json!(1), json!("2")]);
        assert_eq!(person.segments, vec![json!(1), json!("2")]);
        let segment = Segment::new("42", "VIP").kind(SegmentType::Manual);
        assert_eq!(serde_json::to_value(&segment).unwrap(), json!({"id": "42", "name": "VIP", "type": "manual"}));
    }

    #[test]
    fn cio_ids_are_unique_hex() {
        let (a, b) = (new_cio_id(), new_cio_id());
        assert_ne!(a, b);
        assert!(a.starts_with("cio_") && a[4..].chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn config_update_is_partial() {
        let mut config = Config::default();
        let update: ConfigUpdate = serde_json::from_value(json!({"region": "eu"})).unwrap();
        update.apply(&mut config);
        assert_eq!(config.region, Region::Eu);
        assert_eq!(config.app_key, APP_KEY);
        ConfigUpdate::default().customerly_token("t2").apply(&mut config);
        assert_eq!((config.customerly_token.as_str(), config.region), ("t2", Region::Eu));
        assert!(serde_json::from_value::<ConfigUpdate>(json!({"bogus": 1})).is_err());
        // Config JSON from before Customerly and the signing secrets still reads.
        let old: Config =
            serde_json::from_value(json!({"region": "us", "app_key": "a", "site_id": "s", "track_key": "t"})).unwrap();
        assert_eq!(old.customerly_token, CUSTOMERLY_TOKEN);
        assert_eq!(
            (old.cio_signing_key.as_str(), old.standard_webhooks_secret.as_str()),
            (CIO_SIGNING_KEY, STANDARD_WEBHOOKS_SECRET)
        );
        ConfigUpdate::default().cio_signing_key("k2").standard_webhooks_secret("whsec_c2Vj").apply(&mut config);
        assert_eq!((config.cio_signing_key.as_str(), config.standard_webhooks_secret.as_str()), ("k2", "whsec_c2Vj"));
        assert_eq!(config.customerly_token, "t2");
    }
}
