//! Quickstart: user `crossAccountUser` in account 111111111111 (trusted) assumes
//! `CrossAccountAccessRole` in account 222222222222 (trusting), which may list S3
//! buckets.
//!
//! It prints the caller identity before and after, the three documents the setup
//! needs (trust and permission policies on the role, the `sts:AssumeRole` policy on
//! the user) and the console's switch-role link.
//!
//! ```sh
//! cargo run --example quickstart                                   # embedded STS
//! cargo run --features remote --example quickstart -- --moto http://127.0.0.1:5000   # moto: also lists S3 buckets
//! XROLE_ROLE_ARN=arn:aws:iam::ACCOUNT:role/NAME cargo run --features remote --example quickstart -- --aws
//! ```

use xrole::{AssumeRole, AssumedRole, RoleSpec, assume_role};
use xrole_core::{AccountId, SwitchRoleLink};
use xrole_examples::Bucket;
#[cfg(feature = "remote")]
use xrole_examples::check;
#[cfg(feature = "remote")]
use xrole_examples::s3_error_code;
use xrole_examples::{BoxError, Lab, Target, print_policy, section};
use xrole_test::sts::{User, World};

/// The role and the clients the program works with, declared once: the attribute
/// checks every literal at compile time and generates `ROLE_SPEC`.
#[assume_role(
    arn = "arn:aws:iam::222222222222:role/CrossAccountAccessRole",
    session_name = "dev-session",
    trusted = ["arn:aws:iam::111111111111:user/crossAccountUser"],
    allow(actions = ["s3:ListAllMyBuckets"], resources = ["*"]),
)]
struct CrossAccount {
    sts: aws_sdk_sts::Client,
    role: AssumedRole,
}

const USER: &str = "arn:aws:iam::111111111111:user/crossAccountUser";
const BUCKETS: &[Bucket] = &[
    Bucket {
        account: AccountId::from_static("111111111111"),
        name: "quickstart-account-a",
        objects: &[],
    },
    Bucket {
        account: AccountId::from_static("222222222222"),
        name: "quickstart-account-b",
        objects: &[],
    },
];

/// What a run showed.
#[derive(Debug)]
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
struct Report {
    before: String,
    after: String,
    link: String,
    /// The buckets the role listed (moto and AWS only: the embedded STS has no S3).
    buckets: Option<Vec<String>>,
}

async fn run(target: Target) -> Result<Report, BoxError> {
    // The accounts, the user and the role, created for the run: the role from the
    // declaration, the user with the generated `sts:AssumeRole` policy.
    let mut world = World::new();
    world
        .add_user(User::new(USER.parse()?)?)?
        .add_role_from_spec(&CrossAccount::ROLE_SPEC)?;
    let lab = Lab::start(target, world, BUCKETS).await?;
    println!("xrole quickstart, on {}", lab.target());
    let base = lab.base_for(USER).await?;

    section("Caller identity before");
    let before = aws_sdk_sts::Client::new(&base)
        .get_caller_identity()
        .send()
        .await?;
    let before = before.arn().unwrap_or_default().to_owned();
    println!("{before}");

    section("Caller identity after assuming the role");
    let spec = lab.role_spec(&CrossAccount::ROLE_SPEC)?;
    let role = AssumeRole::from_spec(&spec).assume(&base).await?;
    let account = CrossAccount::from_role(&role);
    let after = account.sts.get_caller_identity().send().await?;
    let after = after.arn().unwrap_or_default().to_owned();
    println!("{after}");
    println!(
        "(session {}, credentials refreshed in the background before they expire)",
        account.role.session_name()
    );

    section("The three documents");
    print_policy(
        &format!(
            "trust policy: on {} (account {})",
            spec.role().name(),
            spec.role().account()
        ),
        &spec.trust_policy()?,
    );
    print_policy(
        &format!("permission policy: on {}", spec.role().name()),
        &spec.permission_policy()?,
    );
    print_policy(
        "caller policy: on crossAccountUser (account 111111111111)",
        &spec.caller_policy()?,
    );

    section("Console");
    let link = SwitchRoleLink::new(spec.role()).to_string();
    println!("switch role: {link}");

    let buckets = list_buckets(&lab, &role, &base, &spec).await?;
    Ok(Report {
        before,
        after,
        link,
        buckets,
    })
}

/// The buckets the role lists (moto and AWS; the embedded STS has no S3), checked
/// on moto against what the role and the user may list.
#[cfg(feature = "remote")]
async fn list_buckets(
    lab: &Lab,
    role: &AssumedRole,
    base: &aws_types::SdkConfig,
    spec: &RoleSpec,
) -> Result<Option<Vec<String>>, BoxError> {
    if *lab.target() == Target::Embedded {
        println!("\n(S3 calls need moto or AWS: run with --moto URL or --aws)");
        return Ok(None);
    }
    section("S3 with the role's credentials");
    let listed = lab.s3(role).list_buckets().send().await?;
    let names: Vec<String> = listed
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(str::to_owned))
        .collect();
    println!(
        "buckets of account {}: {}",
        spec.role().account(),
        names.join(", ")
    );
    if let Target::Moto(_) = lab.target() {
        // The role lists its own account's buckets; the user, whose only
        // permission is sts:AssumeRole, lists none.
        check(
            names.iter().any(|n| n == "quickstart-account-b")
                && !names.iter().any(|n| n == "quickstart-account-a"),
            format!("the role lists account B's buckets only, found {names:?}"),
        )?;
        let own = lab.s3_from(base).list_buckets().send().await;
        let code = own.as_ref().err().map(s3_error_code);
        println!(
            "crossAccountUser itself: {}",
            code.as_deref().unwrap_or("allowed")
        );
        check(
            code.as_deref() == Some("AccessDenied"),
            "crossAccountUser may not list buckets itself",
        )?;
    }
    Ok(Some(names))
}

/// Without the `remote` feature there is no S3 client: only the embedded STS runs.
#[cfg(not(feature = "remote"))]
async fn list_buckets(
    _lab: &Lab,
    _role: &AssumedRole,
    _base: &aws_types::SdkConfig,
    _spec: &RoleSpec,
) -> Result<Option<Vec<String>>, BoxError> {
    println!(
        "\n(S3 calls need moto or AWS: build with --features remote, run with --moto URL or --aws)"
    );
    Ok(None)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run(Target::from_env_and_args()?).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_user_becomes_the_role_on_the_embedded_sts() {
        let report = run(Target::Embedded).await.unwrap();
        assert_eq!(report.before, USER);
        assert_eq!(
            report.after,
            "arn:aws:sts::222222222222:assumed-role/CrossAccountAccessRole/dev-session"
        );
        assert_eq!(
            report.link,
            "https://signin.aws.amazon.com/switchrole?roleName=CrossAccountAccessRole&account=222222222222"
        );
        assert_eq!(report.buckets, None);
    }
}
