//! [`RoleArn`]: an IAM role ARN.

use std::borrow::Cow;

use crate::Error;

use super::scan::*;
use super::*;

/// An IAM role ARN: `arn:partition:iam::account:role/path/Name`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleArn {
    pub(super) text: Cow<'static, str>,
    pub(super) partition: Partition,
    pub(super) account: AccountId,
    pub(super) path: Span,
    pub(super) name: Span,
}

struct RoleParts {
    partition: Partition,
    account: AccountId,
    path: Span,
    name: Span,
}

impl RoleArn {
    const fn check(s: &str) -> Result<RoleParts, ArnViolation> {
        let a = match split_arn(s) {
            Ok(a) => a,
            Err(e) => return Err(e),
        };
        let account = match check_global(s, &a, "iam") {
            Ok(id) => id,
            Err(e) => return Err(e),
        };
        let rest = match after_type(s, a.resource, "role", "role/NAME or role/PATH/NAME") {
            Ok(r) => r,
            Err(e) => return Err(e),
        };
        match path_and_name(s, rest, "role name") {
            Ok((path, name)) => Ok(RoleParts {
                partition: a.partition,
                account,
                path,
                name,
            }),
            Err(e) => Err(e),
        }
    }

    /// The role ARN `text` whose parts `check` found.
    const fn from_parts(text: Cow<'static, str>, p: RoleParts) -> Self {
        Self {
            text,
            partition: p.partition,
            account: p.account,
            path: p.path,
            name: p.name,
        }
    }

    /// The ARN of role `name` (path `/`) in `account`.
    pub fn new(partition: Partition, account: AccountId, name: &str) -> Result<Self, Error> {
        Self::parse(&format!("arn:{partition}:iam::{account}:role/{name}"))
    }

    /// The ARN of this role's session `session_name`:
    /// `arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION` (a session's ARN
    /// carries the role's name, never its path).
    pub fn session_arn(&self, session_name: &str) -> Result<PrincipalArn, Error> {
        PrincipalArn::parse(&format!(
            "arn:{}:sts::{}:assumed-role/{}/{session_name}",
            self.partition,
            self.account,
            self.name()
        ))
    }

    /// The partition.
    pub fn partition(&self) -> Partition {
        self.partition
    }
    /// The account that owns the role (the trusting account).
    pub fn account(&self) -> AccountId {
        self.account
    }
    /// The path, `/` when none was given.
    pub fn path(&self) -> &str {
        self.path.of(&self.text)
    }
    /// The role's name.
    pub fn name(&self) -> &str {
        self.name.of(&self.text)
    }
    /// The ARN as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

crate::macros::arn_text_traits!(RoleArn);
crate::macros::arn_constructors!(RoleArn, RoleArn, "role ARN");
