//! Signed webhooks (CONTRACT §2 "Signatures"): a signature checked after the access key and before anything
//! else, over the exact bytes received, with HMAC-SHA256 and a constant-time comparison.
//!
//! A scheme says which headers carry its signature, how the signed content is built and how its secret is
//! written. A CRM that signs describes its scheme beside itself (`crm::Descriptor::signature`, with its secret
//! among the CRM's settings); [`STANDARD_WEBHOOKS`] is any sender's, with the site's `standard_webhooks_secret`.

use crate::request::RawRequest;
use crate::settings::Settings;
use base64::prelude::{Engine, BASE64_STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::BTreeMap;
use subtle::{Choice, ConstantTimeEq};

/// How far a signature's timestamp may be from the site's clock, either way, in seconds.
pub const TOLERANCE_SECS: i64 = 300;

/// The longest signature or timestamp header read; a longer one is refused unread.
pub const MAX_HEADER_BYTES: usize = 4096;

/// The prefix of a Standard Webhooks secret (optional when the secret is set).
pub const WHSEC_PREFIX: &str = "whsec_";

/// A way of signing webhooks.
pub struct Scheme {
    /// Its name in the log and in `wpf_handle_webhook()`'s answer.
    pub name: &'static str,
    /// Its name for the site's owner.
    pub label: &'static str,
    /// The setting holding its secret.
    pub secret_setting: &'static str,
    /// The header whose presence makes a request signed in this scheme (the log keeps it as present only).
    pub signature_header: &'static str,
    /// The header with the signature's timestamp (the log keeps it).
    pub timestamp_header: &'static str,
    /// The signed header that names a delivery, by which a verified webhook is remembered (see [`delivery_key`]);
    /// none when the scheme signs no delivery id.
    pub delivery_header: Option<&'static str>,
    /// The secret's bytes from the setting's text, or why it is not a secret of this scheme.
    pub key: fn(&str) -> Result<Vec<u8>, &'static str>,
    /// The signed content and the signatures the request offers, from its headers and body; or why they are
    /// malformed. Each offered signature is compared with the HMAC of the content.
    pub offered: fn(&Headers, &[u8]) -> Result<Signed, String>,
}

/// Headers as the shim passes them: names lower-cased.
pub type Headers = BTreeMap<String, String>;

/// What a request signed: the content to compute the HMAC of, its timestamp and the signatures it offers.
pub struct Signed {
    pub content: Vec<u8>,
    pub timestamp: i64,
    pub signatures: Vec<Vec<u8>>,
}

/// Standard Webhooks (<https://www.standardwebhooks.com>): `webhook-id`, `webhook-timestamp` and
/// `webhook-signature`, a space-separated list of `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, keyed
/// with the base64-decoded secret (`whsec_` + base64).
pub const STANDARD_WEBHOOKS: Scheme = Scheme {
    name: "standard_webhooks",
    label: "Standard Webhooks",
    secret_setting: "standard_webhooks_secret",
    signature_header: "webhook-signature",
    timestamp_header: "webhook-timestamp",
    delivery_header: Some("webhook-id"),
    key: |secret| {
        let encoded = secret.strip_prefix(WHSEC_PREFIX).unwrap_or(secret);
        match BASE64_STANDARD.decode(encoded) {
            Ok(key) if !key.is_empty() => Ok(key),
            _ => Err("a Standard Webhooks secret is whsec_ followed by base64"),
        }
    },
    offered: |headers, body| {
        let id = header(headers, "webhook-id")?.ok_or("it has no webhook-id")?;
        let at = header(headers, "webhook-timestamp")?.ok_or("it has no webhook-timestamp")?;
        let timestamp = unix_time(at)?;
        let listed = header(headers, "webhook-signature")?.unwrap_or_default();
        let signatures: Vec<Vec<u8>> = listed
            .split_ascii_whitespace()
            .filter_map(|s| s.strip_prefix("v1,"))
            .map(|s| BASE64_STANDARD.decode(s).unwrap_or_default())
            .collect();
        if signatures.is_empty() {
            return Err("its webhook-signature has no v1 signature".into());
        }
        Ok(Signed { content: [id.as_bytes(), b".", at.as_bytes(), b".", body].concat(), timestamp, signatures })
    },
};

/// Every scheme: each CRM's that signs, then [`STANDARD_WEBHOOKS`].
pub fn schemes() -> impl Iterator<Item = &'static Scheme> {
    crate::crm::ALL.iter().filter_map(|d| d.signature).chain(std::iter::once(&STANDARD_WEBHOOKS))
}

/// The schemes a site checks: its chosen CRM's, if that CRM signs, and [`STANDARD_WEBHOOKS`]. The secret of a CRM
/// not chosen (left from before a switch, on a hidden part of the settings page) is not used.
pub fn schemes_of(settings: &Settings) -> impl Iterator<Item = &'static Scheme> {
    crate::crm::descriptor(&settings.crm)
        .and_then(|d| d.signature)
        .into_iter()
        .chain(std::iter::once(&STANDARD_WEBHOOKS))
}

/// The schemes of a site whose secret is set and readable: those that can verify a webhook.
pub fn armed(settings: &Settings) -> impl Iterator<Item = &'static Scheme> + '_ {
    schemes_of(settings).filter(|s| {
        let secret = settings.secret(s.secret_setting);
        !secret.is_empty() && (s.key)(secret).is_ok()
    })
}

/// The key a delivery is remembered by, to answer it `duplicate` once it succeeded (CONTRACT §2 "Delivery ids"):
/// for a webhook verified in a scheme that signs a delivery id (Standard Webhooks' `webhook-id`), that id under the
/// scheme's name, so that no unsigned header can make a replay new nor an unsigned request take a signed
/// delivery's key; else the request's delivery id (Customer.io signs none: two of its webhooks may carry the same
/// signature, one body signed in the same second).
pub fn delivery_key(verdict: &Verdict, raw: &RawRequest) -> Option<String> {
    let signed = match verdict {
        Verdict::Verified(name) => schemes().find(|s| s.name == *name).and_then(|s| Some((*name, s.delivery_header?))),
        _ => None,
    };
    let Some((name, header)) = signed else {
        return raw.delivery_key();
    };
    let id = raw.headers.get(header).map_or("", |v| v.trim());
    Some(crate::request::hex_sha256(format!("{name}:{id}").as_bytes()))
}

/// A header's value, trimmed, or why it is refused unread (over [`MAX_HEADER_BYTES`]).
pub fn header<'a>(headers: &'a Headers, name: &str) -> Result<Option<&'a str>, String> {
    match headers.get(name) {
        Some(value) if value.len() > MAX_HEADER_BYTES => Err(format!("its {name} is over {MAX_HEADER_BYTES} bytes")),
        Some(value) => Ok(Some(value.trim())),
        None => Ok(None),
    }
}

/// A timestamp header: Unix seconds, digits only.
pub fn unix_time(text: &str) -> Result<i64, String> {
    match text.parse::<i64>() {
        Ok(t) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => Ok(t),
        _ => Err("its timestamp is not a Unix time in seconds".into()),
    }
}

/// What the signature check found for one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No scheme's signature header.
    Unsigned,
    /// Signed in a scheme whose secret is not set: nothing to check it with.
    Unchecked(&'static str),
    /// Signed, and the signature matches its scheme's secret within the tolerance.
    Verified(&'static str),
    /// A signature that is wrong, stale or malformed, or none (or none that could be checked) where signatures
    /// are required: `403 forbidden`. The reason is for the log only.
    Refused { scheme: Option<&'static str>, reason: String },
}

impl Verdict {
    /// `unsigned`, `unchecked`, `verified` or `refused`: the log's `signature` column.
    pub fn status(&self) -> &'static str {
        match self {
            Verdict::Unsigned => "unsigned",
            Verdict::Unchecked(_) => "unchecked",
            Verdict::Verified(_) => "verified",
            Verdict::Refused { .. } => "refused",
        }
    }

    /// `{status, scheme, reason}` as `wpf_handle_webhook()` answers it (scheme and reason null when none).
    pub fn to_value(&self) -> Value {
        let (scheme, reason) = match self {
            Verdict::Unsigned => (None, None),
            Verdict::Unchecked(s) | Verdict::Verified(s) => (Some(*s), None),
            Verdict::Refused { scheme, reason } => (*scheme, Some(reason.as_str())),
        };
        json!({"status": self.status(), "scheme": scheme, "reason": reason})
    }
}

/// Whether the site refuses webhooks without a verified signature: `require_signature` counts only while a
/// signing secret its scheme can read is set, so that a site can never refuse every webhook.
pub fn required(settings: &Settings) -> bool {
    settings.require_signature && armed(settings).next().is_some()
}

/// Checks a webhook's signatures at `now` (Unix seconds) in the site's [schemes](schemes_of). A wrong, stale or
/// malformed signature is refused in any of them whose secret is set; one in a scheme without a secret is
/// unchecked.
pub fn check(headers: &Headers, body: &[u8], settings: &Settings, now: i64) -> Verdict {
    let mut verdict = Verdict::Unsigned;
    for scheme in schemes_of(settings) {
        if !headers.contains_key(scheme.signature_header) {
            continue;
        }
        let secret = settings.secret(scheme.secret_setting);
        if secret.is_empty() {
            if verdict == Verdict::Unsigned {
                verdict = Verdict::Unchecked(scheme.name);
            }
            continue;
        }
        match verify(scheme, secret, headers, body, now) {
            Ok(()) => verdict = Verdict::Verified(scheme.name),
            Err(reason) => {
                return Verdict::Refused { scheme: Some(scheme.name), reason: format!("{} {reason}", scheme.label) }
            }
        }
    }
    match verdict {
        Verdict::Verified(_) => verdict,
        _ if required(settings) => Verdict::Refused {
            scheme: None,
            reason: match verdict {
                Verdict::Unchecked(name) => format!(
                    "signatures are required, and this webhook is signed as {} but no secret is set to check it",
                    schemes().find(|s| s.name == name).map_or(name, |s| s.label)
                ),
                _ => "signatures are required, and this webhook is unsigned".into(),
            },
        },
        _ => verdict,
    }
}

/// One scheme's check of a request signed in it: why it fails, after the scheme's label.
fn verify(scheme: &Scheme, secret: &str, headers: &Headers, body: &[u8], now: i64) -> Result<(), String> {
    let key = (scheme.key)(secret)
        .map_err(|why| format!("signature cannot be checked: the secret set is not valid ({why})"))?;
    let signed = (scheme.offered)(headers, body).map_err(|why| format!("signature is malformed: {why}"))?;
    if !bool::from(matches_any(&key, &signed.content, &signed.signatures)) {
        return Err("signature does not match".into());
    }
    let (age, ahead) = (now.saturating_sub(signed.timestamp), signed.timestamp.saturating_sub(now));
    if age > TOLERANCE_SECS {
        return Err(format!("signature is {age} s old (at most {TOLERANCE_SECS} s)"));
    }
    if ahead > TOLERANCE_SECS {
        return Err(format!("signature is dated {ahead} s ahead of the site's clock (at most {TOLERANCE_SECS} s)"));
    }
    Ok(())
}

/// Whether any offered signature is the HMAC-SHA256 of `content` keyed with `key`: every one is compared, each in
/// constant time (`subtle`), so the time taken tells nothing of where a signature differs.
pub fn matches_any(key: &[u8], content: &[u8], offered: &[Vec<u8>]) -> Choice {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(content);
    let expected = mac.finalize().into_bytes();
    offered.iter().fold(Choice::from(0), |any, given| any | expected.as_slice().ct_eq(given))
}

/// The signing state of a site's settings, for the settings page and Site Health (`wpf_webhooks_signing()`):
/// `schemes`, the names of the schemes it checks ([`schemes_of`]); `armed`, those that can verify a webhook
/// ([`armed`]); `required` ([`required`]); `problems` ([`problems`]).
pub fn state(settings: &Settings) -> Value {
    json!({
        "schemes": schemes_of(settings).map(|s| s.name).collect::<Vec<_>>(),
        "armed": armed(settings).map(|s| s.name).collect::<Vec<_>>(),
        "required": required(settings),
        "problems": problems(settings),
    })
}

/// What is wrong with the signing settings of an option (key => why), for the settings page: a secret its
/// scheme cannot read, and `require_signature` without a secret.
pub fn problems(settings: &Settings) -> BTreeMap<&'static str, String> {
    let mut problems = BTreeMap::new();
    for scheme in schemes() {
        let secret = settings.secret(scheme.secret_setting);
        if let (false, Err(why)) = (secret.is_empty(), (scheme.key)(secret)) {
            problems.insert(scheme.secret_setting, why.to_string());
        }
    }
    if settings.require_signature && !required(settings) {
        problems.insert("require_signature", "signatures can be required only while a signing secret is set".into());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    /// Vectors computed outside this code: `printf 'v0:1700000000:{"email":"jane@example.com"}' | openssl dgst
    /// -sha256 -hmac 'cio-signing-key-0123456789'`, and the Standard Webhooks specification's own example.
    const CIO_KEY: &str = "cio-signing-key-0123456789";
    const CIO_BODY: &str = r#"{"email":"jane@example.com"}"#;
    const CIO_TS: i64 = 1_700_000_000;
    const CIO_SIGNATURE: &str = "69063fcbe7eab2a2b6f26f95403f28ec36bfb8ef434c4af00059415d4de81dd4";
    const SW_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SW_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SW_TS: i64 = 1_614_265_330;
    const SW_BODY: &str = r#"{"test": 2432232314}"#;
    const SW_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn settings(cio: &str, sw: &str, require: bool) -> Settings {
        let mut s = Settings { crm: "customerio".into(), ..Settings::default() };
        s.crm_settings.insert("customerio_signing_key".into(), cio.into());
        s.standard_webhooks_secret = sw.into();
        s.require_signature = require;
        s
    }

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn cio(signature: &str, ts: &str) -> Headers {
        headers(&[("x-cio-signature", signature), ("x-cio-timestamp", ts)])
    }

    fn sw(signature: &str) -> Headers {
        headers(&[("webhook-id", SW_ID), ("webhook-timestamp", "1614265330"), ("webhook-signature", signature)])
    }

    fn refused(v: &Verdict) -> &str {
        match v {
            Verdict::Refused { reason, .. } => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn customerio_vectors_verify_and_anything_else_is_refused() {
        let s = settings(CIO_KEY, "", false);
        let ts = CIO_TS.to_string();
        let at = |h: &Headers, now| check(h, CIO_BODY.as_bytes(), &s, now);
        assert_eq!(at(&cio(CIO_SIGNATURE, &ts), CIO_TS), Verdict::Verified("customerio"));
        assert_eq!(at(&cio(&format!("  {CIO_SIGNATURE} "), &ts), CIO_TS), Verdict::Verified("customerio"));
        assert_eq!(
            check(&cio(CIO_SIGNATURE, &ts), b"{\"email\":\"jane@example.com\"} ", &s, CIO_TS).status(),
            "refused"
        );
        let other_key = settings("another-key", "", false);
        assert!(refused(&check(&cio(CIO_SIGNATURE, &ts), CIO_BODY.as_bytes(), &other_key, CIO_TS))
            .contains("does not match"));
        let flipped = format!("{}0", &CIO_SIGNATURE[..63]);
        for (signature, why) in [
            (flipped.as_str(), "does not match"),
            (&CIO_SIGNATURE[..62], "malformed"),
            (&format!("{CIO_SIGNATURE}00"), "malformed"),
            ("zz063fcbe7eab2a2b6f26f95403f28ec36bfb8ef434c4af00059415d4de81dd4", "malformed"),
            ("", "malformed"),
            (&format!("{CIO_SIGNATURE},{CIO_SIGNATURE}"), "malformed"),
            (&format!("{CIO_SIGNATURE} {CIO_SIGNATURE}"), "malformed"),
            (&format!("sha256={CIO_SIGNATURE}"), "malformed"),
            (&"a".repeat(MAX_HEADER_BYTES + 1), "over 4096 bytes"),
        ] {
            let reason = refused(&at(&cio(signature, &ts), CIO_TS)).to_string();
            assert!(reason.starts_with("Customer.io signature") && reason.contains(why), "{signature:.80}: {reason}");
        }
        for bad_ts in ["", "-1700000000", "1700000000.5", "0x65", "+1700000000", "99999999999999999999999"] {
            assert!(refused(&at(&cio(CIO_SIGNATURE, bad_ts), CIO_TS)).contains("malformed"), "{bad_ts}");
        }
        let no_ts = headers(&[("x-cio-signature", CIO_SIGNATURE)]);
        assert!(refused(&at(&no_ts, CIO_TS)).contains("no x-cio-timestamp"));
        assert_eq!(
            at(&headers(&[("x-cio-timestamp", &ts)]), CIO_TS),
            Verdict::Unsigned,
            "a timestamp alone signs nothing"
        );
    }

    #[test]
    fn the_timestamp_may_be_300_seconds_off_either_way_and_no_more() {
        let s = settings(CIO_KEY, SW_SECRET, false);
        let ts = CIO_TS.to_string();
        for (now, ok) in [
            (CIO_TS + 300, true),
            (CIO_TS - 300, true),
            (CIO_TS + 301, false),
            (CIO_TS - 301, false),
            (0, false),
            (i64::MAX, false),
            (i64::MIN, false),
        ] {
            let v = check(&cio(CIO_SIGNATURE, &ts), CIO_BODY.as_bytes(), &s, now);
            assert_eq!(v.status() == "verified", ok, "now {now}: {v:?}");
        }
        assert!(refused(&check(&cio(CIO_SIGNATURE, &ts), CIO_BODY.as_bytes(), &s, CIO_TS + 301)).contains("301 s old"));
        assert!(
            refused(&check(&cio(CIO_SIGNATURE, &ts), CIO_BODY.as_bytes(), &s, CIO_TS - 400)).contains("400 s ahead")
        );
        assert_eq!(
            check(&sw(SW_SIGNATURE), SW_BODY.as_bytes(), &s, SW_TS - 300),
            Verdict::Verified("standard_webhooks")
        );
        assert!(refused(&check(&sw(SW_SIGNATURE), SW_BODY.as_bytes(), &s, SW_TS + 301)).contains("301 s old"));
    }

    #[test]
    fn standard_webhooks_vectors_several_signatures_and_malformed_headers() {
        let s = settings("", SW_SECRET, false);
        let at = |h: &Headers| check(h, SW_BODY.as_bytes(), &s, SW_TS);
        assert_eq!(at(&sw(SW_SIGNATURE)), Verdict::Verified("standard_webhooks"));
        let unprefixed = settings("", SW_SECRET.trim_start_matches(WHSEC_PREFIX), false);
        assert_eq!(check(&sw(SW_SIGNATURE), SW_BODY.as_bytes(), &unprefixed, SW_TS).status(), "verified");
        let wrong = "v1,K0K3o7mwwyq6/edHiiJLxawoyVdLjveqVK/V8Yhqq/g=";
        for listed in [
            format!("{wrong} {SW_SIGNATURE}"),
            format!("v1a,abc  {SW_SIGNATURE}\t{wrong}"),
            format!("v2,xyz {SW_SIGNATURE}"),
            format!("v1,%%% {SW_SIGNATURE}"),
        ] {
            assert_eq!(at(&sw(&listed)).status(), "verified", "{listed}");
        }
        for (listed, why) in [
            (wrong.to_string(), "does not match"),
            (SW_SIGNATURE.trim_start_matches("v1,").to_string(), "no v1 signature"),
            (format!("v1a,{}", &SW_SIGNATURE[3..]), "no v1 signature"),
            ("v1,".to_string(), "does not match"),
            ("v1,not base64!".to_string(), "does not match"),
            (" ".to_string(), "no v1 signature"),
            (format!("{SW_SIGNATURE} ").repeat(200), "over 4096 bytes"),
        ] {
            let reason = refused(&at(&sw(&listed))).to_string();
            assert!(
                reason.starts_with("Standard Webhooks signature") && reason.contains(why),
                "{listed:.80}: {reason}"
            );
        }
        let mut other_id = sw(SW_SIGNATURE);
        other_id.insert("webhook-id".into(), "msg_other".into());
        assert!(refused(&at(&other_id)).contains("does not match"), "the id is signed");
        for missing in ["webhook-id", "webhook-timestamp"] {
            let mut h = sw(SW_SIGNATURE);
            h.remove(missing);
            assert!(refused(&at(&h)).contains(&format!("no {missing}")), "{missing}");
        }
        let broken = settings("", "whsec_not*base64", false);
        assert!(refused(&check(&sw(SW_SIGNATURE), SW_BODY.as_bytes(), &broken, SW_TS)).contains("cannot be checked"));
    }

    #[test]
    fn without_a_secret_a_signature_is_unchecked_and_requiring_needs_a_secret() {
        let none = settings("", "", true);
        assert!(!required(&none), "require_signature without a secret would refuse every webhook");
        assert_eq!(check(&cio(CIO_SIGNATURE, "1"), b"", &none, 0), Verdict::Unchecked("customerio"));
        assert_eq!(check(&sw("v1,x"), b"", &none, 0), Verdict::Unchecked("standard_webhooks"));
        assert_eq!(check(&Headers::new(), b"", &none, 0), Verdict::Unsigned);
        assert_eq!(problems(&none).keys().copied().collect::<Vec<_>>(), ["require_signature"]);

        let cio_only = settings(CIO_KEY, "", true);
        assert!(required(&cio_only));
        assert!(refused(&check(&Headers::new(), b"", &cio_only, 0)).contains("unsigned"));
        assert!(refused(&check(&sw(SW_SIGNATURE), SW_BODY.as_bytes(), &cio_only, SW_TS))
            .contains("signed as Standard Webhooks but no secret"));
        let ts = CIO_TS.to_string();
        assert_eq!(
            check(&cio(CIO_SIGNATURE, &ts), CIO_BODY.as_bytes(), &cio_only, CIO_TS),
            Verdict::Verified("customerio")
        );
        assert!(problems(&cio_only).is_empty());
        assert_eq!(
            problems(&settings("", "whsec_***", false)).get("standard_webhooks_secret").map(String::as_str),
            Some("a Standard Webhooks secret is whsec_ followed by base64")
        );
        let unreadable = settings("", "whsec_***", true);
        assert!(!required(&unreadable), "a secret that cannot check anything does not make signatures required");
        assert_eq!(problems(&unreadable).len(), 2);
    }

    #[test]
    fn a_site_checks_its_own_crms_scheme_and_standard_webhooks_only() {
        let ts = CIO_TS.to_string();
        let mut customerly = settings(CIO_KEY, "", true);
        customerly.crm = "customerly".into();
        assert!(!required(&customerly), "a Customer.io key left from before cannot make a Customerly site refuse all");
        assert_eq!(check(&cio(CIO_SIGNATURE, &ts), CIO_BODY.as_bytes(), &customerly, CIO_TS), Verdict::Unsigned);
        assert_eq!(check(&cio("0", &ts), CIO_BODY.as_bytes(), &customerly, CIO_TS), Verdict::Unsigned);
        assert_eq!(armed(&customerly).count(), 0);
        customerly.standard_webhooks_secret = SW_SECRET.into();
        assert!(required(&customerly));
        assert_eq!(armed(&customerly).map(|s| s.name).collect::<Vec<_>>(), ["standard_webhooks"]);
        let mut unchosen = settings(CIO_KEY, "", true);
        unchosen.crm = String::new();
        assert!(!required(&unchosen));
        assert_eq!(
            state(&settings(CIO_KEY, "whsec_***", true)),
            json!({"schemes": ["customerio", "standard_webhooks"], "armed": ["customerio"], "required": true,
                   "problems": {"standard_webhooks_secret": "a Standard Webhooks secret is whsec_ followed by base64"}})
        );
    }

    #[test]
    fn customerio_signatures_are_lower_case_hex_so_a_replay_cannot_respell_one() {
        let s = settings(CIO_KEY, "", false);
        let ts = CIO_TS.to_string();
        let upper = cio(&CIO_SIGNATURE.to_ascii_uppercase(), &ts);
        assert!(refused(&check(&upper, CIO_BODY.as_bytes(), &s, CIO_TS)).contains("malformed"));
    }

    #[test]
    fn both_schemes_at_once_must_both_hold() {
        let s = settings(CIO_KEY, SW_SECRET, false);
        let mut both = sw(SW_SIGNATURE);
        both.extend(cio(CIO_SIGNATURE, &CIO_TS.to_string()));
        let body = SW_BODY.as_bytes();
        assert_eq!(check(&both, body, &s, SW_TS).status(), "refused", "the Customer.io signature is not of this body");
        let only_sw = settings("", SW_SECRET, false);
        assert_eq!(check(&both, body, &only_sw, SW_TS), Verdict::Verified("standard_webhooks"));
    }

    #[test]
    fn the_comparison_is_subtles_constant_time_one_over_every_offered_signature() {
        let key = b"k";
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("key");
        mac.update(b"content");
        let right = mac.finalize().into_bytes().to_vec();
        let mut wrong = right.clone();
        wrong[0] ^= 1;
        let choice: Choice = matches_any(key, b"content", &[wrong.clone(), right.clone()]);
        assert!(bool::from(choice));
        assert!(!bool::from(matches_any(key, b"content", &[wrong, right[..31].to_vec(), Vec::new()])));
        assert!(!bool::from(matches_any(key, b"content", &[])));
    }

    #[test]
    fn verdicts_on_the_wire() {
        assert_eq!(Verdict::Unsigned.to_value(), json!({"status": "unsigned", "scheme": null, "reason": null}));
        assert_eq!(
            Verdict::Refused { scheme: Some("customerio"), reason: "x".into() }.to_value(),
            json!({"status": "refused", "scheme": "customerio", "reason": "x"})
        );
    }
}
