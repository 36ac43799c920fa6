//! Talking to a CRM: one kept-alive agent per process (and per proxy the site owner set), a deadline for the
//! whole webhook, bounded retries with capped, jittered backoff that honours `Retry-After`, and running two calls
//! at once.

use crate::error::{Code, Failure};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngExt;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::time::Duration as TimeoutAfter;
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::{Agent, Proxy};

/// Time allowed to open a TCP (and TLS) connection to the CRM.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(1500);
/// The whole CRM work of a synchronous webhook: Customer.io gives up after about 4 s, and WordPress needs
/// some of that for itself.
pub const SYNC_BUDGET: Duration = Duration::from_millis(3500);
/// The longest answer body read from a CRM.
pub const MAX_RESPONSE_BYTES: u64 = 2 * 1024 * 1024;
/// `Retry-After` given to the sender when the CRM named none.
pub const DEFAULT_RETRY_AFTER: u64 = 30;
/// The longest `Retry-After` taken from a CRM (seconds): a longer one would park the sender's retries, or a
/// queued job, for as long as the CRM says.
pub const MAX_RETRY_AFTER: u64 = 3600;
/// Attempts per CRM call, the first included.
pub const MAX_ATTEMPTS: u32 = 3;
/// First backoff step; each next one doubles, up to `MAX_BACKOFF`, with full jitter.
const BASE_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_millis(1000);
/// An attempt is not started with less time than this left.
const MIN_ATTEMPT: Duration = Duration::from_millis(50);

/// The agent for CRM calls through `proxy` (the site owner's `WPF_WEBHOOKS_PROXY`; empty for none), built on
/// first use (never at module start-up: php-fpm forks its workers after that) and kept for the process. No
/// proxy is ever taken from the environment (`HTTP_PROXY`, which CGI fills from a request's `Proxy:` header:
/// "httpoxy"). The proxied agent is rebuilt when another proxy is asked for, so at most two are kept.
pub fn agent(proxy: &str) -> Result<Agent, Failure> {
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
        Failure::new(
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

/// Resolves host names as ureq's own resolver does, but on a thread started with every signal blocked
/// (ureq's starts one per lookup from the calling thread, PHP's request thread, whose mask it inherits). The
/// caller waits only as long as ureq allows; a lookup still running then ends on its own. An IP address is
/// taken as it is, on the calling thread.
#[derive(Debug)]
struct BlockedResolver;

impl Resolver for BlockedResolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let at_once = NextTimeout { after: TimeoutAfter::NotHappening, ..timeout };
        let literal =
            uri.host().is_some_and(|h| h.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok());
        if literal {
            return DefaultResolver::default().resolve(uri, config, at_once);
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let (uri, config) = (uri.clone(), config.clone());
        {
            let _blocked = SignalsBlocked::new();
            std::thread::Builder::new()
                .name("wpf-resolve".into())
                .spawn(move || tx.send(DefaultResolver::default().resolve(&uri, &config, at_once)).ok())
                .map_err(ureq::Error::Io)?;
        }
        let wait = if timeout.after.is_not_happening() { Duration::MAX } else { *timeout.after };
        match rx.recv_timeout(wait) {
            Ok(resolved) => resolved,
            Err(RecvTimeoutError::Timeout) => Err(ureq::Error::Timeout(timeout.reason)),
            Err(RecvTimeoutError::Disconnected) => Err(ureq::Error::HostNotFound),
        }
    }
}

/// The moment by which the CRM work must be done.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(Instant);

impl Deadline {
    pub fn after(budget: Duration) -> Deadline {
        Deadline(Instant::now() + budget)
    }

    /// `budget` counted from `started_at` (seconds since the UNIX epoch, PHP's `REQUEST_TIME_FLOAT`), so time
    /// already spent loading WordPress counts. A start in the future or the far past is taken as now.
    pub fn from_request_start(started_at: f64, budget: Duration) -> Deadline {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        let spent = now - started_at;
        let spent = if spent.is_finite() && (0.0..budget.as_secs_f64()).contains(&spent) { spent } else { 0.0 };
        Deadline::after(budget.saturating_sub(Duration::from_secs_f64(spent)))
    }

    pub fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }
}

/// An answer from the CRM, read whole (up to `MAX_RESPONSE_BYTES`).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// `Retry-After` in seconds, when given as a number, at most [`MAX_RETRY_AFTER`].
    pub retry_after: Option<u64>,
}

/// How a CRM client judges one attempt.
pub enum Verdict<T> {
    Done(T),
    /// Worth another attempt (429, transient 5xx); `retry_after` is the CRM's own wish.
    Retry {
        why: String,
        retry_after: Option<u64>,
    },
    Fail(Failure),
}

/// Sends a request built by `send` (given `agent` and the time left) and judges the reply with `judge`,
/// retrying transport failures and what `judge` calls retryable while the deadline allows. `what` names the call
/// in messages ("loading the contact"), never with personal data.
pub fn with_retries<T>(
    agent: &Agent,
    what: &str,
    deadline: Deadline,
    send: impl Fn(&Agent, Duration) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    judge: impl Fn(Reply) -> Verdict<T>,
) -> Result<T, Failure> {
    let mut last_retry_after = None;
    let mut last_why = String::new();
    for attempt in 0..MAX_ATTEMPTS {
        let left = deadline.remaining();
        if left < MIN_ATTEMPT {
            break;
        }
        let outcome = send(agent, left).and_then(read_reply);
        let (why, retry_after) = match outcome {
            Err(ureq::Error::BodyExceedsLimit(_)) => {
                return Err(Failure::new(Code::CrmError, format!("the CRM's answer was too large while {what}")))
            }
            Ok(reply) => match judge(reply) {
                Verdict::Done(v) => return Ok(v),
                Verdict::Fail(f) => return Err(f),
                Verdict::Retry { why, retry_after } => (why, retry_after),
            },
            Err(e) => (transport_problem(&e), None),
        };
        last_why = why;
        last_retry_after = retry_after.or(last_retry_after);
        if attempt + 1 == MAX_ATTEMPTS {
            break;
        }
        let wait = backoff(attempt, retry_after);
        if wait + MIN_ATTEMPT > deadline.remaining() {
            break;
        }
        std::thread::sleep(wait);
    }
    if last_why.is_empty() {
        last_why = "no time was left".into();
    }
    Err(Failure::unavailable(
        format!("the CRM did not answer in time while {what} ({last_why})"),
        last_retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
    ))
}

fn read_reply(mut response: ureq::http::Response<ureq::Body>) -> Result<Reply, ureq::Error> {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|secs| secs.min(MAX_RETRY_AFTER));
    let body = response.body_mut().with_config().limit(MAX_RESPONSE_BYTES).read_to_string()?;
    Ok(Reply { status, body, retry_after })
}

/// The wait before attempt `attempt + 1`: the CRM's `Retry-After` if it gave one, else full jitter over an
/// exponentially growing, capped step.
fn backoff(attempt: u32, retry_after: Option<u64>) -> Duration {
    if let Some(secs) = retry_after {
        return Duration::from_secs(secs);
    }
    let step = BASE_BACKOFF.saturating_mul(1 << attempt.min(8)).min(MAX_BACKOFF);
    let millis = u64::try_from(step.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::rng().random_range(millis / 2..=millis))
}

fn transport_problem(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::Io(io) => format!("connection problem: {}", io.kind()),
        _ => "invalid answer".into(),
    }
}

/// The value of an HTTP Basic `Authorization` header.
pub fn basic_auth(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// A reply that the CRM refused or garbled: `crm_error`, with the CRM's own words when they are safe to show.
pub fn refused(what: &str, reply: &Reply) -> Failure {
    Failure::new(Code::CrmError, format!("the CRM refused {what} (HTTP {})", reply.status))
}

/// Runs `a` on a new thread and `b` on this one, and returns both results. The new thread blocks every
/// signal (PHP's `max_execution_time` relies on `SIGPROF` reaching the request thread), touches no PHP value
/// and is joined before this returns. A panic on either side reaches the caller.
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB,
    RA: Send,
{
    std::thread::scope(|scope| {
        let handle = {
            let _blocked = SignalsBlocked::new();
            scope.spawn(a)
        };
        let rb = b();
        match handle.join() {
            Ok(ra) => (ra, rb),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Blocks every signal on this thread until dropped; threads started meanwhile inherit the mask.
struct SignalsBlocked(libc::sigset_t, PhantomData<*const ()>);

impl SignalsBlocked {
    fn new() -> SignalsBlocked {
        // SAFETY: sigfillset and pthread_sigmask only write to the sigset_t values owned here.
        unsafe {
            let mut all: libc::sigset_t = std::mem::zeroed();
            let mut previous: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut previous);
            SignalsBlocked(previous, PhantomData)
        }
    }
}

impl Drop for SignalsBlocked {
    fn drop(&mut self) {
        // SAFETY: restores the mask saved in `new`, on the same thread (the guard is not Send).
        unsafe {
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.0, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::{c_char, c_int, CStr};
    use std::sync::Mutex;

    /// Whether `SIGPROF` was blocked on each thread that looked up [`RECORDED_NAME`], in order.
    static LOOKUPS: Mutex<Vec<bool>> = Mutex::new(Vec::new());
    /// The name whose lookups are recorded (no other test resolves it).
    const RECORDED_NAME: &str = "localhost";
    /// A name whose lookup takes [`SLOW_LOOKUP`] and then fails, as a stalled DNS server's would.
    const SLOW_NAME: &str = "slow.wpf-webhooks.invalid";
    const SLOW_LOOKUP: Duration = Duration::from_millis(1500);

    fn sigprof_blocked() -> bool {
        // SAFETY: reads this thread's signal mask into a local.
        unsafe {
            let mut mask: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut mask);
            libc::sigismember(&mask, libc::SIGPROF) == 1
        }
    }

    /// The C library's `getaddrinfo`, interposed in this test binary (the standard library's lookups, and so
    /// ureq's, call it by this name): it records the signal mask of every thread that looks up
    /// [`RECORDED_NAME`], stalls on [`SLOW_NAME`], and otherwise hands over to the real one.
    ///
    /// # Safety
    /// As `getaddrinfo(3)`.
    #[no_mangle]
    unsafe extern "C" fn getaddrinfo(
        node: *const c_char,
        service: *const c_char,
        hints: *const libc::addrinfo,
        res: *mut *mut libc::addrinfo,
    ) -> c_int {
        type Real = unsafe extern "C" fn(
            *const c_char,
            *const c_char,
            *const libc::addrinfo,
            *mut *mut libc::addrinfo,
        ) -> c_int;
        let name = if node.is_null() { "" } else { CStr::from_ptr(node).to_str().unwrap_or("") };
        if name == SLOW_NAME {
            std::thread::sleep(SLOW_LOOKUP);
            return libc::EAI_NONAME;
        }
        if name == RECORDED_NAME {
            LOOKUPS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(sigprof_blocked());
        }
        let real = libc::dlsym(libc::RTLD_NEXT, c"getaddrinfo".as_ptr());
        assert!(!real.is_null(), "the C library's getaddrinfo");
        let real: Real = std::mem::transmute(real);
        real(node, service, hints, res)
    }

    #[test]
    fn names_are_resolved_only_on_threads_that_block_signals() {
        assert!(!sigprof_blocked(), "the calling thread takes SIGPROF, as PHP's request thread does");
        let sb = wpf_sandbox::Sandbox::start("127.0.0.1:0").expect("sandbox");
        let url = format!("http://{RECORDED_NAME}:{}/_sandbox/requests", sb.addr().port());
        let answer =
            agent("").expect("direct").get(&url).config().timeout_global(Some(Duration::from_secs(3))).build().call();
        assert!(answer.is_ok(), "{answer:?}");
        let lookups = LOOKUPS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        assert!(!lookups.is_empty(), "{RECORDED_NAME} was looked up");
        assert!(lookups.iter().all(|blocked| *blocked), "a lookup ran with SIGPROF unblocked: {lookups:?}");
        assert!(!sigprof_blocked(), "the caller's mask is left alone");
    }

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

    #[test]
    fn a_stalled_lookup_cannot_hold_the_call_past_its_deadline() {
        let started = Instant::now();
        let answer = agent("")
            .expect("direct")
            .get(&format!("http://{SLOW_NAME}:9/"))
            .config()
            .timeout_global(Some(Duration::from_millis(300)))
            .build()
            .call();
        assert!(matches!(answer, Err(ureq::Error::Timeout(_))), "{answer:?}");
        assert!(started.elapsed() < Duration::from_millis(800), "{:?}", started.elapsed());
    }

    #[test]
    fn backoff_is_capped_jittered_and_honours_retry_after() {
        for attempt in 0..10 {
            let d = backoff(attempt, None);
            assert!(d <= MAX_BACKOFF, "{d:?}");
            assert!(d >= BASE_BACKOFF / 2, "{d:?}");
        }
        assert_eq!(backoff(0, Some(2)), Duration::from_secs(2));
    }

    #[test]
    fn basic_auth_is_rfc_7617() {
        assert_eq!(basic_auth("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(basic_auth("a", ""), "Basic YTo=");
        assert_eq!(basic_auth("ab", "c"), "Basic YWI6Yw==");
        assert_eq!(basic_auth("abc", "de"), "Basic YWJjOmRl");
    }

    #[test]
    fn deadline_counts_time_already_spent() {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        let d = Deadline::from_request_start(now - 1.0, SYNC_BUDGET);
        let left = d.remaining();
        assert!(left <= Duration::from_millis(2600) && left >= Duration::from_millis(2000), "{left:?}");
        for odd in [now + 100.0, now - 1e9, f64::NAN, 0.0] {
            let left = Deadline::from_request_start(odd, SYNC_BUDGET).remaining();
            assert!(left > Duration::from_millis(3000), "{odd}: {left:?}");
        }
    }

    #[test]
    fn join_runs_both_sides_concurrently_with_signals_blocked() {
        let started = Instant::now();
        let (a, b) = join(
            || {
                std::thread::sleep(Duration::from_millis(200));
                // SAFETY: reads this thread's signal mask into a local.
                let blocked = unsafe {
                    let mut mask: libc::sigset_t = std::mem::zeroed();
                    libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut mask);
                    libc::sigismember(&mask, libc::SIGPROF) == 1
                };
                (1, blocked)
            },
            || {
                std::thread::sleep(Duration::from_millis(200));
                2
            },
        );
        assert_eq!((a, b), ((1, true), 2));
        assert!(started.elapsed() < Duration::from_millis(380), "{:?}", started.elapsed());
        // SAFETY: as above, for the calling thread.
        let caller_blocked = unsafe {
            let mut mask: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut mask);
            libc::sigismember(&mask, libc::SIGPROF) == 1
        };
        assert!(!caller_blocked, "the caller's mask is restored");
    }
}
