//! STS request parameters with STS's own limits: [`SessionName`],
//! [`FederatedUserName`], [`SourceIdentity`],
//! [`ExternalId`], [`SessionDuration`], [`MfaSerial`], [`TokenCode`], [`SessionTag`],
//! [`SessionTags`], [`TransitiveTagKeys`], [`SessionPolicy`], [`PolicyArns`], [`Region`],
//! and how an `AccessDenied` names an organization policy ([`OrgDenial`]); one concern
//! per file.

mod denial;
mod duration;
mod identifiers;
mod mfa;
mod policy;
mod region;
mod tags;

pub use denial::{DENIAL_KIND_HEADER, DENIAL_POLICY_HEADER, DenialKind, OrgDenial, OrgPolicyType};
pub use duration::SessionDuration;
pub use identifiers::{ExternalId, FederatedUserName, MfaSerial, SessionName, SourceIdentity};
pub use mfa::TokenCode;
pub use policy::{PolicyArns, SessionPolicy};
pub use region::Region;
pub use tags::{SessionTag, SessionTags, TransitiveTagKeys};
