//! [`Region`]: an AWS region name.

use std::borrow::Cow;
use std::fmt;

use crate::{Error, ErrorKind, Subject};

/// An AWS region name such as `us-east-1`, `eu-central-2` or `us-gov-west-1`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(Cow<'static, str>);

impl Region {
    /// `us-east-1`, `ap-southeast-5`, `us-gov-west-1`: letters, then words, then a
    /// number, separated by `-`.
    const fn check(s: &str) -> bool {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > 32 {
            return false;
        }
        let mut segments = 1;
        let mut seg_len = 0;
        let mut seg_digits = false; // the current segment is a number
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c == b'-' {
                // Only the last segment may be a number.
                if seg_len == 0 || seg_digits {
                    return false;
                }
                segments += 1;
                seg_len = 0;
            } else if c.is_ascii_lowercase() && !seg_digits {
                seg_len += 1;
            } else if c.is_ascii_digit() && segments > 1 && (seg_len == 0 || seg_digits) {
                seg_digits = true;
                seg_len += 1;
            } else {
                return false;
            }
            i += 1;
        }
        segments >= 3 && seg_digits
    }

    /// Validates a region name.
    pub fn parse(s: &str) -> Result<Self, Error> {
        if Self::check(s) {
            Ok(Self(Cow::Owned(s.to_owned())))
        } else {
            Err(Error::new(
                Subject::Region,
                ErrorKind::Format,
                format!(
                    "expected a region name such as \"us-east-1\" or \"eu-central-2\", found {s:?}"
                ),
            ))
        }
    }

    /// A region from a literal, checked at compile time in a `const`.
    ///
    /// # Panics
    ///
    /// If `s` is not a region name (a compile error in a `const`).
    #[allow(
        clippy::panic,
        reason = "compile error in const context, like HeaderValue::from_static"
    )]
    pub const fn from_static(s: &'static str) -> Self {
        if Self::check(s) {
            Self(Cow::Borrowed(s))
        } else {
            panic!("invalid region literal")
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Region").field(&&*self.0).finish()
    }
}

crate::macros::string_traits!(Region);
