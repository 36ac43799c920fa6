//! The ureq agent for CRM calls: one kept alive per process (and one per proxy the site owner set), never a
//! proxy from the environment, no redirects, answers of every status read rather than raised as errors.

use super::resolver::BlockedResolver;
use crate::error::{Code, Outcome};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;
use ureq::unversioned::transport::DefaultConnector;
use ureq::{Agent, Proxy};

/// Time allowed to open a TCP (and TLS) connection to the CRM.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(1500);

/// The agent for CRM calls through `proxy` (the site owner's `WPF_WEBHOOKS_PROXY`; empty for none), built on
/// first use (never at module start-up: php-fpm forks its workers after that) and kept for the process. No
/// proxy is ever taken from the environment (`HTTP_PROXY`, which CGI fills from a request's `Proxy:` header:
/// "httpoxy"). The proxied agent is rebuilt when another proxy is asked for, so at most two are kept.
pub fn agent(proxy: &str) -> Result<Agent, Outcome> {
    static DIRECT: OnceLock<Agent> = OnceLock::new();
    static PROXIED: Mutex<Option<(String, Agent)>> = Mutex::new(None);
    if proxy.is_empty() {
        return Ok(DIRECT.get_or_init(|| build_agent(None)).clone());
    }
    let mut kept = PROXIED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((kept_proxy, agent)) = kept.as_ref() {
        if kept_proxy == proxy {
            return Ok(agent.clone());
        }
    }
    let parsed = Proxy::new(proxy).map_err(|_| {
        Outcome::new(
            Code::NotConfigured,
            "WPF_WEBHOOKS_PROXY is not a proxy URL (http://, https://, socks4:// or socks5://host:port)",
        )
    })?;
    let agent = build_agent(Some(parsed));
    *kept = Some((proxy.to_string(), agent.clone()));
    Ok(agent)
}

fn build_agent(proxy: Option<Proxy>) -> Agent {
    let config = Agent::config_builder()
        .proxy(proxy)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .http_status_as_error(false)
        .max_redirects(0)
        .max_idle_connections_per_host(4)
        .max_idle_age(Duration::from_secs(50))
        .user_agent(concat!("wpf-webhooks/", env!("CARGO_PKG_VERSION")))
        .build();
    Agent::with_parts(config, DefaultConnector::default(), BlockedResolver)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A CONNECT proxy on loopback that records each request line it is sent and tunnels to the target.
    fn start_proxy() -> (String, std::sync::Arc<Mutex<Vec<String>>>) {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let mut reader = BufReader::new(client.try_clone().expect("clone"));
                let mut head = Vec::new();
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    head.push(std::mem::take(&mut line));
                }
                let first = head.first().cloned().unwrap_or_default();
                log.lock().expect("log").push(first.trim_end().to_string());
                let Some(target) = first.strip_prefix("CONNECT ").and_then(|r| r.split(' ').next()) else { continue };
                let Ok(upstream) = std::net::TcpStream::connect(target) else { continue };
                let mut client = client;
                client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").expect("write");
                let (mut up_read, mut up_write) = (upstream.try_clone().expect("clone"), upstream);
                let mut down = client.try_clone().expect("clone");
                std::thread::spawn(move || std::io::copy(&mut reader, &mut up_write));
                std::thread::spawn(move || std::io::copy(&mut up_read, &mut down));
            }
        });
        (url, seen)
    }

    #[test]
    fn the_proxy_the_site_owner_set_is_used_and_a_changed_one_honoured() {
        let sb = wpf_sandbox::Sandbox::start("127.0.0.1:0").expect("sandbox");
        let target = sb.addr().to_string();
        let url = format!("http://{target}/_sandbox/requests");
        let (first, first_seen) = start_proxy();
        let (second, second_seen) = start_proxy();
        let get = |proxy: &str| {
            let agent = agent(proxy).expect("a valid proxy");
            agent.get(&url).config().timeout_global(Some(Duration::from_secs(3))).build().call().map(|r| r.status())
        };
        assert_eq!(get(&first).map(|s| s.as_u16()).ok(), Some(200));
        assert_eq!(*first_seen.lock().expect("seen"), vec![format!("CONNECT {target} HTTP/1.1")]);
        assert_eq!(get(&second).map(|s| s.as_u16()).ok(), Some(200), "another proxy");
        assert_eq!(second_seen.lock().expect("seen").len(), 1, "the second proxy was used");
        assert_eq!(get("").map(|s| s.as_u16()).ok(), Some(200), "no proxy");
        assert_eq!((first_seen.lock().expect("seen").len(), second_seen.lock().expect("seen").len()), (1, 1));
    }

    #[test]
    fn a_proxy_that_is_not_a_url_is_not_configured_and_not_echoed() {
        for bad in ["http://user:s3cret@[::1", "http://", "ftp://user:s3cret@proxy:21"] {
            let err = agent(bad).err().unwrap_or_else(|| panic!("{bad} was taken"));
            assert_eq!(err.code, Code::NotConfigured, "{bad}");
            assert!(!err.message.contains("s3cret") && err.message.contains("WPF_WEBHOOKS_PROXY"), "{}", err.message);
        }
    }
}
