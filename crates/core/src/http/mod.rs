//! Talking to a CRM: one kept-alive agent per process (and per proxy the site owner set), a deadline for the
//! whole webhook, bounded retries with capped, jittered backoff that honours `Retry-After`, and running two calls
//! at once. One concern per file; the rest of the crate uses what is re-exported here.

mod agent;
mod basic_auth;
mod deadline;
mod reply;
mod resolver;
mod retry;
mod threads;

pub use agent::{agent, CONNECT_TIMEOUT};
pub use basic_auth::basic_auth;
pub use deadline::{Deadline, SYNC_BUDGET};
pub use reply::{refused, Reply, MAX_RESPONSE_BYTES, MAX_RETRY_AFTER};
pub use retry::{with_retries, Verdict, DEFAULT_RETRY_AFTER, MAX_ATTEMPTS};
pub use threads::join;
