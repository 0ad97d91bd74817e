//! [`SessionDuration`]: `DurationSeconds`, and the text forms (`"1h30m"`) it reads.

use std::borrow::Cow;
use std::fmt;

use crate::{Error, ErrorKind, Subject};

/// A duration of an assumed-role session: 900 to 43200 seconds (15 minutes to 12
/// hours); at most 3600 seconds for a chained session (a role assumed with role
/// credentials).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionDuration(u32);

impl SessionDuration {
    /// `DurationSeconds` of a GetSessionToken (MFA) session, which is not an
    /// assumed-role session: 900 seconds to 36 hours.
    pub const SESSION_TOKEN_SECS: std::ops::RangeInclusive<u64> = 900..=129_600;

    /// The shortest session STS grants: 15 minutes.
    pub const MIN: SessionDuration = SessionDuration(900);
    /// The longest session STS grants: 12 hours (if the role's maximum allows it),
    /// and the most a role's maximum session duration may be.
    pub const MAX: SessionDuration = SessionDuration(43_200);
    /// The least a role's maximum session duration may be: 1 hour.
    pub const MIN_ROLE_MAX: SessionDuration = SessionDuration(3_600);
    /// The longest chained session: 1 hour.
    pub const MAX_CHAINED: SessionDuration = SessionDuration(3_600);
    /// What STS uses when no duration is given: 1 hour.
    pub const DEFAULT: SessionDuration = SessionDuration(3_600);

    const fn in_range(secs: u64) -> bool {
        secs >= Self::MIN.0 as u64 && secs <= Self::MAX.0 as u64
    }

    fn range_error(secs: u64, written: &str) -> Error {
        Error::new(
            Subject::SessionDuration,
            ErrorKind::Range,
            format!(
                "must be {} to {} seconds ({} to {}), found {secs} ({written:?})",
                Self::MIN.0,
                Self::MAX.0,
                Self::MIN,
                Self::MAX
            ),
        )
    }

    /// A duration in seconds.
    pub fn from_secs(secs: u64) -> Result<Self, Error> {
        if Self::in_range(secs) {
            Ok(Self(secs as u32))
        } else {
            Err(Self::range_error(secs, &secs.to_string()))
        }
    }

    /// A duration from a literal number of seconds, checked at compile time in a `const`.
    ///
    /// # Panics
    ///
    /// Outside 900..=43200 (a compile error in a `const`).
    #[allow(
        clippy::panic,
        reason = "compile error in const context, like HeaderValue::from_static"
    )]
    pub const fn from_static_secs(secs: u32) -> Self {
        if Self::in_range(secs as u64) {
            Self(secs)
        } else {
            panic!("session duration must be 900 to 43200 seconds")
        }
    }

    /// Parses `"900"`, `"15m"`, `"1h"`, `"1h30m"`, `"2h15m30s"` (units in that order,
    /// each at most once).
    pub fn parse(s: &str) -> Result<Self, Error> {
        let secs = parse_duration_text(s)
            .map_err(|why| Error::new(Subject::SessionDuration, ErrorKind::Format, why))?;
        if Self::in_range(secs) {
            Ok(Self(secs as u32))
        } else {
            Err(Self::range_error(secs, s))
        }
    }

    /// Parses the duration of a GetSessionToken (MFA) session, written as
    /// [`parse`](Self::parse) reads it: 900 s to 36 h ([`SESSION_TOKEN_SECS`](Self::SESSION_TOKEN_SECS)).
    pub fn parse_session_token(s: &str) -> Result<std::time::Duration, Error> {
        let secs = parse_duration_text(s)
            .map_err(|why| Error::new(Subject::MfaSessionDuration, ErrorKind::Format, why))?;
        if Self::SESSION_TOKEN_SECS.contains(&secs) {
            Ok(std::time::Duration::from_secs(secs))
        } else {
            let (min, max) = (
                *Self::SESSION_TOKEN_SECS.start(),
                *Self::SESSION_TOKEN_SECS.end(),
            );
            Err(Error::new(
                Subject::MfaSessionDuration,
                ErrorKind::Range,
                format!(
                    "must be {min} to {max} seconds ({} to {}), found {secs} ({s:?})",
                    format_secs(min),
                    format_secs(max)
                ),
            ))
        }
    }

    /// The rule of chained sessions in words, as every message that reports it
    /// says it: the spec's validation, the runtime's refusal, lint `XR010`.
    pub fn chained_rule() -> String {
        format!(
            "a chained session (a role assumed with another role's credentials) lasts at most {} ({} s)",
            Self::MAX_CHAINED,
            Self::MAX_CHAINED.0
        )
    }

    /// Checks the one-hour limit of chained sessions.
    pub fn check_chained(self) -> Result<Self, Error> {
        if self.0 <= Self::MAX_CHAINED.0 {
            Ok(self)
        } else {
            Err(Error::new(
                Subject::SessionDuration,
                ErrorKind::Conflict,
                format!("{}, found {self} ({} s)", Self::chained_rule(), self.0),
            ))
        }
    }

    /// Seconds.
    pub const fn as_secs(self) -> u32 {
        self.0
    }

    /// As a `std::time::Duration`.
    pub const fn as_duration(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.0 as u64)
    }
}

fn parse_duration_text(s: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "expected seconds (\"900\") or hours, minutes and seconds (\"1h30m\", \"15m\"), found {s:?}"
        )
    };
    if s.is_empty() {
        return Err(bad());
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<u64>().map_err(|_| bad());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut last_unit = 0; // 1 = h, 2 = m, 3 = s: units must come in that order, once each
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let (rank, factor) = match c {
            'h' => (1, 3600),
            'm' => (2, 60),
            's' => (3, 1),
            _ => return Err(bad()),
        };
        if digits.is_empty() || rank <= last_unit {
            return Err(bad());
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(factor)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        digits.clear();
        last_unit = rank;
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

/// The shortest `XhYmZs` form of `secs`: `1h`, `15m`, `1h30m`, `905` is `15m5s`.
fn format_secs(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    for (n, unit) in [(h, 'h'), (m, 'm'), (s, 's')] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

impl fmt::Display for SessionDuration {
    /// The shortest `XhYmZs` form: `1h`, `15m`, `1h30m`, `905s` is `15m5s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_secs(u64::from(self.0)))
    }
}

impl fmt::Debug for SessionDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionDuration({self})")
    }
}

impl std::str::FromStr for SessionDuration {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl serde::Serialize for SessionDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for SessionDuration {
    /// Seconds as a number, or any text [`SessionDuration::parse`] accepts.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw<'a> {
            Secs(u64),
            Text(Cow<'a, str>),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Secs(n) => Self::from_secs(n),
            Raw::Text(t) => Self::parse(&t),
        }
        .map_err(serde::de::Error::custom)
    }
}
