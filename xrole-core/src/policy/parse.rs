//! The lossless parser of policy documents: every problem reported with its path
//! (`Statement[1].Principal.AWS[0]`), single values and lists kept as written.

use serde_json::Value;

use super::condition::ConditionOperator;
use super::document::*;
use super::problem::{PolicyError, Problem};

impl std::str::FromStr for PolicyDocument {
    type Err = PolicyError;
    fn from_str(s: &str) -> Result<Self, PolicyError> {
        Self::from_json(s)
    }
}

impl<'de> serde::Deserialize<'de> for PolicyDocument {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Self::from_value(&value).map_err(serde::de::Error::custom)
    }
}

const DOCUMENT_KEYS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_KEYS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn unknown_key(key: &str, valid: &[&str]) -> String {
    match valid.iter().find(|v| v.eq_ignore_ascii_case(key)) {
        Some(v) => format!(
            "unknown element {key:?} (element names are case-sensitive: did you mean {v:?}?)"
        ),
        None => format!(
            "unknown element {key:?} (expected one of {})",
            valid.join(", ")
        ),
    }
}

pub(super) fn parse_document(value: &Value, problems: &mut Vec<Problem>) -> Option<PolicyDocument> {
    let Value::Object(obj) = value else {
        problems.push(Problem::new(
            "",
            format!("a policy must be a JSON object, found {}", json_type(value)),
        ));
        return None;
    };
    for key in obj.keys() {
        if !DOCUMENT_KEYS.contains(&key.as_str()) {
            problems.push(Problem::new(key.clone(), unknown_key(key, &DOCUMENT_KEYS)));
        }
    }
    let version = match obj.get("Version") {
        None => None,
        Some(Value::String(s)) if s == "2012-10-17" => Some(PolicyVersion::V2012_10_17),
        Some(Value::String(s)) if s == "2008-10-17" => Some(PolicyVersion::V2008_10_17),
        Some(other) => {
            problems.push(Problem::new(
                "Version",
                format!("must be \"2012-10-17\" or \"2008-10-17\", found {other}"),
            ));
            None
        }
    };
    let id = match obj.get("Id") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            problems.push(Problem::new(
                "Id",
                format!("must be a string, found {}", json_type(other)),
            ));
            None
        }
    };
    let statement = match obj.get("Statement") {
        None => {
            problems.push(Problem::new("Statement", "is required"));
            None
        }
        Some(v @ Value::Object(_)) => parse_statement(v, "Statement", problems).map(OneOrMany::One),
        Some(Value::Array(items)) => {
            let parsed: Vec<Option<Statement>> = items
                .iter()
                .enumerate()
                .map(|(i, v)| parse_statement(v, &format!("Statement[{i}]"), problems))
                .collect();
            parsed
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .map(OneOrMany::Many)
        }
        Some(other) => {
            problems.push(Problem::new(
                "Statement",
                format!(
                    "must be an object or a list of objects, found {}",
                    json_type(other)
                ),
            ));
            None
        }
    };
    Some(PolicyDocument {
        version,
        id,
        statement: statement?,
    })
}

fn parse_statement(value: &Value, path: &str, problems: &mut Vec<Problem>) -> Option<Statement> {
    let Value::Object(obj) = value else {
        problems.push(Problem::new(
            path,
            format!("a statement must be an object, found {}", json_type(value)),
        ));
        return None;
    };
    let before = problems.len();
    for key in obj.keys() {
        if !STATEMENT_KEYS.contains(&key.as_str()) {
            problems.push(Problem::new(
                format!("{path}.{key}"),
                unknown_key(key, &STATEMENT_KEYS),
            ));
        }
    }
    let sid = match obj.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            problems.push(Problem::new(
                format!("{path}.Sid"),
                format!("must be a string, found {}", json_type(other)),
            ));
            None
        }
    };
    let effect = match obj.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Some(Effect::Allow),
        Some(Value::String(s)) if s == "Deny" => Some(Effect::Deny),
        None => {
            problems.push(Problem::new(
                format!("{path}.Effect"),
                "is required (\"Allow\" or \"Deny\")",
            ));
            None
        }
        Some(other) => {
            problems.push(Problem::new(
                format!("{path}.Effect"),
                format!("must be \"Allow\" or \"Deny\", found {other}"),
            ));
            None
        }
    };
    let principal = obj
        .get("Principal")
        .and_then(|v| parse_principal(v, &format!("{path}.Principal"), problems));
    let not_principal = obj
        .get("NotPrincipal")
        .and_then(|v| parse_principal(v, &format!("{path}.NotPrincipal"), problems));
    let mut strings = |name: &str| {
        obj.get(name)
            .and_then(|v| parse_strings(v, &format!("{path}.{name}"), problems))
    };
    let action = strings("Action");
    let not_action = strings("NotAction");
    let resource = strings("Resource");
    let not_resource = strings("NotResource");
    let condition = obj
        .get("Condition")
        .and_then(|v| parse_condition(v, &format!("{path}.Condition"), problems));
    if problems.len() > before {
        return None;
    }
    Some(Statement {
        sid,
        effect: effect?,
        principal,
        not_principal,
        action,
        not_action,
        resource,
        not_resource,
        condition,
    })
}

fn parse_strings(
    value: &Value,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<OneOrMany<String>> {
    match value {
        Value::String(s) => Some(OneOrMany::One(s.clone())),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    other => problems.push(Problem::new(
                        format!("{path}[{i}]"),
                        format!("must be a string, found {}", json_type(other)),
                    )),
                }
            }
            Some(OneOrMany::Many(out))
        }
        other => {
            problems.push(Problem::new(
                path,
                format!(
                    "must be a string or a list of strings, found {}",
                    json_type(other)
                ),
            ));
            None
        }
    }
}

fn parse_principal(value: &Value, path: &str, problems: &mut Vec<Problem>) -> Option<Principal> {
    match value {
        Value::String(s) if s == "*" => Some(Principal::Any),
        Value::Object(obj) => {
            let mut entries = Vec::with_capacity(obj.len());
            for (key, v) in obj {
                let Some(t) = PrincipalType::ALL.iter().find(|t| t.as_str() == key) else {
                    let names: Vec<&str> = PrincipalType::ALL.iter().map(|t| t.as_str()).collect();
                    problems.push(Problem::new(
                        format!("{path}.{key}"),
                        unknown_key(key, &names),
                    ));
                    continue;
                };
                if let Some(values) = parse_strings(v, &format!("{path}.{key}"), problems) {
                    entries.push((*t, values));
                }
            }
            Some(Principal::Typed(entries))
        }
        Value::String(s) => {
            problems.push(Problem::new(
                path,
                format!("must be \"*\" or an object such as {{\"AWS\": \"{s}\"}}, found the string {s:?}"),
            ));
            None
        }
        other => {
            problems.push(Problem::new(
                path,
                format!("must be \"*\" or an object keyed by AWS, Service, Federated or CanonicalUser, found {}", json_type(other)),
            ));
            None
        }
    }
}

fn parse_condition_value(
    value: &Value,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<ConditionValue> {
    match value {
        Value::String(s) => Some(ConditionValue::String(s.clone())),
        Value::Bool(b) => Some(ConditionValue::Bool(*b)),
        Value::Number(n) => Some(ConditionValue::Number(n.clone())),
        other => {
            problems.push(Problem::new(
                path,
                format!(
                    "a condition value must be a string, boolean or number, found {}",
                    json_type(other)
                ),
            ));
            None
        }
    }
}

fn parse_condition(
    value: &Value,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<Vec<Condition>> {
    let Value::Object(block) = value else {
        problems.push(Problem::new(
            path,
            format!("must be an object of operators, found {}", json_type(value)),
        ));
        return None;
    };
    let mut out = Vec::new();
    for (op_name, keys) in block {
        let op_path = format!("{path}.{op_name}");
        let operator = match ConditionOperator::parse(op_name) {
            Ok(op) => Some(op),
            Err(e) => {
                problems.push(Problem::new(op_path.clone(), e.message().to_owned()));
                None
            }
        };
        let Value::Object(keys) = keys else {
            problems.push(Problem::new(
                op_path,
                format!(
                    "must be an object of condition keys, found {}",
                    json_type(keys)
                ),
            ));
            continue;
        };
        if keys.is_empty() {
            problems.push(Problem::new(op_path, "names no condition key"));
            continue;
        }
        for (key, values) in keys {
            let key_path = format!("{op_path}[{key:?}]");
            let values = match values {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| parse_condition_value(v, &format!("{key_path}[{i}]"), problems))
                    .collect::<Option<Vec<_>>>()
                    .map(OneOrMany::Many),
                v => parse_condition_value(v, &key_path, problems).map(OneOrMany::One),
            };
            if let (Some(operator), Some(values)) = (operator, values) {
                out.push(Condition {
                    operator,
                    key: key.clone(),
                    values,
                });
            }
        }
    }
    Some(out)
}
