//! The generated documents equal, statement for statement, the ones the IAM user
//! guide and the tutorials (shared/seeds) show for the same setups.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::path::Path;

use xrole_core::*;

fn fixture(name: &str) -> PolicyDocument {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/iam/{name}.json"));
    std::fs::read_to_string(&path).unwrap().parse().unwrap()
}

fn assert_equivalent(generated: &PolicyDocument, fixture_name: &str) {
    let expected = fixture(fixture_name);
    assert!(
        generated.equivalent(&expected),
        "generated differs from {fixture_name}:\n{}\nexpected:\n{}",
        generated.to_canonical_json(),
        expected.to_canonical_json()
    );
}

fn role(arn: &'static str) -> RoleSpecBuilder {
    RoleSpec::builder(RoleArn::from_static(arn))
}

#[test]
fn cross_account_with_account_root() {
    let spec = role("arn:aws:iam::222222222222:role/CrossAccountS3ReadOnly")
        .trusted(PrincipalArn::from_static("arn:aws:iam::111111111111:root"))
        .allow(Permission::new(
            ["s3:GetObject"],
            ["arn:aws:s3:::my-shared-bucket/*"],
        ))
        .build()
        .unwrap();
    assert_equivalent(&spec.trust_policy().unwrap(), "trust-account-root");
    assert_equivalent(
        &spec.permission_policy().unwrap(),
        "identity-s3-get-object-lists",
    );
    assert_equivalent(&spec.caller_policy(), "identity-assume-s3-read-only");
    // One value is written as a string, as the user guide writes it.
    assert_eq!(
        spec.permission_policy().unwrap().to_compact_json(),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::my-shared-bucket/*"}]}"#
    );
}

#[test]
fn cross_account_with_a_named_user() {
    let spec = role("arn:aws:iam::222222222222:role/CrossAccountAccessRole")
        .trusted(PrincipalArn::from_static(
            "arn:aws:iam::111111111111:user/crossAccountUser",
        ))
        .allow(Permission::new(["s3:ListAllMyBuckets"], ["*"]))
        .build()
        .unwrap();
    assert_equivalent(&spec.trust_policy().unwrap(), "trust-named-user");
    assert_equivalent(
        &spec.permission_policy().unwrap(),
        "identity-list-all-buckets",
    );
    assert_eq!(
        spec.caller_policy().to_compact_json(),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/CrossAccountAccessRole"}]}"#
    );
}

#[test]
fn infrastructure_account_to_development_account() {
    let spec = role("arn:aws:iam::222222222222:role/InfraAssumeRole")
        .trusted(PrincipalArn::from_static("arn:aws:iam::111111111111:root"))
        .build()
        .unwrap();
    assert_equivalent(&spec.trust_policy().unwrap(), "trust-account-root");
    assert_equivalent(&spec.caller_policy(), "identity-assume-infra-role");
}

#[test]
fn third_party_with_external_id() {
    let spec = role("arn:aws:iam::222222222222:role/VendorRole")
        .trusted(PrincipalArn::from_static("arn:aws:iam::111111111111:root"))
        .external_id(ExternalId::from_static("my-secret-external-id-1234"))
        .build()
        .unwrap();
    assert_equivalent(&spec.trust_policy().unwrap(), "trust-external-id");
}

#[test]
fn same_account_with_mfa() {
    let spec = role("arn:aws:iam::123456789012:role/AdminAccessRole")
        .trusted(PrincipalArn::from_static(
            "arn:aws:iam::123456789012:user/deepak.dev",
        ))
        .mfa_serial(MfaSerial::from_static(
            "arn:aws:iam::123456789012:mfa/deepak.dev",
        ))
        .allow(Permission::new(["*"], ["*"]))
        .build()
        .unwrap();
    assert_equivalent(&spec.trust_policy().unwrap(), "trust-same-account-mfa");
    assert_equivalent(&spec.permission_policy().unwrap(), "identity-admin");
    assert_equivalent(&spec.caller_policy(), "identity-assume-admin-same-account");
}

#[test]
fn same_account_without_mfa() {
    let spec = role("arn:aws:iam::123456789012:role/AdminAccessRole")
        .trusted(PrincipalArn::from_static(
            "arn:aws:iam::123456789012:user/deepak.dev",
        ))
        .build()
        .unwrap();
    assert_equivalent(&spec.trust_policy().unwrap(), "trust-same-account-user");
}

#[test]
fn tags_and_source_identity_add_their_actions_on_both_sides() {
    let spec = role("arn:aws:iam::222222222222:role/access-tagged")
        .trusted(PrincipalArn::from_static(
            "arn:aws:iam::111111111111:role/ci/Deployer",
        ))
        .tags(SessionTags::new(vec![SessionTag::new("Project", "Unicorn").unwrap()]).unwrap())
        .transitive_tag_keys(TransitiveTagKeys::new(["Project"]).unwrap())
        .source_identity(SourceIdentity::from_static("alice"))
        .external_id(ExternalId::from_static("ext-42"))
        .mfa_serial(MfaSerial::from_static("GAHT12345678"))
        .build()
        .unwrap();
    assert_eq!(
        spec.trust_policy().unwrap().to_canonical_json(),
        r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "AWS": "arn:aws:iam::111111111111:role/ci/Deployer"
      },
      "Action": [
        "sts:AssumeRole",
        "sts:TagSession",
        "sts:SetSourceIdentity"
      ],
      "Condition": {
        "StringEquals": {
          "sts:ExternalId": "ext-42"
        },
        "Bool": {
          "aws:MultiFactorAuthPresent": "true"
        }
      }
    }
  ]
}"#
    );
    let caller = spec.caller_policy();
    assert_eq!(
        caller.statements()[0].action.as_ref().unwrap().as_slice(),
        ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]
    );
    spec.trust_policy()
        .unwrap()
        .validate(PolicyKind::Trust)
        .unwrap();
    caller.validate(PolicyKind::Identity).unwrap();
}

#[test]
fn several_principals_and_services() {
    let spec = role("arn:aws:iam::222222222222:role/Shared")
        .trusted(PrincipalArn::from_static("arn:aws:iam::111111111111:root"))
        .trusted(PrincipalArn::from_static(
            "arn:aws:iam::444455556666:user/Bob",
        ))
        .trusted(PrincipalArn::from_static("ec2.amazonaws.com"))
        .build()
        .unwrap();
    assert_eq!(
        spec.trust_policy().unwrap().to_compact_json(),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::444455556666:user/Bob"],"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
    );
}

#[test]
fn permissions_with_conditions() {
    use xrole_core::policy::{ConditionOperator, OperatorBase};
    let spec = role("arn:aws:iam::222222222222:role/Reader")
        .allow(
            Permission::new(["s3:ListBucket"], ["arn:aws:s3:::b"]).condition(
                ConditionOperator::new(OperatorBase::StringLike),
                "s3:prefix",
                ["home/", "home/*"],
            ),
        )
        .allow(Permission::new(
            ["s3:GetObject", "s3:PutObject"],
            ["arn:aws:s3:::b/home/*"],
        ))
        .build()
        .unwrap();
    assert_eq!(
        spec.permission_policy().unwrap().to_compact_json(),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":["home/","home/*"]}}},{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/home/*"}]}"#
    );
}

#[test]
fn missing_declarations_are_explained() {
    let spec = role("arn:aws:iam::222222222222:role/R").build().unwrap();
    assert_eq!(
        spec.trust_policy().unwrap_err().to_string(),
        "trust policy: no trusted principal declared for arn:aws:iam::222222222222:role/R: name who may assume it (an account root, user or role)"
    );
    assert_eq!(
        spec.permission_policy().unwrap_err().to_string(),
        "permission policy: no permission declared for arn:aws:iam::222222222222:role/R: name the actions and resources the code needs"
    );
    let err = role("arn:aws:iam::222222222222:role/R")
        .trusted(PrincipalArn::from_static("accounts.google.com"))
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("accounts.google.com is an identity provider"),
        "{err}"
    );
}

#[test]
fn switch_role_links() {
    let plain = SwitchRoleLink::new(&RoleArn::from_static(
        "arn:aws:iam::123456789012:role/AdminAccessRole",
    ));
    assert_eq!(
        plain.url().unwrap(),
        "https://signin.aws.amazon.com/switchrole?roleName=AdminAccessRole&account=123456789012"
    );
    let with_path = SwitchRoleLink::new(&RoleArn::from_static(
        "arn:aws:iam::222222222222:role/division_abc/subdivision_efg/InfraAssumeRole",
    ))
    .display_name("Infra → Dev & ops")
    .unwrap()
    .color(ConsoleColor::Green);
    assert_eq!(
        with_path.url().unwrap(),
        "https://signin.aws.amazon.com/switchrole?roleName=division_abc%2Fsubdivision_efg%2FInfraAssumeRole&account=222222222222&displayName=Infra+%E2%86%92+Dev+%26+ops&color=B7CA9D"
    );
    let china = SwitchRoleLink::new(&RoleArn::from_static("arn:aws-cn:iam::123456789012:role/R"));
    assert!(
        china
            .url()
            .unwrap()
            .starts_with("https://signin.amazonaws.cn/switchrole?")
    );
    let isolated = SwitchRoleLink::new(&RoleArn::from_static(
        "arn:aws-iso:iam::123456789012:role/R",
    ));
    assert_eq!(
        isolated.url().unwrap_err().to_string(),
        "switch-role link: the aws-iso partition has no public console"
    );
    assert!(plain.clone().display_name("").is_err());
    assert!(plain.display_name("x".repeat(65)).is_err());
}
