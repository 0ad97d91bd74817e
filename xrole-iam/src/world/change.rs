//! Entities replaced and removed: what a change (a Terraform plan, say) does to
//! a world read from an export. Every index stays true, and every principal
//! whose compiled policies took a replaced managed policy or group is compiled
//! again, so that no decision reads a stale document.

use xrole_core::Placed;
use xrole_core::policy::PolicyDocument;
use xrole_core::{AccountId, PolicyArn, PrincipalArn, RoleArn};

use super::entities::{Group, Role, User};
use super::{World, WorldError};

impl World {
    /// Removes the role `arn`, returning it; `None` when the world has none.
    pub fn remove_role(&mut self, arn: &RoleArn) -> Option<Role> {
        let i = self.role_index.remove(arn)?;
        let removed = self.roles.swap_remove(i);
        if let Some(moved) = self.roles.get(i) {
            self.role_index.insert(moved.role.arn.clone(), i);
        }
        Some(removed.role)
    }

    /// Removes the user `arn` and its access keys, returning it; `None` when the
    /// world has none.
    pub fn remove_user(&mut self, arn: &PrincipalArn) -> Option<User> {
        let i = self.user_index.remove(arn)?;
        let removed = self.users.swap_remove(i);
        for key in &removed.user.access_keys {
            self.keys.remove(&key.id);
        }
        if let Some(moved) = self.users.get(i) {
            self.user_index.insert(moved.user.arn.clone(), i);
            for key in &moved.user.access_keys {
                self.keys.insert(key.id.clone(), i);
            }
        }
        Some(removed.user)
    }

    /// The group `name` of `account`.
    pub fn group(&self, account: AccountId, name: &str) -> Option<&Group> {
        self.group_index
            .get(&(account, name.to_owned()))
            .map(|&i| &self.groups[i])
    }

    /// Adds a group, or replaces the one of its account and name; its members
    /// are compiled again with it.
    pub fn replace_group(&mut self, group: Group) -> Result<&mut Self, WorldError> {
        let (account, name) = (group.account, group.name.clone());
        self.put_group(group)?;
        let members: Vec<User> = self
            .users
            .iter()
            .filter(|u| u.user.arn.account() == Some(account) && u.user.groups.contains(&name))
            .map(|u| u.user.clone())
            .collect();
        for user in members {
            self.put_user(user)?;
        }
        Ok(self)
    }

    /// Removes the group `name` of `account`; an error while a user belongs to it.
    pub fn remove_group(
        &mut self,
        account: AccountId,
        name: &str,
    ) -> Result<Option<Group>, WorldError> {
        let key = (account, name.to_owned());
        let Some(&i) = self.group_index.get(&key) else {
            return Ok(None);
        };
        if let Some(member) = self.users.iter().find(|u| {
            u.user.arn.account() == Some(account) && u.user.groups.iter().any(|g| g == name)
        }) {
            return Err(super::problem(Placed::unplaced(format_args!(
                "group {name} of {account} still has {} as a member",
                member.user.arn
            ))));
        }
        self.group_index.remove(&key);
        let removed = self.groups.swap_remove(i);
        if let Some(moved) = self.groups.get(i) {
            self.group_index
                .insert((moved.account, moved.name.clone()), i);
        }
        Ok(Some(removed))
    }

    /// Whether the world has the managed policy `arn`.
    pub fn has_managed_policy(&self, arn: &PolicyArn) -> bool {
        self.managed.contains_key(arn.as_str())
    }

    /// Adds a managed policy, or replaces the document of the one with this ARN;
    /// the groups, users and roles that attach it (or take it as their boundary)
    /// are compiled again with the new document.
    pub fn replace_managed_policy(
        &mut self,
        arn: PolicyArn,
        doc: PolicyDocument,
    ) -> Result<&mut Self, WorldError> {
        let existed = self.has_managed_policy(&arn);
        self.put_managed_policy(arn.clone(), doc)?;
        if !existed {
            return Ok(self);
        }
        let groups: Vec<(AccountId, String)> = self
            .groups
            .iter()
            .filter(|g| g.managed.contains(&arn))
            .map(|g| (g.account, g.name.clone()))
            .collect();
        let users: Vec<User> = self
            .users
            .iter()
            .filter(|u| {
                let user = &u.user;
                user.managed.contains(&arn)
                    || user.boundary.as_ref() == Some(&arn)
                    || user.groups.iter().any(|g| {
                        user.arn
                            .account()
                            .is_some_and(|a| groups.contains(&(a, g.clone())))
                    })
            })
            .map(|u| u.user.clone())
            .collect();
        let roles: Vec<Role> = self
            .roles
            .iter()
            .filter(|r| r.role.managed.contains(&arn) || r.role.boundary.as_ref() == Some(&arn))
            .map(|r| r.role.clone())
            .collect();
        for user in users {
            self.put_user(user)?;
        }
        for role in roles {
            self.put_role(role)?;
        }
        Ok(self)
    }

    /// Removes the managed policy `arn`; an error while a group, user or role
    /// attaches it or takes it as its boundary.
    pub fn remove_managed_policy(&mut self, arn: &PolicyArn) -> Result<bool, WorldError> {
        let holder = self
            .groups
            .iter()
            .find(|g| g.managed.contains(arn))
            .map(|g| format!("group {} of {}", g.name, g.account))
            .or_else(|| {
                self.users
                    .iter()
                    .find(|u| u.user.managed.contains(arn) || u.user.boundary.as_ref() == Some(arn))
                    .map(|u| u.user.arn.to_string())
            })
            .or_else(|| {
                self.roles
                    .iter()
                    .find(|r| r.role.managed.contains(arn) || r.role.boundary.as_ref() == Some(arn))
                    .map(|r| r.role.arn.to_string())
            });
        if let Some(holder) = holder {
            return Err(super::problem(Placed::unplaced(format_args!(
                "managed policy {arn} is still attached to {holder}"
            ))));
        }
        Ok(self.managed.remove(arn.as_str()).is_some())
    }
}
