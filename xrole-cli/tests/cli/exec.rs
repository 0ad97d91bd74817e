//! `xrole exec`: the credential endpoint, the child's environment, exit code and signals.

use super::*;

#[tokio::test]
async fn exec_serves_the_child_fresh_credentials_through_the_endpoint() {
    let sts = sts().await;
    // The child is xrole itself: its aws-config finds the container endpoint, and
    // chains from the session it serves.
    let out = xrole(
        &sts,
        &[
            "exec",
            "--role-arn",
            ROLE,
            "--role-session-name",
            "parent",
            "--",
            env!("CARGO_BIN_EXE_xrole"),
            "assume",
            "--role-arn",
            NEXT,
            "--role-session-name",
            "child",
            "--format",
            "json",
        ],
    )
    .await;
    let json = json_of(&out);
    assert_eq!(
        json["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::333333333333:assumed-role/Audit/child"
    );
    let audit = sts.audit();
    let child_call = audit
        .iter()
        .rev()
        .find(|e| e.parameter("RoleSessionName") == Some("child"))
        .unwrap();
    assert_eq!(
        child_call.caller.as_deref(),
        Some("arn:aws:sts::222222222222:assumed-role/Deploy/parent")
    );
}

#[tokio::test]
async fn exec_cleans_the_childs_environment_and_returns_its_code() {
    let sts = sts().await;
    let mut c = command(
        &sts,
        &["exec", "--role-arn", ROLE, "--", "sh", "-c", "env; exit 7"],
    );
    // Variables that would take the child elsewhere (xrole's own source credentials
    // come from the environment's keys first).
    c.env("AWS_PROFILE", "other")
        .env("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/Elsewhere")
        // xrole's own variables stay with xrole (the ExternalId is a secret of sorts).
        .env("XROLE_ROLE_SESSION_NAME", "from-env")
        .env("XROLE_DEBUG_UNRELATED", "x");
    let out = c.output().await.unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let env = stdout(&out);
    assert!(
        env.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:"),
        "{env}"
    );
    assert!(env.contains("AWS_CONTAINER_AUTHORIZATION_TOKEN="), "{env}");
    for gone in [
        "AWS_ACCESS_KEY_ID=",
        "AWS_SECRET_ACCESS_KEY=",
        "AWS_PROFILE=",
        "AWS_ROLE_ARN=",
        "XROLE_",
    ] {
        assert!(!env.contains(gone), "{gone} in {env}");
    }
    // Region and endpoint variables pass through.
    assert!(env.contains("AWS_REGION=us-east-1"), "{env}");
    assert!(env.contains("AWS_ENDPOINT_URL_STS="), "{env}");

    // --env: static credentials instead of the endpoint.
    let out = xrole(
        &sts,
        &["exec", "--env", "--role-arn", ROLE, "--", "sh", "-c", "env"],
    )
    .await;
    let env = stdout(&out);
    assert!(env.contains("AWS_SESSION_TOKEN="), "{env}");
    assert!(!env.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI"), "{env}");

    // A command that cannot run is xrole's error.
    let out = xrole(
        &sts,
        &["exec", "--role-arn", ROLE, "--", "/nonexistent/cmd"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot run /nonexistent/cmd"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn exec_passes_sigterm_to_the_child() {
    let sts = sts().await;
    let child = command(
        &sts,
        &[
            "exec",
            "--role-arn",
            ROLE,
            "--",
            "sh",
            "-c",
            "trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done",
        ],
    )
    .stdout(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let pid = child.id().unwrap();
    let mut child = child;
    let mut out = tokio::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::io::AsyncBufReadExt::read_line(&mut out, &mut line)
        .await
        .unwrap();
    assert_eq!(line, "ready\n");
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(42));
}
