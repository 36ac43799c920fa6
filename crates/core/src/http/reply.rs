//! A CRM's answer: read whole within a size limit, with its `Retry-After`, and the failure for a refused one.

use crate::error::{Code, Outcome};

/// The longest answer body read from a CRM.
pub const MAX_RESPONSE_BYTES: u64 = 2 * 1024 * 1024;
/// The longest `Retry-After` taken from a CRM (seconds): a longer one would park the sender's retries, or a
/// queued job, for as long as the CRM says.
pub const MAX_RETRY_AFTER: u64 = 3600;

/// An answer from the CRM, read whole (up to `MAX_RESPONSE_BYTES`).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// `Retry-After` in seconds, when given as a number, at most [`MAX_RETRY_AFTER`].
    pub retry_after: Option<u64>,
}

/// Reads `response` whole: its status, its `Retry-After` (capped) and at most [`MAX_RESPONSE_BYTES`] of body.
pub(super) fn read_reply(mut response: ureq::http::Response<ureq::Body>) -> Result<Reply, ureq::Error> {
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

/// A reply that the CRM refused or garbled: `crm_error`, with the CRM's own words when they are safe to show.
pub fn refused(what: &str, reply: &Reply) -> Outcome {
    Outcome::new(Code::CrmError, format!("the CRM refused {what} (HTTP {})", reply.status))
}
