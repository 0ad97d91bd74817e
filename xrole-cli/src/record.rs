//! `xrole record`: a program run with the gateway in front of its calls, and
//! the least privilege of each role it acted as printed when it exits (with
//! `--declared`, the drift from a declared policy). Two ways:
//!
//! - on a world file (`--world`, `--as USER`): the embedded STS serves the
//!   world, the gateway decides each call on it and sends the allowed ones to
//!   `--backend`;
//! - on AWS itself (no world): the role (`--role-arn`) is assumed with the
//!   caller's own credentials; the program gets a local session of it, each
//!   of its calls is verified, classified and recorded, then sent to the
//!   service's endpoint in AWS (or `--backend`) signed with the real session,
//!   and AWS decides.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use clap::Args;
use xrole::{AssumeRole, AssumedRole, RoleArn, SessionName, Source};
use xrole_iam::recording::DEFAULT_LIMIT;
use xrole_sts::EmbeddedSts;

use crate::CliError;
use crate::exec::{Endpoint, child_command, exit_code, run_child};
use crate::policy::{LeastFlags, report};
use crate::serve::{backend, load_world};
use serde_json::json;
use xrole_core::{PolicyDocument, PrincipalArn};
use xrole_sts::{Backend, Role, User, World};

/// The name of the role sessions the program runs on.
const SESSION_NAME: SessionName = SessionName::from_static("xrole-record");

#[derive(Args, Debug)]
pub(crate) struct RecordFlags {
    /// The JSON world file the calls are decided on. Without it, the calls go
    /// to AWS (or --backend) as --role-arn's real session, and AWS decides.
    #[arg(long, requires = "user")]
    world: Option<PathBuf>,
    /// The world user whose access key the program signs with (with --world).
    #[arg(long = "as", value_name = "USER_ARN", requires = "world")]
    user: Option<String>,
    /// The role the program acts as: its session served to the program by a
    /// credential endpoint (as under `xrole exec`), refreshed ahead of expiry.
    /// With --world, a world role assumed as the user; without, a role of AWS
    /// assumed with this process's own credentials.
    #[arg(long, value_name = "ARN", required_unless_present = "world")]
    role_arn: Option<RoleArn>,
    /// Where the calls are sent (moto, LocalStack, ...). With --world, signed
    /// with this process's default credential chain, and without it an allowed
    /// call is answered with the service's NotImplemented; without --world,
    /// signed with the role's real session, and by default each service's
    /// endpoint in AWS.
    #[arg(long, value_name = "URL")]
    backend: Option<String>,
    /// The region the program is given.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    #[command(flatten)]
    least: LeastFlags,
    /// The command and its arguments.
    #[arg(last = true, required = true, num_args = 1..)]
    command: Vec<String>,
}

/// The role's session, assumed with `user`'s key on the server by xrole's
/// runtime: it refreshes itself, and the program reads it from a credential
/// endpoint as under `xrole exec`.
async fn session(
    sts: &EmbeddedSts,
    user: Credentials,
    role: &RoleArn,
    region: &str,
) -> Result<AssumedRole, CliError> {
    let base = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .credentials_provider(SharedCredentialsProvider::new(user))
        .region(aws_config::Region::new(region.to_owned()))
        .build();
    let session = AssumeRole::new(role.clone())
        .session_name(SESSION_NAME)
        .sts_endpoint(sts.url())
        .eager(true)
        .assume(Source::Config(&base))
        .await?;
    Ok(session)
}

/// The local user whose key assumes the stand-in of a role of AWS.
const STAND_IN_USER: &str = "xrole-record";

/// A world that stands in for a role of AWS: the role (its ARN, so the calls
/// are classified and recorded as its own) allowing everything, for AWS decides;
/// a local user of its account that may assume it. The user's ARN.
fn stand_in(role: &RoleArn) -> Result<(World, String), CliError> {
    let invalid = |e: &dyn std::fmt::Display| CliError::RecordedRole {
        role: role.to_string(),
        why: format!("cannot stand in for it: {e}"),
    };
    let user = PrincipalArn::user(role.partition(), role.account(), STAND_IN_USER)
        .map_err(|e| invalid(&e))?;
    let doc =
        |v: serde_json::Value| PolicyDocument::from_json(&v.to_string()).map_err(|e| invalid(&e));
    let trust = doc(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": user.as_str()}, "Action": "sts:AssumeRole"}]}),
    )?;
    let everything = doc(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "*", "Resource": "*"}]}),
    )?;
    let assume = doc(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "sts:AssumeRole", "Resource": role.as_str()}]}),
    )?;
    let mut world = World::new();
    world
        .add_user(
            User::new(user.clone())
                .map_err(|e| invalid(&e))?
                .policy("assume", assume),
        )
        .map_err(|e| invalid(&e))?
        .add_role(Role::new(role.clone(), trust).policy("aws-decides", everything))
        .map_err(|e| invalid(&e))?;
    Ok((world, user.to_string()))
}

/// The role's real session, assumed with this process's own credentials, as
/// the backend's: AWS's endpoints, or `--backend`.
async fn aws_backend(role: &RoleArn, flags: &RecordFlags) -> Result<Backend, CliError> {
    let real = AssumeRole::new(role.clone())
        .session_name(SESSION_NAME)
        .eager(true)
        .assume(Source::Default)
        .await?;
    let credentials = real
        .sdk_config()
        .credentials_provider()
        .ok_or(CliError::NoSourceCredentials(None))?;
    Ok(match &flags.backend {
        Some(url) => Backend::new(url, credentials)?,
        None => Backend::aws(credentials)?,
    })
}

/// Runs the program; prints each role's least privilege when it exits. The
/// exit code is the program's when it failed, else 1 on drift when
/// `--fail-on-drift` asks.
pub(crate) async fn run(flags: &RecordFlags) -> Result<ExitCode, CliError> {
    let (world, user, backend) = match (&flags.world, &flags.user, &flags.role_arn) {
        (Some(world), Some(user), _) => {
            let backend = match &flags.backend {
                Some(url) => Some(backend(url).await?),
                None => None,
            };
            (load_world(world)?, user.clone(), backend)
        }
        (None, _, Some(role)) => {
            let (world, user) = stand_in(role)?;
            (world, user, Some(aws_backend(role, flags).await?))
        }
        _ => {
            return Err(CliError::Usage(
                "give --world and --as, or --role-arn to record against AWS",
            ));
        }
    };
    let mut builder = EmbeddedSts::builder(world).region(&flags.region);
    if let Some(backend) = backend {
        builder = builder.backend(backend);
    }
    let sts = builder.start().await.map_err(CliError::Serve)?;
    sts.start_recording(DEFAULT_LIMIT);
    let user = sts.credentials_for(&user).map_err(CliError::Serve)?;
    let (mut child, program) = child_command(&flags.command)?;
    // Endpoints of single services would route around the gateway.
    for (name, _) in std::env::vars_os() {
        if name
            .to_str()
            .is_some_and(|n| n.starts_with("AWS_ENDPOINT_URL_"))
        {
            child.env_remove(name);
        }
    }
    child
        .env("AWS_ENDPOINT_URL", sts.url())
        .env("AWS_REGION", &flags.region)
        .env("AWS_DEFAULT_REGION", &flags.region);
    let endpoint = match &flags.role_arn {
        Some(role) => {
            let endpoint = Endpoint::start(session(&sts, user, role, &flags.region).await?).await?;
            endpoint.serve_to(&mut child);
            Some(endpoint)
        }
        None => {
            child
                .env("AWS_ACCESS_KEY_ID", user.access_key_id())
                .env("AWS_SECRET_ACCESS_KEY", user.secret_access_key());
            None
        }
    };
    let status = run_child(child, program).await?;
    drop(endpoint);
    let recording = sts.recording().unwrap_or_default();
    let roles: BTreeSet<String> = match &flags.role_arn {
        Some(role) => BTreeSet::from([role.to_string()]),
        None => recording.checks().filter_map(|c| c.role).collect(),
    };
    let mut drift = false;
    if roles.is_empty() {
        crate::output::print(&format!(
            "# no call made as a role was recorded ({} distinct checks by users)\n",
            recording.len()
        ))?;
    }
    for role in roles {
        if !recording
            .checks()
            .any(|c| c.role.as_deref() == Some(role.as_str()))
        {
            crate::output::print(&format!("# no call made as {role} was recorded\n"))?;
            continue;
        }
        let role: RoleArn =
            role.parse()
                .map_err(|e: xrole_core::Error| CliError::RecordedRole {
                    why: e.to_string(),
                    role,
                })?;
        let (out, drifted) = report(&recording, &role, &flags.least)?;
        drift |= drifted;
        crate::output::print(&out)?;
    }
    let code = exit_code(status);
    Ok(if !status.success() {
        code
    } else if drift && flags.least.fail_on_drift() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
