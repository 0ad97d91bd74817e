//! What is wrong before any call: an `env("VAR")` value ([`EnvProblem`]), a
//! profile of the AWS config files ([`ProfileProblem`]), the base configuration or
//! the request ([`ConfigProblem`]). Typed, so a program matches on them; each
//! says its words once.

use std::fmt;
use std::time::Duration;

use xrole_core::{MfaSerial, SessionDuration};

use super::SharedSource;

/// What is wrong with a value declared as `env("VAR")` ([`Error::Env`](super::Error::Env)).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum EnvProblem {
    /// The variable is not set.
    NotSet {
        /// What sets it, when that is known (a GitHub Actions job's permissions).
        help: Option<&'static str>,
    },
    /// The variable holds bytes that are not Unicode.
    NotUnicode,
    /// The value breaks its part's rule.
    Invalid(xrole_core::Error),
}

impl EnvProblem {
    /// How to set the variable, apart from the message.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            EnvProblem::NotSet { help } => *help,
            _ => None,
        }
    }
}

impl fmt::Display for EnvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvProblem::NotSet { help: None } => f.write_str("is not set"),
            EnvProblem::NotSet { help: Some(help) } => write!(f, "is not set: {help}"),
            EnvProblem::NotUnicode => f.write_str("is not valid Unicode"),
            EnvProblem::Invalid(e) => fmt::Display::fmt(e, f),
        }
    }
}

/// What is wrong with a profile ([`Error::Profile`](super::Error::Profile)).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ProfileProblem {
    /// The config and credentials files cannot be read (the error's source says why).
    Unreadable(SharedSource),
    /// No profile of that name; the ones the files hold.
    NoSuchProfile {
        /// The profiles the files name.
        known: Vec<String>,
    },
    /// The profile names no `role_arn`: it is a source of credentials.
    NotARole,
    /// `credential_source` names none of the sources a role profile may name.
    UnknownCredentialSource {
        /// The value written.
        value: String,
    },
    /// The profile names two sources (of `source_profile`,
    /// `web_identity_token_file` and `credential_source`).
    TwoSources {
        /// The two keys.
        keys: [&'static str; 2],
    },
    /// The profile names `role_arn` but no source of credentials.
    NoSource,
    /// `source_profile` leads back to a profile already visited.
    Loop {
        /// The profiles visited, the repeated one last.
        chain: Vec<String>,
    },
    /// A key's value breaks its part's rule.
    Invalid {
        /// The key (`role_arn`, `external_id`, ...).
        key: &'static str,
        /// The rule broken.
        error: xrole_core::Error,
    },
    /// `duration_seconds` is not a number.
    DurationNotANumber {
        /// The value written.
        value: String,
    },
    /// The chain starts from an IAM Identity Center profile and this build of
    /// xrole reads none (its `sso` feature is off).
    SsoNotEnabled,
    /// The source profile holds a kind of credentials xrole does not read.
    UnreadSource {
        /// The key (`login_session`).
        key: &'static str,
        /// Why, and what to use instead.
        why: &'static str,
    },
    /// The profile names an `mfa_serial` and the chain has no token provider.
    MfaTokenMissing {
        /// The device.
        serial: MfaSerial,
    },
}

impl fmt::Display for ProfileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileProblem::Unreadable(_) => f.write_str("the profile files cannot be read"),
            ProfileProblem::NoSuchProfile { known } if known.is_empty() => {
                f.write_str("no such profile in the config files (profiles: none)")
            }
            ProfileProblem::NoSuchProfile { known } => write!(
                f,
                "no such profile in the config files (profiles: {})",
                known.join(", ")
            ),
            ProfileProblem::NotARole => {
                f.write_str("has no role_arn: it is a source of credentials, not a role profile")
            }
            ProfileProblem::SsoNotEnabled => f.write_str(
                "is an IAM Identity Center profile: build xrole with its `sso` feature to start a chain from it",
            ),
            ProfileProblem::UnreadSource { key, why } => write!(f, "{key}: {why}"),
            ProfileProblem::UnknownCredentialSource { value } => write!(
                f,
                "credential_source = {value} is none of {}",
                crate::profile::CredentialSource::NAMES.join(", ")
            ),
            ProfileProblem::TwoSources { keys: [a, b] } => {
                write!(f, "names both {a} and {b}: a role profile has one source")
            }
            ProfileProblem::NoSource => f.write_str(
                "has role_arn but no source_profile, web_identity_token_file or credential_source",
            ),
            ProfileProblem::Loop { chain } => {
                write!(f, "source_profile loops: {}", chain.join(" -> "))
            }
            ProfileProblem::Invalid { key, error } => write!(f, "{key}: {error}"),
            ProfileProblem::DurationNotANumber { value } => {
                write!(f, "duration_seconds: {value:?} is not a number of seconds")
            }
            ProfileProblem::MfaTokenMissing { serial } => write!(
                f,
                "mfa_serial is {serial}: give a token provider with ProfileChain::mfa_token"
            ),
        }
    }
}

/// What is wrong with the base configuration or the request, found before any
/// call ([`Error::Config`](super::Error::Config)).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// The base configuration has no credentials provider to assume the role with.
    NoCredentialsProvider,
    /// The base configuration has no async sleep (aws-config without `rt-tokio`).
    NoSleep,
    /// Neither the base configuration nor the request names a region.
    NoRegion,
    /// An MFA session (GetSessionToken) asked outside its range.
    MfaSessionDuration {
        /// The duration asked.
        requested: Duration,
    },
    /// The role declares an MFA device and nothing supplies its codes.
    MfaTokenMissing {
        /// The device.
        serial: MfaSerial,
    },
    /// A token provider is given and no device.
    MfaSerialMissing,
    /// A web identity session was given a parameter AssumeRoleWithWebIdentity
    /// does not take, or was chained (xrole-core's rule, its words).
    WebIdentity(xrole_core::Error),
    /// The SDK refused to build the request.
    Request(String),
    /// The task assuming this role in a fleet stopped before it answered.
    TaskStopped,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigProblem::NoCredentialsProvider => {
                f.write_str("the base configuration has no credentials provider")
            }
            ConfigProblem::NoSleep => {
                f.write_str("no async sleep implementation (enable aws-config's rt-tokio)")
            }
            ConfigProblem::NoRegion => {
                f.write_str("no region: set one on the base configuration or with .region(...)")
            }
            ConfigProblem::MfaSessionDuration { requested } => write!(
                f,
                "an MFA session lasts {} to {} seconds, {} were asked",
                SessionDuration::SESSION_TOKEN_SECS.start(),
                SessionDuration::SESSION_TOKEN_SECS.end(),
                requested.as_secs()
            ),
            ConfigProblem::MfaTokenMissing { serial } => write!(
                f,
                "the role declares the MFA device {serial} but no token provider supplies its codes: add .mfa_token(provider)"
            ),
            ConfigProblem::MfaSerialMissing => {
                f.write_str("an MFA token provider is given but no device: add .mfa_serial(serial)")
            }
            ConfigProblem::WebIdentity(e) => f.write_str(e.message()),
            ConfigProblem::Request(why) => write!(f, "the request cannot be built: {why}"),
            ConfigProblem::TaskStopped => f.write_str("the task assuming this role stopped"),
        }
    }
}
