//! Length and character-set checks shared by every grammar type, and the `const`
//! byte-string helpers (find, slice, compare) they and the ARN scanner are built from.
//!
//! The checks are `const fn` so that `from_static` constructors validate at compile
//! time with the very rules that `FromStr` applies at run time.

use crate::{Error, ErrorKind, Subject};

/// The character classes of AWS's patterns (`\w` is ASCII `[A-Za-z0-9_]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Charset {
    /// `[\w+=,.@-]`: role and user names, session names, source identities.
    Name,
    /// `[\w+=,.@:/-]`: external ids.
    ExternalId,
    /// `[\w+=/:,.@-]`: MFA serial numbers (the same set as external ids).
    Mfa,
    /// `[0-9]`.
    Digits,
    /// IAM paths: `/`, and between slashes `[\x21-\x7E]` (printable ASCII).
    Path,
    /// AWS service prefixes in actions and principals: `[a-z0-9-]`, plus `.` for hosts.
    Host,
}

impl Charset {
    pub(crate) const fn allows(self, b: u8) -> bool {
        let word = b.is_ascii_alphanumeric() || b == b'_';
        match self {
            Charset::Name => word || matches!(b, b'+' | b'=' | b',' | b'.' | b'@' | b'-'),
            Charset::ExternalId | Charset::Mfa => {
                word || matches!(b, b'+' | b'=' | b',' | b'.' | b'@' | b':' | b'/' | b'-')
            }
            Charset::Digits => b.is_ascii_digit(),
            Charset::Path => b >= 0x21 && b <= 0x7e,
            Charset::Host => b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.',
        }
    }

    /// How the set reads in an error message.
    pub(crate) const fn describe(self) -> &'static str {
        match self {
            Charset::Name => "letters, digits and + = , . @ _ -",
            Charset::ExternalId | Charset::Mfa => "letters, digits and + = , . @ : / _ -",
            Charset::Digits => "digits",
            Charset::Path => "printable ASCII characters",
            Charset::Host => "lowercase letters, digits, '.' and '-'",
        }
    }
}

/// Why a text was rejected: small and `Copy`, so `const fn`s can return it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Violation {
    /// Outside `min..=max` characters.
    Length { min: usize, max: usize },
    /// A byte outside the character set, at this byte offset.
    Char { at: usize, charset: Charset },
}

impl Violation {
    /// The full error for `value`, which broke this rule as `subject`.
    pub(crate) fn into_error(self, subject: Subject, value: &str) -> Error {
        Error::new(subject, self.kind(), self.describe(value))
    }

    /// Which kind of rule this is.
    pub(crate) fn kind(self) -> ErrorKind {
        match self {
            Violation::Length { .. } => ErrorKind::Length,
            Violation::Char { .. } => ErrorKind::Charset,
        }
    }

    /// The message for `value`, echoing it.
    pub(crate) fn describe(self, value: &str) -> String {
        match self {
            Violation::Length { min, max } => {
                let found = value.chars().count();
                let bounds = if min == max {
                    format!("exactly {min}")
                } else {
                    format!("{min} to {max}")
                };
                format!("must be {bounds} characters long, found {found} ({value:?})")
            }
            Violation::Char { at, charset } => {
                let ch = value
                    .get(at..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or('?');
                let position = value.get(..at).map_or(at, |s| s.chars().count()) + 1;
                format!(
                    "character {ch:?} at position {position} is not allowed (allowed: {}) ({value:?})",
                    charset.describe()
                )
            }
        }
    }
}

/// Checks `s` against a length range (in characters; the sets are ASCII, so bytes)
/// and a character set.
pub(crate) const fn check(
    s: &str,
    min: usize,
    max: usize,
    charset: Charset,
) -> Result<(), Violation> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !charset.allows(bytes[i]) {
            return Err(Violation::Char { at: i, charset });
        }
        i += 1;
    }
    if bytes.len() < min || bytes.len() > max {
        return Err(Violation::Length { min, max });
    }
    Ok(())
}

/// `a == b` for byte slices, usable in `const fn`.
pub(crate) const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `s` starts with `prefix`, usable in `const fn`.
pub(crate) const fn starts_with(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && bytes_eq(s.split_at(prefix.len()).0, prefix)
}

/// Whether `s` ends with `suffix`, usable in `const fn`.
pub(crate) const fn ends_with(s: &[u8], suffix: &[u8]) -> bool {
    s.len() >= suffix.len() && bytes_eq(s.split_at(s.len() - suffix.len()).1, suffix)
}

/// The index of the first `needle` at or after `from`, usable in `const fn`.
pub(crate) const fn find(s: &[u8], needle: u8, from: usize) -> Option<usize> {
    let mut i = from;
    while i < s.len() {
        if s[i] == needle {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The index of the last `needle`, usable in `const fn`.
pub(crate) const fn rfind(s: &[u8], needle: u8) -> Option<usize> {
    let mut i = s.len();
    while i > 0 {
        i -= 1;
        if s[i] == needle {
            return Some(i);
        }
    }
    None
}

/// `&s[start..end]` in `const fn`. Callers cut only at ASCII bytes, so the slice is
/// always valid UTF-8; the empty string stands in should that ever not hold.
pub(crate) const fn slice(s: &str, start: usize, end: usize) -> &str {
    let (head, _) = s.as_bytes().split_at(end);
    let (_, mid) = head.split_at(start);
    match std::str::from_utf8(mid) {
        Ok(v) => v,
        Err(_) => "",
    }
}
