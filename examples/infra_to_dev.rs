//! Infrastructure account to development account: tooling in the Infra account
//! (111111111111) operates the Dev account (222222222222) through
//! `InfraAssumeRole`, which trusts the Infra account as a whole ("Another AWS
//! account" in the console) and grants S3 access.
//!
//! Trusting an account delegates to it: each Infra user also needs an identity
//! policy allowing `sts:AssumeRole` on the role. The run shows a user with that
//! policy getting in, one without it refused with the two documents that would fix
//! it, and the lints' view of the role.
//!
//! ```sh
//! cargo run --example infra_to_dev                                  # embedded STS
//! cargo run --features remote --example infra_to_dev -- --moto http://127.0.0.1:5000  # moto: S3 calls too
//! XROLE_ROLE_ARN=arn:aws:iam::DEV_ACCOUNT:role/InfraAssumeRole cargo run --features remote --example infra_to_dev -- --aws
//! ```

use xrole::{AssumeRole, AssumedRole, Error, assume_role};
use xrole_core::{AccountId, PrincipalArn};
use xrole_examples::Bucket;
use xrole_examples::{BoxError, Lab, Target, check, print_policy, refusal, section};
use xrole_test::lint::{LintConfig, lint_spec};
use xrole_test::sts::{User, World};

#[assume_role(
    arn = "arn:aws:iam::222222222222:role/InfraAssumeRole",
    session_name = "infra-ops",
    trusted = ["arn:aws:iam::111111111111:root"],
    allow(actions = ["s3:*"], resources = ["*"]),
)]
struct DevAccount {
    sts: aws_sdk_sts::Client,
    role: AssumedRole,
}

const OPERATOR: &str = "arn:aws:iam::111111111111:user/infra-operator";
const INTERN: &str = "arn:aws:iam::111111111111:user/infra-intern";
const BUCKETS: &[Bucket] = &[Bucket {
    account: AccountId::from_static("222222222222"),
    name: "dev-build-artifacts",
    objects: &[("app-1.4.2.tar.gz", "not really a tarball")],
}];

#[derive(Debug)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
struct Report {
    operator: String,
    intern: String,
    lints: Vec<String>,
}

/// Dev's buckets, listed with the role (moto and AWS; the embedded STS has no S3).
#[cfg(feature = "remote")]
async fn list_dev_buckets(lab: &Lab, role: &AssumedRole) -> Result<(), BoxError> {
    if *lab.target() == Target::Embedded {
        return Ok(());
    }
    let listed = lab.s3(role).list_buckets().send().await?;
    let names: Vec<&str> = listed.buckets().iter().filter_map(|b| b.name()).collect();
    println!("Dev's buckets: {}", names.join(", "));
    if let Target::Moto(_) = lab.target() {
        check(
            names.contains(&"dev-build-artifacts"),
            "the operator sees Dev's bucket",
        )?;
    }
    Ok(())
}

/// Without the `remote` feature only the embedded STS runs: there is no S3 to list.
#[cfg(not(feature = "remote"))]
async fn list_dev_buckets(_lab: &Lab, _role: &AssumedRole) -> Result<(), BoxError> {
    Ok(())
}

async fn run(target: Target) -> Result<Report, BoxError> {
    let mut world = World::new();
    world
        .add_user(User::new(OPERATOR.parse()?)?)?
        .add_user(User::new(INTERN.parse()?)?)?
        .add_role_from_spec(&DevAccount::ROLE_SPEC)?
        // The account is trusted; only the operator is given the caller policy.
        .attach_caller_policy(&PrincipalArn::parse(OPERATOR)?, &DevAccount::ROLE_SPEC)?;
    let lab = Lab::start(target, world, BUCKETS).await?;
    println!("xrole infra to dev, on {}", lab.target());
    let spec = lab.role_spec(&DevAccount::ROLE_SPEC)?;

    section("The role in Dev, and the policy in Infra");
    print_policy(
        "trust policy of InfraAssumeRole (Dev)",
        &spec.trust_policy()?,
    );
    print_policy(
        "caller policy of infra-operator (Infra)",
        &spec.caller_policy()?,
    );
    let own = LintConfig::new()
        .own_account(AccountId::from_static("111111111111"))
        .own_account(AccountId::from_static("222222222222"));
    let report = lint_spec(&spec, &own);
    print!("{report}");
    let lints: Vec<String> = report
        .findings
        .iter()
        .map(|f| f.lint.code.to_owned())
        .collect();

    section("infra-operator");
    let base = lab.base_for(OPERATOR).await?;
    let role = AssumeRole::from_spec(&spec).assume(&base).await?;
    let dev = DevAccount::from_role(&role);
    let me = dev.sts.get_caller_identity().send().await?;
    let operator = me.arn().unwrap_or_default().to_owned();
    println!("{operator} (session {})", dev.role.session_name());
    list_dev_buckets(&lab, &dev.role).await?;

    section("infra-intern (no identity policy in Infra)");
    let intern_base = lab.base_for(INTERN).await?;
    let attempt = AssumeRole::from_spec(&spec)
        .eager(true)
        .assume(&intern_base)
        .await;
    let intern = if *lab.target() == Target::Aws {
        // On AWS both users are you: whatever your policies say.
        attempt.map_or_else(|e| xrole_examples::described(&e), |_| "admitted".to_owned())
    } else {
        let refused = refusal(attempt, "infra-intern without an identity policy")?;
        if let Error::AccessDenied(denied) = &refused {
            // The embedded STS says what its evaluator found; moto does not.
            if *lab.target() == Target::Embedded {
                check(
                    denied.cause() == xrole::DenialCause::CallerPolicyMissing,
                    format!("the intern lacks an identity policy: {:?}", denied.cause()),
                )?;
            }
            if let Some(xrole::Fix::Add {
                trust_statement,
                caller_policy,
                ..
            }) = denied.fixing_policies()
            {
                print_policy(
                    "would fix it, in Dev: the statement to add to the trust policy",
                    &trust_statement,
                );
                print_policy(
                    "would fix it, in Infra: identity policy of infra-intern",
                    &caller_policy,
                );
            }
        }
        xrole_examples::described(&refused)
    };
    Ok(Report {
        operator,
        intern,
        lints,
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
    async fn the_operator_gets_in_and_the_intern_is_told_what_is_missing() {
        let report = run(Target::Embedded).await.unwrap();
        assert_eq!(
            report.operator,
            "arn:aws:sts::222222222222:assumed-role/InfraAssumeRole/infra-ops"
        );
        assert!(
            report.intern.contains("account 111111111111 (trusted): an identity policy of arn:aws:iam::111111111111:user/infra-intern must allow sts:AssumeRole"),
            "{}",
            report.intern
        );
        // s3:* on *: both wildcard warnings, no error.
        assert_eq!(report.lints, ["XR007", "XR008"]);
    }
}
