//! [`AccountId`]: twelve digits.

use std::fmt;

use crate::{Error, ErrorKind, Subject};

/// A 12-digit AWS account id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub(super) [u8; 12]);

/// Why an account id was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AccountViolation {
    Length,
    NonDigit { at: usize },
}

impl AccountViolation {
    pub(super) fn kind(self) -> ErrorKind {
        match self {
            AccountViolation::Length => ErrorKind::Length,
            AccountViolation::NonDigit { .. } => ErrorKind::Charset,
        }
    }

    pub(super) fn describe(self, value: &str) -> String {
        match self {
            AccountViolation::Length => format!(
                "account id must be 12 digits, found {} ({value:?})",
                value.chars().count()
            ),
            AccountViolation::NonDigit { at } => {
                let ch = value
                    .get(at..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or('?');
                format!("account id must be 12 digits, found {ch:?} ({value:?})")
            }
        }
    }
}

impl AccountId {
    pub(super) const fn check(s: &[u8]) -> Result<Self, AccountViolation> {
        let mut digits = [0u8; 12];
        let mut i = 0;
        while i < s.len() {
            if !s[i].is_ascii_digit() {
                return Err(AccountViolation::NonDigit { at: i });
            }
            if i < 12 {
                digits[i] = s[i];
            }
            i += 1;
        }
        if s.len() != 12 {
            return Err(AccountViolation::Length);
        }
        Ok(Self(digits))
    }

    /// Parses a 12-digit account id.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::check(s.as_bytes())
            .map_err(|v| Error::new(Subject::AccountId, v.kind(), v.describe(s)))
    }

    /// An account id from a literal, checked at compile time in a `const`.
    ///
    /// # Panics
    ///
    /// If `s` is not 12 digits (a compile error in a `const`).
    #[allow(
        clippy::panic,
        reason = "compile error in const context, like HeaderValue::from_static"
    )]
    pub const fn from_static(s: &'static str) -> Self {
        match Self::check(s.as_bytes()) {
            Ok(id) => id,
            Err(_) => panic!("invalid account id literal: must be 12 digits"),
        }
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("000000000000")
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AccountId").field(&self.as_str()).finish()
    }
}

crate::macros::string_traits!(AccountId);
