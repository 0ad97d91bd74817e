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
//!
//! - this module: the organization as declared, and its builders;
//! - `check`: the checks and the compilation of every account's paths;
//! - `compiled`: [`CompiledOrganization`], what the evaluator and the STS read.

mod check;
mod compiled;

pub use compiled::CompiledOrganization;

use xrole_core::AccountId;
use xrole_core::policy::{Effect, PolicyDocument, Principal, Statement};

/// Problems in an organization, each at its place (`ous[2].parent`).
pub type OrgError = xrole_core::Problems<xrole_core::Placed>;

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

    /// The RCPs in force at a level where `attached` are attached: always
    /// `RCPFullAWSAccess` first, since Organizations attaches it to every root,
    /// OU and account and it cannot be detached (Organizations guide, "Resource
    /// control policies":
    /// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html>),
    /// then the others. A level listing it (by name, or its statements under any
    /// `Id`) keeps one copy.
    pub fn rcp_level(attached: impl IntoIterator<Item = OrgPolicy>) -> Vec<OrgPolicy> {
        let full = Self::rcp_full_aws_access();
        let is_full = |p: &OrgPolicy| {
            let mut doc = p.doc.clone();
            doc.id = None;
            p.name == full.name || doc.equivalent(&full.doc)
        };
        std::iter::once(full.clone())
            .chain(attached.into_iter().filter(|p| !is_full(p)))
            .collect()
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

    /// The policy's document.
    pub fn document(&self) -> &PolicyDocument {
        &self.doc
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
}
