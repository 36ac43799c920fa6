//! Host name lookups for the agent, on threads that block signals, within the time ureq allows.

use super::threads::SignalsBlocked;
use std::net::IpAddr;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::time::Duration as TimeoutAfter;
use ureq::unversioned::transport::NextTimeout;

/// Resolves host names as ureq's own resolver does, but on a thread started with every signal blocked
/// (ureq's starts one per lookup from the calling thread, PHP's request thread, whose mask it inherits). The
/// caller waits only as long as ureq allows; a lookup still running then ends on its own. An IP address is
/// taken as it is, on the calling thread.
#[derive(Debug)]
pub(super) struct BlockedResolver;

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

#[cfg(test)]
mod tests {
    use crate::http::agent;
    use std::ffi::{c_char, c_int, CStr};
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

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
}
