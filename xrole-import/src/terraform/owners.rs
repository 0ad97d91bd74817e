//! [`Owners`]: the roles and users of the plan's account by name, which
//! attachments and memberships name.

use std::collections::HashMap;

use xrole_core::{AccountId, PolicyArn, PrincipalArn, RoleArn};

use super::super::{Attach, Holder};
use super::Reader;
use xrole_iam::world::{Role, User, Without, World, WorldError};

/// The roles and users of the plan's account by name (attachments name their
/// owners by name), found once.
pub(super) struct Owners {
    account: AccountId,
    pub(super) roles: HashMap<String, RoleArn>,
    pub(super) users: HashMap<String, PrincipalArn>,
}

impl Owners {
    pub(super) fn of(world: &World, account: AccountId) -> Self {
        Self {
            account,
            roles: world
                .roles()
                .filter(|r| r.arn().account() == account)
                .map(|r| (r.arn().name().to_owned(), r.arn().clone()))
                .collect(),
            users: world
                .users()
                .filter(|u| u.arn().account() == Some(account))
                .filter_map(|u| Some((u.arn().name()?.to_owned(), u.arn().clone())))
                .collect(),
        }
    }

    pub(super) fn role<'w>(&self, world: &'w World, name: &str) -> Option<&'w Role> {
        world.role(self.roles.get(name)?)
    }

    pub(super) fn user<'w>(&self, world: &'w World, name: &str) -> Option<&'w User> {
        world.user(self.users.get(name)?)
    }

    pub(super) fn has(&self, world: &World, kind: &str, name: &str) -> bool {
        match kind {
            "role" => self.role(world, name).is_some(),
            "user" => self.user(world, name).is_some(),
            _ => world.group(self.account, name).is_some(),
        }
    }

    /// Gives the world's owner `list`.
    pub(super) fn attach(
        &self,
        world: &mut World,
        kind: &str,
        name: &str,
        list: Vec<Attach>,
        reader: &mut Reader<'_, '_>,
        planned: &[PolicyArn],
    ) -> Result<(), WorldError> {
        let address = format!("{kind} {name}");
        let list = reader.attachable(world, &address, list, planned);
        match kind {
            "role" => {
                if let Some(r) = self.role(world, name).cloned() {
                    world.replace_role(r.attach_all(list))?;
                }
            }
            "user" => {
                if let Some(u) = self.user(world, name).cloned() {
                    world.replace_user(u.attach_all(list))?;
                }
            }
            _ => {
                if let Some(g) = world.group(self.account, name).cloned() {
                    world.replace_group(g.attach_all(list))?;
                }
            }
        }
        Ok(())
    }

    /// Takes `what` from the world's owner, if the world has it.
    pub(super) fn detach(
        &self,
        world: &mut World,
        kind: &str,
        name: &str,
        what: Without<'_>,
    ) -> Result<(), WorldError> {
        match kind {
            "role" => {
                if let Some(r) = self.role(world, name).cloned() {
                    world.replace_role(r.without(what))?;
                }
            }
            "user" => {
                if let Some(u) = self.user(world, name).cloned() {
                    world.replace_user(u.without(what))?;
                }
            }
            _ => {
                if let Some(g) = world.group(self.account, name).cloned() {
                    world.replace_group(g.without(what))?;
                }
            }
        }
        Ok(())
    }
}
