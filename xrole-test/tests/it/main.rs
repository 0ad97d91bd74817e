//! The harness: evaluator, lints, simulate, organizations, the world, the embedded STS, importers and the access graph.
//!
//! One test binary per crate, each file a module: the SDK is linked once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

mod access;
mod authorize;
mod classify;
mod corpus;
mod evaluator;
mod federated_users;
mod federation;
mod fixtures;
mod gateway;
mod identity_center;
mod least;
mod lint;
mod organizations;
mod resources;
mod service_rules;
mod services;
mod simulate;
mod snapshots;
mod sts;
mod sts_limits;
mod sts_org;
mod web_identity;
mod world;
