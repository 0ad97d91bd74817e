//! The audit log: every call, with who, what, the outcome, and no secret.

use std::time::SystemTime;

use xrole_iam::eval::Decision;

/// One call to the embedded STS.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditEntry {
    /// The call's number since the server started (1-based); 0 for a decision
    /// of [`authorize_http`](crate::EmbeddedSts::authorize_http), which is no
    /// call to the server.
    pub call: u64,
    /// When it arrived, on the server's clock.
    pub time: SystemTime,
    /// The request id of the answer.
    pub request_id: String,
    /// The action (`AssumeRole`, ...), if the request named one;
    /// `service:Operation` for a decision of `authorize_http`.
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

    /// The entry as the log keeps it: at most [`MAX_AUDITED_PARAMETERS`]
    /// parameters, each text at most [`MAX_AUDITED_CHARS`] characters (the
    /// detail [`MAX_AUDITED_DETAIL_CHARS`]), longer ones cut with their length
    /// said. Whatever a caller sends, an entry stays small.
    pub(crate) fn bounded(mut self) -> Self {
        let cut = |text: &mut String, most: usize| {
            // No more bytes than the bound: no more characters either.
            if text.len() <= most {
                return;
            }
            if let Some((at, _)) = text.char_indices().nth(most) {
                let chars = text.chars().count();
                text.truncate(at);
                text.push_str(&format!("... ({chars} characters)"));
            }
        };
        for field in [&mut self.request_id]
            .into_iter()
            .chain(self.action.as_mut())
            .chain(self.caller.as_mut())
            .chain(self.access_key_id.as_mut())
            .chain(self.error.as_mut())
        {
            cut(field, MAX_AUDITED_CHARS);
        }
        if self.parameters.len() > MAX_AUDITED_PARAMETERS {
            let more = self.parameters.len() - MAX_AUDITED_PARAMETERS;
            self.parameters.truncate(MAX_AUDITED_PARAMETERS);
            self.parameters
                .push(("...".into(), format!("{more} more parameters")));
        }
        for (k, v) in &mut self.parameters {
            cut(k, MAX_AUDITED_CHARS);
            cut(v, MAX_AUDITED_CHARS);
        }
        if let Some(detail) = self.detail.as_mut() {
            cut(detail, MAX_AUDITED_DETAIL_CHARS);
        }
        self
    }

    /// About how many bytes the entry holds: what the log's byte budget counts.
    pub(crate) fn size(&self) -> usize {
        let text = |t: &Option<String>| t.as_ref().map_or(0, String::len);
        std::mem::size_of::<Self>()
            + self.request_id.len()
            + text(&self.action)
            + text(&self.caller)
            + text(&self.access_key_id)
            + text(&self.error)
            + text(&self.detail)
            + self
                .parameters
                .iter()
                .map(|(k, v)| k.len() + v.len() + std::mem::size_of::<(String, String)>())
                .sum::<usize>()
    }
}

/// The most parameters an audit entry keeps.
pub const MAX_AUDITED_PARAMETERS: usize = 64;
/// The longest text an audit entry keeps of a parameter, caller or key id.
pub const MAX_AUDITED_CHARS: usize = 256;
/// The longest detail (an evaluator's explanation) an audit entry keeps.
pub const MAX_AUDITED_DETAIL_CHARS: usize = 8 * 1024;
