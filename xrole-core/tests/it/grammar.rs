//! The case table against the run-time parsers and the `const` constructors, round
//! trips, and parsers that never panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use proptest::prelude::*;
use xrole_core::cases::{self, CASES, Kind};
use xrole_core::*;

#[test]
fn every_case_parses_as_the_table_says() {
    let mut failures = Vec::new();
    for case in CASES {
        let got = cases::parse(case.kind, case.input);
        let want = case.expect.map(str::to_owned).map_err(str::to_owned);
        if got != want {
            failures.push(format!(
                "{:?} {:?}\n   got  {got:?}\n   want {want:?}",
                case.kind, case.input
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_covers_every_kind_both_ways() {
    for kind in Kind::ALL {
        assert!(
            CASES.iter().any(|c| c.kind == kind && c.expect.is_ok()),
            "{kind:?} has no valid case"
        );
        assert!(
            CASES.iter().any(|c| c.kind == kind && c.expect.is_err()),
            "{kind:?} has no invalid case"
        );
    }
}

/// `from_static` (the compile-time path) accepts exactly what `parse` accepts.
fn from_static(kind: Kind, input: &'static str) -> Option<String> {
    let run = move || -> String {
        match kind {
            Kind::AccountId => AccountId::from_static(input).to_string(),
            Kind::RoleArn => RoleArn::from_static(input).to_string(),
            Kind::PrincipalArn => PrincipalArn::from_static(input).to_string(),
            Kind::PolicyArn => PolicyArn::from_static(input).to_string(),
            Kind::SessionName => SessionName::from_static(input).to_string(),
            Kind::FederatedUserName => FederatedUserName::from_static(input).to_string(),
            Kind::SourceIdentity => SourceIdentity::from_static(input).to_string(),
            Kind::ExternalId => ExternalId::from_static(input).to_string(),
            Kind::MfaSerial => MfaSerial::from_static(input).to_string(),
            Kind::Region => Region::from_static(input).to_string(),
            Kind::SessionTagKey => SessionTag::from_static(input, "v").key().to_owned(),
            Kind::SessionTagValue => SessionTag::from_static("k", input).value().to_owned(),
            Kind::SessionPolicy => SessionPolicy::from_static(input).to_string(),
            Kind::Partition | Kind::SessionDuration | Kind::TokenCode => String::new(),
        }
    };
    std::panic::catch_unwind(run).ok()
}

#[test]
fn const_constructors_agree_with_the_parsers() {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    for case in CASES {
        if matches!(
            case.kind,
            Kind::Partition | Kind::SessionDuration | Kind::TokenCode
        ) {
            continue;
        }
        // Non-ASCII tag text and the session policy document are checked at run time
        // only (documented on `from_static`).
        let non_ascii_tag = matches!(case.kind, Kind::SessionTagKey | Kind::SessionTagValue)
            && !case.input.is_ascii();
        let document_rule =
            case.kind == Kind::SessionPolicy && case.expect.is_err() && !case.input.is_empty();
        if non_ascii_tag || document_rule {
            continue;
        }
        let got = from_static(case.kind, case.input);
        match case.expect {
            Ok(display) if got.as_deref() != Some(display) => failures.push(format!(
                "{:?} {:?}: rejected by from_static",
                case.kind, case.input
            )),
            Err(_) if got.is_some() => failures.push(format!(
                "{:?} {:?}: accepted by from_static",
                case.kind, case.input
            )),
            _ => {}
        }
    }
    std::panic::set_hook(hook);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn const_items_build_at_compile_time() {
    // Slices of values with destructors are `const` items, as the attribute emits.
    const TAGS: &[SessionTag] = &[SessionTag::from_static("Project", "Unicorn")];
    const ARNS: &[PolicyArn] = &[PolicyArn::from_static(
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    )];
    const TRUSTED: &[PrincipalArn] = &[PrincipalArn::from_static("arn:aws:iam::111111111111:root")];
    const PERMISSIONS: &[Permission] = &[Permission::from_static(
        &[std::borrow::Cow::Borrowed("s3:ListAllMyBuckets")],
        &[std::borrow::Cow::Borrowed("*")],
        &[],
    )];
    const SPEC: RoleSpec = RoleSpec::from_static(StaticSpec {
        role: "arn:aws:iam::222222222222:role/team/CrossAccountAccessRole",
        session_name: Some("InfraToDevSession"),
        external_id: Some("my-secret-external-id-1234"),
        duration_secs: Some(3600),
        mfa_serial: None,
        tags: TAGS,
        transitive_tag_keys: &[std::borrow::Cow::Borrowed("Project")],
        source_identity: Some("alice"),
        session_policy: None,
        policy_arns: ARNS,
        region: Some("eu-west-1"),
        trusted: TRUSTED,
        permissions: PERMISSIONS,
        chained: false,
    });
    // The same spec, built and validated at run time.
    let built = RoleSpec::builder(
        "arn:aws:iam::222222222222:role/team/CrossAccountAccessRole"
            .parse()
            .unwrap(),
    )
    .session_name("InfraToDevSession".parse().unwrap())
    .external_id("my-secret-external-id-1234".parse().unwrap())
    .duration("1h".parse().unwrap())
    .tags(SessionTags::new(vec![SessionTag::new("Project", "Unicorn").unwrap()]).unwrap())
    .transitive_tag_keys(TransitiveTagKeys::new(["Project"]).unwrap())
    .source_identity("alice".parse().unwrap())
    .policy_arns(
        PolicyArns::new(vec![
            "arn:aws:iam::aws:policy/ReadOnlyAccess".parse().unwrap(),
        ])
        .unwrap(),
    )
    .region("eu-west-1".parse().unwrap())
    .trusted("arn:aws:iam::111111111111:root".parse().unwrap())
    .allow(Permission::new(["s3:ListAllMyBuckets"], ["*"]))
    .build()
    .unwrap();
    assert_eq!(SPEC, built);
    SPEC.validate().unwrap();
    assert_eq!(SPEC.role().account().as_str(), "222222222222");
    assert_eq!(SPEC.role().path(), "/team/");
    assert_eq!(SPEC.role().name(), "CrossAccountAccessRole");
    assert_eq!(SPEC.tags().get("project"), Some("Unicorn"));
}

#[test]
fn arn_parts_are_exposed() {
    let p: PrincipalArn =
        "arn:aws:sts::222222222222:assumed-role/acc-to-read-prod-s3-bucket/David-ProdUpdate"
            .parse()
            .unwrap();
    assert_eq!(p.kind(), PrincipalKind::AssumedRole);
    assert_eq!(p.account().unwrap().as_str(), "222222222222");
    assert_eq!(p.name(), Some("acc-to-read-prod-s3-bucket"));
    assert_eq!(p.session_name(), Some("David-ProdUpdate"));
    let u: PrincipalArn = "arn:aws:iam::111111111111:user/division/David"
        .parse()
        .unwrap();
    assert_eq!(
        (u.kind(), u.path(), u.name()),
        (PrincipalKind::User, Some("/division/"), Some("David"))
    );
    let bare: PrincipalArn = "111111111111".parse().unwrap();
    assert_eq!(
        (bare.kind(), bare.account().map(|a| a.to_string())),
        (PrincipalKind::Account, Some("111111111111".into()))
    );
    let role: PrincipalArn = "arn:aws:iam::111111111111:role/ci/Deployer"
        .parse()
        .unwrap();
    assert_eq!(role.to_role_arn().unwrap().name(), "Deployer");
    assert_eq!(PrincipalArn::from(role.to_role_arn().unwrap()), role);
    assert_eq!(
        PrincipalArn::account_root(Partition::AwsCn, "111111111111".parse().unwrap()).to_string(),
        "arn:aws-cn:iam::111111111111:root"
    );
}

#[test]
fn serde_uses_the_text_form() {
    let role: RoleArn = serde_json::from_str(r#""arn:aws:iam::222222222222:role/R""#).unwrap();
    assert_eq!(
        serde_json::to_string(&role).unwrap(),
        r#""arn:aws:iam::222222222222:role/R""#
    );
    let err = serde_json::from_str::<RoleArn>(r#""arn:aws:iam::2:role/R""#).unwrap_err();
    assert!(
        err.to_string()
            .contains("account id must be 12 digits, found 1"),
        "{err}"
    );
    let d: SessionDuration = serde_json::from_str("5400").unwrap();
    assert_eq!(d.to_string(), "1h30m");
    let d: SessionDuration = serde_json::from_str(r#""15m""#).unwrap();
    assert_eq!(serde_json::to_string(&d).unwrap(), "900");
    assert!(serde_json::from_str::<SessionDuration>("60").is_err());
}

#[test]
fn chained_sessions_last_an_hour_at_most() {
    assert_eq!(
        SessionDuration::parse("1h")
            .unwrap()
            .check_chained()
            .unwrap()
            .as_secs(),
        3600
    );
    let err = SessionDuration::parse("1h1s")
        .unwrap()
        .check_chained()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "session duration: a chained session (a role assumed with another role's credentials) lasts at most 1h (3600 s), found 1h1s (3601 s)"
    );
}

#[test]
fn mfa_sessions_last_15_minutes_to_36_hours() {
    use std::time::Duration;
    assert_eq!(
        SessionDuration::parse_session_token("36h").unwrap(),
        Duration::from_secs(129_600)
    );
    assert_eq!(
        SessionDuration::parse_session_token("900").unwrap(),
        Duration::from_secs(900)
    );
    assert_eq!(
        SessionDuration::parse_session_token("36h1s")
            .unwrap_err()
            .to_string(),
        "MFA session duration: must be 900 to 129600 seconds (15m to 36h), found 129601 (\"36h1s\")"
    );
    assert!(SessionDuration::parse_session_token("1d").is_err());
}

#[test]
fn token_codes_stay_secret() {
    let code = TokenCode::parse("123456").unwrap();
    assert_eq!(format!("{code:?}"), "TokenCode(******)");
    assert_eq!(code.expose(), "123456");
    assert!(
        !TokenCode::parse("12345x")
            .unwrap_err()
            .to_string()
            .contains("12345x")
    );
}

#[test]
fn tag_collections_follow_sts_limits() {
    let tag = |k: &str| SessionTag::new(k, "v").unwrap();
    let err = SessionTags::new(vec![tag("Project"), tag("project")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"session tags: duplicate key "project" (keys are case-insensitive; "Project" is already set)"#
    );
    let fifty: Vec<_> = (0..50).map(|i| tag(&format!("k{i}"))).collect();
    let tags = SessionTags::new(fifty.clone()).unwrap();
    assert_eq!(tags.len(), 50);
    assert_eq!(
        tags.with(tag("one-more")).unwrap_err().to_string(),
        "session tags: at most 50 tags per session, found 51"
    );
    let keys = TransitiveTagKeys::new(["Project"]).unwrap();
    let spec = RoleSpec::builder("arn:aws:iam::222222222222:role/R".parse().unwrap())
        .transitive_tag_keys(keys)
        .build()
        .unwrap_err();
    assert_eq!(
        spec.to_string(),
        r#"transitive tag keys: "Project" is not the key of one of the session's tags"#
    );
    let arns: Vec<PolicyArn> = (0..11)
        .map(|i| format!("arn:aws:iam::aws:policy/P{i}").parse().unwrap())
        .collect();
    assert_eq!(
        PolicyArns::new(arns).unwrap_err().to_string(),
        "policy ARNs: at most 10 managed session policies, found 11"
    );
}

#[test]
fn role_spec_reports_every_error_at_once() {
    let spec = RoleSpec::builder("arn:aws:iam::222222222222:role/R".parse().unwrap())
        .duration("2h".parse().unwrap())
        .chained(true)
        .tags(SessionTags::from_static({
            const TAGS: &[SessionTag] = &[
                SessionTag::from_static("a", "1"),
                SessionTag::from_static("A", "2"),
            ];
            TAGS
        }))
        .allow(Permission::new(["s3 GetObject"], ["bucket"]))
        .build()
        .unwrap_err();
    let messages: Vec<String> = spec.problems().iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(
        messages[0].starts_with("session tags: duplicate key \"A\""),
        "{}",
        messages[0]
    );
    assert!(messages[1].contains("lasts at most 1h"), "{}", messages[1]);
    assert!(
        messages[2].contains("Statement[0].Action: must be \"*\" or service:Action"),
        "{}",
        messages[2]
    );
    assert!(
        messages[2].contains("Statement[0].Resource: must be \"*\" or an ARN"),
        "{}",
        messages[2]
    );
    // The same problems, typed: a caller matches on these, not on the words.
    let typed: Vec<(Subject, ErrorKind)> = spec
        .problems()
        .iter()
        .map(|e| (e.subject(), e.kind()))
        .collect();
    assert_eq!(
        typed,
        [
            (Subject::SessionTags, ErrorKind::Duplicate),
            (Subject::SessionDuration, ErrorKind::Conflict),
            (Subject::Permissions, ErrorKind::Policy),
        ]
    );
    // The permissions' document problems stay a PolicyError, one problem each.
    let policy = spec.problems()[2]
        .policy_error()
        .expect("a nested PolicyError");
    assert_eq!(policy.problems().len(), 2, "{policy}");
    assert!(spec.problems()[0].policy_error().is_none());
}

#[test]
fn every_error_names_its_subject_and_kind() {
    let cases: [(Result<(), Error>, Subject, ErrorKind); 10] = [
        (
            RoleArn::parse("arn:aws:iam::1:role/R").map(drop),
            Subject::RoleArn,
            ErrorKind::Length,
        ),
        (
            RoleArn::parse("arn:aws:s3:::b").map(drop),
            Subject::RoleArn,
            ErrorKind::Format,
        ),
        (
            RoleArn::parse("arn:aws-moon:iam::222222222222:role/R").map(drop),
            Subject::RoleArn,
            ErrorKind::Unknown,
        ),
        (
            SessionName::parse("a b").map(drop),
            Subject::SessionName,
            ErrorKind::Charset,
        ),
        (
            SessionName::parse("a").map(drop),
            Subject::SessionName,
            ErrorKind::Length,
        ),
        (
            SessionDuration::from_secs(60).map(drop),
            Subject::SessionDuration,
            ErrorKind::Range,
        ),
        (
            SessionTag::new("aws:x", "1").map(drop),
            Subject::SessionTagKey,
            ErrorKind::Reserved,
        ),
        (
            TokenCode::parse("12345a").map(drop),
            Subject::MfaTokenCode,
            ErrorKind::Charset,
        ),
        (
            Partition::parse("aws-moon").map(drop),
            Subject::Partition,
            ErrorKind::Unknown,
        ),
        (
            SessionPolicy::parse("{").map(drop),
            Subject::SessionPolicy,
            ErrorKind::Policy,
        ),
    ];
    for (result, subject, kind) in cases {
        let e = result.unwrap_err();
        assert_eq!((e.subject(), e.kind()), (subject, kind), "{e}");
        assert!(e.to_string().starts_with(subject.as_str()), "{e}");
    }
}

fn name_strategy() -> impl Strategy<Value = String> {
    "[A-Za-z0-9+=,.@_-]{1,64}"
}

fn path_strategy() -> impl Strategy<Value = String> {
    prop_oneof![Just("/".to_owned()), "(/[A-Za-z0-9_.-]{1,10}){1,4}/"]
}

fn partition_strategy() -> impl Strategy<Value = Partition> {
    prop::sample::select(Partition::ALL.to_vec())
}

proptest! {
    #[test]
    fn role_arns_round_trip(p in partition_strategy(), account in "[0-9]{12}", path in path_strategy(), name in name_strategy()) {
        let text = format!("arn:{p}:iam::{account}:role{path}{name}");
        let arn: RoleArn = text.parse().unwrap();
        prop_assert_eq!(arn.to_string(), text.clone());
        let id = arn.account();
        prop_assert_eq!((arn.partition(), id.as_str(), arn.path(), arn.name()), (p, account.as_str(), path.as_str(), name.as_str()));
        let again: RoleArn = arn.to_string().parse().unwrap();
        prop_assert_eq!(again, arn);
    }

    #[test]
    fn principals_round_trip(
        p in partition_strategy(),
        account in "[0-9]{12}",
        path in path_strategy(),
        name in name_strategy(),
        session in "[A-Za-z0-9+=,.@_-]{2,64}",
        form in 0..6usize,
    ) {
        let text = match form {
            0 => format!("arn:{p}:iam::{account}:root"),
            1 => format!("arn:{p}:iam::{account}:user{path}{name}"),
            2 => format!("arn:{p}:iam::{account}:role{path}{name}"),
            3 => format!("arn:{p}:sts::{account}:assumed-role/{name}/{session}"),
            4 => account.clone(),
            _ => "*".to_owned(),
        };
        let principal: PrincipalArn = text.parse().unwrap();
        prop_assert_eq!(principal.to_string(), text);
        let json = serde_json::to_string(&principal).unwrap();
        prop_assert_eq!(serde_json::from_str::<PrincipalArn>(&json).unwrap(), principal);
    }

    #[test]
    fn durations_round_trip(secs in 900u64..=43200) {
        let d = SessionDuration::from_secs(secs).unwrap();
        prop_assert_eq!(d.to_string().parse::<SessionDuration>().unwrap(), d);
    }

    #[test]
    fn no_parser_panics_on_any_string(s in any::<String>()) {
        for kind in CASES.iter().map(|c| c.kind) {
            let _ = cases::parse(kind, &s);
        }
        let _ = s.parse::<PolicyDocument>();
        let _ = xrole_core::policy::ConditionOperator::parse(&s);
    }

    #[test]
    fn no_parser_panics_on_arn_like_strings(s in "arn:[a-z-]{0,12}:[a-z]{0,4}:[a-z0-9-]{0,10}:[0-9a-z*]{0,13}:[a-z-]{0,14}(/[^/]{0,70}){0,3}") {
        let _ = s.parse::<RoleArn>();
        let _ = s.parse::<PrincipalArn>();
        let _ = s.parse::<PolicyArn>();
    }
}

#[test]
fn web_identity_issuers_are_the_claim_key_prefixes() {
    let issuer = |arn: &str| {
        PrincipalArn::parse(arn)
            .unwrap()
            .web_identity_issuer()
            .map(str::to_owned)
    };
    assert_eq!(
        issuer("arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com")
            .as_deref(),
        Some("token.actions.githubusercontent.com")
    );
    assert_eq!(
        issuer("arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC")
            .as_deref(),
        Some("oidc.eks.eu-west-1.amazonaws.com/id/ABC")
    );
    assert_eq!(
        issuer("cognito-identity.amazonaws.com").as_deref(),
        Some("cognito-identity.amazonaws.com")
    );
    for not_web in [
        "arn:aws:iam::111111111111:saml-provider/Okta",
        "arn:aws:iam::111111111111:role/R",
        "arn:aws:sts::111111111111:federated-user/Bob",
        "ec2.amazonaws.com",
    ] {
        assert_eq!(issuer(not_web), None, "{not_web}");
    }
}

#[test]
fn any_arn_splits_and_joins_in_one_place() {
    let arn = Arn::split("arn:aws:iam::*:role/deploy-*").unwrap();
    assert_eq!(
        arn.sections(),
        ["arn", "aws", "iam", "", "*", "role/deploy-*"]
    );
    assert_eq!(arn.account_id(), None);
    let arn = Arn::split("arn:aws:sqs:eu-west-1:222222222222:queue:with:colons").unwrap();
    assert_eq!(
        arn.account_id(),
        Some(AccountId::from_static("222222222222"))
    );
    assert_eq!(arn.resource, "queue:with:colons");
    assert_eq!(
        arn.to_string(),
        "arn:aws:sqs:eu-west-1:222222222222:queue:with:colons"
    );
    for not_an_arn in [
        "",
        "*",
        "arn",
        "arn:aws:s3::",
        "ARN:aws:s3:::b",
        "urn:aws:s3:::b",
    ] {
        assert_eq!(Arn::split(not_an_arn), None, "{not_an_arn:?}");
    }
    // The typed ARNs agree with it.
    let policy = PolicyArn::parse("arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
    assert!(policy.is_aws_managed());
    assert_eq!(policy.owner(), None);
}

#[test]
fn regions_name_their_partition_and_oidc_providers_keep_it() {
    for (region, partition, suffix) in [
        ("us-east-1", Partition::Aws, "amazonaws.com"),
        ("cn-northwest-1", Partition::AwsCn, "amazonaws.com.cn"),
        ("us-gov-west-1", Partition::AwsUsGov, "amazonaws.com"),
        ("us-iso-east-1", Partition::AwsIso, "c2s.ic.gov"),
        ("us-isob-east-1", Partition::AwsIsoB, "sc2s.sgov.gov"),
        ("eusc-de-east-1", Partition::AwsEusc, "amazonaws.eu"),
    ] {
        assert_eq!(Partition::of_region(region), partition, "{region}");
        assert_eq!(partition.dns_suffix(), suffix, "{region}");
    }
    let provider = PrincipalArn::oidc_provider(
        Partition::AwsCn,
        AccountId::from_static("222222222222"),
        "token.actions.githubusercontent.com",
    )
    .unwrap();
    assert_eq!(
        provider.as_str(),
        "arn:aws-cn:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"
    );
    assert_eq!(provider.partition(), Some(Partition::AwsCn));
    assert_eq!(provider.kind(), PrincipalKind::Federated);
}

#[test]
fn queue_urls_name_their_queues() {
    for (url, arn) in [
        (
            "https://sqs.eu-west-1.amazonaws.com/222222222222/jobs",
            "arn:aws:sqs:eu-west-1:222222222222:jobs",
        ),
        (
            "https://sqs.cn-north-1.amazonaws.com.cn/222222222222/jobs.fifo",
            "arn:aws-cn:sqs:cn-north-1:222222222222:jobs.fifo",
        ),
        (
            "https://queue.amazonaws.com/222222222222/legacy",
            "arn:aws:sqs:us-east-1:222222222222:legacy",
        ),
        (
            "https://us-west-2.queue.amazonaws.com/222222222222/old/",
            "arn:aws:sqs:us-west-2:222222222222:old",
        ),
    ] {
        assert_eq!(
            Arn::of_queue_url(url).map(|a| a.to_string()).as_deref(),
            Some(arn),
            "{url}"
        );
    }
    for not_one in [
        "https://example.com/222222222222/q",
        "https://sqs.eu-west-1.amazonaws.com/2222/q",
        "https://sqs.eu-west-1.amazonaws.com/222222222222/",
        "https://sqs.eu-west-1.amazonaws.com/222222222222/a/b",
        "sqs.eu-west-1.amazonaws.com/222222222222/q",
    ] {
        assert_eq!(Arn::of_queue_url(not_one), None, "{not_one}");
    }
}
