//! A template's buckets, queues, topics, functions and repositories (so that
//! `Ref` and `Fn::GetAtt` of them resolve) and the resource policies it sets:
//! `AWS::S3::BucketPolicy`, `AWS::SQS::QueuePolicy`, `AWS::SNS::TopicPolicy`,
//! `AWS::SecretsManager::ResourcePolicy`, an `AWS::ECR::Repository`'s
//! `RepositoryPolicyText`, and the statements `AWS::Lambda::Permission`s add to
//! a function's policy, and a key's `KeyPolicy` (`AWS::KMS::Key`). A key's id
//! is known only once CloudFormation has created it: given as the parameter
//! named by the key's logical id (`--parameter AppKey=1234abcd-...`), the key is
//! named (`Ref` is its id, `Fn::GetAtt AppKey.Arn` its ARN) and its policy read;
//! without it, the key and its policy are not in the world.

use serde_json::Value;
use xrole_core::Arn;
use xrole_core::policy::{PolicyDocument, PolicyKind};

use super::intrinsics::{Named, Resolver};
use crate::FileProblems;
use crate::parts::{LambdaPermission, Place, add_statements, on_implicit_resource};
use xrole_iam::world::{Resource, World};

/// A bucket, queue or topic the template names (`BucketName`, `QueueName`,
/// `TopicName`): its ARN and what `Ref` gives (a bucket's name, a queue's URL, a
/// topic's ARN). A generated name, or a queue or topic without the stack's
/// region, is none: a policy that refers to it is reported where it does.
pub(super) fn named(id: &str, r: &Value, resolver: &Resolver<'_>) -> Option<Named> {
    if r.get("Type").and_then(Value::as_str) == Some("AWS::KMS::Key") {
        return key(id, resolver.stack);
    }
    let (kind, name_key) = match r.get("Type").and_then(Value::as_str)? {
        "AWS::S3::Bucket" => ("bucket", "BucketName"),
        "AWS::SQS::Queue" => ("queue", "QueueName"),
        "AWS::SNS::Topic" => ("topic", "TopicName"),
        "AWS::Lambda::Function" => ("function", "FunctionName"),
        "AWS::ECR::Repository" => ("repository", "RepositoryName"),
        _ => return None,
    };
    let name = match resolver.resolve(r.get("Properties")?.get(name_key)?) {
        Ok(Some(Value::String(n))) => n,
        _ => return None,
    };
    let stack = resolver.stack;
    let partition = stack.partition();
    let account = stack.account.to_string();
    let arn = |service, region| {
        Arn {
            partition: partition.as_str(),
            service,
            region,
            account: if region.is_empty() { "" } else { &account },
            resource: &name,
        }
        .to_string()
    };
    let (arn, reference) = match kind {
        "bucket" => (arn("s3", ""), name.clone()),
        "queue" => {
            let region = stack.region.as_deref()?;
            let url = format!(
                "https://sqs.{region}.{}/{account}/{name}",
                partition.dns_suffix()
            );
            (arn("sqs", region), url)
        }
        "function" | "repository" => {
            let region = stack.region.as_deref()?;
            let service = if kind == "function" { "lambda" } else { "ecr" };
            let separator = if kind == "function" { ':' } else { '/' };
            let arn = Arn {
                partition: partition.as_str(),
                service,
                region,
                account: &account,
                resource: &format!("{kind}{separator}{name}"),
            }
            .to_string();
            (arn, name.clone())
        }
        _ => {
            let topic = arn("sns", stack.region.as_deref()?);
            (topic.clone(), topic)
        }
    };
    Some(Named {
        name,
        arn,
        reference,
    })
}

/// The KMS key of logical id `id`, when the stack's parameters give its id
/// (see the module's note): `Ref` is the key's id.
fn key(id: &str, stack: &super::StackContext) -> Option<Named> {
    let key_id = stack.parameters.get(id)?;
    let arn = Arn {
        partition: stack.partition().as_str(),
        service: "kms",
        region: stack.region.as_deref()?,
        account: &stack.account.to_string(),
        resource: &format!("key/{key_id}"),
    }
    .to_string();
    Some(Named {
        name: key_id.clone(),
        arn,
        reference: key_id.clone(),
    })
}

/// The resources one policy resource sets the policy of, with the places of its
/// targets and of its document.
fn targets(
    (id, kind): (&str, &str),
    place: Place<'_>,
    stack: &super::StackContext,
    props: &Value,
    at: &str,
    p: &mut FileProblems<'_>,
) -> Option<(Vec<String>, &'static str)> {
    let list = |key: &str| -> Vec<(usize, String)> {
        props
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, v)| Some((i, v.as_str()?.to_owned())))
            .collect()
    };
    let text = |key: &str| props.get(key).and_then(Value::as_str).map(str::to_owned);
    let partition = place.partition;
    Some(match kind {
        "AWS::S3::BucketPolicy" => {
            let bucket = text("Bucket")?;
            let arn = Arn {
                partition,
                service: "s3",
                region: "",
                account: "",
                resource: &bucket,
            };
            (vec![arn.to_string()], "PolicyDocument")
        }
        "AWS::SQS::QueuePolicy" => (
            list("Queues")
                .into_iter()
                .filter_map(|(i, url)| match Arn::of_queue_url(&url) {
                    Some(arn) => Some(arn.to_string()),
                    None => {
                        p.at(
                            &format!("{at}.Queues[{i}]"),
                            format!("not a queue URL: {url:?}"),
                        );
                        None
                    }
                })
                .collect(),
            "PolicyDocument",
        ),
        "AWS::SNS::TopicPolicy" => (
            list("Topics").into_iter().map(|(_, arn)| arn).collect(),
            "PolicyDocument",
        ),
        "AWS::ECR::Repository" => {
            props.get("RepositoryPolicyText")?;
            let name = text("RepositoryName")?;
            match place.arn("ecr", &format!("repository/{name}")) {
                Ok(arn) => (vec![arn], "RepositoryPolicyText"),
                Err(why) => {
                    p.at(&format!("{at}.RepositoryName"), why);
                    return None;
                }
            }
        }
        "AWS::KMS::Key" => {
            props.get("KeyPolicy")?;
            (vec![key(id, stack)?.arn], "KeyPolicy")
        }
        "AWS::SecretsManager::ResourcePolicy" => {
            let id = text("SecretId")?;
            if Arn::split(&id).is_none() {
                p.at(
                    &format!("{at}.SecretId"),
                    format!("{id:?} is a name: a secret's ARN ends with a suffix Secrets Manager generates, so give the ARN"),
                );
                return None;
            }
            (vec![id], "ResourcePolicy")
        }
        _ => return None,
    })
}

/// Sets each policy the template's policy resources give on its resources.
pub(super) fn resource_policies(
    world: &mut World,
    resources: &serde_json::Map<String, Value>,
    p: &mut FileProblems<'_>,
    props_of: &dyn Fn(&str, &Value, &mut FileProblems<'_>) -> Option<Value>,
    stack: &super::StackContext,
) {
    let partition = stack.partition();
    let account = stack.account.to_string();
    let place = Place {
        partition: partition.as_str(),
        region: stack.region.as_deref(),
        account: account.as_str(),
    };
    // The statements of AWS::Lambda::Permission resources, by function.
    let mut permissions: Vec<(String, Vec<Value>, String)> = Vec::new();
    for (id, r) in resources {
        let kind = r.get("Type").and_then(Value::as_str).unwrap_or_default();
        let reads = matches!(
            kind,
            "AWS::ECR::Repository" | "AWS::Lambda::Permission" | "AWS::KMS::Key"
        );
        if !reads && (!kind.ends_with("Policy") || kind.starts_with("AWS::IAM::")) {
            continue;
        }
        let at = format!("Resources.{id}.Properties");
        let Some(props) = props_of(id, r, p) else {
            continue;
        };
        if kind == "AWS::Lambda::Permission" {
            let text = |key: &str| props.get(key).and_then(Value::as_str);
            let permission = LambdaPermission {
                sid: id,
                function: text("FunctionName").unwrap_or_default(),
                qualifier: None,
                action: text("Action").unwrap_or_default(),
                principal: text("Principal").unwrap_or_default(),
                source_arn: text("SourceArn"),
                source_account: text("SourceAccount"),
                principal_org_id: text("PrincipalOrgID"),
                function_url_auth_type: text("FunctionUrlAuthType"),
            };
            let missing = [
                ("FunctionName", permission.function),
                ("Action", permission.action),
                ("Principal", permission.principal),
            ]
            .into_iter()
            .find(|(_, v)| v.is_empty());
            if let Some((key, _)) = missing {
                p.at(&format!("{at}.{key}"), "required: a text");
                continue;
            }
            match permission
                .statement(place)
                .map_err(|(_, why)| ("FunctionName", why))
            {
                Ok((function, statement)) => {
                    match permissions.iter_mut().find(|(f, _, _)| *f == function) {
                        Some((_, statements, _)) => statements.push(statement),
                        None => permissions.push((function, vec![statement], at)),
                    }
                }
                Err((key, why)) => p.at(&format!("{at}.{key}"), why),
            }
            continue;
        }
        let Some((arns, doc_key)) = targets((id, kind), place, stack, &props, &at, p) else {
            continue;
        };
        let mut value = props.get(doc_key).cloned();
        // A repository policy names no resource: its statements are on the
        // repository (ECR user guide, "Private repository policies").
        if let (Some(doc), "AWS::ECR::Repository", [repository]) =
            (value.as_mut(), kind, arns.as_slice())
        {
            on_implicit_resource(doc, repository);
        }
        let Some(doc) = value.as_ref().and_then(|v| {
            PolicyDocument::from_value(v)
                .and_then(|d| d.validate(PolicyKind::Resource).map(|()| d))
                .map_err(|e| p.at(&format!("{at}.{doc_key}"), e))
                .ok()
        }) else {
            continue;
        };
        for arn in arns {
            let resource = match world.resource_for(&arn) {
                Some((existing, _)) if existing.arn() == arn => Ok(existing.clone()),
                _ => Resource::new(&arn),
            };
            let result = resource
                .map(|res| res.owner(stack.account).policy(doc.clone()))
                .and_then(|res| world.replace_resource(res).map(drop));
            if let Err(e) = result {
                p.nested(&at, e);
            }
        }
    }
    for (function, statements, at) in permissions {
        if let Err(why) = add_statements(world, &function, stack.account, statements) {
            p.at(&at, why);
        }
    }
}
