//! The grammar, the policy model and the generators, tested through the public API.
//!
//! One test binary per crate, each file a module: the SDK is linked once.

mod generate;
mod grammar;
mod policy;
