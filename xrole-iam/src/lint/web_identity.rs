//! Lints for web identity trusts: a statement that admits an OIDC provider
//! (GitHub Actions, EKS IRSA, any issuer) must say which of its subjects may assume
//! the role, and for which audience. A missing or too wide `sub` lets any
//! repository of GitHub (or of an organization), or any service account of a
//! cluster, assume the role (IAM user guide, "Configuring a role for GitHub OIDC
//! identity provider":
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub>).

use xrole_core::PrincipalArn;
use xrole_core::policy::{Condition, OperatorBase, Statement};

use super::admits::{MAX_PATTERN_PROBES, Probes};
use super::{
    Document, LintConfig, LintFinding, LintReport, OIDC_STRING_LIKE_WITHOUT_WILDCARD,
    OIDC_SUB_TOO_WIDE, OIDC_WITHOUT_AUD, OIDC_WITHOUT_SUB,
};

/// GitHub Actions' issuer.
const GITHUB: &str = "token.actions.githubusercontent.com";

/// The providers whose subjects xrole knows the shape of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Issuer {
    /// `repo:OWNER/REPO:ref:refs/heads/BRANCH`, `...:environment:NAME`, ...
    GitHub,
    /// `system:serviceaccount:NAMESPACE:NAME`.
    Eks,
    Other,
}

impl Issuer {
    fn of(issuer: &str) -> Self {
        if issuer.eq_ignore_ascii_case(GITHUB) {
            Issuer::GitHub
        } else if issuer.starts_with("oidc.eks.") && issuer.contains(".amazonaws.com/id/") {
            Issuer::Eks
        } else {
            Issuer::Other
        }
    }

    /// A subject to write instead, and the audience AWS documents.
    fn example_sub(self) -> &'static str {
        match self {
            Issuer::GitHub => "repo:OWNER/REPO:ref:refs/heads/main",
            Issuer::Eks => "system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT",
            Issuer::Other => "the subject of the one identity meant",
        }
    }

    fn example_aud(self) -> &'static str {
        match self {
            Issuer::GitHub | Issuer::Eks => "\"sts.amazonaws.com\"",
            Issuer::Other => "your client id",
        }
    }

    /// What a `StringLike` subject pattern lets in beyond one identity, if it spans
    /// more than one repository or service account.
    fn too_wide(self, pattern: &str) -> Option<String> {
        let at = pattern.find(['*', '?'])?;
        let fixed = &pattern[..at];
        match self {
            Issuer::GitHub => {
                // The wildcard must come after `repo:OWNER/REPO:`.
                let Some(rest) = fixed.strip_prefix("repo:") else {
                    return Some("workflows of every repository on GitHub".into());
                };
                match rest.split_once('/') {
                    Some((_, repo)) if repo.contains(':') => None,
                    Some((owner, _)) => Some(format!("workflows of every repository of {owner}")),
                    None => Some("workflows of every repository on GitHub".into()),
                }
            }
            Issuer::Eks => {
                let rest = fixed.strip_prefix("system:serviceaccount:").unwrap_or("");
                match rest.split_once(':') {
                    Some((namespace, _)) => {
                        Some(format!("several service accounts of namespace {namespace}"))
                    }
                    None => Some("service accounts of every namespace of the cluster".into()),
                }
            }
            Issuer::Other => pattern
                .chars()
                .all(|c| c == '*' || c == '?')
                .then(|| "every subject the issuer has".into()),
        }
    }
}

fn is_claim(c: &Condition, issuer: &str, claim: &str) -> bool {
    c.key
        .strip_suffix(claim)
        .and_then(|k| k.strip_suffix(':'))
        .is_some_and(|k| k.eq_ignore_ascii_case(issuer))
}

/// One `Allow` statement of a trust policy that admits a web identity provider.
pub(super) struct WebIdentityStatement<'a> {
    pub(super) st: &'a Statement,
    /// The statement's index in its document.
    pub(super) index: usize,
    /// The statement's path.
    pub(super) path: &'a str,
    /// The path of the principal entry naming the provider.
    pub(super) principal_at: &'a str,
    pub(super) provider: &'a PrincipalArn,
    /// The prefix of the provider's claim keys.
    pub(super) issuer: &'a str,
}

/// A subject of `kind`'s shape that belongs to nobody the policy names.
fn stranger_sub(kind: Issuer) -> &'static str {
    match kind {
        Issuer::GitHub => "repo:xrole-lint-stranger/intruder:ref:refs/heads/main",
        Issuer::Eks => "system:serviceaccount:xrole-lint-stranger:intruder",
        Issuer::Other => "xrole-lint-stranger",
    }
}

/// Lints one statement admitting a web identity provider. Whether its `sub`
/// conditions restrict is the evaluator's answer (`probes`): `XR017` when a
/// stranger's subject is admitted, `XR018` when a subject the pattern's wildcard
/// reaches in another repository or service account is; without probes, the
/// worst is assumed.
pub(super) fn lint_web_identity(
    w: &WebIdentityStatement<'_>,
    probes: Option<&Probes<'_>>,
    config: &LintConfig,
    report: &mut LintReport,
) {
    let issuer = w.issuer;
    let kind = Issuer::of(issuer);
    let finding = |lint, at: String, message: String| LintFinding {
        lint,
        document: Document::Trust,
        path: at,
        message,
    };
    let sub_key = format!("{issuer}:sub");
    let admits = |subject: &str| {
        probes.is_none_or(|p| p.admits_subject(w.index, w.provider, &sub_key, subject))
    };
    let conditions: Vec<&Condition> = w.st.condition.iter().flatten().collect();
    // XR018 first: a pattern spanning identities says more than XR017 would.
    let mut too_wide = Vec::new();
    for c in &conditions {
        if !is_claim(c, issuer, "sub") || c.operator.base != OperatorBase::StringLike {
            continue;
        }
        let at = format!("{}.Condition.{}[{:?}]", w.path, c.operator, c.key);
        // The evaluator is asked of a bounded number of patterns (documents are
        // untrusted input); the shape alone reports the rest.
        for (n, v) in c.values.iter().map(|v| v.as_text()).enumerate() {
            if let Some(who) = kind.too_wide(&v)
                && (n >= MAX_PATTERN_PROBES || admits(&fill(&v)))
            {
                too_wide.push(finding(
                    OIDC_SUB_TOO_WIDE,
                    at.clone(),
                    format!(
                        "{v:?} admits {who}; name the one identity meant with StringEquals, e.g. {:?}",
                        kind.example_sub()
                    ),
                ));
            }
        }
    }
    if too_wide.is_empty() && admits(stranger_sub(kind)) {
        report.push(
            config,
            finding(
                OIDC_WITHOUT_SUB,
                w.principal_at.to_owned(),
                format!(
                    "any identity {issuer} issues tokens for may assume this role{}; add StringEquals {issuer}:sub with {:?}",
                    if kind == Issuer::GitHub {
                        " (any workflow of any repository on GitHub)"
                    } else {
                        ""
                    },
                    kind.example_sub()
                ),
            ),
        );
    }
    if !conditions.iter().any(|c| is_claim(c, issuer, "aud")) {
        report.push(
            config,
            finding(
                OIDC_WITHOUT_AUD,
                w.principal_at.to_owned(),
                format!(
                    "tokens {issuer} issued for any audience are accepted; add StringEquals {issuer}:aud with {}",
                    kind.example_aud()
                ),
            ),
        );
    }
    let mut too_wide = too_wide.into_iter().peekable();
    for c in conditions {
        let sub = is_claim(c, issuer, "sub");
        if !(sub || is_claim(c, issuer, "aud")) || c.operator.base != OperatorBase::StringLike {
            continue;
        }
        let at = format!("{}.Condition.{}[{:?}]", w.path, c.operator, c.key);
        if c.values.iter().all(|v| !v.as_text().contains(['*', '?'])) {
            report.push(
                config,
                finding(
                    OIDC_STRING_LIKE_WITHOUT_WILDCARD,
                    at,
                    "StringLike with no wildcard compares as StringEquals does; write StringEquals, so that a wildcard added later is a visible change of operator".into(),
                ),
            );
            continue;
        }
        while let Some(f) = too_wide.next_if(|f| f.path == at) {
            report.push(config, f);
        }
    }
}

/// A subject `pattern`'s wildcards reach: each filled with a name of nobody's.
fn fill(pattern: &str) -> String {
    pattern
        .replace('*', "xrole-lint-intruder")
        .replace('?', "x")
}
