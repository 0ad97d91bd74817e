//! Lints for the documents of a cross-account setup, with stable codes, severities,
//! and suppressions that must say why. Every lint, its code, severity and title,
//! is one row of the table [`ALL`] shows; [`markdown_table`] renders it for other
//! documents (the README's table is checked against it).
//!
//! The trust lints whose verdict depends on a condition (`XR001`, `XR004`,
//! `XR017`, `XR018`) ask the evaluator whether the statement admits principals
//! nobody declared, never which keys its conditions name.

mod admits;
mod org;
mod web_identity;

pub use org::{lint_rcp, lint_scp};

use std::fmt;

use xrole_core::policy::keys;
use xrole_core::policy::{
    Condition, Effect, OperatorBase, PolicyDocument, Principal, PrincipalType, Statement,
};
use xrole_core::{AccountId, PrincipalArn, PrincipalKind, RoleSpec, SessionDuration};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth a look.
    Warning,
    /// A hole or a setup that cannot work.
    Error,
}

/// A lint: its stable code, severity and title.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Lint {
    /// The stable code, `XR001`...
    pub code: &'static str,
    /// The severity.
    pub severity: Severity,
    /// What it finds.
    pub title: &'static str,
}

macro_rules! lints {
    ($($name:ident = $code:literal, $sev:ident, $title:literal;)*) => {
        $(
            #[doc = concat!("`", $code, "`: ", $title, ".")]
            pub const $name: Lint = Lint { code: $code, severity: Severity::$sev, title: $title };
        )*
        /// Every lint, by code:
        ///
        /// | code | severity | finding |
        /// |---|---|---|
        $(
            #[doc = concat!("| `", $code, "` | ", stringify!($sev), " | ", $title, " |")]
        )*
        pub const ALL: &[Lint] = &[$($name),*];
    };
}

/// The lints as a Markdown table (`| code | severity | finding |`), one row per
/// lint of [`ALL`], in code order: what other documents show.
pub fn markdown_table() -> String {
    let mut table = String::from("| code | severity | finding |\n|---|---|---|\n");
    for lint in ALL {
        let severity = match lint.severity {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        };
        table.push_str(&format!(
            "| `{}` | {severity} | {} |\n",
            lint.code, lint.title
        ));
    }
    table
}

lints! {
    ANY_PRINCIPAL_TRUST = "XR001", Error, "a trust policy admits principals of any account: its conditions let in one nobody declared";
    WILDCARD_PRINCIPAL = "XR002", Error, "a principal with a wildcard account or name";
    NOT_PRINCIPAL_IN_TRUST = "XR003", Error, "NotPrincipal in a trust policy";
    THIRD_PARTY_WITHOUT_EXTERNAL_ID = "XR004", Warning, "trust to an account outside the own accounts without sts:ExternalId";
    SERVICE_WITHOUT_SOURCE = "XR005", Warning, "a service principal without aws:SourceArn or aws:SourceAccount";
    ADMIN_WITHOUT_MFA = "XR006", Error, "a trust that admits an admin-capable role without requiring MFA";
    WILDCARD_ACTION = "XR007", Warning, "a wildcard action in a permission policy";
    WILDCARD_RESOURCE = "XR008", Warning, "a wildcard resource in a permission policy";
    MFA_NEVER_MATCHES = "XR009", Error, "an MFA condition that can never match";
    CHAINED_DURATION = "XR010", Error, "a chained session longer than one hour";
    SCP_PRINCIPAL = "XR011", Error, "a Principal or NotPrincipal in a service control policy";
    RCP_PRINCIPAL_NOT_ANY = "XR012", Error, "a resource control policy whose principal is not \"*\"";
    RCP_UNSUPPORTED_ACTION = "XR013", Error, "an RCP action of a service that RCPs do not govern";
    SCP_NOT_ACTION_ALLOW = "XR014", Warning, "NotAction with Allow in a service control policy";
    ORG_POLICY_TOO_LARGE = "XR015", Error, "an SCP or RCP over Organizations' size limit";
    RCP_ALLOW = "XR016", Error, "an Allow in a resource control policy";
    OIDC_WITHOUT_SUB = "XR017", Error, "a web identity trust that admits a token of any subject";
    OIDC_SUB_TOO_WIDE = "XR018", Error, "a sub pattern whose wildcard spans repositories, organizations or service accounts";
    OIDC_WITHOUT_AUD = "XR019", Warning, "a web identity trust without a condition on the token's aud";
    OIDC_STRING_LIKE_WITHOUT_WILDCARD = "XR020", Warning, "StringLike on a token claim with no wildcard";
}

/// Which document a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Document {
    /// The role's trust policy.
    Trust,
    /// The role's permission policy.
    Permission,
    /// The caller's identity policy.
    Caller,
    /// The role declaration itself.
    Spec,
    /// A service control policy.
    ServiceControl,
    /// A resource control policy.
    ResourceControl,
}

impl Document {
    /// The document's name in messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Document::Trust => "trust policy",
            Document::Permission => "permission policy",
            Document::Caller => "caller policy",
            Document::Spec => "role spec",
            Document::ServiceControl => "service control policy",
            Document::ResourceControl => "resource control policy",
        }
    }
}

/// One finding: which lint, where (document and path), and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintFinding {
    /// The lint.
    pub lint: Lint,
    /// The document.
    pub document: Document,
    /// The element's path, e.g. `Statement[0].Principal.AWS`.
    pub path: String,
    /// What is wrong here and how to mend it.
    pub message: String,
}

impl fmt::Display for LintFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.lint.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{severity}[{}] {}",
            self.lint.code,
            self.document.as_str()
        )?;
        if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A suppressed lint, with the reason that must come with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    code: String,
    reason: String,
    path: Option<String>,
}

/// A suppression without a reason, or for a code that does not exist.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SuppressionError {
    /// The reason is empty.
    #[error("suppressing {code} needs a reason: say why the finding does not apply")]
    NoReason {
        /// The code.
        code: String,
    },
    /// No lint has this code.
    #[error(
        "no lint has the code {code:?} (codes: {} to {})",
        first_code(),
        last_code()
    )]
    UnknownCode {
        /// The code given.
        code: String,
    },
}

fn first_code() -> &'static str {
    ALL.first().map_or("", |l| l.code)
}

fn last_code() -> &'static str {
    ALL.last().map_or("", |l| l.code)
}

impl Suppression {
    /// Suppresses `code` everywhere, for `reason`.
    pub fn new(code: &str, reason: &str) -> Result<Self, SuppressionError> {
        if !ALL.iter().any(|l| l.code == code) {
            return Err(SuppressionError::UnknownCode {
                code: code.to_owned(),
            });
        }
        if reason.trim().is_empty() {
            return Err(SuppressionError::NoReason {
                code: code.to_owned(),
            });
        }
        Ok(Self {
            code: code.to_owned(),
            reason: reason.to_owned(),
            path: None,
        })
    }

    /// Limits the suppression to findings at `path`.
    pub fn at(mut self, path: &str) -> Self {
        self.path = Some(path.to_owned());
        self
    }

    /// Why the finding does not apply.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    fn covers(&self, finding: &LintFinding) -> bool {
        self.code == finding.lint.code && self.path.as_deref().is_none_or(|p| p == finding.path)
    }
}

/// What the lints know beyond the documents.
#[derive(Clone, Debug, Default)]
pub struct LintConfig {
    own_accounts: Vec<AccountId>,
    suppressions: Vec<Suppression>,
}

impl LintConfig {
    /// No own accounts beyond the role's, no suppressions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares an account as one's own: trust to it needs no ExternalId.
    pub fn own_account(mut self, account: AccountId) -> Self {
        self.own_accounts.push(account);
        self
    }

    /// Adds a suppression.
    pub fn suppress(mut self, suppression: Suppression) -> Self {
        self.suppressions.push(suppression);
        self
    }
}

/// The findings, and those suppressed (with their reasons).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LintReport {
    /// Findings that stand.
    pub findings: Vec<LintFinding>,
    /// Findings a suppression covers, with the suppression's reason.
    pub suppressed: Vec<(LintFinding, String)>,
}

impl LintReport {
    /// Whether no finding stands.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    fn push(&mut self, config: &LintConfig, finding: LintFinding) {
        match config.suppressions.iter().find(|s| s.covers(&finding)) {
            Some(s) => self.suppressed.push((finding, s.reason.clone())),
            None => self.findings.push(finding),
        }
    }
}

impl fmt::Display for LintReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            writeln!(f, "{finding}")?;
        }
        for (finding, reason) in &self.suppressed {
            writeln!(f, "suppressed: {finding} (reason: {reason})")?;
        }
        Ok(())
    }
}

fn statement_path(doc: &PolicyDocument, i: usize) -> String {
    match doc.statement {
        xrole_core::policy::OneOrMany::One(_) => "Statement".to_owned(),
        xrole_core::policy::OneOrMany::Many(_) => format!("Statement[{i}]"),
    }
}

fn has_condition(st: &Statement, names: &[&str]) -> bool {
    st.condition
        .iter()
        .flatten()
        .any(|c| names.iter().any(|k| c.key.eq_ignore_ascii_case(k)))
}

/// Whether the statement requires MFA (present true, or an age bound).
fn requires_mfa(st: &Statement) -> bool {
    st.condition.iter().flatten().any(|c| {
        (c.key.eq_ignore_ascii_case(keys::MULTI_FACTOR_AUTH_PRESENT)
            && c.operator.base == OperatorBase::Bool
            && !c.operator.if_exists
            && c.values
                .iter()
                .all(|v| v.as_text().eq_ignore_ascii_case("true")))
            || (c.key.eq_ignore_ascii_case(keys::MULTI_FACTOR_AUTH_AGE)
                && matches!(
                    c.operator.base,
                    OperatorBase::NumericLessThan | OperatorBase::NumericLessThanEquals
                )
                && !c.operator.if_exists)
    })
}

/// Lints a trust policy. `role_account` is the trusting account (always one's own).
pub fn lint_trust_policy(
    doc: &PolicyDocument,
    role_account: Option<AccountId>,
    config: &LintConfig,
    report: &mut LintReport,
) {
    let own = |a: AccountId| Some(a) == role_account || config.own_accounts.contains(&a);
    // Whether a statement restricts who it admits is the evaluator's answer, never
    // the keys its conditions name (`admits.rs`).
    let probes = admits::Probes::new(doc, role_account, &config.own_accounts);
    for (i, st) in doc.statements().iter().enumerate() {
        let path = statement_path(doc, i);
        let finding = |lint: Lint, at: String, message: String| LintFinding {
            lint,
            document: Document::Trust,
            path: at,
            message,
        };
        if st.not_principal.is_some() {
            report.push(config, finding(NOT_PRINCIPAL_IN_TRUST, format!("{path}.NotPrincipal"),
                "NotPrincipal is not supported in a trust policy; name the principals in Principal, or deny with a condition on aws:PrincipalArn".into()));
        }
        mfa_never_matches(doc, i, st, Document::Trust, config, report);
        if st.effect != Effect::Allow {
            continue;
        }
        let Some(principal) = &st.principal else {
            continue;
        };
        let entries: Vec<(String, PrincipalType, &str)> = match principal {
            Principal::Any => vec![(format!("{path}.Principal"), PrincipalType::Aws, "*")],
            Principal::Typed(typed) => typed
                .iter()
                .flat_map(|(t, values)| {
                    let path = &path;
                    values.iter().enumerate().map(move |(j, v)| {
                        let at = if values.len() == 1
                            && matches!(values, xrole_core::policy::OneOrMany::One(_))
                        {
                            format!("{path}.Principal.{}", t.as_str())
                        } else {
                            format!("{path}.Principal.{}[{j}]", t.as_str())
                        };
                        (at, *t, v.as_str())
                    })
                })
                .collect(),
        };
        for (at, ty, value) in entries {
            if value == "*" {
                let admitted = match &probes {
                    Some(p) => p.stranger_admitted(i),
                    None => Some("a principal of an account no policy names".to_owned()),
                };
                if let Some(who) = admitted {
                    report.push(config, finding(ANY_PRINCIPAL_TRUST, at,
                        format!("any principal in any account may assume this role: its conditions admit {who}; name the trusted principals, or restrict with StringEquals aws:PrincipalOrgID, StringEquals aws:PrincipalAccount or ArnEquals aws:PrincipalArn on exact values")));
                }
                continue;
            }
            if value.contains('*') || value.contains('?') {
                report.push(config, finding(WILDCARD_PRINCIPAL, at,
                    format!("{value:?} uses a wildcard, which IAM rejects inside a principal; use \"*\" with an ArnLike condition on aws:PrincipalArn")));
                continue;
            }
            let Ok(p) = PrincipalArn::parse(value) else {
                continue;
            };
            match (ty, p.kind()) {
                (PrincipalType::Federated, PrincipalKind::Federated) => {
                    if let Some(issuer) = p.web_identity_issuer() {
                        let statement = web_identity::WebIdentityStatement {
                            st,
                            index: i,
                            path: &path,
                            principal_at: &at,
                            provider: &p,
                            issuer,
                        };
                        web_identity::lint_web_identity(
                            &statement,
                            probes.as_ref(),
                            config,
                            report,
                        );
                    }
                }
                (PrincipalType::Service, PrincipalKind::Service)
                    if !has_condition(st, &[keys::SOURCE_ARN, keys::SOURCE_ACCOUNT]) =>
                {
                    report.push(config, finding(SERVICE_WITHOUT_SOURCE, at,
                            format!("{value} may assume this role on behalf of any account; add aws:SourceArn or aws:SourceAccount to prevent the confused deputy problem")));
                }
                (PrincipalType::Aws, _) => {
                    if let Some(account) = p.account()
                        && !own(account)
                        && probes
                            .as_ref()
                            .is_none_or(|probes| probes.admits_without_external_id(i, &p))
                    {
                        report.push(config, finding(THIRD_PARTY_WITHOUT_EXTERNAL_ID, at,
                                format!("account {account} is not declared as one of your own; a third party must present an ExternalId (StringEquals sts:ExternalId) so it cannot be used as a confused deputy")));
                    }
                }
                _ => {}
            }
        }
    }
}

/// Whether a permission policy can do everything an administrator can.
fn admin_capable(doc: &PolicyDocument) -> bool {
    doc.statements().iter().any(|st| {
        st.effect == Effect::Allow
            && st.condition.is_none()
            && st.action.as_ref().is_some_and(|a| {
                a.iter()
                    .any(|a| a == "*" || a.eq_ignore_ascii_case("iam:*"))
            })
            && st
                .resource
                .as_ref()
                .is_some_and(|r| r.iter().any(|r| r == "*"))
    })
}

/// Actions that take no resource-level permission: `*` is their only resource.
fn resource_less(action: &str) -> bool {
    const ONLY_STAR: &[&str] = &[
        "s3:ListAllMyBuckets",
        "sts:GetCallerIdentity",
        "iam:ListRoles",
        "iam:ListUsers",
        "iam:ListPolicies",
        "iam:ListAccountAliases",
    ];
    ONLY_STAR.iter().any(|a| a.eq_ignore_ascii_case(action))
        || action.to_ascii_lowercase().starts_with("ec2:describe")
}

/// Lints a permission (or caller identity) policy.
pub fn lint_permission_policy(
    doc: &PolicyDocument,
    document: Document,
    config: &LintConfig,
    report: &mut LintReport,
) {
    for (i, st) in doc.statements().iter().enumerate() {
        let path = statement_path(doc, i);
        mfa_never_matches(doc, i, st, document, config, report);
        if st.effect != Effect::Allow {
            continue;
        }
        let actions: Vec<&str> = st.action.iter().flatten().map(String::as_str).collect();
        for (j, a) in st.action.iter().flat_map(|a| a.iter().enumerate()) {
            if a == "*" || a.ends_with(":*") {
                let at = match st.action.as_ref() {
                    Some(xrole_core::policy::OneOrMany::Many(_)) => format!("{path}.Action[{j}]"),
                    _ => format!("{path}.Action"),
                };
                report.push(
                    config,
                    LintFinding {
                        lint: WILDCARD_ACTION,
                        document,
                        path: at,
                        message: format!(
                            "{a:?} grants every action{}; list the actions the code calls",
                            if a == "*" {
                                " of every service"
                            } else {
                                " of the service"
                            }
                        ),
                    },
                );
            }
        }
        if st.not_action.is_some() {
            report.push(config, LintFinding { lint: WILDCARD_ACTION, document, path: format!("{path}.NotAction"),
                message: "NotAction with Allow grants every action but those listed, including future ones; list the actions instead".into() });
        }
        for (j, r) in st.resource.iter().flat_map(|r| r.iter().enumerate()) {
            if r == "*" && !actions.iter().all(|a| resource_less(a)) {
                let at = match st.resource.as_ref() {
                    Some(xrole_core::policy::OneOrMany::Many(_)) => format!("{path}.Resource[{j}]"),
                    _ => format!("{path}.Resource"),
                };
                report.push(config, LintFinding { lint: WILDCARD_RESOURCE, document, path: at,
                    message: "\"*\" applies to every resource of the account; name the resources (ARNs, with wildcards for objects)".into() });
            }
        }
    }
}

/// XR009: MFA conditions written so that they never match.
fn mfa_never_matches(
    doc: &PolicyDocument,
    i: usize,
    st: &Statement,
    document: Document,
    config: &LintConfig,
    report: &mut LintReport,
) {
    let path = statement_path(doc, i);
    for c in st.condition.iter().flatten() {
        let at = format!("{path}.Condition.{}[{:?}]", c.operator, c.key);
        let mfa_present = c.key.eq_ignore_ascii_case(keys::MULTI_FACTOR_AUTH_PRESENT);
        let mfa_age = c.key.eq_ignore_ascii_case(keys::MULTI_FACTOR_AUTH_AGE);
        if !(mfa_present || mfa_age) {
            continue;
        }
        if let Some(message) = never_matching_mfa(st, c, mfa_present) {
            report.push(
                config,
                LintFinding {
                    lint: MFA_NEVER_MATCHES,
                    document,
                    path: at,
                    message,
                },
            );
        }
    }
}

fn never_matching_mfa(st: &Statement, c: &Condition, present_key: bool) -> Option<String> {
    let op = c.operator;
    if present_key && op.base != OperatorBase::Bool && op.base != OperatorBase::Null {
        return Some(format!(
            "aws:MultiFactorAuthPresent is a boolean key; {} never compares it as AWS means (use Bool)",
            op.base.as_str()
        ));
    }
    if present_key && op.base == OperatorBase::Bool {
        let bad = c
            .values
            .iter()
            .find(|v| xrole_core::policy::values::parse_bool(&v.as_text()).is_none());
        if let Some(v) = bad {
            return Some(format!(
                "{:?} is neither true nor false: the condition never matches",
                v.as_text()
            ));
        }
        let says_false = c
            .values
            .iter()
            .all(|v| v.as_text().eq_ignore_ascii_case("false"));
        if st.effect == Effect::Deny && says_false && !op.if_exists {
            return Some("long-term credentials carry no aws:MultiFactorAuthPresent key, so Bool ... false never matches them and this Deny never applies without MFA; use BoolIfExists".into());
        }
    }
    if !present_key
        && st.effect == Effect::Deny
        && !op.if_exists
        && matches!(
            op.base,
            OperatorBase::NumericGreaterThan | OperatorBase::NumericGreaterThanEquals
        )
    {
        return Some("requests without MFA carry no aws:MultiFactorAuthAge key, so this Deny never applies to them; add a Null or BoolIfExists check for missing MFA".into());
    }
    None
}

/// Lints the three documents of a declared role, and the declaration itself.
pub fn lint_spec(spec: &RoleSpec, config: &LintConfig) -> LintReport {
    let mut report = LintReport::default();
    let role_account = Some(spec.role().account());
    let permission = spec.permission_policy().ok();
    if let Ok(trust) = spec.trust_policy() {
        lint_trust_policy(&trust, role_account, config, &mut report);
        if permission.as_ref().is_some_and(admin_capable) {
            for (i, st) in trust.statements().iter().enumerate() {
                let admits_people = st.principal.as_ref().is_some_and(|p| {
                    p.entries().any(|(t, _)| t == PrincipalType::Aws) || matches!(p, Principal::Any)
                });
                if st.effect == Effect::Allow && admits_people && !requires_mfa(st) {
                    report.push(config, LintFinding {
                        lint: ADMIN_WITHOUT_MFA,
                        document: Document::Trust,
                        path: statement_path(&trust, i),
                        message: format!("{} can administer its account, and this statement admits it without MFA; declare mfa_serial (Bool aws:MultiFactorAuthPresent true)", spec.role()),
                    });
                }
            }
        }
    }
    if let Some(doc) = &permission {
        lint_permission_policy(doc, Document::Permission, config, &mut report);
    }
    if spec.chained() {
        let duration = spec.duration().unwrap_or(SessionDuration::DEFAULT);
        if duration.check_chained().is_err() {
            report.push(
                config,
                LintFinding {
                    lint: CHAINED_DURATION,
                    document: Document::Spec,
                    path: "duration".into(),
                    message: format!(
                        "{}, but {duration} is declared; STS rejects the call",
                        SessionDuration::chained_rule()
                    ),
                },
            );
        }
    }
    report
}
