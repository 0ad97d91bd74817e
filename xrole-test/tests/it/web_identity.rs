//! Web identity (AssumeRoleWithWebIdentity) in the embedded STS, through
//! `aws-sdk-sts`: tokens of a test issuer verified as STS verifies them (signature,
//! issuer, audience, times by the world's clock), the trust policy judged with the
//! token's claims, the answer, chaining from the session; and the evaluator's call.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_sts::Client;
use aws_sdk_sts::error::ProvideErrorMetadata;
use xrole_core::*;
use xrole_test::eval::*;
use xrole_test::org::{OrgAccount, OrgPolicy, Organization};
use xrole_test::sts::*;
use xrole_test::web_identity::TestIssuer;

const DEPLOY: &str = "arn:aws:iam::222222222222:role/Deploy";
const TARGET: &str = "arn:aws:iam::222222222222:role/Target";
const MAIN: &str = "repo:acme/api:ref:refs/heads/main";

fn start_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn account() -> AccountId {
    "222222222222".parse().unwrap()
}

/// The GitHub trust of `acme/api` on `main`, a role it may chain into, and GitHub's
/// provider in the workload account.
fn world(github: &TestIssuer) -> World {
    world_with(github.provider(account(), [STS_AUDIENCE]).unwrap())
}

/// The test's roles with `provider` as the account's OIDC provider.
fn world_with(provider: OidcProvider) -> World {
    let trust = WebIdentityTrust::github_actions(
        Partition::Aws,
        account(),
        "acme/api",
        GitHubRef::Branch("main".into()),
    )
    .unwrap();
    let spec = RoleSpec::builder(DEPLOY.parse().unwrap())
        .trusted_web_identity(trust)
        .allow(Permission::new(["sts:AssumeRole"], [TARGET]))
        .build()
        .unwrap();
    let mut world = World::new();
    world
        .add_role_from_spec(&spec)
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
        .add_oidc_provider(provider)
        .unwrap();
    world
}

async fn start(world: World) -> (EmbeddedSts, Client) {
    let sts = EmbeddedSts::builder(world)
        .clock(Clock::manual(start_time()))
        .start()
        .await
        .unwrap();
    let client = Client::new(&sts.sdk_config_without_credentials().await);
    (sts, client)
}

async fn assume(
    client: &Client,
    token: &str,
) -> Result<
    aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityOutput,
    (String, String),
> {
    client
        .assume_role_with_web_identity()
        .role_arn(DEPLOY)
        .role_session_name("gha-run-1")
        .web_identity_token(token)
        .send()
        .await
        .map_err(|e| {
            (
                e.code().unwrap_or_default().to_owned(),
                e.message().unwrap_or_default().to_owned(),
            )
        })
}

#[tokio::test]
async fn a_job_of_the_trusted_repository_and_branch_gets_a_session() {
    let github = TestIssuer::github_actions().unwrap();
    let (sts, client) = start(world(&github)).await;
    let now = sts.clock().now();
    let token = github
        .github_job(now, "acme/api", "main", STS_AUDIENCE)
        .sign()
        .unwrap();
    let out = assume(&client, &token).await.unwrap();
    assert_eq!(out.subject_from_web_identity_token(), Some(MAIN));
    assert_eq!(
        out.provider(),
        Some("https://token.actions.githubusercontent.com")
    );
    assert_eq!(out.audience(), Some(STS_AUDIENCE));
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        "arn:aws:sts::222222222222:assumed-role/Deploy/gha-run-1"
    );
    // The session's calls are the role's.
    let c = out.credentials().unwrap();
    let session = Client::new(
        &sts.sdk_config_for_session(c.access_key_id(), c.secret_access_key(), c.session_token())
            .await,
    );
    let me = session.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some(user.arn()));
    // The audit names the provider and never keeps the token.
    let entry = sts.last_audit("AssumeRoleWithWebIdentity").unwrap();
    assert!(entry.succeeded());
    assert_eq!(
        entry.caller.as_deref(),
        Some("arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com")
    );
    assert_eq!(entry.parameter("WebIdentityToken"), Some("******"));
    // ES256 tokens are verified with the issuer's EC key.
    let es = github
        .github_job(now, "acme/api", "main", STS_AUDIENCE)
        .es256()
        .sign()
        .unwrap();
    assert!(assume(&client, &es).await.is_ok());
}

#[tokio::test]
async fn another_repository_a_pull_request_or_another_branch_is_refused_and_explained() {
    let github = TestIssuer::github_actions().unwrap();
    let (sts, client) = start(world(&github)).await;
    let now = sts.clock().now();
    let other_repo = github.github_job(now, "acme/other", "main", STS_AUDIENCE);
    let pull_request = github
        .github_job(now, "acme/api", "main", STS_AUDIENCE)
        .subject("repo:acme/api:pull_request");
    let branch = github.github_job(now, "acme/api", "feature", STS_AUDIENCE);
    for (what, token, sub) in [
        (
            "other repository",
            other_repo,
            "repo:acme/other:ref:refs/heads/main",
        ),
        ("pull request", pull_request, "repo:acme/api:pull_request"),
        (
            "other branch",
            branch,
            "repo:acme/api:ref:refs/heads/feature",
        ),
    ] {
        let (code, message) = assume(&client, &token.sign().unwrap()).await.unwrap_err();
        assert_eq!(code, "AccessDenied", "{what}");
        assert_eq!(
            message, "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            "{what}"
        );
        let detail = sts
            .last_audit("AssumeRoleWithWebIdentity")
            .unwrap()
            .detail
            .unwrap();
        assert!(
            detail
                .contains("StringEquals on token.actions.githubusercontent.com:sub does not hold"),
            "{what} ({sub}): {detail}"
        );
    }
}

#[tokio::test]
async fn tokens_that_cannot_be_verified_are_refused_with_stss_codes() {
    let github = TestIssuer::github_actions().unwrap();
    let (sts, client) = start(world(&github)).await;
    let now = sts.clock().now();
    let job = || github.github_job(now, "acme/api", "main", STS_AUDIENCE);
    let impostor = TestIssuer::github_actions().unwrap();
    let stranger = TestIssuer::new("https://issuer.example.com").unwrap();
    let good = job().sign().unwrap();
    let (header, rest) = good.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    // The same claims but one, which the trust does not look at: only the
    // signature tells the tampering.
    let forged_claims = job().claim("run_attempt", "2").sign().unwrap();
    let forged_payload = forged_claims.split('.').nth(1).unwrap();
    let real_kid = github.jwks().keys[0].common.key_id.clone().unwrap();
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "wrong audience",
            job().audience("sigstore").sign().unwrap(),
            "InvalidIdentityToken",
            "Incorrect token audience",
        ),
        (
            "expired",
            job().valid_for(Duration::from_secs(0)).sign().unwrap(),
            "ExpiredTokenException",
            "Token expired: current date/time 1800000000 must be before the expiration date/time 1800000000",
        ),
        (
            "not yet valid",
            job()
                .not_before(now + Duration::from_secs(600))
                .sign()
                .unwrap(),
            "InvalidIdentityToken",
            "Token is not yet valid",
        ),
        (
            "unknown issuer",
            stranger
                .token(now)
                .subject(MAIN)
                .audience(STS_AUDIENCE)
                .sign()
                .unwrap(),
            "InvalidIdentityToken",
            "No OpenIDConnect provider found in your account for https://issuer.example.com",
        ),
        (
            "another key, its own kid",
            impostor
                .github_job(now, "acme/api", "main", STS_AUDIENCE)
                .sign()
                .unwrap(),
            "InvalidIdentityToken",
            "Couldn't retrieve verification key",
        ),
        (
            "another key, the issuer's kid",
            impostor
                .github_job(now, "acme/api", "main", STS_AUDIENCE)
                .kid(&real_kid)
                .sign()
                .unwrap(),
            "InvalidIdentityToken",
            "could not be validated by AWS",
        ),
        (
            "tampered claims",
            format!("{header}.{forged_payload}.{signature}"),
            "InvalidIdentityToken",
            "could not be validated by AWS",
        ),
        (
            "not a token",
            "not.a.token".to_owned(),
            "InvalidIdentityToken",
            "could not be validated by AWS",
        ),
        (
            "no subject",
            job().without("sub").sign().unwrap(),
            "InvalidIdentityToken",
            "The web identity token has no sub claim.",
        ),
    ];
    for (what, token, code, message) in cases {
        let (c, m) = assume(&client, &token).await.unwrap_err();
        assert_eq!(c, code, "{what}: {m}");
        assert!(m.contains(message), "{what}: {m}");
    }
    // Time is the world's: the good token expires with the clock.
    assert!(assume(&client, &good).await.is_ok());
    sts.clock().advance(Duration::from_secs(3600));
    let (c, _) = assume(&client, &good).await.unwrap_err();
    assert_eq!(c, "ExpiredTokenException");
}

#[tokio::test]
async fn a_provider_of_another_account_does_not_count() {
    let github = TestIssuer::github_actions().unwrap();
    let mut w = world(&github);
    let mut other = World::new();
    other
        .add_oidc_provider(
            github
                .provider("111111111111".parse().unwrap(), [STS_AUDIENCE])
                .unwrap(),
        )
        .unwrap();
    // Only account 111111111111 trusts GitHub now.
    w = {
        let spec = RoleSpec::builder(DEPLOY.parse().unwrap())
            .trusted_web_identity(
                WebIdentityTrust::github_actions(
                    Partition::Aws,
                    account(),
                    "acme/api",
                    GitHubRef::Branch("main".into()),
                )
                .unwrap(),
            )
            .build()
            .unwrap();
        other.add_role_from_spec(&spec).unwrap();
        drop(w);
        other
    };
    let (sts, client) = start(w).await;
    let token = github
        .github_job(sts.clock().now(), "acme/api", "main", STS_AUDIENCE)
        .sign()
        .unwrap();
    let (code, message) = assume(&client, &token).await.unwrap_err();
    assert_eq!(code, "InvalidIdentityToken");
    assert!(message.starts_with("No OpenIDConnect provider found in your account"));
}

#[tokio::test]
async fn parameters_are_checked_as_sts_checks_them() {
    let github = TestIssuer::github_actions().unwrap();
    let (sts, client) = start(world(&github)).await;
    let token = github
        .github_job(sts.clock().now(), "acme/api", "main", STS_AUDIENCE)
        .sign()
        .unwrap();
    let e = client
        .assume_role_with_web_identity()
        .role_arn(DEPLOY)
        .role_session_name("a")
        .web_identity_token("abc")
        .duration_seconds(60)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationError"));
    let m = e.message().unwrap();
    assert!(m.starts_with("3 validation errors detected"), "{m}");
    assert!(m.contains("'roleSessionName'"), "{m}");
    assert!(
        m.contains("Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000"),
        "{m}"
    );
    assert!(!m.contains("abc"), "the token is never echoed: {m}");
    assert!(m.contains("'durationSeconds'"), "{m}");
    // Above the role's maximum (an hour by default).
    let e = client
        .assume_role_with_web_identity()
        .role_arn(DEPLOY)
        .role_session_name("gha")
        .web_identity_token(&token)
        .duration_seconds(7200)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some(
            "1 validation error detected: The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )
    );
    // A session policy narrows the session, and its size is reported.
    let out = client
        .assume_role_with_web_identity()
        .role_arn(DEPLOY)
        .role_session_name("gha")
        .web_identity_token(&token)
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    #[allow(deprecated)]
    let packed = out.packed_policy_size();
    assert!(packed.is_some_and(|p| p > 0));
}

#[tokio::test]
async fn a_web_identity_session_chains_for_an_hour_at_most() {
    let github = TestIssuer::github_actions().unwrap();
    let (sts, client) = start(world(&github)).await;
    let token = github
        .github_job(sts.clock().now(), "acme/api", "main", STS_AUDIENCE)
        .sign()
        .unwrap();
    let c = assume(&client, &token).await.unwrap().credentials.unwrap();
    let session = Client::new(
        &sts.sdk_config_for_session(c.access_key_id(), c.secret_access_key(), c.session_token())
            .await,
    );
    let hop = session
        .assume_role()
        .role_arn(TARGET)
        .role_session_name("next")
        .send()
        .await
        .unwrap();
    assert_eq!(
        hop.assumed_role_user().unwrap().arn(),
        "arn:aws:sts::222222222222:assumed-role/Target/next"
    );
    let e = session
        .assume_role()
        .role_arn(TARGET)
        .role_session_name("next")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap_err();
    assert!(e.message().unwrap().contains("role chaining"));
}

#[tokio::test]
async fn an_rcp_of_the_roles_account_governs_web_identity() {
    let github = TestIssuer::github_actions().unwrap();
    let mut w = world(&github);
    let deny = OrgPolicy::new(
        "OnlyOurOrg",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity","Resource":"*","Condition":{"StringNotEquals":{"token.actions.githubusercontent.com:repository_owner":"acme"},"Null":{"token.actions.githubusercontent.com:sub":"false"}}}]}"#
            .parse()
            .unwrap(),
    );
    let org = Organization::new("o-a1b2c3d4e5", "r-ab12", "999999999999".parse().unwrap())
        .account(OrgAccount::new(account(), "r-ab12").rcp(deny));
    w.set_organization(&org).unwrap();
    let (sts, client) = start(w).await;
    let token = github
        .github_job(sts.clock().now(), "acme/api", "main", STS_AUDIENCE)
        .sign()
        .unwrap();
    // repository_owner is not a key STS sets, so the RCP's deny applies.
    let (code, _) = assume(&client, &token).await.unwrap_err();
    assert_eq!(code, "AccessDenied");
    let detail = sts
        .last_audit("AssumeRoleWithWebIdentity")
        .unwrap()
        .detail
        .unwrap();
    assert!(detail.contains("RCP \"OnlyOurOrg\""), "{detail}");
}

#[test]
fn the_evaluator_judges_a_wildcard_trust_as_aws_does() {
    // The breach pattern XR018 flags: `repo:acme/*` admits every repository of acme.
    let trust = CompiledPolicy::new(
        "trust",
        &r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}}]}"#
            .parse()
            .unwrap(),
        xrole_core::policy::PolicyKind::Trust,
    )
    .unwrap();
    let policies = PolicySet {
        resource: Some(trust),
        ..PolicySet::default()
    };
    let provider = WebIdentityTrust::github_actions_provider(Partition::Aws, account()).unwrap();
    let call = |sub: &str, aud: &str| {
        let claims = serde_json::json!({"sub": sub, "aud": aud, "job_workflow_ref": "x"});
        WebIdentityCall::new(provider.clone(), DEPLOY.parse().unwrap(), "s", 0)
            .claims(claims.as_object().unwrap())
    };
    let other = evaluate_web_identity(
        &call("repo:acme/other:ref:refs/heads/dev", STS_AUDIENCE),
        &policies,
    );
    assert_eq!(other.decision, Decision::Allowed);
    let outside = evaluate_web_identity(
        &call("repo:evil/api:ref:refs/heads/main", STS_AUDIENCE),
        &policies,
    );
    assert_eq!(outside.decision, Decision::ImplicitlyDenied);
    let audience = evaluate_web_identity(&call("repo:acme/api:pull_request", "other"), &policies);
    assert_eq!(audience.decision, Decision::ImplicitlyDenied);
    // The keys STS sets for the call.
    let request = call("repo:acme/api:pull_request", STS_AUDIENCE).request();
    let keys = request.context_keys();
    assert_eq!(
        keys.get("aws:FederatedProvider")
            .and_then(ContextValue::single),
        Some(provider.as_str())
    );
    assert_eq!(
        keys.get("token.actions.githubusercontent.com:job_workflow_ref")
            .and_then(ContextValue::single),
        Some("x")
    );
    assert_eq!(
        keys.get("aws:PrincipalType").and_then(ContextValue::single),
        Some("WebIdentityUser")
    );
    assert_eq!(keys.get("aws:PrincipalAccount"), None);
    // azp, when present, is the audience; the original one is oaud.
    let claims = serde_json::json!({"sub": "s", "aud": ["a", "b"], "azp": "client-1"});
    let request = WebIdentityCall::new(
        PrincipalArn::from_static("accounts.google.com"),
        DEPLOY.parse().unwrap(),
        "s",
        0,
    )
    .claims(claims.as_object().unwrap())
    .request();
    let keys = request.context_keys();
    assert_eq!(
        keys.get("accounts.google.com:aud")
            .and_then(ContextValue::single),
        Some("client-1")
    );
    assert_eq!(
        keys.get("accounts.google.com:oaud")
            .map(ContextValue::as_slice),
        Some(&["a".to_owned(), "b".to_owned()][..])
    );
}

#[test]
fn world_files_declare_oidc_providers() {
    let github = TestIssuer::github_actions().unwrap();
    let jwks = serde_json::to_string(&github.jwks()).unwrap();
    let world = World::from_json(&format!(
        r#"{{"oidcProviders":[{{"account":"222222222222","url":"https://token.actions.githubusercontent.com","clientIds":["sts.amazonaws.com"],"jwks":{jwks}}}]}}"#
    ))
    .unwrap();
    let p = world
        .oidc_provider(account(), "https://token.actions.githubusercontent.com")
        .unwrap();
    assert_eq!(
        p.arn().as_str(),
        "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"
    );
    assert_eq!(p.client_ids(), ["sts.amazonaws.com"]);
    // Another partition's provider has that partition's ARN.
    let china = World::from_json(&format!(
        r#"{{"oidcProviders":[{{"partition":"aws-cn","account":"222222222222","url":"https://token.actions.githubusercontent.com","clientIds":["sts.amazonaws.com"],"jwks":{jwks}}}]}}"#
    ))
    .unwrap();
    let p = china
        .oidc_provider(account(), "https://token.actions.githubusercontent.com")
        .unwrap();
    assert_eq!(
        p.arn().as_str(),
        "arn:aws-cn:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"
    );
    let e = World::from_json(&format!(
        r#"{{"oidcProviders":[{{"partition":"aws-moon","account":"222222222222","url":"https://token.actions.githubusercontent.com","clientIds":["sts.amazonaws.com"],"jwks":{jwks}}}]}}"#
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("oidcProviders[0].partition: partition: "), "{e}");
    let e = World::from_json(
        r#"{"oidcProviders":[{"account":"222222222222","url":"http://insecure","clientIds":[],"jwks":{"keys":[]}}]}"#,
    )
    .unwrap_err()
    .to_string();
    for expected in [
        "oidcProviders[0]: OIDC provider \"http://insecure\" of 222222222222: the URL must be https://HOST[/PATH]",
        "1 to 100 client ids (audiences) are needed, found 0",
        "its JWKS must hold 1 to 100 public keys, found 0",
    ] {
        assert!(e.contains(expected), "{e}");
    }
    let e = World::from_json(
        r#"{"oidcProviders":[{"account":"222222222222","url":"https://x.example.com","clientIds":["a"],"jwks":{"keys":[{"kty":"oct","k":"c2VjcmV0","alg":"HS256"}]}}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("jwks.keys[0]: a symmetric key cannot be published in a JWKS"),
        "{e}"
    );
    let e = World::from_json(r#"{"oidcProviders":[{"account":"222222222222","url":"https://x","clientIds":["a"],"jwks":[]}]}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("oidcProviders[0].jwks: not a JWKS"), "{e}");
}

#[tokio::test]
async fn session_tags_and_source_identity_come_from_the_token() {
    let github = TestIssuer::github_actions().unwrap();
    let mut w = world(&github);
    let provider = WebIdentityTrust::github_actions_provider(Partition::Aws, account()).unwrap();
    // A role whose trust also allows the token's tags and source identity, and a
    // next hop that admits only sessions tagged Project=Automation.
    const TAGGED: &str = "arn:aws:iam::222222222222:role/Tagged";
    const NEXT: &str = "arn:aws:iam::222222222222:role/Next";
    w.add_role(
        Role::new(
            TAGGED.parse().unwrap(),
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{provider}"}},"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession","sts:SetSourceIdentity"],"Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:sub":"{MAIN}","aws:RequestTag/Project":"Automation"}}}}}}]}}"#
            )
            .parse()
            .unwrap(),
        )
        .policy(
            "next",
            format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"{NEXT}"}}]}}"#)
                .parse()
                .unwrap(),
        ),
    )
    .unwrap()
    .add_role(Role::new(
        NEXT.parse().unwrap(),
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{TAGGED}"}},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{{"StringEquals":{{"aws:PrincipalTag/Project":"Automation"}}}}}}]}}"#
        )
        .parse()
        .unwrap(),
    ))
    .unwrap();
    let (sts, client) = start(w).await;
    let now = sts.clock().now();
    let job = || github.github_job(now, "acme/api", "main", STS_AUDIENCE);
    let assume_tagged = |token: String| {
        let client = client.clone();
        async move {
            client
                .assume_role_with_web_identity()
                .role_arn(TAGGED)
                .role_session_name("tagged")
                .web_identity_token(token)
                .send()
                .await
        }
    };
    let token = job()
        .session_tags(&[("Project", "Automation"), ("Team", "api")], &["Project"])
        .source_identity("alice")
        .sign()
        .unwrap();
    let out = assume_tagged(token).await.unwrap();
    assert_eq!(out.source_identity(), Some("alice"));
    #[allow(deprecated)]
    let packed = out.packed_policy_size();
    assert!(
        packed.is_some_and(|p| p > 0),
        "tags count toward the packed size"
    );
    // The session's tags are principal tags; the transitive one and the source
    // identity pass on to the next hop.
    let c = out.credentials().unwrap();
    let session = Client::new(
        &sts.sdk_config_for_session(c.access_key_id(), c.secret_access_key(), c.session_token())
            .await,
    );
    let hop = session
        .assume_role()
        .role_arn(NEXT)
        .role_session_name("next")
        .send()
        .await
        .unwrap();
    assert_eq!(hop.source_identity(), Some("alice"));
    let e = session
        .assume_role()
        .role_arn(NEXT)
        .role_session_name("next")
        .tags(
            aws_sdk_sts::types::Tag::builder()
                .key("project")
                .value("x")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(
        e.message()
            .unwrap()
            .contains("override transitive tag key project"),
        "{e:?}"
    );
    // Another tag value: the trust's condition on aws:RequestTag refuses.
    let other = job()
        .session_tags(&[("Project", "Other")], &[])
        .sign()
        .unwrap();
    let e = assume_tagged(other).await.unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    // Tags on a role whose trust does not allow sts:TagSession: refused.
    let tagged = job()
        .session_tags(&[("Project", "Automation")], &[])
        .sign()
        .unwrap();
    let (code, _) = assume(&client, &tagged).await.unwrap_err();
    assert_eq!(code, "AccessDenied");
    let detail = sts
        .last_audit("AssumeRoleWithWebIdentity")
        .unwrap()
        .detail
        .unwrap();
    assert!(detail.contains("sts:TagSession"), "{detail}");
    // Malformed: two values, a transitive key that is no tag, a bad source identity.
    for (token, why) in [
        (
            job()
                .claim(
                    TAGS_CLAIM,
                    serde_json::json!({"principal_tags": {"Project": ["a", "b"]}}),
                )
                .sign()
                .unwrap(),
            "the session tag \"Project\" must have one text value",
        ),
        (
            job()
                .session_tags(&[("Project", "a")], &["Owner"])
                .sign()
                .unwrap(),
            "\"Owner\" is not the key of one of the session's tags",
        ),
        (
            job().source_identity("a b").sign().unwrap(),
            "source identity",
        ),
    ] {
        let e = assume_tagged(token).await.unwrap_err();
        assert_eq!(e.code(), Some("InvalidIdentityToken"));
        let m = e.message().unwrap();
        assert!(
            m.starts_with("The web identity token's session tags or source identity are invalid:")
                && m.contains(why),
            "{m}"
        );
    }
}

/// A token is tried only against the key it names (or the provider's one key of
/// its algorithm): no token makes the server try many; keys that could never
/// verify are refused when the provider is made.
#[tokio::test]
async fn a_token_is_tried_only_against_the_key_it_names() {
    let github = TestIssuer::github_actions().unwrap();
    let other = TestIssuer::new("https://token.actions.githubusercontent.com").unwrap();
    // One RSA key: a token that names none is verified with it.
    let (sts, client) = start(world(&github)).await;
    let token = github
        .github_job(sts.clock().now(), "acme/api", "main", STS_AUDIENCE)
        .no_kid()
        .sign()
        .unwrap();
    assert!(assume(&client, &token).await.is_ok());
    // Two RSA keys: a token that names none is not tried against each.
    let mut jwks = github.jwks();
    jwks.keys.extend(other.jwks().keys);
    let provider = OidcProvider::new(account(), github.url(), [STS_AUDIENCE], jwks).unwrap();
    let (sts, client) = start(world_with(provider)).await;
    let token = github
        .github_job(sts.clock().now(), "acme/api", "main", STS_AUDIENCE)
        .no_kid()
        .sign()
        .unwrap();
    let (code, message) = assume(&client, &token).await.unwrap_err();
    assert_eq!(code, "InvalidIdentityToken");
    assert!(
        message.contains("Couldn't retrieve verification key"),
        "{message}"
    );

    // Keys that can never verify a token STS accepts.
    let provider = |key: &str| {
        World::from_json(&format!(
            r#"{{"oidcProviders":[{{"account":"222222222222","url":"https://x.example.com","clientIds":["a"],"jwks":{{"keys":[{key}]}}}}]}}"#
        ))
        .unwrap_err()
        .to_string()
    };
    let big_n = "A".repeat(1366); // about 8192 bits
    for (key, why) in [
        (
            format!(r#"{{"kty":"RSA","n":"{big_n}","e":"AQAB","kid":"big"}}"#),
            "keys of more than 4096 bits are refused",
        ),
        (
            r#"{"kty":"RSA","n":"sXch","e":"AQAB","use":"enc"}"#.to_owned(),
            "a key whose use is not sig never verifies a token",
        ),
        (
            r#"{"kty":"EC","crv":"P-521","x":"AQ","y":"AQ"}"#.to_owned(),
            "STS verifies ES256 (P-256) and ES384 (P-384) only",
        ),
        (
            r#"{"kty":"RSA","n":"sXch","e":"AQAB","alg":"PS256"}"#.to_owned(),
            "STS verifies RS256, RS384, RS512, ES256 and ES384 only",
        ),
    ] {
        let e = provider(&key);
        assert!(e.contains(why), "{key}: {e}");
    }
}
