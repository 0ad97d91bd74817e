//! A policy document compiled for evaluation ([`CompiledPolicy`]), and what one
//! document says about one request (its `Verdict`).

use std::sync::Arc;

use xrole_core::policy::{
    Effect, OneOrMany, PolicyDocument, PolicyError, PolicyKind, PolicyVersion, Principal,
};

use super::condition::CompiledCondition;
use super::pattern::{Pattern, Syntax};
use super::principal::{Match, PrincipalPattern};
use super::{PolicyRole, Request};

#[derive(Clone, Debug)]
pub(super) struct Statement {
    pub(super) path: Arc<str>,
    pub(super) sid: Option<Arc<str>>,
    pub(super) effect: Effect,
    /// `(is NotPrincipal, entries)`.
    pub(super) principal: Option<(bool, Vec<PrincipalPattern>)>,
    /// `(is NotAction, patterns)`.
    pub(super) action: Option<(bool, Vec<Pattern>)>,
    /// `(is NotResource, patterns)`; absent in trust policies (the role itself).
    pub(super) resource: Option<(bool, Vec<Pattern>)>,
    pub(super) conditions: Vec<CompiledCondition>,
}

/// A policy document compiled for evaluation. Cloning shares the compiled form.
#[derive(Clone, Debug)]
pub struct CompiledPolicy {
    pub(super) label: Arc<str>,
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

    /// Whether `other` is this document's statements under another label (one
    /// organization policy attached at several levels): both say the same of any
    /// request.
    pub(super) fn shares_statements(&self, other: &CompiledPolicy) -> bool {
        Arc::ptr_eq(&self.statements, &other.statements)
    }

    /// An identity of the compiled statements: equal for documents that share them
    /// (a managed policy attached to many principals).
    pub(crate) fn statements_key(&self) -> usize {
        Arc::as_ptr(&self.statements).cast::<()>() as usize
    }

    /// Whether the document may judge two principals with the same policies and
    /// tags differently: a policy variable in a pattern, or a condition on who the
    /// principal is (`aws:PrincipalArn`, `aws:username`, `aws:userid`).
    pub(crate) fn depends_on_principal(&self) -> bool {
        self.statements.iter().any(|st| {
            let lists = [st.action.as_ref(), st.resource.as_ref()];
            lists
                .iter()
                .flatten()
                .any(|(_, patterns)| patterns.iter().any(Pattern::has_variables))
                || st
                    .conditions
                    .iter()
                    .any(CompiledCondition::depends_on_principal)
        })
    }

    /// Whether some `Allow` statement's `Action` (or `NotAction`) takes `action`,
    /// whatever its resource and conditions: a principal none of whose identity
    /// policies may allow it can never be allowed it through a grant to its account.
    pub(crate) fn may_allow_action(&self, action: &str) -> bool {
        let folded = action.to_lowercase();
        let ctx = super::Context::new();
        self.statements.iter().any(|st| {
            st.effect == Effect::Allow
                && st.action.as_ref().is_some_and(|(not, patterns)| {
                    // A pattern with a variable is judged by the request: it may.
                    patterns
                        .iter()
                        .any(|p| p.has_variables() || p.matches_folded(&folded, &ctx))
                        != *not
                })
        })
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

/// What one document says about a request.
#[derive(Clone)]
pub(super) struct Verdict<'a> {
    pub(super) denies: Vec<&'a Statement>,
    /// The first allowing statement and how its principal matched.
    pub(super) allow: Option<(&'a Statement, Match)>,
    /// The first statement that would allow but for a condition.
    pub(super) near_miss: Option<(&'a Statement, &'a CompiledCondition)>,
    /// Denying statements the caller can avoid, with their open conditions (only
    /// for a request with open conditions).
    pub(super) avoidable: Vec<(&'a Statement, Vec<&'a CompiledCondition>)>,
}

impl CompiledPolicy {
    /// `has_boundary`: whether the caller has a permissions boundary, which makes a
    /// `NotPrincipal` deny apply to it whatever the element names.
    pub(super) fn verdict(
        &self,
        request: &Request,
        role: PolicyRole,
        has_boundary: bool,
    ) -> Verdict<'_> {
        let mut v = Verdict {
            denies: Vec::new(),
            allow: None,
            near_miss: None,
            avoidable: Vec::new(),
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
            // An open condition (see `Request::open_conditions`) lets an allow hold
            // (the caller sends what it asks) and a deny be avoided (the caller
            // sends something else); the other conditions are judged as usual.
            let mut open = Vec::new();
            let mut failed = None;
            for c in &st.conditions {
                if request.open && c.open_in(&request.context) {
                    open.push(c);
                } else if !c.holds(&request.context) {
                    failed = Some(c);
                    break;
                }
            }
            if let Some(failed) = failed {
                if st.effect == Effect::Allow && v.near_miss.is_none() {
                    v.near_miss = Some((st, failed));
                }
                continue;
            }
            if st.effect == Effect::Deny && !open.is_empty() {
                v.avoidable.push((st, open));
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
