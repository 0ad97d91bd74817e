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
//! queue's policy does not, and a call across accounts needs both.
//!
//! ```sh
//! cargo run -p xrole-examples --features services --example worker_services
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
const KEY: &str = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn doc(value: serde_json::Value) -> Result<PolicyDocument, BoxError> {
    Ok(value.to_string().parse()?)
}

/// The two accounts: the operator who assumes the worker's role, the role, and
/// account 222222222222's queue and key with their policies.
fn world() -> Result<World, BoxError> {
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
            Resource::new(KEY)?
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
}

async fn run() -> Result<Report, BoxError> {
    let sts = EmbeddedSts::start(world()?).await?;
    let base = sts.sdk_config_for(OPERATOR).await?;
    let role = AssumeRole::from_spec(&Worker::ROLE_SPEC)
        .assume(&base)
        .await?;
    let worker = Worker::from_role(&role);
    println!("assumed: {}", worker.role.caller_identity().await?.arn);

    // The SDK clients, on the session, each request decided before it is sent.
    let decided = sts.deciding(worker.role.sdk_config());
    let sqs = aws_sdk_sqs::Client::new(&decided);
    let kms = aws_sdk_kms::Client::new(&decided);
    let dynamodb = aws_sdk_dynamodb::Client::new(&decided);
    let secrets = aws_sdk_secretsmanager::Client::new(&decided);

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
        .key_id(KEY)
        .ciphertext_blob(aws_sdk_kms::primitives::Blob::new(b"job".to_vec()))
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
    let deleted = sqs
        .delete_message()
        .queue_url(QUEUE_URL)
        .receipt_handle("handle")
        .send()
        .await;
    record("sqs:DeleteMessage on 222222222222's queue", deleted.is_ok());

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
    check(
        service.code() == Some("AccessDenied"),
        "the refusal is SQS's AccessDenied",
    )?;
    Ok(Report { calls, refusal })
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run().await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_worker_is_refused_only_what_the_queue_does_not_grant() {
        let report = run().await.unwrap();
        let refused: Vec<&str> = report
            .calls
            .iter()
            .filter(|(_, allowed)| !allowed)
            .map(|(what, _)| *what)
            .collect();
        assert_eq!(refused, ["sqs:SendMessage to 222222222222's queue"]);
        assert_eq!(report.calls.len(), 6);
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
}
