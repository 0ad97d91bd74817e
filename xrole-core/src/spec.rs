//! [`RoleSpec`]: everything a declaration says about one role, and [`Permission`]:
//! what the code using the role needs.

use std::borrow::Cow;

use crate::policy::{ConditionOperator, PolicyKind};
use crate::{
    Error, ExternalId, MfaSerial, PolicyArns, PrincipalArn, Region, RoleArn, SessionDuration,
    SessionName, SessionPolicy, SessionTags, SourceIdentity, TransitiveTagKeys,
};

/// A list of literal or owned strings: `const` items borrow, run-time values own.
pub type StrList = Cow<'static, [Cow<'static, str>]>;

fn owned_list<S: Into<String>>(items: impl IntoIterator<Item = S>) -> StrList {
    Cow::Owned(items.into_iter().map(|s| Cow::Owned(s.into())).collect())
}

/// A condition a [`Permission`] carries into the generated permission policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PermissionCondition {
    /// The operator.
    pub operator: ConditionOperator,
    /// The context key, e.g. `s3:prefix`.
    pub key: Cow<'static, str>,
    /// The values (any one matching is enough).
    pub values: StrList,
}

/// Actions on resources that the code needs, optionally under conditions: one
/// `Allow` statement of the generated permission policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Permission {
    actions: StrList,
    resources: StrList,
    conditions: Cow<'static, [PermissionCondition]>,
}

impl Permission {
    /// `actions` on `resources`. Checked by [`RoleSpec::validate`] and when the
    /// permission policy is generated.
    pub fn new<A, R>(
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = R>,
    ) -> Self
    where
        A: Into<String>,
        R: Into<String>,
    {
        Self {
            actions: owned_list(actions),
            resources: owned_list(resources),
            conditions: Cow::Borrowed(&[]),
        }
    }

    /// A permission from `static` lists, for `const` items.
    pub const fn from_static(
        actions: &'static [Cow<'static, str>],
        resources: &'static [Cow<'static, str>],
        conditions: &'static [PermissionCondition],
    ) -> Self {
        Self {
            actions: Cow::Borrowed(actions),
            resources: Cow::Borrowed(resources),
            conditions: Cow::Borrowed(conditions),
        }
    }

    /// Adds a condition.
    pub fn condition<S: Into<String>>(
        mut self,
        operator: ConditionOperator,
        key: impl Into<String>,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        self.conditions.to_mut().push(PermissionCondition {
            operator,
            key: Cow::Owned(key.into()),
            values: owned_list(values),
        });
        self
    }

    /// The actions.
    pub fn actions(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().map(|s| &**s)
    }
    /// The resources.
    pub fn resources(&self) -> impl Iterator<Item = &str> {
        self.resources.iter().map(|s| &**s)
    }
    /// The conditions.
    pub fn conditions(&self) -> &[PermissionCondition] {
        &self.conditions
    }
}

/// Everything a declaration says about one role: the role, the AssumeRole
/// parameters, who the trust policy must admit, and what the code needs.
///
/// Build one at run time with [`RoleSpec::builder`], whose `build` validates. A
/// `const` (what `#[assume_role]` emits) writes the fields out with the types'
/// `from_static` constructors, which check each literal at compile time;
/// [`validate`](Self::validate) checks the rules that span fields.
///
/// ```
/// use xrole_core::{Permission, PrincipalArn, RoleArn, RoleSpec};
///
/// let spec = RoleSpec::builder(RoleArn::from_static("arn:aws:iam::222222222222:role/CrossAccountS3ReadOnly"))
///     .trust(PrincipalArn::from_static("arn:aws:iam::111111111111:root"))
///     .permission(Permission::new(["s3:GetObject"], ["arn:aws:s3:::my-shared-bucket/*"]))
///     .build()?;
/// assert_eq!(spec.caller_policy().statements().len(), 1);
/// # Ok::<(), xrole_core::SpecError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RoleSpec {
    /// The role to assume.
    pub role: RoleArn,
    /// `RoleSessionName`; the runtime derives a default when `None`.
    pub session_name: Option<SessionName>,
    /// `ExternalId`, which the trust policy then demands.
    pub external_id: Option<ExternalId>,
    /// `DurationSeconds`; STS's default (1 hour) when `None`.
    pub duration: Option<SessionDuration>,
    /// The MFA device; the trust policy then requires MFA.
    pub mfa_serial: Option<MfaSerial>,
    /// Session tags.
    pub tags: SessionTags,
    /// Tag keys that pass on to chained sessions.
    pub transitive_tag_keys: TransitiveTagKeys,
    /// `SourceIdentity`.
    pub source_identity: Option<SourceIdentity>,
    /// An inline session policy.
    pub session_policy: Option<SessionPolicy>,
    /// Managed session policies.
    pub policy_arns: PolicyArns,
    /// The region of the STS endpoint and of the clients.
    pub region: Option<Region>,
    /// The principals the trust policy must admit.
    pub trusted: Cow<'static, [PrincipalArn]>,
    /// What the code needs: the permission policy.
    pub permissions: Cow<'static, [Permission]>,
    /// Whether the role is assumed with another role's credentials (one hour at most).
    pub chained: bool,
}

impl RoleSpec {
    /// A spec for `role` with no parameters, trusted principals or permissions yet.
    pub const fn new(role: RoleArn) -> Self {
        Self {
            role,
            session_name: None,
            external_id: None,
            duration: None,
            mfa_serial: None,
            tags: SessionTags::empty(),
            transitive_tag_keys: TransitiveTagKeys::empty(),
            source_identity: None,
            session_policy: None,
            policy_arns: PolicyArns::empty(),
            region: None,
            trusted: Cow::Borrowed(&[]),
            permissions: Cow::Borrowed(&[]),
            chained: false,
        }
    }

    /// A builder for a spec of `role`.
    pub fn builder(role: RoleArn) -> RoleSpecBuilder {
        RoleSpecBuilder(Self::new(role))
    }

    /// Checks the rules that span fields, and the parts `const` construction cannot
    /// check: tag count and key uniqueness, transitive keys among the tags, at most 10
    /// policy ARNs, the session policy document, the chained one-hour limit, the
    /// permissions' action and resource syntax. Returns every error.
    pub fn validate(&self) -> Result<(), SpecError> {
        let mut errors = Vec::new();
        if let Err(e) = self.tags.validate() {
            errors.push(e);
        }
        for tag in self.tags.iter() {
            if let Err(e) = crate::SessionTag::new(tag.key(), tag.value()) {
                errors.push(e);
            }
        }
        if let Err(e) = self.transitive_tag_keys.validate(&self.tags) {
            errors.push(e);
        }
        if let Err(e) = self.policy_arns.validate() {
            errors.push(e);
        }
        if let Some(policy) = &self.session_policy
            && let Err(e) = SessionPolicy::parse(policy.as_str())
        {
            errors.push(e);
        }
        if self.chained
            && let Some(Err(e)) = self.duration.map(SessionDuration::check_chained)
        {
            errors.push(e);
        }
        if !self.permissions.is_empty() {
            match self.permission_policy() {
                Ok(doc) => {
                    if let Err(e) = doc.validate(PolicyKind::Identity) {
                        errors.push(Error::new("permissions", e.to_string()));
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if !self.trusted.is_empty() {
            match self.trust_policy() {
                Ok(doc) => {
                    if let Err(e) = doc.validate(PolicyKind::Trust) {
                        errors.push(Error::new("trusted principals", e.to_string()));
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SpecError::new("role spec", errors))
        }
    }
}

/// Builds a [`RoleSpec`] at run time; [`build`](Self::build) validates it.
#[derive(Clone, Debug)]
pub struct RoleSpecBuilder(RoleSpec);

impl RoleSpecBuilder {
    /// Sets the session name.
    pub fn session_name(mut self, name: SessionName) -> Self {
        self.0.session_name = Some(name);
        self
    }
    /// Sets the external id the trust policy demands.
    pub fn external_id(mut self, id: ExternalId) -> Self {
        self.0.external_id = Some(id);
        self
    }
    /// Sets the session duration.
    pub fn duration(mut self, duration: SessionDuration) -> Self {
        self.0.duration = Some(duration);
        self
    }
    /// Requires MFA with this device.
    pub fn mfa_serial(mut self, serial: MfaSerial) -> Self {
        self.0.mfa_serial = Some(serial);
        self
    }
    /// Sets the session tags.
    pub fn tags(mut self, tags: SessionTags) -> Self {
        self.0.tags = tags;
        self
    }
    /// Sets the transitive tag keys.
    pub fn transitive_tag_keys(mut self, keys: TransitiveTagKeys) -> Self {
        self.0.transitive_tag_keys = keys;
        self
    }
    /// Sets the source identity.
    pub fn source_identity(mut self, identity: SourceIdentity) -> Self {
        self.0.source_identity = Some(identity);
        self
    }
    /// Sets the inline session policy.
    pub fn session_policy(mut self, policy: SessionPolicy) -> Self {
        self.0.session_policy = Some(policy);
        self
    }
    /// Sets the managed session policies.
    pub fn policy_arns(mut self, arns: PolicyArns) -> Self {
        self.0.policy_arns = arns;
        self
    }
    /// Sets the region of the STS endpoint and of the clients.
    pub fn region(mut self, region: Region) -> Self {
        self.0.region = Some(region);
        self
    }
    /// Adds a principal the trust policy must admit.
    pub fn trust(mut self, principal: PrincipalArn) -> Self {
        self.0.trusted.to_mut().push(principal);
        self
    }
    /// Adds a permission the code needs.
    pub fn permission(mut self, permission: Permission) -> Self {
        self.0.permissions.to_mut().push(permission);
        self
    }
    /// Marks the role as assumed with another role's credentials (a chained session,
    /// one hour at most).
    pub fn chained(mut self, chained: bool) -> Self {
        self.0.chained = chained;
        self
    }

    /// Validates the spec (see [`RoleSpec::validate`]) and returns it.
    pub fn build(self) -> Result<RoleSpec, SpecError> {
        self.0.validate()?;
        Ok(self.0)
    }
}

/// Every rule a [`RoleSpec`] breaks, each an [`Error`] naming its part.
pub type SpecError = crate::Problems<Error>;
