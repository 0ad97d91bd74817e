//! `xrole`: role assumption for every program. `xrole --help` lists the commands;
//! the workspace README shows them in the tutorials' flow.
//!
//! Exit codes: 0 success; 1 an error (explained on standard error, nothing on
//! standard output); 2 bad flags (clap's message); under `exec`, the child's.

mod access;
mod cache;
mod console;
mod error;
mod exec;
mod input;
mod login;
mod output;
mod policy;
mod process;
mod record;
mod role;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub(crate) use crate::error::{CliError, InputProblem};
use crate::output::Format;
use crate::role::RoleFlags;

/// Role assumption for every program: shells, credential_process, and children
/// that get fresh credentials before expiry.
#[derive(Parser, Debug)]
#[command(name = "xrole", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Assume a role and print the session for a shell or a program:
    /// eval "$(xrole assume --role-arn ...)".
    Assume {
        #[command(flatten)]
        role: RoleFlags,
        /// How to print the session.
        #[arg(long, value_enum, default_value_t = Format::Env)]
        format: Format,
    },
    /// Run a command on the role: its AWS SDK fetches fresh credentials from a
    /// local endpoint before they expire, for as long as it runs.
    Exec {
        #[command(flatten)]
        role: RoleFlags,
        /// Put static credentials in the environment instead of the endpoint
        /// (they expire with the session: for programs that read only variables).
        #[arg(long)]
        env: bool,
        /// The command and its arguments.
        #[arg(last = true, required = true, num_args = 1..)]
        command: Vec<String>,
    },
    /// credential_process for the AWS config file: `credential_process = xrole
    /// credential-process --role-arn ...`. Cached for every process of the user
    /// until the refresh window; invocations started together make one STS call.
    CredentialProcess {
        #[command(flatten)]
        role: RoleFlags,
    },
    /// Run a command with the gateway in front of its calls, on a world file:
    /// every call it makes decided and recorded, sent on to --backend; when it
    /// exits, the least privilege of each role it acted as (with --declared,
    /// the drift from a declared policy).
    Record(Box<record::RecordFlags>),
    /// Sign in to an IAM Identity Center session (device authorization) and
    /// cache the token where the AWS CLI and the SDKs read it; --logout
    /// removes it.
    Login(login::LoginFlags),
    /// The embedded STS.
    Sts {
        #[command(subcommand)]
        command: StsCommand,
    },
    /// Lint, simulate and generate policies.
    Policy {
        #[command(subcommand)]
        command: policy::PolicyCommand,
    },
    /// Print the console's switch-role link for the role; with --federated, a
    /// sign-in URL for an assumed session (usable for 15 minutes).
    Console(console::ConsoleFlags),
    /// Who can assume what, over accounts' exports (aws iam
    /// get-account-authorization-details): who-can, reach, diff, graph.
    Access {
        #[command(subcommand)]
        command: access::AccessCommand,
    },
}

#[derive(Subcommand, Debug)]
enum StsCommand {
    /// Serve STS (AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity,
    /// GetSessionToken, GetFederationToken, and the federation endpoint at
    /// /federation) on
    /// 127.0.0.1 for a world file's accounts, users and roles, until SIGINT or
    /// SIGTERM.
    Serve(serve::ServeFlags),
}

/// `N` random bytes from the operating system, for `purpose` (said if none can
/// be had).
pub(crate) fn random<const N: usize>(purpose: &str) -> Result<[u8; N], CliError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| CliError::Io {
        context: format!("no randomness for {purpose}"),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(bytes)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("xrole: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            error::print(&e);
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Assume { role, format } => {
            let session = role.assume().await?;
            let text = output::render(&session, format).await?;
            output::print(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Exec { role, env, command } => exec::run(&role, env, &command).await,
        Command::CredentialProcess { role } => {
            let credentials = process::credentials(&role).await?;
            output::print(&format!("{}\n", output::process_json(&credentials)))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sts {
            command: StsCommand::Serve(flags),
        } => serve::run(&flags).await,
        Command::Policy { command } => policy::run(&command).await,
        Command::Record(flags) => record::run(&flags).await,
        Command::Login(flags) => login::run(&flags).await,
        Command::Console(flags) => {
            output::print(&format!("{}\n", console::run(&flags).await?))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Access { command } => access::run(&command),
    }
}
