//! Customerly's API (`https://api.customerly.io/v1`), served under `/customerly/v1`, with its quirks.
//!
//! - Auth: the access token as `Authorization: Bearer <token>` or as the legacy
//!   `Authentication: AccessToken: <token>`; either header will do. No token, or a wrong one, answers HTTP
//!   **500** (not 401) with an `error` body.
//! - Errors are `{"error":{"message","code"}}`, and an unknown user is an HTTP **200** carrying one.
//! - `POST /users` creates the users it does not know (clients must look up first), merges attributes and
//!   adds tags.
//! - A contact is a user or a lead, one per email (any case); attribute values keep their JSON type; tags
//!   are names, and the project's tag list keeps every tag ever given.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Map, Value};

use crate::http::{Request, Response};
use crate::model::SEED_CREATED_AT;
use crate::state::{now_secs, State};

/// Default Customerly access token (`Authorization: Bearer sandbox-customerly-token`).
pub const CUSTOMERLY_TOKEN: &str = "sandbox-customerly-token";

/// The first path segment of Customerly's API.
pub(crate) const PREFIX: &str = "customerly";

/// The `app_id` every contact reports.
const APP_ID: &str = "sandbox-app";

/// The first `crmhero_user_id` given out (the seeded contacts have the first three).
const FIRST_CRMHERO_USER_ID: u64 = 5_000_001;

/// `error.code` in the 500 answered for a missing or wrong token (the real value is not documented).
const AUTH_ERROR_CODE: u16 = 401;

/// Whether a Customerly contact is a user or a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CustomerlyKind {
    /// A user: found by `GET /users`.
    #[default]
    User,
    /// A lead: found by `GET /leads` only.
    Lead,
}

/// A contact (user or lead) in the fake Customerly project.
///
/// JSON: `{"email", "name", "user_id", "crmhero_user_id", "kind": "user" | "lead", "attributes": {…},
/// "tags": […], "created_at", "last_update"}`. On input only `email` is required; `user_id` may be a
/// string or a number (stored as a string); a `crmhero_user_id`, `created_at` or `last_update` of 0 is
/// filled in when the contact is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerlyContact {
    /// Email address, as stored (lookups ignore case).
    pub email: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The site's own id for the contact.
    #[serde(default, deserialize_with = "optional_text")]
    pub user_id: Option<String>,
    /// Customerly's numeric id; generated when 0.
    #[serde(default)]
    pub crmhero_user_id: u64,
    /// User or lead.
    #[serde(default)]
    pub kind: CustomerlyKind,
    /// Attribute values, in their JSON types (strings, numbers, booleans); `null` means no attribute.
    #[serde(default)]
    pub attributes: BTreeMap<String, Value>,
    /// Tag names, each once.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Creation time, UNIX seconds.
    #[serde(default)]
    pub created_at: u64,
    /// Last change, UNIX seconds.
    #[serde(default)]
    pub last_update: u64,
}

impl CustomerlyContact {
    /// A user with this email and nothing else.
    #[must_use]
    pub fn user(email: impl Into<String>) -> Self {
        CustomerlyContact {
            email: email.into(),
            name: None,
            user_id: None,
            crmhero_user_id: 0,
            kind: CustomerlyKind::User,
            attributes: BTreeMap::new(),
            tags: Vec::new(),
            created_at: 0,
            last_update: 0,
        }
    }

    /// A lead with this email and nothing else.
    #[must_use]
    pub fn lead(email: impl Into<String>) -> Self {
        CustomerlyContact { kind: CustomerlyKind::Lead, ..CustomerlyContact::user(email) }
    }

    /// Sets the display name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the site's own id.
    #[must_use]
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Sets Customerly's numeric id.
    #[must_use]
    pub fn crmhero_user_id(mut self, id: u64) -> Self {
        self.crmhero_user_id = id;
        self
    }

    /// Sets one attribute, keeping its JSON type (`"pro"`, `3`, `true`, `json!(…)`).
    #[must_use]
    pub fn attr(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attributes.insert(name.into(), value.into());
        self
    }

    /// Replaces the tags.
    #[must_use]
    pub fn tags<I>(mut self, tags: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Whether `email` is this contact's email, ignoring ASCII case.
    fn has_email(&self, email: &str) -> bool {
        !email.is_empty() && self.email.eq_ignore_ascii_case(email)
    }

    /// Adds a tag unless the contact has it.
    fn add_tag(&mut self, tag: String) {
        if !tag.is_empty() && !self.tags.contains(&tag) {
            self.tags.push(tag);
        }
    }

    /// The contact as `GET /users` and `GET /leads` give it, under `data`.
    fn to_api_json(&self) -> Value {
        json!({
            "email": self.email,
            "name": self.name,
            "user_id": self.user_id,
            "crmhero_user_id": self.crmhero_user_id,
            "app_id": APP_ID,
            "attributes": self.attributes,
            "tags": self.tags,
            "created_at": self.created_at,
            "last_update": self.last_update,
        })
    }
}

/// Deserializes an optional id given as a string or a number, storing it as a string.
fn optional_text<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(serde::de::Error::custom(format!("expected a string or a number, got {other}"))),
    }
}

/// The fake Customerly project: its contacts and its tags.
#[derive(Debug, Default)]
pub(crate) struct Project {
    /// In insertion order, one per email (any case).
    contacts: Vec<CustomerlyContact>,
    /// Every tag ever given to a contact, plus the seeded ones.
    tags: BTreeSet<String>,
    /// The next `crmhero_user_id` to give out (at least [`FIRST_CRMHERO_USER_ID`]).
    next_id: u64,
}

impl Project {
    /// The default seed: users `jane@example.com` and `John.Smith@Example.com`, lead `lead@example.com`,
    /// and the tag `remarketing`, which no contact has.
    pub fn seeded() -> Project {
        let mut project = Project::default();
        let contacts = [
            CustomerlyContact::user("jane@example.com")
                .name("Jane Doe")
                .attr("first_name", "Jane")
                .attr("last_name", "Doe")
                .attr("plan", "pro")
                .attr("seats", 3)
                .tags(["onboarding", "vip"]),
            CustomerlyContact::user("John.Smith@Example.com")
                .name("John Smith")
                .attr("first_name", "John")
                .attr("last_name", "Smith")
                .tags(["newsletter"]),
            CustomerlyContact::lead("lead@example.com").name("Lee Lead").tags(["prospect"]),
        ];
        for (id, mut contact) in (FIRST_CRMHERO_USER_ID..).zip(contacts) {
            contact.crmhero_user_id = id;
            contact.created_at = SEED_CREATED_AT;
            contact.last_update = SEED_CREATED_AT;
            project.put(contact);
        }
        project.tags.insert("remarketing".to_owned());
        project
    }

    /// Every contact, in insertion order.
    pub fn contacts(&self) -> &[CustomerlyContact] {
        &self.contacts
    }

    /// The contact with this email (any case).
    pub fn contact(&self, email: &str) -> Option<&CustomerlyContact> {
        self.contacts.iter().find(|c| c.has_email(email))
    }

    /// The project's tags, sorted.
    pub fn tags(&self) -> Vec<String> {
        self.tags.iter().cloned().collect()
    }

    /// Stores a contact, replacing the one with the same email (any case), and returns it as stored.
    ///
    /// A zero `crmhero_user_id` or `created_at` keeps the replaced contact's (or is generated: the next id,
    /// now); a zero `last_update` becomes now. `null` attributes are dropped, and repeated or empty tags.
    pub fn put(&mut self, mut contact: CustomerlyContact) -> CustomerlyContact {
        let existing = self.contacts.iter().position(|c| c.has_email(&contact.email));
        if let Some(index) = existing {
            let old = &self.contacts[index];
            if contact.crmhero_user_id == 0 {
                contact.crmhero_user_id = old.crmhero_user_id;
            }
            if contact.created_at == 0 {
                contact.created_at = old.created_at;
            }
        }
        contact.crmhero_user_id = self.claim_id(contact.crmhero_user_id);
        let now = now_secs();
        if contact.created_at == 0 {
            contact.created_at = now;
        }
        if contact.last_update == 0 {
            contact.last_update = now;
        }
        contact.attributes.retain(|_, value| !value.is_null());
        for tag in std::mem::take(&mut contact.tags) {
            contact.add_tag(tag);
        }
        self.tags.extend(contact.tags.iter().cloned());
        match existing {
            Some(index) => self.contacts[index] = contact.clone(),
            None => self.contacts.push(contact.clone()),
        }
        contact
    }

    /// Removes the contact with this email (any case); whether there was one.
    pub fn delete(&mut self, email: &str) -> bool {
        let before = self.contacts.len();
        self.contacts.retain(|c| !c.has_email(email));
        self.contacts.len() != before
    }

    /// What `POST /users` does with one entry: updates the contact with that email, making it a user, or
    /// creates a user. Returns whether it created one.
    fn upsert_user(&mut self, user: UserUpsert) -> bool {
        let now = now_secs();
        let (index, created) = match self.contacts.iter().position(|c| c.has_email(&user.email)) {
            Some(index) => (index, false),
            None => {
                let mut contact = CustomerlyContact::user(user.email);
                contact.crmhero_user_id = self.claim_id(0);
                contact.created_at = now;
                self.contacts.push(contact);
                (self.contacts.len() - 1, true)
            }
        };
        self.tags.extend(user.tags.iter().filter(|tag| !tag.is_empty()).cloned());
        let contact = &mut self.contacts[index];
        contact.kind = CustomerlyKind::User;
        if let Some(name) = user.name {
            contact.name = Some(name);
        }
        if let Some(user_id) = user.user_id {
            contact.user_id = Some(user_id);
        }
        for (name, value) in user.attributes {
            if value.is_null() {
                contact.attributes.remove(&name);
            } else {
                contact.attributes.insert(name, value);
            }
        }
        user.tags.into_iter().for_each(|tag| contact.add_tag(tag));
        contact.last_update = now;
        created
    }

    /// `id` (keeping later generated ids above it), or the next free `crmhero_user_id` when `id` is 0.
    fn claim_id(&mut self, id: u64) -> u64 {
        let next = self.next_id.max(FIRST_CRMHERO_USER_ID);
        let id = if id == 0 { next } else { id };
        self.next_id = next.max(id.saturating_add(1));
        id
    }
}

/// `POST /users` body.
#[derive(Deserialize)]
struct UsersBody {
    users: Vec<UserUpsert>,
}

/// One entry of `POST /users`; other fields are ignored.
#[derive(Deserialize)]
struct UserUpsert {
    email: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    user_id: Option<String>,
    #[serde(default)]
    attributes: Map<String, Value>,
    #[serde(default)]
    tags: Vec<String>,
}

/// Answers an API request under `/customerly`.
pub(crate) fn handle(state: &mut State, request: &Request) -> Response {
    let path: Vec<&str> = request.segments.iter().map(String::as_str).collect();
    let [PREFIX, "v1", rest @ ..] = path.as_slice() else {
        return not_found();
    };
    if let Err(answer) = authenticate(request, &state.config.customerly_token) {
        return answer;
    }
    let project = &mut state.customerly;
    match (request.method.as_str(), rest) {
        ("GET", ["users"]) => find_contact(project, request, CustomerlyKind::User),
        ("GET", ["leads"]) => find_contact(project, request, CustomerlyKind::Lead),
        ("POST", ["users"]) => upsert_users(project, request),
        ("GET", ["tags"]) => Response::json(200, &json!({"data": project.tags()})),
        _ => not_found(),
    }
}

/// Checks the access token, from `Authorization: Bearer …` or `Authentication: AccessToken: …`: both
/// failures are HTTP 500, "not found" when no token came, "must provide a valid header" when none matched.
fn authenticate(request: &Request, token: &str) -> Result<(), Response> {
    let bearer = request.header("authorization").and_then(|value| {
        value.trim().split_once(' ').filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer")).map(|(_, t)| t)
    });
    let legacy = request.header("authentication").and_then(|value| {
        value.split_once(':').filter(|(scheme, _)| scheme.trim().eq_ignore_ascii_case("accesstoken")).map(|(_, t)| t)
    });
    let given: Vec<&str> = [bearer, legacy].into_iter().flatten().map(str::trim).filter(|t| !t.is_empty()).collect();
    if given.is_empty() {
        Err(error(500, "Access token not found", AUTH_ERROR_CODE))
    } else if given.contains(&token) {
        Ok(())
    } else {
        Err(error(500, "You must provide a valid header Authorization with a valid access token", AUTH_ERROR_CODE))
    }
}

/// `GET /users?email=` and `GET /leads?email=` → `{"data":{…}}`. An unknown user is a 200 with an error
/// body (the real API's quirk); an unknown lead is a 404.
fn find_contact(project: &Project, request: &Request, kind: CustomerlyKind) -> Response {
    let Some(email) = request.query_param("email").filter(|e| !e.is_empty()) else {
        return error(400, "email is required", 400);
    };
    match (project.contact(&email).filter(|c| c.kind == kind), kind) {
        (Some(contact), _) => Response::json(200, &json!({"data": contact.to_api_json()})),
        (None, CustomerlyKind::User) => error(200, "User doesn't exist", 404),
        (None, CustomerlyKind::Lead) => error(404, "Lead doesn't exist", 404),
    }
}

/// `POST /users` with `{"users":[…]}` → `{"data":{"inserted","updated"}}`. Nothing changes unless every
/// entry is valid.
fn upsert_users(project: &mut Project, request: &Request) -> Response {
    let body: UsersBody = match serde_json::from_slice(&request.body) {
        Ok(body) => body,
        Err(e) => return error(400, &format!("invalid body: {e}"), 400),
    };
    if body.users.iter().any(|user| user.email.is_empty()) {
        return error(400, "email is required", 400);
    }
    let (mut inserted, mut updated) = (0, 0);
    for user in body.users {
        if project.upsert_user(user) {
            inserted += 1;
        } else {
            updated += 1;
        }
    }
    Response::json(200, &json!({"data": {"inserted": inserted, "updated": updated}}))
}

/// `{"error":{"message","code"}}` with this HTTP status (which need not be `code`).
fn error(status: u16, message: &str, code: u16) -> Response {
    Response::json(status, &json!({"error": {"message": message, "code": code}}))
}

fn not_found() -> Response {
    error(404, "Not found", 404)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use serde_json::json;

    use super::*;
    use crate::testkit::{control, customerly, sandbox, Answer, Client};
    use crate::{ConfigUpdate, Fault, FaultAction, Sandbox};

    const API: &str = "/customerly/v1";

    fn get(sandbox: &Sandbox, target: &str, headers: &[(&str, &str)]) -> Answer {
        Client::connect(sandbox).request("GET", &format!("{API}{target}"), headers, b"")
    }

    #[test]
    fn seed_and_generated_ids() {
        let mut project = Project::seeded();
        let ids: Vec<u64> = project.contacts().iter().map(|c| c.crmhero_user_id).collect();
        assert_eq!(ids, [5_000_001, 5_000_002, 5_000_003]);
        assert_eq!(project.tags(), ["newsletter", "onboarding", "prospect", "remarketing", "vip"]);
        assert_eq!(project.contact("LEAD@example.com").unwrap().kind, CustomerlyKind::Lead);
        let fresh = project.put(CustomerlyContact::user("a@b.c").tags(["x", "x", ""]).attr("gone", Value::Null));
        assert_eq!(fresh.crmhero_user_id, 5_000_004);
        assert_eq!(fresh.tags, ["x"]);
        assert!(fresh.attributes.is_empty() && fresh.created_at > SEED_CREATED_AT);
        let explicit = project.put(CustomerlyContact::user("b@b.c").crmhero_user_id(9_000_000));
        assert_eq!(explicit.crmhero_user_id, 9_000_000);
        assert_eq!(project.put(CustomerlyContact::lead("c@b.c")).crmhero_user_id, 9_000_001);
        // Replacing keeps the id and creation time.
        let jane = project.put(CustomerlyContact::user("JANE@example.com"));
        assert_eq!((jane.crmhero_user_id, jane.created_at), (5_000_001, SEED_CREATED_AT));
        assert!(jane.attributes.is_empty() && jane.tags.is_empty());
        assert_eq!(project.contacts().len(), 6);
        assert!(project.delete("Jane@Example.com") && !project.delete("jane@example.com"));
        // Tags stay in the project's list.
        assert!(project.tags().contains(&"vip".to_owned()));
    }

    #[test]
    fn contact_json_accepts_numeric_user_ids_and_defaults_to_user() {
        let contact: CustomerlyContact =
            serde_json::from_value(json!({"email": "a@b.c", "user_id": 42, "attributes": {"n": 1.5, "ok": true}}))
                .unwrap();
        assert_eq!(contact.user_id.as_deref(), Some("42"));
        assert_eq!(contact.kind, CustomerlyKind::User);
        assert_eq!(contact.attributes["n"], json!(1.5));
        assert!(serde_json::from_value::<CustomerlyContact>(json!({"email": "a@b.c", "user_id": [1]})).is_err());
        assert!(serde_json::from_value::<CustomerlyContact>(json!({"email": "a@b.c", "kind": "ghost"})).is_err());
        let built = CustomerlyContact::lead("l@b.c").name("L").user_id("7").attr("plan", json!("pro")).tags(["t"]);
        assert_eq!(
            serde_json::to_value(&built).unwrap(),
            json!({"email": "l@b.c", "name": "L", "user_id": "7", "crmhero_user_id": 0, "kind": "lead",
                   "attributes": {"plan": "pro"}, "tags": ["t"], "created_at": 0, "last_update": 0})
        );
    }

    #[test]
    fn both_auth_headers_work() {
        let sandbox = sandbox();
        let bearer = format!("Bearer {CUSTOMERLY_TOKEN}");
        let legacy = format!("AccessToken: {CUSTOMERLY_TOKEN}");
        let lower = format!("bearer {CUSTOMERLY_TOKEN}");
        let accepted: [&[(&str, &str)]; 5] = [
            &[("Authorization", &bearer)],
            &[("Authentication", &legacy)],
            &[("authorization", &lower)],
            // What clients send: both; one good one is enough.
            &[("Authorization", &bearer), ("Authentication", &legacy)],
            &[("Authorization", "Bearer wrong"), ("Authentication", &legacy)],
        ];
        for headers in accepted {
            let answer = get(&sandbox, "/tags", headers);
            assert_eq!(answer.status, 200, "{headers:?}");
        }
        sandbox.set_config(ConfigUpdate::default().customerly_token("rotated"));
        assert_eq!(get(&sandbox, "/tags", &[("Authorization", &bearer)]).status, 500);
        assert_eq!(get(&sandbox, "/tags", &[("Authentication", "AccessToken: rotated")]).status, 200);
    }

    #[test]
    fn missing_token_answers_500_access_token_not_found() {
        let sandbox = sandbox();
        let missing: [&[(&str, &str)]; 4] = [
            &[],
            &[("Authorization", "Bearer ")],
            &[("Authentication", "AccessToken:")],
            &[("Authorization", "Basic c2FuZGJveDp4")],
        ];
        for headers in missing {
            let answer = get(&sandbox, "/users?email=jane%40example.com", headers);
            assert_eq!(answer.status, 500, "{headers:?}");
            assert_eq!(answer.header("content-type"), Some("application/json"));
            assert_eq!(answer.json(), json!({"error": {"message": "Access token not found", "code": 401}}));
        }
    }

    #[test]
    fn wrong_token_answers_500_you_must_provide_a_valid_header() {
        let sandbox = sandbox();
        let wrong: [&[(&str, &str)]; 4] = [
            &[("Authorization", "Bearer wrong")],
            &[("Authentication", "AccessToken: wrong")],
            &[("Authorization", "Bearer wrong"), ("Authentication", "AccessToken: also-wrong")],
            // The App API key of Customer.io is not Customerly's token.
            &[("Authorization", "Bearer sandbox-app-key")],
        ];
        for headers in wrong {
            let answer = Client::connect(&sandbox).request("POST", &format!("{API}/users"), headers, b"{\"users\":[]}");
            assert_eq!(answer.status, 500, "{headers:?}");
            assert_eq!(
                answer.json(),
                json!({"error": {
                    "message": "You must provide a valid header Authorization with a valid access token",
                    "code": 401,
                }})
            );
        }
    }

    #[test]
    fn user_lookup_ignores_case_and_keeps_json_types() {
        let sandbox = sandbox();
        let answer = customerly(&sandbox, "GET", "/users?email=JANE%40Example.com", b"");
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(
            answer.json(),
            json!({"data": {
                "email": "jane@example.com",
                "name": "Jane Doe",
                "user_id": null,
                "crmhero_user_id": 5_000_001,
                "app_id": "sandbox-app",
                "attributes": {"first_name": "Jane", "last_name": "Doe", "plan": "pro", "seats": 3},
                "tags": ["onboarding", "vip"],
                "created_at": 1_700_000_000,
                "last_update": 1_700_000_000,
            }})
        );
        let john = customerly(&sandbox, "GET", "/users?email=john.smith@example.com", b"").json();
        assert_eq!(john["data"]["email"], "John.Smith@Example.com");
        assert_eq!(john["data"]["tags"], json!(["newsletter"]));
        sandbox.put_customerly_contact(CustomerlyContact::user("u@example.com").user_id("wp-7").attr("vip", true));
        let with_id = customerly(&sandbox, "GET", "/users?email=u%40example.com", b"").json();
        assert_eq!(with_id["data"]["user_id"], "wp-7");
        assert_eq!(with_id["data"]["attributes"], json!({"vip": true}));
        assert_eq!(with_id["data"]["name"], Value::Null);
    }

    #[test]
    fn unknown_user_is_a_200_with_an_error_body() {
        let sandbox = sandbox();
        // A lead is not a user either.
        for email in ["nobody%40example.com", "lead%40example.com"] {
            let answer = customerly(&sandbox, "GET", &format!("/users?email={email}"), b"");
            assert_eq!(answer.status, 200, "{email}");
            assert_eq!(answer.json(), json!({"error": {"message": "User doesn't exist", "code": 404}}));
        }
        for target in ["/users", "/users?email=", "/leads"] {
            let answer = customerly(&sandbox, "GET", target, b"");
            assert_eq!(answer.status, 400, "{target}");
            assert_eq!(answer.json(), json!({"error": {"message": "email is required", "code": 400}}));
        }
    }

    #[test]
    fn lead_lookup_and_unknown_lead_404() {
        let sandbox = sandbox();
        let lead = customerly(&sandbox, "GET", "/leads?email=Lead%40example.com", b"");
        assert_eq!(lead.status, 200);
        let data = &lead.json()["data"];
        assert_eq!(data["email"], "lead@example.com");
        assert_eq!(data["name"], "Lee Lead");
        assert_eq!(data["crmhero_user_id"], 5_000_003);
        assert_eq!(data["tags"], json!(["prospect"]));
        assert_eq!(data["attributes"], json!({}));
        for email in ["nobody%40example.com", "jane%40example.com"] {
            let answer = customerly(&sandbox, "GET", &format!("/leads?email={email}"), b"");
            assert_eq!(answer.status, 404, "{email}");
            assert_eq!(answer.json(), json!({"error": {"message": "Lead doesn't exist", "code": 404}}));
        }
    }

    #[test]
    fn post_users_upserts_merges_attributes_and_adds_tags() {
        let sandbox = sandbox();
        let body = json!({"users": [
            {"email": "JANE@example.com", "attributes": {"plan": "team", "seats": 5, "trial": false, "last_name": null},
             "tags": ["vip", "renewed"]},
            {"email": "new@example.com", "name": "New Person", "user_id": 42, "attributes": {"plan": "free"},
             "tags": ["trial"], "phone": "ignored"},
            {"email": "lead@example.com", "tags": ["converted"]},
        ]});
        let answer = customerly(&sandbox, "POST", "/users", body.to_string().as_bytes());
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(answer.json(), json!({"data": {"inserted": 1, "updated": 2}}));

        let jane = sandbox.customerly_contact("jane@example.com").unwrap();
        assert_eq!(jane.email, "jane@example.com");
        assert_eq!(jane.name.as_deref(), Some("Jane Doe"));
        assert_eq!(
            serde_json::to_value(&jane.attributes).unwrap(),
            json!({"first_name": "Jane", "plan": "team", "seats": 5, "trial": false})
        );
        assert_eq!(jane.tags, ["onboarding", "vip", "renewed"]);
        assert_eq!(jane.created_at, SEED_CREATED_AT);
        assert!(jane.last_update > SEED_CREATED_AT);

        let created = customerly(&sandbox, "GET", "/users?email=new%40example.com", b"").json();
        let data = &created["data"];
        assert_eq!((data["name"].clone(), data["user_id"].clone()), (json!("New Person"), json!("42")));
        assert_eq!(data["crmhero_user_id"], 5_000_004);
        assert_eq!(data["attributes"], json!({"plan": "free"}));
        assert_eq!(data["tags"], json!(["trial"]));

        // The lead became a user, keeping what it had.
        let converted = customerly(&sandbox, "GET", "/users?email=lead%40example.com", b"").json();
        assert_eq!(converted["data"]["name"], "Lee Lead");
        assert_eq!(converted["data"]["crmhero_user_id"], 5_000_003);
        assert_eq!(converted["data"]["tags"], json!(["prospect", "converted"]));
        assert_eq!(customerly(&sandbox, "GET", "/leads?email=lead%40example.com", b"").status, 404);
        assert_eq!(sandbox.customerly_contacts().len(), 4);

        // The same email twice in one request: created, then updated.
        let twice = json!({"users": [{"email": "t@example.com"}, {"email": "T@example.com", "name": "T"}]});
        let answer = customerly(&sandbox, "POST", "/users", twice.to_string().as_bytes());
        assert_eq!(answer.json(), json!({"data": {"inserted": 1, "updated": 1}}));
        let t = sandbox.customerly_contact("t@example.com").unwrap();
        assert_eq!((t.email.as_str(), t.name.as_deref()), ("t@example.com", Some("T")));
    }

    #[test]
    fn post_users_refuses_bad_bodies_and_changes_nothing() {
        let sandbox = sandbox();
        let bodies: [&[u8]; 7] = [
            b"{not json",
            b"",
            b"[]",
            b"{\"people\":[]}",
            b"{\"users\":{\"email\":\"a@b.c\"}}",
            b"{\"users\":[{\"email\":\"ok@b.c\"},{\"name\":\"no email\"}]}",
            b"{\"users\":[{\"email\":\"ok@b.c\"},{\"email\":\"\"}]}",
        ];
        for body in bodies {
            let answer = customerly(&sandbox, "POST", "/users", body);
            assert_eq!(answer.status, 400, "{}", String::from_utf8_lossy(body));
            let error = &answer.json()["error"];
            assert_eq!(error["code"], 400);
            assert!(!error["message"].as_str().unwrap().is_empty());
        }
        assert!(sandbox.customerly_contact("ok@b.c").is_none());
        assert_eq!(sandbox.customerly_contacts().len(), 3);
    }

    #[test]
    fn tags_are_sorted_unique_and_grow() {
        let sandbox = sandbox();
        let answer = customerly(&sandbox, "GET", "/tags", b"");
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json(), json!({"data": ["newsletter", "onboarding", "prospect", "remarketing", "vip"]}));
        customerly(&sandbox, "POST", "/users", br#"{"users":[{"email":"jane@example.com","tags":["aaa","vip"]}]}"#);
        sandbox.put_customerly_contact(CustomerlyContact::lead("z@example.com").tags(["zzz"]));
        let tags = customerly(&sandbox, "GET", "/tags", b"").json();
        assert_eq!(tags["data"][0], "aaa");
        assert_eq!(tags["data"].as_array().unwrap().last().unwrap(), "zzz");
        assert_eq!(tags["data"].as_array().unwrap().len(), 7);
        let empty = Sandbox::start_empty("127.0.0.1:0").unwrap();
        assert_eq!(customerly(&empty, "GET", "/tags", b"").json(), json!({"data": []}));
    }

    #[test]
    fn unknown_routes_answer_404() {
        let sandbox = sandbox();
        for (method, target) in [
            ("GET", "/customerly/v1/nope"),
            ("GET", "/customerly/v1/users/jane@example.com"),
            ("DELETE", "/customerly/v1/users"),
            ("POST", "/customerly/v1/tags"),
            ("GET", "/customerly/v2/users?email=jane%40example.com"),
            ("GET", "/customerly"),
        ] {
            let auth = format!("Bearer {CUSTOMERLY_TOKEN}");
            let answer = Client::connect(&sandbox).request(method, target, &[("Authorization", &auth)], b"");
            assert_eq!(answer.status, 404, "{method} {target}");
            assert_eq!(answer.json(), json!({"error": {"message": "Not found", "code": 404}}));
        }
        // Customer.io's paths and 404 are unchanged.
        let other = Client::connect(&sandbox).request("GET", "/elsewhere", &[], b"");
        assert_eq!(other.json(), json!({"meta": {"error": "not found"}}));
    }

    #[test]
    fn faults_latency_and_recording_apply_to_customerly_paths() {
        let sandbox = sandbox();
        sandbox.add_fault(
            Fault::new(FaultAction::status(503)).method("POST").path_contains("/customerly/v1/users").times(1),
        );
        sandbox.add_fault(Fault::new(FaultAction::Malformed).path_contains("/customerly/v1/tags").times(1));
        let body = br#"{"users":[{"email":"f@example.com"}]}"#;
        assert_eq!(customerly(&sandbox, "POST", "/users", body).status, 503);
        assert!(sandbox.customerly_contact("f@example.com").is_none());
        assert_eq!(customerly(&sandbox, "GET", "/users?email=jane%40example.com", b"").status, 200);
        assert_eq!(customerly(&sandbox, "POST", "/users", body).status, 200);
        assert!(sandbox.customerly_contact("f@example.com").is_some());
        assert_eq!(customerly(&sandbox, "GET", "/tags", b"").text(), "{\"results\": [");
        assert!(sandbox.faults().is_empty());

        sandbox.set_latency_ms(150);
        let start = Instant::now();
        assert_eq!(customerly(&sandbox, "GET", "/tags", b"").status, 200);
        assert!(start.elapsed() >= Duration::from_millis(150));

        let records = sandbox.requests();
        let seen: Vec<(&str, &str, u16)> =
            records.iter().map(|r| (r.method.as_str(), r.path.as_str(), r.status)).collect();
        assert_eq!(
            seen,
            [
                ("POST", "/customerly/v1/users", 503),
                ("GET", "/customerly/v1/users", 200),
                ("POST", "/customerly/v1/users", 200),
                ("GET", "/customerly/v1/tags", 200),
                ("GET", "/customerly/v1/tags", 200),
            ]
        );
        assert_eq!(records[1].query_param("email").as_deref(), Some("jane@example.com"));
        assert_eq!(records[0].header("authorization"), Some("Bearer sandbox-customerly-token"));
        assert_eq!(records[0].header("authentication"), Some("AccessToken: sandbox-customerly-token"));
        assert_eq!(records[2].json(), Some(serde_json::from_slice::<Value>(body).unwrap()));
        assert!(records.iter().all(|r| r.finished_ms.is_some_and(|f| f >= r.started_ms)));
        assert!(records.windows(2).all(|w| w[0].connection < w[1].connection));
    }

    #[test]
    fn reset_restores_the_customerly_seed_and_token() {
        let sandbox = sandbox();
        sandbox.put_customerly_contact(CustomerlyContact::user("x@example.com").tags(["extra"]));
        assert!(sandbox.delete_customerly_contact("JANE@example.com"));
        assert!(!sandbox.delete_customerly_contact("jane@example.com"));
        sandbox.set_config(ConfigUpdate::default().customerly_token("other"));
        sandbox.reset();
        assert_eq!(sandbox.config().customerly_token, CUSTOMERLY_TOKEN);
        let emails: Vec<String> = sandbox.customerly_contacts().into_iter().map(|c| c.email).collect();
        assert_eq!(emails, ["jane@example.com", "John.Smith@Example.com", "lead@example.com"]);
        assert_eq!(
            customerly(&sandbox, "GET", "/users?email=jane%40example.com", b"").json()["data"]["attributes"]["seats"],
            3
        );
        assert!(!customerly(&sandbox, "GET", "/tags", b"").text().contains("extra"));

        // Over HTTP too.
        sandbox.put_customerly_contact(CustomerlyContact::user("y@example.com"));
        assert_eq!(control(&sandbox, "POST", "/_sandbox/reset", None).status, 200);
        assert!(sandbox.customerly_contact("y@example.com").is_none());
        assert_eq!(sandbox.customerly_contacts().len(), 3);
    }

    #[test]
    fn library_api() {
        let sandbox = Sandbox::start_empty("127.0.0.1:0").unwrap();
        assert_eq!(sandbox.customerly_url(), format!("{}/customerly/v1", sandbox.url()));
        assert!(sandbox.customerly_contacts().is_empty());
        let stored = sandbox
            .put_customerly_contact(CustomerlyContact::user("a@b.c").name("A").attr("plan", json!("pro")).tags(["x"]));
        assert_eq!(stored.crmhero_user_id, FIRST_CRMHERO_USER_ID);
        assert!(stored.created_at > 0 && stored.last_update > 0);
        assert_eq!(sandbox.customerly_contact("A@B.C"), Some(stored));
        assert_eq!(sandbox.put_customerly_contact(CustomerlyContact::lead("A@b.c")).kind, CustomerlyKind::Lead);
        assert_eq!(sandbox.customerly_contact("a@b.c").unwrap().email, "A@b.c");
        assert!(sandbox.delete_customerly_contact("a@B.c"));
        assert!(sandbox.customerly_contact("a@b.c").is_none());
    }
}
