//! The log of API requests the sandbox received.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::{percent_decode, Request};

/// One API request as the sandbox saw it (control requests under `/_sandbox` are not recorded).
///
/// A request is recorded as soon as it has been read and its answer decided, so that a client that gave up
/// on a stalled answer still finds its request here; `finished_ms` stays `None` until the answer is out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Position in the log; increasing, never reused (not even after a reset).
    pub seq: u64,
    /// Id of the TCP connection (increasing per accepted connection): equal ids mean a reused connection.
    pub connection: u64,
    /// Method.
    pub method: String,
    /// Percent-decoded path, without the query.
    pub path: String,
    /// Query string as sent, without the `?`.
    pub query: String,
    /// All headers, names lower-cased; repeated headers joined with `", "`.
    pub headers: BTreeMap<String, String>,
    /// Body (de-chunked), as UTF-8 with invalid bytes replaced.
    pub body: String,
    /// Status answered; `0` when the connection was closed without an answer (the `reset` fault).
    pub status: u16,
    /// When the request had been fully read, in milliseconds since the UNIX epoch.
    pub started_ms: f64,
    /// When the answer had been written (or the connection deliberately cut), in milliseconds since the UNIX
    /// epoch; `None` while the answer is pending, or if writing it failed. Taken just before the last bytes
    /// go out, so it precedes anything the client does in reaction (such as its next request).
    pub finished_ms: Option<f64>,
}

impl RecordedRequest {
    /// A header's value (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// The first value of a query parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query
            .split('&')
            .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
            .find(|(n, _)| percent_decode(n, true) == name)
            .map(|(_, v)| percent_decode(v, true))
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// Whether the two requests were being handled at the same time (each started before the other
    /// finished). Pending requests count as still running.
    pub fn overlaps(&self, other: &RecordedRequest) -> bool {
        let end = |r: &RecordedRequest| r.finished_ms.unwrap_or(f64::INFINITY);
        self.started_ms < end(other) && other.started_ms < end(self)
    }
}

/// Recorded requests in `seq` order.
#[derive(Debug)]
pub(crate) struct RequestLog {
    next_seq: u64,
    records: Vec<RecordedRequest>,
    /// Requests whose answer is being written right now (past any latency).
    writing: BTreeSet<u64>,
}

impl Default for RequestLog {
    fn default() -> Self {
        RequestLog { next_seq: 1, records: Vec::new(), writing: BTreeSet::new() }
    }
}

impl RequestLog {
    /// Records a request answered with `status` (not yet written); returns its `seq`.
    pub fn start(&mut self, request: &Request, status: u16) -> u64 {
        let mut headers = BTreeMap::<String, String>::new();
        for (name, value) in &request.headers {
            headers
                .entry(name.clone())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(value);
                })
                .or_insert_with(|| value.clone());
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.records.push(RecordedRequest {
            seq,
            connection: request.connection,
            method: request.method.clone(),
            path: request.path.clone(),
            query: request.query.clone(),
            headers,
            body: String::from_utf8_lossy(&request.body).into_owned(),
            status,
            started_ms: request.received_ms,
            finished_ms: None,
        });
        seq
    }

    /// Notes that the answer to request `seq` is being written: it will finish in a moment.
    pub fn writing(&mut self, seq: u64) {
        self.writing.insert(seq);
    }

    /// Whether some answer is being written, so that its record is about to get its `finished_ms`.
    pub fn is_settling(&self) -> bool {
        !self.writing.is_empty()
    }

    /// Notes when request `seq` finished; returns the completed record (`None` if the log was cleared since).
    pub fn finish(&mut self, seq: u64, finished_ms: Option<f64>) -> Option<RecordedRequest> {
        self.writing.remove(&seq);
        let index = self.records.binary_search_by_key(&seq, |r| r.seq).ok()?;
        let record = &mut self.records[index];
        record.finished_ms = finished_ms;
        Some(record.clone())
    }

    /// The records with a `seq` greater than `since` (all of them for 0).
    pub fn since(&self, since: u64) -> Vec<RecordedRequest> {
        let start = self.records.partition_point(|r| r.seq <= since);
        self.records[start..].to_vec()
    }

    /// Forgets all records (`seq` keeps counting).
    pub fn clear(&mut self) {
        self.records.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};
    use std::thread;
    use std::time::{Duration, Instant};

    use serde_json::json;

    use crate::testkit::{app_get, sandbox, Client};
    use crate::{Sandbox, APP_KEY};

    #[test]
    fn records_every_api_request_but_no_control_request() {
        let sandbox = sandbox();
        let mut client = Client::connect(&sandbox);
        let answer = client.request(
            "GET",
            "/customerio/us/app/v1/customers?email=jane%40example.com",
            &[("Authorization", &format!("Bearer {APP_KEY}")), ("X-Test", "a"), ("x-test", "b")],
            b"",
        );
        assert_eq!(answer.status, 200);
        assert_eq!(client.request("GET", "/_sandbox/health", &[], b"").status, 200);
        assert_eq!(client.request("GET", "/nowhere/%7Ex", &[], b"").status, 404);

        let records = sandbox.requests();
        assert_eq!(records.len(), 2);
        let first = &records[0];
        assert_eq!(first.method, "GET");
        assert_eq!(first.path, "/customerio/us/app/v1/customers");
        assert_eq!(first.query, "email=jane%40example.com");
        assert_eq!(first.query_param("email").as_deref(), Some("jane@example.com"));
        assert_eq!(first.header("Authorization"), Some("Bearer sandbox-app-key"));
        assert_eq!(first.headers["x-test"], "a, b");
        assert_eq!(first.status, 200);
        assert!(first.finished_ms.unwrap() >= first.started_ms);
        assert_eq!(records[1].path, "/nowhere/~x");
        assert_eq!(records[1].status, 404);
        assert!(records[1].seq > first.seq);
        assert_eq!(records[1].connection, first.connection);
        assert_eq!(sandbox.requests_since(first.seq), records[1..]);
    }

    #[test]
    fn parallel_requests_overlap_in_time() {
        let sandbox = sandbox();
        sandbox.set_latency_ms(150);
        let barrier = Arc::new(Barrier::new(2));
        let threads: Vec<_> = ["/segments", "/customers/jane@example.com/segments?id_type=email"]
            .into_iter()
            .map(|path| {
                let (barrier, url_path) = (Arc::clone(&barrier), format!("/customerio/us/app/v1{path}"));
                let mut client = Client::connect(&sandbox);
                thread::spawn(move || {
                    barrier.wait();
                    let request =
                        format!("GET {url_path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {APP_KEY}\r\n\r\n");
                    client.send(&request);
                    client.read_response().unwrap().status
                })
            })
            .collect();
        for thread in threads {
            assert_eq!(thread.join().unwrap(), 200);
        }
        let records = sandbox.requests();
        assert_eq!(records.len(), 2);
        assert_ne!(records[0].connection, records[1].connection);
        assert!(records[0].overlaps(&records[1]));
        for record in &records {
            assert!(record.finished_ms.unwrap() - record.started_ms >= 140.0);
        }
    }

    #[test]
    fn sequential_requests_do_not_overlap() {
        let sandbox = sandbox();
        app_get(&sandbox, "/customerio/us/app/v1/segments");
        app_get(&sandbox, "/customerio/us/app/v1/segments");
        let records = sandbox.requests();
        assert!(!records[0].overlaps(&records[1]));
    }

    #[test]
    fn a_stalled_request_is_visible_before_its_answer() {
        let sandbox = sandbox();
        sandbox.set_latency_ms(600);
        let sent = Instant::now();
        let mut client = Client::connect(&sandbox);
        client.send(format!(
            "GET /customerio/us/app/v1/segments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {APP_KEY}\r\n\r\n"
        ));
        let pending = loop {
            let records = sandbox.requests();
            if !records.is_empty() || sent.elapsed() > Duration::from_millis(500) {
                break records;
            }
            thread::sleep(Duration::from_millis(5));
        };
        assert!(sent.elapsed() < Duration::from_millis(600));
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].finished_ms, None);
        assert_eq!(pending[0].status, 200);
        assert_eq!(client.read_response().unwrap().status, 200);
        assert!(sandbox.requests()[0].finished_ms.is_some());
    }

    #[test]
    fn log_file_gets_one_json_line_per_request() {
        let path = std::env::temp_dir().join(format!("wpf-sandbox-log-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, b"").unwrap();
        let options = crate::Options { empty: false, log_file: Some(path.clone()) };
        let sandbox = Sandbox::start_with("127.0.0.1:0", &options).unwrap();
        app_get(&sandbox, "/customerio/us/app/v1/segments");
        app_get(&sandbox, "/customerio/eu/app/v1/segments");
        // Once the log has settled, the lines are written.
        assert_eq!(sandbox.requests().len(), 2);
        drop(sandbox);
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        // Lines come in the order the answers finished, which may differ from `seq` order.
        let mut lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        lines.sort_by_key(|line| line["seq"].as_u64());
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["status"], json!(200));
        assert_eq!(lines[1]["status"], json!(401));
        assert!(lines[1]["finished_ms"].is_number());
    }
}
