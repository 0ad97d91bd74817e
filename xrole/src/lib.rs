//! xrole: AWS role assumption, typed and tested.
//!
//! - [`AssumeRole`]: every AssumeRole parameter, checked before any call.
//! - [`AssumedRole`]: credentials that refresh themselves ahead of expiry in one
//!   background task per session, shared by every client, surviving STS outages
//!   while they are valid, never blocking callers once loaded.
//! - [`Fleet`]: one role over many accounts; [`registry`]: one session per declared
//!   role session in the process.
//! - [`ProfileChain`]: `role_arn` + `source_profile` profiles of the AWS config
//!   file, assumed hop by hop.
//! - [`Error`]: `AccessDenied` explained on both sides, with the policies that would
//!   allow the call.
//!
//! The grammar types (`RoleArn`, `SessionName`, ...) are re-exported from
//! `xrole-core`.
//!
//! # One vocabulary: declare, then assume
//!
//! **Declare** a role with one of four things; none calls STS:
//!
//! | declaration | for |
//! |---|---|
//! | [`AssumeRole`] | one role, its parameters set at run time |
//! | `#[assume_role(...)]` | one role next to the code that uses it, checked at compile time |
//! | [`ProfileChain`] | the AWS config file's `role_arn` + `source_profile` profiles |
//! | [`Fleet`] | one role name over many accounts |
//!
//! The parameters have one name everywhere: the attribute's keys, the methods of
//! [`AssumeRole`] and [`RoleSpecBuilder`], and [`RoleSpec`]'s accessors. Most are
//! STS's parameter names in snake case; four are named for what they hold where
//! STS's name would mislead:
//!
//! | xrole | STS's parameter |
//! |---|---|
//! | `external_id`, `tags`, `transitive_tag_keys`, `source_identity`, `policy_arns` | `ExternalId`, `Tags`, `TransitiveTagKeys`, `SourceIdentity`, `PolicyArns` |
//! | `session_name` | `RoleSessionName` |
//! | `duration` (a [`SessionDuration`], written `"1h"` or seconds) | `DurationSeconds` |
//! | `session_policy` | `Policy` |
//! | `mfa_serial`, `mfa_token` (a provider of codes) | `SerialNumber`, `TokenCode` |
//!
//! `region` is the STS endpoint's region, not a parameter; `trusted` (who the
//! trust policy admits) and `allow` (a statement of the permission policy, read
//! back as [`RoleSpec::permissions`]) describe policies, not the call.
//!
//! **Assume** it with `assume(source)`, the one verb that makes sessions
//! ([`AssumedRole`]). The [`Source`] is where the first credentials come from:
//!
//! | source | meaning |
//! |---|---|
//! | `&SdkConfig` | its credentials (anything aws-config loads), region, endpoint, clock |
//! | `&AssumedRole` | another session: role chaining, each hop refreshing itself, one hour at most |
//! | `&WebIdentity` | an OIDC token (GitHub Actions, EKS, any issuer), read again at every refresh and traded with `AssumeRoleWithWebIdentity` |
//! | [`Source::Default`] | a `ProfileChain`'s `source_profile`; otherwise the process's base configuration ([`set_base_config`], else aws-config's defaults) |
//!
//! ```no_run
//! # async fn demo(base: &xrole::SdkConfig) -> Result<(), xrole::Error> {
//! use xrole::{AccountId, AssumeRole, Fleet, ProfileChain, Source};
//!
//! let deploy = AssumeRole::new("arn:aws:iam::222222222222:role/Deploy".parse()?)
//!     .assume(base)
//!     .await?;
//! let audit = AssumeRole::new("arn:aws:iam::333333333333:role/Audit".parse()?)
//!     .assume(&deploy) // chained from the deploy session
//!     .await?;
//! let dev = ProfileChain::load("dev").await?.assume(Source::Default).await?;
//! let fleet = Fleet::role_name("Audit", [AccountId::from_static("444444444444")])?
//!     .assume(base)
//!     .await;
//! # let _ = (audit, dev, fleet); Ok(()) }
//! ```
//!
//! An `#[assume_role]` struct has `Type::assume(source)` too, and
//! `Type::from_role(&session)` for clients on a session you already hold (no STS
//! call); an annotated function assumes from [`Source::Default`].
//!
//! Two builder switches say how: [`AssumeRole::eager`] loads the first
//! credentials inside `assume`, so a refusal is its error (default: the first
//! request loads them); [`AssumeRole::shared`] returns the process's live session
//! of the same parameters and source credentials ([`registry`]). The attribute's
//! `assume` and functions are both eager and shared; a `Fleet` is eager.

mod assume;
mod error;
mod fleet;
#[doc(hidden)]
pub mod __private {
    //! What `#[assume_role]` expands to; not a public API.
    pub use crate::private::*;
}
pub mod https;
mod private;
pub mod profile;
mod refresh;
pub mod registry;
mod role;

pub use assume::{
    AssumeRole, IdentityTokenProvider, MfaStrategy, Source, TokenClaims, TokenError, TokenProvider,
    WebIdentity, default_session_name, mfa_session,
};
#[cfg(feature = "macros")]
/// # What it expands to
///
/// ```
/// # mod hidden {
/// #[xrole::assume_role(
///     arn = "arn:aws:iam::222222222222:role/CrossAccountS3ReadOnly",
///     external_id = env("VENDOR_EXTERNAL_ID"),
///     trusted = ["arn:aws:iam::111111111111:root"],
///     allow(actions = ["s3:GetObject"], resources = ["arn:aws:s3:::my-shared-bucket/*"]),
/// )]
/// pub struct Reader {
///     pub sts: aws_sdk_sts::Client,
///     pub role: xrole::AssumedRole,
/// }
/// # }
/// ```
///
/// is, written by hand with public calls:
///
/// ```
/// use xrole::{AssumeRole, AssumedRole, EnvProblem, Error, Permission, RoleSpec, Source};
///
/// pub struct Reader {
///     pub sts: aws_sdk_sts::Client,
///     pub role: AssumedRole,
/// }
///
/// impl Reader {
///     pub fn role_spec() -> Result<RoleSpec, Error> {
///         let external_id = std::env::var("VENDOR_EXTERNAL_ID").map_err(|e| Error::Env {
///             variable: "VENDOR_EXTERNAL_ID".into(),
///             key: "external_id",
///             problem: match e {
///                 std::env::VarError::NotPresent => EnvProblem::NotSet { help: None },
///                 std::env::VarError::NotUnicode(_) => EnvProblem::NotUnicode,
///             },
///         })?;
///         Ok(RoleSpec::builder("arn:aws:iam::222222222222:role/CrossAccountS3ReadOnly".parse()?)
///             .external_id(external_id.parse()?)
///             .trusted("arn:aws:iam::111111111111:root".parse()?)
///             .allow(Permission::new(["s3:GetObject"], ["arn:aws:s3:::my-shared-bucket/*"]))
///             .build()?)
///     }
///
///     pub async fn assume<'a>(source: impl Into<Source<'a>>) -> Result<Self, Error> {
///         let role = AssumeRole::from_spec(&Self::role_spec()?)
///             .eager(true)
///             .shared(true)
///             .assume(source)
///             .await?;
///         Ok(Self::from_role(&role))
///     }
///
///     pub fn from_role(role: &AssumedRole) -> Self {
///         Self { sts: aws_sdk_sts::Client::new(role.sdk_config()), role: role.clone() }
///     }
/// }
/// ```
#[doc(inline)]
pub use xrole_macros::assume_role;

/// Sets the base configuration of [`Source::Default`] (outside profile chains): the
/// source credentials of annotated structs' `assume(Source::Default)` and annotated
/// functions; by default aws-config's defaults are loaded once.
pub fn set_base_config(config: aws_types::SdkConfig) {
    assume::set_default_base(config);
}
/// The AWS SDK configuration sessions are built from and give to clients.
pub use aws_types::SdkConfig;
pub use error::{
    AccessDenied, ConfigProblem, DenialCause, EnvProblem, Error, Explanation, Fix, ProfileProblem,
    Report, SharedSource,
};
pub use fleet::{Fleet, FleetResults};
pub use profile::{CredentialSource, ProfileChain};
pub use refresh::{Stats, refresh_window};
pub use role::{AssumedRole, CallerIdentity};
// The grammar the runtime's API takes and gives; the console's types (sign-in
// links and the federation endpoint) are xrole-core's alone: the runtime uses none.
pub use xrole_core::{
    AccountId, ExternalId, GITHUB_ACTIONS_ISSUER, GitHubRef, MfaSerial, OrgDenial, OrgPolicyType,
    Partition, Permission, PolicyArn, PolicyArns, PrincipalArn, Region, RoleArn, RoleSpec,
    RoleSpecBuilder, STS_AUDIENCE, SessionDuration, SessionName, SessionPolicy, SessionTag,
    SessionTags, SourceIdentity, SpecError, TokenCode, TransitiveTagKeys, WEB_IDENTITY_TOKEN_CHARS,
    WebIdentityTrust, policy,
};

/// The workspace README's examples, compiled and run as doc tests here: this crate
/// sees every other (`xrole-test` as a dev-dependency).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct WorkspaceReadme;

/// This crate's README, its example compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadme;

/// `xrole-macros`' README, its example compiled here: the proc-macro crate's
/// own tests do without `xrole`, which its dev-dependencies would build a
/// second time, for the host.
#[cfg(doctest)]
#[doc = include_str!("../../xrole-macros/README.md")]
pub struct MacrosReadme;
