//! The batch interface: one JSON request per line in, one JSON decision per line out.
//!
//! A request line:
//!
//! ```json
//! {"request": {"principal": "arn:aws:iam::111111111111:user/alice", "action": "sts:AssumeRole",
//!              "resource": "arn:aws:iam::222222222222:role/R", "context": {"sts:ExternalId": "x"}},
//!  "identityPolicies": [{...}], "resourcePolicy": {...}, "sessionPolicy": {...},
//!  "permissionBoundaries": [{...}]}
//! ```
//!
//! The answer: `{"decision": "Allowed", "explanation": [...]}`, or `{"error": "..."}`
//! for a line that cannot be evaluated (the next line is read all the same). The
//! resource policy is checked as a trust policy when the action assumes a role.

use std::io::{self, BufRead, Write};

use serde::Deserialize;
use serde_json::{Value, json};
use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{AccountId, PrincipalArn, RoleArn};

use crate::eval::{
    Caller, CompiledPolicy, Context, ContextValue, Evaluation, PolicySet, Request, evaluate,
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Line {
    request: RequestLine,
    #[serde(default)]
    identity_policies: Vec<Value>,
    resource_policy: Option<Value>,
    session_policy: Option<Value>,
    #[serde(default)]
    permission_boundaries: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RequestLine {
    principal: String,
    action: String,
    resource: String,
    #[serde(default)]
    context: serde_json::Map<String, Value>,
    /// The account owning the resource when its ARN does not say (S3 buckets).
    resource_account: Option<String>,
    /// The role (with its path) of an assumed-role session principal.
    session_role: Option<String>,
}

fn compile(label: &str, value: &Value, kind: PolicyKind) -> Result<CompiledPolicy, String> {
    let doc = PolicyDocument::from_value(value).map_err(|e| format!("{label}: {e}"))?;
    CompiledPolicy::new(label, &doc, kind).map_err(|e| format!("{label}: {e}"))
}

fn context_value(key: &str, v: &Value) -> Result<ContextValue, String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!(
            "context key {key:?}: values must be strings, booleans or numbers, found {other}"
        )),
    };
    match v {
        Value::Array(items) => Ok(ContextValue::Multi(
            items.iter().map(scalar).collect::<Result<_, _>>()?,
        )),
        v => Ok(ContextValue::Single(scalar(v)?)),
    }
}

/// Builds the request and the policy set of one line.
fn parse_line(text: &str) -> Result<(Request, PolicySet), String> {
    let line: Line =
        serde_json::from_str(text).map_err(|e| format!("invalid request line: {e}"))?;
    let r = line.request;
    let principal =
        PrincipalArn::parse(&r.principal).map_err(|e| format!("request.principal: {e}"))?;
    let mut caller = Caller::new(principal);
    if let Some(role) = &r.session_role {
        caller = caller
            .with_role(RoleArn::parse(role).map_err(|e| format!("request.sessionRole: {e}"))?);
    }
    let mut context = Context::new();
    for (k, v) in &r.context {
        context.insert(k, context_value(k, v)?);
    }
    let mut request = Request::new(caller, &r.action, &r.resource).context(&context);
    if let Some(account) = &r.resource_account {
        request = request.resource_account(
            AccountId::parse(account).map_err(|e| format!("request.resourceAccount: {e}"))?,
        );
    }
    let resource_kind = if is_assume_action(&r.action) {
        PolicyKind::Trust
    } else {
        PolicyKind::Resource
    };
    let policies = PolicySet {
        identity: line
            .identity_policies
            .iter()
            .enumerate()
            .map(|(i, v)| compile(&format!("identityPolicies[{i}]"), v, PolicyKind::Identity))
            .collect::<Result<_, _>>()?,
        resource: line
            .resource_policy
            .as_ref()
            .map(|v| compile("resourcePolicy", v, resource_kind))
            .transpose()?,
        session: line
            .session_policy
            .as_ref()
            .map(|v| compile("sessionPolicy", v, PolicyKind::Session))
            .transpose()?
            .into_iter()
            .collect(),
        boundaries: line
            .permission_boundaries
            .iter()
            .enumerate()
            .map(|(i, v)| {
                compile(
                    &format!("permissionBoundaries[{i}]"),
                    v,
                    PolicyKind::Identity,
                )
            })
            .collect::<Result<_, _>>()?,
    };
    Ok((request, policies))
}

fn is_assume_action(action: &str) -> bool {
    let a = action.to_ascii_lowercase();
    a == "sts:assumerole"
        || a.starts_with("sts:assumerolewith")
        || a == "sts:tagsession"
        || a == "sts:setsourceidentity"
}

/// The JSON answer for an evaluation.
pub fn evaluation_json(evaluation: &Evaluation) -> Value {
    let explanation: Vec<Value> = evaluation
        .explanation
        .iter()
        .map(|e| {
            let mut obj = json!({"side": e.side.as_str(), "finding": e.finding.code(), "message": e.to_string()});
            if let Some(p) = &e.policy {
                obj["policy"] = json!(&**p);
            }
            if let Some(s) = &e.statement {
                obj["statement"] = json!(&**s);
            }
            if let Some(s) = &e.sid {
                obj["sid"] = json!(&**s);
            }
            obj
        })
        .collect();
    json!({"decision": evaluation.decision, "explanation": explanation})
}

/// Evaluates one request line and returns the answer line's JSON.
pub fn simulate_line(text: &str) -> Value {
    match parse_line(text) {
        Ok((request, policies)) => evaluation_json(&evaluate(&request, &policies)),
        Err(error) => json!({"error": error}),
    }
}

/// Counts of a batch run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Requests evaluated.
    pub evaluated: usize,
    /// Lines answered with an error.
    pub errors: usize,
}

/// Reads request lines from `input` and writes one answer line per request to
/// `output`, in order. Blank lines are skipped.
pub fn simulate(input: impl BufRead, mut output: impl Write) -> io::Result<Summary> {
    let mut summary = Summary::default();
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = simulate_line(&line);
        if answer.get("error").is_some() {
            summary.errors += 1;
        } else {
            summary.evaluated += 1;
        }
        writeln!(output, "{answer}")?;
    }
    output.flush()?;
    Ok(summary)
}
