//! The world the embedded STS serves: accounts with their users, groups, roles and
//! managed policies.
//!
//! Build it in code, load it from a JSON world file ([`World::from_json`]), create
//! roles straight from a [`RoleSpec`] ([`World::add_role_from_spec`]) or from the
//! policy files a repository keeps ([`Role::from_policy_files`]). Every policy is
//! validated for its kind when it enters the world, and compiled once.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{AccountId, PolicyArn, PrincipalArn, PrincipalKind, RoleArn, RoleSpec};

use super::keys;
use crate::eval::CompiledPolicy;

/// Problems in a world description, each with where it is.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct WorldError {
    problems: Vec<String>,
}

impl WorldError {
    fn one(problem: impl Into<String>) -> Self {
        Self {
            problems: vec![problem.into()],
        }
    }

    /// The problems, each prefixed by its place (`roles[0].trustPolicy: ...`).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for WorldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "world: {one}"),
            many => {
                write!(f, "world: {} problems", many.len())?;
                for p in many {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for WorldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A long-term access key of a user.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct AccessKey {
    /// The key id (`AKIA...`).
    pub id: String,
    secret: String,
}

impl AccessKey {
    /// A key with this id and secret.
    pub fn new(id: &str, secret: &str) -> Self {
        Self {
            id: id.to_owned(),
            secret: secret.to_owned(),
        }
    }

    /// A fresh, random-looking key.
    pub fn generate() -> Self {
        Self {
            id: keys::access_key_id("AKIA"),
            secret: keys::secret_access_key(),
        }
    }

    /// The secret, to sign with.
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("secret", &"** redacted **")
            .finish()
    }
}

/// A virtual MFA device. The embedded STS accepts its configured six-digit code.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct MfaDevice {
    /// The serial number or device ARN.
    pub serial: String,
    code: String,
}

impl MfaDevice {
    /// A device that accepts `code`.
    pub fn new(serial: &str, code: &str) -> Self {
        Self {
            serial: serial.to_owned(),
            code: code.to_owned(),
        }
    }

    pub(crate) fn accepts(&self, code: &str) -> bool {
        self.code == code
    }
}

impl fmt::Debug for MfaDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MfaDevice")
            .field("serial", &self.serial)
            .field("code", &"******")
            .finish()
    }
}

/// Inline policies by name, as written and compiled.
#[derive(Clone, Debug, Default)]
struct Inline {
    docs: Vec<(String, PolicyDocument)>,
}

/// An IAM user.
#[derive(Clone, Debug)]
pub struct User {
    arn: PrincipalArn,
    access_keys: Vec<AccessKey>,
    groups: Vec<String>,
    inline: Inline,
    managed: Vec<PolicyArn>,
    tags: Vec<(String, String)>,
    mfa_devices: Vec<MfaDevice>,
    boundary: Option<PolicyArn>,
}

impl User {
    /// A user named by its ARN (`arn:aws:iam::111111111111:user/alice`).
    pub fn new(arn: &str) -> Result<Self, WorldError> {
        let arn = PrincipalArn::parse(arn).map_err(|e| WorldError::one(e.to_string()))?;
        if arn.kind() != PrincipalKind::User {
            return Err(WorldError::one(format!(
                "{arn} is not a user ARN (arn:aws:iam::ACCOUNT:user/NAME)"
            )));
        }
        Ok(Self {
            arn,
            access_keys: Vec::new(),
            groups: Vec::new(),
            inline: Inline::default(),
            managed: Vec::new(),
            tags: Vec::new(),
            mfa_devices: Vec::new(),
            boundary: None,
        })
    }
    /// Adds an access key.
    pub fn access_key(mut self, key: AccessKey) -> Self {
        self.access_keys.push(key);
        self
    }
    /// Adds the user to a group of its account, by name.
    pub fn group(mut self, name: &str) -> Self {
        self.groups.push(name.to_owned());
        self
    }
    /// Adds an inline policy.
    pub fn policy(mut self, name: &str, doc: PolicyDocument) -> Self {
        self.inline.docs.push((name.to_owned(), doc));
        self
    }
    /// Attaches a managed policy.
    pub fn managed_policy(mut self, arn: PolicyArn) -> Self {
        self.managed.push(arn);
        self
    }
    /// Adds a tag (`aws:PrincipalTag/key`).
    pub fn tag(mut self, key: &str, value: &str) -> Self {
        self.tags.push((key.to_owned(), value.to_owned()));
        self
    }
    /// Adds an MFA device.
    pub fn mfa_device(mut self, device: MfaDevice) -> Self {
        self.mfa_devices.push(device);
        self
    }
    /// Sets the permissions boundary.
    pub fn permissions_boundary(mut self, arn: PolicyArn) -> Self {
        self.boundary = Some(arn);
        self
    }
    /// The ARN.
    pub fn arn(&self) -> &PrincipalArn {
        &self.arn
    }
    /// The access keys.
    pub fn access_keys(&self) -> &[AccessKey] {
        &self.access_keys
    }
    /// The tags.
    pub fn tags(&self) -> &[(String, String)] {
        &self.tags
    }
    /// The inline policies, by name.
    pub fn policies(&self) -> &[(String, PolicyDocument)] {
        &self.inline.docs
    }
    /// The managed policies attached.
    pub fn managed_policies(&self) -> &[PolicyArn] {
        &self.managed
    }
    /// The groups it belongs to.
    pub fn groups(&self) -> &[String] {
        &self.groups
    }
    /// The MFA devices.
    pub fn mfa_devices(&self) -> &[MfaDevice] {
        &self.mfa_devices
    }
    /// The permissions boundary.
    pub fn boundary(&self) -> Option<&PolicyArn> {
        self.boundary.as_ref()
    }
    pub(crate) fn mfa_device_for(&self, serial: &str) -> Option<&MfaDevice> {
        self.mfa_devices.iter().find(|d| d.serial == serial)
    }
}

/// An IAM group: policies shared by its users.
#[derive(Clone, Debug)]
pub struct Group {
    account: AccountId,
    name: String,
    inline: Inline,
    managed: Vec<PolicyArn>,
}

impl Group {
    /// A group `name` in `account`.
    pub fn new(account: AccountId, name: &str) -> Self {
        Self {
            account,
            name: name.to_owned(),
            inline: Inline::default(),
            managed: Vec::new(),
        }
    }
    /// Adds an inline policy.
    pub fn policy(mut self, name: &str, doc: PolicyDocument) -> Self {
        self.inline.docs.push((name.to_owned(), doc));
        self
    }
    /// Attaches a managed policy.
    pub fn managed_policy(mut self, arn: PolicyArn) -> Self {
        self.managed.push(arn);
        self
    }
}

/// An IAM role.
#[derive(Clone, Debug)]
pub struct Role {
    arn: RoleArn,
    trust: PolicyDocument,
    inline: Inline,
    managed: Vec<PolicyArn>,
    max_session_duration: u32,
    tags: Vec<(String, String)>,
    boundary: Option<PolicyArn>,
}

impl Role {
    /// A role with its trust policy; sessions last at most one hour until
    /// [`max_session_duration`](Self::max_session_duration) says otherwise.
    pub fn new(arn: RoleArn, trust_policy: PolicyDocument) -> Self {
        Self {
            arn,
            trust: trust_policy,
            inline: Inline::default(),
            managed: Vec::new(),
            max_session_duration: 3600,
            tags: Vec::new(),
            boundary: None,
        }
    }

    /// A role from the policy files a repository keeps: the trust policy and any
    /// number of permission policies (each inline, named after its file).
    pub fn from_policy_files(
        arn: RoleArn,
        trust: &Path,
        permissions: &[&Path],
    ) -> Result<Self, WorldError> {
        let read = |path: &Path| -> Result<PolicyDocument, WorldError> {
            let text = std::fs::read_to_string(path)
                .map_err(|e| WorldError::one(format!("{}: cannot read: {e}", path.display())))?;
            PolicyDocument::from_json(&text)
                .map_err(|e| WorldError::one(format!("{}: {e}", path.display())))
        };
        let mut role = Role::new(arn, read(trust)?);
        for path in permissions {
            let name = path
                .file_stem()
                .map_or_else(|| "policy".into(), |s| s.to_string_lossy().into_owned());
            role = role.policy(&name, read(path)?);
        }
        Ok(role)
    }

    /// Adds an inline permission policy.
    pub fn policy(mut self, name: &str, doc: PolicyDocument) -> Self {
        self.inline.docs.push((name.to_owned(), doc));
        self
    }
    /// Attaches a managed permission policy.
    pub fn managed_policy(mut self, arn: PolicyArn) -> Self {
        self.managed.push(arn);
        self
    }
    /// Sets the longest session STS grants for this role (3600 to 43200 seconds).
    pub fn max_session_duration(mut self, secs: u32) -> Self {
        self.max_session_duration = secs;
        self
    }
    /// Adds a tag (a principal tag of its sessions, unless a session tag overrides it).
    pub fn tag(mut self, key: &str, value: &str) -> Self {
        self.tags.push((key.to_owned(), value.to_owned()));
        self
    }
    /// Sets the permissions boundary.
    pub fn permissions_boundary(mut self, arn: PolicyArn) -> Self {
        self.boundary = Some(arn);
        self
    }
    /// The ARN.
    pub fn arn(&self) -> &RoleArn {
        &self.arn
    }
    /// The trust policy.
    pub fn trust_policy(&self) -> &PolicyDocument {
        &self.trust
    }
    /// The longest session, in seconds.
    pub fn max_session_secs(&self) -> u32 {
        self.max_session_duration
    }
    /// The tags.
    pub fn tags(&self) -> &[(String, String)] {
        &self.tags
    }
    /// The inline policies, by name.
    pub fn policies(&self) -> &[(String, PolicyDocument)] {
        &self.inline.docs
    }
    /// The managed policies attached.
    pub fn managed_policies(&self) -> &[PolicyArn] {
        &self.managed
    }
    /// The permissions boundary.
    pub fn boundary(&self) -> Option<&PolicyArn> {
        self.boundary.as_ref()
    }
}

/// Compiled policies of one entity.
#[derive(Clone, Debug, Default)]
pub(crate) struct Compiled {
    pub(crate) identity: Vec<CompiledPolicy>,
    pub(crate) boundary: Option<CompiledPolicy>,
}

#[derive(Clone, Debug)]
struct Stored<T> {
    entity: T,
    compiled: Compiled,
}

/// Accounts with their users, groups, roles and managed policies.
#[derive(Clone, Debug, Default)]
pub struct World {
    users: Vec<Stored<User>>,
    groups: Vec<Group>,
    roles: Vec<(Role, CompiledPolicy, Compiled)>,
    managed: BTreeMap<String, (PolicyDocument, CompiledPolicy)>,
    disabled_regions: Vec<(AccountId, String)>,
    keys: HashMap<String, usize>,
}

fn compile(
    label: String,
    doc: &PolicyDocument,
    kind: PolicyKind,
) -> Result<CompiledPolicy, WorldError> {
    CompiledPolicy::new(label.clone(), doc, kind)
        .map_err(|e| WorldError::one(format!("{label}: {e}")))
}

impl World {
    /// An empty world.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a managed policy (customer managed, or an AWS managed policy you want to
    /// model, such as `arn:aws:iam::aws:policy/ReadOnlyAccess`).
    pub fn add_managed_policy(
        &mut self,
        arn: PolicyArn,
        doc: PolicyDocument,
    ) -> Result<&mut Self, WorldError> {
        let compiled = compile(format!("managed policy {arn}"), &doc, PolicyKind::Identity)?;
        self.managed.insert(arn.to_string(), (doc, compiled));
        Ok(self)
    }

    fn managed_compiled(&self, arn: &PolicyArn, owner: &str) -> Result<CompiledPolicy, WorldError> {
        self.managed
            .get(arn.as_str())
            .map(|(_, c)| c.clone())
            .ok_or_else(|| {
                WorldError::one(format!(
                    "{owner}: managed policy {arn} is not in the world; add it first"
                ))
            })
    }

    fn compile_identity(
        &self,
        owner: &str,
        inline: &Inline,
        managed: &[PolicyArn],
    ) -> Result<Vec<CompiledPolicy>, WorldError> {
        let mut out = Vec::new();
        for (name, doc) in &inline.docs {
            out.push(compile(
                format!("{owner} inline policy {name}"),
                doc,
                PolicyKind::Identity,
            )?);
        }
        for arn in managed {
            out.push(self.managed_compiled(arn, owner)?);
        }
        Ok(out)
    }

    /// Adds a group (before the users that belong to it).
    pub fn add_group(&mut self, group: Group) -> Result<&mut Self, WorldError> {
        let owner = format!("group {} of {}", group.name, group.account);
        self.compile_identity(&owner, &group.inline, &group.managed)?;
        self.groups
            .retain(|g| !(g.account == group.account && g.name == group.name));
        self.groups.push(group);
        Ok(self)
    }

    /// Adds a user (replacing one with the same ARN). A user without an access key
    /// is given one.
    pub fn add_user(&mut self, mut user: User) -> Result<&mut Self, WorldError> {
        if user.access_keys.is_empty() {
            user.access_keys.push(AccessKey::generate());
        }
        let owner = user.arn.to_string();
        let account = user.arn.account();
        let mut identity = self.compile_identity(&owner, &user.inline, &user.managed)?;
        for name in &user.groups {
            let group = self
                .groups
                .iter()
                .find(|g| Some(g.account) == account && &g.name == name)
                .ok_or_else(|| {
                    WorldError::one(format!(
                        "{owner}: group {name} is not in the world; add it first"
                    ))
                })?;
            identity.extend(self.compile_identity(
                &format!("group {name}"),
                &group.inline,
                &group.managed,
            )?);
        }
        let boundary = user
            .boundary
            .as_ref()
            .map(|b| self.managed_compiled(b, &owner))
            .transpose()?;
        for key in &user.access_keys {
            if let Some(&other) = self.keys.get(&key.id)
                && self
                    .users
                    .get(other)
                    .is_some_and(|u| u.entity.arn != user.arn)
            {
                return Err(WorldError::one(format!(
                    "{owner}: access key {} already belongs to another user",
                    key.id
                )));
            }
        }
        self.users.retain(|u| u.entity.arn != user.arn);
        self.users.push(Stored {
            entity: user,
            compiled: Compiled { identity, boundary },
        });
        self.reindex_keys();
        Ok(self)
    }

    fn reindex_keys(&mut self) {
        self.keys = self
            .users
            .iter()
            .enumerate()
            .flat_map(|(i, u)| u.entity.access_keys.iter().map(move |k| (k.id.clone(), i)))
            .collect();
    }

    /// Adds a role (replacing one with the same ARN).
    pub fn add_role(&mut self, role: Role) -> Result<&mut Self, WorldError> {
        let owner = role.arn.to_string();
        if !(3600..=43_200).contains(&role.max_session_duration) {
            return Err(WorldError::one(format!(
                "{owner}: the maximum session duration must be 3600 to 43200 seconds, found {}",
                role.max_session_duration
            )));
        }
        let trust = compile(
            format!("trust policy of {owner}"),
            &role.trust,
            PolicyKind::Trust,
        )?;
        let identity = self.compile_identity(&owner, &role.inline, &role.managed)?;
        let boundary = role
            .boundary
            .as_ref()
            .map(|b| self.managed_compiled(b, &owner))
            .transpose()?;
        self.roles.retain(|(r, _, _)| r.arn != role.arn);
        self.roles
            .push((role, trust, Compiled { identity, boundary }));
        Ok(self)
    }

    /// Creates the role a [`RoleSpec`] declares: its generated trust policy and
    /// permission policy, and its maximum session duration raised to the declared
    /// duration. The caller policy is attached to every trusted user or role already
    /// in the world (an account root delegates to its account: attach it yourself
    /// with [`attach_caller_policy`](Self::attach_caller_policy)).
    pub fn add_role_from_spec(&mut self, spec: &RoleSpec) -> Result<&mut Self, WorldError> {
        let trust = spec
            .trust_policy()
            .map_err(|e| WorldError::one(e.to_string()))?;
        let mut role = Role::new(spec.role.clone(), trust);
        if let Ok(permissions) = spec.permission_policy() {
            role = role.policy("xrole-permissions", permissions);
        }
        if let Some(d) = spec.duration {
            role = role.max_session_duration(d.as_secs().max(3600));
        }
        self.add_role(role)?;
        for principal in spec.trusted.iter() {
            if matches!(principal.kind(), PrincipalKind::User | PrincipalKind::Role)
                && self.has_principal(principal)
            {
                self.attach_caller_policy(principal, spec)?;
            }
        }
        Ok(self)
    }

    fn has_principal(&self, principal: &PrincipalArn) -> bool {
        self.users.iter().any(|u| &u.entity.arn == principal)
            || principal
                .to_role_arn()
                .is_some_and(|r| self.role(&r).is_some())
    }

    /// Attaches `spec`'s caller policy (`sts:AssumeRole` on its role) to a user or
    /// role of the world, as an inline policy named `xrole-assume-ACCOUNT-ROLENAME`
    /// (one per role: a fleet's roles share a name across accounts).
    pub fn attach_caller_policy(
        &mut self,
        principal: &PrincipalArn,
        spec: &RoleSpec,
    ) -> Result<&mut Self, WorldError> {
        let name = format!("xrole-assume-{}-{}", spec.role.account(), spec.role.name());
        let doc = spec.caller_policy();
        if let Some(user) = self.users.iter().find(|u| &u.entity.arn == principal) {
            let mut user = user.entity.clone();
            user.inline.docs.retain(|(n, _)| *n != name);
            return self.add_user(user.policy(&name, doc));
        }
        if let Some(role_arn) = principal.to_role_arn()
            && let Some(role) = self.role(&role_arn)
        {
            let mut role = role.clone();
            role.inline.docs.retain(|(n, _)| *n != name);
            return self.add_role(role.policy(&name, doc));
        }
        Err(WorldError::one(format!(
            "{principal} is neither a user nor a role of the world"
        )))
    }

    /// Makes STS refuse requests signed for `region` by principals of `account`.
    pub fn disable_region(&mut self, account: AccountId, region: &str) -> &mut Self {
        self.disabled_regions.push((account, region.to_owned()));
        self
    }

    /// The user with this ARN.
    pub fn user(&self, arn: &PrincipalArn) -> Option<&User> {
        self.users.iter().map(|u| &u.entity).find(|u| &u.arn == arn)
    }

    /// The role with this ARN.
    pub fn role(&self, arn: &RoleArn) -> Option<&Role> {
        self.roles.iter().map(|(r, _, _)| r).find(|r| r.arn == *arn)
    }

    /// Every user.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.iter().map(|u| &u.entity)
    }

    /// Every role.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.iter().map(|(r, _, _)| r)
    }

    pub(crate) fn user_by_key(&self, key_id: &str) -> Option<(&User, &Compiled)> {
        self.keys
            .get(key_id)
            .and_then(|&i| self.users.get(i))
            .map(|u| (&u.entity, &u.compiled))
    }

    pub(crate) fn user_compiled(&self, arn: &PrincipalArn) -> Option<(&User, &Compiled)> {
        self.users
            .iter()
            .find(|u| &u.entity.arn == arn)
            .map(|u| (&u.entity, &u.compiled))
    }

    pub(crate) fn role_compiled(
        &self,
        arn: &RoleArn,
    ) -> Option<(&Role, &CompiledPolicy, &Compiled)> {
        self.roles
            .iter()
            .find(|(r, _, _)| r.arn == *arn)
            .map(|(r, t, c)| (r, t, c))
    }

    pub(crate) fn managed(&self, arn: &str) -> Option<&CompiledPolicy> {
        self.managed.get(arn).map(|(_, c)| c)
    }

    pub(crate) fn region_disabled(&self, account: AccountId, region: &str) -> bool {
        self.disabled_regions
            .iter()
            .any(|(a, r)| *a == account && r == region)
    }

    /// Loads a JSON world file (see the crate README for its shape).
    pub fn from_json(json: &str) -> Result<Self, WorldError> {
        let file: WorldFile =
            serde_json::from_str(json).map_err(|e| WorldError::one(format!("world file: {e}")))?;
        file.build()
    }
}

/// The JSON world file.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WorldFile {
    #[serde(default)]
    managed_policies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    groups: Vec<GroupFile>,
    #[serde(default)]
    users: Vec<UserFile>,
    #[serde(default)]
    roles: Vec<RoleFile>,
    #[serde(default)]
    disabled_regions: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GroupFile {
    account: String,
    name: String,
    #[serde(default)]
    policies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    managed_policies: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserFile {
    arn: String,
    #[serde(default)]
    access_keys: Vec<AccessKey>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    policies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    managed_policies: Vec<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    mfa_devices: Vec<MfaDevice>,
    permissions_boundary: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RoleFile {
    arn: String,
    trust_policy: serde_json::Value,
    #[serde(default)]
    policies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    managed_policies: Vec<String>,
    max_session_duration: Option<u32>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    permissions_boundary: Option<String>,
}

fn doc(at: &str, value: &serde_json::Value) -> Result<PolicyDocument, WorldError> {
    PolicyDocument::from_value(value).map_err(|e| WorldError::one(format!("{at}: {e}")))
}

fn policy_arn(at: &str, text: &str) -> Result<PolicyArn, WorldError> {
    PolicyArn::parse(text).map_err(|e| WorldError::one(format!("{at}: {e}")))
}

impl WorldFile {
    fn build(self) -> Result<World, WorldError> {
        let mut world = World::new();
        let mut problems = Vec::new();
        let mut collect = |r: Result<(), WorldError>| {
            if let Err(e) = r {
                problems.extend(e.problems);
            }
        };
        for (arn, value) in &self.managed_policies {
            collect((|| {
                let at = format!("managedPolicies[{arn:?}]");
                world.add_managed_policy(policy_arn(&at, arn)?, doc(&at, value)?)?;
                Ok(())
            })());
        }
        for (i, g) in self.groups.iter().enumerate() {
            collect((|| {
                let at = format!("groups[{i}]");
                let account = AccountId::parse(&g.account)
                    .map_err(|e| WorldError::one(format!("{at}.account: {e}")))?;
                let mut group = Group::new(account, &g.name);
                for (name, v) in &g.policies {
                    group = group.policy(name, doc(&format!("{at}.policies[{name:?}]"), v)?);
                }
                for arn in &g.managed_policies {
                    group =
                        group.managed_policy(policy_arn(&format!("{at}.managedPolicies"), arn)?);
                }
                world
                    .add_group(group)
                    .map_err(|e| WorldError::one(format!("{at}: {}", e.problems.join("; "))))?;
                Ok(())
            })());
        }
        for (i, u) in self.users.iter().enumerate() {
            collect((|| {
                let at = format!("users[{i}]");
                let mut user = User::new(&u.arn)
                    .map_err(|e| WorldError::one(format!("{at}.arn: {}", e.problems.join("; "))))?;
                for key in &u.access_keys {
                    user = user.access_key(key.clone());
                }
                for g in &u.groups {
                    user = user.group(g);
                }
                for (name, v) in &u.policies {
                    user = user.policy(name, doc(&format!("{at}.policies[{name:?}]"), v)?);
                }
                for arn in &u.managed_policies {
                    user = user.managed_policy(policy_arn(&format!("{at}.managedPolicies"), arn)?);
                }
                for (k, v) in &u.tags {
                    user = user.tag(k, v);
                }
                for d in &u.mfa_devices {
                    user = user.mfa_device(d.clone());
                }
                if let Some(b) = &u.permissions_boundary {
                    user = user
                        .permissions_boundary(policy_arn(&format!("{at}.permissionsBoundary"), b)?);
                }
                world
                    .add_user(user)
                    .map_err(|e| WorldError::one(format!("{at}: {}", e.problems.join("; "))))?;
                Ok(())
            })());
        }
        for (i, r) in self.roles.iter().enumerate() {
            collect((|| {
                let at = format!("roles[{i}]");
                let arn = RoleArn::parse(&r.arn)
                    .map_err(|e| WorldError::one(format!("{at}.arn: {e}")))?;
                let mut role = Role::new(arn, doc(&format!("{at}.trustPolicy"), &r.trust_policy)?);
                for (name, v) in &r.policies {
                    role = role.policy(name, doc(&format!("{at}.policies[{name:?}]"), v)?);
                }
                for arn in &r.managed_policies {
                    role = role.managed_policy(policy_arn(&format!("{at}.managedPolicies"), arn)?);
                }
                if let Some(max) = r.max_session_duration {
                    role = role.max_session_duration(max);
                }
                for (k, v) in &r.tags {
                    role = role.tag(k, v);
                }
                if let Some(b) = &r.permissions_boundary {
                    role = role
                        .permissions_boundary(policy_arn(&format!("{at}.permissionsBoundary"), b)?);
                }
                world
                    .add_role(role)
                    .map_err(|e| WorldError::one(format!("{at}: {}", e.problems.join("; "))))?;
                Ok(())
            })());
        }
        for (account, regions) in &self.disabled_regions {
            collect((|| {
                let id = AccountId::parse(account)
                    .map_err(|e| WorldError::one(format!("disabledRegions: {e}")))?;
                for r in regions {
                    world.disable_region(id, r);
                }
                Ok(())
            })());
        }
        if problems.is_empty() {
            Ok(world)
        } else {
            Err(WorldError { problems })
        }
    }
}
