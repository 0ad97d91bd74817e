//! The classifier on requests the Rust SDK makes (issue 27's corpus, its Rust
//! half; botocore's is `xrole-test/tests/it/corpus.rs`): calls to STS, S3,
//! IAM, SQS, DynamoDB, KMS and Secrets Manager, serialized and signed by the
//! SDK's own clients and captured by an HTTP client that never sends them.
//! Each must classify to exactly the checks AWS makes for it, written from the
//! Service Authorization Reference (the same inputs as the botocore corpus's
//! cases give the same checks). Prints `classified_exact_rust_sdk`.
//!
//! Built with the features that bring these clients (`remote,services`), as
//! CI's worker step builds them: `cargo test -p xrole-examples --features
//! remote,services --test rust_sdk_corpus`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may stop loudly

use std::sync::{Arc, Mutex};

use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest as SdkRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use xrole_test::services::{HttpRequest, Target, classify, data};

/// One captured request: method, URL, headers and body.
type Captured = (String, String, Vec<(String, String)>, Vec<u8>);

/// An HTTP client that keeps each request and sends none.
#[derive(Clone, Debug, Default)]
struct Capture(Arc<Mutex<Vec<Captured>>>);

impl HttpClient for Capture {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for Capture {
    fn call(&self, request: SdkRequest) -> HttpConnectorFuture {
        let headers = request
            .headers()
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let body = request.body().bytes().unwrap_or_default().to_vec();
        self.0.lock().unwrap().push((
            request.method().to_owned(),
            request.uri().to_owned(),
            headers,
            body,
        ));
        HttpConnectorFuture::ready(Err(ConnectorError::other(
            "captured, not sent".into(),
            None,
        )))
    }
}

const ACCOUNT: &str = "111122223333";
const REGION: &str = "eu-west-1";
const ROLE: &str = "arn:aws:iam::444455556666:role/Reader";
const BUCKET: &str = "reports-bucket";
const OBJECT: &str = "arn:aws:s3:::reports-bucket/2026/11.csv";
const QUEUE_URL: &str = "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs";
const QUEUE: &str = "arn:aws:sqs:eu-west-1:111122223333:jobs";
const TABLE: &str = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders";
const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const SECRET: &str = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-??????";
const DEPLOYER: &str = "arn:aws:iam::111122223333:role/deployer";

/// The keys every request carries, and S3's keys on how it was signed: checked
/// against the request itself, then left out of the comparison.
const FROM_THE_REQUEST: &[&str] = &[
    "aws:SecureTransport",
    "aws:RequestedRegion",
    "aws:CurrentTime",
    "aws:EpochTime",
    "s3:authType",
    "s3:signatureversion",
    "s3:x-amz-content-sha256",
];

/// Runs each call (each fails at the capturing client: only its request
/// counts) and returns what was captured, with the signing service of each.
fn captured(capture: &Capture) -> Vec<(Captured, String)> {
    capture
        .0
        .lock()
        .unwrap()
        .drain(..)
        .map(|c| {
            let signing =
                c.2.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                    .and_then(|(_, v)| v.split("Credential=").nth(1))
                    .and_then(|scope| scope.split('/').nth(3))
                    .unwrap()
                    .to_owned();
            (c, signing)
        })
        .collect()
}

/// `ACTION RESOURCES KEY=VALUES...` per check, the request's own keys checked
/// and left out.
fn checks_of((method, url, headers, body): &Captured, signing: &str) -> Vec<String> {
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let request = HttpRequest {
        method,
        url,
        headers: &headers,
        body,
    };
    let target = Target {
        partition: "aws",
        region: REGION,
        account: ACCOUNT,
    };
    let classified = classify(data().unwrap(), signing, target, &request)
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    classified
        .checks
        .iter()
        .map(|c| {
            assert_eq!(c.context["aws:SecureTransport"], ["true"], "{url}");
            assert_eq!(c.context["aws:RequestedRegion"], [REGION], "{url}");
            if c.action.starts_with("s3:") && c.context.contains_key("s3:authType") {
                assert_eq!(c.context["s3:authType"], ["REST-HEADER"], "{url}");
                assert_eq!(
                    c.context["s3:signatureversion"],
                    ["AWS4-HMAC-SHA256"],
                    "{url}"
                );
            }
            let keys: Vec<String> = c
                .context
                .iter()
                .filter(|(k, _)| !FROM_THE_REQUEST.contains(&k.as_str()))
                .map(|(k, v)| format!("{k}={}", v.join(",")))
                .collect();
            // The order of one check's resources means nothing, and the SDK
            // serializes a batch's tables from a hash map: compared sorted.
            let mut resources = c.resources.clone();
            resources.sort();
            format!("{} {} {}", c.action, resources.join(","), keys.join(" "))
                .trim_end()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_rust_sdks_requests_classify_exactly() {
    let capture = Capture::default();
    let config =
        aws_types::SdkConfig::builder()
            .region(aws_types::region::Region::new(REGION))
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(
                    Credentials::for_tests(),
                ),
            )
            .http_client(SharedHttpClient::new(capture.clone()))
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
    let mut expected: Vec<Vec<String>> = Vec::new();
    let mut expect =
        |checks: &[&str]| expected.push(checks.iter().map(|c| (*c).to_owned()).collect());

    // STS.
    let sts = aws_sdk_sts::Client::new(&config);
    let tag = |k: &str, v: &str| {
        aws_sdk_sts::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .unwrap()
    };
    let _ = sts.get_caller_identity().send().await;
    expect(&[]);
    let _ = sts
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("audit")
        .send()
        .await;
    expect(&[&format!("sts:AssumeRole {ROLE} sts:RoleSessionName=audit")]);
    let _ = sts
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("audit")
        .external_id("ext-1234")
        .duration_seconds(900)
        .send()
        .await;
    expect(&[&format!(
        "sts:AssumeRole {ROLE} sts:ExternalId=ext-1234 sts:RoleSessionName=audit"
    )]);
    let _ = sts
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("audit")
        .tags(tag("team", "data"))
        .tags(tag("env", "prod"))
        .transitive_tag_keys("team")
        .send()
        .await;
    expect(&[
        &format!(
            "sts:AssumeRole {ROLE} aws:RequestTag/env=prod aws:RequestTag/team=data aws:TagKeys=team,env sts:RoleSessionName=audit sts:TransitiveTagKeys=team"
        ),
        &format!(
            "sts:TagSession {ROLE} aws:RequestTag/env=prod aws:RequestTag/team=data aws:TagKeys=team,env sts:TransitiveTagKeys=team"
        ),
    ]);
    let _ = sts
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("audit")
        .source_identity("alice")
        .send()
        .await;
    expect(&[
        &format!("sts:AssumeRole {ROLE} sts:RoleSessionName=audit sts:SourceIdentity=alice"),
        &format!("sts:SetSourceIdentity {ROLE} sts:SourceIdentity=alice"),
    ]);
    let _ = sts.get_session_token().duration_seconds(3600).send().await;
    expect(&["sts:GetSessionToken *"]);
    let _ = sts.get_federation_token().name("bob").send().await;
    expect(&[&format!(
        "sts:GetFederationToken arn:aws:sts::{ACCOUNT}:federated-user/bob"
    )]);
    let _ = sts
        .decode_authorization_message()
        .encoded_message("abc")
        .send()
        .await;
    expect(&["sts:DecodeAuthorizationMessage *"]);

    // S3: virtual-hosted addressing, the SDK's checksums and `x-id`.
    let s3 = aws_sdk_s3::Client::new(&config);
    let key = "2026/11.csv";
    let _ = s3.get_object().bucket(BUCKET).key(key).send().await;
    expect(&[&format!("s3:GetObject {OBJECT}")]);
    let _ = s3
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .version_id("v1")
        .send()
        .await;
    expect(&[&format!("s3:GetObjectVersion {OBJECT} s3:versionid=v1")]);
    let _ = s3.head_object().bucket(BUCKET).key(key).send().await;
    expect(&[&format!("s3:GetObject {OBJECT}")]);
    let _ = s3
        .put_object()
        .bucket(BUCKET)
        .key(key)
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"a,b\n"))
        .tagging("team=data&env=prod")
        .acl(aws_sdk_s3::types::ObjectCannedAcl::BucketOwnerFullControl)
        .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
        .send()
        .await;
    expect(&[&format!(
        "s3:PutObject {OBJECT} s3:RequestObjectTag/env=prod s3:RequestObjectTag/team=data s3:RequestObjectTagKeys=team,env s3:x-amz-acl=bucket-owner-full-control s3:x-amz-server-side-encryption=aws:kms"
    )]);
    let _ = s3
        .delete_object()
        .bucket(BUCKET)
        .key(key)
        .version_id("v3")
        .send()
        .await;
    expect(&[&format!("s3:DeleteObjectVersion {OBJECT} s3:versionid=v3")]);
    let objects = |keys: &[&str]| {
        let mut delete = aws_sdk_s3::types::Delete::builder();
        for k in keys {
            delete = delete.objects(
                aws_sdk_s3::types::ObjectIdentifier::builder()
                    .key(*k)
                    .build()
                    .unwrap(),
            );
        }
        delete.build().unwrap()
    };
    let _ = s3
        .delete_objects()
        .bucket(BUCKET)
        .delete(objects(&["a.txt", "dir/b.txt"]))
        .send()
        .await;
    expect(&[
        "s3:DeleteObject arn:aws:s3:::reports-bucket/a.txt,arn:aws:s3:::reports-bucket/dir/b.txt",
    ]);
    let _ = s3
        .copy_object()
        .bucket(BUCKET)
        .key("copy.csv")
        .copy_source("src-bucket/in/a.csv")
        .send()
        .await;
    expect(&[
        "s3:GetObject arn:aws:s3:::src-bucket/in/a.csv",
        "s3:PutObject arn:aws:s3:::reports-bucket/copy.csv s3:x-amz-copy-source=src-bucket/in/a.csv",
    ]);
    let _ = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix("2026/")
        .delimiter("/")
        .max_keys(50)
        .send()
        .await;
    expect(&[
        "s3:ListBucket arn:aws:s3:::reports-bucket s3:delimiter=/ s3:max-keys=50 s3:prefix=2026/",
    ]);
    let _ = s3.list_buckets().send().await;
    expect(&["s3:ListAllMyBuckets *"]);
    let _ = s3.get_object_tagging().bucket(BUCKET).key(key).send().await;
    expect(&[&format!("s3:GetObjectTagging {OBJECT}")]);
    let _ = s3
        .put_bucket_policy()
        .bucket(BUCKET)
        .policy("{}")
        .send()
        .await;
    expect(&["s3:PutBucketPolicy arn:aws:s3:::reports-bucket"]);
    let _ = s3.delete_bucket_cors().bucket(BUCKET).send().await;
    expect(&["s3:PutBucketCORS arn:aws:s3:::reports-bucket"]);
    let _ = s3
        .create_multipart_upload()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await;
    expect(&[&format!("s3:PutObject {OBJECT}")]);
    let _ = s3
        .abort_multipart_upload()
        .bucket(BUCKET)
        .key(key)
        .upload_id("u1")
        .send()
        .await;
    expect(&[&format!("s3:AbortMultipartUpload {OBJECT}")]);

    // IAM: the query protocol at its global endpoint.
    let iam = aws_sdk_iam::Client::new(&config);
    let _ = iam.get_role().role_name("deployer").send().await;
    expect(&[&format!("iam:GetRole {DEPLOYER}")]);
    let _ = iam
        .attach_role_policy()
        .role_name("deployer")
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await;
    expect(&[&format!(
        "iam:AttachRolePolicy {DEPLOYER} iam:PolicyARN=arn:aws:iam::aws:policy/ReadOnlyAccess"
    )]);
    let _ = iam
        .create_role()
        .role_name("deployer")
        .assume_role_policy_document("{}")
        .permissions_boundary("arn:aws:iam::111122223333:policy/boundary")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("data")
                .build()
                .unwrap(),
        )
        .send()
        .await;
    expect(&[&format!(
        "iam:CreateRole {DEPLOYER} aws:RequestTag/team=data aws:TagKeys=team iam:PermissionsBoundary=arn:aws:iam::111122223333:policy/boundary"
    )]);

    // SQS: the JSON protocol, queue URLs to queue ARNs.
    let sqs = aws_sdk_sqs::Client::new(&config);
    let _ = sqs
        .send_message()
        .queue_url(QUEUE_URL)
        .message_body("hi")
        .send()
        .await;
    expect(&[&format!("sqs:SendMessage {QUEUE}")]);
    let entry = aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
        .id("1")
        .message_body("hi")
        .build()
        .unwrap();
    let _ = sqs
        .send_message_batch()
        .queue_url(QUEUE_URL)
        .entries(entry)
        .send()
        .await;
    expect(&[&format!("sqs:SendMessage {QUEUE}")]);
    let _ = sqs.receive_message().queue_url(QUEUE_URL).send().await;
    expect(&[&format!("sqs:ReceiveMessage {QUEUE}")]);
    let _ = sqs
        .delete_message()
        .queue_url(QUEUE_URL)
        .receipt_handle("r")
        .send()
        .await;
    expect(&[&format!("sqs:DeleteMessage {QUEUE}")]);
    let _ = sqs
        .create_queue()
        .queue_name("jobs")
        .tags("team", "data")
        .send()
        .await;
    expect(&[&format!(
        "sqs:CreateQueue {QUEUE} aws:RequestTag/team=data aws:TagKeys=team"
    )]);
    let _ = sqs.get_queue_url().queue_name("jobs").send().await;
    expect(&[&format!("sqs:GetQueueUrl {QUEUE}")]);
    let _ = sqs.list_queues().send().await;
    expect(&["sqs:ListQueues *"]);

    // DynamoDB: one check per table, indexes by their ARN; the attributes
    // each table's request names, and what a read returns.
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let id = aws_sdk_dynamodb::types::AttributeValue::S("o-1".to_owned());
    let _ = dynamodb
        .get_item()
        .table_name("orders")
        .key("id", id.clone())
        .send()
        .await;
    expect(&[&format!(
        "dynamodb:GetItem {TABLE} dynamodb:Attributes=id dynamodb:Select=ALL_ATTRIBUTES"
    )]);
    let _ = dynamodb
        .put_item()
        .table_name("orders")
        .item("id", id.clone())
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
        .send()
        .await;
    expect(&[&format!(
        "dynamodb:PutItem {TABLE} dynamodb:Attributes=id dynamodb:ReturnValues=ALL_OLD"
    )]);
    let _ = dynamodb
        .query()
        .table_name("orders")
        .index_name("byCustomer")
        .key_condition_expression("customer = :c")
        .expression_attribute_values(":c", id.clone())
        .projection_expression("#t")
        .expression_attribute_names("#t", "total")
        .send()
        .await;
    expect(&[&format!(
        "dynamodb:Query {TABLE}/index/byCustomer dynamodb:Attributes=customer,total dynamodb:Select=SPECIFIC_ATTRIBUTES"
    )]);
    let keys = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
        .keys([("id".to_owned(), id.clone())].into())
        .build()
        .unwrap();
    let _ = dynamodb
        .batch_get_item()
        .request_items("orders", keys.clone())
        .request_items("stock", keys)
        .send()
        .await;
    expect(&[
        &format!(
            "dynamodb:BatchGetItem {TABLE} dynamodb:Attributes=id dynamodb:Select=ALL_ATTRIBUTES"
        ),
        "dynamodb:BatchGetItem arn:aws:dynamodb:eu-west-1:111122223333:table/stock dynamodb:Attributes=id dynamodb:Select=ALL_ATTRIBUTES",
    ]);
    let _ = dynamodb.describe_table().table_name("orders").send().await;
    expect(&[&format!("dynamodb:DescribeTable {TABLE}")]);
    let _ = dynamodb.list_tables().send().await;
    expect(&["dynamodb:ListTables *"]);

    // KMS: key ids and aliases, the encryption context.
    let kms = aws_sdk_kms::Client::new(&config);
    let blob = aws_sdk_kms::primitives::Blob::new(b"x".to_vec());
    let _ = kms
        .decrypt()
        .key_id(KEY_ID)
        .ciphertext_blob(blob.clone())
        .send()
        .await;
    expect(&[&format!("kms:Decrypt {KEY} kms:CallerAccount={ACCOUNT}")]);
    let _ = kms
        .decrypt()
        .key_id("alias/app")
        .ciphertext_blob(blob.clone())
        .encryption_context("tenant", "acme")
        .encryption_algorithm(aws_sdk_kms::types::EncryptionAlgorithmSpec::SymmetricDefault)
        .send()
        .await;
    expect(&[&format!(
        "kms:Decrypt arn:aws:kms:eu-west-1:{ACCOUNT}:alias/app kms:CallerAccount={ACCOUNT} kms:EncryptionAlgorithm=SYMMETRIC_DEFAULT kms:EncryptionContext:tenant=acme kms:EncryptionContextKeys=tenant kms:RequestAlias=alias/app"
    )]);
    let _ = kms.encrypt().key_id(KEY_ID).plaintext(blob).send().await;
    expect(&[&format!("kms:Encrypt {KEY} kms:CallerAccount={ACCOUNT}")]);
    let _ = kms
        .generate_data_key()
        .key_id(KEY_ID)
        .number_of_bytes(32)
        .send()
        .await;
    expect(&[&format!(
        "kms:GenerateDataKey {KEY} kms:CallerAccount={ACCOUNT}"
    )]);
    let _ = kms.describe_key().key_id(KEY_ID).send().await;
    expect(&[&format!(
        "kms:DescribeKey {KEY} kms:CallerAccount={ACCOUNT}"
    )]);

    // Secrets Manager: names to secret ARNs.
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let _ = secrets.get_secret_value().secret_id("db").send().await;
    expect(&[&format!(
        "secretsmanager:GetSecretValue {SECRET} secretsmanager:SecretId=db"
    )]);
    let _ = secrets
        .put_secret_value()
        .secret_id("db")
        .secret_string("s")
        .send()
        .await;
    expect(&[&format!(
        "secretsmanager:PutSecretValue {SECRET} secretsmanager:SecretId=db"
    )]);
    let _ = secrets
        .create_secret()
        .name("db")
        .tags(
            aws_sdk_secretsmanager::types::Tag::builder()
                .key("team")
                .value("data")
                .build(),
        )
        .send()
        .await;
    expect(&[&format!(
        "secretsmanager:CreateSecret {SECRET} aws:RequestTag/team=data aws:TagKeys=team secretsmanager:Name=db"
    )]);
    let _ = secrets.list_secrets().send().await;
    expect(&["secretsmanager:ListSecrets *"]);

    let seen = captured(&capture);
    assert_eq!(seen.len(), expected.len(), "one request per call");
    let mut wrong = Vec::new();
    for ((request, signing), want) in seen.iter().zip(&expected) {
        let found = checks_of(request, signing);
        if &found != want {
            wrong.push(format!(
                "{} {}\n  expected {want:?}\n  found    {found:?}",
                request.0, request.1
            ));
        }
    }
    let total = expected.len();
    println!(
        "classified_exact_rust_sdk: {:.1}% ({} of {total} requests of the Rust SDK: sts, s3, iam, sqs, dynamodb, kms, secretsmanager)",
        100.0 * (total - wrong.len()) as f64 / total as f64,
        total - wrong.len(),
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
