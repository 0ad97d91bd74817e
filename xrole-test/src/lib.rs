//! The xrole test harness: everything `cargo test` needs to prove a
//! cross-account setup works, with no AWS account and no network, as one
//! dev-dependency. The engine is [`xrole_iam`] and the embedded STS
//! [`xrole_sts`], product crates of their own (an auditor or the `xrole` command
//! depends on them without insta); their modules are re-exported here under
//! the names tests use.
//!
//! - [`eval`]: AWS's policy evaluation logic, each decision with its explanation;
//! - [`simulate`]: the evaluator over JSON lines (`xrole policy simulate`);
//! - [`lint`]: lints with stable codes, decided by the evaluator where a
//!   condition is involved, and suppressions that need a reason;
//! - [`snapshot`]: a declared role's three documents as insta snapshots
//!   ([`assert_role_policies!`]);
//! - [`sts`]: the embedded STS (`AssumeRole`, `AssumeRoleWithWebIdentity`,
//!   `GetCallerIdentity`, `GetSessionToken`, `GetFederationToken`, and the
//!   federation endpoint) and its [`World`](sts::World);
//! - [`org`]: organizations, their SCPs and RCPs;
//! - [`web_identity`]: a test OIDC issuer minting web identity tokens;
//! - [`import`]: deployed policies read into a world (account exports, Terraform
//!   plans, CloudFormation templates);
//! - [`access`]: who can assume what, as a graph ([`assert_who_can_assume!`],
//!   [`assert_no_new_access!`]);
//! - [`http`]: the bounded HTTP server loop the embedded STS and the command's
//!   credential endpoint share, and [`http::get`] to follow their links.
//!
//! Read these docs locally with `cargo doc -p xrole-test --open`.

pub mod access;
pub mod http;
pub mod snapshot;
pub mod web_identity;

pub use xrole_iam::{eval, least, lint, org, recording, services, simulate};
pub use xrole_import as import;
/// The embedded STS (the [`xrole_sts`] crate) and its world.
pub use xrole_sts as sts;

#[doc(hidden)]
pub mod __private {
    //! What the exported macros expand to; not a public API.
    pub use insta;
}
