//! The PHP-facing functions: the only code that touches ext-php-rs. PHP arrays become JSON values on the way
//! in and JSON values become PHP arrays on the way out; every call is guarded so that a Rust panic becomes
//! an `internal_error` answer instead of taking the PHP worker down.

use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_row, info_table_start};
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use wpf_webhooks_core::redact::{Secrets, REDACTED};
use wpf_webhooks_core::{webhook, Code, Outcome, RawRequest, Site};

/// The deepest PHP array converted; deeper levels become `null`.
const MAX_DEPTH: usize = 64;

/// Adds the extension's functions and its `phpinfo()` section to the module.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(wpf_handle_webhook))
        .function(wrap_function!(wpf_handle_queued))
        .function(wrap_function!(wpf_return_password))
        .function(wrap_function!(wpf_webhooks_build_info))
        .function(wrap_function!(wpf_webhooks_contract))
        .function(wrap_function!(wpf_webhooks_generate_key))
        .function(wrap_function!(wpf_test_connection))
        .function(wrap_function!(wpf_webhooks_key_bits))
        .function(wrap_function!(wpf_webhooks_field_problem))
        .function(wrap_function!(wpf_webhooks_signing))
        .function(wrap_function!(wpf_webhooks_privileged_roles))
        .function(wrap_function!(wpf_webhooks_is_privileged))
        .function(wrap_function!(wpf_webhooks_privileged_capabilities))
        .function(wrap_function!(wpf_webhooks_redact_text))
        .info_function(module_info)
}

/// Decides one webhook. `$request` is `['method' => string, 'query' => string, 'body' => string, 'headers' =>
/// [name => value]]` (header names lower-case, `-`-separated); `$site` is `['settings' => array, 'roles' =>
/// array, 'default_role' => string, 'started_at' => float, 'proxy' => string]`. Returns an answer
/// (`['kind' => 'respond', 'status', 'code', 'message', 'retry_after', 'contact']`, `contact` the contact as the
/// request named it once identified, else null), a webhook to queue
/// (`['kind' => 'queue', 'action', 'delivery_key', 'contact', 'request']`, `request` being what to store) or a
/// plan (`['kind' => 'apply', …]`), each with `log_request`: the request as the log stores it, redacted, with,
/// once the access key was accepted, `signature`: the signature check's `['status' => 'unsigned'|'unchecked'|
/// 'verified'|'refused', 'scheme' => name|null, 'reason' => why it was refused|null]`.
#[php_function]
pub fn wpf_handle_webhook(request: &ZendHashTable, site: &ZendHashTable) -> Zval {
    let method = request.get("method").and_then(Zval::string).unwrap_or_default();
    decided(request, site, |raw, site| webhook::answer(raw, &method, site))
}

/// Decides a webhook taken from the queue: `$request` is the `request` a `queue` decision gave to store. No key
/// is checked (the stored request has none) and nothing is queued again; the CRM gets the background budget.
/// Returns an answer or a plan with `log_request` (method `QUEUE`), as [`wpf_handle_webhook`] does.
#[php_function]
pub fn wpf_handle_queued(request: &ZendHashTable, site: &ZendHashTable) -> Zval {
    decided(request, site, webhook::answer_queued)
}

/// An answer of `answer` on PHP's request and site arrays, guarded.
fn decided(request: &ZendHashTable, site: &ZendHashTable, answer: impl FnOnce(&RawRequest, &Site) -> Value) -> Zval {
    guarded(|| {
        let raw = raw_request(request);
        #[cfg(feature = "panic-test")]
        if raw.headers.contains_key("x-wpf-test-panic") {
            panic!("panic forced by the test suite");
        }
        let site = Site::from_value(&to_json(site));
        answer(&raw, &site)
    })
}

/// Text the log keeps (a message, a contact) with what may be secret replaced by `[redacted]`: every configured
/// credential, and the value after a secret-looking key (`"key": value`, `key=value`). `$site` is as for
/// [`wpf_handle_webhook`]; only its `settings` are read. Should it panic, the whole text is `[redacted]`.
#[php_function]
pub fn wpf_webhooks_redact_text(text: String, site: &ZendHashTable) -> String {
    catch_unwind(AssertUnwindSafe(|| Secrets::of(&Site::from_value(&to_json(site)).settings).redact_text(&text)))
        .unwrap_or_else(|_| REDACTED.to_string())
}

/// Writes a generated password to the contact's CRM field. Returns an answer: `code` `ok` when written.
#[php_function]
pub fn wpf_return_password(site: &ZendHashTable, email: String, field: String, password: String) -> Zval {
    guarded(|| {
        let site = Site::from_value(&to_json(site));
        match webhook::return_password(&site, &email, &field, &password) {
            Ok(()) => Outcome::new(Code::Ok, "the password was written to the CRM").to_value(),
            Err(failure) => failure.to_value(),
        }
    })
}

/// Checks the configured CRM's credentials within 5 s. Returns an answer: `code` `ok` with a message saying
/// what works, or the failure (`crm_error` for a rejected key or a wrong region, `crm_unavailable` for an
/// unreachable or slow CRM, `not_configured`).
#[php_function]
pub fn wpf_test_connection(site: &ZendHashTable) -> Zval {
    guarded(|| {
        let site = Site::from_value(&to_json(site));
        match webhook::test_connection(&site) {
            Ok(message) => Outcome::new(Code::Ok, message).to_value(),
            Err(failure) => failure.to_value(),
        }
    })
}

/// The estimated strength of an access key in bits (128 or more is strong).
#[php_function]
pub fn wpf_webhooks_key_bits(key: String) -> f64 {
    wpf_webhooks_core::auth::key_strength_bits(&key)
}

/// Why a WordPress field can never be the target of a field mapping, or null when it can.
#[php_function]
pub fn wpf_webhooks_field_problem(wp_field: String) -> Option<String> {
    wpf_webhooks_core::fields::forbidden_reason(&wp_field, &wpf_webhooks_core::crm::SLUGS).map(str::to_string)
}

/// The signing state of a `wpf_webhooks_settings` array: `['schemes' => [scheme name, …], 'armed' => [scheme
/// name, …], 'required' => bool, 'problems' => [setting key => why]]`: the schemes the site checks (its CRM's,
/// Standard Webhooks'), those whose secret can verify a webhook, whether unsigned webhooks are refused, and what
/// to refuse on save (a secret its scheme cannot read, `require_signature` without an armed scheme).
#[php_function]
pub fn wpf_webhooks_signing(settings: &ZendHashTable) -> Zval {
    let settings = wpf_webhooks_core::settings::Settings::from_value(&to_json(settings));
    to_zval(&wpf_webhooks_core::signature::state(&settings))
}

/// The slugs of the privileged roles among `wp_roles()->roles`: never assignable by a webhook.
#[php_function]
pub fn wpf_webhooks_privileged_roles(roles: &ZendHashTable) -> Vec<String> {
    let roles = wpf_webhooks_core::roles::Roles::from_value(&to_json(roles));
    roles.0.into_iter().filter(|r| r.is_privileged()).map(|r| r.slug).collect()
}

/// Whether a user with these capabilities (`WP_User::$allcaps`) is privileged: never modified by a webhook.
#[php_function]
pub fn wpf_webhooks_is_privileged(capabilities: &ZendHashTable) -> bool {
    wpf_webhooks_core::roles::is_privileged_caps(&to_json(capabilities))
}

/// Every privileged capability by name, for `user_can()`: a capability a plugin grants only when it is checked
/// (the `user_has_cap` filter) is not in `$allcaps`.
#[php_function]
pub fn wpf_webhooks_privileged_capabilities() -> Vec<String> {
    wpf_webhooks_core::roles::privileged_capabilities().into_iter().map(str::to_string).collect()
}

/// What this build is: `['version', 'git_revision', 'interface', 'php_api', 'profile']`.
#[php_function]
pub fn wpf_webhooks_build_info() -> Zval {
    to_zval(&build_info())
}

/// The core's rules the shim applies: `['codes' => [code => ['status', 'message']], 'actions' => [name =>
/// action], 'max_body_bytes', 'settings' => [['key', 'default', 'secret', 'crm'], …], 'crms' => [crm =>
/// ['required', 'not_configured']], 'no_crm', 'url_schemes']` (see `wpf_webhooks_core::contract`).
#[php_function]
pub fn wpf_webhooks_contract() -> Zval {
    to_zval(&wpf_webhooks_core::contract::contract())
}

/// A new access key (40 characters, about 238 random bits, URL-safe).
#[php_function]
pub fn wpf_webhooks_generate_key() -> String {
    wpf_webhooks_core::password::generate_access_key()
}

fn build_info() -> Value {
    serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "git_revision": env!("WPF_GIT_REVISION"),
        "interface": env!("WPF_INTERFACE_VERSION").parse::<u32>().unwrap_or(0),
        "php_api": ext_php_rs::ffi::ZEND_MODULE_API_NO,
        "profile": env!("WPF_BUILD_PROFILE"),
    })
}

/// The extension's section of `phpinfo()`: what the build is, and the limits a host admin may want to know.
/// There are no INI entries: the limits are fixed by the contract and every setting lives in WordPress.
extern "C" fn module_info(_module: *mut ModuleEntry) {
    use wpf_webhooks_core::{http, request};
    info_table_start!();
    info_table_row!("wpf_webhooks support", "enabled");
    info_table_row!("Version", env!("CARGO_PKG_VERSION"));
    info_table_row!("Git revision", env!("WPF_GIT_REVISION"));
    info_table_row!("Shim interface version", env!("WPF_INTERFACE_VERSION"));
    info_table_row!("Built for PHP API", ext_php_rs::ffi::ZEND_MODULE_API_NO.to_string());
    info_table_row!("Request body limit", format!("{} bytes", request::MAX_BODY_BYTES));
    info_table_row!("JSON nesting limit", request::MAX_JSON_DEPTH.to_string());
    info_table_row!("CRM budget per webhook", format!("{} ms", http::SYNC_BUDGET.as_millis()));
    info_table_row!("CRM connect timeout", format!("{} ms", http::CONNECT_TIMEOUT.as_millis()));
    info_table_row!("CRM attempts per call", http::MAX_ATTEMPTS.to_string());
    info_table_row!("INI settings", "none: every setting is in WordPress, Settings > Webhooks");
    info_table_end!();
}

/// Runs `f`, turning a panic into an `internal_error` answer.
fn guarded(f: impl FnOnce() -> Value) -> Zval {
    let value = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Outcome::new(Code::InternalError, "an unexpected error occurred; nothing was changed").to_value()
    });
    to_zval(&value)
}

fn raw_request(request: &ZendHashTable) -> RawRequest {
    let text = |key: &str| request.get(key).and_then(|z| z.zend_str()).map(|s| s.as_bytes().to_vec());
    let headers: BTreeMap<String, String> = request
        .get("headers")
        .and_then(Zval::array)
        .map(|h| {
            h.iter()
                .filter_map(|(k, v)| Some((k.to_string().to_ascii_lowercase(), v.zend_str()?.as_bytes().to_vec())))
                .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
                .collect()
        })
        .unwrap_or_default();
    RawRequest {
        query: String::from_utf8_lossy(&text("query").unwrap_or_default()).into_owned(),
        body: text("body").unwrap_or_default(),
        headers,
    }
}

/// A PHP array as JSON: lists (keys 0..n) become arrays, other arrays objects; objects and resources null.
fn to_json(array: &ZendHashTable) -> Value {
    array_to_json(array, 0)
}

fn array_to_json(array: &ZendHashTable, depth: usize) -> Value {
    if depth >= MAX_DEPTH {
        return Value::Null;
    }
    if array.has_sequential_keys() {
        Value::Array(array.values().map(|v| zval_to_json(v, depth + 1)).collect())
    } else {
        let map: Map<String, Value> = array.iter().map(|(k, v)| (k.to_string(), zval_to_json(v, depth + 1))).collect();
        Value::Object(map)
    }
}

fn zval_to_json(z: &Zval, depth: usize) -> Value {
    let z = z.dereference();
    if let Some(b) = z.bool() {
        Value::Bool(b)
    } else if let Some(n) = z.long() {
        Value::Number(n.into())
    } else if let Some(f) = z.double() {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    } else if let Some(s) = z.zend_str() {
        Value::String(String::from_utf8_lossy(s.as_bytes()).into_owned())
    } else if let Some(a) = z.array() {
        array_to_json(a, depth)
    } else {
        Value::Null
    }
}

/// A JSON value as a PHP value.
fn to_zval(value: &Value) -> Zval {
    let mut z = Zval::new();
    match value {
        Value::Null => z.set_null(),
        Value::Bool(b) => z.set_bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => z.set_long(i),
            None => z.set_double(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => {
            if z.set_string(s, false).is_err() {
                z.set_null();
            }
        }
        Value::Array(items) => {
            let mut ht = ZendHashTable::with_capacity(u32::try_from(items.len()).unwrap_or(u32::MAX));
            for item in items {
                let _ = ht.push(to_zval(item));
            }
            z.set_hashtable(ht);
        }
        Value::Object(map) => {
            let mut ht = ZendHashTable::with_capacity(u32::try_from(map.len()).unwrap_or(u32::MAX));
            for (k, v) in map {
                let _ = ht.insert(k.as_str(), to_zval(v));
            }
            z.set_hashtable(ht);
        }
    }
    z
}
