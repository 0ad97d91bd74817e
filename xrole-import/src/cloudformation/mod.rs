//! CloudFormation templates, JSON or YAML (short-form tags such as `!Sub` and
//! `!GetAtt` included): `AWS::IAM::Role`, `Policy`, `ManagedPolicy`, `User` and
//! `Group`, with `Ref`, `Fn::Sub`, `Fn::Join`, `Fn::GetAtt`, `Fn::Select`,
//! `Fn::Split`, `Fn::FindInMap` and the pseudo parameters resolved from the given
//! parameter values, the template's defaults, the account and the region. A
//! value that cannot be resolved (a generated name, `Fn::If`, `Fn::ImportValue`,
//! a parameter without a value) is a problem named by its path, never guessed.
//!
//! Properties read: `RoleName`, `Path`, `AssumeRolePolicyDocument`,
//! `MaxSessionDuration`, `Policies` (`PolicyName`, `PolicyDocument`),
//! `ManagedPolicyArns`, `PermissionsBoundary` and `Tags` of roles; `UserName`,
//! `Groups` and the same policies of users; `GroupName` and policies of groups;
//! `PolicyName`, `PolicyDocument`, `Roles`, `Users`, `Groups` of
//! `AWS::IAM::Policy`; `ManagedPolicyName` and the same of
//! `AWS::IAM::ManagedPolicy`. A managed policy of AWS the template attaches must
//! be in the world already (an export of the account lists it).
//!
//! - `intrinsics`: the template as JSON, and the resolution of its intrinsic
//!   functions;
//! - `yaml`: a YAML template read into its JSON form (the `yaml` feature, on by
//!   default);
//! - here: the IAM resources, read into a world.

mod intrinsics;
mod resources;
#[cfg(feature = "yaml")]
mod yaml;

use std::collections::HashMap;

use serde_json::{Map, Value};

use intrinsics::{Named, Resolver, parse};
use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{AccountId, Partition, PolicyArn, PrincipalArn, RoleArn};

use super::{Attach, Entities, FileProblems, Holder, Pending};
use xrole_iam::world::{Group, Role, User, World, WorldError};

/// What a template is deployed with: parameter values, the account and region
/// (`AWS::AccountId`, `AWS::Region`), the stack's name when known.
#[derive(Clone, Debug)]
pub struct StackContext {
    /// The account the stack is deployed in.
    pub account: AccountId,
    /// The region (`AWS::Region`), when known: a template that refers to it
    /// needs it.
    pub region: Option<String>,
    /// Parameter values (over the template's defaults); `AWS::StackName` may be
    /// given here too, and, by its logical id, the id of a KMS key the stack
    /// created (known only once deployed).
    pub parameters: HashMap<String, String>,
}

impl StackContext {
    /// The stack's partition (`AWS::Partition`): its region's, `aws` when the
    /// region is not given.
    pub fn partition(&self) -> Partition {
        self.region
            .as_deref()
            .map_or(Partition::Aws, Partition::of_region)
    }
}

/// Reads a CloudFormation template (JSON or YAML, from the file named `file` in
/// problems) deployed with `stack` into `world`. Every problem of the file is
/// reported at once, with its path (`Resources.Deploy.Properties.RoleName`).
pub fn import_cloudformation(
    world: &mut World,
    file: &str,
    text: &str,
    stack: &StackContext,
) -> Result<(), WorldError> {
    match parse(text) {
        Ok(template) => cloudformation(world, file, &template, stack),
        Err(e) => {
            let mut p = FileProblems::new(file);
            p.at("$", e);
            p.into_result()
        }
    }
}

/// The template's text as JSON (YAML's short forms in their long form).
pub(super) fn parse_template(text: &str) -> Result<Value, String> {
    parse(text)
}

/// [`import_cloudformation`] of a template already parsed.
pub(super) fn cloudformation(
    world: &mut World,
    file: &str,
    template: &Value,
    stack: &StackContext,
) -> Result<(), WorldError> {
    let mut p = FileProblems::new(file);
    if !template.is_object() {
        p.at("$", "a template is an object with Resources");
        return p.into_result();
    }
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        p.at("Resources", "missing: a template declares its resources");
        return p.into_result();
    };
    let mut resolver = Resolver {
        template,
        stack,
        named: HashMap::new(),
        produced: std::cell::Cell::new(0),
    };
    // Names first: other resources refer to them.
    for (id, r) in resources {
        let (kind, name_key) = match r.get("Type").and_then(Value::as_str) {
            Some("AWS::IAM::Role") => ("role", "RoleName"),
            Some("AWS::IAM::User") => ("user", "UserName"),
            Some("AWS::IAM::Group") => ("group", "GroupName"),
            Some("AWS::IAM::ManagedPolicy") => ("policy", "ManagedPolicyName"),
            _ => continue,
        };
        let at = format!("Resources.{id}.Properties.{name_key}");
        let props = r.get("Properties").cloned().unwrap_or(Value::Null);
        let name = match props.get(name_key).map(|v| resolver.resolve(v)) {
            Some(Ok(Some(Value::String(n)))) => n,
            Some(Err(e)) => {
                p.at(&at, e);
                continue;
            }
            _ => {
                p.at(&at, format!("not set: CloudFormation generates the name at deploy time, so {id} cannot be judged; give it a {name_key}"));
                continue;
            }
        };
        let path = match props.get("Path").map(|v| resolver.resolve(v)) {
            Some(Ok(Some(Value::String(path)))) => path,
            _ => "/".to_owned(),
        };
        let arn = xrole_core::Arn {
            partition: stack.partition().as_str(),
            service: "iam",
            region: "",
            account: &stack.account.to_string(),
            resource: &format!("{kind}{path}{name}"),
        }
        .to_string();
        // Ref of a managed policy is its ARN; of a role, user or group its name.
        let reference = if kind == "policy" {
            arn.clone()
        } else {
            name.clone()
        };
        resolver.named.insert(
            id.clone(),
            Named {
                name,
                arn,
                reference,
            },
        );
    }
    for (id, r) in resources {
        if let Some(named) = resources::named(id, r, &resolver) {
            resolver.named.insert(id.clone(), named);
        }
    }
    let mut policies: Vec<(PolicyArn, PolicyDocument)> = Vec::new();
    let mut groups: Vec<(String, Group)> = Vec::new();
    let mut users: Vec<(String, User)> = Vec::new();
    let mut roles: Vec<(String, Role)> = Vec::new();
    // What AWS::IAM::Policy and ManagedPolicy resources attach, by owner kind
    // and name; taken by the owners below, the rest reported.
    let mut pending = Pending::default();
    let props_of = |id: &str, r: &Value, p: &mut FileProblems<'_>| -> Option<Value> {
        match r.get("Properties").map(|v| resolver.resolve(v)) {
            Some(Ok(Some(v))) => Some(v),
            Some(Err(e)) => {
                p.at(&format!("Resources.{id}.Properties"), e);
                None
            }
            _ => Some(Value::Object(Map::new())),
        }
    };
    for (id, r) in resources {
        let kind = r.get("Type").and_then(Value::as_str).unwrap_or_default();
        if kind != "AWS::IAM::Policy" && kind != "AWS::IAM::ManagedPolicy" {
            continue;
        }
        let at = format!("Resources.{id}.Properties");
        let Some(props) = props_of(id, r, &mut p) else {
            continue;
        };
        let Some(doc) = props.get("PolicyDocument").and_then(|v| {
            PolicyDocument::from_value(v)
                .and_then(|d| d.validate(PolicyKind::Identity).map(|()| d))
                .map_err(|e| p.at(&format!("{at}.PolicyDocument"), e))
                .ok()
        }) else {
            if props.get("PolicyDocument").is_none() {
                p.at(&format!("{at}.PolicyDocument"), "missing");
            }
            continue;
        };
        let what = if kind == "AWS::IAM::Policy" {
            let Some(name) = props.get("PolicyName").and_then(Value::as_str) else {
                p.at(&format!("{at}.PolicyName"), "missing");
                continue;
            };
            Attach::Inline(name.to_owned(), Box::new(doc))
        } else {
            let Some(named) = resolver.named.get(id) else {
                continue;
            };
            match PolicyArn::parse(&named.arn) {
                Ok(a) => {
                    policies.push((a.clone(), doc));
                    Attach::Managed(a)
                }
                Err(e) => {
                    p.at(&format!("{at}.ManagedPolicyName"), e);
                    continue;
                }
            }
        };
        for (owner_kind, key) in [("role", "Roles"), ("user", "Users"), ("group", "Groups")] {
            for owner in props
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match owner.as_str() {
                    Some(o) => pending.add(
                        owner_kind,
                        o,
                        what.clone(),
                        "Resources".to_owned(),
                        format!("a policy is attached to {owner_kind} {o:?}, which the template does not declare"),
                    ),
                    None => p.at(&format!("{at}.{key}"), "must list names"),
                }
            }
        }
    }
    for (id, r) in resources {
        let kind = r.get("Type").and_then(Value::as_str).unwrap_or_default();
        let owner_kind = match kind {
            "AWS::IAM::Role" => "role",
            "AWS::IAM::User" => "user",
            "AWS::IAM::Group" => "group",
            _ => continue,
        };
        let Some(named) = resolver.named.get(id) else {
            continue;
        };
        let at = format!("Resources.{id}.Properties");
        let Some(props) = props_of(id, r, &mut p) else {
            continue;
        };
        let mut inline: Vec<(String, PolicyDocument)> = Vec::new();
        for (i, pol) in props
            .get("Policies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let name = pol.get("PolicyName").and_then(Value::as_str);
            let doc = pol.get("PolicyDocument").map(PolicyDocument::from_value);
            match (name, doc) {
                (Some(n), Some(Ok(d))) => inline.push((n.to_owned(), d)),
                (_, Some(Err(e))) => p.at(&format!("{at}.Policies[{i}].PolicyDocument"), e),
                _ => p.at(
                    &format!("{at}.Policies[{i}]"),
                    "needs PolicyName and PolicyDocument",
                ),
            }
        }
        let mut managed: Vec<PolicyArn> = Vec::new();
        for (i, a) in props
            .get("ManagedPolicyArns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            match a.as_str().map(PolicyArn::parse) {
                Some(Ok(a)) => managed.push(a),
                _ => p.at(
                    &format!("{at}.ManagedPolicyArns[{i}]"),
                    "must be a policy ARN",
                ),
            }
        }
        let attached = pending.take(owner_kind, &named.name);
        let boundary = props
            .get("PermissionsBoundary")
            .and_then(Value::as_str)
            .and_then(|b| {
                PolicyArn::parse(b)
                    .map_err(|e| p.at(&format!("{at}.PermissionsBoundary"), e))
                    .ok()
            });
        let tags: Vec<(String, String)> = props
            .get("Tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| {
                Some((
                    t.get("Key")?.as_str()?.to_owned(),
                    t.get("Value")?.as_str()?.to_owned(),
                ))
            })
            .collect();
        match owner_kind {
            "role" => {
                let Some(trust_value) = props.get("AssumeRolePolicyDocument") else {
                    p.at(
                        &format!("{at}.AssumeRolePolicyDocument"),
                        "missing: a role needs a trust policy",
                    );
                    continue;
                };
                let trust = match PolicyDocument::from_value(trust_value)
                    .and_then(|d| d.validate(PolicyKind::Trust).map(|()| d))
                {
                    Ok(d) => d,
                    Err(e) => {
                        p.at(&format!("{at}.AssumeRolePolicyDocument"), e);
                        continue;
                    }
                };
                let arn = match RoleArn::parse(&named.arn) {
                    Ok(a) => a,
                    Err(e) => {
                        p.at(&format!("{at}.RoleName"), e);
                        continue;
                    }
                };
                let mut role = Role::new(arn, trust);
                for (n, d) in inline {
                    role = role.policy(&n, d);
                }
                for a in managed {
                    role = role.managed_policy(a);
                }
                if let Some(b) = boundary {
                    role = role.permissions_boundary(b);
                }
                for (k, v) in tags {
                    role = role.tag(&k, &v);
                }
                if let Some(max) = props
                    .get("MaxSessionDuration")
                    .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
                {
                    role = role.max_session_duration(u32::try_from(max).unwrap_or(u32::MAX));
                }
                roles.push((named.name.clone(), role.attach_all(attached)));
            }
            "user" => {
                let mut user = match PrincipalArn::parse(&named.arn) {
                    Err(e) => {
                        p.at(&format!("{at}.UserName"), e);
                        continue;
                    }
                    Ok(a) => match User::new(a) {
                        Ok(u) => u,
                        Err(e) => {
                            p.nested(&format!("{at}.UserName"), e);
                            continue;
                        }
                    },
                };
                for g in props
                    .get("Groups")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(g) = g.as_str() {
                        user = user.group(g);
                    }
                }
                for (n, d) in inline {
                    user = user.policy(&n, d);
                }
                for a in managed {
                    user = user.managed_policy(a);
                }
                if let Some(b) = boundary {
                    user = user.permissions_boundary(b);
                }
                for (k, v) in tags {
                    user = user.tag(&k, &v);
                }
                users.push((named.name.clone(), user.attach_all(attached)));
            }
            _ => {
                let mut group = Group::new(stack.account, &named.name);
                for (n, d) in inline {
                    group = group.policy(&n, d);
                }
                for a in managed {
                    group = group.managed_policy(a);
                }
                groups.push((named.name.clone(), group.attach_all(attached)));
            }
        }
    }
    pending.report(&mut p);
    resources::resource_policies(world, resources, &mut p, &props_of, stack);
    Entities {
        policies,
        groups,
        users,
        roles,
    }
    .add_to(world, &mut p);
    p.into_result()
}
