//! The incoming webhook as the shim passed it through, and its checks in the contract's order (CONTRACT §2):
//! body size, access key, then the request's shape.

use crate::error::{Code, Outcome};
use crate::redact::Secrets;
use crate::settings::flag;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The largest body accepted (`413` above).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The deepest JSON accepted (`400` below).
pub const MAX_JSON_DEPTH: usize = 64;
/// Header carrying the access key when it is not in the query string.
pub const ACCESS_KEY_HEADER: &str = "x-wpf-access-key";
/// Headers naming a delivery, first present wins.
pub const DELIVERY_HEADERS: [&str; 3] = ["x-cio-delivery-id", "x-cio-idempotency-key", "webhook-id"];
/// The header in which a queued webhook's stored copy keeps the delivery key decided when it arrived.
pub const STORED_DELIVERY_KEY: &str = "x-wpf-delivery-key";

/// What the shim passes through: the raw query string, body and headers (names lower-cased, `-` separated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRequest {
    pub query: String,
    pub body: Vec<u8>,
    pub headers: BTreeMap<String, String>,
}

impl RawRequest {
    /// The last value of a query parameter, as PHP's `$_GET` would keep it. `key[]` is another name.
    pub fn param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .filter(|(k, _)| k == name)
            .last()
            .map(|(_, v)| v.into_owned())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The access key offered: the query string's, else the header's. Raw bytes, compared as they are.
    pub fn access_key(&self) -> Option<Vec<u8>> {
        self.param("access_key")
            .map(String::into_bytes)
            .or_else(|| self.header(ACCESS_KEY_HEADER).map(|h| h.as_bytes().to_vec()))
    }

    /// The request as it may be stored for later (the queue), given its parsed body: the query string without
    /// its secret parameters (the access key and its array forms, which PHP would read under the same name, and
    /// any other [secret](Secrets::is_secret_key) one), the body as JSON without its secret entries (see
    /// [`Secrets::strip`]), and of the headers only those naming the delivery. Nothing holding a configured
    /// credential is kept.
    pub fn stored(&self, body: &Map<String, Value>, secrets: &Secrets) -> RawRequest {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(url::form_urlencoded::parse(self.query.as_bytes()).filter(|(k, v)| {
                !secrets.is_secret_key(k) && !secrets.holds_credential(k) && !secrets.holds_credential(v)
            }))
            .finish();
        let headers = self
            .headers
            .iter()
            .filter(|(name, value)| DELIVERY_HEADERS.contains(&name.as_str()) && !secrets.holds_credential(value))
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        let mut body = Value::Object(body.clone());
        secrets.strip(&mut body);
        RawRequest { query, body: body.to_string().into_bytes(), headers }
    }

    /// SHA-256 (hex) of the delivery id, if the sender named one: a fixed-size key to remember it by that keeps
    /// arbitrary header text out of the database.
    pub fn delivery_key(&self) -> Option<String> {
        DELIVERY_HEADERS
            .iter()
            .filter_map(|h| self.header(h))
            .map(str::trim)
            .find(|v| !v.is_empty())
            .map(|id| hex_sha256(id.as_bytes()))
    }
}

/// SHA-256 of some bytes, in lower-case hex.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What a webhook asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Test,
    Add,
    Update,
    UpdateTags,
}

impl Action {
    /// Every name `wpf_action` may give, WP Fusion's aliases (`add_user`, `update_user`) included, and the
    /// action it asks for.
    pub const NAMES: [(&'static str, Action); 6] = [
        ("test", Action::Test),
        ("add", Action::Add),
        ("add_user", Action::Add),
        ("update", Action::Update),
        ("update_user", Action::Update),
        ("update_tags", Action::UpdateTags),
    ];

    /// `wpf_action`, case-insensitive, with WP Fusion's aliases.
    pub fn parse(raw: Option<&str>) -> Result<Action, Outcome> {
        let raw = raw.map(|s| s.trim().to_ascii_lowercase()).unwrap_or_default();
        if raw.is_empty() {
            return Err(Outcome::bad_request("wpf_action is missing"));
        }
        Action::NAMES
            .iter()
            .find(|(name, _)| *name == raw)
            .map(|(_, action)| *action)
            .ok_or_else(|| Outcome::bad_request("wpf_action must be one of add, update, update_tags, test"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Test => "test",
            Action::Add => "add",
            Action::Update => "update",
            Action::UpdateTags => "update_tags",
        }
    }
}

/// Fails with `413` when the body is over the limit.
pub fn check_size(body: &[u8]) -> Result<(), Outcome> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Outcome::new(Code::PayloadTooLarge, format!("the body is over {MAX_BODY_BYTES} bytes")));
    }
    Ok(())
}

/// The body as a JSON object; an empty body (or `null`) is an empty object.
pub fn parse_body(body: &[u8]) -> Result<serde_json::Map<String, Value>, Outcome> {
    let text = std::str::from_utf8(body).map_err(|_| Outcome::bad_request("the body is not valid UTF-8"))?;
    if text.trim().is_empty() {
        return Ok(serde_json::Map::new());
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        if e.to_string().contains("recursion limit") {
            Outcome::bad_request(format!("the body's JSON is nested deeper than {MAX_JSON_DEPTH}"))
        } else {
            Outcome::bad_request(format!("the body is not valid JSON ({})", e.classify_name()))
        }
    })?;
    if depth(&value) > MAX_JSON_DEPTH {
        return Err(Outcome::bad_request(format!("the body's JSON is nested deeper than {MAX_JSON_DEPTH}")));
    }
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(serde_json::Map::new()),
        _ => Err(Outcome::bad_request("the body must be a JSON object")),
    }
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

/// Nesting depth of a JSON value (a scalar is 0), computed without recursion.
fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Object(map) => stack.extend(map.values().map(|i| (i, d + 1))),
            _ => {}
        }
    }
    deepest
}

/// The URL flags of a webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    /// `async`: answer `202 queued` and process the webhook in the background.
    pub queue: bool,
    pub send_notification: bool,
    pub role: Option<String>,
    pub contact_id: Option<String>,
}

impl Flags {
    pub fn from_request(raw: &RawRequest) -> Flags {
        Flags {
            queue: raw.param("async").is_some_and(|v| flag(&v)),
            send_notification: raw.param("send_notification").is_some_and(|v| flag(&v)),
            role: raw.param("role").filter(|r| !r.trim().is_empty()),
            contact_id: raw.param("contact_id").map(|c| c.trim().to_string()).filter(|c| !c.is_empty()),
        }
    }
}

/// The longest email WordPress keeps: `wp_users.user_email` is VARCHAR(100), and a longer one makes
/// `wp_insert_user()` fail in its database insert.
pub const MAX_EMAIL: usize = 100;

/// A syntactically valid email, exactly as WordPress's `is_email()` accepts it, but for two kinds it lets
/// through and no user can have: an address with a newline ending its local part (PHP's `$` matches before a final
/// newline) and one over [`MAX_EMAIL`] characters (WordPress's users table).
pub fn is_email(email: &str) -> bool {
    if email.len() < 6 || email.len() > MAX_EMAIL {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let local_ok =
        !local.is_empty() && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(query: &str) -> RawRequest {
        RawRequest { query: query.into(), ..Default::default() }
    }

    #[test]
    fn actions_and_aliases() {
        let cases = [
            ("add", Action::Add),
            ("ADD", Action::Add),
            ("add_user", Action::Add),
            ("Update", Action::Update),
            ("update_user", Action::Update),
            ("update_tags", Action::UpdateTags),
            (" test ", Action::Test),
        ];
        for (raw, want) in cases {
            assert_eq!(Action::parse(Some(raw)), Ok(want), "{raw}");
        }
        for bad in [None, Some(""), Some("delete"), Some("add\0"), Some("update-tags")] {
            assert_eq!(Action::parse(bad).map_err(|f| f.code), Err(Code::BadRequest), "{bad:?}");
        }
    }

    #[test]
    fn the_key_comes_from_the_query_then_the_header() {
        assert_eq!(req("access_key=abc&x=1").access_key(), Some(b"abc".to_vec()));
        assert_eq!(req("access_key=a%2Bb+c").access_key(), Some(b"a+b c".to_vec()));
        assert_eq!(req("access_key=1&access_key=2").access_key(), Some(b"2".to_vec()), "last wins, like PHP");
        assert_eq!(req("access_key[]=abc").access_key(), None, "an array is not a key");
        assert_eq!(req("access_key=a%00b").access_key(), Some(b"a\0b".to_vec()));
        let mut r = req("");
        r.headers.insert(ACCESS_KEY_HEADER.into(), "from-header".into());
        assert_eq!(r.access_key(), Some(b"from-header".to_vec()));
    }

    #[test]
    fn a_stored_request_keeps_everything_but_its_secrets() {
        let mut r =
            req("wpf_action=add&access_key=s%2Bcret&role=a+b&access_key=again&access_key[]=x&async=1&Password=p1&pin=\
             in-live-key-1&wp_code[]=p2");
        r.body = br#"{"email":"jane@example.com","api_key":"k","wp_code":"p3","n":[1.5,"live-key-1"]}"#.to_vec();
        r.headers.insert(ACCESS_KEY_HEADER.into(), "header-secret".into());
        r.headers.insert("x-cio-delivery-id".into(), "d1".into());
        r.headers.insert("webhook-id".into(), "live-key-1".into());
        r.headers.insert("user-agent".into(), "Customer.io".into());
        let settings = crate::settings::Settings {
            access_key: "live-key-1".into(),
            return_password_field: "wp_code".into(),
            ..Default::default()
        };
        let body = parse_body(&r.body).expect("body");
        let stored = r.stored(&body, &Secrets::of(&settings));
        assert_eq!(stored.headers.keys().collect::<Vec<_>>(), vec!["x-cio-delivery-id"]);
        assert_eq!(stored.query, "wpf_action=add&role=a+b&async=1");
        assert_eq!(stored.access_key(), None);
        assert_eq!(stored.param("role").as_deref(), Some("a b"));
        assert_eq!(stored.param("async").as_deref(), Some("1"));
        assert_eq!(stored.body, br#"{"email":"jane@example.com","n":[1.5]}"#.to_vec());
        assert_eq!(stored.delivery_key(), r.delivery_key());
        let empty = req("wpf_action=add").stored(&parse_body(b"").expect("empty"), &Secrets::default());
        assert_eq!(empty.body, b"{}".to_vec(), "an empty body is stored as the empty object it stands for");
    }

    #[test]
    fn delivery_ids_are_hashed_and_ordered() {
        let mut r = req("");
        assert_eq!(r.delivery_key(), None);
        r.headers.insert("webhook-id".into(), "w1".into());
        let w1 = r.delivery_key();
        assert_eq!(w1.as_ref().map(String::len), Some(64));
        r.headers.insert("x-cio-delivery-id".into(), "d1".into());
        assert_ne!(r.delivery_key(), w1, "X-CIO-Delivery-Id comes first");
        r.headers.insert("x-cio-delivery-id".into(), "  ".into());
        assert_eq!(r.delivery_key(), w1, "a blank header is absent");
    }

    #[test]
    fn bodies() {
        assert_eq!(parse_body(b"").map(|m| m.len()), Ok(0));
        assert_eq!(parse_body(b"  null ").map(|m| m.len()), Ok(0));
        assert_eq!(parse_body(br#"{"email":"a@b.co"}"#).map(|m| m.len()), Ok(1));
        for bad in [&b"[1,2]"[..], b"\"x\"", b"42", b"{\"email\":", b"{'a':1}", b"\xff\xfe{}", b"{\"a\":\"\xc3\x28\"}"]
        {
            assert_eq!(
                parse_body(bad).map_err(|f| f.code),
                Err(Code::BadRequest),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn depth_is_limited_without_overflowing_the_stack() {
        let nest = |n: usize| format!("{{\"a\":{}1{}}}", "[".repeat(n - 1), "]".repeat(n - 1));
        assert!(parse_body(nest(MAX_JSON_DEPTH).as_bytes()).is_ok());
        assert_eq!(parse_body(nest(MAX_JSON_DEPTH + 1).as_bytes()).map_err(|f| f.code), Err(Code::BadRequest));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = parse_body(deep.as_bytes()).unwrap_err();
        assert!(err.message.contains("deeper"), "{}", err.message);
    }

    #[test]
    fn size_limit() {
        assert!(check_size(&vec![b' '; MAX_BODY_BYTES]).is_ok());
        assert_eq!(check_size(&vec![b' '; MAX_BODY_BYTES + 1]).map_err(|f| f.code), Err(Code::PayloadTooLarge));
    }

    #[test]
    fn flags() {
        let f = Flags::from_request(&req("send_notification=YES&role=customer&contact_id=+a%40b.co+&async=1"));
        assert!(f.queue);
        assert!(f.send_notification);
        assert_eq!(f.role.as_deref(), Some("customer"));
        assert_eq!(f.contact_id.as_deref(), Some("a@b.co"));
        let f = Flags::from_request(&req("send_notification=no&role=&contact_id=&async=false"));
        assert_eq!(f, Flags::default());
    }

    #[test]
    fn emails() {
        // WordPress 6.5's is_email() accepts these: its local part is any run of the allowed characters, dots
        // anywhere included.
        for ok in [
            "jane@example.com",
            "Jane.Doe+news@Example.co.uk",
            "o'brien@ex-ample.org",
            ".jane@example.com",
            "ja..ne@example.com",
            "jane.@example.com",
            "a@b.co",
            "{x}|~^`@1-2.3",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "ja ne@example.com",
            "jane\n@example.com",
            "jane@example.com\n",
            "jane@example.com.",
            "jane@exam\u{e9}ple.com",
            "j\u{e9}ne@example.com",
            "a@b.c",
            "a@b@c.com",
            "jane@-x.com",
            "jane@x..com",
            "jane@.example.com",
            "jane@example-.com",
            "jane@exa_mple.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(!is_email(&format!("{}@example.com", "a".repeat(250))));
        let longest = format!("{}@example.com", "a".repeat(MAX_EMAIL - 12));
        assert!(is_email(&longest), "{} characters", longest.len());
        assert!(!is_email(&format!("a{longest}")), "over WordPress's 100");
    }
}
