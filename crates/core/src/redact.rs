//! What never leaves a webhook for storage (CONTRACT §6): values under a secret-looking key at any depth, the
//! Return Password field and the field mapped to `user_pass`, and anything holding a configured credential.
//!
//! The one copy of these rules: the queue's stored requests are stripped here ([`Secrets::strip`]), and the log's
//! request and texts redacted here ([`Secrets::redact`], [`Secrets::redact_text`]; the log's shape is
//! `log_request.rs`), where a secret is replaced by [`REDACTED`] instead of removed.

use crate::crm::Kind;
use crate::settings::{scalar_text, Settings};
use serde_json::Value;

/// Key fragments (case-insensitive) whose values are secret, at any depth of a body and in the query string.
pub const SECRET_KEY_WORDS: [&str; 5] = ["pass", "secret", "token", "key", "auth"];

/// What stands for a secret where a value must stay (the log, a queued webhook's contact shown in the queue).
pub const REDACTED: &str = "[redacted]";

/// Shorter credentials are not looked for: such a key protects nothing, and matching it would strip at random.
pub const MIN_CREDENTIAL_LEN: usize = 4;

/// The secrets of one site.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    /// Field names secret besides [`SECRET_KEY_WORDS`], lower case.
    fields: Vec<String>,
    /// The configured credentials, as stored and trimmed.
    credentials: Vec<String>,
}

impl Secrets {
    /// The Return Password field, the CRM field mapped to `user_pass`, and the access key, the CRM credentials
    /// and the signing secrets.
    pub fn of(settings: &Settings) -> Secrets {
        let mapped = crate::fields::source_of(&settings.field_map, "user_pass");
        let fields = std::iter::once(settings.return_password_field.as_str())
            .chain(mapped)
            .map(|f| f.trim().to_lowercase())
            .filter(|f| !f.is_empty())
            .collect();
        let mut credentials = Vec::new();
        let crm_secrets = crate::crm::ALL.iter().flat_map(|d| d.settings).filter(|s| matches!(s.kind, Kind::Secret));
        let values = crm_secrets.map(|s| settings.crm_setting(s.key));
        let standard = settings.standard_webhooks_secret.as_str();
        // The secret as set, and its base64 part alone, as a sender's settings may show it.
        let signing = [standard, standard.strip_prefix(crate::signature::WHSEC_PREFIX).unwrap_or_default()];
        for value in std::iter::once(settings.access_key.as_str()).chain(values).chain(signing) {
            for c in [value, value.trim()] {
                if c.trim().len() >= MIN_CREDENTIAL_LEN && !credentials.iter().any(|k| k == c) {
                    credentials.push(c.to_string());
                }
            }
        }
        Secrets { fields, credentials }
    }

    /// The same, with one more field name whose values go (any case).
    pub fn and_field(mut self, field: &str) -> Secrets {
        let field = field.trim().to_lowercase();
        if !field.is_empty() {
            self.fields.push(field);
        }
        self
    }

    /// Whether a key's value is secret: a secret word in it, or a secret field's name (any case). A query
    /// parameter's array forms (`name[]`, `name[x]`) count as the name.
    pub fn is_secret_key(&self, key: &str) -> bool {
        let lower = key.to_lowercase();
        let name = lower.split('[').next().unwrap_or_default();
        SECRET_KEY_WORDS.iter().any(|w| lower.contains(w)) || self.fields.iter().any(|f| *f == lower || f == name)
    }

    /// Whether a text holds a configured credential.
    pub fn holds_credential(&self, text: &str) -> bool {
        self.credentials.iter().any(|c| text.contains(c.as_str()))
    }

    /// Whether an entry must go: a secret key, or a credential in its key or its scalar value.
    fn is_secret_entry(&self, key: &str, value: &Value) -> bool {
        self.is_secret_key(key) || self.holds_credential(key) || self.is_secret_item(value)
    }

    fn is_secret_item(&self, value: &Value) -> bool {
        scalar_text(value).is_some_and(|t| self.holds_credential(&t))
    }

    /// Text with every configured credential replaced by [`REDACTED`], the longest first (so one that contains
    /// another goes whole).
    pub fn without_credentials(&self, text: &str) -> String {
        let mut credentials: Vec<&str> = self.credentials.iter().map(String::as_str).collect();
        credentials.sort_by_key(|c| std::cmp::Reverse(c.len()));
        credentials.iter().fold(text.to_string(), |text, c| text.replace(c, REDACTED))
    }

    /// A JSON value as the log keeps it: the value under a secret key replaced by [`REDACTED`] at any depth,
    /// credentials replaced in keys and strings, and any other scalar holding one replaced whole.
    pub fn redact(&self, value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, item)| {
                        let item =
                            if self.is_secret_key(k) { Value::String(REDACTED.into()) } else { self.redact(item) };
                        (self.without_credentials(k), item)
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|item| self.redact(item)).collect()),
            Value::String(s) => Value::String(self.without_credentials(s)),
            scalar if self.is_secret_item(scalar) => Value::String(REDACTED.into()),
            scalar => scalar.clone(),
        }
    }

    /// Text that is not a JSON value (a body cut short, invalid or form-encoded; a message) as the log keeps it:
    /// the value after a secret key, JSON-like (`"key": value`, a string, an object or array, or a scalar) or
    /// form-like (`key=value`, up to `&`, `;` or a space), and every credential, replaced by [`REDACTED`].
    pub fn redact_text(&self, text: &str) -> String {
        self.without_credentials(&self.redact_form_pairs(&self.redact_json_pairs(text)))
    }

    /// The value of every `"key": value` whose key (unescaped when it can be) is secret.
    fn redact_json_pairs(&self, text: &str) -> String {
        let b = text.as_bytes();
        let (mut out, mut copied, mut i) = (String::with_capacity(text.len()), 0, 0);
        while i < b.len() {
            if b[i] != b'"' {
                i += 1;
                continue;
            }
            let end = scan::string_end(b, i);
            let colon = scan::skip_space(b, end);
            let quoted = &text[i..end];
            let key = serde_json::from_str::<String>(quoted)
                .unwrap_or_else(|_| quoted.trim_start_matches('"').trim_end_matches('"').to_string());
            if b.get(colon) == Some(&b':') && self.is_secret_key(&key) {
                let start = scan::skip_space(b, colon + 1);
                out.push_str(&text[copied..start]);
                out.push('"');
                out.push_str(REDACTED);
                out.push('"');
                copied = scan::value_end(b, start);
                i = copied;
            } else {
                i = end;
            }
        }
        out.push_str(&text[copied..]);
        out
    }

    /// The value of every `key=value` whose key (percent-decoded or not) is secret. A key starts the text or
    /// follows `&`, `?`, `;` or a space, and runs to `=`.
    fn redact_form_pairs(&self, text: &str) -> String {
        let b = text.as_bytes();
        let (mut out, mut copied, mut i) = (String::with_capacity(text.len()), 0, 0);
        while i < b.len() {
            let starts_key = i == 0 || scan::ends_key(b[i - 1]) || b[i - 1] == b'?';
            let eq = if starts_key { scan::until(b, i, |c| c == b'=' || scan::ends_key(c)) } else { i };
            if b.get(eq) == Some(&b'=') && self.is_secret_form_key(&text[i..eq]) {
                out.push_str(&text[copied..=eq]);
                out.push_str(REDACTED);
                copied = scan::until(b, eq + 1, scan::ends_key);
                i = copied;
            } else {
                i += 1;
            }
        }
        out.push_str(&text[copied..]);
        out
    }

    fn is_secret_form_key(&self, key: &str) -> bool {
        let decoded = url::form_urlencoded::parse(key.as_bytes()).next().map(|(k, _)| k.into_owned());
        self.is_secret_key(key) || decoded.is_some_and(|k| self.is_secret_key(&k))
    }

    /// Removes every secret entry of a JSON value, at any depth: object entries under a secret key, and object
    /// entries and array items whose scalar holds a credential. What is left is the same value without them.
    pub fn strip(&self, value: &mut Value) {
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::Object(map) => {
                    map.retain(|k, item| !self.is_secret_entry(k, item));
                    stack.extend(map.values_mut());
                }
                Value::Array(items) => {
                    items.retain(|item| !self.is_secret_item(item));
                    stack.extend(items.iter_mut());
                }
                _ => {}
            }
        }
    }
}

/// Byte scanning of JSON-like text: every index returned is at an ASCII byte or the end, so a char boundary.
mod scan {
    /// After the string starting with the quote at `start`: past its closing quote, or the end of the text.
    pub(super) fn string_end(b: &[u8], start: usize) -> usize {
        let mut i = start + 1;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => return i + 1,
                _ => i += 1,
            }
        }
        b.len()
    }

    pub(super) fn skip_space(b: &[u8], mut i: usize) -> usize {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    }

    /// After the value starting at `start`: a string, an object or array to its matching bracket, or a scalar
    /// up to `,`, `}`, `]` or a space; the end of the text when it is cut short.
    pub(super) fn value_end(b: &[u8], start: usize) -> usize {
        match b.get(start) {
            Some(b'"') => string_end(b, start),
            Some(b'{' | b'[') => {
                let (mut depth, mut i) = (0usize, start);
                while i < b.len() {
                    match b[i] {
                        b'"' => i = string_end(b, i),
                        b'{' | b'[' => {
                            depth += 1;
                            i += 1;
                        }
                        b'}' | b']' => {
                            depth -= 1;
                            i += 1;
                            if depth == 0 {
                                return i;
                            }
                        }
                        _ => i += 1,
                    }
                }
                b.len()
            }
            _ => until(b, start, |c| b",}]".contains(&c) || c.is_ascii_whitespace()),
        }
    }

    /// The first index from `start` whose byte is `stop`'s, or the end of the text.
    pub(super) fn until(b: &[u8], start: usize, stop: impl Fn(u8) -> bool) -> usize {
        b[start..].iter().position(|&c| stop(c)).map_or(b.len(), |p| start + p)
    }

    /// Whether a byte ends a form field's key or value: `&`, `;` or a space.
    pub(super) fn ends_key(c: u8) -> bool {
        c == b'&' || c == b';' || c.is_ascii_whitespace()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secrets() -> Secrets {
        let mut s = Settings {
            access_key: " access-key-1234 ".into(),
            return_password_field: " Wp_Code ".into(),
            ..Settings::default()
        };
        s.crm_settings.insert("customerly_token".into(), "tok-5678".into());
        s.crm_settings.insert("customerio_app_key".into(), "abc".into());
        s.field_map.push(("user_pass".into(), "chosen_word".into()));
        s.field_map.push(("nickname".into(), "nick".into()));
        Secrets::of(&s)
    }

    #[test]
    fn secret_keys_are_the_words_and_the_password_fields() {
        let s = secrets();
        for secret in ["password", "User_Pass", "api_key", "AUTHOR", "client_secret", "token", "wp_code", "WP_CODE"] {
            assert!(s.is_secret_key(secret), "{secret}");
        }
        for secret in ["chosen_word", "chosen_word[]", "wp_code[a]", "access_key[]"] {
            assert!(s.is_secret_key(secret), "{secret}");
        }
        for plain in ["email", "id", "cio_id", "nick", "first_name", "wpf_action", "role", "contact_id", "async"] {
            assert!(!s.is_secret_key(plain), "{plain}");
        }
        assert!(!Secrets::of(&Settings::default()).is_secret_key(""), "an empty setting names no field");
    }

    #[test]
    fn credentials_are_found_as_stored_and_trimmed_from_four_characters() {
        let s = secrets();
        assert!(s.holds_credential("x access-key-1234"));
        assert!(s.holds_credential("access-key-1234x"));
        assert!(s.holds_credential("Bearer tok-5678"));
        assert!(!s.holds_credential("abc abc"), "too short to look for");
        assert!(!s.holds_credential("ACCESS-KEY-1234"), "credentials are compared as they are");
    }

    #[test]
    fn strip_removes_secret_entries_at_any_depth_and_keeps_the_rest() {
        let s = secrets();
        let mut v = json!({
            "email": "jane@example.com",
            "Password": "p1",
            "n": 12345678,
            "data": {"user": {"data": {
                "email": "jane@example.com",
                "attributes": {"wp_code": "p2", "Chosen_Word": {"deep": "p3"}, "plan": "gold", "seats": 3},
                "list": [1, "tok-5678", {"auth": "p4", "ok": null}, ["x access-key-1234"]],
                "x access-key-1234": "in a key",
            }}},
        });
        s.strip(&mut v);
        assert_eq!(
            v,
            json!({
                "email": "jane@example.com",
                "n": 12345678,
                "data": {"user": {"data": {
                    "email": "jane@example.com",
                    "attributes": {"plan": "gold", "seats": 3},
                    "list": [1, {"ok": null}, []],
                }}},
            })
        );
        let mut number = json!({"pin": 56781234});
        let digits = Secrets::of(&Settings { access_key: "5678".into(), ..Settings::default() });
        digits.strip(&mut number);
        assert_eq!(number, json!({}), "a number holding a credential goes too");
    }

    #[test]
    fn redact_replaces_secret_values_and_credentials_at_any_depth_keys_included() {
        let s = secrets();
        let v = json!({
            "email": "jane@example.com",
            "Password": {"deep": "p1"},
            "attributes": {"wp_code": "p2", "Chosen_Word": ["p3"], "plan": "gold", "seats": 3},
            "list": [1, "Bearer tok-5678", {"auth": "p4", "ok": null}, 12345678],
            "x tok-5678": "in a key",
        });
        assert_eq!(
            s.redact(&v),
            json!({
                "email": "jane@example.com",
                "Password": REDACTED,
                "attributes": {"wp_code": REDACTED, "Chosen_Word": REDACTED, "plan": "gold", "seats": 3},
                "list": [1, format!("Bearer {REDACTED}"), {"auth": REDACTED, "ok": null}, 12345678],
                format!("x {REDACTED}"): "in a key",
            })
        );
        let digits = Secrets::of(&Settings { access_key: "5678".into(), ..Settings::default() });
        assert_eq!(digits.redact(&json!([12345678, true])), json!([REDACTED, true]), "a number holding one goes whole");
    }

    #[test]
    fn credentials_are_replaced_longest_first() {
        let mut settings = Settings { access_key: "abcd".into(), ..Settings::default() };
        settings.crm_settings.insert("customerly_token".into(), "abcdefgh".into());
        let s = Secrets::of(&settings);
        assert_eq!(s.without_credentials("x abcdefgh y abcd"), format!("x {REDACTED} y {REDACTED}"));
        assert_eq!(secrets().without_credentials(" access-key-1234 "), REDACTED, "as stored, spaces included");
    }

    #[test]
    fn redact_text_finds_json_like_pairs_even_cut_short_or_invalid() {
        let s = secrets();
        let cases = [
            (r#"{"password": "p1", "email":"a@b.c"}"#, r#"{"password": "[redacted]", "email":"a@b.c"}"#),
            (r#"{"auth":{"x":[1,"}"]},"n":1}"#, r#"{"auth":"[redacted]","n":1}"#),
            (r#"{"token" : 12345 ,"wp_code":true}"#, r#"{"token" : "[redacted]" ,"wp_code":"[redacted]"}"#),
            (r#"{"password":"p2","esc":"a"b"}"#, r#"{"password":"[redacted]","esc":"a"b"}"#),
            (r#"{"a":"password","b":"x"}"#, r#"{"a":"password","b":"x"}"#),
            (r#"{"email":"a@b.c","secret":"cut-sho"#, r#"{"email":"a@b.c","secret":"[redacted]""#),
            (r#"{"list":[{"Chosen_Word":"p3"#, r#"{"list":[{"Chosen_Word":"[redacted]""#),
            (r#"{"pass":"#, r#"{"pass":"[redacted]""#),
            (r#"{"nested":{"auth":[1,2"#, r#"{"nested":{"auth":"[redacted]""#),
            (r#""unterminated"#, r#""unterminated"#),
        ];
        for (text, want) in cases {
            assert_eq!(s.redact_text(text), want, "{text}");
        }
    }

    #[test]
    fn redact_text_finds_form_like_pairs() {
        let s = secrets();
        let cases = [
            ("email=a%40b.c&user_pass=p1&apiKey=p2&x=1", "email=a%40b.c&user_pass=[redacted]&apiKey=[redacted]&x=1"),
            (
                "?token=p1;wp_code=p2 chosen_word=p3
ok=1",
                "?token=[redacted];wp_code=[redacted] chosen_word=[redacted]
ok=1",
            ),
            (
                "user%5Fpass=p1&wp%5Fcode=p2&a+token=p3",
                "user%5Fpass=[redacted]&wp%5Fcode=[redacted]&a+token=[redacted]",
            ),
            ("a=password&b=token", "a=password&b=token"),
            ("secret=", "secret=[redacted]"),
            ("x=tok-5678&y=access-key-1234x", "x=[redacted]&y=[redacted]x"),
        ];
        for (text, want) in cases {
            assert_eq!(s.redact_text(text), want, "{text}");
        }
    }

    #[test]
    fn redact_text_leaves_plain_messages_alone() {
        let s = secrets();
        for text in [
            "",
            "the access key is missing or wrong",
            "WordPress refused to update the user (invalid_user_url); nothing was changed.",
            "Queued webhook, attempt 2 of 6: next attempt in 120 s. The CRM did not answer.",
            "é unicode ✓ and a = sign",
        ] {
            assert_eq!(s.redact_text(text), text);
        }
        assert_eq!(s.redact_text("the key tok-5678 leaked"), format!("the key {REDACTED} leaked"));
    }
}
