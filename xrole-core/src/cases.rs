//! One table of valid and invalid values per grammar type: test data, not a public
//! API (compiled only with the `test-cases` feature).
//!
//! `tests/grammar.rs` runs it against the run-time parsers and the `const`
//! constructors, and the attribute's tests (in `xrole-macros`) check that its
//! compile-time errors say the same.
#![allow(missing_docs, unreachable_pub)]

/// Which grammar type a case is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Partition,
    AccountId,
    RoleArn,
    PrincipalArn,
    PolicyArn,
    SessionName,
    FederatedUserName,
    SourceIdentity,
    ExternalId,
    SessionDuration,
    MfaSerial,
    TokenCode,
    Region,
    SessionTagKey,
    SessionTagValue,
    SessionPolicy,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 16] = [
        Kind::Partition,
        Kind::AccountId,
        Kind::RoleArn,
        Kind::PrincipalArn,
        Kind::PolicyArn,
        Kind::SessionName,
        Kind::FederatedUserName,
        Kind::SourceIdentity,
        Kind::ExternalId,
        Kind::SessionDuration,
        Kind::MfaSerial,
        Kind::TokenCode,
        Kind::Region,
        Kind::SessionTagKey,
        Kind::SessionTagValue,
        Kind::SessionPolicy,
    ];
}

/// One value and what parsing it must give: `Ok(display)` or `Err(message)`.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub kind: Kind,
    pub input: &'static str,
    pub expect: Result<&'static str, &'static str>,
}

const fn ok(kind: Kind, input: &'static str) -> Case {
    Case {
        kind,
        input,
        expect: Ok(input),
    }
}
const fn shown(kind: Kind, input: &'static str, display: &'static str) -> Case {
    Case {
        kind,
        input,
        expect: Ok(display),
    }
}
const fn err(kind: Kind, input: &'static str, message: &'static str) -> Case {
    Case {
        kind,
        input,
        expect: Err(message),
    }
}

use Kind::*;

pub const CASES: &[Case] = &[
    // Partition
    ok(Partition, "aws"),
    ok(Partition, "aws-cn"),
    ok(Partition, "aws-us-gov"),
    ok(Partition, "aws-iso-b"),
    err(
        Partition,
        "AWS",
        r#"partition: unknown partition "AWS" (expected one of aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)"#,
    ),
    err(
        Partition,
        "",
        r#"partition: unknown partition "" (expected one of aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)"#,
    ),
    // AccountId
    ok(AccountId, "111111111111"),
    ok(AccountId, "000000000000"),
    err(
        AccountId,
        "22222222222",
        r#"account id: account id must be 12 digits, found 11 ("22222222222")"#,
    ),
    err(
        AccountId,
        "1111111111111",
        r#"account id: account id must be 12 digits, found 13 ("1111111111111")"#,
    ),
    err(
        AccountId,
        "11111111111a",
        r#"account id: account id must be 12 digits, found 'a' ("11111111111a")"#,
    ),
    err(
        AccountId,
        "1111 1111 1111",
        r#"account id: account id must be 12 digits, found ' ' ("1111 1111 1111")"#,
    ),
    // RoleArn
    ok(
        RoleArn,
        "arn:aws:iam::222222222222:role/CrossAccountAccessRole",
    ),
    ok(
        RoleArn,
        "arn:aws:iam::222222222222:role/division_abc/subdivision_efg/InfraAssumeRole",
    ),
    ok(RoleArn, "arn:aws-cn:iam::123456789012:role/a"),
    ok(
        RoleArn,
        "arn:aws:iam::123456789012:role/acc-to-read-prod-s3-bucket",
    ),
    ok(RoleArn, "arn:aws:iam::123456789012:role/name+=,.@_-"),
    err(
        RoleArn,
        "arn:aws:iam::22222222222:role/CrossAccountAccessRole",
        r#"role ARN: account id must be 12 digits, found 11 ("22222222222")"#,
    ),
    err(
        RoleArn,
        "arn:aws:iam::*:role/Admin",
        r#"role ARN: account id must be 12 digits, found '*' ("*")"#,
    ),
    err(
        RoleArn,
        "CrossAccountAccessRole",
        r#"role ARN: must start with "arn:" ("CrossAccountAccessRole")"#,
    ),
    err(
        RoleArn,
        "arn:aws:iam::222222222222",
        r#"role ARN: must have the form arn:partition:service:region:account:resource ("arn:aws:iam::222222222222")"#,
    ),
    err(
        RoleArn,
        "arn:awz:iam::222222222222:role/R",
        r#"role ARN: unknown partition "awz" (expected one of aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)"#,
    ),
    err(
        RoleArn,
        "arn:aws:sts::222222222222:role/R",
        r#"role ARN: service must be "iam", found "sts""#,
    ),
    err(
        RoleArn,
        "arn:aws:iam:us-east-1:222222222222:role/R",
        r#"role ARN: region must be empty in an IAM ARN, found "us-east-1""#,
    ),
    err(
        RoleArn,
        "arn:aws:iam::222222222222:user/R",
        r#"role ARN: resource must be role/NAME or role/PATH/NAME, found "user/R""#,
    ),
    err(
        RoleArn,
        "arn:aws:iam::222222222222:role/",
        r#"role ARN: role name must be 1 to 64 characters long, found 0 ("")"#,
    ),
    err(
        RoleArn,
        "arn:aws:iam::222222222222:role/bad!name",
        r#"role ARN: role name character '!' at position 4 is not allowed (allowed: letters, digits and + = , . @ _ -) ("bad!name")"#,
    ),
    err(
        RoleArn,
        "arn:aws:iam::222222222222:role/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        r#"role ARN: role name must be 1 to 64 characters long, found 65 ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")"#,
    ),
    err(
        RoleArn,
        "arn:aws:iam::222222222222:role/a b/R",
        r#"role ARN: path must start and end with '/', hold only printable ASCII and be at most 512 characters, found "/a b/""#,
    ),
    // PrincipalArn
    ok(PrincipalArn, "*"),
    ok(PrincipalArn, "111111111111"),
    ok(PrincipalArn, "arn:aws:iam::111111111111:root"),
    ok(
        PrincipalArn,
        "arn:aws:iam::111111111111:user/crossAccountUser",
    ),
    ok(PrincipalArn, "arn:aws:iam::123456789012:user/deepak.dev"),
    ok(
        PrincipalArn,
        "arn:aws:iam::111111111111:user/division/team/David",
    ),
    ok(PrincipalArn, "arn:aws:iam::111111111111:role/ci/Deployer"),
    ok(
        PrincipalArn,
        "arn:aws:sts::222222222222:assumed-role/acc-to-read-prod-s3-bucket/David-ProdUpdate",
    ),
    ok(PrincipalArn, "arn:aws:sts::111111111111:federated-user/Bob"),
    ok(PrincipalArn, "ec2.amazonaws.com"),
    ok(PrincipalArn, "states.us-east-1.amazonaws.com"),
    ok(PrincipalArn, "elasticmapreduce.amazonaws.com.cn"),
    ok(PrincipalArn, "cognito-identity.amazonaws.com"),
    ok(PrincipalArn, "accounts.google.com"),
    ok(
        PrincipalArn,
        "arn:aws:iam::111111111111:saml-provider/ExampleOrgSSO",
    ),
    ok(
        PrincipalArn,
        "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
    ),
    err(
        PrincipalArn,
        "11111111111",
        r#"principal: account id must be 12 digits, found 11 ("11111111111")"#,
    ),
    err(
        PrincipalArn,
        "arn:aws:iam::*:root",
        r#"principal: account id must be 12 digits, found '*' ("*")"#,
    ),
    err(
        PrincipalArn,
        "arn:aws:iam::111111111111:group/Devs",
        r#"principal: resource must be root, user/NAME, role/NAME, saml-provider/NAME or oidc-provider/HOST, found "group/Devs""#,
    ),
    err(
        PrincipalArn,
        "arn:aws:sts::111111111111:assumed-role/OnlyRole",
        r#"principal: resource must be assumed-role/ROLE/SESSION, found "assumed-role/OnlyRole""#,
    ),
    err(
        PrincipalArn,
        "arn:aws:sts::111111111111:assumed-role/Role/x",
        r#"principal: session name must be 2 to 64 characters long, found 1 ("x")"#,
    ),
    err(
        PrincipalArn,
        "crossAccountUser",
        r#"principal: expected "*", a 12-digit account id, an ARN, or a service principal such as "ec2.amazonaws.com", found "crossAccountUser""#,
    ),
    err(
        PrincipalArn,
        "EC2.amazonaws.com",
        r#"principal: expected "*", a 12-digit account id, an ARN, or a service principal such as "ec2.amazonaws.com", found "EC2.amazonaws.com""#,
    ),
    // PolicyArn
    ok(PolicyArn, "arn:aws:iam::aws:policy/ReadOnlyAccess"),
    ok(
        PolicyArn,
        "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM",
    ),
    ok(
        PolicyArn,
        "arn:aws:iam::111111111111:policy/my-s3-x-account-policy",
    ),
    err(
        PolicyArn,
        "arn:aws:iam::aws:role/ReadOnlyAccess",
        r#"policy ARN: resource must be policy/NAME or policy/PATH/NAME, found "role/ReadOnlyAccess""#,
    ),
    err(
        PolicyArn,
        "arn:aws:iam::amazon:policy/X",
        r#"policy ARN: account id must be 12 digits, found 'a' ("amazon")"#,
    ),
    // SessionName
    ok(SessionName, "InfraToDevSession"),
    ok(SessionName, "dev-session"),
    ok(SessionName, "David-ProdData"),
    ok(SessionName, "a1"),
    ok(SessionName, "user@example.com,team=ops+1_x"),
    err(
        SessionName,
        "a",
        r#"session name: must be 2 to 64 characters long, found 1 ("a")"#,
    ),
    err(
        SessionName,
        "",
        r#"session name: must be 2 to 64 characters long, found 0 ("")"#,
    ),
    err(
        SessionName,
        "deploy!",
        r#"session name: character '!' at position 7 is not allowed (allowed: letters, digits and + = , . @ _ -) ("deploy!")"#,
    ),
    err(
        SessionName,
        "has space",
        r#"session name: character ' ' at position 4 is not allowed (allowed: letters, digits and + = , . @ _ -) ("has space")"#,
    ),
    err(
        SessionName,
        "café",
        r#"session name: character 'é' at position 4 is not allowed (allowed: letters, digits and + = , . @ _ -) ("café")"#,
    ),
    err(
        SessionName,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        r#"session name: must be 2 to 64 characters long, found 65 ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")"#,
    ),
    // FederatedUserName
    ok(FederatedUserName, "Bob"),
    ok(FederatedUserName, "app-7@example.com"),
    err(
        FederatedUserName,
        "b",
        r#"federated user name: must be 2 to 32 characters long, found 1 ("b")"#,
    ),
    err(
        FederatedUserName,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        r#"federated user name: must be 2 to 32 characters long, found 33 ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")"#,
    ),
    err(
        FederatedUserName,
        "bob/ops",
        r#"federated user name: character '/' at position 4 is not allowed (allowed: letters, digits and + = , . @ _ -) ("bob/ops")"#,
    ),
    // SourceIdentity
    ok(SourceIdentity, "alice@example.com"),
    err(
        SourceIdentity,
        "alice/ops",
        r#"source identity: character '/' at position 6 is not allowed (allowed: letters, digits and + = , . @ _ -) ("alice/ops")"#,
    ),
    // ExternalId
    ok(ExternalId, "my-secret-external-id-1234"),
    ok(ExternalId, "urn:vendor:tenant/42"),
    err(
        ExternalId,
        "x",
        r#"external id: must be 2 to 1224 characters long, found 1 ("x")"#,
    ),
    err(
        ExternalId,
        "id with space",
        r#"external id: character ' ' at position 3 is not allowed (allowed: letters, digits and + = , . @ : / _ -) ("id with space")"#,
    ),
    // SessionDuration
    shown(SessionDuration, "900", "15m"),
    shown(SessionDuration, "3600", "1h"),
    ok(SessionDuration, "15m"),
    ok(SessionDuration, "1h"),
    ok(SessionDuration, "1h30m"),
    ok(SessionDuration, "12h"),
    shown(SessionDuration, "90m", "1h30m"),
    shown(SessionDuration, "1h0m5s", "1h5s"),
    err(
        SessionDuration,
        "899",
        r#"session duration: must be 900 to 43200 seconds (15m to 12h), found 899 ("899")"#,
    ),
    err(
        SessionDuration,
        "13h",
        r#"session duration: must be 900 to 43200 seconds (15m to 12h), found 46800 ("13h")"#,
    ),
    err(
        SessionDuration,
        "1h 30m",
        r#"session duration: expected seconds ("900") or hours, minutes and seconds ("1h30m", "15m"), found "1h 30m""#,
    ),
    err(
        SessionDuration,
        "30m1h",
        r#"session duration: expected seconds ("900") or hours, minutes and seconds ("1h30m", "15m"), found "30m1h""#,
    ),
    err(
        SessionDuration,
        "1d",
        r#"session duration: expected seconds ("900") or hours, minutes and seconds ("1h30m", "15m"), found "1d""#,
    ),
    err(
        SessionDuration,
        "",
        r#"session duration: expected seconds ("900") or hours, minutes and seconds ("1h30m", "15m"), found """#,
    ),
    err(
        SessionDuration,
        "h",
        r#"session duration: expected seconds ("900") or hours, minutes and seconds ("1h30m", "15m"), found "h""#,
    ),
    err(
        SessionDuration,
        "99999999999999999999999",
        r#"session duration: expected seconds ("900") or hours, minutes and seconds ("1h30m", "15m"), found "99999999999999999999999""#,
    ),
    // MfaSerial
    ok(MfaSerial, "arn:aws:iam::123456789012:mfa/deepak.dev"),
    ok(MfaSerial, "GAHT12345678"),
    err(
        MfaSerial,
        "GAHT1234",
        r#"MFA serial: must be 9 to 256 characters long, found 8 ("GAHT1234")"#,
    ),
    // TokenCode: never echoes the value
    shown(TokenCode, "123456", "******"),
    err(
        TokenCode,
        "12345",
        "MFA token code: must be exactly 6 digits, found 5 characters",
    ),
    err(
        TokenCode,
        "12345a",
        "MFA token code: must be exactly 6 digits, found a character that is not a digit",
    ),
    // Region
    ok(Region, "us-east-1"),
    ok(Region, "eu-central-2"),
    ok(Region, "us-gov-west-1"),
    ok(Region, "ap-southeast-5"),
    err(
        Region,
        "us-east",
        r#"region: expected a region name such as "us-east-1" or "eu-central-2", found "us-east""#,
    ),
    err(
        Region,
        "US-EAST-1",
        r#"region: expected a region name such as "us-east-1" or "eu-central-2", found "US-EAST-1""#,
    ),
    err(
        Region,
        "us-1-east",
        r#"region: expected a region name such as "us-east-1" or "eu-central-2", found "us-1-east""#,
    ),
    // Session tag keys and values
    ok(SessionTagKey, "Project"),
    ok(SessionTagKey, "cost-center:team/a=b+c@d_e.f"),
    ok(SessionTagKey, "Équipe"),
    err(
        SessionTagKey,
        "",
        r#"session tag key: must be 1 to 128 characters long, found 0 ("")"#,
    ),
    err(
        SessionTagKey,
        "aws:team",
        r#"session tag key: the prefix "aws:" is reserved for AWS ("aws:team")"#,
    ),
    err(
        SessionTagKey,
        "team#1",
        r#"session tag key: character '#' at position 5 is not allowed (allowed: letters, digits, spaces and _ . : / = + - @) ("team#1")"#,
    ),
    ok(SessionTagValue, ""),
    ok(SessionTagValue, "Unicorn Launch"),
    err(
        SessionTagValue,
        "a\tb",
        r#"session tag value: character '\t' at position 2 is not allowed (allowed: letters, digits, spaces and _ . : / = + - @) ("a\tb")"#,
    ),
    // SessionPolicy
    ok(
        SessionPolicy,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
    ),
    err(
        SessionPolicy,
        "",
        "session policy: must be 1 to 2048 characters long, found 0",
    ),
    err(
        SessionPolicy,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#,
        "session policy: Statement[0].Principal: is not allowed in a session policy: the principal is whoever the policy governs",
    ),
];

/// Runs the run-time parser for `kind`: `Ok(display)` or `Err(message)`.
pub fn parse(kind: Kind, input: &str) -> Result<String, String> {
    use crate as x;
    fn show<T: std::fmt::Display>(r: Result<T, x::Error>) -> Result<String, String> {
        r.map(|v| v.to_string()).map_err(|e| e.to_string())
    }
    match kind {
        Partition => show(input.parse::<x::Partition>()),
        AccountId => show(input.parse::<x::AccountId>()),
        RoleArn => show(input.parse::<x::RoleArn>()),
        PrincipalArn => show(input.parse::<x::PrincipalArn>()),
        PolicyArn => show(input.parse::<x::PolicyArn>()),
        SessionName => show(input.parse::<x::SessionName>()),
        FederatedUserName => show(input.parse::<x::FederatedUserName>()),
        SourceIdentity => show(input.parse::<x::SourceIdentity>()),
        ExternalId => show(input.parse::<x::ExternalId>()),
        SessionDuration => show(input.parse::<x::SessionDuration>()),
        MfaSerial => show(input.parse::<x::MfaSerial>()),
        TokenCode => x::TokenCode::parse(input)
            .map(|_| "******".to_owned())
            .map_err(|e| e.to_string()),
        Region => show(input.parse::<x::Region>()),
        SessionTagKey => show(x::SessionTag::new(input, "v").map(|t| t.key().to_owned())),
        SessionTagValue => show(x::SessionTag::new("k", input).map(|t| t.value().to_owned())),
        SessionPolicy => show(input.parse::<x::SessionPolicy>()),
    }
}
