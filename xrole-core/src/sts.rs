//! STS request parameters with STS's own limits: [`SessionName`], [`SourceIdentity`],
//! [`ExternalId`], [`SessionDuration`], [`MfaSerial`], [`TokenCode`], [`SessionTag`],
//! [`SessionTags`], [`TransitiveTagKeys`], [`SessionPolicy`], [`PolicyArns`], [`Region`].

use std::borrow::Cow;
use std::fmt;

use crate::Error;
use crate::arn::PolicyArn;
use crate::macros::text_type;
use crate::text::{self, Charset, Violation};

text_type!(
    /// `RoleSessionName`: 2-64 characters of `[\w+=,.@-]`. It appears in the
    /// assumed-role ARN and in CloudTrail.
    SessionName, subject = "session name", min = 2, max = 64, charset = Charset::Name
);

text_type!(
    /// `SourceIdentity`: 2-64 characters of `[\w+=,.@-]`. Once set it stays with the
    /// session and every session chained from it.
    SourceIdentity, subject = "source identity", min = 2, max = 64, charset = Charset::Name
);

text_type!(
    /// `ExternalId`: 2-1224 characters of `[\w+=,.@:/-]`, the confused-deputy guard a
    /// third party's trust policy demands with `sts:ExternalId`.
    ExternalId, subject = "external id", min = 2, max = 1224, charset = Charset::ExternalId
);

text_type!(
    /// `SerialNumber`: an MFA device, either a hardware serial (`GAHT12345678`) or a
    /// virtual device ARN (`arn:aws:iam::111111111111:mfa/alice`); 9-256 characters
    /// of `[\w+=/:,.@-]`.
    MfaSerial, subject = "MFA serial", min = 9, max = 256, charset = Charset::Mfa
);

/// A duration of an assumed-role session: 900 to 43200 seconds (15 minutes to 12
/// hours); at most 3600 seconds for a chained session (a role assumed with role
/// credentials).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionDuration(u32);

impl SessionDuration {
    /// The shortest session STS grants: 15 minutes.
    pub const MIN: SessionDuration = SessionDuration(900);
    /// The longest session STS grants: 12 hours (if the role's maximum allows it).
    pub const MAX: SessionDuration = SessionDuration(43_200);
    /// The longest chained session: 1 hour.
    pub const MAX_CHAINED: SessionDuration = SessionDuration(3_600);
    /// What STS uses when no duration is given: 1 hour.
    pub const DEFAULT: SessionDuration = SessionDuration(3_600);

    const fn in_range(secs: u64) -> bool {
        secs >= Self::MIN.0 as u64 && secs <= Self::MAX.0 as u64
    }

    fn range_error(secs: u64, written: &str) -> Error {
        Error::new(
            "session duration",
            format!("must be 900 to 43200 seconds (15m to 12h), found {secs} ({written:?})"),
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
        let secs = parse_duration_text(s).map_err(|why| Error::new("session duration", why))?;
        if Self::in_range(secs) {
            Ok(Self(secs as u32))
        } else {
            Err(Self::range_error(secs, s))
        }
    }

    /// Checks the one-hour limit of chained sessions.
    pub fn check_chained(self) -> Result<Self, Error> {
        if self.0 <= Self::MAX_CHAINED.0 {
            Ok(self)
        } else {
            Err(Error::new(
                "session duration",
                format!(
                    "a chained session (a role assumed with another role's credentials) lasts at most 1h (3600 s), found {self} ({} s)",
                    self.0
                ),
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

impl fmt::Display for SessionDuration {
    /// The shortest `XhYmZs` form: `1h`, `15m`, `1h30m`, `905s` is `15m5s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 % 3600 / 60, self.0 % 60);
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        if s > 0 {
            write!(f, "{s}s")?;
        }
        Ok(())
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

/// A six-digit code from an MFA device (`TokenCode`). Never shown by `Debug` or in
/// errors.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenCode(String);

impl TokenCode {
    /// Validates a code: exactly six digits.
    pub fn parse(s: &str) -> Result<Self, Error> {
        match text::check(s, 6, 6, Charset::Digits) {
            Ok(()) => Ok(Self(s.to_owned())),
            Err(Violation::Length { .. }) => Err(Error::new(
                "MFA token code",
                format!(
                    "must be exactly 6 digits, found {} characters",
                    s.chars().count()
                ),
            )),
            Err(Violation::Char { .. }) => Err(Error::new(
                "MFA token code",
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
                "region",
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

/// STS's tag character class `[\p{L}\p{Z}\p{N}_.:/=+\-@]`.
fn tag_char(c: char) -> bool {
    c.is_alphabetic()
        || c.is_numeric()
        || (c.is_whitespace() && !c.is_control())
        || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
}

/// The ASCII part of the tag class, for `const` checks.
const fn tag_ascii(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b' ' | b'_' | b'.' | b':' | b'/' | b'=' | b'+' | b'-' | b'@'
        )
}

/// Checks tag text at run time (full Unicode classes).
fn check_tag_text(subject: &'static str, s: &str, min: usize, max: usize) -> Result<(), Error> {
    if let Some((at, c)) = s.char_indices().find(|&(_, c)| !tag_char(c)) {
        let position = s[..at].chars().count() + 1;
        return Err(Error::new(
            subject,
            format!(
                "character {c:?} at position {position} is not allowed (allowed: letters, digits, spaces and _ . : / = + - @) ({s:?})"
            ),
        ));
    }
    let n = s.chars().count();
    if n < min || n > max {
        return Err(Error::new(
            subject,
            format!("must be {min} to {max} characters long, found {n} ({s:?})"),
        ));
    }
    if subject == "session tag key" && s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
        return Err(Error::new(
            subject,
            format!("the prefix \"aws:\" is reserved for AWS ({s:?})"),
        ));
    }
    Ok(())
}

/// Checks ASCII tag text in `const`: non-ASCII text must be built with `SessionTag::new`.
const fn check_tag_static(s: &str, min: usize, max: usize, key: bool) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !tag_ascii(b[i]) {
            return false;
        }
        i += 1;
    }
    if key && b.len() >= 4 {
        let p = text::slice(s, 0, 4).as_bytes();
        if (p[0] | 0x20) == b'a' && (p[1] | 0x20) == b'w' && (p[2] | 0x20) == b's' && p[3] == b':' {
            return false;
        }
    }
    b.len() >= min && b.len() <= max
}

/// A session tag: key 1-128 and value 0-256 characters of
/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]`; keys may not start with `aws:`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionTag {
    key: Cow<'static, str>,
    value: Cow<'static, str>,
}

impl SessionTag {
    /// Validates a tag.
    pub fn new(key: &str, value: &str) -> Result<Self, Error> {
        check_tag_text("session tag key", key, 1, 128)?;
        check_tag_text("session tag value", value, 0, 256)?;
        Ok(Self {
            key: Cow::Owned(key.to_owned()),
            value: Cow::Owned(value.to_owned()),
        })
    }

    /// A tag from literals, checked at compile time in a `const`. Only ASCII text is
    /// accepted here; build tags with other letters with [`SessionTag::new`].
    ///
    /// # Panics
    ///
    /// If the key or value is invalid or not ASCII (a compile error in a `const`).
    #[allow(
        clippy::panic,
        reason = "compile error in const context, like HeaderValue::from_static"
    )]
    pub const fn from_static(key: &'static str, value: &'static str) -> Self {
        if check_tag_static(key, 1, 128, true) && check_tag_static(value, 0, 256, false) {
            Self {
                key: Cow::Borrowed(key),
                value: Cow::Borrowed(value),
            }
        } else {
            panic!(
                "invalid session tag literal (ASCII letters, digits, spaces and _ . : / = + - @; key 1-128, value 0-256)"
            )
        }
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.key
    }
    /// The value.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Debug for SessionTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionTag({:?}={:?})", self.key, self.value)
    }
}

/// Whether two tag keys collide: STS compares keys case-insensitively.
fn same_key(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

impl SessionTag {
    /// Whether two tag keys name the same tag: STS compares keys regardless of case.
    /// The one comparison the runtime, the attribute and the embedded STS use.
    pub fn same_key(a: &str, b: &str) -> bool {
        same_key(a, b)
    }
}

/// The session tags of one AssumeRole call: at most 50, keys unique regardless of case.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct SessionTags(Cow<'static, [SessionTag]>);

impl SessionTags {
    /// The most tags one call may pass.
    pub const MAX: usize = 50;

    /// No tags.
    pub const fn empty() -> Self {
        Self(Cow::Borrowed(&[]))
    }

    /// Validates a list of tags.
    pub fn new(tags: Vec<SessionTag>) -> Result<Self, Error> {
        Self::check(&tags)?;
        Ok(Self(Cow::Owned(tags)))
    }

    fn check(tags: &[SessionTag]) -> Result<(), Error> {
        if tags.len() > Self::MAX {
            return Err(Error::new(
                "session tags",
                format!(
                    "at most {} tags per session, found {}",
                    Self::MAX,
                    tags.len()
                ),
            ));
        }
        for (i, tag) in tags.iter().enumerate() {
            if let Some(other) = tags[..i].iter().find(|t| same_key(&t.key, &tag.key)) {
                return Err(Error::new(
                    "session tags",
                    format!(
                        "duplicate key {:?} (keys are case-insensitive; {:?} is already set)",
                        tag.key(),
                        other.key()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Tags from a `static` list, for `const` items. The count and key uniqueness are
    /// checked by [`RoleSpec::validate`](crate::RoleSpec::validate).
    pub const fn from_static(tags: &'static [SessionTag]) -> Self {
        Self(Cow::Borrowed(tags))
    }

    /// Tags not yet checked as a set, like [`from_static`](Self::from_static) but
    /// owned: for `#[assume_role]`, which leaves the set's rules to
    /// [`RoleSpec::validate`](crate::RoleSpec::validate). Not a public API.
    #[doc(hidden)]
    pub fn unchecked(tags: Vec<SessionTag>) -> Self {
        Self(Cow::Owned(tags))
    }

    /// Adds a tag.
    pub fn with(self, tag: SessionTag) -> Result<Self, Error> {
        let mut tags = self.0.into_owned();
        tags.push(tag);
        Self::new(tags)
    }

    /// The tags in order.
    pub fn iter(&self) -> impl Iterator<Item = &SessionTag> {
        self.0.iter()
    }
    /// The value for `key` (case-insensitive, as STS compares keys).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|t| same_key(&t.key, key))
            .map(|t| t.value())
    }
    /// How many tags.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub(crate) fn validate(&self) -> Result<(), Error> {
        Self::check(&self.0)
    }
}

impl fmt::Debug for SessionTags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

/// Tag keys that pass on to sessions chained from this one (`TransitiveTagKeys`): at
/// most 50, each the key of one of the session's tags.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct TransitiveTagKeys(Cow<'static, [Cow<'static, str>]>);

impl TransitiveTagKeys {
    /// No keys.
    pub const fn empty() -> Self {
        Self(Cow::Borrowed(&[]))
    }

    /// Validates keys (each by the tag key rules, at most 50).
    pub fn new<I, S>(keys: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let keys: Vec<Cow<'static, str>> = keys
            .into_iter()
            .map(|k| {
                check_tag_text("session tag key", k.as_ref(), 1, 128)?;
                Ok(Cow::Owned(k.as_ref().to_owned()))
            })
            .collect::<Result<_, Error>>()?;
        let this = Self(Cow::Owned(keys));
        this.check_count()?;
        Ok(this)
    }

    /// Keys from a `static` list, for `const` items; checked by
    /// [`RoleSpec::validate`](crate::RoleSpec::validate).
    pub const fn from_static(keys: &'static [Cow<'static, str>]) -> Self {
        Self(Cow::Borrowed(keys))
    }

    /// Keys not yet checked, owned: for `#[assume_role]`, which leaves their rules
    /// to [`RoleSpec::validate`](crate::RoleSpec::validate). Not a public API.
    #[doc(hidden)]
    pub fn unchecked(keys: Vec<String>) -> Self {
        Self(Cow::Owned(keys.into_iter().map(Cow::Owned).collect()))
    }

    fn check_count(&self) -> Result<(), Error> {
        if self.0.len() > SessionTags::MAX {
            return Err(Error::new(
                "transitive tag keys",
                format!("at most {} keys, found {}", SessionTags::MAX, self.0.len()),
            ));
        }
        Ok(())
    }

    /// Checks the keys against the session's tags: each must name one of them (STS's
    /// rule, which the runtime, the attribute and the embedded STS all apply).
    pub fn validate(&self, tags: &SessionTags) -> Result<(), Error> {
        self.check_count()?;
        for key in self.iter() {
            check_tag_text("session tag key", key, 1, 128)?;
            if tags.get(key).is_none() {
                return Err(Error::new(
                    "transitive tag keys",
                    format!("{key:?} is not the key of one of the session's tags"),
                ));
            }
        }
        Ok(())
    }

    /// The keys in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|k| &**k)
    }
    /// How many keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for TransitiveTagKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// An inline session policy (`Policy`): a JSON policy document of at most 2048
/// characters that further limits the session's permissions.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionPolicy(Cow<'static, str>);

impl SessionPolicy {
    /// The longest session policy text STS accepts.
    pub const MAX_LEN: usize = 2048;

    /// STS's pattern `[\u0009\u000A\u000D\u0020-\u00FF]+` and the length limit.
    const fn check_text(s: &str) -> bool {
        let b = s.as_bytes();
        if b.is_empty() {
            return false;
        }
        let mut i = 0;
        let mut chars = 0;
        while i < b.len() {
            let c = b[i];
            if c < 0x80 {
                if c < 0x20 && c != 0x09 && c != 0x0a && c != 0x0d {
                    return false;
                }
                i += 1;
            } else if c == 0xc2 || c == 0xc3 {
                // U+0080..=U+00FF are two-byte sequences starting with C2 or C3.
                i += 2;
            } else {
                return false;
            }
            chars += 1;
        }
        chars <= Self::MAX_LEN
    }

    /// Validates a session policy: its characters and length, and that it is a valid
    /// session policy document.
    pub fn parse(json: &str) -> Result<Self, Error> {
        if !Self::check_text(json) {
            let n = json.chars().count();
            let why = if n == 0 || n > Self::MAX_LEN {
                format!("must be 1 to {} characters long, found {n}", Self::MAX_LEN)
            } else {
                "may hold only tab, line feed, carriage return and U+0020 to U+00FF".to_owned()
            };
            return Err(Error::new("session policy", why));
        }
        let doc = crate::PolicyDocument::from_json(json)
            .map_err(|e| Error::new("session policy", e.to_string()))?;
        doc.validate(crate::PolicyKind::Session)
            .map_err(|e| Error::new("session policy", e.to_string()))?;
        Ok(Self(Cow::Owned(json.to_owned())))
    }

    /// A session policy from a literal; `const` checks cover the characters and the
    /// length, and [`RoleSpec::validate`](crate::RoleSpec::validate) checks the document.
    ///
    /// # Panics
    ///
    /// If `s` is empty, too long or holds a character STS rejects (a compile error in
    /// a `const`).
    #[allow(
        clippy::panic,
        reason = "compile error in const context, like HeaderValue::from_static"
    )]
    pub const fn from_static(s: &'static str) -> Self {
        if Self::check_text(s) {
            Self(Cow::Borrowed(s))
        } else {
            panic!(
                "invalid session policy literal: 1-2048 characters of tab, LF, CR and U+0020..U+00FF"
            )
        }
    }

    /// The policy document.
    pub fn document(&self) -> Result<crate::PolicyDocument, Error> {
        crate::PolicyDocument::from_json(&self.0)
            .map_err(|e| Error::new("session policy", e.to_string()))
    }

    /// The JSON text as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SessionPolicy").field(&&*self.0).finish()
    }
}

impl fmt::Display for SessionPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

crate::macros::string_traits!(SessionPolicy);

/// Managed policies that further limit a session (`PolicyArns`): at most 10.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct PolicyArns(Cow<'static, [PolicyArn]>);

impl PolicyArns {
    /// The most policy ARNs one call may pass.
    pub const MAX: usize = 10;

    /// None.
    pub const fn empty() -> Self {
        Self(Cow::Borrowed(&[]))
    }

    /// Validates the count.
    pub fn new(arns: Vec<PolicyArn>) -> Result<Self, Error> {
        let this = Self(Cow::Owned(arns));
        this.validate()?;
        Ok(this)
    }

    /// From a `static` list, for `const` items; the count is checked by
    /// [`RoleSpec::validate`](crate::RoleSpec::validate).
    pub const fn from_static(arns: &'static [PolicyArn]) -> Self {
        Self(Cow::Borrowed(arns))
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.0.len() > Self::MAX {
            return Err(Error::new(
                "policy ARNs",
                format!(
                    "at most {} managed session policies, found {}",
                    Self::MAX,
                    self.0.len()
                ),
            ));
        }
        Ok(())
    }

    /// The ARNs in order.
    pub fn iter(&self) -> impl Iterator<Item = &PolicyArn> {
        self.0.iter()
    }
    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for PolicyArns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}
