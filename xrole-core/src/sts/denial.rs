//! How STS's `AccessDenied` message names an organization policy as its cause, in
//! STS's words: written by the embedded STS, read by the runtime.
//!
//! `User: ARN is not authorized to perform: ACTION on resource: ARN with an
//! explicit deny in a service control policy`, or `... because no resource control
//! policy allows the ACTION action` (IAM user guide, "Access denied error
//! messages": <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html>).

use std::fmt;

/// An organization policy type that can refuse a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrgPolicyType {
    /// A service control policy on the caller's account path.
    ServiceControl,
    /// A resource control policy on the resource's account path.
    ResourceControl,
}

impl OrgPolicyType {
    /// The type as STS's messages name it.
    pub const fn phrase(self) -> &'static str {
        match self {
            OrgPolicyType::ServiceControl => "service control policy",
            OrgPolicyType::ResourceControl => "resource control policy",
        }
    }
}

/// Why an organization policy refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrgDenial {
    /// A statement of that type denies.
    ExplicitDeny(OrgPolicyType),
    /// A level of that type has no statement that allows.
    NoAllow(OrgPolicyType),
}

impl OrgDenial {
    /// The policy type at fault.
    pub const fn policy_type(self) -> OrgPolicyType {
        match self {
            OrgDenial::ExplicitDeny(t) | OrgDenial::NoAllow(t) => t,
        }
    }

    /// The end STS gives its message for `action`: ` with an explicit deny in a
    /// service control policy`, ` because no resource control policy allows the
    /// sts:AssumeRole action`.
    pub fn suffix(self, action: &str) -> String {
        match self {
            OrgDenial::ExplicitDeny(t) => format!(" with an explicit deny in a {}", t.phrase()),
            OrgDenial::NoAllow(t) => {
                format!(" because no {} allows the {action} action", t.phrase())
            }
        }
    }

    /// The organization policy an `AccessDenied` message names, if any.
    pub fn from_message(message: &str) -> Option<Self> {
        [
            OrgPolicyType::ServiceControl,
            OrgPolicyType::ResourceControl,
        ]
        .into_iter()
        .find_map(|t| {
            if message.contains(&format!("with an explicit deny in a {}", t.phrase())) {
                Some(OrgDenial::ExplicitDeny(t))
            } else if message.contains(&format!("because no {} allows", t.phrase())) {
                Some(OrgDenial::NoAllow(t))
            } else {
                None
            }
        })
    }
}

impl fmt::Display for OrgDenial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrgDenial::ExplicitDeny(t) => write!(f, "an explicit deny in a {}", t.phrase()),
            OrgDenial::NoAllow(t) => write!(f, "no {} allows it", t.phrase()),
        }
    }
}
