//! [`CliError`]: why a command failed, typed, and how it is printed (the whole
//! chain of sources on one line, an AccessDenied's explanation below it).

use std::path::PathBuf;
use std::time::Duration;

use crate::input::listed;

/// Why a command failed: printed on standard error, exit code 1.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// xrole's error (AccessDenied explained, ...).
    #[error(transparent)]
    Xrole(#[from] xrole::Error),
    /// A recording gives no policy for the role.
    #[error(transparent)]
    LeastPrivilege(#[from] xrole_iam::least::LeastPrivilegeError),
    /// A flag combination clap cannot express.
    #[error("{0}")]
    Usage(&'static str),
    /// An input file that cannot be used.
    #[error("{name}: {problem}")]
    Input {
        /// The file, as given.
        name: String,
        /// What is wrong with it.
        problem: InputProblem,
    },
    /// The inputs of `access`: every problem of every file.
    #[error("the inputs cannot be read:\n  {}", listed(problems, "  "))]
    Inputs {
        /// Each problem, placed in its file.
        problems: Vec<xrole_core::Placed>,
    },
    /// The ARN a command asked about is in none of the inputs.
    #[error(
        "{arn} is no {what} of the inputs{}",
        crate::access::unjudged_text(unjudged)
    )]
    NotInInputs {
        /// `role` or `principal`.
        what: &'static str,
        /// The ARN asked about.
        arn: String,
        /// What the inputs held that could not be judged.
        unjudged: Vec<String>,
    },
    /// The embedded STS could not start (a port in use, say).
    #[error(transparent)]
    Serve(xrole_sts::HarnessError),
    /// `xrole login` could not sign in.
    #[error("login: {0}")]
    Login(String),
    /// A recording names a role that is no role ARN.
    #[error("the recorded role {role}: {why}")]
    RecordedRole {
        /// The role as recorded.
        role: String,
        /// Why it is no role ARN.
        why: String,
    },
    /// The gateway's backend cannot be used.
    #[error(transparent)]
    Backend(#[from] xrole_sts::BackendError),
    /// The credential cache refused a path.
    #[error("the credential cache {}: {why}", path.display())]
    Cache {
        /// The path refused.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// Neither `XROLE_CACHE_DIR` nor the user's cache directory is known.
    #[error("no cache directory: set XROLE_CACHE_DIR or HOME")]
    NoCacheDirectory,
    /// Another `credential-process` kept the cache entry locked.
    #[error("another xrole credential-process held {} for {} s", path.display(), waited.as_secs())]
    Locked {
        /// The entry.
        path: PathBuf,
        /// How long this one waited.
        waited: Duration,
    },
    /// No source credentials to assume the role with.
    #[error("no source credentials")]
    NoSourceCredentials(#[source] Option<aws_credential_types::provider::error::CredentialsError>),
    /// The MFA code could not be had from the terminal.
    #[error("MFA code")]
    MfaCode(#[source] xrole::TokenError),
    /// A session is needed to sign in to the console, and these credentials are long-term.
    #[error("the session has no session token: only sessions sign in")]
    NoSessionToken,
    /// The federation endpoint did not give a sign-in token.
    #[error("federation endpoint {endpoint}: {message}")]
    Federation {
        /// The endpoint's URL.
        endpoint: String,
        /// What went wrong (never the request, which holds the session's secret).
        message: String,
    },
    /// Reading or writing failed.
    #[error("{context}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// What is wrong with an input file.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InputProblem {
    /// Longer than inputs may be.
    #[error("more than the {limit} bytes an input may have")]
    TooLarge {
        /// The bound.
        limit: u64,
    },
    /// Not UTF-8.
    #[error("not UTF-8 text")]
    NotUtf8,
    /// A directory, a device, a pipe...
    #[error("not a regular file")]
    NotAFile,
    /// A web identity token longer than STS takes.
    #[error("more than the {most} characters STS takes")]
    TokenTooLong {
        /// STS's bound.
        most: usize,
    },
    /// A policy document that breaks the grammar.
    #[error("{0}")]
    Policy(xrole_core::PolicyError),
    /// A world file the engine refuses.
    #[error("{} problems in world\n  {}", .0.problems().len(), listed(.0.problems(), "  "))]
    World(xrole_iam::world::WorldError),
    /// A recording with lines that are not checks.
    #[error("{} lines are not checks\n  {}", .0.len(), listed(.0, "  "))]
    Recording(Vec<xrole_iam::recording::RecordingError>),
}

impl CliError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }
}

/// Prints `e` on standard error: the chain on one line, then an AccessDenied's
/// long explanation.
pub(crate) fn print(e: &CliError) {
    eprintln!("xrole: {}", xrole::Report::new(e));
    if let CliError::Xrole(xrole::Error::AccessDenied(denied)) = e {
        eprintln!("{}", denied.explanation());
    }
}
