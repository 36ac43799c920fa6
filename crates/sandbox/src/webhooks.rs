//! `POST /_sandbox/webhooks`: the sandbox sends a webhook to a site, signed as Customer.io or as a Standard
//! Webhooks sender, and answers with what the site answered.
//!
//! The control API turns the request's body into a [`Delivery`] while it holds the state (for the configured
//! secrets); the delivery is sent once the state is released, since the site may call the sandbox's APIs
//! while it handles the webhook.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;
use ureq::http::{HeaderName, HeaderValue, Uri};

use crate::http::Response;
use crate::model::{new_id, Config};
use crate::state::now_secs;

/// Longest a delivery may take: connecting, sending, and reading the site's answer.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Who the webhook is signed as.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Sign {
    /// No signature.
    #[default]
    None,
    /// Customer.io: `X-CIO-Timestamp`, `X-CIO-Signature`, `X-CIO-Delivery-Id`.
    Customerio,
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    StandardWebhooks,
}

/// The body of `POST /_sandbox/webhooks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Order {
    /// Where to `POST` it: an `http://` URL.
    url: String,
    /// The body, sent byte for byte.
    #[serde(default)]
    body: String,
    #[serde(default)]
    sign: Sign,
    /// Signing secret instead of the configured one.
    secret: Option<String>,
    /// Unix seconds instead of now.
    timestamp: Option<i64>,
    /// Delivery id instead of a new one.
    delivery_id: Option<String>,
    /// Signature header value instead of the computed one.
    signature: Option<String>,
    /// More headers (names in any case), replacing the sandbox's of the same name.
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

impl Order {
    /// The webhook to send, signed with the order's secret or else the configured one; why not, when it
    /// cannot be sent.
    pub(crate) fn delivery(self, config: &Config) -> Result<Delivery, String> {
        let url: Uri = self.url.parse().map_err(|e| format!("invalid url: {e}"))?;
        if url.scheme_str() != Some("http") || url.host().is_none() {
            return Err("url must be an http:// URL".to_owned());
        }
        if matches!(self.sign, Sign::None) && (self.secret.is_some() || self.signature.is_some()) {
            return Err("secret and signature need sign customerio or standard_webhooks".to_owned());
        }
        let timestamp = match self.timestamp {
            Some(timestamp) => timestamp.to_string(),
            None => now_secs().to_string(),
        };
        let id_given = self.delivery_id.is_some();
        let id = self.delivery_id.unwrap_or_else(|| new_id("msg_"));
        let mut headers = BTreeMap::from([("content-type".to_owned(), "application/json".to_owned())]);
        let mut set = |name: &str, value: String| headers.insert(name.to_owned(), value);
        match self.sign {
            Sign::None => {
                if id_given {
                    set("x-cio-delivery-id", id);
                }
            }
            Sign::Customerio => {
                let secret = self.secret.as_deref().unwrap_or(&config.cio_signing_key);
                let signature = self.signature.unwrap_or_else(|| customerio_signature(secret, &timestamp, &self.body));
                set("x-cio-timestamp", timestamp);
                set("x-cio-signature", signature);
                set("x-cio-delivery-id", id);
            }
            Sign::StandardWebhooks => {
                let signature = match self.signature {
                    Some(signature) => signature,
                    None => {
                        let secret = self.secret.as_deref().unwrap_or(&config.standard_webhooks_secret);
                        standard_webhooks_signature(secret, &id, &timestamp, &self.body)?
                    }
                };
                set("webhook-id", id);
                set("webhook-timestamp", timestamp);
                set("webhook-signature", signature);
            }
        }
        for (name, value) in self.headers {
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("invalid header name {name:?}"))?;
            HeaderValue::from_str(&value).map_err(|_| format!("invalid value for header {name:?}"))?;
            headers.insert(name.to_ascii_lowercase(), value);
        }
        Ok(Delivery { url, body: self.body.into_bytes(), headers })
    }
}

/// A webhook ready to be sent.
#[derive(Debug)]
pub(crate) struct Delivery {
    url: Uri,
    body: Vec<u8>,
    /// Every header the sandbox sets, names lower-cased (the HTTP client adds `Host`, `Content-Length` and
    /// its own `User-Agent` and `Accept`).
    headers: BTreeMap<String, String>,
}

impl Delivery {
    /// Sends it (no redirect followed, no proxy) and answers `{"status", "headers", "body", "sent"}` with the
    /// site's answer, or 502 `{"error"}` when there was none.
    pub(crate) fn send(self) -> Response {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .build()
            .into();
        let mut request = agent.post(&self.url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let mut answer = match request.send(&self.body[..]) {
            Ok(answer) => answer,
            Err(e) => return failed(&format!("cannot send to {}: {e}", self.url)),
        };
        let body = match answer.body_mut().read_to_vec() {
            Ok(body) => body,
            Err(e) => return failed(&format!("cannot read the answer of {}: {e}", self.url)),
        };
        let mut headers = BTreeMap::<&str, String>::new();
        for (name, value) in answer.headers() {
            let value = String::from_utf8_lossy(value.as_bytes());
            headers
                .entry(name.as_str())
                .and_modify(|joined| {
                    joined.push_str(", ");
                    joined.push_str(&value);
                })
                .or_insert_with(|| value.into_owned());
        }
        Response::json(
            200,
            &json!({
                "status": answer.status().as_u16(),
                "headers": headers,
                "body": String::from_utf8_lossy(&body),
                "sent": self.headers,
            }),
        )
    }
}

/// A 502 saying why the site gave no answer.
fn failed(message: &str) -> Response {
    Response::json(502, &json!({"error": message}))
}

/// HMAC-SHA256 of `message` keyed with `key`.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// Customer.io's `X-CIO-Signature`: the lower-case hex HMAC-SHA256, keyed with the signing key's bytes, of
/// `v0:TIMESTAMP:BODY`.
fn customerio_signature(key: &str, timestamp: &str, body: &str) -> String {
    let mac = hmac_sha256(key.as_bytes(), format!("v0:{timestamp}:{body}").as_bytes());
    mac.iter().map(|b| format!("{b:02x}")).collect()
}

/// Standard Webhooks' `webhook-signature`: `v1,` and the base64 HMAC-SHA256, keyed with the secret's bytes
/// (`whsec_` and base64, or just the base64), of `ID.TIMESTAMP.BODY`.
fn standard_webhooks_signature(secret: &str, id: &str, timestamp: &str, body: &str) -> Result<String, String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| "a Standard Webhooks secret is whsec_ and base64".to_owned())?;
    Ok(format!("v1,{}", STANDARD.encode(hmac_sha256(&key, format!("{id}.{timestamp}.{body}").as_bytes()))))
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use serde_json::{json, Value};

    use crate::testkit::{control, sandbox, Answer, Client, Site, APP};
    use crate::{ConfigUpdate, Sandbox, APP_KEY};

    const BODY: &str = r#"{"email":"a@b.c"}"#;
    /// `printf 'v0:1700000000:{"email":"a@b.c"}' | openssl dgst -sha256 -hmac 'sandbox-cio-signing-key'`
    const CIO_SIGNATURE: &str = "4dce6463966b6658515601e5cc59d6bdc690f4d80e14c2a21f3e54c248d82ee5";
    /// `printf 'msg_1.1700000000.{"email":"a@b.c"}' | openssl dgst -sha256 -mac HMAC -macopt hexkey:HEX -binary
    /// | base64`, HEX being the hex of `wpf-sandbox-standard-webhooks-32` (the default secret's bytes).
    const STANDARD_SIGNATURE: &str = "v1,jYE4CZ6qZ1bEVsjm8xu+ce7efxi5GeG65Dm5hlEGytE=";

    fn send(sandbox: &Sandbox, order: Value) -> Answer {
        control(sandbox, "POST", "/_sandbox/webhooks", Some(order))
    }

    /// The names of the headers that sign, or say which delivery it is.
    fn signing_headers(headers: &[(String, String)]) -> Vec<&str> {
        headers
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| n.starts_with("x-cio-") || n.starts_with("webhook-"))
            .collect()
    }

    #[test]
    fn signs_as_customerio() {
        let sandbox = sandbox();
        let site = Site::start();
        let answer = send(
            &sandbox,
            json!({"url": site.url, "body": BODY, "sign": "customerio", "timestamp": 1_700_000_000,
                   "delivery_id": "msg_1"}),
        );
        let received = site.received();
        assert_eq!((received.method.as_str(), received.target.as_str()), ("POST", "/hook?x=1"));
        assert_eq!(received.body, BODY.as_bytes());
        assert_eq!(received.header("content-type"), Some("application/json"));
        assert_eq!(received.header("x-cio-timestamp"), Some("1700000000"));
        assert_eq!(received.header("x-cio-signature"), Some(CIO_SIGNATURE));
        assert_eq!(received.header("x-cio-delivery-id"), Some("msg_1"));
        assert_eq!(signing_headers(&received.headers).len(), 3);
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.json(),
            json!({
                "status": 200,
                "headers": {"content-type": "application/json", "x-site": "yes", "content-length": "11",
                            "connection": "close"},
                "body": r#"{"ok":true}"#,
                "sent": {"content-type": "application/json", "x-cio-timestamp": "1700000000",
                         "x-cio-signature": CIO_SIGNATURE, "x-cio-delivery-id": "msg_1"},
            })
        );
    }

    #[test]
    fn signs_as_a_standard_webhooks_sender() {
        let sandbox = sandbox();
        let site = Site::start();
        let answer = send(
            &sandbox,
            json!({"url": site.url, "body": BODY, "sign": "standard_webhooks", "timestamp": 1_700_000_000,
                   "delivery_id": "msg_1"}),
        );
        let received = site.received();
        assert_eq!(received.body, BODY.as_bytes());
        assert_eq!(received.header("content-type"), Some("application/json"));
        assert_eq!(received.header("webhook-id"), Some("msg_1"));
        assert_eq!(received.header("webhook-timestamp"), Some("1700000000"));
        assert_eq!(received.header("webhook-signature"), Some(STANDARD_SIGNATURE));
        assert_eq!(signing_headers(&received.headers).len(), 3);
        assert_eq!(
            answer.json()["sent"],
            json!({"content-type": "application/json", "webhook-id": "msg_1", "webhook-timestamp": "1700000000",
                   "webhook-signature": STANDARD_SIGNATURE})
        );
    }

    #[test]
    fn a_given_or_configured_secret_signs() {
        // `printf 'v0:1700000000:{"email":"a@b.c"}' | openssl dgst -sha256 -hmac 'other-key'`
        let cio = "12a409bbb330d06859147b86d8b3a2b63752d3248816681a1f181760935f5b54";
        // The same as STANDARD_SIGNATURE, keyed with 32 bytes 0xab.
        let standard = "v1,2MmmHxTxxYH5AKARMxAHsCNkapFutFEL0uDcc2mqX/Q=";
        let sandbox = sandbox();
        let signature = |sign: &str, secret: Option<&str>| {
            let site = Site::start();
            let mut order = json!({"url": site.url, "body": BODY, "sign": sign, "timestamp": 1_700_000_000,
                                   "delivery_id": "msg_1"});
            if let Some(secret) = secret {
                order["secret"] = json!(secret);
            }
            let answer = send(&sandbox, order).json();
            site.received();
            let name = if sign == "customerio" { "x-cio-signature" } else { "webhook-signature" };
            answer["sent"][name].as_str().unwrap().to_owned()
        };
        assert_eq!(signature("customerio", Some("other-key")), cio);
        let secret = "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=";
        assert_eq!(signature("standard_webhooks", Some(&format!("whsec_{secret}"))), standard);
        assert_eq!(signature("standard_webhooks", Some(secret)), standard);

        sandbox.set_config(ConfigUpdate::default().cio_signing_key("other-key"));
        control(
            &sandbox,
            "PUT",
            "/_sandbox/config",
            Some(json!({"standard_webhooks_secret": format!("whsec_{secret}")})),
        );
        assert_eq!(signature("customerio", None), cio);
        assert_eq!(signature("standard_webhooks", None), standard);
        sandbox.reset();
        assert_eq!(signature("customerio", None), CIO_SIGNATURE);
        assert_eq!(signature("standard_webhooks", None), STANDARD_SIGNATURE);
    }

    #[test]
    fn timestamp_and_delivery_id_default_to_now_and_a_new_id() {
        let sandbox = sandbox();
        let sent = |sign: &str| {
            let site = Site::start();
            let answer = send(&sandbox, json!({"url": site.url, "sign": sign})).json();
            site.received();
            answer["sent"].clone()
        };
        let before = crate::state::now_secs();
        let (first, second, standard) = (sent("customerio"), sent("customerio"), sent("standard_webhooks"));
        let after = crate::state::now_secs();
        let timestamp: u64 = first["x-cio-timestamp"].as_str().unwrap().parse().unwrap();
        assert!((before..=after).contains(&timestamp), "{timestamp}");
        let id = first["x-cio-delivery-id"].as_str().unwrap();
        assert!(!id.is_empty());
        assert_ne!(second["x-cio-delivery-id"].as_str().unwrap(), id);
        assert_eq!(first["x-cio-signature"].as_str().unwrap().len(), 64);
        let timestamp: u64 = standard["webhook-timestamp"].as_str().unwrap().parse().unwrap();
        assert!((before..=after).contains(&timestamp), "{timestamp}");
        assert!(!standard["webhook-id"].as_str().unwrap().is_empty());
        assert!(standard["webhook-signature"].as_str().unwrap().starts_with("v1,"));
    }

    #[test]
    fn a_given_signature_is_sent_verbatim() {
        let sandbox = sandbox();
        for (sign, name, signature) in
            [("customerio", "x-cio-signature", "not-hex"), ("standard_webhooks", "webhook-signature", "v1,bm90 v2,x")]
        {
            let site = Site::start();
            let answer = send(&sandbox, json!({"url": site.url, "body": BODY, "sign": sign, "signature": signature}));
            assert_eq!(site.received().header(name), Some(signature));
            assert_eq!(answer.json()["sent"][name], signature);
        }
    }

    #[test]
    fn unsigned_sends_no_signature_and_the_delivery_id_only_when_given() {
        let sandbox = sandbox();
        let site = Site::start();
        let answer = send(&sandbox, json!({"url": site.url, "body": BODY}));
        let received = site.received();
        assert_eq!(received.body, BODY.as_bytes());
        assert!(signing_headers(&received.headers).is_empty(), "{:?}", received.headers);
        assert_eq!(answer.json()["sent"], json!({"content-type": "application/json"}));

        let site = Site::start();
        let answer = send(&sandbox, json!({"url": site.url, "sign": "none", "delivery_id": "d1"}));
        let received = site.received();
        assert_eq!(signing_headers(&received.headers), ["x-cio-delivery-id"]);
        assert_eq!(received.header("x-cio-delivery-id"), Some("d1"));
        assert!(received.body.is_empty());
        assert_eq!(answer.json()["sent"], json!({"content-type": "application/json", "x-cio-delivery-id": "d1"}));
    }

    #[test]
    fn extra_headers_are_sent_and_may_replace_the_content_type() {
        let sandbox = sandbox();
        let site = Site::start();
        let answer = send(
            &sandbox,
            json!({"url": site.url, "body": "a=1", "headers": {"Content-Type": "text/plain", "X-Extra": "1"}}),
        );
        let received = site.received();
        assert_eq!(received.header("content-type"), Some("text/plain"));
        assert_eq!(received.header("x-extra"), Some("1"));
        assert_eq!(received.headers.iter().filter(|(n, _)| n == "content-type").count(), 1);
        assert_eq!(received.body, b"a=1");
        assert_eq!(answer.json()["sent"], json!({"content-type": "text/plain", "x-extra": "1"}));
    }

    #[test]
    fn answers_whatever_status_the_site_answered() {
        let sandbox = sandbox();
        let site = Site::start_with(401, || {});
        let answer = send(&sandbox, json!({"url": site.url, "sign": "customerio"}));
        site.received();
        assert_eq!(answer.status, 200);
        let answer = answer.json();
        assert_eq!((answer["status"].clone(), answer["body"].clone()), (json!(401), json!(r#"{"ok":false}"#)));
    }

    #[test]
    fn refuses_what_it_cannot_send() {
        let sandbox = sandbox();
        let url = "http://127.0.0.1:9/";
        for order in [
            json!({"url": "https://example.com/"}),
            json!({"url": "ftp://example.com/"}),
            json!({"url": "example.com"}),
            json!({"body": BODY}),
            json!({"url": url, "sign": "pgp"}),
            json!({"url": url, "signature": "v1,x"}),
            json!({"url": url, "sign": "none", "secret": "k"}),
            json!({"url": url, "bogus": 1}),
            json!({"url": url, "timestamp": "now"}),
            json!({"url": url, "headers": {"bad name": "x"}}),
            json!({"url": url, "headers": {"x-ok": "bad\nvalue"}}),
            json!({"url": url, "sign": "standard_webhooks", "secret": "whsec_not base64!"}),
        ] {
            let answer = send(&sandbox, order.clone());
            assert_eq!(answer.status, 400, "{order}: {}", answer.text());
            assert!(answer.json()["error"].is_string(), "{order}");
        }
        let not_json = Client::connect(&sandbox).request("POST", "/_sandbox/webhooks", &[], b"{");
        assert_eq!(not_json.status, 400);
        assert_eq!(control(&sandbox, "GET", "/_sandbox/webhooks", None).status, 405);
    }

    #[test]
    fn an_unreachable_site_is_a_502() {
        let sandbox = sandbox();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let answer = send(&sandbox, json!({"url": format!("http://127.0.0.1:{port}/hook"), "sign": "customerio"}));
        assert_eq!(answer.status, 502, "{}", answer.text());
        assert!(answer.json()["error"].as_str().unwrap().contains(&port.to_string()), "{}", answer.text());
    }

    #[test]
    fn the_site_may_call_the_sandbox_while_it_handles_the_webhook_and_the_send_is_not_recorded() {
        let sandbox = sandbox();
        let addr = sandbox.addr();
        let site = Site::start_with(200, move || {
            assert_eq!(Client::connect_to(addr).request("GET", "/_sandbox/health", &[], b"").status, 200);
            let auth = format!("Bearer {APP_KEY}");
            let segments =
                Client::connect_to(addr).request("GET", &format!("{APP}/segments"), &[("Authorization", &auth)], b"");
            assert_eq!(segments.status, 200);
        });
        let answer = send(&sandbox, json!({"url": site.url, "body": BODY, "sign": "customerio"}));
        site.received();
        assert_eq!(answer.json()["status"], 200);
        let requests = sandbox.requests();
        assert_eq!(requests.len(), 1, "{requests:?}");
        assert_eq!(requests[0].path, format!("{APP}/segments"));
    }
}
