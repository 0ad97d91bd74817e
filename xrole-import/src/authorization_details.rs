//! `aws iam get-account-authorization-details` (IAM API reference,
//! `GetAccountAuthorizationDetails`): `UserDetailList`, `GroupDetailList`,
//! `RoleDetailList` and `Policies`, documents as JSON objects (the CLI decodes
//! them) or URL-encoded text (the API's RFC 3986 encoding). Each account's file
//! goes into one world; AWS managed policies, listed by every account's export,
//! enter once.
//!
//! Fields read: `Arn`, `Tags` (`Key`, `Value`) and `PermissionsBoundary`
//! (`PermissionsBoundaryArn`) of every principal; `GroupList`, `UserPolicyList`
//! and `AttachedManagedPolicies` (`PolicyArn`) of users; `GroupName`,
//! `GroupPolicyList` and attachments of groups; `AssumeRolePolicyDocument`,
//! `RolePolicyList` (`PolicyName`, `PolicyDocument`), attachments and
//! `MaxSessionDuration` of roles; the `Arn` and the `PolicyVersionList` entry
//! with `IsDefaultVersion` of `Policies`; `IsTruncated` (a truncated export is a
//! problem). A managed policy must be listed by some input: an export lists the
//! ones its account uses, AWS managed policies included.

use percent_encoding::percent_decode_str;
use serde_json::Value;
use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{PolicyArn, PrincipalArn, RoleArn};

use super::FileProblems;
use xrole_iam::world::{Group, Role, User, World, WorldError};

/// A list field: absent is empty; anything but a list is a problem.
fn list<'v>(v: &'v Value, key: &str, path: &str, p: &mut FileProblems<'_>) -> &'v [Value] {
    match v.get(key) {
        None | Some(Value::Null) => &[],
        Some(Value::Array(items)) => items,
        Some(_) => {
            p.at(&format!("{path}.{key}"), "must be a list");
            &[]
        }
    }
}

/// A text field that must be there.
fn text<'v>(v: &'v Value, key: &str, path: &str, p: &mut FileProblems<'_>) -> Option<&'v str> {
    let found = v.get(key).and_then(Value::as_str);
    if found.is_none() {
        p.at(&format!("{path}.{key}"), "must be text");
    }
    found
}

/// A policy document: a JSON object, or URL-encoded JSON text.
fn document(v: Option<&Value>, path: &str, p: &mut FileProblems<'_>) -> Option<PolicyDocument> {
    let parsed = match v {
        Some(Value::Object(_)) => v.map(PolicyDocument::from_value).transpose(),
        Some(Value::String(encoded)) => {
            let decoded = percent_decode_str(encoded).decode_utf8_lossy();
            match serde_json::from_str::<Value>(&decoded) {
                Ok(value) => PolicyDocument::from_value(&value).map(Some),
                Err(e) => {
                    p.at(
                        path,
                        format!("not a policy document (URL-encoded JSON): {e}"),
                    );
                    return None;
                }
            }
        }
        _ => {
            p.at(path, "must be a policy document");
            return None;
        }
    };
    match parsed {
        Ok(doc) => doc,
        Err(e) => {
            p.at(path, e);
            None
        }
    }
}

/// `PolicyName` and document pairs (`UserPolicyList`, `RolePolicyList`, ...).
fn inline(
    v: &Value,
    key: &str,
    path: &str,
    p: &mut FileProblems<'_>,
) -> Vec<(String, PolicyDocument)> {
    let mut out = Vec::new();
    for (i, item) in list(v, key, path, p).iter().enumerate() {
        let at = format!("{path}.{key}[{i}]");
        let name = text(item, "PolicyName", &at, p);
        let doc = document(
            item.get("PolicyDocument"),
            &format!("{at}.PolicyDocument"),
            p,
        );
        if let (Some(name), Some(doc)) = (name, doc) {
            out.push((name.to_owned(), doc));
        }
    }
    out
}

/// `AttachedManagedPolicies[].PolicyArn`.
fn attached(v: &Value, path: &str, p: &mut FileProblems<'_>) -> Vec<PolicyArn> {
    let mut out = Vec::new();
    for (i, item) in list(v, "AttachedManagedPolicies", path, p)
        .iter()
        .enumerate()
    {
        let at = format!("{path}.AttachedManagedPolicies[{i}]");
        if let Some(arn) = text(item, "PolicyArn", &at, p) {
            match PolicyArn::parse(arn) {
                Ok(a) => out.push(a),
                Err(e) => p.at(&format!("{at}.PolicyArn"), e),
            }
        }
    }
    out
}

/// `PermissionsBoundary.PermissionsBoundaryArn`, when set.
fn boundary(v: &Value, path: &str, p: &mut FileProblems<'_>) -> Option<PolicyArn> {
    let b = v.get("PermissionsBoundary")?;
    let at = format!("{path}.PermissionsBoundary");
    let arn = text(b, "PermissionsBoundaryArn", &at, p)?;
    PolicyArn::parse(arn)
        .map_err(|e| p.at(&format!("{at}.PermissionsBoundaryArn"), e))
        .ok()
}

/// `Tags[].Key` / `.Value`.
fn tags(v: &Value, path: &str, p: &mut FileProblems<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, item) in list(v, "Tags", path, p).iter().enumerate() {
        let at = format!("{path}.Tags[{i}]");
        if let (Some(k), Some(v)) = (text(item, "Key", &at, p), text(item, "Value", &at, p)) {
            out.push((k.to_owned(), v.to_owned()));
        }
    }
    out
}

/// Reads one account's `get-account-authorization-details` output (`json`, from
/// the file named `file` in problems) into `world`: its managed policies (the
/// default version of each), groups, users and roles. Every problem of the file
/// is reported at once, with its JSON path; nothing of a file with problems is
/// half-added but the entities that were valid.
pub fn import_authorization_details(
    world: &mut World,
    file: &str,
    json: &str,
) -> Result<(), WorldError> {
    match serde_json::from_str(json) {
        Ok(root) => authorization_details(world, file, &root),
        Err(e) => {
            let mut p = FileProblems::new(file);
            p.at("$", format!("not JSON: {e}"));
            p.into_result()
        }
    }
}

/// [`import_authorization_details`] of an export already parsed.
pub(super) fn authorization_details(
    world: &mut World,
    file: &str,
    root: &Value,
) -> Result<(), WorldError> {
    let mut p = FileProblems::new(file);
    if !root.is_object() {
        p.at(
            "$",
            "must be the object get-account-authorization-details prints",
        );
        return p.into_result();
    }
    if root.get("IsTruncated").and_then(Value::as_bool) == Some(true) {
        p.at(
            "$.IsTruncated",
            "the output is truncated: fetch every page (the AWS CLI does unless --max-items is given) and merge them",
        );
    }
    for (i, policy) in list(root, "Policies", "$", &mut p).iter().enumerate() {
        let at = format!("$.Policies[{i}]");
        let Some(arn) = text(policy, "Arn", &at, &mut p) else {
            continue;
        };
        let arn = match PolicyArn::parse(arn) {
            Ok(a) => a,
            Err(e) => {
                p.at(&format!("{at}.Arn"), e);
                continue;
            }
        };
        // Every account's export lists the AWS managed policies it uses.
        if arn.is_aws_managed() && world.managed_document(arn.as_str()).is_ok() {
            continue;
        }
        let versions = list(policy, "PolicyVersionList", &at, &mut p);
        let Some((j, default)) = versions
            .iter()
            .enumerate()
            .find(|(_, v)| v.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true))
        else {
            p.at(
                &format!("{at}.PolicyVersionList"),
                "has no version with IsDefaultVersion true",
            );
            continue;
        };
        let doc_at = format!("{at}.PolicyVersionList[{j}].Document");
        if let Some(doc) = document(default.get("Document"), &doc_at, &mut p)
            && let Err(e) = world.add_managed_policy(arn, doc)
        {
            p.nested(&at, e);
        }
    }
    for (i, group) in list(root, "GroupDetailList", "$", &mut p)
        .iter()
        .enumerate()
    {
        let at = format!("$.GroupDetailList[{i}]");
        let (Some(arn), Some(name)) = (
            text(group, "Arn", &at, &mut p),
            text(group, "GroupName", &at, &mut p),
        ) else {
            continue;
        };
        let Some(account) = xrole_core::Arn::split(arn).and_then(|a| a.account_id()) else {
            p.at(&format!("{at}.Arn"), format!("not a group ARN: {arn:?}"));
            continue;
        };
        let mut g = Group::new(account, name);
        for (name, doc) in inline(group, "GroupPolicyList", &at, &mut p) {
            g = g.policy(&name, doc);
        }
        for arn in attached(group, &at, &mut p) {
            g = g.managed_policy(arn);
        }
        if let Err(e) = world.add_group(g) {
            p.nested(&at, e);
        }
    }
    for (i, user) in list(root, "UserDetailList", "$", &mut p).iter().enumerate() {
        let at = format!("$.UserDetailList[{i}]");
        let Some(arn) = text(user, "Arn", &at, &mut p) else {
            continue;
        };
        let u = match PrincipalArn::parse(arn) {
            Err(e) => {
                p.at(&format!("{at}.Arn"), e);
                continue;
            }
            Ok(a) => match User::new(a) {
                Ok(u) => u,
                Err(e) => {
                    p.nested(&format!("{at}.Arn"), e);
                    continue;
                }
            },
        };
        let mut u = u;
        for (j, g) in list(user, "GroupList", &at, &mut p).iter().enumerate() {
            match g.as_str() {
                Some(name) => u = u.group(name),
                None => p.at(&format!("{at}.GroupList[{j}]"), "must be a group name"),
            }
        }
        for (name, doc) in inline(user, "UserPolicyList", &at, &mut p) {
            u = u.policy(&name, doc);
        }
        for arn in attached(user, &at, &mut p) {
            u = u.managed_policy(arn);
        }
        for (k, v) in tags(user, &at, &mut p) {
            u = u.tag(&k, &v);
        }
        if let Some(b) = boundary(user, &at, &mut p) {
            u = u.permissions_boundary(b);
        }
        if let Err(e) = world.add_user(u) {
            p.nested(&at, e);
        }
    }
    for (i, role) in list(root, "RoleDetailList", "$", &mut p).iter().enumerate() {
        let at = format!("$.RoleDetailList[{i}]");
        let Some(arn) = text(role, "Arn", &at, &mut p) else {
            continue;
        };
        let arn = match RoleArn::parse(arn) {
            Ok(a) => a,
            Err(e) => {
                p.at(&format!("{at}.Arn"), e);
                continue;
            }
        };
        let trust_at = format!("{at}.AssumeRolePolicyDocument");
        let Some(trust) = document(role.get("AssumeRolePolicyDocument"), &trust_at, &mut p) else {
            continue;
        };
        // Checked here, so that its problems carry the document's path.
        if let Err(e) = trust.validate(PolicyKind::Trust) {
            p.at(&trust_at, e);
            continue;
        }
        let mut r = Role::new(arn, trust);
        for (name, doc) in inline(role, "RolePolicyList", &at, &mut p) {
            r = r.policy(&name, doc);
        }
        for arn in attached(role, &at, &mut p) {
            r = r.managed_policy(arn);
        }
        for (k, v) in tags(role, &at, &mut p) {
            r = r.tag(&k, &v);
        }
        if let Some(b) = boundary(role, &at, &mut p) {
            r = r.permissions_boundary(b);
        }
        if let Some(max) = role.get("MaxSessionDuration").and_then(Value::as_u64) {
            r = r.max_session_duration(u32::try_from(max).unwrap_or(u32::MAX));
        }
        if let Err(e) = world.add_role(r) {
            p.nested(&at, e);
        }
    }
    p.into_result()
}
