//! Every lint fires on the document it targets, with its code and path, and stays
//! quiet on the documented good form; suppressions need a reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use xrole_core::policy::{ConditionOperator, OperatorBase};
use xrole_core::*;
use xrole_test::lint::*;

fn trust_findings(json: &str, config: &LintConfig) -> Vec<String> {
    let doc: PolicyDocument = json.parse().unwrap();
    let mut report = LintReport::default();
    lint_trust_policy(
        &doc,
        Some("222222222222".parse().unwrap()),
        config,
        &mut report,
    );
    report.findings.iter().map(ToString::to_string).collect()
}

fn permission_findings(json: &str) -> Vec<String> {
    let doc: PolicyDocument = json.parse().unwrap();
    let mut report = LintReport::default();
    lint_permission_policy(&doc, Document::Permission, &LintConfig::new(), &mut report);
    report.findings.iter().map(ToString::to_string).collect()
}

fn trust(statement: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
}

#[test]
fn any_principal_trust() {
    let open = trust_findings(
        &trust(r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}"#),
        &LintConfig::new(),
    );
    assert_eq!(open.len(), 1);
    assert!(
        open[0].starts_with(
            "error[XR001] trust policy Statement[0].Principal: any principal in any account"
        ),
        "{}",
        open[0]
    );
    let aws_star = trust_findings(
        &trust(r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}"#),
        &LintConfig::new(),
    );
    assert!(
        aws_star[0].starts_with("error[XR001] trust policy Statement[0].Principal.AWS:"),
        "{aws_star:?}"
    );
    let restricted = trust_findings(
        &trust(
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}}"#,
        ),
        &LintConfig::new(),
    );
    assert!(restricted.is_empty(), "{restricted:?}");
}

#[test]
fn wildcard_account_and_not_principal() {
    let wild = trust_findings(
        &trust(
            r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:root","arn:aws:iam::*:root"]},"Action":"sts:AssumeRole"}"#,
        ),
        &LintConfig::new(),
    );
    assert_eq!(wild.len(), 1, "{wild:?}");
    assert!(wild[0].starts_with("error[XR002] trust policy Statement[0].Principal.AWS[1]: \"arn:aws:iam::*:root\" uses a wildcard"), "{}", wild[0]);
    let not = trust_findings(
        &trust(
            r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"sts:AssumeRole"}"#,
        ),
        &LintConfig::new(),
    );
    assert!(
        not[0].starts_with("error[XR003] trust policy Statement[0].NotPrincipal:"),
        "{not:?}"
    );
}

#[test]
fn third_party_without_external_id() {
    let vendor = trust(
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}"#,
    );
    let found = trust_findings(&vendor, &LintConfig::new());
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("warning[XR004] trust policy Statement[0].Principal.AWS: account 444455556666 is not declared as one of your own"), "{}", found[0]);
    // Declared own account: fine. The role's own account: always fine.
    assert!(
        trust_findings(
            &vendor,
            &LintConfig::new().own_account("444455556666".parse().unwrap())
        )
        .is_empty()
    );
    assert!(
        trust_findings(
            &trust(
                r#"{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sts:AssumeRole"}"#
            ),
            &LintConfig::new()
        )
        .is_empty()
    );
    let with_id = trust(
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x1"}}}"#,
    );
    assert!(trust_findings(&with_id, &LintConfig::new()).is_empty());
}

#[test]
fn service_without_source() {
    let bare = trust_findings(
        &trust(
            r#"{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
        ),
        &LintConfig::new(),
    );
    assert!(bare[0].starts_with("warning[XR005] trust policy Statement[0].Principal.Service: sns.amazonaws.com may assume this role on behalf of any account"), "{bare:?}");
    let guarded = trust_findings(
        &trust(
            r#"{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"222222222222"}}}"#,
        ),
        &LintConfig::new(),
    );
    assert!(guarded.is_empty());
}

#[test]
fn admin_role_without_mfa() {
    let admin = || {
        RoleSpec::builder(RoleArn::from_static(
            "arn:aws:iam::123456789012:role/AdminAccessRole",
        ))
        .trusted(PrincipalArn::from_static(
            "arn:aws:iam::123456789012:user/deepak.dev",
        ))
        .allow(Permission::new(["*"], ["*"]))
    };
    let report = lint_spec(&admin().build().unwrap(), &LintConfig::new());
    let codes: Vec<&str> = report.findings.iter().map(|f| f.lint.code).collect();
    assert_eq!(codes, ["XR006", "XR007", "XR008"], "{report}");
    assert!(report.findings[0].to_string().starts_with("error[XR006] trust policy Statement[0]: arn:aws:iam::123456789012:role/AdminAccessRole can administer its account"));
    let with_mfa = admin()
        .mfa_serial(MfaSerial::from_static(
            "arn:aws:iam::123456789012:mfa/deepak.dev",
        ))
        .build()
        .unwrap();
    let codes: Vec<&str> = lint_spec(&with_mfa, &LintConfig::new())
        .findings
        .iter()
        .map(|f| f.lint.code)
        .collect();
    assert_eq!(codes, ["XR007", "XR008"]);
}

#[test]
fn wildcards_in_permissions() {
    let found = permission_findings(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:*"],"Resource":["arn:aws:s3:::b/*","*"]}]}"#,
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("warning[XR007] permission policy Statement[0].Action[1]: \"s3:*\" grants every action of the service"), "{}", found[0]);
    assert!(
        found[1].starts_with("warning[XR008] permission policy Statement[0].Resource[1]:"),
        "{}",
        found[1]
    );
    // Actions that only take "*" are not flagged.
    assert!(permission_findings(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}"#).is_empty());
    assert!(permission_findings(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::my-shared-bucket/*"}]}"#).is_empty());
    let not_action = permission_findings(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"arn:aws:s3:::b"}]}"#,
    );
    assert!(
        not_action[0].starts_with("warning[XR007] permission policy Statement[0].NotAction:"),
        "{not_action:?}"
    );
}

#[test]
fn mfa_conditions_that_never_match() {
    let deny = permission_findings(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
    );
    assert_eq!(deny.len(), 1, "{deny:?}");
    assert!(deny[0].starts_with(r#"error[XR009] permission policy Statement[0].Condition.Bool["aws:MultiFactorAuthPresent"]: long-term credentials carry no aws:MultiFactorAuthPresent key"#), "{}", deny[0]);
    let fixed = permission_findings(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
    );
    assert!(fixed.is_empty(), "{fixed:?}");
    let age = permission_findings(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NumericGreaterThan":{"aws:MultiFactorAuthAge":"3600"}}}]}"#,
    );
    assert!(age[0].starts_with("error[XR009]"), "{age:?}");
    let string_op = trust_findings(
        &trust(
            r#"{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:MultiFactorAuthPresent":"True"}}}"#,
        ),
        &LintConfig::new(),
    );
    assert!(string_op[0].starts_with("error[XR009]"), "{string_op:?}");
}

#[test]
fn chained_duration_over_an_hour() {
    let spec = RoleSpec::builder(RoleArn::from_static("arn:aws:iam::222222222222:role/R"))
        .duration("2h".parse().unwrap())
        .chained(true);
    // The builder rejects it; a declaration can still say it (a `const` is not
    // validated), and the lint says so.
    assert!(spec.clone().build().is_err());
    let declared = spec.spec().clone();
    let report = lint_spec(&declared, &LintConfig::new());
    assert_eq!(report.findings.len(), 1);
    assert_eq!(
        report.findings[0].to_string(),
        "error[XR010] role spec duration: a chained session (a role assumed with another role's credentials) lasts at most 1h (3600 s), but 2h is declared; STS rejects the call"
    );
}

#[test]
fn suppressions_need_a_reason_and_are_reported() {
    assert_eq!(
        Suppression::new("XR005", "  ").unwrap_err().to_string(),
        "suppressing XR005 needs a reason: say why the finding does not apply"
    );
    assert!(matches!(
        Suppression::new("XR999", "x"),
        Err(SuppressionError::UnknownCode { .. })
    ));
    let spec = RoleSpec::builder(RoleArn::from_static(
        "arn:aws:iam::222222222222:role/Ec2App",
    ))
    .trusted(PrincipalArn::from_static("ec2.amazonaws.com"))
    .allow(
        Permission::new(["s3:GetObject"], ["arn:aws:s3:::b/*"]).condition(
            ConditionOperator::new(OperatorBase::StringEquals),
            "s3:ExistingObjectTag/public",
            ["yes"],
        ),
    )
    .build()
    .unwrap();
    let config = LintConfig::new().suppress(
        Suppression::new("XR005", "EC2 instance roles cannot carry aws:SourceArn")
            .unwrap()
            .at("Statement[0].Principal.Service"),
    );
    let report = lint_spec(&spec, &config);
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.suppressed.len(), 1);
    assert_eq!(
        report.suppressed[0].1,
        "EC2 instance roles cannot carry aws:SourceArn"
    );
    assert!(
        report
            .to_string()
            .starts_with("suppressed: warning[XR005] trust policy Statement[0].Principal.Service:")
    );
    // A suppression for another path does not cover it.
    let elsewhere = LintConfig::new().suppress(
        Suppression::new("XR005", "reason")
            .unwrap()
            .at("Statement[1]"),
    );
    assert!(!lint_spec(&spec, &elsewhere).is_clean());
}

#[test]
fn every_lint_has_a_unique_code() {
    let mut codes: Vec<&str> = ALL.iter().map(|l| l.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), ALL.len());
    assert_eq!(
        codes,
        [
            "XR001", "XR002", "XR003", "XR004", "XR005", "XR006", "XR007", "XR008", "XR009",
            "XR010", "XR011", "XR012", "XR013", "XR014", "XR015", "XR016", "XR017", "XR018",
            "XR019", "XR020"
        ]
    );
}

fn org_findings(json: &str, rcp: bool) -> Vec<String> {
    let doc: PolicyDocument = json.parse().unwrap();
    let mut report = LintReport::default();
    if rcp {
        lint_rcp(&doc, &LintConfig::new(), &mut report);
    } else {
        lint_scp(&doc, &LintConfig::new(), &mut report);
    }
    report.findings.iter().map(ToString::to_string).collect()
}

#[test]
fn service_control_policies() {
    let findings = org_findings(
        &trust(
            r#"{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"},
               {"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#,
        ),
        false,
    );
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(
        findings[0].starts_with(
            "error[XR011] service control policy Statement[0].Principal: an SCP governs"
        ),
        "{findings:?}"
    );
    assert!(
        findings[1].starts_with(
            "warning[XR014] service control policy Statement[1].NotAction: NotAction with Allow"
        ),
        "{findings:?}"
    );
    // The guide's own examples are clean.
    let clean = org_findings(
        &trust(
            r#"{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"},
                  {"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}}"#,
        ),
        false,
    );
    assert!(clean.is_empty(), "{clean:?}");
    // Over Organizations' 5120 characters.
    let actions: Vec<String> = (0..400).map(|i| format!("\"s3:Action{i:04}\"")).collect();
    let big = org_findings(
        &trust(&format!(
            r#"{{"Effect":"Deny","Action":[{}],"Resource":"*"}}"#,
            actions.join(",")
        )),
        false,
    );
    assert!(
        big.iter()
            .any(|f| f.starts_with("error[XR015] service control policy: ")
                && f.contains("over the 5120 Organizations accepts")),
        "{big:?}"
    );
}

#[test]
fn resource_control_policies() {
    let findings = org_findings(
        &trust(
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},
               {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":["s3:GetObject","ec2:RunInstances"],"Resource":"*"},
               {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Resource":"*"}"#,
        ),
        true,
    );
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| &f[..f.find(']').unwrap() + 1])
        .collect();
    assert_eq!(
        codes,
        [
            "error[XR016]",
            "error[XR012]",
            "error[XR013]",
            "error[XR012]"
        ],
        "{findings:#?}"
    );
    assert!(
        findings[2].contains("Statement[1].Action[1]: RCPs govern only s3, sts,"),
        "{findings:?}"
    );
    // The guide's data-perimeter RCP is clean.
    let clean = org_findings(
        &trust(
            r#"{"Effect":"Deny","Principal":"*","Action":["s3:*","sts:AssumeRole","kms:*"],"Resource":"*",
                   "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}"#,
        ),
        true,
    );
    assert!(clean.is_empty(), "{clean:?}");
}

/// A web identity trust statement for `provider` with `condition`.
fn oidc_trust(provider: &str, condition: &str) -> String {
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!(r#","Condition":{condition}"#)
    };
    trust(&format!(
        r#"{{"Effect":"Allow","Principal":{{"Federated":"{provider}"}},"Action":"sts:AssumeRoleWithWebIdentity"{condition}}}"#
    ))
}

const GITHUB: &str = "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com";
const EKS: &str =
    "arn:aws:iam::222222222222:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/5C6A1B2C3D";

/// The codes a trust draws, sorted.
fn codes(json: &str) -> Vec<String> {
    let mut codes: Vec<String> = trust_findings(json, &LintConfig::new())
        .iter()
        .map(|f| f[f.find('[').unwrap() + 1..f.find(']').unwrap()].to_owned())
        .collect();
    codes.sort();
    codes
}

/// A corpus of web identity trusts, GitHub's and EKS's: exact subjects pass;
/// wildcards that span repositories, organizations or service accounts, missing
/// `sub` or `aud`, and `StringLike` without a wildcard are each found.
#[test]
fn web_identity_trusts() {
    let gh = |sub_op: &str, sub: &str| {
        let aud = r#""token.actions.githubusercontent.com:aud":"sts.amazonaws.com""#;
        let sub = format!(r#""token.actions.githubusercontent.com:sub":{sub}"#);
        let condition = if sub_op == "StringEquals" {
            format!(r#"{{"StringEquals":{{{aud},{sub}}}}}"#)
        } else {
            format!(r#"{{"StringEquals":{{{aud}}},"{sub_op}":{{{sub}}}}}"#)
        };
        oidc_trust(GITHUB, &condition)
    };
    let corpus: Vec<(String, Vec<&str>)> = vec![
        // Exact subjects: one repository and branch, environment, or pull requests.
        (
            gh("StringEquals", r#""repo:acme/api:ref:refs/heads/main""#),
            vec![],
        ),
        (
            gh(
                "StringEquals",
                r#"["repo:acme/api:environment:prod","repo:acme/api:pull_request"]"#,
            ),
            vec![],
        ),
        // Any ref of one repository: a wildcard inside one repository is allowed.
        (gh("StringLike", r#""repo:acme/api:*""#), vec![]),
        (
            gh("StringLike", r#""repo:acme/api:ref:refs/tags/v*""#),
            vec![],
        ),
        // Wildcards that span repositories.
        (gh("StringLike", r#""repo:acme/*""#), vec!["XR018"]),
        (gh("StringLike", r#""repo:*""#), vec!["XR018"]),
        (gh("StringLike", r#""*""#), vec!["XR018"]),
        (gh("StringLike", r#""repo:acme/api*""#), vec!["XR018"]),
        (
            gh(
                "StringLike",
                r#"["repo:acme/api:ref:refs/heads/main","repo:acme/*"]"#,
            ),
            vec!["XR018"],
        ),
        // StringLike without a wildcard.
        (
            gh("StringLike", r#""repo:acme/api:ref:refs/heads/main""#),
            vec!["XR020"],
        ),
        // A wildcard under StringEquals is a literal: not a span (and never matches).
        (gh("StringEquals", r#""repo:acme/*""#), vec![]),
        // No sub, no aud, neither.
        (
            oidc_trust(
                GITHUB,
                r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#,
            ),
            vec!["XR017"],
        ),
        (
            oidc_trust(
                GITHUB,
                r#"{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/api:ref:refs/heads/main"}}"#,
            ),
            vec!["XR019"],
        ),
        (oidc_trust(GITHUB, ""), vec!["XR017", "XR019"]),
        // A condition on another provider's keys does not count.
        (
            oidc_trust(
                GITHUB,
                r#"{"StringEquals":{"other.example.com:sub":"x","other.example.com:aud":"y"}}"#,
            ),
            vec!["XR017", "XR019"],
        ),
        // EKS IRSA.
        (
            oidc_trust(
                EKS,
                r#"{"StringEquals":{"oidc.eks.eu-west-1.amazonaws.com/id/5C6A1B2C3D:sub":"system:serviceaccount:payments:api","oidc.eks.eu-west-1.amazonaws.com/id/5C6A1B2C3D:aud":"sts.amazonaws.com"}}"#,
            ),
            vec![],
        ),
        (
            oidc_trust(
                EKS,
                r#"{"StringEquals":{"oidc.eks.eu-west-1.amazonaws.com/id/5C6A1B2C3D:aud":"sts.amazonaws.com"},"StringLike":{"oidc.eks.eu-west-1.amazonaws.com/id/5C6A1B2C3D:sub":"system:serviceaccount:*"}}"#,
            ),
            vec!["XR018"],
        ),
        (
            oidc_trust(
                EKS,
                r#"{"StringEquals":{"oidc.eks.eu-west-1.amazonaws.com/id/5C6A1B2C3D:aud":"sts.amazonaws.com"},"StringLike":{"oidc.eks.eu-west-1.amazonaws.com/id/5C6A1B2C3D:sub":"system:serviceaccount:payments:*"}}"#,
            ),
            vec!["XR018"],
        ),
        // Another issuer: only a wildcard-only subject is known to span everyone.
        (
            oidc_trust(
                "cognito-identity.amazonaws.com",
                r#"{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:12345678-aaaa-bbbb-cccc-123456789012"},"StringLike":{"cognito-identity.amazonaws.com:sub":"*"}}"#,
            ),
            vec!["XR018"],
        ),
        (
            oidc_trust(
                "arn:aws:iam::222222222222:oidc-provider/auth.example.com/tenant",
                r#"{"StringEquals":{"auth.example.com/tenant:aud":"client-1"},"StringLike":{"auth.example.com/tenant:sub":"user-*"}}"#,
            ),
            vec![],
        ),
        // Conditions that name sub but admit a stranger's subject (the evaluator
        // decides, not the key): a negation, IfExists on a claim every token has.
        (
            gh("StringNotEquals", r#""repo:evil/x:ref:refs/heads/main""#),
            vec!["XR017"],
        ),
        (gh("StringNotLike", r#""repo:evil/*""#), vec!["XR017"]),
        // A deny of the same document that closes a wide pattern: not too wide.
        (
            trust(
                r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}},{"Effect":"Deny","Principal":{"Federated":"arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringNotLike":{"token.actions.githubusercontent.com:sub":"repo:acme/api:*"}}}"#,
            ),
            vec![],
        ),
        // SAML providers are not web identity: none of these lints.
        (
            oidc_trust("arn:aws:iam::222222222222:saml-provider/Okta", ""),
            vec![],
        ),
    ];
    for (json, want) in corpus {
        assert_eq!(codes(&json), want, "{json}");
    }
}

#[test]
fn web_identity_findings_say_where_and_how_to_mend() {
    let wide = oidc_trust(
        GITHUB,
        r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}"#,
    );
    let findings = trust_findings(&wide, &LintConfig::new());
    assert_eq!(
        findings,
        [
            "warning[XR019] trust policy Statement[0].Principal.Federated: tokens token.actions.githubusercontent.com issued for any audience are accepted; add StringEquals token.actions.githubusercontent.com:aud with \"sts.amazonaws.com\"",
            "error[XR018] trust policy Statement[0].Condition.StringLike[\"token.actions.githubusercontent.com:sub\"]: \"repo:acme/*\" admits workflows of every repository of acme; name the one identity meant with StringEquals, e.g. \"repo:OWNER/REPO:ref:refs/heads/main\"",
        ]
    );
    let missing = trust_findings(&oidc_trust(EKS, ""), &LintConfig::new());
    assert!(
        missing[0].contains("error[XR017]")
            && missing[0].contains("add StringEquals oidc.eks.eu-west-1.amazonaws.com/id/5C6A1B2C3D:sub with \"system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT\""),
        "{missing:?}"
    );
    // A finding can be suppressed, with its reason.
    let config = LintConfig::new()
        .suppress(Suppression::new("XR019", "the provider has one client id").unwrap());
    assert_eq!(trust_findings(&wide, &config).len(), 1);
}

/// XR001 decides by what a condition admits, not by the key it names: each open
/// trust below lints as open, its safe counterpart clean, and the evaluator
/// agrees on each with a concrete stranger (an account the trust never names).
#[test]
fn open_trust_corpus() {
    use xrole_test::eval::{
        AssumeRoleCall, Caller, CompiledPolicy, Context, Decision, PolicySet, evaluate_assume_role,
    };
    let role = RoleArn::from_static("arn:aws:iam::222222222222:role/Deploy");
    let user = || {
        Caller::new(PrincipalArn::from_static(
            "arn:aws:iam::999999999999:user/eve",
        ))
    };
    let session = |name: &str| {
        let role = RoleArn::new(Partition::Aws, "999999999999".parse().unwrap(), name).unwrap();
        Caller::new(role.session_arn("sess").unwrap()).with_role(role)
    };
    let any = |condition: &str| {
        trust(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"sts:AssumeRole","Condition":{condition}}}"#
        ))
    };
    let foreign_org = Context::new()
        .with("aws:PrincipalOrgID", "o-stranger01")
        .with(
            "aws:PrincipalOrgPaths",
            vec!["o-stranger01/r-ab12/ou-ab12-11111111/"],
        );
    // (trust, open?, the stranger, its context)
    let corpus: Vec<(String, bool, Caller, Context)> = vec![
        (
            any(r#"{"StringNotEquals":{"aws:PrincipalAccount":"222222222222"}}"#),
            true,
            user(),
            Context::new(),
        ),
        (
            any(r#"{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}"#),
            true,
            user(),
            Context::new(),
        ),
        (
            any(r#"{"StringLike":{"aws:PrincipalAccount":"*"}}"#),
            true,
            user(),
            Context::new(),
        ),
        (
            any(r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/deploy-*"}}"#),
            true,
            session("deploy-eve"),
            Context::new(),
        ),
        (
            any(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/deploy-*"}}"#),
            true,
            session("deploy-eve"),
            Context::new(),
        ),
        (
            any(r#"{"StringLike":{"aws:PrincipalOrgID":"o-*"}}"#),
            true,
            user(),
            foreign_org.clone(),
        ),
        // An ExternalId is no identity: whoever knows it is let in.
        (
            any(r#"{"StringEquals":{"sts:ExternalId":"shared-id"}}"#),
            true,
            user(),
            Context::new().with("sts:ExternalId", "shared-id"),
        ),
        // The safe counterparts.
        (
            any(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}"#),
            false,
            user(),
            foreign_org.clone(),
        ),
        (
            any(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}"#),
            false,
            user(),
            Context::new(),
        ),
        (
            any(r#"{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::333333333333:role/deploy"}}"#),
            false,
            session("deploy"),
            Context::new(),
        ),
        (
            any(r#"{"StringEquals":{"aws:PrincipalAccount":"333333333333"}}"#),
            false,
            user(),
            Context::new(),
        ),
        (
            any(r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::333333333333:role/deploy-*"}}"#),
            false,
            session("deploy-eve"),
            Context::new(),
        ),
        // A deny elsewhere in the document closes the statement.
        (
            trust(
                r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}"#,
            ),
            false,
            user(),
            foreign_org,
        ),
    ];
    for (json, open, stranger, context) in corpus {
        let findings = trust_findings(&json, &LintConfig::new());
        let xr001 = findings.iter().any(|f| f.starts_with("error[XR001]"));
        assert_eq!(xr001, open, "{json}: {findings:?}");
        // The evaluator, asked directly, agrees.
        let doc: PolicyDocument = json.parse().unwrap();
        let policies = PolicySet {
            resource: Some(CompiledPolicy::new("trust", &doc, PolicyKind::Trust).unwrap()),
            identity: vec![
                CompiledPolicy::new(
                    "stranger's own",
                    &r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#
                        .parse()
                        .unwrap(),
                    PolicyKind::Identity,
                )
                .unwrap(),
            ],
            ..PolicySet::default()
        };
        let mut call = AssumeRoleCall::new(stranger, role.clone(), "sess", 1_700_000_000);
        if let Some(id) = context.get("sts:ExternalId").and_then(|v| v.single()) {
            call = call.external_id(id);
        }
        let decision = evaluate_assume_role(&call.context(&context), &policies);
        assert_eq!(
            decision.decision == Decision::Allowed,
            open,
            "{json}: {decision:?}"
        );
    }
    // The finding says whom the evaluator let in.
    let findings = trust_findings(
        &any(r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/deploy-*"}}"#),
        &LintConfig::new(),
    );
    assert_eq!(
        findings,
        [
            "error[XR001] trust policy Statement[0].Principal.AWS: any principal in any account may assume this role: its conditions admit a session of role deploy-xrole-lint of account 999999999999, which no policy names, outside any organization; name the trusted principals, or restrict with StringEquals aws:PrincipalOrgID, StringEquals aws:PrincipalAccount or ArnEquals aws:PrincipalArn on exact values"
        ]
    );
}

/// XR004 asks the evaluator whether the third party gets in without the agreed
/// ExternalId: a condition that any id satisfies, or that an absent id passes,
/// is no protection.
#[test]
fn external_id_decided_by_what_it_admits() {
    let vendor = |condition: &str| {
        trust(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:root"}},"Action":"sts:AssumeRole","Condition":{condition}}}"#
        ))
    };
    for (condition, flagged) in [
        (r#"{"StringLike":{"sts:ExternalId":"*"}}"#, true),
        (r#"{"StringEqualsIfExists":{"sts:ExternalId":"x1"}}"#, true),
        (r#"{"Null":{"sts:ExternalId":"false"}}"#, true),
        (r#"{"StringNotEquals":{"sts:ExternalId":"x1"}}"#, true),
        (r#"{"StringEquals":{"sts:ExternalId":"x1"}}"#, false),
        (r#"{"StringEquals":{"sts:ExternalId":["x1","x2"]}}"#, false),
        // MFA is the caller's to send: it does not stand in for an ExternalId.
        (r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#, true),
    ] {
        let found = trust_findings(&vendor(condition), &LintConfig::new());
        assert_eq!(
            found.iter().any(|f| f.starts_with("warning[XR004]")),
            flagged,
            "{condition}: {found:?}"
        );
    }
}

/// The README shows the lint table rendered from the lints themselves.
#[test]
fn the_readme_shows_the_lint_table() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let table = markdown_table();
    assert!(
        readme.contains(&table),
        "README.md's lint table differs from xrole_test::lint::markdown_table():\n{table}"
    );
}
