//! AWS's policy evaluation logic for the documents involved in `sts:AssumeRole` and
//! in the calls the role then makes.
//!
//! Documents are compiled once ([`CompiledPolicy`]); a decision then costs no
//! parsing and no regular expression. Every decision comes with its explanation:
//! which statement of which document allowed or denied, and for an implicit deny,
//! which side had no allow and which condition failed.

mod assume;
mod condition;
mod context;
mod glob;
mod org;
mod pattern;
mod principal;

use std::fmt;
use std::sync::Arc;

use xrole_core::policy::{
    Effect, OneOrMany, PolicyDocument, PolicyError, PolicyKind, PolicyVersion, Principal,
};
use xrole_core::{AccountId, OrgDenial, OrgPolicyType, PrincipalArn, PrincipalKind};

pub use assume::{AssumeRoleCall, AssumeRoleEvaluation, Mfa, evaluate_assume_role};
pub use context::{Context, ContextValue};
pub use org::{OrgPath, PolicyLevel, attached_label};
pub use principal::Caller;

use condition::CompiledCondition;
use pattern::{Pattern, Syntax};
use principal::{Match, PrincipalPattern};

/// The outcome of an evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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

#[derive(Clone, Debug)]
struct Statement {
    path: Arc<str>,
    sid: Option<Arc<str>>,
    effect: Effect,
    /// `(is NotPrincipal, entries)`.
    principal: Option<(bool, Vec<PrincipalPattern>)>,
    /// `(is NotAction, patterns)`.
    action: Option<(bool, Vec<Pattern>)>,
    /// `(is NotResource, patterns)`; absent in trust policies (the role itself).
    resource: Option<(bool, Vec<Pattern>)>,
    conditions: Vec<CompiledCondition>,
}

/// A policy document compiled for evaluation. Cloning shares the compiled form.
#[derive(Clone, Debug)]
pub struct CompiledPolicy {
    label: Arc<str>,
    statements: Arc<[Statement]>,
}

fn statement_path(doc: &PolicyDocument, i: usize) -> Arc<str> {
    match doc.statement {
        OneOrMany::One(_) => "Statement".into(),
        OneOrMany::Many(_) => format!("Statement[{i}]").into(),
    }
}

impl CompiledPolicy {
    /// Validates `doc` as a policy of `kind` and compiles it; `label` names it in
    /// explanations (`"trust policy of arn:aws:iam::222222222222:role/R"`).
    pub fn new(
        label: impl Into<String>,
        doc: &PolicyDocument,
        kind: PolicyKind,
    ) -> Result<Self, PolicyError> {
        doc.validate(kind)?;
        let variables = doc.version == Some(PolicyVersion::V2012_10_17);
        let list = |values: &OneOrMany<String>, syntax: Syntax| {
            values
                .iter()
                .map(|v| Pattern::compile(v, syntax))
                .collect::<Vec<_>>()
        };
        let action_syntax = Syntax {
            wildcards: true,
            variables: false,
            fold: true,
        };
        let resource_syntax = Syntax {
            wildcards: true,
            variables,
            fold: false,
        };
        let principal = |p: &Principal| match p {
            Principal::Any => vec![PrincipalPattern::Any],
            Principal::Typed(_) => p
                .entries()
                .map(|(_, v)| PrincipalPattern::compile(v))
                .collect(),
        };
        let statements = doc
            .statements()
            .iter()
            .enumerate()
            .map(|(i, st)| Statement {
                path: statement_path(doc, i),
                sid: st.sid.as_deref().map(Into::into),
                effect: st.effect,
                principal: st
                    .principal
                    .as_ref()
                    .map(|p| (false, principal(p)))
                    .or_else(|| st.not_principal.as_ref().map(|p| (true, principal(p)))),
                action: st
                    .action
                    .as_ref()
                    .map(|a| (false, list(a, action_syntax)))
                    .or_else(|| {
                        st.not_action
                            .as_ref()
                            .map(|a| (true, list(a, action_syntax)))
                    }),
                resource: st
                    .resource
                    .as_ref()
                    .map(|r| (false, list(r, resource_syntax)))
                    .or_else(|| {
                        st.not_resource
                            .as_ref()
                            .map(|r| (true, list(r, resource_syntax)))
                    }),
                conditions: st
                    .condition
                    .iter()
                    .flatten()
                    .map(|c| CompiledCondition::compile(c, variables))
                    .collect(),
            })
            .collect();
        Ok(Self {
            label: label.into().into(),
            statements,
        })
    }

    /// The label given at compilation.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The same compiled statements under another label (one organization policy
    /// attached at several levels).
    pub fn relabel(&self, label: impl Into<String>) -> Self {
        Self {
            label: label.into().into(),
            statements: self.statements.clone(),
        }
    }
}

/// One request: who, which action, on what, with which context keys.
#[derive(Clone, Debug)]
pub struct Request {
    caller: Caller,
    action: String,
    /// The action in lower case: actions compare case-insensitively.
    action_folded: String,
    resource: String,
    /// The account the resource's ARN names, read once.
    resource_arn_account: Option<AccountId>,
    resource_account: Option<AccountId>,
    context: Context,
}

impl Request {
    /// A request by `caller` for `action` on `resource`. The context starts with the
    /// keys AWS derives from the caller: `aws:PrincipalArn` (a session's role ARN),
    /// `aws:PrincipalAccount`, `aws:PrincipalType`, and `aws:username` for users.
    pub fn new(caller: Caller, action: &str, resource: &str) -> Self {
        let mut context = Context::new();
        let arn = caller.arn();
        let principal_arn = match (arn.kind(), caller.role()) {
            (PrincipalKind::AssumedRole, Some(role)) => role.to_string(),
            _ => arn.to_string(),
        };
        context.insert("aws:PrincipalArn", principal_arn);
        if let Some(account) = caller.account() {
            context.insert("aws:PrincipalAccount", account.to_string());
        }
        let principal_type = match arn.kind() {
            PrincipalKind::User => Some("User"),
            PrincipalKind::AssumedRole => Some("AssumedRole"),
            PrincipalKind::FederatedUser => Some("FederatedUser"),
            PrincipalKind::AccountRoot | PrincipalKind::Account => Some("Account"),
            PrincipalKind::Any => Some("Anonymous"),
            _ => None,
        };
        if let Some(t) = principal_type {
            context.insert("aws:PrincipalType", t);
        }
        if arn.kind() != PrincipalKind::Any {
            context.insert(
                "aws:PrincipalIsAWSService",
                arn.kind() == PrincipalKind::Service,
            );
        }
        let resource_arn_account = resource_arn_account(resource);
        if let Some(account) = resource_arn_account {
            context.insert("aws:ResourceAccount", account.to_string());
        }
        if arn.kind() == PrincipalKind::User
            && let Some(name) = arn.name()
        {
            context.insert("aws:username", name);
        }
        Self {
            caller,
            action: action.to_owned(),
            action_folded: action.to_lowercase(),
            resource: resource.to_owned(),
            resource_arn_account,
            resource_account: None,
            context,
        }
    }

    /// Adds context keys (over the derived ones).
    pub fn context(mut self, context: &Context) -> Self {
        for (k, v) in context.iter() {
            self.context.insert(k, v.clone());
        }
        self
    }

    /// Sets one context key.
    pub fn with(mut self, key: &str, value: impl Into<ContextValue>) -> Self {
        self.context.insert(key, value);
        self
    }

    /// Sets one context key unless the request already has it.
    pub fn with_default(mut self, key: &str, value: impl Into<ContextValue>) -> Self {
        self.context.insert_default(key, value);
        self
    }

    /// The account that owns the resource, when its ARN does not say (S3 buckets);
    /// also `aws:ResourceAccount`.
    pub fn resource_account(mut self, account: AccountId) -> Self {
        self.resource_account = Some(account);
        self.context
            .insert_default("aws:ResourceAccount", account.to_string());
        self
    }

    /// The caller.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }
    /// The action.
    pub fn action(&self) -> &str {
        &self.action
    }
    /// The resource.
    pub fn resource(&self) -> &str {
        &self.resource
    }
    /// The context keys.
    pub fn context_keys(&self) -> &Context {
        &self.context
    }

    /// The resource's account: from its ARN, else as set, else the caller's (a
    /// resource of one's own).
    pub fn owning_account(&self) -> Option<AccountId> {
        self.resource_arn_account
            .or(self.resource_account)
            .or_else(|| self.caller.account())
    }

    /// Whether the resource policy is a role trust policy: trust must always allow.
    fn is_role_assumption(&self) -> bool {
        let action = &self.action_folded;
        action.starts_with("sts:")
            && [
                "sts:assumerole",
                "sts:tagsession",
                "sts:setsourceidentity",
                "sts:setcontext",
            ]
            .iter()
            .any(|a| action == *a || action.starts_with("sts:assumerolewith"))
    }
}

/// The account in a resource ARN, if it names one.
fn resource_arn_account(resource: &str) -> Option<AccountId> {
    resource
        .split(':')
        .nth(4)
        .and_then(|a| a.parse::<AccountId>().ok())
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
    /// No statement of this document (or of this side) allows the request.
    NoAllow,
    /// The caller is not governed by identity policies (account root, service), so
    /// that side allows.
    ImplicitIdentityAllow,
}

impl Finding {
    /// A stable name for the finding, as the batch interface writes it.
    pub const fn code(&self) -> &'static str {
        match self {
            Finding::Denies => "Denies",
            Finding::Allows => "Allows",
            Finding::AllowsThroughAccount => "AllowsThroughAccount",
            Finding::ConditionFailed { .. } => "ConditionFailed",
            Finding::NoAllow => "NoAllow",
            Finding::ImplicitIdentityAllow => "ImplicitIdentityAllow",
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
            Finding::NoAllow if self.policy.is_none() => write!(f, "no {side} allow the request"),
            Finding::NoAllow => write!(f, "{at} has no statement that allows the request"),
            Finding::ImplicitIdentityAllow => {
                write!(f, "the caller is not governed by identity policies")
            }
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

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.decision)?;
        for line in &self.explanation {
            write!(f, "\n  - {line}")?;
        }
        Ok(())
    }
}

/// What one document says about a request.
struct Verdict<'a> {
    denies: Vec<&'a Statement>,
    /// The first allowing statement and how its principal matched.
    allow: Option<(&'a Statement, Match)>,
    /// The first statement that would allow but for a condition.
    near_miss: Option<(&'a Statement, &'a CompiledCondition)>,
}

impl CompiledPolicy {
    /// `has_boundary`: whether the caller has a permissions boundary, which makes a
    /// `NotPrincipal` deny apply to it whatever the element names.
    fn verdict(&self, request: &Request, role: PolicyRole, has_boundary: bool) -> Verdict<'_> {
        let mut v = Verdict {
            denies: Vec::new(),
            allow: None,
            near_miss: None,
        };
        for st in self.statements.iter() {
            let how = match &st.principal {
                // Identity-style documents apply to whoever they are attached to.
                None => Match::Direct,
                Some((false, entries)) => {
                    match entries
                        .iter()
                        .filter_map(|p| p.matches(&request.caller))
                        .max()
                    {
                        Some(m) => m,
                        None => continue,
                    }
                }
                Some((true, entries)) => {
                    // "The NotPrincipal element with a Deny effect will always deny
                    // any IAM principal that has a permissions boundary policy
                    // attached, regardless of the values specified" (IAM user guide,
                    // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
                    let boundary_denies = has_boundary && st.effect == Effect::Deny;
                    if !boundary_denies && request.caller.not_principal_exempts(entries) {
                        continue;
                    }
                    Match::Direct
                }
            };
            let action = match &st.action {
                Some((not, patterns)) => {
                    patterns
                        .iter()
                        .any(|p| p.matches_folded(&request.action_folded, &request.context))
                        != *not
                }
                None => false,
            };
            if !action {
                continue;
            }
            let resource = match &st.resource {
                Some((not, patterns)) => {
                    patterns
                        .iter()
                        .any(|p| p.matches(&request.resource, &request.context))
                        != *not
                }
                // Only trust policies omit Resource: it is the role itself.
                None => role == PolicyRole::Resource,
            };
            if !resource {
                continue;
            }
            if let Some(failed) = st.conditions.iter().find(|c| !c.holds(&request.context)) {
                if st.effect == Effect::Allow && v.near_miss.is_none() {
                    v.near_miss = Some((st, failed));
                }
                continue;
            }
            match st.effect {
                Effect::Deny => v.denies.push(st),
                Effect::Allow => {
                    if v.allow.is_none_or(|(_, m)| m < how) {
                        v.allow = Some((st, how));
                    }
                }
            }
        }
        v
    }
}

fn line(
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

    let caller_governed = request.caller.has_identity_policies();
    let identity_allow = identity
        .iter()
        .find_map(|(d, v)| v.allow.map(|(st, _)| (*d, st)));
    let identity_ok = !caller_governed || identity_allow.is_some();
    let session_allow = session
        .iter()
        .find_map(|(d, v)| v.allow.map(|(st, _)| (*d, st)));
    let session_ok = session.is_empty() || session_allow.is_some();
    let boundaries_ok = boundaries.iter().all(|(_, v)| v.allow.is_some());
    let resource_allow = resource
        .first()
        .and_then(|(d, v)| v.allow.map(|(st, m)| (*d, st, m)));

    let owner = request.owning_account();
    let same_account = owner.is_some() && owner == request.caller.account();
    let trust_required = request.is_role_assumption() && policies.resource.is_some();
    // A grant to the caller itself, in its own account, needs no identity allow.
    // A grant to a user's or a session's own ARN is not limited by boundaries or
    // session policies; a grant to the session's role is limited by both.
    let direct =
        same_account && matches!(resource_allow, Some((_, _, Match::Direct | Match::Role)));
    let direct_limited =
        matches!(resource_allow, Some((_, _, Match::Role))) && !(session_ok && boundaries_ok);

    let allowed = if direct {
        !direct_limited
    } else {
        let resource_ok = if same_account && !trust_required {
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
        }
        (Some((doc, v)), None) if !same_account || trust_required => {
            explain_missing(&mut explanation, PolicyRole::Resource, doc, v);
        }
        _ => {}
    }
    if !direct || !allowed {
        if !direct || !caller_governed || identity_allow.is_some() {
            explain_identity(&mut explanation, request, &identity, identity_allow);
        }
        if !session.is_empty() {
            match session_allow {
                Some((doc, st)) => {
                    explanation.push(line(PolicyRole::Session, doc, Some(st), Finding::Allows))
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
                    explanation.push(line(PolicyRole::Boundary, doc, Some(st), Finding::Allows))
                }
                None => explain_missing(&mut explanation, PolicyRole::Boundary, doc, v),
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
    let nobody = |finding| Explanation {
        side: PolicyRole::Identity,
        policy: None,
        statement: None,
        sid: None,
        finding,
    };
    if !request.caller.has_identity_policies() {
        out.push(nobody(Finding::ImplicitIdentityAllow));
    } else if let Some((doc, st)) = allow {
        out.push(line(PolicyRole::Identity, doc, Some(st), Finding::Allows));
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

fn explain_missing(
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

/// The line for a statement that would allow but for `condition`.
fn near_miss_line(
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

/// A caller from its ARN (`PrincipalArn`), for the common case.
impl From<PrincipalArn> for Caller {
    fn from(arn: PrincipalArn) -> Self {
        Caller::new(arn)
    }
}
