//! Condition operators: every AWS operator, with `...IfExists` and the
//! `ForAllValues:` / `ForAnyValue:` set qualifiers.

use std::fmt;

use crate::{Error, ErrorKind, Subject};

/// The families of condition operators; each compares values its own way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OperatorFamily {
    /// `String*`: text, exact, case-insensitive, or with `*`/`?` wildcards.
    String,
    /// `Numeric*`: numbers.
    Numeric,
    /// `Date*`: ISO 8601 dates or epoch seconds.
    Date,
    /// `Bool`: `true` or `false`.
    Bool,
    /// `BinaryEquals`: base64 text.
    Binary,
    /// `IpAddress`, `NotIpAddress`: addresses and CIDR ranges.
    Ip,
    /// `Arn*`: ARNs, section by section, with wildcards for `ArnLike`.
    Arn,
    /// `Null`: whether the key is absent.
    Null,
}

macro_rules! operators {
    ($($variant:ident => $name:literal, $family:ident;)*) => {
        /// A condition operator without its qualifier or `IfExists` suffix.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum OperatorBase {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl OperatorBase {
            /// Every operator.
            pub const ALL: &'static [OperatorBase] = &[$(OperatorBase::$variant),*];

            /// The operator's name as policies write it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(OperatorBase::$variant => $name,)*
                }
            }

            /// The operator's family.
            pub const fn family(self) -> OperatorFamily {
                match self {
                    $(OperatorBase::$variant => OperatorFamily::$family,)*
                }
            }
        }
    };
}

operators! {
    StringEquals => "StringEquals", String;
    StringNotEquals => "StringNotEquals", String;
    StringEqualsIgnoreCase => "StringEqualsIgnoreCase", String;
    StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase", String;
    StringLike => "StringLike", String;
    StringNotLike => "StringNotLike", String;
    NumericEquals => "NumericEquals", Numeric;
    NumericNotEquals => "NumericNotEquals", Numeric;
    NumericLessThan => "NumericLessThan", Numeric;
    NumericLessThanEquals => "NumericLessThanEquals", Numeric;
    NumericGreaterThan => "NumericGreaterThan", Numeric;
    NumericGreaterThanEquals => "NumericGreaterThanEquals", Numeric;
    DateEquals => "DateEquals", Date;
    DateNotEquals => "DateNotEquals", Date;
    DateLessThan => "DateLessThan", Date;
    DateLessThanEquals => "DateLessThanEquals", Date;
    DateGreaterThan => "DateGreaterThan", Date;
    DateGreaterThanEquals => "DateGreaterThanEquals", Date;
    Bool => "Bool", Bool;
    BinaryEquals => "BinaryEquals", Binary;
    IpAddress => "IpAddress", Ip;
    NotIpAddress => "NotIpAddress", Ip;
    ArnEquals => "ArnEquals", Arn;
    ArnLike => "ArnLike", Arn;
    ArnNotEquals => "ArnNotEquals", Arn;
    ArnNotLike => "ArnNotLike", Arn;
    Null => "Null", Null;
}

impl OperatorBase {
    /// Whether the operator is a negation (`...Not...`, `NotIpAddress`): a missing key
    /// makes it true.
    pub const fn is_negated(self) -> bool {
        matches!(
            self,
            OperatorBase::StringNotEquals
                | OperatorBase::StringNotEqualsIgnoreCase
                | OperatorBase::StringNotLike
                | OperatorBase::NumericNotEquals
                | OperatorBase::DateNotEquals
                | OperatorBase::NotIpAddress
                | OperatorBase::ArnNotEquals
                | OperatorBase::ArnNotLike
        )
    }
}

/// How a condition treats a multivalued key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// `ForAllValues:`: every value of the request matches one of the policy's
    /// (true when the key is missing or empty).
    ForAllValues,
    /// `ForAnyValue:`: at least one value of the request matches one of the policy's.
    ForAnyValue,
}

impl SetQualifier {
    /// The prefix as written, with its colon.
    pub const fn prefix(self) -> &'static str {
        match self {
            SetQualifier::ForAllValues => "ForAllValues:",
            SetQualifier::ForAnyValue => "ForAnyValue:",
        }
    }
}

/// A condition operator as written: `[ForAllValues:|ForAnyValue:]Base[IfExists]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConditionOperator {
    /// The set qualifier, if any.
    pub qualifier: Option<SetQualifier>,
    /// The operator.
    pub base: OperatorBase,
    /// `...IfExists`: true when the key is missing.
    pub if_exists: bool,
}

impl ConditionOperator {
    /// A plain operator: no qualifier, no `IfExists`.
    pub const fn new(base: OperatorBase) -> Self {
        Self {
            qualifier: None,
            base,
            if_exists: false,
        }
    }

    /// Parses an operator name.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let (qualifier, rest) = if let Some(r) = s.strip_prefix(SetQualifier::ForAllValues.prefix())
        {
            (Some(SetQualifier::ForAllValues), r)
        } else if let Some(r) = s.strip_prefix(SetQualifier::ForAnyValue.prefix()) {
            (Some(SetQualifier::ForAnyValue), r)
        } else {
            (None, s)
        };
        let (name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(name) => (name, true),
            None => (rest, false),
        };
        let Some(&base) = OperatorBase::ALL.iter().find(|b| b.as_str() == name) else {
            let hint = OperatorBase::ALL
                .iter()
                .find(|b| b.as_str().eq_ignore_ascii_case(name))
                .map(|b| format!(" (did you mean {:?}?)", b.as_str()))
                .unwrap_or_default();
            return Err(Error::new(
                Subject::ConditionOperator,
                ErrorKind::Unknown,
                format!("unknown operator {s:?}{hint}"),
            ));
        };
        if base == OperatorBase::Null && if_exists {
            return Err(Error::new(
                Subject::ConditionOperator,
                ErrorKind::Conflict,
                "Null cannot take IfExists: Null itself tests whether the key exists",
            ));
        }
        if base == OperatorBase::Null && qualifier.is_some() {
            return Err(Error::new(
                Subject::ConditionOperator,
                ErrorKind::Conflict,
                format!("Null cannot take a set qualifier ({s:?})"),
            ));
        }
        Ok(Self {
            qualifier,
            base,
            if_exists,
        })
    }
}

impl fmt::Display for ConditionOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(q) = self.qualifier {
            f.write_str(q.prefix())?;
        }
        f.write_str(self.base.as_str())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for ConditionOperator {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}
