//! What the shim needs to know of the core's rules, exported whole so that the shim restates none of them
//! (`wpf_webhooks_contract()`): every code with its HTTP status and default message, the action names with
//! WP Fusion's aliases, the body limit, every setting with its default and whether it is secret, each CRM as it
//! describes itself (`crm::Descriptor`), and the schemes a base-URL override may have.

use crate::crm::{self, Kind};
use crate::error::{Class, Code};
use crate::request::{Action, MAX_BODY_BYTES};
use crate::settings;
use crate::signature;
use serde_json::{json, Map, Value};

/// The contract as one JSON object:
/// - `codes`: code => `status`, `message`, `class` (one of `classes`);
/// - `classes`: the kinds of answer the log tells apart, in its order (`error::Class`);
/// - `actions`: name asked => action;
/// - `max_body_bytes`;
/// - `settings`: a list in the option's order of `key`, `default`, `secret`, `crm` (the CRM's value of `crm`,
///   null for the site's settings) and, for a CRM's setting, how it describes it: `kind` (`secret`, `choice`,
///   `base_url`), `label`, `help`, `options` (value => label, for a choice) and `wpf_option` (WP Fusion's key);
/// - `crms`: value of `crm` => `name`, `slug` (WP Fusion's), `required`, `not_configured`, `webhook_help`,
///   `example_body` (JSON text), in the order the settings page offers them;
/// - `no_crm`: the not-configured message when none is chosen;
/// - `url_schemes`;
/// - `signatures`: each signing scheme's `name` (as the log and the answers' verdicts give it), `label` and
///   `secret_setting`, the CRMs' first; `signature_tolerance_secs`;
/// - `username_formats`: each value of `username_format` => its label, the default first.
pub fn contract() -> Value {
    let codes: Map<String, Value> = Code::ALL
        .iter()
        .map(|c| {
            (c.as_str().to_string(), json!({"status": c.status(), "message": c.message(), "class": c.class().as_str()}))
        })
        .collect();
    let actions: Map<String, Value> =
        Action::NAMES.iter().map(|(name, action)| (name.to_string(), json!(action.as_str()))).collect();
    let settings: Vec<Value> = settings::schema().into_iter().map(|(s, default)| setting(s, default)).collect();
    let crms: Map<String, Value> = crm::ALL.iter().map(|d| (d.crm.to_string(), about(d))).collect();
    json!({
        "codes": codes,
        "classes": Class::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "actions": actions,
        "max_body_bytes": MAX_BODY_BYTES,
        "settings": settings,
        "crms": crms,
        "no_crm": crm::NO_CRM,
        "url_schemes": crm::URL_SCHEMES,
        "signatures": signature::schemes()
            .map(|s| json!({"name": s.name, "label": s.label, "secret_setting": s.secret_setting}))
            .collect::<Vec<_>>(),
        "signature_tolerance_secs": signature::TOLERANCE_SECS,
        "username_formats": settings::UsernameFormat::ALL
            .iter()
            .map(|(_, value, label)| (value.to_string(), json!(label)))
            .collect::<Map<String, Value>>(),
    })
}

/// One setting of the option; a CRM's also as the CRM describes it.
fn setting(s: settings::Setting, default: Value) -> Value {
    let mut entry = json!({"key": s.key, "default": default, "secret": s.secret, "crm": null});
    if let Some((d, setting)) = s.crm {
        let (kind, options) = match setting.kind {
            Kind::Secret => ("secret", Value::Null),
            Kind::Choice(options) => ("choice", options.iter().map(|(v, l)| (v.to_string(), json!(l))).collect()),
            Kind::BaseUrl => ("base_url", Value::Null),
        };
        entry["crm"] = json!(d.crm);
        entry["kind"] = json!(kind);
        entry["label"] = json!(setting.label);
        entry["help"] = json!(setting.help);
        entry["options"] = options;
        entry["wpf_option"] = json!(setting.wpf_option);
    }
    entry
}

/// A CRM as it describes itself, but for its settings (listed in `settings`) and its client.
fn about(d: &crm::Descriptor) -> Value {
    json!({
        "name": d.name,
        "slug": d.slug,
        "required": d.required,
        "not_configured": d.not_configured,
        "webhook_help": d.webhook_help,
        "example_body": d.example_body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_says_what_the_core_decides() {
        let c = contract();
        assert_eq!(
            c["codes"]["payload_too_large"],
            json!({"status": 413, "message": "The body is over 65536 bytes.", "class": "refused"})
        );
        assert_eq!(c["codes"]["crm_unavailable"]["class"], "crm");
        assert_eq!(c["codes"]["queued"]["class"], "success");
        assert_eq!(c["classes"], json!(["success", "client", "crm", "refused", "internal"]));
        assert_eq!(c["codes"].as_object().map(Map::len), Some(Code::ALL.len()));
        for (name, action) in c["actions"].as_object().into_iter().flatten() {
            assert_eq!(Action::parse(Some(name)).map(Action::as_str), Ok(action.as_str().unwrap_or_default()));
        }
        assert_eq!(c["actions"]["add_user"], "add");
        assert_eq!(c["max_body_bytes"], 65536);
        assert_eq!(c["settings"][0]["key"], "crm");
        assert_eq!(
            c["settings"][5],
            json!({"key": "customerio_region", "default": "us", "secret": false, "crm": "customerio", "kind": "choice",
                   "label": "Customer.io region", "help": "The data centre of the workspace; Test connection tells a wrong one.",
                   "options": {"us": "US", "eu": "EU"}, "wpf_option": "customer-io_region"})
        );
        assert_eq!(c["settings"][6]["key"], "customerio_signing_key");
        assert_eq!(c["settings"][6]["kind"], "secret");
        assert_eq!(c["settings"][9]["key"], "customerly_token");
        assert_eq!(c["settings"][9]["kind"], "secret");
        assert_eq!(
            c["settings"][15],
            json!({"key": "allowed_roles", "default": ["subscriber"], "secret": false, "crm": null})
        );
        assert_eq!(c["crms"]["customerio"]["required"], "customerio_app_key");
        assert_eq!(c["crms"]["customerio"]["slug"], "customer-io");
        let crms: Vec<&String> = c["crms"].as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(crms, ["customerio", "customerly"]);
        assert_eq!(c["url_schemes"], json!(["http", "https"]));
        assert_eq!(
            c["signatures"],
            json!([
                {"name": "customerio", "label": "Customer.io", "secret_setting": "customerio_signing_key"},
                {"name": "standard_webhooks", "label": "Standard Webhooks", "secret_setting": "standard_webhooks_secret"},
            ])
        );
        assert_eq!(c["signature_tolerance_secs"], 300);
        let formats: Vec<&String> = c["username_formats"].as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(formats, ["email", "flname", "fnamenum"]);
    }
}
