//! A raw HTTP/1.1 client for the tests: it writes exactly what it is told, so the tests see the server's
//! framing as it is.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{Sandbox, APP_KEY, CUSTOMERLY_TOKEN, SITE_ID, TRACK_KEY};

/// An answer as read off the wire.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// One connection to a sandbox.
pub(crate) struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    pub fn connect(sandbox: &Sandbox) -> Client {
        Client::connect_to(sandbox.addr())
    }

    pub fn connect_to(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        Client { reader: BufReader::new(stream.try_clone().expect("clone")), writer: stream }
    }

    /// Writes these bytes as they are.
    pub fn send(&mut self, raw: impl AsRef<[u8]>) {
        self.writer.write_all(raw.as_ref()).expect("send");
    }

    /// Sends a request with `Host`, the given headers, and a `Content-Length` body (when not empty), then
    /// reads the answer.
    pub fn request(&mut self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        let mut raw = format!("{method} {target} HTTP/1.1\r\nHost: sandbox\r\n");
        for (name, value) in headers {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() {
            raw.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        raw.push_str("\r\n");
        let mut raw = raw.into_bytes();
        raw.extend_from_slice(body);
        self.send(raw);
        self.read_response().expect("answer")
    }

    /// Reads one answer, skipping `100 Continue`; the body by `Content-Length`, else to the end.
    pub fn read_response(&mut self) -> io::Result<Answer> {
        loop {
            let answer = self.read_one()?;
            if answer.status != 100 {
                return Ok(answer);
            }
        }
    }

    fn read_one(&mut self) -> io::Result<Answer> {
        let status_line = self.line()?;
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("status line {status_line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let line = self.line()?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').expect("header line");
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
        let mut body = Vec::new();
        if status != 100 {
            match headers.iter().find(|(n, _)| n == "content-length") {
                Some((_, length)) => {
                    let length: usize = length.parse().expect("content-length");
                    body.resize(length, 0);
                    self.reader.read_exact(&mut body)?;
                }
                None => {
                    self.reader.read_to_end(&mut body)?;
                }
            }
        }
        Ok(Answer { status, headers, body })
    }

    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }

    /// Reads exactly this many bytes, whatever they are.
    pub fn read_exact_raw(&mut self, buf: &mut [u8]) {
        self.reader.read_exact(buf).expect("read");
    }

    /// Everything the server sends until it closes, as text.
    pub fn read_to_end(&mut self) -> String {
        let mut raw = Vec::new();
        let _ = self.reader.read_to_end(&mut raw);
        String::from_utf8_lossy(&raw).into_owned()
    }
}

/// A request as a [`Site`] received it.
#[derive(Debug)]
pub(crate) struct Received {
    pub method: String,
    pub target: String,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A site that receives one request on a free loopback port, runs a callback, then answers it and closes.
pub(crate) struct Site {
    pub url: String,
    received: JoinHandle<Received>,
}

impl Site {
    /// Answers `200 {"ok":true}`.
    pub fn start() -> Site {
        Site::start_with(200, || {})
    }

    /// Answers `status` with `{"ok":…}`, once `before_answer` has run.
    pub fn start_with(status: u16, before_answer: impl FnOnce() + Send + 'static) -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/hook?x=1", listener.local_addr().expect("addr"));
        let received = thread::spawn(move || {
            let stream = accept_within(&listener, Duration::from_secs(5));
            stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let received = read_request(&mut reader);
            before_answer();
            let body = format!(r#"{{"ok":{}}}"#, status == 200);
            let answer = format!(
                "HTTP/1.1 {status} Whatever\r\nContent-Type: application/json\r\nX-Site: yes\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            (&stream).write_all(answer.as_bytes()).expect("answer");
            received
        });
        Site { url, received }
    }

    /// The request it received (waiting for it).
    pub fn received(self) -> Received {
        self.received.join().expect("the site failed")
    }
}

/// The first connection to come within `timeout` (panics if none does).
fn accept_within(listener: &TcpListener, timeout: Duration) -> TcpStream {
    listener.set_nonblocking(true).expect("nonblocking");
    let deadline = Instant::now() + timeout;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).expect("blocking");
                return stream;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("no request came: {e}"),
        }
    }
}

/// Reads one request with a `Content-Length` body (or none).
fn read_request(reader: &mut impl BufRead) -> Received {
    let mut line = String::new();
    reader.read_line(&mut line).expect("request line");
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().expect("method").to_owned(), parts.next().expect("target").to_owned());
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header line");
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("header line");
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers.iter().find(|(n, _)| n == "content-length").map_or(0, |(_, v)| v.parse().expect("length"));
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    Received { method, target, headers, body }
}

/// The Customer.io App API's path in the default (US) workspace.
pub(crate) const APP: &str = "/customerio/us/app/v1";

/// A seeded sandbox on a free loopback port.
pub(crate) fn sandbox() -> Sandbox {
    Sandbox::start("127.0.0.1:0").unwrap()
}

/// `GET` with the App API key, on a new connection.
pub(crate) fn app_get(sandbox: &Sandbox, target: &str) -> Answer {
    Client::connect(sandbox).request("GET", target, &[("Authorization", &format!("Bearer {APP_KEY}"))], b"")
}

/// A Track API request (`path` relative to `/customerio/us/track/api/v1`) with the default credentials.
pub(crate) fn track(sandbox: &Sandbox, method: &str, path: &str, body: &[u8]) -> Answer {
    let auth = basic(SITE_ID, TRACK_KEY);
    Client::connect(sandbox).request(
        method,
        &format!("/customerio/us/track/api/v1{path}"),
        &[("Authorization", &auth), ("Content-Type", "application/json")],
        body,
    )
}

/// A Customerly API request (`target` relative to `/customerly/v1`) with the default token in both headers,
/// as clients send it.
pub(crate) fn customerly(sandbox: &Sandbox, method: &str, target: &str, body: &[u8]) -> Answer {
    Client::connect(sandbox).request(
        method,
        &format!("/customerly/v1{target}"),
        &[
            ("Authorization", &format!("Bearer {CUSTOMERLY_TOKEN}")),
            ("Authentication", &format!("AccessToken: {CUSTOMERLY_TOKEN}")),
            ("Content-Type", "application/json"),
        ],
        body,
    )
}

/// A control API request with an optional JSON body.
pub(crate) fn control(sandbox: &Sandbox, method: &str, path: &str, body: Option<Value>) -> Answer {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    Client::connect(sandbox).request(method, path, &[], body.as_bytes())
}

/// An HTTP Basic `Authorization` value.
pub(crate) fn basic(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}").into_bytes();
    let mut out = String::from("Basic ");
    for chunk in input.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
