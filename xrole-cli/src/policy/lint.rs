//! `xrole policy lint`: the lints over policy files, printed as text, JSON or
//! SARIF, each finding located in its file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;
use xrole::AccountId;
use xrole_core::policy::PolicyDocument;
use xrole_test::lint::{
    Document, LintConfig, LintFinding, LintReport, Severity, lint_permission_policy, lint_rcp,
    lint_scp, lint_trust_policy,
};

use crate::CliError;

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
    /// What the documents are (auto: a document with a Principal is a trust
    /// policy, any other a permission policy).
    #[arg(long, value_enum, default_value_t = LintKind::Auto)]
    kind: LintKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LintKind {
    /// Trust policy if it names a Principal, else permission policy.
    Auto,
    /// A role's trust policy.
    Trust,
    /// A permission (identity) policy.
    Permission,
    /// An Organizations service control policy.
    Scp,
    /// An Organizations resource control policy.
    Rcp,
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
    /// SARIF 2.1.0, for code-scanning pages (GitHub's upload-sarif and others).
    Sarif,
}

/// A finding in its file: where the element it is about starts.
pub(super) struct Located {
    pub(super) file: PathBuf,
    /// 1-based line and column (UTF-16 code units, as SARIF counts by default).
    pub(super) line: usize,
    pub(super) column: usize,
    pub(super) finding: LintFinding,
}

/// The file's findings, located.
fn lint_file(
    file: &Path,
    kind: LintKind,
    config: &LintConfig,
    own: Option<AccountId>,
) -> Result<Vec<Located>, CliError> {
    let text = crate::input::read_bounded(file, crate::input::MAX_POLICY_FILE_BYTES)?;
    let doc: PolicyDocument = text
        .parse()
        .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
    let mut report = LintReport::default();
    let kind = match kind {
        LintKind::Auto
            if doc
                .statements()
                .iter()
                .any(|st| st.principal.is_some() || st.not_principal.is_some()) =>
        {
            LintKind::Trust
        }
        LintKind::Auto => LintKind::Permission,
        k => k,
    };
    match kind {
        LintKind::Trust => lint_trust_policy(&doc, own, config, &mut report),
        LintKind::Scp => lint_scp(&doc, config, &mut report),
        LintKind::Rcp => lint_rcp(&doc, config, &mut report),
        LintKind::Auto | LintKind::Permission => {
            lint_permission_policy(&doc, Document::Permission, config, &mut report)
        }
    }
    Ok(report
        .findings
        .into_iter()
        .map(|finding| {
            let (line, column) = locate(&text, &finding.path);
            Located {
                file: file.to_path_buf(),
                line,
                column,
                finding,
            }
        })
        .collect())
}

/// The severity as the formats write it.
pub(super) const fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

pub(super) fn run(flags: &LintFlags) -> Result<ExitCode, CliError> {
    let mut config = LintConfig::new();
    for a in &flags.own_accounts {
        config = config.own_account(*a);
    }
    let mut findings = Vec::new();
    for file in &flags.files {
        findings.extend(lint_file(
            file,
            flags.kind,
            &config,
            flags.own_accounts.first().copied(),
        )?);
    }
    let out = match flags.format {
        LintFormat::Text => findings
            .iter()
            .map(|f| {
                format!(
                    "{}:{}:{}: {}\n",
                    f.file.display(),
                    f.line,
                    f.column,
                    f.finding
                )
            })
            .collect::<String>(),
        LintFormat::Json => {
            let items: Vec<_> = findings
                .iter()
                .map(|f| {
                    json!({
                        "file": f.file.display().to_string(),
                        "line": f.line,
                        "column": f.column,
                        "code": f.finding.lint.code,
                        "severity": severity_name(f.finding.lint.severity),
                        "title": f.finding.lint.title,
                        "document": f.finding.document.as_str(),
                        "path": f.finding.path,
                        "message": f.finding.message,
                    })
                })
                .collect();
            format!("{:#}\n", serde_json::Value::Array(items))
        }
        LintFormat::Sarif => super::sarif::log(&findings)?,
    };
    crate::output::print(&out)?;
    let threshold = match flags.deny {
        Deny::Warning => Severity::Warning,
        Deny::Error => Severity::Error,
    };
    Ok(
        if findings
            .iter()
            .any(|f| f.finding.lint.severity >= threshold)
        {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}

/// Where the element at `path` (`Statement[0].Principal.AWS`) starts in the JSON
/// `text`, followed as deep as the document allows (a single statement object
/// stands for `Statement[0]`): 1-based line and column.
fn locate(text: &str, path: &str) -> (usize, usize) {
    use serde_json::value::RawValue;
    use std::collections::BTreeMap;

    let Ok(mut here) = serde_json::from_str::<&RawValue>(text) else {
        return (1, 1);
    };
    'walk: for segment in path.split('.').filter(|s| !s.is_empty()) {
        let (key, indexes) = segment.split_once('[').unwrap_or((segment, ""));
        if !key.is_empty() {
            match serde_json::from_str::<BTreeMap<String, &RawValue>>(here.get()) {
                Ok(object) => match object.get(key) {
                    Some(value) => here = value,
                    None => break 'walk,
                },
                Err(_) => break 'walk,
            }
        }
        for index in indexes
            .split('[')
            .filter(|i| !i.is_empty())
            .map(|i| i.trim_end_matches(']'))
        {
            let Ok(i) = index.parse::<usize>() else {
                break 'walk;
            };
            match serde_json::from_str::<Vec<&RawValue>>(here.get()) {
                Ok(items) => match items.get(i) {
                    Some(item) => here = item,
                    None => break 'walk,
                },
                // One statement written as an object is Statement[0].
                Err(_) if i == 0 => {}
                Err(_) => break 'walk,
            }
        }
    }
    // `here` borrows from `text`: its distance from the start is its offset.
    let offset = (here.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    let before = text.get(..offset).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].encode_utf16().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn findings_are_located_as_deep_as_the_path_goes() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\"},\n    {\n      \"Effect\": \"Allow\",\n      \"Principal\": {\"AWS\": \"*\"}\n    }\n  ]\n}\n";
        assert_eq!(locate(text, "Statement[1].Principal.AWS"), (7, 28));
        assert_eq!(locate(text, "Statement[1]"), (5, 5));
        // A key the statement lacks stops at the statement.
        assert_eq!(locate(text, "Statement[0].Condition.Bool"), (4, 5));
        assert_eq!(locate(text, ""), (1, 1));
        assert_eq!(locate("not json", "Statement[0]"), (1, 1));
        let single = "{\"Statement\": {\"Principal\": \"é*\", \"Action\": \"x\"}}";
        assert_eq!(locate(single, "Statement[0].Action"), (1, 45));
    }
}
