//! The resource policies a plan sets or removes: bucket, queue, topic,
//! secret and repository policies, the key policies of keys whose ARN the plan
//! knows, and the statements `aws_lambda_permission`s add to their function's
//! policy.

use serde_json::Value;
use xrole_core::Arn;
use xrole_core::policy::PolicyKind;

use super::Reader;
use super::plan::{Deleted, Planned};
use crate::parts::{
    LambdaPermission, Place, add_statements, function_arn, on_implicit_resource, remove_statement,
};
use xrole_core::policy::PolicyDocument;
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

/// Where a planned resource lives.
fn place_of<'a>(
    reader: &'a Reader<'_, '_>,
    region: Option<&'a str>,
    account: &'a str,
) -> Place<'a> {
    Place {
        partition: reader.partition.as_str(),
        region,
        account,
    }
}

/// A planned `aws_lambda_permission`: its function's ARN and statement, or
/// `None` when it cannot be judged (a problem or an unjudged value, recorded).
fn lambda_permission(
    r: &Planned<'_>,
    at: &str,
    reader: &mut Reader<'_, '_>,
) -> Option<(String, Value)> {
    let function = reader.text(r, at, "function_name")?;
    let action = reader.text(r, at, "action")?;
    let principal = reader.text(r, at, "principal")?;
    let mut optional = |attr| reader.optional(r, at, attr);
    let qualifier = optional("qualifier").ok()?;
    let source_arn = optional("source_arn").ok()?;
    let source_account = optional("source_account").ok()?;
    let principal_org_id = optional("principal_org_id").ok()?;
    let function_url_auth_type = optional("function_url_auth_type").ok()?;
    let sid = optional("statement_id")
        .ok()?
        .unwrap_or_else(|| r.address.clone());
    let region = reader.region_of(r);
    let account = reader.account.to_string();
    let permission = LambdaPermission {
        sid: &sid,
        function: &function,
        qualifier: qualifier.as_deref(),
        action: &action,
        principal: &principal,
        source_arn: source_arn.as_deref(),
        source_account: source_account.as_deref(),
        principal_org_id: principal_org_id.as_deref(),
        function_url_auth_type: function_url_auth_type.as_deref(),
    };
    match permission.statement(place_of(reader, region.as_deref(), &account)) {
        Ok(found) => Some(found),
        Err((_, why)) => {
            reader.p.at(
                &format!("{at}.values.function_name"),
                format!("{} ({why})", r.address),
            );
            None
        }
    }
}

/// A planned `aws_ecr_repository_policy`: the repository's ARN and its policy,
/// its statements on the repository.
fn repository_policy(
    r: &Planned<'_>,
    at: &str,
    reader: &mut Reader<'_, '_>,
) -> Option<(String, PolicyDocument)> {
    let repository = reader.text(r, at, "repository")?;
    let text = reader.text(r, at, "policy")?;
    let region = reader.region_of(r);
    let account = reader.account.to_string();
    let arn = place_of(reader, region.as_deref(), &account)
        .arn("ecr", &format!("repository/{repository}"));
    let arn = match arn {
        Ok(arn) => arn,
        Err(why) => {
            reader.p.at(&format!("{at}.values.repository"), why);
            return None;
        }
    };
    let mut value: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            reader
                .p
                .at(&format!("{at}.values.policy"), format!("not JSON: {e}"));
            return None;
        }
    };
    on_implicit_resource(&mut value, &arn);
    PolicyDocument::from_value(&value)
        .and_then(|d| d.validate(PolicyKind::Resource).map(|()| d))
        .map_err(|e| reader.p.at(&format!("{at}.values.policy"), e))
        .ok()
        .map(|doc| (arn, doc))
}

/// Sets each planned resource policy on its resource, in the world or new.
pub(super) fn resource_policies(
    world: &mut World,
    resources: &[(String, Planned<'_>)],
    reader: &mut Reader<'_, '_>,
) {
    // The permissions' statements, by function: added together.
    let mut permissions: Vec<(String, Vec<Value>, String)> = Vec::new();
    for (at, r) in resources {
        if r.kind == "aws_lambda_permission" {
            if let Some((function, statement)) = lambda_permission(r, at, reader) {
                match permissions.iter_mut().find(|(f, _, _)| *f == function) {
                    Some((_, statements, _)) => statements.push(statement),
                    None => permissions.push((function, vec![statement], at.clone())),
                }
            }
            continue;
        }
        if r.kind == "aws_ecr_repository_policy" {
            if let Some((arn, doc)) = repository_policy(r, at, reader) {
                let result = Resource::new(&arn)
                    .map(|res| res.owner(reader.account).policy(doc))
                    .and_then(|res| world.replace_resource(res).map(drop));
                if let Err(e) = result {
                    reader.p.nested(&format!("{at} ({})", r.address), e);
                }
            }
            continue;
        }
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
    for (function, statements, at) in permissions {
        if let Err(why) = add_statements(world, &function, reader.account, statements) {
            reader.p.at(&at, why);
        }
    }
}

/// A deleted resource policy: its resource keeps no policy (a deleted key goes).
pub(super) fn delete_resource_policy(world: &mut World, d: &Deleted<'_>, reader: &Reader<'_, '_>) {
    let partition = reader.partition.as_str();
    let text = |attr: &str| d.before.get(attr).and_then(Value::as_str);
    let account = reader.account.to_string();
    let region = text("region")
        .map(str::to_owned)
        .or_else(|| reader.region.clone());
    let place = place_of(reader, region.as_deref(), &account);
    // A permission leaves its function's policy; the function's other
    // statements stay.
    if d.kind == "aws_lambda_permission" {
        let function = function_arn(
            text("function_name").unwrap_or_default(),
            text("qualifier"),
            place,
        );
        if let (Ok(function), Some(sid)) = (function, text("statement_id")) {
            remove_statement(world, &function, sid);
        }
        return;
    }
    let arn = match d.kind {
        "aws_ecr_repository_policy" => {
            text("repository").and_then(|name| place.arn("ecr", &format!("repository/{name}")).ok())
        }
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
