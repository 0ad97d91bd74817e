//! [`TokenCode`]: an MFA device's six-digit code, never shown.

use std::fmt;

use crate::charset::{self, Charset, Violation};
use crate::{Error, ErrorKind, Subject};

/// A six-digit code from an MFA device (`TokenCode`). Never shown by `Debug` or in
/// errors.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenCode(String);

impl TokenCode {
    /// Validates a code: exactly six digits.
    pub fn parse(s: &str) -> Result<Self, Error> {
        match charset::check(s, 6, 6, Charset::Digits) {
            Ok(()) => Ok(Self(s.to_owned())),
            Err(Violation::Length { .. }) => Err(Error::new(
                Subject::MfaTokenCode,
                ErrorKind::Length,
                format!(
                    "must be exactly 6 digits, found {} characters",
                    s.chars().count()
                ),
            )),
            Err(Violation::Char { .. }) => Err(Error::new(
                Subject::MfaTokenCode,
                ErrorKind::Charset,
                "must be exactly 6 digits, found a character that is not a digit",
            )),
        }
    }

    /// The code, to send to STS.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCode(******)")
    }
}

impl std::str::FromStr for TokenCode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}
