//! The web identity source against the embedded STS: a token file re-read at
//! every refresh (rotation), the GitHub Actions token endpoint called with the
//! audience, chaining from the session, the parameters AssumeRoleWithWebIdentity
//! cannot take, and a refusal explained.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use xrole::{AssumeRole, Error, GitHubRef, Partition, RoleSpec, WebIdentity, WebIdentityTrust};
use xrole_test::sts::{Clock, EmbeddedSts, Role, World};
use xrole_test::web_identity::TestIssuer;

use super::fixtures::{advance, start_time};

const DEPLOY: &str = "arn:aws:iam::222222222222:role/Deploy";
const TARGET: &str = "arn:aws:iam::222222222222:role/Target";
const AUDIENCE: &str = "sts.amazonaws.com";

fn spec() -> RoleSpec {
    RoleSpec::builder(DEPLOY.parse().unwrap())
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
        .unwrap()
}

async fn setup(github: &TestIssuer) -> (EmbeddedSts, Clock, xrole::SdkConfig) {
    let mut world = World::new();
    world
        .add_role_from_spec(&spec())
        .unwrap()
        .add_role(Role::new(
            TARGET.parse().unwrap(),
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{DEPLOY}"}},"Action":"sts:AssumeRole"}}]}}"#
            )
            .parse()
            .unwrap(),
        ))
        .unwrap()
        .add_oidc_provider(
            github
                .provider("222222222222".parse().unwrap(), [AUDIENCE])
                .unwrap(),
        )
        .unwrap();
    let clock = Clock::manual(start_time());
    let sts = EmbeddedSts::builder(world)
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let base = sts.sdk_config_without_credentials().await;
    (sts, clock, base)
}

/// A file of this test's own, removed when dropped.
struct TokenFile(PathBuf);

impl TokenFile {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "xrole-web-identity-{}-{name}.jwt",
            std::process::id()
        ));
        Self(path)
    }
    fn write(&self, token: &str) {
        // Written aside and renamed, as Kubernetes swaps a projected token.
        let aside = self.0.with_extension("new");
        std::fs::write(&aside, token).unwrap();
        std::fs::rename(&aside, &self.0).unwrap();
    }
}

impl Drop for TokenFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[tokio::test]
async fn the_refresh_reads_the_rotated_token_file() {
    let github = TestIssuer::github_actions().unwrap();
    let (sts, clock, base) = setup(&github).await;
    sts.set_credential_lifetime(Some(Duration::from_secs(900)));
    let file = TokenFile::new("rotation");
    // The first token lives 20 minutes, as a projected token might.
    file.write(
        &github
            .github_job(clock.now(), "acme/api", "main", AUDIENCE)
            .valid_for(Duration::from_secs(1200))
            .sign()
            .unwrap(),
    );
    let role = AssumeRole::new(DEPLOY.parse().unwrap())
        .session_name("pod".parse().unwrap())
        .eager(true)
        .assume(&WebIdentity::token_file(&file.0).config(&base))
        .await
        .unwrap();
    let me = role.caller_identity().await.unwrap();
    assert_eq!(
        me.arn.as_str(),
        "arn:aws:sts::222222222222:assumed-role/Deploy/pod"
    );
    // Kubernetes rotates the token; the first one expires 20 minutes in.
    advance(&clock, Duration::from_secs(600), Duration::from_secs(30)).await;
    file.write(
        &github
            .github_job(clock.now(), "acme/api", "main", AUDIENCE)
            .sign()
            .unwrap(),
    );
    advance(&clock, Duration::from_secs(1800), Duration::from_secs(30)).await;
    // Every refresh succeeded: the ones after 20 minutes only with the new token.
    let calls = sts.audit_of("AssumeRoleWithWebIdentity");
    assert!(calls.len() >= 3, "{} calls", calls.len());
    assert!(calls.iter().all(|c| c.succeeded()), "{calls:?}");
    let late = calls
        .iter()
        .filter(|c| c.time > start_time() + Duration::from_secs(1200))
        .count();
    assert!(late >= 1, "a refresh after the first token expired");
    role.caller_identity().await.unwrap();
}

#[tokio::test]
async fn a_missing_or_oversized_token_file_is_a_clear_error() {
    let github = TestIssuer::github_actions().unwrap();
    let (_sts, _clock, base) = setup(&github).await;
    let missing = TokenFile::new("missing");
    let e = AssumeRole::new(DEPLOY.parse().unwrap())
        .eager(true)
        .assume(&WebIdentity::token_file(&missing.0).config(&base))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::WebIdentityToken { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.starts_with(&format!(
            "web identity token for {DEPLOY} could not be read from the token file {}",
            missing.0.display()
        )),
        "{text}"
    );
    let huge = TokenFile::new("huge");
    huge.write(&"x".repeat(30_000));
    let e = AssumeRole::new(DEPLOY.parse().unwrap())
        .eager(true)
        .assume(&WebIdentity::token_file(&huge.0).config(&base))
        .await
        .unwrap_err();
    assert!(
        e.report()
            .to_string()
            .ends_with("the file holds more than 20000 bytes"),
        "{e}"
    );
}

/// A GitHub Actions token endpoint: checks the bearer, records each request's
/// query, answers `{"value": TOKEN}` for the audience asked.
async fn github_endpoint(
    github: TestIssuer,
    clock: Clock,
    seen: Arc<Mutex<Vec<String>>>,
) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/_apis/token?api-version=2.0",
        listener.local_addr().unwrap()
    );
    let task = tokio::spawn(xrole_test::http::serve(
        listener,
        xrole_test::http::Bounds {
            max_connections: 8,
            header_timeout: Duration::from_secs(5),
            first_request_timeout: Duration::from_secs(5),
        },
        move |req, _| {
            let github = github.clone();
            let clock = clock.clone();
            let seen = seen.clone();
            async move {
                let query = req.uri().query().unwrap_or_default().to_owned();
                seen.lock().unwrap().push(query.clone());
                let bearer = req
                    .headers()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                if bearer != "Bearer runner-secret" {
                    return hyper::Response::builder()
                        .status(401)
                        .body(Full::new(Bytes::from_static(b"bad credentials")))
                        .unwrap();
                }
                let audience = form_urlencoded::parse(query.as_bytes())
                    .find(|(k, _)| k == "audience")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                let token = github
                    .github_job(clock.now(), "acme/api", "main", &audience)
                    .sign()
                    .unwrap();
                let body = serde_json::json!({"count": 1, "value": token}).to_string();
                hyper::Response::new(Full::new(Bytes::from(body)))
            }
        },
    ));
    (url, task)
}

#[tokio::test]
async fn the_github_actions_endpoint_is_asked_with_the_audience_and_chains() {
    let github = TestIssuer::github_actions().unwrap();
    let (sts, clock, base) = setup(&github).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (url, endpoint) = github_endpoint(github.clone(), clock.clone(), seen.clone()).await;
    let source =
        WebIdentity::github_actions_endpoint(&url, "runner-secret", AUDIENCE).config(&base);
    assert!(
        !format!("{source:?}").contains("runner-secret"),
        "the bearer is never shown"
    );
    let deploy = AssumeRole::new(DEPLOY.parse().unwrap())
        .session_name("gha".parse().unwrap())
        .eager(true)
        .assume(&source)
        .await
        .unwrap();
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        ["api-version=2.0&audience=sts.amazonaws.com"]
    );
    // Chained from the web identity session, like from any other.
    let target = AssumeRole::new(TARGET.parse().unwrap())
        .session_name("next".parse().unwrap())
        .eager(true)
        .assume(&deploy)
        .await
        .unwrap();
    let me = target.caller_identity().await.unwrap();
    assert_eq!(
        me.arn.as_str(),
        "arn:aws:sts::222222222222:assumed-role/Target/next"
    );
    // Another audience gets a token the provider does not accept.
    let other =
        WebIdentity::github_actions_endpoint(&url, "runner-secret", "sigstore").config(&base);
    let e = AssumeRole::new(DEPLOY.parse().unwrap())
        .eager(true)
        .assume(&other)
        .await
        .unwrap_err();
    assert_eq!(e.sts_code(), Some("InvalidIdentityToken"), "{e}");
    assert!(e.to_string().contains("Incorrect token audience"), "{e}");
    // A wrong bearer: the endpoint's refusal, without the secret.
    let refused =
        WebIdentity::github_actions_endpoint(&url, "wrong-secret", AUDIENCE).config(&base);
    let e = AssumeRole::new(DEPLOY.parse().unwrap())
        .eager(true)
        .assume(&refused)
        .await
        .unwrap_err()
        .report()
        .to_string();
    assert!(
        e.ends_with("the endpoint refused (401): bad credentials"),
        "{e}"
    );
    assert!(!e.contains("wrong-secret"), "{e}");
    assert_eq!(sts.count("AssumeRoleWithWebIdentity"), 2);
    endpoint.abort();
}

#[tokio::test]
async fn parameters_web_identity_cannot_send_are_refused_before_any_call() {
    let github = TestIssuer::github_actions().unwrap();
    let (sts, _clock, base) = setup(&github).await;
    let source =
        WebIdentity::provider(|| async { Ok::<_, String>("unused".to_owned()) }).config(&base);
    let e = AssumeRole::new(DEPLOY.parse().unwrap())
        .external_id("external-id-1".parse().unwrap())
        .source_identity("alice".parse().unwrap())
        .assume(&source)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "configuration for {DEPLOY}: AssumeRoleWithWebIdentity cannot send an external id, a source identity: a web identity session takes only the session name, duration and session policies (tags and a source identity come from the token's claims)"
        )
    );
    assert_eq!(sts.calls(), 0);
}

#[tokio::test]
async fn a_token_of_another_repository_is_refused_and_explained() {
    let github = TestIssuer::github_actions().unwrap();
    let (_sts, clock, base) = setup(&github).await;
    let token = github
        .github_job(clock.now(), "acme/other", "main", AUDIENCE)
        .sign()
        .unwrap();
    let source = WebIdentity::provider(move || {
        let token = token.clone();
        async move { Ok::<_, String>(token) }
    })
    .config(&base);
    let e = AssumeRole::from_spec(&spec())
        .eager(true)
        .assume(&source)
        .await
        .unwrap_err();
    let Error::AccessDenied(denied) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(denied.action, "sts:AssumeRoleWithWebIdentity");
    let text = denied.explanation().to_string();
    assert!(
        text.contains("Only the trust policy of arn:aws:iam::222222222222:role/Deploy (account 222222222222) decides"),
        "{text}"
    );
    assert!(
        text.contains("The declaration admits tokens of arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com with sub repo:acme/api:ref:refs/heads/main and aud sts.amazonaws.com."),
        "{text}"
    );
    // The refusal names the token's own sub, and says which claim failed.
    assert!(
        text.contains(
            "The token's sub is repo:acme/other:ref:refs/heads/main, its aud sts.amazonaws.com"
        ),
        "{text}"
    );
    assert_eq!(
        denied.cause(),
        xrole::DenialCause::WebIdentityClaims {
            claim: Some("sub"),
            declared: vec!["repo:acme/api:ref:refs/heads/main".to_owned()],
            token: Some("repo:acme/other:ref:refs/heads/main".to_owned()),
        }
    );
    assert!(matches!(
        denied.fixing_policies(),
        Some(xrole::Fix::ByDesign { .. })
    ));
}

/// A fixed token: the session of a short job, or a test.
#[tokio::test]
async fn a_fixed_token_assumes_the_role() {
    let github = TestIssuer::github_actions().unwrap();
    let (_sts, clock, base) = setup(&github).await;
    let token = github
        .github_job(clock.now(), "acme/api", "main", AUDIENCE)
        .sign()
        .unwrap();
    let source = WebIdentity::token(token.clone()).config(&base);
    // The token is a secret: never in Debug.
    assert!(!format!("{source:?}").contains(&token));
    let role = AssumeRole::from_spec(&spec())
        .eager(true)
        .assume(&source)
        .await
        .unwrap();
    let identity = role.caller_identity().await.unwrap();
    assert!(
        identity.arn.as_str().contains("assumed-role/Deploy/"),
        "{}",
        identity.arn
    );
}

#[xrole::assume_role(
    arn = "arn:aws:iam::222222222222:role/Deploy",
    session_name = "attr",
    web_identity = env("XROLE_TEST_WEB_IDENTITY_TOKEN_FILE"),
)]
async fn deploy_identity(#[role] role: xrole::AssumedRole) -> Result<String, Error> {
    Ok(role.caller_identity().await?.arn.to_string())
}

#[xrole::assume_role(
    arn = "arn:aws:iam::222222222222:role/Deploy",
    web_identity = xrole::WebIdentity::github_actions(xrole::STS_AUDIENCE),
)]
struct FromGitHub {
    #[expect(
        dead_code,
        reason = "no GitHub job here: only the error path is tested"
    )]
    role: xrole::AssumedRole,
}

#[tokio::test]
async fn the_attribute_names_the_token_file_or_a_provider() {
    let github = TestIssuer::github_actions().unwrap();
    let (_sts, clock, base) = setup(&github).await;
    xrole::set_base_config(base);
    let path = PathBuf::from(env!("XROLE_TEST_WEB_IDENTITY_TOKEN_FILE"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = TokenFile(path);
    file.write(
        &github
            .github_job(clock.now(), "acme/api", "main", AUDIENCE)
            .sign()
            .unwrap(),
    );
    assert_eq!(
        deploy_identity().await.unwrap(),
        "arn:aws:sts::222222222222:assumed-role/Deploy/attr"
    );
    // Outside a GitHub job the endpoint's variables are missing: said before any call.
    let e = FromGitHub::assume(xrole::Source::Default)
        .await
        .err()
        .unwrap();
    assert!(
        e.to_string().starts_with(
            "environment variable ACTIONS_ID_TOKEN_REQUEST_URL (for `web_identity`) is not set"
        ),
        "{e}"
    );
}

#[tokio::test]
async fn a_profile_chain_starts_with_a_web_identity_token_file() {
    let github = TestIssuer::github_actions().unwrap();
    let (_sts, clock, base) = setup(&github).await;
    let token = TokenFile::new("profile");
    token.write(
        &github
            .github_job(clock.now(), "acme/api", "main", AUDIENCE)
            .sign()
            .unwrap(),
    );
    let config = TokenFile::new("profile-config");
    config.write(&format!(
        "[profile ci]\nrole_arn = {DEPLOY}\nweb_identity_token_file = {}\nrole_session_name = ci\n\n\
         [profile target]\nrole_arn = {TARGET}\nsource_profile = ci\nrole_session_name = hop\n\n\
         [profile both]\nrole_arn = {DEPLOY}\nweb_identity_token_file = {}\nsource_profile = ci\n",
        token.0.display(),
        token.0.display()
    ));
    let chain = xrole::ProfileChain::from_config_file("target", &config.0)
        .await
        .unwrap();
    assert_eq!(chain.source_profile(), "ci");
    assert_eq!(chain.web_identity_token_file(), Some(token.0.as_path()));
    assert_eq!(chain.hops().len(), 2);
    let role = chain.assume(&base).await.unwrap();
    assert_eq!(
        role.caller_identity().await.unwrap().arn.as_str(),
        "arn:aws:sts::222222222222:assumed-role/Target/hop"
    );
    let e = xrole::ProfileChain::from_config_file("both", &config.0)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "profile both: names both source_profile and web_identity_token_file: a role profile has one source"
    );
}
