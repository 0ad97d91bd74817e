//! [`World`]: the entities of every account, indexed for constant-time look-ups, and
//! the rules that span entities (unique ARNs, names and key ids; managed policies and
//! groups that exist). Adding is linear in what is added.

use std::collections::{BTreeMap, HashMap};

use xrole_core::Placed;
use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{AccountId, PolicyArn, PrincipalArn, PrincipalKind, RoleArn, RoleSpec};

use super::WorldError;
use super::entities::{AccessKey, Group, Inline, Role, User};
use super::resources::Resource;
use super::web_identity::OidcProvider;
use crate::eval::{CompiledPolicy, Context, OrgPath, PolicySet};
use crate::org::{CompiledOrganization, Organization};

/// Compiled policies of one entity.
#[derive(Clone, Debug, Default)]
pub struct Compiled {
    /// Its identity policies (inline, managed, its groups').
    pub identity: Vec<CompiledPolicy>,
    /// Its permissions boundary.
    pub boundary: Option<CompiledPolicy>,
}

impl Compiled {
    /// The documents a call by this entity's session is judged by, with the
    /// session's own policies.
    pub fn policy_set(&self, session: Vec<CompiledPolicy>) -> PolicySet {
        PolicySet {
            identity: self.identity.clone(),
            session,
            boundaries: self.boundary.iter().cloned().collect(),
            ..PolicySet::default()
        }
    }
}

/// The organization's part in a call by a principal of one account (or of none:
/// an identity provider, a service) on a resource of another or the same: its
/// condition keys, the caller's SCP path and the resource's RCP path.
pub struct OrgScope {
    context: Context,
    service_control: OrgPath,
    resource_control: OrgPath,
}

impl OrgScope {
    /// Sets the paths on `policies`; the condition keys are for the call.
    pub fn govern(self, policies: &mut PolicySet) -> Context {
        policies.service_control = self.service_control;
        policies.resource_control = self.resource_control;
        self.context
    }
}

#[derive(Clone, Debug)]
pub(super) struct StoredUser {
    pub(super) user: User,
    compiled: Compiled,
}

#[derive(Clone, Debug)]
pub(super) struct StoredRole {
    pub(super) role: Role,
    trust: CompiledPolicy,
    compiled: Compiled,
}

/// Accounts with their users, groups, roles and managed policies.
///
/// Each ARN, group name (per account), inline policy name (per entity) and access
/// key id is unique: adding a second one is an error, so nothing is replaced without
/// a word. [`replace_user`](Self::replace_user) and
/// [`replace_role`](Self::replace_role) change an entity on purpose.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub(super) users: Vec<StoredUser>,
    pub(super) user_index: HashMap<PrincipalArn, usize>,
    pub(super) groups: Vec<Group>,
    pub(super) group_index: HashMap<(AccountId, String), usize>,
    pub(super) roles: Vec<StoredRole>,
    pub(super) role_index: HashMap<RoleArn, usize>,
    /// Each managed policy's document, compiled as an identity policy when it is
    /// one (an SCP or RCP kept here is not).
    pub(super) managed: BTreeMap<String, (PolicyDocument, Result<CompiledPolicy, Placed>)>,
    organization: Option<CompiledOrganization>,
    disabled_regions: Vec<(AccountId, String)>,
    /// OIDC providers, one per account and issuer.
    oidc_providers: Vec<OidcProvider>,
    /// Resources with their compiled policies, by ARN.
    resources: BTreeMap<String, (Resource, Option<CompiledPolicy>)>,
    /// Access key id to the index of its user.
    pub(super) keys: HashMap<String, usize>,
    /// The IAM Identity Center instance, if any.
    pub(super) identity_center: Option<super::IdentityCenter>,
}

fn compile(
    label: String,
    doc: &PolicyDocument,
    kind: PolicyKind,
) -> Result<CompiledPolicy, WorldError> {
    CompiledPolicy::new(label.clone(), doc, kind).map_err(super::at(&label))
}

/// The problems found, or nothing.
fn checked(problems: Vec<Placed>) -> Result<(), WorldError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(super::problems(problems))
    }
}

impl World {
    /// An empty world.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a managed policy (customer managed, or an AWS managed policy you want to
    /// model, such as `arn:aws:iam::aws:policy/ReadOnlyAccess`). It must be a valid
    /// identity policy, or a service or resource control policy that the
    /// organization attaches by its ARN or name.
    pub fn add_managed_policy(
        &mut self,
        arn: PolicyArn,
        doc: PolicyDocument,
    ) -> Result<&mut Self, WorldError> {
        if self.managed.contains_key(arn.as_str()) {
            return Err(super::problem(Placed::unplaced(format_args!(
                "managed policy {arn} is already in the world"
            ))));
        }
        self.put_managed_policy(arn, doc)
    }

    /// Stores a managed policy's document, compiled, over any of that ARN.
    pub(super) fn put_managed_policy(
        &mut self,
        arn: PolicyArn,
        doc: PolicyDocument,
    ) -> Result<&mut Self, WorldError> {
        let label = format!("managed policy {arn}");
        let identity = CompiledPolicy::new(label.clone(), &doc, PolicyKind::Identity)
            .map_err(|e| Placed::new(&label, e));
        if let Err(why) = &identity
            && doc.validate(PolicyKind::ServiceControl).is_err()
            && doc.validate(PolicyKind::ResourceControl).is_err()
        {
            return Err(super::problem(why.clone()));
        }
        self.managed.insert(arn.to_string(), (doc, identity));
        Ok(self)
    }

    fn managed_compiled(&self, arn: &PolicyArn, owner: &str) -> Result<CompiledPolicy, WorldError> {
        match self.managed.get(arn.as_str()) {
            Some((_, Ok(c))) => Ok(c.clone()),
            Some((_, Err(why))) => Err(super::problem(Placed::new(
                owner,
                format!("{why} (it is not an identity policy)"),
            ))),
            None => Err(super::problem(Placed::new(
                owner,
                format!("managed policy {arn} is not in the world; add it first"),
            ))),
        }
    }

    /// The managed policy named by `reference`: its ARN, or the name at the end of
    /// its ARN when only one managed policy has it.
    #[doc(hidden)]
    pub fn managed_document(&self, reference: &str) -> Result<&PolicyDocument, String> {
        if let Some((doc, _)) = self.managed.get(reference) {
            return Ok(doc);
        }
        let mut named = self
            .managed
            .iter()
            .filter(|(arn, _)| arn.rsplit('/').next() == Some(reference));
        match (named.next(), named.next()) {
            (Some((_, (doc, _))), None) => Ok(doc),
            (Some((a, _)), Some((b, _))) => {
                Err(format!("{reference:?} names both {a} and {b}; use the ARN"))
            }
            _ => Err(format!(
                "{reference:?} is neither FullAWSAccess, RCPFullAWSAccess nor a managed policy of the world (by ARN or name)"
            )),
        }
    }

    /// Sets the organization the world's accounts belong to: the embedded STS then
    /// applies its SCPs and RCPs and fills its condition keys.
    pub fn set_organization(&mut self, org: &Organization) -> Result<&mut Self, WorldError> {
        let compiled = org
            .compile()
            .map_err(|e| super::problems(e.problems().to_vec()))?;
        self.organization = Some(compiled);
        Ok(self)
    }

    /// The organization, if the world has one.
    pub fn organization(&self) -> Option<&CompiledOrganization> {
        self.organization.as_ref()
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
        if self
            .group_index
            .contains_key(&(group.account, group.name.clone()))
        {
            return Err(super::problem(Placed::unplaced(format_args!(
                "group {} of {} is already in the world",
                group.name, group.account
            ))));
        }
        self.put_group(group)
    }

    /// Checks and stores a group, over any of its account and name.
    pub(super) fn put_group(&mut self, group: Group) -> Result<&mut Self, WorldError> {
        let owner = format!("group {} of {}", group.name, group.account);
        let mut problems = Vec::new();
        group.check(&mut problems);
        checked(problems)?;
        self.compile_identity(&owner, &group.inline, &group.managed)?;
        let key = (group.account, group.name.clone());
        match self.group_index.get(&key) {
            Some(&i) => self.groups[i] = group,
            None => {
                self.group_index.insert(key, self.groups.len());
                self.groups.push(group);
            }
        }
        Ok(self)
    }

    /// Adds a user. A user without an access key is given one.
    pub fn add_user(&mut self, user: User) -> Result<&mut Self, WorldError> {
        if self.user_index.contains_key(&user.arn) {
            return Err(super::problem(Placed::new(
                &user.arn,
                "a user with this ARN is already in the world (replace_user changes one)",
            )));
        }
        self.put_user(user)
    }

    /// Adds a user, or replaces the one with the same ARN.
    pub fn replace_user(&mut self, user: User) -> Result<&mut Self, WorldError> {
        self.put_user(user)
    }

    pub(super) fn put_user(&mut self, mut user: User) -> Result<&mut Self, WorldError> {
        if user.access_keys.is_empty() {
            user.access_keys.push(AccessKey::generate());
        }
        let owner = user.arn.to_string();
        let mut problems = Vec::new();
        user.check(&mut problems);
        let existing = self.user_index.get(&user.arn).copied();
        for key in &user.access_keys {
            if let Some(&other) = self.keys.get(&key.id)
                && Some(other) != existing
            {
                problems.push(Placed::new(
                    &owner,
                    format!(
                        "access key {} already belongs to {}",
                        key.id, self.users[other].user.arn
                    ),
                ));
            }
        }
        checked(problems)?;
        let account = user.arn.account();
        let mut identity = self.compile_identity(&owner, &user.inline, &user.managed)?;
        for name in &user.groups {
            let group = account
                .and_then(|a| self.group_index.get(&(a, name.clone())))
                .map(|&i| &self.groups[i])
                .ok_or_else(|| {
                    super::problem(Placed::new(
                        &owner,
                        format!("group {name} is not in the world; add it first"),
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
        let stored = StoredUser {
            user,
            compiled: Compiled { identity, boundary },
        };
        let index = match existing {
            Some(i) => {
                for key in &self.users[i].user.access_keys {
                    self.keys.remove(&key.id);
                }
                self.users[i] = stored;
                i
            }
            None => {
                self.user_index
                    .insert(stored.user.arn.clone(), self.users.len());
                self.users.push(stored);
                self.users.len() - 1
            }
        };
        for key in &self.users[index].user.access_keys {
            self.keys.insert(key.id.clone(), index);
        }
        Ok(self)
    }

    /// Adds a role.
    pub fn add_role(&mut self, role: Role) -> Result<&mut Self, WorldError> {
        if self.role_index.contains_key(&role.arn) {
            return Err(super::problem(Placed::new(
                &role.arn,
                "a role with this ARN is already in the world (replace_role changes one)",
            )));
        }
        self.put_role(role)
    }

    /// Adds a role, or replaces the one with the same ARN.
    pub fn replace_role(&mut self, role: Role) -> Result<&mut Self, WorldError> {
        self.put_role(role)
    }

    pub(super) fn put_role(&mut self, role: Role) -> Result<&mut Self, WorldError> {
        let owner = role.arn.to_string();
        let mut problems = Vec::new();
        role.check(&mut problems);
        checked(problems)?;
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
        let stored = StoredRole {
            trust,
            compiled: Compiled { identity, boundary },
            role,
        };
        match self.role_index.get(&stored.role.arn) {
            Some(&i) => self.roles[i] = stored,
            None => {
                self.role_index
                    .insert(stored.role.arn.clone(), self.roles.len());
                self.roles.push(stored);
            }
        }
        Ok(self)
    }

    /// Creates the role a [`RoleSpec`] declares: its generated trust policy and
    /// permission policy, and its maximum session duration raised to the declared
    /// duration. The caller policy is attached to every trusted user or role already
    /// in the world (an account root delegates to its account: attach it yourself
    /// with [`attach_caller_policy`](Self::attach_caller_policy)).
    pub fn add_role_from_spec(&mut self, spec: &RoleSpec) -> Result<&mut Self, WorldError> {
        let trust = spec.trust_policy().map_err(super::at(spec.role()))?;
        let mut role = Role::new(spec.role().clone(), trust);
        if let Ok(permissions) = spec.permission_policy() {
            role = role.policy("xrole-permissions", permissions);
        }
        if let Some(d) = spec.duration() {
            role = role.max_session_duration(d.as_secs().max(3600));
        }
        self.add_role(role)?;
        for principal in spec.trusted().iter() {
            if matches!(principal.kind(), PrincipalKind::User | PrincipalKind::Role)
                && self.has_principal(principal)
            {
                self.attach_caller_policy(principal, spec)?;
            }
        }
        Ok(self)
    }

    fn has_principal(&self, principal: &PrincipalArn) -> bool {
        self.user_index.contains_key(principal)
            || principal
                .to_role_arn()
                .is_some_and(|r| self.role_index.contains_key(&r))
    }

    /// Attaches `spec`'s caller policy (`sts:AssumeRole` on its role) to a user or
    /// role of the world, as an inline policy named `xrole-assume-ACCOUNT-ROLENAME`
    /// (one per role: a fleet's roles share a name across accounts), replacing an
    /// earlier one of that name.
    pub fn attach_caller_policy(
        &mut self,
        principal: &PrincipalArn,
        spec: &RoleSpec,
    ) -> Result<&mut Self, WorldError> {
        let name = format!(
            "xrole-assume-{}-{}",
            spec.role().account(),
            spec.role().name()
        );
        let doc = spec.caller_policy().map_err(super::at(spec.role()))?;
        if let Some(user) = self.user(principal) {
            let mut user = user.clone();
            user.inline.docs.retain(|(n, _)| *n != name);
            return self.replace_user(user.policy(&name, doc));
        }
        if let Some(role_arn) = principal.to_role_arn()
            && let Some(role) = self.role(&role_arn)
        {
            let mut role = role.clone();
            role.inline.docs.retain(|(n, _)| *n != name);
            return self.replace_role(role.policy(&name, doc));
        }
        Err(super::problem(Placed::unplaced(format_args!(
            "{principal} is neither a user nor a role of the world"
        ))))
    }

    /// The organization's scope of a call by a principal of `principal` (none for
    /// an identity provider or a service, which no SCP governs) on a resource of
    /// `resource`, if the world has an organization.
    #[doc(hidden)]
    pub fn org_scope(&self, principal: Option<AccountId>, resource: AccountId) -> Option<OrgScope> {
        self.organization().map(|org| OrgScope {
            context: org.context(principal, Some(resource)),
            service_control: principal.map(|p| org.scp_path(p)).unwrap_or_default(),
            resource_control: org.rcp_path(resource),
        })
    }

    /// Every user with its compiled policies.
    #[doc(hidden)]
    pub fn users_compiled(&self) -> impl Iterator<Item = (&User, &Compiled)> {
        self.users.iter().map(|u| (&u.user, &u.compiled))
    }

    /// Every role with its compiled trust and policies.
    #[doc(hidden)]
    pub fn roles_compiled(&self) -> impl Iterator<Item = (&Role, &CompiledPolicy, &Compiled)> {
        self.roles.iter().map(|r| (&r.role, &r.trust, &r.compiled))
    }

    /// Adds an OIDC identity provider: `AssumeRoleWithWebIdentity` accepts tokens of
    /// its issuer for roles of its account.
    pub fn add_oidc_provider(&mut self, provider: OidcProvider) -> Result<&mut Self, WorldError> {
        if self
            .oidc_providers
            .iter()
            .any(|p| p.arn() == provider.arn())
        {
            return Err(super::problem(Placed::new(
                provider.arn(),
                "an OIDC provider with this ARN is already in the world",
            )));
        }
        self.oidc_providers.push(provider);
        Ok(self)
    }

    /// Adds a resource with its policy and tags; every problem of it is reported,
    /// and its ARN must be new.
    pub fn add_resource(&mut self, resource: Resource) -> Result<&mut Self, WorldError> {
        let mut problems = Vec::new();
        let compiled = resource.check(&mut problems);
        if self.resources.contains_key(resource.arn()) {
            problems.push(Placed::new(
                resource.arn(),
                format!(
                    "a {} with this ARN is already in the world",
                    resource.kind()
                ),
            ));
        }
        checked(problems)?;
        self.resources
            .insert(resource.arn().to_owned(), (resource, compiled));
        Ok(self)
    }

    /// Adds `resource`, or replaces the one of its ARN (what a plan or a template
    /// sets wins over what an earlier input said).
    pub fn replace_resource(&mut self, resource: Resource) -> Result<&mut Self, WorldError> {
        let mut problems = Vec::new();
        let compiled = resource.check(&mut problems);
        checked(problems)?;
        self.resources
            .insert(resource.arn().to_owned(), (resource, compiled));
        Ok(self)
    }

    /// Removes the resource `arn` names, if the world has it.
    pub fn remove_resource(&mut self, arn: &str) -> Option<Resource> {
        self.resources.remove(arn).map(|(r, _)| r)
    }

    /// The resource that `arn` names or is under (an object's bucket), with its
    /// compiled policy: what a request on `arn` is judged against.
    pub fn resource_for(&self, arn: &str) -> Option<(&Resource, Option<&CompiledPolicy>)> {
        let found = self.resources.get(arn).or_else(|| {
            // An object is judged with its bucket's policy, an index or a
            // stream with its table's.
            let a = xrole_core::Arn::split(arn)?;
            let whole = match a.service {
                "s3" => a.resource.split_once('/')?.0,
                "dynamodb" => {
                    let name = a.resource.strip_prefix("table/")?.split('/').next()?;
                    &a.resource[..("table/".len() + name.len())]
                }
                _ => return None,
            };
            // The resource is the ARN's tail, so the whole's ARN is a prefix
            // of this one: looked up as a slice, never formatted.
            let len = arn.len() - a.resource.len() + whole.len();
            self.resources.get(arn.get(..len)?)
        });
        found.map(|(r, c)| (r, c.as_ref()))
    }

    /// Every resource.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.resources.values().map(|(r, _)| r)
    }

    /// The OIDC provider of `account` for the issuer `iss` (a token's claim, with
    /// its `https://`), if the account has one.
    pub fn oidc_provider(&self, account: AccountId, iss: &str) -> Option<&OidcProvider> {
        let iss = iss.strip_suffix('/').unwrap_or(iss);
        self.oidc_providers
            .iter()
            .find(|p| p.account() == account && p.url() == iss)
    }

    /// Every OIDC provider.
    pub fn oidc_providers(&self) -> impl Iterator<Item = &OidcProvider> {
        self.oidc_providers.iter()
    }

    /// Makes STS refuse requests signed for `region` by principals of `account`.
    pub fn disable_region(&mut self, account: AccountId, region: &str) -> &mut Self {
        if !self.region_disabled(account, region) {
            self.disabled_regions.push((account, region.to_owned()));
        }
        self
    }

    /// The user with this ARN.
    pub fn user(&self, arn: &PrincipalArn) -> Option<&User> {
        self.user_index.get(arn).map(|&i| &self.users[i].user)
    }

    /// The role with this ARN.
    pub fn role(&self, arn: &RoleArn) -> Option<&Role> {
        self.role_index.get(arn).map(|&i| &self.roles[i].role)
    }

    /// Every user.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.iter().map(|u| &u.user)
    }

    /// Every role.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.iter().map(|r| &r.role)
    }

    #[doc(hidden)]
    pub fn user_by_key(&self, key_id: &str) -> Option<(&User, &Compiled)> {
        self.keys
            .get(key_id)
            .map(|&i| (&self.users[i].user, &self.users[i].compiled))
    }

    #[doc(hidden)]
    pub fn user_compiled(&self, arn: &PrincipalArn) -> Option<(&User, &Compiled)> {
        self.user_index
            .get(arn)
            .map(|&i| (&self.users[i].user, &self.users[i].compiled))
    }

    #[doc(hidden)]
    pub fn role_compiled(&self, arn: &RoleArn) -> Option<(&Role, &CompiledPolicy, &Compiled)> {
        self.role_index.get(arn).map(|&i| {
            let r = &self.roles[i];
            (&r.role, &r.trust, &r.compiled)
        })
    }

    #[doc(hidden)]
    pub fn managed(&self, arn: &str) -> Option<&CompiledPolicy> {
        self.managed.get(arn).and_then(|(_, c)| c.as_ref().ok())
    }

    #[doc(hidden)]
    pub fn region_disabled(&self, account: AccountId, region: &str) -> bool {
        self.disabled_regions
            .iter()
            .any(|(a, r)| *a == account && r == region)
    }
}
