//! The request as the webhook log keeps it (CONTRACT §6): what every decision carries to the shim, which stores it
//! as given. Its secrets are replaced by the rules of `redact.rs`, the ones the queue's stored copy follows.

use crate::redact::Secrets;
use crate::request::{RawRequest, ACCESS_KEY_HEADER, DELIVERY_HEADERS, MAX_JSON_DEPTH};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The longest body excerpt kept, in bytes.
pub const BODY_EXCERPT_BYTES: usize = 4096;

/// The longest header value kept, in bytes.
pub const HEADER_BYTES: usize = 256;

/// The longest method kept, in bytes.
const METHOD_BYTES: usize = 10;

/// The method the log names a queued webhook's run by: it has no HTTP request of its own.
pub const QUEUE_METHOD: &str = "QUEUE";

/// The headers kept (an allow-list: cookies, `Authorization` and anything else stay out); the access key header
/// is kept as present, its value [redacted](crate::redact::REDACTED).
pub const HEADERS: [&str; 7] = [
    "content-type",
    "content-length",
    "user-agent",
    ACCESS_KEY_HEADER,
    DELIVERY_HEADERS[0],
    DELIVERY_HEADERS[1],
    DELIVERY_HEADERS[2],
];

/// Whether the log keeps a header, and whether as present only, its value [redacted](crate::redact::REDACTED):
/// [`HEADERS`] (the access key's as present), and each signing scheme's timestamp and signature (as present: with
/// the body, a signature is all a holder of the key would need to replay the webhook within the tolerance).
fn kept(name: &str) -> Option<bool> {
    if HEADERS.contains(&name) {
        return Some(name == ACCESS_KEY_HEADER);
    }
    crate::signature::schemes()
        .find_map(|s| (name == s.signature_header).then_some(true).or((name == s.timestamp_header).then_some(false)))
}

/// The request as logged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRequest {
    /// Upper case, at most 10 bytes.
    pub method: String,
    /// The query's parameters as PHP reads them (`name[]` and `name[key]` nest), secrets redacted.
    pub query: Value,
    /// The allowed headers, each at most 256 bytes.
    pub headers: BTreeMap<String, String>,
    /// The redacted JSON value when its text fits in 4 KiB, else the start of the redacted text; a body that is
    /// not JSON is redacted by pattern ([`Secrets::redact_text`]); `""` when empty.
    pub body: Value,
    /// Whether `body` is the start of a longer text.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub body_truncated: bool,
    pub body_bytes: usize,
}

impl LogRequest {
    /// The request as the log may keep it. Every credential is replaced before anything is cut, so none can
    /// straddle a cut.
    pub fn of(raw: &RawRequest, method: &str, secrets: &Secrets) -> LogRequest {
        let headers = raw
            .headers
            .iter()
            .filter_map(|(name, value)| Some((name, value, kept(name)?)))
            .map(|(name, value, present_only)| {
                let value = if present_only {
                    crate::redact::REDACTED.to_string()
                } else {
                    cut(&secrets.without_credentials(value), HEADER_BYTES).to_string()
                };
                (name.clone(), value)
            })
            .collect();
        let (body, body_truncated) = body(&raw.body, secrets);
        LogRequest {
            method: cut(&secrets.without_credentials(method), METHOD_BYTES).to_uppercase(),
            query: secrets.redact(&query_params(&raw.query)),
            headers,
            body,
            body_truncated,
            body_bytes: raw.body.len(),
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The body as logged, and whether it was cut.
fn body(raw: &[u8], secrets: &Secrets) -> (Value, bool) {
    let text = String::from_utf8_lossy(raw);
    if text.trim().is_empty() {
        return (Value::String(String::new()), false);
    }
    let redacted = match serde_json::from_slice::<Value>(raw) {
        Ok(value) => {
            let value = secrets.redact(&value);
            let text = value.to_string();
            if text.len() <= BODY_EXCERPT_BYTES {
                return (value, false);
            }
            // Escaping can spell a credential the decoded strings did not hold (`\"` for `"`).
            secrets.without_credentials(&text)
        }
        Err(_) => secrets.redact_text(&text),
    };
    let excerpt = cut(&redacted, BODY_EXCERPT_BYTES);
    (Value::String(excerpt.to_string()), excerpt.len() < redacted.len())
}

/// At most `bytes` bytes of a text, not cutting a character.
fn cut(text: &str, bytes: usize) -> &str {
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A query string's parameters as PHP's `parse_str()` names and nests them: leading spaces of a name go, and
/// spaces and dots before its first `[` become `_` (`wp.code` is `wp_code`), as do a `[` that never closes and
/// the spaces and dots after it;
/// `a[]=x` appends to the list `a`, `a[k]=x` sets `k` in the map `a`, a later value replaces an earlier one;
/// levels past 64 are dropped, as PHP drops them.
pub fn query_params(query: &str) -> Value {
    let mut root = Value::Object(Map::new());
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let Some((base, path)) = split_name(&name) else { continue };
        let mut slot = &mut root;
        for key in std::iter::once(Some(base)).chain(path) {
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            let Value::Object(map) = slot else { unreachable!("made an object above") };
            let key = key.unwrap_or_else(|| next_index(map).to_string());
            slot = map.entry(key).or_insert(Value::Null);
        }
        *slot = Value::String(value.into_owned());
    }
    as_lists(root)
}

/// A parameter's name and its bracketed keys (`None` for `[]`); `None` for an empty name or one nested too deep.
fn split_name(name: &str) -> Option<(String, Vec<Option<String>>)> {
    let name = name.trim_start_matches(' ');
    let php = |base: &str| base.replace([' ', '.'], "_");
    let (base, mut rest) = match name.find('[') {
        Some(open) if name[open..].contains(']') => (php(&name[..open]), &name[open..]),
        Some(open) => (php(&format!("{}_{}", &name[..open], &name[open + 1..])), ""),
        None => (php(name), ""),
    };
    let mut path = Vec::new();
    while let Some((key, after)) = rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        path.push((!key.is_empty()).then(|| key.to_string()));
        rest = after;
    }
    (!base.is_empty() && path.len() < MAX_JSON_DEPTH).then_some((base, path))
}

/// PHP's next list index of an array: one past its largest integer key.
fn next_index(map: &Map<String, Value>) -> usize {
    map.keys().filter_map(|k| k.parse::<usize>().ok()).map(|n| n + 1).max().unwrap_or(0)
}

/// Maps whose keys are exactly 0..n become lists, at any depth, as PHP's JSON encoding shows them.
fn as_lists(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let is_list = (0..map.len()).all(|i| map.contains_key(&i.to_string()));
            let mut map: Map<String, Value> = map.into_iter().map(|(k, v)| (k, as_lists(v))).collect();
            if is_list && !map.is_empty() {
                Value::Array((0..map.len()).filter_map(|i| map.remove(&i.to_string())).collect())
            } else {
                Value::Object(map)
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::REDACTED;
    use crate::settings::Settings;
    use serde_json::json;

    const KEY: &str = "the-access-key-0123456789";
    const APP_KEY: &str = "app-key-abcdef";
    const TOKEN: &str = "cly-0987654321";

    fn secrets() -> Secrets {
        let mut s = Settings { access_key: KEY.into(), return_password_field: "wp_code".into(), ..Settings::default() };
        s.crm_settings.insert("customerio_app_key".into(), APP_KEY.into());
        s.crm_settings.insert("customerly_token".into(), TOKEN.into());
        s.field_map.push(("user_pass".into(), "initial_code".into()));
        Secrets::of(&s)
    }

    fn logged(query: &str, headers: &[(&str, &str)], body: &str) -> LogRequest {
        let raw = RawRequest {
            query: query.into(),
            body: body.as_bytes().to_vec(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
        LogRequest::of(&raw, "post", &secrets())
    }

    #[test]
    fn a_json_body_keeps_its_shape_with_every_secret_redacted() {
        let body = json!({
            "email": "jane@example.com",
            "password": "p1",
            "api_token": "p2",
            "initial_code": "p3",
            "WP_CODE": "p4",
            "nested": {"Secret": {"deep": "p5"}, "list": [{"authCode": "p6"}, "plain"]},
            "note": format!("the key is {KEY}, the app key {APP_KEY}"),
            "pin": 1234,
            format!("x{TOKEN}"): "a credential in a key",
        });
        let log = logged("wpf_action=add", &[], &body.to_string());
        assert_eq!(
            log.body,
            json!({
                "email": "jane@example.com",
                "password": REDACTED,
                "api_token": REDACTED,
                "initial_code": REDACTED,
                "WP_CODE": REDACTED,
                "nested": {"Secret": REDACTED, "list": [{"authCode": REDACTED}, "plain"]},
                "note": format!("the key is {REDACTED}, the app key {REDACTED}"),
                "pin": 1234,
                format!("x{REDACTED}"): "a credential in a key",
            })
        );
        assert!(!log.body_truncated);
        assert_eq!((log.method.as_str(), log.body_bytes), ("POST", body.to_string().len()));
        let numbers = LogRequest::of(
            &RawRequest { body: b"{\"n\": 56781234, \"ok\": 5679}".to_vec(), ..RawRequest::default() },
            "POST",
            &Secrets::of(&Settings { access_key: "5678".into(), ..Settings::default() }),
        );
        assert_eq!(numbers.body, json!({"n": REDACTED, "ok": 5679}), "a number holding a credential goes whole");
    }

    #[test]
    fn the_query_is_parsed_as_php_reads_it_and_redacted() {
        let log = logged(
            &format!("wpf_action=add&access_key={KEY}&tags[]=a&tags[]=b&m[x]=1&m[token]=t1&token=q1&Wp_Code[]=p&n={KEY}x&[]=no-name&b[c=whole"),
            &[],
            "",
        );
        assert_eq!(
            log.query,
            json!({
                "wpf_action": "add",
                "access_key": REDACTED,
                "tags": ["a", "b"],
                "m": {"x": "1", "token": REDACTED},
                "token": REDACTED,
                "Wp_Code": REDACTED,
                "n": format!("{REDACTED}x"),
                "b_c": "whole",
            })
        );
        assert_eq!(query_params("a=1&a[]=2&a[]=3&b[1]=x&b[]=y"), json!({"a": ["2", "3"], "b": {"1": "x", "2": "y"}}));
        assert_eq!(query_params(""), json!({}));
        assert_eq!(
            query_params("wp.code=1&a%20b=2&%20%20lead=3&x[y.z=4&p.q[r.s]=5"),
            json!({"wp_code": "1", "a_b": "2", "lead": "3", "x_y_z": "4", "p_q": {"r.s": "5"}}),
            "names as PHP makes them"
        );
        assert_eq!(
            secrets().redact(&query_params("wp.code=pw")),
            json!({"wp_code": REDACTED}),
            "PHP reads it as wp_code"
        );
        let deep = format!("d{}=1", "[x]".repeat(MAX_JSON_DEPTH));
        assert_eq!(query_params(&deep), json!({}), "nested past 64 levels: dropped");
    }

    #[test]
    fn only_allowed_headers_are_kept_the_access_key_and_signatures_as_present() {
        let long = format!("{}{KEY}", "u".repeat(HEADER_BYTES - 6));
        let log = logged(
            "wpf_action=test",
            &[
                ("x-wpf-access-key", "offered-wrong-key"),
                ("content-type", "application/json"),
                ("user-agent", &long),
                ("x-cio-delivery-id", "dlv-1"),
                ("cookie", "secret-cookie"),
                ("authorization", "Bearer secret"),
                ("x-api-key", "header-key"),
                ("x-cio-signature", "69063fcbe7eab2a2"),
                ("x-cio-timestamp", "1700000000"),
                ("webhook-signature", "v1,g0hM9SsE"),
                ("webhook-timestamp", "1614265330"),
                ("x-cio-signature-extra", "x"),
            ],
            "",
        );
        let headers: BTreeMap<String, String> = [
            ("content-type", "application/json".to_string()),
            ("user-agent", cut(&format!("{}{REDACTED}", "u".repeat(HEADER_BYTES - 6)), HEADER_BYTES).to_string()),
            ("x-cio-delivery-id", "dlv-1".to_string()),
            ("x-wpf-access-key", REDACTED.to_string()),
            ("x-cio-signature", REDACTED.to_string()),
            ("x-cio-timestamp", "1700000000".to_string()),
            ("webhook-signature", REDACTED.to_string()),
            ("webhook-timestamp", "1614265330".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(log.headers, headers, "a credential straddling the cut is replaced before it");
        assert!(!log.headers["user-agent"].contains(&KEY[..5]));
    }

    #[test]
    fn a_body_over_4_kib_is_its_redacted_text_cut_at_a_character() {
        let body = json!({"a_password": "big-pass-1", "pad": "é".repeat(5000)}).to_string();
        let log = logged("", &[], &body);
        let Value::String(text) = &log.body else { panic!("{:?}", log.body) };
        assert!(log.body_truncated);
        assert!(text.len() <= BODY_EXCERPT_BYTES && text.len() > BODY_EXCERPT_BYTES - 4, "{}", text.len());
        assert!(text.starts_with(&format!("{{\"a_password\":\"{REDACTED}\",\"pad\":\"éé")), "{text}");
        assert_eq!(log.body_bytes, body.len());
    }

    #[test]
    fn a_credential_straddling_the_4_kib_cut_is_replaced_before_the_cut() {
        for body in [
            json!({"pad": "x".repeat(BODY_EXCERPT_BYTES - 12), "note": KEY, "more": "y".repeat(100)}).to_string(),
            format!("{}{KEY}{}", "x".repeat(BODY_EXCERPT_BYTES - 8), "y".repeat(100)),
        ] {
            let text = logged("", &[], &body).body.as_str().map(str::to_string).unwrap_or_default();
            assert!(text.len() <= BODY_EXCERPT_BYTES && text.len() > BODY_EXCERPT_BYTES - 20, "{}", text.len());
            assert!(!text.contains(&KEY[..6]), "no start of the credential: {}", &text[text.len() - 30..]);
        }
    }

    #[test]
    fn bodies_that_are_not_json_are_redacted_by_pattern() {
        let form =
            logged("", &[], &format!("email=jane%40example.com&user_pass=form-pass-1&apiKey=form-key-1&x={KEY}"));
        assert_eq!(
            form.body,
            json!(format!("email=jane%40example.com&user_pass={REDACTED}&apiKey={REDACTED}&x={REDACTED}"))
        );
        let broken = logged(
            "",
            &[],
            r#"{"email":"a@b.c","client_secret":"broken-1","auth":{"x":[1,"}"]},"token":12345,"n":"ok"#,
        );
        assert_eq!(
            broken.body,
            json!(format!(
                r#"{{"email":"a@b.c","client_secret":"{REDACTED}","auth":"{REDACTED}","token":"{REDACTED}","n":"ok"#
            ))
        );
        let cut_short = logged("", &[], r#"{"email":"jane@example.com","password":"truncated-password-1"#);
        assert_eq!(cut_short.body, json!(format!(r#"{{"email":"jane@example.com","password":"{REDACTED}""#)));
        let raw =
            RawRequest { body: b"{\"email\":\"\xc3\x28@x.com\",\"pass\":\"p\"}".to_vec(), ..RawRequest::default() };
        let bad_utf8 = LogRequest::of(&raw, "POST", &secrets());
        assert_eq!(bad_utf8.body, json!(format!("{{\"email\":\"\u{fffd}(@x.com\",\"pass\":\"{REDACTED}\"}}")));
        assert_eq!(logged("", &[], "  ").body, json!(""));
        assert_eq!(logged("", &[], "null").body, Value::Null);
    }

    #[test]
    fn the_wire_form_has_the_logs_keys() {
        let log = logged("wpf_action=test", &[], "{}");
        assert_eq!(
            log.to_value(),
            json!({"method": "POST", "query": {"wpf_action": "test"}, "headers": {}, "body": {}, "body_bytes": 2})
        );
        let big = logged("", &[], &"x".repeat(BODY_EXCERPT_BYTES + 1)).to_value();
        assert_eq!(big["body_truncated"], json!(true));
    }
}
