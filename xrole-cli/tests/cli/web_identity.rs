//! `--web-identity-token-file` and `--github-actions-audience`: the command
//! assumes a role with an OIDC token instead of credentials.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::time::SystemTime;

use bytes::Bytes;
use http_body_util::Full;
use xrole_core::STS_AUDIENCE;
use xrole_test::web_identity::TestIssuer;

use super::*;

/// A token of a job of acme/api on `branch`.
fn token(github: &TestIssuer, branch: &str) -> String {
    github
        .github_job(SystemTime::now(), "acme/api", branch, STS_AUDIENCE)
        .sign()
        .unwrap()
}

const ASSUME: [&str; 5] = ["assume", "--role-arn", ROLE, "--role-session-name", "job"];

#[tokio::test]
async fn a_token_file_assumes_the_role_and_a_foreign_branch_is_refused() {
    let github = TestIssuer::github_actions().unwrap();
    let sts = EmbeddedSts::start(github_world(&github)).await.unwrap();
    let dir = Scratch::new("web-identity");
    let file = dir.0.join("token.jwt");
    let path = file.to_str().unwrap();
    let args = [
        &ASSUME[..],
        &["--web-identity-token-file", path, "--format", "json"],
    ]
    .concat();
    std::fs::write(&file, token(&github, "main")).unwrap();
    let out = without_keys(&sts, &args).output().await.unwrap();
    let json = json_of(&out);
    assert_eq!(
        json["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::222222222222:assumed-role/Deploy/job"
    );
    assert_eq!(sts.count("AssumeRoleWithWebIdentity"), 1);
    std::fs::write(&file, token(&github, "feature")).unwrap();
    let out = without_keys(&sts, &args).output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("AccessDenied"), "{}", stderr(&out));
}

#[tokio::test]
async fn a_github_actions_source_outside_a_job_says_what_the_job_needs() {
    let github = TestIssuer::github_actions().unwrap();
    let sts = EmbeddedSts::start(github_world(&github)).await.unwrap();
    let args = [&ASSUME[..], &["--github-actions-audience", STS_AUDIENCE]].concat();
    let out = without_keys(&sts, &args).output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("id-token: write"), "{}", stderr(&out));
}

#[tokio::test]
async fn a_github_actions_job_assumes_the_role_with_its_token_endpoint() {
    let github = std::sync::Arc::new(TestIssuer::github_actions().unwrap());
    let sts = EmbeddedSts::start(github_world(&github)).await.unwrap();
    let issuer = github.clone();
    let (base, _task) = stand_in(move |req: hyper::Request<hyper::body::Incoming>| {
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
            let body = serde_json::json!({ "value": token(&issuer, "main") }).to_string();
            hyper::Response::new(Full::new(Bytes::from(body)))
        }
    })
    .await;
    let url = format!("{base}/token?api-version=2.0");
    let args = [
        &ASSUME[..],
        &[
            "--github-actions-audience",
            STS_AUDIENCE,
            "--format",
            "json",
        ],
    ]
    .concat();
    let out = without_keys(&sts, &args)
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", &url)
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "runner-secret")
        .output()
        .await
        .unwrap();
    let json = json_of(&out);
    assert_eq!(
        json["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::222222222222:assumed-role/Deploy/job"
    );
}

#[tokio::test]
async fn credential_process_caches_a_web_identity_session_by_its_token() {
    let github = TestIssuer::github_actions().unwrap();
    let sts = EmbeddedSts::start(github_world(&github)).await.unwrap();
    let dir = Scratch::new("web-identity-cache");
    let file = dir.0.join("token.jwt");
    let path = file.to_str().unwrap().to_owned();
    let run = || {
        let args = [
            "credential-process",
            "--role-arn",
            ROLE,
            "--web-identity-token-file",
            &path,
        ];
        let mut c = without_keys(&sts, &args);
        c.env("XROLE_CACHE_DIR", dir.0.join("cache"));
        c.output()
    };
    std::fs::write(&file, token(&github, "main")).unwrap();
    for _ in 0..2 {
        let out = run().await.unwrap();
        let json = json_of(&out);
        assert_eq!(json["Version"], 1);
    }
    // The second invocation was served from the cache.
    assert_eq!(sts.count("AssumeRoleWithWebIdentity"), 1);
    // Another token is another source: never served the first one's session.
    std::fs::write(&file, token(&github, "feature")).unwrap();
    let out = run().await.unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(sts.count("AssumeRoleWithWebIdentity"), 2);
}
