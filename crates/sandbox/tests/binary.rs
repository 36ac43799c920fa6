//! The `wpf-sandbox` binary: start-up line, serving, request log file, sending a webhook, bind failure.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread;

/// Kills the child when the test ends, even on failure.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends one `Connection: close` request and returns the whole answer.
fn exchange(addr: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// Starts the binary with these arguments; returns it and its `IP:PORT`.
fn start(args: &[&str]) -> (Running, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_wpf-sandbox"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let mut line = String::new();
    BufReader::new(running.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("wpf-sandbox listening on http://").expect(&line).to_owned();
    (running, addr)
}

#[test]
fn serves_prints_its_url_and_logs_requests() {
    let log = std::env::temp_dir().join(format!("wpf-sandbox-bin-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let (_running, url) = start(&["--empty", "--log", log.to_str().unwrap()]);

    let health = exchange(&url, "GET /_sandbox/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(health.starts_with("HTTP/1.1 200 OK\r\n") && health.ends_with(r#"{"ok":true}"#), "{health}");
    let segments = exchange(
        &url,
        "GET /customerio/us/app/v1/segments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sandbox-app-key\r\n\
         Connection: close\r\n\r\n",
    );
    assert!(segments.ends_with(r#"{"segments":[]}"#), "{segments}");
    let tags = exchange(
        &url,
        "GET /customerly/v1/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sandbox-customerly-token\r\n\
         Connection: close\r\n\r\n",
    );
    assert!(tags.starts_with("HTTP/1.1 200 OK\r\n") && tags.ends_with(r#"{"data":[]}"#), "{tags}");

    // The control API waits for the log to settle, so the line is written by the time it answers.
    let requests = exchange(&url, "GET /_sandbox/requests HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(requests.contains(r#""path":"/customerio/us/app/v1/segments""#), "{requests}");
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    // Lines come in the order answers finished, and a `Connection: close` answer's line is written after the
    // close, so the next request's line may come first: sort by arrival.
    let mut lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    lines.sort_by_key(|line| line["seq"].as_u64());
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[0]["headers"]["authorization"], "Bearer sandbox-app-key");
    assert_eq!(lines[1]["path"], "/customerly/v1/tags");
}

#[test]
fn sends_a_signed_webhook() {
    let (_running, url) = start(&[]);
    let site = TcpListener::bind("127.0.0.1:0").unwrap();
    let site_url = format!("http://{}/hook", site.local_addr().unwrap());
    let received = thread::spawn(move || {
        let (mut stream, _) = site.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        while !head.ends_with("\r\n\r\n") {
            reader.read_line(&mut head).unwrap();
        }
        let mut body = [0; 17];
        reader.read_exact(&mut body).unwrap();
        stream.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n").unwrap();
        (head.to_ascii_lowercase(), body)
    });
    let order = serde_json::json!({"url": site_url, "body": r#"{"email":"a@b.c"}"#, "sign": "customerio",
                                   "timestamp": 1_700_000_000, "delivery_id": "msg_1"})
    .to_string();
    let answer = exchange(
        &url,
        &format!(
            "POST /_sandbox/webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{order}",
            order.len()
        ),
    );
    // Checked first: had the sandbox not sent it, the site would wait for ever.
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n") && answer.contains(r#""status":204"#), "{answer}");
    let (head, body) = received.join().unwrap();
    assert!(head.starts_with("post /hook http/1.1\r\n"), "{head}");
    // printf 'v0:1700000000:{"email":"a@b.c"}' | openssl dgst -sha256 -hmac 'sandbox-cio-signing-key'
    assert!(
        head.contains("\r\nx-cio-signature: 4dce6463966b6658515601e5cc59d6bdc690f4d80e14c2a21f3e54c248d82ee5\r\n"),
        "{head}"
    );
    assert_eq!(&body, br#"{"email":"a@b.c"}"#);
}

#[test]
fn bind_failure_exits_non_zero_with_a_message() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_wpf-sandbox"))
        .args(["--listen", &taken.local_addr().unwrap().to_string()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("wpf-sandbox: cannot listen on 127.0.0.1:"), "{stderr}");
}

#[test]
fn bad_arguments_exit_2_with_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_wpf-sandbox")).arg("--bogus").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage: wpf-sandbox"));
}
