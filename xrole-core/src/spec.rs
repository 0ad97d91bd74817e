//! [`RoleSpec`]: everything a declaration says about one role, and [`Permission`]:
//! what the code using the role needs.

use std::borrow::Cow;

use crate::policy::{ConditionOperator, PolicyKind};
use crate::{
    Error, ExternalId, MfaSerial, PolicyArns, PrincipalArn, Region, RoleArn, SessionDuration,
    SessionName, SessionPolicy, SessionTags, SourceIdentity, Subject, TransitiveTagKeys,
    WebIdentityTrust,
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
/// `const` (what `#[assume_role]` emits) is written with each type's `from_static`
/// constructor, which checks its literal at compile time;
/// [`validate`](Self::validate) checks the rules that span fields.
///
/// ```
/// use xrole_core::{Permission, PrincipalArn, RoleArn, RoleSpec};
///
/// let spec = RoleSpec::builder(RoleArn::from_static("arn:aws:iam::222222222222:role/CrossAccountS3ReadOnly"))
///     .trusted(PrincipalArn::from_static("arn:aws:iam::111111111111:root"))
///     .allow(Permission::new(["s3:GetObject"], ["arn:aws:s3:::my-shared-bucket/*"]))
///     .build()?;
/// assert_eq!(spec.caller_policy()?.statements().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RoleSpec {
    pub(crate) role: RoleArn,
    pub(crate) session_name: Option<SessionName>,
    pub(crate) external_id: Option<ExternalId>,
    pub(crate) duration: Option<SessionDuration>,
    pub(crate) mfa_serial: Option<MfaSerial>,
    pub(crate) tags: SessionTags,
    pub(crate) transitive_tag_keys: TransitiveTagKeys,
    pub(crate) source_identity: Option<SourceIdentity>,
    pub(crate) session_policy: Option<SessionPolicy>,
    pub(crate) policy_arns: PolicyArns,
    pub(crate) region: Option<Region>,
    pub(crate) trusted: Cow<'static, [PrincipalArn]>,
    /// Web identity providers the trust admits, with their exact claims.
    pub(crate) web_identities: Cow<'static, [WebIdentityTrust]>,
    pub(crate) permissions: Cow<'static, [Permission]>,
    pub(crate) chained: bool,
}

/// A [`RoleSpec`] written out in a `const` as literals: what `#[assume_role]`
/// emits, given to [`RoleSpec::from_static`], which checks each literal with its
/// type's `from_static`. Not a public API: its fields follow `RoleSpec`'s.
#[doc(hidden)]
#[allow(missing_docs)]
pub struct StaticSpec {
    pub role: &'static str,
    pub session_name: Option<&'static str>,
    pub external_id: Option<&'static str>,
    pub duration_secs: Option<u32>,
    pub mfa_serial: Option<&'static str>,
    pub tags: &'static [crate::SessionTag],
    pub transitive_tag_keys: &'static [Cow<'static, str>],
    pub source_identity: Option<&'static str>,
    pub session_policy: Option<&'static str>,
    pub policy_arns: &'static [crate::PolicyArn],
    pub region: Option<&'static str>,
    pub trusted: &'static [PrincipalArn],
    pub permissions: &'static [Permission],
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
            web_identities: Cow::Borrowed(&[]),
            permissions: Cow::Borrowed(&[]),
            chained: false,
        }
    }

    /// A builder for a spec of `role`.
    pub fn builder(role: RoleArn) -> RoleSpecBuilder {
        RoleSpecBuilder(Self::new(role))
    }

    /// A builder starting from this spec (to change a parameter or two).
    pub fn to_builder(&self) -> RoleSpecBuilder {
        RoleSpecBuilder(self.clone())
    }

    /// The spec a `const` writes out, each literal already checked by its type's
    /// `from_static`; [`validate`](Self::validate) checks the rules across fields.
    /// Not a public API: `#[assume_role]` emits it.
    #[doc(hidden)]
    pub const fn from_static(parts: StaticSpec) -> Self {
        /// `from_static` of a type on an optional literal.
        macro_rules! opt {
            ($value:expr, $ty:ty) => {
                match $value {
                    Some(s) => Some(<$ty>::from_static(s)),
                    None => None,
                }
            };
        }
        Self {
            role: RoleArn::from_static(parts.role),
            session_name: opt!(parts.session_name, SessionName),
            external_id: opt!(parts.external_id, ExternalId),
            duration: match parts.duration_secs {
                Some(secs) => Some(SessionDuration::from_static_secs(secs)),
                None => None,
            },
            mfa_serial: opt!(parts.mfa_serial, MfaSerial),
            tags: SessionTags::from_static(parts.tags),
            transitive_tag_keys: TransitiveTagKeys::from_static(parts.transitive_tag_keys),
            source_identity: opt!(parts.source_identity, SourceIdentity),
            session_policy: opt!(parts.session_policy, SessionPolicy),
            policy_arns: PolicyArns::from_static(parts.policy_arns),
            region: opt!(parts.region, Region),
            trusted: Cow::Borrowed(parts.trusted),
            web_identities: Cow::Borrowed(&[]),
            permissions: Cow::Borrowed(parts.permissions),
            chained: parts.chained,
        }
    }

    /// The role to assume.
    pub fn role(&self) -> &RoleArn {
        &self.role
    }
    /// `RoleSessionName`; the runtime derives a default when `None`.
    pub fn session_name(&self) -> Option<&SessionName> {
        self.session_name.as_ref()
    }
    /// `ExternalId`, which the trust policy then demands.
    pub fn external_id(&self) -> Option<&ExternalId> {
        self.external_id.as_ref()
    }
    /// `DurationSeconds`; STS's default (1 hour) when `None`.
    pub fn duration(&self) -> Option<SessionDuration> {
        self.duration
    }
    /// The MFA device; the trust policy then requires MFA.
    pub fn mfa_serial(&self) -> Option<&MfaSerial> {
        self.mfa_serial.as_ref()
    }
    /// Session tags.
    pub fn tags(&self) -> &SessionTags {
        &self.tags
    }
    /// Tag keys that pass on to chained sessions.
    pub fn transitive_tag_keys(&self) -> &TransitiveTagKeys {
        &self.transitive_tag_keys
    }
    /// `SourceIdentity`.
    pub fn source_identity(&self) -> Option<&SourceIdentity> {
        self.source_identity.as_ref()
    }
    /// An inline session policy.
    pub fn session_policy(&self) -> Option<&SessionPolicy> {
        self.session_policy.as_ref()
    }
    /// Managed session policies.
    pub fn policy_arns(&self) -> &PolicyArns {
        &self.policy_arns
    }
    /// The region of the STS endpoint and of the clients.
    pub fn region(&self) -> Option<&Region> {
        self.region.as_ref()
    }
    /// The principals the trust policy must admit (the `trusted` key).
    pub fn trusted(&self) -> &[PrincipalArn] {
        &self.trusted
    }
    /// The web identity providers the trust policy admits, each with its exact
    /// `sub` and `aud` (see [`RoleSpecBuilder::trusted_web_identity`]).
    pub fn web_identities(&self) -> &[WebIdentityTrust] {
        &self.web_identities
    }
    /// What the code needs, one [`Permission`] per `allow` entry: the permission
    /// policy.
    pub fn permissions(&self) -> &[Permission] {
        &self.permissions
    }
    /// Whether the role is assumed with another role's credentials (one hour at most).
    pub fn chained(&self) -> bool {
        self.chained
    }

    /// Only what an AssumeRole call sends to STS: the same spec without the trusted
    /// principals, the web identities, the permissions and the chained mark, which
    /// describe policies and the source, not the session.
    pub fn call_parameters(&self) -> Self {
        Self {
            trusted: Cow::Borrowed(&[]),
            web_identities: Cow::Borrowed(&[]),
            permissions: Cow::Borrowed(&[]),
            chained: false,
            ..self.clone()
        }
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
                        errors.push(Error::policy(Subject::Permissions, e));
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if !self.trusted.is_empty() || !self.web_identities.is_empty() {
            match self.trust_policy() {
                Ok(doc) => {
                    if let Err(e) = doc.validate(PolicyKind::Trust) {
                        errors.push(Error::policy(Subject::TrustedPrincipals, e));
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
    /// Sets or clears the session name (as the AWS SDK's `set_` methods do).
    pub fn set_session_name(mut self, session_name: Option<SessionName>) -> Self {
        self.0.session_name = session_name;
        self
    }
    /// Sets or clears the external id (as the AWS SDK's `set_` methods do).
    pub fn set_external_id(mut self, external_id: Option<ExternalId>) -> Self {
        self.0.external_id = external_id;
        self
    }
    /// Sets or clears the session duration (as the AWS SDK's `set_` methods do).
    pub fn set_duration(mut self, duration: Option<SessionDuration>) -> Self {
        self.0.duration = duration;
        self
    }
    /// Sets or clears the MFA device (as the AWS SDK's `set_` methods do).
    pub fn set_mfa_serial(mut self, mfa_serial: Option<MfaSerial>) -> Self {
        self.0.mfa_serial = mfa_serial;
        self
    }
    /// Sets or clears the source identity (as the AWS SDK's `set_` methods do).
    pub fn set_source_identity(mut self, source_identity: Option<SourceIdentity>) -> Self {
        self.0.source_identity = source_identity;
        self
    }
    /// Sets or clears the inline session policy (as the AWS SDK's `set_` methods do).
    pub fn set_session_policy(mut self, session_policy: Option<SessionPolicy>) -> Self {
        self.0.session_policy = session_policy;
        self
    }
    /// Sets or clears the region (as the AWS SDK's `set_` methods do).
    pub fn set_region(mut self, region: Option<Region>) -> Self {
        self.0.region = region;
        self
    }
    /// Sets the role (the other parameters unchanged).
    pub fn role(mut self, role: RoleArn) -> Self {
        self.0.role = role;
        self
    }
    /// Adds a principal the trust policy must admit (the attribute's `trusted`).
    pub fn trusted(mut self, principal: PrincipalArn) -> Self {
        self.0.trusted.to_mut().push(principal);
        self
    }
    /// Adds a web identity provider the trust policy admits, with its exact `sub`
    /// and `aud` (a GitHub Actions or EKS trust: [`WebIdentityTrust`]).
    pub fn trusted_web_identity(mut self, trust: WebIdentityTrust) -> Self {
        self.0.web_identities.to_mut().push(trust);
        self
    }
    /// Adds a permission the code needs (the attribute's `allow`).
    pub fn allow(mut self, permission: Permission) -> Self {
        self.0.permissions.to_mut().push(permission);
        self
    }
    /// Marks the role as assumed with another role's credentials (a chained session,
    /// one hour at most).
    pub fn chained(mut self, chained: bool) -> Self {
        self.0.chained = chained;
        self
    }

    /// The spec as built so far, not validated yet.
    pub fn spec(&self) -> &RoleSpec {
        &self.0
    }

    /// Validates the spec (see [`RoleSpec::validate`]) and returns it.
    pub fn build(self) -> Result<RoleSpec, SpecError> {
        self.0.validate()?;
        Ok(self.0)
    }
}

/// Every rule a [`RoleSpec`] breaks, each an [`Error`] naming its part.
pub type SpecError = crate::Problems<Error>;
