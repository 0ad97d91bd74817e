//! The entities of a world: users with their access keys and MFA devices, groups
//! and roles, each with the checks IAM makes of it on its own.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use xrole_core::Placed;
use xrole_core::policy::PolicyDocument;
use xrole_core::{
    AccountId, MfaSerial, PolicyArn, PrincipalArn, PrincipalKind, RoleArn, SessionDuration,
    SessionTag, TokenCode,
};

use super::WorldError;
use crate::keys;

/// A long-term access key of a user.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKey {
    /// The key id (`AKIA...`).
    pub id: String,
    secret: String,
}

impl AccessKey {
    /// A key with this id and secret.
    pub fn new(id: &str, secret: &str) -> Self {
        Self {
            id: id.to_owned(),
            secret: secret.to_owned(),
        }
    }

    /// A fresh, random-looking key.
    pub fn generate() -> Self {
        Self {
            id: keys::access_key_id("AKIA"),
            secret: keys::secret_access_key(),
        }
    }

    /// The secret, to sign with.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// IAM's rules for a key: an id of 16 to 128 word characters, a secret.
    fn check(&self, owner: &str, problems: &mut Vec<Placed>) {
        let n = self.id.chars().count();
        if !(16..=128).contains(&n)
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            problems.push(Placed::new(
                owner,
                format!(
                    "access key id {:?} must be 16 to 128 letters, digits or '_'",
                    self.id
                ),
            ));
        }
        if self.secret.is_empty() {
            problems.push(Placed::new(
                owner,
                format!("access key {} has an empty secret", self.id),
            ));
        }
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("secret", &"** redacted **")
            .finish()
    }
}

/// A virtual MFA device. The embedded STS accepts its configured six-digit code.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaDevice {
    /// The serial number or device ARN.
    pub serial: String,
    code: String,
}

impl MfaDevice {
    /// A device that accepts `code`.
    pub fn new(serial: &str, code: &str) -> Self {
        Self {
            serial: serial.to_owned(),
            code: code.to_owned(),
        }
    }

    /// Whether the device accepts `code` now.
    pub fn accepts(&self, code: &str) -> bool {
        self.code == code
    }

    /// A serial STS accepts and a six-digit code.
    fn check(&self, owner: &str, problems: &mut Vec<Placed>) {
        if let Err(e) = MfaSerial::parse(&self.serial) {
            problems.push(Placed::new(
                owner,
                format!("MFA device {:?}: {e}", self.serial),
            ));
        }
        if let Err(e) = TokenCode::parse(&self.code) {
            problems.push(Placed::new(
                owner,
                format!("MFA device {}: its code: {}", self.serial, e.message()),
            ));
        }
    }
}

impl fmt::Debug for MfaDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MfaDevice")
            .field("serial", &self.serial)
            .field("code", &"******")
            .finish()
    }
}

/// What an entity is to lose ([`User::without`], [`Group::without`],
/// [`Role::without`]).
#[derive(Clone, Copy, Debug)]
pub enum Without<'a> {
    /// The inline policy of this name.
    Policy(&'a str),
    /// The attachment of this managed policy.
    ManagedPolicy(&'a PolicyArn),
    /// The membership of this group (users only).
    Group(&'a str),
}

impl Without<'_> {
    /// Takes the policy this names from an entity's inline and managed policies.
    fn take_from(self, inline: &mut Inline, managed: &mut Vec<PolicyArn>) {
        match self {
            Without::Policy(name) => inline.docs.retain(|(n, _)| n != name),
            Without::ManagedPolicy(arn) => managed.retain(|a| a != arn),
            Without::Group(_) => {}
        }
    }
}

/// Inline policies by name, as written.
#[derive(Clone, Debug, Default)]
pub(super) struct Inline {
    pub(super) docs: Vec<(String, PolicyDocument)>,
}

impl Inline {
    /// IAM's rules for inline policy names: 1 to 128 characters of `[\w+=,.@-]`,
    /// unique within the entity (a second document of the same name would replace
    /// the first without a word).
    fn check(&self, owner: &str, problems: &mut Vec<Placed>) {
        let mut seen = std::collections::HashSet::new();
        for (name, _) in &self.docs {
            let n = name.chars().count();
            if !(1..=128).contains(&n)
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
            {
                problems.push(Placed::new(
                    owner,
                    format!(
                        "inline policy name {name:?} must be 1 to 128 letters, digits or _+=,.@-"
                    ),
                ));
            }
            if !seen.insert(name.as_str()) {
                problems.push(Placed::new(
                    owner,
                    format!("two inline policies are named {name:?}"),
                ));
            }
        }
    }
}

/// A user's, role's or resource's tags, each checked as it is added (IAM's rules for them are
/// those of session tags) and kept as a [`SessionTag`]; the refused ones wait to
/// be reported with the entity's other problems.
#[derive(Clone, Debug, Default)]
pub(super) struct EntityTags {
    valid: Vec<SessionTag>,
    refused: Vec<(String, xrole_core::Error)>,
}

impl EntityTags {
    pub(super) fn push(&mut self, key: &str, value: &str) {
        match SessionTag::new(key, value) {
            Ok(tag) => self.valid.push(tag),
            Err(e) => self.refused.push((key.to_owned(), e)),
        }
    }

    /// Every refused tag, then the rules across them (at most 50, keys unique
    /// regardless of case).
    pub(super) fn check(&self, owner: &str, problems: &mut Vec<Placed>) {
        for (k, e) in &self.refused {
            problems.push(Placed::new(owner, format!("tag {k:?}: {e}")));
        }
        if let Err(e) = xrole_core::SessionTags::new(self.valid.clone()) {
            problems.push(Placed::new(owner, format!("tags: {}", e.message())));
        }
    }

    /// The tags that passed their own checks.
    pub(super) fn valid(&self) -> &[SessionTag] {
        &self.valid
    }
}

/// The permission policies a user, group or role holds (inline and managed):
/// their builder and accessors, written once.
macro_rules! permission_policies {
    ($ty:ident) => {
        impl $ty {
            /// Adds an inline permission policy.
            pub fn policy(mut self, name: &str, doc: PolicyDocument) -> Self {
                self.inline.docs.push((name.to_owned(), doc));
                self
            }
            /// Attaches a managed permission policy.
            pub fn managed_policy(mut self, arn: PolicyArn) -> Self {
                self.managed.push(arn);
                self
            }
            /// The inline policies, by name.
            pub fn policies(&self) -> &[(String, PolicyDocument)] {
                &self.inline.docs
            }
            /// The managed policies attached.
            pub fn managed_policies(&self) -> &[PolicyArn] {
                &self.managed
            }
        }
    };
}

/// What a principal (a user, a role) holds besides its policies: tags and a
/// permissions boundary; their builder and accessors, written once.
macro_rules! principal_attributes {
    ($ty:ident) => {
        impl $ty {
            /// Adds a tag: `aws:PrincipalTag/key` of its calls (of its sessions,
            /// for a role, unless a session tag overrides it).
            pub fn tag(mut self, key: &str, value: &str) -> Self {
                self.tags.push(key, value);
                self
            }
            /// Sets the permissions boundary.
            pub fn permissions_boundary(mut self, arn: PolicyArn) -> Self {
                self.boundary = Some(arn);
                self
            }
            /// The tags.
            pub fn tags(&self) -> &[SessionTag] {
                self.tags.valid()
            }
            /// The permissions boundary.
            pub fn boundary(&self) -> Option<&PolicyArn> {
                self.boundary.as_ref()
            }
        }
    };
}

permission_policies!(User);
permission_policies!(Group);
permission_policies!(Role);
principal_attributes!(User);
principal_attributes!(Role);

/// An IAM user.
#[derive(Clone, Debug)]
pub struct User {
    pub(super) arn: PrincipalArn,
    pub(super) access_keys: Vec<AccessKey>,
    pub(super) groups: Vec<String>,
    pub(super) inline: Inline,
    pub(super) managed: Vec<PolicyArn>,
    tags: EntityTags,
    mfa_devices: Vec<MfaDevice>,
    pub(super) boundary: Option<PolicyArn>,
}

impl User {
    /// A user named by its ARN (`arn:aws:iam::111111111111:user/alice`); any other
    /// kind of principal is an error.
    pub fn new(arn: PrincipalArn) -> Result<Self, WorldError> {
        if arn.kind() != PrincipalKind::User {
            return Err(super::problem(Placed::unplaced(format_args!(
                "{arn} is not a user ARN (arn:aws:iam::ACCOUNT:user/NAME)"
            ))));
        }
        Ok(Self {
            arn,
            access_keys: Vec::new(),
            groups: Vec::new(),
            inline: Inline::default(),
            managed: Vec::new(),
            tags: EntityTags::default(),
            mfa_devices: Vec::new(),
            boundary: None,
        })
    }
    /// Adds an access key.
    pub fn access_key(mut self, key: AccessKey) -> Self {
        self.access_keys.push(key);
        self
    }
    /// Adds the user to a group of its account, by name.
    pub fn group(mut self, name: &str) -> Self {
        self.groups.push(name.to_owned());
        self
    }
    /// Removes the inline policy `name`, the managed policy `arn` or the group
    /// `name` (each when present).
    pub fn without(mut self, what: Without<'_>) -> Self {
        if let Without::Group(name) = what {
            self.groups.retain(|g| g != name);
        }
        what.take_from(&mut self.inline, &mut self.managed);
        self
    }
    /// Adds an MFA device.
    pub fn mfa_device(mut self, device: MfaDevice) -> Self {
        self.mfa_devices.push(device);
        self
    }
    /// The ARN.
    pub fn arn(&self) -> &PrincipalArn {
        &self.arn
    }
    /// The access keys.
    pub fn access_keys(&self) -> &[AccessKey] {
        &self.access_keys
    }
    /// The groups it belongs to.
    pub fn groups(&self) -> &[String] {
        &self.groups
    }
    /// The MFA devices.
    pub fn mfa_devices(&self) -> &[MfaDevice] {
        &self.mfa_devices
    }
    /// The MFA device of serial `serial`, if the user has it.
    pub fn mfa_device_for(&self, serial: &str) -> Option<&MfaDevice> {
        self.mfa_devices.iter().find(|d| d.serial == serial)
    }

    /// The rules a user keeps on its own (the world checks what spans entities).
    pub(super) fn check(&self, problems: &mut Vec<Placed>) {
        let owner = self.arn.as_str();
        self.inline.check(owner, problems);
        self.tags.check(owner, problems);
        let mut keys = std::collections::HashSet::new();
        for key in &self.access_keys {
            key.check(owner, problems);
            if !keys.insert(key.id.as_str()) {
                problems.push(Placed::new(
                    owner,
                    format!("access key {} is listed twice", key.id),
                ));
            }
        }
        let mut serials = std::collections::HashSet::new();
        for device in &self.mfa_devices {
            device.check(owner, problems);
            if !serials.insert(device.serial.as_str()) {
                problems.push(Placed::new(
                    owner,
                    format!("MFA device {} is listed twice", device.serial),
                ));
            }
        }
        let mut groups = std::collections::HashSet::new();
        for g in &self.groups {
            if !groups.insert(g.as_str()) {
                problems.push(Placed::new(owner, format!("group {g} is listed twice")));
            }
        }
    }
}

/// An IAM group: policies shared by its users.
#[derive(Clone, Debug)]
pub struct Group {
    pub(super) account: AccountId,
    pub(super) name: String,
    pub(super) inline: Inline,
    pub(super) managed: Vec<PolicyArn>,
}

impl Group {
    /// A group `name` in `account`.
    pub fn new(account: AccountId, name: &str) -> Self {
        Self {
            account,
            name: name.to_owned(),
            inline: Inline::default(),
            managed: Vec::new(),
        }
    }
    /// The group's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Removes the inline policy `name` or the managed policy `arn` (a group
    /// belongs to no group).
    pub fn without(mut self, what: Without<'_>) -> Self {
        what.take_from(&mut self.inline, &mut self.managed);
        self
    }

    /// The rules a group keeps on its own.
    pub(super) fn check(&self, problems: &mut Vec<Placed>) {
        self.inline.check(
            &format!("group {} of {}", self.name, self.account),
            problems,
        );
    }
}

/// An IAM role.
#[derive(Clone, Debug)]
pub struct Role {
    pub(super) arn: RoleArn,
    pub(super) trust: PolicyDocument,
    pub(super) inline: Inline,
    pub(super) managed: Vec<PolicyArn>,
    max_session_duration: u32,
    tags: EntityTags,
    pub(super) boundary: Option<PolicyArn>,
}

impl Role {
    /// A role with its trust policy; sessions last at most one hour until
    /// [`max_session_duration`](Self::max_session_duration) says otherwise.
    pub fn new(arn: RoleArn, trust_policy: PolicyDocument) -> Self {
        Self {
            arn,
            trust: trust_policy,
            inline: Inline::default(),
            managed: Vec::new(),
            max_session_duration: 3600,
            tags: EntityTags::default(),
            boundary: None,
        }
    }

    /// A role from the policy files a repository keeps: the trust policy and any
    /// number of permission policies (each inline, named after its file).
    pub fn from_policy_files(
        arn: RoleArn,
        trust: &Path,
        permissions: &[&Path],
    ) -> Result<Self, WorldError> {
        let read = |path: &Path| -> Result<PolicyDocument, WorldError> {
            let text = std::fs::read_to_string(path).map_err(|e| {
                super::problem(Placed::new(path.display(), format!("cannot read: {e}")))
            })?;
            PolicyDocument::from_json(&text).map_err(super::at(path.display()))
        };
        let mut role = Role::new(arn, read(trust)?);
        for path in permissions {
            let name = path
                .file_stem()
                .map_or_else(|| "policy".into(), |s| s.to_string_lossy().into_owned());
            role = role.policy(&name, read(path)?);
        }
        Ok(role)
    }

    /// Removes the inline policy `name` or the managed policy `arn` (a role
    /// belongs to no group).
    pub fn without(mut self, what: Without<'_>) -> Self {
        what.take_from(&mut self.inline, &mut self.managed);
        self
    }
    /// Sets the longest session STS grants for this role (3600 to 43200 seconds:
    /// `SessionDuration::MIN_ROLE_MAX` to `SessionDuration::MAX`).
    pub fn max_session_duration(mut self, secs: u32) -> Self {
        self.max_session_duration = secs;
        self
    }
    /// The ARN.
    pub fn arn(&self) -> &RoleArn {
        &self.arn
    }
    /// The trust policy.
    pub fn trust_policy(&self) -> &PolicyDocument {
        &self.trust
    }
    /// The longest session, in seconds.
    pub fn max_session_secs(&self) -> u32 {
        self.max_session_duration
    }
}

impl Role {
    /// The rules a role keeps on its own.
    pub(super) fn check(&self, problems: &mut Vec<Placed>) {
        let owner = self.arn.as_str();
        let (least, most) = (
            SessionDuration::MIN_ROLE_MAX.as_secs(),
            SessionDuration::MAX.as_secs(),
        );
        if !(least..=most).contains(&self.max_session_duration) {
            problems.push(Placed::new(
                owner,
                format!(
                    "the maximum session duration must be {least} to {most} seconds, found {}",
                    self.max_session_duration
                ),
            ));
        }
        self.inline.check(owner, problems);
        self.tags.check(owner, problems);
    }
}
