//! The trait impls every text-backed grammar type shares: `Display`, `FromStr`,
//! `TryFrom<String>`, `TryFrom<&str>`, and serde as a string.

/// Implements the string traits for `$ty`, which has `as_str`-like `Display` and a
/// `fn parse(&str) -> Result<Self, Error>`.
macro_rules! string_traits {
    ($ty:ty) => {
        impl ::std::str::FromStr for $ty {
            type Err = $crate::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$ty>::parse(s)
            }
        }

        impl ::std::convert::TryFrom<&str> for $ty {
            type Error = $crate::Error;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                <$ty>::parse(s)
            }
        }

        impl ::std::convert::TryFrom<String> for $ty {
            type Error = $crate::Error;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                <$ty>::parse(&s)
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(
                    deserializer,
                )?;
                <$ty>::parse(&text).map_err(::serde::de::Error::custom)
            }
        }
    };
}

/// A validated text newtype over `Cow<'static, str>`: `parse` checks it with
/// `charset::check`, `from_static` does the same at compile time.
macro_rules! text_type {
    (
        $(#[$meta:meta])*
        $name:ident, subject = $subject:ident, min = $min:expr, max = $max:expr, charset = $charset:expr
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(::std::borrow::Cow<'static, str>);

        impl $name {
            /// The shortest value AWS accepts, in characters.
            pub const MIN_LEN: usize = $min;
            /// The longest value AWS accepts, in characters.
            pub const MAX_LEN: usize = $max;

            /// Validates `s` and returns an owned value.
            pub fn parse(s: &str) -> Result<Self, $crate::Error> {
                match $crate::charset::check(s, $min, $max, $charset) {
                    Ok(()) => Ok(Self(::std::borrow::Cow::Owned(s.to_owned()))),
                    Err(v) => Err(v.into_error($crate::Subject::$subject, s)),
                }
            }

            /// Builds a value from a literal, validated at compile time when used in a
            /// `const`.
            ///
            /// # Panics
            ///
            /// If `s` is invalid: a compile error in a `const`, a panic at run time.
            /// Use [`parse`](Self::parse) for values that are not literals.
            #[allow(clippy::panic, reason = "the http::HeaderValue::from_static pattern: a compile error in const context")]
            pub const fn from_static(s: &'static str) -> Self {
                match $crate::charset::check(s, $min, $max, $charset) {
                    Ok(()) => Self(::std::borrow::Cow::Borrowed(s)),
                    Err(_) => panic!(concat!("invalid ", stringify!($name), " literal")),
                }
            }

            /// The value as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        // Compared with text as written, as `http::HeaderValue` is.
        impl ::std::cmp::PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                *self.0 == *other
            }
        }

        impl ::std::cmp::PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                *self.0 == **other
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&&*self.0).finish()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        $crate::macros::string_traits!($name);
    };
}

/// `Display` (the text as written), `Debug` (`Name("text")`) and the string traits,
/// for the ARN types that keep their text in a `text` field.
macro_rules! arn_text_traits {
    ($ty:ident) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.text)
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple(stringify!($ty)).field(&&*self.text).finish()
            }
        }

        $crate::macros::string_traits!($ty);
    };
}

/// `parse` and `from_static` for an ARN type with a `const fn check` (its parts,
/// or why not) and a `const fn from_parts`: one scan for run time and compile
/// time.
macro_rules! arn_constructors {
    ($ty:ident, $subject:ident, $what:literal) => {
        impl $ty {
            #[doc = concat!("Parses a ", $what, ".")]
            pub fn parse(s: &str) -> Result<Self, $crate::Error> {
                match Self::check(s) {
                    Ok(p) => Ok(Self::from_parts(::std::borrow::Cow::Owned(s.to_owned()), p)),
                    Err(v) => Err(v.into_error($crate::Subject::$subject, s)),
                }
            }

            #[doc = concat!("A ", $what, " from a literal, checked at compile time in a `const`.")]
            ///
            /// # Panics
            ///
            #[doc = concat!("If `s` is not a valid ", $what, " (a compile error in a `const`).")]
            #[allow(
                clippy::panic,
                reason = "compile error in const context, like HeaderValue::from_static"
            )]
            pub const fn from_static(s: &'static str) -> Self {
                match Self::check(s) {
                    Ok(p) => Self::from_parts(::std::borrow::Cow::Borrowed(s), p),
                    Err(_) => panic!(concat!("invalid ", $what, " literal")),
                }
            }
        }
    };
}

pub(crate) use arn_constructors;
pub(crate) use arn_text_traits;
pub(crate) use string_traits;
pub(crate) use text_type;
