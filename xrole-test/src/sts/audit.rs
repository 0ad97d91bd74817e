//! The audit log: every call, with who, what, the outcome, and no secret.

use std::time::SystemTime;

use crate::eval::Decision;

/// One call to the embedded STS.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditEntry {
    /// The call's number since the server started (1-based).
    pub call: u64,
    /// When it arrived, on the server's clock.
    pub time: SystemTime,
    /// The request id of the answer.
    pub request_id: String,
    /// The action (`AssumeRole`, ...), if the request named one.
    pub action: Option<String>,
    /// The caller's ARN, once authenticated.
    pub caller: Option<String>,
    /// The access key id that signed the request.
    pub access_key_id: Option<String>,
    /// The request's parameters, with `TokenCode` redacted.
    pub parameters: Vec<(String, String)>,
    /// The authorization decision, for calls that reached it.
    pub decision: Option<Decision>,
    /// The error code of a failed call.
    pub error: Option<String>,
    /// Why a call was denied (the evaluator's explanation), or how it failed.
    pub detail: Option<String>,
}

impl AuditEntry {
    /// The entry of call number `call`, before anything is known of it.
    pub(crate) fn new(call: u64, time: SystemTime, request_id: String) -> Self {
        Self {
            call,
            time,
            request_id,
            action: None,
            caller: None,
            access_key_id: None,
            parameters: Vec::new(),
            decision: None,
            error: None,
            detail: None,
        }
    }

    /// The value of parameter `name`.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the call succeeded.
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}
