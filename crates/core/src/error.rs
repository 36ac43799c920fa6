//! The contract's response codes (CONTRACT §3) and the outcome the core answers with.

use std::fmt;

/// Every response code of the public contract, with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Ok,
    Created,
    Updated,
    Duplicate,
    Queued,
    BadRequest,
    Forbidden,
    ContactNotFound,
    UserNotFound,
    PayloadTooLarge,
    CrmError,
    CrmUnavailable,
    NotConfigured,
    ExtensionMissing,
    InternalError,
}

impl Code {
    /// Every code, in the contract's order.
    pub const ALL: [Code; 15] = [
        Code::Ok,
        Code::Created,
        Code::Updated,
        Code::Duplicate,
        Code::Queued,
        Code::BadRequest,
        Code::Forbidden,
        Code::ContactNotFound,
        Code::UserNotFound,
        Code::PayloadTooLarge,
        Code::CrmError,
        Code::CrmUnavailable,
        Code::NotConfigured,
        Code::ExtensionMissing,
        Code::InternalError,
    ];

    /// The code as it appears in the JSON response.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Ok => "ok",
            Code::Created => "created",
            Code::Updated => "updated",
            Code::Duplicate => "duplicate",
            Code::Queued => "queued",
            Code::BadRequest => "bad_request",
            Code::Forbidden => "forbidden",
            Code::ContactNotFound => "contact_not_found",
            Code::UserNotFound => "user_not_found",
            Code::PayloadTooLarge => "payload_too_large",
            Code::CrmError => "crm_error",
            Code::CrmUnavailable => "crm_unavailable",
            Code::NotConfigured => "not_configured",
            Code::ExtensionMissing => "extension_missing",
            Code::InternalError => "internal_error",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            Code::Ok | Code::Created | Code::Updated | Code::Duplicate => 200,
            Code::Queued => 202,
            Code::BadRequest => 400,
            Code::Forbidden => 403,
            Code::ContactNotFound | Code::UserNotFound => 404,
            Code::PayloadTooLarge => 413,
            Code::InternalError => 500,
            Code::CrmError => 502,
            Code::CrmUnavailable | Code::NotConfigured | Code::ExtensionMissing => 503,
        }
    }

    /// What kind of answer the code is, as the log and Site Health sort and count them.
    pub fn class(self) -> Class {
        match self {
            Code::Ok | Code::Created | Code::Updated | Code::Duplicate | Code::Queued => Class::Success,
            Code::BadRequest | Code::ContactNotFound | Code::UserNotFound => Class::Client,
            Code::Forbidden | Code::PayloadTooLarge => Class::Refused,
            Code::CrmError | Code::CrmUnavailable => Class::Crm,
            Code::NotConfigured | Code::ExtensionMissing | Code::InternalError => Class::Internal,
        }
    }

    /// The message an answer with this code carries when nothing more precise is said (the shim's answers).
    pub fn message(self) -> String {
        match self {
            Code::Ok => "Done.".into(),
            Code::Created => "The user was created.".into(),
            Code::Updated => "The user was updated.".into(),
            Code::Duplicate => "This delivery was already processed.".into(),
            Code::Queued => "The webhook was stored and will be processed shortly.".into(),
            Code::BadRequest => "The request is not a valid webhook.".into(),
            Code::Forbidden => "The access key or the signature is missing or wrong.".into(),
            Code::ContactNotFound => "The CRM has no such contact.".into(),
            Code::UserNotFound => "No WordPress user is linked to this contact.".into(),
            Code::PayloadTooLarge => format!("The body is over {} bytes.", crate::request::MAX_BODY_BYTES),
            Code::CrmError => "The CRM refused the request.".into(),
            Code::CrmUnavailable => "The CRM could not be reached in time; retry later.".into(),
            Code::NotConfigured => "Webhooks are not configured: no CRM or no credentials are set.".into(),
            Code::ExtensionMissing => {
                "The wpf_webhooks PHP extension is not loaded or does not match this plugin.".into()
            }
            Code::InternalError => "An unexpected error occurred; nothing was changed.".into(),
        }
    }
}

/// A code's class (the contract's `class`): a success; a client error (the request or its contact); a CRM error;
/// refused (a wrong key or signature, a body over the limit: what a stranger can send, which the log only counts
/// when the key was not accepted); an internal error (this site, its settings, the extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Success,
    Client,
    Crm,
    Refused,
    Internal,
}

impl Class {
    /// Every class, in the order the log shows them.
    pub const ALL: [Class; 5] = [Class::Success, Class::Client, Class::Crm, Class::Refused, Class::Internal];

    /// The class as the contract names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Success => "success",
            Class::Client => "client",
            Class::Crm => "crm",
            Class::Refused => "refused",
            Class::Internal => "internal",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of a webhook as the sender is told it: a code of the contract (a success or why it could not be
/// handled) and a message. The message is for the sender and the log: it never carries a key,
/// a credential, a password or the contact's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub code: Code,
    pub message: String,
    /// Seconds the sender should wait before retrying; only for `crm_unavailable`.
    pub retry_after: Option<u64>,
    /// Who the webhook was about, as the request named them (an email or a CRM id), once the contact was
    /// identified: for the log of a webhook that failed after that (see [`Outcome::about`]).
    pub contact: Option<String>,
}

impl Outcome {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Outcome { code, message: message.into(), retry_after: None, contact: None }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Outcome::new(Code::BadRequest, message)
    }

    /// The CRM could not be reached in time; the sender should retry after `retry_after` seconds.
    pub fn unavailable(message: impl Into<String>, retry_after: u64) -> Self {
        Outcome { code: Code::CrmUnavailable, message: message.into(), retry_after: Some(retry_after), contact: None }
    }

    /// The outcome, naming the contact it is about.
    pub fn about(self, contact: &str) -> Self {
        Outcome { contact: Some(contact.to_string()), ..self }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Outcome {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_contract() {
        let table = [
            (Code::Ok, 200),
            (Code::Created, 200),
            (Code::Updated, 200),
            (Code::Duplicate, 200),
            (Code::Queued, 202),
            (Code::BadRequest, 400),
            (Code::Forbidden, 403),
            (Code::ContactNotFound, 404),
            (Code::UserNotFound, 404),
            (Code::PayloadTooLarge, 413),
            (Code::CrmError, 502),
            (Code::CrmUnavailable, 503),
            (Code::NotConfigured, 503),
            (Code::ExtensionMissing, 503),
            (Code::InternalError, 500),
        ];
        for (code, status) in table {
            assert_eq!(code.status(), status, "{code}");
        }
    }

    #[test]
    fn every_code_is_listed_once_with_a_message() {
        let names: std::collections::BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), Code::ALL.len());
        for code in Code::ALL {
            assert!(code.message().ends_with('.'), "{code}");
        }
        assert_eq!(Code::PayloadTooLarge.message(), "The body is over 65536 bytes.");
    }

    #[test]
    fn every_code_has_the_class_the_log_shows() {
        let table = [
            (Code::Ok, Class::Success),
            (Code::Created, Class::Success),
            (Code::Updated, Class::Success),
            (Code::Duplicate, Class::Success),
            (Code::Queued, Class::Success),
            (Code::BadRequest, Class::Client),
            (Code::Forbidden, Class::Refused),
            (Code::ContactNotFound, Class::Client),
            (Code::UserNotFound, Class::Client),
            (Code::PayloadTooLarge, Class::Refused),
            (Code::CrmError, Class::Crm),
            (Code::CrmUnavailable, Class::Crm),
            (Code::NotConfigured, Class::Internal),
            (Code::ExtensionMissing, Class::Internal),
            (Code::InternalError, Class::Internal),
        ];
        for (code, class) in table {
            assert_eq!(code.class(), class, "{code}");
            assert_eq!(class == Class::Success, code.status() < 300, "{code}: a success is exactly a status below 300");
        }
    }

    #[test]
    fn unavailable_carries_retry_after() {
        let f = Outcome::unavailable("CRM timed out", 30);
        assert_eq!(f.code, Code::CrmUnavailable);
        assert_eq!(f.retry_after, Some(30));
        assert_eq!(f.to_string(), "crm_unavailable: CRM timed out");
    }
}
