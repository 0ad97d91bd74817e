//! A recording of the checks a program's calls made: each distinct check (who,
//! as which role, the action, the resource, the request's condition values and
//! the decision) with how many calls made it. What least privilege is derived
//! from (issue 28): the policy a role needs is the one that allows every
//! recorded call.
//!
//! Bounded: a recording keeps at most its limit of distinct checks and counts
//! the calls beyond it, so a long-running program's recording does not grow
//! with its calls. The condition values that change with every call (the
//! request's time) are not part of a check: the same call at another second is
//! the same check. As JSON lines, one check a line, it is the gateway's file
//! format and what `xrole policy from-recording` reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use xrole_core::policy::keys;

use crate::eval::Decision;

/// The condition keys whose values change with every call: left out of a check
/// (a presigned URL's age too, else each call would be a check of its own and
/// its age a condition of the least privilege).
const PER_CALL: &[&str] = &[
    keys::CURRENT_TIME,
    keys::EPOCH_TIME,
    crate::services::S3_SIGNATURE_AGE,
];

/// The most distinct checks a recording keeps unless told otherwise.
pub const DEFAULT_LIMIT: usize = 100_000;

/// One distinct check and how many calls made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordedCheck {
    /// Who made the calls (a session's ARN, a user's).
    pub principal: String,
    /// The role of an assumed-role session: whose policy the calls need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `service:Action`.
    pub action: String,
    /// The resource's ARN, `*` when the action takes none.
    pub resource: String,
    /// The request's condition values (the time left out).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<String, Vec<String>>,
    /// The decision the calls met.
    pub decision: Decision,
    /// Whether the action was derived from the operation's name alone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
    /// How many calls made the check.
    pub count: u64,
}

/// What makes two calls the same check.
type Key = (
    String,
    Option<String>,
    String,
    String,
    BTreeMap<String, Vec<String>>,
    Decision,
    bool,
);

/// The distinct checks of a program's calls, bounded.
#[derive(Clone, Debug)]
pub struct Recording {
    checks: BTreeMap<Key, u64>,
    limit: usize,
    /// Calls whose check was new once the limit was reached.
    dropped: u64,
}

impl Default for Recording {
    fn default() -> Self {
        Self::with_limit(DEFAULT_LIMIT)
    }
}

/// A line of a recording's JSON that is not a check.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {why}")]
#[non_exhaustive]
pub struct RecordingError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub why: String,
}

impl Recording {
    /// An empty recording that keeps at most `limit` distinct checks.
    pub fn with_limit(limit: usize) -> Self {
        Self {
            checks: BTreeMap::new(),
            limit,
            dropped: 0,
        }
    }

    /// Records one call's check (`count` calls of it): a check already held
    /// counts them; a new one is kept while the recording is under its limit,
    /// else the calls are counted as dropped.
    pub fn record(&mut self, check: RecordedCheck) {
        let RecordedCheck {
            principal,
            role,
            action,
            resource,
            mut context,
            decision,
            approximate,
            count,
        } = check;
        for key in PER_CALL {
            context.retain(|k, _| !k.eq_ignore_ascii_case(key));
        }
        let key = (
            principal,
            role,
            action,
            resource,
            context,
            decision,
            approximate,
        );
        if let Some(n) = self.checks.get_mut(&key) {
            *n = n.saturating_add(count);
        } else if self.checks.len() < self.limit {
            self.checks.insert(key, count);
        } else {
            self.dropped = self.dropped.saturating_add(count);
        }
    }

    /// Every distinct check, in a stable order (principal, action, resource).
    pub fn checks(&self) -> impl Iterator<Item = RecordedCheck> + '_ {
        self.checks.iter().map(|(k, count)| RecordedCheck {
            principal: k.0.clone(),
            role: k.1.clone(),
            action: k.2.clone(),
            resource: k.3.clone(),
            context: k.4.clone(),
            decision: k.5,
            approximate: k.6,
            count: *count,
        })
    }

    /// How many distinct checks it holds.
    pub fn len(&self) -> usize {
        self.checks.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// The calls it could not keep: their check was new once the limit was
    /// reached.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The recording as JSON lines, one check a line.
    pub fn to_json_lines(&self) -> String {
        let mut out = String::new();
        for check in self.checks() {
            if let Ok(line) = serde_json::to_string(&check) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }

    /// Reads JSON lines of checks (blank lines skipped), adding each to a
    /// recording of `limit` checks; every bad line is reported, with its number.
    pub fn from_json_lines(text: &str, limit: usize) -> Result<Self, Vec<RecordingError>> {
        let mut recording = Self::with_limit(limit);
        let mut problems = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<RecordedCheck>(line) {
                Ok(check) => recording.record(check),
                Err(e) => problems.push(RecordingError {
                    line: i + 1,
                    why: e.to_string(),
                }),
            }
        }
        if problems.is_empty() {
            Ok(recording)
        } else {
            Err(problems)
        }
    }
}
