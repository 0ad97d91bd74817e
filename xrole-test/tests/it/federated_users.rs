//! Federated users (GetFederationToken): the embedded STS through `aws-sdk-sts`
//! (allowed, refused, every validation message, the session it issues), and the
//! evaluator's rules for their sessions: no session policy means no permissions,
//! a resource policy's grant to the federated user is not limited by the session
//! policy, a grant to the IAM user behind it is.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};
use xrole_core::policy::PolicyKind;
use xrole_test::eval::*;
use xrole_test::org::{OrgAccount, OrgPolicy, Organization};
use xrole_test::sts::*;

use super::fixtures::{client, client_from, doc};

const BROKER: &str = "arn:aws:iam::111111111111:user/broker";
const LOCKED: &str = "arn:aws:iam::111111111111:user/locked";
const FED_BOB: &str = "arn:aws:sts::111111111111:federated-user/Bob";
const BUCKET: &str = "arn:aws:s3:::reports/q3.csv";

fn allow(actions: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"{resource}"}}]}}"#
    )
}

/// A token broker allowed to federate anyone (with tags) and to read S3, and a user
/// allowed to read S3 but not to federate.
fn world() -> World {
    let mut world = World::new();
    world
        .add_managed_policy(
            "arn:aws:iam::111111111111:policy/ReadReports".parse().unwrap(),
            doc(&allow(r#""s3:GetObject""#, BUCKET)),
        )
        .unwrap()
        .add_managed_policy(
            "arn:aws:iam::222222222222:policy/Elsewhere".parse().unwrap(),
            doc(&allow(r#""s3:GetObject""#, "*")),
        )
        .unwrap()
        .add_user(
            User::new(BROKER.parse().unwrap())
                .unwrap()
                .policy(
                    "federate",
                    doc(&allow(
                        r#"["sts:GetFederationToken","sts:TagSession"]"#,
                        "arn:aws:sts::111111111111:federated-user/*",
                    )),
                )
                .policy("read", doc(&allow(r#""s3:*""#, "*")))
                .tag("team", "ops"),
        )
        .unwrap()
        .add_user(
            User::new(LOCKED.parse().unwrap())
                .unwrap()
                .policy("read", doc(&allow(r#""s3:*""#, "*"))),
        )
        .unwrap()
        .add_role(Role::new(
            "arn:aws:iam::111111111111:role/Target".parse().unwrap(),
            doc(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}"#,
            ),
        ))
        .unwrap();
    world
}

#[tokio::test]
async fn a_broker_federates_a_user_with_a_session_policy() {
    let sts = EmbeddedSts::start(world()).await.unwrap();
    let broker = client(&sts, BROKER).await;
    let out = broker
        .get_federation_token()
        .name("Bob")
        .policy(allow(r#""s3:GetObject""#, BUCKET))
        .policy_arns(
            PolicyDescriptorType::builder()
                .arn("arn:aws:iam::111111111111:policy/ReadReports")
                .build(),
        )
        .tags(Tag::builder().key("team").value("finance").build().unwrap())
        .duration_seconds(7200)
        .send()
        .await
        .unwrap();
    let user = out.federated_user().unwrap();
    assert_eq!(user.arn(), FED_BOB);
    assert_eq!(user.federated_user_id(), "111111111111:Bob");
    // The SDK deprecates the accessor, but STS still answers with PackedPolicySize.
    #[allow(deprecated)]
    let packed = out.packed_policy_size();
    assert!(packed.unwrap() > 0);
    let creds = out.credentials().unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"));
    let expires = std::time::SystemTime::try_from(*creds.expiration()).unwrap();
    let lifetime = expires
        .duration_since(std::time::SystemTime::now())
        .unwrap()
        .as_secs();
    assert!((7100..=7200).contains(&lifetime), "{lifetime}");

    // The session is the federated user.
    let bob = client_from(&sts, creds).await;
    let me = bob.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some(FED_BOB));
    assert_eq!(me.user_id(), Some("111111111111:Bob"));
    assert_eq!(me.account(), Some("111111111111"));

    // It cannot call STS but GetCallerIdentity: AssumeRole is refused even though
    // the trust policy names the account and the session policy would not matter.
    let err = bob
        .assume_role()
        .role_arn("arn:aws:iam::111111111111:role/Target")
        .role_session_name("bob-session")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{:?}", err.message());
    assert_eq!(
        err.message(),
        Some(
            "User: arn:aws:sts::111111111111:federated-user/Bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/Target"
        )
    );
    let detail = sts.last_audit("AssumeRole").unwrap().detail.unwrap();
    assert!(detail.contains("federated users"), "{detail}");
    let err = bob.get_session_token().send().await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("Cannot call GetSessionToken with session credentials")
    );
    let err = bob
        .get_federation_token()
        .name("Eve")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(
        err.message(),
        Some("Cannot call GetFederationToken with session credentials")
    );

    // The audit log saw the call and its caller.
    let entry = &sts.audit_of("GetFederationToken")[0];
    assert_eq!(entry.caller.as_deref(), Some(BROKER));
    assert_eq!(entry.decision, Some(Decision::Allowed));
}

#[tokio::test]
async fn federating_needs_the_permission_and_tag_session_with_tags() {
    let sts = EmbeddedSts::start(world()).await.unwrap();
    let locked = client(&sts, LOCKED).await;
    let err = locked
        .get_federation_token()
        .name("Bob")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(
        err.message(),
        Some(
            "User: arn:aws:iam::111111111111:user/locked is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::111111111111:federated-user/Bob"
        )
    );
    assert_eq!(
        sts.last_audit("GetFederationToken").unwrap().decision,
        Some(Decision::ImplicitlyDenied)
    );

    // A broker allowed GetFederationToken only for names starting app-, without
    // TagSession.
    let mut world = world();
    world
        .replace_user(User::new(LOCKED.parse().unwrap()).unwrap().policy(
            "federate",
            doc(&allow(
                r#""sts:GetFederationToken""#,
                "arn:aws:sts::111111111111:federated-user/app-*",
            )),
        ))
        .unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    let narrow = client(&sts, LOCKED).await;
    narrow
        .get_federation_token()
        .name("app-7")
        .send()
        .await
        .unwrap();
    let err = narrow
        .get_federation_token()
        .name("Bob")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.message().unwrap().contains("federated-user/Bob"),
        "{err:?}"
    );
    let err = narrow
        .get_federation_token()
        .name("app-8")
        .tags(Tag::builder().key("k").value("v").build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert!(
        err.message()
            .unwrap()
            .contains("not authorized to perform: sts:TagSession on resource: arn:aws:sts::111111111111:federated-user/app-8"),
        "{err:?}"
    );
}

#[tokio::test]
async fn validation_errors_as_sts_words_them() {
    let sts = EmbeddedSts::start(world()).await.unwrap();
    let broker = client(&sts, BROKER).await;
    let managed = |arn: &str| PolicyDescriptorType::builder().arn(arn).build();
    let cases = vec![
        (
            broker.get_federation_token().name("B"),
            "ValidationError",
            "Value 'B' at 'name' failed to satisfy constraint: must be 2 to 32 characters long, found 1 (\"B\")",
        ),
        (
            broker.get_federation_token().name("a".repeat(33)),
            "ValidationError",
            "at 'name' failed to satisfy constraint: must be 2 to 32 characters long, found 33",
        ),
        (
            broker.get_federation_token().name("bob/ops"),
            "ValidationError",
            "at 'name' failed to satisfy constraint: character '/'",
        ),
        (
            broker
                .get_federation_token()
                .name("Bob")
                .duration_seconds(899),
            "ValidationError",
            "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 129600",
        ),
        (
            broker
                .get_federation_token()
                .name("Bob")
                .duration_seconds(129_601),
            "ValidationError",
            "Member must have value between 900 and 129600",
        ),
        (
            broker
                .get_federation_token()
                .name("Bob")
                .tags(Tag::builder().key("aws:x").value("v").build().unwrap()),
            "ValidationError",
            "the prefix \"aws:\" is reserved",
        ),
        (
            broker
                .get_federation_token()
                .name("Bob")
                .policy("{not json"),
            "MalformedPolicyDocument",
            "not valid JSON",
        ),
        (
            broker
                .get_federation_token()
                .name("Bob")
                .policy("x".repeat(2049)),
            "ValidationError",
            "Member must have length less than or equal to 2048",
        ),
        (
            broker
                .get_federation_token()
                .name("Bob")
                .policy_arns(managed("arn:aws:iam::aws:policy/Nope")),
            "InvalidParameterValue",
            "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable.",
        ),
        // A policy of another account is not attachable, even though it exists.
        (
            broker
                .get_federation_token()
                .name("Bob")
                .policy_arns(managed("arn:aws:iam::222222222222:policy/Elsewhere")),
            "InvalidParameterValue",
            "Policy arn:aws:iam::222222222222:policy/Elsewhere does not exist or is not attachable.",
        ),
    ];
    for (request, code, fragment) in cases {
        let err = request.send().await.unwrap_err();
        assert_eq!(err.code(), Some(code), "{:?}", err.message());
        assert!(
            err.message().unwrap().contains(fragment),
            "{:?} lacks {fragment:?}",
            err.message()
        );
    }
    // Several problems are reported at once.
    let err = broker
        .get_federation_token()
        .name("B")
        .duration_seconds(1)
        .send()
        .await
        .unwrap_err();
    let message = err.message().unwrap();
    assert!(
        message.starts_with("2 validation errors detected: ")
            && message.contains("'name'")
            && message.contains("'durationSeconds'"),
        "{message}"
    );
    // Name is required; the SDK leaves that check to STS.
    let err = broker.get_federation_token().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"));
    assert!(
        err.message()
            .unwrap()
            .contains("Value null at 'name' failed to satisfy constraint: Member must not be null"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_scp_refuses_federation_in_sts_words() {
    let mut world = world();
    let deny = OrgPolicy::new(
        "NoFederation",
        doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:GetFederationToken","Resource":"*"}]}"#,
        ),
    );
    let org = Organization::new("o-a1b2c3d4e5", "r-ab12", "999999999999".parse().unwrap()).account(
        OrgAccount::new("111111111111".parse().unwrap(), "r-ab12")
            .scp(OrgPolicy::full_aws_access())
            .scp(deny),
    );
    world.set_organization(&org).unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    let err = client(&sts, BROKER)
        .await
        .get_federation_token()
        .name("Bob")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some(
            "User: arn:aws:iam::111111111111:user/broker is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::111111111111:federated-user/Bob with an explicit deny in a service control policy"
        )
    );
}

// The evaluator: what a federated user's session may do.

fn compiled(label: &str, json: &str, kind: PolicyKind) -> CompiledPolicy {
    CompiledPolicy::new(label, &doc(json), kind).unwrap()
}

fn bucket_policy(principal: &str) -> CompiledPolicy {
    compiled(
        "bucket policy",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Grant","Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"s3:GetObject","Resource":"{BUCKET}"}}]}}"#
        ),
        PolicyKind::Resource,
    )
}

fn bob() -> Caller {
    Caller::new(FED_BOB.parse().unwrap()).federated_by(BROKER.parse().unwrap())
}

fn read(caller: Caller) -> Request {
    Request::new(caller, "s3:GetObject", BUCKET).resource_account("111111111111".parse().unwrap())
}

/// The broker's identity policy allows every S3 action; the session policy
/// `session` (if any) narrows it; `resource` is the bucket's policy.
fn policies(session: Option<&str>, resource: Option<CompiledPolicy>) -> PolicySet {
    PolicySet {
        identity: vec![compiled(
            "read",
            &allow(r#""s3:*""#, "*"),
            PolicyKind::Identity,
        )],
        session: session
            .map(|json| compiled("session policy", json, PolicyKind::Session))
            .into_iter()
            .collect(),
        resource,
        ..PolicySet::default()
    }
}

fn lines(e: &Evaluation) -> Vec<String> {
    e.explanation.iter().map(ToString::to_string).collect()
}

const ONLY_LIST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#;
const READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

#[test]
fn without_a_session_policy_the_session_has_no_permissions() {
    let e = evaluate(&read(bob()), &policies(None, None));
    assert_eq!(e.decision, Decision::ImplicitlyDenied);
    assert!(
        lines(&e)
            .iter()
            .any(|l| l.contains("has no session policy: GetFederationToken without Policy")),
        "{e}"
    );
    assert!(
        e.explanation
            .iter()
            .any(|l| l.finding == Finding::NoSessionPolicy)
    );
    // With one, the intersection decides.
    assert!(evaluate(&read(bob()), &policies(Some(READ), None)).is_allowed());
    assert_eq!(
        evaluate(&read(bob()), &policies(Some(ONLY_LIST), None)).decision,
        Decision::ImplicitlyDenied
    );
    // The identity policy still bounds the session policy.
    let mut narrow = policies(Some(READ), None);
    narrow.identity = vec![compiled("list", ONLY_LIST, PolicyKind::Identity)];
    assert_eq!(
        evaluate(&read(bob()), &narrow).decision,
        Decision::ImplicitlyDenied
    );
}

#[test]
fn a_grant_to_the_federated_user_is_not_limited_by_the_session_policy() {
    // Named by its own ARN, the federated user reads, session policy or not.
    for session in [None, Some(ONLY_LIST)] {
        let e = evaluate(
            &read(bob()),
            &policies(session, Some(bucket_policy(FED_BOB))),
        );
        assert!(e.is_allowed(), "{session:?}: {e}");
        assert_eq!(
            lines(&e),
            [r#"bucket policy Statement[0] (Sid "Grant") allows"#]
        );
    }
    // Another federated user's name does not match.
    let eve = Caller::new(
        "arn:aws:sts::111111111111:federated-user/Eve"
            .parse()
            .unwrap(),
    )
    .federated_by(BROKER.parse().unwrap());
    assert_eq!(
        evaluate(
            &read(eve),
            &policies(Some(ONLY_LIST), Some(bucket_policy(FED_BOB)))
        )
        .decision,
        Decision::ImplicitlyDenied
    );
}

#[test]
fn a_grant_to_the_user_behind_it_is_limited_by_the_session_policy() {
    let grant = || Some(bucket_policy(BROKER));
    // No session policy: nothing; a session policy that does not allow: nothing.
    for session in [None, Some(ONLY_LIST)] {
        let e = evaluate(&read(bob()), &policies(session, grant()));
        assert_eq!(e.decision, Decision::ImplicitlyDenied, "{session:?}: {e}");
    }
    // A session policy that allows: the grant reaches the session.
    let e = evaluate(&read(bob()), &policies(Some(READ), grant()));
    assert!(e.is_allowed(), "{e}");
    // Without the user behind it known, the grant names someone else.
    let unknown = Caller::new(FED_BOB.parse().unwrap());
    assert_eq!(unknown.federating_user(), None);
    let mut no_identity = policies(Some(READ), grant());
    no_identity.identity.clear();
    assert_eq!(
        evaluate(&read(unknown), &no_identity).decision,
        Decision::ImplicitlyDenied
    );
    // The user's permissions boundary limits the grant too.
    let mut bounded = policies(Some(READ), grant());
    bounded.boundaries = vec![compiled("boundary", ONLY_LIST, PolicyKind::Identity)];
    assert_eq!(
        evaluate(&read(bob()), &bounded).decision,
        Decision::ImplicitlyDenied
    );
}

#[test]
fn across_accounts_the_session_needs_its_own_permissions() {
    let other = "arn:aws:s3:::partner-bucket/x";
    let grant = compiled(
        "partner bucket",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{FED_BOB}"}},"Action":"s3:GetObject","Resource":"{other}"}}]}}"#
        ),
        PolicyKind::Resource,
    );
    let request = || {
        Request::new(bob(), "s3:GetObject", other).resource_account("222222222222".parse().unwrap())
    };
    assert_eq!(
        evaluate(&request(), &policies(None, Some(grant.clone()))).decision,
        Decision::ImplicitlyDenied
    );
    assert!(evaluate(&request(), &policies(Some(READ), Some(grant))).is_allowed());
}

#[test]
fn federated_users_cannot_call_iam_or_sts() {
    let admin =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let mut set = policies(Some(admin), None);
    set.identity = vec![compiled("admin", admin, PolicyKind::Identity)];
    for action in [
        "sts:AssumeRole",
        "sts:GetSessionToken",
        "iam:CreateUser",
        "IAM:ListRoles",
    ] {
        let e = evaluate(&Request::new(bob(), action, "*"), &set);
        assert_eq!(e.decision, Decision::ImplicitlyDenied, "{action}");
        assert_eq!(e.explanation[0].finding, Finding::ClosedToFederatedUsers);
    }
    for action in [
        "sts:GetCallerIdentity",
        "s3:GetObject",
        "ec2:DescribeInstances",
    ] {
        assert!(
            evaluate(&Request::new(bob(), action, "*"), &set).is_allowed(),
            "{action}"
        );
    }
}

#[test]
fn the_federated_users_context_keys() {
    let request = read(bob());
    let keys = request.context_keys();
    for (key, value) in [
        ("aws:PrincipalType", "FederatedUser"),
        ("aws:PrincipalArn", FED_BOB),
        ("aws:userid", "111111111111:Bob"),
        ("aws:PrincipalAccount", "111111111111"),
    ] {
        assert_eq!(
            keys.get(key),
            Some(&ContextValue::Single(value.to_owned())),
            "{key}"
        );
    }
    assert_eq!(keys.get("aws:username"), None);
    // A federating user is kept only for federated users.
    let alice = Caller::new(BROKER.parse().unwrap()).federated_by(LOCKED.parse().unwrap());
    assert_eq!(alice.federating_user(), None);
}
