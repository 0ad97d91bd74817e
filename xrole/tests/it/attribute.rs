//! `#[assume_role]` on structs and functions, against the embedded STS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use xrole::{AssumedRole, Error, assume_role};
use xrole_core::PolicyDocument;
use xrole_test::sts::{EmbeddedSts, User, World};

const ALICE: &str = "arn:aws:iam::111111111111:user/crossAccountUser";

/// Reads shared S3 objects in account B (here: an STS client stands in for any SDK client).
#[assume_role(
    arn = "arn:aws:iam::222222222222:role/CrossAccountS3ReadOnly",
    session_name = "reader",
    duration = "1h",
    trusted = ["arn:aws:iam::111111111111:user/crossAccountUser"],
    allow(actions = ["s3:GetObject"], resources = ["arn:aws:s3:::my-shared-bucket/*"]),
)]
struct SharedReader {
    sts: aws_sdk_sts::Client,
    role: AssumedRole,
}

#[assume_role(
    arn = "arn:aws:iam::222222222222:role/VendorRole",
    external_id = env("XROLE_TEST_EXTERNAL_ID"),
    trusted = ["arn:aws:iam::111111111111:user/crossAccountUser"],
)]
async fn vendor_identity(
    prefix: &str,
    #[role] sts: aws_sdk_sts::Client,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let me = sts.get_caller_identity().send().await?;
    Ok(format!("{prefix}{}", me.arn().unwrap_or_default()))
}

#[assume_role(arn = "arn:aws:iam::222222222222:role/R", duration = env("XROLE_TEST_BAD_DURATION"))]
async fn bad_env(#[role] _role: AssumedRole) -> Result<(), Error> {
    Ok(())
}

#[assume_role(arn = "arn:aws:iam::222222222222:role/R", external_id = env("XROLE_TEST_UNSET_VARIABLE"))]
async fn unset_env(#[role] _role: AssumedRole) -> Result<(), Error> {
    Ok(())
}

/// The first hop of a chain: may assume the audit role.
#[assume_role(
    arn = "arn:aws:iam::222222222222:role/Hop",
    session_name = "hop",
    trusted = ["arn:aws:iam::111111111111:user/crossAccountUser"],
    allow(actions = ["sts:AssumeRole"], resources = ["arn:aws:iam::333333333333:role/Audit"]),
)]
struct Hop {
    role: AssumedRole,
}

/// Assumed with the hop's credentials.
#[assume_role(
    arn = "arn:aws:iam::333333333333:role/Audit",
    session_name = "audit",
    chained = true,
    trusted = ["arn:aws:iam::222222222222:role/Hop"],
)]
struct Audit {
    sts: aws_sdk_sts::Client,
    role: AssumedRole,
}

async fn sts_for(specs: &[xrole::RoleSpec]) -> EmbeddedSts {
    let mut world = World::new();
    world
        .add_user(User::new(ALICE.parse().unwrap()).unwrap().policy(
            "assume",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#
                .parse::<PolicyDocument>()
                .unwrap(),
        ))
        .unwrap();
    for spec in specs {
        world.add_role_from_spec(spec).unwrap();
    }
    EmbeddedSts::start(world).await.unwrap()
}

#[tokio::test]
async fn structs_assume_their_declared_role() {
    // The declaration is a constant, checked at compile time.
    const SPEC: xrole::RoleSpec = SharedReader::ROLE_SPEC;
    assert_eq!(SPEC.role().name(), "CrossAccountS3ReadOnly");
    assert_eq!(SPEC.duration().unwrap().as_secs(), 3600);
    SPEC.validate().unwrap();
    xrole_test::assert_role_policies!("shared_reader_declared", SPEC);

    let sts = sts_for(&[SPEC]).await;
    let base = sts.sdk_config_for(ALICE).await.unwrap();
    let reader = SharedReader::assume(&base).await.unwrap();
    let me = reader.sts.get_caller_identity().send().await.unwrap();
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::222222222222:assumed-role/CrossAccountS3ReadOnly/reader")
    );
    assert_eq!(reader.role.session_name(), "reader");
    // Every connection shares the one session.
    let again = SharedReader::assume(&base).await.unwrap();
    again.sts.get_caller_identity().send().await.unwrap();
    assert_eq!(sts.count("AssumeRole"), 1);
    let from_role = SharedReader::from_role(&reader.role);
    assert_eq!(from_role.role.role(), reader.role.role());
}

#[tokio::test]
async fn structs_assume_from_another_session_too() {
    let sts = sts_for(&[Hop::ROLE_SPEC, Audit::ROLE_SPEC]).await;
    let base = sts.sdk_config_for(ALICE).await.unwrap();
    let hop = Hop::assume(&base).await.unwrap();
    // The source is a session: role chaining, through the same one verb.
    let audit = Audit::assume(&hop.role).await.unwrap();
    let me = audit.sts.get_caller_identity().send().await.unwrap();
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::333333333333:assumed-role/Audit/audit")
    );
    assert_eq!(
        audit.role.chained_from().map(|p| p.role()),
        Some(hop.role.role())
    );
    // Shared per source session, as sessions from a configuration are.
    let again = Audit::assume(&hop.role).await.unwrap();
    again.sts.get_caller_identity().send().await.unwrap();
    assert_eq!(sts.count("AssumeRole"), 2, "one call per hop");
}

#[tokio::test]
async fn functions_get_their_clients_from_the_registry() {
    let spec = vendor_identity_role_spec().unwrap();
    assert_eq!(
        spec.external_id().as_ref().unwrap().as_str(),
        "ext-from-env"
    );
    let sts = sts_for(&[spec]).await;
    xrole::set_base_config(sts.sdk_config_for(ALICE).await.unwrap());
    let arn = vendor_identity("as ").await.unwrap();
    assert!(
        arn.starts_with("as arn:aws:sts::222222222222:assumed-role/VendorRole/xrole-"),
        "{arn}"
    );
    let assume = sts
        .audit()
        .into_iter()
        .find(|e| e.action.as_deref() == Some("AssumeRole"))
        .unwrap();
    assert_eq!(assume.parameter("ExternalId"), Some("ext-from-env"));

    let err = bad_env().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"environment variable XROLE_TEST_BAD_DURATION (for `duration`) session duration: expected seconds ("900") or hours, minutes and seconds ("1h30m", "15m"), found "2 hours""#
    );
    let err = unset_env().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable XROLE_TEST_UNSET_VARIABLE (for `external_id`) is not set"
    );
}

/// A role whose trust admits nobody from account 111111111111.
#[assume_role(
    arn = "arn:aws:iam::222222222222:role/Elsewhere",
    trusted = ["arn:aws:iam::333333333333:root"],
)]
struct Refused {
    sts: aws_sdk_sts::Client,
}

#[tokio::test]
async fn assume_loads_the_session_so_a_refusal_is_its_error() {
    let sts = sts_for(&[Refused::ROLE_SPEC]).await;
    let base = sts.sdk_config_for(ALICE).await.unwrap();
    let err = match Refused::assume(&base).await {
        Ok(r) => panic!("connected: {:?}", r.sts.config()),
        Err(e) => e,
    };
    let Error::AccessDenied(denied) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        denied.untrusted_account(),
        Some("111111111111".parse().unwrap())
    );
}

/// An MFA role whose codes come from a provider named in the declaration.
#[assume_role(
    arn = "arn:aws:iam::222222222222:role/MfaRole",
    session_name = "with-mfa",
    mfa_serial = "arn:aws:iam::111111111111:mfa/crossAccountUser",
    mfa_token = || async { "123456".parse::<xrole::TokenCode>().map_err(|e| e.to_string()) },
    trusted = ["arn:aws:iam::111111111111:user/crossAccountUser"],
)]
struct WithMfa {
    role: AssumedRole,
}

#[tokio::test]
async fn the_declaration_names_the_mfa_token_provider() {
    let mut world = World::new();
    world
        .add_user(User::new(ALICE.parse().unwrap()).unwrap().mfa_device(
            xrole_test::sts::MfaDevice::new(
                "arn:aws:iam::111111111111:mfa/crossAccountUser",
                "123456",
            ),
        ))
        .unwrap()
        .add_role_from_spec(&WithMfa::ROLE_SPEC)
        .unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    let base = sts.sdk_config_for(ALICE).await.unwrap();
    let with = WithMfa::assume(&base).await.unwrap();
    assert_eq!(with.role.session_name(), "with-mfa");
    let assume = sts
        .audit()
        .into_iter()
        .find(|e| e.action.as_deref() == Some("AssumeRole"))
        .unwrap();
    assert_eq!(
        assume.parameter("SerialNumber"),
        Some("arn:aws:iam::111111111111:mfa/crossAccountUser")
    );
    assert_eq!(assume.parameter("TokenCode"), Some("******"));
}

/// With only literals, the constant and the run-time spec are the same value.
#[test]
fn role_spec_equals_the_constant_for_every_all_literal_declaration() {
    use xrole::__private::spec;
    // The run-time path (what `env(...)` declarations take) builds the very spec
    // the compile-time constant holds.
    for (source, constant) in [
        (&SharedReader::__XROLE_SOURCE, SharedReader::ROLE_SPEC),
        (&Refused::__XROLE_SOURCE, Refused::ROLE_SPEC),
        (&WithMfa::__XROLE_SOURCE, WithMfa::ROLE_SPEC),
        (&Hop::__XROLE_SOURCE, Hop::ROLE_SPEC),
        (&Audit::__XROLE_SOURCE, Audit::ROLE_SPEC),
    ] {
        assert_eq!(spec(source).unwrap(), constant, "{source:?}");
    }
}
