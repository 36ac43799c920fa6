//! Field mapping (CONTRACT §4 `field_map`): which CRM values are written to which WordPress fields.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The longest values WordPress takes for core fields kept in the users table (in characters): a longer
/// `user_url` makes `wp_insert_user()` fail, a longer `display_name` fails the database insert. Such a value
/// leaves the field alone, as a missing one does.
const CORE_LIMITS: [(&str, usize); 2] = [("user_url", 100), ("display_name", 250)];

/// User fields WordPress keeps in the users table or passes through `wp_insert_user` / `wp_update_user`.
pub const CORE_FIELDS: [&str; 6] = ["first_name", "last_name", "display_name", "nickname", "user_url", "description"];

/// The longest meta key WordPress stores (`wp_usermeta.meta_key` is VARCHAR(255)).
const MAX_META_KEY: usize = 255;

/// User meta and fields WordPress itself keeps or acts on (compared in lower case): never written by a webhook.
const PROTECTED: [&str; 21] = [
    "role",
    "roles",
    "id",
    "meta_input",
    "user_email",
    "user_activation_key",
    "session_tokens",
    "locale",
    "admin_color",
    "rich_editing",
    "syntax_highlighting",
    "comment_shortcuts",
    "use_ssl",
    "show_admin_bar_front",
    "dismissed_wp_pointers",
    "default_password_nag",
    "primary_blog",
    "source_domain",
    "user_nicename",
    "user_registered",
    "user_status",
];

/// Endings of per-site user meta (`{prefix}capabilities`, `{prefix}user-settings`, …), in lower case.
const PROTECTED_ENDINGS: [&str; 5] =
    ["capabilities", "user_level", "user-settings", "user-settings-time", "persisted_preferences"];

/// Why a WordPress field can never be the target of a mapping, or `None` when it can. A field name is ASCII
/// letters, digits, `_` and `-` only: the database compares meta keys by its collation (case, trailing spaces,
/// accents, character width), so a name it would fold into a protected key must be refused before it is compared,
/// and the comparison is made in lower case. Names starting with `_` are WordPress's private meta.
pub fn forbidden_reason(wp_field: &str, crm_slugs: &[&str]) -> Option<&'static str> {
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if wp_field.is_empty() || wp_field.len() > MAX_META_KEY || !wp_field.chars().all(valid) {
        return Some("not a valid field name (ASCII letters, digits, _ and - only)");
    }
    let lower = wp_field.to_ascii_lowercase();
    let special = ["user_login", "user_pass"].iter().chain(&CORE_FIELDS);
    if lower != wp_field && special.into_iter().any(|f| *f == lower) {
        return Some("a WordPress field in another case: write it in lower case");
    }
    if PROTECTED.contains(&lower.as_str())
        || PROTECTED_ENDINGS.iter().any(|end| lower.ends_with(end))
        || lower.starts_with('_')
    {
        return Some("protected by WordPress");
    }
    if crm_slugs.iter().any(|s| lower == format!("{s}_contact_id") || lower == format!("{s}_tags")) {
        return Some("kept by the plugin itself");
    }
    None
}

/// The CRM field a WordPress field is mapped from, if any.
pub fn source_of<'a>(field_map: &'a [(String, String)], wp_field: &str) -> Option<&'a str> {
    field_map.iter().find(|(wp, _)| wp == wp_field).map(|(_, crm)| crm.as_str())
}

/// The result of mapping one contact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapped {
    /// `user_login` for a new user, when the CRM supplies one.
    pub login: Option<String>,
    /// `user_pass` for a new user, when the CRM supplies one.
    pub password: Option<String>,
    /// Core user fields, written through `wp_insert_user` / `wp_update_user`.
    pub core: BTreeMap<String, String>,
    /// Everything else, written as user meta.
    pub meta: BTreeMap<String, String>,
}

/// Maps a contact's values: each CRM field is looked up at the top level of the contact, then under its
/// attributes; a missing, empty or non-scalar value leaves the WordPress field alone.
pub fn map(field_map: &[(String, String)], contact: &Map<String, Value>, crm_slugs: &[&str]) -> Mapped {
    let mut out = Mapped::default();
    for (wp, crm) in field_map {
        if forbidden_reason(wp, crm_slugs).is_some() {
            continue;
        }
        let Some(value) = lookup(contact, crm) else {
            continue;
        };
        if CORE_LIMITS.iter().any(|(field, most)| field == wp && value.chars().count() > *most) {
            continue;
        }
        match wp.as_str() {
            "user_login" => out.login = Some(value),
            "user_pass" => out.password = Some(value),
            f if CORE_FIELDS.contains(&f) => {
                out.core.insert(wp.clone(), value);
            }
            _ => {
                out.meta.insert(wp.clone(), value);
            }
        }
    }
    out
}

fn lookup(contact: &Map<String, Value>, field: &str) -> Option<String> {
    let top = contact.get(field).filter(|v| !v.is_object());
    let nested = || contact.get("attributes").and_then(|a| a.get(field));
    let value = top.and_then(text).or_else(|| nested().and_then(text))?;
    (!value.trim().is_empty()).then_some(value)
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SLUGS: [&str; 2] = ["customer-io", "customerly"];

    fn fm(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    fn contact() -> Map<String, Value> {
        json!({
            "email": "jane@example.com",
            "name": "Jane Doe",
            "attributes": {"first_name": "Jane", "last_name": "", "plan": "pro", "score": 42, "vip": true,
                           "nested": {"a": 1}, "list": [1], "pw": "s3cret", "login": "jane_d", "name": "ignored"},
        })
        .as_object()
        .cloned()
        .unwrap_or_default()
    }

    #[test]
    fn values_are_found_at_top_level_then_in_attributes() {
        let m = map(
            &fm(&[
                ("display_name", "name"),
                ("first_name", "first_name"),
                ("plan_meta", "plan"),
                ("score", "score"),
                ("vip", "vip"),
            ]),
            &contact(),
            &SLUGS,
        );
        assert_eq!(m.core.get("display_name").map(String::as_str), Some("Jane Doe"));
        assert_eq!(m.core.get("first_name").map(String::as_str), Some("Jane"));
        assert_eq!(m.meta.get("plan_meta").map(String::as_str), Some("pro"));
        assert_eq!(m.meta.get("score").map(String::as_str), Some("42"));
        assert_eq!(m.meta.get("vip").map(String::as_str), Some("1"));
    }

    #[test]
    fn a_value_longer_than_wordpress_takes_leaves_the_field_alone() {
        let long = json!({"url": format!("https://example.com/{}", "p".repeat(81)), "name": "n".repeat(251),
                          "ok_url": format!("https://example.com/{}", "é".repeat(80))});
        let c = long.as_object().cloned().unwrap_or_default();
        let m = map(&fm(&[("user_url", "url"), ("display_name", "name"), ("bio", "name")]), &c, &SLUGS);
        assert_eq!(m.core.len(), 0, "{m:?}");
        assert_eq!(m.meta.get("bio").map(String::len), Some(251), "meta has no such limit");
        let m = map(&fm(&[("user_url", "ok_url")]), &c, &SLUGS);
        assert!(m.core.contains_key("user_url"), "100 characters, not bytes");
    }

    #[test]
    fn empty_missing_and_structured_values_leave_the_field_alone() {
        let m = map(
            &fm(&[("last_name", "last_name"), ("x", "missing"), ("y", "nested"), ("z", "list")]),
            &contact(),
            &SLUGS,
        );
        assert_eq!(m, Mapped::default());
    }

    #[test]
    fn login_and_password_are_kept_apart() {
        let m = map(&fm(&[("user_login", "login"), ("user_pass", "pw")]), &contact(), &SLUGS);
        assert_eq!(m.login.as_deref(), Some("jane_d"));
        assert_eq!(m.password.as_deref(), Some("s3cret"));
        assert!(m.core.is_empty() && m.meta.is_empty());
    }

    #[test]
    fn wordpress_user_settings_and_private_meta_are_never_mapped() {
        for wp in [
            "locale",
            "LOCALE",
            "admin_color",
            "rich_editing",
            "syntax_highlighting",
            "comment_shortcuts",
            "use_ssl",
            "show_admin_bar_front",
            "dismissed_wp_pointers",
            "default_password_nag",
            "primary_blog",
            "source_domain",
            "user_nicename",
            "user_registered",
            "user_status",
            "wp_user-settings",
            "wp_3_user-settings-time",
            "wp_persisted_preferences",
            "_application_passwords",
            "_anything_private",
        ] {
            assert!(forbidden_reason(wp, &SLUGS).is_some(), "{wp:?}");
            assert_eq!(map(&fm(&[(wp, "plan")]), &contact(), &SLUGS), Mapped::default(), "{wp:?}");
        }
    }

    /// MySQL compares meta keys by collation (case, trailing spaces, accents, width), not byte by byte: a key that
    /// only the database takes for a protected one must not slip past a byte-wise comparison.
    #[test]
    fn keys_the_database_would_fold_into_a_protected_one_are_refused() {
        for wp in [
            "Wp_Capabilities",
            "wp_capabilities ",
            "wp_capabilitiés",
            "wp_ｃapabilities",
            "Session_Tokens",
            "wp_user_levеl",
            "wp_capabilities\u{0}",
            "wp_capabilities\t",
            "first name",
            "a.b",
            "a/b",
        ] {
            assert!(forbidden_reason(wp, &SLUGS).is_some(), "{wp:?}");
        }
    }

    /// `User_Pass` is not `user_pass` to the mapping, but it is to the database: it would store the CRM's
    /// password as plain user meta (and `First_Name` would overwrite `first_name` without WordPress's filters).
    #[test]
    fn a_special_or_core_field_in_another_case_is_refused() {
        for wp in ["User_Pass", "USER_LOGIN", "First_Name", "Description", "user_URL", "Nickname"] {
            assert!(forbidden_reason(wp, &SLUGS).is_some(), "{wp:?}");
            assert_eq!(map(&fm(&[(wp, "pw")]), &contact(), &SLUGS), Mapped::default(), "{wp:?}");
        }
    }

    #[test]
    fn protected_fields_are_never_mapped() {
        let protected = [
            "role",
            "Role",
            "roles",
            "ID",
            "id",
            "meta_input",
            "wp_capabilities",
            "wp_2_capabilities",
            "wp_user_level",
            "user_email",
            "session_tokens",
            "customer-io_tags",
            "customerly_contact_id",
            "",
            " first_name",
        ];
        for wp in protected {
            assert!(forbidden_reason(wp, &SLUGS).is_some(), "{wp:?}");
            let m = map(&fm(&[(wp, "plan")]), &contact(), &SLUGS);
            assert_eq!(m, Mapped::default(), "{wp:?}");
        }
        for ok in ["first_name", "billing_phone", "user_login", "user_pass", "company", "Company-Size", "crm_2"] {
            assert_eq!(forbidden_reason(ok, &SLUGS), None, "{ok}");
        }
    }
}
