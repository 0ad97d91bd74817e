//! The canonical serializer of policy documents: stable key order and layout, so a
//! document renders the same way every time (snapshots, sizes as AWS counts them).

use std::fmt;

use serde::ser::{SerializeMap, SerializeSeq};

use super::condition::ConditionOperator;
use super::document::{Condition, ConditionValue, OneOrMany, PolicyDocument, Principal, Statement};

impl fmt::Display for PolicyDocument {
    /// The canonical pretty JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_canonical_json())
    }
}

impl serde::Serialize for PolicyDocument {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(v) = self.version {
            map.serialize_entry("Version", v.as_str())?;
        }
        if let Some(id) = &self.id {
            map.serialize_entry("Id", id)?;
        }
        map.serialize_entry("Statement", &self.statement)?;
        map.end()
    }
}
impl serde::Serialize for Statement {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(sid) = &self.sid {
            map.serialize_entry("Sid", sid)?;
        }
        map.serialize_entry("Effect", self.effect.as_str())?;
        if let Some(p) = &self.principal {
            map.serialize_entry("Principal", p)?;
        }
        if let Some(p) = &self.not_principal {
            map.serialize_entry("NotPrincipal", p)?;
        }
        for (name, field) in [
            ("Action", &self.action),
            ("NotAction", &self.not_action),
            ("Resource", &self.resource),
            ("NotResource", &self.not_resource),
        ] {
            if let Some(v) = field {
                map.serialize_entry(name, v)?;
            }
        }
        if let Some(c) = &self.condition {
            map.serialize_entry("Condition", &ConditionBlock(c))?;
        }
        map.end()
    }
}

impl serde::Serialize for Principal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Any => s.serialize_str("*"),
            Principal::Typed(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (t, v) in entries {
                    map.serialize_entry(t.as_str(), v)?;
                }
                map.end()
            }
        }
    }
}

/// Serializes flattened conditions back into `{operator: {key: values}}`, grouping
/// keys under the first appearance of their operator.
struct ConditionBlock<'a>(&'a [Condition]);

impl serde::Serialize for ConditionBlock<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut operators: Vec<ConditionOperator> = Vec::new();
        for c in self.0 {
            if !operators.contains(&c.operator) {
                operators.push(c.operator);
            }
        }
        let mut map = s.serialize_map(Some(operators.len()))?;
        for op in operators {
            let keys = KeyBlock(self.0, op);
            map.serialize_entry(&op.to_string(), &keys)?;
        }
        map.end()
    }
}

struct KeyBlock<'a>(&'a [Condition], ConditionOperator);

impl serde::Serialize for KeyBlock<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for c in self.0.iter().filter(|c| c.operator == self.1) {
            map.serialize_entry(&c.key, &c.values)?;
        }
        map.end()
    }
}

// ---- parsing, with a path for every problem ----

impl<T: serde::Serialize> serde::Serialize for OneOrMany<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            OneOrMany::One(v) => v.serialize(s),
            OneOrMany::Many(v) => {
                let mut seq = s.serialize_seq(Some(v.len()))?;
                for item in v {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
        }
    }
}

impl serde::Serialize for ConditionValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ConditionValue::String(v) => s.serialize_str(v),
            ConditionValue::Bool(v) => s.serialize_bool(*v),
            ConditionValue::Number(v) => v.serialize(s),
        }
    }
}
