//! Session tags: [`SessionTag`], [`SessionTags`], [`TransitiveTagKeys`], and the
//! tag character rules they share.

use std::borrow::Cow;
use std::fmt;

use crate::charset;
use crate::{Error, ErrorKind, Subject};

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

/// Checks a tag key at run time: the character class, 1 to [`SessionTag::KEY_MAX`]
/// characters, and not the reserved `aws:` prefix.
fn check_key(s: &str) -> Result<(), Error> {
    check_tag_text(Subject::SessionTagKey, s, 1, SessionTag::KEY_MAX)?;
    if s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
        return Err(Error::new(
            Subject::SessionTagKey,
            ErrorKind::Reserved,
            format!("the prefix \"aws:\" is reserved for AWS ({s:?})"),
        ));
    }
    Ok(())
}

/// Checks a tag value at run time: the character class, at most
/// [`SessionTag::VALUE_MAX`] characters.
fn check_value(s: &str) -> Result<(), Error> {
    check_tag_text(Subject::SessionTagValue, s, 0, SessionTag::VALUE_MAX)
}

/// Checks tag text at run time (full Unicode classes).
fn check_tag_text(subject: Subject, s: &str, min: usize, max: usize) -> Result<(), Error> {
    if let Some((at, c)) = s.char_indices().find(|&(_, c)| !tag_char(c)) {
        let position = s[..at].chars().count() + 1;
        return Err(Error::new(
            subject,
            ErrorKind::Charset,
            format!(
                "character {c:?} at position {position} is not allowed (allowed: letters, digits, spaces and _ . : / = + - @) ({s:?})"
            ),
        ));
    }
    let n = s.chars().count();
    if n < min || n > max {
        return Err(Error::new(
            subject,
            ErrorKind::Length,
            format!("must be {min} to {max} characters long, found {n} ({s:?})"),
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
        let p = charset::slice(s, 0, 4).as_bytes();
        if (p[0] | 0x20) == b'a' && (p[1] | 0x20) == b'w' && (p[2] | 0x20) == b's' && p[3] == b':' {
            return false;
        }
    }
    b.len() >= min && b.len() <= max
}

/// A session tag: key 1-128 ([`SessionTag::KEY_MAX`]) and value 0-256
/// ([`SessionTag::VALUE_MAX`]) characters of
/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]`; keys may not start with `aws:`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionTag {
    key: Cow<'static, str>,
    value: Cow<'static, str>,
}

impl SessionTag {
    /// The most characters of a key (STS: 128).
    pub const KEY_MAX: usize = 128;
    /// The most characters of a value (STS: 256).
    pub const VALUE_MAX: usize = 256;

    /// Validates a tag.
    pub fn new(key: &str, value: &str) -> Result<Self, Error> {
        check_key(key)?;
        check_value(value)?;
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
        if check_tag_static(key, 1, Self::KEY_MAX, true)
            && check_tag_static(value, 0, Self::VALUE_MAX, false)
        {
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
                Subject::SessionTags,
                ErrorKind::TooMany,
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
                    Subject::SessionTags,
                    ErrorKind::Duplicate,
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
    /// The tags in order, as a slice.
    pub fn as_slice(&self) -> &[SessionTag] {
        &self.0
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
                check_key(k.as_ref())?;
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
                Subject::TransitiveTagKeys,
                ErrorKind::TooMany,
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
            check_key(key)?;
            if tags.get(key).is_none() {
                return Err(Error::new(
                    Subject::TransitiveTagKeys,
                    ErrorKind::Missing,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The `const` panic cannot format numbers, so its words are held to the limits here.
    #[test]
    fn the_literal_message_states_the_limits() {
        let refused = std::panic::catch_unwind(|| SessionTag::from_static("aws:x", "v"));
        let payload = refused.expect_err("a reserved key is refused");
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or_default();
        let words = format!(
            "key 1-{}, value 0-{}",
            SessionTag::KEY_MAX,
            SessionTag::VALUE_MAX
        );
        assert!(message.contains(&words), "{message}");
        let key = "k".repeat(SessionTag::KEY_MAX);
        assert!(SessionTag::new(&key, &"v".repeat(SessionTag::VALUE_MAX)).is_ok());
        assert!(SessionTag::new(&format!("{key}k"), "v").is_err());
        assert!(SessionTag::new("k", &"v".repeat(SessionTag::VALUE_MAX + 1)).is_err());
        assert!(SessionTag::new("AWS:x", "v").is_err());
    }
}
