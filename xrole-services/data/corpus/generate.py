#!/usr/bin/env python3
"""Builds boto3.json, the classifier's corpus: requests made by a real SDK
(botocore, pinned to the version the service data comes from), serialized and
signed but never sent, each beside the checks AWS makes for it, written by hand
from the Service Authorization Reference and the services' permission pages.

    python3 xrole-services/data/corpus/generate.py

It installs botocore into a temporary virtual environment (pip, from PyPI),
runs there, and rewrites boto3.json beside this script. Builds and CI only read
its output: `cargo test -p xrole-test --test it corpus` classifies every
request and compares its checks with the expected ones.

Each case: service, operation, parameters, and the expected checks, each an
action, its resources and the request's own condition values (the keys every
request carries, aws:SecureTransport, aws:RequestedRegion, aws:CurrentTime and
aws:EpochTime, are checked by the test from the request itself).
"""

import base64
import json
import os
import subprocess
import sys
import tempfile

BOTOCORE = "1.43.119"
HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "eu-west-1"
ACCOUNT = "111122223333"  # the caller's: resources named without an ARN are its
OTHER = "444455556666"
SIGNED_AT = "2026-12-07T18:00:00"

B = "reports-bucket"
K = "2026/11.csv"
OBJ = f"arn:aws:s3:::{B}/{K}"
BUCKET = f"arn:aws:s3:::{B}"
QURL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/jobs"
QARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
STOCK = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/stock"
ATTRS = "dynamodb:Attributes"
SELECT = "dynamodb:Select"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"
ALIAS = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/app"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db-??????"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{OTHER}:secret:shared-AbCdEf"
PARAM = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/db/url"
FUNC = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:worker"
LOG_GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/api"
REPO = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/api"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/deployer"
EXEC_ROLE = f"arn:aws:iam::{ACCOUNT}:role/worker-exec"
OTHER_ROLE = f"arn:aws:iam::{OTHER}:role/Reader"


def c(action, resources, **context):
    """One expected check; context keys spelled with `__` for `:` and `_` for `-`
    are awkward, so they are given as a dict in `ctx`."""
    return {"action": action, "resources": resources if isinstance(resources, list) else [resources],
            "context": {k: v if isinstance(v, list) else [v] for k, v in context.get("ctx", {}).items()}}


CASES = [
    # --- S3 (virtual-hosted addressing, as botocore sends it)
    ("s3", "GetObject", {"Bucket": B, "Key": K}, [c("s3:GetObject", OBJ)]),
    ("s3", "GetObject", {"Bucket": B, "Key": K, "VersionId": "v1"},
     [c("s3:GetObjectVersion", OBJ, ctx={"s3:versionid": "v1"})]),
    ("s3", "HeadObject", {"Bucket": B, "Key": K}, [c("s3:GetObject", OBJ)]),
    ("s3", "HeadObject", {"Bucket": B, "Key": K, "VersionId": "v2"},
     [c("s3:GetObjectVersion", OBJ, ctx={"s3:versionid": "v2"})]),
    ("s3", "PutObject", {"Bucket": B, "Key": K, "Body": b"a,b\n"}, [c("s3:PutObject", OBJ)]),
    ("s3", "PutObject", {"Bucket": B, "Key": K, "Body": b"x", "ACL": "bucket-owner-full-control",
                         "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY,
                         "StorageClass": "STANDARD_IA", "Tagging": "team=data&env=prod"},
     [c("s3:PutObject", OBJ, ctx={"s3:x-amz-acl": "bucket-owner-full-control",
                                  "s3:x-amz-server-side-encryption": "aws:kms",
                                  "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY,
                                  "s3:x-amz-storage-class": "STANDARD_IA",
                                  "s3:RequestObjectTag/team": "data", "s3:RequestObjectTag/env": "prod",
                                  "s3:RequestObjectTagKeys": ["team", "env"]})]),
    ("s3", "PutObject", {"Bucket": B, "Key": K, "Body": b"x", "ObjectLockMode": "GOVERNANCE",
                         "ObjectLockRetainUntilDate": "2027-01-01T00:00:00Z", "ObjectLockLegalHoldStatus": "ON"},
     [c("s3:PutObject", OBJ, ctx={"s3:object-lock-mode": "GOVERNANCE",
                                  "s3:object-lock-retain-until-date": "2027-01-01T00:00:00Z",
                                  "s3:object-lock-legal-hold": "ON"})]),
    ("s3", "PutObject", {"Bucket": B, "Key": K, "Body": b"x", "IfNoneMatch": "*"},
     [c("s3:PutObject", OBJ, ctx={"s3:if-none-match": "*"})]),
    ("s3", "DeleteObject", {"Bucket": B, "Key": K}, [c("s3:DeleteObject", OBJ)]),
    ("s3", "DeleteObject", {"Bucket": B, "Key": K, "VersionId": "v3"},
     [c("s3:DeleteObjectVersion", OBJ, ctx={"s3:versionid": "v3"})]),
    ("s3", "DeleteObjects", {"Bucket": B, "Delete": {"Objects": [{"Key": "a.txt"}, {"Key": "dir/b.txt"}]}},
     [c("s3:DeleteObject", [f"{BUCKET}/a.txt", f"{BUCKET}/dir/b.txt"])]),
    ("s3", "DeleteObjects", {"Bucket": B, "Delete": {"Objects": [{"Key": "a.txt"}, {"Key": "old.txt", "VersionId": "v9"}]}},
     [c("s3:DeleteObject", f"{BUCKET}/a.txt"), c("s3:DeleteObjectVersion", f"{BUCKET}/old.txt")]),
    ("s3", "CopyObject", {"Bucket": B, "Key": "copy.csv", "CopySource": "src-bucket/in/a.csv"},
     [c("s3:GetObject", "arn:aws:s3:::src-bucket/in/a.csv"),
      c("s3:PutObject", f"{BUCKET}/copy.csv", ctx={"s3:x-amz-copy-source": "src-bucket/in/a.csv"})]),
    ("s3", "CopyObject", {"Bucket": B, "Key": "copy.csv", "CopySource": {"Bucket": "src-bucket", "Key": "a b.csv", "VersionId": "v7"},
                          "MetadataDirective": "REPLACE"},
     [c("s3:GetObjectVersion", "arn:aws:s3:::src-bucket/a b.csv"),
      c("s3:PutObject", f"{BUCKET}/copy.csv", ctx={"s3:x-amz-copy-source": "src-bucket/a%20b.csv?versionId=v7",
                                                   "s3:x-amz-metadata-directive": "REPLACE"})]),
    ("s3", "ListObjectsV2", {"Bucket": B}, [c("s3:ListBucket", BUCKET)]),
    ("s3", "ListObjectsV2", {"Bucket": B, "Prefix": "2026/", "Delimiter": "/", "MaxKeys": 50},
     [c("s3:ListBucket", BUCKET, ctx={"s3:prefix": "2026/", "s3:delimiter": "/", "s3:max-keys": "50"})]),
    ("s3", "ListObjects", {"Bucket": B, "Prefix": "logs/"}, [c("s3:ListBucket", BUCKET, ctx={"s3:prefix": "logs/"})]),
    ("s3", "ListObjectVersions", {"Bucket": B, "Prefix": "logs/"},
     [c("s3:ListBucketVersions", BUCKET, ctx={"s3:prefix": "logs/"})]),
    ("s3", "ListBuckets", {}, [c("s3:ListAllMyBuckets", "*")]),
    ("s3", "HeadBucket", {"Bucket": B}, [c("s3:ListBucket", BUCKET)]),
    ("s3", "CreateBucket", {"Bucket": B, "CreateBucketConfiguration": {"LocationConstraint": REGION}},
     [c("s3:CreateBucket", BUCKET)]),
    ("s3", "CreateBucket", {"Bucket": B, "ACL": "private", "ObjectLockEnabledForBucket": True,
                            "CreateBucketConfiguration": {"LocationConstraint": REGION}},
     [c("s3:CreateBucket", BUCKET, ctx={"s3:x-amz-acl": "private"})]),
    ("s3", "DeleteBucket", {"Bucket": B}, [c("s3:DeleteBucket", BUCKET)]),
    ("s3", "GetBucketPolicy", {"Bucket": B}, [c("s3:GetBucketPolicy", BUCKET)]),
    ("s3", "PutBucketPolicy", {"Bucket": B, "Policy": "{}"}, [c("s3:PutBucketPolicy", BUCKET)]),
    ("s3", "DeleteBucketPolicy", {"Bucket": B}, [c("s3:DeleteBucketPolicy", BUCKET)]),
    ("s3", "GetBucketAcl", {"Bucket": B}, [c("s3:GetBucketAcl", BUCKET)]),
    ("s3", "PutBucketAcl", {"Bucket": B, "ACL": "private"}, [c("s3:PutBucketAcl", BUCKET, ctx={"s3:x-amz-acl": "private"})]),
    ("s3", "GetObjectAcl", {"Bucket": B, "Key": K}, [c("s3:GetObjectAcl", OBJ)]),
    ("s3", "GetObjectAcl", {"Bucket": B, "Key": K, "VersionId": "v1"},
     [c("s3:GetObjectVersionAcl", OBJ, ctx={"s3:versionid": "v1"})]),
    ("s3", "PutObjectAcl", {"Bucket": B, "Key": K, "ACL": "public-read"},
     [c("s3:PutObjectAcl", OBJ, ctx={"s3:x-amz-acl": "public-read"})]),
    ("s3", "GetObjectTagging", {"Bucket": B, "Key": K}, [c("s3:GetObjectTagging", OBJ)]),
    ("s3", "GetObjectTagging", {"Bucket": B, "Key": K, "VersionId": "v1"},
     [c("s3:GetObjectVersionTagging", OBJ, ctx={"s3:versionid": "v1"})]),
    ("s3", "PutObjectTagging", {"Bucket": B, "Key": K, "Tagging": {"TagSet": [{"Key": "team", "Value": "data"}]}},
     [c("s3:PutObjectTagging", OBJ)]),
    ("s3", "DeleteObjectTagging", {"Bucket": B, "Key": K}, [c("s3:DeleteObjectTagging", OBJ)]),
    ("s3", "GetObjectAttributes", {"Bucket": B, "Key": K, "ObjectAttributes": ["ETag"]},
     [c("s3:GetObject", OBJ), c("s3:GetObjectAttributes", OBJ)]),
    ("s3", "GetBucketVersioning", {"Bucket": B}, [c("s3:GetBucketVersioning", BUCKET)]),
    ("s3", "PutBucketVersioning", {"Bucket": B, "VersioningConfiguration": {"Status": "Enabled"}},
     [c("s3:PutBucketVersioning", BUCKET)]),
    ("s3", "GetBucketLocation", {"Bucket": B}, [c("s3:GetBucketLocation", BUCKET)]),
    ("s3", "GetBucketCors", {"Bucket": B}, [c("s3:GetBucketCORS", BUCKET)]),
    ("s3", "PutBucketCors", {"Bucket": B, "CORSConfiguration": {"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}},
     [c("s3:PutBucketCORS", BUCKET)]),
    ("s3", "DeleteBucketCors", {"Bucket": B}, [c("s3:PutBucketCORS", BUCKET)]),
    ("s3", "GetBucketEncryption", {"Bucket": B}, [c("s3:GetEncryptionConfiguration", BUCKET)]),
    ("s3", "PutBucketEncryption", {"Bucket": B, "ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}},
     [c("s3:PutEncryptionConfiguration", BUCKET)]),
    ("s3", "GetBucketLifecycleConfiguration", {"Bucket": B}, [c("s3:GetLifecycleConfiguration", BUCKET)]),
    ("s3", "DeleteBucketLifecycle", {"Bucket": B}, [c("s3:PutLifecycleConfiguration", BUCKET)]),
    ("s3", "GetBucketNotificationConfiguration", {"Bucket": B}, [c("s3:GetBucketNotification", BUCKET)]),
    ("s3", "GetPublicAccessBlock", {"Bucket": B}, [c("s3:GetBucketPublicAccessBlock", BUCKET)]),
    ("s3", "PutPublicAccessBlock", {"Bucket": B, "PublicAccessBlockConfiguration": {"BlockPublicAcls": True}},
     [c("s3:PutBucketPublicAccessBlock", BUCKET)]),
    ("s3", "DeletePublicAccessBlock", {"Bucket": B}, [c("s3:PutBucketPublicAccessBlock", BUCKET)]),
    ("s3", "GetBucketTagging", {"Bucket": B}, [c("s3:GetBucketTagging", BUCKET)]),
    ("s3", "PutBucketTagging", {"Bucket": B, "Tagging": {"TagSet": [{"Key": "team", "Value": "data"}]}},
     [c("s3:PutBucketTagging", BUCKET)]),
    ("s3", "DeleteBucketTagging", {"Bucket": B}, [c("s3:PutBucketTagging", BUCKET)]),
    ("s3", "GetBucketReplication", {"Bucket": B}, [c("s3:GetReplicationConfiguration", BUCKET)]),
    ("s3", "GetObjectLockConfiguration", {"Bucket": B}, [c("s3:GetBucketObjectLockConfiguration", BUCKET)]),
    ("s3", "GetBucketOwnershipControls", {"Bucket": B}, [c("s3:GetBucketOwnershipControls", BUCKET)]),
    ("s3", "GetBucketWebsite", {"Bucket": B}, [c("s3:GetBucketWebsite", BUCKET)]),
    ("s3", "GetBucketLogging", {"Bucket": B}, [c("s3:GetBucketLogging", BUCKET)]),
    ("s3", "GetBucketAccelerateConfiguration", {"Bucket": B}, [c("s3:GetAccelerateConfiguration", BUCKET)]),
    ("s3", "GetBucketRequestPayment", {"Bucket": B}, [c("s3:GetBucketRequestPayment", BUCKET)]),
    ("s3", "GetBucketPolicyStatus", {"Bucket": B}, [c("s3:GetBucketPolicyStatus", BUCKET)]),
    ("s3", "CreateMultipartUpload", {"Bucket": B, "Key": K}, [c("s3:PutObject", OBJ)]),
    ("s3", "UploadPart", {"Bucket": B, "Key": K, "UploadId": "u1", "PartNumber": 1, "Body": b"part"},
     [c("s3:PutObject", OBJ)]),
    ("s3", "UploadPartCopy", {"Bucket": B, "Key": K, "UploadId": "u1", "PartNumber": 2, "CopySource": "src-bucket/big.bin"},
     [c("s3:GetObject", "arn:aws:s3:::src-bucket/big.bin"),
      c("s3:PutObject", OBJ, ctx={"s3:x-amz-copy-source": "src-bucket/big.bin"})]),
    ("s3", "CompleteMultipartUpload", {"Bucket": B, "Key": K, "UploadId": "u1",
                                       "MultipartUpload": {"Parts": [{"ETag": "e", "PartNumber": 1}]}},
     [c("s3:PutObject", OBJ)]),
    ("s3", "AbortMultipartUpload", {"Bucket": B, "Key": K, "UploadId": "u1"}, [c("s3:AbortMultipartUpload", OBJ)]),
    ("s3", "ListMultipartUploads", {"Bucket": B}, [c("s3:ListBucketMultipartUploads", BUCKET)]),
    ("s3", "ListParts", {"Bucket": B, "Key": K, "UploadId": "u1"}, [c("s3:ListMultipartUploadParts", OBJ)]),
    ("s3", "GetObjectRetention", {"Bucket": B, "Key": K}, [c("s3:GetObjectRetention", OBJ)]),
    ("s3", "GetObjectLegalHold", {"Bucket": B, "Key": K}, [c("s3:GetObjectLegalHold", OBJ)]),
    ("s3", "RestoreObject", {"Bucket": B, "Key": K, "RestoreRequest": {"Days": 1}}, [c("s3:RestoreObject", OBJ)]),
    ("s3", "PutBucketOwnershipControls", {"Bucket": B, "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
     [c("s3:PutBucketOwnershipControls", BUCKET)]),

    # --- STS (Query protocol)
    ("sts", "GetCallerIdentity", {}, []),
    ("sts", "AssumeRole", {"RoleArn": OTHER_ROLE, "RoleSessionName": "audit"},
     [c("sts:AssumeRole", OTHER_ROLE, ctx={"sts:RoleSessionName": "audit"})]),
    ("sts", "AssumeRole", {"RoleArn": OTHER_ROLE, "RoleSessionName": "audit", "ExternalId": "ext-1234",
                           "DurationSeconds": 900},
     [c("sts:AssumeRole", OTHER_ROLE, ctx={"sts:RoleSessionName": "audit", "sts:ExternalId": "ext-1234"})]),
    ("sts", "AssumeRole", {"RoleArn": OTHER_ROLE, "RoleSessionName": "audit",
                           "Tags": [{"Key": "team", "Value": "data"}], "TransitiveTagKeys": ["team"]},
     [c("sts:AssumeRole", OTHER_ROLE, ctx={"sts:RoleSessionName": "audit", "aws:RequestTag/team": "data",
                                          "aws:TagKeys": "team", "sts:TransitiveTagKeys": "team"}),
      c("sts:TagSession", OTHER_ROLE, ctx={"aws:RequestTag/team": "data", "aws:TagKeys": "team",
                                          "sts:TransitiveTagKeys": "team"})]),
    ("sts", "AssumeRole", {"RoleArn": OTHER_ROLE, "RoleSessionName": "audit", "SourceIdentity": "alice"},
     [c("sts:AssumeRole", OTHER_ROLE, ctx={"sts:RoleSessionName": "audit", "sts:SourceIdentity": "alice"}),
      c("sts:SetSourceIdentity", OTHER_ROLE, ctx={"sts:SourceIdentity": "alice"})]),
    ("sts", "GetSessionToken", {"DurationSeconds": 3600}, [c("sts:GetSessionToken", "*")]),
    ("sts", "GetFederationToken", {"Name": "bob"},
     [c("sts:GetFederationToken", f"arn:aws:sts::{ACCOUNT}:federated-user/bob")]),
    ("sts", "DecodeAuthorizationMessage", {"EncodedMessage": "abc"}, [c("sts:DecodeAuthorizationMessage", "*")]),
    ("sts", "GetAccessKeyInfo", {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE"}, [c("sts:GetAccessKeyInfo", "*")]),

    # --- IAM (Query protocol)
    ("iam", "GetRole", {"RoleName": "deployer"}, [c("iam:GetRole", ROLE)]),
    ("iam", "ListRoles", {}, [c("iam:ListRoles", "*")]),
    ("iam", "CreateRole", {"RoleName": "deployer", "AssumeRolePolicyDocument": "{}",
                           "PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary",
                           "Tags": [{"Key": "team", "Value": "data"}]},
     [c("iam:CreateRole", ROLE, ctx={"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary",
                                     "aws:RequestTag/team": "data", "aws:TagKeys": "team"})]),
    ("iam", "DeleteRole", {"RoleName": "deployer"}, [c("iam:DeleteRole", ROLE)]),
    ("iam", "AttachRolePolicy", {"RoleName": "deployer", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
     [c("iam:AttachRolePolicy", ROLE, ctx={"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"})]),
    ("iam", "PutRolePolicy", {"RoleName": "deployer", "PolicyName": "inline", "PolicyDocument": "{}"},
     [c("iam:PutRolePolicy", ROLE)]),
    ("iam", "TagRole", {"RoleName": "deployer", "Tags": [{"Key": "env", "Value": "prod"}]},
     [c("iam:TagRole", ROLE, ctx={"aws:RequestTag/env": "prod", "aws:TagKeys": "env"})]),
    ("iam", "UntagRole", {"RoleName": "deployer", "TagKeys": ["env"]},
     [c("iam:UntagRole", ROLE, ctx={"aws:TagKeys": "env"})]),
    ("iam", "UpdateAssumeRolePolicy", {"RoleName": "deployer", "PolicyDocument": "{}"},
     [c("iam:UpdateAssumeRolePolicy", ROLE)]),
    ("iam", "GetUser", {"UserName": "alice"}, [c("iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/alice")]),
    ("iam", "CreateAccessKey", {"UserName": "alice"}, [c("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/alice")]),
    ("iam", "GetPolicy", {"PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/app"},
     [c("iam:GetPolicy", f"arn:aws:iam::{ACCOUNT}:policy/app")]),
    ("iam", "CreateServiceLinkedRole", {"AWSServiceName": "elasticbeanstalk.amazonaws.com"},
     [c("iam:CreateServiceLinkedRole", "*", ctx={"iam:AWSServiceName": "elasticbeanstalk.amazonaws.com"})]),

    # --- SQS (JSON protocol)
    ("sqs", "SendMessage", {"QueueUrl": QURL, "MessageBody": "hello"}, [c("sqs:SendMessage", QARN)]),
    ("sqs", "SendMessageBatch", {"QueueUrl": QURL, "Entries": [{"Id": "1", "MessageBody": "a"}]}, [c("sqs:SendMessage", QARN)]),
    ("sqs", "ReceiveMessage", {"QueueUrl": QURL, "MaxNumberOfMessages": 10}, [c("sqs:ReceiveMessage", QARN)]),
    ("sqs", "DeleteMessage", {"QueueUrl": QURL, "ReceiptHandle": "r"}, [c("sqs:DeleteMessage", QARN)]),
    ("sqs", "DeleteMessageBatch", {"QueueUrl": QURL, "Entries": [{"Id": "1", "ReceiptHandle": "r"}]}, [c("sqs:DeleteMessage", QARN)]),
    ("sqs", "ChangeMessageVisibility", {"QueueUrl": QURL, "ReceiptHandle": "r", "VisibilityTimeout": 30},
     [c("sqs:ChangeMessageVisibility", QARN)]),
    ("sqs", "ChangeMessageVisibilityBatch", {"QueueUrl": QURL, "Entries": [{"Id": "1", "ReceiptHandle": "r"}]},
     [c("sqs:ChangeMessageVisibility", QARN)]),
    ("sqs", "GetQueueAttributes", {"QueueUrl": QURL, "AttributeNames": ["All"]}, [c("sqs:GetQueueAttributes", QARN)]),
    ("sqs", "SetQueueAttributes", {"QueueUrl": QURL, "Attributes": {"VisibilityTimeout": "30"}}, [c("sqs:SetQueueAttributes", QARN)]),
    ("sqs", "PurgeQueue", {"QueueUrl": QURL}, [c("sqs:PurgeQueue", QARN)]),
    ("sqs", "DeleteQueue", {"QueueUrl": QURL}, [c("sqs:DeleteQueue", QARN)]),
    ("sqs", "TagQueue", {"QueueUrl": QURL, "Tags": {"team": "data"}},
     [c("sqs:TagQueue", QARN, ctx={"aws:RequestTag/team": "data", "aws:TagKeys": "team"})]),
    ("sqs", "UntagQueue", {"QueueUrl": QURL, "TagKeys": ["team"]}, [c("sqs:UntagQueue", QARN, ctx={"aws:TagKeys": "team"})]),
    ("sqs", "ListQueueTags", {"QueueUrl": QURL}, [c("sqs:ListQueueTags", QARN)]),
    ("sqs", "ListQueues", {}, [c("sqs:ListQueues", "*")]),
    ("sqs", "CreateQueue", {"QueueName": "jobs", "tags": {"team": "data"}},
     [c("sqs:CreateQueue", QARN, ctx={"aws:RequestTag/team": "data", "aws:TagKeys": "team"})]),
    ("sqs", "GetQueueUrl", {"QueueName": "jobs"}, [c("sqs:GetQueueUrl", QARN)]),

    # --- DynamoDB
    # dynamodb:Attributes (the top-level names a request names, keys included)
    # and dynamodb:Select (what a read returns, the API's default when not
    # given): DynamoDB developer guide, "Using IAM policy conditions for
    # fine-grained access control"; Query API reference, Select.
    ("dynamodb", "GetItem", {"TableName": "orders", "Key": {"id": {"S": "1"}}},
     [c("dynamodb:GetItem", TABLE, ctx={ATTRS: "id", SELECT: "ALL_ATTRIBUTES"})]),
    ("dynamodb", "GetItem", {"TableName": "orders", "Key": {"id": {"S": "1"}}, "ReturnConsumedCapacity": "TOTAL"},
     [c("dynamodb:GetItem", TABLE, ctx={"dynamodb:ReturnConsumedCapacity": "TOTAL", ATTRS: "id",
                                        SELECT: "ALL_ATTRIBUTES"})]),
    ("dynamodb", "GetItem", {"TableName": "orders", "Key": {"id": {"S": "1"}}, "ProjectionExpression": "total, #s, lines[0].sku",
                             "ExpressionAttributeNames": {"#s": "status"}},
     [c("dynamodb:GetItem", TABLE, ctx={ATTRS: ["id", "lines", "status", "total"], SELECT: "SPECIFIC_ATTRIBUTES"})]),
    ("dynamodb", "PutItem", {"TableName": "orders", "Item": {"id": {"S": "1"}}, "ReturnValues": "ALL_OLD"},
     [c("dynamodb:PutItem", TABLE, ctx={"dynamodb:ReturnValues": "ALL_OLD", ATTRS: "id"})]),
    ("dynamodb", "UpdateItem", {"TableName": "orders", "Key": {"id": {"S": "1"}}, "UpdateExpression": "SET a = :a",
                                "ExpressionAttributeValues": {":a": {"N": "1"}}},
     [c("dynamodb:UpdateItem", TABLE, ctx={ATTRS: ["a", "id"]})]),
    ("dynamodb", "UpdateItem", {"TableName": "orders", "Key": {"id": {"S": "1"}},
                                "UpdateExpression": "SET #n = if_not_exists(#n, :z) + :one REMOVE draft",
                                "ConditionExpression": "attribute_exists(id) AND version = :v",
                                "ExpressionAttributeNames": {"#n": "count"},
                                "ExpressionAttributeValues": {":z": {"N": "0"}, ":one": {"N": "1"}, ":v": {"N": "3"}}},
     [c("dynamodb:UpdateItem", TABLE, ctx={ATTRS: ["count", "draft", "id", "version"]})]),
    ("dynamodb", "DeleteItem", {"TableName": "orders", "Key": {"id": {"S": "1"}}},
     [c("dynamodb:DeleteItem", TABLE, ctx={ATTRS: "id"})]),
    ("dynamodb", "Query", {"TableName": "orders", "KeyConditionExpression": "id = :i",
                           "ExpressionAttributeValues": {":i": {"S": "1"}}, "Select": "COUNT"},
     [c("dynamodb:Query", TABLE, ctx={"dynamodb:Select": "COUNT", ATTRS: "id"})]),
    ("dynamodb", "Query", {"TableName": "orders", "IndexName": "byCustomer", "KeyConditionExpression": "c = :c",
                           "ExpressionAttributeValues": {":c": {"S": "x"}}},
     [c("dynamodb:Query", f"{TABLE}/index/byCustomer", ctx={ATTRS: "c", SELECT: "ALL_PROJECTED_ATTRIBUTES"})]),
    ("dynamodb", "Scan", {"TableName": "orders"}, [c("dynamodb:Scan", TABLE, ctx={SELECT: "ALL_ATTRIBUTES"})]),
    ("dynamodb", "Scan", {"TableName": "orders", "IndexName": "byDate"},
     [c("dynamodb:Scan", f"{TABLE}/index/byDate", ctx={SELECT: "ALL_PROJECTED_ATTRIBUTES"})]),
    # One check per table, each with its own entry's names.
    ("dynamodb", "BatchGetItem", {"RequestItems": {"orders": {"Keys": [{"id": {"S": "1"}}]},
                                                   "stock": {"Keys": [{"sku": {"S": "2"}}], "ProjectionExpression": "qty"}}},
     [c("dynamodb:BatchGetItem", TABLE, ctx={ATTRS: "id", SELECT: "ALL_ATTRIBUTES"}),
      c("dynamodb:BatchGetItem", STOCK, ctx={ATTRS: ["qty", "sku"], SELECT: "SPECIFIC_ATTRIBUTES"})]),
    ("dynamodb", "BatchWriteItem", {"RequestItems": {"orders": [{"PutRequest": {"Item": {"id": {"S": "1"}}}}]}},
     [c("dynamodb:BatchWriteItem", TABLE, ctx={ATTRS: "id"})]),
    ("dynamodb", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "orders", "Item": {"id": {"S": "1"}}}},
        {"Update": {"TableName": "stock", "Key": {"id": {"S": "2"}}, "UpdateExpression": "SET n = :n",
                    "ExpressionAttributeValues": {":n": {"N": "1"}}}},
        {"ConditionCheck": {"TableName": "orders", "Key": {"id": {"S": "3"}}, "ConditionExpression": "attribute_exists(id)"}}]},
     [c("dynamodb:PutItem", TABLE, ctx={ATTRS: "id"}), c("dynamodb:UpdateItem", STOCK, ctx={ATTRS: ["id", "n"]}),
      c("dynamodb:ConditionCheckItem", TABLE, ctx={ATTRS: "id"})]),
    ("dynamodb", "TransactGetItems", {"TransactItems": [{"Get": {"TableName": "orders", "Key": {"id": {"S": "1"}}}}]},
     [c("dynamodb:GetItem", TABLE, ctx={ATTRS: "id", SELECT: "ALL_ATTRIBUTES"})]),
    ("dynamodb", "ExecuteStatement", {"Statement": 'SELECT * FROM "orders" WHERE id = ?', "Parameters": [{"S": "1"}]},
     [c("dynamodb:PartiQLSelect", TABLE)]),
    ("dynamodb", "ExecuteStatement", {"Statement": "INSERT INTO orders VALUE {'id': '9'}"},
     [c("dynamodb:PartiQLInsert", TABLE)]),
    ("dynamodb", "BatchExecuteStatement", {"Statements": [{"Statement": "UPDATE orders SET n = 1 WHERE id = '1'"},
                                                          {"Statement": "DELETE FROM orders WHERE id = '2'"}]},
     [c("dynamodb:PartiQLUpdate", TABLE), c("dynamodb:PartiQLDelete", TABLE)]),
    ("dynamodb", "ExecuteTransaction", {"TransactStatements": [{"Statement": 'SELECT * FROM "orders"."byCustomer"'}]},
     [c("dynamodb:PartiQLSelect", f"{TABLE}/index/byCustomer")]),
    ("dynamodb", "DescribeTable", {"TableName": "orders"}, [c("dynamodb:DescribeTable", TABLE)]),
    ("dynamodb", "DeleteTable", {"TableName": "orders"}, [c("dynamodb:DeleteTable", TABLE)]),
    ("dynamodb", "ListTables", {}, [c("dynamodb:ListTables", "*")]),
    ("dynamodb", "CreateTable", {"TableName": "orders", "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                                 "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST",
                                 "Tags": [{"Key": "team", "Value": "data"}]},
     [c("dynamodb:CreateTable", TABLE, ctx={"aws:RequestTag/team": "data", "aws:TagKeys": "team"})]),
    ("dynamodb", "TagResource", {"ResourceArn": TABLE, "Tags": [{"Key": "env", "Value": "prod"}]},
     [c("dynamodb:TagResource", TABLE, ctx={"aws:RequestTag/env": "prod", "aws:TagKeys": "env"})]),
    ("dynamodb", "UntagResource", {"ResourceArn": TABLE, "TagKeys": ["env"]},
     [c("dynamodb:UntagResource", TABLE, ctx={"aws:TagKeys": "env"})]),
    ("dynamodb", "UpdateTimeToLive", {"TableName": "orders", "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "ttl"}},
     [c("dynamodb:UpdateTimeToLive", TABLE)]),

    # --- SNS (Query protocol)
    ("sns", "Publish", {"TopicArn": TOPIC, "Message": "hi"}, [c("sns:Publish", TOPIC)]),
    ("sns", "PublishBatch", {"TopicArn": TOPIC, "PublishBatchRequestEntries": [{"Id": "1", "Message": "a"}]},
     [c("sns:Publish", TOPIC)]),
    ("sns", "Subscribe", {"TopicArn": TOPIC, "Protocol": "sqs", "Endpoint": QARN},
     [c("sns:Subscribe", TOPIC, ctx={"sns:Protocol": "sqs", "sns:Endpoint": QARN})]),
    ("sns", "GetTopicAttributes", {"TopicArn": TOPIC}, [c("sns:GetTopicAttributes", TOPIC)]),
    ("sns", "SetTopicAttributes", {"TopicArn": TOPIC, "AttributeName": "DisplayName", "AttributeValue": "x"},
     [c("sns:SetTopicAttributes", TOPIC)]),
    ("sns", "ListSubscriptionsByTopic", {"TopicArn": TOPIC}, [c("sns:ListSubscriptionsByTopic", TOPIC)]),
    ("sns", "DeleteTopic", {"TopicArn": TOPIC}, [c("sns:DeleteTopic", TOPIC)]),
    ("sns", "CreateTopic", {"Name": "alerts", "Tags": [{"Key": "team", "Value": "ops"}]},
     [c("sns:CreateTopic", TOPIC, ctx={"aws:RequestTag/team": "ops", "aws:TagKeys": "team"})]),
    ("sns", "ListTopics", {}, [c("sns:ListTopics", "*")]),
    ("sns", "TagResource", {"ResourceArn": TOPIC, "Tags": [{"Key": "env", "Value": "prod"}]},
     [c("sns:TagResource", TOPIC, ctx={"aws:RequestTag/env": "prod", "aws:TagKeys": "env"})]),
    ("sns", "UntagResource", {"ResourceArn": TOPIC, "TagKeys": ["env"]},
     [c("sns:UntagResource", TOPIC, ctx={"aws:TagKeys": "env"})]),

    # --- KMS
    ("kms", "Decrypt", {"CiphertextBlob": b"blob", "KeyId": KEY_ID},
     [c("kms:Decrypt", KEY, ctx={"kms:CallerAccount": ACCOUNT})]),
    ("kms", "Decrypt", {"CiphertextBlob": b"blob", "KeyId": "alias/app", "EncryptionContext": {"tenant": "acme"},
                        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"},
     [c("kms:Decrypt", ALIAS, ctx={"kms:CallerAccount": ACCOUNT, "kms:RequestAlias": "alias/app",
                                  "kms:EncryptionContext:tenant": "acme", "kms:EncryptionContextKeys": "tenant",
                                  "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})]),
    ("kms", "Encrypt", {"KeyId": KEY, "Plaintext": b"secret"}, [c("kms:Encrypt", KEY, ctx={"kms:CallerAccount": ACCOUNT})]),
    ("kms", "GenerateDataKey", {"KeyId": KEY_ID, "KeySpec": "AES_256"},
     [c("kms:GenerateDataKey", KEY, ctx={"kms:CallerAccount": ACCOUNT})]),
    ("kms", "DescribeKey", {"KeyId": KEY_ID}, [c("kms:DescribeKey", KEY, ctx={"kms:CallerAccount": ACCOUNT})]),
    ("kms", "ReEncrypt", {"CiphertextBlob": b"blob", "SourceKeyId": KEY_ID, "DestinationKeyId": "alias/app"},
     [c("kms:ReEncryptFrom", KEY, ctx={"kms:CallerAccount": ACCOUNT}),
      c("kms:ReEncryptTo", ALIAS, ctx={"kms:CallerAccount": ACCOUNT})]),
    ("kms", "Sign", {"KeyId": KEY_ID, "Message": b"m", "MessageType": "RAW", "SigningAlgorithm": "ECDSA_SHA_256"},
     [c("kms:Sign", KEY, ctx={"kms:CallerAccount": ACCOUNT, "kms:MessageType": "RAW", "kms:SigningAlgorithm": "ECDSA_SHA_256"})]),
    ("kms", "ListKeys", {}, [c("kms:ListKeys", "*", ctx={"kms:CallerAccount": ACCOUNT})]),
    ("kms", "ListAliases", {}, [c("kms:ListAliases", "*", ctx={"kms:CallerAccount": ACCOUNT})]),
    ("kms", "CreateKey", {"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "MultiRegion": False},
     [c("kms:CreateKey", "*", ctx={"kms:CallerAccount": ACCOUNT, "kms:KeySpec": "SYMMETRIC_DEFAULT",
                                   "kms:KeyUsage": "ENCRYPT_DECRYPT", "kms:MultiRegion": "false"})]),
    ("kms", "ScheduleKeyDeletion", {"KeyId": KEY_ID, "PendingWindowInDays": 7},
     [c("kms:ScheduleKeyDeletion", KEY, ctx={"kms:CallerAccount": ACCOUNT})]),
    ("kms", "TagResource", {"KeyId": KEY_ID, "Tags": [{"TagKey": "env", "TagValue": "prod"}]},
     [c("kms:TagResource", KEY, ctx={"kms:CallerAccount": ACCOUNT, "aws:RequestTag/env": "prod", "aws:TagKeys": "env"})]),

    # --- Secrets Manager
    ("secretsmanager", "GetSecretValue", {"SecretId": "db"},
     [c("secretsmanager:GetSecretValue", SECRET, ctx={"secretsmanager:SecretId": "db"})]),
    ("secretsmanager", "GetSecretValue", {"SecretId": SECRET_ARN, "VersionStage": "AWSPREVIOUS"},
     [c("secretsmanager:GetSecretValue", SECRET_ARN, ctx={"secretsmanager:SecretId": SECRET_ARN,
                                                        "secretsmanager:VersionStage": "AWSPREVIOUS"})]),
    ("secretsmanager", "DescribeSecret", {"SecretId": "db"},
     [c("secretsmanager:DescribeSecret", SECRET, ctx={"secretsmanager:SecretId": "db"})]),
    ("secretsmanager", "PutSecretValue", {"SecretId": "db", "SecretString": "s3cret"},
     [c("secretsmanager:PutSecretValue", SECRET, ctx={"secretsmanager:SecretId": "db"})]),
    ("secretsmanager", "DeleteSecret", {"SecretId": "db", "RecoveryWindowInDays": 7},
     [c("secretsmanager:DeleteSecret", SECRET, ctx={"secretsmanager:SecretId": "db",
                                                  "secretsmanager:RecoveryWindowInDays": "7"})]),
    ("secretsmanager", "ListSecrets", {}, [c("secretsmanager:ListSecrets", "*")]),
    ("secretsmanager", "CreateSecret", {"Name": "db", "SecretString": "x", "Tags": [{"Key": "team", "Value": "data"}]},
     [c("secretsmanager:CreateSecret", SECRET, ctx={"secretsmanager:Name": "db", "aws:RequestTag/team": "data",
                                                  "aws:TagKeys": "team"})]),
    ("secretsmanager", "TagResource", {"SecretId": "db", "Tags": [{"Key": "env", "Value": "prod"}]},
     [c("secretsmanager:TagResource", SECRET, ctx={"secretsmanager:SecretId": "db", "aws:RequestTag/env": "prod",
                                                 "aws:TagKeys": "env"})]),
    ("secretsmanager", "RotateSecret", {"SecretId": "db", "RotationLambdaARN": FUNC},
     [c("secretsmanager:RotateSecret", SECRET, ctx={"secretsmanager:SecretId": "db",
                                                  "secretsmanager:RotationLambdaARN": FUNC})]),

    # --- SSM
    ("ssm", "GetParameter", {"Name": "/app/db/url", "WithDecryption": True}, [c("ssm:GetParameter", PARAM)]),
    ("ssm", "PutParameter", {"Name": "/app/db/url", "Value": "x", "Type": "String", "Overwrite": True},
     [c("ssm:PutParameter", PARAM, ctx={"ssm:Overwrite": "true"})]),
    ("ssm", "DeleteParameter", {"Name": "/app/db/url"}, [c("ssm:DeleteParameter", PARAM)]),
    ("ssm", "GetParametersByPath", {"Path": "/app", "Recursive": True},
     [c("ssm:GetParametersByPath", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app", ctx={"ssm:Recursive": "true"})]),
    ("ssm", "DescribeParameters", {}, [c("ssm:DescribeParameters", "*")]),

    # --- Lambda (REST JSON)
    ("lambda", "Invoke", {"FunctionName": "worker", "Payload": b"{}"}, [c("lambda:InvokeFunction", FUNC)]),
    ("lambda", "Invoke", {"FunctionName": "worker", "Qualifier": "live", "Payload": b"{}"},
     [c("lambda:InvokeFunction", f"{FUNC}:live")]),
    ("lambda", "Invoke", {"FunctionName": f"arn:aws:lambda:{REGION}:{OTHER}:function:shared", "Payload": b"{}"},
     [c("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{OTHER}:function:shared")]),
    ("lambda", "GetFunction", {"FunctionName": "worker"}, [c("lambda:GetFunction", FUNC)]),
    ("lambda", "GetFunctionConfiguration", {"FunctionName": "worker"}, [c("lambda:GetFunctionConfiguration", FUNC)]),
    ("lambda", "ListFunctions", {}, [c("lambda:ListFunctions", "*")]),
    ("lambda", "CreateFunction", {"FunctionName": "worker", "Role": EXEC_ROLE, "Runtime": "provided.al2023",
                                  "Handler": "bootstrap", "Code": {"ZipFile": b"zip"}},
     [c("lambda:CreateFunction", FUNC), c("iam:PassRole", EXEC_ROLE, ctx={"iam:PassedToService": "lambda.amazonaws.com"})]),
    ("lambda", "UpdateFunctionConfiguration", {"FunctionName": "worker", "Role": EXEC_ROLE},
     [c("lambda:UpdateFunctionConfiguration", FUNC),
      c("iam:PassRole", EXEC_ROLE, ctx={"iam:PassedToService": "lambda.amazonaws.com"})]),
    ("lambda", "UpdateFunctionCode", {"FunctionName": "worker", "ZipFile": b"zip"}, [c("lambda:UpdateFunctionCode", FUNC)]),
    ("lambda", "DeleteFunction", {"FunctionName": "worker"}, [c("lambda:DeleteFunction", FUNC)]),
    ("lambda", "AddPermission", {"FunctionName": "worker", "StatementId": "s3", "Action": "lambda:InvokeFunction",
                                 "Principal": "s3.amazonaws.com"},
     [c("lambda:AddPermission", FUNC, ctx={"lambda:Principal": "s3.amazonaws.com"})]),
    ("lambda", "GetPolicy", {"FunctionName": "worker"}, [c("lambda:GetPolicy", FUNC)]),

    # --- CloudWatch Logs
    ("logs", "PutLogEvents", {"logGroupName": "/app/api", "logStreamName": "i-1",
                              "logEvents": [{"timestamp": 1, "message": "m"}]},
     [c("logs:PutLogEvents", f"{LOG_GROUP}:log-stream:i-1")]),
    ("logs", "CreateLogGroup", {"logGroupName": "/app/api"}, [c("logs:CreateLogGroup", LOG_GROUP)]),
    ("logs", "CreateLogStream", {"logGroupName": "/app/api", "logStreamName": "i-1"},
     [c("logs:CreateLogStream", f"{LOG_GROUP}:log-stream:i-1")]),
    ("logs", "DescribeLogStreams", {"logGroupName": "/app/api"}, [c("logs:DescribeLogStreams", LOG_GROUP)]),
    ("logs", "FilterLogEvents", {"logGroupName": "/app/api"}, [c("logs:FilterLogEvents", LOG_GROUP)]),
    ("logs", "DeleteLogGroup", {"logGroupName": "/app/api"}, [c("logs:DeleteLogGroup", LOG_GROUP)]),
    ("logs", "PutRetentionPolicy", {"logGroupName": "/app/api", "retentionInDays": 30},
     [c("logs:PutRetentionPolicy", LOG_GROUP)]),

    # --- ECR
    ("ecr", "BatchGetImage", {"repositoryName": "api", "imageIds": [{"imageTag": "v1"}]}, [c("ecr:BatchGetImage", REPO)]),
    ("ecr", "GetDownloadUrlForLayer", {"repositoryName": "api", "layerDigest": "sha256:ab"},
     [c("ecr:GetDownloadUrlForLayer", REPO)]),
    ("ecr", "PutImage", {"repositoryName": "api", "imageManifest": "{}", "imageTag": "v2"}, [c("ecr:PutImage", REPO)]),
    ("ecr", "DescribeImages", {"repositoryName": "api"}, [c("ecr:DescribeImages", REPO)]),
    ("ecr", "ListImages", {"repositoryName": "api"}, [c("ecr:ListImages", REPO)]),
    ("ecr", "GetAuthorizationToken", {}, [c("ecr:GetAuthorizationToken", "*")]),
    ("ecr", "CreateRepository", {"repositoryName": "api", "tags": [{"Key": "team", "Value": "web"}]},
     [c("ecr:CreateRepository", REPO, ctx={"aws:RequestTag/team": "web", "aws:TagKeys": "team"})]),
    ("ecr", "DeleteRepository", {"repositoryName": "api"}, [c("ecr:DeleteRepository", REPO)]),
    # --- more of each service: the plain cases, where the action is the
    # operation's name and the resource its ARN format filled in.
    ("s3", "GetBucketOwnershipControls", {"Bucket": "other-bucket"}, [c("s3:GetBucketOwnershipControls", "arn:aws:s3:::other-bucket")]),
    ("s3", "GetObject", {"Bucket": B, "Key": "dir/with space+plus.txt"}, [c("s3:GetObject", f"{BUCKET}/dir/with space+plus.txt")]),
    ("s3", "GetObject", {"Bucket": B, "Key": "unicode/é.txt"}, [c("s3:GetObject", f"{BUCKET}/unicode/é.txt")]),
    ("s3", "PutObject", {"Bucket": B, "Key": "k", "Body": b"x", "GrantRead": "id=abc"},
     [c("s3:PutObject", f"{BUCKET}/k", ctx={"s3:x-amz-grant-read": "id=abc"})]),
    ("s3", "PutObject", {"Bucket": B, "Key": "k", "Body": b"x", "WebsiteRedirectLocation": "/other"},
     [c("s3:PutObject", f"{BUCKET}/k", ctx={"s3:x-amz-website-redirect-location": "/other"})]),
    ("s3", "PutObjectRetention", {"Bucket": B, "Key": K, "Retention": {"Mode": "GOVERNANCE", "RetainUntilDate": "2027-01-01T00:00:00Z"}},
     [c("s3:PutObjectRetention", OBJ)]),
    ("s3", "PutObjectLegalHold", {"Bucket": B, "Key": K, "LegalHold": {"Status": "ON"}}, [c("s3:PutObjectLegalHold", OBJ)]),
    ("s3", "PutBucketLogging", {"Bucket": B, "BucketLoggingStatus": {}}, [c("s3:PutBucketLogging", BUCKET)]),
    ("s3", "PutBucketWebsite", {"Bucket": B, "WebsiteConfiguration": {"IndexDocument": {"Suffix": "index.html"}}},
     [c("s3:PutBucketWebsite", BUCKET)]),
    ("s3", "DeleteBucketWebsite", {"Bucket": B}, [c("s3:DeleteBucketWebsite", BUCKET)]),
    ("s3", "PutBucketRequestPayment", {"Bucket": B, "RequestPaymentConfiguration": {"Payer": "Requester"}},
     [c("s3:PutBucketRequestPayment", BUCKET)]),
    ("s3", "GetBucketAnalyticsConfiguration", {"Bucket": B, "Id": "a1"}, [c("s3:GetAnalyticsConfiguration", BUCKET)]),
    ("s3", "ListBucketAnalyticsConfigurations", {"Bucket": B}, [c("s3:GetAnalyticsConfiguration", BUCKET)]),
    ("s3", "GetBucketMetricsConfiguration", {"Bucket": B, "Id": "m1"}, [c("s3:GetMetricsConfiguration", BUCKET)]),
    ("s3", "GetBucketInventoryConfiguration", {"Bucket": B, "Id": "i1"}, [c("s3:GetInventoryConfiguration", BUCKET)]),
    ("s3", "GetBucketIntelligentTieringConfiguration", {"Bucket": B, "Id": "t1"},
     [c("s3:GetIntelligentTieringConfiguration", BUCKET)]),
    ("s3", "PutBucketReplication", {"Bucket": B, "ReplicationConfiguration": {"Role": ROLE, "Rules": []}},
     [c("s3:PutReplicationConfiguration", BUCKET)]),
    ("s3", "DeleteBucketReplication", {"Bucket": B}, [c("s3:PutReplicationConfiguration", BUCKET)]),
    ("s3", "DeleteBucketEncryption", {"Bucket": B}, [c("s3:PutEncryptionConfiguration", BUCKET)]),
    ("s3", "DeleteBucketOwnershipControls", {"Bucket": B}, [c("s3:PutBucketOwnershipControls", BUCKET)]),
    ("s3", "GetObjectTorrent", {"Bucket": B, "Key": K}, [c("s3:GetObjectTorrent", OBJ)]),
    ("sts", "AssumeRole", {"RoleArn": ROLE, "RoleSessionName": "same-account"},
     [c("sts:AssumeRole", ROLE, ctx={"sts:RoleSessionName": "same-account"})]),
    ("iam", "ListAttachedRolePolicies", {"RoleName": "deployer"}, [c("iam:ListAttachedRolePolicies", ROLE)]),
    ("iam", "ListRolePolicies", {"RoleName": "deployer"}, [c("iam:ListRolePolicies", ROLE)]),
    ("iam", "GetRolePolicy", {"RoleName": "deployer", "PolicyName": "inline"}, [c("iam:GetRolePolicy", ROLE)]),
    ("iam", "DeleteRolePolicy", {"RoleName": "deployer", "PolicyName": "inline"}, [c("iam:DeleteRolePolicy", ROLE)]),
    ("iam", "DetachRolePolicy", {"RoleName": "deployer", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
     [c("iam:DetachRolePolicy", ROLE, ctx={"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"})]),
    ("iam", "PutRolePermissionsBoundary", {"RoleName": "deployer", "PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary"},
     [c("iam:PutRolePermissionsBoundary", ROLE, ctx={"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary"})]),
    ("iam", "ListUsers", {}, [c("iam:ListUsers", "*")]),
    ("iam", "ListPolicies", {}, [c("iam:ListPolicies", "*")]),
    ("iam", "CreateUser", {"UserName": "bob"}, [c("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/bob")]),
    ("iam", "DeleteUser", {"UserName": "bob"}, [c("iam:DeleteUser", f"arn:aws:iam::{ACCOUNT}:user/bob")]),
    ("iam", "ListAccessKeys", {"UserName": "bob"}, [c("iam:ListAccessKeys", f"arn:aws:iam::{ACCOUNT}:user/bob")]),
    ("iam", "GetGroup", {"GroupName": "admins"}, [c("iam:GetGroup", f"arn:aws:iam::{ACCOUNT}:group/admins")]),
    ("iam", "AddUserToGroup", {"GroupName": "admins", "UserName": "bob"},
     [c("iam:AddUserToGroup", f"arn:aws:iam::{ACCOUNT}:group/admins")]),
    ("iam", "GetInstanceProfile", {"InstanceProfileName": "web"},
     [c("iam:GetInstanceProfile", f"arn:aws:iam::{ACCOUNT}:instance-profile/web")]),
    ("iam", "GetAccountAuthorizationDetails", {}, [c("iam:GetAccountAuthorizationDetails", "*")]),
    ("sqs", "SendMessage", {"QueueUrl": f"https://sqs.{REGION}.amazonaws.com/{OTHER}/shared", "MessageBody": "x"},
     [c("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{OTHER}:shared")]),
    ("sqs", "AddPermission", {"QueueUrl": QURL, "Label": "l", "AWSAccountIds": [OTHER], "Actions": ["SendMessage"]},
     [c("sqs:AddPermission", QARN)]),
    ("sqs", "RemovePermission", {"QueueUrl": QURL, "Label": "l"}, [c("sqs:RemovePermission", QARN)]),
    ("sqs", "ListDeadLetterSourceQueues", {"QueueUrl": QURL}, [c("sqs:ListDeadLetterSourceQueues", QARN)]),
    ("dynamodb", "GetItem", {"TableName": f"arn:aws:dynamodb:{REGION}:{OTHER}:table/shared", "Key": {"id": {"S": "1"}}},
     [c("dynamodb:GetItem", f"arn:aws:dynamodb:{REGION}:{OTHER}:table/shared", ctx={ATTRS: "id", SELECT: "ALL_ATTRIBUTES"})]),
    ("dynamodb", "UpdateTable", {"TableName": "orders", "BillingMode": "PAY_PER_REQUEST"}, [c("dynamodb:UpdateTable", TABLE)]),
    ("dynamodb", "DescribeTimeToLive", {"TableName": "orders"}, [c("dynamodb:DescribeTimeToLive", TABLE)]),
    ("dynamodb", "ListTagsOfResource", {"ResourceArn": TABLE}, [c("dynamodb:ListTagsOfResource", TABLE)]),
    ("dynamodb", "DescribeContinuousBackups", {"TableName": "orders"}, [c("dynamodb:DescribeContinuousBackups", TABLE)]),
    ("dynamodb", "CreateBackup", {"TableName": "orders", "BackupName": "backup-1"}, [c("dynamodb:CreateBackup", TABLE)]),
    ("dynamodb", "DescribeLimits", {}, [c("dynamodb:DescribeLimits", "*")]),
    ("sns", "Unsubscribe", {"SubscriptionArn": f"{TOPIC}:1234"}, [c("sns:Unsubscribe", TOPIC)]),
    ("sns", "GetSubscriptionAttributes", {"SubscriptionArn": f"{TOPIC}:1234"}, [c("sns:GetSubscriptionAttributes", TOPIC)]),
    ("sns", "ListTagsForResource", {"ResourceArn": TOPIC}, [c("sns:ListTagsForResource", TOPIC)]),
    ("sns", "Publish", {"TopicArn": f"arn:aws:sns:{REGION}:{OTHER}:shared", "Message": "x"},
     [c("sns:Publish", f"arn:aws:sns:{REGION}:{OTHER}:shared")]),
    ("kms", "GetKeyPolicy", {"KeyId": KEY_ID, "PolicyName": "default"},
     [c("kms:GetKeyPolicy", KEY, ctx={"kms:CallerAccount": ACCOUNT})]),
    ("kms", "PutKeyPolicy", {"KeyId": KEY_ID, "PolicyName": "default", "Policy": "{}"},
     [c("kms:PutKeyPolicy", KEY, ctx={"kms:CallerAccount": ACCOUNT})]),
    ("kms", "EnableKeyRotation", {"KeyId": KEY_ID}, [c("kms:EnableKeyRotation", KEY, ctx={"kms:CallerAccount": ACCOUNT})]),
    ("kms", "GenerateDataKeyWithoutPlaintext", {"KeyId": KEY_ID, "KeySpec": "AES_256"},
     [c("kms:GenerateDataKeyWithoutPlaintext", KEY, ctx={"kms:CallerAccount": ACCOUNT})]),
    ("kms", "Encrypt", {"KeyId": f"arn:aws:kms:{REGION}:{OTHER}:key/{KEY_ID}", "Plaintext": b"x"},
     [c("kms:Encrypt", f"arn:aws:kms:{REGION}:{OTHER}:key/{KEY_ID}", ctx={"kms:CallerAccount": ACCOUNT})]),
    ("kms", "ListResourceTags", {"KeyId": KEY_ID}, [c("kms:ListResourceTags", KEY, ctx={"kms:CallerAccount": ACCOUNT})]),
    ("secretsmanager", "UpdateSecret", {"SecretId": "db", "Description": "the db"},
     [c("secretsmanager:UpdateSecret", SECRET, ctx={"secretsmanager:SecretId": "db", "secretsmanager:Description": "the db"})]),
    ("secretsmanager", "GetResourcePolicy", {"SecretId": "db"},
     [c("secretsmanager:GetResourcePolicy", SECRET, ctx={"secretsmanager:SecretId": "db"})]),
    ("secretsmanager", "ListSecretVersionIds", {"SecretId": "db"},
     [c("secretsmanager:ListSecretVersionIds", SECRET, ctx={"secretsmanager:SecretId": "db"})]),
    ("ssm", "GetParameters", {"Names": ["/app/a"]}, [c("ssm:GetParameters", "*")]),
    ("ssm", "GetParameterHistory", {"Name": "/app/db/url"}, [c("ssm:GetParameterHistory", PARAM)]),
    ("ssm", "LabelParameterVersion", {"Name": "/app/db/url", "Labels": ["live"]}, [c("ssm:LabelParameterVersion", PARAM)]),
    ("ssm", "GetDocument", {"Name": "deploy-app"},
     [c("ssm:GetDocument", f"arn:aws:ssm:{REGION}:{ACCOUNT}:document/deploy-app")]),
    ("lambda", "ListVersionsByFunction", {"FunctionName": "worker"}, [c("lambda:ListVersionsByFunction", FUNC)]),
    ("lambda", "PublishVersion", {"FunctionName": "worker"}, [c("lambda:PublishVersion", FUNC)]),
    ("lambda", "ListTags", {"Resource": FUNC}, [c("lambda:ListTags", FUNC)]),
    ("lambda", "GetFunctionConcurrency", {"FunctionName": "worker"}, [c("lambda:GetFunctionConcurrency", FUNC)]),
    ("lambda", "PutFunctionConcurrency", {"FunctionName": "worker", "ReservedConcurrentExecutions": 5},
     [c("lambda:PutFunctionConcurrency", FUNC)]),
    ("lambda", "GetAccountSettings", {}, [c("lambda:GetAccountSettings", "*")]),
    ("logs", "DescribeLogGroups", {}, [c("logs:DescribeLogGroups", "*")]),
    ("logs", "GetLogEvents", {"logGroupName": "/app/api", "logStreamName": "i-1"},
     [c("logs:GetLogEvents", f"{LOG_GROUP}:log-stream:i-1")]),
    ("logs", "DeleteLogStream", {"logGroupName": "/app/api", "logStreamName": "i-1"},
     [c("logs:DeleteLogStream", f"{LOG_GROUP}:log-stream:i-1")]),
    ("logs", "DeleteRetentionPolicy", {"logGroupName": "/app/api"}, [c("logs:DeleteRetentionPolicy", LOG_GROUP)]),
    ("ecr", "BatchCheckLayerAvailability", {"repositoryName": "api", "layerDigests": ["sha256:ab"]},
     [c("ecr:BatchCheckLayerAvailability", REPO)]),
    ("ecr", "InitiateLayerUpload", {"repositoryName": "api"}, [c("ecr:InitiateLayerUpload", REPO)]),
    ("ecr", "CompleteLayerUpload", {"repositoryName": "api", "uploadId": "u", "layerDigests": ["sha256:ab"]},
     [c("ecr:CompleteLayerUpload", REPO)]),
    ("ecr", "BatchDeleteImage", {"repositoryName": "api", "imageIds": [{"imageTag": "old"}]}, [c("ecr:BatchDeleteImage", REPO)]),
    ("ecr", "GetRepositoryPolicy", {"repositoryName": "api"}, [c("ecr:GetRepositoryPolicy", REPO)]),
    ("ecr", "SetRepositoryPolicy", {"repositoryName": "api", "policyText": "{}"}, [c("ecr:SetRepositoryPolicy", REPO)]),
    ("ecr", "DescribeRepositories", {}, [c("ecr:DescribeRepositories", "*")]),
    ("ecr", "TagResource", {"resourceArn": REPO, "tags": [{"Key": "env", "Value": "prod"}]},
     [c("ecr:TagResource", REPO, ctx={"aws:RequestTag/env": "prod", "aws:TagKeys": "env"})]),
    ("ecr", "ListTagsForResource", {"resourceArn": REPO}, [c("ecr:ListTagsForResource", REPO)]),
    ("logs", "TagResource", {"resourceArn": LOG_GROUP, "tags": {"env": "prod"}},
     [c("logs:TagResource", LOG_GROUP, ctx={"aws:RequestTag/env": "prod", "aws:TagKeys": "env"})]),
    ("logs", "ListTagsForResource", {"resourceArn": LOG_GROUP}, [c("logs:ListTagsForResource", LOG_GROUP)]),
    ("lambda", "TagResource", {"Resource": FUNC, "Tags": {"env": "prod"}},
     [c("lambda:TagResource", FUNC, ctx={"aws:RequestTag/env": "prod", "aws:TagKeys": "env"})]),
    ("lambda", "GetAlias", {"FunctionName": "worker", "Name": "live"}, [c("lambda:GetAlias", FUNC)]),
    ("ssm", "AddTagsToResource", {"ResourceType": "Parameter", "ResourceId": "/app/db/url", "Tags": [{"Key": "env", "Value": "prod"}]},
     [c("ssm:AddTagsToResource", PARAM, ctx={"aws:RequestTag/env": "prod", "aws:TagKeys": "env"})]),
    ("ssm", "AddTagsToResource", {"ResourceType": "MaintenanceWindow", "ResourceId": "mw-0c50858d01EXAMPLE",
                                  "Tags": [{"Key": "env", "Value": "prod"}]},
     [c("ssm:AddTagsToResource", f"arn:aws:ssm:{REGION}:{ACCOUNT}:maintenancewindow/mw-0c50858d01EXAMPLE",
        ctx={"aws:RequestTag/env": "prod", "aws:TagKeys": "env"})]),
    ("secretsmanager", "UntagResource", {"SecretId": "db", "TagKeys": ["env"]},
     [c("secretsmanager:UntagResource", SECRET, ctx={"secretsmanager:SecretId": "db", "aws:TagKeys": "env"})]),
    ("kms", "UntagResource", {"KeyId": KEY_ID, "TagKeys": ["env"]},
     [c("kms:UntagResource", KEY, ctx={"kms:CallerAccount": ACCOUNT, "aws:TagKeys": "env"})]),
    ("sqs", "ListMessageMoveTasks", {"SourceArn": QARN}, [c("sqs:ListMessageMoveTasks", QARN)]),
]


def serialize(service, operation, params):
    """The request botocore signs for `operation`, never sent."""
    import botocore.session
    from botocore import auth

    class Captured(Exception):
        pass

    session = botocore.session.get_session()
    client = session.create_client(
        service, region_name=REGION,
        aws_access_key_id="AKIAXROLECORPUS00001", aws_secret_access_key="corpus-secret-not-a-key",
    )
    seen = {}

    def before_send(request, **_):
        seen["request"] = request
        raise Captured()

    client.meta.events.register("before-send", before_send)
    method = getattr(client, botocore.xform_name(operation))
    try:
        method(**params)
    except Captured:
        pass
    r = seen["request"]
    body = r.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    return {
        "method": r.method,
        "url": r.url,
        "headers": [[k, v.decode() if isinstance(v, bytes) else str(v)] for k, v in r.headers.items()],
        "body": base64.b64encode(body).decode(),
    }


def run():
    import datetime
    import botocore
    from botocore import auth
    fixed = datetime.datetime.fromisoformat(SIGNED_AT)
    # One signing time for every request: the file changes only with its cases.
    auth.get_current_datetime = lambda *a, **k: fixed
    cases = []
    for service, operation, params, checks in CASES:
        cases.append({
            "service": service,
            "operation": operation,
            "request": serialize(service, operation, params),
            "checks": checks,
        })
    out = {
        "sdk": f"botocore {botocore.__version__}",
        "region": REGION,
        "account": ACCOUNT,
        "cases": cases,
    }
    with open(os.path.join(HERE, "boto3.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{len(cases)} requests written to boto3.json")


if __name__ == "__main__":
    if os.environ.get("XROLE_CORPUS_VENV"):
        run()
    else:
        with tempfile.TemporaryDirectory() as venv:
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
            python = os.path.join(venv, "bin", "python")
            subprocess.run([python, "-m", "pip", "install", "--quiet", f"botocore=={BOTOCORE}"], check=True)
            subprocess.run([python, __file__], check=True, env={**os.environ, "XROLE_CORPUS_VENV": "1"})
