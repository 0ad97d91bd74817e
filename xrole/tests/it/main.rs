//! The runtime against the embedded STS: sessions, refresh, chaining, MFA, the attribute, web identity, secrets.
//!
//! One test binary per crate, each file a module: the SDK is linked once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

mod attribute;
mod attribute_keys;
mod fixtures;
mod runtime;
mod secrets;
mod web_identity;
