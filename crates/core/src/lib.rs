//! wpf-webhooks' core: everything the PHP extension decides, in plain Rust, testable without PHP.
//!
//! The extension (the crate at the repository root) converts PHP values to and from the types here and
//! calls [`webhook::decide`] and [`webhook::return_password`]; nothing here touches PHP.

pub mod auth;
pub mod contract;
pub mod crm;
pub mod error;
pub mod fields;
pub mod http;
pub mod log_request;
pub mod login;
pub mod password;
pub mod redact;
pub mod request;
pub mod roles;
pub mod settings;
pub mod signature;
pub mod webhook;

pub use error::{Code, Outcome};
pub use request::RawRequest;
pub use webhook::{decide, decide_queued, return_password, Decision, Site};
