//! Organizations in the evaluator: the SCP and RCP examples of the Organizations
//! guide as a conformance table, the exemptions, the org condition keys, the
//! explanations, and a property: adding an SCP or RCP deny never allows more.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use proptest::prelude::*;
use xrole_core::policy::PolicyKind;
use xrole_core::*;
use xrole_test::eval::*;
use xrole_test::org::*;

use super::fixtures::doc;

const ORG: &str = "o-a1b2c3d4e5";
const ROOT: &str = "r-ab12";
const WORKLOADS: &str = "ou-ab12-11111111";
const SANDBOX: &str = "ou-ab12-22222222";
const LOCKED: &str = "ou-ab12-33333333";
const MANAGEMENT: &str = "111111111111";
const PROD: &str = "222222222222";
const PLAY: &str = "333333333333";
const VAULT: &str = "444444444444";
const OUTSIDER: &str = "999999999999";

fn account(id: &str) -> AccountId {
    id.parse().unwrap()
}

fn policy(name: &str, json: &str) -> OrgPolicy {
    OrgPolicy::new(name, doc(json))
}

// The guide's examples (Organizations user guide, "Example service control
// policies" and "Resource control policy examples").
const DENY_LEAVING_ORG: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#;
const DENY_OUTSIDE_EU: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyAllOutsideEU","Effect":"Deny",
    "NotAction":["iam:*","organizations:*","sts:*","support:*"],"Resource":"*",
    "Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-central-1","eu-west-1"]}}}]}"#;
const REQUIRE_MFA_TO_STOP: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyStopAndTerminateWhenMFAIsNotPresent","Effect":"Deny",
    "Action":["ec2:StopInstances","ec2:TerminateInstances"],"Resource":"*",
    "Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":false}}}]}"#;
const DENY_ASSUME_INTO_SANDBOX: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoRolesInSandbox","Effect":"Deny",
    "Action":"sts:AssumeRole","Resource":"*",
    "Condition":{"ForAnyValue:StringLike":{"aws:ResourceOrgPaths":"o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/*"}}}]}"#;
const ENFORCE_ORG_IDENTITIES: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"EnforceOrgIdentities","Effect":"Deny",
    "Principal":"*","Action":["sts:AssumeRole","s3:*","ec2:*"],"Resource":"*",
    "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"},
                 "BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}]}"#;

/// Root (DenyLeavingOrg, the data-perimeter RCP) > Workloads (EU only, MFA to stop,
/// no roles in the sandbox) > Locked (FullAWSAccess detached); Sandbox beside it.
fn organization() -> CompiledOrganization {
    Organization::new(ORG, ROOT, account(MANAGEMENT))
        .root(|r| {
            r.scp(OrgPolicy::full_aws_access())
                .scp(policy("DenyLeavingOrg", DENY_LEAVING_ORG))
                .rcp(policy("EnforceOrgIdentities", ENFORCE_ORG_IDENTITIES))
        })
        .ou(OrgUnit::new(WORKLOADS, "Workloads", ROOT)
            .scp(OrgPolicy::full_aws_access())
            .scp(policy("DenyAllOutsideEU", DENY_OUTSIDE_EU))
            .scp(policy("RequireMfaToStop", REQUIRE_MFA_TO_STOP))
            .scp(policy("NoRolesInSandbox", DENY_ASSUME_INTO_SANDBOX)))
        .ou(OrgUnit::new(SANDBOX, "Sandbox", ROOT))
        .ou(OrgUnit::new(LOCKED, "Locked", WORKLOADS)
            .scp(policy("DenyLeavingOrg", DENY_LEAVING_ORG)))
        .account(OrgAccount::new(account(PROD), WORKLOADS))
        .account(OrgAccount::new(account(PLAY), SANDBOX))
        .account(OrgAccount::new(account(VAULT), LOCKED))
        .compile()
        .unwrap()
}

fn admin_identity() -> CompiledPolicy {
    CompiledPolicy::new(
        "identity policy AdministratorAccess",
        &doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#),
        PolicyKind::Identity,
    )
    .unwrap()
}

fn trust_of(principal: &str) -> CompiledPolicy {
    CompiledPolicy::new(
        "trust policy",
        &doc(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}]}}"#
        )),
        PolicyKind::Trust,
    )
    .unwrap()
}

/// One row: who does what to which resource, with which extra keys, and what the
/// organization makes of it.
struct Case {
    name: &'static str,
    caller: &'static str,
    /// The role of an assumed-role caller, with its path.
    session_role: Option<&'static str>,
    action: &'static str,
    resource: &'static str,
    context: &'static [(&'static str, &'static str)],
    expected: Decision,
    /// Words the explanation must hold.
    explains: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "an SCP at the root denies leaving the organization",
        caller: "arn:aws:iam::222222222222:user/admin",
        session_role: None,
        action: "organizations:LeaveOrganization",
        resource: "*",
        context: &[],
        expected: Decision::ExplicitlyDenied,
        explains: r#"SCP "DenyLeavingOrg" attached to r-ab12 Statement[0] explicitly denies"#,
    },
    Case {
        name: "the management account is governed by no SCP",
        caller: "arn:aws:iam::111111111111:user/admin",
        session_role: None,
        action: "organizations:LeaveOrganization",
        resource: "*",
        context: &[],
        expected: Decision::Allowed,
        explains: "AdministratorAccess",
    },
    Case {
        name: "the region SCP denies outside the EU",
        caller: "arn:aws:iam::222222222222:user/admin",
        session_role: None,
        action: "s3:ListBucket",
        resource: "arn:aws:s3:::prod-data",
        context: &[("aws:RequestedRegion", "us-east-1")],
        expected: Decision::ExplicitlyDenied,
        explains: r#"SCP "DenyAllOutsideEU" attached to ou-ab12-11111111 (Workloads) Statement[0] (Sid "DenyAllOutsideEU") explicitly denies"#,
    },
    Case {
        name: "the region SCP allows inside the EU",
        caller: "arn:aws:iam::222222222222:user/admin",
        session_role: None,
        action: "s3:ListBucket",
        resource: "arn:aws:s3:::prod-data",
        context: &[("aws:RequestedRegion", "eu-west-1")],
        expected: Decision::Allowed,
        explains: "AdministratorAccess",
    },
    Case {
        name: "the region SCP exempts global services through NotAction",
        caller: "arn:aws:iam::222222222222:user/admin",
        session_role: None,
        action: "iam:ListRoles",
        resource: "*",
        context: &[("aws:RequestedRegion", "us-east-1")],
        expected: Decision::Allowed,
        explains: "AdministratorAccess",
    },
    Case {
        name: "the MFA SCP denies stopping instances without MFA",
        caller: "arn:aws:iam::222222222222:user/admin",
        session_role: None,
        action: "ec2:StopInstances",
        resource: "arn:aws:ec2:eu-west-1:222222222222:instance/i-0abc",
        context: &[("aws:RequestedRegion", "eu-west-1")],
        expected: Decision::ExplicitlyDenied,
        explains: r#"SCP "RequireMfaToStop""#,
    },
    Case {
        name: "the MFA SCP allows stopping instances with MFA",
        caller: "arn:aws:iam::222222222222:user/admin",
        session_role: None,
        action: "ec2:StopInstances",
        resource: "arn:aws:ec2:eu-west-1:222222222222:instance/i-0abc",
        context: &[
            ("aws:RequestedRegion", "eu-west-1"),
            ("aws:MultiFactorAuthPresent", "true"),
        ],
        expected: Decision::Allowed,
        explains: "AdministratorAccess",
    },
    Case {
        name: "an OU without FullAWSAccess allows nothing below it",
        caller: "arn:aws:iam::444444444444:user/admin",
        session_role: None,
        action: "s3:GetObject",
        resource: "arn:aws:s3:::vault/key",
        context: &[("aws:RequestedRegion", "eu-west-1")],
        expected: Decision::ImplicitlyDenied,
        explains: "no SCP attached to ou-ab12-33333333 (Locked) allows the request",
    },
    Case {
        name: "a service-linked role is governed by no SCP",
        caller: "arn:aws:sts::444444444444:assumed-role/AWSServiceRoleForSupport/support",
        session_role: Some(
            "arn:aws:iam::444444444444:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
        ),
        action: "s3:GetObject",
        resource: "arn:aws:s3:::vault/key",
        context: &[],
        expected: Decision::Allowed,
        explains: "AdministratorAccess",
    },
    Case {
        name: "an SCP denies assuming roles in sandbox accounts (aws:ResourceOrgPaths)",
        caller: "arn:aws:iam::222222222222:user/deployer",
        session_role: None,
        action: "sts:AssumeRole",
        resource: "arn:aws:iam::333333333333:role/Deploy",
        context: &[],
        expected: Decision::ExplicitlyDenied,
        explains: r#"SCP "NoRolesInSandbox" attached to ou-ab12-11111111 (Workloads)"#,
    },
    Case {
        name: "the data-perimeter RCP refuses a principal outside the organization",
        caller: "arn:aws:iam::999999999999:user/stranger",
        session_role: None,
        action: "sts:AssumeRole",
        resource: "arn:aws:iam::222222222222:role/Deploy",
        context: &[],
        expected: Decision::ExplicitlyDenied,
        explains: r#"RCP "EnforceOrgIdentities" attached to r-ab12 Statement[0] (Sid "EnforceOrgIdentities") explicitly denies"#,
    },
    Case {
        name: "the data-perimeter RCP lets a member principal through",
        caller: "arn:aws:iam::444444444444:root",
        session_role: None,
        action: "sts:AssumeRole",
        resource: "arn:aws:iam::222222222222:role/Deploy",
        context: &[],
        expected: Decision::ImplicitlyDenied,
        explains: "no SCP attached to ou-ab12-33333333 (Locked) allows the request",
    },
    Case {
        name: "the data-perimeter RCP exempts AWS services (aws:PrincipalIsAWSService)",
        caller: "ec2.amazonaws.com",
        session_role: None,
        action: "sts:AssumeRole",
        resource: "arn:aws:iam::222222222222:role/Deploy",
        context: &[],
        expected: Decision::Allowed,
        explains: "trust policy",
    },
    Case {
        name: "RCPs do not govern resources of the management account",
        caller: "arn:aws:iam::999999999999:user/stranger",
        session_role: None,
        action: "sts:AssumeRole",
        resource: "arn:aws:iam::111111111111:role/Deploy",
        context: &[],
        expected: Decision::Allowed,
        explains: "trust policy",
    },
    Case {
        name: "RCPs govern only the services that support them",
        caller: "arn:aws:iam::999999999999:user/stranger",
        session_role: None,
        action: "ec2:DescribeInstances",
        resource: "*",
        context: &[],
        expected: Decision::Allowed,
        explains: "AdministratorAccess",
    },
];

fn evaluate_case(org: &CompiledOrganization, case: &Case) -> Evaluation {
    let mut caller = Caller::new(case.caller.parse().unwrap());
    if let Some(role) = case.session_role {
        caller = caller.with_role(role.parse().unwrap());
    }
    let mut request = Request::new(caller, case.action, case.resource);
    for (k, v) in case.context {
        request = request.with(k, *v);
    }
    let trust = case.action.starts_with("sts:").then(|| {
        let principal = if case.caller.ends_with(".amazonaws.com") {
            format!(r#"{{"Service":"{}"}}"#, case.caller)
        } else {
            format!(r#"{{"AWS":"{}"}}"#, case.caller)
        };
        trust_of(&principal)
    });
    let mut policies = PolicySet {
        identity: vec![admin_identity()],
        resource: trust,
        ..PolicySet::default()
    };
    let request = org.govern(request, &mut policies);
    evaluate(&request, &policies)
}

#[test]
fn the_guides_scp_and_rcp_examples() {
    let org = organization();
    let mut failures = Vec::new();
    for case in CASES {
        let e = evaluate_case(&org, case);
        let text = e.to_string();
        if e.decision != case.expected || !text.contains(case.explains) {
            failures.push(format!(
                "{}: expected {:?} explaining {:?}, got {text}",
                case.name, case.expected, case.explains
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn an_org_refusal_explains_only_the_org_and_names_its_type() {
    let org = organization();
    let locked = CASES
        .iter()
        .find(|c| c.name.starts_with("an OU without FullAWSAccess"))
        .unwrap();
    let e = evaluate_case(&org, locked);
    assert_eq!(e.explanation.len(), 1, "{e}");
    assert_eq!(
        e.org_denial(),
        Some(OrgDenial::NoAllow(OrgPolicyType::ServiceControl))
    );
    let outsider = CASES
        .iter()
        .find(|c| c.name.starts_with("the data-perimeter RCP refuses"))
        .unwrap();
    assert_eq!(
        evaluate_case(&org, outsider).org_denial(),
        Some(OrgDenial::ExplicitDeny(OrgPolicyType::ResourceControl))
    );
}

#[test]
fn org_condition_keys_come_from_the_model() {
    let org = organization();
    let ctx = org.context(Some(account(VAULT)), Some(account(PLAY)));
    assert_eq!(
        ctx.get("aws:PrincipalOrgID"),
        Some(&ContextValue::Single(ORG.into()))
    );
    assert_eq!(
        ctx.get("aws:PrincipalOrgPaths"),
        Some(&ContextValue::Multi(vec![
            "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-33333333/".into()
        ]))
    );
    assert_eq!(
        ctx.get("aws:ResourceOrgPaths"),
        Some(&ContextValue::Multi(vec![
            "o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/".into()
        ]))
    );
    // The management account is a member: its keys are there, its paths empty.
    let ctx = org.context(Some(account(MANAGEMENT)), Some(account(OUTSIDER)));
    assert_eq!(
        ctx.get("aws:PrincipalOrgPaths"),
        Some(&ContextValue::Multi(vec!["o-a1b2c3d4e5/r-ab12/".into()]))
    );
    assert!(
        ctx.get("aws:ResourceOrgID").is_none(),
        "an outsider has none"
    );
    assert!(org.scp_path(account(MANAGEMENT)).is_empty());
    assert!(org.rcp_path(account(MANAGEMENT)).is_empty());
    // Three levels for an account two OUs down: root, Workloads, Locked, account.
    assert_eq!(org.scp_path(account(VAULT)).len(), 4);
    // aws:PrincipalAccount, aws:ResourceAccount and aws:PrincipalIsAWSService come
    // with every request.
    let r = Request::new(
        Caller::new("arn:aws:iam::222222222222:user/a".parse().unwrap()),
        "s3:GetObject",
        "arn:aws:iam::333333333333:role/R",
    );
    let keys = r.context_keys();
    assert_eq!(
        keys.get("aws:ResourceAccount"),
        Some(&ContextValue::Single(PLAY.into()))
    );
    assert_eq!(
        keys.get("aws:PrincipalAccount"),
        Some(&ContextValue::Single(PROD.into()))
    );
    assert_eq!(
        keys.get("aws:PrincipalIsAWSService"),
        Some(&ContextValue::Single("false".into()))
    );
}

#[test]
fn organizations_are_checked_with_every_problem_placed() {
    let err = Organization::new("o-x", "root", account(MANAGEMENT))
        .ou(OrgUnit::new("ou-ab12-11111111", "", "r-nope"))
        .ou(OrgUnit::new("ou-bad", "Bad", "ou-ab12-11111111"))
        .account(OrgAccount::new(account(PROD), "ou-ab12-99999999"))
        .account(OrgAccount::new(account(PROD), "ou-ab12-11111111"))
        .compile()
        .unwrap_err()
        .to_string();
    for expected in [
        r#"id: "o-x" is not an organization id (like "o-a1b2c3d4e5")"#,
        r#"root.id: "root" is not a root id"#,
        "OU ou-ab12-11111111.name: an OU name is 1 to 128 characters, found 0",
        r#"OU ou-bad.id: "ou-bad" is not an OU id"#,
        "OU ou-ab12-11111111.parent: r-nope is neither the root nor a declared OU",
        "account 222222222222.parent: ou-ab12-99999999 is neither the root nor a declared OU",
        "account 222222222222.id: 222222222222 is declared twice",
    ] {
        assert!(err.contains(expected), "{expected:?} missing from:\n{err}");
    }
    // Cycles, depth and the per-target quota.
    let mut deep = Organization::new(ORG, ROOT, account(MANAGEMENT));
    let mut parent = ROOT.to_owned();
    for i in 0..6 {
        let id = format!("ou-ab12-0000000{i}");
        deep = deep.ou(OrgUnit::new(&id, "Level", &parent));
        parent = id;
    }
    let err = deep.compile().unwrap_err().to_string();
    assert!(
        err.contains("Organizations nests OUs at most 5 levels"),
        "{err}"
    );
    let cycle = Organization::new(ORG, ROOT, account(MANAGEMENT))
        .ou(OrgUnit::new("ou-ab12-00000001", "A", "ou-ab12-00000002"))
        .ou(OrgUnit::new("ou-ab12-00000002", "B", "ou-ab12-00000001"))
        .compile()
        .unwrap_err()
        .to_string();
    assert!(cycle.contains("is its own ancestor"), "{cycle}");
    let mut crowded = OrgUnit::new(WORKLOADS, "Workloads", ROOT);
    for i in 0..6 {
        crowded = crowded.scp(policy(&format!("P{i}"), DENY_LEAVING_ORG));
    }
    let err = Organization::new(ORG, ROOT, account(MANAGEMENT))
        .ou(crowded)
        .compile()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("6 SCPs attached; Organizations attaches at most 5"),
        "{err}"
    );
    // A policy invalid for its kind is placed too.
    let err = Organization::new(ORG, ROOT, account(MANAGEMENT))
        .root(|r| r.scp(policy("WithPrincipal", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#)))
        .compile()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(r#"root.scps["WithPrincipal"]: Statement[0].Principal: is not allowed in a service control policy"#),
        "{err}"
    );
}

/// A deny statement for an SCP or RCP, from small pools.
fn deny_statement(action: usize, key: usize, value: usize, rcp: bool) -> String {
    let actions = ["sts:AssumeRole", "s3:*", "*", "sts:TagSession", "ec2:*"];
    let keys = [
        "aws:PrincipalOrgID",
        "aws:ResourceOrgID",
        "aws:PrincipalAccount",
        "aws:RequestedRegion",
    ];
    let values = [ORG, PROD, "eu-west-1", "nothing"];
    let principal = if rcp { r#""Principal":"*","# } else { "" };
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny",{principal}"Action":"{}","Resource":"*","Condition":{{"StringNotEqualsIfExists":{{"{}":"{}"}}}}}}]}}"#,
        actions[action % actions.len()],
        keys[key % keys.len()],
        values[value % values.len()]
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Adding an SCP or RCP deny anywhere never turns a deny into an allow.
    #[test]
    fn adding_an_org_deny_never_allows_more(
        case in 0..CASES.len(),
        action in 0usize..5, key in 0usize..4, value in 0usize..4,
        rcp in any::<bool>(),
        level in 0usize..4,
    ) {
        let base = organization();
        let statement = deny_statement(action, key, value, rcp);
        let target = [ROOT, WORKLOADS, SANDBOX, LOCKED][level];
        let deny = policy("Added", &statement);
        let attach = |u: OrgUnit| if rcp { u.rcp(deny.clone()) } else { u.scp(deny.clone()) };
        let mut org = Organization::new(ORG, ROOT, account(MANAGEMENT))
            .root(|r| {
                let r = r.scp(OrgPolicy::full_aws_access())
                    .scp(policy("DenyLeavingOrg", DENY_LEAVING_ORG))
                    .rcp(policy("EnforceOrgIdentities", ENFORCE_ORG_IDENTITIES));
                if target == ROOT { attach(r) } else { r }
            });
        let ous = [
            OrgUnit::new(WORKLOADS, "Workloads", ROOT)
                .scp(OrgPolicy::full_aws_access())
                .scp(policy("DenyAllOutsideEU", DENY_OUTSIDE_EU))
                .scp(policy("RequireMfaToStop", REQUIRE_MFA_TO_STOP))
                .scp(policy("NoRolesInSandbox", DENY_ASSUME_INTO_SANDBOX)),
            OrgUnit::new(SANDBOX, "Sandbox", ROOT),
            OrgUnit::new(LOCKED, "Locked", WORKLOADS).scp(policy("DenyLeavingOrg", DENY_LEAVING_ORG)),
        ];
        for (i, ou) in ous.into_iter().enumerate() {
            org = org.ou(if level == i + 1 { attach(ou) } else { ou });
        }
        let with_deny = org
            .account(OrgAccount::new(account(PROD), WORKLOADS))
            .account(OrgAccount::new(account(PLAY), SANDBOX))
            .account(OrgAccount::new(account(VAULT), LOCKED))
            .compile()
            .unwrap();
        let before = evaluate_case(&base, &CASES[case]);
        let after = evaluate_case(&with_deny, &CASES[case]);
        prop_assert!(
            before.is_allowed() || !after.is_allowed(),
            "{} turned from {before} to {after} by adding {statement} at {target}",
            CASES[case].name
        );
        if before.decision == Decision::ExplicitlyDenied {
            prop_assert_eq!(after.decision, Decision::ExplicitlyDenied);
        }
    }
}
