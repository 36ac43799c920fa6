//! Bounded retries of one CRM call within the deadline: capped, jittered backoff, or the CRM's `Retry-After`.

use super::deadline::Deadline;
use super::reply::{read_reply, Reply};
use crate::error::{Code, Outcome};
use rand::RngExt;
use std::time::Duration;
use ureq::Agent;

/// `Retry-After` given to the sender when the CRM named none.
pub const DEFAULT_RETRY_AFTER: u64 = 30;
/// Attempts per CRM call, the first included.
pub const MAX_ATTEMPTS: u32 = 3;
/// First backoff step; each next one doubles, up to `MAX_BACKOFF`, with full jitter.
const BASE_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_millis(1000);
/// An attempt is not started with less time than this left.
const MIN_ATTEMPT: Duration = Duration::from_millis(50);

/// How a CRM client judges one attempt.
pub enum Verdict<T> {
    Done(T),
    /// Worth another attempt (429, transient 5xx); `retry_after` is the CRM's own wish.
    Retry {
        why: String,
        retry_after: Option<u64>,
    },
    Fail(Outcome),
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
) -> Result<T, Outcome> {
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
                return Err(Outcome::new(Code::CrmError, format!("the CRM's answer was too large while {what}")))
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
    Err(Outcome::unavailable(
        format!("the CRM did not answer in time while {what} ({last_why})"),
        last_retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_jittered_and_honours_retry_after() {
        for attempt in 0..10 {
            let d = backoff(attempt, None);
            assert!(d <= MAX_BACKOFF, "{d:?}");
            assert!(d >= BASE_BACKOFF / 2, "{d:?}");
        }
        assert_eq!(backoff(0, Some(2)), Duration::from_secs(2));
    }
}
