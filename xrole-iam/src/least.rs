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
//!
//! [`declared_vs_used`] compares a declared policy with the calls: what it
//! allows that no call used (statements, actions, resources, with their
//! places), and the calls it refuses, with the statements that would admit
//! exactly them. The evaluator decides each, never the documents' shapes.

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
    let decide = |doc: &PolicyDocument| replay_decisions(recording, role, doc);
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

/// A declared policy's part no recorded call used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unused {
    /// The statement's place (`Statement[1]`).
    pub statement: String,
    /// The whole statement allows no recorded call.
    pub whole: bool,
    /// Its actions (as written) that allow no recorded call.
    pub actions: Vec<String>,
    /// Its resources (as written) that allow no recorded call.
    pub resources: Vec<String>,
}

impl std::fmt::Display for Unused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.whole {
            return write!(f, "{}: no recorded call needs it", self.statement);
        }
        let mut parts = Vec::new();
        if !self.actions.is_empty() {
            parts.push(format!("actions {} never used", self.actions.join(", ")));
        }
        if !self.resources.is_empty() {
            parts.push(format!(
                "resources {} never used",
                self.resources.join(", ")
            ));
        }
        write!(f, "{}: {}", self.statement, parts.join("; "))
    }
}

/// A declared policy against the calls a role's sessions made.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Usage {
    /// What the declared policy allows that no call used (over-privilege).
    pub unused: Vec<Unused>,
    /// The calls it refuses (under-privilege).
    pub refused: Vec<RecordedCheck>,
    /// The statements that would admit exactly the refused calls, if any.
    pub missing: Option<PolicyDocument>,
}

impl Usage {
    /// Whether the declared policy is exactly what the calls used.
    pub fn is_exact(&self) -> bool {
        self.unused.is_empty() && self.refused.is_empty()
    }
}

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for u in &self.unused {
            writeln!(f, "over: {u}")?;
        }
        for c in &self.refused {
            writeln!(f, "under: {} on {} is refused", c.action, c.resource)?;
        }
        if let Some(doc) = &self.missing {
            writeln!(f, "the statements that would admit exactly them:")?;
            writeln!(f, "{}", doc.to_canonical_json())?;
        }
        Ok(())
    }
}

/// Compares `declared` (the identity policy `role` is given) with the calls its
/// sessions made in `recording`: each statement, and each of its actions and
/// resources, is kept alone and the recording replayed under it; what admits
/// no call is unused. The calls `declared` refuses come with the minimal
/// statements that would admit them.
pub fn declared_vs_used(recording: &Recording, role: &RoleArn, declared: &PolicyDocument) -> Usage {
    let used = |doc: &PolicyDocument| -> bool {
        let replayed = replay_decisions(recording, role, doc);
        replayed.iter().any(|allowed| *allowed)
    };
    let statements: Vec<Value> = serde_json::to_value(declared)
        .ok()
        .and_then(|v| match v.get("Statement") {
            Some(Value::Array(all)) => Some(all.clone()),
            Some(one @ Value::Object(_)) => Some(vec![one.clone()]),
            _ => None,
        })
        .unwrap_or_default();
    let single = |statement: Value| -> Option<PolicyDocument> {
        PolicyDocument::from_value(&json!({"Version": "2012-10-17", "Statement": [statement]})).ok()
    };
    let list = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(all)) => all
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut unused = Vec::new();
    let many = statements.len() > 1
        || matches!(declared.statement, xrole_core::policy::OneOrMany::Many(_));
    for (i, statement) in statements.iter().enumerate() {
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let place = if many {
            format!("Statement[{i}]")
        } else {
            "Statement".to_owned()
        };
        let Some(alone) = single(statement.clone()) else {
            continue;
        };
        if !used(&alone) {
            unused.push(Unused {
                statement: place,
                whole: true,
                actions: Vec::new(),
                resources: Vec::new(),
            });
            continue;
        }
        let narrowed = |field: &str, value: &str| {
            let mut s = statement.clone();
            s[field] = Value::String(value.to_owned());
            single(s).is_some_and(|doc| used(&doc))
        };
        let actions: Vec<String> = list(statement.get("Action"))
            .into_iter()
            .filter(|a| !narrowed("Action", a))
            .collect();
        let resources: Vec<String> = list(statement.get("Resource"))
            .into_iter()
            .filter(|r| !narrowed("Resource", r))
            .collect();
        if !actions.is_empty() || !resources.is_empty() {
            unused.push(Unused {
                statement: place,
                whole: false,
                actions,
                resources,
            });
        }
    }
    let decisions = replay_decisions(recording, role, declared);
    let mut refused_recording = Recording::default();
    let refused: Vec<RecordedCheck> = recording
        .checks()
        .filter(|c| c.role.as_deref() == Some(role.as_str()))
        .zip(decisions)
        .filter(|(_, allowed)| !allowed)
        .map(|(c, _)| c)
        .collect();
    for c in &refused {
        refused_recording.record(c.clone());
    }
    let missing = minimal_policy(&refused_recording, role, &Options::new())
        .ok()
        .map(|m| m.document);
    Usage {
        unused,
        refused,
        missing,
    }
}

/// Each of `role`'s recorded checks decided under `policy` as the role's one
/// identity policy, in the recording's order. The resource's side is the
/// resource's, not the role's: a resource of another account is given a policy
/// that grants the role, and a KMS key one that lets its account's IAM
/// policies decide, so that what is decided is the identity policy's part (an
/// explicit deny in it still refuses).
fn replay_decisions(recording: &Recording, role: &RoleArn, policy: &PolicyDocument) -> Vec<bool> {
    let checks = recording
        .checks()
        .filter(|c| c.role.as_deref() == Some(role.as_str()));
    let Ok(compiled) = CompiledPolicy::new("replayed", policy, PolicyKind::Identity) else {
        return checks.map(|_| false).collect();
    };
    // The resource's side, by whom it grants: compiled once each.
    let mut sides: BTreeMap<String, Option<CompiledPolicy>> = BTreeMap::new();
    let mut side = |grantee: &str| -> Option<CompiledPolicy> {
        sides
            .entry(grantee.to_owned())
            .or_insert_with(|| {
                let doc = PolicyDocument::from_value(&json!({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"AWS": grantee},
                                   "Action": "*", "Resource": "*"}],
                }))
                .ok()?;
                CompiledPolicy::new("the resource's side", &doc, PolicyKind::Resource).ok()
            })
            .clone()
    };
    checks
        .map(|c| {
            let Ok(principal) = PrincipalArn::parse(&c.principal) else {
                return false;
            };
            let caller_account = principal.account();
            let arn = Arn::split(&c.resource);
            let resource_account = arn.as_ref().and_then(Arn::account_id);
            let kms_key = arn.as_ref().is_some_and(|a| a.service == "kms");
            let resource = if resource_account.is_some_and(|a| Some(a) != caller_account) {
                side(role.as_str())
            } else if kms_key {
                caller_account
                    .and_then(|a| side(&format!("arn:{}:iam::{a}:root", role.partition())))
            } else {
                None
            };
            let policies = PolicySet {
                identity: vec![compiled.clone()],
                resource,
                ..PolicySet::default()
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
}
