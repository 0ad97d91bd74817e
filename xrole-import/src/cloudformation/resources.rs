//! A template's buckets, queues and topics (so that `Ref` and `Fn::GetAtt` of
//! them resolve) and the resource policies it sets: `AWS::S3::BucketPolicy`,
//! `AWS::SQS::QueuePolicy`, `AWS::SNS::TopicPolicy` and
//! `AWS::SecretsManager::ResourcePolicy`.

use serde_json::Value;
use xrole_core::Arn;
use xrole_core::policy::{PolicyDocument, PolicyKind};

use super::intrinsics::{Named, Resolver};
use crate::FileProblems;
use xrole_iam::world::{Resource, World};

/// A bucket, queue or topic the template names (`BucketName`, `QueueName`,
/// `TopicName`): its ARN and what `Ref` gives (a bucket's name, a queue's URL, a
/// topic's ARN). A generated name, or a queue or topic without the stack's
/// region, is none: a policy that refers to it is reported where it does.
pub(super) fn named(r: &Value, resolver: &Resolver<'_>) -> Option<Named> {
    let (kind, name_key) = match r.get("Type").and_then(Value::as_str)? {
        "AWS::S3::Bucket" => ("bucket", "BucketName"),
        "AWS::SQS::Queue" => ("queue", "QueueName"),
        "AWS::SNS::Topic" => ("topic", "TopicName"),
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

/// The resources one policy resource sets the policy of, with the places of its
/// targets and of its document.
fn targets(
    kind: &str,
    partition: &str,
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
    for (id, r) in resources {
        let kind = r.get("Type").and_then(Value::as_str).unwrap_or_default();
        if !kind.ends_with("Policy") || kind.starts_with("AWS::IAM::") {
            continue;
        }
        let at = format!("Resources.{id}.Properties");
        let Some(props) = props_of(id, r, p) else {
            continue;
        };
        let Some((arns, doc_key)) = targets(kind, stack.partition().as_str(), &props, &at, p)
        else {
            continue;
        };
        let Some(doc) = props.get(doc_key).and_then(|v| {
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
}
