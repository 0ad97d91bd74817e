//! Evaluator figures: `cargo bench -p xrole-test --bench eval`.
//! Prints one `name: value` line per figure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench may stop loudly

mod support;

use std::hint::black_box;
use support::median_ns;

use xrole_core::PolicyDocument;
use xrole_core::policy::PolicyKind;
use xrole_test::eval::{Caller, CompiledPolicy, PolicySet, Request, evaluate};
use xrole_test::org::{OrgAccount, OrgPolicy, OrgUnit, Organization};

fn compiled(json: &str, kind: PolicyKind) -> CompiledPolicy {
    let doc: PolicyDocument = json.parse().unwrap_or_else(|e| panic!("bench policy: {e}"));
    CompiledPolicy::new("bench", &doc, kind).unwrap_or_else(|e| panic!("bench policy: {e}"))
}

fn main() {
    let trust = compiled(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},
            "Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"my-secret-external-id-1234"}}}]}"#,
        PolicyKind::Trust,
    );
    let identity = compiled(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/CrossAccountAccessRole"}]}"#,
        PolicyKind::Identity,
    );
    let policies = PolicySet {
        identity: vec![identity],
        resource: Some(trust),
        ..PolicySet::default()
    };
    let caller = Caller::new(
        "arn:aws:iam::111111111111:user/crossAccountUser"
            .parse()
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let allowed = Request::new(
        caller.clone(),
        "sts:AssumeRole",
        "arn:aws:iam::222222222222:role/CrossAccountAccessRole",
    )
    .with("sts:ExternalId", "my-secret-external-id-1234");
    let denied = Request::new(
        caller,
        "sts:AssumeRole",
        "arn:aws:iam::222222222222:role/CrossAccountAccessRole",
    )
    .with("sts:ExternalId", "wrong");
    assert!(
        evaluate(&allowed, &policies).is_allowed(),
        "bench setup must allow"
    );
    assert!(
        !evaluate(&denied, &policies).is_allowed(),
        "bench setup must deny"
    );

    // Warm up, then measure.
    median_ns(5, 10_000, || {
        black_box(evaluate(black_box(&allowed), black_box(&policies)));
    });
    let allowed_ns = median_ns(51, 20_000, || {
        black_box(evaluate(black_box(&allowed), black_box(&policies)));
    });
    let denied_ns = median_ns(51, 20_000, || {
        black_box(evaluate(black_box(&denied), black_box(&policies)));
    });
    println!("eval_ns_assume_role: {allowed_ns:.0}");
    println!("eval_ns_assume_role_denied_explained: {denied_ns:.0}");

    // The same decision in an organization: the caller's account two OUs down (a
    // 3-level SCP path and the account), the role's too (a 3-level RCP path), each
    // level with FullAWSAccess or RCPFullAWSAccess and a guardrail that does not
    // apply.
    let scp = |json: &str| doc(json);
    let org = Organization::new("o-a1b2c3d4e5", "r-ab12", "999999999999".parse().unwrap())
        .root(|r| {
            r.scp(OrgPolicy::full_aws_access())
                .scp(OrgPolicy::new("DenyLeavingOrg", scp(DENY_LEAVING)))
                .rcp(OrgPolicy::new("EnforceOrgIdentities", scp(ENFORCE_ORG)))
        })
        .ou(OrgUnit::new("ou-ab12-11111111", "Workloads", "r-ab12")
            .scp(OrgPolicy::full_aws_access())
            .scp(OrgPolicy::new("DenyOutsideEU", scp(DENY_OUTSIDE_EU)))
            .rcp(OrgPolicy::new("EnforceOrgIdentities", scp(ENFORCE_ORG))))
        .ou(OrgUnit::new("ou-ab12-22222222", "Prod", "ou-ab12-11111111")
            .scp(OrgPolicy::full_aws_access())
            .scp(OrgPolicy::new("DenyLeavingOrg", scp(DENY_LEAVING)))
            .rcp(OrgPolicy::new("EnforceOrgIdentities", scp(ENFORCE_ORG))))
        .account(OrgAccount::new(
            "111111111111".parse().unwrap(),
            "ou-ab12-22222222",
        ))
        .account(OrgAccount::new(
            "222222222222".parse().unwrap(),
            "ou-ab12-22222222",
        ))
        .compile()
        .unwrap();
    let mut org_policies = policies.clone();
    let org_request = org
        .govern(allowed.clone(), &mut org_policies)
        .with("aws:RequestedRegion", "eu-west-1");
    assert_eq!(org_policies.service_control.len(), 4);
    assert_eq!(org_policies.resource_control.len(), 4);
    assert!(
        evaluate(&org_request, &org_policies).is_allowed(),
        "bench setup must allow: {}",
        evaluate(&org_request, &org_policies)
    );
    let org_ns = median_ns(51, 20_000, || {
        black_box(evaluate(black_box(&org_request), black_box(&org_policies)));
    });
    println!("eval_ns_assume_role_org: {org_ns:.0}");
}

fn doc(json: &str) -> PolicyDocument {
    json.parse().unwrap_or_else(|e| panic!("bench policy: {e}"))
}

const DENY_LEAVING: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#;
const DENY_OUTSIDE_EU: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*","organizations:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-central-1","eu-west-1"]}}}]}"#;
const ENFORCE_ORG: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":["sts:AssumeRole","s3:*"],"Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}]}"#;
