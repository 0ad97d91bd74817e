//! Shared S3 read: account 222222222222 shares `my-shared-bucket` with account
//! 111111111111 through `CrossAccountS3ReadOnly`, which may list the bucket and
//! read (`s3:GetObject`) its objects, and nothing else.
//!
//! Each attempt below is an S3 request, checked against what the policies say:
//! on moto (and AWS) as a real call on a typed S3 client; on the embedded STS
//! (which has no S3) decided as S3 would decide it, by `authorize_http` with the
//! caller's whole chain: the request (method and URL, as the SDK sends it)
//! becomes the checks S3 makes, action and resource included, and each is
//! evaluated, explanation included. No action is written by hand.
//!
//! ```sh
//! cargo run --example shared_s3_read                                   # embedded STS + evaluator
//! cargo run --example shared_s3_read -- --moto http://127.0.0.1:5000   # real S3 calls on moto
//! XROLE_ROLE_ARN=arn:aws:iam::ACCOUNT:role/NAME cargo run --example shared_s3_read -- --aws
//! ```
//! (on AWS the buckets are this example's: `my-shared-bucket` must be yours.)

use aws_credential_types::provider::ProvideCredentials;
#[cfg(feature = "remote")]
use aws_sdk_s3::primitives::ByteStream;
use xrole::{AssumeRole, AssumedRole, assume_role};
use xrole_core::{AccountId, PrincipalArn};
use xrole_examples::Bucket;
#[cfg(feature = "remote")]
use xrole_examples::s3_error_code;
use xrole_examples::{BoxError, Lab, Target, check, section};
use xrole_test::services::HttpRequest;
use xrole_test::sts::{EmbeddedSts, User, World};

#[assume_role(
    arn = "arn:aws:iam::222222222222:role/CrossAccountS3ReadOnly",
    session_name = "shared-s3-read",
    trusted = ["arn:aws:iam::111111111111:root"],
    allow(actions = ["s3:ListBucket"], resources = ["arn:aws:s3:::my-shared-bucket"]),
    allow(actions = ["s3:GetObject"], resources = ["arn:aws:s3:::my-shared-bucket/*"]),
)]
struct SharedBucket {
    role: AssumedRole,
}

const USER: &str = "arn:aws:iam::111111111111:user/deepak.dev";
const SHARED: &str = "my-shared-bucket";
const PRIVATE: &str = "account-a-private-bucket";
const REPORT: &str = "reports/2026-11.csv";
const BUCKETS: &[Bucket] = &[
    Bucket {
        account: AccountId::from_static("222222222222"),
        name: SHARED,
        objects: &[(REPORT, "month,cost\n2026-11,1234\n")],
    },
    Bucket {
        account: AccountId::from_static("111111111111"),
        name: PRIVATE,
        objects: &[("notes.txt", "account A's own data\n")],
    },
];

/// Who makes an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    /// The role's session.
    Role,
    /// The user, with its own credentials.
    User,
}

/// An S3 operation an attempt makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    ListObjectsV2,
    GetObject,
    PutObject,
    DeleteObject,
}

/// One S3 request and the decision the policies call for.
#[derive(Clone, Copy, Debug)]
struct Attempt {
    who: Who,
    op: Op,
    bucket: &'static str,
    key: Option<&'static str>,
    allowed: bool,
}

const ATTEMPTS: &[Attempt] = &[
    Attempt {
        who: Who::Role,
        op: Op::ListObjectsV2,
        bucket: SHARED,
        key: None,
        allowed: true,
    },
    Attempt {
        who: Who::Role,
        op: Op::GetObject,
        bucket: SHARED,
        key: Some(REPORT),
        allowed: true,
    },
    Attempt {
        who: Who::Role,
        op: Op::PutObject,
        bucket: SHARED,
        key: Some("upload.txt"),
        allowed: false,
    },
    Attempt {
        who: Who::Role,
        op: Op::DeleteObject,
        bucket: SHARED,
        key: Some(REPORT),
        allowed: false,
    },
    Attempt {
        who: Who::Role,
        op: Op::GetObject,
        bucket: PRIVATE,
        key: Some("notes.txt"),
        allowed: false,
    },
    Attempt {
        who: Who::User,
        op: Op::GetObject,
        bucket: SHARED,
        key: Some(REPORT),
        allowed: false,
    },
];

impl Attempt {
    fn describe(&self) -> String {
        let who = match self.who {
            Who::Role => "role",
            Who::User => "deepak.dev",
        };
        let path = match self.key {
            Some(key) => format!("{}/{key}", self.bucket),
            None => self.bucket.to_owned(),
        };
        format!("{who:>10} {:<13} {path}", format!("{:?}", self.op))
    }

    /// The request aws-sdk-s3 sends for the attempt (virtual-hosted addressing).
    fn request(&self) -> (&'static str, String) {
        let host = format!("https://{}.s3.us-east-1.amazonaws.com", self.bucket);
        let key = self.key.unwrap_or_default();
        match self.op {
            Op::ListObjectsV2 => ("GET", format!("{host}/?list-type=2")),
            Op::GetObject => ("GET", format!("{host}/{key}")),
            Op::PutObject => ("PUT", format!("{host}/{key}")),
            Op::DeleteObject => ("DELETE", format!("{host}/{key}")),
        }
    }

    /// Makes the call; `Ok(detail)` when S3 allowed it, `Err(code)` when it refused.
    #[cfg(feature = "remote")]
    async fn call(&self, s3: &aws_sdk_s3::Client) -> Result<String, String> {
        let key = self.key.unwrap_or_default();
        match self.op {
            Op::ListObjectsV2 => s3
                .list_objects_v2()
                .bucket(self.bucket)
                .send()
                .await
                .map(|out| {
                    let keys: Vec<&str> = out.contents().iter().filter_map(|o| o.key()).collect();
                    format!("keys: {}", keys.join(", "))
                })
                .map_err(|e| s3_error_code(&e)),
            Op::GetObject => {
                let out = s3
                    .get_object()
                    .bucket(self.bucket)
                    .key(key)
                    .send()
                    .await
                    .map_err(|e| s3_error_code(&e))?;
                let body = out.body.collect().await.map_err(|e| e.to_string())?;
                Ok(format!("{} bytes", body.into_bytes().len()))
            }
            Op::PutObject => s3
                .put_object()
                .bucket(self.bucket)
                .key(key)
                .body(ByteStream::from_static(b"should not land"))
                .send()
                .await
                .map(|_| "written".to_owned())
                .map_err(|e| s3_error_code(&e)),
            Op::DeleteObject => s3
                .delete_object()
                .bucket(self.bucket)
                .key(key)
                .send()
                .await
                .map(|_| "deleted".to_owned())
                .map_err(|e| s3_error_code(&e)),
        }
    }
}

/// What the attempts gave: description and whether it was allowed.
type Outcomes = Vec<(String, bool)>;

async fn run(target: Target) -> Result<Outcomes, BoxError> {
    let user = PrincipalArn::parse(USER)?;
    let mut world = World::new();
    world
        .add_user(User::new(USER.parse()?)?)?
        .add_role_from_spec(&SharedBucket::ROLE_SPEC)?
        // The trust names account 111111111111, which delegates to its users through
        // their identity policies: deepak.dev gets the generated caller policy.
        .attach_caller_policy(&user, &SharedBucket::ROLE_SPEC)?;
    let lab = Lab::start(target, world, BUCKETS).await?;
    println!("xrole shared S3 read, on {}", lab.target());
    let base = lab.base_for(USER).await?;

    let spec = lab.role_spec(&SharedBucket::ROLE_SPEC)?;
    let role = AssumeRole::from_spec(&spec).assume(&base).await?;
    let shared = SharedBucket::from_role(&role);
    let me = shared.role.caller_identity().await?;
    println!("assumed: {}", me.arn);

    let outcomes = if let Some(sts) = lab.embedded() {
        section("S3's decisions, as S3 makes them (the embedded STS has no S3)");
        decided(sts, shared.role.sdk_config(), &base).await?
    } else {
        real_calls(&lab, &shared, &base).await?
    };
    for ((described, allowed), attempt) in outcomes.iter().zip(ATTEMPTS) {
        check(
            *allowed == attempt.allowed,
            format!(
                "{described}: expected {}",
                if attempt.allowed { "allowed" } else { "denied" }
            ),
        )?;
    }
    println!("\nevery attempt went as the permission policy says");
    Ok(outcomes)
}

/// The attempts as real S3 calls on moto or AWS, on the role's and the user's own
/// typed S3 clients.
#[cfg(feature = "remote")]
async fn real_calls(
    lab: &Lab,
    shared: &SharedBucket,
    base: &aws_types::SdkConfig,
) -> Result<Outcomes, BoxError> {
    section("Real S3 calls");
    // On moto, path-style addressing: its buckets have no DNS names.
    let shared_s3 = lab.s3(&shared.role);
    let user_s3 = lab.s3_from(base);
    let mut outcomes = Vec::new();
    for attempt in ATTEMPTS {
        let client = match attempt.who {
            Who::Role => &shared_s3,
            Who::User => &user_s3,
        };
        let result = attempt.call(client).await;
        let shown = match &result {
            Ok(detail) => format!("allowed ({detail})"),
            Err(code) => format!("refused: {code}"),
        };
        println!("{}  {shown}", attempt.describe());
        if let Err(code) = &result {
            check(
                code == "AccessDenied" || attempt.allowed,
                format!(
                    "{} failed with {code}, not AccessDenied",
                    attempt.describe()
                ),
            )?;
        }
        outcomes.push((attempt.describe(), result.is_ok()));
    }
    Ok(outcomes)
}

/// Without the `remote` feature only the embedded STS runs (`Lab` refuses the
/// others), so there are no real calls to make.
#[cfg(not(feature = "remote"))]
async fn real_calls(
    _lab: &Lab,
    _shared: &SharedBucket,
    _base: &aws_types::SdkConfig,
) -> Result<Outcomes, BoxError> {
    Err("real S3 calls need the `remote` feature".into())
}

/// Each attempt's request decided as S3 would, with the caller's whole chain:
/// the request (signed with the role's session or the user's key) becomes the
/// checks S3 makes, and each is evaluated with the caller's policies.
async fn decided(
    sts: &EmbeddedSts,
    role: &aws_types::SdkConfig,
    user: &aws_types::SdkConfig,
) -> Result<Outcomes, BoxError> {
    let credentials = |config: &aws_types::SdkConfig| {
        config
            .credentials_provider()
            .ok_or_else(|| BoxError::from("the configuration has no credentials"))
    };
    let role = credentials(role)?.provide_credentials().await?;
    let user = credentials(user)?.provide_credentials().await?;
    let mut outcomes = Vec::new();
    for attempt in ATTEMPTS {
        let creds = match attempt.who {
            Who::Role => &role,
            Who::User => &user,
        };
        // The credential scope names the key; the signature is not checked
        // (the request never leaves the process).
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={}/20261207/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0",
            creds.access_key_id()
        );
        let mut headers = vec![("authorization", authorization.as_str())];
        if let Some(token) = creds.session_token() {
            headers.push(("x-amz-security-token", token));
        }
        let (method, url) = attempt.request();
        let decision = sts.authorize_http(&HttpRequest {
            method,
            url: &url,
            headers: &headers,
            body: b"",
        })?;
        let checks: Vec<String> = decision
            .checks
            .iter()
            .map(|c| {
                let why = c
                    .evaluation
                    .explanation
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                format!(
                    "{} on {}: {:?} ({why})",
                    c.check.action, c.resource, c.evaluation.decision
                )
            })
            .collect();
        println!("{}  {}", attempt.describe(), checks.join("; "));
        outcomes.push((attempt.describe(), decision.refusal().is_none()));
    }
    Ok(outcomes)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run(Target::from_env_and_args()?).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_listing_and_reading_the_shared_bucket_is_allowed() {
        let outcomes = run(Target::Embedded).await.unwrap();
        let allowed: Vec<&str> = outcomes
            .iter()
            .filter(|(_, allowed)| *allowed)
            .map(|(d, _)| d.as_str())
            .collect();
        assert_eq!(
            allowed,
            [
                "      role ListObjectsV2 my-shared-bucket",
                "      role GetObject     my-shared-bucket/reports/2026-11.csv",
            ]
        );
        assert_eq!(outcomes.len(), ATTEMPTS.len());
    }
}
