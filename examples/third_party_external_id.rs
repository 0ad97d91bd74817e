//! Third party with ExternalId: a vendor (account 999999999999) reads metrics in
//! its customer's account 222222222222 through `VendorAccessRole`, whose trust
//! policy demands the ExternalId the vendor gave this customer.
//!
//! Why: the vendor's service assumes roles in many customers' accounts with the
//! same credentials. Without the ExternalId condition, another customer could give
//! the vendor this role's ARN and have the vendor act on it: the confused deputy
//! problem. With it, only requests carrying this customer's id get in. The run
//! shows the right id admitted, a missing or wrong id refused with an error that
//! says why, and the lint that flags third-party trust without ExternalId.
//!
//! ```sh
//! cargo run --example third_party_external_id                      # embedded STS
//! XROLE_ROLE_ARN=arn:aws:iam::ACCOUNT:role/NAME XROLE_EXTERNAL_ID=... \
//!   cargo run --features remote --example third_party_external_id -- --aws
//! ```

use xrole::{AssumeRole, AssumedRole, DenialCause, assume_role};
use xrole_core::{AccountId, PrincipalArn};
use xrole_examples::{BoxError, Lab, Target, check, expect_cause, print_policy, refusal, section};
use xrole_test::lint::{LintConfig, Suppression, lint_spec};
use xrole_test::sts::{User, World};

#[assume_role(
    arn = "arn:aws:iam::222222222222:role/VendorAccessRole",
    session_name = "vendor-metrics",
    external_id = "my-secret-external-id-1234",
    trusted = ["arn:aws:iam::999999999999:root"],
    allow(actions = ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"], resources = ["*"]),
)]
struct CustomerAccount {
    sts: aws_sdk_sts::Client,
    role: AssumedRole,
}

/// The vendor's service, in the vendor's account.
const VENDOR: &str = "arn:aws:iam::999999999999:user/vendor-service";

/// What each attempt gave: the identity admitted, the refusals' texts.
#[derive(Debug)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
struct Report {
    right_id: String,
    missing_id: String,
    wrong_id: String,
    lint_without_id: Vec<String>,
}

async fn run(target: Target) -> Result<Report, BoxError> {
    let vendor = PrincipalArn::parse(VENDOR)?;
    let mut world = World::new();
    world
        .add_user(User::new(VENDOR.parse()?)?)?
        .add_role_from_spec(&CustomerAccount::ROLE_SPEC)?
        .attach_caller_policy(&vendor, &CustomerAccount::ROLE_SPEC)?;
    let lab = Lab::start(target, world, &[]).await?;
    println!("xrole third party with ExternalId, on {}", lab.target());
    let base = lab.base_for(VENDOR).await?;
    let mut spec = lab.role_spec(&CustomerAccount::ROLE_SPEC)?;
    if *lab.target() == Target::Aws {
        let id = std::env::var("XROLE_EXTERNAL_ID")
            .map_err(|_| "on AWS, set XROLE_EXTERNAL_ID to the id your role demands")?
            .parse()?;
        spec = spec.to_builder().external_id(id).build()?;
    }

    section("The customer's trust policy");
    print_policy("trust policy of VendorAccessRole", &spec.trust_policy()?);

    section("With the ExternalId the customer was given");
    let role = AssumeRole::from_spec(&spec).assume(&base).await?;
    let customer = CustomerAccount::from_role(&role);
    let me = customer.sts.get_caller_identity().send().await?;
    let right_id = me.arn().unwrap_or_default().to_owned();
    println!(
        "admitted as {right_id} (session {})",
        customer.role.session_name()
    );

    section("Without an ExternalId");
    let without = spec.to_builder().set_external_id(None).build()?;
    // `eager`: the first credentials are fetched now, not at the first request.
    let missing_id = refusal(
        AssumeRole::from_spec(&without)
            .eager(true)
            .assume(&base)
            .await,
        "without an ExternalId (the role must demand one)",
    )?;
    expect_cause(lab.target(), &missing_id, &DenialCause::ExternalIdMissing)?;
    let missing_id = xrole_examples::described(&missing_id);

    section("With another customer's ExternalId");
    let wrong = AssumeRole::from_spec(&spec)
        .external_id("another-customers-id-5678".parse()?)
        .eager(true);
    let wrong_id = refusal(
        wrong.assume(&base).await,
        "with another customer's ExternalId",
    )?;
    expect_cause(
        lab.target(),
        &wrong_id,
        &DenialCause::ExternalIdMismatch {
            sent: "another-customers-id-5678".parse()?,
        },
    )?;
    let wrong_id = xrole_examples::described(&wrong_id);

    section("The lint that catches a vendor trusted without ExternalId");
    let own = LintConfig::new()
        .own_account(AccountId::from_static("222222222222"))
        .suppress(Suppression::new(
            "XR008",
            "CloudWatch metric reads have no resource-level permissions",
        )?);
    let unprotected = CustomerAccount::ROLE_SPEC
        .to_builder()
        .set_external_id(None)
        .build()?;
    let report = lint_spec(&unprotected, &own);
    print!("{report}");
    let lint_without_id: Vec<String> = report
        .findings
        .iter()
        .map(|f| f.lint.code.to_owned())
        .collect();
    check(
        lint_without_id.iter().any(|c| c == "XR004"),
        "XR004 flags the trust without ExternalId",
    )?;
    check(
        lint_spec(&CustomerAccount::ROLE_SPEC, &own).is_clean(),
        "the declared role lints clean",
    )?;
    Ok(Report {
        right_id,
        missing_id,
        wrong_id,
        lint_without_id,
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
    async fn only_the_right_external_id_gets_in_and_refusals_say_why() {
        let report = run(Target::Embedded).await.unwrap();
        assert_eq!(
            report.right_id,
            "arn:aws:sts::222222222222:assumed-role/VendorAccessRole/vendor-metrics"
        );
        let missing = report.missing_id;
        assert!(
            missing.contains("if it demands sts:ExternalId (a third party's role should, against the confused deputy problem), none was sent"),
            "{missing}"
        );
        let wrong = report.wrong_id;
        assert!(
            wrong.contains("its sts:ExternalId condition must match the ExternalId sent"),
            "{wrong}"
        );
        assert!(wrong.contains("(the confused deputy problem)"), "{wrong}");
        assert_eq!(report.lint_without_id, ["XR004"]);
    }
}
