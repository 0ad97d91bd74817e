//! The JSON world file: its shape, read strictly (unknown fields, duplicate keys and
//! a top level that is not an object are errors), then built through the same
//! calls as a world made in code, each problem prefixed with its place.

use jsonwebtoken::jwk::JwkSet;
use serde::Deserialize;
use xrole_core::Placed;
use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{AccountId, Partition, PolicyArn, PrincipalArn, RoleArn};

use super::WorldError;
use super::entities::{AccessKey, Group, MfaDevice, Role, User};
use super::identity_center::{IdentityCenter, PermissionSet};
use super::resources::Resource;
use super::store::World;
use super::web_identity::OidcProvider;
use crate::org::{OrgAccount, OrgPolicy, OrgUnit, Organization};

impl World {
    /// Loads a JSON world file.
    ///
    #[doc = include_str!("../../docs/world-file.md")]
    pub fn from_json(json: &str) -> Result<Self, WorldError> {
        // serde reads a struct from an array too: `[]` would be an empty world.
        if !json.trim_start().starts_with('{') {
            return Err(super::problem(Placed::unplaced(
                "world file: the top level must be an object ({\"users\": [...], \"roles\": [...], ...})",
            )));
        }
        let file: WorldFile = serde_json::from_str(json)
            .map_err(|e| super::problem(Placed::unplaced(format_args!("world file: {e}"))))?;
        file.build()
    }
}

/// A JSON object's entries in the order written, duplicates kept, so that the
/// world's rules (not serde's last-wins) decide about a name given twice.
struct Entries<V>(Vec<(String, V)>);

impl<V> Default for Entries<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<V> Entries<V> {
    fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// The JSON world file.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WorldFile {
    #[serde(default)]
    managed_policies: Entries<serde_json::Value>,
    #[serde(default)]
    groups: Vec<GroupFile>,
    #[serde(default)]
    users: Vec<UserFile>,
    #[serde(default)]
    roles: Vec<RoleFile>,
    #[serde(default)]
    disabled_regions: Entries<Vec<String>>,
    organization: Option<OrganizationFile>,
    #[serde(default)]
    oidc_providers: Vec<OidcProviderFile>,
    #[serde(default)]
    resources: Vec<ResourceFile>,
    identity_center: Option<IdentityCenterFile>,
}

/// The `identityCenter` key: the instance, its users, permission sets and
/// account assignments.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IdentityCenterFile {
    start_url: String,
    region: String,
    #[serde(default)]
    users: Vec<String>,
    #[serde(default)]
    permission_sets: Vec<PermissionSetFile>,
    #[serde(default)]
    assignments: Vec<AssignmentFile>,
}

/// A permission set: its policies and session duration (seconds; AWS writes
/// it as an ISO 8601 duration, `PT8H` is 28800).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PermissionSetFile {
    name: String,
    inline_policy: Option<serde_json::Value>,
    #[serde(default)]
    managed_policies: Vec<String>,
    permissions_boundary: Option<String>,
    session_duration_seconds: Option<u32>,
}

/// An account assignment.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AssignmentFile {
    user: String,
    account: String,
    permission_set: String,
}

impl IdentityCenterFile {
    fn build(&self, world: &mut World) -> Result<(), WorldError> {
        let at = "identityCenter";
        let mut here = Places::default();
        let mut center =
            IdentityCenter::new(&self.start_url, &self.region).map_err(|e| e.within(at))?;
        for user in &self.users {
            center = center.user(user);
        }
        for (i, s) in self.permission_sets.iter().enumerate() {
            let at = format!("{at}.permissionSets[{i}]");
            let Some(mut set) = here.take(PermissionSet::new(&s.name).map_err(|e| e.within(&at)))
            else {
                continue;
            };
            if let Some(v) = &s.inline_policy
                && let Some(d) =
                    here.take(doc(&format!("{at}.inlinePolicy"), v, PolicyKind::Identity))
            {
                set = set.inline_policy(d);
            }
            for (j, arn) in s.managed_policies.iter().enumerate() {
                if let Some(a) =
                    here.take(managed(world, &format!("{at}.managedPolicies[{j}]"), arn))
                {
                    set = set.managed_policy(a);
                }
            }
            if let Some(b) = &s.permissions_boundary
                && let Some(a) = here.take(managed(world, &format!("{at}.permissionsBoundary"), b))
            {
                set = set.permissions_boundary(a);
            }
            if let Some(secs) = s.session_duration_seconds {
                set = set.session_duration(secs);
            }
            center = center.permission_set(set);
        }
        for (i, a) in self.assignments.iter().enumerate() {
            if let Some(account) = here.take(
                AccountId::parse(&a.account)
                    .map_err(super::at(format!("{at}.assignments[{i}].account"))),
            ) {
                center = center.assign(&a.user, account, &a.permission_set);
            }
        }
        // A part refused: the instance is not set half-built.
        if here.0.is_empty() {
            here.add(at, world.set_identity_center(center).map(drop));
        }
        if here.0.is_empty() {
            Ok(())
        } else {
            Err(super::problems(here.0))
        }
    }
}

/// A resource: its ARN, a bucket's owner, its policy and tags.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResourceFile {
    arn: String,
    owner: Option<String>,
    policy: Option<serde_json::Value>,
    #[serde(default)]
    tags: Entries<String>,
    partition_key: Option<String>,
}

/// An OIDC provider: its account, issuer URL, client ids and inline JWKS.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OidcProviderFile {
    #[serde(default)]
    partition: Option<String>,
    account: String,
    url: String,
    client_ids: Vec<String>,
    jwks: serde_json::Value,
}

/// The `organization` key.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OrganizationFile {
    id: String,
    management_account: String,
    roots: Vec<TargetFile>,
    #[serde(default)]
    ous: Vec<TargetFile>,
    #[serde(default)]
    accounts: Vec<TargetFile>,
}

/// A root, an OU (`name` and `parent`) or an account (`parent`), with the policies
/// attached to it: documents, or names of managed policies.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TargetFile {
    id: String,
    name: Option<String>,
    parent: Option<String>,
    scps: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    rcps: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GroupFile {
    account: String,
    name: String,
    #[serde(default)]
    policies: Entries<serde_json::Value>,
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
    policies: Entries<serde_json::Value>,
    #[serde(default)]
    managed_policies: Vec<String>,
    #[serde(default)]
    tags: Entries<String>,
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
    policies: Entries<serde_json::Value>,
    #[serde(default)]
    managed_policies: Vec<String>,
    max_session_duration: Option<u32>,
    #[serde(default)]
    tags: Entries<String>,
    permissions_boundary: Option<String>,
}

/// A document at `at`, valid for `kind`.
fn doc(
    at: &str,
    value: &serde_json::Value,
    kind: PolicyKind,
) -> Result<PolicyDocument, WorldError> {
    PolicyDocument::from_value(value)
        .and_then(|d| d.validate(kind).map(|()| d))
        .map_err(super::at(at))
}

/// A managed policy's ARN at `at`, of a policy the world has.
fn managed(world: &World, at: &str, text: &str) -> Result<PolicyArn, WorldError> {
    let arn = policy_arn(at, text)?;
    if !world.has_managed_policy(&arn) {
        return Err(super::problem(Placed::new(
            at,
            format!("managed policy {arn} is not in the world (list it under managedPolicies)"),
        )));
    }
    Ok(arn)
}

/// The problems of one entity of the file, each at its place: every one is
/// found before the entity is given up.
#[derive(Default)]
struct Places(Vec<Placed>);

impl Places {
    /// The value, or its problems kept.
    fn take<T>(&mut self, r: Result<T, WorldError>) -> Option<T> {
        r.map_err(|e| self.0.extend(e.problems().iter().cloned()))
            .ok()
    }

    /// Hands the problems found, if any, to `collect`.
    fn report(self, collect: &mut impl FnMut(Result<(), WorldError>)) {
        if !self.0.is_empty() {
            collect(Err(super::problems(self.0)));
        }
    }

    /// What the world says of the whole entity, at `at`, unless a part of it was
    /// already refused (then the entity was incomplete: its parts' problems say why).
    fn add(&mut self, at: &str, r: Result<(), WorldError>) {
        if self.0.is_empty()
            && let Err(e) = r
        {
            self.0.extend(e.within(at).into_problems());
        }
    }
}

fn policy_arn(at: &str, text: &str) -> Result<PolicyArn, WorldError> {
    PolicyArn::parse(text).map_err(super::at(at))
}

impl WorldFile {
    fn build(self) -> Result<World, WorldError> {
        let mut world = World::new();
        let mut problems = Vec::new();
        let mut collect = |r: Result<(), WorldError>| {
            if let Err(e) = r {
                problems.extend(e.problems().iter().cloned());
            }
        };
        for (arn, value) in self.managed_policies.iter() {
            collect((|| {
                let at = format!("managedPolicies[{arn:?}]");
                let doc = PolicyDocument::from_value(value).map_err(super::at(&at))?;
                world
                    .add_managed_policy(policy_arn(&at, arn)?, doc)
                    .map_err(|e| e.within(&at))?;
                Ok(())
            })());
        }
        for (i, g) in self.groups.iter().enumerate() {
            let at = format!("groups[{i}]");
            let mut here = Places::default();
            let Some(account) =
                here.take(AccountId::parse(&g.account).map_err(super::at(format!("{at}.account"))))
            else {
                here.report(&mut collect);
                continue;
            };
            let mut group = Group::new(account, &g.name);
            for (name, v) in g.policies.iter() {
                if let Some(d) = here.take(doc(
                    &format!("{at}.policies[{name:?}]"),
                    v,
                    PolicyKind::Identity,
                )) {
                    group = group.policy(name, d);
                }
            }
            for (j, arn) in g.managed_policies.iter().enumerate() {
                if let Some(a) =
                    here.take(managed(&world, &format!("{at}.managedPolicies[{j}]"), arn))
                {
                    group = group.managed_policy(a);
                }
            }
            here.add(&at, world.add_group(group).map(drop));
            here.report(&mut collect);
        }
        for (i, u) in self.users.iter().enumerate() {
            let at = format!("users[{i}]");
            let mut here = Places::default();
            let Some(mut user) = here.take(
                PrincipalArn::parse(&u.arn)
                    .map_err(super::at(format!("{at}.arn")))
                    .and_then(|arn| User::new(arn).map_err(|e| e.within(&format!("{at}.arn")))),
            ) else {
                here.report(&mut collect);
                continue;
            };
            for key in &u.access_keys {
                user = user.access_key(key.clone());
            }
            for (j, g) in u.groups.iter().enumerate() {
                match user.arn().account().and_then(|a| world.group(a, g)) {
                    Some(_) => user = user.group(g),
                    None => here.0.push(Placed::new(
                        format_args!("{at}.groups[{j}]"),
                        format_args!("group {g} is not in the world (list it under groups)"),
                    )),
                }
            }
            for (name, v) in u.policies.iter() {
                if let Some(d) = here.take(doc(
                    &format!("{at}.policies[{name:?}]"),
                    v,
                    PolicyKind::Identity,
                )) {
                    user = user.policy(name, d);
                }
            }
            for (j, arn) in u.managed_policies.iter().enumerate() {
                if let Some(a) =
                    here.take(managed(&world, &format!("{at}.managedPolicies[{j}]"), arn))
                {
                    user = user.managed_policy(a);
                }
            }
            for (k, v) in u.tags.iter() {
                user = user.tag(k, v);
            }
            for d in &u.mfa_devices {
                user = user.mfa_device(d.clone());
            }
            if let Some(b) = &u.permissions_boundary
                && let Some(a) = here.take(managed(&world, &format!("{at}.permissionsBoundary"), b))
            {
                user = user.permissions_boundary(a);
            }
            here.add(&at, world.add_user(user).map(drop));
            here.report(&mut collect);
        }
        for (i, r) in self.roles.iter().enumerate() {
            let at = format!("roles[{i}]");
            let mut here = Places::default();
            let arn = here.take(RoleArn::parse(&r.arn).map_err(super::at(format!("{at}.arn"))));
            let trust = here.take(doc(
                &format!("{at}.trustPolicy"),
                &r.trust_policy,
                PolicyKind::Trust,
            ));
            let (Some(arn), Some(trust)) = (arn, trust) else {
                here.report(&mut collect);
                continue;
            };
            let mut role = Role::new(arn, trust);
            for (name, v) in r.policies.iter() {
                if let Some(d) = here.take(doc(
                    &format!("{at}.policies[{name:?}]"),
                    v,
                    PolicyKind::Identity,
                )) {
                    role = role.policy(name, d);
                }
            }
            for (j, arn) in r.managed_policies.iter().enumerate() {
                if let Some(a) =
                    here.take(managed(&world, &format!("{at}.managedPolicies[{j}]"), arn))
                {
                    role = role.managed_policy(a);
                }
            }
            if let Some(max) = r.max_session_duration {
                role = role.max_session_duration(max);
            }
            for (k, v) in r.tags.iter() {
                role = role.tag(k, v);
            }
            if let Some(b) = &r.permissions_boundary
                && let Some(a) = here.take(managed(&world, &format!("{at}.permissionsBoundary"), b))
            {
                role = role.permissions_boundary(a);
            }
            here.add(&at, world.add_role(role).map(drop));
            here.report(&mut collect);
        }
        if let Some(center) = &self.identity_center {
            collect(center.build(&mut world));
        }
        for (i, r) in self.resources.iter().enumerate() {
            collect((|| {
                let at = format!("resources[{i}]");
                let mut resource =
                    Resource::new(&r.arn).map_err(|e| e.within(&format!("{at}.arn")))?;
                if let Some(owner) = &r.owner {
                    resource = resource
                        .owner(AccountId::parse(owner).map_err(super::at(format!("{at}.owner")))?);
                }
                if let Some(p) = &r.policy {
                    resource =
                        resource.policy(doc(&format!("{at}.policy"), p, PolicyKind::Resource)?);
                }
                for (k, v) in r.tags.iter() {
                    resource = resource.tag(k, v);
                }
                if let Some(key) = &r.partition_key {
                    resource = resource.partition_key(key);
                }
                world.add_resource(resource).map_err(|e| e.within(&at))?;
                Ok(())
            })());
        }
        for (account, regions) in self.disabled_regions.iter() {
            collect((|| {
                let id = AccountId::parse(account).map_err(super::at("disabledRegions"))?;
                for r in regions {
                    world.disable_region(id, r);
                }
                Ok(())
            })());
        }
        for (i, p) in self.oidc_providers.iter().enumerate() {
            collect((|| {
                let at = format!("oidcProviders[{i}]");
                let account =
                    AccountId::parse(&p.account).map_err(super::at(format!("{at}.account")))?;
                let jwks: JwkSet = serde_json::from_value(p.jwks.clone()).map_err(|e| {
                    super::problem(Placed::new(
                        format!("{at}.jwks"),
                        format!("not a JWKS ({{\"keys\": [...]}}): {e}"),
                    ))
                })?;
                let partition = match &p.partition {
                    Some(name) => {
                        Partition::parse(name).map_err(super::at(format!("{at}.partition")))?
                    }
                    None => Partition::Aws,
                };
                let provider = OidcProvider::in_partition(
                    partition,
                    account,
                    &p.url,
                    p.client_ids.clone(),
                    jwks,
                )
                .map_err(|e| e.within(&at))?;
                world
                    .add_oidc_provider(provider)
                    .map_err(|e| e.within(&at))?;
                Ok(())
            })());
        }
        if let Some(org) = &self.organization {
            collect(org.build(&world).and_then(|org| {
                // The organization's own problems, placed as the file wrote them.
                world.set_organization(&org).map_err(|e| {
                    let place = |p: Placed| match p.place().starts_with("organization.") {
                        true => p,
                        false => {
                            Placed::new(format_args!("organization.{}", p.place()), p.message())
                        }
                    };
                    super::problems(e.into_problems().into_iter().map(place).collect())
                })?;
                Ok(())
            }));
        }
        if problems.is_empty() {
            Ok(world)
        } else {
            Err(super::problems(problems))
        }
    }
}

impl OrganizationFile {
    fn build(&self, world: &World) -> Result<Organization, WorldError> {
        let mut problems = Vec::new();
        let management = AccountId::parse(&self.management_account)
            .map_err(|e| problems.push(Placed::new("organization.managementAccount", e)))
            .ok();
        let mut policies = |at: &str, t: &TargetFile| -> (Option<Vec<OrgPolicy>>, Vec<OrgPolicy>) {
            let mut list = |field: &str, values: &[serde_json::Value]| -> Vec<OrgPolicy> {
                values
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| {
                        let place = format!("{at}.{field}[{i}]");
                        org_policy(world, &place, v)
                            .map_err(|why| problems.push(Placed::new(&place, why)))
                            .ok()
                    })
                    .collect()
            };
            let scps = t.scps.as_deref().map(|v| list("scps", v));
            (scps, list("rcps", &t.rcps))
        };
        let mut targets = Vec::new();
        for (field, list) in [
            ("roots", &self.roots),
            ("ous", &self.ous),
            ("accounts", &self.accounts),
        ] {
            for (i, t) in list.iter().enumerate() {
                let at = format!("organization.{field}[{i}]");
                let (scps, rcps) = policies(&at, t);
                targets.push((field, at, t, scps, rcps));
            }
        }
        let mut org = Organization::without_root(
            &self.id,
            management.unwrap_or(AccountId::from_static("000000000000")),
        );
        for (field, at, t, scps, rcps) in targets {
            let expect = |key: &str, present: bool, wanted: bool| {
                (present != wanted).then(|| {
                    Placed::new(
                        format_args!("{at}.{key}"),
                        format_args!(
                            "{} {}",
                            if wanted {
                                "is required for"
                            } else {
                                "is not part of"
                            },
                            match field {
                                "roots" => "a root",
                                "ous" => "an OU",
                                _ => "an account",
                            }
                        ),
                    )
                })
            };
            problems.extend(expect("name", t.name.is_some(), field == "ous"));
            problems.extend(expect("parent", t.parent.is_some(), field != "roots"));
            let parent = t.parent.as_deref().unwrap_or_default();
            macro_rules! attach {
                ($unit:expr) => {{
                    let mut unit = $unit.declared_at(&at);
                    if let Some(scps) = scps {
                        unit = unit.no_scps();
                        for p in scps {
                            unit = unit.scp(p);
                        }
                    }
                    for p in rcps {
                        unit = unit.rcp(p);
                    }
                    unit
                }};
            }
            org = match field {
                "roots" => org.add_root(attach!(OrgUnit::root(&t.id))),
                "ous" => org.ou(attach!(OrgUnit::new(
                    &t.id,
                    t.name.as_deref().unwrap_or_default(),
                    parent
                ))),
                _ => match AccountId::parse(&t.id) {
                    Ok(id) => org.account(attach!(OrgAccount::new(id, parent))),
                    Err(e) => {
                        problems.push(Placed::new(format!("{at}.id"), e));
                        org
                    }
                },
            };
        }
        if !problems.is_empty() {
            return Err(super::problems(problems));
        }
        Ok(org)
    }
}

/// One entry of `scps` or `rcps`: a document (named by its `Id`, else by its
/// place) or the name of a managed policy.
fn org_policy(world: &World, place: &str, value: &serde_json::Value) -> Result<OrgPolicy, String> {
    match value {
        serde_json::Value::String(name) => {
            if let Some(p) = OrgPolicy::aws_managed(name) {
                return Ok(p);
            }
            let doc = world.managed_document(name)?;
            Ok(OrgPolicy::new(
                name.rsplit('/').next().unwrap_or(name),
                doc.clone(),
            ))
        }
        v => {
            let doc = PolicyDocument::from_value(v).map_err(|e| e.to_string())?;
            let name = doc.id.clone().unwrap_or_else(|| place.to_owned());
            Ok(OrgPolicy::new(&name, doc))
        }
    }
}
