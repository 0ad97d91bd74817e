//! The classifier: HTTP requests to the checks AWS makes (actions, resources,
//! condition values), and the curated tables that say how each operation of the
//! services in full is authorized.

use xrole_test::services::{
    CURATED, Classified, HttpRequest, PER_ITEM, Resolution, Target, UNNAMED, classify, data,
    resolve, s3_signature_age,
};

const TARGET: Target<'static> = Target {
    partition: "aws",
    region: "eu-west-1",
    account: "222222222222",
};

/// `ACTION RESOURCE[,RESOURCE]` per check.
fn checks(
    signing: &str,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Vec<String> {
    let request = HttpRequest {
        method,
        url,
        headers,
        body: body.as_bytes(),
    };
    classify(data().unwrap(), signing, TARGET, &request)
        .unwrap()
        .checks
        .iter()
        .map(|c| format!("{} {}", c.action, c.resources.join(",")))
        .collect()
}

#[test]
fn requests_become_the_checks_aws_makes() {
    let s3 = "https://s3.eu-west-1.amazonaws.com";
    for (signing, method, url, headers, body, want) in [
        ("s3", "GET", format!("{s3}/b/dir/k.txt"), vec![], "", vec!["s3:GetObject arn:aws:s3:::b/dir/k.txt"]),
        ("s3", "HEAD", format!("{s3}/b/k"), vec![], "", vec!["s3:GetObject arn:aws:s3:::b/k"]),
        ("s3", "GET", format!("{s3}/b?list-type=2&prefix=logs%2F"), vec![], "", vec!["s3:ListBucket arn:aws:s3:::b"]),
        ("s3", "GET", format!("{s3}/"), vec![], "", vec!["s3:ListAllMyBuckets *"]),
        ("s3", "PUT", format!("{s3}/dst/k"), vec![("x-amz-copy-source", "/src/a%20b")], "",
            vec!["s3:GetObject arn:aws:s3:::src/a b", "s3:PutObject arn:aws:s3:::dst/k"]),
        ("s3", "GET", format!("{s3}/b/k?tagging"), vec![], "", vec!["s3:GetObjectTagging arn:aws:s3:::b/k"]),
        ("sqs", "POST", "https://sqs.eu-west-1.amazonaws.com/".to_owned(),
            vec![("x-amz-target", "AmazonSQS.SendMessageBatch")],
            r#"{"QueueUrl": "https://sqs.eu-west-1.amazonaws.com/333333333333/jobs", "Entries": []}"#,
            vec!["sqs:SendMessage arn:aws:sqs:eu-west-1:333333333333:jobs"]),
        ("dynamodb", "POST", "https://dynamodb.eu-west-1.amazonaws.com/".to_owned(),
            vec![("x-amz-target", "DynamoDB_20120810.GetItem")],
            r#"{"TableName": "orders", "Key": {}}"#,
            vec!["dynamodb:GetItem arn:aws:dynamodb:eu-west-1:222222222222:table/orders"]),
        ("dynamodb", "POST", "https://dynamodb.eu-west-1.amazonaws.com/".to_owned(),
            vec![("x-amz-target", "DynamoDB_20120810.BatchWriteItem")],
            r#"{"RequestItems": {"a": [], "b": []}}"#,
            // One check per table.
            vec!["dynamodb:BatchWriteItem arn:aws:dynamodb:eu-west-1:222222222222:table/a",
                 "dynamodb:BatchWriteItem arn:aws:dynamodb:eu-west-1:222222222222:table/b"]),
        ("kms", "POST", "https://kms.eu-west-1.amazonaws.com/".to_owned(),
            vec![("x-amz-target", "TrentService.Decrypt")],
            r#"{"KeyId": "alias/app", "CiphertextBlob": ""}"#,
            vec!["kms:Decrypt arn:aws:kms:eu-west-1:222222222222:alias/app"]),
        ("kms", "POST", "https://kms.eu-west-1.amazonaws.com/".to_owned(),
            vec![("x-amz-target", "TrentService.ReEncrypt")],
            r#"{"SourceKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "DestinationKeyId": "alias/new", "CiphertextBlob": ""}"#,
            vec!["kms:ReEncryptFrom arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                 "kms:ReEncryptTo arn:aws:kms:eu-west-1:222222222222:alias/new"]),
        ("s3", "PUT", format!("{s3}/b/k?partNumber=1&uploadId=u"), vec![("x-amz-copy-source", "/src/part")], "",
            vec!["s3:GetObject arn:aws:s3:::src/part", "s3:PutObject arn:aws:s3:::b/k"]),
        ("s3", "GET", format!("{s3}/b?cors"), vec![], "", vec!["s3:GetBucketCORS arn:aws:s3:::b"]),
        // Virtual-hosted: the bucket from the host; a key's own leading slash stays.
        ("s3", "GET", "https://b.s3.eu-west-1.amazonaws.com//a/b".to_owned(), vec![], "",
            vec!["s3:GetObject arn:aws:s3:::b//a/b"]),
        ("secretsmanager", "POST", "https://secretsmanager.eu-west-1.amazonaws.com/".to_owned(),
            vec![("x-amz-target", "secretsmanager.GetSecretValue")],
            r#"{"SecretId": "db"}"#,
            vec!["secretsmanager:GetSecretValue arn:aws:secretsmanager:eu-west-1:222222222222:secret:db-??????"]),
        ("lambda", "POST", "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/worker/invocations?Qualifier=live".to_owned(),
            vec![], "{}",
            vec!["lambda:InvokeFunction arn:aws:lambda:eu-west-1:222222222222:function:worker:live"]),
        ("sts", "POST", "https://sts.amazonaws.com/".to_owned(), vec![], "Action=GetCallerIdentity&Version=2011-06-15", vec![]),
        ("sts", "POST", "https://sts.amazonaws.com/".to_owned(), vec![],
            "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A333333333333%3Arole%2FR&RoleSessionName=s&Version=2011-06-15",
            vec!["sts:AssumeRole arn:aws:iam::333333333333:role/R"]),
    ] {
        assert_eq!(checks(signing, method, &url, &headers, body), want, "{method} {url} {body}");
    }
}

#[test]
fn the_request_sets_its_condition_values() {
    let request = HttpRequest {
        method: "PUT",
        url: "https://b.s3.eu-west-1.amazonaws.com/k",
        headers: &[
            ("x-amz-date", "20261207T180000Z"),
            ("x-amz-tagging", "Project=Unicorn&Owner=alice"),
            ("x-amz-acl", "private"),
            ("x-amz-server-side-encryption", "aws:kms"),
        ],
        body: b"data",
    };
    let found = classify(data().unwrap(), "s3", TARGET, &request).unwrap();
    let c = &found.checks[0].context;
    assert_eq!(c["aws:SecureTransport"], ["true"]);
    assert_eq!(c["aws:CurrentTime"], ["2026-12-07T18:00:00Z"]);
    assert_eq!(c["aws:EpochTime"], ["1796666400"]);
    assert_eq!(c["aws:RequestedRegion"], ["eu-west-1"]);
    assert_eq!(c["s3:RequestObjectTag/Project"], ["Unicorn"]);
    assert_eq!(c["s3:RequestObjectTagKeys"], ["Project", "Owner"]);
    assert_eq!(c["s3:x-amz-acl"], ["private"]);
    assert_eq!(c["s3:x-amz-server-side-encryption"], ["aws:kms"]);
    let list = HttpRequest {
        method: "GET",
        url: "http://localhost:5000/b?list-type=2&prefix=logs%2F",
        headers: &[],
        body: b"",
    };
    let found = classify(data().unwrap(), "s3", TARGET, &list).unwrap();
    assert_eq!(found.checks[0].context["s3:prefix"], ["logs/"]);
    assert_eq!(found.checks[0].context["aws:SecureTransport"], ["false"]);
}

/// Every action the curated table names exists in the IAM data, and every
/// row cites its page.
#[test]
fn the_curated_table_names_real_actions() {
    let d = data().unwrap();
    for row in CURATED {
        assert!(
            row.source.starts_with("https://docs.aws.amazon.com/"),
            "{row:?}"
        );
        assert!(
            d.model(row.service)
                .unwrap()
                .operation(row.operation)
                .is_some(),
            "{row:?}"
        );
        for action in row.actions {
            let (prefix, name) = action.split_once(':').unwrap();
            assert!(
                d.iam(prefix).unwrap().action(name).is_some(),
                "{action} of {row:?}"
            );
        }
    }
}

/// A call that passes a role to its service needs iam:PassRole on it, with
/// iam:PassedToService; every row of the table names a member of its
/// operation and cites its page.
#[test]
fn passing_a_role_is_checked() {
    let request = HttpRequest {
        method: "POST",
        url: "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions",
        headers: &[],
        body: br#"{"FunctionName": "worker", "Role": "arn:aws:iam::222222222222:role/exec", "Runtime": "provided.al2023"}"#,
    };
    let found = classify(data().unwrap(), "lambda", TARGET, &request).unwrap();
    let actions: Vec<&str> = found.checks.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions, ["lambda:CreateFunction", "iam:PassRole"]);
    assert_eq!(
        found.checks[1].resources,
        ["arn:aws:iam::222222222222:role/exec"]
    );
    assert_eq!(
        found.checks[1].context["iam:PassedToService"],
        ["lambda.amazonaws.com"]
    );
    let d = data().unwrap();
    for row in xrole_test::services::PASSES_ROLE {
        assert!(
            row.source.starts_with("https://docs.aws.amazon.com/"),
            "{row:?}"
        );
        let op = d
            .model(row.service)
            .unwrap()
            .operation(row.operation)
            .unwrap();
        assert!(op.members.contains_key(row.member), "{row:?}");
    }
}

#[test]
fn an_operation_of_a_service_not_in_full_is_approximate() {
    let request = HttpRequest {
        method: "POST",
        url: "https://ec2.eu-west-1.amazonaws.com/",
        headers: &[],
        body: b"Action=DescribeInstances&Version=2016-11-15",
    };
    let found = classify(data().unwrap(), "ec2", TARGET, &request).unwrap();
    assert_eq!(found.checks.len(), 1);
    assert_eq!(found.checks[0].action, "ec2:DescribeInstances");
    assert_eq!(found.checks[0].resources, ["*"]);
    assert!(found.checks[0].approximate);
}

/// Every operation of the twelve services in full resolves to actions the IAM
/// data knows: its name, a curated row or a rule per item. The few whose action
/// nobody names are listed, and only while the IAM data lacks them.
#[test]
fn every_operation_of_the_services_in_full_resolves_to_real_actions() {
    let d = data().unwrap();
    let mut walked = 0;
    let mut unnamed = Vec::new();
    for service in d.full_services() {
        for (operation, _) in d.model(service).unwrap().operations() {
            walked += 1;
            let resolution = resolve(d, service, operation);
            match resolution {
                Resolution::Approximate => panic!("{service}:{operation} resolves to no action"),
                Resolution::Unnamed => {
                    assert!(
                        d.iam(service).unwrap().action(operation).is_none(),
                        "{service}:{operation} is in the IAM data now: remove its UNNAMED row"
                    );
                    unnamed.push(format!("{service}:{operation}"));
                    continue;
                }
                _ => {}
            }
            for action in resolution.actions(service, operation) {
                let (prefix, name) = action.split_once(':').unwrap();
                assert!(
                    d.iam(prefix).and_then(|i| i.action(name)).is_some(),
                    "{service}:{operation} needs {action}, which the IAM data lacks"
                );
            }
        }
    }
    assert!(walked > 900, "{walked}");
    assert_eq!(unnamed.len(), UNNAMED.len(), "{unnamed:?}");
}

/// Every rule per item names a real operation, its list member, and cites its
/// page.
#[test]
fn the_rules_per_item_name_real_operations_and_members() {
    let d = data().unwrap();
    for rule in PER_ITEM {
        assert!(
            rule.source.starts_with("https://docs.aws.amazon.com/"),
            "{rule:?}"
        );
        let op = d
            .model(rule.service)
            .unwrap()
            .operation(rule.operation)
            .unwrap();
        let member = rule.list.unwrap_or("Statement");
        assert!(op.members.contains_key(member), "{rule:?}");
    }
}

fn dynamodb(operation: &str, body: &str) -> Vec<String> {
    checks(
        "dynamodb",
        "POST",
        "https://dynamodb.eu-west-1.amazonaws.com/",
        &[("x-amz-target", &format!("DynamoDB_20120810.{operation}"))],
        body,
    )
}

const TABLE: &str = "arn:aws:dynamodb:eu-west-1:222222222222:table";

/// Transactions check each item's own action on its table, once per action
/// and table (DynamoDB guide, "Using IAM with DynamoDB transactions").
#[test]
fn transactions_check_each_item() {
    assert_eq!(
        dynamodb(
            "TransactWriteItems",
            r#"{"TransactItems": [
                {"Put": {"TableName": "orders", "Item": {}}},
                {"Update": {"TableName": "stock", "Key": {}}},
                {"ConditionCheck": {"TableName": "orders", "Key": {}}},
                {"Put": {"TableName": "orders", "Item": {}}},
                {"Delete": {"TableName": "arn:aws:dynamodb:eu-west-1:333333333333:table/audit", "Key": {}}}
            ]}"#
        ),
        [
            format!("dynamodb:PutItem {TABLE}/orders"),
            format!("dynamodb:UpdateItem {TABLE}/stock"),
            format!("dynamodb:ConditionCheckItem {TABLE}/orders"),
            "dynamodb:DeleteItem arn:aws:dynamodb:eu-west-1:333333333333:table/audit".to_owned(),
        ]
    );
    assert_eq!(
        dynamodb(
            "TransactGetItems",
            r#"{"TransactItems": [{"Get": {"TableName": "a", "Key": {}}}, {"Get": {"TableName": "b", "Key": {}}}]}"#
        ),
        [
            format!("dynamodb:GetItem {TABLE}/a"),
            format!("dynamodb:GetItem {TABLE}/b")
        ]
    );
}

/// PartiQL statements check the action of their verb on the table (and index)
/// they name (DynamoDB guide, "IAM security policies with PartiQL").
#[test]
fn partiql_statements_check_their_verb_on_their_table() {
    for (statement, want) in [
        (
            r#"SELECT * FROM "orders" WHERE id = ?"#,
            format!("dynamodb:PartiQLSelect {TABLE}/orders"),
        ),
        (
            r#"select id from "orders"."byCustomer" where c = 'FROM "x"'"#,
            format!("dynamodb:PartiQLSelect {TABLE}/orders/index/byCustomer"),
        ),
        (
            "INSERT INTO stock VALUE {'id': 1}",
            format!("dynamodb:PartiQLInsert {TABLE}/stock"),
        ),
        (
            r#"UPDATE "odd""name" SET a = 1 WHERE id = 2"#,
            format!(r#"dynamodb:PartiQLUpdate {TABLE}/odd"name"#),
        ),
        (
            "  DELETE FROM audit WHERE id = 3",
            format!("dynamodb:PartiQLDelete {TABLE}/audit"),
        ),
        // What cannot be read is the operation's name on `*`: nothing narrower
        // allows it.
        ("EXPLAIN SELECT 1", "dynamodb:ExecuteStatement *".to_owned()),
        (
            r#"SELECT * FROM "unclosed"#,
            "dynamodb:ExecuteStatement *".to_owned(),
        ),
    ] {
        let body = serde_json::json!({ "Statement": statement }).to_string();
        assert_eq!(dynamodb("ExecuteStatement", &body), [want], "{statement}");
    }
    assert_eq!(
        dynamodb(
            "BatchExecuteStatement",
            r#"{"Statements": [{"Statement": "SELECT * FROM a"}, {"Statement": "DELETE FROM b WHERE k = 1"}]}"#
        ),
        [
            format!("dynamodb:PartiQLSelect {TABLE}/a"),
            format!("dynamodb:PartiQLDelete {TABLE}/b")
        ]
    );
    assert_eq!(
        dynamodb(
            "ExecuteTransaction",
            r#"{"TransactStatements": [{"Statement": "UPDATE a SET x = 1 WHERE k = 1"}]}"#
        ),
        [format!("dynamodb:PartiQLUpdate {TABLE}/a")]
    );
    let request = HttpRequest {
        method: "POST",
        url: "https://dynamodb.eu-west-1.amazonaws.com/",
        headers: &[("x-amz-target", "DynamoDB_20120810.ExecuteStatement")],
        body: br#"{"Statement": 7}"#,
    };
    let found = classify(data().unwrap(), "dynamodb", TARGET, &request).unwrap();
    assert!(found.checks[0].approximate);
}

/// Where a service has no rule of its own, the action's resource type's ARN
/// format from the IAM data is filled with the request's members.
#[test]
fn resources_follow_the_iam_datas_arn_formats() {
    let json = |signing: &str, target: &str, body: &str| {
        let host = format!("https://{signing}.eu-west-1.amazonaws.com/");
        checks(signing, "POST", &host, &[("x-amz-target", target)], body)
    };
    assert_eq!(
        json(
            "logs",
            "Logs_20140328.PutLogEvents",
            r#"{"logGroupName": "/app/api", "logStreamName": "i-1", "logEvents": []}"#
        ),
        ["logs:PutLogEvents arn:aws:logs:eu-west-1:222222222222:log-group:/app/api:log-stream:i-1"]
    );
    assert_eq!(
        json(
            "ssm",
            "AmazonSSM.GetParameter",
            r#"{"Name": "/app/db/password", "WithDecryption": true}"#
        ),
        ["ssm:GetParameter arn:aws:ssm:eu-west-1:222222222222:parameter/app/db/password"]
    );
    assert_eq!(
        json(
            "ecr",
            "AmazonEC2ContainerRegistry_V20150921.BatchGetImage",
            r#"{"repositoryName": "api", "imageIds": []}"#
        ),
        ["ecr:BatchGetImage arn:aws:ecr:eu-west-1:222222222222:repository/api"]
    );
    assert_eq!(
        checks(
            "iam",
            "POST",
            "https://iam.amazonaws.com/",
            &[],
            "Action=GetRole&RoleName=deployer&Version=2010-05-08"
        ),
        ["iam:GetRole arn:aws:iam::222222222222:role/deployer"]
    );
    // A resource named by its ARN (a tagging call's ResourceArn, a layer's Arn).
    assert_eq!(
        checks(
            "sns",
            "POST",
            "https://sns.eu-west-1.amazonaws.com/",
            &[],
            "Action=UntagResource&ResourceArn=arn%3Aaws%3Asns%3Aeu-west-1%3A333333333333%3Aalerts&TagKeys.member.1=team&Version=2010-03-31"
        ),
        ["sns:UntagResource arn:aws:sns:eu-west-1:333333333333:alerts"]
    );
    assert_eq!(
        checks(
            "lambda",
            "GET",
            "https://lambda.eu-west-1.amazonaws.com/2018-10-31/layers?find=LayerVersion&Arn=arn%3Aaws%3Alambda%3Aeu-west-1%3A333333333333%3Alayer%3Adeps%3A3",
            &[],
            ""
        ),
        ["lambda:GetLayerVersion arn:aws:lambda:eu-west-1:333333333333:layer:deps:3"]
    );
    // Directory buckets authorize by session, on the s3express bucket.
    assert_eq!(
        checks(
            "s3express",
            "GET",
            "https://s3express-use1-az4.us-east-1.amazonaws.com/b--use1-az4--x-s3?session",
            &[],
            ""
        ),
        [
            "s3express:CreateSession arn:aws:s3express:eu-west-1:222222222222:bucket/b--use1-az4--x-s3"
        ]
    );
    // A format whose variable no member fills is `*`, marked approximate.
    let request = HttpRequest {
        method: "POST",
        url: "https://logs.eu-west-1.amazonaws.com/",
        headers: &[("x-amz-target", "Logs_20140328.PutLogEvents")],
        body: br#"{"logEvents": []}"#,
    };
    let found = classify(data().unwrap(), "logs", TARGET, &request).unwrap();
    assert_eq!(found.checks[0].resources, ["*"]);
    assert!(found.checks[0].approximate);
}

/// The tags a call sets are `aws:RequestTag/KEY` and `aws:TagKeys` in every
/// protocol's shape; the keys an untagging call removes are `aws:TagKeys`.
#[test]
fn request_tags_in_every_shape() {
    let tags_of = |signing: &str, target: &str, body: &str| {
        let request = HttpRequest {
            method: "POST",
            url: "https://x.eu-west-1.amazonaws.com/",
            headers: &[("x-amz-target", target)],
            body: body.as_bytes(),
        };
        let found = classify(data().unwrap(), signing, TARGET, &request).unwrap();
        let context = &found.checks[0].context;
        let mut out: Vec<String> = context
            .iter()
            .filter(|(k, _)| k.starts_with("aws:RequestTag/") || *k == "aws:TagKeys")
            .map(|(k, v)| format!("{k}={}", v.join(",")))
            .collect();
        out.sort();
        out
    };
    let want = [
        "aws:RequestTag/env=prod",
        "aws:RequestTag/team=data",
        "aws:TagKeys=env,team",
    ];
    // A list of Key/Value (DynamoDB, Secrets Manager, ECR's lower case).
    assert_eq!(
        tags_of(
            "dynamodb",
            "DynamoDB_20120810.TagResource",
            r#"{"ResourceArn": "arn:aws:dynamodb:eu-west-1:222222222222:table/a", "Tags": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "data"}]}"#
        ),
        want
    );
    // KMS's TagKey/TagValue.
    assert_eq!(
        tags_of(
            "kms",
            "TrentService.TagResource",
            r#"{"KeyId": "k", "Tags": [{"TagKey": "env", "TagValue": "prod"}, {"TagKey": "team", "TagValue": "data"}]}"#
        ),
        want
    );
    // A map (SQS, CloudWatch Logs, Lambda).
    assert_eq!(
        tags_of(
            "sqs",
            "AmazonSQS.TagQueue",
            r#"{"QueueUrl": "https://sqs.eu-west-1.amazonaws.com/222222222222/q", "Tags": {"env": "prod", "team": "data"}}"#
        ),
        want
    );
    // The query protocol's Tags.member.N.
    let iam = HttpRequest {
        method: "POST",
        url: "https://iam.amazonaws.com/",
        headers: &[],
        body: b"Action=TagRole&RoleName=r&Tags.member.1.Key=env&Tags.member.1.Value=prod&Tags.member.2.Key=team&Tags.member.2.Value=data&Version=2010-05-08",
    };
    let found = classify(data().unwrap(), "iam", TARGET, &iam).unwrap();
    assert_eq!(found.checks[0].context["aws:TagKeys"], ["env", "team"]);
    assert_eq!(found.checks[0].context["aws:RequestTag/env"], ["prod"]);
    // Untagging: the keys removed.
    assert_eq!(
        tags_of(
            "kms",
            "TrentService.UntagResource",
            r#"{"KeyId": "k", "TagKeys": ["env", "team"]}"#
        ),
        ["aws:TagKeys=env,team"]
    );
}

/// An S3 GET of `url` with `headers`, classified.
fn s3_get(url: &str, headers: &[(&str, &str)]) -> Classified<'static> {
    let request = HttpRequest {
        method: "GET",
        url,
        headers,
        body: b"",
    };
    classify(data().unwrap(), "s3", TARGET, &request).unwrap()
}

/// How an S3 request was signed is a condition value of its checks (S3 API
/// reference, "Amazon S3 Signature Version 4 Authentication Specific Policy
/// Keys"): in the header, in a presigned URL, or with Signature Version 2.
#[test]
fn s3_signature_keys_come_from_how_the_request_was_signed() {
    let context_of = |url: &str, headers: &[(&str, &str)]| {
        let classified = s3_get(url, headers);
        let check = &classified.checks[0];
        assert_eq!(check.action, "s3:GetObject");
        [
            "s3:authType",
            "s3:signatureversion",
            "s3:x-amz-content-sha256",
        ]
        .map(|k| check.context.get(k).map(|v| v.join(",")))
    };
    let object = "https://b.s3.eu-west-1.amazonaws.com/k";
    assert_eq!(
        context_of(
            object,
            &[
                (
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261207/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=00"
                ),
                ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
            ],
        ),
        [
            Some("REST-HEADER".to_owned()),
            Some("AWS4-HMAC-SHA256".to_owned()),
            Some("UNSIGNED-PAYLOAD".to_owned())
        ]
    );
    // The header is a condition value only when the request is signed in its
    // header.
    assert_eq!(
        context_of(
            &format!(
                "{object}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261207%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20261207T180000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
            ),
            &[("x-amz-content-sha256", "UNSIGNED-PAYLOAD")],
        ),
        [
            Some("REST-QUERY-STRING".to_owned()),
            Some("AWS4-HMAC-SHA256".to_owned()),
            None
        ]
    );
    assert_eq!(
        context_of(
            &format!("{object}?AWSAccessKeyId=AKIAEXAMPLE&Expires=1796666400&Signature=abc%3D"),
            &[],
        ),
        [
            Some("REST-QUERY-STRING".to_owned()),
            Some("AWS".to_owned()),
            None
        ]
    );
    assert_eq!(
        context_of(object, &[("authorization", "AWS AKIAEXAMPLE:abc=")]),
        [Some("REST-HEADER".to_owned()), Some("AWS".to_owned()), None]
    );
    assert_eq!(context_of(object, &[]), [None, None, None]);
}

/// `s3:signatureAge` is a presigned URL's age at the decision: the deciding
/// side gives its time; Signature Version 2's is 0, a header's none.
#[test]
fn a_presigned_urls_age_is_counted_from_its_signing_time() {
    // 2026-12-07T18:01:30Z, 90 s after the URL's X-Amz-Date.
    let age = |url: &str, headers: &[(&str, &str)]| {
        s3_signature_age(&s3_get(url, headers), 1_796_666_490_000)
    };
    let object = "https://b.s3.eu-west-1.amazonaws.com/k";
    assert_eq!(
        age(
            &format!(
                "{object}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261207%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20261207T180000Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
            ),
            &[],
        ),
        Some("90000".to_owned())
    );
    assert_eq!(
        age(
            &format!("{object}?AWSAccessKeyId=AKIAEXAMPLE&Expires=1796666400&Signature=abc%3D"),
            &[]
        ),
        Some("0".to_owned())
    );
    let header = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261207/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=00";
    assert_eq!(
        age(
            object,
            &[
                ("authorization", header),
                ("x-amz-date", "20261207T180000Z")
            ]
        ),
        None
    );
}
