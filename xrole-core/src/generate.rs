//! The three documents a cross-account setup needs, generated from a [`RoleSpec`]:
//! the role's trust policy and permission policy (in the trusting account) and the
//! caller's identity policy (in the trusted account). Their shape follows the IAM
//! user guide: one statement each, a single value written as a string.

use crate::policy::keys;
use crate::policy::{
    ConditionOperator, Effect, OneOrMany, OperatorBase, PolicyDocument, Principal, PrincipalType,
    Statement,
};
use crate::{Error, ErrorKind, PrincipalKind, RoleSpec, Subject};

/// The actions an AssumeRole call needs allowed on both sides: `sts:AssumeRole`,
/// plus `sts:TagSession` when it passes session tags (or transitive keys) and
/// `sts:SetSourceIdentity` when it sets a source identity.
pub fn assume_actions(tagged: bool, with_source_identity: bool) -> Vec<&'static str> {
    let mut actions = vec!["sts:AssumeRole"];
    if tagged {
        actions.push("sts:TagSession");
    }
    if with_source_identity {
        actions.push("sts:SetSourceIdentity");
    }
    actions
}

impl RoleSpec {
    /// The actions the role is assumed with: those both the trust policy and the
    /// caller's policy must allow (see [`assume_actions`]); for a role trusted
    /// only through web identity, `sts:AssumeRoleWithWebIdentity`, which the trust
    /// alone decides.
    pub fn assume_actions(&self) -> Vec<&'static str> {
        if self.web_identity_only() {
            return vec![crate::ASSUME_ROLE_WITH_WEB_IDENTITY];
        }
        assume_actions(
            !self.tags.is_empty() || !self.transitive_tag_keys.is_empty(),
            self.source_identity.is_some(),
        )
    }

    /// Whether only web identity providers are trusted (no AWS principal or service).
    fn web_identity_only(&self) -> bool {
        self.trusted.is_empty() && !self.web_identities.is_empty()
    }

    /// The role's trust policy: the trusted principals may call the assume actions,
    /// with `StringEquals sts:ExternalId` when an external id is declared and
    /// `Bool aws:MultiFactorAuthPresent` when MFA is; each web identity trust adds
    /// its statement (`sts:AssumeRoleWithWebIdentity` on exact `aud` and `sub`).
    pub fn trust_policy(&self) -> Result<PolicyDocument, Error> {
        if self.trusted.is_empty() && self.web_identities.is_empty() {
            return Err(Error::new(
                Subject::TrustPolicy,
                ErrorKind::Missing,
                format!(
                    "no trusted principal declared for {}: name who may assume it (an account root, user or role, or a web identity provider)",
                    self.role
                ),
            ));
        }
        let mut aws = Vec::new();
        let mut services = Vec::new();
        for p in self.trusted.iter() {
            match p.kind() {
                PrincipalKind::Service => services.push(p.to_string()),
                PrincipalKind::Federated => {
                    return Err(Error::new(
                        Subject::TrustPolicy,
                        ErrorKind::Conflict,
                        format!(
                            "{p} is an identity provider: it assumes roles with AssumeRoleWithSAML or AssumeRoleWithWebIdentity, not AssumeRole; declare it with its exact subject and audience (WebIdentityTrust::github_actions, ::eks or ::new, given to trusted_web_identity)"
                        ),
                    ));
                }
                _ => aws.push(p.to_string()),
            }
        }
        let mut statements = Vec::new();
        let mut principal = Vec::new();
        if !aws.is_empty() {
            principal.push((PrincipalType::Aws, OneOrMany::from_vec(aws)));
        }
        if !services.is_empty() {
            principal.push((PrincipalType::Service, OneOrMany::from_vec(services)));
        }
        if !principal.is_empty() {
            let mut statement = Statement::new(Effect::Allow)
                .principal(Principal::Typed(principal))
                .actions(self.assume_actions());
            if let Some(id) = &self.external_id {
                statement = statement.condition(
                    ConditionOperator::new(OperatorBase::StringEquals),
                    keys::EXTERNAL_ID,
                    id.as_str(),
                );
            }
            if self.mfa_serial.is_some() {
                statement = statement.condition(
                    ConditionOperator::new(OperatorBase::Bool),
                    keys::MULTI_FACTOR_AUTH_PRESENT,
                    "true",
                );
            }
            statements.push(statement);
        }
        statements.extend(self.web_identities.iter().map(|w| w.statement()));
        Ok(PolicyDocument::new(statements))
    }

    /// The role's permission policy: one `Allow` statement per declared permission,
    /// nothing more (least privilege).
    pub fn permission_policy(&self) -> Result<PolicyDocument, Error> {
        if self.permissions.is_empty() {
            return Err(Error::new(
                Subject::PermissionPolicy,
                ErrorKind::Missing,
                format!(
                    "no permission declared for {}: name the actions and resources the code needs",
                    self.role
                ),
            ));
        }
        let statements = self
            .permissions
            .iter()
            .map(|p| {
                let mut st = Statement::new(Effect::Allow)
                    .actions(p.actions().map(str::to_owned))
                    .resources(p.resources().map(str::to_owned));
                for c in p.conditions() {
                    st.condition
                        .get_or_insert_with(Vec::new)
                        .push(crate::policy::Condition {
                            operator: c.operator,
                            key: c.key.to_string(),
                            values: OneOrMany::from_vec(
                                c.values.iter().map(|v| (&**v).into()).collect(),
                            ),
                        });
                }
                st
            })
            .collect();
        Ok(PolicyDocument::new(statements))
    }

    /// The caller's identity policy (in the trusted account): the assume actions on
    /// exactly this role. A role trusted only through web identity has none to
    /// give: a token holder is no IAM principal and has no identity policy, and
    /// STS decides `sts:AssumeRoleWithWebIdentity` by the trust policy alone.
    pub fn caller_policy(&self) -> Result<PolicyDocument, Error> {
        if self.web_identity_only() {
            return Err(Error::new(
                Subject::CallerPolicy,
                ErrorKind::Conflict,
                format!(
                    "no caller identity policy is needed for {}: it is trusted only through web identity, and a token holder has no identity policy (the trust policy alone decides sts:AssumeRoleWithWebIdentity)",
                    self.role
                ),
            ));
        }
        Ok(PolicyDocument::new(vec![
            Statement::new(Effect::Allow)
                .actions(self.assume_actions())
                .resources([self.role.to_string()]),
        ]))
    }
}
