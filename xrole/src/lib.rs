//! xrole: AWS role assumption, typed and tested.
//!
//! - [`AssumeRole`]: every AssumeRole parameter, checked before any call; builds an
//!   [`AssumedRole`] from any base `SdkConfig` or from another `AssumedRole`.
//! - [`AssumedRole`]: credentials that refresh themselves ahead of expiry in one
//!   background task per session, shared by every client, surviving STS outages
//!   while they are valid, never blocking callers once loaded.
//! - [`Fleet`]: one role over many accounts; [`registry`]: one session per declared
//!   role session in the process.
//! - [`Error`]: `AccessDenied` explained on both sides, with the policies that would
//!   allow the call.
//!
//! The grammar types (`RoleArn`, `SessionName`, ...) are re-exported from
//! `xrole-core`.

mod assume;
mod error;
mod fleet;
mod refresh;
pub mod registry;
mod role;

pub use assume::{AssumeRole, MfaStrategy, TokenProvider, default_session_name};
pub use error::{AccessDenied, Error};
pub use fleet::{Fleet, FleetResults};
pub use refresh::Stats;
pub use role::{AssumedRole, CallerIdentity};
pub use xrole_core::{
    AccountId, ExternalId, MfaSerial, Partition, PolicyArn, PolicyArns, PrincipalArn, Region,
    RoleArn, RoleSpec, SessionDuration, SessionName, SessionPolicy, SessionTag, SessionTags,
    SourceIdentity, TokenCode, TransitiveTagKeys, policy,
};

/// The workspace README's examples, compiled and run as doc tests here: this crate
/// sees every other (`xrole-test` as a dev-dependency).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct WorkspaceReadme;
