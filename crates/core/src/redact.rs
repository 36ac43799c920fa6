//! What never leaves a webhook for storage (CONTRACT §6): values under a secret-looking key at any depth, the
//! Return Password field and the field mapped to `user_pass`, and anything holding a configured credential.
//!
//! The queue's stored requests are stripped here. The log's redaction (`Log` in the shim) still restates these
//! rules in PHP, replacing values with `[redacted]` where this removes them.

use crate::crm::Kind;
use crate::settings::{scalar_text, Settings};
use serde_json::Value;

/// Key fragments (case-insensitive) whose values are secret, at any depth of a body and in the query string.
pub const SECRET_KEY_WORDS: [&str; 5] = ["pass", "secret", "token", "key", "auth"];

/// What stands for a secret where a value must stay (a queued webhook's contact, shown in the queue).
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
    /// The Return Password field, the CRM field mapped to `user_pass`, and the access key and CRM credentials.
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
        for value in std::iter::once(settings.access_key.as_str()).chain(values) {
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
}
