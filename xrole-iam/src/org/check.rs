//! An organization's checks (ids, parents, cycles, depth, quotas, each policy for
//! its kind), and its compilation into every member account's paths.

use std::collections::HashMap;
use std::sync::Arc;

use xrole_core::AccountId;
use xrole_core::Placed;
use xrole_core::policy::{PolicyDocument, PolicyKind};

use super::compiled::{AccountPaths, CompiledOrganization};
use super::{MAX_OU_DEPTH, MAX_POLICIES_PER_TARGET, OrgError, OrgPolicy, Organization, Target};
use crate::eval::{CompiledPolicy, OrgPath, PolicyLevel, PolicyRole, attached_label};

impl Organization {
    /// Checks the organization and compiles every account's paths.
    pub fn compile(&self) -> Result<CompiledOrganization, OrgError> {
        let mut problems = Vec::new();
        if !ORG_ID.matches(&self.id) {
            problems.push(Placed::new("id", ORG_ID.explain(&self.id)));
        }
        match self.roots.as_slice() {
            [_] => {}
            [] => problems.push(Placed::new(
                "roots",
                "an organization has one root; none given",
            )),
            _ => problems.push(Placed::new(
                "roots",
                format!("an organization has one root; {} given", self.roots.len()),
            )),
        }
        // Every target by id, checked on its own.
        let mut by_id: HashMap<&str, &Target> = HashMap::new();
        let targets = self
            .roots
            .iter()
            .map(|r| (&r.0, &ROOT_ID))
            .chain(self.ous.iter().map(|o| (&o.0, &OU_ID)))
            .chain(self.accounts.iter().map(|a| (&a.0, &ACCOUNT_ID)));
        for (t, grammar) in targets {
            if !grammar.matches(&t.id) {
                problems.push(Placed::new(
                    format!("{}.id", t.place),
                    grammar.explain(&t.id),
                ));
            }
            if let Some(name) = &t.name
                && !(1..=128).contains(&name.chars().count())
            {
                problems.push(Placed::new(
                    format!("{}.name", t.place),
                    format!(
                        "an OU name is 1 to 128 characters, found {}",
                        name.chars().count()
                    ),
                ));
            }
            for (kind, count) in [
                ("SCPs", t.scps.as_ref().map_or(1, Vec::len)),
                ("RCPs", t.rcps.len()),
            ] {
                if count > MAX_POLICIES_PER_TARGET {
                    problems.push(Placed::new(&t.place, format!("{count} {kind} attached; Organizations attaches at most {MAX_POLICIES_PER_TARGET} to one target")));
                }
            }
            if by_id.insert(&t.id, t).is_some() {
                problems.push(Placed::new(
                    format!("{}.id", t.place),
                    format!("{} is declared twice", t.id),
                ));
            }
        }
        // An OU's or an account's parent: the root or an OU.
        let children = self.ous.iter().map(|o| &o.0);
        for t in children.chain(self.accounts.iter().map(|a| &a.0)) {
            let parent = t.parent.as_deref().unwrap_or_default();
            match by_id.get(parent) {
                Some(p) if p.id.starts_with("ou-") || p.parent.is_none() => {}
                Some(_) => problems.push(Placed::new(
                    format!("{}.parent", t.place),
                    format!("{parent} is an account; a parent is the root or an OU"),
                )),
                None => problems.push(Placed::new(
                    format!("{}.parent", t.place),
                    format!("{parent} is neither the root nor a declared OU"),
                )),
            }
        }
        if !problems.is_empty() {
            return Err(OrgError::new("organization", problems));
        }
        self.compile_paths(&by_id)
    }

    /// Every target's chain of ancestors (no cycle, at most five OUs deep), every
    /// policy compiled once per attachment, and every account's paths.
    fn compile_paths(
        &self,
        by_id: &HashMap<&str, &Target>,
    ) -> Result<CompiledOrganization, OrgError> {
        let mut problems = Vec::new();
        // A policy attached at several levels is compiled once and relabelled per
        // level: its levels then share its statements, which a decision judges once
        // (`eval::org::judge_path`).
        let mut compiled: HashMap<(PolicyKind, String), (PolicyDocument, CompiledPolicy)> =
            HashMap::new();
        // Each target's own levels.
        let mut levels: HashMap<&str, (PolicyLevel, PolicyLevel)> = HashMap::new();
        for (id, t) in by_id {
            let target: Arc<str> = match &t.name {
                Some(name) => format!("{id} ({name})").into(),
                None if t.parent.is_none() => (*id).into(),
                None => format!("account {id}").into(),
            };
            let default_scps = [OrgPolicy::full_aws_access()];
            let scps = t.scps.as_deref().unwrap_or(&default_scps);
            let rcps = OrgPolicy::rcp_level(t.rcps.iter().cloned());
            let mut compile = |side: PolicyRole, kind: PolicyKind, at: &str, p: &OrgPolicy| {
                let label = attached_label(side, &p.name, &target);
                let key = (kind, p.name.clone());
                if let Some((doc, c)) = compiled.get(&key)
                    && *doc == p.doc
                {
                    return Some(c.relabel(label));
                }
                let c = CompiledPolicy::new(label, &p.doc, kind)
                    .map_err(|e| {
                        problems.push(Placed::new(format!("{}.{at}[{:?}]", t.place, p.name), e))
                    })
                    .ok()?;
                compiled
                    .entry(key)
                    .or_insert_with(|| (p.doc.clone(), c.clone()));
                Some(c)
            };
            let scp_level = scps
                .iter()
                .filter_map(|p| {
                    compile(
                        PolicyRole::ServiceControl,
                        PolicyKind::ServiceControl,
                        "scps",
                        p,
                    )
                })
                .collect();
            let rcp_level = rcps
                .iter()
                .filter_map(|p| {
                    compile(
                        PolicyRole::ResourceControl,
                        PolicyKind::ResourceControl,
                        "rcps",
                        p,
                    )
                })
                .collect();
            levels.insert(
                id,
                (
                    PolicyLevel::new(target.clone(), scp_level),
                    PolicyLevel::new(target, rcp_level),
                ),
            );
        }
        let mut accounts = HashMap::new();
        let root = self
            .roots
            .first()
            .map(|r| r.0.id.as_str())
            .unwrap_or_default();
        let mut declared: Vec<(&Target, AccountId)> = self
            .accounts
            .iter()
            .filter_map(|a| a.0.id.parse().ok().map(|id| (&a.0, id)))
            .collect();
        let management_declared = declared.iter().any(|(_, id)| *id == self.management);
        let chain = |start| ancestors(by_id, start);
        for ou in &self.ous {
            if let Err(why) = chain(&ou.0.id) {
                problems.push(Placed::new(&ou.0.place, why));
            }
        }
        let management_target = Target {
            id: self.management.to_string(),
            parent: Some(root.to_owned()),
            name: None,
            scps: None,
            rcps: Vec::new(),
            place: "managementAccount".to_owned(),
        };
        if !management_declared {
            declared.push((&management_target, self.management));
        }
        for (t, account) in declared {
            let parent = t.parent.as_deref().unwrap_or_default();
            let Ok(ancestors) = chain(parent) else {
                continue;
            };
            let own = levels.get(t.id.as_str());
            let path = |pick: fn(&(PolicyLevel, PolicyLevel)) -> &PolicyLevel| -> OrgPath {
                ancestors
                    .iter()
                    .filter_map(|id| levels.get(id))
                    .chain(own)
                    .map(|l| pick(l).clone())
                    .collect()
            };
            let org_path = format!("{}/{}/", self.id, ancestors.join("/"));
            let exempt = account == self.management;
            accounts.insert(
                account,
                AccountPaths {
                    org_path,
                    scps: if exempt {
                        OrgPath::default()
                    } else {
                        path(|l| &l.0)
                    },
                    rcps: if exempt {
                        OrgPath::default()
                    } else {
                        path(|l| &l.1)
                    },
                },
            );
        }
        if problems.is_empty() {
            Ok(CompiledOrganization {
                id: self.id.clone(),
                management: self.management,
                accounts,
            })
        } else {
            Err(OrgError::new("organization", problems))
        }
    }
}

/// The chain of `start`'s ancestors and itself, root first, or the problem with
/// it (a cycle, or more OU levels than Organizations allows).
fn ancestors<'a>(
    by_id: &HashMap<&'a str, &'a Target>,
    start: &'a str,
) -> Result<Vec<&'a str>, String> {
    let mut out = vec![start];
    let mut at = start;
    while let Some(parent) = by_id.get(at).and_then(|t| t.parent.as_deref()) {
        if out.contains(&parent) {
            return Err(format!("OU {parent} is its own ancestor"));
        }
        out.push(parent);
        at = parent;
        // The walk stops at the limit: a long chain costs no more than a legal one.
        let ous = out.iter().filter(|id| id.starts_with("ou-")).count();
        if ous > MAX_OU_DEPTH {
            return Err(format!(
                "more than {MAX_OU_DEPTH} OUs deep; Organizations nests OUs at most {MAX_OU_DEPTH} levels under the root"
            ));
        }
    }
    out.reverse();
    Ok(out)
}

/// An Organizations id grammar: a prefix and lower-case letters and digits,
/// with an optional second part after `-` (OU ids).
struct IdGrammar {
    what: &'static str,
    prefix: &'static str,
    /// Lengths of the parts after the prefix.
    parts: &'static [(usize, usize)],
    example: &'static str,
    digits_only: bool,
}

const ORG_ID: IdGrammar = IdGrammar {
    what: "an organization id",
    prefix: "o-",
    parts: &[(10, 32)],
    example: "o-a1b2c3d4e5",
    digits_only: false,
};
const ROOT_ID: IdGrammar = IdGrammar {
    what: "a root id",
    prefix: "r-",
    parts: &[(4, 32)],
    example: "r-ab12",
    digits_only: false,
};
const OU_ID: IdGrammar = IdGrammar {
    what: "an OU id",
    prefix: "ou-",
    parts: &[(4, 32), (8, 32)],
    example: "ou-ab12-cdef3456",
    digits_only: false,
};
const ACCOUNT_ID: IdGrammar = IdGrammar {
    what: "an account id",
    prefix: "",
    parts: &[(12, 12)],
    example: "222222222222",
    digits_only: true,
};

impl IdGrammar {
    fn matches(&self, id: &str) -> bool {
        let Some(rest) = id.strip_prefix(self.prefix) else {
            return false;
        };
        let parts: Vec<&str> = rest.split('-').collect();
        parts.len() == self.parts.len()
            && parts.iter().zip(self.parts).all(|(p, (min, max))| {
                (*min..=*max).contains(&p.len())
                    && p.bytes().all(|b| {
                        b.is_ascii_digit() || (!self.digits_only && b.is_ascii_lowercase())
                    })
            })
    }

    fn explain(&self, id: &str) -> String {
        format!("{id:?} is not {} (like {:?})", self.what, self.example)
    }
}
