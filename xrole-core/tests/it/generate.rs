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
    assert_equivalent(
        &spec.caller_policy().unwrap(),
        "identity-assume-s3-read-only",
    );
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
        spec.caller_policy().unwrap().to_compact_json(),
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
    assert_equivalent(&spec.caller_policy().unwrap(), "identity-assume-infra-role");
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
    assert_equivalent(
        &spec.caller_policy().unwrap(),
        "identity-assume-admin-same-account",
    );
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
    let caller = spec.caller_policy().unwrap();
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
        "trust policy: no trusted principal declared for arn:aws:iam::222222222222:role/R: name who may assume it (an account root, user or role, or a web identity provider)"
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

#[test]
fn github_actions_trust_is_githubs_documented_one() {
    let trust = WebIdentityTrust::github_actions(
        Partition::Aws,
        "123456123456".parse().unwrap(),
        "octo-org/octo-repo",
        GitHubRef::Branch("octo-branch".into()),
    )
    .unwrap();
    let spec = role("arn:aws:iam::123456123456:role/Deploy")
        .trusted_web_identity(trust)
        .build()
        .unwrap();
    assert_equivalent(&spec.trust_policy().unwrap(), "trust-github-actions");
}

#[test]
fn github_actions_subjects_for_each_kind_of_ref() {
    let sub = |on| {
        WebIdentityTrust::github_actions(
            Partition::Aws,
            "222222222222".parse().unwrap(),
            "acme/api",
            on,
        )
        .unwrap()
        .subjects()
        .to_vec()
    };
    assert_eq!(
        sub(GitHubRef::Branch("release/2.x".into())),
        ["repo:acme/api:ref:refs/heads/release/2.x"]
    );
    assert_eq!(
        sub(GitHubRef::Tag("v1.2.3".into())),
        ["repo:acme/api:ref:refs/tags/v1.2.3"]
    );
    assert_eq!(
        sub(GitHubRef::Environment("production".into())),
        ["repo:acme/api:environment:production"]
    );
    assert_eq!(sub(GitHubRef::PullRequest), ["repo:acme/api:pull_request"]);
}

#[test]
fn github_actions_inputs_that_would_widen_the_subject_are_refused() {
    let account: AccountId = "222222222222".parse().unwrap();
    let gh = |repo: &str, on| WebIdentityTrust::github_actions(Partition::Aws, account, repo, on);
    let main = || GitHubRef::Branch("main".into());
    for (repo, on, expected) in [
        (
            "acme/*",
            main(),
            "GitHub repository: the repository name must be",
        ),
        ("*/api", main(), "GitHub repository: the owner must be"),
        ("acme", main(), "GitHub repository: must be OWNER/REPO"),
        (
            "acme/api",
            GitHubRef::Branch("*".into()),
            "branch: character '*'",
        ),
        (
            "acme/api",
            GitHubRef::Branch("feature/..x".into()),
            "branch: is not a valid git ref",
        ),
        (
            "acme/api",
            GitHubRef::Tag("v1?".into()),
            "tag: character '?'",
        ),
        (
            "acme/api",
            GitHubRef::Environment("prod*".into()),
            "GitHub environment: character '*'",
        ),
        (
            "acme/api",
            GitHubRef::Branch(String::new()),
            "branch: must be 1 to 255",
        ),
    ] {
        let e = gh(repo, on).unwrap_err().to_string();
        assert!(e.starts_with(expected), "{repo}: {e}");
    }
}

#[test]
fn eks_trust_is_the_documented_irsa_one() {
    let trust = WebIdentityTrust::eks(
        Partition::Aws,
        "111122223333".parse().unwrap(),
        "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
        "default",
        "my-service-account",
    )
    .unwrap();
    assert_eq!(
        trust.issuer(),
        "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
    );
    let spec = role("arn:aws:iam::111122223333:role/S3Reader")
        .trusted_web_identity(trust)
        .build()
        .unwrap();
    assert_equivalent(&spec.trust_policy().unwrap(), "trust-eks-irsa");
}

#[test]
fn eks_inputs_are_checked() {
    let account: AccountId = "111122223333".parse().unwrap();
    let issuer = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE1";
    let eks = |issuer: &str, ns: &str, sa: &str| {
        WebIdentityTrust::eks(Partition::Aws, account, issuer, ns, sa)
            .unwrap_err()
            .to_string()
    };
    assert!(
        eks("https://accounts.example.com", "default", "sa")
            .starts_with("EKS OIDC issuer: must be")
    );
    assert!(eks(issuer, "*", "sa").starts_with("Kubernetes namespace: must be"));
    assert!(eks(issuer, "default", "Admin").starts_with("Kubernetes service account: must be"));
    // Without the scheme is the same issuer.
    assert!(WebIdentityTrust::eks(Partition::Aws, account, issuer, "ns", "a.b").is_ok());
}

#[test]
fn web_identity_and_aws_principals_make_one_statement_each() {
    let gh = WebIdentityTrust::github_actions(
        Partition::Aws,
        "222222222222".parse().unwrap(),
        "acme/api",
        GitHubRef::Branch("main".into()),
    )
    .unwrap()
    .or_subject("repo:acme/api:environment:production")
    .unwrap();
    let spec = role("arn:aws:iam::222222222222:role/Deploy")
        .trusted(PrincipalArn::from_static("arn:aws:iam::111111111111:root"))
        .trusted_web_identity(gh)
        .build()
        .unwrap();
    let doc = spec.trust_policy().unwrap();
    assert_eq!(doc.statements().len(), 2);
    let json = doc.to_compact_json();
    assert!(
        json.contains(r#""Action":"sts:AssumeRoleWithWebIdentity""#),
        "{json}"
    );
    assert!(
        json.contains(r#""token.actions.githubusercontent.com:sub":["repo:acme/api:ref:refs/heads/main","repo:acme/api:environment:production"]"#),
        "{json}"
    );
    // The call parameters leave the trust out.
    assert!(spec.call_parameters().web_identities().is_empty());
    // A provider given as a plain trusted principal is explained.
    let e = role("arn:aws:iam::222222222222:role/Deploy")
        .trusted(
            WebIdentityTrust::github_actions_provider(
                Partition::Aws,
                "222222222222".parse().unwrap(),
            )
            .unwrap(),
        )
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("declare it with its exact subject and audience"),
        "{e}"
    );
    // Not a web identity provider.
    let e = WebIdentityTrust::new(
        PrincipalArn::from_static("arn:aws:iam::222222222222:saml-provider/Okta"),
        "x",
        "y",
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("web identity provider:"), "{e}");
}
