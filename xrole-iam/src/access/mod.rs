//! Who can assume what: the access graph of a [`World`](crate::world::World).
//!
//! Principals (users, role sessions, web identity providers, AWS services,
//! IAM Identity Center users) and roles are nodes. An edge goes from a principal to a role where the evaluator
//! allows the principal to assume it (`sts:AssumeRole`, or
//! `sts:AssumeRoleWithWebIdentity` for a provider), with the role's trust policy,
//! the principal's identity policies and boundary, and the organization's SCPs
//! and RCPs. Conditions on what the caller sends with the call (an ExternalId,
//! MFA, a source address, request tags, a token's claims...) do not cut an edge:
//! they label it ([`Requirement`]), as an open condition of the evaluator
//! ([`Request::open_conditions`](crate::eval::Request::open_conditions)). A
//! `:root` trust reaches exactly the principals of the account whose identity
//! policies allow the call: each is evaluated. Chains are paths; every hop after
//! the first is role chaining, whose sessions last at most an hour.
//!
//! - `build`: the nodes, the index of trust principals that picks each role's
//!   candidates (so the build is linear in the edges it tries, not in principals
//!   times roles), and the evaluation of each candidate edge. Principals of one
//!   account with the same shared policies and tags, reached through a trust
//!   that names their account, are judged once for all of them, unless a
//!   document on the way names the principal itself (`aws:PrincipalArn`,
//!   `aws:username`, `aws:userid`, a policy variable).

mod build;

pub use build::IDENTITY_CENTER_USER;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;

use crate::eval::Evaluation;

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum NodeKind {
    /// An IAM user (its long-term keys).
    User,
    /// A role: a target of edges, and the source of the edges its sessions take.
    Role,
    /// A web identity provider (an OIDC provider ARN, or a built-in one).
    WebIdentityProvider,
    /// An AWS service principal (`ec2.amazonaws.com`).
    Service,
    /// A user of the world's IAM Identity Center, named
    /// `identity-center-user/NAME`: its edges go to the roles its assigned
    /// permission sets are.
    IdentityCenterUser,
}

/// A principal or a role of the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The principal's ARN (a role's ARN for a role), or the service's name.
    pub arn: String,
    /// What it is.
    pub kind: NodeKind,
}

/// What the caller must send for an edge to hold: one condition of an allowing
/// statement, on a key the caller chooses with the call.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Requirement {
    /// The operator, as written (`StringEquals`).
    pub operator: String,
    /// The key, as written (`sts:ExternalId`).
    pub key: String,
    /// The values, as written; any one matching is enough.
    pub values: Vec<String>,
    /// The condition is a deny's: the caller must send what does not satisfy it.
    pub avoids_deny: bool,
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values = match self.values.as_slice() {
            [one] => format!("{one:?}"),
            many => format!("{many:?}"),
        };
        let condition = format!("{} {} {values}", self.operator, self.key);
        if self.avoids_deny {
            write!(f, "not ({condition})")
        } else {
            f.write_str(&condition)
        }
    }
}

/// One principal allowed to assume one role.
#[derive(Clone, Debug)]
pub struct Edge {
    /// The principal (index into [`AccessGraph::nodes`]).
    pub from: usize,
    /// The role (index into [`AccessGraph::nodes`]).
    pub to: usize,
    /// `sts:AssumeRole`, `sts:AssumeRoleWithWebIdentity` for a provider, or
    /// `sts:AssumeRoleWithSAML` for an IAM Identity Center user's sign-in.
    pub action: &'static str,
    /// What the caller must send, sorted.
    pub requires: Vec<Requirement>,
    /// The evaluation that allowed it (shared by the principals a trust judged
    /// alike: see the module documentation).
    pub explanation: Arc<Evaluation>,
}

/// One way a principal reaches a role: the path of ARNs, each hop's requirements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// The principal at the start of the path.
    pub principal: String,
    /// Every node from the principal to the role, both included.
    pub path: Vec<String>,
    /// Per hop (`path[i]` assumes `path[i + 1]`), what it requires.
    pub requires: Vec<Vec<Requirement>>,
    /// Per hop, its edge (an index into [`AccessGraph::edges`]), whose
    /// evaluation explains it.
    pub edges: Vec<usize>,
    /// Whether the path starts at a role (its session): then its first hop is
    /// role chaining too.
    pub from_role: bool,
}

impl Access {
    /// Whether hop `i` (`path[i]` assumes `path[i + 1]`) is role chaining: a role
    /// session assumes a role, and the new session lasts at most an hour.
    pub fn is_chained_hop(&self, i: usize) -> bool {
        i > 0 || self.from_role
    }

    /// Whether any hop of the path is role chaining.
    pub fn is_chained(&self) -> bool {
        (0..self.path.len().saturating_sub(1)).any(|i| self.is_chained_hop(i))
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.principal)?;
        for (hop, to) in self.path.iter().skip(1).enumerate() {
            write!(f, "\n  -> {to}")?;
            let requires = self.requires.get(hop).map(Vec::as_slice).unwrap_or(&[]);
            if !requires.is_empty() {
                let list: Vec<String> = requires.iter().map(ToString::to_string).collect();
                write!(f, " (requires {})", list.join("; "))?;
            }
            if self.is_chained_hop(hop) {
                write!(
                    f,
                    " [chained: {} at most]",
                    xrole_core::SessionDuration::MAX_CHAINED
                )?;
            }
        }
        Ok(())
    }
}

/// The access graph of a world ([`AccessGraph::build`]).
#[derive(Clone, Debug, Default)]
pub struct AccessGraph {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    by_arn: HashMap<String, usize>,
    /// Edge indexes by source node, and by target node.
    out: Vec<Vec<usize>>,
    into: Vec<Vec<usize>>,
}

impl AccessGraph {
    /// Every node.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Every edge.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The node of an ARN (a principal's, or a role's).
    pub fn node(&self, arn: &str) -> Option<usize> {
        self.by_arn.get(arn).copied()
    }

    /// Every principal that can assume `role`, directly or through a chain: one
    /// shortest path each, sorted by principal. The role itself is left out.
    pub fn who_can_assume(&self, role: &str) -> Vec<Access> {
        let Some(target) = self.node(role) else {
            return Vec::new();
        };
        // Breadth first backwards: `next[n]` is the edge n takes toward the role.
        let next = self.search(target, true);
        let mut found: Vec<Access> = (0..self.nodes.len())
            .filter(|&n| n != target && next[n].is_some())
            .map(|n| self.follow(n, |at| next[at]))
            .collect();
        found.sort_by(|a, b| a.principal.cmp(&b.principal));
        found
    }

    /// Every role `principal` can reach, directly or through a chain: one shortest
    /// path each, sorted by role.
    pub fn reachable_from(&self, principal: &str) -> Vec<Access> {
        let Some(start) = self.node(principal) else {
            return Vec::new();
        };
        let prev = self.search(start, false);
        let mut found: Vec<Access> = (0..self.nodes.len())
            .filter(|&n| n != start && prev[n].is_some())
            .map(|n| self.back_to(start, n, &prev))
            .collect();
        found.sort_by(|a, b| a.path.last().cmp(&b.path.last()));
        found
    }

    /// A shortest path from `from` to `to`, if there is one.
    pub fn path(&self, from: &str, to: &str) -> Option<Access> {
        let (start, end) = (self.node(from)?, self.node(to)?);
        if start == end {
            return None;
        }
        let prev = self.search(start, false);
        prev[end].map(|_| self.back_to(start, end, &prev))
    }

    /// Breadth first from `start`, along edges (or against them, `backwards`):
    /// for each node reached, the edge that reached it.
    fn search(&self, start: usize, backwards: bool) -> Vec<Option<usize>> {
        let mut via: Vec<Option<usize>> = vec![None; self.nodes.len()];
        let mut seen = vec![false; self.nodes.len()];
        seen[start] = true;
        let mut queue = VecDeque::from([start]);
        while let Some(n) = queue.pop_front() {
            let edges = if backwards {
                &self.into[n]
            } else {
                &self.out[n]
            };
            for &e in edges {
                let next = if backwards {
                    self.edges[e].from
                } else {
                    self.edges[e].to
                };
                if !seen[next] {
                    seen[next] = true;
                    via[next] = Some(e);
                    queue.push_back(next);
                }
            }
        }
        via
    }

    /// The path from `start` to `end` through the `prev` edges.
    fn back_to(&self, start: usize, end: usize, prev: &[Option<usize>]) -> Access {
        let mut hops = Vec::new();
        let mut at = end;
        while at != start {
            let Some(e) = prev[at] else { break };
            hops.push(e);
            at = self.edges[e].from;
        }
        hops.reverse();
        self.access(start, &hops)
    }

    /// The path from `n` following `next` edges to the target.
    fn follow(&self, n: usize, next: impl Fn(usize) -> Option<usize>) -> Access {
        let mut hops = Vec::new();
        let mut at = n;
        // A shortest path visits each node once.
        while let Some(e) = next(at) {
            hops.push(e);
            at = self.edges[e].to;
            if hops.len() > self.nodes.len() {
                break;
            }
        }
        self.access(n, &hops)
    }

    fn access(&self, start: usize, hops: &[usize]) -> Access {
        let mut path = vec![self.nodes[start].arn.clone()];
        let mut requires = Vec::new();
        for &e in hops {
            path.push(self.nodes[self.edges[e].to].arn.clone());
            requires.push(self.edges[e].requires.clone());
        }
        Access {
            principal: self.nodes[start].arn.clone(),
            path,
            requires,
            edges: hops.to_vec(),
            from_role: self.nodes[start].kind == NodeKind::Role,
        }
    }

    /// The graph in Graphviz's dot language: one node per principal and role, one
    /// edge per allowed assumption, labelled with its requirements.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph access {\n  rankdir=LR;\n");
        for (i, n) in self.nodes.iter().enumerate() {
            let shape = match n.kind {
                NodeKind::Role => "box",
                NodeKind::User => "ellipse",
                NodeKind::WebIdentityProvider => "hexagon",
                NodeKind::Service => "diamond",
                NodeKind::IdentityCenterUser => "house",
            };
            out.push_str(&format!("  n{i} [label={:?}, shape={shape}];\n", n.arn));
        }
        for e in &self.edges {
            let label: Vec<String> = e.requires.iter().map(ToString::to_string).collect();
            out.push_str(&format!(
                "  n{} -> n{} [label={:?}];\n",
                e.from,
                e.to,
                label.join("\\n")
            ));
        }
        out.push_str("}\n");
        out
    }
}

/// A widening of access: a new edge, or a principal that reaches a role it could
/// not reach before.
#[derive(Clone, Debug)]
pub struct NewAccess {
    /// The path that is new (its last hop, for a new edge).
    pub access: Access,
    /// The evaluation that allows the new edge, when the new access is one edge.
    pub explanation: Option<Arc<Evaluation>>,
}

impl fmt::Display for NewAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.access)?;
        if let Some(e) = &self.explanation {
            for line in e.explanation.iter() {
                write!(f, "\n    {line}")?;
            }
        }
        Ok(())
    }
}

/// What `after` allows that `before` did not: edges that are new or need less
/// (same principal and role, other requirements), and principals that now reach a
/// role (through any path) they could not. Nodes compare by ARN.
pub fn new_access(before: &AccessGraph, after: &AccessGraph) -> Vec<NewAccess> {
    type Key = (String, String, &'static str, Vec<Requirement>);
    let key = |g: &AccessGraph, e: &Edge| -> Key {
        (
            g.nodes[e.from].arn.clone(),
            g.nodes[e.to].arn.clone(),
            e.action,
            e.requires.clone(),
        )
    };
    let old: std::collections::HashSet<Key> = before.edges.iter().map(|e| key(before, e)).collect();
    let mut found = Vec::new();
    for (i, e) in after.edges.iter().enumerate() {
        if !old.contains(&key(after, e)) {
            found.push(NewAccess {
                access: after.access(e.from, &[i]),
                explanation: Some(e.explanation.clone()),
            });
        }
    }
    // Reach through chains: pairs that no new edge already shows.
    for (n, node) in after.nodes.iter().enumerate() {
        if after.out[n].is_empty() {
            continue;
        }
        let reached_before: std::collections::HashSet<String> = before
            .reachable_from(&node.arn)
            .into_iter()
            .filter_map(|a| a.path.last().cloned())
            .collect();
        for a in after.reachable_from(&node.arn) {
            let role = a.path.last().cloned().unwrap_or_default();
            let shown = found
                .iter()
                .any(|f| f.access.principal == a.principal && f.access.path.last() == Some(&role));
            if a.path.len() > 2 && !reached_before.contains(&role) && !shown {
                found.push(NewAccess {
                    access: a,
                    explanation: None,
                });
            }
        }
    }
    found
}

/// The failure message of `xrole_test::assert_no_new_access!`, or `None` when
/// nothing is new.
pub fn describe_new_access(before: &AccessGraph, after: &AccessGraph) -> Option<String> {
    let found = new_access(before, after);
    if found.is_empty() {
        return None;
    }
    let mut out = format!("{} new access path(s):\n", found.len());
    for f in found {
        out.push_str(&format!("{f}\n"));
    }
    Some(out)
}

/// `who_can_assume(role)` as text, one access per paragraph: what
/// `xrole_test::assert_who_can_assume!` snapshots.
pub fn render_who_can_assume(graph: &AccessGraph, role: &str) -> String {
    let found = graph.who_can_assume(role);
    if found.is_empty() {
        return format!("# Who can assume {role}\n(nobody)\n");
    }
    let mut out = format!("# Who can assume {role}\n");
    for a in found {
        out.push_str(&format!("{a}\n"));
    }
    out
}
