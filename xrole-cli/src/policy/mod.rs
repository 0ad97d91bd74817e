//! `xrole policy`: lint policy documents ([`lint`], with [`sarif`] output),
//! simulate decisions, generate a role's three documents, and a role's least
//! privilege from a recording ([`recording`]).

mod lint;
mod recording;

pub(crate) use recording::{LeastFlags, report};

use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use xrole::{Permission, PrincipalArn};

use crate::CliError;
use crate::role::RoleFlags;

#[derive(Subcommand, Debug)]
pub(crate) enum PolicyCommand {
    /// Lint policy documents (a document with a Principal is read as a trust
    /// policy, any other as a permission policy).
    Lint(lint::LintFlags),
    /// Evaluate decisions: one JSON request per line (FILE or standard input), one
    /// JSON answer per line (see xrole_iam::simulate for the format).
    Simulate {
        /// The request lines (default: standard input).
        file: Option<PathBuf>,
    },
    /// Print the trust, permission and caller policies of a role.
    Generate(Box<GenerateFlags>),
    /// The identity policy a role needs for the calls of a recording (JSON
    /// lines of checks), proved by replay; with --declared, what a declared
    /// policy allows that no call used and the calls it refuses.
    FromRecording(recording::FromRecordingFlags),
}

#[derive(Args, Debug)]
pub(crate) struct GenerateFlags {
    #[command(flatten)]
    role: RoleFlags,
    /// A principal the trust policy admits (ARN or account id).
    #[arg(long = "trust", required = true, num_args = 1..)]
    trusted: Vec<PrincipalArn>,
    /// What the code needs: ACTION[,ACTION...]=RESOURCE[,RESOURCE...].
    #[arg(long, num_args = 1.., value_parser = parse_allow)]
    allow: Vec<Permission>,
}

/// `s3:GetObject,s3:ListBucket=arn:aws:s3:::b/*,arn:aws:s3:::b`.
fn parse_allow(text: &str) -> Result<Permission, String> {
    let (actions, resources) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?}: write ACTIONS=RESOURCES, each list comma-separated"))?;
    Ok(Permission::new(actions.split(','), resources.split(',')))
}

pub(crate) async fn run(command: &PolicyCommand) -> Result<ExitCode, CliError> {
    match command {
        PolicyCommand::Lint(flags) => lint::run(flags),
        PolicyCommand::Simulate { file } => simulate(file.as_ref()),
        PolicyCommand::FromRecording(flags) => recording::run(flags),
        PolicyCommand::Generate(flags) => {
            let mut spec = flags.role.spec_builder()?;
            for p in &flags.trusted {
                spec = spec.trusted(p.clone());
            }
            for a in &flags.allow {
                spec = spec.allow(a.clone());
            }
            let spec = spec.build().map_err(xrole::Error::from)?;
            crate::output::print(&xrole_core::render_role_policies(&spec))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn simulate(file: Option<&PathBuf>) -> Result<ExitCode, CliError> {
    let stdout = std::io::stdout().lock();
    let summary = match file {
        None => xrole_iam::simulate::simulate(std::io::stdin().lock(), stdout),
        Some(path) => {
            let f = std::fs::File::open(path)
                .map_err(CliError::io(format!("cannot read {}", path.display())))?;
            xrole_iam::simulate::simulate(BufReader::new(f), stdout)
        }
    }
    .map_err(CliError::io("simulating"))?;
    eprintln!(
        "xrole policy simulate: {} evaluated, {} errors",
        summary.evaluated, summary.errors
    );
    Ok(if summary.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
