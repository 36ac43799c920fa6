//! A small HTTP/1.1 server on [`std::net`]: one thread per connection, persistent connections,
//! `Content-Length` and chunked request bodies, `Expect: 100-continue`, bounded reads.
//!
//! The server knows nothing about the CRMs: a [`Handler`] turns each [`Request`] into a [`Reply`].
//! A broken or hostile client only ever ends its own connection.
//!
//! Why raw sockets rather than an HTTP server crate: some faults misbehave on purpose at the connection level,
//! which server crates are built to prevent. [`Reply::Reset`] closes after reading the request without
//! sending a byte (tiny_http, for one, answers a dropped request with a 500); [`Reply::Truncate`] declares a
//! `Content-Length` longer than the body it sends, then closes. The records also need what only the
//! connection knows: the id of the TCP connection each request came on (tests tell a kept-alive connection from
//! a new one) and the moment just before an answer's last bytes were written (tests tell whether two calls
//! overlapped). Delays and huge streamed bodies alone would not need it; an async stack (hyper on tokio) could
//! do most of it, at the cost of a large dependency tree for a test fake. The fault rules are in `faults.rs`.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

/// Largest request head (request line, headers, and separately a chunked body's trailers).
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// Largest request body, after chunked decoding.
pub(crate) const MAX_BODY: usize = 16 * 1024 * 1024;
/// Longest a connection may sit idle, or a read or write may stall, before it is closed.
const IO_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest chunk-size line of a chunked body.
const MAX_CHUNK_LINE: usize = 4096;

/// Milliseconds since the UNIX epoch, with sub-millisecond precision.
pub(crate) fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// One fully read request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// Method, as sent (`GET`, `PUT`, …).
    pub method: String,
    /// Path as sent, without the query, still percent-encoded.
    pub raw_path: String,
    /// Percent-decoded path.
    pub path: String,
    /// The path's non-empty segments, each percent-decoded on its own (so `%2F` stays inside a segment).
    pub segments: Vec<String>,
    /// Query string as sent, without the `?`.
    pub query: String,
    /// Headers in order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body, de-chunked.
    pub body: Vec<u8>,
    /// Id of the TCP connection it came on (increasing per accepted connection).
    pub connection: u64,
    /// When the request had been fully read ([`now_ms`]).
    pub received_ms: f64,
    /// Whether the connection may carry another request after this one.
    keep_alive: bool,
    /// HTTP/1.0 needs an explicit `Connection: keep-alive` in the answer.
    http10: bool,
}

impl Request {
    /// The first value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The first value of a query parameter, percent-decoded (`+` is a space).
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
            .find(|(n, _)| percent_decode(n, true) == name)
            .map(|(_, v)| percent_decode(v, true))
    }
}

/// An answer body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    /// These bytes.
    Bytes(Vec<u8>),
    /// `prefix`, then `fill` repeated `count` times, then `suffix`; written without being built in memory.
    Repeat { prefix: Vec<u8>, fill: u8, count: u64, suffix: Vec<u8> },
}

impl Body {
    fn len(&self) -> u64 {
        match self {
            Body::Bytes(b) => b.len() as u64,
            Body::Repeat { prefix, count, suffix, .. } => prefix.len() as u64 + count + suffix.len() as u64,
        }
    }

    /// Writes at most `limit` bytes of the body.
    fn write_to(&self, out: &mut impl Write, limit: u64) -> io::Result<()> {
        match self {
            Body::Bytes(b) => out.write_all(&b[..clamp(limit, b.len())]),
            Body::Repeat { prefix, fill, count, suffix } => {
                let mut left = limit;
                let head = clamp(left, prefix.len());
                out.write_all(&prefix[..head])?;
                left -= head as u64;
                let block = [*fill; 8 * 1024];
                let mut fills = (*count).min(left);
                left -= fills;
                while fills > 0 {
                    let n = clamp(fills, block.len());
                    out.write_all(&block[..n])?;
                    fills -= n as u64;
                }
                out.write_all(&suffix[..clamp(left, suffix.len())])
            }
        }
    }
}

/// `limit` as an index into something `len` long.
fn clamp(limit: u64, len: usize) -> usize {
    usize::try_from(limit).map_or(len, |l| l.min(len))
}

/// A complete answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Response {
    pub status: u16,
    /// Extra headers; `Content-Length`, `Transfer-Encoding` and `Connection` are the server's and are dropped.
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Response {
    /// A JSON answer.
    pub fn json(status: u16, value: &Value) -> Response {
        Response::bytes(status, "application/json", value.to_string().into_bytes())
    }

    /// An answer with an empty body and no `Content-Type`.
    pub fn empty(status: u16) -> Response {
        Response { status, headers: Vec::new(), body: Body::Bytes(Vec::new()) }
    }

    /// An answer with this body and `Content-Type`.
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: Body::Bytes(body),
        }
    }

    /// Adds a header, replacing any of the same name.
    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    /// Send this answer.
    Send(Response),
    /// Close the connection without answering.
    Reset,
    /// Send the head with this answer's full `Content-Length`, only half the body, then close.
    Truncate(Response),
}

/// A handler's decision, with a token to be handed back to [`Handler::finished`] once the reply is out.
#[derive(Debug)]
pub(crate) struct Handled {
    pub reply: Reply,
    pub token: Option<u64>,
}

/// The application behind the server.
pub(crate) trait Handler: Send + Sync + 'static {
    /// Decides the reply to a fully read request (it may sleep to simulate latency).
    fn handle(&self, request: &Request) -> Handled;

    /// Called for a [`Handled::token`] once the reply ended: `Some(time)` when it was written in full (or the
    /// connection was deliberately cut), `None` when writing failed.
    fn finished(&self, token: u64, finished_ms: Option<f64>);
}

/// Live connections, so that stopping the server can cut them.
type Live = Arc<Mutex<HashMap<u64, TcpStream>>>;

/// A running server. Dropping it stops accepting and closes the open connections.
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    live: Live,
    accept_thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `listener` with `handler` on a background thread.
    pub fn start(listener: TcpListener, handler: Arc<dyn Handler>) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let live: Live = Arc::default();
        let accept_thread = thread::Builder::new().name("wpf-sandbox-accept".into()).spawn({
            let (stop, live) = (Arc::clone(&stop), Arc::clone(&live));
            move || accept_loop(&listener, &handler, &stop, &live)
        })?;
        Ok(Server { addr, stop, live, accept_thread: Some(accept_thread) })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocked accept() with a connection of our own; if that fails, leave the thread be
        // rather than hang here.
        let woke = TcpStream::connect_timeout(&connect_addr(self.addr), Duration::from_secs(1)).is_ok();
        if let Some(handle) = self.accept_thread.take() {
            if woke {
                let _ = handle.join();
            }
        }
        let live = std::mem::take(&mut *self.live.lock().unwrap_or_else(PoisonError::into_inner));
        for stream in live.into_values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// Where to connect to reach a listener bound to `addr` (an unspecified address becomes loopback).
pub(crate) fn connect_addr(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, addr.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, addr.port()).into(),
        _ => addr,
    }
}

fn accept_loop(listener: &TcpListener, handler: &Arc<dyn Handler>, stop: &AtomicBool, live: &Live) {
    let mut next_id: u64 = 0;
    for incoming in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = incoming else {
            // Out of file descriptors and the like: back off instead of spinning.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        next_id += 1;
        let id = next_id;
        if let Ok(clone) = stream.try_clone() {
            live.lock().unwrap_or_else(PoisonError::into_inner).insert(id, clone);
        }
        let spawned = thread::Builder::new().name(format!("wpf-sandbox-conn-{id}")).spawn({
            let (handler, live) = (Arc::clone(handler), Arc::clone(live));
            move || {
                serve_connection(stream, id, handler.as_ref());
                live.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
            }
        });
        if spawned.is_err() {
            if let Some(stream) = live.lock().unwrap_or_else(PoisonError::into_inner).remove(&id) {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
    }
}

/// Why a request could not be read.
#[derive(Debug, PartialEq)]
enum ReadError {
    /// The peer went away or stalled: nothing to answer.
    Closed,
    /// Answer this status and message, then close.
    Reject(u16, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Closed
    }
}

/// Serves requests on one connection until either side closes it.
fn serve_connection(stream: TcpStream, id: u64, handler: &dyn Handler) {
    let _ = stream.set_nodelay(true);
    if stream.set_read_timeout(Some(IO_TIMEOUT)).is_err() || stream.set_write_timeout(Some(IO_TIMEOUT)).is_err() {
        return;
    }
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let request = match read_request(&mut reader, &mut writer, id) {
            Ok(request) => request,
            Err(ReadError::Closed) => break,
            Err(ReadError::Reject(status, message)) => {
                let answer = Response::json(status, &json!({"meta": {"error": message}}));
                if write_response(&mut writer, &answer, u64::MAX, Some("close")).is_ok() {
                    lingering_close(&mut reader, &writer);
                }
                break;
            }
        };
        let handled = handler.handle(&request);
        let keep_alive = request.keep_alive && matches!(handled.reply, Reply::Send(_));
        // The finishing time is taken just before the last bytes go out (or the connection is cut), so it
        // precedes anything the client does in reaction to the answer, such as its next request.
        let finished = match &handled.reply {
            Reply::Send(answer) => {
                let body_limit = if request.method.eq_ignore_ascii_case("HEAD") { 0 } else { u64::MAX };
                let connection = match (keep_alive, request.http10) {
                    (false, _) => Some("close"),
                    (true, true) => Some("keep-alive"),
                    (true, false) => None,
                };
                write_response(&mut writer, answer, body_limit, connection).ok()
            }
            Reply::Reset => Some(now_ms()),
            Reply::Truncate(answer) => {
                let half = answer.body.len() / 2;
                // Cutting the body short is the point: a failed write changes nothing.
                Some(write_response(&mut writer, answer, half, Some("close")).unwrap_or_else(|_| now_ms()))
            }
        };
        let keep_alive = keep_alive && finished.is_some();
        if !keep_alive {
            let _ = writer.shutdown(Shutdown::Both);
        }
        if let Some(token) = handled.token {
            handler.finished(token, finished);
        }
        if !keep_alive {
            break;
        }
    }
}

/// Closes after an early answer (the client may still be sending a body we refused): stop writing, then
/// read and drop what comes for a moment, so that closing with unread data does not reset the connection and
/// destroy the answer before the client reads it.
fn lingering_close(reader: &mut impl Read, stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut drained = 0;
    let mut buffer = [0u8; 8 * 1024];
    while drained < MAX_BODY + MAX_HEAD {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left.min(Duration::from_millis(500)))).is_err() {
            break;
        }
        match reader.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// Writes the head (declaring the full body length, with this `Connection` header if any) and at most
/// `body_limit` bytes of the body. Returns the time just before the last bytes were handed to the system.
fn write_response(
    out: &mut TcpStream,
    answer: &Response,
    body_limit: u64,
    connection: Option<&str>,
) -> io::Result<f64> {
    let mut out = BufWriter::new(out);
    write!(out, "HTTP/1.1 {} {}\r\n", answer.status, reason(answer.status))?;
    write!(out, "Content-Length: {}\r\n", answer.body.len())?;
    for (name, value) in &answer.headers {
        let framing =
            ["content-length", "transfer-encoding", "connection"].iter().any(|f| name.eq_ignore_ascii_case(f));
        if !framing && is_token(name) && !value.contains(['\r', '\n']) {
            write!(out, "{name}: {value}\r\n")?;
        }
    }
    if let Some(connection) = connection {
        write!(out, "Connection: {connection}\r\n")?;
    }
    out.write_all(b"\r\n")?;
    answer.body.write_to(&mut out, body_limit)?;
    let last_bytes_at = now_ms();
    out.flush()?;
    Ok(last_bytes_at)
}

/// The standard reason phrase of a status code (empty when unusual, which HTTP allows).
fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// Whether `s` is an HTTP token (a valid method or header name).
fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Reads one line of at most `*budget` bytes (taking them from the budget), without its `\r\n` or `\n`.
/// `Ok(None)` is a clean end of stream before the line started.
fn read_line(reader: &mut impl BufRead, budget: &mut usize, too_long: u16) -> Result<Option<Vec<u8>>, ReadError> {
    let mut line = Vec::new();
    let limit = u64::try_from(*budget).unwrap_or(u64::MAX);
    let n = reader.by_ref().take(limit).read_until(b'\n', &mut line)?;
    *budget -= n;
    if n == 0 {
        return if limit == 0 { Err(ReadError::Reject(too_long, "request head too large")) } else { Ok(None) };
    }
    if line.last() != Some(&b'\n') {
        return if n as u64 == limit {
            Err(ReadError::Reject(too_long, "request head too large"))
        } else {
            Err(ReadError::Closed)
        };
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

/// Reads one request: head, then body (answering `Expect: 100-continue` on `out`).
fn read_request(reader: &mut impl BufRead, out: &mut impl Write, connection: u64) -> Result<Request, ReadError> {
    let mut budget = MAX_HEAD;
    // Tolerate stray empty lines before the request line (RFC 9112 §2.2).
    let line = loop {
        match read_line(reader, &mut budget, 431)? {
            None => return Err(ReadError::Closed),
            Some(line) if line.is_empty() => {}
            Some(line) => break line,
        }
    };
    let line = String::from_utf8(line).map_err(|_| ReadError::Reject(400, "bad request line"))?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Reject(400, "bad request line"));
    };
    if !is_token(method) {
        return Err(ReadError::Reject(400, "bad method"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(ReadError::Reject(505, "only HTTP/1.0 and HTTP/1.1 are served")),
    };
    let (raw_path, query) = split_target(target).ok_or(ReadError::Reject(400, "bad request target"))?;

    let mut headers = Vec::new();
    loop {
        let Some(line) = read_line(reader, &mut budget, 431)? else {
            return Err(ReadError::Closed);
        };
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            return Err(ReadError::Reject(400, "obsolete header folding"));
        }
        let line = String::from_utf8_lossy(&line);
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Reject(400, "bad header line"));
        };
        if !is_token(name) {
            return Err(ReadError::Reject(400, "bad header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim_matches([' ', '\t']).to_owned()));
    }

    let values = |name: &str| -> Vec<&str> {
        headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    };
    let connection_tokens = values("connection");
    let has_token = |t: &str| connection_tokens.iter().any(|c| c.eq_ignore_ascii_case(t));
    let mut keep_alive = if http10 { has_token("keep-alive") } else { !has_token("close") };

    let codings = values("transfer-encoding");
    let lengths = values("content-length");
    let framing = if !codings.is_empty() {
        if http10 {
            return Err(ReadError::Reject(400, "transfer-encoding in HTTP/1.0"));
        }
        if !codings.last().is_some_and(|c| c.eq_ignore_ascii_case("chunked")) {
            return Err(ReadError::Reject(400, "transfer-encoding must end with chunked"));
        }
        if codings.len() > 1 {
            return Err(ReadError::Reject(501, "only the chunked transfer-coding is supported"));
        }
        // A message with both framings is suspect (RFC 9112 §6.3): serve it, then close.
        keep_alive &= lengths.is_empty();
        Framing::Chunked
    } else if let Some(first) = lengths.first() {
        if lengths.iter().any(|l| l != first) || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReadError::Reject(400, "bad content-length"));
        }
        match first.parse::<usize>() {
            Ok(n) if n <= MAX_BODY => Framing::Length(n),
            _ => return Err(ReadError::Reject(413, "request body too large")),
        }
    } else {
        Framing::Length(0)
    };

    let expects_continue = headers.iter().any(|(n, v)| n == "expect" && v.eq_ignore_ascii_case("100-continue"));
    if expects_continue && !http10 && framing != Framing::Length(0) {
        out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        out.flush()?;
    }

    let body = match framing {
        Framing::Length(n) => {
            let mut body = Vec::with_capacity(n.min(64 * 1024));
            reader.by_ref().take(n as u64).read_to_end(&mut body)?;
            if body.len() != n {
                return Err(ReadError::Closed);
            }
            body
        }
        Framing::Chunked => read_chunked(reader)?,
    };

    Ok(Request {
        method: method.to_owned(),
        path: percent_decode(raw_path, false),
        segments: raw_path.split('/').filter(|s| !s.is_empty()).map(|s| percent_decode(s, false)).collect(),
        raw_path: raw_path.to_owned(),
        query: query.to_owned(),
        headers,
        body,
        connection,
        received_ms: now_ms(),
        keep_alive,
        http10,
    })
}

/// How a request body is delimited.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Framing {
    Length(usize),
    Chunked,
}

/// Splits an origin-form (`/p?q`) or absolute-form (`http://h/p?q`) target into path and query.
fn split_target(target: &str) -> Option<(&str, &str)> {
    let target = match target.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") => {
            &rest[rest.find('/')?..]
        }
        _ => target,
    };
    if !target.starts_with('/') {
        return None;
    }
    let target = target.split_once('#').map_or(target, |(t, _)| t);
    Some(target.split_once('?').unwrap_or((target, "")))
}

/// Reads a chunked body (RFC 9112 §7.1), ignoring chunk extensions and discarding trailers.
fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let mut budget = MAX_CHUNK_LINE;
        let line = read_line(reader, &mut budget, 400)?.ok_or(ReadError::Closed)?;
        let line = String::from_utf8_lossy(&line);
        let size = line.split(';').next().unwrap_or("").trim_matches([' ', '\t']);
        if size.is_empty() || size.len() > 15 || !size.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ReadError::Reject(400, "bad chunk size"));
        }
        let size = usize::from_str_radix(size, 16).map_err(|_| ReadError::Reject(400, "bad chunk size"))?;
        if size == 0 {
            break;
        }
        if body.len() + size > MAX_BODY {
            return Err(ReadError::Reject(413, "request body too large"));
        }
        let before = body.len();
        reader.by_ref().take(size as u64).read_to_end(&mut body)?;
        if body.len() - before != size {
            return Err(ReadError::Closed);
        }
        let mut end = [0u8; 2];
        reader.read_exact(&mut end)?;
        if &end != b"\r\n" {
            return Err(ReadError::Reject(400, "chunk data not followed by CRLF"));
        }
    }
    let mut budget = MAX_HEAD;
    loop {
        match read_line(reader, &mut budget, 431)? {
            Some(trailer) if trailer.is_empty() => return Ok(body),
            Some(_) => {}
            None => return Err(ReadError::Closed),
        }
    }
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_as_space`); malformed escapes stay as they are and
/// invalid UTF-8 becomes U+FFFD.
pub(crate) fn percent_decode(s: &str, plus_as_space: bool) -> String {
    let spaced = if plus_as_space { s.replace('+', " ") } else { s.to_string() };
    percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::Client;

    /// Answers every request with what it saw.
    struct Echo;

    impl Handler for Echo {
        fn handle(&self, r: &Request) -> Handled {
            let seen = json!({
                "method": r.method,
                "path": r.path,
                "raw_path": r.raw_path,
                "segments": r.segments,
                "query": r.query,
                "q": r.query_param("q"),
                "body": String::from_utf8_lossy(&r.body),
                "connection": r.connection,
                "x_test": r.header("X-Test"),
            });
            Handled { reply: Reply::Send(Response::json(200, &seen)), token: None }
        }

        fn finished(&self, _: u64, _: Option<f64>) {}
    }

    fn echo_server() -> Server {
        Server::start(TcpListener::bind("127.0.0.1:0").unwrap(), Arc::new(Echo)).unwrap()
    }

    #[test]
    fn keep_alive_serves_several_requests_on_one_connection() {
        let server = echo_server();
        let mut client = Client::connect_to(server.addr());
        let first = client.request("GET", "/a", &[], b"");
        let second = client.request("POST", "/b", &[("X-Test", "yes")], b"hello");
        assert_eq!(first.json()["connection"], second.json()["connection"]);
        assert_eq!(second.json()["body"], "hello");
        assert_eq!(second.json()["x_test"], "yes");
        assert_eq!(second.header("connection"), None);
        let other = Client::connect_to(server.addr()).request("GET", "/c", &[], b"");
        assert_eq!(other.json()["connection"], json!(first.json()["connection"].as_u64().unwrap() + 1));
    }

    #[test]
    fn connection_close_is_honoured() {
        let server = echo_server();
        let mut client = Client::connect_to(server.addr());
        client.send("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
        let raw = client.read_to_end();
        assert!(raw.contains("Connection: close\r\n"));
        assert_eq!(raw.matches("HTTP/1.1 200").count(), 1, "{raw}");
    }

    #[test]
    fn http10_closes_unless_asked_to_keep_alive() {
        let server = echo_server();
        let mut client = Client::connect_to(server.addr());
        client.send("GET /a HTTP/1.0\r\n\r\n");
        assert_eq!(client.read_to_end().matches("HTTP/1.1 200").count(), 1);
        let mut client = Client::connect_to(server.addr());
        client.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        let answer = client.read_response().unwrap();
        assert_eq!(answer.header("connection"), Some("keep-alive"));
        client.send("GET /b HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
        assert_eq!(client.read_response().unwrap().json()["path"], "/b");
    }

    #[test]
    fn pipelined_requests_are_answered_in_order() {
        let server = echo_server();
        let mut client = Client::connect_to(server.addr());
        client.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPUT /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nokGET /3 HTTP/1.1\r\n\r\n");
        for path in ["/1", "/2", "/3"] {
            assert_eq!(client.read_response().unwrap().json()["path"], path);
        }
    }

    #[test]
    fn chunked_bodies_are_decoded() {
        let server = echo_server();
        let mut client = Client::connect_to(server.addr());
        client.send(
            "PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
             5;ext=1\r\nhello\r\n1\r\n \r\n9\r\n{\"k\":\"v\"}\r\n0\r\nX-Trailer: t\r\n\r\n",
        );
        assert_eq!(client.read_response().unwrap().json()["body"], "hello {\"k\":\"v\"}");
        // The connection is still usable afterwards.
        assert_eq!(client.request("GET", "/next", &[], b"").json()["path"], "/next");
    }

    #[test]
    fn chunked_and_length_together_is_served_then_closed() {
        let server = echo_server();
        let mut client = Client::connect_to(server.addr());
        client.send("PUT /c HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n");
        let raw = client.read_to_end();
        assert!(raw.contains("\"body\":\"ab\"") && raw.contains("Connection: close"), "{raw}");
    }

    #[test]
    fn expect_continue_gets_an_interim_answer() {
        let server = echo_server();
        let mut client = Client::connect_to(server.addr());
        client.send("PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
        let started = Instant::now();
        let mut interim = [0u8; 25];
        client.read_exact_raw(&mut interim);
        assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
        assert!(started.elapsed() < Duration::from_millis(500));
        client.send("data");
        assert_eq!(client.read_response().unwrap().json()["body"], "data");
    }

    #[test]
    fn paths_and_queries_are_percent_decoded() {
        let server = echo_server();
        let mut client = Client::connect_to(server.addr());
        let seen = client.request("GET", "/customers/jane%40example.com/a%2Fb//x+y?q=a%2Bb+c&z", &[], b"").json();
        assert_eq!(seen["path"], "/customers/jane@example.com/a/b//x+y");
        assert_eq!(seen["raw_path"], "/customers/jane%40example.com/a%2Fb//x+y");
        assert_eq!(seen["segments"], json!(["customers", "jane@example.com", "a/b", "x+y"]));
        assert_eq!(seen["query"], "q=a%2Bb+c&z");
        assert_eq!(seen["q"], "a+b c");
        let absolute = client.request("GET", "http://example.com/abs?q=1", &[], b"").json();
        assert_eq!((absolute["path"].as_str(), absolute["q"].as_str()), (Some("/abs"), Some("1")));
    }

    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
        assert_eq!(percent_decode("%e2%82%ac+", false), "€+");
        assert_eq!(percent_decode("%ff", true), "\u{fffd}");
    }

    #[test]
    fn head_answers_have_no_body() {
        let server = echo_server();
        let mut client = Client::connect_to(server.addr());
        client.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\n\r\n");
        let mut raw = Vec::new();
        let head_end = loop {
            let mut byte = [0u8];
            client.read_exact_raw(&mut byte);
            raw.push(byte[0]);
            if raw.ends_with(b"\r\n\r\n") {
                break raw.len();
            }
        };
        assert!(String::from_utf8_lossy(&raw[..head_end]).contains("Content-Length: "));
        // The next bytes are the GET's answer, not a HEAD body.
        assert_eq!(client.read_response().unwrap().json()["path"], "/g");
    }

    #[test]
    fn oversized_heads_and_bodies_are_refused() {
        let server = echo_server();
        let mut client = Client::connect_to(server.addr());
        client.send(format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(MAX_HEAD)));
        assert_eq!(client.read_response().unwrap().status, 431);

        let mut client = Client::connect_to(server.addr());
        client.send(format!("PUT / HTTP/1.1\r\nContent-Length: {}\r\n\r\n", MAX_BODY + 1));
        assert_eq!(client.read_response().unwrap().status, 413);

        let mut client = Client::connect_to(server.addr());
        client.send(format!("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n", MAX_BODY + 1));
        assert_eq!(client.read_response().unwrap().status, 413);

        // A body of exactly the limit is fine.
        let mut client = Client::connect_to(server.addr());
        let body = vec![b'x'; MAX_BODY];
        let answer = client.request("PUT", "/", &[], &body);
        assert_eq!(answer.json()["body"].as_str().map(str::len), Some(MAX_BODY));
    }

    #[test]
    fn malformed_requests_get_400_family_answers() {
        let server = echo_server();
        let cases = [
            ("GARBAGE\r\n\r\n", 400),
            ("GET /x HTTP/2.0\r\n\r\n", 505),
            ("GET x HTTP/1.1\r\n\r\n", 400),
            ("GET /x HTTP/1.1\r\nNo colon here\r\n\r\n", 400),
            ("GET /x HTTP/1.1\r\nBad Name: v\r\n\r\n", 400),
            ("GET /x HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400),
            ("PUT /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
            ("PUT /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
            ("PUT /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
            ("PUT /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
            ("PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
            ("PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400),
        ];
        for (raw, status) in cases {
            let mut client = Client::connect_to(server.addr());
            client.send(raw);
            let answer = client.read_response().unwrap();
            assert_eq!(answer.status, status, "{raw:?}");
            assert_eq!(answer.header("connection"), Some("close"), "{raw:?}");
            assert!(answer.json()["meta"]["error"].is_string());
        }
    }

    #[test]
    fn broken_clients_do_not_hurt_the_server() {
        let server = echo_server();
        for raw in ["GET /x HTT", "PUT /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", "\r\n\r\n"] {
            let mut client = Client::connect_to(server.addr());
            client.send(raw);
            drop(client);
        }
        // A client that pipelines many requests, then vanishes without reading the answers.
        let mut client = Client::connect_to(server.addr());
        client.send("GET /x HTTP/1.1\r\n\r\n".repeat(50));
        drop(client);
        assert_eq!(Client::connect_to(server.addr()).request("GET", "/ok", &[], b"").status, 200);
    }

    #[test]
    fn repeat_bodies_are_written_in_full_or_cut() {
        let body = Body::Repeat { prefix: b"[\"".to_vec(), fill: b'x', count: 100_000, suffix: b"\"]".to_vec() };
        assert_eq!(body.len(), 100_004);
        let mut full = Vec::new();
        body.write_to(&mut full, u64::MAX).unwrap();
        assert_eq!(full.len(), 100_004);
        assert!(full.starts_with(b"[\"xx") && full.ends_with(b"x\"]"));
        let mut cut = Vec::new();
        body.write_to(&mut cut, 3).unwrap();
        assert_eq!(cut, b"[\"x");
        let mut cut = Vec::new();
        body.write_to(&mut cut, 100_003).unwrap();
        assert!(cut.ends_with(b"x\""));
    }
}
