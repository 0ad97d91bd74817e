//! `xrole policy from-recording`: a role's least privilege from a recording
//! (`xrole_iam::recording`, JSON lines), proved by replay, and a declared
//! policy compared with the calls.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;
use xrole::RoleArn;
use xrole_iam::least::{Options, declared_vs_used, minimal_policy, replay};
use xrole_iam::recording::{DEFAULT_LIMIT, Recording};

use crate::input::{MAX_INPUT_BYTES, MAX_POLICY_FILE_BYTES, read_bounded};
use crate::{CliError, InputProblem};

#[derive(Args, Debug)]
pub(crate) struct FromRecordingFlags {
    /// The recording: one check a line (a gateway's --record file, or
    /// `Recording::to_json_lines`).
    file: PathBuf,
    /// The role whose sessions' calls the policy is for.
    #[arg(long)]
    role: RoleArn,
    #[command(flatten)]
    least: LeastFlags,
}

/// How a role's least privilege is made and printed, and what makes drift an
/// error: `policy from-recording`'s and `record`'s.
#[derive(Args, Debug)]
pub(crate) struct LeastFlags {
    /// Fold a folder's S3 objects into `folder/*` past this many of them.
    #[arg(long, value_name = "N")]
    fold_past: Option<usize>,
    /// Make the condition values every call of a statement had its conditions.
    #[arg(long)]
    conditions: bool,
    /// A declared identity policy (JSON) to compare with the calls.
    #[arg(long, value_name = "FILE")]
    declared: Option<PathBuf>,
    /// Exit 1 when the declared policy allows what no call used or refuses a
    /// call.
    #[arg(long, requires = "declared")]
    fail_on_drift: bool,
    /// How to print.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

impl LeastFlags {
    /// Whether drift makes the exit code 1.
    pub(crate) fn fail_on_drift(&self) -> bool {
        self.fail_on_drift
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

pub(crate) fn run(flags: &FromRecordingFlags) -> Result<ExitCode, CliError> {
    let name = flags.file.display().to_string();
    let text = read_bounded(&flags.file, MAX_INPUT_BYTES)?;
    let recording =
        Recording::from_json_lines(&text, DEFAULT_LIMIT).map_err(|problems| CliError::Input {
            name: name.clone(),
            problem: InputProblem::Recording(problems),
        })?;
    let (out, drift) = report(&recording, &flags.role, &flags.least)?;
    crate::output::print(&out)?;
    Ok(if drift && flags.least.fail_on_drift {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The least privilege of `role` from `recording`, with its replay and, when a
/// declared policy is given, the drift from it: the text to print, and whether
/// there is drift.
pub(crate) fn report(
    recording: &Recording,
    role: &RoleArn,
    flags: &LeastFlags,
) -> Result<(String, bool), CliError> {
    let mut options = Options::new().conditions(flags.conditions);
    if let Some(n) = flags.fold_past {
        options = options.fold_past(n);
    }
    let minimal = minimal_policy(recording, role, &options)?;
    let replayed = replay(recording, role, &minimal.document);
    let declared = match &flags.declared {
        Some(path) => {
            let text = read_bounded(path, MAX_POLICY_FILE_BYTES)?;
            let doc =
                xrole_core::PolicyDocument::from_json(&text).map_err(|e| CliError::Input {
                    name: path.display().to_string(),
                    problem: InputProblem::Policy(e),
                })?;
            Some(declared_vs_used(recording, role, &doc))
        }
        None => None,
    };
    let drift = declared.as_ref().is_some_and(|u| !u.is_exact());
    let out = match flags.format {
        Format::Text => {
            let mut out = minimal.render();
            out.push_str(&format!(
                "\n# replayed: {} of {} checks allowed, {} statements removable\n",
                replayed.allowed,
                minimal.checks,
                replayed.removable.len()
            ));
            if let Some(usage) = &declared {
                if usage.is_exact() {
                    out.push_str("# declared: exactly what the calls used\n");
                } else {
                    out.push_str(&format!("# declared:\n{usage}"));
                }
            }
            out
        }
        Format::Json => {
            let mut answer = json!({
                "role": role.as_str(),
                "policy": serde_json::to_value(&minimal.document).unwrap_or_default(),
                "notes": minimal.notes,
                "calls": minimal.calls,
                "checks": minimal.checks,
                "replay": {
                    "allowed": replayed.allowed,
                    "refused": replayed.refused.len(),
                    "removable": replayed.removable,
                },
            });
            if let Some(usage) = &declared {
                answer["declared"] = json!({
                    "unused": usage.unused.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    "refused": usage.refused.iter().map(|c| json!({"action": c.action, "resource": c.resource})).collect::<Vec<_>>(),
                    "missing": usage.missing.as_ref().and_then(|d| serde_json::to_value(d).ok()),
                });
            }
            format!("{answer:#}\n")
        }
    };
    Ok((out, drift))
}
