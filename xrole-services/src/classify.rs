//! The authorization checks AWS makes for an HTTP request: each IAM action with
//! its resource ARNs and the request's condition values.
//!
//! An operation whose action is its name (`sqs:SendMessage`) needs no row;
//! where AWS authorizes it as other actions, [`CURATED`] says so, each row
//! citing the page it comes from. An operation of a service not classified in
//! full, or one neither says, is `prefix:Operation` on `*`, marked approximate.

use std::collections::BTreeMap;

use serde_json::Value;
use xrole_core::Arn;

use crate::identify::{HttpRequest, Identified, IdentifyError, identify};
use crate::{Member, ServiceData};

/// Where the request goes and who owns what it names by name alone.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    /// The partition (`aws`).
    pub partition: &'a str,
    /// The region the request is sent to.
    pub region: &'a str,
    /// The account a resource named without its ARN belongs to: the caller's.
    pub account: &'a str,
}

/// One check: an action on resources, with the request's condition values.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Check {
    /// `service:Action`.
    pub action: String,
    /// The resource ARNs, `*` when the action takes none.
    pub resources: Vec<String>,
    /// Condition keys and their values.
    pub context: BTreeMap<String, Vec<String>>,
    /// Whether the action was derived from the operation's name alone.
    pub approximate: bool,
}

/// A request's checks.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Classified<'d> {
    /// The operation.
    pub identified: Identified<'d>,
    /// Every check AWS makes, in order; none when the operation needs no
    /// permission (`sts:GetCallerIdentity`).
    pub checks: Vec<Check>,
}

/// One row of the curated table: an operation AWS authorizes as actions other
/// than its name, and the page that says so.
#[derive(Clone, Copy, Debug)]
pub struct Curated {
    /// The service, by botocore's name.
    pub service: &'static str,
    /// The operation.
    pub operation: &'static str,
    /// The actions it needs, in order (none: no permission at all).
    pub actions: &'static [&'static str],
    /// The page of AWS's documentation that says so.
    pub source: &'static str,
}

const S3_ACTIONS: &str =
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html";

/// An S3 row of [`CURATED`], from the S3 guide's table of the actions each
/// operation needs.
const fn s3(operation: &'static str, actions: &'static [&'static str]) -> Curated {
    Curated {
        service: "s3",
        operation,
        actions,
        source: S3_ACTIONS,
    }
}

/// The operations AWS authorizes as other actions than their names.
pub const CURATED: &[Curated] = &[
    Curated {
        service: "s3",
        operation: "ListObjectsV2",
        actions: &["s3:ListBucket"],
        source: S3_ACTIONS,
    },
    Curated {
        service: "s3",
        operation: "ListObjects",
        actions: &["s3:ListBucket"],
        source: S3_ACTIONS,
    },
    Curated {
        service: "s3",
        operation: "HeadBucket",
        actions: &["s3:ListBucket"],
        source: S3_ACTIONS,
    },
    Curated {
        service: "s3",
        operation: "ListObjectVersions",
        actions: &["s3:ListBucketVersions"],
        source: S3_ACTIONS,
    },
    Curated {
        service: "s3",
        operation: "ListBuckets",
        actions: &["s3:ListAllMyBuckets"],
        source: S3_ACTIONS,
    },
    Curated {
        service: "s3",
        operation: "HeadObject",
        actions: &["s3:GetObject"],
        source: S3_ACTIONS,
    },
    Curated {
        service: "s3",
        operation: "CopyObject",
        actions: &["s3:GetObject", "s3:PutObject"],
        source: S3_ACTIONS,
    },
    Curated {
        service: "s3",
        operation: "CreateMultipartUpload",
        actions: &["s3:PutObject"],
        source: S3_ACTIONS,
    },
    Curated {
        service: "s3",
        operation: "UploadPart",
        actions: &["s3:PutObject"],
        source: S3_ACTIONS,
    },
    Curated {
        service: "s3",
        operation: "CompleteMultipartUpload",
        actions: &["s3:PutObject"],
        source: S3_ACTIONS,
    },
    Curated {
        service: "s3",
        operation: "DeleteObjects",
        actions: &["s3:DeleteObject"],
        source: S3_ACTIONS,
    },
    // Bucket configurations and listings: the configuration's action.
    s3(
        "DeleteBucketAnalyticsConfiguration",
        &["s3:PutAnalyticsConfiguration"],
    ),
    s3("DeleteBucketCors", &["s3:PutBucketCORS"]),
    s3("DeleteBucketEncryption", &["s3:PutEncryptionConfiguration"]),
    s3(
        "DeleteBucketIntelligentTieringConfiguration",
        &["s3:PutIntelligentTieringConfiguration"],
    ),
    s3(
        "DeleteBucketInventoryConfiguration",
        &["s3:PutInventoryConfiguration"],
    ),
    s3("DeleteBucketLifecycle", &["s3:PutLifecycleConfiguration"]),
    s3(
        "DeleteBucketMetricsConfiguration",
        &["s3:PutMetricsConfiguration"],
    ),
    s3(
        "DeleteBucketOwnershipControls",
        &["s3:PutBucketOwnershipControls"],
    ),
    s3(
        "DeleteBucketReplication",
        &["s3:PutReplicationConfiguration"],
    ),
    s3("DeleteBucketTagging", &["s3:PutBucketTagging"]),
    s3(
        "DeletePublicAccessBlock",
        &["s3:PutBucketPublicAccessBlock"],
    ),
    s3(
        "GetBucketAccelerateConfiguration",
        &["s3:GetAccelerateConfiguration"],
    ),
    s3(
        "GetBucketAnalyticsConfiguration",
        &["s3:GetAnalyticsConfiguration"],
    ),
    s3("GetBucketCors", &["s3:GetBucketCORS"]),
    s3("GetBucketEncryption", &["s3:GetEncryptionConfiguration"]),
    s3(
        "GetBucketIntelligentTieringConfiguration",
        &["s3:GetIntelligentTieringConfiguration"],
    ),
    s3(
        "GetBucketInventoryConfiguration",
        &["s3:GetInventoryConfiguration"],
    ),
    s3("GetBucketLifecycle", &["s3:GetLifecycleConfiguration"]),
    s3(
        "GetBucketLifecycleConfiguration",
        &["s3:GetLifecycleConfiguration"],
    ),
    s3(
        "GetBucketMetricsConfiguration",
        &["s3:GetMetricsConfiguration"],
    ),
    s3(
        "GetBucketNotificationConfiguration",
        &["s3:GetBucketNotification"],
    ),
    s3("GetBucketReplication", &["s3:GetReplicationConfiguration"]),
    s3(
        "GetObjectLockConfiguration",
        &["s3:GetBucketObjectLockConfiguration"],
    ),
    s3("GetPublicAccessBlock", &["s3:GetBucketPublicAccessBlock"]),
    s3(
        "ListBucketAnalyticsConfigurations",
        &["s3:GetAnalyticsConfiguration"],
    ),
    s3(
        "ListBucketIntelligentTieringConfigurations",
        &["s3:GetIntelligentTieringConfiguration"],
    ),
    s3(
        "ListBucketInventoryConfigurations",
        &["s3:GetInventoryConfiguration"],
    ),
    s3(
        "ListBucketMetricsConfigurations",
        &["s3:GetMetricsConfiguration"],
    ),
    s3("ListMultipartUploads", &["s3:ListBucketMultipartUploads"]),
    s3("ListParts", &["s3:ListMultipartUploadParts"]),
    s3(
        "PutBucketAccelerateConfiguration",
        &["s3:PutAccelerateConfiguration"],
    ),
    s3(
        "PutBucketAnalyticsConfiguration",
        &["s3:PutAnalyticsConfiguration"],
    ),
    s3("PutBucketCors", &["s3:PutBucketCORS"]),
    s3("PutBucketEncryption", &["s3:PutEncryptionConfiguration"]),
    s3(
        "PutBucketIntelligentTieringConfiguration",
        &["s3:PutIntelligentTieringConfiguration"],
    ),
    s3(
        "PutBucketInventoryConfiguration",
        &["s3:PutInventoryConfiguration"],
    ),
    s3("PutBucketLifecycle", &["s3:PutLifecycleConfiguration"]),
    s3(
        "PutBucketLifecycleConfiguration",
        &["s3:PutLifecycleConfiguration"],
    ),
    s3(
        "PutBucketMetricsConfiguration",
        &["s3:PutMetricsConfiguration"],
    ),
    s3(
        "PutBucketNotificationConfiguration",
        &["s3:PutBucketNotification"],
    ),
    s3("PutBucketReplication", &["s3:PutReplicationConfiguration"]),
    s3(
        "PutObjectLockConfiguration",
        &["s3:PutBucketObjectLockConfiguration"],
    ),
    s3("PutPublicAccessBlock", &["s3:PutBucketPublicAccessBlock"]),
    s3("SelectObjectContent", &["s3:GetObject"]),
    s3("UploadPartCopy", &["s3:GetObject", "s3:PutObject"]),
    Curated {
        service: "kms",
        operation: "ReEncrypt",
        actions: &["kms:ReEncryptFrom", "kms:ReEncryptTo"],
        source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html",
    },
    Curated {
        service: "sqs",
        operation: "SendMessageBatch",
        actions: &["sqs:SendMessage"],
        source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html",
    },
    Curated {
        service: "sqs",
        operation: "DeleteMessageBatch",
        actions: &["sqs:DeleteMessage"],
        source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html",
    },
    Curated {
        service: "sqs",
        operation: "ChangeMessageVisibilityBatch",
        actions: &["sqs:ChangeMessageVisibility"],
        source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html",
    },
    Curated {
        service: "sns",
        operation: "PublishBatch",
        actions: &["sns:Publish"],
        source: "https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html",
    },
    Curated {
        service: "lambda",
        operation: "Invoke",
        actions: &["lambda:InvokeFunction"],
        source: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html",
    },
    Curated {
        service: "lambda",
        operation: "InvokeWithResponseStream",
        actions: &["lambda:InvokeFunction"],
        source: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html",
    },
    Curated {
        service: "sts",
        operation: "GetCallerIdentity",
        actions: &[],
        source: "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html",
    },
];

/// An operation that passes a role to its service, and the member that names
/// it: AWS then checks `iam:PassRole` on that role, with `iam:PassedToService`
/// (IAM user guide, "Grant a user permissions to pass a role to an AWS service":
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html>).
#[derive(Clone, Copy, Debug)]
pub struct PassesRole {
    /// The service, by botocore's name.
    pub service: &'static str,
    /// The operation.
    pub operation: &'static str,
    /// The input member holding the role's ARN.
    pub member: &'static str,
    /// The service's page that says the call needs `iam:PassRole`.
    pub source: &'static str,
}

/// The operations that pass a role.
pub const PASSES_ROLE: &[PassesRole] = &[
    PassesRole {
        service: "lambda",
        operation: "CreateFunction",
        member: "Role",
        source: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
    },
    PassesRole {
        service: "lambda",
        operation: "UpdateFunctionConfiguration",
        member: "Role",
        source: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
    },
    PassesRole {
        service: "logs",
        operation: "PutSubscriptionFilter",
        member: "roleArn",
        source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutSubscriptionFilter.html",
    },
    PassesRole {
        service: "logs",
        operation: "PutDestination",
        member: "roleArn",
        source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutDestination.html",
    },
    PassesRole {
        service: "ssm",
        operation: "SendCommand",
        member: "ServiceRoleArn",
        source: "https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-sns-notifications.html",
    },
];

/// Why a request has no checks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClassifyError {
    /// It is no operation the models know.
    #[error(transparent)]
    Identify(#[from] IdentifyError),
}

/// The checks AWS makes for `request`, signed for `signing`, sent to `target`.
pub fn classify<'d>(
    data: &'d ServiceData,
    signing: &str,
    target: Target<'_>,
    request: &HttpRequest<'_>,
) -> Result<Classified<'d>, ClassifyError> {
    let identified = identify(data, signing, request)?;
    let service = identified.service;
    let prefix = service;
    let curated = CURATED
        .iter()
        .find(|c| c.service == service && c.operation == identified.operation);
    let iam = data.iam(service);
    let (actions, approximate): (Vec<String>, bool) = match curated {
        Some(c) => (c.actions.iter().map(|a| (*a).to_owned()).collect(), false),
        None => {
            let exists = iam.is_some_and(|i| i.action(identified.operation).is_some());
            (vec![format!("{prefix}:{}", identified.operation)], !exists)
        }
    };
    let body: Value = serde_json::from_slice(request.body).unwrap_or(Value::Null);
    let values = Values {
        identified: &identified,
        request,
        body: &body,
    };
    let mut context = common_context(request, target, &values);
    // Session tags an AssumeRole passes: condition values of each of its checks.
    let session_tags: Vec<(String, String)> = if service == "sts" {
        (1..=50)
            .map_while(|i| {
                let key = identified.query.get(&format!("Tags.member.{i}.Key"))?;
                let value = identified
                    .query
                    .get(&format!("Tags.member.{i}.Value"))
                    .cloned()
                    .unwrap_or_default();
                Some((key.clone(), value))
            })
            .collect()
    } else {
        Vec::new()
    };
    if !session_tags.is_empty() {
        for (k, v) in &session_tags {
            context.insert(format!("aws:RequestTag/{k}"), vec![v.clone()]);
        }
        context.insert(
            "aws:TagKeys".to_owned(),
            session_tags.iter().map(|(k, _)| k.clone()).collect(),
        );
    }
    let mut checks: Vec<Check> = actions
        .into_iter()
        .enumerate()
        .map(|(i, action)| Check {
            resources: resources(&action, i, &values, target),
            action,
            context: context.clone(),
            approximate,
        })
        .collect();
    // A role assumption that passes session tags or a source identity needs
    // sts:TagSession or sts:SetSourceIdentity too (IAM user guide, "Passing
    // session tags in AWS STS": <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html>,
    // and "Monitor and control actions taken with assumed roles":
    // <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html>).
    if service == "sts" && identified.operation.starts_with("AssumeRole") {
        let role = checks
            .first()
            .map(|c| c.resources.clone())
            .unwrap_or_default();
        if !session_tags.is_empty() {
            checks.push(Check {
                action: "sts:TagSession".to_owned(),
                resources: role.clone(),
                context: context.clone(),
                approximate: false,
            });
        }
        if let Some(identity) = identified.query.get("SourceIdentity") {
            let mut context = context.clone();
            context.insert("sts:SourceIdentity".to_owned(), vec![identity.clone()]);
            checks.push(Check {
                action: "sts:SetSourceIdentity".to_owned(),
                resources: role,
                context,
                approximate: false,
            });
        }
    }
    let passed = PASSES_ROLE
        .iter()
        .filter(|p| p.service == service && p.operation == identified.operation)
        .filter_map(|p| values.get(p.member))
        .filter(|role| xrole_core::RoleArn::parse(role).is_ok());
    for role in passed {
        let mut context = context.clone();
        context.insert(
            "iam:PassedToService".to_owned(),
            vec![format!("{service}.amazonaws.com")],
        );
        checks.push(Check {
            action: "iam:PassRole".to_owned(),
            resources: vec![role],
            context,
            approximate: false,
        });
    }
    Ok(Classified { identified, checks })
}

/// The request's values by member name, wherever they travel.
struct Values<'a, 'd> {
    identified: &'a Identified<'d>,
    request: &'a HttpRequest<'a>,
    body: &'a Value,
}

impl Values<'_, '_> {
    fn get(&self, member: &str) -> Option<String> {
        let op = self.identified.model;
        match op.members.get(member) {
            Some(Member::Uri(label)) => self
                .identified
                .labels
                .get(label.trim_end_matches('+'))
                .cloned(),
            Some(Member::Query(q)) => self.identified.query.get(q).cloned(),
            Some(Member::Header(h)) => self.request.header(h).map(str::to_owned),
            Some(Member::Body(b)) => match self.body.get(b) {
                Some(Value::String(s)) => Some(s.clone()),
                _ => self.identified.query.get(b).cloned(),
            },
            _ => None,
        }
    }
}

/// The keys every request carries: `aws:SecureTransport`, `aws:RequestedRegion`,
/// and the request's tags.
fn common_context(
    request: &HttpRequest<'_>,
    target: Target<'_>,
    values: &Values<'_, '_>,
) -> BTreeMap<String, Vec<String>> {
    let mut context = BTreeMap::new();
    context.insert(
        "aws:SecureTransport".to_owned(),
        vec![request.url.starts_with("https://").to_string()],
    );
    context.insert(
        "aws:RequestedRegion".to_owned(),
        vec![target.region.to_owned()],
    );
    // S3's x-amz-tagging header: the tags a PutObject or CopyObject sets.
    if let Some(tagging) = values.get("Tagging") {
        let tags: Vec<(String, String)> = form_urlencoded::parse(tagging.as_bytes())
            .into_owned()
            .collect();
        for (k, v) in &tags {
            context.insert(format!("s3:RequestObjectTag/{k}"), vec![v.clone()]);
        }
        context.insert(
            "s3:RequestObjectTagKeys".to_owned(),
            tags.into_iter().map(|(k, _)| k).collect(),
        );
    }
    for (member, key) in [
        ("ACL", "s3:x-amz-acl"),
        ("ServerSideEncryption", "s3:x-amz-server-side-encryption"),
        ("Prefix", "s3:prefix"),
        ("Delimiter", "s3:delimiter"),
        ("MaxKeys", "s3:max-keys"),
    ] {
        if values.identified.service == "s3"
            && let Some(v) = values.get(member)
        {
            context.insert(key.to_owned(), vec![v]);
        }
    }
    context
}

/// The resources the `i`-th action of the operation acts on.
fn resources(action: &str, i: usize, values: &Values<'_, '_>, target: Target<'_>) -> Vec<String> {
    let arn = |service: &str, resource: &str| {
        Arn {
            partition: target.partition,
            service,
            region: target.region,
            account: target.account,
            resource,
        }
        .to_string()
    };
    let s3 = |resource: &str| {
        Arn {
            partition: target.partition,
            service: "s3",
            region: "",
            account: "",
            resource,
        }
        .to_string()
    };
    let named_arn = |name: String, service: &str, resource: String| {
        if name.starts_with("arn:") {
            name
        } else {
            arn(service, &resource)
        }
    };
    match values.identified.service {
        "s3" => {
            let bucket = values.get("Bucket");
            let key = values.get("Key");
            match (action, bucket, key) {
                // CopyObject: the source first (x-amz-copy-source: BUCKET/KEY).
                ("s3:GetObject", _, _)
                    if matches!(values.identified.operation, "CopyObject" | "UploadPartCopy")
                        && i == 0 =>
                {
                    let source = values.get("CopySource").unwrap_or_default();
                    let source = source.trim_start_matches('/');
                    let source = source.split('?').next().unwrap_or_default();
                    let decoded = percent_encoding::percent_decode_str(source).decode_utf8_lossy();
                    vec![s3(&decoded)]
                }
                ("s3:ListAllMyBuckets", _, _) => vec!["*".to_owned()],
                (_, Some(b), Some(k)) => vec![s3(&format!("{b}/{k}"))],
                (_, Some(b), None) => vec![s3(&b)],
                _ => vec!["*".to_owned()],
            }
        }
        "sqs" => values
            .get("QueueUrl")
            .and_then(|url| Arn::of_queue_url(&url).map(|a| a.to_string()))
            .map_or_else(|| vec!["*".to_owned()], |a| vec![a]),
        "dynamodb" => match values.get("TableName") {
            Some(t) => vec![named_arn(t.clone(), "dynamodb", format!("table/{t}"))],
            // BatchGetItem, BatchWriteItem: one table each, by RequestItems' keys.
            None => match values.body.get("RequestItems").and_then(Value::as_object) {
                Some(tables) => tables
                    .keys()
                    .map(|t| named_arn(t.clone(), "dynamodb", format!("table/{t}")))
                    .collect(),
                None => vec!["*".to_owned()],
            },
        },
        "sns" => values
            .get("TopicArn")
            .map_or_else(|| vec!["*".to_owned()], |a| vec![a]),
        // ReEncrypt: the source key first, then the destination key.
        "kms" => match values.get("KeyId").or_else(|| {
            values.get(if i == 0 {
                "SourceKeyId"
            } else {
                "DestinationKeyId"
            })
        }) {
            Some(k) if k.starts_with("alias/") => vec![arn("kms", &k)],
            Some(k) => vec![named_arn(k.clone(), "kms", format!("key/{k}"))],
            None => vec!["*".to_owned()],
        },
        "secretsmanager" => match values.get("SecretId") {
            // A name: the ARN ends with a suffix Secrets Manager generates.
            Some(s) => vec![named_arn(
                s.clone(),
                "secretsmanager",
                format!("secret:{s}-??????"),
            )],
            None => vec!["*".to_owned()],
        },
        "lambda" => match values.get("FunctionName") {
            Some(f) => {
                let qualifier = values
                    .get("Qualifier")
                    .map(|q| format!(":{q}"))
                    .unwrap_or_default();
                vec![named_arn(
                    f.clone(),
                    "lambda",
                    format!("function:{f}{qualifier}"),
                )]
            }
            None => vec!["*".to_owned()],
        },
        "sts" => values
            .get("RoleArn")
            .map_or_else(|| vec!["*".to_owned()], |a| vec![a]),
        _ => vec!["*".to_owned()],
    }
}
