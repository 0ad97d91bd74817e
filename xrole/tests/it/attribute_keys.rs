//! `#[assume_role]` with every key, on a struct and on functions: it compiles,
//! and what it expands to agrees with itself.

use xrole::{AssumedRole, Error, assume_role};

#[assume_role(
    arn = "arn:aws:iam::222222222222:role/CrossAccountAccessRole",
    session_name = "dev-session",
    external_id = "my-secret-external-id-1234",
    duration = 3600,
    region = "eu-west-1",
    mfa_serial = "arn:aws:iam::111111111111:mfa/crossAccountUser",
    tags(Project = "Unicorn", CostCenter = "12345"),
    transitive_tag_keys("Project"),
    source_identity = "alice",
    session_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
    trusted = ["arn:aws:iam::111111111111:user/crossAccountUser"],
    allow(actions = ["s3:ListAllMyBuckets"], resources = ["*"]),
    allow(actions = ["s3:GetObject"], resources = ["arn:aws:s3:::my-shared-bucket/*"]),
)]
#[allow(
    dead_code,
    reason = "the fields are what the expansion must fill; this test reads none"
)]
struct Clients {
    sts: aws_sdk_sts::Client,
    role: AssumedRole,
}

#[assume_role(arn = env("ROLE_ARN"), crate = "::xrole")]
async fn with_env(count: u32, #[role] sts: aws_sdk_sts::Client) -> Result<u32, Error> {
    let _ = sts;
    Ok(count)
}

#[assume_role(
    arn = "arn:aws:iam::222222222222:role/R",
    duration = "45m",
    chained = true
)]
async fn literal(#[role] role: AssumedRole) -> Result<(), Error> {
    let _ = role;
    Ok(())
}

const _: xrole::RoleSpec = Clients::ROLE_SPEC;

/// Every key compiles, and the run-time path builds the constant the
/// compile-time path wrote (this was a trybuild pass case: as an ordinary test it
/// keeps the UI tests in `cargo check` mode).
#[test]
fn every_key_compiles_and_both_paths_agree() {
    let built = xrole::__private::spec(&Clients::__XROLE_SOURCE).unwrap();
    assert_eq!(built, Clients::ROLE_SPEC);
    assert_eq!(Clients::role_spec().unwrap(), Clients::ROLE_SPEC);
    assert_eq!(
        xrole::__private::spec(&__XROLE_LITERAL_SOURCE).unwrap(),
        LITERAL_ROLE_SPEC
    );
    // The functions compile into futures; built, not run.
    drop(literal());
    drop(with_env(1));
    let _ = with_env_role_spec();
}
