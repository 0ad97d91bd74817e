//! The files a command is given, read within bounds: the read itself is
//! bounded (a file's size is never trusted), so that `/dev/zero`, a FIFO or
//! standard input cannot make it grow; what it prints of an input's problems is
//! bounded too.

use std::io::Read;
use std::path::Path;

use crate::{CliError, InputProblem};

/// The largest export, plan, template or world file read: a big account's
/// export is tens of megabytes.
pub(crate) const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;
/// The largest policy file `policy lint` reads.
pub(crate) const MAX_POLICY_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// The largest `--policy file://` read (STS takes 2,048 characters, packed).
pub(crate) const MAX_SESSION_POLICY_FILE_BYTES: u64 = 64 * 1024;
/// The most problems of one command's inputs printed; the rest are counted.
pub(crate) const MAX_PROBLEMS_SHOWN: usize = 100;

/// The text of `path`, at most `limit` bytes of it read: a longer input is an
/// error that says the limit, never read to its end.
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<String, CliError> {
    let name = path.display();
    let file = std::fs::File::open(path).map_err(CliError::io(format!("cannot read {name}")))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(CliError::io(format!("cannot read {name}")))?;
    if bytes.len() as u64 > limit {
        return Err(CliError::Input {
            name: name.to_string(),
            problem: InputProblem::TooLarge { limit },
        });
    }
    String::from_utf8(bytes).map_err(|_| CliError::Input {
        name: name.to_string(),
        problem: InputProblem::NotUtf8,
    })
}

/// `problems`, at most [`MAX_PROBLEMS_SHOWN`] of them, and how many more there
/// are, one a line after `indent`.
pub(crate) fn listed(problems: &[impl std::fmt::Display], indent: &str) -> String {
    let shown = &problems[..problems.len().min(MAX_PROBLEMS_SHOWN)];
    let mut text = String::new();
    for (i, problem) in shown.iter().enumerate() {
        if i > 0 {
            text.push_str(&format!("\n{indent}"));
        }
        text.push_str(&problem.to_string());
    }
    if problems.len() > shown.len() {
        text.push_str(&format!(
            "\n{indent}... and {} more problems",
            problems.len() - shown.len()
        ));
    }
    text
}
