//! A Terraform plan (`terraform show -json PLAN`): the IAM resources as they will
//! be once applied (`planned_values`, modules included), for the account the
//! plan applies to. Documents are the attributes' JSON text, whatever wrote them
//! (`jsonencode`, a heredoc, `data.aws_iam_policy_document.X.json`).
//!
//! A value Terraform knows only after apply (`after_unknown`) is never guessed.
//! A role's, user's or policy's ARN follows from its account, path and name; a
//! reference in the root module's configuration to such a resource's `arn`,
//! `name` or `id` resolves through it. Any other unknown value is a problem named
//! by resource address and attribute.

use std::collections::HashMap;

use serde_json::Value;
use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{AccountId, PolicyArn, PrincipalArn, RoleArn};

use super::{Attach, Entities, FileProblems, Holder, Pending};
use crate::sts::{Group, Role, User, World, WorldError};

/// The resource types read; others are left alone.
const TYPES: [&str; 12] = [
    "aws_iam_policy",
    "aws_iam_group",
    "aws_iam_group_policy",
    "aws_iam_group_policy_attachment",
    "aws_iam_user",
    "aws_iam_user_policy",
    "aws_iam_user_policy_attachment",
    "aws_iam_user_group_membership",
    "aws_iam_group_membership",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
];

/// One planned resource: its address, type, values and what is unknown.
struct Planned<'v> {
    address: String,
    kind: &'v str,
    values: &'v Value,
    unknown: Option<&'v Value>,
}

/// The plan's resources of the types read, modules included, with their JSON
/// path for problems.
fn planned<'v>(module: &'v Value, path: &str, out: &mut Vec<(String, &'v Value)>) {
    if let Some(list) = module.get("resources").and_then(Value::as_array) {
        for (i, r) in list.iter().enumerate() {
            out.push((format!("{path}.resources[{i}]"), r));
        }
    }
    if let Some(children) = module.get("child_modules").and_then(Value::as_array) {
        for (i, c) in children.iter().enumerate() {
            planned(c, &format!("{path}.child_modules[{i}]"), out);
        }
    }
}

/// What the plan's resources resolve to: names and ARNs by address.
#[derive(Default)]
struct Known {
    /// `ADDRESS` to (name, ARN) of roles, users, groups and policies.
    by_address: HashMap<String, (String, String)>,
}

struct Reader<'p, 'f> {
    account: AccountId,
    p: &'p mut FileProblems<'f>,
    /// Root-module references by address and attribute (`aws_iam_policy.x.arn`).
    references: HashMap<(String, String), Vec<String>>,
    known: Known,
}

impl Reader<'_, '_> {
    /// A text attribute: known, resolved through a reference, or a problem.
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
            self.p.at(
                &format!("{at}.values.{attr}"),
                format!("{}.{attr} is known only after apply: give it a value the plan knows, or check the applied state", r.address),
            );
        } else {
            self.p.at(&format!("{at}.values.{attr}"), "must be text");
        }
        None
    }

    /// A value of an attribute that references a role, user, group or policy of
    /// the plan (`aws_iam_policy.x.arn`): the name or ARN that resource will have.
    fn resolve(&self, address: &str, attr: &str) -> Option<String> {
        let refs = self
            .references
            .get(&(address.to_owned(), attr.to_owned()))?;
        refs.iter().find_map(|r| {
            let (target, field) = r.rsplit_once('.')?;
            let (name, arn) = self.known.by_address.get(target)?;
            match field {
                "arn" => Some(arn.clone()),
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
        let doc = PolicyDocument::from_json(&text)
            .and_then(|d| d.validate(kind).map(|()| d))
            .map_err(|e| self.p.at(&format!("{at}.values.{attr}"), e))
            .ok()?;
        Some(doc)
    }

    fn path_of(r: &Planned<'_>) -> String {
        r.values
            .get("path")
            .and_then(Value::as_str)
            .unwrap_or("/")
            .to_owned()
    }
}

/// Reads a Terraform plan's JSON (`terraform show -json PLAN`, from the file named
/// `file` in problems) into `world`, for the account `account` it applies to:
/// users, groups and their memberships, managed policies, roles with their inline
/// and attached policies. Every problem of the file is reported at once, with its
/// JSON path and the resource's address.
pub fn import_terraform_plan(
    world: &mut World,
    file: &str,
    json: &str,
    account: AccountId,
) -> Result<(), WorldError> {
    let mut p = FileProblems::new(file);
    let root: Value = match serde_json::from_str(json) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) | Err(_) => {
            p.at("$", "not a plan's JSON (terraform show -json PLAN)");
            return p.into_result();
        }
    };
    let Some(module) = root.pointer("/planned_values/root_module") else {
        p.at(
            "$.planned_values.root_module",
            "missing: is this a plan's JSON (terraform show -json PLAN)?",
        );
        return p.into_result();
    };
    let mut found = Vec::new();
    planned(module, "$.planned_values.root_module", &mut found);
    // after_unknown by address.
    let mut unknown: HashMap<&str, &Value> = HashMap::new();
    for change in root
        .get("resource_changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(addr), Some(u)) = (
            change.get("address").and_then(Value::as_str),
            change.pointer("/change/after_unknown"),
        ) {
            unknown.insert(addr, u);
        }
    }
    // Root-module references: (address, attribute) to the references written.
    let mut references = HashMap::new();
    for r in root
        .pointer("/configuration/root_module/resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(addr) = r.get("address").and_then(Value::as_str) else {
            continue;
        };
        for (attr, expr) in r
            .get("expressions")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let refs: Vec<String> = expr
                .get("references")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            if !refs.is_empty() {
                references.insert((addr.to_owned(), attr.clone()), refs);
            }
        }
    }
    let resources: Vec<(String, Planned<'_>)> = found
        .into_iter()
        .filter_map(|(at, r)| {
            let kind = r.get("type").and_then(Value::as_str)?;
            (r.get("mode").and_then(Value::as_str) == Some("managed") && TYPES.contains(&kind))
                .then(|| {
                    let address = r
                        .get("address")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let planned = Planned {
                        unknown: unknown.get(address.as_str()).copied(),
                        address,
                        kind,
                        values: r.get("values").unwrap_or(&Value::Null),
                    };
                    (at, planned)
                })
        })
        .collect();
    let mut reader = Reader {
        account,
        p: &mut p,
        references,
        known: Known::default(),
    };
    // Names and ARNs first: attachments and memberships refer to them.
    for (at, r) in &resources {
        let (kind_in_arn, ok) = match r.kind {
            "aws_iam_role" => ("role", true),
            "aws_iam_user" => ("user", true),
            "aws_iam_group" => ("group", true),
            "aws_iam_policy" => ("policy", true),
            _ => ("", false),
        };
        if !ok {
            continue;
        }
        if let Some(name) = reader.text(r, at, "name") {
            let arn = format!(
                "arn:aws:iam::{}:{kind_in_arn}{}{name}",
                reader.account,
                Reader::path_of(r)
            );
            reader
                .known
                .by_address
                .insert(r.address.clone(), (name, arn));
        }
    }
    // Attachments, inline policies and memberships, waiting for their owners.
    let mut pending = Pending::default();
    for (at, r) in &resources {
        let owner_attr = match r.kind {
            "aws_iam_role_policy" | "aws_iam_role_policy_attachment" => "role",
            "aws_iam_user_policy"
            | "aws_iam_user_policy_attachment"
            | "aws_iam_user_group_membership" => "user",
            "aws_iam_group_policy"
            | "aws_iam_group_policy_attachment"
            | "aws_iam_group_membership" => "group",
            _ => continue,
        };
        let Some(owner) = reader.text(r, at, owner_attr) else {
            continue;
        };
        let owner_at = format!("{at}.values.{owner_attr}");
        let missing = format!("{owner_attr} {owner:?} is not in the plan");
        match r.kind {
            "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
                let (Some(name), Some(doc)) = (
                    reader.text(r, at, "name"),
                    reader.document(r, at, "policy", PolicyKind::Identity),
                ) else {
                    continue;
                };
                pending.add(
                    owner_attr,
                    &owner,
                    Attach::Inline(name, Box::new(doc)),
                    owner_at,
                    missing,
                );
            }
            "aws_iam_role_policy_attachment"
            | "aws_iam_user_policy_attachment"
            | "aws_iam_group_policy_attachment" => {
                let Some(arn) = reader.text(r, at, "policy_arn") else {
                    continue;
                };
                match PolicyArn::parse(&arn) {
                    Ok(a) => pending.add(owner_attr, &owner, Attach::Managed(a), owner_at, missing),
                    Err(e) => reader.p.at(&format!("{at}.values.policy_arn"), e),
                }
            }
            "aws_iam_user_group_membership" => {
                for g in r
                    .values
                    .get("groups")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    pending.add(
                        "user",
                        &owner,
                        Attach::Member(g.to_owned()),
                        "$.planned_values".to_owned(),
                        format!("a membership names user {owner:?}, not in the plan"),
                    );
                }
            }
            "aws_iam_group_membership" => {
                for u in r
                    .values
                    .get("users")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    pending.add(
                        "user",
                        u,
                        Attach::Member(owner.clone()),
                        "$.planned_values".to_owned(),
                        format!("a membership names user {u:?}, not in the plan"),
                    );
                }
            }
            _ => {}
        }
    }
    let mut policies: Vec<(PolicyArn, PolicyDocument)> = Vec::new();
    let mut groups: Vec<(String, Group)> = Vec::new();
    let mut users: Vec<(String, User)> = Vec::new();
    let mut roles: Vec<(String, Role)> = Vec::new();
    for (at, r) in &resources {
        let arn_of = |reader: &Reader<'_, '_>| reader.known.by_address.get(&r.address).cloned();
        match r.kind {
            "aws_iam_policy" => {
                let (Some((_, arn)), Some(doc)) = (
                    arn_of(&reader),
                    reader.document(r, at, "policy", PolicyKind::Identity),
                ) else {
                    continue;
                };
                match PolicyArn::parse(&arn) {
                    Ok(a) => policies.push((a, doc)),
                    Err(e) => reader.p.at(&format!("{at}.values.name"), e),
                }
            }
            "aws_iam_group" => {
                if let Some((name, _)) = arn_of(&reader) {
                    let group =
                        Group::new(reader.account, &name).attach_all(pending.take("group", &name));
                    groups.push((name, group));
                }
            }
            "aws_iam_user" => {
                let Some((name, arn)) = arn_of(&reader) else {
                    continue;
                };
                match PrincipalArn::parse(&arn)
                    .map_err(|e| e.to_string())
                    .and_then(|a| User::new(a).map_err(|e| e.problems().join("; ")))
                {
                    Ok(mut u) => {
                        for (k, v) in tags(r.values) {
                            u = u.tag(&k, &v);
                        }
                        if let Some(b) = boundary(r, at, &mut reader) {
                            u = u.permissions_boundary(b);
                        }
                        let u = u.attach_all(pending.take("user", &name));
                        users.push((name, u));
                    }
                    Err(e) => reader.p.at(&format!("{at}.values.name"), e),
                }
            }
            "aws_iam_role" => {
                let Some((name, arn)) = arn_of(&reader) else {
                    continue;
                };
                let Some(trust) = reader.document(r, at, "assume_role_policy", PolicyKind::Trust)
                else {
                    continue;
                };
                let arn = match RoleArn::parse(&arn) {
                    Ok(a) => a,
                    Err(e) => {
                        reader.p.at(&format!("{at}.values.name"), e);
                        continue;
                    }
                };
                let mut role = Role::new(arn, trust);
                if let Some(max) = r.values.get("max_session_duration").and_then(Value::as_u64) {
                    role = role.max_session_duration(u32::try_from(max).unwrap_or(u32::MAX));
                }
                for (k, v) in tags(r.values) {
                    role = role.tag(&k, &v);
                }
                if let Some(b) = boundary(r, at, &mut reader) {
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
                    let (Some(pname), Some(text)) = (
                        inline.get("name").and_then(Value::as_str),
                        inline.get("policy").and_then(Value::as_str),
                    ) else {
                        continue;
                    };
                    match PolicyDocument::from_json(text) {
                        Ok(doc) => role = role.policy(pname, doc),
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
                        Some(Ok(a)) => role = role.managed_policy(a),
                        _ => reader.p.at(
                            &format!("{at}.values.managed_policy_arns[{i}]"),
                            "must be a policy ARN",
                        ),
                    }
                }
                let role = role.attach_all(pending.take("role", &name));
                roles.push((name, role));
            }
            _ => {}
        }
    }
    pending.report(reader.p);
    Entities {
        policies,
        groups,
        users,
        roles,
    }
    .add_to(world, reader.p);
    p.into_result()
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

/// `permissions_boundary`, when set.
fn boundary(r: &Planned<'_>, at: &str, reader: &mut Reader<'_, '_>) -> Option<PolicyArn> {
    let has = r
        .values
        .get("permissions_boundary")
        .is_some_and(|v| !v.is_null())
        || r.unknown
            .and_then(|u| u.get("permissions_boundary"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
    if !has {
        return None;
    }
    let text = reader.text(r, at, "permissions_boundary")?;
    PolicyArn::parse(&text)
        .map_err(|e| reader.p.at(&format!("{at}.values.permissions_boundary"), e))
        .ok()
}
