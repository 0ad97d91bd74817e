//! A checked organization: every member account's SCP and RCP paths, compiled
//! once, and its condition keys.

use std::collections::HashMap;

use xrole_core::AccountId;
use xrole_core::policy::keys;

use crate::eval::{Context, OrgPath, PolicySet, Request};

/// One account's place: its `aws:*OrgPaths` entry and its two paths.
#[derive(Clone, Debug)]
pub(super) struct AccountPaths {
    pub(super) org_path: String,
    pub(super) scps: OrgPath,
    pub(super) rcps: OrgPath,
}

/// A checked organization: every member account's SCP and RCP paths, compiled.
#[derive(Clone, Debug)]
pub struct CompiledOrganization {
    pub(super) id: String,
    pub(super) management: AccountId,
    pub(super) accounts: HashMap<AccountId, AccountPaths>,
}

impl CompiledOrganization {
    /// The organization's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The management account.
    pub fn management_account(&self) -> AccountId {
        self.management
    }

    /// Whether `account` belongs to the organization.
    pub fn contains(&self, account: AccountId) -> bool {
        self.accounts.contains_key(&account)
    }

    /// The SCPs that govern the principals of `account`, root first: none for the
    /// management account or an account outside the organization.
    pub fn scp_path(&self, account: AccountId) -> OrgPath {
        self.accounts
            .get(&account)
            .map_or_else(OrgPath::default, |a| a.scps.clone())
    }

    /// The RCPs that govern the resources of `account`, root first: none for the
    /// management account or an account outside the organization.
    pub fn rcp_path(&self, account: AccountId) -> OrgPath {
        self.accounts
            .get(&account)
            .map_or_else(OrgPath::default, |a| a.rcps.clone())
    }

    /// The organization's condition keys for a request from `principal` to a
    /// resource of `resource`: `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`,
    /// `aws:ResourceOrgID`, `aws:ResourceOrgPaths`, each present only for an
    /// account of the organization.
    pub fn context(&self, principal: Option<AccountId>, resource: Option<AccountId>) -> Context {
        let mut context = Context::new();
        for (account, id_key, paths_key) in [
            (principal, keys::PRINCIPAL_ORG_ID, keys::PRINCIPAL_ORG_PATHS),
            (resource, keys::RESOURCE_ORG_ID, keys::RESOURCE_ORG_PATHS),
        ] {
            if let Some(a) = account.and_then(|a| self.accounts.get(&a)) {
                context.insert(id_key, self.id.as_str());
                context.insert(paths_key, vec![a.org_path.clone()]);
            }
        }
        context
    }

    /// `request` and `policies` as the organization governs them: its condition
    /// keys added (over none the request sets) and the caller's SCP path and the
    /// resource's RCP path set.
    pub fn govern(&self, request: Request, policies: &mut PolicySet) -> Request {
        let principal = request.caller().account();
        let resource = request.owning_account();
        if let Some(a) = principal {
            policies.service_control = self.scp_path(a);
        }
        if let Some(a) = resource {
            policies.resource_control = self.rcp_path(a);
        }
        let mut request = request;
        for (k, v) in self.context(principal, resource).iter() {
            request = request.with_default(k, v.clone());
        }
        request
    }
}
