//! The template's text as JSON (YAML's short-form tags in their long form) and
//! its intrinsic functions resolved: `Ref`, `Fn::Sub`, `Fn::Join`, `Fn::GetAtt`,
//! `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, the pseudo parameters; any other
//! function is unresolvable offline.

use std::cell::Cell;
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::StackContext;

/// The longest text one intrinsic function may resolve to, and the most text a
/// template's resolution may produce in all: IAM documents are a few kilobytes,
/// and a template of many references to a long parameter must not ask for more.
pub(crate) const MAX_RESOLVED_CHARS: usize = 1024 * 1024;
pub(crate) const MAX_RESOLVED_TOTAL: usize = 64 * 1024 * 1024;

/// A KMS key's id is CloudFormation's to choose: `what` needs it given.
fn key_unknown(what: &str, id: &str) -> String {
    format!(
        "{what}: a KMS key's id is known only once deployed: give it, with the stack's region (--parameter {id}=KEY_ID)"
    )
}

/// The template as JSON, whichever it was written in.
pub(super) fn parse(text: &str) -> Result<Value, String> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"));
    }
    #[cfg(feature = "yaml")]
    return super::yaml::parse(text);
    #[cfg(not(feature = "yaml"))]
    Err("a YAML template: xrole-iam is built without its yaml feature".to_owned())
}

/// What a resource of the template resolves to: its name and ARN.
pub(super) struct Named {
    pub(super) name: String,
    pub(super) arn: String,
    /// What `Ref` gives: a managed policy's or topic's ARN, a queue's URL, the
    /// name of the others.
    pub(super) reference: String,
}

pub(super) struct Resolver<'t> {
    pub(super) template: &'t Value,
    pub(super) stack: &'t StackContext,
    /// Logical id to the resource's name and ARN, when the template names it.
    pub(super) named: HashMap<String, Named>,
    /// The text resolution has produced so far (see [`MAX_RESOLVED_TOTAL`]).
    pub(super) produced: Cell<usize>,
}

impl Resolver<'_> {
    /// Counts `chars` more characters of resolved text, refused past the bounds.
    fn charge(&self, what: &str, chars: usize) -> Result<(), String> {
        let total = self.produced.get().saturating_add(chars);
        if chars > MAX_RESOLVED_CHARS {
            return Err(format!(
                "{what} resolves to {chars} characters, more than the {MAX_RESOLVED_CHARS} a value may have"
            ));
        }
        if total > MAX_RESOLVED_TOTAL {
            return Err(format!(
                "the template resolves to more than {MAX_RESOLVED_TOTAL} characters of values"
            ));
        }
        self.produced.set(total);
        Ok(())
    }

    /// A resolved value, its text counted.
    fn counted(&self, what: &str, v: Value) -> Result<Value, String> {
        if let Value::String(s) = &v {
            self.charge(what, s.len())?;
        }
        Ok(v)
    }

    fn parameter(&self, name: &str) -> Result<Value, String> {
        match name {
            "AWS::AccountId" => return Ok(Value::String(self.stack.account.to_string())),
            "AWS::Region" => {
                return self
                    .stack
                    .region
                    .clone()
                    .map(Value::String)
                    .ok_or_else(|| "AWS::Region has no value: give the stack's region".to_owned());
            }
            "AWS::Partition" => {
                return Ok(Value::String(self.stack.partition().as_str().into()));
            }
            "AWS::URLSuffix" => {
                return Ok(Value::String(self.stack.partition().dns_suffix().into()));
            }
            _ => {}
        }
        if let Some(v) = self.stack.parameters.get(name) {
            return Ok(Value::String(v.clone()));
        }
        if let Some(p) = self.template.pointer(&format!("/Parameters/{name}")) {
            return p.get("Default").cloned().ok_or_else(|| {
                format!("parameter {name} has no value: give it (--parameter {name}=VALUE)")
            });
        }
        match self.named.get(name) {
            Some(n) => Ok(Value::String(n.reference.clone())),
            None if self.is_key(name) => Err(key_unknown(&format!("Ref {name}"), name)),
            None => Err(format!(
                "Ref {name}: no parameter, pseudo parameter or named resource"
            )),
        }
    }

    /// Whether the template's resource `id` is a KMS key.
    fn is_key(&self, id: &str) -> bool {
        self.template
            .pointer(&format!("/Resources/{id}/Type"))
            .and_then(Value::as_str)
            == Some("AWS::KMS::Key")
    }

    fn attribute(&self, resource: &str, attr: &str) -> Result<Value, String> {
        let what = format!("Fn::GetAtt {resource}.{attr}");
        let n = self.named.get(resource).ok_or_else(|| {
            if self.is_key(resource) {
                key_unknown(&what, resource)
            } else {
                format!("{what}: not a named resource of the template")
            }
        })?;
        match attr {
            "KeyId" if self.is_key(resource) => Ok(Value::String(n.name.clone())),
            "Arn" | "PolicyArn" | "TopicArn" => Ok(Value::String(n.arn.clone())),
            "QueueUrl" => Ok(Value::String(n.reference.clone())),
            "QueueName" | "TopicName" => Ok(Value::String(n.name.clone())),
            _ => Err(format!(
                "Fn::GetAtt {resource}.{attr} is known only once deployed"
            )),
        }
    }

    /// `value` with every intrinsic function resolved; `None` for `AWS::NoValue`.
    pub(super) fn resolve(&self, value: &Value) -> Result<Option<Value>, String> {
        match value {
            Value::Array(items) => {
                let mut out = Vec::new();
                for v in items {
                    out.extend(self.resolve(v)?);
                }
                Ok(Some(Value::Array(out)))
            }
            Value::Object(map) if map.len() == 1 => {
                let (k, v) = map
                    .iter()
                    .next()
                    .map(|(k, v)| (k.as_str(), v))
                    .unwrap_or(("", v_null()));
                match k {
                    "Ref" => match v.as_str() {
                        Some("AWS::NoValue") => Ok(None),
                        Some(name) => self
                            .parameter(name)
                            .and_then(|p| self.counted(&format!("Ref {name}"), p))
                            .map(Some),
                        None => Err("Ref takes a name".into()),
                    },
                    "Fn::GetAtt" => {
                        let parts: Vec<String> = match self.resolve(v)? {
                            Some(Value::Array(a)) => a
                                .iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect(),
                            _ => Vec::new(),
                        };
                        match parts.as_slice() {
                            [res, attr] => self.attribute(res, attr).map(Some),
                            _ => Err("Fn::GetAtt takes [resource, attribute]".into()),
                        }
                    }
                    "Fn::Join" => {
                        let Some(Value::Array(args)) = self.resolve(v)? else {
                            return Err("Fn::Join takes [delimiter, [values]]".into());
                        };
                        match args.as_slice() {
                            [Value::String(d), Value::Array(items)] => {
                                let parts: Option<Vec<&str>> =
                                    items.iter().map(Value::as_str).collect();
                                let parts = parts.ok_or("Fn::Join joins text values")?;
                                // Counted before it is made.
                                let chars = parts.iter().map(|p| p.len()).sum::<usize>()
                                    + d.len() * parts.len().saturating_sub(1);
                                self.charge("Fn::Join", chars)?;
                                Ok(Some(Value::String(parts.join(d))))
                            }
                            _ => Err("Fn::Join takes [delimiter, [values]]".into()),
                        }
                    }
                    "Fn::Select" => {
                        let Some(Value::Array(args)) = self.resolve(v)? else {
                            return Err("Fn::Select takes [index, [values]]".into());
                        };
                        let index = args
                            .first()
                            .and_then(|i| i.as_u64().or_else(|| i.as_str()?.parse().ok()));
                        match (index, args.get(1)) {
                            (Some(i), Some(Value::Array(items))) => items
                                .get(usize::try_from(i).unwrap_or(usize::MAX))
                                .cloned()
                                .map(Some)
                                .ok_or_else(|| format!("Fn::Select: no value at {i}")),
                            _ => Err("Fn::Select takes [index, [values]]".into()),
                        }
                    }
                    "Fn::Split" => {
                        let Some(Value::Array(args)) = self.resolve(v)? else {
                            return Err("Fn::Split takes [delimiter, text]".into());
                        };
                        match args.as_slice() {
                            [Value::String(d), Value::String(t)] if !d.is_empty() => {
                                Ok(Some(Value::Array(
                                    t.split(d.as_str())
                                        .map(|s| Value::String(s.into()))
                                        .collect(),
                                )))
                            }
                            _ => Err("Fn::Split takes [delimiter, text]".into()),
                        }
                    }
                    "Fn::FindInMap" => {
                        let Some(Value::Array(args)) = self.resolve(v)? else {
                            return Err("Fn::FindInMap takes [map, key, key]".into());
                        };
                        let keys: Option<Vec<&str>> = args.iter().map(Value::as_str).collect();
                        match keys.as_deref() {
                            Some([m, a, b]) => self
                                .template
                                .get("Mappings")
                                .and_then(|x| x.get(m))
                                .and_then(|x| x.get(a))
                                .and_then(|x| x.get(b))
                                .cloned()
                                .map(Some)
                                .ok_or_else(|| {
                                    format!("Fn::FindInMap: {m}.{a}.{b} is not in Mappings")
                                }),
                            _ => Err("Fn::FindInMap takes [map, key, key]".into()),
                        }
                    }
                    "Fn::Sub" => self.sub(v).map(|s| Some(Value::String(s))),
                    f if f.starts_with("Fn::") || f == "Condition" => Err(format!(
                        "{f} is not resolved offline: its value is known only once deployed"
                    )),
                    _ => self.object(map),
                }
            }
            Value::Object(map) => self.object(map),
            other => Ok(Some(other.clone())),
        }
    }

    fn object(&self, map: &Map<String, Value>) -> Result<Option<Value>, String> {
        let mut out = Map::new();
        for (k, v) in map {
            if let Some(v) = self.resolve(v)? {
                out.insert(k.clone(), v);
            }
        }
        Ok(Some(Value::Object(out)))
    }

    /// `Fn::Sub`: `"text ${Name} ${Res.Attr} ${!Literal}"`, or `[text, {Name: value}]`.
    fn sub(&self, v: &Value) -> Result<String, String> {
        let (text, vars) = match v {
            Value::String(t) => (t.as_str(), None),
            Value::Array(a) => match a.as_slice() {
                [Value::String(t), Value::Object(vars)] => (t.as_str(), Some(vars)),
                _ => return Err("Fn::Sub takes text, or [text, {variables}]".into()),
            },
            _ => return Err("Fn::Sub takes text, or [text, {variables}]".into()),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or("Fn::Sub: unclosed ${")?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else {
                let value = match vars.and_then(|m| m.get(name)) {
                    Some(v) => self.resolve(v)?,
                    None => match name.split_once('.') {
                        Some((res, attr)) if !name.starts_with("AWS::") => {
                            Some(self.attribute(res, attr)?)
                        }
                        _ => Some(self.parameter(name)?),
                    },
                };
                let text = match value {
                    Some(Value::String(s)) => s,
                    Some(Value::Number(n)) => n.to_string(),
                    _ => return Err(format!("Fn::Sub: ${{{name}}} is not text")),
                };
                if out.len() + text.len() > MAX_RESOLVED_CHARS {
                    return Err(format!(
                        "Fn::Sub resolves to more than the {MAX_RESOLVED_CHARS} characters a value may have"
                    ));
                }
                out.push_str(&text);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        self.charge("Fn::Sub", out.len())?;
        Ok(out)
    }
}

fn v_null() -> &'static Value {
    &Value::Null
}
