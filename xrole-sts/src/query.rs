//! The Query protocol's input: form-encoded parameters from the query string and the
//! body, decoded once, within STS's bounds, before anything else reads them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::error::{ErrorCode, StsError};

/// The most parameters one request may carry. A maximal AssumeRole (50 tags, 50
/// transitive tag keys, 10 policy ARNs and its scalars) has about 175.
pub(crate) const MAX_PARAMETERS: usize = 256;

/// The largest request body. A maximal AssumeRole, every character of its tags and
/// policy percent-encoded, is under 200 KiB.
pub(crate) const MAX_BODY_BYTES: usize = 256 * 1024;

/// How much of a caller's text an answer or the audit log repeats.
const ECHO_CHARS: usize = 128;

/// The decoded parameters of one request, in the order sent.
#[derive(Debug, Default)]
pub(crate) struct Query {
    params: Vec<(String, String)>,
}

impl Query {
    /// Parameters of the URI's query string (GET) and of the body (POST), at most
    /// [`MAX_PARAMETERS`] in all.
    pub(crate) fn decode(query_string: Option<&str>, body: &[u8]) -> Result<Self, StsError> {
        let mut params = Vec::new();
        let sources = query_string.map(str::as_bytes).into_iter().chain([body]);
        for source in sources {
            for (k, v) in form_urlencoded::parse(source) {
                if params.len() == MAX_PARAMETERS {
                    return Err(StsError::new(
                        ErrorCode::ValidationError,
                        format!("The request has more than {MAX_PARAMETERS} parameters."),
                    ));
                }
                params.push((k.into_owned(), v.into_owned()));
            }
        }
        Ok(Self { params })
    }

    /// The value of parameter `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every parameter but `Action` and `Version`, the secrets (`TokenCode`, a
    /// `WebIdentityToken`) redacted: what the audit log keeps of a call.
    pub(crate) fn audited(&self) -> Vec<(String, String)> {
        self.params
            .iter()
            .filter(|(k, _)| k != "Action" && k != "Version")
            .map(|(k, v)| {
                let v = if k == "TokenCode" || k == "WebIdentityToken" {
                    "******"
                } else {
                    v
                };
                (k.clone(), v.to_owned())
            })
            .collect()
    }

    /// How many parameters there are.
    pub(crate) fn len(&self) -> usize {
        self.params.len()
    }

    /// `Tags.member.N.Key` / `.Value`, in N order.
    pub(crate) fn member_pairs(&self, prefix: &str) -> Vec<(String, String)> {
        let mut by_index: BTreeMap<u32, (String, String)> = BTreeMap::new();
        for (k, v) in &self.params {
            let Some(rest) = k.strip_prefix(prefix) else {
                continue;
            };
            let Some((n, field)) = rest.split_once('.') else {
                continue;
            };
            let Ok(n) = n.parse::<u32>() else { continue };
            let slot = by_index.entry(n).or_default();
            match field {
                "Key" => slot.0 = v.clone(),
                "Value" => slot.1 = v.clone(),
                _ => {}
            }
        }
        by_index.into_values().collect()
    }

    /// `Name.member.N` (or `.member.N.arn` for policy ARNs), in N order.
    pub(crate) fn member_values(&self, prefix: &str, suffix: &str) -> Vec<String> {
        let mut by_index: BTreeMap<u32, String> = BTreeMap::new();
        for (k, v) in &self.params {
            let Some(rest) = k.strip_prefix(prefix) else {
                continue;
            };
            let rest = rest.strip_suffix(suffix).unwrap_or(rest);
            if let Ok(n) = rest.parse::<u32>() {
                by_index.insert(n, v.clone());
            }
        }
        by_index.into_values().collect()
    }
}

/// A caller's text as an answer or the log repeats it: at most 128 characters.
pub(crate) fn echo(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(ECHO_CHARS) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!(
            "{}... ({} characters)",
            &text[..end],
            text.chars().count()
        )),
    }
}

/// STS's wording for a value that breaks a constraint.
pub(crate) fn constraint(value: &str, field: &str, e: &xrole_core::Error) -> String {
    format!(
        "Value '{}' at '{field}' failed to satisfy constraint: {}",
        echo(value),
        e.message()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_come_from_the_query_string_and_the_body() {
        let q = Query::decode(Some("Action=GetCallerIdentity"), b"Version=2011-06-15").unwrap();
        assert_eq!(q.get("Action"), Some("GetCallerIdentity"));
        assert_eq!(q.get("Version"), Some("2011-06-15"));
    }

    #[test]
    fn too_many_parameters_are_refused_without_keeping_them() {
        let body = "=&".repeat(MAX_PARAMETERS + 1);
        let e = Query::decode(None, body.as_bytes()).unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationError);
        assert!(
            e.message.contains("more than 256 parameters"),
            "{}",
            e.message
        );
        let ok = "=&".repeat(MAX_PARAMETERS);
        assert_eq!(
            Query::decode(None, ok.as_bytes()).unwrap().len(),
            MAX_PARAMETERS
        );
    }

    #[test]
    fn echoes_are_bounded() {
        let long = "x".repeat(1 << 20);
        let e = echo(&long);
        assert!(e.len() < 200, "{}", e.len());
        assert!(e.ends_with("(1048576 characters)"));
        assert_eq!(echo("AssumeRole"), "AssumeRole");
    }
}
