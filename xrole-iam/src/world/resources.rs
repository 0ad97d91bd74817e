//! Resources with their own policies: S3 buckets, KMS keys, SQS queues, SNS
//! topics, Lambda functions, Secrets Manager secrets, ECR repositories and
//! DynamoDB tables, each with its resource policy (a key policy for a KMS key)
//! and tags, and a table's partition key (what `dynamodb:LeadingKeys` reads).

use std::fmt;

use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{AccountId, Arn, Partition, Placed};

use super::entities::EntityTags;
use crate::eval::CompiledPolicy;

/// The kinds of resources the world holds policies for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResourceKind {
    /// `arn:aws:s3:::BUCKET`: a bucket and its bucket policy (its objects'
    /// ARNs, `arn:aws:s3:::BUCKET/KEY`, are under it).
    S3Bucket,
    /// `arn:aws:kms:REGION:ACCOUNT:key/ID`: a key and its key policy.
    KmsKey,
    /// `arn:aws:sqs:REGION:ACCOUNT:QUEUE`: a queue and its queue policy.
    SqsQueue,
    /// `arn:aws:sns:REGION:ACCOUNT:TOPIC`: a topic and its topic policy.
    SnsTopic,
    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME`: a function and its
    /// resource-based policy.
    LambdaFunction,
    /// `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX`: a secret and
    /// its resource policy.
    Secret,
    /// `arn:aws:ecr:REGION:ACCOUNT:repository/NAME`: a repository and its
    /// repository policy.
    EcrRepository,
    /// `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`: a table, its resource
    /// policy and its partition key (its indexes, `table/NAME/index/INDEX`,
    /// are under it).
    DynamoDbTable,
}

impl ResourceKind {
    /// Every kind.
    pub const ALL: [ResourceKind; 8] = [
        ResourceKind::S3Bucket,
        ResourceKind::KmsKey,
        ResourceKind::SqsQueue,
        ResourceKind::SnsTopic,
        ResourceKind::LambdaFunction,
        ResourceKind::Secret,
        ResourceKind::EcrRepository,
        ResourceKind::DynamoDbTable,
    ];

    /// The kind's name in messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResourceKind::S3Bucket => "S3 bucket",
            ResourceKind::KmsKey => "KMS key",
            ResourceKind::SqsQueue => "SQS queue",
            ResourceKind::SnsTopic => "SNS topic",
            ResourceKind::LambdaFunction => "Lambda function",
            ResourceKind::Secret => "Secrets Manager secret",
            ResourceKind::EcrRepository => "ECR repository",
            ResourceKind::DynamoDbTable => "DynamoDB table",
        }
    }

    /// The service prefix of its ARNs.
    const fn service(self) -> &'static str {
        match self {
            ResourceKind::S3Bucket => "s3",
            ResourceKind::KmsKey => "kms",
            ResourceKind::SqsQueue => "sqs",
            ResourceKind::SnsTopic => "sns",
            ResourceKind::LambdaFunction => "lambda",
            ResourceKind::Secret => "secretsmanager",
            ResourceKind::EcrRepository => "ecr",
            ResourceKind::DynamoDbTable => "dynamodb",
        }
    }

    /// The form its ARNs take, for messages.
    const fn form(self) -> &'static str {
        match self {
            ResourceKind::S3Bucket => "arn:PARTITION:s3:::BUCKET",
            ResourceKind::KmsKey => "arn:PARTITION:kms:REGION:ACCOUNT:key/ID",
            ResourceKind::SqsQueue => "arn:PARTITION:sqs:REGION:ACCOUNT:QUEUE",
            ResourceKind::SnsTopic => "arn:PARTITION:sns:REGION:ACCOUNT:TOPIC",
            ResourceKind::LambdaFunction => "arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME",
            ResourceKind::Secret => "arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME",
            ResourceKind::EcrRepository => "arn:PARTITION:ecr:REGION:ACCOUNT:repository/NAME",
            ResourceKind::DynamoDbTable => "arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME",
        }
    }

    /// The kind of the resource `arn` names, when it is the whole resource (a
    /// bucket, not an object; a function, not a version).
    fn of(arn: &Arn<'_>) -> Option<Self> {
        let kind = *Self::ALL.iter().find(|k| k.service() == arn.service)?;
        let prefix = match kind {
            ResourceKind::S3Bucket | ResourceKind::SqsQueue | ResourceKind::SnsTopic => "",
            ResourceKind::KmsKey => "key/",
            ResourceKind::LambdaFunction => "function:",
            ResourceKind::Secret => "secret:",
            ResourceKind::EcrRepository => "repository/",
            ResourceKind::DynamoDbTable => "table/",
        };
        // The whole resource: no object, version or alias after its name (a
        // repository's name may hold slashes).
        let name = arn.resource.strip_prefix(prefix)?;
        let whole = !name.is_empty()
            && !name.contains(':')
            && (kind == ResourceKind::EcrRepository || !name.contains('/'));
        if !whole {
            return None;
        }
        // Buckets are global and name no region or account; the others name both.
        let placed = match kind {
            ResourceKind::S3Bucket => arn.region.is_empty() && arn.account.is_empty(),
            _ => !arn.region.is_empty() && arn.account_id().is_some(),
        };
        placed.then_some(kind)
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource of the world: its ARN, its owning account, its policy and tags.
#[derive(Clone, Debug)]
pub struct Resource {
    arn: String,
    kind: ResourceKind,
    account: Option<AccountId>,
    policy: Option<PolicyDocument>,
    tags: EntityTags,
    partition_key: Option<String>,
}

/// DynamoDB's bounds on an attribute's name.
const ATTRIBUTE_NAME_BYTES: std::ops::RangeInclusive<usize> = 1..=255;

impl Resource {
    /// The resource `arn`, of one of the [`ResourceKind`]s. A bucket's ARN names
    /// no account: give its owner with [`owner`](Self::owner).
    pub fn new(arn: &str) -> Result<Self, super::WorldError> {
        let kind = Arn::split(arn)
            .filter(|a| Partition::parse(a.partition).is_ok())
            .and_then(|a| ResourceKind::of(&a).map(|k| (k, a.account_id())));
        match kind {
            Some((kind, account)) => Ok(Self {
                arn: arn.to_owned(),
                kind,
                account,
                policy: None,
                tags: EntityTags::default(),
                partition_key: None,
            }),
            None => Err(super::problem(Placed::new(
                arn,
                format!(
                    "is not the ARN of a resource the world holds policies for ({})",
                    ResourceKind::ALL.map(ResourceKind::form).join(", ")
                ),
            ))),
        }
    }

    /// The account that owns a bucket (other resources name theirs).
    pub fn owner(mut self, account: AccountId) -> Self {
        self.account = Some(account);
        self
    }

    /// Sets the resource's policy (a KMS key's key policy).
    pub fn policy(mut self, doc: PolicyDocument) -> Self {
        self.policy = Some(doc);
        self
    }

    /// Adds a tag (`aws:ResourceTag/key`).
    pub fn tag(mut self, key: &str, value: &str) -> Self {
        self.tags.push(key, value);
        self
    }

    /// A DynamoDB table's partition key: the attribute whose values a request
    /// names are its `dynamodb:LeadingKeys`.
    pub fn partition_key(mut self, attribute: &str) -> Self {
        self.partition_key = Some(attribute.to_owned());
        self
    }

    /// A DynamoDB table's partition key, when given.
    pub fn table_partition_key(&self) -> Option<&str> {
        self.partition_key.as_deref()
    }

    /// The ARN.
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// What kind of resource it is.
    pub fn kind(&self) -> ResourceKind {
        self.kind
    }

    /// The owning account.
    pub fn account(&self) -> Option<AccountId> {
        self.account
    }

    /// The resource's policy, if it has one.
    pub fn resource_policy(&self) -> Option<&PolicyDocument> {
        self.policy.as_ref()
    }

    /// The tags.
    pub fn tags(&self) -> &[xrole_core::SessionTag] {
        self.tags.valid()
    }

    /// Whether `arn` is this resource or under it (an object of a bucket, an
    /// index or stream of a table).
    pub fn covers(&self, arn: &str) -> bool {
        arn == self.arn
            || (matches!(
                self.kind,
                ResourceKind::S3Bucket | ResourceKind::DynamoDbTable
            ) && arn
                .strip_prefix(self.arn.as_str())
                .is_some_and(|rest| rest.starts_with('/')))
    }

    /// The rules a resource keeps on its own: an owner, a valid resource policy
    /// (a KMS key always has its key policy), valid tags. The compiled policy when
    /// all hold.
    pub(super) fn check(&self, problems: &mut Vec<Placed>) -> Option<CompiledPolicy> {
        let owner = format!("{} {}", self.kind, self.arn);
        if self.account.is_none() {
            problems.push(Placed::new(
                &owner,
                "names no account: give the bucket's owner",
            ));
        }
        self.tags.check(&owner, problems);
        match (&self.partition_key, self.kind) {
            (Some(_), kind) if kind != ResourceKind::DynamoDbTable => problems.push(Placed::new(
                &owner,
                "has a partition key: only a DynamoDB table has one",
            )),
            (Some(key), _) if !ATTRIBUTE_NAME_BYTES.contains(&key.len()) => {
                problems.push(Placed::new(
                    &owner,
                    format_args!(
                        "its partition key's name is {} to {} bytes",
                        ATTRIBUTE_NAME_BYTES.start(),
                        ATTRIBUTE_NAME_BYTES.end()
                    ),
                ));
            }
            _ => {}
        }
        match &self.policy {
            Some(doc) => CompiledPolicy::new(owner.clone(), doc, PolicyKind::Resource)
                .map_err(|e| problems.push(Placed::new(format!("{owner}: policy"), e)))
                .ok(),
            None if self.kind == ResourceKind::KmsKey => {
                problems.push(Placed::new(
                    &owner,
                    "has no key policy: every KMS key has one, and without it no one may use the key",
                ));
                None
            }
            None => None,
        }
    }
}
