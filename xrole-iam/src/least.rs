//! Least privilege from what a program did: the identity policy a role needs
//! for every call a [`Recording`] holds of it, and nothing the calls did not
//! need, proved by replaying the recording under it.
//!
//! Every recorded call counts, allowed or refused: the program made each one.
//! Resources are grouped by the actions called on them, so each statement
//! allows exactly the recorded pairs of its actions and resources, no more; two
//! options widen or narrow that, each only when asked and each said in the
//! notes: objects folded to their folder past a number of them
//! (`bucket/reports/*`), and the condition values every call of a statement
//! had (its region, say) made conditions. [`replay`] proves the result: every
//! recorded call allowed, and no statement that could go without refusing one.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};
use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{Arn, PrincipalArn, RoleArn};

use crate::eval::{Caller, CompiledPolicy, ContextValue, PolicySet, Request, evaluate};
use crate::recording::{RecordedCheck, Recording};

/// How a minimal policy is generalized; by default, not at all.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Options {
    /// Folds the S3 objects of a folder into `folder/*` when more than this
    /// many of them were called with the same actions.
    pub fold_past: Option<usize>,
    /// Makes the condition values every call of a statement had (one value
    /// each) conditions of the statement.
    pub conditions: bool,
}

impl Options {
    /// No generalization.
    pub fn new() -> Self {
        Self::default()
    }

    /// Folds a folder's objects past `n` of them (see [`fold_past`](Self::fold_past)).
    pub fn fold_past(mut self, n: usize) -> Self {
        self.fold_past = Some(n);
        self
    }

    /// Offers the constant condition values as conditions.
    pub fn conditions(mut self, yes: bool) -> Self {
        self.conditions = yes;
        self
    }
}

/// The identity policy a role needs for its recorded calls.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MinimalPolicy {
    /// The role.
    pub role: RoleArn,
    /// The policy.
    pub document: PolicyDocument,
    /// What the options changed (folds, conditions) and what is approximate.
    pub notes: Vec<String>,
    /// The distinct checks it covers, and the calls that made them.
    pub checks: usize,
    /// The calls.
    pub calls: u64,
}

impl MinimalPolicy {
    /// The policy for review: its notes as `#` lines, then the document in
    /// canonical JSON (what `assert_least_privilege!` snapshots).
    pub fn render(&self) -> String {
        let mut out = format!(
            "# least privilege of {} for {} calls ({} distinct checks)\n",
            self.role, self.calls, self.checks
        );
        for note in &self.notes {
            out.push_str(&format!("# {note}\n"));
        }
        out.push_str(&self.document.to_canonical_json());
        out
    }
}

/// Why a recording gives no policy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LeastPrivilegeError {
    /// The recording holds no call of the role's sessions.
    #[error("the recording holds no call of {0}'s sessions")]
    NoCalls(String),
    /// The generated document is not a valid policy (a recorded action or
    /// resource that is not one).
    #[error("the generated policy is not valid: {0}")]
    Invalid(String),
}

/// The identity policy `role` needs for every call its sessions made in
/// `recording`, generalized as `options` say.
pub fn minimal_policy(
    recording: &Recording,
    role: &RoleArn,
    options: &Options,
) -> Result<MinimalPolicy, LeastPrivilegeError> {
    let checks: Vec<RecordedCheck> = recording
        .checks()
        .filter(|c| c.role.as_deref() == Some(role.as_str()))
        .collect();
    if checks.is_empty() {
        return Err(LeastPrivilegeError::NoCalls(role.to_string()));
    }
    let mut notes = Vec::new();
    let approximate: BTreeSet<&str> = checks
        .iter()
        .filter(|c| c.approximate)
        .map(|c| c.action.as_str())
        .collect();
    for action in approximate {
        notes.push(format!(
            "{action} was derived from an operation's name: check that IAM knows it"
        ));
    }
    // Each resource with the actions called on it (and the checks behind them).
    let mut by_resource: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in &checks {
        by_resource
            .entry(c.resource.clone())
            .or_default()
            .insert(c.action.clone());
    }
    if let Some(n) = options.fold_past {
        by_resource = fold(by_resource, n, &mut notes);
    }
    // Resources with the same actions share a statement: its actions times its
    // resources are exactly the recorded pairs.
    let mut by_actions: BTreeMap<BTreeSet<String>, Vec<String>> = BTreeMap::new();
    for (resource, actions) in by_resource {
        by_actions.entry(actions).or_default().push(resource);
    }
    let mut statements = Vec::new();
    for (actions, resources) in by_actions {
        let mut statement = json!({
            "Effect": "Allow",
            "Action": one_or_many(actions.iter().cloned().collect()),
            "Resource": one_or_many(resources.clone()),
        });
        if options.conditions {
            let covered: Vec<&RecordedCheck> = checks
                .iter()
                .filter(|c| actions.contains(&c.action) && covers(&resources, &c.resource))
                .collect();
            if let Some(condition) = constant_conditions(&covered, &mut notes, &resources) {
                statement["Condition"] = condition;
            }
        }
        statements.push(statement);
    }
    let document = PolicyDocument::from_value(&json!({
        "Version": "2012-10-17",
        "Statement": statements,
    }))
    .and_then(|d| d.validate(PolicyKind::Identity).map(|()| d))
    .map_err(|e| LeastPrivilegeError::Invalid(e.to_string()))?;
    Ok(MinimalPolicy {
        role: role.clone(),
        document,
        notes,
        checks: checks.len(),
        calls: checks.iter().map(|c| c.count).sum(),
    })
}

fn one_or_many(mut values: Vec<String>) -> Value {
    if values.len() == 1 {
        Value::String(values.remove(0))
    } else {
        Value::Array(values.into_iter().map(Value::String).collect())
    }
}

/// Whether one of `resources` (exact, or a folded `folder/*`) covers `arn`.
fn covers(resources: &[String], arn: &str) -> bool {
    resources.iter().any(|r| match r.strip_suffix('*') {
        Some(folder) => arn.starts_with(folder),
        None => r == arn,
    })
}

/// S3 objects of one folder called with the same actions, folded into
/// `folder/*` when more than `n` of them; each fold said in `notes`.
fn fold(
    by_resource: BTreeMap<String, BTreeSet<String>>,
    n: usize,
    notes: &mut Vec<String>,
) -> BTreeMap<String, BTreeSet<String>> {
    let folder_of = |arn: &str| -> Option<String> {
        let a = Arn::split(arn).filter(|a| a.service == "s3")?;
        let (_, key) = a.resource.split_once('/')?;
        let parent_len = key.rfind('/').map_or(0, |i| i + 1);
        let folder_end = arn.len() - key.len() + parent_len;
        Some(arn[..folder_end].to_owned())
    };
    let mut groups: BTreeMap<(String, BTreeSet<String>), Vec<String>> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for (resource, actions) in by_resource {
        match folder_of(&resource) {
            Some(folder) => groups.entry((folder, actions)).or_default().push(resource),
            None => {
                out.insert(resource, actions);
            }
        }
    }
    for ((folder, actions), objects) in groups {
        if objects.len() > n {
            let list: Vec<&str> = actions.iter().map(String::as_str).collect();
            notes.push(format!(
                "folded {} objects of {} under {folder} into {folder}* (more than {n})",
                objects.len(),
                list.join(", ")
            ));
            out.entry(format!("{folder}*"))
                .or_insert_with(BTreeSet::new)
                .extend(actions);
        } else {
            for object in objects {
                out.entry(object)
                    .or_insert_with(BTreeSet::new)
                    .extend(actions.clone());
            }
        }
    }
    out
}

/// The condition values every call of a statement had, one value each, as its
/// conditions (`Bool` for `true`/`false`, else `StringEquals`); said in `notes`.
fn constant_conditions(
    covered: &[&RecordedCheck],
    notes: &mut Vec<String>,
    resources: &[String],
) -> Option<Value> {
    let first = covered.first()?;
    let mut operators: Map<String, Value> = Map::new();
    for (key, values) in &first.context {
        let [value] = values.as_slice() else {
            continue;
        };
        let constant = covered.iter().all(|c| {
            c.context
                .get(key)
                .is_some_and(|v| v.as_slice() == [value.clone()])
        });
        if !constant {
            continue;
        }
        let operator = if value == "true" || value == "false" {
            "Bool"
        } else {
            "StringEquals"
        };
        if let Value::Object(keys) = operators
            .entry(operator.to_owned())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            keys.insert(key.clone(), Value::String(value.clone()));
        }
        notes.push(format!(
            "condition {operator} {key} = {value} on {} (every call had it)",
            resources.join(", ")
        ));
    }
    (!operators.is_empty()).then_some(Value::Object(operators))
}

/// A recording replayed under a policy: the calls it allows and refuses, and
/// the statements it could do without.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Replay {
    /// Distinct checks allowed.
    pub allowed: usize,
    /// The checks refused.
    pub refused: Vec<RecordedCheck>,
    /// The statements (by position) whose removal refuses no recorded call.
    pub removable: Vec<usize>,
}

/// Replays the calls of `role`'s sessions in `recording` under `policy` as
/// their one identity policy (the resources' own policies are theirs): each
/// recorded check decided again, and each statement tried away.
pub fn replay(recording: &Recording, role: &RoleArn, policy: &PolicyDocument) -> Replay {
    let checks: Vec<RecordedCheck> = recording
        .checks()
        .filter(|c| c.role.as_deref() == Some(role.as_str()))
        .collect();
    let decide = |doc: &PolicyDocument| -> Vec<bool> {
        let Ok(compiled) = CompiledPolicy::new("replayed", doc, PolicyKind::Identity) else {
            return vec![false; checks.len()];
        };
        let policies = PolicySet {
            identity: vec![compiled],
            ..PolicySet::default()
        };
        checks
            .iter()
            .map(|c| {
                let Ok(principal) = PrincipalArn::parse(&c.principal) else {
                    return false;
                };
                let mut request = Request::new(
                    Caller::new(principal).with_role(role.clone()),
                    &c.action,
                    &c.resource,
                );
                for (k, v) in &c.context {
                    request = request.with(k, ContextValue::of_values(v));
                }
                evaluate(&request, &policies).is_allowed()
            })
            .collect()
    };
    let outcome = decide(policy);
    let refused: Vec<RecordedCheck> = checks
        .iter()
        .zip(&outcome)
        .filter(|(_, allowed)| !**allowed)
        .map(|(c, _)| c.clone())
        .collect();
    let statements = policy.statements();
    let removable = (0..statements.len())
        .filter(|i| {
            let kept: Vec<_> = statements
                .iter()
                .enumerate()
                .filter(|(j, _)| j != i)
                .map(|(_, s)| s.clone())
                .collect();
            decide(&PolicyDocument::new(kept))
                .iter()
                .all(|allowed| *allowed)
        })
        .collect();
    Replay {
        allowed: checks.len() - refused.len(),
        refused,
        removable,
    }
}
