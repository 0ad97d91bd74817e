//! The world the embedded STS serves: accounts with their users, groups, roles and
//! managed policies.
//!
//! Build it in code, load it from a JSON world file ([`World::from_json`]), create
//! roles straight from a [`RoleSpec`](xrole_core::RoleSpec) ([`World::add_role_from_spec`])
//! or from the policy files a repository keeps ([`Role::from_policy_files`]). Every
//! policy is validated for its kind when it enters the world, and compiled once.
//!
//! - `entities`: users, groups, roles, keys and devices, and the rules each keeps;
//! - `store`: the [`World`], its indexes and the rules that span entities;
//! - `file`: the JSON world file.

mod entities;
mod file;
mod store;

use std::fmt;

pub use entities::{AccessKey, Group, MfaDevice, Role, User};
pub use store::World;

/// Problems in a world description, each with where it is.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct WorldError {
    problems: Vec<String>,
}

impl WorldError {
    pub(crate) fn one(problem: impl Into<String>) -> Self {
        Self {
            problems: vec![problem.into()],
        }
    }

    pub(crate) fn many(problems: Vec<String>) -> Self {
        Self { problems }
    }

    /// The problems, each prefixed by its place (`roles[0].trustPolicy: ...`).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for WorldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "world: {one}"),
            many => {
                write!(f, "world: {} problems", many.len())?;
                for p in many {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for WorldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
