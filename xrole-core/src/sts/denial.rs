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

    /// The type in the plural: `service control policies`.
    pub const fn plural(self) -> &'static str {
        match self {
            OrgPolicyType::ServiceControl => "service control policies",
            OrgPolicyType::ResourceControl => "resource control policies",
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

/// Why the embedded STS refused an `AccessDenied` call, as its evaluator found
/// it: sent in the [`DENIAL_KIND_HEADER`] of the answer (real STS sends none), so
/// that the runtime's refusal says exactly what the emulator decided. One
/// vocabulary for the emulator (writes it) and the runtime (reads it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DenialKind {
    /// The trust policy's condition on `sts:ExternalId` failed, and none was sent.
    ExternalIdMissing,
    /// The trust policy's condition on `sts:ExternalId` failed on the id sent.
    ExternalIdMismatch,
    /// The trust policy's condition on MFA failed.
    MfaMissing,
    /// No statement of the trust policy names the caller, its role or its account.
    PrincipalNotTrusted,
    /// The caller's identity policies do not allow the action on the role.
    CallerPolicyMissing,
    /// The role does not exist (STS answers it as any refusal).
    RoleMissing,
    /// A web identity token's claims fail the trust policy's conditions.
    WebIdentityClaims,
    /// An organization policy (SCP or RCP) refused.
    OrganizationPolicy,
    /// Anything else (a session policy, a boundary, another condition).
    Other,
}

/// The answer header carrying the embedded STS's [`DenialKind`].
pub const DENIAL_KIND_HEADER: &str = "x-xrole-denial-kind";

/// The answer header naming the organization policy that refused and its level
/// (`SCP "DenyLeavingOrg" attached to ou-ab12-11111111 (Workloads)`), when one did.
pub const DENIAL_POLICY_HEADER: &str = "x-xrole-denial-policy";

impl DenialKind {
    const ALL: [DenialKind; 9] = [
        DenialKind::ExternalIdMissing,
        DenialKind::ExternalIdMismatch,
        DenialKind::MfaMissing,
        DenialKind::PrincipalNotTrusted,
        DenialKind::CallerPolicyMissing,
        DenialKind::RoleMissing,
        DenialKind::WebIdentityClaims,
        DenialKind::OrganizationPolicy,
        DenialKind::Other,
    ];

    /// The kind as the header writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            DenialKind::ExternalIdMissing => "external-id-missing",
            DenialKind::ExternalIdMismatch => "external-id-mismatch",
            DenialKind::MfaMissing => "mfa-missing",
            DenialKind::PrincipalNotTrusted => "principal-not-trusted",
            DenialKind::CallerPolicyMissing => "caller-policy-missing",
            DenialKind::RoleMissing => "role-missing",
            DenialKind::WebIdentityClaims => "web-identity-claims",
            DenialKind::OrganizationPolicy => "organization-policy",
            DenialKind::Other => "other",
        }
    }

    /// The kind a header value names, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for DenialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
