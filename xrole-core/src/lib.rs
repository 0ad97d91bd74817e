#![doc = include_str!("../README.md")]

mod arn;
#[cfg(feature = "test-cases")]
#[doc(hidden)]
pub mod cases;
mod console;
mod error;
mod generate;
pub use generate::assume_actions;
mod charset;
mod macros;
pub mod policy;
mod problems;
mod review;
pub use review::render_role_policies;
mod spec;
mod sts;
mod web_identity;

pub use arn::{AccountId, Arn, Partition, PolicyArn, PrincipalArn, PrincipalKind, RoleArn};
pub use console::{
    ConsoleColor, FederationEndpoint, FederationRequest, SigninSession, SigninToken,
    SwitchRoleLink, console_home, is_console_destination,
};
pub use error::{Error, ErrorKind, Subject};
pub use policy::{PolicyDocument, PolicyError, PolicyKind};
pub use problems::{Placed, Problems};
pub use spec::{
    Permission, PermissionCondition, RoleSpec, RoleSpecBuilder, SpecError, StaticSpec, StrList,
};
pub use sts::{
    DENIAL_KIND_HEADER, DENIAL_POLICY_HEADER, DenialKind, ExternalId, FederatedUserName, MfaSerial,
    OrgDenial, OrgPolicyType, PolicyArns, Region, SessionDuration, SessionName, SessionPolicy,
    SessionTag, SessionTags, SourceIdentity, TokenCode, TransitiveTagKeys,
};
pub use web_identity::{
    ASSUME_ROLE_WITH_WEB_IDENTITY, GITHUB_ACTIONS_ISSUER, GitHubRef, STS_AUDIENCE,
    WEB_IDENTITY_TOKEN_CHARS, WebIdentityParameters, WebIdentityTrust, web_identity_claim_keys,
};
