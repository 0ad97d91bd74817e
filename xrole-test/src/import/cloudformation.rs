//! CloudFormation templates, JSON or YAML (short-form tags such as `!Sub` and
//! `!GetAtt` included): `AWS::IAM::Role`, `Policy`, `ManagedPolicy`, `User` and
//! `Group`, with `Ref`, `Fn::Sub`, `Fn::Join`, `Fn::GetAtt`, `Fn::Select`,
//! `Fn::Split`, `Fn::FindInMap` and the pseudo parameters resolved from the given
//! parameter values, the template's defaults, the account and the region. A
//! value that cannot be resolved (a generated name, `Fn::If`, `Fn::ImportValue`,
//! a parameter without a value) is a problem named by its path, never guessed.

use std::collections::HashMap;

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Map, Value, json};
use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{AccountId, PolicyArn, PrincipalArn, RoleArn};

use super::{Entities, FileProblems};
use crate::sts::{Group, Role, User, World, WorldError};

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
    /// given here too.
    pub parameters: HashMap<String, String>,
}

/// The YAML short form of an intrinsic function, in its JSON long form.
fn long_form(tag: &str, value: Value) -> Value {
    match tag {
        "Ref" => json!({ "Ref": value }),
        "Condition" => json!({ "Condition": value }),
        // `!GetAtt Res.Attr` is `["Res", "Attr"]`.
        "GetAtt" => match value {
            Value::String(s) => {
                let (res, attr) = s.split_once('.').unwrap_or((s.as_str(), ""));
                json!({ "Fn::GetAtt": [res, attr] })
            }
            other => json!({ "Fn::GetAtt": other }),
        },
        other => json!({ format!("Fn::{other}"): value }),
    }
}

/// A YAML document as JSON, short-form tags in their long form.
fn to_json(y: &Yaml<'_>) -> Result<Value, String> {
    Ok(match y {
        Yaml::Value(Scalar::Null) => Value::Null,
        Yaml::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        Yaml::Value(Scalar::Integer(i)) => Value::from(*i),
        Yaml::Value(Scalar::FloatingPoint(f)) => json!(f.into_inner()),
        Yaml::Value(Scalar::String(s)) => Value::String(s.to_string()),
        Yaml::Representation(s, _, _) => Value::String(s.to_string()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Yaml::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match to_json(k)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, to_json(v)?);
            }
            Value::Object(out)
        }
        Yaml::Tagged(tag, node) => {
            if tag.handle == "!" {
                long_form(&tag.suffix, to_json(node)?)
            } else {
                to_json(node)?
            }
        }
        Yaml::Alias(_) => return Err("YAML aliases are not read".to_owned()),
        Yaml::BadValue => return Err("a YAML value cannot be read".to_owned()),
    })
}

/// The template as JSON, whichever it was written in.
fn parse(text: &str) -> Result<Value, String> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"));
    }
    let docs = Yaml::load_from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    match docs.as_slice() {
        [one] => to_json(one),
        _ => Err("a template is one YAML document".to_owned()),
    }
}

/// What a resource of the template resolves to: its name and ARN.
struct Named {
    kind: &'static str,
    name: String,
    arn: String,
}

struct Resolver<'t> {
    template: &'t Value,
    stack: &'t StackContext,
    /// Logical id to the resource's name and ARN, when the template names it.
    named: HashMap<String, Named>,
}

impl Resolver<'_> {
    fn parameter(&self, name: &str) -> Result<Value, String> {
        match name {
            "AWS::AccountId" => return Ok(Value::String(self.stack.account.to_string())),
            "AWS::Region" => {
                return self
                    .stack
                    .region
                    .clone()
                    .map(Value::String)
                    .ok_or_else(|| "AWS::Region has no value: give the stack's region".to_owned());
            }
            "AWS::Partition" => return Ok(Value::String("aws".into())),
            "AWS::URLSuffix" => return Ok(Value::String("amazonaws.com".into())),
            _ => {}
        }
        if let Some(v) = self.stack.parameters.get(name) {
            return Ok(Value::String(v.clone()));
        }
        if let Some(p) = self.template.pointer(&format!("/Parameters/{name}")) {
            return p.get("Default").cloned().ok_or_else(|| {
                format!("parameter {name} has no value: give it (--parameter {name}=VALUE)")
            });
        }
        match self.named.get(name) {
            // Ref of a managed policy is its ARN; of a role, user or group its name.
            Some(n) if n.kind == "policy" => Ok(Value::String(n.arn.clone())),
            Some(n) => Ok(Value::String(n.name.clone())),
            None => Err(format!(
                "Ref {name}: no parameter, pseudo parameter or named resource"
            )),
        }
    }

    fn attribute(&self, resource: &str, attr: &str) -> Result<Value, String> {
        let n = self.named.get(resource).ok_or_else(|| {
            format!("Fn::GetAtt {resource}.{attr}: not a named IAM resource of the template")
        })?;
        match attr {
            "Arn" | "PolicyArn" => Ok(Value::String(n.arn.clone())),
            _ => Err(format!(
                "Fn::GetAtt {resource}.{attr} is known only once deployed"
            )),
        }
    }

    /// `value` with every intrinsic function resolved; `None` for `AWS::NoValue`.
    fn resolve(&self, value: &Value) -> Result<Option<Value>, String> {
        match value {
            Value::Array(items) => {
                let mut out = Vec::new();
                for v in items {
                    out.extend(self.resolve(v)?);
                }
                Ok(Some(Value::Array(out)))
            }
            Value::Object(map) if map.len() == 1 => {
                let (k, v) = map
                    .iter()
                    .next()
                    .map(|(k, v)| (k.as_str(), v))
                    .unwrap_or(("", v_null()));
                match k {
                    "Ref" => match v.as_str() {
                        Some("AWS::NoValue") => Ok(None),
                        Some(name) => self.parameter(name).map(Some),
                        None => Err("Ref takes a name".into()),
                    },
                    "Fn::GetAtt" => {
                        let parts: Vec<String> = match self.resolve(v)? {
                            Some(Value::Array(a)) => a
                                .iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect(),
                            _ => Vec::new(),
                        };
                        match parts.as_slice() {
                            [res, attr] => self.attribute(res, attr).map(Some),
                            _ => Err("Fn::GetAtt takes [resource, attribute]".into()),
                        }
                    }
                    "Fn::Join" => {
                        let Some(Value::Array(args)) = self.resolve(v)? else {
                            return Err("Fn::Join takes [delimiter, [values]]".into());
                        };
                        match args.as_slice() {
                            [Value::String(d), Value::Array(items)] => {
                                let parts: Option<Vec<&str>> =
                                    items.iter().map(Value::as_str).collect();
                                parts
                                    .map(|p| Some(Value::String(p.join(d))))
                                    .ok_or_else(|| "Fn::Join joins text values".into())
                            }
                            _ => Err("Fn::Join takes [delimiter, [values]]".into()),
                        }
                    }
                    "Fn::Select" => {
                        let Some(Value::Array(args)) = self.resolve(v)? else {
                            return Err("Fn::Select takes [index, [values]]".into());
                        };
                        let index = args
                            .first()
                            .and_then(|i| i.as_u64().or_else(|| i.as_str()?.parse().ok()));
                        match (index, args.get(1)) {
                            (Some(i), Some(Value::Array(items))) => items
                                .get(usize::try_from(i).unwrap_or(usize::MAX))
                                .cloned()
                                .map(Some)
                                .ok_or_else(|| format!("Fn::Select: no value at {i}")),
                            _ => Err("Fn::Select takes [index, [values]]".into()),
                        }
                    }
                    "Fn::Split" => {
                        let Some(Value::Array(args)) = self.resolve(v)? else {
                            return Err("Fn::Split takes [delimiter, text]".into());
                        };
                        match args.as_slice() {
                            [Value::String(d), Value::String(t)] if !d.is_empty() => {
                                Ok(Some(Value::Array(
                                    t.split(d.as_str())
                                        .map(|s| Value::String(s.into()))
                                        .collect(),
                                )))
                            }
                            _ => Err("Fn::Split takes [delimiter, text]".into()),
                        }
                    }
                    "Fn::FindInMap" => {
                        let Some(Value::Array(args)) = self.resolve(v)? else {
                            return Err("Fn::FindInMap takes [map, key, key]".into());
                        };
                        let keys: Option<Vec<&str>> = args.iter().map(Value::as_str).collect();
                        match keys.as_deref() {
                            Some([m, a, b]) => self
                                .template
                                .get("Mappings")
                                .and_then(|x| x.get(m))
                                .and_then(|x| x.get(a))
                                .and_then(|x| x.get(b))
                                .cloned()
                                .map(Some)
                                .ok_or_else(|| {
                                    format!("Fn::FindInMap: {m}.{a}.{b} is not in Mappings")
                                }),
                            _ => Err("Fn::FindInMap takes [map, key, key]".into()),
                        }
                    }
                    "Fn::Sub" => self.sub(v).map(|s| Some(Value::String(s))),
                    f if f.starts_with("Fn::") || f == "Condition" => Err(format!(
                        "{f} is not resolved offline: its value is known only once deployed"
                    )),
                    _ => self.object(map),
                }
            }
            Value::Object(map) => self.object(map),
            other => Ok(Some(other.clone())),
        }
    }

    fn object(&self, map: &Map<String, Value>) -> Result<Option<Value>, String> {
        let mut out = Map::new();
        for (k, v) in map {
            if let Some(v) = self.resolve(v)? {
                out.insert(k.clone(), v);
            }
        }
        Ok(Some(Value::Object(out)))
    }

    /// `Fn::Sub`: `"text ${Name} ${Res.Attr} ${!Literal}"`, or `[text, {Name: value}]`.
    fn sub(&self, v: &Value) -> Result<String, String> {
        let (text, vars) = match v {
            Value::String(t) => (t.as_str(), None),
            Value::Array(a) => match a.as_slice() {
                [Value::String(t), Value::Object(vars)] => (t.as_str(), Some(vars)),
                _ => return Err("Fn::Sub takes text, or [text, {variables}]".into()),
            },
            _ => return Err("Fn::Sub takes text, or [text, {variables}]".into()),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or("Fn::Sub: unclosed ${")?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else {
                let value = match vars.and_then(|m| m.get(name)) {
                    Some(v) => self.resolve(v)?,
                    None => match name.split_once('.') {
                        Some((res, attr)) if !name.starts_with("AWS::") => {
                            Some(self.attribute(res, attr)?)
                        }
                        _ => Some(self.parameter(name)?),
                    },
                };
                match value {
                    Some(Value::String(s)) => out.push_str(&s),
                    Some(Value::Number(n)) => out.push_str(&n.to_string()),
                    _ => return Err(format!("Fn::Sub: ${{{name}}} is not text")),
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

fn v_null() -> &'static Value {
    &Value::Null
}

/// A policy an `AWS::IAM::Policy` or `ManagedPolicy` attaches to an owner.
#[derive(Clone)]
enum Attach {
    Inline(String, Box<PolicyDocument>),
    Managed(PolicyArn),
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
    let mut p = FileProblems::new(file);
    let template = match parse(text) {
        Ok(t @ Value::Object(_)) => t,
        Ok(_) => {
            p.at("$", "a template is an object with Resources");
            return p.into_result();
        }
        Err(e) => {
            p.at("$", e);
            return p.into_result();
        }
    };
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        p.at("Resources", "missing: a template declares its resources");
        return p.into_result();
    };
    let mut resolver = Resolver {
        template: &template,
        stack,
        named: HashMap::new(),
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
        let arn = format!("arn:aws:iam::{}:{kind}{path}{name}", stack.account);
        resolver.named.insert(id.clone(), Named { kind, name, arn });
    }
    let mut policies: Vec<(PolicyArn, PolicyDocument)> = Vec::new();
    let mut groups: Vec<(String, Group)> = Vec::new();
    let mut users: Vec<(String, User)> = Vec::new();
    let mut roles: Vec<(String, Role)> = Vec::new();
    // What AWS::IAM::Policy and ManagedPolicy resources attach, by owner kind
    // and name; taken by the owners below, the rest reported.
    let mut attachments: HashMap<(&'static str, String), Vec<Attach>> = HashMap::new();
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
                    Some(o) => attachments
                        .entry((owner_kind, o.to_owned()))
                        .or_default()
                        .push(what.clone()),
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
        for what in attachments
            .remove(&(owner_kind, named.name.clone()))
            .unwrap_or_default()
        {
            match what {
                Attach::Inline(n, d) => inline.push((n, *d)),
                Attach::Managed(a) => managed.push(a),
            }
        }
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
                roles.push((named.name.clone(), role));
            }
            "user" => {
                let user = PrincipalArn::parse(&named.arn)
                    .map_err(|e| e.to_string())
                    .and_then(|a| User::new(a).map_err(|e| e.problems().join("; ")));
                let mut user = match user {
                    Ok(u) => u,
                    Err(e) => {
                        p.at(&format!("{at}.UserName"), e);
                        continue;
                    }
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
                users.push((named.name.clone(), user));
            }
            _ => {
                let mut group = Group::new(stack.account, &named.name);
                for (n, d) in inline {
                    group = group.policy(&n, d);
                }
                for a in managed {
                    group = group.managed_policy(a);
                }
                groups.push((named.name.clone(), group));
            }
        }
    }
    let mut left: Vec<_> = attachments.into_keys().collect();
    left.sort();
    for (owner_kind, owner) in left {
        p.at(
            "Resources",
            format!("a policy is attached to {owner_kind} {owner:?}, which the template does not declare"),
        );
    }
    Entities {
        policies,
        groups,
        users,
        roles,
    }
    .add_to(world, &mut p);
    p.into_result()
}
