//! `xrole policy lint --format sarif`: the findings as a SARIF 2.1.0 log, the
//! format code-scanning pages read. Every lint is a rule of the run (its code,
//! title and severity); each finding is a result at its file, line and column, with
//! its JSON path as the logical location.

use std::path::{Component, Path};

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_sarif::sarif::{
    ArtifactLocation, Location, LogicalLocation, Message, MultiformatMessageString,
    PhysicalLocation, Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    ResultLevel, Run, SCHEMA_URL, Sarif, Tool, ToolComponent, Version,
};
use xrole_iam::lint::{ALL, Severity};

use super::{Located, severity_name};
use crate::CliError;

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
    }
}

/// The characters a URI path segment cannot hold as they are.
const NOT_IN_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A file's path as a SARIF URI: a relative path stays relative (to the directory
/// the command ran in, as code-scanning uploads expect it), an absolute one is a
/// `file://` URI; segments are percent-encoded and joined by `/`.
fn uri(file: &Path) -> String {
    let mut segments: Vec<String> = file
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => {
                Some(utf8_percent_encode(&s.to_string_lossy(), NOT_IN_SEGMENT).to_string())
            }
            Component::ParentDir => Some("..".to_owned()),
            _ => None,
        })
        .collect();
    if file.is_absolute() {
        return format!("file:///{}", segments.join("/"));
    }
    // A relative reference's first segment must hold no ':' (RFC 3986, 4.2), or
    // `a:b.json` would read as a URI of scheme `a`.
    if let Some(first) = segments.first_mut() {
        *first = first.replace(':', "%3A");
    }
    segments.join("/")
}

/// The log of `findings`, as JSON text.
pub(super) fn log(findings: &[Located]) -> Result<String, CliError> {
    let rules: Vec<ReportingDescriptor> = ALL
        .iter()
        .map(|lint| {
            ReportingDescriptor::builder()
                .id(lint.code)
                .short_description(MultiformatMessageString::builder().text(lint.title).build())
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::Value::from(severity_name(lint.severity)))
                        .build(),
                )
                .build()
        })
        .collect();
    let results: Vec<SarifResult> = findings
        .iter()
        .map(|f| {
            let lint = f.finding.lint;
            let rule_index = ALL.iter().position(|l| l.code == lint.code).unwrap_or(0);
            let physical = PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(uri(&f.file)).build())
                .region(
                    Region::builder()
                        .start_line(f.line as i64)
                        .start_column(f.column as i64)
                        .build(),
                )
                .build();
            let location = Location {
                physical_location: Some(physical),
                logical_locations: (!f.finding.path.is_empty()).then(|| {
                    vec![
                        LogicalLocation::builder()
                            .fully_qualified_name(f.finding.path.clone())
                            .kind("member")
                            .build(),
                    ]
                }),
                ..Location::default()
            };
            SarifResult::builder()
                .rule_id(lint.code)
                .rule_index(rule_index as i64)
                .level(level(lint.severity))
                .message(message(f))
                .locations(vec![location])
                .build()
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("xrole")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    let sarif = Sarif::builder()
        .schema(SCHEMA_URL)
        .version(serde_json::to_value(Version::V2_1_0).map_err(encode)?)
        .runs(vec![run])
        .build();
    Ok(format!(
        "{}\n",
        serde_json::to_string_pretty(&sarif).map_err(encode)?
    ))
}

fn message(f: &Located) -> Message {
    Message::builder()
        .text(format!(
            "{}: {}",
            f.finding.document.as_str(),
            f.finding.message
        ))
        .build()
}

fn encode(e: serde_json::Error) -> CliError {
    CliError::Io {
        context: "cannot encode the SARIF log".into(),
        source: std::io::Error::other(e),
    }
}

#[cfg(test)]
mod tests {
    use super::uri;
    use std::path::Path;

    #[test]
    fn paths_become_uris() {
        assert_eq!(
            uri(Path::new("./policies/trust.json")),
            "policies/trust.json"
        );
        assert_eq!(uri(Path::new("../a b/t#1.json")), "../a%20b/t%231.json");
        assert_eq!(uri(Path::new("/tmp/t.json")), "file:///tmp/t.json");
        // A ':' in a relative path's first segment would make it a scheme.
        assert_eq!(uri(Path::new("a:b.json")), "a%3Ab.json");
        assert_eq!(uri(Path::new("x:y/c:d.json")), "x%3Ay/c:d.json");
    }
}
