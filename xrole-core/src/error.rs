//! The error every grammar type returns when a value breaks one of AWS's rules.

use std::fmt;

/// A value that breaks one of AWS's rules for its part.
///
/// The message names the part (`role ARN`, `session name`, ...), the rule, and the
/// offending value, e.g.
/// `role ARN: account id must be 12 digits, found 11 ("22222222222")`.
/// Secret values (MFA token codes) are never echoed.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("{subject}: {message}")]
#[non_exhaustive]
pub struct Error {
    subject: &'static str,
    message: String,
}

impl Error {
    pub(crate) fn new(subject: &'static str, message: impl Into<String>) -> Self {
        Self {
            subject,
            message: message.into(),
        }
    }

    /// The part the value was for, e.g. `"session name"`.
    pub fn subject(&self) -> &'static str {
        self.subject
    }

    /// What is wrong, without the subject prefix.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Debug shows the same words as Display: `?` on a Result in `main` stays readable.
        fmt::Display::fmt(self, f)
    }
}
