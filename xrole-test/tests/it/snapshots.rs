//! The setups the tutorials describe (shared/seeds), lint-clean; and the
//! rendering `assert_role_policies!` snapshots, pinned on two setups (a trusted
//! user, a web identity role with no caller policy). The generated documents
//! themselves are pinned once, against the documents AWS publishes, by
//! xrole-core's `tests/it/generate.rs` and its fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use xrole_core::*;
use xrole_test::lint::{LintConfig, Suppression};
use xrole_test::{assert_lint_clean, assert_role_policies};

fn own_accounts() -> LintConfig {
    LintConfig::new()
        .own_account(AccountId::from_static("111111111111"))
        .own_account(AccountId::from_static("222222222222"))
}

#[test]
fn quickstart_cross_account_user() {
    let spec = RoleSpec::builder(RoleArn::from_static(
        "arn:aws:iam::222222222222:role/CrossAccountAccessRole",
    ))
    .trusted(PrincipalArn::from_static(
        "arn:aws:iam::111111111111:user/crossAccountUser",
    ))
    .allow(Permission::new(["s3:ListAllMyBuckets"], ["*"]))
    .build()
    .unwrap();
    assert_role_policies!(spec);
    assert_lint_clean!(spec, own_accounts());
}

#[test]
fn infra_to_dev() {
    let spec = RoleSpec::builder(RoleArn::from_static(
        "arn:aws:iam::222222222222:role/InfraAssumeRole",
    ))
    .trusted(PrincipalArn::from_static("arn:aws:iam::111111111111:root"))
    .session_name(SessionName::from_static("InfraToDevSession"))
    .allow(Permission::new(
        ["s3:ListBucket", "s3:GetObject"],
        ["arn:aws:s3:::dev-artifacts", "arn:aws:s3:::dev-artifacts/*"],
    ))
    .build()
    .unwrap();
    assert_lint_clean!(spec, own_accounts());
}

#[test]
fn shared_s3_read() {
    let spec = RoleSpec::builder(RoleArn::from_static(
        "arn:aws:iam::222222222222:role/CrossAccountS3ReadOnly",
    ))
    .trusted(PrincipalArn::from_static("arn:aws:iam::111111111111:root"))
    .allow(Permission::new(
        ["s3:GetObject"],
        ["arn:aws:s3:::my-shared-bucket/*"],
    ))
    .build()
    .unwrap();
    assert_lint_clean!(spec, own_accounts());
}

#[test]
fn third_party_external_id() {
    let spec = RoleSpec::builder(RoleArn::from_static(
        "arn:aws:iam::222222222222:role/VendorAuditRole",
    ))
    .trusted(PrincipalArn::from_static("arn:aws:iam::444455556666:root"))
    .external_id(ExternalId::from_static("my-secret-external-id-1234"))
    .allow(Permission::new(
        ["s3:GetBucketPolicy"],
        ["arn:aws:s3:::audited-bucket"],
    ))
    .build()
    .unwrap();
    // Trusting an account that is not ours is fine with an ExternalId.
    assert_lint_clean!(spec, own_accounts());
}

#[test]
fn same_account_admin_with_mfa() {
    let spec = RoleSpec::builder(RoleArn::from_static(
        "arn:aws:iam::123456789012:role/AdminAccessRole",
    ))
    .trusted(PrincipalArn::from_static(
        "arn:aws:iam::123456789012:user/deepak.dev",
    ))
    .mfa_serial(MfaSerial::from_static(
        "arn:aws:iam::123456789012:mfa/deepak.dev",
    ))
    .allow(Permission::new(["*"], ["*"]))
    .build()
    .unwrap();
    let config = LintConfig::new()
        .suppress(
            Suppression::new("XR007", "break-glass administrator role, MFA required").unwrap(),
        )
        .suppress(
            Suppression::new("XR008", "break-glass administrator role, MFA required").unwrap(),
        );
    assert_lint_clean!(spec, config);
}

#[test]
fn session_tags_and_source_identity() {
    let spec = RoleSpec::builder(RoleArn::from_static(
        "arn:aws:iam::222222222222:role/access-tagged",
    ))
    .trusted(PrincipalArn::from_static(
        "arn:aws:iam::111111111111:role/ci/Deployer",
    ))
    .tags(
        SessionTags::new(vec![
            SessionTag::new("Project", "Unicorn").unwrap(),
            SessionTag::new("CostCenter", "12345").unwrap(),
        ])
        .unwrap(),
    )
    .transitive_tag_keys(TransitiveTagKeys::new(["Project"]).unwrap())
    .source_identity(SourceIdentity::from_static("alice"))
    .allow(Permission::new(
        ["dynamodb:GetItem", "dynamodb:Query"],
        ["arn:aws:dynamodb:eu-west-1:222222222222:table/orders"],
    ))
    .build()
    .unwrap();
    assert_lint_clean!(spec, own_accounts());
}

#[test]
#[should_panic(expected = "error[XR001] trust policy Statement[0].Principal.AWS")]
fn lint_clean_fails_with_the_findings() {
    let spec = RoleSpec::builder(RoleArn::from_static("arn:aws:iam::222222222222:role/Open"))
        .trusted(PrincipalArn::from_static("*"))
        .build()
        .unwrap();
    assert_lint_clean!(spec);
}

#[test]
fn undeclared_documents_are_shown_as_missing() {
    let spec = RoleSpec::builder(RoleArn::from_static("arn:aws:iam::222222222222:role/Bare"))
        .build()
        .unwrap();
    let text = xrole_test::snapshot::render_role_policies(&spec);
    assert!(
        text.contains(
            "# Trust policy: account 222222222222, role Bare\n(none: no trusted principal declared"
        ),
        "{text}"
    );
    assert!(
        text.contains("# Caller policy: attach to the caller\n{"),
        "{text}"
    );
}

/// A role trusted only through web identity (GitHub Actions): the caller
/// documents say that no identity policy is needed, since a token holder has
/// none and the trust alone decides `sts:AssumeRoleWithWebIdentity`.
#[test]
fn github_actions_deploy_role() {
    let spec = RoleSpec::builder(RoleArn::from_static(
        "arn:aws:iam::222222222222:role/Deploy",
    ))
    .trusted_web_identity(
        WebIdentityTrust::github_actions(
            Partition::Aws,
            AccountId::from_static("222222222222"),
            "acme/api",
            GitHubRef::Branch("main".into()),
        )
        .unwrap(),
    )
    .allow(Permission::new(
        ["s3:PutObject"],
        ["arn:aws:s3:::acme-releases/*"],
    ))
    .build()
    .unwrap();
    assert_eq!(spec.assume_actions(), ["sts:AssumeRoleWithWebIdentity"]);
    assert!(spec.caller_policy().is_err());
    assert_role_policies!(spec);
}
