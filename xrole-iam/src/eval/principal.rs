//! Who a request comes from, and how policy principals match it.

use xrole_core::{AccountId, PrincipalArn, PrincipalKind, RoleArn};

/// How a `Principal` entry matched the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Match {
    /// Through the caller's account (`:root` or the bare id): the account then
    /// delegates to its identity policies.
    Account,
    /// The identity that issued the calling session: the role of an assumed-role
    /// session (or the role itself), by the role's ARN, or the IAM user a
    /// federated user was issued to (GetFederationToken). Within one account such
    /// a grant is limited by the permissions boundary and session policies, unlike
    /// a grant to the session's own ARN (IAM user guide, "Policy evaluation for requests within a
    /// single account":
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html>,
    /// and "Session policies":
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session>).
    Issuer,
    /// The caller itself (its ARN, `*`, its service).
    Direct,
}

/// A compiled `Principal`/`NotPrincipal` value.
#[derive(Clone, Debug)]
pub(crate) enum PrincipalPattern {
    Any,
    Account(AccountId),
    /// A user, an assumed-role session or a federated user, by exact ARN.
    Exact(String),
    /// A role: matches its sessions.
    Role(RoleArn),
    Service(String),
    Federated(String),
    /// A canonical user or anything the model does not know: matches nobody.
    Nobody,
}

impl PrincipalPattern {
    pub(crate) fn compile(value: &str) -> Self {
        if value == "*" {
            return PrincipalPattern::Any;
        }
        let Ok(p) = PrincipalArn::parse(value) else {
            return PrincipalPattern::Nobody;
        };
        match (p.kind(), p.account()) {
            (PrincipalKind::Account | PrincipalKind::AccountRoot, Some(id)) => {
                PrincipalPattern::Account(id)
            }
            (PrincipalKind::Role, _) => p
                .to_role_arn()
                .map_or(PrincipalPattern::Nobody, PrincipalPattern::Role),
            (
                PrincipalKind::User | PrincipalKind::AssumedRole | PrincipalKind::FederatedUser,
                _,
            ) => PrincipalPattern::Exact(value.to_owned()),
            (PrincipalKind::Service, _) => PrincipalPattern::Service(value.to_owned()),
            (PrincipalKind::Federated, _) => PrincipalPattern::Federated(value.to_owned()),
            _ => PrincipalPattern::Nobody,
        }
    }

    /// Whether this entry names the caller, and how.
    pub(crate) fn matches(&self, caller: &Caller) -> Option<Match> {
        let p = &caller.arn;
        match self {
            PrincipalPattern::Any => Some(Match::Direct),
            PrincipalPattern::Account(id) => (p.account() == Some(*id)
                && !matches!(p.kind(), PrincipalKind::Service | PrincipalKind::Federated))
            .then_some(Match::Account),
            PrincipalPattern::Exact(arn) if p.as_str() == arn => Some(Match::Direct),
            PrincipalPattern::Exact(arn) => caller
                .user
                .as_ref()
                .is_some_and(|user| user.as_str() == arn)
                .then_some(Match::Issuer),
            // A grant to a role's ARN is limited by the role's boundary whether
            // the caller is named as the role or as one of its sessions (IAM user
            // guide, "Permissions boundaries for IAM entities", resource-based
            // policies:
            // <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html>).
            PrincipalPattern::Role(role) => caller.is_session_of(role).then_some(Match::Issuer),
            PrincipalPattern::Service(s) | PrincipalPattern::Federated(s) => {
                (p.as_str() == s).then_some(Match::Direct)
            }
            PrincipalPattern::Nobody => None,
        }
    }
}

/// The principal a request comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    arn: PrincipalArn,
    /// The role of an assumed-role session, with its path when known.
    role: Option<RoleArn>,
    /// The IAM user a federated user's session was issued to (GetFederationToken).
    user: Option<PrincipalArn>,
}

impl Caller {
    /// A caller known by its ARN. For an assumed-role session the role is derived
    /// (path `/`); give the real one with [`with_role`](Self::with_role).
    pub fn new(arn: PrincipalArn) -> Self {
        let role = match (arn.kind(), arn.partition(), arn.account(), arn.name()) {
            (PrincipalKind::AssumedRole, Some(p), Some(a), Some(name)) => {
                RoleArn::new(p, a, name).ok()
            }
            (PrincipalKind::Role, ..) => arn.to_role_arn(),
            _ => None,
        };
        Self {
            arn,
            role,
            user: None,
        }
    }

    /// Sets the role of an assumed-role session (its ARN carries no path).
    pub fn with_role(mut self, role: RoleArn) -> Self {
        self.role = Some(role);
        self
    }

    /// Sets the IAM user a federated user's session was issued to: a resource
    /// policy's grant to that user then reaches the session, limited by its session
    /// policies. Only a federated-user caller has one; for others this does nothing.
    pub fn federated_by(mut self, user: PrincipalArn) -> Self {
        if self.is_federated_user() {
            self.user = Some(user);
        }
        self
    }

    /// The IAM user behind a federated-user caller, when known.
    pub fn federating_user(&self) -> Option<&PrincipalArn> {
        self.user.as_ref()
    }

    /// Whether the caller is a federated user's session (GetFederationToken): it has
    /// no permissions of its own without a session policy, and cannot call IAM or
    /// STS (but `sts:GetCallerIdentity`).
    pub fn is_federated_user(&self) -> bool {
        self.arn.kind() == PrincipalKind::FederatedUser
    }

    /// The caller's ARN.
    pub fn arn(&self) -> &PrincipalArn {
        &self.arn
    }

    /// The caller's role, for an assumed-role session.
    pub fn role(&self) -> Option<&RoleArn> {
        self.role.as_ref()
    }

    /// The caller's account, if it has one.
    pub fn account(&self) -> Option<AccountId> {
        self.arn.account()
    }

    fn is_session_of(&self, role: &RoleArn) -> bool {
        match self.arn.kind() {
            PrincipalKind::Role => self.arn.as_str() == role.as_str(),
            PrincipalKind::AssumedRole => match &self.role {
                // Known role: compare in full (path included).
                Some(mine) => {
                    mine.partition() == role.partition()
                        && mine.account() == role.account()
                        && mine.name() == role.name()
                        && (mine.path() == "/" || mine.path() == role.path())
                }
                None => false,
            },
            _ => false,
        }
    }

    /// Whether the caller is a service-linked role's session (its role's path is
    /// `/aws-service-role/...`): service control policies do not govern those
    /// (Organizations guide, "Tasks and entities not restricted by SCPs":
    /// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>).
    pub fn is_service_linked_role(&self) -> bool {
        self.role
            .as_ref()
            .is_some_and(|r| r.path().starts_with("/aws-service-role/"))
    }

    /// Whether the caller is a principal of an account (its root, a user, a role,
    /// a session): not anonymous, not a service, not an identity provider.
    pub(crate) fn is_account_principal(&self) -> bool {
        matches!(
            self.arn.kind(),
            PrincipalKind::Account
                | PrincipalKind::AccountRoot
                | PrincipalKind::User
                | PrincipalKind::Role
                | PrincipalKind::AssumedRole
                | PrincipalKind::FederatedUser
        )
    }

    /// Whether identity policies govern this caller (not services, identity
    /// providers, anonymous callers or the account root, which holds every
    /// permission of its account).
    pub(crate) fn has_identity_policies(&self) -> bool {
        matches!(
            self.arn.kind(),
            PrincipalKind::User
                | PrincipalKind::Role
                | PrincipalKind::AssumedRole
                | PrincipalKind::FederatedUser
        )
    }

    /// The levels a `NotPrincipal` must all name to exempt the caller: the account,
    /// the role of a session, and the caller itself (AWS checks each in turn).
    pub(crate) fn not_principal_exempts(&self, patterns: &[PrincipalPattern]) -> bool {
        let named = |level: &dyn Fn(&PrincipalPattern) -> bool| patterns.iter().any(level);
        let account = || {
            named(&|p| matches!(p, PrincipalPattern::Account(id) if Some(*id) == self.account()))
        };
        let itself =
            || named(&|p| matches!(p, PrincipalPattern::Exact(a) if a == self.arn.as_str()));
        match self.arn.kind() {
            PrincipalKind::AssumedRole => {
                account()
                    && named(&|p| matches!(p, PrincipalPattern::Role(r) if self.is_session_of(r)))
                    && itself()
            }
            PrincipalKind::User | PrincipalKind::FederatedUser => account() && itself(),
            PrincipalKind::AccountRoot | PrincipalKind::Account => account(),
            PrincipalKind::Service | PrincipalKind::Federated => named(&|p| {
                !matches!(p, PrincipalPattern::Any) && p.matches(self) == Some(Match::Direct)
            }),
            _ => false,
        }
    }
}
