//! The runtime against the embedded STS: sessions, refresh, chaining, MFA, the attribute, web identity, secrets.
//!
//! One test binary per crate, each file a module: the SDK is linked once.

mod attribute;
mod runtime;
mod secrets;
mod web_identity;
