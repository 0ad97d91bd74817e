//! The `xrole` command end to end, against the embedded STS: its source
//! credentials come from the environment as aws-config reads them, and
//! `AWS_ENDPOINT_URL_STS` points it at the server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::process::Output;

mod access;
mod console;
mod exec;
mod identity_center;
mod policy;
mod process;
mod profiles;
mod record;
mod sts_serve;
mod web_identity;

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
    EmbeddedSts::start(world()).await.unwrap()
}

/// The world of [`sts`]: alice, the Deploy role of 222222222222 (trusting
/// 111111111111) that may assume Audit of 333333333333, and Vendor.
fn world() -> World {
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
    w
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

/// `xrole ARGS` as [`command`], without alice's keys: a web identity is the
/// only credential.
fn without_keys(sts: &EmbeddedSts, args: &[&str]) -> tokio::process::Command {
    let mut c = command(sts, args);
    c.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    c
}

/// A world whose ROLE trusts the GitHub Actions jobs of acme/api's main branch
/// (`github`'s tokens, its provider in ROLE's account), with alice, whose keys
/// [`command`] reads.
fn github_world(github: &xrole_test::web_identity::TestIssuer) -> World {
    use xrole_core::{GitHubRef, Partition, RoleSpec, STS_AUDIENCE, WebIdentityTrust};
    let spec = RoleSpec::builder(ROLE.parse().unwrap())
        .trusted_web_identity(
            WebIdentityTrust::github_actions(
                Partition::Aws,
                "222222222222".parse().unwrap(),
                "acme/api",
                GitHubRef::Branch("main".into()),
            )
            .unwrap(),
        )
        .build()
        .unwrap();
    let mut world = World::new();
    world
        .add_user(User::new(ALICE.parse().unwrap()).unwrap())
        .unwrap()
        .add_role_from_spec(&spec)
        .unwrap()
        .add_oidc_provider(
            github
                .provider("222222222222".parse().unwrap(), [STS_AUDIENCE])
                .unwrap(),
        )
        .unwrap();
    world
}

/// A directory of the test's own, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("xrole-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A stand-in service on 127.0.0.1 answering each request with `handle`: its
/// URL, and its task (the server stops when the task is aborted or dropped
/// with the runtime).
async fn stand_in<H, Fut>(handle: H) -> (String, tokio::task::JoinHandle<()>)
where
    H: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = hyper::Response<http_body_util::Full<bytes::Bytes>>>
        + Send
        + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(xrole_test::http::serve(
        listener,
        xrole_test::http::Bounds {
            max_connections: 8,
            header_timeout: std::time::Duration::from_secs(5),
            first_request_timeout: std::time::Duration::from_secs(5),
        },
        move |req, _| handle(req),
    ));
    (url, task)
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The JSON a command printed, once it succeeded.
fn json_of(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
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
    let json = json_of(&out);
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

    let last = sts.last_audit("AssumeRole").unwrap();
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
    let call = sts.last_audit("AssumeRole").unwrap();
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
