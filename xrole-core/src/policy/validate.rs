//! Semantic validation of a parsed document for one kind of policy.

use std::collections::HashMap;

use super::condition::OperatorFamily;
use super::document::{
    Condition, ConditionValue, Effect, OneOrMany, PolicyDocument, PolicyVersion, Principal,
    PrincipalType, Statement,
};
use super::problem::{PolicyError, Problem};
use super::values;
use crate::arn::{PrincipalArn, PrincipalKind};

/// Where a policy document is used; each kind has its own rules and size limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PolicyKind {
    /// An identity policy attached to a user, group or role (or a permission boundary).
    Identity,
    /// A role's trust policy: who may assume it.
    Trust,
    /// A resource-based policy, e.g. an S3 bucket policy.
    Resource,
    /// A session policy passed to AssumeRole.
    Session,
    /// An AWS Organizations service control policy (SCP): the most the principals
    /// of the accounts below it may do. Like an identity policy, it names no
    /// principal.
    ServiceControl,
    /// An AWS Organizations resource control policy (RCP): the most anyone may do
    /// to the resources of the accounts below it. Like a resource policy, it
    /// names its principal (`"*"`, narrowed by conditions); Organizations does not
    /// accept `NotPrincipal` or `NotAction` in one.
    ResourceControl,
}

/// The services whose actions resource control policies govern; an RCP statement
/// about any other service's actions never takes effect. From the Organizations
/// guide, "List of AWS services that support RCPs"
/// (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html>).
pub const RCP_SERVICES: &[&str] = &[
    "s3",
    "sts",
    "kms",
    "sqs",
    "secretsmanager",
    "cognito-idp",
    "logs",
    "dynamodb",
    "ecr",
    "aoss",
];

/// Whether resource control policies govern `action` (`service:Name`): its service
/// is one of [`RCP_SERVICES`]. Compares the prefix case-insensitively, as IAM does.
pub fn rcp_governs(action: &str) -> bool {
    action
        .split_once(':')
        .is_some_and(|(service, _)| RCP_SERVICES.iter().any(|s| s.eq_ignore_ascii_case(service)))
}

impl PolicyKind {
    /// The size limit in characters, white space outside strings not counted.
    pub const fn max_len(self) -> usize {
        match self {
            // A managed policy; inline policies have smaller aggregate quotas.
            PolicyKind::Identity => 6_144,
            // The default role trust policy quota (it can be raised to 4096).
            PolicyKind::Trust => 2_048,
            // The largest common resource policy, an S3 bucket policy (20 KB).
            PolicyKind::Resource => 20_480,
            PolicyKind::Session => 2_048,
            // Organizations' quota for SCPs and RCPs alike.
            PolicyKind::ServiceControl | PolicyKind::ResourceControl => 5_120,
        }
    }

    /// The kind's name in messages, with its article ("a trust policy").
    pub const fn name(self) -> &'static str {
        match self {
            PolicyKind::Identity => "an identity policy",
            PolicyKind::Trust => "a trust policy",
            PolicyKind::Resource => "a resource policy",
            PolicyKind::Session => "a session policy",
            PolicyKind::ServiceControl => "a service control policy",
            PolicyKind::ResourceControl => "a resource control policy",
        }
    }
}

/// The actions a role trust policy may grant.
const TRUST_ACTIONS: [&str; 6] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
];

impl PolicyDocument {
    /// Checks the document as a policy of `kind` and returns every problem, each with
    /// its path and reason.
    pub fn validate(&self, kind: PolicyKind) -> Result<(), PolicyError> {
        let mut problems = Vec::new();
        let ctx = Ctx {
            kind,
            variables: self.version == Some(PolicyVersion::V2012_10_17),
        };
        let size = self.to_compact_json().chars().count();
        if size > kind.max_len() {
            problems.push(Problem::new(
                "",
                format!(
                    "{size} characters is over the limit of {} for {}",
                    kind.max_len(),
                    kind.name()
                ),
            ));
        }
        if self.statements().is_empty() {
            problems.push(Problem::new(
                "Statement",
                "must hold at least one statement",
            ));
        }
        let mut sids: HashMap<&str, String> = HashMap::new();
        for (i, st) in self.statements().iter().enumerate() {
            let path = match &self.statement {
                OneOrMany::One(_) => "Statement".to_owned(),
                OneOrMany::Many(_) => format!("Statement[{i}]"),
            };
            if let Some(sid) = st.sid.as_deref().filter(|s| !s.is_empty()) {
                if let Some(first) = sids.get(sid) {
                    problems.push(Problem::new(
                        format!("{path}.Sid"),
                        format!("duplicate Sid {sid:?} (also at {first})"),
                    ));
                } else {
                    sids.insert(sid, path.clone());
                }
            }
            ctx.statement(st, &path, &mut problems);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(PolicyError::new("policy", problems))
        }
    }
}

struct Ctx {
    kind: PolicyKind,
    /// Whether `${...}` is a policy variable (2012-10-17) rather than literal text.
    variables: bool,
}

/// `path` of one element of `values`: with `[i]` when written as a list.
fn item_path<T>(path: &str, values: &OneOrMany<T>, i: usize) -> String {
    match values {
        OneOrMany::One(_) => path.to_owned(),
        OneOrMany::Many(_) => format!("{path}[{i}]"),
    }
}

impl Ctx {
    fn statement(&self, st: &Statement, path: &str, problems: &mut Vec<Problem>) {
        let mut problem = |field: &str, message: String| {
            let p = if field.is_empty() {
                path.to_owned()
            } else {
                format!("{path}.{field}")
            };
            problems.push(Problem::new(p, message));
        };
        if let Some(sid) = &st.sid
            && self.kind != PolicyKind::Resource
            && !sid.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            problem(
                "Sid",
                format!(
                    "may hold only ASCII letters and digits in {}, found {sid:?}",
                    self.kind.name()
                ),
            );
        }
        match (&st.action, &st.not_action) {
            (None, None) => problem("", "needs Action or NotAction".to_owned()),
            (Some(_), Some(_)) => problem("", "has both Action and NotAction; use one".to_owned()),
            _ => {}
        }
        if st.principal.is_some() && st.not_principal.is_some() {
            problem(
                "",
                "has both Principal and NotPrincipal; use one".to_owned(),
            );
        }
        if st.resource.is_some() && st.not_resource.is_some() {
            problem("", "has both Resource and NotResource; use one".to_owned());
        }
        match self.kind {
            PolicyKind::Identity | PolicyKind::Session | PolicyKind::ServiceControl => {
                for (field, present) in [
                    ("Principal", st.principal.is_some()),
                    ("NotPrincipal", st.not_principal.is_some()),
                ] {
                    if present {
                        problem(
                            field,
                            format!(
                                "is not allowed in {}: the principal is whoever the policy governs",
                                self.kind.name()
                            ),
                        );
                    }
                }
                if st.resource.is_none() && st.not_resource.is_none() {
                    problem(
                        "",
                        format!("needs Resource or NotResource in {}", self.kind.name()),
                    );
                }
            }
            PolicyKind::Trust => {
                if st.not_principal.is_some() {
                    problem("NotPrincipal", "is not allowed in a trust policy; name the principals in Principal, or deny with a condition on aws:PrincipalArn".to_owned());
                } else if st.principal.is_none() {
                    problem(
                        "",
                        "needs a Principal in a trust policy: who may assume the role".to_owned(),
                    );
                }
                for (field, present) in [
                    ("Resource", st.resource.is_some()),
                    ("NotResource", st.not_resource.is_some()),
                ] {
                    if present {
                        problem(
                            field,
                            "is not allowed in a trust policy: the resource is the role itself"
                                .to_owned(),
                        );
                    }
                }
            }
            PolicyKind::ResourceControl => {
                // The RCP syntax page lists the elements Organizations accepts:
                // no NotPrincipal, no NotAction.
                // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html
                for (field, present) in [
                    ("NotPrincipal", st.not_principal.is_some()),
                    ("NotAction", st.not_action.is_some()),
                ] {
                    if present {
                        problem(
                            field,
                            "is not supported in a resource control policy".to_owned(),
                        );
                    }
                }
                if st.principal.is_none() && st.not_principal.is_none() {
                    problem(
                        "",
                        "needs a Principal in a resource control policy (\"*\", narrowed by conditions)"
                            .to_owned(),
                    );
                }
                if st.resource.is_none() && st.not_resource.is_none() {
                    problem(
                        "",
                        "needs Resource or NotResource in a resource control policy".to_owned(),
                    );
                }
            }
            PolicyKind::Resource => {
                if st.principal.is_none() && st.not_principal.is_none() {
                    problem(
                        "",
                        "needs Principal or NotPrincipal in a resource policy".to_owned(),
                    );
                }
                if st.not_principal.is_some() && st.effect == Effect::Allow {
                    problem("NotPrincipal", "must be used with \"Effect\": \"Deny\"; with Allow it grants everyone else".to_owned());
                }
                if st.resource.is_none() && st.not_resource.is_none() {
                    problem(
                        "",
                        "needs Resource or NotResource in a resource policy".to_owned(),
                    );
                }
            }
        }
        for (field, principal) in [
            ("Principal", &st.principal),
            ("NotPrincipal", &st.not_principal),
        ] {
            if let Some(p) = principal {
                self.principal(p, &format!("{path}.{field}"), problems);
            }
        }
        for (field, actions) in [("Action", &st.action), ("NotAction", &st.not_action)] {
            if let Some(actions) = actions {
                self.actions(
                    actions,
                    &format!("{path}.{field}"),
                    field == "Action",
                    problems,
                );
            }
        }
        for (field, resources) in [
            ("Resource", &st.resource),
            ("NotResource", &st.not_resource),
        ] {
            if let Some(resources) = resources {
                let field_path = format!("{path}.{field}");
                if resources.is_empty() {
                    problems.push(Problem::new(
                        field_path.clone(),
                        "must name at least one resource",
                    ));
                }
                for (i, r) in resources.iter().enumerate() {
                    if let Err(why) = self.resource(r) {
                        problems.push(Problem::new(item_path(&field_path, resources, i), why));
                    }
                }
            }
        }
        if let Some(conditions) = &st.condition {
            for c in conditions {
                self.condition(
                    c,
                    &format!("{path}.Condition.{}[{:?}]", c.operator, c.key),
                    problems,
                );
            }
        }
    }

    fn principal(&self, p: &Principal, path: &str, problems: &mut Vec<Problem>) {
        let Principal::Typed(entries) = p else { return };
        if entries.is_empty() {
            problems.push(Problem::new(path, "names no principal"));
        }
        for (ty, values) in entries {
            let type_path = format!("{path}.{}", ty.as_str());
            if values.is_empty() {
                problems.push(Problem::new(type_path.clone(), "names no principal"));
            }
            for (i, v) in values.iter().enumerate() {
                if let Err(why) = check_principal(*ty, v) {
                    problems.push(Problem::new(item_path(&type_path, values, i), why));
                }
            }
        }
    }

    fn actions(
        &self,
        actions: &OneOrMany<String>,
        path: &str,
        granted: bool,
        problems: &mut Vec<Problem>,
    ) {
        if actions.is_empty() {
            problems.push(Problem::new(path, "must name at least one action"));
        }
        for (i, a) in actions.iter().enumerate() {
            let at = item_path(path, actions, i);
            if let Err(why) = check_action(a) {
                problems.push(Problem::new(at, why));
            } else if self.kind == PolicyKind::Trust
                && granted
                && a != "*"
                && !a
                    .split_once(':')
                    .is_some_and(|(svc, _)| svc.eq_ignore_ascii_case("sts"))
            {
                problems.push(Problem::new(
                    at,
                    format!(
                        "a trust policy grants only STS actions ({}), found {a:?}",
                        TRUST_ACTIONS.join(", ")
                    ),
                ));
            } else if self.kind == PolicyKind::Trust
                && granted
                && !a.contains(['*', '?'])
                && !TRUST_ACTIONS.iter().any(|t| t.eq_ignore_ascii_case(a))
            {
                problems.push(Problem::new(
                    at,
                    format!(
                        "{a:?} cannot be granted by a trust policy (expected one of {})",
                        TRUST_ACTIONS.join(", ")
                    ),
                ));
            }
        }
    }

    fn resource(&self, r: &str) -> Result<(), String> {
        if r == "*" {
            return Ok(());
        }
        self.check_variables(r)?;
        if !r.starts_with("arn:") {
            return Err(format!(
                "must be \"*\" or an ARN (arn:partition:service:region:account:resource), found {r:?}"
            ));
        }
        let Some(arn) = crate::Arn::split(r) else {
            return Err(format!(
                "must have the form arn:partition:service:region:account:resource, found {r:?}"
            ));
        };
        if arn.partition.is_empty() || arn.service.is_empty() {
            return Err(format!(
                "the partition and service of a resource ARN must not be empty, found {r:?}"
            ));
        }
        Ok(())
    }

    /// Checks `${...}` policy variables: closed, with a name.
    fn check_variables(&self, s: &str) -> Result<(), String> {
        if !self.variables {
            return Ok(());
        }
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return Err(format!("unclosed policy variable \"${{\" in {s:?}"));
            };
            if after[..end].trim().is_empty() {
                return Err(format!("empty policy variable \"${{}}\" in {s:?}"));
            }
            rest = &after[end + 1..];
        }
        Ok(())
    }

    fn condition(&self, c: &Condition, path: &str, problems: &mut Vec<Problem>) {
        if let Err(why) = check_condition_key(&c.key) {
            problems.push(Problem::new(path, why));
        }
        if c.values.is_empty() {
            problems.push(Problem::new(path, "must hold at least one value"));
        }
        let family = c.operator.base.family();
        for (i, v) in c.values.iter().enumerate() {
            let text = v.as_text();
            if self.variables && text.contains("${") {
                if let Err(why) = self.check_variables(&text) {
                    problems.push(Problem::new(item_path(path, &c.values, i), why));
                }
                continue;
            }
            let ok = match family {
                OperatorFamily::String => true,
                OperatorFamily::Numeric => values::parse_number(&text).is_some(),
                OperatorFamily::Date => values::parse_date(&text).is_some(),
                OperatorFamily::Bool | OperatorFamily::Null => {
                    matches!(v, ConditionValue::Bool(_)) || values::parse_bool(&text).is_some()
                }
                OperatorFamily::Binary => values::is_base64(&text),
                OperatorFamily::Ip => values::Cidr::parse(&text).is_some(),
                OperatorFamily::Arn => text == "*" || crate::Arn::split(&text).is_some(),
            };
            if !ok {
                let expected = match family {
                    OperatorFamily::String => "a string",
                    OperatorFamily::Numeric => "a number",
                    OperatorFamily::Date => {
                        "an ISO 8601 date (2026-01-31T12:00:00Z) or epoch seconds"
                    }
                    OperatorFamily::Bool | OperatorFamily::Null => "\"true\" or \"false\"",
                    OperatorFamily::Binary => "base64 text",
                    OperatorFamily::Ip => "an IP address or CIDR range (203.0.113.0/24)",
                    OperatorFamily::Arn => "an ARN (arn:partition:service:region:account:resource)",
                };
                problems.push(Problem::new(
                    item_path(path, &c.values, i),
                    format!(
                        "{} expects {expected}, found {:?}",
                        c.operator.base.as_str(),
                        text
                    ),
                ));
            }
        }
    }
}

/// Checks one action as policies write it: `*` or `service:Action` (with `*`/`?`).
pub fn validate_action(action: &str) -> Result<(), crate::Error> {
    check_action(action)
        .map_err(|why| crate::Error::new(crate::Subject::Action, crate::ErrorKind::Format, why))
}

/// Checks one resource as a 2012-10-17 policy writes it: `*` or an ARN pattern
/// (wildcards and policy variables allowed).
pub fn validate_resource(resource: &str) -> Result<(), crate::Error> {
    let ctx = Ctx {
        kind: PolicyKind::Identity,
        variables: true,
    };
    ctx.resource(resource)
        .map_err(|why| crate::Error::new(crate::Subject::Resource, crate::ErrorKind::Format, why))
}

/// `*` or `service:Action`, the action part with `*`/`?` wildcards.
fn check_action(a: &str) -> Result<(), String> {
    if a == "*" {
        return Ok(());
    }
    let Some((service, action)) = a.split_once(':') else {
        return Err(format!(
            "must be \"*\" or service:Action (e.g. \"s3:GetObject\"), found {a:?}"
        ));
    };
    if service.is_empty()
        || !service
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(format!(
            "the service prefix must be letters, digits and '-' (e.g. \"s3\"), found {a:?}"
        ));
    }
    if action.is_empty()
        || !action
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'?' | b'_' | b'-'))
    {
        return Err(format!(
            "the action name must be letters and digits, with * and ? as wildcards, found {a:?}"
        ));
    }
    Ok(())
}

/// `prefix:name`, e.g. `aws:SourceIp`, `sts:ExternalId`, `aws:PrincipalTag/team`.
fn check_condition_key(key: &str) -> Result<(), String> {
    match key.split_once(':') {
        Some((prefix, name))
            if !prefix.is_empty()
                // Web identity keys carry the provider's host and path as prefix:
                // `token.actions.githubusercontent.com:sub`, `accounts.google.com:aud`,
                // `oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub`.
                && prefix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'/' | b'_'))
                && !prefix.starts_with('/')
                && !name.is_empty()
                && name.bytes().all(|b| (0x21..0x7f).contains(&b)) =>
        {
            Ok(())
        }
        _ => Err(format!(
            "a condition key must be prefix:name (e.g. \"aws:SourceIp\", \"sts:ExternalId\"), found {key:?}"
        )),
    }
}

fn check_principal(ty: PrincipalType, v: &str) -> Result<(), String> {
    if ty == PrincipalType::CanonicalUser {
        return if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(())
        } else {
            Err(format!(
                "a canonical user id is 64 hexadecimal characters, found {v:?}"
            ))
        };
    }
    if v == "*" {
        return match ty {
            PrincipalType::Aws => Ok(()),
            _ => Err(format!(
                "\"*\" is allowed only as an AWS principal, not under {}",
                ty.as_str()
            )),
        };
    }
    let parsed = PrincipalArn::parse(v).map_err(|e| {
        if v.contains('*') {
            format!(
                "{}; wildcards are not allowed inside a principal: use \"*\" with a condition on aws:PrincipalArn (ArnLike)",
                e.message()
            )
        } else {
            e.message().to_owned()
        }
    })?;
    let expected = match parsed.kind() {
        PrincipalKind::Service => PrincipalType::Service,
        PrincipalKind::Federated => PrincipalType::Federated,
        _ => PrincipalType::Aws,
    };
    if expected == ty {
        Ok(())
    } else {
        Err(format!(
            "{v:?} is a {} principal and belongs under {:?}, not {:?}",
            expected.as_str(),
            expected.as_str(),
            ty.as_str()
        ))
    }
}
