//! Session policies: the inline [`SessionPolicy`] and the managed [`PolicyArns`].

use std::borrow::Cow;
use std::fmt;

use crate::arn::PolicyArn;
use crate::{Error, ErrorKind, Subject};

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
            let (kind, why) = if n == 0 || n > Self::MAX_LEN {
                (
                    ErrorKind::Length,
                    format!("must be 1 to {} characters long, found {n}", Self::MAX_LEN),
                )
            } else {
                (
                    ErrorKind::Charset,
                    "may hold only tab, line feed, carriage return and U+0020 to U+00FF".to_owned(),
                )
            };
            return Err(Error::new(Subject::SessionPolicy, kind, why));
        }
        let doc = crate::PolicyDocument::from_json(json)
            .map_err(|e| Error::policy(Subject::SessionPolicy, e))?;
        doc.validate(crate::PolicyKind::Session)
            .map_err(|e| Error::policy(Subject::SessionPolicy, e))?;
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
            .map_err(|e| Error::policy(Subject::SessionPolicy, e))
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
                Subject::PolicyArns,
                ErrorKind::TooMany,
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
