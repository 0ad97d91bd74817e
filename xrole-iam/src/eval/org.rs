//! The organization's guardrails in a decision: service control policies along the
//! caller's account path and resource control policies along the resource's.
//!
//! Every level from the root down to the account must allow (each level's
//! policies are a union: one allow among them suffices), and a deny at any level
//! wins (Organizations guide, "SCP evaluation" and "RCP evaluation":
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html>,
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html>).

use std::sync::Arc;

use xrole_core::policy::rcp_governs;

use super::explain::{line, near_miss_line};
use super::policy::Verdict;
use super::{CompiledPolicy, Explanation, Finding, PolicyRole, Request};

/// The organization policies attached at one level of an account's path: the
/// root, an OU or the account itself.
#[derive(Clone, Debug)]
pub struct PolicyLevel {
    /// The level as explanations name it: `r-ab12`, `ou-ab12-cdef3456 (Workloads)`,
    /// `account 222222222222`.
    pub target: Arc<str>,
    /// The policies attached there, each labelled with its name and the level
    /// (`SCP "DenyLeavingOrg" attached to ou-ab12-cdef3456 (Workloads)`).
    pub policies: Vec<CompiledPolicy>,
}

impl PolicyLevel {
    /// A level named `target` with the SCPs or RCPs attached to it.
    pub fn new(target: impl Into<Arc<str>>, policies: Vec<CompiledPolicy>) -> Self {
        Self {
            target: target.into(),
            policies,
        }
    }
}

/// The label of an organization policy attached at a level, as explanations
/// print it: `SCP "DenyLeavingOrg" attached to ou-ab12-cdef3456 (Workloads)`.
pub fn attached_label(side: PolicyRole, name: &str, target: &str) -> String {
    let kind = if side == PolicyRole::ResourceControl {
        "RCP"
    } else {
        "SCP"
    };
    format!("{kind} {name:?} attached to {target}")
}

/// An account's path of levels, root first; shared between requests.
pub type OrgPath = Arc<[PolicyLevel]>;

/// What the levels of one side say: their denies are added to `denies`, and the
/// first level without an allow is returned with its explanation.
pub(super) fn judge_path(
    request: &Request,
    side: PolicyRole,
    path: &[PolicyLevel],
    has_boundary: bool,
    denies: &mut Vec<Explanation>,
) -> Option<Explanation> {
    let mut missing = None;
    // A policy attached at several levels shares its statements between them:
    // judged once, its verdict serves every level. The memo holds a path's few
    // distinct policies; past that bound documents are judged each time, so that
    // a long path (from `xrole policy simulate`) stays linear.
    const MEMO: usize = 16;
    let mut judged: Vec<(&CompiledPolicy, Verdict<'_>)> = Vec::new();
    for level in path {
        let mut allowed = false;
        let mut near = None;
        for doc in &level.policies {
            let v = match judged.iter().find(|(d, _)| d.shares_statements(doc)) {
                Some((_, v)) => v.clone(),
                None => {
                    let v = doc.verdict(request, side, has_boundary);
                    if judged.len() < MEMO {
                        judged.push((doc, v.clone()));
                    }
                    v
                }
            };
            for st in &v.denies {
                denies.push(line(side, doc, Some(st), Finding::Denies));
            }
            allowed |= v.allow.is_some();
            if near.is_none() {
                near = v.near_miss.map(|miss| (doc, miss));
            }
        }
        if !allowed && missing.is_none() {
            missing = Some(match near {
                Some((doc, miss)) => near_miss_line(side, doc, miss),
                None => Explanation {
                    side,
                    policy: Some(level.target.clone()),
                    statement: None,
                    sid: None,
                    finding: Finding::NoAllow,
                },
            });
        }
    }
    missing
}

/// Whether the organization's policies of `side` apply to this request at all:
/// SCPs do not govern service-linked roles; RCPs govern only the actions of the
/// services that support them.
pub(super) fn applies(request: &Request, side: PolicyRole) -> bool {
    match side {
        // SCPs govern the IAM principals of member accounts, never an anonymous
        // caller, a service or a web identity (Organizations user guide, SCPs:
        // <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>).
        PolicyRole::ServiceControl => {
            request.caller.is_account_principal() && !request.caller.is_service_linked_role()
        }
        PolicyRole::ResourceControl => rcp_governs(&request.action),
        _ => false,
    }
}
