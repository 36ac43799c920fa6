//! Customer.io's App API (reads) and Track API (writes), with their quirks.
//!
//! - App API: `/customerio/{region}/app/v1/…`, `Authorization: Bearer <app key>`.
//! - Track API: `/customerio/{region}/track/api/v1/…`, HTTP Basic `site_id:track_key`.
//!
//! The region that is not the workspace's answers 401, like the real wrong-region hosts. The exception is
//! the Track API's `GET /accounts/region`, which exists precisely to find the region and answers from
//! either host (credentials still checked).

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::http::{Request, Response};
use crate::model::{
    self, attribute_string, new_cio_id, segment_key, AutoPeople, Config, Person, Region, Segment, SegmentType,
};
use crate::state::{now_secs, State};

/// The first path segment of Customer.io's APIs.
pub(crate) const PREFIX: &str = "customerio";

/// How an App API path identifies a person (`?id_type=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdType {
    Email,
    Id,
    CioId,
}

impl IdType {
    /// Parses `email`, `id` or `cio_id`.
    pub fn parse(name: &str) -> Option<IdType> {
        match name {
            "email" => Some(IdType::Email),
            "id" => Some(IdType::Id),
            "cio_id" => Some(IdType::CioId),
            _ => None,
        }
    }
}

/// Customer.io's fake workspace: people and segments (its credentials and region are in [`Config`]).
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    pub people: Vec<Person>,
    pub segments: Vec<Segment>,
    /// Unknown people looked up by a matching email are made on the spot (none after a reset).
    pub auto_people: Option<AutoPeople>,
}

impl Workspace {
    /// The default seed's people and segments.
    pub fn seeded() -> Workspace {
        Workspace { people: model::seed_people(), segments: model::seed_segments(), auto_people: None }
    }

    /// The first person with this identifier, of this type (emails ignore case).
    pub fn find(&self, identifier: &str, id_type: IdType) -> Option<usize> {
        self.people.iter().position(|p| match id_type {
            IdType::Email => p.has_email(identifier),
            IdType::Id => p.id.as_deref() == Some(identifier),
            IdType::CioId => p.cio_id == identifier,
        })
    }

    /// The person an identifier of unknown type names: tried as an email, then an id, then a cio_id.
    pub fn find_any(&self, identifier: &str) -> Option<usize> {
        [IdType::Email, IdType::Id, IdType::CioId].into_iter().find_map(|id_type| self.find(identifier, id_type))
    }

    /// The first person with this email (any case).
    pub fn person(&self, email: &str) -> Option<&Person> {
        self.find(email, IdType::Email).map(|i| &self.people[i])
    }

    /// Stores a person, returning it as stored.
    ///
    /// It replaces the person with the same `cio_id` when one is given, else the first person with the same
    /// email (keeping that person's `cio_id`); otherwise it is added. A missing `cio_id` is generated and a
    /// zero `created_at` becomes now.
    pub fn upsert_person(&mut self, mut person: Person) -> Person {
        let existing = if person.cio_id.is_empty() {
            self.find(&person.email, IdType::Email)
        } else {
            self.find(&person.cio_id, IdType::CioId)
        };
        if let Some(index) = existing {
            let old = &self.people[index];
            if person.cio_id.is_empty() {
                person.cio_id.clone_from(&old.cio_id);
            }
            if person.created_at == 0 {
                person.created_at = old.created_at;
            }
        }
        if person.cio_id.is_empty() {
            person.cio_id = model::new_cio_id();
        }
        if person.created_at == 0 {
            person.created_at = now_secs();
        }
        match existing {
            Some(index) => self.people[index] = person.clone(),
            None => self.people.push(person.clone()),
        }
        person
    }

    /// Removes every person with this email (any case); returns how many there were.
    pub fn delete_people(&mut self, email: &str) -> usize {
        let before = self.people.len();
        self.people.retain(|p| !p.has_email(email));
        before - self.people.len()
    }

    /// The segment with this id (`1` and `"1"` are the same id).
    pub fn segment(&self, id: &str) -> Option<&Segment> {
        self.segments.iter().find(|s| segment_key(&s.id).as_deref() == Some(id))
    }

    /// Stores a segment, replacing the one with the same id.
    pub fn upsert_segment(&mut self, segment: Segment) {
        let key = segment_key(&segment.id);
        match self.segments.iter_mut().find(|s| segment_key(&s.id) == key) {
            Some(existing) => *existing = segment,
            None => self.segments.push(segment),
        }
    }
}

/// Which of the two APIs a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    App,
    Track,
}

/// Answers an API request under `/customerio`, and also any API request no CRM claims (with Customer.io's
/// 404, as the sandbox always has).
pub(crate) fn handle(state: &mut State, request: &Request) -> Response {
    let path: Vec<&str> = request.segments.iter().map(String::as_str).collect();
    match path.as_slice() {
        [PREFIX, region, "app", "v1", rest @ ..] => serve(state, request, region, Api::App, rest),
        [PREFIX, region, "track", "api", "v1", rest @ ..] => serve(state, request, region, Api::Track, rest),
        _ => not_found(),
    }
}

fn serve(state: &mut State, request: &Request, region: &str, api: Api, rest: &[&str]) -> Response {
    let Some(region) = Region::parse(region) else {
        return not_found();
    };
    let region_probe = api == Api::Track && rest == ["accounts", "region"];
    if region != state.config.region && !region_probe {
        return unauthorized();
    }
    if !authorized(api, request, &state.config) {
        return unauthorized();
    }
    if api == Api::App {
        make_auto_person(&mut state.customerio, request, rest);
    }
    let method = request.method.as_str();
    match (api, method, rest) {
        (Api::App, "GET", ["customers"]) => customers_by_email(state, request),
        (Api::App, "GET", ["customers", identifier, "attributes"]) => {
            find_person(state, request, identifier, person_not_found_errors).map_or_else(|e| e, attributes)
        }
        (Api::App, "GET", ["customers", identifier, "segments"]) => {
            find_person(state, request, identifier, person_not_found_meta)
                .map_or_else(|e| e, |person| person_segments(state, person))
        }
        (Api::App, "GET", ["segments"]) => {
            let segments: Vec<Value> = state.customerio.segments.iter().map(segment_json).collect();
            Response::json(200, &json!({"segments": segments}))
        }
        (Api::Track, "PUT", ["customers", identifier]) => put_customer(state, request, identifier),
        (Api::Track, "POST", ["segments", id, change @ ("add_customers" | "remove_customers")]) => {
            change_membership(state, request, id, *change == "add_customers")
        }
        (Api::Track, "GET", ["accounts", "region"]) => {
            let region = state.config.region;
            Response::json(200, &json!({"url": region.track_url(), "region": region.as_str(), "environment_id": 1}))
        }
        _ => not_found(),
    }
}

/// Stores the person an App API lookup by email names when it is unknown and matches `auto_people`.
fn make_auto_person(workspace: &mut Workspace, request: &Request, rest: &[&str]) {
    let Some(auto) = &workspace.auto_people else {
        return;
    };
    let email = match rest {
        ["customers"] => request.query_param("email"),
        ["customers", identifier, "attributes" | "segments"]
            if request.query_param("id_type").as_deref() == Some("email") =>
        {
            Some((*identifier).to_string())
        }
        _ => None,
    };
    let Some(email) = email.filter(|e| auto.matches(e)) else {
        return;
    };
    if workspace.find(&email, IdType::Email).is_none() {
        let person =
            Person { attributes: auto.attributes.clone(), segments: auto.segments.clone(), ..Person::new(email) };
        workspace.upsert_person(person);
    }
}

/// Whether the request carries the credentials of `api`.
fn authorized(api: Api, request: &Request, config: &Config) -> bool {
    let Some((scheme, credentials)) = request.header("authorization").and_then(|h| h.trim().split_once(' ')) else {
        return false;
    };
    let credentials = credentials.trim();
    match api {
        Api::App => scheme.eq_ignore_ascii_case("bearer") && credentials == config.app_key,
        Api::Track => {
            scheme.eq_ignore_ascii_case("basic")
                && base64_decode(credentials)
                    .is_some_and(|pair| pair == format!("{}:{}", config.site_id, config.track_key).as_bytes())
        }
    }
}

/// `GET /customers?email=` → `{"results":[{"email","id","cio_id"}…]}`.
fn customers_by_email(state: &State, request: &Request) -> Response {
    let Some(email) = request.query_param("email").filter(|e| !e.is_empty()) else {
        return Response::json(400, &json!({"meta": {"error": "email is required"}}));
    };
    let results: Vec<Value> = state
        .customerio
        .people
        .iter()
        .filter(|p| p.has_email(&email))
        .map(|p| json!({"email": p.email, "id": p.id, "cio_id": p.cio_id}))
        .collect();
    Response::json(200, &json!({"results": results}))
}

/// The request's `?id_type=` (default `id`), or a 400.
fn id_type(request: &Request) -> Result<IdType, Response> {
    let id_type = request.query_param("id_type");
    IdType::parse(id_type.as_deref().unwrap_or("id"))
        .ok_or_else(|| Response::json(400, &json!({"meta": {"error": "id_type must be one of id, email, cio_id"}})))
}

/// The person an App API path names (by `?id_type=`), or the answer to give: `missing`'s 404, or a 400.
fn find_person<'s>(
    state: &'s State,
    request: &Request,
    identifier: &str,
    missing: fn() -> Response,
) -> Result<&'s Person, Response> {
    let index = state.customerio.find(identifier, id_type(request)?).ok_or_else(missing)?;
    Ok(&state.customerio.people[index])
}

/// `GET /customers/{id}/segments` → `{"segments":[…]}`.
fn person_segments(state: &State, person: &Person) -> Response {
    let segments: Vec<Value> =
        person.segments.iter().filter_map(|id| segment_of(state, id)).map(|segment| segment_json(&segment)).collect();
    Response::json(200, &json!({"segments": segments}))
}

/// `GET /customers/{id}/attributes` → `{"customer":{…}}`, every attribute value a string.
fn attributes(person: &Person) -> Response {
    let mut attributes: Map<String, Value> =
        person.attributes.iter().map(|(name, value)| (name.clone(), Value::from(value.as_str()))).collect();
    let mut timestamps = Map::new();
    attributes.insert("email".into(), person.email.as_str().into());
    timestamps.insert("email".into(), person.created_at.into());
    if let Some(id) = &person.id {
        attributes.insert("id".into(), id.as_str().into());
        timestamps.insert("id".into(), person.created_at.into());
    }
    attributes.insert("cio_id".into(), person.cio_id.as_str().into());
    timestamps.insert("cio_id".into(), person.created_at.into());
    Response::json(
        200,
        &json!({"customer": {
            "id": person.id,
            "identifiers": {"email": person.email, "id": person.id, "cio_id": person.cio_id},
            "attributes": attributes,
            "timestamps": timestamps,
            "unsubscribed": false,
            "devices": [],
        }}),
    )
}

/// The segment a membership names; a membership of an undefined segment shows as a manual segment named
/// after its id, so a test need not define every segment it uses.
fn segment_of(state: &State, id: &Value) -> Option<Segment> {
    let key = segment_key(id)?;
    Some(
        state
            .customerio
            .segment(&key)
            .cloned()
            .unwrap_or_else(|| Segment::new(id.clone(), key).kind(SegmentType::Manual)),
    )
}

/// A segment as the App API lists it, its id in the JSON type it was defined with.
fn segment_json(segment: &Segment) -> Value {
    let key = segment_key(&segment.id).unwrap_or_default();
    json!({
        "id": segment.id,
        "name": segment.name,
        "description": "",
        "type": segment.kind.as_str(),
        "progress": null,
        "deduplicate_id": format!("{key}:1700000000"),
        "state": "finished",
    })
}

/// `PUT /customers/{identifier}`: sets attributes, creating the person unless `_update` is `true`. Answers
/// 200 with an empty body either way, even when `_update` found nobody (the real API's quirk).
fn put_customer(state: &mut State, request: &Request, identifier: &str) -> Response {
    let Some(fields) = json_object(&request.body) else {
        return invalid_json();
    };
    let update_only = fields.get("_update") == Some(&Value::Bool(true));
    let index = match state.customerio.find_any(identifier) {
        Some(index) => index,
        None if update_only => return Response::empty(200),
        None => {
            let mut person = Person::new(if identifier.contains('@') { identifier } else { "" });
            if !identifier.contains('@') {
                person.id = Some(identifier.to_owned());
            }
            person.cio_id = new_cio_id();
            person.created_at = now_secs();
            state.customerio.people.push(person);
            state.customerio.people.len() - 1
        }
    };
    let person = &mut state.customerio.people[index];
    for (name, value) in fields {
        match name.as_str() {
            "_update" | "cio_id" => {}
            "created_at" => {
                if let Some(secs) = value.as_u64() {
                    person.created_at = secs;
                }
            }
            "email" => {
                if let Some(email) = value.as_str().filter(|e| !e.is_empty()) {
                    person.email = email.to_owned();
                }
            }
            "id" => {
                if let Some(id) = attribute_string(&value).filter(|id| !id.is_empty()) {
                    person.id = Some(id);
                }
            }
            _ => match attribute_string(&value) {
                Some(text) => {
                    person.attributes.insert(name, text);
                }
                None => {
                    person.attributes.remove(&name);
                }
            },
        }
    }
    Response::empty(200)
}

/// `POST /segments/{id}/add_customers|remove_customers?id_type=` with `{"ids":[…]}`: changes a manual
/// segment's members (unknown ids are ignored). Answers 200 with an empty body.
fn change_membership(state: &mut State, request: &Request, segment_id: &str, add: bool) -> Response {
    let Some(segment_id) = state.customerio.segment(segment_id).map(|s| s.id.clone()) else {
        return Response::json(404, &json!({"meta": {"errors": ["segment not found"]}}));
    };
    let id_type = match id_type(request) {
        Ok(id_type) => id_type,
        Err(answer) => return answer,
    };
    let Some(ids) = json_object(&request.body).and_then(|mut body| match body.remove("ids") {
        Some(Value::Array(ids)) => Some(ids),
        _ => None,
    }) else {
        return invalid_json();
    };
    let key = segment_key(&segment_id);
    for id in ids.iter().filter_map(attribute_string) {
        if let Some(index) = state.customerio.find(&id, id_type) {
            let segments = &mut state.customerio.people[index].segments;
            segments.retain(|s| segment_key(s) != key);
            if add {
                segments.push(segment_id.clone());
            }
        }
    }
    Response::empty(200)
}

/// The body as a JSON object; an empty body is an empty object.
fn json_object(body: &[u8]) -> Option<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Some(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn invalid_json() -> Response {
    Response::json(400, &json!({"meta": {"error": "invalid json"}}))
}

fn unauthorized() -> Response {
    Response::json(401, &json!({"meta": {"error": "Unauthorized request"}}))
}

fn not_found() -> Response {
    Response::json(404, &json!({"meta": {"error": "not found"}}))
}

/// The attributes endpoint's 404.
fn person_not_found_errors() -> Response {
    Response::json(404, &json!({"errors": [{"detail": "Resource not found", "status": "404"}]}))
}

/// The segments endpoint's 404.
fn person_not_found_meta() -> Response {
    Response::json(404, &json!({"meta": {"errors": ["person not found"]}}))
}

/// Decodes standard base64 (padding optional); `None` when it is not base64.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    const PADDING_OPTIONAL: GeneralPurpose = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    PADDING_OPTIONAL.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::ConfigUpdate;
    use crate::testkit::{app_get, basic, sandbox, track, Client, APP};
    use crate::{APP_KEY, SITE_ID, TRACK_KEY};

    #[test]
    fn seed_matches_the_documented_workspace() {
        let workspace = Workspace::seeded();
        assert_eq!(workspace.people.len(), 3);
        assert_eq!(workspace.segments.len(), 3);
        assert_eq!(workspace.segments[2].id, json!("42"));
        assert_eq!(workspace.person("JANE@example.com").unwrap().segments, [json!(1), json!("42")]);
        assert_eq!(workspace.person("john.smith@example.com").unwrap().email, "John.Smith@Example.com");
        assert_eq!(workspace.find("cust-1001", IdType::Id), Some(2));
        assert!(Workspace::default().people.is_empty());
    }

    #[test]
    fn upsert_by_email_keeps_the_cio_id_and_by_cio_id_may_add_a_twin() {
        let mut workspace = Workspace::seeded();
        let cio_id = workspace.person("jane@example.com").unwrap().cio_id.clone();
        let stored = workspace.upsert_person(Person::new("Jane@Example.com").attr("plan", "free"));
        assert_eq!(stored.cio_id, cio_id);
        assert_eq!(stored.created_at, 1_700_000_000);
        assert_eq!(workspace.people.len(), 3);
        workspace.upsert_person(Person::new("jane@example.com").cio_id("cio_twin"));
        assert_eq!(workspace.people.len(), 4);
        let fresh = workspace.upsert_person(Person::new("new@example.com"));
        assert!(fresh.cio_id.starts_with("cio_") && fresh.created_at > 1_700_000_000);
        assert_eq!(workspace.delete_people("JANE@EXAMPLE.COM"), 2);
    }

    #[test]
    fn segments_are_keyed_by_their_text_form() {
        let mut workspace = Workspace::seeded();
        workspace.upsert_segment(Segment::new("1", "Renamed"));
        assert_eq!(workspace.segments.len(), 3);
        assert_eq!(workspace.segment("1").unwrap().id, json!("1"));
        assert_eq!(workspace.segment("42").unwrap().name, "VIP");
    }

    #[test]
    fn customers_by_email_ignores_case_and_returns_the_stored_email() {
        let sandbox = sandbox();
        let found = app_get(&sandbox, &format!("{APP}/customers?email=john.smith%40example.com"));
        assert_eq!(found.status, 200);
        assert_eq!(found.header("content-type"), Some("application/json"));
        assert_eq!(
            found.json(),
            json!({"results": [{"email": "John.Smith@Example.com", "id": null, "cio_id": "cio_5eed000000000002"}]})
        );
        let with_id = app_get(&sandbox, &format!("{APP}/customers?email=ID-ONLY@example.com"));
        assert_eq!(with_id.json()["results"][0]["id"], "cust-1001");
        let none = app_get(&sandbox, &format!("{APP}/customers?email=nobody%40example.com"));
        assert_eq!(none.json(), json!({"results": []}));
        assert_eq!(app_get(&sandbox, &format!("{APP}/customers")).status, 400);
    }

    #[test]
    fn several_people_may_share_an_email() {
        let sandbox = sandbox();
        sandbox.put_person(Person::new("JANE@example.com").cio_id("cio_twin"));
        let found = app_get(&sandbox, &format!("{APP}/customers?email=jane%40example.com"));
        assert_eq!(found.json()["results"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn attributes_are_all_strings_with_identifiers() {
        let sandbox = sandbox();
        sandbox.put_person(Person::new("n@example.com").id("77").attr("age", "42"));
        let answer = app_get(&sandbox, &format!("{APP}/customers/jane%40example.com/attributes?id_type=email"));
        assert_eq!(answer.status, 200);
        let customer = &answer.json()["customer"];
        assert_eq!(customer["id"], Value::Null);
        assert_eq!(
            customer["identifiers"],
            json!({"email": "jane@example.com", "id": null, "cio_id": "cio_5eed000000000001"})
        );
        assert_eq!(
            customer["attributes"],
            json!({"first_name": "Jane", "last_name": "Doe", "plan": "pro",
                   "email": "jane@example.com", "cio_id": "cio_5eed000000000001"})
        );
        assert_eq!(customer["timestamps"], json!({"cio_id": 1_700_000_000, "email": 1_700_000_000}));
        assert_eq!(customer["unsubscribed"], false);
        assert_eq!(customer["devices"], json!([]));

        // id_type defaults to id.
        let by_id = app_get(&sandbox, &format!("{APP}/customers/77/attributes")).json();
        assert_eq!(by_id["customer"]["id"], "77");
        assert_eq!(by_id["customer"]["attributes"]["id"], "77");
        assert_eq!(by_id["customer"]["attributes"]["age"], "42");
        let by_cio = app_get(&sandbox, &format!("{APP}/customers/cio_5eed000000000003/attributes?id_type=cio_id"));
        assert_eq!(by_cio.json()["customer"]["attributes"]["first_name"], "Ida");
    }

    #[test]
    fn unknown_people_get_each_endpoint_s_404_shape() {
        let sandbox = sandbox();
        // An email is not an id: with the default id_type, jane is unknown.
        let attributes = app_get(&sandbox, &format!("{APP}/customers/jane%40example.com/attributes"));
        assert_eq!(attributes.status, 404);
        assert_eq!(attributes.json(), json!({"errors": [{"detail": "Resource not found", "status": "404"}]}));
        let segments = app_get(&sandbox, &format!("{APP}/customers/x%40y.z/segments?id_type=email"));
        assert_eq!(segments.status, 404);
        assert_eq!(segments.json(), json!({"meta": {"errors": ["person not found"]}}));
        assert_eq!(app_get(&sandbox, &format!("{APP}/customers/x/segments?id_type=phone")).status, 400);
    }

    #[test]
    fn a_person_s_segments_keep_their_id_types() {
        let sandbox = sandbox();
        let answer = app_get(&sandbox, &format!("{APP}/customers/JANE%40EXAMPLE.COM/segments?id_type=email"));
        assert_eq!(answer.status, 200);
        let segments = answer.json()["segments"].clone();
        assert_eq!(segments.as_array().unwrap().len(), 2);
        assert_eq!(segments[0]["id"], json!(1));
        assert_eq!(segments[1]["id"], json!("42"));
        assert_eq!(
            segments[0],
            json!({"id": 1, "name": "Customers", "description": "", "type": "dynamic", "progress": null,
                   "deduplicate_id": "1:1700000000", "state": "finished"})
        );
        let none = app_get(&sandbox, &format!("{APP}/customers/cust-1001/segments"));
        assert_eq!(none.json(), json!({"segments": []}));
        sandbox.put_person(Person::new("u@example.com").segments([json!(99)]));
        let undefined = app_get(&sandbox, &format!("{APP}/customers/u%40example.com/segments?id_type=email")).json();
        assert_eq!(undefined["segments"][0]["id"], json!(99));
        assert_eq!(undefined["segments"][0]["type"], "manual");
    }

    #[test]
    fn all_segments() {
        let sandbox = sandbox();
        let answer = app_get(&sandbox, &format!("{APP}/segments")).json();
        let ids: Vec<&Value> = answer["segments"].as_array().unwrap().iter().map(|s| &s["id"]).collect();
        assert_eq!(ids, [&json!(1), &json!(7), &json!("42")]);
        assert_eq!(answer["segments"][1]["name"], "Newsletter");
        assert_eq!(answer["segments"][1]["type"], "manual");
    }

    #[test]
    fn app_api_needs_the_bearer_key() {
        let sandbox = sandbox();
        let target = format!("{APP}/segments");
        for auth in [None, Some("Bearer wrong".to_owned()), Some(basic(SITE_ID, TRACK_KEY)), Some(APP_KEY.to_owned())] {
            let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
            let answer = Client::connect(&sandbox).request("GET", &target, &headers, b"");
            assert_eq!(answer.status, 401, "{auth:?}");
            assert_eq!(answer.json(), json!({"meta": {"error": "Unauthorized request"}}));
        }
        let lower =
            Client::connect(&sandbox).request("GET", &target, &[("authorization", "bearer sandbox-app-key")], b"");
        assert_eq!(lower.status, 200);
    }

    #[test]
    fn the_other_region_answers_401() {
        let sandbox = sandbox();
        assert_eq!(app_get(&sandbox, "/customerio/eu/app/v1/segments").status, 401);
        sandbox.set_config(ConfigUpdate::default().region(Region::Eu));
        assert_eq!(app_get(&sandbox, "/customerio/eu/app/v1/segments").status, 200);
        let us = app_get(&sandbox, "/customerio/us/app/v1/segments");
        assert_eq!(us.status, 401);
        assert_eq!(us.json(), json!({"meta": {"error": "Unauthorized request"}}));
        let auth = basic(SITE_ID, TRACK_KEY);
        let put = Client::connect(&sandbox).request(
            "PUT",
            "/customerio/us/track/api/v1/customers/jane@example.com",
            &[("Authorization", &auth)],
            br#"{"plan":"x"}"#,
        );
        assert_eq!(put.status, 401);
        assert_eq!(sandbox.person("jane@example.com").unwrap().attributes["plan"], "pro");
        assert_eq!(app_get(&sandbox, "/customerio/mars/app/v1/segments").status, 404);
    }

    #[test]
    fn unknown_routes_answer_404() {
        let sandbox = sandbox();
        for target in [format!("{APP}/nope"), format!("{APP}/customers/a/b/c"), "/elsewhere".to_owned()] {
            let answer = app_get(&sandbox, &target);
            assert_eq!(answer.status, 404, "{target}");
            assert_eq!(answer.json(), json!({"meta": {"error": "not found"}}));
        }
        let post = Client::connect(&sandbox).request(
            "POST",
            &format!("{APP}/segments"),
            &[("Authorization", &format!("Bearer {APP_KEY}"))],
            b"{}",
        );
        assert_eq!(post.status, 404);
    }

    #[test]
    fn track_put_upserts_string_attributes_with_an_empty_200() {
        let sandbox = sandbox();
        let answer = track(
            &sandbox,
            "PUT",
            "/customers/JANE@example.com",
            br#"{"plan":"team","seats":3,"vip":true,"last_name":null,"meta":{"a":1},"_update":true,"created_at":5}"#,
        );
        assert_eq!(answer.status, 200);
        assert!(answer.body.is_empty());
        assert_eq!(answer.header("content-length"), Some("0"));
        let jane = sandbox.person("jane@example.com").unwrap();
        assert_eq!(jane.attributes["plan"], "team");
        assert_eq!(jane.attributes["seats"], "3");
        assert_eq!(jane.attributes["vip"], "true");
        assert_eq!(jane.attributes["meta"], r#"{"a":1}"#);
        assert!(!jane.attributes.contains_key("last_name"));
        assert!(!jane.attributes.contains_key("_update") && !jane.attributes.contains_key("created_at"));
        assert_eq!(jane.created_at, 5);

        // Also by id and by cio_id.
        track(&sandbox, "PUT", "/customers/cust-1001", br#"{"plan":"basic"}"#);
        track(&sandbox, "PUT", "/customers/cio_5eed000000000002", br#"{"plan":"free"}"#);
        assert_eq!(sandbox.person("id-only@example.com").unwrap().attributes["plan"], "basic");
        assert_eq!(sandbox.person("john.smith@example.com").unwrap().attributes["plan"], "free");
    }

    #[test]
    fn track_put_creates_people_unless_update_only() {
        let sandbox = sandbox();
        let quirk = track(&sandbox, "PUT", "/customers/ghost%40example.com", br#"{"_update":true,"a":"b"}"#);
        assert_eq!((quirk.status, quirk.body.len()), (200, 0));
        assert!(sandbox.person("ghost@example.com").is_none());
        assert_eq!(sandbox.people().len(), 3);

        let created = track(&sandbox, "PUT", "/customers/new%40example.com", br#"{"first_name":"New"}"#);
        assert_eq!((created.status, created.body.len()), (200, 0));
        let person = sandbox.person("new@example.com").unwrap();
        assert_eq!(person.attributes["first_name"], "New");
        assert!(person.cio_id.starts_with("cio_"));

        track(&sandbox, "PUT", "/customers/cust-2", br#"{"email":"two@example.com"}"#);
        let two = sandbox.person("two@example.com").unwrap();
        assert_eq!(two.id.as_deref(), Some("cust-2"));
        track(&sandbox, "PUT", "/customers/empty%40example.com", b"");
        assert!(sandbox.person("empty@example.com").is_some());
    }

    #[test]
    fn track_put_refuses_malformed_json() {
        let sandbox = sandbox();
        for body in [&b"{not json"[..], b"[1,2]", b"\"text\""] {
            let answer = track(&sandbox, "PUT", "/customers/jane@example.com", body);
            assert_eq!(answer.status, 400);
            assert_eq!(answer.json(), json!({"meta": {"error": "invalid json"}}));
        }
    }

    #[test]
    fn track_api_needs_basic_auth() {
        let sandbox = sandbox();
        let target = "/customerio/us/track/api/v1/customers/jane@example.com";
        for auth in [
            String::new(),
            basic(SITE_ID, "wrong"),
            basic("wrong", TRACK_KEY),
            format!("Bearer {APP_KEY}"),
            "Basic !!!".to_owned(),
        ] {
            let headers: &[(&str, &str)] = if auth.is_empty() { &[] } else { &[("Authorization", &auth)] };
            let answer = Client::connect(&sandbox).request("PUT", target, headers, br#"{"plan":"x"}"#);
            assert_eq!(answer.status, 401, "{auth}");
            assert_eq!(answer.json(), json!({"meta": {"error": "Unauthorized request"}}));
        }
        assert_eq!(sandbox.person("jane@example.com").unwrap().attributes["plan"], "pro");
        sandbox.set_config(ConfigUpdate::default().site_id("s").track_key("k"));
        let auth = basic("s", "k");
        let answer = Client::connect(&sandbox).request("PUT", target, &[("Authorization", &auth)], br#"{"plan":"x"}"#);
        assert_eq!(answer.status, 200);
    }

    #[test]
    fn region_endpoint_reports_the_workspace_region_from_either_host() {
        let sandbox = sandbox();
        let us = track(&sandbox, "GET", "/accounts/region", b"");
        assert_eq!(us.json(), json!({"url": "https://track.customer.io", "region": "us", "environment_id": 1}));
        sandbox.set_config(ConfigUpdate::default().region(Region::Eu));
        let from_us_host = track(&sandbox, "GET", "/accounts/region", b"");
        assert_eq!(from_us_host.status, 200);
        assert_eq!(from_us_host.json()["region"], "eu");
        assert_eq!(from_us_host.json()["url"], "https://track-eu.customer.io");
        let unauthenticated =
            Client::connect(&sandbox).request("GET", "/customerio/eu/track/api/v1/accounts/region", &[], b"");
        assert_eq!(unauthenticated.status, 401);
    }

    #[test]
    fn manual_segment_membership() {
        let sandbox = sandbox();
        let add = track(
            &sandbox,
            "POST",
            "/segments/7/add_customers?id_type=email",
            br#"{"ids":["JANE@example.com","nobody@x.y"]}"#,
        );
        assert_eq!((add.status, add.body.len()), (200, 0));
        assert_eq!(sandbox.person("jane@example.com").unwrap().segments, [json!(1), json!("42"), json!(7)]);
        track(&sandbox, "POST", "/segments/42/remove_customers?id_type=email", br#"{"ids":["jane@example.com"]}"#);
        assert_eq!(sandbox.person("jane@example.com").unwrap().segments, [json!(1), json!(7)]);
        track(&sandbox, "POST", "/segments/7/add_customers", br#"{"ids":["cust-1001"]}"#);
        assert_eq!(sandbox.person("id-only@example.com").unwrap().segments, [json!(7)]);
        assert_eq!(track(&sandbox, "POST", "/segments/999/add_customers", br#"{"ids":[]}"#).status, 404);
        assert_eq!(track(&sandbox, "POST", "/segments/7/add_customers", br#"{"nope":1}"#).status, 400);
    }

    #[test]
    fn keep_alive_requests_share_a_connection_id() {
        let sandbox = sandbox();
        let mut client = Client::connect(&sandbox);
        let auth = [("Authorization", format!("Bearer {APP_KEY}"))];
        let auth: Vec<(&str, &str)> = auth.iter().map(|(n, v)| (*n, v.as_str())).collect();
        assert_eq!(client.request("GET", &format!("{APP}/segments"), &auth, b"").status, 200);
        assert_eq!(client.request("GET", &format!("{APP}/customers?email=jane%40example.com"), &auth, b"").status, 200);
        app_get(&sandbox, &format!("{APP}/segments"));
        let records = sandbox.requests();
        assert_eq!(records[0].connection, records[1].connection);
        assert_ne!(records[1].connection, records[2].connection);
    }

    #[test]
    fn chunked_track_bodies_are_understood() {
        let sandbox = sandbox();
        let mut client = Client::connect(&sandbox);
        let auth = basic(SITE_ID, TRACK_KEY);
        client.send(format!(
            "PUT /customerio/us/track/api/v1/customers/jane%40example.com HTTP/1.1\r\nHost: x\r\n\
             Authorization: {auth}\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n{{\"plan\":\r\n8\r\n\"chunk\"}}\r\n0\r\n\r\n"
        ));
        assert_eq!(client.read_response().unwrap().status, 200);
        assert_eq!(sandbox.person("jane@example.com").unwrap().attributes["plan"], "chunk");
        let record = &sandbox.requests()[0];
        assert_eq!(record.body, r#"{"plan":"chunk"}"#);
        assert_eq!(record.header("transfer-encoding"), Some("chunked"));
        assert_eq!(record.path, "/customerio/us/track/api/v1/customers/jane@example.com");
    }

    #[test]
    fn base64_decoding() {
        assert_eq!(base64_decode("YTpi").as_deref(), Some(&b"a:b"[..]));
        assert_eq!(base64_decode("YTpiYw==").as_deref(), Some(&b"a:bc"[..]));
        assert_eq!(base64_decode("YTpiYw").as_deref(), Some(&b"a:bc"[..]));
        assert_eq!(base64_decode(""), Some(Vec::new()));
        assert_eq!(base64_decode("Y"), None);
        assert_eq!(base64_decode("YT*i"), None);
        assert_eq!(base64_decode("YQ==="), None);
        assert_eq!(basic("a", "b"), "Basic YTpi");
    }
}
