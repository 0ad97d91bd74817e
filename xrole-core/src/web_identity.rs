//! [`WebIdentityTrust`]: who may assume a role with `AssumeRoleWithWebIdentity`,
//! as an OIDC provider and the exact `sub` and `aud` claims its tokens must carry;
//! with generators for GitHub Actions and EKS (IRSA) trusts.
//!
//! The shapes follow the IAM user guide ("Creating a role for web identity or
//! OpenID Connect federation") and GitHub's "Configuring OpenID Connect in Amazon
//! Web Services": `StringEquals` on `HOST:aud` and `HOST:sub`, the subject exact.

use std::fmt;

use crate::policy::{ConditionOperator, Effect, OneOrMany, OperatorBase, Principal, Statement};
use crate::{AccountId, Error, ErrorKind, Partition, PrincipalArn, Subject};

/// The action a web identity trust allows.
pub const ASSUME_ROLE_WITH_WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";

/// STS's bounds on a `WebIdentityToken`: 4 to 20000 characters (STS API
/// reference, AssumeRoleWithWebIdentity).
pub const WEB_IDENTITY_TOKEN_CHARS: std::ops::RangeInclusive<usize> = 4..=20_000;

/// The audience AWS's own tools ask tokens for (`configure-aws-credentials`, the
/// EKS pod identity webhook), and the client id an OIDC provider then registers.
pub const STS_AUDIENCE: &str = "sts.amazonaws.com";

/// GitHub Actions' token issuer (host, as in its provider ARN and claim keys).
pub const GITHUB_ACTIONS_ISSUER: &str = "token.actions.githubusercontent.com";

/// The claims of a web identity token that STS makes condition keys of
/// (`ISSUER:CLAIM`), for tokens of `issuer` (`HOST/PATH`): `sub`, `aud` (the
/// authorized party `azp` when the token has one), `oaud` (then the original
/// audience), `amr` and `email`; and GitHub Actions' `job_workflow_ref` (IAM user
/// guide, "Available keys for AWS OIDC federation").
pub fn web_identity_claim_keys(issuer: &str) -> &'static [&'static str] {
    const COMMON: &[&str] = &["sub", "aud", "oaud", "amr", "email"];
    const GITHUB: &[&str] = &["sub", "aud", "oaud", "amr", "email", "job_workflow_ref"];
    if issuer == GITHUB_ACTIONS_ISSUER {
        GITHUB
    } else {
        COMMON
    }
}

/// What an `AssumeRoleWithWebIdentity` call cannot carry that a declaration may
/// hold: the rule the runtime (before any call) and `#[assume_role]` (at compile
/// time) both apply, in the same words.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WebIdentityParameters {
    /// An `ExternalId` is declared.
    pub external_id: bool,
    /// An MFA device is declared.
    pub mfa: bool,
    /// Session tags or transitive tag keys are declared.
    pub tags: bool,
    /// A `SourceIdentity` is declared.
    pub source_identity: bool,
    /// The role is declared as chained (assumed with another role's credentials).
    pub chained: bool,
}

impl WebIdentityParameters {
    /// What `spec` declares.
    pub fn of(spec: &crate::RoleSpec) -> Self {
        Self {
            external_id: spec.external_id().is_some(),
            mfa: spec.mfa_serial().is_some(),
            tags: !spec.tags().is_empty() || !spec.transitive_tag_keys().is_empty(),
            source_identity: spec.source_identity().is_some(),
            chained: spec.chained(),
        }
    }

    /// An error naming everything declared that the call cannot carry.
    pub fn check(self) -> Result<(), Error> {
        let sent: Vec<&str> = [
            (self.external_id, "an external id"),
            (self.mfa, "MFA"),
            (self.tags, "session tags"),
            (self.source_identity, "a source identity"),
        ]
        .into_iter()
        .filter_map(|(declared, what)| declared.then_some(what))
        .collect();
        if self.chained {
            return Err(Error::new(
                Subject::WebIdentity,
                ErrorKind::Conflict,
                "a web identity session is assumed with a token, not with another role's credentials: it cannot be chained",
            ));
        }
        if sent.is_empty() {
            return Ok(());
        }
        Err(Error::new(
            Subject::WebIdentity,
            ErrorKind::Conflict,
            format!(
                "AssumeRoleWithWebIdentity cannot send {}: a web identity session takes only the session name, duration and session policies (tags and a source identity come from the token's claims)",
                sent.join(", ")
            ),
        ))
    }
}

/// What a GitHub Actions job runs on, the part of its token's `sub` after the
/// repository (GitHub, "Example subject claims").
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GitHubRef {
    /// A push or dispatch on a branch: `ref:refs/heads/BRANCH`.
    Branch(String),
    /// A tag: `ref:refs/tags/TAG`.
    Tag(String),
    /// A job that names an environment: `environment:NAME` (GitHub then puts the
    /// environment in `sub` instead of the ref).
    Environment(String),
    /// A `pull_request` workflow: `pull_request`.
    PullRequest,
}

impl GitHubRef {
    /// The subject's tail, the name checked.
    fn subject(&self) -> Result<String, Error> {
        match self {
            GitHubRef::Branch(name) => check_git_ref(name, Subject::GitHubBranch)
                .map(|()| format!("ref:refs/heads/{name}")),
            GitHubRef::Tag(name) => {
                check_git_ref(name, Subject::GitHubTag).map(|()| format!("ref:refs/tags/{name}"))
            }
            GitHubRef::Environment(name) => check_plain(name, Subject::GitHubEnvironment, 255)
                .map(|()| format!("environment:{name}")),
            GitHubRef::PullRequest => Ok("pull_request".to_owned()),
        }
    }
}

/// Git's rules for a ref name (`git check-ref-format`), the ones a subject can
/// break: no wildcard, space, control character, `~^:?*[\`, `..`, `@{`, no leading
/// or trailing `/` or `.`, no `.lock` ending.
fn check_git_ref(name: &str, what: Subject) -> Result<(), Error> {
    let bad = name
        .chars()
        .find(|c| c.is_control() || " ~^:?*[\\".contains(*c));
    let problem = if name.is_empty() || name.len() > 255 {
        Some((
            ErrorKind::Length,
            format!(
                "must be 1 to 255 characters long, found {} ({name:?})",
                name.chars().count()
            ),
        ))
    } else if let Some(c) = bad {
        Some((
            ErrorKind::Charset,
            format!(
                "character {c:?} is not allowed in a git ref ({name:?}); a web identity trust names one exact ref"
            ),
        ))
    } else if name.contains("..")
        || name.contains("@{")
        || name.contains("//")
        || name.starts_with(['/', '.'])
        || name.ends_with(['/', '.'])
        || name.ends_with(".lock")
    {
        Some((
            ErrorKind::Format,
            format!("is not a valid git ref name ({name:?})"),
        ))
    } else {
        None
    };
    problem.map_or(Ok(()), |(kind, m)| Err(Error::new(what, kind, m)))
}

/// A name that goes into a subject verbatim: printable, no wildcard, at most `max`.
fn check_plain(name: &str, what: Subject, max: usize) -> Result<(), Error> {
    if name.is_empty() || name.chars().count() > max {
        return Err(Error::new(
            what,
            ErrorKind::Length,
            format!(
                "must be 1 to {max} characters long, found {} ({name:?})",
                name.chars().count()
            ),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_control() || matches!(c, '*' | '?'))
    {
        return Err(Error::new(
            what,
            ErrorKind::Charset,
            format!(
                "character {c:?} is not allowed ({name:?}); a web identity trust names one exact subject"
            ),
        ));
    }
    Ok(())
}

/// GitHub's rules for `OWNER/REPO`: an owner of 1-39 letters, digits and inner
/// hyphens; a repository of 1-100 letters, digits, `.`, `_` and `-`.
fn check_repository(repository: &str) -> Result<(), Error> {
    let err = |m: String| Err(Error::new(Subject::GitHubRepository, ErrorKind::Format, m));
    let Some((owner, repo)) = repository.split_once('/') else {
        return err(format!("must be OWNER/REPO, found {repository:?}"));
    };
    let owner_ok = (1..=39).contains(&owner.len())
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !owner.starts_with('-')
        && !owner.ends_with('-');
    if !owner_ok {
        return err(format!(
            "the owner must be 1 to 39 letters, digits or inner hyphens, found {owner:?} (wildcards are not allowed: a trust names one repository)"
        ));
    }
    let repo_ok = (1..=100).contains(&repo.len())
        && repo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && repo != "."
        && repo != "..";
    if !repo_ok {
        return err(format!(
            "the repository name must be 1 to 100 letters, digits, '.', '_' or '-', found {repo:?} (wildcards are not allowed: a trust names one repository)"
        ));
    }
    Ok(())
}

/// A Kubernetes name: a DNS-1123 label (namespaces) or subdomain (service
/// accounts): lowercase letters, digits and `-` (and `.` in subdomains), starting
/// and ending with a letter or digit.
fn check_kubernetes_name(name: &str, what: Subject, max: usize, dots: bool) -> Result<(), Error> {
    let ok = (1..=max).contains(&name.len())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || (dots && b == b'.')
        })
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            what,
            ErrorKind::Format,
            format!(
                "must be 1 to {max} lowercase letters, digits{} or '-', starting and ending with a letter or digit, found {name:?}",
                if dots { ", '.'" } else { "" }
            ),
        ))
    }
}

/// Who may assume a role with `AssumeRoleWithWebIdentity`: an OIDC provider (or a
/// built-in web identity provider) and the exact subjects and audiences its tokens
/// must carry. One statement of the trust policy:
///
/// ```
/// use xrole_core::{AccountId, GitHubRef, Partition, WebIdentityTrust};
///
/// let trust = WebIdentityTrust::github_actions(
///     Partition::Aws,
///     "222222222222".parse()?,
///     "acme/api",
///     GitHubRef::Branch("main".into()),
/// )?;
/// assert_eq!(trust.subjects(), ["repo:acme/api:ref:refs/heads/main"]);
/// assert_eq!(trust.audiences(), ["sts.amazonaws.com"]);
/// # Ok::<(), xrole_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct WebIdentityTrust {
    provider: PrincipalArn,
    subjects: Vec<String>,
    audiences: Vec<String>,
}

impl fmt::Debug for WebIdentityTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentityTrust")
            .field("provider", &self.provider.as_str())
            .field("subjects", &self.subjects)
            .field("audiences", &self.audiences)
            .finish()
    }
}

impl WebIdentityTrust {
    /// Tokens of `provider` (an OIDC provider ARN or a built-in web identity
    /// provider) whose `sub` is exactly `subject` and whose `aud` is exactly
    /// `audience`.
    pub fn new(
        provider: PrincipalArn,
        subject: impl Into<String>,
        audience: impl Into<String>,
    ) -> Result<Self, Error> {
        if provider.web_identity_issuer().is_none() {
            return Err(Error::new(
                Subject::WebIdentityProvider,
                ErrorKind::Format,
                format!(
                    "{provider} is not an OIDC provider (arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST/PATH) or a web identity provider"
                ),
            ));
        }
        let subject = subject.into();
        let audience = audience.into();
        check_plain(&subject, Subject::TokenSubject, 1024)?;
        check_plain(&audience, Subject::TokenAudience, 1024)?;
        Ok(Self {
            provider,
            subjects: vec![subject],
            audiences: vec![audience],
        })
    }

    /// The OIDC provider ARN of GitHub Actions in `account`.
    pub fn github_actions_provider(
        partition: Partition,
        account: AccountId,
    ) -> Result<PrincipalArn, Error> {
        PrincipalArn::oidc_provider(partition, account, GITHUB_ACTIONS_ISSUER)
    }

    /// A GitHub Actions trust: jobs of `repository` (`OWNER/REPO`) running on `on`
    /// (a branch, a tag, an environment or a pull request), through GitHub's OIDC
    /// provider in `account`, with the audience `sts.amazonaws.com`.
    pub fn github_actions(
        partition: Partition,
        account: AccountId,
        repository: &str,
        on: GitHubRef,
    ) -> Result<Self, Error> {
        check_repository(repository)?;
        let subject = format!("repo:{repository}:{}", on.subject()?);
        Self::new(
            Self::github_actions_provider(partition, account)?,
            subject,
            STS_AUDIENCE,
        )
    }

    /// An EKS IAM-roles-for-service-accounts trust: pods running as
    /// `service_account` in `namespace` of the cluster whose OIDC issuer is
    /// `issuer` (`https://oidc.eks.REGION.amazonaws.com/id/ID`, with or without the
    /// scheme), through its OIDC provider in `account`, with the audience
    /// `sts.amazonaws.com`.
    pub fn eks(
        partition: Partition,
        account: AccountId,
        issuer: &str,
        namespace: &str,
        service_account: &str,
    ) -> Result<Self, Error> {
        let host_path = issuer.strip_prefix("https://").unwrap_or(issuer);
        let valid = host_path
            .strip_prefix("oidc.eks.")
            .and_then(|rest| rest.split_once(".amazonaws.com/id/"))
            .is_some_and(|(region, id)| {
                crate::Region::parse(region).is_ok()
                    && (1..=64).contains(&id.len())
                    && id.bytes().all(|b| b.is_ascii_alphanumeric())
            });
        if !valid {
            return Err(Error::new(
                Subject::EksOidcIssuer,
                ErrorKind::Format,
                format!(
                    "must be https://oidc.eks.REGION.amazonaws.com/id/ID (the cluster's identity.oidc.issuer), found {issuer:?}"
                ),
            ));
        }
        check_kubernetes_name(namespace, Subject::KubernetesNamespace, 63, false)?;
        check_kubernetes_name(
            service_account,
            Subject::KubernetesServiceAccount,
            253,
            true,
        )?;
        Self::new(
            PrincipalArn::oidc_provider(partition, account, host_path)?,
            format!("system:serviceaccount:{namespace}:{service_account}"),
            STS_AUDIENCE,
        )
    }

    /// Admits one more exact subject (another branch, say): any one must match.
    pub fn or_subject(mut self, subject: impl Into<String>) -> Result<Self, Error> {
        let subject = subject.into();
        check_plain(&subject, Subject::TokenSubject, 1024)?;
        if !self.subjects.contains(&subject) {
            self.subjects.push(subject);
        }
        Ok(self)
    }

    /// The provider the trust names.
    pub fn provider(&self) -> &PrincipalArn {
        &self.provider
    }

    /// The prefix of the provider's claim keys (`token.actions.githubusercontent.com`).
    pub fn issuer(&self) -> &str {
        self.provider.web_identity_issuer().unwrap_or_default()
    }

    /// The subjects admitted (`HOST:sub`), exactly.
    pub fn subjects(&self) -> &[String] {
        &self.subjects
    }

    /// The audiences admitted (`HOST:aud`), exactly.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// The trust policy's statement: `sts:AssumeRoleWithWebIdentity` for the
    /// provider, `StringEquals` on its `aud` and `sub` claim keys.
    pub fn statement(&self) -> Statement {
        let issuer = self.issuer();
        let mut st = Statement::new(Effect::Allow)
            .principal(Principal::Typed(vec![(
                crate::policy::PrincipalType::Federated,
                OneOrMany::from_vec(vec![self.provider.to_string()]),
            )]))
            .actions([ASSUME_ROLE_WITH_WEB_IDENTITY]);
        for (claim, values) in [("aud", &self.audiences), ("sub", &self.subjects)] {
            st.condition
                .get_or_insert_with(Vec::new)
                .push(crate::policy::Condition {
                    operator: ConditionOperator::new(OperatorBase::StringEquals),
                    key: format!("{issuer}:{claim}"),
                    values: OneOrMany::from_vec(values.iter().map(|v| v.as_str().into()).collect()),
                });
        }
        st
    }
}
