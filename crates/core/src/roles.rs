//! Which role a new user gets (CONTRACT §2 `role`).
//!
//! A webhook may only hand out a role the site owner allowed, and never a privileged one: `administrator`
//! or any role holding a capability that lets its holder take over the site or other accounts.

use serde_json::Value;

/// Capabilities that make a role (or a user) privileged: each lets its holder take over the site (run code,
/// change plugins, themes, files or core, change options) or other accounts (make, delete, edit or promote users).
pub const PRIVILEGED_CAPS: [&str; 23] = [
    "manage_options",
    "promote_users",
    "edit_users",
    "create_users",
    "delete_users",
    "remove_users",
    "unfiltered_html",
    "unfiltered_upload",
    "install_plugins",
    "activate_plugins",
    "edit_plugins",
    "upload_plugins",
    "delete_plugins",
    "update_plugins",
    "install_themes",
    "edit_themes",
    "upload_themes",
    "delete_themes",
    "update_themes",
    "switch_themes",
    "edit_files",
    "update_core",
    "setup_network",
];

/// Network capabilities (`manage_network`, `manage_network_users`, `manage_sites`, …): all privileged.
const PRIVILEGED_PREFIXES: [&str; 2] = ["manage_network", "manage_sites"];

/// WordPress's own network capabilities, named for a check that cannot match by prefix (`user_can()`).
const NETWORK_CAPS: [&str; 9] = [
    "manage_network",
    "manage_network_users",
    "manage_network_plugins",
    "manage_network_themes",
    "manage_network_options",
    "manage_sites",
    "create_sites",
    "delete_sites",
    "upgrade_network",
];

/// Every privileged capability by name: what the shim asks WordPress about (`user_can()`), so that capabilities a
/// plugin grants only when they are checked count too.
pub fn privileged_capabilities() -> Vec<&'static str> {
    PRIVILEGED_CAPS.iter().chain(&NETWORK_CAPS).copied().collect()
}

/// Whether holding `cap` makes a role or a user privileged.
pub fn is_privileged_cap(cap: &str) -> bool {
    cap.eq_ignore_ascii_case("administrator")
        || PRIVILEGED_CAPS.contains(&cap)
        || NETWORK_CAPS.contains(&cap)
        || PRIVILEGED_PREFIXES.iter().any(|p| cap.starts_with(p))
}

/// Whether a capability is granted, as WordPress counts it (`! empty( $allcaps[ $cap ] )`): any value but
/// `false`, `0`, `0.0`, `""`, `"0"`, `null` and an empty array.
pub fn granted(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty() && s != "0",
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Whether a user with these capabilities (`WP_User::$allcaps`: capability → value, role names included) is
/// privileged, and so never modified by a webhook.
pub fn is_privileged_caps(caps: &Value) -> bool {
    caps.as_object().is_some_and(|caps| caps.iter().any(|(cap, value)| granted(value) && is_privileged_cap(cap)))
}

/// Warning: the requested role is unknown, not allowed or privileged; the default role was used.
pub const WARN_ROLE_NOT_ALLOWED: &str = "role_not_allowed";
/// Warning: the default role is privileged or unknown; `subscriber` (or no role) was used.
pub const WARN_DEFAULT_ROLE_NOT_ALLOWED: &str = "default_role_not_allowed";

/// A role registered in WordPress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub slug: String,
    pub name: String,
    pub capabilities: Vec<String>,
}

impl Role {
    pub fn is_privileged(&self) -> bool {
        self.slug.eq_ignore_ascii_case("administrator") || self.capabilities.iter().any(|c| is_privileged_cap(c))
    }
}

/// The site's roles, as `wp_roles()->roles` gives them: slug → `{name, capabilities: {cap: bool}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(pub Vec<Role>);

impl Roles {
    pub fn from_value(value: &Value) -> Roles {
        let Some(map) = value.as_object() else {
            return Roles::default();
        };
        let roles = map
            .iter()
            .map(|(slug, info)| Role {
                slug: slug.clone(),
                name: info.get("name").and_then(Value::as_str).unwrap_or(slug).to_string(),
                capabilities: info
                    .get("capabilities")
                    .and_then(Value::as_object)
                    .map(|caps| caps.iter().filter(|(_, value)| granted(value)).map(|(cap, _)| cap.clone()).collect())
                    .unwrap_or_default(),
            })
            .collect();
        Roles(roles)
    }

    fn by_slug(&self, slug: &str) -> Option<&Role> {
        self.0.iter().find(|r| r.slug == slug)
    }

    /// A role named by a sender: its slug or its display name, in any case, with spaces around.
    fn find(&self, requested: &str) -> Option<&Role> {
        let wanted = requested.trim();
        self.0
            .iter()
            .find(|r| r.slug.eq_ignore_ascii_case(wanted))
            .or_else(|| self.0.iter().find(|r| r.name.trim().eq_ignore_ascii_case(wanted)))
    }
}

/// The role chosen for a new user, and the warnings the response carries. `role` is `None` when no safe
/// role exists at all (the user is then created without one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDecision {
    pub role: Option<String>,
    pub warnings: Vec<&'static str>,
}

/// Decides a new user's role.
///
/// * `requested`: the `role` URL parameter, if any;
/// * `allowed`: the setting `allowed_roles`;
/// * `default_setting`: the setting `default_role` (empty = the site's own);
/// * `site_default`: WordPress's `default_role` option.
pub fn decide(
    roles: &Roles,
    requested: Option<&str>,
    allowed: &[String],
    default_setting: &str,
    site_default: &str,
) -> RoleDecision {
    let mut warnings = Vec::new();
    let safe = |r: &Role| !r.is_privileged();
    let default_slug = if default_setting.trim().is_empty() { site_default } else { default_setting }.trim();
    let default_role = match roles.by_slug(default_slug).filter(|r| safe(r)) {
        Some(r) => Some(r.slug.clone()),
        None => {
            warnings.push(WARN_DEFAULT_ROLE_NOT_ALLOWED);
            roles.by_slug("subscriber").filter(|r| safe(r)).map(|r| r.slug.clone())
        }
    };
    let requested = requested.map(str::trim).filter(|r| !r.is_empty());
    let Some(requested) = requested else {
        return RoleDecision { role: default_role, warnings };
    };
    match roles.find(requested).filter(|r| safe(r) && allowed.iter().any(|a| a == &r.slug)) {
        Some(r) => RoleDecision { role: Some(r.slug.clone()), warnings: Vec::new() },
        None => {
            warnings.insert(0, WARN_ROLE_NOT_ALLOWED);
            RoleDecision { role: default_role, warnings }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn site_roles() -> Roles {
        Roles::from_value(&json!({
            "administrator": {"name": "Administrator", "capabilities": {"manage_options": true, "read": true}},
            "editor": {"name": "Editor", "capabilities": {"unfiltered_html": true, "read": true}},
            "shop_manager": {"name": "Shop manager", "capabilities": {"edit_users": 1, "read": true}},
            "promoter": {"name": "Promoter", "capabilities": {"promote_users": true}},
            "customer": {"name": "Customer", "capabilities": {"read": true, "manage_options": false}},
            "subscriber": {"name": "Subscriber", "capabilities": {"read": true}},
        }))
    }

    fn allowed(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn privilege_comes_from_slug_or_capabilities() {
        let roles = site_roles();
        let privileged: Vec<&str> = roles.0.iter().filter(|r| r.is_privileged()).map(|r| r.slug.as_str()).collect();
        assert_eq!(privileged, vec!["administrator", "editor", "promoter", "shop_manager"]);
    }

    #[test]
    fn every_capability_that_can_take_over_the_site_makes_a_role_privileged() {
        for cap in [
            "install_plugins",
            "activate_plugins",
            "edit_plugins",
            "upload_plugins",
            "delete_plugins",
            "update_plugins",
            "install_themes",
            "edit_themes",
            "upload_themes",
            "edit_files",
            "update_core",
            "create_users",
            "delete_users",
            "remove_users",
            "manage_network",
            "manage_network_users",
            "manage_network_plugins",
            "manage_network_options",
            "manage_sites",
            "setup_network",
        ] {
            let roles = Roles::from_value(&json!({"r": {"name": "R", "capabilities": {cap: true, "read": true}}}));
            assert!(roles.0[0].is_privileged(), "{cap}");
        }
        let reader = Roles::from_value(&json!({"r": {"name": "R", "capabilities": {"read": true, "edit_posts": 1}}}));
        assert!(!reader.0[0].is_privileged());
    }

    #[test]
    fn the_named_list_holds_only_privileged_capabilities() {
        let all = privileged_capabilities();
        assert!(all.iter().all(|c| is_privileged_cap(c)));
        for cap in ["manage_options", "install_plugins", "manage_network_users", "create_sites", "upgrade_network"] {
            assert!(all.contains(&cap), "{cap}");
        }
    }

    #[test]
    fn a_capability_is_granted_as_wordpress_counts_it_any_non_empty_value() {
        for granted in
            [json!(true), json!(1), json!("1"), json!("false"), json!("no"), json!("0.0"), json!(0.5), json!([0])]
        {
            let roles = Roles::from_value(&json!({"r": {"name": "R", "capabilities": {"install_plugins": granted}}}));
            assert!(roles.0[0].is_privileged(), "{granted}");
            assert!(is_privileged_caps(&json!({"edit_files": granted})), "{granted}");
        }
        for denied in [json!(false), json!(0), json!(0.0), json!(""), json!("0"), json!(null), json!([])] {
            let roles = Roles::from_value(&json!({"r": {"name": "R", "capabilities": {"install_plugins": denied}}}));
            assert!(!roles.0[0].is_privileged(), "{denied}");
            assert!(!is_privileged_caps(&json!({"edit_files": denied, "read": true})), "{denied}");
        }
        assert!(is_privileged_caps(&json!({"administrator": true})), "a user's caps carry its role names");
    }

    #[test]
    fn an_allowed_role_is_given_by_slug_or_name_in_any_case() {
        let roles = site_roles();
        let ok = allowed(&["subscriber", "customer"]);
        for asked in ["customer", "Customer", " CUSTOMER ", "customer "] {
            let d = decide(&roles, Some(asked), &ok, "", "subscriber");
            assert_eq!(d.role.as_deref(), Some("customer"), "{asked}");
            assert!(d.warnings.is_empty());
        }
    }

    #[test]
    fn privileged_roles_are_never_given_even_when_allowed() {
        let roles = site_roles();
        let everything = allowed(&["administrator", "editor", "shop_manager", "promoter", "customer", "subscriber"]);
        for asked in ["administrator", "Administrator", " ADMINISTRATOR", "editor", "Shop manager", "promoter"] {
            let d = decide(&roles, Some(asked), &everything, "", "subscriber");
            assert_eq!(d.role.as_deref(), Some("subscriber"), "{asked}");
            assert_eq!(d.warnings, vec![WARN_ROLE_NOT_ALLOWED]);
        }
    }

    #[test]
    fn unknown_or_not_allowed_roles_fall_back_with_a_warning() {
        let roles = site_roles();
        for asked in ["customer", "ghost", "administrator[]"] {
            let d = decide(&roles, Some(asked), &allowed(&["subscriber"]), "", "subscriber");
            assert_eq!(d.role.as_deref(), Some("subscriber"));
            assert_eq!(d.warnings, vec![WARN_ROLE_NOT_ALLOWED], "{asked}");
        }
    }

    #[test]
    fn no_role_asked_gives_the_default_silently() {
        let roles = site_roles();
        let d = decide(&roles, None, &allowed(&["subscriber"]), "customer", "subscriber");
        assert_eq!(d.role.as_deref(), Some("customer"), "default_role need not be in allowed_roles");
        assert!(d.warnings.is_empty());
        let d = decide(&roles, Some("  "), &allowed(&[]), "", "subscriber");
        assert_eq!(d.role.as_deref(), Some("subscriber"));
    }

    #[test]
    fn a_privileged_default_role_is_replaced_by_subscriber() {
        let roles = site_roles();
        for (setting, site) in [("administrator", "subscriber"), ("", "editor"), ("ghost", "subscriber")] {
            let d = decide(&roles, None, &allowed(&[]), setting, site);
            assert_eq!(d.role.as_deref(), Some("subscriber"));
            assert_eq!(d.warnings, vec![WARN_DEFAULT_ROLE_NOT_ALLOWED]);
        }
        let d = decide(&roles, Some("administrator"), &allowed(&[]), "", "editor");
        assert_eq!(d.warnings, vec![WARN_ROLE_NOT_ALLOWED, WARN_DEFAULT_ROLE_NOT_ALLOWED]);
    }

    #[test]
    fn no_safe_role_at_all_means_no_role() {
        let roles = Roles::from_value(&json!({
            "administrator": {"name": "Administrator", "capabilities": {"manage_options": true}},
            "subscriber": {"name": "Subscriber", "capabilities": {"unfiltered_html": true}},
        }));
        let d = decide(&roles, Some("subscriber"), &allowed(&["subscriber"]), "", "subscriber");
        assert_eq!(d.role, None);
        assert_eq!(d.warnings, vec![WARN_ROLE_NOT_ALLOWED, WARN_DEFAULT_ROLE_NOT_ALLOWED]);
    }
}
