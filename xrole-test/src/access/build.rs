//! Building the graph: the nodes of a world, the index of trust principals that
//! picks each role's candidate callers, and the evaluation of each candidate.

use std::collections::HashMap;

use serde_json::Map;
use xrole_core::policy::{Effect, Principal, PrincipalType};
use xrole_core::{ASSUME_ROLE_WITH_WEB_IDENTITY, AccountId, PrincipalArn, PrincipalKind, RoleArn};

use super::{AccessGraph, Edge, Node, NodeKind, Requirement};
use crate::eval::{
    Caller, CompiledPolicy, Decision, Finding, PolicySet, Request, evaluate, web_identity_context,
};
use crate::sts::World;

/// The session name the graph's role callers are given (their ARN needs one).
const SESSION: &str = "xrole-access";

/// What a principal node calls with: who it is, the policies that govern it, its
/// tags.
struct Calling {
    caller: Caller,
    account: Option<AccountId>,
    policies: PolicySet,
    tags: Vec<(String, String)>,
}

/// The graph being built: nodes, the callers of principal nodes, and the index of
/// principals by account and by ARN.
#[derive(Default)]
struct Builder {
    graph: AccessGraph,
    callers: HashMap<usize, Calling>,
    /// Users and role sessions of each account: what a `:root` trust may reach.
    by_account: HashMap<AccountId, Vec<usize>>,
    /// Roles by account and name: an assumed-role ARN names no path.
    roles_by_name: HashMap<(AccountId, String), usize>,
    /// Users and roles, in the order added: what `*` may reach.
    principals: Vec<usize>,
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

    fn principal(&mut self, n: usize, p: Calling) {
        if let Some(account) = p.account {
            self.by_account.entry(account).or_default().push(n);
        }
        self.principals.push(n);
        self.callers.insert(n, p);
    }

    /// The nodes a trust policy's `Allow` statements name (`*` and accounts expand
    /// to the principals of the world they may name); nodes
    /// are made for the providers and services it names.
    fn candidates(&mut self, trust: &xrole_core::PolicyDocument) -> Vec<usize> {
        let mut out = Vec::new();
        for st in trust.statements() {
            if st.effect != Effect::Allow {
                continue;
            }
            // Trust policies take no NotPrincipal (the world validates them).
            let Some(principal) = &st.principal else {
                continue;
            };
            if matches!(principal, Principal::Any) {
                out.extend(self.principals.iter().copied());
                continue;
            }
            for (kind, value) in principal.entries() {
                if value == "*" {
                    out.extend(self.principals.iter().copied());
                    continue;
                }
                let Ok(p) = PrincipalArn::parse(value) else {
                    continue;
                };
                match (kind, p.kind()) {
                    (_, PrincipalKind::Account | PrincipalKind::AccountRoot) => {
                        if let Some(list) = p.account().and_then(|a| self.by_account.get(&a)) {
                            out.extend(list.iter().copied());
                        }
                    }
                    (_, PrincipalKind::User | PrincipalKind::Role) => {
                        out.extend(self.graph.by_arn.get(value).copied());
                    }
                    (_, PrincipalKind::AssumedRole) => {
                        if let (Some(a), Some(name)) = (p.account(), p.name()) {
                            out.extend(self.roles_by_name.get(&(a, name.to_owned())).copied());
                        }
                    }
                    (PrincipalType::Federated, PrincipalKind::Federated)
                        if p.web_identity_issuer().is_some() =>
                    {
                        out.push(self.node(value, NodeKind::WebIdentityProvider));
                    }
                    (PrincipalType::Service, PrincipalKind::Service) => {
                        out.push(self.node(value, NodeKind::Service));
                    }
                    // SAML providers, canonical users, federated users: not modelled.
                    _ => {}
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The edge from `from` to the role `to`, if the evaluator allows it.
    fn edge(
        &self,
        world: &World,
        from: usize,
        to: usize,
        role: &RoleArn,
        trust: &CompiledPolicy,
    ) -> Option<Edge> {
        let kind = self.graph.nodes[from].kind;
        let (action, request, mut policies, principal_account) = match self.callers.get(&from) {
            Some(p) => {
                let mut r = Request::new(p.caller.clone(), "sts:AssumeRole", role.as_str());
                for (k, v) in &p.tags {
                    r = r.with(&format!("aws:PrincipalTag/{k}"), v.as_str());
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
        if explanation.decision != Decision::Allowed {
            return None;
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
        Some(Edge {
            from,
            to,
            action,
            requires,
            explanation,
        })
    }
}

impl AccessGraph {
    /// The graph of `world`: every user, role, OIDC provider, and the providers
    /// and services its trust policies name; an edge wherever the evaluator allows
    /// the assumption (see the [module documentation](super)).
    pub fn build(world: &World) -> Self {
        let mut b = Builder::default();
        for (user, compiled) in world.users_compiled() {
            let n = b.node(user.arn().as_str(), NodeKind::User);
            b.principal(
                n,
                Calling {
                    caller: Caller::new(user.arn().clone()),
                    account: user.arn().account(),
                    policies: compiled.policy_set(Vec::new()),
                    tags: user.tags().to_vec(),
                },
            );
        }
        let mut targets = Vec::new();
        for (role, trust, compiled) in world.roles_compiled() {
            let arn = role.arn();
            let n = b.node(arn.as_str(), NodeKind::Role);
            b.roles_by_name
                .insert((arn.account(), arn.name().to_owned()), n);
            // The role's own sessions are the callers of the edges it takes.
            let session = PrincipalArn::parse(&format!(
                "arn:{}:sts::{}:assumed-role/{}/{SESSION}",
                arn.partition(),
                arn.account(),
                arn.name()
            ));
            if let Ok(session) = session {
                b.principal(
                    n,
                    Calling {
                        caller: Caller::new(session).with_role(arn.clone()),
                        account: Some(arn.account()),
                        policies: compiled.policy_set(Vec::new()),
                        tags: role.tags().to_vec(),
                    },
                );
            }
            targets.push((n, role, trust));
        }
        for provider in world.oidc_providers() {
            b.node(provider.arn().as_str(), NodeKind::WebIdentityProvider);
        }
        for (to, role, trust) in targets {
            for from in b.candidates(role.trust_policy()) {
                if from == to {
                    continue;
                }
                if let Some(edge) = b.edge(world, from, to, role.arn(), trust) {
                    let e = b.graph.edges.len();
                    b.graph.out[from].push(e);
                    b.graph.into[to].push(e);
                    b.graph.edges.push(edge);
                }
            }
        }
        b.graph
    }
}
