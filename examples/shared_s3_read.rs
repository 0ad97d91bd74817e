//! Shared S3 read: account 222222222222 shares `my-shared-bucket` with account
//! 111111111111 through `CrossAccountS3ReadOnly`, which may list the bucket and
//! read (`s3:GetObject`) its objects, and nothing else.
//!
//! Each attempt below is checked against what the permission policy says: on moto
//! (and AWS) with real S3 calls on a typed S3 client, on the embedded STS (which
//! has no S3) with xrole's policy evaluator, explanation included.
//!
//! ```sh
//! cargo run --example shared_s3_read                                   # embedded STS + evaluator
//! cargo run --example shared_s3_read -- --moto http://127.0.0.1:5000   # real S3 calls on moto
//! XROLE_ROLE_ARN=arn:aws:iam::ACCOUNT:role/NAME cargo run --example shared_s3_read -- --aws
//! ```
//! (on AWS the buckets are this example's: `my-shared-bucket` must be yours.)

#[cfg(feature = "remote")]
use aws_sdk_s3::primitives::ByteStream;
use xrole::{AssumeRole, AssumedRole, assume_role};
use xrole_core::{AccountId, PrincipalArn, RoleSpec, policy::PolicyKind};
use xrole_examples::Bucket;
#[cfg(feature = "remote")]
use xrole_examples::s3_error_code;
use xrole_examples::{BoxError, Lab, Target, check, section};
use xrole_test::eval::{Caller, CompiledPolicy, PolicySet, Request, evaluate};
use xrole_test::sts::{User, World};

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

/// One S3 request and the decision the policies call for.
#[derive(Clone, Copy, Debug)]
struct Attempt {
    who: Who,
    action: &'static str,
    bucket: &'static str,
    key: Option<&'static str>,
    allowed: bool,
}

const ATTEMPTS: &[Attempt] = &[
    Attempt {
        who: Who::Role,
        action: "s3:ListBucket",
        bucket: SHARED,
        key: None,
        allowed: true,
    },
    Attempt {
        who: Who::Role,
        action: "s3:GetObject",
        bucket: SHARED,
        key: Some(REPORT),
        allowed: true,
    },
    Attempt {
        who: Who::Role,
        action: "s3:PutObject",
        bucket: SHARED,
        key: Some("upload.txt"),
        allowed: false,
    },
    Attempt {
        who: Who::Role,
        action: "s3:DeleteObject",
        bucket: SHARED,
        key: Some(REPORT),
        allowed: false,
    },
    Attempt {
        who: Who::Role,
        action: "s3:GetObject",
        bucket: PRIVATE,
        key: Some("notes.txt"),
        allowed: false,
    },
    Attempt {
        who: Who::User,
        action: "s3:GetObject",
        bucket: SHARED,
        key: Some(REPORT),
        allowed: false,
    },
];

impl Attempt {
    fn resource(&self) -> String {
        match self.key {
            Some(key) => format!("arn:aws:s3:::{}/{key}", self.bucket),
            None => format!("arn:aws:s3:::{}", self.bucket),
        }
    }

    fn describe(&self) -> String {
        let who = match self.who {
            Who::Role => "role",
            Who::User => "deepak.dev",
        };
        format!("{who:>10} {:<16} {}", self.action, self.resource())
    }

    /// Makes the call; `Ok(detail)` when S3 allowed it, `Err(code)` when it refused.
    #[cfg(feature = "remote")]
    async fn call(&self, s3: &aws_sdk_s3::Client) -> Result<String, String> {
        let key = self.key.unwrap_or_default();
        match self.action {
            "s3:ListBucket" => s3
                .list_objects_v2()
                .bucket(self.bucket)
                .send()
                .await
                .map(|out| {
                    let keys: Vec<&str> = out.contents().iter().filter_map(|o| o.key()).collect();
                    format!("keys: {}", keys.join(", "))
                })
                .map_err(|e| s3_error_code(&e)),
            "s3:GetObject" => {
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
            "s3:PutObject" => s3
                .put_object()
                .bucket(self.bucket)
                .key(key)
                .body(ByteStream::from_static(b"should not land"))
                .send()
                .await
                .map(|_| "written".to_owned())
                .map_err(|e| s3_error_code(&e)),
            "s3:DeleteObject" => s3
                .delete_object()
                .bucket(self.bucket)
                .key(key)
                .send()
                .await
                .map(|_| "deleted".to_owned())
                .map_err(|e| s3_error_code(&e)),
            other => Err(format!("this example does not call {other}")),
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

    let outcomes = if *lab.target() == Target::Embedded {
        section("Decisions of the permission policies (evaluator; the embedded STS has no S3)");
        evaluated(&spec, me.arn.as_str())?
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

/// The decisions the role's permission policy and the user's identity policies
/// call for, as AWS evaluates them.
fn evaluated(spec: &RoleSpec, session: &str) -> Result<Outcomes, BoxError> {
    let role_policies = PolicySet {
        identity: vec![CompiledPolicy::new(
            "permission policy",
            &spec.permission_policy()?,
            PolicyKind::Identity,
        )?],
        ..PolicySet::default()
    };
    let user_policies = PolicySet {
        identity: vec![CompiledPolicy::new(
            "caller policy",
            &spec.caller_policy()?,
            PolicyKind::Identity,
        )?],
        ..PolicySet::default()
    };
    let mut outcomes = Vec::new();
    for attempt in ATTEMPTS {
        let (caller, policies) = match attempt.who {
            Who::Role => (session, &role_policies),
            Who::User => (USER, &user_policies),
        };
        let request = Request::new(
            Caller::new(caller.parse()?),
            attempt.action,
            &attempt.resource(),
        );
        let evaluation = evaluate(&request, policies);
        let why: Vec<String> = evaluation
            .explanation
            .iter()
            .map(ToString::to_string)
            .collect();
        println!(
            "{}  {:?}: {}",
            attempt.describe(),
            evaluation.decision,
            why.join("; ")
        );
        outcomes.push((attempt.describe(), evaluation.is_allowed()));
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
                "      role s3:ListBucket    arn:aws:s3:::my-shared-bucket",
                "      role s3:GetObject     arn:aws:s3:::my-shared-bucket/reports/2026-11.csv",
            ]
        );
        assert_eq!(outcomes.len(), ATTEMPTS.len());
    }
}
