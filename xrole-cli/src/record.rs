//! `xrole record`: a program run with the gateway in front of its calls. An
//! embedded STS on a world file serves it, every other service through the
//! gateway (sent on to `--backend`); the program signs as a world user or as a
//! session of a world role, every call it makes is decided and recorded, and
//! when it exits the least privilege of each role it acted as is printed (and,
//! with `--declared`, the drift from a declared policy).

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
use crate::exec::{
    CONFLICTING, Endpoint, Signals, XROLE_PREFIX, exit_code, wait_forwarding_signals,
};
use crate::policy::{LeastFlags, report};
use crate::serve::{backend, load_world};

/// The name of the role sessions the program runs on.
const SESSION_NAME: SessionName = SessionName::from_static("xrole-record");

#[derive(Args, Debug)]
pub(crate) struct RecordFlags {
    /// The JSON world file: accounts, users, roles, policies, resources.
    #[arg(long)]
    world: PathBuf,
    /// The world user whose access key the program signs with.
    #[arg(long = "as", value_name = "USER_ARN")]
    user: String,
    /// A world role the program acts as: assumed as the user, its session
    /// served to the program by a credential endpoint (as under `xrole exec`),
    /// refreshed ahead of expiry.
    #[arg(long, value_name = "ARN")]
    role_arn: Option<RoleArn>,
    /// Where the calls the gateway allows are sent (moto, LocalStack, ...),
    /// signed with this process's default credential chain. Without it, an
    /// allowed call is answered with the service's NotImplemented.
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

/// Runs the program; prints each role's least privilege when it exits. The
/// exit code is the program's when it failed, else 1 on drift when
/// `--fail-on-drift` asks.
pub(crate) async fn run(flags: &RecordFlags) -> Result<ExitCode, CliError> {
    let (program, args) = flags
        .command
        .split_first()
        .ok_or(CliError::Usage("give the command to run after --"))?;
    let mut builder = EmbeddedSts::builder(load_world(&flags.world)?).region(&flags.region);
    if let Some(url) = &flags.backend {
        builder = builder.backend(backend(url).await?);
    }
    let sts = builder.start().await.map_err(CliError::Serve)?;
    sts.start_recording(DEFAULT_LIMIT);
    let user = sts.credentials_for(&flags.user).map_err(CliError::Serve)?;
    let mut child = tokio::process::Command::new(program);
    child.args(args);
    for name in CONFLICTING {
        child.env_remove(name);
    }
    // xrole's own variables, and endpoints of single services that would
    // route around the gateway.
    for (name, _) in std::env::vars_os() {
        if name
            .to_str()
            .is_some_and(|n| n.starts_with(XROLE_PREFIX) || n.starts_with("AWS_ENDPOINT_URL_"))
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
            child
                .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &endpoint.url)
                .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &endpoint.token);
            Some(endpoint)
        }
        None => {
            child
                .env("AWS_ACCESS_KEY_ID", user.access_key_id())
                .env("AWS_SECRET_ACCESS_KEY", user.secret_access_key());
            None
        }
    };
    let signals = Signals::watch()?;
    let mut child = child
        .spawn()
        .map_err(CliError::io(format!("cannot run {program}")))?;
    let status = wait_forwarding_signals(&mut child, signals).await?;
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
