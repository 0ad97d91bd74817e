//! xrole: AWS role assumption, typed and tested.
//!
//! - [`AssumeRole`]: every AssumeRole parameter, checked before any call; builds an
//!   [`AssumedRole`] from any base `SdkConfig` or from another `AssumedRole`.
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

mod assume;
mod error;
mod fleet;
#[doc(hidden)]
pub mod __private {
    //! What `#[assume_role]` expands to; not a public API.
    pub use crate::private::*;
}
mod private;
pub mod profile;
mod refresh;
pub mod registry;
mod role;

pub use assume::{AssumeRole, MfaStrategy, TokenError, TokenProvider, default_session_name};
pub use xrole_macros::assume_role;

/// Sets the base configuration (the source credentials) that `connect()` of
/// annotated structs and annotated functions assume their roles with; by default
/// aws-config's defaults are loaded once.
pub fn set_base_config(config: aws_types::SdkConfig) {
    private::set_base(config);
}
/// The AWS SDK configuration sessions are built from and give to clients.
pub use aws_types::SdkConfig;
pub use error::{AccessDenied, Error, SharedSource};
pub use fleet::{Fleet, FleetResults};
pub use profile::ProfileChain;
pub use refresh::Stats;
pub use role::{AssumedRole, CallerIdentity};
pub use xrole_core::{
    AccountId, ExternalId, MfaSerial, Partition, Permission, PolicyArn, PolicyArns, PrincipalArn,
    Region, RoleArn, RoleSpec, SessionDuration, SessionName, SessionPolicy, SessionTag,
    SessionTags, SourceIdentity, SpecError, SwitchRoleLink, TokenCode, TransitiveTagKeys, policy,
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
