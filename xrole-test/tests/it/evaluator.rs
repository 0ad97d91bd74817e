//! Conformance of the evaluator with the cases the AWS documentation spells out:
//! cross-account and same-account AssumeRole, ExternalId, MFA, session tags,
//! NotPrincipal, variables, and each condition operator family.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use proptest::prelude::*;
use xrole_core::policy::PolicyKind;
use xrole_core::{PolicyDocument, SessionTag, SourceIdentity};
use xrole_test::eval::*;

const ALICE: &str = "arn:aws:iam::111111111111:user/crossAccountUser";
const ROLE: &str = "arn:aws:iam::222222222222:role/CrossAccountAccessRole";

fn compile(label: &str, json: &str, kind: PolicyKind) -> CompiledPolicy {
    let doc: PolicyDocument = json.parse().unwrap();
    CompiledPolicy::new(label, &doc, kind).unwrap()
}

fn trust(json: &str) -> CompiledPolicy {
    compile("trust policy", json, PolicyKind::Trust)
}

fn identity(json: &str) -> CompiledPolicy {
    compile("identity policy", json, PolicyKind::Identity)
}

fn trust_of(principal: &str, condition: &str) -> CompiledPolicy {
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!(r#","Condition":{condition}"#)
    };
    trust(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"sts:AssumeRole"{condition}}}]}}"#
    ))
}

fn allow_assume(resource: &str) -> CompiledPolicy {
    identity(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{resource}"}}]}}"#
    ))
}

fn assume(principal: &str, role: &str) -> Request {
    Request::new(
        Caller::new(principal.parse().unwrap()),
        "sts:AssumeRole",
        role,
    )
}

fn set(identity: Vec<CompiledPolicy>, resource: Option<CompiledPolicy>) -> PolicySet {
    PolicySet {
        identity,
        resource,
        ..PolicySet::default()
    }
}

fn decide(request: &Request, policies: &PolicySet) -> Decision {
    evaluate(request, policies).decision
}

fn messages(e: &Evaluation) -> Vec<String> {
    e.explanation.iter().map(ToString::to_string).collect()
}

#[test]
fn cross_account_needs_both_sides() {
    let request = assume(ALICE, ROLE);
    let both = set(
        vec![allow_assume(ROLE)],
        Some(trust_of("arn:aws:iam::111111111111:root", "")),
    );
    let e = evaluate(&request, &both);
    assert_eq!(e.decision, Decision::Allowed, "{e}");
    assert_eq!(
        messages(&e),
        [
            "trust policy Statement[0] allows the caller's account, which must also allow it in an identity policy",
            "identity policy Statement[0] allows",
        ]
    );

    let no_identity = set(vec![], Some(trust_of("arn:aws:iam::111111111111:root", "")));
    let e = evaluate(&request, &no_identity);
    assert_eq!(e.decision, Decision::ImplicitlyDenied);
    assert_eq!(
        messages(&e).last().unwrap(),
        "no identity policies allow the request"
    );

    let identity_elsewhere = set(
        vec![allow_assume("arn:aws:iam::222222222222:role/Other")],
        Some(trust_of("arn:aws:iam::111111111111:root", "")),
    );
    let e = evaluate(&request, &identity_elsewhere);
    assert_eq!(e.decision, Decision::ImplicitlyDenied);
    assert_eq!(
        messages(&e).last().unwrap(),
        "identity policy has no statement that allows the request"
    );

    let wrong_account = set(
        vec![allow_assume(ROLE)],
        Some(trust_of("arn:aws:iam::333333333333:root", "")),
    );
    let e = evaluate(&request, &wrong_account);
    assert_eq!(e.decision, Decision::ImplicitlyDenied);
    assert_eq!(
        messages(&e)[0],
        "trust policy has no statement that allows the request"
    );

    // The bare account id means the same as :root.
    let bare = set(vec![allow_assume(ROLE)], Some(trust_of("111111111111", "")));
    assert_eq!(decide(&request, &bare), Decision::Allowed);
    // A role in another account is never assumable without its trust policy.
    assert_eq!(
        decide(&request, &set(vec![allow_assume(ROLE)], None)),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn cross_account_named_user() {
    let policies = set(vec![allow_assume(ROLE)], Some(trust_of(ALICE, "")));
    assert_eq!(decide(&assume(ALICE, ROLE), &policies), Decision::Allowed);
    assert_eq!(
        decide(
            &assume("arn:aws:iam::111111111111:user/mallory", ROLE),
            &policies
        ),
        Decision::ImplicitlyDenied
    );
    // Naming the user does not waive the identity side across accounts.
    let trust_only = set(vec![], Some(trust_of(ALICE, "")));
    assert_eq!(
        decide(&assume(ALICE, ROLE), &trust_only),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn same_account_direct_principal_suffices_account_principal_does_not() {
    let user = "arn:aws:iam::123456789012:user/deepak.dev";
    let role = "arn:aws:iam::123456789012:role/AdminAccessRole";
    let direct = set(vec![], Some(trust_of(user, "")));
    let e = evaluate(&assume(user, role), &direct);
    assert_eq!(e.decision, Decision::Allowed, "{e}");
    assert_eq!(messages(&e), ["trust policy Statement[0] allows"]);

    for account in ["arn:aws:iam::123456789012:root", "123456789012"] {
        let through_account = set(vec![], Some(trust_of(account, "")));
        let e = evaluate(&assume(user, role), &through_account);
        assert_eq!(e.decision, Decision::ImplicitlyDenied, "{account}");
        assert!(
            messages(&e)[0].contains("allows the caller's account, which must also allow it"),
            "{e}"
        );
        let with_identity = set(vec![allow_assume(role)], Some(trust_of(account, "")));
        assert_eq!(
            decide(&assume(user, role), &with_identity),
            Decision::Allowed
        );
    }
    // Even in the same account, a role's trust policy must allow.
    let no_trust_statement = set(
        vec![allow_assume(role)],
        Some(trust_of("arn:aws:iam::123456789012:user/other", "")),
    );
    assert_eq!(
        decide(&assume(user, role), &no_trust_statement),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn external_id_confused_deputy() {
    let policies = set(
        vec![allow_assume(ROLE)],
        Some(trust_of(
            "arn:aws:iam::111111111111:root",
            r#"{"StringEquals":{"sts:ExternalId":"my-secret-external-id-1234"}}"#,
        )),
    );
    let right = assume(ALICE, ROLE).with("sts:ExternalId", "my-secret-external-id-1234");
    assert_eq!(decide(&right, &policies), Decision::Allowed);
    for request in [
        assume(ALICE, ROLE).with("sts:ExternalId", "guess"),
        assume(ALICE, ROLE),
    ] {
        let e = evaluate(&request, &policies);
        assert_eq!(e.decision, Decision::ImplicitlyDenied);
        assert_eq!(
            messages(&e)[0],
            "trust policy Statement[0] would allow, but its condition StringEquals on sts:ExternalId does not hold"
        );
        assert_eq!(
            e.explanation[0].finding,
            Finding::ConditionFailed {
                operator: "StringEquals".into(),
                key: "sts:ExternalId".into()
            }
        );
    }
    // Values of StringEquals are case-sensitive; keys are not.
    assert_eq!(
        decide(
            &assume(ALICE, ROLE).with("STS:EXTERNALID", "MY-SECRET-EXTERNAL-ID-1234"),
            &policies
        ),
        Decision::ImplicitlyDenied
    );
    assert_eq!(
        decide(
            &assume(ALICE, ROLE).with("STS:EXTERNALID", "my-secret-external-id-1234"),
            &policies
        ),
        Decision::Allowed
    );
}

#[test]
fn mfa_present_and_age() {
    let user = "arn:aws:iam::123456789012:user/deepak.dev";
    let role = "arn:aws:iam::123456789012:role/AdminAccessRole";
    let present = set(
        vec![],
        Some(trust_of(
            user,
            r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
        )),
    );
    assert_eq!(
        decide(
            &assume(user, role).with("aws:MultiFactorAuthPresent", "true"),
            &present
        ),
        Decision::Allowed
    );
    assert_eq!(
        decide(
            &assume(user, role).with("aws:MultiFactorAuthPresent", "false"),
            &present
        ),
        Decision::ImplicitlyDenied
    );
    // Long-term keys carry no MFA key at all.
    assert_eq!(
        decide(&assume(user, role), &present),
        Decision::ImplicitlyDenied
    );

    let fresh = set(
        vec![],
        Some(trust_of(
            user,
            r#"{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}"#,
        )),
    );
    assert_eq!(
        decide(
            &assume(user, role).with("aws:MultiFactorAuthAge", "120"),
            &fresh
        ),
        Decision::Allowed
    );
    assert_eq!(
        decide(
            &assume(user, role).with("aws:MultiFactorAuthAge", "4000"),
            &fresh
        ),
        Decision::ImplicitlyDenied
    );
    assert_eq!(
        decide(&assume(user, role), &fresh),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn explicit_deny_wins_everywhere() {
    let deny_without_mfa = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyAllExceptListedIfNoMFA","Effect":"Deny","NotAction":["iam:ListMFADevices","sts:GetSessionToken"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
    );
    let policies = set(
        vec![allow_assume(ROLE), deny_without_mfa],
        Some(trust_of(ALICE, "")),
    );
    let e = evaluate(&assume(ALICE, ROLE), &policies);
    assert_eq!(e.decision, Decision::ExplicitlyDenied);
    assert_eq!(
        messages(&e),
        [r#"identity policy Statement[0] (Sid "DenyAllExceptListedIfNoMFA") explicitly denies"#]
    );
    assert_eq!(
        decide(
            &assume(ALICE, ROLE).with("aws:MultiFactorAuthPresent", "true"),
            &policies
        ),
        Decision::Allowed
    );
    // NotAction: listed actions are not denied.
    let list = Request::new(
        Caller::new(ALICE.parse().unwrap()),
        "iam:ListMFADevices",
        "*",
    );
    let allow_all = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    );
    let deny = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:ListMFADevices"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
    );
    assert_eq!(
        decide(&list, &set(vec![allow_all, deny], None)),
        Decision::Allowed
    );

    let deny_in_trust = trust(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"},
            {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:user/crossAccountUser"},"Action":"sts:*"}]}"#,
    );
    let e = evaluate(
        &assume(ALICE, ROLE),
        &set(vec![allow_assume(ROLE)], Some(deny_in_trust)),
    );
    assert_eq!(e.decision, Decision::ExplicitlyDenied);
    assert_eq!(
        messages(&e),
        ["trust policy Statement[1] explicitly denies"]
    );
}

#[test]
fn assumed_role_sessions_match_their_role() {
    let session = "arn:aws:sts::111111111111:assumed-role/Deployer/ci-run-42";
    let deployer = Caller::new(session.parse().unwrap());
    let request = Request::new(deployer.clone(), "sts:AssumeRole", ROLE);
    let by_role = set(
        vec![allow_assume(ROLE)],
        Some(trust_of("arn:aws:iam::111111111111:role/Deployer", "")),
    );
    assert_eq!(decide(&request, &by_role), Decision::Allowed);
    let by_session = set(vec![allow_assume(ROLE)], Some(trust_of(session, "")));
    assert_eq!(decide(&request, &by_session), Decision::Allowed);
    let other_session = set(
        vec![allow_assume(ROLE)],
        Some(trust_of(
            "arn:aws:sts::111111111111:assumed-role/Deployer/other",
            "",
        )),
    );
    assert_eq!(decide(&request, &other_session), Decision::ImplicitlyDenied);
    // With its real path known, a role with a path matches exactly.
    let with_path = Caller::new(session.parse().unwrap()).with_role(
        "arn:aws:iam::111111111111:role/ci/Deployer"
            .parse()
            .unwrap(),
    );
    let request = Request::new(with_path, "sts:AssumeRole", ROLE);
    let path_trust = set(
        vec![allow_assume(ROLE)],
        Some(trust_of("arn:aws:iam::111111111111:role/ci/Deployer", "")),
    );
    assert_eq!(decide(&request, &path_trust), Decision::Allowed);
    assert_eq!(
        request
            .context_keys()
            .get("aws:principalarn")
            .unwrap()
            .single(),
        Some("arn:aws:iam::111111111111:role/ci/Deployer")
    );
}

#[test]
fn service_principals() {
    let policies = set(
        vec![],
        Some(trust(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )),
    );
    let ec2 = Request::new(
        Caller::new("ec2.amazonaws.com".parse().unwrap()),
        "sts:AssumeRole",
        ROLE,
    );
    let e = evaluate(&ec2, &policies);
    assert_eq!(e.decision, Decision::Allowed, "{e}");
    let lambda = Request::new(
        Caller::new("lambda.amazonaws.com".parse().unwrap()),
        "sts:AssumeRole",
        ROLE,
    );
    assert_eq!(decide(&lambda, &policies), Decision::ImplicitlyDenied);
}

#[test]
fn not_principal_exempts_only_when_every_level_is_named() {
    let bucket = |not_principal: &str| {
        compile(
            "bucket policy",
            &format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}},
                    {{"Effect":"Deny","NotPrincipal":{{"AWS":{not_principal}}},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}}]}}"#
            ),
            PolicyKind::Resource,
        )
    };
    let bob = Request::new(
        Caller::new("arn:aws:iam::444455556666:user/Bob".parse().unwrap()),
        "s3:GetObject",
        "arn:aws:s3:::b/k",
    )
    .resource_account("444455556666".parse().unwrap());
    let exempt = set(
        vec![],
        Some(bucket(
            r#"["arn:aws:iam::444455556666:user/Bob","arn:aws:iam::444455556666:root"]"#,
        )),
    );
    assert_eq!(decide(&bob, &exempt), Decision::Allowed);
    let user_only = set(
        vec![],
        Some(bucket(r#""arn:aws:iam::444455556666:user/Bob""#)),
    );
    assert_eq!(decide(&bob, &user_only), Decision::ExplicitlyDenied);
    let eve = Request::new(
        Caller::new("arn:aws:iam::444455556666:user/Eve".parse().unwrap()),
        "s3:GetObject",
        "arn:aws:s3:::b/k",
    )
    .resource_account("444455556666".parse().unwrap());
    assert_eq!(decide(&eve, &exempt), Decision::ExplicitlyDenied);

    // A session is exempt only if its account, role and session are all named.
    let session = Request::new(
        Caller::new(
            "arn:aws:sts::444455556666:assumed-role/reader/s1"
                .parse()
                .unwrap(),
        ),
        "s3:GetObject",
        "arn:aws:s3:::b/k",
    )
    .resource_account("444455556666".parse().unwrap());
    let all_levels = set(
        vec![],
        Some(bucket(
            r#"["arn:aws:iam::444455556666:root","arn:aws:iam::444455556666:role/reader","arn:aws:sts::444455556666:assumed-role/reader/s1"]"#,
        )),
    );
    assert_eq!(decide(&session, &all_levels), Decision::Allowed);
    let no_role = set(
        vec![],
        Some(bucket(
            r#"["arn:aws:iam::444455556666:root","arn:aws:sts::444455556666:assumed-role/reader/s1"]"#,
        )),
    );
    assert_eq!(decide(&session, &no_role), Decision::ExplicitlyDenied);
}

#[test]
fn actions_are_case_insensitive_with_wildcards_resources_are_not() {
    let policy = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"S3:get*","Resource":"arn:aws:s3:::Bucket/*"}]}"#,
    );
    let ok = Request::new(
        Caller::new(ALICE.parse().unwrap()),
        "s3:GetObject",
        "arn:aws:s3:::Bucket/a/b",
    );
    assert_eq!(
        decide(&ok, &set(vec![policy.clone()], None)),
        Decision::Allowed
    );
    let case = Request::new(
        Caller::new(ALICE.parse().unwrap()),
        "s3:GetObject",
        "arn:aws:s3:::bucket/a",
    );
    assert_eq!(
        decide(&case, &set(vec![policy.clone()], None)),
        Decision::ImplicitlyDenied
    );
    let not_resource = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}]}"#,
    );
    let open = Request::new(
        Caller::new(ALICE.parse().unwrap()),
        "s3:GetObject",
        "arn:aws:s3:::public/x",
    );
    let secret = Request::new(
        Caller::new(ALICE.parse().unwrap()),
        "s3:GetObject",
        "arn:aws:s3:::secret/x",
    );
    assert_eq!(
        decide(&open, &set(vec![not_resource.clone()], None)),
        Decision::Allowed
    );
    assert_eq!(
        decide(&secret, &set(vec![not_resource], None)),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn policy_variables_only_in_2012_documents() {
    let home = |version: &str| {
        identity(&format!(
            r#"{{"Version":"{version}","Statement":[{{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/home/${{aws:username}}/*"}}]}}"#
        ))
    };
    let own = Request::new(
        Caller::new(ALICE.parse().unwrap()),
        "s3:GetObject",
        "arn:aws:s3:::b/home/crossAccountUser/f",
    );
    let other = Request::new(
        Caller::new(ALICE.parse().unwrap()),
        "s3:GetObject",
        "arn:aws:s3:::b/home/bob/f",
    );
    assert_eq!(
        decide(&own, &set(vec![home("2012-10-17")], None)),
        Decision::Allowed
    );
    assert_eq!(
        decide(&other, &set(vec![home("2012-10-17")], None)),
        Decision::ImplicitlyDenied
    );
    // 2008-10-17: ${...} is literal text.
    assert_eq!(
        decide(&own, &set(vec![home("2008-10-17")], None)),
        Decision::ImplicitlyDenied
    );
    let literal = Request::new(
        Caller::new(ALICE.parse().unwrap()),
        "s3:GetObject",
        "arn:aws:s3:::b/home/${aws:username}/f",
    );
    assert_eq!(
        decide(&literal, &set(vec![home("2008-10-17")], None)),
        Decision::Allowed
    );

    // Tags and defaults.
    let tagged = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${aws:PrincipalTag/team, 'shared'}/*"}]}"#,
    );
    let with_tag = Request::new(
        Caller::new(ALICE.parse().unwrap()),
        "s3:GetObject",
        "arn:aws:s3:::ops/x",
    )
    .with("aws:PrincipalTag/team", "ops");
    let without_tag = Request::new(
        Caller::new(ALICE.parse().unwrap()),
        "s3:GetObject",
        "arn:aws:s3:::shared/x",
    );
    assert_eq!(
        decide(&with_tag, &set(vec![tagged.clone()], None)),
        Decision::Allowed
    );
    assert_eq!(
        decide(&without_tag, &set(vec![tagged], None)),
        Decision::Allowed
    );
}

#[test]
fn session_tags_need_tag_session_on_both_sides() {
    let trust_policy = trust(
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"arn:aws:iam::111111111111:root"}},
            {"Effect":"Allow","Action":"sts:TagSession","Principal":{"AWS":"arn:aws:iam::111111111111:root"},
             "Condition":{"StringLike":{"aws:RequestTag/Project":"*"},"ForAllValues:StringEquals":{"aws:TagKeys":["Project","CostCenter"]}}}]}"#,
    );
    let identity_tags = identity(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"{ROLE}"}}]}}"#
    ));
    let tag = |keys: Vec<&str>| {
        Request::new(Caller::new(ALICE.parse().unwrap()), "sts:TagSession", ROLE)
            .with("aws:RequestTag/Project", "Unicorn")
            .with("aws:TagKeys", keys)
    };
    let both = set(vec![identity_tags], Some(trust_policy.clone()));
    assert_eq!(decide(&tag(vec!["Project"]), &both), Decision::Allowed);
    assert_eq!(
        decide(&tag(vec!["Project", "CostCenter"]), &both),
        Decision::Allowed
    );
    assert_eq!(
        decide(&tag(vec!["Project", "Owner"]), &both),
        Decision::ImplicitlyDenied
    );
    // AssumeRole alone in the identity policy: tagging is not allowed.
    let assume_only = set(vec![allow_assume(ROLE)], Some(trust_policy));
    assert_eq!(
        decide(&tag(vec!["Project"]), &assume_only),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn session_policies_and_permission_boundaries_limit_identity_allows() {
    let admin = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    );
    let read = compile(
        "session policy",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#,
        PolicyKind::Session,
    );
    let boundary = compile(
        "boundary",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","ec2:Describe*"],"Resource":"*"}]}"#,
        PolicyKind::Identity,
    );
    let session = Caller::new(
        "arn:aws:sts::222222222222:assumed-role/CrossAccountAccessRole/s1"
            .parse()
            .unwrap(),
    );
    let get = Request::new(session.clone(), "s3:GetObject", "arn:aws:s3:::b/k");
    let put = Request::new(session.clone(), "s3:PutObject", "arn:aws:s3:::b/k");
    let describe = Request::new(session, "ec2:DescribeInstances", "*");
    let with_session = PolicySet {
        identity: vec![admin.clone()],
        session: vec![read],
        ..PolicySet::default()
    };
    assert_eq!(decide(&get, &with_session), Decision::Allowed);
    let e = evaluate(&put, &with_session);
    assert_eq!(e.decision, Decision::ImplicitlyDenied);
    assert!(
        messages(&e)
            .contains(&"session policy has no statement that allows the request".to_owned()),
        "{e}"
    );
    let bounded = PolicySet {
        identity: vec![admin],
        boundaries: vec![boundary],
        ..PolicySet::default()
    };
    assert_eq!(decide(&describe, &bounded), Decision::Allowed);
    let iam = Request::new(Caller::new(ALICE.parse().unwrap()), "iam:CreateUser", "*");
    assert_eq!(decide(&iam, &bounded), Decision::ImplicitlyDenied);
}

/// Whether an identity policy with this one condition allows a request with `context`.
fn holds(condition: &str, context: &[(&str, ContextValue)]) -> bool {
    let policy = identity(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{condition}}}]}}"#
    ));
    let mut request = Request::new(
        Caller::new(ALICE.parse().unwrap()),
        "s3:GetObject",
        "arn:aws:s3:::b/k",
    );
    for (k, v) in context {
        request = request.with(k, v.clone());
    }
    decide(&request, &set(vec![policy], None)) == Decision::Allowed
}

fn one(v: &str) -> ContextValue {
    ContextValue::Single(v.to_owned())
}

fn many(v: &[&str]) -> ContextValue {
    ContextValue::Multi(v.iter().map(|s| s.to_string()).collect())
}

#[test]
fn string_operators() {
    let k = "aws:PrincipalTag/team";
    let table: &[(&str, Option<&str>, bool)] = &[
        (
            r#"{"StringEquals":{"aws:PrincipalTag/team":"ops"}}"#,
            Some("ops"),
            true,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/team":"ops"}}"#,
            Some("Ops"),
            false,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/team":["dev","ops"]}}"#,
            Some("ops"),
            true,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/team":"ops"}}"#,
            None,
            false,
        ),
        (
            r#"{"StringNotEquals":{"aws:PrincipalTag/team":"ops"}}"#,
            Some("dev"),
            true,
        ),
        (
            r#"{"StringNotEquals":{"aws:PrincipalTag/team":"ops"}}"#,
            Some("ops"),
            false,
        ),
        (
            r#"{"StringNotEquals":{"aws:PrincipalTag/team":"ops"}}"#,
            None,
            true,
        ),
        (
            r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"OPS"}}"#,
            Some("ops"),
            true,
        ),
        (
            r#"{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"OPS"}}"#,
            Some("ops"),
            false,
        ),
        (
            r#"{"StringLike":{"aws:PrincipalTag/team":"o?s*"}}"#,
            Some("opsteam"),
            true,
        ),
        (
            r#"{"StringLike":{"aws:PrincipalTag/team":"o?s*"}}"#,
            Some("os"),
            false,
        ),
        (
            r#"{"StringNotLike":{"aws:PrincipalTag/team":"dev*"}}"#,
            Some("ops"),
            true,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/team":"o*"}}"#,
            Some("ops"),
            false,
        ),
        (
            r#"{"StringEqualsIfExists":{"aws:PrincipalTag/team":"ops"}}"#,
            None,
            true,
        ),
        (
            r#"{"StringEqualsIfExists":{"aws:PrincipalTag/team":"ops"}}"#,
            Some("dev"),
            false,
        ),
    ];
    for (condition, value, expected) in table {
        let ctx: Vec<(&str, ContextValue)> = value.iter().map(|v| (k, one(v))).collect();
        assert_eq!(
            holds(condition, &ctx),
            *expected,
            "{condition} with {value:?}"
        );
    }
}

#[test]
fn numeric_date_bool_binary_ip_arn_null_operators() {
    /// (condition, context keys, whether it holds)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
    let table: &[Case] = &[
        (
            r#"{"NumericEquals":{"s3:max-keys":"10"}}"#,
            &[("s3:max-keys", "10.0")],
            true,
        ),
        (
            r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#,
            &[("s3:max-keys", "11")],
            true,
        ),
        (
            r#"{"NumericLessThan":{"s3:max-keys":10}}"#,
            &[("s3:max-keys", "9")],
            true,
        ),
        (
            r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#,
            &[("s3:max-keys", "10")],
            true,
        ),
        (
            r#"{"NumericGreaterThan":{"s3:max-keys":"10"}}"#,
            &[("s3:max-keys", "10")],
            false,
        ),
        (
            r#"{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}"#,
            &[("s3:max-keys", "10")],
            true,
        ),
        (
            r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
            &[("s3:max-keys", "ten")],
            false,
        ),
        (
            r#"{"DateLessThan":{"aws:CurrentTime":"2026-12-01T00:00:00Z"}}"#,
            &[("aws:CurrentTime", "2026-11-22T12:00:00Z")],
            true,
        ),
        (
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2026-12-01"}}"#,
            &[("aws:CurrentTime", "2026-11-22T12:00:00Z")],
            false,
        ),
        (
            r#"{"DateEquals":{"aws:EpochTime":"1767225600"}}"#,
            &[("aws:EpochTime", "2026-01-01T00:00:00Z")],
            true,
        ),
        (
            r#"{"DateNotEquals":{"aws:CurrentTime":"2026-01-01"}}"#,
            &[("aws:CurrentTime", "2026-01-02")],
            true,
        ),
        (
            r#"{"DateLessThanEquals":{"aws:CurrentTime":"2026-01-01T00:00:00+01:00"}}"#,
            &[("aws:CurrentTime", "2025-12-31T23:00:00Z")],
            true,
        ),
        (
            r#"{"DateGreaterThanEquals":{"aws:TokenIssueTime":"2026-01-01"}}"#,
            &[],
            false,
        ),
        (
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", "TRUE")],
            true,
        ),
        (
            r#"{"Bool":{"aws:SecureTransport":false}}"#,
            &[("aws:SecureTransport", "false")],
            true,
        ),
        (r#"{"Bool":{"aws:SecureTransport":"true"}}"#, &[], false),
        (
            r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#,
            &[],
            true,
        ),
        (
            r#"{"BinaryEquals":{"key:bin":"QmluYXJ5VmFsdWU="}}"#,
            &[("key:bin", "QmluYXJ5VmFsdWU=")],
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}"#,
            &[("aws:SourceIp", "203.0.113.9")],
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", "198.51.100.1")],
            false,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#,
            &[("aws:SourceIp", "2001:db8:1::5")],
            true,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", "198.51.100.1")],
            true,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[],
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", "not-an-ip")],
            false,
        ),
        (
            r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic"}}"#,
            &[("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic")],
            true,
        ),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}"#,
            &[("aws:SourceArn", "arn:aws:sns:eu-west-1:123456789012:t:sub")],
            true,
        ),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}"#,
            &[("aws:SourceArn", "arn:aws:sns:eu-west-1:999999999999:t")],
            false,
        ),
        (
            r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/ci-*"}}"#,
            &[(
                "aws:PrincipalArn",
                "arn:aws:iam::111111111111:role/ci-deploy",
            )],
            true,
        ),
        (
            r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}"#,
            &[("aws:SourceArn", "arn:aws:sns:eu-west-1:999999999999:t")],
            true,
        ),
        (
            r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic"}}"#,
            &[],
            true,
        ),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}"#,
            &[("aws:SourceArn", "not an arn")],
            false,
        ),
        (r#"{"Null":{"aws:TokenIssueTime":"true"}}"#, &[], true),
        (
            r#"{"Null":{"aws:TokenIssueTime":"true"}}"#,
            &[("aws:TokenIssueTime", "2026-01-01T00:00:00Z")],
            false,
        ),
        (
            r#"{"Null":{"aws:TokenIssueTime":"false"}}"#,
            &[("aws:TokenIssueTime", "2026-01-01T00:00:00Z")],
            true,
        ),
        // AND across keys and operators, OR across values.
        (
            r#"{"StringEquals":{"aws:PrincipalTag/a":"1","aws:PrincipalTag/b":"2"}}"#,
            &[("aws:PrincipalTag/a", "1"), ("aws:PrincipalTag/b", "2")],
            true,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/a":"1","aws:PrincipalTag/b":"2"}}"#,
            &[("aws:PrincipalTag/a", "1"), ("aws:PrincipalTag/b", "3")],
            false,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/a":"1"},"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:PrincipalTag/a", "1")],
            false,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/a":["1","2","3"]}}"#,
            &[("aws:PrincipalTag/a", "3")],
            true,
        ),
        // Policy variables in condition values.
        (
            r#"{"StringEquals":{"s3:prefix":"home/${aws:username}"}}"#,
            &[("s3:prefix", "home/crossAccountUser")],
            true,
        ),
        (
            r#"{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}"#,
            &[("s3:prefix", "home/crossAccountUser/x")],
            true,
        ),
        (
            r#"{"NumericLessThan":{"s3:max-keys":"${aws:PrincipalTag/limit}"}}"#,
            &[("s3:max-keys", "5"), ("aws:PrincipalTag/limit", "10")],
            true,
        ),
    ];
    for (condition, ctx, expected) in table {
        let ctx: Vec<(&str, ContextValue)> = ctx.iter().map(|(k, v)| (*k, one(v))).collect();
        assert_eq!(
            holds(condition, &ctx),
            *expected,
            "{condition} with {ctx:?}"
        );
    }
}

#[test]
fn set_operators() {
    let k = "aws:TagKeys";
    let table: &[(&str, Option<&[&str]>, bool)] = &[
        (
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["Project","CostCenter"]}}"#,
            Some(&["Project"]),
            true,
        ),
        (
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["Project","CostCenter"]}}"#,
            Some(&["Project", "Owner"]),
            false,
        ),
        // ForAllValues is true for a missing or empty set.
        (
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["Project"]}}"#,
            None,
            true,
        ),
        (
            r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["Project"]}}"#,
            Some(&[]),
            true,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["Project"]}}"#,
            Some(&["Owner", "Project"]),
            true,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["Project"]}}"#,
            Some(&["Owner"]),
            false,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["Project"]}}"#,
            None,
            false,
        ),
        (
            r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["Secret"]}}"#,
            Some(&["Project", "Owner"]),
            true,
        ),
        (
            r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["Secret"]}}"#,
            Some(&["Project", "Secret"]),
            false,
        ),
        (
            r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["Secret"]}}"#,
            Some(&["Secret", "Project"]),
            true,
        ),
        (
            r#"{"ForAllValues:StringLike":{"aws:TagKeys":["Proj*","Cost*"]}}"#,
            Some(&["Project", "CostCenter"]),
            true,
        ),
        (
            r#"{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["Project"]}}"#,
            None,
            true,
        ),
    ];
    for (condition, values, expected) in table {
        let ctx: Vec<(&str, ContextValue)> = values.iter().map(|v| (k, many(v))).collect();
        assert_eq!(
            holds(condition, &ctx),
            *expected,
            "{condition} with {values:?}"
        );
    }
}

#[test]
fn assume_role_context_keys() {
    let policies = set(
        vec![allow_assume(ROLE)],
        Some(trust(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole",
                "Condition":{"StringLike":{"sts:RoleSessionName":"${aws:username}-*"},"StringEquals":{"aws:PrincipalAccount":"111111111111"},
                "Bool":{"aws:SecureTransport":"true"},"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"},
                "IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#,
        )),
    );
    let request = |session: &str, ip: &str| {
        assume(ALICE, ROLE)
            .with("sts:RoleSessionName", session)
            .with("aws:SecureTransport", true)
            .with("aws:CurrentTime", "2026-11-22T12:00:00Z")
            .with("aws:SourceIp", ip)
    };
    assert_eq!(
        decide(&request("crossAccountUser-deploy", "10.1.2.3"), &policies),
        Decision::Allowed
    );
    assert_eq!(
        decide(&request("someone-else", "10.1.2.3"), &policies),
        Decision::ImplicitlyDenied
    );
    assert_eq!(
        decide(&request("crossAccountUser-deploy", "192.0.2.1"), &policies),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn source_identity_needs_set_source_identity() {
    let trust_policy = trust(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"AdminAssumeRole","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/crossAccountUser"},
            "Action":["sts:AssumeRole","sts:SetSourceIdentity"],"Condition":{"StringEquals":{"sts:SourceIdentity":"${aws:username}"}}}]}"#,
    );
    let identity_policy = identity(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["sts:AssumeRole","sts:SetSourceIdentity"],"Resource":"{ROLE}"}}]}}"#
    ));
    let policies = set(vec![identity_policy], Some(trust_policy));
    let set_identity = |value: &str| {
        Request::new(
            Caller::new(ALICE.parse().unwrap()),
            "sts:SetSourceIdentity",
            ROLE,
        )
        .with("sts:SourceIdentity", value)
    };
    assert_eq!(
        decide(&set_identity("crossAccountUser"), &policies),
        Decision::Allowed
    );
    assert_eq!(
        decide(&set_identity("admin"), &policies),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn root_and_anonymous_callers() {
    // The account root needs no identity policy, only the trust.
    let root = Request::new(
        Caller::new("arn:aws:iam::111111111111:root".parse().unwrap()),
        "sts:AssumeRole",
        ROLE,
    );
    let e = evaluate(&root, &set(vec![], Some(trust_of("111111111111", ""))));
    assert_eq!(e.decision, Decision::Allowed, "{e}");
    assert!(messages(&e).contains(&"the caller is not governed by identity policies".to_owned()));
    // Principal "*" admits anyone, in any account; the identity side still applies.
    let any = trust(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#,
    );
    assert_eq!(
        decide(
            &assume(ALICE, ROLE),
            &set(vec![allow_assume(ROLE)], Some(any.clone()))
        ),
        Decision::Allowed
    );
    assert_eq!(
        decide(&assume(ALICE, ROLE), &set(vec![], Some(any))),
        Decision::ImplicitlyDenied
    );
}

fn arbitrary_statement() -> impl Strategy<Value = String> {
    let effect = prop::sample::select(vec!["Allow", "Deny"]);
    let action = prop::sample::select(vec![
        "sts:AssumeRole",
        "sts:*",
        "*",
        "s3:GetObject",
        "sts:TagSession",
    ]);
    let resource = prop::sample::select(vec![
        "*",
        ROLE,
        "arn:aws:iam::222222222222:role/*",
        "arn:aws:s3:::b/*",
    ]);
    let condition = prop::sample::select(vec![
        "",
        r#","Condition":{"StringEquals":{"sts:ExternalId":"x"}}"#,
        r#","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#,
        r#","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["P*"]}}"#,
        r#","Condition":{"Null":{"aws:TokenIssueTime":"true"}}"#,
    ]);
    (effect, any::<bool>(), action, resource, condition).prop_map(|(e, not, a, r, c)| {
        let action_key = if not { "NotAction" } else { "Action" };
        format!(r#"{{"Effect":"{e}","{action_key}":"{a}","Resource":"{r}"{c}}}"#)
    })
}

fn arbitrary_trust_statement() -> impl Strategy<Value = String> {
    let effect = prop::sample::select(vec!["Allow", "Deny"]);
    let principal = prop::sample::select(vec![
        r#""*""#,
        r#"{"AWS":"111111111111"}"#,
        r#"{"AWS":"arn:aws:iam::111111111111:user/crossAccountUser"}"#,
        r#"{"AWS":"arn:aws:iam::333333333333:root"}"#,
        r#"{"AWS":"arn:aws:iam::111111111111:role/Deployer"}"#,
    ]);
    let action = prop::sample::select(vec!["sts:AssumeRole", "sts:*", "sts:TagSession"]);
    let condition = prop::sample::select(vec![
        "",
        r#","Condition":{"StringEquals":{"sts:ExternalId":"x"}}"#,
    ]);
    (effect, principal, action, condition)
        .prop_map(|(e, p, a, c)| format!(r#"{{"Effect":"{e}","Principal":{p},"Action":"{a}"{c}}}"#))
}

fn doc(statements: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn arbitrary_request() -> impl Strategy<Value = Request> {
    let principal = prop::sample::select(vec![
        ALICE,
        "arn:aws:iam::222222222222:user/local",
        "arn:aws:sts::111111111111:assumed-role/Deployer/s1",
        "arn:aws:iam::111111111111:root",
    ]);
    let action = prop::sample::select(vec!["sts:AssumeRole", "sts:TagSession", "s3:GetObject"]);
    (
        principal,
        action,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(p, a, ext, mfa, tags)| {
            let mut r = Request::new(Caller::new(p.parse().unwrap()), a, ROLE);
            if ext {
                r = r.with("sts:ExternalId", "x");
            }
            if mfa {
                r = r.with("aws:MultiFactorAuthPresent", "true");
            }
            if tags {
                r = r.with("aws:TagKeys", vec!["Project"]);
            }
            r
        })
}

proptest! {
    #[test]
    fn adding_an_explicit_deny_never_turns_a_decision_into_allowed(
        identity_statements in prop::collection::vec(arbitrary_statement(), 1..4),
        trust_statements in prop::collection::vec(arbitrary_trust_statement(), 1..4),
        extra in arbitrary_statement(),
        extra_trust in arbitrary_trust_statement(),
        into_trust in any::<bool>(),
        request in arbitrary_request(),
    ) {
        let before = set(vec![identity(&doc(&identity_statements))], Some(trust(&doc(&trust_statements))));
        let decision_before = decide(&request, &before);
        let after = if into_trust {
            let deny = extra_trust.replacen(r#""Effect":"Allow""#, r#""Effect":"Deny""#, 1);
            let mut statements = trust_statements.clone();
            statements.push(deny);
            set(vec![identity(&doc(&identity_statements))], Some(trust(&doc(&statements))))
        } else {
            let deny = extra.replacen(r#""Effect":"Allow""#, r#""Effect":"Deny""#, 1);
            let mut statements = identity_statements.clone();
            statements.push(deny);
            set(vec![identity(&doc(&statements))], Some(trust(&doc(&trust_statements))))
        };
        let decision_after = decide(&request, &after);
        if decision_after == Decision::Allowed {
            prop_assert_eq!(decision_before, Decision::Allowed);
        }
        if decision_before == Decision::ExplicitlyDenied {
            prop_assert_eq!(decision_after, Decision::ExplicitlyDenied);
        }
    }

    #[test]
    fn the_evaluator_never_panics(
        identity_statements in prop::collection::vec(arbitrary_statement(), 0..4),
        trust_statements in prop::collection::vec(arbitrary_trust_statement(), 1..4),
        request in arbitrary_request(),
        key in "[a-zA-Z:/]{0,12}",
        value in any::<String>(),
    ) {
        let policies = set(
            if identity_statements.is_empty() { vec![] } else { vec![identity(&doc(&identity_statements))] },
            Some(trust(&doc(&trust_statements))),
        );
        let request = request.with(&key, value.as_str());
        let e = evaluate(&request, &policies);
        prop_assert!(e.decision != Decision::Allowed || !e.explanation.is_empty());
    }
}

#[test]
fn assume_role_calls_carry_sts_context_and_need_every_action() {
    let trust_policy = trust(
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole",
             "Condition":{"StringEquals":{"sts:ExternalId":"ext","aws:PrincipalTag/team":"ops"},"Bool":{"aws:MultiFactorAuthPresent":"true"},
                          "NumericLessThan":{"aws:MultiFactorAuthAge":"3600"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},
                          "StringLike":{"sts:RoleSessionName":"ci-*"},"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}},
            {"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":["sts:TagSession","sts:SetSourceIdentity"],
             "Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["Project"],"sts:TransitiveTagKeys":["Project"]},
                          "StringEquals":{"aws:RequestTag/Project":"Unicorn"},"StringLike":{"sts:SourceIdentity":"*@example.com"}}}]}"#,
    );
    let identity_policy = identity(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"{ROLE}"}}]}}"#
    ));
    let policies = set(vec![identity_policy], Some(trust_policy));
    let now = 1_795_000_000; // 2026-11-18
    let call = || {
        AssumeRoleCall::new(
            Caller::new(ALICE.parse().unwrap()),
            ROLE.parse().unwrap(),
            "ci-42",
            now,
        )
        .external_id("ext")
        .mfa(Mfa::Present { age_secs: 60 })
        .source_ip("10.1.2.3".parse().unwrap())
        .principal_tag(SessionTag::from_static("team", "ops"))
        .tag(SessionTag::from_static("Project", "Unicorn"))
        .transitive_tag_key("Project")
        .source_identity(SourceIdentity::from_static("alice@example.com"))
    };
    let ok = evaluate_assume_role(&call(), &policies);
    assert_eq!(ok.decision, Decision::Allowed, "{:?}", ok.first_refusal());
    assert_eq!(
        ok.actions.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
        ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]
    );

    let refusals = [
        (call().mfa(Mfa::Absent), "sts:AssumeRole"),
        (call().mfa(Mfa::LongTermKeys), "sts:AssumeRole"),
        (
            call().mfa(Mfa::Present { age_secs: 7200 }),
            "sts:AssumeRole",
        ),
        (
            call().source_ip("192.0.2.1".parse().unwrap()),
            "sts:AssumeRole",
        ),
        (
            call().tag(SessionTag::from_static("Owner", "x")),
            "sts:TagSession",
        ),
        // The source identity is in the context of every request of the call, so the
        // statement that grants both TagSession and SetSourceIdentity refuses both.
        (
            call().source_identity(SourceIdentity::from_static("mallory@evil.test")),
            "sts:TagSession",
        ),
        (
            AssumeRoleCall::new(
                Caller::new(ALICE.parse().unwrap()),
                ROLE.parse().unwrap(),
                "ci-42",
                1_900_000_000,
            )
            .external_id("ext")
            .mfa(Mfa::Present { age_secs: 1 })
            .source_ip("10.0.0.1".parse().unwrap())
            .principal_tag(SessionTag::from_static("team", "ops")),
            "sts:AssumeRole",
        ),
    ];
    for (call, action) in refusals {
        let e = evaluate_assume_role(&call, &policies);
        assert_eq!(e.decision, Decision::ImplicitlyDenied);
        assert_eq!(e.first_refusal().unwrap().0, action);
    }
    // Without tags or a source identity, only sts:AssumeRole is needed.
    let plain = AssumeRoleCall::new(
        Caller::new(ALICE.parse().unwrap()),
        ROLE.parse().unwrap(),
        "s1",
        now,
    );
    assert_eq!(plain.actions(), ["sts:AssumeRole"]);
    let request = &plain.requests()[0];
    let ctx = request.context_keys();
    assert_eq!(
        ctx.get("aws:CurrentTime").unwrap().single(),
        Some("2026-11-18T11:06:40Z")
    );
    assert_eq!(
        ctx.get("aws:SecureTransport").unwrap().single(),
        Some("true")
    );
    assert!(ctx.get("aws:MultiFactorAuthPresent").is_none());
    assert_eq!(
        ctx.get("aws:PrincipalAccount").unwrap().single(),
        Some("111111111111")
    );
    assert_eq!(
        ctx.get("aws:username").unwrap().single(),
        Some("crossAccountUser")
    );
}

/// A bucket policy granting s3:GetObject to `principal`.
fn bucket_grant(principal: &str) -> CompiledPolicy {
    compile(
        "bucket policy",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}}]}}"#
        ),
        PolicyKind::Resource,
    )
}

/// The IAM user guide's single-account table: a same-account resource policy's
/// grant to a role ARN is limited by the session's boundary and session policies;
/// a grant to the session's own ARN, or to a user's ARN, is not.
#[test]
fn boundaries_and_session_policies_limit_grants_to_a_role_not_to_a_session_or_user() {
    let role = "arn:aws:iam::222222222222:role/Reader";
    let session = "arn:aws:sts::222222222222:assumed-role/Reader/s1";
    let user = "arn:aws:iam::222222222222:user/bob";
    let nothing = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}"#,
    );
    let request = |who: &str| {
        Request::new(
            Caller::new(who.parse().unwrap()),
            "s3:GetObject",
            "arn:aws:s3:::bucket/key",
        )
        .resource_account("222222222222".parse().unwrap())
    };
    for (limit, as_boundary) in [("session policy", false), ("boundary", true)] {
        let set = |grantee: &str| PolicySet {
            identity: vec![],
            resource: Some(bucket_grant(grantee)),
            session: if as_boundary {
                vec![]
            } else {
                vec![nothing.clone()]
            },
            boundaries: if as_boundary {
                vec![nothing.clone()]
            } else {
                vec![]
            },
            ..PolicySet::default()
        };
        let to_role = evaluate(&request(session), &set(role));
        assert_eq!(
            to_role.decision,
            Decision::ImplicitlyDenied,
            "{limit}: {to_role}"
        );
        let to_session = evaluate(&request(session), &set(session));
        assert_eq!(
            to_session.decision,
            Decision::Allowed,
            "{limit}: {to_session}"
        );
    }
    let user_with_boundary = PolicySet {
        resource: Some(bucket_grant(user)),
        boundaries: vec![nothing.clone()],
        ..PolicySet::default()
    };
    let e = evaluate(&request(user), &user_with_boundary);
    assert_eq!(e.decision, Decision::Allowed, "{e}");
}

/// "The NotPrincipal element with a Deny effect will always deny any IAM principal
/// that has a permissions boundary policy attached" (IAM user guide, permissions
/// boundaries).
#[test]
fn not_principal_deny_always_denies_principals_with_a_boundary() {
    let user = "arn:aws:iam::222222222222:user/bob";
    let policy = compile(
        "bucket policy",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[
                {{"Effect":"Allow","Principal":{{"AWS":"{user}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}},
                {{"Effect":"Deny","NotPrincipal":{{"AWS":["{user}","arn:aws:iam::222222222222:root"]}},"Action":"s3:*","Resource":"arn:aws:s3:::bucket/*"}}]}}"#
        ),
        PolicyKind::Resource,
    );
    let request = Request::new(
        Caller::new(user.parse().unwrap()),
        "s3:GetObject",
        "arn:aws:s3:::bucket/key",
    )
    .resource_account("222222222222".parse().unwrap());
    let plain = PolicySet {
        resource: Some(policy.clone()),
        ..PolicySet::default()
    };
    assert_eq!(evaluate(&request, &plain).decision, Decision::Allowed);
    let bounded = PolicySet {
        resource: Some(policy),
        boundaries: vec![identity(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
        )],
        ..PolicySet::default()
    };
    let e = evaluate(&request, &bounded);
    assert_eq!(e.decision, Decision::ExplicitlyDenied, "{e}");
    assert!(
        e.to_string()
            .contains("bucket policy Statement[1] explicitly denies"),
        "{e}"
    );
}

#[test]
fn the_trust_actions_are_one_rule_for_the_evaluator_and_simulate() {
    for action in [
        "sts:AssumeRole",
        "STS:assumerole",
        "sts:AssumeRoleWithWebIdentity",
        "sts:AssumeRoleWithSAML",
        "sts:TagSession",
        "sts:SetSourceIdentity",
        "sts:SetContext",
    ] {
        assert!(is_trust_action(action), "{action}");
    }
    for action in [
        "sts:GetCallerIdentity",
        "sts:AssumeRoleX",
        "s3:GetObject",
        "sts:",
    ] {
        assert!(!is_trust_action(action), "{action}");
    }
}
