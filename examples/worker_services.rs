//! A worker across two accounts, every call it makes authorized: the `Worker`
//! role of account 111111111111 takes jobs from a queue of account
//! 222222222222, decrypts them with that account's KMS key, keeps its results
//! in its own DynamoDB table and reads its database password from its own
//! Secrets Manager. The queue's policy and the key's policy admit it; its own
//! resources need only its identity policy.
//!
//! Every request of the real SDK clients (SQS, DynamoDB, KMS, Secrets Manager)
//! is decided by the embedded STS with the session's whole chain before it
//! would leave the process (`EmbeddedSts::deciding`: no backend, an allowed call
//! answered with the service's empty success). The one call the worker may not
//! make, putting a job back on the other account's queue, fails as SQS fails
//! it, and the embedded STS explains why: its identity policy allows it, the
//! queue's policy does not, and a call across accounts needs both. A second
//! one, extending a job's visibility, its own policy forgot.
//!
//! The calls are recorded: the example prints the policy they needed (least
//! privilege, proved by replay) and what the declared one got wrong, a grant no
//! call used and the call it refuses; its test keeps the first as an insta
//! snapshot and fails on the second.
//!
//! With `--backend URL` (a moto server without IAM checks of its own, whose
//! default account is 222222222222, as `.ci/moto-tier` starts it), the same
//! clients are enforcing instead: an allowed call goes on to the backend and its
//! answer comes back (the job, its plaintext, the password), a refused one never
//! leaves the process.
//!
//! ```sh
//! cargo run -p xrole-examples --features services --example worker_services
//! MOTO_ACCOUNT_ID=222222222222 moto_server -p 5001 &
//! cargo run -p xrole-examples --features services --example worker_services -- --backend http://127.0.0.1:5001
//! ```

use serde_json::json;
use xrole::{AssumeRole, AssumedRole, assume_role};
use xrole_core::{AccountId, PolicyDocument};
use xrole_examples::{BoxError, check, section};
use xrole_test::sts::{EmbeddedSts, Resource, User, World};

#[assume_role(
    arn = "arn:aws:iam::111111111111:role/Worker",
    session_name = "worker",
    trusted = ["arn:aws:iam::111111111111:root"],
    allow(
        actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:SendMessage"],
        resources = ["arn:aws:sqs:us-east-1:222222222222:jobs"]
    ),
    allow(actions = ["kms:Decrypt"], resources = ["arn:aws:kms:us-east-1:222222222222:key/*"]),
    allow(
        actions = ["dynamodb:PutItem", "dynamodb:GetItem"],
        resources = ["arn:aws:dynamodb:us-east-1:111111111111:table/results"]
    ),
    allow(
        actions = ["secretsmanager:GetSecretValue"],
        resources = ["arn:aws:secretsmanager:us-east-1:111111111111:secret:db-*"]
    ),
)]
struct Worker {
    role: AssumedRole,
}

const OPERATOR: &str = "arn:aws:iam::111111111111:user/operator";
const QUEUE_URL: &str = "https://sqs.us-east-1.amazonaws.com/222222222222/jobs";
const QUEUE: &str = "arn:aws:sqs:us-east-1:222222222222:jobs";
/// The key of the embedded run (a backend makes its own).
const KEY: &str = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/// The job on the queue, encrypted with the key.
const JOB: &[u8] = b"resize image 42";
const PASSWORD: &str = "db-password-not-a-secret";

fn doc(value: serde_json::Value) -> Result<PolicyDocument, BoxError> {
    Ok(value.to_string().parse()?)
}

/// The two accounts: the operator who assumes the worker's role, the role, and
/// account 222222222222's queue and `key` with their policies.
fn world(key: &str) -> Result<World, BoxError> {
    let operator = OPERATOR.parse()?;
    let mut world = World::new();
    world
        .add_user(User::new(OPERATOR.parse()?)?)?
        .add_role_from_spec(&Worker::ROLE_SPEC)?
        .attach_caller_policy(&operator, &Worker::ROLE_SPEC)?
        // The queue admits the worker to take and delete jobs, not to send them.
        .add_resource(Resource::new(QUEUE)?.policy(doc(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": Worker::ROLE_SPEC.role().as_str()},
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
                "Resource": QUEUE
            }]
        }))?))?
        // The key: its own account administers it, the worker may decrypt.
        .add_resource(
            Resource::new(key)?
                .owner(AccountId::from_static("222222222222"))
                .policy(doc(json!({
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                         "Action": "kms:*", "Resource": "*"},
                        {"Effect": "Allow", "Principal": {"AWS": Worker::ROLE_SPEC.role().as_str()},
                         "Action": "kms:Decrypt", "Resource": "*"}
                    ]
                }))?),
        )?;
    Ok(world)
}

/// What a run found: each call with whether it was allowed, and the refusal's
/// explanation.
#[derive(Debug)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
struct Report {
    calls: Vec<(&'static str, bool)>,
    refusal: String,
    recording: xrole_test::recording::Recording,
}

/// What a backend holds for the worker: the queue with its job, the key that
/// encrypted it, the worker's table and secret.
struct Backend {
    url: String,
    key: String,
    ciphertext: Vec<u8>,
}

/// The backend's own configuration: its URL and credentials of its own (it
/// checks none).
async fn backend_config(url: &str) -> aws_types::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_credential_types::Credentials::new(
            "backend-admin",
            "backend-admin",
            None,
            None,
            "backend",
        ))
        .load()
        .await
}

/// Sets the backend up.
async fn provision(url: &str) -> Result<Backend, BoxError> {
    let admin = backend_config(url).await;
    let sqs = aws_sdk_sqs::Client::new(&admin);
    sqs.create_queue().queue_name("jobs").send().await?;
    let kms = aws_sdk_kms::Client::new(&admin);
    let key = kms.create_key().send().await?;
    let key = key
        .key_metadata()
        .and_then(|m| m.arn())
        .ok_or("the backend's key has no ARN")?
        .to_owned();
    let encrypted = kms
        .encrypt()
        .key_id(&key)
        .plaintext(aws_sdk_kms::primitives::Blob::new(JOB))
        .send()
        .await?;
    let ciphertext = encrypted
        .ciphertext_blob()
        .ok_or("no ciphertext")?
        .as_ref()
        .to_vec();
    sqs.send_message()
        .queue_url(QUEUE_URL)
        .message_body("job 42")
        .send()
        .await?;
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    // A second run finds the table and the secret there: it keeps them.
    let created = aws_sdk_dynamodb::Client::new(&admin)
        .create_table()
        .table_name("results")
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("job")
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("job")
                .key_type(KeyType::Hash)
                .build()?,
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    if let Err(e) = created
        && !e
            .as_service_error()
            .is_some_and(|e| e.is_resource_in_use_exception())
    {
        return Err(e.into());
    }
    let secrets = aws_sdk_secretsmanager::Client::new(&admin);
    let created = secrets
        .create_secret()
        .name("db")
        .secret_string(PASSWORD)
        .send()
        .await;
    if let Err(e) = created {
        if !e
            .as_service_error()
            .is_some_and(|e| e.is_resource_exists_exception())
        {
            return Err(e.into());
        }
        secrets
            .put_secret_value()
            .secret_id("db")
            .secret_string(PASSWORD)
            .send()
            .await?;
    }
    Ok(Backend {
        url: url.to_owned(),
        key,
        ciphertext,
    })
}

/// `--backend URL`, or none.
fn backend_arg() -> Result<Option<String>, BoxError> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next(), args.next()) {
        (None, _, _) => Ok(None),
        (Some("--backend"), Some(url), None) if url.starts_with("http") => Ok(Some(url)),
        _ => Err("usage: worker_services [--backend http://HOST:PORT]".into()),
    }
}

async fn run(backend: Option<&str>) -> Result<Report, BoxError> {
    let backend = match backend {
        Some(url) => Some(provision(url).await?),
        None => None,
    };
    let key = backend.as_ref().map_or(KEY, |b| b.key.as_str());
    let sts = EmbeddedSts::start(world(key)?).await?;
    sts.start_recording(xrole_test::recording::DEFAULT_LIMIT);
    let base = sts.sdk_config_for(OPERATOR).await?;
    let role = AssumeRole::from_spec(&Worker::ROLE_SPEC)
        .assume(&base)
        .await?;
    let worker = Worker::from_role(&role);
    println!("assumed: {}", worker.role.caller_identity().await?.arn);

    // The SDK clients, on the session, each request decided before it is sent:
    // to the backend when there is one, else answered in place.
    let decided = match &backend {
        Some(b) => sts.enforcing(
            &worker
                .role
                .sdk_config()
                .to_builder()
                .endpoint_url(&b.url)
                .build(),
        ),
        None => sts.deciding(worker.role.sdk_config()),
    };
    let sqs = aws_sdk_sqs::Client::new(&decided);
    let kms = aws_sdk_kms::Client::new(&decided);
    let dynamodb = aws_sdk_dynamodb::Client::new(&decided);
    let secrets = aws_sdk_secretsmanager::Client::new(&decided);
    let ciphertext = backend
        .as_ref()
        .map_or(JOB.to_vec(), |b| b.ciphertext.clone());

    section("The worker's calls, each decided with its whole chain");
    let mut calls = Vec::new();
    let mut record = |what: &'static str, allowed: bool| {
        println!("{what:<55} {}", if allowed { "allowed" } else { "refused" });
        calls.push((what, allowed));
    };
    let received = sqs
        .receive_message()
        .queue_url(QUEUE_URL)
        .max_number_of_messages(10)
        .send()
        .await;
    record(
        "sqs:ReceiveMessage on 222222222222's queue",
        received.is_ok(),
    );
    let decrypted = kms
        .decrypt()
        .key_id(key)
        .ciphertext_blob(aws_sdk_kms::primitives::Blob::new(ciphertext))
        .send()
        .await;
    record("kms:Decrypt with 222222222222's key", decrypted.is_ok());
    let password = secrets.get_secret_value().secret_id("db").send().await;
    record(
        "secretsmanager:GetSecretValue of its own secret",
        password.is_ok(),
    );
    let stored = dynamodb
        .put_item()
        .table_name("results")
        .item(
            "job",
            aws_sdk_dynamodb::types::AttributeValue::S("42".into()),
        )
        .send()
        .await;
    record("dynamodb:PutItem in its own table", stored.is_ok());
    // The backend's answers, where there is one: the job, its plaintext, the
    // password.
    if backend.is_some() {
        let body = received
            .as_ref()
            .ok()
            .and_then(|r| r.messages().first())
            .and_then(|m| m.body());
        check(
            body == Some("job 42"),
            format!("the job came back: {body:?}"),
        )?;
        let plaintext = decrypted
            .as_ref()
            .ok()
            .and_then(|d| d.plaintext())
            .map(|p| p.as_ref().to_vec());
        check(plaintext.as_deref() == Some(JOB), "the job was decrypted")?;
        let secret = password.as_ref().ok().and_then(|p| p.secret_string());
        check(secret == Some(PASSWORD), "the password came back")?;
        println!("the backend answered: the job, its plaintext and the password");
    }
    let handle = received
        .as_ref()
        .ok()
        .and_then(|r| r.messages().first())
        .and_then(|m| m.receipt_handle())
        .unwrap_or("handle")
        .to_owned();
    let deleted = sqs
        .delete_message()
        .queue_url(QUEUE_URL)
        .receipt_handle(handle)
        .send()
        .await;
    record("sqs:DeleteMessage on 222222222222's queue", deleted.is_ok());

    // Its own policy forgot this one.
    let extended = sqs
        .change_message_visibility()
        .queue_url(QUEUE_URL)
        .receipt_handle("handle")
        .visibility_timeout(60)
        .send()
        .await;
    record(
        "sqs:ChangeMessageVisibility on 222222222222's queue",
        extended.is_ok(),
    );

    // The one it may not make: its identity policy allows it, the queue's does not.
    let sent = sqs
        .send_message()
        .queue_url(QUEUE_URL)
        .message_body("retry job 42")
        .send()
        .await;
    record("sqs:SendMessage to 222222222222's queue", sent.is_ok());

    section("Why SendMessage was refused");
    let refused = sent.err().ok_or("SendMessage was allowed")?;
    let service = refused.into_service_error();
    use aws_sdk_sqs::error::ProvideErrorMetadata;
    let message = service.message().unwrap_or_default().to_owned();
    println!(
        "SQS's own error, through the SDK: {}: {message}",
        service.code().unwrap_or_default()
    );
    let request_id = message
        .split("audit_of_request(\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("the message names no audit entry")?;
    let refusal = sts
        .audit_of_request(request_id)
        .and_then(|entry| entry.detail)
        .ok_or("the audit log has no detail of the refusal")?;
    println!("the embedded STS's evaluation:\n{refusal}");
    // The refused message never reached the backend's queue.
    if let Some(b) = &backend {
        let admin = backend_config(&b.url).await;
        let left = aws_sdk_sqs::Client::new(&admin)
            .receive_message()
            .queue_url(QUEUE_URL)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .send()
            .await?;
        let retried = left
            .messages()
            .iter()
            .any(|m| m.body() == Some("retry job 42"));
        check(!retried, "the refused message never reached the queue")?;
        println!("the backend's queue holds no refused message");
    }
    check(
        service.code() == Some("AccessDenied"),
        "the refusal is SQS's AccessDenied",
    )?;
    section("What the calls needed, and what the declaration got wrong");
    let recording = sts.recording().ok_or("no recording")?;
    let role = Worker::ROLE_SPEC.role().clone();
    let needed =
        xrole_test::least::minimal_policy(&recording, &role, &xrole_test::least::Options::new())?;
    println!("{}", needed.render());
    let usage = xrole_test::least::declared_vs_used(
        &recording,
        &role,
        &Worker::ROLE_SPEC.permission_policy()?,
    );
    println!("{usage}");
    Ok(Report {
        calls,
        refusal,
        recording,
    })
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run(backend_arg()?.as_deref()).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_worker_is_refused_only_what_the_queue_does_not_grant() {
        let report = run(None).await.unwrap();
        let refused: Vec<&str> = report
            .calls
            .iter()
            .filter(|(_, allowed)| !allowed)
            .map(|(what, _)| *what)
            .collect();
        assert_eq!(
            refused,
            [
                "sqs:ChangeMessageVisibility on 222222222222's queue",
                "sqs:SendMessage to 222222222222's queue"
            ]
        );
        assert_eq!(report.calls.len(), 7);
        // Refused on the queue's side: its policy grants nothing, while the
        // role's own policy allows the call.
        let lines: Vec<&str> = report.refusal.lines().collect();
        assert_eq!(lines[0], format!("sqs:SendMessage on {QUEUE}"));
        assert_eq!(lines[1], "ImplicitlyDenied");
        assert_eq!(
            lines[2],
            format!("  - SQS queue {QUEUE} has no statement that allows the request")
        );
        assert!(
            lines[3].ends_with("inline policy xrole-permissions Statement[0] allows"),
            "{}",
            report.refusal
        );
    }

    /// The policy the worker's calls needed, kept as a snapshot (proved by
    /// replay first); the declaration's unused grant and forgotten call caught.
    #[tokio::test]
    async fn the_worker_needs_what_it_called() {
        let report = run(None).await.unwrap();
        let role = Worker::ROLE_SPEC.role().clone();
        xrole_test::assert_least_privilege!("worker", report.recording, role);
        let usage = xrole_test::least::declared_vs_used(
            &report.recording,
            &role,
            &Worker::ROLE_SPEC.permission_policy().unwrap(),
        );
        let unused: Vec<String> = usage.unused.iter().map(ToString::to_string).collect();
        assert_eq!(
            unused,
            ["Statement[2]: actions dynamodb:GetItem never used"]
        );
        let refused: Vec<&str> = usage.refused.iter().map(|c| c.action.as_str()).collect();
        assert_eq!(refused, ["sqs:ChangeMessageVisibility"]);
        // The assertion fails on both.
        let failed = std::panic::catch_unwind(|| {
            xrole_test::assert_used_as_declared!(report.recording, Worker::ROLE_SPEC);
        });
        assert!(failed.is_err());
    }
}
