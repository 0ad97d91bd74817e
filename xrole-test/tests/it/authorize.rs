//! Every call a session makes, decided with its whole chain: an HTTP request
//! signed with a session the embedded STS issued, judged as the service would.

use serde_json::json;
use xrole_core::AccountId;
use xrole_test::eval::Decision;
use xrole_test::services::HttpRequest;
use xrole_test::sts::{Authorization, EmbeddedSts, Resource, Role, User, World};

use super::fixtures::{client, doc};

const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const ROLE: &str = "arn:aws:iam::222222222222:role/Worker";

fn world() -> World {
    let mut w = World::new();
    w.add_user(User::new(ALICE.parse().unwrap()).unwrap().policy(
        "assume",
        doc(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "sts:AssumeRole", "Resource": ROLE}]}).to_string()),
    ))
    .unwrap()
    .add_role(
        Role::new(
            ROLE.parse().unwrap(),
            doc(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"}]}).to_string()),
        )
        .policy(
            "work",
            doc(&json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::work/*"},
                {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}
            ]}).to_string()),
        ),
    )
    .unwrap()
    .add_resource(
        Resource::new("arn:aws:s3:::work")
            .unwrap()
            .owner(AccountId::from_static("222222222222")),
    )
    .unwrap()
    // A queue of another account whose policy admits only account 333333333333.
    .add_resource(
        Resource::new("arn:aws:sqs:eu-west-1:444444444444:jobs")
            .unwrap()
            .policy(doc(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": "333333333333"}, "Action": "sqs:SendMessage", "Resource": "*"}]}).to_string())),
    )
    .unwrap();
    w
}

/// A request as the SDK signs it with `key` (and the session's token).
fn signed<'a>(
    method: &'a str,
    url: &'a str,
    headers: &'a [(&'a str, &'a str)],
    body: &'a [u8],
) -> HttpRequest<'a> {
    HttpRequest {
        method,
        url,
        headers,
        body,
    }
}

/// The Worker role's session, assumed by alice: its credentials and an
/// `SdkConfig` on them pointing at the server.
async fn worker_session(
    sts: &EmbeddedSts,
) -> (aws_sdk_sts::types::Credentials, aws_types::SdkConfig) {
    let creds = client(sts, ALICE)
        .await
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("worker")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    let config = sts
        .sdk_config_for_session(
            creds.access_key_id(),
            creds.secret_access_key(),
            creds.session_token(),
        )
        .await;
    (creds, config)
}

#[tokio::test]
async fn a_sessions_calls_are_decided_with_its_whole_chain() {
    let sts = EmbeddedSts::start(world()).await.unwrap();
    let (creds, _) = worker_session(&sts).await;
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={}/20261207/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=00",
        creds.access_key_id()
    );
    let token = creds.session_token();
    let headers = [
        ("authorization", auth.as_str()),
        ("x-amz-security-token", token),
    ];

    // The role's identity policy allows reading its bucket's objects.
    let get = sts
        .authorize_http(&signed(
            "GET",
            "https://work.s3.eu-west-1.amazonaws.com/in/a.csv",
            &headers,
            b"",
        ))
        .unwrap();
    assert_eq!(get.operation, "s3:GetObject");
    assert_eq!(
        get.caller,
        "arn:aws:sts::222222222222:assumed-role/Worker/worker"
    );
    assert_eq!(get.decision, Decision::Allowed, "{:?}", get.refusal());

    // Not another bucket's, and the refusal is explained and audited.
    let other = sts
        .authorize_http(&signed(
            "GET",
            "https://other.s3.eu-west-1.amazonaws.com/k",
            &headers,
            b"",
        ))
        .unwrap();
    assert_eq!(other.decision, Decision::ImplicitlyDenied);
    let refusal = other.refusal().unwrap();
    assert_eq!(refusal.resource, "arn:aws:s3:::other/k");
    let audited = sts.audit_of_request(&other.request_id).unwrap();
    assert_eq!(audited.action.as_deref(), Some("s3:GetObject"));
    assert!(
        audited
            .detail
            .unwrap()
            .contains("s3:GetObject on arn:aws:s3:::other/k")
    );

    // A copy needs the source's read and the destination's write: both here.
    let copy_headers = [
        ("authorization", auth.as_str()),
        ("x-amz-security-token", token),
        ("x-amz-copy-source", "/work/in/a.csv"),
    ];
    let copy = sts
        .authorize_http(&signed(
            "PUT",
            "https://work.s3.eu-west-1.amazonaws.com/out/a.csv",
            &copy_headers,
            b"",
        ))
        .unwrap();
    assert_eq!(copy.checks.len(), 2);
    assert_eq!(copy.decision, Decision::Allowed);

    // Across accounts the queue's policy must admit the session too: it does not.
    let sqs_auth = auth.replace("/s3/", "/sqs/");
    let sqs_headers = [
        ("authorization", sqs_auth.as_str()),
        ("x-amz-security-token", token),
        ("x-amz-target", "AmazonSQS.SendMessage"),
    ];
    let body = br#"{"QueueUrl": "https://sqs.eu-west-1.amazonaws.com/444444444444/jobs", "MessageBody": "x"}"#;
    let send = sts
        .authorize_http(&signed(
            "POST",
            "https://sqs.eu-west-1.amazonaws.com/",
            &sqs_headers,
            body,
        ))
        .unwrap();
    assert_eq!(send.decision, Decision::ImplicitlyDenied, "{send:?}");
    assert_eq!(
        send.checks[0].resource,
        "arn:aws:sqs:eu-west-1:444444444444:jobs"
    );
}

#[tokio::test]
async fn unsigned_and_unknown_requests_are_refused() {
    let sts = EmbeddedSts::start(world()).await.unwrap();
    let unsigned = sts
        .authorize_http(&signed("GET", "https://s3.amazonaws.com/b/k", &[], b""))
        .unwrap_err()
        .to_string();
    assert!(unsigned.contains("not signed"), "{unsigned}");
    let auth = "AWS4-HMAC-SHA256 Credential=ASIANOBODY00000000/20261207/eu-west-1/s3/aws4_request, Signature=00";
    let unknown = sts
        .authorize_http(&signed(
            "GET",
            "https://s3.amazonaws.com/b/k",
            &[("authorization", auth)],
            b"",
        ))
        .unwrap_err()
        .to_string();
    assert!(
        unknown.contains("not one this embedded STS knows"),
        "{unknown}"
    );
}

/// An SDK client on an enforced session: an allowed call goes to its endpoint;
/// a refused one never leaves the process and fails as the service fails it.
#[tokio::test]
async fn an_enforced_client_fails_as_the_service_would_and_sends_nothing() {
    let sts = EmbeddedSts::start(world()).await.unwrap();
    let (_, session) = worker_session(&sts).await;
    let enforced = aws_sdk_sts::Client::new(&sts.enforcing(&session));

    // GetCallerIdentity needs no permission: decided, sent, answered.
    let before = sts.calls();
    let me = enforced.get_caller_identity().send().await.unwrap();
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::222222222222:assumed-role/Worker/worker")
    );
    assert_eq!(sts.calls(), before + 1);

    // The Worker role may not assume another role: refused before sending, as
    // STS's own AccessDenied, its message naming the check and the audit entry.
    let refused = enforced
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/Other")
        .role_session_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        sts.calls(),
        before + 1,
        "the refused request was never sent"
    );
    let service = refused.into_service_error();
    use aws_sdk_sts::error::ProvideErrorMetadata;
    assert_eq!(service.code(), Some("AccessDenied"));
    let message = service.message().unwrap();
    assert!(
        message.starts_with("User: arn:aws:sts::222222222222:assumed-role/Worker/worker is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/Other (xrole: "),
        "{message}"
    );
    let id = message
        .split("audit_of_request(\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let entry = sts.audit_of_request(id).unwrap();
    assert_eq!(entry.action.as_deref(), Some("sts:AssumeRole"));
    assert_eq!(entry.decision, Some(Decision::ImplicitlyDenied));
}

/// Deciding without sending: an allowed call is answered in place with the
/// service's empty success, a refused one fails as with enforcement, and the
/// server sees neither.
#[tokio::test]
async fn the_deciding_mode_sends_nothing() {
    let sts = EmbeddedSts::start(world()).await.unwrap();
    let (_, session) = worker_session(&sts).await;
    let decided = aws_sdk_sts::Client::new(&sts.deciding(&session));
    let before = sts.calls();
    // Allowed (no permission needed): an output with nothing set.
    let me = decided.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), None);
    // Refused: STS's AccessDenied, as with enforcement.
    let refused = decided
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/Other")
        .role_session_name("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    use aws_sdk_sts::error::ProvideErrorMetadata;
    assert_eq!(refused.code(), Some("AccessDenied"));
    assert_eq!(sts.calls(), before, "nothing reached the server");
    // Both decisions are in the audit log.
    let decisions: Vec<_> = sts
        .audit()
        .into_iter()
        .rev()
        .take(2)
        .map(|e| (e.action, e.decision))
        .collect();
    assert_eq!(
        decisions,
        [
            (
                Some("sts:AssumeRole".to_owned()),
                Some(Decision::ImplicitlyDenied)
            ),
            (
                Some("sts:GetCallerIdentity".to_owned()),
                Some(Decision::Allowed)
            ),
        ]
    );
}

/// A request signed with `key` (and `token`) for `service`.
fn auth_header(key: &str, service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={key}/20261207/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00"
    )
}

/// Whether the first refused check's explanation speaks of `side`.
fn refused_on(a: &xrole_test::sts::Authorization, side: xrole_test::eval::PolicyRole) -> bool {
    a.refusal()
        .is_some_and(|r| r.evaluation.explanation.iter().any(|e| e.side == side))
}

/// Each layer of the chain refuses on its own, and says which it is: the
/// caller's identity policy, its boundary, its session policy, the organization's
/// SCP and RCP, the role's trust (the resource's policy), an explicit deny in
/// it, and a condition on a request tag.
#[tokio::test]
async fn each_layer_refuses_and_says_so() {
    use xrole_test::eval::PolicyRole;
    let allow_all = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let world = World::from_json(
        &json!({
            "managedPolicies": {"arn:aws:iam::111111111111:policy/OnlyS3": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}},
            "users": [
                {"arn": "arn:aws:iam::111111111111:user/open", "policies": {"all": allow_all}},
                {"arn": "arn:aws:iam::111111111111:user/none"},
                {"arn": "arn:aws:iam::111111111111:user/bounded", "policies": {"all": allow_all},
                 "permissionsBoundary": "arn:aws:iam::111111111111:policy/OnlyS3"}
            ],
            "roles": [
                {"arn": "arn:aws:iam::111111111111:role/Open", "trustPolicy": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]},
                 "policies": {"all": allow_all}},
                {"arn": "arn:aws:iam::111111111111:role/Far", "trustPolicy": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": "333333333333"}, "Action": "sts:AssumeRole"}]}},
                {"arn": "arn:aws:iam::111111111111:role/Guarded", "trustPolicy": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"},
                    {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111111111111:user/open"}, "Action": "sts:AssumeRole"}]}},
                {"arn": "arn:aws:iam::111111111111:role/Tagged", "trustPolicy": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"},
                    {"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:TagSession",
                     "Condition": {"StringEquals": {"aws:RequestTag/Team": "ops"}}}]}}
            ]
        })
        .to_string(),
    )
    .unwrap();
    let sts = EmbeddedSts::start(world).await.unwrap();
    let key = |user: &str| {
        sts.credentials_for(user)
            .unwrap()
            .access_key_id()
            .to_owned()
    };
    let decide = |key: &str, token: Option<&str>, body: &str| {
        let auth = auth_header(key, "sts");
        let mut headers = vec![("authorization", auth.as_str())];
        if let Some(t) = token {
            headers.push(("x-amz-security-token", t));
        }
        sts.authorize_http(&signed(
            "POST",
            "https://sts.amazonaws.com/",
            &headers,
            body.as_bytes(),
        ))
        .unwrap()
    };
    let assume = |role: &str| {
        format!(
            "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2F{role}&RoleSessionName=s1&Version=2011-06-15"
        )
    };
    let open = key("arn:aws:iam::111111111111:user/open");

    let allowed = decide(&open, None, &assume("Open"));
    assert_eq!(
        allowed.decision,
        Decision::Allowed,
        "{:?}",
        allowed.refusal()
    );

    let identity = decide(
        &key("arn:aws:iam::111111111111:user/none"),
        None,
        &assume("Open"),
    );
    assert_eq!(identity.decision, Decision::ImplicitlyDenied);
    assert!(refused_on(&identity, PolicyRole::Identity), "{identity:?}");

    let boundary = decide(
        &key("arn:aws:iam::111111111111:user/bounded"),
        None,
        &assume("Open"),
    );
    assert_eq!(boundary.decision, Decision::ImplicitlyDenied);
    assert!(
        boundary
            .refusal()
            .unwrap()
            .evaluation
            .explanation
            .iter()
            .any(|e| e.side == PolicyRole::Boundary),
        "{boundary:?}"
    );

    let trust = decide(&open, None, &assume("Far"));
    assert_eq!(trust.decision, Decision::ImplicitlyDenied);
    assert!(refused_on(&trust, PolicyRole::Resource), "{trust:?}");

    let deny = decide(&open, None, &assume("Guarded"));
    assert_eq!(deny.decision, Decision::ExplicitlyDenied);
    assert!(refused_on(&deny, PolicyRole::Resource), "{deny:?}");

    let tagged = decide(
        &open,
        None,
        &format!(
            "{}&Tags.member.1.Key=Team&Tags.member.1.Value=dev",
            assume("Tagged")
        ),
    );
    assert_eq!(tagged.decision, Decision::ImplicitlyDenied);
    assert_eq!(tagged.refusal().unwrap().check.action, "sts:TagSession");
    let ops = decide(
        &open,
        None,
        &format!(
            "{}&Tags.member.1.Key=Team&Tags.member.1.Value=ops",
            assume("Tagged")
        ),
    );
    assert_eq!(ops.decision, Decision::Allowed, "{:?}", ops.refusal());

    // A session policy narrows the session: the role's identity allows, the
    // session policy does not.
    let session = client(&sts, "arn:aws:iam::111111111111:user/open")
        .await
        .assume_role()
        .role_arn("arn:aws:iam::111111111111:role/Open")
        .role_session_name("narrow")
        .policy(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}).to_string())
        .send()
        .await
        .unwrap();
    let c = session.credentials().unwrap();
    let narrowed = decide(c.access_key_id(), Some(c.session_token()), &assume("Open"));
    assert_eq!(narrowed.decision, Decision::ImplicitlyDenied);
    assert!(
        narrowed
            .refusal()
            .unwrap()
            .evaluation
            .explanation
            .iter()
            .any(|e| e.side == PolicyRole::Session),
        "{narrowed:?}"
    );
}

/// The organization's layers: an RCP refuses an outsider, an SCP a member's
/// tagging; through an enforced SDK client, never sent.
#[tokio::test]
async fn the_organizations_policies_refuse_through_the_sdk() {
    use aws_sdk_sts::error::ProvideErrorMetadata;
    let sts = EmbeddedSts::start(World::from_json(super::sts_org::WORLD).unwrap())
        .await
        .unwrap();
    let target = "arn:aws:iam::222222222222:role/Target";
    let stranger = sts
        .sdk_config_for("arn:aws:iam::999999999999:user/stranger")
        .await
        .unwrap();
    let before = sts.calls();
    let err = aws_sdk_sts::Client::new(&sts.enforcing(&stranger))
        .assume_role()
        .role_arn(target)
        .role_session_name("stranger")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert!(
        err.message().unwrap().contains("RCP"),
        "{:?}",
        err.message()
    );

    let locked = sts
        .sdk_config_for("arn:aws:iam::333333333333:user/locked")
        .await
        .unwrap();
    let err = aws_sdk_sts::Client::new(&sts.enforcing(&locked))
        .assume_role()
        .role_arn(target)
        .role_session_name("locked")
        .tags(
            aws_sdk_sts::types::Tag::builder()
                .key("Team")
                .value("ops")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("AccessDenied"));
    let message = err.message().unwrap();
    assert!(
        message.contains("sts:TagSession") && message.contains("SCP"),
        "{message}"
    );
    assert_eq!(sts.calls(), before, "nothing refused was sent");
}

/// A recording keeps each distinct check of the calls decided, with its
/// decision and how many calls made it; the time a call was signed is not part
/// of its check, and JSON lines give it back.
#[tokio::test]
async fn a_recording_keeps_each_distinct_check_with_its_count() {
    use xrole_test::recording::Recording;
    let sts = EmbeddedSts::start(world()).await.unwrap();
    let (creds, _) = worker_session(&sts).await;
    sts.start_recording(100);
    let call = |url: &str, date: &str| {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={}/20261207/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=00",
            creds.access_key_id()
        );
        let headers = [
            ("authorization", auth.as_str()),
            ("x-amz-security-token", creds.session_token()),
            ("x-amz-date", date),
        ];
        sts.authorize_http(&signed("GET", url, &headers, b""))
            .unwrap();
    };
    // The same read three times, a second apart; another object; another bucket.
    for date in ["20261207T180000Z", "20261207T180001Z", "20261207T180002Z"] {
        call("https://work.s3.eu-west-1.amazonaws.com/in/a.csv", date);
    }
    call(
        "https://work.s3.eu-west-1.amazonaws.com/in/b.csv",
        "20261207T180003Z",
    );
    call(
        "https://other.s3.eu-west-1.amazonaws.com/x",
        "20261207T180004Z",
    );

    let recording = sts.recording().unwrap();
    let seen: Vec<(String, String, Decision, u64)> = recording
        .checks()
        .map(|c| (c.action, c.resource, c.decision, c.count))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "s3:GetObject".into(),
                "arn:aws:s3:::other/x".into(),
                Decision::ImplicitlyDenied,
                1
            ),
            (
                "s3:GetObject".into(),
                "arn:aws:s3:::work/in/a.csv".into(),
                Decision::Allowed,
                3
            ),
            (
                "s3:GetObject".into(),
                "arn:aws:s3:::work/in/b.csv".into(),
                Decision::Allowed,
                1
            ),
        ]
    );
    let first = recording.checks().next().unwrap();
    assert_eq!(
        first.principal,
        "arn:aws:sts::222222222222:assumed-role/Worker/worker"
    );
    assert_eq!(first.role.as_deref(), Some(ROLE));
    assert!(!first.context.contains_key("aws:CurrentTime"));
    assert_eq!(first.context["aws:RequestedRegion"], ["eu-west-1"]);

    // As JSON lines and back.
    let lines = recording.to_json_lines();
    assert_eq!(lines.lines().count(), 3);
    let back = Recording::from_json_lines(&lines, 100).unwrap();
    assert_eq!(
        back.checks().collect::<Vec<_>>(),
        recording.checks().collect::<Vec<_>>()
    );
    let bad = format!("{lines}not json\n");
    let problems = Recording::from_json_lines(&bad, 100).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].to_string().starts_with("line 4: "),
        "{}",
        problems[0]
    );

    // Bounded: past its limit, a new check's calls are counted as dropped.
    sts.start_recording(1);
    call(
        "https://work.s3.eu-west-1.amazonaws.com/in/a.csv",
        "20261207T180005Z",
    );
    call(
        "https://work.s3.eu-west-1.amazonaws.com/in/b.csv",
        "20261207T180006Z",
    );
    call(
        "https://work.s3.eu-west-1.amazonaws.com/in/a.csv",
        "20261207T180007Z",
    );
    let bounded = sts.recording().unwrap();
    assert_eq!(bounded.len(), 1);
    assert_eq!(bounded.checks().next().unwrap().count, 2);
    assert_eq!(bounded.dropped(), 1);
}

/// A session of a role whose one policy is `policy`, on a world that holds the
/// table `orders` (partition key `UserId`), and how it decides a DynamoDB call.
struct TableSession {
    sts: EmbeddedSts,
    creds: aws_sdk_sts::types::Credentials,
}

const ORDERS: &str = "arn:aws:dynamodb:eu-west-1:222222222222:table/orders";

impl TableSession {
    async fn start(policy: serde_json::Value) -> Self {
        let mut w = world();
        w.add_resource(Resource::new(ORDERS).unwrap().partition_key("UserId"))
            .unwrap();
        let reader: xrole_core::RoleArn =
            "arn:aws:iam::222222222222:role/OwnItems".parse().unwrap();
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"}]});
        w.add_role(
            Role::new(reader.clone(), doc(&trust.to_string()))
                .policy("items", doc(&policy.to_string())),
        )
        .unwrap();
        const CAROL: &str = "arn:aws:iam::111111111111:user/carol";
        let assume = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "sts:AssumeRole", "Resource": reader.as_str()}]});
        w.add_user(
            User::new(CAROL.parse().unwrap())
                .unwrap()
                .policy("assume", doc(&assume.to_string())),
        )
        .unwrap();
        let sts = EmbeddedSts::start(w).await.unwrap();
        let creds = client(&sts, CAROL)
            .await
            .assume_role()
            .role_arn(reader.as_str())
            .role_session_name("items")
            .send()
            .await
            .unwrap()
            .credentials
            .unwrap();
        Self { sts, creds }
    }

    /// The decision on DynamoDB's `target` operation with `body`.
    fn decide(&self, target: &str, body: serde_json::Value) -> Authorization {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={}/20261207/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00",
            self.creds.access_key_id()
        );
        let target = format!("DynamoDB_20120810.{target}");
        let body = body.to_string();
        let headers = [
            ("authorization", auth.as_str()),
            ("x-amz-security-token", self.creds.session_token()),
            ("x-amz-target", target.as_str()),
        ];
        self.sts
            .authorize_http(&signed(
                "POST",
                "https://dynamodb.eu-west-1.amazonaws.com/",
                &headers,
                body.as_bytes(),
            ))
            .unwrap()
    }
}

/// `dynamodb:LeadingKeys` from the world's table schema: a role that may touch
/// only its user's items (the DynamoDB guide's fine-grained access policy) is
/// refused another user's, in every operation that names partition keys.
#[tokio::test]
async fn leading_keys_come_from_the_tables_partition_key() {
    let session = TableSession::start(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchGetItem"],
        "Resource": [ORDERS, format!("{ORDERS}/index/*")],
        "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["alice"]}}}]}))
    .await;
    let decide = |target: &str, body: serde_json::Value| {
        let decided = session.decide(target, body);
        (
            decided.decision,
            decided.checks[0]
                .check
                .context
                .get("dynamodb:LeadingKeys")
                .cloned(),
        )
    };
    let user = |u: &str| json!({"UserId": {"S": u}});
    let (decision, keys) = decide(
        "GetItem",
        json!({"TableName": "orders", "Key": user("alice")}),
    );
    assert_eq!(
        (decision, keys),
        (Decision::Allowed, Some(vec!["alice".to_owned()]))
    );
    let (decision, _) = decide(
        "GetItem",
        json!({"TableName": "orders", "Key": user("bob")}),
    );
    assert_eq!(decision, Decision::ImplicitlyDenied);
    let (decision, _) = decide(
        "PutItem",
        json!({"TableName": "orders", "Item": user("bob")}),
    );
    assert_eq!(decision, Decision::ImplicitlyDenied);
    let query = |who: &str| {
        json!({"TableName": "orders", "IndexName": "byDate",
            "KeyConditionExpression": "#u = :u", "ExpressionAttributeNames": {"#u": "UserId"},
            "ExpressionAttributeValues": {":u": {"S": who}}})
    };
    assert_eq!(decide("Query", query("alice")).0, Decision::Allowed);
    assert_eq!(decide("Query", query("bob")).0, Decision::ImplicitlyDenied);
    // Every key of a batch must be alice's.
    let (decision, keys) = decide(
        "BatchGetItem",
        json!({"RequestItems": {"orders": {"Keys": [user("alice"), user("bob")]}}}),
    );
    assert_eq!(decision, Decision::ImplicitlyDenied);
    assert_eq!(keys, Some(vec!["alice".to_owned(), "bob".to_owned()]));
}

/// `dynamodb:Attributes` and `dynamodb:Select` from the request: the DynamoDB
/// guide's attribute-limited policy (example 2 of "Using IAM policy
/// conditions for fine-grained access control") lets a read name only the
/// allowed attributes and never read them all, and a write touch no other.
#[tokio::test]
async fn attributes_and_select_come_from_the_request() {
    let session = TableSession::start(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
            "dynamodb:BatchGetItem"],
        "Resource": [ORDERS, format!("{ORDERS}/index/*")],
        "Condition": {
            "ForAllValues:StringEquals": {"dynamodb:Attributes": ["UserId", "TopScore", "TopScoreDateTime"]},
            "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}}}]}))
    .await;
    let key = json!({"UserId": {"S": "alice"}});
    let get = |projection: Option<&str>| {
        let mut body = json!({"TableName": "orders", "Key": key});
        if let Some(p) = projection {
            body["ProjectionExpression"] = json!(p);
            body["ExpressionAttributeNames"] = json!({"#t": "TopScoreDateTime"});
        }
        session.decide("GetItem", body)
    };
    let allowed = get(Some("TopScore, #t"));
    assert_eq!(allowed.decision, Decision::Allowed, "{allowed:?}");
    assert_eq!(
        allowed.checks[0].check.context["dynamodb:Attributes"],
        ["TopScore", "TopScoreDateTime", "UserId"]
    );
    // Another attribute, or every attribute (no projection), is refused.
    let other = get(Some("TopScore, Wins"));
    assert_eq!(other.decision, Decision::ImplicitlyDenied);
    assert!(
        other
            .refusal()
            .unwrap()
            .evaluation
            .to_string()
            .contains("dynamodb:Attributes"),
        "{}",
        other.refusal().unwrap().evaluation
    );
    let all = get(None);
    assert_eq!(all.decision, Decision::ImplicitlyDenied);
    assert_eq!(
        all.checks[0].check.context["dynamodb:Select"],
        ["ALL_ATTRIBUTES"]
    );
    // Writes: the item's attributes, the update's and the condition's.
    let put = |extra: &str| {
        session.decide(
            "PutItem",
            json!({"TableName": "orders", "Item": {"UserId": {"S": "alice"}, extra: {"N": "1"}}}),
        )
    };
    assert_eq!(put("TopScore").decision, Decision::Allowed);
    assert_eq!(put("Wins").decision, Decision::ImplicitlyDenied);
    let update = |expression: &str| {
        session.decide(
            "UpdateItem",
            json!({"TableName": "orders", "Key": key, "UpdateExpression": expression,
                "ExpressionAttributeValues": {":v": {"N": "1"}}}),
        )
    };
    assert_eq!(update("SET TopScore = :v").decision, Decision::Allowed);
    assert_eq!(
        update("SET Wins = Wins + :v").decision,
        Decision::ImplicitlyDenied
    );
    // A batch: each table its own check; here the one table names another attribute.
    let batch = session.decide(
        "BatchGetItem",
        json!({"RequestItems": {"orders": {"Keys": [key], "ProjectionExpression": "TopScore, Losses"}}}),
    );
    assert_eq!(batch.decision, Decision::ImplicitlyDenied);
}
