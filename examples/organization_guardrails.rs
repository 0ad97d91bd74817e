//! Organization guardrails: a CI pipeline's `DeployRole` in the tooling account
//! 444444444444 deploys into the workload account 222222222222, whose
//! `WorkloadDeploy` role trusts it. The organization (o-a1b2c3d4e5) adds two
//! guardrails that no account's own policy can override:
//!
//! - an RCP at the root, `EnforceOrgIdentities`, refuses every principal from
//!   outside the organization, even one a trust policy names by mistake;
//! - an SCP on the Workloads OU, `NoRolesInSandbox`, forbids its principals to
//!   assume roles in accounts of the Sandbox OU.
//!
//! The world, the organization included, is a world file (the JSON below). Each
//! refusal is explained twice: by the runtime's `AccessDenied` (which names the
//! organization policy type STS named, and no trust or identity fix), and by the
//! embedded STS's evaluation in its audit log (which names the policy and the
//! level it is attached to).
//!
//! Organizations exist only on the embedded STS here: moto has no SCPs or RCPs,
//! and on AWS the guardrails are your organization's.
//!
//! ```sh
//! cargo run --example organization_guardrails
//! ```

use xrole::{AssumeRole, assume_role};
use xrole_examples::{BoxError, explained, section};
use xrole_test::sts::{EmbeddedSts, World};

#[assume_role(
    arn = "arn:aws:iam::222222222222:role/WorkloadDeploy",
    session_name = "deploy",
    // The second entry is a mistake the RCP makes harmless.
    trusted = ["arn:aws:iam::444444444444:role/DeployRole", "arn:aws:iam::999999999999:root"],
    allow(actions = ["cloudformation:DescribeStacks"], resources = ["*"]),
)]
struct WorkloadDeploy {
    sts: aws_sdk_sts::Client,
}

const CI_USER: &str = "arn:aws:iam::444444444444:user/ci";
const DEPLOY_ROLE: &str = "arn:aws:iam::444444444444:role/DeployRole";
const CONTRACTOR: &str = "arn:aws:iam::999999999999:user/contractor";

/// The world file: users and the deploy role, the two guardrails as managed
/// policies, and the organization that attaches them.
const WORLD: &str = r#"{
  "managedPolicies": {
    "arn:aws:iam::111111111111:policy/EnforceOrgIdentities": {
      "Version": "2012-10-17",
      "Statement": [{"Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*",
        "Action": ["sts:AssumeRole", "s3:*"], "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
                      "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]
    },
    "arn:aws:iam::111111111111:policy/NoRolesInSandbox": {
      "Version": "2012-10-17",
      "Statement": [{"Sid": "NoRolesInSandbox", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
        "Condition": {"ForAnyValue:StringLike": {"aws:ResourceOrgPaths": "o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/*"}}}]
    }
  },
  "users": [
    {"arn": "arn:aws:iam::444444444444:user/ci", "policies": {"assume-deploy": {"Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::444444444444:role/DeployRole"}]}}},
    {"arn": "arn:aws:iam::999999999999:user/contractor", "policies": {"assume-any": {"Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}}}
  ],
  "roles": [
    {"arn": "arn:aws:iam::444444444444:role/DeployRole",
     "trustPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
       "Principal": {"AWS": "arn:aws:iam::444444444444:user/ci"}, "Action": "sts:AssumeRole"}]}}
  ],
  "organization": {
    "id": "o-a1b2c3d4e5",
    "managementAccount": "111111111111",
    "roots": [{"id": "r-ab12", "rcps": ["EnforceOrgIdentities"]}],
    "ous": [
      {"id": "ou-ab12-11111111", "name": "Workloads", "parent": "r-ab12", "scps": ["FullAWSAccess", "NoRolesInSandbox"]},
      {"id": "ou-ab12-22222222", "name": "Sandbox", "parent": "r-ab12"}
    ],
    "accounts": [
      {"id": "222222222222", "parent": "ou-ab12-11111111"},
      {"id": "444444444444", "parent": "ou-ab12-11111111"},
      {"id": "333333333333", "parent": "ou-ab12-22222222"}
    ]
  }
}"#;

#[derive(Debug)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
struct Report {
    /// Who the deploy session is in the workload account.
    deployed_as: String,
    /// The runtime's explanation of the SCP refusal, and the STS's.
    sandbox: (String, String),
    /// The runtime's explanation of the RCP refusal, and the STS's.
    outsider: (String, String),
}

async fn run() -> Result<Report, BoxError> {
    let mut world = World::from_json(WORLD)?;
    let sandbox_spec = WorkloadDeploy::ROLE_SPEC
        .to_builder()
        .role("arn:aws:iam::333333333333:role/WorkloadDeploy".parse()?)
        .build()?;
    world
        .add_role_from_spec(&WorkloadDeploy::ROLE_SPEC)?
        .add_role_from_spec(&sandbox_spec)?;
    let sts = EmbeddedSts::start(world).await?;
    println!(
        "xrole organization guardrails, on the embedded STS at {}",
        sts.url()
    );

    section("The pipeline deploys into the workload account");
    let ci = sts.sdk_config_for(CI_USER).await?;
    let deploy_spec = xrole::RoleSpec::builder(DEPLOY_ROLE.parse()?)
        .trusted(CI_USER.parse()?)
        .build()?;
    let deploy_role = AssumeRole::from_spec(&deploy_spec).assume(&ci).await?;
    let workload = WorkloadDeploy::assume(&deploy_role).await?;
    let me = workload.sts.get_caller_identity().send().await?;
    let deployed_as = me.arn().unwrap_or_default().to_owned();
    println!("deploying as {deployed_as}");

    section("The same pipeline may not assume a role in a Sandbox account (SCP)");
    let sandbox = explained(
        &sts,
        "AssumeRole",
        AssumeRole::from_spec(&sandbox_spec)
            .eager(true)
            .assume(&deploy_role)
            .await,
    )?;

    section(
        "A principal outside the organization is refused, though the trust policy names it (RCP)",
    );
    let contractor = sts.sdk_config_for(CONTRACTOR).await?;
    let outsider = explained(
        &sts,
        "AssumeRole",
        AssumeRole::from_spec(&WorkloadDeploy::ROLE_SPEC)
            .eager(true)
            .assume(&contractor)
            .await,
    )?;
    Ok(Report {
        deployed_as,
        sandbox,
        outsider,
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
    async fn the_guardrails_refuse_and_say_which() {
        let report = run().await.unwrap();
        assert_eq!(
            report.deployed_as,
            "arn:aws:sts::222222222222:assumed-role/WorkloadDeploy/deploy"
        );
        let (runtime, sts) = &report.sandbox;
        assert!(
            runtime.contains("with an explicit deny in a service control policy")
                && runtime.contains("The organization refuses")
                && runtime.contains("the service control policies on the path")
                && runtime.contains(
                    "cause: the organization refuses (an explicit deny in a service control policy)"
                )
                && !runtime.contains("Either side can refuse"),
            "{runtime}"
        );
        assert!(
            sts.contains(r#"SCP "NoRolesInSandbox" attached to ou-ab12-11111111 (Workloads)"#),
            "{sts}"
        );
        let (runtime, sts) = &report.outsider;
        assert!(
            runtime.contains("with an explicit deny in a resource control policy")
                && runtime.contains("account 222222222222 (the role's account)")
                && runtime.contains(r#"cause: the organization refuses (an explicit deny in a resource control policy): RCP "EnforceOrgIdentities" attached to r-ab12"#),
            "{runtime}"
        );
        assert!(
            sts.contains(r#"RCP "EnforceOrgIdentities" attached to r-ab12"#),
            "{sts}"
        );
    }
}
