//! IAM Identity Center: an instance (its start URL and region), its users,
//! permission sets (inline and managed policies, a boundary, a session
//! duration) and account assignments. Each permission set assigned in an
//! account is a role there, as Identity Center provisions it
//! (IAM Identity Center user guide, "Permission sets" and "Referencing
//! permission sets in resource policies"): `AWSReservedSSO_<set>_<16 hex>` at
//! the path `/aws-reserved/sso.amazonaws.com/`, trusting the instance's SAML
//! provider `AWSSSO_<16 hex>_DO_NOT_DELETE` for `sts:AssumeRoleWithSAML` and
//! `sts:TagSession`. Those roles are ordinary roles of the world: the
//! evaluator and the access graph see them as they see any other.

use xrole_core::policy::PolicyDocument;
use xrole_core::{
    AccountId, Partition, Placed, PolicyArn, PrincipalArn, RoleArn, SessionDuration, SessionName,
};

use super::entities::Role;
use super::store::World;
use super::{WorldError, problems};
use crate::eval::{Caller, Request, StsCall};

/// The path of the roles Identity Center provisions.
pub const RESERVED_ROLE_PATH: &str = "/aws-reserved/sso.amazonaws.com/";
/// The audience of the SAML assertions Identity Center signs for AWS's sign-in.
pub const SAML_AUDIENCE: &str = "https://signin.aws.amazon.com/saml";
/// The session durations a permission set may have: one to twelve hours, a
/// role's maximum session duration.
pub const SESSION_SECS: std::ops::RangeInclusive<u32> =
    SessionDuration::MIN_ROLE_MAX.as_secs()..=SessionDuration::MAX.as_secs();
/// The action a sign-in takes a provisioned role with.
pub const ASSUME_ROLE_WITH_SAML: &str = "sts:AssumeRoleWithSAML";
/// The condition key of a SAML assertion's audience.
const SAML_AUD: &str = "SAML:aud";
/// The longest permission set name.
const MAX_SET_NAME: usize = 32;

/// A permission set: what its users may do in an account they are assigned.
#[derive(Clone, Debug)]
pub struct PermissionSet {
    name: String,
    inline: Option<PolicyDocument>,
    managed: Vec<PolicyArn>,
    boundary: Option<PolicyArn>,
    session_secs: u32,
}

impl PermissionSet {
    /// A permission set named `name` (1 to 32 of `[A-Za-z0-9+=,.@_-]`), with no
    /// policy yet and the default session duration of one hour.
    pub fn new(name: &str) -> Result<Self, WorldError> {
        let valid = !name.is_empty()
            && name.len() <= MAX_SET_NAME
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if !valid {
            return Err(super::problem(Placed::new(
                format_args!("permission set {name:?}"),
                format_args!(
                    "a permission set's name is 1 to {MAX_SET_NAME} letters, digits and +=,.@_-"
                ),
            )));
        }
        Ok(Self {
            name: name.to_owned(),
            inline: None,
            managed: Vec::new(),
            boundary: None,
            session_secs: *SESSION_SECS.start(),
        })
    }

    /// Its inline policy.
    pub fn inline_policy(mut self, doc: PolicyDocument) -> Self {
        self.inline = Some(doc);
        self
    }

    /// Attaches a managed policy (one the world holds).
    pub fn managed_policy(mut self, arn: PolicyArn) -> Self {
        self.managed.push(arn);
        self
    }

    /// Its permissions boundary (a managed policy the world holds).
    pub fn permissions_boundary(mut self, arn: PolicyArn) -> Self {
        self.boundary = Some(arn);
        self
    }

    /// How long its sessions last, in seconds ([`SESSION_SECS`]).
    pub fn session_duration(mut self, secs: u32) -> Self {
        self.session_secs = secs;
        self
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How long its sessions last, in seconds.
    pub fn session_secs(&self) -> u32 {
        self.session_secs
    }
}

/// One account assignment: a user may use a permission set in an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// The user's name.
    pub user: String,
    /// The account.
    pub account: AccountId,
    /// The permission set's name.
    pub permission_set: String,
}

/// An IAM Identity Center instance.
#[derive(Clone, Debug)]
pub struct IdentityCenter {
    start_url: String,
    region: String,
    users: Vec<String>,
    permission_sets: Vec<PermissionSet>,
    assignments: Vec<Assignment>,
}

/// A stable 16-hex-digit suffix for `parts` (FNV-1a): the same instance and
/// set always name the same role, as a provisioned role keeps its name.
fn suffix(parts: &[&str]) -> String {
    let digest = parts
        .iter()
        .flat_map(|p| p.bytes().chain([0]))
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    format!("{digest:016x}")
}

impl IdentityCenter {
    /// An instance whose users sign in at `start_url` (`https://...`), in
    /// `region`.
    pub fn new(start_url: &str, region: &str) -> Result<Self, WorldError> {
        if !start_url.starts_with("https://") || start_url.len() > 1024 {
            return Err(super::problem(Placed::new(
                "startUrl",
                format_args!("the start URL is an https:// URL, not {start_url:?}"),
            )));
        }
        if region.is_empty()
            || region.len() > 32
            || !region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(super::problem(Placed::new(
                "region",
                format_args!("not a region: {region:?}"),
            )));
        }
        Ok(Self {
            start_url: start_url.to_owned(),
            region: region.to_owned(),
            users: Vec::new(),
            permission_sets: Vec::new(),
            assignments: Vec::new(),
        })
    }

    /// Adds a user (by the name that is its role sessions' name).
    pub fn user(mut self, name: &str) -> Self {
        self.users.push(name.to_owned());
        self
    }

    /// Adds a permission set.
    pub fn permission_set(mut self, set: PermissionSet) -> Self {
        self.permission_sets.push(set);
        self
    }

    /// Lets `user` use `permission_set` in `account`.
    pub fn assign(mut self, user: &str, account: AccountId, permission_set: &str) -> Self {
        self.assignments.push(Assignment {
            user: user.to_owned(),
            account,
            permission_set: permission_set.to_owned(),
        });
        self
    }

    /// The start URL.
    pub fn start_url(&self) -> &str {
        &self.start_url
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The users' names.
    pub fn users(&self) -> &[String] {
        &self.users
    }

    /// The permission sets.
    pub fn permission_sets(&self) -> &[PermissionSet] {
        &self.permission_sets
    }

    /// The account assignments.
    pub fn assignments(&self) -> &[Assignment] {
        &self.assignments
    }

    /// The partition its roles are in: its region's.
    pub fn partition(&self) -> Partition {
        Partition::of_region(&self.region)
    }

    /// The permission set named `name`.
    pub fn permission_set_named(&self, name: &str) -> Option<&PermissionSet> {
        self.permission_sets.iter().find(|s| s.name == name)
    }

    /// Whether `user` may use `permission_set` in `account`.
    pub fn is_assigned(&self, user: &str, account: AccountId, permission_set: &str) -> bool {
        self.assignments
            .iter()
            .any(|a| a.user == user && a.account == account && a.permission_set == permission_set)
    }

    /// The role `permission_set` is in `account`:
    /// `role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<set>_<16 hex>`.
    pub fn role_of(&self, account: AccountId, permission_set: &str) -> Result<RoleArn, WorldError> {
        let name = format!(
            "aws-reserved/sso.amazonaws.com/AWSReservedSSO_{permission_set}_{}",
            suffix(&[&self.start_url, permission_set])
        );
        RoleArn::new(self.partition(), account, &name)
            .map_err(super::at(format_args!("permission set {permission_set}")))
    }

    /// The SAML provider the instance's roles in `account` trust.
    pub fn saml_provider(&self, account: AccountId) -> Result<PrincipalArn, WorldError> {
        let arn = xrole_core::Arn {
            partition: self.partition().as_str(),
            service: "iam",
            region: "",
            account: &account.to_string(),
            resource: &format!(
                "saml-provider/AWSSSO_{}_DO_NOT_DELETE",
                suffix(&[&self.start_url])
            ),
        };
        PrincipalArn::parse(&arn.to_string()).map_err(super::at("identityCenter"))
    }

    /// The request Identity Center makes when a sign-in takes the role
    /// `role` (one of its provisioned roles), at `now_unix`:
    /// `sts:AssumeRoleWithSAML` by the instance's SAML provider in the role's
    /// account, the assertion's audience AWS's sign-in ([`SAML_AUDIENCE`]).
    /// The role's trust policy decides it, with the organization's RCPs (its
    /// SCPs do not govern an identity provider).
    pub fn sign_in_request(&self, role: &RoleArn, now_unix: i64) -> Result<Request, WorldError> {
        let provider = self.saml_provider(role.account())?;
        Ok(StsCall::new(Caller::new(provider), now_unix)
            .request(ASSUME_ROLE_WITH_SAML, role.as_str())
            .with(SAML_AUD, SAML_AUDIENCE))
    }

    /// Every rule of the instance on its own: names given once and valid,
    /// assignments of known users and sets, durations in range.
    fn check(&self, world: &World) -> Result<(), WorldError> {
        let mut found = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for user in &self.users {
            if let Err(e) = SessionName::parse(user) {
                found.push(Placed::new(
                    format_args!("users: {user:?}"),
                    format_args!("a user's name is its role sessions' name: {e}"),
                ));
            }
            if !seen.insert(("user", user.as_str())) {
                found.push(Placed::new(format_args!("users: {user:?}"), "given twice"));
            }
        }
        for set in &self.permission_sets {
            let at = format!("permissionSets: {}", set.name);
            if !seen.insert(("set", set.name.as_str())) {
                found.push(Placed::new(&at, "given twice"));
            }
            if !SESSION_SECS.contains(&set.session_secs) {
                found.push(Placed::new(
                    &at,
                    format_args!(
                        "a session lasts {} to {} seconds (one to twelve hours), not {}",
                        SESSION_SECS.start(),
                        SESSION_SECS.end(),
                        set.session_secs
                    ),
                ));
            }
            for arn in set.managed.iter().chain(&set.boundary) {
                if !world.has_managed_policy(arn) {
                    found.push(Placed::new(
                        &at,
                        format_args!("{arn} is no managed policy of the world"),
                    ));
                }
            }
        }
        for a in &self.assignments {
            let at = format!(
                "assignments: {} in {} as {}",
                a.user, a.account, a.permission_set
            );
            if !self.users.contains(&a.user) {
                found.push(Placed::new(&at, format_args!("no user {:?}", a.user)));
            }
            if self.permission_set_named(&a.permission_set).is_none() {
                found.push(Placed::new(
                    &at,
                    format_args!("no permission set {:?}", a.permission_set),
                ));
            }
        }
        if found.is_empty() {
            Ok(())
        } else {
            Err(problems(found))
        }
    }

    /// The role a permission set is in an account, as Identity Center
    /// provisions it.
    fn provisioned(&self, account: AccountId, set: &PermissionSet) -> Result<Role, WorldError> {
        let trust: PolicyDocument = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": self.saml_provider(account)?.as_str()},
                "Action": [ASSUME_ROLE_WITH_SAML, "sts:TagSession"],
                "Condition": {"StringEquals": {SAML_AUD: SAML_AUDIENCE}}
            }]
        })
        .to_string()
        .parse()
        .map_err(super::at("identityCenter trust policy"))?;
        let mut role = Role::new(self.role_of(account, &set.name)?, trust)
            .max_session_duration(set.session_secs);
        if let Some(doc) = &set.inline {
            role = role.policy("AwsSSOInlinePolicy", doc.clone());
        }
        for arn in &set.managed {
            role = role.managed_policy(arn.clone());
        }
        if let Some(boundary) = &set.boundary {
            role = role.permissions_boundary(boundary.clone());
        }
        Ok(role)
    }
}

impl World {
    /// Sets the world's IAM Identity Center instance: each permission set
    /// assigned in an account becomes its provisioned role there (see the
    /// module's note). A world has at most one instance.
    pub fn set_identity_center(&mut self, center: IdentityCenter) -> Result<&mut Self, WorldError> {
        if self.identity_center.is_some() {
            return Err(super::problem(Placed::new(
                "identityCenter",
                "the world already has an IAM Identity Center instance",
            )));
        }
        center.check(self)?;
        let mut provisioned: Vec<(AccountId, &str)> = Vec::new();
        for a in &center.assignments {
            if !provisioned.contains(&(a.account, a.permission_set.as_str())) {
                provisioned.push((a.account, a.permission_set.as_str()));
            }
        }
        for (account, name) in provisioned {
            let set = center
                .permission_set_named(name)
                .ok_or_else(|| super::problem(Placed::new("identityCenter", "unknown set")))?;
            let role = center.provisioned(account, set)?;
            self.add_role(role)
                .map_err(|e| e.within(&format!("identityCenter permission set {name}")))?;
        }
        self.identity_center = Some(center);
        Ok(self)
    }

    /// The world's IAM Identity Center instance, if it has one.
    pub fn identity_center(&self) -> Option<&IdentityCenter> {
        self.identity_center.as_ref()
    }
}
