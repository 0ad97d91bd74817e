//! `xrole record`: a command run with the gateway in front of its calls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::process::Output;

const WORLD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../xrole-test/worlds/gateway.json"
);
const DEVELOPER: &str = "arn:aws:iam::111111111111:user/developer";
const APP: &str = "arn:aws:iam::111111111111:role/App";

async fn record(extra: &[&str], script: &str) -> Output {
    let mut args = vec!["record", "--world", WORLD, "--as", DEVELOPER];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", "sh", "-c", script]);
    tokio::process::Command::new(env!("CARGO_BIN_EXE_xrole"))
        .args(&args)
        // What the command must not pass on: another key, another endpoint.
        .env("AWS_ACCESS_KEY_ID", "AKIAOTHERKEY00000000")
        .env("AWS_ENDPOINT_URL_S3", "http://elsewhere.invalid")
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_command_runs_on_the_gateway_as_the_user_and_its_code_is_returned() {
    let out = record(
        &[],
        r#"echo "endpoint=$AWS_ENDPOINT_URL key=$AWS_ACCESS_KEY_ID s3=${AWS_ENDPOINT_URL_S3:-none}"; exit 3"#,
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("endpoint=http://127.0.0.1:"), "{stdout}");
    assert!(
        stdout.contains("key=AKIAXROLEGATEWAYDEV1 s3=none"),
        "{stdout}"
    );
    assert!(
        stdout.contains("# no call made as a role was recorded"),
        "{stdout}"
    );
}

#[tokio::test]
async fn as_a_role_the_command_reads_a_refreshing_session_from_the_endpoint() {
    let out = record(
        &["--role-arn", APP],
        r#"test -z "$AWS_ACCESS_KEY_ID" && test -n "$AWS_CONTAINER_AUTHORIZATION_TOKEN" && echo "uri=$AWS_CONTAINER_CREDENTIALS_FULL_URI""#,
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("uri=http://127.0.0.1:"), "{stdout}");
    assert!(
        stdout.contains(&format!("# no call made as {APP} was recorded")),
        "{stdout}"
    );
}

#[tokio::test]
async fn a_role_the_user_may_not_assume_is_an_error_before_the_command_runs() {
    let out = record(
        &["--role-arn", "arn:aws:iam::111111111111:role/Other"],
        "echo ran",
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("ran"));
    assert!(
        stderr.contains("AccessDenied") || stderr.contains("not authorized"),
        "{stderr}"
    );
}

#[tokio::test]
async fn on_aws_the_role_is_assumed_with_the_callers_own_keys_and_the_program_gets_a_local_session()
{
    // The embedded STS stands for AWS's here: alice's keys assume the role there.
    let aws = super::sts().await;
    let out = super::command(
        &aws,
        &[
            "record",
            "--role-arn",
            super::ROLE,
            "--backend",
            "http://127.0.0.1:9",
            "--",
            "sh",
            "-c",
            r#"test -z "$AWS_ACCESS_KEY_ID" && test -n "$AWS_CONTAINER_CREDENTIALS_FULL_URI" && echo "endpoint=$AWS_ENDPOINT_URL""#,
        ],
    )
    .output()
    .await
    .unwrap();
    let stdout = super::stdout(&out);
    assert!(out.status.success(), "{stdout}{}", super::stderr(&out));
    assert!(stdout.contains("endpoint=http://127.0.0.1:"), "{stdout}");
    assert!(
        stdout.contains(&format!("# no call made as {} was recorded", super::ROLE)),
        "{stdout}"
    );
    let assumed = aws.last_audit("AssumeRole").unwrap();
    assert_eq!(assumed.caller.as_deref(), Some(super::ALICE));
}

#[tokio::test]
async fn without_a_world_a_role_is_needed() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_xrole"))
        .args(["record", "--", "true"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role-arn"));
}
