//! An AWS organization as the evaluator needs it: its root, nested OUs and
//! accounts, the SCPs and RCPs attached to each, and the management account that
//! neither governs.
//!
//! Build it in code, or give a world file an `organization` key; either way
//! [`Organization::compile`] checks it (ids in Organizations' grammar, parents
//! that exist, no cycle, at most five OU levels, at most five policies attached
//! per target, each policy valid for its kind) and reports every problem at once,
//! each with its place (`ous[1].parent: ...`).
//!
//! Defaults follow Organizations: a target with no SCP list given has
//! `FullAWSAccess`; `RCPFullAWSAccess` is attached everywhere and cannot be
//! detached. A given SCP list replaces the default, as detaching `FullAWSAccess`
//! does.

use std::collections::HashMap;
use std::sync::Arc;

use xrole_core::AccountId;
use xrole_core::policy::{Effect, PolicyDocument, PolicyKind, Principal, Statement};

use crate::eval::{
    CompiledPolicy, Context, OrgPath, PolicyLevel, PolicyRole, PolicySet, Request, attached_label,
};

/// Problems in an organization, each prefixed by its place.
pub type OrgError = xrole_core::Problems<String>;

/// The most policies of one type Organizations attaches to one target.
pub const MAX_POLICIES_PER_TARGET: usize = 5;

/// The deepest OU nesting under the root Organizations allows.
pub const MAX_OU_DEPTH: usize = 5;

/// A service control or resource control policy, by name.
#[derive(Clone, Debug)]
pub struct OrgPolicy {
    name: String,
    doc: PolicyDocument,
}

impl OrgPolicy {
    /// A policy named `name` (explanations print the name) with this document.
    pub fn new(name: &str, doc: PolicyDocument) -> Self {
        Self {
            name: name.to_owned(),
            doc,
        }
    }

    /// `FullAWSAccess`, the SCP Organizations attaches everywhere by default.
    pub fn full_aws_access() -> Self {
        let all = Statement::new(Effect::Allow)
            .actions(["*"])
            .resources(["*"]);
        Self::new("FullAWSAccess", PolicyDocument::new(vec![all]))
    }

    /// `RCPFullAWSAccess`, the RCP attached everywhere, which cannot be detached.
    pub fn rcp_full_aws_access() -> Self {
        let all = Statement::new(Effect::Allow)
            .principal(Principal::Any)
            .actions(["*"])
            .resources(["*"]);
        Self::new("RCPFullAWSAccess", PolicyDocument::new(vec![all]))
    }

    /// AWS's own policy by its name, if `name` is `FullAWSAccess` or
    /// `RCPFullAWSAccess`.
    pub fn aws_managed(name: &str) -> Option<Self> {
        match name {
            "FullAWSAccess" => Some(Self::full_aws_access()),
            "RCPFullAWSAccess" => Some(Self::rcp_full_aws_access()),
            _ => None,
        }
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The root, an OU or an account, with what is attached to it.
#[derive(Clone, Debug)]
struct Target {
    id: String,
    parent: Option<String>,
    name: Option<String>,
    /// `None`: the default (`FullAWSAccess`).
    scps: Option<Vec<OrgPolicy>>,
    rcps: Vec<OrgPolicy>,
    /// Where the target was declared (`ous[1]`), for problems.
    place: String,
}

/// An organizational unit: its id, name and parent (the root's id or another
/// OU's), with the policies attached to it.
#[derive(Clone, Debug)]
pub struct OrgUnit(Target);

/// An account of the organization, under the root or an OU.
#[derive(Clone, Debug)]
pub struct OrgAccount(Target);

macro_rules! attachments {
    ($t:ty) => {
        impl $t {
            /// Attaches an SCP; the first one given replaces the default
            /// `FullAWSAccess` (attach [`OrgPolicy::full_aws_access`] to keep it).
            pub fn scp(mut self, policy: OrgPolicy) -> Self {
                self.0.scps.get_or_insert_with(Vec::new).push(policy);
                self
            }

            /// Attaches no SCP at all (`FullAWSAccess` detached, nothing else
            /// attached): nothing is allowed below.
            pub fn no_scps(mut self) -> Self {
                self.0.scps = Some(Vec::new());
                self
            }

            /// Attaches an RCP, beside `RCPFullAWSAccess`.
            pub fn rcp(mut self, policy: OrgPolicy) -> Self {
                self.0.rcps.push(policy);
                self
            }

            /// Where it was declared, for problems (`ous[1]`); set by the world file.
            pub fn declared_at(mut self, place: &str) -> Self {
                self.0.place = place.to_owned();
                self
            }
        }
    };
}

attachments!(OrgUnit);
attachments!(OrgAccount);

impl OrgUnit {
    /// The root `id`, for a world file's `roots`.
    pub(crate) fn root(id: &str) -> Self {
        Self(Target {
            id: id.to_owned(),
            parent: None,
            name: None,
            scps: None,
            rcps: Vec::new(),
            place: "root".to_owned(),
        })
    }

    /// An OU `id` named `name` under `parent`.
    pub fn new(id: &str, name: &str, parent: &str) -> Self {
        Self(Target {
            id: id.to_owned(),
            parent: Some(parent.to_owned()),
            name: Some(name.to_owned()),
            scps: None,
            rcps: Vec::new(),
            place: format!("OU {id}"),
        })
    }
}

impl OrgAccount {
    /// Account `id` under `parent` (the root's id or an OU's).
    pub fn new(id: AccountId, parent: &str) -> Self {
        Self(Target {
            id: id.to_string(),
            parent: Some(parent.to_owned()),
            name: None,
            scps: None,
            rcps: Vec::new(),
            place: format!("account {id}"),
        })
    }
}

/// An organization as declared; [`compile`](Self::compile) checks it.
#[derive(Clone, Debug)]
pub struct Organization {
    id: String,
    management: AccountId,
    roots: Vec<OrgUnit>,
    ous: Vec<OrgUnit>,
    accounts: Vec<OrgAccount>,
}

impl Organization {
    /// Organization `id` (`o-...`) with root `root` (`r-...`), managed from
    /// `management`, which is placed under the root unless declared elsewhere.
    pub fn new(id: &str, root: &str, management: AccountId) -> Self {
        Self {
            id: id.to_owned(),
            management,
            roots: vec![OrgUnit::root(root)],
            ous: Vec::new(),
            accounts: Vec::new(),
        }
    }

    /// An organization with no root yet (the world file names its roots).
    pub(crate) fn without_root(id: &str, management: AccountId) -> Self {
        Self {
            id: id.to_owned(),
            management,
            roots: Vec::new(),
            ous: Vec::new(),
            accounts: Vec::new(),
        }
    }

    /// Adds a root (made with [`OrgUnit::root`]); an organization has exactly one.
    pub(crate) fn add_root(mut self, root: OrgUnit) -> Self {
        self.roots.push(root);
        self
    }

    /// Changes the root's attachments: `f` gets the root as an [`OrgUnit`].
    pub fn root(mut self, f: impl FnOnce(OrgUnit) -> OrgUnit) -> Self {
        if let Some(root) = self.roots.pop() {
            self.roots.push(f(root));
        }
        self
    }

    /// Adds an OU.
    pub fn ou(mut self, ou: OrgUnit) -> Self {
        self.ous.push(ou);
        self
    }

    /// Adds an account.
    pub fn account(mut self, account: OrgAccount) -> Self {
        self.accounts.push(account);
        self
    }

    /// Checks the organization and compiles every account's paths.
    pub fn compile(&self) -> Result<CompiledOrganization, OrgError> {
        let mut problems = Vec::new();
        if !ORG_ID.matches(&self.id) {
            problems.push(format!("id: {}", ORG_ID.explain(&self.id)));
        }
        match self.roots.as_slice() {
            [_] => {}
            [] => problems.push("roots: an organization has one root; none given".to_owned()),
            _ => problems.push(format!(
                "roots: an organization has one root; {} given",
                self.roots.len()
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
                problems.push(format!("{}.id: {}", t.place, grammar.explain(&t.id)));
            }
            if let Some(name) = &t.name
                && !(1..=128).contains(&name.chars().count())
            {
                problems.push(format!(
                    "{}.name: an OU name is 1 to 128 characters, found {}",
                    t.place,
                    name.chars().count()
                ));
            }
            for (kind, count) in [
                ("SCPs", t.scps.as_ref().map_or(1, Vec::len)),
                ("RCPs", t.rcps.len()),
            ] {
                if count > MAX_POLICIES_PER_TARGET {
                    problems.push(format!(
                        "{}: {count} {kind} attached; Organizations attaches at most {MAX_POLICIES_PER_TARGET} to one target",
                        t.place
                    ));
                }
            }
            if by_id.insert(&t.id, t).is_some() {
                problems.push(format!("{}.id: {} is declared twice", t.place, t.id));
            }
        }
        for t in self.ous.iter().map(|o| &o.0) {
            match t.parent.as_deref().map(|p| by_id.get(p)) {
                Some(Some(parent)) if parent.id.starts_with("ou-") || parent.parent.is_none() => {}
                Some(Some(_)) => problems.push(format!(
                    "{}.parent: an OU's parent is the root or another OU, not an account",
                    t.place
                )),
                _ => problems.push(format!(
                    "{}.parent: {} is neither the root nor a declared OU",
                    t.place,
                    t.parent.as_deref().unwrap_or("")
                )),
            }
        }
        for t in self.accounts.iter().map(|a| &a.0) {
            match t.parent.as_deref().map(|p| by_id.get(p)) {
                Some(Some(parent)) if parent.id.starts_with("ou-") || parent.parent.is_none() => {}
                _ => problems.push(format!(
                    "{}.parent: {} is neither the root nor a declared OU",
                    t.place,
                    t.parent.as_deref().unwrap_or("")
                )),
            }
        }
        if !problems.is_empty() {
            return Err(OrgError::new("organization", problems));
        }
        let compiled = self.compile_paths(&by_id)?;
        Ok(compiled)
    }

    /// Every target's chain of ancestors (no cycle, at most five OUs deep), every
    /// policy compiled once per attachment, and every account's paths.
    fn compile_paths(
        &self,
        by_id: &HashMap<&str, &Target>,
    ) -> Result<CompiledOrganization, OrgError> {
        let mut problems = Vec::new();
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
            let rcps =
                std::iter::once(OrgPolicy::rcp_full_aws_access()).chain(t.rcps.iter().cloned());
            let mut compile = |side: PolicyRole, kind: PolicyKind, at: &str, p: &OrgPolicy| {
                CompiledPolicy::new(attached_label(side, &p.name, &target), &p.doc, kind)
                    .map_err(|e| problems.push(format!("{}.{at}[{:?}]: {e}", t.place, p.name)))
                    .ok()
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
                .filter_map(|p| {
                    compile(
                        PolicyRole::ResourceControl,
                        PolicyKind::ResourceControl,
                        "rcps",
                        &p,
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
                problems.push(format!("{}: {why}", ou.0.place));
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

/// One account's place: its `aws:*OrgPaths` entry and its two paths.
#[derive(Clone, Debug)]
struct AccountPaths {
    org_path: String,
    scps: OrgPath,
    rcps: OrgPath,
}

/// A checked organization: every member account's SCP and RCP paths, compiled.
#[derive(Clone, Debug)]
pub struct CompiledOrganization {
    id: String,
    management: AccountId,
    accounts: HashMap<AccountId, AccountPaths>,
}

impl CompiledOrganization {
    /// The organization's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The management account.
    pub fn management_account(&self) -> AccountId {
        self.management
    }

    /// Whether `account` belongs to the organization.
    pub fn contains(&self, account: AccountId) -> bool {
        self.accounts.contains_key(&account)
    }

    /// The SCPs that govern the principals of `account`, root first: none for the
    /// management account or an account outside the organization.
    pub fn scp_path(&self, account: AccountId) -> OrgPath {
        self.accounts
            .get(&account)
            .map_or_else(OrgPath::default, |a| a.scps.clone())
    }

    /// The RCPs that govern the resources of `account`, root first: none for the
    /// management account or an account outside the organization.
    pub fn rcp_path(&self, account: AccountId) -> OrgPath {
        self.accounts
            .get(&account)
            .map_or_else(OrgPath::default, |a| a.rcps.clone())
    }

    /// The organization's condition keys for a request from `principal` to a
    /// resource of `resource`: `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`,
    /// `aws:ResourceOrgID`, `aws:ResourceOrgPaths`, each present only for an
    /// account of the organization.
    pub fn context(&self, principal: Option<AccountId>, resource: Option<AccountId>) -> Context {
        let mut context = Context::new();
        for (account, id_key, paths_key) in [
            (principal, "aws:PrincipalOrgID", "aws:PrincipalOrgPaths"),
            (resource, "aws:ResourceOrgID", "aws:ResourceOrgPaths"),
        ] {
            if let Some(a) = account.and_then(|a| self.accounts.get(&a)) {
                context.insert(id_key, self.id.as_str());
                context.insert(paths_key, vec![a.org_path.clone()]);
            }
        }
        context
    }

    /// `request` and `policies` as the organization governs them: its condition
    /// keys added (over none the request sets) and the caller's SCP path and the
    /// resource's RCP path set.
    pub fn govern(&self, request: Request, policies: &mut PolicySet) -> Request {
        let principal = request.caller().account();
        let resource = request.owning_account();
        if let Some(a) = principal {
            policies.service_control = self.scp_path(a);
        }
        if let Some(a) = resource {
            policies.resource_control = self.rcp_path(a);
        }
        let mut request = request;
        for (k, v) in self.context(principal, resource).iter() {
            request = request.with_default(k, v.clone());
        }
        request
    }
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
