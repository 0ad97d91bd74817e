//! A YAML template read into its JSON form (the `yaml` feature): short-form tags
//! such as `!Sub` and `!GetAtt` in their long form, the nesting checked on the
//! parser's events before any tree is built.

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use saphyr_parser::{Event, Parser};
use serde_json::{Map, Value, json};

/// The YAML short form of an intrinsic function, in its JSON long form.
fn long_form(tag: &str, value: Value) -> Value {
    match tag {
        "Ref" => json!({ "Ref": value }),
        "Condition" => json!({ "Condition": value }),
        // `!GetAtt Res.Attr` is `["Res", "Attr"]`.
        "GetAtt" => match value {
            Value::String(s) => {
                let (res, attr) = s.split_once('.').unwrap_or((s.as_str(), ""));
                json!({ "Fn::GetAtt": [res, attr] })
            }
            other => json!({ "Fn::GetAtt": other }),
        },
        other => json!({ format!("Fn::{other}"): value }),
    }
}

/// A YAML document as JSON, short-form tags in their long form.
fn to_json(y: &Yaml<'_>) -> Result<Value, String> {
    Ok(match y {
        Yaml::Value(Scalar::Null) => Value::Null,
        Yaml::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        Yaml::Value(Scalar::Integer(i)) => Value::from(*i),
        Yaml::Value(Scalar::FloatingPoint(f)) => json!(f.into_inner()),
        Yaml::Value(Scalar::String(s)) => Value::String(s.to_string()),
        Yaml::Representation(s, _, _) => Value::String(s.to_string()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Yaml::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match to_json(k)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, to_json(v)?);
            }
            Value::Object(out)
        }
        Yaml::Tagged(tag, node) => {
            if tag.handle == "!" {
                long_form(&tag.suffix, to_json(node)?)
            } else {
                to_json(node)?
            }
        }
        Yaml::Alias(_) => return Err("YAML aliases are not read".to_owned()),
        Yaml::BadValue => return Err("a YAML value cannot be read".to_owned()),
    })
}

/// The deepest nesting of collections a YAML template may have (JSON's parser
/// stops at 128): no template comes near it, and reading deeper would exhaust
/// the stack.
pub(crate) const MAX_YAML_DEPTH: usize = 64;

/// Checks the YAML's nesting from the parser's events, before any tree is built.
fn check_depth(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| format!("not YAML: {e}"))?;
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_YAML_DEPTH {
                    return Err(format!(
                        "collections nested deeper than {MAX_YAML_DEPTH} levels (line {})",
                        span.start.line()
                    ));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// The template's YAML text as JSON.
pub(super) fn parse(text: &str) -> Result<Value, String> {
    check_depth(text)?;
    let docs = Yaml::load_from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    match docs.as_slice() {
        [one] => to_json(one),
        _ => Err("a template is one YAML document".to_owned()),
    }
}
