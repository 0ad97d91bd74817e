//! Session tags and source identity: a CI deployer in account 111111111111
//! assumes `DeployRole` in 222222222222 with session tags (for attribute-based
//! access control and cost allocation) and a source identity (who is behind the
//! session, kept through any chain), and both show in the audit log, as CloudTrail
//! shows them on AWS.
//!
//! Tagging needs `sts:TagSession`, setting a source identity needs
//! `sts:SetSourceIdentity`, both in the trust policy: xrole's generated trust
//! policy has them; a hand-written one that allows only `sts:AssumeRole` refuses
//! the tagged call, shown last.
//!
//! ```sh
//! cargo run --example session_tags                               # embedded STS, audit log printed
//! XROLE_ROLE_ARN=arn:aws:iam::ACCOUNT:role/NAME cargo run --features remote --example session_tags -- --aws   # see CloudTrail
//! ```

use xrole::{AssumeRole, AssumedRole, assume_role};
use xrole_core::RoleArn;
use xrole_examples::{BoxError, Lab, Target, check, print_policy, refusal, section};
use xrole_test::sts::{Role, User, World};

#[assume_role(
    arn = "arn:aws:iam::222222222222:role/DeployRole",
    session_name = "ci-deploy",
    tags(Project = "checkout", CostCenter = "12345"),
    transitive_tag_keys("Project"),
    source_identity = "ci-deployer",
    trusted = ["arn:aws:iam::111111111111:user/ci-deployer"],
    allow(actions = ["cloudformation:DescribeStacks"], resources = ["*"]),
)]
struct Deploy {
    sts: aws_sdk_sts::Client,
    role: AssumedRole,
}

const USER: &str = "arn:aws:iam::111111111111:user/ci-deployer";
/// A role whose hand-written trust policy forgot sts:TagSession.
const UNTAGGABLE: &str = "arn:aws:iam::222222222222:role/LegacyDeployRole";

#[derive(Debug)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
struct Report {
    /// The audited parameters of the tagged AssumeRole.
    audited: Vec<(String, String)>,
    /// The refusal of the role without sts:TagSession.
    refused: String,
}

async fn run(target: Target) -> Result<Report, BoxError> {
    let mut world = World::new();
    world
        .add_user(User::new(USER.parse()?)?)?
        .add_role_from_spec(&Deploy::ROLE_SPEC)?;
    let legacy: RoleArn = UNTAGGABLE.parse()?;
    let legacy_spec = Deploy::ROLE_SPEC
        .to_builder()
        .role(legacy.clone())
        .build()?;
    world
        .add_role(Role::new(
            legacy,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/ci-deployer"},"Action":"sts:AssumeRole"}]}"#.parse()?,
        ))?
        .attach_caller_policy(&USER.parse()?, &legacy_spec)?;
    let lab = Lab::start(target, world, &[]).await?;
    println!(
        "xrole session tags and source identity, on {}",
        lab.target()
    );
    let base = lab.base_for(USER).await?;
    let spec = lab.role_spec(&Deploy::ROLE_SPEC)?;

    section("The trust policy admits tagging and the source identity");
    print_policy("trust policy of DeployRole", &spec.trust_policy()?);

    section("The tagged session");
    let role = AssumeRole::from_spec(&spec).assume(&base).await?;
    let deploy = Deploy::from_role(&role);
    let me = deploy.sts.get_caller_identity().send().await?;
    println!(
        "{} (session {})",
        me.arn().unwrap_or_default(),
        deploy.role.session_name()
    );

    let mut audited = Vec::new();
    match lab.embedded() {
        None => {
            println!("on AWS, CloudTrail's AssumeRole event shows the tags and source identity")
        }
        Some(sts) => {
            section("The audit log");
            for entry in sts.audit() {
                let params: Vec<String> = entry
                    .parameters
                    .iter()
                    .filter(|(k, _)| k != "Action" && k != "Version")
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                println!(
                    "#{} {} by {}: {}{}",
                    entry.call,
                    entry.action.as_deref().unwrap_or("?"),
                    entry.caller.as_deref().unwrap_or("?"),
                    if entry.succeeded() { "ok" } else { "refused" },
                    if params.is_empty() {
                        String::new()
                    } else {
                        format!("\n    {}", params.join("\n    "))
                    }
                );
                if entry.action.as_deref() == Some("AssumeRole") && audited.is_empty() {
                    audited = entry
                        .parameters
                        .iter()
                        .filter(|(k, _)| {
                            k.starts_with("Tags.")
                                || k.starts_with("TransitiveTagKeys.")
                                || k == "SourceIdentity"
                        })
                        .cloned()
                        .collect();
                }
            }
            check(
                audited
                    .iter()
                    .any(|(k, v)| k == "SourceIdentity" && v == "ci-deployer"),
                "the source identity is audited",
            )?;
        }
    }

    section("A role whose trust policy allows only sts:AssumeRole");
    let err = refusal(
        AssumeRole::from_spec(&legacy_spec)
            .eager(true)
            .assume(&base)
            .await,
        "a tagged session on a role without sts:TagSession",
    )?;
    Ok(Report {
        audited,
        refused: err.to_string(),
    })
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run(Target::from_env_and_args()?).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tags_and_source_identity_are_in_the_audit_log() {
        let report = run(Target::Embedded).await.unwrap();
        let audited: Vec<String> = report
            .audited
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(
            audited,
            [
                "Tags.member.1.Key=Project",
                "Tags.member.1.Value=checkout",
                "Tags.member.2.Key=CostCenter",
                "Tags.member.2.Value=12345",
                "TransitiveTagKeys.member.1=Project",
                "SourceIdentity=ci-deployer",
            ]
        );
        assert!(
            report.refused.contains("may not sts:TagSession"),
            "{}",
            report.refused
        );
    }
}
