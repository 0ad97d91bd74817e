//! The batch interface: one JSON request per line in, one JSON decision per line out.
//!
//! A request line:
//!
//! ```json
//! {"request": {"principal": "arn:aws:iam::111111111111:user/alice", "action": "sts:AssumeRole",
//!              "resource": "arn:aws:iam::222222222222:role/R", "context": {"sts:ExternalId": "x"}},
//!  "identityPolicies": [{...}], "resourcePolicy": {...}, "sessionPolicy": {...},
//!  "permissionBoundaries": [{...}],
//!  "serviceControlPolicies": [{"orgIdentifier": "r-ab12", "policies": [{...}]}, ...],
//!  "resourceControlPolicies": [{"orgIdentifier": "r-ab12", "policies": [{...}]}, ...]}
//! ```
//!
//! `serviceControlPolicies` are the levels of the caller's account path and
//! `resourceControlPolicies` those of the resource's, root first, in the shape
//! iam-simulate takes: each level must allow and a deny at any level wins. An SCP
//! level is the documents given (list `FullAWSAccess` where the level has it: it
//! can be detached). An RCP level always includes `RCPFullAWSAccess`, which
//! Organizations attaches everywhere and which cannot be detached, whether or not
//! the line lists it: a level listing only denies, or nothing, is that policy
//! plus its denies. A document's `Id` names it in explanations.
//!
//! An assumed-role principal may give `"sessionRole"` (its role's ARN, with the
//! path); a federated-user principal `"sessionUser"` (the IAM user that called
//! GetFederationToken): a resource policy's grant to that role or user then reaches
//! the session, limited by its session policy. A federated user without a
//! `sessionPolicy` has no permissions of its own, as in AWS. A web identity
//! principal (an OIDC provider ARN, `accounts.google.com`, ...) may give
//! `"tokenClaims"`, its token's claims: they become the keys STS sets for
//! `sts:AssumeRoleWithWebIdentity` (`ISSUER:sub`, `ISSUER:aud`, ...,
//! `aws:FederatedProvider`).
//!
//! In place of `action` and `resource`, a request may give `httpRequest`: the
//! HTTP request an SDK sends (`service`, `region`, `method`, `url`, `headers`,
//! `body`), whose checks are derived and judged one by one (see `http.rs`).
//!
//! The answer: `{"decision": "Allowed", "explanation": [...]}`, or
//! `{"error": "...", "line": N}` for a line that cannot be evaluated (not JSON, not
//! UTF-8, over a limit, an invalid policy...): the next line is read all the same.
//! The resource policy is checked as a trust policy when the action assumes a role.
//!
//! Each entry of `explanation` has:
//! - `side`: whose policies it speaks of (`identity`, `resource`, `session`,
//!   `boundary`, ...);
//! - `finding`: a stable code for what was found (an allowing or denying statement,
//!   a side with no allow, a condition that does not hold, ...);
//! - `message`: the finding in words;
//! - `policy`, `statement`, `sid`: the document's label, the statement's place
//!   (`Statement[0]`) and its `Sid`, when the finding is about one statement.
//!
//! Limits, so that no line can take the run's memory or time: a line is at most
//! [`MAX_LINE_BYTES`]; the principal, action, resource and every context key and
//! value at most [`MAX_STRING_CHARS`] characters; the context at most
//! [`MAX_CONTEXT_CHARS`] characters of values in all.

use std::io::{self, BufRead, Write};

use serde::Deserialize;
use serde_json::{Value, json};
use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{AccountId, PrincipalArn, PrincipalKind, RoleArn};

use crate::eval::{
    Caller, CompiledPolicy, Context, ContextValue, Evaluation, OrgPath, PolicyLevel, PolicyRole,
    PolicySet, Request, attached_label, evaluate, web_identity_context,
};
use crate::org::OrgPolicy;

mod http;

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
    #[serde(default)]
    service_control_policies: Vec<LevelLine>,
    #[serde(default)]
    resource_control_policies: Vec<LevelLine>,
}

/// One level of an organization path: the root, an OU or an account.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LevelLine {
    org_identifier: String,
    policies: Vec<Value>,
}

/// The levels of one side, each policy labelled with its name and level. An RCP
/// level is what Organizations has in force there: `RCPFullAWSAccess` and the
/// listed policies ([`OrgPolicy::rcp_level`]), whether or not the line lists it.
fn levels(field: &str, side: PolicyRole, lines: &[LevelLine]) -> Result<OrgPath, String> {
    let kind = match side {
        PolicyRole::ResourceControl => PolicyKind::ResourceControl,
        _ => PolicyKind::ServiceControl,
    };
    lines
        .iter()
        .enumerate()
        .map(|(i, level)| {
            let target = bounded(
                &format!("{field}[{i}].orgIdentifier"),
                &level.org_identifier,
            )?;
            let listed = level
                .policies
                .iter()
                .enumerate()
                .map(|(j, v)| {
                    let at = format!("{field}[{i}].policies[{j}]");
                    let doc = PolicyDocument::from_value(v).map_err(|e| format!("{at}: {e}"))?;
                    doc.validate(kind).map_err(|e| format!("{at}: {e}"))?;
                    let name = doc.id.clone().unwrap_or(at);
                    Ok(OrgPolicy::new(&name, doc))
                })
                .collect::<Result<Vec<_>, String>>()?;
            let in_force = match side {
                PolicyRole::ResourceControl => OrgPolicy::rcp_level(listed),
                _ => listed,
            };
            let policies = in_force
                .iter()
                .map(|p| {
                    CompiledPolicy::new(attached_label(side, p.name(), target), p.document(), kind)
                        .map_err(|e| format!("{field}[{i}]: {e}"))
                })
                .collect::<Result<_, String>>()?;
            Ok(PolicyLevel::new(target, policies))
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RequestLine {
    principal: String,
    action: Option<String>,
    resource: Option<String>,
    /// An HTTP request in place of the action and resource: its checks are
    /// derived ([`http`]).
    http_request: Option<http::HttpRequestLine>,
    #[serde(default)]
    context: serde_json::Map<String, Value>,
    /// The account owning the resource when its ARN does not say (S3 buckets).
    resource_account: Option<String>,
    /// The role (with its path) of an assumed-role session principal.
    session_role: Option<String>,
    /// The IAM user behind a federated-user principal.
    session_user: Option<String>,
    /// The claims of a web identity principal's token (AssumeRoleWithWebIdentity).
    token_claims: Option<serde_json::Map<String, Value>>,
}

/// `caller`, a federated user, with the IAM user of its account it was issued to.
fn with_session_user(caller: Caller, user: &str) -> Result<Caller, String> {
    let field = "request.sessionUser";
    let user = PrincipalArn::parse(user).map_err(|e| format!("{field}: {e}"))?;
    if !caller.is_federated_user() {
        return Err(format!(
            "{field}: only a federated-user principal (arn:aws:sts::ACCOUNT:federated-user/NAME) has a session user"
        ));
    }
    if user.kind() != PrincipalKind::User || user.account() != caller.account() {
        return Err(format!(
            "{field}: {user} is not an IAM user of the federated user's account"
        ));
    }
    Ok(caller.federated_by(user))
}

fn compile(label: &str, value: &Value, kind: PolicyKind) -> Result<CompiledPolicy, String> {
    let doc = PolicyDocument::from_value(value).map_err(|e| format!("{label}: {e}"))?;
    CompiledPolicy::new(label, &doc, kind).map_err(|e| format!("{label}: {e}"))
}

/// The longest request line, in bytes; a longer one is answered with an error and
/// skipped without being held in memory.
pub const MAX_LINE_BYTES: usize = 256 * 1024;

/// The longest principal, action, resource, context key or context value: IAM's
/// longest ARN.
pub const MAX_STRING_CHARS: usize = 2048;

/// The most characters of context values in one request: every value is matched
/// against every pattern of its key, so their sum bounds a line's work.
pub const MAX_CONTEXT_CHARS: usize = 16 * 1024;

fn bounded<'a>(field: &str, text: &'a str) -> Result<&'a str, String> {
    let n = text.chars().count();
    if n > MAX_STRING_CHARS {
        return Err(format!(
            "{field}: {n} characters, more than the {MAX_STRING_CHARS} a request string may have"
        ));
    }
    Ok(text)
}

fn context_value(key: &str, v: &Value) -> Result<ContextValue, String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Ok(bounded(&format!("context key {key:?}"), s)?.to_owned()),
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

/// What one line asks: one request, or the checks of an HTTP request.
enum Asked {
    Request(Box<Request>),
    Http(Vec<http::Judged>, String),
}

/// Builds the requests and the policy set of one line.
fn parse_line(text: &str) -> Result<(Asked, PolicySet), String> {
    let line: Line =
        serde_json::from_str(text).map_err(|e| format!("invalid request line: {e}"))?;
    let r = line.request;
    for (field, text) in [
        ("request.principal", Some(&r.principal)),
        ("request.action", r.action.as_ref()),
        ("request.resource", r.resource.as_ref()),
        ("request.resourceAccount", r.resource_account.as_ref()),
        ("request.sessionRole", r.session_role.as_ref()),
        ("request.sessionUser", r.session_user.as_ref()),
    ] {
        if let Some(text) = text {
            bounded(field, text)?;
        }
    }
    let principal =
        PrincipalArn::parse(&r.principal).map_err(|e| format!("request.principal: {e}"))?;
    let mut caller = Caller::new(principal);
    if let Some(role) = &r.session_role {
        caller = caller
            .with_role(RoleArn::parse(role).map_err(|e| format!("request.sessionRole: {e}"))?);
    }
    if let Some(user) = &r.session_user {
        caller = with_session_user(caller, user)?;
    }
    // A token's claims become the keys STS sets (the same rule as the embedded
    // STS's); explicit context keys go over them.
    let mut context = match &r.token_claims {
        Some(claims) => {
            if caller.arn().web_identity_issuer().is_none() {
                return Err("request.tokenClaims: only a web identity principal (an OIDC provider ARN or a web identity provider) presents a token".to_owned());
            }
            web_identity_context(caller.arn(), claims)
        }
        None => Context::new(),
    };
    for (k, v) in &r.context {
        bounded("request.context key", k)?;
        context.insert(k, context_value(k, v)?);
    }
    let mut context_chars = 0;
    for (k, value) in context.iter() {
        for text in value.as_slice() {
            bounded(&format!("context key {k:?}"), text)?;
            context_chars += text.chars().count();
        }
        if context_chars > MAX_CONTEXT_CHARS {
            return Err(format!(
                "request.context: more than {MAX_CONTEXT_CHARS} characters of values"
            ));
        }
    }
    let resource_account = r
        .resource_account
        .as_deref()
        .map(AccountId::parse)
        .transpose()
        .map_err(|e| format!("request.resourceAccount: {e}"))?;
    let (asked, action) = match (&r.action, &r.resource, &r.http_request) {
        (Some(action), Some(resource), None) => {
            let mut request = Request::new(caller, action, resource).context(&context);
            if let Some(account) = resource_account {
                request = request.resource_account(account);
            }
            (Asked::Request(Box::new(request)), action.clone())
        }
        (None, None, Some(http)) => {
            let (judged, operation) = http.checks(&caller, &context, resource_account)?;
            let first = judged
                .first()
                .map(|j| j.check.action.clone())
                .unwrap_or_default();
            (Asked::Http(judged, operation), first)
        }
        _ => {
            return Err(
                "request: give an action and a resource, or an httpRequest, not both".to_owned(),
            );
        }
    };
    let resource_kind = if crate::eval::is_trust_action(&action) {
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
        service_control: levels(
            "serviceControlPolicies",
            PolicyRole::ServiceControl,
            &line.service_control_policies,
        )?,
        resource_control: levels(
            "resourceControlPolicies",
            PolicyRole::ResourceControl,
            &line.resource_control_policies,
        )?,
    };
    Ok((asked, policies))
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
        Ok((Asked::Request(request), policies)) => evaluation_json(&evaluate(&request, &policies)),
        Ok((Asked::Http(judged, operation), policies)) => {
            http::answer(&judged, &operation, &policies)
        }
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

/// One line of input, read within [`MAX_LINE_BYTES`].
enum InputLine {
    Text(String),
    TooLong(usize),
    NotUtf8(std::str::Utf8Error),
}

/// Reads the next line (without its `\n` or `\r\n`), keeping at most
/// [`MAX_LINE_BYTES`] of it; `None` at the end of the input.
fn read_line(input: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<Option<InputLine>> {
    buf.clear();
    let mut total = 0usize;
    let mut read_any = false;
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            break;
        }
        read_any = true;
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], true),
            None => (available, false),
        };
        total += chunk.len();
        let room = MAX_LINE_BYTES.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = chunk.len() + usize::from(done);
        input.consume(used);
        if done {
            break;
        }
    }
    if !read_any {
        return Ok(None);
    }
    if total > MAX_LINE_BYTES {
        return Ok(Some(InputLine::TooLong(total)));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(match std::str::from_utf8(buf) {
        Ok(text) => InputLine::Text(text.to_owned()),
        Err(e) => InputLine::NotUtf8(e),
    }))
}

/// Reads request lines from `input` and writes one answer line per request to
/// `output`, in order. Blank lines are skipped. A line that cannot be evaluated
/// (not UTF-8, too long, not a valid request) is answered with `{"error", "line"}`
/// and counted in [`Summary::errors`]; reading goes on. Only an I/O error of the
/// input or the output ends the run early.
pub fn simulate(mut input: impl BufRead, mut output: impl Write) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut buf = Vec::new();
    let mut number = 0usize;
    while let Some(line) = read_line(&mut input, &mut buf)? {
        number += 1;
        let answer = match line {
            InputLine::Text(text) if text.trim().is_empty() => continue,
            InputLine::Text(text) => simulate_line(&text),
            InputLine::TooLong(n) => json!({
                "error": format!("the line has {n} bytes, more than the {MAX_LINE_BYTES} a request line may have")
            }),
            InputLine::NotUtf8(e) => json!({"error": format!("the line is not valid UTF-8: {e}")}),
        };
        let answer = match answer {
            Value::Object(mut fields) if fields.contains_key("error") => {
                summary.errors += 1;
                fields.insert("line".into(), json!(number));
                Value::Object(fields)
            }
            other => {
                summary.evaluated += 1;
                other
            }
        };
        writeln!(output, "{answer}")?;
    }
    output.flush()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_within_the_limit_and_the_rest_goes_on() {
        let mut input = Vec::new();
        input.extend_from_slice(b"first\r\n");
        input.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
        input.extend_from_slice(b"\n\xff\xfe\nlast");
        let mut reader = io::BufReader::with_capacity(1024, input.as_slice());
        let mut buf = Vec::new();
        assert!(
            matches!(read_line(&mut reader, &mut buf).unwrap(), Some(InputLine::Text(t)) if t == "first")
        );
        assert!(
            matches!(read_line(&mut reader, &mut buf).unwrap(), Some(InputLine::TooLong(n)) if n == MAX_LINE_BYTES + 10)
        );
        assert!(buf.len() <= MAX_LINE_BYTES);
        assert!(matches!(
            read_line(&mut reader, &mut buf).unwrap(),
            Some(InputLine::NotUtf8(_))
        ));
        assert!(
            matches!(read_line(&mut reader, &mut buf).unwrap(), Some(InputLine::Text(t)) if t == "last")
        );
        assert!(read_line(&mut reader, &mut buf).unwrap().is_none());
    }
}
