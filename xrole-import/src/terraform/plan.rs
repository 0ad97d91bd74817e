//! A plan's JSON as the importer reads it: the planned IAM resources with the
//! action Terraform will take on each, the resources it will delete (with their
//! values before), the root module's references, and the account and partition
//! the plan itself names.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;
use xrole_core::{AccountId, Partition, PolicyArn, PrincipalArn, RoleArn};

/// The resource types read; others are left alone.
pub(super) const TYPES: [&str; 19] = [
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
    "aws_s3_bucket_policy",
    "aws_sqs_queue_policy",
    "aws_sns_topic_policy",
    "aws_secretsmanager_secret_policy",
    "aws_kms_key",
    "aws_lambda_permission",
    "aws_ecr_repository_policy",
];

/// What Terraform will do to a resource (`resource_changes[].change.actions`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Action {
    Create,
    /// In-place update.
    Update,
    /// Destroy and create again, in either order.
    Replace,
    NoOp,
    Read,
    Delete,
}

impl Action {
    fn of(actions: &[Value]) -> Option<Self> {
        let words: Vec<&str> = actions.iter().filter_map(Value::as_str).collect();
        Some(match words.as_slice() {
            ["create"] => Action::Create,
            ["update"] => Action::Update,
            ["delete", "create"] | ["create", "delete"] => Action::Replace,
            ["no-op"] => Action::NoOp,
            ["read"] => Action::Read,
            ["delete"] => Action::Delete,
            _ => return None,
        })
    }

    /// Whether the resource stays as the prior state has it: what an export of
    /// the account already shows.
    pub(super) fn keeps(self) -> bool {
        matches!(self, Action::NoOp | Action::Read)
    }
}

/// One resource the plan leaves in place: its address, type, values, what is
/// unknown, and Terraform's action.
pub(super) struct Planned<'v> {
    pub(super) address: String,
    pub(super) kind: &'v str,
    pub(super) values: &'v Value,
    pub(super) unknown: Option<&'v Value>,
    pub(super) action: Action,
}

/// One resource the plan deletes, with its values before.
pub(super) struct Deleted<'v> {
    pub(super) address: String,
    pub(super) kind: &'v str,
    pub(super) before: &'v Value,
}

/// The plan, read.
pub(super) struct Plan<'v> {
    /// The planned resources of the types read, with their JSON path.
    pub(super) resources: Vec<(String, Planned<'v>)>,
    pub(super) deleted: Vec<Deleted<'v>>,
    /// Root-module references by address and attribute (`aws_iam_policy.x.arn`).
    pub(super) references: HashMap<(String, String), Vec<String>>,
}

/// The plan's resources of a module and its children, with their JSON path.
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

fn list<'v>(v: &'v Value, pointer: &str) -> impl Iterator<Item = &'v Value> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

impl<'v> Plan<'v> {
    /// The plan in `root`, whose `planned_values.root_module` is `module`.
    pub(super) fn read(root: &'v Value, module: &'v Value) -> Self {
        let mut found = Vec::new();
        planned(module, "$.planned_values.root_module", &mut found);
        let mut changes: HashMap<&str, (Option<Action>, Option<&Value>)> = HashMap::new();
        let mut deleted = Vec::new();
        for change in list(root, "/resource_changes") {
            let Some(address) = change.get("address").and_then(Value::as_str) else {
                continue;
            };
            let action = change
                .pointer("/change/actions")
                .and_then(Value::as_array)
                .and_then(|a| Action::of(a));
            let kind = change.get("type").and_then(Value::as_str).unwrap_or("");
            if action == Some(Action::Delete)
                && change.get("mode").and_then(Value::as_str) == Some("managed")
                && TYPES.contains(&kind)
                && let Some(before) = change.pointer("/change/before")
            {
                deleted.push(Deleted {
                    address: address.to_owned(),
                    kind,
                    before,
                });
            }
            changes.insert(address, (action, change.pointer("/change/after_unknown")));
        }
        let resources = found
            .into_iter()
            .filter_map(|(at, r)| {
                let kind = r.get("type").and_then(Value::as_str)?;
                if r.get("mode").and_then(Value::as_str) != Some("managed")
                    || !TYPES.contains(&kind)
                {
                    return None;
                }
                let address = r.get("address").and_then(Value::as_str).unwrap_or("");
                let (action, unknown) = changes.get(address).copied().unwrap_or((None, None));
                let planned = Planned {
                    address: address.to_owned(),
                    kind,
                    values: r.get("values").unwrap_or(&Value::Null),
                    unknown,
                    // A plan without its changes: everything is to be created.
                    action: action.unwrap_or(Action::Create),
                };
                Some((at, planned))
            })
            .collect();
        Self {
            resources,
            deleted,
            references: references(root),
        }
    }
}

/// Root-module references: (address, attribute) to the references written.
fn references(root: &Value) -> HashMap<(String, String), Vec<String>> {
    let mut out = HashMap::new();
    for r in list(root, "/configuration/root_module/resources") {
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
                out.insert((addr.to_owned(), attr.clone()), refs);
            }
        }
    }
    out
}

/// The accounts and partitions the plan names itself: the AWS providers'
/// `allowed_account_ids`, the ARNs of its prior state, and the account of a
/// `data.aws_caller_identity`.
#[derive(Default)]
pub(super) struct Named {
    pub(super) accounts: BTreeSet<AccountId>,
    pub(super) partitions: BTreeSet<Partition>,
    /// The default AWS provider's region, when a constant.
    pub(super) region: Option<String>,
}

impl Named {
    pub(super) fn read(root: &Value) -> Self {
        let mut named = Named::default();
        for (key, provider) in root
            .pointer("/configuration/provider_config")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if key != "aws" && !key.starts_with("aws.") {
                continue;
            }
            if key == "aws"
                && let Some(region) = provider
                    .pointer("/expressions/region/constant_value")
                    .and_then(Value::as_str)
            {
                named.region = Some(region.to_owned());
            }
            for id in list(provider, "/expressions/allowed_account_ids/constant_value")
                .filter_map(Value::as_str)
            {
                if let Ok(a) = id.parse() {
                    named.accounts.insert(a);
                }
            }
        }
        let mut prior = Vec::new();
        if let Some(module) = root.pointer("/prior_state/values/root_module") {
            planned(module, "", &mut prior);
        }
        for (_, r) in prior {
            let values = r.get("values").unwrap_or(&Value::Null);
            if r.get("type").and_then(Value::as_str) == Some("aws_caller_identity")
                && let Some(a) = values.get("account_id").and_then(Value::as_str)
                && let Ok(a) = a.parse()
            {
                named.accounts.insert(a);
            }
            if let Some(arn) = values.get("arn").and_then(Value::as_str) {
                named.arn(arn);
            }
        }
        named
    }

    /// The account and partition of an IAM ARN (a role's, user's or policy's).
    fn arn(&mut self, arn: &str) {
        let (account, partition) = if let Ok(r) = RoleArn::parse(arn) {
            (Some(r.account()), Some(r.partition()))
        } else if let Ok(p) = PrincipalArn::parse(arn) {
            (p.account(), p.partition())
        } else if let Ok(p) = PolicyArn::parse(arn) {
            (p.owner(), None)
        } else {
            (None, None)
        };
        self.accounts.extend(account);
        self.partitions.extend(partition);
    }
}
