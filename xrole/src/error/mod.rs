//! `xrole::Error`: what went wrong, for which role, and why.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use xrole_core::{MfaSerial, RoleArn, SessionDuration};

mod config;
mod denied;

pub use config::{ConfigProblem, EnvProblem, ProfileProblem};
pub use denied::{AccessDenied, DenialCause, Explanation, Fix};

/// Errors of xrole. Every variant names the role it concerns; none shows a secret.
///
/// Every caller gets the error that happened, whichever way it asked: `build` with
/// `eager(true)`, [`AssumedRole::load`](crate::AssumedRole::load),
/// [`AssumedRole::caller_identity`](crate::AssumedRole::caller_identity), or a
/// request of an SDK client, where [`Error::find`] digs it out of the SDK's error.
/// It is `Clone`, so callers that waited on one STS call each get it whole.
///
/// `Display` is one line (a spec's several problems take one line each); what
/// caused it is its `source()`, never copied into the line: print
/// [`report`](Self::report) for the whole chain, and an
/// [`AccessDenied`]'s [`explanation`](AccessDenied::explanation) for the long account
/// of a refusal.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// A parameter breaks one of STS's rules (checked before any call).
    Invalid(xrole_core::Error),

    /// A role's parameters break rules that span them (tags and transitive keys,
    /// the chained hour, the session policy, ...): every broken rule, checked
    /// before any call.
    Spec(xrole_core::SpecError),

    /// A chained session (assumed with another role's credentials) was asked to last
    /// more than an hour.
    ChainedDuration {
        /// The role to assume.
        role: RoleArn,
        /// The role whose session would assume it.
        source_role: RoleArn,
        /// The requested duration.
        requested: SessionDuration,
    },

    /// STS refused with `AccessDenied`; the error says which side can cause it.
    AccessDenied(Box<AccessDenied>),

    /// The credentials expired while STS kept failing; the last failure is the source.
    CredentialsExpired {
        /// The role.
        role: RoleArn,
        /// When they expired.
        expired_at: SystemTime,
        /// Why the refresh failed.
        last_error: Option<Arc<Error>>,
    },

    /// An STS call failed for another reason (throttling, outage, validation, ...).
    Sts {
        /// The role.
        role: RoleArn,
        /// `AssumeRole`, `GetSessionToken`, `GetCallerIdentity`.
        operation: &'static str,
        /// STS's error code, when it answered with one.
        code: Option<Box<str>>,
        /// The HTTP status of the answer, when there was one (none for a timeout or
        /// a connection error).
        status: Option<u16>,
        /// STS's message, or what was wrong with its answer; none when the call
        /// failed on the way (the source says how).
        message: Option<Box<str>>,
        /// The SDK's error: `source()` of this error, so a walk of the chain
        /// downcasts it (`SdkError<...>`).
        source: Option<SharedSource>,
    },

    /// The MFA token provider failed (the source is what it said).
    MfaToken {
        /// The role.
        role: RoleArn,
        /// The device.
        serial: MfaSerial,
        /// What the provider said.
        source: SharedSource,
    },

    /// A web identity token could not be had (its file, the GitHub Actions
    /// endpoint, the provider; the source says why).
    WebIdentityToken {
        /// The role.
        role: RoleArn,
        /// Where the token was to come from (never a secret).
        from: String,
        /// What went wrong.
        source: SharedSource,
    },

    /// A value declared as `env("VAR")` is missing or invalid.
    Env {
        /// The variable.
        variable: String,
        /// The attribute key it was declared for.
        key: &'static str,
        /// What is wrong with it.
        problem: EnvProblem,
    },

    /// A profile of the AWS config files cannot be assumed as written.
    Profile {
        /// The profile.
        profile: String,
        /// What is wrong with it.
        problem: ProfileProblem,
    },

    /// The base configuration or the request cannot be used (no credentials
    /// provider, an MFA device without codes, ...), found before any call.
    Config {
        /// The role.
        role: RoleArn,
        /// What is wrong.
        problem: ConfigProblem,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(e) => fmt::Display::fmt(e, f),
            Error::Spec(e) => fmt::Display::fmt(e, f),
            Error::ChainedDuration {
                role,
                source_role,
                requested,
            } => write!(
                f,
                "assuming {role} with the credentials of {source_role} is role chaining: {}; {requested} was requested",
                SessionDuration::chained_rule()
            ),
            Error::AccessDenied(denied) => fmt::Display::fmt(denied, f),
            Error::CredentialsExpired {
                role, expired_at, ..
            } => write!(
                f,
                "credentials for {role} expired at {} and could not be refreshed",
                format_time(*expired_at)
            ),
            Error::Sts {
                role,
                operation,
                code,
                message,
                ..
            } => {
                write!(f, "STS {operation} for {role} failed")?;
                for part in [code, message].into_iter().flatten() {
                    write!(f, ": {part}")?;
                }
                Ok(())
            }
            Error::MfaToken { role, serial, .. } => {
                write!(f, "MFA token for {role} ({serial}) could not be obtained")
            }
            Error::WebIdentityToken { role, from, .. } => {
                write!(
                    f,
                    "web identity token for {role} could not be read from {from}"
                )
            }
            Error::Env {
                variable,
                key,
                problem,
            } => write!(f, "environment variable {variable} (for `{key}`) {problem}"),
            Error::Profile { profile, problem } => write!(f, "profile {profile}: {problem}"),
            Error::Config { role, problem } => write!(f, "configuration for {role}: {problem}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::CredentialsExpired {
                last_error: Some(e),
                ..
            } => Some(&**e),
            Error::Sts {
                source: Some(s), ..
            }
            | Error::MfaToken { source: s, .. }
            | Error::WebIdentityToken { source: s, .. } => Some(s.get()),
            Error::Profile {
                problem: ProfileProblem::Unreadable(s),
                ..
            } => Some(s.get()),
            _ => None,
        }
    }
}

impl From<xrole_core::Error> for Error {
    fn from(e: xrole_core::Error) -> Self {
        Error::Invalid(e)
    }
}

impl From<xrole_core::SpecError> for Error {
    fn from(e: xrole_core::SpecError) -> Self {
        Error::Spec(e)
    }
}

/// An error and every source below it, on one line (`a: b: c`), as logs and
/// the command print errors: see [`Error::report`].
#[derive(Clone, Copy)]
pub struct Report<'a>(&'a (dyn std::error::Error + 'static));

impl<'a> Report<'a> {
    /// The report of any error.
    pub fn new(error: &'a (dyn std::error::Error + 'static)) -> Self {
        Self(error)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Error {
    /// xrole's error inside another error's chain of sources: what an SDK client's
    /// request failed with when the session's credentials could not be had (the SDK
    /// reports "failed to load credentials" and keeps xrole's error as a source).
    ///
    /// ```no_run
    /// # async fn demo(role: &xrole::AssumedRole) {
    /// let sts = aws_sdk_sts::Client::new(role.sdk_config());
    /// if let Err(e) = sts.get_caller_identity().send().await {
    ///     match xrole::Error::find(&e) {
    ///         Some(xrole::Error::AccessDenied(denied)) => eprintln!("{denied}"),
    ///         Some(other) => eprintln!("{other}"),
    ///         None => eprintln!("the request itself failed: {e}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Error> {
        let mut current = Some(error);
        while let Some(e) = current {
            if let Some(found) = e.downcast_ref::<Error>() {
                return Some(found);
            }
            current = e.source();
        }
        None
    }

    /// This error and its sources on one line, for logs and terminals:
    /// `STS AssumeRole for ROLE failed: dispatch failure: ...: Connection refused`.
    pub fn report(&self) -> Report<'_> {
        Report(self)
    }

    /// Why a role could not be assumed, when this is a refusal: an
    /// `AccessDenied`'s [`cause`](AccessDenied::cause), or a chained session asked
    /// to last over an hour.
    pub fn denial_cause(&self) -> Option<DenialCause> {
        match self {
            Error::AccessDenied(denied) => Some(denied.cause()),
            Error::ChainedDuration { requested, .. } => Some(DenialCause::ChainedDuration {
                requested: *requested,
            }),
            Error::CredentialsExpired {
                last_error: Some(e),
                ..
            } => e.denial_cause(),
            _ => None,
        }
    }

    /// STS's error code, if STS answered with one.
    pub fn sts_code(&self) -> Option<&str> {
        match self {
            Error::Sts { code, .. } => code.as_deref(),
            Error::AccessDenied(_) => Some("AccessDenied"),
            Error::CredentialsExpired {
                last_error: Some(e),
                ..
            } => e.sts_code(),
            _ => None,
        }
    }

    /// Whether retrying later can help (throttling, outages, network). An answer
    /// with a 4xx status but no STS error code (a proxy's, say) is not retried,
    /// nor calling credentials that could not be had for good (a provider not
    /// set up, an IAM Identity Center sign-in to do again, the portal's refusal
    /// of the role).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Sts {
                code: None,
                status: Some(status),
                ..
            } => !(400..500).contains(status) || *status == 429,
            // Failed on the way: retried, unless the calling credentials
            // could not be had for a reason that waiting does not change.
            Error::Sts {
                code: None, source, ..
            } => !source
                .as_ref()
                .is_some_and(|s| credentials_are_final(s.get())),
            Error::Sts { code: Some(c), .. } => matches!(
                &**c,
                "Throttling"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "ServiceUnavailable"
                    | "InternalFailure"
                    | "IDPCommunicationError"
            ),
            Error::CredentialsExpired { .. } => true,
            _ => false,
        }
    }

    /// An STS operation's SDK error, with its code, message and HTTP status.
    pub(crate) fn from_sdk<E>(
        role: &RoleArn,
        operation: &'static str,
        e: aws_sdk_sts::error::SdkError<E>,
    ) -> Error
    where
        E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        use aws_sdk_sts::error::ProvideErrorMetadata;
        Error::Sts {
            role: role.clone(),
            operation,
            code: e.code().map(Into::into),
            status: e.raw_response().map(|r| r.status().as_u16()),
            message: e.message().map(Into::into),
            source: Some(SharedSource::new(e)),
        }
    }

    /// Whether STS rejected the calling credentials as expired.
    pub fn is_expired_token(&self) -> bool {
        matches!(
            self.sts_code(),
            Some("ExpiredToken" | "ExpiredTokenException")
        )
    }
}

/// The error behind an [`Error::Sts`] (the SDK's), [`Error::MfaToken`] or
/// [`Error::WebIdentityToken`], shared by the clones of the error. Not an error of
/// its own: the error's `source()` is the shared error itself, so a walk of the
/// chain downcasts it (`downcast_ref::<SdkError<...>>()`).
#[derive(Clone, Debug)]
pub struct SharedSource(Arc<dyn std::error::Error + Send + Sync>);

impl SharedSource {
    /// Shares `error`.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Arc::new(error))
    }

    /// Shares an error already boxed (a [`TokenError`](crate::TokenError), say).
    pub fn from_boxed(error: Box<dyn std::error::Error + Send + Sync>) -> Self {
        Self(Arc::from(error))
    }

    /// The error shared.
    pub fn get(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl fmt::Display for SharedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Whether `e` holds a failure to get the calling credentials that waiting
/// does not mend: a provider that is not set up, a sign-in to do again, or the
/// portal's refusal of the role.
/// Retrying those only makes the user wait for the same answer.
fn credentials_are_final(e: &(dyn std::error::Error + 'static)) -> bool {
    use aws_credential_types::provider::error::CredentialsError;
    let mut level = Some(e);
    while let Some(e) = level {
        let settled = matches!(
            e.downcast_ref::<CredentialsError>(),
            Some(
                CredentialsError::CredentialsNotLoaded(_)
                    | CredentialsError::InvalidConfiguration(_)
            )
        );
        if settled || crate::profile::is_final_source_failure(e) {
            return true;
        }
        level = e.source();
    }
    false
}

/// `2026-11-22T13:00:00Z`, as STS writes times.
pub(crate) fn format_time(t: SystemTime) -> String {
    aws_smithy_types::DateTime::from(t)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| format!("{t:?}"))
}
