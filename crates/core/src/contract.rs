//! What the shim needs to know of the core's rules, exported whole so that the shim restates none of them
//! (`wpf_webhooks_contract()`): every code with its HTTP status and default message, the action names with
//! WP Fusion's aliases, the body limit, every setting with its default and whether it is secret, each CRM's
//! required setting and not-configured message, and the schemes a base-URL override may have.

use crate::crm;
use crate::error::Code;
use crate::request::{Action, MAX_BODY_BYTES};
use crate::settings;
use serde_json::{json, Map, Value};

/// The contract as one JSON object: `codes` (code => `status`, `message`), `actions` (name asked => action),
/// `max_body_bytes`, `settings` (a list, in the option's order: `key`, `default`, `secret`, `crm`), `crms` (value of `crm` => `required`,
/// `not_configured`), `no_crm` (the not-configured message when none is chosen) and `url_schemes`.
pub fn contract() -> Value {
    let codes: Map<String, Value> = Code::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), json!({"status": c.status(), "message": c.message()})))
        .collect();
    let actions: Map<String, Value> =
        Action::NAMES.iter().map(|(name, action)| (name.to_string(), json!(action.as_str()))).collect();
    let settings: Vec<Value> = settings::schema()
        .into_iter()
        .map(|s| json!({"key": s.key, "default": s.default, "secret": s.secret, "crm": s.crm}))
        .collect();
    let crms: Map<String, Value> = crm::REQUIRED
        .iter()
        .map(|(crm, (setting, message))| (crm.to_string(), json!({"required": setting, "not_configured": message})))
        .collect();
    json!({
        "codes": codes,
        "actions": actions,
        "max_body_bytes": MAX_BODY_BYTES,
        "settings": settings,
        "crms": crms,
        "no_crm": crm::NO_CRM,
        "url_schemes": crm::URL_SCHEMES,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_says_what_the_core_decides() {
        let c = contract();
        assert_eq!(c["codes"]["payload_too_large"], json!({"status": 413, "message": "The body is over 65536 bytes."}));
        assert_eq!(c["codes"].as_object().map(Map::len), Some(Code::ALL.len()));
        for (name, action) in c["actions"].as_object().into_iter().flatten() {
            assert_eq!(Action::parse(Some(name)).map(Action::as_str), Ok(action.as_str().unwrap_or_default()));
        }
        assert_eq!(c["actions"]["add_user"], "add");
        assert_eq!(c["max_body_bytes"], 65536);
        assert_eq!(c["settings"][0]["key"], "crm");
        assert_eq!(
            c["settings"][6],
            json!({"key": "customerly_token", "default": "", "secret": true, "crm": "customerly"})
        );
        assert_eq!(
            c["settings"][14],
            json!({"key": "allowed_roles", "default": ["subscriber"], "secret": false, "crm": null})
        );
        assert_eq!(c["crms"]["customerio"]["required"], "customerio_app_key");
        assert_eq!(c["url_schemes"], json!(["http", "https"]));
    }
}
