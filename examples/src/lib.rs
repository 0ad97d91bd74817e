//! What the examples share: where they run, and the accounts, users and roles a
//! run sets up.
//!
//! Every example runs against the embedded STS by default, in a [`World`] created
//! for the run. Two other targets are chosen by a flag or an environment variable:
//!
//! | target | flag | `XROLE_EXAMPLES_TARGET` | what is set up |
//! |---|---|---|---|
//! | embedded STS (default) | | `embedded` | the example's world, in memory |
//! | moto server | `--moto URL` | `moto=URL` | the same world, through moto's IAM API, plus the example's S3 buckets |
//! | AWS | `--aws` | `aws` | nothing: your setup, your credentials (aws-config's defaults) |
//!
//! On AWS an example assumes the role named by `XROLE_ROLE_ARN` (its own accounts
//! are fictitious) and prints the documents that role needs.

#[cfg(feature = "remote")]
pub mod moto;

use std::fmt;

use aws_types::SdkConfig;
use xrole::{AssumedRole, RoleArn, RoleSpec};
use xrole_core::{AccountId, PolicyDocument};
use xrole_test::sts::{EmbeddedSts, World};

/// The examples' error: anything, with its message.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The environment variable that chooses the target.
pub const TARGET_VAR: &str = "XROLE_EXAMPLES_TARGET";

/// The environment variable naming the role to assume on AWS.
pub const ROLE_ARN_VAR: &str = "XROLE_ROLE_ARN";

/// Where an example runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The embedded STS, on 127.0.0.1, with a world created for the run.
    Embedded,
    /// A moto server at this URL, set up through its IAM API for the run.
    Moto(String),
    /// AWS, with the credentials aws-config finds.
    Aws,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Embedded => f.write_str("the embedded STS"),
            Target::Moto(url) => write!(f, "moto at {url}"),
            Target::Aws => f.write_str("AWS"),
        }
    }
}

impl Target {
    /// The target the command line (`--aws`, `--moto URL`) or else
    /// `XROLE_EXAMPLES_TARGET` asks for; the embedded STS otherwise.
    pub fn from_env_and_args() -> Result<Self, BoxError> {
        Ok(Self::parse(
            std::env::args().skip(1),
            std::env::var(TARGET_VAR).ok(),
        )?)
    }

    /// [`from_env_and_args`](Self::from_env_and_args) on given values.
    pub fn parse(
        mut args: impl Iterator<Item = String>,
        env: Option<String>,
    ) -> Result<Self, String> {
        let usage = "usage: [--aws | --moto URL] (or XROLE_EXAMPLES_TARGET=embedded|aws|moto=URL)";
        let from_args = match args.next().as_deref() {
            None => None,
            Some("--aws") => Some(Target::Aws),
            Some("--moto") => match args.next() {
                Some(url) => Some(Target::Moto(moto_url(&url)?)),
                None => return Err(format!("--moto needs the server's URL; {usage}")),
            },
            Some("--embedded") => Some(Target::Embedded),
            Some(other) => return Err(format!("unknown argument {other:?}; {usage}")),
        };
        if let Some(extra) = args.next() {
            return Err(format!("unexpected argument {extra:?}; {usage}"));
        }
        if let Some(target) = from_args {
            return Ok(target);
        }
        match env.as_deref().map(str::trim) {
            None | Some("") | Some("embedded") => Ok(Target::Embedded),
            Some("aws") => Ok(Target::Aws),
            Some(v) => match v.strip_prefix("moto=") {
                Some(url) => Ok(Target::Moto(moto_url(url)?)),
                None => Err(format!("{TARGET_VAR}={v:?} is not a target; {usage}")),
            },
        }
    }
}

fn moto_url(url: &str) -> Result<String, String> {
    let url = url.trim_end_matches('/');
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(url.to_owned())
    } else {
        Err(format!(
            "moto URL {url:?} must start with http:// (e.g. http://127.0.0.1:5000)"
        ))
    }
}

/// A bucket an example needs on moto, with the objects it holds.
#[derive(Clone, Debug)]
pub struct Bucket {
    /// The owning account.
    pub account: AccountId,
    /// The bucket's name.
    pub name: &'static str,
    /// Objects, as key and body.
    pub objects: &'static [(&'static str, &'static str)],
}

/// What a build without the `remote` feature says when asked for moto or AWS.
#[cfg(not(feature = "remote"))]
const REMOTE_NEEDED: &str = "the moto and AWS modes are built with the `remote` feature: \
    cargo run -p xrole-examples --features remote --example NAME -- --moto URL (or --aws)";

/// One run of an example: its target and what was set up there.
#[derive(Debug)]
pub struct Lab {
    target: Target,
    sts: Option<EmbeddedSts>,
    #[cfg(feature = "remote")]
    moto: Option<moto::Provisioned>,
}

impl Lab {
    /// Sets `world` (and, on moto, `buckets`) up on the target chosen by the
    /// command line or the environment.
    pub async fn from_env(world: World, buckets: &[Bucket]) -> Result<Self, BoxError> {
        Self::start(Target::from_env_and_args()?, world, buckets).await
    }

    /// Sets `world` (and, on moto, `buckets`) up on `target`; on AWS nothing is
    /// set up.
    pub async fn start(target: Target, world: World, buckets: &[Bucket]) -> Result<Self, BoxError> {
        #[cfg(feature = "remote")]
        {
            let (sts, moto) = match &target {
                Target::Embedded => (Some(EmbeddedSts::start(world).await?), None),
                Target::Moto(url) => (None, Some(moto::provision(url, &world, buckets).await?)),
                Target::Aws => (None, None),
            };
            Ok(Self { target, sts, moto })
        }
        #[cfg(not(feature = "remote"))]
        {
            let _ = buckets;
            match &target {
                Target::Embedded => Ok(Self {
                    sts: Some(EmbeddedSts::start(world).await?),
                    target,
                }),
                Target::Moto(_) | Target::Aws => Err(REMOTE_NEEDED.into()),
            }
        }
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The embedded STS, when running on it (its audit log, its clock, its world).
    pub fn embedded(&self) -> Option<&EmbeddedSts> {
        self.sts.as_ref()
    }

    /// The source configuration of `user` (a user ARN of the example's world): its
    /// long-term keys on the embedded STS or moto; on AWS, whatever aws-config's
    /// default chain finds.
    pub async fn base_for(&self, user: &str) -> Result<SdkConfig, BoxError> {
        if let Some(sts) = &self.sts {
            return Ok(sts.sdk_config_for(user).await?);
        }
        #[cfg(feature = "remote")]
        if let Some(moto) = &self.moto {
            return moto.sdk_config_for(user).await;
        }
        Ok(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
    }

    /// The role to assume for a declared one: the declaration itself, or on AWS the
    /// same declaration for the role named by `XROLE_ROLE_ARN`.
    pub fn role_spec(&self, declared: &RoleSpec) -> Result<RoleSpec, BoxError> {
        if self.target == Target::Aws {
            let arn = std::env::var(ROLE_ARN_VAR).map_err(|_| {
                format!(
                    "on AWS, set {ROLE_ARN_VAR} to your role's ARN (this example's {} is fictitious)",
                    declared.role()
                )
            })?;
            let arn = arn
                .parse::<RoleArn>()
                .map_err(|e| format!("{ROLE_ARN_VAR}: {e}"))?;
            // The declaration's parameters, not its validation: it was checked as written.
            return Ok(declared.to_builder().role(arn).spec().clone());
        }
        Ok(declared.clone())
    }

    /// An S3 client on `role`'s credentials; path-style addressing on moto, whose
    /// buckets have no DNS names.
    #[cfg(feature = "remote")]
    pub fn s3(&self, role: &AssumedRole) -> aws_sdk_s3::Client {
        self.s3_from(role.sdk_config())
    }

    /// An S3 client on `config`'s credentials (see [`s3`](Self::s3)).
    #[cfg(feature = "remote")]
    pub fn s3_from(&self, config: &SdkConfig) -> aws_sdk_s3::Client {
        match self.target {
            Target::Moto(_) => moto::s3(config),
            _ => aws_sdk_s3::Client::new(config),
        }
    }
}

/// Prints a heading.
pub fn section(title: &str) {
    println!("\n== {title}");
}

/// Prints a policy document under a label, as IAM shows it.
pub fn print_policy(label: &str, doc: &PolicyDocument) {
    println!("-- {label}");
    println!("{}", doc.to_canonical_json());
}

/// Fails the run with `what` unless `holds`: what an example shows, it checks, so
/// a run against moto or the embedded STS proves it.
pub fn check(holds: bool, what: impl fmt::Display) -> Result<(), BoxError> {
    if holds {
        Ok(())
    } else {
        Err(format!("check failed: {what}").into())
    }
}

/// An error as a person reads it: its chain of sources on one line, and an
/// AccessDenied's explanation below it (what the `xrole` command prints).
pub fn described(e: &xrole::Error) -> String {
    match e {
        xrole::Error::AccessDenied(denied) => format!("{denied}\n{}", denied.explanation()),
        other => other.report().to_string(),
    }
}

/// An AssumeRole refusal, printed; an error when `what` was admitted or failed for
/// another reason. An `AccessDenied` counts, and so does a bare HTTP
/// 403: moto wraps the errors of its IAM access control in `<Errors>`, which the
/// SDK cannot parse into a code.
pub fn refusal(
    result: Result<AssumedRole, xrole::Error>,
    what: &str,
) -> Result<xrole::Error, BoxError> {
    match result {
        Ok(role) => Err(format!("{what}: {} admitted the session", role.role()).into()),
        Err(e) if e.sts_code() == Some("AccessDenied") || http_status(&e) == Some(403) => {
            println!("refused:\n{}", described(&e));
            Ok(e)
        }
        Err(e) => Err(format!("{what}: expected AccessDenied, got: {e}").into()),
    }
}

/// A refusal on the embedded STS explained twice: the runtime's `AccessDenied`
/// with its `cause()` (`cause: ...` on the last line), and the STS's evaluation
/// of the last `action` call (its audit log's detail); both printed. An error when the call was admitted or failed otherwise.
pub fn explained(
    sts: &EmbeddedSts,
    action: &str,
    result: Result<AssumedRole, xrole::Error>,
) -> Result<(String, String), BoxError> {
    let err = match result {
        Ok(role) => return Err(format!("{} admitted the session", role.role()).into()),
        Err(e) => e,
    };
    check(
        matches!(err, xrole::Error::AccessDenied(_)),
        format!("the refusal is an AccessDenied: {err}"),
    )?;
    let explained = described(&err);
    let audit = sts
        .last_audit(action)
        .and_then(|e| e.detail)
        .unwrap_or_default();
    let cause = err
        .denial_cause()
        .map_or_else(String::new, |c| format!("\n  cause: {c}"));
    println!("the runtime says:\n{explained}{cause}\n\nthe embedded STS's evaluation:\n{audit}");
    Ok((format!("{explained}{cause}"), audit))
}

/// On the embedded STS, whose answers say what its evaluator found, that the
/// refusal `e` has the cause `want`; other targets say no such thing.
pub fn expect_cause(
    target: &Target,
    e: &xrole::Error,
    want: &xrole::DenialCause,
) -> Result<(), BoxError> {
    if *target != Target::Embedded {
        return Ok(());
    }
    let found = e.denial_cause();
    check(
        found.as_ref() == Some(want),
        format!("the refusal's cause is {want:?}, found {found:?}"),
    )
}

/// The HTTP status STS answered an AssumeRole with, through the error's sources.
pub fn http_status(e: &xrole::Error) -> Option<u16> {
    use aws_sdk_sts::error::SdkError;
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(sdk) = s.downcast_ref::<SdkError<AssumeRoleError>>() {
            return sdk.raw_response().map(|r| r.status().as_u16());
        }
        source = s.source();
    }
    None
}

/// The code of an S3 error, or its message.
#[cfg(feature = "remote")]
pub fn s3_error_code<E>(err: &aws_sdk_s3::error::SdkError<E>) -> String
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_sdk_s3::error::ProvideErrorMetadata;
    match err.code() {
        Some(code) => code.to_owned(),
        None => aws_sdk_s3::error::DisplayErrorContext(err).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: Option<&str>) -> Result<Target, String> {
        Target::parse(args.iter().map(|s| s.to_string()), env.map(str::to_owned))
    }

    #[test]
    fn the_target_comes_from_the_flag_then_the_variable() {
        assert_eq!(parse(&[], None), Ok(Target::Embedded));
        assert_eq!(parse(&["--aws"], None), Ok(Target::Aws));
        assert_eq!(parse(&[], Some("aws")), Ok(Target::Aws));
        assert_eq!(parse(&["--embedded"], Some("aws")), Ok(Target::Embedded));
        assert_eq!(
            parse(&["--moto", "http://127.0.0.1:5000/"], None),
            Ok(Target::Moto("http://127.0.0.1:5000".into()))
        );
        assert_eq!(
            parse(&[], Some("moto=http://127.0.0.1:5000")),
            Ok(Target::Moto("http://127.0.0.1:5000".into()))
        );
    }

    #[test]
    fn bad_targets_are_explained() {
        assert!(
            parse(&["--moto"], None)
                .unwrap_err()
                .starts_with("--moto needs the server's URL")
        );
        assert!(
            parse(&["--moto", "127.0.0.1:5000"], None)
                .unwrap_err()
                .starts_with("moto URL \"127.0.0.1:5000\" must start with http://")
        );
        assert!(
            parse(&["--cloud"], None)
                .unwrap_err()
                .starts_with("unknown argument \"--cloud\"")
        );
        assert!(
            parse(&["--aws", "x"], None)
                .unwrap_err()
                .starts_with("unexpected argument \"x\"")
        );
        assert!(
            parse(&[], Some("gcp"))
                .unwrap_err()
                .starts_with("XROLE_EXAMPLES_TARGET=\"gcp\" is not a target")
        );
    }
}
