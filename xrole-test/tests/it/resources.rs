//! Resources in the world: buckets, keys, queues, topics, functions, secrets and
//! repositories with their policies and tags, refused with their places, and the
//! policy a request on them is judged with.

use serde_json::json;
use xrole_core::policy::PolicyKind;
use xrole_core::{AccountId, PolicyDocument, PrincipalArn};
use xrole_test::eval::{Caller, Decision, PolicySet, Request, evaluate};
use xrole_test::sts::{Resource, ResourceKind, World};

const KEY: &str = "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn doc(value: serde_json::Value) -> PolicyDocument {
    PolicyDocument::from_json(&value.to_string()).unwrap()
}

fn problems(json: serde_json::Value) -> Vec<String> {
    World::from_json(&json.to_string())
        .unwrap_err()
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn each_kind_is_known_by_its_arn_and_nothing_else_is() {
    for (arn, kind) in [
        ("arn:aws:s3:::shared-bucket", ResourceKind::S3Bucket),
        (KEY, ResourceKind::KmsKey),
        (
            "arn:aws:sqs:eu-west-1:222222222222:jobs",
            ResourceKind::SqsQueue,
        ),
        (
            "arn:aws:sns:eu-west-1:222222222222:events",
            ResourceKind::SnsTopic,
        ),
        (
            "arn:aws:lambda:eu-west-1:222222222222:function:worker",
            ResourceKind::LambdaFunction,
        ),
        (
            "arn:aws:secretsmanager:eu-west-1:222222222222:secret:db-AbCdEf",
            ResourceKind::Secret,
        ),
        (
            "arn:aws-cn:ecr:cn-north-1:222222222222:repository/team/app",
            ResourceKind::EcrRepository,
        ),
        (
            "arn:aws:dynamodb:eu-west-1:222222222222:table/t",
            ResourceKind::DynamoDbTable,
        ),
    ] {
        assert_eq!(Resource::new(arn).unwrap().kind(), kind, "{arn}");
    }
    for not_one in [
        "arn:aws:s3:::shared-bucket/an-object",
        "arn:aws:s3:eu-west-1:222222222222:bucket",
        "arn:aws:kms:eu-west-1:222222222222:alias/app",
        "arn:aws:lambda:eu-west-1:222222222222:function:worker:live",
        "arn:aws:sqs::222222222222:jobs",
        "arn:aws:dynamodb:eu-west-1:222222222222:table/t/index/i",
        "arn:aws-moon:s3:::b",
        "not an arn",
    ] {
        let e = Resource::new(not_one).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("{not_one}: is not the ARN of a resource")),
            "{e}"
        );
    }
}

#[test]
fn a_resource_keeps_its_rules_and_objects_are_judged_by_their_bucket() {
    let mut world = World::new();
    let bucket_policy = doc(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::shared-bucket/*"}]}),
    );
    world
        .add_resource(
            Resource::new("arn:aws:s3:::shared-bucket")
                .unwrap()
                .owner(AccountId::from_static("222222222222"))
                .policy(bucket_policy)
                .tag("Team", "data"),
        )
        .unwrap();
    let (bucket, policy) = world
        .resource_for("arn:aws:s3:::shared-bucket/reports/q3.csv")
        .unwrap();
    assert_eq!(bucket.arn(), "arn:aws:s3:::shared-bucket");
    assert_eq!(
        bucket.account(),
        Some(AccountId::from_static("222222222222"))
    );
    assert_eq!(bucket.tags()[0].key(), "Team");
    assert!(policy.is_some());
    assert!(
        world
            .resource_for("arn:aws:s3:::shared-bucket-2/k")
            .is_none()
    );
    assert!(world.resource_for("arn:aws:s3:::other/k").is_none());

    // Every problem of a resource at once, each at its place.
    let e = world
        .add_resource(
            Resource::new("arn:aws:s3:::shared-bucket")
                .unwrap()
                .policy(doc(
                    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Action": "s3:GetObject", "Resource": "*"}]}),
                ))
                .tag("aws:reserved", "x"),
        )
        .unwrap_err()
        .to_string();
    for expected in [
        "S3 bucket arn:aws:s3:::shared-bucket: names no account: give the bucket's owner",
        "S3 bucket arn:aws:s3:::shared-bucket: tag \"aws:reserved\"",
        "S3 bucket arn:aws:s3:::shared-bucket: policy: ",
        "arn:aws:s3:::shared-bucket: a S3 bucket with this ARN is already in the world",
    ] {
        assert!(e.contains(expected), "{expected}\nin:\n{e}");
    }
    // A KMS key always has its key policy.
    let e = World::new()
        .add_resource(Resource::new(KEY).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("has no key policy"), "{e}");
}

#[test]
fn world_files_declare_resources_and_refuse_them_with_places() {
    let key_policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:*", "Resource": "*"}]});
    let world = World::from_json(
        &json!({"resources": [
            {"arn": KEY, "policy": key_policy, "tags": {"Env": "prod"}},
            {"arn": "arn:aws:s3:::logs", "owner": "222222222222"}
        ]})
        .to_string(),
    )
    .unwrap();
    assert_eq!(world.resources().count(), 2);
    assert_eq!(world.resource_for(KEY).unwrap().0.tags()[0].value(), "prod");

    let found = problems(json!({"resources": [
        {"arn": "arn:aws:s3:::logs", "owner": "2222"},
        {"arn": "arn:aws:kms:eu-west-1:222222222222:alias/x"},
        {"arn": KEY},
        {"arn": "arn:aws:sqs:eu-west-1:222222222222:q", "policy": {"Statement": [{"Effect": "Maybe"}]}}
    ]}));
    let placed = |prefix: &str| found.iter().any(|p| p.starts_with(prefix));
    assert!(placed("resources[0].owner: account id"), "{found:#?}");
    assert!(
        placed("resources[1].arn: arn:aws:kms:eu-west-1:222222222222:alias/x: is not the ARN"),
        "{found:#?}"
    );
    assert!(
        placed(&format!("resources[2]: KMS key {KEY}: has no key policy")),
        "{found:#?}"
    );
    assert!(placed("resources[3].policy: "), "{found:#?}");
    let unknown = problems(json!({"resources": [{"arn": KEY, "keyPolicy": {}}]}));
    assert!(
        unknown[0].contains("unknown field `keyPolicy`"),
        "{unknown:?}"
    );
}

/// A request on a resource is judged with the world's policy of it: a KMS key's
/// policy that enables IAM policies lets the identity allow count.
#[test]
fn a_request_on_a_resource_is_judged_with_its_policy_from_the_world() {
    let mut world = World::new();
    world
        .add_resource(Resource::new(KEY).unwrap().policy(doc(json!({"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": "kms:*", "Resource": "*"}]}))))
        .unwrap();
    let identity = xrole_test::eval::CompiledPolicy::new(
        "decrypt",
        &doc(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}]})),
        PolicyKind::Identity,
    )
    .unwrap();
    let caller = Caller::new(PrincipalArn::from_static(
        "arn:aws:iam::222222222222:user/app",
    ));
    let request = Request::new(caller, "kms:Decrypt", KEY);
    let (_, key_policy) = world.resource_for(KEY).unwrap();
    let with_world = PolicySet {
        identity: vec![identity.clone()],
        resource: key_policy.cloned(),
        ..PolicySet::default()
    };
    assert_eq!(evaluate(&request, &with_world).decision, Decision::Allowed);
    let without = PolicySet {
        identity: vec![identity],
        ..PolicySet::default()
    };
    assert_eq!(
        evaluate(&request, &without).decision,
        Decision::ImplicitlyDenied
    );
}

/// A planned resource of a Terraform plan's `planned_values`.
fn managed(address: &str, kind: &str, values: serde_json::Value) -> serde_json::Value {
    json!({"address": address, "mode": "managed", "type": kind, "name": "x", "values": values})
}

/// A resource change of a Terraform plan, with `extra` fields of its `change`.
fn change(
    address: &str,
    kind: &str,
    actions: &[&str],
    extra: serde_json::Value,
) -> serde_json::Value {
    let mut c = json!({"address": address, "mode": "managed", "type": kind,
        "change": {"actions": actions, "before": null, "after_unknown": {}}});
    for (k, v) in extra.as_object().unwrap() {
        c["change"][k] = v.clone();
    }
    c
}

/// A Terraform plan sets the policies of buckets, queues, topics, secrets and
/// keys (whose ARN it knows), and takes away the ones it deletes.
#[test]
fn a_terraform_plan_sets_and_removes_resource_policies() {
    use xrole_test::import::import_terraform_plan;
    let policy = |principal: &str, action: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": principal}, "Action": action, "Resource": "*"}]})
        .to_string()
    };
    let plan = json!({
        "planned_values": {"root_module": {"resources": [
            managed("aws_s3_bucket_policy.shared", "aws_s3_bucket_policy", json!({
                "bucket": "shared-bucket", "policy": policy("arn:aws:iam::111111111111:root", "s3:GetObject")})),
            managed("aws_sqs_queue_policy.jobs", "aws_sqs_queue_policy", json!({
                "queue_url": "https://sqs.eu-west-1.amazonaws.com/222222222222/jobs",
                "policy": policy("arn:aws:iam::111111111111:root", "sqs:SendMessage")})),
            managed("aws_kms_key.data", "aws_kms_key", json!({
                "arn": KEY, "policy": policy("arn:aws:iam::222222222222:root", "kms:*")})),
            managed("aws_kms_key.fresh", "aws_kms_key", json!({
                "policy": policy("arn:aws:iam::222222222222:root", "kms:*")})),
        ]}},
        "resource_changes": [
            change("aws_s3_bucket_policy.shared", "aws_s3_bucket_policy", &["create"], json!({})),
            change("aws_sqs_queue_policy.jobs", "aws_sqs_queue_policy", &["create"], json!({})),
            change("aws_kms_key.data", "aws_kms_key", &["no-op"], json!({})),
            change("aws_kms_key.fresh", "aws_kms_key", &["create"], json!({"after_unknown": {"arn": true}})),
            change("aws_s3_bucket_policy.old", "aws_s3_bucket_policy", &["delete"], json!({
                "before": {"bucket": "old-bucket", "policy": policy("*", "s3:GetObject")}})),
        ],
        "configuration": {"provider_config": {"aws": {"expressions": {
            "allowed_account_ids": {"constant_value": ["222222222222"]}}}}}
    });
    let mut world = World::new();
    world
        .add_resource(
            Resource::new("arn:aws:s3:::old-bucket")
                .unwrap()
                .owner(AccountId::from_static("222222222222"))
                .policy(doc(
                    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}),
                )),
        )
        .unwrap();
    let import = import_terraform_plan(&mut world, "plan.json", &plan.to_string(), None).unwrap();
    assert_eq!(
        import.unjudged,
        ["aws_kms_key.fresh: arn known only after apply"]
    );

    let (bucket, policy) = world.resource_for("arn:aws:s3:::shared-bucket/k").unwrap();
    assert_eq!(
        bucket.account(),
        Some(AccountId::from_static("222222222222"))
    );
    assert!(policy.is_some());
    let (queue, _) = world
        .resource_for("arn:aws:sqs:eu-west-1:222222222222:jobs")
        .unwrap();
    assert_eq!(queue.kind(), ResourceKind::SqsQueue);
    assert!(world.resource_for(KEY).unwrap().1.is_some());
    // The deleted bucket policy: the bucket stays, without a policy.
    let (old, policy) = world.resource_for("arn:aws:s3:::old-bucket").unwrap();
    assert!(old.resource_policy().is_none() && policy.is_none());

    // A queue URL that is not one is refused at its place.
    let mut bad = plan.clone();
    bad["planned_values"]["root_module"]["resources"][1]["values"]["queue_url"] =
        json!("https://example.com/q");
    let e = import_terraform_plan(&mut World::new(), "plan.json", &bad.to_string(), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("resources[1].values.queue_url: not a queue URL"),
        "{e}"
    );
}

/// A CloudFormation template's bucket, queue, topic and secret policies go on
/// the world's resources; `Ref` of a named bucket, queue or topic resolves.
#[test]
fn a_cloudformation_template_sets_resource_policies() {
    use xrole_test::import::{StackContext, import_cloudformation};
    let stack = StackContext {
        account: "222222222222".parse().unwrap(),
        region: Some("eu-west-1".into()),
        parameters: Default::default(),
    };
    let allow = |action: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": action, "Resource": "*"}]})
    };
    let template = json!({"Resources": {
        "Shared": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "shared-bucket"}},
        "SharedPolicy": {"Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": {"Ref": "Shared"}, "PolicyDocument": allow("s3:GetObject")}},
        "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs"}},
        "JobsPolicy": {"Type": "AWS::SQS::QueuePolicy",
            "Properties": {"Queues": [{"Ref": "Jobs"}], "PolicyDocument": allow("sqs:SendMessage")}},
        "Events": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "events"}},
        "EventsPolicy": {"Type": "AWS::SNS::TopicPolicy",
            "Properties": {"Topics": [{"Ref": "Events"}], "PolicyDocument": allow("sns:Publish")}},
        "DbPolicy": {"Type": "AWS::SecretsManager::ResourcePolicy",
            "Properties": {"SecretId": "arn:aws:secretsmanager:eu-west-1:222222222222:secret:db-AbCdEf",
                           "ResourcePolicy": allow("secretsmanager:GetSecretValue")}}
    }});
    let mut world = World::new();
    import_cloudformation(&mut world, "stack.json", &template.to_string(), &stack).unwrap();
    for arn in [
        "arn:aws:s3:::shared-bucket",
        "arn:aws:sqs:eu-west-1:222222222222:jobs",
        "arn:aws:sns:eu-west-1:222222222222:events",
        "arn:aws:secretsmanager:eu-west-1:222222222222:secret:db-AbCdEf",
    ] {
        let (resource, policy) = world.resource_for(arn).unwrap_or_else(|| panic!("{arn}"));
        assert_eq!(
            resource.account(),
            Some(AccountId::from_static("222222222222")),
            "{arn}"
        );
        assert!(policy.is_some(), "{arn}");
    }

    // A secret named, not by its ARN, and a queue that is not one: each at its place.
    let bad = json!({"Resources": {
        "DbPolicy": {"Type": "AWS::SecretsManager::ResourcePolicy",
            "Properties": {"SecretId": "db", "ResourcePolicy": allow("secretsmanager:GetSecretValue")}},
        "QPolicy": {"Type": "AWS::SQS::QueuePolicy",
            "Properties": {"Queues": ["https://example.com/q"], "PolicyDocument": allow("sqs:SendMessage")}}
    }});
    let e = import_cloudformation(&mut World::new(), "stack.json", &bad.to_string(), &stack)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("stack.json: Resources.DbPolicy.Properties.SecretId: \"db\" is a name"),
        "{e}"
    );
    assert!(
        e.contains("stack.json: Resources.QPolicy.Properties.Queues[0]: not a queue URL"),
        "{e}"
    );
}

/// A template's KMS key: its id given as the parameter of its logical id, its
/// `KeyPolicy` is the key's policy in the world, `Ref` its id and `Fn::GetAtt`
/// its ARN, and a role that uses it is judged with it; without its id, a
/// reference to it says what to give.
#[test]
fn a_cloudformation_key_policy_is_read_once_the_keys_id_is_given() {
    use xrole_test::import::{StackContext, import_cloudformation};
    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
    let template = json!({"Resources": {
        "AppKey": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": {"Fn::GetAtt": ["Worker", "Arn"]}},
                "Action": "kms:Decrypt", "Resource": "*"}]}}},
        "Worker": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "worker",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "use-key", "PolicyDocument": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt"],
                    "Resource": {"Fn::GetAtt": ["AppKey", "Arn"]}}]}}]}}
    }});
    let mut stack = StackContext {
        account: "222222222222".parse().unwrap(),
        region: Some("eu-west-1".into()),
        parameters: Default::default(),
    };
    let e = import_cloudformation(
        &mut World::new(),
        "stack.json",
        &template.to_string(),
        &stack,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("Fn::GetAtt AppKey.Arn: a KMS key's id is known only once deployed: give it, with the stack's region (--parameter AppKey=KEY_ID)"),
        "{e}"
    );
    stack.parameters.insert("AppKey".into(), ID.into());
    let mut world = World::new();
    import_cloudformation(&mut world, "stack.json", &template.to_string(), &stack).unwrap();
    let key = format!("arn:aws:kms:eu-west-1:222222222222:key/{ID}");
    let (resource, key_policy) = world.resource_for(&key).unwrap();
    assert_eq!(resource.arn(), key);
    let role: xrole_core::RoleArn = "arn:aws:iam::222222222222:role/worker".parse().unwrap();
    let (_, _, compiled) = world.role_compiled(&role).unwrap();
    let policies = PolicySet {
        resource: key_policy.cloned(),
        ..compiled.policy_set(Vec::new())
    };
    let caller = Caller::new(role.session_arn("lambda").unwrap()).with_role(role.clone());
    // The key's policy grants Decrypt alone: Encrypt, allowed by the role's
    // own policy, is not (a key's policy must allow, KMS guide).
    let decide =
        |action: &str| evaluate(&Request::new(caller.clone(), action, &key), &policies).decision;
    assert_eq!(decide("kms:Decrypt"), Decision::Allowed);
    assert_eq!(decide("kms:Encrypt"), Decision::ImplicitlyDenied);
}

/// A template's `AWS::Lambda::Permission`s become its function's policy, one
/// statement each (conditions on the source included), and a repository's
/// `RepositoryPolicyText` its policy; both judge requests as AWS would.
#[test]
fn a_cloudformation_template_grants_functions_and_repositories() {
    use xrole_test::import::{StackContext, import_cloudformation};
    let stack = StackContext {
        account: "222222222222".parse().unwrap(),
        region: Some("eu-west-1".into()),
        parameters: Default::default(),
    };
    let function = "arn:aws:lambda:eu-west-1:222222222222:function:resize";
    let repository = "arn:aws:ecr:eu-west-1:222222222222:repository/api";
    let template = json!({"Resources": {
        "Resize": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "resize"}},
        "FromBucket": {"Type": "AWS::Lambda::Permission", "Properties": {
            "FunctionName": {"Ref": "Resize"}, "Action": "lambda:InvokeFunction",
            "Principal": "s3.amazonaws.com", "SourceArn": "arn:aws:s3:::uploads",
            "SourceAccount": "222222222222"}},
        "FromPartner": {"Type": "AWS::Lambda::Permission", "Properties": {
            "FunctionName": {"Fn::GetAtt": ["Resize", "Arn"]}, "Action": "lambda:InvokeFunction",
            "Principal": "111111111111"}},
        "Api": {"Type": "AWS::ECR::Repository", "Properties": {"RepositoryName": "api",
            "RepositoryPolicyText": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]}}}
    }});
    let mut world = World::new();
    import_cloudformation(&mut world, "stack.json", &template.to_string(), &stack).unwrap();

    let judged = |caller: &str, action: &str, resource: &str, context: &[(&str, &str)]| {
        let (_, policy) = world.resource_for(resource).unwrap();
        let mut request = Request::new(
            Caller::new(PrincipalArn::parse(caller).unwrap()),
            action,
            resource,
        )
        .resource_account(AccountId::from_static("222222222222"));
        for (k, v) in context {
            request = request.with(k, *v);
        }
        let allow_all = xrole_test::eval::CompiledPolicy::new(
            "all",
            &doc(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})),
            PolicyKind::Identity,
        )
        .unwrap();
        let policies = PolicySet {
            identity: vec![allow_all],
            resource: policy.cloned(),
            ..PolicySet::default()
        };
        evaluate(&request, &policies).decision
    };
    // The partner account's principals may invoke; another account may not.
    assert_eq!(
        judged(
            "arn:aws:iam::111111111111:user/bob",
            "lambda:InvokeFunction",
            function,
            &[]
        ),
        Decision::Allowed
    );
    assert_eq!(
        judged(
            "arn:aws:iam::333333333333:user/eve",
            "lambda:InvokeFunction",
            function,
            &[]
        ),
        Decision::ImplicitlyDenied
    );
    assert_eq!(
        judged(
            "arn:aws:iam::111111111111:user/bob",
            "ecr:BatchGetImage",
            repository,
            &[]
        ),
        Decision::Allowed
    );
    assert_eq!(
        judged(
            "arn:aws:iam::111111111111:user/bob",
            "ecr:PutImage",
            repository,
            &[]
        ),
        Decision::ImplicitlyDenied
    );
    let (_, policy) = world.resource_for(function).unwrap();
    let text = format!("{:?}", policy.unwrap());
    assert!(
        text.contains("FromBucket") && text.contains("FromPartner"),
        "{text}"
    );

    // A permission without the stack's region, and one on another account's
    // function by partial ARN: each at its place.
    let no_region = StackContext {
        region: None,
        ..stack.clone()
    };
    let bad = json!({"Resources": {
        "P": {"Type": "AWS::Lambda::Permission", "Properties": {
            "FunctionName": "resize", "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}}
    }});
    let e = import_cloudformation(
        &mut World::new(),
        "stack.json",
        &bad.to_string(),
        &no_region,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains(
            "stack.json: Resources.P.Properties.FunctionName: its ARN holds the region it is deployed in"
        ),
        "{e}"
    );
    let other = json!({"Resources": {
        "P": {"Type": "AWS::Lambda::Permission", "Properties": {
            "FunctionName": "333333333333:function:theirs", "Action": "lambda:InvokeFunction",
            "Principal": "s3.amazonaws.com"}}
    }});
    let e = import_cloudformation(&mut World::new(), "stack.json", &other.to_string(), &stack)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("names a function of account 333333333333"),
        "{e}"
    );
}

/// A Terraform plan's `aws_lambda_permission`s add their statements to the
/// function's policy beside the ones it has (in the region the provider or the
/// resource gives), one it deletes leaves it, a source condition known only
/// after apply leaves the permission unjudged rather than dropped, and an
/// `aws_ecr_repository_policy` becomes the repository's policy.
#[test]
fn a_terraform_plan_grants_functions_and_repositories() {
    use xrole_test::import::import_terraform_plan;
    let function = "arn:aws:lambda:eu-west-1:222222222222:function:resize";
    let plan = json!({
        "planned_values": {"root_module": {"resources": [
            managed("aws_lambda_permission.s3", "aws_lambda_permission", json!({
                "statement_id": "FromUploads", "function_name": "resize", "action": "lambda:InvokeFunction",
                "principal": "s3.amazonaws.com", "source_arn": "arn:aws:s3:::uploads",
                "source_account": "222222222222"})),
            managed("aws_lambda_permission.partner", "aws_lambda_permission", json!({
                "statement_id": "FromPartner", "function_name": function, "action": "lambda:InvokeFunction",
                "principal": "111111111111"})),
            managed("aws_lambda_permission.later", "aws_lambda_permission", json!({
                "statement_id": "FromLater", "function_name": "resize", "action": "lambda:InvokeFunction",
                "principal": "events.amazonaws.com"})),
            managed("aws_ecr_repository_policy.api", "aws_ecr_repository_policy", json!({
                "repository": "api", "policy": json!({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                    "Action": "ecr:BatchGetImage"}]}).to_string()})),
        ]}},
        "resource_changes": [
            change("aws_lambda_permission.s3", "aws_lambda_permission", &["create"], json!({})),
            change("aws_lambda_permission.partner", "aws_lambda_permission", &["create"], json!({})),
            change("aws_lambda_permission.later", "aws_lambda_permission", &["create"],
                json!({"after_unknown": {"source_arn": true}})),
            change("aws_ecr_repository_policy.api", "aws_ecr_repository_policy", &["create"], json!({})),
            change("aws_lambda_permission.gone", "aws_lambda_permission", &["delete"], json!({
                "before": {"statement_id": "Old", "function_name": "resize"}})),
        ],
        "configuration": {"provider_config": {"aws": {"expressions": {
            "region": {"constant_value": "eu-west-1"},
            "allowed_account_ids": {"constant_value": ["222222222222"]}}}}}
    });
    // The function's policy as deployed: the statement the plan deletes, and
    // one it keeps.
    let mut world = World::new();
    world
        .add_resource(Resource::new(function).unwrap().policy(doc(json!({
            "Version": "2012-10-17", "Statement": [
                {"Sid": "Old", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": function},
                {"Sid": "Kept", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                 "Action": "lambda:InvokeFunction", "Resource": function}]}))))
        .unwrap();
    let import = import_terraform_plan(&mut world, "plan.json", &plan.to_string(), None).unwrap();
    assert_eq!(
        import.unjudged,
        ["aws_lambda_permission.later: source_arn known only after apply"]
    );
    let (resource, _) = world.resource_for(function).unwrap();
    let sids: Vec<String> = resource
        .resource_policy()
        .unwrap()
        .statements()
        .iter()
        .filter_map(|s| s.sid.clone())
        .collect();
    assert_eq!(sids, ["Kept", "FromUploads", "FromPartner"]);
    let (repository, policy) = world
        .resource_for("arn:aws:ecr:eu-west-1:222222222222:repository/api")
        .unwrap();
    assert_eq!(repository.kind(), ResourceKind::EcrRepository);
    assert!(policy.is_some());

    // Without a region, a function named by name alone cannot be placed.
    let mut no_region = plan.clone();
    no_region["configuration"]["provider_config"]["aws"]["expressions"]
        .as_object_mut()
        .unwrap()
        .remove("region");
    let e = import_terraform_plan(&mut World::new(), "plan.json", &no_region.to_string(), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "resources[0].values.function_name: aws_lambda_permission.s3 (its ARN holds the region"
        ),
        "{e}"
    );
}
