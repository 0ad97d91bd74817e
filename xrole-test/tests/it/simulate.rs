//! The batch interface, as a library function and as the `xrole-simulate` binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use serde_json::{Value, json};
use xrole_test::simulate::{simulate, simulate_line};

fn line(principal: &str, external_id: Option<&str>) -> String {
    let mut context = serde_json::Map::new();
    if let Some(id) = external_id {
        context.insert("sts:ExternalId".into(), json!(id));
    }
    json!({
        "request": {"principal": principal, "action": "sts:AssumeRole",
                    "resource": "arn:aws:iam::222222222222:role/VendorRole", "context": context},
        "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                              "Resource": "arn:aws:iam::222222222222:role/VendorRole"}]}],
        "resourcePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "ext-1"}}}]}
    })
    .to_string()
}

#[test]
fn decisions_with_explanations() {
    let allowed = simulate_line(&line("arn:aws:iam::111111111111:user/alice", Some("ext-1")));
    assert_eq!(allowed["decision"], "Allowed", "{allowed}");
    assert_eq!(allowed["explanation"][0]["side"], "resource");
    assert_eq!(allowed["explanation"][0]["finding"], "AllowsThroughAccount");
    assert_eq!(allowed["explanation"][0]["statement"], "Statement[0]");
    assert_eq!(allowed["explanation"][1]["policy"], "identityPolicies[0]");

    let denied = simulate_line(&line("arn:aws:iam::111111111111:user/alice", None));
    assert_eq!(denied["decision"], "ImplicitlyDenied");
    assert_eq!(
        denied["explanation"][0]["message"],
        "resourcePolicy Statement[0] would allow, but its condition StringEquals on sts:ExternalId does not hold"
    );
}

#[test]
fn bad_lines_get_errors_and_the_batch_goes_on() {
    let good = line("arn:aws:iam::111111111111:user/alice", Some("ext-1"));
    let bad_policy = json!({"request": {"principal": "arn:aws:iam::111111111111:user/alice", "action": "s3:GetObject", "resource": "*"},
        "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}]}]})
    .to_string();
    let bad_principal =
        json!({"request": {"principal": "alice", "action": "s3:GetObject", "resource": "*"}})
            .to_string();
    let input = format!(
        "{good}\nnot json\n\n{bad_policy}\n{bad_principal}\n{{\"request\":{{\"principal\":\"*\",\"action\":\"s3:GetObject\",\"resource\":\"*\"}},\"extra\":1}}\n{good}\n"
    );
    let mut out = Vec::new();
    let summary = simulate(input.as_bytes(), &mut out).unwrap();
    assert_eq!((summary.evaluated, summary.errors), (2, 4));
    let answers: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 6);
    assert_eq!(answers[0]["decision"], "Allowed");
    assert!(
        answers[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid request line:")
    );
    assert_eq!(
        answers[2]["error"],
        r#"identityPolicies[0]: Statement[0].Effect: must be "Allow" or "Deny", found "allow""#
    );
    assert!(
        answers[3]["error"]
            .as_str()
            .unwrap()
            .starts_with("request.principal: principal: expected"),
        "{}",
        answers[3]
    );
    assert!(
        answers[4]["error"]
            .as_str()
            .unwrap()
            .contains("unknown field `extra`"),
        "{}",
        answers[4]
    );
    assert_eq!(answers[5]["decision"], "Allowed");
}

#[test]
fn context_values_sets_and_trust_validation() {
    let tagging = json!({
        "request": {"principal": "arn:aws:iam::111111111111:user/alice", "action": "sts:TagSession",
                    "resource": "arn:aws:iam::222222222222:role/R",
                    "context": {"aws:TagKeys": ["Project", "Owner"], "aws:RequestTag/Project": "x"}},
        "identityPolicies": [{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"}}],
        "resourcePolicy": {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "111111111111"},
            "Action": "sts:TagSession", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["Project"]}}}}
    });
    assert_eq!(
        simulate_line(&tagging.to_string())["decision"],
        "ImplicitlyDenied"
    );
    // The resource policy of a role assumption is checked as a trust policy.
    let mut with_resource = tagging.clone();
    with_resource["resourcePolicy"]["Statement"]["Resource"] = json!("*");
    let answer = simulate_line(&with_resource.to_string());
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("Statement.Resource: is not allowed in a trust policy"),
        "{answer}"
    );
    // Same account S3 read through a bucket policy naming the user.
    let s3 = json!({
        "request": {"principal": "arn:aws:iam::222222222222:user/bob", "action": "s3:GetObject",
                    "resource": "arn:aws:s3:::b/k", "resourceAccount": "222222222222"},
        "resourcePolicy": {"Version": "2012-10-17", "Statement": {"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:user/bob"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}
    });
    assert_eq!(simulate_line(&s3.to_string())["decision"], "Allowed");
}

/// A line that is not UTF-8 is answered and skipped; every later line is evaluated.
#[test]
fn invalid_utf8_loses_no_later_line() {
    let good = line("arn:aws:iam::111111111111:user/alice", Some("ext-1"));
    let mut input = Vec::new();
    input.extend_from_slice(good.as_bytes());
    input.extend_from_slice(b"\n{\"request\": \"\xff\xfe\"}\n");
    input.extend_from_slice(good.as_bytes());
    input.push(b'\n');
    let mut out = Vec::new();
    let summary = simulate(input.as_slice(), &mut out).unwrap();
    assert_eq!((summary.evaluated, summary.errors), (2, 1));
    let answers: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 3);
    assert!(
        answers[1]["error"]
            .as_str()
            .unwrap()
            .contains("not valid UTF-8")
    );
    assert_eq!(answers[1]["line"], 2);
    assert_eq!(answers[2]["decision"], "Allowed");
}

/// Oversized request strings get a clear error, not minutes of matching.
#[test]
fn request_strings_are_capped() {
    let mut request: Value =
        serde_json::from_str(&line("arn:aws:iam::111111111111:user/alice", Some("ext-1"))).unwrap();
    request["request"]["resource"] = json!("a".repeat(xrole_test::simulate::MAX_STRING_CHARS + 1));
    let answer = simulate_line(&request.to_string());
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .starts_with("request.resource: 2049 characters"),
        "{answer}"
    );
    let mut request: Value =
        serde_json::from_str(&line("arn:aws:iam::111111111111:user/alice", Some("ext-1"))).unwrap();
    let values: Vec<String> = (0..20).map(|_| "v".repeat(1000)).collect();
    request["request"]["context"]["aws:TagKeys"] = json!(values);
    let answer = simulate_line(&request.to_string());
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("more than 16384 characters"),
        "{answer}"
    );
}

/// Levels in iam-simulate's shape, root first: every level must allow, a deny at
/// any level wins, and documents are evaluated as given.
#[test]
fn service_and_resource_control_policies_as_levels() {
    let full = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let rcp_full = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]});
    let deny_outside = json!({"Id": "EnforceOrgIdentities", "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
        "Action": "sts:AssumeRole", "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]});
    let with_levels = |scp_ou: &Value, org_id: Option<&str>| {
        let mut l: Value =
            serde_json::from_str(&line("arn:aws:iam::111111111111:user/alice", Some("ext-1")))
                .unwrap();
        if let Some(id) = org_id {
            l["request"]["context"]["aws:PrincipalOrgID"] = json!(id);
        }
        l["serviceControlPolicies"] = json!([
            {"orgIdentifier": "r-ab12", "policies": [full]},
            {"orgIdentifier": "ou-ab12-11111111", "policies": [scp_ou]},
            {"orgIdentifier": "111111111111", "policies": [full]}
        ]);
        l["resourceControlPolicies"] = json!([
            {"orgIdentifier": "r-ab12", "policies": [rcp_full, deny_outside]},
            {"orgIdentifier": "222222222222", "policies": [rcp_full]}
        ]);
        simulate_line(&l.to_string())
    };
    let allowed = with_levels(&full, Some("o-a1b2c3d4e5"));
    assert_eq!(allowed["decision"], "Allowed", "{allowed}");

    let outsider = with_levels(&full, None);
    assert_eq!(outsider["decision"], "ExplicitlyDenied", "{outsider}");
    assert_eq!(outsider["explanation"][0]["side"], "rcp");
    assert_eq!(
        outsider["explanation"][0]["policy"],
        r#"RCP "EnforceOrgIdentities" attached to r-ab12"#
    );

    let only_s3 = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
    let no_allow = with_levels(&only_s3, Some("o-a1b2c3d4e5"));
    assert_eq!(no_allow["decision"], "ImplicitlyDenied", "{no_allow}");
    assert_eq!(
        no_allow["explanation"].as_array().unwrap().len(),
        1,
        "{no_allow}"
    );
    assert_eq!(no_allow["explanation"][0]["side"], "scp");
    assert_eq!(
        no_allow["explanation"][0]["message"],
        "no SCP attached to ou-ab12-11111111 allows the request"
    );

    // A document invalid for its kind is an error with its place.
    let with_principal = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]});
    let err = with_levels(&with_principal, None);
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .starts_with("serviceControlPolicies[1].policies[0]: "),
        "{err}"
    );
}

#[test]
fn federated_users_with_their_session_user() {
    let bucket = "arn:aws:s3:::reports/q3.csv";
    let request = |session_user: Option<&str>, session_policy: bool| {
        let mut r = json!({
            "request": {"principal": "arn:aws:sts::111111111111:federated-user/Bob",
                        "action": "s3:GetObject", "resource": bucket,
                        "resourceAccount": "111111111111"},
            "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                                  "Action": "s3:*", "Resource": "*"}]}],
            "resourcePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:user/broker"},
                "Action": "s3:GetObject", "Resource": bucket}]}
        });
        if let Some(user) = session_user {
            r["request"]["sessionUser"] = json!(user);
        }
        if session_policy {
            r["sessionPolicy"] = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": "s3:GetObject", "Resource": "*"}]});
        }
        simulate_line(&r.to_string())
    };
    let broker = Some("arn:aws:iam::111111111111:user/broker");
    assert_eq!(request(broker, true)["decision"], "Allowed");
    // No session policy: no permissions, and the grant to the user is limited too.
    let none = request(broker, false);
    assert_eq!(none["decision"], "ImplicitlyDenied", "{none}");
    assert!(
        none["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["finding"] == "NoSessionPolicy"),
        "{none}"
    );
    for (user, message) in [
        (
            "arn:aws:iam::222222222222:user/broker",
            "is not an IAM user of the federated user's account",
        ),
        ("broker", "request.sessionUser: "),
    ] {
        let answer = request(Some(user), true);
        assert!(
            answer["error"].as_str().unwrap().contains(message),
            "{answer}"
        );
    }
    let not_federated = simulate_line(
        &json!({"request": {"principal": "arn:aws:iam::111111111111:user/alice", "action": "s3:GetObject",
                            "resource": "*", "sessionUser": "arn:aws:iam::111111111111:user/broker"}})
        .to_string(),
    );
    assert!(
        not_federated["error"]
            .as_str()
            .unwrap()
            .contains("only a federated-user principal"),
        "{not_federated}"
    );
}

#[test]
fn web_identity_principals_with_token_claims() {
    let provider = "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com";
    let line = |principal: &str, claims: Value| {
        json!({
            "request": {"principal": principal, "action": "sts:AssumeRoleWithWebIdentity",
                        "resource": "arn:aws:iam::222222222222:role/Deploy", "tokenClaims": claims},
            "resourcePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": "repo:acme/api:ref:refs/heads/main",
                    "aws:FederatedProvider": provider}}}]}
        })
        .to_string()
    };
    let main = json!({"sub": "repo:acme/api:ref:refs/heads/main", "aud": "sts.amazonaws.com"});
    let allowed = simulate_line(&line(provider, main.clone()));
    assert_eq!(allowed["decision"], "Allowed", "{allowed}");
    let other = json!({"sub": "repo:acme/other:ref:refs/heads/main", "aud": "sts.amazonaws.com"});
    let denied = simulate_line(&line(provider, other));
    assert_eq!(denied["decision"], "ImplicitlyDenied", "{denied}");
    assert_eq!(
        denied["explanation"][0]["message"],
        "resourcePolicy Statement[0] would allow, but its condition StringEquals on token.actions.githubusercontent.com:sub does not hold"
    );
    // Claims belong to web identity principals only.
    let error = simulate_line(&line("arn:aws:iam::111111111111:user/alice", main));
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .starts_with("request.tokenClaims: only a web identity principal"),
        "{error}"
    );
    // Claim values are capped like every context value.
    let long = json!({"sub": "x".repeat(3000), "aud": "sts.amazonaws.com"});
    let error = simulate_line(&line(provider, long));
    assert!(
        error["error"].as_str().unwrap().contains("3000 characters"),
        "{error}"
    );
}

/// `RCPFullAWSAccess` is attached to every root, OU and account and cannot be
/// detached: a level that lists only denies, or nothing, is that policy plus its
/// denies, never a level with no allow (a state AWS cannot produce).
#[test]
fn rcp_levels_always_include_rcp_full_aws_access() {
    let deny_outside = json!({"Id": "EnforceOrgIdentities", "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
        "Action": "sts:AssumeRole", "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]});
    let rcp_full = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]});
    let with_rcps = |levels: Value, org_id: Option<&str>| {
        let mut l: Value =
            serde_json::from_str(&line("arn:aws:iam::111111111111:user/alice", Some("ext-1")))
                .unwrap();
        if let Some(id) = org_id {
            l["request"]["context"]["aws:PrincipalOrgID"] = json!(id);
        }
        l["resourceControlPolicies"] = levels;
        simulate_line(&l.to_string())
    };
    // Only a deny at the root, nothing at the account: RCPFullAWSAccess allows.
    let implicit = json!([
        {"orgIdentifier": "r-ab12", "policies": [deny_outside]},
        {"orgIdentifier": "222222222222", "policies": []}
    ]);
    let explicit = json!([
        {"orgIdentifier": "r-ab12", "policies": [rcp_full, deny_outside]},
        {"orgIdentifier": "222222222222", "policies": [rcp_full]}
    ]);
    for levels in [implicit, explicit] {
        let member = with_rcps(levels.clone(), Some("o-a1b2c3d4e5"));
        assert_eq!(member["decision"], "Allowed", "{member}");
        let outsider = with_rcps(levels, None);
        assert_eq!(outsider["decision"], "ExplicitlyDenied", "{outsider}");
        assert_eq!(
            outsider["explanation"][0]["policy"],
            r#"RCP "EnforceOrgIdentities" attached to r-ab12"#
        );
        // One deny line: RCPFullAWSAccess is never counted twice, nor reported
        // as a level without an allow.
        assert!(
            !outsider.to_string().contains("no RCP attached"),
            "{outsider}"
        );
    }
}

/// A line may give the HTTP request an SDK sends in place of an action and a
/// resource: each check AWS makes for it is judged.
#[test]
fn http_requests_are_judged_check_by_check() {
    let identity = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::src/*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::dst/*",
         "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}
    ]});
    let line = |headers: Value| {
        json!({"request": {"principal": "arn:aws:iam::111111111111:user/alice",
            "httpRequest": {"service": "s3", "region": "eu-west-1", "method": "PUT",
                "url": "https://dst.s3.eu-west-1.amazonaws.com/copied", "headers": headers}},
            "identityPolicies": [identity]})
        .to_string()
    };
    let plain = simulate_line(&line(json!({"x-amz-copy-source": "/src/original"})));
    assert_eq!(plain["operation"], "s3:CopyObject", "{plain}");
    assert_eq!(plain["decision"], "ImplicitlyDenied", "{plain}");
    let checks = plain["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0]["action"], "s3:GetObject");
    assert_eq!(checks[0]["resource"], "arn:aws:s3:::src/original");
    assert_eq!(checks[0]["decision"], "Allowed");
    assert_eq!(checks[1]["action"], "s3:PutObject");
    assert_eq!(checks[1]["decision"], "ImplicitlyDenied");
    // The request's own header satisfies the condition.
    let encrypted = simulate_line(&line(json!({"x-amz-copy-source": "/src/original",
        "x-amz-server-side-encryption": "aws:kms"})));
    assert_eq!(encrypted["decision"], "Allowed", "{encrypted}");
    assert_eq!(
        encrypted["checks"][1]["context"]["s3:x-amz-server-side-encryption"][0],
        "aws:kms"
    );

    // GetCallerIdentity needs no check at all.
    let who = simulate_line(&json!({"request": {"principal": "arn:aws:iam::111111111111:user/alice",
        "httpRequest": {"service": "sts", "region": "us-east-1", "method": "POST",
            "url": "https://sts.amazonaws.com/", "body": "Action=GetCallerIdentity&Version=2011-06-15"}}}).to_string());
    assert_eq!(who["decision"], "Allowed", "{who}");
    assert_eq!(who["checks"], json!([]));

    // An action and an HTTP request at once, or an unknown operation: errors.
    let both = simulate_line(&json!({"request": {"principal": "arn:aws:iam::111111111111:user/alice",
        "action": "s3:GetObject", "resource": "*",
        "httpRequest": {"service": "s3", "region": "eu-west-1", "method": "GET", "url": "https://s3.amazonaws.com/b/k"}}}).to_string());
    assert!(
        both["error"].as_str().unwrap().contains("not both"),
        "{both}"
    );
    let unknown = simulate_line(&json!({"request": {"principal": "arn:aws:iam::111111111111:user/alice",
        "httpRequest": {"service": "sqs", "region": "eu-west-1", "method": "POST",
            "url": "https://sqs.eu-west-1.amazonaws.com/", "headers": {"X-Amz-Target": "AmazonSQS.Nope"}}}}).to_string());
    assert!(
        unknown["error"]
            .as_str()
            .unwrap()
            .contains("no operation of sqs"),
        "{unknown}"
    );
}
