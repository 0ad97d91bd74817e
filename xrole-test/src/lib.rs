//! The xrole test harness: an evaluator of AWS's policy logic (with explanations),
//! a batch interface to it (`simulate`, behind `xrole policy simulate`), lints for
//! the documents of a cross-account setup, and insta snapshots of a declared role's
//! three documents.

pub mod access;
pub mod eval;
pub mod http;
pub mod import;
pub mod lint;
pub mod oidc;
pub mod org;
pub mod simulate;
pub mod snapshot;
pub mod sts;

#[doc(hidden)]
pub mod __private {
    //! What the exported macros expand to; not a public API.
    pub use insta;
}
