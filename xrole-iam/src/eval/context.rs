//! The request context: condition keys and their values.

/// A context value: one string, or a set (`aws:TagKeys`, `sts:TransitiveTagKeys`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key.
    Single(String),
    /// A multivalued key.
    Multi(Vec<String>),
}

impl ContextValue {
    /// A key's values as a request classifier gives them: one is a single value,
    /// several (or none) a multivalued key.
    pub fn of_values(values: &[String]) -> Self {
        match values {
            [one] => ContextValue::Single(one.clone()),
            many => ContextValue::Multi(many.to_vec()),
        }
    }

    /// The values as a slice (one element for a single value).
    pub fn as_slice(&self) -> &[String] {
        match self {
            ContextValue::Single(v) => std::slice::from_ref(v),
            ContextValue::Multi(v) => v,
        }
    }

    /// The value of a single-valued key (policy variables use only these).
    pub fn single(&self) -> Option<&str> {
        match self {
            ContextValue::Single(v) => Some(v),
            ContextValue::Multi(_) => None,
        }
    }
}

impl From<&str> for ContextValue {
    fn from(v: &str) -> Self {
        ContextValue::Single(v.to_owned())
    }
}

impl From<String> for ContextValue {
    fn from(v: String) -> Self {
        ContextValue::Single(v)
    }
}

impl From<bool> for ContextValue {
    fn from(v: bool) -> Self {
        ContextValue::Single(v.to_string())
    }
}

impl<S: Into<String>> From<Vec<S>> for ContextValue {
    fn from(v: Vec<S>) -> Self {
        ContextValue::Multi(v.into_iter().map(Into::into).collect())
    }
}

/// Condition keys of a request. Keys compare case-insensitively, as AWS compares them.
///
/// A request carries a handful of keys, so they live in a small vector: a linear
/// scan over short keys is faster than hashing them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    keys: Vec<(String, ContextValue)>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (replacing any value it had).
    pub fn insert(&mut self, key: &str, value: impl Into<ContextValue>) {
        let key = key.to_ascii_lowercase();
        let value = value.into();
        match self.keys.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.keys.push((key, value)),
        }
    }

    /// Sets `key` unless it is already set.
    pub fn insert_default(&mut self, key: &str, value: impl Into<ContextValue>) {
        if self.get(key).is_none() {
            self.insert(key, value);
        }
    }

    /// Sets `key` and returns the context, for building one in an expression.
    pub fn with(mut self, key: &str, value: impl Into<ContextValue>) -> Self {
        self.insert(key, value);
        self
    }

    /// The value of `key`, in any case.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.keys
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    /// The value of an already lower-cased key (the evaluator's hot path).
    pub(crate) fn get_lower(&self, key: &str) -> Option<&ContextValue> {
        self.keys.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets every key of `other`, moved rather than copied (its keys are
    /// already lower case).
    pub fn extend(&mut self, other: Context) {
        for (key, value) in other.keys {
            match self.keys.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => *v = value,
                None => self.keys.push((key, value)),
            }
        }
    }

    /// Every key (lower case) and value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.keys.iter().map(|(k, v)| (k.as_str(), v))
    }
}
