//! Policy documents: every IAM documentation example parses and validates as its
//! kind, malformed documents are rejected with exact paths, the canonical form is
//! stable, and no input panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::path::Path;

use proptest::prelude::*;
use xrole_core::policy::*;

fn fixtures() -> Vec<(String, PolicyKind, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iam");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let kind = match name.split('-').next().unwrap() {
                "trust" => PolicyKind::Trust,
                "identity" => PolicyKind::Identity,
                "resource" => PolicyKind::Resource,
                "session" => PolicyKind::Session,
                other => panic!("fixture {name}: unknown kind prefix {other}"),
            };
            (name, kind, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 25, "fixtures missing from {}", dir.display());
    out
}

#[test]
fn every_documentation_policy_parses_and_validates_as_its_kind() {
    for (name, kind, json) in fixtures() {
        let doc: PolicyDocument = json.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
        doc.validate(kind)
            .unwrap_or_else(|e| panic!("{name} as {kind:?}: {e}"));
    }
}

#[test]
fn serialization_is_lossless_and_canonical_form_is_idempotent() {
    for (name, _, json) in fixtures() {
        let doc: PolicyDocument = json.parse().unwrap();
        let original: serde_json::Value = serde_json::from_str(&json).unwrap();
        // Same JSON value (single values, lists and Statement form kept as written).
        let written: serde_json::Value = serde_json::to_value(&doc).unwrap();
        assert_eq!(written, original, "{name}");
        let canonical = doc.to_canonical_json();
        let again: PolicyDocument = canonical.parse().unwrap();
        assert_eq!(again, doc, "{name}");
        assert_eq!(again.to_canonical_json(), canonical, "{name}");
    }
}

#[test]
fn canonical_form_orders_keys() {
    let doc: PolicyDocument = r#"{"Statement":[{"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}},
        "Action":"sts:AssumeRole","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Effect":"Allow","Sid":"A"}],
        "Id":"x","Version":"2012-10-17"}"#
        .parse()
        .unwrap();
    assert_eq!(
        doc.to_canonical_json(),
        r#"{
  "Version": "2012-10-17",
  "Id": "x",
  "Statement": [
    {
      "Sid": "A",
      "Effect": "Allow",
      "Principal": {
        "AWS": "arn:aws:iam::123456789012:root"
      },
      "Action": "sts:AssumeRole",
      "Condition": {
        "Bool": {
          "aws:MultiFactorAuthPresent": "true"
        }
      }
    }
  ]
}"#
    );
}

#[test]
fn single_values_and_lists_stay_as_written() {
    let one: PolicyDocument = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#.parse().unwrap();
    let list: PolicyDocument = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]}"#.parse().unwrap();
    assert_ne!(one, list);
    assert!(one.equivalent(&list));
    assert_eq!(
        one.to_compact_json(),
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#
    );
    assert_eq!(
        list.to_compact_json(),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]}"#
    );
    let other: PolicyDocument = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}}"#.parse().unwrap();
    assert!(!one.equivalent(&other));
}

/// `(json, kind, [(path, message fragment)])`: every problem, in order.
fn assert_problems(json: &str, kind: PolicyKind, expected: &[(&str, &str)]) {
    let err = match PolicyDocument::from_json(json) {
        Err(e) => e,
        Ok(doc) => doc
            .validate(kind)
            .expect_err("the document should be rejected"),
    };
    let got: Vec<(&str, &str)> = err
        .problems()
        .iter()
        .map(|p| (p.path(), p.message()))
        .collect();
    assert_eq!(got.len(), expected.len(), "problems: {got:#?}");
    for ((path, message), (want_path, want_fragment)) in got.iter().zip(expected) {
        assert_eq!(path, want_path, "{message}");
        assert!(
            message.contains(want_fragment),
            "{path}: {message:?} lacks {want_fragment:?}"
        );
    }
}

#[test]
fn structural_problems_are_reported_with_paths_all_at_once() {
    assert_problems(
        r#"{"Version":"2012-10-18","Statement":[{"Effect":"allow","Action":"sts:AssumeRole"},
            {"Effect":"Allow","Actions":"s3:*","Resource":"*"},
            {"Effect":"Allow","Action":["s3:GetObject", 7],"Resource":"*","Condition":{"StringEqulas":{"aws:username":"bob"}}}]}"#,
        PolicyKind::Identity,
        &[
            (
                "Version",
                r#"must be "2012-10-17" or "2008-10-17", found "2012-10-18""#,
            ),
            (
                "Statement[0].Effect",
                r#"must be "Allow" or "Deny", found "allow""#,
            ),
            (
                "Statement[1].Actions",
                "unknown element \"Actions\" (expected one of Sid, Effect",
            ),
            ("Statement[2].Action[1]", "must be a string, found a number"),
            (
                "Statement[2].Condition.StringEqulas",
                r#"unknown operator "StringEqulas""#,
            ),
        ],
    );
    assert_problems(
        "[1]",
        PolicyKind::Identity,
        &[("", "a policy must be a JSON object, found a list")],
    );
    assert_problems("{", PolicyKind::Identity, &[("", "not valid JSON")]);
    assert_problems(
        r#"{"Version":"2012-10-17"}"#,
        PolicyKind::Identity,
        &[("Statement", "is required")],
    );
    assert_problems(
        r#"{"statement":[]}"#,
        PolicyKind::Identity,
        &[
            ("statement", "did you mean \"Statement\"?"),
            ("Statement", "is required"),
        ],
    );
    assert_problems(
        r#"{"Statement":{"Effect":"Allow","Principal":"arn:aws:iam::111111111111:root","Action":"sts:AssumeRole"}}"#,
        PolicyKind::Trust,
        &[(
            "Statement.Principal",
            r#"must be "*" or an object such as {"AWS": "arn:aws:iam::111111111111:root"}"#,
        )],
    );
    assert_problems(
        r#"{"Statement":{"Effect":"Allow","Principal":{"aws":"*"},"Action":"sts:AssumeRole"}}"#,
        PolicyKind::Trust,
        &[("Statement.Principal.aws", r#"did you mean "AWS"?"#)],
    );
    assert_problems(
        r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"aws:TokenIssueTime":"true"},"StringEquals":{}}}}"#,
        PolicyKind::Identity,
        &[
            (
                "Statement.Condition.NullIfExists",
                "Null cannot take IfExists",
            ),
            ("Statement.Condition.StringEquals", "names no condition key"),
        ],
    );
}

#[test]
fn trust_policy_rules() {
    assert_problems(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
            "Principal":{"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::*:root"]},
            "Action":"sts:AssumeRole","Resource":"*"}]}"#,
        PolicyKind::Trust,
        &[
            ("Statement[0].Resource", "is not allowed in a trust policy"),
            (
                "Statement[0].Principal.AWS[1]",
                "wildcards are not allowed inside a principal",
            ),
        ],
    );
    assert_problems(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"},
            {"Effect":"Allow","Action":["sts:AssumeRole","s3:GetObject","sts:GetCallerIdentity"]}]}"#,
        PolicyKind::Trust,
        &[
            (
                "Statement[0].NotPrincipal",
                "is not allowed in a trust policy",
            ),
            ("Statement[1]", "needs a Principal in a trust policy"),
            (
                "Statement[1].Action[1]",
                "a trust policy grants only STS actions",
            ),
            (
                "Statement[1].Action[2]",
                r#""sts:GetCallerIdentity" cannot be granted by a trust policy"#,
            ),
        ],
    );
    assert_problems(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"arn:aws:iam::111111111111:root","AWS":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        PolicyKind::Trust,
        &[
            (
                "Statement[0].Principal.Service",
                r#"is a AWS principal and belongs under "AWS", not "Service""#,
            ),
            (
                "Statement[0].Principal.AWS",
                r#"is a Service principal and belongs under "Service", not "AWS""#,
            ),
        ],
    );
}

#[test]
fn identity_resource_and_session_rules() {
    assert_problems(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"One","Effect":"Allow","Principal":"*","Action":"s3:GetObject"},
            {"Sid":"One","Effect":"Allow","Action":"s3 GetObject","NotAction":"s3:*","Resource":"bucket"},
            {"Sid":"has space","Effect":"Allow","Action":"s3:Get*","Resource":["arn:aws:s3:::b/${aws:username","arn::s3:::b"]}]}"#,
        PolicyKind::Identity,
        &[
            (
                "Statement[0].Principal",
                "is not allowed in an identity policy",
            ),
            (
                "Statement[0]",
                "needs Resource or NotResource in an identity policy",
            ),
            (
                "Statement[1].Sid",
                r#"duplicate Sid "One" (also at Statement[0])"#,
            ),
            ("Statement[1]", "has both Action and NotAction"),
            ("Statement[1].Action", "must be \"*\" or service:Action"),
            ("Statement[1].Resource", "must be \"*\" or an ARN"),
            ("Statement[2].Sid", "may hold only ASCII letters and digits"),
            ("Statement[2].Resource[0]", "unclosed policy variable"),
            ("Statement[2].Resource[1]", "must not be empty"),
        ],
    );
    assert_problems(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:*","Resource":"*"},
            {"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
        PolicyKind::Resource,
        &[
            (
                "Statement[0].NotPrincipal",
                r#"must be used with "Effect": "Deny""#,
            ),
            (
                "Statement[1]",
                "needs Principal or NotPrincipal in a resource policy",
            ),
        ],
    );
    assert_problems(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:*","Resource":"*"}}"#,
        PolicyKind::Session,
        &[("Statement.Principal", "is not allowed in a session policy")],
    );
}

#[test]
fn condition_values_are_checked_per_operator_family() {
    assert_problems(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
            "Bool":{"aws:MultiFactorAuthPresent":"yes"},
            "NumericLessThan":{"aws:MultiFactorAuthAge":"an hour"},
            "DateGreaterThan":{"aws:CurrentTime":"2026-13-01"},
            "IpAddress":{"aws:SourceIp":["10.0.0.0/8","10.0.0.0/33"]},
            "BinaryEquals":{"key:bin":"not base64!"},
            "ArnLike":{"aws:SourceArn":"sns:us-east-1"},
            "StringEquals":{"no-prefix":"x"},
            "Null":{"aws:TokenIssueTime":"maybe"}}}}"#,
        PolicyKind::Identity,
        &[
            (
                r#"Statement.Condition.Bool["aws:MultiFactorAuthPresent"]"#,
                r#"Bool expects "true" or "false", found "yes""#,
            ),
            (
                r#"Statement.Condition.NumericLessThan["aws:MultiFactorAuthAge"]"#,
                "expects a number",
            ),
            (
                r#"Statement.Condition.DateGreaterThan["aws:CurrentTime"]"#,
                "expects an ISO 8601 date",
            ),
            (
                r#"Statement.Condition.IpAddress["aws:SourceIp"][1]"#,
                "expects an IP address or CIDR range",
            ),
            (
                r#"Statement.Condition.BinaryEquals["key:bin"]"#,
                "expects base64 text",
            ),
            (
                r#"Statement.Condition.ArnLike["aws:SourceArn"]"#,
                "expects an ARN",
            ),
            (
                r#"Statement.Condition.StringEquals["no-prefix"]"#,
                "a condition key must be prefix:name",
            ),
            (
                r#"Statement.Condition.Null["aws:TokenIssueTime"]"#,
                r#"Null expects "true" or "false""#,
            ),
        ],
    );
}

#[test]
fn every_operator_parses_with_its_qualifiers() {
    for base in OperatorBase::ALL {
        let plain = ConditionOperator::parse(base.as_str()).unwrap();
        assert_eq!(plain.to_string(), base.as_str());
        if *base == OperatorBase::Null {
            assert!(ConditionOperator::parse("NullIfExists").is_err());
            assert!(ConditionOperator::parse("ForAnyValue:Null").is_err());
            continue;
        }
        for text in [
            format!("{}IfExists", base.as_str()),
            format!("ForAllValues:{}", base.as_str()),
            format!("ForAnyValue:{}IfExists", base.as_str()),
        ] {
            let op = ConditionOperator::parse(&text).unwrap();
            assert_eq!(op.to_string(), text);
            assert_eq!(op.base, *base);
        }
    }
    assert_eq!(OperatorBase::ALL.len(), 27);
    assert_eq!(
        ConditionOperator::parse("stringequals")
            .unwrap_err()
            .to_string(),
        r#"condition operator: unknown operator "stringequals" (did you mean "StringEquals"?)"#
    );
}

#[test]
fn size_limits_per_kind() {
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111111111111:root"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"{}"}}}}}}]}}"#,
        "x".repeat(2000)
    );
    let doc: PolicyDocument = big.parse().unwrap();
    let err = doc.validate(PolicyKind::Trust).unwrap_err();
    assert_eq!(err.problems().len(), 1);
    assert_eq!(err.problems()[0].path(), "");
    assert!(
        err.problems()[0]
            .message()
            .contains("is over the limit of 2048 for a trust policy"),
        "{err}"
    );
    assert!(err.to_string().starts_with("policy: "), "{err}");
}

#[test]
fn values_read_as_aws_reads_them() {
    assert_eq!(values::parse_date("2026-01-31"), Some(1_769_817_600_000));
    assert_eq!(
        values::parse_date("2026-01-31T00:00:00Z"),
        Some(1_769_817_600_000)
    );
    assert_eq!(
        values::parse_date("2026-01-31T01:00:00+01:00"),
        Some(1_769_817_600_000)
    );
    assert_eq!(values::parse_date("1769817600"), Some(1_769_817_600_000));
    assert_eq!(values::parse_date("yesterday"), None);
    let net = values::Cidr::parse("203.0.113.0/24").unwrap();
    assert!(net.contains("203.0.113.77".parse().unwrap()));
    assert!(!net.contains("203.0.114.1".parse().unwrap()));
    assert!(!net.contains("2001:db8::1".parse().unwrap()));
    assert!(
        values::Cidr::parse("2001:db8::/32")
            .unwrap()
            .contains("2001:db8:ffff::1".parse().unwrap())
    );
    assert!(
        values::Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap())
    );
    assert_eq!(values::parse_number("3600"), Some(3600.0));
    assert_eq!(values::parse_number("NaN"), None);
    assert_eq!(values::parse_bool("TRUE"), Some(true));
    assert!(values::is_base64("QmluYXJ5VmFsdWU="));
}

fn json_strategy() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let key = prop_oneof![
        Just("Version".to_owned()),
        Just("Statement".to_owned()),
        Just("Effect".to_owned()),
        Just("Principal".to_owned()),
        Just("Action".to_owned()),
        Just("Resource".to_owned()),
        Just("NotPrincipal".to_owned()),
        Just("Condition".to_owned()),
        Just("AWS".to_owned()),
        Just("StringEquals".to_owned()),
        Just("ForAnyValue:NullIfExists".to_owned()),
        ".{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("2012-10-17".to_owned()),
            Just("Allow".to_owned()),
            Just("*".to_owned()),
            Just("arn:aws:iam::111111111111:root".to_owned()),
            Just("sts:AssumeRole".to_owned()),
            ".{0,12}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn statement_strategy() -> impl Strategy<Value = Statement> {
    let strings = |items: Vec<&'static str>| {
        prop::collection::vec(prop::sample::select(items), 1..4).prop_flat_map(|v| {
            let one = v[0].to_owned();
            prop_oneof![
                Just(OneOrMany::One(one)),
                Just(OneOrMany::Many(v.iter().map(|s| s.to_string()).collect()))
            ]
        })
    };
    (
        any::<bool>(),
        strings(vec!["s3:GetObject", "sts:AssumeRole", "*", "ec2:Describe*"]),
        strings(vec![
            "*",
            "arn:aws:s3:::b/*",
            "arn:aws:iam::222222222222:role/R",
        ]),
        prop::option::of(strings(vec![
            "arn:aws:iam::111111111111:root",
            "111111111111",
            "*",
        ])),
        prop::option::of((
            "[A-Za-z0-9]{1,8}",
            prop::sample::select(OperatorBase::ALL.to_vec()),
            "[a-z]{1,5}",
        )),
    )
        .prop_map(|(allow, actions, resources, principal, condition)| {
            let mut st = Statement::new(if allow { Effect::Allow } else { Effect::Deny });
            st.action = Some(actions);
            st.resource = Some(resources);
            st.principal = principal.map(|p| Principal::Typed(vec![(PrincipalType::Aws, p)]));
            if let Some((key, base, value)) = condition {
                st = st.condition(
                    ConditionOperator::new(base),
                    format!("aws:{key}"),
                    value.as_str(),
                );
            }
            st
        })
}

proptest! {
    #[test]
    fn no_json_makes_parsing_or_validation_panic(value in json_strategy()) {
        if let Ok(doc) = PolicyDocument::from_value(&value) {
            for kind in [PolicyKind::Identity, PolicyKind::Trust, PolicyKind::Resource, PolicyKind::Session] {
                let _ = doc.validate(kind);
            }
            let _ = doc.to_canonical_json();
        }
    }

    #[test]
    fn documents_round_trip(statements in prop::collection::vec(statement_strategy(), 1..4), single in any::<bool>()) {
        let mut doc = PolicyDocument::new(statements);
        if single && doc.statements().len() == 1 {
            doc.statement = OneOrMany::One(doc.statements()[0].clone());
        }
        let json = doc.to_canonical_json();
        let parsed: PolicyDocument = json.parse().unwrap();
        prop_assert_eq!(&parsed, &doc);
        prop_assert_eq!(parsed.to_canonical_json(), json);
        let compact = doc.to_compact_json();
        prop_assert_eq!(compact.parse::<PolicyDocument>().unwrap(), doc);
    }
}
