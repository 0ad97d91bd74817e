//! GitHub Actions OIDC: a job of repository `acme/api` on `main` deploys into the
//! workload account 222222222222 without any AWS key. It presents its OIDC token;
//! the `GitHubDeploy` role trusts GitHub's OIDC provider for exactly that
//! repository and branch (`token.actions.githubusercontent.com:sub` =
//! `repo:acme/api:ref:refs/heads/main`, `:aud` = `sts.amazonaws.com`), and the
//! session refreshes itself with a new token however long the job runs.
//!
//! The same token from `acme/other`, or from a pull request of `acme/api`, is
//! refused, and the refusal explained by the runtime and by the embedded STS's
//! evaluation. The lints flag the well-known mistake of a `repo:acme/*` trust,
//! which would let every repository of the organization deploy.
//!
//! Here GitHub is a test issuer with its own keys, and the world's OIDC provider
//! publishes them, so the embedded STS verifies real signatures offline. In a real
//! job (`permissions: id-token: write`), the source is
//! `WebIdentity::github_actions(xrole::STS_AUDIENCE)?`, or the attribute's
//! `web_identity = xrole::WebIdentity::github_actions(xrole::STS_AUDIENCE)`.
//!
//! ```sh
//! cargo run --example github_actions_oidc
//! ```

use std::time::SystemTime;

use xrole::{AssumeRole, GitHubRef, Partition, WebIdentity, WebIdentityTrust};
use xrole_core::policy::PolicyDocument;
use xrole_examples::{BoxError, explained, section};
use xrole_test::lint::{LintConfig, LintReport, lint_trust_policy};
use xrole_test::sts::{Clock, EmbeddedSts, World};
use xrole_test::web_identity::TestIssuer;

const WORKLOAD: &str = "222222222222";
const ROLE: &str = "arn:aws:iam::222222222222:role/GitHubDeploy";

/// A trust written by hand with the mistake the lints catch: every repository of
/// `acme`, on any branch.
const TOO_WIDE: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Principal": {"Federated": "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"},
  "Action": "sts:AssumeRoleWithWebIdentity",
  "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}}]}"#;

#[derive(Debug)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
struct Report {
    /// Who the job deploys as.
    deployed_as: String,
    /// The runtime's and the STS's words for a token of `acme/other`.
    other_repository: (String, String),
    /// The same for a pull request of `acme/api`.
    pull_request: (String, String),
    /// The lints of the too-wide trust.
    lint: LintReport,
}

/// A job's token source: a token of `repository` on `git_ref` (a branch's `sub`,
/// or a pull request's), minted when asked, as GitHub's endpoint mints them.
fn job_token(
    github: &TestIssuer,
    clock: &Clock,
    repository: &'static str,
    sub: Option<&'static str>,
) -> WebIdentity {
    let github = github.clone();
    let clock = clock.clone();
    WebIdentity::provider(move || {
        let mut token = github.github_job(clock.now(), repository, "main", xrole::STS_AUDIENCE);
        if let Some(sub) = sub {
            token = token.subject(sub).claim("event_name", "pull_request");
        }
        let signed = token.sign().map_err(|e| e.to_string());
        async move { signed }
    })
}

async fn run() -> Result<Report, BoxError> {
    let github = TestIssuer::github_actions()?;
    let spec = xrole::RoleSpec::builder(ROLE.parse()?)
        .session_name("gha-deploy".parse()?)
        .trusted_web_identity(WebIdentityTrust::github_actions(
            Partition::Aws,
            WORKLOAD.parse()?,
            "acme/api",
            GitHubRef::Branch("main".into()),
        )?)
        .allow(xrole::Permission::new(
            ["cloudformation:DescribeStacks"],
            ["*"],
        ))
        .build()?;
    let mut world = World::new();
    world
        .add_role_from_spec(&spec)?
        .add_oidc_provider(github.provider(WORKLOAD.parse()?, [xrole::STS_AUDIENCE])?)?;
    let clock = Clock::manual(SystemTime::now());
    let sts = EmbeddedSts::builder(world)
        .clock(clock.clone())
        .start()
        .await?;
    let base = sts.sdk_config_without_credentials().await;
    println!(
        "xrole GitHub Actions OIDC, on the embedded STS at {}",
        sts.url()
    );
    println!(
        "the generated trust policy:\n{}",
        spec.trust_policy()?.to_canonical_json()
    );

    section("A job of acme/api on main deploys, with no AWS key");
    let source = job_token(&github, &clock, "acme/api", None).config(&base);
    let deploy = AssumeRole::from_spec(&spec)
        .eager(true)
        .assume(&source)
        .await?;
    let deployed_as = deploy.caller_identity().await?.arn.to_string();
    println!("deploying as {deployed_as}");

    section("The same kind of token from acme/other is refused");
    let other = job_token(&github, &clock, "acme/other", None).config(&base);
    let other_repository = explained(
        &sts,
        "AssumeRoleWithWebIdentity",
        AssumeRole::from_spec(&spec)
            .eager(true)
            .assume(&other)
            .await,
    )?;

    section("A pull request of acme/api is refused too");
    let pr = job_token(
        &github,
        &clock,
        "acme/api",
        Some("repo:acme/api:pull_request"),
    )
    .config(&base);
    let pull_request = explained(
        &sts,
        "AssumeRoleWithWebIdentity",
        AssumeRole::from_spec(&spec).eager(true).assume(&pr).await,
    )?;

    section("The lints flag a trust of every acme repository");
    let mut lint = LintReport::default();
    let too_wide: PolicyDocument = TOO_WIDE.parse()?;
    lint_trust_policy(
        &too_wide,
        Some(WORKLOAD.parse()?),
        &LintConfig::default(),
        &mut lint,
    );
    println!("{lint}");
    Ok(Report {
        deployed_as,
        other_repository,
        pull_request,
        lint,
    })
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run().await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_trusted_repository_and_branch_deploy() {
        let report = run().await.unwrap();
        assert_eq!(
            report.deployed_as,
            "arn:aws:sts::222222222222:assumed-role/GitHubDeploy/gha-deploy"
        );
        for (runtime, sts) in [&report.other_repository, &report.pull_request] {
            assert!(
                runtime.contains("Not authorized to perform sts:AssumeRoleWithWebIdentity")
                    && runtime.contains("with sub repo:acme/api:ref:refs/heads/main"),
                "{runtime}"
            );
            assert!(
                sts.contains(
                    "its condition StringEquals on token.actions.githubusercontent.com:sub does not hold"
                ),
                "{sts}"
            );
        }
        // The cause names the claim and the token's own value of it.
        for (report, sub) in [
            (
                &report.other_repository,
                "repo:acme/other:ref:refs/heads/main",
            ),
            (&report.pull_request, "repo:acme/api:pull_request"),
        ] {
            let want = format!(
                "cause: the token's claims fail the trust policy: its sub is {sub}, the declaration admits repo:acme/api:ref:refs/heads/main"
            );
            assert!(report.0.contains(&want), "{}", report.0);
        }
        let codes: Vec<&str> = report.lint.findings.iter().map(|f| f.lint.code).collect();
        assert_eq!(codes, ["XR018"], "{}", report.lint);
    }
}
