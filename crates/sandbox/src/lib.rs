//! `wpf-sandbox`: a local fake of the CRMs' APIs for tests: Customer.io's App API and Track API, and
//! Customerly's API.
//!
//! One loopback HTTP server answers every API, reproduces their quirks, records every API request, and
//! injects latency and faults (error statuses, stalls, resets, truncated, malformed, mistyped or huge
//! bodies) into any of them alike.
//!
//! | API | Base path | Stands for | Auth |
//! |---|---|---|---|
//! | Customer.io App | `/customerio/{us,eu}/app/v1` | `https://api[-eu].customer.io/v1` | `Bearer` [`APP_KEY`] |
//! | Customer.io Track | `/customerio/{us,eu}/track/api/v1` | `https://track[-eu].customer.io/api/v1` | Basic [`SITE_ID`]`:`[`TRACK_KEY`] |
//! | Customerly | `/customerly/v1` | `https://api.customerly.io/v1` | `Bearer` [`CUSTOMERLY_TOKEN`], or `Authentication: AccessToken: ` [`CUSTOMERLY_TOKEN`] |
//!
//! Customer.io's quirks: all attribute values as strings, segment ids as numbers or strings, 401 from the
//! wrong region, an empty 200 from the Track API even when `_update` found nobody, three shapes of error
//! body. Customerly's: HTTP 500 for a missing or wrong token, `{"error":{…}}` bodies (on a 200 for an unknown
//! user), `POST /users` creating unknown users, attributes keeping their JSON types.
//!
//! Within a request path, `{identifier}` segments are percent-decoded on their own; email matching ignores
//! case, and answers give emails as stored.
//!
//! Each CRM is a module with its data store and its API handler (`customerio`, `customerly`); the first path
//! segment picks the module, the state holds one store per CRM, and [`Config`] every CRM's credentials.
//!
//! # Control API
//! The same state can be driven over HTTP (JSON in and out, no auth, never recorded) by the binary's users:
//!
//! | Request | Effect |
//! |---|---|
//! | `GET /_sandbox/health` | `{"ok":true}` |
//! | `POST /_sandbox/reset` | default seed and config, no faults, latency 0, empty log (`seq` and connection ids keep counting) |
//! | `GET /_sandbox/people[?email=]` | `{"people":[…]}`, or the first person with that email (404 if none) |
//! | `PUT /_sandbox/people` | upsert a [`Person`] (email required), as [`Sandbox::put_person`]; answers the stored person |
//! | `DELETE /_sandbox/people?email=` | delete everyone with that email: `{"deleted":n}` (404 if none) |
//! | `GET`, `PUT /_sandbox/segments` | `{"segments":[…]}`; upsert a [`Segment`] |
//! | `GET /_sandbox/customerly/contacts[?email=]` | `{"contacts":[…]}`, or the [`CustomerlyContact`] with that email (404 if none) |
//! | `PUT /_sandbox/customerly/contacts` | upsert a [`CustomerlyContact`] (email required), as [`Sandbox::put_customerly_contact`]; answers it as stored |
//! | `DELETE /_sandbox/customerly/contacts?email=` | delete the contact with that email: `{"deleted":1}` (404 if none) |
//! | `GET`, `POST`, `DELETE /_sandbox/faults` | `{"faults":[…]}` with uses left; append a [`Fault`]; clear all |
//! | `GET`, `PUT /_sandbox/latency` | `{"ms":N}` |
//! | `GET`, `PUT /_sandbox/config` | the [`Config`]; a partial [`ConfigUpdate`], answering the whole config |
//! | `GET /_sandbox/requests[?since=seq]` | `{"requests":[…]}` ([`RecordedRequest`]s with a greater `seq`) |
//! | `DELETE /_sandbox/requests` | empty the log |
//! | `POST /_sandbox/webhooks` | send a webhook to a site (below): `{"status","headers","body","sent"}` |
//!
//! Errors answer `{"error":"…"}` with 400 (bad JSON, say why), 404 or 405. Control requests first wait (up
//! to a second) for answers being written to finish, like [`Sandbox::requests`].
//!
//! ## Sending webhooks
//! `POST /_sandbox/webhooks` sends a signed webhook as Customer.io or as a
//! [Standard Webhooks](https://www.standardwebhooks.com) sender would. Its body:
//!
//! | Field | Meaning |
//! |---|---|
//! | `url` | required: an `http://` URL to `POST` to (other schemes: 400) |
//! | `body` | the body, sent byte for byte (default `""`) |
//! | `sign` | `"customerio"`, `"standard_webhooks"` or `"none"` (default) |
//! | `secret` | signing secret instead of the config's `cio_signing_key` ([`CIO_SIGNING_KEY`]) or `standard_webhooks_secret` ([`STANDARD_WEBHOOKS_SECRET`]) |
//! | `timestamp` | Unix seconds instead of now (any integer, stale ones too) |
//! | `delivery_id` | delivery id instead of a new `msg_…` one |
//! | `signature` | signature header value sent as it is, instead of the computed one |
//! | `headers` | more headers, `{name: value}`, replacing the sandbox's of the same name (any case) |
//!
//! Headers sent: `Content-Type: application/json`, and for `customerio` `X-CIO-Timestamp`, `X-CIO-Signature`
//! (lower-case hex HMAC-SHA256, keyed with the secret's bytes, of `v0:TIMESTAMP:BODY`) and
//! `X-CIO-Delivery-Id`; for `standard_webhooks` `webhook-id`, `webhook-timestamp` and `webhook-signature`
//! (`v1,` and the base64 HMAC-SHA256, keyed with the secret base64-decoded after its `whsec_` prefix, of
//! `ID.TIMESTAMP.BODY`); for `none` only `X-CIO-Delivery-Id`, when a `delivery_id` is given (`secret` and
//! `signature` need a signature: 400). The answer is 200 with the site's `status`, `headers` (lower-case names,
//! repeated ones joined with `, `), `body` (as text) and the headers `sent` (lower-case; the HTTP client adds
//! `Host`, `Content-Length`, `User-Agent` and `Accept`); 502 `{"error"}` when the site gives no answer within
//! 15 seconds. Redirects are not followed. The send is not recorded, and the state is not held while it
//! lasts: the site may call the sandbox's APIs before it answers.
//!
//! ```
//! use serde_json::json;
//! use wpf_sandbox::{CustomerlyContact, Fault, FaultAction, Person, Sandbox};
//!
//! let sandbox = Sandbox::start("127.0.0.1:0")?;
//! sandbox.put_person(Person::new("a@b.c").attr("first_name", "A").segments([1, 7]));
//! sandbox.add_fault(Fault::new(FaultAction::status(503)).path_contains("/segments").times(1));
//! let app_url = sandbox.customerio_app_url(); // point the client under test here
//! assert!(app_url.ends_with("/customerio/us/app/v1"));
//! sandbox.put_customerly_contact(CustomerlyContact::user("a@b.c").name("A").attr("plan", json!("pro")).tags(["x"]));
//! assert!(sandbox.customerly_url().ends_with("/customerly/v1"));
//! assert!(sandbox.requests().is_empty());
//! # Ok::<(), std::io::Error>(())
//! ```

mod control;
mod customerio;
mod customerly;
mod faults;
mod http;
mod model;
mod record;
mod state;
#[cfg(test)]
mod testkit;
mod webhooks;

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

pub use customerly::{CustomerlyContact, CustomerlyKind, CUSTOMERLY_TOKEN};
pub use faults::{Fault, FaultAction, StatusFault};
pub use model::{
    Config, ConfigUpdate, Person, Region, Segment, SegmentType, APP_KEY, CIO_SIGNING_KEY, SITE_ID,
    STANDARD_WEBHOOKS_SECRET, TRACK_KEY,
};
pub use record::RecordedRequest;

use control::Control;
use http::{Handled, Handler, Reply, Request, Response, Server};
use state::State;

/// Longest [`Sandbox::requests`] waits for answers being written to finish.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(1);

/// How to start a [`Sandbox`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Start with no data in any CRM (no people, segments or Customerly contacts) instead of the default
    /// seed.
    pub empty: bool,
    /// Append each recorded request to this file as one JSON line, once its answer is out (so lines come in
    /// the order answers finished; sort by `seq` for arrival order).
    pub log_file: Option<PathBuf>,
}

/// A running fake of the CRMs (Customer.io and Customerly).
///
/// Dropping it stops accepting connections and closes the open ones.
pub struct Sandbox {
    // Declared first so that it is dropped (and the server stopped) first.
    server: Server,
    shared: Arc<Shared>,
}

impl Sandbox {
    /// Starts a server on `addr` (`"127.0.0.1:0"` for an ephemeral port), with the default seed.
    ///
    /// # Errors
    /// When `addr` cannot be bound (the message names the address).
    pub fn start(addr: &str) -> io::Result<Sandbox> {
        Sandbox::start_with(addr, &Options::default())
    }

    /// Starts a server on `addr` with no data in any CRM.
    ///
    /// # Errors
    /// When `addr` cannot be bound (the message names the address).
    pub fn start_empty(addr: &str) -> io::Result<Sandbox> {
        Sandbox::start_with(addr, &Options { empty: true, ..Options::default() })
    }

    /// Starts a server on `addr` with these options.
    ///
    /// # Errors
    /// When `addr` cannot be bound or the log file cannot be opened (the message says which).
    pub fn start_with(addr: &str, options: &Options) -> io::Result<Sandbox> {
        let log_file = options.log_file.as_deref().map(open_log).transpose()?.map(Mutex::new);
        let listener =
            TcpListener::bind(addr).map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
        let shared =
            Arc::new(Shared { state: Mutex::new(State::new(options.empty)), settled: Condvar::new(), log_file });
        let server = Server::start(listener, Arc::clone(&shared) as Arc<dyn Handler>)?;
        Ok(Sandbox { server, shared })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://IP:PORT` (a wildcard bind address is given as loopback).
    pub fn url(&self) -> String {
        format!("http://{}", http::connect_addr(self.addr()))
    }

    /// The plugin's settings (option `wpf_webhooks_settings`) that choose the CRM `crm` (`customerio` or
    /// `customerly`) and point it at this sandbox with the sandbox's credentials; `null` for another CRM.
    pub fn settings(&self, crm: &str) -> serde_json::Value {
        match crm {
            "customerio" => serde_json::json!({
                "crm": crm,
                "customerio_app_key": APP_KEY,
                "customerio_site_id": SITE_ID,
                "customerio_track_key": TRACK_KEY,
                "customerio_app_url": self.customerio_app_url(),
                "customerio_track_url": self.customerio_track_url(),
            }),
            "customerly" => serde_json::json!({
                "crm": crm,
                "customerly_token": CUSTOMERLY_TOKEN,
                "customerly_api_url": self.customerly_url(),
            }),
            _ => serde_json::Value::Null,
        }
    }

    /// The App API base URL for the workspace's region, e.g. `http://127.0.0.1:PORT/customerio/us/app/v1`.
    pub fn customerio_app_url(&self) -> String {
        self.customerio_app_url_for(self.config().region)
    }

    /// The Track API base URL for the workspace's region, e.g.
    /// `http://127.0.0.1:PORT/customerio/us/track/api/v1`.
    pub fn customerio_track_url(&self) -> String {
        self.customerio_track_url_for(self.config().region)
    }

    /// The App API base URL of a given region (the other region answers 401).
    pub fn customerio_app_url_for(&self, region: Region) -> String {
        format!("{}/customerio/{region}/app/v1", self.url())
    }

    /// The Track API base URL of a given region (the other region answers 401).
    pub fn customerio_track_url_for(&self, region: Region) -> String {
        format!("{}/customerio/{region}/track/api/v1", self.url())
    }

    /// Customerly's API base URL, `http://127.0.0.1:PORT/customerly/v1`.
    pub fn customerly_url(&self) -> String {
        format!("{}/{}/v1", self.url(), customerly::PREFIX)
    }

    /// Every CRM's credentials, and Customer.io's region.
    pub fn config(&self) -> Config {
        self.shared.lock().config.clone()
    }

    /// Changes some of the credentials or the region; returns the result.
    pub fn set_config(&self, update: ConfigUpdate) -> Config {
        let mut state = self.shared.lock();
        update.apply(&mut state.config);
        state.config.clone()
    }

    /// Adds or replaces a person (see `PUT /_sandbox/people`): the one with the same `cio_id` if given, else
    /// the first with the same email (any case). Returns it as stored, with `cio_id` and `created_at` set.
    pub fn put_person(&self, person: Person) -> Person {
        self.shared.lock().customerio.upsert_person(person)
    }

    /// The first person with this email (any case).
    pub fn person(&self, email: &str) -> Option<Person> {
        self.shared.lock().customerio.person(email).cloned()
    }

    /// Everyone, in insertion order.
    pub fn people(&self) -> Vec<Person> {
        self.shared.lock().customerio.people.clone()
    }

    /// Removes everyone with this email (any case); returns how many.
    pub fn delete_person(&self, email: &str) -> usize {
        self.shared.lock().customerio.delete_people(email)
    }

    /// Adds or replaces a segment (`1` and `"1"` are the same id; the new one's JSON type wins).
    pub fn put_segment(&self, segment: Segment) {
        self.shared.lock().customerio.upsert_segment(segment);
    }

    /// All segments.
    pub fn segments(&self) -> Vec<Segment> {
        self.shared.lock().customerio.segments.clone()
    }

    /// Adds or replaces (by email, any case) a Customerly contact (see `PUT /_sandbox/customerly/contacts`).
    /// Returns it as stored: `crmhero_user_id` and `created_at` kept from the replaced contact or generated,
    /// `last_update` set, `null` attributes and repeated tags dropped. Its tags join the project's tags.
    pub fn put_customerly_contact(&self, contact: CustomerlyContact) -> CustomerlyContact {
        self.shared.lock().customerly.put(contact)
    }

    /// The Customerly contact (user or lead) with this email (any case).
    pub fn customerly_contact(&self, email: &str) -> Option<CustomerlyContact> {
        self.shared.lock().customerly.contact(email).cloned()
    }

    /// Every Customerly contact, in insertion order.
    pub fn customerly_contacts(&self) -> Vec<CustomerlyContact> {
        self.shared.lock().customerly.contacts().to_vec()
    }

    /// Removes the Customerly contact with this email (any case); whether there was one.
    pub fn delete_customerly_contact(&self, email: &str) -> bool {
        self.shared.lock().customerly.delete(email)
    }

    /// Appends a fault rule (checked in insertion order, first match wins).
    pub fn add_fault(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// The active fault rules, `times` being the uses left.
    pub fn faults(&self) -> Vec<Fault> {
        self.shared.lock().faults.list().to_vec()
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Delays every API answer by `ms` milliseconds (0 for none).
    pub fn set_latency_ms(&self, ms: u64) {
        self.shared.lock().latency_ms = ms;
    }

    /// Every recorded API request, in `seq` order.
    ///
    /// Answers already being written are given up to a second to finish first, so that a request whose
    /// answer the client has read has its `finished_ms`. Requests still stalled by latency or a `delay_ms`
    /// fault are listed with `finished_ms: None`.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests_since(0)
    }

    /// The recorded requests with a `seq` greater than `seq`.
    pub fn requests_since(&self, seq: u64) -> Vec<RecordedRequest> {
        self.shared.settled_lock().log.since(seq)
    }

    /// Empties the request log (`seq` keeps counting).
    pub fn clear_requests(&self) {
        self.shared.lock().log.clear();
    }

    /// Back to the default seed: default config, no faults, latency 0, empty request log.
    pub fn reset(&self) {
        self.shared.lock().reset();
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("addr", &self.addr()).finish_non_exhaustive()
    }
}

/// Opens the request log for appending.
fn open_log(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot open log file {}: {e}", path.display())))
}

/// The state shared by the server's threads and the [`Sandbox`] handle.
struct Shared {
    state: Mutex<State>,
    /// Signalled when an answer has been written.
    settled: Condvar,
    log_file: Option<Mutex<File>>,
}

impl Shared {
    /// The state. A panic elsewhere while holding it leaves it usable: each change is a single step.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The state, once no answer is in the middle of being written (waiting at most [`SETTLE_TIMEOUT`]).
    fn settled_lock(&self) -> MutexGuard<'_, State> {
        let deadline = Instant::now() + SETTLE_TIMEOUT;
        let mut state = self.lock();
        while state.log.is_settling() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self.settled.wait_timeout(state, left).unwrap_or_else(PoisonError::into_inner).0;
        }
        state
    }

    /// Decides an API request's reply: a fault, or the CRM's answer; records it and applies latency.
    fn handle_api(&self, request: &Request) -> Handled {
        let (reply, delay, seq) = {
            let mut state = self.lock();
            let mut delay = Duration::from_millis(state.latency_ms);
            let effect =
                state.faults.take(&request.method, &request.path, &request.raw_path).map(|action| action.effect());
            let reply = match effect {
                Some(faults::Effect::Replace(reply)) => reply,
                Some(faults::Effect::Delay(extra)) => {
                    delay += extra;
                    Reply::Send(crm_answer(&mut state, request))
                }
                None => Reply::Send(crm_answer(&mut state, request)),
            };
            let status = match &reply {
                Reply::Send(answer) | Reply::Truncate(answer) => answer.status,
                Reply::Reset => 0,
            };
            let seq = state.log.start(request, status);
            (reply, delay, seq)
        };
        if !delay.is_zero() {
            thread::sleep(delay);
        }
        self.lock().log.writing(seq);
        Handled { reply, token: Some(seq) }
    }
}

/// The answer of the CRM whose fake serves the request's path (its first segment names the CRM).
fn crm_answer(state: &mut State, request: &Request) -> Response {
    match request.segments.first().map(String::as_str) {
        Some(customerly::PREFIX) => customerly::handle(state, request),
        // Customer.io also answers the paths no CRM claims, with its 404, as it always has.
        _ => customerio::handle(state, request),
    }
}

impl Handler for Shared {
    fn handle(&self, request: &Request) -> Handled {
        if request.segments.first().map(String::as_str) == Some(control::PREFIX) {
            let control = control::handle(&mut self.settled_lock(), request);
            // The state is released: the site a webhook goes to may call the sandbox before it answers.
            let answer = match control {
                Control::Answer(answer) => answer,
                Control::Send(delivery) => delivery.send(),
            };
            return Handled { reply: Reply::Send(answer), token: None };
        }
        self.handle_api(request)
    }

    fn finished(&self, seq: u64, finished_ms: Option<f64>) {
        let mut state = self.lock();
        let record = state.log.finish(seq, finished_ms);
        if let (Some(record), Some(file)) = (record, &self.log_file) {
            let mut line = serde_json::to_vec(&record).unwrap_or_default();
            line.push(b'\n');
            let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = file.write_all(&line) {
                eprintln!("wpf-sandbox: cannot write the request log: {e}");
            }
        }
        drop(state);
        self.settled.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use serde_json::json;

    use super::*;
    use crate::testkit::{app_get, sandbox, Client};

    #[test]
    fn handles_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Sandbox>();
        shareable::<RecordedRequest>();
    }

    #[test]
    fn urls_point_at_the_workspace_region() {
        let sandbox = sandbox();
        let port = sandbox.addr().port();
        assert_eq!(sandbox.url(), format!("http://127.0.0.1:{port}"));
        assert_eq!(sandbox.customerio_app_url(), format!("http://127.0.0.1:{port}/customerio/us/app/v1"));
        assert_eq!(sandbox.customerio_track_url(), format!("http://127.0.0.1:{port}/customerio/us/track/api/v1"));
        sandbox.set_config(ConfigUpdate::default().region(Region::Eu));
        assert!(sandbox.customerio_app_url().ends_with("/customerio/eu/app/v1"));
    }

    #[test]
    fn wildcard_bind_gives_a_loopback_url() {
        let sandbox = Sandbox::start("0.0.0.0:0").unwrap();
        assert_eq!(sandbox.url(), format!("http://127.0.0.1:{}", sandbox.addr().port()));
        assert_eq!(app_get(&sandbox, "/customerio/us/app/v1/segments").status, 200);
    }

    #[test]
    fn bind_failure_says_what_failed() {
        let first = Sandbox::start("127.0.0.1:0").unwrap();
        let err = Sandbox::start(&first.addr().to_string()).unwrap_err();
        assert!(err.to_string().starts_with("cannot listen on 127.0.0.1:"), "{err}");
        let options = Options { empty: false, log_file: Some("/nonexistent-dir/log.jsonl".into()) };
        let err = Sandbox::start_with("127.0.0.1:0", &options).unwrap_err();
        assert!(err.to_string().starts_with("cannot open log file"), "{err}");
    }

    #[test]
    fn latency_delays_api_answers_only() {
        let sandbox = sandbox();
        sandbox.set_latency_ms(200);
        let start = Instant::now();
        assert_eq!(Client::connect(&sandbox).request("GET", "/_sandbox/health", &[], b"").status, 200);
        assert!(start.elapsed() < Duration::from_millis(200));
        let start = Instant::now();
        assert_eq!(app_get(&sandbox, "/customerio/us/app/v1/segments").status, 200);
        assert!(start.elapsed() >= Duration::from_millis(200));
    }

    #[test]
    fn reset_restores_the_seed_and_keeps_counting() {
        let sandbox = Sandbox::start_empty("127.0.0.1:0").unwrap();
        assert!(sandbox.people().is_empty() && sandbox.segments().is_empty());
        sandbox.add_fault(Fault::new(FaultAction::Reset));
        sandbox.set_latency_ms(5);
        sandbox.set_config(ConfigUpdate::default().app_key("other"));
        let mut client = Client::connect(&sandbox);
        client.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(client.read_response().is_err());
        let last_seq = sandbox.requests()[0].seq;
        sandbox.reset();
        assert_eq!(sandbox.people().len(), 3);
        assert_eq!(sandbox.segments().len(), 3);
        assert!(sandbox.faults().is_empty() && sandbox.requests().is_empty());
        assert_eq!(sandbox.config(), Config::default());
        let answer = app_get(&sandbox, "/customerio/us/app/v1/segments");
        assert_eq!(answer.json()["segments"][2]["id"], json!("42"));
        let record = &sandbox.requests()[0];
        assert!(record.seq > last_seq);
        assert_eq!(record.connection, 2);
    }

    #[test]
    fn dropping_stops_the_server_and_closes_connections() {
        let sandbox = sandbox();
        let addr = sandbox.addr();
        let mut client = Client::connect(&sandbox);
        assert_eq!(client.request("GET", "/_sandbox/health", &[], b"").status, 200);
        drop(sandbox);
        assert!(client.read_response().is_err());
        assert!(std::net::TcpStream::connect(addr).is_err());
    }
}
