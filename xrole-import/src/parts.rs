//! Resource policies the inputs write in parts, read the same way from a
//! template and from a plan: a function's policy, one statement per permission
//! (`AWS::Lambda::Permission`, `aws_lambda_permission`), kept beside the
//! statements the world already holds; and a repository policy, whose
//! statements name no resource (`AWS::ECR::Repository`'s `RepositoryPolicyText`,
//! `aws_ecr_repository_policy`).

use serde_json::{Map, Value, json};
use xrole_core::Arn;
use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_iam::world::{Resource, World};

/// What a resource named by name alone needs to have an ARN.
pub(crate) const NEEDS_REGION: &str =
    "its ARN holds the region it is deployed in, which the input does not give";

/// Where the resources of an input live: partition, region (when known) and
/// account.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Place<'a> {
    pub(crate) partition: &'a str,
    pub(crate) region: Option<&'a str>,
    pub(crate) account: &'a str,
}

impl Place<'_> {
    /// The ARN of `resource` of `service` in this region and account.
    pub(crate) fn arn(&self, service: &str, resource: &str) -> Result<String, String> {
        let region = self.region.ok_or_else(|| NEEDS_REGION.to_owned())?;
        Ok(Arn {
            partition: self.partition,
            service,
            region,
            account: self.account,
            resource,
        }
        .to_string())
    }
}

/// One permission a function's policy grants, as the inputs write it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LambdaPermission<'a> {
    /// The statement's id (`StatementId`, the resource's own id).
    pub(crate) sid: &'a str,
    /// A name, `NAME:QUALIFIER`, `ACCOUNT:function:NAME` or the function's ARN.
    pub(crate) function: &'a str,
    /// A version or alias the permission is on, when given apart.
    pub(crate) qualifier: Option<&'a str>,
    pub(crate) action: &'a str,
    /// A service principal, an account id, an ARN or `*`.
    pub(crate) principal: &'a str,
    pub(crate) source_arn: Option<&'a str>,
    pub(crate) source_account: Option<&'a str>,
    pub(crate) principal_org_id: Option<&'a str>,
    pub(crate) function_url_auth_type: Option<&'a str>,
}

impl LambdaPermission<'_> {
    /// The function's ARN (with the qualifier) and the statement the permission
    /// adds to its policy (Lambda developer guide, "Working with resource-based
    /// IAM policies in Lambda"); or which field is at fault, and why.
    pub(crate) fn statement(
        &self,
        place: Place<'_>,
    ) -> Result<(String, Value), (&'static str, String)> {
        let function =
            function_arn(self.function, self.qualifier, place).map_err(|why| ("function", why))?;
        let principal = self.principal;
        let principal = if principal == "*" {
            Value::String("*".into())
        } else if principal.ends_with(".amazonaws.com") || principal.ends_with(".amazonaws.com.cn")
        {
            json!({"Service": principal})
        } else if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
            json!({"AWS": format!("arn:{}:iam::{principal}:root", place.partition)})
        } else {
            json!({"AWS": principal})
        };
        let mut conditions = Map::new();
        let mut condition = |operator: &str, key: &str, value: Option<&str>| {
            let Some(value) = value.filter(|v| !v.is_empty()) else {
                return;
            };
            if let Value::Object(keys) = conditions
                .entry(operator.to_owned())
                .or_insert_with(|| Value::Object(Map::new()))
            {
                keys.insert(key.to_owned(), Value::String(value.to_owned()));
            }
        };
        condition("ArnLike", "AWS:SourceArn", self.source_arn);
        condition("StringEquals", "AWS:SourceAccount", self.source_account);
        condition("StringEquals", "aws:PrincipalOrgID", self.principal_org_id);
        condition(
            "StringEquals",
            "lambda:FunctionUrlAuthType",
            self.function_url_auth_type,
        );
        let mut statement = json!({
            "Sid": self.sid,
            "Effect": "Allow",
            "Principal": principal,
            "Action": self.action,
            "Resource": function,
        });
        if !conditions.is_empty() {
            statement["Condition"] = Value::Object(conditions);
        }
        Ok((function, statement))
    }
}

/// The ARN of a function named by name, `NAME:QUALIFIER`,
/// `ACCOUNT:function:NAME` or its ARN, with `qualifier` (a version or alias
/// given apart) when there is one.
pub(crate) fn function_arn(
    function: &str,
    qualifier: Option<&str>,
    place: Place<'_>,
) -> Result<String, String> {
    let mut arn = if Arn::split(function).is_some() {
        function.to_owned()
    } else {
        let resource = match function.split_once(":function:") {
            Some((owner, name)) if owner == place.account => format!("function:{name}"),
            Some((owner, _)) => {
                return Err(format!(
                    "names a function of account {owner}, not the input's: give its ARN"
                ));
            }
            None => format!("function:{function}"),
        };
        place.arn("lambda", &resource)?
    };
    if let Some(q) = qualifier.filter(|q| !q.is_empty()) {
        arn = format!("{arn}:{q}");
    }
    Ok(arn)
}

/// Gives each statement of `doc` without `Resource` or `NotResource` the one
/// resource its policy belongs to (a repository policy's, ECR user guide,
/// "Private repository policies").
pub(crate) fn on_implicit_resource(doc: &mut Value, resource: &str) {
    let statements = match doc.get_mut("Statement") {
        Some(Value::Array(all)) => all.iter_mut().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    for statement in statements {
        if let Value::Object(fields) = statement
            && !fields.contains_key("Resource")
            && !fields.contains_key("NotResource")
        {
            fields.insert("Resource".to_owned(), Value::String(resource.to_owned()));
        }
    }
}

/// Adds `statements` to the policy of the resource `arn` (owned by `owner`),
/// in the world or new: a statement with the `Sid` of one the policy holds
/// replaces it, the others stay.
pub(crate) fn add_statements(
    world: &mut World,
    arn: &str,
    owner: xrole_core::AccountId,
    statements: Vec<Value>,
) -> Result<(), String> {
    let existing = match world.resource_for(arn) {
        Some((r, _)) if r.arn() == arn => Some(r.clone()),
        _ => None,
    };
    let mut all: Vec<Value> = existing
        .as_ref()
        .and_then(Resource::resource_policy)
        .and_then(|doc| serde_json::to_value(doc).ok())
        .and_then(|doc| match doc.get("Statement") {
            Some(Value::Array(all)) => Some(all.clone()),
            Some(one @ Value::Object(_)) => Some(vec![one.clone()]),
            _ => None,
        })
        .unwrap_or_default();
    for statement in statements {
        let sid = statement.get("Sid").cloned();
        all.retain(|s| sid.is_none() || s.get("Sid") != sid.as_ref());
        all.push(statement);
    }
    let doc = PolicyDocument::from_value(&json!({"Version": "2012-10-17", "Statement": all}))
        .and_then(|d| d.validate(PolicyKind::Resource).map(|()| d))
        .map_err(|e| e.to_string())?;
    let resource = match existing {
        Some(r) => r,
        None => Resource::new(arn).map_err(|e| e.to_string())?.owner(owner),
    };
    world
        .replace_resource(resource.policy(doc))
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Takes the statement `sid` out of the policy of the resource `arn` (a
/// permission the plan deletes).
pub(crate) fn remove_statement(world: &mut World, arn: &str, sid: &str) {
    let Some((existing, _)) = world.resource_for(arn).filter(|(r, _)| r.arn() == arn) else {
        return;
    };
    let existing = existing.clone();
    let Some(doc) = existing
        .resource_policy()
        .and_then(|d| serde_json::to_value(d).ok())
    else {
        return;
    };
    let kept: Vec<Value> = match doc.get("Statement") {
        Some(Value::Array(all)) => all
            .iter()
            .filter(|s| s.get("Sid").and_then(Value::as_str) != Some(sid))
            .cloned()
            .collect(),
        Some(one @ Value::Object(_)) if one.get("Sid").and_then(Value::as_str) != Some(sid) => {
            vec![one.clone()]
        }
        _ => Vec::new(),
    };
    let fresh = Resource::new(arn).map(|r| match existing.account() {
        Some(a) => r.owner(a),
        None => r,
    });
    let Ok(fresh) = fresh else {
        return;
    };
    let fresh = if kept.is_empty() {
        fresh
    } else {
        match PolicyDocument::from_value(&json!({"Version": "2012-10-17", "Statement": kept})) {
            Ok(doc) => fresh.policy(doc),
            Err(_) => fresh,
        }
    };
    let _ = world.replace_resource(fresh);
}
