//! The policy document model: documents, statements, principals, conditions, kept
//! as written (`parse.rs` reads them, `serialize.rs` writes them canonically).

use serde_json::Value;

use super::condition::ConditionOperator;
use super::parse::parse_document;
use super::problem::{PolicyError, Problem};

/// A single value or a list, kept as written: `"s3:GetObject"` and
/// `["s3:GetObject"]` mean the same to AWS but stay distinct here.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OneOrMany<T> {
    /// Written as a single value.
    One(T),
    /// Written as a list.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// The values, whichever way they were written.
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(v) => std::slice::from_ref(v),
            OneOrMany::Many(v) => v,
        }
    }

    /// Iterates over the values.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.as_slice().iter()
    }

    /// How many values.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there is no value (only an empty list).
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// A single value as `One`, several as `Many`: the form the IAM documentation
    /// uses in its examples.
    pub fn from_vec(mut values: Vec<T>) -> Self {
        if values.len() == 1
            && let Some(v) = values.pop()
        {
            return OneOrMany::One(v);
        }
        OneOrMany::Many(values)
    }
}

impl<'a, T> IntoIterator for &'a OneOrMany<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The policy language version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyVersion {
    /// `2012-10-17`: the current language, with policy variables.
    V2012_10_17,
    /// `2008-10-17`: the old language; `${...}` is literal text.
    V2008_10_17,
}

impl PolicyVersion {
    /// The version string.
    pub const fn as_str(self) -> &'static str {
        match self {
            PolicyVersion::V2012_10_17 => "2012-10-17",
            PolicyVersion::V2008_10_17 => "2008-10-17",
        }
    }
}

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

impl Effect {
    /// The effect as written.
    pub const fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// The key of a principal map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalType {
    /// `AWS`: accounts, users, roles, sessions.
    Aws,
    /// `Service`: AWS services.
    Service,
    /// `Federated`: identity providers.
    Federated,
    /// `CanonicalUser`: S3 canonical user ids.
    CanonicalUser,
}

impl PrincipalType {
    /// Every type, in canonical order.
    pub const ALL: [PrincipalType; 4] = [
        PrincipalType::Aws,
        PrincipalType::Service,
        PrincipalType::Federated,
        PrincipalType::CanonicalUser,
    ];

    /// The key as written.
    pub const fn as_str(self) -> &'static str {
        match self {
            PrincipalType::Aws => "AWS",
            PrincipalType::Service => "Service",
            PrincipalType::Federated => "Federated",
            PrincipalType::CanonicalUser => "CanonicalUser",
        }
    }
}

/// A `Principal` or `NotPrincipal` element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// `"*"`: everyone, signed or anonymous.
    Any,
    /// A map from principal type to values, in the order written.
    Typed(Vec<(PrincipalType, OneOrMany<String>)>),
}

impl Principal {
    /// `{"AWS": value}` with one value.
    pub fn aws(value: impl Into<String>) -> Self {
        Principal::Typed(vec![(PrincipalType::Aws, OneOrMany::One(value.into()))])
    }

    /// Every `(type, value)` pair.
    pub fn entries(&self) -> impl Iterator<Item = (PrincipalType, &str)> {
        let typed: &[(PrincipalType, OneOrMany<String>)] = match self {
            Principal::Any => &[],
            Principal::Typed(v) => v,
        };
        typed
            .iter()
            .flat_map(|(t, vs)| vs.iter().map(move |v| (*t, v.as_str())))
    }
}

/// A condition value: AWS takes strings, and also accepts JSON booleans and numbers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConditionValue {
    /// A string.
    String(String),
    /// A JSON boolean.
    Bool(bool),
    /// A JSON number, as written.
    Number(serde_json::Number),
}

impl ConditionValue {
    /// The value as text, as AWS compares it.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            ConditionValue::String(s) => s.as_str().into(),
            ConditionValue::Bool(b) => b.to_string().into(),
            ConditionValue::Number(n) => n.to_string().into(),
        }
    }
}

impl From<&str> for ConditionValue {
    fn from(s: &str) -> Self {
        ConditionValue::String(s.to_owned())
    }
}

/// One condition: an operator, a key and its values
/// (`"StringEquals": {"sts:ExternalId": "..."}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The operator.
    pub operator: ConditionOperator,
    /// The context key as written (keys compare case-insensitively).
    pub key: String,
    /// The values; any one matching is enough.
    pub values: OneOrMany<ConditionValue>,
}

/// A policy statement.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Statement {
    /// `Sid`.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Principal`.
    pub principal: Option<Principal>,
    /// `NotPrincipal`.
    pub not_principal: Option<Principal>,
    /// `Action`.
    pub action: Option<OneOrMany<String>>,
    /// `NotAction`.
    pub not_action: Option<OneOrMany<String>>,
    /// `Resource`.
    pub resource: Option<OneOrMany<String>>,
    /// `NotResource`.
    pub not_resource: Option<OneOrMany<String>>,
    /// `Condition`, flattened to one entry per operator and key, in written order.
    /// `Some(vec![])` is an empty `{}` block.
    pub condition: Option<Vec<Condition>>,
}

impl Statement {
    /// A statement with only an effect; add elements with the builder methods.
    pub fn new(effect: Effect) -> Self {
        Self {
            sid: None,
            effect,
            principal: None,
            not_principal: None,
            action: None,
            not_action: None,
            resource: None,
            not_resource: None,
            condition: None,
        }
    }

    /// Sets `Sid`.
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// Sets `Principal`.
    pub fn principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// Sets `Action`: one action as a string, several as a list.
    pub fn actions<S: Into<String>>(mut self, actions: impl IntoIterator<Item = S>) -> Self {
        self.action = Some(OneOrMany::from_vec(
            actions.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// Sets `Resource`: one resource as a string, several as a list.
    pub fn resources<S: Into<String>>(mut self, resources: impl IntoIterator<Item = S>) -> Self {
        self.resource = Some(OneOrMany::from_vec(
            resources.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// Adds a condition with one value.
    pub fn condition(
        mut self,
        operator: ConditionOperator,
        key: impl Into<String>,
        value: impl Into<ConditionValue>,
    ) -> Self {
        self.condition.get_or_insert_with(Vec::new).push(Condition {
            operator,
            key: key.into(),
            values: OneOrMany::One(value.into()),
        });
        self
    }
}

/// An IAM policy document: identity, trust (a role's resource policy), resource or
/// session policy.
///
/// Parsing keeps everything as written (single value or list, the `Statement`
/// object or array) and reports every problem with its path. `Serialize` writes the
/// canonical form: keys in the fixed order `Version, Id, Statement` and `Sid, Effect,
/// Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition`,
/// values as written; [`to_canonical_json`](Self::to_canonical_json) pretty-prints
/// it, and parsing that output gives it back unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyDocument {
    /// `Version`; absent means the 2008-10-17 language.
    pub version: Option<PolicyVersion>,
    /// `Id`.
    pub id: Option<String>,
    /// `Statement`.
    pub statement: OneOrMany<Statement>,
}

impl PolicyDocument {
    /// A 2012-10-17 document with these statements (one is written as a list, as the
    /// IAM documentation does).
    pub fn new(statements: Vec<Statement>) -> Self {
        Self {
            version: Some(PolicyVersion::V2012_10_17),
            id: None,
            statement: OneOrMany::Many(statements),
        }
    }

    /// Parses a JSON document, reporting every structural problem with its path.
    pub fn from_json(json: &str) -> Result<Self, PolicyError> {
        let value: Value = serde_json::from_str(json).map_err(|e| {
            PolicyError::new(
                "policy",
                vec![Problem::new("", format!("not valid JSON: {e}"))],
            )
        })?;
        Self::from_value(&value)
    }

    /// Converts a parsed JSON value, reporting every structural problem with its path.
    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let mut problems = Vec::new();
        let doc = parse_document(value, &mut problems);
        match doc {
            Some(doc) if problems.is_empty() => Ok(doc),
            _ => Err(PolicyError::new("policy", problems)),
        }
    }

    /// The statements, whichever way they were written.
    pub fn statements(&self) -> &[Statement] {
        self.statement.as_slice()
    }

    /// The canonical pretty JSON (two-space indent).
    pub fn to_canonical_json(&self) -> String {
        // Serializing our own model into a String cannot fail: every map key is a string.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The canonical compact JSON, as AWS counts a policy's size.
    pub fn to_compact_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether two documents mean the same statements, ignoring how values were
    /// written (single value or one-element list, `Statement` object or array).
    pub fn equivalent(&self, other: &PolicyDocument) -> bool {
        self.version.unwrap_or(PolicyVersion::V2008_10_17)
            == other.version.unwrap_or(PolicyVersion::V2008_10_17)
            && self.id == other.id
            && self.statements().len() == other.statements().len()
            && self
                .statements()
                .iter()
                .zip(other.statements())
                .all(|(a, b)| statements_equivalent(a, b))
    }
}

fn statements_equivalent(a: &Statement, b: &Statement) -> bool {
    fn list<T: PartialEq>(a: &Option<OneOrMany<T>>, b: &Option<OneOrMany<T>>) -> bool {
        a.as_ref().map(OneOrMany::as_slice) == b.as_ref().map(OneOrMany::as_slice)
    }
    fn principal(a: &Option<Principal>, b: &Option<Principal>) -> bool {
        match (a, b) {
            (Some(Principal::Typed(x)), Some(Principal::Typed(y))) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y)
                        .all(|((t1, v1), (t2, v2))| t1 == t2 && v1.as_slice() == v2.as_slice())
            }
            _ => a == b,
        }
    }
    fn conditions(a: &Option<Vec<Condition>>, b: &Option<Vec<Condition>>) -> bool {
        let a = a.as_deref().unwrap_or_default();
        let b = b.as_deref().unwrap_or_default();
        let same = |x: &Condition, y: &Condition| {
            x.operator == y.operator
                && x.key.eq_ignore_ascii_case(&y.key)
                && x.values
                    .iter()
                    .map(ConditionValue::as_text)
                    .eq(y.values.iter().map(ConditionValue::as_text))
        };
        // The entries of a condition block are a JSON object's: unordered. Each
        // (operator, key) appears once in a valid statement, so a match per entry
        // on both sides is the same block.
        a.len() == b.len()
            && a.iter().all(|x| b.iter().any(|y| same(x, y)))
            && b.iter().all(|y| a.iter().any(|x| same(x, y)))
    }
    a.sid == b.sid
        && a.effect == b.effect
        && principal(&a.principal, &b.principal)
        && principal(&a.not_principal, &b.not_principal)
        && list(&a.action, &b.action)
        && list(&a.not_action, &b.not_action)
        && list(&a.resource, &b.resource)
        && list(&a.not_resource, &b.not_resource)
        && conditions(&a.condition, &b.condition)
}
