//! The resource policies a plan sets or removes: bucket, queue, topic and
//! secret policies, and the key policies of keys whose ARN the plan knows.

use serde_json::Value;
use xrole_core::Arn;
use xrole_core::policy::PolicyKind;

use super::Reader;
use super::plan::{Deleted, Planned};
use xrole_iam::world::{Resource, World};

/// The resource a resource-policy type of the provider sets the policy of, and
/// the attribute holding that policy; `None` for other types.
fn target(r: &Planned<'_>, at: &str, reader: &mut Reader<'_, '_>) -> Option<Option<String>> {
    let partition = reader.partition.as_str();
    Some(match r.kind {
        "aws_s3_bucket_policy" => reader
            .text(r, at, "bucket")
            .map(|bucket| bucket_arn(partition, &bucket)),
        "aws_sqs_queue_policy" => reader.text(r, at, "queue_url").and_then(|url| {
            let arn = Arn::of_queue_url(&url).map(|a| a.to_string());
            if arn.is_none() {
                reader.p.at(
                    &format!("{at}.values.queue_url"),
                    format!("not a queue URL: {url:?}"),
                );
            }
            arn
        }),
        "aws_sns_topic_policy" | "aws_kms_key" => reader.text(r, at, "arn"),
        "aws_secretsmanager_secret_policy" => reader.text(r, at, "secret_arn"),
        _ => return None,
    })
}

/// A bucket's ARN in `partition`.
fn bucket_arn(partition: &str, bucket: &str) -> String {
    Arn {
        partition,
        service: "s3",
        region: "",
        account: "",
        resource: bucket,
    }
    .to_string()
}

/// Sets each planned resource policy on its resource, in the world or new.
pub(super) fn resource_policies(
    world: &mut World,
    resources: &[(String, Planned<'_>)],
    reader: &mut Reader<'_, '_>,
) {
    for (at, r) in resources {
        let Some(arn) = target(r, at, reader) else {
            continue;
        };
        let Some(arn) = arn else {
            continue;
        };
        let Some(doc) = reader.document(r, at, "policy", PolicyKind::Resource) else {
            continue;
        };
        let resource = match world.resource_for(&arn) {
            Some((existing, _)) if existing.arn() == arn => Ok(existing.clone()),
            _ => Resource::new(&arn),
        };
        let result = resource
            .map(|res| res.owner(reader.account).policy(doc))
            .and_then(|res| world.replace_resource(res).map(drop));
        if let Err(e) = result {
            reader.p.nested(&format!("{at} ({})", r.address), e);
        }
    }
}

/// A deleted resource policy: its resource keeps no policy (a deleted key goes).
pub(super) fn delete_resource_policy(world: &mut World, d: &Deleted<'_>, partition: &str) {
    let text = |attr: &str| d.before.get(attr).and_then(Value::as_str);
    let arn = match d.kind {
        "aws_s3_bucket_policy" => text("bucket").map(|b| bucket_arn(partition, b)),
        "aws_sqs_queue_policy" => {
            text("queue_url").and_then(|u| Arn::of_queue_url(u).map(|a| a.to_string()))
        }
        "aws_sns_topic_policy" | "aws_kms_key" => text("arn").map(str::to_owned),
        "aws_secretsmanager_secret_policy" => text("secret_arn").map(str::to_owned),
        _ => None,
    };
    let Some(arn) = arn else {
        return;
    };
    if d.kind == "aws_kms_key" {
        world.remove_resource(&arn);
    } else if let Some((r, _)) = world.resource_for(&arn)
        && r.arn() == arn
    {
        let kept = Resource::new(&arn).map(|fresh| match r.account() {
            Some(a) => fresh.owner(a),
            None => fresh,
        });
        if let Ok(fresh) = kept {
            let _ = world.replace_resource(fresh);
        }
    }
}
