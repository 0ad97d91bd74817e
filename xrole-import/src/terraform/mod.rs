//! A Terraform plan (`terraform show -json PLAN`) applied to a world: the IAM
//! resources as they will be once applied (`planned_values`, modules included),
//! for the account the plan applies to, over what the world already holds (an
//! export of that account, say).
//!
//! What each resource change does to the world (`resource_changes[].change.
//! actions`): `create`, `update` and a replacement put the planned resource in,
//! over one of the same ARN; `delete` takes it out (by its values `before`);
//! `no-op` and `read` leave the world's version where it has one (an export
//! already shows it). An attachment, inline policy or membership of an owner the
//! plan does not change goes to the world's owner.
//!
//! Fields read: `name`, `path`, `tags`, `permissions_boundary` (`""` is none),
//! and per type `assume_role_policy`, `max_session_duration`, `inline_policy`
//! (entries with an empty name or policy are none) and `managed_policy_arns`
//! (roles); `policy` (policies and inline policies); `role`, `user`, `group`,
//! `policy_arn`, `groups`, `users` (attachments and memberships); `bucket`,
//! `queue_url`, `arn`, `secret_arn` and `policy` (resource policies, in
//! `resources.rs`). Documents are
//! the attributes' JSON text, whatever wrote them (`jsonencode`, a heredoc,
//! `data.aws_iam_policy_document.X.json`).
//!
//! A value Terraform knows only after apply (`after_unknown`) is never guessed:
//! the resource is left out (a role the world had is taken out too, so that no
//! answer reads its old trust) and named in [`PlanImport::unjudged`], and the
//! rest of the plan is read. A role's, user's or policy's ARN follows from its
//! account, path and name, so a root-module reference to such a resource's
//! `arn`, `name` or `id` resolves through it. An AWS managed policy attached but
//! in no input is named there too, and the principal judged without it.
//!
//! The account is the one given, or the one the plan names (the AWS providers'
//! `allowed_account_ids`, ARNs of its prior state, `data.aws_caller_identity`).

mod delete;
mod owners;
mod plan;
mod resources;

use std::collections::HashMap;

use serde_json::Value;
use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{AccountId, Partition, PolicyArn, PrincipalArn, RoleArn};

use super::{Attach, FileProblems, Holder, Pending};
use delete::delete;
use owners::Owners;
use plan::{Named, Plan, Planned};
use xrole_iam::world::{Group, Role, User, World, WorldError};

/// What a plan's import could not judge, and the account it was read for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanImport {
    /// The account the plan applies to: given, or named by the plan.
    pub account: AccountId,
    /// Each resource left out or judged in part, and why:
    /// `aws_iam_role.etl_worker: assume_role_policy known only after apply`.
    pub unjudged: Vec<String>,
}

struct Reader<'p, 'f> {
    account: AccountId,
    partition: Partition,
    /// The default AWS provider's region, when the plan gives it.
    region: Option<String>,
    p: &'p mut FileProblems<'f>,
    references: HashMap<(String, String), Vec<String>>,
    /// Address to the name and, for roles, users and policies, the ARN.
    known: HashMap<String, (String, Option<String>)>,
    unjudged: Vec<String>,
}

impl Reader<'_, '_> {
    /// A text attribute: known, resolved through a reference, or unjudged.
    fn text(&mut self, r: &Planned<'_>, at: &str, attr: &str) -> Option<String> {
        if let Some(v) = r.values.get(attr).and_then(Value::as_str) {
            return Some(v.to_owned());
        }
        let unknown = r
            .unknown
            .and_then(|u| u.get(attr))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if unknown {
            if let Some(v) = self.resolve(&r.address, attr) {
                return Some(v);
            }
            self.unjudged
                .push(format!("{}: {attr} known only after apply", r.address));
        } else {
            self.p.at(&format!("{at}.values.{attr}"), "must be text");
        }
        None
    }

    /// An optional text attribute: `Ok(None)` when unset, `Err(())` when it is
    /// known only after apply (named in the unjudged list): a condition that
    /// would narrow access is never dropped.
    fn optional(&mut self, r: &Planned<'_>, at: &str, attr: &str) -> Result<Option<String>, ()> {
        let unknown = r
            .unknown
            .and_then(|u| u.get(attr))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        match r.values.get(attr) {
            Some(Value::String(v)) if !v.is_empty() => Ok(Some(v.clone())),
            _ if unknown => self.text(r, at, attr).map(Some).ok_or(()),
            None | Some(Value::Null) | Some(Value::String(_)) => Ok(None),
            Some(_) => {
                self.p.at(&format!("{at}.values.{attr}"), "must be text");
                Err(())
            }
        }
    }

    /// The region a resource lives in: its own `region` (AWS provider 6), else
    /// the default provider's.
    fn region_of(&self, r: &Planned<'_>) -> Option<String> {
        r.values
            .get("region")
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .or_else(|| self.region.clone())
    }

    /// A value of an attribute that references a role, user, group or policy of
    /// the plan (`aws_iam_policy.x.arn`): the name or ARN that resource will have.
    fn resolve(&self, address: &str, attr: &str) -> Option<String> {
        let refs = self
            .references
            .get(&(address.to_owned(), attr.to_owned()))?;
        refs.iter().find_map(|r| {
            let (target, field) = r.rsplit_once('.')?;
            let (name, arn) = self.known.get(target)?;
            match field {
                "arn" => arn.clone(),
                "name" | "id" => Some(name.clone()),
                _ => None,
            }
        })
    }

    /// A policy document in an attribute's JSON text.
    fn document(
        &mut self,
        r: &Planned<'_>,
        at: &str,
        attr: &str,
        kind: PolicyKind,
    ) -> Option<PolicyDocument> {
        let text = self.text(r, at, attr)?;
        PolicyDocument::from_json(&text)
            .and_then(|d| d.validate(kind).map(|()| d))
            .map_err(|e| self.p.at(&format!("{at}.values.{attr}"), e))
            .ok()
    }

    /// The ARN a role, user or policy `name` under `path` has in the account.
    fn arn(&self, kind: &str, name: &str, path: &str) -> Result<Option<String>, xrole_core::Error> {
        let path_and_name = format!("{}{name}", path.trim_start_matches('/'));
        let (partition, account) = (self.partition, self.account);
        Ok(Some(match kind {
            "aws_iam_role" => RoleArn::new(partition, account, &path_and_name)?.to_string(),
            "aws_iam_user" => PrincipalArn::user(partition, account, &path_and_name)?.to_string(),
            "aws_iam_policy" => {
                PolicyArn::customer(partition, account, &path_and_name)?.to_string()
            }
            _ => return Ok(None),
        }))
    }

    /// An attached managed policy, unless it is an AWS managed policy no input
    /// holds: then the holder is judged without it, which is said.
    fn available(
        &mut self,
        world: &World,
        address: &str,
        arn: &PolicyArn,
        planned: &[PolicyArn],
    ) -> bool {
        if !arn.is_aws_managed() || world.has_managed_policy(arn) || planned.contains(arn) {
            return true;
        }
        self.unjudged.push(format!(
            "{address}: {arn} is attached but in no input, so it is judged without it; add an export that lists it (aws iam get-account-authorization-details) or a world file's managedPolicies"
        ));
        false
    }
}

fn path_of(values: &Value) -> &str {
    values.get("path").and_then(Value::as_str).unwrap_or("/")
}

/// The account the plan applies to: `given`, else the one it names.
fn account_of(
    root: &Value,
    given: Option<AccountId>,
    p: &mut FileProblems<'_>,
) -> Option<(AccountId, Partition, Option<String>)> {
    let named = Named::read(root);
    let partition = match named.partitions.iter().collect::<Vec<_>>().as_slice() {
        [one] => **one,
        _ => Partition::Aws,
    };
    let account = match (given, named.accounts.iter().collect::<Vec<_>>().as_slice()) {
        (Some(a), []) => a,
        (Some(a), [one]) if **one == a => a,
        (Some(a), many) => {
            let list: Vec<String> = many.iter().map(ToString::to_string).collect();
            p.at(
                "$",
                format!(
                    "the plan names account {}, not {a} as given",
                    list.join(", ")
                ),
            );
            return None;
        }
        (None, [one]) => **one,
        (None, []) => {
            p.at(
                "$",
                "the plan names no account (allowed_account_ids, ARNs of its prior state, data.aws_caller_identity): give the account it applies to (--account-id)",
            );
            return None;
        }
        (None, many) => {
            let list: Vec<String> = many.iter().map(ToString::to_string).collect();
            p.at(
                "$",
                format!(
                    "the plan names several accounts ({}): give the one it applies to (--account-id)",
                    list.join(", ")
                ),
            );
            return None;
        }
    };
    Some((account, partition, named.region))
}

/// Reads a Terraform plan's JSON (`terraform show -json PLAN`, from the file named
/// `file` in problems) into `world`, for `account` or the account the plan names:
/// users, groups and their memberships, managed policies, roles with their inline
/// and attached policies, each created, replaced, kept or removed as the plan's
/// changes say. Every problem of the file is reported at once, with its JSON path
/// and the resource's address; what could not be judged is listed in the answer.
pub fn import_terraform_plan(
    world: &mut World,
    file: &str,
    json: &str,
    account: Option<AccountId>,
) -> Result<PlanImport, WorldError> {
    match serde_json::from_str::<Value>(json) {
        Ok(root) => terraform_plan(world, file, &root, account),
        Err(_) => {
            let mut p = FileProblems::new(file);
            p.at("$", "not a plan's JSON (terraform show -json PLAN)");
            Err(p.into_error())
        }
    }
}

/// [`import_terraform_plan`] of a plan already parsed.
pub(crate) fn terraform_plan(
    world: &mut World,
    file: &str,
    root: &Value,
    account: Option<AccountId>,
) -> Result<PlanImport, WorldError> {
    let mut p = FileProblems::new(file);
    if !root.is_object() {
        p.at("$", "not a plan's JSON (terraform show -json PLAN)");
        return Err(p.into_error());
    }
    let Some(module) = root.pointer("/planned_values/root_module") else {
        p.at(
            "$.planned_values.root_module",
            "missing: is this a plan's JSON (terraform show -json PLAN)?",
        );
        return Err(p.into_error());
    };
    let Some((account, partition, region)) = account_of(root, account, &mut p) else {
        return Err(p.into_error());
    };
    let plan = Plan::read(root, module);
    let mut reader = Reader {
        account,
        partition,
        region,
        p: &mut p,
        references: plan.references,
        known: HashMap::new(),
        unjudged: Vec::new(),
    };
    // Names and ARNs first: attachments and memberships refer to them.
    for (at, r) in &plan.resources {
        if !matches!(
            r.kind,
            "aws_iam_role" | "aws_iam_user" | "aws_iam_group" | "aws_iam_policy"
        ) {
            continue;
        }
        if let Some(name) = reader.text(r, at, "name") {
            match reader.arn(r.kind, &name, path_of(r.values)) {
                Ok(arn) => {
                    reader.known.insert(r.address.clone(), (name, arn));
                }
                Err(e) => reader.p.at(&format!("{at}.values.name"), e),
            }
        }
    }
    let mut owners = Owners::of(world, account);
    delete(world, &plan.deleted, &mut reader, &mut owners);
    // Attachments, inline policies and memberships: every one for the owners the
    // plan builds; the changed ones for owners the world keeps.
    let mut all = Pending::default();
    let mut changed = Pending::default();
    for (at, r) in &plan.resources {
        for (kind, owner, what, owner_at, missing) in attachments(r, at, &mut reader) {
            if !r.action.keeps() {
                changed.add(
                    kind,
                    &owner,
                    what.clone(),
                    owner_at.clone(),
                    missing.clone(),
                );
            }
            all.add(kind, &owner, what, owner_at, missing);
        }
    }
    let planned_policies: Vec<PolicyArn> = plan
        .resources
        .iter()
        .filter(|(_, r)| r.kind == "aws_iam_policy")
        .filter_map(|(_, r)| reader.known.get(&r.address)?.1.as_deref()?.parse().ok())
        .collect();
    // A resource's problem is placed at its plan entry, named by its address.
    let put = |at: &str,
               address: &str,
               result: Result<&mut World, WorldError>,
               p: &mut FileProblems<'_>| {
        if let Err(e) = result {
            p.nested(&format!("{at} ({address})"), e);
        }
    };
    // Managed policies, groups, users, roles: each before what may refer to it.
    for order in [
        "aws_iam_policy",
        "aws_iam_group",
        "aws_iam_user",
        "aws_iam_role",
    ] {
        for (at, r) in plan.resources.iter().filter(|(_, r)| r.kind == order) {
            let Some((name, arn)) = reader.known.get(&r.address).cloned() else {
                continue;
            };
            match r.kind {
                "aws_iam_policy" => {
                    let Ok(arn) = arn.unwrap_or_default().parse::<PolicyArn>() else {
                        continue;
                    };
                    if r.action.keeps() && world.has_managed_policy(&arn) {
                        continue;
                    }
                    if let Some(doc) = reader.document(r, at, "policy", PolicyKind::Identity) {
                        put(
                            at,
                            &r.address,
                            world.replace_managed_policy(arn, doc),
                            reader.p,
                        );
                    }
                }
                "aws_iam_group" => {
                    if r.action.keeps() && world.group(account, &name).is_some() {
                        continue;
                    }
                    changed.take("group", &name);
                    let attached = all.take("group", &name);
                    let group = Group::new(account, &name).attach_all(reader.attachable(
                        world,
                        &r.address,
                        attached,
                        &planned_policies,
                    ));
                    put(at, &r.address, world.replace_group(group), reader.p);
                }
                "aws_iam_user" => {
                    let Some(arn) = arn.and_then(|a| PrincipalArn::parse(&a).ok()) else {
                        continue;
                    };
                    if r.action.keeps() && world.user(&arn).is_some() {
                        continue;
                    }
                    changed.take("user", &name);
                    let user = User::new(arn.clone()).map(|mut u| {
                        for (k, v) in tags(r.values) {
                            u = u.tag(&k, &v);
                        }
                        if let Some(b) = boundary(r, at, &mut reader, world, &planned_policies) {
                            u = u.permissions_boundary(b);
                        }
                        let attached = all.take("user", &name);
                        u.attach_all(reader.attachable(
                            world,
                            &r.address,
                            attached,
                            &planned_policies,
                        ))
                    });
                    match user {
                        Ok(u) => put(at, &r.address, world.replace_user(u), reader.p),
                        Err(e) => reader.p.nested(&format!("{at}.values.name"), e),
                    }
                    owners.users.insert(name, arn);
                }
                "aws_iam_role" => {
                    let Some(arn) = arn.and_then(|a| RoleArn::parse(&a).ok()) else {
                        continue;
                    };
                    owners.roles.insert(name.clone(), arn.clone());
                    if r.action.keeps() && world.role(&arn).is_some() {
                        continue;
                    }
                    changed.take("role", &name);
                    let attached = all.take("role", &name);
                    match role(r, at, arn.clone(), &mut reader, world, &planned_policies) {
                        Some(role) => {
                            let role = role.attach_all(reader.attachable(
                                world,
                                &r.address,
                                attached,
                                &planned_policies,
                            ));
                            put(at, &r.address, world.replace_role(role), reader.p);
                        }
                        // What cannot be known must not be judged by the world's
                        // old version either.
                        None => {
                            world.remove_role(&arn);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // The changed attachments of owners the world keeps; an owner nobody has
    // is reported with the rest.
    for ((kind, owner), list) in changed.drain() {
        if !owners.has(world, kind, &owner) {
            continue;
        }
        all.take(kind, &owner);
        if let Err(e) = owners.attach(world, kind, &owner, list, &mut reader, &planned_policies) {
            reader.p.nested(&format!("{kind} {owner}"), e);
        }
    }
    // Unchanged attachments of owners the world has: the export shows them.
    for (kind, owner) in all.owners() {
        if owners.has(world, kind, &owner) {
            all.take(kind, &owner);
        }
    }
    all.report(reader.p);
    resources::resource_policies(world, &plan.resources, &mut reader);
    let unjudged = std::mem::take(&mut reader.unjudged);
    p.into_result().map(|()| PlanImport { account, unjudged })
}

/// The attachments one planned resource gives its owners: the owner's kind and
/// name, what it gets, and the place and words of the problem if it never comes.
fn attachments(
    r: &Planned<'_>,
    at: &str,
    reader: &mut Reader<'_, '_>,
) -> Vec<(&'static str, String, Attach, String, String)> {
    let owner_attr = match r.kind {
        "aws_iam_role_policy" | "aws_iam_role_policy_attachment" => "role",
        "aws_iam_user_policy"
        | "aws_iam_user_policy_attachment"
        | "aws_iam_user_group_membership" => "user",
        "aws_iam_group_policy" | "aws_iam_group_policy_attachment" | "aws_iam_group_membership" => {
            "group"
        }
        _ => return Vec::new(),
    };
    let Some(owner) = reader.text(r, at, owner_attr) else {
        return Vec::new();
    };
    let owner_at = format!("{at}.values.{owner_attr}");
    let missing = format!("{owner_attr} {owner:?} is in neither the plan nor the inputs");
    let strings = |attr: &str| -> Vec<String> {
        r.values
            .get(attr)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    match r.kind {
        "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
            let (Some(name), Some(doc)) = (
                reader.text(r, at, "name"),
                reader.document(r, at, "policy", PolicyKind::Identity),
            ) else {
                return Vec::new();
            };
            vec![(
                owner_attr,
                owner,
                Attach::Inline(name, Box::new(doc)),
                owner_at,
                missing,
            )]
        }
        "aws_iam_user_group_membership" => strings("groups")
            .into_iter()
            .map(|g| {
                (
                    "user",
                    owner.clone(),
                    Attach::Member(g),
                    owner_at.clone(),
                    missing.clone(),
                )
            })
            .collect(),
        "aws_iam_group_membership" => strings("users")
            .into_iter()
            .map(|u| {
                let missing = format!("user {u:?} is in neither the plan nor the inputs");
                (
                    "user",
                    u,
                    Attach::Member(owner.clone()),
                    format!("{at}.values.users"),
                    missing,
                )
            })
            .collect(),
        _ => {
            let Some(arn) = reader.text(r, at, "policy_arn") else {
                return Vec::new();
            };
            match PolicyArn::parse(&arn) {
                Ok(a) => vec![(owner_attr, owner, Attach::Managed(a), owner_at, missing)],
                Err(e) => {
                    reader.p.at(&format!("{at}.values.policy_arn"), e);
                    Vec::new()
                }
            }
        }
    }
}

impl Reader<'_, '_> {
    /// The attachments of `attached` that can be made: a managed policy must be
    /// in some input (one that is not is named as not judged).
    fn attachable(
        &mut self,
        world: &World,
        address: &str,
        attached: Vec<Attach>,
        planned: &[PolicyArn],
    ) -> Vec<Attach> {
        attached
            .into_iter()
            .filter(|a| match a {
                Attach::Managed(arn) => self.available(world, address, arn, planned),
                _ => true,
            })
            .collect()
    }
}

/// A planned role, or `None` when its trust cannot be known or read.
fn role(
    r: &Planned<'_>,
    at: &str,
    arn: RoleArn,
    reader: &mut Reader<'_, '_>,
    world: &World,
    planned: &[PolicyArn],
) -> Option<Role> {
    let trust = reader.document(r, at, "assume_role_policy", PolicyKind::Trust)?;
    let mut role = Role::new(arn, trust);
    if let Some(max) = r.values.get("max_session_duration").and_then(Value::as_u64) {
        role = role.max_session_duration(u32::try_from(max).unwrap_or(u32::MAX));
    }
    for (k, v) in tags(r.values) {
        role = role.tag(&k, &v);
    }
    if let Some(b) = boundary(r, at, reader, world, planned) {
        role = role.permissions_boundary(b);
    }
    for (i, inline) in r
        .values
        .get("inline_policy")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let text = |k: &str| {
            inline
                .get(k)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
        };
        // The provider's zero value: an entry with no name and no policy.
        let (Some(name), Some(policy)) = (text("name"), text("policy")) else {
            continue;
        };
        match PolicyDocument::from_json(policy) {
            Ok(doc) => role = role.attach(Attach::Inline(name.to_owned(), Box::new(doc))),
            Err(e) => reader
                .p
                .at(&format!("{at}.values.inline_policy[{i}].policy"), e),
        }
    }
    for (i, a) in r
        .values
        .get("managed_policy_arns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        match a.as_str().map(PolicyArn::parse) {
            Some(Ok(a)) => {
                if reader.available(world, &r.address, &a, planned) {
                    role = role.attach(Attach::Managed(a));
                }
            }
            _ => reader.p.at(
                &format!("{at}.values.managed_policy_arns[{i}]"),
                "must be a policy ARN",
            ),
        }
    }
    Some(role)
}

/// `tags` (a map).
fn tags(values: &Value) -> Vec<(String, String)> {
    values
        .get("tags")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
        .collect()
}

/// `permissions_boundary`, when set (the provider writes `""` for none).
fn boundary(
    r: &Planned<'_>,
    at: &str,
    reader: &mut Reader<'_, '_>,
    world: &World,
    planned: &[PolicyArn],
) -> Option<PolicyArn> {
    let has = r
        .values
        .get("permissions_boundary")
        .is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
        || r.unknown
            .and_then(|u| u.get("permissions_boundary"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
    if !has {
        return None;
    }
    let text = reader.text(r, at, "permissions_boundary")?;
    let arn = PolicyArn::parse(&text)
        .map_err(|e| reader.p.at(&format!("{at}.values.permissions_boundary"), e))
        .ok()?;
    reader
        .available(world, &r.address, &arn, planned)
        .then_some(arn)
}
