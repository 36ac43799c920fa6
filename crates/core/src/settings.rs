//! The option `wpf_webhooks_settings` (CONTRACT §4), read leniently: WordPress stores what a form or an
//! import gave it, so booleans may arrive as `"1"`, lists as objects with numeric keys, and keys may be
//! missing. A missing key takes the contract's default.

use crate::crm;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The days a log entry is kept by default (the shim's log; 0 = no limit).
pub const LOG_RETENTION_DAYS: u64 = 30;
/// The log entries kept at most by default (0 = no limit).
pub const LOG_MAX_ROWS: u64 = 10_000;

/// How a new user's login is made when no CRM field is mapped to `user_login` (CONTRACT §4 `username_format`),
/// with WP Fusion's values of its option of the same name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UsernameFormat {
    /// The email.
    #[default]
    Email,
    /// The first name and the last name.
    FlName,
    /// The first name and a random number.
    FNameNum,
}

impl UsernameFormat {
    /// Every format: its value in the option (WP Fusion's too) and its label, the default first.
    pub const ALL: [(UsernameFormat, &'static str, &'static str); 3] = [
        (UsernameFormat::Email, "email", "Email address"),
        (UsernameFormat::FlName, "flname", "First name and last name"),
        (UsernameFormat::FNameNum, "fnamenum", "First name and a random number"),
    ];

    /// The format a stored value names, exactly (as the settings page and WP Fusion store it); the default for
    /// anything else.
    pub fn parse(value: &str) -> UsernameFormat {
        UsernameFormat::ALL.iter().find(|(_, v, _)| *v == value).map_or_else(UsernameFormat::default, |(f, _, _)| *f)
    }

    /// Its value in the option.
    pub fn as_str(self) -> &'static str {
        UsernameFormat::ALL.iter().find(|(f, _, _)| *f == self).map_or("email", |(_, v, _)| v)
    }
}

/// The settings the core needs, with the contract's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub crm: String,
    pub access_key: String,
    /// Every CRM's own settings (`crm::Descriptor::settings`), read by their kind: key => value.
    pub crm_settings: BTreeMap<String, String>,
    /// WordPress field → CRM field, in the order the site owner gave them.
    pub field_map: Vec<(String, String)>,
    pub return_password: bool,
    pub return_password_field: String,
    pub default_role: String,
    pub allowed_roles: Vec<String>,
    pub send_welcome_email: bool,
    /// `async`: queue every webhook as if it asked for `async=true`.
    pub queue_all: bool,
    /// The secret of senders that sign as Standard Webhooks (`whsec_` + base64; see `signature`).
    pub standard_webhooks_secret: String,
    /// Refuse webhooks without a verified signature (only while a signing secret is set: `signature::required`).
    pub require_signature: bool,
    pub username_format: UsernameFormat,
    /// The proxy for CRM calls: wp-config.php's `WPF_WEBHOOKS_PROXY`, which the shim passes beside the settings
    /// (see `Site::from_value`); never read from the option, so that only the site owner can set it.
    pub proxy: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            crm: String::new(),
            access_key: String::new(),
            crm_settings: crm_settings(|_| None),
            field_map: vec![("first_name".into(), "first_name".into()), ("last_name".into(), "last_name".into())],
            return_password: true,
            return_password_field: String::new(),
            default_role: String::new(),
            allowed_roles: vec!["subscriber".into()],
            send_welcome_email: false,
            queue_all: false,
            standard_webhooks_secret: String::new(),
            require_signature: false,
            username_format: UsernameFormat::Email,
            proxy: String::new(),
        }
    }
}

impl Settings {
    /// Reads the option as PHP handed it over. Values of the wrong type fall back to the default.
    pub fn from_value(value: &Value) -> Settings {
        let mut s = Settings::default();
        let Some(map) = value.as_object() else {
            return s;
        };
        let text = |key: &str| map.get(key).and_then(scalar_text).unwrap_or_default();
        s.crm = text("crm").trim().to_ascii_lowercase();
        s.access_key = text("access_key");
        s.crm_settings = crm_settings(|key| map.get(key).and_then(scalar_text));
        if let Some(Value::Object(fm)) = map.get("field_map") {
            s.field_map = field_map(fm);
        }
        if let Some(v) = map.get("return_password") {
            s.return_password = truthy(v);
        }
        s.return_password_field = text("return_password_field").trim().to_string();
        s.default_role = text("default_role").trim().to_string();
        if let Some(roles) = map.get("allowed_roles").and_then(list) {
            s.allowed_roles = roles;
        }
        s.send_welcome_email = map.get("send_welcome_email").is_some_and(truthy);
        s.queue_all = map.get("async").is_some_and(truthy);
        s.standard_webhooks_secret = text("standard_webhooks_secret").trim().to_string();
        s.require_signature = map.get("require_signature").is_some_and(truthy);
        s.username_format = UsernameFormat::parse(&text("username_format"));
        s
    }

    /// A secret setting's value by its key: a CRM's, or the site's `standard_webhooks_secret`.
    pub fn secret(&self, key: &str) -> &str {
        match key {
            "standard_webhooks_secret" => &self.standard_webhooks_secret,
            _ => self.crm_setting(key),
        }
    }

    /// A CRM's setting, as read ('' for a key no CRM describes).
    pub fn crm_setting(&self, key: &str) -> &str {
        self.crm_settings.get(key).map_or("", String::as_str)
    }
}

/// Every CRM's settings, each read from what `stored` gives for its key (the default when nothing).
fn crm_settings(stored: impl Fn(&str) -> Option<String>) -> BTreeMap<String, String> {
    crm::ALL
        .iter()
        .flat_map(|d| d.settings)
        .map(|s| (s.key.to_string(), stored(s.key).map_or_else(|| s.default_value().to_string(), |v| s.read(&v))))
        .collect()
}

/// One setting of the option as the shim sees it: its key, its default, whether it is secret (a credential:
/// stored, never shown back or logged) and, for a CRM's own setting, the CRM and how it describes the setting.
#[derive(Clone, Copy)]
pub struct Setting {
    pub key: &'static str,
    pub secret: bool,
    pub crm: Option<(&'static crm::Descriptor, &'static crm::CrmSetting)>,
}

/// Every setting of the option with its default: the site's, then each CRM's in [`crm::ALL`]'s order, then the
/// shim's log's (which the core does not read).
pub fn schema() -> Vec<(Setting, Value)> {
    let d = Settings::default();
    let field_map: Map<String, Value> = d.field_map.iter().map(|(wp, crm)| (wp.clone(), json!(crm))).collect();
    let site = |key, secret, default| (Setting { key, secret, crm: None }, default);
    let mut all = vec![site("crm", false, json!(d.crm)), site("access_key", true, json!(d.access_key))];
    for descriptor in crm::ALL {
        for s in descriptor.settings {
            let secret = matches!(s.kind, crm::Kind::Secret);
            all.push((Setting { key: s.key, secret, crm: Some((descriptor, s)) }, json!(s.default_value())));
        }
    }
    all.extend([
        site("field_map", false, Value::Object(field_map)),
        site("return_password", false, json!(d.return_password)),
        site("return_password_field", false, json!(d.return_password_field)),
        site("default_role", false, json!(d.default_role)),
        site("allowed_roles", false, json!(d.allowed_roles)),
        site("send_welcome_email", false, json!(d.send_welcome_email)),
        site("async", false, json!(d.queue_all)),
        site(crate::signature::STANDARD_WEBHOOKS.secret_setting, true, json!(d.standard_webhooks_secret)),
        site("require_signature", false, json!(d.require_signature)),
        site("username_format", false, json!(d.username_format.as_str())),
        site("log_retention_days", false, json!(LOG_RETENTION_DAYS)),
        site("log_max_rows", false, json!(LOG_MAX_ROWS)),
    ]);
    all
}

fn field_map(map: &Map<String, Value>) -> Vec<(String, String)> {
    map.iter()
        .filter_map(|(wp, crm)| {
            let crm = scalar_text(crm)?.trim().to_string();
            let wp = wp.trim().to_string();
            (!wp.is_empty() && !crm.is_empty()).then_some((wp, crm))
        })
        .collect()
}

/// A PHP list arrives as a JSON array, or as an object when its keys are not 0..n.
fn list(value: &Value) -> Option<Vec<String>> {
    let items: Vec<&Value> = match value {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => o.values().collect(),
        _ => return None,
    };
    Some(items.into_iter().filter_map(scalar_text).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
}

/// The text of a scalar value, as PHP would print it.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(true) => Some("1".into()),
        Value::Bool(false) => Some(String::new()),
        _ => None,
    }
}

/// The boolean reading of a setting or URL flag: `true`, `1`, `yes`, `on` (any case) are true.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => flag(s),
        _ => false,
    }
}

/// The same reading for a string, as used by `send_notification`.
pub fn flag(s: &str) -> bool {
    matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_option_gives_the_contract_defaults() {
        let s = Settings::from_value(&Value::Null);
        assert_eq!(s, Settings::default());
        assert!(s.return_password);
        assert_eq!(s.allowed_roles, vec!["subscriber"]);
        assert_eq!(s.field_map.len(), 2);
        assert_eq!(s.crm_setting("customerio_region"), "us");
        assert_eq!(s.crm_setting("customerly_token"), "");
    }

    #[test]
    fn the_schemas_defaults_read_back_as_the_defaults() {
        let schema = schema();
        let option: Map<String, Value> =
            schema.iter().map(|(s, default)| (s.key.to_string(), default.clone())).collect();
        assert_eq!(option.len(), schema.len(), "a key is listed twice");
        assert_eq!(Settings::from_value(&Value::Object(option.clone())), Settings::default());
        let mut changed = option.clone();
        changed.insert("async".into(), json!(true));
        assert!(Settings::from_value(&Value::Object(changed)).queue_all);
        let secret: Vec<&str> = schema.iter().filter(|(s, _)| s.secret).map(|(s, _)| s.key).collect();
        assert_eq!(
            secret,
            [
                "access_key",
                "customerio_app_key",
                "customerio_site_id",
                "customerio_track_key",
                "customerio_signing_key",
                "customerly_token",
                "standard_webhooks_secret"
            ]
        );
    }

    #[test]
    fn the_option_cannot_set_a_proxy() {
        assert_eq!(Settings::from_value(&json!({"proxy": "http://127.0.0.1:8080"})).proxy, "");
    }

    #[test]
    fn php_shapes_are_read_leniently() {
        let s = Settings::from_value(&json!({
            "crm": " CustomerIO ",
            "customerio_region": "EU",
            "return_password": "0",
            "send_welcome_email": "1",
            "async": "yes",
            "allowed_roles": {"0": "subscriber", "3": "customer", "4": ""},
            "field_map": {"first_name": "fname", "nickname": 7, "": "x", "bad": ["array"]},
            "customerio_app_key": ["not", "a", "string"],
            "username_format": "flname",
        }));
        assert_eq!(s.crm, "customerio");
        assert_eq!(s.crm_setting("customerio_region"), "eu");
        assert!(!s.return_password);
        assert!(s.send_welcome_email);
        assert!(s.queue_all);
        assert_eq!(s.allowed_roles, vec!["subscriber", "customer"]);
        assert_eq!(
            s.field_map,
            vec![("first_name".to_string(), "fname".to_string()), ("nickname".to_string(), "7".to_string())]
        );
        assert_eq!(s.crm_setting("customerio_app_key"), "");
        assert_eq!(s.crm_setting("no_such_setting"), "");
        assert_eq!(s.username_format, UsernameFormat::FlName);
        for other in ["", "username", "first_name", "FLName", " flname"] {
            assert_eq!(Settings::from_value(&json!({"username_format": other})).username_format, UsernameFormat::Email);
        }
    }

    #[test]
    fn flags_follow_the_contract() {
        for yes in ["true", "1", "yes", "on", "TRUE", " On "] {
            assert!(flag(yes), "{yes}");
        }
        for no in ["", "0", "false", "no", "off", "y", "truthy"] {
            assert!(!flag(no), "{no}");
        }
    }
}
