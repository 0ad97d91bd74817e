//! The error every grammar type returns when a value breaks one of AWS's rules:
//! which part ([`Subject`]), which kind of rule ([`ErrorKind`]), and the words.

use std::fmt;

use crate::PolicyError;

/// A value that breaks one of AWS's rules for its part.
///
/// The message names the part (`role ARN`, `session name`, ...), the rule, and the
/// offending value, e.g.
/// `role ARN: account id must be 12 digits, found 11 ("22222222222")`.
/// Secret values (MFA token codes) are never echoed. A program (or the
/// `#[assume_role]` macro, placing its spans) matches on [`subject`](Self::subject)
/// and [`kind`](Self::kind), never on the words.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Error {
    subject: Subject,
    kind: ErrorKind,
    message: String,
    /// The document's own problems, when the value is a policy that broke them.
    policy: Option<Box<PolicyError>>,
}

impl Error {
    pub(crate) fn new(subject: Subject, kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            subject,
            kind,
            message: message.into(),
            policy: None,
        }
    }

    /// A policy (a session policy, a spec's permissions or trust) whose document
    /// breaks the grammar: the document's problems are kept as they are.
    pub(crate) fn policy(subject: Subject, error: PolicyError) -> Self {
        Self {
            subject,
            kind: ErrorKind::Policy,
            message: error.to_string(),
            policy: Some(Box::new(error)),
        }
    }

    /// The part the value was for.
    pub fn subject(&self) -> Subject {
        self.subject
    }

    /// Which kind of rule the value broke.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What is wrong, without the subject prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The policy document's problems, one by one, when [`kind`](Self::kind) is
    /// [`ErrorKind::Policy`].
    pub fn policy_error(&self) -> Option<&PolicyError> {
        self.policy.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Debug shows the same words as Display: `?` on a Result in `main` stays readable.
        fmt::Display::fmt(self, f)
    }
}

// The policy's problems are the message itself, not a cause behind it: no `source()`,
// so a chain printer does not repeat them.
impl std::error::Error for Error {}

/// Which kind of rule a value broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Too short or too long.
    Length,
    /// A character outside the part's character set.
    Charset,
    /// A number outside its range (a duration).
    Range,
    /// Not the part's shape (an ARN's sections, a prefix, a JSON answer).
    Format,
    /// A name not among the known ones (a partition, a condition operator).
    Unknown,
    /// A prefix or name AWS keeps for itself (`aws:` tag keys).
    Reserved,
    /// More items than AWS allows (tags, policy ARNs).
    TooMany,
    /// A key given twice (tag keys, case-insensitively).
    Duplicate,
    /// Something required that is absent (a trusted principal, a permission, the
    /// tag a transitive key names).
    Missing,
    /// Values that are valid alone but not together (a chained session over an
    /// hour, a chained web identity session).
    Conflict,
    /// A policy document that breaks the grammar: see [`Error::policy_error`].
    Policy,
}

/// Declares [`Subject`] with its words, once.
macro_rules! subjects {
    ($($(#[$meta:meta])* $variant:ident => $words:literal,)*) => {
        /// The part a value was for: each with the words every message uses.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Subject {
            $($(#[$meta])* #[doc = concat!("`", $words, "`")] $variant,)*
        }

        impl Subject {
            /// The part's name in messages, e.g. `"session name"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Subject::$variant => $words,)*
                }
            }
        }
    };
}

subjects! {
    RoleArn => "role ARN",
    PolicyArn => "policy ARN",
    PolicyArns => "policy ARNs",
    Principal => "principal",
    AccountId => "account id",
    Partition => "partition",
    Region => "region",
    SessionName => "session name",
    SourceIdentity => "source identity",
    ExternalId => "external id",
    FederatedUserName => "federated user name",
    MfaSerial => "MFA serial",
    MfaTokenCode => "MFA token code",
    SessionDuration => "session duration",
    MfaSessionDuration => "MFA session duration",
    SessionTags => "session tags",
    SessionTagKey => "session tag key",
    SessionTagValue => "session tag value",
    TransitiveTagKeys => "transitive tag keys",
    SessionPolicy => "session policy",
    Action => "action",
    Resource => "resource",
    ConditionOperator => "condition operator",
    Permissions => "permissions",
    TrustedPrincipals => "trusted principals",
    TrustPolicy => "trust policy",
    PermissionPolicy => "permission policy",
    CallerPolicy => "caller policy",
    WebIdentity => "web identity",
    WebIdentityProvider => "web identity provider",
    GitHubRepository => "GitHub repository",
    GitHubBranch => "branch",
    GitHubTag => "tag",
    GitHubEnvironment => "GitHub environment",
    EksOidcIssuer => "EKS OIDC issuer",
    KubernetesNamespace => "Kubernetes namespace",
    KubernetesServiceAccount => "Kubernetes service account",
    TokenSubject => "token subject",
    TokenAudience => "token audience",
    ConsoleDestination => "console destination",
    SwitchRoleLink => "switch-role link",
    DisplayName => "display name",
    SigninToken => "sign-in token",
    FederationEndpoint => "federation endpoint",
    FederationRequest => "federation request",
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
