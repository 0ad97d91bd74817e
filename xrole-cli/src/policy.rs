//! `xrole policy`: lint policy documents, simulate decisions, generate a role's
//! three documents.

use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use xrole::{AccountId, Permission, PrincipalArn};
use xrole_core::policy::PolicyDocument;
use xrole_test::lint::{
    Document, LintConfig, LintReport, Severity, lint_permission_policy, lint_trust_policy,
};

use crate::CliError;
use crate::role::RoleFlags;

#[derive(Subcommand, Debug)]
pub(crate) enum PolicyCommand {
    /// Lint policy documents (a document with a Principal is read as a trust
    /// policy, any other as a permission policy).
    Lint(LintFlags),
    /// Evaluate decisions: one JSON request per line (FILE or standard input), one
    /// JSON answer per line (see xrole_test::simulate for the format).
    Simulate {
        /// The request lines (default: standard input).
        file: Option<PathBuf>,
    },
    /// Print the trust, permission and caller policies of a role.
    Generate(Box<GenerateFlags>),
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

#[derive(Args, Debug)]
pub(crate) struct LintFlags {
    /// The policy documents (JSON files).
    #[arg(required = true, num_args = 1..)]
    files: Vec<PathBuf>,
    /// The account the roles belong to, and any other account that is one's own:
    /// trust to others is third-party trust.
    #[arg(long = "own-account")]
    own_accounts: Vec<AccountId>,
    /// Findings at or above this severity make the exit code 1.
    #[arg(long, value_enum, default_value_t = Deny::Error)]
    deny: Deny,
    /// How to print the findings.
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    format: LintFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Deny {
    Warning,
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LintFormat {
    /// One line per finding: the file, then the finding as the lints print it.
    Text,
    /// One JSON array of findings.
    Json,
}

pub(crate) async fn run(command: &PolicyCommand) -> Result<ExitCode, CliError> {
    match command {
        PolicyCommand::Lint(flags) => lint(flags),
        PolicyCommand::Simulate { file } => simulate(file.as_ref()),
        PolicyCommand::Generate(flags) => {
            let mut spec = flags.role.spec_builder()?;
            for p in &flags.trusted {
                spec = spec.trusted(p.clone());
            }
            for a in &flags.allow {
                spec = spec.allow(a.clone());
            }
            let spec = spec.build().map_err(xrole::Error::from)?;
            crate::output::print(&xrole_test::snapshot::render_role_policies(&spec))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn lint(flags: &LintFlags) -> Result<ExitCode, CliError> {
    let mut config = LintConfig::new();
    for a in &flags.own_accounts {
        config = config.own_account(*a);
    }
    let mut findings = Vec::new();
    for file in &flags.files {
        let text = std::fs::read_to_string(file)
            .map_err(CliError::io(format!("cannot read {}", file.display())))?;
        let doc: PolicyDocument = text
            .parse()
            .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
        let mut report = LintReport::default();
        let trust = doc
            .statements()
            .iter()
            .any(|st| st.principal.is_some() || st.not_principal.is_some());
        if trust {
            lint_trust_policy(
                &doc,
                flags.own_accounts.first().copied(),
                &config,
                &mut report,
            );
        } else {
            lint_permission_policy(&doc, Document::Permission, &config, &mut report);
        }
        findings.extend(report.findings.into_iter().map(|f| (file.clone(), f)));
    }
    let out = match flags.format {
        LintFormat::Text => findings
            .iter()
            .map(|(file, f)| format!("{}: {f}\n", file.display()))
            .collect::<String>(),
        LintFormat::Json => {
            let items: Vec<_> = findings
                .iter()
                .map(|(file, f)| {
                    json!({
                        "file": file.display().to_string(),
                        "code": f.lint.code,
                        "severity": match f.lint.severity {
                            Severity::Error => "error",
                            Severity::Warning => "warning",
                        },
                        "title": f.lint.title,
                        "document": f.document.as_str(),
                        "path": f.path,
                        "message": f.message,
                    })
                })
                .collect();
            format!("{:#}\n", serde_json::Value::Array(items))
        }
    };
    crate::output::print(&out)?;
    let threshold = match flags.deny {
        Deny::Warning => Severity::Warning,
        Deny::Error => Severity::Error,
    };
    Ok(
        if findings.iter().any(|(_, f)| f.lint.severity >= threshold) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}

fn simulate(file: Option<&PathBuf>) -> Result<ExitCode, CliError> {
    let stdout = std::io::stdout().lock();
    let summary = match file {
        None => xrole_test::simulate::simulate(std::io::stdin().lock(), stdout),
        Some(path) => {
            let f = std::fs::File::open(path)
                .map_err(CliError::io(format!("cannot read {}", path.display())))?;
            xrole_test::simulate::simulate(BufReader::new(f), stdout)
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
