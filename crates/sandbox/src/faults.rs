//! Fault injection: rules that replace or stall the answers to matching API requests.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value};

use crate::http::{Body, Reply, Response};

/// A fault rule: which requests it hits, how often, and what happens to them.
///
/// JSON: `{"method": "GET", "path_contains": "/segments", "times": 2, "action": …}`, all but `action`
/// optional. Rules are checked in the order they were added; the first that matches wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Only requests with this method (any case); `None` for all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests whose path contains this text, matched against the percent-decoded path and also the
    /// path as sent (so both `/customers/jane@example.com` and `/customers/jane%40example.com` work);
    /// `None` for all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_contains: Option<String>,
    /// Apply to the next `n` matching requests, then expire; `None` for ever. As listed by the control API,
    /// the number of uses left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// What happens.
    pub action: FaultAction,
}

impl Fault {
    /// A rule applying `action` to every API request, for ever.
    #[must_use]
    pub fn new(action: impl Into<FaultAction>) -> Self {
        Fault { method: None, path_contains: None, times: None, action: action.into() }
    }

    /// Restricts the rule to one method.
    #[must_use]
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Restricts the rule to paths containing `text`.
    #[must_use]
    pub fn path_contains(mut self, text: impl Into<String>) -> Self {
        self.path_contains = Some(text.into());
        self
    }

    /// Makes the rule expire after `n` uses.
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    fn matches(&self, method: &str, path: &str, raw_path: &str) -> bool {
        self.times != Some(0)
            && self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path_contains.as_deref().is_none_or(|p| path.contains(p) || raw_path.contains(p))
    }
}

/// What a fault does to a request. Except for [`FaultAction::Delay`], the request is not processed: the
/// fake workspace is left unchanged.
///
/// JSON: `{"status": 503, "body": "…", "headers": {"Retry-After": "2"}}`, `{"delay_ms": 5000}`,
/// `"reset"`, `"truncate"`, `"malformed"`, `"wrong_type"`, `{"huge_bytes": 1048576}`.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Answer with this status, body and headers instead.
    Status(StatusFault),
    /// Stall this many milliseconds (on top of the global latency), then answer normally.
    Delay(u64),
    /// Close the connection after reading the request, sending nothing.
    Reset,
    /// Send a `200` head declaring a longer `Content-Length` than the body then sent, and close.
    Truncate,
    /// `200` with `Content-Type: application/json` and a body that is not JSON (`{"results": [`).
    Malformed,
    /// `200` with JSON of the wrong shape: `{"customer":"oops","segments":42,"results":{}}`.
    WrongType,
    /// `200` with a JSON object padded to this many bytes (at least 14): `{"padding":"xxx…"}`.
    Huge(u64),
}

impl FaultAction {
    /// Short for [`FaultAction::Status`] with an empty body and no headers.
    pub fn status(status: u16) -> Self {
        FaultAction::Status(StatusFault::new(status))
    }

    /// Short for [`FaultAction::Delay`].
    pub fn delay(delay: Duration) -> Self {
        FaultAction::Delay(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX))
    }

    /// What the server does about it.
    pub(crate) fn effect(&self) -> Effect {
        let replace = |r| Effect::Replace(Reply::Send(r));
        match self {
            FaultAction::Status(fault) => replace(fault.response()),
            FaultAction::Delay(ms) => Effect::Delay(Duration::from_millis(*ms)),
            FaultAction::Reset => Effect::Replace(Reply::Reset),
            FaultAction::Truncate => Effect::Replace(Reply::Truncate(Response::json(
                200,
                &json!({"results": [{"email": "jane@example.com", "id": null, "cio_id": "cio_5eed000000000001"}]}),
            ))),
            FaultAction::Malformed => replace(Response::bytes(200, "application/json", b"{\"results\": [".to_vec())),
            FaultAction::WrongType => {
                replace(Response::json(200, &json!({"customer": "oops", "segments": 42, "results": {}})))
            }
            FaultAction::Huge(bytes) => {
                let (prefix, suffix) = (b"{\"padding\":\"".to_vec(), b"\"}".to_vec());
                let frame = (prefix.len() + suffix.len()) as u64;
                replace(Response {
                    status: 200,
                    headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
                    body: Body::Repeat { prefix, fill: b'x', count: bytes.saturating_sub(frame), suffix },
                })
            }
        }
    }
}

impl From<StatusFault> for FaultAction {
    fn from(fault: StatusFault) -> Self {
        FaultAction::Status(fault)
    }
}

impl Serialize for FaultAction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            FaultAction::Status(fault) => fault.serialize(serializer),
            FaultAction::Delay(ms) => json!({"delay_ms": ms}).serialize(serializer),
            FaultAction::Reset => serializer.serialize_str("reset"),
            FaultAction::Truncate => serializer.serialize_str("truncate"),
            FaultAction::Malformed => serializer.serialize_str("malformed"),
            FaultAction::WrongType => serializer.serialize_str("wrong_type"),
            FaultAction::Huge(bytes) => json!({"huge_bytes": bytes}).serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for FaultAction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// The object forms with a single numeric field.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Delay {
            delay_ms: u64,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Huge {
            huge_bytes: u64,
        }

        let value = Value::deserialize(deserializer)?;
        let action = match &value {
            Value::String(name) => match name.as_str() {
                "reset" => FaultAction::Reset,
                "truncate" => FaultAction::Truncate,
                "malformed" => FaultAction::Malformed,
                "wrong_type" => FaultAction::WrongType,
                other => {
                    return Err(D::Error::custom(format!(
                        "unknown fault action {other:?}: expected \"reset\", \"truncate\", \"malformed\", \
                         \"wrong_type\" or an object with status, delay_ms or huge_bytes"
                    )))
                }
            },
            Value::Object(map) if map.contains_key("status") => {
                FaultAction::Status(StatusFault::deserialize(value).map_err(D::Error::custom)?)
            }
            Value::Object(map) if map.contains_key("delay_ms") => {
                FaultAction::Delay(Delay::deserialize(value).map_err(D::Error::custom)?.delay_ms)
            }
            Value::Object(map) if map.contains_key("huge_bytes") => {
                FaultAction::Huge(Huge::deserialize(value).map_err(D::Error::custom)?.huge_bytes)
            }
            _ => {
                return Err(D::Error::custom(
                    "a fault action is a string or an object with status, delay_ms or huge_bytes",
                ))
            }
        };
        Ok(action)
    }
}

/// An answer to send instead of the real one. JSON: `{"status": 429, "body": "…", "headers": {…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusFault {
    /// HTTP status.
    pub status: u16,
    /// Body, sent as is. `Content-Type` is `application/json` when it parses as JSON, else `text/plain`.
    #[serde(default)]
    pub body: String,
    /// Extra headers (they may override `Content-Type`; framing headers are the server's own).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

impl StatusFault {
    /// This status with an empty body.
    #[must_use]
    pub fn new(status: u16) -> Self {
        StatusFault { status, body: String::new(), headers: BTreeMap::new() }
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    /// Adds a header, e.g. `("Retry-After", "2")`.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    fn response(&self) -> Response {
        let mut response = if self.body.is_empty() {
            Response::empty(self.status)
        } else {
            let json = serde_json::from_str::<Value>(&self.body).is_ok();
            let content_type = if json { "application/json" } else { "text/plain; charset=utf-8" };
            Response::bytes(self.status, content_type, self.body.clone().into_bytes())
        };
        for (name, value) in &self.headers {
            response = response.header(name, value);
        }
        response
    }
}

/// What a matching fault does to the request's handling.
#[derive(Debug)]
pub(crate) enum Effect {
    /// Handle normally, but wait this long first.
    Delay(Duration),
    /// Do not handle; reply this instead.
    Replace(Reply),
}

/// The active rules, in order.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Vec<Fault>,
}

impl Faults {
    /// Appends a rule.
    pub fn push(&mut self, fault: Fault) {
        if fault.times != Some(0) {
            self.rules.push(fault);
        }
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The active rules, with their remaining uses.
    pub fn list(&self) -> &[Fault] {
        &self.rules
    }

    /// The action of the first rule matching the request, using up one of its `times`.
    pub fn take(&mut self, method: &str, path: &str, raw_path: &str) -> Option<FaultAction> {
        let index = self.rules.iter().position(|f| f.matches(method, path, raw_path))?;
        let rule = &mut self.rules[index];
        let action = rule.action.clone();
        if let Some(times) = &mut rule.times {
            *times -= 1;
            if *times == 0 {
                self.rules.remove(index);
            }
        }
        Some(action)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::testkit::{app_get, sandbox, Client};
    use crate::APP_KEY;

    #[test]
    fn actions_round_trip_through_json() {
        let cases = [
            json!({"status": 503, "body": "down", "headers": {"Retry-After": "2"}}),
            json!({"delay_ms": 5000}),
            json!("reset"),
            json!("truncate"),
            json!("malformed"),
            json!("wrong_type"),
            json!({"huge_bytes": 1000}),
        ];
        for case in cases {
            let action: FaultAction = serde_json::from_value(case.clone()).unwrap();
            assert_eq!(serde_json::to_value(&action).unwrap(), case);
        }
        let fault: Fault =
            serde_json::from_value(json!({"method": "GET", "times": 1, "action": {"status": 500}})).unwrap();
        assert_eq!(fault, Fault::new(FaultAction::status(500)).method("GET").times(1));
    }

    #[test]
    fn bad_actions_are_refused_clearly() {
        let err = serde_json::from_value::<FaultAction>(json!("explode")).unwrap_err();
        assert!(err.to_string().contains("unknown fault action"), "{err}");
        assert!(serde_json::from_value::<FaultAction>(json!({"status": 500, "delay_ms": 1})).is_err());
        assert!(serde_json::from_value::<FaultAction>(json!({"nothing": 1})).is_err());
        assert!(serde_json::from_value::<FaultAction>(json!(42)).is_err());
    }

    #[test]
    fn first_match_wins_and_times_expire() {
        let mut faults = Faults::default();
        faults.push(Fault::new(FaultAction::status(429)).path_contains("/segments").times(2));
        faults.push(Fault::new(FaultAction::status(500)).method("get"));
        faults.push(Fault::new(FaultAction::Reset).times(0));
        assert_eq!(faults.list().len(), 2);
        let take = |f: &mut Faults, path: &str| f.take("GET", path, path).map(|a| serde_json::to_value(a).unwrap());
        assert_eq!(take(&mut faults, "/x/segments"), Some(json!({"status": 429, "body": ""})));
        assert_eq!(faults.list()[0].times, Some(1));
        assert_eq!(take(&mut faults, "/x/segments"), Some(json!({"status": 429, "body": ""})));
        assert_eq!(take(&mut faults, "/x/segments"), Some(json!({"status": 500, "body": ""})));
        assert_eq!(faults.take("PUT", "/x", "/x"), None);
        assert_eq!(faults.list().len(), 1);
    }

    #[test]
    fn path_matches_decoded_or_as_sent() {
        let fault = Fault::new(FaultAction::Reset).path_contains("/customers/jane%40example.com");
        assert!(fault.matches("GET", "/a/customers/jane@example.com/x", "/a/customers/jane%40example.com/x"));
        let fault = Fault::new(FaultAction::Reset).path_contains("/customers/jane@example.com");
        assert!(fault.matches("GET", "/a/customers/jane@example.com/x", "/a/customers/jane%40example.com/x"));
        assert!(!fault.matches("GET", "/a/customers/john@example.com", "/a/customers/john%40example.com"));
    }

    const SEGMENTS: &str = "/customerio/us/app/v1/segments";

    #[test]
    fn status_fault_replaces_the_answer_with_headers_then_expires() {
        let sandbox = sandbox();
        sandbox.add_fault(
            Fault::new(StatusFault::new(429).body(r#"{"meta":{"error":"slow down"}}"#).header("Retry-After", "2"))
                .path_contains("/segments")
                .times(1),
        );
        let first = app_get(&sandbox, SEGMENTS);
        assert_eq!(first.status, 429);
        assert_eq!(first.header("retry-after"), Some("2"));
        assert_eq!(first.header("content-type"), Some("application/json"));
        assert_eq!(first.json()["meta"]["error"], "slow down");
        let second = app_get(&sandbox, SEGMENTS);
        assert_eq!(second.status, 200);
        assert!(sandbox.faults().is_empty());
        let statuses: Vec<u16> = sandbox.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, [429, 200]);
    }

    #[test]
    fn faults_match_by_method_and_do_not_touch_the_workspace() {
        let sandbox = sandbox();
        sandbox.add_fault(Fault::new(FaultAction::status(503)).method("PUT"));
        let put = crate::testkit::track(&sandbox, "PUT", "/customers/new@example.com", br#"{"a":"b"}"#);
        assert_eq!(put.status, 503);
        assert!(sandbox.person("new@example.com").is_none());
        assert_eq!(app_get(&sandbox, SEGMENTS).status, 200);
    }

    #[test]
    fn delay_stalls_then_answers_normally() {
        let sandbox = sandbox();
        sandbox.add_fault(Fault::new(FaultAction::Delay(200)).times(1));
        let start = Instant::now();
        let slow = app_get(&sandbox, SEGMENTS);
        assert!(start.elapsed() >= Duration::from_millis(200));
        assert_eq!(slow.status, 200);
        assert_eq!(slow.json()["segments"].as_array().unwrap().len(), 3);
        let start = Instant::now();
        app_get(&sandbox, SEGMENTS);
        assert!(start.elapsed() < Duration::from_millis(200));
    }

    #[test]
    fn reset_closes_without_an_answer() {
        let sandbox = sandbox();
        sandbox.add_fault(Fault::new(FaultAction::Reset).times(1));
        let mut client = Client::connect(&sandbox);
        client.send(format!("GET {SEGMENTS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {APP_KEY}\r\n\r\n"));
        assert!(client.read_response().is_err());
        let record = &sandbox.requests()[0];
        assert_eq!(record.status, 0);
        assert!(record.finished_ms.is_some());
        assert_eq!(app_get(&sandbox, SEGMENTS).status, 200);
    }

    #[test]
    fn truncate_sends_less_than_it_declares() {
        let sandbox = sandbox();
        sandbox.add_fault(Fault::new(FaultAction::Truncate));
        let mut client = Client::connect(&sandbox);
        client.send(format!("GET {SEGMENTS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {APP_KEY}\r\n\r\n"));
        let raw = client.read_to_end();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
        let declared: usize = head.lines().find_map(|l| l.strip_prefix("Content-Length: ")).unwrap().parse().unwrap();
        assert!(!body.is_empty() && body.len() < declared, "{} < {declared}", body.len());
    }

    #[test]
    fn malformed_and_wrong_type_bodies() {
        let sandbox = sandbox();
        sandbox.add_fault(Fault::new(FaultAction::Malformed).times(1));
        sandbox.add_fault(Fault::new(FaultAction::WrongType).times(1));
        let malformed = app_get(&sandbox, "/customerio/us/app/v1/customers?email=jane@example.com");
        assert_eq!(malformed.status, 200);
        assert_eq!(malformed.header("content-type"), Some("application/json"));
        assert_eq!(malformed.text(), "{\"results\": [");
        assert!(serde_json::from_slice::<Value>(&malformed.body).is_err());
        let wrong = app_get(&sandbox, SEGMENTS);
        assert_eq!(wrong.json(), json!({"customer": "oops", "segments": 42, "results": {}}));
    }

    #[test]
    fn huge_body_is_valid_json_of_the_asked_size() {
        let sandbox = sandbox();
        sandbox.add_fault(Fault::new(FaultAction::Huge(200_000)));
        let huge = app_get(&sandbox, SEGMENTS);
        assert_eq!(huge.body.len(), 200_000);
        assert_eq!(huge.json()["padding"].as_str().unwrap().len(), 200_000 - 14);
    }
}
