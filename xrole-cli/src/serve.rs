//! `xrole sts serve`: the embedded STS as a standalone server on 127.0.0.1, for
//! the AWS CLI, boto3 or any SDK, until SIGINT or SIGTERM; with `--backend`,
//! also the gateway to every other service, each call decided and then sent on
//! (or refused as the service refuses), and with `--record` the checks of
//! those calls written as JSON lines for `xrole policy from-recording`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use xrole_sts::{Backend, EmbeddedSts, World};

use crate::CliError;

/// Where and what the server serves.
#[derive(Args, Debug)]
pub(crate) struct ServeFlags {
    /// The JSON world file: accounts, users, roles, policies.
    #[arg(long)]
    world: PathBuf,
    /// The port (0: one the system picks, printed on the first line).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The region the server answers for.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Every credential issued lives this many seconds, whatever was asked: also
    /// below STS's 900 s minimum, so that refreshes can be watched from outside.
    #[arg(
        long,
        value_parser = clap::value_parser!(u64)
            .range(1..=*xrole_core::SessionDuration::SESSION_TOKEN_SECS.end())
    )]
    credential_lifetime: Option<u64>,
    /// Where the calls to other services that the gateway allows are sent
    /// (moto, LocalStack, a service's endpoint), signed with this process's
    /// default credential chain. Without it, allowed calls are answered with
    /// the service's NotImplemented (the decision is still made and recorded).
    #[arg(long, value_name = "URL")]
    backend: Option<String>,
    /// Write the checks of every decided call to FILE (JSON lines) when the
    /// server stops.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// IAM Identity Center: every sign-in (a device code, the browser's
    /// authorization page) is approved as this user of the world's
    /// `identityCenter`, as if the user were at the browser.
    #[arg(long, value_name = "USER")]
    sign_in_as: Option<String>,
}

/// Watches Ctrl-C (SIGINT) and SIGTERM, the two ways a server is asked to stop,
/// from now on (before the server says where it listens, so that a signal sent
/// as soon as it says so is not the default's abrupt exit): the first one's
/// name, when it comes.
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = &'static str>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        }
    })
}

/// The world of a JSON world file.
pub(crate) fn load_world(path: &Path) -> Result<World, CliError> {
    let text = crate::input::read_bounded(path, crate::input::MAX_INPUT_BYTES)?;
    World::from_json(&text).map_err(|e| CliError::Input {
        name: path.display().to_string(),
        problem: crate::InputProblem::World(e),
    })
}

/// The gateway's backend at `url`, its calls signed with this process's
/// default credential chain.
pub(crate) async fn backend(url: &str) -> Result<Backend, CliError> {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    let credentials = config
        .credentials_provider()
        .ok_or(CliError::NoSourceCredentials(None))?;
    Ok(Backend::new(url, credentials)?)
}

/// Serves until a stop signal; prints how many calls were served.
pub(crate) async fn run(flags: &ServeFlags) -> Result<ExitCode, CliError> {
    let mut builder = EmbeddedSts::builder(load_world(&flags.world)?)
        .port(flags.port)
        .region(&flags.region);
    if let Some(url) = &flags.backend {
        builder = builder.backend(backend(url).await?);
    }
    let sts = builder.start().await.map_err(CliError::Serve)?;
    if flags.record.is_some() {
        sts.start_recording(xrole_iam::recording::DEFAULT_LIMIT);
    }
    sts.set_credential_lifetime(flags.credential_lifetime.map(Duration::from_secs));
    if let Some(user) = &flags.sign_in_as {
        sts.approve_every_sign_in(Some(user))
            .map_err(CliError::Serve)?;
    }
    let stopped = stop_signal().map_err(CliError::io("cannot watch for SIGINT and SIGTERM"))?;
    // Whoever started the server may stop reading its output: a closed stdout must
    // not stop the server, so write errors are ignored.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "xrole sts listening on {}", sts.url());
    let _ = writeln!(
        out,
        "  export AWS_ENDPOINT_URL_STS={} AWS_REGION={} AWS_DEFAULT_REGION={}",
        sts.url(),
        flags.region,
        flags.region
    );
    if let Some(url) = &flags.backend {
        let _ = writeln!(
            out,
            "  gateway to {url}: export AWS_ENDPOINT_URL={}",
            sts.url()
        );
    }
    if sts.update_world(|w| w.identity_center().is_some()) {
        let _ = writeln!(
            out,
            "  IAM Identity Center: export AWS_ENDPOINT_URL_SSO={url} AWS_ENDPOINT_URL_SSO_OIDC={url}",
            url = sts.url()
        );
    }
    let users = sts.update_world(|w| w.users().map(|u| u.arn().to_string()).collect::<Vec<_>>());
    for user in users {
        if let Ok(c) = sts.credentials_for(&user) {
            let _ = writeln!(out, "  {user}: access key {}", c.access_key_id());
        }
    }
    let _ = out.flush();
    drop(out);
    let signal = stopped.await;
    eprintln!("xrole sts: stopped by {signal} ({} calls)", sts.calls());
    if let (Some(path), Some(recording)) = (&flags.record, sts.recording()) {
        std::fs::write(path, recording.to_json_lines()).map_err(CliError::io(format!(
            "cannot write the recording to {}",
            path.display()
        )))?;
        eprintln!(
            "xrole sts: {} distinct checks recorded in {}",
            recording.len(),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
