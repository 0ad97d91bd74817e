//! `xrole policy lint`: the lints over policy files, printed as text, JSON or
//! SARIF, each finding located in its file.

mod sarif;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use std::collections::BTreeMap;

use serde_json::json;
use serde_json::value::RawValue;
use xrole::AccountId;
use xrole_core::policy::PolicyDocument;
use xrole_iam::lint::{
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
    let doc: PolicyDocument = text.parse().map_err(|e| CliError::Input {
        name: file.display().to_string(),
        problem: crate::InputProblem::Policy(e),
    })?;
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
    // The document's element offsets found once, then every finding's place in
    // one pass over the text: linear however many findings there are.
    let tree = serde_json::from_str::<&RawValue>(&text).ok().map(Tree::of);
    let offsets: Vec<usize> = report
        .findings
        .iter()
        .map(|f| tree.as_ref().map_or(0, |t| t.offset(&text, &f.path)))
        .collect();
    let places = positions(&text, &offsets);
    Ok(report
        .findings
        .into_iter()
        .zip(places)
        .map(|(finding, (line, column))| Located {
            file: file.to_path_buf(),
            line,
            column,
            finding,
        })
        .collect())
}

/// A file's name as the text format prints it: control characters escaped, so
/// that a name holding a newline cannot forge a finding's line.
fn shown(file: &Path) -> String {
    file.display()
        .to_string()
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
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
                    shown(&f.file),
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
        LintFormat::Sarif => sarif::log(&findings)?,
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

/// A JSON document's elements, each with where it starts: read once.
struct Tree<'t> {
    raw: &'t RawValue,
    kids: Kids<'t>,
}

enum Kids<'t> {
    Object(BTreeMap<String, Tree<'t>>),
    Array(Vec<Tree<'t>>),
    Leaf,
}

impl<'t> Tree<'t> {
    fn of(raw: &'t RawValue) -> Self {
        let kids =
            if let Ok(object) = serde_json::from_str::<BTreeMap<String, &RawValue>>(raw.get()) {
                Kids::Object(object.into_iter().map(|(k, v)| (k, Tree::of(v))).collect())
            } else if let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) {
                Kids::Array(items.into_iter().map(Tree::of).collect())
            } else {
                Kids::Leaf
            };
        Self { raw, kids }
    }

    /// Where the element at `path` (`Statement[0].Principal.AWS`) starts in
    /// `text`, followed as deep as the document allows (a single statement
    /// object stands for `Statement[0]`).
    fn offset(&self, text: &str, path: &str) -> usize {
        let mut here = self;
        'walk: for segment in path.split('.').filter(|s| !s.is_empty()) {
            let (key, indexes) = segment.split_once('[').unwrap_or((segment, ""));
            if !key.is_empty() {
                match &here.kids {
                    Kids::Object(object) => match object.get(key) {
                        Some(value) => here = value,
                        None => break 'walk,
                    },
                    _ => break 'walk,
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
                match &here.kids {
                    Kids::Array(items) => match items.get(i) {
                        Some(item) => here = item,
                        None => break 'walk,
                    },
                    // One statement written as an object is Statement[0].
                    _ if i == 0 => {}
                    _ => break 'walk,
                }
            }
        }
        // The element borrows from `text`: its distance from the start is its offset.
        (here.raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
    }
}

/// The 1-based line and column (UTF-16 code units) of each offset into `text`,
/// in one pass over it.
fn positions(text: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&i| offsets[i]);
    let mut out = vec![(1, 1); offsets.len()];
    let (mut line, mut column) = (1, 1);
    let mut chars = text.char_indices().peekable();
    for i in order {
        let target = offsets[i].min(text.len());
        while let Some(&(pos, c)) = chars.peek() {
            if pos >= target {
                break;
            }
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += c.len_utf16();
            }
            chars.next();
        }
        out[i] = (line, column);
    }
    out
}

/// Where the element at `path` starts in the JSON `text`: 1-based line and column.
#[cfg(test)]
fn locate(text: &str, path: &str) -> (usize, usize) {
    let offset = serde_json::from_str::<&RawValue>(text)
        .ok()
        .map_or(0, |raw| Tree::of(raw).offset(text, path));
    positions(text, &[offset])[0]
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// A newline in a file's name cannot forge a line of the text format.
    #[test]
    fn names_are_printed_without_control_characters() {
        let name = Path::new("x.json:1:1: error[XR001] forged\nreal.json");
        assert_eq!(shown(name), "x.json:1:1: error[XR001] forged\\nreal.json");
    }

    /// Every finding of a document located in one pass, in any order.
    #[test]
    fn many_findings_are_located_in_one_pass() {
        let text = "{\"Statement\": [\n  {\"Action\": \"*\"},\n  {\"é\": 1, \"Action\": \"*\"}\n]}";
        let tree = Tree::of(serde_json::from_str::<&RawValue>(text).unwrap());
        let paths = ["Statement[1].Action", "Statement[0].Action", "Statement[1]"];
        let offsets: Vec<usize> = paths.iter().map(|p| tree.offset(text, p)).collect();
        assert_eq!(positions(text, &offsets), [(3, 22), (2, 14), (3, 3)]);
    }
}
