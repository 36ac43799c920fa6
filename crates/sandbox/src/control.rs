//! The control API under `/_sandbox`: JSON in and out, no auth, never recorded. The routes are listed in
//! the crate documentation.
//!
//! Every route is answered while the state is held, except `POST /_sandbox/webhooks`, whose webhook is sent
//! once it is released (see `webhooks.rs`).

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::customerly::CustomerlyContact;
use crate::faults::Fault;
use crate::http::{Request, Response};
use crate::model::{segment_key, AutoPeople, ConfigUpdate, Person, Segment};
use crate::state::State;
use crate::webhooks::{Delivery, Order};

/// The `/_sandbox` prefix.
pub(crate) const PREFIX: &str = "_sandbox";

/// What a control request asks for.
pub(crate) enum Control {
    /// This answer.
    Answer(Response),
    /// Sending this webhook, with the state released; its outcome is the answer.
    Send(Delivery),
}

/// Decides a control request (one whose first path segment is [`PREFIX`]).
pub(crate) fn handle(state: &mut State, request: &Request) -> Control {
    if request.method == "POST" && request.segments[1..] == ["webhooks"] {
        let delivery =
            parse::<Order>(request).and_then(|order| order.delivery(&state.config).map_err(|e| error(400, &e)));
        return delivery.map_or_else(Control::Answer, Control::Send);
    }
    Control::Answer(answer(state, request))
}

/// Answers a control request other than a webhook to send.
fn answer(state: &mut State, request: &Request) -> Response {
    let rest: Vec<&str> = request.segments.iter().skip(1).map(String::as_str).collect();
    let result = match (request.method.as_str(), rest.as_slice()) {
        ("GET", ["health"]) => Ok(json!({"ok": true})),
        ("POST", ["reset"]) => {
            state.reset();
            Ok(json!({"ok": true}))
        }
        ("GET", ["people"]) => match request.query_param("email") {
            Some(email) => {
                state.customerio.person(&email).map(to_json).ok_or_else(|| error(404, "no person with that email"))
            }
            None => Ok(json!({"people": state.customerio.people})),
        },
        ("PUT", ["people"]) => parse::<Person>(request).and_then(|person| {
            if person.email.is_empty() {
                Err(error(400, "email is required"))
            } else {
                Ok(to_json(&state.customerio.upsert_person(person)))
            }
        }),
        ("DELETE", ["people"]) => match request.query_param("email") {
            Some(email) => match state.customerio.delete_people(&email) {
                0 => Err(error(404, "no person with that email")),
                deleted => Ok(json!({"deleted": deleted})),
            },
            None => Err(error(400, "email is required")),
        },
        ("GET", ["auto_people"]) => Ok(to_json(&state.customerio.auto_people)),
        ("PUT", ["auto_people"]) => parse::<AutoPeople>(request).and_then(|auto| {
            if auto.email_suffix.is_empty() {
                return Err(error(400, "email_suffix is required"));
            }
            let answer = to_json(&auto);
            state.customerio.auto_people = Some(auto);
            Ok(answer)
        }),
        ("DELETE", ["auto_people"]) => {
            state.customerio.auto_people = None;
            Ok(json!({"ok": true}))
        }
        ("GET", ["segments"]) => Ok(json!({"segments": state.customerio.segments})),
        ("PUT", ["segments"]) => parse::<Segment>(request).and_then(|segment| {
            if segment_key(&segment.id).is_none() {
                return Err(error(400, "a segment id is a number or a string"));
            }
            let answer = to_json(&segment);
            state.customerio.upsert_segment(segment);
            Ok(answer)
        }),
        ("GET", ["customerly", "contacts"]) => match request.query_param("email") {
            Some(email) => {
                state.customerly.contact(&email).map(to_json).ok_or_else(|| error(404, "no contact with that email"))
            }
            None => Ok(json!({"contacts": state.customerly.contacts()})),
        },
        ("PUT", ["customerly", "contacts"]) => parse::<CustomerlyContact>(request).and_then(|contact| {
            if contact.email.is_empty() {
                Err(error(400, "email is required"))
            } else {
                Ok(to_json(&state.customerly.put(contact)))
            }
        }),
        ("DELETE", ["customerly", "contacts"]) => match request.query_param("email") {
            Some(email) if state.customerly.delete(&email) => Ok(json!({"deleted": 1})),
            Some(_) => Err(error(404, "no contact with that email")),
            None => Err(error(400, "email is required")),
        },
        ("GET", ["faults"]) => Ok(json!({"faults": state.faults.list()})),
        ("POST", ["faults"]) => parse::<Fault>(request).map(|fault| {
            let answer = to_json(&fault);
            state.faults.push(fault);
            answer
        }),
        ("DELETE", ["faults"]) => {
            state.faults.clear();
            Ok(json!({"ok": true}))
        }
        ("GET", ["latency"]) => Ok(json!({"ms": state.latency_ms})),
        ("PUT", ["latency"]) => parse::<Latency>(request).map(|latency| {
            state.latency_ms = latency.ms;
            json!({"ms": latency.ms})
        }),
        ("GET", ["config"]) => Ok(to_json(&state.config)),
        ("PUT", ["config"]) => parse::<ConfigUpdate>(request).map(|update| {
            update.apply(&mut state.config);
            to_json(&state.config)
        }),
        ("GET", ["requests"]) => match request.query_param("since").map(|s| s.parse::<u64>()) {
            None => Ok(json!({"requests": state.log.since(0)})),
            Some(Ok(since)) => Ok(json!({"requests": state.log.since(since)})),
            Some(Err(_)) => Err(error(400, "since must be a request seq")),
        },
        ("DELETE", ["requests"]) => {
            state.log.clear();
            Ok(json!({"ok": true}))
        }
        (
            _,
            ["health" | "reset" | "people" | "auto_people" | "segments" | "faults" | "latency" | "config" | "requests"
            | "webhooks"],
        )
        | (_, ["customerly", "contacts"]) => Err(error(405, "method not allowed")),
        _ => Err(error(404, "not found")),
    };
    match result {
        Ok(body) => Response::json(200, &body),
        Err(answer) => answer,
    }
}

/// `PUT /_sandbox/latency` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Latency {
    ms: u64,
}

/// The body as a `T`, or a 400 saying why not.
fn parse<T: DeserializeOwned>(request: &Request) -> Result<T, Response> {
    serde_json::from_slice(&request.body).map_err(|e| error(400, &format!("invalid body: {e}")))
}

/// A value of this crate's types as JSON (they always serialize).
fn to_json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn error(status: u16, message: &str) -> Response {
    Response::json(status, &json!({"error": message}))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::testkit::{app_get, control, customerly, sandbox, APP};
    use crate::{FaultAction, Region};

    #[test]
    fn health() {
        let sandbox = sandbox();
        let answer = control(&sandbox, "GET", "/_sandbox/health", None);
        assert_eq!((answer.status, answer.json()), (200, json!({"ok": true})));
    }

    #[test]
    fn people_put_get_delete() {
        let sandbox = sandbox();
        let put = control(
            &sandbox,
            "PUT",
            "/_sandbox/people",
            Some(json!({"email": "New@Example.com", "id": "n1", "attributes": {"age": 30}, "segments": [7, "42"]})),
        );
        assert_eq!(put.status, 200);
        let stored = put.json();
        assert!(stored["cio_id"].as_str().unwrap().starts_with("cio_"));
        assert_eq!(stored["attributes"]["age"], "30");

        let got = control(&sandbox, "GET", "/_sandbox/people?email=new%40example.com", None);
        assert_eq!(got.json(), stored);
        assert_eq!(control(&sandbox, "GET", "/_sandbox/people", None).json()["people"].as_array().unwrap().len(), 4);
        assert_eq!(control(&sandbox, "GET", "/_sandbox/people?email=x%40y.z", None).status, 404);

        let segments = app_get(&sandbox, "/customerio/us/app/v1/customers/n1/segments").json();
        assert_eq!(segments["segments"][1]["name"], "VIP");

        assert_eq!(control(&sandbox, "PUT", "/_sandbox/people", Some(json!({"id": "x"}))).status, 400);
        assert_eq!(control(&sandbox, "PUT", "/_sandbox/people", Some(json!({"email": ""}))).status, 400);
        let deleted = control(&sandbox, "DELETE", "/_sandbox/people?email=NEW%40example.com", None);
        assert_eq!(deleted.json(), json!({"deleted": 1}));
        assert_eq!(control(&sandbox, "DELETE", "/_sandbox/people?email=NEW%40example.com", None).status, 404);
        assert_eq!(control(&sandbox, "DELETE", "/_sandbox/people", None).status, 400);
    }

    #[test]
    fn auto_people_are_made_on_lookup_by_a_matching_email_only() {
        let sandbox = sandbox();
        let auto = json!({"email_suffix": "@Bench.Example", "attributes": {"first_name": "Auto"}, "segments": [1]});
        assert_eq!(control(&sandbox, "PUT", "/_sandbox/auto_people", Some(auto.clone())).json(), auto);
        assert_eq!(control(&sandbox, "GET", "/_sandbox/auto_people", None).json(), auto);
        let people = || control(&sandbox, "GET", "/_sandbox/people", None).json()["people"].as_array().unwrap().len();

        let attributes = app_get(&sandbox, &format!("{APP}/customers/u1%40bench.example/attributes?id_type=email"));
        assert_eq!(attributes.status, 200);
        assert_eq!(attributes.json()["customer"]["attributes"]["first_name"], "Auto");
        let segments = app_get(&sandbox, &format!("{APP}/customers/U1%40BENCH.example/segments?id_type=email"));
        assert_eq!(segments.json()["segments"][0]["id"], 1);
        let found = app_get(&sandbox, &format!("{APP}/customers?email=u2%40bench.example")).json();
        assert_eq!(found["results"][0]["email"], "u2@bench.example");
        assert_eq!(people(), 5);

        for miss in [
            format!("{APP}/customers/u3%40other.example/attributes?id_type=email"),
            format!("{APP}/customers/u3%40bench.example/attributes"),
            format!("{APP}/customers/%40bench.example/attributes?id_type=email"),
        ] {
            assert_eq!(app_get(&sandbox, &miss).status, 404, "{miss}");
        }
        assert_eq!(people(), 5);

        let bad = control(&sandbox, "PUT", "/_sandbox/auto_people", Some(json!({"email_suffix": ""})));
        assert_eq!(bad.status, 400);
        assert_eq!(control(&sandbox, "DELETE", "/_sandbox/auto_people", None).status, 200);
        assert_eq!(control(&sandbox, "GET", "/_sandbox/auto_people", None).json(), Value::Null);
        let after = app_get(&sandbox, &format!("{APP}/customers/u4%40bench.example/attributes?id_type=email"));
        assert_eq!(after.status, 404);
        control(&sandbox, "PUT", "/_sandbox/auto_people", Some(auto));
        control(&sandbox, "POST", "/_sandbox/reset", None);
        assert_eq!(control(&sandbox, "GET", "/_sandbox/auto_people", None).json(), Value::Null);
    }

    #[test]
    fn segments_put_keeps_the_id_type() {
        let sandbox = sandbox();
        let put = control(
            &sandbox,
            "PUT",
            "/_sandbox/segments",
            Some(json!({"id": "99", "name": "Trial", "type": "manual"})),
        );
        assert_eq!(put.status, 200);
        control(&sandbox, "PUT", "/_sandbox/segments", Some(json!({"id": 1, "name": "Buyers"})));
        let all = control(&sandbox, "GET", "/_sandbox/segments", None).json();
        assert_eq!(all["segments"][0], json!({"id": 1, "name": "Buyers", "type": "dynamic"}));
        assert_eq!(all["segments"][3], json!({"id": "99", "name": "Trial", "type": "manual"}));
        let bad = control(&sandbox, "PUT", "/_sandbox/segments", Some(json!({"id": [1], "name": "x"})));
        assert_eq!(bad.status, 400);
        assert_eq!(
            control(&sandbox, "PUT", "/_sandbox/segments", Some(json!({"id": 2, "name": "x", "type": "odd"}))).status,
            400
        );
    }

    #[test]
    fn customerly_contacts_put_get_delete() {
        let sandbox = sandbox();
        let put = control(
            &sandbox,
            "PUT",
            "/_sandbox/customerly/contacts",
            Some(json!({"email": "New@Example.com", "name": "New", "user_id": 12, "attributes": {"seats": 2},
                        "tags": ["b", "a", "b"]})),
        );
        assert_eq!(put.status, 200);
        let stored = put.json();
        assert_eq!(stored["kind"], "user");
        assert_eq!(stored["user_id"], "12");
        assert_eq!(stored["crmhero_user_id"], 5_000_004);
        assert_eq!(stored["attributes"], json!({"seats": 2}));
        assert_eq!(stored["tags"], json!(["b", "a"]));

        let got = control(&sandbox, "GET", "/_sandbox/customerly/contacts?email=new%40example.com", None);
        assert_eq!(got.json(), stored);
        let all = control(&sandbox, "GET", "/_sandbox/customerly/contacts", None).json();
        assert_eq!(all["contacts"].as_array().unwrap().len(), 4);
        assert_eq!(all["contacts"][2]["kind"], "lead");
        assert_eq!(control(&sandbox, "GET", "/_sandbox/customerly/contacts?email=x%40y.z", None).status, 404);
        let api = customerly(&sandbox, "GET", "/users?email=new%40example.com", b"").json();
        assert_eq!(api["data"]["name"], "New");

        let lead = control(
            &sandbox,
            "PUT",
            "/_sandbox/customerly/contacts",
            Some(json!({"email": "new@example.com", "kind": "lead"})),
        );
        assert_eq!(lead.json()["crmhero_user_id"], 5_000_004);
        assert_eq!(customerly(&sandbox, "GET", "/leads?email=new%40example.com", b"").status, 200);

        for body in [json!({"name": "x"}), json!({"email": ""}), json!({"email": "a@b.c", "kind": "client"})] {
            assert_eq!(control(&sandbox, "PUT", "/_sandbox/customerly/contacts", Some(body)).status, 400);
        }
        let deleted = control(&sandbox, "DELETE", "/_sandbox/customerly/contacts?email=NEW%40example.com", None);
        assert_eq!(deleted.json(), json!({"deleted": 1}));
        assert_eq!(
            control(&sandbox, "DELETE", "/_sandbox/customerly/contacts?email=new%40example.com", None).status,
            404
        );
        assert_eq!(control(&sandbox, "DELETE", "/_sandbox/customerly/contacts", None).status, 400);
        assert_eq!(control(&sandbox, "POST", "/_sandbox/customerly/contacts", None).status, 405);
        assert_eq!(control(&sandbox, "GET", "/_sandbox/customerly/nope", None).status, 404);
        assert_eq!(sandbox.requests().len(), 2);
    }

    #[test]
    fn faults_post_list_clear() {
        let sandbox = sandbox();
        let fault = json!({"method": "GET", "path_contains": "/segments", "times": 2, "action": {"status": 502}});
        assert_eq!(
            control(&sandbox, "POST", "/_sandbox/faults", Some(fault.clone())).json(),
            json!({
                "method": "GET", "path_contains": "/segments", "times": 2, "action": {"status": 502, "body": ""}
            })
        );
        control(&sandbox, "POST", "/_sandbox/faults", Some(json!({"action": "reset", "path_contains": "/never"})));
        assert_eq!(app_get(&sandbox, "/customerio/us/app/v1/segments").status, 502);
        let listed = control(&sandbox, "GET", "/_sandbox/faults", None).json();
        assert_eq!(listed["faults"][0]["times"], 1);
        assert_eq!(listed["faults"][1]["action"], "reset");
        let bad = control(&sandbox, "POST", "/_sandbox/faults", Some(json!({"action": "explode"})));
        assert_eq!(bad.status, 400);
        assert!(bad.json()["error"].as_str().unwrap().contains("unknown fault action"));
        assert_eq!(control(&sandbox, "DELETE", "/_sandbox/faults", None).status, 200);
        assert!(sandbox.faults().is_empty());
        assert_eq!(sandbox.requests().len(), 1);
    }

    #[test]
    fn latency_and_config() {
        let sandbox = sandbox();
        assert_eq!(control(&sandbox, "PUT", "/_sandbox/latency", Some(json!({"ms": 120}))).json(), json!({"ms": 120}));
        assert_eq!(control(&sandbox, "GET", "/_sandbox/latency", None).json(), json!({"ms": 120}));
        let start = Instant::now();
        app_get(&sandbox, "/customerio/us/app/v1/segments");
        assert!(start.elapsed() >= Duration::from_millis(120));
        assert_eq!(control(&sandbox, "PUT", "/_sandbox/latency", Some(json!({"ms": -1}))).status, 400);

        let config =
            control(&sandbox, "PUT", "/_sandbox/config", Some(json!({"region": "eu", "app_key": "k2"}))).json();
        assert_eq!(
            config,
            json!({"region": "eu", "app_key": "k2", "site_id": "sandbox-site-id", "track_key": "sandbox-track-key",
                   "customerly_token": "sandbox-customerly-token", "cio_signing_key": "sandbox-cio-signing-key",
                   "standard_webhooks_secret": "whsec_d3BmLXNhbmRib3gtc3RhbmRhcmQtd2ViaG9va3MtMzI="})
        );
        assert_eq!(sandbox.config().region, Region::Eu);
        assert_eq!(control(&sandbox, "GET", "/_sandbox/config", None).json(), config);
        let config = control(&sandbox, "PUT", "/_sandbox/config", Some(json!({"customerly_token": "t2"}))).json();
        assert_eq!((config["customerly_token"].clone(), config["app_key"].clone()), (json!("t2"), json!("k2")));
        assert_eq!(sandbox.config().customerly_token, "t2");
        assert_eq!(control(&sandbox, "PUT", "/_sandbox/config", Some(json!({"region": "mars"}))).status, 400);
    }

    #[test]
    fn requests_since_and_clear() {
        let sandbox = sandbox();
        for _ in 0..3 {
            app_get(&sandbox, "/customerio/us/app/v1/segments");
        }
        let all = control(&sandbox, "GET", "/_sandbox/requests", None).json();
        let all = all["requests"].as_array().unwrap().clone();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0]["headers"]["authorization"], "Bearer sandbox-app-key");
        assert!(all[2]["finished_ms"].as_f64().unwrap() >= all[2]["started_ms"].as_f64().unwrap());
        let since = all[0]["seq"].as_u64().unwrap();
        let later = control(&sandbox, "GET", &format!("/_sandbox/requests?since={since}"), None).json();
        assert_eq!(later["requests"].as_array().unwrap()[..], all[1..]);
        assert_eq!(control(&sandbox, "GET", "/_sandbox/requests?since=x", None).status, 400);
        control(&sandbox, "DELETE", "/_sandbox/requests", None);
        assert_eq!(control(&sandbox, "GET", "/_sandbox/requests", None).json(), json!({"requests": []}));
    }

    #[test]
    fn reset_over_http() {
        let sandbox = sandbox();
        sandbox.put_person(Person::new("x@example.com"));
        sandbox.add_fault(Fault::new(FaultAction::status(500)));
        sandbox.set_latency_ms(50);
        app_get(&sandbox, "/customerio/us/app/v1/segments");
        assert_eq!(control(&sandbox, "POST", "/_sandbox/reset", None).json(), json!({"ok": true}));
        assert_eq!(sandbox.people().len(), 3);
        assert!(sandbox.faults().is_empty() && sandbox.requests().is_empty());
        assert_eq!(control(&sandbox, "GET", "/_sandbox/latency", None).json(), json!({"ms": 0}));
    }

    #[test]
    fn unknown_control_routes() {
        let sandbox = sandbox();
        let missing = control(&sandbox, "GET", "/_sandbox/nope", None);
        assert_eq!((missing.status, missing.json()), (404, json!({"error": "not found"})));
        assert_eq!(control(&sandbox, "GET", "/_sandbox/reset", None).status, 405);
        assert_eq!(control(&sandbox, "PATCH", "/_sandbox/people", None).status, 405);
        assert_eq!(control(&sandbox, "PUT", "/_sandbox/people", None).status, 400);
        assert!(sandbox.requests().is_empty());
    }
}
