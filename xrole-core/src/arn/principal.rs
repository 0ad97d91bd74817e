//! [`PrincipalArn`] and [`PrincipalKind`]: who a policy or STS names.

use std::borrow::Cow;

use crate::Error;
use crate::charset::{self, Charset};

use super::scan::*;
use super::*;

/// What kind of principal a [`PrincipalArn`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PrincipalKind {
    /// `*`: anyone.
    Any,
    /// A bare 12-digit account id: the same as the account's `:root`.
    Account,
    /// `arn:aws:iam::111111111111:root`: the account, which delegates to its identity policies.
    AccountRoot,
    /// `arn:aws:iam::111111111111:user/path/Name`.
    User,
    /// `arn:aws:iam::111111111111:role/path/Name`.
    Role,
    /// `arn:aws:sts::111111111111:assumed-role/RoleName/SessionName`.
    AssumedRole,
    /// `arn:aws:sts::111111111111:federated-user/Name`.
    FederatedUser,
    /// An AWS service, e.g. `ec2.amazonaws.com`.
    Service,
    /// An identity provider: a SAML or OIDC provider ARN, or a well-known web
    /// identity provider (`accounts.google.com`, `cognito-identity.amazonaws.com`, ...).
    Federated,
}

/// Web identity providers that are named by host rather than by ARN.
const WEB_IDENTITY_PROVIDERS: [&str; 4] = [
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
];

/// A principal as policies and STS name it: `*`, an account (bare id or `:root`), a
/// user, a role, an assumed-role session, a federated user, a service, or an
/// identity provider.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrincipalArn {
    text: Cow<'static, str>,
    parts: PrincipalParts,
}

/// Where a principal's parts are in its text, and what they are.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct PrincipalParts {
    kind: PrincipalKind,
    partition: Option<Partition>,
    account: Option<AccountId>,
    /// User or role path (`/...`/), empty for other kinds.
    path: Span,
    /// User, role, federated user or provider name; the service for services.
    name: Span,
    /// The session name of an assumed-role session.
    session: Span,
}

impl PrincipalParts {
    const fn simple(kind: PrincipalKind, name: Span) -> Self {
        Self {
            kind,
            partition: None,
            account: None,
            path: Span::new(0, 0),
            name,
            session: Span::new(0, 0),
        }
    }
}

impl PrincipalArn {
    const fn check(s: &str) -> Result<PrincipalParts, ArnViolation> {
        let b = s.as_bytes();
        if b.len() > MAX_ARN_LEN {
            return Err(ArnViolation::TooLong);
        }
        let whole = Span::new(0, b.len());
        if charset::bytes_eq(b, b"*") {
            return Ok(PrincipalParts::simple(PrincipalKind::Any, whole));
        }
        if !charset::starts_with(b, b"arn:") {
            let all_digits =
                !b.is_empty() && charset::check(s, 1, usize::MAX, Charset::Digits).is_ok();
            match AccountId::check(b) {
                Ok(id) => {
                    let mut p = PrincipalParts::simple(PrincipalKind::Account, whole);
                    p.account = Some(id);
                    return Ok(p);
                }
                Err(why) if all_digits => return Err(ArnViolation::Account { span: whole, why }),
                Err(_) => {}
            }
            let mut i = 0;
            while i < WEB_IDENTITY_PROVIDERS.len() {
                if charset::bytes_eq(b, WEB_IDENTITY_PROVIDERS[i].as_bytes()) {
                    return Ok(PrincipalParts::simple(PrincipalKind::Federated, whole));
                }
                i += 1;
            }
            if charset::check(s, 1, 256, Charset::Host).is_ok()
                && (charset::ends_with(b, b".amazonaws.com")
                    || charset::ends_with(b, b".amazonaws.com.cn"))
                && b[0] != b'.'
            {
                return Ok(PrincipalParts::simple(PrincipalKind::Service, whole));
            }
            return Err(ArnViolation::Principal);
        }
        let a = match split_arn(s) {
            Ok(a) => a,
            Err(e) => return Err(e),
        };
        let is_sts = span_eq(s, a.service, b"sts");
        let account = match check_global(s, &a, if is_sts { "sts" } else { "iam" }) {
            Ok(id) => id,
            Err(e) => return Err(e),
        };
        let res = a.resource;
        let mut p = PrincipalParts::simple(PrincipalKind::AccountRoot, Span::new(0, 0));
        p.partition = Some(a.partition);
        p.account = Some(account);
        if is_sts {
            if let Ok(rest) = after_type(s, res, "assumed-role", "") {
                // assumed-role/RoleName/SessionName: role names carry no path here.
                let r = charset::slice(s, rest.start() + 1, rest.end()).as_bytes();
                let slash = match charset::find(r, b'/', 0) {
                    Some(i) => i,
                    None => {
                        return Err(ArnViolation::ResourceType {
                            span: res,
                            expected: "assumed-role/ROLE/SESSION",
                        });
                    }
                };
                let role = Span::new(rest.start() + 1, rest.start() + 1 + slash);
                let session = Span::new(rest.start() + 2 + slash, rest.end());
                if let Err(why) = charset::check(
                    charset::slice(s, role.start(), role.end()),
                    1,
                    64,
                    Charset::Name,
                ) {
                    return Err(ArnViolation::Name {
                        span: role,
                        what: "role name",
                        why,
                    });
                }
                if let Err(why) = charset::check(
                    charset::slice(s, session.start(), session.end()),
                    2,
                    64,
                    Charset::Name,
                ) {
                    return Err(ArnViolation::Name {
                        span: session,
                        what: "session name",
                        why,
                    });
                }
                p.kind = PrincipalKind::AssumedRole;
                p.name = role;
                p.session = session;
                return Ok(p);
            }
            if let Ok(rest) = after_type(s, res, "federated-user", "") {
                let name = Span::new(rest.start() + 1, rest.end());
                return match checked_name(s, name, 2, 32, Charset::Name, "federated user name") {
                    Ok(name) => {
                        p.kind = PrincipalKind::FederatedUser;
                        p.name = name;
                        Ok(p)
                    }
                    Err(e) => Err(e),
                };
            }
            return Err(ArnViolation::ResourceType {
                span: res,
                expected: "assumed-role/ROLE/SESSION or federated-user/NAME",
            });
        }
        if span_eq(s, res, b"root") {
            return Ok(p);
        }
        let mut kind = PrincipalKind::User;
        let mut found = after_type(s, res, "user", "");
        if found.is_err() {
            kind = PrincipalKind::Role;
            found = after_type(s, res, "role", "");
        }
        if let Ok(rest) = found {
            return match path_and_name(
                s,
                rest,
                if matches!(kind, PrincipalKind::User) {
                    "user name"
                } else {
                    "role name"
                },
            ) {
                Ok((path, name)) => {
                    p.kind = kind;
                    p.path = path;
                    p.name = name;
                    Ok(p)
                }
                Err(e) => Err(e),
            };
        }
        let mut provider = after_type(s, res, "saml-provider", "");
        if provider.is_err() {
            provider = after_type(s, res, "oidc-provider", "");
        }
        if let Ok(rest) = provider {
            let name = Span::new(rest.start() + 1, rest.end());
            return match checked_name(s, name, 1, 1024, Charset::ExternalId, "identity provider") {
                Ok(name) => {
                    p.kind = PrincipalKind::Federated;
                    p.name = name;
                    Ok(p)
                }
                Err(e) => Err(e),
            };
        }
        Err(ArnViolation::ResourceType {
            span: res,
            expected: "root, user/NAME, role/NAME, saml-provider/NAME or oidc-provider/HOST",
        })
    }

    const fn from_parts(text: Cow<'static, str>, parts: PrincipalParts) -> Self {
        Self { text, parts }
    }

    /// The account root principal `arn:{partition}:iam::{account}:root`.
    pub fn account_root(partition: Partition, account: AccountId) -> Self {
        let text = format!("arn:{partition}:iam::{account}:root");
        let mut p = PrincipalParts::simple(PrincipalKind::AccountRoot, Span::new(0, 0));
        p.partition = Some(partition);
        p.account = Some(account);
        Self::from_parts(Cow::Owned(text), p)
    }

    /// The IAM user `path_and_name` (`alice`, or `team/alice` with a path) of
    /// `account`: `arn:{partition}:iam::{account}:user/{path_and_name}`.
    pub fn user(
        partition: Partition,
        account: AccountId,
        path_and_name: &str,
    ) -> Result<Self, Error> {
        Self::parse(&format!(
            "arn:{partition}:iam::{account}:user/{path_and_name}"
        ))
    }

    /// The federated user `name` that GetFederationToken makes for a user of
    /// `account`: `arn:{partition}:sts::{account}:federated-user/{name}`.
    pub fn federated_user(
        partition: Partition,
        account: AccountId,
        name: &crate::FederatedUserName,
    ) -> Result<Self, Error> {
        Self::parse(&format!(
            "arn:{partition}:sts::{account}:federated-user/{name}"
        ))
    }

    /// The IAM OIDC provider of `account` for the issuer `host_path`
    /// (`token.actions.githubusercontent.com`, the issuer URL without `https://`):
    /// `arn:{partition}:iam::{account}:oidc-provider/{host_path}`.
    pub fn oidc_provider(
        partition: Partition,
        account: AccountId,
        host_path: &str,
    ) -> Result<Self, Error> {
        Self::parse(&format!(
            "arn:{partition}:iam::{account}:oidc-provider/{host_path}"
        ))
    }

    /// What kind of principal this is.
    pub fn kind(&self) -> PrincipalKind {
        self.parts.kind
    }
    /// The partition, for ARN forms.
    pub fn partition(&self) -> Option<Partition> {
        self.parts.partition
    }
    /// The account, for every kind but `*`, services and web identity providers.
    pub fn account(&self) -> Option<AccountId> {
        self.parts.account
    }
    /// The user's or role's path (`/` by default); `None` for other kinds.
    pub fn path(&self) -> Option<&str> {
        matches!(self.parts.kind, PrincipalKind::User | PrincipalKind::Role)
            .then(|| self.parts.path.of(&self.text))
    }
    /// The name: of the user, the role (also the role of an assumed-role session), the
    /// federated user, the identity provider or the service.
    pub fn name(&self) -> Option<&str> {
        match self.parts.kind {
            PrincipalKind::Any | PrincipalKind::Account | PrincipalKind::AccountRoot => None,
            _ => Some(self.parts.name.of(&self.text)),
        }
    }
    /// For a web identity provider, the prefix of the condition keys its tokens'
    /// claims become (`PREFIX:sub`, `PREFIX:aud`): an OIDC provider's `HOST/PATH`
    /// (`token.actions.githubusercontent.com`,
    /// `oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE`), or a built-in provider's
    /// name (`cognito-identity.amazonaws.com`). `None` for SAML providers and every
    /// other kind.
    pub fn web_identity_issuer(&self) -> Option<&str> {
        if self.parts.kind != PrincipalKind::Federated {
            return None;
        }
        if self.parts.partition.is_none() {
            return Some(&self.text);
        }
        self.text
            .contains(":oidc-provider/")
            .then(|| self.parts.name.of(&self.text))
    }
    /// The session name of an assumed-role session.
    pub fn session_name(&self) -> Option<&str> {
        (self.parts.kind == PrincipalKind::AssumedRole).then(|| self.parts.session.of(&self.text))
    }
    /// The role ARN, for a role principal.
    pub fn to_role_arn(&self) -> Option<RoleArn> {
        (self.parts.kind == PrincipalKind::Role).then(|| RoleArn {
            text: self.text.clone(),
            partition: self.parts.partition.unwrap_or(Partition::Aws),
            account: self.parts.account.unwrap_or(AccountId([b'0'; 12])),
            path: self.parts.path,
            name: self.parts.name,
        })
    }
    /// The principal as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl From<RoleArn> for PrincipalArn {
    fn from(role: RoleArn) -> Self {
        Self {
            text: role.text,
            parts: PrincipalParts {
                kind: PrincipalKind::Role,
                partition: Some(role.partition),
                account: Some(role.account),
                path: role.path,
                name: role.name,
                session: Span::new(0, 0),
            },
        }
    }
}

crate::macros::arn_text_traits!(PrincipalArn);
crate::macros::arn_constructors!(PrincipalArn, Principal, "principal");
