//! [`PolicyArn`]: a managed policy ARN.

use std::borrow::Cow;

use crate::charset::{self, Charset};
use crate::{Error, Subject};

use super::scan::*;
use super::*;

/// A managed policy ARN, as passed in AssumeRole's `PolicyArns`:
/// `arn:aws:iam::aws:policy/ReadOnlyAccess` or `arn:aws:iam::111111111111:policy/path/Name`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyArn {
    text: Cow<'static, str>,
    name: Span,
}

impl PolicyArn {
    pub(super) const fn check(s: &str) -> Result<Span, ArnViolation> {
        let a = match split_arn(s) {
            Ok(a) => a,
            Err(e) => return Err(e),
        };
        if !span_eq(s, a.service, b"iam") {
            return Err(ArnViolation::Service {
                span: a.service,
                expected: "iam",
            });
        }
        if a.region.len() != 0 {
            return Err(ArnViolation::Region(a.region));
        }
        // AWS managed policies live in the pseudo-account `aws`.
        if !span_eq(s, a.account, b"aws")
            && let Err(why) =
                AccountId::check(charset::slice(s, a.account.start(), a.account.end()).as_bytes())
        {
            return Err(ArnViolation::Account {
                span: a.account,
                why,
            });
        }
        let rest = match after_type(s, a.resource, "policy", "policy/NAME or policy/PATH/NAME") {
            Ok(r) => r,
            Err(e) => return Err(e),
        };
        // Policy names allow 1-128 characters of the same set as role names.
        let b = charset::slice(s, rest.start(), rest.end()).as_bytes();
        let last = match charset::rfind(b, b'/') {
            Some(i) => i,
            None => return Err(ArnViolation::Path(rest)),
        };
        let name = Span::new(rest.start() + last + 1, rest.end());
        if let Err(why) = charset::check(
            charset::slice(s, name.start(), name.end()),
            1,
            128,
            Charset::Name,
        ) {
            return Err(ArnViolation::Name {
                span: name,
                what: "policy name",
                why,
            });
        }
        if let Err(_why) = charset::check(
            charset::slice(s, rest.start(), name.start()),
            1,
            512,
            Charset::Path,
        ) {
            return Err(ArnViolation::Path(Span::new(rest.start(), name.start())));
        }
        Ok(name)
    }

    /// Parses a managed policy ARN.
    pub fn parse(s: &str) -> Result<Self, Error> {
        match Self::check(s) {
            Ok(name) => Ok(Self {
                text: Cow::Owned(s.to_owned()),
                name,
            }),
            Err(v) => Err(v.into_error(Subject::PolicyArn, s)),
        }
    }

    /// The customer managed policy `path_and_name` (`Deploy`, or `ci/Deploy` with
    /// a path) of `account`: `arn:{partition}:iam::{account}:policy/{path_and_name}`.
    pub fn customer(
        partition: Partition,
        account: AccountId,
        path_and_name: &str,
    ) -> Result<Self, Error> {
        Self::parse(&format!(
            "arn:{partition}:iam::{account}:policy/{path_and_name}"
        ))
    }

    /// A policy ARN from a literal, checked at compile time in a `const`.
    ///
    /// # Panics
    ///
    /// If `s` is not a valid policy ARN (a compile error in a `const`).
    #[allow(
        clippy::panic,
        reason = "compile error in const context, like HeaderValue::from_static"
    )]
    pub const fn from_static(s: &'static str) -> Self {
        match Self::check(s) {
            Ok(name) => Self {
                text: Cow::Borrowed(s),
                name,
            },
            Err(_) => panic!("invalid policy ARN literal"),
        }
    }

    /// The account that owns the policy; `None` for an AWS managed policy (its
    /// account is `aws`).
    pub fn owner(&self) -> Option<AccountId> {
        Arn::split(&self.text).and_then(|a| a.account_id())
    }

    /// Whether AWS manages the policy (`arn:aws:iam::aws:policy/...`).
    pub fn is_aws_managed(&self) -> bool {
        Arn::split(&self.text).is_some_and(|a| a.account == "aws")
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        self.name.of(&self.text)
    }
    /// The ARN as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

crate::macros::arn_text_traits!(PolicyArn);
