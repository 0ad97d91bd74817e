//! Least privilege from a recording: the identity policy a role's recorded
//! calls need, grouped, folded and conditioned only when asked, and proved by
//! replay (every call allowed, no statement removable).

use std::collections::BTreeMap;

use xrole_core::RoleArn;
use xrole_test::eval::Decision;
use xrole_test::least::{LeastPrivilegeError, Options, minimal_policy, replay};
use xrole_test::recording::{RecordedCheck, Recording};

const ROLE: &str = "arn:aws:iam::222222222222:role/Worker";
const SESSION: &str = "arn:aws:sts::222222222222:assumed-role/Worker/w1";

fn check(action: &str, resource: &str, decision: Decision) -> RecordedCheck {
    RecordedCheck {
        principal: SESSION.to_owned(),
        role: Some(ROLE.to_owned()),
        action: action.to_owned(),
        resource: resource.to_owned(),
        context: BTreeMap::from([
            (
                "aws:RequestedRegion".to_owned(),
                vec!["eu-west-1".to_owned()],
            ),
            ("aws:SecureTransport".to_owned(), vec!["true".to_owned()]),
        ]),
        decision,
        approximate: false,
        count: 1,
    }
}

fn role() -> RoleArn {
    ROLE.parse().unwrap()
}

/// A worker's calls: reads and a write on its bucket, a listing, and a send
/// its declared policy refused (the code needed it all the same).
fn recording() -> Recording {
    let mut r = Recording::default();
    for c in [
        check(
            "s3:GetObject",
            "arn:aws:s3:::work/in/a.csv",
            Decision::Allowed,
        ),
        check(
            "s3:GetObject",
            "arn:aws:s3:::work/in/a.csv",
            Decision::Allowed,
        ),
        check(
            "s3:GetObject",
            "arn:aws:s3:::work/in/b.csv",
            Decision::Allowed,
        ),
        check(
            "s3:PutObject",
            "arn:aws:s3:::work/in/a.csv",
            Decision::Allowed,
        ),
        check("s3:ListBucket", "arn:aws:s3:::work", Decision::Allowed),
        check(
            "sqs:SendMessage",
            "arn:aws:sqs:eu-west-1:222222222222:jobs",
            Decision::ImplicitlyDenied,
        ),
    ] {
        r.record(c);
    }
    // Another role's call is not the worker's.
    let mut other = check(
        "s3:DeleteObject",
        "arn:aws:s3:::work/in/a.csv",
        Decision::Allowed,
    );
    other.role = Some("arn:aws:iam::222222222222:role/Other".to_owned());
    r.record(other);
    r
}

#[test]
fn the_minimal_policy_allows_exactly_the_recorded_calls() {
    let recording = recording();
    xrole_test::assert_least_privilege!("worker", recording, role());
    let minimal = minimal_policy(&recording, &role(), &Options::new()).unwrap();
    assert_eq!(minimal.calls, 6);
    assert_eq!(minimal.checks, 5);
    assert!(minimal.notes.is_empty(), "{:?}", minimal.notes);
    // Proved: every call allowed, and every statement needed.
    let replayed = replay(&recording, &role(), &minimal.document);
    assert_eq!((replayed.allowed, replayed.refused.len()), (5, 0));
    assert!(replayed.removable.is_empty());
    // The other role's delete is in nobody's statement here.
    assert!(
        !minimal
            .document
            .to_canonical_json()
            .contains("DeleteObject")
    );
}

/// Replay catches a policy that is too narrow and one with a statement no call
/// needs.
#[test]
fn replay_finds_refused_calls_and_removable_statements() {
    let recording = recording();
    let narrow = xrole_core::PolicyDocument::from_json(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::work/*"}]}"#,
    )
    .unwrap();
    let replayed = replay(&recording, &role(), &narrow);
    assert_eq!(replayed.allowed, 2);
    let refused: Vec<&str> = replayed.refused.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(
        refused,
        ["s3:ListBucket", "s3:PutObject", "sqs:SendMessage"]
    );
    let wide = xrole_core::PolicyDocument::from_json(
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::work/*"}]}"#,
    )
    .unwrap();
    let replayed = replay(&recording, &role(), &wide);
    assert!(replayed.refused.is_empty());
    // The second adds nothing to the first: it could go; the first could not.
    assert_eq!(replayed.removable, [1]);
}

/// Folding and conditions happen only when asked, and are said.
#[test]
fn folding_and_conditions_are_asked_for_and_said() {
    let mut recording = Recording::default();
    for i in 0..12 {
        recording.record(check(
            "s3:GetObject",
            &format!("arn:aws:s3:::work/reports/2026-{i:02}.csv"),
            Decision::Allowed,
        ));
    }
    recording.record(check(
        "s3:GetObject",
        "arn:aws:s3:::work/top.csv",
        Decision::Allowed,
    ));
    let exact = minimal_policy(&recording, &role(), &Options::new()).unwrap();
    assert_eq!(exact.document.statements().len(), 1);
    assert!(exact.document.to_canonical_json().contains("2026-11.csv"));

    let options = Options::new().fold_past(10).conditions(true);
    let folded = minimal_policy(&recording, &role(), &options).unwrap();
    xrole_test::assert_least_privilege!("worker_folded", recording, role(), options);
    assert_eq!(
        folded.notes,
        [
            "folded 12 objects of s3:GetObject under arn:aws:s3:::work/reports/ into arn:aws:s3:::work/reports/* (more than 10)",
            "condition StringEquals aws:RequestedRegion = eu-west-1 on arn:aws:s3:::work/reports/*, arn:aws:s3:::work/top.csv (every call had it)",
            "condition Bool aws:SecureTransport = true on arn:aws:s3:::work/reports/*, arn:aws:s3:::work/top.csv (every call had it)",
        ]
    );
    let replayed = replay(&recording, &role(), &folded.document);
    assert!(replayed.refused.is_empty() && replayed.removable.is_empty());
    // Past 12, no fold: the folder keeps its objects.
    let kept = minimal_policy(&recording, &role(), &Options::new().fold_past(12)).unwrap();
    assert!(kept.notes.is_empty());
}

/// Keys that change with every call (the time, a presigned URL's age) make
/// no check of their own and no condition.
#[test]
fn per_call_keys_are_left_out_of_the_recording() {
    let mut recording = Recording::default();
    for (i, age) in ["1200", "98000"].into_iter().enumerate() {
        let mut c = check("s3:GetObject", "arn:aws:s3:::work/a.csv", Decision::Allowed);
        c.context
            .insert("s3:signatureAge".to_owned(), vec![age.to_owned()]);
        c.context
            .insert("aws:EpochTime".to_owned(), vec![format!("179666640{i}")]);
        recording.record(c);
    }
    assert_eq!(recording.len(), 1);
    assert_eq!(recording.checks().next().unwrap().count, 2);
    let options = Options::new().conditions(true);
    let minimal = minimal_policy(&recording, &role(), &options).unwrap();
    let text = minimal.document.to_canonical_json();
    assert!(
        !text.contains("signatureAge") && !text.contains("EpochTime"),
        "{text}"
    );
}

#[test]
fn a_role_without_recorded_calls_has_no_policy() {
    let other: RoleArn = "arn:aws:iam::222222222222:role/Idle".parse().unwrap();
    let err = minimal_policy(&recording(), &other, &Options::new()).unwrap_err();
    assert_eq!(err, LeastPrivilegeError::NoCalls(other.to_string()));
    assert_eq!(
        err.to_string(),
        "the recording holds no call of arn:aws:iam::222222222222:role/Idle's sessions"
    );
}

/// A declared policy against the calls: what it allows that nobody used (with
/// the statement's place), and the calls it refuses (with the statements that
/// would admit exactly them); the assertion fails on either.
#[test]
fn declared_versus_used() {
    use xrole_core::{Permission, PrincipalArn, RoleSpec};
    use xrole_test::least::declared_vs_used;
    let declared = xrole_core::PolicyDocument::from_json(
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["s3:GetObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::work/*","arn:aws:s3:::archive/*"]},
            {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::work"},
            {"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}"#,
    )
    .unwrap();
    let usage = declared_vs_used(&recording(), &role(), &declared);
    let unused: Vec<String> = usage.unused.iter().map(ToString::to_string).collect();
    assert_eq!(
        unused,
        [
            "Statement[0]: actions s3:DeleteObject never used; resources arn:aws:s3:::archive/* never used",
            "Statement[2]: no recorded call needs it",
        ]
    );
    let refused: Vec<&str> = usage.refused.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(refused, ["s3:PutObject", "sqs:SendMessage"]);
    let missing = usage.missing.as_ref().unwrap().to_canonical_json();
    assert!(
        missing.contains("\"s3:PutObject\"")
            && missing.contains("arn:aws:sqs:eu-west-1:222222222222:jobs"),
        "{missing}"
    );
    assert!(!usage.is_exact());

    // A declaration that is exactly the calls passes the assertion.
    let spec = RoleSpec::builder(role())
        .trusted(PrincipalArn::from_static("arn:aws:iam::111111111111:root"))
        .allow(Permission::new(
            ["s3:GetObject"],
            ["arn:aws:s3:::work/in/b.csv"],
        ))
        .allow(Permission::new(
            ["s3:GetObject", "s3:PutObject"],
            ["arn:aws:s3:::work/in/a.csv"],
        ))
        .allow(Permission::new(["s3:ListBucket"], ["arn:aws:s3:::work"]))
        .allow(Permission::new(
            ["sqs:SendMessage"],
            ["arn:aws:sqs:eu-west-1:222222222222:jobs"],
        ))
        .build()
        .unwrap();
    xrole_test::assert_used_as_declared!(recording(), spec);
    // One more action than used fails it, naming the action.
    let wider = spec
        .to_builder()
        .allow(Permission::new(
            ["s3:DeleteObject"],
            ["arn:aws:s3:::work/in/a.csv"],
        ))
        .build()
        .unwrap();
    let failed = std::panic::catch_unwind(|| {
        xrole_test::assert_used_as_declared!(recording(), wider);
    })
    .unwrap_err();
    let message = failed.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("is not declared as used")
            && message.contains("no recorded call needs it"),
        "{message}"
    );
}

/// Replay decides the identity policy's part: a call on another account's
/// resource, or on a KMS key, is allowed by the identity policy that allows it
/// (the resource's own policy is the resource's side), and refused by one that
/// does not.
#[test]
fn replay_decides_the_identity_side_across_accounts_and_for_keys() {
    let mut recording = Recording::default();
    for (action, resource) in [
        (
            "sqs:ReceiveMessage",
            "arn:aws:sqs:eu-west-1:444455556666:shared",
        ),
        (
            "kms:Decrypt",
            "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
    ] {
        recording.record(check(action, resource, Decision::Allowed));
    }
    let minimal = minimal_policy(&recording, &role(), &Options::new()).unwrap();
    let replayed = replay(&recording, &role(), &minimal.document);
    assert_eq!((replayed.allowed, replayed.refused.len()), (2, 0));
    let sqs_only = xrole_core::PolicyDocument::from_json(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#,
    )
    .unwrap();
    let replayed = replay(&recording, &role(), &sqs_only);
    let refused: Vec<&str> = replayed.refused.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(refused, ["kms:Decrypt"]);
}
