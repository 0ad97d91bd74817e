//! AWS's policy evaluation logic for the documents involved in `sts:AssumeRole` and
//! in the calls the role then makes.
//!
//! Documents are compiled once ([`CompiledPolicy`]); a decision then costs no
//! parsing and no regular expression. Every decision comes with its explanation:
//! which statement of which document allowed or denied, and for an implicit deny,
//! which side had no allow and which condition failed.
//!
//! - `policy`: compiled documents and what one says about a request;
//! - `request`: a request and the context keys derived from its caller;
//! - `explain`: the evaluation and its explanation lines;
//! - `org`: the organization's SCP and RCP levels;
//! - `call`: a call to STS, the context every STS request carries, and the
//!   decision on a call that needs several actions;
//! - `assume`: an AssumeRole call as the requests STS makes;
//! - `web_identity`: an AssumeRoleWithWebIdentity call, its token's claims as keys;
//! - `condition`, `pattern`, `glob`, `principal`, `context`: the parts of a statement.

mod assume;
mod call;
mod condition;
mod context;
mod explain;
mod org;
mod pattern;
mod policy;
mod principal;
mod request;
mod web_identity;

use xrole_core::PrincipalArn;

pub use assume::{AssumeRoleCall, evaluate_assume_role};
#[doc(hidden)]
pub use call::StsCall;
pub use call::{CallEvaluation, Mfa};
pub(crate) use condition::arn_sections;
pub use context::{Context, ContextValue};
pub use explain::{Evaluation, Explanation, Finding};
pub use org::{OrgPath, PolicyLevel, attached_label};
pub use policy::CompiledPolicy;
pub use principal::Caller;
pub use request::{Request, is_trust_action};
pub use web_identity::{
    SOURCE_IDENTITY_CLAIM, TAGS_CLAIM, TokenSession, WebIdentityCall, evaluate_web_identity,
    web_identity_context,
};

use explain::{avoidance_lines, explain_missing, line, requirement_lines};
use policy::{Statement, Verdict};
use principal::Match;

/// The outcome of an evaluation; ordered from allowed to explicitly denied.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Decision {
    /// Some statement allows and none denies, on every side that must allow.
    Allowed,
    /// No statement denies, but a side that must allow does not.
    ImplicitlyDenied,
    /// A statement denies.
    ExplicitlyDenied,
}

/// Which document a compiled policy is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PolicyRole {
    /// An identity policy of the caller (its user, groups or role).
    Identity,
    /// The resource's policy; a role's trust policy for AssumeRole.
    Resource,
    /// A session policy of the caller's session.
    Session,
    /// A permission boundary of the caller.
    Boundary,
    /// A service control policy on the caller's account path.
    ServiceControl,
    /// A resource control policy on the resource's account path.
    ResourceControl,
}

impl PolicyRole {
    /// The side's name in the batch interface's JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            PolicyRole::Identity => "identity",
            PolicyRole::Resource => "resource",
            PolicyRole::Session => "session",
            PolicyRole::Boundary => "boundary",
            PolicyRole::ServiceControl => "scp",
            PolicyRole::ResourceControl => "rcp",
        }
    }
}

/// The documents that apply to a request.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    /// The caller's identity policies (user, groups, or the session's role).
    pub identity: Vec<CompiledPolicy>,
    /// The resource's policy: a role's trust policy for AssumeRole.
    pub resource: Option<CompiledPolicy>,
    /// The caller's session policies (inline and managed); any one must allow.
    pub session: Vec<CompiledPolicy>,
    /// The caller's permission boundaries; each must allow.
    pub boundaries: Vec<CompiledPolicy>,
    /// The service control policies on the caller's account path, root first;
    /// empty outside an organization and for its management account.
    pub service_control: OrgPath,
    /// The resource control policies on the resource's account path, root first;
    /// empty outside an organization and for its management account.
    pub resource_control: OrgPath,
}

/// Evaluates `request` against `policies` with AWS's logic
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>):
///
/// 1. an explicit deny in any document wins, organization policies included;
/// 2. every level of the resource's RCP path and of the caller's SCP path must
///    allow (where they apply);
/// 3. across accounts both the resource policy and the caller's identity policies
///    must allow. In the same account a resource policy that names the caller
///    itself suffices (a role's trust policy is always required for AssumeRole);
///    one that names the caller's role is limited by the session's boundary and
///    session policies; one that names the account needs an identity allow too.
///    Session policies and permission boundaries limit what identity policies
///    allow.
pub fn evaluate(request: &Request, policies: &PolicySet) -> Evaluation {
    // GetCallerIdentity needs no permission and no policy can deny it (STS API
    // reference, GetCallerIdentity:
    // <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>).
    if request.needs_no_permission() {
        return Evaluation {
            decision: Decision::Allowed,
            explanation: vec![Explanation::of_side(
                PolicyRole::Identity,
                Finding::NeedsNoPermission,
            )],
        };
    }
    let mut explanation = Vec::new();
    let has_boundary = !policies.boundaries.is_empty();
    let judge = |role, docs| judge(request, role, docs, has_boundary);
    let identity = judge(PolicyRole::Identity, &policies.identity);
    let resource = judge(PolicyRole::Resource, policies.resource.as_slice());
    let session = judge(PolicyRole::Session, &policies.session);
    let boundaries = judge(PolicyRole::Boundary, &policies.boundaries);

    // 1. An explicit deny anywhere wins; the organization's levels are judged on
    // the way.
    let mut org_missing = Vec::new();
    for (side, path) in [
        (PolicyRole::ResourceControl, &policies.resource_control),
        (PolicyRole::ServiceControl, &policies.service_control),
    ] {
        if !path.is_empty() && org::applies(request, side) {
            org_missing.extend(org::judge_path(
                request,
                side,
                path,
                has_boundary,
                &mut explanation,
            ));
        }
    }
    for (role, verdicts) in [
        (PolicyRole::Identity, &identity),
        (PolicyRole::Resource, &resource),
        (PolicyRole::Session, &session),
        (PolicyRole::Boundary, &boundaries),
    ] {
        for (doc, v) in verdicts {
            for st in &v.denies {
                explanation.push(line(role, doc, Some(st), Finding::Denies));
            }
        }
    }
    if !explanation.is_empty() {
        return Evaluation {
            decision: Decision::ExplicitlyDenied,
            explanation,
        };
    }
    // 2. A level of the organization without an allow refuses, whatever the
    // account's own policies say: only that level is worth explaining.
    if !org_missing.is_empty() {
        return Evaluation {
            decision: Decision::ImplicitlyDenied,
            explanation: org_missing,
        };
    }
    // A federated user's session cannot call IAM, nor STS but GetCallerIdentity,
    // whatever its policies say (STS API reference, GetFederationToken,
    // "Permissions": <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html>).
    let federated = request.caller.is_federated_user();
    if federated && request.is_closed_to_federated_users() {
        return Evaluation {
            decision: Decision::ImplicitlyDenied,
            explanation: vec![Explanation::of_side(
                PolicyRole::Identity,
                Finding::ClosedToFederatedUsers,
            )],
        };
    }

    let caller_governed = request.caller.has_identity_policies();
    let identity_allow = identity
        .iter()
        .find_map(|(d, v)| v.allow.map(|(st, _)| (*d, st)));
    let identity_ok = !caller_governed || identity_allow.is_some();
    let session_allow = session
        .iter()
        .find_map(|(d, v)| v.allow.map(|(st, _)| (*d, st)));
    // A federated user's session has no permissions of its own without a session
    // policy (IAM user guide, "Permissions for GetFederationToken":
    // <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getfederationtoken.html>).
    let session_ok = session_allow.is_some() || (session.is_empty() && !federated);
    let boundaries_ok = boundaries.iter().all(|(_, v)| v.allow.is_some());
    let resource_allow = resource
        .first()
        .and_then(|(d, v)| v.allow.map(|(st, m)| (*d, st, m)));

    let owner = request.owning_account();
    let same_account = owner.is_some() && owner == request.caller.account();
    let trust_required = request.is_role_assumption() && policies.resource.is_some();
    // A KMS key's policy is like a role's trust: without an allow in it (of the
    // caller, or of its account, which enables IAM policies), an identity allow
    // has no effect (KMS developer guide, "Key policies":
    // <https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html>).
    let key_policy_required = request.is_on_kms_key();
    // A grant to the caller itself, in its own account, needs no identity allow.
    // A grant to a user's or a session's own ARN is not limited by boundaries or
    // session policies; a grant to the session's issuer (its role, or the user
    // behind a federated user) is limited by both.
    let direct =
        same_account && matches!(resource_allow, Some((_, _, Match::Direct | Match::Issuer)));
    let direct_limited =
        matches!(resource_allow, Some((_, _, Match::Issuer))) && !(session_ok && boundaries_ok);

    let allowed = if direct {
        !direct_limited
    } else {
        let resource_ok = if same_account && !trust_required && !key_policy_required {
            true
        } else {
            resource_allow.is_some()
        };
        resource_ok && identity_ok && session_ok && boundaries_ok
    };

    // 3. The explanation: each allow that counted, and each side that did not allow.
    match (resource.first(), resource_allow) {
        (Some(_), Some((doc, st, m))) => {
            let finding = if m == Match::Account && !direct {
                Finding::AllowsThroughAccount
            } else {
                Finding::Allows
            };
            explanation.push(line(PolicyRole::Resource, doc, Some(st), finding));
            requirement_lines(&mut explanation, PolicyRole::Resource, doc, st, request);
        }
        (Some((doc, v)), None) if !same_account || trust_required || key_policy_required => {
            explain_missing(&mut explanation, PolicyRole::Resource, doc, v);
        }
        (None, _) if key_policy_required => explanation.push(Explanation::of_side(
            PolicyRole::Resource,
            Finding::NoKeyPolicyAllow,
        )),
        _ => {}
    }
    if !direct || !allowed {
        if !direct || !caller_governed || identity_allow.is_some() {
            explain_identity(&mut explanation, request, &identity, identity_allow);
        }
        if session.is_empty() && federated {
            explanation.push(Explanation::of_side(
                PolicyRole::Session,
                Finding::NoSessionPolicy,
            ));
        } else if !session.is_empty() {
            match session_allow {
                Some((doc, st)) => {
                    explanation.push(line(PolicyRole::Session, doc, Some(st), Finding::Allows));
                    requirement_lines(&mut explanation, PolicyRole::Session, doc, st, request);
                }
                None => {
                    if let Some((doc, v)) = session.first() {
                        explain_missing(&mut explanation, PolicyRole::Session, doc, v);
                    }
                }
            }
        }
        for (doc, v) in boundaries.iter() {
            match v.allow {
                Some((st, _)) => {
                    explanation.push(line(PolicyRole::Boundary, doc, Some(st), Finding::Allows));
                    requirement_lines(&mut explanation, PolicyRole::Boundary, doc, st, request);
                }
                None => explain_missing(&mut explanation, PolicyRole::Boundary, doc, v),
            }
        }
    }
    // With open conditions, the denies an allowed call must avoid.
    if allowed && request.open {
        for (role, verdicts) in [
            (PolicyRole::Resource, &resource),
            (PolicyRole::Identity, &identity),
            (PolicyRole::Session, &session),
            (PolicyRole::Boundary, &boundaries),
        ] {
            for (doc, v) in verdicts {
                avoidance_lines(&mut explanation, role, doc, v);
            }
        }
    }
    Evaluation {
        decision: if allowed {
            Decision::Allowed
        } else {
            Decision::ImplicitlyDenied
        },
        explanation,
    }
}

/// The identity side's line: the allow that counted, or why there is none.
fn explain_identity(
    out: &mut Vec<Explanation>,
    request: &Request,
    identity: &[(&CompiledPolicy, Verdict<'_>)],
    allow: Option<(&CompiledPolicy, &Statement)>,
) {
    let nobody = |finding| Explanation::of_side(PolicyRole::Identity, finding);
    if !request.caller.has_identity_policies() {
        out.push(nobody(Finding::ImplicitIdentityAllow));
    } else if let Some((doc, st)) = allow {
        out.push(line(PolicyRole::Identity, doc, Some(st), Finding::Allows));
        requirement_lines(out, PolicyRole::Identity, doc, st, request);
    } else {
        let near = identity.iter().find(|(_, v)| v.near_miss.is_some());
        match near.or(identity.first()) {
            Some((doc, v)) => explain_missing(out, PolicyRole::Identity, doc, v),
            None => out.push(nobody(Finding::NoAllow)),
        }
    }
}

/// What each document of one side says about the request.
fn judge<'a>(
    request: &Request,
    role: PolicyRole,
    docs: &'a [CompiledPolicy],
    has_boundary: bool,
) -> Vec<(&'a CompiledPolicy, Verdict<'a>)> {
    docs.iter()
        .map(|d| (d, d.verdict(request, role, has_boundary)))
        .collect()
}

/// A caller from its ARN (`PrincipalArn`), for the common case.
impl From<PrincipalArn> for Caller {
    fn from(arn: PrincipalArn) -> Self {
        Caller::new(arn)
    }
}
