//! Conditions, compiled once: operators, lower-cased keys, values parsed per family.

use std::net::IpAddr;

use xrole_core::policy::{
    Condition, ConditionOperator, OperatorBase, OperatorFamily, SetQualifier, values,
};

use super::context::Context;
use super::pattern::{Pattern, Syntax};

/// A policy value, parsed for its family when it holds no variable.
#[derive(Clone, Debug)]
enum Typed {
    /// Compare as text through the pattern.
    Text,
    Number(f64),
    Date(i64),
    Bool(bool),
    Cidr(values::Cidr),
    /// The six sections of an ARN pattern.
    Arn(Vec<Pattern>),
    /// Not readable for the family: matches nothing.
    Invalid,
}

#[derive(Clone, Debug)]
struct Value {
    pattern: Pattern,
    typed: Typed,
}

/// A compiled condition.
#[derive(Clone, Debug)]
pub(crate) struct CompiledCondition {
    pub(crate) operator: ConditionOperator,
    /// As written, for explanations.
    pub(crate) key: String,
    key_lower: String,
    values: Vec<Value>,
    /// The values as written, for explanations.
    pub(crate) written: Vec<String>,
}

/// Keys whose value the caller chooses with each call, or that describe the call's
/// circumstances rather than who the caller is: what an access graph takes as
/// satisfiable, labelling the edge with it. Lower case; entries ending in `/` are
/// prefixes.
const CALLER_CHOSEN_KEYS: [&str; 17] = [
    "sts:externalid",
    "sts:rolesessionname",
    "sts:sourceidentity",
    "sts:transitivetagkeys",
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:vpcsourceip",
    "aws:requesttag/",
    "aws:tagkeys",
    "aws:securetransport",
    "aws:currenttime",
    "aws:epochtime",
    "aws:requestedregion",
    "aws:viaawsservice",
];

/// Whether a condition key is a web identity token's claim: its prefix is the
/// issuer's host (`token.actions.githubusercontent.com:sub`), where AWS's own
/// prefixes (`aws:`, `sts:`) hold no dot.
pub(super) fn is_claim_key(key: &str) -> bool {
    key.split_once(':')
        .is_some_and(|(prefix, _)| prefix.contains('.'))
}

fn typed(family: OperatorFamily, text: &str, variables: bool) -> Typed {
    match family {
        OperatorFamily::String | OperatorFamily::Binary => Typed::Text,
        OperatorFamily::Numeric => values::parse_number(text).map_or(Typed::Invalid, Typed::Number),
        OperatorFamily::Date => values::parse_date(text).map_or(Typed::Invalid, Typed::Date),
        OperatorFamily::Bool | OperatorFamily::Null => {
            values::parse_bool(text).map_or(Typed::Invalid, Typed::Bool)
        }
        OperatorFamily::Ip => values::Cidr::parse(text).map_or(Typed::Invalid, Typed::Cidr),
        OperatorFamily::Arn => arn_sections(text).map_or(Typed::Invalid, |parts| {
            Typed::Arn(
                parts
                    .iter()
                    .map(|part| {
                        Pattern::compile(
                            part,
                            Syntax {
                                wildcards: true,
                                variables,
                                fold: false,
                            },
                        )
                    })
                    .collect(),
            )
        }),
        // A family added to the policy language later: no value can match yet.
        _ => Typed::Invalid,
    }
}

/// An ARN's six sections ([`xrole_core::Arn`]); a lone `*` stands for any ARN.
pub(crate) fn arn_sections(text: &str) -> Option<[&str; 6]> {
    if text == "*" {
        return Some(["*"; 6]);
    }
    xrole_core::Arn::split(text).map(|arn| arn.sections())
}

/// The positive form of a negated operator.
fn positive(base: OperatorBase) -> OperatorBase {
    use OperatorBase::*;
    match base {
        StringNotEquals => StringEquals,
        StringNotEqualsIgnoreCase => StringEqualsIgnoreCase,
        StringNotLike => StringLike,
        NumericNotEquals => NumericEquals,
        DateNotEquals => DateEquals,
        NotIpAddress => IpAddress,
        ArnNotEquals => ArnEquals,
        ArnNotLike => ArnLike,
        other => other,
    }
}

impl CompiledCondition {
    pub(crate) fn compile(c: &Condition, variables: bool) -> Self {
        let base = positive(c.operator.base);
        let family = base.family();
        let syntax = Syntax {
            wildcards: base == OperatorBase::StringLike,
            variables,
            fold: base == OperatorBase::StringEqualsIgnoreCase,
        };
        let values = c
            .values
            .iter()
            .map(|v| {
                let text = v.as_text();
                let pattern = Pattern::compile(&text, syntax);
                let typed = if pattern.has_variables() && family != OperatorFamily::String {
                    // Parsed once the variables are known.
                    Typed::Text
                } else {
                    typed(family, &text, variables)
                };
                Value { pattern, typed }
            })
            .collect();
        Self {
            operator: c.operator,
            key: c.key.clone(),
            key_lower: c.key.to_ascii_lowercase(),
            values,
            written: c.values.iter().map(|v| v.as_text().into_owned()).collect(),
        }
    }

    /// Whether the caller chooses the key's value with the call
    /// ([`CALLER_CHOSEN_KEYS`]), or a web identity token does (a claim key, whose
    /// prefix is the issuer's host: `token.actions.githubusercontent.com:sub`).
    pub(crate) fn caller_chosen(&self) -> bool {
        let key = self.key_lower.as_str();
        is_claim_key(key)
            || CALLER_CHOSEN_KEYS
                .iter()
                .any(|k| match k.strip_suffix('/') {
                    Some(prefix) => key.starts_with(prefix) && key.len() > prefix.len(),
                    None => key == *k,
                })
    }

    /// Whether the condition's outcome may differ between two principals with the
    /// same policies and tags: its key names the principal itself, or a value
    /// uses a policy variable.
    pub(crate) fn depends_on_principal(&self) -> bool {
        matches!(
            self.key_lower.as_str(),
            "aws:principalarn" | "aws:username" | "aws:userid"
        ) || self.values.iter().any(|v| v.pattern.has_variables())
    }

    /// Whether the request leaves this condition open: the caller chooses its key
    /// and the request has no value for it (see [`Request::open_conditions`](super::Request::open_conditions)).
    pub(crate) fn open_in(&self, ctx: &Context) -> bool {
        self.caller_chosen() && ctx.get_lower(&self.key_lower).is_none()
    }

    /// Whether the condition holds for the request.
    pub(crate) fn holds(&self, ctx: &Context) -> bool {
        let op = self.operator;
        let present = ctx
            .get_lower(&self.key_lower)
            .map(|v| v.as_slice())
            .filter(|v| !v.is_empty());
        if op.base == OperatorBase::Null {
            // "true": the key must be absent; "false": present.
            return self.values.iter().any(|v| match v.typed {
                Typed::Bool(absent) => absent == present.is_none(),
                _ => false,
            });
        }
        let negated = op.base.is_negated();
        let Some(request_values) = present else {
            if op.if_exists {
                return true;
            }
            return match op.qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => negated,
            };
        };
        let base = positive(op.base);
        let matches_one = |rv: &str| {
            self.values
                .iter()
                .any(|pv| value_matches(base, rv, pv, ctx))
        };
        match (op.qualifier, negated) {
            (None, false) => request_values.iter().any(|rv| matches_one(rv)),
            (None, true) => !request_values.iter().any(|rv| matches_one(rv)),
            (Some(SetQualifier::ForAnyValue), false) => {
                request_values.iter().any(|rv| matches_one(rv))
            }
            (Some(SetQualifier::ForAnyValue), true) => {
                request_values.iter().any(|rv| !matches_one(rv))
            }
            (Some(SetQualifier::ForAllValues), false) => {
                request_values.iter().all(|rv| matches_one(rv))
            }
            (Some(SetQualifier::ForAllValues), true) => {
                request_values.iter().all(|rv| !matches_one(rv))
            }
        }
    }
}

/// Whether request value `rv` matches policy value `pv` under a positive operator.
fn value_matches(base: OperatorBase, rv: &str, pv: &Value, ctx: &Context) -> bool {
    let family = base.family();
    if family == OperatorFamily::String || family == OperatorFamily::Binary {
        return pv.pattern.matches(rv, ctx);
    }
    // Values with variables are read once resolved.
    let resolved;
    let typed = match &pv.typed {
        Typed::Text => match pv.pattern.resolve(ctx) {
            Some(text) => {
                resolved = typed(family, &text, false);
                &resolved
            }
            None => return false,
        },
        t => t,
    };
    use OperatorBase::*;
    match (typed, base) {
        (Typed::Number(p), _) => values::parse_number(rv).is_some_and(|r| compare(base, r, *p)),
        (Typed::Date(p), _) => {
            values::parse_date(rv).is_some_and(|r| compare(base, r as f64, *p as f64))
        }
        (Typed::Bool(p), Bool) => values::parse_bool(rv) == Some(*p),
        (Typed::Cidr(net), IpAddress) => {
            rv.trim().parse::<IpAddr>().is_ok_and(|ip| net.contains(ip))
        }
        (Typed::Arn(sections), ArnEquals | ArnLike) => arn_sections(rv).is_some_and(|parts| {
            rv != "*"
                && parts
                    .iter()
                    .zip(sections)
                    .all(|(part, pattern)| pattern.matches(part, ctx))
        }),
        _ => false,
    }
}

fn compare(base: OperatorBase, request: f64, policy: f64) -> bool {
    use OperatorBase::*;
    match base {
        NumericEquals | DateEquals => request == policy,
        NumericLessThan | DateLessThan => request < policy,
        NumericLessThanEquals | DateLessThanEquals => request <= policy,
        NumericGreaterThan | DateGreaterThan => request > policy,
        NumericGreaterThanEquals | DateGreaterThanEquals => request >= policy,
        _ => false,
    }
}
