//! What a plan deletes, taken out of the world.

use serde_json::Value;
use xrole_core::{PolicyArn, PrincipalArn, RoleArn};

use super::Reader;
use super::owners::Owners;
use super::plan::Deleted;
use xrole_iam::world::{Without, World};

/// What the plan deletes, taken out of the world by the values it had before:
/// attachments, inline policies and memberships first, then roles and users,
/// then groups and managed policies, which nothing may hold any more.
pub(super) fn delete(
    world: &mut World,
    deleted: &[Deleted<'_>],
    reader: &mut Reader<'_, '_>,
    owners: &mut Owners,
) {
    let stage = |kind: &str| match kind {
        "aws_iam_role" | "aws_iam_user" => 1,
        "aws_iam_group" | "aws_iam_policy" => 2,
        _ => 0,
    };
    for current in 0..3 {
        for d in deleted.iter().filter(|d| stage(d.kind) == current) {
            let text = |k: &str| d.before.get(k).and_then(Value::as_str).unwrap_or_default();
            let strings = |k: &str| -> Vec<&str> {
                d.before
                    .get(k)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect()
            };
            // The ARN it had, else the one its name and path give.
            let arn = || {
                Some(text("arn").to_owned())
                    .filter(|a| !a.is_empty())
                    .or_else(|| {
                        reader
                            .arn(
                                d.kind,
                                text("name"),
                                d.before.get("path").and_then(Value::as_str).unwrap_or("/"),
                            )
                            .ok()
                            .flatten()
                    })
            };
            let result = match d.kind {
                "aws_iam_role" => {
                    if let Some(a) = arn().and_then(|a| RoleArn::parse(&a).ok()) {
                        world.remove_role(&a);
                        owners.roles.remove(a.name());
                    }
                    Ok(())
                }
                "aws_iam_user" => {
                    if let Some(a) = arn().and_then(|a| PrincipalArn::parse(&a).ok()) {
                        world.remove_user(&a);
                        owners.users.remove(text("name"));
                    }
                    Ok(())
                }
                "aws_iam_group" => world.remove_group(reader.account, text("name")).map(drop),
                "aws_iam_policy" => match arn().and_then(|a| PolicyArn::parse(&a).ok()) {
                    Some(a) => world.remove_managed_policy(&a).map(drop),
                    None => Ok(()),
                },
                "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
                    let kind = owner_kind(d.kind);
                    owners.detach(world, kind, text(kind), Without::Policy(text("name")))
                }
                "aws_iam_user_group_membership" => {
                    strings("groups").into_iter().try_for_each(|g| {
                        owners.detach(world, "user", text("user"), Without::Group(g))
                    })
                }
                "aws_iam_group_membership" => strings("users").into_iter().try_for_each(|u| {
                    owners.detach(world, "user", u, Without::Group(text("group")))
                }),
                "aws_s3_bucket_policy"
                | "aws_sqs_queue_policy"
                | "aws_sns_topic_policy"
                | "aws_secretsmanager_secret_policy"
                | "aws_kms_key"
                | "aws_lambda_permission"
                | "aws_ecr_repository_policy" => {
                    super::resources::delete_resource_policy(world, d, reader);
                    Ok(())
                }
                _ => match PolicyArn::parse(text("policy_arn")) {
                    Ok(a) => {
                        let kind = owner_kind(d.kind);
                        owners.detach(world, kind, text(kind), Without::ManagedPolicy(&a))
                    }
                    Err(_) => Ok(()),
                },
            };
            if let Err(e) = result {
                reader
                    .p
                    .nested(&format!("$.resource_changes[{:?}]", d.address), e);
            }
        }
    }
}

/// The owner an attachment resource names: `role`, `user` or `group`.
fn owner_kind(kind: &str) -> &'static str {
    if kind.starts_with("aws_iam_role") {
        "role"
    } else if kind.starts_with("aws_iam_user") {
        "user"
    } else {
        "group"
    }
}
