//! `--web-identity-token-file` and `--github-actions-audience`: the command
//! assumes a role with an OIDC token instead of credentials.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::time::SystemTime;

use xrole::{GitHubRef, Partition, RoleSpec, WebIdentityTrust};
use xrole_test::sts::{EmbeddedSts, World};
use xrole_test::web_identity::TestIssuer;

use super::{stderr, stdout};

const DEPLOY: &str = "arn:aws:iam::222222222222:role/Deploy";
const AUDIENCE: &str = "sts.amazonaws.com";

/// A role that trusts the main branch of acme/api on GitHub Actions, and the
/// provider of `github`'s tokens in its account.
async fn sts(github: &TestIssuer) -> EmbeddedSts {
    let spec = RoleSpec::builder(DEPLOY.parse().unwrap())
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
        .add_role_from_spec(&spec)
        .unwrap()
        .add_oidc_provider(
            github
                .provider("222222222222".parse().unwrap(), [AUDIENCE])
                .unwrap(),
        )
        .unwrap();
    EmbeddedSts::start(world).await.unwrap()
}

/// `xrole assume --role-arn DEPLOY ARGS --format json` with no credentials at all.
async fn assume(sts: &EmbeddedSts, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_xrole"))
        .args(["assume", "--role-arn", DEPLOY, "--role-session-name", "job"])
        .args(args)
        .args(["--format", "json"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_STS", sts.url())
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_token_file_assumes_the_role_and_a_foreign_branch_is_refused() {
    let github = TestIssuer::github_actions().unwrap();
    let sts = sts(&github).await;
    let dir = std::env::temp_dir().join(format!("xrole-cli-web-identity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token.jwt");
    let token = |branch: &str| {
        github
            .github_job(SystemTime::now(), "acme/api", branch, AUDIENCE)
            .sign()
            .unwrap()
    };
    std::fs::write(&file, token("main")).unwrap();
    let path = file.to_str().unwrap();
    let out = assume(&sts, &["--web-identity-token-file", path]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        json["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::222222222222:assumed-role/Deploy/job"
    );
    assert_eq!(sts.count("AssumeRoleWithWebIdentity"), 1);
    std::fs::write(&file, token("feature")).unwrap();
    let out = assume(&sts, &["--web-identity-token-file", path]).await;
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("AccessDenied"), "{}", stderr(&out));
}

#[tokio::test]
async fn a_github_actions_source_outside_a_job_says_what_the_job_needs() {
    let github = TestIssuer::github_actions().unwrap();
    let sts = sts(&github).await;
    let out = assume(&sts, &["--github-actions-audience", AUDIENCE]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("id-token: write"), "{}", stderr(&out));
}

#[tokio::test]
async fn a_github_actions_job_assumes_the_role_with_its_token_endpoint() {
    use bytes::Bytes;
    use http_body_util::Full;
    let github = std::sync::Arc::new(TestIssuer::github_actions().unwrap());
    let sts = sts(&github).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/token?api-version=2.0",
        listener.local_addr().unwrap()
    );
    let issuer = github.clone();
    let _task = tokio::spawn(xrole_test::http::serve(
        listener,
        xrole_test::http::Bounds {
            max_connections: 8,
            header_timeout: std::time::Duration::from_secs(5),
            first_request_timeout: std::time::Duration::from_secs(5),
        },
        move |req: hyper::Request<hyper::body::Incoming>, _| {
            let issuer = issuer.clone();
            async move {
                let bearer = req
                    .headers()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                let audience_asked = req
                    .uri()
                    .query()
                    .is_some_and(|q| q.contains("audience=sts.amazonaws.com"));
                if bearer != "Bearer runner-secret" || !audience_asked {
                    return hyper::Response::builder()
                        .status(401)
                        .body(Full::new(Bytes::from_static(b"no")))
                        .unwrap();
                }
                let token = issuer
                    .github_job(SystemTime::now(), "acme/api", "main", AUDIENCE)
                    .sign()
                    .unwrap();
                let body = serde_json::json!({ "value": token }).to_string();
                hyper::Response::new(Full::new(Bytes::from(body)))
            }
        },
    ));
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_xrole"))
        .args(["assume", "--role-arn", DEPLOY, "--role-session-name", "job"])
        .args(["--github-actions-audience", AUDIENCE, "--format", "json"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_STS", sts.url())
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", &url)
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "runner-secret")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        json["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::222222222222:assumed-role/Deploy/job"
    );
}

#[tokio::test]
async fn credential_process_caches_a_web_identity_session_by_its_token() {
    let github = TestIssuer::github_actions().unwrap();
    let sts = sts(&github).await;
    let dir = std::env::temp_dir().join(format!("xrole-cli-wi-cache-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("cache")).unwrap();
    let file = dir.join("token.jwt");
    let path = file.to_str().unwrap().to_owned();
    let run = || {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_xrole"))
            .args(["credential-process", "--role-arn", DEPLOY])
            .args(["--web-identity-token-file", &path])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", "/nonexistent")
            .env("AWS_CONFIG_FILE", "/nonexistent/config")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL_STS", sts.url())
            .env("XROLE_CACHE_DIR", dir.join("cache"))
            .output()
    };
    let token = |branch: &str| {
        github
            .github_job(SystemTime::now(), "acme/api", branch, AUDIENCE)
            .sign()
            .unwrap()
    };
    std::fs::write(&file, token("main")).unwrap();
    for _ in 0..2 {
        let out = run().await.unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(json["Version"], 1);
    }
    // The second invocation was served from the cache.
    assert_eq!(sts.count("AssumeRoleWithWebIdentity"), 1);
    // Another token is another source: never served the first one's session.
    std::fs::write(&file, token("feature")).unwrap();
    let out = run().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(sts.count("AssumeRoleWithWebIdentity"), 2);
}
