//! What an evaluation says: its [`Decision`](super::Decision), and each line of its
//! explanation, in words and as a stable code.

use std::fmt;
use std::sync::Arc;

use xrole_core::{DenialKind, OrgDenial, OrgPolicyType};

use super::condition::{CompiledCondition, is_claim_key};
use super::policy::{CompiledPolicy, Statement, Verdict};
use super::{Decision, PolicyRole};

/// What an explanation line says.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// This statement denies the request.
    Denies,
    /// This statement allows the request.
    Allows,
    /// This statement allows through the caller's account, which delegates to its
    /// identity policies: an identity allow is needed too.
    AllowsThroughAccount,
    /// This statement would allow, but its condition does not hold.
    ConditionFailed {
        /// The operator, as written.
        operator: String,
        /// The key, as written.
        key: String,
    },
    /// The statement allows only if the caller sends what this condition asks
    /// (an open condition: see [`Request::open_conditions`](super::Request::open_conditions)).
    Requires {
        /// The operator, as written.
        operator: String,
        /// The key, as written.
        key: String,
        /// The values, as written (any one matching is enough).
        values: Vec<String>,
        /// The statement denies, and the caller avoids it by sending what does
        /// not satisfy this condition.
        avoids_deny: bool,
    },
    /// No statement of this document (or of this side) allows the request.
    NoAllow,
    /// The caller is not governed by identity policies (account root, service), so
    /// that side allows.
    ImplicitIdentityAllow,
    /// The caller is a federated user whose session has no session policy: it then
    /// has no permissions but those resource policies grant to it by name.
    NoSessionPolicy,
    /// The caller is a federated user, and the action is one of IAM's or STS's
    /// (but `sts:GetCallerIdentity`), which federated users cannot call.
    ClosedToFederatedUsers,
    /// The action needs no permission and no policy can deny it
    /// (`sts:GetCallerIdentity`).
    NeedsNoPermission,
    /// The resource is a KMS key and no key policy allows the request: without
    /// one (allowing the caller, or its account to enable IAM policies), an
    /// identity allow has no effect.
    NoKeyPolicyAllow,
}

impl Finding {
    /// A stable name for the finding, as the batch interface writes it.
    pub const fn code(&self) -> &'static str {
        match self {
            Finding::Denies => "Denies",
            Finding::Allows => "Allows",
            Finding::AllowsThroughAccount => "AllowsThroughAccount",
            Finding::ConditionFailed { .. } => "ConditionFailed",
            Finding::Requires { .. } => "Requires",
            Finding::NoAllow => "NoAllow",
            Finding::ImplicitIdentityAllow => "ImplicitIdentityAllow",
            Finding::NoSessionPolicy => "NoSessionPolicy",
            Finding::ClosedToFederatedUsers => "ClosedToFederatedUsers",
            Finding::NeedsNoPermission => "NeedsNoPermission",
            Finding::NoKeyPolicyAllow => "NoKeyPolicyAllow",
        }
    }
}

/// One line of an explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// Which side: the caller's (identity), the resource's, a session or boundary.
    pub side: PolicyRole,
    /// The document's label; `None` when the side has no document at all.
    pub policy: Option<Arc<str>>,
    /// The statement's path (`Statement[1]`), if one statement is meant.
    pub statement: Option<Arc<str>>,
    /// The statement's `Sid`.
    pub sid: Option<Arc<str>>,
    /// What was found.
    pub finding: Finding,
}

impl Explanation {
    /// A line about a whole side rather than one document.
    pub(super) fn of_side(side: PolicyRole, finding: Finding) -> Self {
        Self {
            side,
            policy: None,
            statement: None,
            sid: None,
            finding,
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = match self.side {
            PolicyRole::Identity => "identity policies",
            PolicyRole::Resource => "resource policy",
            PolicyRole::Session => "session policies",
            PolicyRole::Boundary => "permission boundary",
            PolicyRole::ServiceControl => "service control policies",
            PolicyRole::ResourceControl => "resource control policies",
        };
        let org = matches!(
            self.side,
            PolicyRole::ServiceControl | PolicyRole::ResourceControl
        );
        if org && self.finding == Finding::NoAllow && self.statement.is_none() {
            let kind = if self.side == PolicyRole::ServiceControl {
                "SCP"
            } else {
                "RCP"
            };
            let level = self.policy.as_deref().unwrap_or("a level");
            return write!(f, "no {kind} attached to {level} allows the request");
        }
        let doc = self.policy.as_deref().unwrap_or(side);
        let at = match (&self.statement, &self.sid) {
            (Some(path), Some(sid)) => format!("{doc} {path} (Sid {sid:?})"),
            (Some(path), None) => format!("{doc} {path}"),
            _ => doc.to_owned(),
        };
        match &self.finding {
            Finding::Denies => write!(f, "{at} explicitly denies"),
            Finding::Allows => write!(f, "{at} allows"),
            Finding::AllowsThroughAccount => write!(
                f,
                "{at} allows the caller's account, which must also allow it in an identity policy"
            ),
            Finding::ConditionFailed { operator, key } => {
                write!(
                    f,
                    "{at} would allow, but its condition {operator} on {key} does not hold"
                )
            }
            Finding::Requires {
                operator,
                key,
                values,
                avoids_deny,
            } => {
                let values = match values.as_slice() {
                    [one] => format!("{one:?}"),
                    many => format!("{many:?}"),
                };
                if *avoids_deny {
                    write!(
                        f,
                        "{at} denies unless the caller avoids {operator} {key} {values}"
                    )
                } else {
                    write!(f, "{at} allows only with {operator} {key} {values}")
                }
            }
            Finding::NoAllow if self.policy.is_none() => write!(f, "no {side} allow the request"),
            Finding::NoAllow => write!(f, "{at} has no statement that allows the request"),
            Finding::ImplicitIdentityAllow => {
                write!(f, "the caller is not governed by identity policies")
            }
            Finding::NoSessionPolicy => write!(
                f,
                "the federated user's session has no session policy: GetFederationToken without \
                 Policy or PolicyArns gives it no permissions but those a resource policy grants \
                 to the federated user's own ARN"
            ),
            Finding::ClosedToFederatedUsers => write!(
                f,
                "federated users (GetFederationToken sessions) cannot call IAM or STS operations \
                 other than sts:GetCallerIdentity"
            ),
            Finding::NeedsNoPermission => write!(
                f,
                "sts:GetCallerIdentity needs no permission, and no policy can deny it"
            ),
            Finding::NoKeyPolicyAllow => write!(
                f,
                "no key policy allows the request: a KMS key's policy must allow the caller, or \
                 its account (which enables IAM policies), before an identity policy counts"
            ),
        }
    }
}

/// A decision with its explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// Why, line by line.
    pub explanation: Vec<Explanation>,
}

impl Evaluation {
    /// Whether the request is allowed.
    pub fn is_allowed(&self) -> bool {
        self.decision == Decision::Allowed
    }

    /// The organization policy that refused, when one did: STS then names its type
    /// in the `AccessDenied` message.
    pub fn org_denial(&self) -> Option<OrgDenial> {
        let org_type = |side| match side {
            PolicyRole::ServiceControl => Some(OrgPolicyType::ServiceControl),
            PolicyRole::ResourceControl => Some(OrgPolicyType::ResourceControl),
            _ => None,
        };
        let explicit = self.decision == Decision::ExplicitlyDenied;
        if self.is_allowed() {
            return None;
        }
        self.explanation.iter().find_map(|line| {
            let t = org_type(line.side)?;
            match (&line.finding, explicit) {
                (Finding::Denies, true) => Some(OrgDenial::ExplicitDeny(t)),
                (Finding::NoAllow | Finding::ConditionFailed { .. }, false) => {
                    Some(OrgDenial::NoAllow(t))
                }
                _ => None,
            }
        })
    }
}

impl Evaluation {
    /// The organization policy that refused, with its level, as explanations
    /// label it (`SCP "DenyLeavingOrg" attached to ou-ab12-11111111 (Workloads)`).
    pub fn org_denial_policy(&self) -> Option<&str> {
        self.org_denial()?;
        self.explanation
            .iter()
            .filter(|l| {
                matches!(
                    l.side,
                    PolicyRole::ServiceControl | PolicyRole::ResourceControl
                )
            })
            .find_map(|l| l.policy.as_deref())
    }

    /// What kind of refusal this is, for the [`DenialKind`] the embedded STS
    /// sends beside its `AccessDenied`: the organization first (STS names it),
    /// then the trust policy's failing condition (`sts:ExternalId`, sent or not,
    /// MFA, a web identity claim) or its lack of a statement for the caller, then
    /// the caller's identity policies. `None` when allowed.
    pub fn denial_kind(&self, external_id_sent: bool) -> Option<DenialKind> {
        if self.is_allowed() {
            return None;
        }
        if self.org_denial().is_some() {
            return Some(DenialKind::OrganizationPolicy);
        }
        let on = |side: PolicyRole| self.explanation.iter().filter(move |l| l.side == side);
        for line in on(PolicyRole::Resource) {
            match &line.finding {
                Finding::ConditionFailed { key, .. } => {
                    let key = key.to_ascii_lowercase();
                    return Some(match key.as_str() {
                        "sts:externalid" if external_id_sent => DenialKind::ExternalIdMismatch,
                        "sts:externalid" => DenialKind::ExternalIdMissing,
                        "aws:multifactorauthpresent" | "aws:multifactorauthage" => {
                            DenialKind::MfaMissing
                        }
                        _ if is_claim_key(&key) => DenialKind::WebIdentityClaims,
                        _ => DenialKind::Other,
                    });
                }
                Finding::NoAllow => return Some(DenialKind::PrincipalNotTrusted),
                Finding::Denies => return Some(DenialKind::Other),
                _ => {}
            }
        }
        let identity_refused = on(PolicyRole::Identity).any(|l| {
            matches!(
                l.finding,
                Finding::NoAllow | Finding::ConditionFailed { .. } | Finding::Denies
            )
        });
        Some(if identity_refused {
            DenialKind::CallerPolicyMissing
        } else {
            DenialKind::Other
        })
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.decision)?;
        for line in &self.explanation {
            write!(f, "\n  - {line}")?;
        }
        Ok(())
    }
}

pub(super) fn line(
    side: PolicyRole,
    policy: &CompiledPolicy,
    st: Option<&Statement>,
    finding: Finding,
) -> Explanation {
    Explanation {
        side,
        policy: Some(policy.label.clone()),
        statement: st.map(|s| s.path.clone()),
        sid: st.and_then(|s| s.sid.clone()),
        finding,
    }
}

pub(super) fn explain_missing(
    out: &mut Vec<Explanation>,
    side: PolicyRole,
    doc: &CompiledPolicy,
    v: &Verdict<'_>,
) {
    match v.near_miss {
        Some(miss) => out.push(near_miss_line(side, doc, miss)),
        None => out.push(line(side, doc, None, Finding::NoAllow)),
    }
}

/// The lines of the open conditions an allowing statement needs.
pub(super) fn requirement_lines(
    out: &mut Vec<Explanation>,
    side: PolicyRole,
    doc: &CompiledPolicy,
    st: &Statement,
    request: &super::Request,
) {
    if !request.open {
        return;
    }
    let open: Vec<&CompiledCondition> = st
        .conditions
        .iter()
        .filter(|c| c.open_in(&request.context))
        .collect();
    open_lines(out, side, doc, st, &open, false);
}

/// The lines of the denies the caller must avoid, each open condition of them.
pub(super) fn avoidance_lines(
    out: &mut Vec<Explanation>,
    side: PolicyRole,
    doc: &CompiledPolicy,
    v: &Verdict<'_>,
) {
    for (st, open) in &v.avoidable {
        open_lines(out, side, doc, st, open, true);
    }
}

fn open_lines(
    out: &mut Vec<Explanation>,
    side: PolicyRole,
    doc: &CompiledPolicy,
    st: &Statement,
    open: &[&CompiledCondition],
    avoids_deny: bool,
) {
    for c in open {
        out.push(line(
            side,
            doc,
            Some(st),
            Finding::Requires {
                operator: c.operator.to_string(),
                key: c.key.clone(),
                values: c.written.clone(),
                avoids_deny,
            },
        ));
    }
}

/// The line for a statement that would allow but for `condition`.
pub(super) fn near_miss_line(
    side: PolicyRole,
    doc: &CompiledPolicy,
    (st, condition): (&Statement, &CompiledCondition),
) -> Explanation {
    line(
        side,
        doc,
        Some(st),
        Finding::ConditionFailed {
            operator: condition.operator.to_string(),
            key: condition.key.clone(),
        },
    )
}
