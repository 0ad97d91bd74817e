//! One request as the evaluator sees it: who, which action, on what, and the
//! context keys AWS derives from them.

use xrole_core::policy::keys;
use xrole_core::{AccountId, PrincipalKind};

use super::{Caller, Context, ContextValue};

/// One request: who, which action, on what, with which context keys.
#[derive(Clone, Debug)]
pub struct Request {
    pub(super) caller: Caller,
    pub(super) action: String,
    /// The action in lower case: actions compare case-insensitively.
    pub(super) action_folded: String,
    pub(super) resource: String,
    /// The account the resource's ARN names, read once.
    pub(super) resource_arn_account: Option<AccountId>,
    pub(super) resource_account: Option<AccountId>,
    pub(super) context: Context,
    /// Conditions on keys the caller chooses, absent from the context, are open.
    pub(super) open: bool,
}

impl Request {
    /// A request by `caller` for `action` on `resource`. The context starts with the
    /// keys AWS derives from the caller: `aws:PrincipalArn` (a session's role ARN),
    /// `aws:PrincipalAccount` (not for identity providers), `aws:PrincipalType`, and
    /// `aws:username` for users.
    pub fn new(caller: Caller, action: &str, resource: &str) -> Self {
        let mut context = Context::new();
        let arn = caller.arn();
        let principal_arn = match (arn.kind(), caller.role()) {
            (PrincipalKind::AssumedRole, Some(role)) => role.to_string(),
            _ => arn.to_string(),
        };
        context.insert(keys::PRINCIPAL_ARN, principal_arn);
        // An identity provider is no principal of an account: STS sets no
        // aws:PrincipalAccount for its calls (AssumeRoleWithWebIdentity, ...WithSAML).
        if let Some(account) = caller.account()
            && arn.kind() != PrincipalKind::Federated
        {
            context.insert(keys::PRINCIPAL_ACCOUNT, account.to_string());
        }
        let principal_type = match arn.kind() {
            PrincipalKind::User => Some("User"),
            PrincipalKind::AssumedRole => Some("AssumedRole"),
            PrincipalKind::FederatedUser => Some("FederatedUser"),
            PrincipalKind::AccountRoot | PrincipalKind::Account => Some("Account"),
            PrincipalKind::Any => Some("Anonymous"),
            PrincipalKind::Federated if arn.web_identity_issuer().is_some() => {
                Some("WebIdentityUser")
            }
            PrincipalKind::Federated => Some("SAMLUser"),
            _ => None,
        };
        if let Some(t) = principal_type {
            context.insert(keys::PRINCIPAL_TYPE, t);
        }
        if arn.kind() != PrincipalKind::Any {
            context.insert(
                keys::PRINCIPAL_IS_AWS_SERVICE,
                arn.kind() == PrincipalKind::Service,
            );
        }
        let resource_arn_account = resource_arn_account(resource);
        if let Some(account) = resource_arn_account {
            context.insert(keys::RESOURCE_ACCOUNT, account.to_string());
        }
        match (arn.kind(), arn.name()) {
            (PrincipalKind::User, Some(name)) => context.insert("aws:username", name),
            // A federated user's unique id is ACCOUNT:NAME.
            (PrincipalKind::FederatedUser, Some(name)) => {
                if let Some(account) = caller.account() {
                    context.insert(keys::USER_ID, format!("{account}:{name}"));
                }
            }
            _ => {}
        }
        Self {
            caller,
            action: action.to_owned(),
            action_folded: action.to_lowercase(),
            resource: resource.to_owned(),
            resource_arn_account,
            resource_account: None,
            context,
            open: false,
        }
    }

    /// Asks what the caller would need to send: a condition on a key the caller
    /// chooses with the call (`sts:ExternalId`, MFA, source address, request tags,
    /// a web identity token's claims, ...) and the request does not set counts as
    /// satisfiable. An allowing statement that needs one allows, and the
    /// evaluation lists it ([`Finding::Requires`](super::Finding::Requires)); a
    /// denying statement that needs one can be avoided, and does not deny. Keys
    /// the request sets are judged as usual.
    pub fn open_conditions(mut self) -> Self {
        self.open = true;
        self
    }

    /// Judges `key` absent, even with [`open_conditions`](Self::open_conditions):
    /// the caller sends no value for it (a key present with no value is absent to
    /// every operator, and closed to the open mode).
    pub fn without(mut self, key: &str) -> Self {
        self.context.insert(key, Vec::<String>::new());
        self
    }

    /// Adds context keys (over the derived ones).
    pub fn context(mut self, context: &Context) -> Self {
        for (k, v) in context.iter() {
            self.context.insert(k, v.clone());
        }
        self
    }

    /// Sets every key of `context`, moved into the request.
    pub fn with_context(mut self, context: Context) -> Self {
        self.context.extend(context);
        self
    }

    /// Sets one context key.
    pub fn with(mut self, key: &str, value: impl Into<ContextValue>) -> Self {
        self.context.insert(key, value);
        self
    }

    /// Sets one context key unless the request already has it.
    pub fn with_default(mut self, key: &str, value: impl Into<ContextValue>) -> Self {
        self.context.insert_default(key, value);
        self
    }

    /// The account that owns the resource, when its ARN does not say (S3 buckets);
    /// also `aws:ResourceAccount`.
    pub fn resource_account(mut self, account: AccountId) -> Self {
        self.resource_account = Some(account);
        self.context
            .insert_default(keys::RESOURCE_ACCOUNT, account.to_string());
        self
    }

    /// The caller.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }
    /// The action.
    pub fn action(&self) -> &str {
        &self.action
    }
    /// The resource.
    pub fn resource(&self) -> &str {
        &self.resource
    }
    /// The context keys.
    pub fn context_keys(&self) -> &Context {
        &self.context
    }

    /// The resource's account: from its ARN, else as set, else the caller's (a
    /// resource of one's own).
    pub fn owning_account(&self) -> Option<AccountId> {
        self.resource_arn_account
            .or(self.resource_account)
            .or_else(|| self.caller.account())
    }

    /// Whether a federated user's session is refused the action: every IAM action,
    /// and every STS action but `sts:GetCallerIdentity`.
    pub(super) fn is_closed_to_federated_users(&self) -> bool {
        let action = &self.action_folded;
        action.starts_with("iam:")
            || (action.starts_with("sts:") && action != "sts:getcalleridentity")
    }

    /// Whether the action needs no permission at all: `sts:GetCallerIdentity`.
    pub(super) fn needs_no_permission(&self) -> bool {
        self.action_folded == "sts:getcalleridentity"
    }

    /// Whether the request is a KMS action on a key (`arn:...:kms:...:key/...`),
    /// whose key policy must allow it.
    pub(super) fn is_on_kms_key(&self) -> bool {
        self.action_folded.starts_with("kms:")
            && xrole_core::Arn::split(&self.resource)
                .is_some_and(|arn| arn.service == "kms" && arn.resource.starts_with("key/"))
    }

    /// Whether the resource policy is a role trust policy: trust must always allow.
    pub(super) fn is_role_assumption(&self) -> bool {
        is_trust_action(&self.action_folded)
    }
}

/// Whether `action` is decided by a role's trust policy (the resource policy of a
/// role assumption, which must always allow): `sts:AssumeRole*`,
/// `sts:TagSession`, `sts:SetSourceIdentity`, `sts:SetContext`; any case.
pub fn is_trust_action(action: &str) -> bool {
    const WITH: &str = "sts:AssumeRoleWith";
    [
        "sts:AssumeRole",
        "sts:TagSession",
        "sts:SetSourceIdentity",
        "sts:SetContext",
    ]
    .iter()
    .any(|a| action.eq_ignore_ascii_case(a))
        || action
            .get(..WITH.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(WITH))
}

/// The account in a resource ARN, if it names one.
fn resource_arn_account(resource: &str) -> Option<AccountId> {
    xrole_core::Arn::split(resource).and_then(|arn| arn.account_id())
}
