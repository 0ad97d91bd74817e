//! Building the graph: the nodes of a world, the index of trust principals that
//! picks each role's candidate callers, and the evaluation of each candidate.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Map;
use xrole_core::policy::keys;
use xrole_core::policy::{Effect, Principal, PrincipalType};
use xrole_core::{
    ASSUME_ROLE_WITH_WEB_IDENTITY, AccountId, PrincipalArn, PrincipalKind, RoleArn, SessionTag,
};

use super::{AccessGraph, Edge, Node, NodeKind, Requirement};
use crate::eval::{
    Caller, CompiledPolicy, Decision, Finding, PolicySet, Request, evaluate, web_identity_context,
};
use crate::world::{ASSUME_ROLE_WITH_SAML, World};

/// How an IAM Identity Center user's node is named.
pub const IDENTITY_CENTER_USER: &str = "identity-center-user/";

/// The session name the graph's role callers are given (their ARN needs one).
const SESSION: &str = "xrole-access";

/// What a principal node calls with: who it is, the policies that govern it, its
/// tags.
struct Calling {
    caller: Caller,
    account: Option<AccountId>,
    policies: PolicySet,
    tags: Vec<SessionTag>,
    /// What makes principals interchangeable for a trust that names their account
    /// (see [`Signature`]); `None` when a policy of it depends on who the
    /// principal is.
    signature: Option<Signature>,
}

/// Principals of one account and kind with the same policies (shared compiled
/// documents: the same managed policies and groups) and tags are judged alike by
/// a trust that names their account, unless a document names the principal
/// itself: one evaluation then stands for all of them.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Signature {
    account: Option<AccountId>,
    role: bool,
    policies: Vec<usize>,
    tags: Vec<SessionTag>,
}

impl Signature {
    fn of(
        account: Option<AccountId>,
        role: bool,
        policies: &PolicySet,
        tags: &[SessionTag],
    ) -> Option<Self> {
        let docs = policies.identity.iter().chain(&policies.boundaries);
        if docs.clone().any(CompiledPolicy::depends_on_principal) {
            return None;
        }
        let mut keys: Vec<usize> = policies
            .identity
            .iter()
            .map(CompiledPolicy::statements_key)
            .collect();
        keys.sort_unstable();
        // Boundaries after a marker: the same document as a boundary is not the
        // same as an identity policy.
        keys.push(0);
        keys.extend(
            policies
                .boundaries
                .iter()
                .map(CompiledPolicy::statements_key),
        );
        let mut tags = tags.to_vec();
        tags.sort();
        Some(Self {
            account,
            role,
            policies: keys,
            tags,
        })
    }
}

/// A role's candidate callers: those its trust names by ARN, each judged alone,
/// and the groups it reaches through an account or `*`.
#[derive(Default)]
struct Candidates {
    named: Vec<usize>,
    /// Indexes into [`Builder::groups`].
    groups: Vec<usize>,
}

/// Principals judged alike (one [`Signature`]), or one principal that must be
/// judged alone (no signature): found once for the whole world, so that a trust
/// naming an account costs one evaluation per group, not one per principal.
struct Group {
    shared: bool,
    members: Vec<usize>,
}

/// The graph being built: nodes, the callers of principal nodes, and the index of
/// principals by account and by ARN.
#[derive(Default)]
struct Builder {
    graph: AccessGraph,
    callers: HashMap<usize, Calling>,
    /// Roles by account and name: an assumed-role ARN names no path.
    roles_by_name: HashMap<(AccountId, String), usize>,
    /// Users and roles, in the order added: what `*` may reach.
    principals: Vec<usize>,
    /// The groups of principals, and those of each account: what a `:root` trust
    /// may reach.
    groups: Vec<Group>,
    groups_by_account: HashMap<AccountId, Vec<usize>>,
}

impl Builder {
    fn node(&mut self, arn: &str, kind: NodeKind) -> usize {
        if let Some(&n) = self.graph.by_arn.get(arn) {
            return n;
        }
        let n = self.graph.nodes.len();
        self.graph.nodes.push(Node {
            arn: arn.to_owned(),
            kind,
        });
        self.graph.by_arn.insert(arn.to_owned(), n);
        self.graph.out.push(Vec::new());
        self.graph.into.push(Vec::new());
        n
    }

    /// Makes node `n` a principal that calls as `caller`, governed by `policies`.
    fn principal(&mut self, n: usize, caller: Caller, policies: PolicySet, tags: Vec<SessionTag>) {
        let account = caller.account();
        let signature = Signature::of(
            account,
            self.graph.nodes[n].kind == NodeKind::Role,
            &policies,
            &tags,
        );
        self.principals.push(n);
        self.callers.insert(
            n,
            Calling {
                caller,
                account,
                policies,
                tags,
                signature,
            },
        );
    }

    /// Groups the principals once every one is known: by signature within each
    /// account; a principal without one is a group of its own.
    fn index_groups(&mut self) {
        let mut by_signature: HashMap<&Signature, usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut by_account: HashMap<AccountId, Vec<usize>> = HashMap::new();
        for &n in &self.principals {
            let Some(calling) = self.callers.get(&n) else {
                continue;
            };
            // Through a grant to its account, a principal needs its own identity
            // policies to allow the call: one whose policies never take the
            // action is no candidate there (`*` and its ARN still reach it).
            let through_account = !calling.caller.has_identity_policies()
                || calling
                    .policies
                    .identity
                    .iter()
                    .any(|d| d.may_allow_action("sts:AssumeRole"));
            let account = calling.account.filter(|_| through_account);
            let g = match &calling.signature {
                Some(sig) => match by_signature.get(sig) {
                    Some(&g) => g,
                    None => {
                        by_signature.insert(sig, groups.len());
                        groups.push(Group {
                            shared: true,
                            members: Vec::new(),
                        });
                        if let Some(a) = account {
                            by_account.entry(a).or_default().push(groups.len() - 1);
                        }
                        groups.len() - 1
                    }
                },
                None => {
                    groups.push(Group {
                        shared: false,
                        members: Vec::new(),
                    });
                    if let Some(a) = account {
                        by_account.entry(a).or_default().push(groups.len() - 1);
                    }
                    groups.len() - 1
                }
            };
            groups[g].members.push(n);
        }
        self.groups = groups;
        self.groups_by_account = by_account;
    }

    /// The nodes a trust policy's `Allow` statements name, and the groups `*` and
    /// accounts reach; nodes are made for the providers and services it names.
    fn candidates(&mut self, trust: &xrole_core::PolicyDocument) -> Candidates {
        let mut out = Candidates::default();
        for st in trust.statements() {
            if st.effect != Effect::Allow {
                continue;
            }
            // Trust policies take no NotPrincipal (the world validates them).
            let Some(principal) = &st.principal else {
                continue;
            };
            if matches!(principal, Principal::Any) {
                out.groups.extend(0..self.groups.len());
                continue;
            }
            for (kind, value) in principal.entries() {
                if value == "*" {
                    out.groups.extend(0..self.groups.len());
                    continue;
                }
                let Ok(p) = PrincipalArn::parse(value) else {
                    continue;
                };
                match (kind, p.kind()) {
                    (_, PrincipalKind::Account | PrincipalKind::AccountRoot) => {
                        if let Some(list) = p.account().and_then(|a| self.groups_by_account.get(&a))
                        {
                            out.groups.extend(list.iter().copied());
                        }
                    }
                    (_, PrincipalKind::User | PrincipalKind::Role) => {
                        out.named.extend(self.graph.by_arn.get(value).copied());
                    }
                    (_, PrincipalKind::AssumedRole) => {
                        if let (Some(a), Some(name)) = (p.account(), p.name()) {
                            out.named
                                .extend(self.roles_by_name.get(&(a, name.to_owned())).copied());
                        }
                    }
                    (PrincipalType::Federated, PrincipalKind::Federated)
                        if p.web_identity_issuer().is_some() =>
                    {
                        out.named
                            .push(self.node(value, NodeKind::WebIdentityProvider));
                    }
                    (PrincipalType::Service, PrincipalKind::Service) => {
                        out.named.push(self.node(value, NodeKind::Service));
                    }
                    // SAML providers, canonical users, federated users: not modelled.
                    _ => {}
                }
            }
        }
        out.named.sort_unstable();
        out.named.dedup();
        out.groups.sort_unstable();
        out.groups.dedup();
        out
    }

    /// The evaluator's judgement of the edge from `from` to the role `to` (`None`
    /// for a node that names no principal).
    fn edge(
        &self,
        world: &World,
        from: usize,
        to: usize,
        role: &RoleArn,
        trust: &CompiledPolicy,
    ) -> Option<Judged> {
        let kind = self.graph.nodes[from].kind;
        let (action, request, mut policies, principal_account) = match self.callers.get(&from) {
            Some(p) => {
                let mut r = Request::new(p.caller.clone(), "sts:AssumeRole", role.as_str());
                for tag in &p.tags {
                    r = r.with(&keys::principal_tag(tag.key()), tag.value());
                }
                ("sts:AssumeRole", r, p.policies.clone(), p.account)
            }
            None => {
                let arn = PrincipalArn::parse(&self.graph.nodes[from].arn).ok()?;
                let caller = Caller::new(arn.clone());
                match kind {
                    NodeKind::WebIdentityProvider => (
                        ASSUME_ROLE_WITH_WEB_IDENTITY,
                        Request::new(caller, ASSUME_ROLE_WITH_WEB_IDENTITY, role.as_str())
                            .context(&web_identity_context(&arn, &Map::new())),
                        PolicySet::default(),
                        None,
                    ),
                    _ => (
                        "sts:AssumeRole",
                        Request::new(caller, "sts:AssumeRole", role.as_str()),
                        PolicySet::default(),
                        None,
                    ),
                }
            }
        };
        policies.resource = Some(trust.clone());
        let mut request = request.open_conditions();
        if let Some(org) = world.org_scope(principal_account, role.account()) {
            request = request.context(&org.govern(&mut policies));
        }
        let explanation = evaluate(&request, &policies);
        // An organization policy that names the principal itself judges each alone.
        let org_depends = [&policies.service_control, &policies.resource_control]
            .iter()
            .flat_map(|path| path.iter())
            .flat_map(|level| level.policies.iter())
            .any(CompiledPolicy::depends_on_principal);
        if explanation.decision != Decision::Allowed {
            return Some(Judged {
                edge: None,
                org_depends,
            });
        }
        let mut requires: Vec<Requirement> = explanation
            .explanation
            .iter()
            .filter_map(|line| match &line.finding {
                Finding::Requires {
                    operator,
                    key,
                    values,
                    avoids_deny,
                } => Some(Requirement {
                    operator: operator.clone(),
                    key: key.clone(),
                    values: values.clone(),
                    avoids_deny: *avoids_deny,
                }),
                _ => None,
            })
            .collect();
        requires.sort();
        requires.dedup();
        Some(Judged {
            edge: Some(Edge {
                from,
                to,
                action,
                requires,
                explanation: Arc::new(explanation),
            }),
            org_depends,
        })
    }

    /// The world's IAM Identity Center users, each with an edge to the role
    /// of every permission set assigned to it where the role's trust (and the
    /// organization's RCPs) lets the instance's sign-in take it.
    fn identity_center(&mut self, world: &World) {
        let Some(center) = world.identity_center() else {
            return;
        };
        for a in center.assignments() {
            let Ok(role) = center.role_of(a.account, &a.permission_set) else {
                continue;
            };
            let Some((_, trust, _)) = world.role_compiled(&role) else {
                continue;
            };
            let (Some(&to), Ok(request)) = (
                self.graph.by_arn.get(role.as_str()),
                center.sign_in_request(&role, 0),
            ) else {
                continue;
            };
            let from = self.node(
                &format!("{IDENTITY_CENTER_USER}{}", a.user),
                NodeKind::IdentityCenterUser,
            );
            let mut policies = PolicySet {
                resource: Some(trust.clone()),
                ..PolicySet::default()
            };
            let mut request = request.open_conditions();
            if let Some(org) = world.org_scope(None, role.account()) {
                request = request.context(&org.govern(&mut policies));
            }
            let explanation = evaluate(&request, &policies);
            if explanation.decision == Decision::Allowed {
                self.add(Edge {
                    from,
                    to,
                    action: ASSUME_ROLE_WITH_SAML,
                    requires: Vec::new(),
                    explanation: Arc::new(explanation),
                });
            }
        }
    }

    fn add(&mut self, edge: Edge) {
        let e = self.graph.edges.len();
        self.graph.out[edge.from].push(e);
        self.graph.into[edge.to].push(e);
        self.graph.edges.push(edge);
    }
}

/// The edge, if allowed, and whether an organization policy on its way names the
/// principal itself (then its group cannot share the evaluation).
struct Judged {
    edge: Option<Edge>,
    org_depends: bool,
}

impl AccessGraph {
    /// The graph of `world`: every user, role, OIDC provider, and the providers
    /// and services its trust policies name; an edge wherever the evaluator allows
    /// the assumption (see the [module documentation](super)).
    pub fn build(world: &World) -> Self {
        Self::build_with(world, false, &mut |_, _| {})
    }

    /// [`build`](Self::build), telling `progress(roles_done, roles)` as it goes
    /// (after every 1,000 roles, and at the end): for a command that says how a
    /// long build is going.
    pub fn build_reporting(world: &World, progress: &mut dyn FnMut(usize, usize)) -> Self {
        Self::build_with(world, false, progress)
    }

    /// The same graph by evaluating every principal against every role, without
    /// the index of trust principals: the bench's baseline. Not a public API.
    #[doc(hidden)]
    pub fn build_pairwise(world: &World) -> Self {
        Self::build_with(world, true, &mut |_, _| {})
    }

    fn build_with(world: &World, pairwise: bool, progress: &mut dyn FnMut(usize, usize)) -> Self {
        let mut b = Builder::default();
        for (user, compiled) in world.users_compiled() {
            let n = b.node(user.arn().as_str(), NodeKind::User);
            b.principal(
                n,
                Caller::new(user.arn().clone()),
                compiled.policy_set(Vec::new()),
                user.tags().to_vec(),
            );
        }
        let mut targets = Vec::new();
        for (role, trust, compiled) in world.roles_compiled() {
            let arn = role.arn();
            let n = b.node(arn.as_str(), NodeKind::Role);
            b.roles_by_name
                .insert((arn.account(), arn.name().to_owned()), n);
            // The role's own sessions are the callers of the edges it takes.
            if let Ok(session) = arn.session_arn(SESSION) {
                b.principal(
                    n,
                    Caller::new(session).with_role(arn.clone()),
                    compiled.policy_set(Vec::new()),
                    role.tags().to_vec(),
                );
            }
            targets.push((n, role, trust));
        }
        for provider in world.oidc_providers() {
            b.node(provider.arn().as_str(), NodeKind::WebIdentityProvider);
        }
        b.identity_center(world);
        b.index_groups();
        let total = targets.len();
        for (done, (to, role, trust)) in targets.into_iter().enumerate() {
            if done % 1000 == 0 && done > 0 {
                progress(done, total);
            }
            let Candidates { named, groups } = b.candidates(role.trust_policy());
            // A principal the trust names by ARN is judged alone, and only so.
            let judged_alone = |n: &usize| named.binary_search(n).is_ok() || *n == to;
            let mut found = Vec::new();
            let mut alone = named.clone();
            if pairwise {
                alone.extend(b.principals.iter().copied());
                alone.sort_unstable();
                alone.dedup();
            }
            let per_member = pairwise || trust.depends_on_principal();
            let mut shared = Vec::new();
            for &g in &groups {
                let group = &b.groups[g];
                if per_member || !group.shared {
                    if !pairwise {
                        alone.extend(group.members.iter().copied().filter(|n| !judged_alone(n)));
                    }
                    continue;
                }
                let members: Vec<usize> = group
                    .members
                    .iter()
                    .copied()
                    .filter(|n| !judged_alone(n))
                    .collect();
                let Some(&first) = members.first() else {
                    continue;
                };
                let Some(judged) = b.edge(world, first, to, role.arn(), trust) else {
                    continue;
                };
                if judged.org_depends {
                    shared.extend(judged.edge);
                    for &m in &members[1..] {
                        shared.extend(b.edge(world, m, to, role.arn(), trust).and_then(|j| j.edge));
                    }
                    continue;
                }
                let Some(edge) = judged.edge else {
                    continue;
                };
                for &m in &members[1..] {
                    let mut e = edge.clone();
                    e.from = m;
                    shared.push(e);
                }
                shared.push(edge);
            }
            for from in alone {
                if from == to {
                    continue;
                }
                found.extend(
                    b.edge(world, from, to, role.arn(), trust)
                        .and_then(|j| j.edge),
                );
            }
            found.extend(shared);
            for edge in found {
                b.add(edge);
            }
        }
        progress(total, total);
        b.graph
    }
}
