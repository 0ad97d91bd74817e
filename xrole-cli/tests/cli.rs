//! The `xrole` command end to end, against the embedded STS: its source
//! credentials come from the environment as aws-config reads them, and
//! `AWS_ENDPOINT_URL_STS` points it at the server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::process::Output;

use xrole_core::PolicyDocument;
use xrole_test::sts::{EmbeddedSts, Role, User, World};

const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const ROLE: &str = "arn:aws:iam::222222222222:role/Deploy";
const NEXT: &str = "arn:aws:iam::333333333333:role/Audit";
const VENDOR: &str = "arn:aws:iam::222222222222:role/Vendor";

fn doc(json: &str) -> PolicyDocument {
    json.parse().unwrap()
}

fn trust(principal: &str, condition: &str) -> PolicyDocument {
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]{condition}}}]}}"#
    ))
}

async fn sts() -> EmbeddedSts {
    let mut w = World::new();
    w.add_managed_policy(
        "arn:aws:iam::aws:policy/ReadOnlyAccess".parse().unwrap(),
        doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#),
    )
    .unwrap()
    .add_user(User::new(ALICE.parse().unwrap()).unwrap().policy(
        "assume",
        doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"*"}]}"#),
    ))
    .unwrap()
    .add_role(
        // The first role may assume the next one.
        Role::new(ROLE.parse().unwrap(), trust("111111111111", "")).policy(
            "chain",
            doc(&format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{NEXT}"}}]}}"#
            )),
        ),
    )
    .unwrap()
    .add_role(
        Role::new(NEXT.parse().unwrap(), trust(ROLE, "")).policy(
            "assume",
            doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}"#),
        ),
    )
    .unwrap()
    .add_role(
        Role::new(
            VENDOR.parse().unwrap(),
            trust(
                "111111111111",
                r#","Condition":{"StringEquals":{"sts:ExternalId":"vendor-id-1234"}}"#,
            ),
        )
        .max_session_duration(7200),
    )
    .unwrap();
    EmbeddedSts::start(w).await.unwrap()
}

/// `xrole ARGS` with alice's keys and the embedded STS, nothing else of the
/// machine's AWS set-up.
async fn xrole(sts: &EmbeddedSts, args: &[&str]) -> Output {
    command(sts, args).output().await.unwrap()
}

fn command(sts: &EmbeddedSts, args: &[&str]) -> tokio::process::Command {
    let keys = sts.credentials_for(ALICE).unwrap();
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_xrole"));
    c.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", keys.access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", keys.secret_access_key())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_STS", sts.url())
        .kill_on_drop(true);
    c
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[tokio::test]
async fn assume_prints_the_session_in_every_format() {
    let sts = sts().await;
    let base = ["assume", "--role-arn", ROLE, "--role-session-name", "cli"];

    let out = xrole(&sts, &base).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let env = stdout(&out);
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
    ] {
        assert!(env.contains(&format!("export {name}='")), "{env}");
    }

    let out = xrole(&sts, &[&base[..], &["--format", "json"]].concat()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::222222222222:assumed-role/Deploy/cli"
    );
    assert!(
        json["Credentials"]["AccessKeyId"]
            .as_str()
            .unwrap()
            .starts_with("ASIA")
    );
    assert!(
        json["Credentials"]["Expiration"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    let out = xrole(&sts, &[&base[..], &["--format", "process"]].concat()).await;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["Version"], 1);
    assert!(json["SessionToken"].is_string() && json["Expiration"].is_string());

    let out = xrole(&sts, &[&base[..], &["--format", "fish"]].concat()).await;
    assert!(
        stdout(&out).starts_with("set -gx AWS_ACCESS_KEY_ID '"),
        "{}",
        stdout(&out)
    );
    let out = xrole(&sts, &[&base[..], &["--format", "powershell"]].concat()).await;
    assert!(
        stdout(&out).starts_with("$Env:AWS_ACCESS_KEY_ID = '"),
        "{}",
        stdout(&out)
    );

    let audit = sts.audit();
    let last = audit
        .iter()
        .rev()
        .find(|e| e.action.as_deref() == Some("AssumeRole"))
        .unwrap();
    assert_eq!(last.parameter("RoleSessionName"), Some("cli"));
}

#[tokio::test]
async fn every_role_flag_reaches_sts() {
    let sts = sts().await;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}"#;
    let out = xrole(
        &sts,
        &[
            "assume",
            "--role-arn",
            VENDOR,
            "--external-id",
            "vendor-id-1234",
            "--duration-seconds",
            "1h30m",
            "--tags",
            "Key=team,Value=infra",
            "Key=env,Value=dev",
            "--transitive-tag-keys",
            "team",
            "--source-identity",
            "alice",
            "--policy",
            policy,
            "--policy-arns",
            "arn=arn:aws:iam::aws:policy/ReadOnlyAccess",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let audit = sts.audit();
    let call = audit
        .iter()
        .rev()
        .find(|e| e.action.as_deref() == Some("AssumeRole"))
        .unwrap();
    assert_eq!(call.parameter("ExternalId"), Some("vendor-id-1234"));
    assert_eq!(call.parameter("DurationSeconds"), Some("5400"));
    assert_eq!(call.parameter("Tags.member.1.Key"), Some("team"));
    assert_eq!(call.parameter("Tags.member.2.Value"), Some("dev"));
    assert_eq!(call.parameter("TransitiveTagKeys.member.1"), Some("team"));
    assert_eq!(call.parameter("SourceIdentity"), Some("alice"));
    assert_eq!(call.parameter("Policy"), Some(policy));
    assert_eq!(
        call.parameter("PolicyArns.member.1.arn"),
        Some("arn:aws:iam::aws:policy/ReadOnlyAccess")
    );
}

#[tokio::test]
async fn refusals_and_bad_flags_say_why_and_print_nothing() {
    let sts = sts().await;
    // The vendor role demands an ExternalId.
    let out = xrole(&sts, &["assume", "--role-arn", VENDOR]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("AccessDenied") || err.contains("not authorized"),
        "{err}"
    );
    assert!(err.contains("ExternalId"), "{err}");
    let keys = sts.credentials_for(ALICE).unwrap();
    assert!(!err.contains(keys.secret_access_key()));

    for bad in [
        &["assume"][..],
        &["assume", "--role-arn", "arn:aws:iam::12:role/R"],
        &["assume", "--role-arn", ROLE, "--duration-seconds", "13h"],
        &["assume", "--role-arn", ROLE, "--tags", "team=infra"],
        &["assume", "--role-arn", ROLE, "--token-code", "123456"],
        &["assume", "--role-arn", ROLE, "--format", "yaml"],
        &["exec", "--role-arn", ROLE],
        &["nope"],
    ] {
        let out = xrole(&sts, bad).await;
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{bad:?}");
        assert!(!stderr(&out).is_empty(), "{bad:?}");
    }
}

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
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
        .env("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/Elsewhere");
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

#[tokio::test]
async fn console_prints_the_switch_role_link() {
    let sts = sts().await;
    let out = xrole(
        &sts,
        &["console", "--role-arn", ROLE, "--display-name", "deploy"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "https://signin.aws.amazon.com/switchrole?roleName=Deploy&account=222222222222&displayName=deploy\n"
    );
}

/// A fresh cache directory, removed when dropped.
struct CacheDir(std::path::PathBuf);

impl CacheDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("xrole-cli-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir.join("cache"))
    }
}

impl Drop for CacheDir {
    fn drop(&mut self) {
        if let Some(parent) = self.0.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
}

fn process_command(sts: &EmbeddedSts, cache: &CacheDir) -> tokio::process::Command {
    let mut c = command(
        sts,
        &[
            "credential-process",
            "--role-arn",
            ROLE,
            "--role-session-name",
            "proc",
        ],
    );
    c.env("XROLE_CACHE_DIR", &cache.0);
    c
}

#[tokio::test]
async fn credential_process_calls_sts_once_for_50_invocations_started_together() {
    use std::os::unix::fs::PermissionsExt;
    let sts = sts().await;
    let cache = CacheDir::new("fifty");
    let runs: Vec<_> = (0..50)
        .map(|_| process_command(&sts, &cache).output())
        .collect();
    let outs = futures_join_all(runs).await;
    let mut keys = std::collections::BTreeSet::new();
    for out in &outs {
        assert!(out.status.success(), "{}", stderr(out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["Version"], 1);
        keys.insert(json["AccessKeyId"].as_str().unwrap().to_owned());
    }
    println!("process_sts_calls: {}", sts.count("AssumeRole"));
    assert_eq!(sts.count("AssumeRole"), 1);
    assert_eq!(keys.len(), 1);

    // Warm: no STS call.
    let started = std::time::Instant::now();
    let out = process_command(&sts, &cache).output().await.unwrap();
    println!("process_warm_ms: {}", started.elapsed().as_millis());
    assert!(out.status.success());
    assert_eq!(sts.count("AssumeRole"), 1);

    // The directory is the user's alone, each file too, and no name holds a secret.
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cache.0), 0o700);
    let files: Vec<_> = std::fs::read_dir(&cache.0)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}"); // the entry and its lock
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
        let stem = f.file_stem().unwrap().to_str().unwrap();
        assert!(
            stem.len() == 64 && stem.chars().all(|c| c.is_ascii_hexdigit()),
            "{stem}"
        );
    }
}

#[tokio::test]
async fn credential_process_never_trusts_a_corrupted_or_foreign_cache_file() {
    let sts = sts().await;
    let cache = CacheDir::new("corrupt");
    let out = process_command(&sts, &cache).output().await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let entry = std::fs::read_dir(&cache.0)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let valid = std::fs::read_to_string(&entry).unwrap();
    for (what, text) in [
        ("garbage", "{not json".to_owned()),
        (
            "another key",
            valid.replace(r#""Key":"{"#, r#""Key":"{\"other\":1,"#),
        ),
        (
            "forged keys",
            valid.replace(r#""AccessKeyId":""#, r#""AccessKeyId":"AKIAFORGED"#) + " trailing",
        ),
    ] {
        let before = sts.count("AssumeRole");
        std::fs::write(&entry, text).unwrap();
        let out = process_command(&sts, &cache).output().await.unwrap();
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        assert_eq!(sts.count("AssumeRole"), before + 1, "{what}: not trusted");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(!json["AccessKeyId"].as_str().unwrap().contains("FORGED"));
        // Replaced: the next invocation is served from the cache.
        let out = process_command(&sts, &cache).output().await.unwrap();
        assert!(out.status.success());
        assert_eq!(sts.count("AssumeRole"), before + 1, "{what}: replaced");
    }
}

/// Runs the futures at once and returns their outputs in order.
async fn futures_join_all<
    F: std::future::Future<Output = std::io::Result<Output>> + Send + 'static,
>(
    futures: Vec<F>,
) -> Vec<Output> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outs = Vec::new();
    for h in handles {
        outs.push(h.await.unwrap().unwrap());
    }
    outs
}

#[tokio::test]
async fn credential_process_serves_20_roles_with_one_mfa_code() {
    const SERIAL: &str = "arn:aws:iam::111111111111:mfa/alice";
    let mut w = World::new();
    w.add_user(
        User::new(ALICE.parse().unwrap())
            .unwrap()
            .policy(
                "assume",
                doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#),
            )
            .mfa_device(xrole_test::sts::MfaDevice::new(SERIAL, "123456")),
    )
    .unwrap();
    let roles: Vec<String> = (0..20)
        .map(|i| format!("arn:aws:iam::222222222222:role/Admin{i}"))
        .collect();
    for role in &roles {
        w.add_role(Role::new(
            role.parse().unwrap(),
            trust(
                "111111111111",
                r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
            ),
        ))
        .unwrap();
    }
    let sts = EmbeddedSts::start(w).await.unwrap();
    let cache = CacheDir::new("mfa");
    for role in &roles {
        let mut c = command(
            &sts,
            &[
                "credential-process",
                "--role-arn",
                role,
                "--serial-number",
                SERIAL,
                "--token-code",
                "123456",
            ],
        );
        c.env("XROLE_CACHE_DIR", &cache.0);
        let out = c.output().await.unwrap();
        assert!(out.status.success(), "{role}: {}", stderr(&out));
    }
    println!("mfa_prompts: {}", sts.count("GetSessionToken"));
    assert_eq!(sts.count("GetSessionToken"), 1, "one code for every role");
    assert_eq!(sts.count("AssumeRole"), 20);
    // Under exec, one code opens an MFA session that assumes the role at each
    // refresh: no code is sent with AssumeRole.
    let out = command(
        &sts,
        &[
            "exec",
            "--role-arn",
            &roles[0],
            "--serial-number",
            SERIAL,
            "--token-code",
            "123456",
            "--",
            "true",
        ],
    )
    .output()
    .await
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sts.count("GetSessionToken"), 2);
    let audit = sts.audit();
    let last = audit
        .iter()
        .rev()
        .find(|e| e.action.as_deref() == Some("AssumeRole"))
        .unwrap();
    assert!(last.succeeded());
    assert_eq!(last.parameter("SerialNumber"), None);
    // Without the MFA session, the roles refuse.
    let out = command(&sts, &["assume", "--role-arn", &roles[0]])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
