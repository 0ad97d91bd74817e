//! STS request parameters with STS's own limits: [`SessionName`], [`SourceIdentity`],
//! [`ExternalId`], [`SessionDuration`], [`MfaSerial`], [`TokenCode`], [`SessionTag`],
//! [`SessionTags`], [`TransitiveTagKeys`], [`SessionPolicy`], [`PolicyArns`], [`Region`],
//! one concern per file.

mod duration;
mod mfa;
mod policy;
mod region;
mod tags;
mod text;

pub use duration::SessionDuration;
pub use mfa::TokenCode;
pub use policy::{PolicyArns, SessionPolicy};
pub use region::Region;
pub use tags::{SessionTag, SessionTags, TransitiveTagKeys};
pub use text::{ExternalId, MfaSerial, SessionName, SourceIdentity};
