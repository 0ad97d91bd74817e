//! The embedded STS through `aws-sdk-sts` itself: allowed and denied paths,
//! validation errors, signature and token failures, fault injection, chaining.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::time::{Duration, SystemTime};

use aws_sdk_sts::Client;
use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_sdk_sts::types::Tag;
use xrole_core::policy::PolicyKind;
use xrole_core::*;
use xrole_test::eval::Decision;
use xrole_test::sts::*;

use super::fixtures::{client, client_from, doc};

const ALICE: &str = "arn:aws:iam::111111111111:user/crossAccountUser";
const ROLE: &str = "arn:aws:iam::222222222222:role/CrossAccountAccessRole";

fn assume_policy(resource: &str) -> PolicyDocument {
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"{resource}"}}]}}"#
    ))
}

fn trust(principal: &str, condition: &str) -> PolicyDocument {
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!(r#","Condition":{condition}"#)
    };
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]{condition}}}]}}"#
    ))
}

/// The quickstart world: crossAccountUser in 111111111111 may assume
/// CrossAccountAccessRole in 222222222222.
fn quickstart_world() -> World {
    let mut world = World::new();
    world
        .add_user(
            User::new(ALICE.parse().unwrap())
                .unwrap()
                .policy("assume", assume_policy(ROLE))
                .mfa_device(MfaDevice::new(
                    "arn:aws:iam::111111111111:mfa/crossAccountUser",
                    "123456",
                ))
                .tag("team", "ops"),
        )
        .unwrap()
        .add_user(User::new("arn:aws:iam::111111111111:user/mallory".parse().unwrap()).unwrap())
        .unwrap()
        .add_role(
            Role::new(ROLE.parse().unwrap(), trust("111111111111", "")).max_session_duration(7200),
        )
        .unwrap();
    world
}

#[tokio::test]
async fn cross_account_assume_role_and_caller_identity() {
    let sts = EmbeddedSts::start(quickstart_world()).await.unwrap();
    let alice = client(&sts, ALICE).await;
    let me = alice.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some(ALICE));
    assert_eq!(me.account(), Some("111111111111"));
    assert!(me.user_id().unwrap().starts_with("AIDA"));

    let out = alice
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("dev-session")
        .send()
        .await
        .unwrap();
    let creds = out.credentials().unwrap();
    assert!(
        creds.access_key_id().starts_with("ASIA"),
        "{}",
        creds.access_key_id()
    );
    assert_eq!(creds.secret_access_key().len(), 40);
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        "arn:aws:sts::222222222222:assumed-role/CrossAccountAccessRole/dev-session"
    );
    assert!(
        user.assumed_role_id().starts_with("AROA")
            && user.assumed_role_id().ends_with(":dev-session")
    );
    let expires = SystemTime::try_from(*creds.expiration()).unwrap();
    let lifetime = expires.duration_since(SystemTime::now()).unwrap();
    assert!(
        lifetime > Duration::from_secs(3590) && lifetime <= Duration::from_secs(3600),
        "{lifetime:?}"
    );

    let as_role = client_from(&sts, creds).await;
    let me = as_role.get_caller_identity().send().await.unwrap();
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::222222222222:assumed-role/CrossAccountAccessRole/dev-session")
    );
    assert_eq!(me.account(), Some("222222222222"));

    let audit = sts.audit();
    assert_eq!(sts.count("AssumeRole"), 1);
    let assume = audit
        .iter()
        .find(|e| e.action.as_deref() == Some("AssumeRole"))
        .unwrap();
    assert_eq!(assume.caller.as_deref(), Some(ALICE));
    assert_eq!(assume.decision, Some(Decision::Allowed));
    assert_eq!(assume.parameter("RoleSessionName"), Some("dev-session"));
}

#[tokio::test]
async fn denied_paths_name_the_action_and_resource() {
    let sts = EmbeddedSts::start(quickstart_world()).await.unwrap();
    // No identity policy.
    let mallory = client(&sts, "arn:aws:iam::111111111111:user/mallory").await;
    let err = mallory
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("s1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(
        err.message(),
        Some(
            "User: arn:aws:iam::111111111111:user/mallory is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/CrossAccountAccessRole"
        )
    );
    let entry = sts.audit().into_iter().last().unwrap();
    assert_eq!(entry.decision, Some(Decision::ImplicitlyDenied));
    assert!(
        entry
            .detail
            .unwrap()
            .contains("no identity policies allow the request")
    );
    // A role that does not exist is denied the same way.
    let alice = client(&sts, ALICE).await;
    let err = alice
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/Nope")
        .role_session_name("s1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    // Trust that does not name the caller's account.
    sts.update_world(|w| {
        w.replace_role(Role::new(ROLE.parse().unwrap(), trust("333333333333", "")))
            .map(|_| ())
    })
    .unwrap();
    let err = alice
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("s1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert!(sts.audit().into_iter().last().unwrap().detail.unwrap().contains("trust policy of arn:aws:iam::222222222222:role/CrossAccountAccessRole has no statement that allows"));
}

#[tokio::test]
async fn external_id_and_mfa_conditions() {
    let mut world = quickstart_world();
    world
        .add_role(Role::new(
            "arn:aws:iam::222222222222:role/Vendor".parse().unwrap(),
            trust(
                "111111111111",
                r#"{"StringEquals":{"sts:ExternalId":"ext-42"}}"#,
            ),
        ))
        .unwrap()
        .add_role(Role::new(
            "arn:aws:iam::222222222222:role/Admin".parse().unwrap(),
            trust(
                "111111111111",
                r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
            ),
        ))
        .unwrap()
        .replace_user(
            User::new(ALICE.parse().unwrap())
                .unwrap()
                .policy("assume", assume_policy("arn:aws:iam::222222222222:role/*"))
                .mfa_device(MfaDevice::new(
                    "arn:aws:iam::111111111111:mfa/crossAccountUser",
                    "123456",
                )),
        )
        .unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    let alice = client(&sts, ALICE).await;
    let vendor = "arn:aws:iam::222222222222:role/Vendor";
    assert_eq!(
        alice
            .assume_role()
            .role_arn(vendor)
            .role_session_name("s1")
            .send()
            .await
            .unwrap_err()
            .code(),
        Some("AccessDenied")
    );
    assert!(
        sts.audit()
            .last()
            .unwrap()
            .detail
            .as_ref()
            .unwrap()
            .contains("condition StringEquals on sts:ExternalId does not hold")
    );
    assert_eq!(
        alice
            .assume_role()
            .role_arn(vendor)
            .role_session_name("s1")
            .external_id("wrong")
            .send()
            .await
            .unwrap_err()
            .code(),
        Some("AccessDenied")
    );
    alice
        .assume_role()
        .role_arn(vendor)
        .role_session_name("s1")
        .external_id("ext-42")
        .send()
        .await
        .unwrap();

    let admin = "arn:aws:iam::222222222222:role/Admin";
    let serial = "arn:aws:iam::111111111111:mfa/crossAccountUser";
    assert_eq!(
        alice
            .assume_role()
            .role_arn(admin)
            .role_session_name("s1")
            .send()
            .await
            .unwrap_err()
            .code(),
        Some("AccessDenied")
    );
    let err = alice
        .assume_role()
        .role_arn(admin)
        .role_session_name("s1")
        .serial_number(serial)
        .token_code("000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(
        err.message(),
        Some("MultiFactorAuthentication failed with invalid MFA one time pass code. ")
    );
    alice
        .assume_role()
        .role_arn(admin)
        .role_session_name("s1")
        .serial_number(serial)
        .token_code("123456")
        .send()
        .await
        .unwrap();
    assert_eq!(
        sts.audit().last().unwrap().parameter("TokenCode"),
        Some("******")
    );

    // An MFA session from GetSessionToken assumes the role without a new code.
    let token = alice
        .get_session_token()
        .serial_number(serial)
        .token_code("123456")
        .send()
        .await
        .unwrap();
    let mfa_session = client_from(&sts, token.credentials().unwrap()).await;
    assert_eq!(
        mfa_session
            .get_caller_identity()
            .send()
            .await
            .unwrap()
            .arn(),
        Some(ALICE)
    );
    mfa_session
        .assume_role()
        .role_arn(admin)
        .role_session_name("s2")
        .send()
        .await
        .unwrap();
    // Without MFA, GetSessionToken's session does not satisfy the condition.
    let plain = alice.get_session_token().send().await.unwrap();
    let plain_session = client_from(&sts, plain.credentials().unwrap()).await;
    assert_eq!(
        plain_session
            .assume_role()
            .role_arn(admin)
            .role_session_name("s3")
            .send()
            .await
            .unwrap_err()
            .code(),
        Some("AccessDenied")
    );
    // Sessions cannot get session tokens.
    let err = plain_session.get_session_token().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(
        err.message(),
        Some("Cannot call GetSessionToken with session credentials")
    );
}

#[tokio::test]
async fn validation_errors_as_sts_words_them() {
    let mut world = quickstart_world();
    world
        .add_managed_policy(
            "arn:aws:iam::111111111111:policy/CallerSide"
                .parse()
                .unwrap(),
            assume_policy(ROLE),
        )
        .unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    let alice = client(&sts, ALICE).await;
    let cases: Vec<(aws_sdk_sts::operation::assume_role::builders::AssumeRoleFluentBuilder, &str, &str)> = vec![
        (alice.assume_role().role_arn(ROLE).role_session_name("x"), "ValidationError", "Value 'x' at 'roleSessionName' failed to satisfy constraint: must be 2 to 64 characters long, found 1 (\"x\")"),
        (alice.assume_role().role_arn(ROLE).role_session_name("bad name"), "ValidationError", "at 'roleSessionName' failed to satisfy constraint: character ' '"),
        (alice.assume_role().role_arn("arn:aws:iam::2222:role/R").role_session_name("s1"), "ValidationError", "at 'roleArn' failed to satisfy constraint: account id must be 12 digits, found 4"),
        (alice.assume_role().role_arn(ROLE).role_session_name("s1").duration_seconds(899), "ValidationError", "at 'durationSeconds' failed to satisfy constraint: must be 900 to 43200 seconds"),
        (alice.assume_role().role_arn(ROLE).role_session_name("s1").duration_seconds(10_800), "ValidationError", "exceeds the MaxSessionDuration set for this role"),
        (alice.assume_role().role_arn(ROLE).role_session_name("s1").external_id("x"), "ValidationError", "at 'externalId' failed to satisfy constraint"),
        (alice.assume_role().role_arn(ROLE).role_session_name("s1").tags(Tag::builder().key("aws:x").value("v").build().unwrap()), "ValidationError", "the prefix \"aws:\" is reserved"),
        (alice.assume_role().role_arn(ROLE).role_session_name("s1").tags(Tag::builder().key("a").value("1").build().unwrap()).tags(Tag::builder().key("A").value("2").build().unwrap()), "ValidationError", "duplicate key \"A\""),
        (alice.assume_role().role_arn(ROLE).role_session_name("s1").transitive_tag_keys("Project"), "ValidationError", "at 'transitiveTagKeys' failed to satisfy constraint: \"Project\" is not the key of one of the session's tags"),
        (alice.assume_role().role_arn(ROLE).role_session_name("s1").policy("{not json"), "MalformedPolicyDocument", "not valid JSON"),
        (alice.assume_role().role_arn(ROLE).role_session_name("s1").policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#), "MalformedPolicyDocument", "Statement[0].Principal: is not allowed in a session policy"),
        (alice.assume_role().role_arn(ROLE).role_session_name("s1").policy("x".repeat(2049)), "ValidationError", "Member must have length less than or equal to 2048"),
        (alice.assume_role().role_arn(ROLE).role_session_name("s1").policy_arns(aws_sdk_sts::types::PolicyDescriptorType::builder().arn("arn:aws:iam::aws:policy/Nope").build()), "InvalidParameterValue", "does not exist or is not attachable"),
        // A managed session policy must be of the role's account (or AWS's), even one that exists.
        (alice.assume_role().role_arn(ROLE).role_session_name("s1").policy_arns(aws_sdk_sts::types::PolicyDescriptorType::builder().arn("arn:aws:iam::111111111111:policy/CallerSide").build()), "InvalidParameterValue", "Policy arn:aws:iam::111111111111:policy/CallerSide does not exist or is not attachable."),
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
    // Several problems at once.
    let err = alice
        .assume_role()
        .role_arn("nope")
        .role_session_name("!")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.message()
            .unwrap()
            .starts_with("2 validation errors detected: "),
        "{:?}",
        err.message()
    );
    // Tags and session policy too large to pack.
    let mut big = alice.assume_role().role_arn(ROLE).role_session_name("s1").policy(format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}/*"}}]}}"#,
        "b".repeat(1900)
    ));
    for i in 0..20 {
        big = big.tags(
            Tag::builder()
                .key(format!("key{i}-{}", "k".repeat(100)))
                .value("v".repeat(60))
                .build()
                .unwrap(),
        );
    }
    let err = big.send().await.unwrap_err();
    assert_eq!(
        err.code(),
        Some("PackedPolicyTooLarge"),
        "{:?}",
        err.message()
    );
}

#[tokio::test]
async fn signature_token_and_expiry_failures() {
    let clock = Clock::manual(SystemTime::now());
    let sts = EmbeddedSts::builder(quickstart_world())
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    // Unknown key.
    let stranger =
        aws_credential_types::Credentials::new("AKIAUNKNOWNKEY000000", "secret", None, None, "t");
    let config = sts
        .sdk_config_with(aws_credential_types::provider::SharedCredentialsProvider::new(stranger))
        .await;
    assert_eq!(
        Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .unwrap_err()
            .code(),
        Some("InvalidClientTokenId")
    );
    // Right key, wrong secret.
    let real = sts.credentials_for(ALICE).unwrap();
    let forged = aws_credential_types::Credentials::new(
        real.access_key_id(),
        "wrong-secret",
        None,
        None,
        "t",
    );
    let config = sts
        .sdk_config_with(aws_credential_types::provider::SharedCredentialsProvider::new(forged))
        .await;
    assert_eq!(
        Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .unwrap_err()
            .code(),
        Some("SignatureDoesNotMatch")
    );
    // A session key with a wrong token.
    let alice = client(&sts, ALICE).await;
    let out = alice
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("s1")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let creds = out.credentials().unwrap();
    let wrong_token = aws_credential_types::Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some("forged".into()),
        None,
        "t",
    );
    let config = sts
        .sdk_config_with(
            aws_credential_types::provider::SharedCredentialsProvider::new(wrong_token),
        )
        .await;
    assert_eq!(
        Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .unwrap_err()
            .code(),
        Some("InvalidClientTokenId")
    );
    // The session expires on the shared clock.
    let session = client_from(&sts, creds).await;
    session.get_caller_identity().send().await.unwrap();
    clock.advance(Duration::from_secs(901));
    let err = session.get_caller_identity().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ExpiredTokenException"));
    assert_eq!(
        err.message(),
        Some("The security token included in the request is expired")
    );
    // A request signed too long ago.
    let skewed = Clock::manual(SystemTime::now() - Duration::from_secs(3600));
    let stale = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new("us-east-1"))
        .endpoint_url(sts.url())
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                sts.credentials_for(ALICE).unwrap(),
            ),
        )
        .time_source(skewed)
        // The SDK corrects skew from the answer's Date and retries: see the first answer.
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    let err = Client::new(&stale)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    assert!(err.message().unwrap().starts_with("Signature expired"));
    // With retries, the SDK reads the server's Date (the shared clock's time) and
    // signs again with its skew corrected.
    let corrected = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new("us-east-1"))
        .endpoint_url(sts.url())
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                sts.credentials_for(ALICE).unwrap(),
            ),
        )
        .time_source(Clock::manual(SystemTime::now() - Duration::from_secs(3600)))
        .load()
        .await;
    Client::new(&corrected)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn region_disabled() {
    let mut world = quickstart_world();
    world.disable_region(AccountId::from_static("111111111111"), "us-east-1");
    let sts = EmbeddedSts::start(world).await.unwrap();
    let err = client(&sts, ALICE)
        .await
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("RegionDisabledException"));
}

#[tokio::test]
async fn chaining_a_to_b_to_c_and_the_hour_limit() {
    let mut world = quickstart_world();
    let b = "arn:aws:iam::222222222222:role/CrossAccountAccessRole";
    let c = "arn:aws:iam::333333333333:role/Audit";
    world
        .replace_role(
            Role::new(b.parse().unwrap(), trust("111111111111", ""))
                .policy("chain", assume_policy(c))
                .max_session_duration(43_200),
        )
        .unwrap()
        .add_role(Role::new(c.parse().unwrap(), trust(b, "")).max_session_duration(43_200))
        .unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    let alice = client(&sts, ALICE).await;
    let hop1 = alice
        .assume_role()
        .role_arn(b)
        .role_session_name("hop1")
        .source_identity("alice")
        .tags(
            Tag::builder()
                .key("Project")
                .value("Unicorn")
                .build()
                .unwrap(),
        )
        .transitive_tag_keys("Project")
        .send()
        .await
        .unwrap();
    assert_eq!(hop1.source_identity(), Some("alice"));
    let as_b = client_from(&sts, hop1.credentials().unwrap()).await;
    // Chained sessions last an hour at most.
    let err = as_b
        .assume_role()
        .role_arn(c)
        .role_session_name("hop2")
        .duration_seconds(3601)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"));
    assert!(
        err.message()
            .unwrap()
            .contains("exceeds the 1 hour session limit for roles assumed by role chaining")
    );
    // Transitive tags cannot be overridden; the source identity cannot change.
    let err = as_b
        .assume_role()
        .role_arn(c)
        .role_session_name("hop2")
        .tags(Tag::builder().key("project").value("x").build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameterValue"));
    let err = as_b
        .assume_role()
        .role_arn(c)
        .role_session_name("hop2")
        .source_identity("mallory")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    let hop2 = as_b
        .assume_role()
        .role_arn(c)
        .role_session_name("hop2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        hop2.source_identity(),
        Some("alice"),
        "the source identity passes on"
    );
    let as_c = client_from(&sts, hop2.credentials().unwrap()).await;
    assert_eq!(
        as_c.get_caller_identity().send().await.unwrap().arn(),
        Some("arn:aws:sts::333333333333:assumed-role/Audit/hop2")
    );
    // Alice cannot skip B.
    assert_eq!(
        alice
            .assume_role()
            .role_arn(c)
            .role_session_name("skip")
            .send()
            .await
            .unwrap_err()
            .code(),
        Some("AccessDenied")
    );
}

#[tokio::test]
async fn session_tags_need_tag_session_and_are_audited() {
    let mut world = quickstart_world();
    world
        .add_role(Role::new(
            "arn:aws:iam::222222222222:role/NoTags".parse().unwrap(),
            doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}"#),
        ))
        .unwrap()
        .replace_user(User::new(ALICE.parse().unwrap()).unwrap().policy("assume", assume_policy("arn:aws:iam::222222222222:role/*")))
        .unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    let alice = client(&sts, ALICE).await;
    let tag = Tag::builder()
        .key("Project")
        .value("Unicorn")
        .build()
        .unwrap();
    let err = alice
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/NoTags")
        .role_session_name("s1")
        .tags(tag.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some(
            "User: arn:aws:iam::111111111111:user/crossAccountUser is not authorized to perform: sts:TagSession on resource: arn:aws:iam::222222222222:role/NoTags"
        )
    );
    let out = alice
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("s1")
        .tags(tag)
        .source_identity("alice")
        .send()
        .await
        .unwrap();
    // The SDK deprecates the accessor, but STS still answers with PackedPolicySize.
    #[allow(deprecated)]
    let packed = out.packed_policy_size();
    assert!(packed.is_some());
    let entry = sts.audit().into_iter().last().unwrap();
    assert_eq!(entry.parameter("Tags.member.1.Key"), Some("Project"));
    assert_eq!(entry.parameter("Tags.member.1.Value"), Some("Unicorn"));
    assert_eq!(entry.parameter("SourceIdentity"), Some("alice"));
}

#[tokio::test]
async fn source_ip_and_principal_tags_reach_conditions() {
    let mut world = quickstart_world();
    world
        .replace_role(Role::new(
            ROLE.parse().unwrap(),
            trust("111111111111", r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringEquals":{"aws:PrincipalTag/team":"ops"}}"#),
        ))
        .unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    let alice = client(&sts, ALICE).await;
    // From 127.0.0.1: outside 10.0.0.0/8.
    assert_eq!(
        alice
            .assume_role()
            .role_arn(ROLE)
            .role_session_name("s1")
            .send()
            .await
            .unwrap_err()
            .code(),
        Some("AccessDenied")
    );
    sts.set_source_ip(ALICE, "10.1.2.3".parse().unwrap());
    alice
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("s1")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn fault_injection() {
    let clock = Clock::manual(SystemTime::now());
    let sts = EmbeddedSts::builder(quickstart_world())
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let no_retry = aws_sdk_sts::config::Builder::from(&sts.sdk_config_for(ALICE).await.unwrap())
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
        .build();
    let alice = Client::from_conf(no_retry);

    sts.set_outage(true);
    assert_eq!(
        alice.get_caller_identity().send().await.unwrap_err().code(),
        Some("ServiceUnavailable")
    );
    sts.set_outage(false);
    alice.get_caller_identity().send().await.unwrap();

    let before = sts.calls();
    sts.fail_calls([before + 2], ErrorCode::InternalFailure);
    alice.get_caller_identity().send().await.unwrap();
    assert_eq!(
        alice.get_caller_identity().send().await.unwrap_err().code(),
        Some("InternalFailure")
    );
    alice.get_caller_identity().send().await.unwrap();
    sts.clear_faults();

    sts.fail_rate(0.5, ErrorCode::Throttling);
    let mut failures = 0;
    for _ in 0..10 {
        if alice.get_caller_identity().send().await.is_err() {
            failures += 1;
        }
    }
    assert_eq!(failures, 5);
    sts.clear_faults();

    // 2 requests per second of the shared clock.
    sts.set_throttle(Some(2.0));
    let results: Vec<bool> = {
        let mut r = Vec::new();
        for _ in 0..3 {
            r.push(alice.get_caller_identity().send().await.is_ok());
        }
        r
    };
    assert_eq!(results, [true, true, false]);
    assert_eq!(sts.count_errors(ErrorCode::Throttling), 6);
    clock.advance(Duration::from_secs(1));
    alice.get_caller_identity().send().await.unwrap();
    sts.clear_faults();

    sts.set_malformed(true);
    let err = alice.get_caller_identity().send().await.unwrap_err();
    assert!(
        format!("{err:?}").to_lowercase().contains("xml")
            || format!("{err:?}").contains("Unhandled"),
        "{err:?}"
    );
    sts.set_malformed(false);

    // Latency on the shared clock: the answer waits until the clock moves.
    sts.set_latency(Duration::from_millis(100));
    let pending = tokio::spawn({
        let alice = alice.clone();
        async move { alice.get_caller_identity().send().await.is_ok() }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!pending.is_finished());
    clock.advance(Duration::from_millis(100));
    assert!(pending.await.unwrap());
}

#[tokio::test]
async fn credential_lifetime_override() {
    let clock = Clock::manual(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000));
    let sts = EmbeddedSts::builder(quickstart_world())
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    sts.set_credential_lifetime(Some(Duration::from_secs(5)));
    let alice = client(&sts, ALICE).await;
    let out = alice
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("short")
        .send()
        .await
        .unwrap();
    let expiration = SystemTime::try_from(*out.credentials().unwrap().expiration()).unwrap();
    assert_eq!(expiration, clock.now() + Duration::from_secs(5));
}

#[tokio::test]
async fn worlds_from_json_and_specs() {
    let json = r#"{
        "managedPolicies": {"arn:aws:iam::111111111111:policy/assume-any": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}},
        "groups": [{"account": "111111111111", "name": "Devs", "managedPolicies": ["arn:aws:iam::111111111111:policy/assume-any"]}],
        "users": [{"arn": "arn:aws:iam::111111111111:user/David", "groups": ["Devs"],
                   "accessKeys": [{"id": "AKIAEXAMPLEDAVID0001", "secret": "david-secret-key-0000000000000000000000"}]}],
        "roles": [{"arn": "arn:aws:iam::222222222222:role/acc-to-read-prod-s3-bucket",
                   "trustPolicy": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]},
                   "maxSessionDuration": 3600}]
    }"#;
    let sts = EmbeddedSts::start(World::from_json(json).unwrap())
        .await
        .unwrap();
    let david = client(&sts, "arn:aws:iam::111111111111:user/David").await;
    assert_eq!(
        sts.credentials_for("arn:aws:iam::111111111111:user/David")
            .unwrap()
            .access_key_id(),
        "AKIAEXAMPLEDAVID0001"
    );
    let out = david
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/acc-to-read-prod-s3-bucket")
        .role_session_name("David-ProdData")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.assumed_role_user().unwrap().arn(),
        "arn:aws:sts::222222222222:assumed-role/acc-to-read-prod-s3-bucket/David-ProdData"
    );

    let bad = World::from_json(r#"{"users":[{"arn":"arn:aws:iam::1:user/x"}],"roles":[{"arn":"arn:aws:iam::222222222222:role/R","trustPolicy":{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}}]}"#).unwrap_err();
    assert_eq!(bad.problems().len(), 2, "{bad}");
    assert!(
        bad.problems()[0]
            .to_string()
            .starts_with("users[0].arn: principal: account id must be 12 digits"),
        "{bad}"
    );
    assert!(
        bad.problems()[1]
            .to_string()
            .starts_with("roles[0].trustPolicy: Statement[0]: needs a Principal"),
        "{bad}"
    );
    // Every problem of one entity, each at its place, kept apart from the words.
    let bad = World::from_json(r#"{"users":[{"arn":"arn:aws:iam::111111111111:user/a"},{"arn":"arn:aws:iam::111111111111:user/b","groups":["ops"],"managedPolicies":["arn:aws:iam::aws:policy/Nope"],"policies":{"p":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]},"q":{"Statement":[{"Effect":"Maybe"}]}}}]}"#).unwrap_err();
    assert_eq!(
        bad.problems().iter().map(|p| p.place()).collect::<Vec<_>>(),
        [
            "users[1].groups[0]",
            r#"users[1].policies["p"]"#,
            r#"users[1].policies["q"]"#,
            "users[1].managedPolicies[0]"
        ],
        "{bad}"
    );

    // A role straight from a RoleSpec, the caller policy attached to the trusted user.
    let spec = RoleSpec::builder(RoleArn::from_static(
        "arn:aws:iam::222222222222:role/CrossAccountS3ReadOnly",
    ))
    .trusted(PrincipalArn::from_static(ALICE))
    .allow(Permission::new(
        ["s3:GetObject"],
        ["arn:aws:s3:::my-shared-bucket/*"],
    ))
    .build()
    .unwrap();
    let mut world = World::new();
    world
        .add_user(User::new(ALICE.parse().unwrap()).unwrap())
        .unwrap()
        .add_role_from_spec(&spec)
        .unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    client(&sts, ALICE)
        .await
        .assume_role()
        .role_arn(spec.role().as_str())
        .role_session_name("s1")
        .send()
        .await
        .unwrap();
    let role = sts.update_world(|w| w.role(spec.role()).cloned()).unwrap();
    assert!(
        role.trust_policy()
            .equivalent(&spec.trust_policy().unwrap())
    );
    role.trust_policy().validate(PolicyKind::Trust).unwrap();
}

#[tokio::test]
async fn roles_of_one_name_in_several_accounts_each_get_a_caller_policy() {
    // A fleet: the same role name in two accounts, both trusting ALICE.
    let mut world = World::new();
    world
        .add_user(User::new(ALICE.parse().unwrap()).unwrap())
        .unwrap();
    let roles = [
        "arn:aws:iam::210000000001:role/OrganizationAuditRole",
        "arn:aws:iam::210000000002:role/OrganizationAuditRole",
    ];
    for role in roles {
        let spec = RoleSpec::builder(role.parse().unwrap())
            .trusted(PrincipalArn::from_static(ALICE))
            .build()
            .unwrap();
        world.add_role_from_spec(&spec).unwrap();
    }
    let names: Vec<&str> = world
        .user(&PrincipalArn::from_static(ALICE))
        .unwrap()
        .policies()
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "xrole-assume-210000000001-OrganizationAuditRole",
            "xrole-assume-210000000002-OrganizationAuditRole"
        ]
    );
    let sts = EmbeddedSts::start(world).await.unwrap();
    for role in roles {
        client(&sts, ALICE)
            .await
            .assume_role()
            .role_arn(role)
            .role_session_name("audit")
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn roles_from_policy_files() {
    let dir = std::env::temp_dir().join(format!("xrole-policy-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("trust-policy.json"), r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/crossAccountUser"},"Action":"sts:AssumeRole"}]}"#).unwrap();
    std::fs::write(dir.join("role-policy.json"), r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}"#).unwrap();
    let role = Role::from_policy_files(
        ROLE.parse().unwrap(),
        &dir.join("trust-policy.json"),
        &[&dir.join("role-policy.json")],
    )
    .unwrap();
    let mut world = quickstart_world();
    world.replace_role(role).unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    client(&sts, ALICE)
        .await
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("dev-session")
        .send()
        .await
        .unwrap();
    let missing =
        Role::from_policy_files(ROLE.parse().unwrap(), &dir.join("nope.json"), &[]).unwrap_err();
    assert!(
        missing.to_string().contains("nope.json: cannot read"),
        "{missing}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn session_policies_and_boundaries_limit_chained_calls() {
    let c = "arn:aws:iam::222222222222:role/Next";
    let mut world = quickstart_world();
    world
        .add_managed_policy(
            "arn:aws:iam::222222222222:policy/only-read".parse().unwrap(),
            doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#),
        )
        .unwrap()
        .replace_role(Role::new(ROLE.parse().unwrap(), trust("111111111111", "")).policy("chain", assume_policy(c)))
        .unwrap()
        .add_role(Role::new(c.parse().unwrap(), trust(ROLE, "")))
        .unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    let alice = client(&sts, ALICE).await;
    // A session policy without sts:AssumeRole: the session cannot chain.
    let limited = alice
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("limited")
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let err = client_from(&sts, limited.credentials().unwrap())
        .await
        .assume_role()
        .role_arn(c)
        .role_session_name("next")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert!(
        sts.audit()
            .last()
            .unwrap()
            .detail
            .as_ref()
            .unwrap()
            .contains("session policy has no statement that allows"),
        "{:?}",
        sts.audit().last()
    );
    // A managed session policy likewise.
    let managed = alice
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("managed")
        .policy_arns(
            aws_sdk_sts::types::PolicyDescriptorType::builder()
                .arn("arn:aws:iam::222222222222:policy/only-read")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(
        client_from(&sts, managed.credentials().unwrap())
            .await
            .assume_role()
            .role_arn(c)
            .role_session_name("next")
            .send()
            .await
            .is_err()
    );
    // Without session policies the role's own permissions allow the hop.
    let full = alice
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("full")
        .send()
        .await
        .unwrap();
    client_from(&sts, full.credentials().unwrap())
        .await
        .assume_role()
        .role_arn(c)
        .role_session_name("next")
        .send()
        .await
        .unwrap();
}

/// Sends a raw HTTP request and returns (status, body).
async fn raw(sts: &EmbeddedSts, headers: &str, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(sts.addr()).await.unwrap();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n{body}",
        sts.addr(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

#[tokio::test]
async fn requests_no_sdk_would_send() {
    let sts = EmbeddedSts::start(quickstart_world()).await.unwrap();
    let (status, body) = raw(&sts, "", "Action=GetCallerIdentity&Version=2011-06-15").await;
    assert_eq!(status, 403);
    assert!(
        body.contains("<Code>MissingAuthenticationToken</Code>"),
        "{body}"
    );
    assert!(body.starts_with("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"), "{body}");
    let (status, body) = raw(
        &sts,
        "authorization: Basic abc\r\n",
        "Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>IncompleteSignature</Code>"), "{body}");
    let (status, body) = raw(&sts, "", "Action=DeleteEverything&Version=2011-06-15").await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
    let (_, body) = raw(&sts, "", "Action=GetCallerIdentity&Version=2099-01-01").await;
    assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
    // Error messages are escaped XML: <, > and quotes reach the SDK intact.
    let err = client(&sts, ALICE)
        .await
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("s1")
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"<x>","Action":"s3:*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("MalformedPolicyDocument"));
    assert_eq!(
        err.message(),
        Some(r#"Statement[0].Effect: must be "Allow" or "Deny", found "<x>""#)
    );
    // Unknown actions are logged (bounded), not counted as operations.
    assert_eq!(sts.count("DeleteEverything"), 0);
    assert_eq!(
        sts.audit()
            .iter()
            .filter(|e| e.action.as_deref() == Some("DeleteEverything"))
            .count(),
        1
    );
}
