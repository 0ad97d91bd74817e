//! Authorization figures (issue 27): `cargo bench -p xrole-test --bench authorize`.
//! Prints one `name: value` line per figure:
//!
//! - `classify_ns`: an S3 GetObject request classified into its checks;
//! - `authorize_ns`: the same request on a warm session, classified and decided
//!   with the session's whole chain (the audit log keeps each decision);
//! - `enforced_overhead_ratio`: the median SDK call (STS GetCallerIdentity on the
//!   embedded STS, a local endpoint) with enforcement over the same call without;
//! - `minimal_policy_ms`: the least privilege of a role from a recording of
//!   100,000 calls over 5,000 distinct checks (issue 28), and its replay's
//!   `replay_allowed` (share of the checks) and `statements_removable`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench may stop loudly

mod support;

use std::hint::black_box;
use std::time::Instant;

use support::median_ns;

use serde_json::json;
use xrole_core::PolicyDocument;
use xrole_test::services::{self, HttpRequest, Target};
use xrole_test::sts::{EmbeddedSts, Role, User, World};

const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const ROLE: &str = "arn:aws:iam::222222222222:role/Worker";

fn doc(value: serde_json::Value) -> PolicyDocument {
    value.to_string().parse().unwrap()
}

fn world() -> World {
    let mut w = World::new();
    w.add_user(User::new(ALICE.parse().unwrap()).unwrap().policy(
        "assume",
        doc(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "sts:AssumeRole", "Resource": ROLE}]})),
    ))
    .unwrap()
    .add_role(
        Role::new(
            ROLE.parse().unwrap(),
            doc(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"}]})),
        )
        .policy(
            "work",
            doc(json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::work/*"},
                {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}
            ]})),
        ),
    )
    .unwrap();
    w
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let sts = EmbeddedSts::start(world()).await.unwrap();
    let alice = aws_sdk_sts::Client::new(&sts.sdk_config_for(ALICE).await.unwrap());
    let creds = alice
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("worker")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={}/20261207/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=00",
        creds.access_key_id()
    );
    let headers = [
        ("authorization", auth.as_str()),
        ("x-amz-security-token", creds.session_token()),
    ];
    let request = HttpRequest {
        method: "GET",
        url: "https://work.s3.eu-west-1.amazonaws.com/in/a.csv",
        headers: &headers,
        body: b"",
    };
    let data = services::data().unwrap();
    let target = Target {
        partition: "aws",
        region: "eu-west-1",
        account: "222222222222",
    };
    let decided = sts.authorize_http(&request).unwrap();
    assert!(decided.refusal().is_none(), "bench setup must allow");

    median_ns(5, 2_000, || {
        black_box(services::classify(data, "s3", target, black_box(&request)).unwrap());
    });
    let classify_ns = median_ns(31, 5_000, || {
        black_box(services::classify(data, "s3", target, black_box(&request)).unwrap());
    });
    median_ns(5, 2_000, || {
        black_box(sts.authorize_http(black_box(&request)).unwrap());
    });
    let authorize_ns = median_ns(31, 5_000, || {
        black_box(sts.authorize_http(black_box(&request)).unwrap());
    });
    println!("classify_ns: {classify_ns:.0}");
    println!("authorize_ns: {authorize_ns:.0}");

    // The same SDK call, on the same local endpoint, with and without.
    let session = sts
        .sdk_config_for_session(
            creds.access_key_id(),
            creds.secret_access_key(),
            creds.session_token(),
        )
        .await;
    let plain = aws_sdk_sts::Client::new(&session);
    let enforced = aws_sdk_sts::Client::new(&sts.enforcing(&session));
    let mut plain_us = Vec::new();
    let mut enforced_us = Vec::new();
    for round in 0..2_400 {
        // Alternate, so that drift in the machine's load falls on both.
        for (client, samples) in [(&plain, &mut plain_us), (&enforced, &mut enforced_us)] {
            let start = Instant::now();
            client.get_caller_identity().send().await.unwrap();
            if round >= 400 {
                samples.push(start.elapsed().as_secs_f64() * 1e6);
            }
        }
    }
    plain_us.sort_by(f64::total_cmp);
    enforced_us.sort_by(f64::total_cmp);
    let median = |v: &[f64]| v[v.len() / 2];
    println!("sdk_call_p50_us: {:.0}", median(&plain_us));
    println!("enforced_sdk_call_p50_us: {:.0}", median(&enforced_us));
    println!(
        "enforced_overhead_ratio: {:.3}",
        median(&enforced_us) / median(&plain_us)
    );
    least_privilege();
}

/// A recording of 100,000 calls over 5,000 distinct checks: a role reading and
/// writing objects of 50 buckets, timed from recording to minimal policy, then
/// replayed.
fn least_privilege() {
    use xrole_test::eval::Decision;
    use xrole_test::least::{Options, minimal_policy, replay};
    use xrole_test::recording::{RecordedCheck, Recording};
    let role: xrole_core::RoleArn = ROLE.parse().unwrap();
    let mut recording = Recording::default();
    for i in 0..5_000 {
        let action = if i % 5 == 0 {
            "s3:PutObject"
        } else {
            "s3:GetObject"
        };
        recording.record(RecordedCheck {
            principal: "arn:aws:sts::222222222222:assumed-role/Worker/worker".to_owned(),
            role: Some(ROLE.to_owned()),
            action: action.to_owned(),
            resource: format!("arn:aws:s3:::bucket-{}/data/{i}.csv", i % 50),
            context: Default::default(),
            decision: Decision::Allowed,
            approximate: false,
            count: 20,
        });
    }
    // Unfolded, 5,000 objects are far over IAM's 6,144 characters for an
    // identity policy: folded, one statement per action set and bucket.
    let start = Instant::now();
    let folded = minimal_policy(&recording, &role, &Options::new().fold_past(10)).unwrap();
    let ms = start.elapsed().as_secs_f64() * 1e3;
    println!("minimal_policy_ms: {ms:.1}");
    assert_eq!(folded.calls, 100_000);
    let replayed = replay(&recording, &role, &folded.document);
    println!(
        "replay_allowed: {:.1}%",
        100.0 * replayed.allowed as f64 / recording.len() as f64
    );
    println!("statements_removable: {}", replayed.removable.len());
}
