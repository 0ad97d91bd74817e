//! The world the embedded STS serves: accounts with their users, groups, roles and
//! managed policies.
//!
//! Build it in code, load it from a JSON world file ([`World::from_json`]), create
//! roles straight from a [`RoleSpec`](xrole_core::RoleSpec) ([`World::add_role_from_spec`])
//! or from the policy files a repository keeps ([`Role::from_policy_files`]). Every
//! policy is validated for its kind when it enters the world, and compiled once.
//!
//! - `entities`: users, groups, roles, keys and devices, and the rules each keeps;
//! - `web_identity`: OIDC identity providers, their audiences and public keys;
//! - `identity_center`: IAM Identity Center's users, permission sets and
//!   assignments, and the roles it provisions;
//! - `resources`: buckets, keys, queues, topics, functions, secrets and
//!   repositories with their resource policies and tags;
//! - `store`: the [`World`], its indexes and the rules that span entities;
//! - `change`: entities replaced and removed (what a plan does to an export),
//!   every index and compiled policy kept true;
//! - `file`: the JSON world file.

mod change;
mod entities;
mod file;
mod identity_center;
mod resources;
mod store;
mod web_identity;

use xrole_core::Placed;

pub use entities::{AccessKey, Group, MfaDevice, Role, User, Without};
pub use identity_center::{
    ASSUME_ROLE_WITH_SAML, Assignment, IdentityCenter, PermissionSet, RESERVED_ROLE_PATH,
    SAML_AUDIENCE, SESSION_SECS,
};
pub use resources::{Resource, ResourceKind};
pub use store::{Compiled, OrgScope, World};
pub use web_identity::{ACCEPTED_ALGORITHMS, OidcProvider, VerifyingKey};

/// Problems in a world description, each at its place
/// (`roles[0].trustPolicy`, `user arn:...`).
pub type WorldError = xrole_core::Problems<Placed>;

/// One problem of a world.
pub(crate) fn problem(problem: Placed) -> WorldError {
    WorldError::one("world", problem)
}

/// The problem of an error at `place`, for `map_err`.
pub(crate) fn at<E: std::fmt::Display>(
    place: impl std::fmt::Display,
) -> impl FnOnce(E) -> WorldError {
    move |e| problem(Placed::new(place, e))
}

/// Several problems of a world (never none).
pub(crate) fn problems(list: Vec<Placed>) -> WorldError {
    WorldError::new("world", list)
}
